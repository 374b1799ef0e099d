"""Units through pint: every vocabulary unit converts; daily doses are derived correctly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import calcidata
from calcidata.analysis import units
from calcidata.schemas.vocabularies import DOSE_UNITS

from .conftest import MINIMAL


@pytest.mark.parametrize("unit", DOSE_UNITS)
def test_every_dose_unit_is_known_to_pint_and_converts_to_its_canonical_unit(unit):
    assert units.factor(unit, units.canonical(unit)) > 0


def test_grams_and_micrograms_convert_to_milligrams():
    assert units.factor("g", "mg") == pytest.approx(1000)
    assert units.factor("mcg", "mg") == pytest.approx(0.001)
    with pytest.raises(Exception):  # noqa: B017 - pint's DimensionalityError
        units.factor("mg", "mL")


def test_daily_dose_from_timing_code_and_frequency():
    t = calcidata.load(MINIMAL)
    out = units.daily_dose(t.dosing_ranges).set_index(t.dosing_ranges["dosing_id"])
    assert out.loc["fixture_drug_oral", "daily_min"] == pytest.approx(600)
    assert out.loc["fixture_drug_oral", "daily_max"] == pytest.approx(1200)
    assert out.loc["fixture_drug_oral", "daily_unit"] == "mg/day"
    assert np.isnan(out.loc["fixture_shock_energy", "daily_min"])  # not a drug dose
    assert out.loc["fixture_shock_energy", "daily_unit"] is None


def test_daily_dose_per_day_basis_in_grams_and_weekly_frequency():
    frame = pd.DataFrame(
        {
            "parameter": ["dose", "dose", "dose"],
            "dose_min": [1.0, 70.0, 5.0],
            "dose_max": [2.0, 70.0, 5.0],
            "dose_unit": ["g", "mg", "mg"],
            "dose_basis": ["per_day", "per_administration", "per_administration"],
            "frequency_min": [np.nan, 1.0, np.nan],
            "frequency_max": [np.nan, 1.0, np.nan],
            "frequency_per": [None, "week", None],
            "timing_code": [None, None, None],
        }
    )
    out = units.daily_dose(frame)
    assert out["daily_min"].tolist()[:2] == pytest.approx([1000, 10])
    assert np.isnan(out["daily_min"].iloc[2])  # no frequency: no daily dose


def test_shipped_label_maximum_daily_doses_are_derivable():
    t = calcidata.load()
    out = units.daily_dose(t.dosing_ranges)
    assert out["daily_max"].notna().sum() >= 10
    assert set(out["daily_unit"].dropna()) <= {
        "mg/day",
        "mg/kg/day",
        "mg/m2/day",
        "mL/day",
        "IU/day",
    }


def test_user_units_are_normalized():
    assert units.normalize_unit(" MG ") == "mg"
    assert units.normalize_unit("grams") == "g"
    assert units.normalize_unit("µg") == "mcg"
    assert units.normalize_unit("furlongs") is None
