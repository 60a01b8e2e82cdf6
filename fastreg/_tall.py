"""Tall dense X (n >> p): a Gram block of a feature subset, certified in batches.

The Gram form (``_problems._GramProblem``) computes a full column of
``G = Xc^T S Xc`` (2 n p multiply-adds) for every feature that enters a
working set, because its gradient ``q - G w`` must be exact for every
feature to certify an alpha.  On 20,000 x 1,000 that is 0.24 s of a 0.28 s
path.  This form splits the two jobs:

- coordinate descent runs on the Gram block of a subset ``S`` of the
  features (the support and the features expected to enter), which costs
  n |S| per feature added instead of 2 n p;
- an alpha is certified by the exact correlations ``Xc^T S r`` of its own
  residual.  One product with X reads X once for any number of residuals,
  so after an alpha is solved on S the next alphas of the path are solved
  ahead of time from it, and one BLAS-3 product ``X^T [v_1 .. v_m]``
  certifies all m.  An alpha whose certificate fails (a feature outside S
  violates its constraint) is solved again with that feature, and the
  solutions ahead of it are dropped.

When S would hold ``full_at`` of the features (or sooner, at the rate
features are expected to enter), the whole Gram matrix is computed (one
syrk) and every gradient is exact from it, as in the Gram form.  When more
than a quarter of the features are expected to be nonzero by the path's
last alpha (``expected_entrants``, from a sample of rows), 'auto' takes the
whole Gram matrix at once instead of this form (``_path.make_problem``): S
and its certificates would be paid for on top of the syrk.

Memory: a float32 copy of X (at most ``shadow_max_bytes`` and
``shadow_max_rows``, else the products are float64), S's centred columns
(at most ``full_at`` of X, and ``subset_max_bytes`` or 32 columns) and a
batch's residuals (n by at most ``batch_max``).  The form is chosen for
paths of at most p / 5 alphas (``suits``).
"""
import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

from . import _cd_fast
from ._config import speed_copy_fits
from ._alpha import _solve_alpha
from ._problems import (FormSettings, _GramProblem, _Problem, _centred_sq_norms, entry_l1,
                        float32_correlations, float32_shadow, symmetric_block)


