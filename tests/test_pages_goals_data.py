"""The 目标 and 数据 pages run headless (streamlit AppTest) on the bundled sample and show what the library computes."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from txip_geo import schema
from txip_geo.figures.compute import compute
from txip_geo.figures.goals import STATUS_LABELS, evaluate
from txip_geo.ingest.sample import SAMPLE_AS_OF, sample_files
from txip_geo.present import goal_tables as progress
from txip_geo.store.database import Store
from txip_geo.strings import t

ROOT = Path(__file__).resolve().parent.parent

# The plan's targets (泰政办发〔2024〕18号 一(三)), as the page must show them.
PLAN_TARGETS = {
    "G01": "≥ 3,500",
    "G02": "≥ 650",
    "G03": "≥ 29",
    "G04": "≥ 14,600",
    "G05": "≥ 660",
    "G06": "≥ 2",
    "G07": "＞ 90",
    "G08": "≥ 30",
    "G09": "≥ 9",
    "G10": "≥ 20",
    "G11": "≥ 60",
    "G12": "≥ 20",
    "G13": "＞ 90",
    "G14": "≥ 90",
    "G15": "≥ 30",
    "G16": "≥ 300",
    "M01": "完成",
    "M02": "完成",
    "M03": "完成",
    "M04": "完成",
}


@pytest.fixture
def demo_env(demo_db, monkeypatch):
    monkeypatch.setenv("TXIP_DB", str(demo_db))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield demo_db
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def expected(demo_env):
    s = Store(demo_env)
    fs = compute(s)
    return s, fs, evaluate(fs)


def run_page(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=180)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def goal_rows(at: AppTest):
    import pandas as pd

    tables = [d.value for d in at.dataframe if "编号" in d.value.columns and "目标" in d.value.columns]
    return pd.concat(tables, ignore_index=True)


def frames_with(at: AppTest, *columns: str):
    """The dataframes shown whose columns include all of `columns` (AppTest does not expose a table's key)."""
    return [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]


def markdown_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [h.value for h in at.get("html")])  # st.html: the header


def test_goals_page_shows_all_goals_with_plan_targets_and_status(expected):
    _, fs, ev = expected
    at = run_page("goals.py")
    rows = goal_rows(at)
    assert len(rows) == 20
    assert sorted(rows["编号"]) == sorted(PLAN_TARGETS)
    assert dict(zip(rows["编号"], rows["目标"])) == PLAN_TARGETS
    # Status per goal equals the library's, and every status is one of the five labels.
    assert dict(zip(rows["编号"], rows["状态"])) == dict(zip(ev["id"], ev["status_label"]))
    assert set(rows["状态"]) <= set(STATUS_LABELS.values())
    assert set(rows["数据来源"]) <= {"按记录计算", "手工填报", "无数据"}
    assert rows["牵头单位"].str.startswith("市场监管局").all()
    # Grouped as in the plan: five tables, 产出质量 first.
    assert [h.value for h in at.subheader][1:6] == ["1 产出质量", "2 综合能力", "3 保护", "4 服务体系", "5 人才"]
    # Summary line = goals.evaluate's count.
    met = int((ev[ev["kind"] == "goal"]["status"] == "met").sum())
    done = int((ev[ev["kind"] == "milestone"]["status"] == "done").sum())
    text = markdown_text(at)
    assert f"数值目标已达成 {met} / 16 项" in text and f"里程碑已完成 {done} / 4 项" in text
    assert progress.summary(ev).text() in text
    # Sample badge and the current phase on the timeline.
    assert t("app.sample_badge") in text
    assert progress.timeline().current in text


def test_goal_link_opens_that_goal_with_contributors(expected):
    _, fs, ev = expected
    at = run_page("goals.py", goal="G13")
    assert at.selectbox(key="goal_pick").value == "G13"
    assert at.query_params["goal"] == ["G13"] or at.query_params["goal"] == "G13"
    text = markdown_text(at)
    assert "G13 知识产权案件行政查处率" in text
    label = ev.set_index("id").loc["G13", "status_label"]
    assert f"状态：{label}" in text
    top, bottom = frames_with(at, "名次", "镇街", "数值")
    c = progress.contributors(fs, "G13")
    assert top["镇街"].tolist() == c.top["name"].tolist() and len(top) == 3
    assert bottom["镇街"].tolist() == c.bottom["name"].tolist()


