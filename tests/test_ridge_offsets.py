"""Ridge, RidgeCV and ridge_path on columns with large offsets (mean >> spread).

Implicit centring (``X^T S X - W mu mu^T``) loses about 2 log10(mean /
spread) digits: sparse X offset by 1e8 gave coefficient errors of 40 against
a norm of 2.3, silently.  Every fit here must give the answer of the same
fit on the explicitly centred dense array, computed in float64 NumPy.
"""
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from fastreg import Ridge, RidgeCV, ridge_path

# offset per dtype: float32 cannot hold 1e8 + N(0, 1) (its ulp there is 8)
OFFSET = {np.float64: 1e8, np.float32: 1e4}
# coefficient error allowed, relative to max |w|
RTOL = {np.float64: 1e-9, np.float32: 1e-3}
# the conjugate gradient at tol=1e-12 on these ill-conditioned systems (the
# same holds without offsets)
RTOL_CG = {np.float64: 1e-7, np.float32: 1e-3}


def _data(shape, dtype, fmt, seed=0):
    """Offset columns (two of them without offset, one of them sparse-ish)."""
    n, p = shape
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    y = Z @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n) + 3.0
    offsets = OFFSET[dtype] * (1.0 + rng.random(p))
    offsets[:2] = 0.0
    Z[rng.random(n) < 0.5, 0] = 0.0                       # a sparse column
    X = (Z + offsets).astype(dtype)
    Xs = {"csc": sp.csc_matrix, "csr": sp.csr_matrix}.get(fmt, np.asarray)(X)
    return Xs, y.astype(dtype)


def _weights(n, weighted):
    if not weighted:
        return None
    sw = np.random.default_rng(1).uniform(0.2, 3.0, n)
    sw[:3] = 0.0
    return sw


def _oracle(X, y, alpha, sw=None):
    """float64 ridge with intercept on the explicitly centred dense array."""
    X = (X.toarray() if sp.issparse(X) else np.asarray(X)).astype(np.float64)
    y = np.asarray(y, dtype=np.float64)
    sw = np.ones(X.shape[0]) if sw is None else np.asarray(sw, np.float64)
    xm, ym = sw @ X / sw.sum(), sw @ y / sw.sum()
    Xc = X - xm
    A = Xc.T @ (sw[:, None] * Xc) + alpha * np.eye(X.shape[1])
    w = scipy.linalg.solve(A, Xc.T @ (sw * (y - ym)), assume_a="pos")
    return w, ym - xm @ w, xm


def _check(coef, intercept, reference, dtype, rtol=RTOL):
    w, b, xm = reference
    scale = np.abs(w).max()
    np.testing.assert_allclose(np.asarray(coef, np.float64), w, rtol=0,
                               atol=rtol[dtype] * scale)
    # b = ym - xm @ w: its error is that of w times the offsets
    np.testing.assert_allclose(float(intercept), b, rtol=0,
                               atol=rtol[dtype] * (1 + np.abs(xm) @ np.abs(w)))


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(80, 10), (12, 40)])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_sparse_offsets_match_dense_centred(fmt, dtype, shape, weighted):
    X, y = _data(shape, dtype, fmt)
    sw = _weights(shape[0], weighted)
    for alpha in (1e-2, 1.0, 30.0):
        ref = _oracle(X, y, alpha, sw)
        m = Ridge(alpha=alpha).fit(X, y, sample_weight=sw)
        assert m.coef_.dtype == dtype
        _check(m.coef_, m.intercept_, ref, dtype)
        m = Ridge(alpha=alpha, solver="cg", tol=1e-12, max_iter=5000).fit(
            X, y, sample_weight=sw)
        _check(m.coef_, m.intercept_, ref, dtype, RTOL_CG)


@pytest.mark.parametrize("layout", ["F", "C"])
@pytest.mark.parametrize("shape", [(80, 10), (12, 40)])
def test_ridge_dense_offsets_both_forms_and_cg(layout, shape):
    # the dual (kernel) form and the conjugate gradient centred implicitly too
    X, y = _data(shape, np.float64, layout)
    X = np.asfortranarray(X) if layout == "F" else np.ascontiguousarray(X)
    sw = _weights(shape[0], True)
    ref = _oracle(X, y, 0.5, sw)
    for solver, rtol in (("cholesky", RTOL), ("cg", RTOL_CG)):
        m = Ridge(alpha=0.5, solver=solver, tol=1e-12, max_iter=5000).fit(
            X, y, sample_weight=sw)
        _check(m.coef_, m.intercept_, ref, np.float64, rtol)


