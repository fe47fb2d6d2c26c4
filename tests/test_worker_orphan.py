"""A worker dies with its parent (txip_geo/ingest/worker.py): an import that prepares its file in a worker process is
SIGKILLed, and within a few seconds no worker is left -- neither one blocked reading its file nor one still working.

The file is a named pipe (FIFO): the importing process reads it whole (its checksum), the test then closes it, and the
worker, opening it again to read the records, waits for a writer that never comes -- a worker "reading" for as long
as anyone lets it, as the issue saw for 20 s and more. Processes are found in /proc (psutil is not a dependency)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.test_import_stream import HEADER, patent_rows

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
ROOT = Path(__file__).resolve().parent.parent


def stat_of(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    s = stat_of(pid)
    return s is not None and s[0] not in ("Z", "X")  # a zombie is dead, waiting to be reaped by whoever adopted it


def workers() -> dict[int, int]:
    """{pid: parent pid} of every running import worker."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"txip_geo.ingest.worker" in cmd:
            s = stat_of(int(d.name))
            if s and s[0] not in ("Z", "X"):
                out[int(d.name)] = s[1]
    return out


def wait_for(pred, timeout: float):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    return pred()


IMPORTER = textwrap.dedent(
    """
    import sys
    from txip_geo.ingest.pipeline import import_file
    from txip_geo.store.database import Store

    import_file(Store(sys.argv[1]), "patents", sys.argv[2], as_of="2026-10-31")
    """
)


@pytest.fixture
def started():
    """The pids this test starts (importers, their workers): whatever is left of them is killed afterwards, whatever
    the test found."""
    pids: list[int] = []
    yield pids
    for pid in pids + [p for p, pp in workers().items() if pp in pids]:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def start_import(tmp_path, started: list[int]) -> tuple[subprocess.Popen, int]:
    """An importing process whose worker is running (blocked on the file); (the process, the worker's pid)."""
    fifo = tmp_path / "专利.csv"
    os.mkfifo(fifo)
    env = {**os.environ, "TXIP_IMPORT_WORKER": "1", "PYTHONPATH": os.environ.get("PYTHONPATH") or str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(tmp_path / "t.sqlite"), str(fifo)], cwd=ROOT, env=env
    )
    started.append(parent.pid)
    text = "\n".join(",".join(r) for r in [HEADER, *patent_rows(50)]) + "\n"
    with open(fifo, "w", encoding="utf-8") as f:  # the importer's checksum reads this; the worker waits for more
        f.write(text)
    found = wait_for(lambda: [p for p, pp in workers().items() if pp == parent.pid], 60)
    assert found, "the import started no worker"
    started.append(found[0])
    return parent, found[0]


def test_killing_an_importing_process_leaves_no_worker(tmp_path, started):
    parent, worker = start_import(tmp_path, started)
    time.sleep(0.5)
    assert alive(worker) and parent.poll() is None  # both waiting: the worker for its file, the parent for the worker
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert wait_for(lambda: not alive(worker), 5), "the worker outlived its parent"


NO_PRCTL = textwrap.dedent(
    """
    import ctypes
    import os
    import pathlib

    _CDLL = ctypes.CDLL

    class NoLibc(_CDLL):
        def __init__(self, name, *args, **kwargs):
            if name is None:  # the process's own libc: what the worker's prctl is called through
                pathlib.Path(__file__).with_name("used").touch()
                raise OSError("no prctl here")
            super().__init__(name, *args, **kwargs)

    ctypes.CDLL = NoLibc
    """
)


def test_the_watchdog_alone_ends_an_orphan(tmp_path, monkeypatch, started):
    """Without the kernel's death signal (another OS, or the prctl unavailable) the watchdog still ends the worker."""
    # The processes' libc cannot be loaded by ctypes (a sitecustomize hook): the worker's prctl is skipped.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(NO_PRCTL, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hook), str(ROOT)]))
    parent, worker = start_import(tmp_path, started)
    assert wait_for((hook / "used").exists, 30)  # the worker did try, and was refused
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert wait_for(lambda: not alive(worker), 5), "the watchdog did not end the orphaned worker"
