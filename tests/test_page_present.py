"""The 联席会议 page in Streamlit's AppTest: the views step through (buttons, ?step=N), the map component is there, every
view carries the as-of date and the source line, the exports are offered."""

import datetime
import html
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import inline_maps, map_data

from txip_geo.figures.compute import compute
from txip_geo.figures.goals import evaluate
from txip_geo.present import meeting as report
from txip_geo.store.database import Store
from txip_geo.strings import t

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def page(demo_db, monkeypatch):
    monkeypatch.setenv("TXIP_DB", str(demo_db))
    import streamlit as st

    st.cache_resource.clear()
    return AppTest.from_file(str(ROOT / "pages" / "present.py"), default_timeout=120)


@pytest.fixture(scope="module")
def fs(demo_db):
    return compute(Store(demo_db))


def title(at) -> str:
    md = next(m.value for m in at.markdown if 'data-testid="present-title"' in m.value)
    return md.split(">", 1)[1].rsplit("<", 1)[0]


def footer(at) -> str:
    return next(m.value for m in at.markdown if 'data-testid="present-footer"' in m.value)


def maps_on(at):
    return [map_data(e) for e in inline_maps(at)]


def test_first_view_is_the_city_map_with_as_of_and_source(page):
    page.run()
    assert not page.exception
    assert title(page) == "各镇街专利总量"
    args = maps_on(page)
    assert len(args) == 1
    assert "黄桥镇" in args[0]["script"] or json.dumps("黄桥镇")[1:-1] in args[0]["script"]
    assert all(link.startswith("/app/static/") for link in args[0]["js_links"] + args[0]["css_links"])
    f = footer(page)
    # 26 views (17 townships, 4 parks) and 三年变化's 3
    assert "数据截至 2026-10-31" in f and "数据来源：" in f and "第 1 / 29 页" in f
    assert any("样例数据" in m.value and "内部资料" in m.value for m in page.markdown)
    assert page.button(key="present_prev").disabled


def test_buttons_step_through_goals_gaps_and_townships(page, fs):
    page.run()
    seen = [title(page)]
    for _ in range(3):
        page.button(key="present_next").click().run()
        assert not page.exception
        seen.append(title(page))
    assert seen == [
        "各镇街专利总量",
        t("report.goals_title"),
        t("report.gap_map_title"),
        t("report.unit_title", name="济川街道"),
    ]
    q = page.query_params["step"]
    assert (q[0] if isinstance(q, list) else q) == "4"
    assert maps_on(page)  # the township's map
    assert "数据来源：" in footer(page)
    page.button(key="present_prev").click().run()
    assert title(page) == t("report.gap_map_title") and maps_on(page)


def test_goals_view_shows_the_goal_table(page, fs):
    page.query_params["step"] = "2"
    page.run()
    assert not page.exception
    table = next(m.value for m in page.markdown if 'class="txp-table"' in m.value)
    for row in report.goal_rows(fs).to_dict("records"):
        assert f"<td>{row[t('goals.col_id')]}</td>" in table
        assert row[t("goals.col_status")] in table
    assert f"<th>{t('goals.col_lead')}</th>" in table
    for lead in evaluate(fs)["lead"].unique():
        assert f"<td>{lead}</td>" in table
    assert "数据截至 2026-10-31" in footer(page)


def test_deep_link_to_a_township_and_past_the_end(page, fs):
    codes = list(fs.units["code"])
    page.query_params["step"] = str(4 + codes.index("321283200"))  # 根思乡
    page.run()
    assert title(page) == t("report.unit_title", name="根思乡")
    text = " ".join(m.value for m in page.markdown)
    gaps = report.unit_gaps(fs, "321283200")
    for gap in gaps[t("network.col_gap")]:
        assert gap in text
    assert "牵头：" in text


