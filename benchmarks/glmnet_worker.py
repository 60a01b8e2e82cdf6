"""Fit a glmnet path in the interpreter that has python-glmnet.

    PYTHON benchmarks/glmnet_worker.py IN.npz OUT.npz

Run by ``glmnet_path`` (in common.py) with the interpreter given to the
benchmarks' ``--glmnet`` option, so glmnet can live in its own environment:
python-glmnet builds only with numpy.distutils (numpy < 1.27, Python <=
3.11) and a Fortran compiler, where fastreg's environment has numpy 2.
IN holds X as CSC (data, indices, indptr, shape), y, the alphas, l1_ratio,
the family ("gaussian" or "binomial") and fit_intercept.  OUT receives the
coefficients (p x n_alphas), the intercepts, and the fit's wall time (the
Fortran fit alone: reading the data is not timed).  glmnet's objective is
fastreg's: (1/n) loss + alpha (l1_ratio |w|_1 + (1 - l1_ratio) |w|^2 / 2),
with no standardisation; it stops by its own rule (the largest coefficient
change, weighted by curvature, below 1e-7), and certifies nothing.

This file imports neither fastreg nor anything from the benchmarks.
"""
import sys
import time

import numpy as np
import scipy.sparse as sp


def main(src, dst):
    z = np.load(src)
    X = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
    y, alphas = z["y"], z["alphas"]
    family, fit_intercept = str(z["family"]), bool(z["fit_intercept"])
    from glmnet import ElasticNet, LogitNet
    model = {"gaussian": ElasticNet, "binomial": LogitNet}[family]
    est = model(alpha=float(z["l1_ratio"]), lambda_path=alphas, standardize=False,
                fit_intercept=fit_intercept, n_splits=0, max_iter=10_000_000)
    t0 = time.perf_counter()
    est.fit(X, y)
    elapsed = time.perf_counter() - t0
    coefs = np.asarray(est.coef_path_)
    intercepts = np.asarray(est.intercept_path_)
    if family == "binomial":            # (one class's row: the positive one)
        coefs, intercepts = coefs[0], intercepts[0]
    # glmnet stops early when the deviance stops changing: the fitted alphas
    # are the first k; the rest are reported as missing (NaN)
    k = coefs.shape[1]
    out_c = np.full((X.shape[1], alphas.size), np.nan)
    out_b = np.full(alphas.size, np.nan)
    out_c[:, :k], out_b[:k] = coefs, np.broadcast_to(intercepts, (k,))
    np.savez(dst, coefs=out_c, intercepts=out_b, time=elapsed)


if __name__ == "__main__":
    main(*sys.argv[1:3])
