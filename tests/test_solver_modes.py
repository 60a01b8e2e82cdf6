"""The accelerated path (working sets, Gram blocks, lazy Gram columns) against
the plain solver (every feature, every epoch) and the NumPy oracle."""
import numpy as np
import pytest
import scipy.sparse as sp

from fastreg._objectives import enet_dual_gap, enet_dual_gap_box, enet_kkt_violation
from fastreg._path import compute_path

from datasets import make_regression, reference_coefs

CASES = [
    # layout, precompute, n, p
    ("F", False, 60, 150),      # wide dense: residual kernel / Gram blocks
    ("F", "auto", 300, 40),     # tall dense: tall form (float64), lazy Gram (float32)
    ("F", True, 300, 40),       # tall dense: full Gram matrix
    ("csc", False, 80, 200),    # wide sparse: Gram blocks of CSC columns
    ("csc", "auto", 400, 60),   # tall sparse: lazy Gram columns
]


def _problem(layout, n, p, dtype, seed=0):
    X, y = make_regression(n, p, density=0.2 if layout == "csc" else None,
                           k=8, seed=seed, dtype=dtype, layout=layout,
                           intercept=1.5)
    return X, y




@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout,precompute,n,p", CASES)
@pytest.mark.parametrize("variant", ["plain", "weights", "penalty_factor",
                                     "positive", "enet"])
def test_accelerated_equals_plain_and_is_certified(layout, precompute, n, p,
                                                   dtype, variant):
    X, y = _problem(layout, n, p, dtype)
    rng = np.random.default_rng(1)
    kw = dict(l1_ratio=1.0, fit_intercept=True, n_alphas=12, eps=1e-2,
              precompute=precompute, max_iter=20000)
    if variant == "weights":
        kw["sample_weight"] = rng.uniform(0.2, 3.0, n).astype(dtype)
    elif variant == "penalty_factor":
        pf = rng.uniform(0.5, 2.0, p)
        pf[:3] = 0.0
        kw["penalty_factor"] = pf
    elif variant == "positive":
        kw["positive"] = True
    elif variant == "enet":
        kw["l1_ratio"] = 0.3
    tol = 1e-8 if dtype == np.float64 else 1e-5
    fast = compute_path(X, y, tol=tol, working_set=True, **kw)
    plain = compute_path(X, y, tol=tol, working_set=False, **kw)
    assert fast.converged.all() and plain.converged.all()
    np.testing.assert_allclose(fast.alphas, plain.alphas)

    sw = kw.get("sample_weight")
    swn = np.ones(n) if sw is None else sw / sw.mean()
    yc = y - np.average(y, weights=swn)
    bound = tol * np.sum(swn * yc.astype(float) ** 2) / swn.sum()
    Xd = X.toarray() if sp.issparse(X) else np.asarray(X)
    Xc = Xd - np.average(Xd, axis=0, weights=swn)
    col = np.sqrt(np.average(Xc.astype(float) ** 2, axis=0, weights=swn)).max()
    oracle = dict(fit_intercept=True, sample_weight=sw,
                  penalty_factor=kw.get("penalty_factor"),
                  positive=kw.get("positive", False))
    ref = reference_coefs(X, y, fast.alphas, l1_ratio=kw["l1_ratio"], **oracle)
    for i, alpha in enumerate(fast.alphas):
        # (the solver may certify with an extrapolated residual: the oracle
        # also tries the dual point of a far tighter reference solution)
        gap = enet_dual_gap(X, y, fast.coefs[:, i], alpha, kw["l1_ratio"], **oracle,
                            dual_coef=ref[:, i])
        # float32 inputs: the oracle recomputes in float64 from rounded data
        slack = 1.0001 if dtype == np.float64 else 1.5
        assert gap <= bound * slack + 1e-12
        kkt = enet_kkt_violation(X, y, fast.coefs[:, i], alpha, kw["l1_ratio"],
                                 **oracle)
        assert kkt <= col * np.sqrt(2 * bound * slack) * 1.01 + 1e-10
        # both solutions are within the certified radius of the optimum
        diff = np.linalg.norm(Xc @ (fast.coefs[:, i].astype(float)
                                    - plain.coefs[:, i].astype(float))
                              * np.sqrt(swn)) / np.sqrt(swn.sum())
        assert diff <= 2 * np.sqrt(2 * bound * slack) + 1e-9
        assert abs(fast.intercepts[i] - plain.intercepts[i]) <= \
            1e-6 * (1 + abs(plain.intercepts[i])) + 10 * np.sqrt(2 * bound * slack) * \
            (1 + np.abs(np.average(Xd, axis=0, weights=swn)).sum())


@pytest.mark.parametrize("layout", ["F", "csc"])
def test_single_alpha_from_zero_equals_path_end(layout):
    """A single fit (cold start) reaches the same optimum as the warm path."""
    X, y = _problem(layout, 120, 300, np.float64, seed=3)
    path = compute_path(X, y, l1_ratio=1.0, n_alphas=30, eps=1e-2, tol=1e-10,
                        fit_intercept=True)
    single = compute_path(X, y, l1_ratio=1.0, alphas=[path.alphas[-1]], tol=1e-10,
                          fit_intercept=True)
    np.testing.assert_allclose(single.coefs[:, 0], path.coefs[:, -1], atol=1e-5)


def _block_capacity(monkeypatch, features):
    """Cap the Gram block of working sets (0: solves go to the residual
    kernel) for dense and sparse X alike."""
    from fastreg import _problems
    for form in (_problems._ResidualProblem, _problems._SparseProblem):
        monkeypatch.setattr(form, "block_capacity", (features, features))


def test_working_set_gram_cache_survives_capacity_reset(monkeypatch):
    """A tiny block capacity forces the Gram-block cache to restart often."""
    from fastreg import _problems
    _block_capacity(monkeypatch, 12)
    X, y = _problem("csc", 80, 200, np.float64, seed=5)
    res = compute_path(X, y, l1_ratio=1.0, n_alphas=15, eps=1e-2, tol=1e-9,
                       precompute=False)
    ref = compute_path(X, y, l1_ratio=1.0, n_alphas=15, eps=1e-2, tol=1e-9,
                       precompute=False, working_set=False)
    assert res.converged.all()
    np.testing.assert_allclose(res.coefs, ref.coefs, atol=1e-4)


def test_lazy_gram_prefetch_matches_full_gram(monkeypatch):
    from fastreg import _problems
    monkeypatch.setattr(_problems._GramProblem, "prefetch", 1)
    X, y = _problem("csc", 300, 40, np.float64, seed=6)
    lazy = compute_path(X, y, l1_ratio=0.7, n_alphas=15, tol=1e-10, precompute="auto")
    full = compute_path(X, y, l1_ratio=0.7, n_alphas=15, tol=1e-10, precompute=True)
    np.testing.assert_allclose(lazy.coefs, full.coefs, atol=1e-6)


