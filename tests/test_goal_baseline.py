"""Baseline → now on the 目标 page and in the views shared with the deck (present.goal_tables, present.baseline_view):
the goal table's 基期 / 变化 / 基期口径 columns, the dated goals year by year, the milestones then and now with their
evidence; on the sample and on a hand-made store with two real snapshots (2023-12-31 and 2026-10-31), where every
expected number is worked out in the comments."""

import pandas as pd
import pytest

from txip_geo.figures.baseline import SERIES_GOALS, compare
from txip_geo.ingest.patent_numbers import check_digit
from txip_geo.ingest.pipeline import import_file
from txip_geo.present import baseline_view as change
from txip_geo.present import change_view, mapspec
from txip_geo.present import goal_tables as progress
from txip_geo.present.formatting import fmt_change, fmt_number
from txip_geo.store.database import Store
from txip_geo.strings import t

HQ, YL, GX = "321283100", "321283002", "321283102"  # 黄桥镇, 延令街道, 古溪镇


def inv(serial: int, year: int = 2020) -> str:
    digits = f"{year}1{serial:07d}"
    return f"{digits}.{check_digit(digits)}"


@pytest.fixture(scope="module")
def sample(demo_db):
    return compare(Store(demo_db), series=True)


@pytest.fixture
def two_snapshots(store, csv_file):
    """Valid inventions on 2023-12-31: 黄桥镇 3, 延令街道 1; on 2026-10-31: 黄桥镇 1 (two lapsed), 延令街道 3, 古溪镇 2.
    G01 then 4, now 6: +2; per township 黄桥镇 −2, 延令街道 +2, 古溪镇 +2, the rest 0. Both are snapshots: no mark."""
    head = ["申请号", "法律状态", "所属镇街", "申请日"]
    then = [[inv(i), "有效", "黄桥镇", "2020-01-01"] for i in (1, 2, 3)] + [[inv(4), "有效", "延令街道", "2020-01-01"]]
    now = (
        [[inv(1), "有效", "黄桥镇", "2020-01-01"], [inv(2), "失效", "黄桥镇", "2020-01-01"]]
        + [[inv(3), "失效", "黄桥镇", "2020-01-01"]]
        + [[inv(i), "有效", "延令街道", "2024-05-01"] for i in (4, 5, 6)]
        + [[inv(i), "有效", "古溪镇", "2025-05-01"] for i in (7, 8)]
    )
    import_file(store, "patents", csv_file("then.csv", head, then), as_of="2023-12-31")
    import_file(store, "patents", csv_file("now.csv", head, now), as_of="2026-10-31")
    return store


def test_two_snapshots_baseline_needs_no_mark_and_the_map_shows_a_decrease(two_snapshots):
    comp = compare(two_snapshots, series=False)
    g = comp.goals.set_index("id")
    assert (g.loc["G01", "baseline"], g.loc["G01", "current"], g.loc["G01", "change"]) == (4, 6, 2)
    assert g.loc["G01", "baseline_method"] == "snapshot"
    rows = change.goal_change_rows(comp).set_index(t("goals.col_id"))
    assert rows.loc["G01", change.baseline_header(comp)] == "4"  # a snapshot's value: no mark
    assert rows.loc["G01", t("baseline_view.col_change")] == "+2"
    assert rows.loc["G04", change.baseline_header(comp)] == "无基期数据"  # no trademark at all
    a = change_view.change_frame(comp, "units", "invention_patents_valid").set_index("code")["value"]
    assert (a[HQ], a[YL], a[GX]) == (-2, 2, 2) and (a.drop([HQ, YL, GX]) == 0).all()
    sc = change_view.change_scale(comp, "invention_patents_valid")
    assert [mapspec.change_class(a[c], sc) for c in (HQ, YL)] == [-1, 1] and mapspec.change_class(0, sc) == "zero"
    assert mapspec.change_style(a[HQ], sc)["fillColor"] in mapspec.WORSE_PALETTE
    panel = change.change_panel(comp)
    assert ("head", "4 → 6") in panel and ("head", "变化 +2") in panel
    assert ("item", "黄桥镇　−2") in panel  # the least: a decrease, with a minus sign
    assert not [x for x in panel if x[0] == "note"]  # a snapshot needs no footnote


def test_goal_display_puts_baseline_now_change_before_target(sample):
    from txip_geo.figures.goals import evaluate

    d = progress.goal_display(evaluate(sample.now), sample)
    B = change.baseline_header(sample)
    assert B == "基期（2023-12-31）"
    assert list(d.columns[3:13]) == [
        "编号",
        "指标",
        B,
        "当前",
        "变化",
        "目标",
        "进度",
        "状态",
        "差距",
        "单位",
    ]
    g = sample.goals.set_index("id")
    for r in d.to_dict("records"):
        e = g.loc[r["编号"]]
        assert (
            r["基期口径"] == e["baseline_method_label"]
            and r["基期说明"] == e["baseline_note"]
            and r["method"] == (e["baseline_method"])
        )
        if e["kind"] == "milestone":
            assert r[B] == change.milestone_status_then(e.to_dict())[1]
        elif e["baseline_method"] == "none":
            assert r[B] == "无基期数据" and r["变化"] == "—"
        else:
            assert r[B] == fmt_number(e["baseline"]) + change.METHOD_MARKS.get(e["baseline_method"], "")
            assert r["变化"] == fmt_change(e["change"])
    # Never a blank baseline: every goal's cell says a number or why there is none.
    assert (d[B].str.len() > 0).all()
    styled = progress.styled(d.drop(columns=["group", "status", "method"]), d["status"], d["method"], B)
    css = styled._compute().ctx  # the 基期口径 cell of a baseline not read from a snapshot is a badge
    col = list(d.drop(columns=["group", "status", "method"]).columns).index("基期口径")
    marked = [i for i, m in enumerate(d["method"]) if m != "snapshot"]
    assert marked and len(marked) < len(d)  # the sample's own baseline snapshot: G12/G16, G13/G14 and M01–M04 marked
    for i in range(len(d)):
        badge = [v for prop, v in css.get((i, col), []) if prop == "background-color"]
        want = progress.METHOD_COLORS[d["method"].iloc[i]][1] if i in marked else None
        assert badge == ([want] if want else []), d.iloc[i]["编号"]


