"""The explorer's choices and widgets (real ipywidgets, no browser; Voila: test_browser_app)."""

from __future__ import annotations

import pytest

from calcidata.display.explorer import ALL_OUTCOMES, Explorer, choices

SHOULDER = "calcific_tendinopathy_shoulder"


@pytest.fixture(scope="module")
def tables():
    import calcidata

    return calcidata.load()


def test_choices_offer_conditions_with_evidence_their_treatments_and_outcomes(tables):
    offered = choices(tables, SHOULDER)
    conditions = dict((v, k) for k, v in offered["condition"])
    assert SHOULDER in conditions and set(conditions) <= set(tables.evidence["condition_id"])
    treatments = [v for _, v in offered["treatment"]]
    profile = __import__("calcidata").evidence_profile(tables, SHOULDER)
    assert set(treatments) == set(profile["treatment_id"]) and len(treatments) >= 2
    assert offered["outcome"][0] == (ALL_OUTCOMES, None)
    first = treatments[0]
    domains = set(profile.loc[profile["treatment_id"] == first, "outcome_domain"].astype(str))
    assert {v for _, v in offered["outcome"][1:]} == domains
    # names, never ids, are what a reader sees
    assert all(label != value for label, value in offered["treatment"])


def test_changing_a_dropdown_updates_the_outputs(tables):
    pytest.importorskip("ipywidgets")
    explorer = Explorer(tables, SHOULDER)
    assert explorer.condition.value == SHOULDER
    before = str(explorer.findings.outputs)
    assert "calcidata-sof" in before
    explorer.treatment.value = explorer.treatment.options[-1][1]
    after = str(explorer.findings.outputs)
    assert after != before and "calcidata-sof" in after
    sel = explorer.selection()
    assert sel.treatment_ids == (explorer.treatment.value,) and sel.outcome is None
    explorer.outcome.value = explorer.outcome.options[-1][1]
    assert explorer.selection().outcome == explorer.outcome.value
    assert explorer.forest.outputs and explorer.doses.outputs
