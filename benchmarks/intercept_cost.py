"""What fitting an intercept costs the sparse kernel, per epoch.

    python benchmarks/intercept_cost.py

The sparse columns below have a near-zero mean, so the problem (and the
iterates) are the same with or without the intercept: the difference in
time per epoch is the cost of the implicit centring alone (an O(1) offset
per coordinate update; scikit-learn pays O(n_samples) there).  The fastest
of 7 runs of 20 epochs over every feature, one thread.
"""
import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from fastreg._problems import _SparseProblem


def main(n=50_000, p=400, epochs=20, repeat=7):
    rng = np.random.default_rng(0)
    X = sp.random(n, p, density=0.05, format="csc", random_state=0,
                  data_rvs=lambda m: rng.standard_normal(m))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    y -= y.mean()
    per_epoch = {}
    for fit_intercept in (False, True):
        prob = _SparseProblem(X, y, None, np.ones(p), fit_intercept)
        ws = np.arange(p, dtype=np.int32)
        opts = dict(l1=0.02 * np.max(np.abs(prob.q)), l2=0.0, positive=False,
                    max_epochs=epochs, tol=0.0, check_every=10 ** 9, dw_tol=-1.0)
        best = np.inf
        for _ in range(repeat):
            prob.set_coef(np.zeros(p))
            t0 = time.process_time()
            done, _ = prob._solve_residual(ws, opts, np.empty(p), True)
            best = min(best, (time.process_time() - t0) / done)
        per_epoch[fit_intercept] = best
        print(f"fit_intercept={fit_intercept!s:5}: {best * 1e3:.3f} ms per epoch, "
              f"{np.count_nonzero(prob.w)} nonzeros")
    print(f"intercept overhead: {100 * (per_epoch[True] / per_epoch[False] - 1):+.1f}%")


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        main()
