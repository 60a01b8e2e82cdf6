"""Time logistic paths against scikit-learn on real sparse text.

    python benchmarks/logistic_paths.py [pypi npm] [--rows N] [--l1-ratios 1,0.5]
        [--sklearn liblinear,saga] [--sklearn-every K] [--eps 0.01] [--tol 1e-4]
        [--threads 1] [--busy] [--cv] [--repeat 3]
        [--glmnet PYTHON [--glmnet-timeout 600]]

Problems: ``pypi`` is pypi_text (``$FASTREG_PYPI_TSV``) with the label
"among the 15,000 most downloaded" (1.7% positives); ``npm`` is the
held-out npm_text (``$FASTREG_NPM_TSV``), label "at least 10,000 downloads
a month" (see pypi_text.py).  A missing file skips its problem.

For each l1_ratio: fastreg's 100-alpha path to ``eps`` alpha_max with an
intercept, then each scikit-learn solver fitting the same alphas
(C = 1 / (alpha n)) in one estimator with ``warm_start=True`` (liblinear
cannot warm-start and penalises the intercept: its figures are for another
objective, so fastreg is also timed on liblinear's own objective, X with a
column of ones penalised as the others), on every ``--sklearn-every``-th
alpha of the grid when that is more than 1 (the time is then scaled to the
whole grid, and says so).
``--cv`` times ``LogisticRegressionCV(Cs=20, cv=5)`` at each l1_ratio
instead (the same folds; scikit-learn's with each ``--sklearn`` solver that
has the penalty, ``n_jobs=1`` both), and prints each library's ``C_``.
``--glmnet PYTHON`` also times glmnet's LogitNet on the same grid, fitted
by benchmarks/glmnet_worker.py in that interpreter (python-glmnet needs
numpy < 1.27 and a Fortran compiler to build: e.g. ``apt-get install
gfortran``, a Python 3.11 venv with ``numpy<1.27 'setuptools<60' wheel
scipy scikit-learn``, then ``pip install --no-build-isolation glmnet``); a fit
over ``--glmnet-timeout`` seconds is reported as unfinished.
fastreg's paths are timed ``--repeat`` times and the median printed with
the range (a single run varied by 15% from run to run on this shared
machine); the other libraries' long fits once.
Printed per solver: wall time, passes (time / one X.T @ v), its ratio to
fastreg, the worst duality gap in units of fastreg's bound (fastreg only),
and the worst relative suboptimality against a reference (fastreg at tol
1e-9, untimed), on fastreg's objective.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import glmnet_path, measured_fastreg  # noqa: E402
from passes import busy_core  # noqa: E402
from problems import pass_time  # noqa: E402
from pypi_text import load, load_labels  # noqa: E402

ENV = {"pypi": "FASTREG_PYPI_TSV", "npm": "FASTREG_NPM_TSV"}


def objectives(X, y, coefs, intercepts, alphas, l1_ratio):
    """Each alpha's objective (1/n) sum log(1 + e^eta) - y eta + penalty."""
    out = np.empty(alphas.size)
    for i, a in enumerate(alphas):
        w = np.asarray(coefs[:, i], dtype=np.float64)
        eta = X @ w + intercepts[i]
        loss = np.mean(np.logaddexp(0.0, eta) - y * eta)
        out[i] = loss + a * (l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w)
    return out


def sklearn_path(solver, X, y, alphas, l1_ratio, tol):
    """scikit-learn fitting ``alphas`` in turn: (coefs, intercepts)."""
    from sklearn.linear_model import LogisticRegression
    n = X.shape[0]
    # (random_state fixed: liblinear and saga visit the coordinates or
    # samples in a random order; unseeded, one liblinear run on pypi_text's
    # first 200k rows took 279 s of wall time where seeds 0, 1 and 2 took
    # 49-52 s of CPU time)
    est = LogisticRegression(l1_ratio=l1_ratio, solver=solver, tol=tol, max_iter=1000,
                             warm_start=solver != "liblinear", random_state=0)
    coefs = np.zeros((X.shape[1], alphas.size))
    intercepts = np.zeros(alphas.size)
    for i, a in enumerate(alphas):
        est.set_params(C=1.0 / (a * n))
        est.fit(X, y)
        coefs[:, i] = est.coef_[0]
        intercepts[i] = est.intercept_[0]
    return coefs, intercepts


def solvers(args, l1_ratio):
    """The ``--sklearn`` solvers that fit this penalty (liblinear has no
    elastic net)."""
    return [s for s in args.sklearn if not (s == "liblinear" and 0 < l1_ratio < 1)]


