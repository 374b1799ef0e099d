"""Type stub: the names this package imports lazily, imported eagerly for checkers.

Kept equal to ``_LAZY`` by ``tests/test_typing.py``.
"""

from calcidata.display._plotbase import DIRECTION_COLOURS as DIRECTION_COLOURS
from calcidata.display._plotbase import describe as describe
from calcidata.display._plotbase import palette_table as palette_table
from calcidata.display._plotbase import strength_palette as strength_palette
from calcidata.display.bottom_line import bottom_lines as bottom_lines
from calcidata.display.bottom_line import results_without_comparison as results_without_comparison
from calcidata.display.explorer import Explorer as Explorer
from calcidata.display.explorer import explorer as explorer
from calcidata.display.html import definitions as definitions
from calcidata.display.html import header as header
from calcidata.display.html import notice as notice
from calcidata.display.html import record as record
from calcidata.display.html import sources as sources
from calcidata.display.html import table as table
from calcidata.display.labels import LABELS as LABELS
from calcidata.display.labels import NOTICE as NOTICE
from calcidata.display.labels import format_effect as format_effect
from calcidata.display.labels import format_range as format_range
from calcidata.display.labels import humanize as humanize
from calcidata.display.labels import participants_studies as participants_studies
from calcidata.display.labels import short_label as short_label
from calcidata.display.metaplot import forest as forest
from calcidata.display.overlap import overlap_table as overlap_table
from calcidata.display.plot_claims import plot_verdicts as plot_verdicts
from calcidata.display.plot_doses import plot_dose_range_grid as plot_dose_range_grid
from calcidata.display.plot_doses import plot_dose_ranges as plot_dose_ranges
from calcidata.display.plot_maps import evidence_map_panels as evidence_map_panels
from calcidata.display.plot_maps import plot_evidence_map as plot_evidence_map
from calcidata.display.plot_pooled import pooled_forests as pooled_forests
from calcidata.display.plots import plot_directions as plot_directions
from calcidata.display.plots import plot_participants as plot_participants
from calcidata.display.plots import plot_results as plot_results
from calcidata.display.plots import plot_results_grid as plot_results_grid
from calcidata.display.plots import set_theme as set_theme
from calcidata.display.reproductions import reproductions_table as reproductions_table
from calcidata.display.sof import sof_table as sof_table
from calcidata.display.sof_tables import sof_tables as sof_tables
from calcidata.display.wording import WORDINGS as WORDINGS
from calcidata.display.wording import Compose as Compose
from calcidata.display.wording import Wording as Wording
from calcidata.display.wording import reader_table as reader_table
from calcidata.display.wording import words as words

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
    "set_theme",
    "plot_results",
    "plot_results_grid",
    "plot_participants",
    "plot_directions",
    "plot_dose_ranges",
    "plot_dose_range_grid",
    "plot_evidence_map",
    "evidence_map_panels",
    "plot_verdicts",
    "strength_palette",
    "palette_table",
    "DIRECTION_COLOURS",
    "describe",
    "forest",
    "pooled_forests",
    "reproductions_table",
    "explorer",
    "Explorer",
]
