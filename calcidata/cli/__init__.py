"""The ``calcidata`` command line: a thin wrapper over the Python API.

One module per command group (:mod:`.data`, :mod:`.reports`, :mod:`.reuse`);
each registers its sub-commands explicitly. Nothing heavy is imported to build
the parser: each command imports what it needs when it runs.

Every command runs through one error boundary, :func:`run`. Exit status (the
table in :mod:`calcidata.errors` and ``docs/errors.md``): 0 success, 1 problems
found or failed, 2 bad usage or parameters.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import NoReturn

from calcidata._version import __version__
from calcidata.cli import data, reports, reuse

#: Environment variable that makes an unexpected error show its traceback.
DEBUG_ENV = "CALCIDATA_DEBUG"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="calcidata",
        description="Evidence tables and reports on treating soft-tissue calcification. "
        "Not medical advice.",
    )
    parser.add_argument("--version", action="version", version=f"calcidata {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    data.setup(sub)
    reports.setup(sub)
    reuse.setup(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status (0 ok, 1 problems found or failed, 2 bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # bad usage: argparse prints it and exits with 2
    return run(args.run, args)


def run(command: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """The one error boundary of every command: an expected error becomes a message.

    Errors are printed as ``calcidata: error: ...`` (invalid tables as their
    problem list) on standard error and mapped to the exit status of
    :func:`calcidata.errors.exit_status`; file-system errors name the path.
    Anything else is a bug in calcidata: it is reported in one line, and its
    traceback is shown only when ``CALCIDATA_DEBUG`` is set.
    """
    from calcidata.errors import (
        EXIT_FAILED,
        CalcidataError,
        DataValidationError,
        describe_os_error,
        exit_status,
    )

    try:
        with _terminate_as_interrupt():
            return int(command(args) or 0)
    except DataValidationError as exc:
        return _fail(exc.report(), EXIT_FAILED, bare=True)
    except CalcidataError as exc:
        return _fail(str(exc), exit_status(exc))
    except BrokenPipeError:  # the reader of standard output stopped early (| head)
        _quiet_stdout()
        return EXIT_FAILED
    except OSError as exc:
        return _fail(describe_os_error(exc), EXIT_FAILED)
    except MemoryError:
        return _fail("out of memory: the input is too large for this machine", EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # a bug: one line, not a traceback, unless asked for
        if os.environ.get(DEBUG_ENV):
            raise
        return _fail(
            f"internal error ({type(exc).__name__}: {exc}); this is a bug in calcidata: "
            f"please report it (set {DEBUG_ENV}=1 to see the traceback)",
            EXIT_FAILED,
        )


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt, so that cleanup (temporary files) runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> NoReturn:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _quiet_stdout() -> None:
    """Point standard output at /dev/null: flushing it at exit must not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _fail(message: str, status: int, *, bare: bool = False) -> int:
    # Control characters from a file or an argument are shown escaped, never sent
    # to the terminal (an ESC could rewrite what the user sees).
    message = _CONTROL.sub(lambda m: repr(m.group())[1:-1], message)
    print(message if bare else f"calcidata: error: {message}", file=sys.stderr)
    return status


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


if __name__ == "__main__":
    sys.exit(main())
