"""Per-sample datafit kernels: one pass computes a loss's value, gradient and
curvature at the linear predictor, another its dual term (see
``fastreg._datafits`` for the formulas).  Pure numerics, float64.

The per-sample exponentials and logarithms come in as arrays, computed by
NumPy's vectorised ufuncs (``_datafits.Binomial``): on npm_text's 197,049
samples libm's scalar calls took 4.5-6 ms of a 5-6 ms pass, NumPy's exp
0.15 ms and log1p 1.3 ms.  The kernels keep the per-sample cases and the
rare fallbacks (saturated samples, overflow), which call libm themselves, and
make the ufuncs' arguments in one pass where NumPy took four or five
(``binomial_moves``, ``binomial_log_arg``)."""
from libc.math cimport exp, log1p, fabs, INFINITY


cdef inline double _smaller(double e) noexcept nogil:
    """The smaller of p and 1 - p, e / (1 + e), from e = exp(-|eta|), rounded
    alike wherever it is computed (a product with the larger one, 1 / (1 + e),
    where that is needed too)."""
    return e * (1.0 / (1.0 + e))


cdef inline double _softplus(double z) noexcept nogil:
    """log(1 + exp(z)), without overflow."""
    return (z if z > 0 else 0.0) + log1p(exp(-fabs(z)))


def binomial_evaluate(const double[::1] eta, const double[::1] e, const double[::1] l,
                      const double[::1] y, const double[::1] c, double[::1] r,
                      double[::1] h):
    """Return sum_i c_i [log(1 + exp(eta_i)) - y_i eta_i]; r = c (p - y) and
    h = c p (1 - p) with p = 1 / (1 + exp(-eta)), in one pass, given
    e = exp(-|eta|) (in (0, 1]: no overflow on either side) and
    l = log1p(e)."""
    cdef Py_ssize_t i, n = eta.shape[0]
    cdef double z, big, small, p, q, total = 0.0
    cdef bint up
    if not (e.shape[0] == l.shape[0] == y.shape[0] == c.shape[0] == r.shape[0]
            == h.shape[0] == n):
        raise ValueError("eta, e, l, y, c, r and h must have the same length")
    with nogil:
        for i in range(n):
            # (selects, not branches: the signs of eta are a coin toss)
            z = eta[i]
            up = z >= 0
            big = 1.0 / (1.0 + e[i])
            small = e[i] * big                  # the other, without cancellation
            p = big if up else small
            q = small if up else big
            total += c[i] * ((z if up else 0.0) + l[i] - y[i] * z)
            r[i] = c[i] * (p - y[i])
            h[i] = c[i] * p * q
    return total


def binomial_dual(const double[::1] theta, const double[::1] pi,
                  const double[::1] lp, const double[::1] lq, const double[::1] c):
    """-sum_i c_i [pi log pi + (1 - pi) log(1 - pi)], given pi = y_i -
    theta_i / c_i, lp = log(pi) and lq = log1p(-pi); or -inf when some pi
    leaves [0, 1] (or theta_i != 0 where c_i = 0)."""
    cdef Py_ssize_t i, n = theta.shape[0]
    cdef double total = 0.0
    cdef bint inside = True
    if not (pi.shape[0] == lp.shape[0] == lq.shape[0] == c.shape[0] == n):
        raise ValueError("theta, pi, lp, lq and c must have the same length")
    with nogil:
        for i in range(n):
            if c[i] <= 0.0:
                if theta[i] != 0.0:
                    inside = False
                    break
                continue
            if not (0.0 <= pi[i] <= 1.0):
                inside = False
                break
            if 0.0 < pi[i] < 1.0:
                total -= c[i] * (pi[i] * lp[i] + (1.0 - pi[i]) * lq[i])
    return total if inside else -INFINITY


def binomial_moves(const double[::1] eta, const double[::1] d, double[::1] a,
                   double[::1] m):
    """a = -|eta|, and m = -d where eta >= 0, else d, in one pass: the
    arguments of exp and expm1 (NumPy's, in place) that ``binomial_change``
    and ``binomial_step`` take as e and m."""
    cdef Py_ssize_t i, n = eta.shape[0]
    if not (d.shape[0] == a.shape[0] == m.shape[0] == n):
        raise ValueError("eta, d, a and m must have the same length")
    with nogil:
        for i in range(n):
            if eta[i] >= 0:
                a[i] = -eta[i]
                m[i] = -d[i]
            else:
                a[i] = eta[i]
                m[i] = d[i]


