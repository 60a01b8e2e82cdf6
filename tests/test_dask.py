"""Paths, fits and CV on row-chunked Dask arrays, on a real LocalCluster.

One cluster of 2 single-threaded worker processes serves the module.  Its
workers' memory_limit (80 MB) is below the size of the out-of-core test's X
(96 MB, generated block by block on the workers and never persisted);
pausing and restarting workers over the limit is turned off, since the
limit is smaller than a worker process's own baseline here.  Every result
is checked by the NumPy oracle (``fastreg._objectives``) and against the
in-memory path.
"""
import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastreg import ElasticNet, ElasticNetCV, Lasso, LassoCV, enet_path, lasso_path
from sklearn.exceptions import ConvergenceWarning

from fastreg._objectives import enet_dual_gap, enet_objective

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
import dask  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

MEMORY_LIMIT = 80e6


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings(), dask.config.set({
            "distributed.worker.memory.pause": False,
            "distributed.worker.memory.terminate": False}):
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, memory_limit=MEMORY_LIMIT, silence_logs=50)
        c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def problem(n=1200, p=150, *, sparse=True, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    if sparse:
        X = sp.random(n, p, density=0.08, random_state=seed, format="csr")
        X.data = rng.lognormal(size=X.nnz)          # heavy-tailed entries
    else:
        X = rng.standard_normal((n, p)) * rng.lognormal(size=p)
    w = np.zeros(p)
    w[:12] = rng.standard_normal(12) * 3
    y = X @ w + 0.5 * rng.standard_normal(n) + offset
    return X, y


def chunked(X, v=None, rows=150):
    """X (and vectors) as Dask arrays of row blocks of ``rows``."""
    Xd = da.from_array(X, chunks=(rows, X.shape[1]))
    if v is None:
        return Xd
    return Xd, *(da.from_array(np.asarray(u), chunks=rows) for u in v)


def certify(X, y, alphas, coefs, intercepts, tol, l1_ratio=1.0, **kw):
    """Every alpha's duality gap, recomputed by the oracle, within tol."""
    fi = kw.get("fit_intercept", False)
    sw = kw.get("sample_weight")
    sw_ = np.ones(len(y)) if sw is None else sw
    yc = y - np.average(y, weights=sw_) if fi else y
    gap_tol = tol * np.sum(sw_ * yc ** 2) / np.sum(sw_)
    for i, a in enumerate(alphas):
        gap = enet_dual_gap(X, y, coefs[:, i], a, l1_ratio, **kw)
        assert gap <= gap_tol * (1 + 1e-6) + 1e-15, (i, gap, gap_tol)
        if fi:
            # the intercept is the best one for the coefficients
            mu = np.asarray(X.T @ sw_).ravel() / sw_.sum()
            best = np.average(y, weights=sw_) - mu @ coefs[:, i]
            assert intercepts[i] == pytest.approx(best, abs=1e-9 * (1 + abs(best)))
    return gap_tol


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_lasso_path_equals_the_in_memory_path(client, sparse, fit_intercept):
    X, y = problem(sparse=sparse)
    Xd, yd = chunked(X, [y])
    tol = 1e-6
    a, c, g, it, b = lasso_path(Xd, yd, n_alphas=40, eps=1e-3, tol=tol,
                                fit_intercept=fit_intercept, return_n_iter=True,
                                return_intercept=True)
    a0, c0, g0, b0 = lasso_path(X, y, n_alphas=40, eps=1e-3, tol=tol,
                                fit_intercept=fit_intercept, return_intercept=True)
    np.testing.assert_allclose(a, a0, rtol=1e-12)
    gap_tol = certify(X, y, a, c, b, tol, fit_intercept=fit_intercept)
    assert np.all(g <= gap_tol) and np.all(it > 0)
    for i, alpha in enumerate(a):
        # both certified within gap_tol of the same optimum
        p1 = enet_objective(X, y, c[:, i], alpha, intercept=b[i])
        p0 = enet_objective(X, y, c0[:, i], alpha, intercept=b0[i])
        assert abs(p1 - p0) <= 2 * gap_tol
    assert np.count_nonzero(c[:, -1]) > 12


def test_enet_path_with_weights_bounds_of_sign_and_penalty_factors(client):
    X, y = problem(seed=1)
    rng = np.random.default_rng(1)
    sw = rng.uniform(0, 3, X.shape[0])
    pf = rng.uniform(0.5, 2, X.shape[1])
    Xd, yd, swd = chunked(X, [y, sw])
    alphas = np.geomspace(0.5, 0.005, 12)
    kw = dict(l1_ratio=0.7, sample_weight=sw, penalty_factor=pf, positive=True,
              fit_intercept=True)
    a, c, g, b = enet_path(Xd, yd, alphas=alphas, tol=1e-7, return_intercept=True,
                           **dict(kw, sample_weight=swd))
    np.testing.assert_allclose(a, alphas)
    assert np.all(c >= 0)
    certify(X, y, a, c, b, 1e-7, **kw)
    # y and the weights may also be NumPy arrays
    a2, c2, _ = enet_path(Xd, y, alphas=alphas, tol=1e-7, **kw)
    np.testing.assert_allclose(c2, c, atol=1e-6)


def test_the_fit_and_predict_of_the_estimators(client):
    X, y = problem(sparse=False, seed=2)
    Xd, yd = chunked(X, [y])
    for est in (Lasso(alpha=0.05, tol=1e-8), ElasticNet(alpha=0.05, l1_ratio=0.3,
                                                        tol=1e-8)):
        ref = type(est)(**est.get_params()).fit(X, y)
        est.fit(Xd, yd)
        np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-6)
        assert est.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
        assert est.dual_gap_ <= 1e-8 * np.var(y)
        pred = est.predict(Xd)
        assert isinstance(pred, da.Array)
        np.testing.assert_allclose(pred.compute(), ref.predict(X), atol=1e-5)


