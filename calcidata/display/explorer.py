"""An interactive explorer for JupyterLab and Voila: condition, treatment, outcome -> answers.

:func:`choices` lists what can be chosen (plain data, tested without widgets);
:class:`Explorer` puts three dropdowns (condition, treatment, outcome) over three
outputs that update when a dropdown changes: the summary of findings with every
reported result (an itables table), the pooled forest plot, and the doses. It
reads the same functions the reports do, so the explorer and the reports always
agree. ``notebooks/explore.ipynb`` shows it; ``make app`` serves that notebook with
Voila (no code shown, nothing loaded from the network).

ipywidgets and itables' widget are imported only when an :class:`Explorer` is
made (the ``app`` extra installs them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from calcidata.analysis import Selection
    from calcidata.tables.container import Tables

#: The outcome choice that means every outcome domain.
ALL_OUTCOMES = "All outcomes"


def choices(
    tables: Tables, condition_id: str | None = None, treatment_id: str | None = None
) -> dict[str, list[tuple[str, str | None]]]:
    """What the explorer offers: (label, value) pairs for each dropdown.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables.
    condition_id, treatment_id : str, optional
        The current choices; the treatments are those with a body of evidence
        for the condition, the outcomes those of the treatment there.

    Returns
    -------
    dict
        ``condition``: every condition with evidence (its name, its id);
        ``treatment``: the condition's treatments (name, id), most evidence
        first; ``outcome``: :data:`ALL_OUTCOMES` (value None), then each outcome
        domain in plain words.
    """
    from calcidata.display.labels import humanize
    from calcidata.synthesis import evidence_profile

    names = tables.conditions.set_index("condition_id")["name"]
    with_evidence = [c for c in names.index if c in set(tables.evidence["condition_id"])]
    conditions: list[tuple[str, str | None]] = [(str(names[c]), str(c)) for c in with_evidence]
    out: dict[str, list[tuple[str, str | None]]] = {
        "condition": conditions,
        "treatment": [],
        "outcome": [(ALL_OUTCOMES, None)],
    }
    condition_id = condition_id or (conditions[0][1] if conditions else None)
    if condition_id is None:
        return out
    profile = evidence_profile(tables, condition_id)
    if profile.empty:
        return out
    treatments = tables.treatments.set_index("treatment_id")["name"]
    counts = profile.groupby("treatment_id", observed=True)["n_participants"].sum(min_count=1)
    order = counts.fillna(0).sort_values(ascending=False, kind="stable").index
    out["treatment"] = [(str(treatments.get(t, t)), str(t)) for t in order]
    treatment_id = treatment_id or (out["treatment"][0][1] if out["treatment"] else None)
    domains = profile.loc[profile["treatment_id"] == treatment_id, "outcome_domain"]
    out["outcome"] += [(humanize(d), str(d)) for d in dict.fromkeys(domains.astype(str))]
    return out


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A worded frame as the reports show it: no id columns, headers in words."""
    from calcidata.display.html import HIDDEN, header_name

    frame = frame.drop(columns=[c for c in HIDDEN if c in frame.columns])
    frame = frame.astype(object).where(frame.notna(), "Not reported")
    return frame.rename(columns=header_name).astype(str)


