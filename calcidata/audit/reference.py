"""The daily dose ranges a dose is audited against, and matching user input to ids.

:class:`DoseReference` is built once from the tables. It answers two kinds of
question, each asked once per *distinct* value, never once per row:

* which calcidata treatment (or condition) a user's text names: an id, an ATC
  (ICD-10) code, a name or a synonym, case and spacing ignored;
* which daily range a (treatment, route, condition, unit) applies to, by the
  rule documented in :func:`calcidata.audit.audit_doses`.

The answers form a small lookup table keyed by (treatment, route, condition,
unit); auditing a table of any size is then one join of its rows with that
lookup and a few vectorized comparisons (see ``docs/scaling.md``).
"""

from __future__ import annotations

import os
import weakref
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calcidata.analysis.units import AMOUNT_UNITS, daily_dose
from calcidata.audit.matching import Match, _Lookup, normalize_text
from calcidata.errors import FileAccessError
from calcidata.schemas.vocab_claims import AUDIT_DOSE_KINDS, DOSE_SOURCE_RANK
from calcidata.schemas.vocabularies import ROUTES
from calcidata.tables.hierarchy import ancestors, descendants, parents_of

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

_Row = Any  # a dose row as DataFrame.itertuples gives it (attributes named after columns)
_CacheKey = tuple[object, ...]

#: Where the chosen range comes from, relative to the audited row.
SCOPES = ("condition", "broader_condition", "general", "any_condition")
#: How a reason names the kind of source of a range.
_SOURCE_WORDS = {
    0: ("label or guideline", "labels or guidelines"),
    1: ("study or review", "studies or reviews"),
    2: ("reference work", "reference works"),
    3: ("lay article", "lay articles"),
}
#: Why a row of a kind the audit does not compare with is not a reference.
_SKIPPED = {
    "mean": "a mean, not a range",
    "median": "a median, not a range",
    "single": "one patient's dose, not a range",
    "lay": "a lay article, while other sources give a range",
}


@dataclass(frozen=True)
class Range:
    """The daily range one (treatment, route, condition, unit) is compared with.

    ``status`` is None when the dose can be compared (``low``/``high`` hold the
    range, either may be NaN when the sources give only one end); otherwise it is
    ``no_reference`` or ``unit_mismatch`` and ``reason`` says why.
    """

    status: str | None
    reason: str | None = None
    treatment_id: str | None = None
    scope: str | None = None
    dosing_ids: str | None = None
    low: float = np.nan
    high: float = np.nan
    unit: str | None = None
    basis: str = ""


def _num(x: float) -> str:
    return f"{x:.6g}"


