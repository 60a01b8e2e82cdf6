"""Time single Lasso fits with an intercept, fastreg against its peers.

    python benchmarks/single_fits.py [PROBLEM ...] [--fracs 0.1,0.01]
        [--libraries fastreg,sklearn,celer]

Each problem (see problems.py) is fitted at alpha = frac * alpha_max (with
the intercept), tol 1e-4, one BLAS/OpenMP thread per library, all in one
process; the best of three runs is printed with the nonzeros found.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import measured_fastreg  # noqa: E402
from problems import PROBLEMS, make_problem  # noqa: E402


def estimator(library, alpha):
    if library == "fastreg":
        from fastreg import Lasso
        return Lasso(alpha=alpha, tol=1e-4)
    if library == "sklearn":
        from sklearn.linear_model import Lasso
        return Lasso(alpha=alpha, tol=1e-4, max_iter=100_000)
    if library == "celer":
        from celer import Lasso
        return Lasso(alpha=alpha, tol=1e-4)
    raise ValueError(f"--libraries: unknown {library!r}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*", default=list(PROBLEMS))
    ap.add_argument("--fracs", default="0.1,0.01")
    ap.add_argument("--libraries", default="fastreg,sklearn,celer")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits
    print(measured_fastreg())
    for name in args.problems:
        X, y = make_problem(name)
        n = X.shape[0]
        mean = np.asarray(X.mean(axis=0)).ravel()
        yc = y - y.mean()
        amax = float(np.max(np.abs(X.T @ yc - mean * yc.sum()))) / n
        for frac in (float(f) for f in args.fracs.split(",")):
            cells = []
            for lib in args.libraries.split(","):
                try:
                    estimator(lib, 1.0)
                except ImportError:
                    continue
                best = np.inf
                with threadpool_limits(1), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    for _ in range(3):
                        model = estimator(lib, frac * amax)
                        t0 = time.perf_counter()
                        model.fit(X, y)
                        best = min(best, time.perf_counter() - t0)
                cells.append(f"{lib} {best:.3f} s ({np.count_nonzero(model.coef_)} nz)")
            print(f"{name} at {frac} alpha_max: " + ", ".join(cells), flush=True)


if __name__ == "__main__":
    main()
