# The only module of fastreg that cimports scipy.linalg.cython_blas/lapack.
# Fused float32/float64 wrappers; every one is noexcept nogil.
from cython cimport floating


cdef floating _dot(int n, const floating *x, int incx,
                   const floating *y, int incy) noexcept nogil
cdef void _axpy(int n, floating a, const floating *x, int incx,
                floating *y, int incy) noexcept nogil
cdef void _gemv_t(int m, int n, floating alpha, const floating *A, int lda,
                  const floating *x, floating beta, floating *y) noexcept nogil
