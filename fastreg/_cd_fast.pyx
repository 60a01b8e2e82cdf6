"""Coordinate-descent kernels for the elastic net: dense, sparse CSC and Gram.

Pure numerics.  The kernels never validate, warn or print: they take
contiguous typed buffers and kernel-scale penalties and return numbers.
``fastreg._path`` decides what those numbers mean.

Kernel-scale problem (the user objective multiplied by W = sum(sw))::

    P(w) = 1/2 sum_i sw_i r_i^2 + sum_j pf_j (l1 |w_j| + l2/2 w_j^2)
    r    = y_c - (X - 1 mu^T) w          (y_c = y - ybar; mu = 0 without intercept)

The centred residual is never stored: ``rs = y_c - X w`` (always float64,
so that float32 data still gives a certified gap) is kept with the
scalar offset ``o = mu @ w`` so that ``r = rs + o``.  A coordinate update
then touches only the nonzeros of one column, whatever the intercept.  The
centred, weighted gradient is ``u_j = x_j^T S rs + o * W * mu_j`` (it uses
``sum_i sw_i r_i = 0``, which centring maintains).

Each solver updates only the coordinates listed in ``ws`` (a working set)
and tracks ``A = r^T S y_c`` and ``B = r^T S r`` in O(1) per update, so the
duality gap restricted to ``ws`` costs one pass over ``ws`` only.

``scal`` is a float64 array of 4 scalars shared with Python:
``[o, A, B, W]``; o, A and B are updated in place.
"""
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport fabs, sqrt, INFINITY
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.stdlib cimport malloc, free
from cpython.exc cimport PyErr_CheckSignals
cimport openmp

cdef extern from *:
    """
    #ifdef _OPENMP
    #define FASTREG_OPENMP 1
    #else
    #define FASTREG_OPENMP 0
    #endif
    #if defined(__GNUC__) || defined(__clang__)
    #define fastreg_prefetch(p) __builtin_prefetch(p)
    #else
    #define fastreg_prefetch(p) ((void) 0)
    #endif
    """
    bint FASTREG_OPENMP
    void fastreg_prefetch(const void *p) noexcept nogil

from ._blas cimport C_L, _dot, _axpy, _potrf, _potrs

# hot sweeps between two epochs read at most this many times the entries of
# the last epoch (see cd_sparse)
cdef double _HOT_WORK = 4.0

ctypedef fused index_t:
    int32_t
    int64_t

# how much work (multiply-adds) between two checks for Ctrl-C
cdef double SIGNAL_WORK = 2e7
# residual kernels evaluate the gap once max |dw| <= CHECK_MOVE * max |w|
cdef double CHECK_MOVE = 1e-4

cdef struct CDOptions:
    double l1           # kernel-scale L1 penalty (alpha * l1_ratio * W)
    double l2           # kernel-scale L2 penalty (alpha * (1 - l1_ratio) * W)
    bint positive       # constrain w >= 0
    int max_epochs      # epochs over ws at most
    double tol          # stop when the duality gap restricted to ws <= tol
    int check_every     # epochs between two gap evaluations
    double dw_tol       # >= 0: stop only after an epoch whose max |dw| <= dw_tol max |w|
                        # (scikit-learn's rule) and whose gap is <= tol; < 0: gap only


cdef inline double _update(double g, double wj, double norm, double l1j,
                           double l2j, bint positive) noexcept nogil:
    """New w_j minimising the problem in w_j alone; g is the gradient u_j."""
    cdef double z = g + norm * wj
    if positive:
        if z <= l1j:
            return 0.0
        return (z - l1j) / (norm + l2j)
    if z > l1j:
        return (z - l1j) / (norm + l2j)
    if z < -l1j:
        return (z + l1j) / (norm + l2j)
    return 0.0


cdef double _gap(Py_ssize_t m, const int32_t *idx, const floating *w,
                 const double *u, const floating *pf, const floating *curv,
                 double l1, double l2, bint positive, double A, double B,
                 double B_primal) noexcept nogil:
    """Duality gap over the coordinates idx[:m], given u[k] = u_{idx[k]}.

    Two dual points are scaled to feasibility and the better one is kept:
    1. the augmented-lasso point c * (S r, -sqrt(l2_j) w_j) (scikit-learn's),
       with the best c in [0, c_max];
    2. the conjugate point c * S r, whose dual is
       c A - c^2 B / 2 - sum_j (c|u_j| - l1_j)_+^2 / (2 l2_j), with
       c = min(1, c_max) (only when every penalised coordinate has l2_j > 0
       or is kept feasible by c).
    ``B_primal`` is r^T S r of the primal point; A and B describe the
    residual used as dual point (they differ when Python has projected the
    unpenalised features out of it, which makes it feasible for them).
    Coordinates with pf_j = 0 add no constraint; when ``curv`` (the diagonal
    of the Gram matrix) is given, each adds u_j^2 / (2 curv_j), the decrease
    still available along it, which keeps an inner solve from stopping
    before they are fitted.
    """
    cdef Py_ssize_t k
    cdef int32_t j
    cdef double wj, l1j, l2j, v, t, pen = 0.0, l2ww = 0.0
    cdef double ratio1 = 0.0, ratio2 = 0.0, c, Q, d1, d2, s, e, primal
    cdef double free_gap = 0.0
    for k in range(m):
        j = idx[k]
        if pf[j] <= 0:
            if positive and w[j] == 0:
                # held at its bound: feasible only if u_j <= 0 (no gain left)
                if u[k] > 0:
                    if curv != NULL and curv[j] > 0:
                        free_gap += u[k] * u[k] / (2.0 * curv[j])
                    else:
                        ratio1 = INFINITY
                continue
            if curv != NULL and curv[j] > 0:
                free_gap += u[k] * u[k] / (2.0 * curv[j])
            continue
        wj = w[j]
        l1j = l1 * pf[j]
        l2j = l2 * pf[j]
        v = u[k]
        if wj != 0:
            pen += l1j * fabs(wj)
            l2ww += l2j * wj * wj
            v = v - l2j * wj
        t = v if positive else fabs(v)
        # ratio1 = max(ratio1, t / l1j) without a division per coordinate
        if t > ratio1 * l1j:
            ratio1 = t / l1j if l1j > 0 else INFINITY
        if l2j <= 0:
            t = u[k] if positive else fabs(u[k])
            if t > ratio2 * l1j:
                ratio2 = t / l1j if l1j > 0 else INFINITY
    primal = 0.5 * B_primal + pen + 0.5 * l2ww
    # dual point 1
    Q = B + l2ww
    c = A / Q if Q > 0 else 1.0
    c = max(c, 0.0)
    if ratio1 > 0:
        c = min(c, 1.0 / ratio1)
    d1 = c * A - 0.5 * c * c * Q
    # dual point 2
    d2 = -INFINITY
    if l2 > 0:
        c = 1.0 if ratio2 <= 1.0 else 1.0 / ratio2
        s = 0.0
        for k in range(m):
            j = idx[k]
            l2j = l2 * pf[j]
            if pf[j] <= 0 or l2j <= 0:
                continue
            t = c * u[k] if positive else c * fabs(u[k])
            e = t - l1 * pf[j]
            if e > 0:
                s += e * e / (2.0 * l2j)
        d2 = c * A - 0.5 * c * c * B - s
    return primal - max(d1, d2) + free_gap


