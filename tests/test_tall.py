"""The tall dense form: a Gram block of a feature subset, alphas solved ahead
and certified in batches by one product with X (fastreg._tall)."""
import numpy as np
import pytest

from fastreg import _tall
from fastreg._objectives import enet_dual_gap, enet_objective
from fastreg._path import compute_path, kernel_penalties
from fastreg._problems import FormSettings



def _tall_problem(n=1500, p=300, k=8, seed=4, scale=1.0):
    # AR(1) columns, as in the public dense problems: neighbours of active
    # features sit near their constraint, the hard case for predicting entrants
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = np.empty((n, p), order="F")
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = 0.6 * X[:, j - 1] + 0.8 * Z[:, j]
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    y = X @ w + 1.0 + 0.3 * rng.standard_normal(n)
    return X * scale, y * scale


def _count(monkeypatch, name):
    calls = []
    original = getattr(_tall._TallProblem, name)

    def counted(self, *args):
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(_tall._TallProblem, name, counted)
    return calls


def _assert_certified(res, X, y, l1_ratio, sw, positive=False, pf=None):
    assert res.converged.all()
    for i, a in enumerate(res.alphas):
        gap = enet_dual_gap(X, y, res.coefs[:, i], a, l1_ratio, fit_intercept=True,
                            sample_weight=sw, positive=positive, penalty_factor=pf)
        assert gap <= res.gap_tol * 1.001, (i, gap / res.gap_tol)


@pytest.mark.parametrize("k, eps, completes", [(8, 0.02, False), (150, 0.001, True)])
@pytest.mark.parametrize("positive", [False, True])
def test_tall_path_is_certified_and_equals_the_full_gram_path(monkeypatch, k, eps,
                                                              completes, positive):
    """Few entrants: the subset form all along, alphas certified in batches;
    most features entering: it completes the Gram matrix.  Either way every
    alpha is certified by the oracle and the path is the full Gram one
    (intercept, sample weights, penalty factors, elastic net, positive)."""
    X, y = _tall_problem(k=k)
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.5, 2.0, X.shape[0])
    pf = rng.uniform(0.5, 2.0, X.shape[1])
    from fastreg import _path
    # the tall form whatever the features expected to enter (that choice is
    # tested below): here it completes the Gram matrix itself
    monkeypatch.setattr(_path, "expected_entrants", lambda *args: 0.0)
    batches = _count(monkeypatch, "_solve_batch")
    completed = _count(monkeypatch, "_make_complete")
    kw = dict(l1_ratio=0.9, n_alphas=40, eps=eps, tol=1e-8, fit_intercept=True,
              sample_weight=sw, positive=positive, penalty_factor=pf)
    res = compute_path(X, y, precompute="auto", **kw)
    assert batches and bool(completed) == completes
    if not completes:
        # alphas were solved ahead: far fewer batches (products with X) than alphas
        assert len(batches) <= 10
    _assert_certified(res, X, y, 0.9, sw, positive, pf)
    full = compute_path(X, y, precompute=True, **kw)
    # both within gap_tol of the optimum: their objectives agree to 2 gap_tol,
    # and (the objective is alpha (1 - l1_ratio) min(pf)-strongly convex)
    # each is within sqrt(2 gap_tol / mu) of the solution
    for i, a in enumerate(res.alphas):
        objs = [enet_objective(X, y, r.coefs[:, i], a, 0.9, intercept=r.intercepts[i],
                               sample_weight=sw, penalty_factor=pf) for r in (res, full)]
        assert abs(objs[0] - objs[1]) <= 2.002 * res.gap_tol
        mu = a * 0.1 * pf.min()
        dist = np.linalg.norm(res.coefs[:, i] - full.coefs[:, i])
        assert dist <= 2 * np.sqrt(2 * res.gap_tol / mu) * 1.001


