"""Anderson extrapolation of coordinate descent's iterates.

Coordinate descent converges linearly, slowly when many correlated features
are in the model; its iterates follow a nearly linear fixed-point map, and
those extrapolate well (Anderson acceleration; Bertrand and Massias, 2021,
for coordinate descent).  The least-squares residual kernel
(``_problems._ResidualProblem``) and the Newton model's coordinate descent
(``_newton.model_cd``) take snapshots every few epochs and combine them;
each keeps the combined point only when it is feasible and lowers its
objective.
"""
import numpy as np


def anderson_weights(iterates):
    """Weights c (summing to 1) of the combination ``sum_k c_k x_{k+1}`` of
    the iterates ``x_0, ..., x_K`` (rows) that best cancels their successive
    differences, or None when that system is singular.

    With U the (K, m) differences, c is proportional to (U U^T)^-1 1 (a
    relative 1e-12 of the trace regularises it): for a linear map with K at
    least its dimension, the combination is its fixed point.
    """
    U = np.diff(np.asarray(iterates, dtype=np.float64), axis=0)
    UU = U @ U.T
    try:
        z = np.linalg.solve(UU + 1e-12 * np.trace(UU) * np.eye(UU.shape[0]),
                            np.ones(UU.shape[0]))
    except np.linalg.LinAlgError:
        return None
    if not np.isfinite(z).all() or z.sum() == 0:
        return None
    return z / z.sum()
