"""The command line: every input format, the options, and its user errors."""
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from fastreg._objectives import enet_dual_gap
from fastreg.__main__ import main

from datasets import make_regression


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n=60, p=8, seed=3, intercept=1.5)
    return np.ascontiguousarray(X), y


def write(fmt, path, X, y):
    """Write (X, y) in one of the documented conventions; returns the file."""
    if fmt == "svmlight":
        from sklearn.datasets import dump_svmlight_file
        f = path / "d.svm"
        dump_svmlight_file(X, y, str(f))
    elif fmt == "csv-header":
        f = path / "d.csv"
        names = [f"x{j}" for j in range(X.shape[1])]
        np.savetxt(f, np.column_stack([y, X]), delimiter=",",
                   header=",".join(["target"] + names), comments="")
    elif fmt == "csv":
        f = path / "d.csv"
        np.savetxt(f, np.column_stack([X, y]), delimiter=",")
    elif fmt == "npy":
        f = path / "d.npy"
        np.save(f, np.column_stack([X, y]))
    elif fmt == "npz-dense":
        f = path / "d.npz"
        np.savez(f, X=X, y=y)
    elif fmt == "npz-sparse":
        f = path / "d.npz"
        sp.save_npz(f, sp.csc_matrix(np.column_stack([X, y])))
    elif fmt == "npz-sparse-y":
        f = path / "d.npz"
        parts = path / "parts.npz"
        sp.save_npz(parts, sp.csr_matrix(X), compressed=False)
        with np.load(parts) as z:
            np.savez(f, y=y, **{k: z[k] for k in z.files})
    return f