def test_tall_failed_certificates_are_solved_again(monkeypatch):
    """With no entrant predicted, every feature entering makes the alpha
    solved ahead for it fail its certificate: the batch is cut there and the
    alpha solved again with the violator.  The path is unchanged."""
    X, y = _tall_problem(k=20, seed=6)
    monkeypatch.setattr(_tall._TallProblem, "_entrants",
                        lambda self: (np.empty(0, np.int64), np.empty(0)))
    monkeypatch.setattr(_tall._TallProblem, "batch_min", 16)
    batches = _count(monkeypatch, "_solve_batch")
    res = compute_path(X, y, l1_ratio=1.0, n_alphas=30, eps=0.01, tol=1e-8,
                       fit_intercept=True, precompute="auto")
    # some batches were cut short (fewer alphas certified than solved)
    solved = sum(len(todo) for todo, *_ in batches)
    assert solved > 30
    _assert_certified(res, X, y, 1.0, None)
    ref = compute_path(X, y, l1_ratio=1.0, n_alphas=30, eps=0.01, tol=1e-8,
                       fit_intercept=True, precompute=True)
    np.testing.assert_allclose(res.coefs, ref.coefs, atol=1e-4 * np.abs(ref.coefs).max())


@pytest.mark.parametrize("scale", [1.0, 1e-18, 1e18])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_tall_batch_certificates_bound_the_true_correlations(scale, weighted, positive):
    """Each alpha of a batch carries u with: u_j exact on S, and outside S
    an upper bound of |x_j^T S r| (of x_j^T S r with positive), from the
    float32 product plus its rounding bound or an exact product; A and B
    are r^T S y_c and r^T S r of its own residual."""
    X, y = _tall_problem(n=800, p=120, k=10, scale=scale)
    rng = np.random.default_rng(2)
    sw = rng.uniform(0.3, 3.0, X.shape[0]) if weighted else None
    n, p = X.shape
    W = n if sw is None else float(np.sum(sw))
    swn = None if sw is None else sw * (n / W)   # as compute_path scales it
    prob = _tall._TallProblem(X, y, swn, np.ones(p), True,
                              FormSettings(positive=positive))
    Wk = prob.W
    amax = np.max(np.abs(prob.q)) / Wk
    alphas = amax * np.geomspace(0.5, 0.05, 12)
    pen = [kernel_penalties(a, 1.0, Wk) for a in alphas]
    from fastreg._path import SolverOptions
    prob.plan(pen, SolverOptions(tol=1e-8), 1e-8 * prob.yy)
    prob._add(np.argsort(-np.abs(prob.q))[:15])
    solved = prob._solve_batch(pen, 1000)
    Xc = X - np.average(X, axis=0, weights=swn)
    yc = y - np.average(y, weights=swn)
    s = np.ones(n) if swn is None else swn
    inside = prob._slot >= 0
    for entry in solved:
        w = np.zeros(p)
        w[entry.feats] = entry.w_S
        r = yc - Xc @ w
        u = Xc.T @ (s * r)
        tiny = 1e-9 * np.linalg.norm(Xc, axis=0) * np.linalg.norm(np.sqrt(s) * r)
        np.testing.assert_allclose(entry.u[inside], u[inside], rtol=0,
                                   atol=float(np.max(tiny)))
        t = u if positive else np.abs(u)
        assert np.all(entry.u[~inside] >= t[~inside] - tiny[~inside])
        assert entry.A == pytest.approx(float(r @ (s * yc)), rel=1e-9)
        assert entry.B == pytest.approx(float(r @ (s * r)), rel=1e-9)


@pytest.mark.parametrize("limit", ["shadow_max_bytes", "subset_max_bytes"])
def test_tall_memory_limits_keep_the_path(monkeypatch, limit):
    """Without room for the float32 copy the certificates are float64
    products; with little room for S's columns (32 features) the form
    completes the Gram matrix sooner.  The path is the same, certified."""
    X, y = _tall_problem(k=8, seed=8)
    monkeypatch.setattr(_tall._TallProblem, limit, 0)
    completed = _count(monkeypatch, "_make_complete")
    batches = _count(monkeypatch, "_solve_batch")
    kw = dict(l1_ratio=1.0, n_alphas=25, eps=0.02, tol=1e-8, fit_intercept=True)
    res = compute_path(X, y, precompute="auto", **kw)
    assert batches and bool(completed) == (limit == "subset_max_bytes")
    _assert_certified(res, X, y, 1.0, None)
    ref = compute_path(X, y, precompute=True, **kw)
    np.testing.assert_allclose(res.coefs, ref.coefs, atol=1e-4 * np.abs(ref.coefs).max())


