"""The three kernel forms of an elastic-net problem, with the solver state.

A problem object holds X in one form (dense Fortran, sparse CSC, or Gram)
and offers the path loop (``_path.py``) the same operations:

- ``grad(l1)``: the centred gradient ``u = Xc^T S r`` of every feature (one
  pass over X, or fewer columns when a bound certifies the rest; none for
  the Gram form);
- ``certified_gap(u, l1, l2, positive, tol_abs, try_kept)``: the kernel-scale
  duality gap with a dual point feasible for every feature (and, where it
  exceeds tol_abs, an earlier certified residual's);
- ``stats()``: exact ``A = r^T S y_c`` and ``B = r^T S r``;
- ``solve(ws, opts, start)``: coordinate descent on a working set (the
  residual kernel, or the working set's Gram block), from a proposed
  starting point where that lowers the objective;
- ``set_coef(w)``: warm start.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

import numpy as np
import scipy.sparse as sp

from . import _cd_fast
from ._anderson import anderson_weights
from ._config import speed_copy_fits
from ._interrupt import interruptible
from ._offsets import constant_columns
from ._penalties import ElasticNetPenalty
from ._support_newton import newton_direction, signed_step, violation_cost


@dataclass(frozen=True)
class FormSettings:
    """What the path decides about a form, given to its constructor.

    positive: constrain w >= 0.  box: (2, p) lower and upper bounds of w, or
    empty.  gram_source: None, or a callable giving the whole Gram matrix
    Xc^T S Xc (kernel scale) to the forms that complete it (cross-validation
    folds share one).  long_run: the path has many alphas (a dense form's
    float32 copy of X pays).  path_end: the path's last l1 in the kernel's
    scale, as ("l1", value), or ("ratio", eps) when it is eps times the l1
    at which the first feature enters; None when unknown (read by
    ``_path.make_problem`` to choose a form).
    """
    positive: bool = False
    box: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    gram_source: Optional[Callable] = None
    long_run: bool = True
    path_end: Optional[tuple] = None


class KernelForm(Protocol):
    """The interface the path loop (``_path``) and one alpha's solve
    (``_alpha``) rely on; every form below implements it."""

    p: int
    W: float
    yy: float
    w: np.ndarray
    pf: np.ndarray
    positive: bool
    box: np.ndarray
    cheap_grad: bool
    settles_inside: bool

    def grad(self, l1=None): ...                 # centred gradient u (cached)

    def certified_gap(self, u, l1, l2, positive, tol_abs, try_kept): ...

    def stats(self): ...                         # (A, B) = (r^T S y_c, r^T S r)

    def solve(self, ws, opts, start=None): ...   # CD on a working set

    def set_coef(self, w): ...                   # warm start

    def support(self): ...

    def intercept(self): ...

    def plan(self, penalties, opts, tol_abs): ...


class _Problem:
    """What every kernel form shares: targets, weights, penalty factors."""

    cheap_grad = False     # True when the full gradient needs no pass over X
    settles_inside = False  # True when solve() applies the settle rule itself
    check_every = 10       # epochs between two inner gap checks
    _skipped = None        # features whose gradient entry is only a bound
    _exact = None          # ... and the others (int32), when some are skipped
    hint = None            # (u, l1) of the last working set (Gram-column prefetching)
    last = None            # (u, l1) at the last certified alpha (Gram form)
    _acc = None            # (ws, u_acc[ws], A, B, ||r_acc - r||): last extrapolation
    _dual_kept = None      # (u, A, B) of the last certified residual (_kept_gap)
    _certified = None      # residual forms: (A, B) of the current w, once known
    _constant = None       # features whose centred column is 0 (found once)

    def __init__(self, y, sw, pf, fit_intercept, dtype, settings=None):
        settings = FormSettings() if settings is None else settings
        self.positive = bool(settings.positive)
        self.box = settings.box
        self.gram_source = settings.gram_source
        self.long_run = settings.long_run
        self.dtype = dtype
        self.pf = pf
        self.p = pf.shape[0]
        self.sw = np.empty(0, dtype) if sw is None else sw
        self.W = float(y.shape[0]) if sw is None else float(np.sum(sw, dtype=np.float64))
        y64 = y.astype(np.float64)
        self.ybar = float(np.average(y64, weights=sw)) if fit_intercept else 0.0
        self.y_c = y64 - self.ybar
        self.yy = float(np.sum(self.y_c ** 2 if sw is None else sw * self.y_c ** 2))
        self.w = np.zeros(self.p, dtype=dtype)
        # [offset o, A = r^T S y_c, B = r^T S r, W]
        self.scal = np.array([0.0, self.yy, self.yy, self.W])
        self.all_idx = np.arange(self.p, dtype=np.int32)
        self._u = None           # gradient cache, valid while w is unchanged
        self._col_scale = None   # (||x_j||, 1 / ||x_j|| or 0), built on first use
        self.ws_buffers = None
        self.free = None         # active unpenalised features, found on first use
        self._free_cols = None
        self._supp = np.empty(0, dtype=np.int64)   # features with w_j != 0

    def plan(self, penalties, opts, tol_abs):
        """The path's (l1, l2) in order, for forms that solve ahead."""

    def support(self):
        """Sorted indices of the nonzero coefficients (kept up to date by
        solve and set_coef without scanning all p features)."""
        return self._supp

    def _reset_support(self):
        self._supp = np.flatnonzero(self.w)

    def _means(self, X, fit_intercept, sw):
        if not fit_intercept:
            return np.zeros(self.p)
        ones = np.ones(X.shape[0], X.dtype) if sw is None else sw
        return np.asarray(X.T @ ones, dtype=np.float64) / self.W

    def _box_of(self, ws):
        return np.ascontiguousarray(self.box[:, ws]) if self.box.size else self.box

    def intercept(self):
        if self.ybar == 0.0 and not self.mu.any():
            return 0.0
        nz = self._supp
        return self.ybar - float(np.sum(self.mu[nz].astype(np.float64) * self.w[nz]))

    def grad(self, l1=None):
        """Centred gradient u of every feature at the current w (cached)."""
        if self._u is None:
            self._u = self._compute_grad()
        return self._u

    def certified_gap(self, u, l1, l2, positive, tol_abs=None, try_kept=False):
        """Kernel-scale duality gap at w, with a dual point feasible for all
        (where it exceeds ``tol_abs``, with ``try_kept``, also at an earlier
        residual: see ``_kept_gap``; without tol_abs, the point's own).

        Unpenalised features (pf = 0) need x_j^T S theta = 0: like the
        intercept, they are projected out of the residual used as the dual
        point, through their Gram columns (computed once per path).  One held
        at a bound (w_j = 0 with positive, or a box bound) is not: its
        constraint is one-sided there, and the gap checks it.
        """
        A, B = self._certificate_stats()
        if self.constant().size:
            # a constant column's centred correlation is 0: what was computed
            # (x^T r - mu_j sum r, in X's dtype) is cancellation residue
            u = u.copy()
            u[self.constant()] = 0.0
        u2, A2, B2 = u, A, B
        step = self._free_projection(u)
        if step is not None:
            free, C, beta = step
            G_ff = C[free]
            u2 = u - C @ beta
            # zero by construction, up to rounding; exactly zero for the box
            # gap, where a residue's sign would open an unbounded direction
            u2[free] = 0.0
            A2 = A - float(beta @ self.q[free].astype(np.float64))
            B2 = max(B - 2.0 * float(beta @ u[free]) + float(beta @ G_ff @ beta), 0.0)
        if self.box.size:
            return _cd_fast.dual_gap_box(self.w, u2, self.pf, self.all_idx, l1, l2,
                                         self.box, A2, B2, B)
        idx = self._gap_features(u, l1, l2, positive)
        gap = _cd_fast.dual_gap(self.w, u2 if idx is self.all_idx else u2[idx],
                                self.pf, idx, l1, l2, positive, A2, B2, B)
        if self._acc is not None:
            gap = min(gap, self._extrapolated_gap(u, l1, l2, positive, B))
        return self._kept_gap(gap, tol_abs, try_kept, u2, A2, B2, B, l1, l2, positive)

    def _kept_gap(self, gap, tol_abs, try_kept, u, A, B, B_primal, l1, l2, positive):
        """``gap``, or where it exceeds tol_abs and ``try_kept`` asks, the
        smaller of it and the gap at the kept dual point: the residual (u
        its correlations, A and B its statistics) of the last certificate
        within its tol_abs, of this alpha or an earlier one, at another w.
        Any residual is a dual point once scaled to feasibility, which
        ``dual_gap`` does at this alpha's weights, so its gap bounds the
        suboptimality too.  u's screened entries are upper bounds b_j of
        |u_j| (signed ones with ``positive``), and may meet a w_j != 0 now:
        the kernel's scaling keeps c |b_j - l2_j w_j| <= l1_j, so c (|u_j| -
        l2_j |w_j|) <= l1_j, which keeps its augmented dual value below the
        residual's elastic-net dual value at c, a lower bound of the
        optimum.  The array is kept, not copied: a gradient cache is
        changed in place only where a bound becomes the exact value, at the
        same w.  A try costs a pass over the features, not over X (see
        _solve_alpha for when it is made).

        On the 200 x 20,000 AR(1) problem (dense_wide), the 100-alpha Lasso
        path at tol 1e-6 spent its max_iter of 1,000 epochs on 9 alphas and
        warned for 3, at 1.2, 1.3 and 37 times tol, though each point was
        within 0.001 tol of its optimum: the last alpha's residual certified
        them at 0.41-0.57 times tol.  On the text problems it lowers no gap
        (text_like at tol 1e-6: none of 56 tries, when tried after every
        inner solve)."""
        if tol_abs is None or self._free_features().size:
            # (unpenalised features are projected out of each residual as
            # they stand at its w: one at its bound then, inside it now,
            # would be a constraint the kept point does not meet)
            return gap
        kept = self._dual_kept
        if try_kept and gap > tol_abs and kept is not None and (kept[1], kept[2]) != (A, B):
            other = _cd_fast.dual_gap(self.w, kept[0], self.pf, self.all_idx, l1, l2,
                                      positive, kept[1], kept[2], B_primal)
            if other < gap:
                return other
        if gap <= tol_abs:
            self._dual_kept = (u, A, B)
        return gap

    def _certificate_stats(self):
        """(A, B) of the current w for the certificate."""
        return self.stats()

    def constant(self):
        """Features whose column is a nonzero constant (their centred column
        is 0, its computed correlation x^T r - mu_j sum r only cancellation
        residue): found once, by their entries, among those whose centred
        norm came out 0 (a norm that underflows on a tiny column that varies
        is not enough).  A zero column's correlation is exactly 0 already."""
        if self._constant is None:
            cand = np.flatnonzero((self.norms <= 0) & (self.mu != 0))
            self._constant = constant_columns(self.X, cand)
        return self._constant

    def _bounds_of(self, feats):
        """(lo, hi) of the coefficients ``feats``: the box, and 0 below with
        ``positive``."""
        if self.box.size:
            lo, hi = self.box[0][feats], self.box[1][feats]
        else:
            lo, hi = np.full(feats.size, -np.inf), np.full(feats.size, np.inf)
        return (np.maximum(lo, 0.0) if self.positive else lo), hi

    def _free_projection(self, u):
        """(free, C, beta): the unpenalised features strictly inside their
        bounds, their Gram columns, and the least-squares step
        ``beta = G_ff^+ u_free`` that zeroes their gradient; None if none."""
        free = self._free_features()
        if not free.size:
            return None
        C = self.free_columns(free)
        wf = self.w[free].astype(np.float64)
        lo, hi = self._bounds_of(free)
        inside = (wf > lo) & (wf < hi)
        if not inside.any():
            return None
        free, C = free[inside], C[:, inside]
        beta = np.linalg.lstsq(C[free], u[free], rcond=None)[0]
        return free, C, beta

    def free_step(self):
        """Move the unpenalised features to their exact least-squares values
        given the others (the step the certificate projects out).

        Coordinate descent on correlated unpenalised features crawls, and
        the inner gap, which bounds their gain one coordinate at a time,
        can say done long before they are.  Returns False when there is no
        such step, or it would leave a bound.
        """
        if not self._free_features().size:
            return False
        step = self._free_projection(self.grad())
        if step is None:
            return False
        free, _, beta = step
        # a column constant up to the rounding of its mean is constant: its
        # Gram entries are rounding residues, and it takes no step
        spread = np.sqrt(np.maximum(self.norms[free].astype(np.float64), 0) / self.W)
        rounding = self.y_c.shape[0] * np.finfo(self.dtype).eps * \
            np.abs(self.mu[free].astype(np.float64))
        w = self.w.astype(np.float64)
        w[free] += np.where(spread > rounding, beta, 0.0)
        if np.array_equal(w[free].astype(self.dtype), self.w[free]):
            return False         # a step that changes nothing in X's dtype
        lo, hi = self._bounds_of(free)
        if not (np.all(np.isfinite(w[free])) and np.all(w[free] >= lo)
                and np.all(w[free] <= hi)):
            return False
        self.set_coef(w.astype(self.dtype))
        return True

    def _gap_features(self, u, l1, l2, positive):
        """The features the gap must visit: after a screened pass, only those
        with an exact u_j.  A skipped one has w_j = 0 and a bound below
        0.99 l1 pf_j, so it cannot set the dual scaling once an exact one
        reaches 0.99 of its constraint, and adds nothing to the elastic
        net's conjugate term (c |u_j| < l1 pf_j for c <= 1)."""
        ex = self._exact
        if ex is None or self._free_features().size or ex.size == 0 or l1 <= 0:
            return self.all_idx
        pf = self.pf[ex].astype(np.float64)
        v = u[ex] - l2 * pf * self.w[ex]
        t = v if positive else np.abs(v)
        # (pf_j = 0 here only on constant columns: nothing to scale by)
        ratio = np.divide(t, l1 * pf, out=np.zeros_like(t), where=pf > 0)
        if np.max(ratio, initial=0.0) >= 0.99:
            return ex
        return self.all_idx

    def _extrapolated_gap(self, u, l1, l2, positive, B):
        """The gap with the last inner solve's extrapolated residual r_acc.

        Its correlations are exact on that working set; any other feature j
        (w_j = 0 there) gets |x_j^T S r_acc| <= |u_j| + ||x_j||_S ||r_acc - r||_S,
        an upper bound, which keeps the dual point feasible after scaling.
        """
        ws, u_ws, A, B_acc, dist = self._acc
        ub = np.empty(self.p)
        if not _cd_fast.extrapolated_bounds(u, self.w, self.col_norms()[0], dist,
                                            positive, ws, u_ws, ub):
            return np.inf
        return _cd_fast.dual_gap(self.w, ub, self.pf, self.all_idx, l1, l2,
                                 positive, A, B_acc, B)

    def col_norms(self):
        """(||x_j||_S, 1 / ||x_j||_S) of the centred columns; 0 for empty ones."""
        if self._col_scale is None:
            root = np.sqrt(np.maximum(self.norms.astype(np.float64), 0.0))
            with np.errstate(divide="ignore"):
                inv = np.where(root > 0, 1.0 / root, 0.0)
            self._col_scale = (root, inv)
        return self._col_scale

    def _proposal(self, ws, start):
        """w[ws] in float64 with ``start = (features, values)`` written in
        where those features are in ws (rounded to the dtype, clipped to the
        box), or None when that changes nothing."""
        if start is None or ws.shape[0] == 0:
            return None
        feats, vals = start
        order = np.argsort(ws, kind="stable")      # (ws may be shuffled)
        pos = order[np.minimum(np.searchsorted(ws, feats, sorter=order), ws.shape[0] - 1)]
        hit = ws[pos] == feats
        old = self.w[ws].astype(np.float64)
        new = old.copy()
        new[pos[hit]] = vals[hit].astype(self.dtype)
        if self.box.size:
            np.clip(new, self.box[0, ws], self.box[1, ws], out=new)
        return None if np.array_equal(new, old) else new

    def _free_features(self):
        """Active features with pf_j = 0 (found once)."""
        if self.free is None:
            self.free = self.active[self.pf[self.active] <= 0]
        return self.free

    def solve(self, ws, opts, start=None):
        """Coordinate descent on ``ws``.  ``start = (features, values)``
        proposes new coefficients for some of them (the path's prediction,
        see ``_path.path_start``); the solve starts there when that lowers
        the objective (on a Gram block the check costs about one epoch of
        the block; for the residual kernel one read of the moved columns
        and two O(n) statistics, a second read if the point is refused)."""
        # the last gradient pass, when exact on ws (screened entries are bounds)
        u = self._u
        if u is not None and self._skipped is not None and self._skipped[ws].any():
            u = None
        self._u = self._certified = None
        self._acc = self._known = None
        out = self._solve(ws, opts, u, start)
        # only coordinates of ws moved (a sort, not np.union1d: its hashing
        # cost 0.16 ms a call)
        cand = np.concatenate([self._supp, ws])
        cand = np.sort(cand[self.w[cand] != 0])
        if cand.size > 1:
            cand = cand[np.concatenate(([True], cand[1:] != cand[:-1]))]
        self._supp = cand
        return out


