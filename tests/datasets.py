"""Problem generators shared by the tests."""
import numpy as np
import scipy.sparse as sp


def make_regression(n=120, p=40, *, density=None, k=6, seed=0, dtype=np.float64,
                    layout="F", intercept=0.0):
    """A small regression problem: dense (layout 'F' or 'C') or sparse."""
    rng = np.random.default_rng(seed)
    if density is None:
        X = rng.standard_normal((n, p))
    else:
        X = sp.random(n, p, density=density, random_state=seed, format="csc",
                      data_rvs=lambda m: rng.uniform(0.1, 1.1, m)).toarray()
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    y = X @ w + intercept + 0.1 * rng.standard_normal(n)
    X = X.astype(dtype)
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "C":
        X = np.ascontiguousarray(X)
    elif layout == "csc":
        X = sp.csc_matrix(X)
    elif layout == "csr":
        X = sp.csr_matrix(X)
    return X, y.astype(dtype)
