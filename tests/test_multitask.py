"""Paths with a 2-D y: scikit-learn's multi-task (group) elastic net.

Checked against an independent NumPy KKT oracle, then against
scikit-learn's ``enet_path`` / ``MultiTaskElasticNet`` at tight tolerance.
"""
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sklm

from fastreg import enet_path, lasso_path


def _data(n=60, p=25, T=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = rng.standard_normal((p, T)) * (rng.random((p, 1)) < 0.3)
    return X, X @ W + 0.3 * rng.standard_normal((n, T))


def _kkt_violation(X, Y, W, alpha, l1_ratio):
    """Largest violation of the multi-task elastic net's optimality
    conditions at W (T, p), relative to alpha * l1_ratio."""
    n = X.shape[0]
    G = X.T @ (Y - X @ W.T) / n - alpha * (1 - l1_ratio) * W.T     # (p, T)
    l1 = alpha * l1_ratio
    worst = 0.0
    for j in range(X.shape[1]):
        wj = W[:, j]
        nw = np.linalg.norm(wj)
        if nw == 0:
            worst = max(worst, np.linalg.norm(G[j]) - l1)
        else:
            worst = max(worst, np.linalg.norm(G[j] - l1 * wj / nw))
    return worst / l1


@pytest.mark.parametrize("layout", ["dense", "csr", "csc"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_satisfies_kkt_and_matches_scikit_learn(layout, l1_ratio):
    X, Y = _data()
    Xl = X if layout == "dense" else getattr(sp, f"{layout}_matrix")(X)
    alphas, coefs, gaps = enet_path(Xl, Y, l1_ratio=l1_ratio, n_alphas=20, tol=1e-12)
    assert coefs.shape == (3, 25, 20) and gaps.shape == (20,)
    # the grid starts at the smallest alpha whose solution is 0
    assert np.all(coefs[:, :, 0] == 0) and np.any(coefs[:, :, 1] != 0)
    for k in range(20):
        assert _kkt_violation(X, Y, coefs[:, :, k], alphas[k], l1_ratio) < 1e-5
    a2, c2, _ = sklm.enet_path(X, Y, l1_ratio=l1_ratio, n_alphas=20, tol=1e-12)
    np.testing.assert_allclose(alphas, a2, rtol=1e-12)
    np.testing.assert_allclose(coefs, c2, atol=1e-8)


def test_intercept_matches_multitask_elastic_net():
    X, Y = _data(seed=1)
    X, Y = X + 3.0, Y - 2.0
    alphas, coefs, _, icpt = enet_path(X, Y, l1_ratio=0.6, n_alphas=10, tol=1e-12,
                                       fit_intercept=True, return_intercept=True)
    m = sklm.MultiTaskElasticNet(alpha=alphas[6], l1_ratio=0.6, tol=1e-12,
                                 max_iter=100_000).fit(X, Y)
    np.testing.assert_allclose(coefs[:, :, 6], m.coef_, atol=1e-8)
    np.testing.assert_allclose(icpt[:, 6], m.intercept_, atol=1e-8)


def test_gap_is_certified_at_tol():
    X, Y = _data(seed=2)
    tol = 1e-6
    alphas, coefs, gaps = lasso_path(X, Y, n_alphas=15, tol=tol)
    bound = tol * float((Y * Y).sum()) / X.shape[0]
    assert np.all(gaps <= bound)


@pytest.mark.parametrize("option, value", [
    ("positive", True), ("sample_weight", np.ones(60)), ("penalty_factor", np.ones(25)),
    ("precompute", True), ("lower_bounds", 0.0), ("selection", "random")])
def test_options_of_the_1d_form_are_refused(option, value):
    X, Y = _data()
    with pytest.raises(ValueError, match=f"{option} is not supported with a 2-D y"):
        enet_path(X, Y, **{option: value})


def test_sparse_with_intercept_is_refused():
    X, Y = _data()
    with pytest.raises(ValueError, match="fit_intercept=True with a 2-D y needs dense X"):
        enet_path(sp.csc_matrix(X), Y, fit_intercept=True)


def test_out_of_epochs_warns():
    from sklearn.exceptions import ConvergenceWarning
    X, Y = _data(seed=3)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        lasso_path(X, Y, n_alphas=5, eps=1e-4, tol=1e-14, max_iter=2)


def test_sparse_x_is_not_modified():
    X, Y = _data(seed=4)
    Xs = sp.csc_matrix(X)
    # unsorted row indices, read-only arrays: the path must leave them alone
    perm = np.arange(Xs.nnz)
    for j in range(Xs.shape[1]):
        a, b = Xs.indptr[j], Xs.indptr[j + 1]
        perm[a:b] = perm[a:b][::-1]
    Xs = sp.csc_matrix((Xs.data[perm], Xs.indices[perm], Xs.indptr), shape=Xs.shape)
    copies = [a.copy() for a in (Xs.data, Xs.indices, Xs.indptr)]
    for a in (Xs.data, Xs.indices, Xs.indptr):
        a.flags.writeable = False
    _, coefs, _ = lasso_path(Xs, Y, n_alphas=5, tol=1e-10)
    for a, c in zip((Xs.data, Xs.indices, Xs.indptr), copies):
        np.testing.assert_array_equal(a, c)
    np.testing.assert_allclose(coefs, lasso_path(X, Y, n_alphas=5, tol=1e-10)[1],
                               atol=1e-8)
