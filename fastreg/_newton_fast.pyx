"""Coordinate descent on a datafit's quadratic model: proximal Newton's inner solve.

At a linear predictor eta, a datafit F(eta) = sum_i F_i(eta_i) is modelled by

    F(eta) + r^T d + 1/2 sum_i h_i d_i^2,   d = X[:, ws] dw + db,

with r = F'(eta) and h = F''(eta) (see ``fastreg._datafits``).  ``newton_cd``
minimises that model plus the elastic-net penalty over the working set's
coefficients (and the intercept) by cyclic coordinate descent; the caller
then searches along the step on the true objective.  Pure numerics: X is
either dense (Fortran order, flattened) or CSC, read one column at a time;
every sum is accumulated in float64.
"""
from cython cimport floating
from libc.float cimport DBL_EPSILON
from libc.math cimport fabs, INFINITY, NAN
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport malloc, free, qsort
from cpython.exc cimport PyErr_CheckSignals

ctypedef fused index_t:
    int32_t
    int64_t

# how much work (multiply-adds) between two checks for Ctrl-C
cdef double SIGNAL_WORK = 2e7
# the hot sweeps between two sweeps over the nonzero coefficients visit at
# most this many times as many coefficients as the last of those (see newton_cd)
cdef int _HOT_WORK = 4


cdef struct NewtonOptions:
    int max_epochs      # epochs over the working set at most
    double tol          # stop after an epoch whose max_j H_j |dw_j| <= tol (gradient units)
    double h_sum        # sum_i h_i: the intercept's curvature (0: no intercept)


cdef inline void _span(const index_t *pp, Py_ssize_t n, int32_t j,
                       index_t *start, index_t *end) noexcept nogil:
    """Where column j's entries lie: dense (pp NULL) or CSC."""
    if pp == NULL:
        start[0] = <index_t> (j * n)
        end[0] = <index_t> ((j + 1) * n)
    else:
        start[0] = pp[j]
        end[0] = pp[j + 1]


cdef inline double _dot(const floating *dp, const index_t *ip, index_t start,
                        index_t end, const double *v) noexcept nogil:
    """X[:, j] @ v"""
    cdef double acc = 0.0
    cdef index_t t
    if ip == NULL:
        for t in range(end - start):
            acc += dp[start + t] * v[t]
    else:
        for t in range(start, end):
            acc += dp[t] * v[ip[t]]
    return acc


cdef inline double _centred_curvature(const floating *dp, const index_t *ip,
                                      index_t start, index_t end, Py_ssize_t n,
                                      const double *h, double m,
                                      double h_sum) noexcept nogil:
    """sum_i h_i (X[i, j] - m)^2 as a sum of non-negative terms (no
    cancellation when the column's mean dwarfs its spread): a sparse
    column's implicit zeros add (h_sum - sum of h over its rows) m^2 (none
    when it stores all n rows; that difference within its rounding is
    none).  A total within the rounding of its terms is none: m, a ratio
    of two sums over n samples, is exact to about 2 n eps |m|, so each
    X[i, j] - m to 4 n eps (|X[i, j]| + |m|).  So a constant column,
    which the intercept's reply leaves no curvature, gets none (a
    rounding-level one sent its coefficient and the intercept off to
    +-1e14 in opposite ways)."""
    cdef double acc = 0.0, hin = 0.0, scale = 0.0, x, rest
    cdef index_t t
    if ip == NULL:
        for t in range(end - start):
            x = dp[start + t]
            acc += h[t] * (x - m) * (x - m)
            scale += h[t] * (fabs(x) + fabs(m)) * (fabs(x) + fabs(m))
    else:
        for t in range(start, end):
            x = dp[t]
            acc += h[ip[t]] * (x - m) * (x - m)
            scale += h[ip[t]] * (fabs(x) + fabs(m)) * (fabs(x) + fabs(m))
            hin += h[ip[t]]
        rest = h_sum - hin
        if end - start < n and rest > n * DBL_EPSILON * h_sum:
            acc += rest * m * m
            scale += rest * m * m
    return acc if acc > (4.0 * n * DBL_EPSILON) ** 2 * scale else 0.0


cdef inline void _centred_column(const floating *dp, const index_t *ip, index_t start,
                                 index_t end, Py_ssize_t n, double mu,
                                 double *out) noexcept nogil:
    """out = X[:, j] - mu over all n samples (a sparse column's implicit
    zeros too)."""
    cdef index_t t
    cdef Py_ssize_t i
    if ip == NULL:
        for t in range(end - start):
            out[t] = dp[start + t] - mu
    else:
        for i in range(n):
            out[i] = -mu
        for t in range(start, end):
            out[ip[t]] = dp[t] - mu


