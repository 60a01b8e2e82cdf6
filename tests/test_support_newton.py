"""The support's Newton step of the least-squares residual kernel
(``fastreg._support_newton``): its kernels against NumPy, its conjugate
gradients against a direct solve, and paths that take it against the NumPy
oracle and against paths that do not."""
import numpy as np
import pytest
import scipy.sparse as sp

from fastreg import _cd_fast, _problems
from fastreg._objectives import enet_dual_gap
from fastreg._path import compute_path
from fastreg._support_newton import newton_direction, signed_step, violation_cost

from datasets import reference_coefs


def _csr(rng, n, m, density, dtype=np.float64):
    X = sp.random(n, m, density=density, random_state=np.random.RandomState(rng.integers(1 << 30)),
                  format="csr", dtype=np.float64)
    X.data -= 0.5
    return X.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("centred", [False, True])
def test_normal_matvec_is_the_centred_weighted_normal_product(dtype, weighted, centred):
    rng = np.random.default_rng(0)
    n, m = 300, 40
    X = _csr(rng, n, m, 0.1, dtype)
    sw = rng.uniform(0.1, 3.0, n).astype(dtype) if weighted else np.empty(0, dtype)
    mu = rng.normal(size=m) if centred else np.empty(0)
    v = rng.normal(size=m)
    out = np.full(m, np.nan)
    _cd_fast.normal_matvec(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64),
                           sw, mu, v, out)
    Xc = X.toarray().astype(np.float64) - (mu if centred else 0.0)
    s = sw.astype(np.float64) if weighted else np.ones(n)
    np.testing.assert_allclose(out, Xc.T @ (s * (Xc @ v)), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="must hold 40"):
        _cd_fast.normal_matvec(X.data, X.indices.astype(np.int32),
                               X.indptr.astype(np.int64), sw, mu, v[:-1], out)


def test_rows_subset_is_the_columns_as_csr():
    rng = np.random.default_rng(1)
    X = _csr(rng, 200, 60, 0.15)
    S = np.array([41, 3, 17, 59, 0, 22])          # any order: slot k is S[k]
    slot = np.full(60, -1, dtype=np.int32)
    slot[S] = np.arange(S.size, dtype=np.int32)
    nnz = int(np.diff(X.tocsc().indptr)[S].sum())
    out = (np.empty(nnz), np.empty(nnz, dtype=np.int32), np.empty(201, dtype=np.int64))
    _cd_fast.rows_subset(X.data, X.indices.astype(np.int32), X.indptr.astype(np.int64),
                         slot, *out)
    sub = sp.csr_matrix(out, shape=(200, S.size))
    np.testing.assert_array_equal(sub.toarray(), X.toarray()[:, S])
    short = (np.empty(nnz - 1), np.empty(nnz - 1, dtype=np.int32), out[2])
    with pytest.raises(ValueError, match="fewer values"):
        _cd_fast.rows_subset(X.data, X.indices.astype(np.int32),
                             X.indptr.astype(np.int64), slot, *short)


def test_newton_direction_solves_the_system_and_stops_on_the_violation():
    rng = np.random.default_rng(2)
    m = 30
    A = rng.normal(size=(80, m)) @ np.diag(np.geomspace(1, 30, m))
    H = A.T @ A + 1e-3 * np.eye(m)
    g = rng.normal(size=m)
    pf = rng.uniform(0.5, 2.0, m)
    w = rng.normal(size=m)
    d, k = newton_direction(lambda v: H @ v, g, np.diag(H).copy(), pf, w, 0.0, 10 * m)
    np.testing.assert_allclose(d, np.linalg.solve(H, -g), rtol=1e-7, atol=1e-9)
    assert 0 < k <= 10 * m
    # the stopping rule: the violation left, weighted as the dual scaling
    # weighs it, against the stop
    cost0 = np.max(np.abs(g) / pf) * (pf @ np.abs(w))
    assert violation_cost(g, pf, w) == pytest.approx(cost0)
    d, k = newton_direction(lambda v: H @ v, g, np.diag(H).copy(), pf, w, cost0, 100)
    assert k == 0 and not d.any()
    d, k = newton_direction(lambda v: H @ v, g, np.diag(H).copy(), pf, w, 1e-3 * cost0, 100)
    assert k > 0 and violation_cost(g + H @ d, pf, w + d) <= 1e-3 * cost0
    # k counts the products made, the one that met no curvature included
    calls = []
    flat = np.zeros((m, m))
    d, k = newton_direction(lambda v: calls.append(1) or flat @ v, g, np.ones(m), pf, w,
                            0.0, 100)
    assert k == len(calls) == 1 and not d.any()
    calls.clear()
    d, k = newton_direction(lambda v: calls.append(1) or H @ v, g, np.diag(H).copy(), pf,
                            w, 1e-3 * cost0, 100)
    assert k == len(calls)


