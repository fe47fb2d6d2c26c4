"""The map page in a real browser (Debian chromium through Playwright, internet blocked), side by side with Streamlit's
floor (a title-only page) and the fair competitor (benchmarks/fair_map_app.py: a well-written cached `st_folium`
page drawing the same townships and workstations).

The store: the bundled sample plus `points` generated workstations (10 %), cases (30 %) and enterprises (60 %) with
coordinates, imported through the command line. Each measurement is a fresh browser session (empty cache):

* first render: from opening the page to the township map drawn with the default layers (workstations on); also
  for a returning browser (a new tab in a browser context that opened the app before: its HTTP cache warm);
* all layers on: ticking 执法案件与纠纷 and 企业（规上/高企） until both layers are on the map (every point shown);
* click to panel: clicking 黄桥镇 on the map (with every layer on) until its panel's heading, indicator figure and
  rank show and the township is outlined on the map (the time to the heading alone is reported in the note). Timed
  in the page: from the mousedown event to the first animation frame that has all of it, so the driver's own round
  trips are not counted; the time as Playwright sees it (its mouse events dispatched, then its wait answered) is
  in the note too.

Streamlit's floor is measured on a page holding only a title and a button: a fresh session until the title shows,
and a click that reruns a fragment until its heading, figure and caption show (timed in the page, as the map's click).
The three servers run at the same time and their fresh sessions alternate (floor, st_folium page, app; `repeats`
rounds after one warm-up round), so each round's load is shared by all three. The app with every cache off
(TXIP_NO_CACHE=1, the baseline until 2026-12-07) is measured only with TXIP_BENCH_NO_CACHE=1 (history).

The server's peak memory (VmHWM of the streamlit process) is read after the sessions.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.present.mapspec import SELECTED_COLOR

from . import generate
from .common import ROOT, Row, Server, env_for_children, gain_lower_is_better, median, peak_kb, run_child

MAP_HOST = "[data-txip-map]"  # the inline map component's element (ui/folium_view.py); the map is in its shadow root
HQ_POINT = (32.23504, 120.2657)  # inside 黄桥镇 (as tests/browser/test_app.py)
CHROMIUM = Path("/usr/bin/chromium")
# The internet is cut off at the browser, passively: every request goes to a proxy that is not there, except the
# loopback ones, which Chromium never sends through a proxy. (Intercepting each request with Playwright's `route`,
# as the browser tests do, stops it for a round trip to this script: ≈0.5 s more for a fresh page of 65 requests on
# a 2-core machine, which no user pays.) Requests to other hosts are still recorded (`_Watch`) and reported: there
# must be none. Chromium also builds its address-bar dropdown (a WebUI page in a renderer of its own, busy ≈40 % as
# long as the page's renderer in a trace of one fresh session) for every new browser window, i.e. every measured
# session; a user's browser did that once, when it started: it is switched off so as not to compete for the CPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup,PreloadTopChromeWebUI",
]
LOCAL = ("127.0.0.1", "localhost")
AS_OF = "2026-10-31"

# Evaluated in the page: the shadow root the map is drawn in (querySelector works on it as on a document).
MAP_DOC = "(() => { const h = document.querySelector('[data-txip-map]'); return h && h.shadowRoot; })()"


def available() -> str:
    """'' when the browser benchmark can run, else why not."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (python package) is not installed"
    return ""


def build_store(work: Path, points: int, log=print) -> tuple[Path, dict]:
    """A store with the sample and the generated points; returns (path, counts per kind)."""
    db = work / "browser.sqlite"
    for p in work.glob("browser.sqlite*"):
        p.unlink()
    files = generate.point_files(points, work / "points")
    args = [["--db", str(db), "demo"]] + [
        ["--db", str(db), "import", kind, str(path), "--as-of", AS_OF] for kind, path in files.items()
    ]
    run_child(
        "from txip_geo.cli import main\nimport json\n"
        f"for a in {args!r}:\n    assert main(a) == 0, a\nprint(json.dumps({{}}))"
    )
    import pandas as pd

    counts = {k: len(pd.read_csv(p)) for k, p in files.items()}
    log(f"  store: sample + {sum(counts.values()):,} points {counts}")
    return db, counts


class _Watch:
    """Records every request of a browser context that is not to this machine (there must be none)."""

    def __init__(self):
        self.external: list[str] = []

    def __call__(self, request) -> None:
        from urllib.parse import urlsplit

        url = request.url
        if not url.startswith(("data:", "blob:", "about:")) and urlsplit(url).hostname not in LOCAL:
            self.external.append(url)