cdef inline double _moments_dot(const floating *dp, const index_t *ip, index_t start,
                                index_t end, const double *h, const double *v,
                                double *hx, double *out) noexcept nogil:
    """out = (X[:, j]**2 @ h, X[:, j] @ h); returns X[:, j] @ v (one read
    of the column for a first sweep's curvature and gradient).  A sparse
    column's h_i X[i, j] go to ``hx`` in its entries' order, when given
    (see ``_move_v``).  (Two sparse loops: one with the store's test inside
    took pypi_text's L1 path 1% longer, in 6 of 6 alternating runs.)"""
    cdef double a = 0.0, b = 0.0, g = 0.0, x, hxi
    cdef index_t t
    if ip == NULL:
        for t in range(end - start):
            x = dp[start + t]
            hxi = h[t] * x
            a += hxi * x
            b += hxi
            g += v[t] * x
    elif hx == NULL:
        for t in range(start, end):
            x = dp[t]
            hxi = h[ip[t]] * x
            a += hxi * x
            b += hxi
            g += v[ip[t]] * x
    else:
        for t in range(start, end):
            x = dp[t]
            hxi = h[ip[t]] * x
            hx[t - start] = hxi
            a += hxi * x
            b += hxi
            g += v[ip[t]] * x
    out[0] = a
    out[1] = b
    return g


cdef inline void _add_column(const floating *dp, const index_t *ip, index_t start,
                             index_t end, double a, double *out) noexcept nogil:
    """out += a * X[:, j]"""
    cdef index_t t
    if ip == NULL:
        for t in range(end - start):
            out[t] += a * dp[start + t]
    else:
        for t in range(start, end):
            out[ip[t]] += a * dp[t]


cdef inline void _move_v(const floating *dp, const index_t *ip, index_t start,
                         index_t end, double delta, const double *h, const double *hx,
                         double *v) noexcept nogil:
    """v += delta * h * X[:, j], a sparse column's h * X[:, j] read from
    ``hx`` (its entries' order) when given: a step then reads and writes v
    alone at the column's rows, the only array of length n the sweeps
    touch at random (on 200,000 samples 1.6 MB, within this machine's 2 MB
    L2, where v, h and d side by side took 4.8 MB: the model's coordinate
    descent on pypi_text's 100-alpha L1 path, first 200k rows, 4.3 -> 3.4
    ns per entry and sweep, 1.89 -> 1.47 s)."""
    cdef index_t t
    if ip == NULL:
        for t in range(end - start):
            v[t] += delta * h[t] * dp[start + t]
    elif hx == NULL:
        for t in range(start, end):
            v[ip[t]] += delta * h[ip[t]] * dp[t]
    else:
        for t in range(start, end):
            v[ip[t]] += delta * hx[t - start]


cdef inline bint _sweep_settled(double change, double tol, bint *full) noexcept nogil:
    """After a sweep whose largest curvature * |step| is ``change``: a full
    sweep within tol ends the solve; a partial one (over the nonzero
    coefficients) within tol is followed by a full one; a sweep beyond tol
    by partial ones."""
    if change <= tol:
        if full[0]:
            return True
        full[0] = True
    else:
        full[0] = False
    return False


cdef struct HotSweeps:
    # the hot sweeps between two sweeps over the nonzero coefficients (see
    # newton_cd): the indices of the one under way and of the movers it
    # finds (two halves of one block, from ``base``), whether one is under
    # way, and the work they did against the last full-length sweep's
    int32_t *base
    int32_t *list
    int32_t *next
    Py_ssize_t n_list, n_next, run, budget
    bint on


cdef int _hot_init(HotSweeps *hs, Py_ssize_t m) noexcept nogil:
    """Room for m indices in each list; -1 when there is no memory."""
    hs.base = <int32_t *> malloc(2 * max(m, 1) * sizeof(int32_t))
    hs.list = hs.base
    hs.next = hs.base + max(m, 1)
    hs.n_list = hs.n_next = hs.run = hs.budget = 0
    hs.on = False
    return -1 if hs.base == NULL else 0


cdef inline bint _after_sweep(HotSweeps *hs, double change, double tol, bint *full,
                              Py_ssize_t visited, Py_ssize_t swept) noexcept nogil:
    """After a sweep that visited ``visited`` coefficients of ``swept``
    features, its largest curvature * |step| ``change``: whether the solve
    ends (``_sweep_settled``), and the next sweep's kind.  Hot sweeps run
    after a sweep over the nonzero coefficients whose movers are at most a
    quarter of the features swept, each over the last one's movers, until
    one is within tol or they visited _HOT_WORK times the coefficients of
    that sweep; then the nonzero ones again."""
    cdef int32_t *swap
    if hs.on:
        hs.run += visited
        if change <= tol or hs.run >= _HOT_WORK * hs.budget:
            hs.on = False
            full[0] = False
    else:
        if _sweep_settled(change, tol, full):
            return True
        hs.run = 0
        hs.budget = visited
        hs.on = not full[0] and 0 < hs.n_next and 4 * hs.n_next <= swept
    if hs.on:
        swap = hs.list
        hs.list = hs.next
        hs.next = swap
        hs.n_list = hs.n_next
    return False


cdef inline int _poll(double *work) except -1 nogil:
    """Check for Ctrl-C once SIGNAL_WORK multiply-adds were done since the
    last check."""
    if work[0] > SIGNAL_WORK:
        work[0] = 0.0
        with gil:
            PyErr_CheckSignals()
    return 0


