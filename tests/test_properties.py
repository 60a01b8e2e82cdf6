"""Property-based tests: random small problems against an independent oracle.

Every fastreg result is judged by its primal objective, evaluated in float64
on the ORIGINAL (uncentred, unscaled) data with the returned coefficients and
intercept, against the optimum found by a plain-NumPy solver written here
(nothing from ``fastreg`` is used by the oracle).  The documented promise is
a duality gap of at most

    tol_bound = tol * sum_i sw_i (y_i - ybar)^2 / W      (ybar = 0 without
                                                          an intercept)

so ``objective - optimum <= tol_bound`` up to rounding (``_SLACK``, and a
floor per dtype in ``_FLOOR``).  Ridge has no tolerance: its direct solve
must reach the optimum up to rounding (``_RIDGE_RTOL``).

The oracle:

* residuals ``y_i - x_i w - b`` are computed exactly (error-free products,
  ``math.fsum``) and rounded once, so a column offset of 1e8 costs no
  digits of the objective;
* the minimiser is computed on explicitly centred, weighted float64 data:
  the unpenalised unbounded features are eliminated exactly (projected out
  by an SVD, then a least-squares solve), the rest is a box-constrained
  convex QP solved exactly by an active-set method (coordinate descent with
  polishing as a fallback), and the intercept is then solved exactly; the
  answer must pass a coordinate-wise optimality test at rounding level;
* it is checked against scikit-learn (``test_oracle_matches_sklearn``) and
  must never be beaten by fastreg beyond rounding (every comparison).

Examples are drawn with ``derandomize=True`` (a fixed seed per test, no
example database), so CI sees the same examples on every run.  The default
run stays under a minute on two cores; ``-m slow`` runs larger variants.

Known open defects, left out of the strategies until they are fixed (each
marked "open defect" where it is left out; replay a case with
``build_problem(...)`` from this module):

1. float64 at tol 1e-6 and below: a fit can end on the inner tolerance's
   floor with its certified gap just above the bound (ConvergenceWarning
   while the objective is optimal to ~1e-12), e.g. ``build_problem(n=5, p=7,
   dtype=np.float64, layout='F', fit_intercept=False, density=0.5,
   x_offset=0.0, y_offset=0.0, weights='none', pf='none', lower='none',
   upper='none', positive=False, tol=1e-06, seed=0)``, ``lasso_path(n_alphas=3,
   eps=1e-3)``: gap 1.63e-6 against 1.56e-6.
2. float32 X with columns offset by 1e4 or more (their spread in the last
   bits): fits can miss the bound, one gives a NaN gap
   (``build_problem(n=10, p=23, dtype=np.float32, layout='F',
   fit_intercept=True, density=0.25, x_offset=1e8, y_offset=0.0,
   weights='zeros', pf='positive', ...)``); sparse float32 Ridge on such
   columns warns "Singular ridge system" and is wrong.
3. y offset by 1e8 (float64): the implicit centring of y costs digits
   (Ridge coefficient error 4e-4 of its norm; Lasso at tol 1e-8 misses).
4. bounds or ``positive=True`` with unpenalised features (pf = 0) held at a
   bound: coordinate descent can stall far from the optimum (gap 0.15
   against 7e-5 on ``build_problem(n=10, p=8, dtype=np.float64,
   layout='F', fit_intercept=True, density=0.25, x_offset=100.0,
   y_offset=0.0, weights='positive', pf='zeros', lower='none',
   upper='none', positive=True, tol=0.0001, seed=14921)``).
"""
import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st
from scipy.linalg import LinAlgWarning
from sklearn.exceptions import ConvergenceWarning

import fastreg

# ------------------------------------------------------------------ settings

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.filter_too_much]


def _settings(max_examples):
    # no example database, no "explain" phase (slow on a failure: each
    # replay of a non-converging fit runs MAX_ITER epochs)
    return settings(derandomize=True, database=None, max_examples=max_examples,
                    deadline=None, suppress_health_check=_HEALTH,
                    print_blob=False,
                    phases=[Phase.explicit, Phase.generate, Phase.shrink])


MAX_ITER = 100_000      # "max_iter large": a stop before this is a failure

# tolerances drawn per dtype: float32 certificates cannot go far below its eps
# (open defect 1: at tol 1e-6 and below a float64 fit can stop on
# the inner tolerance's floor with its gap just above the bound)
_TOLS = {np.float64: [1e-4, 1e-5], np.float32: [1e-3, 1e-4]}
# objective - optimum <= _SLACK * tol_bound + _FLOOR * yvar + 4 * repr_floor
# (repr_floor: what rounding the optimum to the output dtype costs)
_SLACK = {np.float64: 2.0, np.float32: 4.0}
_FLOOR = {np.float64: 1e-12, np.float32: 1e-5}
# Ridge: objective - optimum <= _RIDGE_RTOL * sum_i sw_i (y_i - ybar)^2
_RIDGE_RTOL = {np.float64: 1e-10, np.float32: 1e-5}
# the alpha grid's top against the oracle's alpha_max: relative, and
# absolute in units of the natural scale max_j ||x_j|| ||y_c|| / (W pf_j)
_AMAX_RTOL = {np.float64: 1e-6, np.float32: 1e-3}
_AMAX_ATOL = {np.float64: 1e-9, np.float32: 1e-4}

LAYOUTS = ["F", "C", "csc", "csr"]


# ------------------------------------------------------------------ problems

class Problem:
    """One random problem.  Its repr is the recipe (``build_problem(**params)``
    rebuilds it), so a falsifying example can be replayed outside the tests.

    X, y, sample_weight, penalty_factor, lower_bounds, upper_bounds: as passed
    to fastreg.  X64, y64, sw64, pf64: float64 copies of exactly the values
    fastreg sees; lo, hi: the effective box (``positive`` included).
    """

    def __init__(self, params, **arrays):
        self.params = params
        for name, value in arrays.items():
            setattr(self, name, value)

    @property
    def dtype(self):
        return self.params["dtype"]

    @property
    def fit_intercept(self):
        return self.params["fit_intercept"]

    @property
    def positive(self):
        return self.params["positive"]

    @property
    def tol(self):
        return self.params["tol"]

    def fit_kwargs(self):
        """The keyword arguments shared by enet_path and the estimators."""
        return dict(fit_intercept=self.fit_intercept, positive=self.positive,
                    tol=self.tol, max_iter=MAX_ITER,
                    lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" if k != "dtype" else f"dtype=np.{v.__name__}"
                         for k, v in self.params.items())
        return f"build_problem({args})"

    def _repr_pretty_(self, printer, cycle):     # hypothesis' pretty printer
        printer.text(repr(self))


