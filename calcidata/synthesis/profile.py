"""Evidence profiles: bodies of evidence, their estimates, certainty and absolute effects.

A *body of evidence* is one condition (with its narrower conditions) x one
comparison x one outcome definition x one timepoint band (the groups and bands
are in :mod:`calcidata.synthesis.bodies`). With ``condition_id`` given, every
result about that condition or a narrower one joins the body of that
condition; without it, each result stays with its own condition. Every
evidence row and every study_outcomes row belongs to exactly one body.

How results meet in a body
--------------------------
* **Comparison**: the treatment against the comparator's treatment id
  (``comparator_id``, or a comparator text that names a treatment), else
  against its comparator group. A reverse comparison (B vs A beside A vs B) is
  turned round into the one with more results (a tie: the first id
  alphabetically as intervention): ratios are inverted (1/RR, the CI's bounds
  swapped), differences negated, arms swapped. Placebo, sham, no treatment and
  usual care are always the comparator.
* **Outcome definition**: ``outcome_id``; a result not yet mapped to one is
  its own definition (its outcome text), so two definitions never meet.
* **Within-arm results** (a proportion or a mean change in one arm, or a
  comparator that is no comparison group) are never a comparison's effect:
  they form bodies of their own (``within_arm``), shown apart.
* **Trials inside a review**: a trial that a review in the same body includes
  (``review_studies``) is the review's constituent (``constituent_ids``), not
  an estimate beside it; the treatment hierarchy is respected (a trial of
  ``eswt_focused_high_energy`` that a review of ``eswt`` includes joins the
  review's body).
* **Class bodies** (:mod:`calcidata.synthesis.classes`): where two or more
  primary studies of two or more different agents of one treatment class (an
  ancestor in ``treatments.parent_id``, on the intervention side, the comparator
  side or both) share condition x outcome definition x timepoint band, their
  results are also gathered in the body of the class's comparison (the narrowest
  class that gathers them), marked ``class_body`` with the agents behind the
  estimate in ``agent_ids``. Each result keeps its own body too; it is never twice
  in one body, and a review of the class keeps the trials it includes as its
  constituents. Outcome ids that hold several definitions (``OPEN_OUTCOMES``: another
  HO definition, a narrative result) meet only with the same outcome text.

Where the estimate comes from (``basis``)
-----------------------------------------
1. ``review``: the best systematic review in the body with a comparative
   estimate: highest design level, then most participants, then most recent,
   then the broadest condition. Nothing is pooled beside it, and two reviews
   are never pooled together; the other sources of the body are listed in
   ``other_source_ids``.
2. ``pooled``: without such a review, calcidata pools two or more
   independent primary studies of one measure (REML; with three or more
   studies the Hartung-Knapp-Sidik-Jonkman interval, with two a normal (Wald)
   interval, following Bender et al. 2018: Knapp-Hartung has very low power
   with very few studies). Inputs: arm numbers (RR from counts, MD from
   means, SDs and sizes) and single studies' estimates with a 95% CI (SE from
   the CI, on the log scale for ratios). One result per study: arm numbers
   first, then the largest, then the first item id. Studies with no event in
   either arm carry no information on a ratio and are left out.
3. ``single_study``: exactly one study reports an estimate.
4. ``no_estimate``: otherwise; the body is rated on its best review, else its
   primary studies, else its best other source, and is "not estimable".

Estimates and intervals are on the scale readers see (ratios as ratios). The
certainty rule is in :mod:`calcidata.synthesis.certainty`; absolute effects
and the plain-language statement in :mod:`calcidata.synthesis.absolute`;
``strength`` is the best row strength in the body
(:mod:`calcidata.analysis.strength`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calcidata.analysis.conditions import condition_order
from calcidata.schemas.effect_measures import codes as measures_where
from calcidata.schemas.vocabularies import (
    CERTAINTY,
    EFFECT_MEASURES,
    IMPORTANCE,
    OUTCOME_DOMAINS,
    REVIEW_DESIGNS,
    STRENGTH,
    category_dtype,
)
from calcidata.synthesis import absolute, footnotes
from calcidata.synthesis._keyed import Groups, combined
from calcidata.synthesis._keyed import first_at as _first_at
from calcidata.synthesis._keyed import isin as _isin
from calcidata.synthesis._keyed import joined_keys as _joined_keys
from calcidata.synthesis._keyed import sort_key as _sort_key
from calcidata.synthesis._keyed import sorted_codes as _sorted_codes
from calcidata.synthesis.absolute import sentence_case
from calcidata.synthesis.bodies import timepoint_rank
from calcidata.synthesis.certainty import DOMAINS, rate_bodies, start_level
from calcidata.synthesis.estimate import BASES, estimate_bodies
from calcidata.synthesis.items import body_items
from calcidata.synthesis.judgements import judged
from calcidata.tables.hierarchy import ancestors, parents_of

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

#: Keys of today's profile (names fixed), in column order.
KEYS = ["condition_id", "treatment_id", "comparator", "outcome_domain", "effect_measure",
        "timepoint"]  # fmt: skip
ESTIMATE_COLUMNS = ["n_studies", "n_participants", "estimate", "ci_low", "ci_high", "basis"]
ADDED = [
    "comparison_id", "comparator_id", "outcome_id", "outcome_name", "importance", "instrument",
    "scale_min", "scale_max", "higher_is_better", "mid", "surrogate", "timepoint_band",
    "within_arm", "network", "baseline_risk", "baseline_basis", "baseline_studies",
    "comparator_mean", "abs_effect", "abs_ci_low", "abs_ci_high", "abs_unit", "statement",
    "statement_code", "footnotes", "constituent_ids", "class_body", "agent_ids",
]  # fmt: skip
COLUMNS = [
    *KEYS, *ESTIMATE_COLUMNS, "source_ids", "certainty", "certainty_basis", *DOMAINS,
    "reasons", "notes", "strength", "i2_percent", "evidence_ids", "other_source_ids",
    "start_level", *ADDED,
]  # fmt: skip
#: Footnote codes that are remarks, not reasons for rating down.
NOTE_CODES = ("single_study", "no_i2_reported", "mid_not_known", "stated_rating",
              "stated_reasons", "start_low_nonrandomised", "start_low_design_unknown",
              "not_estimable", "network_capped", "within_arm", "pooled_k2")  # fmt: skip
_COMPARATIVE = measures_where(comparative=True)
_DICHOTOMOUS = measures_where(outcome_type="dichotomous")


def _named(names: dict[str, str], treatment: Any) -> Any:
    """A treatment's name, else its id (as ``map(names).fillna(ids)`` finds it)."""
    name = names.get(treatment)
    return treatment if name is None or name != name else name