cdef inline bint _all_zero(const double *w, Py_ssize_t K) noexcept nogil:
    cdef Py_ssize_t l
    for l in range(K):
        if w[l] != 0.0:
            return False
    return True


cdef int _ascending(const void *x, const void *y) noexcept nogil:
    cdef double a = (<const double *> x)[0], b = (<const double *> y)[0]
    return (a > b) - (a < b)


cdef double _shift_penalty(const double *w, Py_ssize_t K, double a, double c,
                           double d) noexcept nogil:
    """sum_l a |w_l + d| + c/2 (w_l + d)^2"""
    cdef double acc = 0.0
    cdef Py_ssize_t l
    for l in range(K):
        acc += a * fabs(w[l] + d) + 0.5 * c * (w[l] + d) * (w[l] + d)
    return acc


cdef double _common_shift(const double *w, Py_ssize_t K, double a, double c, double lo,
                          double hi, double *t) noexcept nogil:
    """argmin over delta of sum_l a |w_l + delta| + c/2 (w_l + delta)^2 with
    every w_l + delta in [lo, hi]: the softmax ignores a shift common to a
    feature's K coefficients, so only the penalty decides it.  Unpenalised
    (a = c = 0; softmax_cd leaves those alone): the shift to sum 0.  Pure
    L1: the median, nearest 0 where even K leaves an interval.  Else the
    root of the increasing derivative
    a (2 q - K) + c (sum(w) + K delta), q the terms above 0, between or at
    the sorted breakpoints -w_l (t: K doubles of scratch)."""
    cdef Py_ssize_t l, q
    cdef double S = 0.0, wmin = INFINITY, wmax = -INFINITY, d = 0.0, g, left, right, low
    for l in range(K):
        S += w[l]
        wmin = min(wmin, w[l])
        wmax = max(wmax, w[l])
    if a <= 0.0:
        d = -S / K
    else:
        for l in range(K):
            t[l] = -w[l]
        qsort(t, K, sizeof(double), _ascending)
        if c <= 0.0:
            d = t[K // 2] if K % 2 else min(max(0.0, t[K // 2 - 1]), t[K // 2])
        else:
            for q in range(K + 1):
                g = a * (2 * q - K)
                left = t[q - 1] if q > 0 else -INFINITY
                right = t[q] if q < K else INFINITY
                d = -(g + c * S) / (c * K)
                if left < d < right:
                    break
                # at the breakpoint: the derivative jumps by 2 a there
                low = g + c * (S + K * right)
                if q < K and low <= 0.0 <= low + 2.0 * a:
                    d = right
                    break
            else:
                # (rounding at a breakpoint that is also a piece's
                # stationary point missed both tests: the best breakpoint)
                d, low = 0.0, _shift_penalty(w, K, a, c, 0.0)
                for q in range(K):
                    g = _shift_penalty(w, K, a, c, t[q])
                    if g < low:
                        d, low = t[q], g
    return min(max(d, lo - wmin), hi - wmax)


cdef inline double _coordinate(double z0, double g, double H, double a, double c,
                               double lo, double hi) noexcept nogil:
    """argmin_z g (z - z0) + H/2 (z - z0)^2 + a |z| + c/2 z^2 on [lo, hi]"""
    cdef double t = H * z0 - g, z
    if t > a:
        z = (t - a) / (H + c)
    elif t < -a:
        z = (t + a) / (H + c)
    else:
        z = 0.0
    return min(max(z, lo), hi)


def newton_cd(const floating[::1] data, const index_t[::1] indices,
              const index_t[::1] indptr, const int32_t[::1] ws,
              double[::1] coef, const double[:, ::1] pen,
              double[:, ::1] model, NewtonOptions opts, bint keep_hx=True):
    """Cyclic coordinate descent on the quadratic model over ``ws``.

    data, indices, indptr: CSC X; dense X is passed as its Fortran-order
    ``data`` with empty ``indices`` and ``indptr``.  coef (m,): the working
    set's coefficients, updated in place.  pen (m, 4): per coefficient the
    L1 weight a, the L2 weight c, and the bounds lo <= 0 <= hi.  model
    (3, n): rows v = r + h * d, h, and d (the step so far: 0 and v = r on
    a first call), updated in place;
    the intercept's step db is kept apart (v and d exclude it: add h * db
    and db).  The sweeps move v alone; d follows once at the end, from the
    coefficients' changes.  ``keep_hx``: sparse X keeps each column's
    h * X[:, j] beside it, 8 bytes an entry of ws (see _move_v; without,
    or where that memory is not there, they are computed at each step).

    A nearly constant column (its centred curvature under 1e-4 of its
    plain one) steps along itself centred in the metric h, over all n
    samples, with the intercept's reply -mean * delta folded into v and d
    at once (``folded``).  Kept apart, the reply and the column's step
    are huge and opposite (a column 100 + 1e-6 z takes steps of 1e4 and
    more), and v's rounding then swamps the gradients: such a fit's
    coordinate descent diverged to 1e300.  Returns ``(sweeps, db,
    folded)``: the intercept's whole step is db + folded.

    Between the sweeps over the nonzero coefficients, where few of them
    moved beyond tol / 10 (at most a quarter of those swept), sweeps over
    just those ("hot" sweeps, not counted in the sweeps returned), each
    over the last one's movers, until no step exceeds tol or they have
    visited _HOT_WORK times the coefficients of the last full-length sweep:
    on nearly separable text the ill-conditioned model keeps a few
    coefficients moving while thousands are settled (npm_text's folds at C
    = 546: a median of 2 of 12,585 beyond tol per sweep, 27 beyond tol /
    10; LogisticRegressionCV on its first 50k rows 64 -> 21 s).  The
    solve still ends only on a full sweep within tol.
    """
    cdef Py_ssize_t m = ws.shape[0], n = model.shape[1], k, i, t, count
    cdef Py_ssize_t visited
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] else NULL
    cdef const index_t *pp = &indptr[0] if indptr.shape[0] else NULL
    cdef double *v = &model[0, 0]
    cdef const double *h = &model[1, 0]
    cdef double *d = &model[2, 0]
    cdef double *hx = NULL
    cdef double *hxk
    cdef Py_ssize_t *off = NULL
    cdef Py_ssize_t entries = 0
    cdef index_t start, end
    cdef int32_t j
    cdef int epoch = 0
    cdef bint full = True, first
    cdef double g, z0, z, delta, change, mu, V = 0.0, db = 0.0, folded = 0.0, work = 0.0
    cdef double moved
    cdef HotSweeps hs
    if pen.shape[0] != m or pen.shape[1] != 4 or coef.shape[0] != m:
        raise ValueError(f"pen must have shape ({m}, 4) and coef ({m},), got "
                         f"({pen.shape[0]}, {pen.shape[1]}) and ({coef.shape[0]},)")
    if model.shape[0] != 3:
        raise ValueError(f"model must have 3 rows, got {model.shape[0]}")
    # per coefficient: (X[:, j]**2 @ h, X[:, j] @ h), the curvature, the
    # mean of a centred column (NaN: not centred) and the coefficient at
    # the start; then one centred column over the n samples
    cdef double *mom = <double *> malloc((5 * m + n + 1) * sizeof(double))
    if mom == NULL:
        raise MemoryError("newton_cd: no memory for the working set's curvatures")
    cdef double *curv = mom + 2 * m
    cdef double *cmean = mom + 3 * m
    cdef double *coef0 = mom + 4 * m
    cdef double *cx = mom + 5 * m
    # the hot sweeps' lists: the coefficients that moved beyond tol / 10
    if _hot_init(&hs, m) < 0:
        free(mom)
        raise MemoryError("newton_cd: no memory for the working set's indices")
    if ip != NULL and keep_hx:
        # sparse X: each column's h * X[:, j] (see _move_v), from ``off[k]``
        off = <Py_ssize_t *> malloc((m + 1) * sizeof(Py_ssize_t))
        if off != NULL:
            for k in range(m):
                off[k] = entries
                _span(pp, n, ws[k], &start, &end)
                entries += end - start
            off[m] = entries
            hx = <double *> malloc(max(entries, 1) * sizeof(double))
    for k in range(m):
        coef0[k] = coef[k]
        cmean[k] = NAN
    try:
        with nogil:
            if opts.h_sum > 0:
                for i in range(n):
                    V += v[i]
            # sweeps alternate: a full one over ws, then sweeps over its
            # nonzero coefficients until they settle, then a full one again;
            # a full sweep within tol ends the solve
            while epoch < opts.max_epochs:
                if not hs.on:
                    epoch += 1
                first = epoch == 1 and not hs.on
                change = 0.0
                hs.n_next = 0
                visited = 0
                if opts.h_sum > 0:
                    # the intercept to its optimum: its model gradient is
                    # sum(v + h * db); the coordinate steps below keep it 0
                    delta = -(V + db * opts.h_sum) / opts.h_sum
                    db += delta
                    change = max(change, opts.h_sum * fabs(delta))
                count = hs.n_list if hs.on else m
                for t in range(count):
                    k = hs.list[t] if hs.on else t
                    j = ws[k]
                    hxk = hx + off[k] if hx != NULL else NULL
                    if first:
                        # (the first sweep is full: each column's moments
                        # are read with its first gradient)
                        _span(pp, n, j, &start, &end)
                        work += 2 * (end - start)
                        g = _moments_dot(dp, ip, start, end, h, v, hxk, &mom[2 * k])
                        # the curvature along the column centred in the
                        # metric h (the intercept replies to every step);
                        # rounding-level curvature is none (a constant
                        # column)
                        curv[k] = mom[2 * k]
                        cmean[k] = NAN
                        if opts.h_sum > 0:
                            curv[k] -= mom[2 * k + 1] * mom[2 * k + 1] / opts.h_sum
                            if curv[k] <= 1e-4 * mom[2 * k]:
                                # cancellation: the column is nearly
                                # constant; its centred curvature from a
                                # second, exact pass, and centred steps
                                cmean[k] = mom[2 * k + 1] / opts.h_sum
                                curv[k] = _centred_curvature(
                                    dp, ip, start, end, n, h, cmean[k], opts.h_sum)
                        if curv[k] + pen[k, 1] <= 0.0:
                            continue
                    else:
                        if curv[k] + pen[k, 1] <= 0.0 or (not full and not hs.on
                                                          and coef[k] == 0.0):
                            continue
                        _span(pp, n, j, &start, &end)
                        work += end - start
                        if cmean[k] != cmean[k]:
                            g = _dot(dp, ip, start, end, v)
                    visited += 1
                    mu = cmean[k]
                    if mu == mu:
                        # the model gradient along the centred column
                        # (h-orthogonal to 1: db adds nothing)
                        _centred_column(dp, ip, start, end, n, mu, cx)
                        g = 0.0
                        for i in range(n):
                            g += cx[i] * v[i]
                        work += 2 * n
                    else:
                        # gradient of the model: X[:, j] @ (v + h * db)
                        g += db * mom[2 * k + 1]
                    z0 = coef[k]
                    z = _coordinate(z0, g, curv[k], pen[k, 0], pen[k, 1],
                                    pen[k, 2], pen[k, 3])
                    delta = z - z0
                    if delta != 0.0 and mu == mu:
                        # the step and the intercept's reply together
                        coef[k] = z
                        folded -= mu * delta
                        for i in range(n):
                            v[i] += h[i] * (delta * cx[i])
                    elif delta != 0.0:
                        coef[k] = z
                        _move_v(dp, ip, start, end, delta, h, hxk, v)
                        # sum(v) moves by delta * X[:, j] @ h
                        V += delta * mom[2 * k + 1]
                        if opts.h_sum > 0:
                            # with the intercept's exact reply: the step is
                            # along the column centred in the metric h
                            db -= delta * mom[2 * k + 1] / opts.h_sum
                    if delta != 0.0:
                        moved = curv[k] * fabs(delta)
                        change = max(change, moved)
                        if moved > 0.1 * opts.tol:
                            hs.next[hs.n_next] = <int32_t> k
                            hs.n_next += 1
                if _after_sweep(&hs, change, opts.tol, &full, visited, visited):
                    break
                _poll(&work)
    finally:
        # d follows the coefficients' changes, a centred column's along
        # the centred column (its step and the intercept's reply apart
        # would cancel)
        with nogil:
            for k in range(m):
                delta = coef[k] - coef0[k]
                if delta != 0.0:
                    _span(pp, n, ws[k], &start, &end)
                    if cmean[k] == cmean[k]:
                        _centred_column(dp, ip, start, end, n, cmean[k], cx)
                        for i in range(n):
                            d[i] += delta * cx[i]
                    else:
                        _add_column(dp, ip, start, end, delta, d)
        free(mom)
        free(hs.base)
        free(off)
        free(hx)
    return epoch, db, folded


