"""Plots are tested on what they draw (markers, lines, labels, scales), not on pixels."""

from __future__ import annotations

import html as html_lib
import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from calcidata import analysis, display  # noqa: E402
from calcidata.display._plotbase import plain  # noqa: E402
from calcidata.schemas.vocabularies import STRENGTH  # noqa: E402

MINIMAL = Path(__file__).resolve().parent / "fixtures" / "minimal"
SHOULDER = "calcific_tendinopathy_shoulder"


@pytest.fixture(autouse=True)
def _close_figures():
    display.set_theme()
    yield
    plt.close("all")


def _points(ax) -> list[np.ndarray]:
    return [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]


def _segments(ax) -> list:
    return [s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]


def _forest_rows(**overrides) -> pd.DataFrame:
    base = {
        "group": "pain · MD",
        "effect_measure": "MD",
        "label": ["a", "b", "c"],
        "estimate": [-1.0, 0.5, 2.0],
        "ci_low": [-1.5, np.nan, 1.0],
        "ci_high": [-0.5, np.nan, 3.0],
        "strength": pd.Categorical(
            ["rct", "case_reports", "meta_analysis_rcts"], categories=list(STRENGTH), ordered=True
        ),
        "ratio": False,
        "within_group": False,
        "plotted": True,
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_forest_draws_one_marker_per_estimate_and_one_line_per_interval():
    ax = display.plot_results(_forest_rows())
    (offsets,) = _points(ax)
    assert sorted(offsets[:, 0]) == [-1.0, 0.5, 2.0]
    segments = _segments(ax)
    assert len(segments) == 2  # the row without a CI has no line
    assert sorted((s[0][0], s[1][0]) for s in segments) == [(-1.5, -0.5), (1.0, 3.0)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    null = [ln for ln in ax.lines if list(ln.get_xdata()) == [0.0, 0.0]]
    assert len(null) == 1 and ax.get_xscale() == "linear"


def test_forest_marks_an_estimate_without_interval_with_a_hollow_marker():
    ax = display.plot_results(_forest_rows())
    (coll,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    faces = coll.get_facecolors()
    edges = coll.get_edgecolors()
    pal = display.strength_palette()
    assert tuple(faces[1]) == to_rgba("white")  # b: no CI
    assert np.allclose(edges[1][:3], pal["case_reports"])
    assert np.allclose(faces[0][:3], pal["rct"])


def test_forest_uses_a_log_scale_and_a_line_at_one_for_ratios():
    rows = _forest_rows(
        effect_measure="RR",
        estimate=[0.5, 1.2, 2.0],
        ci_low=[0.3, 0.9, 1.1],
        ci_high=[0.9, 1.6, 4.0],
        ratio=True,
    )
    ax = display.plot_results(rows)
    assert ax.get_xscale() == "log"
    assert any(list(ln.get_xdata()) == [1.0, 1.0] for ln in ax.lines)


def test_forest_draws_no_null_line_for_single_arm_proportions():
    rows = _forest_rows(
        effect_measure="proportion",
        estimate=[0.2, 0.5, 0.9],
        ci_low=[0.1, np.nan, 0.8],
        ci_high=[0.3, np.nan, 0.95],
        within_group=True,
    )
    ax = display.plot_results(rows)
    assert not ax.lines
    assert ax.get_xlim()[0] < 0 and ax.get_xlim()[1] > 1
    assert "not a comparison" in ax.get_xlabel()


def test_forest_skips_rows_marked_not_plotted():
    rows = _forest_rows(plotted=[True, False, True])
    ax = display.plot_results(rows)
    (offsets,) = _points(ax)
    assert len(offsets) == 2


def test_forest_grid_has_one_panel_per_outcome_and_measure_and_counts_left_out(shipped):
    data = display.words(analysis.forest_data(shipped, condition_id=SHOULDER))
    fig = display.plot_results_grid(data)
    groups = list(dict.fromkeys(data.loc[data["plotted"], "group"]))
    assert [ax.get_title(loc="left") for ax in fig.axes] == groups
    drawn = sum(len(off) for ax in fig.axes for off in _points(ax))
    assert drawn == int(data["plotted"].sum())
    left_out = int((~data["plotted"]).sum())
    notes = [t.get_text() for t in fig.texts]
    assert any(n.startswith(f"Not drawn: {left_out} results") for n in notes)


def test_forest_grid_says_so_when_nothing_can_be_drawn(fixture_tables):
    data = analysis.forest_data(fixture_tables, condition_id="fixture_listed")
    fig = display.plot_results_grid(data)
    assert len(fig.axes) == 1
    assert "No numeric estimate" in fig.axes[0].texts[0].get_text()


@pytest.mark.parametrize("kind", ["results", "doses"])
def test_grids_carry_a_phone_drawing_shown_with_the_wide_one_in_one_wrapper(shipped, kind):
    if kind == "results":
        data = display.words(analysis.forest_data(shipped, condition_id=SHOULDER))
        fig, keys = display.plot_results_grid(data), data.loc[data["plotted"], "group"]
    else:
        data = display.words(analysis.dose_intervals(shipped, condition_id=SHOULDER))
        fig, keys = display.plot_dose_range_grid(data), data.loc[data["plotted"], "panel"]
    alt = fig.get_gid()
    bundle = fig._repr_mimebundle_()
    shown = bundle["text/html"]
    assert bundle["image/svg+xml"] in shown  # the wide drawing, drawn once
    assert shown.startswith('<div class="calcidata-twins"><style>')
    assert "@media (max-width:700px)" in shown and "@media print" in shown
    drawings = re.findall(
        r'calcidata-twin-(wide|narrow)"><svg role="img" aria-label="([^"]*)"', shown
    )
    assert [d for d, _ in drawings] == ["wide", "narrow"]
    assert drawings[0][1] == drawings[1][1] == html_lib.escape(alt.split(":", 1)[1])
    widths = [float(w) * 4 / 3 for w in re.findall(r'<svg [^>]*\bwidth="([\d.]+)pt"', shown)]
    assert widths[0] > 1000 and widths[1] <= 370, widths  # CSS px: the phone's fits 390 px
    # drawn for the phone: the same panels in one column, labels wrapped narrower
    narrow = (display.plot_results_grid if kind == "results" else display.plot_dose_range_grid)(
        data, narrow=True
    )
    titles = [ax.get_title(loc="left").replace("\n", " ") for ax in narrow.axes]
    assert titles == list(dict.fromkeys(keys))
    labels = [t.get_text() for ax in narrow.axes for t in ax.get_yticklabels()]
    assert max(len(line) for t in labels for line in t.split("\n")) <= 20
    assert narrow.get_figwidth() < 4 and getattr(narrow, "narrow", None) is None
    plt.close("all")


@pytest.mark.parametrize("kind", ["pooled", "participants", "directions"])
def test_the_pooled_forest_and_bar_charts_carry_a_phone_drawing_that_fits(shipped, kind):
    from calcidata import synthesis
    from calcidata.display.plot_pooled import pooled_forest_figure

    from .plot_support import NINE_PX, drawn_texts, overlapping

    if kind == "pooled":
        bodies = synthesis.pooled_bodies(shipped, SHOULDER)
        fig, narrow = pooled_forest_figure(bodies), pooled_forest_figure(bodies, narrow=True)
        names = [n for b in bodies for n in b.labels]
    else:
        plot, view = {
            "participants": (display.plot_participants, analysis.side_by_side),
            "directions": (display.plot_directions, analysis.direction_counts),
        }[kind]
        data = view(shipped, condition_id=SHOULDER)
        fig, narrow = plot(data).figure, plot(data, narrow=True).figure
        names = list(dict.fromkeys(data["treatment"]))
        empty = plot(data.iloc[0:0], narrow=True)
        assert "No " in empty.texts[0].get_text() and empty.figure.get_figwidth() < 4
    assert narrow.get_gid() == fig.get_gid()  # one accessible name
    alt = fig.get_gid().split(":", 1)[1]
    shown = fig._repr_mimebundle_()["text/html"]
    drawings = re.findall(
        r'calcidata-twin-(wide|narrow)"><svg role="img" aria-label="([^"]*)"', shown
    )
    assert [d for d, _ in drawings] == ["wide", "narrow"]
    assert drawings[0][1] == drawings[1][1] == html_lib.escape(alt)
    widths = [float(w) * 4 / 3 for w in re.findall(r'<svg [^>]*\bwidth="([\d.]+)pt"', shown)]
    assert widths[0] > 700 and widths[1] <= 374, widths  # CSS px: 374 px inside a 390 px page
    # drawn for the phone: every name on its own lines, no two texts overlapping, >= 9 px
    texts = drawn_texts(narrow)
    assert overlapping(texts) == [] and min(t.get_fontsize() for t in texts) >= NINE_PX
    words = " ".join(t.get_text() for ax in narrow.axes for t in ax.texts)
    assert all(plain(n) in words for n in names), [n for n in names if plain(n) not in words]
    if kind == "pooled":  # the pooled result in words, and both drawings on the page
        assert "Pooled RR" in alt and "I²" in alt
        page = str(display.pooled_forests(bodies))
        assert page.count("calcidata-forest") == 2 and "calcidata-twin-narrow" in page
    plt.close("all")


def test_a_figure_without_a_phone_drawing_is_shown_as_any_figure():
    from calcidata.display.twins import PhoneFigure

    assert PhoneFigure()._repr_mimebundle_() is None


def test_dose_ranges_draw_a_line_per_range_and_triangles_for_open_ends():
    rows = pd.DataFrame(
        {
            "label": ["range", "single", "up to", "at least"],
            "low": [1.0, 5.0, np.nan, 2.0],
            "high": [3.0, 5.0, 8.0, np.nan],
            "unit": "mg/day",
            "open_low": [False, False, True, False],
            "open_high": [False, False, False, True],
            "plotted": True,
        }
    )
    ax = display.plot_dose_ranges(rows)
    segments = _segments(ax)
    assert len(segments) == 1 and (segments[0][0][0], segments[0][1][0]) == (1.0, 3.0)
    markers = {tuple(sorted(o[:, 0])) for o in _points(ax)}
    assert (1.0, 3.0, 5.0) in markers  # closed bounds, one dot for the single value
    assert (8.0,) in markers and (2.0,) in markers  # the open-ended ones
    assert ax.get_xlabel() == "mg/day"
    assert ax.get_xlim()[0] == 0


def test_dose_range_grid_has_a_panel_per_unit_with_daily_units_first(shipped):
    data = display.words(analysis.dose_intervals(shipped, condition_id=SHOULDER))
    fig = display.plot_dose_range_grid(data)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == list(dict.fromkeys(data.loc[data["plotted"], "panel"]))
    assert "energy flux density (mJ/mm2)" in titles
    assert "radiation dose (Gy)" in titles
    labels = [" ".join(t.get_text().split("\n")) for ax in fig.axes for t in ax.get_yticklabels()]
    assert not [x for x in labels if "…" in x.split(" [")[0]]  # wrapped, never cut
    for x in data.loc[data["plotted"], "label"]:
        assert any(label.startswith(plain(x)) for label in labels), x
    for ax in fig.axes:  # rows of one panel never share a label
        shown = [t.get_text() for t in ax.get_yticklabels()]
        assert len(shown) == len(set(shown)), shown


def test_dose_range_grid_uses_a_log_axis_for_wide_drug_ranges(shipped):
    data = analysis.dose_intervals(shipped, modality="drug")
    fig = display.plot_dose_range_grid(data)
    oral = next(ax for ax in fig.axes if ax.get_title(loc="left") == "oral · mg/day")
    assert oral.get_xscale() == "log"


def test_evidence_map_draws_one_bubble_per_pair_coloured_by_strength(shipped):
    data = analysis.evidence_map(shipped, modality="drug")
    ax = display.plot_evidence_map(data)
    (coll,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(coll.get_offsets()) == len(data)
    pal = display.strength_palette()
    expected = np.array([pal[str(s)] for s in data["strength"]])
    assert np.allclose(coll.get_facecolors()[:, :3], expected)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        plain(v, 60) for v in dict.fromkeys(data["treatment"])
    ]
    sizes = coll.get_sizes()
    biggest = data["participants"].astype("Float64").fillna(0).to_numpy().argmax()
    assert sizes.argmax() == biggest


def test_evidence_map_of_outcomes_for_one_condition(shipped):
    data = analysis.outcome_map(shipped, condition_id=SHOULDER)
    ax = display.plot_evidence_map(data, x="outcome_domain")
    top = [t.label2.get_text() for t in ax.xaxis.get_major_ticks() if t.label2.get_visible()]
    assert top == list(display.words(data)["outcome_domain"].cat.categories)  # named at the top
    assert top[:2] == ["pain", "function"]  # vocabulary order, not order of appearance


def test_strength_palette_is_ordered_from_light_to_dark():
    pal = display.strength_palette()
    assert list(pal) == list(STRENGTH)
    lum = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in pal.values()]
    assert lum == sorted(lum, reverse=True)


def test_plot_participants_draw_only_reported_counts(shipped):
    data = analysis.side_by_side(shipped, condition_id=SHOULDER)
    ax = display.plot_participants(data)
    widths = sorted(p.get_width() for p in ax.patches)
    reported = sorted(float(v) for v in data["participants"].dropna())
    assert widths == reported
    missing = data["participants"].isna().sum()
    assert sum("participants not reported" in t.get_text() for t in ax.texts) == missing


def test_plot_directions_stack_one_segment_per_nonzero_count(shipped):
    data = analysis.direction_counts(shipped, condition_id=SHOULDER)
    ax = display.plot_directions(data)
    assert len(ax.patches) == int((data["results"] > 0).sum())
    assert sum(p.get_width() for p in ax.patches) == data["results"].sum()


def test_plots_draw_on_the_axes_given_and_never_show_or_save(fixture_tables):
    fig, ax = plt.subplots()
    before = plt.get_fignums()
    results = display.words(analysis.forest_data(fixture_tables, condition_id="fixture_root"))
    assert display.plot_results(results, ax=ax) is ax
    doses = display.words(analysis.dose_intervals(fixture_tables))
    assert display.plot_dose_ranges(doses, ax=ax) is ax
    assert display.plot_evidence_map(analysis.evidence_map(fixture_tables), ax=ax) is ax
    assert plt.get_fignums() == before


def test_dollar_signs_in_table_text_are_not_read_as_mathtext():
    ax = display.plot_results(_forest_rows(label=["cost $5 and $6", "b", "c"]))
    ax.figure.canvas.draw()  # would raise or mangle on unbalanced mathtext
    assert ax.get_yticklabels()[0].get_text() == r"cost \$5 and \$6"


def test_importing_analysis_and_display_html_does_not_import_plotting_libraries():
    code = (
        "import sys, calcidata; from calcidata import analysis, display; "
        "from calcidata.display import html; "
        "display.table, display.words, display.header, analysis.summary_of_findings; "
        "calcidata.load; heavy = [m for m in ('seaborn', 'matplotlib', 'papermill') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_plot_names_load_plotting_only_when_used():
    code = (
        "import sys; from calcidata import display; "
        "assert 'calcidata.display.plots' not in sys.modules; display.plot_results; "
        "assert 'calcidata.display.plots' in sys.modules; "
        "print(display.plot_results.__module__, display.forest.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["calcidata.display.plots", "calcidata.display.metaplot"]


def test_grid_plots_word_an_analysis_frame_themselves(fixture_tables):
    raw = analysis.forest_data(fixture_tables, condition_id="fixture_shoulder")
    assert "label" not in raw and "group" not in raw
    fig = display.plot_results_grid(raw)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == list(dict.fromkeys(display.words(raw)["group"]))


def test_a_long_evidence_map_comes_in_parts_that_share_columns_and_bubble_scale(fixture_tables):
    data = analysis.evidence_map(fixture_tables)
    html = str(display.evidence_map_panels(data, rows=1))
    n_rows = data["treatment"].nunique()
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == n_rows >= 2
    labels = re.findall(r'aria-label="([^"]*)"', html)
    assert all(lab.endswith(f"Part {i} of {n_rows}.") for i, lab in enumerate(labels, 1))
    assert all(lab.startswith("Evidence map: 1 treatments by") for lab in labels)
    # every part names every column (the conditions), at the top
    conditions = set(display.words(data)["condition"])
    for svg in svgs:
        assert all(html_lib.escape(c) in svg for c in conditions)
    assert "$" not in "".join(labels)