def test_interrupt_is_not_swallowed():
    """Ctrl-C inside a kernel surfaces as KeyboardInterrupt."""
    import _thread
    import signal
    import threading
    import time
    X, y = _problem("csc", 3000, 3000, np.float64, seed=7)
    # a process a shell starts in the background without job control has
    # SIGINT ignored, and interrupt_main then does nothing (CI run that way
    # hung here): Python's handler for the test's duration
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    deadline = time.monotonic() + 60.0      # (a failure, not a hang)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            while time.monotonic() < deadline:
                compute_path(X, y, l1_ratio=1.0, n_alphas=100, eps=1e-4, tol=1e-12,
                             precompute=False, working_set=False, max_iter=100000,
                             warn=False)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, handler)


@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("layout", ["F", "csc"])
def test_positive_unpenalised_feature_at_its_bound(layout, precompute):
    """positive=True with pf=0 on a feature whose free fit is negative: it
    stays at 0 and every gap is certified (its dual constraint is one-sided)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 10))
    y = X @ [-2, 1, 0.5, 0, 0, 0, 0, 0, 0, 1.0] + 0.1 * rng.standard_normal(80)
    Xk = sp.csc_matrix(X) if layout == "csc" else np.asfortranarray(X)
    pf = np.ones(10)
    pf[0] = 0
    res = compute_path(Xk, y, l1_ratio=1.0, n_alphas=8, penalty_factor=pf,
                       positive=True, fit_intercept=True, tol=1e-8,
                       precompute=precompute)
    assert res.converged.all()
    assert np.all(res.coefs[0] == 0) and np.all(res.coefs >= 0)
    bound = 1e-8 * np.sum((y - y.mean()) ** 2) / 80
    for i, a in enumerate(res.alphas):
        gap = enet_dual_gap(Xk, y, res.coefs[:, i], a, 1.0, fit_intercept=True,
                            penalty_factor=pf, positive=True)
        assert -1e-12 <= gap <= bound * 1.0001


def _sparse_signal(seed, n, p, density, k):
    """CSC X with positive entries, y from its first k columns plus noise;
    also the generator, for more draws."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, random_state=seed, format="csc",
                  data_rvs=lambda m: rng.uniform(0.1, 1.1, m))
    w = np.zeros(p)
    w[:k] = rng.standard_normal(k)
    return X, X @ w + 0.3 * rng.standard_normal(n), rng


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("layout", ["F", "csc"])
def test_screened_passes_keep_the_certificate(layout, positive, monkeypatch):
    """Gradient passes that skip slack features (their |u_j| replaced by a
    Cauchy-Schwarz bound) certify the same optimum as full passes."""
    from fastreg import _problems
    n, p = 400, 3000
    X, y, rng = _sparse_signal(11, n, p, 0.02, 30)
    Xk = X if layout == "csc" else np.asfortranarray(X.toarray())
    kw = dict(l1_ratio=0.9, n_alphas=40, eps=1e-2, tol=1e-7, positive=positive,
              fit_intercept=True, precompute=False)
    calls = {"partial": 0}
    partial = _problems._ResidualProblem._partial

    def counting(self, cols):
        calls["partial"] += 1
        return partial(self, cols)

    monkeypatch.setattr(_problems._ResidualProblem, "_partial", counting)
    screened = compute_path(Xk, y, **kw)
    assert calls["partial"] > 0            # the screening did run
    monkeypatch.setattr(_problems._ResidualProblem, "screen", False)
    full = compute_path(Xk, y, **kw)
    assert screened.converged.all() and full.converged.all()
    bound = 1e-7 * np.sum((y - y.mean()) ** 2) / n
    ref = reference_coefs(Xk, y, screened.alphas, l1_ratio=0.9, positive=positive,
                          fit_intercept=True)
    for i, a in enumerate(screened.alphas):
        gap = enet_dual_gap(Xk, y, screened.coefs[:, i], a, 0.9, fit_intercept=True,
                            positive=positive, dual_coef=ref[:, i])
        assert gap <= bound * 1.0001
    np.testing.assert_allclose(screened.coefs, full.coefs, atol=2e-3)


@pytest.mark.parametrize("form", ["block", "residual"])
@pytest.mark.parametrize("layout", ["F", "csc"])
def test_gradients_a_solve_hands_on_are_exact(layout, form, monkeypatch):
    """The gradient on a working set that an inner solve leaves behind (the
    block's H, the residual kernel's last check) replaces reading those
    columns again: at every certificate it must equal Xc^T S (y_c - Xc w)
    computed by NumPy, and the path must stay certified."""
    from fastreg import _problems
    n, p = 300, 1500
    X, y, rng = _sparse_signal(21, n, p, 0.05, 40)
    sw = rng.uniform(0.5, 2.0, n)
    Xk = X if layout == "csc" else np.asfortranarray(X.toarray())
    if form == "residual":
        _block_capacity(monkeypatch, 0)
    else:
        monkeypatch.setattr(_problems._ResidualProblem, "block_ratio", 0.0)
        monkeypatch.setattr(_problems._SparseProblem, "block_ratio", 0.0)
    seen = {"known": 0}
    grad = _problems._ResidualProblem.grad

    def checked(self, l1=None):
        known = self._known
        u = grad(self, l1)
        Xd = self.X.toarray() if sp.issparse(self.X) else np.asarray(self.X)
        Xc = Xd - self.mu
        r = self.y_c - Xc @ self.w
        exact = Xc.T @ (self.sw * r if self.sw.size else r)
        feats = self.all_idx if self._exact is None else self._exact
        np.testing.assert_allclose(u[feats], exact[feats], rtol=1e-9,
                                   atol=1e-11 * np.abs(exact).max())
        seen["known"] += known is not None
        return u

    monkeypatch.setattr(_problems._ResidualProblem, "grad", checked)
    res = compute_path(Xk, y, l1_ratio=0.8, n_alphas=30, eps=1e-2, tol=1e-8,
                       sample_weight=sw, fit_intercept=True, precompute=False)
    if layout == "csc" or form == "block":
        assert seen["known"] > 0        # the hand-on did happen
    assert res.converged.all()
    bound = 1e-8 * np.sum(sw * (y - np.average(y, weights=sw)) ** 2) / sw.sum()
    for i, a in enumerate(res.alphas):
        gap = enet_dual_gap(Xk, y, res.coefs[:, i], a, 0.8, fit_intercept=True,
                            sample_weight=sw)
        assert gap <= bound * 1.0001


def test_float32_solves_hand_on_no_gradient(monkeypatch):
    """float32 kernels round x_ij sw_i (and Gram entries) to float32: their
    u on the working set is not the gradient pass's, so the certificate
    reads those columns itself."""
    from fastreg import _problems
    rng = np.random.default_rng(4)
    X = sp.random(300, 800, density=0.05, random_state=4, format="csc",
                  data_rvs=lambda m: rng.uniform(0.1, 1.1, m)).astype(np.float32)
    y = np.asarray(X[:, :20] @ rng.standard_normal(20)).ravel() + rng.standard_normal(300)
    seen = {"grads": 0, "known": 0}
    grad = _problems._ResidualProblem.grad

    def spying(self, l1=None):
        seen["grads"] += 1
        seen["known"] += self._known is not None
        return grad(self, l1)

    monkeypatch.setattr(_problems._ResidualProblem, "grad", spying)
    for ratio in (0.0, 1e9):                 # block solves, then residual ones
        monkeypatch.setattr(_problems._SparseProblem, "block_ratio", ratio)
        res = compute_path(X, y, l1_ratio=1.0, n_alphas=20, eps=1e-2, tol=1e-4,
                           sample_weight=rng.uniform(0.5, 2.0, 300),
                           precompute=False)
        assert res.converged.all()
    assert seen["grads"] > 20 and seen["known"] == 0


