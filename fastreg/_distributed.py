"""Elastic-net paths on Dask arrays chunked by rows: X is never gathered.

The workers hold X's row blocks (with y and the weights); the client holds
O(p) vectors, each working set's Gram block and its coefficients.  Every
distributed *pass* maps one function over the row blocks and sums the
blocks' answers on the workers (on each worker, then across them), so only
the total reaches the client.  ``RowBlocks.passes`` counts them.  Three
passes:

- ``_moments_block``: weighted means, centred squared norms and centred
  cross-products with y (merged exactly by Chan's rule, not by raw sums);
- ``_gram_block``: for the features entering a working set, their rows of
  the working set's Gram block;
- ``_certify_block``: for a batch of alphas, each candidate's residual
  formed on the block from the working set's coefficients, its correlation
  with every feature and the sums the duality gap needs (and a CV fold's
  held-out error), cut on the workers to the features near their
  constraint (``_certificate_summary``).  The residual is never sent.

A *track* is one path on one weighting of the rows: the user's weights,
or those of a cross-validation fold's training rows (0/1 masks on the same
X).  Every track walks the same batches of alphas in lock step, so one pass
serves all of them: a 5-fold ``LassoCV`` costs about the passes of one path.

Between passes, each track solves its batch on the client by coordinate
descent on its Gram block (``_cd_fast.cd_gram``), then certifies every
alpha of the batch with one certificate pass; alphas whose gap misses the
tolerance get the features that violate their optimality conditions added
to the working set (one Gram pass) and are solved and certified again.
The gap rule is the in-memory path's: ``gap <= tol * sum_i sw_i y_c,i^2``
(kernel scale), with the same dual points (``_cd_fast.dual_gap``).
"""
import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _cd_fast
from ._offsets import MAX_OFFSET_RATIO
from ._penalties import penalised_alpha_max
from ._problems import entry_l1
from ._progress import progress_bar

# alphas certified by one pass: the first batch, and the bounds it adapts in
# (doubled after each batch, halved after one whose first half missed)
_BATCH = 8
_BATCH_MIN, _BATCH_MAX = 2, 25
# a feature is fetched ahead when its predicted entry l1 is within this
# factor of the batch's last l1 (misses cost a repair: two passes)
_AHEAD = 0.8
# the working set's own gap must reach this share of the tolerance, so that
# the certificate's extra terms (features outside it) fit in the rest
_INNER = 0.3
# a working set's solve updates the features nonzero or within this factor
# of their constraint, widened until the whole set's gap is reached
_NEAR = 0.7
_REPAIRS = 8      # repair rounds per batch before its alphas are given up
# a certificate sends the client the correlations of the features within
# this factor of their constraint (and the working set's): the others can
# neither violate nor be predicted to enter within a batch
_KEEP = 0.25
# with an intercept, a column whose spread is below this share of its mean
# is constant (Chan's merge leaves rounding residue in its centred norm)
_CONSTANT = 1024 * np.finfo(np.float64).eps


def is_dask_array(X):
    """Whether X is a dask.array.Array (without importing dask)."""
    return type(X).__module__.startswith("dask.") and hasattr(X, "to_delayed")


# ------------------------------------------------------------- on the workers

def _row_weights(yb, swb, start, weighting):
    """(train, held): n_b x M weights of the block's rows for each track
    (``weighting`` = (fold ids, fold edges)); a fold's held-out rows get
    weight 0 in ``train`` and their weight in ``held``."""
    folds, edges = weighting
    base = np.ones(yb.shape[0]) if swb is None else np.asarray(swb, dtype=np.float64)
    train = np.repeat(base[:, None], len(folds), axis=1)
    held = np.zeros_like(train)
    if edges is not None:
        fold_of = np.searchsorted(edges, start + np.arange(yb.shape[0]), "right") - 1
        for m, f in enumerate(folds):
            if f >= 0:
                inside = fold_of == f
                held[inside, m] = base[inside]
                train[inside, m] = 0.0
    return train, held


def _as_float(xb):
    """The block in float64, CSR or CSC kept as it is (a conversion at every
    pass would cost more than the pass's products)."""
    if sp.issparse(xb):
        if xb.format not in ("csr", "csc"):
            xb = xb.tocsr()
        return xb if xb.dtype == np.float64 else xb.astype(np.float64)
    return np.asarray(xb, dtype=np.float64)


