"""Fused-type wrappers around scipy.linalg.cython_blas and cython_lapack.

This is the only module of fastreg that talks to BLAS/LAPACK directly; the
kernels cimport these wrappers.  Each wrapper states its NumPy equivalent.
"""
from scipy.linalg.cython_blas cimport (ddot, sdot, daxpy, saxpy, dgemv, sgemv,
                                       dsyrk, ssyrk, dgemm, sgemm)
from scipy.linalg.cython_lapack cimport (dpotrf, spotrf, dpotrs, spotrs, dpocon,
                                         spocon, dsyevd, ssyevd)


cdef floating _dot(int n, const floating *x, int incx,
                   const floating *y, int incy) noexcept nogil:
    """x @ y"""
    if floating is double:
        return ddot(&n, <double *> x, &incx, <double *> y, &incy)
    else:
        return sdot(&n, <float *> x, &incx, <float *> y, &incy)


cdef void _axpy(int n, floating a, const floating *x, int incx,
                floating *y, int incy) noexcept nogil:
    """y += a * x"""
    if floating is double:
        daxpy(&n, &a, <double *> x, &incx, y, &incy)
    else:
        saxpy(&n, &a, <float *> x, &incx, y, &incy)


cdef void _gemv(char trans, int m, int n, floating alpha, const floating *A,
                int lda, const floating *x, floating beta,
                floating *y) noexcept nogil:
    """y = alpha * op(A) @ x + beta * y, A (m, n) Fortran, op = trans ('N'/'T')."""
    cdef int inc = 1
    if floating is double:
        dgemv(&trans, &m, &n, &alpha, <double *> A, &lda, <double *> x, &inc,
              &beta, y, &inc)
    else:
        sgemv(&trans, &m, &n, &alpha, <float *> A, &lda, <float *> x, &inc,
              &beta, y, &inc)


cdef void _syrk(char uplo, char trans, int n, int k, floating alpha,
                const floating *A, int lda, floating beta,
                floating *C, int ldc) noexcept nogil:
    """C = alpha * A @ A.T + beta * C ('N') or alpha * A.T @ A + beta * C ('T'), one triangle."""
    if floating is double:
        dsyrk(&uplo, &trans, &n, &k, &alpha, <double *> A, &lda, &beta, C, &ldc)
    else:
        ssyrk(&uplo, &trans, &n, &k, &alpha, <float *> A, &lda, &beta, C, &ldc)


cdef void _gemm(char transa, char transb, int m, int n, int k, floating alpha,
                const floating *A, int lda, const floating *B, int ldb,
                floating beta, floating *C, int ldc) noexcept nogil:
    """C = alpha * op(A) @ op(B) + beta * C, op(M) = M ('N') or M.T ('T'), Fortran order."""
    if floating is double:
        dgemm(&transa, &transb, &m, &n, &k, &alpha, <double *> A, &lda,
              <double *> B, &ldb, &beta, C, &ldc)
    else:
        sgemm(&transa, &transb, &m, &n, &k, &alpha, <float *> A, &lda,
              <float *> B, &ldb, &beta, C, &ldc)


cdef int _potrf(char uplo, int n, floating *A, int lda) noexcept nogil:
    """A = L @ L.T in place (uplo 'L'), np.linalg.cholesky; returns LAPACK info."""
    cdef int info = 0
    if floating is double:
        dpotrf(&uplo, &n, A, &lda, &info)
    else:
        spotrf(&uplo, &n, A, &lda, &info)
    return info


cdef int _potrs(char uplo, int n, int nrhs, const floating *A, int lda,
                floating *B, int ldb) noexcept nogil:
    """B = (L @ L.T)^-1 @ B in place from the potrf factor; returns LAPACK info."""
    cdef int info = 0
    if floating is double:
        dpotrs(&uplo, &n, &nrhs, <double *> A, &lda, B, &ldb, &info)
    else:
        spotrs(&uplo, &n, &nrhs, <float *> A, &lda, B, &ldb, &info)
    return info


cdef int _pocon(char uplo, int n, const floating *A, int lda, floating anorm,
                floating *rcond, floating *work, int *iwork) noexcept nogil:
    """rcond ~ 1 / (||A||_1 ||A^-1||_1) from the potrf factor; work 3n, iwork n."""
    cdef int info = 0
    if floating is double:
        dpocon(&uplo, &n, <double *> A, &lda, &anorm, rcond, work, iwork, &info)
    else:
        spocon(&uplo, &n, <float *> A, &lda, &anorm, rcond, work, iwork, &info)
    return info


cdef int _syevd(char jobz, char uplo, int n, floating *A, int lda, floating *w,
                floating *work, int lwork, int *iwork, int liwork) noexcept nogil:
    """w, A = np.linalg.eigh(A) in place (ascending w); lwork=-1 queries sizes."""
    cdef int info = 0
    if floating is double:
        dsyevd(&jobz, &uplo, &n, A, &lda, w, work, &lwork, iwork, &liwork, &info)
    else:
        ssyevd(&jobz, &uplo, &n, A, &lda, w, work, &lwork, iwork, &liwork, &info)
    return info
