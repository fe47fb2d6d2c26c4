"""Several app processes on one store behind nginx (scripts/run_multi.sh, deploy/nginx-txip.conf; docs/deploy.md).

Starts 2 Streamlit processes, the import worker and a private nginx on the sample store with the repository's script
and config, and checks what a user depends on: the app loads through the proxy (index and health over HTTP, a real
Streamlit session over the proxied websocket), a browser stays on its process (the sticky cookie routes its HTTP
requests and its websocket to the same process), and an import made from the command line while both processes run
shows on pages served by EACH process -- their figure caches are keyed on a version read from the store, not on
process memory. Marked ``load`` (scripts/test.sh runs it in phase 2, alone on the machine). Skipped when nginx is
missing on a developer's machine; a failure in CI or as root (scripts/test.sh installs it there).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import subprocess
import sys
import time
import urllib.request
from http.cookies import SimpleCookie

import pytest
from support import REPO, child_env, copy_store, multi_app, require_nginx

pytestmark = pytest.mark.load

OLD_AS_OF, NEW_AS_OF = "2026-10-31", "2026-11-30"  # the sample's date; the date of the file imported here
TIMEOUT = 60.0


def http(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Cookie": f"txip_route={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
        headers = {}
        for k, v in r.headers.items():  # several Set-Cookie headers: the route cookie is the one kept
            if k.lower() != "set-cookie" or "txip_route=" in v:
                headers[k.lower()] = v
        return r.status, headers, r.read()


def route_of(headers: dict[str, str]) -> str:
    return SimpleCookie(headers["set-cookie"])["txip_route"].value


async def page_run(ws, page: str) -> bytes:
    """Run `page` in the websocket's session as a browser tab does; every element it sent, serialised (the text of
    the page is in there as UTF-8). An exception shown on the page fails the test."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.page_name = page
    await ws.send(msg.SerializeToString())
    out = []
    while True:
        f = ForwardMsg()
        f.ParseFromString(await asyncio.wait_for(ws.recv(), TIMEOUT))
        kind = f.WhichOneof("type")
        if kind == "delta" and f.delta.WhichOneof("type") == "new_element":
            el = f.delta.new_element
            assert el.WhichOneof("type") != "exception", f"{page}: {el.exception.type}: {el.exception.message}"
            out.append(el.SerializeToString())
        elif kind == "page_not_found":
            raise AssertionError(f"page {page!r} not found")
        elif kind == "script_finished" and f.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return b"\n".join(out)


def as_of_shown(content: bytes) -> set[str]:
    return {d for d in (OLD_AS_OF, NEW_AS_OF) if f"数据截至 {d}".encode() in content}


async def run_everywhere(conns: dict) -> dict[int, set[str]]:
    """The 数据 page run in every session at once (one per process); the as-of dates each showed."""
    shown = await asyncio.gather(*(page_run(ws, "data") for ws in conns.values()))
    return {port: as_of_shown(c) for port, c in zip(conns, shown)}


async def sessions_see(app, routes: dict[int, str], when_import) -> dict[int, tuple[set, set]]:
    """A websocket session through the proxy per process (its browser's route cookie), the 数据 page run in each
    before and after `when_import` (a blocking call, run in a thread): the as-of dates each showed."""
    import websockets

    seen, conns = {}, {}
    try:
        for port, route in routes.items():
            conns[port] = await websockets.connect(
                app.ws_url,
                subprotocols=["streamlit"],
                additional_headers={"Cookie": f"txip_route={route}"},
                max_size=None,
                open_timeout=TIMEOUT,
            )
        for port, ws in conns.items():
            # Sticky: the websocket of a browser reaches the process its HTTP requests reached.
            assert ws.response.headers["X-Txip-Upstream"] == f"127.0.0.1:{port}", ws.response.headers
        before = await run_everywhere(conns)
        await asyncio.to_thread(when_import)
        # The same sessions again (a user clicking on), whose process has the old figures in its cache.
        after = await run_everywhere(conns)
    finally:
        for ws in conns.values():
            await ws.close()
    for port in routes:
        seen[port] = (before[port], after[port])
    return seen


def test_two_processes_behind_nginx_share_one_store(demo_db, tmp_path):
    from benchmarks.generate import patent_frame, write_csv
    from txip_geo.store import jobs
    from txip_geo.store.database import Store

    require_nginx()
    db = tmp_path / "multi.sqlite"  # a copy: the import changes it
    copy_store(demo_db, db)
    patents = write_csv(patent_frame(300), tmp_path / "专利_新.csv")

    with multi_app(tmp_path, 2, {"TXIP_DB": str(db)}) as app:
        status, headers, body = http(app.url)
        assert status == 200 and b'id="root"' in body, (status, body[:300])
        assert "txip_route" in headers.get("set-cookie", ""), headers  # a browser gets its route on its first page
        status, _, body = http(app.url + "_stcore/health")
        assert (status, body) == (200, b"ok")

        # A browser (its route cookie) per process: fresh browsers are spread over both by the hash of the cookie.
        routes: dict[str, str] = {}
        for _ in range(64):
            _, headers, _ = http(app.url + "_stcore/health")
            routes.setdefault(headers["x-txip-upstream"].rsplit(":", 1)[1], route_of(headers))
            if len(routes) == 2:
                break
        assert sorted(routes) == sorted(str(p) for p in app.ports), routes
        for port, route in routes.items():  # and with its cookie, every request of a browser reaches its process
            for path in ("", "_stcore/health", "app/static/vendor/leaflet@1.9.3/dist/leaflet.js"):
                status, headers, _ = http(app.url + path, route)
                assert status == 200 and headers["x-txip-upstream"] == f"127.0.0.1:{port}", (path, headers)
                assert "set-cookie" not in headers, headers  # the route is set once, not renewed

        def import_from_cli():
            done = subprocess.run(
                [sys.executable, "-m", "txip_geo", "--db", str(db), "import", "patents", str(patents)]
                + ["--as-of", NEW_AS_OF, "--background"],
                cwd=REPO,
                env=child_env(),
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
            assert done.returncode == 0, done.stderr
            queue = jobs.for_store(Store(db))
            deadline = time.monotonic() + TIMEOUT
            (job,) = queue.recent(1)
            while job.state in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.3)
                job = queue.get(job.id)
            assert job.state == "done", job  # run by the worker run_multi.sh started

        # In a thread of its own: a Playwright test before this one in the same process leaves an event loop
        # running in this thread, where asyncio.run() refuses to start another.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            seen = pool.submit(
                asyncio.run, sessions_see(app, {int(p): r for p, r in routes.items()}, import_from_cli)
            ).result()
        log = app.log()

    for port, (before, after) in seen.items():
        assert before == {OLD_AS_OF}, (port, before)
        assert after == {NEW_AS_OF}, (port, after)  # the process's cached figures were dropped for the new ones
    assert Store(db).imports()["as_of"].max() == NEW_AS_OF
    assert "Traceback" not in log, log[-3000:]
