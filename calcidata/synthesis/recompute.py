"""Published pooled results, re-computed from the included trials' arm data.

For each row of ``data/reproductions.csv`` (a review's stated pooled result, see its
schema), :func:`reproductions` pools exactly the trials in ``study_ids``: each one's
``study_outcomes`` row of the stated result's ``outcome_id``, with the model and
estimator the review states, through :mod:`calcidata.meta`. It returns one typed frame
with the stated and the re-computed estimate and interval side by side; display words
it (:func:`calcidata.display.reproductions_table`) and the tests hold each row's
``status`` to it.

When calcidata re-computes
--------------------------
Only when the row names a stated estimate with its interval (``evidence_id``) in a
measure calcidata pools (RR, OR, RD, MD, SMD), the review states its model (and for a
fixed-effect pool of counts its estimator, Mantel-Haenszel or inverse variance), every
listed trial has exactly one two-arm row of that outcome (with SDs for means), and the
tables hold at least as many trials as the review states for the analysis. A single
trial needs no model. Otherwise ``not_recomputed`` says which condition failed; nothing
is guessed (no default model, no choice among a trial's timepoints).

The models map onto :mod:`calcidata.meta` as metafor names them: fixed with inverse
variance is ``pool(method="FE")``, Mantel-Haenszel ``pool_mh``, Peto ``pool_peto``
(odds ratios); random effects are ``pool`` with ``DL`` (DerSimonian-Laird), ``PM``
(Paule-Mandel) or ``REML``, normal-quantile intervals. Per-study effects are
``effect_sizes`` (0.5 added to every cell of a table with a zero cell, metafor's rule).

A re-computation ``matches`` when its estimate and both interval bounds, on the
measure's natural scale, round to the stated values at the decimals the review prints
(``|re-computed - stated| <= 0.5 * 10**-decimals``).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import pandas as pd

from calcidata.analysis.selection import subtree
from calcidata.errors import CalcidataError
from calcidata.schemas._base import LIST_SEP
from calcidata.schemas.effect_measures import MEASURES
from calcidata.schemas.reproductions import STATUSES
from calcidata.synthesis import meta
from calcidata.tables.container import Tables, require_tables

#: Columns of :func:`reproductions`, in order.
COLUMNS = (
    "reproduction_id", "source_id", "evidence_id", "condition_id", "treatment_id", "treatment",
    "comparator", "outcome_id", "outcome", "timepoint", "effect_measure", "model", "estimator",
    "stated_estimate", "stated_ci_low", "stated_ci_high", "decimals", "k_stated", "k_held",
    "study_ids", "recomputed_estimate", "recomputed_ci_low", "recomputed_ci_high", "method",
    "matches", "status", "reason", "not_recomputed",
)  # fmt: skip

#: Random-effects estimators -> ``calcidata.meta.pool`` methods.
_RANDOM = {"dersimonian_laird": "DL", "paule_mandel": "PM", "reml": "REML"}


class Recomputed(NamedTuple):
    """One re-computation: the pooled result on the natural scale, or why there is none."""

    k_held: int
    estimate: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    method: str | None = None
    why_not: str | None = None


def _arm_rows(
    study_outcomes: pd.DataFrame, studies: list[str], outcome_id: str | None
) -> tuple[pd.DataFrame, list[str]]:
    """The listed trials' two-arm rows of the outcome (any outcome when None), and problems."""
    rows = study_outcomes[study_outcomes["study_id"].isin(studies)]
    if outcome_id is not None:
        rows = rows[rows["outcome_id"] == outcome_id]
    problems = []
    for study in studies:
        n = int((rows["study_id"] == study).sum())
        if n == 0:
            problems.append(f"{study} has no two-arm row of {outcome_id or 'any outcome'}")
        elif n > 1 and outcome_id is not None:
            problems.append(
                f"{study} has {n} rows of {outcome_id} (timepoints or comparisons), and the "
                "review's is not recorded"
            )
    return rows, problems


def _pool(rows: pd.DataFrame, measure: str, model: str, estimator: str) -> meta.MetaResult:
    """Pool the rows (one per trial) with the stated model: calcidata.meta's result."""
    if measure in ("MD", "SMD"):
        es = meta.effect_sizes(
            measure,
            m1i=rows["mean_treatment"], sd1i=rows["sd_treatment"], n1i=rows["n_treatment"],
            m2i=rows["mean_comparator"], sd2i=rows["sd_comparator"], n2i=rows["n_comparator"],
        )  # fmt: skip
    else:
        counts: dict[str, Any] = {
            "ai": rows["events_treatment"], "n1i": rows["n_treatment"],
            "ci": rows["events_comparator"], "n2i": rows["n_comparator"],
        }  # fmt: skip
        if model == "fixed" and estimator == "mantel_haenszel" and len(rows) > 1:
            return meta.pool_mh(**counts, measure=measure)
        if model == "fixed" and estimator == "peto" and len(rows) > 1:
            return meta.pool_peto(**counts)
        es = meta.effect_sizes(measure, **counts)
    if model == "random" and len(rows) > 1:
        return meta.pool(es["yi"], es["vi"], method=_RANDOM[estimator])
    return meta.pool(es["yi"], es["vi"], method="FE")


