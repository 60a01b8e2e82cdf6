"""Warm-started elastic-net paths: alpha grid, penalty scaling, working sets.

Policy lives here; the numerics live in ``_cd_fast``.  A problem object
holds X in one of three kernel forms (dense Fortran, sparse CSC, Gram) with
the solver state, and offers the same four operations to the path loop:
``grad`` (one full pass: the centred gradient of every feature), ``stats``
(exact ``A = r^T S y_c`` and ``B = r^T S r``), ``solve`` (coordinate descent
on a working set) and ``set_coef`` (warm start).
"""
import mmap
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from . import _cd_fast
from ._validation import (as_kernel_X, check_alphas, check_choice, check_gram,
                          check_penalty_factor, check_sample_weight,
                          check_scalar_param, check_X_y)

# working-set policy
_WS_MIN = 10                 # smallest working set
_INNER_RATIO = 0.1           # inner solve stops at this fraction of the outer gap


@dataclass(frozen=True)
class SolverOptions:
    """How one alpha is solved.

    tol: the duality gap must reach ``tol * sum_i sw_i y_c,i^2 / W``
    (scikit-learn's rule).  max_iter: coordinate-descent epochs per alpha.
    working_set: solve on a growing working set (else on every feature).
    """
    tol: float = 1e-4
    max_iter: int = 1000
    positive: bool = False
    working_set: bool = True
    random_order: object = None       # a numpy Generator, or None for cyclic


@dataclass
class PathResult:
    alphas: np.ndarray
    coefs: np.ndarray           # (n_features, n_alphas), dtype of X
    intercepts: np.ndarray      # (n_alphas,)
    dual_gaps: np.ndarray       # user scale (objective with 1/(2W))
    n_iters: np.ndarray         # epochs per alpha
    converged: np.ndarray       # bool per alpha
    gap_tol: float              # the user-scale gap each alpha had to reach


def lazy_zeros(shape, dtype):
    """A zero array whose pages the OS maps only when first written.

    A path's coefficients are mostly zeros: writing only the nonzeros into
    a fresh anonymous mapping touches few pages, where filling a large
    array (or the huge pages numpy asks for) costs a page fault per 4 KiB.
    """
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if nbytes < 1 << 22:
        return np.zeros(shape, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype=dtype).reshape(shape)


def kernel_penalties(alpha, l1_ratio, W):
    """User alpha -> kernel penalties (l1, l2): the only place this happens.

    The kernel objective is W times the user objective, so both penalties
    are multiplied by W = sum(sample_weight) (n_samples without weights).
    """
    return alpha * l1_ratio * W, alpha * (1.0 - l1_ratio) * W


# ------------------------------------------------------------------ problems

def _solve_block(G, q, pf, w, scal, opts):
    """Coordinate descent on a compact Gram block (all of its coordinates).

    G = Xc^T S Xc restricted to a working set that holds every nonzero
    coefficient, so the gradient there is exactly q - G w.  w is updated in
    place, and so are A and B in scal.  Returns (epochs, gap).
    """
    H = q.astype(np.float64) - G @ w.astype(np.float64)
    idx = np.arange(G.shape[0], dtype=np.int32)
    return _cd_fast.cd_gram(G, q, pf, w, H, scal, idx, opts)