def _importance(tables: Tables, bodies: pd.DataFrame) -> pd.Series:
    """GRADE importance from condition_outcomes (nearest condition up the hierarchy)."""
    co = tables.condition_outcomes
    table = {(str(c), str(o)): str(i) for c, o, i in
             zip(co["condition_id"], co["outcome_id"], co["importance"], strict=True)}  # fmt: skip
    parents = parents_of(tables.conditions, "condition_id")
    out = []
    if not table:
        harm = bodies["outcome_domain"].astype(object).eq("adverse_events")
        # NumPy takes None for a branch (an object array); numpy's stubs do not.
        critical = np.where(harm, "critical", None)  # type: ignore[call-overload]
        return pd.Series(critical, index=bodies.index, dtype=object)
    cols = [bodies[c].to_numpy(dtype=object) for c in ("condition_id", "outcome_id",
                                                        "outcome_domain")]  # fmt: skip
    # one integer per (condition, outcome id, domain); missing values meet
    index = combined([pd.factorize(col)[0] for col in cols])
    first = _first_at(index)  # each distinct triple's first body
    for cond, oid, domain in zip(*(col[first] for col in cols), strict=True):
        found = None
        if isinstance(oid, str):
            for c in [cond, *ancestors(parents, cond)]:
                if (c, oid) in table:
                    found = table[(c, oid)]
                    break
        if found is None and domain == "adverse_events":
            found = "critical"  # harms are critical unless a source says otherwise
        out.append(found)
    return pd.Series(np.asarray(out, dtype=object)[index], index=bodies.index, dtype=object)


