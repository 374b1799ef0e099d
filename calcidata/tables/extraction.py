"""Double extraction of arm-level numbers: compare two extractors, check the record.

Arm-level numbers (``data/study_outcomes.csv``) are extracted twice, independently,
as Cochrane reviewers do (Handbook, chapter 5.5.2). Each extractor's sheet lives in
``data/extraction/<group>_<letter>.csv``; :func:`disagreements` lists every value on
which the two sheets of a group differ (and every row only one of them has), and
``data/extraction/reconciliation.csv`` records how each was resolved by reading the
page again. The two extractors name new studies and timepoints in their own words:
``data/extraction/aliases.csv`` (``group, letter, column, value, canonical``) maps an
extractor's words onto the agreed key before the sheets are compared, and is itself
part of the record. :func:`unresolved` and :func:`resolved_mismatches` are what the tests
check, so a new disagreement cannot land without its record.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

#: What identifies one extracted result (one study, comparison, outcome and timepoint).
KEY = ["study_id", "treatment_id", "comparator_id", "outcome_id", "timepoint"]
#: The values two extractors must agree on.
VALUES = [
    "data_type",
    "value_kind",
    "events_treatment",
    "n_treatment",
    "events_comparator",
    "n_comparator",
    "mean_treatment",
    "sd_treatment",
    "mean_comparator",
    "sd_comparator",
    "sd_derivation",
    "study_design",
]
NUMBERS = VALUES[2:10]
#: The column name a reconciliation row uses when a whole result is in one sheet only.
ROW = "(row)"
RECORD_COLUMNS = [
    "group",
    *KEY,
    "column",
    "value_a",
    "value_b",
    "resolved",
    "reason",
    "url",
]
_SHEET = re.compile(r"^(?P<group>[a-z0-9]+)_(?P<letter>[a-z])\.csv$")


def sheets(directory: Path) -> dict[str, dict[str, Path]]:
    """The extraction sheets in ``directory``: group -> letter -> path."""
    out: dict[str, dict[str, Path]] = {}
    for path in sorted(Path(directory).glob("*.csv")):
        m = _SHEET.match(path.name)
        if m:
            out.setdefault(m["group"], {})[m["letter"]] = path
    return out


def _text(value: object) -> str:
    """One cell as comparable text: numbers without trailing zeros, empty for missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    s = str(value).strip()
    try:
        f = float(s)
    except ValueError:
        return s
    return "" if math.isnan(f) else f"{f:g}"


ALIAS_COLUMNS = ["group", "letter", "column", "value", "canonical"]


def read_aliases(path: Path) -> pd.DataFrame:
    """The key aliases (text cells); an empty frame when there is no file."""
    if not Path(path).exists():
        return pd.DataFrame(columns=ALIAS_COLUMNS)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ALIAS_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: columns missing: {', '.join(missing)}")
    bad = sorted(set(frame["column"]) - set(KEY))
    if bad:
        raise ValueError(f"{path}: aliases are for key columns only, not {', '.join(bad)}")
    return frame[ALIAS_COLUMNS]


def read_sheet(path: Path, aliases: pd.DataFrame | None = None) -> pd.DataFrame:
    """An extraction sheet as text cells, one row per key (duplicate keys are an error).

    ``aliases`` (see :func:`read_aliases`) rename key values of this sheet's group and
    letter (taken from the file name) to the agreed ones.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in [*KEY, *VALUES] if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: columns missing: {', '.join(missing)}")
    frame = frame[[*KEY, *VALUES]].map(_text)
    m = _SHEET.match(Path(path).name)
    if aliases is not None and m is not None and len(aliases):
        mine = aliases[(aliases["group"] == m["group"]) & (aliases["letter"] == m["letter"])]
        for col, rows in mine.groupby("column"):
            frame[col] = frame[col].replace(
                dict(zip(rows["value"], rows["canonical"], strict=True))
            )
    dup = frame.duplicated(KEY, keep=False)
    if dup.any():
        first = frame[dup].iloc[0][KEY].tolist()
        raise ValueError(f"{path}: the same result appears twice: {first}")
    return frame


def disagreements(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Every value on which sheets ``a`` and ``b`` differ, and every row only one has.

    Returns one row per disagreement: the key, ``column`` (``(row)`` for a result
    only one sheet has), ``value_a`` and ``value_b`` (text; empty when missing).
    """
    merged = a.merge(b, on=KEY, how="outer", suffixes=("_a", "_b"), indicator=True)
    rows = []
    for rec in merged.to_dict("records"):
        key = {k: rec[k] for k in KEY}
        if rec["_merge"] != "both":
            in_a = rec["_merge"] == "left_only"
            rows.append(
                {
                    **key,
                    "column": ROW,
                    "value_a": "present" if in_a else "absent",
                    "value_b": "absent" if in_a else "present",
                }
            )
            continue
        for col in VALUES:
            va, vb = rec[f"{col}_a"], rec[f"{col}_b"]
            if va != vb:
                rows.append({**key, "column": col, "value_a": va, "value_b": vb})
    return pd.DataFrame(rows, columns=[*KEY, "column", "value_a", "value_b"])


