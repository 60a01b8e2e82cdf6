"""Agreement with scikit-learn, and scikit-learn's estimator contract.

Both libraries solve the same objective (``1/(2n)||y - Xw - b||^2 + alpha *
l1_ratio ||w||_1 + alpha (1 - l1_ratio)/2 ||w||^2``, with sample weights
normalised to sum to n), so at a tight tol their solutions agree.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sklm
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastreg import ElasticNet, Lasso, enet_path, lasso_path

from datasets import make_regression

DTYPES = [np.float64, np.float32]
TOL = {np.float64: 1e-10, np.float32: 1e-6}
# (rtol, atol relative to max |coef|): a relative gap of tol bounds each
# solution's error by about sqrt(tol)
AGREE = {np.float64: (1e-4, 2e-5), np.float32: (1e-2, 3e-3)}


def _problem(layout="F", dtype=np.float64, n=60, p=20, seed=2):
    density = 0.4 if layout in ("csc", "csr") else None
    return make_regression(n, p, layout=layout, dtype=dtype, density=density,
                           seed=seed, intercept=1.5)


def _close(actual, desired, dtype):
    rtol, atol = AGREE[dtype]
    desired = np.asarray(desired, dtype=np.float64)
    ref = max(np.max(np.abs(desired)), 1e-12)
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), desired,
                               rtol=rtol, atol=atol * ref)


def _quiet_sklearn(func, *args, **kwargs):
    """scikit-learn's float32 solver may not reach a tight tol: its warning is
    its own business, not the comparison's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return func(*args, **kwargs)


# ------------------------------------------------------------------ paths

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("positive", [False, True])
def test_enet_path_matches_sklearn(layout, dtype, l1_ratio, positive):
    X, y = _problem(layout, dtype)
    tol = TOL[dtype]
    kw = dict(l1_ratio=l1_ratio, positive=positive, tol=tol, max_iter=100000)
    # the same grid, built by each library from alpha_max
    a_sk, c_sk, _ = _quiet_sklearn(sklm.enet_path, X, y, alphas=6, eps=1e-2, **kw)
    a, c, _ = enet_path(X, y, alphas=6, eps=1e-2, precompute=False, **kw)
    np.testing.assert_allclose(a, a_sk, rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert c.dtype == c_sk.dtype == dtype
    _close(c, c_sk, dtype)
    # an explicit grid, and the Gram form
    alphas = a_sk[[1, 3, 5]]
    _, c_sk, _ = _quiet_sklearn(sklm.enet_path, X, y, alphas=alphas, **kw)
    _, c, _ = enet_path(X, y, alphas=alphas, precompute=True, **kw)
    _close(c, c_sk, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lasso_path_matches_sklearn(layout, dtype):
    X, y = _problem(layout, dtype)
    kw = dict(tol=TOL[dtype], max_iter=100000)
    a_sk, c_sk, g_sk = _quiet_sklearn(sklm.lasso_path, X, y, alphas=8, eps=1e-3, **kw)
    a, c, g = lasso_path(X, y, alphas=8, eps=1e-3, precompute=False, **kw)
    np.testing.assert_allclose(a, a_sk, rtol=1e-5 if dtype == np.float32 else 1e-12)
    _close(c, c_sk, dtype)
    # the support is the same wherever scikit-learn's coefficient is not tiny
    big = np.abs(c_sk) > 1e-3 * np.abs(c_sk).max()
    assert np.all(c[big] != 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_coef_init_matches_sklearn(dtype):
    X, y = _problem("F", dtype)
    w0 = np.random.default_rng(0).standard_normal(X.shape[1]).astype(dtype)
    kw = dict(l1_ratio=0.5, alphas=[0.05], tol=TOL[dtype], max_iter=100000)
    _, c_sk, _ = _quiet_sklearn(sklm.enet_path, X, y, coef_init=w0, **kw)
    _, c, _ = enet_path(X, y, coef_init=w0, precompute=False, **kw)
    _close(c, c_sk, dtype)


# ------------------------------------------------------------- estimators

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_estimators_match_sklearn(layout, dtype, fit_intercept, weighted, l1_ratio):
    X, y = _problem(layout, dtype)
    sw = (np.random.default_rng(1).uniform(0.2, 3.0, X.shape[0]).astype(dtype)
          if weighted else None)
    kw = dict(alpha=0.03, fit_intercept=fit_intercept, tol=TOL[dtype],
              max_iter=100000)
    # precompute=False: the kernel of X's layout ('auto' would pick the Gram
    # form for these tall problems; it is compared below)
    if l1_ratio == 1.0:
        ours, theirs = Lasso(precompute=False, **kw), sklm.Lasso(**kw)
    else:
        ours = ElasticNet(l1_ratio=l1_ratio, precompute=False, **kw)
        theirs = sklm.ElasticNet(l1_ratio=l1_ratio, **kw)
    _quiet_sklearn(theirs.fit, X, y, sample_weight=sw)
    ours.fit(X, y, sample_weight=sw)
    _close(ours.coef_, theirs.coef_, dtype)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_,
                               rtol=AGREE[dtype][0],
                               atol=AGREE[dtype][1] * np.abs(y).max())
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X),
                               rtol=AGREE[dtype][0], atol=AGREE[dtype][1] * 10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_positive_and_precompute_match_sklearn(dtype):
    X, y = _problem("F", dtype, n=100, p=15)
    kw = dict(alpha=0.01, l1_ratio=0.7, positive=True, tol=TOL[dtype],
              max_iter=100000)
    theirs = _quiet_sklearn(sklm.ElasticNet(precompute=True, **kw).fit, X, y)
    for pre in (False, True):
        ours = ElasticNet(precompute=pre, **kw).fit(X, y)
        _close(ours.coef_, theirs.coef_, dtype)
        assert np.all(ours.coef_ >= 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_multi_output_matches_sklearn(dtype):
    X, y = _problem("F", dtype)
    Y = np.c_[y, -2 * y + 0.5].astype(dtype)
    kw = dict(alpha=0.05, l1_ratio=0.8, tol=TOL[dtype], max_iter=100000)
    theirs = _quiet_sklearn(sklm.ElasticNet(**kw).fit, X, Y)
    ours = ElasticNet(**kw).fit(X, Y)
    assert ours.coef_.shape == theirs.coef_.shape
    _close(ours.coef_, theirs.coef_, dtype)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-3)


def test_same_public_parameters_as_sklearn():
    for ours, theirs in [(Lasso(), sklm.Lasso()), (ElasticNet(), sklm.ElasticNet())]:
        extra = set(ours.get_params()) - set(theirs.get_params())
        missing = set(theirs.get_params()) - set(ours.get_params())
        assert extra == {"penalty_factor", "lower_bounds", "upper_bounds"}
        assert missing == set()
        for name, value in theirs.get_params().items():
            if name == "precompute":
                # a documented difference: 'auto' picks the Gram form when
                # n_samples > 2 n_features (scikit-learn's default is False)
                assert ours.get_params()[name] == "auto"
                continue
            assert ours.get_params()[name] == value, name


# ------------------------------------------------------- estimator contract

def _expected_failed_checks(estimator):
    """Checks of scikit-learn's contract that fail, each with the reason.

    Empty: every check passes.  A failure is added here only with a written
    reason, never by skipping a check.
    """
    return {}


@parametrize_with_checks(
    [Lasso(), ElasticNet(), ElasticNet(l1_ratio=0.2, precompute=True),
     Lasso(selection="random", random_state=0, positive=True)],
    expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
