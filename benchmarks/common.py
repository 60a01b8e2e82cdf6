"""Shared pieces of the Lasso / Elastic Net suites.

- ``LIBRARIES``: the ``library`` parameter; a peer that is not installed
  raises NotImplementedError in ``setup``, which asv reports as skipped.
- ``solve``: the one function that maps fastreg's options (alphas, l1_ratio,
  fit_intercept, tol, max_iter) to each peer's call, so every library solves
  the same problem to the same stopping rule (glmnet, which has no gap
  rule, to its own: ``glmnet_estimator``).
- ``relative_gap``: the achieved duality gap by fastreg's NumPy oracle, in
  units of the stopping bound ``tol * ||y_c||^2 / n`` (<= 1 means solved).
- ``lasso_objectives`` / ``relative_subopt``: the objective along a path and
  its distance to the best one reached at each alpha, in the same units.  A
  solver that certifies with an extrapolated dual point (celer, fastreg on
  dense X) can show a plain-residual gap above 1 while within tol of the
  optimum: this is the figure that compares them.
- ``pin_threads``: one BLAS / OpenMP thread for every library, so timings
  compare algorithms rather than thread pools.
"""
import os
import time
import warnings

import numpy as np
import scipy.sparse as sp

LIBRARIES = ["fastreg", "sklearn", "celer", "glmnet"]
TOL = 1e-4
MAX_ITER = 10_000

_limits = None


def pin_threads():
    """Limit BLAS and OpenMP pools to one thread for this process."""
    global _limits
    if _limits is None:
        from threadpoolctl import threadpool_limits
        _limits = threadpool_limits(limits=1)


def measured_fastreg():
    """'fastreg VERSION from PATH': scripts run from a checkout import the
    installed fastreg when there is one (Python puts the script's folder,
    not the checkout, on sys.path), so every report says which it timed."""
    import fastreg
    return f"fastreg {fastreg.__version__} from {os.path.dirname(fastreg.__file__)}"


def require(library, l1_ratio=1.0):
    """Import check in ``setup``: a missing peer skips its benchmarks, and
    so does glmnet's least-squares elastic net (another objective: see
    ``glmnet_estimator``)."""
    modules = {"fastreg": "fastreg", "sklearn": "sklearn", "celer": "celer",
               "glmnet": "glmnet"}
    try:
        __import__(modules[library])
    except ImportError:
        raise NotImplementedError(f"{library} is not installed") from None
    if library == "glmnet" and l1_ratio != 1:
        raise NotImplementedError("glmnet's Gaussian elastic net scales its ridge "
                                  "term by 1/sd(y)")


def make_data(n, p, *, density=None, k=20, seed=0):
    """A regression problem with k true features; dense (Fortran) or CSC."""
    rng = np.random.default_rng(seed)
    if density is None:
        X = np.asfortranarray(rng.standard_normal((n, p)))
    else:
        X = sp.random(n, p, density=density, format="csc", random_state=seed,
                      data_rvs=lambda m: rng.uniform(0.1, 1.1, m))
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    y = np.asarray(X @ w).ravel() + 1.0 + 0.5 * rng.standard_normal(n)
    return X, y


def alpha_max(X, y, l1_ratio, fit_intercept):
    yc = y - y.mean() if fit_intercept else y
    return float(np.abs(X.T @ yc).max()) / (X.shape[0] * l1_ratio)


