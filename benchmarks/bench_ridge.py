"""Ridge benchmarks (asv-style; importable and runnable without asv).

asv runs the classes below (``library`` is the peer parameter; the floor is
its own class).  ``python benchmarks/bench_ridge.py`` measures every ratio of
the Ridge targets in one run, threads pinned with threadpoolctl, medians of
``--repeat`` runs:

- one alpha, dense n x p (default 100,000 x 2,000): fastreg.Ridge and
  scikit-learn Ridge(solver="cholesky") against the floor (syrk + potrf +
  potrs through scipy.linalg.blas/lapack on the same Fortran X);
- ridge_path with 100 alphas against one fastreg fit;
- RidgeCV with 100 alphas against scikit-learn's RidgeCV (same alphas;
  ``--cv-sk-alphas k`` runs scikit-learn on k alphas around fastreg's choice
  and extrapolates its time per alpha to 100: say so when reporting).

The data: X standard normal plus a per-column offset (so the intercept
matters), Fortran order, y = X w + noise.
"""
import argparse
import time

import numpy as np

try:
    from threadpoolctl import threadpool_limits
except ImportError:                     # pragma: no cover
    threadpool_limits = None

if __package__:                         # asv: benchmarks.bench_ridge
    from .problems import bench_scale
else:                                   # python benchmarks/bench_ridge.py
    from problems import bench_scale

_S = bench_scale()
N_SAMPLES, N_FEATURES, N_ALPHAS = int(100_000 * _S), max(int(2_000 * _S), 20), 100
ALPHA = 1.0


def make_data(n=N_SAMPLES, p=N_FEATURES, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = np.empty((n, p), dtype=dtype, order="F")
    for j in range(p):
        X[:, j] = rng.standard_normal(n) + rng.uniform(-1, 1)
    w = rng.standard_normal(p) * (rng.uniform(size=p) < 0.2)
    y = (X @ w + 3.0 + 2.0 * rng.standard_normal(n)).astype(dtype)
    return X, y


def cv_alphas(n_alphas=N_ALPHAS):
    return np.logspace(-2, 5, n_alphas)


def make_estimator(library, kind, **params):
    """The one place that maps a fastreg configuration to the peer's."""
    if library == "fastreg":
        import fastreg
        return getattr(fastreg, kind)(**params)
    from sklearn import linear_model
    if kind == "Ridge":
        params.setdefault("solver", "cholesky")
    return getattr(linear_model, kind)(**params)


def floor_fit(X, y, alpha=ALPHA):
    """syrk + potrf + potrs on Fortran X (the work any direct solver must do)."""
    from scipy.linalg import blas, lapack
    syrk, potrf, potrs = ((blas.dsyrk, lapack.dpotrf, lapack.dpotrs)
                          if X.dtype == np.float64 else
                          (blas.ssyrk, lapack.spotrf, lapack.spotrs))
    G = syrk(1.0, X, trans=1, lower=1)
    G[np.diag_indices_from(G)] += alpha
    L, info = potrf(G, lower=1, overwrite_a=1, clean=0)
    b = X.T @ y
    w, info = potrs(L, b, lower=1)
    return w


def gradient_residual(X, y, coef, intercept, alpha):
    """||grad|| / ||X_c^T y_c|| of the ridge objective at (coef, intercept)."""
    r = y - X @ coef - intercept
    g = -2 * (X.T @ r) + 2 * alpha * coef
    yc = y - y.mean()
    return float(np.linalg.norm(g) / (2 * np.linalg.norm(X.T @ yc)))


class _Pinned:
    """One timed run per sample, threads pinned for the whole benchmark."""
    threads = 2
    timeout = 600
    timer = time.perf_counter
    number = 1
    repeat = 3

    def setup(self, *args):
        self._limit = (threadpool_limits(self.threads)
                       if threadpool_limits is not None else None)

    def teardown(self, *args):
        if self._limit is not None:
            self._limit.unregister()


class RidgeOneAlpha(_Pinned):
    """One alpha on dense 100,000 x 2,000 (Fortran, float64)."""
    params = [["fastreg", "sklearn"]]
    param_names = ["library"]

    def setup_cache(self):
        return make_data()

    def time_fit(self, data, library):
        make_estimator(library, "Ridge", alpha=ALPHA).fit(*data)

    def track_gradient_residual(self, data, library):
        X, y = data
        m = make_estimator(library, "Ridge", alpha=ALPHA).fit(X, y)
        return gradient_residual(X, y, m.coef_, m.intercept_, ALPHA)


class RidgeFloor(_Pinned):
    """syrk + potrf + potrs on the same data: the floor of a direct solve."""

    def setup_cache(self):
        return make_data()

    def time_floor(self, data):
        floor_fit(*data)


class RidgePath(_Pinned):
    """ridge_path with 100 alphas (fastreg only: scikit-learn has none)."""

    def setup_cache(self):
        return make_data()

    def time_path(self, data):
        import fastreg
        fastreg.ridge_path(*data, cv_alphas(), fit_intercept=True)


class RidgeCVTall(_Pinned):
    """RidgeCV with 100 alphas on 10,000 x 500 (scikit-learn runs it fully)."""
    params = [["fastreg", "sklearn"]]
    param_names = ["library"]
    timeout = 1200

    def setup_cache(self):
        return make_data(int(10_000 * _S), max(int(500 * _S), 20))

    def time_fit(self, data, library):
        make_estimator(library, "RidgeCV", alphas=cv_alphas()).fit(*data)

    def track_alpha(self, data, library):
        return float(make_estimator(library, "RidgeCV",
                                    alphas=cv_alphas()).fit(*data).alpha_)


# ---------------------------------------------------------------- one run
def _interleaved(fns, repeat):
    """Run each callable ``repeat`` times, interleaved (load drifts hit all alike).

    Returns {name: (median wall s, median CPU s of this process, last output)}.
    With one BLAS thread the CPU time is the work done, robust to other
    processes sharing the cores.
    """
    wall = {k: [] for k in fns}
    cpu = {k: [] for k in fns}
    out = {}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            out[name] = fn()
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - t0)
    return {k: (float(np.median(wall[k])), float(np.median(cpu[k])), out[k])
            for k in fns}


