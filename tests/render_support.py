"""Helpers shared by the renderer's tests: a registry of tiny fixture notebooks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from calcidata.reports import CONDITIONS_WITH_EVIDENCE, Param, ReportSpec

FIXTURE_NOTEBOOKS = Path(__file__).resolve().parent / "fixtures" / "notebooks"

_CONDITION = Param("condition_id", str, "fixture_shoulder", CONDITIONS_WITH_EVIDENCE)


def _per_condition(catalog):
    return [{"condition_id": c} for c in catalog.conditions_with_evidence]


def fixture_registry(*names: str) -> dict[str, ReportSpec]:
    """A registry whose reports run the fixture notebook ``<name>.ipynb`` each."""
    return {
        name: ReportSpec(name, f"{name}.ipynb", f"Fixture {name}", f"Fixture report {name}",
                         (_CONDITION,), build_params=_per_condition)
        for name in names
    }


def copy_notebooks(target: Path, **names: str) -> Path:
    """Copy fixture notebooks into ``target``: ``report_name="fixture_stem"``."""
    target.mkdir(parents=True, exist_ok=True)
    for report, stem in names.items():
        shutil.copyfile(FIXTURE_NOTEBOOKS / f"{stem}.ipynb", target / f"{report}.ipynb")
    return target


def visible_text(html: str) -> str:
    """The text a reader sees: no style or script blocks, no tags, spaces collapsed."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