class _Problem:
    """What every kernel form shares: targets, weights, penalty factors."""

    cheap_grad = False     # True when the full gradient needs no pass over X

    def __init__(self, y, sw, pf, fit_intercept, dtype):
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
        self.inv_norm = None     # 1 / ||x_j||, built on first use
        self.ws_buffers = None
        self.free = None         # active unpenalised features, found on first use
        self._free_cols = None

    def _means(self, X, fit_intercept, sw):
        if not fit_intercept:
            return np.zeros(self.p)
        ones = np.ones(X.shape[0], X.dtype) if sw is None else sw
        return np.asarray(X.T @ ones, dtype=np.float64) / self.W

    def intercept(self):
        if self.ybar == 0.0 and not self.mu.any():
            return 0.0
        nz = np.flatnonzero(self.w)
        return self.ybar - float(np.sum(self.mu[nz].astype(np.float64) * self.w[nz]))

    def grad(self, l1=None):
        """Centred gradient u of every feature at the current w (cached)."""
        if self._u is None:
            self._u = self._compute_grad()
        return self._u

    def certified_gap(self, u, l1, l2, positive):
        """Kernel-scale duality gap at w, with a dual point feasible for all.

        Unpenalised features (pf = 0) need x_j^T S theta = 0: like the
        intercept, they are projected out of the residual used as the dual
        point, through their Gram columns (computed once per path).
        """
        A, B = self.stats()
        free = self.free
        if free is None:
            free = self.free = self.active[self.pf[self.active] <= 0]
        if free.size == 0:
            return _cd_fast.dual_gap(self.w, u, self.pf, self.all_idx, l1, l2,
                                     positive, A, B, B)
        C = self.free_columns(free)
        if positive:
            # an unpenalised feature held at its bound w_j = 0 only needs
            # x_j^T S theta <= 0 (the kernel's gap checks that): project out
            # the others
            inner = self.w[free] > 0
            free, C = free[inner], C[:, inner]
            if free.size == 0:
                return _cd_fast.dual_gap(self.w, u, self.pf, self.all_idx, l1, l2,
                                         positive, A, B, B)
        G_ff = C[free]
        beta = np.linalg.lstsq(G_ff, u[free], rcond=None)[0]
        u2 = u - C @ beta
        A2 = A - float(beta @ self.q[free].astype(np.float64))
        B2 = max(B - 2.0 * float(beta @ u[free]) + float(beta @ G_ff @ beta), 0.0)
        return _cd_fast.dual_gap(self.w, u2, self.pf, self.all_idx, l1, l2,
                                 positive, A2, B2, B)

    def solve(self, ws, opts):
        self._u = None
        return self._solve(ws, opts)


