"""scikit-learn's default logistic fit, fastreg's against scikit-learn's.

    python benchmarks/logistic_defaults.py [--repeat 3] [--threads 1] [--busy]

``LogisticRegression()`` (L2, C=1, tol 1e-4, solver 'lbfgs') of both
libraries on small dense sets, two classes and more: digits (raw and
standardised), iris, breast cancer (standardised) and make_classification
20,000 x 100 with 2 and 5 classes.  Printed per set: the median time of
``--repeat`` fits (CPU time with one thread, wall time otherwise), each
library's iterations, and scikit-learn's objective minus fastreg's on the
scale C * sum(loss) + ||W||^2 / 2 (positive: fastreg's is lower).
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from passes import busy_core  # noqa: E402


def datasets():
    from sklearn.datasets import (load_breast_cancer, load_digits, load_iris,
                                  make_classification)
    from sklearn.preprocessing import StandardScaler

    def std(X):
        return StandardScaler().fit_transform(X)

    digits = load_digits(return_X_y=True)
    cancer = load_breast_cancer(return_X_y=True)
    return {
        "digits": digits,
        "digits, standardised": (std(digits[0]), digits[1]),
        "iris": load_iris(return_X_y=True),
        "breast cancer, standardised": (std(cancer[0]), cancer[1]),
        "make_classification, 2 classes": make_classification(
            20000, 100, n_informative=20, random_state=0),
        "make_classification, 5 classes": make_classification(
            20000, 100, n_informative=20, n_classes=5, random_state=0),
    }


def objective(est, X, y):
    """C * sum_i -log p_i(y_i) + ||W||^2 / 2 of a fitted estimator."""
    P = np.clip(est.predict_proba(X), 1e-300, None)
    rows = np.searchsorted(est.classes_, y)
    return float(-np.log(P[np.arange(y.shape[0]), rows]).sum() * est.C
                 + 0.5 * (est.coef_ ** 2).sum())


def timed(make, X, y, repeat, clock):
    times, est = [], None
    for _ in range(repeat):
        est = make()
        t0 = clock()
        est.fit(X, y)
        times.append(clock() - t0)
    return float(np.median(times)), est


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS / OpenMP threads (0: the default)")
    ap.add_argument("--busy", action="store_true",
                    help="time with another process keeping one core busy")
    args = ap.parse_args(argv)
    import fastreg
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    from threadpoolctl import threadpool_limits
    clock = time.process_time if args.threads == 1 else time.perf_counter
    print(f"fastreg {fastreg.__version__}; {'CPU' if args.threads == 1 else 'wall'} time, "
          f"median of {args.repeat}")
    with busy_core(args.busy), \
            threadpool_limits(limits=args.threads if args.threads > 0 else None), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")       # (scikit-learn's unconverged fits)
        for name, (X, y) in datasets().items():
            t_sk, sk = timed(SkLogisticRegression, X, y, args.repeat, clock)
            t_fr, fr = timed(fastreg.LogisticRegression, X, y, args.repeat, clock)
            print(f"  {name:32s} scikit-learn {t_sk:7.3f} s ({sk.n_iter_[0]:3d} it)  "
                  f"fastreg {t_fr:7.3f} s ({fr.n_iter_[0]:3d} it)  ratio {t_fr / t_sk:5.2f}  "
                  f"objective sklearn - fastreg {objective(sk, X, y) - objective(fr, X, y):.3g}",
                  flush=True)


if __name__ == "__main__":
    main()