def sample_rows(n, m, runs):
    """m of the n rows (m <= n / 2), sorted, in about ``runs`` runs of
    consecutive rows spread evenly from the first row to the last: rows
    sorted by some variable are sampled across its range."""
    length = -(-m // runs)
    starts = np.linspace(0, n - length, -(-m // length)).astype(np.intp)
    return (starts[:, None] + np.arange(length)).ravel()[:m]


def _runs(rows):
    """(first, last + 1) of each run of consecutive values in sorted rows."""
    cut = np.flatnonzero(np.diff(rows) != 1) + 1
    firsts = rows[np.concatenate(([0], cut))]
    lasts = rows[np.concatenate((cut - 1, [rows.size - 1]))] + 1
    return zip(firsts.tolist(), lasts.tolist())


# what predicts the features entering a path (``expected_entrants``)
_FIT_FEATURES = (64, 512)   # least and most features of the fit
_SELECT_ROWS = 2048         # rows of the sample that chooses them
_SAMPLE_RUNS = 32           # runs of consecutive rows the samples come in


def expected_entrants(X, y, sw, pf, fit_intercept, positive, end):
    """How many features of dense X are expected to be nonzero at a path's
    last l1, ``end`` (see FormSettings.path_end); 0 when the sample cannot
    tell (too few rows, or of positive weight, or no finite fit).  From a
    sample of rows only: X is not read.

    A feature meets its constraint |x_j^T S r| <= l1 pf_j about when the part
    of y that the model leaves unexplained, of variance s^2 per unit weight,
    gives it a correlation of that size: of standard deviation s ||x_j||_S.
    So sum_j erfc(l1 pf_j / (sqrt(2) s ||x_j||_S)) features are expected
    (half with ``positive``), with s^2 the residual variance of least
    squares on m = f + max(128, f / 4) rows and the f = max(64, p / 10) (at
    most 512) features most correlated with y on ``_SELECT_ROWS`` rows (at
    most half of X): what those leave unexplained, weak effects and noise,
    is what enters as alpha falls.  Columns and y are centred by the
    sample's weighted means (a column whose spread there is within 1e-5 of
    its mean counts as none).  On AR(1) designs (400-2,000 features, 10-600
    true ones, noise 0.02 to 3 times the signal) the count was 0.9-2 times
    the features nonzero at 0.01 and 0.001 alpha_max once they numbered
    over p / 10.

    An end relative to the largest correlation (eps grids) takes it from the
    sample, scaled to all rows: right for a strong effect, but noise in the
    sample's correlations grows it by up to sqrt(n / 2048), so on targets
    with no strong effect fewer features are predicted and the tall form is
    kept (it completes the Gram matrix itself as they enter).
    """
    with np.errstate(all="ignore"):
        count = _expected_entrants(X, y, sw, pf, fit_intercept, positive, end)
    return count if np.isfinite(count) else 0.0


def _expected_entrants(X, y, sw, pf, fit_intercept, positive, end):
    n, p = X.shape
    f = min(p, max(_FIT_FEATURES[0], p // 10), _FIT_FEATURES[1])
    m = f + max(128, f // 4)
    if 2 * m > n:
        return 0.0
    rows = sample_rows(n, min(n // 2, max(m, _SELECT_ROWS)), _SAMPLE_RUNS)
    w = np.ones(rows.size) if sw is None else np.asarray(sw, dtype=np.float64)[rows]
    ys = np.asarray(y, dtype=np.float64)[rows]
    # weighted sums over the sample, a run of consecutive rows at a time (a
    # short copy per column of Fortran X), centred after
    sx, sxx, sxy, at = np.zeros(p), np.zeros(p), np.zeros(p), 0
    for first, last in _runs(rows):
        block = np.asarray(X[first:last], dtype=np.float64)
        wk, yk = w[at:at + last - first], ys[at:at + last - first]
        sx += wk @ block
        sxx += wk @ (block * block)
        sxy += (wk * yk) @ block
        at += last - first
    W_s, sy = float(w.sum()), float(w @ ys)
    if not W_s > 0:
        return 0.0
    if fit_intercept:
        q = sxy - sx * (sy / W_s)
        norms = sxx - sx * sx / W_s
        means, ybar = sx / W_s, sy / W_s
    else:
        q, norms, means, ybar = sxy, sxx, np.zeros(p), 0.0
    # a spread within the rounding of a column's mean is none
    act = np.flatnonzero(norms > 1e-10 * sxx)
    if act.size == 0:
        return 0.0
    F = np.sort(act[np.argsort(-np.abs(q[act]) / np.sqrt(norms[act]), kind="stable")[:f]])
    # the fit's rows: m of the sample's of positive weight, evenly spread
    # (a row of zero weight would fit nothing)
    pos = rows[w > 0]
    if pos.size < m:
        return 0.0
    fit = pos[np.linspace(0, pos.size - 1, m).astype(np.intp)]
    root = np.sqrt(np.ones(m) if sw is None else np.asarray(sw, dtype=np.float64)[fit])
    Z = (np.asarray(X[np.ix_(fit, F)], dtype=np.float64) - means[F]) * root[:, None]
    t = (np.asarray(y, dtype=np.float64)[fit] - ybar) * root
    G = Z.T @ Z
    # a 1e-12 relative ridge keeps duplicated columns factorable
    G.flat[::F.size + 1] += 1e-12 * np.trace(G) / F.size
    try:
        L = linalg.cholesky(G, lower=True, check_finite=False, overwrite_a=True)
    except linalg.LinAlgError:
        return 0.0
    z = linalg.solve_triangular(L, Z.T @ t, lower=True, check_finite=False)
    var = max(float(t @ t) - float(z @ z), 0.0) / (m - F.size)
    # the sample's weight against all rows'
    scale = (n if sw is None else float(np.sum(sw))) / W_s
    pf = np.asarray(pf, dtype=np.float64)[act]
    kind, l1 = end
    if kind == "ratio":
        u = q[act] if positive else np.abs(q[act])
        l1 *= scale * max(float(np.max(u / pf)), 0.0)
    z = l1 * pf / np.sqrt(2.0 * var * scale * norms[act] + 1e-300)
    expected = float(np.sum(special.erfc(z)))
    return expected / 2 if positive else expected


@dataclass
class _Solved:
    """One alpha solved on S, with the certificate of its residual."""
    l1: float
    l2: float
    feats: np.ndarray    # S when it was solved
    w_S: np.ndarray      # its coefficients there (zero elsewhere)
    u: np.ndarray        # Xc^T S r, every feature (outside S, w_j = 0 and
                         # it may be an upper bound of |u_j|)
    t: np.ndarray        # |u_j| estimated without the bound (for predictions)
    A: float             # r^T S y_c
    B: float             # r^T S r
    epochs: int
    gap: float           # gap on S


class _TallProblem(_Problem):
    """Dense float64 X with n >= 2p, no box and every feature penalised."""

    cheap_grad = True
    settles_inside = True    # its alphas are solved on S by _solve_alpha
    full_at = 0.5          # the whole Gram matrix once |S| reaches this fraction of p
    full_max_bytes = 2 ** 31     # ... which must take at most this much memory
    subset_max_bytes = 2 ** 30   # most memory for S's centred columns
    batch_min = 16         # alphas solved at once, at first and after a failure
    batch_max = 64         # alphas certified by one product with X
    grow_min = 32          # entrants a batch may add, even to a smaller S
    shadow_max_bytes = 2 ** 29   # largest float32 copy of X for the certificates
    shadow_max_rows = 400_000    # ... and most rows (its bound grows with n)
    near_chunk = 32        # columns of X copied at once for exact correlations
    path_per_feature = 5   # chosen for paths of at most p / 5 alphas (``suits``)
    _shadow = None
    _whole = None          # the inner problem on the whole Gram matrix, once complete
    _penalties = None      # (l1, l2) of the path's alphas, in order

    def __init__(self, X, y, sw, pf, fit_intercept, settings=None):
        super().__init__(y, sw, pf, fit_intercept, X.dtype, settings)
        self.X = X
        self.mu = self._means(X, fit_intercept, sw)
        self._root_sw = None if sw is None else np.sqrt(sw.astype(np.float64))
        self._y_t = self._scaled(self.y_c)             # sqrt(S) y_c
        if X.flags.f_contiguous and X.shape[0] < 2 ** 31:
            # one read of X: q, the norms and the float32 copy.  The copy's
            # rounding bound grows as n 2^-23: past n ~ 400,000 it would
            # exceed the correlations it certifies
            self.q, self.norms, raw = np.empty(self.p), np.empty(self.p), np.empty(self.p)
            v = self._scaled(self._y_t)
            small = (speed_copy_fits(X.nbytes // 2, self.shadow_max_bytes)
                     and X.shape[0] <= self.shadow_max_rows)
            X32 = np.empty(X.shape if small else (0, 0), dtype=np.float32, order="F")
            _cd_fast.dense_column_pass(X, v, self.sw.astype(np.float64), self.mu,
                                       self.q, self.norms, raw, X32)
            self.q -= self.mu * float(v.sum())
            self._shadow = (X32, np.sqrt(raw) + 1e-30) if small else False
        else:
            self.q = self._correlations(self._y_t[:, None])[:, 0]
            self.norms = _centred_sq_norms(X, self.sw, self.mu, self.W)
        self.active = self.all_idx[self.norms > 0]
        self._slot = np.full(self.p, -1, dtype=np.int64)
        # most features S holds before the whole Gram matrix is completed
        self._cap = int(min(self.full_at * self.p,
                            max(32, self.subset_max_bytes // (8 * X.shape[0]))))
        self._S = np.empty(0, dtype=np.int32)
        self._Z = np.empty((X.shape[0], 0), order="F")   # sqrt(S) Xc[:, S]
        self._G = np.empty((0, 0), order="F")            # Gram block of S
        self._R = np.empty((X.shape[0], 0), order="F")   # a batch's residuals
        self._complete = False
        self._cert = (self.q.copy(), self.yy, self.yy)   # (u, A, B) at w = 0
        self._t = None         # the current point's estimated |u|
        self._ahead = []       # alphas solved ahead, in path order
        self._batch = self.batch_min
        self._history = []     # (t, l1) of the last two certified alphas
        self._retry = 1.0      # inner tolerance factor, tightened by failures
        self._current = None   # (l1, l2) the current point was solved for

    @classmethod
    def fits(cls, X):
        """Whether X is float64 dense and its whole Gram matrix fits (the
        form completes it when most features enter)."""
        return (isinstance(X, np.ndarray) and X.dtype == np.float64
                and X.shape[1] ** 2 * 8 <= cls.full_max_bytes)

    @classmethod
    def suits(cls, X, n_alphas):
        """Whether the form ``fits`` X and the path is short next to p: each
        alpha's certificate costs about a product with X (n p), so a path
        of more than p / ``path_per_feature`` alphas costs about what the
        whole Gram matrix does (n p^2 / 2), which is then computed instead
        (one thread, 20,000 rows, 100 alphas: on 400 features this form
        took 0.07-0.14 s against 0.07 s for the whole Gram matrix; on 200,
        lazy Gram columns took 1.3 times as long)."""
        return cls.fits(X) and X.shape[1] >= cls.path_per_feature * n_alphas

    # ------------------------------------------------------------ helpers

    def _scaled(self, v):
        """sqrt(S) v."""
        if self._root_sw is None:
            return v
        return v * (self._root_sw if v.ndim == 1 else self._root_sw[:, None])

    def _correlations(self, V_t):
        """Xc^T sqrt(S) V_t for the columns of V_t (n x m): one product with X."""
        V = self._scaled(V_t)
        U = np.asarray(self.X.T @ V, dtype=np.float64)
        if self.mu.any():
            U -= np.outer(self.mu, V.sum(axis=0))
        return U

    def plan(self, penalties, opts, tol_abs):
        self._penalties = list(penalties)
        self._opts = opts
        self._tol_abs = tol_abs

    # --------------------------------------------------------- the subset S

    def _add(self, feats):
        """Put ``feats`` in S: their Gram rows against S (n |S| each)."""
        if self._complete:
            return
        feats = np.asarray(feats, dtype=np.int64)
        new = np.unique(feats[self._slot[feats] < 0])
        new = new[self.norms[new] > 0].astype(np.int32)
        if new.size == 0:
            return
        k, k2 = self._S.size, self._S.size + new.size
        if k2 > self._cap:
            return self._make_complete()
        if self._Z.shape[1] == 0:
            # room for all of S at once: its pages are mapped as they are
            # first written, and no column is ever copied twice
            self._Z = np.empty((self.X.shape[0], self._cap), order="F")
            self._G = np.empty((self._cap, self._cap), order="F")
        Zn = self._Z[:, k:k2]
        # Zn = sqrt(S) (X[:, new] - mu[new]), column by column straight
        # into Z (a gathered copy would be n |new| of fresh memory)
        for i, j in enumerate(new):
            np.subtract(self.X[:, j], self.mu[j], out=Zn[:, i])
        if self._root_sw is not None:
            Zn *= self._root_sw[:, None]
        # G[S + new, new]: the old rows by one product, the new block by a
        # symmetric one (numpy's Zn^T Zn is a syrk: half the multiply-adds)
        cross = self._Z[:, :k].T @ Zn
        self._G[:k, k:k2] = cross
        self._G[k:k2, :k] = cross.T
        self._G[k:k2, k:k2] = Zn.T @ Zn
        self._slot[new] = np.arange(k, k2)
        self._S = np.concatenate([self._S, new])

    def _make_complete(self):
        """The whole Gram matrix: every gradient exact from it.

        From ``gram_source`` when the path has one (cross-validation folds
        share a Gram matrix), else one symmetric product of all of X (a
        syrk): S's block is computed
        again, at most a quarter of the product (S holds at most half the
        features), and the other features' columns need no gathering.  When
        completion comes early, as it does when features enter fast, this is
        the quicker way (dense_tall to 0.001 alpha_max: 0.64 -> 0.59 s).
        """
        G = (self.gram_source() if self.gram_source is not None else
             symmetric_block(self.X, self._sw_or_none(), self.mu, self.W, self.all_idx))
        G = G if G.flags.f_contiguous else G.T      # symmetric: no copy
        self._G = G
        self._S = self.all_idx.copy()
        self._slot[:] = self.all_idx
        self._Z = np.empty((0, 0), order="F")
        self._R = np.empty((0, 0), order="F")
        self._shadow = False         # gradients are exact from G from now on
        self._complete = True

    def _entrants(self):
        """Features outside S by the l1 at which they are expected to meet
        their constraint, largest first: (features, l1s), as predicted by
        ``entry_l1`` from the last two certified points (the Gram form's
        prefetch does the same from one)."""
        if self._history:
            t, l1 = self._history[-1]
        else:
            l1 = np.inf
            t = self._t if self._t is not None else self._magnitude(self._cert[0])
        entry = entry_l1(t, l1, self._history[0] if len(self._history) == 2 else None,
                         self.pf)
        cand = np.flatnonzero((self._slot < 0) & (self.norms > 0) & (entry > 0))
        order = np.argsort(-entry[cand], kind="stable")
        return cand[order], entry[cand][order]

    # --------------------------------------------------------- the interface

    def support(self):
        return self._supp

    def grad(self, l1=None):
        return self._cert[0]

    def stats(self):
        return self._cert[1], self._cert[2]

    def free_columns(self, free):        # every feature is penalised here
        raise NotImplementedError

    def set_coef(self, w):
        self.w[:] = w
        self._reset_support()
        self._add(self._supp)
        self._ahead = []
        # r_t = sqrt(S) (y_c - Xc w)
        Xw = np.asarray(self.X @ self.w, dtype=np.float64) - float(self.mu @ self.w)
        r_t = self._y_t - self._scaled(Xw)
        u = self._correlations(r_t[:, None])[:, 0]
        self._cert = (u, float(r_t @ self._y_t), float(r_t @ r_t))
        self._t = self._magnitude(u)
        self._current = None

    def solve(self, ws, opts, start=None):
        # alphas solved ahead, in batches, do not use a proposed start; once
        # the Gram matrix is complete, each alpha's first inner solve does
        out = self._solve(ws, opts, start if self._complete else None)
        self._supp = np.sort(self._S[self.w[self._S] != 0]).astype(np.int64)
        return out

    def _solve(self, ws, opts, start=None):
        l1, l2 = opts["l1"], opts["l2"]
        self._note_certified()
        ahead = [(e.l1, e.l2) for e in self._ahead]
        if (l1, l2) in ahead:
            # solved ahead (the alphas before it may have been certified by
            # an earlier point, without a solve: their entries are dropped)
            i = ahead.index((l1, l2))
            entry, self._ahead = self._ahead[i], self._ahead[i + 1:]
            return self._install(entry)
        self._ahead = []
        # a new batch from here, over the path's next alphas.  S gains the
        # violators of ws (the rest of ws is there to be solved on, which S
        # is anyway) and the features expected to enter.
        mag = self._t if self._t is not None else self._magnitude(self._cert[0])
        viol = ws[mag[ws] > l1 * self.pf[ws]]
        if self._current == (l1, l2) and not np.any(self._slot[viol] < 0):
            # the point solved for this alpha failed its certificate with
            # no violator outside S: solve tighter, until rounding is the limit
            self._retry *= 0.1
            if self._retry < 1e-6:
                return opts["max_epochs"], np.inf
        elif self._current != (l1, l2):
            self._retry = 1.0
        self._add(viol)
        todo = [(l1, l2)] + self._next_penalties(l1, l2)
        if len(todo) > 1:
            # the expected entrants by each alpha of the batch
            feats, entry = self._entrants()
            ends = np.array([pen[0] for pen in todo])
            due = np.searchsorted(-entry, -ends, side="right")
            room = self._cap - self._S.size
            if due[-1] * self._remaining(l1, l2) / (len(todo) - 1) > room:
                # at this rate S would fill before the path ends
                self._make_complete()
                todo = todo[:1]
            else:
                # the batch ends before its entrants would fill S, or more
                # than double it: predictions overshoot more the further
                # ahead they look, and S's Gram block costs |S|^2
                grow = min(room, max(self.grow_min, self._S.size))
                todo = todo[:max(1, int(np.count_nonzero(due <= grow)))]
                self._add(feats[:due[len(todo) - 1]])
        solved = self._solve_batch(todo, opts["max_epochs"], start)
        for i, entry in enumerate(solved[1:], start=1):
            if not self._certifies(entry):
                # drop the alphas solved from an uncertified one; the next
                # batch starts there, twice as long as this one got
                solved = solved[:i + 1]
                self._batch = max(self.batch_min, 2 * i)
                break
        else:
            if len(todo) == self._batch:
                self._batch = min(2 * self._batch, self.batch_max)
        first = self._install(solved[0])
        self._ahead = solved[1:]
        return first

    def _magnitude(self, u):
        """What a constraint bounds: u_j with ``positive``, else |u_j|."""
        return u if self.positive else np.abs(u)

    def _note_certified(self):
        """Keep (t, l1) of the last two certified points, each at the alpha
        it was solved for (for predictions).  The path loop's ``last`` names
        the alpha it last certified, this point's own or a later one."""
        if (self.last is not None and self._current is not None
                and self.last[1] <= self._current[0]
                and (not self._history or self._history[-1][1] != self._current[0])):
            self._history = (self._history + [(self._t, self._current[0])])[-2:]

    def _remaining(self, l1, l2):
        """How many of the path's alphas come after (l1, l2)."""
        pen = self._penalties or []
        return len(pen) - 1 - pen.index((l1, l2)) if (l1, l2) in pen else 0

    def _next_penalties(self, l1, l2):
        """The path's alphas after (l1, l2), up to the batch size."""
        pen = self._penalties or []
        if (l1, l2) not in pen or self._complete:
            return []
        i = pen.index((l1, l2))
        return pen[i + 1:i + self._batch]

    def _certifies(self, s):
        """Whether an alpha solved ahead meets tol with its certificate."""
        w = np.zeros(self.p)
        w[s.feats] = s.w_S
        gap = _cd_fast.dual_gap(w, s.u, self.pf.astype(np.float64), self.all_idx,
                                s.l1, s.l2, self.positive, s.A, s.B, s.B)
        return gap <= self._tol_abs

    def _solve_on_S(self, todo, w_S, max_epochs, start=None):
        """Solve each (l1, l2) of ``todo`` on S, each from the previous
        solution, the first from ``w_S``.  Returns (W_S, [(epochs, gap)])."""
        S = self._S
        k = S.size
        inner = self._whole
        if inner is None:
            inner = _GramProblem(np.empty((0, k)), self.y_c, self._sw_or_none(),
                                 self.pf[S], False, gram=self._G[:k, :k],
                                 xy=self.q[S], lazy=False,
                                 settings=FormSettings(positive=self.positive))
            if self._complete:
                # the whole Gram matrix: the inner gap is the certified one,
                # and reads the gradient the epoch keeps (O(|ws|) against an
                # epoch's O(|ws|^2)): every epoch checks it.  One problem
                # serves the rest of the path.
                inner.check_every = 1
                self._whole = inner
        if not np.array_equal(inner.w, w_S):
            inner.set_coef(w_S)
        W_S = np.empty((k, len(todo)))
        runs = []
        for i, (l1, l2) in enumerate(todo):
            opts = self._opts_with(max_epochs if i == 0 else self._opts.max_iter)
            gap, epochs, _ = _solve_alpha(inner, l1, l2, opts,
                                          0.9 * self._retry * self._tol_abs,
                                          start=start if i == 0 else None)
            W_S[:, i] = inner.w
            runs.append((epochs, gap))
        return W_S, runs

    def _solve_batch(self, todo, max_epochs, start=None):
        """Solve each (l1, l2) of ``todo`` on S from the current point, then
        certify all of them with one product with X."""
        S = self._S
        W_S, runs = self._solve_on_S(todo, self.w[S], max_epochs, start)
        if self._complete:
            # one alpha (none is solved ahead now): its gradient, exact, from
            # the inner problem on the whole Gram matrix
            U = self._whole.grad().astype(np.float64)[:, None]
            A = self.yy - self.q @ W_S
            B = A - np.einsum("ij,ij->j", W_S, U)
            T = self._magnitude(U)
        else:
            R_t = self._residuals(W_S)
            U, T = self._certificates(R_t, W_S, [l1 for l1, _ in todo])
            A = R_t.T @ self._y_t
            B = np.einsum("ij,ij->j", R_t, R_t)
        return [_Solved(l1, l2, S, W_S[:, i].copy(), U[:, i].copy(), T[:, i].copy(),
                        float(A[i]), float(B[i]), *runs[i])
                for i, (l1, l2) in enumerate(todo)]

    def _residuals(self, W_S):
        """R_t = sqrt(S) (y_c - Xc[:, S] W_S), one column per alpha, from the
        columns of the features ever nonzero in W_S."""
        k, m = W_S.shape
        nz = np.flatnonzero(np.any(W_S != 0, axis=1))
        if self._R.shape[1] < m:
            # one buffer for every batch's residuals: its memory is mapped
            # once, not at each batch
            self._R = np.empty((self.X.shape[0], max(m, self.batch_max)), order="F")
        R_t = self._R[:, :m]
        spare = self._Z.shape[1] - k
        if nz.size > 0.7 * k or nz.size > spare:
            np.matmul(self._Z[:, :k], W_S, out=R_t)
        else:
            # the features ever nonzero, gathered into the columns of Z that
            # S fills next (scratch in memory S maps anyway)
            Zg = self._Z[:, k:k + nz.size]
            for i, j in enumerate(nz):
                Zg[:, i] = self._Z[:, j]
            np.matmul(Zg, W_S[nz], out=R_t)
        np.subtract(self._y_t[:, None], R_t, out=R_t)
        return R_t

    def _certificates(self, R_t, W_S, l1s):
        """Xc^T sqrt(S) R_t where the gaps need it, upper bounds elsewhere.

        With a float32 copy of X the product costs about half: on S the
        exact values come from the Gram block, q_S - G_SS W_S; outside S
        a feature gets |u_j| + its rounding bound, or its exact product when
        that bound comes within 1% of its constraint (w_j = 0 there, so the
        gap only needs an upper bound of |u_j| to scale its dual point).
        """
        if self._shadow is None:
            raw = self.norms if self._root_sw is None and not self.mu.any() else None
            self._shadow = (self.X.shape[0] <= self.shadow_max_rows and
                            float32_shadow(self.X, self.shadow_max_bytes, raw)) or False
        V = self._scaled(R_t)
        approx = float32_correlations(self._shadow, V) if self._shadow else None
        if approx is None:
            U = self._correlations(R_t)
            return U, self._magnitude(U)
        U, radius = approx
        sums = V.sum(axis=0)
        if self.mu.any():
            U -= np.outer(self.mu, sums)
        k = self._S.size
        exact = self._G[:k, :k] @ W_S
        np.subtract(self.q[self._S, None], exact, out=exact)
        if not self.positive:
            np.abs(U, out=U)
        U[self._S] = np.abs(exact) if not self.positive else exact
        T = U.copy()
        U += np.outer(self._shadow[1], radius)
        U[self._S] = exact
        # the features near a constraint in any column: exact products
        near = U >= 0.99 * np.outer(self.pf.astype(np.float64), l1s)
        feats = np.flatnonzero(near.any(axis=1) & (self._slot < 0))
        if feats.size > self.p // 4:
            # the rounding bound is too wide for this X to pay: float64 from
            # now on (and the copy's memory back)
            self._shadow = False
            U = self._correlations(R_t)
            return U, self._magnitude(U)
        # a few columns at a time: one BLAS-3 product each, and at most
        # ``near_chunk`` columns of X copied at once
        for at in range(0, feats.size, self.near_chunk):
            chunk = feats[at:at + self.near_chunk]
            E = self.X[:, chunk].T @ V - np.outer(self.mu[chunk], sums)
            U[chunk] = T[chunk] = self._magnitude(E)
        return U, T

    def _opts_with(self, max_iter):
        return dataclasses.replace(self._opts, max_iter=max_iter,
                                   positive=self.positive)

    def _sw_or_none(self):
        return None if self._root_sw is None else self.sw

    def _install(self, s):
        """Make an alpha solved on S the current point, with its certificate."""
        self.w[:] = 0.0
        self.w[s.feats] = s.w_S
        self._cert = (s.u, s.A, s.B)
        self._t = s.t
        self._current = (s.l1, s.l2)
        return max(s.epochs, 1), s.gap