def test_tall_alphas_certified_without_a_solve_keep_the_batch(monkeypatch):
    """At a loose tol the point of one alpha often certifies the next ones
    too, and those are never asked for: the alphas solved ahead after them
    are still used, not solved again."""
    X, y = _tall_problem(n=3000, k=5, seed=3)
    batches = _count(monkeypatch, "_solve_batch")
    res = compute_path(X, y, l1_ratio=1.0, n_alphas=60, eps=0.01, tol=1e-2,
                       fit_intercept=True)
    assert res.converged.all()
    solved = sum(len(todo) for todo, *_ in batches)
    assert batches and solved <= 1.3 * 60, solved


def test_tall_falls_back_to_float64_products_when_the_bound_is_too_wide(monkeypatch):
    """When the float32 rounding bound leaves most features within 1% of
    their constraint (very large n), the certificates switch to float64
    products, and the float32 copy is let go."""
    from fastreg import _problems
    X, y = _tall_problem(k=8, seed=5)
    real = _problems.float32_correlations

    def wide(shadow, V):
        U, radius = real(shadow, V)
        return U, radius * 1e6

    monkeypatch.setattr(_tall, "float32_correlations", wide)
    made = []
    init = _tall._TallProblem.__init__

    def keep(self, *args):
        init(self, *args)
        made.append(self)

    monkeypatch.setattr(_tall._TallProblem, "__init__", keep)
    kw = dict(l1_ratio=1.0, n_alphas=30, eps=0.02, tol=1e-8, fit_intercept=True)
    res = compute_path(X, y, **kw)
    assert made and made[0]._shadow is False
    _assert_certified(res, X, y, 1.0, None)


def test_float32_correlations_scale_each_column_exactly():
    """Columns of V from subnormal to huge, and a zero one: the product is
    within its bound of the exact one (never None for finite input)."""
    from fastreg._problems import float32_correlations, float32_shadow
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((200, 30)))
    V = rng.standard_normal((200, 4)) * np.array([1e-310, 1.0, 1e300, 0.0])
    out = float32_correlations(float32_shadow(X, 2 ** 30), V)
    assert out is not None
    U, radius = out
    root = np.linalg.norm(X, axis=0) + 1e-30
    exact = X.T @ V
    assert np.all(np.abs(U - exact) <= np.outer(root, radius) + 1e-320)
    assert np.all(U[:, 3] == 0)


@pytest.mark.parametrize("scales", [(1.0,) * 3, (1e-100,) * 3, (1e100,) * 3,
                                    (1e-200, 1.0, 1e200)])
def test_float32_correlations_through_a_basis_bound_the_product(monkeypatch, scales):
    """Columns near a few directions (as a batch's residuals are) are
    multiplied through a basis of fewer columns, at any common scale: the
    product stays within its bound, and the bound within twice the direct
    one.  Columns of scales far apart go the direct way."""
    from fastreg import _problems
    rng = np.random.default_rng(1)
    X = np.asfortranarray(rng.standard_normal((3000, 40)))
    shadow = _problems.float32_shadow(X, 2 ** 30)
    base = rng.standard_normal((3000, 3))
    V = base @ rng.standard_normal((3, 24)) + 1e-5 * rng.standard_normal((3000, 24))
    V *= np.repeat(scales, 8)
    used = []
    real = _problems._basis
    monkeypatch.setattr(_problems, "_basis",
                        lambda *args: used.append(real(*args)) or used[-1])
    U, radius = _problems.float32_correlations(shadow, V)
    root = np.linalg.norm(X, axis=0) + 1e-30
    assert np.all(np.abs(U - X.T @ V) <= np.outer(root, radius))
    if len(set(scales)) > 1:
        assert not used or used[0] is None
        return
    assert used and used[0] is not None and used[0][0].shape[0] <= 8
    monkeypatch.setattr(_problems, "_basis", lambda *args: None)
    _, direct = _problems.float32_correlations(shadow, V)
    assert np.all(radius <= 2 * direct) and np.all(radius >= direct)


def test_basis_error_bound_holds_in_extended_precision():
    """err_k >= ||V_k - B C_k||, computed again in long double, for a basis
    that leaves a visible part of V off it."""
    from fastreg._problems import _basis
    rng = np.random.default_rng(2)
    V = rng.standard_normal((2000, 2)) @ rng.standard_normal((2, 12))
    V += 1e-4 * rng.standard_normal(V.shape)
    Bt, C, err, weight = _basis(V, np.einsum("ij,ij->j", V, V), 1e-3)
    assert Bt.dtype == np.float32 and Bt.shape[0] < 12
    ld = np.longdouble
    E = V.astype(ld) - Bt.T.astype(ld) @ C.astype(ld)
    true = np.sqrt((E * E).sum(axis=0))
    assert np.all(err >= true) and np.all(err <= 1.01 * true + 1e-5)
    assert np.all(true > 0) and np.all(err <= 1e-3 * np.linalg.norm(V, axis=0) * 1.5)