FORMATS = ["svmlight", "csv-header", "csv", "npy", "npz-dense", "npz-sparse",
           "npz-sparse-y"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_path(fmt, data, tmp_path, capsys):
    X, y = data
    f = write(fmt, tmp_path, X, y)
    extra = ["--target", "target"] if fmt == "csv-header" else []
    out = tmp_path / "res.npz"
    tol = 1e-8
    assert main(["path", str(f), "--n-alphas", "12", "--tol", str(tol), "-q",
                 "--out", str(out)] + extra) == 0
    printed = capsys.readouterr().out
    assert "60 x 8" in printed and "12 of 12 duality gaps" in printed
    res = np.load(out)
    assert res["coefs"].shape == (8, 12)
    assert np.all(np.diff(res["alphas"]) < 0)
    # alpha_max: the first model is empty, the next ones are not
    assert np.all(res["coefs"][:, 0] == 0) and np.any(res["coefs"][:, 1] != 0)
    yc = y - y.mean()
    for i, a in enumerate(res["alphas"]):
        gap = enet_dual_gap(X, y, res["coefs"][:, i], a, 1.0, fit_intercept=True)
        assert gap <= tol * yc @ yc / y.size * 1.001


def test_formats_agree(data, tmp_path):
    X, y = data
    results = []
    for k, fmt in enumerate(FORMATS):
        d = tmp_path / str(k)
        d.mkdir()
        f = write(fmt, d, X, y)
        extra = ["--target", "0"] if fmt == "csv-header" else []
        assert main(["path", str(f), "--n-alphas", "8", "--tol", "1e-10", "-q",
                     "--out", str(d / "r.npz")] + extra) == 0
        results.append(np.load(d / "r.npz"))
    for r in results[1:]:
        np.testing.assert_allclose(r["alphas"], results[0]["alphas"], rtol=1e-10)
        np.testing.assert_allclose(r["coefs"], results[0]["coefs"], rtol=1e-5,
                                   atol=1e-7)


def test_default_data_and_table(capsys):
    assert main(["path", "-q", "--n-alphas", "20"]) == 0
    out = capsys.readouterr().out
    assert "diabetes" in out and "442 x 10" in out
    assert "alpha" in out and "nonzeros" in out and "duality gap" in out
    assert "20 of 20 duality gaps" in out


@pytest.mark.parametrize("rule", ["min", "1se"])
def test_cv_rules(rule, tmp_path, capsys):
    out = tmp_path / "cv.npz"
    assert main(["path", "-q", "--n-alphas", "25", "--cv", "4", "--rule", rule,
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "CV error" in printed and f"selected by the {rule} rule" in printed
    r = np.load(out)
    mean, se = r["cv_mean"], r["cv_se"]
    assert r["cv_errors"].shape == (4, 25)
    np.testing.assert_allclose(mean, r["cv_errors"].mean(axis=0))
    best = np.argmin(mean)
    i = int(r["index_selected"])
    if rule == "min":
        assert i == best
    else:
        assert i <= best and mean[i] <= mean[best] + se[best]
        assert np.all(mean[:i] > mean[best] + se[best])
    assert r["alpha_selected"] == r["alphas"][i]


def test_cv_matches_manual_kfold(data, tmp_path):
    from sklearn.model_selection import KFold
    from fastreg import enet_path
    X, y = data
    f = write("npz-dense", tmp_path, X, y)
    out = tmp_path / "cv.npz"
    assert main(["path", str(f), "-q", "--n-alphas", "10", "--cv", "3",
                 "--l1-ratio", "0.5", "--tol", "1e-10", "--out", str(out)]) == 0
    r = np.load(out)
    for k, (tr, te) in enumerate(KFold(3, shuffle=True, random_state=0).split(y)):
        _, coefs, _, b = enet_path(X[tr], y[tr], l1_ratio=0.5, alphas=r["alphas"],
                                   tol=1e-10, fit_intercept=True,
                                   return_intercept=True)
        mse = ((y[te, None] - X[te] @ coefs - b) ** 2).mean(axis=0)
        np.testing.assert_allclose(r["cv_errors"][k], mse, rtol=1e-6)


def test_float32_and_no_intercept(data, tmp_path):
    X, y = data
    f = write("npy", tmp_path, X, y)
    out = tmp_path / "r.npz"
    assert main(["path", str(f), "-q", "--float32", "--no-fit-intercept",
                 "--n-alphas", "5", "--out", str(out)]) == 0
    r = np.load(out)
    assert r["coefs"].dtype == np.float32
    np.testing.assert_array_equal(r["intercepts"], 0.0)
    # alpha_max without intercept uses the raw y
    np.testing.assert_allclose(r["alphas"][0], np.abs(X.T @ y).max() / y.size,
                               rtol=1e-5)


def test_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "path.png"
    assert main(["path", "-q", "--n-alphas", "10", "--cv", "3",
                 "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench(data, tmp_path, capsys):
    X, y = data
    f = write("npz-sparse", tmp_path, X, y)
    for args in (["bench", "-q", "--n-alphas", "5", "--repeat", "1"],
                 ["bench", str(f), "-q", "--n-alphas", "5", "--repeat", "1",
                  "--l1-ratio", "0.7"]):
        assert main(args) == 0
        out = capsys.readouterr().out
        assert "ratio fastreg/sklearn:" in out
        assert "fastreg " in out and "sklearn " in out and "max duality gap" in out


def _error(argv, capsys):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fastreg: error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_user_errors(data, tmp_path, capsys):
    X, y = data
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "text.csv").write_text("a,b,c\n1,2,x\n3,oops,5\n")
    (tmp_path / "ragged.csv").write_text("1,2,3\n4,5\n")
    (tmp_path / "broken.npz").write_bytes(b"not a zip file at all")
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY garbage")
    (tmp_path / "broken.svm").write_text("1 3:x\n")
    (tmp_path / "data.xlsx").write_text("1,2\n")
    np.save(tmp_path / "vec.npy", y)
    np.savez(tmp_path / "other.npz", a=X)
    np.save(tmp_path / "nan.npy", np.column_stack([X, np.r_[np.nan, y[1:]]]))
    good = write("csv-header", tmp_path, X, y)
    cases = {
        "no such file": ["path", str(tmp_path / "missing.csv")],
        "is empty": ["path", str(tmp_path / "empty.csv")],
        "cannot read": ["path", str(tmp_path / "text.csv")],
        "ragged": ["path", str(tmp_path / "ragged.csv")],
        "zip": ["path", str(tmp_path / "broken.npz")],
        "npy": ["path", str(tmp_path / "broken.npy")],
        "svm": ["path", str(tmp_path / "broken.svm")],
        "extension": ["path", str(tmp_path / "data.xlsx")],
        "directory": ["path", str(tmp_path)],
        "1-D npy": ["path", str(tmp_path / "vec.npy")],
        "arrays": ["path", str(tmp_path / "other.npz")],
        "NaN": ["path", str(tmp_path / "nan.npy")],
        "target name": ["path", str(good), "--target", "nope"],
        "target index": ["path", str(good), "--target", "99"],
        "l1-ratio": ["path", "--l1-ratio", "1.5"],
        "n-alphas": ["path", "--n-alphas", "0"],
        "eps": ["path", "--eps", "-1"],
        "tol": ["path", "--tol", "abc"],
        "cv": ["path", "--cv", "1"],
        "rule": ["path", "--rule", "2se", "--cv", "3"],
        "rule without cv": ["path", "--rule", "1se"],
        "unknown option": ["path", "--nope"],
        "no command": [],
        "bad command": ["fit"],
        "target without file": ["path", "--target", "0"],
    }
    for what, argv in cases.items():
        line = _error(argv, capsys)
        assert len(line) < 400, (what, line)


def test_errors_from_a_subprocess_have_no_traceback(tmp_path):
    (tmp_path / "empty.npy").write_bytes(b"")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 truncated")
    for argv in (["path", str(tmp_path / "missing.svm")],
                 ["path", str(tmp_path / "empty.npy")],
                 ["path", str(tmp_path / "bad.npz")],
                 ["bench", "--n-alphas", "many"]):
        p = subprocess.run([sys.executable, "-m", "fastreg"] + argv,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 2, p.stderr
        assert "Traceback" not in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert p.stdout == ""


def test_help_and_version(capsys):
    assert main(["--help"]) == 0
    assert "path" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "fastreg" in capsys.readouterr().out


# ------------------------------------------------- new-user problems

def write_pandas_csv(path, X, y, *, header=True, index_name="", n_index=1):
    """(X, y) as ``pd.DataFrame(...).to_csv(path)`` writes them: the row
    index first (an unnamed header field), unless ``header=False``."""
    names = [f"x{j}" for j in range(X.shape[1])] + ["y"]
    index = [index_name] + ["Unnamed: 0"] * (n_index - 1)
    lines = [",".join(index + names)] if header else []
    for i, row in enumerate(np.column_stack([X, y])):
        lines.append(",".join([str(i)] * n_index + [repr(float(v)) for v in row]))
    path.write_text("\n".join(lines) + "\n")
    return path


def _path_result(argv, tmp_path, capsys, name="r.npz"):
    out = tmp_path / name
    assert main(argv + ["-q", "--n-alphas", "8", "--tol", "1e-10",
                        "--out", str(out)]) == 0
    with np.load(out) as z:
        return dict(z), capsys.readouterr()


@pytest.mark.parametrize("layout", ["header", "double-index", "no-header"])
def test_csv_row_number_column_is_dropped(layout, data, tmp_path, capsys):
    X, y = data
    ref, _ = _path_result(["path", str(write("csv", tmp_path, X, y))], tmp_path,
                          capsys, "ref.npz")
    f = write_pandas_csv(tmp_path / "pd.csv", X, y, header=layout != "no-header",
                         n_index=2 if layout == "double-index" else 1)
    r, printed = _path_result(["path", str(f)], tmp_path, capsys)
    # the row numbers are not a feature: the same 8 features, the same path
    assert r["coefs"].shape == (8, 8) and "60 x 8" in printed.out
    np.testing.assert_allclose(r["coefs"], ref["coefs"], rtol=1e-6, atol=1e-8)
    # ... and stderr says what was dropped and how to keep it
    note = printed.err.strip()
    assert note.startswith("fastreg: note: ") and len(note.splitlines()) == 1
    assert ("columns 0-1" if layout == "double-index" else "column 0") in note
    assert "values 0..59" in note and "index=False" in note
    assert ("give it a name in the header row" if layout != "no-header"
            else "add a header row") in note
    # --target counts the file's columns: 1 is x0, the row numbers cannot be y
    if layout == "header":
        r, _ = _path_result(["path", str(f), "--target", "1"], tmp_path, capsys)
        F = np.column_stack([X[:, 1:], y])
        np.testing.assert_allclose(r["alphas"][0], np.abs(
            (F - F.mean(0)).T @ (X[:, 0] - X[:, 0].mean())).max() / 60)
        line = _error(["path", str(f), "--target", "0"], capsys)
        assert "--target 0" in line and "row-number column" in line


def test_csv_named_row_number_column_is_kept(data, tmp_path, capsys):
    X, y = data
    f = write_pandas_csv(tmp_path / "pd.csv", X, y, index_name="t")
    r, printed = _path_result(["path", str(f)], tmp_path, capsys)
    assert r["coefs"].shape == (9, 8) and "60 x 9" in printed.out
    assert printed.err == ""


@pytest.mark.parametrize("eps", ["2", "1", "0", "-1", "nan"])
def test_eps_outside_the_open_unit_interval_is_refused(eps, capsys):
    line = _error(["path", "--eps", eps], capsys)
    assert "--eps" in line and "(0, 1)" in line and f"got {eps}" in line
    assert "alpha_min / alpha_max" in line


def test_eps_sets_the_ratio_of_the_grid(tmp_path, capsys):
    r, _ = _path_result(["path", "--eps", "0.5"], tmp_path, capsys)
    assert r["alphas"][-1] / r["alphas"][0] == pytest.approx(0.5)


def test_out_writes_exactly_the_named_file(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    out = tmp_path / "a" / "res.NPZ"          # np.savez would write res.NPZ.npz
    assert main(["path", "-q", "--n-alphas", "5", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["res.NPZ"]
    assert np.load(out)["coefs"].shape == (10, 5)
    for name in ("res.csv", "res"):
        line = _error(["path", "-q", "--out", str(tmp_path / name)], capsys)
        assert "--out" in line and ".npz" in line and repr(str(tmp_path / name)) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def _table_rows(out):
    lines = out.splitlines()
    start = next(i for i, s in enumerate(lines) if "duality gap" in s
                 and "<=" not in s)
    end = next(i for i, s in enumerate(lines) if "duality gaps <=" in s)
    return [s for s in lines[start + 1:end] if s[:1] in (" ", "*")]


def test_table_says_when_rows_are_thinned(capsys):
    assert main(["path", "-q", "--n-alphas", "100"]) == 0
    out = capsys.readouterr().out
    rows = _table_rows(out)
    assert 10 <= len(rows) < 100
    assert f"showing {len(rows)} of 100 alphas" in out
    assert "--all-alphas" in out and "--out saves all" in out
    assert main(["path", "-q", "--n-alphas", "100", "--all-alphas"]) == 0
    out = capsys.readouterr().out
    assert len(_table_rows(out)) == 100 and "showing" not in out
    assert main(["path", "-q", "--n-alphas", "7"]) == 0      # nothing left out
    out = capsys.readouterr().out
    assert len(_table_rows(out)) == 7 and "showing" not in out


def test_precompute_is_passed_to_the_solver(tmp_path, capsys, monkeypatch):
    import fastreg._cv
    import fastreg._path
    seen = []

    def spy(real):
        def compute_path(*args, **kwargs):
            seen.append(kwargs.get("precompute", "auto"))
            return real(*args, **kwargs)
        return compute_path

    monkeypatch.setattr(fastreg._path, "compute_path", spy(fastreg._path.compute_path))
    monkeypatch.setattr(fastreg._cv, "compute_path", spy(fastreg._cv.compute_path))
    results = {}
    for value, expected in (("auto", "auto"), ("true", True), ("false", False)):
        seen.clear()
        results[value], _ = _path_result(
            ["path", "--cv", "3", "--precompute", value], tmp_path, capsys)
        # the full path, 3 folds and the final fit of LassoCV
        assert len(seen) == 5 and all(
            s is expected if isinstance(expected, bool) else s == expected
            for s in seen), seen
    for value in ("true", "false"):
        np.testing.assert_allclose(results[value]["coefs"], results["auto"]["coefs"],
                                   rtol=1e-6, atol=1e-6)
    line = _error(["path", "--precompute", "yes"], capsys)
    assert "--precompute" in line and "'yes'" in line and "auto" in line


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("rule", ["min", "1se"])
def test_cv_is_the_estimators(l1_ratio, rule, data, tmp_path, capsys):
    from sklearn.model_selection import KFold
    from fastreg import ElasticNetCV, LassoCV
    from fastreg._cv import one_se_index
    X, y = data
    f = write("npz-dense", tmp_path, X, y)
    r, printed = _path_result(["path", str(f), "--cv", "4", "--rule", rule,
                               "--l1-ratio", str(l1_ratio)], tmp_path, capsys)
    Est = LassoCV if l1_ratio == 1.0 else ElasticNetCV
    kw = {} if l1_ratio == 1.0 else dict(l1_ratio=l1_ratio)
    est = Est(alphas=r["alphas"], cv=KFold(4, shuffle=True, random_state=0),
              tol=1e-10, selection_rule=rule, **kw).fit(X, y)
    np.testing.assert_allclose(r["cv_errors"], est.mse_path_.T, rtol=1e-6)
    errors = r["cv_errors"]
    # the standard error of LassoCV's 1se rule: ddof=0
    np.testing.assert_allclose(r["cv_se"], errors.std(axis=0) / 2, rtol=1e-12)
    i_min = int(np.argmin(r["cv_mean"]))
    i = int(r["index_selected"])
    assert i == (i_min if rule == "min"
                 else one_se_index(r["cv_mean"], errors, i_min))
    assert r["alpha_selected"] == r["alphas"][i] == est.alpha_
    assert r["alpha_min"] == est.alpha_min_ and r["alpha_1se"] == est.alpha_1se_
    assert f"alpha={est.alpha_:.5g}" in printed.out


def test_cv_uses_the_estimator(tmp_path, capsys, monkeypatch):
    import fastreg._cv
    fitted = []
    real_fit = fastreg._cv.ElasticNetCV.fit

    def fit(self, X, y, *args, **kwargs):
        fitted.append(self)
        return real_fit(self, X, y, *args, **kwargs)

    monkeypatch.setattr(fastreg._cv.ElasticNetCV, "fit", fit)
    r, _ = _path_result(["path", "--cv", "3", "--rule", "1se"], tmp_path, capsys)
    (est,) = fitted
    assert type(est).__name__ == "LassoCV" and est.selection_rule == "1se"
    np.testing.assert_array_equal(est.alphas, r["alphas"])
    assert r["alpha_selected"] == est.alpha_


def test_plot_draws_alpha_as_path_display(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.figure
    from fastreg.plotting import PathDisplay
    figures = []
    real_savefig = matplotlib.figure.Figure.savefig

    def savefig(self, *args, **kwargs):
        figures.append(self)
        return real_savefig(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    png = tmp_path / "path.png"
    out = tmp_path / "r.npz"
    assert main(["path", "-q", "--n-alphas", "10", "--cv", "3", "--plot", str(png),
                 "--out", str(out)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = np.load(out)
    ref = PathDisplay(r["alphas"], r["coefs"]).plot()
    (fig,) = figures
    assert len(fig.axes) == 2                    # the path and the CV curve
    for ax in fig.axes:
        assert ax.get_xscale() == ref.ax_.get_xscale() == "log"
        assert ax.xaxis_inverted() == ref.ax_.xaxis_inverted()
        lo, hi = ax.get_xlim()
        assert lo < hi and lo <= r["alphas"].min() and hi >= r["alphas"].max()


def test_pickled_sparse_npz_says_how_to_save_it(data, tmp_path, capsys):
    X, y = data
    Xs = sp.csr_matrix(X)
    np.savez(tmp_path / "pickled.npz", X=Xs, y=y)
    line = _error(["path", str(tmp_path / "pickled.npz")], capsys)
    assert "'X'" in line and "scipy.sparse" in line and "save_npz" in line
    assert "allow_pickle" not in line
    # the recipe the message gives is read, as the same problem
    f = tmp_path / "recipe.npz"
    sp.save_npz(f, sp.hstack([Xs, y[:, None]], format="csr"))
    r, _ = _path_result(["path", str(f)], tmp_path, capsys)
    ref, _ = _path_result(["path", str(write("npz-dense", tmp_path, X, y))],
                          tmp_path, capsys, "ref.npz")
    np.testing.assert_allclose(r["coefs"], ref["coefs"], rtol=1e-6, atol=1e-8)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}, None], dtype=object))
    line = _error(["path", str(tmp_path / "objects.npy")], capsys)
    assert "dtype=object" in line and "allow_pickle" not in line


def test_non_numeric_csv_column_is_named(tmp_path, capsys):
    f = tmp_path / "people.csv"
    rows = ["age,sex,height,y"] + [f"{30 + i},{'fm'[i % 2]},{170 + i},{i}"
                                   for i in range(10)]
    f.write_text("\n".join(rows) + "\n")
    line = _error(["path", str(f)], capsys)
    assert "column 1 ('sex')" in line and "'f'" in line and "line 2" in line
    assert "encode" in line and "could not convert" not in line
    rows = [r.replace(",f,", ",0,").replace(",m,", ",1,") for r in rows]
    rows[4] = "33,1,,3"
    f.write_text("\n".join(rows) + "\n")
    line = _error(["path", str(f)], capsys)
    assert "column 2 ('height')" in line and "missing value" in line
    assert "line 5" in line


@pytest.mark.parametrize("args, message", [
    (["--tol", "-1"], "argument --tol: must be > 0, got -1"),
    (["--l1-ratio", "0"], "argument --l1-ratio: must be in (0, 1], got 0"),
])
def test_range_messages_read_as_sentences(args, message, capsys):
    assert message in _error(["path", *args], capsys)


# ------------------------------------------------- --family binomial

@pytest.fixture(scope="module")
def labelled(data):
    """The regression data with y as two text classes ('no' below the
    median of y, 'yes' above), as a classification problem."""
    X, y = data
    return X, np.where(y > np.median(y), "yes", "no")


def write_labels(fmt, path, X, labels):
    """(X, labels) in a format that can hold text labels; returns the file and
    the extra options that name y."""
    if fmt == "csv-header":
        f = path / "d.csv"
        rows = ["x0,x1,x2,x3,x4,x5,x6,x7,answer"] + [
            ",".join(repr(float(v)) for v in x) + f",{c}" for x, c in zip(X, labels)]
        f.write_text("\n".join(rows) + "\n")
        return f, []
    if fmt == "csv-first":                    # no header, y the first column
        f = path / "d.csv"
        f.write_text("\n".join(f"{c}," + ",".join(repr(float(v)) for v in x)
                               for x, c in zip(X, labels)) + "\n")
        return f, ["--target", "0"]
    if fmt == "csv-pandas":                   # df.to_csv(f): the index first
        f = write_pandas_csv(path / "pd.csv", X, np.zeros(len(labels)))
        lines = f.read_text().splitlines()
        f.write_text("\n".join([lines[0]] + [s.rsplit(",", 1)[0] + f",{c}"
                                             for s, c in zip(lines[1:], labels)]))
        return f, []
    if fmt == "npz-dense":
        f = path / "d.npz"
        np.savez(f, X=X, y=labels)
        return f, []
    f = path / "d.svm"                        # svmlight: numeric labels -1 / 1
    from sklearn.datasets import dump_svmlight_file
    dump_svmlight_file(X, np.where(labels == "yes", 1, -1), str(f))
    return f, []


@pytest.mark.parametrize("fmt", ["csv-header", "csv-first", "csv-pandas", "npz-dense",
                                 "svmlight"])
def test_binomial_path_is_logistic_path(fmt, labelled, tmp_path, capsys):
    from fastreg import logistic_path
    X, labels = labelled
    f, extra = write_labels(fmt, tmp_path, X, labels)
    r, printed = _path_result(["path", str(f), "--family", "binomial", "--all-alphas"]
                              + extra, tmp_path, capsys)
    y = labels if fmt != "svmlight" else np.where(labels == "yes", 1, -1)
    if fmt == "svmlight":                          # as the CLI reads it
        from sklearn.datasets import load_svmlight_file
        X = load_svmlight_file(str(f))[0]
    # the CLI's default eps is logistic_path's (1e-4 here: n > p)
    alphas, coefs, gaps, n_iters, b = logistic_path(
        X, y, n_alphas=8, tol=1e-10, return_intercept=True, return_n_iter=True)
    assert r["alphas"][-1] / r["alphas"][0] == pytest.approx(1e-4)
    np.testing.assert_array_equal(r["alphas"], alphas)
    np.testing.assert_allclose(r["coefs"], coefs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r["intercepts"], b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r["dual_gaps"], gaps, rtol=1e-9, atol=1e-18)
    np.testing.assert_array_equal(r["n_iters"], n_iters)
    assert r["converged"].all() and str(r["family"]) == "binomial"
    np.testing.assert_array_equal(r["classes"], np.unique(y))
    # the printed table is that path: its alphas and nonzero counts
    rows = _table_rows(printed.out)
    assert [float(s.split()[0]) for s in rows] == pytest.approx(alphas, rel=1e-4)
    assert [int(s.split()[1]) for s in rows] == list(np.count_nonzero(coefs, axis=0))
    positive = "'yes'" if fmt != "svmlight" else "1"
    assert f"coefficients are those of class {positive}" in printed.out
    assert "8 of 8 duality gaps <= tol * F(b0)" in printed.out
    assert "60 x 8" in printed.out
    if fmt == "csv-pandas":
        assert "dropped column 0" in printed.err
    else:
        assert printed.err == ""


def test_binomial_options_reach_logistic_path(labelled, tmp_path, capsys):
    from fastreg import logistic_path
    X, labels = labelled
    f, _ = write_labels("npz-dense", tmp_path, X, labels)
    r, printed = _path_result(["path", str(f), "--family", "binomial", "--l1-ratio",
                               "0.5", "--eps", "0.01", "--no-fit-intercept",
                               "--float32"], tmp_path, capsys)
    alphas, coefs, _, b = logistic_path(
        X.astype(np.float32), labels, l1_ratio=0.5, eps=0.01, n_alphas=8, tol=1e-10,
        fit_intercept=False, return_intercept=True)
    np.testing.assert_array_equal(r["alphas"], alphas)
    assert r["coefs"].dtype == np.float32
    np.testing.assert_array_equal(r["coefs"], coefs)
    np.testing.assert_array_equal(r["intercepts"], 0.0)
    assert "eps=0.01," in printed.out and "fit_intercept=False" in printed.out


def test_binomial_eps_default_follows_glmnets_rule(tmp_path, capsys):
    from fastreg import logistic_path
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 30))              # fewer samples than features
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    np.savez(tmp_path / "wide.npz", X=X, y=y)
    r, printed = _path_result(["path", str(tmp_path / "wide.npz"), "--family",
                               "binomial"], tmp_path, capsys)
    np.testing.assert_array_equal(r["alphas"], logistic_path(X, y, n_alphas=8,
                                                             tol=1e-10)[0])
    assert r["alphas"][-1] / r["alphas"][0] == pytest.approx(1e-2)
    assert "eps=0.01," in printed.out


def test_binomial_more_classes_is_multinomial(data, tmp_path, capsys):
    from fastreg import logistic_path
    X, y = data
    labels = np.array(["low", "mid", "high"])[np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))]
    np.savez(tmp_path / "d.npz", X=X, y=labels)
    r, printed = _path_result(["path", str(tmp_path / "d.npz"), "--family", "binomial",
                               "--all-alphas"], tmp_path, capsys)
    alphas, coefs, _, b = logistic_path(X, labels, n_alphas=8, tol=1e-10,
                                        return_intercept=True)
    assert r["coefs"].shape == coefs.shape == (3, 8, 8)
    assert r["intercepts"].shape == (3, 8)
    np.testing.assert_array_equal(r["alphas"], alphas)
    np.testing.assert_allclose(r["coefs"], coefs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r["intercepts"], b, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(r["classes"], ["high", "low", "mid"])
    assert "multinomial" in printed.out and "'high', 'low', 'mid'" in printed.out
    rows = _table_rows(printed.out)
    assert [int(s.split()[1]) for s in rows] == [np.count_nonzero(coefs[..., i])
                                                 for i in range(8)]


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("rule", ["min", "1se"])
def test_binomial_cv_is_logistic_regression_cv(l1_ratio, rule, labelled, tmp_path,
                                               capsys):
    from sklearn.model_selection import StratifiedKFold
    from fastreg import LogisticRegressionCV
    X, labels = labelled
    f, _ = write_labels("npz-dense", tmp_path, X, labels)
    r, printed = _path_result(["path", str(f), "--family", "binomial", "--cv", "3",
                               "--rule", rule, "--l1-ratio", str(l1_ratio)],
                              tmp_path, capsys)
    alphas, n = r["alphas"], X.shape[0]
    est = LogisticRegressionCV(
        Cs=1 / (alphas * n), l1_ratios=[l1_ratio], scoring="neg_log_loss",
        cv=StratifiedKFold(3, shuffle=True, random_state=0), tol=1e-10,
        selection_rule=rule).fit(X, labels)
    # the same alpha: C_ is the path's alpha, on the path's grid
    i = int(r["index_selected"])
    assert r["alpha_selected"] == alphas[i]
    assert 1 / (est.C_[0] * n) == pytest.approx(alphas[i], rel=1e-12)
    np.testing.assert_allclose(1 / (est.Cs_ * n), alphas, rtol=1e-12)
    # the CV columns are its scores, as log-loss on the path's order of alphas
    np.testing.assert_allclose(r["cv_errors"], -est.scores_[est.classes_[1]][:, :, 0],
                               rtol=1e-9)
    np.testing.assert_allclose(r["cv_mean"], r["cv_errors"].mean(axis=0))
    np.testing.assert_allclose(r["cv_se"], r["cv_errors"].std(axis=0) / np.sqrt(3))
    mean, se = r["cv_mean"], r["cv_se"]
    best = int(np.argmin(mean))
    assert r["alpha_min"] == alphas[best]
    one_se = int(np.flatnonzero(mean <= mean[best] + se[best])[0])
    assert r["alpha_1se"] == alphas[one_se]
    assert i == (best if rule == "min" else one_se)
    assert str(r["rule"]) == rule
    assert "CV log-loss" in printed.out and "stratified CV" in printed.out
    assert (f"selected by the {rule} rule: alpha={alphas[i]:.5g}, "
            f"{np.count_nonzero(r['coefs'][:, i])} nonzeros, "
            f"CV log-loss {mean[i]:.5g}") in printed.out


def test_binomial_cv_errors_are_test_fold_log_loss(labelled, tmp_path, capsys):
    """An oracle for the CV columns: each fold's path at C = 1 / (alpha n),
    i.e. alpha n / n_train on its training rows, scored by log_loss."""
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold
    from fastreg import logistic_path
    X, labels = labelled
    f, _ = write_labels("npz-dense", tmp_path, X, labels)
    r, _ = _path_result(["path", str(f), "--family", "binomial", "--cv", "4"],
                        tmp_path, capsys)
    y = (labels == "yes").astype(float)
    folds = StratifiedKFold(4, shuffle=True, random_state=0).split(X, labels)
    for k, (tr, te) in enumerate(folds):
        _, coefs, _, b = logistic_path(X[tr], y[tr], alphas=r["alphas"] * 60 / tr.size,
                                       tol=1e-10, return_intercept=True)
        p = 1 / (1 + np.exp(-(X[te] @ coefs + b)))
        losses = [log_loss(y[te], p[:, i], labels=[0, 1]) for i in range(8)]
        np.testing.assert_allclose(r["cv_errors"][k], losses, rtol=1e-6)


def test_binomial_plot_shows_log_loss(labelled, tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.figure
    figures = []
    real_savefig = matplotlib.figure.Figure.savefig

    def savefig(self, *args, **kwargs):
        figures.append(self)
        return real_savefig(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    X, labels = labelled
    f, _ = write_labels("npz-dense", tmp_path, X, labels)
    png = tmp_path / "b.png"
    r, _ = _path_result(["path", str(f), "--family", "binomial", "--cv", "3",
                         "--plot", str(png)], tmp_path, capsys)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (fig,) = figures
    path_ax, cv_ax = fig.axes[0], fig.axes[-1]
    assert len(path_ax.get_lines()) >= np.count_nonzero(r["coefs"].any(axis=1))
    assert "log-loss" in cv_ax.get_ylabel() and "log-loss" in cv_ax.get_title()
    assert "squared" not in cv_ax.get_ylabel()
    assert f"alpha={r['alpha_selected']:.3g}" in cv_ax.get_title()
    for ax in (path_ax, cv_ax):
        assert ax.get_xscale() == "log"
        lo, hi = ax.get_xlim()
        assert lo <= r["alphas"].min() and hi >= r["alphas"].max()


def test_binomial_default_data_is_breast_cancer(capsys):
    assert main(["path", "-q", "--family", "binomial", "--n-alphas", "5"]) == 0
    out = capsys.readouterr().out
    assert "breast cancer" in out and "569 x 30" in out
    assert "classes 0, 1" in out and "5 of 5 duality gaps" in out


def test_gaussian_family_is_the_default(data, tmp_path, capsys):
    X, y = data
    f = write("npz-dense", tmp_path, X, y)
    ref, before = _path_result(["path", str(f), "--cv", "3"], tmp_path, capsys, "a.npz")
    r, after = _path_result(["path", str(f), "--cv", "3", "--family", "gaussian"],
                            tmp_path, capsys, "b.npz")
    assert sorted(r) == sorted(ref) and "family" not in r
    for key in r:
        np.testing.assert_array_equal(r[key], ref[key])
    def lines(out):                       # but the time and the file name
        return [s for s in out.splitlines() if " s (" not in s and "wrote" not in s]
    assert lines(before.out) == lines(after.out)
    assert "eps=0.001," in after.out and "CV error" in after.out
    assert "log-loss" not in after.out and "logistic" not in after.out


def test_binomial_refuses_least_squares_options(labelled, tmp_path, capsys):
    X, labels = labelled
    f, _ = write_labels("npz-dense", tmp_path, X, labels)
    for value in ("auto", "true", "false"):
        line = _error(["path", str(f), "--family", "binomial", "--precompute", value],
                      capsys)
        assert "--precompute" in line and "--family binomial" in line
        assert f"--precompute {value}" in line and "least-squares" in line


def test_binomial_label_errors(data, labelled, tmp_path, capsys):
    X, y = data
    _, labels = labelled
    np.savez(tmp_path / "one.npz", X=X, y=np.full(60, "yes"))
    line = _error(["path", str(tmp_path / "one.npz"), "--family", "binomial"], capsys)
    assert "--family binomial" in line and "two classes" in line
    assert "'yes'" in line and "60 samples" in line
    np.savez(tmp_path / "real.npz", X=X, y=y)
    line = _error(["path", str(tmp_path / "real.npz"), "--family", "binomial"], capsys)
    assert "continuous" in line and "--family gaussian" in line
    rare = labels.copy()
    rare[:] = "no"
    rare[:2] = "yes"
    np.savez(tmp_path / "rare.npz", X=X, y=rare)
    line = _error(["path", str(tmp_path / "rare.npz"), "--family", "binomial",
                   "--cv", "3"], capsys)
    assert "--cv 3" in line and "'yes' has 2" in line and "--cv 2" in line
    # a text y without --family binomial: the option is named
    f, _ = write_labels("csv-header", tmp_path, X, labels)
    line = _error(["path", str(f)], capsys)
    assert "column 8 ('answer')" in line and "--family binomial" in line
    text = f.read_text().splitlines()
    text[3] = text[3].rsplit(",", 1)[0] + ","
    f.write_text("\n".join(text) + "\n")
    line = _error(["path", str(f), "--family", "binomial"], capsys)
    assert "missing class label" in line and "line 4" in line
    line = _error(["path", "--family", "poisson"], capsys)
    assert "--family" in line and "'poisson'" in line
