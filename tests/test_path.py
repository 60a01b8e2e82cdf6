"""enet_path / lasso_path: optimality by the NumPy oracle, and consistency.

Every numerical test runs on float64 and float32, dense and sparse.  The
oracle (``fastreg._objectives``) recomputes the duality gap and the KKT
residual in float64 from X, y and the returned coefficients.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from fastreg import enet_path, lasso_path
from fastreg._objectives import enet_dual_gap, enet_kkt_violation, enet_objective

from datasets import make_regression, reference_coefs

DTYPES = [np.float64, np.float32]
# the tol each dtype is solved to in the optimality tests
SOLVE_TOL = {np.float64: 1e-8, np.float32: 1e-4}
# agreement between two solutions of the same problem, each solved to the
# tight tol of its dtype: (rtol, atol relative to max |coef|)
# (a gap of tol * ||y||^2 / n bounds the coefficient error by ~sqrt(tol))
AGREE = {np.float64: (1e-5, 1e-6), np.float32: (5e-3, 2e-3)}
TIGHT_TOL = {np.float64: 1e-12, np.float32: 1e-6}


def _problem(layout="F", dtype=np.float64, n=60, p=20, seed=1, intercept=1.5):
    density = 0.4 if layout in ("csc", "csr") else None
    return make_regression(n, p, layout=layout, dtype=dtype, density=density,
                           seed=seed, intercept=intercept)


def _path(X, y, **kw):
    """enet_path in the kernel form of X's layout, unless precompute is given
    ('auto' would pick the Gram form for every layout of these tall problems)."""
    kw.setdefault("precompute", False)
    return enet_path(X, y, **kw)


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def _assert_coef_close(actual, desired, dtype, scale=1.0):
    rtol, atol = AGREE[dtype]
    desired = np.asarray(desired, dtype=np.float64)
    ref = max(np.max(np.abs(desired)), 1e-12) * scale
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), desired,
                               rtol=rtol, atol=atol * ref)


def _gap_bound(y, sw, fit_intercept, tol):
    y = np.asarray(y, dtype=np.float64)
    sw = np.ones_like(y) if sw is None else np.asarray(sw, dtype=np.float64)
    yc = y - np.average(y, weights=sw) if fit_intercept else y
    return tol * np.sum(sw * yc ** 2) / sw.sum()


def _kkt_bound(X, sw, pf, alpha, l1_ratio, fit_intercept, gap):
    """Largest KKT residual a solution whose gap is ``gap`` can have.

    The primal is strongly convex in the residual and in the l2 term:
    P(w) - P(w*) >= ||r - r*||_S^2 / (2W) + l2/2 sum pf (w - w*)^2, so each
    gradient entry is off by at most
    (sqrt(x_j^T S x_j / W) + sqrt(l2 pf_j)) * sqrt(2 gap).
    """
    Xd = _dense(X).astype(np.float64)
    n, p = Xd.shape
    sw = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)
    pf = np.ones(p) if pf is None else np.asarray(pf, dtype=np.float64)
    if fit_intercept:
        Xd = Xd - np.average(Xd, axis=0, weights=sw)
    rms = np.sqrt(sw @ Xd ** 2 / sw.sum())
    l2 = alpha * (1 - l1_ratio) * pf
    return float(np.max(rms + np.sqrt(l2))) * np.sqrt(2 * gap)


# ---------------------------------------------------------------- optimality

CASES = ["plain", "intercept", "intercept_weights", "penalty_factor", "positive"]


def _case(case, n, p, dtype):
    rng = np.random.default_rng(7)
    fit_intercept = case != "plain"
    sw = pf = None
    positive = case == "positive"
    if case == "intercept_weights":
        sw = rng.uniform(0.2, 2.0, n).astype(dtype)
        sw[:5] = 0.0
    if case == "penalty_factor":
        pf = rng.uniform(0.5, 2.0, p)
        pf[[0, 3, 7, 11]] = [0.05, 20.0, 0.0, 0.0]
    return fit_intercept, sw, pf, positive


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("precompute", [False, True])
def test_every_alpha_is_optimal_by_oracle(layout, dtype, l1_ratio, case, precompute):
    X, y = _problem(layout, dtype)
    n, p = X.shape
    fit_intercept, sw, pf, positive = _case(case, n, p, dtype)
    tol = SOLVE_TOL[dtype]
    alphas, coefs, gaps, icpts = _path(
        X, y, l1_ratio=l1_ratio, alphas=8, eps=1e-2, tol=tol, sample_weight=sw,
        penalty_factor=pf, positive=positive, fit_intercept=fit_intercept,
        return_intercept=True, precompute=precompute)
    assert alphas.shape == (8,) and coefs.shape == (p, 8)
    assert coefs.dtype == dtype
    bound = _gap_bound(y, sw, fit_intercept, tol)
    kw = dict(fit_intercept=fit_intercept, sample_weight=sw, penalty_factor=pf,
              positive=positive)
    for i, alpha in enumerate(alphas):
        w = coefs[:, i]
        gap = enet_dual_gap(X, y, w, alpha, l1_ratio, **kw)
        assert gap <= bound * 1.001, (i, gap, bound)
        # the reported gap is the one the oracle finds (same dual points)
        assert gaps[i] <= bound * 1.001
        assert abs(gaps[i] - gap) <= 0.05 * bound + 1e-12 * abs(gap)
        kkt = enet_kkt_violation(X, y, w, alpha, l1_ratio, **kw)
        assert kkt <= _kkt_bound(X, sw, pf, alpha, l1_ratio, fit_intercept,
                                 bound) * 1.01 + 1e-12
        if positive:
            assert np.all(w >= 0)
        if fit_intercept:
            # the intercept is the best one for w: weighted mean residual 0
            swv = np.ones(n) if sw is None else sw.astype(np.float64)
            r = y.astype(np.float64) - _dense(X).astype(np.float64) @ w - icpts[i]
            assert abs(np.sum(swv * r)) / swv.sum() <= 1e-4 * np.abs(y).max()
        else:
            assert icpts[i] == 0.0
    # the first alpha is alpha_max: every penalised coefficient is 0
    penalised = np.ones(p, bool) if pf is None else pf > 0
    assert np.all(coefs[penalised, 0] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("precompute", [False, True])
def test_zero_penalty_factor_path_is_optimal(layout, dtype, l1_ratio, precompute):
    X, y = _problem(layout, dtype)
    n, p = X.shape
    pf = np.random.default_rng(7).uniform(0.5, 2.0, p)
    pf[[0, 3, 7]] = 0.0
    tol = SOLVE_TOL[dtype]
    alphas, coefs, gaps = _path(
        X, y, l1_ratio=l1_ratio, alphas=8, eps=1e-2, tol=tol, penalty_factor=pf,
        fit_intercept=True, precompute=precompute)
    bound = _gap_bound(y, None, True, tol)
    # unpenalised features are fitted from the first alpha on
    assert np.all(coefs[pf > 0, 0] == 0)
    assert np.all(coefs[pf == 0, 0] != 0)
    for i, alpha in enumerate(alphas):
        # a duality gap is never negative, and the oracle's certifies it
        assert gaps[i] >= -1e-3 * bound, (i, gaps[i], bound)
        gap = enet_dual_gap(X, y, coefs[:, i], alpha, l1_ratio,
                            fit_intercept=True, penalty_factor=pf)
        assert -1e-3 * bound <= gap <= bound * 1.001
        kkt = enet_kkt_violation(X, y, coefs[:, i], alpha, l1_ratio,
                                 fit_intercept=True, penalty_factor=pf)
        assert kkt <= _kkt_bound(X, None, pf, alpha, l1_ratio, True, bound) * 1.01


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("precompute", [False, True])
def test_zero_penalty_factor_single_alpha_converges(layout, dtype, precompute):
    """Cold start at one small alpha with unpenalised features: the gap must
    reach tol (max_iter is ample), without a ConvergenceWarning."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 20))
    y = X[:, :5] @ [1, 2, -1, 0.5, 1] + 1.5 + 0.1 * rng.standard_normal(60)
    X, y = X.astype(dtype), y.astype(dtype)
    if layout != "F":
        X = {"C": np.ascontiguousarray, "csc": sp.csc_matrix,
             "csr": sp.csr_matrix}[layout](X)
    pf = np.ones(20)
    pf[[0, 3]] = 0.0
    tol = 1e-10 if dtype == np.float64 else 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, coefs, gaps = _path(X, y, l1_ratio=0.5, alphas=[0.002], penalty_factor=pf,
                               fit_intercept=True, tol=tol, max_iter=100000,
                               precompute=precompute)
    bound = _gap_bound(y, None, True, tol)
    assert gaps[0] <= bound
    assert enet_dual_gap(X, y, coefs[:, 0], 0.002, 0.5, fit_intercept=True,
                         penalty_factor=pf) <= bound * 1.001


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_wide_path_is_optimal_by_oracle(layout, dtype, l1_ratio):
    """p >> n: the working sets grow over many features; small alphas are
    ill-conditioned, hence the larger max_iter."""
    X, y = make_regression(30, 200, layout=layout, dtype=dtype, k=10, seed=5,
                           density=0.2 if layout in ("csc", "csr") else None)
    tol = SOLVE_TOL[dtype]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        alphas, coefs, _ = _path(X, y, l1_ratio=l1_ratio, alphas=8, eps=1e-3,
                                 tol=tol, fit_intercept=True, max_iter=20000)
    bound = _gap_bound(y, None, True, tol)
    ref = reference_coefs(X, y, alphas, l1_ratio=l1_ratio, fit_intercept=True)
    for i, alpha in enumerate(alphas):
        # the solver may certify with an extrapolated residual: the oracle
        # bounds the suboptimality with the reference's dual point as well
        gap = enet_dual_gap(X, y, coefs[:, i], alpha, l1_ratio, fit_intercept=True,
                            dual_coef=ref[:, i])
        assert gap <= bound * 1.001
        if l1_ratio == 1 and dtype == np.float64:
            # a lasso solution in general position has at most n nonzeros
            # (float32's looser tol leaves small spurious ones)
            assert np.count_nonzero(coefs[:, i]) <= X.shape[0]


