"""BLAS threads: one for the small products a solver calls often."""
from threadpoolctl import ThreadpoolController

_controller = None


def one_blas_thread():
    """A context in which BLAS runs on one thread.

    OpenBLAS wakes its threads at each call.  For products of a few
    thousand multiply-adds, or a dot product per column of X, the wake-ups
    cost more than the threads save: on 2 cores, dense_tall's column pass
    (two dot products per column) took 113 ms against 13 ms on one thread.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
