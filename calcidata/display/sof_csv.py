"""The CSV download of a summary-of-findings table: its cells as the table shows them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from markupsafe import Markup

from calcidata.display.interactive import csv_link

#: The columns of a comparison table's CSV, in the order of its cells.
CSV_COLUMNS = {
    "outcome": "Outcome",
    "detail": "Outcome details",
    "relative": "Relative effect (95% CI)",
    "risk": "Risk or mean with the comparator",
    "difference": "Difference with the intervention",
    "participants": "Participants (studies)",
    "grade": "Certainty of the evidence (GRADE)",
    "statement": "Comments",
}


def _csv(comparison: dict[str, Any], part: str = "main") -> Markup:
    """The CSV download of one table of a comparison: its main rows, or its "more" rows."""

    def marks(notes: Iterable[object] | None) -> str:
        return ",".join(str(n) for n in notes) if notes else ""

    # each cell as the table shows it, footnote marks included
    rows = [
        {
            **r,
            "relative": f"{r['relative']}{marks(r.get('effect_notes'))}",
            "risk": f"{r['risk']}{marks(r.get('risk_notes'))}",
            "grade": f"{r['symbols']} {r['certainty']}".strip()
            + (r.get("basis_mark") or "")
            + (f" {marks(r.get('notes'))}" if r.get("notes") else ""),
        }
        for r in comparison[part]
    ]
    # the CSV's headers are the table's own ("Risk or mean with Placebo or sham")
    names = {
        **CSV_COLUMNS,
        "risk": f"Risk or mean with {comparison['comparison']}",
        "difference": f"Difference with {comparison['intervention']}",
    }
    frame = pd.DataFrame(rows)[list(CSV_COLUMNS)].rename(columns=names)
    more = " more outcomes" if part == "more" else ""
    name = f"summary of findings{more} {comparison['intervention']} vs {comparison['comparison']}"
    return Markup(csv_link(frame, name))