def solve(library, X, y, *, alphas, l1_ratio, fit_intercept, tol=TOL,
          max_iter=MAX_ITER):
    """Solve for each alpha (a path, warm-started); returns (coefs, intercepts).

    coefs has shape (n_features, n_alphas).  A single alpha uses the
    library's estimator, several use its path function (which has no
    intercept: path benchmarks pass centred data or fit_intercept=False).
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    single = alphas.size == 1
    if library == "fastreg":
        import fastreg
        if single:
            cls = fastreg.Lasso if l1_ratio == 1 else fastreg.ElasticNet
            kw = {} if l1_ratio == 1 else dict(l1_ratio=l1_ratio)
            m = cls(alpha=alphas[0], fit_intercept=fit_intercept, tol=tol,
                    max_iter=max_iter, **kw).fit(X, y)
            return m.coef_[:, None], np.array([m.intercept_])
        _, coefs, _, b = fastreg.enet_path(
            X, y, l1_ratio=l1_ratio, alphas=alphas, tol=tol, max_iter=max_iter,
            fit_intercept=fit_intercept, return_intercept=True)
        return coefs, b
    if library == "sklearn":
        from sklearn import linear_model as lm
        if single:
            cls = lm.Lasso if l1_ratio == 1 else lm.ElasticNet
            kw = {} if l1_ratio == 1 else dict(l1_ratio=l1_ratio)
            m = cls(alpha=alphas[0], fit_intercept=fit_intercept, tol=tol,
                    max_iter=max_iter, **kw).fit(X, y)
            return m.coef_[:, None], np.array([m.intercept_])
        if fit_intercept:
            raise ValueError("sklearn's enet_path has no intercept: centre the data")
        _, coefs, _ = lm.enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas,
                                   tol=tol, max_iter=max_iter)
        return coefs, np.zeros(alphas.size)
    if library == "celer":
        # celer: same objective and alpha scaling as scikit-learn
        import celer
        coefs, b = [], []
        cls = celer.Lasso if l1_ratio == 1 else celer.ElasticNet
        kw = {} if l1_ratio == 1 else dict(l1_ratio=l1_ratio)
        m = cls(alpha=alphas[0], fit_intercept=fit_intercept, tol=tol,
                max_iter=max_iter, warm_start=True, **kw)
        for a in alphas:
            m.set_params(alpha=a).fit(X, y)
            coefs.append(m.coef_.copy())
            b.append(m.intercept_)
        return np.array(coefs).T, np.array(b)
    if library == "glmnet":
        m = glmnet_estimator("gaussian", l1_ratio, alphas, fit_intercept)
        m.fit(X, y)
        coefs = np.column_stack([m.coef_path_[:, i] for i in range(alphas.size)])
        return coefs, np.asarray(m.intercept_path_)
    raise ValueError(f"library must be one of {LIBRARIES}, got {library!r}")


def glmnet_estimator(family, l1_ratio, alphas, fit_intercept):
    """python-glmnet's estimator of fastreg's objective on the grid
    ``alphas``: its alpha is l1_ratio and its lambda fastreg's alpha
    (1/n loss + lambda penalty), no standardisation, and glmnet's own
    stopping rule (thresh 1e-7 on the curvature-weighted change of the
    coefficients, relative to the null deviance; no certificate), as the
    shared targets measured it.  Its Gaussian family scales y by its
    standard deviation, which leaves the L1 penalty's problem the same but
    not the ridge term's: least squares are compared at l1_ratio 1 only."""
    import glmnet
    if family == "gaussian" and l1_ratio != 1:
        raise ValueError("glmnet's Gaussian elastic net scales its ridge term by "
                         f"1/sd(y): compare at l1_ratio 1, got {l1_ratio}")
    cls = {"gaussian": glmnet.ElasticNet, "binomial": glmnet.LogitNet}[family]
    return cls(alpha=float(l1_ratio), lambda_path=np.asarray(alphas, np.float64),
               standardize=False, fit_intercept=bool(fit_intercept), n_splits=0,
               max_iter=10_000_000)


def glmnet_path(python, X, y, alphas, *, l1_ratio, family, fit_intercept, timeout):
    """glmnet's path on ``alphas`` (``glmnet_estimator``), fitted by
    ``glmnet_worker.py`` in the interpreter ``python`` (python-glmnet builds
    only against numpy < 1.27: it lives in an environment of its own).
    Returns (coefs, intercepts, seconds, note): the alphas it did not reach
    as NaN (glmnet stops a path only on an error: ``note`` then gives its
    code), the seconds of its fit call; or a string saying why there is
    none (the worker failed, or ran over ``timeout`` seconds, counted from
    the interpreter's start)."""
    import subprocess
    import tempfile
    X = sp.csc_matrix(X)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        np.savez(src, data=X.data.astype(np.float64), indices=X.indices,
                 indptr=X.indptr, shape=np.array(X.shape), y=np.asarray(y, np.float64),
                 alphas=np.asarray(alphas, np.float64), l1_ratio=float(l1_ratio),
                 family=family, fit_intercept=bool(fit_intercept))
        worker = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "glmnet_worker.py")
        try:
            done = subprocess.run([python, worker, src, dst], capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return f"did not finish in {timeout:.0f} s"
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            return f"failed ({last})"
        with np.load(dst) as z:
            jerr = int(z["jerr"])
            note = f"glmnet stopped with error code {jerr}" if jerr else ""
            return z["coefs"], z["intercepts"], float(z["time"]), note


def relative_gap(X, y, coefs, alphas, l1_ratio, fit_intercept, tol=TOL):
    """Largest duality gap over the alphas / (tol * ||y_c||^2 / n)."""
    from fastreg._objectives import enet_dual_gap
    yc = y - y.mean() if fit_intercept else y
    bound = tol * float(yc @ yc) / y.shape[0]
    gaps = [enet_dual_gap(X, y, coefs[:, i], a, l1_ratio, fit_intercept=fit_intercept)
            for i, a in enumerate(np.atleast_1d(alphas))]
    return max(gaps) / bound


def lasso_objectives(X, y, coefs, alphas):
    """1/(2n) ||y - X w||^2 + alpha ||w||_1 at each alpha (no intercept)."""
    R = y[:, None] - np.asarray(X @ coefs, dtype=np.float64)
    return (0.5 * np.sum(R ** 2, axis=0) / y.shape[0]
            + np.asarray(alphas) * np.abs(coefs).sum(axis=0))


def relative_subopt(objectives, best, y, tol=TOL):
    """Largest (objective - best objective) over the alphas / the bound."""
    return float(np.max(objectives - best)) / (tol * float(y @ y) / y.shape[0])


timer = time.perf_counter