class _BlockCache:
    """The Gram block of the features seen in working sets, grown in place.

    ``G[:k, :k]`` holds the centred Gram entries of ``feats[:k]``;
    ``slot[j]`` is feature j's row and column there (-1: not cached).  The
    storage doubles when it fills (up to ``capacity``, past which the cache
    starts afresh from the working set asking), so adding features never
    copies the block, and working sets are solved on it in place (or, a
    large one in a larger cache, on a contiguous copy: ``scratch``).
    """

    def __init__(self, p, dtype, capacity):
        self.capacity = capacity
        self.dtype = dtype
        # int32: half the bytes to keep in cache for the row-index gathers
        self.slot = np.full(p, -1, dtype=np.int32)
        self.feats = np.empty(0, dtype=np.int32)
        self.G = np.empty((0, 0), dtype=dtype, order="F")
        self.k = 0
        self._scratch = np.empty(0, dtype=dtype)

    def scratch(self, m, max_bytes):
        """An m x m Fortran-ordered array on storage kept from call to call
        (grown by a quarter more than asked: this machine took 2.5 ms to
        first touch each MB of fresh memory, more than a copy into it), or
        None when ``speed_copy_fits`` refuses that storage (at most 0.69 of
        a full block: the copy is taken for working sets of at most 1 / 1.5
        of the capacity)."""
        if self._scratch.size < m * m:
            size = int(1.25 * m) ** 2
            self._scratch = np.empty(0, dtype=self.dtype)      # (freed first)
            if not speed_copy_fits(size * self.G.itemsize, max_bytes):
                return None
            self._scratch = np.empty(size, dtype=self.dtype)
        return self._scratch[:m * m].reshape((m, m), order="F")

    def slots(self, ws, cross):
        """Slots (int32) of ``ws``, caching its new features first with
        ``cross(new, feats, out)``, which writes their centred Gram rows
        against ``feats`` into ``out`` (the block's new columns: symmetric)."""
        new = ws[self.slot[ws] < 0]
        if new.size:
            k = self.k
            if k + new.size > self.capacity:
                self.slot[self.feats[:k]] = -1
                new, k = ws, 0
                self._scratch = np.empty(0, dtype=self.dtype)
            need = k + new.size
            if need > self.G.shape[0]:
                size = min(self.capacity, max(need, 2 * self.G.shape[0], 64))
                G = np.empty((size, size), dtype=self.dtype, order="F")
                G[:k, :k] = self.G[:k, :k]
                feats = np.empty(size, dtype=np.int32)
                feats[:k] = self.feats[:k]
                self.G, self.feats = G, feats
            self.feats[k:need] = new
            self.slot[new] = np.arange(k, need)
            cols = self.G[:need, k:need].T     # rows contiguous: no copy
            if self.dtype == np.float64:
                cross(new, self.feats[:need], cols)
            else:
                # (rows computed in float64, then rounded once)
                rows = np.empty(cols.shape)
                cross(new, self.feats[:need], rows)
                cols[...] = rows
            self.G[k:need, :k] = cols[:, :k]
            self.k = need
        return self.slot[ws]