@pytest.mark.parametrize("n", [1, 3, 4, 1001])
@pytest.mark.parametrize("weighted", [False, True])
def test_dense_column_pass_matches_numpy(n, weighted):
    """The tall form's one read of X: x_j^T v, the centred weighted norms,
    the raw norms and the float32 copy, for lengths with and without a
    remainder after its four partial sums."""
    from fastreg import _cd_fast
    rng = np.random.default_rng(n)
    X = np.asfortranarray(rng.standard_normal((n, 7)) * 10 ** rng.uniform(-3, 3, 7) + 2.0)
    v = rng.standard_normal(n)
    sw = rng.uniform(0.0, 2.0, n) if weighted else np.empty(0)
    mu = X.mean(axis=0) if weighted else np.zeros(7)
    q, norms, raw = np.empty(7), np.empty(7), np.empty(7)
    X32 = np.empty((n, 7), dtype=np.float32, order="F")
    _cd_fast.dense_column_pass(X, v, sw, mu, q, norms, raw, X32)
    w = sw if weighted else np.ones(n)
    np.testing.assert_allclose(q, X.T @ v, rtol=1e-12, atol=1e-12 * np.abs(X).sum())
    np.testing.assert_allclose(raw, (X * X).sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(norms, (w[:, None] * (X - mu) ** 2).sum(axis=0),
                               rtol=1e-12, atol=1e-300)
    assert np.array_equal(X32, X.astype(np.float32))


def test_float32_basis_bound_holds_for_columns_of_scales_far_apart():
    """Columns of V of norms from 1e-130 to 1e130 (inside the range where a
    basis is tried) and a feature of norm 1e-27, whose float32 products
    underflow: the bound still holds (the eigenproblem is scaled, and a
    basis with columns far from unit norm is refused)."""
    from fastreg._problems import float32_correlations, float32_shadow
    rng = np.random.default_rng(1)
    for _ in range(300):
        V = (rng.standard_normal((8, 2)) @ rng.standard_normal((2, 6))
             * 10.0 ** rng.uniform(-130, 130, 6))
        X = rng.standard_normal((8, 2)) * np.array([1.0, 1e-27])
        shadow = float32_shadow(X, 2 ** 40)
        out = float32_correlations(shadow, V)
        if out is None:
            continue
        U, radius = out
        exact = X.astype(np.longdouble).T @ V.astype(np.longdouble)
        assert np.all(np.abs(exact - U) <= np.outer(shadow[1], radius))


def test_float32_basis_of_exact_low_rank_residuals():
    """Residuals of exact rank 3 (two features ever nonzero) in 6 columns:
    a basis of the 3 directions the eigenvalues resolve, not 4 (the
    product's preferred width) with a zero eigenvalue; no warning."""
    import warnings
    from fastreg import _problems
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2000, 30))
    shadow = _problems.float32_shadow(X, 2 ** 40)
    for _ in range(50):
        V = rng.standard_normal((2000, 3)) @ rng.standard_normal((3, 6))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            basis = _problems._basis(V, np.einsum("ij,ij->j", V, V), 1e-4)
            U, radius = _problems.float32_correlations(shadow, V)
        assert basis is not None and basis[0].shape[0] == 3
        assert np.all(np.abs(X.T @ V - U) <= np.outer(shadow[1], radius))


