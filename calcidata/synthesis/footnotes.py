"""Footnote codes of the evidence profile: one code per reason, with its parameters.

A footnote is ``code`` or ``code:p1:p2`` (parameters are numbers or ids); a
body's ``footnotes`` column joins them with ``;``. :data:`FOOTNOTES` holds,
for each code, the GRADE domain it belongs to (or ``None`` for a remark) and
its words with ``{0}``, ``{1}`` for the parameters; :func:`words` fills them.
Display modules word the codes with :func:`words`; the profile's ``reasons``
and ``notes`` columns are the same words, kept for readers of the frame.
:class:`Codes` builds the ``footnotes`` column of many bodies at once, and
:class:`Formatted` formats a code with parameters once per distinct value.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from calcidata.synthesis._keyed import combined

#: code -> (domain or None, words with {0}, {1}... for the parameters).
FOOTNOTES: dict[str, tuple[str | None, str]] = {
    "stated_rating": (None, "Certainty as the source states it ({0})"),
    "stated_reasons": (None, "The source rated its certainty down for: {0}"),
    "start_low_nonrandomised": (
        None,
        "Not all of this evidence comes from randomised trials, so the rating starts at low",
    ),
    "start_low_design_unknown": (
        None,
        "The source does not say which designs it pooled, so the rating starts at low",
    ),
    "rob_not_assessed": ("risk_of_bias", "risk of bias not assessed by any source we read"),
    "rob_high_weight": ("risk_of_bias", "{0:.0%} of the weight is from studies at high risk"),
    "rob_concern_weight": (
        "risk_of_bias",
        "{0:.0%} of the weight is from studies at high or unclear risk, or not assessed",
    ),
    "rob_result_high": ("risk_of_bias", "the result is judged at high risk"),
    "no_comparison": ("risk_of_bias", "case series or case reports, with no comparison group"),
    "not_a_study": (
        "risk_of_bias",
        "not a study of the effect (guideline, review text, opinion or label)",
    ),
    "inconsistency_i2": ("inconsistency", "I\u00b2 = {0:.0f}%"),
    "inconsistency_directions": ("inconsistency", "the results point different ways"),
    "no_i2_reported": ("inconsistency", "the review reports no I\u00b2 (not assessed)"),
    "single_study": ("inconsistency", "not assessable (single study)"),
    "indirect_population": (
        "indirectness",
        "the population studied differs from, or is broader than, the condition",
    ),
    "indirect_intervention": (
        "indirectness",
        "the class's effect is estimated from some of its agents ({0}), assuming they act alike",
    ),
    "surrogate": ("indirectness", "a surrogate outcome, not one patients feel directly"),
    "imprecision_crosses_both": (
        "imprecision",
        "the 95% CI crosses both thresholds of appreciable effect ({0} and {1})",
    ),
    "imprecision_crosses_one": (
        "imprecision",
        "the 95% CI includes no effect and crosses the threshold of an appreciable effect ({0})",
    ),
    "imprecision_crosses_null": (
        "imprecision",
        "the 95% CI includes no effect (threshold: no effect, as no MID is known)",
    ),
    "imprecision_very_wide": ("imprecision", "the 95% CI is very wide ({0} to {1})"),
    "imprecision_ois_events": ("imprecision", "only {0:.0f} events (optimal information size {1})"),
    "imprecision_ois_participants": (
        "imprecision",
        "only {0:.0f} participants (optimal information size {1})",
    ),
    "imprecision_far_from_ois": ("imprecision", "far below the optimal information size"),
    "imprecision_no_ci": ("imprecision", "no 95% CI is reported"),
    "imprecision_events_unknown": (
        "imprecision",
        "the number of events is not known, so the optimal information size cannot be shown "
        "to be met",
    ),
    "imprecision_participants_unknown": (
        "imprecision",
        "the number of participants is not known, so the optimal information size cannot be "
        "shown to be met",
    ),
    "mid_not_known": (None, "No minimal important difference is known for this outcome"),
    "publication_bias_reported": ("publication_bias", "the source reports it detected"),
    "publication_bias_egger": ("publication_bias", "funnel plot asymmetry (Egger's p = {0:.2g})"),
    "not_estimable": (
        None,
        "Not estimable: no effect estimate with a known null, so the rating is at most {0}",
    ),
    "network_capped": (
        None,
        "A network meta-analysis estimate: incoherence and intransitivity are not assessed, "
        "so the rating is at most moderate",
    ),
    "within_arm": (None, "A result in one arm, not a comparison: no treatment effect"),
    "pooled_k2": (None, "Two studies pooled by REML with a normal (Wald) 95% CI"),
}

DOMAIN_WORDS = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
}


def code(name: str, *params: object) -> str:
    """A footnote code with its parameters: ``code("rob_high_weight", 0.62)``."""
    if name not in FOOTNOTES:
        raise KeyError(f"unknown footnote code {name!r}")
    return ":".join([name, *(_param(p) for p in params)])


def _param(p: object) -> str:
    if isinstance(p, float):
        return f"{p:.4g}"
    return str(p).replace(";", ",").replace(":", " ")


def _groups(values: np.ndarray) -> np.ndarray:
    """Codes of the distinct values of an array (0..k-1, in order of first appearance).

    Floats are told apart by their bits (``0.0`` and ``-0.0`` print apart); an
    object array is grouped only when it holds nothing but str (so ``1`` and
    ``True``, equal to a hash table, stay apart); anything else is its own group.
    """
    if values.dtype == np.float64:
        return pd.factorize(values.view(np.int64))[0]
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return pd.factorize(values)[0]
    return np.arange(values.size)


def _codes(name: str, size: int, *params: object) -> np.ndarray:
    """``code(name, *p)`` for each of ``size`` rows (array parameters element-wise).

    Returns an object array of codes. Each distinct tuple of parameters is
    formatted once: the rows are grouped by the joint codes of their parameters.
    """
    arrays = [_groups(p) for p in params if isinstance(p, np.ndarray)]
    group = combined(arrays) if arrays else np.zeros(size, dtype=np.int64)
    row = np.empty(group.max(initial=-1) + 1, dtype=np.intp)
    row[group] = np.arange(group.size)  # one row of each group: all hold the same tuple
    cols = [p[row].tolist() if isinstance(p, np.ndarray) else [p] * row.size for p in params]
    texts = np.array([code(name, *r) for r in zip(*cols, strict=True)], dtype=object)
    out: np.ndarray = texts[group]
    return out


class Formatted:
    """A footnote code with per-row parameters (Series, arrays or scalars), formatted lazily.

    :meth:`Codes.add` formats it only at the rows where it adds it.
    """

    def __init__(self, name: str, *params: object) -> None:
        self.name, self.params = name, params

    def at(self, rows: np.ndarray) -> np.ndarray:
        """The codes of the bodies at positions ``rows`` (each distinct value formatted once)."""
        return _codes(self.name, rows.size, *(_at(p, rows) for p in self.params))


def _at(p: object, rows: np.ndarray) -> object:
    """A parameter at ``rows`` (a scalar as it is).

    A Series in NumPy's own dtype if it has one (floats keep their bits), else as objects.
    """
    if isinstance(p, pd.Series):
        native = isinstance(p.dtype, np.dtype) and p.dtype != object
        return (p.to_numpy() if native else p.to_numpy(dtype=object))[rows]
    return p[rows] if isinstance(p, np.ndarray) else p


class Codes:
    """Footnote codes collected per body, in order, joined with ``;`` (vectorised)."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.out = np.full(len(index), "", dtype=object)
        self.has = np.zeros(len(index), dtype=bool)  # a body with a code already

    def add(self, mask: pd.Series | np.ndarray | bool, values: object) -> None:
        """Add ``values`` (a code, Series of codes or :class:`Formatted`) where ``mask`` holds."""
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False)
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not rows.size:
            return
        if isinstance(values, str):  # one code for every row: tested once, joined once
            if values:
                self._append(rows, values)
            return
        if isinstance(values, Formatted):  # always a non-empty code
            vals = values.at(rows)
        else:
            vals = (values.to_numpy(dtype=object)[rows] if isinstance(values, pd.Series)
                    else np.full(rows.size, values, dtype=object))  # fmt: skip
            ok = np.array([isinstance(v, str) and v != "" for v in vals], dtype=bool)
            rows, vals = rows[ok], vals[ok]
        self._append(rows, vals)

    def _append(self, rows: np.ndarray, codes: str | np.ndarray) -> None:
        """Put ``codes`` (one, or one per row) at bodies with none yet, else append ";" and it."""
        more = self.has[rows]
        one = isinstance(codes, str)
        self.out[rows[more]] += ";" + codes if one else ";" + codes[more]
        self.out[rows[~more]] = codes if one else codes[~more]
        self.has[rows] = True


def _value(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text


@lru_cache(maxsize=4096)
def words(footnote: str) -> str:
    """The plain words of one footnote code, opened by its domain (``"Imprecision: ..."``)."""
    name, *params = footnote.split(":")
    domain, template = FOOTNOTES[name]
    text = template.format(*(_value(p) for p in params))
    return f"{DOMAIN_WORDS[domain]}: {text}" if domain else text


def domain(footnote: str) -> str | None:
    """The GRADE domain of a footnote code (None for a remark)."""
    return FOOTNOTES[footnote.split(":", 1)[0]][0]


def split(footnotes: object) -> list[str]:
    """The codes of a ``footnotes`` cell (empty list for an empty cell)."""
    return [f for f in str(footnotes).split(";") if f] if isinstance(footnotes, str) else []


__all__ = ["DOMAIN_WORDS", "FOOTNOTES", "Codes", "Formatted", "code", "domain", "split", "words"]
