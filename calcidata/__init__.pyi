"""Type stub: the names this package imports lazily, imported eagerly for checkers.

Kept equal to ``_LAZY`` by ``tests/test_typing.py``.
"""

from calcidata._version import __version__ as __version__
from calcidata.analysis.strength import evidence_strength as evidence_strength
from calcidata.audit import audit_doses as audit_doses
from calcidata.audit import audit_file as audit_file
from calcidata.audit import audit_spark as audit_spark
from calcidata.errors import CalcidataError as CalcidataError
from calcidata.errors import DataValidationError as DataValidationError
from calcidata.errors import ParameterError as ParameterError
from calcidata.errors import Problem as Problem
from calcidata.export import export_tables as export_tables
from calcidata.export import read_export as read_export
from calcidata.reports.build import build as build
from calcidata.reports.build import render as render
from calcidata.schemas import SCHEMAS as SCHEMAS
from calcidata.synthesis import meta as meta
from calcidata.synthesis.profile import evidence_profile as evidence_profile
from calcidata.tables import Tables as Tables
from calcidata.tables import data_version as data_version
from calcidata.tables import load as load
from calcidata.tables import load_table as load_table

NOTICE: str

__all__ = [
    "__version__",
    "NOTICE",
    "load",
    "load_table",
    "data_version",
    "Tables",
    "SCHEMAS",
    "evidence_strength",
    "evidence_profile",
    "CalcidataError",
    "DataValidationError",
    "ParameterError",
    "Problem",
    "export_tables",
    "read_export",
    "audit_doses",
    "audit_file",
    "audit_spark",
    "render",
    "build",
    "meta",
]
