"""PathDisplay and CVCurveDisplay draw what the estimators computed (Agg)."""
import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import fastreg._path  # noqa: E402
import fastreg._path_estimator  # noqa: E402
from fastreg import (ElasticNetCV, ElasticNetIC, ElasticNetPath, Lasso,  # noqa: E402
                     LassoCV, LassoIC, LassoPath, enet_path)
from fastreg.plotting import CVCurveDisplay, PathDisplay  # noqa: E402

from datasets import make_regression  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_path_display_from_path_estimator():
    X, y = make_regression(n=60, p=10, k=3, seed=0)
    path = LassoPath(alphas=25).fit(X, y)
    disp = PathDisplay.from_estimator(path)
    nz = np.flatnonzero(np.any(path.coef_path_ != 0, axis=1))
    np.testing.assert_array_equal(disp.features_, nz)
    assert len(disp.lines_) == nz.size
    for j, line in zip(nz, disp.lines_):
        np.testing.assert_allclose(line.get_xdata(), path.alphas_)
        np.testing.assert_allclose(line.get_ydata(), path.coef_path_[j])
    assert disp.ax_.get_xscale() == "log"
    labels = [t.get_text() for t in disp.top_ax_.get_xticklabels()]
    assert labels[0] == "0"                       # alpha_max: nothing selected
    assert labels[-1] == str(np.count_nonzero(path.coef_path_[:, -1]))
    assert disp.figure_ is disp.ax_.figure


def test_path_display_marks_cv_alphas_and_uses_given_axes():
    X, y = make_regression(n=60, p=10, k=3, seed=1)
    cv = LassoCV(cv=3, alphas=20, selection_rule="1se").fit(X, y)
    fig, ax = plt.subplots()
    disp = PathDisplay.from_estimator(cv, X, y, ax=ax)
    assert disp.ax_ is ax
    assert set(disp.vlines_) == {"min", "1se"}
    assert disp.vlines_["1se"].get_xdata()[0] == cv.alpha_1se_
    assert disp.vlines_["min"].get_xdata()[0] == cv.alpha_min_
    with pytest.raises(ValueError, match="X and y must be given"):
        PathDisplay.from_estimator(cv)


