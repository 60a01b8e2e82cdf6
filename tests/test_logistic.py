"""Logistic paths and LogisticRegression against independent float64 oracles.

The oracle objective, KKT residual and reference minimiser below are plain
NumPy / SciPy (L-BFGS-B on the split w = w+ - w-), sharing nothing with
fastreg's solver.
"""
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastreg import LogisticRegression, LogisticRegressionCV, enet_path, logistic_path
from fastreg._datafits import Binomial, Multinomial, Quadratic
from fastreg._newton import (_PRIVATE, _SETTLED, _SKIP_RUN, _SKIP_RUN_MAX, Design,
                             ProxNewton, compact_model, dual_sums, metric_projection,
                             model_direct, newton_path, stalled)
from fastreg._penalties import ElasticNetPenalty


def make(n=120, p=25, seed=0, sparse=False, dtype=np.float64, shift=0.3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if sparse:
        X[rng.random((n, p)) < 0.7] = 0.0
    w = np.zeros(p)
    w[:5] = [2.0, -1.5, 1.0, 0.5, -2.0][:min(p, 5)]
    y = (X @ w + shift + rng.standard_normal(n) > 0).astype(int)
    X = X.astype(dtype)
    return (sp.csc_matrix(X) if sparse else X), y


def dense(X):
    return (X.toarray() if sp.issparse(X) else np.asarray(X)).astype(np.float64)


def defaults(X, sw, pf, lo, hi):
    """(dense float64 X, c = sw / sum(sw), pf, lo, hi) with the defaults filled."""
    X = dense(X)
    n, p = X.shape
    c = np.full(n, 1.0 / n) if sw is None else sw / np.sum(sw)
    return (X, c, np.ones(p) if pf is None else pf,
            np.full(p, -np.inf) if lo is None else lo,
            np.full(p, np.inf) if hi is None else hi)


def objective(X, y, w, b, alpha, l1_ratio, sw=None, pf=None):
    """(1/W) sum sw_i [log(1 + e^eta) - y eta] + alpha * penalty, in float64."""
    X = dense(X)
    n, p = X.shape
    c = np.full(n, 1.0 / n) if sw is None else sw / np.sum(sw)
    pf = np.ones(p) if pf is None else pf
    eta = X @ w + b
    loss = c @ (np.logaddexp(0.0, eta) - y * eta)
    return loss + alpha * (l1_ratio * pf @ np.abs(w) + 0.5 * (1 - l1_ratio) * pf @ w ** 2)


def kkt_residual(X, y, w, b, alpha, l1_ratio, sw=None, pf=None, lo=None, hi=None,
                 fit_intercept=True):
    """Largest violation of the optimality conditions (box-aware)."""
    X, c, pf, lo, hi = defaults(X, sw, pf, lo, hi)
    p = X.shape[1]
    r = c * (expit(X @ w + b) - y)
    g = X.T @ r + alpha * (1 - l1_ratio) * pf * w
    a = alpha * l1_ratio * pf
    out = []
    for j in range(p):
        if w[j] > 0:
            d = g[j] + a[j]
            out.append(max(d, 0.0) if w[j] >= hi[j] else abs(d))
        elif w[j] < 0:
            d = g[j] - a[j]
            out.append(max(-d, 0.0) if w[j] <= lo[j] else abs(d))
        else:
            up = max(-g[j] - a[j], 0.0) if hi[j] > 0 else 0.0
            down = max(g[j] - a[j], 0.0) if lo[j] < 0 else 0.0
            out.append(max(up, down))
    if fit_intercept:
        out.append(abs(r.sum()))
    return max(out)


def reference(X, y, alpha, l1_ratio, sw=None, pf=None, lo=None, hi=None,
              fit_intercept=True):
    """The minimiser by L-BFGS-B on (w+, w-, b), w = w+ - w-, to rounding."""
    X, c, pf, lo, hi = defaults(X, sw, pf, lo, hi)
    p = X.shape[1]
    a, l2 = alpha * l1_ratio * pf, alpha * (1 - l1_ratio) * pf

    def f(z):
        wp, wm, b = z[:p], z[p:2 * p], z[2 * p] if fit_intercept else 0.0
        w = wp - wm
        eta = X @ w + b
        val = c @ (np.logaddexp(0.0, eta) - y * eta) + a @ (wp + wm) + 0.5 * l2 @ w ** 2
        r = c * (expit(eta) - y)
        gw = X.T @ r + l2 * w
        grad = np.concatenate([gw + a, -gw + a, [r.sum()] if fit_intercept else []])
        return val, grad

    bounds = ([(0, h if np.isfinite(h) else None) for h in hi]
              + [(0, -v if np.isfinite(v) else None) for v in lo]
              + ([(None, None)] if fit_intercept else []))
    z0 = np.zeros(2 * p + int(fit_intercept))
    res = minimize(f, z0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options=dict(maxiter=100000, maxfun=100000, ftol=1e-16, gtol=1e-13))
    w = res.x[:p] - res.x[p:2 * p]
    return w, (res.x[2 * p] if fit_intercept else 0.0), res.fun


LAYOUTS = [(False, np.float64), (True, np.float64), (False, np.float32), (True, np.float32)]


@pytest.mark.parametrize("sparse, dtype", LAYOUTS)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_is_certified_against_the_oracle(sparse, dtype, l1_ratio):
    X, y = make(sparse=sparse, dtype=dtype)
    tol = 1e-8
    alphas, coefs, gaps, b = logistic_path(X, y, l1_ratio=l1_ratio, n_alphas=8,
                                           eps=0.02, tol=tol, return_intercept=True)
    assert coefs.dtype == dtype
    null = objective(X, y, np.zeros(X.shape[1]), np.log(y.mean() / (1 - y.mean())),
                     0.0, l1_ratio)
    assert np.all(gaps <= tol * null)
    assert np.all(coefs[:, 0] == 0)
    for i in (1, 4, 7):
        w = coefs[:, i].astype(np.float64)
        _, _, best = reference(X, y, alphas[i], l1_ratio)
        ours = objective(X, y, w, b[i], alphas[i], l1_ratio)
        # the certified gap bounds the suboptimality (float32: X's rounding
        # of the coefficients aside)
        slack = 1e-12 if dtype == np.float64 else 1e-6
        assert ours - best <= gaps[i] + slack
        assert ours - best >= -1e-9
        # the point satisfies the optimality conditions to gradient precision
        assert kkt_residual(X, y, w, b[i], alphas[i], l1_ratio) < \
            (1e-4 if dtype == np.float64 else 1e-3)


def test_alpha_max_is_the_first_nonzero():
    X, y = make()
    alphas, coefs, _ = logistic_path(X, y, n_alphas=2, eps=0.999)
    assert np.all(coefs[:, 0] == 0)
    _, coefs, _ = logistic_path(X, y, alphas=[alphas[0] * 0.99])
    assert np.count_nonzero(coefs) >= 1


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_matches_scikit_learn(l1_ratio):
    X, y = make(n=150, p=12, seed=1)
    C = 0.5
    sk = SkLogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12,
                              max_iter=200000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)
    ours = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=2e-6)
    np.testing.assert_allclose(ours.intercept_, sk.intercept_, atol=2e-6)
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-6)


def test_accuracy_at_least_scikit_learns_at_the_same_tol():
    # lbfgs stops when the projected gradient is <= tol; so does fastreg
    X, y = make(n=150, p=12, seed=2)
    ref = SkLogisticRegression(C=1.0, tol=1e-13, max_iter=100000).fit(X, y).coef_
    for tol in (1e-4, 1e-6):
        ours = LogisticRegression(C=1.0, tol=tol).fit(X, y).coef_
        sk = SkLogisticRegression(C=1.0, tol=tol).fit(X, y).coef_
        assert np.abs(ours - ref).max() <= 2 * np.abs(sk - ref).max() + 1e-12


def test_weights_bounds_and_penalty_factors_against_the_oracle():
    X, y = make(n=100, p=10, seed=3)
    rng = np.random.default_rng(3)
    sw = rng.uniform(0.2, 3.0, X.shape[0])
    pf = rng.uniform(0.5, 2.0, X.shape[1])
    pf[2] = 0.0                                   # unpenalised
    lo = np.full(X.shape[1], -0.3)
    hi = np.full(X.shape[1], np.inf)
    hi[0] = 0.4
    alpha = 0.01
    _, coefs, gaps, b = logistic_path(
        X, y, l1_ratio=0.7, alphas=[alpha], tol=1e-10, sample_weight=sw,
        penalty_factor=pf, lower_bounds=lo, upper_bounds=hi, return_intercept=True)
    w = coefs[:, 0]
    assert np.all(w >= lo - 1e-15) and np.all(w <= hi + 1e-15)
    w_ref, b_ref, best = reference(X, y, alpha, 0.7, sw, pf, lo, hi)
    ours = objective(X, y, w, b[0], alpha, 0.7, sw, pf)
    assert ours - best <= gaps[0] + 1e-12
    np.testing.assert_allclose(w, w_ref, atol=1e-5)
    assert kkt_residual(X, y, w, b[0], alpha, 0.7, sw, pf, lo, hi) < 1e-6


def test_weights_equal_repeated_rows():
    X, y = make(n=60, p=8, seed=4)
    k = np.random.default_rng(4).integers(1, 4, X.shape[0])
    a, c1, _ = logistic_path(X, y, sample_weight=k.astype(float), n_alphas=5,
                             eps=0.05, tol=1e-10)
    _, c2, _ = logistic_path(np.repeat(X, k, axis=0), np.repeat(y, k), alphas=a,
                             tol=1e-10)
    np.testing.assert_allclose(c1, c2, atol=1e-7)


def test_positive_and_no_intercept():
    X, y = make(n=80, p=10, seed=5, shift=0.0)
    _, coefs, gaps, b = logistic_path(X, y, positive=True, fit_intercept=False,
                                      alphas=[0.005], tol=1e-10, return_intercept=True)
    w = coefs[:, 0]
    assert np.all(w >= 0) and b[0] == 0.0
    _, _, best = reference(X, y, 0.005, 1.0, lo=np.zeros(10), fit_intercept=False)
    assert objective(X, y, w, 0.0, 0.005, 1.0) - best <= gaps[0] + 1e-12


def test_any_two_labels_and_their_order():
    X, y = make(n=80, p=6, seed=6)
    _, c01, _ = logistic_path(X, y, n_alphas=4, eps=0.1)
    _, cs, _ = logistic_path(X, np.where(y == 1, "yes", "no"), n_alphas=4, eps=0.1)
    _, cm, _ = logistic_path(X, np.where(y == 1, 1, -1), n_alphas=4, eps=0.1)
    np.testing.assert_array_equal(c01, cs)
    np.testing.assert_array_equal(c01, cm)
    clf = LogisticRegression(C=1.0).fit(X, np.where(y == 1, "b", "a"))
    assert clf.classes_.tolist() == ["a", "b"]
    assert set(clf.predict(X)) <= {"a", "b"}


def test_inputs_are_not_modified():
    X, y = make(sparse=True)
    X0, y0 = X.copy(), y.copy()
    logistic_path(X, y, n_alphas=5, eps=0.05)
    assert (X != X0).nnz == 0 and np.array_equal(y, y0)


def test_convergence_warning_names_the_alphas():
    X, y = make()
    with pytest.warns(ConvergenceWarning, match=r"did not converge for \d+ of 5 alphas.*alpha="):
        logistic_path(X, y, n_alphas=5, eps=0.01, tol=1e-14, max_iter=1)


def test_convergence_warning_says_which_criterion_was_missed():
    """An alpha whose gap met its bound but whose optimality residual did
    not is named with that reason (the message named only the gap, which
    read as met), beside alphas whose gap missed."""
    X, y = make(seed=0)
    with pytest.warns(ConvergenceWarning) as record:
        res = logistic_path(X, y, n_alphas=5, eps=0.01, tol=1e-4, max_iter=2,
                            l1_ratio=0.5)
    msg = str(record[0].message)
    gaps, bound = res[2], 1e-4 * Binomial(y).null_model(True)[1]
    assert np.any(gaps <= bound) and np.any(gaps > bound)
    assert re.search(r"\(gap [\d.e-]+, met; its optimality residual not\)", msg), msg
    assert re.search(r"\(gap [\d.e-]+\)", msg), msg
    assert "optimality residual (the gradient's largest distance" in msg


@pytest.mark.parametrize("kwargs, match", [
    (dict(l1_ratio=1.5), r"l1_ratio must be in \[0, 1\], got 1.5"),
    (dict(tol=-1.0), r"tol must be >= 0, got -1.0"),
    (dict(lower_bounds=1.0), r"lower_bounds must be <= 0"),
    (dict(l1_ratio=0.0), r"l1_ratio must be > 0 to build an alpha grid"),
    (dict(max_iter=0), r"max_iter must be >= 1, got 0"),
    (dict(alphas=[-1.0]), r"alphas"),
])
def test_bad_parameters_are_named(kwargs, match):
    X, y = make(n=30, p=4)
    with pytest.raises(ValueError, match=match):
        logistic_path(X, y, **kwargs)


def test_bad_labels_are_refused():
    X, y = make(n=30, p=4)
    with pytest.raises(ValueError, match="at least two classes"):
        logistic_path(X, np.zeros(30))
    with pytest.raises(ValueError, match="Unknown label type"):
        logistic_path(X, np.linspace(0, 1, 30))
    with pytest.raises(ValueError, match="'liblinear' solver does not support multiclass"):
        LogisticRegression(solver="liblinear").fit(X, np.arange(30) % 3)
    with pytest.raises(ValueError, match="'liblinear' solver does not support multiclass"):
        LogisticRegressionCV(solver="liblinear", Cs=2, cv=2).fit(X, np.arange(30) % 3)
    with pytest.raises(ValueError, match=r"C must be > 0, got 0"):
        LogisticRegression(C=0).fit(X, y)


def test_class_weight_is_sample_weight():
    X, y = make(n=90, p=6, seed=7)
    a = LogisticRegression(class_weight={0: 1.0, 1: 3.0}, tol=1e-10).fit(X, y)
    b = LogisticRegression(tol=1e-10).fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-10)
    # 'balanced' from the weighted class totals, as scikit-learn 1.9
    sw = np.random.default_rng(7).uniform(0.5, 2.0, X.shape[0])
    sk = SkLogisticRegression(class_weight="balanced", tol=1e-12, max_iter=10000)
    sk.fit(X, y, sample_weight=sw)
    ours = LogisticRegression(class_weight="balanced", tol=1e-10).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, sk.intercept_, atol=1e-6)


def test_warm_start_starts_from_the_previous_fit():
    X, y = make(n=100, p=10, seed=8)
    clf = LogisticRegression(C=0.3, l1_ratio=1.0, warm_start=True, tol=1e-8).fit(X, y)
    first = clf.n_iter_[0]
    clf.fit(X, y)
    assert clf.n_iter_[0] <= 1 < first + 1


@pytest.mark.parametrize("solver, classes", [("lbfgs", 2), ("lbfgs", 3), ("liblinear", 2)])
def test_max_iter_0_leaves_the_starting_point(solver, classes):
    """scikit-learn's max_iter=0: the state before any step, warned: zero
    from scratch, the previous fit's coefficients with warm_start."""
    X, y = make(n=90, p=5, seed=3)
    y = np.arange(90) % classes if classes > 2 else y
    rows = 1 if classes == 2 else classes
    with pytest.warns(ConvergenceWarning, match="max_iter=0: no step"):
        clf = LogisticRegression(solver=solver, max_iter=0).fit(X, y)
    assert clf.coef_.shape == (rows, 5) and not np.any(clf.coef_)
    assert not np.any(clf.intercept_) and clf.n_iter_.tolist() == [0]
    np.testing.assert_allclose(clf.predict_proba(X), 1.0 / classes)
    warm = LogisticRegression(solver=solver, C=0.5, warm_start=True).fit(X, y)
    coef, intercept = warm.coef_.copy(), warm.intercept_.copy()
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        warm.set_params(max_iter=0).fit(X, y)
    np.testing.assert_array_equal(warm.coef_, coef)
    np.testing.assert_array_equal(warm.intercept_, intercept)
    assert np.any(coef) and np.any(intercept)
    with pytest.raises(ValueError, match="max_iter must be >= 1, got 0"):
        LogisticRegressionCV(Cs=2, cv=2, max_iter=0).fit(X, y)
    # the inputs are checked as a fit's are
    with pytest.raises(ValueError, match="lower_bounds must be <= 0"):
        LogisticRegression(max_iter=0, lower_bounds=1.0).fit(X, y)
    with pytest.raises(ValueError, match="every class must have samples of positive"):
        LogisticRegression(max_iter=0, fit_intercept=False,
                           class_weight={y[0]: 0.0}).fit(X, y)


@pytest.mark.parametrize("classes", [2, 3])
def test_max_iter_bounds_a_single_fits_steps_warm_path_included(classes, monkeypatch):
    """The warm path a single L1 fit solves first, and the unpenalised
    features' fit before it, spend their steps out of max_iter (it took 7
    steps at max_iter=1 on iris before): n_iter_ never exceeds max_iter,
    and the fit gets closer as max_iter grows."""
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    y = y if classes == 3 else (y == 2).astype(int)
    for pf in (None, [0, 1, 1, 1]):         # (the unpenalised feature's fit first)
        gaps = []
        for max_iter in (1, 2, 3, 5, 100):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf = LogisticRegression(l1_ratio=1.0, max_iter=max_iter,
                                         penalty_factor=pf).fit(X, y)
            assert 1 <= clf.n_iter_[0] <= max_iter
            gaps.append(clf.dual_gap_)
        assert gaps[-1] < gaps[0] and clf.n_iter_[0] > 5
    if classes == 2:
        # every binary Newton step (newton_step) counted, the free fit's too
        from fastreg import _newton
        calls = []
        step = _newton.newton_step
        monkeypatch.setattr(_newton, "newton_step", lambda *a: calls.append(1) or step(*a))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = LogisticRegression(l1_ratio=1.0, max_iter=3, penalty_factor=[0, 1, 1, 1],
                                     tol=1e-12).fit(X, y)
        assert len(calls) == clf.n_iter_[0] <= 3


def test_probabilities_are_consistent():
    X, y = make(n=100, p=10, seed=9)
    clf = LogisticRegression(C=10.0).fit(X, y)
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), P, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(P, axis=1)])
    # far from the boundary the log-probabilities stay finite
    assert np.all(np.isfinite(clf.predict_log_proba(1e3 * X)))


def test_the_layer_serves_least_squares_too():
    # the generic proximal Newton path with the quadratic datafit is the
    # elastic-net path of the least-squares engine
    rng = np.random.default_rng(10)
    X = rng.standard_normal((80, 15))
    y = X[:, :3] @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(80)
    alphas, ref, _ = enet_path(X, y, l1_ratio=0.8, n_alphas=6, eps=0.05, tol=1e-12,
                               fit_intercept=True)
    p = X.shape[1]
    state = ProxNewton(Design(X), Quadratic(y), np.ones(p), np.full(p, -np.inf),
                       np.full(p, np.inf), True)
    res = newton_path(state, l1_ratio=0.8, alphas=6, eps=0.05, tol=1e-12, max_iter=100)
    np.testing.assert_allclose(res.alphas, alphas, rtol=1e-12)
    np.testing.assert_allclose(res.coefs, ref, atol=1e-7)


def test_datafit_oracles():
    # value, gradient and curvature of the binomial datafit against NumPy
    rng = np.random.default_rng(11)
    y = (rng.random(50) < 0.4).astype(float)
    eta = 30 * rng.standard_normal(50)
    sw = rng.uniform(0.1, 2, 50)
    f = Binomial(y, sw)
    c = sw / sw.sum()
    value, r, h = f.evaluate(eta)
    p = expit(eta)
    assert value == pytest.approx(c @ (np.logaddexp(0, eta) - y * eta), rel=1e-13)
    np.testing.assert_allclose(r, c * (p - y), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(h, c * p * expit(-eta), rtol=1e-12, atol=1e-300)
    # Fenchel-Young: F(eta) + F*(s) >= s . eta, equality at s = F'(eta)
    theta = -r
    assert value - f.dual(theta) == pytest.approx(float(-theta @ eta), abs=1e-12)
    assert f.dual(theta + 10 * c) == -np.inf           # pi outside [0, 1]


def make_multiclass(n=150, p=8, K=3, seed=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    B = np.zeros((p, K))
    B[:3] = rng.standard_normal((3, K)) * 1.5
    y = np.argmax(X @ B + rng.gumbel(size=(n, K)), axis=1)
    return X, y


def softmax_objective(X, y, W, b, alpha, l1_ratio):
    """(1/n) sum_i [logsumexp(eta_i) - eta_i,y_i] + alpha * penalty(W)."""
    eta = dense(X) @ W.T + b
    top = eta.max(axis=1)
    lse = top + np.log(np.exp(eta - top[:, None]).sum(axis=1))
    loss = np.mean(lse - eta[np.arange(len(y)), y])
    return loss + alpha * (l1_ratio * np.abs(W).sum() + 0.5 * (1 - l1_ratio) * (W ** 2).sum())


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_multinomial_against_scikit_learn_and_the_oracle(sparse, l1_ratio):
    X, y = make_multiclass()
    Xf = sp.csc_matrix(X) if sparse else X
    n = X.shape[0]
    alpha = 0.02
    tol = 1e-9
    _, coefs, gaps, b = logistic_path(Xf, y, l1_ratio=l1_ratio, alphas=[alpha],
                                      tol=tol, return_intercept=True)
    W, b = coefs[:, :, 0], b[:, 0]
    assert W.shape == (3, X.shape[1]) and abs(b.sum()) < 1e-12
    freq = np.bincount(y) / n
    null = softmax_objective(X, y, np.zeros_like(W), np.log(freq), 0.0, l1_ratio)
    assert gaps[0] <= tol * null
    sk = SkLogisticRegression(C=1 / (alpha * n), l1_ratio=l1_ratio, tol=1e-13,
                              max_iter=100000,
                              solver="lbfgs" if l1_ratio == 0 else "saga")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)
    ours = softmax_objective(X, y, W, b, alpha, l1_ratio)
    theirs = softmax_objective(X, y, sk.coef_, sk.intercept_, alpha, l1_ratio)
    assert ours - theirs <= gaps[0] + 1e-12
    np.testing.assert_allclose(W, sk.coef_, atol=1e-4)
    clf = LogisticRegression(C=1 / (alpha * n), l1_ratio=l1_ratio, tol=1e-9).fit(Xf, y)
    np.testing.assert_allclose(clf.coef_, W, atol=1e-5)
    np.testing.assert_allclose(clf.predict_proba(X), sk.predict_proba(X), atol=1e-4)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(
        clf.predict_proba(X), axis=1)])