def dual_gap(const floating[::1] w, const double[::1] u, const floating[::1] pf,
             const int32_t[::1] idx, double l1, double l2, bint positive,
             double A, double B, double B_primal):
    """Kernel-scale duality gap over the coordinates ``idx``.

    ``u`` holds the gradient of every coordinate of ``idx``, in that order,
    for the residual whose A and B are given; B_primal is that of w.
    """
    return _gap(idx.shape[0], &idx[0] if idx.shape[0] else NULL, &w[0], &u[0],
                &pf[0], <floating *> NULL, l1, l2, positive, A, B, B_primal)


cdef inline double _conj(double v, double l1j, double l2j, double lo,
                         double hi) noexcept nogil:
    """max over w in [lo, hi] of v w - l1j |w| - l2j w^2 / 2 (lo <= 0 <= hi)."""
    cdef double w
    if l2j > 0:
        w = (v - l1j) / l2j if v > l1j else ((v + l1j) / l2j if v < -l1j else 0.0)
    else:
        # linear pieces: a bound where the slope points, else 0; an infinite
        # bound there means the caller's scaling made |v| <= l1j
        w = hi if (v > l1j and hi < INFINITY) else (
            lo if (v < -l1j and lo > -INFINITY) else 0.0)
    w = min(max(w, lo), hi)
    return v * w - l1j * fabs(w) - 0.5 * l2j * w * w


cdef double _gap_box(Py_ssize_t m, const int32_t *idx, const floating *w,
                     const double *u, const floating *pf, double l1, double l2,
                     const double *lo, const double *hi, double A, double B,
                     double B_primal) noexcept nogil:
    """Duality gap with box constraints lo_j <= w_j <= hi_j (lo <= 0 <= hi).

    Dual point c * S r with the conjugates of the constrained penalties:
    D(c) = c A - c^2 B / 2 - sum_j g_j*(c u_j), finite once c keeps
    c u_j <= l1_j where hi_j = inf and c u_j >= -l1_j where lo_j = -inf (for
    l2_j = 0).  D is evaluated at c = min(1, c_max) and at the quadratic's
    own optimum clipped to [0, c_max]; the larger value is used.
    """
    cdef Py_ssize_t k, t
    cdef int32_t j
    cdef double wj, l1j, l2j, pen = 0.0, c_max = INFINITY, c, dual
    cdef double cands[2]
    cdef double best = -INFINITY
    for k in range(m):
        j = idx[k]
        l1j = l1 * pf[j]
        l2j = l2 * pf[j]
        wj = w[j]
        pen += l1j * fabs(wj) + 0.5 * l2j * wj * wj
        if l2j <= 0:
            if hi[j] == INFINITY and u[k] > 0:
                c_max = min(c_max, l1j / u[k])
            if lo[j] == -INFINITY and u[k] < 0:
                c_max = min(c_max, -l1j / u[k])
    cands[0] = min(1.0, c_max)
    cands[1] = min(max(A / B, 0.0), c_max) if B > 0 else cands[0]
    for t in range(2):
        c = cands[t]
        dual = c * A - 0.5 * c * c * B
        for k in range(m):
            j = idx[k]
            dual -= _conj(c * u[k], l1 * pf[j], l2 * pf[j], lo[j], hi[j])
        best = max(best, dual)
    return 0.5 * B_primal + pen - best


def dual_gap_box(const floating[::1] w, const double[::1] u,
                 const floating[::1] pf, const int32_t[::1] idx, double l1,
                 double l2, const double[:, ::1] box, double A, double B,
                 double B_primal):
    """Kernel-scale duality gap over ``idx`` with box[0] <= w <= box[1]."""
    return _gap_box(idx.shape[0], &idx[0] if idx.shape[0] else NULL, &w[0], &u[0],
                    &pf[0], l1, l2, &box[0, 0], &box[1, 0], A, B, B_primal)


cdef inline void _track(double d, double g, double norm, double qj,
                        double *scal) noexcept nogil:
    """A and B after w_j += d: A -= d q_j; B += -2 d g + d^2 norm."""
    scal[1] -= d * qj
    scal[2] += d * (d * norm - 2.0 * g)


cdef inline double _step(double g, double wj, double norm, Py_ssize_t j,
                         const floating *pf, CDOptions *o, bint has_box,
                         const double[:, ::1] box) noexcept nogil:
    """New w_j: the exact coordinate minimiser, clipped to the box if any."""
    cdef double new = _update(g, wj, norm, o.l1 * pf[j], o.l2 * pf[j], o.positive)
    if has_box:
        new = min(max(new, box[0, j]), box[1, j])
    return new


cdef inline double _ws_gap(Py_ssize_t m, const int32_t *ws, const floating *w,
                           const double *u, const floating *pf,
                           const floating *curv, CDOptions *o, bint has_box,
                           const double[:, ::1] box, const double *scal) noexcept nogil:
    """Gap restricted to ws, with box constraints when there are any."""
    if has_box:
        return _gap_box(m, ws, w, u, pf, o.l1, o.l2, &box[0, 0], &box[1, 0],
                        scal[1], scal[2], scal[2])
    return _gap(m, ws, w, u, pf, curv, o.l1, o.l2, o.positive, scal[1], scal[2],
                scal[2])


cdef inline bint _settled(double dmax, double wmax, CDOptions *o) noexcept nogil:
    """The epoch met the coordinate-change rule: max |dw| <= dw_tol max |w|."""
    return o.dw_tol >= 0 and dmax <= o.dw_tol * wmax


cdef inline bint _check_now(double dmax, double wmax, int epoch,
                            CDOptions *o) noexcept nogil:
    """The gap costs an epoch: evaluate it once the iterates have nearly
    settled, every check_every epochs, and always at the last one."""
    return (dmax <= CHECK_MOVE * wmax or epoch % o.check_every == 0
            or epoch == o.max_epochs)



# ------------------------------------------------------- dual extrapolation

cdef enum:
    EXTRA_K = 5         # residual differences combined by the extrapolation
# rows of the residual ring a caller allocates for it
EXTRA_HISTORY = EXTRA_K + 1