def _bound_value(rng, kind, side, p, scale):
    """None, a scalar or an array of p bounds, times ``scale``."""
    values = [-np.inf, -1.0, -0.25, 0.0] if side == "lower" else [np.inf, 1.0, 0.25, 0.0]
    if kind == "none":
        return None
    if kind == "scalar":
        return float(rng.choice(values)) * scale
    return rng.choice(values, size=p) * scale


def build_problem(*, n, p, dtype, layout, fit_intercept, density, x_offset,
                  y_offset, weights, pf, lower, upper, positive, tol, seed,
                  y_scale_exp=0, x_scale_exp=0):
    """A small random regression problem, deterministic in its arguments.

    x_offset: columns (about half, at least one) get +-x_offset added to
    every entry, so sparse X stores them densely.  weights / pf: 'none',
    'positive' or 'zeros' (some exact zeros).  lower / upper: 'none',
    'scalar' or 'array'.  y_scale_exp / x_scale_exp: y and X are multiplied
    by 2**exp (exact) after everything else.
    """
    rng = np.random.default_rng(seed)
    col_scale = 2.0 ** rng.integers(-2, 3, size=p)
    Xd = rng.standard_normal((n, p)) * col_scale
    if density < 1:
        Xd[rng.random((n, p)) > density] = 0.0
    w_true = np.zeros(p)
    k = max(1, p // 3)
    support = rng.choice(p, k, replace=False)
    w_true[support] = rng.standard_normal(k) / col_scale[support]
    y = Xd @ w_true + 0.5 * rng.standard_normal(n)
    if y_offset:
        y = y + y_offset * (1 if rng.random() < 0.5 else -1)
    if x_offset:
        cols = rng.random(p) < 0.5
        cols[rng.integers(p)] = True
        Xd[:, cols] += x_offset * rng.choice([-1.0, 1.0], size=int(cols.sum()))
    Xd = np.ldexp(Xd, x_scale_exp)
    y = np.ldexp(y, y_scale_exp)
    Xd = Xd.astype(dtype)
    y = y.astype(dtype)

    if weights == "none":
        sw = None
    else:
        choices = [0.5, 1.0, 2.0, 3.0] if weights == "positive" else [0.0, 0.0, 0.5, 1.0, 3.0]
        sw = rng.choice(choices, size=n)
        if np.count_nonzero(sw) < 2:          # not all zero: two rows at least
            sw[rng.choice(n, 2, replace=False)] = 1.0
    if pf == "none":
        pfv = None
    else:
        choices = [0.5, 1.0, 2.0] if pf == "positive" else [0.0, 0.0, 0.5, 1.0, 2.0]
        pfv = rng.choice(choices, size=p)
    # bounds scale with the coefficients (exact: a power of two)
    scale = 2.0 ** (y_scale_exp - x_scale_exp)
    lower_b = _bound_value(rng, lower, "lower", p, scale)
    upper_b = _bound_value(rng, upper, "upper", p, scale)

    if layout == "F":
        X = np.asfortranarray(Xd)
    elif layout == "C":
        X = np.ascontiguousarray(Xd)
    elif layout == "csc":
        X = sp.csc_matrix(Xd)
    else:
        X = sp.csr_matrix(Xd)
    lo = np.full(p, -np.inf) if lower_b is None else np.broadcast_to(
        np.asarray(lower_b, float), (p,)).copy()
    hi = np.full(p, np.inf) if upper_b is None else np.broadcast_to(
        np.asarray(upper_b, float), (p,)).copy()
    if positive:
        lo = np.maximum(lo, 0.0)
    params = dict(n=n, p=p, dtype=dtype, layout=layout, fit_intercept=fit_intercept,
                  density=density, x_offset=x_offset, y_offset=y_offset,
                  weights=weights, pf=pf, lower=lower, upper=upper,
                  positive=positive, tol=tol, seed=seed)
    if y_scale_exp or x_scale_exp:
        params.update(y_scale_exp=y_scale_exp, x_scale_exp=x_scale_exp)
    return Problem(params=params, X=X, y=y, sample_weight=sw, penalty_factor=pfv,
                   lower_bounds=lower_b, upper_bounds=upper_b,
                   X64=Xd.astype(np.float64), y64=y.astype(np.float64),
                   sw64=np.ones(n) if sw is None else sw.astype(np.float64),
                   pf64=np.ones(p) if pfv is None else pfv.astype(np.float64),
                   lo=lo, hi=hi)


@st.composite
def problems(draw, *, max_n=30, max_p=30, dtypes=(np.float64, np.float32),
             layouts=LAYOUTS, bounds=True, offsets=True, pf_kinds=None,
             weight_kinds=None):
    """Structure from hypothesis (shrinks towards the simplest), values from
    a seed.  Each sampled_from lists its simplest choice first."""
    dtype = draw(st.sampled_from(dtypes))
    fit_intercept = draw(st.booleans())
    return build_problem(
        n=draw(st.integers(2, max_n)),
        p=draw(st.integers(2, max_p)),
        dtype=dtype,
        layout=draw(st.sampled_from(layouts)),
        fit_intercept=fit_intercept,
        density=draw(st.sampled_from([1.0, 0.5, 0.25])),
        # column offsets only with an intercept (without one they are just
        # near-collinear columns: ill-posed, not what is tested here)
        # (open defects 2 and 3: float32 columns offset by 1e4 or more keep
        # few digits of their spread, and fits on them can miss the bound;
        # y offset by 1e8 costs digits in the implicit centring of y)
        x_offset=draw(st.sampled_from([0.0, 1e2, 1e4, 1e8] if dtype == np.float64
                                      else [0.0, 1e2]))
        if (fit_intercept and offsets) else 0.0,
        # (float32 y offset by 1e8 would be constant: nothing left to fit)
        y_offset=draw(st.sampled_from([0.0, 1e3] if dtype == np.float64
                                      else [0.0, 1e2])) if offsets else 0.0,
        weights=draw(st.sampled_from(weight_kinds or ["none", "positive", "zeros"])),
        pf=(pf := draw(st.sampled_from(pf_kinds or ["none", "positive", "zeros"]))),
        # (open defect 4: bounds or positive=True with unpenalised
        # features held at a bound can stall far from the optimum)
        lower=draw(st.sampled_from(["none", "scalar", "array"]))
        if bounds and pf != "zeros" else "none",
        upper=draw(st.sampled_from(["none", "scalar", "array"]))
        if bounds and pf != "zeros" else "none",
        positive=draw(st.booleans()) if bounds and pf != "zeros" else False,
        tol=draw(st.sampled_from(_TOLS[dtype])),
        seed=draw(st.integers(0, 2 ** 16)),
    )


# ------------------------------------------------------ exact objective

_SPLIT = 134217729.0          # 2**27 + 1 (Veltkamp)


def _split(a):
    t = a * _SPLIT
    hi = t - (t - a)
    return hi, a - hi


def exact_residuals(X64, y64, rows, w, b):
    """``y_i - x_i w - b`` for ``rows``, each exact before one final rounding.

    Products by Dekker's error-free transformation (no overflow or underflow
    in the ranges tested), sums by ``math.fsum``.
    """
    w = np.asarray(w, dtype=np.float64)
    if not (np.all(np.isfinite(w)) and np.isfinite(b)):
        return np.full(len(rows), np.inf)
    Xr = X64[rows]
    W = np.broadcast_to(w, Xr.shape)
    with np.errstate(all="ignore"):
        P = Xr * W
        ah, al = _split(Xr)
        bh, bl = _split(W)
        E = ((ah * bh - P) + ah * bl + al * bh) + al * bl
    if not (np.all(np.isfinite(P)) and np.all(np.isfinite(E))):
        return np.full(len(rows), np.inf)
    out = np.empty(len(rows))
    for k, i in enumerate(rows):
        out[k] = math.fsum([float(y64[i]), -float(b), *(-P[k]), *(-E[k])])
    return out


def enet_objective(prob, w, b, alpha, l1_ratio):
    """1/(2W) sum sw r^2 + alpha l1_ratio sum pf|w| + alpha (1-l1_ratio)/2 sum pf w^2."""
    rows = np.flatnonzero(prob.sw64 > 0)
    r = exact_residuals(prob.X64, prob.y64, rows, w, b)
    s = prob.sw64[rows]
    w = np.asarray(w, dtype=np.float64)
    loss = float(np.sum(s * r * r) / (2 * s.sum()))
    pen = alpha * (l1_ratio * np.sum(prob.pf64 * np.abs(w))
                   + 0.5 * (1 - l1_ratio) * np.sum(prob.pf64 * w * w))
    return loss + float(pen)


def ridge_objective(prob, w, b, alpha):
    """sum sw r^2 + alpha ||w||^2 (scikit-learn's Ridge)."""
    rows = np.flatnonzero(prob.sw64 > 0)
    r = exact_residuals(prob.X64, prob.y64, rows, w, b)
    w = np.asarray(w, dtype=np.float64)
    return float(np.sum(prob.sw64[rows] * r * r) + alpha * np.sum(w * w))


# ------------------------------------------------------------------ oracle

def _cd_value(z_num, d, l1, lo, hi):
    """argmin over v in [lo, hi] of d/2 v^2 - z_num v + l1 |v|  (d > 0)."""
    t = abs(z_num) - l1
    v = math.copysign(t / d, z_num) if t > 0 else 0.0
    return min(max(v, lo), hi)


def box_qp(B, b, lo, hi, x0, max_steps=None):
    """min 1/2 x^T B x + b^T x  s.t.  lo <= x <= hi,  B positive semi-definite.

    Primal active-set method: the variables at a bound form the working
    set; the others take the exact minimising step of the quadratic on
    their subspace (least squares, so a singular B is fine), or, when the
    gradient has a component in B's null space there, move along that
    component (the objective decreases linearly) until a bound stops them;
    a bound that blocks a step joins the working set; at a minimiser of the
    subspace, the variable whose multiplier has the wrong sign leaves it.
    Returns x, or None after ``max_steps`` (cycling).
    """
    n = b.shape[0]
    x = np.clip(x0, lo, hi)
    at_lo = x <= lo
    at_hi = (x >= hi) & ~at_lo
    fixed = hi <= lo
    size = float(np.max(np.abs(B), initial=0.0))
    solved = False        # x minimises the quadratic on the current subspace
    for _ in range(max_steps or 20 * n + 50):
        g = B @ x + b
        F = ~(at_lo | at_hi)
        xmax = float(np.max(np.abs(x), initial=0.0))
        gscale = float(np.max(np.abs(b), initial=0.0)) + size * xmax
        step = None
        if np.any(F) and not solved:
            BFF = B[np.ix_(F, F)]
            d = -np.linalg.lstsq(BFF, g[F], rcond=None)[0]
            r = g[F] + BFF @ d           # the part of g[F] in B_FF's null space
            newton = np.linalg.norm(r) <= 1e-11 * (gscale + 1e-300)
            if not newton:
                d = -r
            xF_max = float(np.max(np.abs(x[F]), initial=0.0))
            if np.max(np.abs(d), initial=0.0) > 1e-15 * (xF_max + 1e-300):
                step = (d, newton)
        if step is None:
            # a minimiser on the subspace: check the multipliers of the bounds
            bad = np.where(at_lo & ~fixed, -g, 0.0) + np.where(at_hi & ~fixed, g, 0.0)
            j = int(np.argmax(bad)) if n else 0
            if n == 0 or bad[j] <= 1e-13 * (gscale + 1e-300):
                return x
            at_lo[j] = at_hi[j] = False
            solved = False
            continue
        d, newton = step
        xF, loF, hiF = x[F], lo[F], hi[F]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d < 0, (loF - xF) / d, np.where(d > 0, (hiF - xF) / d, np.inf))
        ratio = np.maximum(ratio, 0.0)
        amax = float(np.min(ratio, initial=np.inf))
        if not newton and not np.isfinite(amax):
            return None                   # unbounded below: cannot happen here
        alpha = amax if (not newton or amax < 1.0) else 1.0
        solved = newton and amax > 1.0     # a full step, no new bound
        xF = xF + alpha * d
        if alpha == amax:
            # the blocking variables join the working set, exactly at their bound
            hit = ratio <= amax
            to_lo, to_hi = hit & (d < 0), hit & (d > 0)
            xF[to_lo], xF[to_hi] = loF[to_lo], hiF[to_hi]
            idx = np.flatnonzero(F)
            at_lo[idx[to_lo]] = True
            at_hi[idx[to_hi]] = True
        x[F] = np.clip(xF, loF, hiF)
    return None


