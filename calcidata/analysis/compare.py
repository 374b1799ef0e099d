"""Comparison tables: the analysis behind the reports (no plotting, no HTML).

Every function takes the :class:`~calcidata.tables.Tables` returned by
:func:`calcidata.load` and returns a new :class:`pandas.DataFrame`; the input
tables are never modified. Missing values stay missing (``<NA>``); the
presentation layer (:mod:`calcidata.present`) shows them as "Not reported".

Caveats travel with results: tables that compare treatments or results carry a
``caveats`` column holding codes from :data:`CAVEATS` separated by ``;``. A
row is never dropped because something about it is weak or missing; the caveat
says so instead. Evidence strength comes from :mod:`calcidata.strength` and is
never upgraded here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from calcidata.analysis.strength import design_level, row_strength
from calcidata.errors import ParameterError
from calcidata.schemas.evidence import REVIEW_DESIGNS
from calcidata.schemas.vocabularies import (
    INVASIVENESS,
    MODALITIES,
    OUTCOME_DOMAINS,
    RATIO_MEASURES,
    STRENGTH,
)
from calcidata.tables.container import Tables

#: Shown as the strength of a treatment that has no evidence row (known absent, not missing).
NO_EVIDENCE = "no evidence"

#: A study with fewer participants than this is "small" for the caveats.
SMALL_STUDY = 100

#: Caveat code -> the remark shown under a table. Order is the display order of the codes.
CAVEATS: dict[str, str] = {
    "no_evidence": "No evidence row for this treatment and condition (or for the selected "
    "outcome).",
    "lay_or_opinion": "Lowest level of evidence: lay article, expert opinion, narrative review, "
    "ungraded guideline text, drug label or reference work.",
    "case_series_only": "Case series or case reports only: no comparison group.",
    "single_small_study": f"A single study with fewer than {SMALL_STUDY} participants (or with "
    "the number of participants not reported).",
    "indirect": "Indirect evidence: the population studied is broader than, or differs from, "
    "the condition; its strength is downgraded one level.",
    "indirect_all": "All evidence is indirect (population broader than, or different from, "
    "the condition); its strength is downgraded one level.",
    "indirect_some": "Part of the evidence is indirect (population broader than, or different "
    "from, the condition).",
    "narrower_condition": "Evidence for a narrower condition (named in the condition column).",
    "not_clinically_important": "Statistically significant, but the source says the effect is "
    "not clinically important (see the note).",
    "mixed_results": "The results do not all point the same way.",
    "within_group": "Not a comparison between groups: a within-group change or a single-arm "
    "proportion.",
    "no_estimate": "No numeric estimate reported: see the direction and the note.",
    "no_ci": "Estimate reported without a confidence interval.",
    "secondary_or_lay_source": "Taken from a secondary report or lay web page, not from the "
    "study itself.",
    "no_dosing": "No dose or setting reported for this treatment (for this condition or in "
    "general).",
    "general_dosing": "General dose (e.g. from a drug label), not specific to this condition.",
    "lay_dosing": "Dose from a lay web article (lowest rank), not a tested regimen.",
    "no_numbers": "No numeric value reported for this setting (see the note).",
    "no_daily_dose": "No daily dose can be derived (not a daily amount, or frequency not "
    "reported).",
}

#: Gap kind -> what it means, most severe first (see :func:`evidence_gaps`).
GAP_KINDS: dict[str, str] = {
    "condition_without_evidence": "A condition in the tables with no evidence row at all "
    "(for itself or any narrower condition).",
    "no_evidence": "A treatment that a source gives a dose or setting for, for this condition, "
    "but with no evidence row for that treatment and condition.",
    "lay_or_opinion_only": "The best evidence is a lay article, expert opinion, narrative "
    "review, ungraded guideline, label or reference work.",
    "case_reports_only": "The best evidence is case series or case reports (no comparison "
    "group), after any downgrade for indirectness.",
    "indirect_only": "All evidence comes from a broader or different population.",
}

_WITHIN_GROUP = ("proportion", "mean_change")
_NOT_IMPORTANT = re.compile(
    r"not clinically (?:important|relevant|meaningful)"
    r"|below the (?:minimal )?clinically important"
    r"|clinically important difference.{0,40}?not reached"
    r"|not reach[^.;]*clinically important",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- helpers

#: Vocabulary values whose plain-words label is not just "underscores to spaces".
LABELS = {
    "rct": "RCT",
    "meta_analysis_rcts": "meta-analysis of RCTs",
    "systematic_review_meta_analysis": "systematic review with meta-analysis",
    "non_invasive": "non-invasive",
    "intra_articular": "intra-articular",
    "mean_change": "mean change",
}


def humanize(value: object) -> object:
    """A vocabulary value in plain words (``meta_analysis_rcts`` -> ``meta-analysis of RCTs``).

    Underscores become spaces unless :data:`LABELS` says otherwise; missing stays missing.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return pd.NA
    return LABELS.get(str(value), str(value).replace("_", " "))


def vocabulary_code(label: object, vocabulary: Sequence[str]) -> object:
    """The vocabulary value that :func:`humanize` shows as ``label`` (NA if none)."""
    if label in vocabulary:
        return label
    return next((v for v in vocabulary if humanize(v) == label), pd.NA)


def _num(x: float) -> str:
    """A number as a reader wants it: no needless decimals, at most 3 significant digits."""
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _range(lo: object, hi: object, unit: str = "") -> object:
    """``lo-hi unit``, ``up to hi``, ``at least lo``, ``lo`` when equal; NA when both missing."""
    lo_ok, hi_ok = pd.notna(lo), pd.notna(hi)
    tail = f" {unit}" if unit else ""
    if lo_ok and hi_ok:
        text = _num(lo) if np.isclose(lo, hi) else f"{_num(lo)}–{_num(hi)}"
    elif hi_ok:
        text = f"up to {_num(hi)}"
    elif lo_ok:
        text = f"at least {_num(lo)}"
    else:
        return pd.NA
    return text + tail


def _join_codes(codes: Iterable[str]) -> str:
    """Caveat codes as one ``;``-separated cell, in :data:`CAVEATS` order."""
    wanted = set(codes)
    return ";".join(c for c in CAVEATS if c in wanted)


def _nearest(value: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(valid), n=1, cutoff=0.0)
    return f" (nearest match: {close[0]!r})" if close else ""


def _check_ids(kind: str, ids: Iterable[str], valid: Sequence[str]) -> None:
    valid_set = set(valid)
    for i in ids:
        if i not in valid_set:
            raise ParameterError(
                f"unknown {kind} {i!r}{_nearest(str(i), valid)}; valid values: "
                + ", ".join(sorted(valid))
            )


def _check_condition(tables: Tables, condition_id: str | None) -> None:
    if condition_id is not None:
        _check_ids("condition_id", [condition_id], tables.conditions["condition_id"].tolist())


def _check_treatments(tables: Tables, treatment_ids: Sequence[str] | None) -> None:
    if treatment_ids is not None:
        if isinstance(treatment_ids, str):
            raise ParameterError("treatment_ids must be a list of treatment ids, not a string")
        _check_ids("treatment_id", treatment_ids, tables.treatments["treatment_id"].tolist())


