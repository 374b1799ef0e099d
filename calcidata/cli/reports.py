"""``calcidata render`` and ``calcidata build``: thin command-line wrappers over calcidata.render.

Nothing heavy is imported here: the parser is built on every ``calcidata`` call.
"""

from __future__ import annotations

import argparse
import sys

from calcidata.cli.data import Subcommands, add_command


def _params(pairs: list[list[str]]) -> dict[str, str | list[str]]:
    """``-p NAME VALUE`` pairs as a dict; a repeated name collects its values in a list."""
    out: dict[str, str | list[str]] = {}
    for name, value in pairs:
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def _run_render(args: argparse.Namespace) -> int:
    from calcidata.reports.build import render

    path = render(
        args.report,
        _params(args.param),
        out_dir=args.out,
        data_dir=args.data_dir,
        notebooks_dir=args.notebooks_dir,
    )
    print(f"wrote {path}")
    return 0


def _run_build(args: argparse.Namespace) -> int:
    from calcidata.reports.build import build

    result = build(
        args.out,
        jobs=args.jobs,
        force=args.force,
        data_dir=args.data_dir,
        notebooks_dir=args.notebooks_dir,
        progress=not args.no_progress,
    )
    line = (
        f"{result.planned} reports: {len(result.rendered)} rendered, "
        f"{result.skipped} up to date, {len(result.failed)} failed "
        f"({result.seconds:.1f} s); index: {args.out}/index.html"
    )
    print(line)
    if result.failed:
        print(f"calcidata: error: {len(result.failed)} report(s) failed:", file=sys.stderr)
        for outcome in result.failed:
            print(f"  {outcome.message}", file=sys.stderr)
        return 1
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _add_output_options(p: argparse.ArgumentParser) -> None:
    """``--out`` and ``--notebooks-dir``, which ``render`` and ``build`` share."""
    p.add_argument(
        "--out", default="reports", metavar="DIR", help="output directory (default: reports)"
    )
    p.add_argument(
        "--notebooks-dir",
        default=None,
        metavar="DIR",
        help="directory with the report notebooks (default: the shipped ones)",
    )


def _setup_render(sub: Subcommands) -> None:
    from calcidata.reports.registry import REPORTS

    p = add_command(
        sub,
        "render",
        _run_render,
        help="render one report to HTML",
        description="Render one report. Parameters are checked before any kernel starts; "
        "see 'calcidata build' for all reports.",
    )
    p.add_argument("report", help=f"report name ({', '.join(REPORTS)})")
    p.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter; lists take comma-separated values",
    )
    _add_output_options(p)


def _setup_build(sub: Subcommands) -> None:
    p = add_command(
        sub,
        "build",
        _run_build,
        help="render every report (parallel, incremental) and reports/index.html",
        description="Render every report for every meaningful parameter set. Only what "
        "changed (notebook, parameters, data, calcidata) is re-rendered.",
    )
    _add_output_options(p)
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        default=None,
        metavar="N",
        help="worker processes (default: the CPU count)",
    )
    p.add_argument("--force", action="store_true", help="re-render everything")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def setup(sub: Subcommands) -> None:
    """Register ``render`` and ``build``."""
    _setup_render(sub)
    _setup_build(sub)
