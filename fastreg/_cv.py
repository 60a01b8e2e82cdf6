"""Cross-validated Lasso and Elastic Net: one path per (fold, l1_ratio).

Every fold uses the same alpha grid, built on the full data as
scikit-learn builds it.  The (fold, l1_ratio) paths run in parallel through
joblib (threads by default: the kernels release the GIL; any joblib backend,
Dask included, works unchanged).  A fold's training rows reach the path
either as a copy of ``X[train]``, as 0/1 sample weights on the full X (no
copy of X), or, for tall dense X, with its Gram matrix cut from one shared
by every fold (``FoldGrams``); ``fold_strategy='auto'`` picks what measured
faster.
"""
import numbers
import warnings
from collections import namedtuple
from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from threadpoolctl import threadpool_limits

from ._distributed import is_dask_array
from ._estimators import LinearPredictMixin
from ._path import _LONG_PATH, compute_path, enet_path, lasso_path, warn_not_converged
from ._path_estimator import (alpha_grid, blend, check_bool, check_gamma,
                              relaxed_path, resolve_grid_size)
from ._problems import _GramProblem
from ._progress import progress_bar
from ._validation import (as_kernel_X, check_choice, check_scalar_param,
                          validate_fit)

_DEFAULT_GAMMAS = (0.0, 0.25, 0.5, 0.75, 1.0)


def check_cv_precompute(precompute):
    """'auto', True or False: a Gram matrix of the full data fits no fold."""
    if isinstance(precompute, np.ndarray):
        raise ValueError("precompute must be True, False or 'auto' for "
                         "cross-validation (a Gram matrix of the full data does "
                         "not fit any fold), got an ndarray")
    if not any(precompute is v for v in (True, False)) and not (
            isinstance(precompute, str) and precompute == "auto"):
        raise ValueError(
            f"precompute must be True, False or 'auto', got {precompute!r}")
    return precompute


def choose_fold_strategy(X):
    """'copy' (``X[train]``) or 'weights' (0/1 sample weights on the full X).

    Weights avoid a copy of X per fold, but every pass then also reads the
    test rows (n / n_train more work).  Measured with 5 folds, CPU time of
    the five fold paths (benchmarks/bench_cv.py problem, 20,000 x 40,000
    CSC): weights 1.37-1.46 s, copy 1.22-1.37 s; dense AR(1) 300 x 5,000:
    weights 0.82 s, copy 0.39-0.51 s; dense 20,000 x 300 (Gram or not):
    within noise.  The copy is never slower, so 'auto' copies; pass
    ``fold_strategy='weights'`` when memory, not time, is the limit.
    """
    return "copy"


def gram_folds_refusal(X, folds, precompute, n_alphas):
    """Why the folds cannot share one Gram matrix of X (None when they can).

    Sharing needs what a fold's own Gram form would (dense X, float64, at
    least twice as many training rows as features, a path of at least
    ``_LONG_PATH`` alphas), test folds that partition the rows (every fold
    trains on exactly the rows outside its test fold: KFold, GroupKFold...),
    and memory: ``FoldGrams`` keeps a Gram matrix per fold (and one for the
    rows in no test fold), and each path running holds two.
    """
    n, p = X.shape
    if sp.issparse(X) or X.dtype != np.float64:
        return f"dense float64 X, got {'sparse' if sp.issparse(X) else X.dtype} X"
    if precompute is False:
        return "precompute=True or 'auto', got False"
    n_train = min(len(train) for train, _ in folds)
    if n_train < 2 * p:
        return (f"at least 2 n_features = {2 * p} training rows in every fold, "
                f"got {n_train}")
    if n_alphas < _LONG_PATH:
        return f"alphas of at least {_LONG_PATH} values, got {n_alphas}"
    tested = np.zeros(n, dtype=np.int64)
    for k, (train, test) in enumerate(folds):
        in_test = np.zeros(n, dtype=bool)
        in_test[test] = True
        in_train = np.zeros(n, dtype=bool)
        in_train[train] = True
        if (len(test) != in_test.sum() or len(train) != in_train.sum()
                or not np.array_equal(in_train, ~in_test)):
            return (f"folds that train on exactly the rows outside their test "
                    f"fold, got fold {k} training on {len(train)} entries: "
                    f"{int((in_train & ~in_test).sum())} of the {n - int(in_test.sum())} "
                    f"rows outside its test fold and {int(in_train[in_test].sum())} "
                    f"inside it")
        tested += in_test
    if tested.max() > 1:
        return (f"test folds that do not overlap, got row {int(np.argmax(tested))} "
                f"in {int(tested.max())} test folds")
    need = (len(folds) + 3) * p * p * 8
    if need > _GramProblem.full_max_bytes:
        return (f"at most {_GramProblem.full_max_bytes} bytes for the Gram matrices, "
                f"got {need} for {len(folds)} folds of {p} features")
    return None