class _ResidualProblem(_Problem):
    """Dense or sparse X with the residual ``rs = y_c - X w`` and offset.

    A working set is solved either by the residual kernel, or, when that is
    cheaper, on its Gram block (cached across working sets and alphas), after
    which the residual is updated once from the changed coefficients.
    """

    block_capacity = 2048

    def __init__(self, X, y, sw, pf, fit_intercept):
        super().__init__(y, sw, pf, fit_intercept, X.dtype)
        self.X = X
        self.mu = self._means(X, fit_intercept, sw).astype(X.dtype)
        self.norms = np.empty(self.p, dtype=X.dtype)
        self._col_norms()
        self.rs = self.y_c.copy()           # float64 whatever the dtype of X
        self._stats_buf = np.empty(3)
        self._sum_swy = float(np.sum(self.y_c if sw is None else sw * self.y_c))
        self.q = self._compute_grad().astype(X.dtype)
        self.active = self.all_idx[self.norms > 0]
        self._slot = np.full(self.p, -1, dtype=np.int64)   # feature -> block slot
        self._feats = np.empty(0, dtype=np.int32)          # slot -> feature
        self._G = np.empty((0, 0), dtype=X.dtype, order="F")

    def _weighted(self, v):
        return v if self.sw.shape[0] == 0 else self.sw * v

    screen = True        # skip provably slack features in gradient passes
    _ref = None          # (rs, offset, u) at the last full pass
    _skipped = None      # features whose u entry is a bound, not a value

    def grad(self, l1=None):
        """u = Xc^T S r, exact wherever the certificate can depend on it.

        A full pass fixes a reference (r_ref, u_ref).  Later, for a feature
        with w_j = 0, |u_j| <= |u_ref_j| + ||x_j||_S ||r - r_ref||_S
        (Cauchy-Schwarz); while that bound is below 0.99 l1 pf_j the column
        is not read and the bound stands in for u_j.  The gap only uses u
        through |u_j| <= l1 pf_j-type constraints, so an overestimate keeps
        it a valid upper bound; the skipped features are far from entering.
        """
        if l1 is None or not self.screen or self._has_free():
            return super().grad()
        pf, pos = self.pf, self.positive
        if self._u is not None:
            if self._skipped is not None:
                # same w, smaller l1: bounds now too close to it are computed
                redo = self._skipped & (self._u >= 0.99 * l1 * pf)
                if redo.any():
                    self._partial(np.flatnonzero(redo).astype(np.int32))
                    self._skipped &= ~redo
            return self._u
        if self._ref is None:
            return self._full_pass()
        rs_ref, o_ref, u_ref = self._ref
        delta = _cd_fast.residual_distance(self.rs, rs_ref, self.scal[0] - o_ref,
                                           self.sw)
        bound = (u_ref if pos else np.abs(u_ref)) + self._sqrt_norms * delta
        skip = bound < 0.99 * l1 * pf
        skip &= self.w == 0
        need = np.flatnonzero(~skip).astype(np.int32)
        if self._cols_cost(need) > 0.5 * self._cols_cost(None):
            return self._full_pass()
        self._u = bound
        self._partial(need)
        self._skipped = skip
        return self._u

    def _has_free(self):
        if self.free is None:
            self.free = self.active[self.pf[self.active] <= 0]
        return self.free.size > 0

    def _full_pass(self):
        self._u = self._compute_grad()
        self._ref = (self.rs.copy(), float(self.scal[0]), self._u.copy())
        self._skipped = None
        if self._sqrt_norms is None:
            self._sqrt_norms = np.sqrt(self.norms.astype(np.float64))
        return self._u

    _sqrt_norms = None

    def _partial(self, cols):
        """Exact u on ``cols`` (the others keep their bounds)."""
        out = np.empty(cols.shape[0])
        self._grad_cols(cols, out)
        self._u[cols] = out

    def stats(self):
        # A = sum sw (rs + o) y_c and B = sum sw (rs + o)^2, from one pass
        o, out = self.scal[0], self._stats_buf
        _cd_fast.residual_stats(self.rs, self.y_c, self.sw, out)
        self.scal[1] = out[1] + o * self._sum_swy
        self.scal[2] = out[2] + 2 * o * out[0] + o * o * self.W
        return self.scal[1], self.scal[2]

    def set_coef(self, w):
        self.w[:] = w
        self.rs = self.y_c - np.asarray(self.X @ w.astype(np.float64), dtype=np.float64)
        self.scal[0] = float(np.dot(self.mu.astype(np.float64), self.w))
        self._u = None
        self.stats()

    def free_columns(self, free):
        if self._free_cols is None:
            sw = self.sw if self.sw.shape[0] else None
            self._free_cols = gram_columns(self.X, sw, self.mu.astype(np.float64),
                                           self.W, free)
        return self._free_cols

    # the Gram block of the features seen in working sets
    def _block(self, ws):
        new = ws[self._slot[ws] < 0]
        if new.size:
            k = self._feats.size
            if k + new.size > self.block_capacity:
                # start the cache afresh from this working set
                self._slot[self._feats] = -1
                self._feats = np.empty(0, dtype=np.int32)
                self._G = np.empty((0, 0), dtype=self.dtype, order="F")
                new, k = ws, 0
            feats = np.concatenate([self._feats, new]).astype(np.int32)
            cross = cross_gram(self.X, self.sw, self.mu, self.W, new, feats)
            G = np.empty((feats.size, feats.size), dtype=self.dtype, order="F")
            G[:k, :k] = self._G
            G[k:, :] = cross
            G[:k, k:] = cross[:, :k].T
            self._G, self._feats = G, feats
            self._slot[new] = np.arange(k, feats.size)
        slots = self._slot[ws]
        return np.asfortranarray(self._G[np.ix_(slots, slots)])

    def _use_block(self, ws):
        # an epoch of the residual kernel reads every nonzero of ws; the block
        # costs |ws|^2 per epoch plus the products of the new features
        return ws.size <= self.block_capacity and self._col_cost(ws) > 2 * ws.size

    def _solve(self, ws, opts):
        if not self._use_block(ws):
            return self._solve_residual(ws, opts)
        G = self._block(ws)
        w_ws = self.w[ws]
        old = w_ws.astype(np.float64)
        e, gap = _solve_block(G, self.q[ws], self.pf[ws], w_ws, self.scal, opts)
        delta = w_ws.astype(np.float64) - old
        moved = np.flatnonzero(delta)
        if moved.size:
            self.w[ws[moved]] = w_ws[moved]
            self._sub_columns(ws[moved].astype(np.int32), delta[moved])
            self.scal[0] += float(np.dot(self.mu[ws[moved]].astype(np.float64),
                                         delta[moved]))
        return e, gap


class _DenseProblem(_ResidualProblem):
    def _col_norms(self):
        _cd_fast.col_norms_dense(self.X, self.sw, self.mu, self.norms)

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

    def _solve_residual(self, ws, opts):
        return _cd_fast.cd_dense(self.X, self.sw, self.mu, self.norms, self.q,
                                 self.pf, self.w, self.rs, self.scal, ws, opts)


