"""The ``fastreg`` command line: ``fastreg path [FILE]`` and ``fastreg bench [FILE]``.

``fastreg path`` fits a least-squares path (``--family gaussian``, the
default) or a logistic one (``--family binomial``: y holds class labels, two
or more classes, text allowed in a CSV's y column or an .npz array 'y').

Input files, chosen by extension (or ``--format``):

- ``.svm``, ``.svmlight``, ``.libsvm``: svmlight / libsvm text, read with
  ``sklearn.datasets.load_svmlight_file`` (X is sparse CSR).
- ``.csv``: comma-separated numbers, with or without a header row; y is the
  column named or numbered by ``--target`` (default: the last column;
  numbers count the file's columns from 0).  A row-number column as pandas
  writes it (``df.to_csv(f)`` without ``index=False``) is dropped, with a
  note on stderr: leading columns with an empty or ``Unnamed: K`` header,
  or, in a file without a header, a first column holding exactly 0..n-1.
  A column with a name in the header row is always kept.
- ``.npy``: a dense 2-D array; y is column ``--target`` (default: the last).
- ``.npz``: either arrays ``X`` and ``y`` (``np.savez(f, X=X, y=y)``, X dense
  or 2-D), or a scipy sparse matrix as written by ``scipy.sparse.save_npz``.
  A sparse file may carry y as an extra array ``y``
  (``np.savez(f, y=y, **parts)`` with the parts that ``save_npz`` writes);
  without it, y is column ``--target`` (default: the last) of the matrix.

No FILE: scikit-learn's diabetes data (442 samples, 10 features); with
``--family binomial``, its breast cancer data (569 samples, 30 features,
two classes).

Every user error (missing, empty or malformed file, bad option) is one line
on stderr and exit status 2.
"""
import argparse
import csv
import os
import re
import sys
import time
import warnings
import zipfile

import numpy as np
import scipy.sparse as sp

