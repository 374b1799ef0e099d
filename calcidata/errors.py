"""One exception hierarchy for calcidata, and the one table of exit statuses.

Every error a user can trigger derives from :class:`CalcidataError`. Data
problems are collected as :class:`Problem` records (file, CSV line, column,
value, rule) and raised together as one :class:`DataValidationError`, so a
user sees every problem at once, never a raw pandera traceback.

Exit statuses (used by every command, documented in ``docs/errors.md``):

=====  ================================================================
``0``  success
``1``  problems found or failed: invalid tables, a file that is missing,
       unreadable, too large, of the wrong kind or not writable, a failed render
``2``  bad usage or parameters: an unknown option, report, id, format or
       column, a value of the wrong form, an output name calcidata cannot write
=====  ================================================================
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
    """A report parameter, table name, id, option or column name is not valid."""


class ArgumentTypeError(ParameterError, TypeError):
    """An argument of a Python function is of the wrong type; the message names it."""


class MissingExtraError(ParameterError, ImportError):
    """A feature needs an optional extra that is not installed; the message names it.

    Like ``--engine spark`` without pyspark, it is bad usage (exit status 2) on this
    installation: ``pip install "calcidata[EXTRA]"`` makes the call work. It is also an
    ``ImportError``, as Python's own missing optional dependencies are.
    """


class FileAccessError(CalcidataError):
    """A file or folder cannot be read or written as asked.

    Missing, of the wrong kind (a file where a folder is needed), not readable or
    writable, corrupt, too large, or holding files calcidata did not write. The
    message names the path.
    """


class RenderError(CalcidataError):
    """A notebook failed while it was being rendered."""


#: Exit status of a command that succeeded.
EXIT_OK = 0
#: Exit status when problems were found or the command failed.
EXIT_FAILED = 1
#: Exit status of bad usage or parameters.
EXIT_USAGE = 2


def exit_status(exc: BaseException) -> int:
    """The exit status for an error that ended a command (see the module's table)."""
    return EXIT_USAGE if isinstance(exc, ParameterError) else EXIT_FAILED


def describe_os_error(exc: OSError) -> str:
    """An operating-system error in one line that names the file(s) it is about."""
    what = exc.strerror or str(exc) or type(exc).__name__
    names = [n for n in (exc.filename, getattr(exc, "filename2", None)) if n is not None]
    if not names:
        return what
    return f"{' -> '.join(map(str, names))}: {what}"


def _problem_key(p: Problem) -> tuple[str, int, str, str, str]:
    return (p.file, p.line if p.line is not None else -1, p.column or "", p.rule, p.value)
