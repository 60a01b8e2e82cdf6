"""fastreg: fast, certified Lasso, Elastic Net and Ridge for Python.

Compiled coordinate descent (dense, sparse CSC and Gram kernels) behind a
scikit-learn compatible API.
"""
from ._estimators import ElasticNet, Lasso
from ._path import enet_path, lasso_path
from ._ridge import Ridge, RidgeCV, ridge_path

__version__ = "0.1.0"

__all__ = ["ElasticNet", "Lasso", "enet_path", "lasso_path", "Ridge", "RidgeCV", "ridge_path", "__version__"]
