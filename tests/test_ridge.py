"""Ridge, RidgeCV and ridge_path: NumPy/SciPy oracles first, then scikit-learn."""
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from scipy.linalg import LinAlgWarning
from sklearn.exceptions import ConvergenceWarning
from sklearn import linear_model as sklm
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastreg import Ridge, RidgeCV, ridge_path
from fastreg import _ridge

from datasets import make_regression

# tolerance on coefficients, relative to max |coef|, per dtype
RTOL = {np.float64: 1e-9, np.float32: 2e-3}


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def _oracle(X, Y, alpha, sw=None, fit_intercept=True):
    """float64 NumPy/SciPy solution of sum sw (y - Xw - b)^2 + alpha ||w||^2."""
    X = _dense(X).astype(np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    sw = np.ones(X.shape[0]) if sw is None else np.asarray(sw, np.float64)
    if fit_intercept:
        xm = sw @ X / sw.sum()
        ym = sw @ Y / sw.sum()
    else:
        xm, ym = np.zeros(X.shape[1]), np.zeros(Y.shape[1:])
    Xc, Yc = X - xm, Y - ym
    A = Xc.T @ (sw[:, None] * Xc) + alpha * np.eye(X.shape[1])
    w = scipy.linalg.solve(A, Xc.T @ (sw[:, None] * Yc.reshape(len(Yc), -1)),
                           assume_a="pos")
    w = w[:, 0] if Y.ndim == 1 else w.T
    b = ym - w @ xm if Y.ndim == 1 else ym - w @ xm
    return w, b


def _problem(layout, dtype=np.float64, n=60, p=15, seed=0):
    X, y = make_regression(n, p, density=0.3 if "cs" in layout else None,
                           seed=seed, dtype=dtype, layout=layout, intercept=2.0)
    return X, y


def _close(a, b, dtype, scale=None):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(np.abs(b).max(), 1.0) if scale is None else scale
    np.testing.assert_allclose(a, b, rtol=0, atol=RTOL[dtype] * scale)


# ------------------------------------------------------------------ oracles
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(60, 15), (12, 40)])
def test_ridge_matches_scipy_solve(layout, dtype, fit_intercept, shape):
    X, y = _problem(layout, dtype, *shape)
    sw = np.random.default_rng(1).uniform(0.2, 2.0, shape[0])
    for weights in (None, sw):
        m = Ridge(alpha=0.3, fit_intercept=fit_intercept).fit(X, y, sample_weight=weights)
        w, b = _oracle(X, y, 0.3, weights, fit_intercept)
        assert m.coef_.dtype == dtype
        _close(m.coef_, w, dtype)
        _close(m.intercept_, b, dtype, scale=max(1.0, abs(b)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradient_zero_at_solution(layout, dtype):
    X, y = _problem(layout, dtype)
    sw = np.random.default_rng(2).uniform(0.5, 1.5, y.shape[0])
    m = Ridge(alpha=2.0).fit(X, y, sample_weight=sw)
    Xd = _dense(X).astype(np.float64)
    r = y.astype(np.float64) - Xd @ m.coef_ - m.intercept_
    grad = -2 * Xd.T @ (sw * r) + 2 * 2.0 * m.coef_.astype(np.float64)
    scale = 2 * np.linalg.norm(Xd.T @ (sw * (y - y.mean())))
    assert np.linalg.norm(grad) <= 10 * np.finfo(dtype).eps ** (2 / 3) * scale
    assert abs(np.sum(sw * r)) <= 1e3 * np.finfo(dtype).eps * np.sum(sw * np.abs(r))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(40, 10), (10, 40)])
def test_primal_equals_dual(layout, fit_intercept, shape):
    X, y = _problem(layout, np.float64, *shape)
    Y = y[:, None]
    sw = np.random.default_rng(3).uniform(0.2, 2.0, shape[0])
    coefs = []
    for dual in (False, True):
        s = _ridge.build_system(X, Y, sw, fit_intercept=fit_intercept, dual=dual)
        assert s.M.shape[0] == (shape[0] if dual else shape[1])
        coefs.append(_ridge.solve_system(s, np.array([0.5])))
    _close(coefs[0], coefs[1], np.float64)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_float32_close_to_float64(layout, fit_intercept):
    X, y = _problem(layout, np.float64)
    m64 = Ridge(alpha=1.0, fit_intercept=fit_intercept).fit(X, y)
    m32 = Ridge(alpha=1.0, fit_intercept=fit_intercept).fit(X.astype(np.float32),
                                                           y.astype(np.float32))
    assert m32.coef_.dtype == np.float32
    assert np.asarray(m32.predict(X.astype(np.float32))).dtype == np.float32
    _close(m32.coef_, m64.coef_, np.float32)


