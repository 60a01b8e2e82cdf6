"""Input checks and their error messages, in one place.

Every message names the parameter, the rule and the value received.
"""
import difflib
import functools
import inspect
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import assert_all_finite, check_array
from sklearn.utils.validation import validate_data

from ._config import low_memory, refuse_copy


def _hinted_init(init):
    """``init`` that refuses an unknown keyword with the closest known name
    (Python's own TypeError says only that the keyword is unexpected)."""
    names = [p for p in inspect.signature(init).parameters if p != "self"]

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        for key in kwargs:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword "
                                f"argument {key!r}{hint}")
        init(self, *args, **kwargs)
    return __init__


class KeywordHints:
    """Estimators whose constructors suggest the close name for a typo."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _hinted_init(cls.__dict__["__init__"])


def check_scalar_param(value, name, *, low=None, high=None, low_open=False,
                       high_open=False, integer=False):
    """Return ``value`` as a float (or int) after checking it lies in range."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a real number"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    lo_bad = low is not None and (value <= low if low_open else value < low)
    hi_bad = high is not None and (value >= high if high_open else value > high)
    if lo_bad or hi_bad:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low}"
        hi = "" if high is None else f"{high}" + (")" if high_open else "]")
        if low is not None and high is not None:
            rule = f"in {lo}, {hi}"
        elif low is not None:
            rule = (">" if low_open else ">=") + f" {low}"
        else:
            rule = ("<" if high_open else "<=") + f" {high}"
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return int(value) if integer else float(value)


def _check_finite_nonneg(arr, name, rule="non-negative"):
    """Every entry of a 1-D array finite and >= 0; the message shows the first
    offending entry and its index."""
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name} must be finite, got {float(arr[bad[0]])} at "
                         f"index {bad[0]}")
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise ValueError(f"{name} must be {rule}, got "
                         f"{float(arr[bad[0]])} at index {bad[0]}")


def check_bool(value, name):
    """A Python or NumPy bool (an int 0/1 is refused: it is often a typo)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def check_choice(value, name, choices):
    if not any(value is c or (type(value) is type(c) and value == c)
               for c in choices):
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _refuse_cast_under_low_memory(X):
    """Under low_memory, X that a float64/float32 cast would copy is refused."""
    dtype = getattr(X, "dtype", None)
    if low_memory() and dtype not in (np.float64, np.float32):
        refuse_copy(f"X of dtype {dtype}", "pass float64 or float32 X")


def check_X_y(X, y, *, estimator_name="fastreg", finite_X=True):
    """X (dense or CSC/CSR, float32/float64) and a 1-D y of the same dtype.

    Dense X keeps its layout (the path makes it Fortran-ordered only where a
    kernel needs columns); CSR is accepted and converted to CSC later.
    ``finite_X=False`` leaves dense X's NaN and inf to the caller, which must
    then call ``check_X_y`` again when a sum over every entry of X (such as
    its column norms) is not finite.
    """
    _refuse_cast_under_low_memory(X)
    X = check_array(X, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32],
                    order=None, ensure_all_finite=finite_X, input_name="X",
                    estimator=estimator_name)
    if not finite_X and sp.issparse(X):
        assert_all_finite(X.data, input_name="X", estimator_name=estimator_name)
    y = check_array(y, ensure_2d=False, dtype=X.dtype, ensure_all_finite=True,
                    input_name="y", estimator=estimator_name)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D here, got an array of shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of samples, got {X.shape[0]} "
            f"and {y.shape[0]}")
    return X, y


def check_sample_weight(sample_weight, n_samples, dtype):
    """None, or a 1-D array of n_samples finite non-negative weights, not all 0."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n_samples, sample_weight, dtype=dtype)
    sw = np.asarray(sample_weight)
    if sw.dtype.kind not in "biuf":
        raise ValueError(
            f"sample_weight must be numeric, got an array of dtype {sw.dtype}")
    sw = sw.astype(dtype, copy=True)
    if sw.ndim != 1:
        raise ValueError(f"Sample weights must be 1D array or scalar: "
                         f"sample_weight must have shape ({n_samples},), got {sw.shape}")
    if sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), got {sw.shape}")
    _check_finite_nonneg(sw, "sample_weight")
    if not np.any(sw > 0):
        raise ValueError("sample_weight must have at least one positive entry, "
                         "got all zeros")
    return sw


