"""Plots of regularization paths and cross-validation curves.

matplotlib is optional (``pip install fastreg-paths[plot]``); it is imported only
when a plot is drawn.  Both displays follow scikit-learn's Display API: a
``from_estimator`` constructor, ``plot(ax=None)``, and ``ax_`` /
``figure_`` after plotting.
"""
import warnings

import numpy as np
from sklearn.utils.validation import validate_data

from ._path_estimator import ElasticNetPath
from ._validation import check_scalar_param


def _axes(ax):
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _require_matplotlib(what):
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:           # pragma: no cover - depends on env
        raise ImportError(f"{what} needs matplotlib: pip install fastreg-paths[plot]") from exc


def _check_max_labels(max_labels):
    if max_labels is None:
        return None
    return check_scalar_param(max_labels, "max_labels", low=0, integer=True)


# line styles telling the classes of a multinomial path apart
_CLASS_STYLES = ("-", "--", ":", "-.")


def _rank_features(alphas, coefs):
    """Rows of ``coefs`` (n_features, n_alphas), most important first.

    A feature ranks by the largest alpha at which its coefficient is nonzero
    (the order in which features enter the path: unpenalised ones first);
    features entering at the same alpha rank by their largest |coef| along
    the path.  Features that are never nonzero come last.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    entry = np.max(np.where(coefs != 0, alphas, -np.inf), axis=1, initial=-np.inf)
    peak = np.max(np.abs(coefs), axis=1, initial=0.0)
    return np.lexsort((-peak, -entry))


def _cv_grid(estimator):
    """The alphas of a fitted CV estimator at its ``l1_ratio_`` (and ``gamma_``)."""
    res = estimator.cv_results_
    rows = res["l1_ratio"] == getattr(estimator, "l1_ratio_", 1.0)
    if "gamma" in res:
        rows &= res["gamma"] == estimator.gamma_
    return res["alpha"][rows]


def _cv_path(estimator, X, y, sample_weight):
    """The full-data path of a fitted CV estimator, recomputed on its grid with
    every setting that changes the path; warns when it does not reproduce the
    estimator's own fit at ``alpha_`` (other X, y or sample_weight than in fit)."""
    if X is None or y is None:
        raise ValueError("X and y must be given to plot the path of a CV "
                         "estimator, got X=None or y=None")
    validate_data(estimator, X, reset=False, skip_check_array=True)
    e = estimator
    l1_ratio = getattr(e, "l1_ratio_", 1.0)
    path = ElasticNetPath(
        l1_ratio=l1_ratio, alphas=_cv_grid(e), fit_intercept=e.fit_intercept,
        precompute=e.precompute, max_iter=e.max_iter, tol=e.tol,
        positive=e.positive, selection=e.selection, random_state=e.random_state,
        penalty_factor=e.penalty_factor, lower_bounds=e.lower_bounds,
        upper_bounds=e.upper_bounds, keep_data=True, progress=e.progress,
    ).fit(X, y, sample_weight=sample_weight)
    if getattr(e, "gamma_", 1.0) == 1.0:
        # coef_ is within its certified gap dual_gap_ of the optimum at alpha_,
        # so it cannot beat the path's solution there by more, on the same data
        # (up to rounding: a hundredth of the gap tolerance, and sqrt(eps) of
        # the objective, as float32 certificates are rounded too)
        k = int(np.flatnonzero(path.alphas_ == e.alpha_)[0])
        X, y, sw = path._data                  # as validated by fit
        obj = [_objective(X, y, sw, path._pf, l1_ratio, e.alpha_, w, b)
               for w, b in ((e.coef_, e.intercept_),
                            (path.coef_path_[:, k], path.intercept_path_[k]))]
        y = np.asarray(y, dtype=np.float64)
        yc = y - np.average(y, weights=sw) if e.fit_intercept else y
        slack = (0.01 * e.tol * np.average(yc * yc, weights=sw)
                 + np.sqrt(np.finfo(X.dtype).eps) * abs(obj[1]))
        if obj[0] - obj[1] > max(e.dual_gap_, 0.0) + slack:
            warnings.warn(
                f"the recomputed path does not reproduce {type(e).__name__}'s fit "
                f"at alpha_={e.alpha_:.6g} (objective {obj[1]:.6g} there, "
                f"{obj[0]:.6g} at coef_): pass the X, y and sample_weight "
                "the estimator was fitted on", UserWarning, stacklevel=3)
    return path.alphas_, path.coef_path_


