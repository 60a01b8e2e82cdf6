"""Problem generators shared by the tests."""
import numpy as np
import scipy.sparse as sp


def make_regression(n=120, p=40, *, density=None, k=6, seed=0, dtype=np.float64,
                    layout="F", intercept=0.0):
    """A small regression problem: dense (layout 'F' or 'C') or sparse."""
    rng = np.random.default_rng(seed)
    if density is None:
        X = rng.standard_normal((n, p))
    else:
        X = sp.random(n, p, density=density, random_state=seed, format="csc",
                      data_rvs=lambda m: rng.uniform(0.1, 1.1, m)).toarray()
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    y = X @ w + intercept + 0.1 * rng.standard_normal(n)
    X = X.astype(dtype)
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "C":
        X = np.ascontiguousarray(X)
    elif layout == "csc":
        X = sp.csc_matrix(X)
    elif layout == "csr":
        X = sp.csr_matrix(X)
    return X, y.astype(dtype)


def reference_coefs(X, y, alphas, *, l1_ratio=1.0, fit_intercept=False,
                    sample_weight=None, penalty_factor=None, positive=False):
    """The same path solved in float64 far below any tested tol, then polished.

    Its residuals give the oracle (``enet_dual_gap(..., dual_coef=...)``)
    near-optimal dual points: any feasible dual point bounds the optimum from
    below, so the oracle's gap with them still bounds the suboptimality of
    the solution under test, whatever dual point the solver certified with.
    A residual's dual gap shrinks only like the square root of its
    suboptimality on ill-conditioned problems, so each solution is polished:
    on its support, with its signs, the optimality conditions are linear
    equations, solved here in NumPy.  The polished point is kept when the
    signs hold.
    """
    from fastreg._path import compute_path
    X64 = X.toarray() if sp.issparse(X) else np.asarray(X)
    X64 = X64.astype(np.float64)
    y64 = np.asarray(y, dtype=np.float64)
    n, p = X64.shape
    res = compute_path(X64, y64, alphas=alphas, tol=1e-12, max_iter=100_000,
                       warn=False, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                       sample_weight=sample_weight, penalty_factor=penalty_factor,
                       positive=positive)
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    if fit_intercept:
        X64 = X64 - np.average(X64, axis=0, weights=sw)
        y64 = y64 - np.average(y64, weights=sw)
    coefs = res.coefs.astype(np.float64)
    for i, alpha in enumerate(res.alphas):
        w = coefs[:, i]
        S = np.flatnonzero(w)
        if S.size == 0:
            continue
        s = np.sign(w[S])
        XS = X64[:, S]
        W = sw.sum()
        l1 = alpha * l1_ratio * W * pf[S]
        l2 = alpha * (1 - l1_ratio) * W * pf[S]
        H = XS.T @ (sw[:, None] * XS) + np.diag(l2)
        wS = np.linalg.lstsq(H, XS.T @ (sw * y64) - l1 * s, rcond=None)[0]
        keep = (np.sign(wS) == s) | (pf[S] <= 0)
        if np.all(keep):
            coefs[S, i] = wS
    return coefs