def _ar1_problem(n, p, seed, rho=0.6):
    """Columns AR(1) along the features (x_j = rho x_{j-1} + noise), ten
    true coefficients: neighbouring columns correlate at rho."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = np.empty((n, p))
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho ** 2) * Z[:, j]
    w = np.zeros(p)
    w[rng.choice(p, 10, replace=False)] = rng.standard_normal(10)
    return np.asfortranarray(X), X @ w + 0.3 * rng.standard_normal(n)


@pytest.mark.parametrize("layout_", ["F", "csc"])
def test_earlier_residual_certifies_where_the_points_own_does_not(layout_):
    """On correlated wide columns at tol 1e-6, a returned point's own
    residual, scaled to feasibility, certifies it only at over 6 times tol
    (the oracle's gap): its largest violation scales the dual point down.
    An earlier certified residual is a dual point too and certifies it (the
    kept dual point): every alpha converges without a warning, each
    reported gap is within tol and bounds the point's suboptimality, and
    the oracle, with the reference's dual point, certifies every point.
    (Without the kept point this path warned, at 6.3 times tol.  Dense X
    runs it beside dual extrapolation, CSC X without.)"""
    X, y = _ar1_problem(40, 400, seed=1)
    Xl = sp.csc_matrix(X) if layout_ == "csc" else X
    tol = 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        alphas, coefs, gaps = _path(Xl, y, l1_ratio=1.0, eps=1e-2, n_alphas=30, tol=tol,
                                    max_iter=1000)
    bound = _gap_bound(y, None, False, tol)
    own = [enet_dual_gap(X, y, coefs[:, i], a) for i, a in enumerate(alphas)]
    assert max(own) > 5 * bound           # (the case the kept point is for)
    assert np.all(gaps <= bound)
    ref = reference_coefs(X, y, alphas)
    for i, alpha in enumerate(alphas):
        subopt = (enet_objective(X, y, coefs[:, i], alpha)
                  - enet_objective(X, y, ref[:, i], alpha))
        assert subopt <= gaps[i] + 1e-15 * np.dot(y, y)
        assert enet_dual_gap(X, y, coefs[:, i], alpha, dual_coef=ref[:, i]) <= bound * 1.001


@pytest.mark.parametrize("dtype", DTYPES)
def test_lasso_path_is_enet_path_with_l1_ratio_one(layout, dtype):
    X, y = _problem(layout, dtype)
    a1, c1, g1 = lasso_path(X, y, alphas=6, tol=SOLVE_TOL[dtype], precompute=False)
    a2, c2, g2 = enet_path(X, y, l1_ratio=1.0, alphas=6, tol=SOLVE_TOL[dtype],
                           precompute=False)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(c1, c2)
    with pytest.raises(ValueError, match="l1_ratio"):
        lasso_path(X, y, l1_ratio=0.5)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_large_path_is_optimal_by_oracle(dtype, l1_ratio):
    for layout in ("F", "csc"):
        X, y = make_regression(2000, 500, layout=layout, dtype=dtype, k=40,
                               density=0.05 if layout == "csc" else None, seed=3)
        tol = SOLVE_TOL[dtype]
        alphas, coefs, _ = _path(X, y, l1_ratio=l1_ratio, alphas=30, tol=tol,
                                 fit_intercept=True)
        bound = _gap_bound(y, None, True, tol)
        for i in range(0, 30, 5):
            gap = enet_dual_gap(X, y, coefs[:, i], alphas[i], l1_ratio,
                                fit_intercept=True)
            assert gap <= bound * 1.001


# -------------------------------------------------------------- consistency

def _with_int64_indices(X):
    X = sp.csc_matrix(X) if X.format == "csc" else sp.csr_matrix(X)
    X.indices = X.indices.astype(np.int64)
    X.indptr = X.indptr.astype(np.int64)
    return X


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept, weighted",
                         [(False, False), (True, False), (True, True)])
def test_layouts_and_gram_agree(dtype, fit_intercept, weighted):
    XF, y = _problem("F", dtype, n=80, p=15)
    n = y.shape[0]
    sw = np.random.default_rng(2).uniform(0.5, 2, n) if weighted else None
    Xs = sp.csc_matrix(XF)
    variants = {
        "C": dict(X=np.ascontiguousarray(XF), precompute=False),
        "csc": dict(X=Xs, precompute=False),
        "csr": dict(X=sp.csr_matrix(XF), precompute=False),
        "csc_int64": dict(X=_with_int64_indices(Xs), precompute=False),
        "csr_int64": dict(X=_with_int64_indices(sp.csr_matrix(XF)),
                          precompute=False),
        "gram_dense": dict(X=XF, precompute=True),
        "gram_sparse": dict(X=Xs, precompute=True),
    }
    assert variants["csc_int64"]["X"].indices.dtype == np.int64
    kw = dict(l1_ratio=0.7, alphas=4, eps=1e-2, tol=TIGHT_TOL[dtype],
              fit_intercept=fit_intercept, sample_weight=sw, return_intercept=True,
              max_iter=10000)
    a0, c0, _, i0 = _path(XF, y, precompute=False, **kw)
    for name, v in variants.items():
        a, c, _, i = _path(v["X"], y, precompute=v["precompute"], **kw)
        np.testing.assert_allclose(a, a0, rtol=1e-5 if dtype == np.float32 else 1e-10,
                                   err_msg=name)
        _assert_coef_close(c, c0, dtype)
        np.testing.assert_allclose(i, i0, rtol=AGREE[dtype][0],
                                   atol=AGREE[dtype][1] * np.abs(y).max(),
                                   err_msg=name)


@pytest.mark.parametrize("layout_", ["F", "csc"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_float32_close_to_float64(layout_, fit_intercept):
    X64, y64 = _problem(layout_, np.float64)
    X32, y32 = _problem(layout_, np.float32)
    kw = dict(l1_ratio=0.5, alphas=np.array([0.5, 0.1, 0.02]),
              fit_intercept=fit_intercept, return_intercept=True)
    _, c64, _, i64 = _path(X64, y64, tol=1e-12, **kw)
    _, c32, _, i32 = _path(X32, y32, tol=1e-7, **kw)
    assert c32.dtype == np.float32 and c64.dtype == np.float64
    _assert_coef_close(c32, c64, np.float32)
    np.testing.assert_allclose(i32, i64, atol=1e-3 * np.abs(y64).max())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_integer_weights_equal_repeated_rows(layout, dtype, fit_intercept):
    X, y = _problem(layout, dtype, n=40, p=12)
    sw = np.random.default_rng(5).integers(0, 4, X.shape[0])
    sw[0] = 2
    rows = np.repeat(np.arange(X.shape[0]), sw)
    Xr = X[rows] if sp.issparse(X) else X[rows]
    if layout == "F":
        Xr = np.asfortranarray(Xr)
    kw = dict(l1_ratio=0.8, alphas=np.array([0.3, 0.05, 0.01]),
              tol=TIGHT_TOL[dtype], fit_intercept=fit_intercept,
              return_intercept=True, max_iter=10000)
    _, cw, _, iw = _path(X, y, sample_weight=sw, **kw)
    _, cr, _, ir = _path(Xr, y[rows], **kw)
    _assert_coef_close(cw, cr, dtype)
    np.testing.assert_allclose(iw, ir, atol=AGREE[dtype][1] * np.abs(y).max())
    # and the grid (alpha_max) is the same
    aw, *_ = _path(X, y, sample_weight=sw, l1_ratio=0.8, alphas=4,
                   fit_intercept=fit_intercept)
    ar, *_ = _path(Xr, y[rows], l1_ratio=0.8, alphas=4,
                   fit_intercept=fit_intercept)
    np.testing.assert_allclose(aw, ar, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scaling_weights_changes_nothing(layout, dtype):
    X, y = _problem(layout, dtype)
    sw = np.random.default_rng(0).uniform(0.5, 2, X.shape[0])
    kw = dict(l1_ratio=0.6, alphas=5, tol=TIGHT_TOL[dtype], fit_intercept=True)
    a1, c1, g1 = _path(X, y, sample_weight=sw, **kw)
    a2, c2, g2 = _path(X, y, sample_weight=10 * sw, **kw)
    np.testing.assert_allclose(a1, a2, rtol=1e-5)
    _assert_coef_close(c2, c1, dtype)


# at TIGHT_TOL some sparse cases stop early with a ConvergenceWarning (the
# stall pinned by test_zero_penalty_factor_single_alpha_converges); the
# coefficients are still compared at the agreement tolerance
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("precompute", [False, True])
def test_zero_penalty_factor_is_unpenalised(layout, dtype, l1_ratio, precompute):
    """Frisch-Waugh: an unpenalised column z can be projected out.

    min over (w_z, w) of 1/(2n)||y - z w_z - X w||^2 + pen(w) equals the
    penalised fit of P y on P X (P projects out z), with
    w_z = z^T (y - X w) / z^T z.
    """
    X, y = _problem(layout, dtype)
    Xd = _dense(X).astype(np.float64)
    # with an intercept the columns of ones is projected out as well
    Xc = Xd - Xd.mean(axis=0)
    yc = y.astype(np.float64) - y.astype(np.float64).mean()
    free = [0, 3]
    Z, rest = Xc[:, free], np.delete(Xc, free, axis=1)
    pf = np.ones(X.shape[1])
    pf[free] = 0.0
    tol = TIGHT_TOL[dtype]
    kw = dict(l1_ratio=l1_ratio, tol=tol, max_iter=10000)
    alphas, c, _ = _path(X, y, alphas=5, eps=1e-2, penalty_factor=pf,
                         fit_intercept=True, precompute=precompute, **kw)
    proj = Z @ np.linalg.pinv(Z)
    Xp = (rest - proj @ rest).astype(dtype)
    yp = (yc - proj @ yc).astype(dtype)
    _, cp, _ = _path(Xp, yp, alphas=alphas, **kw)
    cp = cp.astype(np.float64)
    wz = np.linalg.pinv(Z) @ (yc[:, None] - rest @ cp)
    _assert_coef_close(np.delete(c, free, axis=0), cp, dtype)
    _assert_coef_close(c[free], wz, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_uniform_penalty_factor_scales_alpha(layout, dtype):
    X, y = _problem(layout, dtype)
    kw = dict(l1_ratio=0.5, tol=TIGHT_TOL[dtype], fit_intercept=True)
    _, c1, _ = _path(X, y, alphas=[0.2, 0.04], penalty_factor=np.full(20, 2.0),
                     **kw)
    _, c2, _ = _path(X, y, alphas=[0.4, 0.08], **kw)
    _assert_coef_close(c1, c2, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_warm_start_equals_cold_start(layout, dtype, fit_intercept):
    X, y = _problem(layout, dtype)
    kw = dict(l1_ratio=0.7, tol=TIGHT_TOL[dtype], fit_intercept=fit_intercept,
              max_iter=10000)
    _, cold, _ = _path(X, y, alphas=[0.05], **kw)
    # from a solution of a nearby alpha, and from an arbitrary point
    _, near, _ = _path(X, y, alphas=[0.08], **kw)
    starts = [near[:, 0], np.random.default_rng(0).standard_normal(X.shape[1])]
    for w0 in starts:
        _, warm, _ = _path(X, y, alphas=[0.05], coef_init=w0, **kw)
        _assert_coef_close(warm, cold, dtype)
    # warm-starting at the solution needs (almost) no work
    _, again, _, n_iter = _path(X, y, alphas=[0.05], coef_init=cold[:, 0],
                                return_n_iter=True, **kw)
    assert n_iter[0] <= 2
    _assert_coef_close(again, cold, dtype)


def _alpha_max_numpy(X, y, sw, l1_ratio, fit_intercept, positive=False):
    Xd = _dense(X).astype(np.float64)
    y = y.astype(np.float64)
    sw = np.ones_like(y) if sw is None else np.asarray(sw, dtype=np.float64)
    if fit_intercept:
        Xd = Xd - np.average(Xd, axis=0, weights=sw)
        y = y - np.average(y, weights=sw)
    g = Xd.T @ (sw * y) / sw.sum()
    return (g.max() if positive else np.abs(g).max()) / l1_ratio


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_alpha_max_is_exact(layout, dtype, fit_intercept, weighted, positive):
    X, y = _problem(layout, dtype)
    sw = np.random.default_rng(1).uniform(0.3, 3, y.shape[0]) if weighted else None
    l1_ratio = 0.6
    kw = dict(l1_ratio=l1_ratio, fit_intercept=fit_intercept, sample_weight=sw,
              positive=positive, tol=TIGHT_TOL[dtype])
    alphas, coefs, _ = _path(X, y, alphas=5, eps=1e-3, **kw)
    amax = _alpha_max_numpy(X, y, sw, l1_ratio, fit_intercept, positive)
    np.testing.assert_allclose(alphas[0], amax,
                               rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(alphas, np.geomspace(amax, amax * 1e-3, 5),
                               rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert np.all(coefs[:, 0] == 0)
    assert np.any(coefs[:, 1] != 0)
    # w = 0 is optimal at alpha_max and not just below it (by the oracle)
    okw = dict(fit_intercept=fit_intercept, sample_weight=sw, positive=positive)
    zero = np.zeros(X.shape[1])
    assert enet_kkt_violation(X, y, zero, alphas[0], l1_ratio, **okw) <= 1e-6 * amax
    below = alphas[0] * (1 - 1e-4)
    assert enet_kkt_violation(X, y, zero, below, l1_ratio, **okw) > 0
    # and the solver finds a nonzero just below (float32 needs a wider margin:
    # near alpha_max the gap of w = 0 is below its looser tol)
    margin = 1e-4 if dtype == np.float64 else 1e-2
    _, c, _ = _path(X, y, alphas=[alphas[0] * (1 - margin)], **kw)
    assert np.count_nonzero(c) >= 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_alpha_max_with_unpenalised_features(layout, dtype):
    X, y = _problem(layout, dtype)
    pf = np.ones(X.shape[1])
    pf[[2, 5]] = 0.0
    pf[6] = 3.0
    kw = dict(l1_ratio=1.0, penalty_factor=pf, fit_intercept=True,
              tol=TIGHT_TOL[dtype], max_iter=10000)
    alphas, coefs, _ = _path(X, y, alphas=3, **kw)
    assert np.all(coefs[pf > 0, 0] == 0)
    assert np.all(coefs[pf == 0, 0] != 0)
    margin = 1e-3 if dtype == np.float64 else 1e-2
    _, c, _ = _path(X, y, alphas=[alphas[0] * (1 - margin)], **kw)
    assert np.count_nonzero(c[pf > 0]) >= 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_alphas_int_array_and_order(layout, dtype):
    X, y = _problem(layout, dtype)
    kw = dict(l1_ratio=0.9, tol=TIGHT_TOL[dtype], max_iter=10000)
    a_int, c_int, _ = _path(X, y, alphas=7, **kw)
    a_n, c_n, _ = _path(X, y, n_alphas=7, **kw)
    np.testing.assert_array_equal(a_int, a_n)
    np.testing.assert_array_equal(c_int, c_n)
    assert a_int.shape == (7,) and np.all(np.diff(a_int) < 0)
    # an unsorted array comes back sorted decreasing, coefs in that order
    given = np.array([0.01, 0.3, 0.05])
    a, c, g = _path(X, y, alphas=given, **kw)
    np.testing.assert_array_equal(a, [0.3, 0.05, 0.01])
    assert c.shape == (X.shape[1], 3) and g.shape == (3,)
    for k, alpha in enumerate(a):
        _, single, _ = _path(X, y, alphas=[alpha], **kw)
        _assert_coef_close(c[:, k], single[:, 0], dtype)
    # a list and a tuple give the same as the array; the caller's array is kept
    a_l, c_l, _ = _path(X, y, alphas=[0.01, 0.3, 0.05], **kw)
    np.testing.assert_array_equal(c_l, c)
    np.testing.assert_array_equal(given, [0.01, 0.3, 0.05])


@pytest.mark.parametrize("dtype", DTYPES)
def test_eps_sets_the_grid_end(dtype):
    X, y = _problem("F", dtype)
    a, *_ = _path(X, y, alphas=4, eps=1e-2)
    np.testing.assert_allclose(a[-1] / a[0], 1e-2, rtol=1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_return_n_iter_and_intercept(dtype):
    X, y = _problem("F", dtype)
    out = _path(X, y, alphas=3, return_n_iter=True, return_intercept=True,
                fit_intercept=True)
    assert len(out) == 5
    alphas, coefs, gaps, n_iter, icpt = out
    assert n_iter.shape == (3,) and np.all(n_iter >= 0)
    assert icpt.shape == (3,)
    # at alpha_max the intercept is the mean of y
    np.testing.assert_allclose(icpt[0], y.astype(np.float64).mean(), rtol=1e-5)


# at alpha = 0 the duality gap is no certificate (the dual feasible set is
# {theta : X^T theta = 0}), so a ConvergenceWarning is expected
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_zero_alpha_in_array_is_least_squares():
    X, y = _problem("F", np.float64, n=80, p=10)
    _, c, _ = _path(X, y, l1_ratio=1.0, alphas=[0.0], tol=1e-14,
                    max_iter=100000)
    ls = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(c[:, 0], ls, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_and_zero_columns(layout, dtype):
    """A zero column (or a constant one, with an intercept) stays at 0."""
    X, y = _problem("F", dtype)
    Xd = np.array(X)
    Xd[:, 3] = 0.0
    Xd[:, 4] = 2.5
    if layout in ("csc", "csr"):
        Xd = sp.csc_matrix(Xd) if layout == "csc" else sp.csr_matrix(Xd)
    elif layout == "C":
        Xd = np.ascontiguousarray(Xd)
    _, c, g = _path(Xd, y, alphas=4, fit_intercept=True, tol=1e-6)
    assert np.all(c[3] == 0) and np.all(c[4] == 0)
    assert np.all(np.isfinite(g))


def test_constant_column_in_coef_init_is_dropped(layout):
    """coef_init nonzero on a constant column (with an intercept): that
    coefficient changes no prediction, so it is 0 and the path converges."""
    X, y = _problem("F", np.float64)
    Xd = np.array(X)
    Xd[:, 4] = 2.5
    if layout in ("csc", "csr"):
        Xd = sp.csc_matrix(Xd) if layout == "csc" else sp.csr_matrix(Xd)
    elif layout == "C":
        Xd = np.ascontiguousarray(Xd)
    w0 = np.zeros(Xd.shape[1])
    w0[4] = 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _, c, _ = _path(Xd, y, alphas=12, fit_intercept=True, tol=1e-8, coef_init=w0)
    assert np.all(c[4] == 0)


@pytest.mark.parametrize("precompute", [False, True, "auto"])
@pytest.mark.parametrize("weighted", [False, True])
def test_columns_with_large_offsets_are_certified(precompute, weighted):
    """Columns whose mean is 1e7 times their spread: centring them through
    the mean alone would lose the fit's digits (the reported gap then was
    1e4 times below the true suboptimality).  Such X is centred in a copy:
    the path is that of the centred X, and the intercept the original's."""
    rng = np.random.default_rng(3)
    X, y = make_regression(200, 60, k=5, seed=3)
    sw = rng.uniform(0.5, 2.0, 200) if weighted else None
    Xo = np.asfortranarray(X + 1e7)
    kw = dict(l1_ratio=1.0, n_alphas=15, eps=1e-2, tol=1e-8, fit_intercept=True,
              sample_weight=sw, return_intercept=True)
    alphas, coefs, gaps, b = enet_path(Xo, y, precompute=precompute, **kw)
    s = np.ones(200) if sw is None else sw
    Xc = X - np.average(X, axis=0, weights=s)       # exact: X has no offset
    _, ref, _, b_ref = enet_path(np.asfortranarray(Xc), y, alphas=alphas, precompute=True,
                                 **{**kw, "tol": 1e-13, "n_alphas": None})
    scale = np.abs(ref).max()
    np.testing.assert_allclose(coefs, ref, atol=1e-4 * scale)
    mu = np.average(Xo, axis=0, weights=s)
    expected = np.average(y, weights=s) - mu @ coefs
    np.testing.assert_allclose(b, expected, rtol=0,
                               atol=1e-12 * np.max(np.abs(mu) @ np.abs(coefs)) + 1e-12)
    for i, a in enumerate(alphas):
        gap = enet_dual_gap(Xc, y, coefs[:, i], a, 1.0, fit_intercept=True,
                            sample_weight=sw)
        assert gap <= 1.001 * _gap_bound(y, sw, True, 1e-8)


