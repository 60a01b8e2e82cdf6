"""Warm-started elastic-net paths: alpha grid, penalty scaling, the path loop.

Policy lives here; numerics live in ``_cd_fast``, the kernel forms of a
problem in ``_problems`` (and ``_tall``), and one alpha's outer loop in
``_alpha``: each alpha is solved until its certified duality gap reaches
``tol * sum_i sw_i y_c,i^2`` (kernel scale).
"""
import contextlib
import dataclasses
import difflib
import functools
import inspect
import mmap
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._alpha import _solve_alpha
from ._config import low_memory, refuse_copy
from ._offsets import MAX_OFFSET_RATIO, centre_columns, offset_columns
from ._penalties import penalised_alpha_max
from ._problems import FormSettings, _DenseProblem, _GramProblem, _SparseProblem
from ._tall import _TallProblem, expected_entrants
from ._validation import (as_kernel_X, check_alphas, check_bounds, check_choice,
                          check_gram, check_penalty_factor, check_sample_weight,
                          check_scalar_param, check_X_y)

# a path of fewer alphas is short: it repays neither Gram columns ('auto')
# nor the float32 copy of dense X; a single fit's warm path stays short
_LONG_PATH = 10
_WARM_STEP = 0.5             # ratio of two alphas of a single fit's warm path
_LOG_STEP_APART = 0.2        # see line_steps


@dataclass(frozen=True)
class SolverOptions:
    """How one alpha is solved.

    tol: the duality gap must reach ``tol * sum_i sw_i y_c,i^2 / W``
    (scikit-learn's rule).  max_iter: coordinate-descent epochs per alpha.
    working_set: solve on a growing working set (else on every feature).
    """
    tol: float = 1e-4
    max_iter: int = 1000
    positive: bool = False
    working_set: bool = True
    random_order: object = None       # a numpy Generator, or None for cyclic
    # also stop only after an epoch whose largest coordinate change is at
    # most tol * max|w| (scikit-learn's rule; see _alpha._settle)
    settle: bool = True


@dataclass
class PathResult:
    alphas: np.ndarray
    coefs: np.ndarray           # (n_features, n_alphas), dtype of X
    intercepts: np.ndarray      # (n_alphas,)
    dual_gaps: np.ndarray       # user scale (objective with 1/(2W))
    n_iters: np.ndarray         # epochs per alpha
    converged: np.ndarray       # bool per alpha
    gap_tol: float              # the user-scale gap each alpha had to reach
    alpha_max: float = np.nan   # of the built grid (NaN when alphas were given)
    # the loss of the intercept and unpenalised features fitted alone, on
    # gap_tol's scale (NaN: no such fit); within gap_tol of 0 they separate
    # the classes (see warn_not_converged)
    free_loss: float = np.nan

    def at(self, i):
        """Alpha i's result alone, as a one-alpha PathResult."""
        i = range(self.alphas.shape[0])[i]
        one = slice(i, i + 1)
        return dataclasses.replace(
            self, alphas=self.alphas[one], coefs=self.coefs[:, one],
            intercepts=self.intercepts[one], dual_gaps=self.dual_gaps[one],
            n_iters=self.n_iters[one], converged=self.converged[one])


def inside_bounds(values, lo, hi):
    """``values`` (float32 or float64), each moved one ulp towards 0 where
    it lies beyond its bound lo or hi (float64): a bound float32 cannot
    represent rounds to the nearest float32, possibly beyond it
    (float32(0.1) > 0.1: coefficients held at 0.1 came back 1.5e-9
    beyond).  Powers of 2 keep the result inside: the kernels' scale
    2^-y_exp maps it back exactly.  float64 values, clipped by the
    kernels, are returned as they are."""
    if values.dtype == np.float64:
        return values
    wide = values.astype(np.float64)
    out = (wide > hi) | (wide < lo)
    if not out.any():
        return values
    return np.where(out, np.nextafter(values, values.dtype.type(0)), values)


def representable_box(lo, hi, dtype):
    """The bounds (float64) rounded inwards to values of ``dtype``.

    The kernels store each coefficient in X's dtype but move the residual
    by the step to the clipped value: a bound float32 cannot represent
    moved the residual by the same rounding at every epoch while the
    coefficient stayed put (float32 paths with bounds like 0.1 certified
    points whose residual was off by up to 4% of ||y_c||^2).  Where a
    box holds no value of the dtype (lo = hi between two of them), the
    nearest one stands for both."""
    if dtype == np.float64:
        return lo, hi
    lo_r, hi_r = lo.astype(dtype), hi.astype(dtype)
    # (float32 against float64 compares exactly)
    lo_r = np.where(lo_r < lo, np.nextafter(lo_r, dtype.type(np.inf)), lo_r)
    hi_r = np.where(hi_r > hi, np.nextafter(hi_r, dtype.type(-np.inf)), hi_r)
    empty = lo_r > hi_r
    lo_r[empty] = hi_r[empty] = lo[empty].astype(dtype)
    return lo_r.astype(np.float64), hi_r.astype(np.float64)


def lazy_zeros(shape, dtype):
    """A zero array whose pages the OS maps only when first written.

    A path's coefficients are mostly zeros: writing only the nonzeros into
    a fresh anonymous mapping touches few pages, where filling a large
    array (or the huge pages numpy asks for) costs a page fault per 4 KiB.
    """
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if nbytes < 1 << 22:
        return np.zeros(shape, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype=dtype).reshape(shape)


def kernel_penalties(alpha, l1_ratio, W):
    """User alpha -> kernel penalties (l1, l2): the only place this happens.

    The kernel objective is W times the user objective, so both penalties
    are multiplied by W = sum(sample_weight) (n_samples without weights).
    """
    return alpha * l1_ratio * W, alpha * (1.0 - l1_ratio) * W


# ------------------------------------------------------------------ the path

