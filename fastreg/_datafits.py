"""Datafits: the loss part of an objective, as a function of the linear predictor.

A datafit is ``F(eta) = sum_i c_i f(eta_i, y_i)`` with ``eta = X w + b`` and
``c_i = sw_i / W`` (W = sum of the weights): the user-scale average loss.
The solvers (``fastreg._newton``) and the certificates only use the
interface below, so a new loss (Poisson, say) is one more class here:

- ``evaluate(eta)``: ``(F(eta), r, h)`` in one pass, r = F'(eta) per sample
  (the gradient in w is X^T r) and h = F''(eta) (the proximal Newton model);
- ``value(eta)``: F(eta) alone;
- ``change(eta, d)``: F(eta + d) - F(eta), summed term by term (a line
  search compares steps whose effect is below the rounding of F itself);
- ``step(eta, d, value)``: ``(change(eta, d), evaluate(eta + d))`` given
  ``value = F(eta)``, in one pass where the loss allows (a line search's
  first trial is usually the step taken);
- ``dual(theta)``: ``-sum_i F_i^*(-theta_i)``, the datafit's part of the
  dual objective, at a dual point theta in its domain (else -inf);
- ``null_model(fit_intercept)``: the intercept-only fit ``(b0, F(b0))``;
  F(b0) is the scale of the stopping rule (gap <= tol * F(b0));
- ``curvature_bound``: a B with F_i'' <= B c_i at every eta (for the
  multinomial, per sample F_i'' <= B c_i (I - 1 1^T / K)), None where there
  is none: a quadratic model with that curvature lies above F, so its
  steps always descend (the solvers' fallback where the Newton model
  fails, see ``_newton.newton_step``).

The dual point used is ``theta = -r`` (scaled and projected by the
certificate); weak duality makes ``P(w) - D(theta)`` a certified bound on
the suboptimality for any theta in the domain.

A datafit object serves one path in one thread: it may keep scratch
arrays between calls (``Binomial._scratch``).
"""
from typing import Protocol

import numpy as np
from scipy.special import xlogy

from . import _datafit_fast


class Datafit(Protocol):
    """What the solvers and certificates rely on (see the module docstring)."""

    c: np.ndarray           # per-sample weights sw_i / W (sum to 1)
    curvature_bound: float | None

    def evaluate(self, eta): ...

    def value(self, eta): ...

    def change(self, eta, d): ...

    def step(self, eta, d, value): ...

    def dual(self, theta): ...

    def null_model(self, fit_intercept): ...


def _step_in_two(datafit, eta, d, value):
    """``step`` for losses without a fused pass: the change, then the datafit
    evaluated at eta + d."""
    return datafit.change(eta, d), datafit.evaluate(eta + d)


def _exp_minus_abs(eta, out=None):
    """exp(-|eta|), in [0, 1], in one array (``out`` if given), underflowing
    quietly."""
    # (copysign(eta, -1) = -|eta|: one pass)
    e = np.copysign(eta, -1.0, out=out)
    with np.errstate(under="ignore"):
        return np.exp(e, out=e)


def row_reduce(ufunc, A):
    """``ufunc`` (np.maximum, np.minimum) over each row of a narrow (n, K)
    array, a column at a time: NumPy's axis-1 reductions of rows of a few
    entries are 20 times slower (20,000 x 5: 0.7 ms against 0.03 ms)."""
    out = A[:, 0].copy()
    for k in range(1, A.shape[1]):
        ufunc(out, A[:, k], out=out)
    return out


def _sample_scale(n, sw):
    """c_i = sw_i / sum(sw) (1 / n without weights), float64."""
    if sw is None:
        return np.full(n, 1.0 / n)
    sw = np.asarray(sw, dtype=np.float64)
    return sw / np.sum(sw)