def test_path_display_ic_and_feature_names():
    X, y = make_regression(n=60, p=5, k=3, seed=2)
    ic = LassoIC(alphas=15).fit(X, y)
    names = [f"f{j}" for j in range(5)]
    disp = PathDisplay.from_estimator(ic, feature_names=names)
    assert disp.vlines_["selected"].get_xdata()[0] == ic.alpha_
    texts = [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    assert any(t.startswith("f") for t in texts)


def _legend_texts(disp):
    legend = disp.ax_.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def _top_by_entry(alphas, coefs, k):
    """Top k features: nonzero at the largest alpha first, then largest
    max |coef| (written independently of plotting._rank_features)."""
    scores = []
    for j in range(coefs.shape[0]):
        on = [a for a, c in zip(alphas, coefs[j]) if c != 0]
        if on:
            scores.append((-max(on), -np.max(np.abs(coefs[j])), j))
    return [j for _, _, j in sorted(scores)[:k]]


def test_legend_capped_to_top_features_by_entry():
    X, y = make_regression(n=200, p=500, k=40, seed=5)
    path = LassoPath(alphas=30).fit(X, y)
    names = [f"x{j}" for j in range(500)]
    nz = np.flatnonzero(np.any(path.coef_path_ != 0, axis=1))
    assert nz.size > 20
    disp = PathDisplay.from_estimator(path, feature_names=names, max_labels=7)
    top = _top_by_entry(path.alphas_, path.coef_path_, 7)
    assert _legend_texts(disp) == [names[j] for j in top]
    np.testing.assert_array_equal(disp.labeled_, top)
    # the first one is nonzero at the largest alpha where anything is
    first = np.flatnonzero(np.any(path.coef_path_ != 0, axis=0))[0]
    assert path.coef_path_[top[0], first] != 0
    # every nonzero feature is still drawn; only the top 7 carry a label
    assert len(disp.lines_) == nz.size
    labelled = [ln for ln in disp.lines_ if not ln.get_label().startswith("_")]
    assert sorted(ln.get_label() for ln in labelled) == sorted(names[j] for j in top)
    # default: 10 labels; None: all; 0: no legend
    assert len(_legend_texts(PathDisplay.from_estimator(path, feature_names=names))) == 10
    everything = PathDisplay.from_estimator(path, feature_names=names, max_labels=None)
    assert len(_legend_texts(everything)) == nz.size
    assert _legend_texts(PathDisplay.from_estimator(path, feature_names=names,
                                                    max_labels=0)) == []
    with pytest.raises(ValueError, match="max_labels must be >= 0, got -1"):
        PathDisplay.from_estimator(path, feature_names=names, max_labels=-1)
    with pytest.raises(ValueError, match="feature_names must have one name per feature"):
        PathDisplay.from_estimator(path, feature_names=names[:10])


def test_legend_cap_keeps_marked_alphas_and_plain_lines_without_names():
    X, y = make_regression(n=80, p=30, k=8, seed=6)
    ic = LassoIC(alphas=20).fit(X, y)
    disp = PathDisplay.from_estimator(ic, feature_names=[f"f{j}" for j in range(30)],
                                      max_labels=3)
    texts = _legend_texts(disp)
    assert len(texts) == 4 and texts[-1] == "alpha selected"
    # without names nothing is labelled and no line is greyed out
    plain = PathDisplay.from_estimator(ic)
    assert plain.labeled_.size == 0
    assert len({ln.get_color() for ln in plain.lines_}) > 1


@pytest.mark.parametrize("make", [
    lambda X, y: LassoPath(alphas=15, penalty_factor=np.r_[0.0, np.ones(9)]).fit(X, y),
    lambda X, y: ElasticNetPath(l1_ratio=0.5, alphas=15, positive=True).fit(X, y),
    lambda X, y: LassoIC(alphas=15).fit(X, y),
    lambda X, y: ElasticNetIC(alphas=15, l1_ratio=0.7).fit(X, y),
])
def test_stored_path_is_drawn_without_refitting(monkeypatch, make):
    X, y = make_regression(n=60, p=10, k=4, seed=7)
    est = make(X, y)

    def no_solver(*args, **kwargs):
        raise AssertionError("the path solver was called again")

    monkeypatch.setattr(fastreg._path, "compute_path", no_solver)
    monkeypatch.setattr(fastreg._path_estimator, "compute_path", no_solver)
    disp = PathDisplay.from_estimator(est, X, y)
    for j, line in zip(disp.features_, disp.lines_):
        np.testing.assert_array_equal(line.get_ydata(), est.coef_path_[j])


@pytest.mark.parametrize("settings", [
    dict(penalty_factor=np.r_[0.0, 0.5, np.ones(10)]),
    dict(positive=True),
    dict(lower_bounds=-0.2, upper_bounds=0.3),
])
def test_cv_path_is_the_estimators_own(settings):
    X, y = make_regression(n=90, p=12, k=5, seed=8, intercept=1.0)
    cv = ElasticNetCV(l1_ratio=[1.0, 0.4], cv=3, alphas=15, tol=1e-10,
                      **settings).fit(X, y)
    grid = cv.alphas_[[1.0, 0.4].index(cv.l1_ratio_)]      # (the given order)
    disp = PathDisplay.from_estimator(cv, X, y)
    C = np.zeros((12, grid.size))
    C[disp.features_] = [line.get_ydata() for line in disp.lines_]
    np.testing.assert_array_equal(disp.lines_[0].get_xdata(), grid)
    # the estimator's own path: its final fit is one of its columns ...
    k = int(np.flatnonzero(grid == cv.alpha_)[0])
    np.testing.assert_allclose(C[:, k], cv.coef_, atol=1e-7)
    # ... and the public path function with the same settings draws it
    ref = enet_path(X, y, l1_ratio=cv.l1_ratio_, alphas=grid, fit_intercept=True,
                    tol=1e-10, **settings)[1]
    np.testing.assert_allclose(C, ref, atol=1e-7)
    default = enet_path(X, y, l1_ratio=cv.l1_ratio_, alphas=grid, fit_intercept=True,
                        tol=1e-10)[1]
    assert np.max(np.abs(C - default)) > 1e-2


def test_cv_path_with_sample_weight_and_a_warning_without():
    X, y = make_regression(n=90, p=12, k=4, seed=0)
    y = y.copy()
    y[1::2] += 3 * np.random.default_rng(0).standard_normal(45)
    sw = np.where(np.arange(90) % 2 == 0, 1.0, 0.05)
    cv = LassoCV(cv=3, alphas=15, tol=1e-8).fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = PathDisplay.from_estimator(cv, X, y, sample_weight=sw)
    k = int(np.flatnonzero(cv.alphas_ == cv.alpha_)[0])
    col = np.zeros(12)
    col[disp.features_] = [line.get_ydata()[k] for line in disp.lines_]
    np.testing.assert_allclose(col, cv.coef_, atol=1e-6)
    with pytest.warns(UserWarning, match="does not reproduce LassoCV's fit"):
        PathDisplay.from_estimator(cv, X, y)
    with pytest.raises(ValueError, match="X has 5 features"):
        PathDisplay.from_estimator(cv, X[:, :5], y)


def test_relaxed_cv_path_and_single_alpha_estimators():
    X, y = make_regression(n=80, p=10, k=3, seed=9)
    cv = LassoCV(cv=3, alphas=12, relax=True, gammas=[0.0, 0.5]).fit(X, y)
    disp = PathDisplay.from_estimator(cv, X, y)
    np.testing.assert_array_equal(disp.lines_[0].get_xdata(), cv.alphas_)
    with pytest.raises(ValueError, match="Lasso and ElasticNet fit one alpha"):
        PathDisplay.from_estimator(Lasso(alpha=0.1).fit(X, y), X, y)


def test_cv_curve_display():
    X, y = make_regression(n=80, p=10, k=3, seed=3)
    cv = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=4, alphas=15).fit(X, y)
    disp = CVCurveDisplay.from_estimator(cv)
    r = 0 if cv.l1_ratio_ == 0.5 else 1
    mse = cv.mse_path_[r]
    line = disp.errorbar_.lines[0]
    np.testing.assert_allclose(line.get_xdata(), cv.alphas_[r])
    np.testing.assert_allclose(line.get_ydata(), mse.mean(axis=1))
    np.testing.assert_allclose(disp.se, mse.std(axis=1) / np.sqrt(4))
    assert disp.vlines_["min"].get_xdata()[0] == cv.alpha_min_
    assert disp.vlines_["1se"].get_xdata()[0] == cv.alpha_1se_
    assert disp.ax_.get_xscale() == "log"
    fig = disp.figure_
    fig.canvas.draw()                              # renders without error


