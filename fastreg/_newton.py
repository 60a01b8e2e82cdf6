"""Certified elastic-net paths for any datafit, by working-set proximal Newton.

The loss enters only through a datafit object (``fastreg._datafits``) and
the penalty through ``fastreg._penalties.ElasticNetPenalty``.  For each
alpha of a warm-started path, ``ProxNewton.solve``:

1. certifies the current point: a dual point from the datafit's gradient,
   projected (in the curvature's metric) onto the intercept's and the
   unpenalised features' constraints, scaled into the penalty's domain;
   the gap ``P(w, b) - D(theta)`` bounds the suboptimality;
2. stops when the gap is at most ``tol * F(b0)`` (F(b0): the intercept-only
   objective), else builds a working set: the support, the unpenalised
   features and the features whose correlation is nearest their constraint;
3. solves the working set by proximal Newton steps: coordinate descent on
   the datafit's quadratic model (``_newton_fast.newton_cd``), then a
   backtracking line search on the exact change of the true objective,
   until the model's predicted decrease (the Newton decrement) is a
   fraction of the gap.

A full gradient pass serves both the certificate and the next working set.
"""
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from . import _cd_fast, _newton_fast
from ._anderson import anderson_weights
from ._config import speed_copy_fits
from ._datafits import row_reduce
from ._penalties import ElasticNetPenalty, penalised_alpha_max
from ._ridge import cholesky_solve
from ._validation import as_kernel_X

_WS_MIN = 10                # smallest working set
_INNER_RATIO = 0.1          # a working set is solved to this fraction of the gap
_RESIDUAL_RATIO = 0.1       # a binary step's model: to this fraction of the residual
# model CD stops when its largest gradient move max H_j |dw_j| is at most
# this multiple of target / (||w_ws||_1 + 1): the gap is about the gradient's
# error times the coefficients' size (measured again on 2026-12-08, 100-alpha
# L1 paths, one thread, alternating runs: pypi_text's first 200k rows 3.07-3.96 s
# and 129 Newton steps at 3.0, 3.31-3.84 s and 119 at 1.0, 3.78-4.23 s and
# 118 at 0.3, 4.54-4.83 s and 194 at 10; npm_text 1.92-2.46 s and 80 steps
# at 3.0, 2.14-2.44 and 80 at 1.0, 2.35-2.61 and 80 at 0.3, 2.18-2.52 and 102
# at 10)
_CD_RATIO = 3.0
_CD_EPOCHS = 1000           # CD epochs per Newton step at most
_DIRECT_WORK = 2e8          # |ws|^2 (n + |ws| / 3) at most for a direct Newton step
# softmax_cg solves to this fraction of the kernel's tol (its gradient
# criterion stops earlier than the kernel's last sweep, whose steps overshoot
# it: at the kernel's tol, iris's fold fit at C = 21.5, tol 1e-8, ended
# 1.1e-5 (relative) from the CV path's coefficients, 1.7e-7 at a tenth)
_CG_RATIO = 0.1
# Anderson: sweeps per snapshot, snapshots per point (the path of
# LogisticRegressionCV's 20 Cs on the first of 5 folds of pypi_text's first
# 50k rows, two runs each: 1.92-2.02 s at (6, 4), 2.33-2.55 at (3, 4),
# 2.40-2.41 at (6, 8), 2.04-2.14 at (10, 4); the second fold alike)
_CD_CHUNK, _CD_DEPTH = 6, 4
# a Newton model on sparse X keeps the curvature between columns of the
# samples whose curvature is at least _COMPACT_CURVATURE of the largest only,
# when they are at most _COMPACT_SHARE of the samples (the copy then costs
# about a sweep, and each sweep reads about half the entries or fewer) and
# no column's centred curvature moves by over _COMPACT_DISTORTION (see
# compact_model); the dropped samples' part of a column's gradient and
# curvature sits in the column's private row, whose entry is _PRIVATE (a
# power of two: the scaling is exact; large: the row adds 1 / _PRIVATE of
# that curvature to the column's with the intercept).  (LogisticRegressionCV
# on pypi_text's 50k rows: 1e-4 of the largest, or 0.8 of the samples, took
# the same time within noise; 1e-3 took 2-6 times the Newton steps.)
_COMPACT_CURVATURE, _COMPACT_SHARE, _COMPACT_DISTORTION = 1e-5, 0.5, 0.1
_PRIVATE = 2.0 ** 20
_ARMIJO = 1e-4              # sufficient decrease of the line search
_HALVINGS = 40              # line-search halvings at most
# a step that finds no descent within _HALVINGS_UNDAMPED halvings is solved
# again with every sample's curvature at least these fractions of the
# datafit's bound (see newton_step)
_HALVINGS_UNDAMPED, _DAMPING = 10, (1e-4, 1e-2, 1.0)
# a single fit's warm path only seeds its alpha: solved to this many times
# tol, but to no more than _WARM_TOL_MAX (the gap relative to F(b0), and the
# optimality residual); the alpha itself to tol
# (LogisticRegression(l1_ratio=1) on npm_text's first 50k rows: C = 0.1, 1,
# 10 took 18, 35, 47 Newton steps with the warm path at tol, 13, 27, 39 at
# 10 tol, 0.08, 0.21, 0.72 s against 0.07, 0.17, 0.67 s; 100 tol saved more
# but left weighted and repeated samples' fits 1e-7 apart, where
# scikit-learn's estimator checks want them equal to that)
_WARM_TOL, _WARM_TOL_MAX = 10.0, 1e-2
# and a warm alpha ends at the first round that lowers its objective by at
# most _SETTLED tol_abs (the final alpha's tol): on nearly separable data
# its gap, set by the residual times ||w||_1, lags far behind its objective
# (LogisticRegression(l1_ratio=1) on npm_text's 40k-row fold at C = 3,793:
# the last warm alpha's objective was within 0.03 tol_abs of its minimum
# after 8 of its 17 steps; C = 3,793 and 10,000 spent all 100 steps, 82-85
# on the warm path, and warned; now 71 and 73 steps, converged, 1.56-1.65 s
# against 1.69-1.98 s; C = 546: 77 -> 59 steps, 1.31 -> 0.81 s; pypi_text's
# at C = 10,000: 98 -> 84 steps, 4.89 -> 4.32 s; 1.0 instead of 0.1: the
# same within noise)
_SETTLED = 0.1
_JOINT_STEPS = 5            # multinomial steps between two certificates at most
_SLOW_ROUND, _TIGHTEN = 0.7, 0.1  # a round that keeps 70% of the gap: 10x tighter
_QN_EVERY = 5               # L-BFGS iterations between two certificates, at most
_QN_NEAR = 3.0              # ... while the calibrated prediction is within this of tol
_QN_HANDOVER = 10           # iterations that must halve the prediction (see quasi_newton)
_STEPWISE = 10              # budgets below: plain rounds (see SoftmaxNewton.solve)
_QN_DENSITY = 0.25          # X denser than this: L-BFGS for smooth fits (quasi_newton_first)
_STALL_WINDOW, _STALL_MARGIN = 10, 2.0      # see stalled
# the window after an alpha of the path ended unconverged: at a smaller
# alpha the next one nearly always stalls too (LogisticRegressionCV on
# npm_text's 50,000 rows: the six largest Cs took 11-27 rounds each, at
# 1,700-5,100 times tol, 0.9 of a fold's 2.4 s; they stalled because their
# models were solved too loosely, and converge since _RESIDUAL_RATIO)
_STALL_WINDOW_AFTER = 3
_SKIP_MARGIN, _SKIP_RUN, _SKIP_RUN_MAX = 2.0, 3, 24   # see ProxNewton.solve
_SUPPORT_GROWTH = 1.25        # see newton_path
_QUICK_STEPS = 2            # see ProxNewton.solve
_POLISH_GAP = 10.0          # see ProxNewton.solve
_SCREEN_AT, _SCREEN_SHARE = 0.8, 0.6      # see ProxNewton._correlations
_SOFTMAX_WORK = 2e10        # n (f K)^2 at most, see SoftmaxNewton._softmax_projected
# a copy of X taken for speed only at most (SoftmaxNewton._wide, local_samples)
_SPEED_COPY_MAX_BYTES = 512 * 2 ** 20
# sparse X with this many samples or more, for a path of _LOCAL_ALPHAS
# alphas or more, is solved with its samples reordered (local_order)
_LOCAL_SAMPLES, _LOCAL_ALPHAS, _LOCAL_COLUMNS = 2 ** 16, 10, 126
_EPS = np.finfo(np.float64).eps
_EMPTY = np.empty(0)        # (no theta0 for dual_point, no weights for col_norms_sparse)
_INT32_ENTRIES = np.iinfo(np.int32).max   # dense X larger than this: 64-bit offsets


def stalled(gaps, tol_abs, left, window=_STALL_WINDOW):
    """Whether an alpha's solve cannot reach tol_abs within its step budget:
    its best gap fell over the last ``window`` rounds so little that, at
    that rate, it would need over _STALL_MARGIN times the ``left`` rounds.  On
    nearly separable data at tiny alpha each step's coordinate descent moves
    every coefficient a little and the gap stays about constant: without
    this, max_iter steps are spent (7.5 of a fold path's 8.3 s on npm_text's
    40,000 rows at scikit-learn's largest Cs) for the same unconverged
    result and its warning.  (LogisticRegressionCV, 5 folds x 20 Cs, L1, on
    npm_text's 50,000 rows: 44.2 s before, 22.5 s with it, the same C_;
    scikit-learn's with liblinear 59.3 s.  A margin of 2 instead of 10:
    21.0 -> 17.0 s, the same C_ and scores to 4 digits.  A linear rate is
    optimistic for a gap falling geometrically: such a solve that would
    converge within its budget is stopped only once its gap is within 1.65
    times tol_abs.  Those npm_text fits stalled because their models were
    solved too loosely: since ``inner_target``'s residual ratio they
    converge, and with ``newton_cd``'s hot sweeps that CV takes 21 s.)"""
    if len(gaps) <= window:
        return False
    best, before = min(gaps), min(gaps[:-window])
    rate = (before - best) / window
    # (a gap within tol whose residual is not, and no better over the
    # window: rounding-level steps, which went on to max_iter)
    return rate * _STALL_MARGIN * left < best - tol_abs or (
        np.isfinite(best) and best >= before)


def inner_target(gap, resid, tol_abs, tol_grad, w, residual_ratio=0.0):
    """How far an inner solve goes (in objective units): a fraction of the
    gap, not far below tol (a point not yet certified, gap inf: to that
    floor, else its steps barely move); while the optimality residual
    exceeds tol_grad, a model solved to that gradient precision; and with
    a ``residual_ratio``, a model solved to that fraction of the current
    residual (in the same units, times ||w||_1 + 1), not below 1e-2 tol.

    The gap is about the residual times ||w||_1, so on nearly separable
    data, where ||w||_1 is large, a model solved to a fraction of the gap
    is solved to about the residual it starts from: its coordinate descent
    stops after a sweep, each step barely moves, and the alpha stalls far
    from tol (binary LogisticRegressionCV on npm_text's first 50k rows: 28
    of its 100 fold fits, every C from 78 on, ended at 950-5,200 times
    tol, and a single fit at C = 546 ended 5.5e-5 above scikit-learn's
    liblinear objective; with a ratio of 0.1 every fit converged, 1e-5
    below liblinear's; 0.3 left 12 fold fits unconverged).

    (An alpha's first certificate, the datafit's own dual point at the warm
    start, overstates the suboptimality: at pypi_text's smallest alphas
    50-400 times tol with the objective within tol of its minimum.  Aiming
    every inner solve within tol_abs took its L1 path from 5.7-6.0 to
    5.1-5.4 s, but LogisticRegressionCV on npm_text's first 50k rows from 11
    to 64 s; aiming only the first step of an alpha so cost the same.
    ProxNewton.solve aims it so only after an alpha of few steps.)"""
    target = max(_INNER_RATIO * gap, 0.3 * tol_abs) if np.isfinite(gap) else 0.3 * tol_abs
    scale = np.abs(w).sum() + 1.0
    if resid > tol_grad:
        target = min(target, 0.3 * tol_grad * scale)
    if residual_ratio and np.isfinite(resid):
        target = min(target, max(residual_ratio * resid * scale, 1e-2 * tol_abs))
    return target


def rounding_floor(design, theta, r, fit_intercept, sums=None):
    """What rounding alone can put in the optimality residual, per entry: a
    computed x_j . theta_k is exact to n eps sum_i |x_ij theta_ik| <= n eps
    ||x_j|| ||theta_k|| (an array ordered as v, class-major), a computed
    sum_i r_ik to n eps ||r_k||_1 (the largest over the classes; 0 without
    an intercept).  The residual is measured beyond it, so a tol below
    rounding (scikit-learn's own tests ask for 1e-18) ends at the rounding
    level instead of spending max_iter steps there; per column, so one
    column of huge values does not hide the others' violations.  ``sums``:
    a 1-D theta's ``DualSums``, read instead of theta and r."""
    n = theta.shape[0]
    if sums is None:
        theta_norms = np.atleast_1d(np.sqrt(np.einsum("i...,i...->...", theta, theta)))
        r_abs = float(np.max(np.sum(np.abs(r), axis=0), initial=0.0))
    else:
        theta_norms, r_abs = (sums.norm,), sums.r_abs
    features = 2.0 * n * _EPS * np.concatenate([design.norms * t for t in theta_norms])
    intercept = n * _EPS * r_abs if fit_intercept else 0.0
    return features, intercept


