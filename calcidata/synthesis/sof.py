"""Summary of findings in GRADEpro's shape: the numbers, per body of evidence.

Rows are the comparisons' bodies of :func:`calcidata.synthesis.result.evidence_profile`
(within-arm results are not comparisons and are left out), one table per
comparison: comparisons against placebo or sham, then no treatment or usual
care, then active treatments (by name; within each of these groups the comparisons
with no estimate at all come last); inside a comparison the outcomes in
their importance order (critical, important, then unrated), rows with an
estimate before "not estimable" and "no studies" ones, then certainty, then
participants. A critical outcome of the condition (``condition_outcomes``)
with no body in a comparison is a row of its own (``statement_code``
``no_studies``), except in a comparison made only of class bodies (its agents'
own comparisons hold their other outcomes). The first :data:`MAIN_OUTCOMES` rows
of each comparison are ``main``; the others are shown under "More outcomes".

Anticipated absolute effects (dichotomous outcomes, GRADE handbook 5.2.2)
--------------------------------------------------------------------------
``comparator_risk_per_1000`` is the profile's ``baseline_risk`` x 1,000 and
``risk_difference_*_per_1000`` its ``abs_effect``, ``abs_ci_low`` and
``abs_ci_high`` (see :mod:`calcidata.synthesis.absolute`: computed on the
probability scale, never beyond 0 or 1,000; not estimable when the risk with
the comparator is 0).

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

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import (
    BENEFIT_EVENT_DOMAINS,
    CERTAINTY,
    HARM_EVENT_DOMAINS,
    IMPORTANCE,
    OUTCOME_DOMAINS,
    RATIO_MEASURES,
)
from calcidata.synthesis.absolute import PER, implied_risk
from calcidata.synthesis.bodies import INACTIVE_GROUPS
from calcidata.synthesis.profile import ADDED, ESTIMATE_COLUMNS, KEYS
from calcidata.tables.hierarchy import ancestors, parents_of

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

#: Rows shown first in each comparison (GRADEpro's "up to seven outcomes").
MAIN_OUTCOMES = 7
#: Comparator groups whose comparisons come first, in this order.
CONTROL_ORDER = tuple(INACTIVE_GROUPS)

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
    *[c for c in ADDED if c not in ("within_arm",)],
    "rank_in_comparison",
]


def risk_difference(measure: str, risk: float, ratio: float) -> float:
    """Risk difference (a proportion) implied by a ratio and the risk with the comparator.

    Computed on the probability scale (:func:`calcidata.synthesis.absolute.implied_risk`),
    so ``risk + difference`` stays within 0 and 1. RD is its own difference.

    Examples
    --------
    >>> round(risk_difference("RR", 0.4, 0.5), 3)
    -0.2
    """
    if measure == "RD":
        return float(ratio)
    if np.isnan(risk) or np.isnan(ratio) or measure not in ("RR", "OR", "HR"):
        return float("nan")
    return float(implied_risk(measure, np.array([risk]), np.array([ratio]))[0] - risk)


def ratio_inverted(domain: str, measure: str, estimate: float, direction: object) -> bool:
    """Whether a ratio lies on the other side of 1 than its stated direction implies.

    Where the outcome domain says whether its events are harms
    (:data:`~calcidata.schemas.vocabularies.HARM_EVENT_DOMAINS`) or benefits
    (:data:`~calcidata.schemas.vocabularies.BENEFIT_EVENT_DOMAINS`) and the
    source says which arm the result favours, a ratio on the other side of 1
    is oriented the other way (e.g. the odds of a better grade): no absolute
    effect is computed from it.

    Examples
    --------
    >>> ratio_inverted("incidence", "OR", 2.79, "favours_treatment")
    True
    >>> ratio_inverted("incidence", "RR", 0.4, "favours_treatment")
    False
    """
    if measure not in RATIO_MEASURES or not isinstance(direction, str) or pd.isna(estimate):
        return False
    if direction not in ("favours_treatment", "favours_comparator"):
        return False
    if domain in HARM_EVENT_DOMAINS:
        below = direction == "favours_treatment"
    elif domain in BENEFIT_EVENT_DOMAINS:
        below = direction == "favours_comparator"
    else:
        return False
    return bool(estimate != 1 and (estimate < 1) != below)


def _behind(tables: Tables, profile: pd.DataFrame) -> pd.DataFrame:
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


def _no_studies(tables: Tables, profile: pd.DataFrame) -> pd.DataFrame:
    """A row per comparison and critical outcome of its condition with no body."""
    co = tables.condition_outcomes
    co = co[co["importance"].astype(str) == "critical"]
    if co.empty or profile.empty:
        return profile.iloc[0:0]
    parents = parents_of(tables.conditions, "condition_id")
    names = dict(zip(tables.outcomes["outcome_id"], tables.outcomes["name"], strict=True))
    domains = dict(zip(tables.outcomes["outcome_id"], tables.outcomes["outcome_domain"],
                       strict=True))  # fmt: skip
    rows = []
    # a comparison made only of class bodies gathers agents' results where two or more
    # agents share a question: its other outcomes are in the agents' own comparisons,
    # so "no studies" would not be true of them
    flags = profile["class_body"] if "class_body" in profile else pd.Series(False, profile.index)
    only = (
        flags.fillna(False)
        .astype(bool)
        .groupby([profile["condition_id"], profile["comparison_id"]])
        .transform("all")
    )
    comps = profile[~only].drop_duplicates(["condition_id", "comparison_id"])
    for r in comps.to_dict("records"):
        cond = str(r["condition_id"])
        wanted = co[co["condition_id"].isin([cond, *ancestors(parents, cond)])]
        have = set(profile.loc[profile["comparison_id"] == r["comparison_id"], "outcome_id"]
                   .dropna().astype(str))  # fmt: skip
        for oid in dict.fromkeys(wanted["outcome_id"].astype(str)):
            if oid in have:
                continue
            rows.append({k: r[k] for k in ("condition_id", "treatment_id", "comparator",
                                           "comparison_id", "comparator_id", "timepoint")}
                        | {"outcome_id": oid, "outcome_name": names.get(oid),
                           "outcome_domain": domains.get(oid), "importance": "critical",
                           "basis": "no_estimate", "statement_code": "no_studies",
                           "statement": "No studies", "footnotes": "", "reasons": "",
                           "effect_measure": "other", "treatment": r["treatment"]})  # fmt: skip
    if not rows:
        return profile.iloc[0:0]
    extra = pd.DataFrame(rows)
    return extra.astype(
        {c: profile[c].dtype for c in extra.columns if c in profile}, errors="ignore"
    )


def rows_from_profile(tables: Tables, profile: pd.DataFrame) -> pd.DataFrame:
    """The summary-of-findings rows of a profile (see :func:`sof_rows`)."""
    profile = profile[~profile["within_arm"].astype(bool)]
    behind = _behind(tables, profile)
    names = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    out = profile.assign(
        treatment=profile["treatment_id"]
        .map(names)
        .fillna(profile["treatment_id"])
        .astype("string"),
        interval_kind=behind["interval_kind"].astype("string"),
        direction=behind["direction"],
        comparator_risk_per_1000=PER * profile["baseline_risk"],
        comparator_risk_studies=profile["baseline_studies"],
        risk_difference_per_1000=profile["abs_effect"].where(profile["abs_unit"] == "per_1000"),
        risk_difference_low_per_1000=profile["abs_ci_low"].where(profile["abs_unit"] == "per_1000"),
        risk_difference_high_per_1000=profile["abs_ci_high"].where(
            profile["abs_unit"] == "per_1000"
        ),
    )
    out["ratio_inverted"] = [
        ratio_inverted(str(d), str(m), e, x) for d, m, e, x in zip(
            out["outcome_domain"].astype(str), out["effect_measure"].astype(str),
            out["estimate"], out["direction"].astype(object), strict=True)
    ]  # fmt: skip
    out["comparator_risk_per_1000"] = out["comparator_risk_per_1000"].where(~out["ratio_inverted"])
    out = pd.concat([out, _no_studies(tables, out)], ignore_index=True)
    order = {g: i for i, g in enumerate(CONTROL_ORDER)}
    out = out.assign(
        _g=out["comparator"].astype(str).map(order).fillna(len(order)),
        _t=out["treatment"].astype(str).str.lower(),
        _i=out["importance"]
        .astype(object)
        .map({v: i for i, v in enumerate(IMPORTANCE)})
        .astype(float)
        .fillna(len(IMPORTANCE)),
        _c=-out["certainty"]
        .astype(object)
        .map({v: i for i, v in enumerate(CERTAINTY)})
        .astype(float)
        .fillna(-1),
        _e=out["statement_code"].astype(object).isin(["not_estimable", "no_studies"]),
        _n=-out["n_participants"].astype("Float64").fillna(-1),
        _o=np.arange(len(out)),
    )
    # a comparison with no estimate at all comes after those with one, in its group
    estimated = out["estimate"].notna() & ~out["_e"]
    none = ~estimated.groupby([out["condition_id"], out["comparison_id"]]).transform("any")
    out = out.assign(_x=none.to_numpy(bool)).sort_values(
        ["condition_id", "_g", "_x", "_t", "comparison_id", "_i", "_e", "_c", "_n", "_o"]
    )
    out = out.reset_index(drop=True)
    out["rank_in_comparison"] = out.groupby(["condition_id", "comparison_id"]).cumcount() + 1
    out["main"] = out["rank_in_comparison"] <= MAIN_OUTCOMES
    out["ratio_inverted"] = out["ratio_inverted"].fillna(False).astype(bool)
    out = out[COLUMNS]
    out.attrs["view"] = "sof_rows"
    return out


def bottom_lines(sof: pd.DataFrame) -> pd.DataFrame:
    """One row per comparison: the statements of its critical outcomes, with their certainty.

    Without any outcome rated critical, the comparison's first-ranked row stands in.
    Columns: ``condition_id``, ``comparison_id``, ``treatment_id``, ``treatment``,
    ``comparator``, ``statements`` (``"; "``-joined "<statement> (<certainty>)"),
    ``n_outcomes``.
    """
    rows = []
    for (cond, comp), part in sof.groupby(["condition_id", "comparison_id"], sort=False):
        crit = part[part["importance"].astype(str) == "critical"]
        use = crit if not crit.empty else part.head(1)
        said = [
            f"{s} ({str(c).replace('_', ' ')})" if isinstance(c, str) or not pd.isna(c) else str(s)
            for s, c in zip(use["statement"], use["certainty"].astype(object), strict=True)
        ]
        first = part.iloc[0]
        rows.append({"condition_id": cond, "comparison_id": comp,
                     "treatment_id": first["treatment_id"], "treatment": first["treatment"],
                     "comparator": first["comparator"], "statements": "; ".join(said),
                     "n_outcomes": len(use)})  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=[
            "condition_id",
            "comparison_id",
            "treatment_id",
            "treatment",
            "comparator",
            "statements",
            "n_outcomes",
        ],
    )


def check_outcome(outcome: object) -> None:
    """Raise ``ParameterError`` unless ``outcome`` is None or an outcome domain."""
    if outcome is not None and outcome not in OUTCOME_DOMAINS:
        raise ParameterError(
            f"outcome {outcome!r} is not an outcome domain; use one of: "
            + ", ".join(OUTCOME_DOMAINS)
        )


def filter_rows(
    frame: pd.DataFrame, treatment_ids: Iterable[str] | None, outcome: str | None
) -> pd.DataFrame:
    """The rows of ``frame`` of these treatments and this outcome domain (None: all)."""
    if treatment_ids is not None:
        frame = frame[frame["treatment_id"].isin(list(treatment_ids))]
    if outcome is not None:
        frame = frame[frame["outcome_domain"].astype(str) == outcome]
    return frame


__all__ = [
    "COLUMNS",
    "MAIN_OUTCOMES",
    "bottom_lines",
    "ratio_inverted",
    "risk_difference",
    "check_outcome",
    "filter_rows",
    "rows_from_profile",
]
