"""One exception hierarchy for calcidata.

Every error a user can trigger derives from :class:`CalcidataError`. Data
problems are collected as :class:`Problem` records (file, CSV line, column,
value, rule) and raised together as one :class:`DataValidationError`, so a
user sees every problem at once, never a raw pandera traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in one cell (or row, or file) of an input table.

    Attributes
    ----------
    file : str
        Path of the file, as given to the loader.
    line : int or None
        1-based physical line in the file where the offending record starts
        (the header is line 1). ``None`` when the problem is about the whole file.
    column : str or None
        Column name, or ``None`` when the problem concerns a whole row or file.
    value : str
        The offending value, as written in the file (shortened if long).
    rule : str
        The rule that was broken, in plain words.
    """

    file: str
    line: int | None
    column: str | None
    value: str
    rule: str

    def format(self) -> str:
        """Return ``file:line: column 'c': value 'v': rule`` in one line."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.value != "":
            parts.append(f"value {self.value!r}")
        return ": ".join(parts) + f": {self.rule}"


class CalcidataError(Exception):
    """Base class of every error calcidata raises on purpose."""


class DataValidationError(CalcidataError):
    """The tables broke one or more rules; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_problem_key)
        super().__init__(self.report())

    def report(self) -> str:
        """All problems as one plain-text table-like report."""
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found in the calcidata tables:"
        return "\n".join([head, *("  " + p.format() for p in self.problems)])


class ParameterError(CalcidataError, ValueError):
    """A report parameter, table name or id is not valid."""


class RenderError(CalcidataError):
    """A notebook failed while it was being rendered."""


def _problem_key(p: Problem) -> tuple:
    return (p.file, p.line if p.line is not None else -1, p.column or "", p.rule, p.value)
