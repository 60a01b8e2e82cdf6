"""Optional progress reporting: a tqdm bar when tqdm is installed.

Off by default everywhere.  Without tqdm a plain counter is written to
stderr, so ``progress=True`` never needs an extra dependency.
"""
import sys
import time


class _PlainBar:
    """Minimal stand-in for ``tqdm``: one line per ``update``, at most 2 per s."""

    def __init__(self, total, desc):
        self.total = total
        self.desc = desc
        self.n = 0
        self.postfix = ""
        self._last = 0.0
        self._t0 = time.perf_counter()

    def update(self, k=1):
        self.n += k
        now = time.perf_counter()
        if now - self._last >= 0.5 or self.n >= self.total:
            self._last = now
            print(f"\r{self.desc}: {self.n}/{self.total} "
                  f"[{now - self._t0:.1f} s{self.postfix}]", end="", file=sys.stderr,
                  flush=True)

    def set_postfix_str(self, s):
        """Text shown after the counter (tqdm's method of that name)."""
        self.postfix = f", {s}"

    def close(self):
        print(file=sys.stderr, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _NoBar:
    def update(self, k=1):
        pass

    def set_postfix_str(self, s):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def progress_bar(total, desc, enabled):
    """A context manager with ``update(k)``: tqdm, a plain counter, or nothing.

    Parameters
    ----------
    total : int
        Number of steps.
    desc : str
        Label shown before the counter.
    enabled : bool
        False returns a bar that does nothing.

    Examples
    --------
    >>> from fastreg._progress import progress_bar
    >>> with progress_bar(3, "demo", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    """
    if not enabled:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainBar(total, desc)
    return tqdm(total=total, desc=desc, leave=False)
