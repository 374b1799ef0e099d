"""calcidata.meta against peers' published numbers, plus its contracts and its errors.

Every reference number lives in tests/reference/meta_reference.csv with the
repository, commit, file and line it was read from; the study-level inputs are
CSVs next to it (provenance in their header comments). A number agrees when it
is within half a unit of its last published decimal (``decimals`` column;
for full-precision machine dumps -- statsmodels' stored R output -- the column
holds the decimals of 10 significant digits, since R prints 15 digits of
results it computed to a tolerance of about 1e-10).
"""

from __future__ import annotations

import datetime
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import calcidata
from calcidata.errors import ParameterError

meta = calcidata.meta
REF = Path(__file__).resolve().parent / "reference"
REFERENCE = pd.read_csv(REF / "meta_reference.csv", dtype={"value": str}, keep_default_na=False)


def study_data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"{name}.csv", comment="#")


def inputs(dataset: str, measure: str) -> pd.DataFrame:
    """yi and vi of a reference dataset, computed by calcidata from the study-level data."""
    if dataset == "kacker2004":
        return study_data("kacker2004")[["yi", "vi"]]
    if dataset == "bcg":
        d = study_data("bcg")
        return meta.effect_sizes(measure, ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    if dataset.startswith("fine1993"):
        d = study_data(dataset)
        return meta.effect_sizes(measure, ai=d.ai, n1i=d.n1i, ci=d.ci, n2i=d.n2i)
    d = study_data("normand1999" if dataset.startswith("normand1999") else dataset)
    if dataset == "normand1999_1to4":
        d = d.iloc[:4]
    cols = {c: d[c] for c in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    if measure == "MD_pooled":
        return meta.effect_sizes("MD", vtype="pooled", **cols)
    return meta.effect_sizes(measure, **cols)


def _row_id(row: pd.Series) -> str:
    parts = [row.dataset, row.measure, row.method, row.test, row.pi, row.quantity, str(row.study)]
    return "-".join(p for p in parts if p)


def _tolerance(row: pd.Series) -> float:
    return 0.5 * 10.0 ** -int(row.decimals)


STUDY_ROWS = REFERENCE[REFERENCE.method == ""]
POOLED_ROWS = REFERENCE[REFERENCE.method != ""]


def test_reference_table_records_where_every_number_came_from():
    assert len(REFERENCE) >= 300
    assert set(REFERENCE.repository) == {"statsmodels/statsmodels", "wviechtb/metafor"}
    assert REFERENCE.commit.str.fullmatch(r"[0-9a-f]{40}").all()
    assert (REFERENCE.line.astype(int) > 0).all() and (REFERENCE.file != "").all()
    covered = set(zip(POOLED_ROWS.method, POOLED_ROWS.test, strict=True))
    assert {("FE", "z"), ("DL", "z"), ("PM", "z"), ("REML", "z"), ("REML", "knha")} <= covered
    assert {"RR", "OR", "RD", "SMD", "MD_pooled"} <= set(STUDY_ROWS.measure)
    assert {"t", "z"} <= set(POOLED_ROWS.pi)
    assert {"i2", "h2", "q", "tau2"} <= set(POOLED_ROWS.quantity)


@pytest.mark.parametrize(
    "row", [r for _, r in STUDY_ROWS.iterrows()], ids=[_row_id(r) for _, r in STUDY_ROWS.iterrows()]
)
def test_effect_sizes_match_the_peers(row):
    es = inputs(row.dataset, row.measure).iloc[int(row.study) - 1]
    got = {"yi": es.yi, "vi": es.vi, "se_i": math.sqrt(es.vi)}[row.quantity]
    assert abs(got - float(row.value)) <= _tolerance(row), (got, row.value, row.file, row.line)


def _pooled_value(res, quantity: str) -> float:
    if quantity == "i2_fraction":
        return res.i2 / 100
    if quantity == "h":
        return math.sqrt(res.h2)
    return getattr(res, quantity)


@pytest.mark.parametrize(
    "row",
    [r for _, r in POOLED_ROWS.iterrows()],
    ids=[_row_id(r) for _, r in POOLED_ROWS.iterrows()],
)
def test_pooled_results_match_the_peers(row):
    es = inputs(row.dataset, row.measure)
    res = meta.pool(es.yi, es.vi, method=row.method, test=row.test, pi=row.pi or "t")
    got = _pooled_value(res, row.quantity)
    assert abs(got - float(row.value)) <= _tolerance(row), (got, row.value, row.file, row.line)


# -- contracts --------------------------------------------------------------------------------


def test_import_calcidata_stays_light_and_meta_is_the_analysis_module():
    code = (
        "import sys, calcidata\n"
        "heavy = [m for m in ('statsmodels', 'scipy', 'seaborn', 'matplotlib', 'pandera')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "import calcidata.synthesis.meta as m\n"
        "assert calcidata.meta is m\n"
        "assert 'meta' in dir(calcidata)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_reml_maximises_the_restricted_likelihood():
    es = inputs("bcg", "RR")
    y, v = es.yi.to_numpy(), es.vi.to_numpy()

    def neg_restricted_loglik(tau2: float) -> float:
        w = 1 / (v + tau2)
        mu = w @ y / w.sum()
        return 0.5 * (np.log(v + tau2).sum() + math.log(w.sum()) + w @ (y - mu) ** 2)

    best = optimize.minimize_scalar(neg_restricted_loglik, bounds=(0, 10), method="bounded")
    res = meta.pool(y, v, method="REML")
    assert res.tau2 == pytest.approx(best.x, abs=1e-5)
    assert neg_restricted_loglik(res.tau2) <= best.fun + 1e-12


@pytest.mark.parametrize("method", ["FE", "DL", "PM", "REML"])
@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("pi", ["t", "z"])
def test_pool_many_agrees_with_pool_row_by_row(method, test, pi):
    rng = np.random.default_rng(11)
    v = rng.uniform(0.01, 0.5, size=(25, 6))
    y = rng.normal(0.3, 0.4, size=(25, 6)) + rng.normal(0, np.sqrt(v))
    y[3] = 0.7  # identical effects: tau2 = 0 for every estimator
    many = meta.pool_many(y, v, method=method, test=test, pi=pi, level=90)
    assert many.converged.all() and len(many) == 25
    for i in range(len(y)):
        one = meta.pool(y[i], v[i], method=method, test=test, pi=pi, level=90)
        if test == "knha" and i == 3:  # identical effects: the HKSJ variance is 0
            assert many.se[i] == pytest.approx(0, abs=1e-12) and one.se == pytest.approx(
                0, abs=1e-12
            )
            continue
        for field in ("estimate", "se", "ci_low", "ci_high", "zval_or_tval", "pval", "tau2"):
            assert many[field][i] == pytest.approx(getattr(one, field), rel=1e-7, abs=1e-9)
        for field in ("q", "q_pval", "i2", "h2", "pi_low", "pi_high"):
            assert many[field][i] == pytest.approx(getattr(one, field), rel=1e-7, abs=1e-9)


def test_zero_cells_get_one_half_in_every_cell_of_that_study_only():
    es = meta.effect_sizes("OR", ai=[0, 5], bi=[10, 5], ci=[3, 5], di=[7, 5])
    expected = math.log((0.5 / 10.5) / (3.5 / 7.5))
    assert es.yi[0] == pytest.approx(expected)
    assert es.vi[0] == pytest.approx(1 / 0.5 + 1 / 10.5 + 1 / 3.5 + 1 / 7.5)
    assert es.yi[1] == 0 and es.vi[1] == pytest.approx(4 / 5)  # no zero: untouched


def test_bi_di_and_group_sizes_give_the_same_result():
    d = study_data("bcg")
    a = meta.effect_sizes("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    b = meta.effect_sizes("RR", ai=d.tpos, n1i=d.tpos + d.tneg, ci=d.cpos, n2i=d.cpos + d.cneg)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["yi", "vi"] and len(a) == 13


def test_md_variance_types():
    kw = dict(m1i=[10.0], sd1i=[2.0], n1i=[10], m2i=[8.0], sd2i=[4.0], n2i=[30])
    ls = meta.effect_sizes("MD", **kw)
    pooled = meta.effect_sizes("MD", vtype="pooled", **kw)
    assert ls.yi[0] == pooled.yi[0] == 2.0
    assert ls.vi[0] == pytest.approx(4 / 10 + 16 / 30)
    sp2 = (9 * 4 + 29 * 16) / 38
    assert pooled.vi[0] == pytest.approx(sp2 * (1 / 10 + 1 / 30))


def test_fixed_effect_prediction_interval_is_the_confidence_interval():
    es = inputs("kacker2004", "GEN")
    res = meta.pool(es.yi, es.vi, method="FE")
    assert (res.pi_low, res.pi_high) == (res.ci_low, res.ci_high)
    assert res.tau2 == 0 and res.tau == 0


def test_prediction_interval_t_and_z():
    es = inputs("bcg", "RR")
    t = meta.pool(es.yi, es.vi, pi="t")
    z = meta.pool(es.yi, es.vi, pi="z")
    half = math.sqrt(t.se**2 + t.tau2)
    from scipy import stats

    assert t.pi_high - t.estimate == pytest.approx(stats.t.isf(0.025, 11) * half)
    assert z.pi_high - z.estimate == pytest.approx(stats.norm.isf(0.025) * half)
    two = meta.pool([0.1, 0.5], [0.1, 0.2], method="DL", pi="t")
    assert math.isnan(two.pi_low) and math.isnan(two.pi_high)  # t(k-2) needs k >= 3


def test_summary_frame_and_to_dict():
    es = inputs("bcg", "RR")
    res = meta.pool(es.yi, es.vi)
    frame = res.summary_frame(labels=study_data("bcg").author)
    assert len(frame) == 14 and list(frame.kind) == ["study"] * 13 + ["pooled"]
    assert frame.weight.iloc[:13].sum() == pytest.approx(100)
    assert frame.iloc[-1].estimate == res.estimate and frame.iloc[-1].pi_low == res.pi_low
    assert frame.estimate.dtype == float and frame.ci_low.dtype == float
    assert frame.ci_low[0] < frame.estimate[0] < frame.ci_high[0]
    data = json.loads(json.dumps(res.to_dict()))
    assert data["k"] == 13 and data["method"] == "REML" and len(data["weights"]) == 13
    with pytest.raises(ParameterError, match="labels"):
        res.summary_frame(labels=["a"])
    with pytest.raises(AttributeError):
        res.k = 3  # frozen


# -- bad input --------------------------------------------------------------------------------

BAD_POOL = [
    (dict(yi=[1, 2, 3], vi=[1, 1]), "same length"),
    (dict(yi=[1, 2], vi=[1, 0]), "vi must be > 0"),
    (dict(yi=[1, 2], vi=[1, -1]), "vi must be > 0"),
    (dict(yi=[1], vi=[1]), "at least 2 studies"),
    (dict(yi=[1, float("nan")], vi=[1, 1]), "yi must be finite"),
    (dict(yi=[1, 2], vi=[1, float("inf")]), "vi must be finite"),
    (dict(yi=["a", "b"], vi=[1, 1]), "yi must contain only numbers"),
    (dict(yi="12", vi=[1, 1]), "yi must be numbers"),
    (dict(yi=[True, False], vi=[1, 1]), "booleans"),
    (dict(yi=[], vi=[]), "yi is empty"),
    (dict(yi=[1, 2], vi=[1, 1], method="ML"), "method must be one of"),
    (dict(yi=[1, 2], vi=[1, 1], test="t"), "test must be one of"),
    (dict(yi=[1, 2], vi=[1, 1], pi="x"), "pi must be one of"),
    (dict(yi=[1, 2], vi=[1, 1], level=100), "level must be in"),
    (dict(yi=[1, 2], vi=[1, 1], level=0), "level must be in"),
    (dict(yi=[1, 2], vi=[1, 1], level="high"), "level must be a number"),
    (dict(yi=[1, 2], vi=[1, 1], level=0.05), "level must be in"),  # metafor: an alpha
    (dict(yi=[1, 2], vi=[1, 1], level=0.5), "level must be in"),
    (dict(yi=[1, 2], vi=[1, 1], level=True), "level must be a number"),
    (dict(yi=pd.to_datetime(["2024-01-01", "2024-02-01"]), vi=[1, 1]), "not dates"),
    (dict(yi=np.array(["2024-01-01", "2024-02-01"], dtype="datetime64[D]"), vi=[1, 1]), "dates"),
    (dict(yi=[1, 2], vi=pd.to_timedelta([1, 2], unit="D")), "vi must be numbers, not dates"),
    (dict(yi=[datetime.date(2024, 1, 1), 2.0], vi=[1, 1]), "not dates"),
    (dict(yi=["1.5", "2"], vi=[1, 1]), "not text"),
    (dict(yi=[1e300, -1e300, 5e299], vi=[1, 2, 3], method="DL"), "double precision"),
    (dict(yi=[1e300, -1e300, 5e299], vi=[1, 2, 3], method="PM"), "double precision"),
    (dict(yi=[1e300, -1e300, 5e299], vi=[1, 2, 3], method="FE"), "double precision"),
    (dict(yi=[1.7e308, -1.7e308], vi=[1, 1], method="REML"), "double precision"),
    (dict(yi=[1.0, 2.0, 3.5], vi=[1e-200, 2e-200, 3e-200], method="REML"), "REML"),
]


@pytest.mark.parametrize("kwargs, message", BAD_POOL)
def test_bad_pool_input_raises_parameter_error(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        meta.pool(**kwargs)


def test_one_study_is_allowed_for_fixed_effect_only():
    res = meta.pool([0.2], [0.04], method="FE")
    assert res.estimate == pytest.approx(0.2) and res.weights == (100.0,)
    with pytest.raises(ParameterError, match="at least 2"):
        meta.pool([0.2], [0.04], method="FE", test="knha")


BAD_EFFECTS = [
    (dict(measure="XX", ai=[1], bi=[1], ci=[1], di=[1]), "measure must be one of"),
    (dict(measure="RR", ai=[-1], bi=[1], ci=[1], di=[1]), "ai must be >= 0"),
    (dict(measure="RR", ai=[5], n1i=[4], ci=[1], n2i=[3]), "ai must not exceed n1i"),
    (dict(measure="OR", ai=[1], n1i=[4], ci=[4], n2i=[3]), "ci must not exceed n2i"),
    (dict(measure="RR", ai=[1, 2], bi=[1], ci=[1], di=[1]), "same length"),
    (dict(measure="RR", ai=[1], bi=[1], ci=[1], di=[1], n1i=[3]), "n1i must equal ai \\+ bi"),
    (dict(measure="OR", ai=[1, 2], bi=[1, 2], ci=[1, 1], n2i=[4, 5], di=[3, 3]), "position 1"),
    (dict(measure="RR", ai=[1], ci=[1]), "needs bi \\(non-events\\) or n1i"),
    (dict(measure="RR", ai=[1], bi=[1], ci=[1], di=[1], n1i=[True]), "not booleans"),
    (dict(measure="RR", ai=[1e308], bi=[1e308], ci=[1], di=[1]), "position 0 is not finite"),
    (
        dict(measure="MD", m1i=[1], sd1i=[1e200], n1i=[10], m2i=[0], sd2i=[1e200], n2i=[10]),
        "beyond double precision",
    ),
    (dict(measure="RD", ai=[0], bi=[0], ci=[1], di=[1]), "group size"),
    (dict(measure="RR", ai=[1], bi=[float("nan")], ci=[1], di=[1]), "bi must be finite"),
    (dict(measure="RR", ai=[1], bi=[1], ci=[1], di=[1], vtype="pooled"), "vtype applies"),
    (
        dict(measure="MD", m1i=[1], sd1i=[0], n1i=[5], m2i=[1], sd2i=[1], n2i=[5]),
        "sd1i must be > 0",
    ),
    (dict(measure="SMD", m1i=[1], sd1i=[1], n1i=[5], m2i=[1], sd2i=[-2], n2i=[5]), "sd2i"),
    (dict(measure="MD", m1i=[1], sd1i=[1], n1i=[0], m2i=[1], sd2i=[1], n2i=[5]), "n1i must be > 0"),
    (dict(measure="SMD", m1i=[1], sd1i=[1], n1i=[1], m2i=[1], sd2i=[1], n2i=[2]), "at least 4"),
    (
        dict(measure="MD", m1i=[1], sd1i=[1], n1i=[5], m2i=[1], sd2i=[1], n2i=[5], vtype="x"),
        "vtype",
    ),
    (dict(measure="MD", ai=[1], m1i=[1], sd1i=[1], n1i=[5], m2i=[1], sd2i=[1], n2i=[5]), "ai do"),
    (dict(measure="MD", m1i=["x"], sd1i=[1], n1i=[5], m2i=[1], sd2i=[1], n2i=[5]), "m1i must"),
]


@pytest.mark.parametrize("kwargs, message", BAD_EFFECTS)
def test_bad_effect_size_input_raises_parameter_error(kwargs, message):
    measure = kwargs.pop("measure")
    with pytest.raises(ParameterError, match=message):
        meta.effect_sizes(measure, **kwargs)


def test_bad_pool_many_input_raises_parameter_error():
    with pytest.raises(ParameterError, match="2-dimensional"):
        meta.pool_many([1, 2, 3], [1, 1, 1])
    with pytest.raises(ParameterError, match="same length"):
        meta.pool_many(np.ones((3, 4)), np.ones((3, 5)))
    with pytest.raises(ParameterError, match="vi must be > 0"):
        meta.pool_many(np.ones((2, 3)), -np.ones((2, 3)))
    with pytest.raises(ParameterError, match="at least 2"):
        meta.pool_many(np.ones((2, 1)), np.ones((2, 1)))


def test_readme_meta_example_runs_and_prints_what_it_says(monkeypatch):
    import contextlib
    import io
    import re

    import matplotlib

    matplotlib.use("Agg")
    from .conftest import ROOT
    from .test_readme_reuse import FENCE

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Pool results: calcidata.meta", 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.MULTILINE)[0]
    blocks = [code for lang, code in FENCE.findall(section) if lang == "python"]
    assert blocks
    monkeypatch.chdir(ROOT)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for code in blocks:
            exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    out = printed.getvalue()
    for claim in re.findall(r"`((?:RR|tau2) [^`]+)`", section):
        assert claim in out, (claim, out)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_consistent_redundant_counts_are_accepted_as_metafor_accepts_them():
    """escalc accepts bi, di together with n1i, n2i; so does effect_sizes when they agree."""
    counts = dict(ai=[4, 6, 0], bi=[119, 300, 20], ci=[11, 29, 3], di=[128, 274, 17])
    sizes = dict(n1i=[123, 306, 20], n2i=[139, 303, 20])
    for measure in ("RR", "OR", "RD"):
        alone = meta.effect_sizes(measure, **counts)
        both = meta.effect_sizes(measure, **counts, **sizes)
        by_size = meta.effect_sizes(measure, ai=counts["ai"], ci=counts["ci"], **sizes)
        mixed = meta.effect_sizes(measure, **{**counts, "di": None}, n2i=sizes["n2i"])
        for other in (both, by_size, mixed):
            pd.testing.assert_frame_equal(other, alone)


@pytest.mark.parametrize("method", ["FE", "DL", "PM", "REML"])
def test_level_as_a_proportion_is_read_as_metafor_reads_it(method):
    y, v = [0.1, 0.5, 0.9, -0.2], [0.04, 0.09, 0.05, 0.1]
    assert meta.pool(y, v, method=method, level=0.95) == meta.pool(y, v, method=method)
    assert meta.pool(y, v, method=method, level=0.9).level == 90.0


@pytest.mark.parametrize("method", ["FE", "DL", "PM", "REML"])
@pytest.mark.parametrize("exponent", [-200, -100, 100, 200])
def test_pooling_is_exact_under_a_change_of_units(method, exponent):
    """Effects times 2**(e/2) and variances times 2**e: every number scales exactly."""
    y = np.array([0.1, 0.5, 0.9, -0.2, 1.4])
    v = np.array([0.04, 0.09, 0.05, 0.1, 0.3])
    base = meta.pool(y, v, method=method)
    f = 2.0 ** (exponent // 2)
    scaled = meta.pool(y * f, v * f * f, method=method)
    for name in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        assert getattr(scaled, name) == pytest.approx(getattr(base, name) * f, rel=1e-12)
    for name in ("se", "tau"):
        assert getattr(scaled, name) == pytest.approx(getattr(base, name) * f, rel=1e-12)
    assert scaled.tau2 == pytest.approx(base.tau2 * f * f, rel=1e-12)
    for name in ("q", "i2", "h2", "pval", "zval_or_tval"):
        assert getattr(scaled, name) == pytest.approx(getattr(base, name), rel=1e-12)


@pytest.mark.parametrize("method", ["DL", "PM"])
def test_variances_far_below_the_spread_give_a_finite_answer(method):
    """Variances scaled by 1e-200 under effects of order 1: tau^2 is the spread, I^2 100%."""
    res = meta.pool([1.0, 2.0, 3.5], [1e-200, 2e-200, 3e-200], method=method)
    assert all(np.isfinite(getattr(res, f)) for f in ("estimate", "se", "tau2", "q", "i2", "h2"))
    assert res.i2 == pytest.approx(100.0)
    if method == "PM":  # equal weights: tau^2 is the sample variance of the effects
        assert res.tau2 == pytest.approx(np.var([1.0, 2.0, 3.5], ddof=1), rel=1e-9)


def test_the_pools_tails_are_scipy_stats():
    """The pools' t, normal and chi^2 tails skip scipy.stats' argument checks, not its values.

    With the scipy this was written against they agree bit for bit; the test allows a
    few units in the last place, so that a later scipy's rounding does not fail it, but
    not a different function (NaN, infinities and the sign of zero must match).
    """
    from scipy import stats

    from calcidata.synthesis import _meta_tau2 as t2

    def same(a: object, b: object) -> bool:
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if not np.array_equal(np.isnan(a), np.isnan(b)) or not np.array_equal(
            np.signbit(a), np.signbit(b)
        ):
            return False
        return bool(np.allclose(a, b, rtol=1e-13, atol=0.0, equal_nan=True))

    rng = np.random.default_rng(18)
    x = np.r_[rng.normal(0, 3, 2000), rng.exponential(20, 500), 0.0, -0.0, np.inf, -np.inf, np.nan]
    q = np.r_[rng.uniform(0, 1, 500), 0.025, 0.05, 0.5, 1e-300]
    for df in (1, 2, 3, 8, 30, 373):
        assert same(t2.t_sf(x, df), stats.t.sf(x, df))
        assert same(t2.chi2_sf(np.abs(x), df), stats.chi2.sf(np.abs(x), df))
        assert all(same(t2.t_isf(p, df), stats.t.isf(p, df)) for p in q)
    assert same(t2.norm_sf(x), stats.norm.sf(x))
    assert all(same(t2.norm_isf(p), stats.norm.isf(p)) for p in q)
