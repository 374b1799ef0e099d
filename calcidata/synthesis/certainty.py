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

from calcidata.schemas.effect_measures import MEASURES
from calcidata.schemas.vocabularies import (
    CERTAINTY,
    NON_STUDY_DESIGNS,
    REVIEW_DESIGNS,
    UNCONTROLLED_DESIGNS,
)
from calcidata.synthesis.footnotes import code
from calcidata.synthesis.rule import RULE

#: The five GRADE domains, in the order of the profile's columns.
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
RANDOMISED_DESIGNS = ("rct",)
_HIGH = ("high", "critical")
_CONCERN = ("unclear", "some_concerns")
_KIND = {k: m.kind for k, m in MEASURES.items()}
_TYPE = {k: m.outcome_type for k, m in MEASURES.items()}


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


class _Fmt:
    """A footnote code with per-body parameters, formatted only where it is used."""

    def __init__(self, name: str, params: tuple[object, ...]) -> None:
        self.name, self.params = name, params

    def at(self, rows: np.ndarray) -> np.ndarray:
        cols = [p.to_numpy(dtype=object)[rows] if isinstance(p, pd.Series) else [p] * rows.size
                for p in self.params]  # fmt: skip
        return np.array([code(self.name, *r) for r in zip(*cols, strict=True)], dtype=object)


