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