def read_record(path: Path) -> pd.DataFrame:
    """The reconciliation record (text cells)."""
    if not Path(path).exists():
        return pd.DataFrame(columns=RECORD_COLUMNS)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in RECORD_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: columns missing: {', '.join(missing)}")
    return frame[RECORD_COLUMNS].map(_text)


def unresolved(
    directory: Path, record: pd.DataFrame, aliases: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Disagreements of every group with two sheets that the record does not resolve.

    A record row resolves a disagreement when group, key, column and both values match
    and it gives a ``reason`` (the resolved value may be empty: "not shown on the page").
    """
    found = []
    for group, letters in sheets(directory).items():
        if not {"a", "b"} <= set(letters):
            continue
        d = disagreements(read_sheet(letters["a"], aliases), read_sheet(letters["b"], aliases))
        d.insert(0, "group", group)
        found.append(d)
    if not found:
        return pd.DataFrame(columns=["group", *KEY, "column", "value_a", "value_b"])
    every = pd.concat(found, ignore_index=True)
    on = ["group", *KEY, "column", "value_a", "value_b"]
    done = record[record["reason"] != ""][on].drop_duplicates()
    merged = every.merge(done, on=on, how="left", indicator=True)
    return merged[merged["_merge"] == "left_only"][on].reset_index(drop=True)


def resolved_mismatches(record: pd.DataFrame, study_outcomes: pd.DataFrame) -> pd.DataFrame:
    """Record rows whose resolved number differs from the value in ``study_outcomes``.

    Only numbers are checked (events, totals, means, SDs), and only where the result
    is in ``study_outcomes`` under the same key.
    """
    so = study_outcomes.copy()
    for col in KEY:
        so[col] = so[col].astype(object).map(_text)
    numbers = record[record["column"].isin(NUMBERS)]
    merged = numbers.merge(so[[*KEY, *NUMBERS]], on=KEY, how="inner")
    bad = [rec for rec in merged.to_dict("records") if _text(rec[rec["column"]]) != rec["resolved"]]
    return pd.DataFrame(bad, columns=list(merged.columns))


#: The columns of :func:`summary`, one row per group.
SUMMARY_COLUMNS = [
    "group",
    "results_a",
    "results_b",
    "results_both",
    "agreed",
    "values_differing",
    "rows_one_sheet",
    "resolved_to_a",
    "resolved_to_b",
    "resolved_otherwise",
    "one_sheet_kept",
    "one_sheet_dropped",
    "unresolved",
]


def summary(
    directory: Path, record: pd.DataFrame, aliases: pd.DataFrame | None = None
) -> pd.DataFrame:
    """How the two sheets of each group compared and how the record resolved them.

    One row per group with both sheets: results in each sheet and in both (after the
    aliases), results on which every value agreed, values that differed and results
    only one sheet has; of the differing values, how many the record resolved to
    extractor a's value, to b's, or otherwise (empty: not shown on the page); of the
    one-sheet results, how many it kept (``present``) and dropped; and what is left
    unresolved.
    """
    rows = []
    for group, letters in sheets(directory).items():
        if not {"a", "b"} <= set(letters):
            continue
        a, b = read_sheet(letters["a"], aliases), read_sheet(letters["b"], aliases)
        d = disagreements(a, b)
        both = a.merge(b, on=KEY)
        differing = d[d["column"] != ROW]
        one_sheet = d[d["column"] == ROW]
        on = [*KEY, "column", "value_a", "value_b"]
        mine = record[(record["group"] == group) & (record["reason"] != "")]
        done = d.merge(mine[[*on, "resolved"]].drop_duplicates(on), on=on, how="left")
        values = done[done["column"] != ROW].dropna(subset=["resolved"])
        rows_ = done[done["column"] == ROW].dropna(subset=["resolved"])
        rows.append(
            {
                "group": group,
                "results_a": len(a),
                "results_b": len(b),
                "results_both": len(both),
                "agreed": len(both) - differing[KEY].drop_duplicates().shape[0],
                "values_differing": len(differing),
                "rows_one_sheet": len(one_sheet),
                "resolved_to_a": int((values["resolved"] == values["value_a"]).sum()),
                "resolved_to_b": int(
                    (
                        (values["resolved"] == values["value_b"])
                        & (values["resolved"] != values["value_a"])
                    ).sum()
                ),
                "resolved_otherwise": int(
                    (
                        (values["resolved"] != values["value_a"])
                        & (values["resolved"] != values["value_b"])
                    ).sum()
                ),
                "one_sheet_kept": int((rows_["resolved"] == "present").sum()),
                "one_sheet_dropped": int((rows_["resolved"] != "present").sum()),
                "unresolved": int(done["resolved"].isna().sum()),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


#: A not-found sheet: ``<group>_<letter>_notfound.csv`` (an extractor's) or
#: ``<group>_notfound.csv`` (a sheet of the whole group, e.g. ``rob_notfound.csv``),
#: optionally of a later search round, ``..._r<N>_notfound.csv`` (e.g.
#: ``rob_r3_notfound.csv``): a round re-lists everything still not found, so only the
#: latest round of a group and letter is read (a sheet without a round is round 1).
_NOT_FOUND = re.compile(
    r"^(?P<group>[a-z0-9]+?)(?:_(?P<letter>[a-z]))?(?:_r(?P<round>[0-9]+))?_notfound\.csv$"
)
#: What a not-found sheet without a ``what_missing`` column lacks, by group: the
#: risk-of-bias sheet lists the trials for which no page showed a judgement.
MISSING_BY_GROUP = {"rob": "no readable risk-of-bias judgement"}
NOT_FOUND_COLUMNS = ["group", "letter", "study_id", "what_missing", "pages_tried"]


def not_found(directory: Path) -> pd.DataFrame:
    """What no readable page showed, from every ``*_notfound.csv`` sheet.

    One row per sheet row: its ``group`` and ``letter`` (empty for a sheet of the whole
    group, such as ``rob_notfound.csv``), ``study_id`` (a review's ``review_label`` where
    the sheet lists reviews whose trials or results were not readable), ``what_missing``
    (for a sheet without that column, the group's words in :data:`MISSING_BY_GROUP`) and
    ``pages_tried``. Of a group's (and extractor's) sheets of several search rounds, only
    the latest round is read: it lists what is still not found after all of them.
    """
    latest: dict[tuple[str, str], tuple[int, Path, re.Match[str]]] = {}
    for path in sorted(Path(directory).glob("*_notfound.csv")):
        m = _NOT_FOUND.match(path.name)
        if m is None:
            raise ValueError(f"{path}: not a <group>[_<letter>][_r<N>]_notfound.csv sheet")
        key = (m["group"], m["letter"] or "")
        round_ = int(m["round"] or 1)
        if key in latest and latest[key][0] == round_:
            raise ValueError(f"{path}: a second sheet of round {round_} of {key[0]}")
        if key not in latest or latest[key][0] < round_:
            latest[key] = (round_, path, m)
    frames = []
    for _, path, m in sorted(latest.values(), key=lambda v: v[1].name):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "study_id" not in frame.columns and "review_label" in frame.columns:
            frame = frame.rename(columns={"review_label": "study_id"})
        if "study_id" not in frame.columns:
            raise ValueError(f"{path}: column study_id (or review_label) missing")
        if "what_missing" not in frame.columns:
            if m["group"] not in MISSING_BY_GROUP:
                raise ValueError(f"{path}: column what_missing missing")
            frame["what_missing"] = MISSING_BY_GROUP[m["group"]]
        if "pages_tried" not in frame.columns:
            frame["pages_tried"] = ""
        frame = frame.assign(group=m["group"], letter=m["letter"] or "")
        frames.append(frame[NOT_FOUND_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=NOT_FOUND_COLUMNS)
    return pd.concat(frames, ignore_index=True)


__all__ = [
    "SUMMARY_COLUMNS",
    "MISSING_BY_GROUP",
    "NOT_FOUND_COLUMNS",
    "not_found",
    "summary",
    "KEY",
    "NUMBERS",
    "RECORD_COLUMNS",
    "ROW",
    "VALUES",
    "ALIAS_COLUMNS",
    "disagreements",
    "read_aliases",
    "read_record",
    "read_sheet",
    "resolved_mismatches",
    "sheets",
    "unresolved",
]
