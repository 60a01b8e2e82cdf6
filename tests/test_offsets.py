"""Columns with large offsets (mean >> spread): every estimator gives the
answer it gives on the explicitly centred data, dense or sparse.

Implicit centring (through the column means) multiplies rounding errors by
the offset ratio; sparse X used to give objectives 1e9-1e89 above the
optimum here (the Ridge family: tests/test_ridge_offsets.py).
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from fastreg import (ElasticNet, ElasticNetCV, Lasso, LassoCV, LassoIC, LassoPath,
                     enet_path, lasso_path)

OFFSET = 1e8


def _data(seed=0, n=60, p=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n) + 3.0
    shift = OFFSET * (1.0 + rng.random(p))
    shift[::4] = 0.0                      # some columns keep no offset
    return X, y, shift


def _objective(X, y, w, b, alpha, l1_ratio, sw=None):
    """The elastic-net objective on the given (uncentred) data, in float64."""
    sw = np.ones(len(y)) if sw is None else sw
    Xw = X @ w if not sp.issparse(X) else X @ w
    r = y - Xw - b
    return (0.5 * np.sum(sw * r ** 2) / np.sum(sw) + alpha * l1_ratio * np.abs(w).sum()
            + 0.5 * alpha * (1 - l1_ratio) * (w @ w))


def _as(layout, Xo):
    return {"F": np.asfortranarray(Xo), "csc": sp.csc_matrix(Xo),
            "csr": sp.csr_matrix(Xo)}[layout]


@pytest.mark.parametrize("layout", ["F", "csc", "csr"])
@pytest.mark.parametrize("weighted", [False, True])
def test_offset_paths_equal_centred_paths(layout, weighted):
    X, y, shift = _data()
    sw = np.random.default_rng(1).uniform(0, 2, len(y)) if weighted else None
    Xo = X + shift
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        alphas, coefs, _, b = enet_path(_as(layout, Xo), y, l1_ratio=0.7,
                                        fit_intercept=True, sample_weight=sw,
                                        n_alphas=20, tol=1e-8,
                                        return_intercept=True)
        _, ref, _, rb = enet_path(X, y, l1_ratio=0.7, fit_intercept=True,
                                  sample_weight=sw, alphas=alphas, tol=1e-10,
                                  return_intercept=True)
    for k, a in enumerate(alphas):
        # the reference's intercept, in the offset coordinates
        best = _objective(X, y, ref[:, k], rb[k], a, 0.7, sw)
        got = _objective(X, y, coefs[:, k], b[k] + shift @ coefs[:, k], a, 0.7, sw)
        assert got - best <= 1e-6 * abs(best) + 1e-12, (k, got, best)


@pytest.mark.parametrize("layout", ["F", "csc", "csr"])
def test_offset_float32_path(layout):
    X, y, shift = _data(2)
    Xo = (X + shift).astype(np.float32)
    # the float32 data itself: offsets of 1e8 leave steps of 8, so most of
    # these columns vary in their last bits only, some are constant
    X32 = Xo.astype(np.float64)
    alphas, coefs, _, b = lasso_path(_as(layout, Xo), y.astype(np.float32),
                                     fit_intercept=True, n_alphas=10,
                                     return_intercept=True)
    mu = X32.mean(axis=0)
    _, ref, _, rb = lasso_path(X32 - mu, y, fit_intercept=True, alphas=alphas,
                               tol=1e-10, return_intercept=True)
    for k, a in enumerate(alphas):
        best = _objective(X32 - mu, y, ref[:, k], rb[k], a, 1.0)
        got = _objective(X32 - mu, y, coefs[:, k].astype(np.float64),
                         b[k] + mu @ coefs[:, k], a, 1.0)
        assert got - best <= 1e-3 * abs(best), (k, got, best)


@pytest.mark.parametrize("layout", ["F", "csc", "csr"])
@pytest.mark.parametrize("make", [
    lambda: Lasso(alpha=0.05, tol=1e-8),
    lambda: ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-8),
    lambda: LassoCV(cv=3, n_alphas=20, tol=1e-8),
    lambda: ElasticNetCV(l1_ratio=[0.5, 1.0], cv=3, n_alphas=20, tol=1e-8),
    lambda: LassoIC(criterion="bic", tol=1e-8),
    lambda: LassoPath(n_alphas=20, tol=1e-8),
], ids=["Lasso", "ElasticNet", "LassoCV", "ElasticNetCV", "LassoIC", "LassoPath"])
def test_offset_estimators_predict_as_centred(layout, make):
    X, y, shift = _data(3, n=80)
    Xo = X + shift
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = make().fit(_as(layout, Xo), y)
        ref = make().fit(X, y)
    # the same model: predictions on the offset data, the same coefficients
    np.testing.assert_allclose(est.predict(_as(layout, Xo)), ref.predict(X),
                               rtol=1e-5, atol=1e-5)
    coef = est.coef_ if not isinstance(est, LassoPath) else est.coef_path_
    ref_coef = ref.coef_ if not isinstance(est, LassoPath) else ref.coef_path_
    np.testing.assert_allclose(coef, ref_coef, rtol=1e-5, atol=1e-6)
