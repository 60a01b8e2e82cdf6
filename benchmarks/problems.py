"""The public path problems (sparse_text, dense_tall, dense_wide) and passes.

A path is measured in **passes**: its time divided by the time of one
``X.T @ r`` with SciPy/NumPy on the same matrix in the same run (the fastest
of 21 after a warm-up).  A certified path checks optimality at least once
per alpha, so ~1 pass per alpha is the floor.

Problems (100 alphas from alpha_max to eps * alpha_max, no intercept, y
centred):

- sparse_text: n=100,000, p=200,000, 60 entries per row in columns drawn
  with probability proportional to 1/rank^1.1 (duplicates summed), values
  uniform in [0.1, 1.1]; 200 true coefficients N(0, 1) among the 5,000 most
  frequent columns; noise std = half the signal's std; CSC float64.
- dense_tall: n=20,000, p=1,000, AR(1) columns x_j = 0.6 x_{j-1} + 0.8 z_j;
  50 true coefficients N(0, 1); noise std = signal std / 3; Fortran order.
- dense_wide: the same with n=200, p=20,000.
- text_like: a second text-shaped set, not tuned on: n=63,540, p=162,912,
  32 entries per row, 2,000 true coefficients among the 20,000 most frequent
  columns, noise std = 0.3 x the signal's std (seed 1).
- pypi_text: real text, TF-IDF of PyPI's package names and summaries, target
  the release month (see pypi_text.py): 841,687 x 138,597.  Needs the path
  of ``pypi.tsv`` in ``$FASTREG_PYPI_TSV``; without it ``make_problem``
  raises FileNotFoundError, which the runners report as skipped.
- npm_text: the held-out check of the same kind (npm's package list,
  ``$FASTREG_NPM_TSV``), not in ``PROBLEMS``: run it by name.
"""
import os
import time

import numpy as np
import scipy.sparse as sp

PROBLEMS = ("sparse_text", "text_like", "dense_tall", "dense_wide", "pypi_text")


def bench_scale():
    """``$FASTREG_BENCH_SCALE`` (default 1): every suite's data sizes are
    multiplied by it, so ``FASTREG_BENCH_SCALE=0.05 asv run --quick`` is a
    quick smoke run of the whole suite and the full sizes stay for real runs."""
    return float(os.environ.get("FASTREG_BENCH_SCALE", "1"))


def _ar1(rng, n, p):
    X = rng.standard_normal((n, p))
    for j in range(1, p):
        X[:, j] = 0.6 * X[:, j - 1] + 0.8 * X[:, j]
    return np.asfortranarray(X)


def _text(rng, n, p, per_row):
    rank_weight = 1.0 / np.arange(1, p + 1) ** 1.1
    cols = rng.choice(p, size=n * per_row, p=rank_weight / rank_weight.sum())
    rows = np.repeat(np.arange(n), per_row)
    vals = rng.uniform(0.1, 1.1, n * per_row)
    X = sp.csr_matrix((vals, (rows, cols)), shape=(n, p))
    X.sum_duplicates()
    return X.tocsc()


def make_problem(name, seed=0, scale=1.0):
    """(X, y) of a public problem; ``scale`` < 1 shrinks n and p for quick runs."""
    rng = np.random.default_rng(seed)
    if name in ("pypi_text", "npm_text"):
        if __package__:                                     # asv: benchmarks.problems
            from .pypi_text import load
        else:                                               # scripts in benchmarks/
            from pypi_text import load
        size, env = ((841_687, "FASTREG_PYPI_TSV") if name == "pypi_text"
                     else (197_057, "FASTREG_NPM_TSV"))
        return load(rows=None if scale >= 1 else int(size * scale), env=env)
    if name == "sparse_text":
        n, p = int(100_000 * scale), int(200_000 * scale)
        X = _text(rng, n, p, 60)
        true, k, noise = min(5000, p), 200, 0.5
    elif name == "text_like":
        rng = np.random.default_rng(seed + 1)
        n, p = int(63_540 * scale), int(162_912 * scale)
        X = _text(rng, n, p, 32)
        true, k, noise = min(20_000, p), 2000, 0.3
    elif name in ("dense_tall", "dense_wide"):
        n, p = (20_000, 1_000) if name == "dense_tall" else (200, 20_000)
        n, p = max(int(n * scale), 50), max(int(p * scale), 50)
        X = _ar1(rng, n, p)
        true, k, noise = p, 50, 1.0 / 3.0
    else:
        raise ValueError(f"problem must be one of {PROBLEMS}, got {name!r}")
    w = np.zeros(p)
    w[rng.choice(true, min(k, true), replace=False)] = rng.standard_normal(min(k, true))
    signal = np.asarray(X @ w).ravel()
    y = signal + rng.standard_normal(X.shape[0]) * signal.std() * noise
    return X, y - y.mean()


def alpha_grid(X, y, eps=1e-2, n_alphas=100):
    amax = float(np.max(np.abs(X.T @ y))) / X.shape[0]
    return np.geomspace(amax, amax * eps, n_alphas)


def pass_time(X, y, repeat=21):
    """Fastest of ``repeat`` timings of one ``X.T @ r`` after a warm-up."""
    r = np.asarray(y, dtype=X.dtype)
    for _ in range(3):
        X.T @ r
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        X.T @ r
        best = min(best, time.perf_counter() - t0)
    return best