class BoxEnetQP:
    """min_w 1/2 w^T A w - c^T w + sum_j l1_j |w_j|,  lo <= w <= hi.

    A = H + diag(l2) is positive semi-definite (H a Gram matrix); coordinates
    with A_jj = 0 (``live`` False) stay at 0.  Solved exactly by the
    active-set method ``box_qp`` on the split problem; if that cycles,
    by coordinate descent polished every few epochs (on the coordinates
    away from their kinks, 0 with an L1 penalty or a bound, the optimality
    conditions are linear equations).  Either answer must pass the test of
    optimality: ``max_j sqrt(A_jj) |T_j(w) - w_j|`` (T_j: one exact
    coordinate step) below ``rtol * scale``, rounding level.
    """

    def __init__(self, A, c, l1, lo, hi, live):
        self.A, self.c, self.l1, self.lo, self.hi = A, c, l1, lo, hi
        self.d = np.diag(A).copy()
        self.live = live & (self.d > 0)

    def residual(self, w):
        g = self.A @ w - self.c
        worst = 0.0
        for j in np.flatnonzero(self.live):
            v = _cd_value(self.d[j] * w[j] - g[j], self.d[j], self.l1[j],
                          self.lo[j], self.hi[j])
            worst = max(worst, math.sqrt(self.d[j]) * abs(v - w[j]))
        return worst

    def polish(self, w, snap=None):
        """w with its free coordinates solving the optimality conditions.

        Coordinates at 0 with an L1 penalty, at a bound, or in ``snap`` (a
        dict {j: kink value}) stay fixed; the others keep their signs.  Of
        the solutions of a singular system, the one nearest to w.  None if a
        sign or a bound is then violated.
        """
        A, l1, lo, hi = self.A, self.l1, self.lo, self.hi
        w = w.copy()
        held = np.zeros(w.shape, dtype=bool)
        for j, v in (snap or {}).items():
            w[j] = v
            held[j] = True
        fixed = ~self.live | held | ((w == 0) & (l1 > 0)) | (w == lo) | (w == hi)
        F = np.flatnonzero(~fixed)
        if F.size == 0:
            return w
        sgn = np.sign(w[F])
        rhs = self.c[F] - A[np.ix_(F, np.flatnonzero(fixed))] @ w[fixed] - l1[F] * sgn
        AFF = A[np.ix_(F, F)]
        wF = w[F] + np.linalg.lstsq(AFF, rhs - AFF @ w[F], rcond=None)[0]
        pen = l1[F] > 0
        if np.any(np.sign(wF[pen]) != sgn[pen]) or np.any(wF < lo[F]) or np.any(wF > hi[F]):
            return None
        w[F] = wF
        return w

    def candidates(self, w):
        """w polished; w with its k coordinates nearest to a kink moved
        there, k = 1, 2, ... (coordinate descent approaches a kink only
        slowly along a flat direction); w itself."""
        yield self.polish(w)
        root = np.sqrt(self.d)
        dist = np.full(w.shape, np.inf)
        target = np.zeros(w.shape)
        for kink, ok in ((0.0, self.l1 > 0), (self.lo, np.isfinite(self.lo)),
                         (self.hi, np.isfinite(self.hi))):
            kink = np.broadcast_to(kink, w.shape)
            dk = np.where(ok & self.live & (w != kink), root * np.abs(w - kink), np.inf)
            better = dk < dist
            dist[better] = dk[better]
            target[better] = kink[better]
        order = np.argsort(dist)
        order = order[np.isfinite(dist[order])]
        for k in range(1, order.size + 1):
            yield self.polish(w, {int(j): float(target[j]) for j in order[:k]})
        yield w

    def exact(self, w0):
        """The active-set solution of the split problem (w = p - q, p, q >= 0
        for the coordinates with an L1 penalty), or None."""
        cols, lows, highs, lin = [], [], [], []
        p = self.A.shape[0]
        for j in np.flatnonzero(self.live):
            if self.l1[j] == 0:
                cols.append((j, 1.0)); lows.append(self.lo[j]); highs.append(self.hi[j])
                lin.append(0.0)
                continue
            if self.hi[j] > 0:
                cols.append((j, 1.0)); lows.append(0.0); highs.append(self.hi[j])
                lin.append(self.l1[j])
            if self.lo[j] < 0:
                cols.append((j, -1.0)); lows.append(0.0); highs.append(-self.lo[j])
                lin.append(self.l1[j])
        E = np.zeros((p, len(cols)))
        for k, (j, sgn) in enumerate(cols):
            E[j, k] = sgn
        x0 = np.array([max(sgn * w0[j], 0.0) if self.l1[j] > 0 else w0[j]
                       for j, sgn in cols])
        x = box_qp(E.T @ self.A @ E, np.array(lin) - E.T @ self.c,
                   np.array(lows), np.array(highs), x0)
        return None if x is None else E @ x

    def solve(self, w0, scale, rtol=1e-9, max_epochs=50_000):
        A, c, d, l1, lo, hi = self.A, self.c, self.d, self.l1, self.lo, self.hi
        w = np.where(self.live, np.clip(w0, lo, hi), 0.0)
        size = float(np.max(np.sqrt(d) * np.abs(w), initial=0.0))
        exact = self.exact(w)
        if exact is not None:
            size = max(size, float(np.max(np.sqrt(d) * np.abs(exact), initial=0.0)))
            if self.residual(exact) <= rtol * scale + 1e-12 * size:
                return exact
        idx = np.flatnonzero(self.live)
        cols = [A[:, j].copy() for j in range(A.shape[0])]
        epochs, next_check = 0, 3
        while True:
            g = A @ w - c
            while epochs < next_check:
                for j in idx:
                    v = _cd_value(d[j] * w[j] - g[j], d[j], l1[j], lo[j], hi[j])
                    if v != w[j]:
                        g += (v - w[j]) * cols[j]
                        w[j] = v
                epochs += 1
            size = float(np.max(np.sqrt(d) * np.abs(w), initial=0.0))
            limit = rtol * scale + 1e-12 * size
            for cand in self.candidates(w):
                if cand is not None and self.residual(cand) <= limit:
                    return cand
            if epochs >= max_epochs:
                raise AssertionError(
                    f"ORACLE did not converge in {max_epochs} epochs (optimality "
                    f"residual {self.residual(w):.3g}, scale {scale:.3g})")
            next_check = epochs + 20


