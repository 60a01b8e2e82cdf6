"""First line of defence: paths are optimal by an independent NumPy oracle."""
import numpy as np
import pytest

from fastreg import enet_path
from fastreg._objectives import enet_dual_gap, enet_kkt_violation

from datasets import make_regression


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("precompute", [False, True])
def test_path_gap_and_kkt_by_oracle(layout, fit_intercept, precompute):
    X, y = make_regression(layout=layout, density=0.3 if "cs" in layout else None,
                           intercept=2.0)
    tol = 1e-8
    alphas, coefs, gaps, icpts = enet_path(
        X, y, l1_ratio=0.8, n_alphas=15, tol=tol, fit_intercept=fit_intercept,
        precompute=precompute, return_intercept=True)
    yc = y - y.mean() if fit_intercept else y
    bound = tol * np.dot(yc, yc) / y.shape[0]
    Xd = X.toarray() if hasattr(X, "toarray") else X
    Xd = Xd - Xd.mean(axis=0) if fit_intercept else Xd
    col_rms = np.sqrt((Xd ** 2).mean(axis=0)).max()
    assert np.all(np.diff(alphas) < 0)
    assert np.all(coefs[:, 0] == 0)
    for i, a in enumerate(alphas):
        gap = enet_dual_gap(X, y, coefs[:, i], a, 0.8, fit_intercept=fit_intercept)
        assert gap <= bound * 1.0001
        assert abs(gap - gaps[i]) <= 1e-6 * bound + 1e-12
        # (1/2n)||r - r*||^2 <= gap, so the gradient is off by at most
        # max_j ||x_j|| / sqrt(n) * sqrt(2 gap)
        kkt = enet_kkt_violation(X, y, coefs[:, i], a, 0.8,
                                 fit_intercept=fit_intercept)
        assert kkt <= col_rms * np.sqrt(2 * bound) * 1.01


def test_intercept_cost_benchmark_runs(capsys):
    """benchmarks/intercept_cost.py drives the sparse kernel directly: it
    must keep up with the kernel's options (it broke once on a new one)."""
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).parents[1] / "benchmarks" / "intercept_cost.py"
    if not path.exists():      # tests run from an installed wheel's copy
        pytest.skip("benchmarks/ is not next to these tests")
    spec = importlib.util.spec_from_file_location("intercept_cost", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(n=2000, p=30, epochs=3, repeat=1)
    out = capsys.readouterr().out
    assert "fit_intercept=True" in out and "intercept overhead" in out


_FAKE_GLMNET = '''
import time

import numpy as np


class _Net:
    def __init__(self, alpha, lambda_path, standardize, fit_intercept, n_splits,
                 max_iter):
        assert not standardize and n_splits == 0
        self.l1, self.lam, self.fit_intercept = alpha, np.asarray(lambda_path), fit_intercept

    def fit(self, X, y):
        if self.l1 == 0.25:
            raise RuntimeError("fake failure 5014")
        if self.l1 == 0.125:
            time.sleep(30)
        k = self.lam.size - 1                  # stops one alpha early, on an error
        self.jerr_ = -10004
        c = np.outer(X.T @ y, self.lam[:k]) * self.l1 * self.SIGN
        b = self.lam[:k] + float(self.fit_intercept)
        self.coef_path_, self.intercept_path_ = self._shape(c, b)
        return self


class ElasticNet(_Net):
    SIGN = 1.0

    def _shape(self, c, b):
        return c, b


class LogitNet(_Net):
    SIGN = -1.0

    def _shape(self, c, b):
        return c[None], b[None]
'''


@pytest.mark.parametrize("family, l1_ratio, sign", [("gaussian", 1.0, 1.0),
                                                    ("binomial", 0.5, -1.0)])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_glmnet_worker_round_trip(tmp_path, monkeypatch, family, l1_ratio, sign,
                                  fit_intercept):
    """benchmarks' glmnet runs in another interpreter (python-glmnet needs
    numpy < 1.27): the data, the grid and the options reach the family's
    estimator, its path comes back aligned with the grid (alphas it did not
    reach as NaN, with glmnet's error code), and a failing or overlong fit
    is reported, not raised (here with a stand-in glmnet)."""
    import importlib.util
    import os
    import pathlib
    import sys
    import scipy.sparse as sp
    path = pathlib.Path(__file__).parents[1] / "benchmarks" / "common.py"
    if not path.exists():
        pytest.skip("benchmarks/ is not next to these tests")
    spec = importlib.util.spec_from_file_location("bench_common", path)
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    (tmp_path / "glmnet").mkdir()
    (tmp_path / "glmnet" / "__init__.py").write_text(_FAKE_GLMNET)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path) + os.pathsep
                       + os.environ.get("PYTHONPATH", ""))
    rng = np.random.default_rng(0)
    X = sp.random(30, 7, density=0.4, format="csr", random_state=1)   # (CSC in the worker)
    y = rng.integers(0, 2, 30).astype(float)
    alphas = np.array([0.3, 0.2, 0.1, 0.05])
    coefs, b, seconds, note = common.glmnet_path(
        sys.executable, X, y, alphas, l1_ratio=l1_ratio, family=family,
        fit_intercept=fit_intercept, timeout=60)
    assert coefs.shape == (7, 4) and b.shape == (4,) and seconds >= 0
    np.testing.assert_allclose(coefs[:, :3], sign * l1_ratio * np.outer(X.T @ y, alphas[:3]))
    np.testing.assert_allclose(b[:3], alphas[:3] + float(fit_intercept))
    assert np.all(np.isnan(coefs[:, 3])) and np.isnan(b[3]) and "-10004" in note
    if family == "binomial":
        failed = common.glmnet_path(sys.executable, X, y, alphas, l1_ratio=0.25,
                                    family=family, fit_intercept=False, timeout=60)
        assert isinstance(failed, str) and "fake failure 5014" in failed
        late = common.glmnet_path(sys.executable, X, y, alphas, l1_ratio=0.125,
                                  family=family, fit_intercept=False, timeout=1)
        assert late == "did not finish in 1 s"
    else:
        # (its Gaussian elastic net scales the ridge term by 1/sd(y))
        refused = common.glmnet_path(sys.executable, X, y, alphas, l1_ratio=0.5,
                                     family=family, fit_intercept=False, timeout=60)
        assert isinstance(refused, str) and "l1_ratio 1" in refused
