"""scikit-learn compatible LogisticRegression on the certified binomial path."""
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._logistic import absent_classes, check_free_columns, classifier_path, prepare
from ._path import _caller_stacklevel, warn_not_converged
from ._validation import (KeywordHints, check_bool, check_bounds, check_choice,
                          check_penalty_factor, check_sample_weight, check_scalar_param)

# scikit-learn's solver names, all solved by fastreg's proximal Newton: the
# same minimiser, and for 'liblinear' the minimiser of its objective, whose
# intercept is penalised (see penalised_intercept)
_SOLVERS = ("lbfgs", "newton-cg", "newton-cholesky", "sag", "saga", "auto", "liblinear")
# the names whose smooth fits of dense data start by L-BFGS-B (the others
# take Newton steps throughout, whose quadratic convergence leaves a tight
# tol's fits nearer exact: scikit-learn's tests compare a path's fits at
# tol 1e-8 with single ones to 1e-5 with 'newton-cholesky')
_QUASI_NEWTON = ("lbfgs", "auto")


def _penalty_l1_ratio(penalty, l1_ratio, given=True):
    """The l1_ratio a scikit-learn ``penalty`` (deprecated there since 1.8)
    stands for, with its warnings: 'l1' is 1, 'l2' 0, 'elasticnet' the
    given l1_ratio (``given``: whether the user set one)."""
    if isinstance(penalty, str) and penalty == "deprecated":
        return l1_ratio
    fixed = {"l1": 1.0, "l2": 0.0, "elasticnet": l1_ratio}
    if not isinstance(penalty, str) or penalty not in fixed:
        hint = (" (C is keyword-only: LogisticRegression(C=...), as scikit-learn's)"
                if isinstance(penalty, numbers.Real) else "")
        raise ValueError(f"penalty must be one of 'l1', 'l2', 'elasticnet' (or left "
                         f"unset, using l1_ratio), got {penalty!r}{hint}")
    warnings.warn("'penalty' was deprecated in scikit-learn 1.8: leave it unset and "
                  "use l1_ratio (1 for 'l1', 0 for 'l2', in between for "
                  "'elasticnet')", FutureWarning, stacklevel=3)
    if given and penalty != "elasticnet" and l1_ratio != fixed[penalty]:
        warnings.warn(f"Inconsistent values: penalty={penalty} with "
                      f"l1_ratio={l1_ratio}: penalty={penalty!r} fits "
                      f"l1_ratio={fixed[penalty]:g}", UserWarning, stacklevel=3)
    return fixed[penalty]


def validate_classes(estimator, X, y):
    """(X, y, classes) of a classifier's fit: X dense or CSC/CSR, float64 or
    float32; y class labels of at least two classes."""
    X, y = validate_data(estimator, X, y, accept_sparse=["csc", "csr"],
                         dtype=[np.float64, np.float32], order=None)
    check_classification_targets(y)
    classes = np.unique(y)
    if classes.shape[0] < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {classes[0]!r}")
    return X, y, classes


def class_sample_weight(class_weight, y, sample_weight):
    """Each sample's weight: ``sample_weight`` (ones by default) times its
    class's weight, 'balanced' computed from the weighted class totals as
    scikit-learn 1.9 does (float64, checked)."""
    n = y.shape[0]
    sw = check_sample_weight(sample_weight, n, np.float64)
    sw = np.ones(n) if sw is None else sw.astype(np.float64)
    if class_weight is None:
        return sw
    classes, idx = np.unique(y, return_inverse=True)
    totals = np.bincount(idx, weights=sw, minlength=classes.size)
    if class_weight == "balanced" and np.any(totals <= 0):
        raise ValueError(f"sample_weight must leave every class a positive weight "
                         f"for class_weight='balanced', got 0 for class "
                         f"{classes[np.argmin(totals)]!r}")
    return sw * compute_class_weight(class_weight, classes=classes, y=y,
                                     sample_weight=sw)[idx]


def check_liblinear(solver, n_classes):
    """liblinear's model is binary (refused in scikit-learn's first words)."""
    if solver == "liblinear" and n_classes > 2:
        raise ValueError(
            "The 'liblinear' solver does not support multiclass classification "
            f"(n_classes >= 3), got {n_classes} classes: use another solver, whose "
            "multinomial model fastreg fits, or wrap the estimator in a "
            "OneVsRestClassifier")


def penalised_intercept(est, X, C):
    """The problem ``est`` (its solver, intercept, penalty factors and
    bounds) poses on X at C: ``(X, penalty_factor, lower_bounds,
    upper_bounds, fit_intercept)``.  For solver='liblinear' with an
    intercept and a finite C that is liblinear's model: X with a last column
    of ``intercept_scaling``, whose coefficient, penalised as any feature's
    and unbounded, times intercept_scaling is the intercept
    (``split_intercept``), solved without an intercept of its own.
    liblinear works in float64 (scikit-learn's coef_ is float64 then)."""
    p = X.shape[1]
    pf = check_penalty_factor(est.penalty_factor, p, np.float64)
    if est.solver == "liblinear":
        X = X.astype(np.float64, copy=False)
    if not (est.solver == "liblinear" and est.fit_intercept and C != np.inf):
        return X, pf, est.lower_bounds, est.upper_bounds, est.fit_intercept
    lo, hi = check_bounds(est.lower_bounds, est.upper_bounds, p)
    column = np.full((X.shape[0], 1), est.intercept_scaling, dtype=X.dtype)
    X = (sp.hstack([X, type(X)(column)], format=X.format) if sp.issparse(X)
         else np.hstack([X, column]))
    return X, np.append(pf, 1.0), np.append(lo, -np.inf), np.append(hi, np.inf), False


