"""Schema of ``data/treatments.csv``: treatments, as a hierarchy of classes."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from calcidata.schemas._base import LIST_SEP, all_in, field
from calcidata.schemas.vocabularies import ATC, INVASIVENESS, MODALITIES, ROUTES, SLUG, SLUG_LIST


class Treatments(pa.DataFrameModel):
    """Treatments, from self-care to surgery, with their class and modality."""

    treatment_id: Series[str] = field(
        "Unique slug of the treatment.", str_matches=SLUG, unique=True
    )
    name: Series[str] = field("Name in plain English.", str_length={"min_value": 1})
    parent_id: Series[str] = field(
        "Class or broader treatment (e.g. nsaid for ibuprofen); empty for a root.",
        nullable=True,
        str_matches=SLUG,
        references="treatments.treatment_id",
    )
    modality: Series[str] = field("Kind of treatment.", categories=MODALITIES)
    invasiveness: Series[str] = field(
        "How invasive (ordered: non_invasive < minimally_invasive < invasive).",
        categories=INVASIVENESS,
        ordered=True,
    )
    routes: Series[str] = field(
        "Route(s) of administration or delivery, separated by ';'.",
        categories=ROUTES,
        multi=LIST_SEP,
    )
    atc_code: Series[str] = field(
        "WHO ATC code for drugs, only where seen in a cited source.", nullable=True, str_matches=ATC
    )
    purpose: Series[str] = field(
        "What the treatment is for, in a few words.", str_length={"min_value": 1}
    )
    synonyms: Series[str] = field(
        "Other names and brands, lowercase, separated by ';'.", nullable=True, multi=LIST_SEP
    )
    source_ids: Series[str] = field(
        "Sources that describe the treatment, separated by ';'.",
        nullable=True,
        str_matches=SLUG_LIST,
        multi=LIST_SEP,
        references="sources.source_id",
    )

    class Config:
        title = "Treatments"
        description = "Treatments and treatment classes."
        strict = True
        coerce = True
        unique = ["treatment_id"]

    @pa.check(
        "routes",
        name="routes_in_vocabulary",
        error="each route must be one of: " + ", ".join(ROUTES),
    )
    def _routes_known(cls, s: Series[str]) -> Series[bool]:
        return all_in(s, ROUTES)
