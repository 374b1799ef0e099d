"""The dose audit on Spark: the same audit, on prescriptions that stay distributed.

>>> import calcidata
>>> spark = calcidata.audit.spark.spark_session()        # doctest: +SKIP
>>> rx = spark.read.parquet("prescriptions/")             # doctest: +SKIP
>>> calcidata.audit_spark(rx).groupBy("status").count()   # doctest: +SKIP

What runs where:

* on the driver, before any job: the input schema is checked (column names,
  Spark types, clashes with the added columns) and the
  :class:`~calcidata.audit.reference.DoseReference` is built from the tables;
* on the executors: a scalar pandas UDF receives Arrow batches of only the
  audited columns (treatment, dose, unit, frequency, route, condition) and runs
  the pandas :class:`~calcidata.audit.core._Auditor` on them, shipped in the
  UDF's closure with its reference (a few hundred kilobytes). Its per-value and
  per-key work is done once per distinct value *in a batch*; the rows are
  vectorised as in pandas. Every other input column stays in the JVM, untouched.

Because each row's answer depends only on that row's values (which is what makes
the chunked :func:`~calcidata.audit.files.audit_file` equal to the in-memory
audit), auditing Spark's batches with the pandas code gives :func:`audit_doses`'
values row for row; ``tests/test_audit_spark.py`` checks it on a real session.

Importing this module does not import pyspark; the functions do.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from calcidata._extras import require
from calcidata.audit.auditor import OUTPUT_COLUMNS, _Auditor
from calcidata.audit.inputs import AuditOptions
from calcidata.audit.reference import cached_reference
from calcidata.errors import CalcidataError, ParameterError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Spark type of each added column (the logical types of the pandas audit's columns).
OUTPUT_TYPES = {
    "matched_treatment_id": "string",
    "daily_dose": "double",
    "daily_unit": "string",
    "range_daily_min": "double",
    "range_daily_max": "double",
    "range_treatment_id": "string",
    "range_scope": "string",
    "range_dosing_ids": "string",
    "status": "string",
    "reason": "string",
}
#: Spark types each input column may have (``void``: a column of nulls only).
_NUMBERS = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")
_ACCEPTED = {
    "treatment": ("string",),
    "unit": ("string",),
    "route": ("string",),
    "condition": ("string",),
    "frequency": ("string", *_NUMBERS),
    "dose": ("string", *_NUMBERS),
}
#: Rows per Arrow batch in sessions made by :func:`spark_session`.
BATCH_ROWS = 100_000
#: Oldest Java that Spark 4 runs on.
JAVA_MAJOR = 17
_STRUCT = "__calcidata_audit__"
_WORKER_WARNINGS = "ignore:PySpark does not yet fully support:FutureWarning"


def _pyspark() -> None:
    """Refuse, naming the ``spark`` extra, when pyspark (or pyarrow) is not installed."""
    require("spark", "the Spark audit (with Java 17)")


@contextmanager
def _quiet() -> Iterator[None]:
    """Hide pyspark's warning that pandas 3 is not yet 'fully supported' (the audit is tested)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
        yield