FORMATS = {".svm": "svmlight", ".svmlight": "svmlight", ".libsvm": "svmlight",
           ".csv": "csv", ".npy": "npy", ".npz": "npz"}


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr (no usage block)."""

    def error(self, message):
        raise CLIError(f"{message} (see '{self.prog} --help')")


# ---------------------------------------------------------------- loading

def _column(n_cols, target, what):
    """Index of the target column among n_cols, from an int-like string."""
    if target is None:
        return n_cols - 1
    try:
        j = int(target)
    except ValueError:
        raise CLIError(f"--target must be a column index for {what} files, "
                       f"got {target!r}") from None
    if not -n_cols <= j < n_cols:
        raise CLIError(f"--target {j} is out of range for {n_cols} columns")
    return j % n_cols


def _split_dense(A, target, what):
    A = np.asarray(A)
    if A.ndim != 2 or A.shape[1] < 2:
        raise CLIError(f"{what} must hold a 2-D array with at least 2 columns "
                       f"(features and y), got shape {A.shape}")
    j = _column(A.shape[1], target, what)
    keep = [k for k in range(A.shape[1]) if k != j]
    return A[:, keep], A[:, j]


def _split_sparse(A, target, what):
    if A.ndim != 2 or A.shape[1] < 2:
        raise CLIError(f"{what} must hold a sparse matrix with at least 2 columns "
                       f"(features and y) or an array 'y', got shape {A.shape}")
    A = A.tocsc()
    j = _column(A.shape[1], target, what)
    keep = [k for k in range(A.shape[1]) if k != j]
    return A[:, keep], A[:, j].toarray().ravel()


def _note(message):
    print(f"fastreg: note: {message}", file=sys.stderr)


def _non_numeric(path, header, y_col=None, labels=False):
    """A CLIError naming the first CSV field that is not a number, or None.
    ``y_col``: the file column of y, skipped with ``labels`` (class labels
    may be text), else named as y when it is the one."""
    with open(path, newline="") as fh:
        for line, row in enumerate(csv.reader(fh), start=1):
            if line == 1 and header is not None:
                continue
            for j, field in enumerate(row):
                if labels and j == y_col:
                    continue
                try:
                    float(field)
                except ValueError:
                    name = (f" ({header[j]!r})" if header is not None
                            and j < len(header) else "")
                    if not field.strip():
                        return CLIError(
                            f"column {j}{name} of {path} has a missing value on "
                            f"line {line}: every field must be a number; fill "
                            f"or drop the missing values first")
                    if j == y_col:
                        return CLIError(
                            f"column {j}{name} of {path}, y, is not numeric: line "
                            f"{line} holds {field.strip()[:30]!r}; for class labels "
                            f"use --family binomial")
                    return CLIError(
                        f"column {j}{name} of {path} is not numeric: line {line} "
                        f"holds {field.strip()[:30]!r}; encode it as numbers first "
                        f"(e.g. one 0/1 column per category, pandas.get_dummies) "
                        f"or drop it")
    return None


def _unnamed(field):
    """An empty header field, or the 'Unnamed: K' pandas gives one."""
    return field == "" or re.fullmatch(r"Unnamed: \d+", field) is not None


def _csv_y_column(target, header, n_cols):
    """The file column of y that --target names, or None if it names none."""
    if target is None:
        return n_cols - 1
    if header is not None and target in header:
        return header.index(target)
    try:
        j = int(target)
    except ValueError:
        return None
    return j % n_cols if -n_cols <= j < n_cols else None


def _check_target_named(target, header, path):
    """A CLIError when --target is neither a header name nor an index."""
    if header is not None and target is not None and target not in header:
        try:
            int(target)
        except ValueError:
            raise CLIError(f"--target {target!r} is not a column of {path}; "
                           f"columns: {', '.join(header)}") from None


def _load_csv(path, target, labels=False):
    with open(path, newline="") as fh:
        first = fh.readline()
    fields = [f.strip().strip('"') for f in first.strip().split(",")]
    try:
        [float(f) for f in fields]
        header = None
    except ValueError:
        header = fields
    try:
        A = np.loadtxt(path, delimiter=",", skiprows=1 if header else 0, ndmin=2)
    except ValueError:
        if labels:
            return _load_csv_labels(path, target)
        error = _non_numeric(path, header, _csv_y_column(target, header, len(fields)))
        if error is None:
            raise
        raise error from None
    _check_target_named(target, header, path)
    if header is not None and target in header:
        target = str(header.index(target))
    A, target = _drop_row_numbers(path, A, header, target)
    return _split_dense(A, target, "a CSV file")


def _drop_row_numbers(path, A, header, target, y_col=None):
    """(A, target) without a leading row-number column (pandas' index):
    unnamed, or 0..n-1 without a header; ``y_col`` (a column of class
    labels) is never one."""
    n, drop = A.shape[0], 0
    if header is not None:
        while (drop < min(len(header), A.shape[1]) - 1 and drop != y_col
               and _unnamed(header[drop])):
            drop += 1
        what = f"header {', '.join(repr(h) for h in header[:drop])}"
        keep = "give it a name in the header row"
    elif (y_col != 0 and n >= 2 and A.shape[1] > 2
          and np.array_equal(A[:, 0], np.arange(n))):
        drop, what = 1, "no header"
        keep = "add a header row that names the columns"
    if drop:
        cols = "column 0" if drop == 1 else f"columns 0-{drop - 1}"
        if target is not None:
            j = _column(A.shape[1], target, "a CSV file")
            if j < drop:
                raise CLIError(f"--target {target} is {cols} of {path}, a row-number "
                               f"column that is dropped; columns count from 0 "
                               f"in the file, that column included")
            target = str(j - drop)
        _note(f"{path}: dropped {cols} ({what}; values {A[0, 0]:g}..{A[-1, 0]:g}) "
              f"as row numbers, e.g. the index pandas writes unless "
              f"df.to_csv(f, index=False); to use it as a feature, {keep}")
        A = A[:, drop:]
    return A, target


def _is_number(field):
    try:
        float(field)
    except ValueError:
        return False
    return True


def _load_csv_labels(path, target):
    """_load_csv for class labels: y's column may hold text (every other
    column numbers).  The first row is a header when --target names one of
    its fields, or when it holds text above a number of the second row."""
    with open(path, newline="") as fh:
        rows = [(line, [f.strip() for f in row])
                for line, row in enumerate(csv.reader(fh), start=1)
                if any(f.strip() for f in row)]
    first = rows[0][1]
    second = rows[1][1] if len(rows) > 1 else first
    header = first if (target is not None and target in first) or any(
        not _is_number(a) and _is_number(b) for a, b in zip(first, second)) else None
    _check_target_named(target, header, path)
    j = (header.index(target) if header is not None and target in header
         else _column(len(first), target, "CSV"))
    body = rows[1:] if header is not None else rows
    if not body:
        raise CLIError(f"{path} has a header row but no data rows")
    for line, row in body:
        if len(row) != len(first):
            raise CLIError(f"line {line} of {path} has {len(row)} fields, "
                           f"expected {len(first)} as on line {rows[0][0]}")
    S = np.array([row for _, row in body])
    y = S[:, j].copy()
    name = f" ({header[j]!r})" if header is not None else ""
    if not np.all(y != ""):
        line = body[int(np.argmin(y != ""))][0]
        raise CLIError(f"column {j}{name} of {path}, y, has a missing class label "
                       f"on line {line}: drop the rows without one first")
    S[:, j] = "0"
    try:
        A = S.astype(np.float64)
    except ValueError:
        raise (_non_numeric(path, header, j, labels=True)
               or CLIError(f"{path}: a feature column is not numeric")) from None
    A, t = _drop_row_numbers(path, A, header, str(j), y_col=j)
    X, _ = _split_dense(A, t, "a CSV file")
    return X, y


def _pickled(path, key):
    """The CLIError for an object (pickled) array ``key`` of an .npz file."""
    with zipfile.ZipFile(path) as z:           # the bytes only: never unpickled
        raw = z.read(f"{key}.npy") if f"{key}.npy" in z.namelist() else b""
    what = ("is a scipy.sparse matrix that np.savez pickled"
            if b"scipy.sparse" in raw else "holds Python objects (dtype=object)")
    return CLIError(f"array {key!r} of {path} {what}; fastreg does not unpickle "
                    f"files: save sparse X with scipy.sparse.save_npz, y as its "
                    f"last column: save_npz(f, scipy.sparse.hstack([X, y[:, None]], "
                    f"format='csr')) (or dense arrays with np.savez(f, X=X, y=y))")


def _load_npz(path, target):
    if not zipfile.is_zipfile(path):
        raise CLIError(f"{path} is not a .npz (zip) archive")
    with np.load(path, allow_pickle=False) as f:
        keys = set(f.files)
        arrays = {}
        for key in ("X", "y"):
            if key in keys:
                try:
                    arrays[key] = f[key]
                except ValueError as exc:
                    if "allow_pickle" not in str(exc):
                        raise
                    raise _pickled(path, key) from None
        if {"X", "y"} <= keys:
            return arrays["X"], arrays["y"]
        y = arrays.get("y")
    if not {"format", "shape", "data"} <= keys:
        raise CLIError(f"{path} holds arrays {sorted(keys)}: expected 'X' and 'y', "
                       f"or a sparse matrix written by scipy.sparse.save_npz")
    A = sp.load_npz(path)
    if y is not None:
        if target is not None:
            raise CLIError(f"--target cannot be used: {path} has an array 'y'")
        return A, y
    return _split_sparse(A, target, "a sparse .npz file")


def load_data(path, *, fmt="auto", target=None, float32=False, labels=False):
    """(X, y, description) from a file, or the built-in default data.
    ``labels``: y holds class labels, kept as read (text allowed)."""
    if path is None:
        if target is not None:
            raise CLIError("--target needs a FILE")
        if labels:
            from sklearn.datasets import load_breast_cancer
            d = load_breast_cancer()
            X, y, name = (d.data, d.target,
                          "breast cancer (scikit-learn's built-in data)")
        else:
            from sklearn.datasets import load_diabetes
            d = load_diabetes()
            X, y, name = d.data, d.target, "diabetes (scikit-learn's built-in data)"
    else:
        if not os.path.exists(path):
            raise CLIError(f"no such file: {path}")
        if os.path.isdir(path):
            raise CLIError(f"{path} is a directory, not a data file")
        if os.path.getsize(path) == 0:
            raise CLIError(f"{path} is empty")
        if fmt == "auto":
            ext = os.path.splitext(path)[1].lower()
            if ext not in FORMATS:
                raise CLIError(f"cannot tell the format of {path} from its extension "
                               f"{ext or '(none)'!r}: use one of "
                               f"{', '.join(sorted(FORMATS))} or --format")
            fmt = FORMATS[ext]
        try:
            if fmt == "svmlight":
                if target is not None:
                    raise CLIError("--target cannot be used with svmlight files "
                                   "(y is the first field of each line)")
                from sklearn.datasets import load_svmlight_file
                X, y = load_svmlight_file(path)
            elif fmt == "csv":
                X, y = _load_csv(path, target, labels)
            elif fmt == "npy":
                try:
                    A = np.load(path, allow_pickle=False)
                except ValueError as exc:
                    if "allow_pickle" not in str(exc):
                        raise
                    raise CLIError(f"{path} holds Python objects (dtype=object), "
                                   f"which fastreg does not unpickle: save a "
                                   f"numeric 2-D array") from None
                X, y = _split_dense(A, target, "a .npy file")
            else:
                X, y = _load_npz(path, target)
        except CLIError:
            raise
        except (ValueError, OSError, KeyError, IndexError, TypeError, EOFError,
                UnicodeDecodeError, zipfile.BadZipFile) as exc:
            msg = " ".join(str(exc).split()) or type(exc).__name__
            raise CLIError(f"cannot read {path} as {fmt}: {msg}") from None
        name = os.path.basename(path)
    dtype = np.float32 if float32 else np.float64
    try:
        X = X.astype(dtype) if sp.issparse(X) else np.asarray(X, dtype=dtype)
        y = np.asarray(y).ravel() if labels else np.asarray(y, dtype=dtype).ravel()
    except (ValueError, TypeError) as exc:
        raise CLIError(f"data of {name} is not numeric: {exc}") from None
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise CLIError(f"{name}: need at least 2 samples and 1 feature, "
                       f"got X of shape {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise CLIError(f"{name}: X has {X.shape[0]} rows but y has {y.shape[0]}")
    values = X.data if sp.issparse(X) else X
    numeric_y = y.dtype.kind in "biufc"
    if not (np.all(np.isfinite(values)) and (not numeric_y or np.all(np.isfinite(y)))):
        raise CLIError(f"{name} contains NaN or infinite values")
    return X, y, f"{name}, {X.shape[0]} x {X.shape[1]}" + (
        f" sparse ({values.size / max(1, X.shape[0] * X.shape[1]):.1%} nonzero)"
        if sp.issparse(X) else "")


# ---------------------------------------------------------------- helpers

def alpha_grid(X, y, *, l1_ratio, n_alphas, eps, fit_intercept):
    """The estimators' alpha grid on the full data (exact alpha_max), shared
    by the full path and every CV fold so that their errors line up by alpha;
    a CLIError when y leaves nothing to fit."""
    from ._path_estimator import alpha_grid as path_alpha_grid
    grid = path_alpha_grid(X, y, l1_ratio=l1_ratio, n_alphas=n_alphas, eps=eps,
                           sample_weight=None, penalty_factor=None,
                           fit_intercept=fit_intercept, positive=False)
    if grid[0] == np.finfo(np.float64).resolution and grid[-1] == grid[0]:
        raise CLIError("y is constant (or orthogonal to every feature): "
                       "every alpha gives the all-zero model")
    return grid


def _progress(total, desc, enabled):
    """A tqdm bar on stderr when tqdm is installed, else a silent stand-in."""
    if enabled:
        try:
            from tqdm import tqdm
            return tqdm(total=total, desc=desc, unit="fit", file=sys.stderr,
                        leave=False)
        except ImportError:
            pass

    class _Silent:
        def update(self, n=1):
            pass

        def close(self):
            pass

    return _Silent()


def _tqdm_installed():
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _fit_reporting(est, X, y):
    """``est.fit(X, y)`` with its convergence warnings one line each on stderr."""
    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est.fit(X, y)
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            print(f"fastreg: warning: {type(est).__name__}: "
                  f"{' '.join(str(w.message).split())}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return est


def cross_validate(X, y, alphas, *, cv, l1_ratio, tol, fit_intercept, precompute,
                   rule, progress):
    """The fitted LassoCV (l1_ratio 1) or ElasticNetCV on the CLI's alpha grid,
    over shuffled K folds (``random_state=0``); its convergence warnings are
    one line each on stderr."""
    from sklearn.model_selection import KFold

    from ._cv import ElasticNetCV, LassoCV
    params = dict(alphas=alphas, cv=KFold(n_splits=cv, shuffle=True, random_state=0),
                  tol=tol, fit_intercept=fit_intercept, precompute=precompute,
                  selection_rule=rule, progress=progress)
    est = (LassoCV(**params) if l1_ratio == 1.0
           else ElasticNetCV(l1_ratio=l1_ratio, **params))
    return _fit_reporting(est, X, y)


def cross_validate_logistic(X, y, alphas, *, cv, l1_ratio, tol, fit_intercept, rule):
    """The fitted LogisticRegressionCV on the path's alphas: Cs = 1 / (alpha
    n_samples), so that its full-data C_ is an alpha of the path (each fold
    fits the same C, i.e. alpha n_samples / n_train on its training rows, as
    scikit-learn's C is defined), scored by log-loss over shuffled stratified
    K folds (``random_state=0``)."""
    from sklearn.model_selection import StratifiedKFold

    from ._classifier import LogisticRegressionCV
    est = LogisticRegressionCV(
        Cs=1.0 / (alphas * X.shape[0]), l1_ratios=[l1_ratio],
        cv=StratifiedKFold(n_splits=cv, shuffle=True, random_state=0),
        scoring="neg_log_loss", tol=tol, fit_intercept=fit_intercept,
        selection_rule=rule)
    return _fit_reporting(est, X, y)


def cv_arrays(est, alphas):
    """Per-fold errors (K, n_alphas), their mean and standard error (ddof=0,
    as the 1se rule takes it) and the index of ``alpha_`` on ``alphas``."""
    errors = np.asarray(est.mse_path_).reshape(alphas.size, -1).T
    mean = est.cv_results_["mean_test_mse"]
    se = est.cv_results_["se_test_mse"]
    chosen = int(np.argmin(np.abs(alphas - est.alpha_)))
    return errors, mean, se, chosen


def logistic_cv_arrays(est, alphas):
    """As ``cv_arrays`` for a LogisticRegressionCV on ``alphas`` (decreasing:
    its Cs_, increasing, are in the same order): per-fold log-loss (K,
    n_alphas), mean, standard error and the index of ``C_``; then the alphas
    of least mean log-loss and of the 1se rule (the largest within one
    standard error of it)."""
    errors = -est._cv_scores[:, :, 0]
    mean = errors.mean(axis=0)
    se = errors.std(axis=0) / np.sqrt(errors.shape[0])
    chosen = est._cv_best[0]
    best = int(np.argmin(mean))
    one_se = int(np.flatnonzero(mean <= mean[best] + se[best])[0])
    return errors, mean, se, chosen, alphas[best], alphas[one_se]


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("--plot needs matplotlib: pip install 'fastreg-paths[plot]'") from None
    return plt


def _plot(filename, res, cv, family):
    """The path (and the CV curve of ``cv``) as fastreg.plotting draws them:
    alpha on a log scale, increasing to the right; for more than two classes
    one line per class and feature."""
    plt = _pyplot()
    from .plotting import CVCurveDisplay, PathDisplay
    panels = 2 if cv is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.2), squeeze=False)
    selected = {} if cv is None else {"min": cv["alpha_min"], "1se": cv["alpha_1se"]}
    PathDisplay(res.alphas, res.coefs.reshape(-1, res.alphas.size),
                selected=selected).plot(ax=axes[0, 0])
    axes[0, 0].set_title("regularization path" + (
        " (logistic)" if family == "binomial" else ""), pad=30)
    if cv is not None and family == "binomial":
        ax = axes[0, 1]
        CVCurveDisplay(res.alphas, cv["mean"], cv["se"], alpha_min=cv["alpha_min"],
                       alpha_1se=cv["alpha_1se"]).plot(
            ax=ax, label="mean CV log-loss +/- 1 SE")
        ax.set_ylabel("mean log-loss")
        ax.set_title(f"cross-validation log-loss ({cv['rule']} rule: "
                     f"alpha={cv['alpha']:.3g})")
    elif cv is not None:
        est = cv["est"]
        CVCurveDisplay.from_estimator(est, ax=axes[0, 1])
        axes[0, 1].set_title(f"cross-validation ({est.selection_rule} rule: "
                             f"alpha={est.alpha_:.3g})")
    fig.tight_layout()
    try:
        fig.savefig(filename, dpi=100)
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write the plot {filename}: {exc}") from None
    finally:
        plt.close(fig)


def _rows(k, chosen=None, n_rows=12):
    step = max(1, -(-k // n_rows))
    rows = set(range(0, k, step)) | {k - 1}
    if chosen is not None:
        rows.add(chosen)
    return sorted(rows)


# ---------------------------------------------------------------- families

# options of the least-squares path only: --family binomial refuses them
LEAST_SQUARES_ONLY = {"precompute": "--precompute"}


def _check_family(args):
    """A CLIError for an option that --family binomial does not take."""
    if args.family != "binomial":
        return
    for dest, option in LEAST_SQUARES_ONLY.items():
        if getattr(args, dest) is not None:
            raise CLIError(f"{option} cannot be used with --family binomial: it "
                           f"is an option of the least-squares solver "
                           f"(--family gaussian), got {option} "
                           f"{getattr(args, dest)}")


def default_eps(family, n_samples, n_features):
    """--eps when not given: 1e-3 for least squares; for logistic,
    fastreg.logistic_path's default (glmnet's rule): 1e-2 when n_samples <
    n_features, else 1e-4."""
    if family != "binomial":
        return 1e-3
    return 1e-2 if n_samples < n_features else 1e-4


def _label(c):
    """A class label as the CLI prints it."""
    c = c.item() if hasattr(c, "item") else c
    if isinstance(c, (str, bytes)):
        return repr(c)
    return f"{c:g}" if isinstance(c, float) else str(c)


def class_labels(y, source):
    """The sorted classes of y; a CLIError when y holds continuous values
    or a single class."""
    from sklearn.utils.multiclass import type_of_target
    if type_of_target(y) == "continuous":
        v = y[np.flatnonzero(y != np.round(y))[0]]
        raise CLIError(f"--family binomial needs class labels in y, but y of "
                       f"{source} holds continuous values (e.g. {v:g}); for a "
                       f"numeric response use --family gaussian")
    classes = np.unique(y)
    if classes.size < 2:
        raise CLIError(f"--family binomial needs at least two classes in y, got "
                       f"one: all {y.size} samples of {source} have y = "
                       f"{_label(classes[0])}")
    return classes


def check_stratified_folds(y, classes, k):
    """A CLIError when a class has fewer than K samples: some stratified test
    fold would then miss it, and its log-loss could not be scored."""
    counts = np.array([np.count_nonzero(y == c) for c in classes])
    rare = int(np.argmin(counts))
    if counts[rare] < k:
        fix = f"; use --cv {counts[rare]} or fewer" if counts[rare] >= 2 else ""
        raise CLIError(f"--cv {k} needs at least {k} samples of every class "
                       f"(each stratified test fold holds every class), but "
                       f"class {_label(classes[rare])} has {counts[rare]}{fix}")
    return counts


def least_squares_fit(X, y, alphas, args):
    """(PathResult, cv) of the least-squares path; cv a dict (or None)."""
    from ._path import compute_path
    precompute = PRECOMPUTE[args.precompute or "auto"]
    cv = None
    if args.cv:
        est = cross_validate(X, y, alphas, cv=args.cv, l1_ratio=args.l1_ratio,
                             tol=args.tol, fit_intercept=args.fit_intercept,
                             precompute=precompute, rule=args.rule,
                             progress=not args.quiet and _tqdm_installed())
        errors, mean, se, chosen = cv_arrays(est, alphas)
        cv = dict(est=est, errors=errors, mean=mean, se=se, chosen=chosen,
                  alpha=est.alpha_, alpha_min=est.alpha_min_,
                  alpha_1se=est.alpha_1se_, rule=args.rule)
    bar = _progress(1, "fastreg path", enabled=not args.quiet)
    try:
        res = compute_path(X, y, l1_ratio=args.l1_ratio, alphas=alphas,
                           tol=args.tol, fit_intercept=args.fit_intercept,
                           precompute=precompute, warn=False)
        bar.update()
    finally:
        bar.close()
    return res, cv


def logistic_fit(X, y, eps, args):
    """(PathResult, cv) of the logistic path (fastreg.logistic_path's, with
    its certificate) and, with --cv, of LogisticRegressionCV on its alphas."""
    from ._logistic import classifier_path
    bar = _progress(2 if args.cv else 1, "fastreg path", enabled=not args.quiet)
    try:
        res, _ = classifier_path(
            X, y, l1_ratio=args.l1_ratio, eps=eps, n_alphas=args.n_alphas,
            alphas=None, tol=args.tol, max_iter=100,
            fit_intercept=args.fit_intercept, sample_weight=None,
            penalty_factor=None, lower_bounds=None, upper_bounds=None,
            positive=False)
        bar.update()
        if not (np.isfinite(res.alpha_max) and res.alpha_max > 0):
            raise CLIError("no feature is correlated with the classes of y "
                           "(alpha_max = 0): every alpha gives the "
                           "intercept-only model")
        cv = None
        if args.cv:
            est = cross_validate_logistic(
                X, y, res.alphas, cv=args.cv, l1_ratio=args.l1_ratio, tol=args.tol,
                fit_intercept=args.fit_intercept, rule=args.rule)
            errors, mean, se, chosen, alpha_min, alpha_1se = logistic_cv_arrays(
                est, res.alphas)
            cv = dict(est=est, errors=errors, mean=mean, se=se, chosen=chosen,
                      alpha=res.alphas[chosen], alpha_min=alpha_min,
                      alpha_1se=alpha_1se, rule=args.rule)
            bar.update()
    finally:
        bar.close()
    return res, cv


# ---------------------------------------------------------------- commands

def cmd_path(args):
    _check_family(args)
    if args.plot:
        _pyplot()                      # fail before the work, not after it
    binomial = args.family == "binomial"
    X, y, name = load_data(args.file, fmt=args.format, target=args.target,
                           float32=args.float32, labels=binomial)
    eps = default_eps(args.family, *X.shape) if args.eps is None else args.eps
    if binomial:
        classes = class_labels(y, os.path.basename(args.file) if args.file
                               else "the built-in data")
        if args.cv:
            check_stratified_folds(y, classes, args.cv)
        t0 = time.perf_counter()
        res, cv = logistic_fit(X, y, eps, args)
    else:
        alphas = alpha_grid(X, y, l1_ratio=args.l1_ratio, n_alphas=args.n_alphas,
                            eps=eps, fit_intercept=args.fit_intercept)
        t0 = time.perf_counter()
        res, cv = least_squares_fit(X, y, alphas, args)
    elapsed = time.perf_counter() - t0
    alphas = res.alphas
    chosen = None if cv is None else cv["chosen"]
    cv_name = "CV log-loss" if binomial else "CV error"

    print(f"fastreg path on {name}")
    if binomial and classes.size == 2:
        print(f"logistic (binomial): classes {_label(classes[0])}, "
              f"{_label(classes[1])}; the coefficients are those of class "
              f"{_label(classes[1])} (y = 1)")
    elif binomial:
        shown = ", ".join(_label(c) for c in classes[:10])
        print(f"logistic (multinomial): {classes.size} classes {shown}"
              f"{', ...' if classes.size > 10 else ''}; nonzeros count all "
              f"{classes.size} x {X.shape[1]} coefficients")
    print(f"l1_ratio={args.l1_ratio:g}, {alphas.size} alphas, eps={eps:g}, "
          f"tol={args.tol:g}, fit_intercept={args.fit_intercept}, "
          f"{X.dtype}, {elapsed:.3g} s" + (
              f" ({args.cv}-fold {'stratified ' if binomial else ''}CV)"
              if args.cv else ""))
    head = f"{'':1}{'alpha':>12} {'nonzeros':>9} {'duality gap':>12}"
    if cv is not None:
        head += f" {cv_name:>12} {'CV s.e.':>10}"
    print(head)
    rows = range(alphas.size) if args.all_alphas else _rows(alphas.size, chosen)
    for i in rows:
        line = (f"{'*' if i == chosen else ' '}{alphas[i]:12.5g} "
                f"{np.count_nonzero(res.coefs[..., i]):9d} {res.dual_gaps[i]:12.3g}")
        if cv is not None:
            line += f" {cv['mean'][i]:12.5g} {cv['se'][i]:10.3g}"
        print(line)
    if len(rows) < alphas.size:
        print(f"(showing {len(rows)} of {alphas.size} alphas: --all-alphas shows "
              f"every one, --out saves all)")
    n_ok = int(res.converged.sum())
    if binomial:
        print(f"{n_ok} of {alphas.size} duality gaps <= tol * F(b0) = "
              f"{res.gap_tol:.3g} (F(b0): the intercept-only log-loss), with "
              f"optimality residual <= tol")
    else:
        print(f"{n_ok} of {alphas.size} duality gaps <= tol * ||y_c||^2 / n = "
              f"{res.gap_tol:.3g}")
    if chosen is not None:
        print(f"* selected by the {args.rule} rule: alpha={cv['alpha']:.5g}, "
              f"{np.count_nonzero(res.coefs[..., chosen])} nonzeros, "
              f"{cv_name} {cv['mean'][chosen]:.5g}")
    if args.out:
        out = dict(alphas=alphas, coefs=res.coefs, intercepts=res.intercepts,
                   dual_gaps=res.dual_gaps, n_iters=res.n_iters,
                   converged=res.converged, l1_ratio=args.l1_ratio, tol=args.tol)
        if binomial:
            out.update(family=args.family, classes=classes)
        if cv is not None:
            out.update(cv_errors=cv["errors"], cv_mean=cv["mean"],
                       cv_se=cv["se"], alpha_selected=cv["alpha"],
                       index_selected=chosen, rule=args.rule,
                       alpha_min=cv["alpha_min"], alpha_1se=cv["alpha_1se"])
        try:
            # a file object: np.savez would append .npz to a name like res.NPZ
            with open(args.out, "wb") as fh:
                np.savez(fh, **out)
        except OSError as exc:
            raise CLIError(f"cannot write {args.out}: {exc}") from None
        print(f"wrote {args.out}")
    if args.plot:
        _plot(args.plot, res, cv, args.family)
        print(f"wrote {args.plot}")
    return 0


def peer_path_kwargs(*, l1_ratio, alphas, tol, max_iter):
    """fastreg path options -> the same options for scikit-learn's enet_path."""
    return dict(l1_ratio=l1_ratio, alphas=alphas, tol=tol, max_iter=max_iter)


