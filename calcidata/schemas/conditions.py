"""Schema of ``data/conditions.csv``: the conditions, as a hierarchy."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import DataFrame, Series

from calcidata.schemas._base import LIST_SEP, field, row_check
from calcidata.schemas.vocabularies import (
    ICD10,
    ICD10_EDITIONS,
    MECHANISMS,
    SLUG,
    SLUG_LIST,
    TISSUES,
)


class Conditions(pa.DataFrameModel):
    """Soft-tissue calcification conditions and their parents."""

    condition_id: Series[str] = field(
        "Unique slug of the condition.", str_matches=SLUG, unique=True
    )
    name: Series[str] = field("Name in plain English.", str_length={"min_value": 1})
    parent_id: Series[str] = field(
        "Broader condition this one belongs to (empty for a root).",
        nullable=True,
        str_matches=SLUG,
        references="conditions.condition_id",
    )
    mechanism: Series[str] = field("How the calcium or bone gets there.", categories=MECHANISMS)
    tissue: Series[str] = field("Main tissue affected.", categories=TISSUES)
    body_sites: Series[str] = field(
        "Typical body sites, separated by ';'.", nullable=True, multi=LIST_SEP
    )
    icd10: Series[str] = field(
        "ICD-10 code, only where one was seen in a source cited in source_ids "
        "(its edition is in icd10_edition).",
        nullable=True,
        str_matches=ICD10,
    )
    icd10_edition: Series[str] = field(
        "Which ICD-10 the code comes from, as the page citing it shows: who (the WHO's "
        "ICD-10) or cm (the US clinical modification ICD-10-CM).",
        nullable=True,
        categories=ICD10_EDITIONS,
    )
    synonyms: Series[str] = field(
        "Other names, lowercase, separated by ';'.", nullable=True, multi=LIST_SEP
    )
    summary: Series[str] = field(
        "Short summary in calcidata's own words.", str_length={"min_value": 1}
    )
    source_ids: Series[str] = field(
        "Sources that describe the condition, separated by ';'.",
        nullable=True,
        str_matches=SLUG_LIST,
        multi=LIST_SEP,
        references="sources.source_id",
    )

    class Config:
        title = "Conditions"
        description = "Conditions of soft-tissue calcification, ossification and adhesion."
        strict = True
        coerce = True
        unique = ["condition_id"]

    @row_check(
        "icd10_has_edition",
        "an ICD-10 code needs its icd10_edition (who or cm), and an edition needs a code",
        ("icd10_edition", "icd10"),
        presence=True,
    )
    def _edition(cls, df: DataFrame) -> Series[bool]:
        return df["icd10"].notna() == df["icd10_edition"].notna()