cdef bint _extrapolate(Py_ssize_t n, const double *hist, int newest,
                       double *racc) noexcept nogil:
    """Extrapolated residual from the last EXTRA_K + 1 epochs' residuals.

    ``hist`` holds EXTRA_K + 1 residuals r_t as rows of length n, a ring
    whose newest row is ``newest`` (so the oldest is the next one).  Once
    coordinate descent has found the support, r_t follows a linear
    recursion, and r_acc = sum_k c_k r_k with sum_k c_k = 1 and
    c = argmin ||sum_k c_k (r_k - r_{k-1})|| (Massias, Gramfort and Salmon
    2018) is much closer to the dual optimum than r_t.  Any such affine
    combination is a residual-like point, so scaled into the dual feasible
    set it gives a valid gap.  Writes racc; returns False when the
    differences are degenerate or the combination is not finite.
    """
    cdef int K = EXTRA_K, a, b
    cdef Py_ssize_t i
    cdef double M[EXTRA_K * EXTRA_K]
    cdef double z[EXTRA_K]
    cdef double diag = 0.0, s, da
    cdef const double *r[EXTRA_K + 1]
    # r[0] oldest .. r[K] newest; M = U^T U with U_a = r[a + 1] - r[a]
    for a in range(K + 1):
        r[a] = hist + ((newest + 1 + a) % (K + 1)) * n
    for a in range(K):
        for b in range(a + 1):
            s = 0.0
            for i in range(n):
                s += (r[a + 1][i] - r[a][i]) * (r[b + 1][i] - r[b][i])
            M[a * K + b] = s
            M[b * K + a] = s
        diag = max(diag, M[a * K + a])
    if not diag > 0:
        return False
    for a in range(K * K):
        M[a] /= diag
    for a in range(K):
        z[a] = 1.0
    if _potrf(C_L, K, &M[0], K) != 0 or _potrs(C_L, K, 1, &M[0], K, &z[0], K) != 0:
        return False
    s = 0.0
    for a in range(K):
        s += z[a]
    if not (fabs(s) > 1e-300) or s != s:
        return False
    # r_acc = sum_a c_a r[a + 1], c = z / sum(z)
    for i in range(n):
        racc[i] = 0.0
    for a in range(K):
        da = z[a] / s
        if not fabs(da) < INFINITY:
            return False
        for i in range(n):
            racc[i] += da * r[a + 1][i]
    return True


cdef inline double _upper(double u, double root, double delta,
                          bint positive) noexcept nogil:
    """Upper bound of x_j^T v (of |x_j^T v| unless positive) from u, a bound
    of it at a point within delta of v, and root = ||x_j||."""
    return (u if positive else fabs(u)) + root * delta


# ----------------------------------------------------------------- dense X

cdef inline double _grad_dense(Py_ssize_t n, const floating *xj,
                               const floating *sw, bint has_sw,
                               const double *rs, double o_s) noexcept nogil:
    """u_j = x_j^T S rs + o * W * mu_j (o_s = o * W * mu_j)."""
    cdef Py_ssize_t i
    cdef double acc = 0.0
    if not has_sw:
        if floating is double:
            # x_j @ rs
            return _dot(<int> n, xj, 1, rs, 1) + o_s
        for i in range(n):
            acc += xj[i] * rs[i]
        return acc + o_s
    for i in range(n):
        acc += xj[i] * sw[i] * rs[i]
    return acc + o_s


cdef inline void _sub_dense(Py_ssize_t n, double d, const floating *xj,
                            double *rs) noexcept nogil:
    """rs -= d * x_j"""
    cdef Py_ssize_t i
    if floating is double:
        _axpy(<int> n, -d, xj, 1, rs, 1)
    else:
        for i in range(n):
            rs[i] -= d * xj[i]


cdef double _dense_extra_gap(const floating[::1, :] X, const floating *swp,
                             bint has_sw, const floating[::1] mu,
                             const floating[::1] norms, const floating[::1] pf,
                             const floating[::1] w, const double[::1] rs,
                             const double[::1] y_c, const double[::1] scal,
                             const int32_t[::1] ws, CDOptions *o,
                             const double *hist, int newest, double *racc,
                             double *acc) noexcept nogil:
    """Gap over ws with the extrapolated residual as dual point (inf if none).

    Fills acc = [gap, A, B, ||r_acc - r||_S, u_acc[ws]...] and racc; A and B
    are computed from r_acc itself, not from running totals.
    """
    cdef Py_ssize_t n = X.shape[0], m = ws.shape[0], i, k
    cdef double s = 0.0, A = 0.0, B = 0.0, dist = 0.0, d, sw_i
    cdef double *u = acc + 4
    acc[0] = INFINITY
    if not _extrapolate(n, hist, newest, racc):
        return INFINITY
    for i in range(n):
        sw_i = swp[i] if has_sw else 1.0
        s += sw_i * racc[i]
        A += sw_i * racc[i] * y_c[i]
        B += sw_i * racc[i] * racc[i]
        d = racc[i] - rs[i] - scal[0]
        dist += sw_i * d * d
    if not (fabs(A) < INFINITY and B < INFINITY and dist < INFINITY):
        return INFINITY
    acc[1] = A
    # centred correlations: x_j^T S r_acc - mu_j sum_i sw_i r_acc,i
    for k in range(m):
        u[k] = _grad_dense(n, &X[0, ws[k]], swp, has_sw, racc, -mu[ws[k]] * s)
    acc[2] = B
    acc[3] = sqrt(dist)
    acc[0] = _gap(m, &ws[0], &w[0], u, &pf[0], &norms[0], o.l1, o.l2,
                  o.positive, acc[1], B, scal[2])
    return acc[0]


def cd_dense(const floating[::1, :] X, const floating[::1] sw,
             const floating[::1] mu, const floating[::1] norms,
             const floating[::1] q, const floating[::1] pf,
             floating[::1] w, double[::1] rs, double[::1] scal,
             const int32_t[::1] ws, CDOptions opts,
             const double[:, ::1] box, double[::1] u_buf,
             double[:, ::1] hist, double[::1] racc, double[::1] acc,
             const double[::1] y_c, bint want_u=True):
    """Cyclic coordinate descent over ``ws`` on dense Fortran-ordered X.

    Returns ``(epochs, gap)``: epochs run and the kernel-scale gap restricted
    to ``ws`` at the last check, which is always the last epoch; ``u_buf``
    (at least len(ws) values) then holds the gradient u[ws] at the final w
    (with extrapolation, only if ``want_u``).

    Dual extrapolation, when ``hist`` has EXTRA_K + 1 rows of n values (a
    scratch ring of residuals; pass shape (0, 0) to switch it off): each
    check also scores the extrapolated residual (see ``_extrapolate``) and
    the gap is the better of the two.  The last check's extrapolated point
    is left in ``racc`` (n values: its centred residual) and, from index 4
    of ``acc`` (at least 4 + len(ws) values), its u[ws]; ``acc[:4]`` =
    [gap with it (inf if none), A, B, ||r_acc - r||_S], with ``y_c`` (the
    centred target, n values) giving A = r_acc^T S y_c.  Only without box
    constraints.
    """
    cdef Py_ssize_t n = X.shape[0], m = ws.shape[0], k
    cdef bint has_sw = sw.shape[0] > 0
    cdef const floating *swp = &sw[0] if has_sw else NULL
    cdef int32_t j
    cdef int epoch = 0
    cdef bint has_box = box.shape[0] == 2
    cdef double g, wj, new, d, W = scal[3], gap = INFINITY, work = 0.0
    cdef double dmax, wmax
    cdef bint settled
    cdef double *u
    cdef bint extra = hist.shape[0] == EXTRA_K + 1 and hist.shape[1] == n and not has_box
    cdef int slot = 0
    if u_buf.shape[0] < max(m, 1):
        raise ValueError(f"u_buf must hold {max(m, 1)} values, got {u_buf.shape[0]}")
    if extra and (racc.shape[0] < n or acc.shape[0] < 4 + m or y_c.shape[0] != n):
        raise ValueError(f"racc and y_c must hold {n} values and acc {4 + m}")
    u = &u_buf[0]
    if acc.shape[0] > 0:
        acc[0] = INFINITY
    with nogil:
        while epoch < opts.max_epochs:
            epoch += 1
            dmax = 0.0
            wmax = 0.0
            for k in range(m):
                j = ws[k]
                if norms[j] <= 0:
                    continue
                wj = w[j]
                g = _grad_dense(n, &X[0, j], swp, has_sw, &rs[0],
                                scal[0] * W * mu[j])
                new = _step(g, wj, norms[j], j, &pf[0], &opts, has_box, box)
                d = new - wj
                dmax = max(dmax, fabs(d))
                wmax = max(wmax, fabs(new))
                if d != 0.0:
                    w[j] = new
                    # rs -= d * X[:, j]
                    _sub_dense(n, d, &X[0, j], &rs[0])
                    scal[0] += d * mu[j]
                    _track(d, g, norms[j], q[j], &scal[0])
            if extra:
                # this epoch's centred residual r = rs + o, into the ring
                slot = epoch % (EXTRA_K + 1)
                for k in range(n):
                    hist[slot, k] = rs[k] + scal[0]
            settled = _settled(dmax, wmax, &opts)
            if settled or _check_now(dmax, wmax, epoch, &opts):
                gap = INFINITY
                if extra and epoch > EXTRA_K:
                    gap = _dense_extra_gap(X, swp, has_sw, mu, norms, pf, w, rs,
                                           y_c, scal, ws, &opts, &hist[0, 0],
                                           slot, &racc[0], &acc[0])
                # the plain residual's gap, unless the extrapolated one is
                # enough (and the caller does not want u[ws])
                if not gap <= opts.tol or want_u:
                    for k in range(m):
                        j = ws[k]
                        u[k] = _grad_dense(n, &X[0, j], swp, has_sw, &rs[0],
                                           scal[0] * W * mu[j])
                    gap = min(gap, _ws_gap(m, &ws[0], &w[0], u, &pf[0], &norms[0],
                                           &opts, has_box, box, &scal[0]))
                if gap <= opts.tol and (settled or opts.dw_tol < 0):
                    break
            work += <double> n * m
            if work > SIGNAL_WORK:
                work = 0.0
                with gil:
                    PyErr_CheckSignals()
    return epoch, gap


