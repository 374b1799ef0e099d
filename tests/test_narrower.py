"""A broader condition's report links, not repeats, what a narrower condition's report tables.

A comparison whose results all come from one narrower condition is summarised in
that condition's report; the broader report gives its bottom line, linked to the
table there (``synthesis.comparison_homes``, ``display.bottom_lines`` and
``display.sof_tables`` with ``narrower=``). Checked on the fixture (with one result
added for the broader condition itself) and on the shipped data: nothing a reader
could read in the broader report before is out of reach.
"""

from __future__ import annotations

import re

import pytest

import calcidata
from calcidata import display, synthesis
from calcidata.display.sof_tables import _anchor
from calcidata.reports import condition_links

from .conftest import read_rows, write_rows

_SECTION = re.compile(r'<section class="calcidata-sof-comparison">\s*<h3 id="([^"]+)"')


@pytest.fixture
def broader(minimal):
    """The fixture with a drug result recorded for the broader condition itself."""
    header, rows = read_rows(minimal / "evidence.csv")
    extra = dict(rows[1])  # fixture_trial_1: the drug against placebo, in the shoulder
    extra.update(evidence_id="fixture_trial_root", condition_id="fixture_root")
    write_rows(minimal / "evidence.csv", header, [*rows, extra])
    return calcidata.load(minimal)


def test_a_comparison_of_one_narrower_condition_has_its_home_there(broader):
    result = synthesis.synthesize(broader, "fixture_root")
    homes = dict(synthesis.comparison_homes(result).itertuples(index=False))
    # the drug has a result of the broader condition itself: its own comparison
    assert homes["fixture_drug__vs__placebo_or_sham"] == "fixture_root"
    # the shock wave's results are all the shoulder's
    assert homes["fixture_shock__vs__placebo_or_sham"] == "fixture_shoulder"
    assert list(synthesis.by_home(result)) == ["fixture_root", "fixture_shoulder"]
    # the shoulder alone: everything is its own
    shoulder = synthesis.synthesize(broader, "fixture_shoulder")
    assert set(synthesis.comparison_homes(shoulder)["home_id"]) == {"fixture_shoulder"}


def test_broader_report_tables_its_own_comparisons_and_links_the_others(broader):
    result = synthesis.synthesize(broader, "fixture_root")
    links = condition_links(broader)
    here = "../condition_report/fixture_shoulder.html"
    assert links["Fixture shoulder calcification"] == here
    drug, shock = (
        _anchor("fixture_drug__vs__placebo_or_sham"),
        _anchor("fixture_shock__vs__placebo_or_sham"),
    )

    sof = display.sof_tables(result, broader, narrower=links)
    assert _SECTION.findall(sof) == [drug]  # the shock wave's table is not repeated
    assert f'<a href="{here}">Fixture shoulder calcification</a> (1 comparison)' in sof

    lines = display.bottom_lines(result, broader, narrower=links)
    assert f'href="#{drug}"' in lines
    assert f'href="{here}#{shock}"' in lines and f'href="#{shock}"' not in lines
    assert "In narrower conditions" in lines

    # the link's target: the shoulder report's table of that comparison
    theirs = display.sof_tables(synthesis.synthesize(broader, "fixture_shoulder"), broader)
    assert shock in _SECTION.findall(theirs)

    # without links (a treatment comparison, the explorer) or without a report to
    # link to, every table stays on the page
    assert sorted(_SECTION.findall(display.sof_tables(result, broader))) == sorted([drug, shock])
    kept = display.sof_tables(result, broader, narrower={})
    assert sorted(_SECTION.findall(kept)) == sorted([drug, shock])
    assert "In narrower conditions" not in display.bottom_lines(result, broader, narrower={})


def test_a_condition_whose_comparisons_are_all_narrower_says_so(fixture_tables):
    result = synthesis.synthesize(fixture_tables, "fixture_root")
    links = condition_links(fixture_tables)
    sof = display.sof_tables(result, fixture_tables, narrower=links)
    assert _SECTION.findall(sof) == []
    assert "No body of evidence" not in sof and "fixture_shoulder.html" in sof
    lines = display.bottom_lines(result, fixture_tables, narrower=links)
    assert "was studied in one narrower condition only" in lines
    assert lines.count('class="calcidata-bottom-line"') == 2


def test_shipped_broader_reports_lose_no_result(shipped):
    """Every result row of a comparison linked away is in its home's rows, the same."""
    condition_id = "soft_tissue_calcification"  # the broadest: every other is narrower
    result = synthesis.synthesize(shipped, condition_id)
    reported = set(shipped.evidence["condition_id"].astype(str))
    homes = synthesis.by_home(result)
    assert len(homes) > 2  # this condition's narrower conditions hold comparisons
    keys = ["comparison_id", "outcome_id", "timepoint_band", "effect_measure", "estimate"]
    keys += ["ci_low", "ci_high", "n_participants", "certainty", "statement"]
    moved = 0
    for home, rows in homes.items():
        if home == condition_id:
            continue
        assert home in reported  # a condition report is built for it
        ours = result.sof[result.sof["comparison_id"].isin(rows["comparison_id"])]
        ours = ours[ours["statement_code"] != "no_studies"]
        assert set(map(tuple, ours[keys].astype(str).to_numpy())) <= set(
            map(tuple, rows[keys].astype(str).to_numpy())
        )
        moved += rows["comparison_id"].nunique()
        # and there it is the condition's own: its report tables it (the link's target)
        theirs = synthesis.comparison_homes(synthesis.synthesize(shipped, home))
        linked = theirs[theirs["comparison_id"].isin(rows["comparison_id"])]
        assert set(linked["home_id"]) == {home}
        assert len(linked) == rows["comparison_id"].nunique()
    shown = homes[condition_id]["comparison_id"].nunique()
    assert moved + shown == result.sof["comparison_id"].nunique()
