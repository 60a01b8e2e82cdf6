"""Ctrl-C during the long compiled phases of Ridge, RidgeCV and ridge_path.

Each phase (Gram matrix, Cholesky, eigendecomposition, large products) used
to hold the main thread inside one BLAS/LAPACK call, so a SIGINT waited for
it: RidgeCV returned 8-18 s after Ctrl-C.  Here a child process starts a fit
on a problem where that phase takes seconds, gets SIGINT shortly after the
phase starts, and must raise KeyboardInterrupt within 1 s.

The child marks the phase by wrapping the function that runs it; it prints
``PHASE`` when the phase starts, ``DONE`` when it returns, ``INTERRUPTED``
when the KeyboardInterrupt reaches the caller.  The phase keeps computing in
its worker thread after the interrupt (``fastreg._interrupt``); the children
therefore leave with ``os._exit`` once interrupted, except in the test of
the ordinary exit, which waits for the phase in flight.
"""
import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import fastreg
from fastreg._interrupt import MIN_FLOPS, interruptible

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="SIGINT is not sent to a child on Windows")

# control must come back this soon after SIGINT
LIMIT = 1.0
# SIGINT this long after the phase started
DELAY = 0.2

_CHILD = '''
import os, sys, traceback
import numpy as np, scipy.sparse as sp
from fastreg import Ridge, RidgeCV, ridge_path, _ridge, _ridge_fast
rng = np.random.default_rng(0)
after = False
{setup}
original = getattr(module, name)

def marked(*args, **kwargs):
    tell = when(*args)
    if tell and not after:
        print("PHASE", flush=True)
    out = original(*args, **kwargs)
    if tell:
        print("PHASE" if after else "DONE", flush=True)
    return out

setattr(module, name, marked)
try:
    call()
except KeyboardInterrupt:
    print("INTERRUPTED", flush=True)
    if {fast_exit}:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(130)
    raise
print("FINISHED", flush=True)
'''


def _lines(stream, out):
    for line in stream:
        out.put((time.monotonic(), line.strip()))
    out.put((time.monotonic(), None))


def _interrupt(setup, *, fast_exit=True, timeout=120):
    """Run a child, SIGINT it DELAY s into its phase: (events, t_signal, child).

    ``setup`` defines ``call`` (the fit) and ``module``, ``name``, ``when``:
    the function whose call is the phase, and a predicate of its arguments
    (``after = True``: the phase starts when that call returns).
    """
    code = _CHILD.format(setup=textwrap.dedent(setup), fast_exit=fast_exit)
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastreg.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    events, errors = queue.Queue(), queue.Queue()
    for stream, out in ((child.stdout, events), (child.stderr, errors)):
        threading.Thread(target=_lines, args=(stream, out), daemon=True).start()
    seen = []
    try:
        while True:
            t, line = events.get(timeout=timeout)
            seen.append((t, line))
            if line in ("PHASE", "FINISHED", None):
                break
        if line != "PHASE":
            pytest.fail(f"the child never reached its phase: {seen}, stderr:\n"
                        + _drain(errors))
        time.sleep(DELAY)
        t_signal = time.monotonic()
        child.send_signal(signal.SIGINT)
        while line is not None:
            t, line = events.get(timeout=timeout)
            seen.append((t, line))
        child.wait(timeout=timeout)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    child.stderr_text = _drain(errors)
    return seen, t_signal, child


def _drain(errors):
    lines = []
    while True:
        try:
            _, line = errors.get(timeout=5)
        except queue.Empty:
            break
        if line is None:
            break
        lines.append(line)
    return "\n".join(lines)


def _when(seen, what):
    return next((t for t, line in seen if line == what), None)


def _check_prompt(seen, t_signal, child):
    """KeyboardInterrupt within LIMIT of SIGINT; returns its latency."""
    done = _when(seen, "DONE")
    if _when(seen, "FINISHED") is not None or (done is not None and done < t_signal):
        pytest.skip("the phase ended before the signal (a machine this fast "
                    "needs a larger problem)")
    interrupted = _when(seen, "INTERRUPTED")
    assert interrupted is not None, (seen, child.stderr_text)
    assert "KeyboardInterrupt" in child.stderr_text
    latency = interrupted - t_signal
    assert latency < LIMIT, (
        f"KeyboardInterrupt came {latency:.2f} s after SIGINT (limit {LIMIT} s)")
    return latency


# the Ridge Gram matrix by syrk (dense, n >= p): ~2 s on 2 cores
_RIDGE_GRAM = '''
X = np.asfortranarray(rng.random((24000, 2500)))
y = rng.random(24000)
call = lambda: Ridge(alpha=1.0).fit(X, y)
module, name, when = _ridge_fast, "gram", lambda *a: True
'''


def test_ridge_gram_interrupt_and_exit():
    # the ordinary exit: the traceback at once, the process when the phase
    # in flight returns (never later, and no hang in OpenBLAS's exit handler)
    seen, t_signal, child = _interrupt(_RIDGE_GRAM, fast_exit=False)
    _check_prompt(seen, t_signal, child)
    assert child.returncode == -signal.SIGINT, child.stderr_text
    exited = seen[-1][0]
    done = _when(seen, "DONE") or t_signal
    assert exited - max(done, t_signal) < 1.5, (seen, exited)