class Codes:
    """Footnote codes collected per body, in order, joined with ``;`` (vectorised)."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.out = np.full(len(index), "", dtype=object)

    def add(self, mask: pd.Series | np.ndarray | bool, values: object) -> None:
        """Add ``values`` (a code, a Series of codes or a :class:`_Fmt`) where ``mask`` holds."""
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False)
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not rows.size:
            return
        if isinstance(values, str):  # one code for every row: tested once
            if values == "":
                return
            vals = np.full(rows.size, values, dtype=object)
        else:
            if isinstance(values, _Fmt):
                vals = values.at(rows)
            elif isinstance(values, pd.Series):
                vals = values.to_numpy(dtype=object)[rows]
            else:
                vals = np.full(rows.size, values, dtype=object)
            ok = np.array([isinstance(v, str) and v != "" for v in vals], dtype=bool)
            rows, vals = rows[ok], vals[ok]
        cur = self.out[rows]
        self.out[rows] = np.where(cur == "", vals, cur + ";" + vals)

    def joined(self) -> pd.Series:
        return pd.Series(self.out, index=self.index, dtype=object)


def _fmt(values: pd.Series, name: str, *params: pd.Series | object) -> _Fmt:
    """``code(name, *params)`` per body (parameters element-wise), formatted lazily."""
    del values
    return _Fmt(name, params)


def _rob(bodies: pd.DataFrame, judged: pd.DataFrame, out: pd.DataFrame, notes: Codes) -> None:
    """Risk of bias from the share of weight at high / concerning / unassessed risk."""
    w = judged["weight"].astype(float)
    j = judged["judgement"].astype(object)
    g = judged["body_id"]
    total = w.groupby(g).sum()
    high = w.where(j.isin(_HIGH), 0.0).groupby(g).sum() / total
    concern = w.where(~j.eq("low"), 0.0).groupby(g).sum() / total
    assessed = w.where(j.notna(), 0.0).groupby(g).sum() / total
    idx = bodies.index
    high, concern = high.reindex(idx).fillna(0.0), concern.reindex(idx).fillna(1.0)
    assessed = assessed.reindex(idx).fillna(0.0)
    not_assessed = assessed.eq(0)
    down = pd.Series(0, index=idx)
    down[not_assessed] = -1
    notes.add(not_assessed, code("rob_not_assessed"))
    two = ~not_assessed & (high > RULE.rob_high_very_serious)
    one_high = ~not_assessed & ~two & (high > RULE.rob_high_serious)
    one_concern = ~not_assessed & ~two & ~one_high & (concern > RULE.rob_concern_serious)
    down[two] = -2
    down[one_high | one_concern] = -1
    notes.add(two | one_high, _fmt(high, "rob_high_weight", high.round(2)))
    notes.add(one_concern, _fmt(concern, "rob_concern_weight", concern.round(2)))
    extra = bodies["no_comparison_code"]
    notes.add(extra.notna(), extra)
    down = down - extra.notna().astype(int)
    out["risk_of_bias"] = down.clip(lower=-2)


def _inconsistency(bodies: pd.DataFrame, out: pd.DataFrame, notes: Codes) -> None:
    i2 = bodies["i2_percent"].astype(float)
    down = pd.Series(0, index=bodies.index)
    serious = i2 > RULE.i2_serious
    down[serious] = np.where(i2[serious] > RULE.i2_very_serious, -2, -1)
    notes.add(serious, _fmt(i2, "inconsistency_i2", i2.fillna(0)))
    split = bodies["split_directions"] | bodies["mixed_direction"]
    down[split & (down == 0)] = -1
    notes.add(split, code("inconsistency_directions"))
    many = bodies["n_studies"].astype(float) > 1
    notes.add(~many & ~serious & ~split, code("single_study"))
    notes.add(many & i2.isna() & bodies["basis"].eq("review"), code("no_i2_reported"))
    out["inconsistency"] = down


def _indirectness(bodies: pd.DataFrame, out: pd.DataFrame, notes: Codes) -> None:
    pop = bodies["indirect"].astype(bool)
    none = pd.Series(False, index=bodies.index)
    intervention = bodies.get("class_behind", none).astype("boolean").fillna(False).astype(bool)
    sur = bodies["surrogate"].astype("boolean").fillna(False).astype(bool)
    notes.add(pop, code("indirect_population"))
    names = bodies.get("agent_names", none.astype(object))
    notes.add(intervention, _fmt(names, "indirect_intervention", names.fillna("")))
    notes.add(sur, code("surrogate"))
    down = pop.astype(int) + intervention.astype(int) + sur.astype(int)
    out["indirectness"] = -down.clip(upper=2)


def _imprecision(bodies: pd.DataFrame, out: pd.DataFrame, notes: Codes) -> None:
    m = bodies["effect_measure"].astype(str)
    kind, otype = m.map(_KIND), m.map(_TYPE)
    lo, hi = bodies["ci_low"].astype(float), bodies["ci_high"].astype(float)
    est = bodies["estimate"].astype(float)
    judged = kind.isin(["ratio", "difference"]) & est.notna()
    has_ci = lo.notna() & hi.notna()
    ratio = judged & kind.eq("ratio") & has_ci
    mid = bodies["mid"].astype(float).where(m.eq("MD"))
    diff_mid = judged & kind.eq("difference") & has_ci & mid.notna()
    diff_null = judged & kind.eq("difference") & has_ci & mid.isna()
    low_t = pd.Series(np.where(ratio, RULE.rr_benefit, -mid), index=bodies.index)
    high_t = pd.Series(np.where(ratio, RULE.rr_harm, mid), index=bodies.index)
    null = pd.Series(np.where(ratio, 1.0, 0.0), index=bodies.index)
    includes_null = (lo <= null) & (null <= hi)
    thresholds = ratio | diff_mid
    below = (lo < low_t) & (hi > low_t)  # the CI crosses the threshold of appreciable benefit
    above = (lo < high_t) & (hi > high_t)  # ... and of appreciable harm
    both = thresholds & below & above
    one = ~both & ((ratio & includes_null & (below | above)) | (diff_mid & (below ^ above)))
    with np.errstate(divide="ignore", invalid="ignore"):
        wide = ratio & ~both & (hi / lo >= RULE.very_wide_ratio)
    crosses_null = diff_null & includes_null
    ci_down = pd.Series(0, index=bodies.index)
    ci_down[both | wide] = -2
    ci_down[one | crosses_null] = -1
    no_ci = judged & ~has_ci
    ci_down[no_ci] = -1
    notes.add(both, _fmt(lo, "imprecision_crosses_both", low_t.round(3), high_t.round(3)))
    crossed = pd.Series(np.where(below, low_t, high_t), index=bodies.index).round(3)
    notes.add(one, _fmt(lo, "imprecision_crosses_one", crossed))
    notes.add(wide, _fmt(lo, "imprecision_very_wide", lo.round(3), hi.round(3)))
    notes.add(crosses_null, code("imprecision_crosses_null"))
    notes.add(judged & kind.eq("difference") & mid.isna(), code("mid_not_known"))
    notes.add(no_ci, code("imprecision_no_ci"))
    # optimal information size: events (dichotomous), participants (continuous)
    n = bodies["n_participants"].astype(float)
    events = bodies["events"].astype(float)
    events = events.where(events.notna(), (bodies["baseline_risk"].astype(float) * n).round())
    dich, cont = judged & otype.eq("dichotomous"), judged & otype.eq("continuous")
    ev_short = dich & events.notna() & (events < RULE.ois_events)
    bound_short = dich & events.isna() & n.notna() & (n < RULE.ois_events)
    size = events.where(events.notna(), n)
    part_short = cont & n.notna() & (n < RULE.ois_participants)
    need = pd.Series(np.where(dich, RULE.ois_events, RULE.ois_participants), index=bodies.index)
    far = (ev_short | bound_short | part_short) & (size < RULE.ois_far_share * need)
    unknown = (dich & events.isna() & ~bound_short) | (cont & n.isna())
    short = ev_short | bound_short | part_short
    ois_down = -(short.astype(int) + far.astype(int) + unknown.astype(int))
    notes.add(ev_short | bound_short, _fmt(size, "imprecision_ois_events", size.fillna(0),
                                           RULE.ois_events))  # fmt: skip
    notes.add(part_short, _fmt(n, "imprecision_ois_participants", n.fillna(0),
                               RULE.ois_participants))  # fmt: skip
    notes.add(far, code("imprecision_far_from_ois"))
    notes.add(dich & unknown, code("imprecision_events_unknown"))
    notes.add(cont & unknown, code("imprecision_participants_unknown"))
    out["imprecision"] = (ci_down + ois_down).clip(lower=-2)


def _publication_bias(bodies: pd.DataFrame, out: pd.DataFrame, notes: Codes) -> None:
    reported = bodies["publication_bias_detected"].astype(bool)
    egger = bodies["egger_p"].astype(float) < RULE.egger_alpha
    notes.add(reported, code("publication_bias_reported"))
    notes.add(~reported & egger, _fmt(bodies["egger_p"], "publication_bias_egger",
                                      bodies["egger_p"].fillna(1)))  # fmt: skip
    out["publication_bias"] = -(reported | egger).astype(int)


def _cap(level: pd.Series, cap: str, mask: pd.Series) -> pd.Series:
    return level.where(~mask, np.minimum(level, CERTAINTY.index(cap)))


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
    out = pd.DataFrame(index=idx)
    notes = Codes(idx)
    stated = bodies["stated"].notna()
    notes.add(stated, _fmt(bodies["stated"], "stated_rating", bodies["stated"].fillna("")))
    sr = bodies["stated_reasons"]
    notes.add(stated & sr.notna(), _fmt(sr, "stated_reasons", sr.fillna("").str.replace(";", ", ")))
    notes.add(~stated & bodies["start_code"].notna(), bodies["start_code"])
    _rob(bodies, judged, out, notes)
    _inconsistency(bodies, out, notes)
    _indirectness(bodies, out, notes)
    _imprecision(bodies, out, notes)
    _publication_bias(bodies, out, notes)
    start = bodies["start_level"].map(CERTAINTY.index).astype("int64")  # (int when no bodies)
    rule_level = start + out[list(DOMAINS)].sum(axis=1).astype("int64")
    # stated: kept, less one level for a population the source did not rate down for
    pop_extra = stated & bodies["indirect"] & ~sr.fillna("").str.contains("indirectness")
    stated_level = bodies["stated"].map(lambda c: CERTAINTY.index(c) if isinstance(c, str) else 0)
    raw = pd.Series(np.where(stated, stated_level - pop_extra.astype(int), rule_level), index=idx)
    level = raw.clip(lower=0).astype(int)
    unest = ~bodies["estimable"]
    notes.add(unest, code("not_estimable", RULE.not_estimable_cap))
    level = _cap(level, RULE.not_estimable_cap, unest)
    net = ~stated & bodies["network"]
    notes.add(net, code("network_capped"))
    level = _cap(level, RULE.network_cap, net)
    out["certainty"] = [CERTAINTY[i] for i in level]
    out["certainty_basis"] = np.where(stated, "stated", "calcidata_rule")
    out["start_level"] = bodies["start_level"].where(~stated)
    for d in DOMAINS:
        keep = ~stated | ((d == "indirectness") & pop_extra)
        out[d] = out[d].where(keep).astype("Int64")
    codes = notes.joined()
    # a stated rating keeps its own reasons: drop the rule's domain codes, keep remarks
    out["footnotes"] = codes
    if stated.any():
        out.loc[stated, "footnotes"] = _stated_only(codes[stated], pop_extra[stated])
    return out


_STATED_KEEP = ("stated_rating", "stated_reasons", "not_estimable", "no_i2_reported")


def _stated_only(codes: pd.Series, pop_extra: pd.Series) -> pd.Series:
    """For stated ratings: only the stated codes, the population flag and remarks."""
    keep = []
    for text, pop in zip(codes, pop_extra, strict=True):
        parts = [c for c in text.split(";") if c.split(":", 1)[0] in _STATED_KEEP]
        if pop:
            parts.append("indirect_population")
        keep.append(";".join(parts))
    return pd.Series(keep, index=codes.index, dtype=object)


__all__ = ["DOMAINS", "egger_pvalue", "rate_bodies", "start_level"]