@pytest.mark.parametrize("form", ["tall", "whole", "lazy"])
def test_gram_source_gives_the_whole_gram_matrix_when_a_path_completes(monkeypatch, form):
    """A path that comes to need the whole Gram matrix takes it from
    ``gram_source`` (weighted and centred as a precomputed one, in the
    user's weights' scale), once: the tall form when it completes (here
    whatever is predicted to enter), the whole Gram form at once (a long
    path), the lazy Gram form when it completes (an unpenalised feature).
    The path is the same as without."""
    from fastreg import _path
    X, y = _tall_problem(k=150)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0])
    mu = np.average(X, axis=0, weights=sw)
    calls = []

    def source():
        calls.append(1)
        return (X - mu).T @ (sw[:, None] * (X - mu))

    monkeypatch.setattr(_path, "expected_entrants", lambda *args: 0.0)
    n_alphas = 200 if form == "whole" else 40
    pf = np.ones(X.shape[1])
    if form == "lazy":
        pf[0] = 0.0
    made = []
    build = _path.make_problem
    monkeypatch.setattr(_path, "make_problem", lambda *a, **k: made.append(build(*a, **k)) or made[-1])
    kw = dict(l1_ratio=1.0, n_alphas=n_alphas, eps=0.001, tol=1e-8,
              fit_intercept=True, sample_weight=sw, penalty_factor=pf)
    res = compute_path(X, y, gram_source=source, **kw)
    assert calls == [1]
    assert type(made[0]).__name__ == ("_TallProblem" if form == "tall" else "_GramProblem")
    _assert_certified(res, X, y, 1.0, sw, pf=pf)
    ref = compute_path(X, y, **kw)
    np.testing.assert_allclose(res.coefs, ref.coefs, atol=1e-6)
    # a source that is wrong by a factor shows in the solution: it is used
    wrong = compute_path(X, y, gram_source=lambda: 2 * source(), **kw)
    assert np.abs(wrong.coefs - ref.coefs).max() > 1e-3


@pytest.mark.parametrize("n, m", [(256, 128), (1000, 164), (20_000, 1125), (10 ** 6, 164), (300, 7)])
def test_sample_rows_are_distinct_sorted_and_spread(n, m):
    """m distinct rows in order, from the first row to the last run's
    length from the end, in runs about evenly spread (at most 32)."""
    rows = _tall.sample_rows(n, m, 32)
    assert rows.size == m and rows[0] == 0 and rows[-1] < n
    assert np.all(np.diff(rows) > 0)
    assert rows[-1] >= n - 2 * -(-m // 32)
    assert np.diff(rows).max() <= 1.25 * n / (min(32, m) - 1) + 1
    runs = list(_tall._runs(rows))
    assert np.array_equal(np.concatenate([np.arange(a, b) for a, b in runs]), rows)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("z", [0.7, 1.5])
def test_expected_entrants_on_pure_noise(weighted, positive, z):
    """y pure noise of deviation s (per unit weight: rows of weight w_i have
    deviation s / sqrt(w_i), weights 0.2 or 5, a third of them 0), columns
    independent: at l1 = z s ||x_j|| for every j, each feature is expected
    to enter with probability erfc(z / sqrt 2) (half with ``positive``),
    and about that many do (the lasso's support at that l1); a constant
    column is never counted.  An end relative to the largest correlation
    overstates it on pure noise (the sample's noise is larger than all
    rows'): fewer features are predicted."""
    from scipy.special import erfc
    rng = np.random.default_rng(7)
    n, p = 20_000, 400
    X = np.asfortranarray(rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p) + 1.0)
    X[:, 5] = 2.0
    s = 0.7
    w = np.ones(n)
    if weighted:
        w = rng.choice([0.2, 5.0], n)
        w[::3] = 0.0
    y = 3.0 + s / np.sqrt(np.where(w > 0, w, 1.0)) * rng.standard_normal(n)
    ws = w * n / w.sum()                       # the kernel's weights (sum n)
    s_k = s * np.sqrt(n / w.sum())             # ... and the noise per unit of them
    Xc = X - np.average(X, axis=0, weights=w)
    norms = (ws[:, None] * Xc ** 2).sum(axis=0)
    l1 = z * s_k * np.sqrt(norms[0])
    pf = np.sqrt(norms / norms[0])             # l1 pf_j = z s ||x_j|| for every j
    pf[5] = 1.0
    sw = ws if weighted else None
    got = _tall.expected_entrants(X, y, sw, pf, True, positive, ("l1", l1))
    want = (p - 1) * erfc(z / np.sqrt(2)) / (2 if positive else 1)
    # (the variance comes from 128 degrees of freedom: about 6% in s, 18% in
    # the count at z = 1.5)
    assert abs(got - want) <= 0.5 * want
    res = compute_path(X, y, l1_ratio=1.0, alphas=[l1 / n], tol=1e-6, fit_intercept=True,
                       sample_weight=sw, penalty_factor=pf, positive=positive,
                       precompute=False)
    assert abs(np.count_nonzero(res.coefs[:, 0]) - want) <= 0.3 * want
    yc = y - np.average(y, weights=w)
    q = np.abs(Xc.T @ (ws * yc)) / pf
    rel = _tall.expected_entrants(X, y, sw, pf, True, positive, ("ratio", l1 / q.max()))
    assert rel < got