class Quadratic:
    """Least squares: ``F(eta) = sum_i c_i (y_i - eta_i)^2 / 2``.

    The engine of ``enet_path`` solves this loss by its own kernel forms;
    this class serves the generic solver (a one-step Newton problem), its
    tests, and the oracles.
    """

    curvature_bound = 1.0

    def __init__(self, y, sw=None):
        self.y = np.asarray(y, dtype=np.float64)
        self.c = _sample_scale(self.y.shape[0], sw)

    def value(self, eta):
        return 0.5 * float(self.c @ (self.y - eta) ** 2)

    def change(self, eta, d):
        return float(self.c @ ((eta - self.y + 0.5 * d) * d))

    def step(self, eta, d, value):
        return _step_in_two(self, eta, d, value)

    def evaluate(self, eta):
        res = eta - self.y
        return 0.5 * float(self.c @ res ** 2), self.c * res, self.c

    def dual(self, theta):
        # F_i^*(s) = s y_i + s^2 / (2 c_i), at s = -theta_i (theta_i = 0 where c_i = 0)
        pos = self.c > 0
        if np.any(theta[~pos] != 0):
            return -np.inf
        return float(theta @ self.y - 0.5 * np.sum(theta[pos] ** 2 / self.c[pos]))

    def null_model(self, fit_intercept):
        b0 = float(self.c @ self.y) if fit_intercept else 0.0
        return b0, self.value(np.full_like(self.y, b0))


class Binomial:
    """Logistic loss: ``F(eta) = sum_i c_i [log(1 + exp(eta_i)) - y_i eta_i]``, y in {0, 1}.

    F_i^*(s) = c_i [pi log pi + (1 - pi) log(1 - pi)] with pi = y_i + s / c_i
    in [0, 1]: at theta = -r, pi is the fitted probability.
    """

    curvature_bound = 0.25     # p (1 - p)

    def __init__(self, y, sw=None):
        self.y = np.asarray(y, dtype=np.float64)
        self.c = _sample_scale(self.y.shape[0], sw)
        self._work = None

    def _scratch(self, k):
        """k arrays of n floats for one pass's temporaries, kept from call
        to call: fresh ones cost a page fault per 4 kB once glibc has given
        freed large blocks back to the system (197,049 samples: the change's
        arguments took 1.2 ms in two fresh arrays, 0.2 ms in kept ones).
        Nothing returned lives in them; a datafit serves one path, in one
        thread."""
        if self._work is None:
            self._work = np.empty((3, self.y.shape[0]))
        return self._work[:k]

    # (the exponentials and logarithms by NumPy's vectorised ufuncs, the
    # rest by the kernels: see _datafit_fast; their overflows, underflows
    # and NaNs are the kernels' to handle, as libm's were, so NumPy is kept
    # quiet whatever the caller's np.seterr)
    def evaluate(self, eta):
        e, l = self._scratch(2)
        _exp_minus_abs(eta, out=e)
        np.log1p(e, out=l)
        r, h = np.empty_like(eta), np.empty_like(eta)
        value = _datafit_fast.binomial_evaluate(eta, e, l, self.y, self.c, r, h)
        return value, r, h

    def value(self, eta):
        softplus = np.log1p(_exp_minus_abs(eta))
        softplus += np.maximum(eta, 0.0)
        with np.errstate(all="ignore"):
            softplus -= self.y * eta
        return float(self.c @ softplus)

    def _moves(self, eta, d):
        """e = exp(-|eta|), m = expm1(-d) where eta >= 0 (else expm1(d))
        and la = log1p(s m) with s = e / (1 + e) (the smaller of p and
        1 - p), as the change's kernels take them (where s m overflows,
        they do not read la), in the scratch arrays."""
        e, m, la = self._scratch(3)
        _datafit_fast.binomial_moves(eta, d, e, m)
        with np.errstate(all="ignore"):
            np.exp(e, out=e)
            np.expm1(m, out=m)
            _datafit_fast.binomial_log_arg(e, m, la)
            np.log1p(la, out=la)
        return e, m, la

    def change(self, eta, d):
        return _datafit_fast.binomial_change(eta, d, *self._moves(eta, d), self.y, self.c)

    def step(self, eta, d, value):
        # F(eta + d) = F(eta) + change: the change is exact term by term, so
        # each step adds one rounding of F to the running value (a drift of
        # 2e-15 was seen along a path; one direct sum over n samples may err
        # by n eps F); set_start and steps shorter than 1 evaluate afresh
        r, h = np.empty_like(eta), np.empty_like(eta)
        change = _datafit_fast.binomial_step(eta, d, *self._moves(eta, d), self.y, self.c,
                                             r, h)
        return change, (value + change, r, h)

    def dual(self, theta):
        pi, lp, lq = self._scratch(3)
        with np.errstate(all="ignore"):
            np.divide(theta, self.c, out=pi)
            np.subtract(self.y, pi, out=pi)
            np.log(pi, out=lp)
            np.negative(pi, out=lq)
            np.log1p(lq, out=lq)
        return _datafit_fast.binomial_dual(theta, pi, lp, lq, self.c)

    def null_model(self, fit_intercept):
        if not fit_intercept:
            return 0.0, self.value(np.zeros_like(self.y))
        ybar = float(self.c @ self.y)
        if ybar <= 0.0 or ybar >= 1.0:
            # one class only: the optimum is at infinity, its value 0
            return (-np.inf if ybar <= 0 else np.inf), 0.0
        b0 = float(np.log(ybar) - np.log1p(-ybar))
        return b0, self.value(np.full_like(self.y, b0))