cdef inline double _centred_sq(const floating *x, const floating *sw, double m,
                               Py_ssize_t n) noexcept nogil:
    """sum_i sw_i (x_i - m)^2 (sw NULL: all ones), accumulated in float64.

    Centred in the sum, so no cancellation.  Four partial sums: one running
    sum waits on each addition, four keep the floating-point units busy
    (about 4x faster).
    """
    cdef Py_ssize_t i
    cdef double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, t0, t1, t2, t3
    for i in range(0, n - 3, 4):
        t0 = x[i] - m
        t1 = x[i + 1] - m
        t2 = x[i + 2] - m
        t3 = x[i + 3] - m
        if sw != NULL:
            a0 = a0 + t0 * t0 * sw[i]
            a1 = a1 + t1 * t1 * sw[i + 1]
            a2 = a2 + t2 * t2 * sw[i + 2]
            a3 = a3 + t3 * t3 * sw[i + 3]
        else:
            a0 = a0 + t0 * t0
            a1 = a1 + t1 * t1
            a2 = a2 + t2 * t2
            a3 = a3 + t3 * t3
    for i in range(n - n % 4, n):
        t0 = x[i] - m
        a0 = a0 + (t0 * t0 * sw[i] if sw != NULL else t0 * t0)
    return (a0 + a1) + (a2 + a3)


def col_norms_dense(const floating[::1, :] X, const floating[::1] sw,
                    const floating[::1] mu, floating[::1] out):
    """out_j = sum_i sw_i (X_ij - mu_j)^2, accumulated in float64."""
    cdef Py_ssize_t n = X.shape[0], p = X.shape[1], j
    cdef bint has_sw = sw.shape[0] > 0
    if n == 0:
        out[:] = 0
        return
    with nogil:
        for j in range(p):
            out[j] = _centred_sq(&X[0, j], &sw[0] if has_sw else NULL, mu[j], n)


cdef inline void _column_sums(const double *x, const double *v, const double *sw,
                              double m, int n, float *x32,
                              double *out) noexcept nogil:
    """out = [x^T v, sum_i sw_i (x_i - m)^2, ||x||^2]; x32 = float32(x)
    unless NULL.  One loop, four partial sums each, and no BLAS: a BLAS
    call per column wakes BLAS's threads each time (on 20,000 x 1,000 with
    two BLAS threads: 113 ms, against 11.5 ms for this loop)."""
    cdef Py_ssize_t i
    cdef double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
    cdef double b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0
    cdef double x0, x1, x2, x3
    for i in range(0, n - 3, 4):
        x0 = x[i]
        x1 = x[i + 1]
        x2 = x[i + 2]
        x3 = x[i + 3]
        a0 = a0 + x0 * v[i]
        a1 = a1 + x1 * v[i + 1]
        a2 = a2 + x2 * v[i + 2]
        a3 = a3 + x3 * v[i + 3]
        b0 = b0 + x0 * x0
        b1 = b1 + x1 * x1
        b2 = b2 + x2 * x2
        b3 = b3 + x3 * x3
        if x32 != NULL:
            x32[i] = <float> x0
            x32[i + 1] = <float> x1
            x32[i + 2] = <float> x2
            x32[i + 3] = <float> x3
    for i in range(n - n % 4, n):
        a0 = a0 + x[i] * v[i]
        b0 = b0 + x[i] * x[i]
        if x32 != NULL:
            x32[i] = <float> x[i]
    out[0] = (a0 + a1) + (a2 + a3)
    out[2] = (b0 + b1) + (b2 + b3)
    out[1] = out[2] if sw == NULL and m == 0.0 else _centred_sq(x, sw, m, n)


def dense_column_pass(const double[::1, :] X, const double[::1] v,
                      const double[::1] sw, const double[::1] mu, double[::1] xv,
                      double[::1] norms, double[::1] raw, float[::1, :] X32):
    """One read of X for what the tall form needs of every column:
    ``xv_j = x_j^T v``, ``norms_j = sum_i sw_i (X_ij - mu_j)^2``,
    ``raw_j = ||x_j||^2`` and, when X32 has columns, ``X32 = float32(X)``.
    """
    cdef Py_ssize_t n = X.shape[0], p = X.shape[1], j
    cdef bint has_sw = sw.shape[0] > 0, copy = X32.shape[1] > 0
    cdef double out[3]
    if (v.shape[0] != n or mu.shape[0] != p or xv.shape[0] != p
            or norms.shape[0] != p or raw.shape[0] != p
            or (has_sw and sw.shape[0] != n)
            or (copy and (X32.shape[0] != n or X32.shape[1] != p))):
        raise ValueError("dense_column_pass: arrays must match X's shape")
    if n == 0:
        xv[:] = 0.0
        norms[:] = 0.0
        raw[:] = 0.0
        return
    with nogil:
        for j in range(p):
            _column_sums(&X[0, j], &v[0], &sw[0] if has_sw else NULL, mu[j],
                         <int> n, &X32[0, j] if copy else NULL, out)
            xv[j] = out[0]
            norms[j] = out[1]
            raw[j] = out[2]


# ---------------------------------------------------------------- sparse X

