"""The dose audit on a real local Spark session: the same values as ``audit_doses``."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import calcidata
from calcidata.audit import OUTPUT_COLUMNS, STATUSES, audit_doses, read_input
from calcidata.audit.spark import OUTPUT_TYPES, audit_spark, java_version
from calcidata.cli import main
from calcidata.errors import ParameterError

from .conftest import MINIMAL
from .test_audit import CASES, EXTRA_RANGES, rx


def spark_test(fn):
    """Runs on the Spark session of ``conftest.spark``; one xdist worker holds it (loadgroup)."""
    return pytest.mark.spark(pytest.mark.xdist_group("spark")(fn))


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The minimal tables plus the audit tests' three extra ranges."""
    data = tmp_path_factory.mktemp("spark") / "data"
    shutil.copytree(MINIMAL, data)
    path = data / "dosing_ranges.csv"
    path.write_text(path.read_text(encoding="utf-8") + EXTRA_RANGES, encoding="utf-8")
    return calcidata.load(data)


def plain(frame: pd.DataFrame) -> dict[str, list]:
    """Each column as a list of Python values, missing as None (types compared apart)."""
    return {c: frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame}


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text, as a CSV reader gives it (one Spark type per column)."""
    return (
        frame.astype(object)
        .where(frame.notna(), None)
        .map(lambda v: v if v is None else str(v))
        .astype("str")
    )


def audited_on_spark(spark, frame: pd.DataFrame, **options) -> pd.DataFrame:
    """audit_spark of ``frame`` (in two partitions), collected: rows come back in order."""
    sdf = spark.createDataFrame(frame.reset_index(drop=True).reset_index(names="rx_id"))
    got = audit_spark(sdf, **options).toPandas()
    assert got["rx_id"].tolist() == list(range(len(frame)))  # none lost, none moved
    return got.drop(columns="rx_id")


@spark_test
def test_spark_audit_equals_audit_doses_for_every_status(spark, tables):
    frame = as_text(rx(*(row for row, _ in CASES), route=True, condition=True))
    expected = audit_doses(frame, tables=tables)
    got = audited_on_spark(spark, frame, tables=tables)
    assert plain(got) == plain(expected)
    assert got["status"].tolist() == [status for _, status in CASES]
    assert set(got["status"]) == set(STATUSES)


@spark_test
def test_spark_audit_equals_audit_doses_on_random_prescriptions_with_numeric_doses(spark):
    from benchmarks.bench_audit import synthetic

    real = calcidata.load()
    frame = synthetic(4000, seed=7, note=True)
    before = frame.copy()
    got = audited_on_spark(spark, frame, tables=real)
    expected = audit_doses(frame, tables=real)
    pd.testing.assert_frame_equal(frame, before)  # the input is untouched
    assert plain(got) == plain(expected)  # floats equal exactly: the same NumPy code ran
    assert got["daily_dose"].notna().sum() > 400
    assert {"below_range", "within_range", "above_range", "invalid_input"} <= set(got["status"])


@spark_test
def test_unknown_treatments_and_bad_doses_as_text(spark, tables):
    frame = pd.DataFrame(
        {
            "treatment": ["no such drug", None, "  ", "fixture_drug", "fixture_drug", "M01AE01"],
            "dose": ["200", "200", "200", "1,5", None, "-5"],
            "unit": ["mg"] * 6,
            "frequency": ["TID", "TID", "3", "1", "1", "1"],
        },
        dtype="str",
    )
    got = audited_on_spark(spark, frame, tables=tables)
    assert plain(got) == plain(audit_doses(frame, tables=tables))
    assert got["status"].tolist() == ["unknown_treatment"] + ["invalid_input"] * 5
    assert "dose is not a number" in got.loc[3, "reason"]


@spark_test
def test_configured_column_names_prefix_and_output_types(spark, tables):
    frame = pd.DataFrame(
        {
            "drug": ["fixture_drug", "fixture_drug", "fixturin"],
            "mg_per_dose": [200.0, 20.0, 20.0],
            "u": ["mg", "mg", "mg/kg"],
            "times": [3, 1, 2],
            "dx": ["fixture_shoulder", None, None],
            "status": ["dispensed", "dispensed", "held"],
        }
    )
    names = dict(treatment="drug", dose="mg_per_dose", unit="u", frequency="times", condition="dx")
    sdf = spark.createDataFrame(frame)
    with pytest.raises(ParameterError, match="prefix"):
        audit_spark(sdf, **names, tables=tables)
    out = audit_spark(sdf, **names, prefix="audit_", tables=tables)
    types = {f.name: f.dataType.simpleString() for f in out.schema.fields}
    assert list(types) == [*frame.columns, *("audit_" + c for c in OUTPUT_COLUMNS)]
    assert {c: types["audit_" + c] for c in OUTPUT_COLUMNS} == OUTPUT_TYPES
    assert [types[c] for c in frame.columns] == [f.dataType.simpleString() for f in sdf.schema]
    got = out.toPandas()
    expected = audit_doses(frame, **names, prefix="audit_", tables=tables)
    assert plain(got) == plain(expected)
    assert got["audit_status"].tolist() == ["above_range", "below_range", "unit_mismatch"]


@spark_test
def test_bad_schemas_are_parameter_errors_before_any_job(spark, tables):
    import datetime

    from pyspark.sql import functions as F

    good = spark.createDataFrame(rx(("fixture_drug", 200.0, "mg", "TID")))
    bad = {
        "no dose column 'dose'": good.drop("dose"),
        "'dose' \\(dose\\) is boolean": good.withColumn("dose", F.lit(True)),
        "'dose' \\(dose\\) is timestamp": good.withColumn(
            "dose", F.lit(datetime.datetime(2024, 1, 1))
        ),
        "'unit' \\(unit\\) is int": good.withColumn("unit", F.lit(1)),
        "already has column\\(s\\) status": good.withColumn("STATUS", F.lit("x")),
    }
    tracker = spark.sparkContext.statusTracker()
    spark.sparkContext.setJobGroup("calcidata-schema", "schema checks")
    for words, frame in bad.items():
        with pytest.raises(ParameterError, match=words):
            audit_spark(frame, tables=tables)
    with pytest.raises(ParameterError, match="Spark DataFrame"):
        audit_spark(rx(("fixture_drug", 200.0, "mg", "TID")), tables=tables)
    assert tracker.getJobIdsForGroup("calcidata-schema") == []
    spark.sparkContext.setJobGroup("calcidata-other", "after")


def _prescriptions_csv(path, n=60):
    rows = [row for row, _ in CASES]
    frame = rx(*(rows[i % len(rows)] for i in range(n)), route=True, condition=True)
    frame["note"] = [f'patient {i}, "quoted"; text' if i % 5 else "" for i in range(n)]
    frame.to_csv(path, index=False)


@spark_test
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_engine_spark_writes_parquet_equal_to_the_pandas_audit(
    spark,
    tables,
    tmp_path,
    capsys,
    suffix,
):
    source = tmp_path / f"in{suffix}"
    _prescriptions_csv(tmp_path / "in.csv")
    if suffix == ".parquet":
        read_input(tmp_path / "in.csv").to_parquet(source)
    before = source.read_bytes()
    data = ["--data-dir", str(tables.data_dir)]
    out = tmp_path / "audited"
    argv = ["audit", str(source), "--engine", "spark", "--out", str(out), *data]
    assert main(argv) == 0
    assert "audited 60 rows" in capsys.readouterr().err
    assert (out / "_SUCCESS").exists() and source.read_bytes() == before
    got = pd.read_parquet(out)
    expected = audit_doses(read_input(source), tables=tables)
    assert plain(got) == plain(expected)
    assert main(argv) == 0  # an earlier Spark output is replaced
    assert {p.name for p in tmp_path.iterdir()} == {"audited", "in.csv", source.name}


@spark_test
def test_cli_engine_spark_failed_job_leaves_no_directory(spark, tables, tmp_path, capsys):
    source = tmp_path / "ragged.csv"
    source.write_text("treatment,dose,unit,frequency\nfixture_drug,1,mg,1\nx,1\n", "utf-8")
    data = ["--data-dir", str(tables.data_dir)]
    out = tmp_path / "audited"
    assert main(["audit", str(source), "--engine", "spark", "--out", str(out), *data]) == 1
    err = capsys.readouterr().err
    assert "Spark job failed" in err and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["ragged.csv"]
    assert main(["audit", str(source), "--engine", "spark", *data]) == 2  # --out is required
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    argv = ["audit", str(source), "--engine", "spark", "--out", str(tmp_path / "mine"), *data]
    assert main(argv) == 1 and (tmp_path / "mine" / "keep.txt").exists()  # a file error


def test_missing_java_is_a_parameter_error_naming_java_17_and_java_home(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    with pytest.raises(ParameterError, match="Java 17.*JAVA_HOME"):
        java_version()
    source = tmp_path / "in.csv"
    source.write_text("treatment,dose,unit,frequency\nfixture_drug,1,mg,1\n", "utf-8")
    argv = ["audit", str(source), "--engine", "spark", "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Java 17" in err and "JAVA_HOME" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.spark
def test_java_version_reads_the_machines_java():
    assert java_version() >= 17


def test_importing_calcidata_imports_no_pyspark():
    code = (
        "import sys\n"
        "import calcidata\n"
        "assert 'pyspark' not in sys.modules, 'import calcidata'\n"
        "sys.modules['pyspark'] = None  # as if pyspark were not installed\n"
        "import calcidata.audit\n"
        "assert calcidata.audit.audit_doses\n"
        "try:\n"
        "    calcidata.audit_spark(None)\n"
        "except calcidata.ParameterError as exc:\n"
        "    assert 'calcidata[spark]' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('no error without pyspark')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_pandas_engine_is_the_default_and_rejects_spark_options(tables, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("treatment,dose,unit,frequency\nfixture_drug,200,mg,TID\n", "utf-8")
    data = ["--data-dir", str(tables.data_dir)]
    assert main(["audit", str(source), "--master", "local[2]", *data]) == 2
    assert main(["audit", str(source), "--out", str(tmp_path / "o.csv"), *data]) == 0
    assert read_input(tmp_path / "o.csv")["status"].tolist() == ["within_range"]
    assert np.isclose(float(read_input(tmp_path / "o.csv")["daily_dose"][0]), 600)


@spark_test
def test_readme_spark_example_runs(spark, tmp_path, capsys):
    from .test_readme_reuse import reuse_blocks

    blocks = [code for lang, code in reuse_blocks() if lang == "pyspark"]
    assert len(blocks) == 1 and "audit_spark" in blocks[0]
    # Spark resolves relative paths against the JVM's directory, fixed when the session began.
    code = blocks[0].replace('"audited_spark"', repr(str(tmp_path / "audited_spark")))
    assert code != blocks[0]
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    shown = capsys.readouterr().out
    assert "within_range" in shown and "unknown_treatment" in shown
    audited = pd.read_parquet(tmp_path / "audited_spark")
    assert len(audited) == 3 and set(OUTPUT_COLUMNS) <= set(audited.columns)


@spark_test
@pytest.mark.parametrize(
    ("cells", "refused"),
    [
        (["x" * (3 << 20), "200", "mg", "TID"], True),  # one cell of 3 MiB
        (["x" * 300_000] * 2 + ["y" * 300_000] * 2, True),  # four cells, 1.2 MB together
        (["x" * 900_000, "200", "mg", "TID"], False),  # under 1 MiB: audited
    ],
    ids=["one_long_cell", "long_row_of_short_cells", "just_under"],
)
def test_both_engines_agree_on_rows_longer_than_a_block(
    spark, tables, tmp_path, capsys, cells, refused
):
    source = tmp_path / "rx.csv"
    source.write_text(
        "treatment,dose,unit,frequency\nfixture_drug,200,mg,TID\n" + ",".join(cells) + "\n"
    )
    data = ["--data-dir", str(tables.data_dir)]
    statuses = {}
    for engine, out in (("pandas", tmp_path / "p.parquet"), ("spark", tmp_path / "s")):
        statuses[engine] = main(
            ["audit", str(source), "--engine", engine, "--out", str(out), *data]
        )
        err = capsys.readouterr().err
        assert ("a row is longer than 1 MiB" in err) == refused, (engine, err)
        assert "Traceback" not in err and "internal error" not in err
    assert statuses == {"pandas": int(refused), "spark": int(refused)}