def _moments_block(xb, yb, swb, start, shared):
    """Per track: (W, mean_x, mean_y, M_xx, M_yy, C_xy, min weight, finite)
    of the block, centred on the block's own means (two passes over the
    block, so a large mean costs no digits)."""
    xb, yb = _as_float(xb), np.asarray(yb, dtype=np.float64)
    train, _ = _row_weights(yb, swb, start, shared)
    M, p = train.shape[1], xb.shape[1]
    W = train.sum(axis=0)
    safe = np.where(W > 0, W, 1.0)
    mx = np.asarray(xb.T @ train).T / safe[:, None]          # M x p
    my = (train.T @ yb) / safe
    Mxx = np.empty((M, p))
    if sp.issparse(xb):
        coo = xb.tocoo()
        col, rows, data = coo.col, coo.row, coo.data
    for m in range(M):
        s = train[:, m]
        if sp.issparse(xb):
            # nonzeros (x - mean)^2, plus mean^2 for the weight of the zeros
            dev = s[rows] * (data - mx[m, col]) ** 2
            nz_w = np.bincount(col, s[rows], minlength=p)
            Mxx[m] = np.bincount(col, dev, minlength=p) + (W[m] - nz_w) * mx[m] ** 2
        else:
            Mxx[m] = s @ (xb - mx[m]) ** 2
    yc = yb[:, None] - my[None, :]
    Myy = np.sum(train * yc ** 2, axis=0)
    Cxy = np.asarray(xb.T @ (train * yc)).T
    data = xb.data if sp.issparse(xb) else xb
    finite = bool(np.all(np.isfinite(data)) and np.all(np.isfinite(yb))
                  and (swb is None or np.all(np.isfinite(swb))))
    low = float(np.min(swb)) if swb is not None and len(swb) else 0.0
    return dict(W=W, mx=mx, my=my, Mxx=Mxx, Myy=Myy, Cxy=Cxy, low=low,
                finite=finite)


def _merge_moments(a, b):
    """Chan, Golub and LeVeque's pairwise update of means and centred sums."""
    W = a["W"] + b["W"]
    safe = np.where(W > 0, W, 1.0)
    fa, fb = a["W"] / safe, b["W"] / safe
    dx = b["mx"] - a["mx"]
    dy = b["my"] - a["my"]
    cross = (a["W"] * fb)                   # W_a W_b / W
    return dict(W=W, mx=a["mx"] * fa[:, None] + b["mx"] * fb[:, None],
                my=a["my"] * fa + b["my"] * fb,
                Mxx=a["Mxx"] + b["Mxx"] + dx ** 2 * cross[:, None],
                Myy=a["Myy"] + b["Myy"] + dy ** 2 * cross,
                Cxy=a["Cxy"] + b["Cxy"] + dx * dy[:, None] * cross[:, None],
                low=min(a["low"], b["low"]), finite=a["finite"] and b["finite"])


def _gram_block(xb, yb, swb, start, shared):
    """Per track with entrants E and working set T (E last): X[:, E]^T S
    X[:, T] over the block's rows (raw: the client centres it)."""
    xb = _as_float(xb)
    train, _ = _row_weights(yb, swb, start, shared["weighting"])
    out = []
    for m, (E, T) in enumerate(shared["sets"]):
        if E is None:
            out.append(None)
            continue
        XE = xb[:, E]
        left = XE.multiply(train[:, m][:, None]).tocsc() if sp.issparse(xb) \
            else XE * train[:, m][:, None]
        G = left.T @ xb[:, T]
        out.append(G.toarray() if sp.issparse(G) else np.asarray(G))
    return out


def _certify_block(xb, yb, swb, start, shared):
    """Per track with candidates (S, C, b, ybar): the residuals
    R = y - b - X[:, S] C of the block's rows, and for the training weights
    s: X^T s R (every feature), sum s R, sum s R (y - ybar), sum s R^2; for
    the held-out rows, the weighted sum of R^2."""
    xb, yb = _as_float(xb), np.asarray(yb, dtype=np.float64)
    train, held = _row_weights(yb, swb, start, shared["weighting"])
    plain = swb is None and shared["weighting"][1] is None     # every weight 1
    sums, SRs = [], []
    for m, cand in enumerate(shared["cands"]):
        if cand is None:
            sums.append(None)
            continue
        S, C, b, ybar = cand
        # R = y - b - X[:, S] C, in one n_b x k buffer
        R = np.asarray(xb[:, S] @ C) if S.size else np.zeros((yb.shape[0], C.shape[1]))
        np.subtract(yb[:, None], R, out=R)
        R -= b
        SR = R if plain else train[:, m][:, None] * R
        SRs.append(SR)
        sse = held[:, m] @ (R * R) if held[:, m].any() else np.zeros(R.shape[1])
        sums.append(np.vstack([SR.sum(axis=0), SR.T @ (yb - ybar),
                               np.einsum("ij,ij->j", SR, R), sse]))
    U = np.asarray(xb.T @ (SRs[0] if len(SRs) == 1 else np.hstack(SRs))) \
        if SRs else None
    return U, sums