class _ResidualProblem(_Problem):
    """Dense or sparse X with the residual ``rs = y_c - X w`` and offset.

    A working set is solved either by the residual kernel, or, when that is
    cheaper, on its Gram block (cached across working sets and alphas), after
    which the residual is updated once from the changed coefficients.
    """

    # features a Gram block may hold: (always, when speed_copy_fits allows
    # the storage of the larger one, at most block_max_bytes)
    block_capacity = (2048, 2048)
    block_max_bytes = 2 ** 29

    def __init__(self, X, y, sw, pf, fit_intercept, settings=None):
        super().__init__(y, sw, pf, fit_intercept, X.dtype, settings)
        self.X = X
        self.mu = self._means(X, fit_intercept, sw).astype(X.dtype)
        self.norms = np.empty(self.p, dtype=X.dtype)
        self._col_norms()
        self.rs = self.y_c.copy()           # float64 whatever the dtype of X
        self._stats_buf = np.empty(4)
        self._sum_swy = float(np.sum(self.y_c if sw is None else sw * self.y_c))
        self.q = self._compute_grad().astype(X.dtype)
        self.active = self.all_idx[self.norms > 0]
        small, large = self.block_capacity
        large = min(large, self.p)
        # at its peak at most about three blocks' bytes are held: the old
        # and the new storage while it grows, or a reset block and its new
        # rows built apart (float32 blocks, dense X); float64 rows from
        # sparse X's row index are written into the block in place
        nbytes = 3 * large * large * X.dtype.itemsize
        fits = speed_copy_fits(nbytes, 3 * self.block_max_bytes)
        self._cache = _BlockCache(self.p, X.dtype, large if fits else small)

    def _weighted(self, v):
        return v if self.sw.shape[0] == 0 else self.sw * v

    screen = True        # skip provably slack features in gradient passes
    full_pass_share = 0.5  # a screened pass reading more of X is made a full one
    _ref = None          # (rs, offset, u) at the last full pass
    _known = None        # (ws, u[ws]) exact at the current w, from the last solve
    # the residual kernel's u_ws is exact at its final w (its last epoch
    # always ends with a check that reads every column of ws)
    kernel_u_exact = True

    def _approx_grad(self):
        """(u_apx, root, delta) with |u_j - u_apx_j| <= root_j delta, or None."""
        return None

    def grad(self, l1=None):
        """u = Xc^T S r, exact wherever the certificate can depend on it.

        A full pass fixes a reference (r_ref, u_ref).  Later, for a feature
        with w_j = 0, |u_j| <= |u_ref_j| + ||x_j||_S ||r - r_ref||_S
        (Cauchy-Schwarz); while that bound is below 0.99 l1 pf_j the column
        is not read and the bound stands in for u_j.  The gap only uses u
        through |u_j| <= l1 pf_j-type constraints, so an overestimate keeps
        it a valid upper bound; the skipped features are far from entering.
        Where the form has a cheap approximate pass with a rigorous error
        bound (``_approx_grad``), that pass is the reference instead.
        """
        if l1 is None or not self.screen or self._free_features().size:
            if self._u is None:
                # every entry exact: no bound of a screened pass stays behind
                self._skipped = self._exact = None
            return super().grad()
        pf, pos = self.pf, self.positive
        if self._u is not None:
            if self._skipped is not None:
                # same w, smaller l1: bounds now too close to it are computed
                redo = np.empty(self.p, dtype=np.int32)
                k = _cd_fast.rescreen(self._u, self._skipped.view(np.uint8), pf,
                                      0.99 * l1, redo)
                if k:
                    self._partial(redo[:k])
                    self._exact = np.concatenate([self._exact, redo[:k]])
            return self._u
        approx = self._approx_grad()
        if approx is not None:
            # |u_j - u_apx_j| <= root_j * delta
            u_ref, root, delta = approx
        elif self._ref is None:
            return self._full_pass()
        else:
            rs_ref, o_ref, u_ref = self._ref
            root = self.col_norms()[0]
            delta = self._distance(rs_ref, o_ref)
        bound, skip = np.empty(self.p), np.empty(self.p, dtype=bool)
        need = np.empty(self.p, dtype=np.int32)
        k = _cd_fast.screen(u_ref, root, delta, self.w, pf, 0.99 * l1, pos, bound,
                            skip.view(np.uint8), need)
        need, known = need[:k], self._known
        full = self._cols_cost(None)
        if known is not None:
            # the last solve's u[ws] is exact: its columns are not read again,
            # by this pass or by a full one
            need = need[~self._mask(known[0])[need]]
            full -= self._cols_cost(known[0])
        if self._cols_cost(need) > self.full_pass_share * full:
            # (a full pass also renews the reference, tightening later bounds)
            return self._full_pass()
        self._u = bound
        self._partial(need)
        if known is not None:
            bound[known[0]] = known[1]
            skip[known[0]] = False
            need = np.concatenate([need, known[0]])
        self._skipped, self._exact = skip, need
        return self._u

    def _mask(self, feats):
        mask = np.zeros(self.p, dtype=bool)
        mask[feats] = True
        return mask

    def _full_pass(self):
        known = self._known
        if known is None:
            return self._set_reference(self._compute_grad())
        # every column but the last solve's working set, whose u is exact
        rest = np.flatnonzero(~self._mask(known[0])).astype(np.int32)
        out = np.empty(rest.size)
        self._grad_cols(rest, out)
        u = np.empty(self.p)
        u[rest] = out
        u[known[0]] = known[1]
        return self._set_reference(u)

    def _set_reference(self, u):
        """u is exact for every feature at the current w: cache it and make
        it the reference of the screening bounds."""
        self._u = u
        self._ref = (self.rs.copy(), float(self.scal[0]), u.copy())
        self._skipped = self._exact = None
        return u

    def _partial(self, cols):
        """Exact u on ``cols`` (the others keep their bounds)."""
        out = np.empty(cols.shape[0])
        self._grad_cols(cols, out)
        self._u[cols] = out

    def _certificate_stats(self):
        # each alpha's first certificate is at the last one's w: its O(n)
        # pass is not repeated (w, the residual and its offset change only
        # in solve(), which drops this, and set_coef(), which renews it; a
        # screened gradient pass sets it from its own pass, see _distance)
        if self._certified is None:
            self._certified = self.stats()
        return self._certified

    def stats(self):
        # A = sum sw (rs + o) y_c and B = sum sw (rs + o)^2, from one pass
        _cd_fast.residual_stats(self.rs, self.y_c, self.sw, self._stats_buf)
        return self._set_stats()

    def _set_stats(self):
        o, out = self.scal[0], self._stats_buf
        self.scal[1] = out[1] + o * self._sum_swy
        self.scal[2] = out[2] + 2 * o * out[0] + o * o * self.W
        return self.scal[1], self.scal[2]

    def _distance(self, rs_ref, o_ref):
        """||r - r_ref||_S from the residual's pass that also gives the
        certificate its (A, B) at this w (screened passes are followed by a
        certificate at the same w)."""
        _cd_fast.residual_stats(self.rs, self.y_c, self.sw, self._stats_buf, rs_ref,
                                self.scal[0] - o_ref)
        self._certified = self._set_stats()
        return float(np.sqrt(self._stats_buf[3]))

    def set_coef(self, w):
        self.w[:] = w
        self._reset_support()
        self._acc = self._known = self._certified = None
        self.rs = self.y_c - np.asarray(self.X @ w.astype(np.float64), dtype=np.float64)
        self.scal[0] = float(np.dot(self.mu.astype(np.float64), self.w))
        self._u = None
        # (the next certificate is at this w)
        self._certified = self.stats()

    def free_columns(self, free):
        if self._free_cols is None:
            sw = self.sw if self.sw.shape[0] else None
            self._free_cols = gram_columns(self.X, sw, self.mu.astype(np.float64),
                                           self.W, free)
        return self._free_cols

    # Anderson extrapolation of the residual kernel's iterates: every
    # _ACCEL_CHUNK epochs a snapshot, every _ACCEL_DEPTH + 1 snapshots an
    # extrapolated point, kept when it lowers the objective
    # (6: the dense kernel's dual extrapolation needs 5 epochs of history
    # within a call, so it still sharpens the gap at each chunk's check)
    _ACCEL_CHUNK = 6
    _ACCEL_DEPTH = 4
    _ACCEL_MIN_WORK = 100_000    # entries of X an epoch reads, below which it is off

    def _accelerated(self, ws, opts, u_ws, want_u):
        """The residual kernel on ws, with Anderson acceleration (see
        ``_anderson``).  Snapshots of (w[ws], the residual, its offset)
        every few epochs give the combination ``sum c_k w_k`` (sum c_k = 1)
        of least change; since the residual is affine in w, the same
        combination of snapshots is the extrapolated point's residual, and
        its objective costs O(n).  It replaces the iterate only when
        feasible and better, so the kernel's certificate and stopping rule
        are unchanged.  After _NEWTON_AFTER chunks without convergence a
        Newton step on the support (``_support_step``) may replace it.
        float32 X runs without it (a float32 w would not match the residual).
        """
        K = self._ACCEL_CHUNK
        # (small solves: epochs cost microseconds and the bookkeeping would
        # not pay; they also keep the plain iterates, bit for bit)
        if (opts["max_epochs"] <= 2 * K or self.dtype != np.float64
                or self._col_cost(ws) * ws.size < self._ACCEL_MIN_WORK):
            return self._solve_residual(ws, opts, u_ws, want_u)
        chunk = dict(opts, check_every=K)
        hist, done, slow, wait = [], 0, 0, self._NEWTON_AFTER
        while True:
            chunk["max_epochs"] = min(K, opts["max_epochs"] - done)
            e, gap = self._solve_residual(ws, chunk, u_ws, want_u)
            done += e
            # a chunk that ended early met the kernel's stopping rule
            if e < chunk["max_epochs"] or done >= opts["max_epochs"]:
                return done, gap
            # _NEWTON_AFTER chunks without convergence since the start or the
            # last try: the support's Newton step, if it pays (after a
            # refused step, twice as many chunks until the next try)
            slow += 1
            if slow >= wait:
                slow = 0
                # (the chunk's last check left u_ws exact at the current w)
                if self._support_step(ws, chunk, u_ws[:ws.shape[0]]):
                    hist = []              # (a new start for the snapshots)
                    continue
                wait *= 2
            hist.append((self.w[ws].astype(np.float64), self.rs.copy(),
                         float(self.scal[0])))
            if len(hist) > self._ACCEL_DEPTH:
                self._extrapolate(ws, hist, opts)
                hist = []

    # the support's Newton step (see _support_newton): conjugate gradients
    # until the violation left costs at most _NEWTON_STOP of the working
    # set's gap target, in at most _NEWTON_MAX_ITER products.  (Measured on
    # 2026-12-08, Lasso paths to 0.001 alpha_max, one thread: pypi_text's
    # conjugate gradients never reach 25 products, on the whole set at tol
    # 1e-6 nor on its first quarter; on the held-out npm_text, whose supports
    # reach 15,000 features, 26 of 32 solves stop at 25.  100 there took the
    # path at tol 1e-6 from 9.0-9.7 to 8.3-8.8 s but at tol 1e-4 from 3.2-3.3
    # to 3.5-3.6 s; not changed on a held-out set alone.)
    _NEWTON_AFTER = 2
    _NEWTON_FROM = 0.1
    _NEWTON_STOP = 0.01
    _NEWTON_MAX_ITER = 25

    newton_steps = False     # (the form has _support_rows)

    def _support_step(self, ws, opts, u_ws):
        """After a chunk of the residual kernel, whose last check left
        ``u_ws`` = u[ws] at the current w: a Newton step on the support in ws
        (its signs fixed), when the support's violations add over
        _NEWTON_FROM of the working set's gap target to the gap (see
        ``violation_cost``), taken when it lowers the objective.  Not for
        float32 X, bounds or unpenalised features, nor for a lasso support
        as large as X's rank allows (its Newton system is singular).  True
        if taken."""
        if (not self.newton_steps or self.dtype != np.float64 or self.box.size
                or self._free_features().size):
            return False
        nz = np.flatnonzero(self.w[ws])
        S = ws[nz]
        l1, l2 = opts["l1"], opts["l2"]
        centred = bool(self.mu.any())
        if not S.size or (l2 == 0 and S.size >= self.X.shape[0] - centred):
            return False
        w = self.w[S].astype(np.float64)
        pf = self.pf[S].astype(np.float64)
        g = pf * (l1 * np.sign(w) + l2 * w) - u_ws[nz]
        if violation_cost(g, pf, w) <= self._NEWTON_FROM * opts["tol"]:
            return False
        rows = self._support_rows(S)
        if rows is None:
            return False
        mu = self.mu[S].astype(np.float64) if centred else np.empty(0)
        hx = np.empty(S.size)

        def hv(v):
            # (Xc_S^T S Xc_S + l2 diag(pf)) v
            _cd_fast.normal_matvec(*rows, self.sw, mu, v, hx)
            return hx + l2 * pf * v

        d, _ = newton_direction(hv, g, self.norms[S] + l2 * pf, pf, w,
                                self._NEWTON_STOP * opts["tol"], self._NEWTON_MAX_ITER)
        new = signed_step(w, d)
        delta = new - w
        moved = sp.csr_matrix(rows, shape=(self.X.shape[0], S.size)) @ delta  # X_S delta
        shift = float(mu @ delta) if mu.size else 0.0
        # the loss's change, r -> r + dr with dr = -(X_S delta - shift)
        dr = shift - moved
        loss = float(self._weighted(self.rs + self.scal[0] + 0.5 * dr) @ dr)
        if not loss + penalty_change(w, new, self.pf[S], opts) < 0:
            return False
        self.w[S] = new
        self.rs -= moved
        self.scal[0] += shift
        self.stats()
        return True

    def _objective_ws(self, w_ws, rs, o, ws, opts):
        """Kernel-scale objective, up to the terms of features outside ws."""
        r = rs + o
        loss = 0.5 * float(np.dot(r, r) if self.sw.shape[0] == 0
                           else np.dot(self.sw * r, r))
        pf = self.pf[ws]
        return (loss + opts["l1"] * float(np.dot(pf, np.abs(w_ws)))
                + 0.5 * opts["l2"] * float(np.dot(pf, w_ws * w_ws)))

    def _extrapolate(self, ws, hist, opts):
        Wk = np.array([h[0] for h in hist])               # (depth + 1, |ws|)
        c = anderson_weights(Wk)
        if c is None:
            return
        w_acc = c @ Wk[1:]
        if opts["positive"] and np.any(w_acc < 0):
            return
        if self.box.size:
            lo, hi = self.box[0, ws], self.box[1, ws]
            if np.any(w_acc < lo) or np.any(w_acc > hi):
                return
        rs_acc = sum(ck * h[1] for ck, h in zip(c, hist[1:]))
        o_acc = float(sum(ck * h[2] for ck, h in zip(c, hist[1:])))
        _, rs_now, o_now = hist[-1]
        if (self._objective_ws(w_acc, rs_acc, o_acc, ws, opts)
                >= self._objective_ws(Wk[-1], rs_now, o_now, ws, opts)):
            return
        # the combined residual has the rounding of large c_k: the residual
        # of the new point is updated from X itself (one read of ws)
        self._move(ws, w_acc, Wk[-1])
        self.stats()

    def _jump(self, ws, new, opts):
        """w[ws] to ``new`` when that lowers the objective (the residual
        follows, reading the columns that move; back again otherwise)."""
        old = self.w[ws].astype(np.float64)
        loss = 0.5 * self.scal[2]
        self._move(ws, new, old)
        self.stats()
        if not 0.5 * self.scal[2] - loss + penalty_change(old, new, self.pf[ws], opts) < 0:
            self._move(ws, old, new)
            self.stats()

    def _move(self, cols, new, old):
        """w[cols] from ``old`` (float64) to ``new``: the residual and its
        offset follow, reading only the columns that moved."""
        delta = new.astype(np.float64) - old
        moved = np.flatnonzero(delta)
        if moved.size:
            c = cols[moved]
            self.w[c] = new[moved]
            self._sub_columns(c.astype(np.int32), delta[moved])
            self.scal[0] += float(np.dot(self.mu[c].astype(np.float64), delta[moved]))

    def _cross_block(self, new, feats, out):
        """Rows ``new`` of the centred Gram block of ``feats`` (whose block
        slots are set) into ``out``, of shape (len(new), len(feats))."""
        out[...] = cross_gram(self.X, self.sw, self.mu, self.W, new, feats)

    # the block pays when the mean column of ws holds more than this many
    # entries per feature of ws
    block_ratio = 2.0

    # a working set of at least compact_from features, in a block at least
    # compact_ratio times as large, is solved on a contiguous copy of its rows
    compact_from = 256
    compact_ratio = 1.5

    def _use_block(self, ws):
        # an epoch of the residual kernel reads every nonzero of ws (twice
        # where a coefficient moves); the block costs at most |ws| per moved
        # coordinate, plus the Gram rows of its new features once
        return (ws.size <= self._cache.capacity
                and self._col_cost(ws) > self.block_ratio * ws.size)

    def _solve(self, ws, opts, u=None, start=None):
        if not self._use_block(ws):
            new = self._proposal(ws, start)
            if new is not None:
                self._jump(ws, new, opts)
            u_ws = np.empty(max(ws.shape[0], 1))
            # the kernel's u[ws] is used below only for the full set
            want_u = ws.shape[0] == self.active.shape[0]
            e, gap = self._accelerated(ws, opts, u_ws, want_u)
            if want_u:
                # the kernel's last check read every column: that is a full
                # gradient pass, exact at the final w (empty columns give 0)
                u = np.zeros(self.p)
                u[ws] = u_ws[:ws.shape[0]]
                self._set_reference(u)
            elif e and self.kernel_u_exact and self.dtype == np.float64:
                # (float32 kernels round x_ij sw_i to float32: not the pass's u)
                self._known = (ws.copy(), u_ws[:ws.shape[0]].copy())
            return e, gap
        # coordinate descent on the cached block, in slot space
        cache = self._cache
        slots = cache.slots(ws, self._cross_block)
        feats = cache.feats[:cache.k]
        w_s = self.w[feats]
        old = w_s[slots].astype(np.float64)
        H = np.zeros(cache.k)
        if u is not None:
            H[slots] = u[ws]               # the exact gradient of the last pass
        else:
            # q - G w on ws; every nonzero of w is in ws
            nz = slots[old != 0]
            H[slots] = (self.q[ws] - cache.G[np.ix_(slots, nz)] @ w_s[nz].astype(np.float64)
                        if nz.size else self.q[ws])
        new = self._proposal(ws, start)
        if new is not None and gram_jump(cache.G, slots, slots, H, old, new, self.q[ws],
                                         self.pf[ws], opts, self.scal):
            w_s[slots] = new
        # an epoch reads a column of the block per moved coordinate: copied
        # contiguous, the working set's rows alone (m^2 entries an epoch,
        # not m k), for one epoch's worth of copying
        G_ws = (cache.scratch(ws.size, self.block_max_bytes)
                if ws.size >= self.compact_from and cache.k >= self.compact_ratio * ws.size
                else None)
        if G_ws is not None:
            idx = np.arange(ws.size, dtype=np.int32)
            w_ws, H_ws = w_s[slots], H[slots]
            _cd_fast.gather_block(cache.G, slots, G_ws)
            e, gap = _cd_fast.cd_gram(G_ws, self.q[ws], self.pf[ws], w_ws, H_ws,
                                      self.scal, idx, opts, self._box_of(ws),
                                      idx.astype(np.int64), True)
            w_s[slots], H[slots] = w_ws, H_ws
        else:
            e, gap = _cd_fast.cd_gram(cache.G, self.q[feats], self.pf[feats], w_s, H,
                                      self.scal, slots, opts, self._box_of(feats),
                                      np.arange(cache.k, dtype=np.int64),
                                      cache.k <= 2 * ws.size)
        self._move(ws, w_s[slots], old)
        if e and self.dtype == np.float64:
            # the kernel keeps H = q - G w exact on ws (float32 entries of G
            # would not be exact enough for the certificate)
            self._known = (ws.copy(), H[slots])
        return e, gap


