"""Long compiled phases that still honour Ctrl-C.

Python runs signal handlers only in the main thread, and only between
bytecodes: while the main thread sits inside one long BLAS/LAPACK call
(a Gram matrix by syrk, a Cholesky factorization, an eigendecomposition, a
large matrix product) a Ctrl-C waits until that call returns, which can take
many seconds.  ``interruptible`` runs such a call in a worker thread instead
and lets the main thread wait for it in short timeouts, so a
``KeyboardInterrupt`` reaches the caller within about ``POLL_SECONDS``.

This works because the compiled code releases the GIL: NumPy's and SciPy's
BLAS/LAPACK calls, SciPy's sparse kernels and fastreg's own ``nogil``
kernels all let the main thread run while they compute.

The interrupted call itself cannot be stopped: the worker thread keeps
computing until the call returns, and its result is then dropped; until
then it keeps its CPU time and its memory (including its arguments).  Its
call should therefore be one phase (one factorization, one product), not a
whole fit: a loop that calls ``interruptible`` once per step stops after the
step in flight.  The worker is NOT a daemon thread: the interpreter waits
for it at exit, so a script stopped by Ctrl-C prints its traceback at once
but exits only when the call in flight returns.  A daemon thread would let
it exit at once, but OpenBLAS's exit handler then waits forever for the
BLAS call that the exit cut short (measured with the OpenBLAS of NumPy and
SciPy wheels).
"""
import contextvars
import threading

__all__ = ["interruptible", "MIN_FLOPS", "POLL_SECONDS"]

# calls estimated below this many floating-point operations (a few ms) run
# directly: a thread costs ~0.1 ms to start
MIN_FLOPS = 1e8
# how often the waiting main thread wakes up to run signal handlers
POLL_SECONDS = 0.05


def interruptible(fn, *args, flops=None, **kwargs):
    """Return ``fn(*args, **kwargs)``, letting Ctrl-C interrupt the wait.

    In the main thread, and unless ``flops`` says the call is short, ``fn``
    runs in a worker thread (in a copy of the caller's context, so
    ``np.errstate`` and other context variables still apply) while the main
    thread waits on it ``POLL_SECONDS`` at a time; a ``KeyboardInterrupt``
    (or any other exception raised by a signal handler) therefore reaches
    the caller promptly.  An exception raised by ``fn`` is re-raised in the
    caller.  After an interrupt the worker keeps computing until ``fn``
    returns, and its result is dropped (the interpreter waits for it at
    exit; see the module docstring).

    Elsewhere (a non-main thread, where signals are never delivered, or
    ``flops < MIN_FLOPS``) ``fn`` is simply called.

    ``fn`` should spend its time in compiled code that releases the GIL
    (BLAS/LAPACK, ``nogil`` Cython); pure Python code also works (the
    interpreter switches threads every few ms).  It should not warn: a
    warning raised in the worker thread points at the worker's stack.

    Parameters
    ----------
    fn : callable
    *args, **kwargs
        Passed to ``fn`` (``flops`` is reserved for this function).
    flops : float, default=None
        Estimated floating-point operations of the call; None means "long".

    Returns
    -------
    The value returned by ``fn``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastreg._interrupt import interruptible
    >>> A = np.ones((300, 300))
    >>> float(interruptible(np.matmul, A, A, flops=2 * 300**3)[0, 0])
    300.0
    """
    if ((flops is not None and flops < MIN_FLOPS)
            or threading.current_thread() is not threading.main_thread()):
        return fn(*args, **kwargs)
    context = contextvars.copy_context()
    done = threading.Event()
    outcome = {}

    def work():
        try:
            outcome["value"] = context.run(fn, *args, **kwargs)
        except BaseException as exc:         # re-raised in the caller
            outcome["error"] = exc
        finally:
            done.set()

    name = f"fastreg-{getattr(fn, '__name__', 'call')}"
    # not a daemon: exiting during a BLAS call hangs OpenBLAS's exit handler
    threading.Thread(target=work, name=name, daemon=False).start()
    # a signal handler (KeyboardInterrupt) raises out of this loop
    while not done.wait(POLL_SECONDS):
        pass
    if "error" in outcome:
        error = outcome.pop("error")
        try:
            raise error
        finally:
            del error                        # no traceback <-> frame cycle
    return outcome["value"]
