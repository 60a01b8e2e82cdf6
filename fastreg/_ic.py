"""Lasso and Elastic Net with alpha chosen by an information criterion.

The path is the warm-started coordinate-descent path; for each alpha::

    criterion = n log(2 pi sigma^2) + RSS / sigma^2 + K df

with K = 2 (AIC) or log(n) (BIC), RSS the residual sum of squares, df the
degrees of freedom (nonzeros for the lasso; the trace of the elastic-net
hat matrix on the active set otherwise) and sigma^2 the noise variance,
given or estimated by ordinary least squares as scikit-learn's
``LassoLarsIC`` estimates it.
"""
import numpy as np
import scipy.sparse as sp
from scipy.optimize import nnls
from sklearn.base import BaseEstimator, RegressorMixin

from ._estimators import LinearPredictMixin
from ._path import compute_path, warn_not_converged
from ._path_estimator import alpha_grid, check_bool, resolve_grid_size
from ._validation import check_choice, check_scalar_param, validate_fit


def _centred_dense(X, cols, mu):
    """Dense ``X[:, cols] - mu[cols]`` in float64."""
    XA = X[:, cols]
    XA = XA.toarray() if sp.issparse(XA) else np.asarray(XA)
    return XA.astype(np.float64) - mu[cols]


def estimate_noise_variance(X, y, *, fit_intercept, positive):
    """``||y_c - X_c b_ols||^2 / (n - p - fit_intercept)``, as ``LassoLarsIC``.

    Needs n_samples > n_features + fit_intercept.
    """
    n, p = X.shape
    if n <= p + int(fit_intercept):
        raise ValueError(
            f"noise_variance must be given when n_samples <= n_features + "
            f"fit_intercept (the least-squares estimate needs more samples), got "
            f"n_samples={n}, n_features={p}, noise_variance=None")
    mu = (np.asarray(X.mean(axis=0)).ravel() if fit_intercept else np.zeros(p))
    yc = np.asarray(y, dtype=np.float64)
    yc = yc - yc.mean() if fit_intercept else yc
    Xc = _centred_dense(X, np.arange(p), mu)
    b = nnls(Xc, yc)[0] if positive else np.linalg.lstsq(Xc, yc, rcond=None)[0]
    r = yc - Xc @ b
    return float(r @ r) / (n - p - int(fit_intercept))


def enet_degrees_of_freedom(X, coefs, *, alphas, l1_ratio, pf, fit_intercept):
    """Degrees of freedom per alpha.

    Lasso (l1_ratio = 1): the number of nonzero coefficients.  Otherwise
    ``trace(X_A (X_A^T X_A + n alpha (1 - l1_ratio) diag(pf_A))^-1 X_A^T)``
    on the active set A (X centred with an intercept).
    """
    eps = np.finfo(coefs.dtype).eps
    active = np.abs(coefs) > eps
    if l1_ratio == 1.0:
        return active.sum(axis=0).astype(np.float64)
    n, p = X.shape
    union = np.flatnonzero(active.any(axis=1))
    df = np.zeros(coefs.shape[1])
    if union.size == 0:
        return df
    mu = (np.asarray(X.mean(axis=0)).ravel() if fit_intercept else np.zeros(p))
    XU = _centred_dense(X, union, mu)
    G = XU.T @ XU
    pos = {j: i for i, j in enumerate(union)}
    for k in range(coefs.shape[1]):
        A = np.flatnonzero(active[:, k])
        if A.size == 0:
            continue
        idx = np.array([pos[j] for j in A])
        GA = G[np.ix_(idx, idx)]
        D = n * alphas[k] * (1.0 - l1_ratio) * np.asarray(pf, np.float64)[A]
        # trace((G_A + D)^-1 G_A), minimum-norm when singular
        M = GA + np.diag(D)
        df[k] = float(np.trace(np.linalg.lstsq(M, GA, rcond=None)[0]))
    return df