def java_version() -> int:
    """Major version of the ``java`` Spark will start (``JAVA_HOME`` first, then ``PATH``).

    Raises
    ------
    ParameterError
        When no ``java`` is found, or it is older than Java 17.
    """
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    words = (
        f"Spark needs Java {JAVA_MAJOR} or newer: install it (e.g. apt-get install "
        f"openjdk-{JAVA_MAJOR}-jre-headless) and set JAVA_HOME or put java on PATH"
    )
    if not java or not os.access(java, os.X_OK):
        where = f"JAVA_HOME={home} has no bin/java" if home else "no java on PATH"
        raise ParameterError(f"{where}. {words}")
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ParameterError(f"{java} -version failed ({exc}). {words}") from None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not found:
        raise ParameterError(f"{java} -version did not say its version. {words}")
    major = int(found.group(1))
    major = int(found.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8
    if major < JAVA_MAJOR:
        raise ParameterError(f"{java} is Java {major}. {words}")
    return major


def spark_session(
    master: str | None = None, *, config: dict[str, str] | None = None
) -> SparkSession:
    """A Spark session for the audit: ``SPARK_REMOTE`` if set, else ``master``, else local.

    Parameters
    ----------
    master : str, optional
        A Spark master URL (``local[4]``, ``spark://host:7077``, ``yarn``...). Without
        it and without ``SPARK_REMOTE``, a local session on every core (``local[*]``)
        with the web UI off.
    config : dict, optional
        More Spark settings (``spark.sql.shuffle.partitions``...).

    Returns
    -------
    pyspark.sql.SparkSession
        An existing active session is reused (and then keeps its settings).

    Raises
    ------
    ParameterError
        pyspark is not installed, or (for a session started here) Java 17 is missing.
    CalcidataError
        The session cannot start (an unreachable master): its first line, no JVM trace.
    """
    _pyspark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("calcidata audit")
    if master is None and os.environ.get("SPARK_REMOTE"):
        builder = builder.remote(os.environ["SPARK_REMOTE"])
    else:
        java_version()
        # Python workers run the audit: they need this interpreter (with calcidata). They
        # inherit this environment on a local master (spark.executorEnv.* elsewhere).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYTHONWARNINGS", _WORKER_WARNINGS)
        builder = builder.master(master or "local[*]")
        if (master or "local").startswith("local"):
            builder = builder.config("spark.ui.enabled", "false")
            builder = builder.config("spark.ui.showConsoleProgress", "false")
        # The executors' Python warns on import that pandas 3 is not "fully supported".
        builder = builder.config("spark.executorEnv.PYTHONWARNINGS", _WORKER_WARNINGS)
        if "spark.driver.extraJavaOptions" not in (config or {}):
            # The JVM logs errors in one line each, without Java stack traces: an
            # unreachable master is calcidata's one message, not pages of trace.
            log4j = Path(__file__).with_name("log4j2.properties")
            builder = builder.config(
                "spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log4j}"
            )
    # The audit resolves each distinct value once per Arrow batch: larger batches, less
    # repeated work (10,000 rows by default; 100,000 audits a million rows about 3x faster).
    settings = {"spark.sql.execution.arrow.maxRecordsPerBatch": str(BATCH_ROWS), **(config or {})}
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        with _quiet():
            return builder.getOrCreate()
    except Exception as exc:
        if not type(exc).__module__.startswith(("pyspark", "py4j")):
            raise
        # An unreachable master, a refused connection: the first line, not the JVM's trace.
        text = str(exc)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        why = next((line for line in lines if "Exception" in line or "rror" in line), "")
        where = master or os.environ.get("SPARK_REMOTE") or "local[*]"
        raise CalcidataError(
            f"cannot start a Spark session on master {where!r}: {(why or type(exc).__name__)[:300]}"
        ) from None


def _check_schema(df: DataFrame, columns: dict[str, str | None], prefix: str) -> None:
    """Raise :class:`ParameterError` listing every type problem and clash (no job runs)."""
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    problems = []
    for role, name in columns.items():
        if name is None:
            continue
        kind = re.sub(r"\(.*", "", types[name])
        if kind not in (*_ACCEPTED[role], "void"):
            numeric = "double" in _ACCEPTED[role]
            problems.append(
                f"column {name!r} ({role}) is {types[name]}, the audit needs "
                f"{'string or numeric' if numeric else 'string'}: cast it "
                f"(F.col({name!r}).cast({'double' if numeric else 'string'!r}))"
            )
    taken = {c.lower() for c in df.columns}  # Spark resolves names case-insensitively
    clash = [prefix + c for c in OUTPUT_COLUMNS if (prefix + c).lower() in taken]
    if clash:
        problems.append(
            f"the input already has column(s) {', '.join(clash)}, which the audit adds "
            "(names compared ignoring case, as Spark does); rename them or give a "
            "prefix (--prefix audit_)"
        )
    if _STRUCT in taken:
        problems.append(f"the input has a column named {_STRUCT}, which the audit uses")
    if problems:
        raise ParameterError("; ".join(problems))


def _batch_auditor(auditor: _Auditor) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """The function each pandas batch of the audited columns goes through, on an executor."""

    def audit_batch(frame: pd.DataFrame) -> pd.DataFrame:
        import pyarrow as pa

        out = auditor(frame)
        plain = {}
        for col in OUTPUT_COLUMNS:
            values = out[col]
            if isinstance(values.dtype, pd.CategoricalDtype):
                # Decoded by Arrow into an Arrow-backed string column: no Python str per row.
                values = pa.array(values).dictionary_decode().to_pandas()
            plain[col] = values.reset_index(drop=True)
        return pd.DataFrame(plain)

    return audit_batch


def audit_spark(df: DataFrame, **options: Any) -> DataFrame:
    """Check prescribed doses in a Spark DataFrame against calcidata's daily dosing ranges.

    The Spark counterpart of :func:`calcidata.audit_doses`: same keywords, same
    rule, same added columns with the same values row for row. Lazy: it returns a
    DataFrame and runs no job; Spark audits the rows when the result is written,
    counted or collected.

    Parameters
    ----------
    df : pyspark.sql.DataFrame
        One row per prescription. *treatment*, *unit*, *route* and *condition*
        must be ``string`` columns; *dose* and *frequency* ``string`` or numeric.
    **options
        ``treatment``, ``dose``, ``unit``, ``frequency``, ``route``, ``condition``,
        ``prefix``, ``tables``, ``data_dir``: as for :func:`calcidata.audit_doses`.

    Returns
    -------
    pyspark.sql.DataFrame
        The input columns, unchanged and in place (no shuffle: rows keep their
        partitions and their order within them), followed by the audit's columns
        with the types in :data:`OUTPUT_TYPES`: ``double`` for ``daily_dose``,
        ``range_daily_min`` and ``range_daily_max``; ``string`` for the ids,
        ``daily_unit``, ``range_scope``, ``range_dosing_ids``, ``status`` and
        ``reason`` (the pandas audit's categoricals hold the same strings).

    Raises
    ------
    ParameterError
        Before any Spark job, when a column is missing, has a type the audit does
        not read (say a ``boolean`` or ``timestamp`` dose), or clashes with an added
        column; or when pyspark is not installed.

    Notes
    -----
    Work on the executors is per Arrow batch (``spark.sql.execution.arrow.
    maxRecordsPerBatch`` rows: Spark's default is 10,000, :func:`spark_session` sets
    100,000): each distinct value and key is resolved once per batch, so larger
    batches do less repeated work. calcidata
    (and its tables, unless ``tables`` is given) must be installed where the
    executors' Python runs.
    """
    _pyspark()
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
    from pyspark.sql.pandas.functions import pandas_udf  # F.pandas_udf, for type checkers

    settings = AuditOptions(**options)
    if not isinstance(df, DataFrame):
        raise ParameterError(f"audit_spark needs a Spark DataFrame, not {type(df).__name__}")
    columns = settings.columns(pd.DataFrame(columns=df.columns))
    prefix = settings.prefix
    _check_schema(df, columns, prefix)
    auditor = _Auditor(
        cached_reference(settings.tables, settings.data_dir),
        {role: role if name is not None else None for role, name in columns.items()},
        "",
    )
    fields = []
    for role, name in columns.items():
        if name is None:
            continue
        column = F.col("`" + name.replace("`", "``") + "`")
        if df.schema[name].dataType.typeName() == "decimal":
            column = column.cast("double")  # as pandas reads Decimals: to the nearest double
        fields.append(column.alias(role))
    spark_type = {"string": T.StringType(), "double": T.DoubleType()}
    returns = T.StructType([T.StructField(c, spark_type[OUTPUT_TYPES[c]]) for c in OUTPUT_COLUMNS])
    with _quiet():
        # Non-deterministic: Spark must not inline the UDF into each field it is read from.
        # pyspark's stubs require functionType with a struct return type; Spark reads the
        # kind of UDF from the function's type hints (pd.DataFrame -> pd.DataFrame).
        udf = pandas_udf(_batch_auditor(auditor), returns)  # type: ignore[call-overload]
        udf = udf.asNondeterministic()
        audited = df.select(F.col("*"), udf(F.struct(*fields)).alias(_STRUCT))
        return audited.select(
            F.col("*"), *[F.col(_STRUCT)[c].alias(prefix + c) for c in OUTPUT_COLUMNS]
        ).drop(_STRUCT)