class _DenseProblem(_ResidualProblem):
    shadow_max_bytes = 2 ** 29    # largest float32 copy of X made for bounds (512 MiB)
    _shadow = None

    def _col_norms(self):
        _cd_fast.col_norms_dense(self.X, self.sw, self.mu, self.norms)

    def _approx_grad(self):
        """The gradient from a float32 copy of X, with a rigorous error bound.

        A float32 product reads half the bytes of X (and often fits in cache
        where X does not): on 200 x 20,000 it takes 0.19 ms against 0.75 ms.
        Its error is about 1e-5 ||x_j|| ||r|| at n = 200, far below the l1
        of any path, so few features need their exact float64 product.
        On long runs only: making the copy costs several passes (and its
        pages' first touch), which a single fit of a few passes does not repay.
        """
        if self._shadow is None:
            self._shadow = False
            if self.long_run:
                self._shadow = float32_shadow(self.X, self.shadow_max_bytes) or False
        if self._shadow is False:
            return None
        v = self._weighted(self.rs)
        approx = float32_correlations(self._shadow, v[:, None])
        if approx is None:
            return None
        u, radius = approx
        u = u[:, 0]
        if self.scal[0] != 0:
            u += (self.scal[0] * self.W) * self.mu
        return u, self._shadow[1], radius[0]

    def _compute_grad(self):
        # X^T S rs + o * W * mu
        # in X's dtype: casting float32 X up would copy it
        v = self._weighted(self.rs).astype(self.dtype, copy=False)
        u = np.asarray(self.X.T @ v, dtype=np.float64)
        return u + (self.scal[0] * self.W) * self.mu

    def _col_cost(self, ws):
        return self.X.shape[0]

    def _cols_cost(self, cols):
        return self.X.shape[0] * (self.p if cols is None else cols.shape[0])

    def _grad_cols(self, cols, out):
        v = self._weighted(self.rs).astype(self.dtype, copy=False)
        _cd_fast.grad_dense_cols(self.X, v, self.scal[0] * self.W, self.mu, cols, out)

    def _sub_columns(self, cols, coef):
        _cd_fast.sub_columns_dense(self.X, cols, coef, self.rs)

    _hist = None
    extrapolate = True
    # with dual extrapolation the kernel skips u[ws] when its gap suffices
    kernel_u_exact = False

    def _solve_residual(self, ws, opts, u_ws, want_u):
        # dual extrapolation, where the gap needs no bounds or projections
        hist, racc, acc = np.empty((0, 0)), np.empty(0), np.empty(0)
        if self.extrapolate and not self.box.size and not self._free_features().size:
            if self._hist is None:
                n = self.X.shape[0]
                self._hist = (np.empty((_cd_fast.EXTRA_HISTORY, n)), np.empty(n))
            hist, racc = self._hist
            acc = np.empty(4 + ws.shape[0])
        e, gap = _cd_fast.cd_dense(self.X, self.sw, self.mu, self.norms, self.q,
                                   self.pf, self.w, self.rs, self.scal, ws, opts,
                                   self.box, u_ws, hist, racc, acc, self.y_c,
                                   want_u)
        if acc.shape[0] and np.isfinite(acc[0]):
            self._acc = (ws.copy(), acc[4:].copy(), acc[1], acc[2], acc[3])
        return e, gap


