"""A large text file prepared in a worker process (txip_geo/ingest/worker.py) gives exactly the store and the report
of the same import prepared in this process -- duplicates across chunks, title and blank rows, warnings, another
encoding, an upload's bytes -- refuses the same files with the same messages, and a worker that fails or dies rolls
the import back with nothing stored."""

from __future__ import annotations

import sys

import pytest

from tests.test_import_stream import HEADER, attempt_logged, patent_rows, stored, write
from txip_geo.errors import ImportRejected
from txip_geo.ingest import worker as import_worker
from txip_geo.ingest.pipeline import import_file
from txip_geo.ingest.read import Source
from txip_geo.ingest.report import ImportReport
from txip_geo.store.database import Store


def imported(tmp_path, monkeypatch, name: str, worker: str, f, **kw):
    """(store content, report dict or the rejection's report dict) of importing `f` with TXIP_IMPORT_WORKER=worker."""
    monkeypatch.setenv(import_worker.ENV, worker)
    calls = []
    original = import_worker.prepared_chunks
    monkeypatch.setattr(import_worker, "prepared_chunks", lambda *a, **k: calls.append(1) or original(*a, **k))
    store = Store(tmp_path / name / "txip.sqlite")
    try:
        rep = import_file(store, "patents", f, as_of="2026-10-31", **kw).to_dict()
    except ImportRejected as e:
        rep = e.report.to_dict()
    assert bool(calls) == (worker == "1")  # the worker was used exactly when asked for
    rep["import_id"] = None
    return stored(store), rep


def mixed_rows() -> list[list[str]]:
    rows = patent_rows(200)
    rows[150] = rows[2][:]  # duplicates across chunks
    rows[199] = rows[16][:]
    rows[100][0] = "ZL " + rows[3][0]
    rows.insert(50, [""] * len(HEADER))  # a blank row
    rows.insert(120, ["合计", "120"] + [""] * (len(HEADER) - 2))  # a total row
    rows[60][0] = "201580000060.0"  # a wrong check digit: a warning
    return rows


def test_worker_import_stores_and_reports_exactly_what_the_in_process_import_does(tmp_path, monkeypatch):
    f = write(tmp_path / "专利.csv", mixed_rows(), head="泰兴市专利清单" + "," * (len(HEADER) - 1) + "\n")
    here = imported(tmp_path, monkeypatch, "here", "0", f, chunk_rows=13)
    there = imported(tmp_path, monkeypatch, "there", "1", f, chunk_rows=13)
    assert here[1]["status"] == "imported" and here[1]["duplicates"] == 3 and here[1]["warnings"]
    assert there == here


def test_worker_import_of_an_upload_in_gb18030(tmp_path, monkeypatch):
    rows = patent_rows(90)
    text = "\n".join(",".join(r) for r in [HEADER, *rows]) + "\n"
    data = text.encode("gb18030")
    here = imported(
        tmp_path, monkeypatch, "here", "0", tmp_path / "none.csv", data=data, file_name="上传.csv", chunk_rows=25
    )
    there = imported(
        tmp_path, monkeypatch, "there", "1", tmp_path / "none.csv", data=data, file_name="上传.csv", chunk_rows=25
    )
    assert here[1]["rows_imported"] == 90
    assert there == here


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_worker_refuses_or_skips_bad_rows_as_the_in_process_import_does(tmp_path, monkeypatch, skip_invalid):
    rows = patent_rows(150)
    rows[140][0] = "abc"  # in the last chunk
    rows[5][2] = "昨天"
    f = write(tmp_path / "错.csv", rows)
    here = imported(tmp_path, monkeypatch, "here", "0", f, chunk_rows=40, skip_invalid=skip_invalid)
    there = imported(tmp_path, monkeypatch, "there", "1", f, chunk_rows=40, skip_invalid=skip_invalid)
    assert here[1]["status"] == ("imported" if skip_invalid else "rejected")
    assert there == here
    if not skip_invalid:
        assert "第 142 行「申请号」列：值“abc”" in there[1]["message"]
        assert not there[0]["rec_patents"]


def test_a_file_the_worker_cannot_read_is_refused_with_the_same_message(tmp_path, monkeypatch):
    f = tmp_path / "坏.csv"
    f.write_bytes(b"\xff\xfe\x00\x00" + bytes(range(256)) * 40)
    here = imported(tmp_path, monkeypatch, "here", "0", f)
    there = imported(tmp_path, monkeypatch, "there", "1", f)
    assert here[1]["status"] == "rejected" and "坏.csv" in here[1]["message"]
    assert there == here