class Oracle:
    """Independent float64 solver for one problem (any alpha, l1_ratio).

    Works on explicitly centred (with an intercept), weighted data.  The
    unpenalised features without bounds are least squares: they are
    eliminated exactly (their span projected out of the other columns and
    of y, by an SVD), which removes the flat directions coordinate descent
    is slow along; their coefficients are then a least-squares solve.
    """

    def __init__(self, prob):
        self.prob = prob
        rows = np.flatnonzero(prob.sw64 > 0)
        self.rows = rows
        Xr, yr = prob.X64[rows], prob.y64[rows]
        s = prob.sw64[rows] / prob.sw64[rows].sum()
        self.s = s
        if prob.fit_intercept:
            mx = s @ Xr
            mx = mx + s @ (Xr - mx)             # second pass: offsets cost nothing
            my = s @ yr
            my = my + s @ (yr - my)
            Xc, yc = Xr - mx, yr - my
            # constant on the weighted rows: absorbed by the intercept
            self.dead = np.ptp(Xr, axis=0) == 0
        else:
            Xc, yc = Xr.copy(), yr.copy()
            self.dead = ~np.any(Xr != 0, axis=0)
        Xc[:, self.dead] = 0.0
        self.Xc, self.yc = Xc, yc
        self.H = Xc.T @ (s[:, None] * Xc)
        self.c = Xc.T @ (s * yc)
        self.yvar = float(s @ (yc * yc))        # sum sw (y - ybar)^2 / W
        # least-squares block: unpenalised, unbounded (positive is a bound)
        self.Xs = np.sqrt(s)[:, None] * Xc
        self.ys = np.sqrt(s) * yc
        self.U = (prob.pf64 == 0) & np.isneginf(prob.lo) & np.isposinf(prob.hi) & ~self.dead
        self.R = ~self.U
        Z, z = self.Xs[:, self.R], self.ys
        if np.any(self.U):
            u, sv, _ = np.linalg.svd(self.Xs[:, self.U], full_matrices=False)
            rank = int(np.sum(sv > sv[0] * max(u.shape) * np.finfo(float).eps)) if sv.size else 0
            Q = u[:, :rank]
            for _ in range(2):                  # twice: re-orthogonalised
                Z = Z - Q @ (Q.T @ Z)
                z = z - Q @ (Q.T @ z)
        self.HR = Z.T @ Z
        self.cR = Z.T @ z

    def _penalties(self, alpha, l1_ratio):
        pf = self.prob.pf64
        return alpha * l1_ratio * pf, alpha * (1 - l1_ratio) * pf

    def solve(self, alpha, l1_ratio, w0=None, lo=None, hi=None):
        """Optimal coefficients (float64) at alpha (``lo``, ``hi``: another
        box for the features outside the least-squares block)."""
        p = self.H.shape[0]
        R, U = self.R, self.U
        lo = self.prob.lo if lo is None else lo
        hi = self.prob.hi if hi is None else hi
        l1, l2 = self._penalties(alpha, l1_ratio)
        qp = BoxEnetQP(self.HR + np.diag(l2[R]), self.cR, l1[R], lo[R], hi[R],
                       ~self.dead[R])
        w = np.zeros(p)
        start = np.zeros(int(R.sum())) if w0 is None else w0[R]
        scale = math.sqrt(self.yvar) if self.yvar > 0 else 1.0
        w[R] = qp.solve(start, scale)
        if np.any(U):
            r = self.ys - self.Xs[:, R] @ w[R]
            w[U] = np.linalg.lstsq(self.Xs[:, U], r, rcond=None)[0]
        return w

    def intercept(self, w):
        """The exact optimal intercept for w (0 without an intercept)."""
        if not self.prob.fit_intercept:
            return 0.0
        r = exact_residuals(self.prob.X64, self.prob.y64, self.rows, w, 0.0)
        return math.fsum(self.s * r)

    def path(self, alphas, l1_ratio):
        """[(w, b, objective)] per alpha, warm-started in decreasing order."""
        out = {}
        w = None
        for a in sorted(set(float(a) for a in alphas), reverse=True):
            w = self.solve(a, l1_ratio, w)
            b = self.intercept(w)
            out[a] = (w.copy(), b, enet_objective(self.prob, w, b, a, l1_ratio))
        return [out[float(a)] for a in alphas]

    def natural_alpha(self, l1_ratio):
        """max_j ||x_j||_S ||y_c||_S / (W pf_j l1_ratio) over penalised j: no
        alpha_max can exceed it (Cauchy-Schwarz)."""
        pen = (self.prob.pf64 > 0) & ~self.dead
        if not np.any(pen) or l1_ratio == 0:
            return None
        root = np.sqrt(np.diag(self.H)[pen]) / self.prob.pf64[pen]
        return float(np.max(root)) * math.sqrt(self.yvar) / l1_ratio

    def alpha_max(self, l1_ratio):
        """Smallest alpha with every penalised coefficient at 0 (None: no such
        alpha, or it is 0 up to rounding: the unpenalised features and the
        intercept explain y)."""
        top = self.natural_alpha(l1_ratio)
        if top is None:
            return None
        pen = (self.prob.pf64 > 0) & ~self.dead
        # the unpenalised fit: the penalised coefficients held at 0
        lo, hi = self.prob.lo, self.prob.hi
        w = self.solve(1.0, l1_ratio, lo=np.where(pen, 0.0, lo),
                       hi=np.where(pen, 0.0, hi))
        g = self.H @ w - self.c
        open_up = np.where(hi > 0, -g, 0.0)
        open_down = np.where(lo < 0, g, 0.0)
        t = np.maximum(np.maximum(open_up, open_down), 0.0)[pen] / self.prob.pf64[pen]
        amax = float(np.max(t)) / l1_ratio
        return amax if amax > 1e-12 * top else None

    def ridge(self, alpha):
        """Ridge optimum (coef, intercept): an augmented least-squares solve."""
        p = self.H.shape[0]
        W = self.prob.sw64[self.rows].sum()
        sq = np.sqrt(self.s * W)
        M = np.vstack([sq[:, None] * self.Xc, math.sqrt(alpha) * np.eye(p)])
        rhs = np.concatenate([sq * self.yc, np.zeros(p)])
        w = np.linalg.lstsq(M, rhs, rcond=None)[0]
        w[self.dead] = 0.0
        return w, self.intercept(w)