# sparse X: the least share of nonzero entries for which 'auto' takes a Gram
# form (measured: at 20% it was 7-14% faster than the residual form, at 5%
# 26% slower to 0.01 alpha_max and 8% faster to 0.001)
_GRAM_DENSITY = 0.1

# tall dense X: the whole Gram matrix at once, not the tall form, when more
# than this share of the features is expected to enter by the path's end
# (expected_entrants).  On dense_tall (20,000 x 1,000) to 0.01 alpha_max,
# 142 features enter (128 predicted) and the tall form takes 0.21 s against
# the whole matrix's 0.30 s; to 0.001, 822 enter (879 predicted) and the
# whole matrix takes 0.38 s against the tall form's 0.53 s.
_WHOLE_ENTRANTS = 0.25


def make_problem(X, y, sw, pf, fit_intercept, precompute, Xy=None, n_alphas=100,
                 settings=None):
    """The problem object of the kernel form that suits X and precompute.

    'auto' picks a Gram form for tall X (n >= 2p, p <= 20,000) when the
    path has at least _LONG_PATH alphas: for float64 dense X the tall form
    (a Gram block of the features near the model, alphas certified in
    batches) when the path has at most p / 5 alphas and at most
    _WHOLE_ENTRANTS p features are expected to enter by its end, else the
    whole Gram matrix at once; otherwise lazy full Gram columns (2 n p
    each).  A few alphas repay neither: a single fit is faster on X itself.
    Sparse X takes the Gram form only when it holds at least _GRAM_DENSITY
    n p entries: a gradient from Gram columns costs p per feature of the
    model, where a pass costs nnz(X), and the residual form already solves
    working sets on their Gram block (on TF-IDF text, 50,702 x 14,786 with
    0.06% entries, the Gram form was 20x slower to 0.01 alpha_max and 117x
    to 0.001).
    """
    n, p = X.shape
    settings = dataclasses.replace(FormSettings() if settings is None else settings,
                                   long_run=n_alphas >= _LONG_PATH)
    gram = None
    if isinstance(precompute, np.ndarray):
        gram = np.asfortranarray(precompute, dtype=X.dtype)
        if gram.shape != (p, p):
            raise ValueError(
                f"precompute must be a ({p}, {p}) Gram matrix, got shape {gram.shape}")
        use_gram = True
    elif precompute == "auto":
        use_gram = (n >= 2 * p and p <= 20000 and n_alphas >= _LONG_PATH
                    and (not sp.issparse(X) or X.nnz >= _GRAM_DENSITY * n * p))
    else:
        use_gram = bool(precompute)
    if use_gram:
        # precompute=True computes the whole Gram matrix; 'auto' its columns
        # as features enter working sets
        lazy = isinstance(precompute, str)      # 'auto'
        tall = (lazy and _TallProblem.suits(X, n_alphas) and Xy is None
                and not settings.box.size and np.all(pf > 0))
        if tall and (settings.path_end is None or expected_entrants(
                X, y, sw, pf, fit_intercept, settings.positive, settings.path_end)
                <= _WHOLE_ENTRANTS * p):
            # certified in batches of alphas, on a Gram block of few features
            return _TallProblem(X, y, sw, pf, fit_intercept, settings)
        if tall or (lazy and _TallProblem.fits(X)
                    and p < _TallProblem.path_per_feature * n_alphas):
            # most features will enter, or the path is long next to p: the
            # whole Gram matrix at once (the tall form would pay for its
            # subset and certificates on top; lazy columns cost 2 n p each,
            # for every feature that enters)
            lazy = False
        return _GramProblem(X, y, sw, pf, fit_intercept, gram, Xy, lazy, settings)
    Xk = as_kernel_X(X)
    if sp.issparse(Xk):
        if Xk.indices.dtype != Xk.indptr.dtype:
            # the kernel takes one index type for both arrays
            idx_t = np.result_type(Xk.indices.dtype, Xk.indptr.dtype)
            Xk = sp.csc_matrix((Xk.data, Xk.indices.astype(idx_t),
                                Xk.indptr.astype(idx_t)), shape=Xk.shape)
        return _SparseProblem(Xk, y, sw, pf, fit_intercept, settings)
    return _DenseProblem(Xk, y, sw, pf, fit_intercept, settings)


def _far_exponent(y):
    """The power of two that brings max|y| near 1, when it is beyond 2^+-100
    (else 0: y is left exactly as given)."""
    top = float(np.max(np.abs(y), initial=0.0)) if y.size else 0.0
    if not (np.isfinite(top) and top > 0):
        return 0
    e = int(np.frexp(top)[1])
    return e if abs(e) > 100 else 0


def _largest_entry(X):
    data = X.data if sp.issparse(X) else X
    return float(np.max(np.abs(data), initial=0.0))


def _warm_path(amax, alpha):
    """The alphas solved before ``alpha`` on a single fit: geometric from
    alpha_max by steps of _WARM_STEP, fewer than _LONG_PATH - 1 of them."""
    if not (np.isfinite(amax) and 0 < alpha < amax):
        return np.empty(0)
    m = int(np.ceil(np.log(amax / alpha) / np.log(1 / _WARM_STEP)))
    m = min(m, _LONG_PATH - 1)
    return np.geomspace(amax, alpha, m + 1)[1:-1]


def alpha_max(prob, l1_ratio, positive):
    """Smallest alpha whose solution has every penalised coefficient at 0.

    Unpenalised features (pf = 0) are fitted first, so the gradient used is
    the one at the solution for alpha = alpha_max.  The rule itself is
    ``penalised_alpha_max``, shared with every datafit.
    """
    u = np.array(prob.grad(), dtype=np.float64)
    # (a constant column's correlation is cancellation residue: left out)
    u[prob.constant()] = 0.0
    # a correlation within rounding of the largest one its column allows
    # (||x_j||_S ||y_c||_S) is zero: y is explained there by the intercept
    # and the unpenalised features
    u[np.abs(u) <= np.finfo(np.float64).resolution * prob.col_norms()[0]
      * np.sqrt(prob.yy)] = 0.0
    if prob.box.size:
        lo, hi = prob.box
    else:
        lo = np.full(prob.p, 0.0 if positive else -np.inf)
        hi = np.full(prob.p, np.inf)
    return penalised_alpha_max(u, prob.pf.astype(np.float64), lo, hi,
                               l1_ratio) / prob.W


