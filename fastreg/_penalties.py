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

``conjugate``, ``feasible_scale`` and ``violation``, which each certificate
calls over every coefficient, run in one pass each (``_penalty_fast``);
``tests/test_penalties.py`` pins them to oracles written from their
definitions.
"""
import numpy as np

from . import _penalty_fast


def _f64(x):
    return np.ascontiguousarray(x, dtype=np.float64)


class ElasticNetPenalty:
    """Per-coefficient weights a (L1), c (L2) and bounds lo, hi (float64)."""

    def __init__(self, a, c, lo, hi):
        self.a, self.c, self.lo, self.hi = a, c, lo, hi
        self._args = None          # (a, c, lo, hi) as the kernels take them

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

    def _kernel_args(self):
        """(a, c, lo, hi) as the kernels take them: contiguous float64."""
        if self._args is None:
            self._args = tuple(_f64(x) for x in (self.a, self.c, self.lo, self.hi))
        return self._args

    def conjugate(self, v):
        """sum_j sup_{lo_j <= z <= hi_j} v_j z - a_j |z| - c_j z^2 / 2: for
        c_j > 0 the clipped soft-threshold maximises, for c_j = 0 the bound
        the excess |v_j| - a_j points to (0 without excess; an excess within
        4 eps a_j, which feasible_scale's product s * v may leave, is none).
        inf when a maximiser is infinite."""
        return _penalty_fast.conjugate(_f64(v), *self._kernel_args())

    def feasible_scale(self, v):
        """Largest s in [0, 1] with every ``g_j^*(s v_j)`` finite: a
        coefficient with c_j = 0 and an open side needs |v_j| <= a_j there."""
        return _penalty_fast.feasible_scale(_f64(v), *self._kernel_args())

    def violation(self, w, grad):
        """|grad_j + c_j w_j + s| minimised over the subdifferential s of
        a_j |.| at w_j; 0 at a bound whose normal cone absorbs a gradient
        pushing outwards (w = 0 at a bound of 0 included: the sign of a then
        follows the cone)."""
        out = np.empty(np.shape(w)[0])
        _penalty_fast.violation(_f64(w), _f64(grad), *self._kernel_args(), out)
        return out

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