# ------------------------------------------------------------------ checks

def snapshot(prob, *extra):
    """Deep copies of every input, to check that fastreg mutates none."""
    return (prob.X.copy(), prob.y.copy(),
            *(None if a is None else np.copy(a) for a in
              (prob.sample_weight, prob.penalty_factor, prob.lower_bounds,
               prob.upper_bounds, *extra)))


def assert_not_mutated(before, prob, *extra):
    after = (prob.X, prob.y, prob.sample_weight, prob.penalty_factor,
             prob.lower_bounds, prob.upper_bounds, *extra)
    names = ["X", "y", "sample_weight", "penalty_factor", "lower_bounds",
             "upper_bounds"] + [f"extra{i}" for i in range(len(extra))]
    for name, a, b in zip(names, before, after):
        if a is None:
            assert b is None, name
        elif sp.issparse(a):
            assert b.format == a.format and b.dtype == a.dtype, name
            for attr in ("data", "indices", "indptr"):
                np.testing.assert_array_equal(getattr(b, attr), getattr(a, attr),
                                              err_msg=f"{name} mutated")
        else:
            np.testing.assert_array_equal(np.asarray(b), a, err_msg=f"{name} mutated")
            assert np.asarray(b).dtype == a.dtype, name


def assert_clean(record, what):
    """No ConvergenceWarning (max_iter is large, the problems well-posed), no
    RuntimeWarning (overflow, invalid values), no LinAlgWarning (every system
    solved here is well-conditioned)."""
    bad = [w for w in record
           if issubclass(w.category, (ConvergenceWarning, RuntimeWarning,
                                      LinAlgWarning))]
    # where each warning was raised: a RuntimeWarning from a NumPy call
    # names only the operation ("invalid value encountered in matmul")
    assert not bad, f"{what} warned: " + "; ".join(
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in bad)