class _SparseProblem(_ResidualProblem):
    # a sparse nonzero is a gather from the residual, several times the cost
    # of a block entry (a contiguous, vectorised update): the block pays from
    # far shorter columns than for dense X (0.1 against 2; on npm_text, whose
    # working sets end up holding most of X's entries, 0.1 took 1.26 s
    # against 1.80 s at 0.5, pypi_text and the synthetic text unchanged)
    block_ratio = 0.1
    # the block takes the large working sets of real text (frequent words,
    # most of X's entries) where epochs over X would read nearly all of it
    # (storage allocated by doubling: 128 MiB at 4096 features in float64)
    block_capacity = (2048, 8192)
    row_index_max_bytes = 2 ** 29  # largest CSR copy of X made for Gram blocks (512 MiB)
    _rows = None                   # that copy, once built (False: not allowed)

    def _row_index(self):
        """A CSR copy of X (data, int32 columns, int64 row pointers), made
        when the first Gram block is built, if ``speed_copy_fits`` allows."""
        if self._rows is None:
            X = self.X
            nbytes = X.data.nbytes + 4 * X.nnz + 8 * (X.shape[0] + 1)
            self._rows = False
            if X.shape[1] < 2 ** 31 and speed_copy_fits(nbytes, self.row_index_max_bytes):
                R = X.tocsr()
                self._rows = (R.data, R.indices.astype(np.int32, copy=False),
                              R.indptr.astype(np.int64))
        return self._rows or None

    newton_steps = True

    def _support_rows(self, S):
        """The columns S of X as CSR arrays (data, int32 columns numbered as
        in S, int64 row pointers), or None when the copy is not allowed."""
        nnz = int(self._nnz[S].sum())
        nbytes = (self.X.dtype.itemsize + 4) * nnz + 8 * (self.X.shape[0] + 1)
        if not speed_copy_fits(nbytes, self.row_index_max_bytes):
            return None
        rows = self._row_index()
        if rows is None:
            return None
        slot = np.full(self.p, -1, dtype=np.int32)
        slot[S] = np.arange(S.size, dtype=np.int32)
        out = (np.empty(nnz, dtype=self.X.dtype), np.empty(nnz, dtype=np.int32),
               np.empty(self.X.shape[0] + 1, dtype=np.int64))
        _cd_fast.rows_subset(*rows, slot, *out)
        return out

    def _cross_block(self, new, feats, out):
        # reading X column-wise for each block feature costs the block's
        # nonzeros per call; the row index costs each new column's rows
        rows = self._row_index()
        if rows is None:
            return super()._cross_block(new, feats, out)
        X = self.X
        mu = self.mu.astype(np.float64)
        centred = self.mu.any()
        _cd_fast.gram_rows_sparse(X.data, X.indices, X.indptr, *rows, self.sw,
                                  self._cache.slot, np.asarray(new, dtype=np.int32),
                                  self.W * mu[new] if centred else np.empty(0),
                                  mu[feats] if centred else np.empty(0), out)

    def _col_norms(self):
        X = self.X
        self._nnz = np.diff(X.indptr)
        _cd_fast.col_norms_sparse(X.data, X.indices, X.indptr, self.sw, self.W,
                                  self.mu, self.norms)

    def _compute_grad(self):
        X = self.X
        out = np.empty(self.p)
        # threads only pay on large passes
        threads = _cd_fast.max_threads() if X.nnz > 500_000 else 1
        _cd_fast.grad_sparse(X.data, X.indices, X.indptr, self._weighted(self.rs),
                             self.scal[0] * self.W, self.mu, self.all_idx, out,
                             threads)
        return out

    def _col_cost(self, ws):
        return float(self._nnz[ws].mean())

    def _cols_cost(self, cols):
        return float(self.X.nnz if cols is None else self._nnz[cols].sum())

    def _grad_cols(self, cols, out):
        X = self.X
        _cd_fast.grad_sparse(X.data, X.indices, X.indptr, self._weighted(self.rs),
                             self.scal[0] * self.W, self.mu, cols, out, 1)

    def _sub_columns(self, cols, coef):
        X = self.X
        _cd_fast.sub_columns_sparse(X.data, X.indices, X.indptr, cols, coef, self.rs)

    def _solve_residual(self, ws, opts, u_ws, want_u):
        X = self.X
        return _cd_fast.cd_sparse(X.data, X.indices, X.indptr, self.sw, self.mu,
                                  self.norms, self.q, self.pf, self.w, self.rs,
                                  self.scal, ws, opts, self.box, u_ws)