def binomial_log_arg(const double[::1] e, const double[::1] m, double[::1] out):
    """out = s m with s = e / (1 + e): the argument of the change's log1p
    (see ``binomial_change``)."""
    cdef Py_ssize_t i, n = e.shape[0]
    if not (m.shape[0] == out.shape[0] == n):
        raise ValueError("e, m and out must have the same length")
    with nogil:
        for i in range(n):
            out[i] = _smaller(e[i]) * m[i]


def binomial_change(const double[::1] eta, const double[::1] d, const double[::1] e,
                    const double[::1] m, const double[::1] la, const double[::1] y,
                    const double[::1] c):
    """F(eta + d) - F(eta) for the binomial datafit, term by term, exact to
    rounding relative to each term's change (a difference of two sums over
    n samples would lose what it measures below their rounding).

    softplus(eta + d) - softplus(eta) is log1p(p expm1(d)) with
    p = 1 / (1 + exp(-eta)) for eta < 0, and d + log1p(q expm1(-d)) with
    q = 1 - p for eta >= 0: the factor s (p or q) is at most 1/2, so the
    argument a = s m of log1p stays above -1/2 (never log1p(-1) = -inf).
    Given e = exp(-|eta|) (s = e / (1 + e), as ``_smaller`` rounds it),
    m = expm1(-d) for eta >= 0 (else expm1(d)) and la = log1p(s m)
    (``binomial_moves`` and ``binomial_log_arg``).  Where s m overflows
    (|d| > 709; NaN as 0 * inf once s underflows too), the change is as
    large as |d| and the difference of the two softplus values exact to
    its rounding."""
    cdef Py_ssize_t i, n = eta.shape[0]
    cdef double total = 0.0
    if not (d.shape[0] == e.shape[0] == m.shape[0] == la.shape[0] == y.shape[0]
            == c.shape[0] == n):
        raise ValueError("eta, d, e, m, la, y and c must have the same length")
    with nogil:
        for i in range(n):
            if d[i] == 0.0:
                continue
            if fabs(_smaller(e[i]) * m[i]) < INFINITY:
                total += c[i] * ((d[i] if eta[i] >= 0 else 0.0) + la[i] - y[i] * d[i])
            else:
                total += c[i] * (_softplus(eta[i] + d[i]) - _softplus(eta[i])
                                 - y[i] * d[i])
    return total


def binomial_step(const double[::1] eta, const double[::1] d, const double[::1] e,
                  const double[::1] m, const double[::1] la, const double[::1] y,
                  const double[::1] c, double[::1] r, double[::1] h):
    """F(eta + d) - F(eta) as ``binomial_change`` computes it, and r, h at
    eta + d as ``binomial_evaluate`` defines them, in one pass, given
    e, m and la as ``binomial_change`` takes them.

    With s the smaller of p and 1 - p at z = eta_i and a = s m (the
    argument of the change's log1p), the probabilities at z + d are
    s (1 + m) / (1 + a) on s's side and (1 - s) / (1 + a) on the other: no
    exponential beyond the change's own.  Where 1 + m would lose digits
    (m < -1/2: the move saturates the sample further), s underflows or s m
    overflows, they are computed from z + d itself (and the change, if s m
    overflows, as ``binomial_change`` does).
    """
    cdef Py_ssize_t i, n = eta.shape[0]
    cdef double z, di, ei, s, big, a, grow, small_new, big_new, p, q, total = 0.0
    if not (d.shape[0] == e.shape[0] == m.shape[0] == la.shape[0] == y.shape[0]
            == c.shape[0] == r.shape[0] == h.shape[0] == n):
        raise ValueError("eta, d, e, m, la, y, c, r and h must have the same length")
    with nogil:
        for i in range(n):
            z = eta[i]
            di = d[i]
            big = 1.0 / (1.0 + e[i])
            s = e[i] * big
            if di == 0.0:
                small_new, big_new = s, big
            else:
                a = s * m[i]
                if fabs(a) < INFINITY:
                    total += c[i] * ((di if z >= 0 else 0.0) + la[i] - y[i] * di)
                else:
                    total += c[i] * (_softplus(z + di) - _softplus(z) - y[i] * di)
                if s > 0.0 and m[i] >= -0.5 and fabs(a) < INFINITY:
                    grow = 1.0 / (1.0 + a)
                    small_new = s * (1.0 + m[i]) * grow
                    big_new = big * grow
                else:
                    # (from z + d itself, the smaller on the side of its sign)
                    ei = exp(-fabs(z + di))
                    small_new = ei / (1.0 + ei)
                    big_new = 1.0 / (1.0 + ei)
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