def repr_floor(prob, oracle, ref, alpha, l1_ratio):
    """What rounding the optimal coefficients to float32 costs (0 for
    float64; the intercepts of the elastic net are float64 either way)."""
    if prob.dtype == np.float64:
        return 0.0
    w_ref, _, f_ref = ref
    w32 = np.asarray(w_ref, dtype=prob.dtype).astype(np.float64)
    f32 = enet_objective(prob, w32, oracle.intercept(w32), alpha, l1_ratio)
    return max(0.0, f32 - f_ref)


def assert_near_optimal(prob, oracle, what, alpha, l1_ratio, w, b, ref):
    """objective(w, b) - optimum <= the documented gap bound, up to rounding."""
    f_ref = ref[2]
    assert np.all(np.isfinite(w)) and np.isfinite(b), f"{what}: NaN or inf in the result"
    f = enet_objective(prob, w, b, alpha, l1_ratio)
    tol_bound = prob.tol * oracle.yvar
    allowed = (_SLACK[prob.dtype] * tol_bound + _FLOOR[prob.dtype] * oracle.yvar
               + 4 * repr_floor(prob, oracle, ref, alpha, l1_ratio))
    excess = f - f_ref
    note(f"{what}: alpha={alpha!r} l1_ratio={l1_ratio} objective={f!r} "
         f"optimum={f_ref!r} tol_bound={tol_bound:.3g} "
         f"excess/tol_bound={excess / tol_bound if tol_bound else np.inf:.3g}")
    # the oracle must not be beaten (beyond rounding): else the oracle is wrong
    assert excess >= -(1e-3 * tol_bound + 1e-12 * oracle.yvar), (
        f"ORACLE not optimal: {what} objective {f!r} < oracle {f_ref!r}")
    assert excess <= allowed, (
        f"{what} at alpha={alpha:.6g}, l1_ratio={l1_ratio}: objective {f!r} is "
        f"{excess:.3g} above the optimum {f_ref!r}; allowed {allowed:.3g} "
        f"(tol_bound {tol_bound:.3g}, excess = {excess / tol_bound:.3g} tol_bound)")


def _alpha_scale(oracle, l1_ratio):
    """A natural alpha scale: max_j |x_j^T S y_c| / W / l1_ratio."""
    top = float(np.max(np.abs(oracle.c), initial=0.0))
    return top / max(l1_ratio, 0.1) if top > 0 else 1.0


def run_path(prob, *, l1_ratio, record_what, **kw):
    """enet_path (lasso_path for l1_ratio=1) with warnings recorded."""
    args = dict(sample_weight=prob.sample_weight, penalty_factor=prob.penalty_factor,
                return_intercept=True, return_n_iter=True, **prob.fit_kwargs(), **kw)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        if l1_ratio == 1.0:
            out = fastreg.lasso_path(prob.X, prob.y, **args)
        else:
            out = fastreg.enet_path(prob.X, prob.y, l1_ratio=l1_ratio, **args)
    alphas, coefs, gaps, n_iters, intercepts = out
    note(f"{record_what}: alphas={alphas!r} n_iters={n_iters!r} gaps={gaps!r}")
    assert coefs.dtype == prob.dtype
    assert np.all(np.isfinite(coefs)), f"{record_what}: NaN or inf in coefs"
    assert np.all(np.isfinite(intercepts)), f"{record_what}: NaN or inf in intercepts"
    assert np.all(np.isfinite(gaps)), f"{record_what}: NaN or inf in dual_gaps"
    if not prob.fit_intercept:
        assert np.all(intercepts == 0)
    assert_clean(record, record_what)
    return alphas, coefs, intercepts


def exponents(low, high):
    """Decimal exponents in [low, high] by steps of 0.1 (shrinking towards 0).
    (st.floats favours 0, subnormals and the bounds: too few useful alphas.)"""
    return st.integers(round(10 * low), round(10 * high)).map(lambda k: k / 10)


l1_ratios = st.sampled_from([1.0, 0.5, 0.9, 0.1])
precomputes = st.sampled_from(["auto", False, True])


# ------------------------------------------------------------------ tests


def check_grid_top(prob, oracle, top, l1_ratio, what="grid top"):
    """The grid starts at alpha_max, as exactly as tol allows.

    With every pf > 0, alpha_max is a closed formula (rounding only).  With
    unpenalised features it follows their fit, solved to a duality gap of
    0.01 * tol_bound: the residual is then within sqrt(0.02 tol) ||y_c||_S
    of the optimal one, which moves each |x_j^T S r| / W by at most
    sqrt(0.02 tol) times the natural scale ``||x_j||_S ||y_c||_S / W``.
    """
    amax = oracle.alpha_max(l1_ratio)
    note(f"oracle alpha_max={amax!r}, {what}={top!r}")
    if amax is None:
        return
    natural = oracle.natural_alpha(l1_ratio)
    atol = _AMAX_ATOL[prob.dtype] * natural
    if np.any(prob.pf64 == 0):
        atol += 10 * math.sqrt(0.02 * prob.tol) * natural
    assert abs(top - amax) <= _AMAX_RTOL[prob.dtype] * amax + atol, (
        f"{what} {top!r} != alpha_max {amax!r} (allowed difference "
        f"{_AMAX_RTOL[prob.dtype] * amax + atol:.3g})")


def check_path_given_alphas(data, prob):
    oracle = Oracle(prob)
    assume(oracle.yvar > 0)
    l1_ratio = data.draw(st.sampled_from([1.0, 0.5, 0.9, 0.1, 0.0]), label="l1_ratio")
    exps = data.draw(st.lists(exponents(-3.0, 0.5), min_size=1, max_size=3),
                     label="alpha exponents (of 10, times the alpha scale)")
    precompute = data.draw(precomputes, label="precompute")
    alphas = np.array([_alpha_scale(oracle, l1_ratio) * 10.0 ** e for e in exps])
    before = snapshot(prob, alphas)
    got_alphas, coefs, intercepts = run_path(prob, l1_ratio=l1_ratio, alphas=alphas,
                                             precompute=precompute,
                                             record_what="enet_path(alphas=...)")
    assert_not_mutated(before, prob, alphas)
    np.testing.assert_allclose(got_alphas, np.sort(alphas)[::-1], rtol=0)
    refs = oracle.path(got_alphas, l1_ratio)
    for i, a in enumerate(got_alphas):
        assert_near_optimal(prob, oracle, f"path alpha #{i}", a, l1_ratio,
                            coefs[:, i], intercepts[i], refs[i])


