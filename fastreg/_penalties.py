"""The elastic-net penalty with box constraints, as the generic solver uses it.

Per coefficient ``g_j(w) = a_j |w| + c_j / 2 w^2`` on ``[lo_j, hi_j]`` (lo <= 0
<= hi; infinite outside), with ``a_j = alpha * l1_ratio * pf_j`` and ``c_j =
alpha * (1 - l1_ratio) * pf_j``.  The object gives the solver and the
certificate what they need of it:

- ``value(w)``;
- ``conjugate(v)``: ``sum_j g_j^*(v_j)``, the penalty's part of the dual
  objective (``D(theta) = datafit.dual(theta) - conjugate(X^T theta)``);
- ``feasible_scale(v)``: the largest s in [0, 1] with ``conjugate(s v)``
  finite;
- ``violation(w, grad)``: each coefficient's distance from optimality
  (0 when -grad_j is in the subdifferential), to rank working-set entrants;
- ``table(ws)``: the (m, 4) array (a, c, lo, hi) the kernel takes.
"""
import numpy as np


class ElasticNetPenalty:
    """Per-coefficient weights a (L1), c (L2) and bounds lo, hi (float64)."""

    def __init__(self, a, c, lo, hi):
        self.a, self.c, self.lo, self.hi = a, c, lo, hi

    @classmethod
    def of(cls, alpha, l1_ratio, pf, lo, hi):
        """The user's alpha and l1_ratio -> per-coefficient weights: the only
        place this happens for the generic solver."""
        pf = np.asarray(pf, dtype=np.float64)
        return cls(alpha * l1_ratio * pf, alpha * (1.0 - l1_ratio) * pf, lo, hi)

    def restricted(self, idx):
        """The penalty of the coefficients ``idx`` alone."""
        return ElasticNetPenalty(self.a[idx], self.c[idx], self.lo[idx], self.hi[idx])

    def value(self, w):
        return float(self.a @ np.abs(w) + 0.5 * (self.c @ (w * w)))

    def change(self, old, new):
        """value(new) - value(old), term by term (no cancellation between
        two large totals: small steps keep their exact sign)."""
        return float(self.a @ (np.abs(new) - np.abs(old))
                     + 0.5 * (self.c @ ((new - old) * (new + old))))

    def conjugate(self, v):
        """sum_j sup_{lo_j <= z <= hi_j} v_j z - a_j |z| - c_j z^2 / 2."""
        a, c, lo, hi = self.a, self.c, self.lo, self.hi
        # (an excess within rounding of a is none: feasible_scale's product
        # s * v may land an ulp beyond a)
        over = np.abs(v) - a
        excess = np.sign(v) * np.where(over > 4 * np.finfo(float).eps * a, over, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            # c_j > 0: the clipped soft-threshold; c_j = 0: the bound the
            # excess points to (0 without excess)
            z = np.where(c > 0, excess / np.where(c > 0, c, 1.0),
                         np.where(excess > 0, hi, np.where(excess < 0, lo, 0.0)))
        z = np.clip(z, lo, hi)
        if not np.all(np.isfinite(z)):
            return np.inf
        return float(np.sum(v * z - a * np.abs(z) - 0.5 * c * z * z))

    def feasible_scale(self, v):
        """Largest s in [0, 1] with every ``g_j^*(s v_j)`` finite: a
        coefficient with c_j = 0 and an open side needs |v_j| <= a_j there."""
        open_up = (self.c == 0) & np.isinf(self.hi) & (v > self.a)
        open_down = (self.c == 0) & np.isinf(self.lo) & (v < -self.a)
        bad = open_up | open_down
        if not bad.any():
            return 1.0
        return float(np.min(self.a[bad] / np.abs(v[bad])))

    def violation(self, w, grad):
        """|grad_j + s| minimised over the subdifferential s of g_j + box at w_j."""
        g = grad + self.c * w
        a = self.a
        dist = np.where(w > 0, np.abs(g + a), np.where(w < 0, np.abs(g - a),
                                                       np.maximum(np.abs(g) - a, 0.0)))
        # at a bound the normal cone absorbs the gradient pushing outwards
        at_hi = (w >= self.hi) & (g + np.where(w > 0, a, -a) < 0)
        at_lo = (w <= self.lo) & (g + np.where(w < 0, -a, a) > 0)
        # (w = 0 at a bound of 0 is covered: the sign of a then follows the cone)
        return np.where(at_hi | at_lo, 0.0, dist)

    def table(self, ws):
        return np.ascontiguousarray(
            np.stack([self.a[ws], self.c[ws], self.lo[ws], self.hi[ws]], axis=1))


def penalised_alpha_max(v, pf, lo, hi, l1_ratio):
    """Smallest alpha at which w = 0 is optimal, from ``v = X^T theta0`` (the
    negative gradient at the fit of the intercept and unpenalised features):
    max over penalised j of the correlation the bounds leave open, over
    ``pf_j * l1_ratio``.  Infinite when nothing is penalised by L1."""
    pen = pf > 0
    if not pen.any() or l1_ratio == 0:
        return np.inf
    t = np.maximum(np.where(hi > 0, v, 0.0), np.where(lo < 0, -v, 0.0))[pen]
    return float(np.max(t / pf[pen], initial=0.0)) / l1_ratio
