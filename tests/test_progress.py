"""Helpers of the 目标 and 数据 pages on a tiny hand-made store; every expected number is worked out in the comments."""

from datetime import date

import pandas as pd
import pytest

from txip_geo.figures.compute import compute
from txip_geo.figures.goals import evaluate
from txip_geo.ingest.patent_numbers import check_digit
from txip_geo.ingest.pipeline import import_file
from txip_geo.present import goal_tables as progress
from txip_geo.present import records

AS_OF = "2026-10-31"
HQ, YL, GX, JC = "321283100", "321283002", "321283102", "321283001"  # 黄桥镇, 延令街道, 古溪镇, 济川街道


def inv(serial: int, year: int = 2020) -> str:
    """A well-formed invention application number (type digit 1) with its check digit."""
    digits = f"{year}1{serial:07d}"
    return f"{digits}.{check_digit(digits)}"


@pytest.fixture
def tiny(store, csv_file):
    """Valid invention patents: 黄桥镇 3, 延令街道 2, 古溪镇 1, two with no township (one unassigned, one in 泰兴高新区
    whose host township is not known: both count for the city only), one in 靖江市 (outside, never counted). Cases: 黄桥镇 2 enforcement cases, 1 closed → 50 %; 延令街道 1, closed
    → 100 %; no other township has cases (no denominator → no rate)."""
    pat = [
        [inv(1), "有效", "黄桥镇", ""],
        [inv(2), "有效", "黄桥镇", ""],
        [inv(3), "有效", "黄桥镇", ""],
        [inv(4), "有效", "延令街道", ""],
        [inv(5), "有效", "延令街道", ""],
        [inv(6), "有效", "古溪镇", ""],
        [inv(7), "有效", "", "泰兴市人民路12号"],  # no township named → unassigned
        [inv(8), "有效", "", "靖江市新桥镇1号"],  # outside Taixing
        [inv(10), "有效", "", "泰兴高新技术产业开发区高新路49号"],  # a park whose township is not known: city only
        [inv(9), "失效", "济川街道", ""],  # lapsed: not a valid invention
    ]
    import_file(store, "patents", csv_file("p.csv", ["申请号", "法律状态", "所属镇街", "地址"], pat), as_of=AS_OF)
    cases = [
        ["C1", "查处", "2024-03-01", "已结案", "黄桥镇"],
        ["C2", "查处", "2025-03-01", "办理中", "黄桥镇"],
        ["C3", "查处", "2025-06-01", "已结案", "延令街道"],
    ]
    import_file(
        store,
        "cases",
        csv_file("c.csv", ["案件编号", "案件类别", "立案日期", "办理状态", "所属镇街"], cases),
        as_of=AS_OF,
    )
    return store


# -- timeline -----------------------------------------------------------------------------------------------------------
# The plan runs 2024-01-01 … 2026-12-31: 366 + 365 + 365 = 1096 days.
def test_timeline_fraction_and_phase_for_a_given_date():
    tl = progress.timeline(date(2025, 1, 1))
    assert tl.total_days == 1096 and tl.elapsed_days == 366
    assert tl.today_frac == pytest.approx(366 / 1096)
    assert tl.current == "实施阶段"
    assert (tl.start, tl.end) == ("2024-01-01", "2026-12-31")
    first = tl.segments[0]
    # 启动阶段 2024-01-01 … 2024-04-30: 31 + 29 + 31 + 30 = 121 days (2024 is a leap year).
    assert (first.phase, first.left, first.width, first.state) == ("启动阶段", 0.0, pytest.approx(121 / 1096), "past")
    assert [s.state for s in tl.segments] == ["past", "current", "future", "future"]
    assert sum(s.width for s in tl.segments) == pytest.approx(1.0)
    # Segments tile the axis without gaps.
    for a, b in zip(tl.segments, tl.segments[1:]):
        assert a.left + a.width == pytest.approx(b.left)


