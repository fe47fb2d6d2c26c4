"""The 企业 page on the bundled sample, run headless with Streamlit's AppTest: search → profile, the 消零 worklist."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import page_text
from test_page_network import store_env

from txip_geo.figures import enterprises as en
from txip_geo.figures.compute import METRICS
from txip_geo.strings import t

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def page(demo_db):
    with store_env(demo_db):
        at = AppTest.from_file(str(ROOT / "pages" / "enterprises.py"), default_timeout=120)
        at.run()
        yield at


def test_search_opens_the_profile(page, demo_fs):
    assert not page.exception
    e = demo_fs.records["enterprises"].iloc[0]
    page.text_input(key="ent_query").input(e["credit_code"]).run()
    assert not page.exception
    assert t("enterprise.results", n=1) in [c.value for c in page.caption]
    assert f"{t('enterprise.profile')}：{e['name']}" in [s.value for s in page.subheader]
    held = t("enterprise.held", n=int(e["patents_held"]))
    assert held in [m.value for m in page.metric]
    assert any(b.label == t("enterprise.show_on_map") for b in page.button)


def test_no_match_says_so(page):
    page.text_input(key="ent_query").input("没有这家企业").run()
    assert t("enterprise.no_match", query="没有这家企业") in [i.value for i in page.info]
    assert not page.subheader or all(t("enterprise.profile") not in s.value for s in page.subheader)


def test_worklist_count_equals_the_map(page, demo_fs):
    units = demo_fs.units.set_index("code")
    code = units["zero_patent_above_scale"].idxmax()
    page.selectbox(key="ent_area").select(code).run()
    page.radio(key="ent_gap").set_value("patent").run()
    page.radio(key="ent_group").set_value("above_scale").run()
    assert not page.exception
    n = int(units.loc[code, "zero_patent_above_scale"])
    assert len(page.dataframe[-1].value) == n == len(en.worklist(demo_fs, "unit_code", code))
    assert t("enterprise.list_count", n=n) in page_text(page)


def test_city_worklist_states_the_city_figure(page, demo_fs):
    page.selectbox(key="ent_area").select(None).run()
    page.radio(key="ent_gap").set_value("trademark").run()
    page.radio(key="ent_group").set_value("above_scale").run()
    assert not page.exception
    n = int(demo_fs.city["zero_trademark_above_scale"])
    label = METRICS["zero_trademark_above_scale"][0]
    assert t("enterprise.map_count", n=n, label=label) in [c.value for c in page.caption]
    assert len(page.dataframe[-1].value) == n
