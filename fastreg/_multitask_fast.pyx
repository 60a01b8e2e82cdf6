# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: language_level=3
"""Multi-task (group) elastic net: one epoch of block coordinate descent.

For each feature j in turn, with R = Y - X W the residual (n, T) and
``n2_j = ||x_j||^2``, the block W_j (T,) is replaced by its exact minimiser::

    t = x_j^T R + n2_j W_j,   W_j <- t * max(0, 1 - l1 / ||t||) / (n2_j + l2)

and R updated.  Pure numerics in float64; the stopping rule, the gap and
the path are in ``fastreg._multitask``.
"""
from libc.math cimport sqrt
from libc.stdlib cimport malloc, free
from libc.stdint cimport int32_t, int64_t

ctypedef fused index_t:
    int32_t
    int64_t


cdef inline double _block_step(double *tmp, Py_ssize_t T, double *wj,
                               double n2, double l1, double l2, double *d) noexcept nogil:
    """New block from t (in tmp); tmp receives the changes; returns ||W_j||."""
    cdef Py_ssize_t t
    cdef double nrm = 0.0, scale, w2 = 0.0, new
    for t in range(T):
        nrm += tmp[t] * tmp[t]
    nrm = sqrt(nrm)
    scale = 0.0 if nrm <= l1 else (1.0 - l1 / nrm) / (n2 + l2)
    d[0] = 0.0
    for t in range(T):
        new = tmp[t] * scale
        tmp[t] = new - wj[t]
        d[0] += tmp[t] * tmp[t]
        wj[t] = new
        w2 += new * new
    d[0] = sqrt(d[0])
    return sqrt(w2)


def epoch_dense(const double[::1, :] X, double[::1, :] R, double[:, ::1] W,
                const double[::1] norms2, double l1, double l2):
    """One cyclic epoch over every feature of dense X (n, p), in place on R
    (n, T) and W (p, T).  Returns (max_j ||dW_j||, max_j ||W_j||)."""
    cdef Py_ssize_t n = X.shape[0], p = X.shape[1], T = R.shape[1], i, j, t
    cdef double s, d, wn, dmax = 0.0, wmax = 0.0
    cdef double *tmp = <double *> malloc(max(T, 1) * sizeof(double))
    if tmp == NULL:
        raise MemoryError()
    with nogil:
        for j in range(p):
            if norms2[j] == 0.0:
                continue
            for t in range(T):
                s = norms2[j] * W[j, t]
                for i in range(n):
                    s = s + X[i, j] * R[i, t]
                tmp[t] = s
            wn = _block_step(tmp, T, &W[j, 0], norms2[j], l1, l2, &d)
            if d != 0.0:
                for t in range(T):
                    if tmp[t] != 0.0:
                        for i in range(n):
                            R[i, t] -= X[i, j] * tmp[t]
            dmax = max(dmax, d)
            wmax = max(wmax, wn)
    free(tmp)
    return dmax, wmax


def epoch_sparse(const double[::1] data, const index_t[::1] indices,
                 const index_t[::1] indptr, double[::1, :] R, double[:, ::1] W,
                 const double[::1] norms2, double l1, double l2):
    """``epoch_dense`` for CSC X given by (data, indices, indptr)."""
    cdef Py_ssize_t p = indptr.shape[0] - 1, T = R.shape[1], j, t
    cdef index_t k
    cdef double s, d, wn, dmax = 0.0, wmax = 0.0
    cdef double *tmp = <double *> malloc(max(T, 1) * sizeof(double))
    if tmp == NULL:
        raise MemoryError()
    with nogil:
        for j in range(p):
            if norms2[j] == 0.0:
                continue
            for t in range(T):
                s = norms2[j] * W[j, t]
                for k in range(indptr[j], indptr[j + 1]):
                    s = s + data[k] * R[indices[k], t]
                tmp[t] = s
            wn = _block_step(tmp, T, &W[j, 0], norms2[j], l1, l2, &d)
            if d != 0.0:
                for t in range(T):
                    if tmp[t] != 0.0:
                        for k in range(indptr[j], indptr[j + 1]):
                            R[indices[k], t] -= data[k] * tmp[t]
            dmax = max(dmax, d)
            wmax = max(wmax, wn)
    free(tmp)
    return dmax, wmax
