"""The streamed import: a text file read, checked, located and inserted in chunks inside one transaction gives exactly
the store and the report of one pass over the whole file -- duplicates across chunk boundaries, problems listed in
the same order, title rows and header detection, blank and total rows -- and a problem in a late chunk refuses the
whole file with nothing stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from txip_geo.errors import ImportRejected
from txip_geo.ingest import importer
from txip_geo.ingest.importer import prepare
from txip_geo.ingest.pipeline import import_file, store_layers
from txip_geo.store.database import Store

HEADER = ["申请号", "申请人", "申请日", "专利类型", "法律状态", "所属镇街", "地址", "经度", "纬度", "坐标系"]
TOWNS = ["黄桥镇", "", "延令街道", "", "虹桥镇"]


def number(i: int) -> str:
    """A valid 12-digit application number (with its check digit) of the year 2015, serial i."""
    base = f"2015{1 + i % 2}{100000 + i:07d}"
    s = sum(int(c) * w for c, w in zip(base, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])) % 11
    return f"{base}.{'X' if s == 10 else s}"


def patent_rows(n: int) -> list[list[str]]:
    rows = []
    for i in range(n):
        lon, lat, datum = ("120.05", "32.17", ["", "WGS84", "GCJ02"][i % 3]) if i % 7 == 0 else ("", "", "")
        rows.append(
            [
                number(i),
                f"泰兴第{i % 40}公司",
                f"2015-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "发明" if i % 2 == 0 else "实用新型",
                ["有效", "审中", "失效"][i % 3],
                TOWNS[i % 5],
                f"泰兴市{['黄桥镇', '分界镇', '七圩镇', '济川街道'][i % 4]}府前路{i % 50}号",
                lon,
                lat,
                datum,
            ]
        )
    return rows


def write(path: Path, rows: list[list[str]], head: str = "") -> Path:
    text = head + "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def stored(store: Store) -> dict:
    """Every table but the timestamps, with their stored types (SQLite's typeof; on PostgreSQL pg_typeof, the rows
    of a table without rowid in the order of all their values)."""
    pg = store.backend == "postgresql"
    con = store.connect() if pg else sqlite3.connect(store.path)
    try:
        out = {}
        names = con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        for (t,) in names.fetchall():
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")') if r[1] not in ("imported_at", "at")]
            sel = ", ".join(f'"{c}", pg_typeof("{c}")::text' if pg else f'"{c}", typeof("{c}")' for c in cols)
            order = "rowid" if not pg or t.startswith("rec_") else ", ".join(str(2 * i + 1) for i in range(len(cols)))
            out[t] = con.execute(f'SELECT {sel} FROM "{t}" ORDER BY {order}').fetchall()
        assert out["imports"] or out["boundaries"]  # a store, not an empty file
        return out
    finally:
        con.close()


def attempt_logged(store: Store, before: dict, action: str) -> bool:
    """The store as `before` (stored()) but for one more audit entry: the attempt (`action`); nothing else
    changed."""
    now = stored(store)
    assert {k: v for k, v in now.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    old, audit = before["audit"], now["audit"]
    assert audit[: len(old)] == old and [row[4] for row in audit[len(old) :]] == [action]
    return True


def both(tmp_path: Path, f: Path, chunk_rows: int, **kw):
    """The same file imported whole and in chunks of `chunk_rows`: (stores' content, reports)."""
    results = []
    for name, rows in (("whole", None), ("chunked", chunk_rows)):
        store = Store(tmp_path / name / "txip.sqlite")
        try:
            rep = import_file(store, "patents", f, as_of="2026-10-31", chunk_rows=rows, **kw).to_dict()
        except ImportRejected as e:
            rep = e.report.to_dict()
        results.append((stored(store), rep))
    return results


@pytest.mark.parametrize("chunk_rows", [13, 64])
def test_chunked_import_stores_and_reports_exactly_what_a_whole_file_pass_does(tmp_path, chunk_rows):
    rows = patent_rows(200)
    # duplicates across chunk boundaries (the first row of a number wins) and within a chunk
    rows[150] = rows[2][:]
    rows[151] = rows[2][:]
    rows[199] = rows[16][:]
    rows[100][0] = "ZL " + rows[3][0]  # the same number written another way
    rows.insert(50, [""] * len(HEADER))  # a blank row
    rows.insert(120, ["合计", "120"] + [""] * (len(HEADER) - 2))  # a total row mid-file
    rows[60][0] = "201580000060.0"  # a wrong check digit: a warning
    f = write(tmp_path / "专利.csv", rows, head="泰兴市专利清单" + "," * (len(HEADER) - 1) + "\n")
    (whole, rep_whole), (chunked, rep_chunked) = both(tmp_path, f, chunk_rows)
    assert rep_whole["status"] == "imported" and rep_whole["duplicates"] == 4 and rep_whole["header_row"] == 2
    assert rep_whole["warnings"] and rep_whole["skipped"] and rep_whole["methods"]
    rep_whole["import_id"] = rep_chunked["import_id"] = None
    assert rep_chunked == rep_whole
    assert chunked == whole


def test_problems_of_many_chunks_are_listed_as_one_pass_lists_them(tmp_path):
    rows = patent_rows(300)
    for i, datum in [(14, "XYZ"), (280, "ABC"), (21, "XYZ"), (287, "BD-09"), (7, "BD-09"), (150, "XYZ")]:
        rows[i][7:10] = ["120.05", "32.17", datum]
    rows[250][2] = "2023年13月1日"
    rows[5][2] = "昨天"
    rows[260][0] = "abc"
    rows[270][4] = "莫名"
    f = write(tmp_path / "错.csv", rows)
    for skip in (False, True):
        folder = tmp_path / f"skip{skip}"
        folder.mkdir()
        (whole, rep_whole), (chunked, rep_chunked) = both(folder, f, 40, skip_invalid=skip)
        assert len(rep_whole["errors"]) == 10 and rep_whole["status"] == ("imported" if skip else "rejected")
        rep_whole["import_id"] = rep_chunked["import_id"] = None
        assert rep_chunked == rep_whole
        assert chunked == whole


def test_an_error_in_a_late_chunk_refuses_the_whole_file_and_stores_nothing(tmp_path, monkeypatch):
    store = Store(tmp_path / "s.sqlite")
    import_file(store, "patents", write(tmp_path / "先.csv", patent_rows(5)), as_of="2026-10-31")
    before, files_before = stored(store), sorted(store.files_dir.iterdir())
    rows = patent_rows(300)
    rows[280][0] = "abc"
    inserted = []
    original = Store._insert_frame
    monkeypatch.setattr(
        Store,
        "_insert_frame",
        staticmethod(
            lambda con, kind, import_id, records: (
                inserted.append(len(records)) or original(con, kind, import_id, records)
            )
        ),
    )
    with pytest.raises(ImportRejected) as e:
        import_file(store, "patents", write(tmp_path / "大.csv", rows), as_of="2026-10-31", chunk_rows=60)
    assert "第 282 行「申请号」列：值“abc”" in e.value.report.message
    assert sum(inserted) >= 150  # the earlier chunks were inserted inside the transaction, then rolled back
    assert attempt_logged(store, before, "import_refused") and sorted(store.files_dir.iterdir()) == files_before


def test_header_is_found_below_title_rows_when_chunks_are_smaller_than_the_header_scan(tmp_path):
    pad = "," * (len(HEADER) - 1)  # title rows as Excel saves them: as wide as the table
    title = f"2026年泰兴市专利台账{pad}\n制表单位：市场监管局{pad}\n\n"
    f = write(tmp_path / "台账.csv", patent_rows(14), head=title)
    rep = import_file(Store(tmp_path / "s.sqlite"), "patents", f, chunk_rows=4)
    assert rep.header_row == 4 and rep.rows_read == 14 and rep.rows_imported == 14
    assert rep.columns["申请号"] == "app_no"


def test_a_file_on_disk_is_never_read_whole(tmp_path, monkeypatch):
    f = write(tmp_path / "p.csv", patent_rows(30))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"read whole: {self}"))
    rep = import_file(Store(tmp_path / "s.sqlite"), "patents", f, chunk_rows=8)
    assert rep.rows_imported == 30


