"""Bad input: one ``pytest.raises(ValueError, match=...)`` per documented rule.

Each rule is checked through both entry points, ``enet_path`` and the
``ElasticNet`` / ``Lasso`` estimators; every message must name the parameter
and show the value received.
"""
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastreg import ElasticNet, Lasso, enet_path, lasso_path

N, P = 20, 5


def _data(dtype=np.float64):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((N, P)).astype(dtype),
            rng.standard_normal(N).astype(dtype))


def _fit(entry, X, y, sample_weight=None, **params):
    """Run one entry point with ``params`` (estimator params or path kwargs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if entry == "path":
            return enet_path(X, y, alphas=[0.1], sample_weight=sample_weight,
                             **params)
        if entry == "lasso":
            return Lasso(alpha=0.1, **params).fit(X, y, sample_weight=sample_weight)
        return ElasticNet(alpha=0.1, **params).fit(X, y, sample_weight=sample_weight)


ENTRIES = ["path", "enet", "lasso"]


def _with(arr, index, value):
    arr = np.array(arr, copy=True)
    arr[index] = value
    return arr


# ------------------------------------------------------------ X, y, weights

@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("bad, match", [(np.nan, "Input X contains NaN"),
                                        (np.inf, "Input X contains infinity")])
def test_non_finite_X(entry, sparse, bad, match):
    X, y = _data()
    X = _with(X, (3, 2), bad)
    if sparse:
        X = sp.csc_matrix(X)
    with pytest.raises(ValueError, match=match):
        _fit(entry, X, y)


@pytest.mark.parametrize("precompute", ["auto", True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bad, match", [(np.nan, "Input X contains NaN"),
                                        (-np.inf, "Input X contains infinity")])
def test_non_finite_X_found_by_every_path_form(precompute, dtype, bad, match):
    """A path finds dense X's NaN and inf from the column norms its problem
    computes (tall, Gram and residual forms), even in a row of weight 0 and
    with the intercept; X whose squares overflow float32 is still solved."""
    rng = np.random.default_rng(1)
    X = np.asfortranarray(rng.standard_normal((120, 10))).astype(dtype)
    y = rng.standard_normal(120).astype(dtype)
    sw = np.ones(120)
    sw[7] = 0.0
    bad_X = _with(X, (7, 3), bad)
    for fit_intercept in (False, True):
        with pytest.raises(ValueError, match=match):
            enet_path(bad_X, y, n_alphas=20, precompute=precompute, sample_weight=sw,
                      fit_intercept=fit_intercept)
    big = X * dtype(1e20) if dtype == np.float32 else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enet_path(big, y, n_alphas=20, precompute=precompute)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("bad, match", [(np.nan, "Input y contains NaN"),
                                        (np.inf, "Input y contains infinity")])
def test_non_finite_y(entry, bad, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        _fit(entry, X, _with(y, 4, bad))


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_sample_weight(entry, bad):
    X, y = _data()
    sw = _with(np.ones(N), 7, bad)
    with pytest.raises(ValueError,
                       match=rf"sample_weight must be finite, got {bad} at index 7"):
        _fit(entry, X, y, sample_weight=sw)


@pytest.mark.parametrize("entry", ENTRIES)
def test_negative_sample_weight(entry):
    X, y = _data()
    sw = _with(np.ones(N), 5, -0.5)
    with pytest.raises(ValueError,
                       match=r"sample_weight must be non-negative, "
                             r"got -0\.5 at index 5"):
        _fit(entry, X, y, sample_weight=sw)


@pytest.mark.parametrize("entry", ENTRIES)
def test_all_zero_sample_weight(entry):
    X, y = _data()
    with pytest.raises(ValueError, match="sample_weight must have at least one "
                                         "positive entry, got all zeros"):
        _fit(entry, X, y, sample_weight=np.zeros(N))


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("shape", [(N - 1,), (N + 1,), (N, 1)])
def test_sample_weight_wrong_shape(entry, shape):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            f"sample_weight must have shape ({N},), got {shape}")):
        _fit(entry, X, y, sample_weight=np.ones(shape))


@pytest.mark.parametrize("entry", ENTRIES)
def test_sample_weight_not_numeric(entry):
    X, y = _data()
    with pytest.raises(ValueError, match="sample_weight must be numeric"):
        _fit(entry, X, y, sample_weight=np.array(["a"] * N))


def test_mismatched_lengths_path():
    X, y = _data()
    with pytest.raises(ValueError, match="X and y must have the same number of "
                                         f"samples, got {N} and {N - 1}"):
        enet_path(X, y[:-1])


@pytest.mark.parametrize("entry", ["enet", "lasso"])
def test_mismatched_lengths_estimator(entry):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            f"inconsistent numbers of samples: [{N}, {N - 1}]")):
        _fit(entry, X, y[:-1])


@pytest.mark.parametrize("entry", ENTRIES)
def test_zero_samples(entry):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            f"Found array with 0 sample(s) (shape=(0, {P}))")):
        _fit(entry, X[:0], y[:0])


@pytest.mark.parametrize("entry", ENTRIES)
def test_zero_features(entry):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            f"Found array with 0 feature(s) (shape=({N}, 0))")):
        _fit(entry, X[:, :0], y)


def test_y_2d_in_path():
    # a 2-D y is scikit-learn's multi-task objective (tests/test_multitask.py);
    # a 3-D y is refused
    X, y = _data()
    assert enet_path(X, np.c_[y, y], n_alphas=3)[1].shape == (2, X.shape[1], 3)
    with pytest.raises(ValueError, match="Found array with dim 3"):
        enet_path(X, y[:, None, None])


@pytest.mark.parametrize("entry", ENTRIES)
def test_complex_X(entry):
    X, y = _data()
    with pytest.raises(ValueError, match="Complex data not supported"):
        _fit(entry, X.astype(complex), y)


# ---------------------------------------------------------------- penalties

@pytest.mark.parametrize("entry", ["enet", "lasso"])
@pytest.mark.parametrize("alpha", [-1.0, -1e-12])
def test_negative_alpha(entry, alpha):
    X, y = _data()
    est = ElasticNet(alpha=alpha) if entry == "enet" else Lasso(alpha=alpha)
    with pytest.raises(ValueError, match=re.escape(f"alpha must be >= 0, got {alpha}")):
        est.fit(X, y)


@pytest.mark.parametrize("alpha, match", [
    (np.nan, "alpha must be finite, got nan"),
    (np.inf, "alpha must be finite, got inf"),
    ("1", "alpha must be a real number, got '1'"),
    (None, "alpha must be a real number, got None"),
])
def test_bad_alpha_type_or_value(alpha, match):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(match)):
        ElasticNet(alpha=alpha).fit(X, y)


@pytest.mark.parametrize("alphas, match", [
    ([0.5, -1.0], "alphas must be >= 0, got -1.0 at index 1"),
    ([0.5, np.nan], "alphas must be finite, got nan at index 1"),
    ([np.inf], "alphas must be finite, got inf at index 0"),
    ([], "alphas must be an int or a non-empty 1-D array, got shape (0,)"),
    (np.ones((2, 2)),
     "alphas must be an int or a non-empty 1-D array, got shape (2, 2)"),
    (0, "alphas must be >= 1, got 0"),
])
def test_bad_alphas_in_path(alphas, match):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(match)):
        enet_path(X, y, alphas=alphas)


@pytest.mark.parametrize("kw, match", [
    (dict(n_alphas=0), "n_alphas must be >= 1, got 0"),
    (dict(n_alphas=2.5), "n_alphas must be an integer, got 2.5"),
    (dict(eps=0.0), "eps must be > 0, got 0.0"),
    (dict(eps=-1e-3), "eps must be > 0, got -0.001"),
    (dict(l1_ratio=0.0), "l1_ratio must be > 0 to build an alpha grid, got 0"),
])
def test_bad_grid_parameters_in_path(kw, match):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(match)):
        enet_path(X, y, **kw)


def test_lasso_path_refuses_l1_ratio():
    X, y = _data()
    with pytest.raises(ValueError, match="lasso_path takes no l1_ratio"):
        lasso_path(X, y, l1_ratio=0.5)


@pytest.mark.parametrize("entry", ["path", "enet"])
@pytest.mark.parametrize("l1_ratio", [1.5, -0.1, 1 + 1e-12])
def test_l1_ratio_outside_unit_interval(entry, l1_ratio):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            f"l1_ratio must be in [0, 1], got {l1_ratio}")):
        _fit(entry, X, y, l1_ratio=l1_ratio)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("shape", [(P - 1,), (P + 1,), (P, 1)])
def test_penalty_factor_wrong_shape(entry, shape):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            f"penalty_factor must have shape ({P},), got {shape}")):
        _fit(entry, X, y, penalty_factor=np.ones(shape))


@pytest.mark.parametrize("entry", ENTRIES)
def test_negative_penalty_factor(entry):
    X, y = _data()
    with pytest.raises(ValueError, match=r"penalty_factor must be non-negative, "
                                         r"got -2\.0 at index 3"):
        _fit(entry, X, y, penalty_factor=_with(np.ones(P), 3, -2.0))


@pytest.mark.parametrize("entry", ENTRIES)
def test_non_finite_penalty_factor(entry):
    X, y = _data()
    with pytest.raises(ValueError, match="penalty_factor must be finite, got nan "
                                         "at index 1"):
        _fit(entry, X, y, penalty_factor=_with(np.ones(P), 1, np.nan))


# ------------------------------------------------------------ solver options

@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("tol, match", [
    (-1.0, "tol must be >= 0, got -1.0"),
    (np.nan, "tol must be finite, got nan"),
    ("1e-4", "tol must be a real number, got '1e-4'"),
])
def test_bad_tol(entry, tol, match):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(match)):
        _fit(entry, X, y, tol=tol)


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("max_iter, match", [
    (0, "max_iter must be >= 1, got 0"),
    (-5, "max_iter must be >= 1, got -5"),
    (1.5, "max_iter must be an integer, got 1.5"),
    (True, "max_iter must be an integer, got True"),
])
def test_bad_max_iter(entry, max_iter, match):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(match)):
        _fit(entry, X, y, max_iter=max_iter)


@pytest.mark.parametrize("entry", ENTRIES)
def test_bad_selection(entry):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            "selection must be one of ['cyclic', 'random'], got 'shuffle'")):
        _fit(entry, X, y, selection="shuffle")


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("precompute, match", [
    ("yes", "precompute must be True, False, 'auto' or a Gram matrix, got 'yes'"),
    (None, "precompute must be True, False, 'auto' or a Gram matrix, got None"),
    (np.eye(P - 2), f"precompute must be a ({P}, {P}) Gram matrix, got shape "
                    f"({P - 2}, {P - 2})"),
])
def test_bad_precompute(entry, precompute, match):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(match)):
        _fit(entry, X, y, precompute=precompute)


@pytest.mark.parametrize("name", ["fit_intercept", "positive", "warm_start",
                                  "copy_X"])
def test_estimator_bool_parameters(name):
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(f"{name} must be a bool, got 'no'")):
        ElasticNet(**{name: "no"}).fit(X, y)


@pytest.mark.parametrize("name", ["fit_intercept", "positive"])
def test_path_bool_parameters(name):
    X, y = _data()
    with pytest.raises(ValueError, match=f"{name} must be a bool, got 'no'"):
        enet_path(X, y, alphas=[0.1], **{name: "no"})


def test_coef_init_wrong_shape():
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            f"coef_init must have shape ({P},), got ({P - 1},)")):
        enet_path(X, y, coef_init=np.zeros(P - 1))


def test_coef_init_not_finite():
    X, y = _data()
    with pytest.raises(ValueError, match="coef_init must be finite"):
        enet_path(X, y, alphas=[0.1], coef_init=np.full(P, np.nan))


def test_xy_wrong_shape():
    X, y = _data()
    with pytest.raises(ValueError, match=re.escape(
            f"Xy must have shape ({P},), got ({P - 2},)")):
        enet_path(X, y, precompute=True, Xy=np.ones(P - 2))


def test_predict_wrong_number_of_features():
    X, y = _data()
    est = Lasso(alpha=0.1).fit(X, y)
    with pytest.raises(ValueError, match=f"X has 3 features, but Lasso is "
                                         f"expecting {P} features"):
        est.predict(X[:, :3])


def test_alpha_zero_warns():
    X, y = _data()
    with pytest.warns(UserWarning, match="alpha=0"):
        ElasticNet(alpha=0.0, max_iter=5).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_valid_inputs_in_other_forms_are_accepted(dtype):
    """Lists, int y, scalar weights, int penalty factors: all fine."""
    X, y = _data(dtype)
    out = enet_path(X.tolist(), y.tolist(), alphas=[0.1],
                    penalty_factor=[1] * P, sample_weight=[2] * N)
    assert out[1].shape == (P, 1)
    est = ElasticNet(alpha=0.1).fit(X, np.round(y).astype(int), sample_weight=3.0)
    assert est.coef_.shape == (P,)
    est = ElasticNet(alpha=0.1).fit(X, y, sample_weight=np.arange(N) % 3)
    assert est.coef_.dtype == dtype


@pytest.mark.parametrize("sparse", [False, True])
def test_uncentred_gram_with_intercept_is_recomputed(sparse):
    """X^T X of uncentred X with fit_intercept=True: scikit-learn's warning,
    and the fit of the right (centred) Gram matrix."""
    X, y = _data()
    X = X + 3.0
    Xv = sp.csr_matrix(X) if sparse else X
    with pytest.warns(UserWarning, match="Gram matrix was provided but X was "
                      "centered to fit intercept: recomputing Gram matrix."):
        got = ElasticNet(alpha=0.1, precompute=X.T @ X, tol=1e-10).fit(Xv, y)
    ref = ElasticNet(alpha=0.1, precompute=True, tol=1e-10).fit(Xv, y)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-8, atol=1e-10)


def test_wrong_centred_gram_is_refused():
    """A Gram matrix for centred X whose diagonal is wrong fails validation,
    with scikit-learn's key phrase."""
    X, y = _data()
    Xc = X - X.mean(axis=0)
    G = Xc.T @ Xc
    G[0, 0] *= 1.5
    with pytest.raises(ValueError, match=r"Gram matrix passed in precompute did not "
                       r"pass validation: it must be the Gram matrix of the centred, "
                       r"weighted X \(fit_intercept=True\): its diagonal entry 0"):
        ElasticNet(alpha=0.1, precompute=G).fit(Xc, y)


