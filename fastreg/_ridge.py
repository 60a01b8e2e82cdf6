"""Ridge regression: primal/dual choice, many alphas from one factorization.

Every Ridge object here minimises scikit-learn's ``Ridge`` objective::

    sum_i sw_i (y_i - x_i w - b)^2 + alpha * ||w||^2

(sw = 1 without sample weights; b = 0 without an intercept).  With an
intercept the normal equations are written for the weighted-centred data
``X_c = X - 1 xm^T`` (xm = X^T sw / W, W = sum(sw)) without ever forming
X_c: the centring is a rank-one correction of the Gram matrix (or a rank-two
correction of the kernel matrix), so sparse X is never densified.  Columns
whose mean dwarfs their spread would lose their digits to that correction:
they are centred explicitly in a copy first (``build_system``).

Every long compiled phase (Gram, Cholesky, eigendecomposition, large
products) runs through ``fastreg._interrupt.interruptible``, so Ctrl-C
reaches the caller within a fraction of a second.

Numerics live in ``_ridge_fast`` (syrk, potrf/potrs, syevd); this module
decides the form (primal ``X^T X`` when n_samples >= n_features, dual
``X X^T`` otherwise), reads LAPACK's ``info`` and rcond, and falls back to an
eigendecomposition with a warning when the system is numerically singular.
"""
import operator
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.linalg import LinAlgWarning
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import validate_data

from . import _ridge_fast
from ._estimators import LinearPredictMixin
from ._interrupt import interruptible
from ._offsets import centre_columns, offset_columns
from ._validation import (check_alpha_entries, check_bool, check_choice,
                          check_sample_weight, check_scalar_param)

# rows of X per syrk call (0: one call; blocks only add thread barriers)
_GRAM_BLOCK = 0
# sparse X: largest system (min(n_samples, n_features)) solved directly
_SPARSE_DIRECT_MAX = 4096
# ... and when its dim^2 entries are at most this many times nnz(X)
_SPARSE_DENSE_RATIO = 50
# RidgeCV: bytes of X @ V held at once
_CV_BLOCK_BYTES = 1 << 25

# scikit-learn's solver names (and fastreg's 'cg'); see Ridge's docstring for
# what each computes
_SOLVERS = ["auto", "svd", "cholesky", "lsqr", "sparse_cg", "cg", "sag", "saga",
            "lbfgs"]
# positive=True: coordinate-descent epochs at most when max_iter is None
_POSITIVE_MAX_ITER = 15000


# ---------------------------------------------------------------- validation
def check_ridge_alpha(alpha, n_targets, *, name="alpha"):
    """A scalar or one value per target, finite and >= 0 -> array (n_targets,)."""
    if np.ndim(alpha) == 0:
        check_scalar_param(alpha if not isinstance(alpha, np.generic)
                           else alpha.item(), name, low=0)
        return np.full(n_targets, float(alpha))
    arr = np.asarray(alpha)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    arr = arr.astype(np.float64).ravel()
    if arr.shape[0] != n_targets:
        raise ValueError(
            f"Number of targets and number of penalties do not correspond: "
            f"{arr.shape[0]} != {n_targets} ({name} must be a scalar or have one "
            f"value per target)")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr.tolist()!r}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got {arr.tolist()!r}")
    return arr