def test_weights_equal_repeated_rows(layout):
    X, y = _problem(layout)
    reps = np.random.default_rng(4).integers(0, 4, y.shape[0])
    m_w = Ridge(alpha=0.7).fit(X, y, sample_weight=reps.astype(float))
    idx = np.repeat(np.arange(y.shape[0]), reps)
    Xr = X[idx] if not sp.issparse(X) else X.tocsr()[idx]
    m_r = Ridge(alpha=0.7).fit(Xr, y[idx])
    _close(m_w.coef_, m_r.coef_, np.float64)
    _close(m_w.intercept_, m_r.intercept_, np.float64)


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("shape", [(60, 15), (12, 40)])
def test_sparse_equals_dense_with_intercept(fmt, shape):
    X, y = _problem(fmt, np.float64, *shape)
    Xd = X.toarray()
    Xd_before = X.copy()
    for solver in ("cholesky", "cg"):
        ms = Ridge(alpha=0.5, solver=solver, tol=1e-12, max_iter=1000).fit(X, y)
        md = Ridge(alpha=0.5).fit(Xd, y)
        tol = 1e-9 if solver == "cholesky" else 1e-7
        np.testing.assert_allclose(ms.coef_, md.coef_, atol=tol * np.abs(md.coef_).max())
        np.testing.assert_allclose(ms.intercept_, md.intercept_, atol=tol * 10)
    assert (X != Xd_before).nnz == 0


def test_cg_solver_reports_iterations():
    X, y = _problem("csc", np.float64, 200, 50)
    m = Ridge(alpha=1.0, solver="cg", tol=1e-10).fit(X, y)
    assert m.solver_ == "cg" and m.n_iter_.shape == (1,) and 0 < m.n_iter_[0] <= 50 + 5
    assert Ridge(alpha=1.0).fit(X, y).solver_ == "cholesky"


def test_large_column_means_keep_accuracy():
    # centring the Gram would cancel: the fit centres a copy of X instead
    X, y = _problem("F", np.float64, 80, 6)
    Xo = X + 1e6
    m = Ridge(alpha=0.1).fit(Xo, y)
    w, b = _oracle(Xo, y, 0.1)
    np.testing.assert_allclose(m.coef_, w, rtol=1e-7, atol=1e-9)


# ------------------------------------------------------- singular systems
def test_cholesky_info_becomes_linalgerror():
    M = np.asfortranarray(np.diag([1.0, 2.0, -1.0, 4.0]))
    with pytest.raises(np.linalg.LinAlgError, match="leading minor of order 3"):
        _ridge.cholesky_solve(M, 0.0, np.ones((4, 1)))
    np.testing.assert_array_equal(M, np.diag([1.0, 2.0, -1.0, 4.0]))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_singular_system_falls_back_to_min_norm(fit_intercept):
    X, y = _problem("F", np.float64, 30, 8)
    Xdup = np.asfortranarray(np.column_stack([X, X[:, 0]]))   # rank 8 of 9 columns
    with pytest.warns(LinAlgWarning, match="eigendecomposition"):
        m = Ridge(alpha=0.0, fit_intercept=fit_intercept).fit(Xdup, y)
    Xc = Xdup - Xdup.mean(0) if fit_intercept else Xdup
    yc = y - y.mean() if fit_intercept else y
    w = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    np.testing.assert_allclose(m.coef_, w, atol=1e-8)
    np.testing.assert_allclose(m.coef_[0], m.coef_[-1], atol=1e-8)


