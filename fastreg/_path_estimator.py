"""Estimators whose fitted state is a whole regularization path.

``ElasticNetPath`` / ``LassoPath`` keep every alpha of a warm-started path and
answer ``coef(alpha)`` / ``predict(X, alpha=...)`` anywhere on it, by linear
interpolation on log(alpha) or by an exact warm-started refit.  The relaxed
lasso (glmnet's ``relax=TRUE``) and the helpers shared with the CV
estimators (alpha grid, relaxed refits) live here too.
"""
import numbers

import numpy as np
import scipy.sparse as sp
from scipy.optimize import nnls
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._path import compute_path, geometric_grid, warn_not_converged
from ._progress import progress_bar
from ._validation import (KeywordHints, check_alphas, check_choice,
                          check_scalar_param, validate_fit)



# ------------------------------------------------------------------ helpers

def check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_gamma(gamma, name="gamma"):
    return check_scalar_param(gamma, name, low=0, high=1)


def resolve_grid_size(alphas, n_alphas):
    """``alphas`` (int, array or None) and the legacy ``n_alphas`` -> int or array.

    An int (or None) asks for a built grid; ``n_alphas``, when given, sets its
    size.  An array is checked and sorted decreasing.
    """
    if n_alphas is not None:
        n_alphas = check_scalar_param(n_alphas, "n_alphas", low=1, integer=True)
        if alphas is not None and not isinstance(alphas, numbers.Integral):
            raise ValueError(
                "n_alphas must be None when alphas is an array, got "
                f"n_alphas={n_alphas!r}")
        return n_alphas
    if alphas is None:
        return 100
    return check_alphas(alphas, 100)


def alpha_grid(X, y, *, l1_ratio, n_alphas, eps, sample_weight, penalty_factor,
               fit_intercept, positive, precompute="auto", lower_bounds=None,
               upper_bounds=None):
    """scikit-learn's grid: ``geomspace(alpha_max, eps * alpha_max, n_alphas)``.

    alpha_max comes from :func:`compute_path` itself (a one-alpha grid), so
    weights, penalty factors and ``positive`` are accounted for exactly as
    in the path.
    """
    eps = check_scalar_param(eps, "eps", low=0, low_open=True)
    res = compute_path(X, y, l1_ratio=l1_ratio, n_alphas=1, eps=eps,
                       sample_weight=sample_weight, penalty_factor=penalty_factor,
                       fit_intercept=fit_intercept, precompute=precompute,
                       positive=positive, check_input=False, warn=False,
                       lower_bounds=lower_bounds, upper_bounds=upper_bounds)
    # (when nothing is left to fit, the path's own alpha for that case)
    return geometric_grid(res.alpha_max, n_alphas, eps, zero_alpha=res.alphas[0])


def relaxed_path(X, y, coefs, *, sample_weight=None, fit_intercept=True,
                 positive=False):
    """Unpenalised least squares on the support of each column of ``coefs``.

    For column k with support A (its nonzero coefficients), solves
    ``min_b,c sum_i sw_i (y_i - x_i,A b - c)^2`` (non-negative b when
    ``positive``; the minimum-norm solution when X_A is rank deficient).
    Rows with zero weight are ignored.  The centred, weighted Gram matrix of
    the union U of the supports, ``X_U^T S X_U - W mu mu^T``, is formed once
    (a sparse product for sparse X: X is never densified); each support then
    costs one |A| x |A| solve.  Identical supports are solved once.

    Returns
    -------
    rcoefs : ndarray of shape (n_features, n_alphas)
    rintercepts : ndarray of shape (n_alphas,)
    """
    p, k = coefs.shape
    rcoefs = np.zeros((p, k), dtype=coefs.dtype)
    yr = np.asarray(y, dtype=np.float64)
    w = (np.ones(X.shape[0]) if sample_weight is None
         else np.asarray(sample_weight, dtype=np.float64))
    W = float(np.sum(w))
    ybar = float(np.dot(w, yr)) / W if fit_intercept else 0.0
    rint = np.full(k, ybar)
    union = np.flatnonzero(np.any(coefs != 0, axis=1))
    if union.size == 0:
        return rcoefs, rint
    XU = X[:, union]
    wy = w * (yr - ybar)
    mu = np.asarray(XU.T @ w, dtype=np.float64).ravel() / W if fit_intercept \
        else np.zeros(union.size)
    if sp.issparse(XU):
        XU = sp.csc_matrix(XU, dtype=np.float64)
        G = np.asarray((XU.T @ sp.diags(w) @ XU).toarray()) - W * np.outer(mu, mu)
    else:
        # dense: centred column by column (through the mean alone, columns
        # far from zero would lose their digits); XU is a copy already
        XU = np.asarray(XU, dtype=np.float64) - mu
        G = XU.T @ (XU * w[:, None])
    q = np.asarray(XU.T @ wy).ravel()            # sum(wy) = 0 with an intercept
    pos = np.full(p, -1)
    pos[union] = np.arange(union.size)
    cache = {}
    for j in range(k):
        A = np.flatnonzero(coefs[:, j])
        if A.size == 0:
            continue
        key = A.tobytes()
        if key not in cache:
            idx = pos[A]
            GA, qA = G[np.ix_(idx, idx)], q[idx]
            if positive:
                b = _nnls_gram(GA, qA)
            else:
                b = np.linalg.lstsq(GA, qA, rcond=None)[0]
            cache[key] = (b, ybar - float(mu[idx] @ b))
        b, c = cache[key]
        rcoefs[A, j] = b
        rint[j] = c
    return rcoefs, rint


