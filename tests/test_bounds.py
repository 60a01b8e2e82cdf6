"""Per-coefficient bounds lower_bounds <= w <= upper_bounds (glmnet's limits)."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize

from fastreg import ElasticNet, ElasticNetPath, Lasso, LassoCV, enet_path
from fastreg._objectives import enet_dual_gap_box, enet_kkt_violation_box
from fastreg._path import compute_path

N, P = 90, 24


def _data(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, P))
    w = rng.standard_normal(P) * (rng.random(P) < 0.5) * 2
    y = X @ w + 0.1 * rng.standard_normal(N) + 1.0
    lo = np.full(P, -0.3)
    hi = np.full(P, 0.5)
    lo[:4] = -np.inf
    hi[4:8] = np.inf
    lo[8] = hi[8] = 0.0            # a feature pinned at zero
    return X.astype(dtype), y.astype(dtype), lo, hi


def _reference(X, y, alpha, l1_ratio, lo, hi, sw=None):
    """Box-constrained elastic net by L-BFGS-B on w = a - b (a, b >= 0)."""
    X = np.asarray(X, dtype=float)
    sw = np.ones(len(y)) if sw is None else sw
    W = sw.sum()
    Xc = X - np.average(X, axis=0, weights=sw)
    yc = y - np.average(y, weights=sw)
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)

    def f(z):
        a, b = z[:P], z[P:]
        w = a - b
        r = yc - Xc @ w
        g = -Xc.T @ (sw * r) / W + l2 * w
        val = 0.5 * np.sum(sw * r * r) / W + l1 * (a + b).sum() + 0.5 * l2 * w @ w
        return val, np.r_[g + l1, -g + l1]

    bounds = [(0, h) for h in hi] + [(0, -l) for l in lo]
    z = minimize(f, np.zeros(2 * P), jac=True, method="L-BFGS-B", bounds=bounds,
                 options=dict(ftol=1e-16, gtol=1e-12, maxiter=50000)).x
    return z[:P] - z[P:]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("layout,precompute", [("F", False), ("F", True),
                                               ("csc", False), ("csc", "auto")])
def test_bounded_path_is_optimal(layout, precompute, l1_ratio, weighted):
    X, y, lo, hi = _data()
    sw = np.random.default_rng(3).uniform(0.5, 2.0, N) if weighted else None
    Xk = sp.csc_matrix(X) if layout == "csc" else np.asfortranarray(X)
    tol = 1e-10
    res = compute_path(Xk, y, l1_ratio=l1_ratio, n_alphas=8, eps=1e-2, tol=tol,
                       fit_intercept=True, precompute=precompute, sample_weight=sw,
                       lower_bounds=lo, upper_bounds=hi)
    assert res.converged.all()
    swn = np.ones(N) if sw is None else sw / sw.mean()
    bound = tol * np.sum(swn * (y - np.average(y, weights=swn)) ** 2) / N
    for i, alpha in enumerate(res.alphas):
        w = res.coefs[:, i]
        assert np.all(w >= lo) and np.all(w <= hi)
        gap = enet_dual_gap_box(Xk, y, w, alpha, l1_ratio, lower_bounds=lo,
                                upper_bounds=hi, fit_intercept=True, sample_weight=sw)
        assert -1e-12 <= gap <= bound * 1.0001
        assert enet_kkt_violation_box(Xk, y, w, alpha, l1_ratio, lower_bounds=lo,
                                      upper_bounds=hi, fit_intercept=True,
                                      sample_weight=sw) < 1e-5
    # against an independent solver, at the last (least penalised) alpha
    ref = _reference(X, y, res.alphas[-1], l1_ratio, lo, hi, sw)
    np.testing.assert_allclose(res.coefs[:, -1], ref, atol=2e-4)
    assert np.count_nonzero(res.coefs[:, -1] == hi) + \
        np.count_nonzero(res.coefs[:, -1] == lo) > 0        # some bound is active


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float32_bounds_certified(dtype):
    X, y, lo, hi = _data(dtype=dtype)
    tol = 1e-6
    alphas, coefs, gaps = enet_path(X, y, l1_ratio=0.8, n_alphas=6, tol=tol,
                                    fit_intercept=True, lower_bounds=lo,
                                    upper_bounds=hi)
    assert coefs.dtype == dtype
    bound = tol * np.sum((y.astype(float) - y.astype(float).mean()) ** 2) / N
    for i, a in enumerate(alphas):
        gap = enet_dual_gap_box(X, y, coefs[:, i], a, 0.8, lower_bounds=lo,
                                upper_bounds=hi, fit_intercept=True)
        assert gap <= bound * (1.0001 if dtype == np.float64 else 1.5)


@pytest.mark.parametrize("layout", ["csc", "F"])
def test_float32_bounds_float32_cannot_represent_are_certified(layout):
    """Per-feature bounds such as 0.1 and -0.3, which float32 cannot
    represent: the kernels store float32 coefficients, and the residual must
    follow what they store.  (It once moved by the bound's rounding at every
    epoch while the coefficient stayed put: paths 'converged' at 5-6 times
    the gap bound by the oracle.)"""
    rng = np.random.default_rng(5)
    n, p = 300, 800
    X = sp.random(n, p, density=0.05, random_state=5, format="csc",
                  data_rvs=lambda m: rng.uniform(0.1, 1.1, m))
    w = np.zeros(p)
    w[:40] = rng.standard_normal(40)
    y = X @ w + 0.3 * rng.standard_normal(n)
    lo, hi = -rng.choice([0.1, 0.3, 0.7], p), rng.choice([0.1, 0.2, 0.9], p)
    X32 = X.astype(np.float32)
    X32 = X32 if layout == "csc" else np.asfortranarray(X32.toarray())
    tol = 1e-6
    res = compute_path(X32, y, l1_ratio=1.0, n_alphas=25, eps=1e-2, tol=tol,
                       lower_bounds=lo, upper_bounds=hi, fit_intercept=True,
                       precompute=False)
    assert res.converged.all() and res.coefs.dtype == np.float32
    wide = res.coefs.astype(np.float64)
    assert np.all(wide >= lo[:, None]) and np.all(wide <= hi[:, None])
    held = np.count_nonzero((wide > 0.1 - 1e-7) & (wide <= 0.1) & (hi[:, None] == 0.1))
    assert held > 0                                  # some coefficient at 0.1
    bound = tol * np.mean((y - y.mean()) ** 2)
    Xd = X32.astype(np.float64)
    for i, a in enumerate(res.alphas):
        gap = enet_dual_gap_box(Xd, y, wide[:, i], a, 1.0, lower_bounds=lo,
                                upper_bounds=hi, fit_intercept=True)
        assert gap <= 1.5 * bound


def test_zero_lower_bound_equals_positive():
    X, y, _, _ = _data(1)
    a, pos, _ = enet_path(X, y, l1_ratio=0.9, n_alphas=10, tol=1e-10,
                          fit_intercept=True, positive=True)
    _, box, _ = enet_path(X, y, l1_ratio=0.9, alphas=a, tol=1e-10,
                          fit_intercept=True, lower_bounds=0.0)
    np.testing.assert_allclose(box, pos, atol=1e-7)


def test_infinite_bounds_equal_no_bounds():
    X, y, _, _ = _data(2)
    a, free, _ = enet_path(X, y, l1_ratio=0.5, n_alphas=10, tol=1e-10)
    _, box, _ = enet_path(X, y, l1_ratio=0.5, alphas=a, tol=1e-10,
                          lower_bounds=-np.inf, upper_bounds=np.inf)
    np.testing.assert_allclose(box, free, atol=1e-8)


def test_alpha_max_with_bounds_is_exact():
    X, y, lo, hi = _data(4)
    hi[:] = 0.0            # only negative coefficients allowed
    a, coefs, _ = enet_path(X, y, l1_ratio=1.0, n_alphas=3, eps=0.999, tol=1e-12,
                            fit_intercept=True, lower_bounds=lo, upper_bounds=hi)
    assert np.all(coefs[:, 0] == 0) and np.any(coefs[:, -1] < 0)
    assert np.all(coefs <= 0)


def test_estimators_keep_bounds():
    X, y, lo, hi = _data(5)
    for model in (Lasso(alpha=0.01, lower_bounds=lo, upper_bounds=hi, tol=1e-10),
                  ElasticNet(alpha=0.01, l1_ratio=0.5, lower_bounds=lo,
                             upper_bounds=hi, tol=1e-10)):
        w = model.fit(X, y).coef_
        assert np.all(w >= lo) and np.all(w <= hi)
        l1_ratio = getattr(model, "l1_ratio", 1.0)
        assert enet_kkt_violation_box(X, y, w, 0.01, l1_ratio, lower_bounds=lo,
                                      upper_bounds=hi, fit_intercept=True) < 1e-5
    cv = LassoCV(cv=3, alphas=10, lower_bounds=lo, upper_bounds=hi).fit(X, y)
    assert np.all(cv.coef_ >= lo) and np.all(cv.coef_ <= hi)
    path = ElasticNetPath(l1_ratio=0.7, n_alphas=8, lower_bounds=lo,
                          upper_bounds=hi).fit(X, y)
    assert np.all(path.coef_path_ >= lo[:, None]) and \
        np.all(path.coef_path_ <= hi[:, None])


@pytest.mark.parametrize("kw,match", [
    (dict(lower_bounds=0.1), "lower_bounds must be <= 0"),
    (dict(upper_bounds=-0.1), "upper_bounds must be >= 0"),
    (dict(lower_bounds=np.zeros(3)), r"lower_bounds must be a scalar or have shape"),
    (dict(upper_bounds=[np.nan] * P), "upper_bounds must not contain NaN"),
])
def test_bad_bounds(kw, match):
    X, y, _, _ = _data()
    with pytest.raises(ValueError, match=match):
        enet_path(X, y, n_alphas=3, **kw)
    with pytest.raises(ValueError, match=match):
        Lasso(alpha=0.1, **kw).fit(X, y)


def test_relax_refuses_bounds():
    X, y, lo, hi = _data()
    with pytest.raises(ValueError, match="relax=True cannot keep"):
        LassoCV(cv=3, alphas=5, relax=True, lower_bounds=lo).fit(X, y)
    with pytest.raises(ValueError, match="relax=True cannot keep"):
        ElasticNetPath(n_alphas=5, relax=True, gamma=0.5, upper_bounds=hi).fit(X, y)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("scale", [1.0, 1e6])
def test_float32_coefficients_stay_within_the_bounds(sparse, fit_intercept, scale):
    """float32 X keeps float32 coefficients; one held at a bound that
    float32 cannot represent (0.1, -0.05) is rounded inwards, not to the
    nearest float32 beyond it (float32(0.1) > 0.1: 1.5e-9 beyond before),
    also where y's scale moves the kernels' scale (2^-y_exp)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 30))
    y = (X @ rng.standard_normal(30) * 3 + rng.standard_normal(500)) * scale
    Xf = X.astype(np.float32)
    Xf = sp.csc_matrix(Xf) if sparse else Xf
    lo, hi = -0.05 * scale, 0.1 * scale
    # (the lasso: its solution scales with y, alpha and the bounds)
    m = ElasticNet(alpha=0.01 * scale, l1_ratio=1.0, lower_bounds=lo, upper_bounds=hi,
                   fit_intercept=fit_intercept).fit(Xf, y.astype(np.float32))
    _, coefs, _ = enet_path(Xf, y.astype(np.float32), l1_ratio=1.0, lower_bounds=lo,
                            upper_bounds=hi, n_alphas=5)
    for c in (m.coef_, coefs):
        assert c.dtype == np.float32
        wide = c.astype(np.float64)
        assert wide.max() <= hi and wide.min() >= lo
    assert np.any(m.coef_.astype(np.float64) > hi * (1 - 1e-6))    # (a bound reached)