def _count_softmax_sweeps(monkeypatch):
    """The sweeps of every softmax_cd call, appended as they return."""
    from fastreg import _newton
    sweeps = []
    kernel = _newton._newton_fast.softmax_cd

    def counting(*args):
        sweeps.append(kernel(*args))
        return sweeps[-1]

    monkeypatch.setattr(_newton._newton_fast, "softmax_cd", counting)
    return sweeps


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_multinomial_common_shift_with_bounds_meets_the_oracle(l1_ratio, monkeypatch):
    """Class-by-class coordinate steps see the direction the softmax ignores
    (a shift common to a feature's coefficients) only through the L2
    penalty: at a small alpha they crawled (1000 sweeps per Newton step on
    an L2 fit of 5000 x 40, 5 classes, C = 1).  Each feature now moves
    along it to the penalty's minimum within the bounds.  Against an
    L-BFGS-B oracle (L1 split into two bounded parts), with bounds that
    hold some coefficients, in few sweeps."""
    from scipy.optimize import minimize
    X, y = make_multiclass(n=400, p=6, K=4, seed=29)
    X = X + 0.5                          # (a shift makes the direction matter more)
    n, p, K = 400, 6, 4
    lo, hi = np.full(p, -0.3), np.full(p, 0.5)
    alpha, tol = 1e-3, 1e-10
    sweeps = _count_softmax_sweeps(monkeypatch)
    _, coefs, gaps, b = logistic_path(X, y, l1_ratio=l1_ratio, alphas=[alpha], tol=tol,
                                      lower_bounds=lo, upper_bounds=hi,
                                      return_intercept=True)
    W, b = coefs[:, :, 0], b[:, 0]
    assert np.all(W >= lo - 1e-15) and np.all(W <= hi + 1e-15)
    assert np.any(W == hi) and np.any(W == lo)
    Y = np.eye(K)[y]

    def split(z):
        Wp, Wm = z[:p * K].reshape(K, p), z[p * K:2 * p * K].reshape(K, p)
        return Wp, Wm, z[2 * p * K:]

    def fun(z):
        Wp, Wm, c = split(z)
        Wz = Wp - Wm
        eta = X @ Wz.T + c
        top = eta.max(axis=1)
        lse = top + np.log(np.exp(eta - top[:, None]).sum(axis=1))
        P = np.exp(eta - lse[:, None])
        value = np.mean(lse - (eta * Y).sum(axis=1)) + alpha * (
            l1_ratio * (Wp + Wm).sum() + 0.5 * (1 - l1_ratio) * (Wz ** 2).sum())
        G = (P - Y).T @ X / n + alpha * (1 - l1_ratio) * Wz
        return value, np.concatenate([(G + alpha * l1_ratio).ravel(),
                                      (-G + alpha * l1_ratio).ravel(), (P - Y).mean(axis=0)])

    box = [(0, h) for h in np.tile(hi, K)] + [(0, -l) for l in np.tile(lo, K)] + [(None, None)] * K
    z = minimize(fun, np.zeros(2 * p * K + K), jac=True, method="L-BFGS-B", bounds=box,
                 options=dict(ftol=1e-15, gtol=1e-12, maxiter=20000, maxcor=30)).x
    best = fun(z)[0]
    ours = softmax_objective(X, y, W, b, alpha, l1_ratio)
    null = softmax_objective(X, y, 0 * W, np.log(np.bincount(y) / n), 0.0, 1.0)
    assert gaps[0] <= tol * null
    assert ours - best <= gaps[0] + 1e-12
    assert best - ours <= 1e-9                       # (the oracle is no better)
    # (before: 1000 sweeps in a step at l1_ratio 0)
    assert max(sweeps) < 200


