"""The elastic-net penalty's certificate pieces (``fastreg._penalties``,
computed by ``_penalty_fast``) against oracles written from their
definitions: the conjugate as a maximum over the candidate maximisers, the
optimality violation as the distance of 0 from the subdifferential's
interval, the feasible scale as the edge where the conjugate turns
infinite."""
import numpy as np
import pytest

from fastreg._penalties import ElasticNetPenalty


def random_penalty(rng, p):
    """Weights with zeros, bounds open, finite, and at 0 on either side."""
    a = rng.choice([0.0, 0.5, 1.0, 2.0], p) * rng.uniform(0.5, 1.5, p)
    c = rng.choice([0.0, 0.0, 0.3, 1.0], p) * rng.uniform(0.5, 1.5, p)
    lo = rng.choice([-np.inf, -1.0, 0.0, -0.2], p)
    hi = rng.choice([np.inf, 1.5, 0.0, 0.3], p)
    return ElasticNetPenalty(a, c, lo, hi)


def conjugate_oracle(pen, v):
    """sum_j max over z in [lo_j, hi_j] of v_j z - a_j |z| - c_j z^2 / 2,
    the maximum taken over the bounds, 0 and both stationary points."""
    total = 0.0
    for vj, aj, cj, lj, hj in zip(v, pen.a, pen.c, pen.lo, pen.hi):
        if cj == 0 and ((vj > aj and hj == np.inf) or (vj < -aj and lj == -np.inf)):
            return np.inf
        cands = [0.0] + [b for b in (lj, hj) if np.isfinite(b)]
        if cj > 0:
            cands += [min(max((vj - aj) / cj, lj), hj), min(max((vj + aj) / cj, lj), hj)]
        total += max(vj * z - aj * abs(z) - 0.5 * cj * z * z for z in cands)
    return total


def violation_oracle(pen, w, grad):
    """The distance of 0 from {grad + c w + a s + n}: s in the
    subdifferential of |.| at w, n in the box's normal cone at w."""
    out = np.empty(w.shape[0])
    for j, (wj, gj, aj, cj, lj, hj) in enumerate(zip(w, grad, pen.a, pen.c, pen.lo, pen.hi)):
        s_lo, s_hi = (1.0, 1.0) if wj > 0 else (-1.0, -1.0) if wj < 0 else (-1.0, 1.0)
        n_lo = -np.inf if wj <= lj else 0.0
        n_hi = np.inf if wj >= hj else 0.0
        g = gj + cj * wj
        low, high = g + aj * s_lo + n_lo, g + aj * s_hi + n_hi
        out[j] = low if low > 0 else (-high if high < 0 else 0.0)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_conjugate_matches_its_definition(seed):
    rng = np.random.default_rng(seed)
    p = 300
    pen = random_penalty(rng, p)
    v = rng.standard_normal(p) * rng.choice([0.3, 1.0, 3.0], p)
    # (scaled to feasibility: a finite total to compare term by term)
    s = pen.feasible_scale(v)
    assert np.isclose(pen.conjugate(s * v), conjugate_oracle(pen, s * v),
                      rtol=1e-12, atol=1e-12)
    # unscaled, some open side is exceeded: both infinite, or both finite
    assert pen.conjugate(v) == pytest.approx(conjugate_oracle(pen, v), rel=1e-12, abs=1e-12)


def test_conjugate_is_zero_without_excess_and_ignores_rounding_at_the_edge():
    a = np.array([1.0, 2.0, 0.5])
    pen = ElasticNetPenalty(a, np.zeros(3), np.full(3, -np.inf), np.full(3, np.inf))
    assert pen.conjugate(np.array([0.3, -2.0, 0.5])) == 0.0
    # an ulp beyond a (what s * v may leave): no excess, not inf
    assert pen.conjugate(a * (1 + 2 * np.finfo(float).eps)) == 0.0
    assert pen.conjugate(a * (1 + 1e-9)) == np.inf


def test_conjugate_nan_and_inf_as_numpy_would_give():
    pen = ElasticNetPenalty(np.ones(2), np.array([1.0, 0.0]), np.full(2, -1.0), np.full(2, 1.0))
    assert pen.conjugate(np.array([np.nan, 0.0])) == np.inf      # c > 0: NaN maximiser
    assert np.isnan(pen.conjugate(np.array([0.0, np.nan])))      # c = 0: NaN term
    assert pen.conjugate(np.array([0.0, np.inf])) == np.inf      # bound 1, value inf


@pytest.mark.parametrize("seed", range(6))
def test_violation_is_the_distance_from_the_subdifferential(seed):
    rng = np.random.default_rng(100 + seed)
    p = 400
    pen = random_penalty(rng, p)
    # coefficients inside, at either bound, and at 0
    w = np.clip(rng.standard_normal(p), pen.lo, pen.hi)
    at = rng.integers(0, 4, p)
    w = np.where(at == 0, 0.0, np.where(at == 1, np.where(np.isfinite(pen.hi), pen.hi, w),
                                        np.where(at == 2, np.where(np.isfinite(pen.lo),
                                                                   pen.lo, w), w)))
    grad = rng.standard_normal(p) * 2
    np.testing.assert_allclose(pen.violation(w, grad), violation_oracle(pen, w, grad),
                               rtol=1e-14, atol=1e-15)


def test_violation_keeps_nan():
    pen = ElasticNetPenalty(np.ones(2), np.zeros(2), np.full(2, -np.inf), np.full(2, np.inf))
    out = pen.violation(np.array([0.0, 1.0]), np.array([np.nan, np.nan]))
    assert np.isnan(out).all()


@pytest.mark.parametrize("seed", range(6))
def test_feasible_scale_is_where_the_conjugate_turns_infinite(seed):
    rng = np.random.default_rng(200 + seed)
    p = 200
    pen = random_penalty(rng, p)
    v = rng.standard_normal(p) * 3
    s = pen.feasible_scale(v)
    assert 0 <= s <= 1
    assert np.isfinite(conjugate_oracle(pen, s * v))
    if s < 1:
        # (s = 0 where a feature without weights has an open side)
        assert conjugate_oracle(pen, (s * (1 + 1e-9) + 1e-12) * v) == np.inf
    else:
        assert np.isfinite(conjugate_oracle(pen, v))


def test_kernels_refuse_mismatched_lengths():
    pen = ElasticNetPenalty(np.ones(3), np.zeros(3), np.full(3, -1.0), np.full(3, 1.0))
    with pytest.raises(ValueError, match="differ in length"):
        pen.conjugate(np.zeros(2))
    with pytest.raises(ValueError, match="differ in length"):
        pen.feasible_scale(np.zeros(4))
    with pytest.raises(ValueError, match="differ in length"):
        pen.violation(np.zeros(3), np.zeros(2))
