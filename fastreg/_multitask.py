"""Paths with a 2-D y: scikit-learn's multi-task (group) elastic net.

For each alpha the objective is scikit-learn's ``MultiTaskElasticNet``::

    1 / (2 n) * ||Y - X W^T - 1 b^T||_F^2
        + alpha * l1_ratio * sum_j ||W[:, j]||_2
        + alpha * (1 - l1_ratio) / 2 * ||W||_F^2

(W of shape (n_targets, n_features); b = 0 unless ``fit_intercept``, then X
and Y are centred).  This is what scikit-learn's ``enet_path`` and
``lasso_path`` solve for a 2-D y.  Block coordinate descent over all
features (``_multitask_fast``), warm-started along the path; an alpha is
done when an epoch's largest block change is at most ``tol`` times the
largest block (scikit-learn's rule) and the duality gap is at most
``tol * ||Y_c||_F^2 / n``.  No working sets or screening: this form exists
for drop-in fidelity, not yet for speed.
"""
import numpy as np
import scipy.sparse as sp

from . import _multitask_fast
from ._path import PathResult, geometric_grid, warn_not_converged
from ._validation import check_alphas, check_scalar_param


def _refuse(name, value, default):
    same = value is default or (isinstance(value, (str, bool)) and value == default)
    if not same:
        shown = (f"an array of shape {np.shape(value)}" if np.ndim(value) > 0
                 else repr(value))
        raise ValueError(f"{name} is not supported with a 2-D y (the multi-task "
                         f"objective), got {name}={shown}")


def gap(X, Y, W, R, l1, l2):
    """Duality gap of the kernel objective 0.5 ||R||^2 + l1 sum_j ||W_j|| +
    0.5 l2 ||W||^2 (W (p, T), R = Y - X W) at the dual point c R, with c
    the largest scaling that makes it feasible."""
    XtA = np.asarray(X.T @ R) - l2 * W
    dual_norm = np.sqrt((XtA * XtA).sum(axis=1)).max(initial=0.0)
    c = l1 / dual_norm if dual_norm > l1 else 1.0
    r2 = float((R * R).sum())
    w2 = float((W * W).sum())
    l21 = float(np.sqrt((W * W).sum(axis=1)).sum())
    return (0.5 * r2 * (1 + c * c) + l1 * l21 - c * float((R * Y).sum())
            + 0.5 * l2 * (1 + c * c) * w2)


def multitask_path(X, Y, *, l1_ratio, eps, n_alphas, alphas, tol, max_iter,
                   coef_init, fit_intercept, others):
    """The path for 2-D Y; returns a PathResult with coefs (T, p, n_alphas)
    and intercepts (T, n_alphas).  ``others``: every other path option, each
    refused unless left at its default."""
    for name, (value, default) in others.items():
        _refuse(name, value, default)
    from sklearn.utils import check_array
    X = check_array(X, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32],
                    input_name="X")
    dtype = X.dtype
    Y = check_array(Y, dtype=np.float64, input_name="y")
    n, p = X.shape
    if Y.shape[0] != n:
        raise ValueError(f"X and y must have the same number of samples, got {n} "
                         f"and {Y.shape[0]}")
    l1_ratio = check_scalar_param(l1_ratio, "l1_ratio", low=0, high=1)
    tol = check_scalar_param(tol, "tol", low=0)
    max_iter = check_scalar_param(max_iter, "max_iter", low=1, integer=True)
    grid = check_alphas(alphas, n_alphas)
    T = Y.shape[1]
    xm, ym = np.zeros(p), np.zeros(T)
    if fit_intercept:
        if sp.issparse(X):
            raise ValueError("fit_intercept=True with a 2-D y needs dense X (sparse X "
                             "would be centred densely): centre y and pass "
                             "fit_intercept=False, or pass dense X")
        xm, ym = X.mean(axis=0, dtype=np.float64), Y.mean(axis=0)
    if sp.issparse(X):
        # (the kernel needs no sorted indices: the user's X is left as it is)
        Xk = sp.csc_matrix(X, dtype=np.float64)
        norms2 = np.asarray(Xk.multiply(Xk).sum(axis=0), dtype=np.float64).ravel()

        def epoch(R, W, l1, l2):
            return _multitask_fast.epoch_sparse(Xk.data, Xk.indices, Xk.indptr, R, W,
                                                norms2, l1, l2)
    else:
        Xk = np.asfortranarray(X - xm if fit_intercept else X, dtype=np.float64)
        norms2 = (Xk * Xk).sum(axis=0)

        def epoch(R, W, l1, l2):
            return _multitask_fast.epoch_dense(Xk, R, W, norms2, l1, l2)
    Yc = Y - ym
    built = isinstance(grid, (int, np.integer))
    if built:
        if l1_ratio == 0:
            raise ValueError("l1_ratio must be > 0 to build an alpha grid; pass "
                             "alphas explicitly for l1_ratio=0")
        XtY = np.asarray(Xk.T @ Yc)
        amax = float(np.sqrt((XtY * XtY).sum(axis=1)).max()) / (n * l1_ratio)
        grid = geometric_grid(amax, grid, eps)
    W = np.zeros((p, T))
    if coef_init is not None:
        W0 = np.asarray(coef_init, dtype=np.float64)
        if W0.shape != (T, p):
            raise ValueError(f"coef_init must have shape ({T}, {p}) with a 2-D y, got "
                             f"{W0.shape}")
        W = np.ascontiguousarray(W0.T)
    R = np.asfortranarray(Yc - np.asarray(Xk @ W))
    bound = tol * float((Yc * Yc).sum())
    coefs = np.zeros((T, p, grid.size), dtype=dtype)
    gaps = np.empty(grid.size)
    n_iters = np.zeros(grid.size, dtype=int)
    converged = np.zeros(grid.size, dtype=bool)
    for k, a in enumerate(grid):
        l1, l2 = a * l1_ratio * n, a * (1 - l1_ratio) * n
        g, it = np.inf, 0
        # a built grid starts at alpha_max, where W = 0 is the solution: not
        # solved, so rounding in the products cannot leave 1e-17 entries
        epochs = 0 if (k == 0 and built and coef_init is None) else max_iter
        if epochs == 0:
            g = gap(Xk, Yc, W, R, l1, l2)
        for it in range(1, epochs + 1):
            dmax, wmax = epoch(R, W, l1, l2)
            if wmax == 0.0 or dmax <= tol * wmax or it == max_iter:
                g = gap(Xk, Yc, W, R, l1, l2)
                if g <= bound:
                    break
        n_iters[k] = it
        gaps[k] = g / n
        converged[k] = g <= bound
        coefs[:, :, k] = W.T
    intercepts = ym[:, None] - np.einsum("j,tja->ta", xm, coefs.astype(np.float64))
    res = PathResult(grid, coefs, intercepts, gaps, n_iters, converged, bound / n)
    warn_not_converged(res)
    return res
