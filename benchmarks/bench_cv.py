"""Cross-validated lasso: fastreg.LassoCV against scikit-learn's LassoCV.

asv-style (``params`` / ``setup_cache`` / ``time_`` / ``track_``) but
importable and runnable without asv::

    python benchmarks/bench_cv.py            # both libraries, one run each

The problem is text-like: sparse rows with a few entries in columns drawn
with probability proportional to ``1 / rank^1.1``.
"""
import os
import sys
import time

# pinned BLAS threads (before numpy loads BLAS): the comparison is about the
# solvers, and threaded BLAS on tiny vectors thrashes a shared 2-core machine
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402


def make_sparse_text(n=20_000, p=40_000, nnz_per_row=30, n_true=200, seed=0):
    """Sparse text-like regression problem, CSC float64.

    Each row has ``nnz_per_row`` distinct columns drawn with probability
    proportional to ``1 / rank^1.1`` (rank 1 = column 0), values uniform in
    [0.1, 1.1].  ``n_true`` coefficients N(0, 1) sit on random columns among
    the ``5 * n_true`` most frequent ones; the noise std is half the std of
    the signal.
    """
    rng = np.random.default_rng(seed)
    prob = 1.0 / np.arange(1, p + 1) ** 1.1
    cdf = np.cumsum(prob / prob.sum())
    cdf[-1] = 1.0
    # oversample with replacement, keep the first nnz_per_row distinct columns
    rows = []
    draw = 3 * nnz_per_row
    for _ in range(n):
        cols = np.searchsorted(cdf, rng.random(draw), side="right")
        _, first = np.unique(cols, return_index=True)
        while first.size < nnz_per_row:        # rare: draw more
            cols = np.concatenate([cols, np.searchsorted(cdf, rng.random(draw))])
            _, first = np.unique(cols, return_index=True)
        rows.append(cols[np.sort(first)[:nnz_per_row]])
    indices = np.concatenate(rows)
    indptr = np.arange(0, n * nnz_per_row + 1, nnz_per_row)
    data = rng.uniform(0.1, 1.1, indices.size)
    X = sp.csr_matrix((data, indices, indptr), shape=(n, p)).tocsc()
    X.sort_indices()
    w = np.zeros(p)
    support = rng.choice(min(p, 5 * n_true), n_true, replace=False)
    w[support] = rng.standard_normal(n_true)
    signal = X @ w
    y = signal + 0.5 * signal.std() * rng.standard_normal(n)
    return X, y


def lasso_cv_params(library, *, cv, alphas, eps, n_jobs, tol=1e-4):
    """One mapping from the fastreg options to each library's estimator."""
    if library == "fastreg":
        from fastreg import LassoCV
    else:
        from sklearn.linear_model import LassoCV
    return LassoCV(cv=cv, alphas=alphas, eps=eps, fit_intercept=True,
                   n_jobs=n_jobs, tol=tol)


class LassoCVSparseText:
    """``LassoCV(cv=5, alphas=100, eps=0.01, n_jobs=2)`` with an intercept."""

    params = [["fastreg", "sklearn"]]
    param_names = ["library"]
    timeout = 1200
    number = 1
    repeat = 1
    timer = time.perf_counter        # wall clock: the folds run in threads

    def setup_cache(self):
        from sklearn.model_selection import KFold
        X, y = make_sparse_text()
        folds = list(KFold(5).split(X))
        return X, y, folds

    def _model(self, library, folds):
        return lasso_cv_params(library, cv=folds, alphas=100, eps=0.01, n_jobs=2)

    def time_lasso_cv(self, cache, library):
        X, y, folds = cache
        self._model(library, folds).fit(X, y)

    def track_mse_rel_diff_vs_sklearn(self, cache, library):
        """max |mse_fastreg - mse_sklearn| / mse_sklearn over the mse path."""
        X, y, folds = cache
        ref = _sklearn_reference(cache)
        model = self._model(library, folds).fit(X, y)
        return float(np.max(np.abs(model.mse_path_ - ref.mse_path_) / ref.mse_path_))

    def track_alpha_rel_diff_vs_sklearn(self, cache, library):
        X, y, folds = cache
        ref = _sklearn_reference(cache)
        model = self._model(library, folds).fit(X, y)
        return abs(model.alpha_ - ref.alpha_) / ref.alpha_


_REF = {}


def _sklearn_reference(cache):
    """scikit-learn's fit, done once per process (it is slow)."""
    key = id(cache[0])
    if key not in _REF:
        from sklearn.linear_model import LassoCV
        X, y, folds = cache
        _REF[key] = LassoCV(cv=folds, alphas=100, eps=0.01, fit_intercept=True,
                            n_jobs=2).fit(X, y)
    return _REF[key]


def main(argv):
    """Time both libraries once on the same folds; print the ratio."""
    libs = argv[1:] or ["fastreg", "sklearn"]
    bench = LassoCVSparseText()
    t0 = time.perf_counter()
    cache = bench.setup_cache()
    print(f"data: {cache[0].shape}, nnz={cache[0].nnz}, "
          f"built in {time.perf_counter() - t0:.1f} s", flush=True)
    models, times = {}, {}
    for lib in libs:
        t0 = time.perf_counter()
        models[lib] = bench._model(lib, cache[2]).fit(cache[0], cache[1])
        times[lib] = time.perf_counter() - t0
        m = models[lib]
        print(f"{lib:8s} {times[lib]:8.2f} s  alpha_={m.alpha_:.6g}  "
              f"nnz(coef)={np.count_nonzero(m.coef_)}", flush=True)
    if len(models) == 2:
        a, b = models["fastreg"], models["sklearn"]
        rel = np.max(np.abs(a.mse_path_ - b.mse_path_) / b.mse_path_)
        print(f"ratio sklearn/fastreg = {times['sklearn'] / times['fastreg']:.1f}x; "
              f"max rel mse diff = {rel:.2e}; alpha_ equal: "
              f"{np.isclose(a.alpha_, b.alpha_, rtol=1e-10)}")


if __name__ == "__main__":
    main(sys.argv)