def test_signed_step_stays_on_the_orthant():
    w = np.array([1.0, -2.0, 0.5, -0.1])
    d = np.array([-0.5, 3.0, -0.6, 0.05])
    np.testing.assert_array_equal(signed_step(w, d), [0.5, 0.0, 0.0, -0.05])


def _correlated_sparse(seed, n=2000, p=1500, positive=False):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = Z.copy()
    for j in range(1, p):
        X[:, j] = 0.95 * X[:, j - 1] + 0.31 * Z[:, j]
    X = sp.csc_matrix(X * (rng.random((n, p)) < 0.1))
    w_true = rng.standard_normal(p)
    w_true = np.abs(w_true) if positive else w_true
    y = np.asarray(X @ w_true).ravel() * 0.1 + rng.standard_normal(n)
    return X, y, rng


@pytest.mark.parametrize("variant", ["plain", "weights", "positive", "enet"])
def test_paths_with_support_steps_are_certified(variant, monkeypatch):
    """Correlated sparse columns at a tight tol, the residual kernel on large
    working sets: Newton steps are taken (forced after every chunk), each
    refused step leaves the state as it was, every alpha is certified by the
    NumPy oracle, and the path agrees with the one solved without steps."""
    positive = variant == "positive"
    X, y, rng = _correlated_sparse(7, positive=positive)
    sw = rng.uniform(0.2, 3.0, X.shape[0]) if variant == "weights" else None
    pf = rng.uniform(0.2, 3.0, X.shape[1])
    l1_ratio = 0.5 if variant == "enet" else 1.0
    for form in (_problems._ResidualProblem, _problems._SparseProblem):
        monkeypatch.setattr(form, "block_capacity", (0, 0))
    monkeypatch.setattr(_problems._ResidualProblem, "_NEWTON_AFTER", 1)
    monkeypatch.setattr(_problems._ResidualProblem, "_NEWTON_FROM", 0.0)
    # (conjugate gradients to the end: the step is the support's minimiser)
    monkeypatch.setattr(_problems._ResidualProblem, "_NEWTON_STOP", 0.0)
    monkeypatch.setattr(_problems._ResidualProblem, "_NEWTON_MAX_ITER", 2000)
    seen = {"taken": 0, "refused": 0, "exact": 0}
    step = _problems._ResidualProblem._support_step

    def objective(prob, opts):
        # from X itself, not from the solver's residual
        w = prob.w.astype(np.float64)
        r = prob.y_c - (prob.X @ w - prob.mu.astype(np.float64) @ w)
        s = prob.sw if prob.sw.size else 1.0
        return (0.5 * np.sum(s * r * r) + opts["l1"] * prob.pf @ np.abs(w)
                + 0.5 * opts["l2"] * prob.pf @ (w * w)), r, s

    def spying(self, ws, opts, u_ws):
        if not isinstance(self, _problems._SparseProblem):   # (the reference's dense X)
            return step(self, ws, opts, u_ws)
        before = (self.w.copy(), self.rs.copy(), self.scal.copy())
        f0, r, s = objective(self, opts)
        # the chunk's last check left u[ws] exact at the current w
        Xc = self.X[:, ws].toarray() - self.mu[ws]
        np.testing.assert_allclose(u_ws, Xc.T @ (s * r), rtol=1e-9,
                                   atol=1e-9 * np.abs(u_ws).max())
        taken = step(self, ws, opts, u_ws)
        if taken:
            seen["taken"] += 1
            f1, r, s = objective(self, opts)
            assert f1 < f0
            S = ws[before[0][ws] != 0]
            if np.array_equal(S, ws[self.w[ws] != 0]):
                # no sign left the orthant: the support's gradient vanishes
                seen["exact"] += 1
                Xc = self.X[:, S].toarray() - self.mu[S]
                u = Xc.T @ (s * r)
                w = self.w[S]
                g = self.pf[S] * (opts["l1"] * np.sign(w) + opts["l2"] * w) - u
                assert np.max(np.abs(g)) <= 1e-7 * np.max(np.abs(u))
        else:
            seen["refused"] += 1
            np.testing.assert_array_equal(self.w, before[0])
            np.testing.assert_array_equal(self.rs, before[1])
            np.testing.assert_array_equal(self.scal, before[2])
        return taken

    monkeypatch.setattr(_problems._ResidualProblem, "_support_step", spying)
    kw = dict(l1_ratio=l1_ratio, n_alphas=8, eps=1e-3, tol=1e-9, fit_intercept=True,
              precompute=False, positive=positive, sample_weight=sw, penalty_factor=pf,
              max_iter=200_000)
    fast = compute_path(X, y, **kw)
    assert seen["exact"] > 0 and fast.converged.all()
    if positive:
        assert np.all(fast.coefs >= 0)
    monkeypatch.setattr(_problems._SparseProblem, "newton_steps", False)
    plain = compute_path(X, y, **kw)
    W = X.shape[0] if sw is None else sw.sum()
    s = np.ones(X.shape[0]) if sw is None else sw
    yc = y - np.average(y, weights=s)
    bound = 1e-9 * np.sum(s * yc ** 2) / W
    ref = reference_coefs(X, y, fast.alphas, l1_ratio=l1_ratio, fit_intercept=True,
                          positive=positive, sample_weight=sw, penalty_factor=pf)
    for i, a in enumerate(fast.alphas):
        gap = enet_dual_gap(X, y, fast.coefs[:, i], a, l1_ratio, fit_intercept=True,
                            positive=positive, sample_weight=sw, penalty_factor=pf,
                            dual_coef=ref[:, i])
        assert gap <= bound * 1.0001
    scale = np.abs(plain.coefs).max()
    np.testing.assert_allclose(fast.coefs, plain.coefs, atol=1e-4 * scale)


