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

import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from calcidata import paths
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
    _catalog,
    dosing_sets,
    per_article,
    per_condition,
    per_gap_condition,
    what_words,
)

__all__ = [
    "Param",
    "ReportSpec",
    "Catalog",
    "REPORTS",
    "validate_params",
    "get_report",
    "check_params",
]

_NONE_WORDS = ("", "None", "none", "null")


@dataclass(frozen=True)
class Param:
    """One typed report parameter.

    Attributes
    ----------
    name : str
        Name of the variable in the notebook's ``parameters`` cell.
    type : type
        ``str`` or ``list`` (a list of strings).
    default : str, list of str or None
        Default value (``None`` means "all" / no filter).
    allowed : str or None
        Name of the set of allowed values (one of ``conditions_with_evidence``,
        ``conditions_without_evidence``, ``treatments``, ``outcome_domains``,
        ``modalities``, ``lay_articles``), or ``None`` for free text.
    help : str
        One line for ``--help`` and the docs.
    """

    name: str
    type: type
    default: str | list[str] | None = None
    allowed: str | None = None
    help: str = ""


@dataclass(frozen=True)
class ReportSpec:
    """Declaration of one report.

    Attributes
    ----------
    name : str
        Report name, also the folder under ``reports/``.
    notebook : str
        File name of the notebook in ``notebooks/``.
    title : str
        Human title, shown in the index and the report header.
    summary : str
        One line saying what the reader gets.
    params : tuple of Param
        Parameters, in the order of the notebook's ``parameters`` cell.
    build : bool
        Whether ``calcidata build`` renders it.
    build_params : callable
        ``build_params(catalog) -> list[dict]``: the parameter sets build renders.
    index_line : str
        What the index says of each rendered report: a template whose fields
        (see :mod:`calcidata.reports.summary`) count the rows the report shows;
        the first field names those rows (``{results}``: evidence rows,
        ``{dosing_ranges}``: dosing rows).
    """

    name: str
    notebook: str
    title: str
    summary: str
    params: tuple[Param, ...] = ()
    build: bool = True
    build_params: Callable[..., list[Params]] = field(default=lambda _: [Params()], repr=False)
    index_line: str = "{results} on {treatments} from {sources}; strongest evidence: {strongest}"

    def param(self, name: str) -> Param:
        """The parameter called ``name`` (ParameterError listing them all if unknown)."""
        for p in self.params:
            if p.name == name:
                return p
        names = [p.name for p in self.params]
        raise ParameterError(
            f"report {self.name!r} has no parameter {name!r}"
            + _suggest(name, names)
            + (f"; its parameters are: {', '.join(names)}" if names else "; it takes no parameters")
        )

    def notebook_path(self, notebooks_dir: str | os.PathLike[str] | None = None) -> Path:
        """Path of the notebook file."""
        base = Path(notebooks_dir) if notebooks_dir is not None else paths.notebooks_dir()
        return base / self.notebook

    def defaults(self) -> Params:
        """Every parameter with its default value."""
        return {p.name: p.default for p in self.params}


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


def check_params(spec: ReportSpec, params: Mapping[str, object], tables: IdSource = None) -> Params:
    """:func:`validate_params` for a spec object (also one outside :data:`REPORTS`)."""
    for name in params:
        spec.param(name)
    catalog = None
    out: Params = {}
    for p in spec.params:
        value = _coerce(spec, p, params.get(p.name, p.default))
        if value is not None and p.allowed is not None:
            if catalog is None:
                catalog = _catalog(tables)
            allowed = catalog.allowed(p.allowed)
            for item in value if isinstance(value, list) else [value]:
                if item not in allowed:
                    raise ParameterError(
                        f"report {spec.name!r}: unknown {what_words(p.allowed)} {item!r} "
                        f"for parameter {p.name!r}"
                        + _suggest(item, allowed)
                        + f". Valid values ({len(allowed)}): {', '.join(allowed) or '(none)'}"
                    )
        out[p.name] = value
    return out


def _coerce(spec: ReportSpec, p: Param, value: object) -> str | list[str] | None:
    if isinstance(value, str) and value.strip() in _NONE_WORDS and p.default is None:
        return None
    if value is None:
        if p.default is None:
            return None
        raise ParameterError(
            f"report {spec.name!r}: parameter {p.name!r} needs a value (default {p.default!r})"
        )
    if p.type is str:
        if not isinstance(value, str):
            raise ParameterError(
                f"report {spec.name!r}: parameter {p.name!r} must be a "
                f"string, not {type(value).__name__} ({value!r})"
            )
        return value.strip()
    if p.type is list:
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, (list, tuple)):
            items = list(value)
        else:
            raise ParameterError(
                f"report {spec.name!r}: parameter {p.name!r} must be a list "
                f"or a comma-separated string, not {type(value).__name__} ({value!r})"
            )
        out: list[str] = []
        for item in items:
            if not isinstance(item, str):
                raise ParameterError(
                    f"report {spec.name!r}: parameter {p.name!r} must hold "
                    f"strings, not {type(item).__name__} ({item!r})"
                )
            item = item.strip()
            if item and item not in out:
                out.append(item)
        if not out:
            raise ParameterError(
                f"report {spec.name!r}: parameter {p.name!r} is an empty "
                "list; leave it out to use all"
            )
        return out
    raise TypeError(f"unsupported parameter type {p.type!r}")  # a registry bug


def _suggest(value: str, choices: Iterable[str]) -> str:
    best = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.0)
    return f" (nearest match: {best[0]!r})" if best else ""
