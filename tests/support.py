"""Helpers shared by tests outside tests/browser/: start the real app (``streamlit run``) on a free port and stop it,
and launch Debian's Chromium for Playwright. Same conventions as the fixtures in tests/browser/conftest.py: run from
the repo root (so ``.streamlit/config.toml`` applies), headless, bound to 127.0.0.1, the repo on PYTHONPATH."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# The last flag: Chromium builds its address-bar dropdown (a WebUI page with its own renderer) for every new
# browser window, i.e. every test's context; a user's browser has done so once. Left out, it no longer competes for
# the CPU with the page under test.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 "--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup,PreloadTopChromeWebUI"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def streamlit_app(log_dir: Path, env: dict[str, str] | None = None, app: Path = REPO / "app.py",
                  timeout: float = 90.0, extra_args: list[str] | None = None):
    """The app running on a free port until the block ends (terminated, killed if it does not stop)."""
    port = free_port()
    log_path = Path(log_dir) / f"streamlit-{port}.log"
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), full_env.get("PYTHONPATH", "")) if p)
    full_env.update(env or {})
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port), "--server.headless", "true",
           "--server.address", "127.0.0.1", *(extra_args or [])]
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(port, proc, log_path)
        try:
            wait_healthy(server, timeout)
            yield server
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)


def wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    health = f"http://127.0.0.1:{server.port}/_stcore/health"
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.proc.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(health, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"streamlit did not answer {health} within {timeout:.0f}s:\n{server.log()}")


def set_component_value(at, element, value: dict):
    """Run an AppTest as if the user changed a custom component (a click on the map): the component's value goes in
    with the widget states of the run, so its on_change callback fires as in a browser. Returns the AppTest."""
    import json

    ws = at._tree.get_widget_states()
    w = ws.widgets.add()
    w.id = element.proto.id
    w.json_value = json.dumps(value)
    return at._run(ws)
