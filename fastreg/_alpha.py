"""One alpha of a path, from the current state of a problem form.

``_solve_alpha`` alternates one (possibly screened) gradient pass, the
certified duality gap, a working set of the support and the most violating
features, and an inner solve on it.  The path loop (``_path``) and the tall
form's solves on its feature subset (``_tall``) both call it.
"""
import numpy as np

from . import _cd_fast

# working-set policy
_WS_MIN = 10                 # smallest working set
# the first working set of an alpha holds this many times the support
# (doubling after each inner solve): on real text, features near their
# constraint are frequent words whose long columns cost more than the
# extra rounds a tighter set may take (100-alpha paths to 0.01 alpha_max,
# tol 1e-4: pypi_text 119 -> 114 passes and 0.001 alpha_max 539 -> 509,
# held-out npm_text 407 -> 339; synthetic problems unchanged; 1.5 and 1.0
# were between or worse on pypi_text)
_WS_FIRST = 1.2
_INNER_RATIO = 0.1           # inner solve stops at this fraction of the outer gap
_FREE_EVERY = 200            # inner epochs between two exact unpenalised steps


def _working_set(prob, u, l1, l2, size):
    """Support, unpenalised features and the ``size`` most violating others.

    A feature's score is its distance to the dual constraint
    ``(l1 pf_j - |u_j - l2 pf_j w_j|) / ||x_j||``: small scores come first.
    Returns (ws, complete) where complete means every usable feature is in.
    """
    if size >= 0.5 * prob.active.shape[0]:
        # most features would be in: a full set saves the second solve
        return prob.active, True
    # only features near their constraint can be urgent: score those alone
    if prob.ws_buffers is None:
        prob.ws_buffers = (np.empty(prob.p, dtype=np.int32), np.empty(prob.p))
    idx, score = prob.ws_buffers
    # (every violator has t_j >= l1 pf_j, so none is left out)
    # (skipped features are left out: only a bound of their gradient is
    # known, and it clears the constraint)
    exact = prob._exact if prob._exact is not None else np.empty(0, np.int32)
    k = _cd_fast.ws_candidates(u, prob.w, prob.pf, prob.col_norms()[1], l1, l2,
                               prob.positive, 0.5, idx, score, exact)
    cand, score = idx[:k].copy(), score[:k].copy()
    # every current violator belongs in (a cold start has many)
    size = min(max(size, int(np.count_nonzero(score < 0))), k)
    if size == 0:
        return cand, False
    if prob.cheap_grad:
        # the exact gradient costs no pass over X: grow by the violators only
        forced = int(np.count_nonzero(np.isneginf(score)))
        size = forced + max(1, int(np.count_nonzero(score < 0)) - forced)
        size = min(size, cand.shape[0])
    ws = cand[np.argpartition(score, size - 1)[:size]]
    if prob.cheap_grad:
        prob.hint = (u, l1)      # ranked only if Gram columns must be fetched
    return np.sort(ws).astype(np.int32), False


def _settle(prob, l1, l2, opts, budget):
    """scikit-learn's stopping rule on top of a certified point.

    scikit-learn stops only after an epoch whose largest coordinate change
    is at most ``tol * max_j |w_j|`` (and then checks the gap), so its
    answers usually lie far inside tol.  Once the gap is certified, epochs
    over the support (and the unpenalised features) run until one meets
    that rule (at most ``budget``); the caller then certifies the final
    point (cheap after small moves: the residual forms' screened gradient
    reads few columns, the Gram forms none).  Returns the epochs run.
    Forms that settle inside their own solves (``settles_inside``) run none.
    """
    if prob.settles_inside:
        return 0
    ws = np.union1d(prob.support(), prob._free_features()).astype(np.int32)
    if ws.size == 0 or budget <= 0:
        return 0
    if prob._free_features().size:
        # coordinate descent crawls on correlated unpenalised columns: past
        # _FREE_EVERY epochs the caller's loop (with its exact steps) goes on
        budget = min(budget, _FREE_EVERY)
    # the kernels stop after the first epoch that meets the rule (any gap)
    epochs, _ = prob.solve(ws, dict(l1=l1, l2=l2, positive=opts.positive,
                                    max_epochs=budget, tol=np.inf,
                                    check_every=budget + 1, dw_tol=opts.tol))
    return epochs