def unconstrained_slack(w_free, v_free, b, theta, fit_intercept, A=None, magnitudes=None,
                        budget=0.0, sums=None):
    """What the dual's constraints on the unconstrained variables leave
    unmet, priced at the iterate's values: sum |w_j| |x_j . theta| over the
    projected unpenalised features and |b| |sum_i theta_i| per intercept.
    The projection meets those constraints only to rounding, and the gap's
    lower bound on the optimum is off by <w*, X^T theta> + b* sum(theta),
    to first order at the iterate's values.  Priced term by term, each
    rounding counts (the signed sum, theta . (b + X_free w_free), is
    smaller where b + 100 w cancels, but then the primal's own rounding at
    those values went uncounted, and 8 of 32 fits still reported gaps below
    their suboptimality).  Negligible unless the values are huge: a column
    nearly constant next to the intercept (100 + 1e-4 z) takes |w| ~ 1e3,
    and without this term 12 of 32 such fits reported a gap below their
    suboptimality (by up to 3e-13; 1e-10 at 100 + 1e-7 z).

    A float64 sum or dot product of n terms may err by n eps times the sum
    of their magnitudes, and may round to 0 what is not: where that error,
    priced at |b| or |w_j|, could exceed 1e-3 of ``budget`` (the gap
    without this term), the sum (and, given the free columns ``A`` and the
    certificate's ``magnitudes`` |A|^T |theta|, the dot products) is taken
    again in extended precision (at 100 + 1e-8 z, |b| = 1.3e10: a computed
    sum of 0 certified a gap of 6e-17 at a point 1.9e-9 from the optimum).
    theta is (n,) or (n, K), w_free and v_free (f,) or (K, f) alike,
    magnitudes (f,) or (f, K), b a scalar or (K,); ``sums``: a 1-D
    theta's ``DualSums``, whose sums of theta and |theta| it reads."""
    n = theta.shape[0]
    err = (n + 2) * _EPS
    w_abs, v_abs = np.abs(w_free), np.abs(v_free)
    if A is not None and w_free.size:
        if np.any(w_abs * (err * magnitudes.T) > 1e-3 * budget):
            exact = A.astype(np.longdouble).T @ theta.astype(np.longdouble)
            v_abs = np.abs(exact.T.astype(np.float64)).reshape(v_abs.shape)
    slack = float(np.sum(w_abs * v_abs))
    if fit_intercept:
        total, size = ((theta.sum(axis=0), np.abs(theta).sum(axis=0)) if sums is None
                       else (sums.total, sums.abs_sum))
        if np.any(np.abs(b) * err * size > 1e-3 * budget):
            total = theta.astype(np.longdouble).sum(axis=0).astype(np.float64)
        slack += float(np.sum(np.abs(b) * np.abs(total)))
    return slack


class DualSums(NamedTuple):
    """What a certificate reads of its dual point theta (1-D), taken with
    it (``ProxNewton._dual_point``): ||theta||, sum |theta|, sum theta,
    sum |r| (the datafit's gradient), ``shift`` the distance from the
    point the datafit's gradient gives, ``dist`` from the last point whose
    product was computed whole (NaN: none)."""
    norm: float
    abs_sum: float
    total: float
    r_abs: float
    shift: float
    dist: float


def dual_sums(theta, r, shift=0.0, theta0=None):
    """theta's ``DualSums`` by NumPy (the kernel ``dual_point`` takes them
    with theta), given its ``shift`` and the last whole product's point."""
    return DualSums(float(np.linalg.norm(theta)), float(np.abs(theta).sum()),
                    float(theta.sum()), float(np.abs(r).sum()), shift,
                    np.nan if theta0 is None else float(np.linalg.norm(theta - theta0)))


def optimality_residual(pen, w, v, r, rounding, fit_intercept, slack=0.0):
    """The largest distance of ``-v`` from the penalty's subdifferential at
    w and, with an intercept, the intercepts' gradients sum_i r_i (per
    class), each beyond its rounding (``rounding_floor``); ``slack`` per
    feature: how far v may be from the gradient's own (a model's dual
    point, see ProxNewton.certificate)."""
    floor, floor_b = rounding
    res = float(np.max(pen.violation(w, -v) - floor + slack, initial=0.0))
    if fit_intercept:
        res = max(res, float(np.max(np.abs(r.sum(axis=0)))) - floor_b)
    return max(res, 0.0)


class Step:
    """An accepted proximal Newton step: coefficients, intercept and
    predictor moves (d is taken times t), the datafit there, its sweeps and
    the model's predicted decrease."""

    def __init__(self, coef, d, db, t, evaluated, epochs, decrease, model_r=None):
        self.coef, self.d, self.db, self.t = coef, d, db, t
        self.evaluated, self.epochs, self.decrease = evaluated, epochs, decrease
        self.model_r = model_r      # the model's gradient at a step taken whole


def newton_step(design, ws, table, sub, datafit, eta, fit, old, fit_intercept,
                target):
    """One proximal Newton step on ``ws`` from the predictor ``eta``, where
    the datafit's ``fit = (value, r, h)``: coordinate descent on the model
    (gradient r, curvature h per sample), then a backtracking line search
    on the true objective, whose change along the step is the datafit's
    F(eta + t d) - F(eta), summed term by term, plus the penalty's.  The
    full step's trial also evaluates the datafit there (``step``), so a
    step taken whole costs one pass over the samples.  Returns a Step (with
    the model's gradient r + h d when the step is taken whole), or None
    when the model sees no descent (or the search finds none).

    Where the line search finds no descent within _HALVINGS_UNDAMPED
    halvings, the step is solved again with each sample's curvature raised
    to at least a fraction _DAMPING of the datafit's bound (times c_i), the
    last fraction 1: that model lies above the datafit, so its step
    descends.  Samples fitted to rounding have curvature 0 while misfit
    ones keep a gradient; a column on such samples then takes a step of
    1e16 and no halving recovers it (LogisticRegressionCV on pypi_text's
    first 50k rows: 3 of 5 folds stuck at 5,000 times tol from C = 3.4 on,
    every smaller alpha too)."""
    bound = datafit.curvature_bound
    epochs = 0
    for fraction, halvings in damping_levels(bound is not None):
        done = _model_step(design, ws, table, sub, datafit, eta, fit, old, fit_intercept,
                           target, fraction * (bound or 0.0), halvings)
        if isinstance(done, Step):
            done.epochs += epochs
            return done
        if done is None:
            return None
        epochs += done
    return None


def damping_levels(damped=True):
    """(fraction of the curvature bound, line-search halvings) of each
    model a Newton step tries in turn: the plain one (0), then each
    damping's, the last with the whole search."""
    levels = (0.0,) + (_DAMPING if damped else ())
    return [(f, _HALVINGS if i == len(levels) - 1 else _HALVINGS_UNDAMPED)
            for i, f in enumerate(levels)]


def _model_step(design, ws, table, sub, datafit, eta, fit, old, fit_intercept, target,
                floor, halvings):
    """``newton_step`` with each sample's curvature at least ``floor`` c_i:
    a Step, None when the model sees no descent, or the sweeps spent when
    its step is not finite or the line search found none (0 when the floor
    changes no curvature: the same model would fail the same way)."""
    value, r, h = fit
    if floor:
        if np.all(h >= floor * datafit.c):
            return 0
        h = np.maximum(h, floor * datafit.c)
    elif datafit.curvature_bound and not np.all(h > 0):
        # curvature underflowed to 0 (|eta| > 745): a column on such samples
        # would be left out of the model, never moved, where at rounding
        # level it steps far and calls for the damping
        h = np.maximum(h, _EPS * datafit.curvature_bound * datafit.c)
    h_sum = float(h.sum()) if fit_intercept else 0.0
    compact = None if floor else compact_model(design, ws, r, h, h_sum)
    if compact is None:
        model_design, model_ws = design, ws
        model = np.empty((3, r.shape[0]))
        model[0] = r
        model[1] = h
        model[2] = 0.0
    else:
        model_design, model_ws, model = compact
    coef = old.copy()
    # (a compacted model is sparse X's, which model_direct does not solve)
    done = None if compact else model_direct(design, ws, coef, table, model, h_sum,
                                             fit_intercept)
    if done is None:
        cd_tol = _CD_RATIO * target / (np.abs(old).sum() + 1.0)
        done = model_cd(model_design, model_ws, coef, table, model, cd_tol, h_sum)
    epochs, db = done
    dw = coef - old
    if compact is None:
        d = model[2]
    else:
        # (the model's rows are not the samples: the step from X)
        moved = np.flatnonzero(dw)
        d = design.matvec_cols(ws[moved], dw[moved]) + db
    with np.errstate(all="ignore"):
        decrease = float(r @ d) + sub.change(old, coef)
    if not (np.isfinite(decrease) and np.all(np.isfinite(d))):
        # (a step of 1e300: the next damping's)
        return epochs
    if decrease >= 0:
        return None

    def along(t):
        return old + t * dw if t < 1 else coef

    whole = datafit.step(eta, d, value)       # (change, fit at eta + d)
    t = armijo(decrease, lambda t: (whole[0] if t == 1 else datafit.change(eta, t * d))
               + sub.change(old, along(t)), halvings)
    if t is None:
        return epochs
    evaluated = whole[1] if t == 1 else datafit.evaluate(eta + t * d)
    # (a damped model's gradient is no estimate of the datafit's at the step)
    return Step(along(t), d, db, t, evaluated, epochs, decrease,
                model[0] if t == 1 and not floor and compact is None else None)


def compact_model(design, ws, r, h, h_sum):
    """The Newton model on ``ws`` over fewer rows, for sparse X where most
    samples are fitted (their curvature below _COMPACT_CURVATURE of the
    largest, and at most _COMPACT_SHARE of the samples left): (design,
    ws, model) as ``model_cd`` takes them, or None.  ``h_sum``: sum(h)
    with the intercept, 0 without (as ``newton_cd`` takes it).

    The kept samples keep their rows.  The dropped samples' part of column
    j's model gradient, X[:, j] @ r, and of its own curvature,
    X[:, j]**2 @ h, moves to a private row of the column, whose one entry
    is _PRIVATE (gradient / _PRIVATE and curvature / _PRIVATE^2 there); a
    last row without entries holds the rest of their gradient sum and of
    their curvature sum, the intercept's.  So the model's gradient at the
    start, its diagonal curvature and the intercept's are exact; the
    dropped samples' curvature between two columns, and between a column
    and the intercept, is left out: at most _COMPACT_CURVATURE of the
    largest per sample.  The line search and the certificate still read
    every sample.

    With the intercept, a column's steps are along the column centred in
    the metric h; where the dropped samples' column-intercept curvature
    matters (a column whose mean dwarfs its spread: 100 + 0.1 z on rare
    positives), leaving it out raises that centred curvature and the steps
    crawl (a path with such a column stalled 1e4 times over tol).  The
    model is then not compacted: when any column's centred curvature would
    move by over _COMPACT_DISTORTION of itself (read off the copy's pass,
    which is then spent).

    On nearly separable data at small alpha (rare positives: pypi_text's
    label at scikit-learn's largest Cs) the model's coordinate descent
    takes 55-170 sweeps a Newton step, and 15-30% of the samples keep a
    curvature of 1e-5 of the largest; the other samples' entries were
    read at every sweep for a gradient that barely moves."""
    if not sp.issparse(design.X):
        return None
    n, m = r.shape[0], ws.shape[0]
    keep = h >= _COMPACT_CURVATURE * h.max()
    nk = int(np.count_nonzero(keep))
    entries = design.entries(ws) + m
    if (nk > _COMPACT_SHARE * n or entries >= _INT32_ENTRIES
            or not speed_copy_fits(entries * (design.dtype.itemsize + 4),
                                   _SPEED_COPY_MAX_BYTES)):
        return None
    row_of = np.full(n, -1, dtype=np.int32)
    row_of[keep] = np.arange(nk, dtype=np.int32)
    data = np.empty(entries, dtype=design.dtype)
    indices = np.empty(entries, dtype=np.int32)
    indptr = np.empty(m + 1, dtype=np.int32)
    sums = np.empty((m, 5))
    used = _newton_fast.model_rows(*design.parts, ws, row_of, nk, r, h, _PRIVATE,
                                   data, indices, indptr, sums)
    xr, e, xh, kept_xh, kept_xxh = sums.T
    model = np.zeros((3, nk + m + 1))
    model[0, :nk] = r[keep]
    model[1, :nk] = h[keep]
    model[0, nk:-1] = xr / _PRIVATE
    model[1, nk:-1] = e / _PRIVATE ** 2
    model[0, -1] = float(r[~keep].sum()) - float(model[0, nk:-1].sum())
    model[1, -1] = float(h[~keep].sum()) - float(model[1, nk:-1].sum())
    if model[1, -1] < 0:
        # (a dropped sample with a squared norm over ws beyond _PRIVATE^2)
        return None
    if h_sum > 0:
        # the centred curvature's change, ((s + xh)^2 - (s + e / P)^2) / h_sum
        # with s the kept samples' X[:, j] @ h, against the centred
        # curvature itself (to rounding: a column it leaves no curvature is
        # compacted only where its change is a rounding's too)
        plain = kept_xxh + e
        centred = plain - (kept_xh + xh) ** 2 / h_sum
        change = (xh - e / _PRIVATE) * (2 * kept_xh + xh + e / _PRIVATE) / h_sum
        if np.any(np.abs(change) > _COMPACT_DISTORTION * np.maximum(centred, 0.0)
                  + 1e-12 * plain):
            return None
    return (Design.of_csc(data[:used], indices[:used], indptr, nk + m + 1),
            np.arange(m, dtype=np.int32), model)