def _check_choice(kind: str, value: str | None, valid: Sequence[str]) -> None:
    if value is not None:
        _check_ids(kind, [value], valid)


def subtree(tables: Tables, condition_id: str) -> list[str]:
    """The condition and every narrower condition below it, depth first, by name.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    condition_id : str
        Id of the condition at the top.

    Returns
    -------
    list of str
        Condition ids, starting with ``condition_id``.
    """
    _check_condition(tables, condition_id)
    cond = tables.conditions.sort_values("name")
    children: dict[str, list[str]] = {}
    for cid, parent in zip(cond["condition_id"], cond["parent_id"], strict=True):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(cid)
    out, stack = [], [condition_id]
    while stack:
        cid = stack.pop()
        if cid in out:  # a cycle is a validation error; never loop on it here
            continue
        out.append(cid)
        stack.extend(reversed(children.get(cid, [])))
    return out


def condition_order(tables: Tables) -> list[str]:
    """Every condition id in hierarchy order (roots by name, then their subtrees)."""
    cond = tables.conditions
    roots = cond.loc[cond["parent_id"].isna()].sort_values("name")["condition_id"]
    out: list[str] = []
    for r in roots:
        out.extend(c for c in subtree(tables, r) if c not in out)
    out.extend(c for c in cond["condition_id"] if c not in out)
    return out


def condition_name(tables: Tables, condition_id: str) -> str:
    """Plain-English name of a condition."""
    _check_condition(tables, condition_id)
    cond = tables.conditions
    return str(cond.loc[cond["condition_id"] == condition_id, "name"].iloc[0])


def _names(frame: pd.DataFrame, key: str) -> dict[str, str]:
    return dict(zip(frame[key], frame["name"], strict=True))


def citation_labels(sources: pd.DataFrame) -> pd.Series:
    """Short citation label of each source, e.g. ``Surace 2020``; unique (``2020a``, ``2020b``).

    The label is the first author's surname and the year; without an author, the
    start of the title; without either, the source id.

    Returns
    -------
    pandas.Series
        Labels indexed by ``source_id``.
    """
    labels = {}
    for row in sources.itertuples(index=False):
        author = row.first_author if isinstance(row.first_author, str) else ""
        tokens = author.split()
        if len(tokens) > 1 and tokens[-1].isupper() and tokens[-1].isalpha():
            tokens = tokens[:-1]  # drop the initials
        who = " ".join(tokens)
        if not who and isinstance(row.title, str):
            who = (
                row.title
                if len(row.title) <= 32
                else row.title[:32].rsplit(" ", 1)[0].rstrip(" ,:;-([") + "…"
            )
        if not who:
            who = row.source_id
        year = f" {int(row.year)}" if pd.notna(row.year) else ""
        labels[row.source_id] = f"{who}{year}"
    series = pd.Series(labels, dtype=object)
    counts = series.value_counts()
    for label in counts[counts > 1].index:
        ids = sorted(series.index[series == label])
        for i, sid in enumerate(ids):
            suffix = chr(ord("a") + i) if i < 26 else f"-{i + 1}"
            series[sid] = f"{label}{suffix}"
    series.index.name = "source_id"
    return series.rename("citation")


