"""Columns whose mean is far above their spread: centre them explicitly.

The kernel forms centre X implicitly, through its column means mu
(``x_j - mu_j`` is never stored).  That multiplies rounding errors by
``|mu_j| / spread_j`` (by its square in a Gram matrix), which float64 affords
up to about 1e4 and float32 up to about 1e2 at the tightest tolerances.  A
column past ``max_ratio`` is therefore centred in a copy:

- dense X: the whole of X is copied, centred, in Fortran order;
- sparse X: only the offending columns are stored centred.  They are nearly
  full already: a column with a fraction z of zeros has a variance of at
  least ``z mu_j^2``, so a ratio above ``max_ratio`` leaves at most
  ``1 / max_ratio^2`` of its rows empty, and storing every row costs about
  what the column costs now.

The shift (mu_j for a centred column, 0 elsewhere) maps intercepts back:
``b = b_centred - shift @ w``.
"""
import numpy as np
import scipy.sparse as sp

# largest offset ratio handled implicitly, by dtype (see the module docstring)
MAX_OFFSET_RATIO = {np.dtype(np.float64): 100.0, np.dtype(np.float32): 10.0}


def column_ptp(X, cols):
    """max - min of each column in ``cols`` (indices) of X, one column at a
    time (no copy of more than one column; an empty row of sparse X is 0)."""
    out = np.empty(len(cols))
    Xc = X if not sp.issparse(X) or X.format == "csc" else None
    for k, j in enumerate(cols):
        if Xc is None:
            col = X[:, [j]].toarray().ravel()
        elif sp.issparse(Xc):
            col = Xc.data[Xc.indptr[j]:Xc.indptr[j + 1]]
            if col.size < X.shape[0]:
                col = np.append(col, 0.0)
        else:
            col = Xc[:, j]
        out[k] = float(np.ptp(col)) if col.size else 0.0
    return out


def constant_columns(X, cols):
    """The columns of ``cols`` whose entries are all equal."""
    cols = np.asarray(cols)
    if sp.issparse(X) and cols.size:
        # an empty column is constant (0): sparse X may have many of them
        stored = X.getnnz(axis=0)[cols] > 0
        rest = cols[stored]
        return np.sort(np.concatenate([cols[~stored],
                                       rest[column_ptp(X, rest) == 0]]))
    return cols[column_ptp(X, cols) == 0] if cols.size else cols


def offset_columns(X, mu, sq_norms, W):
    """Boolean mask of the columns of X to centre explicitly.

    ``mu``: weighted column means; ``sq_norms``: the centred columns'
    weighted squared norms, as the kernel form computed them; W: the
    weights' sum.  Candidates are the columns whose mean exceeds
    ``MAX_OFFSET_RATIO`` times their spread (a computed spread may be all
    rounding error: a constant column whose mean is not exact in X's dtype
    seems to vary).  A constant column whose computed spread is within the
    rounding of its mean (below ``n eps |mu_j|``: a column of 0.1) does not
    call for a copy on its own; once X is copied for other columns, every
    candidate is centred (a constant one to exactly zero).
    """
    mu = np.abs(np.asarray(mu, dtype=np.float64))
    spread = np.sqrt(np.maximum(np.asarray(sq_norms, dtype=np.float64), 0.0) / W)
    limit = MAX_OFFSET_RATIO[np.dtype(X.dtype)]
    cand = np.flatnonzero((mu > 0) & (mu > limit * spread))
    mask = np.zeros(X.shape[1], dtype=bool)
    if cand.size:
        rounding = X.shape[0] * np.finfo(X.dtype).eps * mu[cand]
        if np.any(spread[cand] > rounding) or np.any(column_ptp(X, cand) > 0):
            mask[cand] = True
    return mask


def centre_columns(X, cols, sw):
    """X with the columns ``cols`` (a boolean mask) centred, in a copy.

    Returns (X_centred, shift): shift, float64 of shape (n_features,), holds
    the weighted means (weights ``sw`` or None) subtracted, computed in
    float64 (0 for the other columns).  Dense X is copied whole, in Fortran
    order as the kernels read it; sparse X keeps its other columns as they
    are and stores the centred ones in full.  X itself is never modified.
    """
    bad = np.flatnonzero(cols)
    shift = np.zeros(X.shape[1])
    if not sp.issparse(X):
        out = np.array(X, order="F", copy=True)
        for j in bad:
            col = X[:, j].astype(np.float64)
            shift[j] = np.average(col, weights=sw)
            # X[:, j] - mean, rounded once to X's dtype
            out[:, j] = col - shift[j]
        return out, shift
    fmt = X.format
    Xc = sp.csc_matrix(X)
    good = np.flatnonzero(~cols)
    full = Xc[:, bad].toarray().astype(np.float64)
    shift[bad] = np.average(full, axis=0, weights=sw)
    block = sp.csc_matrix((full - shift[bad]).astype(X.dtype))
    stacked = sp.hstack([Xc[:, good], block], format="csc")
    # column j of X is column position[j] of the stack
    position = np.empty(X.shape[1], dtype=np.int64)
    position[np.concatenate([good, bad])] = np.arange(X.shape[1])
    out = stacked[:, position]
    out.sort_indices()
    return out.asformat(fmt), shift