def _why_not(row: dict[str, Any], rows: pd.DataFrame, problems: list[str]) -> str | None:
    """Why this row cannot be re-computed, or None."""
    measure, model, estimator = row["effect_measure"], row["model"], row["estimator"]
    studies = row["studies"]
    if not isinstance(row["evidence_id"], str):
        return "the tables hold no stated estimate of this review"
    if pd.isna(row["stated_estimate"]) or pd.isna(row["stated_ci_low"]):
        return "the stated result has no estimate with an interval"
    if measure not in ("RR", "OR", "RD", "MD", "SMD"):
        return f"calcidata does not pool the measure {measure!r}"
    if not studies:
        return "no trial of the review is held for this result"
    if problems:
        return "; ".join(problems)
    held, stated = len(studies), row["k_stated"]
    if not pd.isna(stated) and held < int(stated):
        return f"the tables hold {held} of the {int(stated)} trials"
    if held > 1 and model == "not_stated":
        return "the review does not state its model"
    if held > 1 and model == "random" and estimator == "not_stated":
        return "the review does not state its random-effects estimator"
    counts = measure not in ("MD", "SMD")
    if held > 1 and model == "fixed" and counts and estimator == "not_stated":
        return (
            "the review does not state its fixed-effect estimator (Mantel-Haenszel or "
            "inverse variance)"
        )
    if estimator == "peto" and measure != "OR":
        return "the Peto method pools odds ratios only"
    if measure in ("MD", "SMD") and rows[["sd_treatment", "sd_comparator"]].isna().any().any():
        return "a trial's SDs are not held"
    return None


def recompute(row: dict[str, Any], study_outcomes: pd.DataFrame) -> Recomputed:
    """Re-compute one reproduction row (``studies``: its list of trial ids)."""
    outcome = row["outcome_id"] if isinstance(row["outcome_id"], str) else None
    rows, problems = _arm_rows(study_outcomes, row["studies"], outcome)
    k_held = int(rows["study_id"].nunique())
    why = _why_not(row, rows, problems)
    if why is not None:
        return Recomputed(k_held, why_not=why)
    rows = rows.sort_values("study_id")
    try:
        res = _pool(rows, row["effect_measure"], row["model"], row["estimator"])
    except CalcidataError as exc:
        return Recomputed(k_held, why_not=f"calcidata.meta could not pool the trials: {exc}")
    back = math.exp if MEASURES[row["effect_measure"]].kind == "ratio" else float
    return Recomputed(
        k_held, back(res.estimate), back(res.ci_low), back(res.ci_high), method=res.method
    )


def matches(stated: tuple[float, float, float], recomputed: Recomputed, decimals: Any) -> Any:
    """Whether a re-computation rounds to the stated numbers (NA when either is missing)."""
    if pd.isna(decimals) or any(pd.isna(v) for v in (*stated, recomputed.estimate)):
        return pd.NA
    tolerance = 0.5 * 10.0 ** -int(decimals) + 1e-9
    got = (recomputed.estimate, recomputed.ci_low, recomputed.ci_high)
    return bool(all(abs(a - b) <= tolerance for a, b in zip(got, stated, strict=True)))


