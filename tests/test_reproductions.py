"""Published pooled results, re-computed: the curated status of each row against the pool.

The made-up reviews are checked against numbers computed independently of
``calcidata.meta``: statsmodels' ``combine_effects`` and ``StratifiedTable`` on effect
sizes written out by hand here.
"""

from __future__ import annotations

import dataclasses
import html as htmllib
import math
import shutil

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.meta_analysis import combine_effects

import calcidata
from calcidata import display, synthesis
from calcidata.tables.loader import collect_problems

#: Three made-up trials: events and sizes, treatment then comparator (heterogeneous, so
#: that the DerSimonian-Laird tau^2 is positive and statsmodels' need not be truncated).
TRIALS = {
    "fake_trial_a": (2, 50, 20, 50),
    "fake_trial_b": (10, 80, 12, 78),
    "fake_trial_c": (3, 40, 9, 41),
}
#: Their made-up means, SDs and sizes (treatment then comparator).
MEANS = {
    "fake_trial_a": (3.1, 1.9, 50, 4.4, 2.1, 50),
    "fake_trial_b": (2.8, 2.2, 80, 3.5, 2.0, 78),
    "fake_trial_c": (3.9, 1.7, 40, 4.1, 1.8, 41),
}


@pytest.fixture(scope="module")
def tables():
    return calcidata.load()


@pytest.fixture(scope="module")
def shipped(tables):
    return synthesis.reproductions(tables)


def flag(value: object) -> bool | None:
    """A boolean cell as Python's True or False; None when missing."""
    return None if pd.isna(value) else bool(value)


def status_problems(frame: pd.DataFrame) -> list[str]:
    """Every row whose curated status the re-computation contradicts, in words."""
    out = []
    for r in frame.to_dict("records"):
        rid, status, why = r["reproduction_id"], r["status"], r["reason"]
        recomputed = pd.isna(r["not_recomputed"])
        if status == "reproduced" and flag(r["matches"]) is not True:
            out.append(f"{rid}: reproduced, but the re-computation does not match")
        if status == "differs" and (flag(r["matches"]) is not False or pd.isna(why)):
            out.append(f"{rid}: differs needs a re-computation that differs, and a reason")
        if status == "not_reproducible":
            if pd.isna(why):
                out.append(f"{rid}: not reproducible without a reason")
            if recomputed:
                out.append(f"{rid}: not reproducible, yet calcidata re-computes it")
            if not pd.isna(r["k_stated"]) and r["k_held"] >= r["k_stated"]:
                out.append(f"{rid}: not reproducible, yet all {r['k_stated']} trials are held")
    return out


def test_every_shipped_row_has_the_status_its_recomputation_gives(shipped):
    assert len(shipped) > 0
    assert status_problems(shipped) == []


def test_every_reproduced_row_matches_to_the_decimals_the_review_prints(shipped):
    done = shipped[shipped["status"] == "reproduced"]
    for r in done.to_dict("records"):
        tol = 0.5 * 10.0 ** -int(r["decimals"]) + 1e-9
        for part in ("estimate", "ci_low", "ci_high"):
            assert abs(r[f"recomputed_{part}"] - r[f"stated_{part}"]) <= tol, r


def test_not_reproducible_rows_say_why_and_hold_fewer_trials_than_stated(shipped):
    rows = shipped[shipped["status"] == "not_reproducible"]
    assert rows["reason"].notna().all()
    known = rows[rows["k_stated"].notna()]
    assert (known["k_held"] < known["k_stated"]).all(), known[["reproduction_id", "k_held"]]


def test_the_frame_is_typed_and_keyed_by_the_table(tables, shipped):
    assert list(shipped.columns) == list(synthesis.recompute.COLUMNS)
    assert list(shipped["reproduction_id"]) == list(tables.reproductions["reproduction_id"])
    assert shipped["status"].cat.ordered
    assert str(shipped["k_held"].dtype) == "Int64" and str(shipped["matches"].dtype) == "boolean"
    # the stated numbers are the evidence rows' own
    ev = tables.evidence.set_index("evidence_id")
    linked = shipped[shipped["evidence_id"].notna()]
    for r in linked.to_dict("records"):
        assert np.isclose(r["stated_estimate"], ev.at[r["evidence_id"], "estimate"], equal_nan=True)