def check_cv_alphas(alphas, *, name="alphas", positive=True):
    """A scalar or a non-empty 1-D array of finite alphas > 0 (>= 0 without
    ``positive``), order kept."""
    check_alpha_entries(alphas, positive=positive)
    arr = np.asarray(alphas)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got {alphas!r}")
    arr = np.atleast_1d(arr.astype(np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{name} must be a scalar or a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr.tolist()!r}")
    bad = np.flatnonzero((arr <= 0) if positive else (arr < 0))
    if bad.size:
        rule = ">" if positive else ">="
        raise ValueError(f"{name}[{bad[0]}] == {arr[bad[0]]}, must be {rule} 0.0. "
                         f"({name} must be {rule} 0, got {arr.tolist()!r})")
    return arr


def _check_X_finite(X, M, C):
    """Finite check of dense X read off diag(X^T X) and X^T B (no extra pass)."""
    if np.all(np.isfinite(np.diagonal(M))) and np.all(np.isfinite(C)):
        return
    assert_all_finite(X, input_name="X")
    raise ValueError("X has entries so large that X^T X overflows "
                     f"{X.dtype}; rescale X")


def _validate_fit_data(est, X, y, sample_weight):
    X, y = validate_data(est, X, y, accept_sparse=["csr", "csc"],
                         dtype=[np.float64, np.float32], multi_output=True,
                         y_numeric=True, ensure_all_finite=False, order=None)
    if sp.issparse(X):
        assert_all_finite(X.data, input_name="X")
    y = np.asarray(y, dtype=X.dtype)
    if y.ndim == 2 and y.shape[1] == 0:
        raise ValueError(f"y must have at least one target, got shape {y.shape}")
    sw = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    return X, y, sw


# ------------------------------------------------------------ normal equations
@dataclass
class _System:
    """The centred, weighted normal equations of one (X, Y, sw) problem.

    Primal (``dual=False``): ``(M + alpha I) w = rhs`` with M = X_c^T S X_c
    (p, p) and rhs = X_c^T S y_c.  Dual: ``(M + alpha I) a = rhs`` with
    M = S^1/2 X_c X_c^T S^1/2 (n, n), rhs = S^1/2 y_c and
    w = X_c^T S^1/2 a.  S = diag(sw); M is full symmetric and Fortran.

    The system is that of ``X = X_user - shift``: ``shift`` holds the
    offsets of the columns centred explicitly (0 elsewhere), so ``xm`` are
    the means of X and the intercepts ``ym - (xm + shift) @ w``.
    """
    M: np.ndarray
    rhs: np.ndarray            # (dim, n_targets), Fortran
    dual: bool
    xm: np.ndarray             # (p,) weighted column means of X (zeros: no intercept)
    ym: np.ndarray             # (n_targets,)
    W: float
    X: object                  # the X the system describes (X_user - shift)
    shift: np.ndarray          # (p,) float64
    s: np.ndarray = None       # sqrt(sw) (dual only), None = ones
    Xs: object = None          # S^1/2 X (dual only: maps a back to w)

    def to_coef(self, A):
        """System solution(s) (dim, k) -> coefficients (p, k)."""
        if not self.dual:
            return A
        s = np.ones(A.shape[0], A.dtype) if self.s is None else self.s
        out = np.asarray(_product(self.Xs.T, A))
        # w = X_c^T S^1/2 a = Xs^T a - xm (s^T a)
        return out - np.outer(self.xm, s @ A).astype(out.dtype)

    def intercepts(self, coef):
        """Intercepts (k,) on the user's X of coefficients (p, k)."""
        return self.ym - (self.xm + self.shift) @ coef.astype(np.float64)


def _product(A, B):
    """A @ B (A dense or sparse, B dense), interruptible when large."""
    k = B.shape[1] if B.ndim == 2 else 1
    flops = 2.0 * k * (A.nnz if sp.issparse(A) else A.shape[0] * A.shape[1])
    return interruptible(operator.matmul, A, B, flops=flops)


def _system_flops(X, dual):
    """Rough cost of build_system plus one factorization of its matrix."""
    n, p = X.shape
    dim = min(n, p)
    if sp.issparse(X):
        # X^T X by sparse products: about nnz^2 / n (X X^T: nnz^2 / p)
        gram = float(X.nnz) ** 2 / (p if dual else n)
    else:
        gram = float(n) * p * dim
    return gram + float(dim) ** 3 / 3


def _scaled_rows(X, s):
    """diag(s) @ X in X's layout (X itself when s is None)."""
    if s is None:
        return X
    if sp.issparse(X):
        return X.multiply(s[:, None]).asformat(X.format)
    return X * s[:, None]


def _fortran_view(X):
    """(A, a_is_xt): a Fortran buffer holding X or X.T, copying neither if possible."""
    if X.flags.f_contiguous:
        return X, False
    if X.flags.c_contiguous:
        return X.T, True
    return np.asfortranarray(X), False


def _dense_gram(X, B):
    """(X^T X, X^T B) for dense X in one blocked pass; M lower triangle only."""
    n, p = X.shape
    A, a_is_xt = _fortran_view(X)
    M = np.empty((p, p), dtype=X.dtype, order="F")
    C = np.empty((p, B.shape[1]), dtype=X.dtype, order="F")
    _ridge_fast.gram(A, a_is_xt, np.asfortranarray(B), M, C, _GRAM_BLOCK)
    return M, C


def _cancellation(d_raw, d_centred, dtype):
    """True when centring the Gram lost more than half of the digits."""
    limit = 1.0 / np.sqrt(np.finfo(dtype).eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        return bool(np.any((d_raw > 0) & (d_centred * limit < d_raw)))


def _centred_dense_copy(X, sw, W):
    """(X - shift, shift) for dense X: shift = the weighted column means,
    computed in float64; the copy is Fortran, rounded once to X's dtype."""
    w = np.ones(X.shape[0]) if sw is None else sw.astype(np.float64)
    shift = (w @ X) / W
    Xc = np.subtract(X, shift, out=np.empty(X.shape, X.dtype, order="F"),
                     casting="same_kind")
    return Xc, shift


def centre_offset_columns(X, sw):
    """Sparse X with its large-offset columns centred in a copy: (X_new, shift).

    The rule is the one of the lasso path (``fastreg._offsets``): a column
    whose weighted mean exceeds ``MAX_OFFSET_RATIO[X.dtype]`` (100 for
    float64, 10 for float32) times its weighted spread would lose about
    ``2 log10(ratio)`` digits to implicit centring; such a column is nearly
    full (a fraction z of zeros bounds the ratio by ``1 / sqrt(z)``), so it
    is stored centred, every row, at about the memory it already takes.
    The means and spreads come from one two-pass compiled sweep over the
    stored entries (no cancellation, no copy of X).

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features), CSC or CSR
    sw : ndarray of shape (n_samples,) or None

    Returns
    -------
    X_new : sparse matrix, X's format
        X itself when no column qualifies; X is never modified.
    shift : ndarray of shape (n_features,), float64
        The means subtracted (0 for untouched columns): an intercept b'
        fitted on X_new is ``b' - shift @ coef`` on X.
    """
    n, p = X.shape
    A = X
    if not A.has_canonical_format:
        A = X.copy()
        A.sum_duplicates()
    w = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)
    W = float(np.sum(w))
    moments = np.empty((3, p))
    # one index type for both arrays, the wider one (nnz may pass 2^31)
    idx_t = np.result_type(A.indices.dtype, A.indptr.dtype)
    _ridge_fast.column_moments(A.data, A.indices.astype(idx_t, copy=False),
                               A.indptr.astype(idx_t, copy=False),
                               A.format == "csc", w, W, moments)
    mean, m2, w_stored = moments
    # the implicit zeros lie |mean_j| from the mean (a full column leaves
    # rounding in W - w_stored: ~sqrt(eps) |mean_j| of spread at most)
    sq_norms = m2 + np.maximum(W - w_stored, 0.0) * mean * mean
    cols = offset_columns(A, mean, sq_norms, W)
    if not cols.any():
        return X, np.zeros(p)
    return centre_columns(A, cols, sw)


def _weighting(Y, sw, fit_intercept, dtype):
    """(W, s, ones, Ys, ym): sum(sw), sqrt(sw) (None without weights), s or
    ones in dtype, S^1/2 Y, and the weighted target means (0: no intercept)."""
    n = Y.shape[0]
    W = float(n if sw is None else np.sum(sw, dtype=np.float64))
    s = None if sw is None else np.sqrt(sw)
    ones = np.ones(n, dtype) if s is None else s
    Ys = Y if s is None else Y * s[:, None]
    ym = (np.zeros(Y.shape[1]) if not fit_intercept else
          (Y.mean(axis=0, dtype=np.float64) if sw is None
           else (sw @ Y.astype(np.float64)) / W))
    return W, s, ones, Ys, ym


def _primal_system(X, Y, sw, fit_intercept, shift):
    """(system, lost): the primal equations of X (= X_user - shift), ``lost``
    when dense X's implicit centring lost more than half of the digits (see
    ``_cancellation``)."""
    n, p = X.shape
    dt = X.dtype
    W, s, ones, Ys, ym = _weighting(Y, sw, fit_intercept, dt)
    Xs = _scaled_rows(X, s)
    if sp.issparse(X):
        M = np.asfortranarray((Xs.T @ Xs).toarray())
        C = np.asarray(Xs.T @ np.column_stack([ones, Ys]))
    else:
        B = np.empty((n, Y.shape[1] + 1), dtype=dt, order="F")
        B[:, 0] = ones
        B[:, 1:] = Ys
        M, C = _dense_gram(Xs, B if fit_intercept else B[:, 1:])
        _check_X_finite(X, M, C)
        if not fit_intercept:
            C = np.column_stack([np.zeros(p, dt), C])
    u = C[:, 0].astype(np.float64)                 # X^T sw
    xm = u / W if fit_intercept else np.zeros(p)
    lost = False
    if fit_intercept:
        d_raw = np.diagonal(M).astype(np.float64)
        _ridge_fast.finish_gram(M, u.astype(dt), 1.0 / W)
        # rhs = X^T S y - W xm ym^T
        rhs = np.asfortranarray((C[:, 1:] - np.outer(u, ym)).astype(dt))
        lost = not sp.issparse(X) and _cancellation(d_raw, np.diagonal(M), dt)
    else:
        _ridge_fast.finish_gram(M, np.zeros(0, dt), 0.0)
        rhs = np.asfortranarray(C[:, 1:].astype(dt))
    return _System(M, rhs, False, xm, ym, W, X, shift), lost


def _dual_system(X, Y, sw, fit_intercept, shift):
    """(system, lost): the dual (kernel) equations, as ``_primal_system``."""
    n, p = X.shape
    dt = X.dtype
    W, s, ones, Ys, ym = _weighting(Y, sw, fit_intercept, dt)
    Xs = _scaled_rows(X, s)
    # the kernel S^1/2 X X^T S^1/2 (n, n)
    if sp.issparse(X):
        M = np.asfortranarray((Xs @ Xs.T).toarray())
    else:
        A, a_is_xt = _fortran_view(Xs)
        M = np.empty((n, n), dtype=dt, order="F")
        _ridge_fast.gram(A, not a_is_xt, np.empty((p, 0), dt, order="F"), M,
                         np.empty((n, 0), dt, order="F"), 0)
        if not np.all(np.isfinite(np.diagonal(M))):
            assert_all_finite(X, input_name="X")
        _ridge_fast.finish_gram(M, np.zeros(0, dt), 0.0)
    rhs = Ys.astype(np.float64)
    xm = np.zeros(p)
    lost = False
    if fit_intercept:
        d_raw = np.diagonal(M).astype(np.float64)
        xm = np.asarray(Xs.T @ ones, dtype=np.float64).ravel() / W
        q = np.asarray(Xs @ xm.astype(dt), dtype=np.float64).ravel()
        o = ones.astype(np.float64)
        # K_c = K - q o^T - o q^T + (xm.xm) o o^T
        corr = np.outer(q, o)
        corr += corr.T
        corr -= (xm @ xm) * np.outer(o, o)
        M -= corr.astype(dt)
        rhs -= np.outer(o, ym)
        lost = not sp.issparse(X) and _cancellation(d_raw, np.diagonal(M), dt)
    if not np.all(np.isfinite(rhs)):
        assert_all_finite(X, input_name="X")
    return _System(M, np.asfortranarray(rhs.astype(dt)), True, xm, ym, W, X,
                   shift, s, Xs), lost


def build_system(X, Y, sw, *, fit_intercept, dual):
    """Centred weighted normal equations (primal or dual) of a ridge problem.

    With an intercept, columns whose mean dwarfs their spread are centred
    explicitly first, since the implicit centring would lose their digits:
    sparse X gets those columns centred in a copy (``centre_offset_columns``);
    dense X, when centring the Gram or kernel matrix lost more than half of
    the digits of a diagonal entry, is copied whole, centred, and the system
    built again.  ``system.X`` and ``system.shift`` say which X was used.
    """
    shift = np.zeros(X.shape[1])
    if fit_intercept and sp.issparse(X):
        X, shift = centre_offset_columns(X, sw)
    build = _dual_system if dual else _primal_system
    system, lost = build(X, Y, sw, fit_intercept, shift)
    if lost:
        # large column means: centre a copy of dense X
        W = system.W
        del system
        Xc, shift = _centred_dense_copy(X, sw, W)
        system, _ = build(Xc, Y, sw, fit_intercept, shift)
    return system


# -------------------------------------------------------------------- solvers
def _chol_solve_restore(M, alpha, B):
    """_ridge_fast.chol_solve on M, then M restored: (info, rcond)."""
    diag = np.empty(M.shape[0], dtype=M.dtype)
    info_rcond = _ridge_fast.chol_solve(M, alpha, B, diag)
    _ridge_fast.restore(M, diag)
    return info_rcond


def cholesky_solve(M, alpha, B):
    """(M + alpha I)^-1 @ B by potrf/potrs; returns (X, rcond).

    M is left unchanged (after an interrupt it may be left factorized).
    Raises ``numpy.linalg.LinAlgError`` naming the leading minor that is not
    positive definite when LAPACK's info > 0.
    """
    B = np.array(B, dtype=M.dtype, order="F", copy=True)
    dim = M.shape[0]
    info, rcond = interruptible(_chol_solve_restore, M, float(alpha), B,
                                flops=dim ** 3 / 3 + 2.0 * dim * dim * B.shape[1])
    if info > 0:
        raise np.linalg.LinAlgError(
            f"the ridge system matrix (X^T X + alpha I or X X^T + alpha I, "
            f"alpha={float(alpha)!r}) is not positive definite: its leading "
            f"minor of order {info} is not positive (LAPACK potrf info={info})")
    if info < 0:
        raise RuntimeError(f"LAPACK potrf/potrs: argument {-info} is invalid")
    return B, rcond


def eigen_decompose(M, dtype=None):
    """(eigenvalues ascending, eigenvectors) of the symmetric M by syevd."""
    V = np.array(M, dtype=dtype or M.dtype, order="F", copy=True)
    w = np.empty(V.shape[0], dtype=V.dtype)
    info = interruptible(_ridge_fast.eigh, V, w, flops=10.0 * V.shape[0] ** 3)
    if info > 0:
        raise np.linalg.LinAlgError(
            f"the eigendecomposition (LAPACK syevd) did not converge: {info} "
            "off-diagonal elements did not reach zero")
    if info == -1000:
        raise MemoryError("no memory for the syevd workspace")
    return np.maximum(w, 0), V


def _spectral_inverse(lam, alphas, dtype):
    """1 / (lam + alpha) for each alpha (columns), 0 below the pinv cut-off."""
    d = lam[:, None] + np.asarray(alphas, dtype=np.float64)[None, :]
    cut = np.finfo(dtype).eps * lam.shape[0] * np.maximum(d.max(axis=0), 1e-300)
    with np.errstate(divide="ignore"):
        return np.where(d > cut[None, :], 1.0 / d, 0.0)


def solve_system(system, alphas):
    """Coefficients (p, n_targets) for one alpha per target, by Cholesky.

    One factorization per distinct alpha.  LAPACK info > 0 or an rcond below
    eps (scipy.linalg.solve's rule) means the system is numerically singular:
    it is then solved by an eigendecomposition (pseudo-inverse) with a
    ``LinAlgWarning``.
    """
    M, rhs = system.M, system.rhs
    dim = M.shape[0]
    out = np.empty((dim, rhs.shape[1]), dtype=M.dtype)
    eps = np.finfo(M.dtype).eps
    eig = None
    for a in np.unique(alphas):
        idx = np.flatnonzero(alphas == a)
        reason = None
        try:
            sol, rcond = cholesky_solve(M, a, rhs[:, idx])
            if not (rcond >= eps):
                reason = f"it is ill-conditioned (rcond={rcond:.3g})"
        except np.linalg.LinAlgError as exc:
            reason = str(exc)
        if reason is not None:
            warnings.warn(
                f"Singular ridge system for alpha={float(a)!r}: {reason}; solved "
                "by eigendecomposition (minimum-norm solution) instead.",
                LinAlgWarning, stacklevel=3)
            if eig is None:
                eig = eigen_decompose(M)
            lam, V = eig
            inv = _spectral_inverse(lam, [a], M.dtype)[:, 0]
            Z = _product(V.T, rhs[:, idx]) * inv[:, None].astype(M.dtype)
            sol = _product(V, Z)
        out[:, idx] = sol
    return system.to_coef(out)


def cg_solve(X, Y, sw, alphas, *, fit_intercept, tol, max_iter):
    """Primal conjugate gradient with implicit centring (X never densified).

    Jacobi-preconditioned ``scipy.sparse.linalg.cg`` on
    ``(X_c^T S X_c + alpha I) w = X_c^T S y_c``, relative tolerance ``tol``
    (alpha below rounding: not preconditioned, so the minimum-norm
    solution).
    Columns with large offsets are centred explicitly first (sparse X:
    ``centre_offset_columns``; dense X: a centred copy when the centred
    diagonal lost half of its digits, as in ``build_system``).  Returns
    (coef (p, n_targets), xm, ym, n_iter (n_targets,), converged), xm being
    the means of the user's X.
    """
    n, p = X.shape
    dt = X.dtype
    shift = np.zeros(p)
    if fit_intercept and sp.issparse(X):
        X, shift = centre_offset_columns(X, sw)
    swv = np.ones(n, dt) if sw is None else sw
    W = float(np.sum(swv, dtype=np.float64))
    ym = ((swv @ Y.astype(np.float64)) / W if fit_intercept
          else np.zeros(Y.shape[1]))

    def moments(X):
        """(xm, diag(X_c^T S X_c)) in float64."""
        xm = (np.asarray(X.T @ swv, dtype=np.float64).ravel() / W if fit_intercept
              else np.zeros(p))
        sq = np.asarray(X.multiply(X).T @ swv if sp.issparse(X)
                        else (X * X).T @ swv, dtype=np.float64).ravel()
        return xm, sq - W * xm * xm

    xm, diag = moments(X)
    if fit_intercept and not sp.issparse(X) and _cancellation(
            diag + W * xm * xm, diag, dt):
        X, shift = _centred_dense_copy(X, sw, W)
        xm, diag = moments(X)
    xm_t = xm.astype(dt)

    coef = np.empty((p, Y.shape[1]), dtype=dt)
    n_iter = np.zeros(Y.shape[1], dtype=int)
    ok = True
    for k in range(Y.shape[1]):
        a = float(alphas[k])

        def matvec(v, a=a):
            # X_c^T S X_c v + a v, X_c v = X v - (xm . v)
            r = np.asarray(X @ v).ravel() - xm_t @ v
            r *= swv
            return np.asarray(X.T @ r).ravel() - xm_t * r.sum() + a * v

        op = spla.LinearOperator((p, p), matvec=matvec, dtype=dt)
        if a > np.finfo(dt).eps * max(float(diag.max(initial=0.0)), 0.0):
            pre = 1.0 / np.maximum(diag + a, np.finfo(np.float64).tiny)
            prec = spla.LinearOperator(
                (p, p), matvec=lambda v, d=pre.astype(dt): d * v, dtype=dt)
        else:
            # alpha below rounding: iterates from 0 stay in the row space of
            # X_c only without a preconditioner, so a singular system gives
            # the minimum-norm solution, as the direct solver does
            prec = None
        yc = ((Y[:, k] - dt.type(ym[k])) * swv).astype(dt)
        b = np.asarray(X.T @ yc).ravel() - xm_t * yc.sum()
        count = [0]

        def cb(_xk, count=count):
            count[0] += 1

        w, info = spla.cg(op, b, rtol=tol, atol=0.0, maxiter=max_iter, M=prec,
                          callback=cb)
        coef[:, k] = w
        n_iter[k] = count[0]
        ok = ok and info == 0
    return coef, xm + shift, ym, n_iter, ok


def _loo_block(U, inv, Z, rhs_rows, h0):
    """Scaled leave-one-out residuals (rows, t, n_alphas) of a block of rows.

    Row i of the hat matrix is ``U_i diag(inv[:, a]) U^T + h0`` for each
    alpha a, so its diagonal is ``(U * U) @ inv + h0`` and the fitted values
    ``U @ (Z * inv)``; the residual is divided by ``1 - h_ii``.
    """
    Hd = (U * U) @ inv + h0[:, None]
    out = np.empty((U.shape[0], Z.shape[1], inv.shape[1]))
    for k in range(Z.shape[1]):
        fitted = U @ (Z[:, k:k + 1] * inv)
        out[:, k, :] = (rhs_rows[:, k:k + 1] - fitted) / (1.0 - Hd)
    return out


def _loo_block_dual(V, comp, Z, h0):
    """The dual form's ``_loo_block``, written with I - H, not H.

    There H = V diag(lam / (lam + alpha)) V^T + s s^T / W with V square
    orthogonal, so ``I - H = V diag(comp) V^T - s s^T / W`` with
    ``comp = alpha / (lam + alpha)`` (1 on the numerical null space, the
    intercept's direction s among it): the residual is ``V @ (Z * comp)``
    and ``1 - h_ii = (V * V) @ comp - h0``, both free of the cancellation
    of 1 - h_ii ~ alpha / lam when alpha is small.
    """
    Hc = (V * V) @ comp - h0[:, None]
    out = np.empty((V.shape[0], Z.shape[1], comp.shape[1]))
    for k in range(Z.shape[1]):
        out[:, k, :] = (V @ (Z[:, k:k + 1] * comp)) / Hc
    return out


def _intercepts(system_xm, ym, coef, fit_intercept):
    if not fit_intercept:
        return np.zeros(coef.shape[1])
    return ym - system_xm @ coef.astype(np.float64)


def _choose_solver(solver, X, positive):
    """(form, name): the form fastreg runs ('direct', 'cg' or 'cd') and the
    solver's name in scikit-learn's vocabulary (``solver_``).

    'svd' and 'cholesky' are the direct solve; 'sparse_cg' and 'cg' the
    conjugate gradient; 'auto', 'lsqr', 'sag' and 'saga' the direct solve
    when the system is small next to the data, else the conjugate gradient;
    positive=True ('auto' or 'lbfgs', as scikit-learn allows) coordinate
    descent.  Every form returns the same minimiser.
    """
    solver = check_choice(solver, "solver", _SOLVERS)
    if solver == "lbfgs" and not positive:
        raise ValueError("'lbfgs' solver can be used only when positive=True. "
                         "Please use another solver (got solver='lbfgs', "
                         "positive=False).")
    if positive:
        if solver not in ("auto", "lbfgs"):
            raise ValueError(
                f"solver={solver!r} does not support positive fitting. Please set "
                "the solver to 'auto' or 'lbfgs', or set `positive=False`.")
        return "cd", "lbfgs"
    if solver in ("svd", "cholesky"):
        return "direct", solver
    if solver in ("sparse_cg", "cg"):
        return "cg", solver
    dim = min(X.shape)
    # sparse: direct only when the dense system is small next to the data
    if sp.issparse(X) and (dim > _SPARSE_DIRECT_MAX
                           or dim * dim > _SPARSE_DENSE_RATIO * max(X.nnz, 1)):
        return "cg", "sparse_cg" if solver == "auto" else solver
    return "direct", "cholesky" if solver == "auto" else solver


def _ridge_objective(X, y, sw, coef, intercept, alpha):
    """sum_i sw_i (y_i - x_i w - b)^2 + alpha ||w||^2, in float64."""
    r = y - np.asarray(X @ coef, dtype=np.float64).ravel() - intercept
    r2 = r * r if sw is None else r * r * sw
    return float(np.sum(r2)) + alpha * float(coef @ coef)


def positive_solve(X, y, sw, alpha, *, fit_intercept, tol, max_iter):
    """Ridge with w >= 0 for one target: (coef, intercept, n_iter, gap_ok).

    Coordinate descent (the elastic-net engine with l1_ratio=0, positive,
    certified by its duality gap at ``tol``) finds the support; the ridge
    restricted to that support is then solved directly, and kept when it is
    positive and no worse: it is the exact minimiser whenever the support
    is right, so the answer is as accurate as the direct solver's.
    """
    from ._path import compute_path
    W = float(X.shape[0] if sw is None else np.sum(sw, dtype=np.float64))
    res = compute_path(X, y, l1_ratio=0.0, alphas=[alpha / W], sample_weight=sw,
                       fit_intercept=fit_intercept, positive=True, tol=tol,
                       max_iter=max_iter, check_input=False, warn=False)
    coef = res.coefs[:, 0].astype(np.float64)
    intercept = float(res.intercepts[0]) if fit_intercept else 0.0
    support = np.flatnonzero(coef > 0)
    if 0 < support.size <= _SPARSE_DIRECT_MAX:
        XS = X[:, support]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LinAlgWarning)
            system = build_system(XS, y[:, None], sw, fit_intercept=fit_intercept,
                                  dual=support.size > X.shape[0])
            wS = solve_system(system, np.array([alpha]))
        if np.all(wS > 0):
            polished = np.zeros_like(coef)
            polished[support] = wS[:, 0]
            b = float(system.intercepts(wS)[0]) if fit_intercept else 0.0
            if (_ridge_objective(X, y, sw, polished, b, alpha)
                    <= _ridge_objective(X, y, sw, coef, intercept, alpha)):
                coef, intercept = polished, b
    return coef, intercept, int(res.n_iters[0]), bool(res.converged[0])