WATCH = _Watch()


def new_context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    ctx.on("request", WATCH)
    return ctx


def _count(page, selector: str) -> int:
    return page.evaluate(f"() => {{ const d = {MAP_DOC}; return d ? d.querySelectorAll({selector!r}).length : -1; }}")


def _wait(page, js_condition: str, timeout: float = 120_000) -> None:
    page.wait_for_function(f"() => {{ const d = {MAP_DOC}; if (!d) return false; {js_condition} }}", timeout=timeout)


# A click timed in the page, from the mousedown event (on the map, or the page) to the first animation frame in which
# the answer is on screen; the driver's own round trips (Playwright dispatching the mouse events, each wait asking the
# page again) are left out. `heading` and `done` are bodies of functions of `m`, the map's shadow root (or null),
# evaluated once a frame in the app page.
_CLICK_PROBE = """([onMap, heading, done]) => {
  const now = () => performance.timeOrigin + performance.now();
  const mapDoc = () => { const h = document.querySelector('[data-txip-map]'); return h && h.shadowRoot; };
  const r = window.__txipClick = {down: null, heading: null, done: null};
  // On the document, captured: a mouse event inside the map's shadow root reaches it too (composed), and the map's
  // element may be replaced by a rerun between this probe and the click (a listener on its old root would not fire).
  document.addEventListener('mousedown', () => { r.down = now(); }, {capture: true, once: true});
  const isHeading = new Function('m', heading), isDone = new Function('m', done);
  (function tick() {
    if (r.down !== null) {
      const m = mapDoc();
      if (r.heading === null && isHeading(m)) r.heading = now();
      if (r.heading !== null && isDone(m)) { r.done = now(); return; }
    }
    requestAnimationFrame(tick);
  })();
}"""
# The township's heading: an h3 naming one of the 17 (the click aims inside 黄桥镇; on a small map a neighbour may
# take it, which times the same work).
_UNIT_NAMES = json.dumps([u.name for u in load_gazetteer().units], ensure_ascii=False)
_FIND_UNIT_H3 = f"[...document.querySelectorAll('h3')].find(e => {_UNIT_NAMES}.includes(e.textContent.trim()))"
_HEADING = f"return !!{_FIND_UNIT_H3};"


def _timed_click(page, x: float, y: float, *, on_map: bool, heading: str, done: str) -> dict:
    """Click at (x, y): {'heading', 'done'} seconds after the mousedown (in-page), 'driver': as Playwright saw it."""
    page.evaluate(_CLICK_PROBE, [on_map, heading, done])
    t = time.perf_counter()
    page.mouse.click(x, y)
    page.wait_for_function("() => window.__txipClick.done !== null", timeout=120_000)
    driver = time.perf_counter() - t
    r = page.evaluate("() => window.__txipClick")
    return {"heading": (r["heading"] - r["down"]) / 1000, "done": (r["done"] - r["down"]) / 1000, "driver": driver}


def _hq_points(n: int = 40) -> list[tuple[float, float]]:
    """(lat, lng) spots well inside 黄桥镇 (the bundled layer, 300 m from its border): HQ_POINT first, then a grid."""
    import numpy as np
    import shapely

    from txip_geo.areas import boundaries

    poly = boundaries.bundled_townships().set_index("code").geometry["321283100"].buffer(-0.003)
    x0, y0, x1, y1 = poly.bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, 12), np.linspace(y0, y1, 12))
    inside = shapely.contains_xy(poly, xs.ravel(), ys.ravel())
    grid = [(float(y), float(x)) for x, y in zip(xs.ravel()[inside], ys.ravel()[inside])]
    return [HQ_POINT, *grid[:n]]


def _click_point(page):
    """Screen position of a spot in 黄桥镇 where the township polygon itself (not a marker) is under the mouse: the
    first of _hq_points whose projected position shows a polygon path, once the map's view has stopped moving (after
    the layers are switched on the map may still be fitting its view)."""
    page.wait_for_selector(MAP_HOST, state="attached")
    page.wait_for_function(
        """() => { const h = document.querySelector('[data-txip-map]'); const m = h && h.__txipMap;
        if (!m) return false; const c = JSON.stringify(m.getCenter()) + m.getZoom();
        const same = window.__txipView === c; window.__txipView = c; return same && !m._animatingZoom; }""",
        polling=200,
        timeout=30_000,
    )
    return tuple(
        page.evaluate(
            """(spots) => {
        const host = document.querySelector('[data-txip-map]'), map = host.__txipMap, root = host.shadowRoot;
        const c = map.getContainer().getBoundingClientRect();
        for (const [lat, lng] of spots) {
            const p = map.latLngToContainerPoint([lat, lng]), x = c.left + p.x, y = c.top + p.y;
            const el = root.elementFromPoint(x, y);
            if (el && el.tagName === 'path' && el.getAttribute('stroke') !== '#ffffff'
                && el.getAttribute('fill') !== 'none') return [x, y];
        }
        const p = map.latLngToContainerPoint(spots[0]);
        return [c.left + p.x, c.top + p.y];
    }""",
            [list(p) for p in _hq_points()],
        )
    )


