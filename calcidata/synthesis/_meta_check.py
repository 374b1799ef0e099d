"""Argument checks for :mod:`calcidata.synthesis.meta`: every problem is a ParameterError."""

from __future__ import annotations

import dataclasses
import datetime
import math
import numbers
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from calcidata.errors import ParameterError

if TYPE_CHECKING:
    from calcidata.synthesis._meta_result import MetaResult

#: A tau^2 or Q routine of _meta_tau2: one value per row of (m, k) effects and variances.
_PerRow = Callable[[np.ndarray, np.ndarray], np.ndarray]


def choice(name: str, value: object, allowed: Iterable[str]) -> str:
    """Return ``value`` upper-cased if it names one of ``allowed`` (any case)."""
    allowed = tuple(allowed)
    if isinstance(value, str) and value.upper() in {a.upper() for a in allowed}:
        return next(a for a in allowed if a.upper() == value.upper())
    raise ParameterError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def level(value: object) -> float:
    """A confidence level in percent, read as metafor reads it; refused where that guesses.

    As metafor (``misc-options``: "values >= 1 are treated as coverage
    percentages, values between 0.5 and 1 as coverage proportions"), 95 and
    0.95 both mean 95%. metafor reads a value below 0.5 as an alpha
    (0.05 = 95%); calcidata refuses it, and 0 and 100, asking for a percentage.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(
            f"level must be a number: a percentage such as 95 (or a proportion such as "
            f"0.95); got {value!r}"
        )
    lv = float(value)
    if 0.5 < lv < 1.0:
        return lv * 100.0
    if not (1.0 <= lv < 100.0):
        raise ParameterError(
            f"level must be in (0, 100) (a percentage such as 95, or a proportion between "
            f"0.5 and 1 such as 0.95); got {value!r}"
        )
    return lv


def vector(name: str, values: object, *, ndim: int = 1) -> np.ndarray:
    """Values as a float array of ``ndim`` dimensions; non-numbers, NaN and inf refused."""
    if values is None:
        raise ParameterError(f"{name} is required")
    if isinstance(values, str | bytes):
        raise ParameterError(f"{name} must be numbers, not a string")
    raw = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if raw.dtype == bool or (raw.dtype == object and any(isinstance(x, bool) for x in raw.flat)):
        raise ParameterError(f"{name} must be numbers, not booleans")
    if raw.dtype.kind in "mM" or (raw.dtype == object and any(map(_is_time, raw.flat))):
        raise ParameterError(f"{name} must be numbers, not dates or durations")
    if raw.dtype.kind in "USO" and any(isinstance(x, str | bytes) for x in raw.flat):
        raise ParameterError(f"{name} must contain only numbers, not text")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must contain only numbers") from None
    if arr.ndim == 0 and ndim == 1:
        arr = arr.reshape(1)
    if arr.ndim != ndim:
        raise ParameterError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}")
    if arr.size == 0:
        raise ParameterError(f"{name} is empty")
    bad = np.flatnonzero(~np.isfinite(arr.reshape(-1)))
    if bad.size:
        raise ParameterError(
            f"{name} must be finite numbers; position {int(bad[0])} is {arr.reshape(-1)[bad[0]]}"
        )
    return arr


def same_length(arrays: dict[str, np.ndarray]) -> int:
    """The common length (or shape) of ``arrays``; ParameterError naming them if they differ."""
    shapes = {name: a.shape for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{n} {s}" for n, s in shapes.items())
        raise ParameterError(f"arguments must have the same length: {listed}")
    length: int = next(iter(shapes.values()))[-1]
    return length


def positive(name: str, arr: np.ndarray) -> None:
    """Refuse zero or negative values."""
    bad = np.flatnonzero(arr.reshape(-1) <= 0)
    if bad.size:
        value = arr.reshape(-1)[bad[0]]
        raise ParameterError(f"{name} must be > 0; position {int(bad[0])} is {value}")


def non_negative(name: str, arr: np.ndarray) -> None:
    """Refuse negative values (counts)."""
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise ParameterError(f"{name} must be >= 0; position {int(bad[0])} is {arr[bad[0]]}")


def at_most(name: str, arr: np.ndarray, limit_name: str, limit: np.ndarray) -> None:
    """Refuse ``arr > limit`` (events larger than the group size)."""
    bad = np.flatnonzero(arr > limit)
    if bad.size:
        i = int(bad[0])
        raise ParameterError(
            f"{name} must not exceed {limit_name}; position {i}: {arr[i]} > {limit[i]}"
        )


def _is_time(value: object) -> bool:
    return isinstance(
        value, datetime.date | datetime.time | datetime.timedelta | np.datetime64 | np.timedelta64
    )


def scale(v: np.ndarray) -> float:
    """A power of two near the typical standard error (``sqrt(median(vi))``).

    Pooling ``yi / s`` and ``vi / s**2`` and scaling back is exact (a power of
    two only moves the exponent), and keeps the intermediate sums (``w``,
    ``w y**2``, ``tau^2``) inside double precision when the variances are
    scaled by ``1e+-200``.
    """
    _mantissa, exponent = np.frexp(float(np.median(v)))
    return float(2.0 ** (int(exponent) // 2))


#: Fields of a pooled result on the effects' scale, on their square, and on none.
_LOCATION = ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")
_SPREAD = ("se", "tau")
_FINITE = ("estimate", "se", "ci_low", "ci_high", "tau2", "tau", "q")


def rescaled(result: MetaResult, s: float, yi: np.ndarray, vi: np.ndarray) -> MetaResult:
    """``result`` (pooled from ``yi / s``, ``vi / s**2``) back on the scale of ``yi``.

    Raises ParameterError when a number that must be finite is not: the effects
    and variances are then beyond what double precision can pool (e.g. effects
    near 1e300 whose spread squared overflows), never a silent NaN.
    """
    changes: dict[str, Any] = {name: getattr(result, name) * s for name in (*_LOCATION, *_SPREAD)}
    changes["tau2"] = result.tau2 * s * s
    changes["yi"] = tuple(float(x) for x in yi)
    changes["vi"] = tuple(float(x) for x in vi)
    out = dataclasses.replace(result, **changes)
    required = _FINITE + (("i2", "h2") if out.k > 1 else ())
    bad = [name for name in required if not math.isfinite(getattr(out, name))]
    if bad:
        raise ParameterError(
            f"yi, vi: these effects and variances cannot be pooled in double precision "
            f"({', '.join(bad)} would not be finite); express the effects in other units "
            "so that they and their spread stay well below 1e150"
        )
    return out


def pool_failure(exc: Exception) -> ParameterError:
    """A numerical failure of the pooling (e.g. the root finder met an overflow), worded."""
    return ParameterError(
        "yi, vi: these effects and variances cannot be pooled in double precision "
        f"({type(exc).__name__}: {exc}); express the effects in other units"
    )


#: The largest ratio of tau^2 to the typical variance REML is computed for: beyond it the
#: weights' squares underflow and Fisher scoring stops at a wrong value.
REML_RATIO = 1e100


def in_range(y: np.ndarray, v: np.ndarray, cochran_q: _PerRow) -> None:
    """Refuse effects whose spread overflows (``y``, ``v`` already scaled): Q must be finite."""
    q = float(cochran_q(y[None, :], v[None, :])[0]) if np.all(np.isfinite(y)) else math.inf
    if not math.isfinite(q):
        raise ParameterError(
            "yi, vi: these effects and variances cannot be pooled in double precision (the "
            "spread of the effects, squared, overflows); express the effects in other units"
        )


def reml_in_range(y: np.ndarray, v: np.ndarray, tau2_dl: _PerRow) -> None:
    """Refuse REML where double precision cannot compute it (``y``, ``v`` already scaled)."""
    ratio = float(tau2_dl(y[None, :], v[None, :])[0]) / float(np.median(v))
    if not ratio < REML_RATIO:
        raise ParameterError(
            f"yi, vi: the between-study variance is about {ratio:.1g} times the within-study "
            "variances, beyond what REML can be computed for in double precision; use "
            "method='DL' or 'PM', or check the variances"
        )