def test_timeline_phase_boundaries_and_outside_the_plan():
    assert progress.timeline(date(2024, 4, 30)).current == "启动阶段"
    assert progress.timeline(date(2024, 5, 1)).current == "实施阶段"
    assert progress.timeline(date(2026, 12, 31)).current == "总结验收阶段"
    before, after = progress.timeline(date(2023, 6, 1)), progress.timeline(date(2027, 2, 1))
    assert (before.today_frac, before.current) == (0.0, "方案期前")
    assert (after.today_frac, after.current) == (1.0, "方案期后")
    assert all(s.state == "past" for s in after.segments)


def test_timeline_html_marks_today_and_names_phases():
    tl = progress.timeline(date(2025, 1, 1))
    h = progress.timeline_html(tl)
    assert f"left:{366 / 1096 * 100:.3f}%" in h
    for phase in ("启动阶段", "实施阶段", "评估阶段", "总结验收阶段"):
        assert phase in h
    assert "2025-01-01" in h and "http" not in h  # nothing fetched from anywhere


# -- goals table and summary --------------------------------------------------------------------------------------------
def test_goal_display_targets_with_comparators_and_milestones(tiny):
    ev = evaluate(compute(tiny))
    d = progress.goal_display(ev).set_index("编号")
    assert len(d) == 20
    assert d.loc["G01", "目标"] == "≥ 3,500" and d.loc["G04", "目标"] == "≥ 14,600"
    assert d.loc["G07", "目标"] == "＞ 90" and d.loc["G13", "目标"] == "＞ 90" and d.loc["G14", "目标"] == "≥ 90"
    assert d.loc["M01", "目标"] == "完成"
    # G01: 3 + 2 + 1 + 2 without township = 8 valid inventions (outside one not counted); gap 3492; progress 8/3500.
    assert (d.loc["G01", "当前"], d.loc["G01", "差距"], d.loc["G01", "状态"]) == ("8", "3,492", "未达成")
    assert d.loc["G01", "进度"] == pytest.approx(8 / 3500)
    assert d.loc["G01", "数据来源"] == "按记录计算" and "专利" in d.loc["G01", "计算依据"]
    # G13: 2 closed of 3 accepted = 66.7 %.
    assert d.loc["G13", "当前"] == "66.7" and d.loc["G13", "单位"] == "%"
    # Nothing loaded for trademarks or milestones: 无数据, no progress.
    assert d.loc["G04", "状态"] == "无数据" and d.loc["G04", "数据来源"] == "无数据" and pd.isna(d.loc["G04", "进度"])
    assert d.loc["M01", "状态"] == "无数据" and d.loc["M01", "当前"] == "—" and pd.isna(d.loc["M01", "进度"])
    assert d.loc["G01", "牵头单位"].startswith("市场监管局") and d.loc["G01", "配合单位"] == "科技局、工信局"
    assert progress.groups(ev) == ["1 产出质量", "2 综合能力", "3 保护", "4 服务体系", "5 人才"]


def test_summary_counts():
    ev = pd.DataFrame(
        {
            "kind": ["goal"] * 4 + ["milestone"] * 3,
            "status": ["met", "met", "not_met", "no_data", "done", "not_done", "no_data"],
        }
    )
    s = progress.summary(ev)
    assert (s.goals_met, s.goals_total, s.goals_no_data, s.milestones_done, s.milestones_total) == (2, 4, 1, 1, 3)
    assert s.text() == "数值目标已达成 2 / 4 项，无数据 1 项；里程碑已完成 1 / 3 项"


def test_status_colours():
    assert "#006d2c" in progress.status_css("met") and "#006d2c" in progress.status_css("done")
    assert "#a50f15" in progress.status_css("not_met") and "#a50f15" in progress.status_css("not_done")
    assert "#525252" in progress.status_css("no_data")
    assert progress.status_css("别的") == "" and progress.status_css("已达成") == ""  # keyed by status, not its label


def test_number_formatting():
    assert progress.fmt_number(3500.0) == "3,500"
    assert progress.fmt_number(29.466) == "29.47"
    assert progress.fmt_number(66.7) == "66.7"
    assert progress.fmt_number(None) == "—" and progress.fmt_number(float("nan")) == "—"
    assert progress.md_escape("a_b*c$1") == "a\\_b\\*c\\$1"


