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
from typing import TYPE_CHECKING, cast

import pandas as pd

from calcidata.display.labels import humanize

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
        A :class:`~calcidata.synthesis.Synthesis` of one condition is split
        (:func:`calcidata.synthesis.by_home`); anything else is shown whole
        (``data``'s frame, or its ``.sof``, no link).
    tables : calcidata.Tables, optional
        For the conditions' names.
    links : mapping of str to str, optional
        Condition name -> link to its report. None: nothing is split.
    """
    from calcidata.synthesis.narrower import by_home
    from calcidata.synthesis.result import Synthesis

    frame = cast(pd.DataFrame, getattr(data, "sof", data))
    if links is None or not isinstance(data, Synthesis) or data.condition_id is None:
        return frame, []
    top = data.condition_id
    homes = by_home(data)
    conditions: dict[object, object] = {}
    if tables is not None:
        cond = tables.conditions
        conditions = dict(zip(cond["condition_id"], cond["name"], strict=True))
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
