"""Everything that comes from a file is text: names with HTML or script in them show as those characters in the map's
tooltips and in the township panel, and nothing runs (real browser, internet blocked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import wait_for_inline_map

from txip_geo.ingest.pipeline import import_file
from txip_geo.store.database import Store

REPO = Path(__file__).resolve().parents[2]
HQ = (32.23504, 120.2657)  # inside 黄桥镇 (321283100) in the schematic layer

pytestmark = pytest.mark.browser

NAME = "<img src=x onerror=alert(1)>"
# The tooltip text sits inside a JavaScript template literal in folium's output: ${…}, back-ticks and backslash
# escapes must not be evaluated either.
TYPE = "<script>alert(2)</script>${alert(3)}"
HOST = "`);alert(4);//<script>alert(5)</script>\\x3cimg src=x onerror=alert(6)>"
CAUSE = "<img src=x onerror=alert(7)>假冒专利"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xss")
    db = folder / "xss.sqlite"
    store = Store(db)
    ws = folder / "工作站.csv"
    import csv

    with open(ws, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "名称", "类型", "依托单位", "所属镇街", "经度", "纬度"])
        w.writerow(["W1", NAME, TYPE, HOST, "黄桥镇", HQ[1], HQ[0]])
    cases = folder / "案件.csv"
    with open(cases, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["案件编号", "案件类别", "案由", "立案日期", "办理状态", "结案日期", "当事人", "所属镇街"])
        w.writerow(
            ["<b>X1</b>", "查处", CAUSE, "2025-03-01", "已结案", "2025-04-01", "<script>alert(8)</script>", "黄桥镇"]
        )
    assert import_file(store, "workstations", ws, as_of="2026-10-31").rows_imported == 1
    assert import_file(store, "cases", cases, as_of="2026-10-31").rows_imported == 1
    return db


@pytest.fixture
def app(streamlit_server, hostile_store):
    return streamlit_server(REPO / "app.py", env={"TXIP_DB": str(hostile_store)})


def _watch(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(d):
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _no_injected_elements(page, m) -> None:
    """No element a name carried got into the page or the map (Playwright's selectors go into the map's shadow
    root), and no script element holds one."""
    assert page.locator("img[src=x]").count() == 0 and page.locator('img[src="x"]').count() == 0
    scripts = page.evaluate("() => Array.from(document.scripts).map(s => s.textContent).join('\\n')")
    scripts += m.evaluate(
        "(map, doc) => Array.from(doc.querySelectorAll('script')).map(s => s.textContent).join('\\n')"
    )
    assert "alert(2)</script>" not in scripts and "<script>alert(5)" not in scripts


def test_hostile_names_show_as_text_in_tooltips_and_panel_and_run_nothing(app, page, browser_log):
    dialogs = _watch(page)
    page.goto(app.url)
    frame = wait_for_inline_map(page)
    # Hover the workstation (a CircleMarker) where Leaflet draws it.
    x, y = frame.evaluate(
        "(map, doc, [lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }", list(HQ)
    )
    box = frame.bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = frame.wait_for_selector(".leaflet-tooltip", timeout=10_000)
    text = tip.inner_text()
    assert NAME in text and "<script>alert(2)</script>" in text and "${alert(3)}" in text, text
    page.wait_for_timeout(500)
    assert dialogs == [], dialogs
    _no_injected_elements(page, frame)
    assert browser_log.external_requests == [], browser_log.external_requests

    # The same texts in the township panel's tables (same server: one start for both checks).
    page.set_viewport_size({"width": 2600, "height": 1000})  # the grid renders the cells of visible columns only
    page.goto(app.url + "?unit=321283100")
    page.wait_for_selector('h3:has-text("黄桥镇")', timeout=60_000)
    frame = wait_for_inline_map(page)
    page.get_by_role("tab", name="工作站").click()
    _grid_has(page, NAME)
    _grid_has(page, HOST)
    page.get_by_role("tab", name="执法案件与纠纷").click()
    _grid_has(page, CAUSE)
    _grid_has(page, "<b>X1</b>")
    _grid_has(page, "<script>alert(8)</script>")
    page.wait_for_timeout(500)
    assert dialogs == [], dialogs
    _no_injected_elements(page, frame)
    assert page.locator("b:text-is('X1')").count() == 0
    assert browser_log.external_requests == [], browser_log.external_requests


def _grid_has(page, text: str) -> None:
    """A Glide data grid draws on a canvas; its accessibility table holds the texts of the cells on screen."""
    page.wait_for_function(
        "t => Array.from(document.querySelectorAll('[data-testid=stDataFrame] td')).some(c => c.textContent === t)",
        arg=text,
        timeout=20_000,
    )
