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
from calcidata.synthesis.bodies import comparator_group, timepoint_band
from calcidata.synthesis.classes import lift, oriented
from calcidata.synthesis.estimate import study_effects
from calcidata.tables.hierarchy import depth, descendants, parents_of

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

#: Keys of a body of evidence.
BODY_KEYS = ["condition_id", "comparison_id", "outcome_key", "timepoint", "within_arm"]
#: Comparator groups that are never the intervention of a comparison (aligned as comparator).
CONTROL_GROUPS = ("placebo or sham", "no treatment or usual care", "no comparison group")
_ARM_PAIRS = (
    ("events_treatment", "events_comparator"),
    ("n_treatment", "n_comparator"),
    ("mean_treatment", "mean_comparator"),
    ("sd_treatment", "sd_comparator"),
)
_SWAP_DIRECTION = {
    "favours_treatment": "favours_comparator",
    "favours_comparator": "favours_treatment",
}
_NUMERIC = [a for pair in _ARM_PAIRS for a in pair]


def _obj(values: object) -> pd.Series:
    """Values as a plain object Series (``None`` for missing): fast to group and join.

    Converted once per distinct value (text columns repeat their values).
    """
    series = pd.Series(values)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.empty(len(uniques) + 1, dtype=object)
    lookup[:-1] = np.asarray(uniques, dtype=object)
    lookup[-1] = None
    return pd.Series(lookup[codes], index=series.index, dtype=object)


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


