"""Schema of ``data/risk_of_bias.csv``: risk-of-bias judgements per study and domain."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table, row_check
from calcidata.schemas.vocabularies import (
    OUTCOME_DOMAINS,
    ROB_ALL_DOMAINS,
    ROB_BASES,
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    ROB_TOOL_JUDGEMENTS,
    ROB_TOOLS,
)


class RiskOfBias(Table):
    """One risk-of-bias judgement of one study in one domain, as a review (or page) states it.

    A row with ``domain`` ``overall`` is the whole-study judgement: ``basis`` says
    whether the source states it or calcidata derived it by the tool's own rule.
    """

    rob_id: Series[str] = col.key("Unique slug of the judgement.")
    study_id: Series[str] = col.source("The study judged (a source).")
    tool: Series[str] = col.choice("Risk-of-bias tool.", ROB_TOOLS)
    domain: Series[str] = col.choice("Domain of the tool, or `overall`.", ROB_ALL_DOMAINS)
    judgement: Series[str] = col.choice(
        "Judgement in the tool's words (ROBINS-I moderate is `some_concerns`, serious is `high`).",
        ROB_JUDGEMENTS,
        ordered=True,
    )
    support: Series[str] = col.text(
        "Short words for readers: why (the source's support for the judgement).",
        optional=True,
    )
    basis: Series[str] = col.choice(
        "`stated` by the source, or `derived` by calcidata from the domain rows with the "
        "tool's own rule (overall rows only).",
        ROB_BASES,
    )
    outcome_domain: Series[str] = col.choice(
        "Outcome domain, where the judgement is per outcome (e.g. blinding of assessment).",
        OUTCOME_DOMAINS,
        optional=True,
    )
    source_id: Series[str] = col.source("The review or page whose judgement it is.")
    curation_note: Series[str] = col.curation_note("the judgement was found")

    class Config:
        title = "Risk of bias"
        description = (
            "Risk-of-bias judgements per study and domain, with the review that made them."
        )
        unique = ["rob_id"]

    @row_check(
        "domain_belongs_to_tool",
        "the domain must be one of the tool's domains (see ROB_DOMAINS in data/README.md)",
        ("domain", "tool"),
    )
    def _domain(cls, df: pd.DataFrame) -> pd.Series[bool]:
        pairs = zip(df["tool"].astype(object), df["domain"].astype(object), strict=True)
        return Series(
            [t not in ROB_DOMAINS or d in ROB_DOMAINS[t] for t, d in pairs], index=df.index
        )

    @row_check(
        "judgement_fits_tool",
        "the judgement must be one the tool uses (RoB 1: low/unclear/high; RoB 2: "
        "low/some_concerns/high; ROBINS-I: low/some_concerns/high/critical; NOS: "
        "low/unclear/high)",
        ("judgement", "tool"),
    )
    def _judgement(cls, df: pd.DataFrame) -> pd.Series[bool]:
        pairs = zip(df["tool"].astype(object), df["judgement"].astype(object), strict=True)
        return Series(
            [t not in ROB_TOOL_JUDGEMENTS or j in ROB_TOOL_JUDGEMENTS[t] for t, j in pairs],
            index=df.index,
        )

    @row_check(
        "derived_only_overall",
        "only an overall judgement can be derived by calcidata (basis `derived` needs "
        "domain `overall`)",
        ("basis", "domain"),
    )
    def _derived(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["basis"] != "derived") | (df["domain"] == "overall")