cdef inline double _grad_sparse(const floating *data, const index_t *ind,
                                index_t start, index_t end,
                                const floating *sw, bint has_sw,
                                const double *rs, double o_s) noexcept nogil:
    """u_j = x_j^T S rs + o * W * mu_j over the nonzeros of column j."""
    cdef index_t k
    cdef double acc = 0.0
    if has_sw:
        for k in range(start, end):
            acc += data[k] * sw[ind[k]] * rs[ind[k]]
    else:
        for k in range(start, end):
            acc += data[k] * rs[ind[k]]
    return acc + o_s


def cd_sparse(const floating[::1] data, const index_t[::1] indices,
              const index_t[::1] indptr, const floating[::1] sw,
              const floating[::1] mu, const floating[::1] norms,
              const floating[::1] q, const floating[::1] pf,
              floating[::1] w, double[::1] rs, double[::1] scal,
              const int32_t[::1] ws, CDOptions opts,
             const double[:, ::1] box, double[::1] u_buf):
    """Cyclic coordinate descent over ``ws`` on CSC X (data, indices, indptr).

    The intercept is handled by the offset in ``scal[0]``: an update costs
    O(nnz of the column), never O(n_samples).  Returns ``(epochs, gap)``;
    ``u_buf`` holds u[ws] at the final w, as in :func:`cd_dense`.

    With the coordinate-change rule (dw_tol >= 0), between two epochs
    where few coefficients moved by over a tenth of the rule's bound (at
    most a quarter of ws), sweeps over just those ("hot" sweeps, not
    counted as epochs), each over the last one's movers, until none moves
    beyond the bound or they have read _HOT_WORK times the entries of the
    last epoch (as ``_newton_fast.newton_cd``'s).  The solve still ends
    only after an epoch over ws.
    """
    cdef Py_ssize_t m = ws.shape[0], k, c, count, nhot = 0, nnext = 0
    cdef bint has_sw = sw.shape[0] > 0
    cdef const floating *swp = &sw[0] if has_sw else NULL
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] else NULL
    cdef index_t t, start, end
    cdef int32_t j
    cdef int epoch = 0
    cdef bint has_box = box.shape[0] == 2
    cdef double g, wj, new, d, W = scal[3], gap = INFINITY, work = 0.0
    cdef double dmax, wmax, wmax_epoch = 0.0, swept = 0.0, hot_work = 0.0, bound
    cdef bint settled, hot = False
    cdef double *u
    cdef int32_t *hot_list
    cdef int32_t *next_list
    cdef int32_t *swap
    if u_buf.shape[0] < max(m, 1):
        raise ValueError(f"u_buf must hold {max(m, 1)} values, got {u_buf.shape[0]}")
    u = &u_buf[0]
    # the movers of the last sweep, and of the sweep under way, with |dw|
    hot_list = <int32_t *> malloc(2 * max(m, 1) * sizeof(int32_t))
    cdef double *moves = <double *> malloc(max(m, 1) * sizeof(double))
    if hot_list == NULL or moves == NULL:
        free(hot_list)
        free(moves)
        raise MemoryError("cd_sparse: no memory for the working set's movers")
    next_list = hot_list + max(m, 1)
    try:
        with nogil:
            while epoch < opts.max_epochs:
                if not hot:
                    epoch += 1
                    swept = 0.0
                dmax = 0.0
                wmax = wmax_epoch if hot else 0.0
                nnext = 0
                count = nhot if hot else m
                for c in range(count):
                    k = hot_list[c] if hot else c
                    j = ws[k]
                    if norms[j] <= 0:
                        continue
                    start = indptr[j]
                    end = indptr[j + 1]
                    work += end - start
                    if hot:
                        hot_work += end - start
                    else:
                        swept += end - start
                    wj = w[j]
                    g = _grad_sparse(dp, ip, start, end, swp, has_sw, &rs[0],
                                     scal[0] * W * mu[j])
                    new = _step(g, wj, norms[j], j, &pf[0], &opts, has_box, box)
                    d = new - wj
                    dmax = max(dmax, fabs(d))
                    wmax = max(wmax, fabs(new))
                    if d != 0.0:
                        w[j] = new
                        # rs[rows of j] -= d * X[rows of j, j]
                        for t in range(start, end):
                            rs[ip[t]] -= d * dp[t]
                        scal[0] += d * mu[j]
                        _track(d, g, norms[j], q[j], &scal[0])
                        next_list[nnext] = <int32_t> k
                        moves[nnext] = fabs(d)
                        nnext += 1
                # the movers beyond a tenth of the rule's bound
                bound = 0.1 * opts.dw_tol * wmax
                count = 0
                for c in range(nnext):
                    if moves[c] > bound:
                        next_list[count] = next_list[c]
                        count += 1
                if hot:
                    hot = not (dmax <= opts.dw_tol * wmax or count == 0
                               or hot_work >= _HOT_WORK * swept)
                else:
                    wmax_epoch = wmax
                    settled = _settled(dmax, wmax, &opts)
                    if settled or _check_now(dmax, wmax, epoch, &opts):
                        for k in range(m):
                            j = ws[k]
                            u[k] = _grad_sparse(dp, ip, indptr[j], indptr[j + 1],
                                                swp, has_sw, &rs[0],
                                                scal[0] * W * mu[j])
                        gap = _ws_gap(m, &ws[0], &w[0], u, &pf[0], &norms[0], &opts,
                                      has_box, box, &scal[0])
                        if gap <= opts.tol and (settled or opts.dw_tol < 0):
                            break
                    hot = (opts.dw_tol >= 0 and not settled and 0 < count
                           and 4 * count <= m and epoch < opts.max_epochs)
                    hot_work = 0.0
                if hot:
                    swap = hot_list
                    hot_list = next_list
                    next_list = swap
                    nhot = count
                if work > SIGNAL_WORK:
                    work = 0.0
                    with gil:
                        PyErr_CheckSignals()
    finally:
        free(hot_list if hot_list < next_list else next_list)
        free(moves)
    return epoch, gap


def max_threads():
    """Threads OpenMP would use (OMP_NUM_THREADS, threadpoolctl); 1 without it."""
    return openmp.omp_get_max_threads() if FASTREG_OPENMP else 1


def grad_sparse(const floating[::1] data, const index_t[::1] indices,
                const index_t[::1] indptr, const double[::1] v,
                double offset, const floating[::1] mu, const int32_t[::1] cols,
                double[::1] out, int n_threads):
    """out[k] = X[:, j]^T v + offset * mu_j for j = cols[k], on n_threads.

    With v = S rs and offset = o * W this is the centred gradient u.
    """
    cdef Py_ssize_t m = cols.shape[0], k
    cdef index_t t
    cdef int32_t j
    cdef double acc
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] else NULL
    with nogil:
        for k in prange(m, schedule="guided", num_threads=max(n_threads, 1)):
            j = cols[k]
            acc = 0.0
            for t in range(indptr[j], indptr[j + 1]):
                acc = acc + dp[t] * v[ip[t]]
            out[k] = acc + offset * mu[j]


