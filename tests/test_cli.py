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
