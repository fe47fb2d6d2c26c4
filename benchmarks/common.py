"""Shared pieces of the benchmarks: sizes, result rows, child processes with their peak memory, a Streamlit server."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


@dataclass(frozen=True)
class Size:
    name: str
    patent_rows: int  # the import benchmark's file
    baseline_rows: int  # rows the per-row baseline is run on (its rows/s is extrapolated)
    points: int  # workstation/case/enterprise points added to the sample for the browser benchmark
    repeats: int  # browser measurements per configuration (the median is reported)
    memory_patents: int  # patents loaded for the "app with N patents" memory figure (0: skipped)
    province_units: int
    province_records: int
    province_files: int  # the province records arrive in this many files (an office splits big exports)
    province_browser: bool


SIZES = {
    "full": Size("full", 1_000_000, 20_000, 5_000, 3, 1_000_000, 1_300, 5_000_000, 5, True),
    "ci": Size("ci", 20_000, 1_000, 1_000, 1, 0, 150, 100_000, 2, False),
}


@dataclass
class Row:
    """One line of the results table. `gain` = how many times better than the baseline (> 1: better)."""

    group: str
    measure: str
    value: float | None
    unit: str
    baseline: float | None = None
    gain: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Results:
    size: str
    started: str
    rows: list[Row] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)


def gain_lower_is_better(value, baseline):
    if value is None or baseline is None or value <= 0:
        return None
    return baseline / value


def gain_higher_is_better(value, baseline):
    if value is None or baseline is None or baseline <= 0:
        return None
    return value / baseline


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def env_for_children(**extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "Agg")
    env.update({k: str(v) for k, v in extra.items()})
    return env


# Printed by every child snippet as its last line: its own peak resident memory, in kB.
PEAK_SNIPPET = """
def _peak_kb():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
    return None
"""


def run_child(code: str, *, env: dict | None = None, timeout: float = 3600) -> dict:
    """Run Python code in a fresh interpreter; it must print one JSON object as its last line (returned)."""
    proc = subprocess.run(
        [PYTHON, "-c", PEAK_SNIPPET + code],
        cwd=ROOT,
        env=env or env_for_children(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    last = [line for line in proc.stdout.splitlines() if line.startswith("{")][-1]
    return json.loads(last)


def peak_kb(pid: int) -> int | None:
    """Peak resident memory (VmHWM) of a running process, kB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


# --------------------------------------------------------------------------- a Streamlit server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run <app>` on a free port, from the repo root (so .streamlit/config.toml and static/ apply)."""

    def __init__(self, app: Path, env: dict, log: Path, timeout: float = 180):
        self.port = free_port()
        self.log_path = log
        self._log = open(log, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        if not (app.parent / "static").exists():
            # Streamlit serves static/ from the main script's folder: run the script from a folder that has one.
            stage = Path(tempfile.mkdtemp(prefix="txip-bench-app-"))
            (stage / app.name).symlink_to(app)
            (stage / "static").symlink_to(ROOT / "static", target_is_directory=True)
            app = stage / app.name
        # As deployed (docs/deploy.md): no file watcher, so nothing but the requests uses the CPU.
        cmd = [
            PYTHON,
            "-m",
            "streamlit",
            "run",
            str(app),
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.runOnSave",
            "false",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise TimeoutError(f"streamlit did not start: {log.read_text(errors='replace')[-3000:]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def fmt(v, unit: str = "") -> str:
    """A number for the table: thousands separators, sensible decimals."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if unit in ("s",):
        return f"{v:.2f} s" if v < 10 else f"{v:.1f} s"
    if unit == "KB":
        return f"{v:,.0f} KB" if v >= 100 else f"{v:.1f} KB"
    if unit == "MB":
        return f"{v:,.0f} MB" if v >= 100 else f"{v:.1f} MB"
    if unit == "rows/s":
        return f"{v:,.0f} rows/s"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.2f}{(' ' + unit) if unit else ''}"
    return f"{int(v):,}{(' ' + unit) if unit else ''}"