def _nnls_gram(G, q):
    """``min_{b >= 0} b^T G b / 2 - q^T b`` through NNLS on a square root of G."""
    vals, vecs = np.linalg.eigh(G)
    keep = vals > vals.max(initial=0.0) * G.shape[0] * np.finfo(np.float64).eps
    R = np.sqrt(vals[keep])[:, None] * vecs[:, keep].T       # G = R^T R
    z = (vecs[:, keep].T @ q) / np.sqrt(vals[keep])          # R^T z = q
    return nnls(R, z)[0]


def blend(gamma, coefs, intercepts, rcoefs, rintercepts):
    """Relaxed lasso: ``gamma * penalised + (1 - gamma) * relaxed``."""
    if gamma == 1.0:
        return coefs, intercepts
    return (gamma * coefs + (1.0 - gamma) * rcoefs,
            gamma * intercepts + (1.0 - gamma) * rintercepts)


def interpolation_weights(grid, alpha, *, zero_above):
    """Where ``alpha`` sits on a decreasing ``grid``: (i, j, t) with value
    ``(1 - t) * v[i] + t * v[j]``, linear in log(alpha) (in alpha next to 0).

    ``zero_above``: the first grid point has every penalised coefficient at
    0, so any larger alpha has the same solution.  Raises ValueError for an
    alpha outside the grid otherwise.
    """
    hit = np.flatnonzero(grid == alpha)
    if hit.size:
        return hit[0], hit[0], 0.0
    if alpha > grid[0]:
        if zero_above:
            return 0, 0, 0.0
        raise ValueError(
            f"alpha must be <= the path's largest alpha {grid[0]:.6g} (whose "
            f"solution is not all zero), got {alpha!r}; use exact=True")
    if alpha < grid[-1]:
        raise ValueError(
            f"alpha must be >= the path's smallest alpha {grid[-1]:.6g} to "
            f"interpolate, got {alpha!r}; use exact=True or a longer path")
    j = int(np.flatnonzero(grid < alpha)[0])
    i = j - 1
    hi, lo = grid[i], grid[j]
    if lo > 0:
        t = (np.log(hi) - np.log(alpha)) / (np.log(hi) - np.log(lo))
    else:
        t = (hi - alpha) / (hi - lo)
    return i, j, float(t)


# ------------------------------------------------------------ the estimator