def test_expected_entrants_without_rows_to_tell():
    """Sampled rows all of zero weight, too few rows, a zero-weight half of
    the sample: 0 or a finite count, never an error; the path is the same."""
    X, y = _tall_problem(n=2000, p=300, seed=9)
    rows = _tall.sample_rows(2000, 1000, 32)
    sw = np.ones(2000)
    sw[rows] = 0.0
    sw *= 2000 / sw.sum()
    assert _tall.expected_entrants(X, y, sw, np.ones(300), True, False, ("ratio", 1e-3)) == 0.0
    assert _tall.expected_entrants(X[:200], y[:200], None, np.ones(300), True, False,
                                   ("ratio", 1e-3)) == 0.0
    kw = dict(l1_ratio=1.0, n_alphas=40, eps=1e-3, tol=1e-8, fit_intercept=True, sample_weight=sw)
    res = compute_path(X, y, precompute="auto", **kw)
    _assert_certified(res, X, y, 1.0, sw)
    half = np.ones(2000)
    half[::2] = 0.0
    count = _tall.expected_entrants(X, y, half * 2, np.ones(300), True, False, ("ratio", 1e-3))
    assert np.isfinite(count) and count > 0


def test_expected_entrants_relative_to_a_strong_largest_correlation():
    """With a strong effect the sampled largest correlation is close to all
    rows': the end given as a ratio of it predicts what the absolute end
    does."""
    rng = np.random.default_rng(8)
    n, p = 20_000, 400
    X = np.asfortranarray(rng.standard_normal((n, p)))
    y = 2.0 * X[:, 0] + rng.standard_normal(n)
    q = np.abs((X - X.mean(axis=0)).T @ (y - y.mean()))
    for eps in [0.006, 0.003]:          # z about 1.7 and 0.85 for the rest
        rel = _tall.expected_entrants(X, y, None, np.ones(p), True, False, ("ratio", eps))
        got = _tall.expected_entrants(X, y, None, np.ones(p), True, False,
                                      ("l1", eps * q.max()))
        assert got > 10 and rel == pytest.approx(got, rel=0.3)


@pytest.mark.parametrize("noise, whole", [(3.0, True), (0.01, False)])
def test_auto_takes_the_whole_gram_matrix_when_most_features_will_enter(monkeypatch,
                                                                        noise, whole):
    """A noisy target down to 0.001 alpha_max: most features enter by the
    end, so 'auto' computes the whole Gram matrix at once instead of the
    tall form (which would pay for its subset and certificates first); a
    nearly exact one to 0.05: the tall form.  Both paths are certified and
    are the whole Gram form's."""
    from fastreg import _path
    from fastreg._problems import _GramProblem
    rng = np.random.default_rng(5)
    X, _ = _tall_problem(n=2000, p=300, seed=5)
    w = np.zeros(300)
    w[rng.choice(300, 10, replace=False)] = rng.standard_normal(10)
    y = X @ w + noise * np.std(X @ w) * rng.standard_normal(2000)
    eps = 0.001 if whole else 0.05
    made = []
    build = _path.make_problem
    monkeypatch.setattr(_path, "make_problem", lambda *a, **k: made.append(build(*a, **k)) or made[-1])
    kw = dict(l1_ratio=1.0, n_alphas=40, eps=eps, tol=1e-8, fit_intercept=True)
    res = compute_path(X, y, precompute="auto", **kw)
    prob, = made
    if whole:
        assert isinstance(prob, _GramProblem) and prob._k == 300
        assert np.count_nonzero(res.coefs[:, -1]) > 300 / 4
    else:
        assert isinstance(prob, _tall._TallProblem)
        assert np.count_nonzero(res.coefs[:, -1]) <= 20
    _assert_certified(res, X, y, 1.0, None)
    ref = compute_path(X, y, precompute=True, **kw)
    np.testing.assert_allclose(res.coefs, ref.coefs, atol=1e-4 * np.abs(ref.coefs).max())