def _counts(ev: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Studies and participants per group: per source its largest count, summed over sources.

    Sources can overlap, so the sums are upper bounds. A count stays missing
    when no source of the group reports it (it is not reported, not zero).
    """
    if ev.empty:
        return pd.DataFrame(columns=[*keys, "studies", "participants", "sources"])
    per_source = (
        ev[[*keys, "source_id", "n_studies", "n_participants"]]
        .groupby([*keys, "source_id"], observed=True)
        .max()
    )
    by_group = per_source.groupby(level=list(range(len(keys))), observed=True)
    out = pd.DataFrame(
        {
            "studies": by_group["n_studies"].sum(min_count=1),
            "participants": by_group["n_participants"].sum(min_count=1),
            "sources": by_group.size(),
        }
    ).reset_index()
    for c in ("studies", "participants"):
        out[c] = pd.array(out[c], dtype="Int64")
    return out


# --------------------------------------------------------------------------- evidence


def evidence_rows(
    tables: Tables,
    condition_id: str | None = None,
    treatment_ids: Sequence[str] | None = None,
    outcome: str | None = None,
    *,
    modality: str | None = None,
    include_narrower: bool = True,
) -> pd.DataFrame:
    """Evidence rows joined with treatment, condition and source names, and row strength.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    condition_id : str, optional
        Keep rows for this condition (and, with ``include_narrower``, every
        narrower condition). Default: all conditions.
    treatment_ids : list of str, optional
        Keep rows for these treatments. Default: all.
    outcome : str, optional
        Keep rows of this outcome domain (see ``OUTCOME_DOMAINS``).
    modality : str, optional
        Keep rows whose treatment has this modality.
    include_narrower : bool
        Include narrower conditions below ``condition_id``.

    Returns
    -------
    pandas.DataFrame
        The evidence columns plus ``treatment``, ``modality``, ``invasiveness``,
        ``condition``, ``citation``, ``source_kind`` and ``strength`` (the row's
        level on the ordered evidence-strength scale).
    """
    _check_condition(tables, condition_id)
    _check_treatments(tables, treatment_ids)
    _check_choice("outcome", outcome, OUTCOME_DOMAINS)
    _check_choice("modality", modality, MODALITIES)
    ev = tables.evidence
    keep = pd.Series(True, index=ev.index)
    if condition_id is not None:
        ids = subtree(tables, condition_id) if include_narrower else [condition_id]
        keep &= ev["condition_id"].isin(ids)
    if treatment_ids is not None:
        keep &= ev["treatment_id"].isin(list(treatment_ids))
    if outcome is not None:
        keep &= ev["outcome_domain"].astype(object) == outcome
    ev = ev.loc[keep].copy()
    tr = tables.treatments.set_index("treatment_id")
    ev["strength"] = (
        row_strength(ev) if len(ev) else pd.Categorical([], categories=list(STRENGTH), ordered=True)
    )
    ev["treatment"] = ev["treatment_id"].map(tr["name"])
    ev["modality"] = ev["treatment_id"].map(tr["modality"].astype(object))
    ev["invasiveness"] = pd.Categorical(
        ev["treatment_id"].map(tr["invasiveness"].astype(object)),
        categories=list(INVASIVENESS),
        ordered=True,
    )
    ev["condition"] = ev["condition_id"].map(_names(tables.conditions, "condition_id"))
    ev["citation"] = ev["source_id"].map(citation_labels(tables.sources))
    ev["source_kind"] = ev["source_id"].map(
        tables.sources.set_index("source_id")["kind"].astype(object)
    )
    if modality is not None:
        ev = ev.loc[ev["modality"] == modality]
    return ev.reset_index(drop=True)


def _not_clinically_important(note: pd.Series) -> pd.Series:
    return (
        note.astype(object)
        .map(lambda n: isinstance(n, str) and bool(_NOT_IMPORTANT.search(n)))
        .astype(bool)
    )


def _row_caveats(ev: pd.DataFrame, condition_id: str | None) -> pd.Series:
    """Caveat codes of each evidence row."""
    design = ev["study_design"].astype(object)
    level = design_level(ev)
    primary = ~design.isin(REVIEW_DESIGNS) & (level != "lay_or_opinion")  # one study
    n_part = ev["n_participants"].astype("Float64")
    single = (ev["n_studies"].astype("Float64") == 1).fillna(False) | (
        ev["n_studies"].isna() & primary
    )
    small = (n_part < SMALL_STUDY).fillna(True)
    flags = {
        "lay_or_opinion": level == "lay_or_opinion",
        "case_series_only": level == "case_reports",
        "single_small_study": single & small,
        "indirect": ev["indirect"].astype("boolean").fillna(False).astype(bool),
        "narrower_condition": (ev["condition_id"] != condition_id)
        if condition_id
        else pd.Series(False, index=ev.index),
        "not_clinically_important": _not_clinically_important(ev["note"]),
        "within_group": ev["effect_measure"].astype(object).isin(_WITHIN_GROUP),
        "no_estimate": ev["estimate"].isna(),
        "no_ci": ev["estimate"].notna() & ev["ci_low"].isna(),
        "secondary_or_lay_source": ev["source_kind"].isin(("secondary_report", "lay_web_article")),
    }
    codes = list(flags)  # already in CAVEATS order
    matrix = (
        np.column_stack([np.asarray(flags[c], dtype=bool) for c in codes])
        if len(ev)
        else np.zeros((0, len(codes)), dtype=bool)
    )
    return pd.Series(
        [";".join(c for c, v in zip(codes, row, strict=True) if v) for row in matrix],
        index=ev.index,
        dtype=object,
    )


def format_effect(measure: object, estimate: object, low: object, high: object) -> object:
    """``MD -0.78 (95% CI -1.40 to -0.17)``; proportions as percentages; NA without estimate."""
    if pd.isna(estimate):
        return pd.NA
    measure = str(measure)
    if measure == "proportion":

        def fmt(v):
            return f"{v * 100:.1f}%"

        head = fmt(estimate)
    else:

        def fmt(v):
            return f"{v:.2f}" if abs(v) < 100 else f"{v:,.0f}"

        head = f"{'' if measure == 'other' else humanize(measure) + ' '}{fmt(estimate)}"
    if pd.isna(low) or pd.isna(high):
        return f"{head} (CI not reported)"
    return f"{head} (95% CI {fmt(low)} to {fmt(high)})"


def _participants_studies(p: object, s: object) -> object:
    if pd.isna(p) and pd.isna(s):
        return pd.NA
    ptext = "Not reported" if pd.isna(p) else f"{int(p):,}"
    stext = "Not reported" if pd.isna(s) else f"{int(s)}"
    return f"{ptext} ({stext})"


def _treatment_order(ev: pd.DataFrame) -> dict[str, int]:
    """Treatments strongest first (best row strength, then participants, then name)."""
    if ev.empty:
        return {}
    counts = _counts(ev, ["treatment_id"]).set_index("treatment_id")
    best = ev.groupby("treatment_id", observed=True)["strength"].agg(lambda s: s.cat.codes.max())
    order = pd.DataFrame(
        {
            "best": best,
            "participants": counts["participants"].astype("Float64"),
            "name": ev.groupby("treatment_id")["treatment"].first(),
        }
    )
    order = order.sort_values(
        ["best", "participants", "name"], ascending=[False, False, True], na_position="last"
    )
    return {t: i for i, t in enumerate(order.index)}


def summary_of_findings(
    tables: Tables,
    condition_id: str,
    treatment_ids: Sequence[str] | None = None,
    outcome: str | None = None,
) -> pd.DataFrame:
    """Summary of findings: one row per reported result, grouped by outcome domain.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    condition_id : str
        The condition; results for narrower conditions are included and flagged.
    treatment_ids : list of str, optional
        Only these treatments (default: all with evidence for the condition).
    outcome : str, optional
        Only this outcome domain.

    Returns
    -------
    pandas.DataFrame
        Columns ``outcome_domain, treatment, comparator, outcome, timepoint, effect``
        (measure, estimate and 95% CI as text), ``participants_studies``
        (``"608 (9)"``), ``design``, ``certainty`` (GRADE, only as the source
        states it), ``strength`` (the row's level), ``direction``, ``note``,
        ``source`` (citation label), ``condition`` (only when the condition has
        narrower conditions) and ``caveats``. Every matching evidence row appears
        once; rows are ordered by outcome domain, then treatment (strongest first).
    """
    ev = evidence_rows(tables, condition_id, treatment_ids, outcome)
    order = _treatment_order(ev)
    ev = ev.assign(
        _domain=ev["outcome_domain"].astype(object).map(OUTCOME_DOMAINS.index),
        _treat=ev["treatment_id"].map(order),
        _level=ev["strength"].cat.codes if len(ev) else [],
    ).sort_values(
        ["_domain", "_treat", "_level", "outcome", "timepoint", "evidence_id"],
        ascending=[True, True, False, True, True, True],
        na_position="last",
    )
    out = pd.DataFrame(
        {
            "outcome_domain": ev["outcome_domain"].astype(object).map(humanize),
            "treatment": ev["treatment"],
            "comparator": ev["comparator"],
            "outcome": ev["outcome"],
            "timepoint": ev["timepoint"],
            "effect": [
                format_effect(*a)
                for a in zip(
                    ev["effect_measure"].astype(object),
                    ev["estimate"],
                    ev["ci_low"],
                    ev["ci_high"],
                    strict=True,
                )
            ],
            "participants_studies": [
                _participants_studies(p, s)
                for p, s in zip(ev["n_participants"], ev["n_studies"], strict=True)
            ],
            "design": ev["study_design"].astype(object).map(humanize),
            "certainty": ev["certainty"].astype(object).map(humanize),
            "strength": ev["strength"].astype(object).map(humanize),
            "direction": ev["direction"].astype(object).map(humanize),
            "note": ev["note"],
            "source": ev["citation"],
        }
    )
    if len(subtree(tables, condition_id)) > 1:
        out["condition"] = ev["condition"]
    out["caveats"] = _row_caveats(ev, condition_id)
    return out.reset_index(drop=True)


def forest_data(
    tables: Tables,
    condition_id: str,
    treatment_ids: Sequence[str] | None = None,
    outcome: str | None = None,
) -> pd.DataFrame:
    """Results as plot rows for :func:`calcidata.plots.forest_grid`.

    Every result of :func:`summary_of_findings` is a row; ``plotted`` is False
    where there is no numeric estimate, or where its effect measure is ``other``
    (a scale that cannot be compared with any other row), so a plot can say how
    many it left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (``"pain · MD"``), ``outcome_domain``, ``effect_measure``,
        ``label``, ``estimate``, ``ci_low``, ``ci_high``, ``strength``
        (ordered categorical), ``direction``, ``ratio`` (ratio scale),
        ``within_group`` and ``plotted``.
    """
    ev = evidence_rows(tables, condition_id, treatment_ids, outcome)
    order = _treatment_order(ev)
    measures = ev["effect_measure"].astype(object)
    out = pd.DataFrame(
        {
            "outcome_domain": ev["outcome_domain"].astype(object),
            "effect_measure": measures,
            "treatment": ev["treatment"],
            "label": [
                _forest_label(t, c, tp, s)
                for t, c, tp, s in zip(
                    ev["treatment"], ev["comparator"], ev["timepoint"], ev["citation"], strict=True
                )
            ],
            "estimate": ev["estimate"],
            "ci_low": ev["ci_low"],
            "ci_high": ev["ci_high"],
            "strength": ev["strength"],
            "direction": ev["direction"].astype(object),
            "ratio": measures.isin(RATIO_MEASURES),
            "within_group": measures.isin(_WITHIN_GROUP),
            "plotted": ev["estimate"].notna() & (measures != "other"),
            "_d": ev["outcome_domain"].astype(object).map(OUTCOME_DOMAINS.index),
            "_t": ev["treatment_id"].map(order),
            "_id": ev["evidence_id"],
        }
    )
    out.insert(
        0,
        "group",
        out["outcome_domain"].map(humanize).astype(str)
        + " · "
        + out["effect_measure"].map(humanize).astype(str),
    )
    out = out.sort_values(["_d", "effect_measure", "_t", "_id"])
    return out.drop(columns=["_d", "_t", "_id"]).reset_index(drop=True)


#: Longest plot label; the citation at its end is always kept whole.
LABEL_WIDTH = 72


def short_label(main: str, tail: str = "", width: int = LABEL_WIDTH) -> str:
    """``main`` shortened with an ellipsis so that ``main + tail`` fits in ``width``."""
    room = max(width - len(tail), 12)
    if len(main) > room:
        main = main[: room - 1].rstrip(" ,;") + "…"
    return main + tail


def _forest_label(treatment, comparator, timepoint, citation) -> str:
    text = str(treatment)
    if isinstance(comparator, str):
        text += f" vs {comparator}"
    tail = f", {timepoint}" if isinstance(timepoint, str) else ""
    if len(tail) > 25:
        tail = tail[:24].rstrip() + "…"
    return short_label(text, f"{tail} [{citation}]")


# --------------------------------------------------------------------------- conditions


def condition_profile(tables: Tables, condition_id: str) -> pd.DataFrame:
    """What the condition is: one ``field``/``value`` row per attribute.

    Fields: name, id, mechanism, tissue, body sites, ICD-10 (only where a cited
    source shows one), synonyms, broader condition, narrower conditions, summary,
    and how many evidence rows and dosing ranges the tables hold for it.
    """
    _check_condition(tables, condition_id)
    cond = tables.conditions.set_index("condition_id")
    row = cond.loc[condition_id]
    names = cond["name"]
    children = cond.index[cond["parent_id"] == condition_id]
    below = subtree(tables, condition_id)
    n_ev = int(tables.evidence["condition_id"].isin(below).sum())
    n_own = int((tables.evidence["condition_id"] == condition_id).sum())
    n_dose = int(tables.dosing_ranges["condition_id"].isin(below).sum())

    def listed(v):
        return pd.NA if not isinstance(v, str) else v.replace(";", ", ").replace("_", " ")

    parent = row["parent_id"]
    fields = [
        ("Name", row["name"]),
        ("Condition id", condition_id),
        ("Mechanism", humanize(row["mechanism"])),
        ("Main tissue", humanize(row["tissue"])),
        ("Body sites", listed(row["body_sites"])),
        ("ICD-10", row["icd10"]),
        ("Other names", listed(row["synonyms"])),
        (
            "Broader condition",
            names.get(parent, pd.NA) if isinstance(parent, str) else "None (top level)",
        ),
        ("Narrower conditions", ", ".join(sorted(names[children])) if len(children) else "None"),
        ("Summary", row["summary"]),
        (
            "Evidence rows",
            f"{n_ev} ({n_own} for this condition itself, {n_ev - n_own} for narrower conditions)"
            if n_ev != n_own
            else str(n_ev),
        ),
        ("Dosing ranges", str(n_dose)),
    ]
    return pd.DataFrame(fields, columns=["field", "value"])


def _dosing_pairs(tables: Tables) -> pd.DataFrame:
    d = tables.dosing_ranges
    return d.loc[d["condition_id"].notna(), ["treatment_id", "condition_id"]].drop_duplicates()


def _has_dosing(
    tables: Tables, treatment_ids: Iterable[str], conditions: Sequence[str]
) -> dict[str, bool]:
    d = tables.dosing_ranges
    relevant = d["condition_id"].isna() | d["condition_id"].isin(list(conditions))
    dosed = set(d.loc[relevant, "treatment_id"])
    return {t: t in dosed for t in treatment_ids}


def _treatment_caveats(g: pd.DataFrame, condition_id: str | None) -> tuple[str, str, list[str]]:
    """Best level, agreement of directions and caveat codes of one treatment's results.

    ``g`` holds the treatment's evidence rows with their row caveats in ``_rc``.
    """
    level = STRENGTH[int(g["strength"].cat.codes.max())]
    known = set(g["direction"].astype(str)) - {"uncertain"}
    if len(g) == 1:
        agreement = "single result"
    elif not known:
        agreement = "uncertain"
    else:
        agreement = "consistent" if len(known) == 1 else "mixed"
    indirect = g["indirect"].astype("boolean").fillna(False)
    row_codes = set(";".join(g["_rc"]).split(";"))
    flags = {
        "lay_or_opinion": level == "lay_or_opinion",
        "case_series_only": level == "case_reports",
        "single_small_study": g["source_id"].nunique() == 1 and "single_small_study" in row_codes,
        "indirect_all": bool(indirect.all()),
        "indirect_some": bool(indirect.any() and not indirect.all()),
        "narrower_condition": bool((g["condition_id"] != condition_id).all()),
        "not_clinically_important": "not_clinically_important" in row_codes,
        "mixed_results": agreement == "mixed",
    }
    return level, agreement, [c for c, v in flags.items() if v]


def treatment_ranking(tables: Tables, condition_id: str) -> pd.DataFrame:
    """Treatment options for a condition, ranked by evidence strength.

    Strength is the best row level among the treatment's results for the
    condition and its narrower conditions (the rule of
    :func:`calcidata.evidence_strength`, applied to that subtree); it is never
    upgraded. Treatments that a dosing source names for the condition but that
    have no evidence row are listed last, with strength ``"no evidence"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, modality, invasiveness, strength, best_certainty,
        results, sources, studies, participants`` (upper bounds: sources can
        overlap), ``agreement, dosing_reported, caveats`` and ``treatment_id``.
    """
    below = subtree(tables, condition_id)
    ev = evidence_rows(tables, condition_id)
    ev["_rc"] = _row_caveats(ev, condition_id)
    tr = tables.treatments.set_index("treatment_id")
    rows = []
    if len(ev):
        counts = _counts(ev, ["treatment_id"]).set_index("treatment_id")
        for tid, g in ev.groupby("treatment_id", sort=False):
            cert = g["certainty"].dropna()
            level, agreement, codes = _treatment_caveats(g, condition_id)
            rows.append(
                {
                    "treatment_id": tid,
                    "strength": level,
                    "best_certainty": str(cert.max()) if len(cert) else pd.NA,
                    "results": len(g),
                    "sources": int(counts.loc[tid, "sources"]),
                    "studies": counts.loc[tid, "studies"],
                    "participants": counts.loc[tid, "participants"],
                    "agreement": agreement,
                    "_caveats": codes,
                }
            )
    with_ev = {r["treatment_id"] for r in rows}
    pairs = _dosing_pairs(tables)
    named = sorted(set(pairs.loc[pairs["condition_id"].isin(below), "treatment_id"]) - with_ev)
    for tid in named:
        rows.append(
            {
                "treatment_id": tid,
                "strength": NO_EVIDENCE,
                "best_certainty": pd.NA,
                "results": 0,
                "sources": 0,
                "studies": pd.NA,
                "participants": pd.NA,
                "agreement": pd.NA,
                "_caveats": ["no_evidence"],
            }
        )
    columns = [
        "treatment",
        "modality",
        "invasiveness",
        "strength",
        "best_certainty",
        "results",
        "sources",
        "studies",
        "participants",
        "agreement",
        "dosing_reported",
        "caveats",
        "treatment_id",
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    dosed = _has_dosing(tables, out["treatment_id"], below)
    out["dosing_reported"] = out["treatment_id"].map(dosed).map({True: "yes", False: "no"})
    out["caveats"] = [
        _join_codes([*c, *([] if dosed[t] else ["no_dosing"])])
        for c, t in zip(out.pop("_caveats"), out["treatment_id"], strict=True)
    ]
    out["treatment"] = out["treatment_id"].map(tr["name"])
    out["modality"] = out["treatment_id"].map(tr["modality"].astype(object)).map(humanize)
    out["invasiveness"] = out["treatment_id"].map(tr["invasiveness"].astype(object)).map(humanize)
    out["_level"] = out["strength"].map(lambda s: STRENGTH.index(s) if s in STRENGTH else -1)
    out["_p"] = out["participants"].astype("Float64").fillna(-1)
    out = out.sort_values(["_level", "_p", "treatment"], ascending=[False, False, True])
    out["strength"] = out["strength"].map(humanize)
    out["best_certainty"] = out["best_certainty"].map(humanize)
    for c in ("studies", "participants"):
        out[c] = pd.array(out[c], dtype="Int64")
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- treatments


def _findings(g: pd.DataFrame) -> str:
    """Directions per outcome domain, e.g. ``pain: 3 favours treatment, 1 no difference``."""
    parts = []
    counts = g.groupby(["_domain", "_direction"]).size()
    for domain in OUTCOME_DOMAINS:
        if domain not in counts.index.get_level_values(0):
            continue
        per = counts.loc[domain].sort_values(ascending=False, kind="stable")
        text = ", ".join(f"{n} {humanize(k)}" for k, n in per.items())
        parts.append(f"{humanize(domain)}: {text}")
    return "; ".join(parts)


def dosing_summary(
    tables: Tables, treatment_ids: Sequence[str], condition_id: str | None
) -> pd.Series:
    """One line per treatment listing its reported doses or settings (NA when none).

    Each item is the daily dose where one can be derived, else the range as
    reported, else the schedule (frequency and duration), with the route and
    ``general`` for doses not given for a condition.
    """
    table = dosing_table(tables, condition_id=condition_id, treatment_ids=list(treatment_ids))
    items: dict[str, list[str]] = {tid: [] for tid in treatment_ids}
    for r in table.itertuples(index=False):
        value = r.daily_dose if isinstance(r.daily_dose, str) else r.dose
        if not isinstance(value, str):  # a schedule without a dose is still reported
            value = " for ".join(v for v in (r.frequency, r.duration) if isinstance(v, str))
            if not value:
                continue
            value = f"{r.parameter}: {value}"
        where = [] if r.route == "not applicable" else [r.route]
        where += ["general"] if r.condition == "general" else []
        item = value + (f", {', '.join(where)}" if where else "")
        if item not in items[r.treatment_id]:
            items[r.treatment_id].append(item)
    return pd.Series({tid: "; ".join(v) if v else pd.NA for tid, v in items.items()}, dtype=object)


def side_by_side(
    tables: Tables,
    condition_id: str,
    treatment_ids: Sequence[str] | None = None,
    outcome: str | None = None,
) -> pd.DataFrame:
    """Treatments for one condition side by side.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    condition_id : str
        The condition (narrower conditions included).
    treatment_ids : list of str, optional
        Treatments to compare; default those of :func:`treatment_ranking` (every
        treatment with evidence or a dose for the condition), in its order. A
        treatment without results (for the selected outcome) is kept, with
        strength ``"no evidence"`` and the ``no_evidence`` caveat.
    outcome : str, optional
        Only results of this outcome domain.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, modality, invasiveness, strength, studies,
        participants, results, key_findings`` (directions per outcome domain),
        ``dosing`` (daily dose where derivable, else as reported), ``caveats`` and
        ``treatment_id``; in the order of ``treatment_ids``.
    """
    _check_treatments(tables, treatment_ids)
    ev = evidence_rows(tables, condition_id, treatment_ids, outcome)
    ev["_rc"] = _row_caveats(ev, condition_id)
    ev["_domain"] = ev["outcome_domain"].astype(object)
    ev["_direction"] = ev["direction"].astype(object)
    if treatment_ids is None:
        treatment_ids = treatment_ranking(tables, condition_id)["treatment_id"].tolist()
    treatment_ids = list(dict.fromkeys(treatment_ids))
    tr = tables.treatments.set_index("treatment_id")
    counts = _counts(ev, ["treatment_id"]).set_index("treatment_id") if len(ev) else None
    dosing = dosing_summary(tables, treatment_ids, condition_id) if treatment_ids else {}
    rows = []
    groups = dict(iter(ev.groupby("treatment_id", sort=False)))
    for tid in treatment_ids:
        g = groups.get(tid, ev.iloc[0:0])
        codes = set()
        if len(g):
            level, _, found = _treatment_caveats(g, condition_id)
            codes |= set(found)
            studies, participants = counts.loc[tid, "studies"], counts.loc[tid, "participants"]
            strength, findings = humanize(level), _findings(g)
        else:
            codes.add("no_evidence")
            studies = participants = findings = pd.NA
            strength = NO_EVIDENCE
        dose = dosing.get(tid, pd.NA)
        if not isinstance(dose, str):
            codes.add("no_dosing")
        rows.append(
            {
                "treatment": tr.loc[tid, "name"],
                "modality": humanize(tr.loc[tid, "modality"]),
                "invasiveness": humanize(tr.loc[tid, "invasiveness"]),
                "strength": strength,
                "studies": studies,
                "participants": participants,
                "results": len(g),
                "key_findings": findings,
                "dosing": dose,
                "caveats": _join_codes(codes),
                "treatment_id": tid,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "treatment",
            "modality",
            "invasiveness",
            "strength",
            "studies",
            "participants",
            "results",
            "key_findings",
            "dosing",
            "caveats",
            "treatment_id",
        ],
    )
    for c in ("studies", "participants"):
        out[c] = pd.array(out[c], dtype="Int64")
    out["results"] = out["results"].astype("int64")
    return out


def direction_counts(
    tables: Tables,
    condition_id: str,
    treatment_ids: Sequence[str] | None = None,
    outcome: str | None = None,
) -> pd.DataFrame:
    """Number of results per treatment and direction (long form, for plotting).

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, direction, results``; treatments strongest first,
        directions in vocabulary order; zero counts included.
    """
    from calcidata.schemas.vocabularies import DIRECTIONS

    ev = evidence_rows(tables, condition_id, treatment_ids, outcome)
    order = _treatment_order(ev)
    names = ev.drop_duplicates("treatment_id").set_index("treatment_id")["treatment"]
    rows = []
    for tid in order:
        d = ev.loc[ev["treatment_id"] == tid, "direction"].astype(str).value_counts()
        for direction in DIRECTIONS:
            rows.append(
                {
                    "treatment": names[tid],
                    "direction": direction,
                    "results": int(d.get(direction, 0)),
                }
            )
    return pd.DataFrame(rows, columns=["treatment", "direction", "results"])


# --------------------------------------------------------------------------- dosing


def _plural(unit: object, value: object) -> str:
    """``week`` -> ``weeks`` unless the value is 1 (duration units are singular words)."""
    if not isinstance(unit, str):
        return ""
    return unit if pd.notna(value) and np.isclose(value, 1) else unit + "s"


def _period(per: object) -> str:
    return {"day": "/day", "week": "/week", "month": "/month", "course": " per course"}.get(
        str(per), ""
    )


def dosing_table(
    tables: Tables,
    condition_id: str | None = None,
    treatment_ids: Sequence[str] | None = None,
    modality: str | None = None,
    *,
    include_general: bool = True,
) -> pd.DataFrame:
    """Doses and other settings as reported, with the daily dose where one can be derived.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    condition_id : str, optional
        Rows for this condition and narrower ones. With ``include_general``, also
        the general rows (no condition, e.g. drug labels) of treatments that have
        evidence or dosing for it.
    treatment_ids : list of str, optional
        Only these treatments.
    modality : str, optional
        Only treatments of this modality.
    include_general : bool
        See ``condition_id``.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, route, parameter, dose`` (range and unit as reported,
        with what one value covers, e.g. ``400–800 mg (per administration)``),
        ``frequency, duration, daily_dose`` (canonical unit per day,
        via :func:`calcidata.units.daily_dose`), ``population, condition``
        (``general`` when the source gives no condition, ``this condition`` for
        ``condition_id`` itself), ``source, note, caveats, treatment_id``.
    """
    from calcidata.analysis.units import daily_dose

    _check_condition(tables, condition_id)
    _check_treatments(tables, treatment_ids)
    _check_choice("modality", modality, MODALITIES)
    d = tables.dosing_ranges
    tr = tables.treatments.set_index("treatment_id")
    keep = pd.Series(True, index=d.index)
    if condition_id is not None:
        below = subtree(tables, condition_id)
        own = d["condition_id"].isin(below)
        if include_general:
            named = set(d.loc[own, "treatment_id"]) | set(
                tables.evidence.loc[tables.evidence["condition_id"].isin(below), "treatment_id"]
            )
            own |= d["condition_id"].isna() & d["treatment_id"].isin(named)
        keep &= own
    if treatment_ids is not None:
        keep &= d["treatment_id"].isin(list(treatment_ids))
    if modality is not None:
        keep &= d["treatment_id"].map(tr["modality"].astype(object)) == modality
    d = d.loc[keep]
    daily = (
        daily_dose(d) if len(d) else pd.DataFrame(columns=["daily_min", "daily_max", "daily_unit"])
    )
    kinds = d["source_id"].map(tables.sources.set_index("source_id")["kind"].astype(object))
    rows = []
    for (i, r), kind in zip(d.iterrows(), kinds, strict=True):
        unit = r["dose_unit"] if isinstance(r["dose_unit"], str) else ""
        dose = _range(r["dose_min"], r["dose_max"], unit)
        freq = _range(r["frequency_min"], r["frequency_max"])
        if isinstance(freq, str):
            freq += _period(r["frequency_per"])
        code = r["timing_code"]
        if isinstance(code, str):
            freq = f"{freq} ({code})" if isinstance(freq, str) else code
        dur = _range(
            r["duration_min"],
            r["duration_max"],
            _plural(
                r["duration_unit"],
                r["duration_max"] if pd.notna(r["duration_max"]) else r["duration_min"],
            ),
        )
        dd = _range(
            daily.loc[i, "daily_min"],
            daily.loc[i, "daily_max"],
            daily.loc[i, "daily_unit"] if isinstance(daily.loc[i, "daily_unit"], str) else "",
        )
        general = not isinstance(r["condition_id"], str)
        codes = {
            "no_numbers": not isinstance(dose, str),
            "general_dosing": general and condition_id is not None,
            "lay_dosing": kind == "lay_web_article",
            "no_daily_dose": r["parameter"] == "dose"
            and isinstance(dose, str)
            and not isinstance(dd, str),
        }
        rows.append(
            {
                "treatment": tr.loc[r["treatment_id"], "name"],
                "route": humanize(r["route"]),
                "parameter": humanize(r["parameter"]),
                "dose": f"{dose} ({humanize(r['dose_basis'])})"
                if isinstance(dose, str) and isinstance(r["dose_basis"], str)
                else dose,
                "frequency": freq,
                "duration": dur,
                "daily_dose": dd,
                "population": r["population"],
                "condition": "general" if general else r["condition_id"],
                "source": r["source_id"],
                "note": r["note"],
                "caveats": _join_codes(c for c, v in codes.items() if v),
                "treatment_id": r["treatment_id"],
                "_id": r["dosing_id"],
            }
        )
    columns = [
        "treatment",
        "route",
        "parameter",
        "dose",
        "frequency",
        "duration",
        "daily_dose",
        "population",
        "condition",
        "source",
        "note",
        "caveats",
        "treatment_id",
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    cond_names = _names(tables.conditions, "condition_id")
    if condition_id is not None:
        cond_names[condition_id] = "this condition"
    out["condition"] = out["condition"].map(lambda c: cond_names.get(c, c))
    out["source"] = out["source"].map(citation_labels(tables.sources))
    out = out.sort_values(["treatment", "parameter", "route", "_id"])
    return out[columns].reset_index(drop=True)


#: Dose parameters drawn in "procedure" panels (not a drug amount).
PROCEDURE_PARAMETERS = (
    "energy_flux_density",
    "pulses",
    "sessions",
    "radiation_dose",
    "current",
    "intensity",
    "pressure",
    "pulse_frequency",
    "angle",
)


def dose_intervals(
    tables: Tables,
    modality: str | None = None,
    treatment_ids: Sequence[str] | None = None,
    condition_id: str | None = None,
) -> pd.DataFrame:
    """Dose ranges as intervals, one panel per comparable unit, for the range plots.

    Drug doses (parameter ``dose``) are converted to the canonical daily unit
    (``mg/day``, ``mg/kg/day``...) where :func:`calcidata.units.daily_dose` can
    derive one, and split by route; drug doses without a daily equivalent get
    their own panel per unit and basis. Procedure settings (ESWT energy,
    pulses, sessions, Gy, current...) get one panel per parameter and unit.
    Concentrations and volumes are panels of their own too. Rows without any
    number stay in the frame with ``plotted`` False.

    Returns
    -------
    pandas.DataFrame
        Columns ``panel, kind`` (``drug`` or ``procedure``), ``treatment, label,
        low, high, unit, route, open_low, open_high`` (a bound not reported),
        ``plotted`` and ``source``.
    """
    from calcidata.analysis.units import canonical, daily_dose, factor

    _check_choice("modality", modality, MODALITIES)
    table = dosing_table(
        tables,
        condition_id=condition_id,
        treatment_ids=treatment_ids,
        modality=modality,
        include_general=True,
    )
    d = tables.dosing_ranges
    tr = tables.treatments.set_index("treatment_id")
    keep = pd.Series(True, index=d.index)
    if condition_id is not None:
        below = subtree(tables, condition_id)
        keep &= d["condition_id"].isin(below) | (
            d["condition_id"].isna() & d["treatment_id"].isin(set(table["treatment_id"]))
        )
    if treatment_ids is not None:
        keep &= d["treatment_id"].isin(list(treatment_ids))
    if modality is not None:
        keep &= d["treatment_id"].map(tr["modality"].astype(object)) == modality
    d = d.loc[keep]
    columns = [
        "panel",
        "kind",
        "treatment",
        "label",
        "low",
        "high",
        "unit",
        "route",
        "open_low",
        "open_high",
        "plotted",
        "source",
    ]
    if d.empty:
        return pd.DataFrame(columns=columns)
    daily = daily_dose(d)
    cites = citation_labels(tables.sources)
    rows = []
    for i, r in d.iterrows():
        param, unit, route = str(r["parameter"]), r["dose_unit"], str(r["route"])
        lo, hi = r["dose_min"], r["dose_max"]
        order = 0
        if param == "dose" and isinstance(daily.loc[i, "daily_unit"], str):
            kind, lo, hi = "drug", daily.loc[i, "daily_min"], daily.loc[i, "daily_max"]
            unit = daily.loc[i, "daily_unit"]
            panel = f"{humanize(route)} · {unit}"
        elif param == "dose":
            kind, order = "drug", 1
            if isinstance(unit, str):
                f = factor(unit, canonical(unit))
                lo, hi, unit = lo * f, hi * f, canonical(unit)
                basis = (
                    humanize(r["dose_basis"])
                    if isinstance(r["dose_basis"], str)
                    else "basis not reported"
                )
                panel = f"{humanize(route)} · {unit} {basis} (no daily dose derivable)"
            else:
                panel = f"{humanize(route)} · dose without numbers"
        else:
            kind = "procedure" if param in PROCEDURE_PARAMETERS else "drug"
            order = 3 if kind == "procedure" else 2
            panel = humanize(param) + (
                f" ({unit})" if isinstance(unit, str) and unit != param else ""
            )
        who = tr.loc[r["treatment_id"], "name"]
        cond = "general" if not isinstance(r["condition_id"], str) else r["condition_id"]
        rows.append(
            {
                "panel": panel,
                "kind": kind,
                "treatment": who,
                "label": short_label(
                    who, f" [{cites[r['source_id']]}{', general' if cond == 'general' else ''}]"
                ),
                "low": lo,
                "high": hi,
                "unit": unit if isinstance(unit, str) else pd.NA,
                "route": humanize(route),
                "open_low": pd.isna(lo) and pd.notna(hi),
                "open_high": pd.isna(hi) and pd.notna(lo),
                "plotted": bool(pd.notna(lo) or pd.notna(hi)),
                "source": cites[r["source_id"]],
                "_id": r["dosing_id"],
                "_o": order,
            }
        )
    out = pd.DataFrame(rows)
    out["low"] = out["low"].astype("float64")
    out["high"] = out["high"].astype("float64")
    out = out.sort_values(["_o", "panel", "treatment", "_id"])
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- evidence map


def evidence_map(
    tables: Tables, modality: str | None = None, condition_id: str | None = None
) -> pd.DataFrame:
    """Treatments x conditions: strength, studies and participants of each pair with evidence.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    modality : str, optional
        Only treatments of this modality.
    condition_id : str, optional
        Only this condition and its narrower conditions.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, condition, strength`` (ordered categorical),
        ``results, studies, participants, modality, treatment_id, condition_id``;
        conditions in hierarchy order, treatments by modality then name.
    """
    ev = evidence_rows(tables, condition_id, modality=modality)
    columns = [
        "treatment",
        "condition",
        "strength",
        "results",
        "studies",
        "participants",
        "modality",
        "treatment_id",
        "condition_id",
    ]
    if ev.empty:
        out = pd.DataFrame(columns=columns)
        out["strength"] = pd.Categorical([], categories=list(STRENGTH), ordered=True)
        return out
    keys = ["treatment_id", "condition_id"]
    best = (
        ev.groupby(keys, observed=True)
        .agg(
            level=("strength", lambda s: s.cat.codes.max()),
            results=("evidence_id", "size"),
            treatment=("treatment", "first"),
            condition=("condition", "first"),
            modality=("modality", "first"),
        )
        .reset_index()
    )
    out = best.merge(_counts(ev, keys), on=keys, how="left")
    out["strength"] = pd.Categorical.from_codes(
        out.pop("level").astype(int), categories=list(STRENGTH), ordered=True
    )
    corder = {c: i for i, c in enumerate(condition_order(tables))}
    out["_c"] = out["condition_id"].map(corder)
    out["_m"] = out["modality"].map(MODALITIES.index)
    out["modality"] = out["modality"].map(humanize)
    out = out.sort_values(["_c", "_m", "treatment"])
    return out[columns].reset_index(drop=True)


def outcome_map(
    tables: Tables, condition_id: str | None, modality: str | None = None
) -> pd.DataFrame:
    """Treatments x outcome domains: best strength and participants per cell.

    For one condition and its narrower conditions, or for every condition when
    ``condition_id`` is None; optionally only treatments of one modality.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, outcome_domain`` (ordered categorical in vocabulary
        order), ``strength`` (ordered categorical), ``results, studies,
        participants, treatment_id``.
    """
    ev = evidence_rows(tables, condition_id, modality=modality)
    columns = [
        "treatment",
        "outcome_domain",
        "strength",
        "results",
        "studies",
        "participants",
        "treatment_id",
    ]
    if ev.empty:
        out = pd.DataFrame(columns=columns)
        out["strength"] = pd.Categorical([], categories=list(STRENGTH), ordered=True)
        return out
    ev = ev.assign(outcome_domain=ev["outcome_domain"].astype(object))
    keys = ["treatment_id", "outcome_domain"]
    best = (
        ev.groupby(keys)
        .agg(
            level=("strength", lambda s: s.cat.codes.max()),
            results=("evidence_id", "size"),
            treatment=("treatment", "first"),
        )
        .reset_index()
    )
    out = best.merge(_counts(ev, keys), on=keys, how="left")
    out["strength"] = pd.Categorical.from_codes(
        out.pop("level").astype(int), categories=list(STRENGTH), ordered=True
    )
    order = _treatment_order(ev)
    out["_t"] = out["treatment_id"].map(order)
    out["_d"] = out["outcome_domain"].map(OUTCOME_DOMAINS.index)
    out = out.sort_values(["_t", "_d"])
    present = [humanize(d) for d in OUTCOME_DOMAINS if d in set(out["outcome_domain"])]
    out["outcome_domain"] = pd.Categorical(
        out["outcome_domain"].map(humanize), categories=present, ordered=True
    )
    return out[columns].reset_index(drop=True)


def evidence_gaps(
    tables: Tables, modality: str | None = None, condition_id: str | None = None
) -> pd.DataFrame:
    """The largest gaps in the evidence, most severe first.

    A gap is one of :data:`GAP_KINDS`: a condition with no evidence at all
    (only listed without a modality filter); a treatment that a source gives a
    dose or setting for, for a condition, without any evidence row for that
    pair; or a (treatment, condition) pair whose best evidence is lay or
    opinion level, case series or case reports, or indirect only. Pairs with
    evidence from at least one direct observational study or trial are not
    gaps here, however small: their size is in the evidence map.

    Returns
    -------
    pandas.DataFrame
        Columns ``gap`` (the kind), ``treatment``, ``condition``, ``best_evidence``,
        ``results``, ``participants``, ``detail``; most severe kind first, then
        conditions in hierarchy order and treatments by name.
    """
    _check_choice("modality", modality, MODALITIES)
    conditions = subtree(tables, condition_id) if condition_id else condition_order(tables)
    ev = evidence_rows(tables, condition_id, modality=modality)
    cnames = _names(tables.conditions, "condition_id")
    tr = tables.treatments.set_index("treatment_id")
    rows = []
    if modality is None:
        all_ev = set(tables.evidence["condition_id"])
        for cid in conditions:
            if not set(subtree(tables, cid)) & all_ev:
                rows.append(
                    {
                        "gap": "condition_without_evidence",
                        "treatment": "any treatment",
                        "condition": cnames[cid],
                        "best_evidence": pd.NA,
                        "results": 0,
                        "participants": pd.NA,
                        "detail": "no evidence row for it or any narrower condition",
                        "_c": cid,
                        "_t": "",
                    }
                )
    pairs = _dosing_pairs(tables)
    pairs = pairs.loc[pairs["condition_id"].isin(conditions)]
    if modality is not None:
        pairs = pairs.loc[pairs["treatment_id"].map(tr["modality"].astype(object)) == modality]
    have = set(zip(tables.evidence["treatment_id"], tables.evidence["condition_id"], strict=True))
    for tid, cid in pairs.itertuples(index=False):
        if (tid, cid) not in have:
            n = int(
                (
                    (tables.dosing_ranges["treatment_id"] == tid)
                    & (tables.dosing_ranges["condition_id"] == cid)
                ).sum()
            )
            rows.append(
                {
                    "gap": "no_evidence",
                    "treatment": tr.loc[tid, "name"],
                    "condition": cnames[cid],
                    "best_evidence": pd.NA,
                    "results": 0,
                    "participants": pd.NA,
                    "detail": f"{n} dosing row{'s' if n != 1 else ''}, no evidence row",
                    "_c": cid,
                    "_t": tid,
                }
            )
    if len(ev):
        counts = _counts(ev, ["treatment_id", "condition_id"]).set_index(
            ["treatment_id", "condition_id"]
        )
        for (tid, cid), g in ev.groupby(["treatment_id", "condition_id"]):
            level = STRENGTH[int(g["strength"].cat.codes.max())]
            indirect = bool(g["indirect"].astype("boolean").fillna(False).all())
            kind = {
                "lay_or_opinion": "lay_or_opinion_only",
                "case_reports": "case_reports_only",
            }.get(level)
            if kind is None and indirect:
                kind = "indirect_only"
            if kind is None:
                continue
            designs = ", ".join(
                humanize(x) for x in g["study_design"].astype(object).value_counts().index
            )
            rows.append(
                {
                    "gap": kind,
                    "treatment": tr.loc[tid, "name"],
                    "condition": cnames[cid],
                    "best_evidence": humanize(level),
                    "results": len(g),
                    "participants": counts.loc[(tid, cid), "participants"],
                    "detail": f"designs: {designs}" + ("; all indirect" if indirect else ""),
                    "_c": cid,
                    "_t": tid,
                }
            )
    columns = [
        "gap",
        "treatment",
        "condition",
        "best_evidence",
        "results",
        "participants",
        "detail",
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    corder = {c: i for i, c in enumerate(condition_order(tables))}
    out["_k"] = out["gap"].map(list(GAP_KINDS).index)
    out["_c"] = out["_c"].map(corder)
    out = out.sort_values(["_k", "_c", "treatment"], na_position="first")
    out["participants"] = pd.array(out["participants"], dtype="Int64")
    out["gap"] = out["gap"].map(humanize)
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- sources


def cited_sources(
    tables: Tables,
    *,
    condition_id: str | None = None,
    treatment_ids: Sequence[str] | None = None,
    outcome: str | None = None,
    modality: str | None = None,
    dosing: bool = True,
    evidence: bool = True,
) -> pd.DataFrame:
    """The sources behind a report: evidence and dosing rows it shows, and the condition's.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    condition_id, treatment_ids, outcome, modality : optional
        The same filters the report uses.
    dosing, evidence : bool
        Include the sources of dosing rows / evidence rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``citation, title, journal, year, kind, pmid, doi, url`` (first
        stored URL) and ``source_id``, ordered by citation.
    """
    ids: set[str] = set()
    if evidence:
        ids |= set(
            evidence_rows(tables, condition_id, treatment_ids, outcome, modality=modality)[
                "source_id"
            ]
        )
    if dosing and outcome is None:
        table_ids = dosing_table(tables, condition_id, treatment_ids, modality)
        labels = citation_labels(tables.sources)
        back = {v: k for k, v in labels.items()}
        ids |= {back[s] for s in table_ids["source"]}
    if condition_id is not None:
        cond = tables.conditions.set_index("condition_id")
        for cid in subtree(tables, condition_id):
            s = cond.loc[cid, "source_ids"]
            if isinstance(s, str):
                ids |= set(s.split(";"))
    src = tables.sources.loc[tables.sources["source_id"].isin(ids)].copy()
    src["citation"] = src["source_id"].map(citation_labels(tables.sources))
    src["url"] = src["urls"].map(lambda u: u.split(" | ")[0] if isinstance(u, str) else pd.NA)
    src["kind"] = src["kind"].astype(object).map(humanize)
    cols = ["citation", "title", "journal", "year", "kind", "pmid", "doi", "url", "source_id"]
    return src.sort_values("citation", key=lambda s: s.str.lower())[cols].reset_index(drop=True)