# a block of rows: M = sum s (x - mu)(x - mu)^T and c = sum s (x - mu)(y - ybar)
# about its means, d = mu - m and e = ybar - c, its weight W, and its
# columns' lowest and highest values
_Block = namedtuple("_Block", "M c d e W lo hi")


class FoldGrams:
    """Every fold's training Gram matrix and X^T y from one pass over X.

    When the test folds partition the rows, fold k trains on every block of
    rows (the test folds, and the rows in no test fold) but block k.  Each
    block B keeps its sums about its own (weighted) means mu_B and ybar_B,
    each held as its distance from typical values of the columns:
    ``M_B = sum_(i in B) s_i (x_i - mu_B)(x_i - mu_B)^T`` and
    ``c_B = sum_B s_i (x_i - mu_B)(y_i - ybar_B)``, and a training set T
    adds the blocks it holds, with the spread of their means about its own
    (Chan, Golub and LeVeque's pairwise update):
    ``G_T = sum_B M_B + W_B (mu_B - mu_T)(mu_B - mu_T)^T``,
    ``q_T = sum_B c_B + W_B (mu_B - mu_T)(ybar_B - ybar_T)``.
    Every term is a sum of squares or small, so no digits cancel (a
    difference of totals would lose them where one block holds most of a
    column's spread); without an intercept the means are 0.  A column
    constant on T (its range over T's weighted rows is one value) has its
    row, column and q entry set to exactly 0.

    Costs one symmetric product with X in all (n p^2 / 2 multiply-adds),
    where a Gram matrix per fold costs (k - 1) / k of it each, plus O(k p^2)
    additions per fold.  Built at the first request.
    """

    def __init__(self, X, y, sw, tests, fit_intercept):
        self._inputs = (X, y, sw, tests, fit_intercept)
        self._blocks = None
        self.fit_intercept = fit_intercept

    @property
    def built(self):
        return self._blocks is not None

    def build(self):
        """The per-block sums (once)."""
        if self._blocks is not None:
            return
        X, y, sw, tests, fit_intercept = self._inputs
        n, p = X.shape
        s = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        block = np.full(n, len(tests))     # a row's test fold, or len(tests)
        for k, test in enumerate(tests):
            block[test] = k
        # every difference is taken from typical values m and c first (the
        # medians of up to 1,000 rows of positive weight: not the means,
        # which a few outliers pull away): x - m is then exact where the
        # spread is small next to the offset, and the block means'
        # distances to m keep their digits
        m, c = np.zeros(p), 0.0
        if fit_intercept:
            some = np.flatnonzero(s > 0)
            some = some[::-(-some.size // 1000) or 1]
            m, c = np.median(X[some], axis=0), float(np.median(y[some]))
        self._blocks = []
        for k in range(len(tests) + 1):
            rows = np.flatnonzero(block == k)
            W = float(s[rows].sum())
            if W == 0:
                self._blocks.append(None)  # (no weight: adds nothing)
                continue
            Z = np.take(X.T, rows, axis=1).T   # (Fortran X: a Fortran copy)
            # each column's range over the rows that weigh: a column is
            # constant on a training set exactly when its blocks' ranges meet
            pos = (s[rows] > 0)[:, None]
            lo = np.min(Z, axis=0, where=pos, initial=np.inf)
            hi = np.max(Z, axis=0, where=pos, initial=-np.inf)
            Z -= m
            v = y[rows] - c
            d, e = np.zeros(p), 0.0        # mu_B - m, ybar_B - c
            if fit_intercept:
                d, e = s[rows] @ Z / W, float(s[rows] @ v) / W
                Z -= d
                v -= e
            if sw is not None:
                root = np.sqrt(s[rows])
                Z *= root[:, None]
                v *= root
            # (Z^T Z is a syrk: half the multiply-adds)
            self._blocks.append(_Block(Z.T @ Z, Z.T @ v, d, e, W, lo, hi))
        self._inputs = None

    def fold(self, k=None):
        """(Gram matrix, X^T y) of the rows outside test fold k (all rows
        when k is None), centred and weighted as the fold's path needs."""
        self.build()
        blocks = [b for i, b in enumerate(self._blocks) if i != k and b is not None]
        if not blocks:
            raise ValueError(f"sample_weight must have a positive entry in the "
                             f"training rows of every fold, got none for fold {k}")
        W = sum(b.W for b in blocks)
        d_T = sum(b.W * b.d for b in blocks) / W         # mu_T - m
        e_T = sum(b.W * b.e for b in blocks) / W         # ybar_T - c
        G = np.zeros_like(blocks[0].M, order="F")
        q = np.zeros(G.shape[0])
        for b in blocks:
            G += b.M
            q += b.c
            if self.fit_intercept:
                d = b.d - d_T
                G += b.W * np.outer(d, d)
                q += b.W * (b.e - e_T) * d
        if self.fit_intercept:
            # centred, a column constant on the training rows is 0: exactly,
            # as its own centred norm is (not the rounding of its sums)
            const = (np.min([b.lo for b in blocks], axis=0)
                     == np.max([b.hi for b in blocks], axis=0))
            G[const, :] = 0.0
            G[:, const] = 0.0
            q[const] = 0.0
        return G, q


def fold_path(X, y, sw, train, test, *, alphas, l1_ratio, pf, params, precompute,
              strategy, gammas, store, gram=None, gram_source=None):
    """One training path and its test-fold MSE per alpha (per gamma).

    ``strategy`` is 'copy', 'weights' or 'gram': the path then runs on
    ``gram``, the training rows' (Gram matrix, X^T y), with the rows as 0/1
    weights on X.  ``gram_source`` (a callable giving that Gram matrix) serves
    a path form that comes to need the whole matrix.  Returns a dict:
    ``mse`` of shape (n_gammas, n_alphas), ``converged``, ``dual_gaps`` and,
    with ``store``, ``coefs`` (n_features, n_alphas) and ``intercepts``.
    """
    n = X.shape[0]
    Xy = None
    if strategy == "gram":
        precompute, Xy = gram
    if strategy != "copy":
        Xf, yf = X, y
        swf = np.zeros(n, dtype=X.dtype)
        swf[train] = 1.0 if sw is None else sw[train]
    else:
        if not sp.issparse(X) and X.flags.f_contiguous:
            # Fortran rows by a C-order take on X.T: no second copy
            Xf = np.take(X.T, train, axis=1).T
        else:
            Xf = X[train]
        yf = y[train]
        swf = None if sw is None else sw[train]
    res = compute_path(Xf, yf, l1_ratio=l1_ratio, alphas=alphas, sample_weight=swf,
                       penalty_factor=pf, precompute=precompute, Xy=Xy,
                       gram_source=gram_source, check_input=False, warn=False, **params)
    coefs = res.coefs
    intercepts = res.intercepts if params["fit_intercept"] else np.zeros(alphas.size)
    X_test = X[test]
    y_test = np.asarray(y[test], dtype=np.float64)
    sw_test = None if sw is None else np.asarray(sw[test], dtype=np.float64)
    if sw_test is not None and not np.any(sw_test > 0):
        raise ValueError("sample_weight must have a positive entry in every test "
                         f"fold, got all zeros on a fold of {len(test)} rows")
    pred = _predict_many(X_test, coefs, intercepts)
    if gammas is None:
        mse = np.average((pred - y_test[:, None]) ** 2, axis=0,
                         weights=sw_test)[None, :]
    else:
        rcoefs, rint = relaxed_path(Xf, yf, coefs, sample_weight=swf,
                                    fit_intercept=params["fit_intercept"],
                                    positive=params["positive"])
        rpred = _predict_many(X_test, rcoefs, rint)
        mse = np.empty((len(gammas), alphas.size))
        for g, gamma in enumerate(gammas):
            blended = gamma * pred + (1.0 - gamma) * rpred
            mse[g] = np.average((blended - y_test[:, None]) ** 2, axis=0,
                                weights=sw_test)
    out = dict(mse=mse, converged=res.converged, dual_gaps=res.dual_gaps)
    if store:
        out["coefs"] = coefs
        out["intercepts"] = intercepts
    return out


def _predict_many(X, coefs, intercepts):
    """``X @ coefs + intercepts`` in float64, reading only the support's columns."""
    support = np.flatnonzero(np.any(coefs != 0, axis=1))
    if support.size == 0:
        return np.zeros((X.shape[0], coefs.shape[1])) + intercepts
    Xs = X[:, support]
    P = np.asarray(Xs @ coefs[support].astype(np.float64), dtype=np.float64)
    return P + intercepts


def one_se_index(mean, fold_mse, i_min):
    """Largest alpha (smallest index on a decreasing grid) whose mean CV error
    is within one standard error of the minimum at ``i_min``.

    SE = std over folds (ddof=0) / sqrt(n_folds), taken at the minimum.
    ``fold_mse`` has shape (n_folds, n_alphas).
    """
    k = fold_mse.shape[0]
    se = np.std(fold_mse[:, i_min]) / np.sqrt(k)
    ok = np.flatnonzero(mean <= mean[i_min] + se)
    return int(ok[0])


class ElasticNetCV(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Elastic net with alpha (and l1_ratio) chosen by cross-validation.

    Each candidate minimises::

        1 / (2 W) * sum_i sw_i (y_i - x_i w - b)^2
            + alpha * l1_ratio * sum_j pf_j |w_j|
            + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    on the training rows of every fold (W = their total weight), along one
    warm-started path per (fold, l1_ratio).  The grid of alphas is built on
    the full data, as in scikit-learn, and shared by all folds; the test
    error is the (weighted) mean squared error of each held-out fold, and
    the CV error of an alpha is its unweighted mean over folds.  The final
    model is refitted on all rows at the chosen ``alpha_`` and
    ``l1_ratio_``.  A drop-in for :class:`sklearn.linear_model.ElasticNetCV`:
    on the same folds ``alpha_`` and ``mse_path_`` agree with it.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Mix of L1 (1) and L2 (0); a list is cross-validated too.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the built grid.
    alphas : int or array-like, default=100
        An int builds a geometric grid of that many alphas from alpha_max
        (the smallest alpha with every penalised coefficient at 0 on the full
        data) to ``eps * alpha_max``, one per l1_ratio; an array is used for
        every l1_ratio, sorted decreasing.
    n_alphas : int, default=None
        Legacy spelling of an int ``alphas``; when given it sets the grid size.
    fit_intercept : bool, default=True
    precompute : 'auto' or bool, default='auto'
        Gram form per fold, as in :func:`fastreg.enet_path` ('auto' lets the
        path decide).
    max_iter : int, default=1000
        Coordinate-descent epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance relative to ``||y_c||^2 / n``.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn: None is 5-fold ``KFold``, an int is ``KFold(cv)``,
        or any splitter (``groups`` is passed to its ``split``) or an
        iterable of (train, test) index arrays.
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified.
    verbose : bool or int, default=False
        Print the chosen model (and joblib's progress for values > 1).
    n_jobs : int, default=None
        Parallel (fold, l1_ratio) paths; threads unless a joblib backend
        (e.g. ``joblib.parallel_backend('dask')``) is active.
    positive : bool, default=False
    random_state : int, RandomState instance or None, default=None
        Seed for ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature on both penalties.
    selection_rule : {'min', '1se'}, default='min'
        'min' takes the smallest mean CV error; '1se' the largest alpha (at
        the l1_ratio, and gamma, of the minimum) whose mean CV error is at
        most the minimum plus one standard error, SE = std over folds (ddof=0)
        / sqrt(n_folds), taken at the minimum.
    relax : bool, default=False
        Also cross-validate the relaxed lasso: ``gamma * penalised +
        (1 - gamma) * least squares on the support``, over ``gammas``.
    gammas : array-like, default=None
        Relaxation grid (None: 0, 0.25, 0.5, 0.75, 1); only with ``relax``.
    store_fold_paths : bool, default=False
        Keep every fold's coefficient path in ``cv_results_``.
    fold_strategy : {'auto', 'weights', 'copy', 'gram'}, default='auto'
        How a fold's training rows are passed to the path: a copy of
        ``X[train]``, 0/1 sample weights on the full X (no copy of X: less
        memory), or 'gram': a Gram matrix per fold cut from one computed for
        all folds at once (dense float64 X with at least twice as many
        training rows as features, test folds that partition the rows;
        memory: a Gram matrix per fold).  'auto' takes 'gram' with
        ``precompute=True``, else copies; where 'gram' is allowed, the first
        fold's path runs first, and if it comes to need the whole Gram
        matrix (as tall paths do when most features enter), the other folds
        take 'gram'.  Same result.
    progress : bool, default=False
        Progress bar over the (fold, l1_ratio) paths (tqdm when installed).

    Attributes
    ----------
    alpha_ : float
        Chosen alpha.
    l1_ratio_ : float
        Chosen l1_ratio.
    gamma_ : float
        Chosen relaxation (only with ``relax=True``).
    alpha_min_, alpha_1se_ : float
        The alphas each rule picks (both are kept, whatever the rule).
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
        Test MSE per fold (at ``gamma_`` with ``relax=True``).
    cv_results_ : dict of ndarray
        One row per (gamma,) l1_ratio and alpha: ``l1_ratio``, ``alpha``,
        (``gamma``,) ``mean_test_mse``, ``std_test_mse``, ``se_test_mse``,
        ``split{k}_test_mse``, ``rank_test_mse``; with ``store_fold_paths``
        also ``fold_coef_paths`` of shape (n_l1_ratio, n_folds, n_features,
        n_alphas) and ``fold_intercept_paths`` (n_l1_ratio, n_folds, n_alphas).
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    dual_gap_ : float
        Duality gap of the final (penalised) fit.
    n_iter_ : int
        Epochs of the final fit.
    n_features_in_ : int
    n_passes_ : int
        Only for a Dask X: distributed passes over X made by the fit (every
        fold and the full rows share them).  The final model is then the
        full rows' certified path solution at ``alpha_``; the folds must be
        KFold's without shuffling (``cv`` an int).

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import ElasticNetCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(100)
    >>> model = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=3).fit(X, y)
    >>> model.mse_path_.shape
    (2, 100, 3)
    >>> np.round(model.coef_[:2], 1)
    array([ 1., -2.])
    """

    path = staticmethod(enet_path)
    _lasso = False

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, n_alphas=None,
                 fit_intercept=True, precompute="auto", max_iter=1000, tol=1e-4,
                 cv=None, copy_X=True, verbose=0, n_jobs=None, positive=False,
                 random_state=None, selection="cyclic", penalty_factor=None,
                 selection_rule="min", relax=False, gammas=None,
                 store_fold_paths=False, fold_strategy="auto", progress=False,
                 lower_bounds=None, upper_bounds=None):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.selection_rule = selection_rule
        self.relax = relax
        self.gammas = gammas
        self.store_fold_paths = store_fold_paths
        self.fold_strategy = fold_strategy
        self.progress = progress
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def _l1_ratios(self):
        if self._lasso:
            return np.array([1.0])
        vals = np.atleast_1d(np.asarray(self.l1_ratio, dtype=object))
        if vals.ndim != 1 or vals.size == 0:
            raise ValueError(
                f"l1_ratio must be a float or a non-empty list, got {self.l1_ratio!r}")
        return np.array([check_scalar_param(v, "l1_ratio", low=0, high=1)
                         for v in vals])

    def _gammas(self):
        if not check_bool(self.relax, "relax"):
            return None
        if self.gammas is None:
            return np.array(_DEFAULT_GAMMAS)
        vals = np.atleast_1d(np.asarray(self.gammas, dtype=object))
        if vals.ndim != 1 or vals.size == 0:
            raise ValueError(
                f"gammas must be a non-empty 1-D list, got {self.gammas!r}")
        return np.array([check_gamma(v, "gammas") for v in vals])

    def _check_params(self):
        check_scalar_param(self.tol, "tol", low=0)
        check_scalar_param(self.max_iter, "max_iter", low=1, integer=True)
        check_scalar_param(self.eps, "eps", low=0, low_open=True)
        check_choice(self.selection, "selection", ["cyclic", "random"])
        check_choice(self.selection_rule, "selection_rule", ["min", "1se"])
        check_choice(self.fold_strategy, "fold_strategy",
                     ["auto", "weights", "copy", "gram"])
        for name in ("fit_intercept", "positive", "store_fold_paths", "progress"):
            check_bool(getattr(self, name), name)
        if self.n_jobs is not None and (isinstance(self.n_jobs, bool) or
                                        not isinstance(self.n_jobs, numbers.Integral)
                                        or self.n_jobs == 0):
            raise ValueError(f"n_jobs must be None or a non-zero integer, "
                             f"got {self.n_jobs!r}")

    def fit(self, X, y, sample_weight=None, groups=None):
        """Cross-validate the path, then refit at the chosen alpha.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
        sample_weight : float or array-like of shape (n_samples,), default=None
            Weights for the fits and the per-fold test MSE.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter (``cv=GroupKFold()``).

        Returns
        -------
        self : object
        """
        self._check_params()
        l1_ratios = self._l1_ratios()
        gammas = self._gammas()
        grid = resolve_grid_size(self.alphas, self.n_alphas)
        if is_dask_array(X):
            return self._fit_dask(X, y, sample_weight, groups, l1_ratios, grid)
        X, y, sw, pf = validate_fit(self, X, y, sample_weight, self.penalty_factor)
        n, p = X.shape
        folds = list(check_cv(self.cv).split(X, y, groups))
        n_folds = len(folds)
        precompute = check_cv_precompute(self.precompute)
        # one layout conversion (C -> Fortran, CSR -> CSC) for all the folds
        X = as_kernel_X(X)
        if sp.issparse(X) and not X.has_sorted_indices:
            X = X.sorted_indices()
        bounds = dict(lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds)
        if gammas is not None and (self.lower_bounds is not None
                                   or self.upper_bounds is not None):
            raise ValueError("relax=True cannot keep lower_bounds/upper_bounds (its "
                             "least-squares refit is unconstrained), got both")
        params = dict(fit_intercept=self.fit_intercept, tol=self.tol,
                      max_iter=self.max_iter, positive=self.positive,
                      selection=self.selection, random_state=self.random_state,
                      **bounds)

        if isinstance(grid, int):
            grids = np.array([
                alpha_grid(X, y, l1_ratio=r, n_alphas=grid, eps=self.eps,
                           sample_weight=sw, penalty_factor=pf,
                           fit_intercept=self.fit_intercept, positive=self.positive,
                           precompute=precompute, **bounds)
                for r in l1_ratios])
        else:
            grids = np.tile(grid, (l1_ratios.size, 1))
        n_alphas = grids.shape[1]

        strategy = self.fold_strategy
        grams = None
        if strategy in ("auto", "gram"):
            refusal = gram_folds_refusal(X, folds, precompute, n_alphas)
            if strategy == "gram" and refusal is not None:
                raise ValueError(f"fold_strategy='gram' needs {refusal}")
            if refusal is None:
                grams = FoldGrams(X, y, sw, [test for _, test in folds],
                                  self.fit_intercept)
        if strategy == "auto":
            # precompute=True wants every fold's whole Gram matrix at once
            strategy = ("gram" if grams is not None and precompute is True
                        else choose_fold_strategy(X))

        def path(r, k, strategy, **shared):
            return delayed(fold_path)(
                X, y, sw, *folds[k], alphas=grids[r], l1_ratio=float(l1_ratios[r]),
                pf=pf, params=params, precompute=precompute, strategy=strategy,
                gammas=gammas, store=self.store_fold_paths, **shared)

        jobs = [(r, k) for r in range(l1_ratios.size) for k in range(n_folds)]
        results = []
        with progress_bar(len(jobs), "cv paths", self.progress) as bar:
            if grams is not None and strategy != "gram":
                # the first path here, alone: if it comes to need the whole
                # Gram matrix (the tall form does once most features enter),
                # it builds the one all folds share, and the others start on
                # theirs (the same choice whatever the threads or backend)
                func, args, kwargs = path(0, 0, strategy,
                                          gram_source=lambda: grams.fold(0)[0])
                results.append(func(*args, **kwargs))
                bar.update()
                if grams.built:
                    strategy = "gram"
            if strategy == "gram":
                grams.build()      # here, with every BLAS thread
            # a fold's Gram matrix is cut when its path is dispatched (a few
            # at a time, by joblib's pre_dispatch)
            tasks = (path(r, k, strategy, gram=grams.fold(k)) if strategy == "gram"
                     else path(r, k, strategy) for r, k in jobs[len(results):])
            # (joblib's 'multiprocessing' backend returns lists only)
            parallel = Parallel(n_jobs=self.n_jobs, prefer="threads",
                                verbose=max(int(self.verbose) - 1, 0),
                                return_as="generator" if self.progress else "list")
            # paths in threads, each with threaded BLAS on its small vectors,
            # oversubscribe the cores: BLAS gets one thread while they run
            limit = (threadpool_limits(limits=1, user_api="blas")
                     if effective_n_jobs(self.n_jobs) > 1 else nullcontext())
            with limit:
                for res in parallel(tasks):
                    results.append(res)
                    bar.update()
        self._warn_folds(results, l1_ratios, n_folds)

        n_g = 1 if gammas is None else gammas.size
        # (n_gammas, n_l1, n_folds, n_alphas)
        mse = np.stack([r["mse"] for r in results]).reshape(
            l1_ratios.size, n_folds, n_g, n_alphas).transpose(2, 0, 1, 3)
        g_min, r_min, a_best, mean = self._choose(mse, grids, l1_ratios, gammas, results,
                                          isinstance(grid, int))

        # final fit on every row (from the shared Gram matrix, if any)
        gram, Xy = grams.fold() if grams is not None and grams.built else (precompute, None)
        res = compute_path(X, y, l1_ratio=float(l1_ratios[r_min]), alphas=[self.alpha_],
                           sample_weight=sw, penalty_factor=pf, precompute=gram,
                           Xy=Xy, check_input=False, warn=False, **params)
        warn_not_converged(res)
        coef, intercept = res.coefs, res.intercepts
        if gammas is not None and self.gamma_ != 1.0:
            rc, ri = relaxed_path(X, y, coef, sample_weight=sw,
                                  fit_intercept=self.fit_intercept,
                                  positive=self.positive)
            coef, intercept = blend(self.gamma_, coef, intercept, rc, ri)
        self.coef_ = coef[:, 0]
        self.intercept_ = float(intercept[0]) if self.fit_intercept else 0.0
        self.dual_gap_ = float(res.dual_gaps[0])
        self.n_iter_ = int(res.n_iters[0])
        if self.verbose:
            extra = f", gamma_={self.gamma_:g}" if gammas is not None else ""
            print(f"[{type(self).__name__}] {n_folds} folds x {l1_ratios.size} "
                  f"l1_ratio x {n_alphas} alphas ({strategy}); alpha_={self.alpha_:.6g}"
                  f" ({self.selection_rule}), l1_ratio={l1_ratios[r_min]:g}{extra}, "
                  f"mean mse={mean[g_min, r_min, a_best]:.6g}, "
                  f"nonzeros={np.count_nonzero(self.coef_)}")
        return self

    def _fit_dask(self, X, y, sample_weight, groups, l1_ratios, grid):
        """fit on a row-chunked Dask X: every fold's path and the full rows'
        path in the same distributed passes, the folds as 0/1 weights on X
        (``fastreg._distributed``); the model is the full rows' certified
        solution at the chosen alpha."""
        from ._distributed import dask_paths, refuse_for_dask
        from sklearn.model_selection import KFold
        cv = 5 if self.cv is None else self.cv
        if isinstance(cv, KFold) and not cv.shuffle:
            cv = cv.get_n_splits()
        if isinstance(cv, bool) or not isinstance(cv, numbers.Integral) or cv < 2:
            raise ValueError("cv must be an int >= 2 or KFold(shuffle=False) with a "
                             f"Dask X (folds are contiguous row ranges), got {cv!r}")
        if cv > X.shape[0]:
            raise ValueError(f"Cannot have number of splits n_splits={cv} greater "
                             f"than the number of samples: n_samples={X.shape[0]}.")
        refuse_for_dask(type(self).__name__, {
            "groups": (groups, None), "relax": (self.relax, False),
            "precompute": (self.precompute if self.precompute is not False
                           else "auto", "auto"),
            "selection": (self.selection, "cyclic"),
            "lower_bounds": (self.lower_bounds, None),
            "upper_bounds": (self.upper_bounds, None)})
        blocks, tracks = dask_paths(
            X, y, l1_ratios=l1_ratios, alphas=grid, eps=self.eps, tol=self.tol,
            max_iter=self.max_iter, fit_intercept=self.fit_intercept,
            sample_weight=sample_weight, penalty_factor=self.penalty_factor,
            positive=self.positive, n_folds=int(cv), progress=self.progress)
        per = int(cv) + 1              # tracks per l1_ratio: full rows, then folds
        full = tracks[::per]
        folds = [t for i, t in enumerate(tracks) if i % per]
        results = [dict(mse=(t.held_sse / t.held_W)[None, :], converged=t.converged,
                        dual_gaps=t.gaps / t.W) for t in folds]
        if self.store_fold_paths:
            for r, t in zip(results, folds):
                r["coefs"] = t.result().coefs
                r["intercepts"] = t.intercepts if self.fit_intercept \
                    else np.zeros(t.grid.size)
        self._warn_folds(results, l1_ratios, int(cv))
        grids = np.stack([t.grid for t in full])
        mse = np.stack([r["mse"] for r in results]).reshape(
            l1_ratios.size, int(cv), 1, grids.shape[1]).transpose(2, 0, 1, 3)
        _, r_min, a_best, _ = self._choose(mse, grids, l1_ratios, None, results,
                                           isinstance(grid, int))
        res = full[r_min].result()
        chosen = res.at(a_best)
        warn_not_converged(chosen)
        self.coef_ = chosen.coefs[:, 0].astype(blocks.dtype)
        self.intercept_ = float(chosen.intercepts[0]) if self.fit_intercept else 0.0
        self.dual_gap_ = float(chosen.dual_gaps[0])
        self.n_iter_ = int(res.n_iters[:a_best + 1].sum())
        self.n_features_in_ = X.shape[1]
        self.n_passes_ = blocks.passes
        return self

    def _choose(self, mse, grids, l1_ratios, gammas, results, built):
        """alpha_ (and l1_ratio_, gamma_) from the test MSE of shape
        (n_gammas, n_l1, n_folds, n_alphas), with the CV attributes.
        Returns (g_min, r_min, a_best, mean MSE)."""
        mean = mse.mean(axis=2)
        g_min, r_min, a_min = np.unravel_index(np.argmin(mean), mean.shape)
        a_1se = one_se_index(mean[g_min, r_min], mse[g_min, r_min], a_min)
        a_best = a_min if self.selection_rule == "min" else a_1se
        self.alpha_min_ = float(grids[r_min, a_min])
        self.alpha_1se_ = float(grids[r_min, a_1se])
        self.alpha_ = float(grids[r_min, a_best])
        if not self._lasso:
            self.l1_ratio_ = float(l1_ratios[r_min])
        if gammas is not None:
            self.gamma_ = float(gammas[g_min])
        self.mse_path_ = np.squeeze(np.moveaxis(mse[g_min], 2, 1))
        self.alphas_ = grids[0] if (l1_ratios.size == 1 or not built) else grids
        self.cv_results_ = self._cv_results(mse, grids, l1_ratios, gammas, results)
        return g_min, r_min, a_best, mean

    def _warn_folds(self, results, l1_ratios, n_folds):
        bad = [(i // n_folds, i % n_folds, int(np.sum(~r["converged"])),
                float(np.max(r["dual_gaps"])))
               for i, r in enumerate(results) if not np.all(r["converged"])]
        if bad:
            shown = "; ".join(f"l1_ratio={l1_ratios[r]:g} fold {f}: {k} alphas "
                              f"(max gap {g:.3g})" for r, f, k, g in bad[:5])
            warnings.warn(f"Objective did not converge on {len(bad)} CV paths: "
                          f"{shown}. Increase max_iter, or loosen tol.",
                          ConvergenceWarning, stacklevel=3)

    def _cv_results(self, mse, grids, l1_ratios, gammas, results):
        n_g, n_r, n_f, n_a = mse.shape
        flat = mse.transpose(0, 1, 3, 2).reshape(-1, n_f)     # rows x folds
        out = {}
        if gammas is not None:
            out["gamma"] = np.repeat(gammas, n_r * n_a)
        out["l1_ratio"] = np.tile(np.repeat(l1_ratios, n_a), n_g)
        out["alpha"] = np.tile(grids.ravel(), n_g)
        out["mean_test_mse"] = flat.mean(axis=1)
        out["std_test_mse"] = flat.std(axis=1)
        out["se_test_mse"] = out["std_test_mse"] / np.sqrt(n_f)
        for k in range(n_f):
            out[f"split{k}_test_mse"] = flat[:, k].copy()
        order = np.argsort(out["mean_test_mse"], kind="stable")
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(1, order.size + 1)
        out["rank_test_mse"] = rank
        if self.store_fold_paths:
            out["fold_coef_paths"] = np.stack([r["coefs"] for r in results]).reshape(
                n_r, n_f, -1, n_a)
            out["fold_intercept_paths"] = np.stack(
                [r["intercepts"] for r in results]).reshape(n_r, n_f, n_a)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by cross-validation.

    Each candidate minimises
    ``1/(2 W) sum_i sw_i (y_i - x_i w - b)^2 + alpha sum_j pf_j |w_j|`` on the
    training rows of every fold; everything else is as in
    :class:`ElasticNetCV` (without ``l1_ratio``; no ``l1_ratio_``).  A drop-in
    for :class:`sklearn.linear_model.LassoCV`.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import LassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(100)
    >>> model = LassoCV(cv=5, selection_rule="1se").fit(X, y)
    >>> model.alpha_ >= model.alpha_min_
    True
    >>> np.flatnonzero(model.coef_)
    array([0, 1])
    """

    path = staticmethod(lasso_path)
    _lasso = True

    def __init__(self, *, eps=1e-3, alphas=100, n_alphas=None, fit_intercept=True,
                 precompute="auto", max_iter=1000, tol=1e-4, cv=None, copy_X=True,
                 verbose=0, n_jobs=None, positive=False, random_state=None,
                 selection="cyclic", penalty_factor=None, selection_rule="min",
                 relax=False, gammas=None, store_fold_paths=False,
                 fold_strategy="auto", progress=False, lower_bounds=None,
                 upper_bounds=None):
        self.eps = eps
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.selection_rule = selection_rule
        self.relax = relax
        self.gammas = gammas
        self.store_fold_paths = store_fold_paths
        self.fold_strategy = fold_strategy
        self.progress = progress
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