@pytest.mark.parametrize("sparse", [False, True])
def test_unweighted_gram_with_weights_is_refused(sparse):
    X, y = _data()
    sw = np.linspace(0.1, 3.0, N)
    Xv = sp.csc_matrix(X) if sparse else X
    with pytest.raises(ValueError, match=r"Gram matrix of the weighted X "
                       r"\(fit_intercept=False\)"):
        Lasso(alpha=0.1, precompute=X.T @ X, fit_intercept=False).fit(
            Xv, y, sample_weight=sw)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
def test_centred_weighted_gram_is_accepted(dtype, sparse):
    X, y = _data(dtype)
    X = X + 3.0
    sw = np.linspace(0.1, 3.0, N)
    Xc = X - np.average(X, axis=0, weights=sw)
    gram = (Xc.T * sw) @ Xc
    Xv = sp.csc_matrix(X) if sparse else X
    tol = 1e-12 if dtype == np.float64 else 1e-6
    ours = ElasticNet(alpha=0.05, precompute=gram.astype(dtype), tol=tol).fit(
        Xv, y, sample_weight=sw)
    ref = ElasticNet(alpha=0.05, precompute=False, tol=tol).fit(Xv, y,
                                                                sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-3, atol=1e-4)


def test_messages_carry_scikit_learns_key_phrases():
    """Where a user's code may match scikit-learn's wording, fastreg's
    messages contain it (and keep their own detail)."""
    from sklearn.exceptions import ConvergenceWarning

    from fastreg import LassoCV, lasso_path
    X, y = _data()
    with pytest.warns(ConvergenceWarning, match="Objective did not converge. You "
                      "might want to increase the number of iterations. It did not "
                      "converge for 1 of 1 alphas"):
        Lasso(alpha=1e-6, tol=1e-12, max_iter=2).fit(X, y)
    with pytest.warns(UserWarning, match="With alpha=0, this algorithm does not "
                      "converge well. You are advised to use the LinearRegression "
                      "estimator"):
        Lasso(alpha=0, max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="Automatic alpha grid generation is not "
                       "supported for l1_ratio=0"):
        enet_path(X, y, l1_ratio=0.0)
    with pytest.raises(ValueError, match=r"alphas\[1\] == -1, must be >= 0.0."):
        LassoCV(alphas=(1, -1, -100)).fit(X, y)
    with pytest.raises(TypeError, match=r"alphas\[2\] must be an instance of float, "
                       r"not str"):
        lasso_path(X, y, alphas=(1, 1.0, "1"))


