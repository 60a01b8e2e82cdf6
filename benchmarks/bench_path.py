"""Warm-started Lasso / Elastic Net paths, dense and sparse X.

Every library gets the same X, y, alpha grid (20 alphas down to
alpha_max / 100), tol and max_iter.  Path functions have no intercept, so
dense data is centred once in ``setup_cache`` (the same problem as fitting
an intercept) and sparse data is used as it is without intercept.
"""
import warnings

import numpy as np

from .common import (LIBRARIES, alpha_max, make_data, pin_threads,
                     relative_gap, require, solve, timer)

N_ALPHAS = 20
EPS = 1e-2


class EnetPath:
    """Path time, peak memory and achieved duality gap per library."""

    params = (["dense", "sparse"], [1.0, 0.5], LIBRARIES)
    param_names = ["X", "l1_ratio", "library"]
    timer = timer
    timeout = 300

    def setup_cache(self):
        data = {}
        X, y = make_data(400, 1000, seed=0)
        data["dense"] = (np.asfortranarray(X - X.mean(axis=0)), y - y.mean())
        data["sparse"] = make_data(1500, 3000, density=0.005, seed=1)
        grids = {}
        for name, (X, y) in data.items():
            for l1_ratio in self.params[1]:
                amax = alpha_max(X, y, l1_ratio, fit_intercept=False)
                grids[name, l1_ratio] = np.geomspace(amax, amax * EPS, N_ALPHAS)
        return data, grids

    def setup(self, cache, X, l1_ratio, library):
        require(library, l1_ratio)
        pin_threads()
        warnings.simplefilter("ignore")
        data, grids = cache
        self.X, self.y = data[X]
        self.alphas = grids[X, l1_ratio]
        self.l1_ratio = l1_ratio
        self.library = library

    def _run(self):
        return solve(self.library, self.X, self.y, alphas=self.alphas,
                     l1_ratio=self.l1_ratio, fit_intercept=False)

    def time_path(self, cache, X, l1_ratio, library):
        self._run()

    def peakmem_path(self, cache, X, l1_ratio, library):
        self._run()

    def track_gap(self, cache, X, l1_ratio, library):
        """Largest duality gap on the path / (tol * ||y||^2 / n)."""
        coefs, _ = self._run()
        return relative_gap(self.X, self.y, coefs, self.alphas, self.l1_ratio,
                            fit_intercept=False)

    track_gap.unit = "gap / bound"
