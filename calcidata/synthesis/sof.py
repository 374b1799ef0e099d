"""Summary of findings in GRADEpro's shape: the numbers, per body of evidence.

Rows are the bodies of :func:`calcidata.synthesis.profile.evidence_profile`
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
  by the odds ratio, less ``p``), and the same with the CI's bounds;
* RD: the difference itself (it needs no control risk).

Other measures, or a ratio without a control risk, have no absolute effect
(NaN; the display says "Not estimable"; for MD and SMD the display states the
difference itself, as GRADEpro does).

Which way a ratio points
------------------------
A risk ratio computed by calcidata is the risk of the outcome's event. A
source may orient its ratio the other way (an ordinal odds ratio of a *better*
grade, say). Where the outcome domain says whether its events are harms
(:data:`~calcidata.schemas.vocabularies.HARM_EVENT_DOMAINS`) or benefits
(:data:`~calcidata.schemas.vocabularies.BENEFIT_EVENT_DOMAINS`) and the
source says which arm the result favours, a ratio on the other side of 1 than
that direction implies is ``ratio_inverted``: no absolute effect is computed
from it, and the display says why. ``interval_kind`` is ``credible`` when the
estimate is a source's Bayesian credible interval, else ``confidence``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import (
    BENEFIT_EVENT_DOMAINS,
    HARM_EVENT_DOMAINS,
    OUTCOME_DOMAINS,
    RATIO_MEASURES,
)
from calcidata.synthesis.profile import ESTIMATE_COLUMNS, KEYS, body_items, evidence_profile
from calcidata.tables.container import takes_tables

#: Rows shown first (GRADEpro's "up to seven outcomes").
MAIN_OUTCOMES = 7
#: Ratio measures with an absolute effect per 1,000.
ABSOLUTE_MEASURES = ("RR", "OR", "RD")
PER = 1000.0

COLUMNS = [
    *KEYS,
    "treatment",
    *ESTIMATE_COLUMNS,
    "interval_kind",
    "direction",
    "ratio_inverted",
    "comparator_risk_per_1000",
    "comparator_risk_studies",
    "risk_difference_per_1000",
    "risk_difference_low_per_1000",
    "risk_difference_high_per_1000",
    "certainty",
    "certainty_basis",
    "start_level",
    "reasons",
    "main",
]


def risk_difference(measure: str, risk: float, ratio: float) -> float:
    """Risk difference (same unit as ``risk``, a proportion) implied by a ratio.

    Parameters
    ----------
    measure : str
        ``"RR"`` (``risk x (ratio - 1)``), ``"OR"`` (``risk x ratio / (1 -
        risk + risk x ratio) - risk``) or ``"RD"`` (``ratio`` is the difference
        itself; ``risk`` is not needed); NaN for any other measure.
    risk : float
        Risk with the comparator, a proportion in [0, 1].
    ratio : float
        The ratio (or a bound of its CI), on its natural scale.

    Returns
    -------
    float
        The difference in risk, treatment less comparator; NaN when unknown.
    """
    if measure == "RD":
        return float(ratio)
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


def ratio_inverted(domain: str, measure: str, estimate: float, direction: object) -> bool:
    """Whether a ratio lies on the other side of 1 than its stated direction implies.

    Parameters
    ----------
    domain : str
        The outcome domain; only domains whose events are harms or benefits
        tell which side of 1 favours the treatment.
    measure : str
        The effect measure; only ratios (RR, OR, HR) can be inverted.
    estimate : float
        The ratio.
    direction : str or None
        ``favours_treatment`` or ``favours_comparator`` as the source reports
        it; any other value (or none) never marks a ratio inverted.

    Returns
    -------
    bool
        True when, e.g., an odds ratio above 1 favours the treatment on an
        outcome whose events are harms: the ratio is not the odds of the event.

    Examples
    --------
    >>> ratio_inverted("incidence", "OR", 2.79, "favours_treatment")
    True
    >>> ratio_inverted("incidence", "RR", 0.4, "favours_treatment")
    False
    """
    if measure not in RATIO_MEASURES or not isinstance(direction, str) or pd.isna(estimate):
        return False
    if direction not in _FAVOURS:
        return False
    if domain in HARM_EVENT_DOMAINS:
        below = direction == "favours_treatment"
    elif domain in BENEFIT_EVENT_DOMAINS:
        below = direction == "favours_comparator"
    else:
        return False
    return bool(estimate != 1 and (estimate < 1) != below)


_FAVOURS = ("favours_treatment", "favours_comparator")


def _behind(tables, profile: pd.DataFrame) -> pd.DataFrame:
    """Interval kind and direction of each body, from the evidence rows behind its estimate."""
    ev = tables.evidence.set_index("evidence_id")
    kinds, directions = [], []
    for ids, basis in zip(profile["evidence_ids"], profile["basis"], strict=True):
        rows = [i for i in str(ids).split(";") if i in ev.index] if isinstance(ids, str) else []
        found = ev.loc[rows] if rows else ev.iloc[0:0]
        credible = (found["interval_kind"].astype(object) == "credible").any()
        kinds.append("credible" if credible and basis != "pooled" else "confidence")
        sides = {d for d in found["direction"].astype(object) if isinstance(d, str)}
        single = basis in ("review", "single_study") and len(sides) == 1
        directions.append(next(iter(sides)) if single else pd.NA)
    return pd.DataFrame(
        {"interval_kind": kinds, "direction": pd.array(directions, dtype="string")},
        index=profile.index,
    )


def selected_profile(tables, condition_id: str, treatment_ids=None, *, outcome=None):
    """The evidence profile of a condition, only for some treatments and one outcome domain.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition, or ``outcome`` not an outcome domain.
    """
    if outcome is not None and outcome not in OUTCOME_DOMAINS:
        raise ParameterError(
            f"outcome {outcome!r} is not an outcome domain; use one of: "
            + ", ".join(OUTCOME_DOMAINS)
        )
    profile = evidence_profile(tables, condition_id)
    if treatment_ids is not None:
        profile = profile[profile["treatment_id"].isin(list(treatment_ids))]
    if outcome is not None:
        profile = profile[profile["outcome_domain"].astype(str) == outcome]
    return profile


@takes_tables
def sof_rows(tables, condition_id: str, treatment_ids=None, *, outcome=None) -> pd.DataFrame:
    """The summary of findings of a condition: one row per body of evidence.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables (not modified).
    condition_id : str
        The condition; its narrower conditions join its bodies.
    treatment_ids : sequence of str, optional
        Only these treatments (default: all).
    outcome : str, optional
        Only this outcome domain (``OUTCOME_DOMAINS``; default: all).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`: the body keys and ``treatment`` (its name); the
        profile's ``n_studies``, ``n_participants``, ``estimate``, ``ci_low``,
        ``ci_high``, ``basis``, ``certainty``, ``certainty_basis``,
        ``start_level``, ``reasons``; ``interval_kind`` (``confidence`` or ``credible``),
        ``direction`` (as the source behind a single estimate states it; NA
        for pooled bodies) and ``ratio_inverted`` (see the module docstring);
        ``comparator_risk_per_1000`` and ``comparator_risk_studies`` (control
        arms behind it); ``risk_difference_per_1000`` with
        ``risk_difference_low_per_1000`` and ``risk_difference_high_per_1000``
        (from the 95% CI), NaN where not estimable (see the module
        docstring); ``main`` (the first :data:`MAIN_OUTCOMES` rows). Sorted by
        certainty (highest first), then participants (most first, unknown
        last), then the profile's order. ``attrs["view"]`` is ``"sof_rows"``.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition of the tables, or ``outcome`` is
        not an outcome domain.
    """
    profile = selected_profile(tables, condition_id, treatment_ids, outcome=outcome)
    risks = comparator_risks(tables, condition_id)
    keys = [k for k in KEYS if k != "effect_measure"]
    merged = profile.merge(risks, how="left", on=keys, validate="many_to_one")
    merged.index = profile.index
    behind = _behind(tables, profile)
    measure = merged["effect_measure"].astype(str)
    inverted = pd.Series(
        [
            ratio_inverted(str(d), m, e, x)
            for d, m, e, x in zip(
                profile["outcome_domain"].astype(str),
                measure,
                profile["estimate"],
                behind["direction"].astype(object),
                strict=True,
            )
        ],
        index=profile.index,
        dtype=bool,
    )
    risk = merged["comparator_risk"].where(measure.isin(ABSOLUTE_MEASURES) & ~inverted)
    risk = risk.astype(float)
    out = profile.assign(
        interval_kind=behind["interval_kind"].astype("string"),
        direction=behind["direction"],
        ratio_inverted=inverted,
        comparator_risk_per_1000=risk * PER,
        comparator_risk_studies=merged["studies"].where(risk.notna()).astype("Int64"),
    )
    for col, bound in (
        ("risk_difference_per_1000", "estimate"),
        ("risk_difference_low_per_1000", "ci_low"),
        ("risk_difference_high_per_1000", "ci_high"),
    ):
        out[col] = [
            float("nan") if flip else PER * risk_difference(m, float(p), float(r))
            for m, p, r, flip in zip(measure, risk, out[bound], inverted, strict=True)
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


__all__ = [
    "COLUMNS",
    "MAIN_OUTCOMES",
    "comparator_risks",
    "ratio_inverted",
    "risk_difference",
    "selected_profile",
    "sof_rows",
]
