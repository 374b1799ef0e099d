"""The pooled result of :mod:`calcidata.meta`: one object that holds every number.

Kept apart from :mod:`calcidata.synthesis.meta` so that the pooling modules
(:mod:`~calcidata.synthesis._meta_mh` for Mantel-Haenszel and Peto) build it without
importing ``meta`` back.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from calcidata.errors import ParameterError


@dataclass(frozen=True)
class MetaResult:
    """One pooled meta-analysis (numbers as metafor's ``rma`` reports them).

    Attributes
    ----------
    k : int
        Number of studies.
    estimate, se, ci_low, ci_high : float
        Pooled effect, its standard error and confidence interval (on the scale
        of ``yi``: logs for RR and OR).
    zval_or_tval, pval : float
        Test of ``estimate = 0``: z, or t with ``k - 1`` df when ``test="knha"``.
    tau2, tau : float
        Between-study variance (truncated at 0) and its square root; 0 for FE.
    q, q_df, q_pval : float, int, float
        Cochran's Q, ``k - 1`` and its chi-squared p-value.
    i2, h2 : float
        I^2 in percent and H^2 (see :func:`pool`).
    pi_low, pi_high : float
        Prediction interval for the effect in a new study. For FE it equals the
        confidence interval (tau^2 = 0, no between-study spread).
    weights : tuple of float
        Percent weight of each study (sums to 100).
    method, test, pi : str
        As passed to :func:`pool`; ``method`` is ``"MH"`` or ``"PETO"`` for
        :func:`pool_mh` and :func:`pool_peto` (then ``test="z"``, ``pi="z"``).
    level : float
        Confidence level in percent.
    yi, vi : tuple of float
        The input effect sizes and variances.
    """

    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    zval_or_tval: float
    pval: float
    tau2: float
    tau: float
    q: float
    q_df: int
    q_pval: float
    i2: float
    h2: float
    pi_low: float
    pi_high: float
    weights: tuple[float, ...]
    method: str
    test: str
    pi: str = "t"
    level: float = 95.0
    yi: tuple[float, ...] = ()
    vi: tuple[float, ...] = ()

    def summary_frame(self, labels: Any = None) -> pd.DataFrame:
        """Per-study rows and the pooled row as one tidy frame (numbers, not strings).

        Columns: ``study``, ``kind`` ("study" or "pooled"), ``estimate``, ``se``,
        ``ci_low``, ``ci_high`` (study rows: normal-quantile intervals at
        ``level``), ``weight`` (percent), ``pi_low``, ``pi_high`` (pooled row only).
        """
        yi, vi = np.asarray(self.yi), np.asarray(self.vi)
        labels = list(labels) if labels is not None else [str(i + 1) for i in range(self.k)]
        if len(labels) != self.k:
            raise ParameterError(f"labels must have {self.k} entries; got {len(labels)}")
        crit = stats.norm.isf((1 - self.level / 100) / 2)
        se = np.sqrt(vi)
        studies = pd.DataFrame(
            {
                "study": labels,
                "kind": "study",
                "estimate": yi,
                "se": se,
                "ci_low": yi - crit * se,
                "ci_high": yi + crit * se,
                "weight": np.asarray(self.weights),
                "pi_low": np.nan,
                "pi_high": np.nan,
            }
        )
        pooled = pd.DataFrame(
            {
                "study": [f"pooled ({self.method})"],
                "kind": "pooled",
                "estimate": self.estimate,
                "se": self.se,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "weight": 100.0,
                "pi_low": self.pi_low,
                "pi_high": self.pi_high,
            }
        )
        return pd.concat([studies, pooled], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values (tuples as lists), ready for ``json.dumps``."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = [float(x) for x in value]
            elif isinstance(value, float) and not math.isfinite(value):
                out[key] = None
        return out
