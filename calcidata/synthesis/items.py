"""The results of the tables as *items*, each keyed by the body of evidence it belongs to.

An item is one ``evidence`` row or one ``study_outcomes`` row. Its body is one
condition x comparison x outcome definition x timepoint band (x whether it is a
within-arm result); see :mod:`calcidata.synthesis.profile` for the rule. This
module builds the keys, vectorised: text keys (comparator groups, timepoint
bands) are computed once per distinct text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calcidata.analysis.selection import subtree
from calcidata.analysis.strength import design_level, row_strength
from calcidata.errors import ParameterError
from calcidata.schemas.effect_measures import MEASURES
from calcidata.schemas.outcomes import OPEN_OUTCOMES
from calcidata.schemas.vocabularies import REVIEW_DESIGNS, STRENGTH
from calcidata.synthesis._keyed import isin
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
_ARM_PAIRS = (("events_treatment", "events_comparator"), ("n_treatment", "n_comparator"),
              ("mean_treatment", "mean_comparator"), ("sd_treatment", "sd_comparator"))  # fmt: skip
_SWAP_DIRECTION = {
    "favours_treatment": "favours_comparator",
    "favours_comparator": "favours_treatment",
}
_NUMERIC = [a for pair in _ARM_PAIRS for a in pair]


def _by_text(values: pd.Series, fn: Callable[[str | None], object]) -> pd.Series:
    """``fn`` of each value, computed once per distinct value (missing values: ``fn(None)``)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    mapped = np.array([fn(u if isinstance(u, str) else None) for u in uniques] + [fn(None)],
                      dtype=object)  # fmt: skip
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _joined(left: pd.Series, right: pd.Series, sep: str = "__vs__") -> pd.Series:
    """``left + sep + right`` as objects, built once per distinct pair (ids repeat)."""
    a, ua = pd.factorize(left.to_numpy(dtype=object))
    b, ub = pd.factorize(right.to_numpy(dtype=object))
    pair, upair = pd.factorize(a.astype(np.int64) * (len(ub) + 1) + b)
    ua, ub = np.asarray(ua, dtype=object), np.asarray(ub, dtype=object)
    texts = np.array([f"{ua[p // (len(ub) + 1)]}{sep}{ub[p % (len(ub) + 1)]}" for p in upair],
                     dtype=object)  # fmt: skip
    return pd.Series(texts[pair], index=left.index, dtype=object)


