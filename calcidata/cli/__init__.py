"""The ``calcidata`` command line: a thin wrapper over the Python API.

One module per command group (:mod:`.data`, :mod:`.reports`, :mod:`.reuse`);
each registers its sub-commands explicitly. Nothing heavy is imported to build
the parser: each command imports what it needs when it runs.

Exit status: 0 success, 1 invalid data or a failed render, 2 bad usage or
parameters.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from calcidata._version import __version__
from calcidata.cli import data, reports, reuse


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
    args = parser.parse_args(argv)
    from calcidata.errors import CalcidataError, DataValidationError, ParameterError

    try:
        return int(args.run(args) or 0)
    except DataValidationError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except ParameterError as exc:
        print(f"calcidata: error: {exc}", file=sys.stderr)
        return 2
    except CalcidataError as exc:
        print(f"calcidata: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
