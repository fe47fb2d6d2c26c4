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
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup,PreloadTopChromeWebUI",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child Python process that runs this checkout's code (a `streamlit run`, a script the
    test writes): the repo root first on PYTHONPATH, as pytest.ini's ``pythonpath = .`` does for the tests
    themselves, so the child imports the same txip_geo, ui and benchmarks as the test, whatever is installed."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), full_env.get("PYTHONPATH", "")) if p)
    full_env.update(env or {})
    return full_env


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
def streamlit_app(
    log_dir: Path,
    env: dict[str, str] | None = None,
    app: Path = REPO / "app.py",
    timeout: float = 90.0,
    extra_args: list[str] | None = None,
):
    """The app running on a free port until the block ends (terminated, killed if it does not stop)."""
    port = free_port()
    log_path = Path(log_dir) / f"streamlit-{port}.log"
    full_env = child_env(env)
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        *(extra_args or []),
    ]
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


NGINX = Path(os.environ.get("TXIP_NGINX", "/usr/sbin/nginx"))


def require_nginx() -> None:
    """Skip when Debian's nginx is missing on a developer's machine; in CI (CI=true) or as root, where scripts/test.sh
    installs it, its absence is a failure."""
    import pytest

    if NGINX.exists():
        return
    if os.environ.get("CI") == "true" or os.geteuid() == 0:
        pytest.fail(f"{NGINX} is missing: scripts/test.sh installs Debian's nginx in CI and as root")
    pytest.skip(f"{NGINX} is missing (apt-get install nginx): the multi-process tests run the app behind nginx")


def free_ports(n: int) -> int:
    """The first of n consecutive free loopback ports (scripts/run_multi.sh numbers its processes from it)."""
    import random

    for _ in range(200):
        base = random.randint(20000, 60000 - n)
        socks = []
        try:
            for port in range(base, base + n):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError(f"no {n} consecutive free ports")


@dataclass
class MultiApp:
    """scripts/run_multi.sh running: N app processes (``ports``), a worker, nginx on ``proxy_port``."""

    proxy_port: int
    ports: list[int]
    proc: subprocess.Popen
    log_path: Path
    nginx_dir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.proxy_port}/_stcore/stream"

    def log(self) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        err = self.nginx_dir / "logs" / "error.log"
        return text + (err.read_text(encoding="utf-8", errors="replace") if err.exists() else "")


@contextmanager
def multi_app(log_dir: Path, n: int, env: dict[str, str], timeout: float = 90.0):
    """``bash scripts/run_multi.sh n`` on free ports until the block ends (SIGTERM to the script, which stops its
    children; killed, and the children with it by their death signal, if it does not)."""
    base, proxy = free_ports(n), free_port()
    log_dir = Path(log_dir)
    nginx_dir = log_dir / f"nginx-{proxy}"
    log_path = log_dir / f"run_multi-{proxy}.log"
    full_env = child_env(
        {
            **env,
            "TXIP_PYTHON": sys.executable,
            "TXIP_BASE_PORT": str(base),
            "TXIP_PROXY_PORT": str(proxy),
            "TXIP_NGINX_DIR": str(nginx_dir),
            "TXIP_NGINX": str(NGINX),
        }
    )
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            ["bash", str(REPO / "scripts" / "run_multi.sh"), str(n)],
            cwd=REPO,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        app = MultiApp(proxy, list(range(base, base + n)), proc, log_path, nginx_dir)
        try:
            for port in [*app.ports, proxy]:
                wait_healthy(Server(port, proc, log_path), timeout)
            yield app
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)


def inline_maps(at) -> list:
    """The inline map components (ui/folium_view.py) of an AppTest run, in page order."""
    return [
        e
        for e in at.main
        if type(e).__name__ == "UnknownElement" and e.type == "bidi_component" and e.component_name == "txip_map"
    ]


def map_data(element) -> dict:
    """What an inline map component was given: its script, header, html, js_links, css_links, ..."""
    import json

    return json.loads(element.json)


# click_map reaches into AppTest's internals; checked against this Streamlit version (see check_click_internals).
CLICK_CHECKED_WITH = "1.67.0"


def click_internals(at):
    """What `click_map` uses of Streamlit's internals, for `at`: (the run's widget states, a run with given widget
    states, the trigger id of a component's event). An AssertionError naming what is gone when one has changed."""
    import streamlit

    missing = []
    try:
        from streamlit.components.v2.bidi_component.main import _make_trigger_id
    except ImportError:
        _make_trigger_id = None
        missing.append("streamlit.components.v2.bidi_component.main._make_trigger_id")
    tree = getattr(at, "_tree", None)
    if not callable(getattr(tree, "get_widget_states", None)):
        missing.append("AppTest._tree.get_widget_states()")
    if not callable(getattr(at, "_run", None)):
        missing.append("AppTest._run(widget_states)")
    if not missing:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if "json_trigger_value" not in WidgetState.DESCRIPTOR.fields_by_name:
            missing.append("WidgetState.json_trigger_value")
    assert not missing, (
        f"tests/support.click_map uses AppTest internals checked with Streamlit {CLICK_CHECKED_WITH}; Streamlit "
        f"{streamlit.__version__} no longer has: {', '.join(missing)}. Look for a public way to trigger a custom "
        "component's event in AppTest (or rewrite click_map for the new internals)."
    )
    return tree.get_widget_states, at._run, _make_trigger_id