def test_series_overview_one_value_per_year(sample):
    from txip_geo.figures.goals import evaluate

    ov = progress.series_overview(sample, evaluate(sample.now)).set_index(t("goals_baseline.col_goal"))
    assert [i.split(" ")[0] for i in ov.index] == list(SERIES_GOALS)
    years = [c for c in ov.columns if c.startswith("20")]
    assert years == ["2023年末", "2024年末", "2025年末", "2026年（至10-31）"]
    s = sample.series.set_index(["goal_id", "year"])
    for label in ov.index:
        gid = label.split(" ")[0]
        for col, year in zip(years, (2023, 2024, 2025, 2026)):
            e = s.loc[(gid, year)]
            # A stock shows its year-end value; a cumulative goal its year's additions; a rate its year's rate.
            want = e["value"] if gid in ("G01", "G02", "G04") else e["annual"]
            mark = "①" if e["method"] == "derived" else ""
            assert ov.loc[label, col] == fmt_number(want) + mark, (gid, year)
    assert ov.loc[ov.index[0], "每年取值"] == "年末值"
    # G13 in 2023: before the plan, no plan-period rate, but the year's own rate is shown.
    g13 = s.loc[("G13", 2023)]
    assert pd.isna(g13["value"]) and ov.loc[[i for i in ov.index if i.startswith("G13")][0], "2023年末"].startswith(
        fmt_number(g13["annual"])
    )


def test_series_chart_draws_the_target_where_it_applies(sample):
    chart = progress.series_chart(sample, "G01", 3500, "件").to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in chart["layer"]]
    assert marks[0] == "line" and "rule" in marks
    g16 = progress.series_chart(sample, "G16", 300, "人次").to_dict()
    assert [m["mark"]["type"] for m in g16["layer"]][:2] == ["bar", "line"]  # additions, running total
    assert progress.series_chart(sample, "G06", 2, "个") is None  # no dated records: no series
    s = progress.series_of(sample, "G12")
    assert list(s["year"]) == [2023, 2024, 2025, 2026]
    assert list(s["value"]) == list(sample.series[sample.series["goal_id"] == "G12"]["annual"])


def test_milestones_then_and_now_with_their_evidence(sample):
    ev = pd.DataFrame(
        {
            "goal_id": ["M01", "M01", "M02", "G01"],
            "file_name": ["联盟章程.pdf", "成立大会照片.jpg", "批复.pdf", "不相干.xlsx"],
            "uploaded_at": ["2026-03-01 10:00:00", "2026-05-02 09:30:00", "2026-04-01 08:00:00", "2026-01-01"],
        }
    )
    files = progress.milestone_evidence("M01", ev)
    assert list(files.columns) == ["文件名", "上传时间"]
    assert list(files["文件名"]) == ["成立大会照片.jpg", "联盟章程.pdf"]  # newest first
    assert progress.milestone_evidence("M03", ev).empty and progress.milestone_evidence("M01", None).empty
    d = progress.milestone_display(sample, ev).set_index("编号")
    assert list(d.index) == ["M01", "M02", "M03", "M04"]
    assert d.loc["M01", "佐证材料"] == "成立大会照片.jpg、联盟章程.pdf"
    assert d.loc["M03", "佐证材料"] == "暂无"
    g = sample.goals.set_index("id")
    for gid in d.index:
        assert d.loc[gid, change.current_header(sample)] == g.loc[gid, "status_label"]
        assert d.loc[gid, change.baseline_header(sample)] == "无基期数据"  # nothing reported before 2023-12-31
    assert progress.milestone_display(sample)["佐证材料"].eq("暂无").all()


def test_task_rows_fill_in_the_plan_and_keep_its_order():
    rows = change.task_rows(None)
    assert len(rows) == 13 and set(rows["status_label"]) == {"未填报"} and set(rows["status"]) == {"not_reported"}
    assert list(rows["task_id"])[:2] == [1, 3]  # 市场监管局's tasks first (task 2 has a second lead: its own group)
    reg = pd.DataFrame(
        {"task_id": [2], "name": ["完善高质量发展政策体系"], "lead": ["市场监管局（知识产权局）、财政局"]}
        | {"status": ["done"], "status_label": ["已完成"], "progress": ["已出台"]}
    )
    r = change.task_rows(reg).set_index("task_id")
    assert (r.loc[2, "status_label"], r.loc[2, "progress"], r.loc[1, "status_label"]) == ("已完成", "已出台", "未填报")


def test_fmt_change():
    assert [fmt_change(v) for v in (1413, -5.2, 0, None, 0.004, 2.5)] == ["+1,413", "−5.2", "0", "—", "0", "+2.5"]