def nothing_to_fit_alpha(prob, l1_ratio):
    """The grid's every alpha when alpha_max is 0 (y explained by the
    intercept and the unpenalised features): scikit-learn's resolution,
    times the largest alpha_max the data's scale allows (max_j ||x_j||_S
    ||y_c||_S / (W l1_ratio pf_j)) so that rounding-level correlations stay
    below it at any scale of y and X; the resolution itself when y_c is 0."""
    pen = prob.pf > 0
    scale = np.max(prob.col_norms()[0][pen] / prob.pf[pen], initial=0.0) * \
        np.sqrt(prob.yy) / (prob.W * max(l1_ratio, 1e-300))
    res = np.finfo(np.float64).resolution
    return res * scale if np.isfinite(scale) and scale > 0 else res


def geometric_grid(amax, n_alphas, eps, zero_alpha=None):
    """scikit-learn's grid ``geomspace(amax, eps * amax, n_alphas)``: the one
    rule every entry point builds its grid by.

    When nothing is left to fit (amax is 0: y is explained by the
    intercept and the unpenalised features) or amax is infinite, every alpha
    is ``zero_alpha`` (by default ``np.finfo(float).resolution``, as in
    scikit-learn; compute_path scales it with the data, see
    ``nothing_to_fit_alpha``).  A tiny amax is
    kept as it is: the grid scales with y and X (scikit-learn floors it at
    the resolution, which gives data scaled by 1e-150 an all-zero path).
    """
    if not (np.isfinite(amax) and amax > 0):
        return np.full(n_alphas, np.finfo(np.float64).resolution
                       if zero_alpha is None else zero_alpha)
    # (eps * amax may underflow: the grid then ends at the smallest normal)
    return np.geomspace(amax, max(amax * eps, np.finfo(np.float64).tiny), num=n_alphas)


def _fit_unpenalized(prob, opts, tol_abs):
    """Least squares on the unpenalised features: coordinate descent (which
    honours bounds), then their exact step where it stays inside them
    (coordinate descent crawls on correlated columns, and alpha_max is read
    off the gradient at this point)."""
    free = prob.active[prob.pf[prob.active] == 0]
    if free.shape[0] == 0:
        return
    prob.solve(free.astype(np.int32),
               dict(l1=0.0, l2=0.0, positive=opts.positive,
                    max_epochs=max(opts.max_iter, 10000), tol=0.01 * tol_abs,
                    check_every=5, dw_tol=-1.0))
    if not prob.settles_inside:
        prob.free_step()


_CONTROLLER = None