@pytest.mark.parametrize("tol", [1e-8, 1e-11])
@pytest.mark.parametrize("variant", ["lasso", "enet", "weights", "positive"])
def test_dual_extrapolation_certificate_is_valid(monkeypatch, variant, tol):
    """On a wide, ill-conditioned dense path the extrapolated residual
    certifies far earlier than the plain one: fewer epochs, and every
    reported gap still bounds the true suboptimality (P(w) - P* from a
    polished reference), which is within tol."""
    from fastreg import _path, _problems
    X, y = make_regression(40, 400, k=12, seed=7, intercept=0.5)
    rng = np.random.default_rng(3)
    # (starts from the path's line shorten both runs alike: off, to compare
    # the certificates alone; so is an earlier residual's, which certified
    # the plain run's last alpha at tol 1e-8 in 643 epochs, not 4,675, and
    # is tested on its own in test_path)
    monkeypatch.setattr(_path, "path_start", lambda *args: None)
    monkeypatch.setattr(_problems._Problem, "_kept_gap", lambda self, gap, *args: gap)
    # (settle=False: the epochs the certificate alone needs; scikit-learn's
    # coordinate-change rule would run the primal to the same accuracy)
    kw = dict(l1_ratio=0.7 if variant == "enet" else 1.0, fit_intercept=True,
              n_alphas=15, eps=2e-3, tol=tol, max_iter=50_000, precompute=False,
              settle=False)
    oracle = {}
    if variant == "weights":
        kw["sample_weight"] = oracle["sample_weight"] = rng.uniform(0.3, 2.0, 40)
    if variant == "positive":
        kw["positive"] = oracle["positive"] = True
    acc = compute_path(X, y, **kw)
    monkeypatch.setattr(_problems._DenseProblem, "extrapolate", False)
    plain = compute_path(X, y, **kw)
    assert acc.converged.all() and plain.converged.all()
    if tol >= 1e-8:
        assert acc.n_iters.sum() < 0.9 * plain.n_iters.sum()
    ref = reference_coefs(X, y, acc.alphas, l1_ratio=kw["l1_ratio"],
                          fit_intercept=True, **oracle)
    bound = acc.gap_tol
    used = 0
    for i, a in enumerate(acc.alphas):
        best = enet_dual_gap(X, y, acc.coefs[:, i], a, kw["l1_ratio"],
                             fit_intercept=True, dual_coef=ref[:, i], **oracle)
        own = enet_dual_gap(X, y, acc.coefs[:, i], a, kw["l1_ratio"],
                            fit_intercept=True, **oracle)
        # the reported gap is a certificate: never below the suboptimality
        # (up to the oracle's own rounding of objectives of size ||y||^2/n)
        assert best <= acc.dual_gaps[i] * (1 + 1e-6) + 1e-13 * np.mean(y ** 2)
        assert acc.dual_gaps[i] <= bound
        used += acc.dual_gaps[i] < 0.5 * own
    assert used > 0          # the extrapolated point did certify some alphas


def test_oracle_dual_coef_tightens_the_gap():
    """A better dual point lowers the oracle's gap but never below the
    suboptimality; the exact solution's point gives the suboptimality."""
    X, y = make_regression(30, 120, k=8, seed=2)
    alphas = compute_path(X, y, l1_ratio=1.0, n_alphas=6, eps=1e-2).alphas
    ref = reference_coefs(X, y, alphas)
    rough = compute_path(X, y, l1_ratio=1.0, alphas=alphas, tol=1e-3).coefs
    from fastreg._objectives import enet_objective
    for i, a in enumerate(alphas):
        plain = enet_dual_gap(X, y, rough[:, i], a)
        tight = enet_dual_gap(X, y, rough[:, i], a, dual_coef=ref[:, i])
        subopt = enet_objective(X, y, rough[:, i], a) - enet_objective(X, y, ref[:, i], a)
        assert -1e-12 <= subopt <= tight * (1 + 1e-9) + 1e-15 <= plain * (1 + 1e-9) + 2e-15
        assert enet_dual_gap(X, y, ref[:, i], a) <= 1e-10 * np.sum(y ** 2) / 30


@pytest.mark.parametrize("layout", ["F", "csc"])
@pytest.mark.parametrize("k, eps, completes", [(4, 0.05, False), (150, 0.01, True)])
def test_lazy_gram_columns_and_the_switch_to_the_whole_matrix(monkeypatch, layout,
                                                              k, eps, completes):
    """Tall X in the lazy Gram form (sparse X, or dense X with a box; float64
    dense X otherwise takes the tall form, tests/test_tall.py): few entering
    features are served by batches of columns; many make the solver complete
    the whole matrix (cached columns plus one symmetric block).  Either way
    the path is the one of the precomputed Gram matrix, and certified."""
    from fastreg import _problems
    X, y = make_regression(1500, 300, k=k, seed=4, layout=layout, intercept=1.0,
                           density=0.3 if layout == "csc" else None)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, 1500)
    calls = {"complete": 0, "batches": 0}
    complete, columns = _problems._GramProblem._complete, _problems.gram_columns

    def counting_complete(self):
        calls["complete"] += 1
        return complete(self)

    def counting_columns(*args):
        calls["batches"] += 1
        return columns(*args)

    monkeypatch.setattr(_problems._GramProblem, "_complete", counting_complete)
    monkeypatch.setattr(_problems, "gram_columns", counting_columns)
    kw = dict(l1_ratio=0.9, n_alphas=30, eps=eps, tol=1e-8, fit_intercept=True,
              sample_weight=sw, upper_bounds=1e6)
    lazy = compute_path(X, y, precompute="auto", **kw)
    assert calls["batches"] >= 1 and (calls["complete"] > 0) == completes
    monkeypatch.setattr(_problems, "gram_columns", columns)
    full = compute_path(X, y, precompute=True, **kw)
    assert lazy.converged.all() and full.converged.all()
    bound = lazy.gap_tol
    for i, a in enumerate(lazy.alphas):
        gap = enet_dual_gap(X, y, lazy.coefs[:, i], a, 0.9, fit_intercept=True,
                            sample_weight=sw)
        assert gap <= bound * 1.001
    assert np.abs(lazy.coefs).max() < 1e5          # the box never binds
    scale = np.abs(full.coefs).max()
    np.testing.assert_allclose(lazy.coefs, full.coefs, atol=1e-3 * scale)


