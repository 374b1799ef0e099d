"""The report registry: every rendered report, its notebook and its typed parameters.

One small declaration per report (:data:`REPORTS`) is read by the command line
(``calcidata render`` / ``calcidata build``), by the notebooks themselves (their
first code cell calls :func:`validate_params`) and by the tests (which check
each notebook's ``parameters`` cell against its spec with
``papermill.inspect_notebook``).

>>> from calcidata.reports import REPORTS, validate_params
>>> sorted(REPORTS)                                       # doctest: +NORMALIZE_WHITESPACE
['claims_check', 'condition_gap', 'condition_report', 'dosing_ranges', 'evidence_map',
 'explore', 'treatment_comparison']
>>> validate_params("dosing_ranges", modality="drug")     # doctest: +SKIP
{'modality': 'drug', 'treatment_ids': None}

Allowed ids are read from the tables with the standard library only (no pandas),
so checking parameters, and planning a build, cost a few milliseconds.
"""

from __future__ import annotations

from calcidata.errors import ParameterError
from calcidata.reports.catalog import (
    CONDITIONS_WITH_EVIDENCE,
    CONDITIONS_WITHOUT_EVIDENCE,
    LAY_ARTICLES,
    MODALITIES,
    OUTCOME_DOMAINS,
    TREATMENTS,
    Catalog,
    IdSource,
    Params,
    dosing_sets,
    per_article,
    per_condition,
    per_gap_condition,
)
from calcidata.reports.spec import Param, ReportSpec, _suggest, check_params

__all__ = [
    "Param",
    "ReportSpec",
    "Catalog",
    "REPORTS",
    "validate_params",
    "get_report",
    "check_params",
]


# --------------------------------------------------------------------------- registry

_CONDITION = Param(
    "condition_id",
    str,
    "calcific_tendinopathy_shoulder",
    CONDITIONS_WITH_EVIDENCE,
    "condition id (a condition with evidence rows)",
)


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "condition_report",
            "condition_report.ipynb",
            "Condition report",
            "What the condition is, the treatments ranked by evidence, summary of findings, "
            "estimates and dosing",
            (_CONDITION,),
            build_params=per_condition,
            same_condition=True,
            map_cell=True,
        ),
        ReportSpec(
            "treatment_comparison",
            "treatment_comparison.ipynb",
            "Treatment comparison",
            "The treatments for one condition side by side: evidence, findings and dosing",
            (
                _CONDITION,
                Param(
                    "treatment_ids",
                    list,
                    None,
                    TREATMENTS,
                    "treatment ids, comma-separated (default: all with evidence or dosing)",
                ),
                Param(
                    "outcome",
                    str,
                    None,
                    OUTCOME_DOMAINS,
                    "outcome domain to compare on (default: all)",
                ),
            ),
            build_params=per_condition,
            same_condition=True,
            map_cell=True,
        ),
        ReportSpec(
            "evidence_map",
            "evidence_map.ipynb",
            "Evidence and gap map",
            "Treatments by conditions: how much evidence there is, how strong, and the gaps",
            (
                Param("modality", str, None, MODALITIES, "only treatments of this modality"),
                Param(
                    "condition_id",
                    str,
                    None,
                    CONDITIONS_WITH_EVIDENCE,
                    "one condition: the treatments x outcomes view",
                ),
            ),
            index_line="{results} on {treatments} from {sources}; {pairs}",
            overview_link="Evidence and gap map",
        ),
        ReportSpec(
            "dosing_ranges",
            "dosing_ranges.ipynb",
            "Dosing ranges",
            "Reported dose ranges by treatment and route, normalized where the unit allows",
            (
                Param("modality", str, None, MODALITIES, "only treatments of this modality"),
                Param(
                    "treatment_ids",
                    list,
                    None,
                    TREATMENTS,
                    "treatment ids, comma-separated (default: all)",
                ),
                Param(
                    "condition_id",
                    str,
                    None,
                    CONDITIONS_WITH_EVIDENCE,
                    "one condition: its doses and the general doses of its treatments",
                ),
            ),
            build_params=dosing_sets,
            index_line="{dosing_ranges} for {treatments} from {sources}",
            same_condition=True,
            overview_link="All dosing ranges",
        ),
        ReportSpec(
            "claims_check",
            "claims_check.ipynb",
            "Claims check",
            "What the lay articles say, and what the evidence says of each claim",
            (
                Param(
                    "source_id",
                    str,
                    None,
                    LAY_ARTICLES,
                    "one lay article (a source id such as seed_004; default: all)",
                ),
            ),
            build_params=per_article,
            index_line="{claims} from {sources}; {verdicts}",
            overview_link="Claims check: what the articles say",
        ),
        ReportSpec(
            "condition_gap",
            "condition_gap.ipynb",
            "Condition without evidence",
            "A condition with no study in the tables: what it is, what articles claim, no study "
            "found",
            (
                Param(
                    "condition_id",
                    str,
                    "calcific_myopathy",
                    CONDITIONS_WITHOUT_EVIDENCE,
                    "condition id (a condition with no evidence row of its own)",
                ),
            ),
            build_params=per_gap_condition,
            index_line="{claims} about it from {sources}; no study found",
            map_cell=True,
        ),
        ReportSpec(
            "explore",
            "explore.ipynb",
            "Explore the tables",
            "A starting point for JupyterLab: load, filter, join and plot",
            (_CONDITION,),
            build=False,
            build_params=lambda catalog: [],
        ),
    )
}


def get_report(name: str) -> ReportSpec:
    """The spec of report ``name``; ParameterError listing the reports if unknown."""
    try:
        return REPORTS[name]
    except (KeyError, TypeError):
        raise ParameterError(
            f"unknown report {name!r}"
            + _suggest(str(name), list(REPORTS))
            + f"; the reports are: {', '.join(REPORTS)}"
        ) from None


# --------------------------------------------------------------------------- validation


def validate_params(report: str, tables: IdSource = None, **params: object) -> Params:
    """Check and normalize the parameters of one report, before any kernel starts.

    Parameters
    ----------
    report : str
        A name in :data:`REPORTS`.
    tables : Tables, Catalog, path-like or None
        Where the allowed ids come from: loaded tables, a :class:`Catalog`, a data
        directory, or ``None`` for ``$CALCIDATA_DATA_DIR`` / the shipped data.
    **params
        Parameter values. Strings are accepted for every type (as given by
        ``-p NAME VALUE`` on a command line): a list parameter takes a
        comma-separated string, and ``""`` / ``"None"`` mean the default ``None``
        where the default is ``None``.

    Returns
    -------
    dict
        Every parameter of the report, in spec order, defaults filled in; lists
        de-duplicated in the given order.

    Raises
    ------
    ParameterError
        For an unknown report or parameter, a wrong type, or a value outside the
        allowed ones. The message lists the valid values and the nearest match.
    """
    return check_params(get_report(report), params, tables)
