"""What a reader sees: plain words, HTML tables and headers, and plots. No I/O.

Words and HTML (imported with the package; no matplotlib):

- :func:`words` / :func:`reader_table`: an analysis frame as the table a reader
  sees (:mod:`calcidata.display.wording`); formatters :func:`humanize`,
  :func:`format_effect`, :func:`format_range`, :func:`participants_studies`,
  :func:`short_label`; :data:`LABELS`, :data:`NOTICE`.
- :func:`table`, :func:`record`, :func:`sources`, :func:`header`,
  :func:`notice`, :func:`definitions` (:mod:`calcidata.display.html`); the
  summary of findings :func:`sof_table` (one table) and :func:`sof_tables` (one
  table per comparison, in GRADEpro's shape), :func:`bottom_lines` (the bottom
  line per comparison), :func:`results_without_comparison` (within-arm results)
  and the reviews' overlap :func:`overlap_table`.

Plots (matplotlib and seaborn are imported on first use of one of these names):
:func:`set_theme`, :func:`plot_results`, :func:`plot_results_grid`,
:func:`plot_participants`, :func:`plot_directions`, :func:`plot_dose_ranges`,
:func:`plot_dose_range_grid`, :func:`plot_evidence_map`, and :func:`forest`
(the meta-analysis forest plot of :mod:`calcidata.display.metaplot`), and
:func:`pooled_forests` (one forest per pooled body of evidence). Also imported on
first use: :func:`reproductions_table` (published pooled results beside calcidata's
re-computation).

Typical notebook cell::

    display.table(analysis.summary_of_findings(tables, sel), group_by="outcome_domain")
"""

from __future__ import annotations

from calcidata._api import lazy_names
from calcidata.display.bottom_line import bottom_lines, results_without_comparison
from calcidata.display.html import definitions, header, notice, record, sources, table
from calcidata.display.labels import (
    LABELS,
    NOTICE,
    format_effect,
    format_range,
    humanize,
    participants_studies,
    short_label,
)
from calcidata.display.overlap import overlap_table
from calcidata.display.sof import sof_table
from calcidata.display.sof_tables import sof_tables
from calcidata.display.wording import WORDINGS, Compose, Wording, reader_table, words
from calcidata.display.wording_claims import CLAIM_WORDINGS  # noqa: F401  (registers them)

#: Lazily imported names -> the module that holds them.
_LAZY = {
    "set_theme": "calcidata.display.plots",
    "plot_results": "calcidata.display.plots",
    "plot_results_grid": "calcidata.display.plots",
    "plot_participants": "calcidata.display.plots",
    "plot_directions": "calcidata.display.plots",
    "plot_dose_ranges": "calcidata.display.plot_doses",
    "plot_dose_range_grid": "calcidata.display.plot_doses",
    "plot_evidence_map": "calcidata.display.plot_maps",
    "evidence_map_panels": "calcidata.display.plot_maps",
    "plot_verdicts": "calcidata.display.plot_claims",
    "strength_palette": "calcidata.display._plotbase",
    "palette_table": "calcidata.display._plotbase",
    "DIRECTION_COLOURS": "calcidata.display._plotbase",
    "describe": "calcidata.display._plotbase",
    "forest": "calcidata.display.metaplot",
    "pooled_forests": "calcidata.display.plot_pooled",
    "reproductions_table": "calcidata.display.reproductions",
    "explorer": "calcidata.display.explorer",
    "Explorer": "calcidata.display.explorer",
}

__all__ = [
    "LABELS",
    "NOTICE",
    "WORDINGS",
    "Compose",
    "bottom_lines",
    "Wording",
    "definitions",
    "format_effect",
    "format_range",
    "header",
    "humanize",
    "notice",
    "overlap_table",
    "participants_studies",
    "reader_table",
    "record",
    "results_without_comparison",
    "short_label",
    "sof_table",
    "sof_tables",
    "sources",
    "table",
    "words",
    *_LAZY,
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