def _body_facts(
    items: pd.DataFrame, behind: pd.DataFrame, est: pd.DataFrame, tables: Tables
) -> pd.DataFrame:
    """Everything the rule and the frame need per body (one row per body_id), in NumPy."""
    keys = ["condition_id", "treatment_id", "comparator", "comparison_id", "comparator_id",
            "outcome_id", "outcome_key", "outcome_domain", "timepoint", "within_arm"]  # fmt: skip
    in_body = Groups(items["body_id"].to_numpy(np.int64), est.index)
    # a body's words (comparator, outcome domain...) are those of its first row behind the
    # estimate by item id (then any row by item id), whatever the rows' order
    rank = _sorted_codes(items["item_id"].to_numpy(dtype=object))[0] + 1
    at = items.index.get_indexer(behind.index)
    rank[at[at >= 0]] -= len(items) + 1
    first = items[keys].iloc[in_body.least_rows(rank)].set_axis(est.index)
    b = pd.concat([est, first], axis=1)
    g = Groups(behind["body_id"].to_numpy(np.int64), b.index)
    new: dict[str, Any] = {}  # the columns added, in order
    design, ud = pd.factorize(behind["study_design"].astype(object).fillna("").to_numpy(object))
    pooled, up = pd.factorize(behind["pooled_design"].astype(object).fillna("").to_numpy(object))
    index, pairs = pd.factorize(design.astype(np.int64) * len(up) + pooled)  # once per pair
    starts = [start_level(ud[p // len(up)] or None, up[p % len(up)] or None) for p in pairs]
    start = np.asarray([s for s, _ in starts], dtype=object)[index]
    new["start_level"] = np.where(g.any(start == "low"), "low", "high")
    unknown = g.any(_isin(behind["study_design"], REVIEW_DESIGNS) & ~_isin(
        behind["pooled_design"], ["rct", "observational", "case_series", "mixed"]))  # fmt: skip
    # NumPy takes None for a branch (an object array); numpy's stubs do not.
    new["start_code"] = np.where(new["start_level"] == "low", np.where(  # type: ignore[call-overload]
        unknown, "start_low_design_unknown", "start_low_nonrandomised"), None)  # fmt: skip
    codes = np.asarray([c for _, c in starts], dtype=object)[index]
    # the dtype inferred, as groupby's first() infers it ("str" where there is text)
    new["no_comparison_code"] = pd.Series(g.first(codes), index=b.index)
    one, only = g.size() == 1, g.first_rows()  # a body's only row (missing: None, as first())

    def single(c: str, where: Any = True) -> pd.Series:  # the value of a body's only row
        value = behind[c].to_numpy(object)[only]
        value = np.where(one & where, np.where(pd.notna(value), value, None), np.nan)
        return pd.Series(value, index=b.index, dtype=object)

    new["stated"], new["stated_reasons"] = single("certainty"), single("certainty_reasons")
    for c in ("indirect", "network"):
        new[c] = g.any(behind[c].to_numpy(bool))
    new["mixed_direction"] = g.any(behind["direction"].astype(object).eq("mixed").to_numpy())
    detected = behind["publication_bias"].astype(object).eq("detected").to_numpy()
    new["publication_bias_detected"] = g.any(detected)
    new["direction"] = single("direction", _isin(b["basis"], ["review", "single_study"]))
    oc = tables.outcomes.set_index("outcome_id")  # the outcomes table
    at = oc.index.get_indexer(pd.Index(b["outcome_id"]))  # found once; taken as map takes
    for c in ("name", "instrument", "scale_min", "scale_max", "higher_is_better", "mid",
              "surrogate"):  # fmt: skip
        column = pd.api.extensions.take(oc[c].astype(object).to_numpy(), at, allow_fill=True)
        new["outcome_name" if c == "name" else c] = pd.Series(column, index=b.index, copy=False)
    for c in ("scale_min", "scale_max", "mid"):
        new[c] = pd.to_numeric(new[c], errors="coerce").astype(float)
    new["importance"] = _importance(tables, b)
    # baseline and comparator arms
    arms = absolute.control_arms(items).reindex(b.index)
    stated_risk = g.first(behind["control_risk"].to_numpy(float))
    dich = _isin(b["effect_measure"], _DICHOTOMOUS)
    arm_risk = arms["arm_risk"].to_numpy(float)
    risk = np.where(np.isnan(stated_risk), arm_risk, stated_risk)
    new["baseline_risk"] = pd.Series(np.where(dich, risk, np.nan), index=b.index)
    # NumPy takes None for a branch (an object array); numpy's stubs do not.
    basis = new["baseline_basis"] = pd.Series(np.where(~np.isnan(stated_risk), "stated", np.where(
        ~np.isnan(arm_risk), "control_arms", None)), index=b.index)  # type: ignore[call-overload]  # fmt: skip
    basis[~dich] = None
    new["baseline_studies"] = arms["arm_studies"].where(basis.eq("control_arms"))
    new["comparator_mean"] = arms["comparator_mean"].where(~dich)
    new["comparator_sd"] = arms["comparator_sd"]
    new["ratio_inverted"] = absolute.inverted(
        b["outcome_domain"], b["effect_measure"], b["estimate"], new["direction"]
    ).astype(bool)
    new["estimable"] = (b["basis"].ne("no_estimate") & b["estimate"].notna() & ~b["within_arm"]
                        & _isin(b["effect_measure"], _COMPARATIVE))  # fmt: skip
    new.update(_ids_of(items, behind, b, g))
    new["strength"] = in_body.max(items["strength_code"].to_numpy(np.int64), -1)
    names = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    new.update(_classes(b, items, behind, names, in_body, g))
    treatment = b["treatment_id"].to_numpy(object)
    named = absolute._each(treatment, lambda t: _named(names, t))
    named[new["class_body"]] += " (any)"  # a class: any of its agents
    new["treatment_name"] = named
    name = new["outcome_name"].to_numpy(object)
    text = g.first(behind["outcome"].to_numpy(object))
    domain = absolute._each(b["outcome_domain"].to_numpy(object), lambda d: d.replace("_", " "))
    words = np.where(pd.notna(name), name, np.where(pd.notna(text), text, domain))
    new["outcome_words"] = absolute._each(words, sentence_case)
    return pd.concat([b, pd.DataFrame(new, index=b.index)], axis=1)


def _ids_of(items: pd.DataFrame, behind: pd.DataFrame, b: pd.DataFrame,
            g: Groups) -> dict[str, pd.Series]:  # fmt: skip
    """``evidence_ids``, ``constituent_ids``, ``source_ids`` and ``other_source_ids``.

    Source and study ids are coded once, over the items (``behind``'s rows are items' rows,
    with their index labels); (body, id) pairs are integers over that sorted vocabulary.
    """
    ev = g.joined(behind["item_id"].to_numpy(dtype=object), np.nan)
    out = {"evidence_ids": pd.Series(ev, index=b.index, dtype=object)}
    cons = items.loc[items["in_review"].notna(), ["body_id", "study_id", "in_review"]]
    cons = cons[cons["in_review"].astype(str) == b["review_id"].reindex(cons["body_id"]).to_numpy()]
    n, ids = len(items), [items[c].to_numpy(dtype=object) for c in ("source_id", "study_id")]
    code, words = _sorted_codes(np.concatenate(ids))  # words: an object array
    width = np.int64(len(words) + 1)  # value 0: missing
    body = items["body_id"].to_numpy(np.int64) * width
    here = np.concatenate([body + code[:n] + 1, body + code[n:] + 1])  # source, study
    at, mine_at = items.index.get_indexer(behind.index), items.index.get_indexer(cons.index)
    src, mine = np.concatenate([here[at], here[n + at]]), here[n + mine_at]
    out["constituent_ids"] = _joined_keys(mine, width, words, b.index, None)
    out["source_ids"] = _joined_keys(src, width, words, b.index, b.index[g.size() > 0])
    other = here[~pd.Index(here).isin(src) & ~pd.Index(here).isin(mine)]  # hashed, not sorted
    out["other_source_ids"] = _joined_keys(other, width, words, b.index, None)
    return out


def _classes(b: pd.DataFrame, items: pd.DataFrame, behind: pd.DataFrame, names: dict[str, str],
             in_body: Groups, g: Groups) -> dict[str, Any]:  # fmt: skip
    """Class bodies: ``class_body``, the agents behind the estimate and their names."""
    class_body = in_body.any(items["lifted"].to_numpy(bool))
    used = g.of_rows(class_body, False)  # the rows behind a class body's estimate
    rows = behind[used]
    text = rows["agent_id"] + " vs " + rows["agent_comp"]  # an agent against an agent
    label = np.full(len(behind), None, dtype=object)
    label[used] = rows["agent_id"].astype(str).where(~rows["comp_lifted"].astype(bool), text)
    agents = pd.Series(g.joined(label, ""), index=b.index, dtype=object)
    return {
        "class_body": class_body,
        "agent_ids": agents,
        "class_behind": agents.ne("").to_numpy() & g.any(behind["lifted"].to_numpy(bool)),
        "agent_names": absolute._each(
            agents.to_numpy(dtype=object),
            lambda ids: " / ".join(
                " vs ".join(names.get(x, x) for x in a.split(" vs ")) for a in ids.split(";") if a
            ),
        ),  # once per distinct list of agents
    }


def _words(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The footnotes in words: the reasons, and the remarks (notes), once per distinct cell."""
    index, uniques = pd.factorize(codes.to_numpy(dtype=object))
    reasons, notes = [], []
    for text in uniques:
        kinds = [
            (x.split(":", 1)[0] in NOTE_CODES, footnotes.words(x)) for x in footnotes.split(text)
        ]
        reasons.append("; ".join(w for note, w in kinds if not note))
        notes.append("; ".join(w for note, w in kinds if note))
    r, n = (np.asarray(out, dtype=object)[index] for out in (reasons, notes))
    return pd.Series(r, codes.index, dtype="string"), pd.Series(n, codes.index, dtype="string")


def compute(
    tables: Tables, condition_id: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The profile frame and the items behind it (:func:`evidence_profile` without sorting)."""
    items = body_items(tables, condition_id)
    est, behind = estimate_bodies(items)
    b = _body_facts(items, behind, est, tables)
    rated = rate_bodies(b, judged(behind, tables))
    # the rule's footnotes, then within_arm and pooled_k2: joined once per distinct triple
    code, rule = pd.factorize(rated["footnotes"].to_numpy(dtype=object))
    within, k2 = b["within_arm"].to_numpy(bool), b["k_pooled"].eq(2).to_numpy(bool)
    index = pd.factorize((code + 1) * 4 + within * 2 + k2)[0]
    at = _first_at(index)
    codes = [
        ";".join(x for x in (rule[c] if c >= 0 else "", "within_arm" * w, "pooled_k2" * k) if x)
        for c, w, k in zip(code[at].tolist(), within[at].tolist(), k2[at].tolist(), strict=True)
    ]
    rated["footnotes"] = np.asarray(codes, dtype=object)[index]
    b = b.join(rated.drop(columns="start_level"))
    b["start_level"] = rated["start_level"]
    b = b.join(absolute.absolute_effects(b)).join(absolute.statements(b))
    b["reasons"], b["notes"] = _words(b["footnotes"])
    b["timepoint_band"] = b["timepoint"]
    return _typed(b, tables), items, behind


def _row_order(b: pd.DataFrame, tables: Tables) -> np.ndarray:
    """The profile's row order (``sort_values`` on its keys), each key found per distinct value.

    Condition (in the tables' order), treatment name (lower case), treatment id, outcome
    domain, comparator, effect measure, timepoint band (:func:`timepoint_rank`),
    timepoint, outcome key.
    """
    place = {c: i for i, c in enumerate(condition_order(tables))}
    names = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    col = {c: pd.factorize(b[c].to_numpy(dtype=object)) for c in (*KEYS, "outcome_key")}
    # a missing timepoint ranks as a text that is neither a band nor "not reported"
    keys = [_sort_key(col["condition_id"], lambda c: place.get(c, len(place)), len(place)),
            _sort_key(col["treatment_id"], lambda t: _named(names, t).lower()),
            _sort_key(col["treatment_id"]), _sort_key(col["outcome_domain"], OUTCOME_DOMAINS.index),
            _sort_key(col["comparator"]), _sort_key(col["effect_measure"], EFFECT_MEASURES.index),
            _sort_key(col["timepoint"], timepoint_rank, timepoint_rank("")),
            _sort_key(col["timepoint"]), _sort_key(col["outcome_key"])]  # fmt: skip
    return np.lexsort(keys[::-1])


def _typed(b: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """The profile frame: its columns in order, its rows sorted (:func:`_row_order`), typed."""
    out = b[COLUMNS].iloc[_row_order(b, tables)].reset_index(drop=True)  # only the columns kept
    # today's text columns keep their "string" dtype; the added ones are plain objects
    for c in ("condition_id", "treatment_id", "comparator", "timepoint", "source_ids",
              "reasons", "notes", "evidence_ids", "other_source_ids", "certainty_basis",
              "start_level"):  # fmt: skip
        out[c] = out[c].astype("string")
    for c, levels, ordered in (("outcome_domain", OUTCOME_DOMAINS, False),
                               ("effect_measure", EFFECT_MEASURES, False),
                               ("basis", BASES, False), ("certainty", CERTAINTY, True),
                               ("importance", IMPORTANCE, True)):  # fmt: skip
        # astype(category), each distinct value looked up once; others are missing
        code, uniques = pd.factorize(out[c].to_numpy(dtype=object))
        dtype = category_dtype(levels, ordered)
        at = dtype.categories.get_indexer(pd.Index(uniques, dtype=object))
        out[c] = pd.Categorical.from_codes(np.r_[at, -1][code], dtype=dtype)
    out["strength"] = pd.Categorical.from_codes(
        out["strength"].astype(int), dtype=category_dtype(STRENGTH)
    )
    for c in ("n_studies", "n_participants", "baseline_studies", *DOMAINS):
        if out[c].dtype != "Int64":  # (the rule's domains are already)
            out[c] = pd.to_numeric(out[c], errors="coerce").round().astype("Int64")
    for c in ("estimate", "ci_low", "ci_high", "i2_percent", "scale_min", "scale_max", "mid",
              "baseline_risk", "comparator_mean", "abs_effect", "abs_ci_low",
              "abs_ci_high"):  # fmt: skip
        if out[c].dtype != np.float64:
            out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    for c in ("higher_is_better", "surrogate"):
        out[c] = out[c].astype("boolean")
    for c in ("within_arm", "class_body", "network"):
        out[c] = out[c].astype(bool)
    for c in ("outcome_name", "instrument", "baseline_basis", "statement", "statement_code",
              "footnotes"):  # fmt: skip
        out[c] = out[c].astype("str")  # whatever the rows (none, or no basis at all)
    return out


__all__ = ["COLUMNS", "ESTIMATE_COLUMNS", "KEYS", "NOTE_CODES", "body_items", "compute"]