def one_thread(fn):
    """Run ``fn`` with BLAS and OpenMP on one thread (restored afterwards).

    A path is thousands of short BLAS calls and OpenMP passes: on this
    2-core machine their threads cost more in wake-ups and spin-waits than
    they save, the more so when another process is busy (measured with one
    core busy, 1 thread against the default 2: dense_wide 0.16 s against
    0.44 s, dense_tall 0.15 against 0.25, text_like 0.22 against 0.35,
    pypi_text 2.15 against 2.48).  Parallelism goes across folds and
    l1_ratios instead (``n_jobs``).  threadpoolctl's controller is kept (and
    rebuilt after new imports); a limit then costs about 15 microseconds.
    OpenMP's thread count is per thread; OpenBLAS's is process-wide, so
    when paths run at once in several of the user's threads, the first to
    end restores BLAS's count while the others run (their BLAS calls get
    the default threads again).  fastreg's own CV limits BLAS for all its
    threads around them, so it is not affected.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _CONTROLLER
        # rebuilt when modules were imported since: they may have loaded
        # another BLAS or OpenMP library
        if _CONTROLLER is None or _CONTROLLER[1] != len(sys.modules):
            from threadpoolctl import ThreadpoolController
            _CONTROLLER = (ThreadpoolController(), len(sys.modules))
        with _CONTROLLER[0].limit(limits=1):
            return fn(*args, **kwargs)
    return wrapper


@dataclass(frozen=True)
class PathSpec:
    """One path's checked specification, carried from ``validate_path``
    through the stages of ``compute_path``.  X, y, sw and the grid are in
    the kernels' scale (y and a given grid times 2^-y_exp, weights summing
    to n); ``grid`` is an int when the grid is to be built (``built``)."""
    X: object
    y: np.ndarray
    sw: object
    pf: np.ndarray
    l1_ratio: float
    eps: float
    grid: object
    built: bool
    single: bool
    n_path: int
    opts: SolverOptions
    box: np.ndarray
    fit_intercept: bool
    precompute: object
    Xy: object
    coef_init: object
    y_exp: int
    late_finite: bool
    gram_source: object


def validate_path(X, y, *, l1_ratio, eps, n_alphas, alphas, sample_weight,
                  penalty_factor, fit_intercept, precompute, Xy, coef_init, tol,
                  max_iter, positive, working_set, random_state, selection,
                  check_input, lower_bounds, upper_bounds, gram_source, settle):
    """Stage 1 of a path: every parameter checked, y and the weights brought
    to the kernels' scale.  Returns the PathSpec."""
    # dense X's NaN and inf are found from its column norms, which the
    # problem computes from every entry anyway (one read of X less)
    late_finite = check_input and not isinstance(precompute, np.ndarray)
    if check_input:
        X, y = check_X_y(X, y, finite_X=not late_finite)
    n, p = X.shape
    if n == 0 or p == 0:
        raise ValueError(f"X must have at least one sample and one feature, "
                         f"got shape {X.shape}")
    l1_ratio = check_scalar_param(l1_ratio, "l1_ratio", low=0, high=1)
    tol = check_scalar_param(tol, "tol", low=0)
    max_iter = check_scalar_param(max_iter, "max_iter", low=1, integer=True)
    check_choice(selection, "selection", ["cyclic", "random"])
    if not (isinstance(precompute, np.ndarray)
            or precompute in (True, False, "auto")):
        raise ValueError(
            f"precompute must be True, False, 'auto' or a Gram matrix, got {precompute!r}")
    grid = check_alphas(alphas, n_alphas)
    if isinstance(grid, int):
        eps = check_scalar_param(eps, "eps", low=0, low_open=True)
        if l1_ratio == 0:
            raise ValueError(
                "Automatic alpha grid generation is not supported for l1_ratio=0. "
                "Please supply a grid by providing your estimator with the "
                "appropriate `alphas=` argument. (l1_ratio must be > 0 to build an "
                "alpha grid, got 0; pass alphas as an array instead)")
    # y far from unit scale is solved scaled by a power of two (exact), so
    # that sums of y^2 neither underflow nor overflow; everything in y's
    # units is scaled back on the way out
    y = np.asarray(y)
    y_exp = _far_exponent(y)
    built = isinstance(grid, int)
    if y_exp:
        y = np.ldexp(y, -y_exp).astype(y.dtype, copy=False)
        if not isinstance(grid, int):
            grid = np.ldexp(grid, -y_exp)
    for name, value in (("positive", positive), ("fit_intercept", fit_intercept)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be a bool, got {value!r}")
    sw = check_sample_weight(sample_weight, n, X.dtype)
    if check_input and isinstance(precompute, np.ndarray):
        factor = check_gram(precompute, X, sw, fit_intercept)
        if factor != 1.0:
            # (scikit-learn's convention, weights normalised to sum to n:
            # Xy was computed with the same weights)
            precompute = precompute * factor
            if Xy is not None:
                Xy = np.asarray(Xy) * factor
    rescale = None        # (a function when sw is given)
    if sw is not None:
        # the objective does not change with the scale of sw; kernel-scale
        # quantities stay in range (sw = 1e-200 would underflow them).  A
        # precomputed Gram matrix and Xy carry sw, so they scale with it.
        # A power of two first (exact, from subnormal weights too: n / sum
        # would overflow there), then to sum n.
        exp2 = -int(np.frexp(np.max(sw.astype(np.float64)))[1])
        scale = n / np.sum(np.ldexp(sw, exp2, dtype=np.float64))

        def to_kernel_scale(a):
            return np.ldexp(a, exp2) * scale

        rescale = to_kernel_scale
        sw = rescale(sw).astype(X.dtype)
        if isinstance(precompute, np.ndarray):
            precompute = rescale(precompute)
    if Xy is not None:
        Xy = np.asarray(Xy)
        if Xy.shape not in ((p,), (p, 1)):
            raise ValueError(f"Xy must have shape ({p},), got {Xy.shape}")
        Xy = Xy.ravel() if rescale is None else rescale(Xy.ravel())
        Xy = np.ldexp(Xy, -y_exp)
    pf = check_penalty_factor(penalty_factor, p, X.dtype)
    rng = None
    if selection == "random":
        from sklearn.utils import check_random_state
        rng = np.random.default_rng(check_random_state(random_state).randint(2 ** 31))
    opts = SolverOptions(tol=tol, max_iter=max_iter, positive=bool(positive),
                         working_set=working_set, random_order=rng,
                         settle=bool(settle))

    # a single alpha from zero is reached through a few warm starts (below);
    # with them it is still a short path
    single = not isinstance(grid, int) and grid.shape[0] == 1 and coef_init is None
    n_path = grid if isinstance(grid, int) else grid.shape[0]
    box = np.empty((0, 0))
    if lower_bounds is not None or upper_bounds is not None:
        lo, hi = check_bounds(lower_bounds, upper_bounds, p)
        lo, hi = np.ldexp(lo, -y_exp), np.ldexp(hi, -y_exp)
        if opts.positive:
            lo = np.maximum(lo, 0.0)
        if np.isfinite(lo).any() or np.isfinite(hi).any() or opts.positive:
            box = np.ascontiguousarray(np.vstack(representable_box(lo, hi, X.dtype)))
    if gram_source is not None and rescale is not None:
        # (in the kernel's scale, as a precomputed Gram matrix above)
        source = gram_source
        gram_source = lambda: rescale(source())  # noqa: E731
    return PathSpec(X=X, y=y, sw=sw, pf=pf, l1_ratio=l1_ratio, eps=eps, grid=grid,
                    built=built, single=single, n_path=n_path, opts=opts, box=box,
                    fit_intercept=fit_intercept, precompute=precompute, Xy=Xy,
                    coef_init=coef_init, y_exp=y_exp, late_finite=late_finite,
                    gram_source=gram_source)


def prepare_form(spec):
    """Stage 2: the kernel form chosen for X and built (``make_problem``),
    non-finite X refused, and columns whose mean dwarfs their spread
    centred in a copy.  Returns (problem, shift): ``shift`` maps the
    intercept back for the centred columns (None without)."""
    X, y, sw, pf = spec.X, spec.y, spec.sw, spec.pf
    # the path's last l1, for forms that plan their work on it
    if spec.built:
        end = ("ratio", spec.eps if spec.l1_ratio > 0 else 0.0)
    elif np.size(spec.grid):
        W = float(sw.sum()) if sw is not None else float(spec.X.shape[0])
        end = ("l1", kernel_penalties(float(np.min(spec.grid)), spec.l1_ratio, W)[0])
    else:
        end = None
    settings = FormSettings(positive=spec.opts.positive, box=spec.box,
                            gram_source=spec.gram_source, path_end=end)

    def build(X):
        return make_problem(X, y, sw, pf, spec.fit_intercept, spec.precompute,
                            spec.Xy, spec.n_path, settings)

    # (NaN and inf in X raise below, without the warnings they cause here)
    with np.errstate(invalid="ignore") if spec.late_finite else contextlib.nullcontext():
        prob = build(X)
    if spec.late_finite and not np.all(np.isfinite(prob.norms)):
        check_X_y(X, y)          # NaN or inf in X (not norms that overflow)
    if X.dtype == np.float64 and not np.all(np.isfinite(prob.norms)):
        # (float32 norms that overflow are handled: the kernels work in float64)
        raise ValueError(
            "Coordinate descent iterations resulted in non-finite parameter "
            "values: the column norms of X overflow float64 (largest |X_ij| "
            f"{_largest_entry(X):.3g}); scale X down")
    shift = None
    cols = offset_columns(X, prob.mu, prob.norms, prob.W) \
        if spec.fit_intercept and not isinstance(spec.precompute, np.ndarray) else None
    if cols is not None and cols.any():
        # columns whose mean is far above their spread: centring them
        # implicitly would lose the digits that hold the fit.  Solve on a
        # copy with those columns centred; the intercept is mapped back below.
        del prob
        if low_memory():
            refuse_copy("fit_intercept=True with columns whose mean exceeds "
                        f"{MAX_OFFSET_RATIO[X.dtype]:g} times their spread",
                        "centre X's columns before fitting")
        X, shift = centre_columns(X, cols, sw)
        prob = build(X)
    return prob, shift


def start_path(prob, spec):
    """Stage 3: the starting point (``coef_init``, else the unpenalised
    features fitted), the grid built from alpha_max when asked for, and a
    single fit's warm path solved.  Returns (grid, alpha_max, warm_epochs,
    tol_abs) in the kernels' scale."""
    opts, l1_ratio, grid = spec.opts, spec.l1_ratio, spec.grid
    p, dtype = prob.p, spec.X.dtype
    tol_abs = opts.tol * prob.yy
    if spec.coef_init is not None:
        w0 = np.ldexp(np.asarray(spec.coef_init, dtype=dtype).ravel(), -spec.y_exp)
        if w0.shape != (p,):
            raise ValueError(f"coef_init must have shape ({p},), got {w0.shape}")
        if not np.all(np.isfinite(w0)):
            raise ValueError("coef_init must be finite, got NaN or infinity")
        # a feature whose (centred) column is zero changes no prediction: its
        # optimal coefficient is 0, and the solvers never visit it
        prob.set_coef(np.where(prob.norms > 0, w0, 0).astype(dtype))
    else:
        _fit_unpenalized(prob, opts, tol_abs)

    amax = np.nan
    if isinstance(grid, int):
        amax = alpha_max(prob, l1_ratio, opts.positive)
        grid = geometric_grid(amax, grid, spec.eps, nothing_to_fit_alpha(prob, l1_ratio))

    warm_epochs = 0
    if spec.single and l1_ratio > 0:
        # from alpha_max down by halves: each start is close, working sets
        # stay small (a cold start at a small alpha puts hundreds of
        # violators in one ill-conditioned set).  They and the target share
        # max_iter epochs, and n_iters counts them all, as scikit-learn's
        # n_iter_ counts every epoch of a fit.
        amax = alpha_max(prob, l1_ratio, opts.positive)
        for alpha in _warm_path(amax, grid[0]):
            budget = dataclasses.replace(opts, max_iter=opts.max_iter - warm_epochs)
            warm_epochs += _solve_alpha(prob, *kernel_penalties(alpha, l1_ratio, prob.W),
                                        budget, tol_abs)[1]

    return grid, amax, warm_epochs, tol_abs


def line_step(grid, i):
    """The step s that predicts alpha i's solution from the last two as
    ``on_line(w[i-1], w[i-2], s)``, or None (before the third alpha, or on
    a grid that does not decrease there).

    Along a stretch of the path where no feature enters or leaves, the lasso
    solution is affine in alpha (w_S = G_SS^-1 (q_S - l1 s_S) on its support
    S, with signs s_S), so the line through the last two solutions gives the
    next one exactly.  With l2 > 0, or a curved loss, the path bends and
    the line is a guess; where features enter it still moves the support
    most of the way.  Solvers take the point only when it lowers the
    objective, so it never costs accuracy.
    """
    if i < 2 or not grid[i - 2] > grid[i - 1] > grid[i]:
        return None
    return (grid[i - 1] - grid[i]) / (grid[i - 2] - grid[i - 1])


def line_steps(grid, i):
    """The steps along the line through the last two solutions that a
    curved loss's path proposes to alpha i: ``line_step``'s, linear in
    alpha, and where the grid is coarse (a geometric grid's ratio below
    1 / (1 + _LOG_STEP_APART): LogisticRegressionCV's Cs, or a path of a
    few dozen alphas over three decades) one linear in log alpha too."""
    step = line_step(grid, i)
    if step is None:
        return ()
    # (differences of logs: a ratio of alphas near the smallest double
    # overflows)
    logs = np.log(grid[i - 2:i + 1])
    log_step = (logs[1] - logs[2]) / (logs[0] - logs[1])
    if np.isfinite(log_step) and log_step > (1 + _LOG_STEP_APART) * step:
        return step, float(log_step)
    return (step,)


def on_line(now, before, step):
    """now + step (now - before), a coefficient the line takes across zero
    stopped at zero (float64)."""
    now = np.asarray(now, dtype=np.float64)
    pred = now + step * (now - np.asarray(before, dtype=np.float64))
    pred[np.sign(pred) != np.sign(now)] = 0.0
    return pred


def path_start(prob, coefs, grid, i):
    """The start proposed to alpha i's first solve: (features, values) on
    the line through ``coefs[:, i - 2]`` and the current ``prob.w`` (see
    ``line_step``), or None.  Only features nonzero now are proposed:
    O(support) work.  On npm_text it halves the epochs (974 to 489).
    """
    step = line_step(grid, i)
    feats = prob.support()
    if step is None or feats.size == 0:
        return None
    return feats, on_line(prob.w[feats], coefs[feats, i - 2], step)


def run_path(prob, spec, grid, amax, warm_epochs, tol_abs, shift):
    """Stage 4: every alpha solved in turn from the previous solution and
    certified; results mapped back to the user's scale.  A PathResult."""
    opts, l1_ratio, y_exp = spec.opts, spec.l1_ratio, spec.y_exp
    k, p = grid.shape[0], prob.p
    prob.plan([kernel_penalties(a, l1_ratio, prob.W) for a in grid], opts, tol_abs)
    # a row per feature: the pages touched are those of the features that are
    # ever nonzero (a row per alpha would touch a page per nonzero per alpha)
    coefs = lazy_zeros((p, k), spec.X.dtype)
    intercepts = np.empty(k)
    gaps = np.empty(k)
    n_iters = np.empty(k, dtype=np.int64)
    converged = np.empty(k, dtype=bool)
    for i, alpha in enumerate(grid):
        l1, l2 = kernel_penalties(alpha, l1_ratio, prob.W)
        step_opts = opts if i or not warm_epochs else \
            dataclasses.replace(opts, max_iter=opts.max_iter - warm_epochs)
        gap, epochs, ok = _solve_alpha(prob, l1, l2, step_opts, tol_abs,
                                       trust_start=i == 0 and spec.coef_init is not None,
                                       start=path_start(prob, coefs, grid, i))
        nz = prob.support()
        coefs[nz, i] = (inside_bounds(prob.w[nz].astype(coefs.dtype), *spec.box[:, nz])
                        if spec.box.size else prob.w[nz])
        intercepts[i] = prob.intercept()
        if shift is not None:
            intercepts[i] -= float(shift[nz] @ prob.w[nz].astype(np.float64))
        gaps[i] = gap / prob.W
        n_iters[i] = epochs + (warm_epochs if i == 0 else 0)
        converged[i] = ok
    gap_tol = tol_abs / prob.W
    if y_exp:
        grid, amax = np.ldexp(grid, y_exp), float(np.ldexp(amax, y_exp))
        if spec.built:
            # (as geometric_grid: a built grid ends at the smallest normal)
            grid = np.maximum(grid, np.finfo(np.float64).tiny)
        np.ldexp(coefs, y_exp, out=coefs)
        intercepts = np.ldexp(intercepts, y_exp)
        with np.errstate(over="ignore", under="ignore"):
            # (gaps are in y's units squared: beyond float64 when y is 1e300)
            gaps = np.ldexp(gaps, 2 * y_exp)
            gap_tol = float(np.ldexp(gap_tol, 2 * y_exp))
    return PathResult(grid, coefs, intercepts, gaps, n_iters, converged, gap_tol, amax)




@one_thread
def compute_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None,
                 sample_weight=None, penalty_factor=None, fit_intercept=False,
                 precompute="auto", Xy=None, coef_init=None, tol=1e-4,
                 max_iter=1000, positive=False, working_set=True,
                 random_state=None, selection="cyclic", check_input=True,
                 warn=True, lower_bounds=None, upper_bounds=None, gram_source=None,
                 settle=True):
    """Elastic-net path with every parameter checked.  Returns a PathResult.

    ``settle``: also require scikit-learn's coordinate-change rule on the
    last epoch of each alpha (see ``_alpha._settle``); False stops at the
    first certified point (faster, less accurate inside tol).

    ``gram_source``: None, or a callable returning the centred, weighted Gram
    matrix of X (as ``precompute`` would take it), called only by a form
    that comes to need the whole matrix (cross-validation folds share one).
    """
    spec = validate_path(
        X, y, l1_ratio=l1_ratio, eps=eps, n_alphas=n_alphas, alphas=alphas,
        sample_weight=sample_weight, penalty_factor=penalty_factor,
        fit_intercept=fit_intercept, precompute=precompute, Xy=Xy,
        coef_init=coef_init, tol=tol, max_iter=max_iter, positive=positive,
        working_set=working_set, random_state=random_state, selection=selection,
        check_input=check_input, lower_bounds=lower_bounds,
        upper_bounds=upper_bounds, gram_source=gram_source, settle=settle)
    prob, shift = prepare_form(spec)
    grid, amax, warm_epochs, tol_abs = start_path(prob, spec)
    res = run_path(prob, spec, grid, amax, warm_epochs, tol_abs, shift)
    if warn:
        warn_not_converged(res)
    return res