def col_norms_sparse(const floating[::1] data, const index_t[::1] indices,
                     const index_t[::1] indptr, const floating[::1] sw,
                     double sw_sum, const floating[::1] mu, floating[::1] out):
    """out_j = sum_i sw_i (X_ij - mu_j)^2 without densifying column j.

    The implicit zeros add (W - sum of sw over the column's rows) * mu_j^2.
    """
    cdef Py_ssize_t p = indptr.shape[0] - 1, j
    cdef index_t t
    cdef bint has_sw = sw.shape[0] > 0
    cdef double acc, wsum, s, diff
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const index_t *ip = &indices[0] if indices.shape[0] else NULL
    with nogil:
        for j in range(p):
            acc = 0.0
            wsum = 0.0
            for t in range(indptr[j], indptr[j + 1]):
                s = sw[ip[t]] if has_sw else 1.0
                diff = dp[t] - mu[j]
                acc = acc + s * diff * diff
                wsum = wsum + s
            out[j] = acc + (sw_sum - wsum) * mu[j] * mu[j]


# -------------------------------------------------------------- Gram form

def cd_gram(const floating[::1, :] G, const floating[::1] q,
            const floating[::1] pf, floating[::1] w, double[::1] H,
            double[::1] scal, const int32_t[::1] ws, CDOptions opts,
            const double[:, ::1] box, const int64_t[::1] col,
            bint whole_h=False):
    """Cyclic coordinate descent over ``ws`` on the Gram form.

    ``G = Xc^T S Xc`` (centred, weighted), stored by columns: the column of
    feature j is ``G[:, col[j]]`` and its rows are features, so a square
    matrix with ``col = arange`` or a cache of some full columns both work,
    without copying a block.  ``q = Xc^T S y_c``; ``H`` holds the gradient
    ``q - G w`` and is kept exact on ``ws`` only, so the gap restricted to
    ``ws`` needs no extra pass.  ``whole_h``: every entry of H is updated
    instead, one contiguous sweep of the column (it vectorises, where
    updating ws alone is a gather and a scatter), which pays when ws holds
    most of H's rows.  Returns ``(epochs, gap)``.
    """
    cdef Py_ssize_t m = ws.shape[0], k, t, p = G.shape[0], nh = H.shape[0]
    cdef double *Hp = &H[0] if nh else NULL
    cdef const floating *Gc
    cdef int32_t j
    cdef int64_t c
    cdef int epoch = 0
    cdef bint has_box = box.shape[0] == 2
    cdef double g, wj, new, d, gap = INFINITY, work = 0.0, dmax, wmax
    cdef bint settled
    cdef double *u = <double *> malloc(max(m, 1) * sizeof(double))
    cdef floating *diag = <floating *> malloc(max(p, 1) * sizeof(floating))
    if u == NULL or diag == NULL:
        free(u)
        free(diag)
        raise MemoryError("cd_gram: cannot allocate the gradient buffer")
    if whole_h and nh > p:
        free(u)
        free(diag)
        raise ValueError(f"cd_gram: H has {nh} rows, G only {p}")
    for k in range(m):
        j = ws[k]
        if not (0 <= j < p and j < col.shape[0] and 0 <= col[j] < G.shape[1]
                and j < w.shape[0] and j < H.shape[0] and j < q.shape[0]
                and j < pf.shape[0]):
            free(u)
            free(diag)
            raise ValueError(f"cd_gram: feature {j} has no column in G")
        diag[j] = G[j, col[j]]
    try:
        with nogil:
            while epoch < opts.max_epochs:
                epoch += 1
                dmax = 0.0
                wmax = 0.0
                for k in range(m):
                    j = ws[k]
                    if diag[j] <= 0:
                        continue
                    wj = w[j]
                    g = H[j]
                    new = _step(g, wj, diag[j], j, &pf[0], &opts, has_box, box)
                    d = new - wj
                    dmax = max(dmax, fabs(d))
                    wmax = max(wmax, fabs(new))
                    if d != 0.0:
                        w[j] = new
                        # H[ws] -= d * G[ws, j]
                        c = col[j]
                        if whole_h:
                            Gc = &G[0, c]
                            for t in range(nh):
                                Hp[t] -= d * Gc[t]
                        else:
                            for t in range(m):
                                H[ws[t]] -= d * G[ws[t], c]
                        _track(d, g, diag[j], q[j], &scal[0])
                settled = _settled(dmax, wmax, &opts)
                if settled or epoch % opts.check_every == 0 or epoch == opts.max_epochs:
                    for k in range(m):
                        u[k] = H[ws[k]]
                    gap = _ws_gap(m, &ws[0], &w[0], u, &pf[0], diag, &opts,
                                  has_box, box, &scal[0])
                    if gap <= opts.tol and (settled or opts.dw_tol < 0):
                        break
                work += <double> m * m
                if work > SIGNAL_WORK:
                    work = 0.0
                    with gil:
                        PyErr_CheckSignals()
    finally:
        free(u)
        free(diag)
    return epoch, gap


def gather_block(const floating[::1, :] G, const int32_t[::1] slots,
                 floating[::1, :] out):
    """out[a, b] = G[slots[a], slots[b]]: a working set's block of the Gram
    cache, copied contiguous (each column a gather from one column of G)."""
    cdef Py_ssize_t m = slots.shape[0], a, b, k = G.shape[0]
    cdef const floating *Gc
    cdef floating *oc
    if out.shape[0] != m or out.shape[1] != m:
        raise ValueError(f"gather_block: out is {out.shape[0]} x {out.shape[1]}, not {m} x {m}")
    for a in range(m):
        if not 0 <= slots[a] < min(k, G.shape[1]):
            raise ValueError(f"gather_block: slot {slots[a]} is outside G")
    with nogil:
        for b in range(m):
            Gc = &G[0, slots[b]]
            oc = &out[0, b]
            for a in range(m):
                oc[a] = Gc[slots[a]]


# ------------------------------------------------------ residual updates

def sub_columns_dense(const floating[::1, :] X, const int32_t[::1] cols,
                      const double[::1] coef, double[::1] rs):
    """rs -= X[:, cols] @ coef, column by column (no copy of X[:, cols])."""
    cdef Py_ssize_t n = X.shape[0], k
    with nogil:
        for k in range(cols.shape[0]):
            _sub_dense(n, coef[k], &X[0, cols[k]], &rs[0])


def sub_columns_sparse(const floating[::1] data, const index_t[::1] indices,
                       const index_t[::1] indptr, const int32_t[::1] cols,
                       const double[::1] coef, double[::1] rs):
    """rs -= X[:, cols] @ coef for CSC X, touching only those columns."""
    cdef Py_ssize_t k
    cdef index_t t
    cdef int32_t j
    cdef double c
    with nogil:
        for k in range(cols.shape[0]):
            j = cols[k]
            c = coef[k]
            for t in range(indptr[j], indptr[j + 1]):
                rs[indices[t]] -= c * data[t]