# -- contributors -------------------------------------------------------------------------------------------------------
def test_top_and_bottom_contributors(tiny):
    fs = compute(tiny)
    c = progress.contributors(fs, "G01")
    assert c.metric == "invention_patents_valid" and c.unit == "件"
    assert list(zip(c.top["rank"], c.top["name"], c.top["value"])) == [
        (1, "黄桥镇", 3),
        (2, "延令街道", 2),
        (3, "古溪镇", 1),
    ]
    # 14 townships have none; ties are ranked by code, so the last three are the highest codes: 根思乡 200 (17th),
    # 虹桥镇 124 (16th), 滨江镇 123 (15th).
    assert list(zip(c.bottom["rank"], c.bottom["name"], c.bottom["value"])) == [
        (17, "根思乡", 0),
        (16, "虹桥镇", 0),
        (15, "滨江镇", 0),
    ]
    assert c.unassigned == 2  # the records with no township count for the city only
    assert c.no_value == []
    shown = progress.contributor_display(c.top, c.unit)
    assert shown.iloc[0].tolist() == [1, "黄桥镇", "3 件"]


def test_rate_contributors_leave_out_townships_without_cases(tiny):
    c = progress.contributors(compute(tiny), "G13")
    assert list(zip(c.top["rank"], c.top["name"], c.top["value"])) == [(1, "延令街道", 100.0), (2, "黄桥镇", 50.0)]
    assert list(zip(c.bottom["rank"], c.bottom["name"], c.bottom["value"])) == [
        (2, "黄桥镇", 50.0),
        (1, "延令街道", 100.0),
    ]
    assert len(c.no_value) == 15 and "古溪镇" in c.no_value
    assert c.unassigned is None  # rates do not add up


def test_goals_without_per_area_figure_have_no_contributors(tiny):
    fs = compute(tiny)
    assert progress.contributors(fs, "G06") is None and progress.contributors(fs, "M01") is None


# -- data page ----------------------------------------------------------------------------------------------------------
def test_assignment_counts_include_outside_records(tiny):
    recs = records.located_records(tiny)
    counts = records.assignment_counts(recs).set_index("数据类型")
    p = counts.loc["专利"]
    assert (p["按代码/镇街名称字段"], p["按园区名称"], p["未能归属"], p["泰兴市外"], p["合计"]) == (7, 1, 1, 1, 10)
    assert p["无所属镇街（只计入全市）"] == 2  # the unassigned one and the park one
    assert counts.loc["执法案件与纠纷", "合计"] == 3
    assert counts.loc["商标"].sum() == 0  # not loaded: a row of zeros
    fs = compute(tiny)
    assert p["无所属镇街（只计入全市）"] == fs.unassigned["patents"] and p["泰兴市外"] == fs.outside["patents"]


def test_imports_table_marks_the_snapshot_in_use(tiny, csv_file):
    import_file(
        tiny,
        "patents",
        csv_file("p2.csv", ["申请号", "法律状态", "所属镇街"], [[inv(20), "有效", "黄桥镇"]]),
        as_of="2026-11-20",
        user="张三",
    )
    tab = records.imports_table(tiny.imports())
    assert list(tab.columns) == ["数据类型", "文件", "截至", "导入时间", "导入人", "记录数", "样例", "当前使用"]
    assert tab.iloc[0].tolist()[:3] == ["专利", "p2.csv", "2026-11-20"]  # newest first
    assert tab.iloc[0]["导入人"] == "张三" and tab.iloc[0]["记录数"] == 1 and tab.iloc[0]["样例"] == "否"
    in_use = dict(zip(tab["文件"], tab["当前使用"]))
    assert in_use == {"p2.csv": "是", "c.csv": "是", "p.csv": "否"}
    # Looking back to 2026-10-31 the older patent snapshot is the one in use.
    back = records.imports_table(tiny.imports(), as_of="2026-10-31")
    assert dict(zip(back["文件"], back["当前使用"]))["p.csv"] == "是"


def test_kind_labels_and_boundary_text():
    assert records.kind_label("patents") == "专利"
    assert records.kind_label("boundaries:townships") == "边界（镇街）"
    assert records.boundary_text("schematic").startswith("镇街边界：示意边界")
    assert records.boundary_text("official").startswith("镇街边界：正式边界")
