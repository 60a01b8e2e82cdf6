"""fastreg: fast, certified Lasso, Elastic Net, Ridge and logistic regression for Python.

Compiled coordinate descent (dense, sparse CSC and Gram kernels) and a
Cholesky ridge behind a scikit-learn compatible API.
"""
try:
    from . import _cd_fast  # noqa: F401  (compiled: fails in an unbuilt checkout)
except ImportError as exc:          # pragma: no cover - depends on the install
    import os
    raise ImportError(
        f"fastreg's compiled extensions are missing in {os.path.dirname(__file__)}: "
        "this is probably an unbuilt source checkout shadowing the installed "
        "package. Run from another directory, or build in place with "
        "'python setup.py build_ext --inplace'.") from exc

from ._config import config_context, get_config, set_config
from ._estimators import ElasticNet, Lasso
from ._path import enet_path, lasso_path
from ._cv import ElasticNetCV, LassoCV
from ._ic import ElasticNetIC, LassoIC
from ._path_estimator import ElasticNetPath, LassoPath
from ._ridge import Ridge, RidgeCV, ridge_path
from ._logistic import logistic_path
from ._classifier import LogisticRegression, LogisticRegressionCV
from ._logistic_path_estimator import LogisticPath
from ._distributed import svmlight_blocks

__version__ = "0.1.0"

__all__ = [
    "Lasso", "ElasticNet", "enet_path", "lasso_path",
    "LassoCV", "ElasticNetCV", "LassoIC", "ElasticNetIC",
    "LassoPath", "ElasticNetPath",
    "Ridge", "RidgeCV", "ridge_path",
    "logistic_path", "LogisticRegression", "LogisticRegressionCV", "LogisticPath",
    "svmlight_blocks",
    "config_context", "get_config", "set_config",
    "__version__",
]
