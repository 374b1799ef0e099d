"""The results of the tables as *items*, each keyed by the body of evidence it belongs to.

An item is one ``evidence`` row or one ``study_outcomes`` row. Its body is one
condition x comparison x outcome definition x timepoint band (x whether it is a
within-arm result); see :mod:`calcidata.synthesis.profile` for the rule. This
module builds the keys, vectorised: text keys (comparator groups, timepoint
bands) are computed once per distinct text, on the integer codes the rows were
read with (:mod:`calcidata.synthesis._item_rows`); the keys the items are
grouped on (question, study, comparison) stay codes through the class copies
and the reviews' constituents.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calcidata.analysis.selection import subtree
from calcidata.analysis.strength import design_level, row_strength
from calcidata.errors import ParameterError
from calcidata.schemas.effect_measures import MEASURES
from calcidata.schemas.effect_measures import codes as measures_where
from calcidata.schemas.outcomes import OPEN_OUTCOMES
from calcidata.schemas.vocabularies import REVIEW_DESIGNS, STRENGTH
from calcidata.synthesis._item_rows import ARM_PAIRS, Coded, by_source, encoded, rows
from calcidata.synthesis._keyed import combined
from calcidata.synthesis.bodies import INACTIVE_GROUPS, comparator_group, timepoint_band
from calcidata.synthesis.classes import lift, oriented
from calcidata.synthesis.estimate import study_effects
from calcidata.tables.hierarchy import depth, descendants, parents_of

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

#: Keys of a body of evidence.
BODY_KEYS = ["condition_id", "comparison_id", "outcome_key", "timepoint", "within_arm"]
#: Comparator groups that are never the intervention of a comparison (aligned as comparator).
CONTROL_GROUPS = (*INACTIVE_GROUPS, "no comparison group")
_SWAP_DIRECTION = {
    "favours_treatment": "favours_comparator",
    "favours_comparator": "favours_treatment",
}


def _outcome_keys(outcome: pd.Series, outcome_id: Coded) -> tuple[pd.Series, np.ndarray]:
    """Each item's outcome definition (``outcome_key``), as text and as codes.

    The outcome id; without one, the normalised outcome text (``text:...``); for an open
    outcome id, both (``id|text:...``). Texts are normalised once per distinct text.
    """
    open_id = outcome_id.test(OPEN_OUTCOMES.__contains__)  # each row says which definition
    by_text = (outcome_id.codes < 0) | open_id  # the outcome text is needed only here
    code, distinct = pd.factorize(outcome.to_numpy(dtype=object)[by_text])
    text = Coded(code, np.asarray(distinct, dtype=object)).recoded(
        lambda x: "text:" + _normalised(x)
    )
    # the pair (id or -1, text or -1) of each row, an id|text joined once per distinct pair
    oid = np.where(open_id | ~by_text, outcome_id.codes, -1)
    tid = np.full(len(oid), -1, dtype=np.int64)
    tid[by_text] = text.codes
    key = combined([oid, tid])
    first = np.flatnonzero(~pd.Series(key, copy=False).duplicated().to_numpy())  # key order
    ids, texts = (
        Coded(oid[first], outcome_id.words).values(),
        Coded(tid[first], text.words).values(),
    )
    out = np.where(tid[first] < 0, ids, texts)
    both = np.flatnonzero((oid[first] >= 0) & (tid[first] >= 0))  # an open id and its text
    out[both] = [f"{a}|{b}" for a, b in zip(ids[both], texts[both], strict=True)]
    keys = pd.Series(out[key], dtype=object, copy=False)
    if any(w.startswith("text:") or "|" in w for w in outcome_id.words):
        return keys, encoded(keys).codes  # ids that read like texts: the texts decide
    return keys, key


def _joined(
    left: pd.Series, right: pd.Series, sep: str = "__vs__"
) -> tuple[pd.Series, Coded, Coded, Coded]:
    """``left + sep + right`` as objects, built once per distinct pair (ids repeat).

    With the codes of ``left``, of ``right`` and of the joined text.
    """
    a, ua = pd.factorize(left.to_numpy(dtype=object))
    b, ub = pd.factorize(right.to_numpy(dtype=object))
    pair, upair = pd.factorize(a.astype(np.int64) * (len(ub) + 1) + b)
    ua, ub = np.asarray(ua, dtype=object), np.asarray(ub, dtype=object)
    texts = np.array([f"{ua[p // (len(ub) + 1)]}{sep}{ub[p % (len(ub) + 1)]}" for p in upair],
                     dtype=object)  # fmt: skip
    joined = pd.Series(texts[pair], index=left.index, dtype=object, copy=False)
    text_code, distinct = pd.factorize(texts)  # two pairs could join to one text
    coded = Coded(text_code.astype(np.int64)[pair], np.asarray(distinct, dtype=object))
    return joined, Coded(a.astype(np.int64), ua), Coded(b.astype(np.int64), ub), coded


def _strength(items: pd.DataFrame, coded: dict[str, Coded]) -> tuple[np.ndarray, np.ndarray]:
    """Design level and row strength codes, computed once per distinct design combination."""
    cols = ["certainty", "study_design", "pooled_design", "indirect"]  # indirect: a flag
    # one integer per combination (missing values meet), first seen first
    pos = combined([coded[c].codes if c in coded else items[c].to_numpy(np.int64) for c in cols])
    first = np.flatnonzero(~pd.Series(pos, copy=False).duplicated().to_numpy())  # pos order
    uniq = items[cols].iloc[first].astype(object)
    back = uniq.where(uniq.notna(), None)
    level = design_level(back).map(STRENGTH.index).to_numpy(int)
    strength = row_strength(back).cat.codes.to_numpy(int)
    return level[pos], strength[pos]


def _slug(text: object) -> str:
    clean = str(text).lower() if isinstance(text, str) else ""
    return re.sub(r"[^a-z0-9]+", "_", clean).strip("_") or "not_reported"


def _normalised(text: object) -> str:
    return " ".join(str(text).lower().split()) if isinstance(text, str) else ""


def _treatment_lookup(treatments: pd.DataFrame) -> dict[str, str]:
    """Lower-cased id, name and synonyms of each treatment -> its id (first wins)."""
    out: dict[str, str] = {}
    for tid, name, syn in zip(
        treatments["treatment_id"].astype(str),
        treatments["name"].astype(object),
        treatments["synonyms"].astype(object),
        strict=True,
    ):
        words = [tid, tid.replace("_", " "), name]
        words += str(syn).split(";") if isinstance(syn, str) else []
        for w in words:
            if isinstance(w, str) and w.strip():
                out.setdefault(_normalised(w), tid)
    return out


def _align(items: pd.DataFrame) -> pd.DataFrame:
    """Reverse comparisons (B vs A beside A vs B) turned round: effect inverted, arms swapped.

    Pairs are counted on integer keys (condition x treatment x comparator, over one
    vocabulary of ids, so that A vs B and B vs A meet); only the changed columns are
    rebuilt.
    """
    t = items["treatment_id"].to_numpy(dtype=object)
    c = items["comparator_id"].to_numpy(dtype=object)
    c_missing = pd.isna(c)
    both = ~c_missing & ~items["within_arm"].to_numpy(bool)
    if not both.any():
        return items.assign(reversed=False)
    nb = int(both.sum())
    codes, vocab = pd.factorize(np.concatenate([t[both], c[both]]))
    n = np.int64(len(vocab) + 1)
    cond, _ = pd.factorize(items["condition_id"].to_numpy(dtype=object)[both])
    tc, cc = codes[:nb].astype(np.int64), codes[nb:].astype(np.int64)
    fwd, rev = (cond * n + tc) * n + cc, (cond * n + cc) * n + tc
    uniq, counts = np.unique(fwd, return_counts=True)
    n_fwd = counts[np.searchsorted(uniq, fwd)]
    at = np.minimum(np.searchsorted(uniq, rev), len(uniq) - 1)
    n_rev = np.where(uniq[at] == rev, counts[at], 0)
    flip = n_fwd < n_rev
    tie = np.flatnonzero(n_fwd == n_rev)  # as many each way: the ids' order decides
    flip[tie] = (t[both][tie] > c[both][tie]).astype(bool)
    m = np.zeros(len(items), dtype=bool)
    m[np.flatnonzero(both)[flip]] = True
    if not m.any():
        return items.assign(reversed=False)
    comp = np.where(m, t, c)
    c_missing[m] = pd.isna(t[m])
    comp[c_missing] = None  # missing stays None, as elsewhere in the items
    new: dict[str, np.ndarray | pd.Series] = {
        "treatment_id": np.where(m, c, t),
        "comparator_id": comp,
        "comparator_text": np.where(m, t, items["comparator_text"].to_numpy(dtype=object)),
        "comparator": np.where(m, t, items["comparator"].to_numpy(dtype=object)),
    }
    for a, b in ARM_PAIRS:
        va, vb = items[a].to_numpy(float), items[b].to_numpy(float)
        new[a], new[b] = np.where(m, vb, va), np.where(m, va, vb)
    # only the turned rows change: their measure kind and direction looked up one by one
    at = np.flatnonzero(m)
    kind = [MEASURES[x].kind if x in MEASURES else None for x in items["effect_measure"].iloc[at]]
    ratio, diff = np.zeros(len(items), bool), np.zeros(len(items), bool)
    ratio[at] = np.array([k == "ratio" for k in kind], dtype=bool)
    diff[at] = np.array([k == "difference" for k in kind], dtype=bool)
    lo, hi = items["ci_low"].to_numpy(float).copy(), items["ci_high"].to_numpy(float).copy()
    est = items["estimate"].to_numpy(float).copy()
    with np.errstate(divide="ignore"):
        est[ratio], lo[ratio], hi[ratio] = 1 / est[ratio], 1 / hi[ratio], 1 / lo[ratio]
    est[diff], lo[diff], hi[diff] = -est[diff], -hi[diff], -lo[diff]
    direction = items["direction"].to_numpy(dtype=object).copy()
    direction[at] = [_SWAP_DIRECTION.get(d, d) if isinstance(d, str) else d for d in direction[at]]
    new |= {"estimate": est, "ci_low": lo, "ci_high": hi, "direction": direction, "reversed": m}
    for k, v in new.items():  # object columns stay objects (not inferred as strings)
        if v.dtype == object:
            new[k] = pd.Series(v, index=items.index, dtype=object, copy=False)
    return items.assign(**new)  # fmt: skip


def _constituents(
    items: pd.DataFrame,
    tables: Tables,
    question: np.ndarray,
    study: Coded,
    design: Coded,
    comparison: Coded,
) -> tuple[pd.DataFrame, Coded]:
    """Trials a review of the same question includes join the review's body, marked ``in_review``.

    The review's treatment may be broader (an ancestor in the treatment hierarchy):
    a trial of a narrower treatment that the review includes is the same evidence.
    ``question`` codes each item's condition x outcome definition x timepoint band,
    ``study`` its ``study_id``, ``design`` its ``study_design``, ``comparison`` its
    ``comparison_id``: returned with the items, as the constituents changed it.
    """
    links = tables.review_studies[["review_id", "study_id"]].astype(str).drop_duplicates()
    none = pd.Series(pd.NA, index=items.index, dtype=object)
    if links.empty:
        return items.assign(in_review=none), comparison
    in_review = design.test(REVIEW_DESIGNS.__contains__)  # each design once
    review = in_review & ~items["within_arm"].to_numpy(bool)

    def cols(rows: np.ndarray, names: dict[str, str]) -> dict[str, pd.Series]:
        return {  # object columns stay objects (not inferred as strings)
            k: pd.Series(items[c].to_numpy(dtype=object)[rows], dtype=object, copy=False)
            for k, c in names.items()
        }

    r = pd.DataFrame({"q": question[review], "r_code": comparison.codes[review], **cols(review, {
        "review_id": "source_id", "r_treatment": "treatment_id",
        "r_comparison": "comparison_id", "r_comp_key": "comp_key"})}).drop_duplicates()  # fmt: skip
    r = r.merge(links, on="review_id")
    r_study, listed = pd.factorize(r["study_id"])  # each item's study among those listed
    listed_at = np.r_[pd.Index(listed).get_indexer(study.words), -1][study.codes]
    r = r.assign(study=r_study)
    trial = ~in_review & ~items["within_arm"].to_numpy(bool) & (listed_at >= 0)
    at = np.flatnonzero(trial)
    trials = cols(at, {"treatment_id": "treatment_id", "comp_key": "comp_key"})
    t = pd.DataFrame({"index": at, "q": question[at], "study": listed_at[at], **trials})
    m = t.merge(r, on=["q", "study"])
    if m.empty:
        return items.assign(in_review=none), comparison
    parents = parents_of(tables.treatments, "treatment_id")
    below = {x: set(descendants(parents, x)) | {x} for x in m["r_treatment"].unique()}
    same = [tr in below[rt] for tr, rt in zip(m["treatment_id"], m["r_treatment"], strict=True)]
    m = m[np.asarray(same, dtype=bool) & (m["comp_key"] == m["r_comp_key"]).to_numpy()]
    m = m.drop_duplicates("index").set_index("index")
    at = items.index.get_indexer(m.index)
    new = {}  # whole columns replaced: no copy of the frame's other columns
    for col, value, base in (("in_review", "review_id", none), ("treatment_id", "r_treatment",
                             None), ("comparison_id", "r_comparison", None)):  # fmt: skip
        column = (items[col] if base is None else base).to_numpy(dtype=object).copy()
        column[at] = m[value].to_numpy(dtype=object)
        new[col] = pd.Series(column, index=items.index, dtype=object, copy=False)
    codes = comparison.codes.copy()
    codes[at] = m["r_code"].to_numpy()
    return items.assign(**new), Coded(codes, comparison.words)


def body_items(tables: Tables, condition_id: str | None = None) -> pd.DataFrame:
    """Every result of the tables as one item, keyed by body (:data:`BODY_KEYS`).

    Items carry their effect (``yi``, ``vi``) and the copies class bodies gather
    (:mod:`calcidata.synthesis.classes`; ``lifted``, ``agent_id``, ``agent_comp``).

    With ``condition_id``, only results about it or a narrower condition, all
    under its id; without, each result keeps its condition.
    """
    parents = parents_of(tables.conditions, "condition_id")
    items, coded = rows(tables)
    if condition_id is not None:
        if condition_id not in parents:
            raise ParameterError(f"unknown condition_id {condition_id!r}")
        wanted = set(subtree(tables, condition_id))
        keep = coded["row_condition"].test(wanted.__contains__)
        items = items[keep].reset_index(drop=True)
        coded = {k: v.take(keep) for k, v in coded.items()}
    cond = coded["row_condition"]
    depths = {c: depth(parents, c) for c in cond.words}
    year = by_source(tables, "year")
    group = coded["comparator_text"].recoded(comparator_group)
    lookup = _treatment_lookup(tables.treatments)
    guessed = coded["comparator_text"].map(lambda x: lookup.get(_normalised(x)))
    within_measures = set(measures_where(kind="within_arm"))
    no_group = group.test(lambda g: g == "no comparison group")
    within = coded["effect_measure"].test(within_measures.__contains__) | no_group
    comparator_id = np.where(coded["comparator_id"].codes >= 0, coded["comparator_id"].values(),
                             guessed)  # fmt: skip
    comparator_id[group.test(lambda g: g in CONTROL_GROUPS)] = None
    timepoint = coded["timepoint_text"].recoded(timepoint_band)
    level, strength = _strength(items, coded)

    def objects(values: np.ndarray) -> pd.Series:  # object columns stay objects
        return pd.Series(values, dtype=object, copy=False)

    items = items.assign(
        condition_id=condition_id if condition_id is not None else items["row_condition"],
        comparator_id=objects(comparator_id),
        comparator=objects(group.values()),
        timepoint=objects(timepoint.values()),
        within_arm=within,
        depth=cond.map(depths.get).astype(np.int64),
        year=objects(coded["source_id"].map(lambda s: year.get(s, np.nan))),
        order=np.arange(len(items)),
        level=level,
        strength_code=strength,
    )
    items = _align(items)
    outcome_key, outcome_code = _outcome_keys(items["outcome"], coded["outcome_id"])
    slug = group.map(_slug)  # each comparator group's slug, but turned rows' comparator
    turned = np.flatnonzero(items["reversed"].to_numpy(bool))
    slug[turned] = [_slug(x) for x in items["comparator"].to_numpy(dtype=object)[turned]]
    cid = items["comparator_id"].to_numpy(dtype=object)
    comp = pd.Series(np.where(pd.notna(cid), cid, slug), dtype=object, copy=False)
    comparison_id, agent, agent_comp, comparison = _joined(items["treatment_id"], comp)
    items = items.assign(
        outcome_key=outcome_key, comp_key=comp.astype(object), comparison_id=comparison_id
    )
    items = study_effects(items).assign(
        lifted=False, comp_lifted=False, agent_id=items["treatment_id"],
        agent_comp=items["comp_key"],
    )  # fmt: skip
    # condition x outcome definition x timepoint band, and the study, as codes
    keys = [cond.codes if condition_id is None else np.zeros(len(items), np.int64),
            outcome_code, timepoint.codes]  # fmt: skip
    question = combined(keys)
    complete = np.logical_and.reduce([k >= 0 for k in keys])
    study, design = coded["study_id"], coded["study_design"]
    copies = oriented(
        lift(items, tables.treatments, np.where(complete, question, -1), study.codes,
             (agent, agent_comp), (design, coded["effect_measure"])),
        _align,
    )  # fmt: skip
    if not copies.empty:  # the copies' index: the rows they copy
        at = copies.index.to_numpy()
        items = pd.concat([items, copies], ignore_index=True)
        question = np.concatenate([question, question[at]])
        study, design = (
            Coded(np.concatenate([k.codes, k.codes[at]]), k.words) for k in (study, design)
        )
        comparison = comparison.extended(copies["comparison_id"].to_numpy(dtype=object))
    items, comparison = _constituents(items, tables, question, study, design, comparison)
    body = [question, comparison.codes, items["within_arm"].to_numpy(np.int64)]
    items["body_id"] = combined(body)
    if not copies.empty:  # a copy never sits beside its own result in one body
        lifted = items["lifted"].to_numpy(bool)
        near = items["item_id"].isin(items["item_id"][lifted]).to_numpy()  # a copy's item ids
        twin = np.zeros(len(items), dtype=bool)
        twin[near] = items.loc[near, ["body_id", "item_id"]].duplicated().to_numpy() & lifted[near]
        if twin.any():
            items = items[~twin].reset_index(drop=True)
    return items


__all__ = ["BODY_KEYS", "CONTROL_GROUPS", "body_items"]