@pytest.mark.parametrize("scale", [1.0, 1e-18, 1e18])
@pytest.mark.parametrize("weighted", [False, True])
def test_float32_shadow_pass_error_bound_holds(scale, weighted):
    """The float32 pass of dense X errs by at most its stated bound, on
    columns spanning many orders of magnitude (tiny, huge, nearly empty)."""
    from fastreg._problems import _DenseProblem
    rng = np.random.default_rng(5)
    n, p = 300, 500
    X = rng.standard_normal((n, p)) * np.logspace(-6, 6, p) * scale
    X[:, 7] = 0.0
    # a column below float32's range, one at its edge (subnormal), and rows
    # of y (so of v) spanning 1e-60..1: their float32 products underflow
    X[:, 8] = rng.standard_normal(n) * 1e-60 * scale
    X[:, 9] = rng.standard_normal(n) * 1e-39 * scale
    X = np.asfortranarray(X)
    y = rng.standard_normal(n) * scale * np.logspace(-60, 0, n)
    sw = rng.uniform(0.2, 3.0, n) if weighted else None
    prob = _DenseProblem(X, y, sw, np.ones(p), True)
    w = np.zeros(p)
    w[rng.choice(p, 20, replace=False)] = rng.standard_normal(20) * 1e-70 / scale
    prob.set_coef(w)
    approx = prob._approx_grad()
    assert approx is not None
    u_apx, root, delta = approx
    exact = prob._compute_grad()
    err = np.abs(u_apx - exact)
    assert np.all(err <= root * delta), np.max(err / (root * delta))
    # and tight enough to matter: a tiny fraction of ||x_j|| ||S r||, the
    # scale of the correlations that decide entry
    v = prob.rs if sw is None else sw * prob.rs
    norms = np.linalg.norm(X, axis=0)
    scale = norms * np.linalg.norm(v)
    normal = norms > 1e-20 * np.median(norms)     # (not the underflowing ones)
    assert np.all((root * delta)[normal] <= 1e-4 * scale[normal])


def test_float32_shadow_only_where_it_pays(monkeypatch):
    """No float32 copy of float32 X, nor of X above the size cap; a path is
    the same with and without the copy."""
    from fastreg import _problems
    X, y = make_regression(60, 400, k=8, seed=9)
    prob = _problems._DenseProblem(X.astype(np.float32), y.astype(np.float32),
                                   None, np.ones(400, np.float32), False)
    assert prob._approx_grad() is None
    kw = dict(l1_ratio=0.8, n_alphas=20, eps=1e-2, tol=1e-8, fit_intercept=True)
    used = {"approx": 0}
    approx = _problems._DenseProblem._approx_grad

    def counting(self):
        out = approx(self)
        used["approx"] += out is not None
        return out

    monkeypatch.setattr(_problems._DenseProblem, "_approx_grad", counting)
    with_copy = compute_path(X, y, **kw)
    assert used["approx"] > 0
    monkeypatch.setattr(_problems._DenseProblem, "shadow_max_bytes", 0)
    prob = _problems._DenseProblem(X, y, None, np.ones(400), False)
    assert prob._approx_grad() is None
    without = compute_path(X, y, **kw)
    assert with_copy.converged.all() and without.converged.all()
    # both within the certified radius of the optimum, in prediction space
    # (P(w) - P* >= ||Xc (w - w*)||^2 / 2n)
    Xc = X - X.mean(axis=0)
    radius = np.sqrt(2 * with_copy.gap_tol)
    diff = np.linalg.norm(Xc @ (with_copy.coefs - without.coefs), axis=0)
    assert np.all(diff / np.sqrt(60) <= 2 * radius)


@pytest.mark.parametrize("layout", ["F", "csc"])
@pytest.mark.parametrize("l1_ratio, positive", [(1.0, False), (0.6, False),
                                                (0.8, True)])
def test_gap_over_exact_features_equals_the_gap_over_all(monkeypatch, layout,
                                                         l1_ratio, positive):
    """After a screened pass the gap visits only the features with an exact
    gradient; it must be the gap over every feature (bounds included)."""
    from fastreg import _problems
    rng = np.random.default_rng(8)
    n, p = 150, 2000
    X = sp.random(n, p, density=0.05, random_state=8, format="csc",
                  data_rvs=lambda m: rng.uniform(0.1, 1.1, m))
    w = np.zeros(p)
    w[:15] = rng.uniform(0.5, 2.0, 15)
    y = X @ w + 0.2 * rng.standard_normal(n)
    Xk = X if layout == "csc" else np.asfortranarray(X.toarray())
    checked = {"restricted": 0}
    certified_gap = _problems._Problem.certified_gap

    def both(self, u, l1, l2, pos, *kept):
        gap = certified_gap(self, u, l1, l2, pos, *kept)
        if self._exact is not None and \
                self._gap_features(u, l1, l2, pos) is not self.all_idx:
            saved, self._exact = self._exact, None
            # (the point's own gap both ways: without tol_abs no earlier
            # residual is scored)
            full = certified_gap(self, u, l1, l2, pos)
            self._exact = saved
            restricted = certified_gap(self, u, l1, l2, pos)
            assert restricted == pytest.approx(full, rel=1e-9, abs=1e-12 * self.yy)
            checked["restricted"] += 1
        return gap

    monkeypatch.setattr(_problems._Problem, "certified_gap", both)
    res = compute_path(Xk, y, l1_ratio=l1_ratio, n_alphas=30, eps=1e-2, tol=1e-6,
                       positive=positive, fit_intercept=True, precompute=False)
    assert res.converged.all() and checked["restricted"] > 0


def test_single_fit_goes_through_a_warm_path(monkeypatch):
    """A single alpha from zero is solved after a few warm starts from
    alpha_max (halving alpha); a coef_init skips them; the result is the
    optimum of the path at that alpha."""
    from fastreg import _path
    X, y = make_regression(60, 600, k=15, seed=12)
    # (scikit-learn's rule at tol 1e-8 needs more than 1000 epochs here, as
    # scikit-learn's Lasso does)
    path = compute_path(X, y, l1_ratio=1.0, n_alphas=12, eps=1e-2, tol=1e-8,
                        fit_intercept=True, max_iter=20_000)
    solved = []
    solve_alpha = _path._solve_alpha

    def recording(prob, l1, l2, opts, tol_abs, **kw):
        solved.append(l1 / prob.W)
        return solve_alpha(prob, l1, l2, opts, tol_abs, **kw)

    monkeypatch.setattr(_path, "_solve_alpha", recording)
    a = path.alphas[-1]
    single = compute_path(X, y, l1_ratio=1.0, alphas=[a], tol=1e-8, fit_intercept=True,
                          max_iter=20_000)
    assert single.converged.all()
    steps = np.array(solved)
    assert steps.size >= 3 and np.all(np.diff(steps) < 0) and steps[-1] == pytest.approx(a)
    assert np.all(steps[:-1] / steps[1:] <= 2.0 + 1e-9)
    Xc = X - X.mean(axis=0)
    radius = np.sqrt(2 * single.gap_tol)
    assert np.linalg.norm(Xc @ (single.coefs[:, 0] - path.coefs[:, -1])) / np.sqrt(60) \
        <= 2 * radius
    solved.clear()
    compute_path(X, y, l1_ratio=1.0, alphas=[a], tol=1e-8, fit_intercept=True,
                 coef_init=single.coefs[:, 0])
    assert len(solved) == 1