def _store_with_one_import(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    import_file(store, "patents", write(tmp_path / "先.csv", patent_rows(5)), as_of="2026-10-31")
    return store, stored(store), sorted(store.files_dir.iterdir())


def test_a_worker_that_dies_rolls_the_import_back(tmp_path, monkeypatch):
    store, before, files = _store_with_one_import(tmp_path)
    monkeypatch.setenv(import_worker.ENV, "1")
    monkeypatch.setattr(import_worker, "_command", lambda: [sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(RuntimeError, match="导入进程意外退出（退出码 3），文件 大.csv 未导入"):
        import_file(store, "patents", write(tmp_path / "大.csv", patent_rows(100)), as_of="2026-10-31", chunk_rows=30)
    assert attempt_logged(store, before, "import_failed") and sorted(store.files_dir.iterdir()) == files


def test_what_the_worker_raises_is_raised_here_after_its_chunks_were_inserted(tmp_path, monkeypatch):
    store, before, files = _store_with_one_import(tmp_path)
    monkeypatch.setenv(import_worker.ENV, "1")
    # The worker gives two chunks, then fails.
    code = (
        "from txip_geo.ingest import worker as import_worker, importer\n"
        "real = importer.prepared_chunks\n"
        "def failing(*a, **k):\n"
        "    for i, chunk in enumerate(real(*a, **k)):\n"
        "        if i == 2:\n"
        "            raise LookupError('磁盘坏了')\n"
        "        yield chunk\n"
        "importer.prepared_chunks = failing\n"
        "import_worker._serve()\n"
    )
    monkeypatch.setattr(import_worker, "_command", lambda: [sys.executable, "-c", code])
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
    with pytest.raises(LookupError, match="磁盘坏了"):
        import_file(store, "patents", write(tmp_path / "大.csv", patent_rows(100)), as_of="2026-10-31", chunk_rows=30)
    assert len(inserted) == 2 and sum(inserted) >= 59  # its two chunks went in, then were rolled back
    assert attempt_logged(store, before, "import_failed") and sorted(store.files_dir.iterdir()) == files


def test_worker_is_used_for_large_text_files_only(tmp_path, monkeypatch):
    monkeypatch.delenv(import_worker.ENV, raising=False)
    monkeypatch.setattr(import_worker.os, "getloadavg", lambda: (0.2, 0.2, 0.2))  # an idle machine
    small = write(tmp_path / "p.csv", patent_rows(10))
    assert not import_worker.wanted(Source("p.csv", path=small))
    monkeypatch.setattr(import_worker, "MIN_BYTES", small.stat().st_size)
    assert import_worker.wanted(Source("p.csv", path=small))
    assert import_worker.wanted(Source("p.csv", data=small.read_bytes()))
    assert not import_worker.wanted(Source("p.xlsx", data=b"PK"))  # a workbook is read whole
    monkeypatch.setattr(import_worker.os, "cpu_count", lambda: 1)
    assert not import_worker.wanted(Source("p.csv", path=small))
    monkeypatch.setenv(import_worker.ENV, "1")
    assert import_worker.wanted(Source("p.csv", path=small))
    monkeypatch.setenv(import_worker.ENV, "0")
    monkeypatch.setattr(import_worker, "MIN_BYTES", 0)
    monkeypatch.setattr(import_worker.os, "cpu_count", lambda: 8)
    assert not import_worker.wanted(Source("p.csv", path=small))


def test_worker_is_not_used_when_the_second_core_is_busy(tmp_path, monkeypatch):
    """Measured: with the other core busy, the worker makes an import slower (docs/performance.md)."""
    monkeypatch.delenv(import_worker.ENV, raising=False)
    monkeypatch.setattr(import_worker, "MIN_BYTES", 0)
    monkeypatch.setattr(import_worker.os, "cpu_count", lambda: 2)
    if hasattr(import_worker.os, "sched_getaffinity"):
        monkeypatch.setattr(import_worker.os, "sched_getaffinity", lambda pid: {0, 1})
    small = write(tmp_path / "p.csv", patent_rows(10))
    monkeypatch.setattr(import_worker.os, "getloadavg", lambda: (0.3, 0.3, 0.3))
    assert import_worker.wanted(Source("p.csv", path=small))
    monkeypatch.setattr(import_worker.os, "getloadavg", lambda: (1.4, 1.0, 0.5))  # another job on the second core
    assert not import_worker.wanted(Source("p.csv", path=small))
    if hasattr(import_worker.os, "sched_getaffinity"):  # pinned to one core (taskset): no second core to use
        monkeypatch.setattr(import_worker.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
        monkeypatch.setattr(import_worker.os, "sched_getaffinity", lambda pid: {0})
        assert not import_worker.wanted(Source("p.csv", path=small))
    monkeypatch.setenv(import_worker.ENV, "1")  # the setting still forces it
    assert import_worker.wanted(Source("p.csv", path=small))


def test_a_consumer_that_stops_early_leaves_no_worker_behind(tmp_path, monkeypatch):
    started = []
    real_popen = import_worker.subprocess.Popen
    monkeypatch.setattr(
        import_worker.subprocess, "Popen", lambda *a, **k: started.append(real_popen(*a, **k)) or started[-1]
    )
    f = write(tmp_path / "p.csv", patent_rows(100))
    report = ImportReport(file_name="p.csv", kind="patents", as_of="2026-10-31")
    chunks = import_worker.prepared_chunks(
        "patents", Source("p.csv", path=f), report, as_of="2026-10-31", chunk_rows=20
    )
    assert len(next(chunks)) == 19  # the first 20 rows, less the header
    (proc,) = started
    assert proc.poll() is None  # still preparing the next chunks
    chunks.close()
    assert proc.poll() is not None  # stopped and reaped
