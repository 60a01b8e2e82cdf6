"""scikit-learn compatible Lasso and ElasticNet (public scikit-learn API only)."""
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._distributed import fit_single, is_dask_array
from ._distributed import predict as dask_predict
from ._path import compute_path, warn_not_converged
from ._validation import (KeywordHints, check_bool, check_choice, check_gram,
                          check_scalar_param, validate_fit)


class LinearPredictMixin(KeywordHints):
    """``predict`` for estimators with ``coef_`` and ``intercept_``."""

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return dask_predict(self, X)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=[np.float64, np.float32])
        out = X @ np.asarray(self.coef_).T
        out = np.asarray(out) + self.intercept_
        return out


class ElasticNet(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Linear regression with combined L1 and L2 penalties.

    Minimises::

        1 / (2 W) * sum_i sw_i (y_i - x_i w - b)^2
            + alpha * l1_ratio * sum_j pf_j |w_j|
            + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    with W = sum(sw) (n_samples without weights) and pf the
    ``penalty_factor`` (ones by default).  The solution is certified: the
    duality gap reaches ``tol * ||y_c||^2 / n`` (scikit-learn's rule) or a
    ``ConvergenceWarning`` says it did not.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
    l1_ratio : float, default=0.5
        Mix of L1 (1) and L2 (0), in [0, 1].
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.  Sparse X is centred implicitly (never
        densified nor copied).
    precompute : 'auto', bool or ndarray, default='auto'
        Use the Gram form; True computes the whole matrix.  'auto' solves a
        single fit on X itself (Gram entries repay themselves over paths,
        see ``enet_path``).
    max_iter : int, default=1000
        Coordinate-descent epochs at most.
    copy_X : bool, default=True
        Accepted for compatibility; X is never modified.  C-ordered dense X
        is copied to Fortran order (and CSR to CSC) unless the Gram form is
        used.
    tol : float, default=1e-4
        Duality-gap tolerance relative to ``||y_c||^2 / n``.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seed for ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Coordinate order.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature on both penalties; 0 leaves a
        feature unpenalised.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Per-coefficient box ``lower_bounds <= w <= upper_bounds`` (glmnet's
        ``lower.limits`` / ``upper.limits``): lower bounds must be <= 0 and
        upper bounds >= 0 (-inf / inf leave a side free).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
        Epochs run at ``alpha``.  A fit from zero (no warm start) first
        solves a few larger alphas, halving from the smallest alpha that
        gives all zeros, as warm starts: faster and steadier than a cold
        start at a small alpha; their epochs are not counted here.
    dual_gap_ : float or ndarray of shape (n_targets,)
        Achieved duality gap on the objective above.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import ElasticNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5)); y = X @ [1.0, 0, 0, 2, 0] + 3
    >>> model = ElasticNet(alpha=0.01, l1_ratio=0.9).fit(X, y)
    >>> np.round(model.coef_, 1)
    array([1., 0., 0., 2., 0.])
    >>> round(float(model.intercept_), 1)
    3.0
    """

    _l1_ratio_fixed = None

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True,
                 precompute="auto", max_iter=1000, copy_X=True, tol=1e-4,
                 warm_start=False, positive=False, random_state=None,
                 selection="cyclic", penalty_factor=None, lower_bounds=None,
                 upper_bounds=None):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def _get_l1_ratio(self):
        return self.l1_ratio

    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            float64 or float32; the coefficients follow the dtype.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative weights.
        check_input : bool, default=True
            Accepted for compatibility; inputs are always checked.

        Returns
        -------
        self : object
        """
        alpha = check_scalar_param(self.alpha, "alpha", low=0)
        l1_ratio = check_scalar_param(self._get_l1_ratio(), "l1_ratio", low=0, high=1)
        check_choice(self.selection, "selection", ["cyclic", "random"])
        for name in ("fit_intercept", "positive", "warm_start", "copy_X"):
            check_bool(getattr(self, name), name)
        if is_dask_array(X):
            # row blocks on a dask.distributed cluster (fastreg._distributed)
            return fit_single(self, X, y, sample_weight, l1_ratio, others={
                "precompute": (self.precompute if self.precompute is not False
                               else "auto", "auto"),
                "warm_start": (self.warm_start, False),
                "lower_bounds": (self.lower_bounds, None),
                "upper_bounds": (self.upper_bounds, None),
                "selection": (self.selection, "cyclic")})
        X, y, sw, pf = validate_fit(self, X, y, sample_weight, self.penalty_factor,
                                    multi_output=True)
        n, p = X.shape
        precompute = self.precompute
        if isinstance(precompute, np.ndarray):
            if precompute.shape != (p, p):
                raise ValueError(f"precompute must be a ({p}, {p}) Gram matrix, "
                                 f"got shape {precompute.shape}")
            mu = np.asarray(X.mean(axis=0) if sw is None else
                            (X.T @ sw) / np.sum(sw), dtype=np.float64).ravel()
            if self.fit_intercept and not np.allclose(mu, 0.0):
                # scikit-learn's behaviour: X^T X of uncentred X is not the
                # Gram matrix of the problem with an intercept
                warnings.warn(
                    "Gram matrix was provided but X was centered to fit intercept: "
                    "recomputing Gram matrix.", UserWarning, stacklevel=2)
                precompute = True
            else:
                factor = check_gram(precompute, X, sw, self.fit_intercept)
                if factor != 1.0:
                    precompute = precompute * factor
        if alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are "
                "advised to use the LinearRegression estimator (coordinate descent "
                "converges slowly and its duality gap cannot certify the "
                "solution).", UserWarning, stacklevel=2)
        Y = y[:, None] if y.ndim == 1 else y
        prev = None
        if self.warm_start and hasattr(self, "coef_"):
            prev = np.atleast_2d(self.coef_)
            if prev.shape != (Y.shape[1], p):
                prev = None
        coef = np.empty((Y.shape[1], p), dtype=X.dtype)
        intercept = np.empty(Y.shape[1])
        gaps = np.empty(Y.shape[1])
        n_iter = []
        for k in range(Y.shape[1]):
            res = compute_path(
                X, Y[:, k], l1_ratio=l1_ratio, alphas=[alpha], sample_weight=sw,
                penalty_factor=pf, fit_intercept=self.fit_intercept,
                precompute=precompute,
                coef_init=None if prev is None else prev[k], tol=self.tol,
                max_iter=self.max_iter, positive=self.positive,
                lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds,
                selection=self.selection, random_state=self.random_state,
                check_input=False, warn=False)
            warn_not_converged(res)
            coef[k] = res.coefs[:, 0]
            intercept[k] = res.intercepts[0] if self.fit_intercept else 0.0
            gaps[k] = res.dual_gaps[0]
            n_iter.append(int(res.n_iters[0]))
        if y.ndim == 1:
            self.coef_ = coef[0]
            self.intercept_ = float(intercept[0])
            self.dual_gap_ = float(gaps[0])
            self.n_iter_ = n_iter[0]
        else:
            self.coef_ = coef
            self.intercept_ = intercept
            self.dual_gap_ = gaps
            self.n_iter_ = n_iter
        return self

    @property
    def sparse_coef_(self):
        """``coef_`` as a scipy.sparse CSR matrix."""
        return sp.csr_matrix(np.atleast_2d(self.coef_))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty.

    Minimises ``1/(2 W) sum_i sw_i (y_i - x_i w - b)^2 + alpha sum_j pf_j |w_j|``
    (W = sum(sw), n_samples without weights).  Parameters and attributes
    are those of :class:`ElasticNet` without ``l1_ratio``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 5)); y = X @ [1.0, 0, 0, 2, 0]
    >>> np.round(Lasso(alpha=0.01).fit(X, y).coef_, 1)
    array([1., 0., 0., 2., 0.])
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute="auto",
                 copy_X=True, max_iter=1000, tol=1e-4, warm_start=False,
                 positive=False, random_state=None, selection="cyclic",
                 penalty_factor=None, lower_bounds=None, upper_bounds=None):
        super().__init__(alpha=alpha, l1_ratio=1.0, fit_intercept=fit_intercept,
                         precompute=precompute, max_iter=max_iter, copy_X=copy_X,
                         tol=tol, warm_start=warm_start, positive=positive,
                         random_state=random_state, selection=selection,
                         penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                         upper_bounds=upper_bounds)

    def _get_l1_ratio(self):
        return 1.0