def run(name, args):
    import fastreg
    path = os.environ.get(ENV[name])
    try:
        X, _ = load(path, args.rows, env=ENV[name])
        y = load_labels(path, args.rows, env=ENV[name]).astype(np.float64)
    except FileNotFoundError as exc:
        print(f"{name}: skipped ({exc})")
        return
    if args.cv:
        return run_cv(name, X, y, args)
    t_pass = pass_time(X, y - y.mean())
    print(f"{name}: X {X.shape}, {X.nnz} nonzeros, {y.mean():.2%} positives; one pass "
          f"{t_pass * 1e3:.2f} ms; {args.n_alphas} alphas to {args.eps} alpha_max, "
          f"tol {args.tol}, intercept")
    warm = np.r_[np.flatnonzero(y == 0)[:100], np.flatnonzero(y == 1)[:100]]
    fastreg.logistic_path(X[warm], y[warm], n_alphas=3)          # warm-up
    for l1_ratio in args.l1_ratios:
        times = []
        for _ in range(max(args.repeat, 1)):
            t0 = time.perf_counter()
            alphas, coefs, gaps, n_iter, b = fastreg.logistic_path(
                X, y, l1_ratio=l1_ratio, eps=args.eps, n_alphas=args.n_alphas,
                tol=args.tol, return_n_iter=True, return_intercept=True)
            times.append(time.perf_counter() - t0)
        t_fr = float(np.median(times))
        spread = (f" (median of {len(times)}: {min(times):.2f}-{max(times):.2f})"
                  if len(times) > 1 else "")
        _, ref, _, ref_b = fastreg.logistic_path(X, y, l1_ratio=l1_ratio, alphas=alphas,
                                                 tol=1e-9, max_iter=1000,
                                                 return_intercept=True)
        best = objectives(X, y, ref, ref_b, alphas, l1_ratio)
        ybar = y.mean()
        f0 = -(ybar * np.log(ybar) + (1 - ybar) * np.log1p(-ybar))   # F(b0)
        sub = np.max((objectives(X, y, coefs, b, alphas, l1_ratio) - best) / best)
        print(f"  l1_ratio {l1_ratio}: nonzeros at the end {np.count_nonzero(coefs[:, -1])}")
        print(f"    fastreg     {t_fr:8.2f} s {t_fr / t_pass:7.0f} passes  "
              f"{int(n_iter.sum())} Newton steps  worst gap/bound "
              f"{np.max(gaps) / (args.tol * f0):.2f}  worst rel. subopt {sub:.2e}{spread}",
              flush=True)
        if args.glmnet:
            glmnet_line(X, y, alphas, l1_ratio, best, t_fr, t_pass, args)
        for solver in solvers(args, l1_ratio):
            idx = np.arange(0, alphas.size, args.sklearn_every)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                c, bb = sklearn_path(solver, X, y, alphas[idx], l1_ratio, args.tol)
                t = (time.perf_counter() - t0) * alphas.size / idx.size
            sub = np.max((objectives(X, y, c, bb, alphas[idx], l1_ratio) - best[idx])
                         / best[idx])
            scaled = f" (scaled from {idx.size} alphas)" if idx.size < alphas.size else ""
            print(f"    sklearn {solver:9s} {t:8.2f} s {t / t_pass:7.0f} passes  "
                  f"fastreg/sklearn {t_fr / t:.3f}  worst rel. subopt {sub:.2e}{scaled}",
                  flush=True)
            if solver == "liblinear":
                liblinear_objective(X, y, alphas, idx, l1_ratio, c, bb, t, t_pass, args)


def glmnet_line(X, y, alphas, l1_ratio, best, t_fr, t_pass, args):
    """glmnet's path on the same grid (LogitNet, intercept, no
    standardisation, its own stopping rule), fitted in ``--glmnet``'s
    interpreter: time, passes, ratio and worst relative suboptimality over
    the alphas it reached."""
    res = glmnet_path(args.glmnet, X, y, alphas, l1_ratio=l1_ratio, family="binomial",
                      fit_intercept=True, timeout=args.glmnet_timeout)
    if isinstance(res, str):
        print(f"    glmnet    {res}", flush=True)
        return
    c, b, t, note = res
    done = np.flatnonzero(np.isfinite(b))
    sub = np.nan if not done.size else np.max(
        (objectives(X, y, c[:, done], b[done], alphas[done], l1_ratio) - best[done])
        / best[done])
    reached = f" ({done.size} of {alphas.size} alphas: {note})" \
        if done.size < alphas.size else ""
    print(f"    glmnet    {t:8.2f} s {t / t_pass:7.0f} passes  fastreg/glmnet "
          f"{t_fr / t:.3f}  worst rel. subopt {sub:.2e}{reached}", flush=True)