def test_a_condition_shows_only_its_own_and_narrower_results(tables, shipped):
    ho = synthesis.reproductions(tables, "ho_after_hip_arthroplasty")
    assert set(ho["condition_id"]) == {"ho_after_hip_arthroplasty"}
    expected = (shipped["condition_id"] == "ho_after_hip_arthroplasty").sum()
    assert len(ho) == expected > 0
    everything = synthesis.reproductions(tables, "soft_tissue_calcification")
    assert len(everything) <= len(shipped)


# -- made-up reviews whose trials are all held -----------------------------------------------


def _made_up(tables, *, measure="RR", model="random", estimator="dersimonian_laird",
             stated=(1.0, 0.5, 2.0), k_stated=3, status="reproduced", studies=TRIALS,
             data="dichotomous", outcome="ho_any"):  # fmt: skip
    """The tables with a made-up review: its three trials' rows and its stated result."""
    so = tables.study_outcomes
    template = so[so["data_type"] == data].iloc[0].to_dict()
    rows = []
    for study in studies:
        row = dict(template, study_outcome_id=f"{study}_row", study_id=study, outcome_id=outcome)
        if data == "dichotomous":
            a, n1, c, n2 = TRIALS[study]
            row.update(events_treatment=a, n_treatment=n1, events_comparator=c, n_comparator=n2)
        else:
            m1, s1, n1, m2, s2, n2 = MEANS[study]
            row.update(mean_treatment=m1, sd_treatment=s1, n_treatment=n1,
                       mean_comparator=m2, sd_comparator=s2, n_comparator=n2)  # fmt: skip
        rows.append(row)
    ev = tables.evidence
    review = dict(ev.iloc[0].to_dict(), evidence_id="fake_review_1", source_id="fake_review",
                  outcome_id=outcome, effect_measure=measure, estimate=stated[0],
                  ci_low=stated[1], ci_high=stated[2])  # fmt: skip
    repro = pd.DataFrame(
        [
            {
                "reproduction_id": "fake_review_1", "source_id": "fake_review",
                "evidence_id": "fake_review_1", "condition_id": None, "model": model,
                "estimator": estimator, "study_ids": ";".join(studies), "k_stated": k_stated,
                "decimals": 2, "status": status, "reason": None, "curation_note": None,
            }
        ]
    )  # fmt: skip
    return dataclasses.replace(
        tables,
        study_outcomes=pd.concat([so, pd.DataFrame(rows)], ignore_index=True),
        evidence=pd.concat([ev, pd.DataFrame([review])], ignore_index=True),
        reproductions=repro.astype({"k_stated": "Int64", "decimals": "Int64"}),
    )


def _log_rr() -> tuple[np.ndarray, np.ndarray]:
    """Log risk ratios and their variances, by hand (no zero cells)."""
    a, n1, c, n2 = (np.array(x, dtype=float) for x in zip(*TRIALS.values(), strict=True))
    return np.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2


def test_a_made_up_random_effects_review_is_reproduced_as_statsmodels_pools_it(tables):
    y, v = _log_rr()
    with np.errstate(invalid="ignore"):  # statsmodels' unused HKSJ variances of k = 3
        res = combine_effects(y, v, method_re="dl")
        sf = res.summary_frame()
    assert res.tau2 > 0  # a heterogeneous made-up review: a real random-effects pool
    est, lo, hi = (math.exp(sf.loc["random effect", c]) for c in ("eff", "ci_low", "ci_upp"))
    stated = tuple(round(x, 2) for x in (est, lo, hi))
    row = synthesis.reproductions(_made_up(tables, stated=stated)).iloc[0]
    assert pd.isna(row["not_recomputed"]) and row["method"] == "DL"
    assert row["recomputed_estimate"] == pytest.approx(est, rel=1e-9)
    assert (row["recomputed_ci_low"], row["recomputed_ci_high"]) == pytest.approx((lo, hi))
    assert flag(row["matches"]) is True and int(row["k_held"]) == 3
    assert status_problems(pd.DataFrame([row])) == []