def reproductions(tables: Tables, condition_id: str | None = None) -> pd.DataFrame:
    """Each published pooled result of the tables, stated and re-computed side by side.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables (not modified).
    condition_id : str, optional
        Only the results of this condition and its narrower conditions (None: all).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, one row per ``reproductions`` row (in the table's order):
        the stated result's comparison (``treatment_id``, the treatment's name
        ``treatment``, ``comparator`` in the evidence row's words), its
        ``outcome_id``, ``outcome`` (its words), ``timepoint``,
        ``effect_measure`` and ``stated_estimate``, ``stated_ci_low``, ``stated_ci_high`` (natural
        scale, from the evidence row); ``k_stated`` and ``k_held`` (Int64: trials the
        review states, trials whose two-arm row of the outcome the tables hold);
        ``recomputed_*`` (natural scale; NaN when not re-computed) with the
        ``calcidata.meta`` ``method``; ``matches`` (boolean, NA when not re-computed);
        ``status`` (ordered categorical) and ``reason`` as curated;
        ``not_recomputed``: why calcidata did not re-compute (NA when it did).

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition of the tables.
    """
    require_tables(tables)
    ev = tables.evidence.set_index("evidence_id")
    out = tables.reproductions.astype(object).copy()
    ids = out["evidence_id"].where(out["evidence_id"].isin(ev.index))

    def from_evidence(col: str) -> pd.Series:
        return ids.map(ev[col].astype(object).to_dict())

    out["condition_id"] = out["condition_id"].where(ids.isna(), from_evidence("condition_id"))
    for col in ("treatment_id", "comparator", "outcome_id", "outcome", "timepoint"):
        out[col] = from_evidence(col)
    tr = tables.treatments
    out["treatment"] = out["treatment_id"].map(
        dict(zip(tr["treatment_id"], tr["name"], strict=True))
    )
    out["effect_measure"] = from_evidence("effect_measure")
    for col in ("estimate", "ci_low", "ci_high"):
        out[f"stated_{col}"] = pd.to_numeric(from_evidence(col), errors="coerce").astype(float)
    if condition_id is not None:
        out = out[out["condition_id"].isin(subtree(tables, condition_id))]
    records = []
    so = tables.study_outcomes
    for record in out.to_dict("records"):
        row = {str(k): v for k, v in record.items()}
        ids_cell = row["study_ids"]
        row["studies"] = ids_cell.split(LIST_SEP) if isinstance(ids_cell, str) else []
        done = recompute(row, so)
        stated = (row["stated_estimate"], row["stated_ci_low"], row["stated_ci_high"])
        records.append(
            {
                "k_held": done.k_held,
                "recomputed_estimate": done.estimate,
                "recomputed_ci_low": done.ci_low,
                "recomputed_ci_high": done.ci_high,
                "method": done.method,
                "matches": matches(stated, done, row["decimals"]),
                "not_recomputed": done.why_not,
            }
        )
    done_frame = pd.DataFrame(records, index=out.index, columns=list(_DONE_TYPES))
    frame = pd.concat([out, done_frame], axis=1).reindex(columns=list(COLUMNS))
    return _typed(frame.reset_index(drop=True))


def markdown(frame: pd.DataFrame) -> list[str]:
    """The data dictionary's record of :func:`reproductions`: the rule, counts, each row."""
    import inspect
    import re
    import sys

    counts = frame["status"].value_counts().reindex(frame["status"].cat.categories)
    doc = (inspect.getdoc(sys.modules[__name__]) or "").split("\n\n", 1)[1]
    rule = re.sub(r"^(\S[^\n]*)\n-{3,}$", r"#### \1\n", doc, flags=re.MULTILINE)
    out = [
        "## Published pooled results, re-computed",
        "",
        "`calcidata.synthesis.reproductions(tables)` reads `reproductions.csv` and re-computes "
        "each review's stated pooled result from the included trials the tables hold: "
        + ", ".join(f"{n} {str(s).replace('_', ' ')}" for s, n in counts.items())
        + f" (of {len(frame)}). `tests/test_reproductions.py` holds each row's status to its "
        "re-computation.",
        "",
        rule,
        "",
        "| result | stated | trials held / stated | status | why |",
        "|---|---|---|---|---|",
    ]
    for r in frame.to_dict("records"):
        d = 2 if pd.isna(r["decimals"]) else int(r["decimals"])
        nums = [r[f"stated_{c}"] for c in ("estimate", "ci_low", "ci_high")]
        shown = [f"{x:.{d}f}" for x in nums if not pd.isna(x)]
        stated = f"{r['effect_measure']} {shown[0]}" if shown else ""
        if len(shown) == 3:
            stated += f" ({shown[1]} to {shown[2]})"
        held = f"{r['k_held']} / {'?' if pd.isna(r['k_stated']) else r['k_stated']}"
        why = "" if pd.isna(r["reason"]) else str(r["reason"]).replace("|", "\\|")
        out.append(f"| `{r['reproduction_id']}` | {stated} | {held} | {r['status']} | {why} |")
    return out


_DONE_TYPES = {
    "k_held": "Int64",
    "recomputed_estimate": "float64",
    "recomputed_ci_low": "float64",
    "recomputed_ci_high": "float64",
    "method": "string",
    "matches": "boolean",
    "not_recomputed": "string",
}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its documented dtypes."""
    types: dict[str, Any] = {
        **_DONE_TYPES,
        "decimals": "Int64",
        "k_stated": "Int64",
        "status": pd.CategoricalDtype(list(STATUSES), ordered=True),
    }
    for col in COLUMNS:
        if col not in types and not col.startswith("stated_"):
            types[col] = "string"
    for col, dtype in types.items():
        frame[col] = frame[col].astype(dtype)
    frame.attrs["view"] = "reproductions"
    return frame


__all__ = ["COLUMNS", "Recomputed", "markdown", "matches", "recompute", "reproductions"]