def _certificate_summary(total, shared):
    """On a worker, the certificate's total cut to what the client needs:
    per track, the features ``idx`` of its working set, those within
    _KEEP of their constraint at any alpha of the batch (the violators and
    the features about to enter) and each alpha's largest |u_j| / pf_j,
    with their correlations; the sums as they are.  The client thus gets
    O(|idx|) numbers per alpha instead of one per feature.  The correlations
    are uncentred (the client centres them): sum_i s_i R_i is 0 up to
    rounding, so the choice of idx is the same."""
    U, sums = total
    pf = shared["pf"][:, None]
    out, col = [], 0
    for cand, part, l1 in zip(shared["cands"], sums, shared["l1"]):
        if cand is None:
            out.append(None)
            continue
        k = cand[1].shape[1]
        Uk = U[:, col:col + k]
        col += k
        ratio = (np.maximum(Uk, 0.0) if shared["positive"] else np.abs(Uk)) / pf
        keep = np.any(ratio >= _KEEP * l1[None, :], axis=1)
        keep[cand[0]] = True
        keep[np.argmax(ratio, axis=0)] = True
        idx = np.flatnonzero(keep)
        out.append((idx, Uk[idx], part))
    return out


def _combine_all(combine, finish, shared, *parts):
    """The parts combined pairwise in turn, then ``finish(total, shared)``
    when given."""
    total = functools.reduce(combine, parts)
    return total if finish is None else finish(total, shared)


def _add(a, b):
    """Elementwise sum of two nested answers (None stays None)."""
    if a is None:
        return None
    if isinstance(a, (list, tuple)):
        return type(a)(_add(x, y) for x, y in zip(a, b))
    return a + b


# ------------------------------------------------------------- on the client

class RowBlocks:
    """X, y and the weights as per-block tasks on a dask.distributed client,
    with the count of distributed passes made over them."""

    def __init__(self, X, y, sample_weight=None, client=None):
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got a Dask array of shape {X.shape}")
        if X.numblocks[1] != 1:
            raise ValueError(
                "X must be chunked by rows only (one block across the columns), "
                f"got {X.numblocks[1]} column blocks; use X.rechunk({{1: -1}})")
        n, p = X.shape
        if any(np.isnan(c) for c in X.chunks[0]):
            raise ValueError("X's row chunks must be known; call "
                             "X.compute_chunk_sizes() first")
        if X.dtype.kind not in "fiub":
            raise ValueError(f"X must hold numbers, got dtype {X.dtype}")
        self.n, self.p = int(n), int(p)
        self.dtype = np.float32 if X.dtype == np.float32 else np.float64

        edges = np.concatenate([[0], np.cumsum(X.chunks[0])])

        def rows(v, name):
            """v's row blocks: Dask blocks, or a NumPy v's pieces sent to
            the cluster once (not embedded in every pass's graph)."""
            if v is None:
                return [None] * X.numblocks[0]
            if not is_dask_array(v):
                v = np.asarray(v)
                if name == "sample_weight" and v.ndim == 0:
                    v = np.full(n, float(v))
            if v.ndim != 1 or v.shape[0] != n:
                raise ValueError(f"{name} must have shape ({n},) with a Dask X, "
                                 f"got {v.shape}")
            if not is_dask_array(v):
                return client.scatter([np.ascontiguousarray(v[a:b], dtype=np.float64)
                                       for a, b in zip(edges[:-1], edges[1:])])
            if v.chunks[0] != X.chunks[0]:
                v = v.rechunk((X.chunks[0],))
            return list(v.to_delayed().ravel())

        self.X = X
        self.keys = [d.key for d in X.to_delayed().ravel()]
        if client is None:
            from distributed import get_client
            try:
                client = get_client()
            except ValueError:
                raise ValueError(
                    "A Dask X needs a dask.distributed client: create one "
                    "(distributed.Client(...)) or pass client=") from None
        self.client = client
        self.parts = list(zip(X.to_delayed().ravel(), rows(y, "y"),
                              rows(sample_weight, "sample_weight"), edges[:-1]))
        self.has_weights = sample_weight is not None
        self.passes = 0

    def _groups(self):
        """Block indices grouped by the worker that holds X's block (when X
        is persisted), so that answers are summed where they are made: one
        transfer per worker instead of one per block."""
        where = self.client.who_has(self.X)        # {} when not persisted
        groups = {}
        for i, key in enumerate(self.keys):
            holders = where.get(key) or (None,)
            groups.setdefault(holders[0], []).append(i)
        return list(groups.values())

    def run(self, fn, shared, combine=_add, finish=None):
        """One distributed pass: ``fn`` on every block, answers combined on
        the workers (first among the blocks of one worker), then
        ``finish(total, shared)`` there too when given; the result returned.
        Ctrl-C cancels it."""
        import dask
        shared = dask.delayed(shared, pure=False) if shared is not None else None
        task = dask.delayed(_combine_all, pure=False)
        # three levels: the blocks, their sum on each worker, the total
        total = task(combine, finish, shared, *[
            task(combine, None, None, *[
                dask.delayed(fn, pure=False)(*self.parts[i][:3], int(self.parts[i][3]),
                                             shared)
                for i in group])
            for group in self._groups()])
        future = self.client.compute(total)
        self.passes += 1
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            raise