class DoseReference:
    """Daily dose ranges of the dosing table, indexed for matching.

    Parameters
    ----------
    tables : calcidata.Tables
        Loaded tables (treatments, conditions and dosing_ranges are used).
    """

    def __init__(self, tables: Tables) -> None:
        self.version = tables.version
        treatments, conditions = tables.treatments, tables.conditions
        self.treatments = _Lookup.build(
            treatments, "treatment_id", "atc_code", "treatment", "id, name, synonym or ATC code"
        )
        self.conditions = _Lookup.build(
            conditions, "condition_id", "icd10", "condition", "id, name, synonym or ICD-10 code"
        )
        self.treatment_parent = parents_of(treatments, "treatment_id")
        self.condition_parent = parents_of(conditions, "condition_id")

        dosing = tables.dosing_ranges
        daily = daily_dose(dosing)
        is_dose = (dosing["parameter"].astype(object) == "dose").to_numpy()
        kinds = dict(
            zip(tables.sources["source_id"], tables.sources["kind"].astype(object), strict=True)
        )
        frame = pd.DataFrame(
            {
                "dosing_id": dosing["dosing_id"].astype(object),
                "treatment_id": dosing["treatment_id"].astype(object),
                "condition_id": dosing["condition_id"]
                .astype(object)
                .where(dosing["condition_id"].notna(), None),
                "route": dosing["route"].astype(object),
                "low": daily["daily_min"],
                "high": daily["daily_max"],
                "unit": daily["daily_unit"].astype(object),
                "kind": dosing["dose_kind"].astype(object),
                "source_id": dosing["source_id"].astype(object),
                "source_rank": dosing["source_id"].map(kinds).map(DOSE_SOURCE_RANK).fillna(2),
            }
        )
        self.doses = frame[is_dose].reset_index(drop=True)
        #: Rows with a daily range: the candidates the audit compares with.
        self.daily = self.doses[self.doses["unit"].notna()].reset_index(drop=True)
        self._by_treatment: dict[str, list[_Row]] = defaultdict(list)
        row: _Row
        for row in self.daily.itertuples(index=False):
            self._by_treatment[row.treatment_id].append(row)
        self._dosed = set(self.doses["treatment_id"])
        self._ranges: dict[tuple[str, str | None, str | None, str | None], Range] = {}
        self._usable: dict[tuple[str, str | None, str | None], list[Any] | Range] = {}

    # -- matching user text ----------------------------------------------------------------

    def match_treatment(self, text: object) -> Match:
        """The treatment id ``text`` names (id, ATC code, name or synonym)."""
        return self.treatments.match(text)

    def match_condition(self, text: object) -> Match:
        """The condition id ``text`` names (id, ICD-10 code, name or synonym)."""
        return self.conditions.match(text)

    @staticmethod
    def match_route(text: object) -> Match:
        """The route vocabulary value ``text`` names (case and spaces ignored)."""
        key = normalize_text(text)
        if key is None:
            return Match(None)
        key = key.replace(" ", "_").replace("-", "_")
        if key in ROUTES:
            return Match(key)
        return Match(None, f"route {text!r} is not one of: {', '.join(ROUTES)}")

    # -- choosing the range ------------------------------------------------------------------

    def _narrower_with_ranges(self, treatment_id: str) -> list[str]:
        below = descendants(self.treatment_parent, treatment_id)[1:]
        return sorted(node for node in below if node in self._by_treatment)

    def range_for(
        self, treatment_id: str, route: str | None, condition_id: str | None, unit: str | None
    ) -> Range:
        """The range a dose of ``treatment_id`` in ``unit`` is compared with (cached).

        ``unit`` is a canonical amount unit (``mg``, ``mg/kg``, ``mL``...) or any other
        vocabulary unit (then no daily dose exists: ``unit_mismatch``).
        """
        key = (treatment_id, route, condition_id, unit)
        if key not in self._ranges:
            self._ranges[key] = self._choose(*key)
        return self._ranges[key]

    def _candidates(
        self, treatment_id: str, route: str | None, condition_id: str | None
    ) -> list[Any] | Range:
        """Rules 1-3 (treatment, route, condition): ranked candidate rows, or why none."""
        chain = [treatment_id, *ancestors(self.treatment_parent, treatment_id)]
        cands = [
            (rank, row) for rank, t in enumerate(chain) for row in self._by_treatment.get(t, ())
        ]
        if not cands:
            reason = f"calcidata reports no daily dose range for {treatment_id}" + (
                " or the classes it belongs to" if len(chain) > 1 else ""
            )
            if any(t in self._dosed for t in chain):
                reason += " (its doses are given per administration or per course only)"
            narrower = self._narrower_with_ranges(treatment_id)
            if narrower:
                reason += "; narrower treatments have ranges: " + ", ".join(narrower)
            return Range("no_reference", reason + ".")

        if route is not None:
            on_route = [(rank, row) for rank, row in cands if row.route == route]
            if not on_route:
                return _none_for(treatment_id, f"by the {route} route", {r.route for _, r in cands})
            cands = on_route

        # Only ranges, maxima and starting doses are compared with; a lay article only
        # where no other source gives one for the treatment (and route).
        skipped = [(rank, row, row.kind) for rank, row in cands if row.kind not in AUDIT_DOSE_KINDS]
        cands = [(rank, row) for rank, row in cands if row.kind in AUDIT_DOSE_KINDS]
        if any(row.source_rank < 3 for _, row in cands):
            skipped += [(rank, row, "lay") for rank, row in cands if row.source_rank >= 3]
            cands = [(rank, row) for rank, row in cands if row.source_rank < 3]
        if not cands:
            listed = "; ".join(f"{row.dosing_id} ({_SKIPPED[why]})" for _, row, why in skipped)
            return Range(
                "no_reference",
                f"no daily dose range for {treatment_id} that can serve as a reference: {listed}.",
            )

        cond_chain = (
            [condition_id, *ancestors(self.condition_parent, condition_id)]
            if condition_id is not None
            else []
        )
        usable = []  # (treatment rank, condition rank, scope, row)
        passed = []  # rows not used, at the condition rank they would have had
        for t_rank, row in cands:
            c = row.condition_id
            if condition_id is None:
                usable.append(
                    (
                        t_rank,
                        0 if c is None else 1,
                        "general" if c is None else "any_condition",
                        row,
                    )
                )
            elif c is None:
                usable.append((t_rank, len(cond_chain), "general", row))
            elif c in cond_chain:
                usable.append(
                    (
                        t_rank,
                        cond_chain.index(c),
                        "condition" if c == condition_id else "broader_condition",
                        row,
                    )
                )
        for t_rank, row, why in skipped:
            c = row.condition_id
            if condition_id is None or c is None or c in cond_chain:
                c_rank = (
                    (0 if c is None else 1)
                    if condition_id is None
                    else (len(cond_chain) if c is None else cond_chain.index(c))
                )
                passed.append((t_rank, c_rank, row, why))
        if not usable:
            return _none_for(
                treatment_id,
                f"for {condition_id}, a broader condition or in general",
                {row.condition_id for _, row in cands},
                only=True,
            )
        return [(t, c, scope, row, passed) for t, c, scope, row in usable]

    def _choose(
        self, treatment_id: str, route: str | None, condition_id: str | None, unit: str | None
    ) -> Range:
        key = (treatment_id, route, condition_id)
        if key not in self._usable:
            self._usable[key] = self._candidates(*key)
        usable = self._usable[key]
        if isinstance(usable, Range):
            return usable
        if unit is None:
            return Range("unit_mismatch", "the dose unit is not known.")
        if unit not in AMOUNT_UNITS:
            return Range(
                "unit_mismatch", f"a dose in {unit} is not an amount that adds up to a daily dose."
            )
        daily_unit = f"{unit}/day"
        same_unit = [u for u in usable if u[3].unit == daily_unit]
        if not same_unit:
            units = ", ".join(sorted({u[3].unit for u in usable}))
            return Range(
                "unit_mismatch",
                f"the dose is in {unit} but the reported daily ranges "
                f"are in {units}; {unit} cannot be converted to "
                "that without the patient's weight or body surface.",
            )
        best = min((u[0], u[1], u[3].source_rank) for u in same_unit)
        chosen = [u for u in same_unit if (u[0], u[1], u[3].source_rank) == best]
        rows = [u[3] for u in chosen]
        lows = [r.low for r in rows if r.low == r.low]
        highs = [r.high for r in rows if r.high == r.high]
        scope = chosen[0][2]
        # rows at least as specific as the chosen ones that were not usable, said once
        passed = [
            (row, why)
            for t, c, row, why in chosen[0][4]
            if (t, c) <= best[:2] and row.unit == daily_unit
        ]
        basis = self._basis(treatment_id, condition_id, rows, scope)
        if passed:
            basis += "; not used: " + ", ".join(f"{r.dosing_id} ({_SKIPPED[w]})" for r, w in passed)
        return Range(
            None,
            treatment_id=rows[0].treatment_id,
            scope=scope,
            dosing_ids=";".join(r.dosing_id for r in rows),
            low=min(lows) if lows else np.nan,
            high=max(highs) if highs else np.nan,
            unit=daily_unit,
            basis=basis,
        )

    def _basis(
        self, treatment_id: str, condition_id: str | None, rows: list[_Row], scope: str
    ) -> str:
        n = len(rows)
        counted = f"{n} reported range{'s' if n != 1 else ''}"
        sources = list(dict.fromkeys(r.source_id for r in rows))
        kind = _SOURCE_WORDS[int(rows[0].source_rank)][len(sources) > 1]
        cited = f"from the {kind} {', '.join(sources)}"
        range_treatment = rows[0].treatment_id
        what = range_treatment
        if range_treatment != treatment_id:
            what = f"{range_treatment}, the class {treatment_id} belongs to"
        conditions = ", ".join(sorted({r.condition_id for r in rows if r.condition_id}))
        where = {
            "condition": f"for {condition_id}",
            "broader_condition": f"for {conditions}, which includes {condition_id}",
            "general": "not specific to a condition",
            "any_condition": f"for {conditions} (no condition was given)",
        }[scope]
        return f"{counted} for {what}, {where}, {cited}"

    def reasons(self, r: Range) -> tuple[str, str, str]:
        """Plain-words reasons for below, within and above ``r``."""
        lo, hi, unit = r.low, r.high, r.unit
        if np.isnan(lo):
            span = f"at most {_num(hi)} {unit}"
        elif np.isnan(hi):
            span = f"at least {_num(lo)} {unit}"
        else:
            span = f"{_num(lo)} to {_num(hi)} {unit}"
        return (
            f"daily dose is below the reported range ({span}; {r.basis}).",
            f"daily dose is within the reported range ({span}; {r.basis}).",
            f"daily dose is above the reported range ({span}; {r.basis}).",
        )


