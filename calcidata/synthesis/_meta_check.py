"""Argument checks for :mod:`calcidata.synthesis.meta`: every problem is a ParameterError."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from calcidata.errors import ParameterError


def choice(name: str, value: object, allowed: Iterable[str]) -> str:
    """Return ``value`` upper-cased if it names one of ``allowed`` (any case)."""
    allowed = tuple(allowed)
    if isinstance(value, str) and value.upper() in {a.upper() for a in allowed}:
        return next(a for a in allowed if a.upper() == value.upper())
    raise ParameterError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def level(value: object) -> float:
    """A confidence level in percent, strictly between 0 and 100."""
    try:
        lv = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"level must be a number in (0, 100); got {value!r}") from None
    if not (0.0 < lv < 100.0):
        raise ParameterError(f"level must be in (0, 100) (a percentage); got {value!r}")
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
    return next(iter(shapes.values()))[-1]


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
