"""Command-line entry point: ``fastreg path`` / ``python -m fastreg path``."""
import argparse
import sys
import time

import numpy as np


def _default_data():
    from sklearn.datasets import load_diabetes
    data = load_diabetes()
    return data.data, data.target, "diabetes (scikit-learn's built-in, 442 x 10)"


def _cmd_path(args):
    from ._path import compute_path
    X, y, name = _default_data()
    t0 = time.perf_counter()
    res = compute_path(X, y, l1_ratio=args.l1_ratio, n_alphas=args.n_alphas,
                       eps=args.eps, tol=args.tol, fit_intercept=True)
    elapsed = time.perf_counter() - t0
    print(f"fastreg path on {name}: l1_ratio={args.l1_ratio}, "
          f"{res.alphas.size} alphas, tol={args.tol}, {elapsed * 1e3:.1f} ms")
    print(f"{'alpha':>12} {'nonzeros':>9} {'duality gap':>12} {'epochs':>7}")
    step = max(1, res.alphas.size // 10)
    for i in list(range(0, res.alphas.size, step)) + [res.alphas.size - 1]:
        print(f"{res.alphas[i]:12.5g} {np.count_nonzero(res.coefs[:, i]):9d} "
              f"{res.dual_gaps[i]:12.3g} {res.n_iters[i]:7d}")
    print(f"all {res.alphas.size} duality gaps <= {res.gap_tol:.3g}: "
          f"{bool(res.converged.all())}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="fastreg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("path", help="compute a regularization path")
    p.add_argument("--l1-ratio", type=float, default=1.0)
    p.add_argument("--n-alphas", type=int, default=100)
    p.add_argument("--eps", type=float, default=1e-3)
    p.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args(argv)
    return _cmd_path(args)


if __name__ == "__main__":
    sys.exit(main())
