"""Schema of ``data/conditions.csv``: the conditions, as a hierarchy."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table, row_check
from calcidata.schemas.vocabularies import ICD10, ICD10_EDITIONS, MECHANISMS, TISSUES


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
        "ICD-10 code, only where one was seen in a source cited in source_ids "
        "(its edition is in icd10_edition).",
        nullable=True,
        str_matches=ICD10,
    )
    icd10_edition: Series[str] = col.choice(
        "Which ICD-10 the code comes from, as the page citing it shows: who (the WHO's "
        "ICD-10) or cm (the US clinical modification ICD-10-CM).",
        ICD10_EDITIONS,
        optional=True,
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

    @row_check(
        "icd10_has_edition",
        "an ICD-10 code needs its icd10_edition (who or cm), and an edition needs a code",
        ("icd10_edition", "icd10"),
        presence=True,
    )
    def _edition(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["icd10"].notna() == df["icd10_edition"].notna()