def test_cv_curve_rejects_non_cv_estimator():
    X, y = make_regression(n=40, p=8, k=3, seed=4)
    with pytest.raises(ValueError, match="must be a fitted LassoCV or ElasticNetCV"):
        CVCurveDisplay.from_estimator(LassoPath(alphas=5).fit(X, y))



# ------------------------------------------------- logistic path and CV curve

def _classification(n=120, p=8, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if n_classes == 2:
        y = (X[:, 0] - X[:, 1] + rng.standard_normal(n) > 0).astype(int)
    else:
        y = np.argmax(1.5 * X[:, :n_classes] + rng.standard_normal((n, n_classes)),
                      axis=1)
    return X, y


def test_path_display_from_binary_logistic_path():
    from fastreg._logistic_path_estimator import LogisticPath
    X, y = _classification()
    path = LogisticPath(n_alphas=20, eps=1e-2).fit(X, y)
    disp = PathDisplay.from_estimator(path, feature_names=[f"f{j}" for j in range(8)],
                                      max_labels=3)
    nz = np.flatnonzero(np.any(path.coef_path_ != 0, axis=1))
    np.testing.assert_array_equal(disp.features_, nz)
    assert disp.classes_ is None
    assert len(disp.lines_) == nz.size
    for j, line in zip(nz, disp.lines_):
        np.testing.assert_array_equal(line.get_xdata(), path.alphas_)
        np.testing.assert_array_equal(line.get_ydata(), path.coef_path_[j])
    labels = [t.get_text() for t in disp.top_ax_.get_xticklabels()]
    assert labels[0] == "0"                     # alpha_max: intercept only
    assert labels[-1] == str(np.count_nonzero(path.coef_path_[:, -1]))
    top = _top_by_entry(path.alphas_, path.coef_path_, 3)
    assert _legend_texts(disp) == [f"f{j}" for j in top]


def test_path_display_from_multinomial_logistic_path():
    from fastreg._logistic_path_estimator import LogisticPath
    X, y = _classification(n_classes=3, seed=1)
    y = np.array(["a", "b", "c"])[y]
    path = LogisticPath(n_alphas=15, eps=1e-2).fit(X, y)
    K, p, m = path.coef_path_.shape
    disp = PathDisplay.from_estimator(path)
    pairs = [(k, j) for k in range(K) for j in range(p)
             if np.any(path.coef_path_[k, j] != 0)]
    assert len(disp.lines_) == len(pairs) > K
    assert list(zip(disp.classes_, disp.features_)) == pairs
    styles = {k: set() for k in range(K)}
    for (k, j), line in zip(pairs, disp.lines_):
        np.testing.assert_array_equal(line.get_xdata(), path.alphas_)
        np.testing.assert_array_equal(line.get_ydata(), path.coef_path_[k, j])
        styles[k].add(line.get_linestyle())
    # one line style per class, a different one for each
    assert all(len(s) == 1 for s in styles.values())
    assert len(set.union(*styles.values())) == K
    assert _legend_texts(disp) == ["class a", "class b", "class c"]
    # the top axis counts features used by some class
    used = np.count_nonzero(np.any(path.coef_path_ != 0, axis=0), axis=0)
    labels = [t.get_text() for t in disp.top_ax_.get_xticklabels()]
    assert labels[0] == "0" and labels[-1] == str(used[-1])
    assert disp.top_ax_.get_xlabel() == "features with a nonzero coefficient"
    # feature names label the top (class, feature) pairs as "name (class)"
    names = [f"x{j}" for j in range(p)]
    named = PathDisplay.from_estimator(path, feature_names=names, max_labels=4)
    flat = path.coef_path_.reshape(K * p, m)
    top = _top_by_entry(path.alphas_, flat, 4)
    np.testing.assert_array_equal(named.labeled_, [(r // p, r % p) for r in top])
    assert _legend_texts(named) == (["class a", "class b", "class c"]
                                    + [f"x{r % p} ({'abc'[r // p]})" for r in top])
    with pytest.raises(ValueError, match="class_names must have one name per class"):
        PathDisplay(path.alphas_, path.coef_path_, class_names=["a"]).plot()
    disp.figure_.canvas.draw()


def _one_se_choice(mean, se):
    """The smallest C, then the largest l1_ratio, within one SE of the best
    mean (written independently of the estimator)."""
    i, r = np.unravel_index(np.argmax(mean), mean.shape)
    floor = mean[i, r] - se[i, r]
    for ci in range(mean.shape[0]):
        for rr in range(mean.shape[1] - 1, -1, -1):
            if mean[ci, rr] >= floor:
                return ci, rr


@pytest.mark.parametrize("rule", ["min", "1se"])
def test_cv_curve_display_from_logistic_regression_cv(rule):
    from fastreg import LogisticRegressionCV
    X, y = _classification(n=150, seed=3)
    cv = LogisticRegressionCV(Cs=8, cv=5, l1_ratios=[1.0], selection_rule=rule).fit(X, y)
    disp = CVCurveDisplay.from_estimator(cv)
    line = disp.errorbar_.lines[0]
    scores = cv.scores_[cv.classes_[1]]          # (folds, Cs, l1_ratios)
    mean = scores.mean(axis=0)
    se = scores.std(axis=0) / np.sqrt(5)
    np.testing.assert_array_equal(line.get_xdata(), cv.Cs_)
    np.testing.assert_allclose(line.get_ydata(), mean[:, 0])
    np.testing.assert_allclose(disp.se, se[:, 0])
    # the chosen C is marked under its rule's name, the other rule's choice too
    assert disp.vlines_[rule].get_xdata()[0] == cv.C_[0]
    assert disp.vlines_["min"].get_xdata()[0] == cv.Cs_[np.argmax(mean[:, 0])]
    assert disp.vlines_["1se"].get_xdata()[0] == cv.Cs_[_one_se_choice(mean, se)[0]]
    # (on these data the two rules choose different Cs)
    assert disp.vlines_["1se"].get_xdata()[0] < disp.vlines_["min"].get_xdata()[0]
    assert disp.ax_.get_xscale() == "log"
    assert disp.ax_.get_xlabel() == "C (log scale)"
    assert disp.ax_.get_ylabel() == "mean CV accuracy"
    texts = _legend_texts(disp)
    assert f"best: C={disp.vlines_['min'].get_xdata()[0]:.3g}" in texts
    assert f"1se: C={disp.vlines_['1se'].get_xdata()[0]:.3g}" in texts
    assert "mean CV accuracy +/- 1 SE" in texts
    disp.figure_.canvas.draw()


# seed 3: the best mean is on the chosen l1_ratio's curve; seed 4: it is not
@pytest.mark.parametrize("seed, best_on_curve", [(3, True), (4, False)])
def test_cv_curve_logistic_several_l1_ratios_and_a_scorer(seed, best_on_curve):
    from fastreg import LogisticRegressionCV
    X, y = _classification(n=150, seed=seed)
    cv = LogisticRegressionCV(Cs=6, cv=3, l1_ratios=[0.2, 1.0], scoring="neg_log_loss",
                              selection_rule="1se", max_iter=300).fit(X, y)
    disp = CVCurveDisplay.from_estimator(cv)
    r = int(np.flatnonzero(cv.l1_ratios_ == cv.l1_ratio_[0])[0])
    scores = cv.scores_[cv.classes_[1]]
    mean = scores.mean(axis=0)
    se = scores.std(axis=0) / np.sqrt(3)
    np.testing.assert_allclose(disp.errorbar_.lines[0].get_ydata(), mean[:, r])
    np.testing.assert_allclose(disp.se, se[:, r])
    assert disp.vlines_["1se"].get_xdata()[0] == cv.C_[0]
    assert (cv.Cs_[_one_se_choice(mean, se)[0]], _one_se_choice(mean, se)[1]) == \
        (cv.C_[0], r)
    # the best mean is marked only when it lies on the drawn l1_ratio's curve
    i_best, r_best = np.unravel_index(np.argmax(mean), mean.shape)
    assert (r_best == r) == best_on_curve
    if best_on_curve:
        assert disp.vlines_["min"].get_xdata()[0] == cv.Cs_[i_best]
    else:
        assert "min" not in disp.vlines_
    assert disp.ax_.get_ylabel() == "mean CV neg_log_loss"
    assert (f"mean CV neg_log_loss +/- 1 SE (l1_ratio={cv.l1_ratio_[0]:.3g})"
            in _legend_texts(disp))
