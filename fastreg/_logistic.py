"""Logistic regression paths: the binomial datafit on the generic solver.

Objective, for each alpha (y mapped to {0, 1}, eta = b + X w)::

    1 / W * sum_i sw_i [log(1 + exp(eta_i)) - y_i eta_i]
        + alpha * l1_ratio * sum_j pf_j |w_j|
        + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

solved by ``fastreg._newton`` until the duality gap is at most
``tol * F(b0)``, the intercept-only objective.
"""
import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array

from ._datafits import Binomial, Multinomial
from ._newton import Design, ProxNewton, SoftmaxNewton, local_samples, newton_path
from ._path import one_thread, warn_not_converged
from ._validation import (check_alphas, check_bounds, check_penalty_factor,
                          check_sample_weight, check_scalar_param)


def class_labels(y, n_samples, classes=None):
    """(classes, Y): the sorted classes of y (or ``classes``, which must
    hold y's) and, for two classes, y == classes[1] as float64
    (n_samples,), else the one-hot (n_samples, K)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got an array of shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"X and y must have the same number of samples, got "
                         f"{n_samples} and {y.shape[0]}")
    check_classification_targets(y)
    if classes is None:
        classes, idx = np.unique(y, return_inverse=True)
    else:
        idx = np.searchsorted(classes, y)
        if not np.array_equal(classes[np.minimum(idx, classes.size - 1)], y):
            raise ValueError(f"y holds labels outside classes {classes.tolist()}")
    if classes.shape[0] < 2:
        raise ValueError(f"y must hold at least two classes, got "
                         f"{classes.shape[0]}: {classes.tolist()}")
    if classes.shape[0] == 2:
        return classes, idx.astype(np.float64)
    return classes, np.eye(classes.shape[0])[idx]


def prepare(X, y, *, sample_weight, penalty_factor, lower_bounds, upper_bounds,
            positive, fit_intercept, classes=None):
    """Checked inputs: (X, classes, y01, sw, pf, lo, hi)."""
    X = check_array(X, accept_sparse=["csc", "csr"], dtype=[np.float64, np.float32],
                    order=None, input_name="X")
    n, p = X.shape
    classes, y01 = class_labels(y, n, classes)
    for name, value in (("positive", positive), ("fit_intercept", fit_intercept)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be a bool, got {value!r}")
    sw = check_sample_weight(sample_weight, n, np.float64)
    pf = check_penalty_factor(penalty_factor, p, X.dtype).astype(np.float64)
    lo, hi = check_bounds(lower_bounds, upper_bounds, p)
    if positive:
        lo = np.maximum(lo, 0.0)
    return X, classes, y01, sw, pf, lo, hi


def logistic_path(X, y, *, l1_ratio=1.0, eps=None, n_alphas=100, alphas=None,
                  tol=1e-4, max_iter=100, fit_intercept=True, sample_weight=None,
                  penalty_factor=None, lower_bounds=None, upper_bounds=None,
                  positive=False, return_intercept=False, return_n_iter=False,
                  warn=True):
    """Elastic-net regularised logistic regression path.

    For each alpha the objective is::

        1 / W * sum_i sw_i [log(1 + exp(eta_i)) - y_i eta_i]
            + alpha * l1_ratio * sum_j pf_j |w_j|
            + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    with eta = b + X w, y mapped to {0, 1} (the larger of the two sorted
    classes is 1, as in scikit-learn), W = sum(sw) (n_samples without
    ``sample_weight``), pf the ``penalty_factor`` (0 leaves a feature
    unpenalised) and b = 0 unless ``fit_intercept``.  Each alpha is solved by
    working-set proximal Newton steps until its duality gap is at most
    ``tol * F(b0)``, F(b0) the intercept-only objective (log 2 without an
    intercept).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        float64 or float32 (the coefficients follow the dtype).
    y : array-like of shape (n_samples,)
        Class labels of any type.  More than two classes fit the
        multinomial (softmax) model with the same penalty on every class's
        coefficients, as scikit-learn does: loss
        ``1 / W * sum_i sw_i [log sum_k exp(eta_ik) - eta_i,y_i]``, one
        intercept per class (summing to 0); an unpenalised feature's
        coefficients (penalty_factor 0, no bounds) sum to 0 over the
        classes.
    l1_ratio : float in [0, 1], default=1.0
    eps : float, default=None
        ``alpha_min / alpha_max`` of a built grid; None: 1e-2 when
        n_samples < n_features, else 1e-4 (glmnet's rule).
    n_alphas : int, default=100
    alphas : int or array-like, default=None
        An int builds a grid of that many alphas; an array is used as given
        (sorted decreasing).  The built grid is geometric from alpha_max,
        the smallest alpha whose solution is 0 (intercept and unpenalised
        features fitted, bounds accounted for), to eps * alpha_max.
    tol : float, default=1e-4
        Duality-gap tolerance, relative to F(b0).
    max_iter : int, default=100
        Proximal Newton steps per alpha (the first alpha's count also holds
        the unpenalised features' fit before it, budgeted apart).  An L2
        alpha (l1_ratio=0) of dense data (over a quarter of X's entries
        nonzero) without unpenalised features starts by L-BFGS-B with up to
        max_iter - 10 iterations, each counted as a step.
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), default=None
    penalty_factor : array-like of shape (n_features,), default=None
    lower_bounds, upper_bounds : float or array-like of shape (n_features,)
        Box on each coefficient (lower <= 0 <= upper).
    positive : bool, default=False
        Coefficients >= 0 (a lower bound of 0).
    return_intercept, return_n_iter : bool, default=False
    warn : bool, default=True
        A ConvergenceWarning naming the alphas whose gap stayed above tol.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas) or (n_classes, n_features, n_alphas)
        The second shape for more than two classes.
    dual_gaps : ndarray of shape (n_alphas,)
        Certified duality gap per alpha, on the objective above.
    n_iters : ndarray of shape (n_alphas,)
        Only with ``return_n_iter``: Newton steps per alpha (a round of one
        step per class with more than two classes).
    intercepts : ndarray of shape (n_alphas,) or (n_classes, n_alphas)
        Only with ``return_intercept``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import logistic_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5))
    >>> y = (X[:, 0] + 0.5 * rng.standard_normal(100) > 0).astype(int)
    >>> alphas, coefs, gaps = logistic_path(X, y, n_alphas=10)
    >>> coefs.shape
    (5, 10)
    >>> bool(np.all(coefs[:, 0] == 0)), bool(coefs[0, -1] > 0)
    (True, True)
    """
    res = classifier_path(X, y, l1_ratio=l1_ratio, eps=eps, n_alphas=n_alphas,
                        alphas=alphas, tol=tol, max_iter=max_iter,
                        fit_intercept=fit_intercept, sample_weight=sample_weight,
                        penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                        upper_bounds=upper_bounds, positive=positive)[0]
    if warn:
        warn_not_converged(res, scale="F(b0) (the intercept-only objective)")
    out = (res.alphas, res.coefs, res.dual_gaps)
    if return_n_iter:
        out += (res.n_iters,)
    if return_intercept:
        out += (res.intercepts,)
    return out


# the unpenalised features' columns are held dense: the certificate projects
# its dual point on them by least squares; at most this many entries (1 GiB
# in float64) ...
_FREE_ENTRIES = 2 ** 27
# ... and n * n_free^2 at most this (one least-squares solve per
# certificate, a few seconds at this size)
_FREE_WORK = 2e10


def check_free_columns(n, n_free, what, remedy):
    """Refuse, by name, ``n_free`` unpenalised features whose dense columns
    (n x n_free) or whose least-squares projection would be too large."""
    if n * n_free > _FREE_ENTRIES or n * n_free * n_free > _FREE_WORK:
        raise ValueError(
            f"{what}: the certificate solves a dense least-squares problem on "
            f"the {n} x {n_free} columns of the unpenalised features, over "
            f"fastreg's limits (n * n_free <= {_FREE_ENTRIES}, n * n_free**2 <= "
            f"{_FREE_WORK:g}); {remedy}")


def absent_classes(classes, y01, sw, fit_intercept):
    """The classes without a sample of positive weight (a boolean mask).

    With an unpenalised intercept such a class's probability 0 is the
    infimum, which no finite intercept attains: the other classes are
    fitted as a model of their own and the absent ones get coefficients 0
    and an intercept low enough that their probabilities cost the
    objective at most _ABSENT_SHARE of the gap target, counted in the
    reported gap (``_with_absent``).  Without an intercept a finite optimum
    exists that this does not fit: refused by name."""
    Y = y01 if y01.ndim == 2 else np.column_stack([1.0 - y01, y01])
    absent = ((Y if sw is None else sw[:, None] * Y).sum(axis=0) <= 0)
    if absent.any() and not fit_intercept:
        raise ValueError(
            f"every class must have samples of positive weight without an "
            f"unpenalised intercept (fit_intercept=False, or solver='liblinear'), "
            f"got none of class {classes[absent].tolist()[0]!r}")
    return absent


# absent classes cost the objective at most this share of the gap target
_ABSENT_SHARE = 1e-3
_TINIEST = 1e-300


def _with_absent(res, X, datafit, K, kept):
    """The path ``res`` of the classes ``kept`` (two or more) completed to
    K classes (``absent_classes``): each absent class's intercept is set,
    per alpha, so that every sample's added loss log1p(sum of the absent
    classes' probability ratios) is at most q = _ABSENT_SHARE gap_tol; its
    exact cost is added to the gap.  The intercepts are recentred to sum
    0."""
    n_absent = K - kept.size
    q = max(_ABSENT_SHARE * res.gap_tol, _TINIEST)
    k = res.alphas.shape[0]
    coefs = np.zeros((K,) + res.coefs.shape[1:], dtype=res.coefs.dtype)
    coefs[kept] = res.coefs
    intercepts = np.empty((K, k))
    c = datafit.c
    pos = c > 0
    for j in range(k):
        W = np.asarray(res.coefs[:, :, j], dtype=np.float64)
        eta = np.asarray(X @ W.T, dtype=np.float64) + res.intercepts[:, j]
        lse = datafit._softmax(eta)[1]              # (log-sum-exp per sample)
        b_absent = float(lse[pos].min()) + np.log(q / n_absent)
        with np.errstate(under="ignore"):
            res.dual_gaps[j] += float(c @ np.log1p(n_absent * np.exp(b_absent - lse)))
        intercepts[:, j] = b_absent
        intercepts[kept, j] = res.intercepts[:, j]
    res.coefs, res.intercepts = coefs, intercepts - intercepts.mean(axis=0)
    res.converged &= res.dual_gaps <= res.gap_tol
    return res


def _one_class(classes, present, grid, p, dtype, tol):
    """The path when one class alone has weight (``absent_classes``): every
    coefficient 0 (the penalty's minimum) and the intercepts apart by B, the
    loss there q = max(_ABSENT_SHARE tol log K, _TINIEST), the gap (the
    infimum is 0, at B = inf)."""
    from ._path import PathResult
    K, k = classes.shape[0], grid.shape[0]
    gap_tol = tol * np.log(K)
    q = max(_ABSENT_SHARE * gap_tol, _TINIEST)
    # log1p((K - 1) exp(-B)) = q
    B = float(np.log((K - 1) / np.expm1(q)))
    if K == 2:
        coefs = np.zeros((p, k), dtype=dtype)
        intercepts = np.full(k, B if present == 1 else -B)
    else:
        coefs = np.zeros((K, p, k), dtype=dtype)
        b = np.full(K, -B)
        b[present] = 0.0
        intercepts = np.repeat((b - b.mean())[:, None], k, axis=1)
    return PathResult(grid, coefs, intercepts, np.full(k, q), np.zeros(k, dtype=np.int64),
                      np.full(k, q <= gap_tol), gap_tol)


@one_thread
def classifier_path(X, y, *, l1_ratio, eps, n_alphas, alphas, tol, max_iter,
                  fit_intercept, sample_weight, penalty_factor, lower_bounds,
                  upper_bounds, positive, coef_init=None, intercept_init=0.0,
                  single=False, classes=None, quasi_newton=True):
    """(PathResult, classes) of the checked problem (no warning).  A
    ``coef_init`` (with ``intercept_init``) warm-starts the first alpha;
    ``single`` is ``newton_path``'s.  ``classes`` (default: y's) are the
    model's; one without a sample of positive weight is fitted in its
    limit (``absent_classes``).  ``quasi_newton``: L-BFGS-B may start smooth
    fits of dense data (see ``_newton.quasi_newton_first``)."""
    X, classes, y01, sw, pf, lo, hi = prepare(
        X, y, sample_weight=sample_weight, penalty_factor=penalty_factor,
        lower_bounds=lower_bounds, upper_bounds=upper_bounds, positive=positive,
        fit_intercept=fit_intercept, classes=classes)
    absent = absent_classes(classes, y01, sw, fit_intercept)
    l1_ratio = check_scalar_param(l1_ratio, "l1_ratio", low=0, high=1)
    tol = check_scalar_param(tol, "tol", low=0)
    max_iter = check_scalar_param(max_iter, "max_iter", low=1, integer=True)
    grid = check_alphas(alphas, n_alphas)
    if not isinstance(grid, int) and np.any(grid <= 0):
        raise ValueError(f"alphas must be > 0 for logistic models (without a penalty "
                         f"the optimum may not exist: separable data), got "
                         f"{float(grid.min())!r}")
    n, p = X.shape
    if eps is None:
        eps = 1e-2 if n < p else 1e-4
    eps = check_scalar_param(eps, "eps", low=0, low_open=True)
    if isinstance(grid, int) and l1_ratio == 0:
        raise ValueError("l1_ratio must be > 0 to build an alpha grid, got 0; "
                         "pass alphas as an array instead")
    check_free_columns(n, int(np.count_nonzero(pf == 0)), "penalty_factor has "
                       "zeros", "penalise more features")
    K = classes.shape[0]
    kept = np.flatnonzero(~absent)
    if absent.any():
        if isinstance(grid, int):
            raise ValueError(f"alphas must be given when a class has no sample of "
                             f"positive weight (the grid's alpha_max is undefined), "
                             f"got n_alphas={grid} without alphas")
        if kept.size == 1:
            return _one_class(classes, kept[0], grid, p, X.dtype, tol), classes
        # (the rest, two or more, fitted as a multinomial model of their own)
        y01 = y01[:, kept]
    X, order = local_samples(X, grid if isinstance(grid, int) else grid.shape[0])
    if order is not None:
        y01, sw = y01[order], (None if sw is None else sw[order])
    if y01.ndim == 2:
        bounded = (pf == 0) & (np.isfinite(lo) | np.isfinite(hi))
        if np.any(bounded):
            raise ValueError(
                f"lower_bounds and upper_bounds (and positive) must leave unpenalised "
                f"features (penalty_factor 0, or every feature with C=np.inf) "
                f"unbounded with more than two classes; feature "
                f"{int(np.flatnonzero(bounded)[0])} has bounds "
                f"({float(lo[bounded][0])!r}, {float(hi[bounded][0])!r})")
        state = SoftmaxNewton(Design(X), Multinomial(y01, sw), pf, lo, hi,
                              fit_intercept, quasi_newton)
    else:
        state = ProxNewton(Design(X), Binomial(y01, sw), pf, lo, hi, fit_intercept,
                           quasi_newton)
    if coef_init is not None:
        w0 = np.asarray(coef_init, dtype=np.float64).ravel()
        intercept_init = np.asarray(intercept_init, dtype=np.float64)
        if absent.any() and w0.size == K * p:
            # (the fitted classes' rows)
            w0 = w0.reshape(K, p)[kept].ravel()
            intercept_init = intercept_init[kept]
        # (a start needs a finite intercept)
        intercept_init = np.where(np.isfinite(intercept_init), intercept_init, 0.0)
        if w0.shape != state.w.shape or not np.all(np.isfinite(w0)):
            raise ValueError(f"coef_init must be {state.w.shape[0]} finite values, "
                             f"got shape {np.shape(coef_init)}")
        state.set_start(np.clip(w0, state.lo, state.hi), intercept_init)
    res = newton_path(state, l1_ratio=l1_ratio, alphas=grid, eps=eps, tol=tol,
                      max_iter=max_iter, single=single)
    if y01.ndim == 2:
        # (K * p, n_alphas) class-major -> (K, p, n_alphas), as enet_path's
        # multi-task coefs
        res.coefs = res.coefs.reshape(y01.shape[1], p, -1)
    if absent.any():
        res = _with_absent(res, X, state.datafit, K, kept)
    return res, classes
