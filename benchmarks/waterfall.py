#!/usr/bin/env python
"""Where the map page's first render spends its time: a waterfall of fresh browser sessions, timed in the page.

    python benchmarks/waterfall.py [--points 5000] [--runs 3] [--work DIR]

Builds the browser benchmark's store (the sample + generated points, `bench_browser.build_store`), starts the app on
it and opens the map page in `runs` + 1 fresh browser sessions (the first only warms the server). For each measured
session it prints, in milliseconds from the navigation's start: the page's DOMContentLoaded, the WebSocket opened
and the rerun request sent, the first and last message of the script's run (and the largest ones), when the sidebar
and title, the first widgets (selectbox, metric, panel table), the map's element, Leaflet's container and every
township and workstation path are on the page, and the scripts fetched (their start and end).

A diagnostic for the first-render figure of `benchmarks/run.py` (it is not a benchmark: no baseline, no table).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts benchmarks/ on sys.path, not the repo root: the root is added for `benchmarks` (a folder
# of the checkout, not part of the installed txip_geo package).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_browser as bb  # noqa: E402
from benchmarks.common import Server, env_for_children  # noqa: E402

# Runs before the page's own scripts: marks (performance.now() of the first frame in which each thing is on the page)
# and every WebSocket message with its size (negative: sent by the page).
PROBE = r"""
(() => {
  const T = window.__wf = {marks: {}, ws: []};
  const mark = (k) => { if (!(k in T.marks)) T.marks[k] = performance.now(); };
  const size = (d) => d.size || d.byteLength || d.length || 0;
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const s = new Native(...args);
    mark('websocket created');
    s.addEventListener('open', () => mark('websocket open'));
    s.addEventListener('message', (e) => T.ws.push([performance.now(), size(e.data)]));
    const send = s.send.bind(s);
    s.send = (d) => { T.ws.push([performance.now(), -size(d)]); return send(d); };
    return s;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, Native);
  const all = %ALL%;
  (function check() {
    if (document.querySelector('[data-testid="stSidebar"]')) mark('sidebar');
    if (document.querySelector('h1')) mark('title (h1)');
    if (document.querySelector('[data-testid="stSelectbox"]')) mark('first selectbox');
    if (document.querySelector('[data-testid="stMetric"]')) mark('panel metric');
    if (document.querySelector('table')) mark('panel table');
    // The sidebar's filters and layers: drawn after the map since 2026-12-07 (pages/map.py), so timed on their own.
    if (document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stCheckbox"]').length >= 4) {
      mark('sidebar filters');
    }
    const host = document.querySelector('[data-txip-map]');
    if (host) {
      mark('map element');
      const root = host.shadowRoot;
      if (root && root.querySelector('.leaflet-container')) mark('Leaflet container');
      const n = root ? root.querySelectorAll('path.leaflet-interactive').length : 0;
      if (n >= 17) mark('townships drawn');
      if (n >= all) mark('every workstation drawn');
    }
    if ('every workstation drawn' in T.marks && 'sidebar filters' in T.marks) return;
    requestAnimationFrame(check);
  })();
})();
"""

REPORT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource')
    .map(r => [r.name.replace(location.origin, ''), r.startTime, r.responseEnd, r.transferSize]);
  return {marks: window.__wf.marks, ws: window.__wf.ws, res, dcl: nav.domContentLoadedEventEnd};
}"""


def session(browser, url: str, all_paths: int) -> dict:
    ctx = bb.new_context(browser)
    page = ctx.new_page()
    try:
        page.add_init_script(PROBE.replace("%ALL%", str(all_paths)))
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_function(
            "() => window.__wf && 'every workstation drawn' in window.__wf.marks && 'sidebar filters' in window.__wf.marks",
            timeout=120_000,
        )
        out = page.evaluate(REPORT)
        out["driver"] = time.perf_counter() - t0
        return out
    finally:
        ctx.close()


def show(i: int, r: dict, scripts: int) -> None:
    print(f"--- session {i}: {r['driver']:.2f} s as the driver saw it")
    rows = [(r["dcl"], "DOMContentLoaded")] + [(v, k) for k, v in r["marks"].items()]
    sent = [t for t, n in r["ws"] if n < 0]
    recv = [(t, n) for t, n in r["ws"] if n > 0]
    if sent:
        rows.append((sent[0], "rerun request sent"))
    if recv:
        rows += [(recv[0][0], "first message of the run"), (recv[-1][0], "last message of the run")]
    for t, what in sorted(rows):
        print(f"  {t:7.0f}  {what}")
    if recv:
        big = sorted(recv, key=lambda m: -m[1])[:3]
        print(
            f"  messages: {len(recv)}, {sum(n for _, n in recv) / 1024:.0f} KB; largest: "
            + ", ".join(f"{n / 1024:.1f} KB at {t:.0f}" for t, n in big)
        )
    js = sorted((x for x in r["res"] if x[0].endswith((".js", ".css"))), key=lambda x: x[2])
    if js:
        print(f"  scripts and styles fetched: {len(js)}, the last {scripts} to arrive (start → end, bytes):")
        for name, start, end, size in js[-scripts:]:
            print(f"    {start:7.0f} → {end:7.0f}  {size:>7}  {name}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--scripts", type=int, default=12, help="how many of the last scripts to list")
    args = ap.parse_args(argv)
    why = bb.available()
    if why:
        print(f"cannot run: {why}")
        return 1
    from playwright.sync_api import sync_playwright

    work = args.work or Path(tempfile.mkdtemp(prefix="txip-waterfall-"))
    work.mkdir(parents=True, exist_ok=True)
    db, counts = bb.build_store(work, args.points)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(bb.CHROMIUM), args=bb.CHROMIUM_ARGS)
        try:
            with Server(ROOT / "app.py", env_for_children(TXIP_DB=db), work / "server_waterfall.log") as server:
                for i in range(args.runs + 1):
                    r = session(browser, server.url, 17 + counts["workstations"])
                    if i:
                        show(i, r, args.scripts)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