# ---------------------------------------------------------- scikit-learn
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ridge_matches_sklearn_multitarget_alpha_per_target(layout, dtype):
    X, y = _problem(layout, dtype)
    Y = np.column_stack([y, 2 * y[::-1], -y]).astype(dtype)
    alphas = np.array([0.1, 3.0, 0.1])
    m = Ridge(alpha=alphas).fit(X, Y)
    s = sklm.Ridge(alpha=alphas, solver="cholesky").fit(_dense(X), Y)
    assert m.coef_.shape == (3, X.shape[1]) and m.intercept_.shape == (3,)
    _close(m.coef_, s.coef_, dtype)
    _close(m.intercept_, s.intercept_, dtype, scale=max(1.0, np.abs(s.intercept_).max()))
    _close(m.predict(X), s.predict(_dense(X)), dtype,
           scale=max(1.0, np.abs(Y).max()))


@pytest.mark.parametrize("shape", [(60, 15), (12, 40)])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridgecv_matches_sklearn(layout, shape, weighted):
    X, y = _problem(layout, np.float64, *shape)
    sw = np.random.default_rng(5).uniform(0.2, 2.0, shape[0]) if weighted else None
    alphas = np.logspace(-3, 3, 25)
    m = RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y, sample_weight=sw)
    s = sklm.RidgeCV(alphas=alphas, store_cv_results=True).fit(X, y, sample_weight=sw)
    assert m.alpha_ == s.alpha_
    # the dual form (n < p) at the smallest alphas is ill-conditioned
    np.testing.assert_allclose(m.best_score_, s.best_score_, rtol=1e-6)
    np.testing.assert_allclose(m.coef_, s.coef_, atol=1e-9 * np.abs(s.coef_).max())
    np.testing.assert_allclose(m.intercept_, s.intercept_, atol=1e-8)
    assert m.cv_results_.shape == s.cv_results_.shape == (shape[0], alphas.size)
    # the smallest alphas are nearly singular in the dual form: compare the rest
    np.testing.assert_allclose(m.cv_results_[:, 5:], s.cv_results_[:, 5:],
                               rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridgecv_alpha_per_target_and_float32(fit_intercept):
    X, y = _problem("C", np.float64, 80, 10)
    Y = np.column_stack([y, y + 3 * np.random.default_rng(6).standard_normal(80)])
    alphas = np.logspace(-2, 4, 30)
    for dtype in (np.float64, np.float32):
        m = RidgeCV(alphas=alphas, alpha_per_target=True, store_cv_results=True,
                    fit_intercept=fit_intercept).fit(X.astype(dtype), Y.astype(dtype))
        s = sklm.RidgeCV(alphas=alphas, alpha_per_target=True, store_cv_results=True,
                         fit_intercept=fit_intercept).fit(X.astype(dtype), Y.astype(dtype))
        np.testing.assert_array_equal(m.alpha_, s.alpha_)
        assert m.coef_.dtype == dtype and m.cv_results_.shape == (80, 2, 30)
        _close(m.coef_, s.coef_, dtype)


def test_ridgecv_scoring_and_cv():
    X, y = _problem("F", np.float64, 80, 10)
    alphas = np.logspace(-2, 3, 12)
    for kw in ({"scoring": "r2"}, {"scoring": "neg_mean_absolute_error"}, {"cv": 4}):
        m = RidgeCV(alphas=alphas, **kw).fit(X, y)
        s = sklm.RidgeCV(alphas=alphas, **kw).fit(X, y)
        assert m.alpha_ == s.alpha_, kw
        np.testing.assert_allclose(m.best_score_, s.best_score_, rtol=1e-7)


def test_ridge_path_matches_fits(layout):
    for shape in [(60, 15), (12, 40)]:
        X, y = _problem(layout, np.float64, *shape)
        Y = np.column_stack([y, -2 * y])
        alphas = [10.0, 0.5, 3e-2]
        a, coefs, icpts = ridge_path(X, Y, alphas, fit_intercept=True,
                                     return_intercept=True)
        assert coefs.shape == (2, shape[1], 3) and icpts.shape == (2, 3)
        np.testing.assert_array_equal(a, alphas)
        for i, alpha in enumerate(alphas):
            w, b = _oracle(X, Y, alpha)
            _close(coefs[:, :, i], w, np.float64, scale=1e-3 * max(1, np.abs(w).max()))
            _close(icpts[:, i], b, np.float64, scale=1e-3 * max(1, np.abs(b).max()))


def test_ridge_path_alpha_zero_is_min_norm_lstsq():
    X, y = _problem("F", np.float64, 10, 30)
    a, coefs = ridge_path(X, y, [0.0])
    np.testing.assert_allclose(coefs[:, 0], np.linalg.pinv(X) @ y, atol=1e-9)


# -------------------------------------------------------------- bad input
@pytest.mark.parametrize("alpha, match", [
    (-1.0, r"alpha must be >= 0, got -1.0"),
    (np.nan, r"alpha must be finite, got nan"),
    ([1.0, 2.0], r"penalties do not correspond: 2 != 1 \(alpha must be a scalar or have one value per target\)"),
    ([1.0, -2.0, 3.0], r"alpha must be >= 0, got \[1.0, -2.0, 3.0\]"),
])
def test_bad_alpha(alpha, match):
    X, y = _problem("F")
    Y = np.column_stack([y, y, y]) if len(np.atleast_1d(alpha)) == 3 else y
    with pytest.raises(ValueError, match=match):
        Ridge(alpha=alpha).fit(X, Y)


def test_bad_input_messages():
    X, y = _problem("F")
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Ridge().fit(Xn, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Ridge().fit(sp.csc_matrix(Xn), y)
    yn = y.copy()
    yn[0] = np.inf
    with pytest.raises(ValueError, match="y contains infinity"):
        Ridge().fit(X, yn)
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[60, 59\]"):
        Ridge().fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(60,\), got \(3,\)"):
        Ridge().fit(X, y, sample_weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="solver must be one of .*, got 'qr'"):
        Ridge(solver="qr").fit(X, y)
    with pytest.raises(ValueError, match="solver='svd' does not support positive"):
        Ridge(positive=True, solver="svd").fit(X, y)
    with pytest.raises(ValueError, match="'lbfgs' solver can be used only when "
                                         "positive=True"):
        Ridge(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match=r"alphas\[1\] == 0.0, must be > 0.0"):
        RidgeCV(alphas=[1.0, 0.0]).fit(X, y)
    with pytest.raises(ValueError, match=r"alphas must be finite, got \[nan\]"):
        RidgeCV(alphas=[np.nan]).fit(X, y)
    with pytest.raises(ValueError, match="alphas must be >= 0, got min -1.0"):
        ridge_path(X, y, [1.0, -1.0])
    with pytest.raises(ValueError, match="same number of samples, got 60 and 59"):
        ridge_path(X, y[:-1], [1.0])


def test_caller_arrays_not_modified(layout):
    X, y = _problem(layout)
    Y = np.column_stack([y, y])
    sw = np.linspace(0.5, 2, y.shape[0])
    copies = [X.copy(), Y.copy(), sw.copy()]
    Ridge(alpha=0.5).fit(X, Y, sample_weight=sw)
    RidgeCV(alphas=[0.1, 1.0], store_cv_results=True).fit(X, Y, sample_weight=sw)
    ridge_path(X, Y, [0.1, 1.0], sample_weight=sw, fit_intercept=True)
    for a, b in zip((X, Y, sw), copies):
        if sp.issparse(a):
            assert (a != b).nnz == 0
        else:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("value", ["no", 1, 0, None, "True"])
def test_bool_parameters_must_be_bool(value):
    X, y = _problem("F")
    msg = f"fit_intercept must be a bool, got {value!r}"
    with pytest.raises(ValueError, match=msg):
        Ridge(fit_intercept=value).fit(X, y)
    with pytest.raises(ValueError, match=msg):
        RidgeCV(fit_intercept=value).fit(X, y)
    with pytest.raises(ValueError, match=msg):
        ridge_path(X, y, [1.0], fit_intercept=value)
    msg = f"return_intercept must be a bool, got {value!r}"
    with pytest.raises(ValueError, match=msg):
        ridge_path(X, y, [1.0], return_intercept=value)
    for name in ("store_cv_results", "alpha_per_target"):
        with pytest.raises(ValueError, match=f"{name} must be a bool, got {value!r}"):
            RidgeCV(**{name: value}).fit(X, y)


def test_numpy_bools_are_accepted():
    X, y = _problem("F")
    for flag in (np.bool_(True), np.bool_(False)):
        a = Ridge(fit_intercept=flag).fit(X, y)
        b = Ridge(fit_intercept=bool(flag)).fit(X, y)
        np.testing.assert_array_equal(a.coef_, b.coef_)
        assert RidgeCV(fit_intercept=flag).fit(X, y).alpha_ == \
            RidgeCV(fit_intercept=bool(flag)).fit(X, y).alpha_
        ridge_path(X, y, [1.0], fit_intercept=flag, return_intercept=np.bool_(True))


# ----------------------------------------------------- the sklearn contract
@pytest.mark.parametrize("solver", ["cholesky", "cg"])
def test_n_iter_is_reported(layout, solver):
    # scikit-learn's contract for estimators with max_iter: n_iter_ >= 1; a
    # direct solve counts as one iteration (scikit-learn's Ridge leaves None)
    from sklearn.utils.estimator_checks import check_non_transformer_estimators_n_iter
    X, y = _problem(layout, np.float64, 60, 15)
    m = Ridge(alpha=1.0, solver=solver).fit(X, np.column_stack([y, -y]))
    assert m.n_iter_.shape == (2,) and m.n_iter_.dtype.kind == "i"
    if solver == "cholesky":
        np.testing.assert_array_equal(m.n_iter_, [1, 1])
    else:
        assert np.all((m.n_iter_ >= 1) & (m.n_iter_ <= 15 + 5))
    check_non_transformer_estimators_n_iter("Ridge", Ridge(solver=solver))


@parametrize_with_checks([Ridge(), RidgeCV()])
def test_sklearn_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)
        check(estimator)


# --------------------------------------------------------------------- slow
@pytest.mark.slow
@pytest.mark.parametrize("layout_", ["F", "C"])
def test_large_dense_against_scipy(layout_):
    X, y = make_regression(20_000, 600, seed=7, layout=layout_, intercept=1.0)
    m = Ridge(alpha=5.0).fit(X, y)
    w, b = _oracle(X, y, 5.0)
    np.testing.assert_allclose(m.coef_, w, atol=1e-9 * np.abs(w).max())
    cv = RidgeCV(alphas=np.logspace(-2, 4, 40)).fit(X, y)
    s = sklm.RidgeCV(alphas=np.logspace(-2, 4, 40)).fit(X, y)
    assert cv.alpha_ == s.alpha_


def test_shapes_match_sklearn_for_single_column_y():
    X, y = _problem("F")
    Y = y[:, None]
    for ours, theirs in ((Ridge(), sklm.Ridge()), (RidgeCV(), sklm.RidgeCV())):
        a, b = ours.fit(X, Y), theirs.fit(X, Y)
        assert a.coef_.shape == b.coef_.shape
        assert np.shape(a.intercept_) == np.shape(b.intercept_)
        assert a.predict(X).shape == b.predict(X).shape


def test_auto_solver_uses_cg_for_very_sparse_wide_systems():
    X = sp.random(300, 600, density=0.002, format="csr", random_state=0)
    y = np.random.default_rng(0).standard_normal(300)
    m = Ridge(alpha=1.0, tol=1e-12).fit(X, y)
    assert m.solver_ == "sparse_cg"
    d = Ridge(alpha=1.0, solver="cholesky").fit(X, y)
    np.testing.assert_allclose(m.coef_, d.coef_, atol=1e-8)
    np.testing.assert_allclose(m.intercept_, d.intercept_, atol=1e-8)


# ------------------------------------------- scikit-learn's solver names
@pytest.mark.parametrize("solver", ["auto", "svd", "cholesky", "lsqr", "sparse_cg",
                                    "cg", "sag", "saga"])
@pytest.mark.parametrize("layout", ["F", "csr"])
@pytest.mark.parametrize("weighted", [False, True])
def test_every_scikit_learn_solver_name_gives_the_minimiser(solver, layout, weighted):
    X, y = _problem(layout)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0]) if weighted else None
    m = Ridge(alpha=0.7, solver=solver, tol=1e-12).fit(X, y, sample_weight=sw)
    w, b = _oracle(X, y, 0.7, sw)
    np.testing.assert_allclose(m.coef_, w, rtol=1e-8, atol=1e-10)
    assert m.intercept_ == pytest.approx(b, rel=1e-8)
    assert m.solver_ == ("cholesky" if solver == "auto" else solver)


