"""Stage 3, the reports: parameterized notebooks rendered to HTML.

- :mod:`~calcidata.reports.registry`: the declared reports and their typed parameters
  (imported here: it is light, and every notebook calls :func:`validate_params`);
- :mod:`~calcidata.reports.spec`: what one declaration holds (:class:`ReportSpec`,
  :class:`Param`, the links between reports) and the checking of parameter values;
- :mod:`~calcidata.reports.catalog`: the allowed ids, read from the CSVs with the stdlib;
- :mod:`~calcidata.reports.plan`: jobs, fingerprints, manifests, up-to-date checks;
- :mod:`~calcidata.reports.worker`: one job run in a warm kernel, outputs written atomically;
- :mod:`~calcidata.reports.build`: :func:`~calcidata.reports.build.render` and
  :func:`~calcidata.reports.build.build` (also ``calcidata.render`` / ``calcidata.build``);
- :mod:`~calcidata.reports.kernels`: the spare-kernel pool and its papermill engine;
- :mod:`~calcidata.reports.index`: ``reports/index.html`` from the manifests;
- :mod:`~calcidata.reports.dictionary`: ``data/README.md``, the data dictionary, from the
  schemas and the rules of analysis and synthesis it quotes (so it sits above them).
"""

from __future__ import annotations

from calcidata.reports.naming import (
    condition_links,
    label,
    report_href,
    slug,
    treatment_links,
)
from calcidata.reports.registry import (
    REPORTS,
    Catalog,
    Param,
    ReportSpec,
    check_params,
    get_report,
    validate_params,
)

__all__ = [
    "REPORTS",
    "Catalog",
    "Param",
    "ReportSpec",
    "check_params",
    "condition_links",
    "get_report",
    "label",
    "report_href",
    "slug",
    "treatment_links",
    "validate_params",
]