def penalty_change(old, new, pf, opts):
    """Kernel-scale penalty at ``new`` minus at ``old`` (float64 vectors),
    term by term as the generic solver's penalty computes it."""
    pf = pf.astype(np.float64)
    return ElasticNetPenalty(opts["l1"] * pf, opts["l2"] * pf, None, None).change(old, new)


def gram_jump(G, rows, cols, H, old, new, q, pf, opts, scal):
    """Move the working set's coefficients from ``old`` to ``new`` on the
    Gram form, if that lowers the objective.

    ``H = q - G w`` is indexed like G's rows; the working set's features
    are rows ``rows`` and columns ``cols`` of G, with ``q`` and ``pf`` their
    entries.  With d = new - old the loss changes by
    (d^T G d - 2 d^T H) / 2, read off the updated H at the cost of one
    coordinate descent epoch; when loss and penalty together fall, H and
    (A, B) in ``scal`` follow and True is returned (the caller moves w).
    """
    d = new - old
    moved = np.flatnonzero(d)
    if moved.size == 0:
        return False
    Hn = np.zeros(G.shape[0])
    Hn[:H.shape[0]] = H
    _cd_fast.sub_columns_dense(G, np.ascontiguousarray(cols[moved]), d[moved], Hn)
    h = H[rows]
    dB = float(d @ (h - Hn[rows])) - 2.0 * float(d @ h)
    if not 0.5 * dB + penalty_change(old, new, pf, opts) < 0:
        return False
    H[:] = Hn[:H.shape[0]]
    scal[1] -= float(d @ q.astype(np.float64))
    scal[2] += dB
    return True