def dual_point(const double[::1] g, const double[::1] h, const double[::1] r,
               const double[::1] theta0, bint intercept, double[::1] theta):
    """theta = -g less its component along 1 in the metric h (with
    ``intercept`` and sum(h) > 0): theta_i = h_i sum(g) / sum(h) - g_i,
    written to ``theta``, with in the same passes the sums a certificate
    reads.  Returns (sum theta_i^2, sum |theta_i|, sum theta_i, sum |r_i|,
    sum (theta_i - t_i)^2 with t the point of ``r`` made the same way,
    sum (theta_i - theta0_i)^2, NaN when theta0 is empty).  All of length
    n but theta0."""
    cdef Py_ssize_t n = g.shape[0], i
    cdef bint near = theta0.shape[0] > 0
    cdef bint project = False
    cdef double sg = 0.0, sd = 0.0, sh = 0.0, ag = 0.0, ad = 0.0
    cdef double sq = 0.0, ab = 0.0, tot = 0.0, rabs = 0.0, shift = 0.0, dist = 0.0
    cdef double t, e
    if (h.shape[0] != n or r.shape[0] != n or theta.shape[0] != n
            or (near and theta0.shape[0] != n)):
        raise ValueError(f"g, h, r, theta (and theta0 if given) must have length {n}, got "
                         f"{h.shape[0]}, {r.shape[0]}, {theta.shape[0]}, {theta0.shape[0]}")
    with nogil:
        if intercept:
            for i in range(n):
                sg += g[i]
                sd += r[i] - g[i]
                sh += h[i]
            project = sh > 0.0
            if project:
                ag = sg / sh
                ad = sd / sh
        for i in range(n):
            # (without the projection h is not read: h_i * 0 is NaN where
            # h_i is infinite)
            t = h[i] * ag - g[i] if project else -g[i]
            theta[i] = t
            sq += t * t
            ab += fabs(t)
            tot += t
            rabs += fabs(r[i])
            # (theta - t = (r - g) - h sum(r - g) / sum(h), summed as one:
            # two large sums' difference would lose digits)
            e = (r[i] - g[i]) - h[i] * ad if project else r[i] - g[i]
            shift += e * e
            if near:
                e = t - theta0[i]
                dist += e * e
    return sq, ab, tot, rabs, shift, (dist if near else NAN)


