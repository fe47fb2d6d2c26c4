"""Baseline → now in the 联席会议 exports (issue #17): the deck's 三年变化 section (goals baseline → now, the change map,
the tasks by lead unit) and the workbook's baseline / current / change sheets, read back with python-pptx and openpyxl
and checked against figures.baseline.compare; the existing slides stay as they were; `report --baseline DATE`."""

import hashlib
import io
import re

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation

from txip_geo.cli import main
from txip_geo.figures.baseline import compare
from txip_geo.present import baseline_view as change
from txip_geo.present import change_view, mapspec
from txip_geo.present.formatting import fmt_change, fmt_number
from txip_geo.present.meeting import CHANGE_METRIC, indicator_spec
from txip_geo.render import deck as render_deck
from txip_geo.render import exports
from txip_geo.store.database import Store
from txip_geo.strings import t

SECTION = [
    t("baseline_view.section_goals"),
    t("baseline_view.section_map", label="有效发明专利"),
    t("baseline_view.section_tasks"),
]


@pytest.fixture(scope="module")
def comp(demo_db, demo_fs):
    # Before the sample's own baseline snapshot (2023-12-31), so the section shows every kind of baseline: the stock
    # kinds wound back from it (推算), cumulative goals from the plan's start, the rates' baseline year, and the kinds
    # without dates (enterprises, network, service organisations) with none (无基期数据).
    return compare(Store(demo_db), demo_fs.settings, "2022-12-31", series=False)


@pytest.fixture(scope="module")
def plain(demo_fs, demo_layers):
    return Presentation(io.BytesIO(render_deck.build_pptx(demo_fs, demo_layers, only_gaps=True, dpi=60)))


@pytest.fixture(scope="module")
def deck(demo_fs, demo_layers, comp):
    data = render_deck.build_pptx(demo_fs, demo_layers, only_gaps=True, dpi=60, comparison=comp)
    return Presentation(io.BytesIO(data))


def _shape(slide, name):
    return next(s for s in slide.shapes if s.name == name)


def _rows(table):
    return [[c.text for c in r.cells] for r in table.rows]


