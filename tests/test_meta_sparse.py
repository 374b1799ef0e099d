"""Mantel-Haenszel and Peto pools (calcidata.meta.pool_mh, pool_peto, mh_tests) against metafor.

Every reference number lives in tests/reference/mh_peto_reference.csv with the
repository, commit, file and line of metafor's own tests or rendered help pages it
was read from; the 2x2 tables are bcg.csv, rothman2008.csv and zeros_metafor.csv.
A number agrees when it is within half a unit of its last printed decimal (metafor's
tests allow a relative 1%). ``NA`` means metafor returns NA; ``error`` that it stops.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import calcidata
from calcidata.errors import ParameterError

meta = calcidata.meta
REF = Path(__file__).resolve().parent / "reference"
REFERENCE = pd.read_csv(REF / "mh_peto_reference.csv", dtype=str, keep_default_na=False)


def _tables(dataset: str) -> dict[str, pd.Series]:
    if dataset == "bcg":
        d = pd.read_csv(REF / "bcg.csv", comment="#")
        return {"ai": d.tpos, "bi": d.tneg, "ci": d.cpos, "di": d.cneg}
    if dataset.startswith("rothman2008_"):
        d = pd.read_csv(REF / "rothman2008.csv", comment="#")
        d = d[d.table == dataset.removeprefix("rothman2008_")]
    else:
        d = pd.read_csv(REF / "zeros_metafor.csv", comment="#")
        d = d[d.case == dataset.removeprefix("zeros_")]
    return {c: d[c] for c in ("ai", "bi", "ci", "di")}


def _fit(row: pd.Series):
    cells = _tables(row.dataset)
    level = float(row.level)
    if row.method == "PETO":
        return meta.pool_peto(**cells, level=level)
    return meta.pool_mh(**cells, measure=row.measure, level=level)


def _value(row: pd.Series) -> float:
    if row.quantity in ("cmh", "cmh_pval", "tarone", "tarone_pval"):
        tests = meta.mh_tests(**_tables(row.dataset), correct=row.correct == "TRUE")
        return tests[row.quantity]
    res = _fit(row)
    if row.quantity.startswith("exp_"):
        return math.exp(getattr(res, row.quantity.removeprefix("exp_")))
    return getattr(res, row.quantity)


def _row_id(row: pd.Series) -> str:
    return "-".join([row.dataset, row.measure, row.method, row.level, row.quantity])


ROWS = [r for _, r in REFERENCE.iterrows()]


def test_reference_table_records_where_every_number_came_from():
    assert len(REFERENCE) >= 80
    assert set(REFERENCE.repository) == {"wviechtb/metafor"}
    assert REFERENCE.commit.str.fullmatch(r"[0-9a-f]{40}").all()
    assert (REFERENCE.line.astype(int) > 0).all()
    assert {("MH", "RR"), ("MH", "OR"), ("MH", "RD"), ("PETO", "OR")} <= set(
        zip(REFERENCE.method, REFERENCE.measure, strict=True)
    )
    assert {"estimate", "ci_low", "ci_high", "q", "i2", "cmh", "tarone"} <= set(REFERENCE.quantity)


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(r) for r in ROWS])
def test_pools_match_metafor(row):
    if row.value == "error":
        with pytest.raises(ParameterError, match="Peto"):
            _fit(row)
        return
    got = _value(row)
    if row.value == "NA":
        assert math.isnan(got)
        return
    tol = 0.5 * 10.0 ** -int(row.decimals)
    assert abs(got - float(row.value)) <= tol, (got, row.value, row.file, row.line)


# -- contracts --------------------------------------------------------------------------------

TABLES = {"ai": [0, 3, 1, 7], "bi": [25, 22, 40, 13], "ci": [4, 6, 0, 9], "di": [21, 19, 40, 12]}


def test_zero_cells_need_no_correction_in_the_pooled_estimate():
    # MH odds ratio by its definition sum(a d / n) / sum(b c / n), zero cells untouched.
    a, b, c, d = (np.array(TABLES[k], float) for k in ("ai", "bi", "ci", "di"))
    n = a + b + c + d
    res = meta.pool_mh(**TABLES, measure="OR")
    assert res.estimate == pytest.approx(math.log((a * d / n).sum() / (b * c / n).sum()), rel=1e-12)
    # the per-study log odds ratios (for Q and forests) get 1/2 in each cell of a zero table
    first = meta.effect_sizes("OR", ai=[0.5], bi=[25.5], ci=[4.5], di=[21.5])
    assert res.yi[0] == pytest.approx(float(first.yi[0]))


@pytest.mark.parametrize("measure", ["OR", "RR", "RD"])
def test_a_table_without_events_changes_nothing_but_the_count(measure):
    with_empty = {k: [*v, {"ai": 0, "bi": 30, "ci": 0, "di": 28}[k]] for k, v in TABLES.items()}
    base = meta.pool_mh(**TABLES, measure=measure)
    res = meta.pool_mh(**with_empty, measure=measure)
    assert res.k == base.k + 1 and math.isnan(res.yi[-1])
    assert res.q_df == base.q_df  # left out of Q
    if measure != "RD":  # RD weights every table by n1 n2 / n, so an empty one pulls to 0
        assert res.q == pytest.approx(base.q, rel=1e-12)
        assert res.estimate == pytest.approx(base.estimate, rel=1e-12)
        assert res.se == pytest.approx(base.se, rel=1e-12)
    else:
        assert abs(res.estimate) < abs(base.estimate)


def test_one_table_mh_odds_ratio_is_the_woolf_log_odds_ratio():
    one = {"ai": [12], "bi": [30], "ci": [20], "di": [25]}
    res = meta.pool_mh(**one, measure="OR")
    es = meta.effect_sizes("OR", **one)
    assert res.estimate == pytest.approx(float(es.yi[0]), rel=1e-12)
    assert res.se**2 == pytest.approx(float(es.vi[0]), rel=1e-12)


def test_peto_without_zero_cells_is_the_inverse_variance_pool_of_peto_odds_ratios():
    bcg = _tables("bcg")
    res = meta.pool_peto(**bcg)
    fe = meta.pool(list(res.yi), list(res.vi), method="FE")
    assert res.estimate == pytest.approx(fe.estimate, rel=1e-10)
    assert res.se == pytest.approx(fe.se, rel=1e-10)
    assert res.q == pytest.approx(fe.q, rel=1e-10)
    assert sum(res.weights) == pytest.approx(100)


def test_group_sizes_give_the_same_pool_as_non_events():
    n1 = np.add(TABLES["ai"], TABLES["bi"])
    n2 = np.add(TABLES["ci"], TABLES["di"])
    by_n = meta.pool_mh(TABLES["ai"], ci=TABLES["ci"], n1i=n1, n2i=n2, measure="RR")
    assert by_n == meta.pool_mh(**TABLES, measure="RR")


def test_sparse_results_are_equal_effects_results_with_their_method_named():
    res = meta.pool_mh(**TABLES, measure="RD", level=90)
    assert (res.method, res.test, res.tau2, res.level) == ("MH", "z", 0.0, 90.0)
    assert (res.pi_low, res.pi_high) == (res.ci_low, res.ci_high)
    frame = res.summary_frame()
    assert frame.study.iloc[-1] == "pooled (MH)" and len(frame) == 5
    assert meta.pool_peto(**TABLES).method == "PETO"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: meta.pool_mh(**TABLES, measure="SMD"), "measure must be one of"),
        (lambda: meta.pool_mh([1], [2], [3], [4], n1i=[3], n2i=[7]), "either bi and di"),
        (lambda: meta.pool_mh([1, 2], [2], [3], [4]), "same length"),
        (lambda: meta.pool_peto([-1], [2], [3], [4]), ">= 0"),
        (lambda: meta.pool_mh([5], ci=[1], n1i=[3], n2i=[4]), "must not exceed"),
        (lambda: meta.pool_mh(**TABLES, level=100), "level"),
    ],
)
def test_bad_sparse_input_raises_parameter_error(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


# -- properties -------------------------------------------------------------------------------

_cell = st.integers(min_value=1, max_value=60)
_two_by_two = st.lists(st.tuples(_cell, _cell, _cell, _cell), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_two_by_two, st.sampled_from(["OR", "RR", "RD"]))
def test_mh_estimate_is_a_weighted_mean_of_the_study_effects(cells, measure):
    """OR_MH, RR_MH and RD_MH are weighted means of the studies' OR, RR and RD (no zero cells),
    so they lie between the smallest and the largest study effect."""
    a, b, c, d = (np.array(x, float) for x in zip(*cells, strict=True))
    n1, n2 = a + b, c + d
    study = {"OR": a * d / (b * c), "RR": (a / n1) / (c / n2), "RD": a / n1 - c / n2}[measure]
    res = meta.pool_mh(a, b, c, d, measure=measure)
    pooled = res.estimate if measure == "RD" else math.exp(res.estimate)
    slack = 1e-9 * max(1.0, float(np.abs(study).max()))
    assert study.min() - slack <= pooled <= study.max() + slack
    assert res.se > 0 and sum(res.weights) == pytest.approx(100)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_two_by_two, st.integers(min_value=2, max_value=5))
def test_pools_do_not_change_when_every_table_is_copied(cells, times):
    """k copies of the same tables give the same MH and Peto estimates (weights scale alike)."""
    a, b, c, d = (np.array(x, float) for x in zip(*cells, strict=True))
    many = [np.tile(x, times) for x in (a, b, c, d)]
    for measure in ("OR", "RR", "RD"):
        one = meta.pool_mh(a, b, c, d, measure=measure)
        assert meta.pool_mh(*many, measure=measure).estimate == pytest.approx(
            one.estimate, rel=1e-9, abs=1e-12
        )
    assert meta.pool_peto(*many).estimate == pytest.approx(
        meta.pool_peto(a, b, c, d).estimate, rel=1e-9, abs=1e-12
    )
