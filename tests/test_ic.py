"""LassoIC / ElasticNetIC: AIC and BIC along a coordinate-descent path."""
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LassoLarsIC, lars_path
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastreg import ElasticNetIC, LassoIC

from datasets import make_regression

TIGHT = dict(tol=1e-14, max_iter=100_000)


@pytest.mark.parametrize("criterion", ["aic", "bic"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_lasso_lars_ic(criterion, fit_intercept):
    """Between LARS knots both paths are the same piecewise-linear lasso path,
    so the criterion is LassoLarsIC's formula on the LARS coefficients.  At a
    knot a coefficient is just 0, and df may differ by one (K in the
    criterion)."""
    X, y = make_regression(n=120, p=15, k=5, seed=3, intercept=1.0)
    n = X.shape[0]
    lars = LassoLarsIC(criterion=criterion, fit_intercept=fit_intercept).fit(X, y)
    K = 2.0 if criterion == "aic" else np.log(n)
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    knots, _, lcoefs = lars_path(Xc, yc, method="lasso")
    assert np.allclose(knots, lars.alphas_)
    pos = knots > 0
    mids = np.sqrt(knots[pos][:-1] * knots[pos][1:])
    ours = LassoIC(criterion=criterion, alphas=mids, fit_intercept=fit_intercept,
                   **TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.noise_variance_, lars.noise_variance_, rtol=1e-10)
    # the LARS path is linear in alpha between knots
    ref = np.array([np.interp(a, knots[::-1], c[::-1]) for a in mids
                    for c in lcoefs]).reshape(mids.size, -1).T
    rss = np.sum((yc[:, None] - Xc @ ref) ** 2, axis=0)
    crit = (n * np.log(2 * np.pi * lars.noise_variance_) + rss / lars.noise_variance_
            + K * np.count_nonzero(np.abs(ref) > 1e-12, axis=0))
    np.testing.assert_allclose(ours.criterion_, crit, rtol=1e-8)
    np.testing.assert_allclose(ours.coef_path_, ref, atol=1e-7)
    # on the knots themselves: equal up to one degree of freedom
    at_knots = LassoIC(criterion=criterion, alphas=knots[pos],
                       fit_intercept=fit_intercept, **TIGHT).fit(X, y)
    diff = np.abs(at_knots.criterion_ - lars.criterion_[pos])
    assert np.all((diff < 1e-6) | (np.abs(diff - K) < 1e-6))


def test_given_noise_variance_and_sparse_input(layout):
    X, y = make_regression(n=60, p=20, k=4, seed=4, layout=layout,
                           density=0.4 if "cs" in layout else None)
    a = LassoIC(criterion="bic", noise_variance=0.01, alphas=20).fit(X, y)
    assert a.noise_variance_ == 0.01
    Xd = X.toarray() if hasattr(X, "toarray") else X
    b = LassoIC(criterion="bic", noise_variance=0.01, alphas=20).fit(Xd, y)
    np.testing.assert_allclose(a.criterion_, b.criterion_, rtol=1e-8)
    assert a.alpha_ == b.alpha_


def test_enet_degrees_of_freedom_formula():
    X, y = make_regression(n=80, p=12, k=4, seed=5)
    model = ElasticNetIC(l1_ratio=0.4, alphas=8, fit_intercept=True, tol=1e-12).fit(X, y)
    Xc = X - X.mean(axis=0)
    n = X.shape[0]
    for k, a in enumerate(model.alphas_):
        A = np.flatnonzero(model.coef_path_[:, k])
        if A.size == 0:
            assert model.df_[k] == 0
            continue
        XA = Xc[:, A]
        H = XA @ np.linalg.solve(XA.T @ XA + n * a * 0.6 * np.eye(A.size), XA.T)
        np.testing.assert_allclose(model.df_[k], np.trace(H), rtol=1e-10)
        assert model.df_[k] < A.size


def test_elastic_net_ic_at_l1_ratio_one_is_lasso_ic():
    X, y = make_regression(n=80, p=12, k=4, seed=6)
    a = ElasticNetIC(l1_ratio=1.0, alphas=15).fit(X, y)
    b = LassoIC(alphas=15).fit(X, y)
    np.testing.assert_array_equal(a.criterion_, b.criterion_)
    np.testing.assert_array_equal(a.df_, np.count_nonzero(a.coef_path_, axis=0))


def test_prediction_uses_chosen_alpha():
    X, y = make_regression(n=80, p=12, k=4, seed=7)
    m = LassoIC(criterion="aic", alphas=15).fit(X, y)
    k = int(np.argmin(m.criterion_))
    np.testing.assert_allclose(m.predict(X), X @ m.coef_path_[:, k] + m.intercept_)


@pytest.mark.parametrize("params, match", [
    (dict(criterion="cp"), r"criterion must be one of \['aic', 'bic'\], got 'cp'"),
    (dict(noise_variance=0.0), r"noise_variance must be > 0, got 0.0"),
    (dict(alphas=[-1.0]), r"alphas must be >= 0"),
    (dict(tol=-1.0), r"tol must be >= 0, got -1.0"),
])
def test_bad_input(params, match):
    X, y = make_regression(n=50, p=10)
    with pytest.raises(ValueError, match=match):
        LassoIC(**params).fit(X, y)


def test_bad_l1_ratio_and_wide_data_without_noise_variance():
    X, y = make_regression(n=50, p=10)
    with pytest.raises(ValueError, match=r"l1_ratio must be in \(0, 1\], got 0.0"):
        ElasticNetIC(l1_ratio=0.0).fit(X, y)
    Xw, yw = make_regression(n=20, p=30)
    with pytest.raises(ValueError, match="noise_variance must be given when "
                                         "n_samples <= n_features"):
        LassoIC().fit(Xw, yw)
    LassoIC(noise_variance=1.0).fit(Xw, yw)


@parametrize_with_checks([LassoIC(), ElasticNetIC(criterion="bic")])
def test_sklearn_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)
