"""The ``calcidata`` command line: a thin wrapper over the Python API.

Exit status: 0 success, 1 invalid data or a failed render, 2 bad usage or
parameters.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ._version import __version__

#: Extra sub-commands registered by other modules: name -> (add_parser, run).
_COMMANDS: dict[str, tuple[Callable, Callable]] = {}


def command(name: str):
    """Register a sub-command: decorate a ``setup(subparsers) -> None`` function."""

    def deco(setup):
        _COMMANDS[name] = setup
        return setup

    return deco


def _add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="directory with the table CSVs (default: $CALCIDATA_DATA_DIR or the shipped data)",
    )


def _run_validate(args) -> int:
    from .errors import DataValidationError
    from .loading import collect_problems

    frames, problems = collect_problems(args.data_dir)
    if problems:
        print(DataValidationError(problems).report(), file=sys.stderr)
        return 1
    rows = sum(len(f) for f in frames.values())
    detail = ", ".join(f"{n} {len(f)}" for n, f in frames.items())
    print(f"OK: {len(frames)} tables, {rows} rows valid ({detail})")
    return 0


def _run_summary(args) -> int:
    from .loading import load
    from .strength import evidence_strength

    t = load(args.data_dir)
    print(f"calcidata {__version__}, data version {t.version}, from {t.data_dir}")
    print(t.summary().to_string(index=False))
    s = evidence_strength(t.evidence)
    print("\nEvidence strength of (treatment, condition) pairs:")
    print(s["strength"].value_counts(sort=False).to_string())
    return 0


def _run_dictionary(args) -> int:
    from . import dictionary

    if args.check:
        current = dictionary.paths.data_dir(args.data_dir) / "README.md"
        fresh = dictionary.render(args.data_dir)
        if not current.is_file() or current.read_text(encoding="utf-8") != fresh:
            print(f"{current} is stale: run 'calcidata dictionary'", file=sys.stderr)
            return 1
        print(f"{current} is up to date")
        return 0
    print(f"wrote {dictionary.write(args.data_dir)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="calcidata",
        description="Evidence tables and reports on treating soft-tissue calcification. "
        "Not medical advice.",
    )
    parser.add_argument("--version", action="version", version=f"calcidata {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("validate", help="validate every table; list all problems")
    _add_data_dir(p)
    p.set_defaults(run=_run_validate)

    p = sub.add_parser("summary", help="print the tables and evidence-strength summary")
    _add_data_dir(p)
    p.set_defaults(run=_run_summary)

    p = sub.add_parser("dictionary", help="regenerate data/README.md from the schemas")
    _add_data_dir(p)
    p.add_argument("--check", action="store_true", help="only check that it is up to date")
    p.set_defaults(run=_run_dictionary)

    _load_plugins()
    for setup in _COMMANDS.values():
        setup(sub, _add_data_dir)
    return parser


def _load_plugins() -> None:
    """Import the modules that register further sub-commands (cheaply)."""
    import importlib

    for module in ("calcidata.render_cli", "calcidata.reuse_cli"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .errors import CalcidataError, DataValidationError, ParameterError

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