def column_dots(const floating[::1] data, const index_t[::1] indices,
                const index_t[::1] indptr, const int32_t[::1] cols,
                const double[::1] v, double[::1] out):
    """out[k] = X[:, cols[k]] @ v, accumulated in float64 (X as in
    newton_cd)."""
    cdef Py_ssize_t m = cols.shape[0], n = v.shape[0], k
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] else NULL
    cdef const index_t *pp = &indptr[0] if indptr.shape[0] else NULL
    cdef index_t start, end
    cdef double work = 0.0
    if out.shape[0] < m:
        raise ValueError(f"out must hold {m} values, got {out.shape[0]}")
    with nogil:
        for k in range(m):
            _span(pp, n, cols[k], &start, &end)
            out[k] = _dot(dp, ip, start, end, &v[0])
            work += end - start
            _poll(&work)


def column_combination(const floating[::1] data, const index_t[::1] indices,
                       const index_t[::1] indptr, const int32_t[::1] cols,
                       const double[::1] vals, double[::1] out):
    """out = X[:, cols] @ vals, accumulated in float64 (X as in newton_cd;
    out, of length n, is overwritten)."""
    cdef Py_ssize_t m = cols.shape[0], n = out.shape[0], k, i
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] else NULL
    cdef const index_t *pp = &indptr[0] if indptr.shape[0] else NULL
    cdef double *o = &out[0] if n else NULL
    cdef index_t start, end
    cdef double work = 0.0
    if vals.shape[0] != m:
        raise ValueError(f"vals must hold {m} values, got {vals.shape[0]}")
    with nogil:
        for i in range(n):
            o[i] = 0.0
        for k in range(m):
            _span(pp, n, cols[k], &start, &end)
            _add_column(dp, ip, start, end, vals[k], o)
            work += end - start
            _poll(&work)