def _gap_scale(penalised):
    """What tol multiplies, as the ConvergenceWarning names it."""
    return ("F(0) = log 2 (liblinear's intercept is penalised)" if penalised
            else "F(b0) (the intercept-only objective)")


def split_intercept(res, p, scaling):
    """A path fitted on ``penalised_intercept``'s X (p features and the
    intercept's column): its intercepts from that column, removed from the
    coefficients."""
    res.intercepts = scaling * np.asarray(res.coefs[p], dtype=np.float64)
    res.coefs = res.coefs[:p]
    return res


class LogisticRegression(KeywordHints, ClassifierMixin, BaseEstimator):
    """Logistic regression with L1, L2 or Elastic-Net penalties, certified.

    For two classes (y mapped to {0, 1}, the larger label is 1) minimises
    (for more, the multinomial model below)::

        C * sum_i s_i [log(1 + exp(eta_i)) - y_i eta_i]
            + l1_ratio * sum_j pf_j |w_j| + (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    with eta = b + X w and s_i = sample_weight_i times the class weight, as
    scikit-learn's ``LogisticRegression`` (1.8 and later) does: the same
    minimiser, reached by working-set proximal Newton until the duality gap
    is at most ``tol`` times the intercept-only objective (on the scale of
    ``fastreg.logistic_path``: alpha = 1 / (C * sum(s))).

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength, > 0.  ``np.inf`` fits the
        unpenalised model (with more than two classes, each feature's
        coefficients sum to 0 over the classes; its certificate projects the
        dual point on X's columns by a dense least-squares solve, so n * p
        is at most 2**27 and n * p**2 at most 2e10).
    l1_ratio : float in [0, 1], default=0.0
        Mix of L1 (1) and L2 (0), scikit-learn's default being pure L2.
    tol : float, default=1e-4
        Duality-gap tolerance relative to the intercept-only objective.
    max_iter : int, default=100
        Proximal Newton steps (and L-BFGS iterations, see ``solver``) at
        most.  0 takes none: ``coef_`` and
        ``intercept_`` are the starting point (zero, or the previous fit's
        with ``warm_start``), with a ``ConvergenceWarning`` (``dual_gap_``
        is NaN: not computed).
    fit_intercept : bool, default=True
        Fit an intercept: unpenalised, but with solver='liblinear'.
    class_weight : dict, 'balanced' or None, default=None
        Weights per class, multiplied into ``sample_weight``.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_``.
    solver : str, default='lbfgs'
        Accepted for compatibility: 'lbfgs', 'newton-cg', 'newton-cholesky',
        'sag', 'saga' and 'auto' all give this objective's minimiser, found
        by fastreg's proximal Newton, certified by the same duality gap.
        With 'lbfgs' and 'auto', an L2 fit (l1_ratio=0) of dense data
        (over a quarter of X's entries nonzero, however stored) without
        unpenalised features starts by scipy's L-BFGS-B, certified as it
        goes (its iterations count in ``n_iter_``): on correlated dense
        columns it is many times faster.  The Newton names take Newton
        steps throughout, whose quadratic convergence leaves fits at a
        tight ``tol`` nearer the exact minimiser.  'liblinear' gives the
        minimiser of liblinear's objective (two classes): the intercept is
        the coefficient of an extra feature of constant value
        ``intercept_scaling``, penalised as the others (times
        intercept_scaling), so it shrinks with C as they do.  Its duality
        gap is measured against ``tol`` times F(0) = log 2 (there is no
        unpenalised intercept-only model).  Unlike scikit-learn's, it also
        fits 0 < l1_ratio < 1, and C=np.inf (the unpenalised model, the
        same for every solver).
    penalty : {'l1', 'l2', 'elasticnet'}, default='deprecated'
        As scikit-learn 1.9's (deprecated there): 'l1' fits l1_ratio=1,
        'l2' l1_ratio=0, 'elasticnet' the given l1_ratio, with its
        FutureWarning.  None is the unpenalised model, as C=np.inf (with
        scikit-learn's warning when C is set too).
    dual : bool, default=False
        True, liblinear's dual formulation of the L2 model (solver
        'liblinear', l1_ratio 0), has the same minimiser, which is returned;
        refused by name with other solvers or penalties.
    intercept_scaling : float, default=1
        The intercept's feature value with solver='liblinear' (see solver);
        no effect with the other solvers, whose intercept is unpenalised.
    random_state, verbose, n_jobs
        Accepted for compatibility, without effect: they act on liblinear,
        sag and saga's randomised or verbose runs (the solver here is
        deterministic), and n_jobs has no effect in scikit-learn 1.9.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature on both penalties; 0 leaves a
        feature unpenalised.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Box on each coefficient (lower <= 0 <= upper).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        One row for two classes; a row per class for more (the multinomial
        model: loss ``sum_i s_i [log sum_k exp(eta_ik) - eta_i,y_i]`` with
        the penalty on every row, intercepts summing to 0).
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,)
        Proximal Newton steps, or multinomial rounds of up to 5 joint
        steps (including the warm path of a fit from zero); an L2 fit of
        dense data with 'lbfgs' or 'auto' counts its L-BFGS iterations too
        (it starts by L-BFGS with up to max_iter - 10 iterations, then takes
        Newton steps).
    dual_gap_ : float
        The certified duality gap on ``logistic_path``'s scale.
    n_features_in_ : int

    Notes
    -----
    With more than two classes an unpenalised feature (``C=np.inf``, or
    ``penalty_factor`` 0) may not have bounds.  A class without a sample of
    positive weight gets coefficients 0 and a finite intercept whose
    probabilities cost at most 1e-3 of the gap target (counted in
    ``dual_gap_``).  On nearly separable data with little
    regularisation the solver converges slowly (then a
    ``ConvergenceWarning`` says so).

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = np.where(X[:, 0] - X[:, 1] + 0.3 * rng.standard_normal(200) > 0, "a", "b")
    >>> clf = LogisticRegression(C=0.1, l1_ratio=1.0).fit(X, y)
    >>> clf.classes_.tolist(), int(np.count_nonzero(clf.coef_))
    (['a', 'b'], 2)
    >>> float(clf.score(X, y)) > 0.9
    True
    """

    def __init__(self, penalty="deprecated", *, C=1.0, l1_ratio=0.0, dual=False,
                 tol=1e-4, fit_intercept=True, intercept_scaling=1, class_weight=None,
                 random_state=None, solver="lbfgs", max_iter=100, verbose=0,
                 warm_start=False, n_jobs=None, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            float64 or float32; the coefficients follow the dtype (float64
            with solver='liblinear').
        y : array-like of shape (n_samples,)
            Class labels (two or more classes).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        C, l1_ratio = self._check_params()
        X, y, classes = validate_classes(self, X, y)
        return self._fit_checked(X, y, sample_weight, C, l1_ratio, classes)

    def _check_params(self):
        """(C, l1_ratio) after checking every scalar parameter."""
        l1_ratio = check_scalar_param(self.l1_ratio, "l1_ratio", low=0, high=1)
        # C = np.inf is the unpenalised model
        C = (np.inf if isinstance(self.C, numbers.Real) and self.C == np.inf
             else check_scalar_param(self.C, "C", low=0, low_open=True))
        if self.penalty is None:
            # (scikit-learn 1.9's warnings: penalty is deprecated there, and
            # None overrides C)
            warnings.warn("'penalty' was deprecated in scikit-learn 1.8: leave it "
                          "unset and use C=np.inf for the unpenalised model",
                          FutureWarning, stacklevel=3)
            if C != 1.0:
                warnings.warn("Setting penalty=None will ignore the C and l1_ratio "
                              f"parameters (C={self.C!r})", UserWarning, stacklevel=3)
            C = np.inf
        else:
            l1_ratio = _penalty_l1_ratio(self.penalty, l1_ratio)
        check_scalar_param(self.tol, "tol", low=0)
        check_scalar_param(self.max_iter, "max_iter", low=0, integer=True)
        check_scalar_param(self.intercept_scaling, "intercept_scaling", low=0,
                           low_open=True)
        if not isinstance(self.verbose, (bool, np.bool_)):
            check_scalar_param(self.verbose, "verbose", low=0, integer=True)
        for name in ("fit_intercept", "warm_start", "dual"):
            check_bool(getattr(self, name), name)
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(map(repr, _SOLVERS))}, "
                             f"got {self.solver!r}")
        # dual=True: liblinear's dual formulation of the L2 model, whose
        # minimiser is the primal one (scikit-learn's rules)
        if self.dual and self.solver != "liblinear":
            raise ValueError(f"Solver {self.solver} supports only dual=False, got "
                             f"dual=True")
        if self.dual and l1_ratio != 0:
            raise ValueError(f"dual=True is liblinear's formulation of the L2 model: "
                             f"l1_ratio must be 0 with it, got {l1_ratio!r}")
        return C, l1_ratio

    def _fit_checked(self, X, y, sample_weight, C, l1_ratio, classes):
        n, p = X.shape
        K = classes.shape[0]
        check_liblinear(self.solver, K)
        sw = class_sample_weight(self.class_weight, y, sample_weight)
        X_fit, pf, lower, upper, fit_intercept = penalised_intercept(self, X, C)
        penalised = X_fit.shape[1] > p     # (liblinear's intercept column)
        alpha = 1.0 / (C * float(np.sum(sw)))
        if C == np.inf:
            # the unpenalised model: every feature unpenalised (pf = 0), at
            # any alpha
            check_free_columns(n, p, "C=np.inf (penalty=None): the unpenalised model",
                               "use a finite C > 0")
            pf, alpha = np.zeros(p), 1.0
        rows = 1 if K == 2 else K
        coef_init = intercept_init = None
        if self.warm_start and getattr(self, "coef_", None) is not None \
                and self.coef_.shape == (rows, p):
            coef_init, intercept_init = self.coef_, self.intercept_
            if sp.issparse(coef_init):
                coef_init = coef_init.toarray()
            if K == 2:
                intercept_init = float(intercept_init[0])
            if penalised:
                # (the intercept as its column's coefficient)
                coef_init = np.append(coef_init, intercept_init / self.intercept_scaling)
                intercept_init = 0.0
        if self.max_iter == 0:
            # (the inputs checked as a fit would check them)
            _, _, y01, sw01, *_ = prepare(
                X_fit, y, sample_weight=sw, penalty_factor=pf, lower_bounds=lower,
                upper_bounds=upper, positive=False, fit_intercept=fit_intercept)
            absent_classes(classes, y01, sw01, fit_intercept)
            return self._no_step(X, classes, coef_init, intercept_init, penalised)
        res, classes = classifier_path(
            X_fit, y, l1_ratio=l1_ratio, eps=1.0, n_alphas=1, alphas=[alpha],
            tol=self.tol, max_iter=self.max_iter, fit_intercept=fit_intercept,
            sample_weight=sw, penalty_factor=pf, lower_bounds=lower,
            upper_bounds=upper, positive=False, coef_init=coef_init,
            intercept_init=0.0 if intercept_init is None else intercept_init,
            single=coef_init is None, quasi_newton=self.solver in _QUASI_NEWTON)
        if penalised:
            split_intercept(res, p, self.intercept_scaling)
        if C == np.inf and not res.converged[0]:
            warnings.warn(
                f"C=np.inf: the unpenalised model did not converge within max_iter="
                f"{self.max_iter} steps (duality gap {res.dual_gaps[0]:.3g}, tol * F(b0) "
                f"= {res.gap_tol:.3g}); where the classes are separable no finite "
                f"minimiser exists: use a finite C", ConvergenceWarning,
                stacklevel=_caller_stacklevel())
        else:
            warn_not_converged(res, scale=_gap_scale(penalised))
        self.classes_ = classes
        self.coef_ = np.asarray(res.coefs[..., 0]).reshape(rows, p).copy()
        self.intercept_ = np.asarray(res.intercepts[..., 0], dtype=np.float64).reshape(rows)
        if not self.fit_intercept:
            self.intercept_ = np.zeros(rows)
        self.n_iter_ = np.array([int(res.n_iters[0])], dtype=np.int32)
        self.dual_gap_ = float(res.dual_gaps[0])
        return self

    def _no_step(self, X, classes, coef_init, intercept_init, penalised):
        """max_iter=0: the starting point, unfitted, as scikit-learn leaves
        it (zero, or the previous fit's with warm_start)."""
        rows = 1 if classes.shape[0] == 2 else classes.shape[0]
        p = X.shape[1]
        dtype = np.float64 if penalised else X.dtype
        if coef_init is None:
            coef, intercept = np.zeros((rows, p), dtype), np.zeros(rows)
        else:
            coef = np.asarray(coef_init, dtype=dtype).ravel()
            if penalised:
                # (back from the intercept column's coefficient)
                intercept_init = coef[-1] * self.intercept_scaling
                coef = coef[:-1]
            coef = coef.reshape(rows, p).copy()
            intercept = np.asarray(intercept_init, dtype=np.float64).reshape(rows).copy()
        warnings.warn("max_iter=0: no step was taken; coef_ and intercept_ are the "
                      "starting point, not a fit", ConvergenceWarning,
                      stacklevel=_caller_stacklevel())
        self.classes_ = classes
        self.coef_ = coef
        self.intercept_ = intercept if self.fit_intercept else np.zeros(rows)
        self.n_iter_ = np.zeros(1, dtype=np.int32)
        self.dual_gap_ = np.nan
        return self

    def decision_function(self, X):
        """``X @ coef_.T + intercept_``: for two classes a vector, positive
        for ``classes_[1]``; else one column per class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=[np.float64, np.float32])
        scores = X @ self.coef_.T
        scores = (scores.toarray() if sp.issparse(scores) else np.asarray(scores)) \
            + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def sparsify(self):
        """Store ``coef_`` as a SciPy CSR matrix (scikit-learn's linear
        classifiers' method); ``densify`` undoes it.  Returns self."""
        check_is_fitted(self)
        self.coef_ = sp.csr_matrix(self.coef_)
        return self

    def densify(self):
        """Store ``coef_`` as a dense array again.  Returns self."""
        check_is_fitted(self)
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def predict(self, X):
        """The class of each sample: the largest score (two classes:
        ``classes_[1]`` where the decision is > 0)."""
        check_is_fitted(self)
        scores = self.decision_function(X)
        idx = (scores > 0).astype(int) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return self.classes_[idx]

    def predict_proba(self, X):
        """Probabilities of ``classes_``, shape (n_samples, n_classes): the
        logistic function of the decision, or its softmax."""
        return np.exp(self.predict_log_proba(X))

    def predict_log_proba(self, X):
        """Log of ``predict_proba``, computed without underflow."""
        eta = np.asarray(self.decision_function(X), dtype=np.float64)
        if eta.ndim == 1:
            return np.column_stack([-np.logaddexp(0.0, eta), -np.logaddexp(0.0, -eta)])
        top = eta.max(axis=1, keepdims=True)
        return eta - (top + np.log(np.exp(eta - top).sum(axis=1, keepdims=True)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LogisticRegressionCV(KeywordHints, ClassifierMixin, BaseEstimator):
    """Logistic regression with C (and l1_ratio) chosen by cross-validation.

    Every candidate minimises :class:`LogisticRegression`'s objective on the
    training rows of each fold; the Cs of one (fold, l1_ratio) are solved as
    one warm-started, certified path (alpha = 1 / (C * W_train), from the
    smallest C up), folds and l1_ratios in parallel threads (``n_jobs``).
    The chosen (C, l1_ratio) maximises the mean test score over the folds
    (``selection_rule='min'``, scikit-learn's choice), or is the smallest C,
    then the largest l1_ratio, whose mean score is within one standard error
    of that best (``'1se'``; SE = std over folds, ddof=0, / sqrt(n_folds)).

    Parameters
    ----------
    Cs : int or array-like, default=10
        An int gives scikit-learn's grid ``np.logspace(-4, 4, Cs)``.
    l1_ratios : array-like of floats in [0, 1], default=None
        None is (0.0,) (pure L2, or what ``penalty`` fixes) and, as
        scikit-learn 1.9, drops the l1_ratio axis of the legacy attributes.
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, default=None
        None: 5 stratified folds (scikit-learn's ``check_cv``).
    scoring : str or callable, default=None
        A scikit-learn scorer name ('accuracy', 'neg_log_loss', 'roc_auc',
        ...) or callable; None is accuracy.  The ROC AUC names need every
        class in every test fold (a ValueError names the fold otherwise,
        where scikit-learn's scores are NaN).
    solver : str, default='lbfgs'
        As :class:`LogisticRegression`.
    tol : float, default=1e-4
    max_iter : int, default=100
    class_weight : dict, 'balanced' or None, default=None
    n_jobs : int, default=None
    refit : bool, default=True
        Refit on all the data at the chosen (C, l1_ratio); False averages
        over the folds the coefficients at each fold's own best (C,
        l1_ratio), and C_ and l1_ratio_ are those choices' means (as
        scikit-learn; with '1se' every fold takes the rule's choice).
    selection_rule : {'min', '1se'}, default='min'
    use_legacy_attributes : bool, default=True
        The layout of C_, l1_ratio_, scores_, coefs_paths_ and n_iter_, as
        scikit-learn 1.9's parameter of that name (whose default is
        True until its 1.10).
    dual, penalty, verbose, intercept_scaling, random_state
        As :class:`LogisticRegression`'s (penalty 'l1' or 'l2' fixes the
        one l1_ratio; solver='liblinear' penalises the intercept, in every
        fold's path as in the refit).
    penalty_factor, lower_bounds, upper_bounds : see LogisticRegression

    Attributes
    ----------
    classes_, coef_, intercept_ : as LogisticRegression
    Cs_ : ndarray of shape (n_Cs,)
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    C_, l1_ratio_ : ndarray of shape (1,) (binary) or (n_classes,), the
        same value repeated; a float when ``use_legacy_attributes=False``
    scores_ : dict or ndarray
        Test score of every fold, C and l1_ratio: a dict from each class
        (the positive one only when binary) to the same array (n_folds,
        n_Cs, n_l1_ratios); without legacy attributes the array (n_folds,
        n_l1_ratios, n_Cs).
    coefs_paths_ : dict or ndarray
        Each fold's coefficients at every C and l1_ratio, the intercept
        last when fitted (n_dof = n_features + fit_intercept): a dict from
        each class as scores_ to (n_folds, n_Cs, n_l1_ratios, n_dof), or
        (n_folds, n_l1_ratios, n_Cs, 1 or n_classes, n_dof).
    n_iter_ : ndarray of shape (1, n_folds, n_Cs, n_l1_ratios)
        Proximal Newton steps (and L-BFGS iterations, see
        LogisticRegression's ``solver``) of each fold, C and l1_ratio (1
        where the warm start was certified as it stood); (n_folds,
        n_l1_ratios, n_Cs) without legacy attributes.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import LogisticRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 10))
    >>> y = (X[:, 0] + 0.5 * rng.standard_normal(300) > 0).astype(int)
    >>> clf = LogisticRegressionCV(Cs=8, l1_ratios=[1.0], cv=3).fit(X, y)
    >>> clf.C_.shape, float(clf.score(X, y)) > 0.8
    ((1,), True)
    """

    def __init__(self, *, Cs=10, l1_ratios=None, fit_intercept=True, cv=None,
                 scoring=None, solver="lbfgs", tol=1e-4, max_iter=100,
                 class_weight=None, n_jobs=None, refit=True, selection_rule="min",
                 use_legacy_attributes=True, dual=False, penalty="deprecated",
                 verbose=0, intercept_scaling=1.0, random_state=None,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.solver = solver
        self.dual = dual
        self.penalty = penalty
        self.verbose = verbose
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.refit = refit
        self.selection_rule = selection_rule
        self.use_legacy_attributes = use_legacy_attributes
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def _model(self, C=1.0, l1_ratio=0.0):
        """The single-fit estimator these settings describe."""
        return LogisticRegression(
            C=C, l1_ratio=l1_ratio, dual=self.dual, tol=self.tol, max_iter=self.max_iter,
            fit_intercept=self.fit_intercept, intercept_scaling=self.intercept_scaling,
            class_weight=self.class_weight, random_state=self.random_state,
            solver=self.solver, verbose=self.verbose,
            penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
            upper_bounds=self.upper_bounds)

    def fit(self, X, y, sample_weight=None):
        """Fit the path of every fold and l1_ratio, choose, and refit.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        from contextlib import nullcontext

        from joblib import Parallel, delayed, effective_n_jobs
        from sklearn.metrics import check_scoring
        from sklearn.model_selection import check_cv
        from threadpoolctl import threadpool_limits

        check_choice(self.selection_rule, "selection_rule", ["min", "1se"])
        check_bool(self.refit, "refit")
        check_bool(self.use_legacy_attributes, "use_legacy_attributes")
        if isinstance(self.Cs, numbers.Integral) and not isinstance(self.Cs, bool):
            check_scalar_param(self.Cs, "Cs", low=1, integer=True)
            Cs = np.logspace(-4, 4, self.Cs)
        else:
            Cs = np.asarray(self.Cs, dtype=np.float64).ravel()
            if Cs.size == 0 or not np.all(np.isfinite(Cs)) or np.any(Cs <= 0):
                raise ValueError(f"Cs must be an int or positive finite values, "
                                 f"got {self.Cs!r}")
        # each path runs from the smallest C up; the attributes keep the
        # order given (scikit-learn's): sorted index inv[k] is given Cs[k]
        order = np.argsort(Cs, kind="stable")
        Cs_given, Cs = Cs, Cs[order]
        inv = np.empty_like(order)
        inv[order] = np.arange(order.size)
        l1_ratios = np.asarray((0.0,) if self.l1_ratios is None else self.l1_ratios,
                               dtype=np.float64).ravel()
        if l1_ratios.size == 0 or np.any((l1_ratios < 0) | (l1_ratios > 1)) \
                or not np.all(np.isfinite(l1_ratios)):
            raise ValueError(f"l1_ratios must be values in [0, 1], got {self.l1_ratios!r}")
        if self.penalty is None:
            raise ValueError("penalty=None: the unpenalised model has no C to choose; "
                             "fit LogisticRegression(C=np.inf) instead")
        if not (isinstance(self.penalty, str) and self.penalty in ("deprecated",
                                                                    "elasticnet")):
            # 'l1' or 'l2' fix the one l1_ratio (with scikit-learn's warnings)
            l1_ratios = np.array([_penalty_l1_ratio(self.penalty, float(l1_ratios[0]),
                                                    given=self.l1_ratios is not None)])
        elif self.penalty == "elasticnet":
            if self.l1_ratios is None:
                raise ValueError("l1_ratios must be given with penalty='elasticnet', "
                                 "got None")
            _penalty_l1_ratio(self.penalty, 0.5)
        template = self._model()
        template._check_params()
        check_scalar_param(self.max_iter, "max_iter", low=1, integer=True)
        if self.dual and np.any(l1_ratios != 0):
            raise ValueError(f"dual=True is liblinear's formulation of the L2 model: "
                             f"l1_ratios must all be 0 with it, got {l1_ratios.tolist()}")
        X, y, classes = validate_classes(self, X, y)
        sw = class_sample_weight(self.class_weight, y, sample_weight)
        user_sw = check_sample_weight(sample_weight, y.shape[0], np.float64)
        scorer = _labelled_scorer(self.scoring, classes) or \
            check_scoring(template, scoring=self.scoring or "accuracy")
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y))
        _check_ranking_folds(self.scoring, folds, y, classes)
        check_liblinear(self.solver, classes.shape[0])
        # (Cs are finite: liblinear's model, when asked, for every C)
        X_fit, pf, lower, upper, fit_intercept = penalised_intercept(self, X, 1.0)
        penalised = X_fit.shape[1] > X.shape[1]
        missing = None if fit_intercept else _first_missing(folds, y, classes, 0)
        if missing:
            raise ValueError(
                f"cv: fold {missing[0]}'s training rows hold no sample of class "
                f"{missing[1]!r}; without an unpenalised intercept "
                f"(fit_intercept=False, or solver='liblinear') every training "
                f"fold must hold every class")

        def path(train, test, l1_ratio):
            # (a class missing from the training rows is fitted in its
            # limit, probability 0: see _logistic.absent_classes)
            alphas = 1.0 / (Cs * float(np.sum(sw[train])))
            res = _path_once(X_fit[train], y[train], sw[train], l1_ratio, alphas,
                             self.tol, self.max_iter, fit_intercept, pf, lower, upper,
                             _gap_scale(penalised), classes,
                             self.solver in _QUASI_NEWTON)
            if penalised:
                split_intercept(res, X.shape[1], self.intercept_scaling)
            scores = np.empty(Cs.size)
            fitted = []
            # the test rows' sample_weight (not the class weights) weighs
            # their score, as scikit-learn 1.9 does
            score_kw = ({} if user_sw is None
                        else dict(sample_weight=user_sw[test]))
            for i in range(Cs.size):
                est = _fitted(self._model(Cs[i], l1_ratio), classes, res, i,
                              X.shape[1], self.fit_intercept)
                scores[i] = scorer(est, X[test], y[test], **score_kw)
                fitted.append((est.coef_, est.intercept_))
            # (an alpha certified at its warm start counts the certificate as
            # its one iteration: scikit-learn's n_iter_ are at least 1)
            return scores, fitted, np.maximum(res.n_iters, 1)

        jobs = [(f, r) for f in range(len(folds)) for r in range(l1_ratios.size)]
        # (each path limits BLAS to one thread, a process-wide count: paths
        # in several threads would restore it out of order, and leave it at
        # 1 after the fit; the limit around them all restores it last)
        limit = (threadpool_limits(limits=1, user_api="blas")
                 if effective_n_jobs(self.n_jobs) > 1 else nullcontext())
        with limit:
            out = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(path)(*folds[f], l1_ratios[r]) for f, r in jobs)
        scores = np.empty((len(folds), Cs.size, l1_ratios.size))
        n_iter = np.empty((len(folds), Cs.size, l1_ratios.size), dtype=np.int32)
        fitted = {}
        for (f, r), (s, fits, it) in zip(jobs, out):
            scores[f, :, r] = s
            n_iter[f, :, r] = it
            fitted[f, r] = fits
        # choices in the order of the Cs given (argmax takes the first of
        # tied scores, as scikit-learn's)
        scores, n_iter = scores[:, inv], n_iter[:, inv]
        fitted = {k: [v[i] for i in inv] for k, v in fitted.items()}
        mean = scores.mean(axis=0)
        i_best, r_best = np.unravel_index(np.argmax(mean), mean.shape)
        if self.selection_rule == "1se":
            se = np.std(scores[:, i_best, r_best]) / np.sqrt(len(folds))
            ok = np.argwhere(mean >= mean[i_best, r_best] - se)
            # the smallest C (strongest penalty), then the largest l1_ratio
            i_best, r_best = min(map(tuple, ok),
                                 key=lambda t: (Cs_given[t[0]], -l1_ratios[t[1]]))
        self.classes_ = classes
        self.Cs_ = Cs_given
        self.l1_ratios_ = l1_ratios
        # (folds, Cs, l1_ratios) over the sorted Cs and the chosen (C,
        # l1_ratio) indices there, whatever use_legacy_attributes says (plots, CLI)
        self._cv_Cs, self._cv_scores = Cs, scores[:, order]
        self._cv_best = (int(inv[i_best]), int(r_best))
        C, l1_ratio = Cs_given[i_best], l1_ratios[r_best]
        if self.refit:
            model = self._model(C, l1_ratio).fit(X, y, sample_weight=sample_weight)
            self.coef_, self.intercept_ = model.coef_, model.intercept_
        else:
            # scikit-learn's rule: each fold's own best (C, l1_ratio) (the
            # '1se' choice is made on the mean: every fold takes it), the
            # coefficients and the choices averaged over the folds
            picks = [np.unravel_index(np.argmax(scores[f]), mean.shape)
                     if self.selection_rule == "min" else (i_best, r_best)
                     for f in range(len(folds))]
            self.coef_ = np.mean([fitted[f, r][i][0] for f, (i, r) in enumerate(picks)],
                                 axis=0)
            self.intercept_ = np.mean([fitted[f, r][i][1]
                                       for f, (i, r) in enumerate(picks)], axis=0)
            C = float(np.mean([Cs_given[i] for i, _ in picks]))
            l1_ratio = float(np.mean([l1_ratios[r] for _, r in picks]))
        self._set_cv_attributes(scores, n_iter, fitted, C, l1_ratio)
        return self

    def _set_cv_attributes(self, scores, n_iter, fitted, C, l1_ratio):
        """C_, l1_ratio_, scores_, coefs_paths_ and n_iter_ as scikit-learn
        (1.9) sets them: by default (``use_legacy_attributes=True``) dicts
        keyed by class (the positive class only when binary) of arrays
        (n_folds, n_Cs, n_l1_ratios[, n_dof]) and C_, l1_ratio_ of shape
        (1,) or (n_classes,); otherwise floats and arrays (n_folds,
        n_l1_ratios, n_Cs[, n_classes or 1, n_dof]).  n_dof counts the
        intercept when fitted (last)."""
        n_folds, n_cs, n_l1 = scores.shape
        rows = 1 if self.classes_.shape[0] == 2 else self.classes_.shape[0]
        # (n_folds, n_Cs, n_l1_ratios, rows, n_dof)
        paths = np.array([[[np.column_stack([fitted[f, r][i][0]]
                                            + ([fitted[f, r][i][1]] if self.fit_intercept
                                               else []))
                            for r in range(n_l1)] for i in range(n_cs)]
                          for f in range(n_folds)], dtype=np.float64)
        if self.use_legacy_attributes:
            keys = self.classes_[1:] if rows == 1 else self.classes_
            # (l1_ratios=None: no l1_ratio axis)
            one = (slice(None), slice(None), 0) if self.l1_ratios is None else ()
            self.scores_ = {k: scores[one].copy() for k in keys}
            self.coefs_paths_ = {k: paths[:, :, :, c][one] for c, k in enumerate(keys)}
            self.n_iter_ = n_iter[None][(slice(None),) + one]
            self.C_ = np.full(rows, C)
            self.l1_ratio_ = np.full(rows, l1_ratio)
        else:
            self.scores_ = scores.transpose(0, 2, 1)
            self.coefs_paths_ = paths.transpose(0, 2, 1, 3, 4)
            self.n_iter_ = n_iter.transpose(0, 2, 1)
            self.C_ = float(C)
            self.l1_ratio_ = float(l1_ratio)

    decision_function = LogisticRegression.decision_function
    sparsify = LogisticRegression.sparsify
    densify = LogisticRegression.densify
    predict = LogisticRegression.predict
    predict_proba = LogisticRegression.predict_proba
    predict_log_proba = LogisticRegression.predict_log_proba

    def score(self, X, y, sample_weight=None):
        """The ``scoring`` the folds were scored with (accuracy when None),
        of this model on (X, y), as scikit-learn's LogisticRegressionCV."""
        from sklearn.metrics import check_scoring
        check_is_fitted(self)
        scorer = check_scoring(self, scoring=self.scoring or "accuracy")
        if sample_weight is None:
            return scorer(self, X, y)
        return scorer(self, X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _check_ranking_folds(scoring, folds, y, classes):
    """ROC AUC is undefined on a test fold that misses a class (for two
    classes, one that holds only one): refused by name, where scikit-learn
    scores such folds NaN and chooses C among NaNs."""
    if not (isinstance(scoring, str) and scoring.startswith("roc_auc")):
        return
    missing = _first_missing(folds, y, classes, 1)
    if missing:
        raise ValueError(
            f"scoring={scoring!r} is undefined on cv's fold {missing[0]}: its test "
            f"rows hold no sample of class {missing[1]!r}; use folds that keep every "
            f"class (StratifiedKFold, scikit-learn's default for an int cv) or "
            f"scoring='neg_log_loss'")


def _first_missing(folds, y, classes, side):
    """(fold, class) of the first fold whose training (side 0) or test
    (side 1) rows hold no sample of some class, or None."""
    for f, rows in enumerate(folds):
        missing = np.setdiff1d(classes, y[rows[side]])
        if missing.size:
            return f, missing.tolist()[0]
    return None


def _labelled_scorer(scoring, classes):
    """For the probabilistic losses named by ``scoring``, a scorer told
    every class (a test fold may miss some, where their metric would not
    know the model's columns), as scikit-learn's LogisticRegressionCV scores
    them; None for any other scoring."""
    from sklearn.metrics import brier_score_loss, log_loss, make_scorer
    metric = {"neg_log_loss": log_loss, "neg_brier_score": brier_score_loss}.get(
        scoring if isinstance(scoring, str) else None)
    if metric is None:
        return None
    extra = dict(pos_label=classes[-1]) if (metric is brier_score_loss
                                             and classes.shape[0] == 2) else {}
    return make_scorer(metric, greater_is_better=False, response_method="predict_proba",
                       labels=classes, **extra)


def _path_once(X, y, sw, l1_ratio, alphas, tol, max_iter, fit_intercept, pf, lower,
               upper, scale, classes, quasi_newton):
    """One fold's certified path over ``alphas`` (decreasing), for the
    model of ``classes``."""
    res, _ = classifier_path(
        X, y, l1_ratio=l1_ratio, eps=1.0, n_alphas=alphas.size, alphas=alphas,
        tol=tol, max_iter=max_iter, fit_intercept=fit_intercept, sample_weight=sw,
        penalty_factor=pf, lower_bounds=lower, upper_bounds=upper, positive=False,
        classes=classes, quasi_newton=quasi_newton)
    warn_not_converged(res, scale=scale)
    return res


def _fitted(est, classes, res, i, p, fit_intercept):
    """``est`` with the path's i-th solution set as its fit (for scoring)."""
    rows = 1 if classes.shape[0] == 2 else classes.shape[0]
    est.classes_ = classes
    est.coef_ = np.asarray(res.coefs[..., i]).reshape(rows, p)
    est.intercept_ = (np.asarray(res.intercepts[..., i], dtype=np.float64).reshape(rows)
                      if fit_intercept else np.zeros(rows))
    est.n_features_in_ = p
    return est