def test_auto_picks_the_gram_form_for_paths_only():
    """Tall X: Gram forms repay themselves over a path, not a single fit.
    Float64 dense X takes the tall form on paths of at most p / 5 alphas,
    unless a box, an unpenalised feature or a given Xy call for the lazy
    Gram form's full columns; longer paths take the whole Gram matrix at
    once, with or without them (float32 X: lazy columns)."""
    from fastreg._path import make_problem
    from fastreg._problems import FormSettings, _DenseProblem, _GramProblem
    from fastreg._tall import _TallProblem
    X, y = make_regression(400, 150, seed=1)
    pf = np.ones(150)
    assert isinstance(make_problem(X, y, None, pf, True, "auto", n_alphas=30),
                      _TallProblem)
    whole = make_problem(X, y, None, pf, True, "auto", n_alphas=31)
    assert isinstance(whole, _GramProblem) and whole._k == 150
    assert isinstance(make_problem(X, y, None, pf, True, "auto", n_alphas=5),
                      _DenseProblem)
    assert isinstance(make_problem(X, y, None, pf, True, True, n_alphas=1),
                      _GramProblem)
    box = np.vstack([np.full(150, -1.0), np.full(150, np.inf)])
    for lazy in [dict(settings=FormSettings(box=box)), dict(Xy=X.T @ y)]:
        prob = make_problem(X, y, None, pf, True, "auto", n_alphas=30, **lazy)
        assert isinstance(prob, _GramProblem) and prob._k == 0
    pf0 = pf.copy()
    pf0[3] = 0.0
    X32, y32 = make_regression(400, 150, seed=1, dtype=np.float32)
    for args in [(X, y, None, pf0), (X32, y32, None, pf)]:
        prob = make_problem(*args, True, "auto", n_alphas=30)
        assert isinstance(prob, _GramProblem) and prob._k == 0
    prob = make_problem(X32, y32, None, pf, True, "auto", n_alphas=31)
    assert isinstance(prob, _GramProblem) and prob._k == 0
    for args in [(X, y, None, pf0), (X, y, None, pf)]:
        prob = make_problem(*args, True, "auto", n_alphas=31, Xy=X.T @ y)
        assert isinstance(prob, _GramProblem) and prob._k == 150


def test_auto_takes_a_gram_form_for_sparse_x_only_when_dense_enough():
    """A gradient from Gram columns costs p per feature of the model where a
    pass over sparse X costs nnz(X): on TF-IDF text (0.06% entries) the Gram
    form was 20-117x slower, so sparse X takes it only at >= 10% entries."""
    import scipy.sparse as sp
    from fastreg._path import make_problem
    from fastreg._problems import _GramProblem, _SparseProblem
    rng = np.random.default_rng(0)
    pf = np.ones(150)
    for density, form in [(0.01, _SparseProblem), (0.05, _SparseProblem),
                          (0.3, _GramProblem)]:
        X = sp.random(4000, 150, density=density, format="csc", random_state=1)
        y = rng.standard_normal(4000)
        assert isinstance(make_problem(X, y, None, pf, False, "auto", n_alphas=100),
                          form), density
        # an explicit request is honoured whatever the density
        assert isinstance(make_problem(X, y, None, pf, False, True, n_alphas=100),
                          _GramProblem)


@pytest.mark.parametrize("layout", ["F", "csc"])
@pytest.mark.parametrize("positive", [False, True])
def test_anderson_extrapolation_keeps_the_certificate(layout, positive, monkeypatch):
    """Strongly correlated columns and a tight tol: the residual kernel's
    iterates are extrapolated (some extrapolations kept), every alpha is
    certified by the NumPy oracle against a near-exact reference, and the
    path agrees with the one solved without extrapolation."""
    from fastreg import _problems
    rng = np.random.default_rng(5)
    # the residual kernel (no Gram block), with epochs of 100,000 entries
    # for extrapolation, and no Newton steps (test_support_newton.py)
    _block_capacity(monkeypatch, 0)
    monkeypatch.setattr(_problems._SparseProblem, "newton_steps", False)
    n, p = (600, 400) if layout == "F" else (2000, 1500)
    Z = rng.standard_normal((n, p))
    X = Z.copy()
    for j in range(1, p):
        X[:, j] = 0.95 * X[:, j - 1] + 0.31 * Z[:, j]
    X = (np.asfortranarray(X) if layout == "F"
         else sp.csc_matrix(X * (rng.random((n, p)) < 0.1)))
    w_true = rng.standard_normal(p)
    w_true = np.abs(w_true) if positive else w_true
    y = np.asarray(X @ w_true).ravel() * 0.1 + rng.standard_normal(n)
    kw = dict(l1_ratio=0.5, n_alphas=8, eps=1e-3, tol=1e-9, fit_intercept=True,
              precompute=False, positive=positive, max_iter=200_000)
    kept = {"n": 0}
    extrapolate = _problems._ResidualProblem._extrapolate

    def counting(self, ws, hist, opts):
        before = self.w.copy()
        extrapolate(self, ws, hist, opts)
        kept["n"] += int(not np.array_equal(before, self.w))

    monkeypatch.setattr(_problems._ResidualProblem, "_extrapolate", counting)
    fast = compute_path(X, y, **kw)
    assert kept["n"] > 0 and fast.converged.all()
    if positive:
        assert np.all(fast.coefs >= 0)
    monkeypatch.setattr(_problems._ResidualProblem, "_ACCEL_MIN_WORK", np.inf)
    plain = compute_path(X, y, **kw)
    bound = 1e-9 * np.sum((y - y.mean()) ** 2) / n
    ref = reference_coefs(X, y, fast.alphas, l1_ratio=0.5, fit_intercept=True,
                          positive=positive)
    for i, a in enumerate(fast.alphas):
        gap = enet_dual_gap(X, y, fast.coefs[:, i], a, 0.5, fit_intercept=True,
                            positive=positive, dual_coef=ref[:, i])
        assert gap <= bound * 1.0001
    scale = np.abs(plain.coefs).max()
    np.testing.assert_allclose(fast.coefs, plain.coefs, atol=1e-4 * scale)


