"""The bulk record insert (store.bulk): records go to SQLite as Arrow columns through a scratch copy, and what is stored
is exactly what binding each value with executemany stored -- the same values, the same storage classes (typeof),
NULL where a value is missing -- for text (CJK, empty), numbers, dates, one row and none; a column Arrow would type
otherwise is bound as before; an import that fails midway leaves the store as it was and no scratch file behind."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import generate
from txip_geo.errors import ImportRejected
from txip_geo.ingest.pipeline import import_file
from txip_geo.store import bulk
from txip_geo.store.database import Store, _sql_values

# declared types as the record tables have them, and one column without a type
TABLE = 'CREATE TABLE r ("t" TEXT, "r" REAL, "i" INTEGER, "b" INTEGER, "u", "f" REAL, "n" TEXT)'


def frame(n: int) -> pd.DataFrame:
    """n rows of every kind of column an import frame has, with missing values, CJK and empty text, edge numbers."""
    text = ["泰兴市黄桥镇府前路1号", "", None, "济川街道", "a'b\"c", "ZL 2015 1 0100001.7"]
    floats = [120.05, np.nan, -0.0, 1e308, 0.1 + 0.2, 32.17]
    ints = [0, -5, 2**62, 7, 1, 12]
    cols = {
        "t": pd.Series([text[i % 6] for i in range(n)], dtype="str"),  # pandas' string dtype (NaN missing)
        "r": pd.Series([floats[i % 6] for i in range(n)], dtype="float64"),
        "i": pd.Series([ints[i % 6] for i in range(n)], dtype="int64"),
        "b": pd.Series([i % 3 == 0 for i in range(n)], dtype="bool"),
        "u": pd.Series([["2015-01-02", None, "有效"][i % 3] for i in range(n)], dtype=object),  # dates as text
        "f": pd.Series([[1.0, None, 2.5][i % 3] for i in range(n)], dtype="Float64"),
        "n": pd.Series([None] * n, dtype=object),  # a column the file did not have
    }
    return pd.DataFrame(cols)


def more_columns(n: int) -> dict[str, pd.Series]:
    """Further dtypes, each stored into the typed columns above by name."""
    return {
        "i": pd.Series([[1.0, None, 2.5][i % 3] for i in range(n)], dtype="Float64"),  # check_ok in INTEGER
        "b": pd.Series([[2015, None, 1][i % 3] for i in range(n)], dtype="Int64"),
        "n": pd.Series([[True, None, False][i % 3] for i in range(n)], dtype="boolean"),  # into a TEXT column
        "u": pd.Series([[3, None, 4][i % 3] for i in range(n)], dtype=object),  # Python ints in an object column
        "r": pd.Series([float(i % 4) for i in range(n)], dtype="float32"),
        "t": pd.Series([[1.5, 2.0, None][i % 3] for i in range(n)], dtype="float64"),  # numbers into a TEXT column
        "f": pd.Series([i % 2 for i in range(n)], dtype="int64"),  # integers into a REAL column
    }


def stored(con) -> list[tuple]:
    cols = ["t", "r", "i", "b", "u", "f", "n"]
    sel = ", ".join(f'"{c}", typeof("{c}")' for c in cols)
    return con.execute(f"SELECT rowid, {sel} FROM r ORDER BY rowid").fetchall()


def both_ways(tmp_path: Path, records: pd.DataFrame) -> tuple[list, list]:
    """`records` inserted by binding each value (executemany over _sql_values) and by store.bulk."""
    cols = list(records.columns)
    out = []
    for name in ("bound", "bulk"):
        con = sqlite3.connect(tmp_path / f"{name}.sqlite", isolation_level=None)
        con.execute(TABLE)
        con.execute("BEGIN IMMEDIATE")
        if name == "bound":
            marks = ", ".join("?" for _ in cols)
            sql = f"INSERT INTO r ({', '.join(cols)}) VALUES ({marks})"
            con.executemany(sql, zip(*(_sql_values(records[c]) for c in cols)))
        else:
            assert bulk.insert(con, "r", records, cols)  # taken, not fallen back from
        con.execute("COMMIT")
        out.append(stored(con))
        con.close()
    return out[0], out[1]


@pytest.mark.parametrize("n", [0, 1, 6, 1000])
def test_bulk_stores_the_values_and_types_binding_each_value_stores(tmp_path, n):
    bound, bulked = both_ways(tmp_path, frame(n))
    assert bulked == bound and len(bound) == n
    if n >= 6:
        types = {(row[1], row[2]) for row in bound} | {(row[3], row[4]) for row in bound}
        assert ("泰兴市黄桥镇府前路1号", "text") in types and ("", "text") in types and (None, "null") in types
        assert {row[10] for row in bound} == {"text", "null"}  # dates stay text
        assert {row[11:13] for row in bound} == {(1.0, "real"), (None, "null"), (2.5, "real")}  # Float64
        assert {row[7:9] for row in bound} == {(1, "integer"), (0, "integer")}  # bools as 0/1


@pytest.mark.parametrize("n", [1, 9])
def test_other_dtypes_are_stored_as_binding_each_value_stores_them(tmp_path, n):
    records = frame(n).assign(**more_columns(n))
    bound, bulked = both_ways(tmp_path, records)
    assert bulked == bound
    if n == 9:
        assert {row[1:3] for row in bound} == {("1.5", "text"), ("2.0", "text"), (None, "null")}
        assert {row[11:13] for row in bound} == {(0.0, "real"), (1.0, "real")}
        assert {row[5:7] for row in bound} == {(1, "integer"), (None, "null"), (2.5, "real")}
        assert {row[13:15] for row in bound} == {("1", "text"), (None, "null"), ("0", "text")}


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([1, "a", None], dtype=object),  # numbers and text in one column
        pd.Series([1, 2.5, None], dtype=object),  # Arrow would make the 1 a 1.0
        pd.Series([dt.date(2015, 1, 2), None, dt.date(2016, 3, 4)], dtype=object),
        pd.Series(pd.to_datetime(["2015-01-02", None, "2016-03-04"])),
        pd.Series([b"x", None, b"y"], dtype=object),
    ],
    ids=["mixed", "int-and-float", "dates", "datetime64", "bytes"],
)
def test_a_column_arrow_would_type_otherwise_is_left_to_binding(tmp_path, column):
    records = frame(3).assign(u=column)
    con = sqlite3.connect(tmp_path / "s.sqlite", isolation_level=None)
    con.execute(TABLE)
    con.execute("BEGIN IMMEDIATE")
    assert bulk.arrow_column(column) is None
    assert not bulk.insert(con, "r", records, list(records.columns))
    assert con.execute("SELECT COUNT(*) FROM r").fetchone() == (0,)
    con.execute("ROLLBACK")


def store_content(path: Path) -> dict:
    """Every table of a SQLite store, values with their storage classes, but the timestamps and the stored path."""
    con = sqlite3.connect(path)
    try:
        out = {}
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"):
            skip = ("imported_at", "at", "stored_path")
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")') if r[1] not in skip]
            sel = ", ".join(f'"{c}", typeof("{c}")' for c in cols)
            out[t] = con.execute(f'SELECT {sel} FROM "{t}" ORDER BY rowid').fetchall()
        return out
    finally:
        con.close()


@pytest.fixture
def patents_csv(tmp_path) -> Path:
    path = tmp_path / "专利.csv"
    generate.write_csv(generate.patent_frame(2500, seed=7), path)
    return path


@pytest.mark.sqlite_only("the SQLite record insert (PostgreSQL loads records with COPY)")
def test_an_import_stores_the_same_rows_either_way(tmp_path, patents_csv, monkeypatch):
    monkeypatch.setattr(bulk, "ROWS", 700)  # several slices per chunk, a short last one
    real, taken = bulk.insert, []
    stores = {}
    for name, insert in (("bound", lambda *a: False), ("bulk", lambda *a: taken.append(len(a[2])) or real(*a))):
        monkeypatch.setattr(bulk, "insert", insert)
        store = Store(tmp_path / name / "txip.sqlite")
        rep = import_file(store, "patents", patents_csv, as_of="2026-10-31", user="t", chunk_rows=1000)
        assert rep.status == "imported" and rep.rows_imported == 2500
        stores[name] = store_content(store.path)
    assert sum(taken) == 2500 and len(taken) == 5 and max(taken) == 700  # two slices for each chunk of 1000
    assert stores["bulk"] == stores["bound"]
    patents = stores["bulk"]["rec_patents"]
    assert len(patents) == 2500 and {row[1] for row in patents} == {"integer"}  # import_id
    assert any(v is None for row in patents for v in row) and any("泰兴市" in str(v) for v in patents[0])


def failing_third_write(monkeypatch, scratch: Path, error: BaseException) -> list:
    """The ADBC driver's third scratch write raises `error` (its scratch file exists then); the calls made."""
    real, calls = bulk._adbc.connect, []

    def connect(path, **kw):
        calls.append(path)
        assert Path(path).parent == scratch and Path(path).exists()
        if len(calls) == 3:
            raise error
        return real(path, **kw)

    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(bulk, "ROWS", 400)
    monkeypatch.setattr(bulk._adbc, "connect", connect)
    return calls