_ORACLE_MAX_ENTRIES = 2 * 10 ** 7     # 160 MB of float64


def cmd_bench(args):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import enet_path as sk_enet_path

    from ._objectives import enet_dual_gap
    from ._path import compute_path
    X, y, name = load_data(args.file, fmt=args.format, target=args.target,
                           float32=args.float32)
    note = "no intercept"
    if args.fit_intercept and not sp.issparse(X):
        # centred data, no intercept: the same problem for both libraries
        X = X - X.mean(axis=0)
        y = y - y.mean()
        note = "X and y centred (= fitting an intercept)"
    elif args.fit_intercept:
        note = "sparse X: no intercept for either library"
    if not sp.issparse(X):
        X = np.asfortranarray(X)
    else:
        X = X.tocsc()
    eps = default_eps("gaussian", *X.shape) if args.eps is None else args.eps
    alphas = alpha_grid(X, y, l1_ratio=args.l1_ratio, n_alphas=args.n_alphas,
                        eps=eps, fit_intercept=False)
    max_iter = 10000

    def run_fastreg():
        res = compute_path(X, y, l1_ratio=args.l1_ratio, alphas=alphas, tol=args.tol,
                           max_iter=max_iter, fit_intercept=False, warn=False)
        return res.coefs

    def run_sklearn():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _, coefs, _ = sk_enet_path(X, y, **peer_path_kwargs(
                l1_ratio=args.l1_ratio, alphas=alphas, tol=args.tol,
                max_iter=max_iter))
        return coefs

    times, gaps = {}, {}
    yy = float(np.dot(y.astype(np.float64), y))
    bound = args.tol * yy / y.shape[0]
    bar = _progress(2 * args.repeat, "fastreg bench", enabled=not args.quiet)
    try:
        for lib, fn in (("fastreg", run_fastreg), ("sklearn", run_sklearn)):
            best = np.inf
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                coefs = fn()
                best = min(best, time.perf_counter() - t0)
                bar.update()
            times[lib] = best
            gaps[lib] = np.nan
            if X.shape[0] * X.shape[1] <= _ORACLE_MAX_ENTRIES:   # it densifies X
                gaps[lib] = max(enet_dual_gap(X, y, coefs[:, i], a, args.l1_ratio)
                                for i, a in enumerate(alphas))
    finally:
        bar.close()
    print(f"fastreg bench on {name}")
    print(f"enet path, l1_ratio={args.l1_ratio:g}, {alphas.size} alphas, "
          f"eps={eps:g}, tol={args.tol:g}, {X.dtype}, {note}; "
          f"best of {args.repeat}")
    print(f"{'library':<9} {'time (s)':>10} {'max duality gap':>16} {'gap / bound':>12}")
    for lib in times:
        print(f"{lib:<9} {times[lib]:10.4g} {gaps[lib]:16.3g} "
              f"{gaps[lib] / bound:12.3g}")
    how = ("gaps by the NumPy oracle" if np.isfinite(gaps["fastreg"]) else
           "gaps not checked: X is too large for the dense NumPy oracle")
    print(f"ratio fastreg/sklearn: {times['fastreg'] / times['sklearn']:.3f} "
          f"({how}; bound tol * ||y_c||^2 / n = {bound:.3g})")
    return 0


