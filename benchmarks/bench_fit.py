"""Single Lasso / ElasticNet fits on sparse X, with and without intercept.

The intercept with sparse X is the interesting case: neither library may
centre (densify) X, both fit it by implicit centring.  alpha is
alpha_max / 20 of each problem, the same for every library.
"""
import warnings

import numpy as np

from .common import (LIBRARIES, alpha_max, make_data, pin_threads,
                     relative_gap, require, solve, timer)


class SparseFit:
    """One fit: time, peak memory and achieved duality gap per library."""

    params = (["lasso", "enet"], [True, False], LIBRARIES)
    param_names = ["model", "fit_intercept", "library"]
    timer = timer
    timeout = 300

    def setup_cache(self):
        X, y = make_data(2000, 4000, density=0.005, seed=2)
        alphas = {}
        for model, l1_ratio in (("lasso", 1.0), ("enet", 0.5)):
            for fi in self.params[1]:
                alphas[model, fi] = alpha_max(X, y, l1_ratio, fi) / 20
        return X, y, alphas

    def setup(self, cache, model, fit_intercept, library):
        require(library, 1.0 if model == "lasso" else 0.5)
        pin_threads()
        warnings.simplefilter("ignore")
        self.X, self.y, alphas = cache
        self.alpha = np.array([alphas[model, fit_intercept]])
        self.l1_ratio = 1.0 if model == "lasso" else 0.5

    def _run(self, library, fit_intercept):
        return solve(library, self.X, self.y, alphas=self.alpha,
                     l1_ratio=self.l1_ratio, fit_intercept=fit_intercept)

    def time_fit(self, cache, model, fit_intercept, library):
        self._run(library, fit_intercept)

    def peakmem_fit(self, cache, model, fit_intercept, library):
        self._run(library, fit_intercept)

    def track_gap(self, cache, model, fit_intercept, library):
        """Duality gap of the fit / (tol * ||y_c||^2 / n)."""
        coefs, _ = self._run(library, fit_intercept)
        return relative_gap(self.X, self.y, coefs, self.alpha, self.l1_ratio,
                            fit_intercept=fit_intercept)

    track_gap.unit = "gap / bound"
