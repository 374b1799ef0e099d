"""Certainty of every body of evidence: GRADE's rules, written down and vectorised.

The rule (also printed in ``data/README.md``; its numbers are in
:data:`calcidata.synthesis.rule.RULE`, rendered in a table below):

1. **Stated ratings are kept.** Where the source of the estimate states a GRADE
   certainty for the outcome, that rating is kept (``certainty_basis =
   "stated"``) with the reasons it states (footnotes ``stated_rating`` and
   ``stated_reasons``). The population flag is applied to stated and rule ratings
   alike: a stated rating of evidence from a broader or different population
   than the condition is rated down once for indirectness (footnote
   ``indirect_population``), unless the source already rated it down for
   indirectness. A network meta-analysis that states its own rating keeps it.
2. Otherwise calcidata rates it (``certainty_basis = "calcidata_rule"``). The
   start level is ``high`` for randomised evidence (RCTs, reviews that pooled
   RCTs) and ``low`` for everything else, said in a footnote
   (``start_low_nonrandomised``, or ``start_low_design_unknown`` when a review
   does not say what it pooled). Nothing is rated up. Each domain rates down by
   0, 1 or 2 levels:

   * **Risk of bias** (Cochrane Handbook 5.1 table 12.2.d): the judgements of the
     ``risk_of_bias`` table (whole-study ``overall`` rows; a stated judgement
     before a derived one) of the studies behind the estimate (a review: the
     studies it includes in ``review_studies``, equal weights; a pool: its
     weights), else the judgement the evidence row or ``review_studies``
     records. The share of weight at high (or critical) risk above
     ``rob_high_serious`` rates down once, above ``rob_high_very_serious`` twice;
     otherwise the share at high, unclear or some-concerns risk *or not
     assessed* above ``rob_concern_serious`` rates down once ("most information"
     is not from studies at low risk). **Not assessed is not "no concern"**: a
     body whose risk of bias no source judged is rated down once, with the
     footnote ``rob_not_assessed``. Case series, case reports and sources that
     are not studies of the effect are rated down once more (``no_comparison``,
     ``not_a_study``); at most twice in all.
   * **Inconsistency** (GRADE 7): I-squared above ``i2_serious`` rates down once,
     above ``i2_very_serious`` twice; results pointing different ways (a review's
     result marked ``mixed``, or pooled studies whose 95% CIs exclude no effect on
     opposite sides) once. A single study is not assessable; a review of several
     studies that reports no I-squared gets the note ``no_i2_reported``.
   * **Indirectness** (GRADE 8): the population flag (``indirect_population``),
     the intervention and a surrogate outcome (``outcomes.surrogate``; footnote
     ``surrogate``) each rate down once; at most twice. The intervention is
     indirect when the evidence behind the estimate is about other interventions
     than the comparison asks: a class body whose estimate rests on results of
     particular agents (pooled at the class, footnote ``indirect_intervention``
     naming them) assumes the class's agents act alike, which GRADE 8 counts as
     "the intervention tested may differ from the intervention of interest". A
     review of the class itself is direct evidence for the class.
   * **Imprecision** (GRADE 6, GRADE 34): the 95% CI is judged against
     thresholds: the outcome's MID (``outcomes.mid``, for mean differences on
     its instrument) where known, else GRADE 6's ``rr_benefit``/``rr_harm`` for
     ratios and the null for differences (footnote ``mid_not_known``). A CI that
     stays within the thresholds is not imprecise (a precise null is not
     imprecise); one that includes no effect and crosses one threshold rates
     down once, both thresholds twice; a ratio CI whose bounds differ by
     ``very_wide_ratio`` times or more twice. The optimal information size
     counts events, not participants (events from arm data, else the review's
     control risk x participants; participants bound them from above):
     fewer than ``ois_events`` events (or ``ois_participants`` participants for
     continuous outcomes) rates down once, fewer than ``ois_far_share`` of it
     twice. Events (or, for continuous outcomes, participants) that cannot be
     counted cannot show the OIS met: once (``imprecision_events_unknown``,
     ``imprecision_participants_unknown``). No 95% CI rates down once. At most
     twice in all.
   * **Publication bias** (GRADE 5): the source reports it detected, or Egger's
     test of calcidata's own pool of ``egger_min_studies`` or more studies gives
     p below ``egger_alpha``: once.

3. The certainty is the start level less the levels rated down, floored at
   ``very_low``. A body with no effect estimate (no estimate, a measure with no
   known null, or a within-arm result) is "not estimable" and never above
   ``not_estimable_cap`` (footnote ``not_estimable``); a network estimate rated
   by the rule never above ``network_cap`` (``network_capped``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from calcidata.schemas.effect_measures import codes as measures_where
from calcidata.schemas.vocabularies import (
    CERTAINTY,
    NON_STUDY_DESIGNS,
    REVIEW_DESIGNS,
    UNCONTROLLED_DESIGNS,
)
from calcidata.synthesis.footnotes import Codes, Formatted, code
from calcidata.synthesis.rule import RULE

#: The five GRADE domains, in the order of the profile's columns.
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
RANDOMISED_DESIGNS = ("rct",)
_HIGH = ("high", "critical")
_CONCERN = ("unclear", "some_concerns")
_RATIO, _DIFFERENCE = measures_where(kind="ratio"), measures_where(kind="difference")
_DICHOTOMOUS = measures_where(outcome_type="dichotomous")
_CONTINUOUS = measures_where(outcome_type="continuous")


def start_level(design: str | None, pooled_design: str | None = None) -> tuple[str, str | None]:
    """Start level of a design and, when it has no comparison group, that footnote code.

    ``("high", None)`` for randomised evidence; ``("low", code)`` with code
    ``no_comparison`` (case series, case reports, reviews of them) or
    ``not_a_study``; ``("low", None)`` for other non-randomised designs.
    """
    kind = pooled_design if design in REVIEW_DESIGNS else design
    if kind in RANDOMISED_DESIGNS:
        return "high", None
    if kind in UNCONTROLLED_DESIGNS:
        return "low", "no_comparison"
    if design in NON_STUDY_DESIGNS:
        return "low", "not_a_study"
    return "low", None


def egger_pvalue(yi: Sequence[float], vi: Sequence[float]) -> float:
    """Two-sided p-value of Egger's regression test for funnel-plot asymmetry.

    Regresses the standardised effect ``yi / se`` on the precision ``1 / se``
    (ordinary least squares); the intercept, tested with t on ``k - 2`` df, is
    the asymmetry (Egger et al., BMJ 1997). NaN with fewer than 3 studies.
    """
    from scipy import stats

    y, se = np.asarray(yi, dtype=float), np.sqrt(np.asarray(vi, dtype=float))
    if y.size < 3:
        return math.nan
    fit = stats.linregress(1 / se, y / se)
    t = fit.intercept / fit.intercept_stderr
    return float(2 * stats.t.sf(abs(t), y.size - 2))


def _rob(bodies: pd.DataFrame, judged: pd.DataFrame, notes: Codes) -> np.ndarray:
    """Risk of bias from the share of weight at high / concerning / unassessed risk."""
    pos = bodies.index.get_indexer(pd.Index(judged["body_id"]))  # each row's body (-1: none)
    mine = pos >= 0
    w = judged["weight"].astype(float).to_numpy()[mine]
    which, uniques = pd.factorize(judged["judgement"].astype(object).to_numpy()[mine])
    kinds = pd.Series(uniques, dtype=object)  # each distinct judgement tested once; -1: NaN
    high_j = np.append(kinds.isin(_HIGH).to_numpy(), False)[which]
    concern_j = np.append(~kinds.eq("low").to_numpy(), True)[which]
    # one groupby (pandas' compensated sum, as before) over the body positions, 4 columns
    parts = np.column_stack([w, np.where(high_j, w, 0.0), np.where(concern_j, w, 0.0),
                             np.where(which >= 0, w, 0.0)])  # fmt: skip
    sums = pd.DataFrame(parts).groupby(pos[mine]).sum()
    share = np.full((len(bodies), 3), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        share[sums.index] = sums.to_numpy()[:, 1:] / sums.to_numpy()[:, :1]
    # a body with no judged study (or no weight): no high share, all of concern, none assessed
    high, concern, assessed = (np.where(np.isnan(share[:, i]), fill, share[:, i])
                               for i, fill in enumerate((0.0, 1.0, 0.0)))  # fmt: skip
    not_assessed = assessed == 0
    down: np.ndarray = np.where(not_assessed, -1, 0)
    notes.add(not_assessed, code("rob_not_assessed"))
    two = ~not_assessed & (high > RULE.rob_high_very_serious)
    one_high = ~not_assessed & ~two & (high > RULE.rob_high_serious)
    one_concern = ~not_assessed & ~two & ~one_high & (concern > RULE.rob_concern_serious)
    down[two] = -2
    down[one_high | one_concern] = -1
    notes.add(two | one_high, Formatted("rob_high_weight", high.round(2)))
    notes.add(one_concern, Formatted("rob_concern_weight", concern.round(2)))
    extra = bodies["no_comparison_code"]
    notes.add(extra.notna(), extra)
    return (down - extra.notna().to_numpy(dtype=int)).clip(min=-2)


def _inconsistency(bodies: pd.DataFrame, notes: Codes) -> np.ndarray:
    i2 = bodies["i2_percent"].astype(float).to_numpy()
    serious = i2 > RULE.i2_serious
    down = np.where(serious, np.where(i2 > RULE.i2_very_serious, -2, -1), 0)
    notes.add(serious, Formatted("inconsistency_i2", i2))  # never NaN where serious
    split = (bodies["split_directions"] | bodies["mixed_direction"]).to_numpy(dtype=bool)
    down[split & (down == 0)] = -1
    notes.add(split, code("inconsistency_directions"))
    many = bodies["n_studies"].astype(float).to_numpy() > 1
    notes.add(~many & ~serious & ~split, code("single_study"))
    review = bodies["basis"].eq("review").to_numpy(dtype=bool)
    notes.add(many & np.isnan(i2) & review, code("no_i2_reported"))
    return down


def _indirectness(bodies: pd.DataFrame, notes: Codes) -> np.ndarray:
    pop = bodies["indirect"].astype(bool).to_numpy()
    none = pd.Series(False, index=bodies.index)
    intervention = _flag(bodies.get("class_behind", none))
    sur = _flag(bodies["surrogate"])
    notes.add(pop, code("indirect_population"))
    names = bodies.get("agent_names", none.astype(object))
    notes.add(intervention, Formatted("indirect_intervention", names.fillna("")))
    notes.add(sur, code("surrogate"))
    down: np.ndarray = pop.astype(np.int64) + intervention + sur
    return -down.clip(max=2)


def _flag(values: pd.Series) -> np.ndarray:
    """True where a value is true, False where it is false or missing.

    Bools with missing values are read as one array; anything else as pandas' "boolean" reads it.
    """
    if values.dtype == bool:
        return values.to_numpy()
    objects = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(objects, skipna=True) == "boolean":
        known = pd.notna(objects)
        flags = np.zeros(objects.size, dtype=bool)
        flags[known] = objects[known].astype(bool)
        return flags
    read: np.ndarray = values.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return read


def _imprecision(bodies: pd.DataFrame, notes: Codes) -> np.ndarray:
    which, measures = pd.factorize(bodies["effect_measure"].to_numpy(dtype=object))

    def measure_in(names: Sequence[str]) -> np.ndarray:  # each distinct measure tested once
        return np.append(pd.Series(measures, dtype=object).isin(names).to_numpy(), False)[which]

    diff, ratio_kind = measure_in(_DIFFERENCE), measure_in(_RATIO)
    lo, hi = _floats(bodies["ci_low"]), _floats(bodies["ci_high"])
    judged = (ratio_kind | diff) & ~np.isnan(_floats(bodies["estimate"]))
    has_ci = ~np.isnan(lo) & ~np.isnan(hi)
    ratio = judged & ratio_kind & has_ci
    mid = np.where(measure_in(["MD"]), _floats(bodies["mid"]), np.nan)
    diff_mid = judged & diff & has_ci & ~np.isnan(mid)
    diff_null = judged & diff & has_ci & np.isnan(mid)
    low_t = np.where(ratio, RULE.rr_benefit, -mid)
    high_t = np.where(ratio, RULE.rr_harm, mid)
    null = np.where(ratio, 1.0, 0.0)
    includes_null = (lo <= null) & (null <= hi)
    thresholds = ratio | diff_mid
    below = (lo < low_t) & (hi > low_t)  # the CI crosses the threshold of appreciable benefit
    above = (lo < high_t) & (hi > high_t)  # ... and of appreciable harm
    both = thresholds & below & above
    one = ~both & ((ratio & includes_null & (below | above)) | (diff_mid & (below ^ above)))
    with np.errstate(divide="ignore", invalid="ignore"):
        wide = ratio & ~both & (hi / lo >= RULE.very_wide_ratio)
    crosses_null = diff_null & includes_null
    no_ci = judged & ~has_ci
    ci_down: np.ndarray = np.where(one | crosses_null | no_ci, -1, np.where(both | wide, -2, 0))
    notes.add(both, Formatted("imprecision_crosses_both", low_t.round(3), high_t.round(3)))
    notes.add(one, Formatted("imprecision_crosses_one", np.where(below, low_t, high_t).round(3)))
    notes.add(wide, Formatted("imprecision_very_wide", lo.round(3), hi.round(3)))
    notes.add(crosses_null, code("imprecision_crosses_null"))
    notes.add(judged & diff & np.isnan(mid), code("mid_not_known"))
    notes.add(no_ci, code("imprecision_no_ci"))
    # optimal information size: events (dichotomous), participants (continuous)
    n = _floats(bodies["n_participants"])
    events = _floats(bodies["events"])
    events = np.where(np.isnan(events), (_floats(bodies["baseline_risk"]) * n).round(), events)
    dich, cont = judged & measure_in(_DICHOTOMOUS), judged & measure_in(_CONTINUOUS)
    ev_short = dich & ~np.isnan(events) & (events < RULE.ois_events)
    bound_short = dich & np.isnan(events) & ~np.isnan(n) & (n < RULE.ois_events)
    size = np.where(np.isnan(events), n, events)
    part_short = cont & ~np.isnan(n) & (n < RULE.ois_participants)
    need = np.where(dich, RULE.ois_events, RULE.ois_participants)
    short = ev_short | bound_short | part_short
    far = short & (size < RULE.ois_far_share * need)
    unknown = (dich & np.isnan(events) & ~bound_short) | (cont & np.isnan(n))
    ois_down: np.ndarray = -(short.astype(int) + far.astype(int) + unknown.astype(int))
    notes.add(ev_short | bound_short, Formatted("imprecision_ois_events", size, RULE.ois_events))
    notes.add(part_short, Formatted("imprecision_ois_participants", n, RULE.ois_participants))
    notes.add(far, code("imprecision_far_from_ois"))
    notes.add(dich & unknown, code("imprecision_events_unknown"))
    notes.add(cont & unknown, code("imprecision_participants_unknown"))
    down: np.ndarray = ci_down + ois_down
    return down.clip(min=-2)


def _publication_bias(bodies: pd.DataFrame, notes: Codes) -> np.ndarray:
    reported = bodies["publication_bias_detected"].astype(bool).to_numpy()
    egger = _floats(bodies["egger_p"]) < RULE.egger_alpha
    notes.add(reported, code("publication_bias_reported"))
    notes.add(~reported & egger, Formatted("publication_bias_egger", bodies["egger_p"]))
    return -(reported | egger).astype(np.int64)


def _floats(values: pd.Series) -> np.ndarray:
    return values.astype(float).to_numpy()


def _levels(values: pd.Series) -> np.ndarray:
    """The position in :data:`CERTAINTY` of each level (ValueError for anything else)."""
    found, uniques = pd.factorize(values)
    if (found < 0).any():
        raise ValueError("a certainty level is missing")
    return np.array([CERTAINTY.index(u) for u in uniques], dtype=np.int64)[found]


def rate_bodies(bodies: pd.DataFrame, judged: pd.DataFrame) -> pd.DataFrame:
    """Certainty of every body (indexed by ``body_id``).

    Parameters
    ----------
    bodies : pandas.DataFrame
        One row per body: ``stated`` (a certainty or NA), ``stated_reasons``,
        ``start_level``, ``start_code``, ``no_comparison_code``, ``basis``,
        ``effect_measure``, ``estimate``, ``ci_low``, ``ci_high``, ``n_studies``,
        ``n_participants``, ``events``, ``baseline_risk``, ``i2_percent``,
        ``split_directions``, ``mixed_direction``, ``indirect``, ``surrogate``,
        ``mid``, ``egger_p``, ``publication_bias_detected``, ``network``,
        ``estimable``.
    judged : pandas.DataFrame
        ``body_id``, ``weight``, ``judgement`` (risk of bias, NA where none).

    Returns
    -------
    pandas.DataFrame
        The domain columns (Int64; NA for stated ratings but indirectness),
        ``certainty``, ``certainty_basis``, ``start_level`` and ``footnotes``.
    """
    idx = bodies.index
    notes = Codes(idx)
    stated_s = bodies["stated"].notna()
    stated = stated_s.to_numpy()
    notes.add(stated, Formatted("stated_rating", bodies["stated"]))
    sr = bodies["stated_reasons"]
    # the stated reasons are read only where a rating is stated: the string methods run there
    told = stated & sr.notna().to_numpy()
    reasons = np.full(len(idx), "", dtype=object)
    if told.any():
        reasons[told] = sr[told].str.replace(";", ", ").to_numpy(dtype=object)
    notes.add(told, Formatted("stated_reasons", reasons))
    notes.add(~stated & bodies["start_code"].notna().to_numpy(), bodies["start_code"])
    down = {
        "risk_of_bias": _rob(bodies, judged, notes),
        "inconsistency": _inconsistency(bodies, notes),
        "indirectness": _indirectness(bodies, notes),
        "imprecision": _imprecision(bodies, notes),
        "publication_bias": _publication_bias(bodies, notes),
    }
    rule_level = _levels(bodies["start_level"]) + sum(down.values())
    # stated: kept, less one level for a population the source did not rate down for
    own = np.zeros(len(idx), dtype=bool)
    if stated.any():
        own[stated] = sr[stated_s].fillna("").str.contains("indirectness").to_numpy(dtype=bool)
    pop_extra = (stated_s & bodies["indirect"]).to_numpy(dtype=bool) & ~own
    stated_level = np.zeros(len(idx), dtype=np.int64)
    stated_level[stated] = bodies["stated"][stated_s].map(
        lambda c: CERTAINTY.index(c) if isinstance(c, str) else 0
    )
    level = np.maximum(np.where(stated, stated_level - pop_extra, rule_level), 0)
    unest = ~bodies["estimable"].to_numpy(dtype=bool)
    notes.add(unest, code("not_estimable", RULE.not_estimable_cap))
    level = np.where(unest, np.minimum(level, CERTAINTY.index(RULE.not_estimable_cap)), level)
    net = ~stated & bodies["network"].to_numpy(dtype=bool)
    notes.add(net, code("network_capped"))
    level = np.where(net, np.minimum(level, CERTAINTY.index(RULE.network_cap)), level)
    # NA for a stated rating's domains, but indirectness when the population rated it down
    na = {d: stated & ~(pop_extra & (d == "indirectness")) for d in down}
    out = {d: pd.arrays.IntegerArray(v.astype(np.int64), na[d]) for d, v in down.items()}
    # a stated rating keeps its own reasons: drop the rule's domain codes, keep remarks
    footnotes = notes.out
    if stated.any():
        footnotes[stated] = _stated_only(footnotes[stated], pop_extra[stated])
    return pd.DataFrame(
        out | {"certainty": np.array(CERTAINTY, dtype=object)[level].tolist(),
               "certainty_basis": np.where(stated, "stated", "calcidata_rule"),
               "start_level": bodies["start_level"].where(~stated_s),
               "footnotes": pd.Series(footnotes, index=idx, dtype=object)},
        index=idx,
    )  # fmt: skip


_STATED_KEEP = ("stated_rating", "stated_reasons", "not_estimable", "no_i2_reported")


def _stated_only(codes: np.ndarray, pop_extra: np.ndarray) -> list[str]:
    """For stated ratings: only the stated codes, the population flag and remarks."""
    keep = []
    for text, pop in zip(codes, pop_extra, strict=True):
        parts = [c for c in text.split(";") if c.split(":", 1)[0] in _STATED_KEEP]
        if pop:
            parts.append("indirect_population")
        keep.append(";".join(parts))
    return keep


__all__ = ["DOMAINS", "egger_pvalue", "rate_bodies", "start_level"]
