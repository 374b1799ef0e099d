"""A report's declaration (:class:`ReportSpec`, its :class:`Param`) and the checking of its values.

The reports themselves are declared in :mod:`calcidata.reports.registry`
(:data:`~calcidata.reports.registry.REPORTS`); :func:`check_params` checks a
parameter set against any spec, one of the registry's or another.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from calcidata import paths
from calcidata.errors import ParameterError
from calcidata.reports.catalog import Catalog, IdSource, Params, _catalog, what_words

__all__ = ["Param", "ReportSpec", "check_params"]

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
    same_condition : bool
        A page of this report for one condition links to the same condition's pages
        of the other reports so marked ("<title> of this condition"), in registry
        order (:func:`calcidata.reports.page.related`).
    map_cell : bool
        A condition of the index's evidence map (its cells, its column header) links
        to this report's page of that condition: the first report so marked, in
        registry order, that has one (:func:`calcidata.reports.index.render_index`).
    overview_link : str
        When not empty, the words of the link every other page shows to this report's
        page of the whole set (no parameters).
    """

    name: str
    notebook: str
    title: str
    summary: str
    params: tuple[Param, ...] = ()
    build: bool = True
    build_params: Callable[[Catalog], list[Params]] = field(
        default=lambda catalog: [Params()], repr=False
    )
    index_line: str = "{results} on {treatments} from {sources}; strongest evidence: {strongest}"
    same_condition: bool = False
    map_cell: bool = False
    overview_link: str = ""

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


def check_params(spec: ReportSpec, params: Mapping[str, object], tables: IdSource = None) -> Params:
    """:func:`~.registry.validate_params` for a spec object (also one outside the registry)."""
    for name in params:
        spec.param(name)
    catalog = None
    out = Params()
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
                f"or a comma-separated string, not {type(value).__name__} "
                f"({value!r})"
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