def _solve_alpha(prob, l1, l2, opts, tol_abs, trust_start=False, start=None):
    """Solve one alpha from the current state.  Returns (gap, epochs, ok).

    ``trust_start``: a starting point the certificate accepts needs no
    settling epoch (a user's warm start: scikit-learn checks the gap before
    its first epoch and returns with n_iter_ = 0).  ``start``: coefficients
    (features, values) proposed to the first inner solve (see
    ``KernelForm.solve``); the first certificate is still that of the
    current state, and the working set is chosen there.

    Outer loop: one full gradient, the certified gap, a working set, an inner
    solve.  The inner gap is cheaper but can be optimistic (it ignores the
    features outside the working set and, for unpenalised features, only
    bounds what they can still gain): when the full set reached its inner
    tolerance but not the certified one, the inner tolerance tightens.
    """
    epochs = 0
    size = max(_WS_MIN, int(_WS_FIRST * prob.support().size))
    inner_scale = 0.9
    free = prob._free_features().size > 0 and not prob.settles_inside
    settled = trust_start    # the point certified next met scikit-learn's rule
    solved = False           # the full set's inner solve met its tolerance
    updates = 0              # coordinate updates since the kept point's last try
    while True:
        u = prob.grad(l1)
        # the kept dual point (an earlier certified residual, see
        # _Problem._kept_gap) is tried once the coordinate updates since its
        # last try outnumber the features, whose pass it costs, and wherever
        # more epochs cannot help (text paths, with few epochs on large X,
        # rarely try it: it lowered none of their gaps)
        try_kept = solved or epochs >= opts.max_iter or updates >= prob.p
        if try_kept:
            updates = 0
        gap = prob.certified_gap(u, l1, l2, opts.positive, tol_abs, try_kept)
        if gap <= tol_abs:
            moved = 0
            if opts.settle and not settled:
                # scikit-learn's rule on the last epoch, then the certificate
                # of the final point (see _settle)
                moved = _settle(prob, l1, l2, opts, opts.max_iter - epochs)
                epochs += moved
                settled = True
            if not moved:
                if prob.cheap_grad:
                    prob.last = (u, l1)      # for the entry predictions
                return gap, epochs, True
            continue
        settled = False
        if epochs >= opts.max_iter or inner_scale < 1e-7:
            # out of epochs, or the gap is limited by rounding, not iterations
            return gap, epochs, False
        if opts.working_set:
            ws, complete = _working_set(prob, u, l1, l2, size)
        else:
            ws, complete = prob.active, True
        # a partial working set is solved loosely; the full set to tol
        inner_tol = inner_scale * tol_abs
        if not complete:
            inner_tol = max(_INNER_RATIO * gap, inner_tol)
        if ws.shape[0] == 0:
            return gap, epochs, False
        if opts.random_order is not None:
            ws = opts.random_order.permutation(ws).astype(np.int32)
        budget = opts.max_iter - epochs
        if free:
            # coordinate descent crawls along correlated unpenalised features:
            # their exact step (below) comes at least every _FREE_EVERY epochs
            budget = min(budget, _FREE_EVERY)
        e, inner_gap = prob.solve(ws, dict(l1=l1, l2=l2, positive=opts.positive,
                                           max_epochs=budget, tol=inner_tol,
                                           check_every=prob.check_every,
                                           dw_tol=opts.tol if opts.settle else -1.0),
                               start)
        start = None
        epochs += e
        updates += e * ws.shape[0]
        # (with the rule in force, an inner solve that reached its tolerance
        # ended on an epoch that met it: a certificate now needs no settling)
        settled = opts.settle and inner_gap <= inner_tol and e < budget
        size *= 2
        stalled = inner_gap > inner_tol and e == budget
        solved = complete and inner_gap <= inner_tol
        if (complete or stalled) and free and prob.free_step():
            settled = False
            continue
        if solved:
            inner_scale *= 0.1
