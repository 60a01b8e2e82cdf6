"""Lasso paths on the public problems (see problems.py), one class per suite.

Each library gets the same 100-alpha grid down to 0.01 alpha_max and tol
1e-4; ``track_gap`` is the worst duality gap over the path in units of the
stopping bound (<= 1: every alpha certified by the plain residual), and
``track_subopt`` the worst distance to the optimum in the same units (against
fastreg at tol 1e-9): solvers that certify with an extrapolated dual point
(celer; fastreg on dense X) can show a gap above 1 while within tol of it.  The full
problems take seconds per library; FASTREG_BENCH_SCALE (default 1) shrinks
n and p for a quick run, e.g. FASTREG_BENCH_SCALE=0.1.  pypi_text runs
when ``$FASTREG_PYPI_TSV`` names PyPI's package list (see pypi_text.py) and
is skipped otherwise.
"""
import warnings

from fastreg import lasso_path

from .common import (LIBRARIES, lasso_objectives, pin_threads, relative_gap,
                     relative_subopt, require, solve)
from .problems import PROBLEMS, alpha_grid, bench_scale, make_problem

TOL = 1e-4


def run_path(library, X, y, alphas):
    """A Lasso path through each library's own path routine where it has one."""
    if library == "celer":
        from celer import celer_path
        return celer_path(X, y, "lasso", alphas=alphas, tol=TOL)[1]
    return solve(library, X, y, alphas=alphas, l1_ratio=1.0, fit_intercept=False,
                 tol=TOL, max_iter=100_000)[0]


class PublicPaths:
    params = (list(PROBLEMS), LIBRARIES)
    param_names = ["problem", "library"]
    number = 1
    repeat = 3
    timeout = 900

    def setup_cache(self):
        scale = bench_scale()
        data = {}
        for name in PROBLEMS:
            try:
                X, y = make_problem(name, scale=scale)
            except FileNotFoundError:               # pypi_text without its file
                continue
            alphas = alpha_grid(X, y)
            ref = lasso_path(X, y, alphas=alphas, tol=1e-9, max_iter=100_000)[1]
            data[name] = (X, y, alphas, lasso_objectives(X, y, ref, alphas))
        return data

    def setup(self, cache, problem, library):
        require(library)
        if problem not in cache:
            raise NotImplementedError(f"{problem}: data not available")
        pin_threads()
        warnings.simplefilter("ignore")
        self.X, self.y, self.alphas, self.best = cache[problem]
        self.library = library

    def time_path(self, cache, problem, library):
        run_path(self.library, self.X, self.y, self.alphas)

    def peakmem_path(self, cache, problem, library):
        run_path(self.library, self.X, self.y, self.alphas)

    def track_gap(self, cache, problem, library):
        coefs = run_path(self.library, self.X, self.y, self.alphas)
        return relative_gap(self.X, self.y, coefs, self.alphas, 1.0, False, tol=TOL)

    track_gap.unit = "gap / bound"

    def track_subopt(self, cache, problem, library):
        coefs = run_path(self.library, self.X, self.y, self.alphas)
        objs = lasso_objectives(self.X, self.y, coefs, self.alphas)
        return relative_subopt(objs, self.best, self.y, TOL)

    track_subopt.unit = "(objective - optimum) / bound"