@dataclass
class Track:
    """One path on one weighting of the rows, advanced batch by batch."""
    grid: np.ndarray          # user alphas
    l1_ratio: float
    fold: int                 # -1: every row
    W: float
    mu: np.ndarray            # (p,) weighted column means (0 without intercept)
    ybar: float
    yy: float                 # sum_i s_i y_c,i^2
    q: np.ndarray             # Xc^T S y_c
    norms: np.ndarray         # diag of Xc^T S Xc
    pf: np.ndarray
    positive: bool
    tol: float
    max_iter: int
    held_W: float = 0.0
    dtype: object = np.float64    # of the coefficients returned

    def __post_init__(self):
        k = self.grid.shape[0]
        self.tol_abs = self.tol * self.yy
        # the state the batches advance: the working set (features in the
        # order they entered) and its Gram block, the alphas done, the last
        # two certified (l1, |correlations|) for predicting entrants
        self.S = np.empty(0, dtype=np.int64)
        self.G = np.empty((0, 0), order="F")
        self.done = 0
        self.seen = []
        # per alpha: coefficients on the working set of its time (a prefix
        # of S: it only grows), intercept, gap, epochs, held-out error
        self.sol = [np.empty(0)] * k
        self.intercepts = np.zeros(k)
        self.gaps = np.full(k, np.inf)
        self.epochs = np.zeros(k, dtype=np.int64)
        self.converged = np.zeros(k, dtype=bool)
        self.held_sse = np.zeros(k)
        self.inner = _INNER
        self.pending = None

    def penalties(self, i):
        """Kernel-scale (l1, l2) of alpha i (an index or a slice)."""
        a = self.grid[i]
        return a * self.l1_ratio * self.W, a * (1.0 - self.l1_ratio) * self.W

    # working set
    def entrants(self, upto):
        """Features outside the working set expected to enter by alpha
        ``upto``: predicted from how their correlations moved between the
        last two certified alphas (``entry_l1``); before any, the features
        whose correlation at w = 0 is near the constraint."""
        l1_end = self.penalties(upto)[0]
        if self.seen:
            l1_last, t_last = self.seen[-1]
            prev = (self.seen[-2][1], self.seen[-2][0]) if len(self.seen) > 1 else None
            entry = entry_l1(t_last, l1_last, prev, self.pf)
        else:
            entry = entry_l1(self._t(self.q), 0.0, None, self.pf)
        return self._open(entry >= _AHEAD * l1_end)

    def _t(self, u):
        return np.maximum(u, 0.0) if self.positive else np.abs(u)

    def _open(self, mask):
        mask = mask.copy()
        mask[self.S] = False
        mask[self.norms <= 0] = False
        return np.flatnonzero(mask)

    def extend(self, E, raw):
        """Add features E with their raw Gram rows X_E^T S X_[S, E]."""
        m, e = self.S.size, E.size
        T = np.concatenate([self.S, E])
        block = raw - self.W * np.outer(self.mu[E], self.mu[T])
        G = np.empty((m + e, m + e), order="F")
        G[:m, :m] = self.G
        G[m:, :] = block
        G[:m, m:] = block[:, :m].T
        # symmetric to rounding: keep the exact symmetric part
        G[m:, m:] = 0.5 * (block[:, m:] + block[:, m:].T)
        self.S, self.G = T, G

    # restricted solves
    def solve(self, lo, hi):
        """Coordinate descent on the working set's Gram block for alphas
        lo..hi-1, each from the previous one's solution.  Returns the
        candidates (S, C, b, ybar) for the certificate pass."""
        m = self.S.size
        w = np.zeros(m)
        if lo > 0:
            w[:self.sol[lo - 1].size] = self.sol[lo - 1]
        C = np.zeros((m, hi - lo))
        for c, i in enumerate(range(lo, hi)):
            if m:
                self.epochs[i] += self._solve_one(
                    w, *self.penalties(i), budget=max(self.max_iter - self.epochs[i], 1))
            C[:, c] = w
        b = self.ybar - self.mu[self.S] @ C
        self.pending = (lo, hi, C, b)
        return self.S.astype(np.int64), C, b, self.ybar

    def _solve_one(self, w, l1, l2, budget):
        """w (in place) solving one alpha on the working set, to its gap
        target: coordinate descent over the features that are nonzero or
        near their constraint (most of the working set was fetched ahead
        and stays at zero), widened until the whole set's gap is reached, in
        at most ``budget`` epochs (what max_iter leaves this alpha).  Returns
        the epochs."""
        G, q, pf = self.G, self.q[self.S], self.pf[self.S]
        every = np.arange(self.S.size, dtype=np.int32)
        col = np.arange(self.S.size, dtype=np.int64)
        target = self.inner * self.tol_abs
        epochs = 0
        while True:
            Gw = G @ w
            H = q - Gw
            qw = float(q @ w)
            scal = np.array([0.0, self.yy - qw, self.yy - 2.0 * qw + float(w @ Gw),
                             self.W])
            gap = _cd_fast.dual_gap(w, H, pf, every, l1, l2, self.positive,
                                    scal[1], scal[2], scal[2])
            if (epochs and gap <= target) or epochs >= budget:
                return epochs
            ws = np.flatnonzero((w != 0) | (self._t(H) >= _NEAR * l1 * pf))
            opts = dict(l1=l1, l2=l2, positive=self.positive,
                        max_epochs=budget - epochs, tol=target,
                        check_every=10, dw_tol=self.tol)
            done, _ = _cd_fast.cd_gram(G, q, pf, w, H, scal, ws.astype(np.int32),
                                       opts, np.empty((0, 0)), col)
            epochs += max(int(done), 1)

    def certify(self, idx, U, sums):
        """Gaps of the pending candidates from their certificate (the
        correlations ``U`` of the features ``idx``: see
        ``_certificate_summary``); the certified prefix is accepted.
        Returns the features that violate the optimality conditions at the
        alphas that missed (empty when all were certified)."""
        lo, hi, C, b = self.pending
        self.pending = None
        s, A, B, sse = sums
        U = U - self.mu[idx, None] * s[None, :]          # centred: Xc^T S R
        # the gap over idx (the features left out are far inside their
        # constraint: they would add nothing), on arrays aligned with it
        on = self.norms[idx] > 0
        U_on, pf_on = np.ascontiguousarray(U[on]), self.pf[idx[on]]
        local = np.arange(U_on.shape[0], dtype=np.int32)
        where = np.searchsorted(idx[on], self.S)          # S's places (S in idx)
        p = self.q.shape[0]
        viol = np.zeros(p, dtype=bool)
        first_bad = hi
        for c, i in enumerate(range(lo, hi)):
            l1, l2 = self.penalties(i)
            w = np.zeros(U_on.shape[0])
            w[where] = C[:, c]
            gap = _cd_fast.dual_gap(w, np.ascontiguousarray(U_on[:, c]), pf_on, local,
                                    l1, l2, self.positive, float(A[c]), float(B[c]),
                                    float(B[c]))
            self.sol[i] = C[:, c].copy()
            self.intercepts[i] = b[c]
            self.gaps[i] = gap
            self.held_sse[i] = sse[c]
            t = np.zeros(p)
            t[idx] = self._t(U[:, c])
            if gap <= self.tol_abs and i < first_bad:
                self.converged[i] = True
                self.seen = (self.seen + [(l1, t)])[-2:]
                continue
            self.converged[i] = False
            first_bad = min(first_bad, i)
            viol |= t > l1 * self.pf
        self.done = first_bad
        if first_bad < hi:
            near = np.zeros(p, dtype=bool)
            near[idx] = self._t(U[:, -1]) >= _AHEAD * self.penalties(hi - 1)[0] * \
                self.pf[idx]
            viol |= near
        return self._open(viol)

    def give_up(self, hi):
        """Alphas done..hi-1 keep their last candidates and gaps, marked not
        converged: the batch ran out of repairs."""
        self.done = hi

    def result(self):
        """The path as the in-memory engine returns it (user scale)."""
        from ._path import PathResult, lazy_zeros
        coefs = lazy_zeros((self.q.shape[0], self.grid.shape[0]), self.dtype)
        for i, w in enumerate(self.sol):
            coefs[self.S[:w.size], i] = w
        return PathResult(self.grid, coefs, self.intercepts, self.gaps / self.W,
                          self.epochs, self.converged, self.tol_abs / self.W)


