"""Plain-NumPy objectives, duality gap and KKT residual of the elastic net.

These functions are the oracle: they recompute everything in float64 from
X, y and the coefficients, independently of the compiled kernels.  The
objective they pin (scikit-learn's)::

    1/(2 W) sum_i sw_i (y_i - x_i w - b)^2
        + alpha * l1_ratio * sum_j pf_j |w_j|
        + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

with W = sum(sw) (sw = 1 and W = n_samples without weights) and
pf_j = 1 without penalty factors.
"""
import numpy as np
import scipy.sparse as sp


class _Centred:
    """X - 1 mu^T as an operator, without densifying sparse X."""

    def __init__(self, X, mu):
        self.X, self.mu = X, mu

    def dot(self, w):
        return np.asarray(self.X @ w).ravel() - float(self.mu @ w)

    def tdot(self, v):
        return np.asarray(self.X.T @ v).ravel() - self.mu * float(np.sum(v))

    def columns(self, idx):
        cols = self.X[:, idx]
        cols = cols.toarray() if sp.issparse(cols) else np.asarray(cols)
        return cols - self.mu[idx]


def _prepare(X, y, sample_weight, penalty_factor, fit_intercept):
    X = X.astype(np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, p = X.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    mu = np.zeros(p)
    if fit_intercept:
        mu = np.asarray(X.T @ sw).ravel() / sw.sum()
        y = y - np.average(y, weights=sw)
    return _Centred(X, mu), y, sw, pf


def enet_objective(X, y, coef, alpha, l1_ratio=1.0, *, intercept=0.0,
                   sample_weight=None, penalty_factor=None):
    """Primal objective at (coef, intercept)."""
    X, y, sw, pf = _prepare(X, y, sample_weight, penalty_factor, False)
    w = np.asarray(coef, dtype=np.float64)
    r = y - X.dot(w) - intercept
    return (0.5 * np.sum(sw * r ** 2) / sw.sum()
            + alpha * l1_ratio * np.sum(pf * np.abs(w))
            + 0.5 * alpha * (1 - l1_ratio) * np.sum(pf * w ** 2))


def enet_dual_gap(X, y, coef, alpha, l1_ratio=1.0, *, fit_intercept=False,
                  sample_weight=None, penalty_factor=None, positive=False):
    """Duality gap of the objective above, at the best intercept for coef.

    The dual point is the weighted residual scaled into the dual feasible set
    in two ways (the augmented-lasso point of scikit-learn, and the plain
    residual with the elastic net's conjugate); the larger dual value is
    used.  Features with pf_j = 0 need x_j^T S theta = 0: their weighted
    least-squares fit is removed from the residual before it is scaled.
    """
    X, y, sw, pf = _prepare(X, y, sample_weight, penalty_factor, fit_intercept)
    W = sw.sum()
    w = np.asarray(coef, dtype=np.float64)
    l1 = alpha * l1_ratio * pf
    l2 = alpha * (1 - l1_ratio) * pf
    r_primal = y - X.dot(w)
    primal = (0.5 * np.sum(sw * r_primal ** 2) / W + np.sum(l1 * np.abs(w))
              + 0.5 * np.sum(l2 * w ** 2))
    r = r_primal
    free = pf <= 0
    # with positive, an unpenalised feature at its bound w_j = 0 needs only
    # x_j^T S theta <= 0: it is checked below, not projected out
    at_bound = free & (w == 0) if positive else np.zeros_like(free)
    free = free & ~at_bound
    if np.any(free):
        s = np.sqrt(sw)
        Xf = X.columns(np.flatnonzero(free))
        beta = np.linalg.lstsq(s[:, None] * Xf, s * r, rcond=None)[0]
        r = r - Xf @ beta
    u = X.tdot(sw * r) / W          # correlations of the dual point, user scale
    A = np.sum(sw * r * y) / W
    B = np.sum(sw * r * r) / W
    pen = ~free

    def feasible_scale(v, lasso_only):
        mask = (pen & (l2 == 0) if lasso_only else pen) | at_bound
        t = v[mask] if positive else np.abs(v[mask])
        lim = l1[mask]
        if np.any((lim == 0) & (t > 0)):
            return 0.0
        ok = lim > 0
        ratio = np.max(t[ok] / lim[ok], initial=0.0)
        return np.inf if ratio == 0 else 1.0 / ratio

    # augmented-lasso dual point
    v = u - l2 * w
    Q = B + np.sum(l2 * w ** 2)
    c = A / Q if Q > 0 else 1.0
    c = min(max(c, 0.0), feasible_scale(v, False))
    dual = c * A - 0.5 * c * c * Q
    # conjugate dual point (finite only where l2 > 0 or c keeps lasso coords feasible)
    if np.any(l2 > 0):
        c = min(1.0, feasible_scale(u, True))
        t = c * u if positive else c * np.abs(u)
        m = pen & (l2 > 0)
        excess = np.maximum(t[m] - l1[m], 0.0)
        dual = max(dual, c * A - 0.5 * c * c * B - np.sum(excess ** 2 / (2 * l2[m])))
    return primal - dual


def enet_kkt_violation(X, y, coef, alpha, l1_ratio=1.0, *, fit_intercept=False,
                       sample_weight=None, penalty_factor=None, positive=False):
    """Largest violation of the optimality conditions (user scale).

    With g = X_c^T S r / W - alpha (1 - l1_ratio) pf w:
    w_j > 0 needs g_j = l1_j, w_j < 0 needs g_j = -l1_j, w_j = 0 needs
    |g_j| <= l1_j (g_j <= l1_j when positive).
    """
    X, y, sw, pf = _prepare(X, y, sample_weight, penalty_factor, fit_intercept)
    w = np.asarray(coef, dtype=np.float64)
    l1 = alpha * l1_ratio * pf
    g = X.tdot(sw * (y - X.dot(w))) / sw.sum() - alpha * (1 - l1_ratio) * pf * w
    viol = np.where(w > 0, np.abs(g - l1),
                    np.where(w < 0, np.abs(g + l1),
                             np.maximum((g if positive else np.abs(g)) - l1, 0.0)))
    if positive:
        viol = np.where(w < 0, np.inf, viol)
    return float(np.max(viol, initial=0.0))