def entry_l1(t, l1, prev, pf):
    """The l1 at which each t_j = |u_j| (u_j with positive) is expected to
    meet its constraint l1 pf_j, from t at l1 and ``prev = (t0, l0)`` at a
    larger l0: t_j moves about linearly in l1 between entries, so its slope
    predicts the meeting point; a feature whose t_j falls as fast as the
    constraint (0 returned) is not expected to enter.  Without prev, t_j / pf_j.
    """
    pf = np.asarray(pf, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if prev is None:
            return t / pf
        t0, l0 = prev
        slope = (t - t0) / (l1 - l0)
        return np.where(slope < pf, (t - slope * l1) / (pf - slope), 0.0)


def float32_shadow(X, max_bytes, raw_sq=None):
    """(X32, ||x_j|| + 1e-30) for ``float32_correlations``, or None when X is
    not float64 dense or its float32 copy may not be made (over ``max_bytes``
    or a quarter of the available memory, or ``low_memory``: see _config).
    ``raw_sq``, when known, holds the squared norms of X's columns."""
    if sp.issparse(X) or X.dtype != np.float64 or \
            not speed_copy_fits(X.nbytes // 2, max_bytes):
        return None
    if raw_sq is not None:
        raw = np.asarray(raw_sq, dtype=np.float64)
    elif X.flags.f_contiguous:
        raw = np.empty(X.shape[1])
        _cd_fast.col_norms_dense(X, np.empty(0), np.zeros(X.shape[1]), raw)
    else:
        raw = np.einsum("ij,ij->j", X, X)
    # in X's own layout: converting C-ordered X to Fortran order would
    # transpose it in memory (X^T V is one product either way)
    return X.astype(np.float32, order="K"), np.sqrt(raw) + 1e-30


def float32_correlations(shadow, V):
    """X^T V from the float32 copy of X, with a rigorous error bound.

    Returns (U, radius) with |(X^T V)_jk - U_jk| <= root_j radius_k, where
    ``shadow = (X32, root)``; None when V is not finite or not representable.
    Rounding X and a column v of V to float32 and summing n products in any
    order errs by at most gamma_(n+2) |x_j|^T |v| <= gamma ||x_j|| ||v||,
    gamma_k = k u / (1 - k u), u = 2^-24 (Higham, Accuracy and Stability of
    Numerical Algorithms, 3.1); it is doubled here for margin.  Each column
    is scaled by a power of two to |v| <= 1 (exact), so float32 underflow can
    only err by 2^-149 per term, which the 1e-30 added to every root covers
    (a basis below has columns of norm 0.5 to 2: the same holds there).

    Columns that lie close to a few directions (the residuals of nearby
    alphas of a path do) are multiplied through a basis of them: V = B C + E
    with B's columns fewer than V's, and X^T E bounded by ||x_j|| ||E_k||
    (``_basis``).  The product then costs B's columns, not V's.
    """
    X32, root = shadow
    k = X32.shape[0] + 2
    gamma = 2.0 * k * 2.0 ** -24 / (1.0 - k * 2.0 ** -24)
    if V.shape[0] == 0:
        return np.zeros((X32.shape[1], V.shape[1])), np.zeros(V.shape[1])
    if gamma >= 0.5:
        return None
    sq = np.einsum("ij,ij->j", V, V)
    in_range = np.all((sq > 1e-280) & (sq < 1e280))
    # (a basis scales its own eigenproblem: V itself is not copied)
    basis = _basis(V, sq, gamma / 4) if in_range and V.shape[1] >= 6 else None
    if basis is not None:
        Bt, C, err, weight = basis
        U = _product32(X32, Bt) @ C
        # the product's rounding (gamma) carried through C, the float64
        # product with C (gamma_m in float64, doubled), and V off the basis
        g64 = 4.0 * (C.shape[0] + 2) * 2.0 ** -53
        radius = (gamma + g64 * (1.0 + gamma)) * weight + err
    else:
        if in_range:
            e = np.frexp(np.sqrt(sq))[1]     # |v| <= ||v||
            Vs = V * np.ldexp(1.0, -e)       # |Vs| <= 1: powers of two scale exactly
        else:            # (a zero column, or a square under- or overflows)
            vmax = np.maximum(V.max(axis=0), -V.min(axis=0))
            if not np.all(vmax < np.inf):
                return None
            e = np.frexp(vmax)[1]
            Vs = np.ldexp(V, -e)
        U = np.ldexp(_product32(X32, Vs.T.astype(np.float32)), e)
        # ||v|| = 2^e ||Vs||: neither underflows nor overflows
        radius = np.ldexp(gamma * np.sqrt(np.einsum("ij,ij->j", Vs, Vs)), e)
    if not np.all(np.isfinite(U)):
        return None              # X beyond float32's range
    return U, radius


def _product32(X32, Vt):
    """X32^T Vt^T in float64 (Vt: k x n, float32), by the fastest BLAS call
    for k: one matrix-vector product per row up to 2 (each reads X32 once
    at memory speed), else one matrix product with Vt padded to a multiple
    of 4 rows (OpenBLAS's float32 kernels take 8.3 ms for 3 columns of a
    20,000 x 1,000 X32, 5.8 ms for 4)."""
    k, n = Vt.shape
    if k <= 2:
        out = np.empty((X32.shape[1], k))
        for i in range(k):
            out[:, i] = X32.T @ Vt[i]
        return out
    if k % 4:
        Vt = np.concatenate([Vt, np.zeros((-k % 4, n), dtype=np.float32)])
    return np.asarray((Vt @ X32)[:k].T, dtype=np.float64)


def _basis(V, sq, tau):
    """V = B C + E with B's rows float32 and at most 0.75 as many as V's
    columns, and a rigorous bound ``err_k >= ||E_k||`` of about
    ``tau ||V_k||`` (sq_k = ||V_k||^2): (B^T, C, err, weight) with weight_k =
    sum_i |C_ik| ||b_i||, or None when V has no such basis.

    B spans the leading left singular vectors of V, from the eigenvalues of
    V^T V with its columns scaled to norms in [0.5, 1) by powers of two
    (k x k: cheap next to the product it saves), and only directions whose
    eigenvalue stands above its rounding.  B's columns have norms in [0.5,
    2] (checked), so |B| <= 2 and float32 underflow is covered as on the
    direct path.  err does not rest on the eigenvalues' accuracy:
    ||E_k||^2 = ||v||^2 - 2 c^T B^T v + c^T B^T B c with B as rounded to
    float32, each term computed in float64 with an error of at most
    gamma_(n+2m+2) (||v|| + sum_i |c_i| ||b_i||)^2, doubled.
    """
    n, k = V.shape
    d = np.ldexp(1.0, -np.frexp(np.sqrt(sq))[1])     # exact scalings
    ev, Y = np.linalg.eigh((V.T @ V) * np.outer(d, d))
    ev, Y = np.maximum(ev[::-1], 0.0), np.ascontiguousarray(Y[:, ::-1])
    # tail[:, m]: squared distance of each scaled column from the first m
    # directions (scaled squared norms are in [0.25, 1))
    tail = np.cumsum((Y ** 2 * ev)[:, ::-1], axis=1)[:, ::-1]
    fits = np.all(tail <= (tau * tau) * (sq * d * d)[:, None], axis=0)
    resolved = int(np.count_nonzero(ev > 4 * k * 2.0 ** -52 * ev[0]))
    m = int(np.argmax(fits)) if fits.any() else k
    if m > 2:
        # the product's fast widths (_product32), if the eigenvalues resolve them
        m = min(-(-m // 4) * 4, resolved)
    if m == 0 or m > resolved or m > 0.75 * k:
        return None
    scale = d[:, None] * Y[:, :m] / np.sqrt(ev[:m])
    Bt = (np.ascontiguousarray(scale.T) @ V.T).astype(np.float32)
    C = np.ascontiguousarray(np.sqrt(ev[:m])[:, None] * Y[:, :m].T / d)
    Bt64 = Bt.astype(np.float64)
    BtV, BtB = Bt64 @ V, Bt64 @ Bt64.T
    bsq = np.diag(BtB)
    if not np.all((bsq >= 0.25) & (bsq <= 4.0)):
        return None
    e2 = sq - 2.0 * np.einsum("ij,ij->j", C, BtV) + np.einsum("ij,ij->j", C, BtB @ C)
    weight = np.sqrt(bsq) @ np.abs(C)
    g64 = 4.0 * (n + 2 * m + 2) * 2.0 ** -53
    err = np.sqrt(np.maximum(e2, 0.0) + g64 * (np.sqrt(sq) + weight) ** 2)
    return Bt, C, err, weight


def cross_gram(X, sw, mu, W, rows, cols):
    """Block ``(X[:, rows] - mu)^T S (X[:, cols] - mu)`` of the centred Gram.

    Costs O(n |rows| |cols|) for dense X and the nonzeros of ``cols`` per row
    feature for CSC X; returns float64 of shape (len(rows), len(cols)).
    """
    rows = np.asarray(rows, dtype=np.int32)
    cols = np.asarray(cols, dtype=np.int32)
    if sp.issparse(X) and X.format == "csc":
        out = np.empty((rows.size, cols.size))
        step = 16           # rows scattered at once (16 doubles per sample)
        work = np.zeros(X.shape[0] * min(step, rows.size))
        for start in range(0, rows.size, step):
            chunk = rows[start:start + step]
            block = np.empty((cols.size, chunk.size))
            _cd_fast.gram_block_sparse(X.data, X.indices, X.indptr, sw, chunk,
                                       cols, work[:X.shape[0] * chunk.size], block)
            out[start:start + step] = block.T
    elif sp.issparse(X):
        Xr = X[:, rows]
        if sw.shape[0]:
            Xr = sp.diags(sw) @ Xr
        out = (Xr.T @ X[:, cols]).toarray()
    else:
        out = _gathered_product(X, sw if sw.shape[0] else None, rows, cols)
    mu = np.asarray(mu, dtype=np.float64)
    return out - W * np.outer(mu[rows], mu[cols])


def _gather_width(n):
    """Columns of dense X gathered at once: 16 MiB of them, 16 to 256."""
    return int(min(256, max(16, 2 ** 21 // max(n, 1))))


def _gathered_product(X, sw, rows, cols):
    """``(S X[:, rows])^T X[:, cols]`` for dense X, in float64, gathering at
    most ``_gather_width`` columns at a time: a working set of thousands of features
    would otherwise copy most of X (twice)."""
    out = np.empty((len(rows), len(cols)))
    g = _gather_width(X.shape[0])
    for r in range(0, len(rows), g):
        Xr = X[:, rows[r:r + g]]
        if sw is not None:
            Xr = Xr * sw[:, None]
        for c in range(0, len(cols), g):
            out[r:r + g, c:c + g] = Xr.T @ X[:, cols[c:c + g]]
    return out


def gram_columns(X, sw, mu, W, cols):
    """Centred weighted Gram columns ``(X - mu)^T S (X[:, cols] - mu[cols])``.

    One product with X (BLAS-3 for dense X, a sparse product otherwise);
    returns a float64 array of shape (n_features, len(cols)).
    """
    if len(cols) == X.shape[1] and np.array_equal(cols, np.arange(X.shape[1])):
        return symmetric_block(X, sw, mu, W, cols)
    if sp.issparse(X):
        Xc = X[:, cols]
        if sw is not None:
            Xc = sp.diags(sw) @ Xc
        C = (X.T @ Xc).toarray().astype(np.float64)
    else:
        # (S X[:, cols])^T X, transposed; gathered by blocks of columns
        C = np.empty((X.shape[1], len(cols)))
        g = _gather_width(X.shape[0])
        for c in range(0, len(cols), g):
            Xc = X[:, cols[c:c + g]]
            if sw is not None:
                Xc = Xc * sw[:, None]
            C[:, c:c + g] = X.T @ Xc
    return C - W * np.outer(mu, mu[cols])


def symmetric_block(X, sw, mu, W, feats):
    """Centred weighted Gram block of ``feats`` with itself, in one symmetric
    product (syrk for dense X: half the multiply-adds of a general one).

    Dense X goes by blocks of rows when it must be gathered or weighted, so
    the copy stays small; the whole unweighted X is one ``X^T X``.
    """
    whole = len(feats) == X.shape[1] and np.array_equal(feats, np.arange(X.shape[1]))
    if sp.issparse(X):
        Xf = X if whole else X[:, feats]
        if sw is not None:
            Xf = sp.diags(np.sqrt(sw)) @ Xf
        B = (Xf.T @ Xf).toarray()
    elif whole and sw is None:
        # X^T X (one syrk), in a worker thread that Ctrl-C need not wait for
        B = interruptible(_gram, X, flops=X.shape[0] * X.shape[1] ** 2)
    else:
        B = np.zeros((len(feats), len(feats)))
        step = max(1, 2 ** 22 // max(len(feats), 1))
        for start in range(0, X.shape[0], step):
            block = X[start:start + step]
            if not whole:
                block = block[:, feats]
            if sw is not None:
                block = block * np.sqrt(sw[start:start + step])[:, None]
            # B += block^T block
            B += interruptible(_gram, block, flops=block.shape[0] * len(feats) ** 2)
    m = np.asarray(mu, dtype=np.float64)[feats]
    return np.asarray(B, dtype=np.float64) - W * np.outer(m, m)


def _gram(X):
    """X^T X (NumPy calls syrk for this product)."""
    return X.T @ X


def _centred_sq_norms(X, sw, mu, W):
    """sum_i sw_i (X_ij - mu_j)^2 per column, in X's layout (X is not copied).

    CSC and Fortran X use the compiled two-pass kernels; other layouts go by
    blocks of rows (dense) or one sparse product (CSR).
    """
    out = np.empty(X.shape[1], dtype=X.dtype)
    if sp.issparse(X) and X.format == "csc":
        _cd_fast.col_norms_sparse(X.data, X.indices, X.indptr, sw, W, mu, out)
    elif sp.issparse(X):
        # stored entries centred one by one, and mu_j^2 for each empty row:
        # sum x^2 - W mu^2 would lose the digits of offset columns
        Xr = sp.csr_matrix(X)
        cols = Xr.indices
        m = mu.astype(np.float64)
        swr = (np.ones(X.shape[0]) if sw.shape[0] == 0 else sw.astype(np.float64))
        swr = np.repeat(swr, np.diff(Xr.indptr))
        dev = Xr.data.astype(np.float64) - m[cols]
        p = X.shape[1]
        stored = np.bincount(cols, weights=swr * dev * dev, minlength=p)
        empty = np.maximum(W - np.bincount(cols, weights=swr, minlength=p), 0.0)
        out[:] = stored + empty * m * m
    elif X.flags.f_contiguous:
        _cd_fast.col_norms_dense(X, sw, mu, out)
    else:
        acc = np.zeros(X.shape[1])
        step = max(1, 2 ** 20 // max(X.shape[1], 1))
        for start in range(0, X.shape[0], step):
            block = X[start:start + step] - mu
            sq = block * block
            acc += sq.sum(axis=0) if sw.shape[0] == 0 else sw[start:start + step] @ sq
        out[:] = acc
    return out


class _GramProblem(_Problem):
    """Gram form: columns of G = Xc^T S Xc, computed lazily, q = Xc^T S y_c.

    Only the columns of features that enter a working set are computed (one
    product with X each, in batches), so a path costs O(n p k) for the k
    features it ever considers instead of O(n p^2).  The gradient is
    ``q - G[:, supp] w[supp]``: no pass over X per alpha.
    """

    def __init__(self, X, y, sw, pf, fit_intercept, gram=None, xy=None,
                 lazy=True, settings=None):
        super().__init__(y, sw, pf, fit_intercept, X.dtype, settings)
        self.X = X
        self._sw_or_none = sw
        mu = self._means(X, fit_intercept, sw)
        if xy is None:
            yw = self.y_c if sw is None else sw * self.y_c
            xy = np.asarray(X.T @ yw.astype(X.dtype), dtype=np.float64)
        self.q = np.asarray(xy, dtype=X.dtype)
        self.mu = mu.astype(X.dtype)
        self._mu64 = mu
        self._slot = np.full(self.p, -1, dtype=np.int64)
        if gram is not None or not lazy:
            cols = self.all_idx
            C = (gram if gram is not None else
                 self.gram_source() if self.gram_source is not None else
                 gram_columns(X, sw, mu, self.W, cols))
            self._C = np.asfortranarray(C, dtype=X.dtype)
            self._slot[:] = cols
            self._k = self.p
            # the column norms from X when it is at hand: centred column by
            # column, they keep their digits when the Gram matrix's centring
            # (by W mu mu^T) loses them (see _offsets)
            diag = (np.diag(self._C) if gram is not None
                    else _centred_sq_norms(X, self.sw, self.mu, self.W))
        else:
            self._C = np.empty((self.p, 16), dtype=X.dtype, order="F")
            self._k = 0
            diag = _centred_sq_norms(X, self.sw, self.mu, self.W)
        self.norms = diag
        self.active = self.all_idx[diag > 0]

    prefetch = 32     # smallest batch of Gram columns computed at once
    full_at = 0.3     # the whole Gram matrix once this fraction of columns is due
    full_max_bytes = 2 ** 31   # ... unless it would take more memory than this
    cheap_grad = True

    def _ensure(self, feats):
        """Full Gram columns for ``feats``, in one product with X."""
        new = feats[self._slot[feats] < 0]
        if new.size == 0:
            return
        whole = self.p * self.p * np.dtype(self.dtype).itemsize
        if (self._k + max(new.size, self.prefetch) > self.full_at * self.p
                and whole <= self.full_max_bytes):
            self._complete()
            return
        if new.size < self.prefetch and self.hint is not None:
            # a product with X reads X once whatever the number of columns
            # (20,000 x 1,000: 4.6 ms for 1 column, 30 ms for 32): add the
            # features most likely to enter next
            ranked = self._likely_entrants(*self.hint)
            extra = ranked[self._slot[ranked] < 0]
            extra = extra[~np.isin(extra, new)][:self.prefetch - new.size]
            new = np.concatenate([new, extra]).astype(np.int32)
        need = self._k + new.size
        if need > self._C.shape[1]:
            C = np.empty((self.p, max(need, 2 * self._C.shape[1])),
                         dtype=self.dtype, order="F")
            C[:, :self._k] = self._C[:, :self._k]
            self._C = C
        self._C[:, self._k:need] = gram_columns(self.X, self._sw_or_none,
                                                self._mu64, self.W, new)
        self._slot[new] = np.arange(self._k, need)
        self._k = need

    def _likely_entrants(self, u, l1):
        """Features at zero ordered by when they are expected to enter, for
        Gram-column prefetching.

        Along a path, t_j = |u_j| (u_j with positive) moves about linearly in
        l1 between entries.  Its slope from the last certified alpha predicts
        the l1 at which t_j meets l1 pf_j; the largest predicted l1 comes first.
        Features whose correlation tracks the constraint (the neighbours of
        active features, often just below it) are predicted never to enter,
        where closeness alone would fetch them first.  Without a previous
        alpha, the closest to their constraint come first.
        """
        t = u if self.positive else np.abs(u)
        open_ = (self.w == 0) & (self.pf > 0) & (self.norms > 0)
        prev = None
        if self.last is not None and self.last[1] > l1:
            u0, l0 = self.last
            prev = (u0 if self.positive else np.abs(u0), l0)
        entry = entry_l1(t, l1, prev, self.pf)
        cand = np.flatnonzero(open_ & (entry > 0))
        return cand[np.argsort(-entry[cand], kind="stable")].astype(np.int32)

    def _complete(self):
        """The whole Gram matrix, from the cached columns and one symmetric
        product of the other features.

        A column costs 2 n p multiply-adds, the whole matrix n p^2 (syrk): a
        fraction c of the columns costs 2c of the whole.  Past c = full_at,
        the rest is the block of the uncached features (symmetric: syrk,
        (1 - c)^2 of the whole) and the transpose of cached rows, so a path
        that needs most features costs at most 1 + c^2 times the full Gram.
        """
        p = self.p
        if self.gram_source is not None:
            self._C = np.asfortranarray(self.gram_source(), dtype=self.dtype)
        else:
            cached = np.flatnonzero(self._slot >= 0)
            rest = np.flatnonzero(self._slot < 0)
            C = np.empty((p, p), dtype=self.dtype, order="F")
            C[:, cached] = self._C[:, self._slot[cached]]
            if rest.size:
                C[np.ix_(rest, rest)] = symmetric_block(self.X, self._sw_or_none,
                                                        self._mu64, self.W, rest)
                C[np.ix_(cached, rest)] = C[np.ix_(rest, cached)].T
            self._C = C
        self._slot[:] = self.all_idx
        self._k = p

    def free_columns(self, free):
        self._ensure(free)
        return self._C[:, self._slot[free]].astype(np.float64)

    def _compute_grad(self):
        nz = self._supp
        self._ensure(nz)
        if 2 * nz.size > self._k and self.dtype == np.float64:
            # most cached columns are in use: one product with all of them
            # (no copy of the ones in use; float32 columns are gathered and
            # summed in float64 below)
            w_slot = np.zeros(self._k)
            w_slot[self._slot[nz]] = self.w[nz]
            Gw = self._C[:, :self._k] @ w_slot
        else:
            Gw = self._C[:, self._slot[nz]] @ self.w[nz].astype(np.float64)
        return self.q.astype(np.float64) - Gw

    def stats(self):
        H = self.grad()
        w = self.w.astype(np.float64)
        self.scal[1] = self.yy - float(np.dot(w, self.q))
        self.scal[2] = self.scal[1] - float(np.dot(w, H))
        return self.scal[1], self.scal[2]

    def set_coef(self, w):
        self.w[:] = w
        self._reset_support()
        self._u = None
        self.stats()

    def _solve(self, ws, opts, u=None, start=None):
        # in place on the cached columns: rows are features, so no block copy
        self._ensure(ws)
        H = self._compute_grad()
        new = self._proposal(ws, start)
        if new is not None and gram_jump(self._C, ws, self._slot[ws].astype(np.int32), H,
                                         self.w[ws].astype(np.float64), new, self.q[ws],
                                         self.pf[ws], opts, self.scal):
            self.w[ws] = new
        return _cd_fast.cd_gram(self._C, self.q, self.pf, self.w, H, self.scal, ws,
                                opts, self.box, self._slot)