@pytest.mark.sqlite_only("the SQLite record insert's scratch files")
def test_an_import_failing_midway_leaves_the_store_and_no_scratch_file(tmp_path, patents_csv, monkeypatch):
    store = Store(tmp_path / "s" / "txip.sqlite")
    import_file(store, "patents", patents_csv, as_of="2026-11-30", user="t", chunk_rows=1000)
    before, files_before = store_content(store.path), sorted(store.files_dir.iterdir())
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    calls = failing_third_write(monkeypatch, scratch, MemoryError("scratch"))
    with pytest.raises(MemoryError):
        import_file(store, "patents", patents_csv, as_of="2026-10-31", user="t", chunk_rows=1000)
    assert len(calls) == 3 and list(scratch.iterdir()) == []
    after = store_content(store.path)
    assert after.pop("audit")[-1][4] == "import_failed"  # the attempt is logged, nothing else changed
    before.pop("audit")
    assert after == before and sorted(store.files_dir.iterdir()) == files_before


@pytest.mark.sqlite_only("the SQLite record insert's scratch files")
def test_a_scratch_copy_that_cannot_be_written_sends_its_slice_through_binding(tmp_path, patents_csv, monkeypatch):
    bound = Store(tmp_path / "bound" / "txip.sqlite")
    with monkeypatch.context() as m:
        m.setattr(bulk, "insert", lambda *a: False)
        import_file(bound, "patents", patents_csv, as_of="2026-10-31", user="t", chunk_rows=1000)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    calls = failing_third_write(monkeypatch, scratch, OSError(28, "No space left on device"))
    store = Store(tmp_path / "bulk" / "txip.sqlite")
    rep = import_file(store, "patents", patents_csv, as_of="2026-10-31", user="t", chunk_rows=1000)
    assert rep.rows_imported == 2500 and len(calls) == 8 and list(scratch.iterdir()) == []  # 3 + 3 + 2 slices
    assert store_content(store.path) == store_content(bound.path)


@pytest.mark.sqlite_only("the SQLite record insert's scratch files")
def test_a_refused_late_chunk_stores_nothing_and_leaves_no_scratch_file(tmp_path, patents_csv, monkeypatch):
    rows = patents_csv.read_text(encoding="utf-8-sig").splitlines()
    head = rows[0].split(",")
    bad = rows[2200].split(",")
    bad[head.index("申请日")] = "昨天"
    rows[2200] = ",".join(bad)
    patents_csv.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    store = Store(tmp_path / "s" / "txip.sqlite")
    before = store_content(store.path)
    taken = []
    real = bulk.insert
    monkeypatch.setattr(bulk, "insert", lambda *a: taken.append(len(a[2])) or real(*a))
    with pytest.raises(ImportRejected):
        import_file(store, "patents", patents_csv, as_of="2026-10-31", user="t", chunk_rows=1000)
    assert (
        len(taken) == 2 and sum(taken) > 1900
    )  # two chunks went in before the third was refused, and were rolled back
    after = store_content(store.path)
    assert [row[4] for row in after.pop("audit")] == ["import_refused"]
    before.pop("audit")
    assert after == before and list(scratch.iterdir()) == []
