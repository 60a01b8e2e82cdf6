"""Logistic paths: fastreg's certified path against scikit-learn on the same grid.

Sparse text-like data with an intercept; every library fits the same 20
alphas down to alpha_max / 100 (C = 1 / (alpha n) for scikit-learn, one
estimator with ``warm_start`` where its solver allows).  ``track_subopt``
reports the worst relative suboptimality against an untimed fastreg run at
tol 1e-9, so that a speed-up from a looser stop shows.  Sizes scale with
``FASTREG_BENCH_SCALE``.
"""
import warnings

import numpy as np

from .common import pin_threads, require, timer
from .problems import bench_scale

N_ALPHAS = 20
EPS = 1e-2
TOL = 1e-4


def _data(n, p, density, seed, shift=-1.5):
    """Sparse X with heavy-tailed column support, labels from a sparse model
    (``shift``: its intercept; -1.5 gives about 20% positives)."""
    import scipy.sparse as sp
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, p + 1) ** 0.8          # Zipf-like column use
    nnz = int(n * p * density)
    rows = rng.integers(0, n, nnz)
    cols = rng.choice(p, nnz, p=weights / weights.sum())
    X = sp.csc_matrix((rng.random(nnz), (rows, cols)), shape=(n, p))
    X.sum_duplicates()
    w = np.zeros(p)
    w[rng.choice(p, 40, replace=False)] = rng.standard_normal(40) * 3
    eta = X @ w + shift
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, y


def _objectives(X, y, coefs, intercepts, alphas, l1_ratio):
    out = np.empty(alphas.size)
    for i, a in enumerate(alphas):
        w = coefs[:, i]
        eta = X @ w + intercepts[i]
        out[i] = (np.mean(np.logaddexp(0.0, eta) - y * eta)
                  + a * (l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w))
    return out


def _solve(library, X, y, alphas, l1_ratio, tol=TOL):
    """(coefs (p, k), intercepts (k,)) of one library on the grid."""
    if library == "fastreg":
        import fastreg
        _, coefs, _, b = fastreg.logistic_path(X, y, l1_ratio=l1_ratio, alphas=alphas,
                                               tol=tol, return_intercept=True,
                                               max_iter=1000)
        return np.asarray(coefs, dtype=np.float64), b
    from sklearn.linear_model import LogisticRegression
    est = LogisticRegression(l1_ratio=l1_ratio, solver="saga", tol=tol,
                             max_iter=10_000, warm_start=True)
    coefs, b = np.zeros((X.shape[1], alphas.size)), np.zeros(alphas.size)
    for i, a in enumerate(alphas):
        est.set_params(C=1.0 / (a * X.shape[0]))
        est.fit(X, y)
        coefs[:, i], b[i] = est.coef_[0], est.intercept_[0]
    return coefs, b


class LogisticPath:
    """Path time and achieved suboptimality per library."""

    params = ([1.0, 0.5], ["fastreg", "sklearn"])
    param_names = ["l1_ratio", "library"]
    timer = timer
    timeout = 600

    def setup_cache(self):
        s = bench_scale()
        X, y = _data(max(int(4000 * s), 200), max(int(2000 * s), 50), 0.002, seed=0)
        grids, best = {}, {}
        import fastreg
        for l1_ratio in self.params[0]:
            amax = fastreg.logistic_path(X, y, l1_ratio=l1_ratio, alphas=1)[0][0]
            grids[l1_ratio] = np.geomspace(amax, amax * EPS, N_ALPHAS)
            coefs, b = _solve("fastreg", X, y, grids[l1_ratio], l1_ratio, tol=1e-9)
            best[l1_ratio] = _objectives(X, y, coefs, b, grids[l1_ratio], l1_ratio)
        return X, y, grids, best

    def setup(self, cache, l1_ratio, library):
        require(library)
        pin_threads()
        warnings.simplefilter("ignore")
        self.X, self.y, grids, best = cache
        self.alphas, self.best = grids[l1_ratio], best[l1_ratio]
        self.l1_ratio, self.library = l1_ratio, library

    def time_path(self, cache, l1_ratio, library):
        _solve(library, self.X, self.y, self.alphas, l1_ratio)

    def track_subopt(self, cache, l1_ratio, library):
        """Worst (P - P*) / P* over the grid."""
        coefs, b = _solve(library, self.X, self.y, self.alphas, l1_ratio)
        obj = _objectives(self.X, self.y, coefs, b, self.alphas, l1_ratio)
        return float(np.max((obj - self.best) / self.best))

    track_subopt.unit = "relative"


