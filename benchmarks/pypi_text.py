"""pypi_text: a public real sparse regression problem, built from PyPI's package list.

    python benchmarks/pypi_text.py PATH/pypi.tsv [--rows N]

``pypi.tsv`` has the columns name, version, month (``YYYY-MM``), rank and
summary.  Rows: the packages with a nonempty summary and a ``YYYY-MM`` month
(841,687 in the full file).  Features: scikit-learn's
``TfidfVectorizer(min_df=2, sublinear_tf=True)`` over the name (``-``,
``_`` and ``.`` read as spaces) followed by the summary, as CSC float64
(841,687 x 138,597, 7.3M nonzeros).  Target: release year + (month - 1) / 12,
centred.  ``rows`` keeps a random subset of that many rows (seed 0) before
vectorizing, for quick runs.

Real text is what the synthetic problems lack: unit-norm TF-IDF rows, a
heavy-tailed column support, column norms over two orders of magnitude and
many near-duplicate word features.  It is one real problem among several
(others are held out): do not tune to it.  ``npm_text`` (npm.tsv of the
same folder, ``$FASTREG_NPM_TSV``: 197,057 packages with a summary, target
log(1 + monthly downloads)) is built the same way as a held-out check.

``load(path, rows)`` caches the matrix under ``$FASTREG_BENCH_CACHE`` (default
``~/.cache/fastreg-bench``), keyed by the file's size and mtime and ``rows``;
``path=None`` reads ``$FASTREG_PYPI_TSV``.  A missing file raises
``FileNotFoundError`` with the reason, which the runners turn into a skip.
"""
import argparse
import os
import pathlib
import re
import time

import numpy as np
import scipy.sparse as sp

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NPM_POPULAR = 10_000        # npm_text's class label: downloads a month at least


def read_rows(path, labels=None):
    """(texts, targets) of the rows with a nonempty summary and a YYYY-MM month;
    a list ``labels`` also receives each row's class label: 1 for a package
    among the 15,000 most downloaded (rank present), else 0."""
    texts, targets = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        next(f)                                             # header
        for line in f:
            parts = line.rstrip("\n").split("\t", 4)
            if len(parts) < 5:
                continue
            name, _version, month, rank, summary = parts
            m = _MONTH.match(month)
            if not summary.strip() or m is None:
                continue
            if labels is not None:
                labels.append(rank.strip() != "")
            texts.append(re.sub(r"[-_.]", " ", name) + " " + summary)
            targets.append(int(m.group(1)) + (int(m.group(2)) - 1) / 12.0)
    return texts, np.asarray(targets)


def read_npm_rows(path, labels=None):
    """npm_text, a held-out set of the same kind (not tuned on): npm's
    package list (name, version, downloads_a_month, summary), rows with a
    summary; target log(1 + monthly downloads); class label (into the list
    ``labels``): at least NPM_POPULAR downloads a month.  Bracketed notes this
    machine's tests added at the start of a summary are dropped."""
    texts, targets = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t", 3)
            if len(parts) < 4:
                continue
            name, _version, downloads, summary = parts
            summary = re.sub(r"^\[tested here:[^\]]*\]\s*", "", summary)
            if not summary.strip() or not downloads.strip().isdigit():
                continue
            if labels is not None:
                labels.append(int(downloads) >= NPM_POPULAR)
            texts.append(re.sub(r"[-_./@]", " ", name) + " " + summary)
            targets.append(np.log1p(float(downloads)))
    return texts, np.asarray(targets)


def build(path, rows=None, seed=0):
    """(X CSC float64, y centred) of pypi_text from ``path``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    texts, y = (read_npm_rows if pathlib.Path(path).name.startswith("npm")
                else read_rows)(path)
    if rows is not None and rows < len(texts):
        keep = np.sort(np.random.default_rng(seed).choice(len(texts), rows,
                                                          replace=False))
        texts, y = [texts[i] for i in keep], y[keep]
    X = TfidfVectorizer(min_df=2, sublinear_tf=True, dtype=np.float64).fit_transform(texts)
    return X.tocsc(), y - y.mean()


def _find(path, env="FASTREG_PYPI_TSV"):
    path = path or os.environ.get(env)
    if not path:
        raise FileNotFoundError(f"needs the path of the package list "
                                f"(argument, or ${env})")
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"pypi_text: no file {path}")
    return path


def load(path=None, rows=None, env="FASTREG_PYPI_TSV"):
    """``build`` through an on-disk cache (see the module docstring)."""
    path = _find(path, env)
    st = path.stat()
    cache = pathlib.Path(os.environ.get("FASTREG_BENCH_CACHE",
                                        pathlib.Path.home() / ".cache" / "fastreg-bench"))
    key = cache / f"{path.stem}_text-{st.st_size}-{int(st.st_mtime)}-{rows or 'all'}.npz"
    if key.exists():
        with np.load(key) as z:
            X = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            return X, z["y"]
    X, y = build(path, rows)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = key.with_suffix(".tmp.npz")
    np.savez(tmp, data=X.data, indices=X.indices, indptr=X.indptr,
             shape=np.array(X.shape), y=y)
    tmp.replace(key)
    return X, y


def load_labels(path=None, rows=None, env="FASTREG_PYPI_TSV"):
    """The binary class label of ``load``'s rows, in the same order (pypi:
    among the 15,000 most downloaded; npm: at least NPM_POPULAR downloads a
    month), int8."""
    path = _find(path, env)
    labels = []
    reader = read_npm_rows if path.name.startswith("npm") else read_rows
    texts, _ = reader(path, labels)
    labels = np.asarray(labels, dtype=np.int8)
    if rows is not None and rows < len(texts):
        keep = np.sort(np.random.default_rng(0).choice(len(texts), rows, replace=False))
        labels = labels[keep]
    return labels


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", help="pypi.tsv (default: $FASTREG_PYPI_TSV)")
    ap.add_argument("--rows", type=int, default=None, help="random subset of rows")
    args = ap.parse_args(argv)
    try:
        t0 = time.perf_counter()
        X, y = load(args.path, args.rows)
    except FileNotFoundError as exc:
        print(f"skipped: {exc}")
        return 0
    nnz_col = np.diff(X.indptr)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel())
    print(f"{pathlib.Path(args.path or os.environ.get('FASTREG_PYPI_TSV', 'pypi')).stem}_text: {X.shape[0]:,} x {X.shape[1]:,}, {X.nnz:,} nonzeros "
          f"({time.perf_counter() - t0:.1f} s)")
    print(f"  rows per column: median {np.median(nnz_col):.0f}, 99th percentile "
          f"{np.percentile(nnz_col, 99):.0f}, largest {nnz_col.max():,} "
          f"({nnz_col.max() / X.shape[0]:.0%} of rows)")
    print(f"  column norms {norms.min():.3g} to {norms.max():.3g}; y std {y.std():.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
