"""A large text file's records prepared in a second process while this one stores them.

Preparing a chunk of a patent file (parse, check, de-duplicate, locate: `importer.prepared_chunks`) and storing it
(`Store.add_records`: binding every value for SQLite) are both Python work holding the interpreter's lock, so
threads cannot run them side by side; two processes can, on two cores. The worker process runs
`importer.prepared_chunks` itself -- the same generator, with the same cross-chunk state (the keys already seen, the
problems, the counts) -- and hands each prepared chunk back through a pipe (pickled), while the importing process
inserts the one before. The pipe holds no more than one chunk in flight, so memory stays bounded: the worker
prepares chunk i+1 while chunk i is being stored.

Everything the in-process generator promises holds here too: the chunks come in the same order with the same
content, the report is complete once the last chunk is given (it travels back after it), and a rejection
(ImportRejected, with its report) is raised before the last chunk is given. A failure of the worker (it was killed,
it raised) raises here, so the import's one transaction is rolled back.

Used for text files of at least MIN_BYTES (a smaller file is prepared faster than a second interpreter starts), when
this process may use two cores and the second one is idle (the load average says so: with it busy, the worker
makes the import slower -- measured, docs/performance.md); the environment variable TXIP_IMPORT_WORKER overrides:
"0" never, "1" always (the tests use it on small files).

The worker dies with the process that started it (killed, crashed), never left reading a file for nobody
(:func:`_death_signal`, :func:`_watchdog`): on Linux the kernel sends it SIGKILL when its parent goes (``prctl(PR_SET_PDEATHSIG)``;
strictly, when the parent's thread that started it ends -- the thread that runs the import and reads every chunk,
so the import is over by then anyway); and everywhere a watchdog thread ends it as soon as its stdin, which the
parent holds open until it is done, reaches end-of-file, or its parent's pid is no longer its parent (a parent gone
before the prctl took effect). ``tests/test_worker_orphan.py`` SIGKILLs an importing process and finds no worker left.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from txip_geo.errors import ImportRejected
from txip_geo.ingest import importer
from txip_geo.ingest.lifetime import die_with_parent
from txip_geo.ingest.read import Source
from txip_geo.ingest.report import ImportReport
from txip_geo.paths import ROOT
from txip_geo.strings import t

MIN_BYTES = 32 * 1024 * 1024  # ≈150,000 patent rows: below this the worker's start-up (≈1.5 s) is not won back
BUSY_MARGIN = 0.25  # load above (usable cores - 1 - this): the second core is taken, the import stays in one process
ENV = "TXIP_IMPORT_WORKER"
PARENT_ENV = "TXIP_IMPORT_WORKER_PARENT"  # the importing process's pid, as the worker should see it
WATCH_SECONDS = 0.2  # how often the watchdog looks at its parent
_ROOT = ROOT


def wanted(source: Source) -> bool:
    """Whether this file is prepared in a worker process."""
    setting = os.environ.get(ENV, "").strip()
    if setting == "0":
        return False
    if source.is_excel:  # a workbook is read whole: nothing to overlap
        return False
    if setting == "1":
        return True
    if _usable_cores() < 2:
        return False
    size = len(source.data) if source.data is not None else Path(source.path).stat().st_size
    return size >= MIN_BYTES and _spare_core()


def _usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system has one)."""
    n = os.cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        n = min(n, len(os.sched_getaffinity(0)))
    return n


def _spare_core() -> bool:
    """Whether a core is idle for the worker: the 1-minute load average leaves at least one core free besides this
    process's. Measured (docs/performance.md, import): with the second core busy the worker makes an import slower
    (its pickling and the importing process's unpickling are added work, and the two processes wait on each other)."""
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):  # no load average (Windows): assume the cores are free
        return True
    return load <= _usable_cores() - 1 - BUSY_MARGIN


def _command() -> list[str]:
    """How the worker is started: this interpreter, this module."""
    return [sys.executable, "-m", "txip_geo.ingest.worker"]


def prepared_chunks(
    kind_name: str,
    source: Source,
    report: ImportReport,
    *,
    as_of: str,
    layers: dict | None = None,
    skip_invalid: bool = False,
    chunk_rows: int | None = None,
):
    """`importer.prepared_chunks`, run in a worker process: the same chunks, `report` filled the same way."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    env[PARENT_ENV] = str(os.getpid())
    proc = subprocess.Popen(_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=_ROOT, env=env)
    try:
        job = dict(
            kind_name=kind_name,
            source=source,
            report=report,
            as_of=as_of,
            layers=layers,
            skip_invalid=skip_invalid,
            chunk_rows=chunk_rows,
        )
        try:
            pickle.dump(job, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.flush()  # and held open: its end-of-file tells the worker this process is gone or done
        except BrokenPipeError:
            pass  # the worker died at start: reported below, from its exit
        while True:
            try:
                tag, item = pickle.load(proc.stdout)
            except EOFError:
                code = proc.wait()
                raise RuntimeError(t("ingest.worker_died", code=code, file=source.name)) from None
            if tag == "chunk":
                yield item
            elif tag == "done":
                vars(report).update(vars(item))
                return
            elif tag == "rejected":
                rejected, same = item
                if same:  # the rejection is this import's report (not a read failure's fresh one)
                    vars(report).update(vars(rejected))
                    rejected = report
                raise ImportRejected(rejected)
            else:
                raise item
    finally:
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):  # a worker that is gone: its stdin's last bytes have nowhere to go
                pipe.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _parent() -> int:
    return int(os.environ.get(PARENT_ENV) or os.getppid())


def _death_signal() -> None:
    """In the worker, first thing: on Linux, have the kernel SIGKILL this process when its parent goes."""
    die_with_parent(_parent())


def _watchdog(parent: int) -> None:
    """End this process when its parent is gone: stdin at end-of-file (the parent holds it open until it is done),
    or another parent (this one was re-parented)."""
    while True:
        try:
            ready, _, _ = select.select([0], [], [], WATCH_SECONDS)
        except (OSError, ValueError):  # a pipe select cannot watch (Windows): the parent's pid only
            ready = []
            time.sleep(WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(1)
        if ready and not os.read(0, 1):  # the job was read whole before this started: only the end can come
            os._exit(1)


def _serve() -> None:
    """The worker's side: read the job from stdin, write (tag, item) pickles to the original stdout."""
    _death_signal()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the data stream
    job = pickle.load(sys.stdin.buffer)
    threading.Thread(target=_watchdog, args=(_parent(),), name="txip-worker-watchdog", daemon=True).start()
    report = job.pop("report")
    try:
        for chunk in importer.prepared_chunks(report=report, **job):
            pickle.dump(("chunk", chunk), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        message = ("done", report)
    except ImportRejected as e:
        message = ("rejected", (e.report, e.report is report))
    except Exception as e:  # noqa: BLE001 - handed to the importing process, which raises it
        try:
            pickle.dumps(e)
            message = ("error", e)
        except Exception:  # noqa: BLE001
            message = ("error", RuntimeError(traceback.format_exc()))
    try:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.close()
    except BrokenPipeError:  # the importing process stopped reading (it failed or gave up): nothing to tell
        pass


if __name__ == "__main__":
    _serve()