class LogisticCVRarePositives:
    """``LogisticRegressionCV(cv=5, l1_ratios=[1.0])`` with scikit-learn's
    default Cs (10 from 1e-4 to 1e4) on sparse data with about 3% positives,
    fastreg against scikit-learn's liblinear (its fastest L1 solver here).
    At the largest Cs nearly every sample is fitted and the fold fits are
    nearly separable: the regime of ``_newton.compact_model``.
    ``track_log10_C`` is the chosen C (each library's own), so that a faster
    run choosing another C shows."""

    params = (["fastreg", "sklearn"],)
    param_names = ["library"]
    timer = timer
    timeout = 600

    def setup_cache(self):
        s = bench_scale()
        return _data(max(int(8000 * s), 400), max(int(3000 * s), 100), 0.003, seed=2,
                     shift=-4.0)

    def setup(self, cache, library):
        require(library)
        pin_threads()
        warnings.simplefilter("ignore")
        self.X, self.y = cache
        if library == "fastreg":
            from fastreg import LogisticRegressionCV
            self.make = lambda: LogisticRegressionCV(cv=5, l1_ratios=[1.0])
        else:
            from sklearn.linear_model import LogisticRegressionCV
            self.make = lambda: LogisticRegressionCV(cv=5, l1_ratios=[1.0],
                                                     solver="liblinear")

    def time_cv(self, cache, library):
        self.make().fit(self.X, self.y)

    def track_log10_C(self, cache, library):
        return float(np.log10(self.make().fit(self.X, self.y).C_[0]))

    track_log10_C.unit = "log10(C)"


class LogisticDefaults:
    """scikit-learn's defaults (L2, C = 1 or Cs = 10, tol 1e-4, lbfgs) of
    ``LogisticRegression`` and ``LogisticRegressionCV`` per library, on two
    small dense standardised sets: breast cancer (569 x 30, two classes)
    and digits (1,797 x 64, ten).  fastreg's fits stop at a certified gap
    and scikit-learn's at its gradient rule; ``track_subopt`` reports the
    (refitted) model's relative suboptimality against fastreg at tol 1e-10,
    so the time is compared with the accuracy it bought."""

    params = (["breast_cancer", "digits"], ["fit", "cv"], ["fastreg", "sklearn"])
    param_names = ["data", "estimator", "library"]
    timer = timer
    timeout = 300

    def setup_cache(self):
        from sklearn.datasets import load_breast_cancer, load_digits
        from sklearn.preprocessing import StandardScaler
        return {name: (StandardScaler().fit_transform(X), y)
                for name, (X, y) in (("breast_cancer", load_breast_cancer(return_X_y=True)),
                                     ("digits", load_digits(return_X_y=True)))}

    def setup(self, cache, data, estimator, library):
        require(library)
        pin_threads()
        warnings.simplefilter("ignore")
        self.X, self.y = cache[data]
        if library == "fastreg":
            import fastreg as module
        else:
            import sklearn.linear_model as module
        self.make = getattr(module, "LogisticRegression" if estimator == "fit"
                            else "LogisticRegressionCV")

    def time_fit(self, cache, data, estimator, library):
        self.make().fit(self.X, self.y)

    def track_subopt(self, cache, data, estimator, library):
        """(P - P*) / P* of the fitted model at its C, P the mean log loss
        plus ||W||^2 / (2 C n)."""
        import fastreg
        est = self.make().fit(self.X, self.y)
        C = float(np.ravel(est.C_)[0]) if estimator == "cv" else est.C
        best = fastreg.LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(self.X, self.y)

        def objective(model):
            P = np.clip(model.predict_proba(self.X), 1e-300, None)
            rows = np.searchsorted(model.classes_, self.y)
            loss = -np.log(P[np.arange(self.y.shape[0]), rows]).mean()
            return loss + (model.coef_ ** 2).sum() / (2 * C * self.y.shape[0])

        return float((objective(est) - objective(best)) / objective(best))

    track_subopt.unit = "relative"
