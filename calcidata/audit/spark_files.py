"""The audit of files on Spark: CSV or Parquet in, one Parquet directory out, atomically.

Used by ``calcidata audit FILE --engine spark --out DIR``. The output directory
appears under its name only when the whole job has succeeded: Spark writes into
a hidden sibling, which is then renamed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from calcidata._io import output_dir
from calcidata.audit.auditor import STATUSES
from calcidata.audit.headers import BLOCK_BYTES, LONG_ROW
from calcidata.audit.inputs import AuditOptions
from calcidata.audit.spark import _pyspark, _quiet, audit_spark, spark_session
from calcidata.audit.writer import _kind
from calcidata.errors import CalcidataError, FileAccessError, ParameterError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def _read(spark: SparkSession, path: Path) -> DataFrame:
    """A CSV file as text columns (an empty field is missing), or a Parquet file/directory."""
    if path.is_dir() or _kind(path) == "parquet":
        return spark.read.parquet(str(path.absolute()))
    # RFC 4180 quoting ("" inside quotes), as the pandas path reads it; every cell as text.
    frame = (
        spark.read.option("header", True)
        .option("escape", '"')
        .option("mode", "FAILFAST")
        .option("encoding", "UTF-8")
        .csv(str(path.absolute()))
    )
    return _rows_within_a_block(frame)


def _quoted(name: str) -> str:
    """A column name as Spark reads it literally (dots, spaces and backticks included)."""
    return "`" + name.replace("`", "``") + "`"


def _rows_within_a_block(frame: DataFrame) -> DataFrame:
    """Fail, as the pandas engine does, on a CSV row longer than ``BLOCK_BYTES``.

    The row's length is measured as :func:`calcidata.audit.headers.longest_row`
    measures it (cells' UTF-8 bytes plus the commas between them): the job stops
    with the same words when one is longer.
    """
    from pyspark.sql import functions as F

    if not frame.columns:
        return frame
    cells = [F.coalesce(F.octet_length(F.col(_quoted(c))), F.lit(0)) for c in frame.columns]
    size = sum(cells[1:], cells[0]) + (len(cells) - 1)
    words = LONG_ROW
    return frame.where(F.when(size > BLOCK_BYTES, F.raise_error(F.lit(words))).otherwise(True))


def _target(out: str | os.PathLike[str]) -> Path:
    if "://" in str(out):
        raise ParameterError(
            f"{out}: --out must be a local path (the finished directory is renamed into place)"
        )
    target = Path(out)
    if str(out).endswith((".csv", ".csv.gz", ".txt")):
        raise ParameterError(f"{out}: --engine spark writes a directory of Parquet files")
    if target.exists() and not (target.is_dir() and (target / "_SUCCESS").exists()):
        raise FileAccessError(
            f"{out} exists and is not an earlier Spark output (no _SUCCESS file): "
            "give a new directory"
        )
    output_dir(target.parent, "the folder of --out")
    return target


def _failure(exc: BaseException) -> CalcidataError:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return CalcidataError(f"the Spark job failed: {lines[0] if lines else type(exc).__name__}")


def audit_file_spark(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    master: str | None = None,
    spark: SparkSession | None = None,
    **options: Any,
) -> pd.Series[int]:
    """Audit a CSV or Parquet file on Spark into a directory of Parquet files.

    Parameters
    ----------
    path : path-like
        Input ``.csv`` (every cell read as text, an empty field missing), ``.parquet``,
        or a directory of Parquet files. Never modified.
    out : path-like
        Output directory (Parquet, one file per partition). Written to a hidden
        sibling first and renamed when the job has succeeded, so a failed job
        leaves nothing under this name. An earlier Spark output (with a
        ``_SUCCESS`` file) is replaced; any other existing path is refused.
    master : str, optional
        Spark master URL; by default ``SPARK_REMOTE`` if set, else a local session
        (see :func:`calcidata.audit.spark.spark_session`).
    spark : pyspark.sql.SparkSession, optional
        A session to use (then ``master`` is ignored). Without it, the active session
        if there is one, else a new one, stopped at the end.
    **options
        ``treatment``, ``dose``, ``unit``, ``frequency``, ``route``, ``condition``,
        ``prefix``, ``tables``, ``data_dir``: as for :func:`calcidata.audit_doses`.

    Returns
    -------
    pandas.Series
        Number of rows per status (every status listed, zeros included).
    """
    settings = AuditOptions(**options)
    path = Path(path)
    if not path.exists():
        raise FileAccessError(f"no such file: {path}")
    if not path.is_dir():
        _kind(path)
    target = _target(out)
    if target.resolve() == path.resolve():
        raise ParameterError("the output must differ from the input (the input is never modified)")
    _pyspark()
    if spark is None:
        from pyspark.sql import SparkSession

        own = SparkSession.getActiveSession() is None  # an active session is borrowed
        session = spark_session(master)
    else:
        own, session = False, spark
    try:
        return _run(session, path, target, settings)
    finally:
        if own:
            session.stop()


def _run(spark: SparkSession, path: Path, target: Path, settings: AuditOptions) -> pd.Series[int]:
    from pyspark.errors import PySparkException

    try:
        with _quiet():
            frame = _read(spark, path)
    except PySparkException as exc:
        raise FileAccessError(f"{path} cannot be read: {_failure(exc)}") from None
    audited = audit_spark(frame, **settings.keywords())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with _quiet():
            # Absolute paths: Spark resolves relative ones in the JVM's directory.
            audited.write.mode("overwrite").parquet(str(tmp.absolute()))
    except BaseException as exc:  # interrupted too: leave no half directory behind
        shutil.rmtree(tmp, ignore_errors=True)
        if type(exc).__module__.startswith(("pyspark", "py4j")):
            raise _failure(exc) from None
        raise
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    with _quiet():
        rows = (
            spark.read.parquet(str(target.absolute()))
            .groupBy(settings.prefix + "status")
            .count()
            .collect()
        )
    counts = pd.Series(0, index=pd.Index(STATUSES, name="status"), name="rows")
    for status, n in rows:
        counts[status] = n
    return counts