def test_a_made_up_mantel_haenszel_review_is_reproduced_as_statsmodels_pools_it(tables):
    strata = [np.array([[a, n1 - a], [c, n2 - c]]) for a, n1, c, n2 in TRIALS.values()]
    st = StratifiedTable(strata)
    lo, hi = st.oddsratio_pooled_confint()
    stated = (round(st.oddsratio_pooled, 2), round(lo, 2), round(hi, 2))
    made = _made_up(tables, measure="OR", model="fixed", estimator="mantel_haenszel",
                    stated=stated)  # fmt: skip
    row = synthesis.reproductions(made).iloc[0]
    assert row["method"] == "MH"
    assert row["recomputed_estimate"] == pytest.approx(st.oddsratio_pooled, rel=1e-9)
    assert (row["recomputed_ci_low"], row["recomputed_ci_high"]) == pytest.approx((lo, hi))
    assert flag(row["matches"]) is True


def test_a_made_up_fixed_effect_mean_difference_is_reproduced(tables):
    m1, s1, n1, m2, s2, n2 = (np.array(x, dtype=float) for x in zip(*MEANS.values(), strict=True))
    y, v = m1 - m2, s1**2 / n1 + s2**2 / n2
    with np.errstate(invalid="ignore"):
        sf = combine_effects(y, v, method_re="dl").summary_frame()
    est, lo, hi = (sf.loc["fixed effect", c] for c in ("eff", "ci_low", "ci_upp"))
    made = _made_up(tables, measure="MD", model="fixed", estimator="inverse_variance",
                    stated=(round(est, 2), round(lo, 2), round(hi, 2)), data="continuous",
                    outcome="pain_vas")  # fmt: skip
    row = synthesis.reproductions(made).iloc[0]
    assert (row["recomputed_estimate"], row["recomputed_ci_low"]) == pytest.approx((est, lo))
    assert flag(row["matches"]) is True


def test_a_review_stating_other_numbers_differs_and_needs_a_reason(tables):
    made = _made_up(tables, stated=(0.30, 0.20, 0.45), status="differs")
    frame = synthesis.reproductions(made)
    assert flag(frame.iloc[0]["matches"]) is False
    assert status_problems(frame) == [
        "fake_review_1: differs needs a re-computation that differs, and a reason"
    ]


def test_not_reproducible_cannot_be_claimed_when_every_trial_is_held(tables):
    frame = synthesis.reproductions(_made_up(tables, status="not_reproducible"))
    found = status_problems(frame.assign(reason="said to be missing"))
    assert found[0] == "fake_review_1: not reproducible, yet calcidata re-computes it"
    assert found[1].endswith("yet all 3 trials are held")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"model": "not_stated", "estimator": "not_stated"}, "does not state its model"),
        ({"estimator": "not_stated"}, "does not state its random-effects estimator"),
        ({"k_stated": 4}, "the tables hold 3 of the 4 trials"),
        ({"studies": {"fake_trial_a": 0, "fake_trial_z": 0}}, "fake_trial_z has no two-arm row"),
        ({"model": "fixed", "estimator": "not_stated"}, "fixed-effect estimator"),
    ],
)
def test_a_review_that_cannot_be_recomputed_says_why(tables, change, why):
    change = dict(change)
    studies = change.pop("studies", TRIALS)
    made = _made_up(tables, **change)
    if "fake_trial_z" in studies:  # a listed trial with no row
        made = dataclasses.replace(
            made,
            reproductions=made.reproductions.assign(study_ids="fake_trial_a;fake_trial_z"),
        )
    row = synthesis.reproductions(made).iloc[0]
    assert why in row["not_recomputed"]
    assert pd.isna(row["recomputed_estimate"]) and pd.isna(row["matches"])


def test_a_trial_with_two_rows_of_the_outcome_is_not_guessed(tables):
    made = _made_up(tables)
    so = made.study_outcomes
    again = so[so["study_id"] == "fake_trial_a"].assign(study_outcome_id="fake_trial_a_later")
    made = dataclasses.replace(made, study_outcomes=pd.concat([so, again], ignore_index=True))
    row = synthesis.reproductions(made).iloc[0]
    assert "fake_trial_a has 2 rows of ho_any" in row["not_recomputed"]


