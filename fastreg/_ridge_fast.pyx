"""Ridge kernels: Gram by syrk, Cholesky solve, symmetric eigendecomposition,
weighted column moments of sparse X.

Pure numerics on contiguous typed buffers, no validation and no warnings:
every function returns LAPACK's ``info`` (and an rcond estimate) and
``fastreg._ridge`` decides what those numbers mean.

X is passed as a Fortran 2-D buffer ``A`` with a flag saying whether it holds
X itself (n_samples, n_features) or X.T (a C-ordered X seen as Fortran), so
neither layout is ever copied.
"""
from cython cimport floating
from libc.math cimport fabs
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport malloc, free

from ._blas cimport (C_L, C_N, C_T, C_V, _gemm, _gemv, _pocon, _potrf, _potrs,
                    _syevd, _syrk)

ctypedef fused index_t:
    int32_t
    int64_t


def gram(const floating[::1, :] A, bint a_is_xt, const floating[::1, :] B,
         floating[::1, :] G, floating[::1, :] C, int block):
    """G = X.T @ X (lower triangle) and C = X.T @ B, X = A or A.T.

    syrk runs in blocks of ``block`` rows of X (``block <= 0``: one call).
    X.T @ B is one more pass over X: a gemv per column when B has at most
    4 columns (a gemm with so few columns packs all of X: measured ~4x
    slower), else one gemm.  B has n_samples rows (it may have 0 columns).
    """
    cdef int n = A.shape[1] if a_is_xt else A.shape[0]
    cdef int p = A.shape[0] if a_is_xt else A.shape[1]
    cdef int lda = A.shape[0]
    cdef int m = B.shape[1]
    cdef int ldb = B.shape[0]
    cdef int start, size, k
    cdef floating one = 1.0, zero = 0.0
    cdef floating beta
    if n == 0 or p == 0:
        G[:, :] = 0
        if m > 0:
            C[:, :] = 0
        return
    if block <= 0 or block >= n:
        block = n
    with nogil:
        start = 0
        while start < n:
            size = min(block, n - start)
            beta = zero if start == 0 else one
            if a_is_xt:
                # G += A[:, blk] @ A[:, blk].T
                _syrk(C_L, C_N, p, size, one, &A[0, start], lda, beta, &G[0, 0], p)
            else:
                # G += A[blk].T @ A[blk]
                _syrk(C_L, C_T, p, size, one, &A[start, 0], lda, beta, &G[0, 0], p)
            start += size
        if m > 4:
            if a_is_xt:
                # C = A @ B
                _gemm(C_N, C_N, p, m, n, one, &A[0, 0], lda, &B[0, 0], ldb,
                      zero, &C[0, 0], p)
            else:
                # C = A.T @ B
                _gemm(C_T, C_N, p, m, n, one, &A[0, 0], lda, &B[0, 0], ldb,
                      zero, &C[0, 0], p)
        else:
            for k in range(m):
                if a_is_xt:
                    # C[:, k] = A @ B[:, k]
                    _gemv(C_N, p, n, one, &A[0, 0], lda, &B[0, k], zero, &C[0, k])
                else:
                    # C[:, k] = A.T @ B[:, k]
                    _gemv(C_T, n, p, one, &A[0, 0], lda, &B[0, k], zero, &C[0, k])


def finish_gram(floating[::1, :] G, const floating[::1] u, double c):
    """G = tril(G) - c * outer(u, u), then mirrored to a full symmetric matrix.

    ``c = 0`` (or an empty u) only mirrors the lower triangle.
    """
    cdef int p = G.shape[0]
    cdef int i, j
    cdef bint center = c != 0 and u.shape[0] == p
    with nogil:
        for j in range(p):
            if center:
                # G[j:, j] -= c * u[j] * u[j:]
                for i in range(j, p):
                    G[i, j] -= <floating> (c * u[i] * u[j])
            for i in range(j + 1, p):
                G[j, i] = G[i, j]


