"""fastreg: fast, certified Lasso, Elastic Net and Ridge for Python.

Compiled coordinate descent (dense, sparse CSC and Gram kernels) behind a
scikit-learn compatible API.
"""
from ._estimators import ElasticNet, Lasso
from ._path import enet_path, lasso_path
from ._cv import ElasticNetCV, LassoCV
from ._path_estimator import ElasticNetPath, LassoPath
from ._ic import ElasticNetIC, LassoIC
from ._ridge import Ridge, RidgeCV, ridge_path

__version__ = "0.1.0"

__all__ = ["ElasticNetCV", "LassoCV", "ElasticNetPath", "LassoPath",
           "ElasticNetIC", "LassoIC",
           "ElasticNet", "Lasso", "enet_path", "lasso_path", "Ridge", "RidgeCV", "ridge_path", "__version__"]
