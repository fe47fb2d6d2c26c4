"""The map switched to 变化（基期→当前） in a real browser (internet blocked): the diverging legend in words, each
township coloured by its change as figures.baseline.compare counts it, the tooltip and the panel giving the same
change; an indicator with no baseline hatched as 无基期数据; the network page's baseline → now section."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import wait_for_inline_map

from txip_geo.cli import main as cli
from txip_geo.figures.baseline import BASELINE, compare
from txip_geo.figures.compute import Settings
from txip_geo.present import change_view, mapspec
from txip_geo.store.database import Store

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test-output"
# 黄桥镇 and a point inside it in the schematic layer, 4.6 km from any park or township border: the map opens at
# zoom 9 (≈260 m a pixel), where a point nearer an outline than its stroke's half-width hovers the outline (the
# layer's representative point, 120.2657/32.23504, is 179 m from 黄桥经济开发区's: its tooltip or the town's came down
# to how Leaflet's 1-px simplification drew the park's ring).
HQ, HQ_POINT = "321283100", (32.27041, 120.29700)

pytestmark = pytest.mark.browser

# Each township's fill as Leaflet holds it (the areas are the features with a value text).
AREA_FILLS = """(map) => { const out = {}; map.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.code && p.value_text !== undefined && l.options.fillColor) out[p.code] = l.options.fillColor; });
    return out; }"""


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser-change") / "demo.sqlite"
    assert cli(["--db", str(path), "demo"]) == 0
    return path


@pytest.fixture(scope="module")
def comp(demo_store):
    return compare(Store(demo_store), Settings(), BASELINE, series=False)


@pytest.fixture
def app(streamlit_server, demo_store):
    return streamlit_server(REPO / "app.py", env={"TXIP_DB": str(demo_store)})


def _screen_point(m, latlng):
    x, y = m.evaluate(
        "(map, doc, [lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }",
        list(latlng),
    )
    box = m.bounding_box()
    return box["x"] + x, box["y"] + y


def test_the_map_switched_to_change_colours_legend_tooltip_and_panel(app, page, browser_log, comp):
    OUT.mkdir(exist_ok=True)
    page.goto(app.url)
    wait_for_inline_map(page)
    page.get_by_text("变化（基期→当前）", exact=True).click()  # the sidebar's display choice
    page.wait_for_selector("[data-txip-map] .txip-legend:has-text('向好')", timeout=180_000)
    m = wait_for_inline_map(page)

    # The legend: the title with both dates and every class in words, largest increase first.
    legend = m.locator(".txip-legend").first.inner_text()
    assert f"基期 {comp.baseline} → {comp.current}" in legend
    labels = [lbl for _, lbl in mapspec.change_legend_entries(change_view.change_scale(comp, "patents"))]
    changes = comp.areas.loc[comp.areas["metric"] == "patents", "change"].dropna()
    assert "无变化" in labels and any("（向好）" in x for x in labels) == bool((changes > 0).any())
    assert any("（变差）" in x for x in labels) == bool((changes < 0).any())  # only the directions that occur
    positions = [legend.index(lbl) for lbl in labels]
    assert positions == sorted(positions), legend
    assert f"基期值取自 {comp.baseline} 的快照" in legend  # the sample's own baseline snapshot, said under the legend

    # Every township is filled with the colour of its change's class, as compare() counts it.
    frame = change_view.change_frame(comp, "units", "patents").set_index("code")
    scale = change_view.change_scale(comp, "patents")
    fills = m.evaluate(AREA_FILLS)
    assert len(fills) == 17
    for code, fill in fills.items():
        want = mapspec.change_color(mapspec.change_class(frame.at[code, "value"], scale), scale)
        assert fill == want, (code, fill, want)

    # The tooltip of 黄桥镇 and its panel give the comparison's change.
    change = comp.areas.set_index(["code", "metric"]).loc[(HQ, "patents")]
    text = mapspec.format_change(change["change"], "件")
    x, y = _screen_point(m, HQ_POINT)
    page.mouse.move(x, y)
    tip = m.wait_for_selector(".leaflet-tooltip", timeout=10_000).inner_text()
    assert (
        text in tip and f"基期 {int(change['baseline']):,} 件" in tip and f"当前 {int(change['current']):,} 件" in tip
    )
    page.mouse.click(x, y)
    page.wait_for_selector('h3:has-text("黄桥镇")', timeout=60_000)
    line = page.locator(".txip-change-line:has-text('排名')").first  # the township's (the city's has no rank)
    line.wait_for(timeout=60_000)
    cells = line.inner_text().split("\n")  # label, value, label, value …
    shown = dict(zip(cells[::2], cells[1::2]))
    assert shown["变化"] == text and shown["排名"] == f"第{int(change['rank_then'])} → 第{int(change['rank_now'])}"
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "change_map.png"), full_page=True)
    assert "mode=change" in page.url and f"unit={HQ}" in page.url

    # 执法案件与纠纷: the sample's case ledger has no baseline file, its rows are wound back (推算); less is better.
    page.goto(app.url + "?mode=change&ind=cases")
    page.wait_for_selector("[data-txip-map] .txip-legend:has-text('推算')", timeout=180_000)
    m = wait_for_inline_map(page)
    legend = m.locator(".txip-legend").first.inner_text()
    assert "越少越好" in legend, legend
    frame = change_view.change_frame(comp, "units", "cases").set_index("code")
    scale = change_view.change_scale(comp, "cases")
    fills = m.evaluate(AREA_FILLS)
    for code, fill in fills.items():
        assert fill == mapspec.change_color(mapspec.change_class(frame.at[code, "value"], scale), scale), code
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "change_map_cases.png"), full_page=True)

    # The network page: the three-tier network then and now; the units that gained an office are listed.
    page.goto(app.url + "network")
    page.wait_for_selector("h3:has-text('基期以来的变化')", timeout=180_000)
    net = comp.network
    gained = list(net.loc[net["gained_office"] == True, "name"])  # noqa: E712
    assert gained  # the sample: 分界镇, 珊瑚镇 … gained an office since the baseline
    page.wait_for_selector(f"text={gained[0]}", timeout=60_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "change_network.png"), full_page=True)
    assert browser_log.external_requests == [], browser_log.external_requests
