"""Lasso paths on a row-chunked Dask X: distributed passes, time against the
in-memory path, and (out of core) the client's memory.

    python benchmarks/dask_paths.py [pypi npm] [--rows N] [--blocks 8]
        [--eps 0.01] [--tol 1e-4] [--cv 5] [--repeat 3] [--busy]
    python benchmarks/dask_paths.py --out-of-core 4 [--memory-limit 1.5]

Real problems (``pypi``: pypi_text from ``$FASTREG_PYPI_TSV``; ``npm``:
npm_text from ``$FASTREG_NPM_TSV``; see pypi_text.py): X's rows in
``--blocks`` CSR blocks persisted on a LocalCluster of 2 single-threaded
worker processes; the 100-alpha path to ``eps`` alpha_max (y centred, no
intercept, as benchmarks/passes.py) timed in memory (one thread) and on the
cluster, with ``LassoCV(cv=5)`` on the cluster.  Passes are counted twice:
by fastreg (``RowBlocks.passes``) and, independently, from the scheduler's
task stream (tasks of fastreg's block functions / number of blocks).
``--busy``: every timing with another process keeping one core busy.

``--out-of-core GB``: X of that many GB, dense, generated block by block on
the workers at every pass (never persisted: each pass re-makes it), on
workers whose ``memory_limit`` (``--memory-limit`` GB each) is below X's
size; prints passes, time and the client's peak RSS as a share of X.
"""
import argparse
import os
import resource
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from passes import busy_core  # noqa: E402
from pypi_text import load  # noqa: E402

ENV = {"pypi": "FASTREG_PYPI_TSV", "npm": "FASTREG_NPM_TSV"}
BLOCK_FUNCTIONS = ("_moments_block", "_gram_block", "_certify_block")


def cluster(memory_limit="auto"):
    from distributed import Client, LocalCluster
    return Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, memory_limit=memory_limit,
                               silence_logs=40))


def counted(client, n_blocks, fn):
    """(result, seconds, passes seen by the scheduler) of fn()."""
    from distributed import get_task_stream
    with get_task_stream(client) as ts:
        t = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t
    tasks = sum(1 for task in ts.data
                if any(name in str(task["key"]) for name in BLOCK_FUNCTIONS))
    return out, seconds, tasks / n_blocks


def real(name, args):
    import dask.array as da
    from fastreg import LassoCV, lasso_path
    from fastreg._distributed import dask_paths
    try:
        X, y = load(rows=args.rows, env=ENV[name])
    except FileNotFoundError as e:
        print(f"{name}: skipped ({e})")
        return
    n, p = X.shape
    print(f"{name}: {n} x {p}, {X.nnz} nonzeros; {args.blocks} row blocks, "
          f"eps {args.eps}, tol {args.tol}")
    kw = dict(n_alphas=100, eps=args.eps, tol=args.tol)
    mem = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        a0, c0, g0 = lasso_path(X, y, **kw)
        mem.append(time.perf_counter() - t)
    client = cluster()
    Xr = X.tocsr()
    edges = np.linspace(0, n, args.blocks + 1).astype(int)
    Xd = da.concatenate([da.from_array(Xr[a:b], chunks=(b - a, p))
                         for a, b in zip(edges[:-1], edges[1:])]).persist()
    yd = da.from_array(y, chunks=(tuple(np.diff(edges)),)).persist()
    from distributed import wait
    wait([Xd, yd])
    dist, seen = [], None
    for _ in range(args.repeat):
        (blocks, tracks), seconds, seen = counted(client, args.blocks, lambda: dask_paths(
            Xd, yd, l1_ratios=[1.0], alphas=100, eps=args.eps, tol=args.tol,
            max_iter=1000, fit_intercept=False))
        dist.append(seconds)
    res = tracks[0].result()
    # the public function, once (same engine, with its checks)
    a1, c1, g1 = lasso_path(Xd, yd, **kw)
    assert np.allclose(a1, a0, rtol=1e-12)
    gap_tol = args.tol * float(y @ y) / n
    print(f"  in memory      {np.median(mem):7.2f} s   (median of {args.repeat})")
    print(f"  dask path      {np.median(dist):7.2f} s   ratio {np.median(dist) / np.median(mem):.2f}"
          f"   passes {blocks.passes} (scheduler: {seen:g})   certified "
          f"{int(res.converged.sum())}/100, worst gap / tol {np.max(res.dual_gaps) / gap_tol:.2f}"
          f"   max |coef - in-memory| {np.max(np.abs(c1 - c0)):.2g}")
    if args.cv:
        (cv, cv_s, cv_seen) = counted(client, args.blocks, lambda: LassoCV(
            cv=args.cv, n_alphas=100, eps=args.eps, tol=args.tol,
            fit_intercept=False).fit(Xd, yd))
        print(f"  dask LassoCV   {cv_s:7.2f} s   passes {cv.n_passes_} (scheduler: "
              f"{cv_seen:g}) = {cv.n_passes_ / blocks.passes:.2f} x the path's; "
              f"alpha_ {cv.alpha_:.4g}")
    client.close()


def _dense_block(i, rows, p):
    rng = np.random.default_rng(i)
    X = rng.standard_normal((rows, p))
    X[:, ::3] *= 0.1
    return X


def _target_block(xb, w):
    return xb @ w


def out_of_core(args):
    import dask
    import dask.array as da
    from fastreg._distributed import dask_paths
    p, n_blocks = 500, 32
    rows = int(args.out_of_core * 1e9 / (8 * p * n_blocks))
    client = cluster(memory_limit=f"{args.memory_limit}GB")
    Xd = da.concatenate([da.from_delayed(dask.delayed(_dense_block)(i, rows, p),
                                         shape=(rows, p), dtype=np.float64)
                         for i in range(n_blocks)])
    w = np.zeros(p)
    w[:40] = np.random.default_rng(0).standard_normal(40)
    yd = Xd.map_blocks(_target_block, w, drop_axis=1, dtype=np.float64)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    (blocks, tracks), seconds, seen = counted(client, n_blocks, lambda: dask_paths(
        Xd, yd, l1_ratios=[1.0], alphas=100, eps=args.eps, tol=args.tol,
        max_iter=1000, fit_intercept=True))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    res = tracks[0].result()
    print(f"out of core: X {Xd.nbytes / 1e9:.2f} GB ({n_blocks} blocks of "
          f"{rows} x {p}), workers' memory_limit {args.memory_limit} GB each")
    print(f"  {seconds:.1f} s, passes {blocks.passes} (scheduler: {seen:g}), certified "
          f"{int(res.converged.sum())}/100; client peak RSS {peak / 1e6:.0f} MB = "
          f"{peak / Xd.nbytes:.1%} of X (before the path: {before / 1e6:.0f} MB)")
    client.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*", default=["pypi"])
    ap.add_argument("--rows", type=int)
    ap.add_argument("--blocks", type=int, default=8)
    ap.add_argument("--eps", type=float, default=0.01)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out-of-core", type=float, default=0.0)
    ap.add_argument("--memory-limit", type=float, default=1.5)
    ap.add_argument("--busy", action="store_true")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", ResourceWarning)
    with busy_core(args.busy):
        if args.out_of_core:
            out_of_core(args)
            return
        for name in args.problems:
            real(name, args)


if __name__ == "__main__":
    main()