def track_moments(blocks, weighting, fit_intercept):
    """(W, mu, ybar, yy, q, norms) per track from one moments pass; X, y and
    the weights are checked on the way."""
    mom = blocks.run(_moments_block, weighting, _merge_moments)
    if not mom["finite"]:
        raise ValueError("Input X, y or sample_weight contains NaN or infinity.")
    if blocks.has_weights and mom["low"] < 0:
        raise ValueError(f"sample_weight must be non-negative, got {mom['low']:g}")
    out = []
    for m, fold in enumerate(weighting[0]):
        W, mx, my = float(mom["W"][m]), mom["mx"][m], float(mom["my"][m])
        if not W > 0:
            raise ValueError(
                "sample_weight must have a positive sum, got 0" if fold < 0 else
                f"sample_weight must leave fold {fold}'s training rows a positive "
                "weight, got 0")
        Mxx, Myy, Cxy = mom["Mxx"][m], float(mom["Myy"][m]), mom["Cxy"][m]
        if fit_intercept:
            # a constant column's centred norm is merging residue: it is 0
            constant = Mxx <= W * (_CONSTANT * mx) ** 2
            Mxx, Cxy = np.where(constant, 0.0, Mxx), np.where(constant, 0.0, Cxy)
            spread = np.sqrt(np.maximum(Mxx, 0.0) / W)
            far = np.flatnonzero((Mxx > 0) & (np.abs(mx) > MAX_OFFSET_RATIO[np.dtype(
                np.float64)] * spread))
            if far.size:
                raise ValueError(
                    f"X's columns {far[:5].tolist()} have a mean more than "
                    f"{MAX_OFFSET_RATIO[np.dtype(np.float64)]:g} times their spread: "
                    "with a Dask X, centre them before fitting (in memory, fastreg "
                    "centres them in a copy)")
            out.append((W, mx, my, Myy, Cxy, Mxx))
        else:
            out.append((W, np.zeros_like(mx), 0.0, Myy + W * my * my,
                        Cxy + W * mx * my, Mxx + W * mx * mx))
    return out