def model_rows(const floating[::1] data, const index_t[::1] indices,
               const index_t[::1] indptr, const int32_t[::1] ws,
               const int32_t[::1] row_of, int32_t nk, const double[::1] r,
               const double[::1] h, double scale, floating[::1] out_data,
               int32_t[::1] out_indices, int32_t[::1] out_indptr,
               double[:, ::1] sums):
    """The columns ``ws`` of CSC X on the kept samples, for a quadratic model
    that keeps only their curvature between columns (see
    ``_newton.compact_model``).

    ``row_of[i]``: sample i's row in the copy (kept, 0 to nk - 1) or -1
    (dropped); the copy has nk kept rows, then one private row per column:
    column k's entries are its kept ones, renumbered, and ``scale`` in row
    nk + k.  Per column k (j = ws[k]), ``sums[k]`` receives, in float64,
    over the dropped samples X[:, j] @ r, X[:, j]**2 @ h and X[:, j] @ h,
    then over the kept ones X[:, j] @ h and X[:, j]**2 @ h.  out_data /
    out_indices hold at least the columns' entries plus m (fewer than
    2^31), out_indptr m + 1.  Returns the entries written."""
    cdef Py_ssize_t m = ws.shape[0], k
    cdef index_t start, end, t
    cdef int64_t pos = 0
    cdef int32_t q
    cdef double x, xh, o, e, s, sk, ek, work = 0.0
    if sums.shape[0] != m or sums.shape[1] != 5 or out_indptr.shape[0] != m + 1:
        raise ValueError(f"sums must have shape ({m}, 5) and out_indptr {m + 1} "
                         f"entries, got ({sums.shape[0]}, {sums.shape[1]}) and "
                         f"{out_indptr.shape[0]}")
    with nogil:
        out_indptr[0] = 0
        for k in range(m):
            start = indptr[ws[k]]
            end = indptr[ws[k] + 1]
            o = 0.0
            e = 0.0
            s = 0.0
            sk = 0.0
            ek = 0.0
            for t in range(start, end):
                q = row_of[indices[t]]
                x = data[t]
                xh = x * h[indices[t]]
                if q >= 0:
                    out_data[pos] = data[t]
                    out_indices[pos] = q
                    pos += 1
                    sk += xh
                    ek += x * xh
                else:
                    o += x * r[indices[t]]
                    e += x * xh
                    s += xh
            out_data[pos] = <floating> scale
            out_indices[pos] = <int32_t> (nk + k)
            pos += 1
            out_indptr[k + 1] = <int32_t> pos
            sums[k, 0] = o
            sums[k, 1] = e
            sums[k, 2] = s
            sums[k, 3] = sk
            sums[k, 4] = ek
            work += end - start
            _poll(&work)
    return pos


