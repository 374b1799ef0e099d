"""A broader condition's report: its own comparisons in full, the others by narrower condition.

A condition with narrower conditions gathers all their results. A comparison
whose results all come from one narrower condition is the same body of evidence
in that condition's report (:func:`calcidata.synthesis.by_home`), so the broader
report does not repeat its summary-of-findings table: it gives that condition's
bottom line of it, under the condition's name linked to its report, each title
linked to the table there. :func:`split` says which comparisons are shown here
and which are linked; a comparison whose home has no link given stays here, in
full, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from calcidata.display.labels import humanize
from calcidata.display.sof_tables import _names, _sof_frame

if TYPE_CHECKING:  # pragma: no cover
    from calcidata.tables.container import Tables

__all__ = ["Elsewhere", "split"]


@dataclass(frozen=True)
class Elsewhere:
    """Comparisons summarised in a narrower condition's report.

    Attributes
    ----------
    condition_id, name : str
        The narrower condition.
    href : str
        Link to its report.
    rows : pandas.DataFrame
        Its summary-of-findings rows of those comparisons (as its report shows them).
    """

    condition_id: str
    name: str
    href: str
    rows: pd.DataFrame


def split(
    data: object, tables: Tables | None, links: Mapping[str, str] | None
) -> tuple[pd.DataFrame, list[Elsewhere]]:
    """The rows shown here, and the comparisons linked to a narrower condition's report.

    Parameters
    ----------
    data : pandas.DataFrame or a synthesis result
        A synthesis of one condition (with ``condition_id`` and ``homes``) is
        split; anything else is shown whole (``data``'s frame, no link).
    tables : calcidata.Tables, optional
        For the conditions' names.
    links : mapping of str to str, optional
        Condition name -> link to its report. None: nothing is split.
    """
    frame = _sof_frame(data)
    top = getattr(data, "condition_id", None)
    if links is None or top is None or not hasattr(data, "homes"):
        return frame, []
    homes: dict[str, pd.DataFrame] = data.homes
    _, conditions = _names(tables)
    kept = set(homes.get(str(top), frame)["comparison_id"].astype(str))
    away = []
    for home, rows in homes.items():
        if home == str(top):
            continue
        name = str(conditions.get(home, humanize(home)))
        if name in links:
            away.append(Elsewhere(home, name, links[name], rows))
        else:  # no report to link: shown here in full
            kept |= set(rows["comparison_id"].astype(str))
    shown = frame[frame["comparison_id"].astype(str).isin(kept)].reset_index(drop=True)
    shown.attrs["view"] = "sof_rows"
    return shown, away
