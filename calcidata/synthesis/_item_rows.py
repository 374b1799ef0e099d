"""The rows of the items (evidence rows, then study_outcomes rows) read from the tables.

:func:`rows` builds one frame column by column from arrays (no concat), and keeps the
text keys the items are grouped on as integer codes (:class:`Coded`): a key's codes
are found once, by Arrow from the tables' columns, and every later step maps or
groups the distinct values only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

ARM_PAIRS = (("events_treatment", "events_comparator"), ("n_treatment", "n_comparator"),
             ("mean_treatment", "mean_comparator"), ("sd_treatment", "sd_comparator"))  # fmt: skip
NUMERIC = [a for pair in ARM_PAIRS for a in pair]
#: Item text columns -> (evidence column, study_outcomes column or None: NaN for arm rows).
TEXT = {
    "item_id": ("evidence_id", "study_outcome_id"), "row_condition": ("condition_id",) * 2,
    "treatment_id": ("treatment_id",) * 2, "comparator_text": ("comparator",) * 2,
    "comparator_id": ("comparator_id",) * 2, "outcome": ("outcome",) * 2,
    "outcome_domain": ("outcome_domain",) * 2, "outcome_id": ("outcome_id",) * 2,
    "timepoint_text": ("timepoint",) * 2, "effect_measure": ("effect_measure", None),
    "source_id": ("source_id",) * 2, "study_id": ("source_id", "study_id"),
    "study_design": ("study_design", None), "pooled_design": ("pooled_design", None),
    "certainty": ("certainty", None), "certainty_reasons": ("certainty_reasons", None),
    "indirect": ("", ""), "direction": ("direction", None), "risk_of_bias": ("risk_of_bias", None),
    "i2_percent": ("", ""), "publication_bias": ("publication_bias", None),
    "interval_kind": ("interval_kind", None),
}  # fmt: skip
#: Text columns whose values are nearly all distinct and never keys: converted directly.
_DISTINCT = ("evidence_id", "study_outcome_id", "outcome")


class Coded(NamedTuple):
    """A text column as integer codes (-1: missing) into its distinct values (objects)."""

    codes: np.ndarray
    words: np.ndarray

    def values(self) -> np.ndarray:
        """The column as an object array (``None`` for missing)."""
        lookup = np.empty(len(self.words) + 1, dtype=object)
        lookup[:-1], lookup[-1] = self.words, None
        out: np.ndarray = lookup[self.codes]
        return out

    def map(self, fn: Callable[[str | None], object]) -> np.ndarray:
        """``fn`` of each row's value as an object array, computed once per distinct value."""
        out = np.empty(len(self.words) + 1, dtype=object)
        out[:] = [*(fn(w) for w in self.words), fn(None)]  # missing (-1) takes the last
        mapped: np.ndarray = out[self.codes]
        return mapped

    def test(self, fn: Callable[[str | None], bool]) -> np.ndarray:
        """``fn`` of each row's value as a boolean array, tested once per distinct value."""
        out = np.array([*(bool(fn(w)) for w in self.words), bool(fn(None))], dtype=bool)
        tested: np.ndarray = out[self.codes]
        return tested

    def recoded(self, fn: Callable[[str | None], object]) -> Coded:
        """The codes and distinct values of ``fn`` of each value (missing: ``fn(None)``)."""
        mapped = np.empty(len(self.words) + 1, dtype=object)
        mapped[:] = [*(fn(w) for w in self.words), fn(None)]
        at, words = pd.factorize(mapped)  # one code per distinct result (None: -1)
        return Coded(at.astype(np.int64)[self.codes], np.asarray(words, dtype=object))

    def extended(self, values: np.ndarray) -> Coded:
        """The codes with those of ``values`` after them (a new value, a new code)."""
        at, words = pd.factorize(np.concatenate([self.words, values]))  # words keep their codes
        codes = np.concatenate([self.codes, at[len(self.words) :]])
        return Coded(codes, np.asarray(words, dtype=object))

    def take(self, rows: np.ndarray) -> Coded:
        """The rows ``rows`` (positions or a mask)."""
        return Coded(self.codes[rows], self.words)


def encoded(values: pd.Series) -> Coded:
    """The codes of a column (Arrow text and categories are encoded without Python objects)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return Coded(values.cat.codes.to_numpy(np.int64), values.cat.categories.to_numpy(object))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return Coded(np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object))


def _stacked(first: Coded, then: Coded) -> Coded:
    """Two columns' codes one after the other, over one vocabulary (a value, one code)."""
    at, words = pd.factorize(np.concatenate([first.words, then.words]))
    at = np.r_[at, -1]  # -1 stays missing
    n = len(first.words)
    codes = np.concatenate([at[first.codes], at[np.where(then.codes < 0, -1, then.codes + n)]])
    return Coded(codes, np.asarray(words, dtype=object))