def chol_solve(floating[::1, :] G, double alpha, floating[::1, :] B,
               floating[::1] diag):
    """B = (G + alpha I)^-1 @ B by potrf/potrs; returns (info, rcond).

    G must be full symmetric on entry; on return its lower triangle holds
    the Cholesky factor, its strict upper triangle is untouched and ``diag``
    holds G's original diagonal (see ``restore``).  ``info > 0``: the leading
    minor of that order is not positive definite and B is unchanged.
    ``rcond`` is LAPACK's estimate of 1 / cond_1(G + alpha I).
    """
    cdef int p = G.shape[0]
    cdef int m = B.shape[1]
    cdef int i, j, info = 0
    cdef floating anorm = 0, colsum, rcond = 0
    cdef floating *work
    cdef int *iwork
    if p == 0:
        return 0, 1.0
    with nogil:
        for j in range(p):
            diag[j] = G[j, j]
            # G[j, j] += alpha
            G[j, j] = G[j, j] + <floating> alpha
        # anorm = np.abs(G + alpha I).sum(axis=0).max(), from the lower triangle
        for j in range(p):
            colsum = 0
            for i in range(j):
                colsum = colsum + fabs(G[j, i])
            for i in range(j, p):
                colsum = colsum + fabs(G[i, j])
            if colsum > anorm:
                anorm = colsum
        # G = L @ L.T
        info = _potrf(C_L, p, &G[0, 0], p)
        if info == 0:
            work = <floating *> malloc(3 * p * sizeof(floating))
            iwork = <int *> malloc(p * sizeof(int))
            if work != NULL and iwork != NULL:
                _pocon(C_L, p, &G[0, 0], p, anorm, &rcond, work, iwork)
            else:
                rcond = -1
            free(work)
            free(iwork)
            if m > 0:
                # B = (L @ L.T)^-1 @ B
                info = _potrs(C_L, p, m, &G[0, 0], p, &B[0, 0], p)
    return info, float(rcond)


def restore(floating[::1, :] G, const floating[::1] diag):
    """Undo ``chol_solve`` on G: lower triangle from the upper one, old diagonal."""
    cdef int p = G.shape[0]
    cdef int i, j
    with nogil:
        for j in range(p):
            G[j, j] = diag[j]
            for i in range(j + 1, p):
                G[i, j] = G[j, i]


def eigh(floating[::1, :] G, floating[::1] w):
    """w, G = np.linalg.eigh(G) in place (syevd, lower triangle); returns info.

    -1000 means the workspace could not be allocated.
    """
    cdef int p = G.shape[0]
    cdef int info, lwork, liwork
    cdef floating wq = 0
    cdef int iwq = 0
    cdef floating *work
    cdef int *iwork
    if p == 0:
        return 0
    with nogil:
        # workspace query
        info = _syevd(C_V, C_L, p, &G[0, 0], p, &w[0], &wq, -1, &iwq, -1)
        if info == 0:
            lwork = <int> wq + 1
            liwork = iwq
            work = <floating *> malloc(lwork * sizeof(floating))
            iwork = <int *> malloc(liwork * sizeof(int))
            if work == NULL or iwork == NULL:
                info = -1000
            else:
                info = _syevd(C_V, C_L, p, &G[0, 0], p, &w[0], work, lwork,
                              iwork, liwork)
            free(work)
            free(iwork)
    return info


def column_moments(const floating[::1] data, const index_t[::1] indices,
                   const index_t[::1] indptr, bint csc, const double[::1] sw,
                   double W, double[:, ::1] out):
    """Weighted moments of each column of sparse X over its stored entries.

    X is CSC (``csc``: indptr runs over columns) or CSR, with no duplicate
    entries; sw has n_samples entries, W = sum(sw).  Two passes, so the
    spread of a column with a large mean keeps its digits::

        out[0, j] = sum_i sw_i X_ij / W                  (the weighted mean)
        out[1, j] = sum_{i stored} sw_i (X_ij - out[0, j])^2
        out[2, j] = sum_{i stored} sw_i
    """
    cdef Py_ssize_t n_major = indptr.shape[0] - 1
    cdef Py_ssize_t p = out.shape[1]
    cdef Py_ssize_t m, j, i
    cdef index_t t
    cdef double d
    with nogil:
        out[:, :] = 0
        for m in range(n_major):
            for t in range(indptr[m], indptr[m + 1]):
                j = m if csc else indices[t]
                i = indices[t] if csc else m
                # out[0, j] += sw_i X_ij; out[2, j] += sw_i
                out[0, j] += sw[i] * data[t]
                out[2, j] += sw[i]
        for j in range(p):
            out[0, j] /= W
        for m in range(n_major):
            for t in range(indptr[m], indptr[m + 1]):
                j = m if csc else indices[t]
                i = indices[t] if csc else m
                # out[1, j] += sw_i (X_ij - mean_j)^2
                d = data[t] - out[0, j]
                out[1, j] += sw[i] * d * d
