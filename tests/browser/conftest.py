"""Fixtures for real-browser tests: a Streamlit server on a free port and a Chromium page that cannot reach the internet.

* ``streamlit_server(app_path, env=None)`` -- factory fixture; starts
  ``streamlit run <app> --server.port <free port> --server.headless true`` from the
  repo root (so ``.streamlit/config.toml`` applies), waits until
  ``/_stcore/health`` answers and returns a :class:`StreamlitServer` (``.url``).
  Streamlit serves ``static/`` from the folder of the main script; an app whose
  folder has none is started from a temporary folder holding a symlink to the
  script and one to the repo's ``static/``. Servers stop at test teardown.
* ``page`` -- a Playwright page (Debian ``/usr/bin/chromium``, never a downloaded
  browser) whose every request to a host other than 127.0.0.1/localhost is
  aborted and recorded in ``browser_log.external_requests`` (also available as
  the ``external_requests`` fixture). ``browser_log`` also collects local
  responses with status >= 400 and console errors.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# Shared with the load test and the benchmarks' conventions: tests/support.py.
from support import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, child_env, free_port, wait_healthy

REPO = Path(__file__).resolve().parents[2]

INTERNAL_SCHEMES = ("data:", "blob:", "about:", "chrome:", "chrome-extension:")


@dataclass
class StreamlitServer:
    app_path: Path
    port: int
    proc: subprocess.Popen
    log_path: Path
    _log_file: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self._log_file is not None:
            self._log_file.close()


def _stage(app_path: Path, static_dir: Path, tmp_dir: Path) -> Path:
    """A folder with the app script and static/ side by side (symlinks)."""
    (tmp_dir / app_path.name).symlink_to(app_path)
    (tmp_dir / "static").symlink_to(static_dir.resolve(), target_is_directory=True)
    return tmp_dir / app_path.name


@pytest.fixture
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., StreamlitServer]]:
    servers: list[StreamlitServer] = []

    def start(
        app_path: str | Path,
        env: dict[str, str] | None = None,
        *,
        static_dir: str | Path | None = REPO / "static",
        extra_args: list[str] | None = None,
        timeout: float = 90.0,
    ) -> StreamlitServer:
        app = Path(app_path)
        app = (app if app.is_absolute() else REPO / app).resolve()
        run_path = app
        if static_dir is not None and not (app.parent / "static").exists():
            run_path = _stage(app, Path(static_dir), tmp_path_factory.mktemp("streamlit-app"))
        port = free_port()
        log_path = tmp_path_factory.mktemp("streamlit-log") / "server.log"
        full_env = child_env(env)
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(run_path),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            *(extra_args or []),
        ]
        log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed by StreamlitServer.stop()
        proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        server = StreamlitServer(app, port, proc, log_path, log)
        servers.append(server)
        wait_healthy(server, timeout)
        return server

    yield start
    for server in servers:
        server.stop()


@dataclass
class BrowserLog:
    external_requests: list[str] = field(default_factory=list)
    failed_responses: list[tuple[int, str]] = field(default_factory=list)
    local_responses: list[tuple[int, str]] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def external_requests(browser_log: BrowserLog) -> list[str]:
    """URLs the page tried to fetch from anywhere but this machine (all were aborted)."""
    return browser_log.external_requests


@pytest.fixture
def page(browser, browser_log: BrowserLog):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

    def guard(route) -> None:
        url = route.request.url
        if url.startswith(INTERNAL_SCHEMES) or urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            browser_log.external_requests.append(url)
            route.abort("internetdisconnected")

    def on_response(resp) -> None:
        browser_log.local_responses.append((resp.status, resp.url))
        if resp.status >= 400:
            browser_log.failed_responses.append((resp.status, resp.url))

    def on_console(msg) -> None:
        if msg.type == "error":
            browser_log.console_errors.append(msg.text)

    context.route("**/*", guard)
    context.on("response", on_response)
    page = context.new_page()
    page.on("console", on_console)
    yield page
    context.close()
