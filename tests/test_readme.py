"""The README's code blocks, run as a reader would run them.

- every ``python`` block runs on its own in a fresh interpreter (no block may
  lean on names defined by another);
- every ``bash`` block made only of ``fastreg ...`` commands runs, in a
  directory holding the data files its commands name;
- every ``pip install`` line installs the distribution named in
  ``pyproject.toml`` (or the checkout);
- ``text`` blocks are synopses, not run.

The other ``bash`` blocks are run by the scripts in ``ci/``: the Quick start
and the wheel by ``ci/test.sh``, the Development lines by
``ci/dev_check.sh``.  The README is found next to ``tests/`` (CI copies it
there with the tests); without it these tests are skipped.
"""
import os
import pathlib
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PYPROJECT = ROOT / "pyproject.toml"

pytestmark = pytest.mark.skipif(not README.exists(), reason="no README.md next to tests/")


def blocks(lang):
    """(line number, text) of each fenced block of the given language."""
    text = README.read_text()
    out = []
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.M | re.S):
        if m.group(1) == lang:
            out.append((text.count("\n", 0, m.start()) + 1, m.group(2)))
    return out


def _commands(block):
    """The block's commands, comments dropped, ``a && b`` split in two."""
    return [c.strip() for line in block.splitlines()
            for c in line.split("#")[0].split("&&") if c.strip()]


def _cli_blocks():
    return [(n, b) for n, b in blocks("bash")
            if all(c.startswith("fastreg ") for c in _commands(b))]


def _env():
    env = dict(os.environ, MPLBACKEND="Agg")
    import fastreg
    env["PYTHONPATH"] = os.pathsep.join(
        [str(pathlib.Path(fastreg.__file__).parent.parent)]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def test_the_readme_has_blocks_of_each_kind():
    assert len(blocks("python")) >= 3 and len(_cli_blocks()) >= 1


@pytest.mark.parametrize("line, code", blocks("python") if README.exists() else [],
                         ids=lambda v: f"line{v}" if isinstance(v, int) else "")
def test_python_block_runs_on_its_own(line, code, tmp_path):
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"README line {line}:\n{out.stderr[-2000:]}"


def _write_data(folder):
    """The data files the README's command examples name."""
    import scipy.sparse as sp
    from sklearn.datasets import dump_svmlight_file
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 8))
    y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(120)
    dump_svmlight_file(sp.csr_matrix(X), y, str(folder / "data.svm"))
    header = ",".join([f"x{j}" for j in range(8)] + ["price"])
    np.savetxt(folder / "table.csv", np.column_stack([X, y]), delimiter=",",
               header=header, comments="")
    np.savez(folder / "data.npz", X=X, y=y)


@pytest.mark.parametrize("line, code", _cli_blocks() if README.exists() else [],
                         ids=lambda v: f"line{v}" if isinstance(v, int) else "")
def test_command_line_block_runs(line, code, tmp_path):
    _write_data(tmp_path)
    for cmd in _commands(code):
        args = shlex.split(cmd)
        out = subprocess.run([sys.executable, "-m", "fastreg", *args[1:]], cwd=tmp_path,
                             env=_env(), capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, f"README line {line}: {cmd}\n{out.stderr[-2000:]}"
        for word in args:
            if word.endswith((".png", ".npz")) and word != "data.npz":
                assert (tmp_path / word).exists(), f"{cmd} did not write {word}"


def test_install_lines_name_the_distribution():
    name = re.search(r'^name = "([^"]+)"', PYPROJECT.read_text(), re.M).group(1) \
        if PYPROJECT.exists() else "fastreg-paths"
    lines = [c for _, b in blocks("bash") for c in _commands(b)
             if c.startswith("pip install")]
    assert lines
    for cmd in lines:
        targets = [w for w in shlex.split(cmd)[2:] if not w.startswith("-")]
        for t in targets:
            base = re.split(r"[\[<>=]", t)[0]
            assert base in (name, ".") or base.startswith(("setuptools", "Cython",
                                                           "numpy", "scipy", "pip",
                                                           "asv", "threadpoolctl")), cmd
