"""Plots of regularization paths and cross-validation curves.

matplotlib is optional (``pip install fastreg[plot]``); it is imported only
when a plot is drawn.  Both displays follow scikit-learn's Display API: a
``from_estimator`` constructor, ``plot(ax=None)``, and ``ax_`` /
``figure_`` after plotting.
"""
import numpy as np

from ._path import compute_path


def _axes(ax):
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _require_matplotlib(what):
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:           # pragma: no cover - depends on env
        raise ImportError(f"{what} needs matplotlib: pip install fastreg[plot]") from exc


class PathDisplay:
    """Coefficients against alpha (log scale), nonzero counts on a top axis.

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    selected : dict of str to float, default=None
        Alphas to mark with a vertical line, by label (e.g. ``{"min": a}``).
    feature_names : list of str, default=None
        Used as line labels (only features that are ever nonzero are drawn).

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of Line2D
        One per feature that is nonzero somewhere on the path.
    features_ : ndarray of int
        The features drawn, in the order of ``lines_``.
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
    >>> disp = PathDisplay.from_estimator(LassoPath(alphas=30).fit(X, y))
    >>> len(disp.lines_) >= 3
    True
    """

    def __init__(self, alphas, coefs, *, selected=None, feature_names=None):
        self.alphas = np.asarray(alphas, dtype=np.float64)
        self.coefs = np.asarray(coefs)
        self.selected = dict(selected or {})
        self.feature_names = feature_names

    def plot(self, ax=None, *, n_top_ticks=6, **line_kw):
        """Draw the path.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            A new figure is created when None.
        n_top_ticks : int, default=6
            Number of nonzero counts written on the top axis.
        **line_kw : dict
            Passed to ``ax.plot`` for every coefficient line.

        Returns
        -------
        self : PathDisplay
        """
        _require_matplotlib("PathDisplay")
        ax = _axes(ax)
        keep = self.alphas > 0
        alphas, coefs = self.alphas[keep], self.coefs[:, keep]
        self.features_ = np.flatnonzero(np.any(coefs != 0, axis=1))
        self.lines_ = []
        for j in self.features_:
            label = (str(self.feature_names[j]) if self.feature_names is not None
                     else None)
            (line,) = ax.plot(alphas, coefs[j], label=label, **line_kw)
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
        if self.vlines_ or self.feature_names is not None:
            ax.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X=None, y=None, *, ax=None,
                       feature_names=None, **line_kw):
        """Plot the path of a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator
            One with ``coef_path_`` and ``alphas_`` (:class:`~fastreg.LassoPath`,
            :class:`~fastreg.ElasticNetPath`, :class:`~fastreg.LassoIC`,
            :class:`~fastreg.ElasticNetIC`), or a fitted CV estimator
            (:class:`~fastreg.LassoCV`, :class:`~fastreg.ElasticNetCV`), whose
            full-data path on its grid is computed from ``X`` and ``y``.
            Chosen alphas (``alpha_``, ``alpha_min_``, ``alpha_1se_``) are marked.
        X, y : training data, needed for a CV estimator only.
        ax : matplotlib Axes, default=None
        feature_names : list of str, default=None
            Defaults to the estimator's ``feature_names_in_`` if any.

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
            if X is None or y is None:
                raise ValueError("X and y must be given to plot the path of a CV "
                                 "estimator, got X=None or y=None")
            l1_ratio = getattr(estimator, "l1_ratio_", 1.0)
            alphas = np.asarray(estimator.alphas_)
            if alphas.ndim == 2:
                grid_l1 = np.unique(estimator.cv_results_["l1_ratio"])
                alphas = alphas[int(np.flatnonzero(grid_l1 == l1_ratio)[0])]
            res = compute_path(X, y, l1_ratio=l1_ratio, alphas=alphas,
                               fit_intercept=estimator.fit_intercept,
                               penalty_factor=estimator.penalty_factor,
                               positive=estimator.positive, tol=estimator.tol,
                               max_iter=estimator.max_iter)
            alphas, coefs = res.alphas, res.coefs
        else:
            raise ValueError(
                "estimator must be fitted and have coef_path_ (a path or IC "
                f"estimator) or mse_path_ (a CV estimator), got {estimator!r}")
        disp = cls(alphas, coefs, selected=selected, feature_names=feature_names)
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