def test_cv_shares_its_passes_and_picks_the_in_memory_alpha(client):
    X, y = problem(n=1500, seed=3)
    rng = np.random.default_rng(3)
    sw = rng.uniform(0.5, 2, X.shape[0])
    Xd, yd, swd = chunked(X, [y, sw])
    from fastreg._distributed import dask_paths
    blocks, _ = dask_paths(Xd, yd, l1_ratios=[1.0], alphas=50, eps=1e-3, tol=1e-6,
                           max_iter=1000, fit_intercept=True, sample_weight=swd)
    cv = LassoCV(cv=5, n_alphas=50, tol=1e-6, store_fold_paths=True).fit(
        Xd, yd, sample_weight=swd)
    ref = LassoCV(cv=5, n_alphas=50, tol=1e-6).fit(X, y, sample_weight=sw)
    assert cv.n_passes_ <= 2 * blocks.passes
    assert cv.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(cv.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(cv.mse_path_, ref.mse_path_, rtol=1e-3)
    certify(X, y, [cv.alpha_], cv.coef_[:, None], [cv.intercept_], 1e-6,
            fit_intercept=True, sample_weight=sw)
    # each fold's path is certified on its training rows
    edges = np.linspace(0, 1500, 6).astype(int)
    for f in range(5):
        train = np.r_[0:edges[f], edges[f + 1]:1500]
        certify(X[train], y[train], cv.alphas_[::7],
                cv.cv_results_["fold_coef_paths"][0, f][:, ::7],
                cv.cv_results_["fold_intercept_paths"][0, f][::7], 1e-6,
                fit_intercept=True, sample_weight=sw[train])


def test_elastic_net_cv_over_l1_ratios(client):
    X, y = problem(seed=4)
    Xd, yd = chunked(X, [y])
    cv = ElasticNetCV(l1_ratio=[0.3, 0.9], cv=3, n_alphas=20, tol=1e-7).fit(Xd, yd)
    ref = ElasticNetCV(l1_ratio=[0.3, 0.9], cv=3, n_alphas=20, tol=1e-7).fit(X, y)
    assert (cv.alpha_, cv.l1_ratio_) == (pytest.approx(ref.alpha_), ref.l1_ratio_)
    np.testing.assert_allclose(cv.mse_path_, ref.mse_path_, rtol=1e-3)


def _generated_block(i, rows, p):
    """A dense row block made on the worker (the test's 'file')."""
    rng = np.random.default_rng(i)
    X = rng.standard_normal((rows, p))
    X[:, 1::2] *= 0.2
    return X


def test_out_of_core_x_larger_than_a_workers_memory_limit(client):
    rows, p, k = 15000, 100, 8                # 8 blocks of 12 MB: 96 MB of X
    blocks = [da.from_delayed(dask.delayed(_generated_block)(i, rows, p),
                              shape=(rows, p), dtype=np.float64) for i in range(k)]
    Xd = da.concatenate(blocks)
    assert Xd.nbytes > MEMORY_LIMIT
    w = np.zeros(p)
    w[:8] = np.arange(1, 9)
    yd = Xd @ w + 1.0
    a, c, g = lasso_path(Xd, yd, n_alphas=20, eps=1e-2, tol=1e-6, fit_intercept=True)
    # (the cluster refuses to gather X: Xd.compute() raises MemoryError there)
    X = np.vstack([_generated_block(i, rows, p) for i in range(k)])
    y = X @ w + 1.0
    yc = y - y.mean()
    for i in (0, 10, 19):
        gap = enet_dual_gap(X, y, c[:, i], a[i], fit_intercept=True)
        assert gap <= 1e-6 * np.mean(yc ** 2) * (1 + 1e-6)


def test_progress_shows_alphas_and_passes(client, capsys, monkeypatch):
    import fastreg._progress as progress
    monkeypatch.setattr(progress, "progress_bar",
                        lambda total, desc, enabled: progress._PlainBar(total, desc))
    monkeypatch.setattr("fastreg._distributed.progress_bar", progress.progress_bar)
    X, y = problem(n=600, seed=5)
    LassoCV(cv=3, n_alphas=10, progress=True).fit(*chunked(X, [y]))
    err = capsys.readouterr().err
    assert "dask path: 10/10" in err and "passes" in err


def _slow_block(i, rows, p):
    time.sleep(0.5)
    return _generated_block(i, rows, p)


def test_ctrl_c_cancels_and_returns_quickly(client):
    rows, p = 200, 20
    Xd = da.concatenate([da.from_delayed(dask.delayed(_slow_block)(i, rows, p),
                                         shape=(rows, p), dtype=np.float64)
                         for i in range(8)])
    yd = Xd[:, 0] * 2.0
    sent = []

    def interrupt():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(1.0, interrupt)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        lasso_path(Xd, yd, n_alphas=100, tol=1e-8)
    assert time.perf_counter() - sent[0] < 2.0
    # the cluster is free again
    X, y = problem(n=300, p=20, seed=6)
    lasso_path(*chunked(X, [y]), n_alphas=5)


def test_clear_errors(client):
    X, y = problem(n=300, p=20)
    Xd, yd = chunked(X, [y])
    with pytest.raises(ValueError, match="chunked by rows only"):
        lasso_path(da.from_array(X, chunks=(100, 10)), yd)
    with pytest.raises(ValueError, match="penalty_factor must be > 0"):
        lasso_path(Xd, yd, penalty_factor=np.r_[0.0, np.ones(19)])
    with pytest.raises(ValueError, match="does not support lower_bounds"):
        lasso_path(Xd, yd, lower_bounds=-1.0)
    with pytest.raises(ValueError, match="cv must be an int"):
        from sklearn.model_selection import KFold
        LassoCV(cv=KFold(3, shuffle=True, random_state=0)).fit(Xd, yd)
    with pytest.raises(ValueError, match=r"y must have shape \(300,\)"):
        lasso_path(Xd, da.ones(299, chunks=100))
    Xdense = problem(n=300, p=20, sparse=False)[0]
    Xdense[5, 3] = np.nan
    bad = chunked(Xdense)
    with pytest.raises(ValueError, match="NaN or infinity"):
        lasso_path(bad, yd)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        Lasso(alpha=0.0).fit(Xd, yd)
    with pytest.raises(ValueError, match="client is for a Dask X"):
        lasso_path(X, y, client=client)


def test_svmlight_shards_read_on_the_workers(client, tmp_path):
    from sklearn.datasets import dump_svmlight_file
    from fastreg import svmlight_blocks
    X, y = problem(n=900, seed=7)
    paths = []
    for i, (a, b) in enumerate([(0, 250), (250, 600), (600, 900)]):
        paths.append(tmp_path / f"part-{i}.svm")
        dump_svmlight_file(X[a:b], y[a:b], str(paths[-1]))
    Xd, yd = svmlight_blocks(paths, n_features=X.shape[1])
    assert Xd.shape == X.shape and Xd.chunks[0] == (250, 350, 300)
    a, c, g = lasso_path(Xd, yd, n_alphas=10, tol=1e-8, fit_intercept=True)
    a0, c0, g0 = lasso_path(X, y, n_alphas=10, tol=1e-8, fit_intercept=True)
    np.testing.assert_allclose(a, a0, rtol=1e-12)
    np.testing.assert_allclose(c, c0, atol=1e-5)


@pytest.mark.parametrize("layout", ["csc", "float32"])
def test_constant_columns_layouts_and_dtypes(client, layout):
    X, y = problem(n=600, p=30, sparse=layout == "csc", seed=8)
    X = X.tocsc() if layout == "csc" else X.astype(np.float32)
    if layout == "csc":
        X = X.tolil()
        X[:, 5] = 0.1                        # constant: its merged norm is residue
        X = X.tocsc()
    else:
        X[:, 5] = 0.1
    Xd, yd = chunked(X, [y], rows=130)
    tol = 1e-5 if layout == "float32" else 1e-8   # (what float32 X can reach)
    a, c, g = lasso_path(Xd, yd, n_alphas=15, tol=tol, fit_intercept=True)
    a0, c0, g0 = lasso_path(X, y, n_alphas=15, tol=tol, fit_intercept=True)
    assert c.dtype == c0.dtype
    assert np.all(c[5] == 0)
    np.testing.assert_allclose(a, a0, rtol=1e-6 if layout == "float32" else 1e-12)
    np.testing.assert_allclose(c, c0, atol=1e-4)
    est = Lasso(alpha=a[-1]).fit(Xd, yd)
    assert est.coef_.dtype == X.dtype and est.predict(Xd).dtype == X.dtype


def test_cv_without_intercept_and_positive(client):
    X, y = problem(n=900, seed=9, offset=0.0)
    Xd, yd = chunked(X, [y])
    kw = dict(cv=4, n_alphas=25, tol=1e-7, fit_intercept=False, positive=True)
    cv, ref = LassoCV(**kw).fit(Xd, yd), LassoCV(**kw).fit(X, y)
    assert cv.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert np.all(cv.coef_ >= 0) and cv.intercept_ == 0.0
    np.testing.assert_allclose(cv.mse_path_, ref.mse_path_, rtol=1e-3)


def test_unconverged_alphas_warn_about_the_asked_alpha_only(client):
    X, y = problem(n=600, seed=10)
    Xd, yd = chunked(X, [y])
    with pytest.warns(ConvergenceWarning, match=r"1 of 1 alpha|alpha=0\.001"):
        Lasso(alpha=1e-3, tol=1e-12, max_iter=2).fit(Xd, yd)
    with pytest.warns(ConvergenceWarning):
        lasso_path(Xd, yd, n_alphas=10, tol=1e-12, max_iter=1)


def test_numpy_targets_and_scalar_weights(client):
    X, y = problem(n=600, seed=11)
    Xd = chunked(X)
    a, c, g = lasso_path(Xd, y, n_alphas=8, sample_weight=2.0, tol=1e-8)
    a0, c0, g0 = lasso_path(X, y, n_alphas=8, tol=1e-8)
    np.testing.assert_allclose(c, c0, atol=1e-6)
    with pytest.raises(ValueError, match=r"y must have shape \(600,\) with a Dask X"):
        Lasso().fit(Xd, np.c_[y, y])
    with pytest.raises(ValueError, match="Cannot have number of splits"):
        LassoCV(cv=5).fit(chunked(X[:3], rows=3), y[:3])
