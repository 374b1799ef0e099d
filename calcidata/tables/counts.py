"""What the tables hold, counted: rows per table and the evidence beneath the synthesis.

:func:`table_counts` returns one tidy frame that ``calcidata validate --summary`` prints
and tests read: the rows of each table, the two-arm trial rows and their trials, the
trials with a risk-of-bias judgement, the outcome definitions and the results whose
source states a GRADE certainty.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

#: The counts besides rows per table, in the order they are shown, with their words.
MEASURES: dict[str, str] = {
    "two_arm_rows": "study_outcomes rows with both arms",
    "two_arm_trials": "trials with two-arm rows",
    "trials_with_risk_of_bias": "studies with a risk-of-bias judgement",
    "outcome_definitions": "outcome definitions",
    "outcome_definitions_in_use": "outcome definitions used by a result",
    "stated_certainty_rows": "evidence rows with a stated certainty",
    "network_rows": "evidence rows that are network estimates",
}


def _both_arms(so: pd.DataFrame) -> pd.Series:
    """Rows holding both arms: counts and sizes (dichotomous), or means and sizes."""
    dich = so["data_type"].astype(str) == "dichotomous"
    counts = so[["events_treatment", "n_treatment", "events_comparator", "n_comparator"]]
    means = so[["mean_treatment", "n_treatment", "mean_comparator", "n_comparator"]]
    return (dich & counts.notna().all(axis=1)) | (~dich & means.notna().all(axis=1))


def table_counts(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Counts of the validated ``frames`` (table name -> frame, as :func:`load` gives them).

    Returns a frame with columns ``measure`` (``rows:<table>`` for each table, then the
    keys of :data:`MEASURES`), ``count`` (int) and ``words`` (what is counted).
    """
    out = [(f"rows:{name}", len(frame), f"rows in {name}") for name, frame in frames.items()]
    so = frames["study_outcomes"]
    two = so[_both_arms(so)] if len(so) else so
    ev = frames["evidence"]
    used = set(ev["outcome_id"].dropna()) | set(so["outcome_id"].dropna())
    values = {
        "two_arm_rows": len(two),
        "two_arm_trials": two["study_id"].nunique(),
        "trials_with_risk_of_bias": frames["risk_of_bias"]["study_id"].nunique(),
        "outcome_definitions": len(frames["outcomes"]),
        "outcome_definitions_in_use": len(used & set(frames["outcomes"]["outcome_id"])),
        "stated_certainty_rows": int(ev["certainty"].notna().sum()),
        "network_rows": int(ev["network"].fillna(False).astype(bool).sum()),
    }
    out += [(k, int(values[k]), words) for k, words in MEASURES.items()]
    return pd.DataFrame(out, columns=["measure", "count", "words"])
