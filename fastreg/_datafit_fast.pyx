"""Per-sample datafit kernels: one pass computes a loss's value, gradient and
curvature at the linear predictor, another its dual term (see
``fastreg._datafits`` for the formulas).  Pure numerics, float64."""
from libc.math cimport exp, expm1, log, log1p, fabs, INFINITY


cdef inline double _softplus(double z) noexcept nogil:
    """log(1 + exp(z)), without overflow."""
    return (z if z > 0 else 0.0) + log1p(exp(-fabs(z)))


def binomial_evaluate(const double[::1] eta, const double[::1] y,
                      const double[::1] c, double[::1] r, double[::1] h):
    """Return sum_i c_i [log(1 + exp(eta_i)) - y_i eta_i]; r = c (p - y) and
    h = c p (1 - p) with p = 1 / (1 + exp(-eta)), in one pass."""
    cdef Py_ssize_t i, n = eta.shape[0]
    cdef double e, z, p, q, total = 0.0
    if not (y.shape[0] == c.shape[0] == r.shape[0] == h.shape[0] == n):
        raise ValueError("eta, y, c, r and h must have the same length")
    with nogil:
        for i in range(n):
            z = eta[i]
            # e = exp(-|z|) in (0, 1]: no overflow on either side
            e = exp(-fabs(z))
            if z >= 0:
                p = 1.0 / (1.0 + e)
                q = e * p                       # 1 - p, without cancellation
                total += c[i] * (z + log1p(e) - y[i] * z)
            else:
                q = 1.0 / (1.0 + e)
                p = e * q
                total += c[i] * (log1p(e) - y[i] * z)
            r[i] = c[i] * (p - y[i])
            h[i] = c[i] * p * q
    return total


def binomial_value(const double[::1] eta, const double[::1] y, const double[::1] c):
    """sum_i c_i [log(1 + exp(eta_i)) - y_i eta_i]"""
    cdef Py_ssize_t i, n = eta.shape[0]
    cdef double z, total = 0.0
    with nogil:
        for i in range(n):
            z = eta[i]
            total += c[i] * ((z if z > 0 else 0.0) + log1p(exp(-fabs(z))) - y[i] * z)
    return total


def binomial_dual(const double[::1] theta, const double[::1] y, const double[::1] c):
    """-sum_i c_i [pi log pi + (1 - pi) log(1 - pi)], pi = y_i - theta_i / c_i,
    or -inf when some pi leaves [0, 1] (or theta_i != 0 where c_i = 0)."""
    cdef Py_ssize_t i, n = theta.shape[0]
    cdef double pi, total = 0.0
    cdef bint inside = True
    with nogil:
        for i in range(n):
            if c[i] <= 0.0:
                if theta[i] != 0.0:
                    inside = False
                    break
                continue
            pi = y[i] - theta[i] / c[i]
            if pi < 0.0 or pi > 1.0:
                inside = False
                break
            if 0.0 < pi < 1.0:
                total -= c[i] * (pi * log(pi) + (1.0 - pi) * log1p(-pi))
    return total if inside else -INFINITY


def binomial_change(const double[::1] eta, const double[::1] d, const double[::1] y,
                    const double[::1] c):
    """F(eta + d) - F(eta) for the binomial datafit, term by term, exact to
    rounding relative to each term's change (a difference of two sums over
    n samples would lose what it measures below their rounding).

    softplus(eta + d) - softplus(eta) is log1p(p expm1(d)) with
    p = 1 / (1 + exp(-eta)) for eta < 0, and d + log1p(q expm1(-d)) with
    q = 1 - p for eta >= 0: the factor (p or q) is at most 1/2, so the
    argument of log1p stays above -1/2 (never log1p(-1) = -inf).  Where
    p expm1(+-d) overflows (|d| > 709; NaN as 0 * inf once p underflows
    too), the change is as large as |d| and the difference of the two
    softplus values exact to its rounding."""
    cdef Py_ssize_t i, n = eta.shape[0]
    cdef double z, p, e, a, total = 0.0
    if not (d.shape[0] == y.shape[0] == c.shape[0] == n):
        raise ValueError("eta, d, y and c must have the same length")
    with nogil:
        for i in range(n):
            if d[i] == 0.0:
                continue
            z = eta[i]
            e = exp(-fabs(z))
            p = e / (1.0 + e)                   # the smaller of p and 1 - p
            a = p * expm1(-d[i] if z >= 0 else d[i])
            if fabs(a) < INFINITY:
                total += c[i] * ((d[i] if z >= 0 else 0.0) + log1p(a) - y[i] * d[i])
            else:
                total += c[i] * (_softplus(z + d[i]) - _softplus(z) - y[i] * d[i])
    return total


def binomial_step(const double[::1] eta, const double[::1] d, const double[::1] y,
                  const double[::1] c, double[::1] r, double[::1] h):
    """F(eta + d) - F(eta) as ``binomial_change`` computes it, and r, h at
    eta + d as ``binomial_evaluate`` defines them, in one pass.

    With s = exp(-|z|) / (1 + exp(-|z|)) the smaller of p and 1 - p at z =
    eta_i, m = expm1(+-d) and a = s m (the argument of the change's log1p),
    the probabilities at z + d are s (1 + m) / (1 + a) on s's side and
    (1 - s) / (1 + a) on the other: no exponential beyond the change's own
    (three transcendental calls per sample where change and evaluate take
    five).  Where 1 + m would lose digits (m < -1/2: the move saturates the
    sample further), s underflows or s m overflows, they are computed from
    z + d itself (and the change, if s m overflows, as ``binomial_change``
    does).
    """
    cdef Py_ssize_t i, n = eta.shape[0]
    cdef double z, di, e, s, big, m, a, small_new, big_new, p, q, total = 0.0
    if not (d.shape[0] == y.shape[0] == c.shape[0] == r.shape[0] == h.shape[0] == n):
        raise ValueError("eta, d, y, c, r and h must have the same length")
    with nogil:
        for i in range(n):
            z = eta[i]
            di = d[i]
            e = exp(-fabs(z))
            s = e / (1.0 + e)
            big = 1.0 / (1.0 + e)
            if di == 0.0:
                small_new, big_new = s, big
            else:
                m = expm1(-di if z >= 0 else di)
                a = s * m
                if fabs(a) < INFINITY:
                    total += c[i] * ((di if z >= 0 else 0.0) + log1p(a) - y[i] * di)
                else:
                    total += c[i] * (_softplus(z + di) - _softplus(z) - y[i] * di)
                if s > 0.0 and m >= -0.5 and fabs(a) < INFINITY:
                    small_new = s * (1.0 + m) / (1.0 + a)
                    big_new = big / (1.0 + a)
                else:
                    # (from z + d itself, the smaller on the side of its sign)
                    e = exp(-fabs(z + di))
                    small_new = e / (1.0 + e)
                    big_new = 1.0 / (1.0 + e)
                    if (z + di >= 0) != (z >= 0):
                        small_new, big_new = big_new, small_new
            # (small_new, big_new) are (1 - p, p) for z >= 0, else (p, 1 - p)
            if z >= 0:
                p, q = big_new, small_new
            else:
                p, q = small_new, big_new
            r[i] = c[i] * (p - y[i])
            h[i] = c[i] * p * q
    return total