class Multinomial:
    """Softmax loss: ``F(eta) = sum_i c_i [logsumexp_k eta_ik - eta_i,y_i]``.

    eta is (n_samples, n_classes) and Y the one-hot labels.  Per class the
    curvature h_ik = c_i p_ik (1 - p_ik) is the exact Hessian of the block
    eta[:, k] with the other classes fixed (what a per-class Newton step
    needs).  F_i^*(s) = c_i sum_k pi_k log pi_k with pi = Y_i + s / c_i on the
    simplex: at theta = -r, pi is the row of fitted probabilities.
    """

    # the joint Hessian is at most (I - 1 1^T / K) / 2 per sample (Boehning's
    # bound; each class's block at most 1/4), see SoftmaxNewton._joint_step
    curvature_bound = 0.5

    def __init__(self, Y, sw=None):
        self.y = np.asarray(Y, dtype=np.float64)
        self.c = _sample_scale(self.y.shape[0], sw)

    def _softmax(self, eta):
        top = row_reduce(np.maximum, eta)[:, None]
        e = np.exp(eta - top)
        s = (e @ np.ones(e.shape[1]))[:, None]
        return e / s, (top + np.log(s))[:, 0]

    def probabilities(self, eta):
        """The fitted class probabilities, rows of softmax(eta)."""
        return self._softmax(eta)[0]

    def evaluate(self, eta):
        P, lse = self._softmax(eta)
        c = self.c[:, None]
        value = float(self.c @ (lse - np.einsum("ik,ik->i", self.y, eta)))
        return value, c * (P - self.y), c * P * (1.0 - P)

    def value(self, eta):
        return self.evaluate(eta)[0]

    def change(self, eta, d):
        # logsumexp(eta + d) - logsumexp(eta) = log1p(sum_k p_k expm1(d_k)),
        # exact for small moves; where the sum nears -1 (a class with p ~ 1
        # moved far down) the change is large and the plain difference exact
        P, lse = self._softmax(eta)
        with np.errstate(over="ignore", invalid="ignore"):
            s = np.einsum("ik,ik->i", P, np.expm1(d))
            moved = np.log1p(np.maximum(s, -0.5))
        # (and where expm1 overflowed, a move over 709: s inf or NaN)
        far = ~((s >= -0.5) & (s < np.inf))
        if far.any():
            moved[far] = self._softmax(eta[far] + d[far])[1] - lse[far]
        return float(self.c @ (moved - np.einsum("ik,ik->i", self.y, d)))

    def step(self, eta, d, value):
        return _step_in_two(self, eta, d, value)

    def dual(self, theta):
        pos = self.c > 0
        if np.any(theta[~pos] != 0):
            return -np.inf
        pi = self.y[pos] - theta[pos] / self.c[pos, None]
        if np.any(pi < 0):
            return -np.inf
        return -float(np.sum(self.c[pos] @ xlogy(pi, pi)))

    def null_model(self, fit_intercept):
        K = self.y.shape[1]
        if not fit_intercept:
            return np.zeros(K), self.value(np.zeros_like(self.y))
        freq = self.c @ self.y
        b0 = np.log(freq)
        b0 -= b0.mean()            # intercepts sum to 0, as scikit-learn's
        return b0, self.value(np.broadcast_to(b0, self.y.shape))
