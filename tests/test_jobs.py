"""Imports as background jobs (txip_geo.store.jobs, txip_geo.store.job_runner, the 数据 page, the CLI): a queued file
imported by a worker gives the same figures as the same file imported directly; a refused file fails its job with
the refusal's Chinese message; a worker SIGKILLed mid-import leaves the store as it was and its job failed with a
reason (marked by the next worker, or by a stale heartbeat); a worker dies with its parent; two workers never run
the same job; the 数据 page lists queued, running and done jobs with a progress bar and the report."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from support import copy_store

from tests.test_import_stream import HEADER, patent_rows
from txip_geo.cli import main as cli
from txip_geo.ingest.pipeline import import_file
from txip_geo.store import job_runner, jobs
from txip_geo.store.database import Store
from txip_geo.strings import t

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-30"  # after the sample's snapshot: the new file is the current patent snapshot


def cli_json(*args) -> object:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli(list(args)) == 0
    return json.loads(out.getvalue())


def patent_csv(path: Path, n: int, extra: list[str] | None = None) -> Path:
    lines = [",".join(HEADER), *(",".join(r) for r in patent_rows(n))] + (extra or [])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def store_state(store: Store) -> tuple:
    """Every import and the count of records of each kind and of the patent aggregates."""
    with store.reading() as con:
        imports = con.execute("SELECT id, kind, sha256, rows_imported FROM imports ORDER BY id").fetchall()
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        counts = {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in tables if n != "sqlite_sequence"}
    counts.pop("audit", None)  # a refusal or failure is logged: that is its point
    return imports, counts


def test_a_queued_import_gives_the_figures_of_a_direct_import(demo_db, tmp_path):
    direct = copy_store(demo_db, tmp_path / "direct.sqlite")
    queued = copy_store(demo_db, tmp_path / "queued.sqlite")
    f = patent_csv(tmp_path / "专利.csv", 300)
    rep = import_file(direct, "patents", f, as_of=AS_OF, user="ed")

    q = jobs.for_store(queued)
    job_id = q.enqueue("patents", f, f.name, options={"as_of": AS_OF, "skip_invalid": False}, who="ed")
    assert q.get(job_id).state == "queued" and queued.imports()["kind"].tolist().count("patents") == 2
    assert job_runner.run_worker(queued, once=True, nice=0, log=lambda _: None) == 1

    job = q.get(job_id)
    assert job.state == "done", job.error
    assert job.message == rep.message and job.rows_done == rep.rows_imported == 300
    assert job.report["warnings"] == rep.to_dict()["warnings"] and job.import_id == queued.last_import_id()
    assert not q.path_of(job).exists()  # the queued copy is gone; the import keeps the original
    for what in ("summary", "goals"):
        assert cli_json("--db", str(queued.path), what, "--format", "json") == cli_json(
            "--db", str(direct.path), what, "--format", "json"
        )
    log = queued.audit_log(1).iloc[0]
    assert (log["action"], log["user"]) == ("import", "ed") and "专利.csv" in log["detail"]


def test_a_refused_file_fails_its_job_with_the_message_and_changes_nothing(demo_db, tmp_path):
    store = copy_store(demo_db, tmp_path / "s.sqlite")
    before = store_state(store)
    bad = patent_csv(tmp_path / "坏.csv", 5, extra=["201510100099.1,甲公司,2015-13-45,发明,有效,黄桥镇,,,,"])
    q = jobs.for_store(store)
    job_id = q.enqueue("patents", bad, bad.name, options={"as_of": AS_OF}, who="ed")
    job_runner.run_worker(store, once=True, nice=0, log=lambda _: None)
    job = q.get(job_id)
    assert job.state == "failed" and job.finished_at
    assert "坏.csv" in job.error and "第 7 行" in job.error, job.error
    assert job.report["errors"] and store_state(store) == before
    assert store.audit_log(1).iloc[0]["action"] == "import_refused"


def test_an_empty_queue_and_unchanged_file(tmp_path):
    store = Store(tmp_path / "e.sqlite")
    q = jobs.for_store(store)
    assert q.recent() == [] and not q.active() and q.claim() is None
    assert job_runner.run_worker(store, once=True, nice=0, log=lambda _: None) == 0
    f = patent_csv(tmp_path / "p.csv", 3)
    ids = [q.enqueue("patents", f.read_bytes(), f.name, options={"as_of": AS_OF}, who="") for _ in range(2)]
    assert q.active()
    assert job_runner.run_worker(store, once=True, nice=0, log=lambda _: None) == 2
    first, second = (q.get(i) for i in ids)
    assert (first.state, second.state) == ("done", "done")
    assert first.report is not None and second.report is None  # the same file again: nothing imported
    assert second.message == t("ingest.unchanged", file="p.csv", as_of=AS_OF)
    assert len(store.imports()) == 1


def test_one_job_runs_at_a_time_on_sqlite(tmp_path):
    """Two workers (two app processes' run.sh) on one SQLite store: the second waits for the first job to end rather
    than for the store's one write lock (which would fail its import after 60 s)."""
    store = Store(tmp_path / "s.sqlite")
    one, other = jobs.for_store(store), jobs.for_store(store)
    a = one.enqueue("patents", b"x", "a.csv", options={}, who="")
    b = one.enqueue("patents", b"x", "b.csv", options={}, who="")
    assert one.claim().id == a and other.claim() is None
    one.finish(a, message="", report=None, import_id=None, rows=0)
    assert other.claim().id == b


def test_two_workers_never_claim_the_same_job(tmp_path):
    """Several workers claiming at once (a queue that runs jobs side by side, as on a server database)."""
    store = Store(tmp_path / "c.sqlite")

    def queue():
        return jobs.JobQueue(jobs._sqlite_connect(jobs.queue_path(store)), store.files_dir, serial=False)

    q = queue()
    ids = [q.enqueue("patents", b"x", f"{i}.csv", options={}, who="") for i in range(12)]
    claimed: list[int] = []

    def claimer():
        mine = queue()
        while (job := mine.claim()) is not None:
            claimed.append(job.id)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(claimed) == ids
    assert {j.state for j in q.recent()} == {"running"}


def test_a_job_whose_worker_is_gone_is_marked_failed(tmp_path):
    store = Store(tmp_path / "g.sqlite")
    q = jobs.for_store(store)
    a = q.enqueue("patents", b"x", "a.csv", options={}, who="")
    b = q.enqueue("patents", b"x", "b.csv", options={}, who="")
    c = q.enqueue("patents", b"x", "c.csv", options={}, who="")
    d = q.enqueue("patents", b"x", "d.csv", options={}, who="")
    q.serial = False  # four running at once, as on a server database
    q.claim("elsewhere:1")  # a: a worker on another host, its heartbeat fresh
    q.claim("elsewhere:2")  # b: stale below
    q.claim(jobs.worker_name(2**22 + 12345))  # c: this host, a process that is not there
    q.claim(jobs.worker_name())  # d: this host, alive, its heartbeat late (a busy machine): still running
    with q._tx() as con:
        con.execute("UPDATE jobs SET heartbeat_at = ? WHERE id IN (?, ?)", (jobs.ago(jobs.STALE_SECONDS + 5), b, d))
    assert sorted(q.reap(job_runner.gone_reason)) == [b, c]
    assert q.get(a).state == "running" and q.get(d).state == "running"
    for i in (b, c):
        job = q.get(i)
        assert job.state == "failed" and "已不在运行" in job.error and job.worker.split(":")[1] in job.error
    assert q.reap(job_runner.gone_reason) == []  # once


# -- a real worker process, killed --------------------------------------------------------------------------------------

# The worker as `python -m txip_geo worker` runs it, with small chunks stored slowly (so the test can kill it while
# the import's transaction holds some of them) and a fast heartbeat (so the test sees how far it is).
SLOW_WORKER = textwrap.dedent(
    """
    import sys, time
    from txip_geo.ingest import importer
    from txip_geo.ingest import worker as import_worker
    from txip_geo.store import job_runner
    from txip_geo.store.database import Store

    importer.CHUNK_ROWS = 200
    prepare = import_worker.prepared_chunks
    import_worker.prepared_chunks = lambda *a, **k: prepare(*a, **{**k, "chunk_rows": 200})  # the child's too
    job_runner.BEAT_SECONDS = 0.1
    insert = Store._insert_frame

    def slow(*a, **k):
        time.sleep(0.3)
        return insert(*a, **k)

    Store._insert_frame = staticmethod(slow)
    from txip_geo.cli import main
    sys.exit(main(["--db", sys.argv[1], "worker", "--poll", "0.1"] + sys.argv[2:]))
    """
)


def start_worker(db: Path, *extra: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "TXIP_IMPORT_WORKER": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_WORKER, str(db), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **kw,
    )


def wait_for(pred, timeout: float):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if value := pred():
            return value
        time.sleep(0.05)
    return pred()


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                text = (d / "stat").read_text()
                fields = text[text.rindex(")") + 2 :].split()
                if int(fields[1]) == pid and fields[0] not in "ZX":
                    out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2 :].split()[0] not in "ZX"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_a_worker_killed_mid_import_leaves_the_store_whole_and_the_job_failed(demo_db, tmp_path):
    store = copy_store(demo_db, tmp_path / "k.sqlite")
    before = store_state(store)
    f = patent_csv(tmp_path / "大文件.csv", 3000)
    q = jobs.for_store(store)
    job_id = q.enqueue("patents", f, f.name, options={"as_of": AS_OF}, who="ed")
    worker = start_worker(store.path)
    try:
        # Some chunks are in the import's open transaction; its child (preparing the rest) is running.
        assert wait_for(lambda: q.get(job_id).rows_done >= 600, 90), (q.get(job_id), worker.poll())
        kids = children(worker.pid)
        assert kids, "the import prepared its file in no child process"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        assert wait_for(lambda: not any(alive(k) for k in kids), 10), "the import's child outlived the worker"
    finally:
        if worker.poll() is None:
            worker.kill()
    assert q.get(job_id).state == "running"  # nobody has noticed yet
    assert store_state(store) == before  # the import's records were never committed
    # The next worker to start marks it failed, with its reason.
    job_runner.run_worker(store, once=True, nice=0, log=lambda _: None)
    job = q.get(job_id)
    assert job.state == "failed" and "已不在运行" in job.error and str(worker.pid) in job.error
    assert store_state(store) == before
    assert Store(store.path).records("patents")["as_of"].max() < AS_OF


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_a_stopped_worker_fails_its_job_at_once_and_a_worker_dies_with_its_parent(tmp_path):
    store = Store(tmp_path / "p.sqlite")
    f = patent_csv(tmp_path / "p.csv", 3000)
    q = jobs.for_store(store)
    job_id = q.enqueue("patents", f, f.name, options={"as_of": AS_OF}, who="ed")
    pid_file = tmp_path / "worker.pid"
    # As scripts/run.sh starts it: a shell starts the worker with --parent $$ and then becomes the app (exec; here
    # `sleep` stands in for streamlit); killing the app stops the worker.
    env = {**os.environ, "TXIP_IMPORT_WORKER": "1", "PYTHONPATH": str(ROOT)}
    script = tmp_path / "w.py"
    script.write_text(SLOW_WORKER, encoding="utf-8")
    parent = subprocess.Popen(
        [
            "bash",
            "-c",
            f'"{sys.executable}" "{script}" "{store.path}" --parent $$ & echo $! > "{pid_file}"; exec sleep 600',
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: q.get(job_id).rows_done >= 200, 90), q.get(job_id)
        worker = int(pid_file.read_text())
        kids = children(worker)
        assert kids, "the import prepared its file in no child process"
        parent.kill()  # SIGKILL: the parent cannot pass anything on; the kernel tells the worker
        parent.wait(10)
        assert wait_for(lambda: not alive(worker), 20), "the worker outlived its parent"
        assert wait_for(lambda: not any(alive(k) for k in kids), 10)
    finally:
        if parent.poll() is None:
            parent.kill()
    job = q.get(job_id)
    assert job.state == "failed" and job.error == t("jobs.stopped", signal="SIGTERM")  # marked by the worker itself
    assert store.imports().empty


def test_the_cli_queues_and_lists(tmp_path, capsys):
    db = tmp_path / "cli.sqlite"
    f = patent_csv(tmp_path / "p.csv", 4)
    assert cli(["--db", str(db), "import", "patents", str(f), "--as-of", AS_OF, "--background", "--user", "ed"]) == 0
    assert "任务 1 已排队" in capsys.readouterr().out
    assert Store(db).imports().empty  # queued, not imported
    (row,) = cli_json("--db", str(db), "jobs", "--format", "json")
    assert (row["state"], row["who"], row["file"]) == ("queued", "ed", "p.csv")
    assert cli(["--db", str(db), "import", "boundaries", str(f), "--background"]) == 2
    assert "后台导入只用于记录文件" in capsys.readouterr().err
    assert cli(["--db", str(db), "worker", "--once", "--nice", "0"]) == 0
    (row,) = cli_json("--db", str(db), "jobs", "--format", "json")
    assert row["state"] == "done" and row["rows_done"] == 4 and "已导入 p.csv：4 条" in row["result"]
    assert cli(["--db", str(db), "jobs"]) == 0
    assert "已完成" in capsys.readouterr().out


# -- the 数据 page ------------------------------------------------------------------------------------------------------


def test_the_data_page_lists_queued_running_and_done_jobs(tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    store = Store(tmp_path / "page.sqlite")
    q = jobs.for_store(store)
    done_file = patent_csv(tmp_path / "已完成.csv", 5)
    done = q.enqueue("patents", done_file, done_file.name, options={"as_of": AS_OF}, who="甲")
    job_runner.run_worker(store, once=True, nice=0, log=lambda _: None)
    running = q.enqueue("patents", b"x\n" * 101, "进行中.csv", options={}, who="乙")
    q.claim()
    q.beat(running, 40, 100)
    queued = q.enqueue("trademarks", b"x", "排队.csv", options={}, who="丙")
    monkeypatch.setenv("TXIP_DB", str(store.path))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=180)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        (table,) = [d.value for d in at.dataframe if t("jobs.col_state") in d.value.columns]
        states = dict(zip(table[t("jobs.col_id")], table[t("jobs.col_state")]))
        assert states == {queued: "排队中", running: "导入中", done: "已完成"}
        assert list(table[t("jobs.col_file")]) == ["排队.csv", "进行中.csv", "已完成.csv"]  # newest first
        result = dict(zip(table[t("jobs.col_id")], table[t("jobs.col_result")]))
        assert result[done].startswith("已导入 已完成.csv：5 条")
        (bar,) = at.get("progress")
        assert bar.proto.value == 40 and "40 / 约 100 行" in bar.proto.text
        assert any(f"{t('jobs.col_id')} {done}" in e.label for e in at.expander)  # its report, row by row
        assert not at.warning or t("jobs.no_worker") not in [w.value for w in at.warning]

        # The running job ends: the next refresh shows it done and no bar.
        q.finish(running, message="完成", report=None, import_id=None, rows=100)
        q.fail(queued, "原因甲", only_running=False)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        (table,) = [d.value for d in at.dataframe if t("jobs.col_state") in d.value.columns]
        assert dict(zip(table[t("jobs.col_id")], table[t("jobs.col_state")])) == {
            queued: "失败",
            running: "已完成",
            done: "已完成",
        }
        assert "原因甲" in set(table[t("jobs.col_result")]) and not at.get("progress")
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def test_confirming_an_upload_on_the_data_page_queues_it(tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    store = Store(tmp_path / "up.sqlite")
    monkeypatch.setenv("TXIP_DB", str(store.path))
    st.cache_resource.clear()
    st.cache_data.clear()
    data = patent_csv(tmp_path / "p.csv", 6).read_bytes()
    try:
        at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=180)
        at.run()
        at.selectbox(key="up_kind").set_value("patents")
        at.file_uploader(key="up_file_0").set_value(("上传.csv", data, "text/csv"))
        at.run()
        t0 = time.monotonic()
        at.button(key="up_confirm").click()
        at.run()
        assert time.monotonic() - t0 < 60
        assert not at.exception, [e.message for e in at.exception]
        (job,) = jobs.for_store(store).recent()
        assert (job.state, job.file_name, job.kind) == ("queued", "上传.csv", "patents")
        assert store.imports().empty  # the page did not import it
        assert t("jobs.queued", id=job.id, file="上传.csv") in [i.value for i in at.info]
        job_runner.run_worker(store, once=True, nice=0, log=lambda _: None)
        assert jobs.for_store(store).get(job.id).state == "done" and len(store.imports()) == 1
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def test_run_sh_starts_the_worker_as_the_apps_child():
    """scripts/run.sh uses the pattern the test above kills: the worker told its parent, then exec into the app."""
    lines = [x.strip() for x in (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8").splitlines()]
    start = lines.index(".venv/bin/python -m txip_geo worker --parent $$ &")
    assert lines[start + 1].startswith("exec .venv/bin/streamlit run app.py")