def session(browser, url: str, n_ws: int, *, layers: bool = True, shot: Path | None = None) -> dict:
    """One fresh browser session: first render, all layers on, click to panel (seconds)."""
    ctx = new_context(browser)
    page = ctx.new_page()
    out = {}
    try:
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(MAP_HOST, state="attached", timeout=180_000)
        # Drawn: the 17 townships and every active workstation point are paths on the map.
        _wait(page, f"return d.querySelectorAll('path.leaflet-interactive').length >= {17 + n_ws};", 180_000)
        out["first_render"] = time.perf_counter() - t0
        if shot:
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot.with_name(shot.stem + "_first.png")))
        if layers:
            t1 = time.perf_counter()
            for label, name in (("执法案件与纠纷", "执法案件与纠纷"), ("企业（规上/高企）", "企业（规上/高企）")):
                page.locator('[data-testid="stCheckbox"]').filter(has_text=label).locator("label").click()
                _wait(
                    page,
                    "const c = d.querySelector('.leaflet-control-layers');"
                    f" return !!c && c.innerText.includes({name!r}) && "
                    "d.querySelectorAll('.marker-cluster').length > 0;",
                    180_000,
                )
            out["layers_on"] = time.perf_counter() - t1
            page.wait_for_timeout(300)
        x, y = _click_point(page)
        # The whole answer: the township's heading, its indicator figure under it, the rank caption under the figure
        # and the township outlined on the map.
        c = _timed_click(
            page,
            x,
            y,
            on_map=True,
            heading=_HEADING,
            done=(
                f"const h = {_FIND_UNIT_H3};"
                " if (!h || !m) return false; const b = h.getBoundingClientRect().bottom;"
                " return [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
                ".some(e => e.getBoundingClientRect().top >= b - 1)"
                " && document.body.textContent.includes('在 17 个镇街中排第')"
                f" && !!m.querySelector('path[stroke=\"{SELECTED_COLOR}\"]');"
            ),
        )
        out["click_heading"], out["click"], out["click_driver"] = c["heading"], c["done"], c["driver"]
        if shot:
            page.wait_for_timeout(800)
            page.screenshot(path=str(shot), full_page=True)
    finally:
        ctx.close()
    return out


FLOOR_APP = """import streamlit as st
st.title("基准")


@st.fragment
def panel():
    if st.button("点我"):
        st.subheader("黄桥镇")
        st.metric("专利总量", "3,389 件")
        st.caption("在 17 个镇街中排第 1 位")


panel()
"""


def floor_session(browser, url: str) -> dict:
    """One fresh session of the title-only page: until the title shows; then a click rerunning a fragment."""
    ctx = new_context(browser)
    page = ctx.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector('h1:has-text("基准")', timeout=120_000)
        render = time.perf_counter() - t0
        button = page.wait_for_selector('button:has-text("点我")', timeout=120_000)
        page.wait_for_timeout(300)
        box = button.bounding_box()
        c = _timed_click(
            page,
            box["x"] + box["width"] / 2,
            box["y"] + box["height"] / 2,
            on_map=False,
            heading=_HEADING,
            done="return document.body.textContent.includes('在 17 个镇街中排第')"
            " && !!document.querySelector('[data-testid=\"stMetric\"]');",
        )
    finally:
        ctx.close()
    return {"render": render, "click": c["done"], "click_driver": c["driver"]}


ST_FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def fair_session(browser, url: str, n_ws: int) -> float:
    """One fresh session of the fair st_folium page: until the townships and every workstation are drawn (paths in
    streamlit-folium's frame)."""
    ctx = new_context(browser)
    page = ctx.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url)
        # Asked from the app page, through the frame's document (same origin): streamlit-folium's frame may be
        # replaced while the page settles, and a handle on the first one would then wait for nothing.
        page.wait_for_function(
            f"""() => {{ const f = document.querySelector('{ST_FOLIUM_FRAME}');
                const d = f && f.contentDocument;
                return !!d && d.querySelectorAll('path.leaflet-interactive').length >= {17 + n_ws}; }}""",
            timeout=180_000,
        )
        return time.perf_counter() - t0
    finally:
        ctx.close()


