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


def test_initials_and_an_old_name_find_the_enterprise(page, demo_fs):
    from txip_geo.figures import names

    hits = en.search_enterprises(demo_fs, "jcjx")
    page.text_input(key="ent_query").input("jcjx").run()
    assert not page.exception
    assert t("enterprise.results", n=len(hits)) in [c.value for c in page.caption] and len(hits) > 0
    r = names.default_renames()
    new, (old,) = next((k, v) for k, v in r.old_names.items() if len(v) == 1)
    page.text_input(key="ent_query").input(old).run()
    assert not page.exception
    assert t("enterprise.results", n=1) in [c.value for c in page.caption]
    assert names.name_key(page.subheader[0].value.split("：", 1)[1]) == new
    assert f"**{t('enterprise_match.old_names')}**：{old}" in [m.value for m in page.markdown]


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


ROSTER = (
    "统一社会信用代码,企业名称,规上工业企业,高新技术企业,有效专利数,有效商标数,联系人,联系电话,所属镇街\n"
    "91321283MAFX00001A,泰兴示例甲机械有限公司,是,否,0,0,张三,13800000001,黄桥镇\n"
    '91321283MAFX00002B,"=HYPERLINK(""http://x"")示例",是,是,0,1,李四,13800000002,黄桥镇\n'
    "91321283MAFX00003C,泰兴示例丙化工有限公司,是,否,2,0,王五,,延令街道\n"
)


@pytest.fixture
def roster_store(tmp_path):
    import streamlit as st

    from txip_geo.cli import main
    from txip_geo.store import auth
    from txip_geo.store.database import Store

    f = tmp_path / "名册.csv"
    f.write_text(ROSTER, encoding="utf-8")
    db = tmp_path / "roster.sqlite"
    assert main(["--db", str(db), "import", "enterprises", str(f)]) == 0
    s = Store(db)
    auth.add_user(s, "ed", "editor", password="long enough")
    auth.add_user(s, "guest", "viewer", password="long enough")
    st.cache_resource.clear()
    yield s
    st.cache_resource.clear()


@pytest.mark.parametrize(("user", "personal"), [("ed", True), ("guest", False)])
def test_worklist_contacts_masked_for_viewers_not_editors(roster_store, user, personal):
    from txip_geo.present.redact import MASK
    from txip_geo.store import auth

    with store_env(roster_store.path):
        at = AppTest.from_file(str(ROOT / "pages" / "enterprises.py"), default_timeout=120)
        at.session_state["auth_user"] = auth.get_user(roster_store, user)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    table = at.dataframe[-1].value  # the city's 规上 enterprises with no valid patent: 甲 and the formula-like name
    assert len(table) == 2
    assert t("enterprise.map_count", n=2, label=METRICS["zero_patent_above_scale"][0]) in [c.value for c in at.caption]
    contacts = set(table[t("kind_enterprises.contact")]) | set(table[t("kind_enterprises.phone")])
    assert contacts == ({"张三", "李四", "13800000001", "13800000002"} if personal else {MASK})
    assert (t("enterprise.masked_note") in [c.value for c in at.caption]) != personal
