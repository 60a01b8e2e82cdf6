"""Lasso and ElasticNet: optimality, consistency, warm start, multi-output,
warnings and the caller's arrays.

Every numerical test runs on float64 and float32, dense and sparse.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from fastreg import ElasticNet, Lasso, enet_path
from fastreg._objectives import enet_dual_gap, enet_kkt_violation

from datasets import make_regression

DTYPES = [np.float64, np.float32]
TIGHT_TOL = {np.float64: 1e-12, np.float32: 1e-6}
# (rtol, atol relative to max |coef|) between two tight solutions
AGREE = {np.float64: (1e-5, 1e-6), np.float32: (5e-3, 2e-3)}


def _problem(layout="F", dtype=np.float64, n=60, p=20, seed=1):
    density = 0.4 if layout in ("csc", "csr") else None
    return make_regression(n, p, layout=layout, dtype=dtype, density=density,
                           seed=seed, intercept=1.5)


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def _close(actual, desired, dtype):
    rtol, atol = AGREE[dtype]
    desired = np.asarray(desired, dtype=np.float64)
    ref = max(np.max(np.abs(desired)), 1e-12)
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), desired,
                               rtol=rtol, atol=atol * ref)


def _same_fit(a, b, dtype, y):
    _close(a.coef_, b.coef_, dtype)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=AGREE[dtype][0],
                               atol=AGREE[dtype][1] * np.abs(y).max())


# -------------------------------------------------------------- optimality

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("case", ["plain", "weights", "penalty_factor", "positive"])
@pytest.mark.parametrize("precompute", [False, True])
def test_fit_is_optimal_by_oracle(layout, dtype, l1_ratio, case, precompute):
    X, y = _problem(layout, dtype)
    n, p = X.shape
    rng = np.random.default_rng(3)
    sw = rng.uniform(0.2, 3.0, n) if case == "weights" else None
    pf = None
    if case == "penalty_factor":
        pf = rng.uniform(0.3, 3.0, p)
        pf[[1, 4]] = 0.0
    positive = case == "positive"
    tol = 1e-8 if dtype == np.float64 else 1e-4
    est = ElasticNet(alpha=0.05, l1_ratio=l1_ratio, tol=tol, penalty_factor=pf,
                     positive=positive, precompute=precompute).fit(
                         X, y, sample_weight=sw)
    assert est.coef_.dtype == dtype and est.coef_.shape == (p,)
    assert isinstance(est.intercept_, float) and isinstance(est.n_iter_, int)
    kw = dict(fit_intercept=True, sample_weight=sw, penalty_factor=pf,
              positive=positive)
    swv = np.ones(n) if sw is None else sw
    y64 = y.astype(np.float64)
    yc = y64 - np.average(y64, weights=swv)
    bound = tol * np.sum(swv * yc ** 2) / swv.sum()
    gap = enet_dual_gap(X, y, est.coef_, 0.05, l1_ratio, **kw)
    assert gap <= bound * 1.001
    assert est.dual_gap_ <= bound * 1.001
    assert abs(est.dual_gap_ - gap) <= 0.05 * bound
    assert enet_kkt_violation(X, y, est.coef_, 0.05, l1_ratio, **kw) <= \
        20 * np.sqrt(bound)
    # intercept: the weighted mean residual is 0
    r = y64 - _dense(X).astype(np.float64) @ est.coef_ - est.intercept_
    assert abs(np.average(r, weights=swv)) <= 1e-4 * np.abs(y64).max()
    if positive:
        assert np.all(est.coef_ >= 0)


# ------------------------------------------------------------- consistency

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_elasticnet_l1_ratio_one_is_lasso(layout, dtype, fit_intercept, weighted):
    X, y = _problem(layout, dtype)
    sw = np.random.default_rng(0).uniform(0.5, 2, X.shape[0]) if weighted else None
    kw = dict(alpha=0.03, fit_intercept=fit_intercept, tol=TIGHT_TOL[dtype],
              max_iter=10000, precompute=False)
    enet = ElasticNet(l1_ratio=1.0, **kw).fit(X, y, sample_weight=sw)
    lasso = Lasso(**kw).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(enet.coef_, lasso.coef_)
    assert enet.intercept_ == lasso.intercept_
    # and it differs from an elastic net that is not a lasso
    other = ElasticNet(l1_ratio=0.5, **kw).fit(X, y, sample_weight=sw)
    assert np.max(np.abs(other.coef_ - lasso.coef_)) > 1e-3


def test_lasso_has_no_l1_ratio_parameter():
    assert "l1_ratio" not in Lasso().get_params()
    assert ElasticNet().get_params()["l1_ratio"] == 0.5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_estimator_matches_path(layout, dtype, fit_intercept):
    X, y = _problem(layout, dtype)
    sw = np.random.default_rng(4).uniform(0.5, 2, X.shape[0])
    pf = np.random.default_rng(5).uniform(0.5, 2, X.shape[1])
    kw = dict(l1_ratio=0.6, tol=TIGHT_TOL[dtype], max_iter=10000, precompute=False)
    est = ElasticNet(alpha=0.04, fit_intercept=fit_intercept, penalty_factor=pf,
                     **kw).fit(X, y, sample_weight=sw)
    _, coefs, gaps, icpt = enet_path(X, y, alphas=[0.04], sample_weight=sw,
                                     penalty_factor=pf, fit_intercept=fit_intercept,
                                     return_intercept=True, **kw)
    _close(est.coef_, coefs[:, 0], dtype)
    if fit_intercept:
        np.testing.assert_allclose(est.intercept_, icpt[0], rtol=1e-5)
    else:
        assert est.intercept_ == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_sparse_and_gram_estimators_agree(dtype):
    X, y = _problem("F", dtype, n=80, p=15)
    sw = np.random.default_rng(1).uniform(0.5, 2, X.shape[0])
    kw = dict(alpha=0.02, l1_ratio=0.7, tol=TIGHT_TOL[dtype], max_iter=10000)
    ref = ElasticNet(precompute=False, **kw).fit(X, y, sample_weight=sw)
    for Xv, pre in [(np.ascontiguousarray(X), False), (sp.csc_matrix(X), False),
                    (sp.csr_matrix(X), False), (X, True), (sp.csr_matrix(X), True)]:
        est = ElasticNet(precompute=pre, **kw).fit(Xv, y, sample_weight=sw)
        _same_fit(est, ref, dtype, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_precomputed_gram_matrix(dtype):
    X, y = _problem("F", dtype, n=80, p=15)
    kw = dict(alpha=0.02, l1_ratio=0.7, tol=TIGHT_TOL[dtype], fit_intercept=False,
              max_iter=10000)
    ref = ElasticNet(precompute=False, **kw).fit(X, y)
    est = ElasticNet(precompute=X.T @ X, **kw).fit(X, y)
    _same_fit(est, ref, dtype, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_integer_weights_equal_repeated_rows(layout, dtype):
    X, y = _problem(layout, dtype, n=40, p=12)
    sw = np.random.default_rng(2).integers(0, 4, X.shape[0])
    rows = np.repeat(np.arange(X.shape[0]), sw)
    kw = dict(alpha=0.05, l1_ratio=0.8, tol=TIGHT_TOL[dtype], max_iter=10000,
              precompute=False)
    a = ElasticNet(**kw).fit(X, y, sample_weight=sw)
    b = ElasticNet(**kw).fit(X[rows], y[rows])
    _same_fit(a, b, dtype, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unit_and_scalar_weights_equal_none(layout, dtype):
    X, y = _problem(layout, dtype)
    kw = dict(alpha=0.05, tol=TIGHT_TOL[dtype], precompute=False)
    ref = Lasso(**kw).fit(X, y)
    _same_fit(Lasso(**kw).fit(X, y, sample_weight=np.ones(X.shape[0])), ref, dtype, y)
    _same_fit(Lasso(**kw).fit(X, y, sample_weight=2.5), ref, dtype, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_float32_close_to_float64(layout, dtype):
    X64, y64 = _problem(layout, np.float64)
    X, y = _problem(layout, dtype)
    ref = ElasticNet(alpha=0.05, tol=1e-12).fit(X64, y64)
    est = ElasticNet(alpha=0.05, tol=TIGHT_TOL[dtype], precompute=False).fit(X, y)
    assert est.coef_.dtype == dtype
    _close(est.coef_, ref.coef_, np.float32)
    assert est.predict(X).dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_warm_start_equals_cold_start(layout, dtype):
    X, y = _problem(layout, dtype)
    kw = dict(l1_ratio=0.7, tol=TIGHT_TOL[dtype], max_iter=10000, precompute=False)
    cold = ElasticNet(alpha=0.02, **kw).fit(X, y)
    warm = ElasticNet(alpha=0.1, warm_start=True, **kw).fit(X, y)
    first = warm.coef_.copy()
    warm.set_params(alpha=0.02).fit(X, y)
    assert np.any(first != warm.coef_)
    _same_fit(warm, cold, dtype, y)
    # refitting at the solution needs almost no epochs
    warm.fit(X, y)
    assert warm.n_iter_ <= 2
    _same_fit(warm, cold, dtype, y)


def test_warm_start_ignores_coef_of_another_shape():
    X, y = _problem("F")
    est = Lasso(alpha=0.05, warm_start=True).fit(X[:, :5], y)
    est.fit(X, y)
    _same_fit(est, Lasso(alpha=0.05).fit(X, y), np.float64, y)


def test_warm_start_false_restarts():
    X, y = _problem("F")
    est = Lasso(alpha=0.05, tol=1e-12).fit(X, y)
    n_cold = est.n_iter_
    est.fit(X, y)
    assert est.n_iter_ == n_cold


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("precompute", [False, True])
def test_random_selection_is_seeded_and_optimal(layout, dtype, precompute):
    X, y = _problem(layout, dtype)
    kw = dict(alpha=0.03, l1_ratio=0.5, tol=TIGHT_TOL[dtype], max_iter=10000,
              precompute=precompute)
    a = ElasticNet(selection="random", random_state=0, **kw).fit(X, y)
    b = ElasticNet(selection="random", random_state=0, **kw).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    _same_fit(a, ElasticNet(**kw).fit(X, y), dtype, y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_output_equals_one_fit_per_target(layout, dtype):
    X, y = _problem(layout, dtype)
    Y = np.c_[y, 2 * y[::-1] + 1, y ** 2].astype(dtype)
    sw = np.random.default_rng(0).uniform(0.5, 2, X.shape[0])
    kw = dict(alpha=0.05, l1_ratio=0.9, tol=TIGHT_TOL[dtype], max_iter=10000,
              precompute=False)
    multi = ElasticNet(**kw).fit(X, Y, sample_weight=sw)
    assert multi.coef_.shape == (3, X.shape[1])
    assert multi.intercept_.shape == (3,) and multi.dual_gap_.shape == (3,)
    assert len(multi.n_iter_) == 3
    for k in range(3):
        single = ElasticNet(**kw).fit(X, Y[:, k], sample_weight=sw)
        _close(multi.coef_[k], single.coef_, dtype)
        np.testing.assert_allclose(multi.intercept_[k], single.intercept_,
                                   rtol=1e-4)
    pred = multi.predict(X)
    assert pred.shape == (Y.shape[0], 3)
    np.testing.assert_allclose(
        pred, _dense(X).astype(np.float64) @ multi.coef_.T.astype(np.float64)
        + multi.intercept_, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_predict_and_sparse_coef(layout, dtype, fit_intercept):
    X, y = _problem(layout, dtype)
    est = Lasso(alpha=0.05, fit_intercept=fit_intercept, precompute=False).fit(X, y)
    expected = (_dense(X).astype(np.float64) @ est.coef_.astype(np.float64)
                + est.intercept_)
    pred = est.predict(X)
    assert pred.shape == (X.shape[0],) and pred.dtype == dtype
    np.testing.assert_allclose(pred, expected, rtol=1e-5, atol=1e-5)
    assert sp.issparse(est.sparse_coef_) and est.sparse_coef_.shape == (1, X.shape[1])
    np.testing.assert_array_equal(est.sparse_coef_.toarray()[0], est.coef_)
    assert est.n_features_in_ == X.shape[1]
    if fit_intercept:
        assert 0.0 < est.score(X, y) <= 1.0
    else:
        assert est.intercept_ == 0.0


def test_large_alpha_gives_zero_coef_and_mean_intercept():
    X, y = _problem("F")
    sw = np.random.default_rng(0).uniform(0.5, 2, X.shape[0])
    est = ElasticNet(alpha=1e6).fit(X, y, sample_weight=sw)
    assert np.all(est.coef_ == 0)
    np.testing.assert_allclose(est.intercept_, np.average(y, weights=sw))


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES)
def test_large_sparse_fit_is_optimal(dtype):
    X, y = make_regression(5000, 2000, layout="csc", density=0.01, k=50, seed=4,
                           dtype=dtype)
    tol = 1e-8 if dtype == np.float64 else 1e-4
    est = Lasso(alpha=1e-3, tol=tol).fit(X, y)
    y64 = y.astype(np.float64)
    bound = tol * np.sum((y64 - y64.mean()) ** 2) / y.shape[0]
    assert enet_dual_gap(X, y, est.coef_, 1e-3, 1.0, fit_intercept=True) <= \
        bound * 1.001


# ------------------------------------------------- caller's arrays untouched

def _as(layout, X):
    if layout == "csc":
        return sp.csc_matrix(X)
    if layout == "csr":
        return sp.csr_matrix(X)
    return np.asfortranarray(X) if layout == "F" else np.ascontiguousarray(X)


def _snapshot(X):
    if sp.issparse(X):
        return (X.format, X.data.copy(), X.indices.copy(), X.indptr.copy())
    return (X.flags.f_contiguous, X.copy())


def _assert_unchanged(X, snap):
    if sp.issparse(X):
        assert X.format == snap[0]
        np.testing.assert_array_equal(X.data, snap[1])
        np.testing.assert_array_equal(X.indices, snap[2])
        np.testing.assert_array_equal(X.indptr, snap[3])
    else:
        assert X.flags.f_contiguous == snap[0]
        np.testing.assert_array_equal(X, snap[1])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("entry", ["path", "enet", "warm"])
def test_callers_arrays_are_not_modified(layout, dtype, precompute, entry):
    X, y = _problem(layout, dtype)
    n, p = X.shape
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.5, 2, n).astype(dtype)
    pf = rng.uniform(0.5, 2, p).astype(dtype)
    coef_init = rng.standard_normal(p).astype(dtype)
    saved = [_snapshot(X), y.copy(), sw.copy(), pf.copy(), coef_init.copy()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if entry == "path":
            enet_path(X, y, alphas=4, sample_weight=sw, penalty_factor=pf,
                      coef_init=coef_init, fit_intercept=True, precompute=precompute)
            enet_path(X, y, alphas=[0.1], sample_weight=sw, penalty_factor=pf,
                      fit_intercept=False, precompute=precompute,
                      selection="random", random_state=0)
        else:
            est = ElasticNet(alpha=0.05, penalty_factor=pf, precompute=precompute,
                             warm_start=entry == "warm")
            est.fit(X, y, sample_weight=sw)
            coef = est.coef_.copy()
            est.set_params(alpha=0.01).fit(X, y, sample_weight=sw)
            if entry == "warm":
                # the previous coef_ object is not written into either
                assert np.any(coef != est.coef_)
            est.predict(X)
    _assert_unchanged(X, saved[0])
    for arr, copy in zip([y, sw, pf, coef_init], saved[1:]):
        np.testing.assert_array_equal(arr, copy)
        assert arr.dtype == dtype


def test_coef_attribute_is_not_shared_between_fits():
    X, y = _problem("F")
    est = Lasso(alpha=0.05, warm_start=True).fit(X, y)
    first = est.coef_
    kept = first.copy()
    est.set_params(alpha=0.01).fit(X, y)
    np.testing.assert_array_equal(first, kept)


# -------------------------------------------------------------- warnings

@pytest.mark.parametrize("dtype", DTYPES)
def test_convergence_warning_when_max_iter_is_tiny(layout, dtype):
    X, y = _problem(layout, dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = ElasticNet(alpha=0.005, tol=1e-10, max_iter=1,
                         precompute=False).fit(X, y)
    conv = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(conv) == 1, [str(w.message) for w in caught]
    msg = str(conv[0].message)
    assert "did not converge for 1 of 1 alphas" in msg
    assert "alpha=0.005 " in msg
    assert conv[0].filename == __file__
    assert est.n_iter_ <= 1


def test_convergence_warning_once_per_target():
    X, y = _problem("F")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ElasticNet(alpha=0.005, tol=1e-10, max_iter=1).fit(X, np.c_[y, -y])
    assert sum(issubclass(w.category, ConvergenceWarning) for w in caught) == 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("precompute", [False, True])
def test_no_warning_on_an_easy_problem(layout, dtype, precompute):
    X, y = _problem(layout, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Lasso(alpha=0.05, precompute=precompute).fit(X, y)
        ElasticNet(alpha=0.05, l1_ratio=0.3, precompute=precompute).fit(
            X, y, sample_weight=np.full(X.shape[0], 2.0))
