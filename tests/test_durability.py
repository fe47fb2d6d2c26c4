"""Nothing lost: concurrent imports, an import killed half-way, backup and restore.

* two processes import different files into one store at the same moment: both complete (one waits for the other's
  transaction), the counts are exact, and a backup taken meanwhile is always a consistent store;
* a process killed with SIGKILL inside its import transaction leaves the store readable, intact and without any of
  that file; importing the file again puts all of it in;
* backup → wipe → restore reproduces every figure and goal and every original file (zip and tar.gz), also over a
  store that changed after the backup and while a reader is connected, and from one backend to the other;
* a tampered, truncated, foreign or path-escaping archive is refused with a Chinese message and the store is untouched.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tarfile
import textwrap
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from support import child_env

from txip_geo.figures.compute import compute
from txip_geo.figures.goals import evaluate
from txip_geo.ingest.sample import sample_files
from txip_geo.store import backup as bk
from txip_geo.store.database import Store

ROOT = Path(__file__).resolve().parent.parent
TOWNS = ["黄桥镇", "横垛镇", "延令街道", "济川街道", "虹桥镇"]

# A subprocess that imports one file. It says STARTED once its Store is open, waits for GO on stdin, and says READY
# right before the import's transaction (Store.add_records) begins.
RUNNER = textwrap.dedent("""
    import sys

    from txip_geo.store.database import Store
    from txip_geo.ingest.pipeline import import_file

    db, kind, path = sys.argv[1:4]
    store = Store(db)
    original = Store.add_records

    def add_records(self, *a, **k):
        print("READY", flush=True)
        return original(self, *a, **k)

    Store.add_records = add_records
    print("STARTED", flush=True)
    sys.stdin.readline()
    rep = import_file(store, kind, path, as_of="2026-10-31", user=path)
    print("DONE", rep.status, rep.rows_imported, flush=True)
