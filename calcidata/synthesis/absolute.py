"""Anticipated absolute effects and GRADE's plain-language statement of every body.

Risk with the comparator (dichotomous measures)
------------------------------------------------
The review's stated control risk (``evidence.control_risk`` of the row behind
the estimate) where it gives one (``baseline_basis = "stated"``), else the
pooled control arms of the body's trials, events over totals, one arm per
study (``control_arms``), else not estimable.

Risk with the intervention, on the probability scale
----------------------------------------------------
From the risk with the comparator ``p`` and the ratio (and each bound of its
95% CI): RR: ``p x RR``; OR: ``p x OR / (1 - p + p x OR)``; HR: ``1 - (1 -
p)^HR``; each kept within 0 and 1 (an RD needs no ``p``: it is its own
difference, when given as a proportion). The difference per 1,000
(``abs_effect``, ``abs_ci_low``, ``abs_ci_high``) is that risk less ``p``,
times 1,000, so ``baseline + abs`` always lies within 0 and 1,000. A risk with
the comparator of 0 (or 1) makes a ratio's difference not estimable (NaN),
never "0 fewer". A ratio whose source orients it against its outcome's events
(``ratio_inverted``, see :mod:`calcidata.synthesis.sof`) gets none.

Continuous outcomes
-------------------
``comparator_mean``: the mean of the comparator arms of the body's trials,
weighted by their sizes. ``abs_effect`` is the mean difference in the
instrument's units (``abs_unit`` the instrument, else ``scale units``); a
standardised mean difference is re-expressed on the outcome's instrument
(``outcomes.instrument``) by the pooled SD of the comparator arms when those
are known, else left as an SMD (``abs_unit = "SD"``).

The statement (Santesso et al. 2020)
------------------------------------
Chosen from the certainty and the size of the effect against the MID (the
thresholds of the imprecision rule): high certainty "X reduces / increases /
results in little to no difference in <outcome>"; moderate "X probably ..."
(the paper's abstract words it "likely results in"; calcidata uses "probably",
as Cochrane summaries do); low "X may ..."; very low "The evidence is very
uncertain about the effect of X on <outcome>". An effect is important when
its point estimate lies beyond the threshold (the MID; 0.75 or 1.25 for a
ratio); for a difference without MID, when its 95% CI excludes no effect. A
body with no estimate is "not estimable".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from calcidata.schemas.effect_measures import MEASURES
from calcidata.schemas.effect_measures import codes as measures_where
from calcidata.schemas.vocabularies import BENEFIT_EVENT_DOMAINS, HARM_EVENT_DOMAINS
from calcidata.synthesis._keyed import combined, first_at, isin, sorted_codes
from calcidata.synthesis.rule import RULE

PER = 1000.0
_KIND = {k: m.kind for k, m in MEASURES.items()}
_TYPE = {k: m.outcome_type for k, m in MEASURES.items()}
_RATIOS = measures_where(kind="ratio")
_FAVOURS = ("favours_treatment", "favours_comparator")
_VERBS = {
    "high": ("", "reduces", "increases", "results in little to no difference in"),
    "moderate": (
        "probably_",
        "probably reduces",
        "probably increases",
        "probably results in little to no difference in",
    ),  # fmt: skip
    "low": ("may_", "may reduce", "may increase", "may result in little to no difference in"),
}


def implied_risk(measure: str, p: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Risk with the intervention implied by a ratio (or RD) and the comparator risk ``p``.

    Parameters
    ----------
    measure : str
        RR, OR, HR or RD.
    p : numpy.ndarray
        Risk with the comparator, proportions.
    value : numpy.ndarray
        The effect (or a bound of its CI) on its natural scale.

    Returns
    -------
    numpy.ndarray
        Proportions within [0, 1]; NaN for other measures or unknown inputs.

    Examples
    --------
    >>> implied_risk("RR", np.array([0.2]), np.array([0.5]))
    array([0.1])
    """
    p, value = np.asarray(p, dtype=float), np.asarray(value, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if measure == "RR":
            r = p * value
        elif measure == "OR":
            r = p * value / (1 - p + p * value)
        elif measure == "HR":
            r = 1 - np.power(1 - p, value)
        elif measure == "RD":
            r = p + value
        else:
            r = np.full(np.broadcast(p, value).shape, np.nan)
    clipped: np.ndarray = np.clip(r, 0.0, 1.0)
    return clipped


def absolute_effects(bodies: pd.DataFrame) -> pd.DataFrame:
    """``abs_effect``, ``abs_ci_low``, ``abs_ci_high`` and ``abs_unit`` of every body.

    ``bodies`` needs ``effect_measure``, ``estimate``, ``ci_low``, ``ci_high``,
    ``baseline_risk``, ``ratio_inverted``, ``instrument`` and ``comparator_sd``.
    """
    n = len(bodies)
    sources = {"abs_effect": "estimate", "abs_ci_low": "ci_low", "abs_ci_high": "ci_high"}
    given = {c: bodies[src].astype(float).to_numpy() for c, src in sources.items()}
    out = {c: np.full(n, np.nan) for c in sources}  # filled per measure, each row once
    unit = np.full(n, None, dtype=object)
    measure = bodies["effect_measure"].astype(str).to_numpy()
    p = bodies["baseline_risk"].astype(float).to_numpy()
    usable = (p > 0) & (p < 1) & ~bodies["ratio_inverted"].to_numpy(bool)
    for m in ("RR", "OR", "HR"):
        rows = (measure == m) & usable
        for c in out:
            out[c][rows] = PER * (implied_risk(m, p[rows], given[c][rows]) - p[rows])
        unit[rows] = "per_1000"
    rd = (measure == "RD") & np.all([np.abs(v) <= 1 for v in given.values()], axis=0)
    for c in out:
        out[c][rd] = PER * given[c][rd]
    unit[rd] = "per_1000"
    names = bodies["instrument"].astype("string").fillna("scale units").to_numpy(dtype=object)
    md, smd = measure == "MD", measure == "SMD"
    sd = bodies["comparator_sd"].astype(float).to_numpy()
    named = smd & bodies["instrument"].notna().to_numpy() & ~np.isnan(sd)
    for c in out:
        out[c][md] = given[c][md]
        out[c][named] = given[c][named] * sd[named]
        out[c][smd & ~named] = given[c][smd & ~named]
    unit[md | named] = names[md | named]
    unit[smd & ~named] = "SD"
    frame = pd.DataFrame(out, index=bodies.index)
    frame["abs_unit"] = pd.Series(unit, index=bodies.index, dtype="string")
    return frame


def sentence_case(name: str) -> str:
    """An outcome's name as it reads inside a sentence: its own capitals kept.

    Only the first letter is lowered, and only when the first word is an ordinary
    word (its other letters lower case: not an acronym such as VAS or ASES, nor a
    hyphenated eponym such as Constant-Murley) and the name is not a title-cased
    instrument name (Oxford Shoulder Score).

    Examples
    --------
    >>> sentence_case("Heterotopic ossification Brooker II-IV")
    'heterotopic ossification Brooker II-IV'
    >>> sentence_case("Constant-Murley shoulder score"), sentence_case("ASES shoulder score")
    ('Constant-Murley shoulder score', 'ASES shoulder score')
    >>> sentence_case("Oxford Shoulder Score")
    'Oxford Shoulder Score'
    """
    words = name.split()
    if not words:
        return name
    first = words[0]
    ordinary = first[:1].isupper() and first[1:] == first[1:].lower()
    long_words = [w for w in words if len(w) > 3 and w[:1].isalpha()]
    titled = len(long_words) > 1 and all(w[:1].isupper() for w in long_words)
    return name[:1].lower() + name[1:] if ordinary and not titled else name


def _each(values: np.ndarray, fn: Callable[[str], str]) -> np.ndarray:
    """``fn`` of each text, computed once per distinct text."""
    codes, uniques = pd.factorize(values)
    return np.array([fn(str(u)) for u in uniques], dtype=object)[codes]


def statements(bodies: pd.DataFrame) -> pd.DataFrame:
    """``statement_code`` and ``statement`` of every body (the module docstring's rule).

    ``bodies`` needs ``certainty``, ``estimable``, ``effect_measure``,
    ``estimate``, ``ci_low``, ``ci_high``, ``mid``, ``treatment_name`` and
    ``outcome_words``.
    """
    ratio = isin(bodies["effect_measure"], _RATIOS)
    est = bodies["estimate"].astype(float)
    lo, hi = bodies["ci_low"].astype(float), bodies["ci_high"].astype(float)
    mid = bodies["mid"].astype(float).where(isin(bodies["effect_measure"], ["MD"]))
    null = np.where(ratio, 1.0, 0.0)
    important = np.where(
        ratio,
        (est < RULE.rr_benefit) | (est > RULE.rr_harm),
        np.where(mid.notna(), est.abs() >= mid, (lo > 0) | (hi < 0)),
    )
    down = (est < null).to_numpy()
    imp = np.asarray(important, dtype=bool)
    ok = bodies["estimable"].to_numpy(bool)
    # the words depend on treatment, outcome, certainty and three flags: found once for
    # each distinct combination, at its first body
    columns = [bodies[c].to_numpy(dtype=object) for c in ("treatment_name", "outcome_words")]
    columns.append(bodies["certainty"].astype(object).to_numpy())
    # missing values (none in practice) meet
    index = combined([ok * 4 + imp * 2 + down, *(pd.factorize(c)[0] for c in columns)])
    codes, texts = [], []
    for row in first_at(index).tolist():
        treatment, outcome, cert = (str(columns[0][row]), str(columns[1][row]), columns[2][row])
        if not ok[row]:
            codes.append("not_estimable")
            texts.append("Not estimable: no effect estimate")
        elif cert in _VERBS:
            prefix, reduces, increases, little = _VERBS[cert]
            effect = ("reduce" if down[row] else "increase") if imp[row] else ""
            codes.append(prefix + (effect + ("" if prefix == "may_" else "s") if effect
                                   else "little_to_no_difference"))  # fmt: skip
            verb = (reduces if down[row] else increases) if imp[row] else little
            texts.append(f"{treatment} {verb} {outcome}")
        else:
            codes.append("very_uncertain")
            texts.append("The evidence is very uncertain about the effect of "
                         f"{sentence_case(treatment)} on {outcome}")  # fmt: skip
    return pd.DataFrame(
        {"statement_code": np.asarray(codes, dtype=object)[index],
         "statement": np.asarray(texts, dtype=object)[index]}, index=bodies.index)  # fmt: skip


def control_arms(items: pd.DataFrame) -> pd.DataFrame:
    """Per body: pooled comparator risk (events/total), mean and SD of the comparator arms.

    One arm per (body, study): the largest comparator arm, then the first item id (not
    the rows' order), then the first in ``order``.
    """
    rows = np.flatnonzero(
        items["kind"].eq("arms").to_numpy(bool) & ~items["within_arm"].to_numpy(bool)
    )
    n = items["n_comparator"].to_numpy(float)[rows]
    item = sorted_codes(items["item_id"].to_numpy(dtype=object)[rows])[0]
    # largest first, missing sizes last; then item id and order
    rows = rows[
        np.lexsort((items["order"].to_numpy()[rows], item, np.where(np.isnan(n), np.inf, -n)))
    ]
    study = pd.factorize(items["study_id"].to_numpy(dtype=object)[rows])[0]  # missing ids meet
    body = items["body_id"].to_numpy(np.int64)[rows]
    rows = rows[~pd.Index(body * np.int64(study.max(initial=-1) + 2) + study + 1).duplicated()]
    body = items["body_id"].to_numpy(np.int64)[rows]
    arms = ("events_comparator", "n_comparator", "mean_comparator", "sd_comparator")
    events, n, mean, sd = (items[c].to_numpy(float)[rows] for c in arms)
    code, names = pd.factorize(items["effect_measure"].to_numpy(dtype=object)[rows])
    dich = np.r_[names == "RR", False][code] & ~np.isnan(events) & ~np.isnan(n)
    cont = np.r_[names == "MD", False][code] & ~np.isnan(mean) & ~np.isnan(n)
    sds = cont & ~np.isnan(sd)
    # one groupby; each sum skips the rows marked missing (NaN), so it sums its rows alone
    parts = {"k": np.where(dich, 1.0, np.nan), "e": np.where(dich, events, np.nan),
             "n": np.where(dich, n, np.nan), "w": np.where(cont, mean * n, np.nan),
             "nc": np.where(cont, n, np.nan), "v": np.where(sds, (n - 1) * sd**2, np.nan),
             "d": np.where(sds, n - 1, np.nan)}  # fmt: skip
    total = pd.DataFrame(parts).groupby(body).sum()
    return pd.DataFrame({"arm_risk": total["e"] / total["n"],
                         "arm_studies": total["k"].where(total["k"] > 0),
                         "comparator_mean": total["w"] / total["nc"],
                         "comparator_sd": np.sqrt(total["v"] / total["d"])})  # fmt: skip


def inverted(
    domain: pd.Series, measure: pd.Series, est: pd.Series, direction: pd.Series
) -> pd.Series[bool]:
    """A ratio on the other side of 1 than its stated direction implies (see ``sof``).

    Each text column's distinct values are tested once (:func:`~calcidata.synthesis._keyed.isin`).
    """
    e = est.to_numpy(float)
    for_treatment, for_comparator = (isin(direction, [d]) for d in _FAVOURS)
    ratio = isin(measure, _RATIOS) & ~np.isnan(e) & (for_treatment | for_comparator)
    harm, benefit = isin(domain, HARM_EVENT_DOMAINS), isin(domain, BENEFIT_EVENT_DOMAINS)
    below = np.where(harm, for_treatment, for_comparator)
    with np.errstate(invalid="ignore"):  # a missing estimate is no ratio already
        out = ratio & (harm | benefit) & (e != 1) & ((e < 1) != below)
    return pd.Series(out, index=est.index)


__all__ = [
    "PER",
    "absolute_effects",
    "control_arms",
    "implied_risk",
    "inverted",
    "sentence_case",
    "statements",
]
