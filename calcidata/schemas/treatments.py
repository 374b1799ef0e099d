"""Schema of ``data/treatments.csv``: treatments, as a hierarchy of classes."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from calcidata.schemas._base import (
    LIST_SEP,
    Table,
    all_in,
    choice,
    field,
    key,
    link,
    source_list,
    text,
    text_list,
)
from calcidata.schemas.vocabularies import ATC, INVASIVENESS, MODALITIES, ROUTES


class Treatments(Table):
    """Treatments, from self-care to surgery, with their class and modality."""

    treatment_id: Series[str] = key("Unique slug of the treatment.")
    name: Series[str] = text("Name in plain English.")
    parent_id: Series[str] = link(
        "treatments.treatment_id",
        "Class or broader treatment (e.g. nsaid for ibuprofen); empty for a root.",
        optional=True,
    )
    modality: Series[str] = choice("Kind of treatment.", MODALITIES)
    invasiveness: Series[str] = choice(
        "How invasive (ordered: non_invasive < minimally_invasive < invasive).",
        INVASIVENESS,
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
    purpose: Series[str] = text("What the treatment is for, in a few words.")
    synonyms: Series[str] = text_list("Other names and brands, lowercase, separated by ';'.")
    source_ids: Series[str] = source_list("Sources that describe the treatment, separated by ';'.")

    class Config:
        title = "Treatments"
        description = "Treatments and treatment classes."
        unique = ["treatment_id"]

    @pa.check(
        "routes",
        name="routes_in_vocabulary",
        error="each route must be one of: " + ", ".join(ROUTES),
    )
    def _routes_known(cls, s: Series[str]) -> Series[bool]:
        return all_in(s, ROUTES)