class ElasticNetIC(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Elastic net with alpha chosen by AIC or BIC along the path.

    Each alpha of the path minimises::

        1 / (2 n) * ||y - X w - b||^2
            + alpha * l1_ratio * sum_j pf_j |w_j|
            + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    and the chosen alpha minimises
    ``n log(2 pi sigma^2) + RSS / sigma^2 + K df`` (K = 2 for AIC, log(n)
    for BIC).  df is the trace of
    ``X_A (X_A^T X_A + n alpha (1 - l1_ratio) diag(pf_A))^-1 X_A^T`` on the
    active set A (the number of nonzeros when l1_ratio = 1).  sigma^2 is
    ``noise_variance`` or, as in :class:`sklearn.linear_model.LassoLarsIC`,
    ``||y_c - X_c b_ols||^2 / (n - p - fit_intercept)``.

    Parameters
    ----------
    criterion : {'aic', 'bic'}, default='aic'
    l1_ratio : float in (0, 1], default=0.5
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the built grid.
    alphas : int or array-like, default=None
        An int (None: 100) builds a geometric grid from alpha_max; an array
        is used as given (sorted decreasing).
    n_alphas : int, default=None
        Legacy spelling of an int ``alphas``.
    fit_intercept : bool, default=True
    precompute : 'auto' or bool, default='auto'
    max_iter : int, default=1000
    tol : float, default=1e-4
        Duality-gap tolerance relative to ``||y_c||^2 / n``.
    positive : bool, default=False
    selection : {'cyclic', 'random'}, default='cyclic'
    random_state : int, RandomState instance or None, default=None
    penalty_factor : array-like of shape (n_features,), default=None
    noise_variance : float, default=None
        Known noise variance; required when n_samples <= n_features +
        fit_intercept.

    Attributes
    ----------
    alpha_ : float
    alphas_ : ndarray of shape (n_alphas,)
    criterion_ : ndarray of shape (n_alphas,)
    df_ : ndarray of shape (n_alphas,)
        Degrees of freedom per alpha.
    noise_variance_ : float
    coef_path_ : ndarray of shape (n_features, n_alphas)
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    dual_gap_ : float
        Duality gap at ``alpha_``.
    n_iter_ : int
        Epochs at ``alpha_``.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import ElasticNetIC
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10))
    >>> y = X[:, 0] - 2 * X[:, 1] + 0.5 * rng.standard_normal(200)
    >>> model = ElasticNetIC(criterion="bic", l1_ratio=0.8).fit(X, y)
    >>> np.flatnonzero(np.abs(model.coef_) > 0.1)
    array([0, 1])
    """

    _lasso = False

    def __init__(self, criterion="aic", *, l1_ratio=0.5, eps=1e-3, alphas=None,
                 n_alphas=None, fit_intercept=True, precompute="auto",
                 max_iter=1000, tol=1e-4, positive=False, selection="cyclic",
                 random_state=None, penalty_factor=None, noise_variance=None):
        self.criterion = criterion
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive
        self.selection = selection
        self.random_state = random_state
        self.penalty_factor = penalty_factor
        self.noise_variance = noise_variance

    def fit(self, X, y):
        """Fit the path and pick the alpha with the smallest criterion.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)

        Returns
        -------
        self : object
        """
        check_choice(self.criterion, "criterion", ["aic", "bic"])
        l1_ratio = 1.0 if self._lasso else check_scalar_param(
            self.l1_ratio, "l1_ratio", low=0, high=1, low_open=True)
        check_scalar_param(self.tol, "tol", low=0)
        check_scalar_param(self.max_iter, "max_iter", low=1, integer=True)
        check_choice(self.selection, "selection", ["cyclic", "random"])
        check_bool(self.fit_intercept, "fit_intercept")
        check_bool(self.positive, "positive")
        if self.noise_variance is not None:
            check_scalar_param(self.noise_variance, "noise_variance", low=0,
                               low_open=True)
        grid = resolve_grid_size(self.alphas, self.n_alphas)
        X, y, _, pf = validate_fit(self, X, y, None, self.penalty_factor)
        n, p = X.shape
        if self.noise_variance is None:
            sigma2 = estimate_noise_variance(X, y, fit_intercept=self.fit_intercept,
                                             positive=self.positive)
        else:
            sigma2 = float(self.noise_variance)
        if isinstance(grid, int):
            grid = alpha_grid(X, y, l1_ratio=l1_ratio, n_alphas=grid, eps=self.eps,
                              sample_weight=None, penalty_factor=pf,
                              fit_intercept=self.fit_intercept, positive=self.positive,
                              precompute=self.precompute)
        res = compute_path(X, y, l1_ratio=l1_ratio, alphas=grid, penalty_factor=pf,
                           fit_intercept=self.fit_intercept,
                           precompute=self.precompute, tol=self.tol,
                           max_iter=self.max_iter, positive=self.positive,
                           selection=self.selection, random_state=self.random_state,
                           check_input=False, warn=False)
        warn_not_converged(res)
        intercepts = res.intercepts if self.fit_intercept else np.zeros(grid.size)
        R = np.asarray(X @ res.coefs.astype(np.float64)) + intercepts
        R = np.asarray(y, dtype=np.float64)[:, None] - R
        rss = np.sum(R ** 2, axis=0)
        df = enet_degrees_of_freedom(X, res.coefs, alphas=res.alphas,
                                     l1_ratio=l1_ratio, pf=pf,
                                     fit_intercept=self.fit_intercept)
        K = 2.0 if self.criterion == "aic" else np.log(n)
        self.criterion_ = n * np.log(2 * np.pi * sigma2) + rss / sigma2 + K * df
        best = int(np.argmin(self.criterion_))
        self.noise_variance_ = sigma2
        self.df_ = df
        self.alphas_ = res.alphas
        self.coef_path_ = res.coefs
        self.alpha_ = float(res.alphas[best])
        self.coef_ = res.coefs[:, best].copy()
        self.intercept_ = float(intercepts[best])
        self.dual_gap_ = float(res.dual_gaps[best])
        self.n_iter_ = int(res.n_iters[best])
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LassoIC(ElasticNetIC):
    """Lasso with alpha chosen by AIC or BIC along a coordinate-descent path.

    Objective ``1/(2n) ||y - X w - b||^2 + alpha sum_j pf_j |w_j|``; df is the
    number of nonzero coefficients, so on the same alphas the criterion is
    that of :class:`sklearn.linear_model.LassoLarsIC`.  Parameters and
    attributes as :class:`ElasticNetIC` without ``l1_ratio``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import LassoIC
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10))
    >>> y = X[:, 0] - 2 * X[:, 1] + 0.5 * rng.standard_normal(200)
    >>> model = LassoIC(criterion="bic").fit(X, y)
    >>> np.flatnonzero(np.abs(model.coef_) > 0.1)
    array([0, 1])
    """

    _lasso = True

    def __init__(self, criterion="aic", *, eps=1e-3, alphas=None, n_alphas=None,
                 fit_intercept=True, precompute="auto", max_iter=1000, tol=1e-4,
                 positive=False, selection="cyclic", random_state=None,
                 penalty_factor=None, noise_variance=None):
        self.criterion = criterion
        self.eps = eps
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive
        self.selection = selection
        self.random_state = random_state
        self.penalty_factor = penalty_factor
        self.noise_variance = noise_variance
