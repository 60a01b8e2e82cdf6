"""PathDisplay and CVCurveDisplay draw what the estimators computed (Agg)."""
import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from fastreg import ElasticNetCV, LassoCV, LassoIC, LassoPath  # noqa: E402
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