def _objective(X, y, sw, pf, l1_ratio, alpha, w, b):
    """The elastic-net objective at (w, b), in float64, reading only w's support."""
    sw = np.ones(X.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    r = np.asarray(y, dtype=np.float64) - b
    support = np.flatnonzero(w)
    if support.size:
        r = r - np.asarray(X[:, support] @ w[support], dtype=np.float64).ravel()
    pen = l1_ratio * np.sum(pf * np.abs(w)) + 0.5 * (1 - l1_ratio) * np.sum(pf * w * w)
    return 0.5 * float(np.sum(sw * r * r)) / float(np.sum(sw)) + alpha * float(pen)


class PathDisplay:
    """Coefficients against alpha (log scale), nonzero counts on a top axis.

    With ``feature_names``, at most ``max_labels`` lines are labelled (and
    shown in the legend): those of the features that enter the path first,
    i.e. that are nonzero at the largest alpha, ties broken by the largest
    |coef| along the path (see ``labeled_``; unpenalised features, nonzero
    at every alpha, come first).  The other lines are drawn thin and grey,
    without a label.

    A multinomial path (``coefs`` of shape (n_classes, n_features,
    n_alphas), as :class:`~fastreg.LogisticPath` fits for more than two
    classes) is drawn in one axes: one line per (class, feature) pair whose
    coefficient is nonzero somewhere on the path, the line style telling
    the class (solid, dashed, dotted, dash-dot, then again), with a legend
    entry per class; with ``feature_names`` the labelled lines (the pairs
    ranked as features are above) read ``"name (class)"``.  The top axis
    then counts the features with a nonzero coefficient in some class (the
    variables the model uses).

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas) or (n_classes, n_features, n_alphas)
    selected : dict of str to float, default=None
        Alphas to mark with a vertical line, by label (e.g. ``{"min": a}``).
    feature_names : list of str, default=None
        Used as line labels (only features that are ever nonzero are drawn).
    max_labels : int or None, default=10
        Most lines labelled when ``feature_names`` is given; None labels
        every line.
    class_names : list of str, default=None
        Names of the classes of a multinomial path (default: 0, 1, ...).

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of Line2D
        One per feature (per (class, feature) pair for a multinomial path)
        that is nonzero somewhere on the path.
    features_ : ndarray of int
        The feature of each line, in the order of ``lines_``.
    classes_ : ndarray of int or None
        The class (index into ``class_names``) of each line of a
        multinomial path, in the order of ``lines_``; None otherwise.
    labeled_ : ndarray of int
        The features labelled, most important first (the legend's order);
        empty without ``feature_names``.  For a multinomial path, the
        labelled (class, feature) pairs, of shape (n_labeled, 2).
    vlines_ : dict of str to Line2D
        The marked alphas.
    top_ax_ : matplotlib secondary axis with the nonzero counts.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from fastreg import LassoPath
    >>> from fastreg.plotting import PathDisplay
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 6)); y = X @ [2.0, -1, 0, 0, 0.5, 0]
    >>> disp = PathDisplay.from_estimator(LassoPath(alphas=30).fit(X, y),
    ...                                   feature_names=list("abcdef"),
    ...                                   max_labels=2)
    >>> len(disp.lines_) >= 3
    True
    >>> [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    ['a', 'b']
    """

    def __init__(self, alphas, coefs, *, selected=None, feature_names=None,
                 max_labels=10, class_names=None):
        self.alphas = np.asarray(alphas, dtype=np.float64)
        self.coefs = np.asarray(coefs)
        self.selected = dict(selected or {})
        self.feature_names = feature_names
        self.max_labels = max_labels
        self.class_names = class_names

    def plot(self, ax=None, *, n_top_ticks=6, **line_kw):
        """Draw the path.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            A new figure is created when None.
        n_top_ticks : int, default=6
            Number of nonzero counts written on the top axis.
        **line_kw : dict
            Passed to ``ax.plot`` for every coefficient line (over the grey
            style of the unlabelled ones).

        Returns
        -------
        self : PathDisplay
        """
        _require_matplotlib("PathDisplay")
        max_labels = _check_max_labels(self.max_labels)
        if self.coefs.ndim not in (2, 3) or self.coefs.shape[-1] != self.alphas.size:
            raise ValueError(
                f"coefs must have shape (n_features, n_alphas) or (n_classes, "
                f"n_features, n_alphas) with n_alphas={self.alphas.size}, got "
                f"{self.coefs.shape}")
        multi = self.coefs.ndim == 3
        n_features = self.coefs.shape[-2]
        ax = _axes(ax)
        keep = self.alphas > 0
        alphas = self.alphas[keep]
        # one row per line candidate: a feature, or a (class, feature) pair
        # (class-major: row = class * n_features + feature)
        coefs = self.coefs[..., keep].reshape(-1, alphas.size)
        rows = np.flatnonzero(np.any(coefs != 0, axis=1))
        self.features_ = rows % n_features
        self.classes_ = rows // n_features if multi else None
        names = None
        if multi:
            n_classes = self.coefs.shape[0]
            names = (list(range(n_classes)) if self.class_names is None
                     else list(self.class_names))
            if len(names) != n_classes:
                raise ValueError(f"class_names must have one name per class "
                                 f"({n_classes}), got {len(names)}")
        labeled_rows = np.empty(0, dtype=np.intp)
        if self.feature_names is not None:
            if len(self.feature_names) != n_features:
                raise ValueError(
                    f"feature_names must have one name per feature "
                    f"({n_features}), got {len(self.feature_names)}")
            order = _rank_features(alphas, coefs[rows])
            labeled_rows = rows[order[:max_labels]]
        self.labeled_ = (np.column_stack([labeled_rows // n_features,
                                          labeled_rows % n_features])
                         if multi else labeled_rows)
        labeled = set(labeled_rows.tolist())
        # grey only when some names are left out (without names: plain lines)
        capped = (self.feature_names is not None and labeled_rows.size < rows.size)
        muted = dict(color="0.75", linewidth=0.7, zorder=1) if capped else {}
        self.lines_ = []
        handles = {}
        for row in rows:
            j, k = row % n_features, row // n_features
            style = dict(linestyle=_CLASS_STYLES[k % len(_CLASS_STYLES)]) if multi else {}
            if row in labeled:
                label = str(self.feature_names[j])
                if multi:
                    label = f"{label} ({names[k]})"
                (line,) = ax.plot(alphas, coefs[row], label=label,
                                  **{**style, **line_kw})
                handles[row] = line
            else:
                (line,) = ax.plot(alphas, coefs[row], **{**muted, **style, **line_kw})
            self.lines_.append(line)
        ax.set_xscale("log")
        ax.set_xlabel("alpha (log scale)")
        ax.set_ylabel("coefficient")
        self.vlines_ = {}
        for k, (name, a) in enumerate(self.selected.items()):
            self.vlines_[name] = ax.axvline(a, linestyle=("--", ":", "-.")[k % 3],
                                            color="k",
                                            linewidth=1, label=f"alpha {name}")
        top = ax.secondary_xaxis("top")
        idx = np.unique(np.linspace(0, alphas.size - 1,
                                    min(n_top_ticks, alphas.size)).astype(int))
        if multi:
            used = np.any(self.coefs[..., keep] != 0, axis=0)     # (p, n_alphas)
            counts = np.count_nonzero(used, axis=0)
        else:
            counts = np.count_nonzero(coefs, axis=0)
        top.set_xticks(alphas[idx])
        top.set_xticklabels([str(c) for c in counts[idx]])
        top.set_xlabel("features with a nonzero coefficient" if multi
                       else "nonzero coefficients")
        self.top_ax_ = top
        legend = [handles[r] for r in labeled_rows] + list(self.vlines_.values())
        if multi:
            from matplotlib.lines import Line2D
            legend = [Line2D([], [], color="k", linewidth=1,
                             linestyle=_CLASS_STYLES[k % len(_CLASS_STYLES)],
                             label=f"class {names[k]}")
                      for k in range(len(names))] + legend
        if legend:
            ax.legend(handles=legend, fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X=None, y=None, *, sample_weight=None,
                       ax=None, feature_names=None, max_labels=10, **line_kw):
        """Plot the path of a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator
            One that keeps its path, ``coef_path_`` on ``alphas_``
            (:class:`~fastreg.LassoPath`, :class:`~fastreg.ElasticNetPath`,
            :class:`~fastreg.LassoIC`, :class:`~fastreg.ElasticNetIC`,
            :class:`~fastreg.LogisticPath`): that path is drawn as stored
            (nothing is refitted; for a relaxed path estimator, the
            penalised path; for a two-class LogisticPath, the coefficients
            of ``classes_[1]``; for more classes, every class's, named by
            ``classes_``, as :class:`PathDisplay` says), or a fitted CV estimator
            (:class:`~fastreg.LassoCV`, :class:`~fastreg.ElasticNetCV`).  A CV
            estimator keeps no full-data path (its folds' paths are fitted on
            part of the rows; its final fit is at ``alpha_`` only), so the
            path is computed from ``X``, ``y`` and ``sample_weight`` on its
            grid at ``l1_ratio_``, with its settings (``fit_intercept``,
            ``precompute``, ``tol``, ``max_iter``, ``positive``,
            ``selection``, ``random_state``, ``penalty_factor``,
            ``lower_bounds``, ``upper_bounds``): the cost of one more path.
            Chosen alphas (``alpha_``, ``alpha_min_``, ``alpha_1se_``) are
            marked.  :class:`~fastreg.Lasso` and :class:`~fastreg.ElasticNet`
            fit one alpha and have no path: fit a path estimator instead.
        X, y : training data, needed for a CV estimator only.
        sample_weight : array-like of shape (n_samples,), default=None
            For a CV estimator only: the weights it was fitted with, which
            it does not keep.  As ``X`` and ``y``, they cannot be checked
            directly: a UserWarning is issued when the recomputed path does
            not reproduce the estimator's ``coef_`` at ``alpha_`` within its
            duality gap (not checked for a relaxed fit with ``gamma_ < 1``).
        ax : matplotlib Axes, default=None
        feature_names : list of str, default=None
            Defaults to the estimator's ``feature_names_in_`` if any.
        max_labels : int or None, default=10
            Most lines labelled (see :class:`PathDisplay`); None labels all.
        **line_kw : dict
            Passed to ``ax.plot`` for every coefficient line.

        Returns
        -------
        display : PathDisplay
        """
        if feature_names is None:
            feature_names = getattr(estimator, "feature_names_in_", None)
        selected = {}
        for name, attr in (("min", "alpha_min_"), ("1se", "alpha_1se_")):
            if hasattr(estimator, attr):
                selected[name] = getattr(estimator, attr)
        if not selected and hasattr(estimator, "alpha_"):
            selected["selected"] = estimator.alpha_
        if hasattr(estimator, "coef_path_"):
            alphas, coefs = estimator.alphas_, estimator.coef_path_
        elif hasattr(estimator, "mse_path_"):
            alphas, coefs = _cv_path(estimator, X, y, sample_weight)
        else:
            raise ValueError(
                "estimator must be fitted and have coef_path_ (a path or IC "
                "estimator) or mse_path_ (a CV estimator; Lasso and ElasticNet fit "
                f"one alpha: use LassoPath or ElasticNetPath), got {estimator!r}")
        class_names = None
        if np.ndim(coefs) == 3:
            class_names = [str(c) for c in getattr(estimator, "classes_",
                                                    range(np.shape(coefs)[0]))]
        disp = cls(alphas, coefs, selected=selected, feature_names=feature_names,
                   max_labels=max_labels, class_names=class_names)
        return disp.plot(ax=ax, **line_kw)


class CVCurveDisplay:
    """Mean cross-validated MSE against alpha with one-standard-error bars.

    Both the ``min`` alpha (smallest mean) and the ``1se`` alpha (largest
    alpha within one SE of the minimum, SE = std over folds / sqrt(n_folds))
    are marked, whichever rule the estimator used.

    For a :class:`~fastreg.LogisticRegressionCV` the curve is its mean test
    score (its ``scoring``, greater is better) against C, the estimator's
    own grid (each fold's alpha is ``1 / (C * W_train)``, so one C is a
    different alpha in every fold), at the chosen ``l1_ratio_``, with bars of
    one SE (std over folds, ddof=0, / sqrt(n_folds), as its 1-SE rule).
    Marked: ``'min'``, the C of the best mean score, and ``'1se'``, the
    smallest C within one SE of that best (the names of its
    ``selection_rule``, so ``vlines_[selection_rule]`` is at ``C_``).  Both
    rules choose over every (C, l1_ratio): with several l1_ratios, the
    choice of the rule not used is marked only when it lies on the drawn
    curve (the chosen l1_ratio).

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        The x values: alphas, or Cs with ``x_name='C'``.
    mean : ndarray of shape (n_alphas,)
    se : ndarray of shape (n_alphas,)
    alpha_min, alpha_1se : float or None
        The x values to mark (None: not marked).
    x_name : str, default='alpha'
        What the x values are, for the labels.
    score_name : str, default=None
        None: the curve is the mean squared error (smaller is better);
        otherwise the name of a score (greater is better, as scikit-learn's
        scorers), shown on the y axis, and the ``'min'`` mark reads "best".

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    errorbar_ : matplotlib ErrorbarContainer
    vlines_ : dict with keys 'min' and '1se' of Line2D
        Only the marked ones.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from fastreg import LassoCV
    >>> from fastreg.plotting import CVCurveDisplay
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 6)); y = X @ [2.0, -1, 0, 0, 0.5, 0]
    >>> disp = CVCurveDisplay.from_estimator(LassoCV(cv=4, alphas=20).fit(X, y))
    >>> sorted(disp.vlines_)
    ['1se', 'min']

    A logistic regression's CV curve, against C:

    >>> from fastreg import LogisticRegressionCV
    >>> yc = (X[:, 0] + rng.standard_normal(80) > 0).astype(int)
    >>> clf = LogisticRegressionCV(Cs=8, cv=4, l1_ratios=[1.0]).fit(X, yc)
    >>> disp = CVCurveDisplay.from_estimator(clf)
    >>> disp.ax_.get_xlabel(), disp.ax_.get_ylabel()
    ('C (log scale)', 'mean CV accuracy')
    >>> bool(disp.vlines_["min"].get_xdata()[0] == clf.C_[0])
    True
    """

    def __init__(self, alphas, mean, se, *, alpha_min, alpha_1se, x_name="alpha",
                 score_name=None):
        self.alphas = np.asarray(alphas, dtype=np.float64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.se = np.asarray(se, dtype=np.float64)
        self.alpha_min = alpha_min
        self.alpha_1se = alpha_1se
        self.x_name = x_name
        self.score_name = score_name

    def plot(self, ax=None, **errorbar_kw):
        """Draw the curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        **errorbar_kw : dict
            Passed to ``ax.errorbar``.

        Returns
        -------
        self : CVCurveDisplay
        """
        _require_matplotlib("CVCurveDisplay")
        ax = _axes(ax)
        mse = self.score_name is None
        kw = dict(fmt="o", markersize=3, capsize=2, color="C3", ecolor="0.6",
                  label="mean CV MSE +/- 1 SE" if mse
                  else f"mean CV {self.score_name} +/- 1 SE")
        kw.update(errorbar_kw)
        self.errorbar_ = ax.errorbar(self.alphas, self.mean, yerr=self.se, **kw)
        ax.set_xscale("log")
        ax.set_xlabel(f"{self.x_name} (log scale)")
        ax.set_ylabel("mean squared error" if mse else f"mean CV {self.score_name}")
        self.vlines_ = {}
        for key, value, text, style, color in (
                ("min", self.alpha_min, "min" if mse else "best", "--", "C0"),
                ("1se", self.alpha_1se, "1se", ":", "C1")):
            if value is not None:
                self.vlines_[key] = ax.axvline(
                    value, linestyle=style, color=color,
                    label=f"{text}: {self.x_name}={value:.3g}")
        ax.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, **errorbar_kw):
        """Plot the CV curve of a fitted :class:`~fastreg.LassoCV` or
        :class:`~fastreg.ElasticNetCV` (at its ``l1_ratio_`` and ``gamma_``),
        or of a fitted :class:`~fastreg.LogisticRegressionCV` (its mean test
        score against C, at its ``l1_ratio_``: see :class:`CVCurveDisplay`).

        Returns
        -------
        display : CVCurveDisplay
        """
        if hasattr(estimator, "_cv_scores"):
            disp, default_label = _logistic_cv_curve(cls, estimator)
            if default_label is not None:
                errorbar_kw.setdefault("label", default_label)
            return disp.plot(ax=ax, **errorbar_kw)
        res = getattr(estimator, "cv_results_", None)
        if res is None:
            raise ValueError("estimator must be a fitted LassoCV or ElasticNetCV (or "
                             f"LogisticRegressionCV), got {estimator!r}")
        rows = np.ones(res["alpha"].shape, dtype=bool)
        if hasattr(estimator, "l1_ratio_"):
            rows &= res["l1_ratio"] == estimator.l1_ratio_
        if "gamma" in res:
            rows &= res["gamma"] == estimator.gamma_
        disp = cls(res["alpha"][rows], res["mean_test_mse"][rows],
                   res["se_test_mse"][rows], alpha_min=estimator.alpha_min_,
                   alpha_1se=estimator.alpha_1se_)
        return disp.plot(ax=ax, **errorbar_kw)


def _score_name(scoring):
    """A readable name for LogisticRegressionCV's ``scoring``."""
    if scoring is None:
        return "accuracy"
    if isinstance(scoring, str):
        return scoring
    func = getattr(scoring, "_score_func", scoring)
    return getattr(func, "__name__", "score")


def _logistic_cv_curve(cls, e):
    """(display, default errorbar label or None) of a LogisticRegressionCV:
    mean and SE over folds of ``scores_`` at ``l1_ratio_`` against ``Cs_``,
    with both selection rules' choices, computed as the estimator does."""
    scores = np.asarray(e._cv_scores, dtype=np.float64)     # (folds, Cs, l1_ratios)
    Cs, l1_ratios = np.asarray(e._cv_Cs), np.asarray(e.l1_ratios_)    # (Cs sorted)
    n_folds = scores.shape[0]
    mean = scores.mean(axis=0)
    se = scores.std(axis=0) / np.sqrt(n_folds)
    r = e._cv_best[1]
    # 'min': the best mean over every (C, l1_ratio); '1se': the smallest C,
    # then the largest l1_ratio, within one SE of it
    i_min, r_min = np.unravel_index(np.argmax(mean), mean.shape)
    ok = np.argwhere(mean >= mean[i_min, r_min] - se[i_min, r_min])
    i_1se, r_1se = min(map(tuple, ok), key=lambda t: (t[0], -t[1]))
    marks = {"min": Cs[i_min] if r_min == r else None,
             "1se": Cs[i_1se] if r_1se == r else None}
    # the estimator's own choice (with refit=False, the folds' mean C)
    marks[e.selection_rule] = float(np.ravel(e.C_)[0])
    name = _score_name(e.scoring)
    label = None
    if l1_ratios.size > 1:
        label = f"mean CV {name} +/- 1 SE (l1_ratio={l1_ratios[r]:.3g})"
    disp = cls(Cs, mean[:, r], se[:, r], alpha_min=marks["min"],
               alpha_1se=marks["1se"], x_name="C", score_name=name)
    return disp, label
