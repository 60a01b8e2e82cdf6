"""Compiled extensions of fastreg.  Everything else lives in pyproject.toml.

Environment switches:
- FASTREG_DEBUG_CYTHON=1: bounds checks, wraparound and initialized checks on,
  for a debug CI run.
- FASTREG_NO_OPENMP=1: build without OpenMP even where the compiler has it.
"""
import glob
import os
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

MODULES = sorted(os.path.basename(f)[:-4] for f in glob.glob("fastreg/*.pyx"))


def _openmp_flags(compiler):
    """Compile and link flags for OpenMP, or ([], []) where it is missing."""
    if os.environ.get("FASTREG_NO_OPENMP"):
        return [], []
    if sys.platform == "win32":
        return ["/openmp"], []
    if sys.platform == "darwin":
        candidates = [(["-Xpreprocessor", "-fopenmp"], ["-lomp"])]
    else:
        candidates = [(["-fopenmp"], ["-fopenmp"])]
    src = "#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "check_openmp.c")
        with open(path, "w") as fh:
            fh.write(src)
        for cflags, ldflags in candidates:
            try:
                objs = compiler.compile([path], output_dir=tmp, extra_postargs=cflags)
                compiler.link_executable(
                    objs, "check_openmp", output_dir=tmp, extra_postargs=ldflags
                )
            except Exception:
                continue
            return cflags, ldflags
    print("fastreg: OpenMP not found, full passes run on one core", file=sys.stderr)
    return [], []


class BuildExt(build_ext):
    def build_extensions(self):
        cflags, ldflags = _openmp_flags(self.compiler)
        for ext in self.extensions:
            ext.extra_compile_args += cflags
            ext.extra_link_args += ldflags
        super().build_extensions()


debug = bool(os.environ.get("FASTREG_DEBUG_CYTHON"))
directives = {
    "language_level": 3,
    "boundscheck": debug,
    "wraparound": debug,
    "initializedcheck": debug,
    "cdivision": not debug,
    "nonecheck": False,
    "embedsignature": True,
}
opt = [] if sys.platform == "win32" else ["-O3"]
extensions = [
    Extension(
        f"fastreg.{name}",
        [f"fastreg/{name}.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
        extra_compile_args=list(opt),
    )
    for name in MODULES
]

setup(
    ext_modules=cythonize(extensions, compiler_directives=directives),
    cmdclass={"build_ext": BuildExt},
)
