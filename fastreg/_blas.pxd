# The only module of fastreg that cimports scipy.linalg.cython_blas/lapack.
# Fused float32/float64 wrappers; every one is noexcept nogil.
from cython cimport floating

# the BLAS/LAPACK character arguments, as compile-time constants
cdef enum:
    C_L = 76    # 'L': lower triangle
    C_N = 78    # 'N': no transpose
    C_T = 84    # 'T': transpose
    C_V = 86    # 'V': eigenvectors too


cdef floating _dot(int n, const floating *x, int incx,
                   const floating *y, int incy) noexcept nogil
cdef void _axpy(int n, floating a, const floating *x, int incx,
                floating *y, int incy) noexcept nogil
cdef void _gemv(char trans, int m, int n, floating alpha, const floating *A,
                int lda, const floating *x, floating beta,
                floating *y) noexcept nogil
cdef void _syrk(char uplo, char trans, int n, int k, floating alpha,
                const floating *A, int lda, floating beta,
                floating *C, int ldc) noexcept nogil
cdef void _gemm(char transa, char transb, int m, int n, int k, floating alpha,
                const floating *A, int lda, const floating *B, int ldb,
                floating beta, floating *C, int ldc) noexcept nogil
cdef int _potrf(char uplo, int n, floating *A, int lda) noexcept nogil
cdef int _potrs(char uplo, int n, int nrhs, const floating *A, int lda,
                floating *B, int ldb) noexcept nogil
cdef int _pocon(char uplo, int n, const floating *A, int lda, floating anorm,
                floating *rcond, floating *work, int *iwork) noexcept nogil
cdef int _syevd(char jobz, char uplo, int n, floating *A, int lda, floating *w,
                floating *work, int lwork, int *iwork, int liwork) noexcept nogil