def gram_block_sparse(const floating[::1] data, const index_t[::1] indices,
                      const index_t[::1] indptr, const floating[::1] sw,
                      const int32_t[::1] rows, const int32_t[::1] cols,
                      double[::1] work, double[:, ::1] out):
    """out[b, a] = X[:, cols[b]]^T S X[:, rows[a]] for CSC X (uncentred).

    The columns rows[:] are scattered interleaved into ``work`` (n_samples *
    len(rows) zeros on entry and on exit): ``work[i * k + a] = sw_i X_i,rows[a]``.
    Each column cols[b] is then read once, and each of its nonzeros meets the
    k row values in one cache line.
    """
    cdef Py_ssize_t a, b, k = rows.shape[0], m = cols.shape[0], base
    cdef index_t t
    cdef int32_t i, j
    cdef bint has_sw = sw.shape[0] > 0
    cdef double v
    cdef double *o
    with nogil:
        for a in range(k):
            i = rows[a]
            for t in range(indptr[i], indptr[i + 1]):
                work[indices[t] * k + a] = data[t] * (sw[indices[t]] if has_sw else 1.0)
        for b in range(m):
            j = cols[b]
            o = &out[b, 0]
            for a in range(k):
                o[a] = 0.0
            for t in range(indptr[j], indptr[j + 1]):
                v = data[t]
                base = indices[t] * k
                for a in range(k):
                    o[a] += v * work[base + a]
        for a in range(k):
            i = rows[a]
            for t in range(indptr[i], indptr[i + 1]):
                work[indices[t] * k + a] = 0.0


def gram_rows_sparse(const floating[::1] data, const index_t[::1] indices,
                     const index_t[::1] indptr, const floating[::1] rdata,
                     const int32_t[::1] rcols, const int64_t[::1] rptr,
                     const floating[::1] sw, const int32_t[::1] slot,
                     const int32_t[::1] new, const double[::1] row_mu,
                     const double[::1] col_mu, double[:, :] out):
    """out[a, slot[j]] = sum_i sw_i X[i, new[a]] X[i, j] - row_mu[a] col_mu[slot[j]]
    for every feature j with slot[j] >= 0 (centred Gram rows; empty row_mu:
    uncentred).  ``out`` is overwritten; its rows need only be contiguous
    (columns of a Fortran-ordered block, transposed, are written in place).

    X is read twice: its columns ``new`` from CSC (data, indices, indptr) and,
    for each of their nonzeros, that sample's row from a CSR copy (rdata,
    rcols, rptr).  The cost is, per nonzero of a new column, the length of
    its row: independent of how many features the block already holds, and
    of how long their columns are.
    """
    cdef Py_ssize_t a, b, m = new.shape[0], k = out.shape[1]
    cdef int64_t s
    cdef int32_t sl
    cdef index_t t, end
    cdef int32_t i, j
    cdef bint has_sw = sw.shape[0] > 0, centred = row_mu.shape[0] > 0
    cdef double v, c
    cdef double *o
    if out.shape[0] != m or (centred and (row_mu.shape[0] != m or col_mu.shape[0] < k)):
        raise ValueError("gram_rows_sparse: out, row_mu and col_mu do not match new")
    if k > 1 and out.strides[1] != sizeof(double):
        raise ValueError("gram_rows_sparse: the rows of out must be contiguous")
    with nogil:
        for a in range(m):
            j = new[a]
            o = &out[a, 0]
            for b in range(k):
                o[b] = 0.0
            end = indptr[j + 1]
            for t in range(indptr[j], end):
                # (each row is a cache miss: its pointers are fetched 8
                # entries ahead, its entries 4 ahead)
                if t + 8 < end:
                    fastreg_prefetch(&rptr[indices[t + 8]])
                if t + 4 < end:
                    s = rptr[indices[t + 4]]
                    fastreg_prefetch(&rcols[s])
                    fastreg_prefetch(&rdata[s])
                i = indices[t]
                v = data[t] * (sw[i] if has_sw else 1.0)
                for s in range(rptr[i], rptr[i + 1]):
                    sl = slot[rcols[s]]
                    if sl >= 0:
                        o[sl] += v * rdata[s]
            if centred:
                c = row_mu[a]
                for b in range(k):
                    o[b] -= c * col_mu[b]


cdef int _check_features(const int32_t[::1] idx, Py_ssize_t p, str kernel,
                         str name) except -1:
    """ValueError unless every idx[k] is a feature, 0 <= idx[k] < p."""
    cdef Py_ssize_t k
    for k in range(idx.shape[0]):
        if not 0 <= idx[k] < p:
            raise ValueError(f"{kernel}: {name} holds {idx[k]}, not a feature")
    return 0


def ws_candidates(const double[::1] u, const floating[::1] w,
                  const floating[::1] pf, const double[::1] inv_norm, double l1,
                  double l2, bint positive, double frac, int32_t[::1] idx,
                  double[::1] score, const int32_t[::1] cols):
    """Working-set candidates and their priority, in one pass over features.

    A non-empty column j (inv_norm_j > 0) is a candidate when w_j != 0 or
    pf_j = 0 (score -inf: always kept), or when its dual constraint is nearly
    tight, t_j = |u_j - l2 pf_j w_j| >= frac * l1 pf_j (score
    (l1 pf_j - t_j) / ||x_j||, the distance of the dual point to it: small
    is urgent).  Only the features in ``cols`` are looked at (empty: all of
    them), e.g. those whose u_j is exact after a screened pass.  Writes
    idx[:count] and score[:count]; returns count.
    """
    cdef Py_ssize_t i, j, k = 0, p = u.shape[0]
    cdef Py_ssize_t m = cols.shape[0] if cols.shape[0] > 0 else p
    cdef bint all_cols = cols.shape[0] == 0
    cdef double t, lim
    if (w.shape[0] != p or pf.shape[0] != p or inv_norm.shape[0] != p
            or idx.shape[0] < m or score.shape[0] < m):
        raise ValueError("ws_candidates: arrays must have one entry per feature")
    _check_features(cols, p, "ws_candidates", "cols")
    with nogil:
        for i in range(m):
            j = i if all_cols else cols[i]
            if inv_norm[j] == 0:
                continue
            if w[j] != 0 or pf[j] <= 0:
                idx[k] = <int32_t> j
                score[k] = -INFINITY
                k += 1
                continue
            t = u[j] - l2 * pf[j] * w[j]
            if not positive:
                t = fabs(t)
            lim = l1 * pf[j]
            if t >= frac * lim:
                idx[k] = <int32_t> j
                score[k] = (lim - t) * inv_norm[j]
                k += 1
    return k


def residual_stats(const double[::1] rs, const double[::1] y_c,
                   const floating[::1] sw, double[::1] out,
                   const double[::1] rs_ref=None, double shift=0.0):
    """out = [sum sw rs, sum sw rs y_c, sum sw rs^2], one serial pass; with
    ``rs_ref`` also out[3] = sum sw (rs - rs_ref + shift)^2 in the same pass
    (the squared distance the screening's bounds take from a reference).

    (np.dot would hand these to a threaded BLAS, which costs more than it
    saves for a vector and stalls on a busy machine.)
    """
    cdef Py_ssize_t i, n = rs.shape[0]
    cdef bint has_sw = sw.shape[0] > 0
    cdef bint dist = rs_ref is not None
    cdef double s = 0.0, sy = 0.0, ss = 0.0, dd = 0.0, r, d
    if out.shape[0] < 3 + dist:
        raise ValueError(f"residual_stats: out has {out.shape[0]} entries, needs {3 + dist}")
    if y_c.shape[0] != n or (has_sw and sw.shape[0] != n) or (dist and rs_ref.shape[0] != n):
        raise ValueError("residual_stats: vectors of different lengths")
    with nogil:
        for i in range(n):
            r = rs[i] * sw[i] if has_sw else rs[i]
            s += r
            sy += r * y_c[i]
            ss += r * rs[i]
            if dist:
                d = rs[i] - rs_ref[i] + shift
                dd += d * d * sw[i] if has_sw else d * d
    out[0] = s
    out[1] = sy
    out[2] = ss
    if dist:
        out[3] = dd


