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
                  sample_weight=None, penalty_factor=None, positive=False,
                  dual_coef=None):
    """Duality gap of the objective above, at the best intercept for coef.

    The dual point is the weighted residual scaled into the dual feasible set
    in two ways (the augmented-lasso point of scikit-learn, and the plain
    residual with the elastic net's conjugate); the larger dual value is
    used.  Features with pf_j = 0 need x_j^T S theta = 0: their weighted
    least-squares fit is removed from the residual before it is scaled.

    ``dual_coef`` (optional) is another point, e.g. a more accurate
    solution: its residual is made a dual point the same way, and the best
    dual value wins.  Any feasible dual point's value is below the optimum,
    so the result still bounds the suboptimality of ``coef``; this is how a
    solver that certifies with a better dual point than coef's own residual
    is checked.
    """
    X, y, sw, pf = _prepare(X, y, sample_weight, penalty_factor, fit_intercept)
    W = sw.sum()
    w = np.asarray(coef, dtype=np.float64)
    l1 = alpha * l1_ratio * pf
    l2 = alpha * (1 - l1_ratio) * pf
    r_primal = y - X.dot(w)
    primal = (0.5 * np.sum(sw * r_primal ** 2) / W + np.sum(l1 * np.abs(w))
              + 0.5 * np.sum(l2 * w ** 2))
    free = pf <= 0
    # with positive, an unpenalised feature at its bound w_j = 0 needs only
    # x_j^T S theta <= 0: it is checked below, not projected out
    at_bound = free & (w == 0) if positive else np.zeros_like(free)
    free = free & ~at_bound
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

    def dual_value(r):
        if np.any(free):
            s = np.sqrt(sw)
            Xf = X.columns(np.flatnonzero(free))
            beta = np.linalg.lstsq(s[:, None] * Xf, s * r, rcond=None)[0]
            r = r - Xf @ beta
        u = X.tdot(sw * r) / W          # correlations of the dual point, user scale
        A = np.sum(sw * r * y) / W
        B = np.sum(sw * r * r) / W
        # augmented-lasso dual point
        v = u - l2 * w
        Q = B + np.sum(l2 * w ** 2)
        c = A / Q if Q > 0 else 1.0
        c = min(max(c, 0.0), feasible_scale(v, False))
        dual = c * A - 0.5 * c * c * Q
        # conjugate dual point (finite only where l2 > 0 or c keeps lasso
        # coords feasible)
        if np.any(l2 > 0):
            c = min(1.0, feasible_scale(u, True))
            t = c * u if positive else c * np.abs(u)
            m = pen & (l2 > 0)
            excess = np.maximum(t[m] - l1[m], 0.0)
            dual = max(dual, c * A - 0.5 * c * c * B - np.sum(excess ** 2 / (2 * l2[m])))
        return dual

    dual = dual_value(r_primal)
    if dual_coef is not None:
        r_ref = y - X.dot(np.asarray(dual_coef, dtype=np.float64))
        dual = max(dual, dual_value(r_ref))
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


def _box(lower_bounds, upper_bounds, p, positive):
    lo = np.full(p, -np.inf) if lower_bounds is None else \
        np.broadcast_to(np.asarray(lower_bounds, float), (p,)).copy()
    hi = np.full(p, np.inf) if upper_bounds is None else \
        np.broadcast_to(np.asarray(upper_bounds, float), (p,)).copy()
    if positive:
        lo = np.maximum(lo, 0.0)
    return lo, hi


def enet_dual_gap_box(X, y, coef, alpha, l1_ratio=1.0, *, lower_bounds=None,
                      upper_bounds=None, fit_intercept=False, sample_weight=None,
                      penalty_factor=None, positive=False):
    """Duality gap with lower_bounds <= coef <= upper_bounds (user scale).

    Conjugate dual at theta = c S r / W:
    D(c) = c A - c^2 B / 2 - sum_j max_{lo_j <= w <= hi_j} (c u_j w - l1_j |w| - l2_j w^2 / 2),
    with c capped where an unbounded, purely L1 coordinate makes that max
    infinite; the best of c = min(1, c_max) and the unconstrained optimum of
    the quadratic part (clipped) is used.
    """
    X, y, sw, pf = _prepare(X, y, sample_weight, penalty_factor, fit_intercept)
    W = sw.sum()
    w = np.asarray(coef, dtype=np.float64)
    p = w.shape[0]
    lo, hi = _box(lower_bounds, upper_bounds, p, positive)
    l1 = alpha * l1_ratio * pf
    l2 = alpha * (1 - l1_ratio) * pf
    r = y - X.dot(w)
    u = X.tdot(sw * r) / W
    A = np.sum(sw * r * y) / W
    B = np.sum(sw * r * r) / W
    primal = 0.5 * B + np.sum(l1 * np.abs(w)) + 0.5 * np.sum(l2 * w ** 2)
    lin = l2 == 0
    up = lin & np.isinf(hi) & (u > 0)
    down = lin & np.isinf(lo) & (u < 0)
    c_max = min(np.min(l1[up] / u[up], initial=np.inf),
                np.min(l1[down] / -u[down], initial=np.inf))

    def conj(v):
        with np.errstate(divide="ignore", invalid="ignore"):
            quad = np.where(v > l1, (v - l1) / l2, np.where(v < -l1, (v + l1) / l2, 0.0))
        lin_w = np.where((v > l1) & np.isfinite(hi), hi,
                         np.where((v < -l1) & np.isfinite(lo), lo, 0.0))
        wstar = np.clip(np.where(lin, lin_w, quad), lo, hi)
        return np.sum(v * wstar - l1 * np.abs(wstar) - 0.5 * l2 * wstar ** 2)

    best = -np.inf
    for c in (min(1.0, c_max), min(max(A / B, 0.0), c_max) if B > 0 else 1.0):
        best = max(best, c * A - 0.5 * c * c * B - conj(c * u))
    return primal - best


def enet_kkt_violation_box(X, y, coef, alpha, l1_ratio=1.0, *, lower_bounds=None,
                           upper_bounds=None, fit_intercept=False,
                           sample_weight=None, penalty_factor=None, positive=False):
    """Largest violation of the optimality conditions with bounds (user scale).

    With g = X_c^T S r / W - l2 pf w: inside (lo_j, hi_j) the usual
    conditions; at w_j = hi_j > 0 g_j >= l1_j; at w_j = lo_j < 0
    g_j <= -l1_j; at w_j = 0 only the directions the bounds leave open.
    """
    X, y, sw, pf = _prepare(X, y, sample_weight, penalty_factor, fit_intercept)
    w = np.asarray(coef, dtype=np.float64)
    lo, hi = _box(lower_bounds, upper_bounds, w.shape[0], positive)
    l1 = alpha * l1_ratio * pf
    g = X.tdot(sw * (y - X.dot(w))) / sw.sum() - alpha * (1 - l1_ratio) * pf * w
    up_open, down_open = w < hi, w > lo      # directions w_j can still move
    # moving up must not help: g_j - l1_j (w_j >= 0) or g_j + l1_j (w_j < 0) <= 0
    up = np.where(w >= 0, g - l1, g + l1)
    down = np.where(w <= 0, -g - l1, -g + l1)
    viol = np.maximum(np.where(up_open, up, 0.0), np.where(down_open, down, 0.0))
    viol = np.maximum(viol, 0.0)
    outside = (w < lo - 1e-12) | (w > hi + 1e-12)
    return float(np.max(np.where(outside, np.inf, viol), initial=0.0))
