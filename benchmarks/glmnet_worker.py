"""Fit a glmnet path in the interpreter that has python-glmnet.

    PYTHON benchmarks/glmnet_worker.py IN.npz OUT.npz

Run by ``glmnet_path`` (in common.py) with the interpreter given to the
benchmarks' ``--glmnet`` option, so glmnet can live in its own environment:
python-glmnet builds only with numpy.distutils (numpy < 1.27, Python <=
3.11) and a Fortran compiler, where fastreg's environment has numpy 2.
IN holds X as CSC (data, indices, indptr, shape), y, the alphas, l1_ratio,
the family ("gaussian" or "binomial") and fit_intercept; the estimator is
``common.glmnet_estimator``'s.  OUT receives the coefficients (p x
n_alphas), the intercepts, glmnet's error code (0: none) and the wall time
of the fit call (glmnet's copies of X between CSC and CSR included;
starting the interpreter and reading the data not).
"""
import sys
import time

import numpy as np
import scipy.sparse as sp

from common import glmnet_estimator


def main(src, dst):
    with np.load(src) as z:
        X = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        y, alphas = z["y"], z["alphas"]
        family, l1_ratio = str(z["family"]), float(z["l1_ratio"])
        fit_intercept = bool(z["fit_intercept"])
    est = glmnet_estimator(family, l1_ratio, alphas, fit_intercept)
    t0 = time.perf_counter()
    est.fit(X, y)
    elapsed = time.perf_counter() - t0
    coefs = np.asarray(est.coef_path_)
    intercepts = np.asarray(est.intercept_path_)
    if family == "binomial":
        # (two classes: glmnet fits one row, the larger label's, P(y = 1) =
        # sigmoid(b + X w) as fastreg's)
        coefs, intercepts = coefs[0], intercepts[0]
    # glmnet ends a user's grid early only on an error (its code in jerr_:
    # max_iter over the whole path, too many nonzeros, saturated
    # probabilities), keeping the first k alphas; the rest are NaN here
    k = coefs.shape[1]
    out_c = np.full((X.shape[1], alphas.size), np.nan)
    out_b = np.full(alphas.size, np.nan)
    out_c[:, :k], out_b[:k] = coefs, np.broadcast_to(intercepts, (k,))
    np.savez(dst, coefs=out_c, intercepts=out_b, jerr=int(getattr(est, "jerr_", 0)),
             time=elapsed)


if __name__ == "__main__":
    main(*sys.argv[1:3])