def test_no_support_step_where_it_does_not_hold(monkeypatch):
    """Bounds and pf = 0 features leave the orthant's quadratic, float32 X
    would not match the float64 residual, low_memory allows no copy of X_S,
    and a lasso support of n features has a singular Newton system: no
    step.  A refused step waits twice as long before the next try."""
    from fastreg import config_context
    X, y, _ = _correlated_sparse(8, n=1000, p=600)
    for form in (_problems._ResidualProblem, _problems._SparseProblem):
        monkeypatch.setattr(form, "block_capacity", (0, 0))
    monkeypatch.setattr(_problems._ResidualProblem, "_NEWTON_AFTER", 1)
    monkeypatch.setattr(_problems._ResidualProblem, "_NEWTON_FROM", 0.0)
    monkeypatch.setattr(_problems._ResidualProblem, "_ACCEL_MIN_WORK", 0)
    calls = []
    monkeypatch.setattr(_problems, "newton_direction",
                        lambda *a: calls.append(1) or (np.zeros_like(a[1]), 0))
    pf = np.ones(X.shape[1])
    pf[:3] = 0.0
    kw = dict(n_alphas=5, eps=1e-2, tol=1e-8, precompute=False)
    for case in (dict(upper_bounds=0.5), dict(penalty_factor=pf)):
        assert compute_path(X, y, **kw, **case).converged.all()
    assert compute_path(X.astype(np.float32), y, **kw).converged.all()
    with config_context(low_memory=True):
        assert compute_path(X, y, **kw).converged.all()
    assert not calls
    # the same path without them tries (a zero step, always refused): tries
    # come after 1, 2, 4, ... chunks of a solve, never after every chunk
    tries, chunks = [], []
    step = _problems._ResidualProblem._support_step
    solve = _problems._SparseProblem._solve_residual

    def counting_chunks(self, ws, opts, *a):
        chunks.append(1)
        return solve(self, ws, opts, *a)

    def counting_tries(self, *a):
        tries.append(len(chunks))
        return step(self, *a)

    monkeypatch.setattr(_problems._SparseProblem, "_solve_residual", counting_chunks)
    monkeypatch.setattr(_problems._ResidualProblem, "_support_step", counting_tries)
    compute_path(X, y, **kw)
    assert calls and len(tries) < 0.6 * len(chunks)


@pytest.mark.parametrize("l2", [0.0, 1.0])
def test_no_lasso_step_on_a_support_of_rank_size(l2, monkeypatch):
    """A lasso support of n - 1 features (with the intercept) has a singular
    Newton system: no step is tried; the elastic net's l2 keeps it regular."""
    from fastreg._path import make_problem
    X, y, _ = _correlated_sparse(9, n=40, p=100)
    prob = make_problem(X, y, None, np.ones(100), True, False)
    assert isinstance(prob, _problems._SparseProblem)
    w = np.zeros(100)
    w[:39] = 0.1
    prob.set_coef(w)
    ws = np.arange(100, dtype=np.int32)
    u = np.empty(100)
    prob._grad_cols(ws, u)
    calls = []
    monkeypatch.setattr(_problems, "newton_direction",
                        lambda *a: calls.append(1) or (np.zeros_like(a[1]), 0))
    opts = dict(l1=1e-3, l2=l2, tol=1e-12, positive=False)
    assert not prob._support_step(ws, opts, u)
    assert bool(calls) == (l2 > 0)