def test_overflowing_column_norms_are_refused():
    """float64 X whose column norms overflow cannot be certified: a clear
    error, as scikit-learn gives, never a silent all-zero model."""
    rng = np.random.default_rng(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.integers(0, 2, size=10).astype(float)
    with pytest.raises(ValueError, match="Coordinate descent iterations resulted "
                       "in non-finite parameter values: the column norms of X "
                       "overflow float64"):
        ElasticNet(alpha=0.1).fit(X, y)


def test_unknown_path_parameters_are_named():
    """A keyword a path function does not take: scikit-learn's ValueError
    phrase, and the close name when there is one."""
    X, y = _data()
    for path in (lasso_path, enet_path):
        with pytest.raises(ValueError, match=r"Unexpected parameters in params: "
                           rf"{path.__name__}\(\) takes no 'normalize'"):
            path(X, y, normalize=True, fit_intercept=True)
    with pytest.raises(ValueError, match=r"takes no 'max_iters' \(did you mean "
                       r"'max_iter'\?\)"):
        lasso_path(X, y, max_iters=3)


def test_converged_warm_start_runs_no_epoch():
    """A warm start the certificate accepts returns with n_iter_ = 0, as
    scikit-learn's check before its first epoch does."""
    X, y = _data()
    model = ElasticNet(alpha=1e-3, tol=1e-3).fit(X, y)
    assert model.n_iter_ > 0
    model.set_params(warm_start=True).fit(X, y)
    assert model.n_iter_ == 0


@pytest.mark.parametrize("estimator", [True, False])
def test_weighted_gram_in_scikit_learns_convention(estimator):
    """A Gram matrix computed as scikit-learn documents it (weights
    normalised to sum to n_samples) is recognised and rescaled."""
    X, y = _data()
    sw = np.linspace(0.1, 3.0, N)
    w_norm = sw * (N / sw.sum())
    Xc = X - np.average(X, axis=0, weights=w_norm)
    Xr = Xc * np.sqrt(w_norm)[:, None]
    gram = Xr.T @ Xr
    if estimator:
        got = ElasticNet(alpha=0.01, precompute=gram, tol=1e-10).fit(
            Xc, y, sample_weight=sw).coef_
        ref = ElasticNet(alpha=0.01, precompute=False, tol=1e-10).fit(
            X, y, sample_weight=sw).coef_
    else:
        got = enet_path(Xc, y, alphas=[0.01], precompute=gram, sample_weight=sw,
                        fit_intercept=True, tol=1e-10)[1][:, 0]
        ref = enet_path(X, y, alphas=[0.01], precompute=False, sample_weight=sw,
                        fit_intercept=True, tol=1e-10)[1][:, 0]
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cls, typo, close", [
    ("Lasso", "alpah", "alpha"), ("ElasticNet", "l1_ration", "l1_ratio"),
    ("LassoCV", "n_alpha", "n_alphas"), ("Ridge", "fit_intercpt", "fit_intercept"),
    ("RidgeCV", "alpha", "alphas"), ("LassoIC", "criteria", "criterion"),
    ("LassoPath", "n_alpha", "n_alphas"),
])
def test_constructor_typo_names_the_close_keyword(cls, typo, close):
    import fastreg
    with pytest.raises(TypeError, match=rf"{cls}\(\) got an unexpected keyword "
                                        rf"argument '{typo}' \(did you mean '{close}'\?\)"):
        getattr(fastreg, cls)(**{typo: 1})
    # the signature scikit-learn reads for get_params / clone is the real one
    from sklearn.base import clone
    est = getattr(fastreg, cls)(**{close: getattr(fastreg, cls)().get_params()[close]})
    assert clone(est).get_params() == est.get_params()
