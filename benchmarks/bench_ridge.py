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

N_SAMPLES, N_FEATURES, N_ALPHAS = 100_000, 2_000, 100
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
    threads = 2

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
    timeout = 600
    timer = time.perf_counter
    number = 1
    repeat = 3

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
    timeout = 600
    timer = time.perf_counter
    number = 1
    repeat = 3

    def setup_cache(self):
        return make_data()

    def time_floor(self, data):
        floor_fit(*data)


class RidgePath(_Pinned):
    """ridge_path with 100 alphas (fastreg only: scikit-learn has none)."""
    timeout = 600
    timer = time.perf_counter
    number = 1
    repeat = 3

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
    timer = time.perf_counter
    number = 1
    repeat = 3

    def setup_cache(self):
        return make_data(10_000, 500)

    def time_fit(self, data, library):
        make_estimator(library, "RidgeCV", alphas=cv_alphas()).fit(*data)

    def track_alpha(self, data, library):
        return float(make_estimator(library, "RidgeCV",
                                    alphas=cv_alphas()).fit(*data).alpha_)


# ---------------------------------------------------------------- one run
def _median_time(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=N_SAMPLES)
    ap.add_argument("--p", type=int, default=N_FEATURES)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--float32", action="store_true")
    ap.add_argument("--skip", default="", help="comma list of: fit,path,cv,cvsmall")
    ap.add_argument("--cv-sk-alphas", type=int, default=3,
                    help="alphas for scikit-learn's RidgeCV on the n x p data "
                         "(time extrapolated per alpha to 100)")
    args = ap.parse_args(argv)
    import fastreg
    from sklearn.linear_model import Ridge as SkRidge, RidgeCV as SkRidgeCV
    skip = set(filter(None, args.skip.split(",")))
    dtype = np.float32 if args.float32 else np.float64
    with threadpool_limits(args.threads):
        X, y = make_data(args.n, args.p, dtype=dtype)
        print(f"X {X.shape} {X.dtype} Fortran, {args.threads} threads, "
              f"median of {args.repeat}")
        fit = lambda: fastreg.Ridge(alpha=ALPHA).fit(X, y)
        if "fit" not in skip:
            fit()                       # warm-up
            t_floor, _ = _median_time(lambda: floor_fit(X, y), args.repeat)
            t_fr, m = _median_time(fit, args.repeat)
            t_sk, ms = _median_time(
                lambda: SkRidge(alpha=ALPHA, solver="cholesky").fit(X, y),
                args.repeat)
            print(f"floor (syrk+potrf+potrs)  {t_floor:8.3f} s")
            print(f"fastreg.Ridge             {t_fr:8.3f} s  "
                  f"{t_fr / t_floor:.3f}x floor")
            print(f"sklearn Ridge(cholesky)   {t_sk:8.3f} s  "
                  f"{t_sk / t_floor:.3f}x floor")
            print(f"  max |coef diff| {np.abs(m.coef_ - ms.coef_).max():.2e}, "
                  f"gradient residual {gradient_residual(X, y, m.coef_, m.intercept_, ALPHA):.1e}")
        if "path" not in skip:
            t_fit, _ = _median_time(fit, args.repeat)
            t_path, _ = _median_time(
                lambda: fastreg.ridge_path(X, y, cv_alphas(), fit_intercept=True),
                args.repeat)
            print(f"ridge_path 100 alphas     {t_path:8.3f} s  "
                  f"{t_path / t_fit:.3f}x one fit ({t_fit:.3f} s)")
        if "cv" not in skip:
            alphas = cv_alphas()
            t_cv, mcv = _median_time(lambda: fastreg.RidgeCV(alphas=alphas).fit(X, y),
                                     args.repeat)
            i = int(np.flatnonzero(alphas == mcv.alpha_)[0])
            k = max(1, args.cv_sk_alphas)
            sub = alphas[max(0, i - k // 2): max(0, i - k // 2) + k]
            t0 = time.perf_counter()
            msk = SkRidgeCV(alphas=sub).fit(X, y)
            t_sk = time.perf_counter() - t0
            mfr_sub = fastreg.RidgeCV(alphas=sub).fit(X, y)
            t_sk100 = t_sk / sub.size * alphas.size
            print(f"fastreg.RidgeCV 100 alphas {t_cv:8.3f} s  alpha_={mcv.alpha_:.6g}")
            print(f"sklearn RidgeCV {sub.size} alphas  {t_sk:8.3f} s -> "
                  f"{t_sk100:.1f} s for 100 alphas (extrapolated per alpha); "
                  f"speed-up {t_sk100 / t_cv:.1f}x")
            print(f"  same alpha_ on those {sub.size} alphas: "
                  f"{msk.alpha_ == mfr_sub.alpha_} (sklearn {msk.alpha_:.6g}, "
                  f"fastreg {mfr_sub.alpha_:.6g})")
        if "cvsmall" not in skip:
            Xs, ys = make_data(10_000, 500, dtype=dtype)
            alphas = cv_alphas()
            t_cv, a = _median_time(lambda: fastreg.RidgeCV(alphas=alphas).fit(Xs, ys),
                                   args.repeat)
            t_sk, b = _median_time(lambda: SkRidgeCV(alphas=alphas).fit(Xs, ys),
                                   max(1, args.repeat // 2))
            print(f"10,000 x 500, 100 alphas: fastreg {t_cv:.3f} s, sklearn "
                  f"{t_sk:.3f} s, speed-up {t_sk / t_cv:.1f}x, alpha_ "
                  f"{a.alpha_:.6g} vs {b.alpha_:.6g} (same: {a.alpha_ == b.alpha_})")


if __name__ == "__main__":
    main()
