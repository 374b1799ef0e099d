"""Schema of ``data/conditions.csv``: the conditions, as a hierarchy."""

from __future__ import annotations

from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table
from calcidata.schemas.vocabularies import ICD10, MECHANISMS, TISSUES


class Conditions(Table):
    """Soft-tissue calcification conditions and their parents."""

    condition_id: Series[str] = col.key("Unique slug of the condition.")
    name: Series[str] = col.text("Name in plain English.")
    parent_id: Series[str] = col.link(
        "conditions.condition_id",
        "Broader condition this one belongs to (empty for a root).",
        optional=True,
    )
    mechanism: Series[str] = col.choice("How the calcium or bone gets there.", MECHANISMS)
    tissue: Series[str] = col.choice("Main tissue affected.", TISSUES)
    body_sites: Series[str] = col.text_list("Typical body sites, separated by ';'.")
    icd10: Series[str] = col.field(
        "ICD-10 code (WHO ICD-10, or ICD-10-CM where only that was seen), only "
        "where one was seen in a source cited in source_ids.",
        nullable=True,
        str_matches=ICD10,
    )
    synonyms: Series[str] = col.text_list("Other names, lowercase, separated by ';'.")
    summary: Series[str] = col.text("Short summary in calcidata's own words.")
    source_ids: Series[str] = col.source_list(
        "Sources that describe the condition, separated by ';'."
    )

    class Config:
        title = "Conditions"
        description = "Conditions of soft-tissue calcification, ossification and adhesion."
        unique = ["condition_id"]
