"""Units: the controlled dose-unit vocabulary mapped onto pint, and daily doses.

Conversions go through pint, computed once per distinct unit (never per row),
then applied to whole columns.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calcidata.schemas.vocabularies import DOSE_UNITS, TIMING_CODES

if TYPE_CHECKING:
    import pint

#: calcidata unit -> pint expression.
PINT_EXPRESSION = {
    "mg": "milligram",
    "g": "gram",
    "mcg": "microgram",
    "mg/kg": "milligram / kilogram",
    "g/kg": "gram / kilogram",
    "mg/m2": "milligram / meter ** 2",
    "g/m2": "gram / meter ** 2",
    "mL": "milliliter",
    "mg/mL": "milligram / milliliter",
    "%": "percent",
    "mJ/mm2": "millijoule / millimeter ** 2",
    "impulses": "impulse",
    "Gy": "gray",
    "sessions": "session",
    "mA": "milliampere",
    "W/cm2": "watt / centimeter ** 2",
    "bar": "bar",
    "Hz": "hertz",
    "MHz": "megahertz",
    "min": "minute",
    "degree": "degree",
    "IU": "international_unit",
}
#: calcidata unit -> canonical calcidata unit of the same dimension.
CANONICAL = {"g": "mg", "mcg": "mg", "g/kg": "mg/kg", "g/m2": "mg/m2"}
#: Units that can be summed into a daily amount.
AMOUNT_UNITS = ("mg", "g", "mcg", "mg/kg", "g/kg", "mg/m2", "g/m2", "mL", "IU")
#: Words users type for units, mapped onto the vocabulary.
UNIT_ALIASES = {
    "milligram": "mg",
    "milligrams": "mg",
    "mgs": "mg",
    "gram": "g",
    "grams": "g",
    "gm": "g",
    "microgram": "mcg",
    "micrograms": "mcg",
    "µg": "mcg",
    "ug": "mcg",
    "ml": "mL",
    "millilitre": "mL",
    "milliliter": "mL",
    "mg/m²": "mg/m2",
    "mj/mm2": "mJ/mm2",
    "mj/mm²": "mJ/mm2",
    "gy": "Gy",
    "iu": "IU",
    "units": "IU",
}

assert set(PINT_EXPRESSION) == set(DOSE_UNITS), "every dose unit needs a pint expression"

PERIOD_DAYS_UNIT = {"day": "day", "week": "week", "month": "month"}


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry[float]:
    """The pint registry with calcidata's counting units defined."""
    import pint

    ureg: pint.UnitRegistry[float] = pint.UnitRegistry()
    ureg.define("impulse = [impulse_count]")
    ureg.define("session = [session_count]")
    ureg.define("international_unit = [international_unit]")
    return ureg


def normalize_unit(text: object) -> str | None:
    """Map a unit as typed by a user onto the vocabulary (None if unknown)."""
    if not isinstance(text, str):
        return None
    t = unicodedata.normalize("NFKC", text).strip()  # the micro sign and Greek mu alike
    if t in PINT_EXPRESSION:
        return t
    key = t.lower() if t.isascii() else t.casefold()
    return _aliases().get(key, next((u for u in DOSE_UNITS if u.lower() == key), None))


@cache
def _aliases() -> dict[str, str]:
    """:data:`UNIT_ALIASES` keyed by their NFKC, case-folded forms."""
    return {unicodedata.normalize("NFKC", k).casefold(): v for k, v in UNIT_ALIASES.items()}


@cache
def factor(unit: str, to: str) -> float:
    """Multiplier turning a value in ``unit`` into ``to`` (pint; raises if incompatible)."""
    ureg = registry()
    return float(ureg.Quantity(1.0, PINT_EXPRESSION[unit]).to(PINT_EXPRESSION[to]).magnitude)


def canonical(unit: str) -> str:
    """Canonical unit of the same dimension (mg for g and mcg, ...)."""
    return CANONICAL.get(unit, unit)


@cache
def days_per(period: str) -> float:
    """Length of a frequency period in days, through pint (month = 1/12 year)."""
    ureg = registry()
    return float(ureg.Quantity(1.0, PERIOD_DAYS_UNIT[period]).to("day").magnitude)


def per_day(frequency: pd.Series, period: pd.Series, timing: pd.Series | None = None) -> pd.Series:
    """Administrations per day from a frequency and its period, or from a timing code."""
    freq = pd.to_numeric(frequency, errors="coerce").astype("float64")
    days = period.astype(object).map(
        lambda p: days_per(p) if isinstance(p, str) and p in PERIOD_DAYS_UNIT else np.nan
    )
    out = freq / days.astype("float64")
    if timing is not None:
        implied = timing.astype(object).map(TIMING_CODES).astype("float64")
        out = out.fillna(implied)
    return out


def daily_dose(dosing: pd.DataFrame) -> pd.DataFrame:
    """Daily dose in canonical units for the rows where one can be derived.

    A row gives a daily dose when its parameter is ``dose``, its unit is an
    amount (mass, mass per kg or m2, volume, IU), and either its basis is per day,
    per week or per month, or it is per administration with a known frequency
    (``frequency_min/max`` per day/week/month, or a timing code such as BID).

    Returns
    -------
    pandas.DataFrame
        Same index as ``dosing``; columns ``daily_min``, ``daily_max`` (float, NaN
        where not derivable) and ``daily_unit`` (e.g. ``mg/day``).
    """
    unit = dosing["dose_unit"].astype(object)
    basis = dosing["dose_basis"].astype(object)
    fac = pd.Series(np.nan, index=dosing.index)
    canon = pd.Series(None, index=dosing.index, dtype=object)
    for u in pd.unique(unit.dropna()):
        if u in AMOUNT_UNITS:
            mask = unit == u
            fac[mask] = factor(u, canonical(u))
            canon[mask] = canonical(u)
    is_dose = (dosing["parameter"].astype(object) == "dose").to_numpy()
    lo = dosing["dose_min"].astype("float64") * fac
    hi = dosing["dose_max"].astype("float64") * fac

    fmin = per_day(dosing["frequency_min"], dosing["frequency_per"], dosing["timing_code"])
    fmax = per_day(dosing["frequency_max"], dosing["frequency_per"], dosing["timing_code"])
    by_basis = basis.map(
        lambda b: (
            {
                "per_day": 1.0,
                "per_week": 1 / days_per("week"),
                "per_month": 1 / days_per("month"),
            }.get(b, np.nan)
            if isinstance(b, str)
            else np.nan
        )
    ).astype("float64")
    per_admin = (basis == "per_administration").to_numpy()
    mult_min = by_basis.where(~per_admin, fmin)
    mult_max = by_basis.where(~per_admin, fmax)
    out = pd.DataFrame({"daily_min": lo * mult_min, "daily_max": hi * mult_max}, index=dosing.index)
    out.loc[~is_dose, ["daily_min", "daily_max"]] = np.nan
    derivable = out["daily_min"].notna() | out["daily_max"].notna()
    out["daily_unit"] = (canon + "/day").where(derivable, None)
    return out