# -- validation and display ------------------------------------------------------------------


def _edited_reproductions(tmp_path, tables, old: str, new: str):
    """A copy of the shipped tables with ``old`` replaced by ``new`` in reproductions.csv."""
    data = tmp_path / "data"
    shutil.copytree(tables.data_dir, data, ignore=shutil.ignore_patterns("extraction"))
    path = data / "reproductions.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return data, path


def test_validate_names_the_line_of_a_trial_the_review_does_not_list(tmp_path, tables):
    data, path = _edited_reproductions(
        tmp_path, tables, "elmstedt1985;gebuhr1991", "elmstedt1985;beckmann2015"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "elmstedt1985;beckmann2015" in t)
    _, problems = collect_problems(data)
    found = [p for p in problems if p.column == "study_ids"]
    assert len(found) == 1
    assert found[0].line == line and found[0].value == "beckmann2015"
    assert "review_studies lists for the review 'cochrane_cd001160'" in found[0].rule


def test_validate_refuses_an_evidence_row_of_another_review(tmp_path, tables):
    data, _ = _edited_reproductions(
        tmp_path, tables, "xue2009_2,xue2009,xue2009_2", "xue2009_2,xue2009,zhu_cox2_ma_1"
    )
    _, problems = collect_problems(data)
    assert [(p.column, p.value) for p in problems] == [("evidence_id", "zhu_cox2_ma_1")]


def test_the_section_words_each_row_and_says_so_when_there_is_none(tables, shipped):
    ho = synthesis.reproductions(tables, "ho_after_hip_arthroplasty")
    labels = calcidata.analysis.citation_labels(tables.sources)
    html = display.reproductions_table(ho, labels=labels)
    assert f"{len(ho)} published pooled results" in html
    assert "Zhu 2018" in html and "RR 0.91 (95% CI 0.78 to 1.06)" in html
    assert "Selective COX-2 inhibitor vs non-selective NSAIDs" in html
    assert "Not re-computed: no trial of the review is held for this result" in html
    # a reason given for several results is printed once, under the table, with its reviews
    counts = ho["reason"].value_counts()
    repeated = [r for r in dict.fromkeys(ho["reason"]) if counts[r] > 1]  # first seen first
    assert len(repeated) >= 1
    for n, reason in enumerate(repeated, start=1):
        assert html.count(htmllib.escape(str(reason))) == 1
        assert html.count(f"Reason {n}, under the table") == counts[reason]
    assert "Zhu 2018, 6 results" in html
    single = counts[counts == 1].index[0]
    assert htmllib.escape(str(single)) in html  # a reason of one result stays in its row
    none = display.reproductions_table(shipped.iloc[0:0])
    assert "No published pooled result of this condition" in none


def test_the_words_of_a_recomputed_row(tables):
    frame = synthesis.reproductions(_made_up(tables, stated=(0.30, 0.20, 0.45), status="differs"))
    worded = display.reproductions_table(frame.assign(reason="Made up."))
    assert "Random effects (DerSimonian-Laird)" in worded
    assert "3 of 3" in worded and "Not re-computed" not in worded


def test_decimals_are_the_most_digits_the_evidence_row_prints():
    """``decimals`` (the match tolerance) is what the cited result prints, read as text.

    Loaded floats lose trailing zeros ("1.00" becomes 1.0), so the rule is checked
    on the CSV's own text: the most decimal places among the estimate and its
    interval, and no ``decimals`` where the evidence row prints no number.
    """
    import csv

    from calcidata import paths

    data = paths.data_dir(None)
    with (data / "evidence.csv").open(encoding="utf-8", newline="") as f:
        printed = {
            row["evidence_id"]: [row[c] for c in ("estimate", "ci_low", "ci_high") if row[c]]
            for row in csv.DictReader(f)
        }
    with (data / "reproductions.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    checked = 0
    for row in rows:
        if row["evidence_id"] not in printed:
            continue
        numbers = printed[row["evidence_id"]]
        places = [len(n.partition(".")[2]) for n in numbers]
        expected = str(max(places)) if places else ""
        assert row["decimals"] == expected, (row["reproduction_id"], numbers, row["decimals"])
        checked += 1
    assert checked >= len(rows) // 2, checked