def check_penalty_factor(penalty_factor, n_features, dtype):
    """A length-n_features array of finite non-negative factors (None: ones)."""
    if penalty_factor is None:
        return np.ones(n_features, dtype=dtype)
    pf = np.asarray(penalty_factor)
    if pf.dtype.kind not in "biuf":
        raise ValueError(
            f"penalty_factor must be numeric, got an array of dtype {pf.dtype}")
    pf = pf.astype(dtype, copy=True)
    if pf.ndim != 1 or pf.shape[0] != n_features:
        raise ValueError(
            f"penalty_factor must have shape ({n_features},), got {pf.shape}")
    _check_finite_nonneg(pf, "penalty_factor")
    return pf


def check_alpha_entries(alphas, *, positive=False):
    """Each entry of a list or tuple of alphas a real number, >= 0 (> 0 with
    ``positive``), refused in scikit-learn's words."""
    if not isinstance(alphas, (list, tuple)):
        return
    rule = ">" if positive else ">="
    for i, a in enumerate(alphas):
        if isinstance(a, bool) or not isinstance(a, numbers.Real):
            raise TypeError(f"alphas[{i}] must be an instance of float, not "
                            f"{type(a).__name__}")
        if a < 0 or (positive and a == 0):
            raise ValueError(f"alphas[{i}] == {a}, must be {rule} 0.0. (alphas must "
                             f"be {rule} 0, got {float(a)} at index {i})")


def check_alphas(alphas, n_alphas):
    """None or an int (a grid to build), else a 1-D non-negative array."""
    if alphas is None:
        return check_scalar_param(n_alphas, "n_alphas", low=1, integer=True)
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
        return check_scalar_param(alphas, "alphas", low=1, integer=True)
    check_alpha_entries(alphas)
    arr = np.asarray(alphas, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"alphas must be an int or a non-empty 1-D array, got shape {arr.shape}")
    _check_finite_nonneg(arr, "alphas", rule=">= 0")
    return np.sort(arr)[::-1].copy()


def check_gram(gram, X, sample_weight, fit_intercept):
    """A user Gram matrix must be that of the centred (when fit_intercept),
    weighted X: its shape and diagonal are checked (O(nnz), no copy of X).

    Catches the usual mistake of passing ``X.T @ X`` while fitting an
    intercept, which would otherwise give a silently wrong solution.
    Returns the factor that brings the matrix to fastreg's convention (the
    weights as given): 1, or sum(sw) / n for a matrix computed, as
    scikit-learn documents it, with the weights normalised to sum to n.
    """
    p = X.shape[1]
    gram = np.asarray(gram)
    if gram.shape != (p, p):
        raise ValueError(
            f"precompute must be a ({p}, {p}) Gram matrix, got shape {gram.shape}")
    n = X.shape[0]
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight,
                                                             dtype=np.float64)
    W = sw.sum()
    if sp.issparse(X):
        sq = np.asarray(X.multiply(X).T @ sw, dtype=np.float64).ravel()
        s1 = np.asarray(X.T @ sw, dtype=np.float64).ravel()
    else:
        sq = np.einsum("ij,ij,i->j", X, X, sw, dtype=np.float64)
        s1 = np.asarray(X.T @ sw.astype(X.dtype), dtype=np.float64)
    expected = sq - s1 ** 2 / W if fit_intercept else sq
    diag = np.diag(gram).astype(np.float64)
    scale = max(np.max(np.abs(expected)), np.finfo(np.float64).tiny)

    def misfit(factor):
        # entries whose diagonal differs from factor * expected
        return np.flatnonzero(np.abs(diag - factor * expected)
                              > factor * (1e-3 * np.abs(expected) + 1e-6 * scale))

    bad = misfit(1.0)
    if bad.size and sample_weight is not None and not misfit(n / W).size:
        # scikit-learn's convention: weights normalised to sum to n_samples
        return W / n
    if bad.size:
        j = bad[0]
        what = "centred, weighted" if fit_intercept else "weighted"
        raise ValueError(
            f"The Gram matrix passed in precompute did not pass validation: it "
            f"must be the Gram matrix of the {what} X "
            f"(fit_intercept={fit_intercept}): its diagonal entry {j} is "
            f"{diag[j]:.6g}, expected {expected[j]:.6g}")
    return 1.0


