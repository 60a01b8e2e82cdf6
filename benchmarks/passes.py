"""Print passes and time ratios of Lasso paths on the public problems.

    python benchmarks/passes.py [PROBLEM ...] [--libraries fastreg,sklearn,celer]
        [--eps 0.01] [--tol 1e-4] [--threads 1] [--scale 1.0] [--busy]
        [--glmnet PYTHON [--glmnet-timeout 600]]

``--threads 0`` leaves BLAS/OpenMP at their default thread counts;
``--busy`` keeps one core busy with another process while timing (a user's
machine running other work).  pypi_text needs ``$FASTREG_PYPI_TSV`` (see
pypi_text.py) and is skipped without it.

For each problem and library: wall time, passes (time / one X.T @ r, see
problems.py), the worst duality gap over the path in units of tol (by
fastreg's NumPy oracle: <= 1 means every alpha is certified by the plain
residual), the worst suboptimality in the same units against the best
objective any of them (or an untimed fastreg run at tol 1e-9) reached at
that alpha (what celer's and fastreg's extrapolated certificates bound),
and the time ratio fastreg / peer.  All libraries run in the same process, on the same
grid and tol; BLAS/OpenMP threads are pinned with threadpoolctl.  With
``--glmnet PYTHON``, glmnet runs in that interpreter instead (where it
builds: see logistic_paths.py), timed on its fit call alone; either way it
stops by its own rule (``common.glmnet_estimator``).
"""
import argparse
import contextlib
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (LIBRARIES, glmnet_path, lasso_objectives, measured_fastreg,  # noqa: E402
                    relative_gap, relative_subopt, solve)
from problems import PROBLEMS, alpha_grid, make_problem, pass_time  # noqa: E402


def run_path(lib, X, y, alphas, tol, glmnet=None):
    """A Lasso path by each library's own path routine where it has one
    (glmnet: in the interpreter ``glmnet`` = (python, timeout) when given,
    as (coefs, seconds, note) or a string saying why there is none)."""
    if lib == "glmnet" and glmnet is not None:
        res = glmnet_path(glmnet[0], X, y, alphas, l1_ratio=1.0, family="gaussian",
                          fit_intercept=False, timeout=glmnet[1])
        return res if isinstance(res, str) else (res[0], res[2], res[3])
    if lib == "celer":
        from celer import celer_path
        return celer_path(X, y, "lasso", alphas=alphas, tol=tol)[1]
    coefs, _ = solve(lib, X, y, alphas=alphas, l1_ratio=1.0, fit_intercept=False,
                     tol=tol, max_iter=100_000)
    return coefs


@contextlib.contextmanager
def busy_core(enabled):
    """While the block runs (when ``enabled``), another process spinning on
    one core."""
    import subprocess
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"]) \
        if enabled else None
    try:
        yield
    finally:
        if proc is not None:
            proc.terminate()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*", default=list(PROBLEMS))
    ap.add_argument("--libraries", default="fastreg,sklearn,celer,glmnet")
    ap.add_argument("--eps", type=float, default=1e-2)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--n-alphas", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--busy", action="store_true",
                    help="time with another process keeping one core busy")
    ap.add_argument("--glmnet", metavar="PYTHON",
                    default=os.environ.get("FASTREG_GLMNET_PYTHON") or None,
                    help="an interpreter with python-glmnet, where glmnet runs "
                         "(see logistic_paths.py) when it is not importable here "
                         "(default: $FASTREG_GLMNET_PYTHON)")
    ap.add_argument("--glmnet-timeout", type=float, default=600.0)
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits
    args.glmnet_run = None if args.glmnet is None else (args.glmnet, args.glmnet_timeout)
    libs = []
    for lib in args.libraries.split(","):
        if lib not in LIBRARIES:
            ap.error(f"--libraries: unknown {lib!r}, choose from {LIBRARIES}")
        if lib == "glmnet" and args.glmnet_run:
            libs.append(lib)
            continue
        try:
            __import__(lib)
            libs.append(lib)
        except ImportError:
            print(f"({lib} not installed: skipped)")
    if "fastreg" in libs:
        print(measured_fastreg())
    limits = args.threads if args.threads > 0 else None
    with busy_core(args.busy), threadpool_limits(limits=limits):
        for name in args.problems:
            run_problem(name, libs, args)


def run_problem(name, libs, args):
    """Time every library's path on one problem and print its line."""
    try:
        X, y = make_problem(name, scale=args.scale)
    except FileNotFoundError as exc:
        print(f"{name}: skipped ({exc})")
        return
    alphas = alpha_grid(X, y, args.eps, args.n_alphas)
    t_pass = pass_time(X, y)
    print(f"{name}: X {X.shape}, {args.n_alphas} alphas to {args.eps} "
          f"alpha_max, tol {args.tol}; one pass {t_pass * 1e3:.2f} ms")
    for lib in libs:   # warm-up: imports, JIT (not another interpreter's glmnet)
        if not (lib == "glmnet" and args.glmnet_run):
            run_path(lib, X[:50], y[:50], alphas[:3], args.tol)
    times, objs, gaps = {}, {}, {}
    for lib in libs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            coefs = run_path(lib, X, y, alphas, args.tol, args.glmnet_run)
            times[lib] = time.perf_counter() - t0
        if isinstance(coefs, str):
            print(f"  {lib:8s} {coefs}", flush=True)
            del times[lib]
            continue
        if isinstance(coefs, tuple):
            # (fitted in another interpreter: the fit's own time, and the
            # alphas it did not reach as NaN)
            coefs, times[lib], note = coefs
            reached = int(np.isfinite(coefs[0]).sum())
            if reached < alphas.size:
                print(f"  ({lib} stopped after {reached} of {alphas.size} alphas, {note}: "
                      "the others count as w = 0)")
            coefs = np.nan_to_num(coefs)
        gaps[lib] = relative_gap(X, y, coefs, alphas, 1.0, False, tol=args.tol)
        objs[lib] = lasso_objectives(X, y, coefs, alphas)
        ratio = (f"  fastreg/{lib} = {times['fastreg'] / times[lib]:.3f}"
                 if "fastreg" in times and lib != "fastreg" else "")
        print(f"  {lib:8s} {times[lib]:8.3f} s {times[lib] / t_pass:8.0f} passes"
              f"  worst gap/tol {gaps[lib]:6.2f}{ratio}", flush=True)
    ref = run_path("fastreg", X, y, alphas, 1e-9)
    best = np.min([lasso_objectives(X, y, ref, alphas), *objs.values()], axis=0)
    print("  worst suboptimality/tol: " + ", ".join(
        f"{lib} {relative_subopt(objs[lib], best, y, args.tol):.3g}"
        for lib in libs if lib in objs))


if __name__ == "__main__":
    main()