def _strength(items: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Design level and row strength codes, computed once per distinct design combination."""
    cols = ["certainty", "study_design", "pooled_design", "indirect"]
    keys = items[cols].astype(object).fillna("\0")
    uniq = keys.drop_duplicates()
    back = uniq.replace("\0", None)
    level = design_level(back).map(STRENGTH.index).to_numpy(int)
    strength = row_strength(back).cat.codes.to_numpy(int)
    pos = pd.MultiIndex.from_frame(uniq).get_indexer(pd.MultiIndex.from_frame(keys))
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


def _frame(tables: Tables) -> pd.DataFrame:
    """Evidence and study_outcomes rows in one frame, with their raw keys."""
    ev, so = tables.evidence, tables.study_outcomes
    design = dict(zip(tables.sources["source_id"], tables.sources["design"], strict=True))

    def num(f: pd.DataFrame, c: str) -> pd.Series[float]:
        return pd.to_numeric(f[c], errors="coerce").astype(float)

    e = pd.DataFrame(
        {
            "item_id": _obj(ev["evidence_id"]),
            "kind": np.full(len(ev), "evidence", dtype=object),
            "row_condition": _obj(ev["condition_id"]),
            "treatment_id": _obj(ev["treatment_id"]),
            "comparator_text": _obj(ev["comparator"]),
            "comparator_id": _obj(ev["comparator_id"]),
            "outcome": _obj(ev["outcome"]),
            "outcome_domain": _obj(ev["outcome_domain"]),
            "outcome_id": _obj(ev["outcome_id"]),
            "timepoint_text": _obj(ev["timepoint"]),
            "effect_measure": _obj(ev["effect_measure"]),
            "source_id": _obj(ev["source_id"]),
            "study_id": _obj(ev["source_id"]),
            "study_design": _obj(ev["study_design"]),
            "pooled_design": _obj(ev["pooled_design"]),
            "certainty": _obj(ev["certainty"]),
            "certainty_reasons": _obj(ev["certainty_reasons"]),
            "indirect": ev["indirect"].astype("boolean").fillna(False).astype(bool),
            "direction": _obj(ev["direction"]),
            "risk_of_bias": _obj(ev["risk_of_bias"]),
            "i2_percent": ev["i2_percent"].astype(float),
            "publication_bias": _obj(ev["publication_bias"]),
            "interval_kind": _obj(ev["interval_kind"]),
            "network": ev["network"].astype("boolean").fillna(False).astype(bool),
            "control_risk": num(ev, "control_risk"),
            "estimate": num(ev, "estimate"),
            "ci_low": num(ev, "ci_low"),
            "ci_high": num(ev, "ci_high"),
            "n_studies": ev["n_studies"].astype(float),
            "n_participants": ev["n_participants"].astype(float),
        }
    )
    arms = {c: num(so, c) for c in _NUMERIC}
    dich = _obj(so["data_type"]).eq("dichotomous").to_numpy()
    sdesign = (
        so["study_design"]
        .astype(object)
        .where(so["study_design"].notna(), so["study_id"].map(design))
    )
    a = pd.DataFrame(
        {
            "item_id": _obj(so["study_outcome_id"]),
            "kind": np.full(len(so), "arms", dtype=object),
            "row_condition": _obj(so["condition_id"]),
            "treatment_id": _obj(so["treatment_id"]),
            "comparator_text": _obj(so["comparator"]),
            "comparator_id": _obj(so["comparator_id"]),
            "outcome": _obj(so["outcome"]),
            "outcome_domain": _obj(so["outcome_domain"]),
            "outcome_id": _obj(so["outcome_id"]),
            "timepoint_text": _obj(so["timepoint"]),
            "effect_measure": np.where(dich, "RR", "MD"),
            "source_id": _obj(so["source_id"]),
            "study_id": _obj(so["study_id"]),
            "study_design": _obj(sdesign),
            "indirect": False,
            "network": False,
            "n_studies": 1.0,
            "n_participants": arms["n_treatment"] + arms["n_comparator"],
            **arms,
        }
    )
    out = pd.concat([e, a], ignore_index=True)
    out["events"] = np.where(
        out["kind"].eq("arms") & out["effect_measure"].eq("RR"),
        out["events_treatment"] + out["events_comparator"],
        np.nan,
    )
    return out


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
    kind = items["effect_measure"].map({k: v.kind for k, v in MEASURES.items()}).to_numpy()
    ratio, diff = m & (kind == "ratio"), m & (kind == "difference")
    lo, hi = items["ci_low"].to_numpy(float).copy(), items["ci_high"].to_numpy(float).copy()
    est = items["estimate"].to_numpy(float).copy()
    with np.errstate(divide="ignore"):
        est[ratio], lo[ratio], hi[ratio] = 1 / est[ratio], 1 / hi[ratio], 1 / lo[ratio]
    est[diff], lo[diff], hi[diff] = -est[diff], -hi[diff], -lo[diff]
    direction = items["direction"].astype(object)
    swapped = direction.map(lambda d: _SWAP_DIRECTION.get(d, d)).to_numpy(dtype=object)
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
    items = items.assign(in_review=pd.Series(pd.NA, index=items.index, dtype=object))
    if links.empty:
        return items
    reviews = items[items["study_design"].isin(REVIEW_DESIGNS) & ~items["within_arm"]]
    keys = ["condition_id", "outcome_key", "timepoint"]
    r = reviews[[*keys, "source_id", "treatment_id", "comparison_id", "comp_key"]].rename(
        columns={"source_id": "review_id", "treatment_id": "r_treatment",
                 "comparison_id": "r_comparison", "comp_key": "r_comp_key"}
    ).drop_duplicates()  # fmt: skip
    r = r.merge(links, on="review_id")
    trials = items[~items["study_design"].isin(REVIEW_DESIGNS) & ~items["within_arm"]]
    t = trials[[*keys, "study_id", "treatment_id", "comp_key"]].reset_index()
    m = t.merge(r, on=[*keys, "study_id"])
    if m.empty:
        return items
    parents = parents_of(tables.treatments, "treatment_id")
    below = {x: set(descendants(parents, x)) | {x} for x in m["r_treatment"].unique()}
    same = [tr in below[rt] for tr, rt in zip(m["treatment_id"], m["r_treatment"], strict=True)]
    m = m[np.asarray(same, dtype=bool) & (m["comp_key"] == m["r_comp_key"]).to_numpy()]
    m = m.drop_duplicates("index").set_index("index")
    items.loc[m.index, "in_review"] = m["review_id"]
    items.loc[m.index, "treatment_id"] = m["r_treatment"]
    items.loc[m.index, "comparison_id"] = m["r_comparison"]
    return items


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
    year = dict(zip(tables.sources["source_id"], tables.sources["year"], strict=True))
    group = _by_text(items["comparator_text"], comparator_group)
    lookup = _treatment_lookup(tables.treatments)
    guessed = _by_text(items["comparator_text"], lambda x: lookup.get(_normalised(x)))
    kind = items["effect_measure"].map({k: m.kind for k, m in MEASURES.items()})
    level, strength = _strength(items)
    items = items.assign(
        condition_id=condition_id if condition_id is not None else items["row_condition"],
        comparator_id=items["comparator_id"].where(items["comparator_id"].notna(), guessed),
        comparator=group,
        timepoint=_by_text(items["timepoint_text"], timepoint_band),
        within_arm=kind.eq("within_arm") | group.eq("no comparison group"),
        depth=items["row_condition"].map(depths),
        year=items["source_id"].map(year),
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
    items["body_id"] = items.groupby(BODY_KEYS, sort=False, dropna=False).ngroup()
    if not copies.empty:  # a copy never sits beside its own result in one body
        twin = items.duplicated(["body_id", "item_id"]) & items["lifted"]
        items = items[~twin].reset_index(drop=True)
    return items


__all__ = ["BODY_KEYS", "CONTROL_GROUPS", "body_items"]