def softmax_cd(const floating[::1] data, const index_t[::1] indices,
               const index_t[::1] indptr, const int32_t[::1] ws,
               double[:, ::1] coef, const double[:, ::1] pen,
               const double[:, ::1] R, const double[:, ::1] P, const double[::1] c,
               double[:, ::1] D, double[::1] db, NewtonOptions opts):
    """Cyclic coordinate descent on the softmax loss's joint quadratic model.

    The model of F(eta + D) - F(eta) is sum_ik R_ik D_ik + 1/2 sum_i D_i^T
    H_i D_i with H_i = c_i (diag(P_i) - P_i P_i^T), over the coefficients
    of the features ``ws`` in every class (coef (m, K), row k: feature
    ws[k]; pen (m, 4): a, c, lo, hi per feature, the same in every class)
    and, when ``opts.h_sum`` > 0, the K intercepts (steps in db).  D (n, K)
    enters 0 and leaves as the predictor's step (the intercepts' included).
    The gradient along (j, k) is X[:, j] @ (R[:, k] + c P[:, k] (D[:, k] - s))
    with s_i = P_i @ D_i, kept up to date: a coordinate costs its column's
    entries, as in ``newton_cd``.

    With the intercepts, a column whose mean in class l's metric h_l =
    c P_l (1 - P_l) carries over half its curvature (an offset column,
    nearly collinear with the intercept: plain steps zig-zag with the
    intercept's and crawl) steps along itself centred in that metric, with
    class l's intercept replying exactly (binary ``newton_cd`` centres every
    column so, implicitly; here the reply costs a pass over the samples,
    which such a column's own entries nearly are).

    After its K classes, each feature moves along the direction the
    softmax ignores, a shift common to its K coefficients, to the
    penalty's minimum there (``_common_shift``; D moves too, the model
    does not).  Class-by-class steps see that direction's curvature only
    through the L2 penalty: an L2 fit (5000 x 40, 5 classes, C = 1)
    crawled 1000 sweeps per Newton step without it.  Stops after a full
    sweep whose largest curvature * |step| is at most opts.tol.  Returns
    the sweeps.

    Hot sweeps as ``newton_cd``'s, by feature (its K classes and its
    shift; the intercepts' steps too): the features with an L1 weight that
    moved beyond tol in the last sweep, where they are at most a quarter
    of the features swept, until no step exceeds tol or they have visited
    _HOT_WORK times the coefficients of the last full-length sweep.
    (npm_text's first 20,000 rows in 4 classes, one thread: L1 at C = 100
    43 -> 19.8 s, at C = 10 3.4 -> 3.1 s; l1_ratio 0.5 at C = 100 7.9 ->
    6.5 s, at C = 10 2.0 -> 1.7 s.  Movers beyond tol / 10, as
    newton_cd's: L1 at C = 10 4.5 s, the sweeps over the nonzero features
    of a step up from 214 to 243; 3 tol: C = 100 31 s.  Without the
    intercepts' steps L1 at C = 10 took 3.8 s.  With L2 features too, an
    L2 fit at C = 10 took 2.0-2.7 s against 1.6: its error is spread over
    every feature, and the hot sweeps' fewer full ones did not pay for
    them.)"""
    cdef Py_ssize_t m = ws.shape[0], n = D.shape[0], K = D.shape[1], k, i, l, t
    cdef Py_ssize_t visited, swept, count
    cdef double moved
    cdef HotSweeps hs
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] else NULL
    cdef const index_t *pp = &indptr[0] if indptr.shape[0] else NULL
    cdef index_t start, end
    cdef int epoch = 0
    cdef bint full = True
    cdef double g, gb, z0, z, delta, change, x, q, mu, work = 0.0
    if coef.shape[0] != m or coef.shape[1] != K or pen.shape[0] != m or \
            pen.shape[1] != 4 or R.shape[0] != n or R.shape[1] != K or \
            P.shape[0] != n or P.shape[1] != K or c.shape[0] != n or db.shape[0] != K:
        raise ValueError("softmax_cd: coef (m, K), pen (m, 4), R, P, D (n, K), "
                         "c (n,) and db (K,) must agree")
    # curvature of every (feature, class) and of every intercept; s = P_i @ D_i;
    # per (feature, class) the mean of a centred column (NaN: not centred);
    # h_l = c P_l (1 - P_l) per class (class-major)
    cdef double *curv = <double *> malloc(max(2 * m * K + 2 * K + n + n * K, 1)
                                          * sizeof(double))
    if curv == NULL:
        raise MemoryError("softmax_cd: no memory for the curvatures")
    cdef double *hb = curv + m * K
    cdef double *s = hb + K
    cdef double *cmu = s + n
    cdef double *h = cmu + m * K
    cdef double *tsort = h + n * K
    # the hot sweeps' lists: the features that moved beyond tol
    if _hot_init(&hs, m) < 0:
        free(curv)
        raise MemoryError("softmax_cd: no memory for the working set's indices")
    try:
        with nogil:
            for i in range(n):
                s[i] = 0.0
            for l in range(K):
                hb[l] = 0.0
                for i in range(n):
                    h[l * n + i] = c[i] * P[i, l] * (1.0 - P[i, l])
                    hb[l] += h[l * n + i]
            for k in range(m):
                _span(pp, n, ws[k], &start, &end)
                for l in range(K):
                    q = 0.0
                    g = 0.0         # (the column's moment X[:, j] @ h_l)
                    if ip == NULL:
                        for t in range(end - start):
                            x = dp[start + t]
                            q += h[l * n + t] * x * x
                            g += h[l * n + t] * x
                    else:
                        for t in range(start, end):
                            x = dp[t]
                            q += h[l * n + ip[t]] * x * x
                            g += h[l * n + ip[t]] * x
                    curv[k * K + l] = q
                    cmu[k * K + l] = NAN
                    if opts.h_sum > 0 and hb[l] > 0.0 and g * g > 0.5 * q * hb[l]:
                        # centred, its curvature exact (none for a constant
                        # column, as binary newton_cd's)
                        mu = g / hb[l]
                        curv[k * K + l] = _centred_curvature(dp, ip, start, end, n,
                                                             &h[l * n], mu, hb[l])
                        cmu[k * K + l] = mu
            while epoch < opts.max_epochs:
                if not hs.on:
                    epoch += 1
                change = 0.0
                hs.n_next = 0
                visited = 0
                swept = 0
                if opts.h_sum > 0:
                    for l in range(K):
                        if hb[l] <= 0.0:
                            continue
                        # the intercept's model gradient, then its exact step
                        g = 0.0
                        for i in range(n):
                            g += R[i, l] + c[i] * P[i, l] * (D[i, l] - s[i])
                        delta = -g / hb[l]
                        db[l] += delta
                        for i in range(n):
                            D[i, l] += delta
                            s[i] += P[i, l] * delta
                        change = max(change, hb[l] * fabs(delta))
                        work += 2 * n
                count = hs.n_list if hs.on else m
                for t in range(count):
                    k = hs.list[t] if hs.on else t
                    _span(pp, n, ws[k], &start, &end)
                    moved = -1.0        # (no coefficient of the feature visited yet)
                    for l in range(K):
                        q = curv[k * K + l]
                        if q + pen[k, 1] <= 0.0 or (not full and coef[k, l] == 0.0):
                            continue
                        if moved < 0.0:
                            moved = 0.0
                            swept += 1
                        visited += 1
                        work += end - start
                        g = 0.0
                        if ip == NULL:
                            for t in range(end - start):
                                g += dp[start + t] * (R[t, l] + c[t] * P[t, l]
                                                      * (D[t, l] - s[t]))
                        else:
                            for t in range(start, end):
                                i = ip[t]
                                g += dp[t] * (R[i, l] + c[i] * P[i, l] * (D[i, l] - s[i]))
                        mu = cmu[k * K + l]
                        if mu == mu:
                            # along the centred column: class l's intercept
                            # gradient too (a pass over the samples)
                            gb = 0.0
                            for i in range(n):
                                gb += R[i, l] + c[i] * P[i, l] * (D[i, l] - s[i])
                            g -= mu * gb
                            work += n
                        z0 = coef[k, l]
                        z = _coordinate(z0, g, q, pen[k, 0], pen[k, 1], pen[k, 2],
                                        pen[k, 3])
                        delta = z - z0
                        if delta == 0.0:
                            continue
                        coef[k, l] = z
                        if mu == mu:
                            # the intercept's exact reply, -mu delta
                            db[l] -= mu * delta
                            for i in range(n):
                                D[i, l] -= mu * delta
                                s[i] -= P[i, l] * mu * delta
                            work += n
                        # D[:, l] += delta X[:, j];  s += delta P[:, l] X[:, j]
                        if ip == NULL:
                            for t in range(end - start):
                                x = delta * dp[start + t]
                                D[t, l] += x
                                s[t] += P[t, l] * x
                        else:
                            for t in range(start, end):
                                i = ip[t]
                                x = delta * dp[t]
                                D[i, l] += x
                                s[i] += P[i, l] * x
                        moved = max(moved, q * fabs(delta))
                    change = max(change, moved)
                    if moved > opts.tol and pen[k, 0] > 0.0:
                        hs.next[hs.n_next] = <int32_t> k
                        hs.n_next += 1
                    if K < 2 or (pen[k, 0] <= 0.0 and pen[k, 1] <= 0.0) or (
                            not full and _all_zero(&coef[k, 0], K)):
                        # (an unpenalised feature's shift is free: _recentre
                        # in Python centres it between steps)
                        continue
                    delta = _common_shift(&coef[k, 0], K, pen[k, 0], pen[k, 1],
                                          pen[k, 2], pen[k, 3], tsort)
                    if delta == 0.0:
                        continue
                    # every class's predictor moves by its coefficient's
                    # realised change (fl(w + delta) - w, not delta: D must
                    # stay X dW to the last bit, or near the optimum its
                    # rounding outweighs the model's decrease and every
                    # step is refused) times X[:, j]
                    for l in range(K):
                        z = coef[k, l] + delta
                        tsort[l] = z - coef[k, l]
                        coef[k, l] = z
                    if ip == NULL:
                        for t in range(end - start):
                            x = dp[start + t]
                            for l in range(K):
                                D[t, l] += tsort[l] * x
                                s[t] += P[t, l] * (tsort[l] * x)
                    else:
                        for t in range(start, end):
                            i = ip[t]
                            x = dp[t]
                            for l in range(K):
                                D[i, l] += tsort[l] * x
                                s[i] += P[i, l] * (tsort[l] * x)
                    work += 2 * K * (end - start)
                if _after_sweep(&hs, change, opts.tol, &full, visited, swept):
                    break
                _poll(&work)
    finally:
        free(curv)
        free(hs.base)
    return epoch
