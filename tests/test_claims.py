"""The claims of the lay articles: quoted exactly, checked by validation, judged by one rule.

The articles' text lives in ../shared/seeds beside the checkout (as in CI) or where
$CALCIDATA_SEEDS_DIR points; the quote tests are skipped, saying so, where it is absent.
"""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

import calcidata
from calcidata import paths
from calcidata.cli import main
from calcidata.errors import DataValidationError
from calcidata.synthesis.claims import claim_verdicts, verdict_from
from calcidata.synthesis.lay_doses import lay_doses
from calcidata.tables.quotes import flat

from .conftest import ROOT, read_rows, write_rows

SEEDS = paths.seeds_dir()
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"the lay articles' text is not at {SEEDS}"
)


@pytest.fixture(scope="module")
def computed(shipped):
    return claim_verdicts(shipped)


def test_at_least_80_claims_over_all_five_articles(shipped):
    claims = shipped.claims
    assert len(claims) >= 80
    assert set(claims["source_id"]) == {f"seed_{i:03d}" for i in range(5)}
    kinds = shipped.sources.set_index("source_id")["kind"].astype(object)
    assert set(kinds[claims["source_id"]]) == {"lay_web_article"}
    assert claims["quote"].str.len().max() <= 300


@needs_seeds
def test_every_quote_is_in_its_article_word_for_word(shipped):
    for claim in shipped.claims.itertuples():
        path = paths.article_text_path(claim.source_id, SEEDS)
        assert path is not None, claim.source_id
        text = flat(path.read_text(encoding="utf-8"))
        assert flat(claim.quote) in text, (claim.claim_id, claim.quote)


def test_stored_verdicts_are_what_the_rule_computes(shipped, computed):
    stored = shipped.claims.set_index("claim_id")
    rule = computed.set_index("claim_id")
    assert list(rule.index) == list(stored.index)
    for col in ("verdict", "evidence_ids", "dosing_ids", "verdict_note"):
        left = stored[col].astype(object).where(stored[col].notna(), None)
        right = rule[col].astype(object).where(rule[col].notna(), None)
        diff = [i for i in stored.index if left[i] != right[i]]
        assert not diff, (col, diff[:5])


def test_every_verdict_is_reached_and_outside_scope_only_without_a_treatment_claim(shipped):
    claims = shipped.claims
    assert set(claims["verdict"].astype(object)) == {
        "supported",
        "partly_supported",
        "contradicted",
        "no_evidence_found",
        "outside_scope",
    }
    judged = (
        claims["claim_type"].isin(["treatment_effect", "dose", "schedule"])
        & claims["treatment_id"].notna()
    )
    assert not (claims.loc[judged, "verdict"] == "outside_scope").any()
    nothing = claims["verdict"] == "no_evidence_found"
    assert claims.loc[nothing, "evidence_ids"].isna().all()


def test_the_stored_table_is_what_the_curators_recipe_writes(shipped, tmp_path):
    from calcidata.synthesis.claims import recomputed_claims

    out = tmp_path / "claims.csv"
    recomputed_claims(shipped).to_csv(out, index=False, lineterminator="\n")
    assert out.read_bytes() == (ROOT / "data" / "claims.csv").read_bytes()


def test_an_add_on_against_a_sham_add_on_does_not_judge_the_base_treatment(computed):
    rule = computed.set_index("claim_id")
    # "Physical Therapy ... restores function": the only function result is acetic acid
    # iontophoresis added to physiotherapy against sham iontophoresis plus physiotherapy
    assert rule.loc["seed_000_16", "verdict"] == "no_evidence_found"
    for ids in rule["evidence_ids"].dropna():
        if "leduc2003_1" in ids.split(";"):
            raise AssertionError("an add-on trial judged physiotherapy itself")


def test_the_verdict_table_by_certainty_and_direction():
    assert verdict_from("moderate", "for", "benefit", True) == "supported"
    assert verdict_from("moderate", "for", "benefit", False) == "partly_supported"
    assert verdict_from("low", "for", "benefit", True) == "partly_supported"
    assert verdict_from("low", "against", "benefit", True) == "contradicted"
    assert verdict_from("very_low", "against", "benefit", True) == "partly_supported"
    assert verdict_from("high", "against", "no_benefit", True) == "supported"
    assert verdict_from("high", "mixed", "benefit", True) == "partly_supported"


