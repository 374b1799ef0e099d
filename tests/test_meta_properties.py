"""Properties every pooled result must have, checked on generated meta-analyses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import calcidata

meta = calcidata.meta
METHODS = ("FE", "DL", "PM", "REML")
effects = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
variances = st.floats(1e-3, 4, allow_nan=False, allow_infinity=False)


@st.composite
def studies(draw, min_k: int = 2, max_k: int = 12):
    k = draw(st.integers(min_k, max_k))
    y = np.array(draw(st.lists(effects, min_size=k, max_size=k)))
    v = np.array(draw(st.lists(variances, min_size=k, max_size=k)))
    return y, v


@given(studies(), st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_invariant_to_study_order(data, method, rnd):
    y, v = data
    order = list(range(len(y)))
    rnd.shuffle(order)
    a = meta.pool(y, v, method=method)
    b = meta.pool(y[order], v[order], method=method)
    for field in ("estimate", "se", "tau2", "q", "i2", "pi_low", "pi_high"):
        assert getattr(b, field) == pytest.approx(
            getattr(a, field), rel=1e-7, abs=1e-9, nan_ok=True
        )
    assert np.allclose(np.array(b.weights), np.array(a.weights)[order], rtol=1e-7, atol=1e-9)


@given(studies(), st.sampled_from(METHODS))
def test_basic_ranges(data, method):
    y, v = data
    res = meta.pool(y, v, method=method)
    assert res.tau2 >= 0 and res.tau == pytest.approx(np.sqrt(res.tau2))
    assert 0 <= res.i2 <= 100
    assert sum(res.weights) == pytest.approx(100)
    assert all(w > 0 for w in res.weights)
    assert y.min() - 1e-9 <= res.estimate <= y.max() + 1e-9
    assert res.ci_low <= res.estimate <= res.ci_high
    assert 0 <= res.pval <= 1 and 0 <= res.q_pval <= 1
    if method == "FE":
        assert res.tau2 == 0


@given(effects, st.lists(variances, min_size=2, max_size=10), st.sampled_from(METHODS[1:]))
def test_identical_effects_give_the_fixed_effect_result(value, vs, method):
    y, v = np.full(len(vs), value), np.array(vs)
    fe = meta.pool(y, v, method="FE")
    re = meta.pool(y, v, method=method)
    assert re.tau2 == 0 and re.i2 == 0
    assert re.estimate == pytest.approx(fe.estimate) and re.se == pytest.approx(fe.se)
    assert re.estimate == pytest.approx(value)


@given(studies(min_k=3), st.sampled_from(METHODS))
def test_hksj_interval_not_narrower_than_z_when_q_is_at_least_df_minus_1(data, method):
    y, v = data
    z = meta.pool(y, v, method=method, test="z")
    knha = meta.pool(y, v, method=method, test="knha")
    assert knha.estimate == pytest.approx(z.estimate)
    # Q at the model's tau2 (Cochran's Q for FE): the HKSJ variance is se_z^2 Q_w / (k - 1),
    # and Q_w >= k - 2 makes sqrt(Q_w / (k - 1)) t(k - 1) quantiles >= the normal ones.
    w = 1 / (v + z.tau2)
    q_w = float(w @ (y - z.estimate) ** 2)
    if q_w >= z.q_df - 1:
        assert knha.ci_high - knha.ci_low >= (z.ci_high - z.ci_low) * (1 - 1e-9)
    if method == "PM" and z.tau2 > 0:
        assert q_w == pytest.approx(z.q_df, rel=1e-6)  # Paule-Mandel's defining equation


@given(studies(), st.sampled_from(METHODS), st.floats(0.01, 100), st.floats(-10, 10))
@example((np.array([0.03125, 0.0]), np.array([0.001, 1.0])), "FE", 0.01, 1.0)  # Q cancelled
def test_linear_rescaling_carries_through(data, method, scale, shift):
    y, v = data
    a = meta.pool(y, v, method=method)
    b = meta.pool(scale * y + shift, scale**2 * v, method=method)
    assert b.estimate == pytest.approx(scale * a.estimate + shift, rel=1e-6, abs=1e-6)
    assert b.se == pytest.approx(scale * a.se, rel=1e-6, abs=1e-9)
    assert b.tau2 == pytest.approx(scale**2 * a.tau2, rel=1e-5, abs=1e-9 * scale**2)
    assert b.q == pytest.approx(a.q, rel=1e-6, abs=1e-9)
    assert b.i2 == pytest.approx(a.i2, rel=1e-5, abs=1e-6)


@given(studies(min_k=3), st.sampled_from(METHODS[1:]))
def test_prediction_interval_contains_the_confidence_interval(data, method):
    y, v = data
    for pi in ("t", "z"):
        res = meta.pool(y, v, method=method, pi=pi)
        assert res.pi_low <= res.ci_low + 1e-12 and res.ci_high <= res.pi_high + 1e-12


@given(studies(), st.sampled_from(("DL", "PM", "REML")))
def test_random_effects_weights_are_flatter_than_fixed(data, method):
    y, v = data
    fe = meta.pool(y, v, method="FE")
    re = meta.pool(y, v, method=method)
    assert max(re.weights) <= max(fe.weights) + 1e-9
    assert min(re.weights) >= min(fe.weights) - 1e-9
    assert re.se >= fe.se * (1 - 1e-12)


@given(st.integers(2, 8), st.integers(1, 30), st.sampled_from(METHODS), st.integers(0, 2**32 - 1))
def test_pool_many_matches_pool(k, m, method, seed):
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.01, 1, (m, k))
    y = rng.normal(0, 1, (m, k)) * rng.choice([0.1, 1, 3], (m, 1))
    many = meta.pool_many(y, v, method=method)
    assert many.converged.all()
    for i in range(m):
        one = meta.pool(y[i], v[i], method=method)
        assert many.estimate[i] == pytest.approx(one.estimate, rel=1e-7, abs=1e-9)
        assert many.tau2[i] == pytest.approx(one.tau2, rel=1e-6, abs=1e-9)
        assert many.i2[i] == pytest.approx(one.i2, rel=1e-6, abs=1e-7)