""")


# The demo store's imports (and original files): the sample's baseline and current files (ingest.sample).
SAMPLE_FILES = len(sample_files())


def cases_file(path: Path, prefix: str, n: int) -> Path:
    lines = ["案件编号,案件类别,立案日期,办理状态,结案日期,所属镇街,案由"]
    lines += [f"{prefix}{i},查处,2025-03-01,已结案,2025-04-01,{TOWNS[i % len(TOWNS)]},假冒专利{i}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def runner(tmp_path: Path, db: Path, kind: str, path: Path) -> subprocess.Popen:
    script = tmp_path / "runner.py"
    script.write_text(RUNNER, encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(script), str(db), kind, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )


def expect_line(proc: subprocess.Popen, word: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(word):
            return line.strip()
        if not line and proc.poll() is not None:
            raise AssertionError(f"runner ended before {word}: {proc.stderr.read()}")
    raise AssertionError(f"no {word} within {timeout}s")


def on_postgresql(db: Path) -> bool:
    return Store(db).backend == "postgresql"


def integrity(db: Path) -> str:
    if on_postgresql(db):  # no file of ours to check: the server keeps its own pages whole
        return "ok"
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def copying(con) -> bool:
    """A COPY into the records is running on the PostgreSQL server (an import inside its transaction)."""
    return bool(
        con.execute(
            "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY \"rec_cases\"%'"
        ).fetchone()
    )


def case_counts(db: Path) -> tuple[int, dict[str, int]]:
    con = Store(db).connect()  # the SQLite file, or its PostgreSQL schema (--db-backend=postgresql)
    try:
        total = con.execute("SELECT COUNT(*) FROM rec_cases").fetchone()[0]
        per = dict(
            con.execute(
                "SELECT i.file_name, COUNT(*) FROM rec_cases r JOIN imports i ON i.id = r.import_id "
                "GROUP BY i.file_name"
            )
        )
        return total, per
    finally:
        con.close()


# -- concurrency --------------------------------------------------------------------------------------------------


@pytest.mark.sqlite_only("holds SQLite's write lock and takes store.backup copies of the file meanwhile")
def test_two_processes_importing_at_the_same_time_both_complete_exactly(tmp_path):
    db = tmp_path / "store.sqlite"
    Store(db)
    a, b = cases_file(tmp_path / "甲.csv", "A", 6000), cases_file(tmp_path / "乙.csv", "B", 9000)
    procs = [runner(tmp_path, db, "cases", a), runner(tmp_path, db, "cases", b)]
    try:
        for p in procs:
            expect_line(p, "STARTED")
        # Hold the write lock, let both reach their transaction, then let them race for it: one must wait.
        lock = sqlite3.connect(db, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        for p in procs:
            p.stdin.write("GO\n")
            p.stdin.flush()
        for p in procs:
            expect_line(p, "READY")
        time.sleep(0.5)  # an absence (nothing written while the lock is held): no event to wait for, only time
        assert not (db.parent / "store-files").exists() or not list((db.parent / "store-files").iterdir())
        lock.execute("ROLLBACK")
        lock.close()

        # Backups taken while both write are consistent stores holding whole imports only.
        seen = set()
        while any(p.poll() is None for p in procs) or not seen:
            info = bk.backup(db, tmp_path / "during.zip")
            restored = tmp_path / f"r{len(seen)}" / "s.sqlite"
            bk.restore(info.path, restored)
            total, per = case_counts(restored)
            assert integrity(restored) == "ok"
            assert per in ({}, {"甲.csv": 6000}, {"乙.csv": 9000}, {"甲.csv": 6000, "乙.csv": 9000}), per
            assert total == sum(per.values())
            seen.add(tuple(sorted(per)))
            if len(seen) > 3:
                break
        outs = [p.communicate(timeout=60)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0], [p.stderr.read() if p.stderr else "" for p in procs]
    assert "DONE imported 6000" in outs[0] and "DONE imported 9000" in outs[1]
    total, per = case_counts(db)
    assert per == {"甲.csv": 6000, "乙.csv": 9000} and total == 15000
    assert integrity(db) == "ok"
    assert len(Store(db).imports()) == 2


# -- a killed import ------------------------------------------------------------------------------------------------


def test_an_import_killed_inside_its_transaction_leaves_nothing_of_the_file(tmp_path):
    db = tmp_path / "store.sqlite"
    store = Store(db)
    cases_file(tmp_path / "先.csv", "P", 50)
    store_before = Store(db)
    from txip_geo.ingest.pipeline import import_file

    import_file(store_before, "cases", tmp_path / "先.csv", as_of="2026-10-31")
    big = cases_file(tmp_path / "大台账.csv", "K", 60000)
    files_dir = store.files_dir
    before = set(files_dir.iterdir())

    # On PostgreSQL no file of ours grows: the server says when the records are being copied in.
    watch = Store(db).connect() if on_postgresql(db) else None
    proc = runner(tmp_path, db, "cases", big)
    try:
        expect_line(proc, "STARTED")
        proc.stdin.write("GO\n")
        proc.stdin.flush()
        expect_line(proc, "READY", timeout=90)
        # The original file is written inside the transaction, right after the import row: kill once it is there
        # and the write-ahead log has started to grow with the records.
        wal = db.with_name(db.name + "-wal")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if set(files_dir.iterdir()) - before and (
                copying(watch) if watch else (wal.exists() and wal.stat().st_size > 256 * 1024)
            ):
                break
            time.sleep(0.002)
        alive = proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    if watch:
        watch.close()
    assert alive, "the import finished before it could be killed"
    assert proc.returncode == -signal.SIGKILL

    # The store opens, is intact and holds none of the killed file.
    assert integrity(db) == "ok"
    total, per = case_counts(db)
    assert per == {"先.csv": 50} and total == 50
    imports = Store(db).imports()
    assert imports["file_name"].tolist() == ["先.csv"]
    assert len(compute(Store(db)).records["cases"]) == 50

    # Importing it again puts all of it in (the leftover original file is reused).
    rep = import_file(Store(db), "cases", big, as_of="2026-10-31")
    assert rep.status == "imported" and rep.rows_imported == 60000
    total, per = case_counts(db)
    assert per == {"先.csv": 50, "大台账.csv": 60000} and total == 60050


# -- backup and restore ---------------------------------------------------------------------------------------------


def figures_of(db: Path) -> dict:
    fs = compute(Store(db))
    return {
        "units": fs.units,
        "parks": fs.parks,
        "city": fs.city,
        "unassigned": fs.unassigned,
        "outside": fs.outside,
        "snapshots": fs.snapshots,
        "boundaries": fs.boundaries,
        "sample": fs.is_sample,
        "goals": evaluate(fs),
        **{f"records:{k}": v.drop(columns=["import_id"], errors="ignore") for k, v in fs.records.items()},
    }


def assert_same_figures(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], pd.DataFrame):
            pd.testing.assert_frame_equal(a[k].reset_index(drop=True), b[k].reset_index(drop=True), obj=k)
        else:
            assert json.dumps(a[k], sort_keys=True, default=str) == json.dumps(b[k], sort_keys=True, default=str), k


def originals(db: Path) -> dict[str, str]:
    fdir = bk.files_dir_of(db)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(fdir.iterdir())} if fdir.exists() else {}


def wipe(db: Path) -> Path:
    """The store gone: its SQLite file (and -wal/-shm) and its files folder deleted; returns where to restore it. On
    PostgreSQL (a schema named after the path): a store of a path never used, whose schema does not exist yet."""
    import shutil

    if on_postgresql(db):
        return db.parent / "wiped" / db.name
    for suffix in ("", "-wal", "-shm"):
        p = db.with_name(db.name + suffix)
        if p.exists():
            p.unlink()
    shutil.rmtree(bk.files_dir_of(db), ignore_errors=True)
    assert not db.exists()
    return db


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory, request):
    """The sample store, copied through a backup (the session's demo store is never written)."""
    demo_db = request.getfixturevalue("demo_db")
    folder = tmp_path_factory.mktemp("durable")
    info = bk.backup(demo_db, folder / "demo.zip")
    db = folder / "live" / "txip.sqlite"
    bk.restore(info.path, db)
    return db


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_backup_wipe_restore_reproduces_every_figure(demo_copy, tmp_path, fmt, capsys):
    from txip_geo.cli import main as cli

    db = tmp_path / "store" / "txip.sqlite"
    bk.restore(demo_copy.parent.parent / "demo.zip", db)
    before, files_before = figures_of(db), originals(db)
    assert len(files_before) == SAMPLE_FILES and before["sample"] is True

    out = tmp_path / f"备份.{fmt}"
    assert cli(["--db", str(db), "backup", str(out)]) == 0
    assert "已备份" in capsys.readouterr().out
    assert cli(["--db", str(db), "restore", str(out), "--check"]) == 0
    assert "完整" in capsys.readouterr().out
    db = wipe(db)
    assert cli(["--db", str(db), "restore", str(out)]) == 0
    assert "已从 备份." in capsys.readouterr().out

    assert integrity(db) == "ok"
    assert originals(db) == files_before
    assert_same_figures(before, figures_of(db))
    for r in Store(db).imports().itertuples():  # every import still finds its original file
        assert (db.parent / r.stored_path).is_file()


def test_restore_over_a_changed_live_store_with_a_reader_connected(demo_copy, tmp_path):
    from txip_geo.ingest.pipeline import import_file

    db = tmp_path / "live.sqlite"
    bk.restore(demo_copy.parent.parent / "demo.zip", db)
    before = figures_of(db)
    info = bk.backup(db, tmp_path / "b.zip")

    import_file(Store(db), "cases", cases_file(tmp_path / "后来.csv", "N", 40), as_of="2026-11-30")
    reader = Store(db).connect() if on_postgresql(db) else sqlite3.connect(db)  # the app's, open during a restore
    assert reader.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == SAMPLE_FILES + 1
    bk.restore(info.path, db, user="管理员")
    assert reader.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == SAMPLE_FILES  # the restored store
    reader.close()
    assert integrity(db) == "ok"
    assert_same_figures(before, figures_of(db))
    assert not list(tmp_path.glob(".txip-restore-*"))  # staging removed


def test_restore_into_a_store_of_another_name_relinks_the_original_files(demo_copy, tmp_path):
    db = tmp_path / "其他" / "another.sqlite"
    bk.restore(demo_copy.parent.parent / "demo.zip", db)
    paths = Store(db).imports()["stored_path"]
    assert paths.str.startswith("another-files/").all()
    assert all((db.parent / p).is_file() for p in paths)


def test_an_archive_moves_between_the_backends_with_every_figure(demo_copy, pg_server, tmp_path, monkeypatch, capsys):
    """One archive format for both backends (issue #21): the suite's store → a postgresql:// store (the CLI's
    restore/backup with --db URL) → back to a store of the suite's backend, the same figures, original files and
    audit trail at each step."""
    from txip_geo.cli import main as cli

    monkeypatch.setenv("TXIP_FILES_DIR", str(tmp_path / "pg"))
    archive = demo_copy.parent.parent / "demo.zip"
    before = figures_of(demo_copy)
    url = f"{pg_server}&schema=b_{tmp_path.name[-12:].lower().replace('-', '_')}x"
    assert cli(["--db", url, "restore", str(archive), "--user", "管理员"]) == 0
    assert "已从 demo.zip" in capsys.readouterr().out
    moved = Store(url)
    assert moved.backend == "postgresql"
    assert_same_figures(before, figures_of(url))
    assert all((moved.path.parent / p).is_file() for p in moved.imports()["stored_path"])
    assert moved.audit_log()["action"].iloc[0] == "restore"

    assert cli(["--db", url, "backup", str(tmp_path / "从PG.zip")]) == 0
    assert "已备份" in capsys.readouterr().out
    info = bk.verify(tmp_path / "从PG.zip")
    assert info.counts == bk.verify(archive).counts
    back = tmp_path / "back" / "txip.sqlite"
    bk.restore(info.path, back)
    assert_same_figures(before, figures_of(back))
    assert originals(back) == originals(demo_copy)
    assert Store(back).audit_log()["detail"].tolist()[1:] == moved.audit_log()["detail"].tolist()


@pytest.mark.sqlite_only("the store file is overwritten with bytes that are no SQLite database")
def test_a_file_that_is_not_a_database_is_kept_aside(demo_copy, tmp_path):
    db = tmp_path / "broken.sqlite"
    db.write_bytes(b"this is not sqlite" * 100)
    bk.restore(demo_copy.parent.parent / "demo.zip", db)
    assert integrity(db) == "ok" and len(Store(db).imports()) == SAMPLE_FILES
    assert len(list(tmp_path.glob("broken.sqlite.broken-*"))) == 1


# -- refused archives -----------------------------------------------------------------------------------------------


def _members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in members.items():
            z.writestr(n, d)
    return path


def _tampered(good: Path, tmp: Path) -> dict[str, tuple[Path, str]]:
    m = _members(good)
    manifest = json.loads(m["manifest.json"])
    some_file = next(n for n in m if n.startswith("files/"))
    out: dict[str, tuple[Path, str]] = {}

    flipped = dict(m)
    flipped[some_file] = m[some_file][:-1] + bytes([m[some_file][-1] ^ 1])
    out["flipped byte"] = (_zip(tmp / "flipped.zip", flipped), "校验和不符")

    # The database edited and the manifest's checksum updated to match: the counts give it away.
    edited_db = tmp / "edited.sqlite"
    edited_db.write_bytes(m["db/store.sqlite"])
    con = sqlite3.connect(edited_db)
    con.execute("DELETE FROM rec_patents WHERE rowid % 2 = 0")
    con.commit()
    con.execute("VACUUM")
    con.close()
    data = edited_db.read_bytes()
    forged = dict(
        manifest, db={"member": "db/store.sqlite", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    )
    out["edited database"] = (
        _zip(tmp / "edited.zip", {**m, "db/store.sqlite": data, "manifest.json": json.dumps(forged).encode()}),
        "数据库内容与清单不符",
    )
    out["missing member"] = (_zip(tmp / "missing.zip", {k: v for k, v in m.items() if k != some_file}), "缺少")
    out["extra member"] = (_zip(tmp / "extra.zip", {**m, "files/额外.csv": b"x"}), "不在清单中")
    out["no manifest"] = (
        _zip(tmp / "nomanifest.zip", {k: v for k, v in m.items() if k != "manifest.json"}),
        "缺少 manifest.json",
    )
    out["foreign zip"] = (_zip(tmp / "foreign.zip", {"专利.csv": b"a,b\n1,2\n"}), "不属于备份的文件")
    out["foreign manifest"] = (_zip(tmp / "foreign2.zip", {"manifest.json": b'{"format": "other"}'}), "格式标记不符")
    out["newer version"] = (
        _zip(tmp / "newer.zip", {**m, "manifest.json": json.dumps(dict(manifest, version=99)).encode()}),
        "比本程序支持的 1 新",
    )
    out["zip slip"] = (_zip(tmp / "slip.zip", {**m, "files/../../evil.csv": b"x"}), "不属于备份的文件")
    out["absolute path"] = (_zip(tmp / "abs.zip", {**m, "/tmp/evil.csv": b"x"}), "不属于备份的文件")
    (tmp / "truncated.zip").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    out["truncated"] = (tmp / "truncated.zip", "损坏")
    (tmp / "random.zip").write_bytes(os.urandom(5000))
    out["not an archive"] = (tmp / "random.zip", "既不是 zip 也不是 tar.gz")

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        info = tarfile.TarInfo("files/link.csv")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        t.addfile(info)
    (tmp / "link.tar.gz").write_bytes(buf.getvalue())
    out["symlink in tar"] = (tmp / "link.tar.gz", "不是普通文件")
    return out


def test_a_tampered_or_foreign_archive_is_refused_and_the_store_untouched(demo_copy, tmp_path, capsys):
    from txip_geo.cli import main as cli

    db = tmp_path / "live" / "txip.sqlite"
    bk.restore(demo_copy.parent.parent / "demo.zip", db)
    good = bk.backup(db, tmp_path / "good.zip").path
    # The live store moves on after the backup: a refused restore must leave it exactly so.
    from txip_geo.ingest.pipeline import import_file

    import_file(Store(db), "cases", cases_file(tmp_path / "新.csv", "T", 30), as_of="2026-11-30")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    db_hash, files_before = hashlib.sha256(db.read_bytes()).hexdigest(), originals(db)

    for what, (archive, reason) in _tampered(good, tmp_path).items():
        with pytest.raises(bk.BackupError) as e:
            bk.restore(archive, db)
        msg = str(e.value)
        assert reason in msg and msg.endswith("数据库未改动。"), (what, msg)
        assert hashlib.sha256(db.read_bytes()).hexdigest() == db_hash, what
        assert originals(db) == files_before, what
        assert not list(db.parent.glob(".txip-restore-*")), what
        assert not (tmp_path / "evil.csv").exists() and not Path("/tmp/evil.csv").exists()
    assert cli(["--db", str(db), "restore", str(tmp_path / "flipped.zip")]) == 2
    assert "校验和不符" in capsys.readouterr().err
    assert len(Store(db).imports()) == SAMPLE_FILES + 1  # the import made after the backup is still there