def _numbered(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of the values (missing: -1; a bool column: its values), and how many."""
    if values.dtype == bool:
        return values.to_numpy(np.int64), 2
    code, uniques = pd.factorize(values.to_numpy(dtype=object))
    return code, len(uniques)


def _ngroup(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """``frame.groupby(keys, sort=False, dropna=False).ngroup()`` on integer codes."""
    out = np.zeros(len(frame), dtype=np.int64)
    for k in keys:  # any one-to-one numbering of a key's values gives the same groups
        code, n = _numbered(frame[k])
        out = out * (n + 1) + code + 1
    return pd.factorize(out)[0].astype(np.int64)


def _strength(items: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Design level and row strength codes, computed once per distinct design combination."""
    cols = ["certainty", "study_design", "pooled_design", "indirect"]
    key = np.zeros(len(items), dtype=np.int64)
    for c in cols:  # one integer per combination (missing values meet), first seen first
        code, n = _numbered(items[c])
        key = key * (n + 1) + code + 1
    pos, _ = pd.factorize(key)
    first = np.unique(pos, return_index=True)[1]
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


#: Item text columns -> (evidence column, study_outcomes column or None: NaN for arm rows).
_TEXT = {
    "item_id": ("evidence_id", "study_outcome_id"), "row_condition": ("condition_id",) * 2,
    "treatment_id": ("treatment_id",) * 2, "comparator_text": ("comparator",) * 2,
    "comparator_id": ("comparator_id",) * 2, "outcome": ("outcome",) * 2,
    "outcome_domain": ("outcome_domain",) * 2, "outcome_id": ("outcome_id",) * 2,
    "timepoint_text": ("timepoint",) * 2, "effect_measure": ("effect_measure", None),
    "source_id": ("source_id",) * 2, "study_id": ("source_id", "study_id"),
    "study_design": ("study_design", None), "pooled_design": ("pooled_design", None),
    "certainty": ("certainty", None), "certainty_reasons": ("certainty_reasons", None),
    "indirect": ("", ""), "direction": ("direction", None), "risk_of_bias": ("risk_of_bias", None),
    "i2_percent": ("", ""), "publication_bias": ("publication_bias", None),
    "interval_kind": ("interval_kind", None),
}  # fmt: skip
#: Text columns whose values are nearly all distinct: converted directly, not per value.
_DISTINCT = ("evidence_id", "study_outcome_id", "outcome", "source_id", "study_id")


def _objects(values: pd.Series, distinct: bool = False) -> np.ndarray:
    """Values as an object array (``None`` for missing).

    Converted once per distinct value, unless ``distinct`` (ids: converting each value is
    faster than finding the distinct ones).
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    elif distinct:
        # pandas takes None as the missing value; its stubs do not.
        out: np.ndarray = values.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
        return out
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = np.empty(len(uniques) + 1, dtype=object)
    lookup[:-1] = np.asarray(uniques, dtype=object)
    lookup[-1] = None
    return lookup[codes]


def _by_source(tables: Tables, column: str) -> dict[object, object]:
    """``source_id`` -> the sources' ``column`` (ids as objects: iterating Arrow text is slow)."""
    ids, values = tables.sources["source_id"].to_numpy(dtype=object), tables.sources[column]
    text = isinstance(values.dtype, pd.StringDtype)
    return dict(zip(ids, values.to_numpy(dtype=object) if text else list(values), strict=True))


def _frame(tables: Tables) -> pd.DataFrame:
    """Evidence and study_outcomes rows in one frame, with their raw keys.

    Built column by column (evidence rows, then arm rows) from arrays: one frame, no concat.
    """
    ev, so = tables.evidence, tables.study_outcomes
    ne, na = len(ev), len(so)
    design = _by_source(tables, "design")

    def num(f: pd.DataFrame, c: str) -> np.ndarray:
        return pd.to_numeric(f[c], errors="coerce").astype(float).to_numpy()

    def flag(c: str) -> np.ndarray:
        return np.concatenate(
            [ev[c].astype("boolean").fillna(False).to_numpy(bool), np.zeros(na, bool)]
        )

    scode, sids = pd.factorize(so["study_id"].to_numpy(dtype=object), use_na_sentinel=True)
    sdesign = pd.Series(np.r_[np.asarray([design.get(x) for x in sids], dtype=object), None][scode])
    sdesign = so["study_design"].astype(object).where(so["study_design"].notna(), sdesign)
    dich = _objects(so["data_type"]) == "dichotomous"
    arm_text = {"effect_measure": np.where(dich, "RR", "MD").astype(object),
                "study_design": _objects(sdesign)}  # fmt: skip
    cols: dict[str, pd.Series] = {}
    for name, (ce, ca) in _TEXT.items():
        if name in ("indirect", "i2_percent"):
            continue
        if ca and ev[ce].dtype == so[ca].dtype:  # one conversion of both tables' values
            both = pd.concat([ev[ce], so[ca]], ignore_index=True)
            cols[name] = pd.Series(_objects(both, ce in _DISTINCT), dtype=object)
            continue
        e = _objects(ev[ce], ce in _DISTINCT)
        a = _objects(so[ca], ca in _DISTINCT) if ca else arm_text.get(name, np.full(na, np.nan))
        cols[name] = pd.Series(np.concatenate([e, a]), dtype=object)
    cols["indirect"], cols["network"] = pd.Series(flag("indirect")), pd.Series(flag("network"))
    cols["i2_percent"] = pd.Series(np.r_[ev["i2_percent"].astype(float).to_numpy(), [np.nan] * na])
    cols["kind"] = pd.Series(np.repeat(np.array(["evidence", "arms"], dtype=object), [ne, na]),
                             dtype="str")  # fmt: skip
    arms = {c: num(so, c) for c in _NUMERIC}
    for c in ("control_risk", "estimate", "ci_low", "ci_high"):
        cols[c] = pd.Series(np.r_[num(ev, c), np.full(na, np.nan)])
    cols["n_studies"] = pd.Series(np.r_[ev["n_studies"].astype(float).to_numpy(), np.ones(na)])
    n_arms = arms["n_treatment"] + arms["n_comparator"]
    cols["n_participants"] = pd.Series(np.r_[ev["n_participants"].astype(float).to_numpy(), n_arms])
    for c in _NUMERIC:
        cols[c] = pd.Series(np.r_[np.full(ne, np.nan), arms[c]])
    events = arms["events_treatment"] + arms["events_comparator"]
    cols["events"] = pd.Series(np.r_[np.full(ne, np.nan), np.where(dich, events, np.nan)])
    order = ["item_id", "kind", *list(_TEXT)[1:], "network", "control_risk", "estimate", "ci_low",
             "ci_high", "n_studies", "n_participants", *_NUMERIC, "events"]  # fmt: skip
    return pd.DataFrame({c: cols[c] for c in order}, copy=False)  # columns kept, not stacked


def _align(items: pd.DataFrame) -> pd.DataFrame:
    """Reverse comparisons (B vs A beside A vs B) turned round: effect inverted, arms swapped.

    Pairs are counted on integer keys (condition x treatment x comparator, over one
    vocabulary of ids, so that A vs B and B vs A meet); only the changed columns are
    rebuilt.
    """
    both = (items["comparator_id"].notna() & ~items["within_arm"].astype(bool)).to_numpy()
    if not both.any():
        return items.assign(reversed=False)
    t = items["treatment_id"].to_numpy(dtype=object)
    c = items["comparator_id"].to_numpy(dtype=object)
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
    flip = (n_fwd < n_rev) | ((n_fwd == n_rev) & (t[both] > c[both]).astype(bool))
    m = np.zeros(len(items), dtype=bool)
    m[np.flatnonzero(both)[flip]] = True
    if not m.any():
        return items.assign(reversed=False)
    comp = np.where(m, t, c)
    comp[pd.isna(comp)] = None  # missing stays None, as elsewhere in the items
    new: dict[str, np.ndarray | pd.Series] = {
        "treatment_id": np.where(m, c, t),
        "comparator_id": comp,
        "comparator_text": np.where(m, t, items["comparator_text"].to_numpy(dtype=object)),
        "comparator": np.where(m, t, items["comparator"].to_numpy(dtype=object)),
    }
    for a, b in _ARM_PAIRS:
        va, vb = items[a].to_numpy(float), items[b].to_numpy(float)
        new[a], new[b] = np.where(m, vb, va), np.where(m, va, vb)
    measure = items["effect_measure"]
    ratio = m & measure.isin([k for k, v in MEASURES.items() if v.kind == "ratio"]).to_numpy()
    diff = m & measure.isin([k for k, v in MEASURES.items() if v.kind == "difference"]).to_numpy()
    lo, hi = items["ci_low"].to_numpy(float).copy(), items["ci_high"].to_numpy(float).copy()
    est = items["estimate"].to_numpy(float).copy()
    with np.errstate(divide="ignore"):
        est[ratio], lo[ratio], hi[ratio] = 1 / est[ratio], 1 / hi[ratio], 1 / lo[ratio]
    est[diff], lo[diff], hi[diff] = -est[diff], -hi[diff], -lo[diff]
    direction = items["direction"].astype(object)
    code, uniques = pd.factorize(direction.to_numpy(dtype=object))  # once per distinct value
    turned = np.asarray([_SWAP_DIRECTION.get(d, d) for d in uniques] + [None], dtype=object)
    swapped = np.where(code < 0, direction.to_numpy(dtype=object), turned[code])
    new |= {
        "estimate": est,
        "ci_low": lo,
        "ci_high": hi,
        "direction": np.where(m, swapped, direction.to_numpy(dtype=object)),
        "reversed": m,
    }
    for k, v in new.items():  # object columns stay objects (not inferred as strings)
        if v.dtype == object:
            new[k] = pd.Series(v, index=items.index, dtype=object)
    return items.assign(**new)  # fmt: skip


def _constituents(items: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """Trials a review of the same question includes join the review's body, marked ``in_review``.

    The review's treatment may be broader (an ancestor in the treatment hierarchy):
    a trial of a narrower treatment that the review includes is the same evidence.
    """
    links = tables.review_studies[["review_id", "study_id"]].astype(str).drop_duplicates()
    none = pd.Series(pd.NA, index=items.index, dtype=object)
    if links.empty:
        return items.assign(in_review=none)
    keys = ["condition_id", "outcome_key", "timepoint"]
    in_review = isin(items["study_design"], REVIEW_DESIGNS)  # each design tested once
    review = in_review & ~items["within_arm"].to_numpy(bool)
    # rows filtered after their columns are chosen: the frame is wide
    r = items.loc[review, [*keys, "source_id", "treatment_id", "comparison_id", "comp_key"]].rename(
        columns={"source_id": "review_id", "treatment_id": "r_treatment",
                 "comparison_id": "r_comparison", "comp_key": "r_comp_key"}
    ).drop_duplicates()  # fmt: skip
    r = r.merge(links, on="review_id")
    trial = ~in_review & ~items["within_arm"].to_numpy(bool)
    trial &= items["study_id"].isin(r["study_id"]).to_numpy()  # only trials a review lists
    t = items.loc[trial, [*keys, "study_id", "treatment_id", "comp_key"]].reset_index()
    m = t.merge(r, on=[*keys, "study_id"])
    if m.empty:
        return items.assign(in_review=none)
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
        new[col] = pd.Series(column, index=items.index, dtype=object)
    return items.assign(**new)


def body_items(tables: Tables, condition_id: str | None = None) -> pd.DataFrame:
    """Every result of the tables as one item, keyed by body (:data:`BODY_KEYS`).

    Items carry their effect (``yi``, ``vi``) and the copies class bodies gather
    (:mod:`calcidata.synthesis.classes`; ``lifted``, ``agent_id``, ``agent_comp``).

    With ``condition_id``, only results about it or a narrower condition, all
    under its id; without, each result keeps its condition.
    """
    parents = parents_of(tables.conditions, "condition_id")
    items = _frame(tables)
    if condition_id is not None:
        if condition_id not in parents:
            raise ParameterError(f"unknown condition_id {condition_id!r}")
        items = items[items["row_condition"].isin(subtree(tables, condition_id))]
        items = items.reset_index(drop=True)
    depths = {c: depth(parents, c) for c in items["row_condition"].unique()}
    year = _by_source(tables, "year")
    group = _by_text(items["comparator_text"], comparator_group)
    lookup = _treatment_lookup(tables.treatments)
    guessed = _by_text(items["comparator_text"], lambda x: lookup.get(_normalised(x)))
    within = items["effect_measure"].isin(
        [k for k, m in MEASURES.items() if m.kind == "within_arm"]
    )
    level, strength = _strength(items)
    items = items.assign(
        condition_id=condition_id if condition_id is not None else items["row_condition"],
        comparator_id=items["comparator_id"].where(items["comparator_id"].notna(), guessed),
        comparator=group,
        timepoint=_by_text(items["timepoint_text"], timepoint_band),
        within_arm=within | group.eq("no comparison group"),
        depth=_by_text(items["row_condition"], depths.get).to_numpy(np.int64),
        year=_by_text(items["source_id"], lambda s: year.get(s, np.nan)),
        order=np.arange(len(items)),
        level=level,
        strength_code=strength,
    )
    items.loc[items["comparator"].isin(CONTROL_GROUPS), "comparator_id"] = None
    items = _align(items)
    oid = items["outcome_id"]
    open_id = oid.isin(OPEN_OUTCOMES)  # each row says which definition
    by_text = oid.isna() | open_id  # the outcome text is needed only here
    text_key = _by_text(items.loc[by_text, "outcome"], lambda x: "text:" + _normalised(x))
    outcome_key = oid.astype(object).copy()
    outcome_key[by_text] = np.where(open_id[by_text], oid[by_text] + "|" + text_key, text_key)
    comp = items["comparator_id"].where(
        items["comparator_id"].notna(), _by_text(items["comparator"], _slug)
    )
    items = items.assign(
        outcome_key=outcome_key,
        comp_key=comp.astype(object),
        comparison_id=_joined(items["treatment_id"], comp),
    )
    items = study_effects(items).assign(
        lifted=False, comp_lifted=False, agent_id=items["treatment_id"],
        agent_comp=items["comp_key"],
    )  # fmt: skip
    copies = oriented(lift(items, tables.treatments), _align)
    if not copies.empty:
        items = pd.concat([items, copies], ignore_index=True)
    items = _constituents(items, tables)
    items["body_id"] = _ngroup(items, BODY_KEYS)
    if not copies.empty:  # a copy never sits beside its own result in one body
        lifted = items["lifted"].to_numpy(bool)
        near = items["item_id"].isin(items["item_id"][lifted]).to_numpy()  # a copy's item ids
        twin = np.zeros(len(items), dtype=bool)
        twin[near] = items.loc[near, ["body_id", "item_id"]].duplicated().to_numpy() & lifted[near]
        if twin.any():
            items = items[~twin].reset_index(drop=True)
    return items


__all__ = ["BODY_KEYS", "CONTROL_GROUPS", "body_items"]