def smooth_unbounded(a, c, lo, hi):
    """Whether a Newton model's penalty on features with these weights and
    bounds is a plain quadratic: an L2 weight on every one, no L1, no
    bound (its model is then solved as a linear system: ``model_direct``,
    ``softmax_cg``)."""
    return (not np.any(a != 0) and bool(np.all(c > 0))
            and not np.any(np.isfinite(lo)) and not np.any(np.isfinite(hi)))


def direct_applies(design, a, c, lo, hi):
    """Whether a Newton model on features with these penalty weights and
    bounds is solved directly (``model_direct``): ``smooth_unbounded``,
    dense X, and m^2 (n + m / 3), the system's product and factorisation,
    at most _DIRECT_WORK (which also bounds the m x m system's memory:
    wide X, 20 x 3,000, would factor 3,000 x 3,000 at every step)."""
    n, m = design.shape[0], a.shape[0]
    return (not sp.issparse(design.X) and 0 < m and m * m * (n + m / 3) <= _DIRECT_WORK
            and smooth_unbounded(a, c, lo, hi))


def model_direct(design, ws, coef, table, model, h_sum, fit_intercept):
    """The model's exact minimiser on ``ws``, by a Cholesky solve, where
    its penalty is smooth there (an L2 weight on every feature, no L1, no
    bound) and X is dense and small (``direct_applies``): (coef,
    model) moved as ``model_cd`` moves them, and (1, db) returned; None
    where it does not apply, or the system is not numerically positive
    definite (the intercept's curvature gone: every sample fitted).  With
    the intercept, the columns are centred in the metric h, whose reply
    then solves the intercept exactly.

    Coordinate descent on the model of correlated dense columns near
    separation crawls: scikit-learn's default LogisticRegressionCV on the
    standardised breast cancer set, whose largest Cs leave L-BFGS
    uncertified after its budget, took 546 and 1,671 sweeps in a Newton
    step there (22 ms), where this system is 31 x 31 (0.2-0.4 ms a step;
    that CV 0.34 -> 0.23 s, then 0.15 s with quasi_newton's handover)."""
    if not direct_applies(design, *table.T) or (fit_intercept and not h_sum > 0):
        return None
    c, m = table[:, 1], ws.shape[0]
    r, h = model[0], model[1]
    Xs = design.columns(ws)
    g = Xs.T @ r + c * coef
    if fit_intercept:
        mu = (Xs.T @ h) / h_sum
        Xs -= mu
        g -= mu * float(r.sum())
    M = np.asfortranarray(Xs.T @ (h[:, None] * Xs))
    M[np.diag_indices(m)] += c
    try:
        dw, rcond = cholesky_solve(M, 0.0, -g[:, None])
    except np.linalg.LinAlgError:
        return None
    dw = dw[:, 0]
    if not (rcond > _EPS and np.all(np.isfinite(dw))):
        return None
    # the move the coefficients take once rounded, which the penalty's
    # change will read (near the optimum, dw at 1e-9 of w: 3e-8 of it is
    # rounding, enough to flip the sign of a decrease of 1e-18 made of two
    # terms of 1e-10)
    start = coef.copy()
    coef += dw
    dw = coef - start
    # (Xs holds the centred columns: the step with the intercept's reply)
    d = Xs @ dw
    db = 0.0
    if fit_intercept:
        # the intercept's reply to the centred step, and its own gradient
        db = -float(r.sum() + h @ d) / h_sum
        d += db
        db -= float(mu @ dw)
    model[2] = d
    model[0] = r + h * d
    return 1, db


def model_cd(design, ws, coef, table, model, tol, h_sum):
    """``newton_cd`` on the quadratic model, with Anderson extrapolation
    (see ``_anderson``): every _CD_CHUNK sweeps a snapshot of (coef, d,
    db), every _CD_DEPTH + 1 of them the combined point, kept when within
    the bounds and lower on the model.  ``model`` is as newton_cd takes it;
    its row d leaves as the whole predictor step, the intercept's db
    included.  Returns (sweeps, db).

    The model's curvature falls with the fitted probabilities' spread, so
    near-separable folds at large C have ill-conditioned models: on
    npm_text's first 50k rows, C = 11 and 30 took 451 and 973 sweeps
    plain, 142 and 336 extrapolated.  (Newton steps on the model's
    support, by conjugate gradients as the least-squares engine takes
    them, once took that CV from 10.1-10.6 s to 8.4-8.9 s; since the hot
    sweeps of ``newton_cd`` and the compacted models of ``compact_model``
    they cost more than they saved, and are gone: LogisticRegressionCV on
    pypi_text's and npm_text's 50k rows 13.5 -> 11.9 s and 18.1 -> 15.3 s
    without them, every fold fit converged; the 100-alpha L1 paths the
    same within noise.)

    On the 100-alpha L1 paths a model takes few sweeps: 3-6 (counting the
    sweeps over the nonzero coefficients) on pypi_text's first 200k rows,
    3-5 on npm_text, though the working set's 50 most frequent columns hold
    55-59% of its entries.  So a Gram block of those columns, which would
    spare the sweeps their reads, is not built: it costs about a sweep to
    make for each model, and its cross terms add work to every step of the
    other columns.  (Measured on 2026-12-08.  LogisticRegressionCV's models
    at the largest Cs take 100-160 sweeps, but a sweep there takes about
    0.3 ms over 7-8k columns, some 11 entries a column by that time: the
    cross terms with 50 columns would cost about as much as the sweep.)
    """
    r, h = model[0].copy(), model[1]
    start = coef.copy()
    sweeps, db, hist = 0, 0.0, []
    # (sparse X, whose parts hold an index array: the kernel's copy of
    # h * X on ws, 8 bytes an entry, is taken for speed only)
    keep_hx = design.parts[1].shape[0] > 0 and speed_copy_fits(
        8 * design.entries(ws), _SPEED_COPY_MAX_BYTES)
    while True:
        todo = min(_CD_CHUNK, _CD_EPOCHS - sweeps)
        e, step, folded = _newton_fast.newton_cd(
            *design.parts, ws, coef, table, model,
            dict(max_epochs=todo, tol=tol, h_sum=h_sum), keep_hx)
        sweeps += e
        db += step + folded
        if step:
            # (the kernel keeps the intercept's step apart: folded in)
            model[0] += h * step
            model[2] += step
        # a chunk that ended early met the kernel's stopping rule
        if e < todo or sweeps >= _CD_EPOCHS:
            return sweeps, db
        hist.append((coef.copy(), model[2].copy(), db))
        if len(hist) > _CD_DEPTH:
            db = _extrapolate_model(design, ws, hist, r, table, start, coef, model, db)
            hist = []


def _extrapolate_model(design, ws, hist, r, table, start, coef, model, db):
    """Move (coef, model) to the Anderson point of the snapshots when it is
    within the bounds and the model (r d + h d^2 / 2 plus the penalty) is
    lower there.  The combined d carries the rounding of large weights: the
    point's d is made again from X (one read of ws).  Returns the db."""
    c = anderson_weights([s[0] for s in hist])
    if c is None:
        return db
    w = c @ np.array([s[0] for s in hist[1:]])
    if np.any(w < table[:, 2]) or np.any(w > table[:, 3]):
        return db
    d = sum(ck * s[1] for ck, s in zip(c, hist[1:]))
    b = float(sum(ck * s[2] for ck, s in zip(c, hist[1:])))

    def value(w, d):
        return (float(r @ d) + 0.5 * float(d @ (model[1] * d))
                + float(table[:, 0] @ np.abs(w)) + 0.5 * float(table[:, 1] @ (w * w)))

    if not value(w, d) < value(coef, model[2]):
        return db
    coef[:] = w
    model[2] = design.matvec_cols(ws, w - start) + b
    model[0] = r + model[1] * model[2]
    return b


def metric_projection(theta, m, A, intercept, negate=False):
    """theta ((n,), or (n, K) column by column) less its components along
    1 (with ``intercept``) and the columns of A (None: none), in the metric
    m per sample: theta - m (1 mu + A lam), least squares on sqrt(m) [1, A]
    with A centred in m (the normal equations of a column whose mean dwarfs
    its spread are singular to rounding).  Linear in theta; ``negate``: its
    negative (the dual point of a gradient is its negative's projection,
    in the intercept's two passes over the samples)."""
    mm = m if theta.ndim == 1 else m[:, None]
    m_sum = float(m.sum())
    if intercept and m_sum > 0:
        along = mm * (theta.sum(axis=0) / m_sum)
        if negate:
            theta, negate = np.subtract(along, theta, out=along), False
        else:
            theta = np.subtract(theta, along, out=along)
        if A is not None:
            A = A - (m @ A) / m_sum          # centred: orthogonal to 1 in m
    if negate:
        theta = -theta
    if A is None:
        return theta
    root = np.sqrt(mm)
    # min over lam of ||(theta - m A lam) / sqrt(m)||
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(root > 0, theta / root, 0.0)
    lam = np.linalg.lstsq(np.sqrt(m)[:, None] * A, t, rcond=None)[0]
    return theta - mm * (A @ lam)


def armijo(decrease, total_change, halvings=_HALVINGS):
    """The first t in 1, 1/2, 1/4, ... (``halvings`` times) whose
    ``total_change(t)`` (the true objective's change at t times the step)
    is at most _ARMIJO t decrease (the model's predicted change, negative);
    None when none is."""
    t = 1.0
    for _ in range(halvings):
        if total_change(t) <= _ARMIJO * t * decrease:
            return t
        t *= 0.5
    return None


def working_set(pen, v, w, lo, hi, norms, free, size):
    """Support, unpenalised features (``free``) and the ``size`` features
    whose open correlation (``v`` in the directions the bounds leave open)
    is nearest (or beyond) their L1 weight, per unit column norm.  Without
    L1 every usable feature is in."""
    if not np.any(pen.a > 0):
        return np.flatnonzero(norms > 0).astype(np.int32)
    supp = np.flatnonzero(w)
    t = np.maximum(np.where(hi > 0, v, -np.inf), np.where(lo < 0, -v, -np.inf))
    with np.errstate(divide="ignore", invalid="ignore"):
        score = (pen.a - t) / norms
    score[norms == 0] = np.inf
    score[supp] = -np.inf
    score[free] = -np.inf
    forced = supp.size + free.size
    size = min(max(size, forced + 1), int(np.count_nonzero(score < np.inf)))
    if size <= 0:
        return np.empty(0, np.int32)
    ws = np.argpartition(score, size - 1)[:size]
    return np.sort(ws[score[ws] < np.inf]).astype(np.int32)


def polish_set(pen, v, w, free):
    """The support, the unpenalised features and every feature whose
    optimality ``v`` violates (``penalty.violation``): the working set of a
    round that only polishes a nearly certified point (see
    ProxNewton.solve).  None when that is empty."""
    keep = (w != 0) | (pen.violation(w, -v) > 0)
    keep[free] = True
    ws = np.flatnonzero(keep).astype(np.int32)
    return ws if ws.size else None


def quasi_newton_first(state, pen, max_steps):
    """Whether an alpha is first solved by ``quasi_newton``: for a state
    that allows it (``state.quasi_newton``), a smooth
    penalty (some L2, no L1 weight) on dense data (over _QN_DENSITY of X's
    entries nonzero, however stored: the same data stored dense
    or sparse is solved the same way), without unpenalised features (a
    column nearly constant beside the intercept needs the Newton steps'
    centred moves), with a budget beyond the _STEPWISE steps kept for the
    Newton rounds (see SoftmaxNewton.solve).  (Not on sparse text: on
    npm_text's first 50,000 rows, binary, C = 0.1, 1, 10, the Newton steps
    alone took 0.04, 0.08, 0.21 s, L-BFGS 0.07, 0.17, 0.41 s.)"""
    return (state.quasi_newton and not np.any(pen.a) and bool(np.any(pen.c > 0))
            and not state.free.size and state.design.density > _QN_DENSITY
            and max_steps > _STEPWISE)