#: Recently built references: key -> (weak reference to the tables, reference).
_REFERENCES: dict[_CacheKey, tuple[weakref.ref[Tables] | None, DoseReference]] = {}


def _none_for(treatment_id: str, where: str, reported: set[str], only: bool = False) -> Range:
    """``no_reference``: no range for the treatment ``where``; say where ranges exist."""
    listed = ", ".join(sorted(reported))
    scope = "only for" if only else "for"
    return Range(
        "no_reference",
        f"no daily dose range for {treatment_id} {where}; ranges are reported {scope}: {listed}.",
    )


def cached_reference(
    tables: Tables | None = None, data_dir: str | os.PathLike[str] | None = None
) -> DoseReference:
    """The :class:`DoseReference` of ``tables`` (or of the tables in ``data_dir``), cached.

    A reference is reused for the same ``Tables`` object, or for the same data
    directory while its files are unchanged (same data version), so repeated
    audits do not reload and re-validate the tables.
    """
    if tables is None:
        from calcidata import paths
        from calcidata.tables.loader import data_version, load

        directory = paths.data_dir(data_dir)
        try:
            key: _CacheKey = ("dir", str(directory.resolve()), data_version(directory))
        except (OSError, FileAccessError):  # a missing file: the loader reports it properly
            return DoseReference(load(directory))
        if key not in _REFERENCES:
            _remember(key, None, DoseReference(load(directory)))
        return _REFERENCES[key][1]
    from calcidata.tables.container import require_tables

    require_tables(tables)
    key = ("tables", id(tables), tables.version)
    cached = _REFERENCES.get(key)
    if cached is not None and cached[0] is not None and cached[0]() is tables:
        return cached[1]
    reference = DoseReference(tables)
    _remember(key, weakref.ref(tables), reference)
    return reference


def _remember(key: _CacheKey, owner: weakref.ref[Tables] | None, reference: DoseReference) -> None:
    while len(_REFERENCES) >= 4:
        _REFERENCES.pop(next(iter(_REFERENCES)))
    _REFERENCES[key] = (owner, reference)