def returning(browser, url: str, n_ws: int, repeats: int) -> float:
    """First render for a user who opened the app before: one browser context (its HTTP cache warm: Streamlit's
    and the map's scripts are not fetched again), a new tab and a new Streamlit session each time."""
    ctx = new_context(browser)
    runs = []
    try:
        for _ in range(repeats + 1):
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            _wait(page, f"return d.querySelectorAll('path.leaflet-interactive').length >= {17 + n_ws};", 180_000)
            runs.append(time.perf_counter() - t0)
            page.close()
    finally:
        ctx.close()
    return median(runs[1:])


def measure(browser, servers: dict, n_ws: int, repeats: int, log, shots: Path | None) -> dict:
    """Alternating fresh sessions of the floor, the fair st_folium page and the app (one warm-up round first)."""
    rounds = []
    for i in range(repeats + 1):
        shot = (shots / f"cached_{i}.png") if shots and i == repeats else None
        r = {
            "floor": floor_session(browser, servers["floor"].url),
            "fair": fair_session(browser, servers["fair"].url, n_ws),
            "app": session(browser, servers["app"].url, n_ws, shot=shot),
        }
        rounds.append(r)
        log(
            f"    round {i}: floor {r['floor']['render']:.2f} s, st_folium {r['fair']:.2f} s, app "
            + ", ".join(f"{k} {v:.2f} s" for k, v in r["app"].items())
        )
    warm = rounds[1:]
    app = [r["app"] for r in warm]
    back = returning(browser, servers["app"].url, n_ws, repeats)
    log(f"    app, returning browser: {back:.2f} s")
    return {
        "floor": {
            "render": median([r["floor"]["render"] for r in warm]),
            "click": median([r["floor"]["click"] for r in warm]),
            "click_driver": median([r["floor"]["click_driver"] for r in warm]),
        },
        "fair": {"first_render": median([r["fair"] for r in warm]), "cold": rounds[0]["fair"]},
        "cached": {
            "cold": rounds[0]["app"],
            "returning": back,
            "first_render": median([r["first_render"] for r in app]),
            "layers_on": median([r.get("layers_on") for r in app]),
            "click": median([r["click"] for r in app]),
            "click_heading": median([r.get("click_heading") for r in app]),
            "click_driver": median([r["click_driver"] for r in app]),
            "peak_kb": peak_kb(servers["app"].pid),
            "runs": app,
        },
        # per round: the app's first render less the floor's (what the map page adds), and less the st_folium page's
        "app_minus_floor": median([r["app"]["first_render"] - r["floor"]["render"] for r in warm]),
        "app_minus_fair": median([r["app"]["first_render"] - r["fair"] for r in warm]),
    }


def history_no_cache(browser, db: Path, work: Path, n_ws: int, repeats: int, log) -> dict:
    """The app with every cache off (the baseline before 2026-12-07), only with TXIP_BENCH_NO_CACHE=1."""
    env = env_for_children(TXIP_DB=db, TXIP_NO_CACHE="1")
    with Server(ROOT / "app.py", env, work / "server_no_cache.log") as server:
        runs = [session(browser, server.url, n_ws) for _ in range(repeats + 1)][1:]
    out = {k: median([r[k] for r in runs]) for k in ("first_render", "layers_on", "click")}
    log(f"    no-cache app (history): {out}")
    return out