def quasi_newton(state, pen, tol_abs, tol_grad, max_iter):
    """L-BFGS-B (scipy's) on every coefficient and intercept of ``state``
    at once, for a smooth penalty (no L1 weight), bounds kept, until
    certified; the state is left at its last point.  On correlated dense
    columns, coordinate descent of the Newton model crawls where a
    quasi-Newton step costs two products with X: scikit-learn's default fit
    (L2, C=1) of a 20,000 x 100 make_classification took 74 s with 5
    classes (scikit-learn's lbfgs: 0.2 s) and 0.24 s with 2 (0.05 s).

    With an intercept, the variables are w and b + W mu (mu: X's weighted
    column means), the model of X's centred columns: the same fit, but
    columns with a mean no longer couple with the intercept (5,000 x 40
    Gaussian columns plus 1 in 5 classes: 81 iterations left it
    uncertified, now 19; iris 91 and 20).  (Scaling the columns by their
    spread too took 14 instead of 29 iterations on one set, but 90 instead
    of 33 on columns with exact linear dependences.)

    The certificate is computed every _QN_EVERY iterations, and at every
    iteration whose gradient predicts it met (the L2 gap is
    sum_j g_j^2 / (2 c_j) + b . g_b before the dual point's projection), at
    no cost beyond the iteration's own products.  The projection can make
    the gap several times the prediction, or a fraction of it: each
    certificate's gap over its own prediction calibrates the next.  A
    prediction is met when it is, times that ratio if above 1
    (standardised digits, 10 classes: 31 certificates in 58 iterations,
    each costing two of the iterations' function calls; 15 in 59, 0.066 ->
    0.054 s); the certificates every _QN_EVERY iterations are skipped while
    the calibrated prediction exceeds _QN_NEAR times tol (a 20,000 x 100
    make_classification in 5 classes: 13 certificates in 54 iterations,
    the gap 16 to 1e5 times tol at the first 9; 4, 0.37 -> 0.31 s; raw
    digits 22 in 92, 5; the same iterations on scikit-learn's six default
    sets in benchmarks/logistic_defaults.py).

    It stalls on columns in mixed units, X * 10^U(-2, 2), and near
    separation.  Where the Newton rounds' steps are direct solves
    (``direct_applies``: binary, small dense), it hands over to them once
    _QN_HANDOVER iterations have not halved the predicted gap (3,000 x 40
    in mixed units: 94 iterations, 0.020 s -> 27, 0.010 s; scikit-learn's
    default LogisticRegressionCV on the standardised breast cancer set,
    whose largest Cs ran the budget, 0.23 -> 0.15 s; no change where it
    converges).  Elsewhere it runs its budget: handing over to coordinate
    descent on the Newton model took 1.4-30 s instead of 1.2-5 s with 3
    classes, and gained nothing with 2.  Returns the iterations and the
    last point's (gap, v) when it was certified, else None."""
    from scipy.optimize import Bounds, minimize
    m = state.w.shape[0]
    b_shape = np.shape(state.b)
    nb = int(np.prod(b_shape)) if state.fit_intercept else 0
    c = pen.c
    p = state.design.shape[1]
    mu = state.design.dots(state.datafit.c) if nb else np.zeros(p)
    last = {}

    def split(z):
        """(w, b) of the variables z = (w, b + W mu)."""
        w = z[:m]
        if not nb:
            return w, np.zeros(b_shape)
        return w, z[m:].reshape(b_shape) - (w.reshape(-1, p) @ mu).reshape(b_shape)

    def fun(z):
        w, b = split(z)
        eta = state.predictor(w, b)
        evaluated = state.datafit.evaluate(eta)
        grad_w, grad_b = state.gradient(evaluated[1])
        grad_w = grad_w + c * w
        last.update(z=z.copy(), eta=eta, evaluated=evaluated, grad_w=grad_w, grad_b=grad_b)
        if not nb:
            return evaluated[0] + pen.value(w), grad_w
        # (the chain rule of b = z_b - W mu)
        grad_z = (grad_w.reshape(-1, p) - np.outer(np.ravel(grad_b), mu)).ravel()
        return evaluated[0] + pen.value(w), np.concatenate([grad_z, np.ravel(grad_b)])

    def predicted(z):
        # (the gap at (w, b) is sum_j g_j^2 / (2 c_j) + b . g_b; a
        # coefficient held at a bound by its gradient is optimal)
        w, b = split(z)
        g = last["grad_w"]
        g = np.where(((w <= state.lo) & (g > 0)) | ((w >= state.hi) & (g < 0)), 0.0, g)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.sum(np.where(c > 0, g * g / (2 * c), 0.0))
        gap += abs(float(np.sum(b * last["grad_b"])))
        return gap, np.abs(g).max(initial=0.0)

    count = [0]
    certified = {}     # the last certificate's z, gap and v
    ratio = [None]     # the last certificate's gap over its prediction
    # the Newton rounds' steps are direct solves: hand over to them on a stall
    direct = isinstance(state, ProxNewton) and direct_applies(state.design, pen.a, pen.c,
                                                              pen.lo, pen.hi)
    preds = []         # the predicted gap at each iteration

    def check(intermediate_result):
        count[0] += 1
        z = intermediate_result.x
        known = np.array_equal(z, last["z"])
        gap_p, g_max = predicted(z) if known else (np.inf, np.inf)
        preds.append(gap_p)
        r = ratio[0]
        met = gap_p * max(r or 1.0, 1.0) <= tol_abs and g_max <= tol_grad
        due = not count[0] % _QN_EVERY and (r is None or not known
                                            or gap_p * r <= _QN_NEAR * tol_abs)
        if met or due:
            state.move(*split(z), *((last["eta"], last["evaluated"]) if known else ()))
            gap, v = state.certificate(pen)
            certified.update(z=z.copy(), gap=gap, v=v)
            if gap <= tol_abs and state.residual(pen, v) <= tol_grad:
                raise StopIteration
            if 0 < gap_p < np.inf and np.isfinite(gap):
                ratio[0] = gap / gap_p
        # (not once the gap is predicted met: a stall there is L-BFGS
        # refining the gradient at rounding level, which its steps do)
        if direct and len(preds) > _QN_HANDOVER and tol_abs < preds[-1] < np.inf \
                and not preds[-1] < 0.5 * preds[-1 - _QN_HANDOVER]:
            raise StopIteration

    z0 = np.concatenate([state.w, (np.ravel(state.b) + state.w.reshape(-1, p) @ mu)[:nb]])
    bounds = Bounds(np.concatenate([state.lo, np.full(nb, -np.inf)]),
                    np.concatenate([state.hi, np.full(nb, np.inf)]))
    res = minimize(fun, z0, jac=True, method="L-BFGS-B", bounds=bounds, callback=check,
                   options=dict(maxiter=max_iter, ftol=0.0, gtol=0.0))
    known = np.array_equal(res.x, last["z"])
    state.move(*split(res.x), *((last["eta"], last["evaluated"]) if known else ()))
    here = certified and np.array_equal(res.x, certified["z"])
    return max(int(res.nit), 1), ((certified["gap"], certified["v"]) if here else None)


