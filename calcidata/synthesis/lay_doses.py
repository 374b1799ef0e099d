"""A lay article's dose or schedule beside the studied and labelled ones (rules 3 and 4).

:func:`lay_doses` places each lay drug dose against the range the dose audit uses
(:class:`calcidata.audit.reference.DoseReference`), so that one rule chooses the
reference of both; :func:`dose_verdict` and :func:`schedule_verdict` turn a claim's
dose or schedule into its verdict (see :mod:`calcidata.synthesis.claims`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calcidata.audit.reference import cached_reference
from calcidata.schemas.vocab_claims import AUDIT_DOSE_KINDS
from calcidata.tables.hierarchy import ancestors, descendants

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

__all__ = ["DOSE_VERDICTS", "PLACE_WORDS", "dose_verdict", "lay_doses", "schedule_verdict"]

#: The verdict on a lay dose (or schedule) against the reference, by the dose's place.
DOSE_VERDICTS = {
    "within_range": "supported",
    "partly_below": "partly_supported",
    "partly_above": "partly_supported",
    "wider_than_range": "partly_supported",
    "below_range": "contradicted",
    "above_range": "contradicted",
    "no_reference": "no_evidence_found",
}
#: How a note words where a dose lies against the reference.
PLACE_WORDS = {
    "within_range": "within",
    "partly_below": "partly below",
    "partly_above": "partly above",
    "wider_than_range": "wider than",
    "below_range": "below",
    "above_range": "above",
}


def _daily_place(lo: float, hi: float, ref_lo: float, ref_hi: float) -> str:
    """Where a daily range [lo, hi] lies against a reference range (either end may be NaN)."""
    lo = hi if np.isnan(lo) else lo
    hi = lo if np.isnan(hi) else hi
    below = not np.isnan(ref_lo) and lo < ref_lo * (1 - 1e-9)
    above = not np.isnan(ref_hi) and hi > ref_hi * (1 + 1e-9)
    if below and above:
        return "wider_than_range"
    if below:
        return "below_range" if hi < ref_lo * (1 - 1e-9) else "partly_below"
    if above:
        return "above_range" if lo > ref_hi * (1 + 1e-9) else "partly_above"
    return "within_range"


def lay_doses(tables: Tables, *, source_id: str | None = None) -> pd.DataFrame:
    """Each lay article's drug dose beside the studied or labelled range it is judged on.

    ``source_id``: only the doses of this article.

    Returns
    -------
    pandas.DataFrame
        One row per dosing row of a lay article that gives a daily dose: ``treatment``
        and ``condition`` (names), ``dosing_id``,
        ``source_id``, ``treatment_id``, ``condition_id``, ``route``, ``daily_min``,
        ``daily_max``, ``daily_unit``, ``reference_min``, ``reference_max``,
        ``reference_dosing_ids``, ``place`` (``within_range``, ``partly_below``,
        ``partly_above``, ``wider_than_range``, ``below_range``, ``above_range`` or
        ``no_reference``) and ``reason`` (the reference and its sources, in words).
    """
    ref = cached_reference(tables)
    kinds = dict(
        zip(tables.sources["source_id"], tables.sources["kind"].astype(object), strict=True)
    )
    d = tables.dosing_ranges
    lay = d[d["source_id"].map(kinds) == "lay_web_article"]
    if source_id is not None:
        lay = lay[lay["source_id"] == source_id]
    daily = ref.doses.set_index("dosing_id")
    rows = []
    r: Any  # a row of the dosing table
    for r in lay.itertuples(index=False):
        if r.dosing_id not in daily.index or not isinstance(daily.loc[r.dosing_id, "unit"], str):
            continue
        own = daily.loc[r.dosing_id]
        unit = str(own["unit"]).removesuffix("/day")
        cond = r.condition_id if isinstance(r.condition_id, str) else None
        rng = ref.range_for(r.treatment_id, str(r.route), cond, unit)
        row: dict[str, Any] = {
            "dosing_id": r.dosing_id,
            "source_id": r.source_id,
            "treatment_id": r.treatment_id,
            "condition_id": cond,
            "route": str(r.route),
            "daily_min": float(own["low"]),
            "daily_max": float(own["high"]),
            "daily_unit": str(own["unit"]),
            "reference_min": rng.low,
            "reference_max": rng.high,
            "reference_dosing_ids": rng.dosing_ids or "",
        }
        if rng.status is not None or r.dosing_id in str(rng.dosing_ids).split(";"):
            row.update(place="no_reference", reason=rng.reason or "only the article itself")
        else:
            row.update(
                place=_daily_place(row["daily_min"], row["daily_max"], rng.low, rng.high),
                reason=rng.basis,
            )
        rows.append(row)
    columns = [
        "dosing_id",
        "source_id",
        "treatment_id",
        "condition_id",
        "route",
        "daily_min",
        "daily_max",
        "daily_unit",
        "reference_min",
        "reference_max",
        "reference_dosing_ids",
        "place",
        "reason",
    ]
    out = pd.DataFrame(rows, columns=columns)
    tnames = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    cnames = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    out.insert(0, "treatment", out["treatment_id"].map(tnames))
    out.insert(1, "condition", out["condition_id"].map(cnames))
    out.attrs["view"] = "lay_doses"
    return out


def _span(lo: float, hi: float, unit: str) -> str:
    if np.isnan(lo):
        return f"up to {hi:.6g} {unit}"
    if np.isnan(hi) or lo == hi:
        return f"{lo:.6g} {unit}"
    return f"{lo:.6g} to {hi:.6g} {unit}"


def dose_verdict(claim: Any, doses: pd.DataFrame, tnames: Mapping[str, str]) -> dict[str, str]:
    """Rule 3: the verdict, dosing rows and note of a ``dose`` claim, from :func:`lay_doses`."""
    own = doses[
        (doses["source_id"] == claim.source_id)
        & (doses["treatment_id"] == claim.treatment_id)
        & (doses["condition_id"].astype(object) == claim.condition_id)
    ]
    name = tnames.get(claim.treatment_id, claim.treatment_id)
    if own.empty:
        return {
            "verdict": "no_evidence_found",
            "dosing_ids": "",
            "verdict_note": f"No daily dose of {name} from this article is in the tables.",
        }
    r = own.iloc[0]
    verdict = DOSE_VERDICTS[r["place"]]
    said = _span(r["daily_min"], r["daily_max"], r["daily_unit"])
    if r["place"] == "no_reference":
        note = f"The article's {said} of {name} has no studied or labelled range to compare with."
        ids = r["dosing_id"]
    else:
        ref = _span(r["reference_min"], r["reference_max"], r["daily_unit"])
        place = PLACE_WORDS[r["place"]]
        note = (
            f"The article's {said} of {name} is {place} the studied or labelled {ref} "
            f"({r['reason']})."
        )
        ids = f"{r['dosing_id']};{r['reference_dosing_ids']}"
    return {"verdict": verdict, "dosing_ids": ids, "verdict_note": note}


def _weekly(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    per = frame["frequency_per"].astype(object)
    factor = per.map({"week": 1.0, "day": 7.0, "month": 12 / 52}).astype("float64")
    return frame["frequency_min"].astype("float64") * factor, frame["frequency_max"].astype(
        "float64"
    ) * factor


def schedule_verdict(
    claim: Any,  # a row of claims.itertuples()
    tables: Tables,
    tree: Mapping[str, Mapping[str, str | None]],
    kinds: Mapping[str, str],
    tnames: Mapping[str, str],
    cnames: Mapping[str, str],
) -> dict[str, str]:
    """Rule 4: the verdict, dosing rows and note of a ``schedule`` claim (sessions a week)."""
    d = tables.dosing_ranges
    name = tnames.get(claim.treatment_id, claim.treatment_id)
    lo, hi = _weekly(d)
    own = d[
        (d["source_id"] == claim.source_id) & (d["treatment_id"] == claim.treatment_id) & lo.notna()
    ]
    if own.empty:
        return {
            "verdict": "no_evidence_found",
            "dosing_ids": "",
            "verdict_note": f"No schedule of {name} from this article is in the tables.",
        }
    first = own.index[0]
    tid, cid = claim.treatment_id, claim.condition_id
    related = {tid, *ancestors(tree["t"], tid), *descendants(tree["t"], tid)}
    chain = {cid, *ancestors(tree["c"], cid)} if isinstance(cid, str) else set()
    cond = d["condition_id"].astype(object)
    ref = d[
        d["treatment_id"].isin(related)
        & (cond.isna() | cond.isin(chain))
        & d["dose_kind"].astype(object).isin(AUDIT_DOSE_KINDS)
        & (d["source_id"].map(kinds) != "lay_web_article")
        & lo.notna()
    ]
    said = _span(lo[first], hi[first], "sessions a week")
    if ref.empty:
        return {
            "verdict": "no_evidence_found",
            "dosing_ids": str(d.loc[first, "dosing_id"]),
            "verdict_note": (
                f"No study, label or guideline in the tables gives a schedule of {name} "
                f"for {cnames.get(cid, cid).lower()} to compare with the article's {said}."
            ),
        }
    ref_lo, ref_hi = float(lo[ref.index].min()), float(hi[ref.index].max())
    place = _daily_place(float(lo[first]), float(hi[first]), ref_lo, ref_hi)
    sources = ", ".join(dict.fromkeys(ref["source_id"]))
    return {
        "verdict": DOSE_VERDICTS[place],
        "dosing_ids": ";".join([str(d.loc[first, "dosing_id"]), *ref["dosing_id"]]),
        "verdict_note": (
            f"The article's {said} of {name} is {PLACE_WORDS[place]} the "
            f"{_span(ref_lo, ref_hi, 'sessions a week')} of {sources}."
        ),
    }
