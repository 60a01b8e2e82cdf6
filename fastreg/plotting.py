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

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    selected : dict of str to float, default=None
        Alphas to mark with a vertical line, by label (e.g. ``{"min": a}``).
    feature_names : list of str, default=None
        Used as line labels (only features that are ever nonzero are drawn).
    max_labels : int or None, default=10
        Most lines labelled when ``feature_names`` is given; None labels
        every line.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of Line2D
        One per feature that is nonzero somewhere on the path.
    features_ : ndarray of int
        The features drawn, in the order of ``lines_``.
    labeled_ : ndarray of int
        The features labelled, most important first (the legend's order);
        empty without ``feature_names``.
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
                 max_labels=10):
        self.alphas = np.asarray(alphas, dtype=np.float64)
        self.coefs = np.asarray(coefs)
        self.selected = dict(selected or {})
        self.feature_names = feature_names
        self.max_labels = max_labels

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
        ax = _axes(ax)
        keep = self.alphas > 0
        alphas, coefs = self.alphas[keep], self.coefs[:, keep]
        self.features_ = np.flatnonzero(np.any(coefs != 0, axis=1))
        self.labeled_ = np.empty(0, dtype=np.intp)
        if self.feature_names is not None:
            if len(self.feature_names) != self.coefs.shape[0]:
                raise ValueError(
                    f"feature_names must have one name per feature "
                    f"({self.coefs.shape[0]}), got {len(self.feature_names)}")
            order = _rank_features(alphas, coefs[self.features_])
            self.labeled_ = self.features_[order[:max_labels]]
        labeled = set(self.labeled_.tolist())
        # grey only when some names are left out (without names: plain lines)
        capped = (self.feature_names is not None
                  and self.labeled_.size < self.features_.size)
        muted = dict(color="0.75", linewidth=0.7, zorder=1) if capped else {}
        self.lines_ = []
        handles = {}
        for j in self.features_:
            if j in labeled:
                (line,) = ax.plot(alphas, coefs[j], label=str(self.feature_names[j]),
                                  **line_kw)
                handles[j] = line
            else:
                (line,) = ax.plot(alphas, coefs[j], **{**muted, **line_kw})
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
        counts = np.count_nonzero(coefs, axis=0)
        top.set_xticks(alphas[idx])
        top.set_xticklabels([str(c) for c in counts[idx]])
        top.set_xlabel("nonzero coefficients")
        self.top_ax_ = top
        legend = [handles[j] for j in self.labeled_] + list(self.vlines_.values())
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
            :class:`~fastreg.LassoIC`, :class:`~fastreg.ElasticNetIC`): that
            path is drawn as stored (nothing is refitted; for a relaxed path
            estimator, the penalised path), or a fitted CV estimator
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
        disp = cls(alphas, coefs, selected=selected, feature_names=feature_names,
                   max_labels=max_labels)
        return disp.plot(ax=ax, **line_kw)


class CVCurveDisplay:
    """Mean cross-validated MSE against alpha with one-standard-error bars.

    Both the ``min`` alpha (smallest mean) and the ``1se`` alpha (largest
    alpha within one SE of the minimum, SE = std over folds / sqrt(n_folds))
    are marked, whichever rule the estimator used.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
    mean : ndarray of shape (n_alphas,)
    se : ndarray of shape (n_alphas,)
    alpha_min, alpha_1se : float

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    errorbar_ : matplotlib ErrorbarContainer
    vlines_ : dict with keys 'min' and '1se' of Line2D

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
    """

    def __init__(self, alphas, mean, se, *, alpha_min, alpha_1se):
        self.alphas = np.asarray(alphas, dtype=np.float64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.se = np.asarray(se, dtype=np.float64)
        self.alpha_min = alpha_min
        self.alpha_1se = alpha_1se

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
        kw = dict(fmt="o", markersize=3, capsize=2, color="C3", ecolor="0.6",
                  label="mean CV MSE +/- 1 SE")
        kw.update(errorbar_kw)
        self.errorbar_ = ax.errorbar(self.alphas, self.mean, yerr=self.se, **kw)
        ax.set_xscale("log")
        ax.set_xlabel("alpha (log scale)")
        ax.set_ylabel("mean squared error")
        self.vlines_ = {
            "min": ax.axvline(self.alpha_min, linestyle="--", color="C0",
                              label=f"min: alpha={self.alpha_min:.3g}"),
            "1se": ax.axvline(self.alpha_1se, linestyle=":", color="C1",
                              label=f"1se: alpha={self.alpha_1se:.3g}"),
        }
        ax.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, **errorbar_kw):
        """Plot the CV curve of a fitted :class:`~fastreg.LassoCV` or
        :class:`~fastreg.ElasticNetCV` (at its ``l1_ratio_`` and ``gamma_``).

        Returns
        -------
        display : CVCurveDisplay
        """
        res = getattr(estimator, "cv_results_", None)
        if res is None:
            raise ValueError("estimator must be a fitted LassoCV or ElasticNetCV, "
                             f"got {estimator!r}")
        rows = np.ones(res["alpha"].shape, dtype=bool)
        if hasattr(estimator, "l1_ratio_"):
            rows &= res["l1_ratio"] == estimator.l1_ratio_
        if "gamma" in res:
            rows &= res["gamma"] == estimator.gamma_
        disp = cls(res["alpha"][rows], res["mean_test_mse"][rows],
                   res["se_test_mse"][rows], alpha_min=estimator.alpha_min_,
                   alpha_1se=estimator.alpha_1se_)
        return disp.plot(ax=ax, **errorbar_kw)