def test_preview_keeps_the_first_records_and_reports_the_whole_file(tmp_path):
    rows = patent_rows(120)
    rows[100] = rows[1][:]
    data = write(tmp_path / "p.csv", rows).read_bytes()
    store = Store(tmp_path / "s.sqlite")
    full, rep_full = prepare("patents", data, "p.csv", as_of="2026-10-31", layers=store_layers(store))
    head, rep = prepare(
        "patents", data, "p.csv", as_of="2026-10-31", layers=store_layers(store), head=20, chunk_rows=30
    )
    assert len(full) == 119 and len(head) == 20 and rep.to_dict() == rep_full.to_dict()
    assert head.equals(full.head(20))
    assert store.imports().empty


def test_default_chunk_size(tmp_path, monkeypatch):
    """CHUNK_ROWS is what an import uses unless told otherwise."""
    seen = []
    original = Store._insert_frame
    monkeypatch.setattr(importer, "CHUNK_ROWS", 25)
    monkeypatch.setattr(
        Store,
        "_insert_frame",
        staticmethod(
            lambda con, kind, import_id, records: seen.append(len(records)) or original(con, kind, import_id, records)
        ),
    )
    import_file(Store(tmp_path / "s.sqlite"), "patents", write(tmp_path / "p.csv", patent_rows(60)))
    assert seen == [24, 25, 11]  # the first chunk read holds the header row