def _num(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


def _slide(deck, title):
    return next(s for s in deck.slides if s.shapes.title.text == title)


# -- the deck ---------------------------------------------------------------------------------------------------------


# The industry section (present.industry_tables): in both decks, after the 三年变化 section, before the appendix.
INDUSTRY = [t("industry_tables.deck_city"), t("industry_tables.deck_units"), t("industry_tables.deck_parks")]


def test_the_section_comes_before_the_appendix_which_stays_last(deck, plain):
    titles = [s.shapes.title.text for s in deck.slides]
    assert len(deck.slides) == len(plain.slides) + 3
    assert titles[-7:] == [*SECTION, *INDUSTRY, t("report.rules_title")]
    assert [x for x in titles if x not in SECTION] == [s.shapes.title.text for s in plain.slides]


def _content(slide):
    """What a slide shows, less its page number (n / total changes with the section)."""
    out = []
    for s in slide.shapes:
        if s.name == "page-number":
            continue
        if s.has_text_frame:
            out.append((s.name, s.text_frame.text))
        if s.has_table:
            out.append((s.name, _rows(s.table)))
        if s.shape_type == 13:  # a picture
            out.append((s.name, hashlib.sha256(s.image.blob).hexdigest()))
    return out


def test_the_existing_slides_keep_their_content_and_order(deck, plain):
    """Every slide of the plain deck is in the deck with the section as it was; the industry slides add their 基期
    and 变化 columns with a comparison (tests/test_industry_outputs.py checks those)."""
    new = [s for s in deck.slides if s.shapes.title.text not in SECTION + INDUSTRY]
    old = [s for s in plain.slides if s.shapes.title.text not in INDUSTRY]
    assert len(new) == len(old)
    for i, (a, b) in enumerate(zip(old, new), start=1):
        assert _content(a) == _content(b), i
    pages = [_shape(s, "page-number").text_frame.text for s in deck.slides]
    assert pages == [f"{i} / {len(deck.slides)}" for i in range(1, len(deck.slides) + 1)]


def test_goal_table_baseline_current_change_equal_the_comparison(deck, comp):
    slide = _slide(deck, SECTION[0])
    rows = _rows(_shape(slide, "goals-change").table)
    assert rows[0] == [
        t("goals.col_id"),
        t("goals.col_name"),
        t("goals.col_unit"),
        f"基期 {comp.baseline}",
        f"当前 {comp.current}",
        "变化",
        t("goals.col_target"),
        "完成情况",
    ]
    g = comp.goals.set_index("id")
    body = rows[1:]
    assert [r[0] for r in body] == [i for i in g.index if g.loc[i, "kind"] == "goal"]
    seen = set()
    for gid, name, unit, base, cur, chg, target, done in body:
        e = g.loc[gid]
        assert name == e["name"] and unit == e["unit"]
        method = e["baseline_method"]
        seen.add(method)
        if method == "none" or pd.isna(e["baseline"]):  # no baseline, or none to be had (G05: no 市场主体 then)
            assert base == "无基期数据" and chg == "—"
        else:
            mark = change.METHOD_MARKS.get(method, "")
            assert base.endswith(mark) if mark else base[-1].isdigit()
            assert _num(base.rstrip(mark)) == pytest.approx(e["baseline"])
            assert _num(chg) == pytest.approx(abs(e["change"])) and chg[0] == ("+" if e["change"] > 0 else "0")[0]
            assert _num(cur) - _num(base.rstrip(mark)) == pytest.approx(e["change"], abs=0.011)
        assert _num(cur) == pytest.approx(e["current"])
        assert _num(target) == pytest.approx(e["target"])
        assert done.startswith(e["status_label"])
        if e["status"] == "not_met":
            assert done == f"{e['status_label']}（{e['progress'] * 100:.0f}%）"
    # The sample has goals of every method: derived (patents, trademarks), cumulative, rates, none (enterprises).
    assert seen == {"derived", "plan_start", "baseline_year", "none"}
    note = _shape(slide, "note").text_frame.text
    for method in ("derived", "plan_start", "baseline_year"):
        assert change.METHOD_MARKS[method] + " " + t(f"baseline.method_{method}") in note
    assert "无基期数据：" in note
    # G12 and G16 count from the plan's start: 0 at the baseline, marked, never a bare 0.
    assert body[[r[0] for r in body].index("G12")][3] == "0②"
    ms = _rows(_shape(slide, "milestones-change").table)
    assert ms[0][1:] == [f"{i} {t(f'report.goal_short_{i}')}" for i in ("M01", "M02", "M03", "M04")]
    assert ms[1][0] == f"基期（{comp.baseline}）" and ms[2][0] == f"当前（{comp.current}）"
    assert ms[2][1:] == [g.loc[i, "status_label"] for i in ("M01", "M02", "M03", "M04")]
    assert ms[1][1:] == ["无基期数据"] * 4  # no 手工填报 dated before the baseline in the sample


def test_goals_slide_counts_the_goals_met_then_and_now(deck, comp):
    """The line beside the title: goals met now, and at the baseline of those with one (each baseline against its
    target by the goal's comparator, recounted here from the comparison's numbers)."""
    g = comp.goals[comp.goals["kind"] == "goal"]
    known = [(b, tg, c) for b, tg, c in zip(g["baseline"], g["target"], g["comparator"]) if not pd.isna(b)]
    met_then = sum(b > tg if c == ">" else b >= tg for b, tg, c in known)
    want = t(
        "baseline_view.goal_summary", now=(g["status"] == "met").sum(), total=len(g), then=met_then, known=len(known)
    )
    assert _shape(_slide(deck, SECTION[0]), "aside").text_frame.text == want
    assert len(known) == int((g["status_then"] != "no_data").sum()) > 0


def test_goal_table_grey_cells_for_a_missing_baseline_and_coloured_status(deck, comp):
    table = _shape(_slide(deck, SECTION[0]), "goals-change").table
    methods = comp.goals.set_index("id")["baseline_method"]
    for row in list(table.rows)[1:]:
        base = row.cells[3]
        grey = str(base.fill.fore_color.rgb) == "EEEEEE"
        assert grey == (methods[row.cells[0].text] == "none")
        status = comp.goals.set_index("id").loc[row.cells[0].text, "status"]
        assert str(row.cells[7].fill.fore_color.rgb) == render_deck.STATUS_COLORS[status][0]


def test_change_map_slide_panel_equals_the_comparison(deck, comp):
    slide = _slide(deck, SECTION[1])
    assert _shape(slide, "map").image.blob[:4] == b"\x89PNG"
    panel = [p.text for p in _shape(slide, "panel").text_frame.paragraphs if p.text]
    m = "invention_patents_valid"
    base, cur = comp.then.city[m], comp.now.city[m]
    assert panel[0] == "全市有效发明专利（件）"
    assert panel[1] == f"{fmt_number(base)} → {fmt_number(cur)}" and panel[2] == f"变化 {fmt_change(cur - base)}"
    a = comp.areas[(comp.areas["layer"] == "units") & (comp.areas["metric"] == m)]
    a = a.assign(change=a["change"].astype(float)).sort_values(["change", "code"], ascending=[False, True])
    most = [f"{n}　{fmt_change(c)}" for n, c in zip(a["name"], a["change"])]
    i = panel.index("增加最多的三个镇街")
    assert panel[i + 1 : i + 4] == most[:3]
    j = panel.index("增加最少的三个镇街")
    assert panel[j + 1 : j + 4] == most[::-1][:3]
    assert any(p.startswith("推算：") for p in panel)  # the patents' baseline is derived in the sample


def _change_spec(comp, layers, metric=CHANGE_METRIC):
    """The slide's map: change_view's spec of the comparison on the current-value map's spec, as the deck draws it."""
    return change_view.change_map_spec(comp, indicator_spec(comp.now, layers, metric), view="units", indicator=metric)


def _drawn(fig):
    """What the static map drew: the filled areas' colours (in the spec's order, less the hatched ones), the
    legend's rows and title, each township's label."""
    from matplotlib.colors import to_hex

    fills = [c for c in fig.axes[0].collections if c.get_zorder() == 3 and not c.get_hatch()]
    hatched = [c for c in fig.axes[0].collections if c.get_zorder() == 3 and c.get_hatch()]
    lg = fig.legends[0]
    return {
        "fills": [to_hex(c) for c in fills[0].get_facecolor()] if fills else [],
        "hatched": sum(len(h.get_paths()) for h in hatched),
        "legend": [x.get_text() for x in lg.get_texts()],
        "title": lg.get_title().get_text(),
        "labels": {x.get_gid(): x.get_text() for x in fig.axes[0].texts if (x.get_gid() or "").startswith("label:")},
    }


def test_change_map_picture_is_drawn_from_a_spec_of_the_comparisons_changes(demo_layers, comp):
    """The slide's map: each township's value is its change, its class and colour the ChangeScale's, the legend's
    class rows the scale's (every change inside the range its row reads), signed labels, both dates in the title."""
    from txip_geo.render import staticmap

    spec = _change_spec(comp, demo_layers)
    units = comp.areas[(comp.areas["layer"] == "units") & (comp.areas["metric"] == CHANGE_METRIC)].set_index("code")
    assert dict(zip(spec.areas["code"], spec.areas["value"])) == units["change"].to_dict()
    sc = spec.breaks
    assert isinstance(sc, mapspec.ChangeScale) and sc == change_view.change_scale(comp, CHANGE_METRIC)
    entries = mapspec.spec_legend_entries(spec)
    assert entries == mapspec.change_legend_entries(sc)
    ranges = mapspec.class_labels(list(sc.bounds), sc.decimals)
    for code, v in units["change"].astype(float).items():
        cls = mapspec.change_class(v, sc)
        if v == 0:
            assert cls == "zero", code
            continue
        lo, _, hi = ranges[abs(cls) - 1].replace(",", "").partition("–")
        assert int(lo) <= abs(v) <= int(hi or lo) and (cls > 0) == (v > 0), (code, v, ranges)
    top = units["change"].astype(float).idxmax()
    assert mapspec.change_class(units.loc[top, "change"], sc) == len(sc.bounds)  # the largest increase: deepest blue
    zero = units.index[units["change"].astype(float) == 0]
    assert len(zero) and all(mapspec.change_class(units.loc[c, "change"], sc) == "zero" for c in zero)  # 根思乡

    fig = staticmap.figure(spec, layout="slide", internal=False)
    drawn = _drawn(fig)
    want = [mapspec.area_style(v, sc)["fillColor"] for v in spec.areas["value"]]
    assert drawn["fills"] == want and drawn["hatched"] == 0
    assert drawn["fills"][list(spec.areas["code"]).index(top)] == mapspec.BETTER_PALETTE[-1]
    assert all(drawn["fills"][list(spec.areas["code"]).index(c)] == mapspec.NO_CHANGE_COLOR for c in zero)
    assert drawn["legend"][: len(entries)] == [label for _, label in entries]
    assert "无变化" in drawn["legend"] and drawn["legend"][len(entries) - 1] == sc.missing_label
    assert (
        drawn["title"].replace("：\n", "：").replace("\n", " ")
        == f"有效发明专利变化（件）：基期 {comp.baseline} → {comp.current}"
    )
    assert drawn["labels"][f"label:{top}"].endswith(f"\n+{units.loc[top, 'change']:,.0f} 件")
    assert all(drawn["labels"][f"label:{c}"].endswith("\n0 件") for c in zero)
    png = render_deck.change_map_png(comp, demo_layers, dpi=40)
    assert png[:4] == b"\x89PNG"


def test_tasks_slide_lists_the_plans_13_tasks_by_lead_unit_unreported(deck):
    from txip_geo.plan import task_table

    slide = _slide(deck, SECTION[2])
    assert _shape(slide, "aside").text_frame.text == "各任务进展尚未填报"
    table = _shape(slide, "tasks").table
    rows = _rows(table)
    assert rows[0] == ["牵头单位", "编号", "任务", "状态", "进展"]
    plan = task_table().set_index("task")
    assert sorted(int(r[1]) for r in rows[1:]) == list(range(1, 14))
    for r in rows[1:]:
        assert r[2] == plan.loc[int(r[1]), "name"] and r[3] == "未填报" and r[4] == "—"
    # One merged lead cell per lead unit, spanning its tasks (in the plan's order of first appearance).
    leads = {}
    for i in range(1, len(rows)):
        cell = table.cell(i, 0)
        if cell.is_merge_origin or not cell.is_spanned:
            leads[cell.text] = [int(table.cell(k, 1).text) for k in range(i, i + cell.span_height)]
    want = {lead: [int(x) for x in grp["task"]] for lead, grp in task_table().groupby("lead", sort=False)}
    assert leads == want and list(leads) == list(want)


def test_tasks_slide_shows_the_registers_status_and_progress(demo_fs):
    from txip_geo.plan import task_table

    plan = task_table()
    reg = pd.DataFrame(
        {
            "task_id": plan["task"],
            "name": plan["name"],
            "lead": plan["lead"],
            "status": ["done", "in_progress", "not_started"] * 4 + ["done"],
            "status_label": ["已完成", "推进中", "未启动"] * 4 + ["已完成"],
            "progress": ["完成年度任务"] * 12 + ["很长的进展说明" * 12],
        }
    ).iloc[1:]  # task 1 never reported
    tasks = change.task_rows(reg)
    d = render_deck._Deck(demo_fs, True)
    d.total = 1
    d.tasks_slide("任务", tasks, reported=True)
    slide = Presentation(io.BytesIO(d.save())).slides[0]
    rows = {r[1]: r for r in _rows(_shape(slide, "tasks").table)[1:]}
    assert rows["1"][3:] == ["未填报", "—"]
    assert rows["2"][3:] == ["推进中", "完成年度任务"]
    assert rows["13"][3] == "已完成" and rows["13"][4].endswith("…") and len(rows["13"][4]) == 58
    done, doing = int((reg["status"] == "done").sum()), int((reg["status"] == "in_progress").sum())
    assert (done, doing) == (4, 4)  # task 1 (done) is not in the register
    assert _shape(slide, "aside").text_frame.text == f"已完成 {done} / 13 项，推进中 {doing} 项"
    cell = [c for c in _shape(slide, "tasks").table.rows[2].cells][3]
    assert str(cell.fill.fore_color.rgb) == render_deck.TASK_COLORS[tasks.iloc[1]["status"]][0]


def test_exports_build_computes_the_comparison_from_the_store(demo_db, demo_fs, demo_layers):
    """exports.build with a store and no comparison: the section is there, as of the baseline asked for."""
    data = exports.build("pptx", demo_fs, demo_layers, only_gaps=True, store=Store(demo_db), baseline="2024-12-31")
    deck = Presentation(io.BytesIO(data))
    slide = _slide(deck, SECTION[0])
    assert _rows(_shape(slide, "goals-change").table)[0][3] == "基期 2024-12-31"


# -- the workbook -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(demo_fs, comp):
    return openpyxl.load_workbook(io.BytesIO(exports.build_xlsx(demo_fs, comparison=comp)))


def _frame(ws) -> pd.DataFrame:
    h = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
    rows = list(ws.iter_rows(min_row=h, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _same(a, b) -> bool:
    """A cell read back (None or NaN when empty) equals a comparison's value (None or NaN when there is none)."""
    if a is None or pd.isna(a):
        return b is None or pd.isna(b)
    return b is not None and not pd.isna(b) and a == pytest.approx(b)


def test_workbook_has_the_baseline_sheets_after_the_others(workbook):
    assert workbook.sheetnames == [
        t("report.sheet_units"),
        t("report.sheet_parks"),
        t("report.sheet_goals"),
        t("network.sheet_gaps"),
        t("network.sheet_scorecard"),
        t("report.sheet_unassigned"),
        "目标 基期→当前",
        "镇街 基期→当前",
        "园区 基期→当前",
        t("industry_tables.sheet_city"),
        t("industry_tables.sheet_units"),
        t("industry_tables.sheet_parks"),
        t("industry_tables.sheet_notes"),
    ]
    for name in workbook.sheetnames[-7:-4]:
        top = [workbook[name].cell(row=r, column=1).value for r in range(1, 7)]
        assert "内部资料" in top and t("app.sample_badge") in top and name in top[0]


def test_goal_sheet_values_equal_the_comparison(workbook, comp):
    df = _frame(workbook["目标 基期→当前"])
    B, C = f"基期（{comp.baseline}）", f"当前（{comp.current}）"
    assert list(df.columns[:7]) == ["编号", "指标", "单位", "目标", B, C, "变化"]
    assert list(df["编号"]) == list(comp.goals["id"])
    for r, e in zip(df.to_dict("records"), comp.goals.to_dict("records")):
        assert _same(r[B], e["baseline"]) and _same(r[C], e["current"]) and _same(r["变化"], e["change"]), e["id"]
        assert r["基期口径"] == e["baseline_method_label"] and r["基期说明"] == e["baseline_note"]
        if e["baseline_method"] == "none":
            assert pd.isna(r[B]) and r["基期口径"] == "无基期数据"  # an empty cell that says why, never a 0
    assert df.set_index("编号").loc["G12", B] == 0 and df.set_index("编号").loc["G12", "基期口径"] == "累计起点"


@pytest.mark.parametrize(
    "layer, sheet, first", [("units", "镇街 基期→当前", "镇街"), ("parks", "园区 基期→当前", "园区")]
)
def test_area_sheets_equal_the_comparison(workbook, comp, layer, sheet, first):
    df = _frame(workbook[sheet])
    a = comp.areas[comp.areas["layer"] == layer]
    assert len(df) == len(a)
    assert list(df["代码"]) == list(a["code"]) and list(df[first]) == list(a["name"])
    B, C = f"基期（{comp.baseline}）", f"当前（{comp.current}）"
    for r, e in zip(df.to_dict("records"), a.to_dict("records")):
        assert r["指标"] == e["label"] and r["单位"] == e["unit"]
        for mine, theirs in ((B, "baseline"), (C, "current"), ("变化", "change"), ("基期排名", "rank_then")):
            assert _same(r[mine], e[theirs]), (e["code"], e["metric"], mine)
        assert r["基期口径"] == t(f"baseline.method_{e['baseline_method']}")
    # 黄桥镇's valid inventions then and now, as the comparison has them.
    if layer == "units":
        row = df[(df["代码"] == "321283100") & (df["指标"] == "有效发明专利")].iloc[0]
        e = a[(a["code"] == "321283100") & (a["metric"] == "invention_patents_valid")].iloc[0]
        assert (row[B], row[C], row["变化"]) == (e["baseline"], e["current"], e["change"])


# -- the command ------------------------------------------------------------------------------------------------------


def test_report_command_passes_the_baseline_through(demo_db, tmp_path):
    out = tmp_path / "r.xlsx"
    assert (
        main(["--db", str(demo_db), "report", "--format", "xlsx", "--out", str(out), "--baseline", "2024-12-31"]) == 0
    )
    df = _frame(openpyxl.load_workbook(out)["目标 基期→当前"])
    want = compare(Store(demo_db), baseline="2024-12-31", series=False).goals.set_index("id")
    col = next(c for c in df.columns if str(c).startswith("基期（"))
    assert col == "基期（2024-12-31）"
    g01 = df.set_index("编号").loc["G01"]
    assert g01[col] == want.loc["G01", "baseline"] and g01["变化"] == want.loc["G01", "change"]


def test_report_command_refuses_a_bad_baseline_date(demo_db, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(
            [
                "--db",
                str(demo_db),
                "report",
                "--format",
                "xlsx",
                "--out",
                str(tmp_path / "x.xlsx"),
                "--baseline",
                "2023-13-45",
            ]
        )
    assert e.value.code == 2
    assert "日期“2023-13-45”无效：请写成 YYYY-MM-DD" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_change_map_with_decreases_and_a_township_without_baseline(demo_layers, comp):
    """A decrease is red with its sign, no change neutral grey, a township with no change known hatched and labelled
    as the legend's last row says (never a 0)."""
    import dataclasses

    from txip_geo.render import staticmap

    a = comp.areas.copy()
    rows = a.index[(a["layer"] == "units") & (a["metric"] == CHANGE_METRIC)]
    codes = list(a.loc[rows, "code"])
    a.loc[rows, "change"] = [-40.0, None, 0.0, *[float(i + 1) for i in range(len(rows) - 3)]]
    a["change"] = a["change"].astype(object).where(a["change"].notna(), None)
    spec = _change_spec(dataclasses.replace(comp, areas=a), demo_layers)
    sc = spec.breaks
    drawn = _drawn(staticmap.figure(spec, layout="slide", internal=False))
    assert drawn["labels"][f"label:{codes[0]}"].endswith("\n-40 件")
    assert drawn["labels"][f"label:{codes[1]}"].endswith(f"\n{sc.missing_label}")
    assert drawn["labels"][f"label:{codes[2]}"].endswith("\n0 件")
    assert sc.missing_label == mapspec.change_legend_entries(sc)[-1][1]
    assert len(drawn["fills"]) == len(codes) - 1  # the township without a change is drawn hatched, not filled
    assert drawn["hatched"] == 1
    assert drawn["fills"][0] == mapspec.area_style(-40, sc)["fillColor"] and drawn["fills"][0] in mapspec.WORSE_PALETTE
    assert drawn["fills"][1] == mapspec.NO_CHANGE_COLOR