def run_cv(name, X, y, args):
    """LogisticRegressionCV of each library on the same folds: time and C_."""
    import fastreg
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold
    folds = list(StratifiedKFold(5).split(X, y))
    print(f"{name}: X {X.shape}, {X.nnz} nonzeros, {y.mean():.2%} positives; "
          f"LogisticRegressionCV(Cs=20, cv=5), tol {args.tol}, n_jobs=1")
    for l1_ratio in args.l1_ratios:
        t0 = time.perf_counter()
        ours = fastreg.LogisticRegressionCV(Cs=20, cv=folds, l1_ratios=[l1_ratio],
                                            tol=args.tol, n_jobs=1).fit(X, y)
        t_fr = time.perf_counter() - t0
        print(f"  l1_ratio {l1_ratio}: fastreg {t_fr:8.2f} s  C_ {ours.C_[0]:.4g}", flush=True)
        for solver in solvers(args, l1_ratio):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                theirs = LogisticRegressionCV(Cs=20, cv=folds, l1_ratios=[l1_ratio],
                                              solver=solver, tol=args.tol, n_jobs=1,
                                              random_state=0).fit(X, y)
                t = time.perf_counter() - t0
            print(f"    sklearn {solver:9s} {t:8.2f} s  C_ {theirs.C_[0]:.4g}  "
                  f"fastreg/sklearn {t_fr / t:.3f}", flush=True)


def liblinear_objective(X, y, alphas, idx, l1_ratio, c, b, t_lib, t_pass, args):
    """fastreg on liblinear's own objective (intercept_scaling 1: X with a
    column of ones, penalised, no intercept), the same alphas, against
    liblinear's coefficients (c, b) fitted in t_lib seconds: time and worst
    relative suboptimality on that objective, both against fastreg at tol 1e-9."""
    import fastreg
    import scipy.sparse as sp
    Xa = sp.hstack([X, np.ones((X.shape[0], 1))], format="csc")
    t0 = time.perf_counter()
    _, coefs, _ = fastreg.logistic_path(Xa, y, l1_ratio=l1_ratio, alphas=alphas,
                                        tol=args.tol, fit_intercept=False)
    t = time.perf_counter() - t0
    _, ref, _ = fastreg.logistic_path(Xa, y, l1_ratio=l1_ratio, alphas=alphas, tol=1e-9,
                                      max_iter=1000, fit_intercept=False)
    zeros = np.zeros(alphas.size)
    best = objectives(Xa, y, ref, zeros, alphas, l1_ratio)
    ours = np.max((objectives(Xa, y, coefs, zeros, alphas, l1_ratio) - best) / best)
    theirs = np.max((objectives(Xa, y, np.vstack([c, b]), zeros[idx], alphas[idx], l1_ratio)
                     - best[idx]) / best[idx])
    scaled = f" (liblinear's time scaled from {idx.size} alphas)" if idx.size < alphas.size \
        else ""
    print(f"    on liblinear's objective (penalised intercept): fastreg {t:8.2f} s "
          f"{t / t_pass:7.0f} passes  fastreg/liblinear {t / t_lib:.3f}  worst rel. "
          f"subopt fastreg {ours:.2e}, liblinear {theirs:.2e}{scaled}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("problems", nargs="*", default=["pypi", "npm"])
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--l1-ratios", default="1,0.5")
    ap.add_argument("--sklearn", default="liblinear,saga")
    ap.add_argument("--sklearn-every", type=int, default=1)
    ap.add_argument("--eps", type=float, default=1e-2)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--n-alphas", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--busy", action="store_true")
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--repeat", type=int, default=3,
                    help="time fastreg's paths this many times: the median")
    ap.add_argument("--glmnet", metavar="PYTHON",
                    default=os.environ.get("FASTREG_GLMNET_PYTHON") or None,
                    help="an interpreter with python-glmnet: time glmnet too "
                         "(default: $FASTREG_GLMNET_PYTHON)")
    ap.add_argument("--glmnet-timeout", type=float, default=600.0)
    args = ap.parse_args(argv)
    args.l1_ratios = [float(v) for v in args.l1_ratios.split(",")]
    args.sklearn = [s for s in args.sklearn.split(",") if s]
    for name in args.problems:
        if name not in ENV:
            ap.error(f"problems: unknown {name!r}, choose from {sorted(ENV)}")
    from threadpoolctl import threadpool_limits
    print(measured_fastreg())
    with busy_core(args.busy), \
            threadpool_limits(limits=args.threads if args.threads > 0 else None):
        for name in args.problems:
            run(name, args)


if __name__ == "__main__":
    main()