def check_path_grid(data, prob):
    oracle = Oracle(prob)
    assume(oracle.yvar > 0)
    l1_ratio = data.draw(l1_ratios, label="l1_ratio")
    n_alphas = data.draw(st.sampled_from([3, 10]), label="n_alphas")
    eps = data.draw(st.sampled_from([1e-2, 1e-3]), label="eps")
    precompute = data.draw(precomputes, label="precompute")
    before = snapshot(prob)
    alphas, coefs, intercepts = run_path(prob, l1_ratio=l1_ratio, n_alphas=n_alphas,
                                         eps=eps, precompute=precompute,
                                         record_what="enet_path(n_alphas=...)")
    assert_not_mutated(before, prob)
    assert alphas.shape == (n_alphas,) and np.all(np.diff(alphas) <= 0)
    assert np.all(alphas > 0) and np.all(np.isfinite(alphas))
    check_grid_top(prob, oracle, alphas[0], l1_ratio)
    if oracle.alpha_max(l1_ratio) is not None:
        np.testing.assert_allclose(alphas[-1] / alphas[0], eps, rtol=1e-9)
    # the penalised coefficients are 0 at the top of the grid (with
    # unpenalised features, the top may be below alpha_max by what tol allows)
    if np.all(prob.pf64 > 0):
        assert np.all(coefs[:, 0] == 0), "nonzero coefficient at alpha_max"
    pick = sorted({0, n_alphas // 2, n_alphas - 1})
    refs = oracle.path(alphas[pick], l1_ratio)
    for i, ref in zip(pick, refs):
        assert_near_optimal(prob, oracle, f"grid alpha #{i}", alphas[i], l1_ratio,
                            coefs[:, i], intercepts[i], ref)


def check_estimator(data, prob):
    oracle = Oracle(prob)
    assume(oracle.yvar > 0)
    which = data.draw(st.sampled_from(["Lasso", "ElasticNet"]), label="estimator")
    l1_ratio = 1.0 if which == "Lasso" else data.draw(
        st.sampled_from([0.5, 0.9, 0.1, 0.0]), label="l1_ratio")
    e = data.draw(exponents(-3.0, 0.5), label="alpha exponent")
    alpha = _alpha_scale(oracle, l1_ratio) * 10.0 ** e
    kw = prob.fit_kwargs()
    if which == "Lasso":
        est = fastreg.Lasso(alpha=alpha, penalty_factor=prob.penalty_factor, **kw)
    else:
        est = fastreg.ElasticNet(alpha=alpha, l1_ratio=l1_ratio,
                                 penalty_factor=prob.penalty_factor, **kw)
    before = snapshot(prob)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(prob.X, prob.y, sample_weight=prob.sample_weight)
    note(f"{which}: n_iter_={est.n_iter_} dual_gap_={est.dual_gap_!r}")
    assert_not_mutated(before, prob)
    assert_clean(record, which)
    assert est.coef_.dtype == prob.dtype and est.coef_.shape == (prob.params["p"],)
    assert np.isfinite(est.dual_gap_)
    ref = oracle.path([alpha], l1_ratio)[0]
    assert_near_optimal(prob, oracle, which, alpha, l1_ratio, est.coef_,
                        float(est.intercept_), ref)
    # predict agrees with coef_ and intercept_
    pred = est.predict(prob.X)
    assert pred.shape == (prob.params["n"],) and np.all(np.isfinite(pred))


def check_ridge(data, prob):
    oracle = Oracle(prob)
    assume(oracle.yvar > 0)
    lo_exp = -6.0 if prob.dtype == np.float64 else -3.0
    e = data.draw(exponents(lo_exp, 3.0), label="alpha exponent (of lambda_max)")
    solver = data.draw(st.sampled_from(["auto", "cholesky"]), label="solver")
    lam = float(np.linalg.eigvalsh(oracle.H)[-1]) * prob.sw64.sum()
    alpha = (lam if lam > 0 else 1.0) * 10.0 ** e
    before = snapshot(prob)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est = fastreg.Ridge(alpha=alpha, fit_intercept=prob.fit_intercept,
                            solver=solver).fit(prob.X, prob.y,
                                               sample_weight=prob.sample_weight)
    assert_not_mutated(before, prob)
    assert_clean(record, "Ridge")
    w, b = est.coef_, float(est.intercept_)
    assert np.all(np.isfinite(w)) and np.isfinite(b), "Ridge: NaN or inf"
    assert w.dtype == prob.dtype
    w_ref, b_ref = oracle.ridge(alpha)
    f = ridge_objective(prob, w, b, alpha)
    f_ref = ridge_objective(prob, w_ref, b_ref, alpha)
    scale = oracle.yvar * prob.sw64.sum()       # sum sw (y - ybar)^2
    floor = 0.0
    if prob.dtype != np.float64:
        # the optimum rounded to float32: coef_, and intercept_ (float32 too,
        # as scikit-learn's) off by half a float32 spacing at worst
        w32 = w_ref.astype(prob.dtype).astype(np.float64)
        b32 = oracle.intercept(w32)
        if prob.fit_intercept:
            b32 += 0.5 * float(np.spacing(np.float32(abs(b32))))
        floor = max(0.0, ridge_objective(prob, w32, b32, alpha) - f_ref)
    allowed = _RIDGE_RTOL[prob.dtype] * scale + 4 * floor
    excess = f - f_ref
    note(f"Ridge alpha={alpha!r} solver_={est.solver_} objective={f!r} "
         f"optimum={f_ref!r} excess/scale={excess / scale:.3g}")
    assert excess >= -1e-12 * scale, f"ORACLE not optimal: {f!r} < {f_ref!r}"
    assert excess <= allowed, (
        f"Ridge(alpha={alpha:.6g}, solver_={est.solver_!r}): objective {f!r} is "
        f"{excess:.3g} above the optimum {f_ref!r}; allowed {allowed:.3g} "
        f"(= {excess / scale:.3g} of sum sw (y - ybar)^2); coef error "
        f"{np.linalg.norm(w - w_ref):.3g} against a norm of {np.linalg.norm(w_ref):.3g}")


def scaled_problems(**kw):
    """(prob, prob_scaled, which, exponent): y or X times 2**k (``kw`` go
    to ``problems``)."""
    @st.composite
    def strat(draw):
        base = draw(problems(**{"max_n": 15, "max_p": 15, **kw}))
        which = draw(st.sampled_from(["y", "X"]), label="scaled")
        k = draw(st.integers(-500, 500), label="k (scale 2**k, clipped)")
        # keep every scaled entry's magnitude (and its square's) in range
        m = float(np.max(np.abs(base.y64 if which == "y" else base.X64)))
        lim = 1e140 if base.dtype == np.float64 else 1e12
        if m == 0:
            k = 0
        else:
            k = int(np.clip(k, math.ceil(math.log2(1 / lim / m)) + 1,
                            math.floor(math.log2(lim / m))))
        params = dict(base.params)
        params.pop("y_scale_exp", None)
        params.pop("x_scale_exp", None)
        scaled = build_problem(**params, **{f"{which.lower()}_scale_exp": k})
        return base, scaled, which, k
    return strat()


def check_scale_invariance(data, case):
    """Lasso: y * 2**k gives coef * 2**k at alpha * 2**k; X * 2**k gives
    coef / 2**k at alpha * 2**k; the default grid scales by 2**k (issue
    item 7: y * 1e-150 gave an all-zero model)."""
    prob, scaled, which, k = case
    oracle = Oracle(prob)
    assume(oracle.yvar > 0)
    t = 2.0 ** k
    exps = data.draw(st.lists(exponents(-3.0, 0.5), min_size=1, max_size=2),
                     label="alpha exponents")
    alphas = np.sort([_alpha_scale(oracle, 1.0) * 10.0 ** e for e in exps])[::-1]

    def unscale(coefs, intercepts):
        if which == "y":
            return coefs.astype(np.float64) / t, intercepts / t
        return coefs.astype(np.float64) * t, intercepts

    # given alphas, scaled with the data
    _, coefs, ints = run_path(scaled, l1_ratio=1.0, alphas=alphas * t,
                              record_what=f"lasso_path({which} * 2**{k}, alphas * 2**{k})")
    coefs, ints = unscale(coefs, ints)
    refs = oracle.path(alphas, 1.0)
    for i, a in enumerate(alphas):
        assert_near_optimal(prob, oracle, f"scaled {which} * 2**{k}, alpha #{i}",
                            a, 1.0, coefs[:, i], ints[i], refs[i])
    # the default grid scales with the data
    grid, coefs, ints = run_path(scaled, l1_ratio=1.0, n_alphas=3,
                                 record_what=f"lasso_path({which} * 2**{k}, grid)")
    check_grid_top(prob, oracle, grid[0] / t, 1.0,
                   what=f"grid top of the scaled problem / 2**{k}")
    coefs, ints = unscale(coefs, ints)
    refs = oracle.path(grid / t, 1.0)
    for i in range(3):
        assert_near_optimal(prob, oracle, f"grid of {which} * 2**{k}, alpha #{i}",
                            grid[i] / t, 1.0, coefs[:, i], ints[i], refs[i])


# -- the default run (under a minute on two cores) and the slow variants


@_settings(300)
@given(data=st.data(), prob=problems())
def test_enet_path_given_alphas(data, prob):
    check_path_given_alphas(data, prob)


@_settings(200)
@given(data=st.data(), prob=problems())
def test_enet_path_grid(data, prob):
    check_path_grid(data, prob)


@_settings(300)
@given(data=st.data(), prob=problems())
def test_lasso_elasticnet_fit(data, prob):
    check_estimator(data, prob)


@_settings(400)
@given(data=st.data(), prob=problems(bounds=False, pf_kinds=["none"]))
def test_ridge(data, prob):
    check_ridge(data, prob)


@_settings(200)
@given(data=st.data(), case=scaled_problems())
def test_lasso_scale_invariance(data, case):
    check_scale_invariance(data, case)


@pytest.mark.slow
@_settings(1000)
@given(data=st.data(), prob=problems(max_n=60, max_p=60))
def test_enet_path_given_alphas_slow(data, prob):
    check_path_given_alphas(data, prob)


@pytest.mark.slow
@_settings(600)
@given(data=st.data(), prob=problems(max_n=60, max_p=60))
def test_enet_path_grid_slow(data, prob):
    check_path_grid(data, prob)


@pytest.mark.slow
@_settings(1000)
@given(data=st.data(), prob=problems(max_n=60, max_p=60))
def test_lasso_elasticnet_fit_slow(data, prob):
    check_estimator(data, prob)


@pytest.mark.slow
@_settings(1000)
@given(data=st.data(), prob=problems(max_n=60, max_p=60, bounds=False, pf_kinds=["none"]))
def test_ridge_slow(data, prob):
    check_ridge(data, prob)


@pytest.mark.slow
@_settings(500)
@given(data=st.data(), case=scaled_problems())
def test_lasso_scale_invariance_slow(data, case):
    check_scale_invariance(data, case)


# -- the oracle itself, against scikit-learn (no weights, pf or bounds)


@_settings(50)
@given(prob=problems(dtypes=(np.float64,), layouts=["F"], bounds=False,
                     pf_kinds=["none"], weight_kinds=["none"], offsets=False),
       l1_ratio=st.sampled_from([1.0, 0.5]), e=exponents(-2.0, 0.0),
       ridge_e=exponents(-4.0, 2.0))
def test_oracle_matches_sklearn(prob, l1_ratio, e, ridge_e):
    from sklearn.linear_model import ElasticNet as SkElasticNet
    from sklearn.linear_model import Ridge as SkRidge
    oracle = Oracle(prob)
    assume(oracle.yvar > 0)
    alpha = _alpha_scale(oracle, l1_ratio) * 10.0 ** e
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=prob.fit_intercept,
                          tol=1e-14, max_iter=200_000).fit(prob.X64, prob.y64)
    w, b, f = oracle.path([alpha], l1_ratio)[0]
    f_sk = enet_objective(prob, sk.coef_, sk.intercept_, alpha, l1_ratio)
    # the oracle is at least as good as a very tight scikit-learn fit, and
    # they agree to far below any tolerance tested
    assert f <= f_sk + 1e-13 * oracle.yvar
    assert f_sk - f <= 1e-10 * oracle.yvar
    np.testing.assert_allclose(w, sk.coef_, atol=1e-5 * (1 + np.abs(w).max()))
    # ridge: same objective, same optimum
    lam = float(np.linalg.eigvalsh(oracle.H)[-1]) * prob.sw64.sum()
    ra = max(lam, 1e-3) * 10.0 ** ridge_e
    skr = SkRidge(alpha=ra, fit_intercept=prob.fit_intercept, solver="svd").fit(
        prob.X64, prob.y64)
    wr, br = oracle.ridge(ra)
    np.testing.assert_allclose(wr, skr.coef_, rtol=1e-7, atol=1e-9 * (1 + np.abs(wr).max()))
    assert br == pytest.approx(float(skr.intercept_), rel=1e-7, abs=1e-7)