def grad_dense_cols(const floating[::1, :] X, const floating[::1] v,
                    double offset, const floating[::1] mu,
                    const int32_t[::1] cols, double[::1] out):
    """out[k] = X[:, j]^T v + offset * mu_j for j = cols[k] (dense X)."""
    cdef Py_ssize_t n = X.shape[0], k
    cdef int32_t j
    with nogil:
        for k in range(cols.shape[0]):
            j = cols[k]
            # X[:, j] @ v
            out[k] = _dot(<int> n, &X[0, j], 1, &v[0], 1) + offset * mu[j]


def screen(const double[::1] u_ref, const double[::1] root, double delta,
           const floating[::1] w, const floating[::1] pf, double lim,
           bint positive, double[::1] bound, uint8_t[::1] skip,
           int32_t[::1] need):
    """Which gradient entries a screened pass must compute, in one pass.

    bound_j = u_ref_j (|u_ref_j| unless positive) + ||x_j|| delta bounds u_j
    for a residual within delta of the reference.  A feature is skipped
    (its bound stands in for u_j) when w_j = 0 and bound_j < lim pf_j; the
    others are written to need.  Returns how many need computing.
    """
    cdef Py_ssize_t j, k = 0, p = u_ref.shape[0]
    cdef double b
    if (root.shape[0] != p or w.shape[0] != p or pf.shape[0] != p
            or bound.shape[0] != p or skip.shape[0] != p or need.shape[0] < p):
        raise ValueError("screen: arrays must have one entry per feature")
    with nogil:
        for j in range(p):
            b = _upper(u_ref[j], root[j], delta, positive)
            bound[j] = b
            if w[j] == 0 and b < lim * pf[j]:
                skip[j] = 1
            else:
                skip[j] = 0
                need[k] = <int32_t> j
                k += 1
    return k


def extrapolated_bounds(const double[::1] u, const floating[::1] w,
                        const double[::1] root, double dist, bint positive,
                        const int32_t[::1] ws, const double[::1] u_ws,
                        double[::1] out):
    """Correlations of an extrapolated residual r_acc, or bounds of them.

    out_j = u_ws[k] for j = ws[k] (exact), else u_j (|u_j| unless positive)
    + ||x_j|| dist, an upper bound when ||r_acc - r|| <= dist and u_j bounds
    the correlation of r.  Returns False when some w_j != 0 lies outside ws
    (the gap needs exact correlations there).
    """
    cdef Py_ssize_t j, k, p = u.shape[0], outside = 0
    if (w.shape[0] != p or root.shape[0] != p or out.shape[0] != p
            or u_ws.shape[0] < ws.shape[0]):
        raise ValueError("extrapolated_bounds: arrays must have one entry per feature")
    _check_features(ws, p, "extrapolated_bounds", "ws")
    with nogil:
        for j in range(p):
            out[j] = _upper(u[j], root[j], dist, positive)
            if w[j] != 0:
                outside += 1
        for k in range(ws.shape[0]):
            j = ws[k]
            out[j] = u_ws[k]
            if w[j] != 0:
                outside -= 1
    return outside == 0


def rescreen(const double[::1] u, uint8_t[::1] skip, const floating[::1] pf,
             double lim, int32_t[::1] out):
    """Skipped features whose bound u_j has reached lim * pf_j (a smaller
    l1 at the same w): clears their flag and writes them to out; returns
    how many."""
    cdef Py_ssize_t j, k = 0, p = u.shape[0]
    if skip.shape[0] != p or pf.shape[0] != p or out.shape[0] < p:
        raise ValueError("rescreen: arrays must have one entry per feature")
    with nogil:
        for j in range(p):
            if skip[j] and u[j] >= lim * pf[j]:
                skip[j] = 0
                out[k] = <int32_t> j
                k += 1
    return k


def rows_subset(const floating[::1] data, const int32_t[::1] indices,
                const int64_t[::1] indptr, const int32_t[::1] slot,
                floating[::1] out_data, int32_t[::1] out_indices,
                int64_t[::1] out_indptr):
    """The columns j of CSR X with slot[j] >= 0, as a CSR matrix whose
    column slot[j] is X's column j (rows kept in order); out_data and
    out_indices must hold exactly their nonzeros."""
    cdef Py_ssize_t n = indptr.shape[0] - 1, i
    cdef int64_t t, k = 0
    cdef int32_t s
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const int32_t *ip = &indices[0] if indices.shape[0] else NULL
    if out_indptr.shape[0] != n + 1 or out_indices.shape[0] != out_data.shape[0]:
        raise ValueError(f"out_indptr must hold {n + 1} values and out_indices "
                         f"as many as out_data")
    with nogil:
        out_indptr[0] = 0
        for i in range(n):
            for t in range(indptr[i], indptr[i + 1]):
                s = slot[ip[t]]
                if s >= 0:
                    if k >= out_data.shape[0]:
                        with gil:
                            raise ValueError("out_data holds fewer values than the columns' nonzeros")
                    out_data[k] = dp[t]
                    out_indices[k] = s
                    k += 1
            out_indptr[i + 1] = k


def normal_matvec(const floating[::1] data, const int32_t[::1] indices,
                  const int64_t[::1] indptr, const floating[::1] sw,
                  const double[::1] mu, const double[::1] v, double[::1] out):
    """out = Xc^T S Xc v for CSR X (n x m), Xc = X - 1 mu^T (mu empty: X),
    S = diag(sw) (sw empty: I), in one read of X.

    Row by row, out += sw_i (xc_i . v) xc_i: v and out have one entry per
    column of X, so both stay in cache while X streams past.
    """
    cdef Py_ssize_t n = indptr.shape[0] - 1, m = out.shape[0], i, k
    cdef int64_t t
    cdef bint has_sw = sw.shape[0] > 0, centred = mu.shape[0] > 0
    cdef double dot, muv = 0.0, total = 0.0
    cdef const floating *dp = &data[0] if data.shape[0] else NULL
    cdef const int32_t *ip = &indices[0] if indices.shape[0] else NULL
    if v.shape[0] != m or (centred and mu.shape[0] != m):
        raise ValueError(f"v and mu must hold {m} values")
    if has_sw and sw.shape[0] != n:
        raise ValueError(f"sw must hold {n} values, got {sw.shape[0]}")
    with nogil:
        if centred:
            for k in range(m):
                muv = muv + mu[k] * v[k]
        for k in range(m):
            out[k] = 0.0
        for i in range(n):
            # dot = sw_i (x_i . v - mu . v); out += dot x_i
            dot = -muv
            for t in range(indptr[i], indptr[i + 1]):
                dot = dot + dp[t] * v[ip[t]]
            if has_sw:
                dot = dot * sw[i]
            total = total + dot
            for t in range(indptr[i], indptr[i + 1]):
                out[ip[t]] = out[ip[t]] + dot * dp[t]
        if centred:
            # out -= mu * sum_i dot_i
            for k in range(m):
                out[k] = out[k] - total * mu[k]