@pytest.mark.parametrize("layout", ["F", "csr"])
def test_sparse_cg_with_alpha_below_rounding_gives_the_minimum_norm_solution(layout):
    # wide: the system is singular at alpha -> 0 and its minimum-norm
    # solution is the limit (preconditioned CG would leave the row space)
    X, y = _problem(layout, n=30, p=60)
    m = Ridge(alpha=1e-16, solver="sparse_cg", tol=1e-12, fit_intercept=False).fit(X, y)
    Xd = X.toarray() if sp.issparse(X) else X
    np.testing.assert_allclose(m.coef_, np.linalg.pinv(Xd) @ y, atol=1e-8)


# ------------------------------------------------------------- positive=True
def _nnls_ridge(X, y, sw, alpha, fit_intercept):
    """Oracle: positive ridge as NNLS on [S^1/2 X_c; sqrt(alpha) I]."""
    from scipy.optimize import nnls
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    sw = np.ones(X.shape[0]) if sw is None else sw
    xm = sw @ X / sw.sum() if fit_intercept else np.zeros(X.shape[1])
    ym = sw @ y / sw.sum() if fit_intercept else 0.0
    s = np.sqrt(sw)
    A = np.vstack([s[:, None] * (X - xm), np.sqrt(alpha) * np.eye(X.shape[1])])
    w = nnls(A, np.concatenate([s * (y - ym), np.zeros(X.shape[1])]),
             maxiter=50 * X.shape[1])[0]
    return w, ym - xm @ w