@pytest.mark.parametrize("fmt", ["csc", "csr", "F"])
@pytest.mark.parametrize("shape", [(60, 8), (15, 30)])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridgecv_offsets_match_dense_centred(fmt, shape, weighted):
    X, y = _data(shape, np.float64, fmt, seed=3)
    sw = _weights(shape[0], weighted)
    Xd = X.toarray() if sp.issparse(X) else X
    xm = np.average(Xd, axis=0, weights=sw)
    alphas = np.logspace(-3, 3, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # nothing to warn about here
        m = RidgeCV(alphas=alphas).fit(X, y, sample_weight=sw)
    c = RidgeCV(alphas=alphas).fit(Xd - xm, y, sample_weight=sw)
    assert m.alpha_ == c.alpha_
    # the leave-one-out residuals too (they were off by 2e-8 for dense X)
    np.testing.assert_allclose(m.best_score_, c.best_score_, rtol=1e-12)
    np.testing.assert_allclose(m.coef_, c.coef_, rtol=0,
                               atol=1e-12 * np.abs(c.coef_).max())
    b = c.intercept_ - xm @ c.coef_
    np.testing.assert_allclose(m.intercept_, b, rtol=0,
                               atol=1e-12 * (1 + np.abs(xm) @ np.abs(c.coef_)))
    _check(m.coef_, m.intercept_, _oracle(X, y, m.alpha_, sw), np.float64)


@pytest.mark.parametrize("fmt", ["csc", "csr", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(60, 8), (15, 30)])
def test_ridge_path_offsets_match_dense_centred(fmt, dtype, shape):
    X, y = _data(shape, dtype, fmt, seed=4)
    sw = _weights(shape[0], True)
    alphas = [30.0, 1.0, 1e-2]
    a, coefs, icpts = ridge_path(X, y, alphas, sample_weight=sw,
                                 fit_intercept=True, return_intercept=True)
    assert coefs.dtype == dtype
    for i, alpha in enumerate(alphas):
        _check(coefs[:, i], icpts[i], _oracle(X, y, alpha, sw), dtype)


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_centre_offset_columns(fmt, dtype):
    from fastreg._ridge import centre_offset_columns
    X, _ = _data((50, 6), dtype, fmt)
    before = X.copy()
    sw = _weights(50, True)
    X_new, shift = centre_offset_columns(X, sw)
    assert X_new.format == fmt and X_new.dtype == dtype
    assert (X != before).nnz == 0                         # X untouched
    Xd = X.toarray().astype(np.float64)
    mean = sw @ Xd / sw.sum()
    # the offset columns are centred (every row stored), the others kept
    np.testing.assert_array_equal(shift[:2], 0.0)
    np.testing.assert_allclose(shift[2:], mean[2:], rtol=1e-12)
    np.testing.assert_allclose(X_new.toarray(), Xd - shift,
                               atol=10 * np.finfo(dtype).eps * OFFSET[dtype])
    assert X_new[:, 2:].nnz == 50 * 4
    assert (X_new[:, :2] != X[:, :2]).nnz == 0
    # nothing to centre: X itself, no copy
    Z = sp.random(40, 5, density=0.3, format=fmt, random_state=0, dtype=dtype)
    Z_new, shift = centre_offset_columns(Z, None)
    assert Z_new is Z and not shift.any()


def test_centre_offset_columns_keeps_wide_index_types():
    """Index arrays of different types (int32 indices, int64 indptr) are
    read at the wider type, never cast down."""
    from fastreg._ridge import centre_offset_columns
    rng = np.random.default_rng(0)
    X = sp.csc_matrix(rng.standard_normal((30, 4)) + 1e8)
    X.indptr = X.indptr.astype(np.int64)
    Xn, shift = centre_offset_columns(X, None)
    np.testing.assert_allclose(shift, np.asarray(X.mean(axis=0)).ravel(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(Xn.mean(axis=0)).ravel(), 0.0, atol=1e-6)
