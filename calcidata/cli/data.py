"""``calcidata validate``, ``summary`` and ``dictionary``: the tables' commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TypeAlias

from calcidata._version import __version__

#: What ``ArgumentParser.add_subparsers`` returns; each command group's ``setup`` fills it.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
#: A command: runs with the parsed arguments, returns its exit status.
Command: TypeAlias = Callable[[argparse.Namespace], int | None]


def add_data_dir(p: argparse.ArgumentParser) -> None:
    """Add the ``--data-dir`` option every command that reads the tables takes."""
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="directory with the table CSVs (default: $CALCIDATA_DATA_DIR or the shipped data)",
    )


def add_command(
    sub: Subcommands,
    name: str,
    run: Command,
    *,
    help: str,
    description: str | None = None,
    data_dir: bool = True,
) -> argparse.ArgumentParser:
    """Register sub-command ``name`` running ``run(args)``; most commands read the tables."""
    p = sub.add_parser(name, help=help, description=description)
    if data_dir:
        add_data_dir(p)
    p.set_defaults(run=run)
    return p


def _run_validate(args: argparse.Namespace) -> int:
    from calcidata.errors import DataValidationError
    from calcidata.tables.loader import collect_problems
    from calcidata.tables.quotes import unchecked_note

    frames, problems = collect_problems(args.data_dir)
    note = unchecked_note(frames.get("claims"))
    if note:
        print(f"note: {note}", file=sys.stderr)
    if problems:
        print(DataValidationError(problems).report(), file=sys.stderr)
        return 1
    rows = sum(len(f) for f in frames.values())
    detail = ", ".join(f"{n} {len(f)}" for n, f in frames.items())
    print(f"OK: {len(frames)} tables, {rows} rows valid ({detail})")
    if args.summary:
        from calcidata.tables.counts import table_counts

        for row in table_counts(frames).itertuples(index=False):
            print(f"{row.count:>6}  {row.words}")
        from calcidata.synthesis.pooled import pooled_keys
        from calcidata.synthesis.result import evidence_profile
        from calcidata.tables.loader import load

        pooled = pooled_keys(evidence_profile(load(args.data_dir)))
        words = "bodies calcidata pools (two or more studies, one outcome definition)"
        print(f"{len(pooled):>6}  {words}, {int(pooled['class_body'].sum())} of them class bodies")
    return 0


def _run_summary(args: argparse.Namespace) -> int:
    from calcidata.analysis.strength import evidence_strength
    from calcidata.tables.loader import load

    t = load(args.data_dir)
    print(f"calcidata {__version__}, data version {t.version}, from {t.data_dir}")
    print(t.summary().to_string(index=False))
    s = evidence_strength(t.evidence)
    print("\nEvidence strength of (treatment, condition) pairs:")
    print(s["strength"].value_counts(sort=False).to_string())
    return 0


def _run_dictionary(args: argparse.Namespace) -> int:
    from calcidata import paths
    from calcidata.reports import dictionary

    if args.check:
        current = paths.data_dir(args.data_dir) / "README.md"
        fresh = dictionary.render(args.data_dir)
        if not current.is_file() or current.read_text(encoding="utf-8") != fresh:
            print(f"{current} is stale: run 'calcidata dictionary'", file=sys.stderr)
            return 1
        print(f"{current} is up to date")
        return 0
    print(f"wrote {dictionary.write(args.data_dir)}")
    return 0


def setup(sub: Subcommands) -> None:
    """Register ``validate``, ``summary`` and ``dictionary``."""
    p = add_command(sub, "validate", _run_validate, help="validate every table; list all problems")
    p.add_argument(
        "--summary",
        action="store_true",
        help="also print counts: rows per table, two-arm rows and trials, trials with a "
        "risk-of-bias judgement, outcome definitions, results with a stated certainty",
    )
    add_command(sub, "summary", _run_summary, help="print the tables and evidence-strength summary")
    p = add_command(
        sub, "dictionary", _run_dictionary, help="regenerate data/README.md from the schemas"
    )
    p.add_argument("--check", action="store_true", help="only check that it is up to date")