def test_paths_run_on_one_thread_and_restore_the_pools(monkeypatch):
    """BLAS and OpenMP run on one thread inside a path (their threads cost
    more than they save on a path's short calls, above all on a busy
    machine) and get their thread counts back afterwards."""
    from threadpoolctl import threadpool_info
    from fastreg import _path
    before = [(i["filepath"], i["num_threads"]) for i in threadpool_info()]
    seen = []
    make = _path.make_problem

    def spying(*args, **kwargs):
        seen.extend(i["num_threads"] for i in threadpool_info())
        return make(*args, **kwargs)

    monkeypatch.setattr(_path, "make_problem", spying)
    X, y = make_regression(200, 30, seed=3)
    compute_path(X, y, n_alphas=5)
    assert seen and set(seen) == {1}
    assert [(i["filepath"], i["num_threads"]) for i in threadpool_info()] == before


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gram_kernel_whole_gradient_sweep_equals_the_working_set_one(dtype):
    """cd_gram's contiguous update of all of H (whole_h) takes the same
    steps as the update of H[ws] alone, and leaves H = q - G w on ws."""
    from fastreg import _cd_fast
    rng = np.random.default_rng(3)
    n, p = 120, 60
    A = rng.standard_normal((n, p)) @ np.diag(rng.uniform(0.2, 3.0, p))
    A -= A.mean(axis=0)
    b = A[:, :8] @ rng.standard_normal(8) + 0.1 * rng.standard_normal(n)
    G = np.asfortranarray(A.T @ A).astype(dtype)
    q = (A.T @ b).astype(dtype)
    pf = np.ones(p, dtype=dtype)
    ws = np.sort(rng.choice(p, 45, replace=False)).astype(np.int32)
    opts = dict(l1=0.05 * np.abs(q).max(), l2=0.0, positive=False, max_epochs=40,
                tol=0.0, check_every=10, dw_tol=-1.0)
    runs = []
    for whole in (False, True):
        w, H = np.zeros(p, dtype=dtype), q.astype(np.float64)
        scal = np.array([0.0, 0.0, float(b @ b), float(n)])
        e, _ = _cd_fast.cd_gram(G, q, pf, w, H, scal, ws, opts, np.empty((0, 0)),
                                np.arange(p, dtype=np.int64), whole)
        runs.append((e, w, H))
    (e0, w0, H0), (e1, w1, H1) = runs
    assert e0 == e1 == 40 and np.count_nonzero(w0) > 3
    np.testing.assert_array_equal(w0, w1)
    np.testing.assert_array_equal(H0[ws], H1[ws])
    exact = q.astype(np.float64) - G.astype(np.float64) @ w1.astype(np.float64)
    rel = 1e-9 if dtype == np.float64 else 1e-5     # float32 steps, q, G
    np.testing.assert_allclose(H1, exact, rtol=rel, atol=rel * np.abs(q).max())


def test_path_start_is_exact_while_the_support_holds():
    """On a stretch of the lasso path where no feature enters or leaves, the
    solution is affine in alpha: the line through two solutions gives the
    third (here against NumPy's solution of the optimality conditions on a
    fixed support and signs); a coefficient it takes across zero stops at 0."""
    from types import SimpleNamespace
    from fastreg._path import path_start
    rng = np.random.default_rng(8)
    n, p = 200, 30
    X = rng.standard_normal((n, p))
    y = X[:, :6] @ rng.uniform(1.0, 2.0, 6) + 0.5 * rng.standard_normal(n)
    y -= y.mean()
    grid = 0.3 * np.abs(X.T @ y).max() / n * np.array([1.0, 0.99, 0.975])
    S = np.flatnonzero(reference_coefs(X, y, grid[:1])[:, 0])
    s = np.sign(reference_coefs(X, y, grid[:1])[S, 0])
    sols = np.zeros((p, 3))
    for i, a in enumerate(grid):
        sols[S, i] = np.linalg.solve(X[:, S].T @ X[:, S], X[:, S].T @ y - n * a * s)
        r = y - X @ sols[:, i]
        assert np.all(np.sign(sols[S, i]) == s)                 # the support holds
        assert np.abs(X.T @ r).max() / n <= a * (1 + 1e-12)
    prob = SimpleNamespace(w=sols[:, 1].copy(), support=lambda: S)
    feats, pred = path_start(prob, sols, grid, 2)
    np.testing.assert_array_equal(feats, S)
    np.testing.assert_allclose(pred, sols[S, 2], rtol=1e-10, atol=1e-12)
    # (no start at the first two alphas, nor on a grid that is not decreasing)
    assert path_start(prob, sols, grid, 1) is None
    assert path_start(prob, sols, grid[::-1].copy(), 2) is None
    # the line taken across zero stops there
    prob = SimpleNamespace(w=np.zeros(p), support=lambda: S[:1])
    prob.w[S[0]] = 0.1
    before = np.zeros((p, 3))
    before[S[0], 0] = 1.0
    feats, pred = path_start(prob, before, np.array([3.0, 2.0, 1.0]), 2)
    assert pred.tolist() == [0.0]


