"""A Newton step on the support of a least-squares working set.

Coordinate descent over many correlated features converges slowly in its
last digits, and those are what the duality gap waits for: the dual point
(the residual) is scaled down by the largest violation max_j |u_j| / (l1
pf_j), which costs about that violation times the penalty's L1 mass.  So on
large supports at tight tol the objective is long within tol while the gap
is not.

With the signs of the support S fixed, the elastic-net objective is the
quadratic 1/2 ||r||_S^2 + sum_j pf_j (l1 s_j w_j + l2/2 w_j^2) in w_S, whose
Newton step d solves H d = -g, with H = Xc_S^T S Xc_S + l2 diag(pf_S) and g
its gradient at the current point.  Conjugate gradients with the diagonal
as preconditioner solve it, one product with H (one read of X_S) an
iteration, until the violation left times the L1 mass is a small share of
the working set's gap target.  The caller takes the step only when it
lowers the true objective (coefficients whose sign it would flip set to 0)
and coordinate descent goes on from there: its stopping rule and certificate
are unchanged.
"""
import numpy as np


def violation_cost(g, pf, w):
    """max_j |g_j| / pf_j times sum_j pf_j |w_j|: about what the largest
    violation g_j of the support's optimality adds to the duality gap, where
    it scales the dual point down (all pf_j > 0)."""
    return float(np.max(np.abs(g) / pf)) * float(pf @ np.abs(w))


def newton_direction(hv, g, diag, pf, w, stop, max_iter):
    """(d, products): an approximate solution of H d = -g by conjugate
    gradients preconditioned by ``diag`` (H's diagonal), where ``hv(v)`` is
    H v, and the products made (the logistic support step weighs its cost
    by them).
    It stops once ``violation_cost(g + H d, pf, w + d)`` is at most
    ``stop``, at 1e-10 of the first residual's (preconditioned) norm, at a
    direction of no positive curvature, or after ``max_iter`` products (all
    pf_j > 0)."""
    d = np.zeros_like(g)
    res = -g                        # -(g + H d), the Newton system's residual
    z = res / diag
    p = z.copy()
    rz = rz0 = float(res @ z)
    k = 0
    while k < max_iter and rz > 1e-20 * rz0:
        if violation_cost(res, pf, w + d) <= stop:
            break
        hp = hv(p)
        k += 1
        curv = float(p @ hp)
        if not curv > 0:
            break
        a = rz / curv
        d += a * p
        res -= a * hp
        z = res / diag
        rz, rz_old = float(res @ z), rz
        p *= rz / rz_old
        p += z
    return d, k


def signed_step(w, d):
    """w + d with each coefficient whose sign it would change set to 0 (the
    quadratic model holds only on w's orthant)."""
    new = w + d
    new[np.sign(new) != np.sign(w)] = 0.0
    return new
