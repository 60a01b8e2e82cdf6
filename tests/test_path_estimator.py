"""ElasticNetPath / LassoPath: the fitted path, queries between grid points,
exact refits and the relaxed lasso."""
import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastreg import ElasticNet, ElasticNetPath, LassoPath, enet_path
from fastreg._objectives import (enet_dual_gap, enet_dual_gap_box, enet_kkt_violation,
                                 enet_kkt_violation_box)

from datasets import make_regression


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_path_equals_enet_path_and_grid_points_are_exact(layout, dtype):
    X, y = make_regression(layout=layout, density=0.3 if "cs" in layout else None,
                           intercept=1.0, dtype=dtype)
    model = ElasticNetPath(l1_ratio=0.7, alphas=20, eps=1e-2).fit(X, y)
    alphas, coefs, gaps, icpts = enet_path(X, y, l1_ratio=0.7, n_alphas=20, eps=1e-2,
                                           fit_intercept=True, return_intercept=True)
    # dense C may take the Gram form in enet_path: rounding differs
    rtol = 1e-6 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(model.alphas_, alphas, rtol=rtol)
    np.testing.assert_allclose(model.coef_path_, coefs, rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(model.intercept_path_, icpts, rtol=rtol)
    assert model.coef_path_.dtype == dtype
    for k in (0, 7, 19):
        np.testing.assert_array_equal(model.coef(model.alphas_[k]), model.coef_path_[:, k])
        assert model.intercept(model.alphas_[k]) == model.intercept_path_[k]
    Xd = X.toarray() if hasattr(X, "toarray") else X
    C, b = model.coef_path_, model.intercept_path_
    np.testing.assert_allclose(model.predict(X, alpha=model.alphas_[5]),
                               Xd @ C[:, 5] + b[5], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model.predict(X), Xd @ C[:, -1] + b[-1],
                               rtol=1e-5, atol=1e-5)


def test_interpolation_is_linear_in_log_alpha():
    X, y = make_regression(seed=1)
    model = LassoPath(alphas=10).fit(X, y)
    a0, a1 = model.alphas_[3], model.alphas_[4]
    t = 0.25
    a = np.exp((1 - t) * np.log(a0) + t * np.log(a1))
    expected = (1 - t) * model.coef_path_[:, 3] + t * model.coef_path_[:, 4]
    np.testing.assert_allclose(model.coef(a), expected, rtol=1e-10, atol=1e-14)
    C = model.coef([a0, a, a1])
    assert C.shape == (X.shape[1], 3)
    assert model.predict(X, alpha=[a0, a]).shape == (X.shape[0], 2)
    # above a grid that starts at alpha_max every penalised coefficient stays 0
    np.testing.assert_array_equal(model.coef(10 * a0 * 10), model.coef_path_[:, 0])


def test_exact_refit_is_optimal_and_matches_estimator():
    X, y = make_regression(seed=2, intercept=3.0)
    model = ElasticNetPath(l1_ratio=0.5, alphas=8, tol=1e-12).fit(X, y)
    a = np.sqrt(model.alphas_[4] * model.alphas_[5])
    w = model.coef(a, exact=True)
    gap = enet_dual_gap(X, y, w, a, 0.5, fit_intercept=True)
    assert gap <= 1e-12 * np.var(y) * 1.01
    ref = ElasticNet(alpha=a, l1_ratio=0.5, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(w, ref.coef_, atol=1e-7)
    assert model.intercept(a, exact=True) == pytest.approx(ref.intercept_, abs=1e-7)
    # below the grid: interpolation refuses, exact answers
    small = model.alphas_[-1] / 3
    with pytest.raises(ValueError, match="alpha must be >= the path's smallest alpha"):
        model.coef(small)
    ref = ElasticNet(alpha=small, l1_ratio=0.5, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.coef(small, exact=True), ref.coef_, atol=1e-7)


@pytest.mark.parametrize("layout_", ["F", "csc"])
@pytest.mark.parametrize("Est, l1_ratio, constraint, gap, kkt", [
    # (the box oracle takes no unpenalised feature without bounds)
    (LassoPath, 1.0, dict(positive=True), enet_dual_gap, enet_kkt_violation),
    (ElasticNetPath, 0.6, dict(lower_bounds=-0.2, upper_bounds=0.4),
     enet_dual_gap_box, enet_kkt_violation_box),
])
def test_exact_refit_uses_every_setting_and_beats_interpolation(layout_, Est, l1_ratio,
                                                                 constraint, gap, kkt):
    X, y = make_regression(n=80, p=30, k=10, seed=7, intercept=2.0, layout=layout_,
                           density=0.3 if layout_ == "csc" else None)
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.1, 3.0, X.shape[0])
    pf = rng.uniform(0.5, 2.0, X.shape[1])
    pf[0] = 0.0
    tol = 1e-10
    kw = {} if Est is LassoPath else dict(l1_ratio=l1_ratio)
    model = Est(alphas=6, tol=tol, penalty_factor=pf, **kw, **constraint).fit(
        X, y, sample_weight=sw)
    a = np.sqrt(model.alphas_[3] * model.alphas_[4])      # between two grid points
    exact, interp = model.coef(a, exact=True), model.coef(a)
    assert exact.shape == interp.shape == (X.shape[1],)
    # the oracle (plain NumPy, the box form covers positive too) on the
    # estimator's own objective: weights, penalty factors, constraint
    oracle = dict(fit_intercept=True, sample_weight=sw, penalty_factor=pf, **constraint)
    ybar = np.average(y, weights=sw)
    gap_tol = tol * np.average((y - ybar) ** 2, weights=sw)
    assert gap(X, y, exact, a, l1_ratio, **oracle) <= gap_tol
    assert kkt(X, y, exact, a, l1_ratio, **oracle) <= 1e-8
    # the interpolation is no solution there (a coarse grid: 6 alphas)
    assert gap(X, y, interp, a, l1_ratio, **oracle) > 1e4 * gap_tol
    assert np.max(np.abs(exact - interp)) > 1e-3
    # the intercept is the weighted one of the exact coefficients
    Xd = X.toarray() if hasattr(X, "toarray") else X
    b = model.intercept(a, exact=True)
    assert isinstance(b, float)
    assert b == pytest.approx(ybar - np.average(Xd, axis=0, weights=sw) @ exact,
                              abs=1e-10)
    # grid alphas give the fitted columns in both modes; arrays keep the shape
    k = 2
    for exact_mode in (False, True):
        np.testing.assert_array_equal(model.coef(model.alphas_[k], exact=exact_mode),
                                      model.coef_path_[:, k])
        assert model.intercept(model.alphas_[k], exact=exact_mode) == \
            model.intercept_path_[k]
    both = model.coef([model.alphas_[k], a], exact=True)
    assert both.shape == (X.shape[1], 2)
    np.testing.assert_array_equal(both[:, 0], model.coef_path_[:, k])
    np.testing.assert_allclose(both[:, 1], exact, atol=1e-12)
    assert model.predict(X, alpha=a, exact=True).shape == (X.shape[0],)
    with pytest.raises(ValueError, match="exact must be True or False, got 'yes'"):
        model.coef(a, exact="yes")


def test_exact_needs_kept_data():
    X, y = make_regression(seed=3)
    model = LassoPath(alphas=5, keep_data=False).fit(X, y)
    with pytest.raises(ValueError, match="exact=True needs the training data"):
        model.coef(model.alphas_[-1] / 2, exact=True)


def test_relaxed_gamma_one_is_plain_and_gamma_zero_is_least_squares(layout):
    X, y = make_regression(layout=layout, density=0.3 if "cs" in layout else None,
                           intercept=2.0, seed=4)
    plain = LassoPath(alphas=15).fit(X, y)
    relaxed = LassoPath(alphas=15, relax=True, gamma=1.0).fit(X, y)
    for a in (plain.alphas_[3], np.sqrt(plain.alphas_[6] * plain.alphas_[7])):
        np.testing.assert_array_equal(relaxed.coef(a), plain.coef(a))
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    k = 10
    A = np.flatnonzero(plain.coef_path_[:, k])
    XA = np.column_stack([Xd[:, A], np.ones(X.shape[0])])
    sol = np.linalg.lstsq(XA, y, rcond=None)[0]
    w0 = relaxed.coef(plain.alphas_[k], gamma=0.0)
    np.testing.assert_allclose(w0[A], sol[:-1], rtol=1e-8, atol=1e-10)
    assert relaxed.intercept(plain.alphas_[k], gamma=0.0) == pytest.approx(sol[-1])
    half = relaxed.coef(plain.alphas_[k], gamma=0.5)
    np.testing.assert_allclose(half, 0.5 * plain.coef_path_[:, k] + 0.5 * w0)


def test_relaxed_positive_stays_non_negative():
    X, y = make_regression(seed=5)
    model = LassoPath(alphas=10, relax=True, gamma=0.0, positive=True).fit(X, y)
    assert np.all(model.relaxed_coef_path_ >= 0)


def test_progress_chunks_equal_one_call(capsys):
    X, y = make_regression(seed=6)
    a = LassoPath(alphas=25, tol=1e-10).fit(X, y)
    b = LassoPath(alphas=25, tol=1e-10, progress=True).fit(X, y)
    np.testing.assert_allclose(a.coef_path_, b.coef_path_, atol=1e-8)


@pytest.mark.parametrize("params, match", [
    (dict(gamma=2.0), r"gamma must be in \[0, 1\], got 2.0"),
    (dict(relax=1), r"relax must be True or False, got 1"),
    (dict(l1_ratio=-0.1), r"l1_ratio must be in \[0, 1\], got -0.1"),
    (dict(alphas=[]), r"alphas must be an int or a non-empty 1-D array"),
    (dict(n_alphas=0), r"n_alphas must be >= 1, got 0"),
    (dict(eps=-1.0), r"eps must be > 0, got -1.0"),
])
def test_bad_input(params, match):
    X, y = make_regression()
    with pytest.raises(ValueError, match=match):
        ElasticNetPath(**params).fit(X, y)


def test_bad_queries():
    X, y = make_regression()
    model = LassoPath(alphas=5).fit(X, y)
    with pytest.raises(ValueError, match="gamma must be 1 without relax=True, got 0.5"):
        model.coef(model.alphas_[0], gamma=0.5)
    with pytest.raises(ValueError, match=r"alpha must be finite and >= 0, got -1.0"):
        model.coef(-1.0)
    user = LassoPath(alphas=[1e-3, 1e-2]).fit(X, y)
    with pytest.raises(ValueError, match="alpha must be <= the path's largest alpha"):
        user.coef(1.0)


# every check passes, the sample-weight equivalences (weights = repeated
# rows, to rtol 1e-7) included: scikit-learn's coordinate-change rule on the
# last epoch brings both fits that close at the default tol
@parametrize_with_checks([LassoPath(), LassoPath(alphas=10), LassoPath(alphas=10, tol=1e-10),
                          ElasticNetPath(alphas=10, relax=True, gamma=0.5)])
def test_sklearn_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def test_relaxed_path_zero_weights_equal_row_subset(layout):
    from fastreg._path_estimator import relaxed_path
    X, y = make_regression(layout=layout, density=0.3 if "cs" in layout else None,
                           intercept=1.0, seed=8)
    coefs = LassoPath(alphas=10).fit(X, y).coef_path_
    rows = np.arange(0, X.shape[0], 3)
    sw = np.zeros(X.shape[0]); sw[rows] = 1.0
    a = relaxed_path(X, y, coefs, sample_weight=sw)
    b = relaxed_path(X[rows], y[rows], coefs)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-7, atol=1e-9)


def test_progress_bar_without_tqdm(monkeypatch, capsys):
    import builtins

    from fastreg._progress import progress_bar
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError("no tqdm here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    with progress_bar(3, "demo", enabled=True) as bar:
        for _ in range(3):
            bar.update()
    assert "demo: 3/3" in capsys.readouterr().err
    with progress_bar(3, "quiet", enabled=False) as bar:
        bar.update()
    assert capsys.readouterr().err == ""
