"""``LogisticPath``: a whole elastic-net logistic path as one fitted classifier.

The binomial (two classes) or multinomial (more) counterpart of
``ElasticNetPath``: ``fit`` keeps every alpha of a warm-started, certified
path (``fastreg._logistic.classifier_path``); the queries answer at any alpha
of the fitted range, interpolating the coefficients on log(alpha) between
grid points exactly as ``ElasticNetPath`` does by default.
"""
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._logistic import classifier_path
from ._path import warn_not_converged
from ._path_estimator import interpolation_weights
from ._classifier import class_sample_weight, validate_classes
from ._validation import KeywordHints, check_penalty_factor


class LogisticPath(KeywordHints, ClassifierMixin, BaseEstimator):
    """A whole elastic-net logistic regression path as one fitted classifier.

    For every alpha of the grid the objective is (two classes, y mapped to
    {0, 1} with ``classes_[1]`` as 1, eta = b + X w)::

        1 / W * sum_i s_i [log(1 + exp(eta_i)) - y_i eta_i]
            + alpha * l1_ratio * sum_j pf_j |w_j|
            + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    with s_i = sample_weight_i times the weight of its class
    (``class_weight``), W = sum(s) and pf the ``penalty_factor``, as in
    :func:`fastreg.logistic_path`.  With more than two classes the loss is
    the multinomial one, ``1 / W * sum_i s_i [log sum_k exp(eta_ik) -
    eta_i,y_i]``, with the same penalty on every class's coefficients and
    one intercept per class (summing to 0).  Each alpha is solved by
    warm-started proximal Newton steps until its duality gap is at most
    ``tol`` times the intercept-only objective.  The solution at alpha is
    :class:`~fastreg.LogisticRegression`'s at ``C = 1 / (alpha * W)``.

    After ``fit`` the model answers at any alpha of the path:
    :meth:`coef`, :meth:`intercept`, :meth:`decision_function`,
    :meth:`predict`, :meth:`predict_proba` and :meth:`predict_log_proba`
    take ``alpha`` (None: the smallest alpha of the path, also what
    ``score`` uses).  At a grid alpha the answer is the fitted column;
    between two grid alphas the coefficients and intercepts are
    interpolated linearly in log(alpha) (as :class:`~fastreg.ElasticNetPath`
    does; the probabilities are those of the interpolated coefficients).
    Above the grid, when every penalised coefficient is 0 at its first alpha
    (always so on a built grid, which starts at alpha_max), the answer is
    that intercept-only model (intercept and unpenalised features fitted);
    otherwise, and below the grid, the queries raise ValueError.

    Parameters
    ----------
    l1_ratio : float in [0, 1], default=1.0
        Mix of L1 (1) and L2 (0) penalties (0 needs ``alphas`` as an array).
    eps : float, default=None
        ``alpha_min / alpha_max`` of a built grid; None: 1e-2 when
        n_samples < n_features, else 1e-4.
    n_alphas : int, default=100
        Size of a built grid.
    alphas : int or array-like, default=None
        An int builds a grid of that many alphas (instead of ``n_alphas``);
        an array is used as given, sorted decreasing.  A built grid is
        geometric from alpha_max, the smallest alpha whose penalised
        coefficients are all 0, down to ``eps * alpha_max``.
    tol : float, default=1e-4
        Duality-gap tolerance, relative to the intercept-only objective.
    max_iter : int, default=100
        Proximal Newton steps per alpha (the first alpha's count also holds
        the unpenalised features' fit before it, budgeted apart; L2 alphas
        of dense data count L-BFGS iterations: see ``logistic_path``).
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    class_weight : dict, 'balanced' or None, default=None
        Weights per class, multiplied into ``sample_weight`` (as in
        :class:`~fastreg.LogisticRegression`); W above includes them.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature on both penalties; 0 leaves a
        feature unpenalised (two classes only).
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Box on each coefficient (lower <= 0 <= upper).
    positive : bool, default=False
        Non-negative coefficients (a lower bound of 0).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    alphas_ : ndarray of shape (n_alphas,)
        Decreasing.
    coef_path_ : ndarray of shape (n_features, n_alphas) or (n_classes, n_features, n_alphas)
        The first shape for two classes (the coefficients of ``classes_[1]``),
        the second for more.
    intercept_path_ : ndarray of shape (n_alphas,) or (n_classes, n_alphas)
        Zeros without ``fit_intercept``.
    dual_gaps_ : ndarray of shape (n_alphas,)
        Certified duality gap per alpha, on the objective above.
    n_iters_ : ndarray of shape (n_alphas,)
        Proximal Newton steps per alpha (rounds of one step per class with
        more than two classes; and L-BFGS iterations, see ``max_iter``).
    n_iter_ : int
        Steps over the whole path.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X has string column names.

    See Also
    --------
    fastreg.logistic_path : the same path as arrays.
    fastreg.LogisticRegression : one C (one alpha) only.
    fastreg.ElasticNetPath : the least-squares path estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import LogisticPath
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5))
    >>> y = np.where(X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(100) > 0, "a", "b")
    >>> path = LogisticPath(n_alphas=20).fit(X, y)
    >>> path.coef_path_.shape
    (5, 20)
    >>> bool(np.all(path.coef(path.alphas_[0]) == 0))    # alpha_max: intercept only
    True
    >>> between = np.sqrt(path.alphas_[10] * path.alphas_[11])
    >>> path.predict_proba(X[:2], alpha=between).shape
    (2, 2)
    >>> float(path.score(X, y)) > 0.8                       # at the smallest alpha
    True
    """

    def __init__(self, *, l1_ratio=1.0, eps=None, n_alphas=100, alphas=None,
                 tol=1e-4, max_iter=100, fit_intercept=True, class_weight=None,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 positive=False):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.tol = tol
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.positive = positive

    def fit(self, X, y, sample_weight=None):
        """Fit the whole path.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            float64 or float32; the coefficients follow the dtype.
        y : array-like of shape (n_samples,)
            Class labels (two or more classes).
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        X, y, _ = validate_classes(self, X, y)
        n, p = X.shape
        sw = class_sample_weight(self.class_weight, y, sample_weight)
        # (classifier_path checks every other parameter)
        res, classes = classifier_path(
            X, y, l1_ratio=self.l1_ratio, eps=self.eps, n_alphas=self.n_alphas,
            alphas=self.alphas, tol=self.tol, max_iter=self.max_iter,
            fit_intercept=self.fit_intercept, sample_weight=sw,
            penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
            upper_bounds=self.upper_bounds, positive=self.positive)
        warn_not_converged(res, scale="F(b0) (the intercept-only objective)")
        pf = check_penalty_factor(self.penalty_factor, p, np.float64)
        self.classes_ = classes
        self.alphas_ = res.alphas
        self.coef_path_ = res.coefs
        self.intercept_path_ = np.asarray(res.intercepts, dtype=np.float64)
        if not self.fit_intercept:
            self.intercept_path_ = np.zeros_like(self.intercept_path_)
        self.dual_gaps_ = res.dual_gaps
        self.n_iters_ = res.n_iters
        self.n_iter_ = int(np.sum(res.n_iters))
        # every penalised coefficient at 0 at the first alpha: the same
        # (intercept-only) solution for any larger alpha
        self._zero_above = not np.any(self.coef_path_[..., pf > 0, 0])
        return self

    # -------------------------------------------------------------- queries
    def _at(self, alpha):
        """Coefficients (..., n_features, k) and intercepts (..., k) at the
        k requested alphas (interpolated on log(alpha))."""
        check_is_fitted(self)
        arr = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) \
                or np.any(arr < 0):
            raise ValueError(f"alpha must be finite and >= 0 (a float or a "
                             f"non-empty 1-D array), got {alpha!r}")
        grid = self.alphas_
        C, B = self.coef_path_, self.intercept_path_
        coefs = np.empty(C.shape[:-1] + (arr.size,), dtype=C.dtype)
        intercepts = np.empty(B.shape[:-1] + (arr.size,))
        for k, a in enumerate(arr):
            on_grid = np.any(grid == a)
            if a > grid[0] and not on_grid and not self._zero_above:
                raise ValueError(
                    f"alpha must be <= the path's largest alpha {grid[0]:.6g} "
                    f"(whose solution is not intercept-only), got {float(a)!r}; "
                    "fit a grid that starts at alpha_max (alphas=None or an int)")
            if a < grid[-1] and not on_grid:
                raise ValueError(
                    f"alpha must be >= the path's smallest alpha {grid[-1]:.6g} "
                    f"to interpolate, got {float(a)!r}; fit a longer path (a "
                    "smaller eps, or an alphas array reaching lower)")
            i, j, t = interpolation_weights(grid, a, zero_above=self._zero_above)
            coefs[..., k] = (1 - t) * C[..., i] + t * C[..., j]
            intercepts[..., k] = (1 - t) * B[..., i] + t * B[..., j]
        return coefs, intercepts

    def coef(self, alpha):
        """Coefficients at ``alpha``.

        At a grid alpha, the fitted ``coef_path_`` column.  Between two grid
        alphas a > b, ``(1 - t) coef(a) + t coef(b)`` with
        ``t = log(a / alpha) / log(a / b)`` (linear in alpha when b = 0):
        not the solution at ``alpha``, which is only piecewise smooth in
        alpha, but close to it on a fine grid.  Above the grid, the first
        column when it is intercept-only; otherwise, and below the grid,
        ValueError.

        Parameters
        ----------
        alpha : float or array-like of shape (k,)

        Returns
        -------
        coef : ndarray
            Of shape (n_features,) for two classes, (n_classes, n_features)
            for more; with an array of k alphas, a last axis of length k.
        """
        C, _ = self._at(alpha)
        return C[..., 0] if np.ndim(alpha) == 0 else C

    def intercept(self, alpha):
        """Intercept at ``alpha``, interpolated as in :meth:`coef`.

        Returns
        -------
        intercept : float or ndarray
            A float for two classes, shape (n_classes,) for more; with an
            array of k alphas, a last axis of length k.
        """
        _, b = self._at(alpha)
        if np.ndim(alpha) == 0:
            b = b[..., 0]
            return float(b) if b.ndim == 0 else b
        return b

    def _scores(self, X, alpha):
        """Decision values (n_samples, k) or (n_samples, n_classes, k)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=[np.float64, np.float32])
        a = self.alphas_[-1] if alpha is None else alpha
        C, b = self._at(a)
        if C.ndim == 2:                                       # two classes
            eta = np.asarray(X @ C, dtype=np.float64) + b
        else:                                                 # (K, p, k)
            eta = np.stack([np.asarray(X @ C[:, :, k].T, dtype=np.float64) + b[:, k]
                            for k in range(C.shape[2])], axis=-1)
        return eta, np.ndim(a) == 0

    def decision_function(self, X, alpha=None):
        """``X w + b`` at ``alpha`` (None: the smallest alpha of the path).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        alpha : float or array-like of shape (k,), default=None

        Returns
        -------
        scores : ndarray
            Of shape (n_samples,) for two classes (positive for
            ``classes_[1]``), (n_samples, n_classes) for more; with an array
            of k alphas, a last axis of length k.
        """
        eta, scalar = self._scores(X, alpha)
        return eta[..., 0] if scalar else eta

    def predict(self, X, alpha=None):
        """The class of each sample at ``alpha``: the largest score (two
        classes: ``classes_[1]`` where the decision is > 0).

        Returns
        -------
        y : ndarray of shape (n_samples,), or (n_samples, k) for k alphas
        """
        eta, scalar = self._scores(X, alpha)
        idx = (eta > 0).astype(np.intp) if eta.ndim == 2 else np.argmax(eta, axis=1)
        out = self.classes_[idx]
        return out[:, 0] if scalar else out

    def predict_log_proba(self, X, alpha=None):
        """Log-probabilities of ``classes_`` at ``alpha``, computed without
        overflow or underflow: ``-log(1 + exp(-+eta))`` for two classes, the
        log-softmax through log-sum-exp for more.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), or
            (n_samples, n_classes, k) for k alphas
        """
        eta, scalar = self._scores(X, alpha)
        if eta.ndim == 2:
            out = np.stack([-np.logaddexp(0.0, eta), -np.logaddexp(0.0, -eta)], axis=1)
        else:
            top = eta.max(axis=1, keepdims=True)
            out = eta - (top + np.log(np.exp(eta - top).sum(axis=1, keepdims=True)))
        return out[..., 0] if scalar else out

    def predict_proba(self, X, alpha=None):
        """Probabilities of ``classes_`` at ``alpha``: the logistic function
        of the decision (two classes) or its softmax (more); see
        :meth:`predict_log_proba`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or
            (n_samples, n_classes, k) for k alphas
        """
        return np.exp(self.predict_log_proba(X, alpha))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
