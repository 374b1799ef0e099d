"""``calcidata export`` and ``calcidata audit``: thin wrappers over the Python API.

Registered on the main parser by :func:`calcidata.cli._load_plugins`; importing
this module is cheap (nothing heavy until a command runs).
"""

from __future__ import annotations

import argparse
import sys

from calcidata.cli.data import Subcommands, add_command
from calcidata.export.formats import REGISTRY


def format_choices() -> list[str]:
    """The values ``--format`` takes: every registered format, then ``all``."""
    return [*REGISTRY, "all"]


def _formats_words() -> str:
    """Each format and what it writes, from the registry (the command's description)."""
    parts = []
    for f in REGISTRY.values():
        files = f.files.replace("``", "")
        extra = f" (needs calcidata[{f.extra}])" if f.extra else ""
        parts.append(f"{f.name}: {files}{extra}")
    return "; ".join(parts)


def _run_export(args: argparse.Namespace) -> int:
    from calcidata.export import export_tables

    written = export_tables(args.out, args.format or ["datapackage"], data_dir=args.data_dir)
    for path in written:
        print(path)
    return 0


def _setup_export(sub: Subcommands) -> None:
    """Register ``calcidata export --format FORMAT --out DIR``."""
    p = add_command(
        sub,
        "export",
        _run_export,
        help="export the tables for other tools (data package, Parquet, SQL, ...)",
        description="Write the validated tables in formats other tools read. Each export "
        "records the data version and the calcidata version. All formats are written, "
        f"or nothing. Formats: {_formats_words()}.",
    )
    p.add_argument(
        "--format",
        action="append",
        choices=format_choices(),
        metavar="FORMAT",
        help=f"one of {', '.join(REGISTRY)} or all; repeat for several (default: datapackage)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")


def _run_audit(args: argparse.Namespace) -> int:
    from calcidata.audit import CHUNK_ROWS, audit_file
    from calcidata.errors import ParameterError

    if args.engine == "spark":
        if not args.out:
            raise ParameterError("--engine spark needs --out DIR (a directory of Parquet files)")
        if args.chunk_rows is not None:
            raise ParameterError("--chunk-rows is for --engine pandas (Spark splits the file)")
        from calcidata.audit.spark_files import audit_file_spark

        run, options = audit_file_spark, {"master": args.master}
    else:
        if args.master:
            raise ParameterError("--master is for --engine spark")
        chunk_rows = CHUNK_ROWS if args.chunk_rows is None else args.chunk_rows  # 0 is refused
        run, options = audit_file, {"chunk_rows": chunk_rows}
    counts = run(
        args.file,
        args.out,
        **options,
        treatment=args.treatment_column,
        dose=args.dose_column,
        unit=args.unit_column,
        frequency=args.frequency_column,
        route=args.route_column,
        condition=args.condition_column,
        prefix=args.prefix,
        data_dir=args.data_dir,
    )
    total = int(counts.sum())
    detail = ", ".join(f"{status} {int(n)}" for status, n in counts.items() if n)
    where = f" -> {args.out}" if args.out else ""
    print(
        f"audited {total} row{'s' if total != 1 else ''}{where}: {detail or 'no rows'}",
        file=sys.stderr,
    )
    return 0


def _setup_audit(sub: Subcommands) -> None:
    """Register ``calcidata audit FILE [--out FILE]``."""
    p = add_command(
        sub,
        "audit",
        _run_audit,
        help="check prescribed doses in a CSV or Parquet file against the dosing ranges",
        description="Add to each row of FILE its daily dose, the matching reported daily range, "
        "a status (below_range, within_range, above_range, no_reference, "
        "unit_mismatch, unknown_treatment, invalid_input) and a reason. Rows are "
        "kept in order; FILE is never modified; files of any size are read in "
        "chunks. Not medical advice.",
    )
    p.add_argument("file", metavar="FILE", help="input .csv or .parquet")
    p.add_argument(
        "--out",
        metavar="FILE",
        default=None,
        help="output .csv or .parquet (default: CSV on standard output); with "
        "--engine spark, a directory of Parquet files (required)",
    )
    p.add_argument(
        "--engine",
        choices=["pandas", "spark"],
        default="pandas",
        help="pandas (default: in chunks on this machine) or spark (needs calcidata[spark] "
        "and Java 17)",
    )
    p.add_argument(
        "--master",
        metavar="URL",
        default=None,
        help="with --engine spark: Spark master URL (default: SPARK_REMOTE if set, else local[*])",
    )
    for role, words in (
        ("treatment", "calcidata id, name, synonym or ATC code"),
        ("dose", "amount per administration"),
        ("unit", "dose unit (mg, g, mcg, mg/kg, ...)"),
        ("frequency", "administrations per day, or a timing code like BID"),
        ("route", "optional: route (oral, intravenous, ...)"),
        ("condition", "optional: condition id, name, synonym or ICD-10"),
    ):
        p.add_argument(
            f"--{role}-column",
            metavar="NAME",
            default=None,
            help=f"column with the {words} (default: {role})",
        )
    p.add_argument("--prefix", default="", help="prefix for the added columns")
    p.add_argument(
        "--chunk-rows",
        type=int,
        default=None,
        metavar="N",
        help="rows read and audited at a time (default: 100000)",
    )


def setup(sub: Subcommands) -> None:
    """Register ``export`` and ``audit``."""
    _setup_export(sub)
    _setup_audit(sub)