def test_a_lay_dose_is_judged_against_labels_not_against_itself(shipped):
    doses = lay_doses(shipped).set_index("dosing_id")
    dil = doses.loc["seed_004_diltiazem"]
    assert (dil["daily_min"], dil["daily_max"]) == (90, 180)
    assert dil["place"] == "partly_below"
    assert "seed_004_diltiazem" not in dil["reference_dosing_ids"].split(";")
    assert "label_diltiazem" in dil["reason"]
    assert doses.loc["seed_004_ibuprofen", "place"] == "within_range"


MADE_UP = {
    "evidence_id": "made_up_ivig_trial",
    "treatment_id": "ivig",
    "condition_id": "calcific_myopathy",
    "population": "adults with calcific myopathy (made up for a test)",
    "indirect": "false",
    "comparator": "placebo",
    "outcome": "muscle strength",
    "outcome_domain": "function",
    "outcome_id": "function_any_scale",
    "comparator_id": "placebo",
    "timepoint": "6 months",
    "effect_measure": "SMD",
    "estimate": "0.8",
    "ci_low": "0.5",
    "ci_high": "1.1",
    "n_studies": "1",
    "n_participants": "200",
    "study_design": "rct",
    "direction": "favours_treatment",
    "certainty": "high",
    "source_id": "surace2020",
}


def test_a_made_up_trial_changes_a_claims_verdict(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    before = claim_verdicts(calcidata.load(data)).set_index("claim_id")
    assert before.loc["seed_004_29", "verdict"] == "no_evidence_found"  # IVIG, myopathy
    header, rows = read_rows(data / "evidence.csv")
    rows.append({c: MADE_UP.get(c, "") for c in header})
    write_rows(data / "evidence.csv", header, rows)
    after = claim_verdicts(calcidata.load(data)).set_index("claim_id")
    assert after.loc["seed_004_29", "verdict"] == "supported"
    assert after.loc["seed_004_29", "evidence_ids"] == "made_up_ivig_trial"
    assert "high" in after.loc["seed_004_29", "verdict_note"]
    # the stored table now disagrees with the rule: the consistency test would fail
    stored = pd.read_csv(data / "claims.csv").set_index("claim_id")
    assert stored.loc["seed_004_29", "verdict"] != after.loc["seed_004_29", "verdict"]


@needs_seeds
def test_validation_names_file_line_column_value_and_rule_of_a_wrong_quote(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    header, rows = read_rows(data / "claims.csv")
    rows[2]["quote"] = "Shock waves dissolve every deposit in one session."
    write_rows(data / "claims.csv", header, rows)
    with pytest.raises(DataValidationError) as err:
        calcidata.load(data)
    [problem] = err.value.problems
    assert problem.file.endswith("claims.csv")
    assert problem.line == 4  # header is line 1, rows[2] is the third record
    assert problem.column == "quote"
    assert problem.value.startswith("Shock waves dissolve")
    assert "not found in the text of seed_000" in problem.rule


def test_a_claim_must_cite_a_lay_article(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    header, rows = read_rows(data / "claims.csv")
    rows[0]["source_id"] = "surace2020"
    write_rows(data / "claims.csv", header, rows)
    with pytest.raises(DataValidationError) as err:
        calcidata.load(data)
    assert any(p.column == "source_id" and "lay article" in p.rule for p in err.value.problems)


def test_without_the_articles_validate_says_the_quotes_were_not_checked(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv(paths.ENV_SEEDS_DIR, str(tmp_path / "absent"))
    assert main(["validate"]) == 0
    err = capsys.readouterr().err
    assert "quotes of claims.csv were not checked" in err and "absent" in err


def test_the_claims_file_has_the_fixed_columns_first():
    with open(ROOT / "data" / "claims.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    fixed = ["claim_id", "source_id", "quote", "claim_type", "condition_id", "treatment_id"]
    assert header[: len(fixed)] == fixed
    assert {"verdict", "evidence_ids", "dosing_ids", "verdict_note"} <= set(header)