def click_map(at, element, lat: float, lng: float):
    """Run an AppTest as if the user clicked the inline map at (lat, lng): the component's click trigger goes in with
    the widget states of the run, so its callback fires as in a browser. Returns the AppTest.

    The one place the suite reaches into AppTest's internals (`click_internals`, checked with Streamlit
    CLICK_CHECKED_WITH): AppTest inspects a custom component but implements no interaction with it (its own error
    says: use session_state if it has a key, or a browser), and a value put in session_state does not fire the
    component's callback, which is what the click test is about. The browser tests click the real map
    (tests/browser/test_app.py)."""
    import json

    widget_states, run, trigger_id = click_internals(at)
    ws = widget_states()
    w = ws.widgets.add()
    w.id = trigger_id(element.id, "events")
    w.json_trigger_value = json.dumps([{"event": "click", "value": {"lat": lat, "lng": lng}}])
    return run(ws)


def page_text(at) -> str:
    """What an AppTest page shows as Markdown and as HTML (st.html: the header's badges, the panel's tables)."""
    return " ".join([m.value for m in at.markdown] + [h.value for h in at.get("html")])


# The inline map in a browser page (ui/folium_view.py): its component's element (Playwright's CSS selectors go on
# into its shadow root: f"{MAP_HOST} path.leaflet-interactive"), and a JS expression for its Leaflet map.
MAP_HOST = "[data-txip-map]"
MAP_JS = "(document.querySelector('[data-txip-map]') || {}).__txipMap"
MAP_ROOT_JS = "(document.querySelector('[data-txip-map]') || {}).shadowRoot"


class InlineMap:
    """The inline map of a page in a browser test, used as its frame was: `locator`, `wait_for_selector` (inside the
    map's shadow root) and `evaluate(fn, arg)`, where `fn` is a JS function `(map, doc, arg) => ...` of the Leaflet
    map, the shadow root it is drawn in, and `arg`."""

    def __init__(self, page):
        self.page = page

    def locator(self, selector: str):
        return self.page.locator(f"{MAP_HOST} {selector}")

    def wait_for_selector(self, selector: str, **kw):
        return self.page.wait_for_selector(f"{MAP_HOST} {selector}", **kw)

    def evaluate(self, fn: str, arg=None):
        return self.page.evaluate(f"(arg) => ({fn})({MAP_JS}, {MAP_ROOT_JS}, arg)", arg)

    def bounding_box(self) -> dict:
        return self.page.locator(MAP_HOST).first.bounding_box()


def wait_for_inline_map(page, timeout: float = 60_000) -> InlineMap:
    """The page's inline map once its polygons are drawn (a changed map is redrawn in the same element)."""
    page.wait_for_selector(f"{MAP_HOST} path.leaflet-interactive", timeout=timeout)
    page.wait_for_function(f"() => !!{MAP_JS}", timeout=timeout)
    # Then until its view stops moving (the first fit, a resize of the column, an animation): a point computed from
    # the view while it moves lands elsewhere by the time the mouse gets there.
    page.wait_for_function(
        f"""() => {{ const m = {MAP_JS}; if (!m) return false; const v = JSON.stringify(m.getCenter()) + m.getZoom()
        + JSON.stringify(m.getSize()); const same = window.__txipStill === v; window.__txipStill = v;
        return same && !m._animatingZoom; }}""",
        polling=250,
        timeout=timeout,
    )
    return InlineMap(page)


def square_layers() -> dict:
    """Three square townships and a park for point-in-polygon tests: 延令 | 黄桥 side by side (shared edge at
    120.10), 滨江 below both, a ring of no township inside the outline, park P02 inside 黄桥 touching nothing else."""
    import geopandas as gpd
    from shapely.geometry import box

    yanling, huangqiao, binjiang = "321283002", "321283100", "321283123"
    towns = gpd.GeoDataFrame(
        {"code": [yanling, huangqiao, binjiang]},
        geometry=[
            box(120.00, 32.10, 120.10, 32.20),
            box(120.10, 32.10, 120.20, 32.20),
            box(120.00, 32.00, 120.20, 32.10),
        ],
        crs="EPSG:4326",
    )
    parks = gpd.GeoDataFrame({"code": ["P02"]}, geometry=[box(120.15, 32.15, 120.18, 32.18)], crs="EPSG:4326")
    outline = gpd.GeoDataFrame({"code": ["321283"]}, geometry=[box(119.95, 31.95, 120.25, 32.25)], crs="EPSG:4326")
    return {"townships": towns, "parks": parks, "outline": outline}


def copy_store(src: Path, dst: Path):
    """A copy of the store at `src` as a new store at `dst`, on the backend the tests run on: SQLite's online backup
    of the file; on PostgreSQL (TXIP_PG_URL, `--db-backend=postgresql`) the
    app's own store-to-store copy (`store.migrate.copy_store`: every row, ids and order kept, and the files)."""
    import sqlite3

    from txip_geo.store.backend_pg import ENV_URL
    from txip_geo.store.database import Store

    if os.environ.get(ENV_URL):
        from txip_geo.store.migrate import copy_store as move

        target = Store(dst)
        move(Store(src), target, replace=True)
        return target
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return Store(dst)
