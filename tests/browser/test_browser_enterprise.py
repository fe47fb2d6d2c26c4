"""The 企业 page in a real browser (internet blocked): search an enterprise by the 拼音 initials of part of its name,
open its profile from the results, find its point on the profile's map (inside its township, which is outlined), and
go on to the 地图 page with its township selected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import MAP_JS, InlineMap

from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.cli import main as cli
from txip_geo.figures import enterprises as en
from txip_geo.figures import names
from txip_geo.figures.compute import Settings, compute
from txip_geo.present import enterprise_view as view
from txip_geo.present.mapspec import SELECTED_COLOR
from txip_geo.store.database import Store
from txip_geo.strings import t

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test-output"

pytestmark = pytest.mark.browser

# The enterprise's point and the outlined areas as Leaflet holds them.
POINT = f"""(map) => {{ let out = null; map.eachLayer(l => {{ const p = l.feature && l.feature.properties;
    if (p && p.c === '{view.POINT_COLOR}' && l.getLatLng) out = {{lat: l.getLatLng().lat, lng: l.getLatLng().lng,
    tip: p.t, visible: map.getBounds().contains(l.getLatLng())}}; }}); return out; }}"""
OUTLINED = f"""(map) => {{ const out = []; map.eachLayer(l => {{ const p = l.feature && l.feature.properties;
    if (p && p.code && l.options.color === '{SELECTED_COLOR}') out.push(p.code); }}); return out; }}"""


def wait_for_profile_map(page, timeout: float = 120_000) -> InlineMap:
    """The profile's map once drawn and still. (support.wait_for_inline_map waits for the first area to be visible:
    this map is zoomed to one township, so the first area drawn may lie outside the view.)"""
    page.wait_for_function(
        f"() => {{ const m = {MAP_JS}; return !!m && Object.keys(m._layers).length > 20; }}", timeout=timeout
    )
    page.wait_for_function(
        f"""() => {{ const m = {MAP_JS}; const v = JSON.stringify(m.getCenter()) + m.getZoom()
        + JSON.stringify(m.getSize()); const same = window.__txipStill === v; window.__txipStill = v;
        return same && !m._animatingZoom; }}""",
        polling=250,
        timeout=timeout,
    )
    return InlineMap(page)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser-enterprise") / "demo.sqlite"
    assert cli(["--db", str(path), "demo"]) == 0
    return path


@pytest.fixture(scope="module")
def target(demo_store):
    """An enterprise with a township and coordinates, the initials of four characters of its name as the query."""
    fs = compute(Store(demo_store), Settings())
    ent = fs.records["enterprises"].sort_values("name")
    e = ent[ent["unit_code"].notna() & ent["lon"].notna()].iloc[0]
    letters = names.initials(e["name"]).strip("|").split("|")
    query = "".join(x[0] for x in letters[4:8])
    hits = en.search_enterprises(fs, query, limit=None)
    assert e["credit_code"] in set(hits["credit_code"])
    return e, query, len(hits), view.display_point(en.profile(fs, e["credit_code"], first=0))


@pytest.fixture
def app(streamlit_server, demo_store):
    return streamlit_server(REPO / "app.py", env={"TXIP_DB": str(demo_store)})


def test_search_open_the_profile_and_find_it_on_the_map(app, page, browser_log, target):
    e, query, n_hits, (lon, lat) = target
    OUT.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1900})  # the profile and its map in one screenshot
    page.goto(app.url + "enterprises")
    box = page.get_by_role("textbox", name=t("enterprise.search"))
    box.wait_for(timeout=120_000)
    box.fill(query)
    box.press("Enter")
    page.get_by_text(t("enterprise.results", n=min(n_hits, 50)), exact=True).wait_for(timeout=60_000)

    # Open its profile from the results (the select lists name（credit code）).
    if n_hits > 1:
        page.get_by_test_id("stSelectbox").filter(has_text=t("enterprise.pick")).click()
        page.get_by_role("option", name=f"{e['name']}（{e['credit_code']}）").click()
    heading = f"{t('enterprise.profile')}：{e['name']}"
    page.locator(f'h3:has-text("{heading}")').wait_for(timeout=60_000)
    township = load_gazetteer().name_of(e["unit_code"])
    assert f"{t('enterprise.township')}：{township}" in page.locator("[data-testid=stMain]").inner_text()

    # Its map: the enterprise's point where the roster puts it, in view, its tooltip its name; its township outlined.
    m = wait_for_profile_map(page)
    point = m.evaluate(POINT)
    assert point is not None and point["visible"], point
    assert point["lat"] == pytest.approx(lat, abs=1e-5) and point["lng"] == pytest.approx(lon, abs=1e-5)
    assert e["name"] in point["tip"]
    assert m.evaluate(OUTLINED) == [e["unit_code"]]
    assert "本企业" in m.locator(".txip-legend").first.inner_text()
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "enterprise_profile.png"), full_page=True)

    # On to the 地图 page: its township selected there.
    page.get_by_role("button", name=t("enterprise.show_on_map")).click()
    page.wait_for_url(re.compile(rf"/(map)?\?(.*&)?unit={e['unit_code']}(&|$)"), timeout=60_000)  # / is the map
    page.wait_for_selector(f'h3:has-text("{township}")', timeout=120_000)
    assert not browser_log.external_requests