class Explorer:
    """Three dropdowns and the answers they select, as one ipywidgets box.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables.
    condition_id : str, optional
        The condition shown first (default: the first with evidence).

    Attributes
    ----------
    condition, treatment, outcome : ipywidgets.Dropdown
        The choices; changing one updates the outputs below.
    findings, forest, doses : ipywidgets.Output
        The summary of findings and every reported result, the pooled forest
        plot, the doses.
    widget : ipywidgets.VBox
        All of it, which a notebook (or Voila) displays.
    """

    def __init__(self, tables: Tables, condition_id: str | None = None) -> None:
        from calcidata._extras import require

        require("app", "the explorer", ("ipywidgets", "anywidget"))
        import ipywidgets as w

        self.tables = tables
        first = choices(tables, condition_id)
        layout = {"width": "min(40em, 100%)"}
        style = {"description_width": "7em"}
        self.condition = w.Dropdown(
            description="Condition", options=first["condition"], layout=layout, style=style
        )
        if condition_id is not None:
            self.condition.value = condition_id
        self.treatment = w.Dropdown(
            description="Treatment", options=first["treatment"], layout=layout, style=style
        )
        self.outcome = w.Dropdown(
            description="Outcome", options=first["outcome"], layout=layout, style=style
        )
        self.findings, self.forest, self.doses = w.Output(), w.Output(), w.Output()
        self.condition.observe(self._condition_changed, names="value")
        self.treatment.observe(self._treatment_changed, names="value")
        self.outcome.observe(lambda _: self.update(), names="value")
        from calcidata.display.html import _render, notice

        heading = w.HTML
        self.widget = w.VBox(
            [
                # the reports' table styles and the notice, once, above the choices
                heading(str(_render("style.html.j2")) + str(notice())),
                w.VBox([self.condition, self.treatment, self.outcome]),
                heading("<h2>Summary of findings and every reported result</h2>"),
                self.findings,
                heading("<h2>Studies pooled by calcidata</h2>"),
                self.forest,
                heading("<h2>Doses as reported</h2>"),
                self.doses,
            ]
        )
        self.update()

    def _condition_changed(self, change: Any) -> None:
        now = choices(self.tables, change["new"])
        with self.treatment.hold_trait_notifications():
            self.treatment.options = now["treatment"]
        self._treatment_changed(None)

    def _treatment_changed(self, change: Any) -> None:
        now = choices(self.tables, self.condition.value, self.treatment.value)
        with self.outcome.hold_trait_notifications():
            self.outcome.options = now["outcome"]
        self.update()

    def selection(self) -> Selection:
        """The current choices as an :class:`calcidata.analysis.Selection`."""
        from calcidata.analysis import Selection

        treatment = self.treatment.value
        return Selection(
            self.condition.value,
            treatment_ids=(treatment,) if treatment else None,
            outcome=self.outcome.value,
        )

    def update(self) -> None:
        """Redraw the three outputs for the current choices."""
        from IPython.display import HTML
        from itables.widget import ITable

        from calcidata import analysis, synthesis
        from calcidata.display import html as present
        from calcidata.display.interactive import ITABLES_OPTIONS
        from calcidata.display.plot_pooled import pooled_forests
        from calcidata.display.sof_tables import sof_tables
        from calcidata.display.wording import words

        sel = self.selection()
        tables, ids = self.tables, list(sel.treatment_ids or ())
        options = {
            k: v
            for k, v in ITABLES_OPTIONS.items()
            if k not in ("connected", "column_filters", "display_logo_when_loading")
        }
        results = _shown(words(analysis.summary_of_findings(tables, sel)))
        condition_id: str = self.condition.value  # sel's: the dropdown always holds one
        sof = synthesis.sof_rows(tables, condition_id, ids, outcome=sel.outcome)
        bodies = synthesis.pooled_bodies(tables, condition_id, ids, outcome=sel.outcome)
        # IPython's HTML.__init__ has no annotations
        heading = HTML("<h3>Every reported result</h3>")  # type: ignore[no-untyped-call]
        shown: dict[Any, list[object]] = {
            self.findings: [sof_tables(sof, tables), heading, ITable(results, **options)],
            self.forest: [pooled_forests(bodies)],
            self.doses: [present.table(analysis.dosing_table(tables, sel), name="doses")],
        }  # fmt: skip
        for out, items in shown.items():  # in a kernel or not (append, not capture)
            out.outputs = ()
            for item in items:
                out.append_display_data(item)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def explorer(tables: Tables, condition_id: str | None = None) -> Explorer:
    """An :class:`Explorer` of ``tables``; displaying it shows the widgets."""
    return Explorer(tables, condition_id)


__all__ = ["ALL_OUTCOMES", "Explorer", "choices", "explorer"]