def warn_not_converged(res, scale="||y_c||^2 / n"):
    """One ConvergenceWarning naming the alphas that missed tol
    (``scale``: what tol is relative to, as the message says): their gap,
    or, where the gap met its bound (logistic fits), their optimality
    residual.

    Where the intercept and the unpenalised features alone fit the labels
    to a loss within the gap's bound of 0 (``res.free_loss``), they
    (nearly) separate the classes and the minimiser lies at infinity or far
    out: the warning says so instead of asking for more iterations, and a
    path that converged all the same (its every point within tol of the
    infimum) gets a UserWarning that its unpenalised coefficients are set
    by tol, not by the data."""
    bad = np.flatnonzero(~res.converged)
    separated = res.free_loss <= res.gap_tol
    cause = (f"The intercept and the unpenalised features (penalty_factor 0) alone fit "
             f"the labels to a loss of {res.free_loss:.3g}, within tol * {scale} = "
             f"{res.gap_tol:.3g} of 0: they (nearly) separate the classes")
    remedy = "Penalise some of them (penalty_factor > 0), or drop them."
    if bad.size == 0:
        if separated:
            warnings.warn(
                f"{cause}. The fit is within tol of the infimum, but its unpenalised "
                f"coefficients are set by tol, not by the data (they grow as tol "
                f"shrinks). {remedy}", UserWarning, stacklevel=_caller_stacklevel())
        return
    met = res.dual_gaps <= res.gap_tol
    shown = ", ".join(
        f"alpha={res.alphas[i]:.4g} (gap {res.dual_gaps[i]:.3g}"
        + (", met; its optimality residual not)" if met[i] else ")") for i in bad[:5])
    more = f" and {bad.size - 5} more" if bad.size > 5 else ""
    residual = ("; the optimality residual (the gradient's largest distance from the "
                "penalty's subdifferential: scikit-learn's lbfgs rule) must be at most tol"
                if met[bad].any() else "")
    # (where they separate, no budget mends it)
    advice = (f"{cause}, so the minimiser lies at infinity or far out. {remedy}"
              if separated else "Increase max_iter, or loosen tol.")
    warnings.warn(
        f"Objective did not converge. You might want to increase the number of "
        f"iterations. It did not converge for {bad.size} of {res.alphas.size} alphas: "
        f"{shown}{more}; the duality gap must reach tol * {scale} = "
        f"{res.gap_tol:.3g}{residual}. {advice}",
        ConvergenceWarning, stacklevel=_caller_stacklevel())


