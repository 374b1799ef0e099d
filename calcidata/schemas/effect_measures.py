"""The one registry of effect measures: what each measure is, in one place.

Every module that needs to know whether a measure is a ratio, what its null
value is, whether it is pooled or drawn on a log axis reads :data:`MEASURES`
(re-exported as ``EFFECT_MEASURE_INFO`` by :mod:`calcidata.schemas.vocabularies`,
whose ``EFFECT_MEASURES`` and ``RATIO_MEASURES`` are derived from it). Adding a
measure touches this file and, if calcidata computes it from arm numbers,
``calcidata/synthesis/_meta_effects.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EffectMeasure:
    """One effect measure.

    Attributes
    ----------
    code : str
        The value stored in ``effect_measure``.
    words : str
        What it is, for readers.
    kind : str
        ``ratio`` (null 1, estimate and CI > 0), ``difference`` (null 0),
        ``within_arm`` (one arm's proportion or mean change: not a comparison)
        or ``other`` (no known null: not judged against one).
    null : float or None
        The value of no effect (None for within-arm and other measures).
    outcome_type : str or None
        ``dichotomous`` or ``continuous`` (None: unknown).
    poolable : bool
        calcidata pools it (inverse variance, on the log scale for ratios).
    axis : str
        ``log`` or ``linear``: the scale of a forest plot's axis.
    absolute : bool
        A risk with the comparator turns it into a risk difference per 1,000.
    """

    code: str
    words: str
    kind: str
    null: float | None
    outcome_type: str | None
    poolable: bool
    axis: str
    absolute: bool = False

    @property
    def comparative(self) -> bool:
        """A between-group effect with a null value (ratio or difference)."""
        return self.kind in ("ratio", "difference")


_ALL = (
    EffectMeasure("MD", "mean difference", "difference", 0.0, "continuous", True, "linear"),
    EffectMeasure(
        "SMD", "standardised mean difference", "difference", 0.0, "continuous", True, "linear"
    ),
    EffectMeasure("RR", "risk ratio", "ratio", 1.0, "dichotomous", True, "log", True),
    EffectMeasure("OR", "odds ratio", "ratio", 1.0, "dichotomous", True, "log", True),
    EffectMeasure("HR", "hazard ratio", "ratio", 1.0, "dichotomous", True, "log", True),
    EffectMeasure("RD", "risk difference", "difference", 0.0, "dichotomous", True, "linear", True),
    EffectMeasure(
        "proportion", "proportion in one arm", "within_arm", None, "dichotomous", False, "linear"
    ),  # fmt: skip
    EffectMeasure(
        "mean_change", "mean change in one arm", "within_arm", None, "continuous", False, "linear"
    ),  # fmt: skip
    EffectMeasure("other", "other measure", "other", None, None, False, "linear"),
)
#: Effect measure code -> :class:`EffectMeasure`, in vocabulary order.
MEASURES: dict[str, EffectMeasure] = {m.code: m for m in _ALL}


def codes(**where: object) -> tuple[str, ...]:
    """The codes of the measures whose attributes equal ``where`` (e.g. ``kind="ratio"``)."""
    return tuple(m.code for m in _ALL if all(getattr(m, k) == v for k, v in where.items()))


__all__ = ["MEASURES", "EffectMeasure", "codes"]