def _report(res, ref, label):
    w0, c0, _ = res[ref]
    for name, (w, c, _) in res.items():
        print(f"  {name:34s} wall {w:8.3f} s ({w / w0:6.3f}x {label})   "
              f"cpu {c:8.3f} s ({c / c0:6.3f}x)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=N_SAMPLES)
    ap.add_argument("--p", type=int, default=N_FEATURES)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--float32", action="store_true")
    ap.add_argument("--skip", default="", help="comma list of: fit,path,cv,cvsmall")
    args = ap.parse_args(argv)
    import fastreg
    from sklearn.linear_model import Ridge as SkRidge, RidgeCV as SkRidgeCV
    skip = set(filter(None, args.skip.split(",")))
    dtype = np.float32 if args.float32 else np.float64
    alphas = cv_alphas()
    with threadpool_limits(args.threads):
        X, y = make_data(args.n, args.p, dtype=dtype)
        print(f"X {X.shape} {X.dtype} Fortran, {args.threads} BLAS thread(s), "
              f"medians of {args.repeat} interleaved runs")
        fit = lambda: fastreg.Ridge(alpha=ALPHA).fit(X, y)
        if "fit" not in skip:
            fit()                       # warm-up
            res = _interleaved({
                "floor (syrk+potrf+potrs)": lambda: floor_fit(X, y),
                "fastreg.Ridge": fit,
                "sklearn Ridge(solver=cholesky)":
                    lambda: SkRidge(alpha=ALPHA, solver="cholesky").fit(X, y),
            }, args.repeat)
            print("one alpha (fit_intercept=True):")
            _report(res, "floor (syrk+potrf+potrs)", "floor")
            m, ms = res["fastreg.Ridge"][2], res["sklearn Ridge(solver=cholesky)"][2]
            print(f"  max |coef diff| {np.abs(m.coef_ - ms.coef_).max():.2e}, "
                  f"gradient residual "
                  f"{gradient_residual(X, y, m.coef_, m.intercept_, ALPHA):.1e}")
        if "path" not in skip:
            res = _interleaved({
                "fastreg.Ridge (one fit)": fit,
                "ridge_path (100 alphas)":
                    lambda: fastreg.ridge_path(X, y, alphas, fit_intercept=True),
            }, args.repeat)
            print("ridge_path:")
            _report(res, "fastreg.Ridge (one fit)", "one fit")
        if "cv" not in skip:
            r = _interleaved({"fastreg.RidgeCV (100 alphas)":
                              lambda: fastreg.RidgeCV(alphas=alphas).fit(X, y)},
                             args.repeat)
            w_fr, c_fr, mcv = r["fastreg.RidgeCV (100 alphas)"]
            i = int(np.flatnonzero(alphas == mcv.alpha_)[0])
            sub3 = alphas[max(0, i - 1): max(0, i - 1) + 3]
            res = _interleaved({
                "sklearn RidgeCV (1 alpha)":
                    lambda: SkRidgeCV(alphas=alphas[i:i + 1]).fit(X, y),
                "sklearn RidgeCV (3 alphas)":
                    lambda: SkRidgeCV(alphas=sub3).fit(X, y),
                "fastreg RidgeCV (3 alphas)":
                    lambda: fastreg.RidgeCV(alphas=sub3).fit(X, y),
            }, 1)
            (w1, c1, _), (w3, c3, msk) = (res["sklearn RidgeCV (1 alpha)"],
                                          res["sklearn RidgeCV (3 alphas)"])
            per_w, per_c = (w3 - w1) / 2, (c3 - c1) / 2
            w100 = w1 + (alphas.size - 1) * per_w
            c100 = c1 + (alphas.size - 1) * per_c
            print("RidgeCV, 100 alphas np.logspace(-2, 5, 100):")
            print(f"  fastreg.RidgeCV (100 alphas)       wall {w_fr:8.3f} s   "
                  f"cpu {c_fr:8.3f} s   alpha_={mcv.alpha_:.6g}")
            for k, (w, c, _) in res.items():
                print(f"  {k:34s} wall {w:8.3f} s   cpu {c:8.3f} s")
            print(f"  sklearn extrapolated to 100 alphas (1-alpha run + 99 x the "
                  f"per-alpha increment of the 3-alpha run): wall {w100:.1f} s, "
                  f"cpu {c100:.1f} s -> speed-up wall {w100 / w_fr:.1f}x, "
                  f"cpu {c100 / c_fr:.1f}x")
            print(f"  same alpha_ on the 3 alphas around fastreg's choice: "
                  f"{msk.alpha_ == res['fastreg RidgeCV (3 alphas)'][2].alpha_} "
                  f"(sklearn {msk.alpha_:.6g}, fastreg "
                  f"{res['fastreg RidgeCV (3 alphas)'][2].alpha_:.6g}, fastreg on "
                  f"100 alphas {mcv.alpha_:.6g})")
        if "cvsmall" not in skip:
            Xs, ys = make_data(10_000, 500, dtype=dtype)
            res = _interleaved({
                "fastreg.RidgeCV (100 alphas)":
                    lambda: fastreg.RidgeCV(alphas=alphas).fit(Xs, ys),
                "sklearn RidgeCV (100 alphas)":
                    lambda: SkRidgeCV(alphas=alphas).fit(Xs, ys),
            }, args.repeat)
            print("RidgeCV on 10,000 x 500, 100 alphas (both run fully):")
            _report(res, "fastreg.RidgeCV (100 alphas)", "fastreg")
            a = res["fastreg.RidgeCV (100 alphas)"][2].alpha_
            b = res["sklearn RidgeCV (100 alphas)"][2].alpha_
            print(f"  alpha_ fastreg {a:.6g}, sklearn {b:.6g}, same: {a == b}")


if __name__ == "__main__":
    main()
