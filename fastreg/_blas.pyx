"""Fused-type wrappers around scipy.linalg.cython_blas and cython_lapack.

This is the only module of fastreg that talks to BLAS/LAPACK directly; the
kernels cimport these wrappers.  Each wrapper states its NumPy equivalent.
"""
from scipy.linalg.cython_blas cimport ddot, sdot, daxpy, saxpy, dgemv, sgemv


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


cdef void _gemv_t(int m, int n, floating alpha, const floating *A, int lda,
                  const floating *x, floating beta, floating *y) noexcept nogil:
    """y = alpha * A.T @ x + beta * y, with A (m, n) in Fortran order."""
    cdef char trans = b"T"
    cdef int inc = 1
    if floating is double:
        dgemv(&trans, &m, &n, &alpha, <double *> A, &lda, <double *> x, &inc,
              &beta, y, &inc)
    else:
        sgemv(&trans, &m, &n, &alpha, <float *> A, &lda, <float *> x, &inc,
              &beta, y, &inc)
