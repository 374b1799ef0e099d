"""Summary of findings in GRADEpro's shape: the numbers, per body of evidence.

Rows are the bodies of :func:`calcidata.analysis.profile.evidence_profile`
(optionally only some treatments), most important first: highest certainty,
then most participants. The first :data:`MAIN_OUTCOMES` are ``main``; the
others are shown under "More outcomes".

Anticipated absolute effects (dichotomous outcomes, GRADE handbook 5.2.2)
--------------------------------------------------------------------------
*Risk with the comparator*: the control groups of the body's studies in
``study_outcomes`` (rows with events and size of the comparator arm), pooled
as a simple proportion ``sum(events_comparator) / sum(n_comparator)``, one arm
per study (its largest, then the first in table order), per 1,000.
*Risk difference with the treatment*, per 1,000, from that risk ``p``:

* RR: ``p x (RR - 1)``, and the same with the CI's bounds;
* OR: ``p x OR / (1 - p + p x OR) - p`` (the risk with the treatment implied
  by the odds ratio, less ``p``), and the same with the CI's bounds.

Other measures, or a ratio without a control risk, have no absolute effect
(NaN; the display says "Not estimable").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calcidata.analysis.profile import ESTIMATE_COLUMNS, KEYS, body_items, evidence_profile

#: Rows shown first (GRADEpro's "up to seven outcomes").
MAIN_OUTCOMES = 7
#: Ratio measures with an absolute effect per 1,000.
ABSOLUTE_MEASURES = ("RR", "OR")
PER = 1000.0

COLUMNS = [
    *KEYS,
    "treatment",
    *ESTIMATE_COLUMNS,
    "comparator_risk_per_1000",
    "comparator_risk_studies",
    "risk_difference_per_1000",
    "risk_difference_low_per_1000",
    "risk_difference_high_per_1000",
    "certainty",
    "certainty_basis",
    "reasons",
    "main",
]


def risk_difference(measure: str, risk: float, ratio: float) -> float:
    """Risk difference (same unit as ``risk``, a proportion) implied by a ratio.

    Parameters
    ----------
    measure : str
        ``"RR"`` (``risk x (ratio - 1)``) or ``"OR"`` (``risk x ratio / (1 -
        risk + risk x ratio) - risk``); NaN for any other measure.
    risk : float
        Risk with the comparator, a proportion in [0, 1].
    ratio : float
        The ratio (or a bound of its CI), on its natural scale.

    Returns
    -------
    float
        The difference in risk, treatment less comparator; NaN when unknown.
    """
    if np.isnan(risk) or np.isnan(ratio):
        return float("nan")
    if measure == "RR":
        return risk * (ratio - 1)
    if measure == "OR":
        return risk * ratio / (1 - risk + risk * ratio) - risk
    return float("nan")


def comparator_risks(tables, condition_id: str) -> pd.DataFrame:
    """Risk with the comparator per body, from the studies' control groups.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables.
    condition_id : str
        The condition (with its narrower conditions), as in ``evidence_profile``.

    Returns
    -------
    pandas.DataFrame
        One row per body key without the effect measure (``condition_id,
        treatment_id, comparator, outcome_domain, timepoint``), with
        ``comparator_risk`` (a proportion), ``events`` and ``n`` (summed over
        the studies' comparator arms) and ``studies`` (how many).
    """
    keys = [k for k in KEYS if k != "effect_measure"]
    items = body_items(tables, condition_id)
    arms = items[(items["kind"] == "arms") & items["effect_measure"].eq("RR")]
    arms = arms[arms[["events_comparator", "n_comparator"]].notna().all(axis=1)]
    arms = arms.sort_values(["n_comparator", "order"], ascending=[False, True])
    arms = arms.drop_duplicates([*keys, "study_id"])
    out = arms.groupby(keys, sort=False).agg(
        events=("events_comparator", "sum"),
        n=("n_comparator", "sum"),
        studies=("study_id", "nunique"),
    )
    out["comparator_risk"] = out["events"] / out["n"]
    return out.reset_index()


def sof_rows(tables, condition_id: str, treatment_ids=None) -> pd.DataFrame:
    """The summary of findings of a condition: one row per body of evidence.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables (not modified).
    condition_id : str
        The condition; its narrower conditions join its bodies.
    treatment_ids : sequence of str, optional
        Only these treatments (default: all).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`: the body keys and ``treatment`` (its name); the
        profile's ``n_studies``, ``n_participants``, ``estimate``, ``ci_low``,
        ``ci_high``, ``basis``, ``certainty``, ``certainty_basis``,
        ``reasons``; ``comparator_risk_per_1000`` and
        ``comparator_risk_studies`` (control arms behind it);
        ``risk_difference_per_1000`` with ``risk_difference_low_per_1000`` and
        ``risk_difference_high_per_1000`` (from the ratio's 95% CI), NaN where
        not estimable (see the module docstring); ``main`` (the first
        :data:`MAIN_OUTCOMES` rows). Sorted by certainty (highest first), then
        participants (most first, unknown last), then the profile's order.
        ``attrs["view"]`` is ``"sof_rows"``.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition of the tables.
    """
    profile = evidence_profile(tables, condition_id)
    if treatment_ids is not None:
        profile = profile[profile["treatment_id"].isin(list(treatment_ids))]
    risks = comparator_risks(tables, condition_id)
    keys = [k for k in KEYS if k != "effect_measure"]
    merged = profile.merge(risks, how="left", on=keys, validate="many_to_one")
    merged.index = profile.index
    measure = merged["effect_measure"].astype(str)
    risk = merged["comparator_risk"].where(measure.isin(ABSOLUTE_MEASURES)).astype(float)
    out = profile.assign(
        comparator_risk_per_1000=risk * PER,
        comparator_risk_studies=merged["studies"].where(risk.notna()).astype("Int64"),
    )
    for col, bound in (
        ("risk_difference_per_1000", "estimate"),
        ("risk_difference_low_per_1000", "ci_low"),
        ("risk_difference_high_per_1000", "ci_high"),
    ):
        out[col] = [
            PER * risk_difference(m, float(p), float(r))
            for m, p, r in zip(measure, risk, out[bound], strict=True)
        ]
    names = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    out["treatment"] = out["treatment_id"].map(names).fillna(out["treatment_id"]).astype("string")
    out = out.assign(
        _c=-out["certainty"].cat.codes, _n=-out["n_participants"].astype("Float64"), _o=out.index
    )
    out = out.sort_values(["_c", "_n", "_o"], na_position="last").reset_index(drop=True)
    out["main"] = out.index < MAIN_OUTCOMES
    out = out[COLUMNS]
    out.attrs["view"] = "sof_rows"
    return out


__all__ = ["COLUMNS", "MAIN_OUTCOMES", "comparator_risks", "risk_difference", "sof_rows"]