@pytest.mark.parametrize("l2", [0.0, 3.0])
@pytest.mark.parametrize("accept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gram_jump_changes_h_and_the_stats_as_numpy_says(accept, dtype, l2):
    """A proposed move of the working set on a Gram block is taken exactly
    when the objective falls, and then H = q - G w, A = r^T y_c and
    B = r^T r follow it (rows and columns of G in slot order, shuffled)."""
    from fastreg._problems import gram_jump
    rng = np.random.default_rng(5)
    n, p = 150, 40
    A = rng.standard_normal((n, p))
    A -= A.mean(axis=0)
    b = A[:, :5] @ rng.uniform(1, 2, 5) + 0.3 * rng.standard_normal(n)
    b -= b.mean()
    perm = rng.permutation(p)                    # feature j sits in slot perm[j]
    G = np.empty((p + 7, p + 7), dtype=dtype, order="F")   # spare storage
    G[np.ix_(perm, perm)] = (A.T @ A).astype(dtype)
    G64 = G[:p, :p].astype(np.float64)
    q = (A.T @ b).astype(dtype)
    qs = np.empty(p)
    qs[perm] = q
    ws = np.sort(rng.choice(p, 25, replace=False))
    slots = perm[ws].astype(np.int32)
    w_old = np.zeros(p)
    w_old[ws[:6]] = rng.uniform(0.5, 1.5, 6)
    ws_old = w_old[ws]
    l1 = 0.1 * np.abs(q).max()
    good = np.linalg.lstsq(A[:, ws], b, rcond=None)[0]     # much lower loss
    new = good if accept else ws_old + 10.0 * rng.standard_normal(ws.size)
    new = new.astype(dtype).astype(np.float64)

    def objective(v):
        r = b - A[:, ws] @ v
        return 0.5 * r @ r + l1 * np.abs(v).sum() + 0.5 * l2 * v @ v

    ws_sl = np.zeros(p)
    ws_sl[slots] = ws_old
    H = qs - G64 @ ws_sl
    r_old = b - A[:, ws] @ ws_old
    scal = np.array([0.0, r_old @ b, r_old @ r_old, float(n)])
    H0, scal0 = H.copy(), scal.copy()
    opts = dict(l1=l1, l2=l2)
    took = gram_jump(G, slots, slots, H, ws_old, new, q[ws],
                     np.ones(ws.size, dtype=dtype), opts, scal)
    assert took == (objective(new) < objective(ws_old)) == accept
    if not accept:
        np.testing.assert_array_equal(H, H0)
        np.testing.assert_array_equal(scal, scal0)
        return
    ws_sl[slots] = new
    r = b - A[:, ws] @ new
    rel = 1e-9 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(H[slots], (qs - G64 @ ws_sl)[slots], rtol=rel,
                               atol=rel * np.abs(q).max())
    np.testing.assert_allclose(scal[1:3], [r @ b, r @ r], rtol=rel)


@pytest.mark.parametrize("form", ["block", "residual", "gram"])
def test_a_solve_starts_from_the_proposed_point(form, monkeypatch):
    """Proposed the solution itself, every form's solve starts there: each
    alpha then takes one or two epochs, and the path stays certified."""
    from fastreg import _path, _problems
    X, y = make_regression(80, 200, seed=4, k=10)
    alphas = 0.9 ** np.arange(2, 14) * np.abs(X.T @ (y - y.mean())).max() / 80
    ref = reference_coefs(X, y, alphas, l1_ratio=0.7, fit_intercept=True)
    if form == "residual":
        _block_capacity(monkeypatch, 0)
    elif form == "block":
        monkeypatch.setattr(_problems._ResidualProblem, "block_ratio", 0.0)
    precompute = form == "gram"
    kw = dict(alphas=alphas, l1_ratio=0.7, fit_intercept=True, tol=1e-9,
              precompute=precompute)
    plain = compute_path(X, y, **kw)

    def oracle(prob, coefs, grid, i):
        j = int(np.flatnonzero(alphas == grid[i])[0])
        feats = np.flatnonzero(ref[:, j] != 0)
        return feats, ref[feats, j]

    monkeypatch.setattr(_path, "path_start", oracle)
    told = compute_path(X, y, **kw)
    assert told.converged.all() and plain.converged.all()
    assert told.n_iters[1:].max() <= 2 < plain.n_iters[1:].max()
    bound = 1e-9 * np.sum((y - y.mean()) ** 2) / 80
    for i, a in enumerate(told.alphas):
        gap = enet_dual_gap(X, y, told.coefs[:, i], a, 0.7, fit_intercept=True,
                            dual_coef=ref[:, i])
        assert gap <= bound * 1.0001


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("centred", [False, True])
def test_gram_rows_kernel_writes_centred_rows_into_a_block_in_place(weighted, centred):
    """gram_rows_sparse writes the (weighted, centred) Gram rows of new
    features against the cached ones straight into the block's new columns
    (a transposed Fortran slice), overwriting what was there."""
    from fastreg import _cd_fast
    rng = np.random.default_rng(9)
    n, p = 90, 40
    X = sp.random(n, p, density=0.2, random_state=9, format="csc")
    sw = rng.uniform(0.5, 2.0, n) if weighted else np.empty(0)
    R = X.tocsr()
    slot = np.full(p, -1, dtype=np.int32)
    feats = rng.choice(p, 25, replace=False).astype(np.int32)
    slot[feats] = np.arange(25, dtype=np.int32)
    new = feats[18:]
    swv = sw if weighted else np.ones(n)
    mu = (X.T @ swv) / swv.sum() if centred else np.zeros(p)
    Xd = X.toarray() - mu
    exact = (Xd[:, new] * swv[:, None]).T @ Xd[:, feats]
    G = np.full((32, 32), np.nan, order="F")               # spare storage, garbage
    out = G[:25, 18:25].T
    _cd_fast.gram_rows_sparse(X.data, X.indices, X.indptr, R.data,
                              R.indices.astype(np.int32), R.indptr.astype(np.int64),
                              sw, slot, new,
                              swv.sum() * mu[new] if centred else np.empty(0),
                              mu[feats] if centred else np.empty(0), out)
    np.testing.assert_allclose(G[:25, 18:25], exact.T, rtol=1e-12, atol=1e-12)
    assert np.isnan(G[25:, 18:25]).all() and np.isnan(G[:, :18]).all()
    with pytest.raises(ValueError, match="contiguous"):
        _cd_fast.gram_rows_sparse(X.data, X.indices, X.indptr, R.data,
                                  R.indices.astype(np.int32), R.indptr.astype(np.int64),
                                  sw, slot, new, np.empty(0), np.empty(0),
                                  np.zeros((25, 7)).T)


def test_gather_block_copies_a_working_sets_rows():
    """gather_block copies G[slots][:, slots] into contiguous storage, and
    refuses slots outside G or storage of the wrong shape."""
    from fastreg import _cd_fast
    rng = np.random.default_rng(3)
    G = np.asfortranarray(rng.standard_normal((30, 30)))
    slots = np.array([2, 5, 6, 17, 29], dtype=np.int32)
    for dtype in (np.float64, np.float32):
        out = np.full((5, 5), np.nan, dtype=dtype, order="F")
        _cd_fast.gather_block(np.asfortranarray(G.astype(dtype)), slots, out)
        np.testing.assert_array_equal(out, G.astype(dtype)[np.ix_(slots, slots)])
    with pytest.raises(ValueError, match="slot 30"):
        _cd_fast.gather_block(G, np.array([1, 30], dtype=np.int32), np.empty((2, 2), order="F"))
    with pytest.raises(ValueError, match="not 5 x 5"):
        _cd_fast.gather_block(G, slots, np.empty((5, 4), order="F"))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("variant", ["lasso", "weights", "bounds"])
def test_block_solves_on_a_contiguous_copy_match_solves_in_place(monkeypatch, dtype,
                                                                 variant):
    """A working set solved on a contiguous copy of its block rows (every
    block solve here) takes the same steps as on the cache in place: the
    same path bit for bit, every alpha certified by the NumPy oracle."""
    from fastreg import _cd_fast, _problems
    n, p = 300, 1500
    X, y, rng = _sparse_signal(31, n, p, 0.05, 60)
    X = X.astype(dtype)
    kw = dict(l1_ratio=0.9, n_alphas=25, eps=1e-2, tol=1e-8, precompute=False,
              penalty_factor=rng.uniform(0.5, 2.0, p))
    if variant == "weights":
        kw.update(sample_weight=rng.uniform(0.5, 2.0, n), fit_intercept=True)
    if variant == "bounds":
        # per feature, so that a box indexed by slot instead of by feature shows
        kw.update(lower_bounds=-rng.choice([0.05, 0.3, 1.0], p),
                  upper_bounds=rng.choice([0.1, 0.5, 2.0], p))
    monkeypatch.setattr(_problems._SparseProblem, "block_ratio", 0.0)
    calls = {"n": 0}
    gather = _cd_fast.gather_block

    def counting(*args):
        calls["n"] += 1
        return gather(*args)

    monkeypatch.setattr(_cd_fast, "gather_block", counting)
    monkeypatch.setattr(_problems._ResidualProblem, "compact_from", 10 ** 9)
    in_place = compute_path(X, y, **kw)
    assert calls["n"] == 0
    monkeypatch.setattr(_problems._ResidualProblem, "compact_from", 1)
    monkeypatch.setattr(_problems._ResidualProblem, "compact_ratio", 1.0)
    copied = compute_path(X, y, **kw)
    assert calls["n"] >= 20
    assert copied.converged.all()
    # (the same operations on the working set's rows, in the same order)
    np.testing.assert_array_equal(copied.coefs, in_place.coefs)
    if dtype == np.float64:
        sw = kw.get("sample_weight")
        yc = y - np.average(y, weights=sw)
        bound = 1e-8 * np.average(yc ** 2, weights=sw)
        fi = kw.get("fit_intercept", False)
        for i, a in enumerate(copied.alphas):
            if variant == "bounds":
                gap = enet_dual_gap_box(X, y, copied.coefs[:, i], a, 0.9,
                                        lower_bounds=kw["lower_bounds"],
                                        upper_bounds=kw["upper_bounds"], fit_intercept=fi,
                                        penalty_factor=kw["penalty_factor"])
            else:
                gap = enet_dual_gap(X, y, copied.coefs[:, i], a, 0.9, fit_intercept=fi,
                                    sample_weight=sw, penalty_factor=kw["penalty_factor"])
            assert gap <= bound * 1.0001


@pytest.mark.parametrize("form", ["residual", "block"])
@pytest.mark.parametrize("layout", ["F", "csc"])
@pytest.mark.parametrize("variant", ["weights", "unpenalised", "ill_conditioned"])
def test_certificates_reuse_statistics_only_of_the_same_residual(monkeypatch, layout,
                                                                 variant, form):
    """An alpha's first certificate reuses the last one's (A, B) (the same
    w): at every certificate they must equal those of the residual computed
    by NumPy from X and w, through weights, an intercept, unpenalised
    features' exact steps, the residual kernel's extrapolation and Newton
    steps; some certificates must have reused them."""
    from fastreg import _problems
    rng = np.random.default_rng(17)
    n, p = 1000, 150
    X = rng.standard_normal((n, p))
    if variant == "ill_conditioned":
        X[:, 1:] = X[:, :1] + 0.3 * X[:, 1:]        # strongly correlated columns
    y = X[:, :10] @ rng.standard_normal(10) + 0.5 * rng.standard_normal(n)
    Xk = np.asfortranarray(X) if layout == "F" else sp.csc_matrix(X)
    kw = dict(l1_ratio=1.0, n_alphas=30, eps=1e-3, tol=1e-9, precompute=False,
              fit_intercept=True, max_iter=100_000)
    if variant == "weights":
        kw["sample_weight"] = rng.uniform(0.0, 2.0, n)
    if variant == "unpenalised":
        pf = np.ones(p)
        pf[:3] = 0.0
        kw["penalty_factor"] = pf
    if form == "residual":
        _block_capacity(monkeypatch, 0)       # the residual kernel's own steps
    else:
        monkeypatch.setattr(_problems._ResidualProblem, "block_ratio", 0.0)
        monkeypatch.setattr(_problems._SparseProblem, "block_ratio", 0.0)
    seen = {"certificates": 0, "reused": 0}
    certificate_stats = _problems._ResidualProblem._certificate_stats

    def checked(self):
        seen["reused"] += self._certified is not None
        A, B = certificate_stats(self)
        seen["certificates"] += 1
        Xd = self.X.toarray() if sp.issparse(self.X) else np.asarray(self.X)
        r = self.y_c - (Xd - self.mu) @ self.w
        s = self.sw if self.sw.size else np.ones(n)
        np.testing.assert_allclose([A, B], [np.sum(s * r * self.y_c), np.sum(s * r * r)],
                                   rtol=1e-9, atol=1e-12 * self.yy)
        return A, B

    monkeypatch.setattr(_problems._ResidualProblem, "_certificate_stats", checked)
    res = compute_path(Xk, y, **kw)
    assert res.converged.all()
    assert seen["reused"] >= 20 and seen["certificates"] > seen["reused"]


@pytest.mark.parametrize("layout", ["F", "csc"])
def test_a_warm_start_renews_the_certificates_statistics(layout):
    """set_coef between two certificates (a warm start) changes the
    residual: the second certificate's (A, B) are the new w's."""
    from fastreg import _problems
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 8))
    y = X @ rng.standard_normal(8)
    Xk = np.asfortranarray(X) if layout == "F" else sp.csc_matrix(X)
    form = _problems._DenseProblem if layout == "F" else _problems._SparseProblem
    prob = form(Xk, y, None, np.ones(8), False)
    l1 = 0.1 * np.abs(prob.grad()).max()
    prob.certified_gap(prob.grad(l1), l1, 0.0, False)
    w = rng.standard_normal(8)
    prob.set_coef(w)
    r = y - X @ w
    assert prob._certificate_stats() == pytest.approx((r @ y, r @ r), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_residual_stats_with_the_screening_distance_in_one_pass(weighted):
    """residual_stats gives [sum sw r, sum sw r y, sum sw r^2] and, with a
    reference, sum sw (r - r_ref + shift)^2; mismatched lengths are refused."""
    from fastreg import _cd_fast
    rng = np.random.default_rng(8)
    rs, ref, yc = rng.standard_normal((3, 50))
    sw = rng.uniform(0.0, 2.0, 50) if weighted else np.empty(0)
    s = sw if weighted else np.ones(50)
    out = np.full(4, np.nan)
    _cd_fast.residual_stats(rs, yc, sw, out, ref, 0.3)
    np.testing.assert_allclose(out, [s @ rs, s @ (rs * yc), s @ rs ** 2,
                                     s @ (rs - ref + 0.3) ** 2], rtol=1e-13)
    out3 = np.full(3, np.nan)
    _cd_fast.residual_stats(rs, yc, sw, out3)
    np.testing.assert_array_equal(out3, out[:3])
    with pytest.raises(ValueError, match="needs 4"):
        _cd_fast.residual_stats(rs, yc, sw, out3, ref, 0.0)
    with pytest.raises(ValueError, match="different lengths"):
        _cd_fast.residual_stats(rs, yc, sw, out, ref[:10], 0.0)


def test_screening_distance_is_the_residuals_own(monkeypatch):
    """The screened pass's ||r - r_ref||_S (from the certificate's pass over
    the residual) equals NumPy's, offsets included, at every screened pass,
    and the pass's features skipped by the bound really are below it."""
    from fastreg import _problems
    n, p = 400, 3000
    X, y, rng = _sparse_signal(11, n, p, 0.02, 30)
    sw = rng.uniform(0.5, 2.0, n)
    seen = {"passes": 0}
    distance = _problems._ResidualProblem._distance

    def checked(self, rs_ref, o_ref):
        d = distance(self, rs_ref, o_ref)
        diff = (self.rs + self.scal[0]) - (rs_ref + o_ref)
        assert d == pytest.approx(np.sqrt(np.sum(self.sw * diff ** 2)), rel=1e-12)
        seen["passes"] += 1
        return d

    grad = _problems._ResidualProblem.grad

    def bounded(self, l1=None):
        u = grad(self, l1)
        if self._skipped is not None:
            Xc = X.toarray() - self.mu
            exact = Xc.T @ (self.sw * (self.y_c - Xc @ self.w))
            assert np.all(np.abs(exact[self._skipped]) <= u[self._skipped] * (1 + 1e-12))
        return u

    monkeypatch.setattr(_problems._ResidualProblem, "_distance", checked)
    monkeypatch.setattr(_problems._ResidualProblem, "grad", bounded)
    res = compute_path(X, y, l1_ratio=0.9, n_alphas=40, eps=1e-2, tol=1e-7,
                       fit_intercept=True, sample_weight=sw, precompute=False)
    assert res.converged.all() and seen["passes"] >= 20