# ---------------------------------------------------------------------- Ridge
class Ridge(LinearPredictMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Linear least squares with an L2 penalty (drop-in for scikit-learn's Ridge).

    Minimises, for each target::

        sum_i sw_i (y_i - x_i w - b)^2 + alpha * ||w||_2^2

    (scikit-learn's scaling; sw = 1 without sample weights, b = 0 without an
    intercept).  The direct solver forms ``X^T X`` by syrk when
    n_samples >= n_features (``X X^T`` otherwise), adds alpha to the
    diagonal and solves by Cholesky (potrf + potrs).  With an intercept the
    Gram is centred (a rank-one correction), so sparse X is never densified;
    columns whose mean is far larger than their spread would lose their
    digits to that correction, so they are centred in a copy first (sparse
    X: only those columns, stored in full, as they nearly were; dense X:
    all of X, when the centring would lose more than half of the digits).
    float32 input stays float32 end to end.  A numerically singular system
    (LAPACK info > 0 or rcond < eps) is solved by an eigendecomposition
    (minimum-norm solution) with a ``LinAlgWarning``.  Ctrl-C interrupts
    the fit within a fraction of a second, even inside a long BLAS/LAPACK
    call (which finishes in the background; see ``fastreg._interrupt``).

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Penalty strength, >= 0; one value per target is allowed.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    copy_X : bool, default=True
        Accepted for compatibility; X is never modified.
    max_iter : int, default=None
        Conjugate-gradient iterations at most (``solver='cg'``); None means
        scipy's default (10 * n_features).
    tol : float, default=1e-4
        Relative residual tolerance of the conjugate gradient
        (``solver='cg'``); the direct solver ignores it.
    solver : {'auto', 'svd', 'cholesky', 'lsqr', 'sparse_cg', 'cg', 'sag', \
'saga', 'lbfgs'}, default='auto'
        scikit-learn's names, each mapped to a fastreg solver that returns
        the same minimiser.  'cholesky' and 'svd': direct solve of the
        normal equations (primal when n_samples >= n_features, dual
        otherwise), for dense and sparse X, with or without an intercept.
        'sparse_cg' (alias 'cg'): Jacobi-preconditioned conjugate gradient
        on the implicitly centred primal system, to ``tol``.  'auto',
        'lsqr', 'sag' and 'saga': the direct solve for dense X and for
        sparse X whose system is small (d = min(n_samples, n_features) <=
        4096 and d^2 <= 50 nnz(X)), else the conjugate gradient.  'lbfgs'
        (only with ``positive=True``, as in scikit-learn): see ``positive``.
    positive : bool, default=False
        Constrain the coefficients to be >= 0 (solver 'auto' or 'lbfgs').
        Solved by coordinate descent (the elastic-net engine with
        l1_ratio=0, its duality gap certified at ``tol``), then polished by
        the direct solve on the support found, kept when it stays positive
        and lowers the objective.  ``max_iter`` counts epochs (15000 when
        None).
    random_state : None, int or RandomState, default=None
        Unused (accepted for compatibility).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : ndarray of shape (n_targets,)
        Conjugate-gradient iterations per target (0 when the right-hand
        side is zero), coordinate-descent epochs with ``positive=True``, 1
        for the direct solver, which factorizes once and does not iterate
        (scikit-learn's Ridge leaves None there).
    solver_ : str
        The solver, in scikit-learn's words: the one given, or for 'auto'
        'cholesky' (direct), 'sparse_cg' (conjugate gradient) or 'lbfgs'
        (``positive=True``).
    n_features_in_ : int

    See Also
    --------
    RidgeCV : leave-one-out choice of alpha from one eigendecomposition.
    ridge_path : coefficients for many alphas from one eigendecomposition.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 3)); y = X @ [1.0, -2.0, 0.5] + 3
    >>> model = Ridge(alpha=1.0).fit(X, y)
    >>> np.round(model.coef_, 1)
    array([ 1. , -2. ,  0.5])
    >>> round(float(model.intercept_), 1)
    3.0
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True,
                 max_iter=None, tol=1e-4, solver="auto", positive=False,
                 random_state=None):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            float64 or float32 (other dtypes become float64); the
            coefficients follow the dtype.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative weights (the objective weighs each squared residual).

        Returns
        -------
        self : object
        """
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.positive, "positive")
        check_scalar_param(self.tol, "tol", low=0)
        max_iter = (None if self.max_iter is None else
                    check_scalar_param(self.max_iter, "max_iter", low=1, integer=True))
        if np.ndim(self.alpha) == 0:
            check_ridge_alpha(self.alpha, 1)
        X, y, sw = _validate_fit_data(self, X, y, sample_weight)
        Y = y[:, None] if y.ndim == 1 else y
        alphas = check_ridge_alpha(self.alpha, Y.shape[1])
        form, solver = _choose_solver(self.solver, X, self.positive)
        n, p = X.shape
        if form == "cd":
            epochs = _POSITIVE_MAX_ITER if max_iter is None else max_iter
            coef = np.empty((p, Y.shape[1]))
            intercept = np.empty(Y.shape[1])
            n_iter = np.empty(Y.shape[1], dtype=int)
            for k in range(Y.shape[1]):
                coef[:, k], intercept[k], n_iter[k], ok = positive_solve(
                    X, Y[:, k], sw, alphas[k], fit_intercept=self.fit_intercept,
                    tol=self.tol, max_iter=epochs)
                if not ok:
                    warnings.warn(
                        f"Ridge(positive=True) did not converge: the duality gap of "
                        f"target {k} is above tol={self.tol} after max_iter={epochs} "
                        "coordinate-descent epochs (scikit-learn's message: lbfgs "
                        "solver did not converge). Increase max_iter or tol.",
                        ConvergenceWarning, stacklevel=2)
        elif form == "cg":
            coef, xm, ym, n_iter, ok = cg_solve(
                X, Y, sw, alphas, fit_intercept=self.fit_intercept, tol=self.tol,
                max_iter=max_iter)
            if not ok:
                warnings.warn(f"Conjugate gradient did not reach tol={self.tol} "
                              f"in max_iter={max_iter} iterations; increase "
                              "max_iter", ConvergenceWarning, stacklevel=2)
            intercept = _intercepts(xm, ym, coef, self.fit_intercept)
        else:
            system = interruptible(build_system, X, Y, sw,
                                   fit_intercept=self.fit_intercept, dual=p > n,
                                   flops=_system_flops(X, p > n))
            coef = solve_system(system, alphas)
            intercept = system.intercepts(coef)
            # one factorization: a direct solve counts as one iteration
            n_iter = np.ones(Y.shape[1], dtype=int)
        self.n_iter_ = n_iter
        coef = np.ascontiguousarray(coef.T, dtype=X.dtype)
        intercept = intercept.astype(X.dtype)
        if y.ndim == 1:
            self.coef_ = coef[0]
            self.intercept_ = intercept[0] if self.fit_intercept else 0.0
        else:
            # scikit-learn's shapes: a single column of y gives coef_ (p,)
            self.coef_ = coef[0] if coef.shape[0] == 1 else coef
            self.intercept_ = intercept
        self.solver_ = solver
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# ----------------------------------------------------------------- ridge_path
def ridge_path(X, y, alphas, *, sample_weight=None, fit_intercept=False,
               return_intercept=False):
    """Ridge coefficients for many alphas from one eigendecomposition.

    For each alpha the objective is scikit-learn's::

        sum_i sw_i (y_i - x_i w - b)^2 + alpha * ||w||_2^2

    The centred Gram ``X_c^T S X_c = V diag(lam) V^T`` (n_samples >=
    n_features; the kernel ``X_c X_c^T`` otherwise) is decomposed once by
    syevd; each alpha then costs one product with V: O(p^2) per alpha and
    target (O(n p) in the kernel form).  Eigenvalues with
    ``lam + alpha <= dim * eps * max(lam + alpha)`` are dropped (minimum-norm
    solution), so alpha = 0 gives the least-squares minimum-norm solution.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    alphas : array-like of shape (n_alphas,)
        Penalties, finite and >= 0, returned in the order given.
    sample_weight : array-like of shape (n_samples,), default=None
    fit_intercept : bool, default=False
        Fit an unpenalised intercept (X and y are centred implicitly).
    return_intercept : bool, default=False
        Also return the intercepts.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas) or (n_targets, n_features, n_alphas)
    intercepts : ndarray of shape (n_alphas,) or (n_targets, n_alphas)
        Only with ``return_intercept=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import ridge_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 4)); y = X @ [1.0, 0.0, -1.0, 2.0]
    >>> alphas, coefs = ridge_path(X, y, [1e-8, 10.0, 1e6])
    >>> coefs.shape
    (4, 3)
    >>> np.round(coefs[:, 0], 3)
    array([ 1.,  0., -1.,  2.])
    >>> bool(np.abs(coefs[:, 2]).max() < 1e-3)
    True
    """
    from sklearn.utils import check_array
    check_bool(fit_intercept, "fit_intercept")
    check_bool(return_intercept, "return_intercept")
    X = check_array(X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
                    ensure_all_finite=False, input_name="X")
    if sp.issparse(X):
        assert_all_finite(X.data, input_name="X")
    y = check_array(y, ensure_2d=False, dtype=X.dtype, input_name="y")
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got "
                         f"{X.shape[0]} and {y.shape[0]}")
    a = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"alphas must be finite, got {a.tolist()!r}")
    if np.any(a < 0):
        raise ValueError(f"alphas must be >= 0, got min {float(a.min())!r}")
    sw = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    Y = y[:, None] if y.ndim == 1 else y
    n, p = X.shape
    system = interruptible(build_system, X, Y, sw, fit_intercept=fit_intercept,
                           dual=p > n, flops=_system_flops(X, p > n))
    dt = X.dtype
    lam, V = eigen_decompose(system.M)
    inv = _spectral_inverse(lam, a, dt).astype(dt)          # (dim, n_alphas)
    Z = _product(V.T, system.rhs)                           # (dim, t)
    if system.dual:
        T = system.to_coef(V)                               # X_c^T S^1/2 V (p, dim)
    else:
        T = V
    coefs = np.empty((Y.shape[1], p, a.size), dtype=dt)
    for k in range(Y.shape[1]):
        # coefs[k] = T @ diag(z_k) @ inv
        coefs[k] = _product(T, Z[:, k:k + 1] * inv)
    icpt = system.ym[:, None] - np.einsum("j,kja->ka", system.xm + system.shift,
                                          coefs.astype(np.float64))
    if not fit_intercept:
        icpt = np.zeros((Y.shape[1], a.size))
    if y.ndim == 1:
        coefs, icpt = coefs[0], icpt[0]
    if return_intercept:
        return a, coefs, icpt.astype(dt)
    return a, coefs


# -------------------------------------------------------------------- RidgeCV
class _IdentityRegressor(RegressorMixin, BaseEstimator):
    """Scores ready-made predictions with a scikit-learn scorer."""

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return X


class RidgeCV(LinearPredictMixin, MultiOutputMixin, RegressorMixin,
              BaseEstimator):
    """Ridge with alpha chosen by efficient leave-one-out cross-validation.

    For each candidate alpha the model minimises::

        sum_i sw_i (y_i - x_i w - b)^2 + alpha * ||w||_2^2

    and the selected alpha minimises the mean squared leave-one-out error
    (``scoring=None``; scikit-learn's criterion, weighted by sw).  The
    centred Gram ``X_c^T S X_c = V diag(lam) V^T`` (n_samples > n_features;
    the kernel ``X_c X_c^T`` otherwise) is decomposed once and ``X_c V`` is
    formed once (by row blocks), after which every alpha costs O(n p)
    (O(n^2) in the kernel form): the hat-matrix diagonal is
    ``h_i = sum_j U_ij^2 / (lam_j + alpha) + sw_i / W`` and the leave-one-out
    residual ``r_i / (1 - h_i)``.  scikit-learn's RidgeCV rebuilds
    O(n p^2 + p^3) per alpha when n > p.  Computations run in float64 (as
    scikit-learn's); coefficients are returned in X's dtype.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        Candidate penalties, > 0.
    fit_intercept : bool, default=True
    scoring : str, callable or None, default=None
        None: mean squared leave-one-out error.  Otherwise a scikit-learn
        scorer applied to the leave-one-out predictions (or to held-out
        folds when ``cv`` is given).
    cv : int, cross-validation generator or iterable, default=None
        None: efficient leave-one-out.  Otherwise a grid search over
        ``alphas`` with ``sklearn.model_selection.GridSearchCV`` and
        ``fastreg.Ridge``.
    gcv_mode : {None, 'auto', 'svd', 'eigen'}, default=None
        Accepted for compatibility; the smaller of ``X^T X`` and ``X X^T``
        is always the one decomposed.
    store_cv_results : bool, default=False
        Keep the per-sample squared leave-one-out errors (or predictions
        when ``scoring`` is given) in ``cv_results_``.
    alpha_per_target : bool, default=False
        Choose one alpha per target.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    best_score_ : float or ndarray of shape (n_targets,)
        Score of the selected alpha (negative mean squared error for
        ``scoring=None``).
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    cv_results_ : ndarray of shape (n_samples, n_alphas) or (n_samples, n_targets, n_alphas)
        Only with ``store_cv_results=True``.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import RidgeCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = X @ [1.0, 2.0, 0.0, 0.0, -1.0] + rng.standard_normal(200)
    >>> model = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X, y)
    >>> float(model.alpha_) in set(np.logspace(-3, 3, 13))
    True
    >>> np.round(model.coef_, 0) + 0.0
    array([ 1.,  2.,  0.,  0., -1.])
    """

    def __init__(self, alphas=(0.1, 1.0, 10.0), *, fit_intercept=True,
                 scoring=None, cv=None, gcv_mode=None, store_cv_results=False,
                 alpha_per_target=False):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target

    def fit(self, X, y, sample_weight=None):
        """Fit Ridge models for every alpha and keep the best one.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        # alpha = 0 has no leave-one-out formula, but a grid search can fit it
        alphas = check_cv_alphas(self.alphas, positive=self.cv is None)
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.store_cv_results, "store_cv_results")
        check_bool(self.alpha_per_target, "alpha_per_target")
        check_choice(self.gcv_mode, "gcv_mode", [None, "auto", "svd", "eigen"])
        if self.gcv_mode == "svd" and sp.issparse(X):
            warnings.warn(
                "The 'svd' mode is not supported for sparse X, we fallback to "
                "`gcv_mode='eigen'` (scikit-learn's wording: it will raise an error "
                "there in 1.11). fastreg always decomposes the smaller of X^T X and "
                "X X^T; use the default or gcv_mode='eigen' to silence this.",
                FutureWarning, stacklevel=2)
        if self.cv is not None:
            if self.store_cv_results:
                raise ValueError("cv!=None and store_cv_results=True are "
                                 f"incompatible, got cv={self.cv!r}")
            if self.alpha_per_target:
                raise ValueError("cv!=None and alpha_per_target=True are "
                                 "incompatible: alpha_per_target=True is only "
                                 "supported with cv=None (leave-one-out), got "
                                 f"cv={self.cv!r}")
            return self._fit_grid_search(X, y, sample_weight, alphas)
        X, y, sw = _validate_fit_data(self, X, y, sample_weight)
        dtype = X.dtype
        X = X.astype(np.float64, copy=False)
        Y = (y[:, None] if y.ndim == 1 else y).astype(np.float64, copy=False)
        n, p = X.shape
        if sw is not None:
            sw = sw.astype(np.float64)
        system = interruptible(build_system, X, Y, sw,
                               fit_intercept=self.fit_intercept, dual=p > n,
                               flops=_system_flops(X, p > n))
        loo_resid, (lam, V) = self._loo(Y, sw, system, alphas)
        s = np.ones(n) if sw is None else np.sqrt(sw)
        per_target = self.alpha_per_target and Y.shape[1] > 1
        if self.scoring is None:
            sq = loo_resid ** 2                              # (n, t, n_alphas)
            scores = -sq.mean(axis=0)                        # (t, n_alphas)
            if not per_target:
                scores = scores.mean(axis=0, keepdims=True)
            stored = sq
        else:
            from sklearn.metrics import check_scoring
            scorer = check_scoring(_IdentityRegressor(), scoring=self.scoring)
            with np.errstate(divide="ignore", invalid="ignore"):
                pred = Y[:, :, None] - loo_resid / s[:, None, None]
            ident = _IdentityRegressor()
            yy = y if y.ndim == 1 else Y
            if per_target:
                scores = np.array([[scorer(ident, pred[:, k, i], Y[:, k])
                                    for i in range(alphas.size)]
                                   for k in range(Y.shape[1])])
            else:
                scores = np.array([[scorer(ident, pred[:, :, i].reshape(yy.shape), yy)
                                    for i in range(alphas.size)]])
            stored = pred
        # first alpha reaching the best score (scikit-learn's order rule)
        best = np.argmax(scores, axis=1)
        best_alpha = alphas[best]
        best_score = scores[np.arange(scores.shape[0]), best]
        if not per_target:
            best_alpha = np.full(Y.shape[1], best_alpha[0])
        inv = _spectral_inverse(lam, best_alpha, np.float64)   # (dim, t)
        sol = _product(V, _product(V.T, system.rhs) * inv)
        coef = system.to_coef(sol)
        intercept = system.intercepts(coef)
        coef = np.ascontiguousarray(coef.T).astype(dtype)
        # scikit-learn's shapes: a single column of y gives coef_ (p,)
        self.coef_ = coef[0] if coef.shape[0] == 1 else coef
        if y.ndim == 1:
            self.intercept_ = (intercept[0].astype(dtype) if self.fit_intercept
                               else 0.0)
        else:
            self.intercept_ = intercept.astype(dtype)
        if per_target:
            self.alpha_ = best_alpha
            self.best_score_ = best_score
        else:
            self.alpha_ = float(best_alpha[0])
            self.best_score_ = float(best_score[0])
        if self.store_cv_results:
            res = stored[:, 0, :] if y.ndim == 1 else stored
            self.cv_results_ = res.astype(dtype)
        return self

    def _loo(self, Y, sw, system, alphas):
        """Scaled leave-one-out residuals s_i (y_i - yhat_-i), (n, t, n_alphas),
        and the eigendecomposition (lam, V) of system.M."""
        X = system.X
        n, p = X.shape
        lam, V = eigen_decompose(system.M, np.float64)
        s = np.ones(n) if sw is None else np.sqrt(sw)
        h0 = (s * s / system.W) if self.fit_intercept else np.zeros(n)
        Z = _product(V.T, system.rhs)                         # (dim, t)
        out = np.empty((n, Y.shape[1], alphas.size))
        rhs_rows = (Y - system.ym) * s[:, None]               # S^1/2 y_c
        if system.dual:
            # I - H = V diag(alpha / (lam + alpha)) V^T - s s^T / W, with the
            # eigenvalues below rounding taken as 0 (see _loo_block_dual)
            lam0 = np.where(lam > lam.shape[0] * np.finfo(np.float64).eps
                            * lam.max(initial=0.0), lam, 0.0)
            comp = alphas[None, :] / (lam0[:, None] + alphas[None, :])
        else:
            # H = U diag(1 / (lam + alpha)) U^T + s s^T / W, U = S^1/2 X_c V
            inv = _spectral_inverse(lam, alphas, np.float64)  # (p, n_alphas)
            xmV = system.xm @ V
            if sp.issparse(X):
                X = X.tocsr()                                 # row blocks
        step = max(64, _CV_BLOCK_BYTES // (8 * max(V.shape[0], 1)))
        for start in range(0, n, step):
            rows = slice(start, min(n, start + step))
            if system.dual:
                out[rows] = interruptible(
                    _loo_block_dual, V[rows], comp, Z, h0[rows],
                    flops=2.0 * V[rows].size * comp.shape[1] * (1 + Z.shape[1]))
                continue
            # U = S^1/2 (X - 1 xm^T) V for this block of rows
            U = np.asarray(_product(X[rows], V))
            U -= xmV
            if sw is not None:
                U *= s[rows, None]
            out[rows] = interruptible(
                _loo_block, U, inv, Z, rhs_rows[rows], h0[rows],
                flops=2.0 * U.size * inv.shape[1] * (1 + Z.shape[1]))
        return out, (lam, V)

    def _fit_grid_search(self, X, y, sample_weight, alphas):
        from sklearn.model_selection import GridSearchCV
        search = GridSearchCV(Ridge(fit_intercept=self.fit_intercept),
                              {"alpha": list(alphas)}, cv=self.cv,
                              scoring=self.scoring)
        params = {} if sample_weight is None else {"sample_weight": sample_weight}
        search.fit(X, y, **params)
        X, y, sw = _validate_fit_data(self, X, y, sample_weight)
        self.alpha_ = float(search.best_params_["alpha"])
        self.best_score_ = float(search.best_score_)
        model = Ridge(alpha=self.alpha_, fit_intercept=self.fit_intercept).fit(
            X, y, sample_weight=sw)
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