def as_kernel_X(X):
    """X in a layout a kernel reads: Fortran dense, or CSC with sorted indices.

    Fortran dense and canonical CSC (sorted indices, no duplicate entries)
    are used as they are; anything else is converted in a copy (duplicates
    summed, since the kernels read each stored entry as a distinct X_ij).
    """
    if sp.issparse(X):
        if X.format != "csc":
            if low_memory():
                refuse_copy(f"{X.format.upper()} X", "pass CSC X (X.tocsc())")
            X = X.tocsc()
        elif not X.has_canonical_format:
            if low_memory():
                refuse_copy("CSC X with unsorted or duplicate indices",
                            "call X.sum_duplicates() first")
            X = X.copy()
        if not X.has_canonical_format:
            X.sum_duplicates()
        return X
    if X.flags.f_contiguous:
        return X
    if low_memory():
        refuse_copy("C-ordered dense X", "pass np.asfortranarray(X)")
    return np.asfortranarray(X)


def check_bounds(lower, upper, n_features):
    """(lo, hi) arrays from scalars or arrays, with lo <= 0 <= hi (glmnet's
    rule: zero stays feasible, so the path still starts at w = 0)."""
    out = []
    for value, name, default, ok, rule in (
            (lower, "lower_bounds", -np.inf, lambda a: a <= 0, "<= 0"),
            (upper, "upper_bounds", np.inf, lambda a: a >= 0, ">= 0")):
        if value is None:
            out.append(np.full(n_features, default))
            continue
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
        arr = np.broadcast_to(arr.astype(np.float64), (n_features,)).copy() \
            if arr.ndim == 0 else arr.astype(np.float64)
        if arr.shape != (n_features,):
            raise ValueError(
                f"{name} must be a scalar or have shape ({n_features},), got {arr.shape}")
        if np.isnan(arr).any():
            raise ValueError(f"{name} must not contain NaN")
        bad = np.flatnonzero(~ok(arr))
        if bad.size:
            raise ValueError(f"{name} must be {rule} (zero must stay feasible), got "
                             f"{arr[bad[0]]!r} at index {bad[0]}")
        out.append(arr)
    return out[0], out[1]


def validate_fit(estimator, X, y, sample_weight, penalty_factor, *,
                 multi_output=False):
    """The inputs of an elastic-net ``fit``, checked once for every estimator.

    X: dense (layout kept) or CSC/CSR, float64 or float32; y numeric in X's
    dtype; sample_weight and penalty_factor as their own checks say.
    Returns (X, y, sample_weight, penalty_factor).
    """
    _refuse_cast_under_low_memory(X)
    X, y = validate_data(estimator, X, y, accept_sparse=["csc", "csr"],
                         dtype=[np.float64, np.float32], multi_output=multi_output,
                         y_numeric=True, order=None)
    y = np.asarray(y, dtype=X.dtype)
    sw = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    pf = check_penalty_factor(penalty_factor, X.shape[1], X.dtype)
    return X, y, sw, pf