_CASES = {
    # RidgeCV: eigendecomposition of a dense 2500 x 2500 Gram (sparse X: the
    # Gram itself is cheap)
    "ridgecv_eigh": '''
X = sp.random(3000, 2500, density=0.02, format="csr", random_state=0)
y = rng.random(3000)
call = lambda: RidgeCV(alphas=np.logspace(-2, 2, 20)).fit(X, y)
module, name, when = _ridge_fast, "eigh", lambda *a: True
''',
    "ridge_path_eigh": '''
X = sp.random(3000, 2500, density=0.02, format="csc", random_state=0)
y = rng.random(3000)
call = lambda: ridge_path(X, y, [0.1, 1.0, 10.0], fit_intercept=True)
module, name, when = _ridge_fast, "eigh", lambda *a: True
''',
}

_SLOW_CASES = {
    # Ridge: Cholesky of a dense 6000 x 6000 system (sparse X: cheap Gram)
    "ridge_cholesky": '''
X = (sp.eye(6000, format="csr")
     + sp.random(6000, 6000, density=2e-4, format="csr", random_state=0))
y = rng.random(6000)
call = lambda: Ridge(alpha=1.0, solver="cholesky").fit(X, y)
module, name, when = _ridge_fast, "chol_solve", lambda *a: True
''',
    # Ridge, dual form (n < p): the kernel X X^T by syrk
    "ridge_dual_gram": '''
X = np.asfortranarray(rng.random((2500, 24000)))
y = rng.random(2500)
call = lambda: Ridge(alpha=1.0).fit(X, y)
module, name, when = _ridge_fast, "gram", lambda *a: True
''',
    # Ridge, sparse X: the sparse product X^T X (after the rows are scaled)
    "ridge_sparse_gram": '''
X = sp.random(20000, 5000, density=0.05, format="csr", random_state=0)
y = rng.random(20000)
sw = rng.uniform(0.5, 2.0, 20000)
call = lambda: Ridge(alpha=1.0, solver="cholesky").fit(X, y, sample_weight=sw)
module, name, after = _ridge, "_scaled_rows", True
when = lambda *a: a[1] is not None
''',
    # RidgeCV: X V in one block of rows (the default blocks are shorter)
    "ridgecv_xv_product": '''
X = np.asfortranarray(rng.random((40000, 1000)))
y = rng.random(40000)
_ridge._CV_BLOCK_BYTES = 1 << 40
call = lambda: RidgeCV(alphas=np.logspace(-2, 2, 20)).fit(X, y)
module, name, when = _ridge, "_product", lambda A, B: A.shape == X.shape
''',
    # ridge_path, dual form: X^T V (p x n x n)
    "ridge_path_dual_product": '''
X = np.asfortranarray(rng.random((1500, 30000)))
y = rng.random(1500)
call = lambda: ridge_path(X, y, [0.1, 1.0], fit_intercept=True)
module, name, when = _ridge, "_product", lambda A, B: A.shape == X.T.shape
''',
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_interrupt_long_phase(case):
    seen, t_signal, child = _interrupt(_CASES[case])
    _check_prompt(seen, t_signal, child)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(_SLOW_CASES))
def test_interrupt_long_phase_slow(case):
    seen, t_signal, child = _interrupt(_SLOW_CASES[case])
    _check_prompt(seen, t_signal, child)


# ------------------------------------------------------------ the helper
def test_interruptible_returns_and_raises():
    A = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(interruptible(np.matmul, A, A), A @ A)
    np.testing.assert_array_equal(interruptible(np.matmul, A, A, flops=1.0), A @ A)
    with pytest.raises(ValueError, match="matmul: Input operand 1 has a mismatch"):
        interruptible(np.matmul, A, np.ones((2, 2)))
    # keyword arguments reach fn
    assert interruptible(np.sum, A, axis=0).tolist() == [9.0, 12.0, 15.0]


def test_interruptible_runs_short_calls_and_other_threads_directly():
    main = threading.main_thread()
    assert interruptible(threading.current_thread) is not main
    assert interruptible(threading.current_thread, flops=MIN_FLOPS / 2) is main
    seen = []
    t = threading.Thread(target=lambda: seen.append(
        interruptible(threading.current_thread) is threading.current_thread()))
    t.start()
    t.join()
    assert seen == [True]


def test_interruptible_keeps_the_callers_context():
    # np.errstate is a context variable: the worker sees the caller's
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            interruptible(np.divide, 1.0, np.zeros(3))
    with np.errstate(divide="ignore"):
        assert np.isinf(interruptible(np.divide, 1.0, np.zeros(3))).all()


def test_interruptible_raises_promptly_on_a_signal():
    class Stop(Exception):
        pass

    def handler(signum, frame):
        raise Stop

    previous = signal.signal(signal.SIGUSR1, handler)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1))
    try:
        start = time.monotonic()
        timer.start()
        with pytest.raises(Stop):
            interruptible(time.sleep, 1.5)        # releases the GIL, as BLAS does
        assert time.monotonic() - start < 0.2 + LIMIT
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
