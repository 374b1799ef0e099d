"""A user's typical calls, type-checked by mypy in tests/test_typing.py (and run there).

``assert_type`` makes mypy fail when a public name loses its type (becomes ``Any``).
"""

from __future__ import annotations

from typing import assert_type

import pandas as pd

import calcidata
from calcidata.synthesis.meta import MetaResult
from calcidata.tables.container import Tables

tables = calcidata.load()
assert_type(tables, Tables)
assert_type(tables.evidence, pd.DataFrame)
assert_type(tables.study_outcomes, pd.DataFrame)

result = calcidata.meta.pool([0.1, 0.3, -0.2], [0.04, 0.05, 0.06])
assert_type(result, MetaResult)
assert_type(result.estimate, float)

profile = calcidata.evidence_profile(tables, "calcific_tendinopathy_shoulder")
assert_type(profile, pd.DataFrame)
assert_type(calcidata.NOTICE, str)