@pytest.mark.parametrize("precompute", [False, True, "auto"])
def test_float32_columns_with_offsets_are_certified(precompute):
    """In float32, centring through the mean fails at far smaller offsets
    (3e3 times the spread gave negative reported gaps of -1e34): such X is
    centred in a copy too."""
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((200, 40))
    y = Z[:, :5] @ np.array([3.0, -2.0, 1.5, 1.0, -1.0]) + 0.1 * rng.standard_normal(200)
    X = np.asfortranarray((Z + 3e3).astype(np.float32))
    alphas, coefs, gaps, b = enet_path(X, y, l1_ratio=0.5, n_alphas=20, tol=1e-4,
                                       fit_intercept=True, precompute=precompute,
                                       return_intercept=True)
    X64 = X.astype(np.float64)
    Xc = X64 - X64.mean(axis=0)
    bound = _gap_bound(y, None, True, 1e-4)
    for i, a in enumerate(alphas):
        assert gaps[i] >= -1e-3 * bound          # (rounding only)
        gap = enet_dual_gap(Xc, y, coefs[:, i], a, 0.5, fit_intercept=True)
        assert gap <= 1.01 * bound


def test_constant_columns_need_no_centred_copy(monkeypatch):
    """A column constant up to the rounding of its mean (0.1, whose mean is
    not exact) is constant, not a large offset: X is not copied."""
    from fastreg import _path
    X, y = _problem("F", np.float64)
    X = np.array(X, order="F")
    X[:, 3] = 0.1
    built = []
    make = _path.make_problem
    monkeypatch.setattr(_path, "make_problem", lambda *a, **k: built.append(1) or make(*a, **k))
    _path.compute_path(X, y, l1_ratio=1.0, n_alphas=10, fit_intercept=True)
    assert len(built) == 1