def test_goals_page_without_link_defaults_and_sets_the_url(demo_env):
    at = run_page("goals.py")
    assert at.selectbox(key="goal_pick").value == "G01"
    at.selectbox(key="goal_pick").set_value("M02").run()
    assert not at.exception
    assert "M02" in str(at.query_params["goal"])
    assert "该目标不能按镇街分解" in "\n".join(c.value for c in at.caption)


def test_data_page_lists_imports_badge_and_unassigned_counts(expected):
    s, fs, _ = expected
    at = run_page("data.py")
    (imports,) = frames_with(at, "文件", "截至", "导入时间")
    # The sample's two snapshots (ingest.sample): the baseline's files are listed, not in use (a later snapshot of
    # their kind is); every current file is in use.
    files = sample_files()
    assert len(imports) == len(files) and set(imports["样例"]) == {"是"}
    shown = {(f, str(d)[:10], used) for f, d, used in zip(imports["文件"], imports["截至"], imports["当前使用"])}
    assert shown == {(f.file_name, f.as_of, "是" if f.as_of == SAMPLE_AS_OF else "否") for f in files}
    assert {f.file_name for f in files if f.as_of == SAMPLE_AS_OF} == {f"{k}.csv" for k in schema.KINDS}
    assert "专利" in set(imports["数据类型"])
    text = markdown_text(at)
    assert t("app.sample_badge") in text
    assert any("示意边界" in w.value for w in at.warning)

    (counts,) = frames_with(at, "数据类型", "未能归属", "泰兴市外", "合计")
    counts = counts.set_index("数据类型")
    for k, n in fs.unassigned.items():
        assert counts.loc[schema.KINDS[k].label, "无所属镇街（只计入全市）"] == n
        recs = s.records(k)
        assert counts.loc[schema.KINDS[k].label, "未能归属"] == int((recs["assign_method"] == "unassigned").sum())
    for k, n in fs.outside.items():
        assert counts.loc[schema.KINDS[k].label, "泰兴市外"] == n
    n_un, n_out = sum(fs.unassigned.values()), sum(fs.outside.values())
    assert n_un > 0 and n_out > 0
    assert t("data.counts", unassigned=n_un, outside=n_out) in text
    un, out = frames_with(at, "原文件行号", "地址/名称", "归属方式")
    assert len(un) == n_un and set(un["归属方式"]) <= {"未能归属", "按园区名称"}
    assert len(out) == n_out and set(out["归属方式"]) == {"泰兴市外"}


def test_data_page_lists_the_warnings_of_a_past_import(expected):
    s, _fs, _ = expected
    at = run_page("data.py")
    (warn,) = frames_with(at, "行号", "列", "值", "原因")
    # The sample's patent import has 6 warnings (wrong check digits): each row, column, value and reason shown.
    assert len(warn) == 6 and set(warn["列"]) == {"申请号"} and warn["原因"].str.startswith("校验位错误").all()
    imports = s.imports()
    pid = int(imports.loc[imports["kind"] == "patents", "id"].iloc[0])
    from txip_geo.ingest.pipeline import stored_report

    rep = stored_report(s, pid)
    assert list(warn["行号"]) == [p.row for p in rep.warnings]
    assert list(warn["值"]) == [p.value for p in rep.warnings]
    (pick,) = [sb for sb in at.selectbox if sb.key == "warn_import"]
    assert "patents.csv" in pick.format_func(pick.value) and "警告 6 处" in pick.format_func(pick.value)
    assert any(b.label == t("data.download_warnings") for b in at.get("download_button"))
    # Another import without warnings says so.
    other = int(imports.loc[imports["kind"] == "cases", "id"].iloc[0])
    pick.set_value(other).run()
    assert not frames_with(at, "行号", "列", "值", "原因") and t("data.warnings_none") in [x.value for x in at.success]