def alpha_max_of(W, q, norms, yy, pf, l1_ratio, positive):
    """The in-memory rule (``_path.alpha_max``) on the moments."""
    u = q.copy()
    u[norms <= 0] = 0.0
    u[np.abs(u) <= np.finfo(np.float64).resolution * np.sqrt(np.maximum(norms, 0))
      * np.sqrt(yy)] = 0.0
    lo = np.full(q.shape[0], 0.0 if positive else -np.inf)
    hi = np.full(q.shape[0], np.inf)
    return penalised_alpha_max(u, pf, lo, hi, l1_ratio) / W


def run_tracks(blocks, tracks, edges=None, progress=False):
    """Every track's path, batch by batch, sharing each pass (``edges``:
    the row edges of the CV folds, fold f = rows edges[f]..edges[f+1]-1)."""
    k_total = tracks[0].grid.shape[0]
    weighting = ([t.fold for t in tracks], edges)
    batch = _BATCH
    with progress_bar(k_total, "dask path", progress) as bar:
        i = 0
        while i < k_total:
            hi = min(k_total, i + batch)
            _fetch(blocks, tracks, weighting, [t.entrants(hi - 1) for t in tracks])
            early = False         # an alpha in the batch's first half missed
            for t in tracks:
                t.inner = _INNER
            for round_ in range(_REPAIRS + 1):
                cands = [t.solve(t.done, hi) if t.done < hi else None for t in tracks]
                l1s = [None if c is None else t.penalties(slice(t.done, hi))[0]
                       for t, c in zip(tracks, cands)]
                summary = blocks.run(_certify_block, dict(
                    weighting=weighting, cands=cands, l1=l1s, pf=tracks[0].pf,
                    positive=tracks[0].positive), finish=_certificate_summary)
                adds = []
                for t, part in zip(tracks, summary):
                    if part is None:
                        adds.append(np.empty(0, dtype=np.int64))
                        continue
                    adds.append(t.certify(*part))
                    if t.done < hi and adds[-1].size == 0:
                        # nothing outside violates: the working set's own
                        # solve was not tight enough
                        t.inner *= 0.1
                if all(t.done >= hi for t in tracks):
                    break
                early |= min(t.done for t in tracks) < i + (hi - i) // 2
                if round_ == _REPAIRS:
                    for t in tracks:
                        t.give_up(hi)
                    break
                _fetch(blocks, tracks, weighting, adds)
            bar.set_postfix_str(f"{blocks.passes} passes")
            bar.update(hi - i)
            batch = max(batch // 2, _BATCH_MIN) if early else \
                min(2 * batch, _BATCH_MAX)
            i = hi


def _fetch(blocks, tracks, weighting, entrants):
    """One Gram pass for every track's entrants (none when there are none)."""
    if not any(E.size for E in entrants):
        return
    sets = [(E, np.concatenate([t.S, E])) if E.size else (None, None)
            for t, E in zip(tracks, entrants)]
    raws = blocks.run(_gram_block, dict(weighting=weighting, sets=sets))
    for t, E, raw in zip(tracks, entrants, raws):
        if E.size:
            t.extend(E, raw)


def kfold_edges(n, n_folds):
    """Row edges of scikit-learn's KFold(n_folds) without shuffling: fold f
    holds rows edges[f]..edges[f+1]-1, the first n % n_folds one row longer."""
    sizes = np.full(n_folds, n // n_folds)
    sizes[:n % n_folds] += 1
    return np.concatenate([[0], np.cumsum(sizes)])


def dask_paths(X, y, *, l1_ratios, alphas, eps, tol, max_iter, fit_intercept,
               sample_weight=None, penalty_factor=None, positive=False, client=None,
               n_folds=0, progress=False, target=None):
    """Elastic-net paths of a row-chunked Dask X for each l1_ratio, on every
    row and (with ``n_folds``) on each KFold training set, all in the same
    passes.  ``alphas``: an int (grid size, from the full rows' alpha_max,
    shared by the folds) or a decreasing array; ``target``: one alpha,
    reached through the in-memory single fit's warm path.  Returns
    (blocks, tracks): the tracks in order (l1_ratio, then the full rows
    followed by the folds)."""
    from ._path import _warm_path, geometric_grid
    from ._validation import check_penalty_factor
    blocks = RowBlocks(X, y, sample_weight, client)
    n, p = blocks.n, blocks.p
    edges = kfold_edges(n, n_folds) if n_folds else None
    folds = [-1] + list(range(n_folds))
    pf = check_penalty_factor(penalty_factor, p, np.float64)
    if np.any(pf == 0):
        raise ValueError("penalty_factor must be > 0 for every feature with a Dask "
                         f"X (unpenalised features are not supported there), got 0 "
                         f"at features {np.flatnonzero(pf == 0)[:5].tolist()}")
    moments = track_moments(blocks, (folds, edges), fit_intercept)
    W_full = moments[0][0]
    tracks = []
    for l1_ratio in l1_ratios:
        W0, _, _, yy0, q0, norms0 = moments[0]
        amax = alpha_max_of(W0, q0, norms0, yy0, pf, l1_ratio, positive)
        if target is not None:
            grid = np.append(_warm_path(amax, target), target)
        elif isinstance(alphas, np.ndarray):
            grid = alphas
        else:
            scale = np.max(np.sqrt(np.maximum(norms0, 0.0)) / pf) * np.sqrt(yy0) / \
                (W0 * max(l1_ratio, 1e-300))
            res = np.finfo(np.float64).resolution
            grid = geometric_grid(amax, alphas, eps,
                                  res * scale if np.isfinite(scale) and scale > 0
                                  else res)
        for f, (W, mu, ybar, yy, q, norms) in zip(folds, moments):
            if f >= 0 and not W_full - W > 0:
                raise ValueError("sample_weight must have a positive entry in every "
                                 f"test fold, got all zeros on fold {f}")
            tracks.append(Track(grid=grid, l1_ratio=float(l1_ratio), fold=f, W=W,
                                mu=mu, ybar=ybar, yy=yy, q=q, norms=norms, pf=pf,
                                positive=bool(positive), tol=tol, max_iter=max_iter,
                                held_W=W_full - W if f >= 0 else 0.0,
                                dtype=blocks.dtype))
    run_tracks(blocks, tracks, edges, progress)
    return blocks, tracks


def refuse_for_dask(function, given):
    """ValueError naming the options a Dask X does not support."""
    bad = [name for name, (value, default) in given.items()
           if not (value is default or (isinstance(value, (str, bool, np.bool_))
                                        and value == default))]
    if bad:
        raise ValueError(f"{function} with a Dask X does not support "
                         f"{', '.join(bad)} (got {', '.join(repr(given[b][0]) for b in bad)}); "
                         "use their defaults, or an in-memory X")


def fit_single(est, X, y, sample_weight, l1_ratio, others):
    """``ElasticNet.fit`` / ``Lasso.fit`` on a Dask X: the path to est.alpha
    through the in-memory fit's warm path; the attributes of a fit."""
    from ._path import warn_not_converged
    from ._validation import check_scalar_param
    refuse_for_dask(type(est).__name__, others)
    alpha = check_scalar_param(est.alpha, "alpha", low=0, low_open=True)
    blocks, tracks = dask_paths(X, y, l1_ratios=[l1_ratio], alphas=None, eps=None,
                           tol=check_scalar_param(est.tol, "tol", low=0),
                           max_iter=check_scalar_param(est.max_iter, "max_iter",
                                                       low=1, integer=True),
                           fit_intercept=est.fit_intercept,
                           sample_weight=sample_weight,
                           penalty_factor=est.penalty_factor, positive=est.positive,
                           target=alpha)
    res = tracks[0].result()
    # (the warm path's alphas are the solver's business: warn on alpha only)
    warn_not_converged(res.at(-1))
    est.coef_ = res.coefs[:, -1].astype(blocks.dtype)
    est.intercept_ = float(res.intercepts[-1]) if est.fit_intercept else 0.0
    est.dual_gap_ = float(res.dual_gaps[-1])
    est.n_iter_ = int(res.n_iters.sum())
    est.n_features_in_ = X.shape[1]
    return est


def predict(est, X):
    """``est.predict`` of a Dask X: a Dask array, block by block."""
    if X.ndim != 2 or X.shape[1] != est.n_features_in_:
        raise ValueError(f"X has {X.shape[-1]} features, but {type(est).__name__} "
                         f"is expecting {est.n_features_in_} features as input")
    coef = np.asarray(est.coef_)
    return X.map_blocks(_predict_block, coef, float(est.intercept_), drop_axis=1,
                        dtype=coef.dtype, meta=np.empty(0, dtype=coef.dtype))


def _predict_block(xb, coef, intercept):
    return (np.asarray(xb @ coef).ravel() + intercept).astype(coef.dtype, copy=False)


def svmlight_blocks(paths, n_features, *, dtype=np.float64, client=None):
    """(X, y): Dask arrays with one row block per svmlight file.

    The files must be readable by the workers at the same paths (shared
    storage).  Their row counts are read once here, on the workers; each
    block is then parsed on a worker whenever a pass needs it, so X need
    not fit in the cluster's memory (``X.persist()`` keeps the parsed blocks
    when it does: passes are then faster).

    Examples
    --------
    >>> X, y = svmlight_blocks(["part-0.svm", "part-1.svm"], n_features=2**18)  # doctest: +SKIP
    >>> alphas, coefs, gaps = lasso_path(X, y, fit_intercept=True)  # doctest: +SKIP
    """
    import dask
    import dask.array as da
    paths = [str(p) for p in paths]
    if not paths:
        raise ValueError("paths must name at least one file, got none")
    if client is None:
        from distributed import get_client
        client = get_client()
    rows = client.gather(client.map(_svmlight_rows, paths, pure=False))
    meta = sp.csr_matrix((0, n_features), dtype=dtype)
    xs, ys = [], []
    for path, n in zip(paths, rows):
        part = dask.delayed(_read_svmlight, pure=True)(path, n_features, dtype)
        xs.append(da.from_delayed(part[0], shape=(n, n_features), dtype=dtype,
                                  meta=meta))
        ys.append(da.from_delayed(part[1], shape=(n,), dtype=np.float64))
    return da.concatenate(xs), da.concatenate(ys)


def _svmlight_rows(path):
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip() and not line.lstrip().startswith(b"#"))


def _read_svmlight(path, n_features, dtype):
    from sklearn.datasets import load_svmlight_file
    X, y = load_svmlight_file(path, n_features=n_features, dtype=dtype)
    return X, np.asarray(y, dtype=np.float64)
