"""Gaps shown as gaps: every condition and treatment on the map, empty cells counted,
a short page for each condition without evidence, and the claims reports declared."""

from __future__ import annotations

import json

from calcidata import analysis, display
from calcidata.reports import REPORTS
from calcidata.reports.catalog import Catalog
from calcidata.reports.index import render_index
from calcidata.reports.summary import report_summary


def test_the_grid_holds_every_condition_and_every_treatment(shipped):
    grid = analysis.evidence_grid(shipped)
    assert set(grid["condition_id"]) == set(shipped.conditions["condition_id"])
    assert set(grid["treatment_id"]) == set(shipped.treatments["treatment_id"])
    assert len(grid) == len(shipped.conditions) * len(shipped.treatments)
    assert (grid["gap"] == (grid["results"] == 0)).all()
    assert grid.loc[grid["gap"], "strength"].isna().all()
    found = analysis.evidence_map(shipped)
    assert int((~grid["gap"]).sum()) == len(found)  # the pairs with results, no more
    for cid in ("calcific_myopathy", "dystrophic_calcification", "ligament_calcification"):
        assert grid.loc[grid["condition_id"] == cid, "gap"].all(), cid


def test_gap_counts_count_the_grid(shipped):
    counts = analysis.gap_counts(shipped).set_index("counted")
    grid = analysis.evidence_grid(shipped)
    assert counts.loc["cells", "in_tables"] == len(grid)
    assert counts.loc["cells", "without_result"] == int(grid["gap"].sum())
    assert counts.loc["conditions", "in_tables"] == len(shipped.conditions)
    no_own = set(shipped.conditions["condition_id"]) - set(shipped.evidence["condition_id"])
    assert counts.loc["conditions", "without_result"] == len(no_own) > 0


def test_the_map_plot_shows_empty_cells_and_every_row(fixture_tables):
    grid = analysis.evidence_grid(fixture_tables)
    ax = display.plot_evidence_map(grid)
    assert len(ax.get_yticks()) == len(fixture_tables.treatments)
    assert len(ax.get_xticks()) == len(fixture_tables.conditions)
    empty = int(grid["gap"].sum())
    assert ax.get_title(loc="left").startswith(f"{empty} of {len(grid)} cells empty")


def test_the_index_map_names_every_condition_and_counts_the_gaps(fixture_tables, tmp_path):
    from calcidata.display.landing import landing_data

    data = json.loads(json.dumps(landing_data(fixture_tables)))
    html = render_index(tmp_path, {}, data)
    for name in fixture_tables.conditions["name"]:
        assert name in html
    assert 'id="map-gaps"' in html
    assert "7 of 9 cells are empty" in html


def test_a_short_page_is_built_for_each_condition_without_evidence(shipped):
    catalog = Catalog.from_tables(shipped)
    built = [p["condition_id"] for p in REPORTS["condition_gap"].build_params(catalog)]
    no_own = set(shipped.conditions["condition_id"]) - set(shipped.evidence["condition_id"])
    assert set(built) == no_own
    assert "calcific_myopathy" in built and "ligament_calcification" in built
    with_evidence = {p["condition_id"] for p in REPORTS["condition_report"].build_params(catalog)}
    assert not with_evidence & set(built)  # every condition gets exactly one kind of page


def test_the_claims_check_is_built_for_all_and_for_each_article(shipped):
    catalog = Catalog.from_tables(shipped)
    sets = REPORTS["claims_check"].build_params(catalog)
    assert sets[0] == {}
    assert {p["source_id"] for p in sets[1:]} == {f"seed_{i:03d}" for i in range(5)}
    line = report_summary(shipped, "claims_check", {"source_id": "seed_004"})
    n = int((shipped.claims["source_id"] == "seed_004").sum())
    assert line.startswith(f"{n} claims from 1 source; ")
    assert "no evidence found" in line


def test_condition_links_send_a_condition_without_evidence_to_its_page(shipped):
    from calcidata.reports import condition_links

    links = condition_links(shipped)
    myopathy = shipped.conditions.set_index("condition_id").loc["calcific_myopathy", "name"]
    assert links[myopathy] == "../condition_gap/calcific_myopathy.html"
    shoulder = shipped.conditions.set_index("condition_id").loc[
        "calcific_tendinopathy_shoulder", "name"
    ]
    assert links[shoulder].startswith("../condition_report/")


def test_claims_about_a_condition_are_listed_for_its_subtree(shipped):
    claims = analysis.claims_check(shipped, condition_id="calcific_tendinopathy")
    assert len(claims) > 0
    below = set(analysis.subtree(shipped, "calcific_tendinopathy"))
    assert set(claims["condition_id"]) <= below
    counts = analysis.verdict_counts(shipped)
    assert counts["claims"].sum() == len(shipped.claims)


def test_a_condition_report_shows_claims_about_broader_conditions_but_not_the_root(shipped):
    own = analysis.claims_check(shipped, condition_id="calcific_tendinopathy_shoulder")
    wider = analysis.claims_check(
        shipped, condition_id="calcific_tendinopathy_shoulder", broader=True
    )
    assert len(wider) > len(own)
    assert "calcific_tendinopathy" in set(wider["condition_id"])
    assert "soft_tissue_calcification" not in set(wider["condition_id"])