# ---------------------------------------------------------------- parser

def _positive_int(name, low):
    def parse(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {s!r}")
        if v < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {v}")
        return v
    return parse


def _float_in(name, low, high=None, low_open=True, high_open=False, meaning=""):
    def parse(s):
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {s!r}")
        bad_low = v <= low if low_open else v < low
        bad_high = high is not None and (v >= high if high_open else v > high)
        if not np.isfinite(v) or bad_low or bad_high:
            rule = (f"in {'(' if low_open else '['}{low}, {high}"
                    f"{')' if high_open else ']'}" if high is not None
                    else f"{'>' if low_open else '>='} {low}")
            raise argparse.ArgumentTypeError(f"must be {rule}{meaning}, got {s}")
        return v
    return parse


def _npz_name(s):
    """--out: a name ending in .npz (the results are a NumPy .npz archive)."""
    if os.path.splitext(s)[1].lower() != ".npz":
        raise argparse.ArgumentTypeError(
            f"must be a file name ending in .npz (the results are a NumPy .npz "
            f"archive), got {s!r}; e.g. {os.path.splitext(s)[0] or 'result'}.npz")
    return s


PRECOMPUTE = {"auto": "auto", "true": True, "false": False}


def build_parser():
    parser = _Parser(prog="fastreg",
                     description="Lasso / Elastic Net paths from the command line.")
    from . import __version__
    parser.add_argument("--version", action="version",
                        version=f"fastreg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p, families=False):
        binomial = (" (with --family binomial: class labels, text allowed in a "
                    "CSV's y column or an .npz array 'y')" if families else "")
        p.add_argument("file", nargs="?", metavar="FILE",
                       help="svmlight (.svm/.svmlight/.libsvm), .csv, .npy or .npz; "
                            "default: scikit-learn's diabetes data" + (
                                " (breast cancer data with --family binomial)"
                                if families else "") + ". A CSV's "
                            "row-number column (pandas' index: an unnamed first "
                            "column, or 0..n-1 first in a file without header) "
                            "is dropped with a note on stderr; name it in a "
                            "header row to keep it")
        p.add_argument("--format", default="auto",
                       choices=["auto", "svmlight", "csv", "npy", "npz"],
                       help="file format (default: from the extension)")
        p.add_argument("--target", default=None,
                       help="y column: name (CSV with header) or index, counting "
                            "the file's columns from 0 (default: the last column)"
                            + binomial)
        p.add_argument("--l1-ratio", type=_float_in("--l1-ratio", 0, 1), default=1.0,
                       help="1 = Lasso (default), in (0, 1) = Elastic Net")
        p.add_argument("--n-alphas", type=_positive_int("--n-alphas", 1), default=100)
        p.add_argument("--eps", default=None,
                       type=_float_in("--eps", 0, 1, high_open=True,
                                      meaning=" (eps = alpha_min / alpha_max)"),
                       help="alpha_min / alpha_max, in (0, 1) (default 1e-3" + (
                           "; with --family binomial, fastreg.logistic_path's "
                           "default, glmnet's rule: 1e-4, or 1e-2 when there are "
                           "fewer samples than features" if families else "") + ")")
        p.add_argument("--tol", type=_float_in("--tol", 0), default=1e-4,
                       help="duality gap <= tol * ||y_c||^2 / n (default 1e-4)" + (
                           "; with --family binomial, <= tol * F(b0), the "
                           "intercept-only log-loss, and optimality residual "
                           "<= tol" if families else ""))
        p.add_argument("--float32", action="store_true", help="compute in float32")
        p.add_argument("--fit-intercept", action=argparse.BooleanOptionalAction,
                       default=True, help="fit an unpenalised intercept (default)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("path", help="compute a regularization path (optionally CV)",
                       description="Compute a Lasso / Elastic Net path (least "
                                   "squares, or logistic regression with --family "
                                   "binomial) and print alpha, nonzeros, duality "
                                   "gap (and CV error).")
    common(p, families=True)
    p.add_argument("--family", choices=["gaussian", "binomial"], default="gaussian",
                   help="gaussian (default): least squares, fastreg.enet_path's "
                        "objective. binomial: logistic regression on class "
                        "labels y (any two labels, the larger sorted one is "
                        "class 1; more than two: multinomial, coefs of shape "
                        "(n_classes, n_features, n_alphas)), "
                        "fastreg.logistic_path's path and objective; --cv "
                        "then fits fastreg.LogisticRegressionCV with Cs = 1 / "
                        "(alpha n_samples), the path's alphas (a fold fits the "
                        "same C, i.e. alpha n_samples / n_train on its rows), "
                        "over shuffled StratifiedKFold(K, random_state=0) folds "
                        "(every class needs K samples), scored by log-loss: the "
                        "table's CV columns, --out's cv_errors, cv_mean and "
                        "cv_se and the plot's curve are log-loss, not MSE; "
                        "--out adds 'family' and 'classes'; --precompute is "
                        "refused")
    p.add_argument("--cv", type=_positive_int("--cv", 2), default=None, metavar="K",
                   help="K-fold cross-validation over the same alphas")
    p.add_argument("--rule", choices=["min", "1se"], default="min",
                   help="alpha selection with --cv: min error, or the largest "
                        "alpha within one standard error of it")
    p.add_argument("--precompute", choices=list(PRECOMPUTE), default=None,
                   help="Gram matrix form of the solver (default auto: the "
                        "solver decides), as the estimators' precompute; "
                        "least squares only (not with --family binomial)")
    p.add_argument("--all-alphas", action="store_true",
                   help="print every alpha (default: about 12 rows, the "
                        "selected alpha among them)")
    p.add_argument("--plot", metavar="PNG", help="save the path (and CV curve)")
    p.add_argument("--out", metavar="NPZ", type=_npz_name,
                   help="save alphas, coefs, gaps, CV errors to this .npz file")
    p.set_defaults(run=cmd_path)

    b = sub.add_parser("bench", help="time fastreg against scikit-learn",
                       description="Time fastreg's and scikit-learn's enet_path on "
                                   "the same data, alphas and tol; print the ratio "
                                   "and both achieved duality gaps.")
    common(b)
    b.add_argument("--repeat", type=_positive_int("--repeat", 1), default=3,
                   help="best of this many runs (default 3)")
    b.set_defaults(run=cmd_bench)
    return parser


def main(argv=None):
    """Run the CLI; returns the exit status (0, or 2 on a user error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "path" and args.rule != "min" and not args.cv:
            raise CLIError("--rule needs --cv K")
        return args.run(args)
    except CLIError as exc:
        print(f"fastreg: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:          # a rule checked by fastreg itself
        print(f"fastreg: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except SystemExit as exc:          # --help / --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print("fastreg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:            # e.g. `fastreg path | head`
        # the reader left: point stdout at devnull so the exit flush is quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