def test_smooth_multinomial_on_correlated_dense_columns_by_quasi_newton(monkeypatch):
    """scikit-learn's default (L2, C=1) on dense, strongly correlated
    columns: L-BFGS-B first, then joint Newton steps if needed.  Before, the
    class-by-class coordinate descent of the Newton model crawled (a
    20,000 x 100, 5-class make_classification took 74 s against
    scikit-learn's 0.2 s).  The fit is certified, meets the oracle's
    stationarity and matches scikit-learn's lbfgs; its Newton models, if
    any, take few sweeps (before: 1000 per step here)."""
    from sklearn.datasets import make_classification
    X, y = make_classification(2000, 30, n_informative=8, n_redundant=18, n_classes=4,
                               random_state=3)
    sweeps = _count_softmax_sweeps(monkeypatch)
    tol = 1e-6
    fit = LogisticRegression(tol=tol).fit(X, y)
    assert fit.dual_gap_ <= tol * np.log(4)
    assert fit.n_iter_[0] <= 100 and sum(sweeps) < 500
    gW, gb = softmax_gradient(X, y, fit.coef_, fit.intercept_, np.ones(2000))
    alpha = 1.0 / 2000
    assert np.abs(gW + alpha * fit.coef_).max() < 1e-5 and np.abs(gb).max() < 1e-5
    sk = SkLogisticRegression(tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(fit.coef_, sk.coef_, atol=1e-3)
    np.testing.assert_allclose(fit.predict_proba(X), sk.predict_proba(X), atol=1e-4)


def _count_softmax_certificates(monkeypatch):
    from fastreg import _newton
    gaps = []
    certificate = _newton.SoftmaxNewton.certificate

    def counting(self, pen):
        out = certificate(self, pen)
        gaps.append(out[0])
        return out

    monkeypatch.setattr(_newton.SoftmaxNewton, "certificate", counting)
    return gaps


def test_quasi_newton_certifies_where_its_calibrated_prediction_is_met(monkeypatch):
    """L-BFGS's certificate is computed where the gradient's predicted gap,
    times the last certificate's gap over its prediction (when above 1),
    is met.  On standardised digits (10 classes) the projected dual
    point's gap runs a few times the prediction: without that factor
    nearly every iteration near the end computed a failing certificate (31
    in 58 iterations).  The fit is still certified, and matches
    scikit-learn's tight fit."""
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler
    from fastreg import _newton
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    gaps = _count_softmax_certificates(monkeypatch)
    fit = LogisticRegression().fit(X, y)
    assert fit.dual_gap_ <= 1e-4 * np.log(10)
    iterations = fit.n_iter_[0]
    assert iterations > 3 * _newton._QN_EVERY          # (the case the rule is for)
    assert len(gaps) <= iterations / 3 + 2
    sk = SkLogisticRegression(tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(fit.predict_proba(X), sk.predict_proba(X), atol=2e-3)


def test_quasi_newton_skips_its_periodic_certificates_far_from_tol(monkeypatch):
    """The certificates every _QN_EVERY iterations are skipped while the
    calibrated prediction is over _QN_NEAR times tol (before: 6 of 30
    iterations here, most of them far from tol); the fit is certified, the
    same as at tight tol to the oracle's stationarity."""
    from sklearn.datasets import make_classification
    from fastreg import _newton
    X, y = make_classification(4000, 60, n_informative=10, n_classes=6, random_state=3)
    gaps = _count_softmax_certificates(monkeypatch)
    fit = LogisticRegression().fit(X, y)
    assert fit.dual_gap_ <= 1e-4 * np.log(6)
    iterations = fit.n_iter_[0]
    assert iterations > 4 * _newton._QN_EVERY
    # (two certificates are solve's own: at the start and after L-BFGS)
    assert len(gaps) - 2 <= iterations / (2 * _newton._QN_EVERY)
    tight = LogisticRegression(tol=1e-10).fit(X, y)
    np.testing.assert_allclose(fit.predict_proba(X), tight.predict_proba(X), atol=1e-2)
    gW, gb = softmax_gradient(X, y, tight.coef_, tight.intercept_, np.ones(4000))
    assert np.abs(gW + tight.coef_ / 4000).max() < 1e-6 and np.abs(gb).max() < 1e-6


@pytest.mark.parametrize("intercept", [False, True])
def test_model_direct_is_the_models_exact_minimiser(intercept, monkeypatch):
    """A Newton model with an L2 weight on every feature, no L1 and no
    bound, on dense X, is solved by one Cholesky solve: the step is the
    minimiser of r . d + d . (h d) / 2 + sum_j c_j ((w_j + dw_j)^2 - w_j^2) / 2
    over dw (and db), which NumPy's solve of the full system gives, with
    d = X dw + db and the model's gradient r + h d.  Where the model is not
    smooth, bounded, sparse or too large it declines (None)."""
    from fastreg import _newton
    rng = np.random.default_rng(3)
    n, m = 300, 9
    Z = rng.standard_normal((n, m))
    X = np.asfortranarray(Z + 0.9 * Z[:, :1] + 2.0)      # correlated, with a mean
    design = Design(X)
    ws = np.arange(m, dtype=np.int32)
    c = rng.uniform(0.01, 0.1, m)
    table = np.column_stack([np.zeros(m), c, np.full(m, -np.inf), np.full(m, np.inf)])
    r, h = 0.1 * rng.standard_normal(n), rng.uniform(0.0, 0.25, n)
    old = rng.standard_normal(m)

    def run(tab, dsg=design):
        model = np.stack([r, h, np.zeros(n)])
        coef = old.copy()
        out = model_direct(dsg, ws, coef, tab, model, float(h.sum()) if intercept else 0.0,
                           intercept)
        return out, coef, model

    (sweeps, db), coef, model = run(table)
    assert sweeps == 1
    A = np.column_stack([X, np.ones(n)]) if intercept else X
    reg = np.concatenate([c, [0.0]]) if intercept else c
    grad = A.T @ r + reg * np.concatenate([old, [0.0]])[:A.shape[1]]
    step = -np.linalg.solve(A.T @ (h[:, None] * A) + np.diag(reg), grad)
    np.testing.assert_allclose(coef - old, step[:m], rtol=1e-9, atol=1e-12)
    assert db == pytest.approx(step[m] if intercept else 0.0, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(model[2], A @ step, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model[0], r + h * model[2], rtol=1e-12, atol=1e-15)
    # declined: an L1 weight, a finite bound, sparse X, more work than allowed
    l1, bound = table.copy(), table.copy()
    l1[2, 0], bound[4, 3] = 1e-3, 5.0
    assert run(l1)[0] is None and run(bound)[0] is None
    assert run(table, Design(sp.csc_matrix(X)))[0] is None
    monkeypatch.setattr(_newton, "_DIRECT_WORK", m * m * (n + m / 3) - 1)
    assert run(table)[0] is None
    # the system's product and factorisation both count: wide X declines
    # where n m^2 alone would pass (20 x 3,000: a 3,000 x 3,000 factor)
    monkeypatch.setattr(_newton, "_DIRECT_WORK", 2e8)
    wide = Design(np.asfortranarray(rng.standard_normal((20, 3000))))
    assert not _newton.direct_applies(wide, np.zeros(3000), np.ones(3000),
                                      np.full(3000, -np.inf), np.full(3000, np.inf))
    if intercept:
        # every sample fitted: the intercept has no curvature to reply with
        model = np.stack([r, np.zeros(n), np.zeros(n)])
        assert model_direct(design, ws, old.copy(), table, model, 0.0, True) is None


@pytest.mark.parametrize("dtype, index", [(np.float64, np.int32), (np.float32, np.int64)])
@pytest.mark.parametrize("intercept", [False, True])
def test_compact_model_keeps_the_gradient_and_the_diagonal(dtype, index, intercept):
    """The compacted Newton model (most samples' curvature below
    _COMPACT_CURVATURE of the largest): its rows are the kept samples'
    (renumbered, X's values and dtype), one private row per column and an
    empty last row; at the start its gradient X^T v, its diagonal
    curvature (X^2)^T h, and its gradient and curvature sums (the
    intercept's) are the full model's; between two columns it keeps the
    kept samples' curvature exactly and drops the others'; its
    column-intercept curvature X^T h misses the dropped samples' part
    only, and holds the private rows' e_j / _PRIVATE."""
    rng = np.random.default_rng(41)
    n, p = 500, 60
    X = sp.random(n, p, density=0.2, random_state=rng, format="csc", dtype=dtype)
    X.indices, X.indptr = X.indices.astype(index), X.indptr.astype(index)
    ws = np.array([3, 7, 8, 20, 41, 59, 0], dtype=np.int32)
    r = rng.normal(0.0, 1e-3, n)
    h = np.where(rng.random(n) < 0.3, rng.uniform(0.01, 0.25, n), rng.uniform(0, 1e-7, n))
    design = Design(X)
    h_sum = h.sum() if intercept else 0.0
    sub, local, model = compact_model(design, ws, r, h, h_sum)
    keep = h >= 1e-5 * h.max()
    nk, m = int(keep.sum()), ws.size
    assert sub.dtype == dtype and sub.parts[0].shape[0] == sub.parts[2][-1]
    Xc = sp.csc_matrix(sub.parts, shape=sub.shape).toarray().astype(np.float64)
    assert sub.shape == (nk + m + 1, m) and model.shape == (3, nk + m + 1)
    np.testing.assert_array_equal(local, np.arange(m))
    Xw = X[:, ws].toarray().astype(np.float64)
    np.testing.assert_array_equal(Xc[:nk], Xw[keep])
    np.testing.assert_array_equal(Xc[nk:nk + m], _PRIVATE * np.eye(m))
    assert not np.any(Xc[-1]) and not np.any(model[2])
    v, hc = model[0], model[1]
    np.testing.assert_allclose(Xc.T @ v, Xw.T @ r, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose((Xc ** 2).T @ hc, (Xw ** 2).T @ h, rtol=1e-12)
    assert v.sum() == pytest.approx(r.sum(), rel=1e-12, abs=1e-18)
    assert hc.sum() == pytest.approx(h.sum(), rel=1e-12) and np.all(hc >= 0)
    off = Xc.T @ (hc[:, None] * Xc)
    kept = Xw[keep].T @ (h[keep][:, None] * Xw[keep])
    np.testing.assert_allclose(off - np.diag(np.diag(off)), kept - np.diag(np.diag(kept)),
                               rtol=1e-12, atol=1e-18)
    e = (Xw[~keep] ** 2).T @ h[~keep]
    np.testing.assert_allclose(Xc.T @ hc, Xw[keep].T @ h[keep] + e / _PRIVATE, rtol=1e-12)
    # declined: dense X, or over half the samples kept
    assert compact_model(Design(X.toarray()), ws, r, h, h_sum) is None
    floored = np.maximum(h, 0.01)
    assert compact_model(design, ws, r, floored, floored.sum() if intercept else 0.0) is None


def test_compact_model_declines_where_the_intercept_coupling_matters():
    """A column whose mean dwarfs its spread (100 + 0.1 z) is fitted along
    itself centred in the metric h: without the dropped samples' coupling
    with the intercept its centred curvature would grow a thousandfold.
    With the intercept such a model is not compacted (without one it is:
    the columns are not centred), and a path on rare positives takes the
    same steps as on full models, every alpha certified (it stalled 1e4
    times over tol)."""
    from fastreg import _newton
    rng = np.random.default_rng(0)
    n, p = 600, 200
    X = sp.random(n, p, density=0.05, random_state=rng, format="lil")
    w = np.zeros(p)
    w[1:20] = 4 * rng.standard_normal(19)
    z = rng.standard_normal(n)
    X[:, 0] = (100 + 0.1 * z)[:, None]
    X = X.tocsc()
    y = (X[:, 1:] @ w[1:] - 3 + 0.5 * rng.standard_normal(n) + 2 * z > 0).astype(int)
    h = np.where(rng.random(n) < 0.2, 0.2, 2e-7) / n
    r = rng.normal(0.0, 1e-3, n) / n
    ws = np.arange(20, dtype=np.int32)
    assert compact_model(Design(X), ws, r, h, h.sum()) is None
    assert compact_model(Design(X), ws, r, h, 0.0) is not None
    assert compact_model(Design(X), ws[1:], r, h, h.sum()) is not None

    def path():
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            return logistic_path(X, y, n_alphas=10, eps=1e-5, tol=1e-8, return_n_iter=True)

    _, coefs, gaps, steps = path()
    assert np.all(gaps <= 1e-8 * 0.5)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_newton, "_COMPACT_SHARE", -1.0)
        _, coefs_full, _, steps_full = path()
    np.testing.assert_array_equal(steps, steps_full)


@pytest.mark.parametrize("l1_ratio, eps", [(1.0, 1e-5), (0.5, 1e-7)])
@pytest.mark.parametrize("weighted", [False, True])
def test_compacted_newton_models_give_the_certified_path(l1_ratio, eps, weighted,
                                                        monkeypatch):
    """Rare positives at small alpha: most samples are fitted and the Newton
    models are compacted.  Every alpha is certified, its objective within
    the bound of the path solved on full models, and no further above a
    reference point's (L-BFGS, any point bounds the optimum from above)
    than its gap."""
    from fastreg import _newton
    rng = np.random.default_rng(7)
    n, p = 600, 200
    X = sp.random(n, p, density=0.05, random_state=rng, format="csc")
    w = np.zeros(p)
    w[:20] = 4 * rng.standard_normal(20)
    y = (X @ w - 3 + 0.5 * rng.standard_normal(n) > 0).astype(int)
    sw = rng.uniform(0.5, 2.0, n) if weighted else None
    compacted = []
    monkeypatch.setattr(_newton, "compact_model",
                        lambda *a: compacted.append(compact_model(*a)) or compacted[-1])
    tol = 1e-8
    kw = dict(l1_ratio=l1_ratio, n_alphas=10, eps=eps, tol=tol, sample_weight=sw,
              return_intercept=True)
    alphas, coefs, gaps, b = logistic_path(X, y, **kw)
    assert sum(c is not None for c in compacted) >= 3
    monkeypatch.setattr(_newton, "_COMPACT_SHARE", -1.0)
    compacted.clear()
    _, coefs_full, _, b_full = logistic_path(X, y, **kw)
    assert not any(c is not None for c in compacted)
    ybar = np.average(y, weights=sw)
    null = objective(X, y, np.zeros(p), np.log(ybar / (1 - ybar)), 0.0, l1_ratio, sw=sw)
    assert np.all(gaps <= tol * null)
    for i, alpha in enumerate(alphas):
        ours = objective(X, y, coefs[:, i], b[i], alpha, l1_ratio, sw=sw)
        full = objective(X, y, coefs_full[:, i], b_full[i], alpha, l1_ratio, sw=sw)
        assert abs(ours - full) <= tol * null
    for i in (5, 9):
        _, _, best = reference(X, y, alphas[i], l1_ratio, sw=sw)
        assert objective(X, y, coefs[:, i], b[i], alphas[i], l1_ratio, sw=sw) - best \
            <= gaps[i] + 1e-13


def test_stalled_quasi_newton_hands_a_binary_fit_to_direct_newton_steps():
    """Columns in mixed units (X * 10^U(-2, 2)) stall L-BFGS: it ran its
    budget of 90 iterations before the Newton rounds certified the fit.
    Where those rounds' steps are direct solves it hands over once 10
    iterations have not halved its predicted gap.  The fit is certified,
    meets the oracle's optimality and matches scikit-learn's tight fit."""
    from sklearn.datasets import make_classification
    X, y = make_classification(3000, 40, n_informative=10, random_state=2)
    X = X * 10 ** np.random.default_rng(0).uniform(-2, 2, 40)
    fit = LogisticRegression().fit(X, y)
    assert fit.dual_gap_ <= 1e-4 * np.log(2)
    assert fit.n_iter_[0] <= 50
    w, b = fit.coef_.ravel(), float(fit.intercept_[0])
    assert kkt_residual(X, y, w, b, 1 / 3000, 0.0) < 1e-3
    sk = SkLogisticRegression(tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(fit.predict_proba(X), sk.predict_proba(X), atol=1e-3)


@pytest.mark.parametrize("bounded, tol", [(False, 1e-6), (True, 1e-4)])
def test_smooth_binary_fit_on_correlated_dense_columns_by_quasi_newton(bounded, tol,
                                                                       monkeypatch):
    """scikit-learn's default (L2, C=1) of two classes on dense, strongly
    correlated columns: L-BFGS-B first, as for more classes (Newton steps
    took 4.4 times scikit-learn's lbfgs on a 20,000 x 100
    make_classification: their coordinate descent crawls here).  Certified,
    the oracle's (box-aware) conditions hold, it matches scikit-learn's
    lbfgs, and few Newton sweeps are left (before: over 200 here)."""
    from sklearn.datasets import make_classification
    from fastreg import _newton
    X, y = make_classification(2000, 30, n_informative=8, n_redundant=18, random_state=5)
    sweeps = []
    kernel = _newton._newton_fast.newton_cd

    def counting(*args):
        out = kernel(*args)
        sweeps.append(out[0])
        return out

    monkeypatch.setattr(_newton._newton_fast, "newton_cd", counting)
    bounds = dict(lower_bounds=-0.2, upper_bounds=0.3) if bounded else {}
    fit = LogisticRegression(tol=tol, **bounds).fit(X, y)
    assert fit.dual_gap_ <= tol * np.log(2)
    assert fit.n_iter_[0] <= 100 and sum(sweeps) < 100
    w, b = fit.coef_.ravel(), float(fit.intercept_[0])
    lo, hi = (np.full(30, -0.2), np.full(30, 0.3)) if bounded else (None, None)
    assert kkt_residual(X, y, w, b, 1 / 2000, 0.0, lo=lo, hi=hi) < 10 * tol
    if not bounded:
        sk = SkLogisticRegression(tol=1e-12, max_iter=10000).fit(X, y)
        np.testing.assert_allclose(fit.coef_, sk.coef_, atol=1e-3)
        np.testing.assert_allclose(fit.predict_proba(X), sk.predict_proba(X), atol=1e-4)
    else:
        assert np.any(w == -0.2) or np.any(w == 0.3)


@pytest.mark.parametrize("K", [2, 5])
def test_quasi_newton_sees_columns_with_a_mean_centred(K):
    """L-BFGS-B's variables are the model's in centred columns (w, and
    b + W mu): columns with a mean no longer couple with the intercept.
    Gaussian columns plus 3: 81 iterations left 5 classes uncertified
    (then Newton rounds); now as few as without the shift, certified, and
    the same fit as the centred columns' (coefficients equal, intercepts
    moved by W mu)."""
    rng = np.random.default_rng(0)
    n, p = 3000, 30
    Z = rng.standard_normal((n, p))
    W = rng.standard_normal((p, K)) * (rng.random((p, 1)) < 0.3)
    y = np.argmax(Z @ W + rng.gumbel(size=(n, K)), axis=1)
    tol = 1e-6
    plain = LogisticRegression(tol=tol).fit(Z, y)
    shifted = LogisticRegression(tol=tol).fit(Z + 3.0, y)
    assert shifted.n_iter_[0] <= plain.n_iter_[0] + 5 <= 40
    assert shifted.dual_gap_ <= tol * np.log(K)
    np.testing.assert_allclose(shifted.coef_, plain.coef_, atol=1e-4)
    np.testing.assert_allclose(shifted.intercept_ + 3.0 * shifted.coef_.sum(axis=1),
                               plain.intercept_, atol=1e-4)


@pytest.mark.parametrize("solver, used", [("lbfgs", True), ("auto", True),
                                          ("newton-cholesky", False), ("newton-cg", False),
                                          ("saga", False)])
def test_solver_names_choose_the_smooth_dense_start(solver, used, monkeypatch):
    """'lbfgs' (the default) and 'auto' start smooth fits of dense data by
    L-BFGS-B; the Newton names (and the others) take Newton steps
    throughout.  The same minimiser either way."""
    from fastreg import _newton
    calls = []
    qn = _newton.quasi_newton

    def spying(*args):
        calls.append(1)
        return qn(*args)

    monkeypatch.setattr(_newton, "quasi_newton", spying)
    X, y = make(n=300, p=8, seed=9)
    fit = LogisticRegression(solver=solver, tol=1e-10).fit(X, y)
    cv = LogisticRegressionCV(solver=solver, Cs=2, cv=2, tol=1e-10).fit(X, y)
    assert bool(calls) == used
    ref = LogisticRegression(solver="newton-cholesky", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-6)
    assert cv.coef_.shape == fit.coef_.shape


@pytest.mark.parametrize("K, scoring", [(2, "roc_auc"), (2, "roc_auc_ovr"),
                                        (3, "roc_auc_ovr"), (3, "roc_auc_ovo"),
                                        (3, "roc_auc_ovr_weighted")])
def test_roc_auc_on_a_fold_missing_a_class_is_refused_by_name(K, scoring):
    """A test fold without some class has no ROC AUC: scikit-learn scores it
    NaN and picks C among NaNs; fastreg raised scikit-learn's internal
    message.  Now a ValueError naming scoring, the fold and the class; with
    stratified folds the same data is scored."""
    from sklearn.model_selection import KFold
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(K), 30)
    X = rng.standard_normal((30 * K, 4))
    X[:, 0] += y
    with pytest.raises(ValueError, match=rf"scoring='{scoring}' is undefined on cv's "
                                         rf"fold 0: its test rows hold no sample of "
                                         rf"class 1"):
        LogisticRegressionCV(Cs=2, cv=KFold(K), scoring=scoring).fit(X, y)
    fit = LogisticRegressionCV(Cs=2, cv=3, scoring=scoring,
                               use_legacy_attributes=False).fit(X, y)
    assert np.all(np.isfinite(fit.scores_)) and np.all(fit.scores_ > 0.5)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cholesky"])
@pytest.mark.parametrize("K", [2, 3])
def test_float32_coefficients_stay_within_the_bounds(solver, K):
    """float32 X keeps float32 coefficients; one at a bound that float32
    cannot represent (0.1, -0.05) is rounded inwards, not to the nearest
    float32 beyond it (1.5e-9 beyond before)."""
    from sklearn.datasets import make_classification
    X, y = make_classification(600, 30, n_informative=10, n_redundant=10, n_classes=K,
                               random_state=0)
    fit = LogisticRegression(lower_bounds=-0.05, upper_bounds=0.1, solver=solver).fit(
        X.astype(np.float32), y)
    assert fit.coef_.dtype == np.float32
    c = fit.coef_.astype(np.float64)
    assert c.max() <= 0.1 and c.min() >= -0.05
    assert np.any(c > 0.1 - 1e-7) and np.any(c < -0.05 + 1e-7)     # (bounds reached)


def test_multinomial_quasi_newton_on_float32_x_takes_one_float64_copy(monkeypatch):
    """Dense float32 X in the multinomial L-BFGS stage: one float64 copy for
    the fit (NumPy converted X at every product, 1.8 times the float64
    fit's time), none under low_memory; the same fit either way, float32
    coefficients, and the float64 data's fit."""
    from sklearn.datasets import make_classification
    from fastreg import config_context
    X, y = make_classification(2000, 30, n_informative=8, n_classes=4, random_state=0)
    X32 = np.asfortranarray(X, dtype=np.float32)
    copies = []
    asf = np.asfortranarray

    def counting(a, dtype=None, **kw):
        if dtype is np.float64 and getattr(a, "dtype", None) == np.float32 and a.size > 1000:
            copies.append(a.shape)
        return asf(a, dtype=dtype, **kw)

    monkeypatch.setattr(np, "asfortranarray", counting)
    a = LogisticRegression(tol=1e-8).fit(X32, y)
    assert copies == [X32.shape]
    with config_context(low_memory=True):
        b = LogisticRegression(tol=1e-8).fit(X32, y)
    assert copies == [X32.shape]
    assert a.coef_.dtype == np.float32
    np.testing.assert_array_equal(a.coef_, b.coef_)
    c = LogisticRegression(tol=1e-8).fit(X32.astype(np.float64), y)
    np.testing.assert_allclose(a.coef_, c.coef_, atol=1e-6)


def test_dense_data_is_solved_alike_dense_or_sparse():
    """The solver's choice (L-BFGS-B for smooth fits of dense data) reads
    the data, not its storage: half-dense X fitted dense and as CSR agrees
    far within tol (scikit-learn's test_logistic_cv_sparse asks 1e-5 at tol
    1e-7), for two and three classes."""
    from sklearn.datasets import make_classification
    for K, zeros in ((2, 0.0), (3, 0.0), (2, 1.5)):
        X, y = make_classification(300, 8, n_informative=4, n_classes=K, random_state=7)
        X[X < zeros] = 0.0          # (half of X nonzero; or 7%: a dense array counted too)
        a = LogisticRegression(C=10.0, tol=1e-7).fit(X, y)
        b = LogisticRegression(C=10.0, tol=1e-7).fit(sp.csr_matrix(X), y)
        np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(b.intercept_, a.intercept_, rtol=1e-8, atol=1e-10)


def test_logistic_fits_run_on_one_thread_and_restore_the_pools(monkeypatch):
    """A logistic fit's BLAS calls (dense products, L-BFGS) run on one
    thread, as the least-squares paths' do, in every entry point, and the
    pools get their thread counts back afterwards."""
    from threadpoolctl import threadpool_info
    from fastreg import LogisticPath, _logistic
    before = [(i["filepath"], i["num_threads"]) for i in threadpool_info()]
    seen = []
    path = _logistic.newton_path

    def spying(*args, **kwargs):
        seen.append({i["num_threads"] for i in threadpool_info()})
        return path(*args, **kwargs)

    monkeypatch.setattr(_logistic, "newton_path", spying)
    X, y = make(n=200, p=10, seed=4)
    LogisticRegression().fit(X, y)
    logistic_path(X, y, n_alphas=3)
    LogisticPath(n_alphas=3).fit(X, y)
    LogisticRegressionCV(Cs=2, cv=2).fit(X, y)
    assert len(seen) >= 5 and all(s == {1} for s in seen), seen
    assert [(i["filepath"], i["num_threads"]) for i in threadpool_info()] == before
    # folds in threads: each limits the process-wide BLAS count, and ends
    # in any order; the counts still come back (they were left at 1)
    for _ in range(3):
        LogisticRegressionCV(Cs=3, cv=4, n_jobs=2).fit(X, y)
        assert [(i["filepath"], i["num_threads"]) for i in threadpool_info()] == before


def test_l1_multinomial_on_correlated_dense_columns_converges():
    """An L1 fit of dense, correlated columns with 5 classes (scikit-learn's
    saga converges on it): the rounds' model solves, loose at a tenth of
    the gap, left a gradient residual the gap is made of, the gap stalled at
    25 x tol and the fit warned.  A round that barely moves the gap now
    solves its models ten times tighter.  Certified, and the oracle's L1
    conditions hold."""
    from sklearn.datasets import make_classification
    X, y = make_classification(5000, 50, n_informative=10, n_classes=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = LogisticRegression(l1_ratio=1.0, max_iter=1000).fit(X, y)
    null = softmax_objective(X, y, 0 * fit.coef_, np.log(np.bincount(y) / 5000), 0.0, 1.0)
    assert fit.dual_gap_ <= 1e-4 * null
    gW, _ = softmax_gradient(X, y, fit.coef_, fit.intercept_, np.ones(5000))
    alpha, W = 1.0 / 5000, fit.coef_
    # (a gap of tol F(b0) allows gradients of about sqrt(2 tol F H))
    assert np.abs(gW[W == 0]).max() <= alpha + 2e-4
    assert np.abs(gW[W != 0] + alpha * np.sign(W[W != 0])).max() <= 2e-4


def test_common_shift_keeps_the_step_exact_at_tight_tol():
    """The common shift moved D by delta X[:, j] while each coefficient moved
    by fl(w + delta) - w: near the optimum that rounding outweighed the
    model's decrease, every joint step was refused, and a tight L2 fit
    ended by the stall rule with a ConvergenceWarning at gap 4e-16 (the
    code before the shift: 2 rounds).  (Found by review.)"""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3000, 10))
    y = np.argmax(X @ rng.standard_normal((3, 10)).T + rng.gumbel(size=(3000, 3)), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = LogisticRegression(C=0.1, tol=1e-10, max_iter=300).fit(X, y)
    assert fit.dual_gap_ <= 1e-10 * np.log(3) and fit.n_iter_[0] < 100


def softmax_gradient(X, y, W, b, sw):
    """The weighted mean softmax loss's gradient in (W, b): ((K, p), (K,))."""
    eta = dense(X) @ W.T + b
    P = np.exp(eta - eta.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    R = sw[:, None] * (P - np.eye(W.shape[0])[y]) / sw.sum()
    return R.T @ dense(X), R.sum(axis=0)


@pytest.mark.parametrize("sparse, fit_intercept", [(False, True), (True, True),
                                                    (False, False)])
def test_unpenalised_multinomial_against_the_oracle(sparse, fit_intercept):
    """C=np.inf with four classes: the softmax ignores a shift common to a
    feature's coefficients, so the model's minimiser is the one summing to
    0 over the classes (as scikit-learn's).  Its gradient vanishes (oracle),
    it matches the oracle's minimiser (the last class's coefficients fixed
    at 0 by BFGS, then centred) and scikit-learn's lbfgs, and its gap is
    certified."""
    from scipy.optimize import minimize
    X, y = make_multiclass(n=400, p=5, K=4, seed=17)
    sw = np.random.default_rng(5).uniform(0.5, 2.0, 400)
    Xf = sp.csc_matrix(X) if sparse else X
    fit = LogisticRegression(C=np.inf, tol=1e-12, fit_intercept=fit_intercept).fit(
        Xf, y, sample_weight=sw)
    W, b = fit.coef_, fit.intercept_
    np.testing.assert_allclose(W.sum(axis=0), 0.0, atol=1e-12)
    assert abs(b.sum()) < 1e-12 and (fit_intercept or not np.any(b))
    gW, gb = softmax_gradient(X, y, W, b, sw)
    # (a gap of tol F allows a gradient of about sqrt(2 tol F H_max))
    assert np.abs(gW).max() < 1e-6 and (not fit_intercept or np.abs(gb).max() < 1e-6)
    Y = np.eye(4)[y]

    def reduced(z):
        V = np.vstack([z[:15].reshape(3, 5), np.zeros(5)])
        c = np.append(z[15:], 0.0) if fit_intercept else np.zeros(4)
        eta = X @ V.T + c
        top = eta.max(axis=1)
        lse = top + np.log(np.exp(eta - top[:, None]).sum(axis=1))
        P = np.exp(eta - lse[:, None])
        value = sw @ (lse - (eta * Y).sum(axis=1)) / sw.sum()
        R = sw[:, None] * (P - Y) / sw.sum()
        grad = np.concatenate([(R.T @ X)[:3].ravel(), R.sum(axis=0)[:3]])
        return value, grad[:15 + 3 * fit_intercept]

    z = minimize(reduced, np.zeros(15 + 3 * fit_intercept), jac=True, method="BFGS",
                 options=dict(gtol=1e-12, maxiter=10000)).x
    V = np.vstack([z[:15].reshape(3, 5), np.zeros(5)])
    np.testing.assert_allclose(W, V - V.mean(axis=0), atol=1e-6)
    # the gap bounds the suboptimality against the oracle's minimum; the
    # same objective at the shifted coefficients and intercepts
    shifted = np.concatenate([(W[:3] - W[3]).ravel(), (b[:3] - b[3])[:3 * fit_intercept]])
    assert reduced(shifted)[0] - reduced(z)[0] <= fit.dual_gap_ + 1e-14
    null = np.log(4.0)                      # (F(0), above the null model's F(b0))
    assert fit.n_iter_[0] >= 1 and fit.dual_gap_ <= 1e-12 * null
    # at points short of the optimum too
    bounded = []
    for max_iter in (1, 2, 3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            early = LogisticRegression(C=np.inf, max_iter=max_iter, tol=1e-14,
                                       fit_intercept=fit_intercept).fit(Xf, y, sample_weight=sw)
        We, be = early.coef_, early.intercept_
        point = np.concatenate([(We[:3] - We[3]).ravel(), (be[:3] - be[3])[:3 * fit_intercept]])
        subopt = reduced(point)[0] - reduced(z)[0]
        assert subopt <= early.dual_gap_ + 1e-14
        bounded.append(1e-13 < early.dual_gap_ < np.inf and subopt > 0)
    assert any(bounded)
    sk = SkLogisticRegression(C=np.inf, tol=1e-12, max_iter=10000,
                              fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(W, sk.coef_, atol=1e-5)
    np.testing.assert_allclose(b, sk.intercept_, atol=1e-5)


def test_unpenalised_multinomial_on_well_separated_classes_is_certified_early():
    """Ten well-separated classes (10% of the labels drawn at random, so
    a finite optimum exists): every row has a class of tiny probability,
    where the common metric's projection leaves the dual point outside the
    simplex; the softmax metric's does not.  The fit is certified within 3
    steps, and its gap, finite from the first step (where the common metric
    gave inf), bounds the suboptimality against a BFGS oracle."""
    from scipy.optimize import minimize
    rng = np.random.default_rng(1)
    n, p, K = 2000, 3, 10
    y = np.arange(n) % K
    X = 6.0 * rng.standard_normal((K, p))[y] + rng.standard_normal((n, p))
    flip = rng.random(n) < 0.1
    y[flip] = rng.integers(0, K, flip.sum())
    Y = np.eye(K)[y]
    fit = LogisticRegression(C=np.inf, tol=1e-4, max_iter=3).fit(X, y)
    assert fit.n_iter_[0] <= 3
    null = softmax_objective(X, y, np.zeros((K, p)), np.log(np.bincount(y) / n), 0.0, 1.0)
    assert fit.dual_gap_ <= 1e-4 * null

    def reduced(z):
        V = np.vstack([z[:(K - 1) * p].reshape(K - 1, p), np.zeros(p)])
        c = np.append(z[(K - 1) * p:], 0.0)
        eta = X @ V.T + c
        top = eta.max(axis=1)
        lse = top + np.log(np.exp(eta - top[:, None]).sum(axis=1))
        R = (np.exp(eta - lse[:, None]) - Y) / n
        grad = np.concatenate([(R.T @ X)[:K - 1].ravel(), R.sum(axis=0)[:K - 1]])
        return np.mean(lse - (eta * Y).sum(axis=1)), grad

    best = minimize(reduced, np.zeros((K - 1) * (p + 1)), jac=True, method="BFGS",
                    options=dict(gtol=1e-11, maxiter=20000)).fun
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        early = LogisticRegression(C=np.inf, max_iter=1).fit(X, y)
    for one in (fit, early):
        W, b = one.coef_, one.intercept_
        point = np.concatenate([(W[:-1] - W[-1]).ravel(), b[:-1] - b[-1]])
        assert reduced(point)[0] - best <= one.dual_gap_ + 1e-12 < np.inf


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("kwargs", [dict(C=1.0, l1_ratio=1.0), dict(C=100.0, l1_ratio=0.5),
                                    dict(C=np.inf)])
def test_multinomial_columns_with_an_offset_fit_as_centred_ones(sparse, kwargs):
    """A column plus a constant (1e2 to 1e8) is nearly collinear with the
    intercepts: the coordinate steps along it zig-zagged with theirs and
    crawled (offset 1e4, C=1: 53 steps, gap 0.4, warned).  The same fit as
    the centred column's, with the intercepts shifted by -offset * coef,
    within a few steps more."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = np.arange(200) % 3
    X[:, 0] += y
    tol = 1e-10
    base = LogisticRegression(tol=tol, **kwargs).fit(X, y)
    for offset in (1e2, 1e4, 1e8):
        Xo = X.copy()
        Xo[:, 2] += offset
        with warnings.catch_warnings():
            # (at 1e8 the predictor's rounding, |b| eps ~ 1e-8, sets the
            # certificate's floor, near tol: then a warning may say so)
            warnings.simplefilter("error" if offset < 1e8 else "ignore",
                                  ConvergenceWarning)
            fit = LogisticRegression(tol=tol, **kwargs).fit(
                sp.csc_matrix(Xo) if sparse else Xo, y)
        if offset < 1e8:
            assert fit.n_iter_[0] <= base.n_iter_[0] + 5
        assert fit.dual_gap_ <= (tol if offset < 1e8 else 1e-8) * np.log(3)
        np.testing.assert_allclose(fit.coef_, base.coef_, atol=2e-5)
        shifted = base.intercept_ - offset * base.coef_[:, 2]
        np.testing.assert_allclose(fit.intercept_, shifted - shifted.mean(),
                                   atol=2e-5 * max(1.0, offset * np.abs(base.coef_).max()))


def test_multinomial_path_with_unpenalised_features_meets_the_oracle_kkt():
    """penalty_factor 0 on two features with three classes, along an L1
    path: at every alpha those features' gradients vanish and their
    coefficients sum to 0 over the classes, the penalised ones meet the
    L1 conditions (oracle), and each gap is certified; bounds on an
    unpenalised feature are refused by name."""
    X, y = make_multiclass(n=300, p=8, K=3, seed=19)
    pf = np.array([0, 1, 1, 0, 1, 1, 1, 1.0])
    tol = 1e-10
    alphas, coefs, gaps, b = logistic_path(X, y, penalty_factor=pf, n_alphas=5,
                                           eps=0.05, tol=tol, return_intercept=True)
    sw = np.ones(300)
    for i, alpha in enumerate(alphas):
        W = coefs[:, :, i]
        gW, gb = softmax_gradient(X, y, W, b[:, i], sw)
        np.testing.assert_allclose(W[:, pf == 0].sum(axis=0), 0.0, atol=1e-12)
        assert np.abs(gW[:, pf == 0]).max() < 1e-7 and np.abs(gb).max() < 1e-7
        pen = pf > 0
        g, w = gW[:, pen], W[:, pen]
        assert np.all(np.abs(g) <= alpha * (1 + 1e-6))
        np.testing.assert_allclose(g[w != 0], -alpha * np.sign(w[w != 0]), atol=1e-6 * alpha)
        null = softmax_objective(X, y, 0 * W, np.log(np.bincount(y) / 300), 0.0, 1.0)
        assert gaps[i] <= tol * null
    assert np.any(coefs[:, pf > 0, -1])
    with pytest.raises(ValueError, match=r"must leave unpenalised features "
                                         r".*feature 0 has bounds \(0.0, inf\)"):
        logistic_path(X, y, penalty_factor=pf, lower_bounds=np.zeros(8))


def test_multinomial_steps_are_joint_on_coupled_classes():
    # well separated classes couple the softmax's curvature across classes:
    # one class at a time with the others fixed, this fit took 493 rounds
    # (2.3 s); joint steps 13 (0.65 s)
    from sklearn.datasets import make_classification
    X, y = make_classification(600, 20, n_informative=10, n_classes=4,
                               n_clusters_per_class=1, class_sep=2.0, random_state=0)
    alpha = 1.0 / 600
    _, coefs, gaps, b = logistic_path(X, y, alphas=[alpha], tol=1e-7,
                                      return_intercept=True)
    clf = LogisticRegression(C=1.0, l1_ratio=1.0, tol=1e-7).fit(X, y)
    assert clf.n_iter_[0] <= 100
    W, b = coefs[:, :, 0], b[:, 0]
    null = softmax_objective(X, y, np.zeros_like(W), np.log(np.bincount(y) / 600),
                             0.0, 1.0)
    assert gaps[0] <= 1e-7 * null
    ours = softmax_objective(X, y, W, b, alpha, 1.0)
    assert softmax_objective(X, y, clf.coef_, clf.intercept_, alpha, 1.0) \
        <= ours + 2e-7 * null


def test_multinomial_datafit_oracle():
    rng = np.random.default_rng(13)
    y = rng.integers(0, 4, 40)
    Y = np.eye(4)[y]
    eta = 5 * rng.standard_normal((40, 4))
    f = Multinomial(Y)
    value, R, H = f.evaluate(eta)
    P = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    lse = np.log(np.exp(eta).sum(axis=1))
    assert value == pytest.approx(np.mean(lse - eta[np.arange(40), y]), rel=1e-13)
    np.testing.assert_allclose(R, (P - Y) / 40, rtol=1e-10, atol=1e-18)
    np.testing.assert_allclose(H, P * (1 - P) / 40, rtol=1e-10, atol=1e-18)
    # Fenchel-Young equality at theta = -R
    assert value - f.dual(-R) == pytest.approx(float(np.sum(R * eta)), abs=1e-12)


@pytest.mark.parametrize("scoring", [None, "neg_log_loss", "roc_auc"])
def test_cv_chooses_scikit_learns_C(scoring):
    from sklearn.linear_model import LogisticRegressionCV as SkCV
    from sklearn.model_selection import StratifiedKFold
    X, y = make(n=300, p=15, seed=14)
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    ours = LogisticRegressionCV(Cs=12, l1_ratios=[1.0], cv=cv, scoring=scoring,
                                tol=1e-8, n_jobs=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = SkCV(Cs=12, l1_ratios=[1.0], cv=cv, solver="saga", tol=1e-10,
                  max_iter=100000, scoring=scoring or "accuracy").fit(X, y)
    assert sk.scores_.keys() == ours.scores_.keys() == {1}
    assert ours.scores_[1].shape == sk.scores_[1].shape == (4, 12, 1)
    # (at the smallest Cs the solution is the intercept-only model, which
    # saga only approaches: its log-losses there are off by up to 5e-3)
    live = ours.Cs_ >= 0.1
    np.testing.assert_allclose(ours.scores_[1][:, live], sk.scores_[1][:, live], atol=1e-4)
    assert ours.C_[0] == pytest.approx(sk.C_[0])
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-4)
    # refit: the chosen model on all the data
    ref = LogisticRegression(C=ours.C_[0], l1_ratio=1.0, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-10)


def test_cv_one_standard_error_rule_and_l1_ratios():
    X, y = make(n=200, p=15, seed=15)
    best = LogisticRegressionCV(Cs=10, l1_ratios=[0.5, 1.0], cv=3).fit(X, y)
    simple = LogisticRegressionCV(Cs=10, l1_ratios=[0.5, 1.0], cv=3,
                                  selection_rule="1se").fit(X, y)
    assert best.scores_[1].shape == (3, 10, 2)
    mean = best.scores_[1].mean(axis=0)
    i, r = np.unravel_index(np.argmax(mean), mean.shape)
    assert best.C_[0] == best.Cs_[i] and best.l1_ratio_[0] == best.l1_ratios_[r]
    se = np.std(best.scores_[1][:, i, r]) / np.sqrt(3)
    j = int(np.flatnonzero(best.Cs_ == simple.C_[0])[0])
    k = int(np.flatnonzero(best.l1_ratios_ == simple.l1_ratio_[0])[0])
    assert simple.C_[0] <= best.C_[0]
    assert mean[j, k] >= mean[i, r] - se
    with pytest.raises(ValueError, match="selection_rule must be one of"):
        LogisticRegressionCV(selection_rule="2se").fit(X, y)
    with pytest.raises(ValueError, match=r"l1_ratios must be values in \[0, 1\]"):
        LogisticRegressionCV(l1_ratios=[2.0]).fit(X, y)


@pytest.mark.parametrize("multiclass", [False, True])
@pytest.mark.parametrize("legacy", [True, False])
@pytest.mark.parametrize("refit", [True, False])
def test_cv_attributes_have_scikit_learns_layout(multiclass, legacy, refit):
    """scores_, coefs_paths_, n_iter_, C_ and l1_ratio_ are laid out as
    scikit-learn's, in both of its layouts, and hold the same values (a
    user's ``scores_[1]`` is class 1's grid, not fold 1's); refit=False
    averages each fold's own best model, as scikit-learn does."""
    from sklearn.linear_model import LogisticRegressionCV as SkCV
    from sklearn.model_selection import StratifiedKFold
    if multiclass:
        X, y = make_multiclass(n=150, p=6)
    else:
        X, y = make(n=150, p=6, seed=16)
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    # (an array: scikit-learn 1.9's refit=False indexes l1_ratios with one)
    # (Cs out of order: the attributes keep the order given, as scikit-learn's)
    kw = dict(Cs=[1.0, 0.3, 10.0], l1_ratios=np.array([0.5, 1.0]), cv=cv, refit=refit,
              use_legacy_attributes=legacy)
    ours = LogisticRegressionCV(tol=1e-10, max_iter=1000, **kw).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = SkCV(solver="saga", tol=1e-12, max_iter=100000, **kw).fit(X, y)
    K = 1 if not multiclass else 3
    if legacy:
        assert ours.scores_.keys() == sk.scores_.keys() == ours.coefs_paths_.keys()
        for k in sk.scores_:
            assert ours.scores_[k].shape == sk.scores_[k].shape == (3, 3, 2)
            assert ours.coefs_paths_[k].shape == sk.coefs_paths_[k].shape == (3, 3, 2, 7)
            np.testing.assert_allclose(ours.scores_[k], sk.scores_[k], atol=0.02)
        assert ours.n_iter_.shape == sk.n_iter_.shape == (1, 3, 3, 2)
        assert ours.C_.shape == sk.C_.shape == ours.l1_ratio_.shape == (K,)
        paths = {k: v for k, v in ours.coefs_paths_.items()}
    else:
        assert ours.scores_.shape == sk.scores_.shape == (3, 2, 3)
        np.testing.assert_allclose(ours.scores_, sk.scores_, atol=0.02)
        assert ours.coefs_paths_.shape == sk.coefs_paths_.shape == (3, 2, 3, K, 7)
        assert ours.n_iter_.shape == sk.n_iter_.shape == (3, 2, 3)
        assert isinstance(ours.C_, float) and isinstance(ours.l1_ratio_, float)
        keys = ours.classes_[1:] if K == 1 else ours.classes_
        paths = {k: ours.coefs_paths_[:, :, :, c].transpose(0, 2, 1, 3)
                 for c, k in enumerate(keys)}
    # each fold's model at each (C, l1_ratio) is the fit on its training rows
    folds = list(cv.split(X, y))
    train = folds[1][0]
    one = LogisticRegression(C=10.0, l1_ratio=0.5, tol=1e-10).fit(X[train], y[train])
    for c, k in enumerate(paths):
        np.testing.assert_allclose(paths[k][1, 2, 0, :6], one.coef_[c], atol=1e-7)
        np.testing.assert_allclose(paths[k][1, 2, 0, 6], one.intercept_[c], atol=1e-7)
    np.testing.assert_array_equal(ours.Cs_, sk.Cs_)
    np.testing.assert_allclose(np.atleast_1d(ours.C_), np.atleast_1d(sk.C_))
    np.testing.assert_allclose(np.atleast_1d(ours.l1_ratio_), np.atleast_1d(sk.l1_ratio_))
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=2e-3)


@parametrize_with_checks([LogisticRegression(), LogisticRegression(l1_ratio=1.0, C=10.0),
                          LogisticRegressionCV(Cs=4, cv=3),
                          LogisticRegressionCV(Cs=3, l1_ratios=[0.5, 1.0], cv=3,
                                               refit=False)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("kind", ["quadratic", "binomial", "multinomial"])
def test_datafit_change_is_exact_where_differences_of_values_are_not(kind):
    # a line search near the optimum compares steps whose effect lies below
    # the rounding of F itself: change() sums the terms' own changes
    rng = np.random.default_rng(16)
    n = 100_000
    if kind == "multinomial":
        y = rng.integers(0, 3, n)
        f = Multinomial(np.eye(3)[y])
        eta = rng.standard_normal((n, 3))
    else:
        y = (rng.random(n) < 0.3).astype(float)
        f = Quadratic(y) if kind == "quadratic" else Binomial(y)
        eta = rng.standard_normal(n)
    d = 1e-9 * rng.standard_normal(eta.shape)
    value, r, h = f.evaluate(eta)
    # second-order Taylor model: exact to O(|d|^3) (~1e-27 here); for the
    # multinomial, h is only the diagonal: its cross terms are ~|d|^2 too
    model = float(np.sum(r * d) + 0.5 * np.sum(h * d * d))
    assert f.change(eta, d) == pytest.approx(model, rel=1e-6, abs=1e-24)
    # the difference of two values is off by far more than the change itself
    naive = f.value(eta + d) - value
    assert abs(naive - model) > 10 * abs(f.change(eta, d) - model)


def _huge_mean_problem():
    # timestamps: a mean 1e6 times the spread; centring it by its mean in
    # the normal equations loses every digit of the fit
    rng = np.random.default_rng(17)
    z = rng.standard_normal(200)
    X = np.column_stack([1.7e9 + 1e3 * z, rng.standard_normal((200, 3))])
    Xc = np.column_stack([z, X[:, 1:]])
    y = (z + 0.5 * rng.standard_normal(200) > 0).astype(int)
    return X, Xc, y, np.array([0.0, 1.0, 1.0, 1.0])


def test_unpenalised_column_with_a_huge_mean_is_solved_and_certified():
    # (the certificate once reported gap 0 at 0.17 above the optimum here)
    X, Xc, y, pf = _huge_mean_problem()
    _, c, g, b = logistic_path(X, y, alphas=[0.01], tol=1e-6, penalty_factor=pf,
                               return_intercept=True)
    _, _, best = reference(Xc, y, 0.01, 1.0, pf=pf)
    # the float64 rounding of eta = X w + b, at most gamma_5 (|X| |w| + |b|)
    # per sample (6e-9 here): a gap certifies the solver's own predictor,
    # which (w, b) reproduce only to that (see the xfail test below)
    rounding = 5 * np.finfo(float).eps * np.mean(np.abs(X) @ np.abs(c[:, 0]) + abs(b[0]))
    assert objective(X, y, c[:, 0], b[0], 0.01, 1.0, pf=pf) - best <= g[0] + rounding
    # (a gap of tol * F(b0) bounds the objective, not this coefficient to
    # 1e-5 of itself: the objective is flat along it; compared at tol 1e-8)
    coef = logistic_path(X, y, alphas=[0.01], tol=1e-8, penalty_factor=pf)[1][0, 0]
    assert coef * 1e3 == pytest.approx(
        logistic_path(Xc, y, alphas=[0.01], tol=1e-10, penalty_factor=pf)[1][0, 0],
        rel=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_gap_bounds_the_suboptimality_of_w_and_b_in_exact_arithmetic():
    # (the solver's predictor eta drifts from X w + b by the rounding of
    # X w, 1e-9 per sample here: at tol 1e-10 the reported gap was 0 with
    # (w, b) 8e-12 above the optimum, before the certificate priced the
    # unconstrained variables' rounding, unconstrained_slack)
    X, Xc, y, pf = _huge_mean_problem()
    _, c, g, b = logistic_path(X, y, alphas=[0.01], tol=1e-10, penalty_factor=pf,
                               return_intercept=True)
    _, _, best = reference(Xc, y, 0.01, 1.0, pf=pf)
    w = c[:, 0]
    ld = np.longdouble
    eta = ((X[:, 0].astype(ld) * ld(w[0]) + ld(b[0]))
           + X[:, 1:].astype(ld) @ w[1:].astype(ld)).astype(np.float64)
    exact = np.mean(np.logaddexp(0.0, eta) - y * eta) + 0.01 * np.abs(w[1:]).sum()
    assert exact - best <= g[0] + 1e-13


def test_unpenalised_feature_held_at_a_bound_is_certified():
    rng = np.random.default_rng(18)
    X = rng.standard_normal((150, 4))
    y = (-X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.standard_normal(150) > 0).astype(int)
    pf = np.array([0.0, 1.0, 1.0, 1.0])
    _, c, g, b = logistic_path(X, y, alphas=[0.05, 0.01], positive=True, tol=1e-8,
                               penalty_factor=pf, return_intercept=True)
    assert np.all(np.isfinite(g)) and c[0, 0] == 0.0
    _, _, best = reference(X, y, 0.01, 1.0, pf=pf, lo=np.zeros(4))
    assert objective(X, y, c[:, 1], b[1], 0.01, 1.0, pf=pf) - best <= g[1] + 1e-12


def test_line_search_change_survives_saturated_predictions():
    f = Binomial(np.array([1.0, 0.0]))
    eta, d = np.array([40.0, -40.0]), np.array([-50.0, 50.0])
    assert f.change(eta, d) == pytest.approx(f.value(eta + d) - f.value(eta), rel=1e-12)
    g = Multinomial(np.eye(3)[[0]])
    E, D = np.array([[40.0, 0.0, 0.0]]), np.array([[-50.0, 0.0, 0.0]])
    assert g.change(E, D) == pytest.approx(g.value(E + D) - g.value(E), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_binomial_step_is_change_then_evaluate_in_one_pass(weighted):
    """The fused pass gives the change of binomial_change and the gradient
    and curvature of evaluate at eta + d, with saturated predictions, moves
    that overflow expm1, zero moves and both signs."""
    rng = np.random.default_rng(23)
    n = 4000
    # (saturated predictions, moves that overflow expm1, moves deeper into
    # saturation, out of an underflowed one, tiny moves of saturated ones)
    eta_d = [(800.0, -900.0), (-800.0, 900.0), (30.0, -750.0), (-30.0, 750.0),
             (5.0, 0.0), (0.0, 1e-12), (740.0, -1e3), (0.5, 40.0), (0.5, 30.0),
             (-0.5, -35.0), (800.0, -700.0), (-800.0, 700.0), (800.0, 1e-9),
             (-800.0, -1e-9)]
    k = len(eta_d)
    eta = np.concatenate([rng.normal(0, 3, n - k), [e for e, _ in eta_d]])
    d = np.concatenate([rng.normal(0, 2, n - k), [m for _, m in eta_d]])
    d[:n - k][rng.random(n - k) < 0.1] = 0.0
    y = (rng.random(n) < 0.4).astype(float)
    f = Binomial(y, rng.uniform(0.2, 3.0, n) if weighted else None)
    value = f.value(eta)
    change, (new_value, r, h) = f.step(eta, d, value)
    assert np.isfinite(change)
    assert change == pytest.approx(f.change(eta, d), rel=1e-13, abs=1e-300)
    assert new_value == pytest.approx(f.value(eta + d), rel=1e-12)
    _, r_ref, h_ref = f.evaluate(eta + d)
    np.testing.assert_allclose(r, r_ref, rtol=1e-11, atol=1e-300)
    # (relative, down to the curvature of saturated samples: 2.6e-18 at 40.5)
    np.testing.assert_allclose(h, h_ref, rtol=1e-11, atol=1e-300)
    assert h[n - k + 7] / f.c[n - k + 7] == pytest.approx(2.5767571091e-18, rel=1e-9, abs=0)
    # a tiny move of a saturated prediction changes F by exactly d (1 - y)
    for i in (n - 2, n - 1):
        one = Binomial(y[i:i + 1])
        want = d[i] * (1.0 - y[i]) if eta[i] > 0 else -d[i] * y[i]
        assert one.change(eta[i:i + 1], d[i:i + 1]) == pytest.approx(want, rel=1e-12, abs=0)
    # (the general losses' step is change then evaluate)
    q = Quadratic(y)
    change, fit = q.step(eta, d, q.value(eta))
    assert change == q.change(eta, d) and fit[0] == q.value(eta + d)


def test_binomial_scratch_arrays_hold_nothing_returned():
    """Binomial's passes share their temporaries from call to call: what a
    call returns (r and h, the values) is the same after other calls, and
    each call's result is what a fresh datafit gives."""
    rng = np.random.default_rng(29)
    n = 500
    y = (rng.random(n) < 0.3).astype(float)
    eta, d = rng.normal(0, 4, n), rng.normal(0, 1, n)
    f, fresh = Binomial(y), lambda: Binomial(y)
    value, r, h = f.evaluate(eta)
    change, (_, r2, h2) = f.step(eta, d, value)
    kept = [a.copy() for a in (r, h, r2, h2)]
    theta = -0.9 * r
    dual, moved = f.dual(theta), f.change(eta, 0.5 * d)
    f.evaluate(eta + d)
    for a, b in zip((r, h, r2, h2), kept):
        np.testing.assert_array_equal(a, b)
    assert dual == fresh().dual(theta) and moved == fresh().change(eta, 0.5 * d)
    assert change == fresh().step(eta, d, value)[0] == fresh().change(eta, d)
    np.testing.assert_array_equal(fresh().evaluate(eta)[1], r)
    assert np.isfinite(dual)


def test_refit_on_flipped_labels_with_warm_start_converges_quickly():
    X, y = make(n=100, p=5, seed=19)
    clf = LogisticRegression(C=1e4, warm_start=True).fit(X, y)
    clf.fit(X, 1 - y)
    cold = LogisticRegression(C=1e4).fit(X, 1 - y)
    assert clf.n_iter_[0] <= 3 * cold.n_iter_[0]
    np.testing.assert_allclose(clf.coef_, cold.coef_, rtol=1e-3, atol=1e-3)


def test_zero_alpha_is_refused():
    X, y = make(n=40, p=4)
    with pytest.raises(ValueError, match="alphas must be > 0 for logistic models"):
        logistic_path(X, y, alphas=[0.1, 0.0])


def _weighted_softmax_loss(X, y, W, b, sw):
    eta = X @ W.T + b
    top = eta.max(axis=1)
    lse = top + np.log(np.exp(eta - top[:, None]).sum(axis=1))
    return float(sw @ (lse - eta[np.arange(len(y)), y]) / sw.sum())


def test_classes_without_weight_are_fitted_nearly_in_their_limit():
    """A class without a sample of positive weight (a zero class weight, or a
    training fold that misses it): with an unpenalised intercept the
    infimum gives it probability 0, which no finite intercept attains.  The
    other classes are fitted alone (oracle KKT of their softmax objective);
    the absent one gets coefficients 0 and an intercept whose cost, within
    1e-3 of the gap target, is counted in the gap (oracle).  One class left
    alone gets probability 1 to that precision.  Without an intercept it is
    refused."""
    X, y = make_multiclass(n=150, p=6, K=3, seed=23)
    C, tol = 0.7, 1e-10
    clf = LogisticRegression(C=C, class_weight={0: 1.0, 1: 2.0, 2: 0.0}, tol=tol)
    clf.fit(X, y)
    assert np.all(np.isfinite(clf.intercept_)) and not np.any(clf.coef_[2])
    assert clf.predict_proba(X)[:, 2].max() < 1e-12 and 2 not in clf.predict(X)
    sw = np.array([1.0, 2.0, 0.0])[y]
    rows = sw > 0
    W, b = clf.coef_[:2], clf.intercept_[:2]
    gW, gb = softmax_gradient(X[rows], y[rows], W, b, sw[rows])
    alpha = 1.0 / (C * sw.sum())
    assert np.abs(gW + alpha * W).max() < 1e-8 and np.abs(gb).max() < 1e-8
    # the absent class's cost: the three-class loss over the two-class one
    cost = (_weighted_softmax_loss(X[rows], y[rows], clf.coef_, clf.intercept_, sw[rows])
            - _weighted_softmax_loss(X[rows], y[rows], W, b, sw[rows]))
    null = _weighted_softmax_loss(X[rows], y[rows], 0 * W, np.log([1 / 3, 2 / 3]), sw[rows])
    # (the difference of two O(1) losses: to rounding)
    assert 0 < cost <= clf.dual_gap_ + 1e-15 and clf.dual_gap_ <= tol * null
    # two classes, one weightless: the other's probability is 1 to tol
    X2, y2 = make(n=60, p=4, seed=24)
    one = LogisticRegression(class_weight={0: 0.0, 1: 1.0}, tol=1e-6).fit(X2, y2)
    assert np.isfinite(one.intercept_[0]) and not np.any(one.coef_)
    P = one.predict_proba(X2)
    assert np.all(one.predict(X2) == 1) and 0 < P[:, 0].max() <= one.dual_gap_
    assert one.dual_gap_ <= 1e-6 * np.log(2)
    with pytest.raises(ValueError, match="every class must have samples of positive weight "
                                         "without an unpenalised intercept.*class 2"):
        LogisticRegression(class_weight={2: 0.0}, fit_intercept=False).fit(X, y)
    with pytest.raises(ValueError, match="alphas must be given when a class has no sample"):
        logistic_path(X, y, sample_weight=(y != 1).astype(float))
    # a warm start from such a fit, refitted with every class: finite and
    # the cold fit's solution
    warm = LogisticRegression(class_weight={2: 0.0}, warm_start=True, tol=1e-10).fit(X, y)
    warm.set_params(class_weight=None).fit(X, y)
    cold = LogisticRegression(tol=1e-10).fit(X, y)
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-6)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, atol=1e-6)


def test_cv_folds_missing_a_class():
    """LogisticRegressionCV where a training fold misses a class: that fold's
    path holds the class at coefficients 0 and a low finite intercept; the
    scores (probabilistic, or built on decision_function) are finite, the
    refit sees every class, refit=False averages finite models; the
    LogisticPath of such weights answers finite values between its alphas."""
    from fastreg import LogisticPath
    X, y = make_multiclass(n=150, p=6, K=3, seed=23)
    order = np.argsort(y == 2, kind="stable")
    Xs, ys = X[order], y[order]
    n2 = int(np.sum(y == 2))
    folds = [(np.arange(150 - n2), np.arange(150 - n2, 150)),
             (np.arange(75, 150), np.arange(75))]
    for refit in (True, False):
        cv = LogisticRegressionCV(Cs=3, cv=folds, scoring="neg_log_loss", tol=1e-8,
                                  refit=refit, use_legacy_attributes=False).fit(Xs, ys)
        paths = cv.coefs_paths_[0, 0]                 # (Cs, classes, features + 1)
        assert not np.any(paths[:, 2, :-1]) and np.all(np.isfinite(paths))
        assert np.all(paths[:, 2, -1] < paths[:, :2, -1].min(axis=1) - 10)
        assert np.all(np.isfinite(cv.scores_)) and np.all(np.isfinite(cv.intercept_))
    # binary folds of one class each, scored on decision_function
    Xb, yb = make(n=90, p=4, seed=25)
    yb = np.r_[np.zeros(10), np.ones(80)].astype(int)
    from sklearn.model_selection import KFold
    # (roc_auc, undefined on a test fold of one class, is refused: see
    # test_roc_auc_on_a_fold_missing_a_class_is_refused_by_name)
    for scoring in ("neg_brier_score", "accuracy"):
        cvb = LogisticRegressionCV(Cs=3, cv=KFold(3), scoring=scoring).fit(Xb, yb)
        assert np.all(np.isfinite(cvb.coef_)) and np.all(np.isfinite(cvb.intercept_))
    # without an unpenalised intercept: refused, naming cv and the fold
    for kw in (dict(fit_intercept=False), dict(solver="liblinear")):
        with pytest.raises(ValueError, match="cv: fold 0's training rows hold no sample "
                                             "of class 0; without an unpenalised"):
            LogisticRegressionCV(Cs=2, cv=KFold(3), **kw).fit(Xb, yb)
    path = LogisticPath(alphas=[0.1, 0.01], class_weight={2: 0.0}).fit(X, y)
    for a in (0.1, 0.03, 0.01):
        assert np.all(np.isfinite(path.intercept(a)))
        assert np.all(np.isfinite(path.predict_proba(X, alpha=a)))


def test_a_stalled_alpha_stops_before_its_step_budget():
    # the gap's best over the last 10 rounds against what is left to reach
    flat = [5.0] * 11
    assert stalled(flat, 1.0, left=89)
    assert not stalled(flat[:10], 1.0, left=90)             # too few rounds yet
    assert not stalled([5.0 * 0.5 ** k for k in range(11)], 1e-6, left=89)
    # slow but steady enough for the budget left: goes on
    slow = [5.0 - 0.05 * k for k in range(11)]
    assert not stalled(slow, 1.0, left=89)
    assert stalled(slow, 1.0, left=5)
    # a gap that rose again: the best one counts (no better in 10 rounds)
    assert stalled([5.0, 1.0] + [4.0] * 10, 0.5, left=80)
    # after an unconverged alpha the window is 3 rounds
    assert stalled(flat[:4], 1.0, left=96, window=3)
    assert not stalled(flat[:3], 1.0, left=97, window=3)


def test_unconstrained_slack_prices_what_a_float_sum_rounds_away():
    """sum(theta) and x_j . theta may round to 0 in float64 where they are
    not; priced at a huge intercept or coefficient (a column 100 + 1e-8 z
    beside the intercept takes |b| ~ 1e10) that rounding is the gap's
    (a computed 0 certified 6e-17 at a point 1.9e-9 from the optimum)."""
    from fastreg._newton import unconstrained_slack
    theta = np.array([1.0, 1e-16, -1.0])
    assert theta.sum() == 0.0                                 # rounded away
    none = np.zeros(0)
    assert unconstrained_slack(none, none, 1e10, theta, True, None, None, 0.0) == \
        pytest.approx(1e-6, rel=1e-3)
    A = np.ones((3, 1))
    mags = np.abs(A).T @ np.abs(theta)
    assert unconstrained_slack(np.array([1e10]), np.array([0.0]), 0.0, theta, True, A,
                               mags, 0.0) == pytest.approx(1e-6, rel=1e-3)
    # (n, K) theta with (K, f) coefficients, as the multinomial's
    T = np.column_stack([theta, -theta])
    assert unconstrained_slack(np.full((2, 1), 1e10), np.zeros((2, 1)), np.zeros(2), T,
                               True, A, np.abs(A).T @ np.abs(T), 0.0) == \
        pytest.approx(2e-6, rel=1e-3)
    # where the rounding is far below the gap, the float64 values are priced
    assert unconstrained_slack(none, none, 1e10, theta, True, None, None, 1.0) == 0.0


def test_inner_target_with_a_residual_ratio_solves_models_below_the_residual():
    """The gap is about the optimality residual times ||w||_1: where ||w||_1
    is large, a tenth of the gap asks the model for less than the residual
    it starts from, and a residual ratio asks for that fraction of it."""
    from fastreg._newton import inner_target
    w = np.r_[999.0, 0.0]                                   # ||w||_1 + 1 = 1000
    assert inner_target(1.0, 1e-6, 1e-4, 1e-4, w) == pytest.approx(0.1)
    assert inner_target(1.0, 1e-6, 1e-4, 1e-4, w, 0.1) == pytest.approx(1e-4)
    # not below 1e-2 tol, nor looser than the gap's own target
    assert inner_target(1.0, 1e-12, 1e-4, 1e-4, w, 0.1) == pytest.approx(1e-6)
    assert inner_target(1e-3, 1e-3, 1e-4, 1e-2, w, 0.1) == pytest.approx(1e-4)
    # an uncomputed residual (inf) leaves the other rules
    assert inner_target(1.0, np.inf, 1e-4, np.inf, w, 0.1) == pytest.approx(0.1)


def test_binary_newton_steps_aim_at_a_tenth_of_the_residual(monkeypatch):
    """Every inner solve of the binary solver is aimed at most at
    _RESIDUAL_RATIO of the optimality residual certified before it (times
    ||w||_1 + 1), not only at a fraction of the gap."""
    import fastreg._newton as nw
    X, y = make(n=120, p=40, seed=3)
    state = ProxNewton(Design(X), Binomial(y), np.ones(40), np.full(40, -np.inf),
                       np.full(40, np.inf), True)
    pen = ElasticNetPenalty.of(1e-4, 1.0, np.ones(40), state.lo, state.hi)
    seen, last = [], {}
    certify, newton = nw.ProxNewton._certify, nw.ProxNewton._newton

    def record_certify(self, *a):
        out = certify(self, *a)
        last["resid"] = out[2]
        return out

    def record_newton(self, ws, pen, target, max_steps):
        seen.append((target, last["resid"], np.abs(self.w).sum() + 1.0))
        return newton(self, ws, pen, target, max_steps)

    monkeypatch.setattr(nw.ProxNewton, "_certify", record_certify)
    monkeypatch.setattr(nw.ProxNewton, "_newton", record_newton)
    tol_abs = 1e-10
    gap, steps, converged = state.solve(pen, tol_abs, 100, 1e-8)
    assert converged and len(seen) >= 2
    for target, resid, scale in seen:
        assert target <= max(nw._RESIDUAL_RATIO * resid * scale, 1e-2 * tol_abs) * (1 + 1e-12)


def test_after_an_unconverged_alpha_the_next_stalls_within_a_short_window(monkeypatch):
    """An alpha that ends unconverged gives the next one the short stall
    window (along a path they stall one after another); a converged alpha
    restores the full one."""
    import fastreg._newton as nw
    X, y = make(n=80, p=10, seed=6)
    state = ProxNewton(Design(X), Binomial(y), np.ones(10), np.full(10, -np.inf),
                       np.full(10, np.inf), True)
    pen = ElasticNetPenalty.of(1e-4, 1.0, np.ones(10), state.lo, state.hi)
    windows = []
    real = nw.stalled
    monkeypatch.setattr(nw, "stalled", lambda g, t, left, window: (
        windows.append(window), real(g, t, left, window))[1])
    assert state._window == nw._STALL_WINDOW
    gap, steps, converged = state.solve(pen, 1e-14, 1)          # out of steps
    assert not converged and state._window == nw._STALL_WINDOW_AFTER
    gap, steps, converged = state.solve(pen, 1e-8, 100, 1e-6)
    assert converged and set(windows[1:]) == {nw._STALL_WINDOW_AFTER}
    assert state._window == nw._STALL_WINDOW


def test_a_settled_solve_stops_after_the_round_that_barely_lowers_the_objective():
    """With ``settled`` an alpha ends, uncertified, after the first round
    whose objective decrease (NumPy's, from X) is at most that much, and the
    next alpha keeps the full stall window; without it the same rounds go
    on to tol."""
    import fastreg._newton as nw
    X, y = make(n=150, p=20, seed=4)

    def objective(state, alpha):
        eta = X @ state.w + state.b
        return np.mean(np.logaddexp(0.0, eta) - y * eta) + alpha * np.abs(state.w).sum()

    alpha = 2e-3
    runs = {}
    for settled in (None, 1e-6):
        state = ProxNewton(Design(X), Binomial(y), np.ones(20), np.full(20, -np.inf),
                           np.full(20, np.inf), True)
        pen = ElasticNetPenalty.of(alpha, 1.0, np.ones(20), state.lo, state.hi)
        values, newton = [objective(state, alpha)], nw.ProxNewton._newton

        def record(self, *a, newton=newton, values=values):
            out = newton(self, *a)
            values.append(objective(self, alpha))
            return out

        nw.ProxNewton._newton = record
        try:
            gap, steps, converged = state.solve(pen, 1e-14, 100, settled=settled)
        finally:
            nw.ProxNewton._newton = newton
        runs[settled] = values, converged, state._window
    loose, converged, window = runs[1e-6]
    drops = -np.diff(loose)
    assert not converged and window == nw._STALL_WINDOW
    assert drops[-1] <= 1e-6 * (1 + 1e-9) + 1e-15 and np.all(drops[:-1] > 1e-6)
    full = runs[None][0]
    assert len(full) > len(loose)
    np.testing.assert_allclose(full[:len(loose)], loose, rtol=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
def test_a_proposed_start_is_taken_only_when_the_objective_falls(sparse):
    """ProxNewton.propose moves to the proposed coefficients and intercept
    when the NumPy objective is lower there, keeping eta = X w + b and the
    datafit at eta consistent; otherwise nothing changes."""
    X, y = make(n=150, p=20, seed=6, sparse=sparse)
    p = X.shape[1]
    lo, hi = np.full(p, -np.inf), np.full(p, 1.0)          # one bound in force
    alpha = 0.02
    state = ProxNewton(Design(X), Binomial(y), np.ones(p), lo, hi, True)
    pen = ElasticNetPenalty.of(alpha, 0.8, np.ones(p), lo, hi)
    start_w = np.zeros(p)
    start_w[:3] = [0.3, -0.2, 0.1]
    state.set_start(start_w, 0.2)
    feats = np.arange(6)
    best = minimize(lambda v: objective(X, y, np.r_[v[:6], np.zeros(p - 6)], v[6],
                                        alpha, 0.8), np.zeros(7), method="Powell",
                    options=dict(xtol=1e-8, ftol=1e-12, maxiter=20000)).x
    before = objective(X, y, state.w, state.b, alpha, 0.8)
    for vals, b in [(10.0 * np.ones(6), -3.0), (best[:6], best[6])]:
        w0, b0, eta0 = state.w.copy(), state.b, state.eta.copy()
        took = state.propose(pen, feats, vals, b)
        moved = np.r_[np.minimum(vals, 1.0), np.zeros(p - 6)]     # clipped to hi
        assert took == (objective(X, y, moved, b, alpha, 0.8) < before)
        if not took:
            assert state.b == b0
            np.testing.assert_array_equal(state.w, w0)
            np.testing.assert_array_equal(state.eta, eta0)
            continue
        np.testing.assert_allclose(state.w, moved, rtol=1e-15)
        assert state.b == pytest.approx(b, rel=1e-15)
        np.testing.assert_allclose(state.eta, dense(X) @ state.w + state.b, rtol=1e-12,
                                   atol=1e-12)
        assert state.fit[0] + pen.value(state.w) == pytest.approx(
            objective(X, y, state.w, state.b, alpha, 0.8), rel=1e-12)
    assert took                   # the optimum on those features was taken


def test_anderson_weights_give_a_linear_maps_fixed_point():
    """For x_{k+1} = A x_k + b in m dimensions, m + 1 differences suffice:
    the combination is the fixed point; equal iterates give no weights."""
    from fastreg._anderson import anderson_weights
    rng = np.random.default_rng(29)
    m = 4
    Q = np.linalg.qr(rng.standard_normal((m, m)))[0]
    A = Q @ np.diag([0.9, 0.6, 0.2, -0.4]) @ Q.T
    b = rng.standard_normal(m)
    xs = [rng.standard_normal(m)]
    for _ in range(m + 1):
        xs.append(A @ xs[-1] + b)
    c = anderson_weights(xs)
    assert c.sum() == pytest.approx(1.0)
    fixed = np.linalg.solve(np.eye(m) - A, b)
    np.testing.assert_allclose(c @ np.array(xs[1:]), fixed, rtol=1e-6)
    assert np.linalg.norm(xs[-1] - fixed) > 0.1          # plain iterates far off
    assert anderson_weights([np.ones(3)] * 4) is None


def ill_conditioned_model(seed, sparse, n=400, p=30):
    """(X dense, the design, r, h): a binomial model at a random predictor
    on near-duplicate columns (6 columns, each repeated with 0.2 noise)."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, 6))
    Xd = base[:, rng.integers(0, 6, p)] + 0.2 * rng.standard_normal((n, p))
    if sparse:
        Xd[rng.random((n, p)) < 0.3] = 0.0
    design = Design(sp.csc_matrix(Xd) if sparse else Xd)
    y = (rng.random(n) < 0.4).astype(float)
    _, r, h = Binomial(y).evaluate(0.3 * rng.standard_normal(n))
    return Xd, design, r, h


def model_table(alpha, p):
    """(ws, table): all p features in the working set, under an elastic
    net (l1_ratio 0.9) at alpha without bounds, as newton_cd takes it."""
    from fastreg._penalties import ElasticNetPenalty
    ws = np.arange(p, dtype=np.int32)
    pen = ElasticNetPenalty.of(alpha, 0.9, np.ones(p), np.full(p, -np.inf), np.full(p, np.inf))
    return ws, pen.table(ws)


@pytest.mark.parametrize("sparse, keep_hx", [(False, True), (True, True), (True, False)])
@pytest.mark.parametrize("intercept", [True, False])
def test_newton_cd_ends_on_the_models_optimality_on_an_ill_conditioned_model(sparse, keep_hx,
                                                                             intercept):
    """Coordinate descent on an ill-conditioned model (near-duplicate
    columns; between its full-length sweeps it may sweep only the
    coefficients still moving) stops where every coefficient meets the
    model's optimality to about its tol (checked by NumPy from X), with
    v = r + h d exact and d the step X[:, ws] coef (plus the replies of
    nearly constant columns); sparse X with its columns' h * x kept beside
    them or computed at each step."""
    from fastreg._newton_fast import newton_cd
    Xd, design, r, h = ill_conditioned_model(41, sparse, n=600, p=60)
    n, p = Xd.shape
    ws, table = model_table(2e-3, p)
    h_sum = float(h.sum()) if intercept else 0.0
    coef = np.zeros(p)
    model = np.stack([r, h, np.zeros(n)])
    tol = 1e-9
    sweeps, db, folded = newton_cd(*design.parts, ws, coef, table, model,
                                   dict(max_epochs=100_000, tol=tol, h_sum=h_sum), keep_hx)
    assert sweeps < 100_000 and np.count_nonzero(coef) > 5
    d = Xd @ coef + db + folded
    v = r + h * d
    np.testing.assert_allclose(model[0] + h * (db + folded), v, atol=1e-12 * np.abs(r).max())
    # (the sweeps move v alone: d is made from the coefficients' changes)
    np.testing.assert_allclose(model[2] + db, d, atol=1e-12 * np.abs(d).max())
    if intercept:
        assert abs(v.sum()) <= 10 * tol
    g = Xd.T @ v + table[:, 1] * coef
    a = table[:, 0]
    viol = np.where(coef != 0, np.abs(g + a * np.sign(coef)), np.maximum(np.abs(g) - a, 0))
    # (a coefficient's step is at most tol in gradient units on the last
    # sweep; those after it move its gradient by a few times that)
    assert viol.max() <= 20 * tol


def test_model_cd_keeps_h_times_x_of_sparse_columns_unless_low_memory(monkeypatch):
    """The kernel's copy of h * X on the working set (8 bytes an entry) is
    taken for sparse X only, and not under low_memory (a copy for speed
    only); the model's minimiser is the same either way."""
    from fastreg import _newton, config_context
    seen = []
    kernel = _newton._newton_fast.newton_cd
    monkeypatch.setattr(_newton._newton_fast, "newton_cd",
                        lambda *a: seen.append(a[-1]) or kernel(*a))

    def solve(sparse, low_memory):
        _, design, r, h = ill_conditioned_model(43, sparse)
        p = design.shape[1]
        ws, table = model_table(1e-3, p)
        coef, model = np.zeros(p), np.stack([r, h, np.zeros(r.shape[0])])
        del seen[:]
        with config_context(low_memory=low_memory):
            _newton.model_cd(design, ws, coef, table, model, 1e-10, float(h.sum()))
        return coef, set(seen)

    kept, flags = solve(True, False)
    assert flags == {True}
    computed, flags = solve(True, True)
    assert flags == {False}
    np.testing.assert_allclose(computed, kept, rtol=1e-7, atol=1e-9)
    assert solve(False, False)[1] == {False}


def softmax_model(n, K, seed, scale):
    """(R, P, c): a multinomial datafit's gradient, probabilities and sample
    weights at a random predictor (scale) for random labels."""
    from fastreg._datafits import Multinomial
    rng = np.random.default_rng(seed)
    datafit = Multinomial(np.eye(K)[rng.integers(0, K, n)])
    eta = scale * rng.standard_normal((n, K))
    return datafit.evaluate(eta)[1], datafit.probabilities(eta), datafit.c


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_softmax_cd_ends_on_the_models_optimality_on_an_ill_conditioned_model(
        sparse, intercept, l1_ratio):
    """The multinomial's coordinate descent (with its hot sweeps between
    full-length ones) on an ill-conditioned joint model stops where every
    coefficient meets the model's optimality to about its tol, its
    intercepts' gradients vanish, and D = X W + db: all by NumPy from X."""
    from fastreg._newton_fast import softmax_cd
    from fastreg._penalties import ElasticNetPenalty
    Xd, design, _, _ = ill_conditioned_model(43, sparse, n=500, p=50)
    n, p = Xd.shape
    K = 3
    R, P, c = softmax_model(n, K, 7, 0.5)
    ws = np.arange(p, dtype=np.int32)
    table = ElasticNetPenalty.of(1e-3, l1_ratio, np.ones(p), np.full(p, -np.inf),
                                 np.full(p, np.inf)).table(ws)
    coef, D, db = np.zeros((p, K)), np.zeros((n, K)), np.zeros(K)
    tol = 1e-10
    sweeps = softmax_cd(*design.parts, ws, coef, table, R, P, c, D, db,
                        dict(max_epochs=100_000, tol=tol, h_sum=1.0 if intercept else 0.0))
    assert sweeps < 100_000 and np.count_nonzero(coef) > 10
    np.testing.assert_allclose(D, Xd @ coef + db, atol=1e-12 * np.abs(D).max())
    if not intercept:
        assert not np.any(db)
    # the model's gradient in eta: R + H_i D_i, H_i = c_i (diag(P_i) - P_i P_i^T)
    V = R + c[:, None] * P * (D - np.sum(P * D, axis=1, keepdims=True))
    if intercept:
        assert np.abs(V.sum(axis=0)).max() <= 10 * tol
    G = Xd.T @ V + table[:, [1]] * coef
    a = table[:, [0]]
    viol = np.where(coef != 0, np.abs(G + a * np.sign(coef)), np.maximum(np.abs(G) - a, 0))
    assert viol.max() <= 20 * tol


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("intercept", [True, False])
def test_softmax_cg_solves_the_joint_model_the_kernel_solves(intercept, sparse):
    """On a smooth penalty (L2 on every feature, dense or sparse X), conjugate
    gradients end where the joint model's gradient (NumPy, from X) is
    within _CG_RATIO tol, at the coordinate-descent kernel's minimiser, with
    D = X dW + db; the intercepts' steps sum to 0 (the model is blind to a
    common shift)."""
    from fastreg._newton import _CG_RATIO, softmax_cg
    from fastreg._newton_fast import softmax_cd
    from fastreg._penalties import ElasticNetPenalty
    rng = np.random.default_rng(5)
    n, p, K = 400, 12, 4
    base = rng.standard_normal((n, 3))
    X = base[:, rng.integers(0, 3, p)] + 0.1 * rng.standard_normal((n, p)) + 2.0
    R, P, c = softmax_model(n, K, 6, 0.7)
    ws = np.arange(p, dtype=np.int32)
    table = ElasticNetPenalty.of(0.01, 0.0, rng.uniform(0.5, 2.0, p), np.full(p, -np.inf),
                                 np.full(p, np.inf)).table(ws)
    W0 = 0.1 * rng.standard_normal((p, K))
    tol = 1e-11
    opts = dict(max_epochs=100_000, tol=tol, h_sum=1.0 if intercept else 0.0)
    got, ref = {}, {}
    for out, cg in [(got, True), (ref, False)]:
        coef, D, db = W0.copy(), np.zeros((n, K)), np.zeros(K)
        if cg:
            softmax_cg(sp.csc_matrix(X) if sparse else X, coef, table[:, 1], R, P, c, D, db,
                       opts)
        else:
            softmax_cd(*Design(X).parts, ws, coef, table, R, P, c, D, db, opts)
        out.update(coef=coef, D=D, db=db)
    np.testing.assert_allclose(got["D"], X @ (got["coef"] - W0) + got["db"],
                               atol=1e-12 * np.abs(got["D"]).max())
    V = R + c[:, None] * P * (got["D"] - np.sum(P * got["D"], axis=1, keepdims=True))
    G = X.T @ V + table[:, [1]] * got["coef"]
    assert np.abs(G).max() <= 1.01 * _CG_RATIO * tol
    if intercept:
        assert np.abs(V.sum(axis=0)).max() <= 1.01 * _CG_RATIO * tol
        assert abs(got["db"].sum()) <= 1e-12 * np.abs(got["db"]).max()
    else:
        assert not np.any(got["db"])
    # the same minimiser (unique: L2 on every feature), up to the
    # intercepts' common shift, which the kernel leaves uncentred
    np.testing.assert_allclose(got["coef"], ref["coef"], atol=1e-8)
    np.testing.assert_allclose(got["db"], ref["db"] - ref["db"].mean(), atol=1e-8)
    np.testing.assert_allclose(got["D"], ref["D"] - ref["db"].mean(), atol=1e-8)


@pytest.mark.parametrize("sparse", [False, True])
def test_model_cd_extrapolation_reaches_the_minimiser_with_an_exact_step(sparse):
    """On an ill-conditioned quadratic model (near-duplicate columns) the
    extrapolated sweeps reach the plain solve's minimiser in fewer sweeps,
    and the step they return is exactly X_ws (coef - start) + db, with
    v = r + h d (extrapolated points are rebuilt from X)."""
    from fastreg._newton import model_cd
    from fastreg._newton_fast import newton_cd
    X, design, r, h = ill_conditioned_model(31, sparse)
    n, p = X.shape
    ws, table = model_table(1e-3, p)
    runs = []
    for accelerated in (True, False):
        coef = np.zeros(p)
        model = np.stack([r, h, np.zeros(n)])
        if accelerated:
            sweeps, db = model_cd(design, ws, coef, table, model, 1e-10, float(h.sum()))
        else:
            sweeps, db, folded = newton_cd(
                *design.parts, ws, coef, table, model,
                dict(max_epochs=100_000, tol=1e-10, h_sum=float(h.sum())))
            assert folded == 0.0               # (no column is nearly constant)
            model[2] += db
            model[0] += h * db
        runs.append((sweeps, coef, model, db))
    (s_acc, c_acc, m_acc, db_acc), (s_plain, c_plain, m_plain, db_plain) = runs
    assert s_acc < 1000 and s_acc < s_plain / 2
    np.testing.assert_allclose(c_acc, c_plain, atol=1e-6 * np.abs(c_plain).max())
    step = dense(X) @ c_acc + db_acc
    np.testing.assert_allclose(m_acc[2], step, rtol=1e-9, atol=1e-12 * np.abs(step).max())
    np.testing.assert_allclose(m_acc[0], r + h * m_acc[2], rtol=1e-9,
                               atol=1e-12 * np.abs(r).max())


@pytest.mark.parametrize("variant", ["plain", "weights_bounds", "enet_pf"])
def test_a_logistic_path_takes_line_starts_and_stays_certified(variant, monkeypatch):
    """Along a path, proposals from the line through the last two solutions
    are made from the third alpha on, some are taken, and every alpha stays
    certified against the reference minimiser (weights, bounds, penalty
    factors with an unpenalised feature, elastic net)."""
    X, y = make(n=200, p=12, seed=33, sparse=variant == "weights_bounds")
    p = X.shape[1]
    kw, ref_kw, l1_ratio = {}, {}, 1.0
    if variant == "weights_bounds":
        sw = np.random.default_rng(3).uniform(0.3, 2.0, 200)
        hi = np.full(p, 0.8)
        kw = dict(sample_weight=sw, upper_bounds=hi)
        ref_kw = dict(sw=sw, hi=hi)
    elif variant == "enet_pf":
        pf = np.ones(p)
        pf[2] = 0.0
        kw, ref_kw = dict(penalty_factor=pf), dict(pf=pf)
        l1_ratio = 0.5
    taken, at, solved = [], set(), [0]
    propose, solve = ProxNewton.propose, ProxNewton.solve

    def spying(self, *args):
        at.add(solved[0])            # the index of the alpha it starts
        taken.append(propose(self, *args))
        return taken[-1]

    def counting(self, *args, **kw):
        solved[0] += 1
        return solve(self, *args, **kw)

    monkeypatch.setattr(ProxNewton, "propose", spying)
    monkeypatch.setattr(ProxNewton, "solve", counting)
    alphas, coefs, gaps, b = logistic_path(X, y, l1_ratio=l1_ratio, n_alphas=15,
                                           eps=0.02, tol=1e-8, return_intercept=True,
                                           **kw)
    # (one proposal or two per alpha: see test_a_coarse_grid_proposes_the_log_step_...)
    assert at == set(range(2, 15)) and any(taken)
    for i in range(0, 15, 2):
        _, _, best = reference(X, y, alphas[i], l1_ratio, **ref_kw)
        value = objective(X, y, coefs[:, i], b[i], alphas[i], l1_ratio,
                          sw=ref_kw.get("sw"), pf=ref_kw.get("pf"))
        assert value - best <= gaps[i] + 1e-12


def test_after_a_quick_alpha_the_first_round_aims_within_tol(monkeypatch):
    """An alpha whose predecessor converged with some nonzero coefficient
    in at most _QUICK_STEPS Newton steps solves its first round to at most
    tol_abs; every other round, and every alpha after another kind of
    alpha, to inner_target's; the path stays certified.  The fine grid's
    alphas show the rule changing targets; the coarse grid's (from w = 0,
    then alphas of several steps), alphas it leaves alone."""
    import fastreg._newton as newton_module
    X, y = make(n=300, p=40, seed=8, sparse=True)
    for n_alphas, eps in ((40, 0.01), (4, 1e-3)):
        # ("S", tol_abs), ("T", inner_target's), ("N", target), ("E", steps, converged, nnz)
        events = []
        solve, newton, inner = ProxNewton.solve, ProxNewton._newton, newton_module.inner_target

        def solving(self, pen, tol_abs, *args, **kw):
            events.append(("S", tol_abs))
            out = solve(self, pen, tol_abs, *args, **kw)
            events.append(("E", out[1], out[2], np.count_nonzero(self.w)))
            return out

        def stepping(self, ws, pen, target, *args):
            events.append(("N", target))
            return newton(self, ws, pen, target, *args)

        def targeting(*args, **kw):
            events.append(("T", inner(*args, **kw)))
            return events[-1][1]

        monkeypatch.setattr(ProxNewton, "solve", solving)
        monkeypatch.setattr(ProxNewton, "_newton", stepping)
        monkeypatch.setattr(newton_module, "inner_target", targeting)
        alphas, coefs, gaps, b = logistic_path(X, y, n_alphas=n_alphas, eps=eps, tol=1e-7,
                                               return_intercept=True)
        monkeypatch.undo()
        changed = kept = 0
        last = None                  # the last solve's ("E", ...)
        for k, event in enumerate(events):
            if event[0] == "E":
                last = event
            if event[0] != "S":
                continue
            tol_abs = event[1]
            quick = (last is not None and last[2] and last[3] > 0
                     and last[1] <= newton_module._QUICK_STEPS)
            rounds = []              # [inner_target's, the round's target]
            for e in events[k + 1:]:
                if e[0] == "E":
                    break
                if e[0] == "T":
                    rounds.append([e[1]])
                elif e[0] == "N" and rounds and len(rounds[-1]) == 1:
                    rounds[-1].append(e[1])
            for i, (aim, target) in enumerate(r for r in rounds if len(r) == 2):
                assert target == (min(aim, tol_abs) if i == 0 and quick else aim)
                changed += i == 0 and quick and aim > tol_abs
                kept += i == 0 and not quick
        assert changed >= 3 if n_alphas == 40 else kept >= 2
        for i in range(0, n_alphas, max(1, n_alphas // 4)):
            _, _, best = reference(X, y, alphas[i], 1.0)
            assert objective(X, y, coefs[:, i], b[i], alphas[i], 1.0) - best <= gaps[i] + 1e-12


@pytest.mark.parametrize("l1_ratio, seed, n_alphas, eps, tol, cap, shows", [
    (1.0, 5, 25, 0.01, 1e-6, _SKIP_RUN_MAX, "doubling"),
    (0.5, 1, 60, 1e-3, 1e-3, _SKIP_RUN_MAX, "reset"),
    (1.0, 5, 25, 0.01, 1e-6, 2 * _SKIP_RUN, "cap")])
def test_a_skipped_first_certificate_leaves_every_alpha_certified(
        l1_ratio, seed, n_alphas, eps, tol, cap, shows, monkeypatch):
    """Where the last alpha's first certificate failed, the next alpha goes
    straight to a round of steps; every returned gap is still the gap of a
    certificate computed at the returned point, and bounds the
    suboptimality against the reference minimiser.  The runs of skipped
    first certificates follow their rule (each case shows one of its
    parts: a doubled run, a reset, the cap)."""
    import fastreg._newton as newton_module
    monkeypatch.setattr(newton_module, "_SKIP_RUN_MAX", cap)
    X, y = make(n=300, p=30, seed=seed)
    calls = []                       # ("C", w, b, gap), ("N",) a round, ("S", gap)
    # (a certification may compute a second certificate: _certify's fallback)
    certify, solve, newton = ProxNewton._certify, ProxNewton.solve, ProxNewton._newton

    def certifying(self, *args):
        out = certify(self, *args)
        calls.append(("C", self.w.copy(), float(self.b), out[0]))
        return out

    def solving(self, pen, *args):
        out = solve(self, pen, *args)
        calls.append(("S", out[0]))
        return out

    def stepping(self, *args):
        calls.append(("N",))
        return newton(self, *args)

    monkeypatch.setattr(ProxNewton, "_newton", stepping)
    monkeypatch.setattr(ProxNewton, "_certify", certifying)
    monkeypatch.setattr(ProxNewton, "solve", solving)
    alphas, coefs, gaps, b = logistic_path(X, y, l1_ratio=l1_ratio, n_alphas=n_alphas,
                                           eps=eps, tol=tol, return_intercept=True)
    solves = [k for k, c in enumerate(calls) if c[0] == "S"][-n_alphas:]
    flags = []
    for i, k in enumerate(solves):
        last = calls[k - 1]
        assert last[0] == "C" and last[3] == gaps[i] == calls[k][1]
        np.testing.assert_array_equal(last[1], coefs[:, i])
        assert last[2] == b[i]
        # certificates in this solve: one per round, plus the first unless skipped
        kinds = [c[0] for c in calls[solves[i - 1] + 1:k]] if i else []
        flags.append(kinds.count("C") == kinds.count("N") > 0)
    assert sum(flags) >= 3
    # runs of skipped first certificates: _SKIP_RUN long, twice as long
    # (to _SKIP_RUN_MAX) after one computed first certificate, reset after more
    runs, start = [], None
    for i, f in enumerate(flags + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            runs.append((start, i - start))
            start = None
    allowed, seen = _SKIP_RUN, set()
    for r, (start, length) in enumerate(runs):
        if r and start - (runs[r - 1][0] + runs[r - 1][1]) == 1:
            seen.add("cap" if 2 * allowed > cap else "doubling")
            allowed = min(2 * allowed, cap)
        elif r:
            seen.add("reset")
            allowed = _SKIP_RUN
        # (the last run may be cut by the path's end)
        assert length == allowed or (r == len(runs) - 1 and length < allowed
                                     and start + length == len(flags))
    assert shows in seen, (runs, seen)
    for i in (3, 12, 24):
        _, _, best = reference(X, y, alphas[i], l1_ratio)
        assert objective(X, y, coefs[:, i], b[i], alphas[i], l1_ratio) - best \
            <= gaps[i] + 1e-12


@pytest.mark.parametrize("sparse, dtype", LAYOUTS)
def test_design_matvec_of_some_columns_matches_numpy(sparse, dtype):
    X, _ = make(n=50, p=12, seed=8, sparse=sparse, dtype=dtype)
    design = Design(X)
    cols = np.array([7, 0, 3, 11], dtype=np.int32)
    v = np.array([0.5, -2.0, 1e-3, 3.0])
    expect = dense(X).astype(np.float64)[:, cols] @ v
    np.testing.assert_allclose(design.matvec_cols(cols, v), expect, rtol=1e-12)
    np.testing.assert_array_equal(design.matvec_cols(cols[:0], v[:0]), np.zeros(50))
    w = np.zeros(12)
    w[cols] = v
    np.testing.assert_allclose(design.matvec(w), expect, rtol=1e-12)


def test_scikit_learns_other_parameters():
    """penalty maps to l1_ratio (with scikit-learn 1.9's FutureWarning);
    dual=True is refused by name but with liblinear's L2 model, and the
    unpenalised model beyond two classes; the parameters that act only on
    solvers fastreg does not run are accepted and change nothing."""
    X, y = make(n=120, p=8, seed=21)
    base = LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-10).fit(X, y)
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):
        l1 = LogisticRegression(penalty="l1", C=0.5, tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(l1.coef_, base.coef_)
    with pytest.warns(UserWarning, match="Inconsistent values: penalty=l2 with l1_ratio=1"):
        l2 = LogisticRegression(penalty="l2", l1_ratio=1.0, C=0.5, tol=1e-10).fit(X, y)
    ridge = LogisticRegression(C=0.5, l1_ratio=0.0, tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(l2.coef_, ridge.coef_)
    with pytest.warns(FutureWarning):
        en = LogisticRegression("elasticnet", l1_ratio=1.0, C=0.5, tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(en.coef_, base.coef_)
    same = LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-10, random_state=3, verbose=2,
                              n_jobs=4, intercept_scaling=7.0).fit(X, y)
    np.testing.assert_array_equal(same.coef_, base.coef_)
    for kwargs, match in [(dict(dual=True), "Solver lbfgs supports only dual=False"),
                          (dict(dual=True, solver="liblinear", l1_ratio=1.0),
                           "l1_ratio must be 0 with it, got 1.0"),
                          (dict(solver="newton"), "solver must be one of"),
                          (dict(penalty="l3"), "penalty must be one of"),
                          (dict(intercept_scaling=0.0), "intercept_scaling"),
                          (dict(dual=1), "dual must be a bool"),
                          (dict(verbose=-1), "verbose"),
                          (dict(penalty=0.5), "C is keyword-only")]:
        with pytest.raises(ValueError, match=match):
            LogisticRegression(**kwargs).fit(X, y)
    with pytest.warns(FutureWarning):
        cv = LogisticRegressionCV(Cs=3, cv=3, penalty="l1", l1_ratios=[0.5]).fit(X, y)
    assert cv.l1_ratios_.tolist() == [1.0]
    with warnings.catch_warnings():
        # no "Inconsistent values" warning when l1_ratios is not given
        warnings.simplefilter("ignore")
        warnings.filterwarnings("error", message="Inconsistent values")
        LogisticRegressionCV(Cs=3, cv=3, penalty="l1").fit(X, y)
    LogisticRegression(C=0.5, l1_ratio=1.0, verbose=True).fit(X, y)
    with pytest.raises(ValueError, match="penalty=None.*no C to choose"):
        LogisticRegressionCV(Cs=3, cv=3, penalty=None).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratios must be given with penalty='elasticnet'"):
        LogisticRegressionCV(Cs=3, cv=3, penalty="elasticnet").fit(X, y)
    with pytest.raises(ValueError, match="dual=True"):
        LogisticRegressionCV(Cs=3, cv=3, dual=True).fit(X, y)


@pytest.mark.parametrize("sparse, fit_intercept", [(False, True), (True, True),
                                                    (False, False)])
def test_unpenalised_model_against_the_oracle(sparse, fit_intercept, monkeypatch):
    """C=np.inf (and penalty=None, with scikit-learn's warnings) fits the
    unpenalised model: its gradient vanishes (oracle KKT), it matches the
    oracle minimiser and scikit-learn's lbfgs at tight tol, with weights
    too, and counts its steps; a certificate's dense least squares beyond
    the limits is refused by name."""
    from fastreg import _logistic
    X, y = make(n=300, p=6, seed=31, sparse=sparse)
    sw = np.random.default_rng(4).uniform(0.5, 2.0, 300)
    fit = LogisticRegression(C=np.inf, tol=1e-10, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=sw)
    w, b = fit.coef_.ravel(), float(fit.intercept_[0])
    assert kkt_residual(X, y, w, b, 0.0, 0.0, sw=sw, fit_intercept=fit_intercept) < 1e-8
    w_ref, b_ref, f_ref = reference(X, y, 0.0, 0.0, sw=sw, fit_intercept=fit_intercept)
    np.testing.assert_allclose(w, w_ref, atol=1e-6)
    assert objective(X, y, w, b, 0.0, 0.0, sw=sw) <= f_ref + 1e-12
    assert fit.n_iter_[0] >= 1 and fit.dual_gap_ <= 1e-10 * np.log(2.0)
    sk = SkLogisticRegression(C=np.inf, tol=1e-12, max_iter=10000,
                              fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(w, sk.coef_.ravel(), atol=1e-5)
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):
        none = LogisticRegression(penalty=None, tol=1e-10,
                                  fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(none.coef_, fit.coef_)
    with pytest.warns(UserWarning, match="Setting penalty=None will ignore the C"):
        with pytest.warns(FutureWarning):
            LogisticRegression(penalty=None, C=4.0).fit(X, y)
    monkeypatch.setattr(_logistic, "_FREE_ENTRIES", 300 * 6 - 1)
    with pytest.raises(ValueError, match="C=np.inf.*dense least-squares.*300 x 6 col"):
        LogisticRegression(C=np.inf).fit(X, y)
    with pytest.raises(ValueError, match="penalty_factor has zeros.*300 x 6 col"):
        logistic_path(X, y, penalty_factor=np.zeros(6))
    monkeypatch.setattr(_logistic, "_FREE_WORK", 300 * 5 * 5 - 1)
    with pytest.raises(ValueError, match="300 x 5 columns"):
        LogisticRegression(penalty_factor=[0, 0, 0, 0, 0, 1]).fit(X, y)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("value", [1.0, -3e3])
def test_constant_unpenalised_column_leaves_the_intercept_its_fit(sparse, value):
    """A constant column unpenalised beside the intercept (C=np.inf, or its
    penalty_factor 0) gets no rounding-level curvature: it stays at 0 and
    the rest is the fit without it (oracle KKT, and the same coefficients
    as without the column).  (Its curvature once centred on the intercept
    was 1e-33, sending it and the intercept off to +-1e14.)"""
    X, y = make(n=200, p=5, seed=41)
    Xc = np.hstack([X, np.full((200, 1), value)])
    Xc = sp.csc_matrix(Xc) if sparse else Xc
    for kwargs, alpha in [(dict(C=np.inf), 0.0),
                          (dict(C=0.5, penalty_factor=[1, 1, 1, 1, 1, 0]), 1 / (0.5 * 200))]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fit = LogisticRegression(tol=1e-10, **kwargs).fit(Xc, y)
            alone = LogisticRegression(tol=1e-10, **{**kwargs, "penalty_factor": None}
                                       ).fit(X, y)
        w, b = fit.coef_.ravel(), float(fit.intercept_[0])
        assert w[5] == 0.0
        pf = np.array([1, 1, 1, 1, 1, 0.0])
        assert kkt_residual(Xc, y, w, b, alpha, 0.0, pf=pf) < 1e-8
        np.testing.assert_allclose(w[:5], alone.coef_.ravel(), atol=1e-7)


@pytest.mark.parametrize("value", [0.1, 1.0, 3.0, 100.0, 2024.0])
def test_constant_column_in_a_multinomial_fit_gets_no_step(value):
    """A constant column beside the intercepts (three classes, unpenalised or
    penalised): its centred curvature is rounding, so it takes no step and
    the fit is the one without it.  (With the centred steps' first version a
    constant of 100 left the null model and 2024 intercepts near 1e14.)"""
    rng = np.random.default_rng(0)
    y = np.arange(300) % 3
    X = rng.standard_normal((300, 4))
    X[:, 0] += 0.7 * y
    Xc = np.column_stack([X, np.full(300, value)])
    for kwargs in (dict(C=np.inf), dict(C=1.0, l1_ratio=0.5, penalty_factor=[1, 1, 1, 1, 0])):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fit = LogisticRegression(tol=1e-10, **kwargs).fit(Xc, y)
            alone = LogisticRegression(tol=1e-10, **{**kwargs, "penalty_factor": None}
                                       ).fit(X, y)
        assert not np.any(fit.coef_[:, 4])
        np.testing.assert_allclose(fit.coef_[:, :4], alone.coef_, atol=1e-7)
        np.testing.assert_allclose(fit.intercept_, alone.intercept_, atol=1e-7)


def _longdouble_objective(X, y, W, b, alpha, penalised):
    """The mean log-loss (binary: W one row) plus alpha/2 ||W[:, penalised]||^2,
    in extended precision (the fits' own float64 objective rounds at their
    huge coefficients)."""
    eta = X.astype(np.longdouble) @ np.asarray(W, np.longdouble).T + np.asarray(
        b, np.longdouble)
    if eta.shape[1] == 1:
        eta = np.hstack([np.zeros_like(eta), eta])
    top = eta.max(axis=1)
    lse = top + np.log(np.exp(eta - top[:, None]).sum(axis=1))
    loss = np.mean(lse - eta[np.arange(len(y)), y])
    return float(loss + 0.5 * alpha * (np.asarray(W, np.longdouble)[:, penalised] ** 2).sum())


@pytest.mark.parametrize("K, spread", [(2, 1e-4), (2, 1e-6), (2, 1e-8), (3, 1e-4),
                                       (3, 1e-6)])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_nearly_constant_unpenalised_column_is_fitted_and_certified(K, spread, seed):
    """An unpenalised column 100 + spread z beside the intercept is the
    column z reparametrised (w_z = spread w, b_z = b + 100 w): the oracle
    is the fit on z, and the column's fit must reach its objective (in
    extended precision) within its reported gap, with w of order 1/spread.
    (Binary coordinate descent kept the intercept's reply to this column's
    huge steps apart, and at spread 1e-6 its model diverged to 1e300: the
    fit stayed at w = 0, 0.07 above the optimum, gap inf.  And without the
    dual constraints' slack, 12 of 32 fits at spread 1e-4 reported a gap
    below their suboptimality.)"""
    rng = np.random.default_rng(seed)
    n = 300
    Z = rng.standard_normal((n, 4))
    y = np.argmax(1.5 * Z[:, :K] + rng.gumbel(size=(n, K)), axis=1)
    X = Z.copy()
    X[:, 0] = 100 + spread * Z[:, 0]
    kwargs = dict(C=1.0, penalty_factor=[0, 1, 1, 1], max_iter=1000)
    alpha, pen = 1.0 / n, np.array([False, True, True, True])
    ref = LogisticRegression(tol=1e-14, **kwargs).fit(Z, y)
    best = _longdouble_objective(Z, y, ref.coef_, ref.intercept_, alpha, pen)
    for tol in (1e-6, 1e-10):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = LogisticRegression(tol=tol, **kwargs).fit(X, y)
        subopt = _longdouble_objective(X, y, fit.coef_, fit.intercept_, alpha, pen) - best
        assert subopt <= fit.dual_gap_ + 1e-15
        if tol == 1e-6:
            assert fit.dual_gap_ <= tol * np.log(K)
            np.testing.assert_allclose(spread * fit.coef_[:, 0], ref.coef_[:, 0],
                                       atol=1e-3)


def test_unpenalised_model_on_separable_data_warns_by_name():
    """Separable classes: no finite minimiser.  The fit stops within
    max_iter steps and says why, naming C, not an internal alpha; C is
    still checked with penalty=None."""
    X, _ = make(n=60, p=4, seed=42)
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match="C=np.inf: the unpenalised model did "
                      "not converge within max_iter=30.*separable"):
        fit = LogisticRegression(C=np.inf, max_iter=30).fit(X, y)
    assert 1 <= fit.n_iter_[0] <= 30
    for C in (-1.0, "a"):
        with pytest.raises(ValueError, match="C must be"):
            LogisticRegression(penalty=None, C=C).fit(X, y)


def test_binomial_datafit_is_quiet_under_raising_seterr():
    """The datafit's NumPy passes under- and overflow by design (the
    kernels handle those samples): np.seterr(all='raise') changes nothing."""
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    eta = np.array([-800.0, 800.0, 1e5, -1e300, 0.3])
    d = np.array([1e3, -1e3, 0.5, 2.0, 0.1])
    datafit = Binomial(y)
    quiet = (datafit.evaluate(eta)[0], datafit.value(eta), datafit.change(eta, d),
             datafit.step(eta, d, 0.0)[0], datafit.dual(-datafit.evaluate(eta)[1]))
    with np.errstate(all="raise"):
        loud = (datafit.evaluate(eta)[0], datafit.value(eta), datafit.change(eta, d),
                datafit.step(eta, d, 0.0)[0], datafit.dual(-datafit.evaluate(eta)[1]))
    assert quiet == loud and np.all(np.isfinite(loud))


@pytest.mark.parametrize("free", [3, 0])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_screened_certificate_gives_the_whole_products_gap(l1_ratio, free, monkeypatch):
    """A certificate computes X^T theta only where a feature may reach its
    constraint (ProxNewton._correlations): the entries it leaves are
    bounds of the true ones, which stay within 0.8 of their L1 weight;
    every certificate's gap and residual equal, bit for bit, those from
    the whole product at the same point; and the path matches the oracle.
    With ``free`` unpenalised columns (pf = 0) the dual point is NumPy's
    projection, without them the kernel's (dual_point), whose distance
    from the last whole product's point sets the bounds."""
    from fastreg import _newton
    X, y = make(n=400, p=300, seed=51, sparse=True)
    pf = np.ones(300)
    pf[:free] = 0.0
    seen = []
    screened, certificate = ProxNewton._correlations, ProxNewton.certificate

    def checked(self, theta, pen, sums):
        v = screened(self, theta, pen, sums)
        whole = self.design.dots(theta)
        left = v != whole
        seen.append(np.count_nonzero(left))
        assert np.all(np.abs(whole[left]) <= 0.8 * pen.a[left])
        assert np.all(np.abs(v[left]) >= np.abs(whole[left]))
        assert not np.any(left[self.free]) and not np.any(left[self.w != 0])
        return v

    def twice(self, pen):
        gap, v = certificate(self, pen)
        resid = self.residual(pen, v)
        last = self._last_full
        with monkeypatch.context() as m:
            m.setattr(_newton, "_SCREEN_SHARE", -1.0)
            gap_whole, v_whole = certificate(self, pen)
        self._last_full = last
        assert gap == gap_whole and resid == self.residual(pen, v_whole)
        return gap, v

    monkeypatch.setattr(ProxNewton, "_correlations", checked)
    monkeypatch.setattr(ProxNewton, "certificate", twice)
    alphas, coefs, gaps, intercepts = logistic_path(
        X, y, l1_ratio=l1_ratio, n_alphas=30, tol=1e-8, penalty_factor=pf,
        return_intercept=True)
    assert sum(seen) > 0
    for k in (10, 29):
        assert kkt_residual(X, y, coefs[:, k], intercepts[k], alphas[k], l1_ratio,
                            pf=pf) < 1e-6


def test_screening_bounds_rest_on_exact_norms_and_finite_references():
    """The screening bound's column norms are summed in float64 (a float32
    column of 1e-23 entries has norm 3.2e-23, not 0: its squares
    underflow in float32), and a product at a point with NaN is no
    reference: the next point's product is computed whole."""
    X = sp.csc_matrix(np.full((10, 2), 1e-23, np.float32))
    np.testing.assert_allclose(Design(X).norms, np.sqrt(10) * 1e-23, rtol=1e-6)
    Xs, y = make(n=50, p=4, seed=61, sparse=True)
    state = ProxNewton(Design(Xs), Binomial(y), np.ones(4), np.full(4, -np.inf),
                       np.full(4, np.inf), True)
    pen = ElasticNetPenalty.of(0.1, 1.0, np.ones(4), state.lo, state.hi)
    theta = np.linspace(-0.01, 0.01, 50)
    bad = np.where(np.arange(50) == 3, np.nan, theta)
    state._correlations(bad, pen, dual_sums(bad, state.fit[1]))
    last = state._last_full
    sums = dual_sums(theta, state.fit[1], theta0=None if last is None else last[0])
    np.testing.assert_array_equal(state._correlations(theta, pen, sums),
                                  state.design.dots(theta))


@pytest.mark.parametrize("K, fit_intercept", [(2, False), (2, True), (3, False), (3, True)])
def test_a_tol_below_rounding_ends_at_the_rounding_level(K, fit_intercept):
    """tol=1e-18 (scikit-learn's tests ask for it) cannot be met: the
    optimality residual is measured beyond its rounding, so the solve ends
    at the rounding level in a few steps, at the tight solution, instead of
    spending max_iter steps (10,000 took 6 s on 30 samples)."""
    X, y = (make(n=30, p=3, seed=4) if K == 2 else make_multiclass(n=30, p=3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegression(C=10.0, fit_intercept=fit_intercept, tol=1e-18,
                                 max_iter=10000).fit(X, y)
    ref = LogisticRegression(C=10.0, fit_intercept=fit_intercept, tol=1e-12,
                             max_iter=10000).fit(X, y)
    assert clf.n_iter_[0] < 100
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-9)


def test_cv_default_l1_ratios_and_score_follow_scikit_learn():
    """Without l1_ratios the legacy attributes have no l1_ratio axis (as
    scikit-learn 1.9's), and score() uses the CV's scoring."""
    from sklearn.linear_model import LogisticRegressionCV as SkCV
    from sklearn.metrics import log_loss
    X, y = make_multiclass(n=120, p=5)
    ours = LogisticRegressionCV(Cs=4, cv=3, scoring="neg_log_loss", tol=1e-8).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = SkCV(Cs=4, cv=3, scoring="neg_log_loss", tol=1e-8, max_iter=1000,
                  use_legacy_attributes=True).fit(X, y)
    for k in sk.classes_:
        assert ours.scores_[k].shape == sk.scores_[k].shape == (3, 4)
        assert ours.coefs_paths_[k].shape == sk.coefs_paths_[k].shape == (3, 4, 6)
        np.testing.assert_allclose(ours.scores_[k], sk.scores_[k], rtol=1e-4)
    assert ours.n_iter_.shape == sk.n_iter_.shape == (1, 3, 4)
    assert ours.l1_ratios_.tolist() == [0.0]
    assert ours.score(X, y) == pytest.approx(-log_loss(y, ours.predict_proba(X)), rel=1e-12)
    assert ours.score(X, y) == pytest.approx(sk.score(X, y), rel=1e-4)
    sw = np.linspace(0.5, 2.0, y.size)
    assert ours.score(X, y, sample_weight=sw) == pytest.approx(
        -log_loss(y, ours.predict_proba(X), sample_weight=sw), rel=1e-12)


def test_cv_scores_weigh_the_test_rows_by_sample_weight():
    """With sample_weight, each fold's score weighs its test rows (as
    scikit-learn 1.9's): integer weights score as repeated rows."""
    X, y = make(n=90, p=5, seed=23)
    sw = np.random.default_rng(4).integers(1, 4, 90)
    groups = np.arange(90) % 3
    rep = np.repeat(np.arange(90), sw)
    kw = dict(Cs=[0.01, 0.3, 3.0], l1_ratios=[0.5], scoring="neg_log_loss", tol=1e-10)
    def by_group(g):
        return [(np.flatnonzero(g != k), np.flatnonzero(g == k)) for k in range(3)]

    weighted_folds = by_group(groups)
    weighted = LogisticRegressionCV(cv=weighted_folds, **kw)
    weighted.fit(X, y, sample_weight=sw.astype(float))
    # the same folds of the repeated rows
    repeated = LogisticRegressionCV(cv=by_group(groups[rep]), **kw).fit(X[rep], y[rep])
    np.testing.assert_allclose(weighted.scores_[1], repeated.scores_[1], rtol=1e-6)


@pytest.mark.parametrize("multiclass", [False, True])
def test_sparsify_and_densify_keep_the_predictions(multiclass):
    X, y = make_multiclass(n=90, p=6) if multiclass else make(n=90, p=6, seed=2)
    clf = LogisticRegression(C=0.3, l1_ratio=1.0).fit(X, y)
    dense_scores = clf.decision_function(X)
    proba = clf.predict_proba(X)
    assert clf.sparsify() is clf and sp.issparse(clf.coef_)
    np.testing.assert_allclose(clf.decision_function(X), dense_scores, rtol=1e-12)
    np.testing.assert_allclose(clf.decision_function(sp.csr_matrix(X)), dense_scores,
                               rtol=1e-12)
    np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=1e-12)
    # a warm start from sparse coefficients
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.densify() is clf and isinstance(clf.coef_, np.ndarray)
    np.testing.assert_allclose(clf.decision_function(X), dense_scores, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("h_kind", ["spread", "some zero", "all zero"])
@pytest.mark.parametrize("near", [True, False])
def test_the_dual_point_kernel_matches_its_numpy_definition(intercept, h_kind, near):
    """_newton_fast.dual_point (the certificate's dual point without free
    columns, with its sums in the same passes) against metric_projection
    and dual_sums in NumPy: the point, its norm, sums, the gradient's
    sum |r|, the distance from r's own point and from the last reference,
    with curvatures that vanish in part or in whole (no projection then).
    g is a model's gradient r + h d, as certificates take it: the shift,
    the two points' distance, is a small difference of large terms."""
    from fastreg import _newton_fast
    rng = np.random.default_rng(7)
    n = 5_000
    r = rng.standard_normal(n) * 1e-3
    h = rng.uniform(0, 0.25, n) / n
    if h_kind == "some zero":
        h[::3] = 0.0
    elif h_kind == "all zero":
        h[:] = 0.0
    g = r + h * rng.standard_normal(n) * 1e-3
    theta0 = rng.standard_normal(n) * 1e-3 if near else None
    theta = np.empty(n)
    got = _newton_fast.dual_point(g, h, r, np.empty(0) if theta0 is None else theta0,
                                  intercept, theta)
    want = metric_projection(g, h, None, intercept, negate=True)
    np.testing.assert_allclose(theta, want, rtol=1e-12, atol=1e-18)
    shift = np.linalg.norm(metric_projection(g - r, h, None, intercept))
    sums = dual_sums(want, r, shift, theta0)
    np.testing.assert_allclose(np.sqrt(got[0]), sums.norm, rtol=1e-12)
    np.testing.assert_allclose(got[1], sums.abs_sum, rtol=1e-12)
    np.testing.assert_allclose(got[2], sums.total, atol=1e-12 * sums.abs_sum)
    np.testing.assert_allclose(got[3], sums.r_abs, rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(got[4]), sums.shift, rtol=1e-12)
    if near:
        np.testing.assert_allclose(np.sqrt(got[5]), sums.dist, rtol=1e-12)
    else:
        assert np.isnan(got[5]) and np.isnan(sums.dist)
    if intercept and h_kind != "all zero":
        assert abs(got[2]) < 1e-12 * got[1]       # projected: sums to 0
    else:
        np.testing.assert_array_equal(theta, -g)
    if not intercept:
        # no projection reads no curvature (an infinite one is no NaN)
        h[0] = np.inf
        _newton_fast.dual_point(g, h, r, np.empty(0), intercept, theta)
        np.testing.assert_array_equal(theta, -g)
    with pytest.raises(ValueError, match="length"):
        _newton_fast.dual_point(g, h[:-1], r, np.empty(0), intercept, theta)


def test_the_rounding_floor_is_per_column():
    """A column of huge values (a timestamp) has a large rounding floor;
    the other columns keep theirs, so their KKT violations are still
    checked at scikit-learn's tol."""
    from fastreg._newton import rounding_floor
    rng = np.random.default_rng(1)
    n = 20_000
    X = np.column_stack([rng.standard_normal((n, 3)), 1.7e9 + 3e7 * rng.standard_normal(n)])
    r = (rng.uniform(size=n) - 0.5) / n
    floor, floor_b = rounding_floor(Design(X), -r, r, True)
    eps = np.finfo(float).eps
    norms = np.linalg.norm(X, axis=0)
    np.testing.assert_allclose(floor, 2 * n * eps * norms * np.linalg.norm(r), rtol=1e-12)
    assert floor[3] > 1e-3 and floor[:3].max() < 1e-11 and floor_b < 1e-11
    # multinomial: per class, class-major
    R = np.column_stack([r, 2 * r])
    floor, _ = rounding_floor(Design(X), -R, R, False)
    np.testing.assert_allclose(floor[4:], 2 * floor[:4], rtol=1e-12)


def test_dense_designs_past_int32_offsets_index_in_64_bits(monkeypatch):
    """A dense X of 2^31 entries or more is read at 64-bit offsets (j * n
    overflows int32); the threshold lowered, the same fits come out."""
    import fastreg._newton as nw
    X, y = make(n=100, p=6, seed=9)
    assert Design(X).parts[1].dtype == np.int32
    ref = LogisticRegression(C=0.5, l1_ratio=0.5, tol=1e-10).fit(X, y)
    monkeypatch.setattr(nw, "_INT32_ENTRIES", X.size - 1)
    assert Design(X).parts[1].dtype == np.int64
    big = LogisticRegression(C=0.5, l1_ratio=0.5, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(big.coef_, ref.coef_, rtol=1e-12, atol=1e-14)
    cols = np.array([4, 1], dtype=np.int32)
    np.testing.assert_allclose(Design(X).matvec_cols(cols, np.array([1.0, -2.0])),
                               X[:, 4] - 2 * X[:, 1], rtol=1e-12)
    Xm, ym = make_multiclass(n=90, p=5)
    monkeypatch.setattr(nw, "_INT32_ENTRIES", np.iinfo(np.int32).max)
    ref = LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-10).fit(Xm, ym)
    monkeypatch.setattr(nw, "_INT32_ENTRIES", Xm.size - 1)
    big = LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-10).fit(Xm, ym)
    np.testing.assert_allclose(big.coef_, ref.coef_, rtol=1e-12, atol=1e-14)


def liblinear_objective(X, y, w, b, C, scaling, l1_ratio, sw=None):
    """liblinear's objective: C sum_i sw_i loss_i + penalty of (w, b / scaling)."""
    eta = dense(X) @ w + b
    sw = np.ones(len(y)) if sw is None else sw
    theta = np.append(w, b / scaling)
    pen = l1_ratio * np.abs(theta).sum() + 0.5 * (1 - l1_ratio) * theta @ theta
    return C * sw @ (np.logaddexp(0.0, eta) - y * eta) + pen


@pytest.mark.parametrize("sparse", [False, True])
def test_liblinear_model_against_an_oracle(sparse):
    """solver='liblinear' minimises liblinear's objective, whose intercept is
    penalised through its column of intercept_scaling: against L-BFGS on
    that smooth objective (L2), with sample weights, and against
    scikit-learn's liblinear at a tight tol (L2 and L1)."""
    X, y = make(n=150, p=6, seed=31, sparse=sparse, shift=1.5)
    sw = np.random.default_rng(5).uniform(0.5, 2.0, 150)
    C, s = 0.05, 2.0
    est = LogisticRegression(solver="liblinear", C=C, intercept_scaling=s,
                             tol=1e-12).fit(X, y, sample_weight=sw)

    def f(theta):
        return liblinear_objective(X, y, theta[:-1], s * theta[-1], C, s, 0.0, sw)

    ref = minimize(f, np.zeros(7), method="L-BFGS-B",
                   options=dict(gtol=1e-12, ftol=1e-15, maxiter=10_000)).x
    np.testing.assert_allclose(est.coef_[0], ref[:-1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(est.intercept_[0], s * ref[-1], rtol=1e-5)
    assert f(np.append(est.coef_[0], est.intercept_[0] / s)) <= f(ref) + 1e-12
    # the penalised intercept is shrunk: the unpenalised one differs
    free = LogisticRegression(C=C, tol=1e-12).fit(X, y, sample_weight=sw)
    assert abs(free.intercept_[0] - est.intercept_[0]) > 0.05
    for l1_ratio in (0.0, 1.0):
        ours = LogisticRegression(solver="liblinear", C=C, l1_ratio=l1_ratio,
                                  intercept_scaling=s, tol=1e-12).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = SkLogisticRegression(solver="liblinear", C=C, l1_ratio=l1_ratio,
                                          intercept_scaling=s, tol=1e-10,
                                          max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5)
        # and ours is the lower on liblinear's objective (to its rounding)
        assert (liblinear_objective(X, y, ours.coef_[0], ours.intercept_[0], C, s, l1_ratio)
                <= liblinear_objective(X, y, theirs.coef_[0], theirs.intercept_[0], C, s,
                                       l1_ratio) + 1e-9)


def test_liblinear_settings():
    """A large intercept_scaling leaves the intercept nearly unpenalised (the
    other solvers' model); without an intercept, or at C = inf, liblinear's
    model is theirs; float32 X gives float64 coefficients (as scikit-learn's
    liblinear); dual=True gives the same L2 minimiser; warm starts, sparse
    X, bounds and penalty factors keep the intercept's column apart; and
    the caller's X is not changed."""
    X, y = make(n=120, p=5, seed=32, shift=1.0)
    X0 = X.copy()
    base = LogisticRegression(C=0.3, tol=1e-12).fit(X, y)
    big = LogisticRegression(solver="liblinear", C=0.3, intercept_scaling=1e4,
                             tol=1e-12).fit(X, y)
    np.testing.assert_allclose(big.coef_, base.coef_, rtol=1e-6)
    np.testing.assert_allclose(big.intercept_, base.intercept_, rtol=1e-6)
    np.testing.assert_array_equal(X, X0)
    for kw in (dict(fit_intercept=False), dict(C=np.inf)):
        a = LogisticRegression(solver="liblinear", tol=1e-12, **kw).fit(X, y)
        b = LogisticRegression(solver="newton-cg", tol=1e-12, **kw).fit(X, y)
        np.testing.assert_array_equal(a.coef_, b.coef_)
        np.testing.assert_array_equal(a.intercept_, b.intercept_)
        # ('lbfgs' starts smooth dense fits by L-BFGS-B: the same minimiser)
        c = LogisticRegression(tol=1e-12, **kw).fit(X, y)
        np.testing.assert_allclose(c.coef_, a.coef_, rtol=1e-9)
    lib = LogisticRegression(solver="liblinear", C=0.3, tol=1e-12).fit(X, y)
    f32 = LogisticRegression(solver="liblinear", C=0.3, tol=1e-12).fit(
        X.astype(np.float32), y)
    assert f32.coef_.dtype == np.float64
    np.testing.assert_allclose(f32.coef_, lib.coef_, atol=1e-6)
    dual = LogisticRegression(solver="liblinear", dual=True, C=0.3, tol=1e-12).fit(X, y)
    np.testing.assert_array_equal(dual.coef_, lib.coef_)
    with pytest.raises(ValueError, match=r"l1_ratios must all be 0 with it, got \[0.0, 1.0\]"):
        LogisticRegressionCV(solver="liblinear", dual=True, l1_ratios=[0.0, 1.0], Cs=2,
                             cv=2, refit=False).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"tol \* F\(0\) = log 2"):
        LogisticRegression(solver="liblinear", C=1e4, max_iter=1, tol=1e-14).fit(X, y)
    spr = LogisticRegression(solver="liblinear", C=0.3, tol=1e-12).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(spr.coef_, lib.coef_, atol=1e-9)
    np.testing.assert_allclose(spr.intercept_, lib.intercept_, atol=1e-9)
    warm = LogisticRegression(solver="liblinear", C=0.3, tol=1e-12, warm_start=True)
    warm.fit(X, y)
    warm.set_params(C=0.2).fit(X, y)
    cold = LogisticRegression(solver="liblinear", C=0.2, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-8)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, atol=1e-8)
    # a scalar bound applies to the features, not to the intercept's column
    # (1 - y is 0 for 63% of the rows: the intercept is negative)
    boxed = LogisticRegression(solver="liblinear", C=0.3, tol=1e-12, lower_bounds=0.0,
                               penalty_factor=[1, 1, 1, 1, 0.5]).fit(X, 1 - y)
    assert boxed.coef_.min() >= 0 and boxed.intercept_[0] < -0.1
    pf = np.array([1, 1, 1, 1, 0.5])

    def f(theta):
        eta = X @ theta[:-1] + theta[-1]
        return (0.3 * np.sum(np.logaddexp(0.0, eta) - (1 - y) * eta)
                + 0.5 * (pf @ theta[:-1] ** 2 + theta[-1] ** 2))

    ref = minimize(f, np.zeros(6), method="L-BFGS-B", bounds=[(0, None)] * 5 + [(None, None)],
                   options=dict(gtol=1e-12, ftol=1e-15, maxiter=10_000)).x
    np.testing.assert_allclose(boxed.coef_[0], ref[:-1], atol=1e-6)
    np.testing.assert_allclose(boxed.intercept_[0], ref[-1], atol=1e-6)


def test_liblinear_cv_paths():
    """LogisticRegressionCV(solver='liblinear'): each fold's path point is
    the single liblinear fit on the fold's training rows, and the refit is
    LogisticRegression's at the chosen C."""
    X, y = make(n=150, p=6, seed=33, shift=1.0)
    cv = LogisticRegressionCV(solver="liblinear", Cs=[0.01, 0.1, 1.0], cv=3, tol=1e-12,
                              intercept_scaling=3.0).fit(X, y)
    from sklearn.model_selection import StratifiedKFold
    train = next(iter(StratifiedKFold(3).split(X, y)))[0]
    for i, C in enumerate([0.01, 0.1, 1.0]):
        one = LogisticRegression(solver="liblinear", C=C, intercept_scaling=3.0,
                                 tol=1e-12).fit(X[train], y[train])
        np.testing.assert_allclose(cv.coefs_paths_[1][0, i], np.append(one.coef_[0],
                                                                        one.intercept_),
                                   atol=1e-7)
    refit = LogisticRegression(solver="liblinear", C=cv.C_[0], intercept_scaling=3.0,
                               tol=1e-12).fit(X, y)
    np.testing.assert_array_equal(cv.coef_, refit.coef_)
    np.testing.assert_array_equal(cv.intercept_, refit.intercept_)


@pytest.mark.parametrize("tol, warm", [(1e-6, 1e-5), (1e-4, 1e-3), (5e-3, 1e-2), (0.05, 0.05)])
def test_a_single_fits_warm_path_is_solved_loosely(tol, warm, monkeypatch):
    """A single L1 fit from zero solves its warm path's alphas to 10 tol (at
    most 1e-2 of F(b0), never tighter than tol) and its own alpha to tol."""
    X, y = make(n=200, p=30, seed=9)
    asked = []
    solve = ProxNewton.solve

    def recording(self, pen, tol_abs, max_steps, tol_grad=np.inf, settled=None):
        asked.append((tol_abs / self.null_value, tol_grad,
                      np.inf if settled is None else settled / self.null_value))
        return solve(self, pen, tol_abs, max_steps, tol_grad, settled)

    monkeypatch.setattr(ProxNewton, "solve", recording)
    est = LogisticRegression(l1_ratio=1.0, C=5.0, tol=tol).fit(X, y)
    assert len(asked) >= 3
    *path, last = asked
    # (the warm alphas also end once a round lowers the objective by at
    # most _SETTLED times the fit's own tol_abs)
    np.testing.assert_allclose([a[:2] for a in path], warm, rtol=1e-12)
    np.testing.assert_allclose([a[2] for a in path], _SETTLED * tol, rtol=1e-12)
    np.testing.assert_allclose(last, [tol, tol, np.inf], rtol=1e-12)
    # (the gap on logistic_path's scale: at most tol times F(b0) <= log 2)
    assert est.dual_gap_ <= tol * np.log(2.0)


@pytest.mark.parametrize("K", [None, 3])
@pytest.mark.parametrize("free", [0, 2])
@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("negate", [False, True])
def test_metric_projection_against_weighted_least_squares(K, free, intercept, negate):
    # the projection of theta in the metric m onto {sum = 0 (intercept),
    # A^T . = 0}: theta - m B lam with B = [1, A], lam from the weighted
    # normal equations B^T M B lam = B^T theta (an independent oracle), negated
    # with negate; the input is left as it was
    rng = np.random.default_rng(3 + free + 5 * intercept)
    n = 40
    theta = rng.standard_normal((n,) if K is None else (n, K))
    m = rng.uniform(0.1, 2.0, n)
    A = rng.standard_normal((n, free)) + 3.0 if free else None
    B = np.column_stack([np.ones(n)] * intercept + [A] * bool(free) + [np.empty((n, 0))])
    before = theta.copy()
    got = metric_projection(theta, m, A, intercept, negate=negate)
    np.testing.assert_array_equal(theta, before)
    if B.shape[1]:
        lam = np.linalg.solve(B.T @ (m[:, None] * B), B.T @ theta)
        want = theta - (m[:, None] if K else m) * (B @ lam)
        np.testing.assert_allclose(B.T @ got, 0.0, atol=1e-12)
    else:
        want = theta
    np.testing.assert_allclose(got, -want if negate else want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
def test_a_newton_step_is_certified_by_its_models_dual_point(sparse, monkeypatch):
    """After a Newton step taken whole, the dual point is the model's
    gradient r + h d.  Along a path its gap is never over 1.1 times the
    datafit's own gradient's and somewhere under a tenth of it (the reason
    for it: the own gradient meets the support's optimality only to first
    order in the step, and the worst violation sets the dual point's
    scale); it bounds the suboptimality against the reference minimiser,
    and the optimality residual with its slack bounds the one the
    datafit's own dual point gives."""
    X, y = make(n=400, p=60, seed=0, sparse=sparse)
    certificate = ProxNewton.certificate
    seen = []                    # (alpha, w, b, model's gap, own gap)

    def both(self, pen):
        if self._model_r is None:
            return certificate(self, pen)
        model_r = self._model_r
        self._model_r = None
        own = certificate(self, pen)
        own_resid = self.residual(pen, own[1])
        self._model_r = model_r
        out = certificate(self, pen)
        assert self.residual(pen, out[1]) >= own_resid
        if np.isfinite(out[0]):
            # the slack: ||x_j|| ||theta_own - theta_model||
            free = self._projected()
            apart = np.linalg.norm(self._dual_point(free, self.fit[1])[0]
                                   - self._dual_point(free, model_r)[0])
            np.testing.assert_allclose(self._slack, self.design.norms * apart,
                                       rtol=1e-9, atol=1e-15)
        seen.append((pen.a[0], self.w.copy(), self.b, out[0], own[0]))
        return out

    monkeypatch.setattr(ProxNewton, "certificate", both)
    logistic_path(X, y, l1_ratio=1.0, n_alphas=30, eps=1e-3, tol=1e-8)
    model, own = np.array([s[3] for s in seen]), np.array([s[4] for s in seen])
    assert len(seen) >= 10
    # (on this data: the model's point is seldom worse, and far better somewhere)
    assert np.mean(model <= 1.1 * own) >= 0.9
    assert np.any(model < 0.1 * own)
    for k in np.argsort(model / own)[:3]:
        alpha, w, b, gap, _ = seen[k]
        _, _, best = reference(X, y, alpha, 1.0)
        assert objective(X, y, w, b, alpha, 1.0) - best <= gap + 1e-12


def test_a_models_dual_point_failing_the_residual_by_its_slack_gives_way():
    """A point whose gap is met by the model's dual point, but whose
    residual fails only by that point's slack, is certified by the
    datafit's own gradient instead."""
    X, y = make(n=300, p=20, seed=3)
    design, datafit = Design(X), Binomial(y)
    p = X.shape[1]
    state = ProxNewton(design, datafit, np.ones(p), np.full(p, -np.inf),
                       np.full(p, np.inf), True)
    pen = ElasticNetPenalty.of(0.01, 1.0, np.ones(p), state.lo, state.hi)
    tol_abs = 1e-10 * state.null_value
    gap, _, converged = state.solve(pen, tol_abs, 100, 1e-8)
    assert converged
    # a model's gradient r + h d for a step d of +-0.01 per sample
    _, r, h = state.fit
    state._model_r = r + h * 0.01 * np.where(np.arange(300) % 2, 1.0, -1.0)
    gap_m, v = state.certificate(pen)
    assert np.max(state._slack) > 1e-6 and state.residual(pen, v) > 1e-6
    gap, v, resid = state._certify(pen, 1.0, 1e-6)
    assert state._model_r is None and not np.any(state._slack) and resid <= 1e-6


def test_local_order_puts_a_frequent_columns_samples_together():
    """local_order is a permutation that sorts the samples by their
    presence in the most frequent columns (the most frequent first);
    rows_in_order is X[order] with sorted indices and leaves X as it was."""
    from fastreg._newton import local_order, rows_in_order
    rng = np.random.default_rng(5)
    X = sp.random(500, 200, density=0.03, format="csc", random_state=6).toarray()
    X[:, 7] = (rng.random(500) < 0.6) * 1.0             # the most frequent
    X[:, 3] = (rng.random(500) < 0.4) * 2.0             # the second
    X = sp.csc_matrix(X)
    before = X.data.copy(), X.indices.copy(), X.indptr.copy()
    order = local_order(X)
    assert np.array_equal(np.sort(order), np.arange(500))
    has7, has3 = X[:, 7].toarray()[order, 0] != 0, X[:, 3].toarray()[order, 0] != 0
    assert np.all(np.diff(has7.astype(int)) <= 0)        # column 7's samples first
    n7 = int(has7.sum())
    for part in (has3[:n7], has3[n7:]):                  # then column 3's, in each part
        assert np.all(np.diff(part.astype(int)) <= 0)
    Y = rows_in_order(X, order)
    assert Y.has_sorted_indices
    np.testing.assert_array_equal(Y.toarray(), X.toarray()[order])
    for a, b in zip(before, (X.data, X.indices, X.indptr)):
        np.testing.assert_array_equal(a, b)
    # (fewer frequent columns than the keys hold; none at all)
    assert np.array_equal(np.sort(local_order(X, columns=1000)), np.arange(500))
    assert np.array_equal(local_order(sp.csc_matrix((4, 0))), np.arange(4))


@pytest.mark.parametrize("K", [2, 3])
def test_a_path_in_local_sample_order_is_the_same_path(K, monkeypatch):
    """Large sparse paths are solved with their samples reordered
    (local_samples): the same coefficients, intercepts and certified gaps
    as in the given order, with sample weights, and X and the weights as
    they were."""
    import fastreg._newton as newton_module
    rng = np.random.default_rng(8)
    X = sp.random(600, 40, density=0.1, format="csc", random_state=9).toarray()
    X[:, 0] = (rng.random(600) < 0.5) * 1.0
    X = sp.csc_matrix(X)
    y = (X @ rng.standard_normal(40) + 0.3 * rng.standard_normal(600) > 0).astype(int)
    if K == 3:
        y = y + (X[:, 0].toarray()[:, 0] > 0) * (rng.random(600) < 0.5)
    sw = rng.uniform(0.5, 2.0, 600)
    kept = X.data.copy(), X.indices.copy(), X.indptr.copy(), sw.copy(), y.copy()
    results, orders = [], []
    local_samples = newton_module.local_samples

    def recording(X, n):
        out = local_samples(X, n)
        orders.append(out[1])
        return out

    monkeypatch.setattr("fastreg._logistic.local_samples", recording)
    for threshold in (10 ** 9, 100):
        monkeypatch.setattr(newton_module, "_LOCAL_SAMPLES", threshold)
        results.append(logistic_path(X, y, l1_ratio=0.8, n_alphas=12, eps=1e-2, tol=1e-10,
                                     sample_weight=sw, return_intercept=True))
    (a0, c0, g0, b0), (a1, c1, g1, b1) = results
    np.testing.assert_allclose(a1, a0, rtol=1e-12)
    np.testing.assert_allclose(c1, c0, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b1, b0, rtol=1e-6, atol=1e-8)
    assert np.all(np.asarray(g1) <= 1e-10 * 10) and np.all(np.isfinite(g0))
    for a, b in zip(kept, (X.data, X.indices, X.indptr, sw, y)):
        np.testing.assert_array_equal(a, b)
    # (the second path was solved in another order)
    assert orders[0] is None and np.any(orders[1] != np.arange(600))
    # (no copy for speed with low_memory)
    from fastreg import config_context
    with config_context(low_memory=True):
        assert local_samples(X, 12)[1] is None
    assert local_samples(X, 12)[1] is not None and local_samples(X, 9)[1] is None


@pytest.mark.parametrize("sparse", [False, True])
def test_alpha_max_with_unpenalised_features_against_the_oracle(sparse):
    """alpha_max is max_j |x_j . r0| / pf_j over the penalised features, r0
    the loss's gradient at the fit of the intercept and the unpenalised
    features (oracle: scipy's BFGS on those alone)."""
    X, y = make(n=200, p=12, seed=11, sparse=sparse)
    pf = np.ones(12)
    pf[[0, 3]] = 0.0
    Xd = dense(X)
    A = np.column_stack([np.ones(200), Xd[:, [0, 3]]])

    def f(z):
        eta = A @ z
        return (np.mean(np.logaddexp(0.0, eta) - y * eta),
                A.T @ (expit(eta) - y) / 200)

    z = minimize(f, np.zeros(3), jac=True, method="BFGS", options=dict(gtol=1e-14)).x
    for _ in range(3):                  # polished by Newton steps (BFGS stops at 1e-9)
        p_ = expit(A @ z)
        z -= np.linalg.solve(A.T @ (A * (p_ * (1 - p_))[:, None]), A.T @ (p_ - y))
    r0 = (expit(A @ z) - y) / 200
    pen = pf > 0
    expected = np.max(np.abs(Xd[:, pen].T @ r0) / pf[pen])
    alphas = logistic_path(X, y, n_alphas=2, eps=0.5, penalty_factor=pf, tol=1e-10)[0]
    assert alphas[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("depth", [40.0, 700.0, 800.0])
@pytest.mark.parametrize("intercept", [False, True])
def test_a_newton_step_where_the_model_sees_no_curvature_is_damped(intercept, depth,
                                                                   monkeypatch):
    """A column on a misfit sample (y = 1, eta = -40: gradient -c, curvature
    ~1e-18 c) and a sample fitted to rounding (y = 0, eta = -40): the Newton
    model's coordinate step is ~1e17, no halving of it descends, and the
    plain step finds none (a path then stayed at that point for every
    smaller alpha; at eta = -700 the step is 1e303 and its penalty
    overflows; at -800 the curvature underflows to 0, and the column was
    left out of every model).  The damped retry takes a step that lowers the
    objective, computed here independently, on the first damped model;
    each damping alone is enough, the last (the datafit's bound, a model
    above the loss) at t = 1."""
    from fastreg import _newton
    from fastreg._newton import newton_step
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    eta = np.array([-depth, -depth, 0.3, -0.2, 0.1, -0.5])
    X = np.zeros((6, 2))
    X[:2, 0] = 1.0
    X[2:, 1] = [0.5, -0.4, 0.8, -0.1]
    design = Design(sp.csc_matrix(X))
    datafit = Binomial(y)
    fit = datafit.evaluate(eta)
    assert fit[2][:2].max() < 1e-17 * datafit.c[0]
    ws = np.arange(2, dtype=np.int32)
    pen = ElasticNetPenalty.of(1e-3, 1.0, np.ones(2), np.full(2, -np.inf), np.full(2, np.inf))
    old = np.zeros(2)

    def objective(w, b):
        e = eta + X @ (w - old) + b
        return np.mean(np.logaddexp(0.0, e) - y * e) + 1e-3 * np.abs(w).sum()

    model_cd = _newton.model_cd
    curvatures = []             # each model's h, as model_cd saw it

    def spy(design, ws, coef, table, model, *args):
        curvatures.append(model[1].copy())
        return model_cd(design, ws, coef, table, model, *args)

    monkeypatch.setattr(_newton, "model_cd", spy)

    def step(damping, halvings=10):
        monkeypatch.setattr(_newton, "_DAMPING", damping)
        monkeypatch.setattr(_newton, "_HALVINGS_UNDAMPED", halvings)
        curvatures.clear()
        return newton_step(design, ws, pen.table(ws), pen.restricted(ws), datafit, eta,
                           fit, old, intercept, 1e-8)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert step((), halvings=40) is None
        for damping in [(1e-4, 1e-2, 1.0), (1e-4,), (1.0,)]:
            done = step(damping)
            assert done is not None, damping
            # the plain model (at -800 its zero curvatures at eps times the
            # bound), then the first damping's: h floored at 1e-4 (or 1)
            # times the bound p (1 - p) <= 1/4, per sample weight c_i
            assert len(curvatures) == 2
            underflowed = np.finfo(float).eps * 0.25 * datafit.c if depth > 745 else 0.0
            np.testing.assert_array_equal(curvatures[0], np.maximum(fit[2], underflowed))
            np.testing.assert_allclose(
                curvatures[1], np.maximum(fit[2], damping[0] * 0.25 * datafit.c), rtol=1e-15)
            assert objective(done.coef, done.t * done.db) < objective(old, 0.0) - 1e-3
            assert done.coef[0] > 0 and np.isfinite(done.d).all()
            # (the damped model's gradient is no dual point: the own one certifies)
            assert done.model_r is None
            if damping == (1.0,):
                assert done.t == 1.0


@pytest.mark.parametrize("depth", [40.0, 700.0, 800.0])
@pytest.mark.parametrize("intercept", [False, True])
def test_a_multinomial_step_where_the_model_sees_no_curvature_is_damped(
        intercept, depth, monkeypatch):
    """The multinomial form of the case above (class 0's predictor at -40
    or -700 on a sample of class 0 and one of class 1): the plain joint step finds
    no descent (and says so without an overflow warning); the damped one
    lowers the objective, computed here independently, and the predictor
    stays X W + b."""
    from fastreg import _newton
    from fastreg._newton import SoftmaxNewton
    labels = np.array([0, 1, 0, 1, 2, 2])
    Y = np.eye(3)[labels]
    X = np.zeros((6, 2))
    X[:2, 0] = 1.0
    X[2:, 1] = [0.5, -0.4, 0.8, -0.1]
    eta = np.zeros((6, 3))
    eta[:2, 0] = -depth
    eta[2:] = np.random.default_rng(0).standard_normal((4, 3)) * 0.3
    pen = ElasticNetPenalty.of(1e-3, 1.0, np.ones(6), np.full(6, -np.inf), np.full(6, np.inf))

    def objective(state):
        e = eta + X @ state.w.reshape(3, 2).T + state.b - state.b0
        lse = np.logaddexp.reduce(e, axis=1)
        return np.mean(lse - e[np.arange(6), labels]) + 1e-3 * np.abs(state.w).sum()

    def step(damping, halvings=10):
        monkeypatch.setattr(_newton, "_DAMPING", damping)
        monkeypatch.setattr(_newton, "_HALVINGS_UNDAMPED", halvings)
        state = SoftmaxNewton(Design(sp.csc_matrix(X)), Multinomial(Y), np.ones(2),
                              np.full(2, -np.inf), np.full(2, np.inf), intercept)
        state.b0 = state.b.copy()
        state._move_to(eta)
        before = objective(state)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            done = state._joint_step(pen, None, 1e-8, ws=np.arange(2, dtype=np.int32))
        return done, state, before

    done, state, before = step((), halvings=40)
    assert done is None and not np.any(state.w)
    for damping in [(1e-4, 1e-2, 1.0), (1e-4,), (1.0,)]:
        done, state, before = step(damping)
        assert done is not None, damping
        assert objective(state) < before - 1e-3
        assert state.w[0] > 0 and np.isfinite(state.eta).all()
        np.testing.assert_allclose(state.eta, eta + X @ state.w.reshape(3, 2).T
                                   + state.b - state.b0, atol=1e-9)


@pytest.mark.parametrize("K", [2, 3, 5])
def test_the_damped_softmax_curvature_lies_between_the_loss_and_its_bound(K):
    """damped_softmax's curvature c' (diag(P') - P' P'^T), per sample: at
    least the plain one, still blind to a common shift, and at beta = 1
    Boehning's bound c (I - 1 1^T / K) / 2, which is above every plain
    curvature."""
    from fastreg._newton import damped_softmax
    rng = np.random.default_rng(K)
    P = rng.dirichlet(np.full(K, 0.3), size=200)
    c = rng.random(200) / 200

    def curvature(P, c):
        return c[:, None, None] * (np.einsum("ik,kl->ikl", P, np.eye(K))
                                   - np.einsum("ik,il->ikl", P, P))

    H = curvature(P, c)
    bound = c[:, None, None] * 0.5 * (np.eye(K) - 1.0 / K)
    assert np.linalg.eigvalsh(bound - H).min() > -1e-15
    for beta in [1e-4, 1e-2, 0.5, 1.0]:
        Hb = curvature(*damped_softmax(P, c, beta, 0.5))
        assert np.linalg.eigvalsh(Hb - H).min() > -1e-15, beta
        np.testing.assert_allclose(Hb @ np.ones(K), 0.0, atol=1e-15)
    np.testing.assert_allclose(Hb, bound, atol=1e-15)


def test_the_multinomial_change_where_a_move_overflows_expm1():
    """Multinomial.change against the plain difference of the losses where
    a class's move exceeds expm1's range (709.8): the true change, neither
    inf nor NaN, and no warning."""
    Y = np.eye(3)[[0, 0, 1]]
    eta = np.array([[0.0, 0.0, -700.0], [0.0, 0.0, -800.0], [0.2, -0.1, 0.0]])
    d = np.array([[0.0, 0.0, 720.0], [0.0, 0.0, 720.0], [0.1, -0.2, 0.3]])

    def loss(e):
        return np.mean(np.logaddexp.reduce(e, axis=1) - np.sum(Y * e, axis=1))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        change = Multinomial(Y).change(eta, d)
    assert change == pytest.approx(loss(eta + d) - loss(eta), rel=1e-12)


def test_a_coarse_grid_proposes_the_log_step_on_a_settled_support(monkeypatch):
    """On a coarse grid each alpha from the third is proposed the line's
    step linear in alpha, and also the one linear in log alpha (the line
    through the last two solutions at that step) where the support grew by
    at most _SUPPORT_GROWTH between them; a fine grid gets the one step.
    Near separation the log step's start is taken; the path stays
    certified."""
    import fastreg._newton as newton_module
    from fastreg._path import line_steps, on_line
    fine = np.geomspace(1.0, 0.01, 100)
    assert len(line_steps(fine, 5)) == 1
    coarse = np.geomspace(1.0, 1e-8, 10)
    steps = line_steps(coarse, 5)
    assert len(steps) == 2 and steps[0] == pytest.approx(10 ** (-8 / 9))
    assert steps[1] == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 30))
    X[rng.random((300, 30)) < 0.6] = 0.0
    w = np.zeros(30)
    w[:6] = [2.0, -1.5, 1.0, 0.5, -2.0, 1.0]
    y = (X @ w + 0.3 * rng.standard_normal(300) > 0).astype(int)     # nearly separable
    X = sp.csc_matrix(X)
    amax = logistic_path(X, y, n_alphas=2)[0][0]
    grid = np.geomspace(amax, amax * 1e-7, 12)
    proposed = []                # (alpha, features, values, taken) per proposal
    propose = ProxNewton.propose

    def proposing(self, pen, feats, vals, b):
        proposed.append([float(np.max(pen.a)), feats.copy(), vals.copy()])
        proposed[-1].append(propose(self, pen, feats, vals, b))
        return proposed[-1][-1]

    monkeypatch.setattr(ProxNewton, "propose", proposing)
    alphas, coefs, gaps, b = logistic_path(X, y, alphas=grid, tol=1e-8, return_intercept=True)
    monkeypatch.undo()
    one = taken = 0
    for i in range(2, grid.size):
        mine = [q for q in proposed if q[0] == grid[i]]
        nnz, before = np.count_nonzero(coefs[:, i - 1]), np.count_nonzero(coefs[:, i - 2])
        settled = nnz <= newton_module._SUPPORT_GROWTH * before
        assert len(mine) == (2 if settled else 1)
        for q, step in zip(mine, line_steps(grid, i)):
            nz = np.flatnonzero(coefs[:, i - 1])
            np.testing.assert_array_equal(q[1], nz)
            np.testing.assert_allclose(q[2], on_line(coefs[nz, i - 1], coefs[nz, i - 2], step),
                                       rtol=1e-12)
        one += len(mine) == 1 and before > 0      # (a growing support, not w = 0)
        taken += len(mine) == 2 and mine[1][3]
    assert one >= 1 and taken >= 1
    for i in range(grid.size):
        _, _, best = reference(X, y, grid[i], 1.0)
        assert objective(X, y, coefs[:, i], b[i], grid[i], 1.0) - best <= gaps[i] + 1e-12


def test_polish_set_is_the_support_the_violators_and_the_unpenalised():
    """A polishing round's working set: every nonzero coefficient, every
    feature whose optimality v violates (beyond its L1 weight, in a
    direction its bounds leave open) and the unpenalised ones; not a zero
    feature within its weight, nor one held at a bound by the gradient."""
    from fastreg._newton import polish_set
    p = 7
    lo, hi = np.full(p, -np.inf), np.full(p, np.inf)
    lo[5] = 0.0                                     # w_5 >= 0
    pf = np.ones(p)
    pf[6] = 0.0
    pen = ElasticNetPenalty.of(1.0, 1.0, pf, lo, hi)
    w = np.array([0.0, 0.7, 0.0, 0.0, 0.0, 0.0, 0.3])
    # v = -gradient: 0 and 4 beyond their weight, 2 and 3 within, 5 pushed
    # below its bound of 0 (no violation there), 1 in the support
    v = np.array([1.5, -0.2, 0.99, -0.5, -1.01, -3.0, 0.0])
    ws = polish_set(pen, v, w, np.array([6], dtype=np.int32))
    assert ws.dtype == np.int32
    assert ws.tolist() == [0, 1, 4, 6]
    assert polish_set(pen, np.zeros(p), np.zeros(p), np.empty(0, np.int32)) is None
    # an unpenalised feature at 0 whose v the dual point projected out to 0:
    # in by being unpenalised, not by a violation
    w[6] = 0.0
    v[6] = 0.0
    assert polish_set(pen, v, w, np.array([6], dtype=np.int32)).tolist() == [0, 1, 4, 6]
    assert polish_set(pen, v, w, np.empty(0, np.int32)).tolist() == [0, 1, 4]
    # elastic net (a = c = 0.5): feature 2 optimal at w = 2 (-1.5 + 0.5 * 2 + 0.5
    # = 0) stays as support, feature 0 beyond a, feature 1 within it
    pen = ElasticNetPenalty.of(1.0, 0.5, np.ones(3), np.full(3, -np.inf), np.full(3, np.inf))
    ws = polish_set(pen, np.array([0.6, -0.4, 1.5]), np.array([0.0, 0.0, 2.0]),
                    np.empty(0, np.int32))
    assert ws.tolist() == [0, 2]


def _record_rounds(monkeypatch):
    """A list that gets, for each round of Newton steps, (the gap certified
    before it, its working set, ``polish_set`` at that point)."""
    import fastreg._newton as nw
    rounds, last = [], {}
    certify, newton = nw.ProxNewton._certify, nw.ProxNewton._newton

    def record_certify(self, *a):
        out = certify(self, *a)
        last.update(gap=out[0], v=out[1].copy())
        return out

    def record_newton(self, ws, pen, target, max_steps):
        rounds.append((last["gap"], ws.copy(),
                       nw.polish_set(pen, last["v"], self.w, self.free)))
        return newton(self, ws, pen, target, max_steps)

    monkeypatch.setattr(nw.ProxNewton, "_certify", record_certify)
    monkeypatch.setattr(nw.ProxNewton, "_newton", record_newton)
    return rounds


def _binary_state(X, y, alpha):
    p = X.shape[1]
    state = ProxNewton(Design(X), Binomial(y), np.ones(p), np.full(p, -np.inf),
                       np.full(p, np.inf), True)
    return state, ElasticNetPenalty.of(alpha, 1.0, np.ones(p), state.lo, state.hi)


def test_rounds_after_a_nearly_certified_one_polish_the_support(monkeypatch):
    """A round that follows one whose gap was within _POLISH_GAP times
    tol works on ``polish_set`` at that point (here every round after the
    first: the window made wide), and the alpha is still certified, by the
    NumPy oracle's gap too."""
    import fastreg._newton as nw
    X, y = make(n=300, p=60, seed=5, sparse=True)
    alpha = 0.02
    state, pen = _binary_state(X, y, alpha)
    monkeypatch.setattr(nw, "_POLISH_GAP", 1e300)
    rounds = _record_rounds(monkeypatch)
    tol_abs = 1e-9
    gap, steps, converged = state.solve(pen, tol_abs, 100, np.inf)
    assert converged and gap <= tol_abs and len(rounds) >= 3
    # (the first round's set holds candidates beyond the violators)
    assert not np.array_equal(*rounds[0][1:])
    for _, ws, expected in rounds[1:]:
        assert np.array_equal(ws, expected)
    # the oracle: primal minus the dual at the scaled, centred residual
    primal = objective(X, y, state.w, state.b, alpha, 1.0)
    theta = (y - expit(dense(X) @ state.w + state.b)) / len(y)
    theta -= theta.mean()
    s = min(1.0, alpha / np.max(np.abs(X.T @ theta)))
    pi = y - s * theta * len(y)
    dual = -np.mean(pi * np.log(pi) + (1 - pi) * np.log1p(-pi))
    assert primal - dual <= 10 * tol_abs


def test_a_later_round_polishes_exactly_when_the_last_gap_was_within_the_window(monkeypatch):
    """At the real window, a round of an alpha works on ``polish_set`` when
    the round before it left the gap within _POLISH_GAP times tol_abs, and
    on the usual (here wider) working set when it did not; the first round
    never polishes.  Both kinds of later round occur in these solves."""
    import fastreg._newton as nw
    X, y = make(n=300, p=60, seed=5, sparse=True)
    kinds = set()
    for alpha, tol_abs in ((0.02, 1e-9), (0.002, 1e-10), (0.001, 1e-10)):
        state, pen = _binary_state(X, y, alpha)
        rounds = _record_rounds(monkeypatch)
        gap, steps, converged = state.solve(pen, tol_abs, 100, np.inf)
        monkeypatch.undo()
        assert converged and gap <= tol_abs
        for i, (last_gap, ws, polish) in enumerate(rounds):
            within = last_gap <= nw._POLISH_GAP * tol_abs
            kinds.add((i > 0, within))
            if i > 0 and within:
                assert np.array_equal(ws, polish), (alpha, i, last_gap / tol_abs)
            else:
                assert not np.array_equal(ws, polish), (alpha, i, last_gap / tol_abs)
    assert {(True, True), (True, False)} <= kinds, kinds


@pytest.mark.parametrize("classes", [2, 3])
def test_unpenalised_features_that_separate_the_classes_are_named_in_the_warning(classes):
    """When the intercept and the unpenalised features alone drive the loss
    to 0 (they separate the classes), no alpha has a finite minimiser: a
    warning says so and what to do, for a path and a single fit (a
    ConvergenceWarning where the gap was not met, else a UserWarning: the
    fit is within tol of the infimum, its coefficients set by tol); where
    they do not separate, none does."""
    rng = np.random.default_rng(3)
    n, p = 90, 6
    X = rng.standard_normal((n, p))
    y = rng.integers(0, classes, n)
    pf = np.ones(p)
    pf[0] = 0.0
    X[:, 0] = y - (classes - 1) / 2 + 0.1 * rng.standard_normal(n)   # separates (binary)
    if classes == 3:
        # a second unpenalised column: (y == 1) apart from the rest
        X[:, 1] = (y == 1) - 0.5 + 0.05 * rng.standard_normal(n)
        pf[1] = 0.0
    with pytest.warns(UserWarning, match="separate the classes"):
        logistic_path(X, y, n_alphas=5, penalty_factor=pf)
    with pytest.warns(UserWarning, match="separate the classes"):
        LogisticRegression(C=1.0, l1_ratio=1.0, penalty_factor=pf).fit(X, y)
    # warm-started from the last fit (no free fit from zero before the path)
    warm = LogisticRegression(C=1.0, l1_ratio=1.0, penalty_factor=pf, warm_start=True)
    with pytest.warns(UserWarning, match="separate the classes"):
        warm.fit(X, y)
    assert np.any(warm.coef_)
    with pytest.warns(UserWarning, match="separate the classes"):
        warm.set_params(C=0.5).fit(X, y)
    # the same columns, scrambled: they no longer separate
    Xs = X.copy()
    Xs[:, :2] = rng.permutation(Xs[:, :2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logistic_path(Xs, y, n_alphas=5, penalty_factor=pf)
        LogisticRegression(C=1.0, l1_ratio=1.0, penalty_factor=pf).fit(Xs, y)
        warm.fit(Xs, y).set_params(C=1.0).fit(Xs, y)
    assert not [w for w in caught if "separate the classes" in str(w.message)]