def by_source(tables: Tables, column: str) -> dict[object, object]:
    """``source_id`` -> the sources' ``column`` (ids as objects: iterating Arrow text is slow)."""
    ids, values = tables.sources["source_id"].to_numpy(dtype=object), tables.sources[column]
    text = isinstance(values.dtype, pd.StringDtype)
    return dict(zip(ids, values.to_numpy(dtype=object) if text else list(values), strict=True))


def _objects(values: pd.Series) -> np.ndarray:
    """Values as an object array (``None`` for missing), converted one by one."""
    # pandas takes None as the missing value; its stubs do not.
    out: np.ndarray = values.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return out


def _column(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=values.dtype, copy=False)  # object columns stay objects


def _stack(evidence: np.ndarray, arms: np.ndarray) -> pd.Series:
    """A column of evidence rows then arm rows, of the arrays' (common) dtype."""
    return _column(np.concatenate([evidence, arms]))


def rows(tables: Tables) -> tuple[pd.DataFrame, dict[str, Coded]]:
    """Evidence and study_outcomes rows in one frame, with their raw keys, and the key codes.

    Built column by column (evidence rows, then arm rows) from arrays: one frame, no
    concat. The codes (:class:`Coded`, by item text column) are those of every text
    column but the ids and the outcome text; arm rows of an evidence-only column are
    missing (-1).
    """
    ev, so = tables.evidence, tables.study_outcomes
    ne, na = len(ev), len(so)
    design = by_source(tables, "design")

    def num(f: pd.DataFrame, c: str) -> np.ndarray:
        return pd.to_numeric(f[c], errors="coerce").astype(float).to_numpy()

    def flag(c: str) -> np.ndarray:
        return np.concatenate(
            [ev[c].astype("boolean").fillna(False).to_numpy(bool), np.zeros(na, bool)]
        )

    study = encoded(so["study_id"])  # each arm row's study design, else its source's
    sdesign = pd.Series(study.map(design.get), dtype=object)
    sdesign = so["study_design"].astype(object).where(so["study_design"].notna(), sdesign)
    dich = encoded(so["data_type"]).test(lambda w: w == "dichotomous")
    measure = np.where(dich, 1, 0)
    arm_codes = {"effect_measure": Coded(measure, np.array(["MD", "RR"], dtype=object)),
                 "study_design": encoded(sdesign)}  # fmt: skip
    cols: dict[str, pd.Series] = {}
    coded: dict[str, Coded] = {}
    for name, (ce, ca) in TEXT.items():
        if name in ("indirect", "i2_percent"):
            continue
        if ce in _DISTINCT:  # nearly all distinct: converting each value is faster
            cols[name] = _stack(_objects(ev[ce]), _objects(so[ca]))
            continue
        if ca and ev[ce].dtype == so[ca].dtype:  # one encoding of both tables' values
            code = encoded(pd.concat([ev[ce], so[ca]], ignore_index=True))
        elif ca or name in arm_codes:
            code = _stacked(encoded(ev[ce]), encoded(so[ca]) if ca else arm_codes[name])
        else:  # NaN for arm rows (not None): kept apart from the codes' missing
            code = encoded(ev[ce])
            coded[name] = Coded(np.concatenate([code.codes, np.full(na, -1)]), code.words)
            values = np.empty(ne + na, dtype=object)  # NaN for arm rows
            values[:ne], values[ne:] = code.values(), np.nan
            cols[name] = _column(values)
            continue
        coded[name] = code
        cols[name] = _column(code.values())
    cols["indirect"], cols["network"] = _column(flag("indirect")), _column(flag("network"))
    cols["i2_percent"] = _stack(ev["i2_percent"].astype(float).to_numpy(), np.full(na, np.nan))
    kind = pd.Series(["evidence", "arms"], dtype="str").repeat([ne, na])  # repeated in Arrow
    cols["kind"] = kind.reset_index(drop=True)
    arms = {c: num(so, c) for c in NUMERIC}
    for c in ("control_risk", "estimate", "ci_low", "ci_high"):
        cols[c] = _stack(num(ev, c), np.full(na, np.nan))
    cols["n_studies"] = _stack(ev["n_studies"].astype(float).to_numpy(), np.ones(na))
    n_arms = arms["n_treatment"] + arms["n_comparator"]
    cols["n_participants"] = _stack(ev["n_participants"].astype(float).to_numpy(), n_arms)
    for c in NUMERIC:
        cols[c] = _stack(np.full(ne, np.nan), arms[c])
    events = arms["events_treatment"] + arms["events_comparator"]
    cols["events"] = _stack(np.full(ne, np.nan), np.where(dich, events, np.nan))
    order = ["item_id", "kind", *list(TEXT)[1:], "network", "control_risk", "estimate", "ci_low",
             "ci_high", "n_studies", "n_participants", *NUMERIC, "events"]  # fmt: skip
    frame = pd.DataFrame({c: cols[c] for c in order}, copy=False)  # columns kept, not stacked
    return frame, coded


__all__ = ["ARM_PAIRS", "NUMERIC", "TEXT", "Coded", "by_source", "encoded", "rows"]
