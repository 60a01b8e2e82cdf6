"""Global options: how much memory fastreg may take beside X.

fastreg never modifies X, but to go faster it may copy it: a float32 copy
of dense float64 X (half its size) certifies alphas with half the memory
traffic, and X in another layout or with large column offsets is converted
or centred in a copy.  By default (``low_memory=False``) the float32 copy is
made only when it fits comfortably: at most 512 MiB and at most a quarter of
the memory the system reports available.  With ``low_memory=True`` fastreg
copies nothing of the size of X: no float32 copy, and an input that would
need a copy (C-ordered or CSR X, X in another dtype than float32/float64,
non-canonical CSC, columns with large offsets under ``fit_intercept``) is
refused with a ValueError that says what to pass instead.

The options hold for the whole process (every thread, so fastreg's worker
threads and joblib's threading backend see them); joblib workers in other
processes start from the defaults.
"""
import contextlib
import os

_OPTIONS = {"low_memory": False}

# the share of the available memory a speed-only copy of X may take
_COPY_SHARE = 0.25


def _options():
    return _OPTIONS


def get_config():
    """The current options, as a dict (a copy)."""
    return dict(_options())


def set_config(low_memory=None):
    """Set fastreg's options (for the whole process).

    Parameters
    ----------
    low_memory : bool, default=None
        True: never copy X (refuse inputs that would need a copy); False:
        take speed-only copies when they fit comfortably.  None leaves the
        option as it is.

    Examples
    --------
    >>> import fastreg
    >>> fastreg.set_config(low_memory=True)
    >>> fastreg.get_config()["low_memory"]
    True
    >>> fastreg.set_config(low_memory=False)
    """
    if low_memory is not None:
        if not isinstance(low_memory, bool):
            raise ValueError(f"low_memory must be a bool, got {low_memory!r}")
        _options()["low_memory"] = low_memory


@contextlib.contextmanager
def config_context(*, low_memory=None):
    """Options set for the duration of a ``with`` block (see set_config).

    Examples
    --------
    >>> import numpy as np, fastreg
    >>> X = np.asfortranarray(np.random.default_rng(0).standard_normal((50, 5)))
    >>> with fastreg.config_context(low_memory=True):
    ...     alphas, coefs, gaps = fastreg.lasso_path(X, X[:, 0], n_alphas=5)
    """
    old = get_config()
    set_config(low_memory=low_memory)
    try:
        yield
    finally:
        _options().update(old)


def low_memory():
    return _options()["low_memory"]


def _available_bytes():
    """MemAvailable from /proc/meminfo (Linux), else None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def speed_copy_fits(nbytes, max_bytes):
    """Whether a copy of ``nbytes`` taken only for speed may be made: never
    with low_memory, else when it is at most ``max_bytes`` and a quarter of
    the available memory."""
    if low_memory() or nbytes > max_bytes:
        return False
    avail = _available_bytes()
    return avail is None or nbytes <= _COPY_SHARE * avail


def refuse_copy(what, instead):
    """ValueError for an input that would need a copy under low_memory."""
    raise ValueError(
        f"low_memory=True: {what} would need a copy of X; {instead} "
        f"(or leave low_memory=False)")