def _caller_stacklevel():
    """stacklevel that points warnings.warn at the first frame outside fastreg."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("fastreg"):
        frame, level = frame.f_back, level + 1
    return level


# ------------------------------------------------------------- public paths

def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None,
              precompute="auto", Xy=None, copy_X=True, coef_init=None,
              verbose=False, return_n_iter=False, positive=False,
              check_input=True, tol=1e-4, max_iter=1000, sample_weight=None,
              penalty_factor=None, fit_intercept=False, selection="cyclic",
              random_state=None, return_intercept=False, lower_bounds=None,
              upper_bounds=None, **params):
    """Elastic-net regularization path by warm-started coordinate descent.

    For each alpha the objective is::

        1 / (2 W) * sum_i sw_i (y_i - x_i w - b)^2
            + alpha * l1_ratio * sum_j pf_j |w_j|
            + alpha * (1 - l1_ratio) / 2 * sum_j pf_j w_j^2

    with W = sum(sw) (n_samples without ``sample_weight``), pf the
    ``penalty_factor`` (ones by default; 0 leaves a feature unpenalised) and
    b = 0 unless ``fit_intercept``.  Each alpha is solved until its duality
    gap is at most ``tol * sum_i sw_i y_c,i^2 / W`` (scikit-learn's rule;
    y_c is y, centred when ``fit_intercept``).

    Parameters
    ----------
    X : {ndarray, sparse matrix, dask.array.Array} of shape (n_samples, n_features)
        Training data, float64 or float32 (the output follows the dtype).
        Fortran-ordered dense and CSC are used without a copy; C-ordered
        dense is copied to Fortran order and CSR to CSC, unless the Gram
        form is chosen (see ``precompute``), which never copies X.  A Dask
        array chunked by rows is solved on its cluster without gathering it
        (``fastreg._distributed``; y and ``sample_weight`` then as Dask
        arrays of the same row chunks, or NumPy arrays; the current
        ``dask.distributed`` client, or ``client=`` in ``params``).
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Target.  A 2-D y solves scikit-learn's multi-task objective (the
        group penalty ``sum_j ||W[:, j]||_2`` over the targets, see
        ``fastreg._multitask``) for dense or sparse X, returning coefs of
        shape (n_targets, n_features, n_alphas); the options that only the
        1-D form has (weights, penalty factors, bounds, positive, Gram
        forms) are refused with it.
    l1_ratio : float in [0, 1], default=0.5
        Mix of L1 (1) and L2 (0) penalties.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` when the grid is built.
    n_alphas : int, default=100
        Number of alphas when ``alphas`` is None.
    alphas : int or array-like, default=None
        An int builds a grid of that many alphas; an array is used as given
        (sorted decreasing).  The grid is geometric from alpha_max, the
        smallest alpha whose solution is exactly 0 (with centring, weights,
        penalty factors and ``positive`` accounted for), to eps * alpha_max.
    precompute : 'auto', bool or ndarray of shape (n_features, n_features)
        Use a Gram form.  'auto' picks one for paths of 10 or more alphas
        when n_samples >= 2 n_features and n_features <= 20000 (sparse X:
        with at least 10% nonzero entries), and computes
        Gram entries only for the features near the model (float64 dense X:
        the Gram block of those features, with alphas certified in batches
        by products with a float32 copy of X; otherwise the full Gram
        columns of the features that enter working sets); True computes the
        whole matrix (one syrk).  An array is taken as the Gram matrix of
        the centred, weighted X.
    Xy : ndarray of shape (n_features,), default=None
        ``Xc^T S y_c`` for a precomputed Gram matrix.
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified.
    coef_init : ndarray of shape (n_features,), default=None
        Warm start for the first alpha.
    verbose : bool or int, default=False
        Print one line per alpha.
    return_n_iter : bool, default=False
        Also return the number of epochs per alpha.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    check_input : bool, default=True
        Skip the input checks when False (X, y must then be valid).
    tol : float, default=1e-4
        Duality-gap tolerance, relative to ``||y_c||^2 / n``.
    max_iter : int, default=1000
        Coordinate-descent epochs per alpha.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative factor per feature on both penalties.
    fit_intercept : bool, default=False
        Fit an unpenalised intercept (implicit centring; X is not copied).
    selection : {'cyclic', 'random'}, default='cyclic'
        'random' permutes the order of the coordinates before each inner solve.
    random_state : int, RandomState instance or None, default=None
        Seed for ``selection='random'``.
    return_intercept : bool, default=False
        Also return the intercept per alpha.
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), default=None
        Per-coefficient box ``lower_bounds <= w <= upper_bounds`` (glmnet's
        ``lower.limits`` / ``upper.limits``): lower bounds must be <= 0 and
        upper bounds >= 0 (-inf / inf leave a side free).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
        Achieved duality gap per alpha, on the objective above.
    n_iters : ndarray of shape (n_alphas,)
        Only with ``return_n_iter``.
    intercepts : ndarray of shape (n_alphas,)
        Only with ``return_intercept``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import enet_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 10)); y = X[:, 0] - 2 * X[:, 1]
    >>> alphas, coefs, gaps = enet_path(X, y, l1_ratio=0.9, n_alphas=20)
    >>> coefs.shape
    (10, 20)
    >>> bool(np.all(coefs[:, 0] == 0))
    True
    """
    client = params.pop("client", None)
    if params:
        _refuse_unknown(params, "enet_path")
    from ._distributed import is_dask_array
    if client is not None and not is_dask_array(X):
        raise ValueError("client is for a Dask X (dask.array.Array), got X of type "
                         f"{type(X).__name__}")
    if is_dask_array(X):
        res = _dask_path(X, y, l1_ratio=l1_ratio, eps=eps, n_alphas=n_alphas,
                         alphas=alphas, tol=tol, max_iter=max_iter,
                         fit_intercept=fit_intercept, sample_weight=sample_weight,
                         penalty_factor=penalty_factor, positive=positive,
                         client=client, others={
                             "precompute": (precompute, "auto"), "Xy": (Xy, None),
                             "coef_init": (coef_init, None),
                             "selection": (selection, "cyclic"),
                             "lower_bounds": (lower_bounds, None),
                             "upper_bounds": (upper_bounds, None)})
    elif np.ndim(y) == 2:
        # scikit-learn's multi-task objective (see fastreg._multitask)
        from ._multitask import multitask_path
        res = multitask_path(
            X, y, l1_ratio=l1_ratio, eps=eps, n_alphas=n_alphas, alphas=alphas,
            tol=tol, max_iter=max_iter, coef_init=coef_init,
            fit_intercept=fit_intercept, others={
                "precompute": (precompute if precompute is not False else "auto",
                               "auto"),
                "Xy": (Xy, None), "positive": (positive, False),
                "sample_weight": (sample_weight, None),
                "penalty_factor": (penalty_factor, None),
                "selection": (selection, "cyclic"),
                "lower_bounds": (lower_bounds, None),
                "upper_bounds": (upper_bounds, None)})
    else:
        res = compute_path(
            X, y, l1_ratio=l1_ratio, eps=eps, n_alphas=n_alphas, alphas=alphas,
            sample_weight=sample_weight, penalty_factor=penalty_factor,
            fit_intercept=fit_intercept, precompute=precompute, Xy=Xy,
            coef_init=coef_init, tol=tol, max_iter=max_iter, positive=positive,
            selection=selection, random_state=random_state, check_input=check_input,
            lower_bounds=lower_bounds, upper_bounds=upper_bounds)
    if verbose:
        for a, g, it, w in zip(res.alphas, res.dual_gaps, res.n_iters, res.coefs.T):
            print(f"alpha={a:.4g}  nonzeros={np.count_nonzero(w)}  "
                  f"gap={g:.3g}  epochs={it}")
    out = (res.alphas, res.coefs, res.dual_gaps)
    if return_n_iter:
        out += (res.n_iters,)
    if return_intercept:
        out += (res.intercepts,)
    return out


def _dask_path(X, y, *, l1_ratio, eps, n_alphas, alphas, tol, max_iter,
               fit_intercept, sample_weight, penalty_factor, positive, client,
               others):
    """``enet_path`` on a row-chunked Dask X (see ``fastreg._distributed``)."""
    from ._distributed import dask_paths, refuse_for_dask
    refuse_for_dask("enet_path", others)
    l1_ratio = check_scalar_param(l1_ratio, "l1_ratio", low=0, high=1)
    tol = check_scalar_param(tol, "tol", low=0)
    max_iter = check_scalar_param(max_iter, "max_iter", low=1, integer=True)
    grid = check_alphas(alphas, n_alphas)
    if isinstance(grid, int):
        eps = check_scalar_param(eps, "eps", low=0, low_open=True)
        if l1_ratio == 0:
            raise ValueError("l1_ratio must be > 0 to build an alpha grid, got 0; "
                             "pass alphas as an array instead")
    for name, value in (("positive", positive), ("fit_intercept", fit_intercept)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be a bool, got {value!r}")
    _, tracks = dask_paths(X, y, l1_ratios=[l1_ratio], alphas=grid, eps=eps, tol=tol,
                           max_iter=max_iter, fit_intercept=bool(fit_intercept),
                           sample_weight=sample_weight, penalty_factor=penalty_factor,
                           positive=positive, client=client)
    res = tracks[0].result()
    warn_not_converged(res)
    return res


def lasso_path(X, y, **params):
    """Lasso path: :func:`enet_path` with ``l1_ratio=1``.

    Objective ``1/(2 W) sum_i sw_i (y_i - x_i w - b)^2 + alpha sum_j pf_j |w_j|``;
    every parameter of :func:`enet_path` but ``l1_ratio`` is accepted.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg import lasso_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 8)); y = X @ np.arange(8.0)
    >>> alphas, coefs, gaps = lasso_path(X, y, alphas=5)
    >>> alphas.shape, coefs.shape
    ((5,), (8, 5))
    """
    if "l1_ratio" in params:
        raise ValueError("lasso_path takes no l1_ratio (it is 1); use enet_path")
    known = (set(inspect.signature(enet_path).parameters) - {"params", "l1_ratio"}) | {"client"}
    unknown = {k: v for k, v in params.items() if k not in known}
    if unknown:
        _refuse_unknown(unknown, "lasso_path")
    return enet_path(X, y, l1_ratio=1.0, **params)


def _refuse_unknown(params, function):
    """ValueError naming parameters a path function does not take (with
    scikit-learn's key phrase) and the close names it does take."""
    known = set(inspect.signature(enet_path).parameters) - {"params", "X", "y"}
    if function == "lasso_path":
        known.discard("l1_ratio")
    hints = []
    for name in sorted(params):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ValueError(f"Unexpected parameters in params: {function}() takes no "
                     f"{', '.join(hints)}")
