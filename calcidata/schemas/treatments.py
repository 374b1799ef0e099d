"""Schema of ``data/treatments.csv``: treatments, as a hierarchy of classes."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import LIST_SEP, Table, all_in
from calcidata.schemas.vocabularies import ATC, INVASIVENESS, MODALITIES, ROUTES


class Treatments(Table):
    """Treatments, from self-care to surgery, with their class and modality."""

    treatment_id: Series[str] = col.key("Unique slug of the treatment.")
    name: Series[str] = col.text("Name in plain English.")
    parent_id: Series[str] = col.link(
        "treatments.treatment_id",
        "Class or broader treatment (e.g. nsaid for ibuprofen); empty for a root.",
        optional=True,
    )
    modality: Series[str] = col.choice("Kind of treatment.", MODALITIES)
    invasiveness: Series[str] = col.choice(
        "How invasive (ordered: non_invasive < minimally_invasive < invasive).",
        INVASIVENESS,
        ordered=True,
    )
    routes: Series[str] = col.field(
        "Route(s) of administration or delivery, separated by ';'.",
        categories=ROUTES,
        multi=LIST_SEP,
    )
    atc_code: Series[str] = col.field(
        "WHO ATC code for drugs, only where seen in a cited source.", nullable=True, str_matches=ATC
    )
    purpose: Series[str] = col.text("What the treatment is for, in a few words.")
    synonyms: Series[str] = col.text_list("Other names and brands, lowercase, separated by ';'.")
    source_ids: Series[str] = col.source_list(
        "Sources that describe the treatment, separated by ';'."
    )

    class Config:
        title = "Treatments"
        description = "Treatments and treatment classes."
        unique = ["treatment_id"]

    @pa.check(
        "routes",
        name="routes_in_vocabulary",
        error="each route must be one of: " + ", ".join(ROUTES),
    )
    def _routes_known(cls, s: pd.Series[str]) -> pd.Series[bool]:
        return all_in(s, ROUTES)
