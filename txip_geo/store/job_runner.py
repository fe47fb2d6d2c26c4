"""The background-import worker: `python -m txip_geo worker` runs queued import jobs (store.jobs) one at a time.

Loop: mark failed the jobs whose worker is gone (at start, then every REAP_SECONDS), claim the oldest queued job,
run the import pipeline on its stored file (`ingest.pipeline.import_file`: one transaction, all or nothing), with a
heartbeat thread writing the rows stored so far into the job's row, then mark the job done with the import's report
or failed with its reason (a refusal's Chinese message naming file, row and column).

Killed or stopped mid-import, nothing is half-written: the import's transaction is never committed (SIGKILL) or is
rolled back (SIGTERM is turned into an exception that unwinds it, and the job is marked failed at once); after a
SIGKILL the job is marked failed by the next worker that starts (its process is gone) or, from any process, once
its heartbeat is older than jobs.STALE_SECONDS. A worker started with a parent (`--parent PID`, as scripts/run.sh
does with the app's process) gets SIGTERM from the kernel when that parent goes (`ingest.lifetime.die_with_parent`),
and its own import child dies with it the same way: no process outlives the app.

The worker runs at a lower CPU priority (`nice`, default NICE): the app's page runs come first, the import uses what
they leave. Readers are never blocked by the import's open transaction (SQLite in WAL mode: readers see the last
committed state).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from txip_geo.errors import ImportRejected
from txip_geo.ingest import worker as import_worker
from txip_geo.ingest.pipeline import import_file
from txip_geo.store import jobs
from txip_geo.strings import t

NICE = 10  # added to the worker's niceness: page runs get the CPU first
POLL_SECONDS = 1.0
REAP_SECONDS = 15.0
BEAT_SECONDS = 2.0  # how often a running job's heartbeat and rows stored are written (jobs.STALE_SECONDS: its bound)
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


class Stopped(BaseException):  # noqa: N818 - a signal, not an error: it unwinds the import like KeyboardInterrupt
    """SIGTERM/SIGINT received: unwinds the running import (its transaction rolls back)."""


def _stop(signum, _frame):
    raise Stopped(signal.Signals(signum).name)


def gone_reason(job: jobs.Job) -> str:
    """Why a running job whose worker vanished failed."""
    return t("jobs.worker_gone", worker=job.worker or "?", at=_local(job.heartbeat_at))


def _local(stamp: str | None) -> str:
    """A stored UTC stamp as local time to the second, for messages."""
    if not stamp:
        return "?"
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def expected_rows(path: Path) -> int | None:
    """Data rows a text file has at most (its lines less the header); None for a workbook."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return None
    lines = 0
    with open(path, "rb") as f:
        while block := f.read(8 * 1024 * 1024):
            lines += block.count(b"\n")
    return max(lines - 1, 0) or None


class _Heartbeat:
    """A thread writing the job's heartbeat and rows stored every `every` seconds while the import runs; it sends
    this process SIGTERM when `parent` (if any) is gone (the kernel's death signal covers Linux; this, the rest)."""

    def __init__(self, queue: jobs.JobQueue, job_id: int, parent: int | None, every: float):
        self.queue, self.job_id, self.parent, self.every = queue, job_id, parent, every
        self.rows = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="txip-job-heartbeat", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def add(self, rows: int) -> None:
        self.rows += rows

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            if self.parent and os.getppid() != self.parent:
                os.kill(os.getpid(), signal.SIGTERM)
            with contextlib.suppress(Exception):  # a busy queue file: the next beat
                self.queue.beat(self.job_id, self.rows)


def run_job(store, queue: jobs.JobQueue, job: jobs.Job, *, parent: int | None = None, beat: float | None = None) -> str:
    """Run one claimed job to its end; returns its final state. Re-raises Stopped after marking the job failed."""
    path = queue.path_of(job)
    try:
        total = expected_rows(path)
    except OSError as e:
        queue.fail(job.id, t("ingest.unreadable", file=job.file_name, error=e.strerror))
        return "failed"
    queue.beat(job.id, 0, total)
    opts = job.options
    try:
        with _Heartbeat(queue, job.id, parent, beat or BEAT_SECONDS) as hb:
            rep = import_file(
                store,
                job.kind,
                path,
                as_of=opts.get("as_of"),
                user=job.who,
                skip_invalid=bool(opts.get("skip_invalid")),
                file_name=job.file_name,
                on_chunk=hb.add,
            )
    except ImportRejected as e:
        queue.fail(job.id, e.report.message, report=e.report.to_dict())
        return "failed"
    except Stopped as e:
        queue.fail(job.id, t("jobs.stopped", signal=str(e)))
        raise
    except Exception as e:  # noqa: BLE001 - any failure ends the job with its reason (the import rolled back)
        queue.fail(job.id, t("jobs.error", error=f"{type(e).__name__}: {e}"[:300]))
        return "failed"
    queue.finish(
        job.id,
        message=rep.message,
        report=rep.to_dict() if rep.status == "imported" else None,
        import_id=rep.import_id,
        rows=rep.rows_imported,
    )
    return "done"


def run_worker(
    store,
    *,
    once: bool = False,
    poll: float = POLL_SECONDS,
    parent: int | None = None,
    nice: int = NICE,
    log: Callable[[str], None] = print,
) -> int:
    """Run queued jobs until stopped (SIGTERM, SIGINT, the parent gone), or with `once` until the queue is empty;
    returns how many jobs were run."""
    if parent:
        import_worker.die_with_parent(parent, signal.SIGTERM)
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    queue = jobs.for_store(store)
    ran = 0
    try:
        for job_id in queue.reap(gone_reason):
            log(t("jobs.reaped", id=job_id))
        log(t("jobs.worker_started", worker=jobs.worker_name(), db=store.path))
        reaped_at = time.monotonic()
        while not (parent and os.getppid() != parent):
            job = queue.claim()
            if job is None:
                if once:
                    break
                time.sleep(poll)
                if time.monotonic() - reaped_at > REAP_SECONDS:
                    queue.reap(gone_reason)
                    reaped_at = time.monotonic()
                continue
            log(t("jobs.started", id=job.id, file=job.file_name))
            state = run_job(store, queue, job, parent=parent)
            ran += 1
            log(t("jobs.ended", id=job.id, state=t(f"jobs.state_{state}")))
    except Stopped as e:
        log(t("jobs.worker_stopped", signal=str(e)))
    finally:
        if in_main:
            for s, h in previous.items():
                signal.signal(s, h)
    return ran
