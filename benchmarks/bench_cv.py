"""Cross-validated lasso: fastreg.LassoCV against scikit-learn's LassoCV.

asv-style (``params`` / ``setup_cache`` / ``time_`` / ``track_``) but
importable and runnable without asv::

    python benchmarks/bench_cv.py              # sparse text, both libraries
    python benchmarks/bench_cv.py dense_tall   # dense_tall (problems.py)

The sparse problem is text-like: sparse rows with a few entries in columns
drawn with probability proportional to ``1 / rank^1.1``, with
``LassoCV(cv=5, alphas=100, eps=0.01, n_jobs=2)``.  On dense_tall (20,000 x
1,000) LassoCV runs with its defaults (100 alphas to 0.001 alpha_max): most
features enter, and the folds share one Gram matrix.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from problems import bench_scale, make_problem  # noqa: E402


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
    """``LassoCV(cv=5, alphas=100, eps=0.01, n_jobs=2)`` with an intercept.

    ``setup_cache`` builds the data, the folds and scikit-learn's answer (the
    reference for the agreement tracks) once; it is slow (minutes).
    """

    params = [["fastreg", "sklearn"]]
    param_names = ["library"]
    timeout = 1800
    number = 1
    repeat = 1
    timer = time.perf_counter        # wall clock: the folds run in threads
    dense = False

    def setup_cache(self):
        from sklearn.model_selection import KFold
        X, y = make_sparse_text(n=int(20_000 * bench_scale()), p=int(40_000 * bench_scale()))
        folds = list(KFold(5).split(X))
        ref = _model("sklearn", folds).fit(X, y)
        return dict(X=X, y=y, folds=folds, ref_mse=ref.mse_path_,
                    ref_alpha=ref.alpha_)

    def time_lasso_cv(self, cache, library):
        _model(library, cache["folds"], self.dense).fit(cache["X"], cache["y"])

    def track_mse_rel_diff_vs_sklearn(self, cache, library):
        """max |mse - mse_sklearn| / mse_sklearn over the whole mse path."""
        model = _model(library, cache["folds"], self.dense).fit(cache["X"], cache["y"])
        ref = cache["ref_mse"]
        return float(np.max(np.abs(model.mse_path_ - ref) / ref))

    def track_alpha_rel_diff_vs_sklearn(self, cache, library):
        model = _model(library, cache["folds"], self.dense).fit(cache["X"], cache["y"])
        return abs(model.alpha_ - cache["ref_alpha"]) / cache["ref_alpha"]

    def track_final_gap_over_tol(self, cache, library):
        """Duality gap of the refit at alpha_, in units of its tolerance."""
        X, y = cache["X"], cache["y"]
        model = _model(library, cache["folds"], self.dense).fit(X, y)
        yc = y - y.mean()
        return model.dual_gap_ / (1e-4 * float(yc @ yc) / y.shape[0])


class LassoCVDenseTall(LassoCVSparseText):
    """``LassoCV(cv=5)`` with its defaults on dense_tall (folds in turn)."""

    dense = True

    def setup_cache(self):
        from sklearn.model_selection import KFold
        X, y = make_problem("dense_tall", scale=bench_scale())
        folds = list(KFold(5).split(X))
        ref = _dense_model("sklearn", folds).fit(X, y)
        return dict(X=X, y=y, folds=folds, ref_mse=ref.mse_path_,
                    ref_alpha=ref.alpha_)


def _model(library, folds, dense=False):
    if dense:
        return _dense_model(library, folds)
    return lasso_cv_params(library, cv=folds, alphas=100, eps=0.01, n_jobs=2)


def _dense_model(library, folds):
    return lasso_cv_params(library, cv=folds, alphas=100, eps=1e-3, n_jobs=None)


def main(argv):
    """Time the libraries once each on the same data and folds; print the ratio."""
    from sklearn.model_selection import KFold
    dense = len(argv) > 1 and argv[1] == "dense_tall"
    libs = argv[1 + dense:] or ["fastreg", "sklearn"]
    t0 = time.perf_counter()
    X, y = make_problem("dense_tall") if dense else make_sparse_text()
    folds = list(KFold(5).split(X))
    nnz = X.nnz if sp.issparse(X) else X.size
    print(f"data: {X.shape}, nnz={nnz}, built in {time.perf_counter() - t0:.1f} s",
          flush=True)
    models, times = {}, {}
    for lib in libs:
        t0 = time.perf_counter()
        models[lib] = _model(lib, folds, dense).fit(X, y)
        times[lib] = time.perf_counter() - t0
        m = models[lib]
        print(f"{lib:8s} {times[lib]:8.2f} s  alpha_={m.alpha_:.6g}  "
              f"nnz(coef)={np.count_nonzero(m.coef_)}", flush=True)
    if len(models) == 2:
        a, b = models["fastreg"], models["sklearn"]
        rel = np.max(np.abs(a.mse_path_ - b.mse_path_) / b.mse_path_)
        print(f"ratio sklearn/fastreg = {times['sklearn'] / times['fastreg']:.1f}x; "
              f"max rel mse diff = {rel:.2e}; alpha_ equal: "
              f"{bool(np.isclose(a.alpha_, b.alpha_, rtol=1e-10))}")


if __name__ == "__main__":
    main(sys.argv)