class _SparseProblem(_ResidualProblem):
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

    def _solve_residual(self, ws, opts):
        X = self.X
        return _cd_fast.cd_sparse(X.data, X.indices, X.indptr, self.sw, self.mu,
                                  self.norms, self.q, self.pf, self.w, self.rs,
                                  self.scal, ws, opts)


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
    else:
        Xr = X[:, rows]
        if sw.shape[0]:
            Xr = (sp.diags(sw) @ Xr) if sp.issparse(X) else Xr * sw[:, None]
        out = Xr.T @ X[:, cols]
        out = out.toarray() if sp.issparse(out) else np.asarray(out, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    return out - W * np.outer(mu[rows], mu[cols])


def gram_columns(X, sw, mu, W, cols):
    """Centred weighted Gram columns ``(X - mu)^T S (X[:, cols] - mu[cols])``.

    One product with X (BLAS-3 for dense X, a sparse product otherwise);
    returns a float64 array of shape (n_features, len(cols)).
    """
    Xc = X[:, cols]
    if sw is not None:
        Xc = (sp.diags(sw) @ Xc) if sp.issparse(X) else Xc * sw[:, None]
    C = X.T @ Xc
    C = C.toarray() if sp.issparse(C) else np.asarray(C)
    return C.astype(np.float64) - W * np.outer(mu, mu[cols])


class _GramProblem(_Problem):
    """Gram form: columns of G = Xc^T S Xc, computed lazily, q = Xc^T S y_c.

    Only the columns of features that enter a working set are computed (one
    product with X each, in batches), so a path costs O(n p k) for the k
    features it ever considers instead of O(n p^2).  The gradient is
    ``q - G[:, supp] w[supp]``: no pass over X per alpha.
    """

    def __init__(self, X, y, sw, pf, fit_intercept, gram=None, xy=None,
                 lazy=True):
        super().__init__(y, sw, pf, fit_intercept, X.dtype)
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
            C = gram if gram is not None else gram_columns(X, sw, mu, self.W, cols)
            self._C = np.asfortranarray(C, dtype=X.dtype)
            self._slot[:] = cols
            self._k = self.p
            diag = np.diag(self._C)
        else:
            self._C = np.empty((self.p, 16), dtype=X.dtype, order="F")
            self._k = 0
            norms = np.empty(self.p, dtype=X.dtype)
            if sp.issparse(X):
                Xk = X.tocsc()
                _cd_fast.col_norms_sparse(Xk.data, Xk.indices, Xk.indptr, self.sw,
                                          self.W, self.mu, norms)
            else:
                _cd_fast.col_norms_dense(np.asfortranarray(X), self.sw, self.mu,
                                         norms)
            diag = norms
        self.norms = diag
        self.active = self.all_idx[diag > 0]
        self.hint = None

    prefetch = 64     # smallest batch of Gram columns computed at once
    cheap_grad = True

    def _ensure(self, feats):
        """Full Gram columns for ``feats``, in one product with X."""
        new = feats[self._slot[feats] < 0]
        if new.size == 0:
            return
        if new.size < self.prefetch and self.hint is not None:
            # a product with X costs nearly the same for 1 or 64 columns (it
            # reads X once, BLAS-3 beats BLAS-2): add the features most
            # likely to enter next
            extra = self.hint[self._slot[self.hint] < 0]
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

    def free_columns(self, free):
        self._ensure(free)
        return self._C[:, self._slot[free]].astype(np.float64)

    def _compute_grad(self):
        nz = np.flatnonzero(self.w)
        self._ensure(nz)
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
        self._u = None
        self.stats()

    def _solve(self, ws, opts):
        self._ensure(ws)
        G = np.asfortranarray(self._C[ws[:, None], self._slot[ws]])
        w_ws = self.w[ws]
        e, gap = _solve_block(G, self.q[ws], self.pf[ws], w_ws, self.scal, opts)
        self.w[ws] = w_ws
        return e, gap


# ------------------------------------------------------------ one alpha

def _working_set(prob, u, l1, l2, size):
    """Support, unpenalised features and the ``size`` most violating others.

    A feature's score is its distance to the dual constraint
    ``(l1 pf_j - |u_j - l2 pf_j w_j|) / ||x_j||``: small scores come first.
    Returns (ws, complete) where complete means every usable feature is in.
    """
    if prob.inv_norm is None:
        with np.errstate(divide="ignore"):
            prob.inv_norm = np.where(prob.norms > 0, 1.0 / np.sqrt(
                np.maximum(prob.norms.astype(np.float64), 1e-300)), 0.0)
    if size >= 0.5 * prob.active.shape[0]:
        # most features would be in: a full set saves the second solve
        return prob.active, True
    # only features near their constraint can be urgent: score those alone
    if prob.ws_buffers is None:
        prob.ws_buffers = (np.empty(prob.p, dtype=np.int32), np.empty(prob.p))
    idx, score = prob.ws_buffers
    # (every violator has t_j >= l1 pf_j, so none is left out)
    k = _cd_fast.ws_candidates(u, prob.w, prob.pf, prob.inv_norm, l1, l2,
                               prob.positive, 0.5, idx, score)
    cand, score = idx[:k].copy(), score[:k].copy()
    skipped = getattr(prob, "_skipped", None)
    if skipped is not None:
        # only a bound of their gradient is known, and it clears the constraint
        keep = ~skipped[cand]
        cand, score = cand[keep], score[keep]
        k = cand.shape[0]
    size = min(size, k)
    if size == 0:
        return cand, False
    if prob.cheap_grad:
        # the exact gradient costs no pass over X: grow by the violators only
        forced = int(np.count_nonzero(np.isneginf(score)))
        size = forced + max(1, int(np.count_nonzero(score < 0)) - forced)
        size = min(size, cand.shape[0])
    keep = np.argpartition(score, size - 1)[:size]
    ws = cand[keep[np.isfinite(score[keep]) | (score[keep] < 0)]]
    if hasattr(prob, "hint"):
        # the next most urgent features, for Gram-column prefetching
        m = min(cand.shape[0], 2 * size + 64)
        order = np.argpartition(score, m - 1)[:m] if m < cand.shape[0] else slice(None)
        prob.hint = cand[order][np.isfinite(score[order])].astype(np.int32)
    return np.sort(ws).astype(np.int32), False


def _solve_alpha(prob, l1, l2, opts, tol_abs):
    """Solve one alpha from the current state.  Returns (gap, epochs, ok).

    Outer loop: one full gradient, the certified gap, a working set, an inner
    solve.  The inner gap is cheaper but can be optimistic (it ignores the
    features outside the working set and, for unpenalised features, only
    bounds what they can still gain): when the full set reached its inner
    tolerance but not the certified one, the inner tolerance tightens.
    """
    epochs = 0
    size = max(_WS_MIN, 2 * int(np.count_nonzero(prob.w)))
    inner_scale = 0.5
    while True:
        u = prob.grad(l1)
        gap = prob.certified_gap(u, l1, l2, opts.positive)
        if gap <= tol_abs:
            return gap, epochs, True
        if epochs >= opts.max_iter or inner_scale < 1e-7:
            # out of epochs, or the gap is limited by rounding, not iterations
            return gap, epochs, False
        if opts.working_set:
            ws, complete = _working_set(prob, u, l1, l2, size)
        else:
            ws, complete = prob.active, True
        # a partial working set is solved loosely; the full set to tol
        inner_tol = inner_scale * tol_abs
        if not complete:
            inner_tol = max(_INNER_RATIO * gap, inner_tol)
        if ws.shape[0] == 0:
            return gap, epochs, False
        if opts.random_order is not None:
            ws = opts.random_order.permutation(ws).astype(np.int32)
        e, inner_gap = prob.solve(ws, dict(l1=l1, l2=l2, positive=opts.positive,
                                           max_epochs=opts.max_iter - epochs,
                                           tol=inner_tol, check_every=10))
        epochs += e
        size *= 2
        if complete and inner_gap <= inner_tol:
            inner_scale *= 0.1


# ------------------------------------------------------------------ the path

def make_problem(X, y, sw, pf, fit_intercept, precompute, Xy=None):
    """Choose the kernel form.  Returns (problem, X_was_copied)."""
    n, p = X.shape
    gram = None
    if isinstance(precompute, np.ndarray):
        gram = np.asfortranarray(precompute, dtype=X.dtype)
        if gram.shape != (p, p):
            raise ValueError(
                f"precompute must be a ({p}, {p}) Gram matrix, got shape {gram.shape}")
        use_gram = True
    elif precompute == "auto":
        use_gram = n >= 2 * p and p <= 20000
    else:
        use_gram = bool(precompute)
    if use_gram:
        # precompute=True computes the whole Gram matrix; 'auto' its columns
        # as features enter working sets
        lazy = precompute == "auto"
        return _GramProblem(X, y, sw, pf, fit_intercept, gram, Xy, lazy), False
    Xk, copied = as_kernel_X(X)
    if sp.issparse(Xk):
        if not Xk.has_sorted_indices:
            Xk = Xk.sorted_indices()
            copied = True
        if Xk.indices.dtype != Xk.indptr.dtype:
            idx_t = np.result_type(Xk.indices.dtype, Xk.indptr.dtype)
            Xk = sp.csc_matrix((Xk.data, Xk.indices.astype(idx_t),
                                Xk.indptr.astype(idx_t)), shape=Xk.shape)
        return _SparseProblem(Xk, y, sw, pf, fit_intercept), copied
    return _DenseProblem(Xk, y, sw, pf, fit_intercept), copied


def alpha_max(prob, l1_ratio, positive):
    """Smallest alpha whose solution has every penalised coefficient at 0.

    Unpenalised features (pf = 0) are fitted first, so the gradient used is
    the one at the solution for alpha = alpha_max.
    """
    u = prob.grad()
    pen = prob.pf > 0
    t = u[pen] if positive else np.abs(u[pen])
    if not np.any(pen) or l1_ratio == 0:
        return np.inf
    return float(np.max(t / prob.pf[pen], initial=0.0)) / (prob.W * l1_ratio)


def _fit_unpenalized(prob, opts, tol_abs):
    """Least squares on the unpenalised features (coordinate descent)."""
    free = prob.active[prob.pf[prob.active] == 0]
    if free.shape[0] == 0:
        return
    prob.solve(free.astype(np.int32),
               dict(l1=0.0, l2=0.0, positive=opts.positive,
                    max_epochs=max(opts.max_iter, 10000), tol=0.01 * tol_abs,
                    check_every=5))


def compute_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None,
                 sample_weight=None, penalty_factor=None, fit_intercept=False,
                 precompute="auto", Xy=None, coef_init=None, tol=1e-4,
                 max_iter=1000, positive=False, working_set=True,
                 random_state=None, selection="cyclic", check_input=True,
                 warn=True):
    """Elastic-net path with every parameter checked.  Returns a PathResult."""
    if check_input:
        X, y = check_X_y(X, y)
    n, p = X.shape
    if n == 0 or p == 0:
        raise ValueError(f"X must have at least one sample and one feature, "
                         f"got shape {X.shape}")
    l1_ratio = check_scalar_param(l1_ratio, "l1_ratio", low=0, high=1)
    tol = check_scalar_param(tol, "tol", low=0)
    max_iter = check_scalar_param(max_iter, "max_iter", low=1, integer=True)
    check_choice(selection, "selection", ["cyclic", "random"])
    if not (isinstance(precompute, np.ndarray)
            or precompute in (True, False, "auto")):
        raise ValueError(
            f"precompute must be True, False, 'auto' or a Gram matrix, got {precompute!r}")
    grid = check_alphas(alphas, n_alphas)
    for name, value in (("positive", positive), ("fit_intercept", fit_intercept)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be a bool, got {value!r}")
    sw = check_sample_weight(sample_weight, n, X.dtype)
    if check_input and isinstance(precompute, np.ndarray):
        check_gram(precompute, X, sw, fit_intercept)
    if sw is not None:
        # the objective does not change with the scale of sw; kernel-scale
        # quantities stay in range (sw = 1e-200 would underflow them).  A
        # precomputed Gram matrix and Xy carry sw, so they scale with it.
        scale = n / np.sum(sw, dtype=np.float64)
        sw = (sw * scale).astype(X.dtype)
        if isinstance(precompute, np.ndarray):
            precompute = precompute * scale
        if Xy is not None:
            Xy = np.asarray(Xy) * scale
    if Xy is not None:
        Xy = np.asarray(Xy)
        if Xy.shape not in ((p,), (p, 1)):
            raise ValueError(f"Xy must have shape ({p},), got {Xy.shape}")
        Xy = Xy.ravel()
    pf = check_penalty_factor(penalty_factor, p, X.dtype)
    rng = None
    if selection == "random":
        from sklearn.utils import check_random_state
        rng = np.random.default_rng(check_random_state(random_state).randint(2 ** 31))
    opts = SolverOptions(tol=tol, max_iter=max_iter, positive=bool(positive),
                         working_set=working_set, random_order=rng)

    prob, _ = make_problem(X, y, sw, pf, fit_intercept, precompute, Xy)
    prob.positive = opts.positive
    tol_abs = tol * prob.yy
    if coef_init is not None:
        w0 = np.asarray(coef_init, dtype=X.dtype).ravel()
        if w0.shape != (p,):
            raise ValueError(f"coef_init must have shape ({p},), got {w0.shape}")
        if not np.all(np.isfinite(w0)):
            raise ValueError("coef_init must be finite, got NaN or infinity")
        prob.set_coef(w0)
    else:
        _fit_unpenalized(prob, opts, tol_abs)

    if isinstance(grid, int):
        eps = check_scalar_param(eps, "eps", low=0, low_open=True)
        if l1_ratio == 0:
            raise ValueError(
                "l1_ratio must be > 0 to build an alpha grid, got 0; pass alphas "
                "as an array instead")
        amax = alpha_max(prob, l1_ratio, opts.positive)
        if not np.isfinite(amax) or amax <= np.finfo(np.float64).resolution:
            grid = np.full(grid, np.finfo(np.float64).resolution)
        else:
            grid = np.geomspace(amax, amax * eps, num=grid)

    k = grid.shape[0]
    coefs = lazy_zeros((k, p), X.dtype)      # row per alpha, nonzeros written
    intercepts = np.empty(k)
    gaps = np.empty(k)
    n_iters = np.empty(k, dtype=np.int64)
    converged = np.empty(k, dtype=bool)
    for i, alpha in enumerate(grid):
        l1, l2 = kernel_penalties(alpha, l1_ratio, prob.W)
        gap, epochs, ok = _solve_alpha(prob, l1, l2, opts, tol_abs)
        nz = np.flatnonzero(prob.w)
        coefs[i, nz] = prob.w[nz]
        intercepts[i] = prob.intercept()
        gaps[i] = gap / prob.W
        n_iters[i] = epochs
        converged[i] = ok
    res = PathResult(grid, coefs.T, intercepts, gaps, n_iters, converged,
                     tol_abs / prob.W)
    if warn:
        warn_not_converged(res)
    return res


def warn_not_converged(res):
    """One ConvergenceWarning naming the alphas whose gap stayed above tol."""
    bad = np.flatnonzero(~res.converged)
    if bad.size == 0:
        return
    shown = ", ".join(f"alpha={res.alphas[i]:.4g} (gap {res.dual_gaps[i]:.3g})"
                      for i in bad[:5])
    more = f" and {bad.size - 5} more" if bad.size > 5 else ""
    warnings.warn(
        f"Objective did not converge for {bad.size} of {res.alphas.size} alphas: "
        f"{shown}{more}; the duality gap must reach tol * ||y||^2 / n = "
        f"{res.gap_tol:.3g}. Increase max_iter, or loosen tol.",
        ConvergenceWarning, stacklevel=_caller_stacklevel())


def _caller_stacklevel():
    """stacklevel that points warnings.warn at the first frame outside fastreg."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("fastreg"):
        frame, level = frame.f_back, level + 1
    return level


# ------------------------------------------------------------- public paths

def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None,
              precompute="auto", Xy=None, copy_X=True, coef_init=None,
              verbose=False, return_n_iter=False, positive=False,
              check_input=True, tol=1e-4, max_iter=1000, sample_weight=None,
              penalty_factor=None, fit_intercept=False, selection="cyclic",
              random_state=None, return_intercept=False):
    """Elastic-net regularization path by warm-started coordinate descent.

    For each alpha the objective is::

        1 / (2 W) * sum_i sw_i (y_i - x_i w - b)^2
            + alpha * l1_ratio * sum_j pf_j |w_j|
            + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    with W = sum(sw) (n_samples without ``sample_weight``), pf the
    ``penalty_factor`` (ones by default; 0 leaves a feature unpenalised) and
    b = 0 unless ``fit_intercept``.  Each alpha is solved until its duality
    gap is at most ``tol * sum_i sw_i y_c,i^2 / W`` (scikit-learn's rule;
    y_c is y, centred when ``fit_intercept``).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float64 or float32 (the output follows the dtype).
        Fortran-ordered dense and CSC are used without a copy; C-ordered
        dense is copied to Fortran order and CSR to CSC, unless the Gram
        form is chosen (see ``precompute``), which never copies X.
    y : ndarray of shape (n_samples,)
        Target.
    l1_ratio : float in [0, 1], default=0.5
        Mix of L1 (1) and L2 (0) penalties.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` when the grid is built.
    n_alphas : int, default=100
        Number of alphas when ``alphas`` is None.
    alphas : int or array-like, default=None
        An int builds a grid of that many alphas; an array is used as given
        (sorted decreasing).  The grid is geometric from alpha_max, the
        smallest alpha whose solution is exactly 0 (with centring, weights,
        penalty factors and ``positive`` accounted for), to eps * alpha_max.
    precompute : 'auto', bool or ndarray of shape (n_features, n_features)
        Use the Gram form.  'auto' picks it when n_samples > 2 n_features
        and n_features <= 2000.  An array is taken as the Gram matrix of the
        centred, weighted X.
    Xy : ndarray of shape (n_features,), default=None
        ``Xc^T S y_c`` for a precomputed Gram matrix.
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified.
    coef_init : ndarray of shape (n_features,), default=None
        Warm start for the first alpha.
    verbose : bool or int, default=False
        Print one line per alpha.
    return_n_iter : bool, default=False
        Also return the number of epochs per alpha.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    check_input : bool, default=True
        Skip the input checks when False (X, y must then be valid).
    tol : float, default=1e-4
        Duality-gap tolerance, relative to ``||y_c||^2 / n``.
    max_iter : int, default=1000
        Coordinate-descent epochs per alpha.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature on both penalties.
    fit_intercept : bool, default=False
        Fit an unpenalised intercept (implicit centring; X is not copied).
    selection : {'cyclic', 'random'}, default='cyclic'
        'random' permutes the order of the coordinates before each inner solve.
    random_state : int, RandomState instance or None, default=None
        Seed for ``selection='random'``.
    return_intercept : bool, default=False
        Also return the intercept per alpha.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
        Achieved duality gap per alpha, on the objective above.
    n_iters : ndarray of shape (n_alphas,)
        Only with ``return_n_iter``.
    intercepts : ndarray of shape (n_alphas,)
        Only with ``return_intercept``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import enet_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 10)); y = X[:, 0] - 2 * X[:, 1]
    >>> alphas, coefs, gaps = enet_path(X, y, l1_ratio=0.9, n_alphas=20)
    >>> coefs.shape
    (10, 20)
    >>> bool(np.all(coefs[:, 0] == 0))
    True
    """
    res = compute_path(X, y, l1_ratio=l1_ratio, eps=eps, n_alphas=n_alphas,
                       alphas=alphas, sample_weight=sample_weight,
                       penalty_factor=penalty_factor, fit_intercept=fit_intercept,
                       precompute=precompute, Xy=Xy, coef_init=coef_init, tol=tol,
                       max_iter=max_iter, positive=positive, selection=selection,
                       random_state=random_state, check_input=check_input)
    if verbose:
        for a, g, it, w in zip(res.alphas, res.dual_gaps, res.n_iters, res.coefs.T):
            print(f"alpha={a:.4g}  nonzeros={np.count_nonzero(w)}  "
                  f"gap={g:.3g}  epochs={it}")
    out = (res.alphas, res.coefs, res.dual_gaps)
    if return_n_iter:
        out += (res.n_iters,)
    if return_intercept:
        out += (res.intercepts,)
    return out


def lasso_path(X, y, **params):
    """Lasso path: :func:`enet_path` with ``l1_ratio=1``.

    Objective ``1/(2 W) sum_i sw_i (y_i - x_i w - b)^2 + alpha sum_j pf_j |w_j|``;
    every parameter of :func:`enet_path` but ``l1_ratio`` is accepted.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import lasso_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 8)); y = X @ np.arange(8.0)
    >>> alphas, coefs, gaps = lasso_path(X, y, alphas=5)
    >>> alphas.shape, coefs.shape
    ((5,), (8, 5))
    """
    if "l1_ratio" in params:
        raise ValueError("lasso_path takes no l1_ratio (it is 1); use enet_path")
    return enet_path(X, y, l1_ratio=1.0, **params)
