"""Peak memory: ``low_memory=True`` copies nothing of the size of X.

Measured in a fresh subprocess by its peak resident set (ru_maxrss), above
the peak it had once X and y existed.
"""
import subprocess
import sys

import numpy as np
import pytest

from fastreg import config_context, get_config, lasso_path, set_config
from fastreg._config import _available_bytes

_CHILD = r"""
import resource, sys, numpy as np, fastreg
rng = np.random.default_rng(0)
n, p = 40000, 400
X = rng.standard_normal((p, n)).T          # Fortran order, made in place
y = X[:, :20] @ rng.standard_normal(20) + rng.standard_normal(n)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with fastreg.config_context(low_memory=sys.argv[1] == "1"):
    fastreg.lasso_path(X, y, n_alphas=10, eps=0.1, precompute=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print((peak - base) / X.nbytes)
"""


def _peak_above_X(low):
    out = subprocess.run([sys.executable, "-c", _CHILD, "1" if low else "0"],
                         capture_output=True, text=True, timeout=300, check=True)
    return float(out.stdout.split()[-1])


def test_low_memory_peak_rss():
    """Fortran X, precompute=False: the default takes a float32 copy (half of
    X) for cheaper certificates; low_memory takes none (what stays is the
    working set's Gram block and a few gathered columns, 16 MiB at most)."""
    low = _peak_above_X(True)
    assert low < 0.3, low
    avail = _available_bytes()
    if avail is not None and avail > 8 * 40000 * 400 * 8:
        default = _peak_above_X(False)
        assert default > low + 0.4, (default, low)


def test_low_memory_refuses_copies():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 5))
    y = X[:, 0]
    with config_context(low_memory=True):
        with pytest.raises(ValueError, match="low_memory=True: C-ordered dense X"):
            lasso_path(X, y, precompute=False)
        import scipy.sparse as sp
        with pytest.raises(ValueError, match="low_memory=True: CSR X"):
            lasso_path(sp.csr_matrix(X), y, precompute=False)
        with pytest.raises(ValueError, match="low_memory=True: X of dtype int64"):
            lasso_path(np.asfortranarray(X.astype(np.int64)), y)
        with pytest.raises(ValueError, match="centre X's columns"):
            lasso_path(np.asfortranarray(X + 1e8), y, fit_intercept=True)
        # what needs no copy runs
        lasso_path(np.asfortranarray(X), y, n_alphas=3)
    assert get_config()["low_memory"] is False


def test_set_config_checks_its_value():
    with pytest.raises(ValueError, match="low_memory must be a bool, got 'yes'"):
        set_config(low_memory="yes")


def test_low_memory_covers_the_tall_form_threads_and_estimators():
    """The tall dense form takes no float32 copy under low_memory; the option
    reaches worker threads; estimators refuse integer X too."""
    import threading

    from fastreg import Lasso
    from fastreg._tall import _TallProblem
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((400, 40)))
    y = X[:, 0] + rng.standard_normal(400)
    with config_context(low_memory=True):
        seen = []
        t = threading.Thread(target=lambda: seen.append(get_config()["low_memory"]))
        t.start()
        t.join()
        assert seen == [True]
        prob = _TallProblem(X, y, None, np.ones(40), False)
        assert prob._shadow is False
        with pytest.raises(ValueError, match="low_memory=True: X of dtype int64"):
            Lasso(alpha=0.1).fit(np.asfortranarray((X * 10).astype(np.int64)), y)
    assert _TallProblem(X, y, None, np.ones(40), False)._shadow is not False
