"""The forest plot: asserted on what was drawn, not on pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402

import calcidata  # noqa: E402
from calcidata.display import forest  # noqa: E402
from calcidata.errors import ParameterError  # noqa: E402

from .conftest import ROOT  # noqa: E402

BCG = pd.read_csv(ROOT / "tests" / "reference" / "bcg.csv", comment="#")


@pytest.fixture
def result():
    es = calcidata.meta.effect_sizes("RR", ai=BCG.tpos, bi=BCG.tneg, ci=BCG.cpos, di=BCG.cneg)
    return calcidata.meta.pool(es.yi, es.vi, method="REML")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_one_marker_per_study_sized_by_weight(result):
    ax = forest(result, labels=BCG.author, measure="RR")
    squares = ax.collections[0]
    assert len(squares.get_offsets()) == 13
    sizes = squares.get_sizes()
    assert np.argmax(sizes) == int(np.argmax(result.weights))
    assert np.allclose(np.asarray(squares.get_offsets())[:, 0], np.exp(result.yi))


def test_diamond_spans_the_pooled_confidence_interval(result):
    ax = forest(result, measure="RR")
    diamonds = [p for p in ax.patches if isinstance(p, Polygon)]
    assert len(diamonds) == 1
    xs = diamonds[0].get_xy()[:, 0]
    assert xs.min() == pytest.approx(np.exp(result.ci_low))
    assert xs.max() == pytest.approx(np.exp(result.ci_high))
    assert np.isclose(xs, np.exp(result.estimate)).sum() == 2  # top and bottom tips


def test_ratio_measures_use_a_log_axis_and_show_exponentiated_numbers(result):
    ax = forest(result, labels=BCG.author, measure="RR")
    assert ax.get_xscale() == "log"
    texts = _texts(ax)
    pooled = (
        f"{np.exp(result.estimate):.2f} [{np.exp(result.ci_low):.2f}, {np.exp(result.ci_high):.2f}]"
    )
    assert pooled == "0.49 [0.34, 0.70]" and pooled in texts  # metafor's predict.rma example
    assert f"{result.weights[0]:.1f}%" in texts
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:13] == list(BCG.author) and labels[13].startswith("Total (REML")


def test_prediction_interval_heterogeneity_and_favours(result):
    ax = forest(result, measure="OR", favours=("Favours BCG", "Favours control"))
    lines = [ln for ln in ax.lines if ln.get_label() == "prediction interval"]
    assert len(lines) == 1
    assert np.allclose(lines[0].get_xdata(), np.exp([result.pi_low, result.pi_high]))
    texts = _texts(ax)
    assert "Favours BCG" in texts and "Favours control" in texts
    het = next(t for t in texts if t.startswith("Heterogeneity"))
    assert f"Q = {result.q:.2f}, df = 12" in het and "I² = 92%" in het and "Tau²" in het


def test_linear_axis_for_differences_and_given_axes():
    res = calcidata.meta.pool([0.1, 0.4, -0.2], [0.02, 0.05, 0.03], method="FE")
    fig, ax = plt.subplots()
    out = forest(res, ax=ax)
    assert out is ax and ax.get_xscale() == "linear"
    assert not [ln for ln in ax.lines if ln.get_label() == "prediction interval"]  # FE
    assert "Study 1" in [t.get_text() for t in ax.get_yticklabels()]


def test_wrong_labels_and_extreme_values_raise_parameter_error(result):
    with pytest.raises(ParameterError, match="labels"):
        forest(result, labels=["a", "b"])
    huge = calcidata.meta.pool([1e150, -1e150], [1.0, 1.0], method="FE")  # 1e300: refused
    with pytest.raises(ParameterError, match="forest plot"):
        forest(huge)
    big_log = calcidata.meta.pool([400.0, 410.0], [1.0, 1.0], method="FE")
    forest(big_log)  # fine on a linear axis
    with pytest.raises(ParameterError, match="log scale"):
        forest(big_log, measure="RR")


def test_module_is_not_imported_with_calcidata():
    import subprocess
    import sys

    code = "import sys, calcidata; assert 'calcidata.display.metaplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def _extent(ax, text):
    renderer = ax.figure.canvas.get_renderer()
    return text.get_window_extent(renderer)


def test_revman_columns_never_overlap_each_other_the_names_or_the_plot(result):
    arms = [f"{a + b}/{c + d}" for a, b, c, d in BCG[["tpos", "tneg", "cpos", "cneg"]].values]
    labels = [f"{name} $5 000 trial" for name in BCG.author]  # a $ is text, not mathtext
    fig, ax = plt.subplots(figsize=(6, 6))
    forest(result, labels=labels, measure="RR", arms=arms, ax=ax, favours=("$ less", "more $"))
    fig.canvas.draw()
    headers = {t.get_text(): t for t in ax.texts if t.get_fontweight() == "bold"}
    assert {"Study", "Arms", "Weight", "Estimate [CI]"} <= set(headers)
    # each column's texts, by the column whose header shares their right edge
    boxes = {h: [] for h in ("Arms", "Weight", "Estimate [CI]")}
    for t in ax.texts:
        for h in boxes:
            if t.get_transform() == headers[h].get_transform():
                boxes[h].append(_extent(ax, t))
    spans = {h: (min(b.x0 for b in bs), max(b.x1 for b in bs)) for h, bs in boxes.items()}
    names = [_extent(ax, t) for t in ax.get_yticklabels()]
    plot = ax.get_window_extent()
    order = [(min(b.x0 for b in names), max(b.x1 for b in names)), spans["Arms"],
             spans["Weight"], spans["Estimate [CI]"], (plot.x0, plot.x1)]  # fmt: skip
    assert all(a[1] < b[0] for a, b in zip(order, order[1:], strict=False)), order
    assert [t.get_text() for t in ax.get_yticklabels()][0] == r"Aronson \$5 000 trial"
    assert r"\$ less" in _texts(ax) and "12" not in "".join(_texts(ax)[:1])


def test_the_figure_says_the_pooled_result_in_words(result):
    from calcidata.display._plotbase import ALT_PREFIX

    ax = forest(result, labels=list(BCG.author), measure="RR")
    alt = ax.figure.get_gid()
    assert alt.startswith(ALT_PREFIX)
    assert "Pooled RR 0.49 (95% CI 0.34 to 0.70)" in alt and "13 studies" in alt
    assert "I² = 92%" in alt


def test_on_a_phone_each_study_is_named_on_its_own_line_and_nothing_overlaps(result):
    from calcidata.display.twins import PHONE_WIDTH

    from .plot_support import NINE_PX, drawn_texts, overlapping

    arms = [f"{a + b}/{c + d}" for a, b, c, d in BCG[["tpos", "tneg", "cpos", "cneg"]].values]
    labels = [f"{name} $5 000 trial of a vaccine against tuberculosis" for name in BCG.author]
    ax = forest(result, labels=labels, measure="RR", arms=arms, narrow=True)
    fig = ax.figure
    texts = drawn_texts(fig)
    assert overlapping(texts) == []
    assert min(t.get_fontsize() for t in texts) >= NINE_PX
    # it fits a 390 px screen (374 px inside the page's margins) at its own size
    assert fig.get_figwidth() == PHONE_WIDTH and fig.get_tightbbox().width * 96 <= 374
    right = ax.get_window_extent().x1
    assert all(t.get_window_extent().x1 <= right + 0.5 for t in ax.texts)  # wrapped, not cut
    shown = [t.get_text().replace("\u00a0", " ") for t in ax.texts]  # no-break spaces
    joined = " ".join(shown)
    assert r"Aronson \$5 000 trial of a vaccine" in joined  # a $ is text, not mathtext
    assert "RR 0.49 [0.34, 0.70] · weight 100.0%" in shown  # the pooled line
    assert any(t.startswith("RR 0.41 [0.13, 1.26] · weight 5.1%") for t in shown), shown[:6]
    # a line breaks between the parts of a detail, never inside one
    assert any("arms 123/139" in t for t in shown) and not [t for t in shown if t.endswith("·")]
    # one square per study, its interval full width under its name; the diamond spans the CI
    assert len(ax.collections[0].get_offsets()) == 13 and ax.get_xscale() == "log"
    (diamond,) = [p for p in ax.patches if isinstance(p, Polygon)]
    assert diamond.get_xy()[:, 0].min() == pytest.approx(np.exp(result.ci_low))
    assert "Favours treatment" in shown and "Favours comparator" in shown
    assert "Pooled RR 0.49 (95% CI 0.34 to 0.70)" in fig.get_gid()


def test_on_a_phone_a_difference_keeps_its_linear_axis_and_a_given_axes():
    res = calcidata.meta.pool([0.1, 0.4, -0.2], [0.02, 0.05, 0.03], method="FE")
    fig = plt.figure(figsize=(3.7, 4))
    ax = fig.add_axes((0.05, 0.2, 0.9, 0.75))
    assert forest(res, narrow=True, ax=ax) is ax and ax.get_xscale() == "linear"
    assert not [ln for ln in ax.lines if ln.get_label() == "prediction interval"]  # FE
    # weight: 1/0.02 of 1/0.02 + 1/0.05 + 1/0.03
    shown = [t.get_text().replace("\u00a0", " ") for t in ax.texts]
    assert shown[:2] == ["Study 1", "Estimate 0.10 [-0.18, 0.38] · weight 48.4%"]