class ElasticNetPath(KeywordHints, RegressorMixin, BaseEstimator):
    """A whole elastic-net path as one fitted estimator.

    For every alpha of the grid the objective is::

        1 / (2 W) * sum_i sw_i (y_i - x_i w - b)^2
            + alpha * l1_ratio * sum_j pf_j |w_j|
            + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    (W = sum(sw), n_samples without weights; pf the ``penalty_factor``),
    solved by warm-started coordinate descent to a certified duality gap.
    After ``fit`` the model answers at any alpha: ``coef(alpha)``,
    ``intercept(alpha)`` and ``predict(X, alpha=...)`` interpolate linearly
    on log(alpha) between grid points (exact at grid points), or refit
    exactly from the nearest larger grid point with ``exact=True``.

    With ``relax=True`` each alpha also gets the relaxed fit (glmnet's
    ``relax=TRUE``): unpenalised least squares on that alpha's support.
    The answers are then ``gamma * penalised + (1 - gamma) * relaxed``.

    Parameters
    ----------
    l1_ratio : float in [0, 1], default=0.5
        Mix of L1 (1) and L2 (0) penalties.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of a built grid.
    n_alphas : int, default=None
        Size of a built grid (legacy spelling of an int ``alphas``).
    alphas : int or array-like, default=None
        An int (or None: 100) builds a geometric grid from alpha_max, the
        smallest alpha with every penalised coefficient at 0, down to
        ``eps * alpha_max``; an array is used as given, sorted decreasing.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    precompute : 'auto', bool or ndarray, default='auto'
        Gram form, as in :func:`fastreg.enet_path`.
    max_iter : int, default=1000
        Coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance relative to ``||y_c||^2 / n``.
    positive : bool, default=False
        Non-negative coefficients (also for the relaxed fits).
    selection : {'cyclic', 'random'}, default='cyclic'
    random_state : int, RandomState instance or None, default=None
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature on both penalties.
    relax : bool, default=False
        Also compute the relaxed path.
    gamma : float in [0, 1], default=1.0
        Weight of the penalised fit in the answers (1: plain path; used only
        with ``relax=True``).
    keep_data : bool, default=True
        Keep a reference (not a copy) to the training data, which
        ``exact=True`` needs.
    progress : bool, default=False
        Show a progress bar (tqdm when installed) while the path is fitted.

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,)
    coef_path_ : ndarray of shape (n_features, n_alphas)
        Penalised coefficients per alpha.
    intercept_path_ : ndarray of shape (n_alphas,)
    dual_gaps_ : ndarray of shape (n_alphas,)
        Achieved duality gap per alpha on the objective above.
    n_iters_ : ndarray of shape (n_alphas,)
        Coordinate-descent epochs per alpha.
    n_iter_ : int
        Epochs over the whole path.
    relaxed_coef_path_ : ndarray of shape (n_features, n_alphas)
        Only with ``relax=True``.
    relaxed_intercept_path_ : ndarray of shape (n_alphas,)
        Only with ``relax=True``.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import ElasticNetPath
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8)); y = X @ [3.0, 0, 0, -2, 0, 0, 0, 0]
    >>> path = ElasticNetPath(l1_ratio=0.9, alphas=30).fit(X, y)
    >>> path.coef_path_.shape
    (8, 30)
    >>> a = path.alphas_[10]
    >>> bool(np.array_equal(path.coef(a), path.coef_path_[:, 10]))
    True
    >>> between = np.sqrt(path.alphas_[10] * path.alphas_[11])
    >>> path.predict(X[:2], alpha=between).shape
    (2,)
    """

    _lasso = False

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, n_alphas=None, alphas=None,
                 fit_intercept=True, precompute="auto", max_iter=1000, tol=1e-4,
                 positive=False, selection="cyclic", random_state=None,
                 penalty_factor=None, relax=False, gamma=1.0, keep_data=True,
                 progress=False, lower_bounds=None, upper_bounds=None):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive
        self.selection = selection
        self.random_state = random_state
        self.penalty_factor = penalty_factor
        self.relax = relax
        self.gamma = gamma
        self.keep_data = keep_data
        self.progress = progress
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def _l1(self):
        return 1.0 if self._lasso else check_scalar_param(
            self.l1_ratio, "l1_ratio", low=0, high=1)

    def _solver_params(self):
        if self.relax and (self.lower_bounds is not None
                           or self.upper_bounds is not None):
            raise ValueError("relax=True cannot keep lower_bounds/upper_bounds (its "
                             "least-squares refit is unconstrained), got both")
        return dict(fit_intercept=self.fit_intercept, tol=self.tol,
                    max_iter=self.max_iter, positive=self.positive,
                    selection=self.selection, random_state=self.random_state,
                    lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds)

    def fit(self, X, y, sample_weight=None):
        """Fit the whole path.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        l1_ratio = self._l1()
        check_scalar_param(self.tol, "tol", low=0)
        check_scalar_param(self.max_iter, "max_iter", low=1, integer=True)
        check_choice(self.selection, "selection", ["cyclic", "random"])
        relax = check_bool(self.relax, "relax")
        check_gamma(self.gamma)
        check_bool(self.progress, "progress")
        check_bool(self.keep_data, "keep_data")
        grid = resolve_grid_size(self.alphas, self.n_alphas)
        X, y, sw, pf = validate_fit(self, X, y, sample_weight, self.penalty_factor)
        n, p = X.shape
        params = self._solver_params()
        if isinstance(grid, int):
            grid = alpha_grid(X, y, l1_ratio=l1_ratio, n_alphas=grid, eps=self.eps,
                              sample_weight=sw, penalty_factor=pf,
                              fit_intercept=self.fit_intercept,
                              positive=self.positive, precompute=self.precompute)
        res = _chunked_path(X, y, grid, l1_ratio, sw, pf, self.precompute,
                            params, self.progress)
        self.alphas_ = res.alphas
        self.coef_path_ = res.coefs
        self.intercept_path_ = (res.intercepts if self.fit_intercept
                                else np.zeros_like(res.intercepts))
        self.dual_gaps_ = res.dual_gaps
        self.n_iters_ = res.n_iters
        self.n_iter_ = int(np.sum(res.n_iters))
        self._pf = pf
        if relax:
            self.relaxed_coef_path_, self.relaxed_intercept_path_ = relaxed_path(
                X, y, res.coefs, sample_weight=sw,
                fit_intercept=self.fit_intercept, positive=self.positive)
        self._data = (X, y, sw) if self.keep_data else None
        return self

    # -------------------------------------------------------------- queries
    def _gamma(self, gamma):
        if gamma is None:
            gamma = self.gamma if self.relax else 1.0
        gamma = check_gamma(gamma)
        if gamma != 1.0 and not hasattr(self, "relaxed_coef_path_"):
            raise ValueError(f"gamma must be 1 without relax=True, got {gamma!r}")
        return gamma

    def _at(self, alpha, exact, gamma):
        """Coefficients (p, k) and intercepts (k,) at the requested alphas."""
        check_is_fitted(self)
        exact = check_bool(exact, "exact")
        gamma = self._gamma(gamma)
        arr = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
        if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"alpha must be finite and >= 0, got {alpha!r}")
        grid = self.alphas_
        zero_above = not np.any(self.coef_path_[self._pf > 0, 0])
        p = self.coef_path_.shape[0]
        C = np.empty((p, arr.size), dtype=self.coef_path_.dtype)
        b = np.empty(arr.size)
        relaxed = hasattr(self, "relaxed_coef_path_")
        for k, a in enumerate(arr):
            if exact and not np.any(grid == a):
                w, c, rw, rc = self._refit(a)
            else:
                i, j, t = interpolation_weights(grid, a, zero_above=zero_above)
                w = (1 - t) * self.coef_path_[:, i] + t * self.coef_path_[:, j]
                c = (1 - t) * self.intercept_path_[i] + t * self.intercept_path_[j]
                if relaxed:
                    rw = ((1 - t) * self.relaxed_coef_path_[:, i]
                          + t * self.relaxed_coef_path_[:, j])
                    rc = ((1 - t) * self.relaxed_intercept_path_[i]
                          + t * self.relaxed_intercept_path_[j])
            if relaxed:
                w, c = blend(gamma, w, c, rw, rc)
            C[:, k] = w
            b[k] = c
        return C, b

    def _refit(self, alpha):
        """Exact solution at ``alpha``, warm-started from the path."""
        if self._data is None:
            raise ValueError("exact=True needs the training data: fit with "
                             "keep_data=True, got keep_data=False")
        X, y, sw = self._data
        above = np.flatnonzero(self.alphas_ >= alpha)
        start = self.coef_path_[:, above[-1] if above.size else 0]
        res = compute_path(X, y, l1_ratio=self._l1(), alphas=[alpha],
                           sample_weight=sw, penalty_factor=self._pf,
                           precompute=self.precompute, coef_init=start,
                           check_input=False, warn=False, **self._solver_params())
        warn_not_converged(res)
        w = res.coefs[:, 0]
        c = float(res.intercepts[0]) if self.fit_intercept else 0.0
        rw = rc = None
        if hasattr(self, "relaxed_coef_path_"):
            rw, rc = relaxed_path(X, y, res.coefs, sample_weight=sw,
                                  fit_intercept=self.fit_intercept,
                                  positive=self.positive)
            rw, rc = rw[:, 0], float(rc[0])
        return w, c, rw, rc

    def coef(self, alpha, *, exact=False, gamma=None):
        """Coefficients at ``alpha``.

        At a grid alpha, the fitted ``coef_path_`` column (either way).
        Between two grid alphas a and b, by default the straight line
        between their columns in log(alpha):
        ``(1 - t) coef(a) + t coef(b)`` with
        ``t = log(a / alpha) / log(a / b)`` (linear in alpha when b = 0).
        That is not the solution at ``alpha``: the path is only piecewise
        smooth (coefficients enter, leave or reach a bound between grid
        points), so on a coarse grid the interpolation can be far from it.
        Above the grid the answer is its first column when every penalised
        coefficient is 0 there (the solution for any larger alpha);
        otherwise, and below the grid, interpolation raises ValueError.

        ``exact=True`` solves at ``alpha`` itself (glmnet's
        ``coef(..., exact=TRUE)``), warm-started from the coefficients at the
        nearest grid alpha above it (the first grid alpha when ``alpha`` is
        above the grid), with the estimator's own settings and training data
        (``tol``, ``max_iter``, ``sample_weight``, ``penalty_factor``,
        ``positive``, bounds, ``fit_intercept``, ``precompute``,
        ``selection``): a solution certified to ``tol`` (ConvergenceWarning
        otherwise), at the cost of one alpha's fit.  It needs
        ``keep_data=True``.

        Parameters
        ----------
        alpha : float or array-like of shape (k,)
        exact : bool, default=False
            Refit at ``alpha`` instead of interpolating.
        gamma : float in [0, 1], default=None
            Relaxed blend; None uses the estimator's ``gamma``.  With
            ``exact=True`` the relaxed fit is on the refit's support.

        Returns
        -------
        coef : ndarray of shape (n_features,) or (n_features, k)
        """
        C, _ = self._at(alpha, exact, gamma)
        return C[:, 0] if np.ndim(alpha) == 0 else C

    def intercept(self, alpha, *, exact=False, gamma=None):
        """Intercept at ``alpha``: a float, or ndarray of shape (k,).

        Interpolated, or refitted with ``exact=True``, as in :meth:`coef`.
        """
        _, b = self._at(alpha, exact, gamma)
        return float(b[0]) if np.ndim(alpha) == 0 else b

    def predict(self, X, alpha=None, *, exact=False, gamma=None):
        """Predict at ``alpha`` (None: the smallest alpha of the path).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        alpha : float or array-like of shape (k,), default=None
        exact : bool, default=False
            Refit at ``alpha`` instead of interpolating (see :meth:`coef`).
        gamma : float in [0, 1], default=None

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, k)
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=[np.float64, np.float32])
        a = self.alphas_[-1] if alpha is None else alpha
        C, b = self._at(a, exact, gamma)
        out = np.asarray(X @ C) + b
        return out[:, 0] if np.ndim(a) == 0 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LassoPath(ElasticNetPath):
    """A whole lasso path as one fitted estimator.

    Objective ``1/(2 W) sum_i sw_i (y_i - x_i w - b)^2 + alpha sum_j pf_j |w_j|``
    at every alpha; everything else as :class:`ElasticNetPath` (without
    ``l1_ratio``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import LassoPath
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8)); y = X @ [3.0, 0, 0, -2, 0, 0, 0, 0]
    >>> path = LassoPath(alphas=20, relax=True, gamma=0.0).fit(X, y)
    >>> relaxed = path.coef(path.alphas_[-1])      # least squares on the support
    >>> print(np.round(relaxed[[0, 3]], 6))
    [ 3. -2.]
    """

    _lasso = True

    def __init__(self, *, eps=1e-3, n_alphas=None, alphas=None, fit_intercept=True,
                 precompute="auto", max_iter=1000, tol=1e-4, positive=False,
                 selection="cyclic", random_state=None, penalty_factor=None,
                 relax=False, gamma=1.0, keep_data=True, progress=False,
                 lower_bounds=None, upper_bounds=None):
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive
        self.selection = selection
        self.random_state = random_state
        self.penalty_factor = penalty_factor
        self.relax = relax
        self.gamma = gamma
        self.keep_data = keep_data
        self.progress = progress
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds


def _chunked_path(X, y, grid, l1_ratio, sw, pf, precompute, params, progress,
                  chunk=10):
    """compute_path over ``grid``; in warm-started chunks when showing progress."""
    common = dict(l1_ratio=l1_ratio, sample_weight=sw, penalty_factor=pf,
                  precompute=precompute, check_input=False, warn=False, **params)
    if not progress:
        res = compute_path(X, y, alphas=grid, **common)
        warn_not_converged(res)
        return res
    parts = []
    w = None
    with progress_bar(grid.size, "path", True) as bar:
        for s in range(0, grid.size, chunk):
            r = compute_path(X, y, alphas=grid[s:s + chunk], coef_init=w, **common)
            w = r.coefs[:, -1]
            parts.append(r)
            bar.update(r.alphas.size)
    res = type(parts[0])(
        np.concatenate([r.alphas for r in parts]),
        np.concatenate([r.coefs for r in parts], axis=1),
        np.concatenate([r.intercepts for r in parts]),
        np.concatenate([r.dual_gaps for r in parts]),
        np.concatenate([r.n_iters for r in parts]),
        np.concatenate([r.converged for r in parts]),
        parts[0].gap_tol)
    warn_not_converged(res)
    return res