def test_data_page_shows_the_report_of_the_import_just_made(tmp_path, monkeypatch):
    from txip_geo.ingest.pipeline import import_file

    db = tmp_path / "new.sqlite"
    monkeypatch.setenv("TXIP_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    p = tmp_path / "patents_new.csv"
    p.write_text("申请号,名称,法律状态,地址\n200810018568.5,品甲,有效,泰兴市黄桥镇\n", encoding="utf-8")
    rep = import_file(Store(db), "patents", p, as_of="2026-11-30")
    try:
        at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=180)
        at.session_state["up_done"] = ("imported", rep.message, rep)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        assert t("upload.done_report") in markdown_text(at)
        shown = [f for f in frames_with(at, "行号", "列", "值", "原因") if "200810018568.5" in set(f["值"])]
        assert len(shown) == 2  # the report of the import just made, and the past import's warnings
        assert shown[0]["原因"].iloc[0].startswith("校验位错误") and list(shown[0]["行号"]) == [2]
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def test_goal_detail_states_the_counting_rule_beside_the_figure(expected):
    _, fs, ev = expected
    at = run_page("goals.py", goal="G03")
    text = markdown_text(at)
    rule = ev.set_index("id").loc["G03", "rule"]
    assert "常住人口" in rule and "12 月 31 日" in rule
    assert f"{t('goals.rule')}</b>：{rule}" in text  # under the figure, not in an expander
    assert "万人发明专利拥有量达29件" in text  # the plan's own words
    rows = goal_rows(at)
    assert dict(zip(rows["编号"], rows[t("goals.col_rule")])) == dict(zip(ev["id"], ev["rule"]))


def test_goals_page_shows_baseline_now_and_change_with_each_baselines_rule(expected):
    """Issue #17: 基期 / 当前 / 变化 beside 目标 and 进度, the baseline's method in every row (无基期数据, never a blank),
    its rule under the goal's figure, the dated goals year by year, the milestones then and now."""
    from txip_geo.figures.baseline import compare

    s, fs, ev = expected
    comp = compare(s, series=True)
    at = run_page("goals.py", goal="G12")
    rows = goal_rows(at).set_index("编号")
    g = comp.goals.set_index("id")
    B = "基期（2023-12-31）"
    assert list(rows.columns[:5]) == ["指标", B, "当前", "变化", "目标"]
    for gid, r in rows.iterrows():
        e = g.loc[gid]
        assert r["基期口径"] == e["baseline_method_label"] and r["基期说明"] == e["baseline_note"]
        if e["kind"] == "goal" and e["baseline_method"] != "none":
            assert float(r[B].rstrip("①②③").replace(",", "")) == pytest.approx(e["baseline"])
        else:
            assert r[B] == "无基期数据"
    assert rows.loc["G12", B] == "0②" and rows.loc["G12", "基期口径"] == "累计起点"
    # The figure's baseline (0: counted from the plan's start) with its method, and the rule under it.
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"{B} · 累计起点"] == "0 亿元" and metrics["变化"] == "+17.48 亿元"
    text = markdown_text(at)
    assert f"累计起点</span> {g.loc['G12', 'baseline_note']}" in text
    # One value per year for the dated goals; G12's own years in the detail.
    series = frames_with(at, "指标", "2023年末", "目标")[0]
    g01 = comp.series.set_index(["goal_id", "year"]).loc[("G01", 2023)]
    assert g01["method"] == "snapshot"  # the sample's own baseline snapshot: no 推算 mark
    assert len(series) == 7 and series.iloc[0]["2023年末"] == f"{g01['value']:,.0f}"
    years = frames_with(at, "年份", "当年新增")[0]
    want = comp.series[comp.series["goal_id"] == "G12"]["annual"]
    assert [float(v) for v in years["当年新增"]] == pytest.approx(list(want))
    ms = frames_with(at, "里程碑", B, "佐证材料")[0]
    assert list(ms["编号"]) == ["M01", "M02", "M03", "M04"]
    assert list(ms["当前（2026-10-31）"]) == [g.loc[i, "status_label"] for i in ms["编号"]]
    assert [h.value for h in at.subheader][6:8] == ["逐年变化", "里程碑：基期与当前"]