def run(size, work: Path, results, log=print, big_store: Path | None = None, shots: Path | None = None) -> dict:
    why = available()
    if why:
        log(f"  browser benchmark skipped: {why}")
        results.info["browser"] = {"skipped": why}
        return {}
    from playwright.sync_api import sync_playwright

    work.mkdir(parents=True, exist_ok=True)
    db, counts = build_store(work, size.points, log)
    n_ws = counts["workstations"]
    info = {"counts": counts}
    app = work / "floor_app.py"
    app.write_text(FLOOR_APP, encoding="utf-8")
    env = env_for_children(TXIP_DB=db)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            with (
                Server(app, env_for_children(), work / "server_floor.log") as floor_server,
                Server(ROOT / "benchmarks" / "fair_map_app.py", env, work / "server_fair.log") as fair_server,
                Server(ROOT / "app.py", env, work / "server_cached.log") as app_server,
            ):
                servers = {"floor": floor_server, "fair": fair_server, "app": app_server}
                info.update(measure(browser, servers, n_ws, size.repeats, log, shots))
            if os.environ.get("TXIP_BENCH_NO_CACHE") == "1":
                info["no_cache"] = history_no_cache(browser, db, work, n_ws, size.repeats, log)
            if big_store is not None:
                env = env_for_children(TXIP_DB=big_store)
                with Server(ROOT / "app.py", env, work / "server_big.log") as server:
                    r = session(browser, server.url, 0, layers=False)
                    r2 = session(browser, server.url, 0, layers=False)
                    info["big"] = {"cold": r, "warm": r2, "peak_kb": peak_kb(server.pid)}
                    log(f"    app with the big store: cold {r}, warm {r2}, peak {info['big']['peak_kb'] / 1024:.0f} MB")
        finally:
            browser.close()

    c, fair = info["cached"], info["fair"]
    n = sum(counts.values())
    rep = f"median of {size.repeats} fresh sessions" if size.repeats > 1 else "one fresh session"
    fl = info["floor"]
    info["external_requests"] = list(WATCH.external)
    ext = f"requests to the internet: {len(WATCH.external)}" if WATCH.external else "no request left this machine"
    over_floor = info["app_minus_floor"]
    results.add(
        Row(
            "Map page in a browser",
            f"first full render, sample + {n:,} points (warm server)",
            c["first_render"],
            "s",
            fair["first_render"],
            gain_lower_is_better(c["first_render"], fair["first_render"]),
            target="≤ floor + 0.5 s, ahead of st_folium",
            met=over_floor <= 0.5 and c["first_render"] < fair["first_render"],
            note=f"{rep} (empty browser cache), alternating with the floor and the fair page; fair baseline: "
            "benchmarks/fair_map_app.py, a cached st_folium page drawing the same townships (coverage_simplify, "
            f"trimmed properties) and workstations, cold {fair['cold']:.2f} s; this app adds {over_floor:.2f} s to "
            f"the floor (median of the rounds' differences); default layers (工作站 on); cold server: "
            f"{c['cold']['first_render']:.2f} s; {ext}",
        ),
        Row(
            "Map page in a browser",
            "first full render, returning browser (its cache warm)",
            c["returning"],
            "s",
            note="a new tab and Streamlit session in a browser that opened the app before (how staff reopen it); "
            f"median of {size.repeats}",
        ),
        Row(
            "Map page in a browser",
            "Streamlit's floor: a page with only a title, fresh session",
            fl["render"],
            "s",
            note=f"{rep}, alternating with the app; what any Streamlit page costs on this machine before it shows "
            f"anything of its own (the map page adds {over_floor:.2f} s)",
        ),
        Row(
            "Map page in a browser",
            f"all {n:,} points on (tick 案件 and 企业 layers)",
            c["layers_on"],
            "s",
            note="two reruns of the page; cases and enterprises are drawn as marker clusters",
        ),
        Row(
            "Map page in a browser",
            "click a township → its panel and outline (every layer on)",
            c["click"],
            "s",
            target="< 0.5 s",
            met=c["click"] < 0.5,
            note=f"{rep}; from the mousedown to the first frame showing the panel's heading, indicator figure and "
            f"rank and the township outlined on the map (timed in the page); the heading alone: "
            f"{c['click_heading']:.2f} s; as the driver sees it (Playwright's mouse events and waits): "
            f"{c['click_driver']:.2f} s",
        ),
        Row(
            "Map page in a browser",
            "Streamlit's floor: a click that reruns a fragment (heading, figure, caption)",
            fl["click"],
            "s",
            note=f"{rep}; a button on the title-only page: what any such click costs on this machine (the map's "
            f"click adds {c['click'] - fl['click']:.2f} s)",
        ),
        Row(
            "Memory",
            f"app server peak RSS, sample + {n:,} points",
            c["peak_kb"] / 1024,
            "MB",
            note="VmHWM of the streamlit process after the sessions",
        ),
    )
    if "big" in info:
        big = info["big"]
        results.add(
            Row(
                "Memory",
                f"app server peak RSS, sample + {size.memory_patents:,} patents",
                big["peak_kb"] / 1024,
                "MB",
                note=f"after two sessions (first render + click); first render on a cold server "
                f"{big['cold']['first_render']:.1f} s, warm {big['warm']['first_render']:.2f} s, "
                f"click {big['warm']['click']:.2f} s",
            ),
        )
    results.info["browser"] = info
    return info