def test_last_view_lists_the_actions_and_clamps(demo_db, monkeypatch):
    monkeypatch.setenv("TXIP_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "pages" / "present.py"), default_timeout=120)
    at.query_params["step"] = "99"
    at.run()
    assert not at.exception
    # The last view is the appendix of counting rules; before it the 三年变化 section, before that the actions.
    assert title(at) == t("report.rules_title")
    assert at.button(key="present_next").disabled
    assert "移送" in " ".join(m.value for m in at.markdown)
    for want in (
        t("baseline_view.section_tasks"),
        t("baseline_view.section_map", label="有效发明专利"),
        t("baseline_view.section_goals"),
        t("report.actions_title"),
    ):
        at.button(key="present_prev").click().run()
        assert not at.exception
        assert title(at) == want
    assert "市场监管局（知识产权局）" in " ".join(m.value for m in at.markdown)


def test_only_townships_with_gaps(page, fs):
    page.run()
    page.toggle(key="present_only_gaps").set_value(True).run()
    assert not page.exception
    with_gaps = report.units_with_gaps(fs) + report.units_with_gaps(fs, view="parks")
    total = 3 + len(with_gaps) + 5  # … townships and parks, actions, 三年变化 (3), rules
    assert f"第 1 / {total} 页" in footer(page)


def test_the_four_exports_are_offered(page):
    page.run()
    labels = {b.label for b in page.get("download_button")}
    assert labels == {t("present.dl_pptx"), t("present.dl_pdf"), t("present.dl_png"), t("present.dl_xlsx")}


def test_change_views_show_the_comparison(demo_db, monkeypatch):
    """The 三年变化 views (the deck's section): the goal table baseline → now, the change map's panel, the tasks."""
    from txip_geo.figures.baseline import compare
    from txip_geo.present import baseline_view as change

    # A 基期 before the sample's own baseline snapshot (2023-12-31): the patents wound back (① 推算), the enterprises
    # with no baseline (无基期数据).
    day = datetime.date(2022, 12, 31)
    comp = compare(Store(demo_db), baseline=day.isoformat(), series=False)
    monkeypatch.setenv("TXIP_DB", str(demo_db))
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "present.py"), default_timeout=180)
    at.session_state["baseline_date"] = day
    at.query_params["step"] = "26"
    at.run()
    assert not at.exception and title(at) == t("baseline_view.section_goals")
    text = " ".join(m.value for m in at.markdown)
    for r in change.goal_change_rows(comp).to_dict("records"):
        base = r[change.baseline_header(comp)]
        assert f"<td>{r[t('goals.col_id')]}</td>" in text and f">{base}</td>" in text
    assert f"<th>{change.baseline_header(comp)}</th>" in text and 'class="txp-base-none">无基期数据</td>' in text
    assert "① 推算：" in text
    at.button(key="present_next").click().run()
    assert title(at) == t("baseline_view.section_map", label="有效发明专利") and not at.exception
    text = " ".join(m.value for m in at.markdown)
    for _kind, line in change.change_panel(comp):
        assert html.escape(line) in text
    assert any(line.startswith("推算：") for _, line in change.change_panel(comp))
    images = at.get("image")
    assert len(images) == 1  # the change map, drawn as the deck draws it
    at.button(key="present_next").click().run()
    assert title(at) == t("baseline_view.section_tasks") and not at.exception
    text = " ".join(m.value for m in at.markdown)
    # The sample's task register (data/sample/tasks.csv): each of the 13 tasks with its status, coloured by it.
    from txip_geo.present import task_view

    rows = change.task_rows(task_view.task_register(Store(demo_db)))
    assert len(rows) == 13 and "完善高质量发展政策体系" in text
    css = {"done": "txp-task-done", "in_progress": "txp-task-doing", "not_started": "txp-task-todo"}
    for key, n in rows["status"].value_counts().items():
        label = rows.loc[rows["status"] == key, "status_label"].iloc[0]
        assert text.count(f'class="{css.get(key, "txp-task-none")}">{label}</td>') == n, key


def test_a_park_has_its_view_after_the_townships_with_its_figures_gaps_and_enterprise_tier(page, fs):
    """Parks are areas of the 联席会议 as townships are: one view each after the 17 townships, its figures ranked among
    the parks, its network gaps, its enterprise tier (G05, G07–G11) and its locator map."""
    codes = list(fs.parks["code"])
    page.query_params["step"] = str(4 + len(fs.units) + codes.index("P02"))  # 黄桥经济开发区
    page.run()
    assert not page.exception
    assert title(page) == t("report.unit_title", name="黄桥经济开发区")
    text = " ".join(m.value for m in page.markdown)
    row = fs.parks.set_index("code").loc["P02"]
    assert f"<td>{int(row['patents']):,} 件</td>" in text
    assert "万人发明专利拥有量" not in text  # a park has no population of its own
    ent = next(m.value for m in page.markdown if 'data-testid="present-enterprise-figures"' in m.value)
    for metric in ("gb_passed", "ip_intensive", "patent_standard", "advantage_national"):
        assert f"<td>{int(row[metric])} 家</td>" in ent
    assert f"<td>{row['gb_filed_rate']:.1f}%</td>" in ent
    for gap in report.unit_gaps(fs, "P02")[t("network.col_gap")]:
        assert gap in text
    assert maps_on(page)  # the park's locator map
    page.button(key="present_next").click().run()
    assert title(page) == t("report.unit_title", name=fs.parks["name"].iloc[codes.index("P02") + 1])