@pytest.mark.parametrize("layout", ["F", "csc", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [1e-3, 1.0, 30.0])
@pytest.mark.parametrize("shape", [(60, 15), (20, 40)])
def test_positive_ridge_matches_nnls_oracle(layout, fit_intercept, alpha, shape):
    X, y = _problem(layout, n=shape[0], p=shape[1], seed=3)
    sw = np.random.default_rng(2).uniform(0.2, 3.0, X.shape[0])
    m = Ridge(alpha=alpha, positive=True, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=sw)
    w, b = _nnls_ridge(X, y, sw, alpha, fit_intercept)
    assert np.all(m.coef_ >= 0) and np.sum(w > 0) > 0
    np.testing.assert_allclose(m.coef_, w, atol=1e-7 * max(1.0, np.abs(w).max()))
    assert m.intercept_ == pytest.approx(b, abs=1e-7 * max(1.0, abs(b)))
    assert m.solver_ == "lbfgs" and m.n_iter_.shape == (1,) and m.n_iter_[0] >= 1


def test_positive_ridge_per_target_alphas():
    X, y = _problem("F", seed=4)
    Y = np.column_stack([y, -y, 2 * y])
    m = Ridge(alpha=[0.1, 1.0, 10.0], positive=True).fit(X, Y)
    for k, a in enumerate([0.1, 1.0, 10.0]):
        w, b = _nnls_ridge(X, Y[:, k], None, a, True)
        np.testing.assert_allclose(m.coef_[k], w, atol=1e-7 * max(1.0, np.abs(w).max()))


def test_positive_ridge_warns_when_out_of_epochs():
    X, y = _problem("F", n=200, p=60, seed=5)
    X = X + 0.99 * X[:, :1]                     # strongly correlated columns
    with pytest.warns(ConvergenceWarning, match="lbfgs solver did not converge"):
        Ridge(alpha=1e-6, positive=True, max_iter=1, tol=1e-12).fit(X, y)


# -------------------------------------------------------- RidgeCV, small alpha
@pytest.mark.parametrize("weighted", [False, True])
def test_loo_of_the_kernel_form_at_small_alpha_matches_refits(weighted):
    # wide with an intercept: 1 - h_ii ~ alpha / lam is computed without
    # cancellation (it lost two digits at alpha=1e-5 when written 1 - H)
    X, y = _problem("F", n=12, p=30, seed=6)
    sw = np.where(np.arange(12) % 2, 0.5, 1.0) if weighted else None
    alphas = np.array([1e-5, 1e-2, 10.0])
    cv = RidgeCV(alphas=alphas, scoring="neg_mean_squared_error",
                 store_cv_results=True).fit(X, y, sample_weight=sw)
    for i in range(12):
        keep = np.arange(12) != i
        for j, a in enumerate(alphas):
            w, b = _oracle(X[keep], y[keep], a, None if sw is None else sw[keep])
            assert cv.cv_results_[i, j] == pytest.approx(X[i] @ w + b, rel=1e-7)