def test_relaxed_fits_of_offset_columns():
    """The relaxed (unpenalised) refit on each support centres dense columns
    one by one: with columns at 1e7 it equals the refit on centred X."""
    from fastreg._path_estimator import relaxed_path
    X, y = make_regression(200, 30, k=5, seed=2)
    alphas, coefs, _ = enet_path(X, y, l1_ratio=1.0, n_alphas=10, fit_intercept=True)
    Xo = np.asfortranarray(X + 1e7)
    r_off, b_off = relaxed_path(Xo, y, coefs)
    r_ref, b_ref = relaxed_path(X - X.mean(axis=0), y, coefs)
    np.testing.assert_allclose(r_off, r_ref, atol=1e-8 * np.abs(r_ref).max())
    mu = Xo.mean(axis=0)
    np.testing.assert_allclose(b_off, y.mean() - mu @ r_ref, rtol=0,
                               atol=1e-9 * np.max(np.abs(mu) @ np.abs(r_ref)))


# ----------------------------------------------------------------- warnings

def _convergence_warnings(caught):
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("precompute", [False, True])
def test_one_convergence_warning_per_path(layout, dtype, precompute):
    X, y = _problem(layout, dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        alphas, coefs, gaps = _path(X, y, l1_ratio=0.5, alphas=8, eps=1e-3,
                                    tol=1e-10, max_iter=1,
                                    precompute=precompute)
    conv = _convergence_warnings(caught)
    assert len(conv) == 1, [str(w.message) for w in caught]
    msg = str(conv[0].message)
    bound = _gap_bound(y, None, False, 1e-10)
    bad = np.flatnonzero(gaps > bound)
    assert bad.size >= 2
    # the message counts the alphas that did not converge and names them
    assert f"did not converge for {bad.size} of 8 alphas" in msg
    for i in bad[:5]:
        assert f"alpha={alphas[i]:.4g} (gap" in msg
    for i in np.flatnonzero(gaps <= bound):
        assert f"alpha={alphas[i]:.4g} (" not in msg
    if bad.size > 5:
        assert f"and {bad.size - 5} more" in msg


@pytest.mark.parametrize("func", [enet_path, lasso_path])
def test_convergence_warning_points_at_the_caller(func):
    X, y = _problem("F")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        func(X, y, alphas=[0.01], tol=1e-12, max_iter=1)
    (w,) = _convergence_warnings(caught)
    assert w.filename == __file__


def test_convergence_warning_lists_at_most_five_alphas():
    X, y = _problem("F")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _path(X, y, alphas=np.geomspace(0.1, 1e-4, 12), tol=1e-12, max_iter=1,
              precompute=False)
    (w,) = _convergence_warnings(caught)
    msg = str(w.message)
    assert msg.count("alpha=") == 5
    assert "did not converge for 12 of 12 alphas" in msg
    assert "and 7 more" in msg


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("precompute", [False, True])
def test_no_warning_on_an_easy_path(layout, dtype, precompute):
    X, y = _problem(layout, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _path(X, y, l1_ratio=0.5, alphas=5, precompute=precompute,
              fit_intercept=True)
        lasso_path(X, y, alphas=5, precompute=precompute,
                   sample_weight=np.full(X.shape[0], 0.5))


# ------------------------------------------------------------- odd inputs

def _with_duplicates(X, fmt):
    """The same matrix with every stored entry split into two halves."""
    coo = sp.coo_matrix(X)
    rows = np.r_[coo.row, coo.row]
    cols = np.r_[coo.col, coo.col]
    data = np.r_[coo.data, coo.data] / 2
    order = np.lexsort((rows, cols)) if fmt == "csc" else np.lexsort((cols, rows))
    dup = sp.coo_matrix((data[order], (rows[order], cols[order])), shape=X.shape)
    # build the compressed form by hand: scipy's converters would sum them
    major = cols[order] if fmt == "csc" else rows[order]
    minor = rows[order] if fmt == "csc" else cols[order]
    nmajor = X.shape[1] if fmt == "csc" else X.shape[0]
    ptr = np.r_[0, np.cumsum(np.bincount(major, minlength=nmajor))].astype(np.int32)
    cls = sp.csc_matrix if fmt == "csc" else sp.csr_matrix
    out = cls((dup.data, minor.astype(np.int32), ptr), shape=X.shape)
    assert not out.has_canonical_format
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("precompute", [False, True])
def test_duplicate_sparse_entries_are_summed(dtype, fmt, precompute):
    X, y = _problem("csc", dtype)
    Xdup = _with_duplicates(X, fmt)
    np.testing.assert_allclose(Xdup.toarray(), X.toarray())
    saved = (Xdup.data.copy(), Xdup.indices.copy(), Xdup.indptr.copy())
    kw = dict(l1_ratio=0.8, alphas=4, tol=TIGHT_TOL[dtype], fit_intercept=True,
              sample_weight=np.linspace(0.5, 2, y.shape[0]), precompute=precompute)
    a_ref, c_ref, _ = _path(X, y, **kw)
    a, c, _ = _path(Xdup, y, **kw)
    np.testing.assert_allclose(a, a_ref, rtol=1e-5)
    _assert_coef_close(c, c_ref, dtype)
    for arr, copy in zip((Xdup.data, Xdup.indices, Xdup.indptr), saved):
        np.testing.assert_array_equal(arr, copy)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unsorted_sparse_indices(dtype):
    X, y = _problem("csc", dtype)
    perm = [np.random.default_rng(j).permutation(np.arange(X.indptr[j],
                                                           X.indptr[j + 1]))
            for j in range(X.shape[1])]
    perm = np.concatenate(perm)
    Xu = sp.csc_matrix((X.data[perm], X.indices[perm], X.indptr), shape=X.shape)
    assert not Xu.has_sorted_indices
    idx = Xu.indices.copy()
    kw = dict(alphas=4, tol=TIGHT_TOL[dtype], fit_intercept=True, precompute=False)
    _, c_ref, _ = _path(X, y, **kw)
    _, c, _ = _path(Xu, y, **kw)
    _assert_coef_close(c, c_ref, dtype)
    np.testing.assert_array_equal(Xu.indices, idx)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("precompute", [False, True])
def test_l1_ratio_zero_is_ridge(layout, dtype, precompute):
    """l1_ratio = 0: (Xc^T S Xc / W + alpha I) w = Xc^T S yc / W."""
    X, y = _problem(layout, dtype)
    n, p = X.shape
    sw = np.random.default_rng(0).uniform(0.5, 2, n)
    Xd = _dense(X).astype(np.float64)
    Xc = Xd - np.average(Xd, axis=0, weights=sw)
    yc = y.astype(np.float64) - np.average(y.astype(np.float64), weights=sw)
    alphas = np.array([1.0, 0.1])
    _, c, _ = _path(X, y, l1_ratio=0.0, alphas=alphas, sample_weight=sw,
                    fit_intercept=True, tol=TIGHT_TOL[dtype], max_iter=10000,
                    precompute=precompute)
    for k, a in enumerate(alphas):
        w = np.linalg.solve(Xc.T @ (sw[:, None] * Xc) / sw.sum() + a * np.eye(p),
                            Xc.T @ (sw * yc) / sw.sum())
        _assert_coef_close(c[:, k], w, dtype)


def test_constant_target_gives_zero_coefficients(layout):
    X, _ = _problem(layout)
    y = np.full(X.shape[0], 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alphas, coefs, gaps, icpt = _path(X, y, alphas=[0.1, 0.01],
                                          fit_intercept=True,
                                          return_intercept=True)
    assert np.all(coefs == 0) and np.all(gaps == 0)
    np.testing.assert_allclose(icpt, 3.0)


@pytest.mark.parametrize("scale", [1e-200, 1e-300, 1e-310, 1e300])
def test_tiny_sample_weights(scale):
    """Weights scaled by any power, subnormal ones included (n / sum would
    overflow there): the same solution, with or without a Gram matrix."""
    X, y = _problem("F")
    sw = np.random.default_rng(0).uniform(0.5, 2.0, X.shape[0])
    for precompute in (False, True):
        _, ref, _ = _path(X, y, alphas=[0.05], tol=1e-10, sample_weight=sw,
                          precompute=precompute)
        _, c, _ = _path(X, y, alphas=[0.05], tol=1e-10, sample_weight=sw * scale,
                        precompute=precompute)
        _assert_coef_close(c, ref, np.float64)


@pytest.mark.parametrize("layout", ["F", "csc"])
@pytest.mark.parametrize("sy, sx", [(1e-150, 1.0), (1.0, 1e-150), (1e150, 1.0),
                                    (1.0, 1e150), (1e-300, 1.0), (1e300, 1.0)])
def test_grid_and_path_scale_with_the_data(layout, sy, sx):
    """y scaled by sy and X by sx: the grid scales by sy sx and the
    coefficients by sy / sx (scikit-learn floors alpha_max at 1e-15, which
    made y * 1e-150 an all-zero path)."""
    X, y = _problem(layout, np.float64, intercept=0.0)
    # (the lasso: scaling X changes the ridge part's weight against the L1's)
    alphas, coefs, _ = lasso_path(X, y, n_alphas=8, tol=1e-12)
    a2, c2, _ = lasso_path(X * sx, y * sy, n_alphas=8, tol=1e-12)
    np.testing.assert_allclose(a2, alphas * sy * sx, rtol=1e-12)
    np.testing.assert_allclose(c2 * sx / sy, coefs, rtol=1e-6,
                               atol=1e-6 * np.abs(coefs).max())


def test_grid_is_resolution_when_nothing_is_left_to_fit():
    """y explained by the intercept alone: every alpha is the resolution, as
    in scikit-learn, and the path is zero."""
    X, _ = _problem("F", np.float64)
    alphas, coefs, _ = enet_path(X, np.full(X.shape[0], 3.0), n_alphas=5,
                                 fit_intercept=True)
    np.testing.assert_array_equal(alphas, np.finfo(float).resolution)
    assert not coefs.any()


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_small_wide_unpenalised_blocks_converge(sparse, l1_ratio):
    """Small wide problems with an intercept, zero sample weights and zero
    penalty factors: coordinate descent on the correlated unpenalised block
    crawls while the inner gap says done; the exact least-squares step of
    that block lets every fit converge (they used to stop after 27-110 of
    100,000 epochs, 285-5,880 times the bound above the optimum)."""
    for seed in range(30):
        rng = np.random.default_rng(seed)
        n, p = rng.integers(8, 16), rng.integers(8, 40)
        X = rng.standard_normal((n, p))
        y = rng.standard_normal(n)
        sw = rng.uniform(0, 2, n)
        sw[rng.random(n) < 0.3] = 0
        pf = np.ones(p)
        pf[rng.random(p) < 0.2] = 0
        Xk = sp.csc_matrix(X) if sparse else X
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            alphas, coefs, gaps, b = enet_path(
                Xk, y, l1_ratio=l1_ratio, alphas=[0.05], sample_weight=sw,
                penalty_factor=pf, fit_intercept=True, max_iter=100000,
                return_intercept=True)
        gap = enet_dual_gap(X, y, coefs[:, 0], 0.05, l1_ratio, fit_intercept=True,
                            sample_weight=sw, penalty_factor=pf)
        assert gap <= 1.01 * _gap_bound(y, sw, True, 1e-4), seed


def test_tiny_varying_columns_are_not_certified_as_constant():
    """Columns so small that their squared norms underflow are not constant:
    the certificate must not call w = 0 optimal (a warning, not a false
    gap of 0)."""
    X, y = _problem("F", np.float64, intercept=0.0)
    s = 1e-170
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        alphas, coefs, gaps = lasso_path(X * s, y, alphas=[1e-3 * s])
    certified = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    if certified:
        ref = lasso_path(X, y, alphas=[1e-3])[1]
        np.testing.assert_allclose(coefs * s, ref, rtol=1e-3, atol=1e-6)


def test_grid_whose_end_underflows():
    """eps * alpha_max below the smallest normal: the grid ends there
    instead of failing."""
    X, y = _problem("F", np.float64, intercept=0.0)
    alphas, coefs, _ = lasso_path(X, y * 1e-300, eps=1e-30, n_alphas=4,
                                  max_iter=10)
    assert alphas[0] > alphas[-1] > 0


def test_alpha_max_zero_test_is_per_feature():
    """A large-unit column orthogonal to y does not hide a small-unit
    predictor: alpha_max is that predictor's, as scikit-learn's grid says."""
    rng = np.random.default_rng(0)
    n = 50
    x1 = rng.standard_normal(n) * 1e-7
    y = x1 * 1e7 + 0.1 * rng.standard_normal(n)
    y -= y.mean()
    x0 = rng.standard_normal(n)
    x0 -= x0.mean()
    x0 -= (x0 @ y) / (y @ y) * y
    X = np.column_stack([x0 * 1e9, x1])
    alphas = lasso_path(X, y, n_alphas=3, max_iter=10)[0]
    np.testing.assert_allclose(alphas[0], np.max(np.abs(X.T @ y)) / n, rtol=1e-12)


@pytest.mark.parametrize("scale_exp", [0, 99, -99])
def test_nothing_to_fit_grid_scales_with_y(scale_exp):
    """y explained by the unpenalised features (no intercept, zero weights
    leave fewer rows than free columns): every alpha of the grid scales
    with y, and every alpha is certified (the resolution alone, as
    scikit-learn uses, is below rounding-level correlations when y is
    large: 100,000 epochs and a ConvergenceWarning)."""
    rng = np.random.default_rng(137)
    X = rng.standard_normal((7, 15))
    y = np.ldexp(rng.standard_normal(7) + 1000.0, scale_exp)
    sw = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 0.5, 0.0])
    pf = np.ones(15)
    pf[:6] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        alphas, _, gaps = lasso_path(X, y, n_alphas=3, sample_weight=sw,
                                     penalty_factor=pf, max_iter=100000)
    ref = lasso_path(X, np.ldexp(y, -scale_exp), n_alphas=3, sample_weight=sw,
                     penalty_factor=pf)[0]
    np.testing.assert_allclose(np.ldexp(alphas, -scale_exp), ref, rtol=1e-9)