def local_order(X, columns=_LOCAL_COLUMNS):
    """An order of the samples (rows of CSC X) in which each frequent
    column's samples lie near each other: descending, lexicographically, by
    their presence in the ``columns`` most frequent columns.

    Coordinate descent reads and writes the per-sample model at a column's
    rows; on text, the working set's columns are the frequent ones, and
    with n above the cache (200,000 samples: 4.8 MB of model) those rows'
    entries are scattered cache misses.  In this order a frequent column's
    rows fall in a few runs.  (Four sweeps over the 550 most frequent
    columns: pypi_text's first 200k rows 17.6 -> 12.9 ms, npm_text 18.3 ->
    15.1 ms; at 50k rows, no change; 12 keys by rank instead of presence
    bits: 12.1 and 14.7 ms, but 0.17 s to order instead of 0.03.  Since
    the sweeps touch only the model's gradient at random, 1.6 MB there,
    the order still pays on pypi_text's L1 path, 3.30-3.37 -> 3.05-3.38 s,
    and is neutral on npm_text's.)"""
    n = X.shape[0]
    counts = np.diff(X.indptr)
    top = np.argsort(-counts, kind="stable")[:columns]
    keys = np.zeros((-(-top.shape[0] // 63), n), np.uint64)
    for t, j in enumerate(top):
        word, bit = divmod(t, 63)
        keys[word, X.indices[X.indptr[j]:X.indptr[j + 1]]] |= np.uint64(1 << (62 - bit))
    # (lexsort's last key is its first; ~ sorts descending)
    return np.lexsort(~keys[::-1]) if keys.shape[0] else np.arange(n)


def rows_in_order(X, order):
    """CSC X with its rows taken in ``order`` (X[order]), indices sorted,
    without converting X to rows."""
    inv = np.empty(X.shape[0], X.indices.dtype)
    inv[order] = np.arange(X.shape[0], dtype=X.indices.dtype)
    out = sp.csc_matrix((X.data.copy(), inv[X.indices], X.indptr.copy()), shape=X.shape)
    out.sort_indices()
    return out


def local_samples(X, n_alphas):
    """(X, order): sparse X with _LOCAL_SAMPLES samples or more, for a path
    of _LOCAL_ALPHAS alphas or more, as CSC with its samples in
    ``local_order`` (the order returned, for y and the weights), a copy
    taken for speed only (``speed_copy_fits``); else X as it is and None.
    The order changes no result but the rounding; it costs about 45 passes
    over X, 0.09 s on pypi_text's first 200k rows, not worth it for a few
    alphas.  (100-alpha L1 paths, one thread: pypi_text's first
    200k rows, coordinate descent 3.75 -> 2.79 s, the path 6.5 -> 5.4 s;
    npm_text 0.91-0.99 -> 0.72-0.78 s and 2.4-2.7 -> 2.3-2.5 s.)"""
    if not sp.issparse(X) or X.shape[0] < _LOCAL_SAMPLES or n_alphas < _LOCAL_ALPHAS:
        return X, None
    # the copy, a CSC copy of other formats, and the sort's keys and order
    copy = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    if not speed_copy_fits(copy * (1 if X.format == "csc" else 2) + 56 * X.shape[0],
                           _SPEED_COPY_MAX_BYTES):
        return X, None
    X = X.tocsc()
    order = local_order(X)
    return rows_in_order(X, order), order


class Design:
    """X as the kernels read it: dense Fortran (flattened) or canonical CSC.

    ``dots(v, cols)`` is ``X[:, cols]^T v`` in float64; ``column(j)`` a dense
    copy of one column (for the few unpenalised features).
    """

    def __init__(self, X):
        Xk = as_kernel_X(X)
        self.X = Xk
        self.shape = Xk.shape
        self.dtype = Xk.dtype
        if sp.issparse(Xk):
            idx_t = np.result_type(Xk.indices.dtype, Xk.indptr.dtype)
            self.parts = (Xk.data, Xk.indices.astype(idx_t, copy=False),
                          Xk.indptr.astype(idx_t, copy=False))
            # (squared in float64: float32 squares below 1e-38 underflow)
            if Xk.dtype == np.float64:
                sq = np.empty(self.shape[1])
                _cd_fast.col_norms_sparse(*self.parts, _EMPTY, 0.0,
                                          np.zeros(self.shape[1]), sq)
            else:
                data = Xk.data.astype(np.float64)
                cols = np.repeat(np.arange(self.shape[1]), np.diff(Xk.indptr))
                sq = np.bincount(cols, weights=data * data, minlength=self.shape[1])
        else:
            # (the kernels index a dense column at j * n in the index
            # arrays' type: 64-bit once X holds 2^31 entries or more)
            empty = np.empty(0, np.int32 if Xk.size <= _INT32_ENTRIES else np.int64)
            self.parts = (Xk.ravel(order="F"), empty, empty)
            sq = np.einsum("ij,ij->j", Xk, Xk, dtype=np.float64)
        self.norms = np.sqrt(sq)
        self.all = np.arange(self.shape[1], dtype=np.int32)
        # whole products with dense float64 X by BLAS (gemv: 1.5-5 times
        # the kernels' speed, 20,000 x 100 to 569 x 30); the kernels
        # accumulate float32 X in float64
        self.dense64 = not sp.issparse(Xk) and Xk.dtype == np.float64
        # the share of X's entries that are nonzero, however stored
        self.density = ((Xk.nnz if sp.issparse(Xk) else np.count_nonzero(Xk))
                        / max(Xk.shape[0] * Xk.shape[1], 1))
        self._col_entries = (np.diff(Xk.indptr).astype(np.int64) if sp.issparse(Xk)
                             else np.full(self.shape[1], self.shape[0], np.int64))

    @classmethod
    def of_csc(cls, data, indices, indptr, n_rows):
        """A design over CSC arrays (int32 indices and pointers, each
        column's indices ascending) for the model's solvers only
        (``compact_model``): no norms, no scipy matrix."""
        self = cls.__new__(cls)
        self.X = None
        self.parts = (data, indices, indptr)
        self.shape = (n_rows, indptr.shape[0] - 1)
        self.dtype = data.dtype
        self.norms = None
        self.all = np.arange(self.shape[1], dtype=np.int32)
        self.dense64 = False
        self.density = data.shape[0] / max(n_rows * self.shape[1], 1)
        self._col_entries = np.diff(indptr).astype(np.int64)
        return self

    def entries(self, cols=None):
        """How many stored entries the columns ``cols`` (default all) hold."""
        return int(self._col_entries.sum() if cols is None else self._col_entries[cols].sum())

    def dots(self, v, cols=None):
        if cols is None and self.dense64:
            return self.X.T @ v
        cols = self.all if cols is None else cols
        out = np.empty(cols.shape[0])
        _newton_fast.column_dots(*self.parts, cols, v, out)
        return out

    def dots_columns(self, V):
        """``X^T V`` (p, K) for V (n, K): one product for float64 dense X
        (K products with X's columns read K times: the multinomial
        certificate of a 20,000 x 100 fit in 5 classes, 3.0 -> 1.4 ms)."""
        if self.dense64:
            return self.X.T @ V
        return np.column_stack([self.dots(np.ascontiguousarray(V[:, k]))
                                for k in range(V.shape[1])])

    def columns(self, cols):
        """X[:, cols] as a dense float64 array (a new one: the gather is
        the only copy)."""
        sub = self.X[:, cols]
        return (sub.toarray() if sp.issparse(sub) else np.asarray(sub)).astype(
            np.float64, copy=False)

    def matvec(self, w):
        """X @ w (w of length p, float64)."""
        nz = np.flatnonzero(w)
        if self.dense64 and 2 * nz.shape[0] > self.shape[1]:
            return self.X @ w
        return self.matvec_cols(nz, w[nz])

    def matvec_cols(self, cols, v):
        """X[:, cols] @ v in float64 (no copy of the columns)."""
        out = np.empty(self.shape[0])
        _newton_fast.column_combination(
            *self.parts, np.ascontiguousarray(cols, dtype=np.int32),
            np.ascontiguousarray(v, dtype=np.float64), out)
        return out


class ProxNewton:
    """A path's solver state: coefficients, intercept and linear predictor.

    Built fully here: the intercept starts at the datafit's null model.
    ``free`` are the unpenalised features (pf = 0), always in working sets
    and projected out of the dual point with the intercept.
    ``quasi_newton``: smooth fits of dense data may start by L-BFGS-B
    (``quasi_newton_first``).
    """

    def __init__(self, design, datafit, pf, lo, hi, fit_intercept, quasi_newton=True):
        self.design = design
        self.quasi_newton = quasi_newton
        self.datafit = datafit
        self.pf = pf
        self.lo, self.hi = lo, hi
        self.fit_intercept = fit_intercept
        n, p = design.shape
        b0, self.null_value = datafit.null_model(fit_intercept)
        self.b = b0 if np.isfinite(b0) else 0.0
        self.w = np.zeros(p)
        self._move_to(np.full(n, self.b))
        self.free = np.flatnonzero((pf == 0) & (design.norms > 0)).astype(np.int32)
        self._free_cols = design.columns(self.free) if self.free.size else None
        self.epochs = 0             # CD epochs since the last reset
        self._guess = None          # (gap, resid, v, run) for a skipped certificate
        self._skip_len = _SKIP_RUN  # first certificates skipped in a run (see solve)
        self._skip_ended = False    # the last alpha ended such a run
        self._last_steps = None     # the Newton steps the last alpha took (see solve)
        self._rounding = (0.0, 0.0)  # the residual's rounding (rounding_floor)
        self._window = _STALL_WINDOW  # see stalled
        self._last_full = None        # (theta0, X^T theta0, its rounding slack)
        self._slack = 0.0             # |v - the gradient's|, per feature (certificate)

    def set_start(self, w, b):
        """Warm start at coefficients ``w`` (float64, length p) and intercept b."""
        self._guess = None
        self._skip_len, self._skip_ended = _SKIP_RUN, False
        self._last_steps = None
        self.move(w, b)

    def move(self, w, b, eta=None, evaluated=None):
        """Move to coefficients ``w`` and intercept ``b`` (``eta``: the
        predictor there, with the datafit's evaluation, when known)."""
        self.w = np.array(w, dtype=np.float64)
        self.b = float(b) if self.fit_intercept else 0.0
        self._move_to(self.predictor(self.w, self.b) if eta is None else eta, evaluated)

    def predictor(self, w, b):
        return self.design.matvec(w) + b

    def gradient(self, r):
        """The datafit's gradients in w and b from its gradient r in eta."""
        return self.design.dots(r), r.sum()

    def objective(self, pen):
        """The primal objective at the current point, under ``pen``."""
        return self.fit[0] + pen.value(self.w)

    def _move_to(self, eta, evaluated=None):
        """Set the linear predictor, with the datafit's (value, r, h) there."""
        self.eta = eta
        self.fit = self.datafit.evaluate(eta) if evaluated is None else evaluated
        self._model_r = None        # the model's gradient here, when a step made it

    # ------------------------------------------------------------ certificate
    def _projected(self):
        """The unpenalised features the dual point is projected on: those
        strictly inside their bounds (one held at a bound keeps its one-sided
        constraint, which the penalty's conjugate checks)."""
        if not self.free.size:
            return self.free
        wf = self.w[self.free]
        return self.free[(wf > self.lo[self.free]) & (wf < self.hi[self.free])]

    def _dual_point(self, free, g):
        """(theta, DualSums): theta = -g (a gradient in eta), projected in
        the metric h = F''(eta) onto sum(theta) = 0 (intercept) and X_free^T
        theta = 0: by least squares on sqrt(h) [1, X_free] with the free
        columns centred in that metric (the normal equations of a column
        whose mean dwarfs its spread are singular to rounding).  Without
        free columns, by a kernel that takes the sums in the same two
        passes (npm_text's L1 path: 15 passes over the samples fewer per
        certificate)."""
        A = self._free_part(free)
        r, h = self.fit[1], self.fit[2]
        theta0 = self._last_full[0] if self._last_full is not None else None
        if A is None:
            theta = np.empty_like(g)
            sq, size, total, r_abs, shift, dist = _newton_fast.dual_point(
                g, h, r, _EMPTY if theta0 is None else theta0, self.fit_intercept, theta)
            return theta, DualSums(np.sqrt(sq), size, total, r_abs, np.sqrt(shift),
                                   np.sqrt(dist))
        theta = metric_projection(g, h, A, self.fit_intercept, negate=True)
        # (theta_r - theta, projected as one)
        shift = (0.0 if g is r else
                 float(np.linalg.norm(metric_projection(np.subtract(g, r), h, A,
                                                        self.fit_intercept))))
        return theta, dual_sums(theta, r, shift, theta0)

    def _free_part(self, free):
        """The columns of the projected unpenalised features (None: none)."""
        return self._free_cols[:, np.searchsorted(self.free, free)] if free.size else None

    def certificate(self, pen):
        """(gap, v): the duality gap, and ``v = X^T theta`` before scaling
        (minus the gradient, with the intercept and the unpenalised features
        fitted).

        After a Newton step taken whole the dual point is the model's:
        theta from its gradient r + h d, optimal for the model to its
        coordinate descent's precision, where -F'(eta + d) (the datafit's
        own) meets the support's optimality only to first order in d.  The
        scale that makes a dual point feasible is set by its worst
        violation, which costs that violation times ||w||_1 in the gap: at
        pypi_text's smallest alphas the datafit's own gradient certified a
        point within tol of its minimum only 3-5 Newton steps later (gaps
        of 50-400 times tol first).  The model's point is used when its gap
        is finite; its v then differs from the datafit's gradient by at
        most ||x_j|| ||theta - theta_F|| per feature, which the optimality
        residual adds (``_slack``)."""
        free = self._projected()
        self._slack = 0.0
        if self._model_r is not None:
            theta, sums = self._dual_point(free, self._model_r)
            gap, v = self._gap(pen, free, theta, sums)
            if np.isfinite(gap):
                self._slack = self.design.norms * sums.shift
                return gap, v
        return self._gap(pen, free, *self._dual_point(free, self.fit[1]))

    def _gap(self, pen, free, theta, sums):
        """(gap, v) at the dual point theta (see certificate).  The
        projected features' entries of v are zero up to rounding: they are
        zeroed when within the rounding bound of their dot products, else
        the point is not certified (gap inf)."""
        v = self._correlations(theta, pen, sums)
        self._rounding = rounding_floor(self.design, theta, self.fit[1], self.fit_intercept,
                                        sums)
        v_dual = v.copy()
        A = bound = None
        if free.size:
            # |x_j . theta| as computed is exact to n eps sum_i |x_ij theta_i|
            A = self._free_part(free)
            bound = np.abs(A).T @ np.abs(theta)
            if np.any(np.abs(v_dual[free]) > 64 * theta.shape[0] * _EPS * bound):
                return np.inf, v
            v_dual[free] = 0.0
        s = pen.feasible_scale(v_dual)
        dual = self.datafit.dual(s * theta) - pen.conjugate(s * v_dual)
        gap = self.objective(pen) - dual
        slack = unconstrained_slack(self.w[free], v[free], self.b, theta, self.fit_intercept,
                                    A, bound, max(gap, 0.0), sums)
        return max(gap + s * slack, 0.0), v

    def _correlations(self, theta, pen, sums):
        """``X^T theta``, computed where the certificate can tell: for the
        support, the unpenalised features and every feature whose bound
        |x_j . theta0| + ||x_j|| ||theta - theta0|| (theta0 the last point
        whose product was computed whole) exceeds _SCREEN_AT of its L1
        weight a_j.  Elsewhere the entry is that bound, signed as
        x_j . theta0: there |x_j . theta| <= _SCREEN_AT a_j < a_j, so the
        feature adds nothing to the penalty's conjugate, limits no scale,
        has no optimality violation, and the gap is the same as with the
        whole product.  The whole product is computed when those columns
        hold over _SCREEN_SHARE of X's entries.  (npm_text's L1 path: the
        certificates read 44% fewer entries.)  ``sums``: theta's
        ``DualSums``, which hold ||theta - theta0||."""
        last = self._last_full
        dist = np.nan
        if last is not None:
            theta0, v0, slack = last
            # (the rounding of the norms, relative, is far within the 1 -
            # _SCREEN_AT margin)
            dist = sums.dist + slack
        if np.isfinite(dist):
            bound = np.abs(v0) + self.design.norms * dist
            need = (bound > _SCREEN_AT * pen.a) | (self.w != 0)
            need[self.free] = True
            cols = np.flatnonzero(need).astype(np.int32)
            if self.design.entries(cols) <= _SCREEN_SHARE * self.design.entries():
                v = np.copysign(bound, v0)
                v[cols] = self.design.dots(theta, cols)
                return v
        v = self.design.dots(theta)
        # a computed x_j . theta is exact to n eps ||x_j|| ||theta|| (a
        # point with NaN or inf is no reference)
        slack = 2.0 * theta.shape[0] * _EPS * sums.norm
        if np.isfinite(slack) and np.all(np.isfinite(v)):
            self._last_full = theta.copy(), v.copy(), slack
        return v

    # ---------------------------------------------------------------- solving
    def _working_set(self, pen, v, size):
        return working_set(pen, v, self.w, self.lo, self.hi, self.design.norms,
                           self.free, size)

    def _newton(self, ws, pen, target, max_steps):
        """Proximal Newton steps on ``ws`` until the model's predicted
        decrease (the Newton decrement, which estimates the restricted
        problem's suboptimality) is at most ``target``.  Returns the steps
        taken."""
        table = pen.table(ws)
        sub = pen.restricted(ws)
        for step in range(max_steps):
            done = newton_step(self.design, ws, table, sub, self.datafit, self.eta,
                               self.fit, self.w[ws], self.fit_intercept, target)
            if done is None:
                return step + 1
            self.epochs += done.epochs
            self._move_to(self.eta + (done.d if done.t == 1 else done.t * done.d),
                          done.evaluated)
            self._model_r = done.model_r
            self.w[ws] = done.coef
            self.b += done.t * done.db
            if -done.decrease <= target:
                return step + 1
        return max_steps

    def propose(self, pen, feats, vals, b):
        """Move to coefficients ``vals`` on ``feats`` (clipped to the
        bounds) and intercept ``b`` when that lowers the objective: one
        product with those columns and one evaluation of the datafit there,
        which the next Newton step needs anyway.  Returns whether the point
        was taken.  (On npm_text's L1 logistic path, the line through the
        last two solutions took 92 Newton steps against 132 from the last
        solution.  The change is the difference of the two values, not the
        line search's exact sum of changes: a proposal within rounding of
        no change is a coin toss either way, and the evaluation costs 40%
        of the exact change's pass: the npm_text paths took 4-5% less.)"""
        old = self.w[feats]
        new = np.clip(vals, self.lo[feats], self.hi[feats])
        db = float(b) - self.b if self.fit_intercept else 0.0
        moved = np.flatnonzero(new != old)
        if not moved.size and db == 0.0:
            return False
        eta = self.design.matvec_cols(feats[moved], new[moved] - old[moved])
        eta += self.eta        # (in place: a fresh array of n costs page faults)
        if db:
            eta += db
        evaluated = self.datafit.evaluate(eta)
        if not evaluated[0] - self.fit[0] + pen.restricted(feats).change(old, new) < 0:
            return False
        self._move_to(eta, evaluated)
        self.w[feats] = new
        self.b += db
        return True

    def fit_free(self, tol_abs, max_steps):
        """The intercept and unpenalised features at their optimum with
        every penalised coefficient at 0 (where alpha_max is read).  Not
        when every feature is unpenalised: that is the whole problem, which
        ``solve`` certifies and counts within max_iter.  Returns the steps
        taken."""
        if not self.free.size or np.all(self.pf == 0):
            return 0
        pen0 = ElasticNetPenalty.of(0.0, 1.0, self.pf, self.lo, self.hi)
        return self._newton(self.free, pen0, 1e-3 * tol_abs, max_steps)

    def residual(self, pen, v):
        """The optimality residual: the largest distance of ``-v`` (the
        gradient with the intercept's and the projected unpenalised
        features' components removed, from ``certificate``) from the
        penalty's subdifferential, and the intercept's own gradient
        (scikit-learn's lbfgs stops when this is at most tol)."""
        return optimality_residual(pen, self.w, v, self.fit[1], self._rounding,
                                   self.fit_intercept, self._slack)

    def _certify(self, pen, tol_abs, tol_grad):
        """(gap, v, residual) at the current point.  When the gap is met and
        the residual, with a model's dual point's slack, is not, the
        datafit's own dual point (no slack) is certified instead."""
        gap, v = self.certificate(pen)
        resid = self.residual(pen, v)
        if gap <= tol_abs and resid > tol_grad and np.any(self._slack):
            self._model_r = None
            gap, v = self.certificate(pen)
            resid = self.residual(pen, v)
        return gap, v, resid

    def solve(self, pen, tol_abs, max_steps, tol_grad=np.inf, settled=None):
        """One alpha from the current state, until the duality gap is at
        most ``tol_abs`` and the optimality residual at most ``tol_grad``.
        Returns (gap, steps, converged).

        ``settled``: also stop, uncertified, after a round that lowers the
        objective by at most this much (a single fit's warm alphas, which
        only seed the next: see _SETTLED); the next alpha keeps the full
        stall window (see stalled), as after a converged one.

        When the last first certificate computed failed by a margin (gap
        or residual over _SKIP_MARGIN times its tolerance), the next
        _SKIP_RUN alphas' are not computed: along a path they nearly always
        fail too.  Each time the first certificate after such a run fails
        by a margin again, the next run is twice as long (up to
        _SKIP_RUN_MAX); one that does not resets it.  (100-alpha L1 paths:
        npm_text's certificates 137 -> 120, pypi_text's first 200k rows'
        204 -> 186, the same Newton steps; elastic-net paths unchanged.)
        That gap and residual and the last v (from the final
        certificate, at the point before any proposal) serve the first
        working set and inner target instead.  Every result is still
        certified: a certificate follows each round of steps.  (On
        npm_text's L1 path most alphas' first certificates fail by 5-250
        times tol, though the objective is then within 0.05 tol of its
        minimum: the warm start's dual point is poor.  Its elastic-net
        alphas fail every third by at most 1.3 times, and compute them.)

        That overstated gap sets a loose inner target (``inner_target``), so
        the first round's step often leaves the gap a few times tol and a
        second round of steps and a certificate follows.  Where the last
        alpha converged, with some nonzero coefficient and at most
        _QUICK_STEPS Newton steps (a fine grid: one step from the warm start
        nearly suffices), the first round's target is at most tol_abs
        instead.  (100-alpha L1 path on pypi_text's first 200k rows:
        144 -> 129 Newton steps, 149 -> 121 certificates, 3.3 -> 3.0 s;
        npm_text's and the elastic-net paths the same within noise.  Aimed
        so after every alpha, LogisticRegressionCV's coarse grid of Cs on
        the 50k-row sets took 12 -> 19 s and 15 -> 19 s: its alphas take
        several steps each, and the first one's tight solve is wasted; with
        the rule, unchanged.)

        Every later round of an alpha whose last round left the gap within
        _POLISH_GAP times tol_abs works on ``polish_set`` (the usual set
        where that is empty): the support, the violators and the
        unpenalised features, not the candidates near their threshold (an
        alpha's first round never polishes; the window also serves a
        round whose gap is met and whose residual is not).  Such a gap is
        nearly all the dual point's scaling: the first round's model,
        solved to its coordinate descent's precision, leaves the support's
        correlations a few tenths of a percent over their weights, and the
        gap pays that times alpha ||w||_1 while the objective is within
        0.03 tol of its minimum (pypi_text's first 200k rows, the alphas
        that take two rounds; the datafit's own gradient certified worse).
        The later rounds tighten the support and admit only features that
        violate, so the candidates' columns need not be read.
        (LogisticRegressionCV, Cs=20, cv=5, on the 50k-row sets, CPU time
        in alternating runs: pypi_text 13.5 -> 13.2 s, npm_text 12.7 ->
        12.1 s; their 100-alpha paths the same within noise, with the same
        Newton steps; on small random problems 1-3 steps more or fewer.)
        (Polishing only the violators took pypi_text's path from 129 to
        238 steps: they are coupled to the rest of the support.  A window
        of 1,000 times tol took that CV on pypi_text to 11.1 s but
        npm_text's to 12.4 s, from 11.7 s at 10 in the same runs: not
        kept.)

        A smooth penalty on dense data (``quasi_newton_first``) is first
        solved by L-BFGS-B (``quasi_newton``), as SoftmaxNewton.solve does
        (scikit-learn's default fit of a 20,000 x 100 make_classification:
        0.24 s by Newton steps, 0.08 s; scikit-learn's lbfgs 0.05 s)."""
        guess, self._guess = self._guess, None
        skipped = guess is not None and max_steps > 0
        if skipped:
            gap, resid, v, run = guess
            gaps = []
        else:
            gap, v, resid = self._certify(pen, tol_abs, tol_grad)
            gaps, run = [gap], 0
            decisive = gap > _SKIP_MARGIN * tol_abs or resid > _SKIP_MARGIN * tol_grad
            if not decisive:
                self._skip_len = _SKIP_RUN
            elif self._skip_ended:
                self._skip_len = min(2 * self._skip_len, _SKIP_RUN_MAX)
            guess = (gap, resid) if decisive else None
        steps, done = 0, False
        if quasi_newton_first(self, pen, max_steps) \
                and not (gap <= tol_abs and resid <= tol_grad):
            steps, certified = quasi_newton(self, pen, tol_abs, tol_grad,
                                            max_steps - _STEPWISE)
            gap, v = certified or self.certificate(pen)
            resid = self.residual(pen, v)
            gaps.append(gap)
        while steps < max_steps and not (gap <= tol_abs and resid <= tol_grad) \
                and not stalled(gaps, tol_abs, max_steps - steps, self._window):
            ws = None
            if steps and gap <= _POLISH_GAP * tol_abs:
                ws = polish_set(pen, v, self.w, self.free)
            if ws is None:
                size = min(max(_WS_MIN, 2 * np.count_nonzero(self.w)), self.w.shape[0])
                ws = self._working_set(pen, v, size)
            target = inner_target(gap, resid, tol_abs, tol_grad, self.w, _RESIDUAL_RATIO)
            if steps == 0 and self._last_steps is not None and self._last_steps <= _QUICK_STEPS:
                target = min(target, tol_abs)
            before = None if settled is None else self.objective(pen)
            taken = self._newton(ws, pen, target, max_steps - steps)
            steps += max(taken, 1)
            if before is not None and before - self.objective(pen) <= settled:
                done = True
                break
            gap, v, resid = self._certify(pen, tol_abs, tol_grad)
            gaps.append(gap)
        if guess is not None and run < self._skip_len:
            self._guess = guess[0], guess[1], v, run + 1
        self._skip_ended = guess is not None and run >= self._skip_len
        converged = gap <= tol_abs and resid <= tol_grad
        # (an alpha left unconverged, settled or with w = 0 says nothing of the grid)
        self._last_steps = steps if converged and not done and np.any(self.w) else None
        self._window = _STALL_WINDOW if converged or done else _STALL_WINDOW_AFTER
        return gap, steps, converged

    def alpha_max(self, l1_ratio):
        # (from the datafit's own gradient: the model's of fit_free's last
        # step is not the point where w = 0 is optimal)
        self._model_r = None
        _, v = self.certificate(ElasticNetPenalty.of(0.0, 1.0, self.pf, self.lo, self.hi))
        v[self.free] = 0.0
        return penalised_alpha_max(v, self.pf, self.lo, self.hi, l1_ratio)


class SoftmaxNewton:
    """The multinomial path's state: K classes' coefficients (flattened
    class-major in ``w``: entry k * p + j is class k, feature j), an
    intercept per class (summing to 0) and the predictor eta (n, K).

    Each step is a joint proximal Newton step over every class: coordinate
    descent on the softmax loss's quadratic model with its K x K curvature
    per sample (``_newton_fast.softmax_cd``), on the union of the classes'
    working sets, then a line search on the true objective.  (One class at a
    time with the others fixed, steps crawl where the classes' curvatures
    couple, on nearly separable data: 2,000 x 50 with 4 classes at C = 100
    took 4,306 rounds and 59 s without converging.)  Without unpenalised
    features the dual point is projected onto the intercepts' constraints
    by column shifts that keep its rows on the simplex.

    An unpenalised feature (pf = 0, unbounded: ``free``) is in every
    working set.  The softmax ignores a shift common to its K coefficients,
    so they are kept summing to 0 (scikit-learn's unpenalised model), and
    the dual point is projected onto X_free^T theta_k = 0 for every class.
    ``quasi_newton`` as ProxNewton's.
    """

    def __init__(self, design, datafit, pf, lo, hi, fit_intercept, quasi_newton=True):
        self.design = design
        self.quasi_newton = quasi_newton
        self.datafit = datafit
        self.K = datafit.y.shape[1]
        self.p = design.shape[1]
        self.pf, self.lo, self.hi = (np.tile(a, self.K) for a in (pf, lo, hi))
        self.fit_intercept = fit_intercept
        b0, self.null_value = datafit.null_model(fit_intercept)
        self.b = np.array(b0, dtype=np.float64)
        self.w = np.zeros(self.K * self.p)
        self._move_to(np.tile(self.b, (design.shape[0], 1)))
        self.epochs = 0
        self._rounding = (0.0, 0.0)  # see rounding_floor
        self._window = _STALL_WINDOW  # see stalled
        self.free = np.flatnonzero((pf == 0) & (design.norms > 0)).astype(np.int32)
        self._free_cols = design.columns(self.free) if self.free.size else None
        self._X64 = None              # see _wide

    def _move_to(self, eta, evaluated=None):
        self.eta = eta
        self.fit = self.datafit.evaluate(eta) if evaluated is None else evaluated

    def set_start(self, w, b):
        self.move(w, b)

    def move(self, w, b, eta=None, evaluated=None):
        """See ProxNewton.move."""
        self.w = np.array(w, dtype=np.float64).ravel()
        self.b = np.array(b, dtype=np.float64) if self.fit_intercept else np.zeros(self.K)
        self._move_to(self.predictor(self.w, self.b) if eta is None else eta, evaluated)

    def predictor(self, w, b):
        """eta = X W^T + b (n, K) for w flattened class-major, in float64."""
        return np.asarray(self._wide() @ w.reshape(self.K, self.p).T, dtype=np.float64) + b

    def gradient(self, r):
        """The datafit's gradients in w (flattened class-major) and b from
        its gradient r in eta."""
        return np.asarray(self._wide().T @ r).T.ravel(), r.sum(axis=0)

    def _wide(self):
        """X for the products with float64 W: dense float32 X as a float64
        copy, made once when ``speed_copy_fits`` allows it (NumPy would
        convert X at every product: an L-BFGS fit of 20,000 x 100 in 5
        classes took 0.75 s with float32 X against 0.42 s with float64)."""
        X = self.design.X
        if self._X64 is None:
            self._X64 = X
            if not sp.issparse(X) and X.dtype != np.float64 \
                    and speed_copy_fits(X.size * 8, _SPEED_COPY_MAX_BYTES):
                self._X64 = np.asfortranarray(X, dtype=np.float64)
        return self._X64

    def _dual_point(self):
        """theta = -r with each class's column sum removed (weights c, which
        keeps every row summing to 0), mixed with the null model's point
        c (Y - mean Y) just enough to keep pi = Y - theta / c >= 0."""
        theta = -self.fit[1]
        c = self.datafit.c
        if self.free.size:
            return self._projected_dual(theta)
        if not self.fit_intercept:
            return theta
        theta = theta - np.outer(c, theta.sum(axis=0))
        pos = c > 0
        pi = self.datafit.y[pos] - theta[pos] / c[pos, None]
        if pi.min(initial=0.0) < 0:
            freq = c @ self.datafit.y
            # pi -> (1 - e) pi + e freq, with every entry >= 0
            with np.errstate(divide="ignore", invalid="ignore"):
                need = np.where(pi < 0, -pi / (freq - pi), 0.0)
            # (a hair beyond the limit: rounding must not leave pi < 0)
            e = min(1.0, float(need.max()) * (1 + 1e-9) + 1e-300)
            theta = (1 - e) * theta + e * c[:, None] * (self.datafit.y - freq)
        return theta

    def _projected_dual(self, theta):
        """theta's columns projected onto sum_i theta_ik = 0 (intercept) and
        X_free^T theta_k = 0, by least squares in one metric for every
        class, m_i = c_i min_k p_ik: the projection is linear, so rows keep
        summing to 0, and a row moves by at most min_k p_ik times its
        entries of A lam (A = [1, X_free]), so pi = Y - theta / c stays >= 0
        near the optimum, where lam is small.  Where it does not, the
        softmax's own metric is tried (``_softmax_projected``); where that
        fails too, the datafit's conjugate is infinite and the point not
        certified."""
        m = self.datafit.c * row_reduce(np.minimum, self.datafit.probabilities(self.eta))
        out = metric_projection(theta, m, self._free_cols, self.fit_intercept)
        c = self.datafit.c
        pos = c > 0
        if np.all(self.datafit.y[pos] - out[pos] / c[pos, None] >= 0):
            return out
        exact = self._softmax_projected(theta)
        return out if exact is None else exact

    def _softmax_projected(self, theta):
        """theta projected as ``_projected_dual`` does, in the softmax's own
        metric: theta - delta with delta_i = c_i (diag(p_i) - p_i p_i^T) u_i,
        u_i = Lam^T a_i, solved jointly over the classes (K (f + 1) unknowns,
        a system built from K (K + 1) / 2 weighted Gram matrices of
        A = [1, X_free]).  Rows keep summing to 0, and row i moves by p_ik
        times (u_ik - p_i . u_i), which pi >= 0 tolerates where the common
        metric's min_k p_ik does not (well-separated classes, or no
        intercept: a 4-class fit took 12 steps before its first finite gap).
        None when the system is over _SOFTMAX_WORK."""
        n, K = theta.shape
        c = self.datafit.c
        A = self._free_cols
        if self.fit_intercept:
            A = np.column_stack([np.ones(n), A - (c @ A)])
        f = A.shape[1]
        if n * (f * K) ** 2 > _SOFTMAX_WORK:
            return None
        P = self.datafit.probabilities(self.eta)
        H = np.empty((K * f, K * f))
        for k in range(K):
            for l in range(k, K):
                wkl = c * P[:, k] * ((k == l) - P[:, l])
                G = A.T @ (wkl[:, None] * A)
                H[k * f:(k + 1) * f, l * f:(l + 1) * f] = G
                H[l * f:(l + 1) * f, k * f:(k + 1) * f] = G.T
        g = (A.T @ theta).T.ravel()                      # class-major, as H
        # (singular along Lam = lam 1^T, which moves no row: least squares)
        lam = np.linalg.lstsq(H, g, rcond=None)[0].reshape(K, f).T
        U = A @ lam
        delta = c[:, None] * P * (U - np.einsum("ik,ik->i", P, U)[:, None])
        return theta - delta

    def certificate(self, pen):
        """(gap, v) with v = X^T theta flattened class-major (see ProxNewton);
        the free features' entries zeroed as ProxNewton's are."""
        theta = self._dual_point()
        v = self.design.dots_columns(theta).T.ravel()
        self._rounding = rounding_floor(self.design, theta, self.fit[1], self.fit_intercept)
        v_dual, bound = v, None
        if self.free.size:
            V = v.reshape(self.K, self.p)
            bound = np.abs(self._free_cols).T @ np.abs(theta)      # (free, K)
            if np.any(np.abs(V[:, self.free]) > 64 * theta.shape[0] * _EPS * bound.T):
                return np.inf, v
            v_dual = V.copy()
            v_dual[:, self.free] = 0.0
            v_dual = v_dual.ravel()
        s = pen.feasible_scale(v_dual)
        dual = self.datafit.dual(s * theta) - pen.conjugate(s * v_dual)
        W, V = self.w.reshape(self.K, self.p), v.reshape(self.K, self.p)
        gap = self.fit[0] + pen.value(self.w) - dual
        slack = unconstrained_slack(W[:, self.free], V[:, self.free], self.b, theta,
                                    self.fit_intercept, self._free_cols, bound,
                                    max(gap, 0.0))
        return max(gap + s * slack, 0.0), v

    def residual(self, pen, v):
        return optimality_residual(pen, self.w, v, self.fit[1], self._rounding,
                                   self.fit_intercept)

    def fit_free(self, tol_abs, max_steps):
        """The unpenalised features at their optimum with every penalised
        coefficient at 0 (without any, the null model's intercepts are
        exact).  Not when every feature is unpenalised (see ProxNewton).
        Returns the steps taken."""
        if not self.free.size or np.all(self.pf == 0):
            return 0
        pen0 = ElasticNetPenalty.of(0.0, 1.0, self.pf, self.lo, self.hi)
        target = 1e-3 * tol_abs
        for step in range(max_steps):
            decrease = self._joint_step(pen0, None, target, ws=self.free)
            self._recentre(pen0)
            if decrease is None or decrease <= target:
                return step + 1
        return max_steps

    def propose(self, pen, feats, vals, b):
        """Not taken: each alpha starts from the last solution (the
        binomial form's ``propose`` is the model for a multinomial one)."""
        return False

    def alpha_max(self, l1_ratio):
        _, v = self.certificate(ElasticNetPenalty.of(0.0, 1.0, self.pf, self.lo, self.hi))
        v.reshape(self.K, self.p)[:, self.free] = 0.0
        return penalised_alpha_max(v, self.pf, self.lo, self.hi, l1_ratio)

    def _joint_step(self, pen, v, target, ws=None, cg=False):
        """One proximal Newton step on every class at once (see the class
        docstring), on the union of the classes' working sets (or on the
        features ``ws``).  Returns the model's predicted decrease, or None
        when it sees no descent.

        Where the line search finds no descent within _HALVINGS_UNDAMPED
        halvings, the step is solved again on damped models, as binary
        ``newton_step``'s: the curvature at probabilities mixed with the
        uniform, (1 - beta) P + beta / K for each beta in _DAMPING, times
        1 + beta (K B - 1) (``damped_softmax``; at beta = 1 the datafit's
        ``curvature_bound`` B (I - 1 1^T / K), Boehning's bound for B = 1/2:
        a model above the loss).  It keeps the softmax's indifference to a
        shift common to the classes.

        With ``cg``, a model with an L2 penalty on every feature of the
        working set and no L1 part or bounds is solved by conjugate
        gradients (``softmax_cg``; float32 X as a float64 copy of the
        columns when dense).  (Not with unpenalised features: the kernel
        keeps D = X dW to the last bit, which their huge coefficients
        beside a nearly constant column need, and it gives them no step
        along a constant one.)"""
        p, K = self.p, self.K
        W = self.w.reshape(K, p).T                     # (p, K)
        one = pen.restricted(np.arange(p))             # every class's is the same
        lo, hi = self.lo[:p], self.hi[:p]
        if ws is None:
            ws = np.unique(np.concatenate([
                working_set(one, v[k * p:(k + 1) * p], W[:, k], lo, hi,
                            self.design.norms, self.free,
                            min(max(_WS_MIN, 2 * np.count_nonzero(W[:, k])), p))
                for k in range(K)])).astype(np.int32)
        if not ws.size and not self.fit_intercept:
            return None
        old = np.ascontiguousarray(W[ws])
        R = np.ascontiguousarray(self.fit[1])
        P0 = P = self.datafit.probabilities(self.eta)
        c = self.datafit.c
        if not np.all(P > 0):
            # (as binary newton_step's: no curvature underflowed to 0)
            P, c = damped_softmax(P, c, _EPS, self.datafit.curvature_bound)
        sub = one.restricted(ws)

        table = one.table(ws)
        cd_opts = dict(max_epochs=_CD_EPOCHS,
                       tol=_CD_RATIO * target / (np.abs(self.w).sum() + 1),
                       h_sum=1.0 if self.fit_intercept else 0.0)
        Xs = None
        if cg and smooth_unbounded(*table.T):
            Xs = (self.design.X[:, ws].tocsc() if sp.issparse(self.design.X)
                  else self.design.columns(ws))

        def pen_change(new):
            return sum(sub.change(old[:, k], new[:, k]) for k in range(K))

        for beta, halvings in damping_levels():
            if beta:
                P, c = damped_softmax(P0, self.datafit.c, beta, self.datafit.curvature_bound)
            coef = old.copy()
            D = np.zeros_like(self.eta)
            db = np.zeros(K)
            if Xs is not None:
                self.epochs += softmax_cg(Xs, coef, table[:, 1], R, P, c, D, db, cd_opts)
            else:
                self.epochs += _newton_fast.softmax_cd(*self.design.parts, ws, coef, table,
                                                       R, P, c, D, db, cd_opts)
            step = coef - old
            with np.errstate(all="ignore"):
                decrease = float(np.sum(R * D)) + pen_change(coef)
            if not (np.isfinite(decrease) and np.all(np.isfinite(D))):
                continue
            if decrease >= 0:
                return None
            t = armijo(decrease, lambda t: self.datafit.change(self.eta, t * D)
                       + pen_change(old + t * step), halvings)
            if t is not None:
                break
        else:
            return None
        self._move_to(self.eta + t * D)
        for k in range(K):
            self.w[k * p + ws] = old[:, k] + t * step[:, k]
        self.b += t * db
        return -decrease

    def _recentre(self, pen):
        """Shift each feature's K coefficients by the common delta that
        minimises its penalty (``common_shift``): the softmax ignores a shift
        common to all classes, so the loss is unchanged, but class-by-class
        steps cannot move along that direction (without it they crawl).
        Unpenalised features are shifted to sum 0.  Features with a finite
        bound keep their coefficients.  The intercepts, defined up to a
        constant too, are shifted to sum 0."""
        if self.fit_intercept:
            shift = self.b.mean()
            self.b -= shift
            self._move_to(self.eta - shift, self.fit)
        p, K = self.p, self.K
        W = self.w.reshape(K, p).T
        free = np.isinf(self.lo[:p]) & np.isinf(self.hi[:p]) & np.any(W != 0, axis=1)
        cols = np.flatnonzero(free)
        if not cols.size:
            return
        delta = common_shift(W[cols], pen.a[cols], pen.c[cols])
        unpenalised = self.pf[cols] == 0
        delta[unpenalised] = -W[cols[unpenalised]].mean(axis=1)
        moved = delta != 0
        if not moved.any():
            return
        cols, delta = cols[moved], delta[moved]
        W[cols] += delta[:, None]
        self.w = W.T.ravel()
        shift = np.zeros(p)
        shift[cols] = delta
        # (every class's predictor moves by X delta: the same fit)
        self.eta = self.eta + self.design.matvec(shift)[:, None]

    def solve(self, pen, tol_abs, max_steps, tol_grad=np.inf, settled=None):
        """One alpha: up to _JOINT_STEPS joint steps between two
        certificates, until the model's decrease reaches the inner target
        (see ProxNewton.solve).  A smooth penalty on dense data
        (``quasi_newton_first``) is first solved by L-BFGS-B
        (``quasi_newton``) with all but _STEPWISE of the steps, each of its
        iterations counted as a step (with half of them, the Newton rounds
        after it crawled on correlated columns: standardised digits 0.21 s
        against 0.075 s).  (Not on sparse text: on npm_text's 20,000 rows
        with 4 classes, C = 1 and 10, the joint steps alone took 0.69 and
        2.41 s, 0.90 and 2.66 s after L-BFGS.)  With a budget under
        _STEPWISE steps, plain rounds: such budgets step a fit a few rounds
        at a time, and a warm start must continue them exactly
        (scikit-learn's test_warm_start_newton_solver), which L-BFGS's lost
        memory and the rounds' tightening would not.  ``settled`` is not
        used: the multinomial's warm alphas so stopped left its alpha
        slower (npm_text's 20,000 rows in 4 classes, L1 at C = 100: 43 ->
        66 s)."""
        gap, v = self.certificate(pen)
        resid = self.residual(pen, v)
        steps, gaps = 0, [gap]
        tighten, progressed = 1.0, True
        stepwise = max_steps < _STEPWISE
        if quasi_newton_first(self, pen, max_steps) \
                and not (gap <= tol_abs and resid <= tol_grad):
            steps = quasi_newton(self, pen, tol_abs, tol_grad, max_steps - _STEPWISE)[0]
            # (the intercepts recentred: a new point to certify)
            self._recentre(pen)
            gap, v = self.certificate(pen)
            resid = self.residual(pen, v)
            gaps.append(gap)
        while steps < max_steps and not (gap <= tol_abs and resid <= tol_grad) \
                and not stalled(gaps, tol_abs, max_steps - steps, self._window):
            target = inner_target(gap, resid, tol_abs, tol_grad, self.w)
            if not stepwise and progressed and len(gaps) > 1 \
                    and not gaps[-1] < _SLOW_ROUND * gaps[-2]:
                # the last round barely moved the gap: its models were
                # solved too loosely for the gradient residual the gap is
                # made of (an L1 fit of 5,000 x 50 dense with 5 classes:
                # decreases of 1e-8 against a target of 2e-3, one sweep
                # each, until the stall rule stopped it at gap 25 x tol);
                # not after a round without descent (nothing to tighten)
                tighten = max(tighten * _TIGHTEN, _EPS)
            elif progressed:
                tighten = 1.0
            target *= tighten
            progressed = False
            for _ in range(_JOINT_STEPS):
                decrease = self._joint_step(pen, v, target, cg=not stepwise)
                progressed = progressed or decrease is not None
                if decrease is None or decrease <= target:
                    break
            self._recentre(pen)
            steps += 1
            gap, v = self.certificate(pen)
            resid = self.residual(pen, v)
            gaps.append(gap)
        converged = gap <= tol_abs and resid <= tol_grad
        self._window = _STALL_WINDOW if converged else _STALL_WINDOW_AFTER
        return gap, steps, converged


def softmax_cg(Xs, coef, l2, R, P, c, D, db, opts):
    """``softmax_cd``'s model solved by conjugate gradients, for a smooth
    penalty (no L1 part, no bounds) on the working set's columns ``Xs`` (n,
    m; dense float64, or sparse): the model's Hessian-vector products are
    two matrix products with Xs (BLAS for dense X), preconditioned by its
    diagonal.  The kernel's arguments, but Xs for the data and ``l2`` (m,)
    for the penalty's table; stops where no entry of the model's gradient
    exceeds _CG_RATIO opts["tol"] (the kernel's unit), or after
    opts["max_epochs"] products.  Returns the products.  (The loop is
    ``_support_newton.newton_direction``'s, but that one also stops at
    1e-10 of its first residual: sharing it, a solve asked for 1e-12 ended
    at 7e-12.)

    The model is singular along a shift common to the classes' intercepts
    (the preconditioned iterates take one: the intercepts' curvatures
    differ); the intercepts' step is centred at the end, which changes
    nothing in the model.  (On raw digits, scikit-learn's default fit,
    coordinate descent took 0.2 s per joint step against 0.1 s for the 90
    L-BFGS iterations before them: correlated pixels make its sweeps
    crawl; the fit 0.67 -> 0.15-0.17 s.  Sparse: L2 fits of npm_text's
    first 20,000 rows in 4 classes, C = 1, 10, 100: 0.58, 1.66, 5.8 s ->
    0.28, 0.83, 2.9 s.)"""
    K = D.shape[1]
    intercept = opts["h_sum"] > 0
    l2 = l2[:, None]

    def product(V, vb):
        # H [V; vb]: X^T M + l2 V and 1^T M, M_i = c_i (P_i o E_i - P_i (P_i . E_i)),
        # E = X V + vb
        E = Xs @ V + vb
        M = c[:, None] * P * (E - np.einsum("ik,ik->i", P, E)[:, None])
        return Xs.T @ M + l2 * V, (M.sum(axis=0) if intercept else np.zeros(K))

    h = c[:, None] * P * (1.0 - P)
    pre = np.asarray((Xs.multiply(Xs) if sp.issparse(Xs) else Xs * Xs).T @ h) + l2
    pre_b = h.sum(axis=0) if intercept else np.ones(K)
    pre, pre_b = np.where(pre > 0, pre, 1.0), np.where(pre_b > 0, pre_b, 1.0)
    # the residual of H s = -g at s = 0: minus the model's gradient
    res = -(Xs.T @ R + l2 * coef)
    res_b = -R.sum(axis=0) if intercept else np.zeros(K)
    S, sb = np.zeros_like(coef), np.zeros(K)
    z, zb = res / pre, res_b / pre_b
    d, d_b = z.copy(), zb.copy()
    rz = float(np.vdot(res, z) + zb @ res_b)
    products = 0
    while products < opts["max_epochs"] and max(
            np.abs(res).max(initial=0.0), np.abs(res_b).max()) > _CG_RATIO * opts["tol"]:
        Hd, Hd_b = product(d, d_b)
        products += 1
        curvature = float(np.vdot(d, Hd) + d_b @ Hd_b)
        if not curvature > 0:
            break
        step = rz / curvature
        S += step * d
        sb += step * d_b
        res -= step * Hd
        res_b -= step * Hd_b
        z, zb = res / pre, res_b / pre_b
        rz, old = float(np.vdot(res, z) + zb @ res_b), rz
        d = z + (rz / old) * d
        d_b = zb + (rz / old) * d_b
    sb -= sb.mean()
    coef += S
    db += sb
    D += Xs @ S + sb
    return products


def damped_softmax(P, c, beta, bound):
    """(P', c') whose softmax curvature c'_i (diag(P'_i) - P'_i P'_i^T) is
    the damped model of SoftmaxNewton._joint_step: the probabilities mixed
    with the uniform, P' = (1 - beta) P + beta / K, and c' = c (1 + beta
    (bound K - 1)).  It is at least the plain curvature (the map is concave
    in P) and still ignores a common shift (P' rows sum to 1); at beta = 1
    it is c bound (I - 1 1^T / K), above the loss for bound = 1/2
    (Boehning)."""
    K = P.shape[1]
    return (1.0 - beta) * P + beta / K, c * (1.0 + beta * (bound * K - 1.0))


def common_shift(W, a, c):
    """Per row j of W (F, K): the delta minimising
    ``sum_k a_j |W_jk + delta| + c_j / 2 (W_jk + delta)^2`` (a convex
    piecewise quadratic: its minimum is at a breakpoint -W_jk or at a
    piece's stationary point; every candidate is evaluated)."""
    F, K = W.shape
    bp = np.sort(-W, axis=1)
    cands = [bp]
    # the stationary point of the piece between consecutive breakpoints (and
    # beyond both ends), where the signs of W_jk + delta are fixed
    edges = np.concatenate([bp[:, :1] - 1.0, (bp[:, 1:] + bp[:, :-1]) / 2,
                            bp[:, -1:] + 1.0], axis=1)
    for e in range(edges.shape[1]):
        sgn = np.sign(W + edges[:, e:e + 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            st = -(a * sgn.sum(axis=1) + c * W.sum(axis=1)) / (c * K)
        cands.append(np.where(c > 0, st, edges[:, e])[:, None])
    cands = np.concatenate(cands, axis=1)
    Z = W[:, None, :] + cands[:, :, None]
    obj = a[:, None] * np.abs(Z).sum(axis=2) + 0.5 * c[:, None] * (Z * Z).sum(axis=2)
    best = cands[np.arange(F), np.argmin(obj, axis=1)]
    # keep W as it is unless the shift lowers the penalty
    base = a * np.abs(W).sum(axis=1) + 0.5 * c * (W * W).sum(axis=1)
    return np.where(obj.min(axis=1) < base * (1 - 1e-15), best, 0.0)


def newton_path(state, *, l1_ratio, alphas, eps, tol, max_iter, single=False):
    """The warm-started path of ``state`` over ``alphas`` (an int: a grid of
    that many alphas built from alpha_max by ``geometric_grid``).  Returns a
    ``PathResult`` with the gaps on the user's scale (the datafit's).

    ``single``: a single fit from zero first solves the warm path from
    alpha_max down (``_path._warm_path``; small working sets all the way: a
    cold start at a small alpha puts many violators in one ill-conditioned
    set), each to _WARM_TOL times tol or until settled (see there).  Its
    steps, and the unpenalised features' fit before it (``fit_free``), come
    out of the first alpha's max_iter and count in its ``n_iters``, so a
    single fit takes max_iter steps at most, as its estimator promises.
    Its loss is the separation diagnosis's ``free_loss``; a warm start
    (nonzero w) skips it, and takes it from zero once the path is done.

    From the third alpha on, the start is proposed on the line through the
    last two solutions (``_path.line_steps``): at the step linear in alpha,
    and on a coarse grid (LogisticRegressionCV's Cs) also at the step linear
    in log alpha, where the support grew by at most _SUPPORT_GROWTH between
    them; the binomial state's ``propose`` keeps the lower objective (the
    multinomial one takes none).  Near separation the coefficients grow
    like log(1 / alpha) on a settled support, and the step linear in alpha
    (0.38 of the last move at 20 Cs over 8 decades) left the largest Cs'
    solves 10-17 Newton steps from the warm start.
    (LogisticRegressionCV(Cs=20 and 10, cv=5, L1) on npm_text's first 50k
    rows, alternating runs: 17.3-17.6 -> 12.1-12.3 s and 13.8-14.0 ->
    10.7 s; pypi_text's the same within noise.  Without the support's gate,
    Cs=10 on npm_text took 12.6 -> 16.4 s: at a C where 6,000 features
    entered, the far start lowered the objective but took 7 times the
    steps.)  Not kept, measured on 2026-12-08 (one thread): a third
    proposal, the parabola through the last three solutions (100-alpha L1
    paths: pypi_text's first 200k rows 129 -> 124 Newton steps but 3.16-3.53
    -> 3.44-3.58 s, npm_text 80 -> 88 steps, 1.99-2.23 -> 2.18-2.65 s); and
    on a coarse grid, alphas of the path's own between the given ones (one
    fold's path of 20 Cs on pypi_text's first 50k rows: 1.94 s as given,
    2.96 s with one geometric midpoint between each two, 4.08 s with three).
    """
    from ._path import (PathResult, _warm_path, geometric_grid, inside_bounds, line_steps,
                        on_line)
    tol_abs = tol * state.null_value
    warm_steps = 0
    free_loss = np.nan
    started_warm = bool(np.any(state.w))
    if not started_warm:
        # (a single fit's budget is max_iter in all; a path's first alpha
        # counts these steps too)
        warm_steps = state.fit_free(tol_abs, max_iter if single else max(max_iter, 100))
        if warm_steps:
            free_loss = float(state.fit[0])
    amax = np.nan
    if isinstance(alphas, (int, np.integer)):
        amax = state.alpha_max(l1_ratio)
        grid = geometric_grid(amax, int(alphas), eps)
    else:
        grid = np.asarray(alphas, dtype=np.float64)
    warm_tol = max(tol, min(_WARM_TOL * tol, _WARM_TOL_MAX))
    if single and l1_ratio > 0 and not np.any(state.w):
        for alpha in _warm_path(state.alpha_max(l1_ratio), grid[0]):
            if warm_steps >= max_iter:
                break
            pen = ElasticNetPenalty.of(alpha, l1_ratio, state.pf, state.lo, state.hi)
            warm_steps += state.solve(pen, warm_tol * state.null_value,
                                      max_iter - warm_steps, warm_tol,
                                      settled=_SETTLED * tol_abs)[1]
    k, p = grid.shape[0], state.w.shape[0]
    coefs = np.zeros((p, k), dtype=state.design.dtype)
    intercepts = np.empty(np.shape(state.b) + (k,))
    gaps = np.empty(k)
    n_iters = np.empty(k, dtype=np.int64)
    converged = np.empty(k, dtype=bool)
    nz = None                   # the support of the last alpha's solution
    for i, alpha in enumerate(grid):
        pen = ElasticNetPenalty.of(alpha, l1_ratio, state.pf, state.lo, state.hi)
        steps = line_steps(grid, i)
        if len(steps) > 1 and nz.size > _SUPPORT_GROWTH * np.count_nonzero(coefs[:, i - 2]):
            steps = steps[:1]
        now = state.w[nz] if steps else None     # (before a proposal moves it)
        for step in steps:
            # the line through the last two solutions (see _path.line_step)
            b = intercepts[..., i - 1] + step * (intercepts[..., i - 1]
                                                 - intercepts[..., i - 2])
            state.propose(pen, nz, on_line(now, coefs[nz, i - 2], step), b)
        budget = max(max_iter - warm_steps, 0) if i == 0 and single else max_iter
        gaps[i], n_iters[i], converged[i] = state.solve(pen, tol_abs, budget, tol)
        if i == 0:
            n_iters[0] += warm_steps
        nz = np.flatnonzero(state.w)
        coefs[nz, i] = inside_bounds(state.w[nz].astype(coefs.dtype), state.lo[nz],
                                     state.hi[nz])
        intercepts[..., i] = state.b
    if started_warm and state.free.size:
        # (a warm start skipped the free fit from zero that names
        # separation: the path done, the state takes it now)
        state.set_start(np.zeros_like(state.w), state.b)
        if state.fit_free(tol_abs, max(max_iter, 100)):
            free_loss = float(state.fit[0])
    return PathResult(grid, coefs, intercepts, gaps, n_iters, converged, tol_abs, amax,
                      free_loss)
