"""The 联席会议 exports: the PPTX deck and the Excel workbook, opened with their own libraries and checked against the
core's figures (goals.evaluate, figures.compute, network.gap_list); the report command."""

import dataclasses
import io
import re

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.util import Emu

from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.cli import main
from txip_geo.figures import network
from txip_geo.figures.goals import evaluate
from txip_geo.present import mapspec as maps
from txip_geo.present import meeting as report
from txip_geo.render import deck as render_deck
from txip_geo.render import exports
from txip_geo.strings import t

A_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@pytest.fixture(scope="module")
def fs(demo_fs):
    return demo_fs


@pytest.fixture(scope="module")
def layers(demo_layers):
    return demo_layers


@pytest.fixture(scope="module")
def deck(fs, layers):
    return Presentation(io.BytesIO(render_deck.build_pptx(fs, layers, indicator="patents")))


def _num(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


def _table(slide, name):
    return next(s for s in slide.shapes if s.name == name).table


def _rows(table):
    return [[c.text for c in r.cells] for r in table.rows]


# -- PPTX -----------------------------------------------------------------------------------------------------------------


def test_deck_is_16_9_with_one_slide_per_township(deck, fs):
    assert (deck.slide_width, deck.slide_height) == (Emu(12192000), Emu(6858000))
    # title, goals, city map, gap map, townships, parks, actions, industries (city, townships, parks), rules
    assert len(deck.slides) == 1 + 1 + 1 + 1 + 17 + len(fs.parks) + 1 + 3 + 1


def test_slide_titles(deck, fs):
    titles = [s.shapes.title.text for s in deck.slides]
    names = [load_gazetteer().name_of(c) for c in fs.units["code"]]
    assert titles == [
        t("report.deck_title"),
        t("report.goals_title"),
        "各镇街专利总量",
        t("report.gap_map_title"),
        *[t("report.unit_title", name=n) for n in names],
        *[t("report.unit_title", name=n) for n in fs.parks["name"]],  # the parks as first-class areas
        t("report.actions_title"),
        t("industry_tables.deck_city"),
        t("industry_tables.deck_units"),
        t("industry_tables.deck_parks"),
        t("report.rules_title"),
    ]


def test_the_appendix_states_each_goals_counting_rule(deck, fs):
    """The rule beside the figure (issue #16): the last slide gives every numeric goal's rule for these settings --
    G03's population base and year, G13's 移送 reading, G16's audience -- as goals.evaluate has it."""
    g = evaluate(fs).set_index("id")
    rows = _rows(_table(deck.slides[-1], "rules"))
    assert rows[0] == [t("goals.col_id"), t("goals.col_name"), t("goals.col_rule")]
    body = {r[0]: r[1:] for r in rows[1:]}
    assert list(body) == [i for i in g.index if g.loc[i, "kind"] != "milestone"]
    for gid, (name, rule) in body.items():
        assert name == g.loc[gid, "name"] and rule == g.loc[gid, "rule"]
    assert "常住人口" in body["G03"][1] and "移送" in body["G13"][1] and "工程师" in body["G16"][1]


def test_goal_table_equals_goals_evaluate(deck, fs):
    slide = deck.slides[1]
    g = evaluate(fs).set_index("id")
    rows = _rows(_table(slide, "goals"))
    header, body = rows[0], rows[1:]
    assert header == [
        t("goals.col_id"),
        t("goals.col_name"),
        t("goals.col_unit"),
        t("goals.col_target"),
        t("goals.col_current"),
        t("goals.col_gap"),
        t("goals.col_status"),
        t("goals.col_lead"),
    ]
    numeric = g[g["kind"] != "milestone"]
    assert [r[0] for r in body] == list(numeric.index)
    for r in body:
        e = g.loc[r[0]]
        assert r[1] == e["name"] and r[2] == e["unit"] and r[6] == e["status_label"] and r[7] == e["lead"]
        assert _num(r[3]) == pytest.approx(e["target"])
        assert r[3][0] == {">=": "≥", ">": "＞"}[e["comparator"]]
        if e["current"] is None or pd.isna(e["current"]):
            assert r[4] == "—"
        else:
            assert _num(r[4]) == pytest.approx(round(e["current"], 2))
        if e["status"] == "not_met":
            assert _num(r[5]) == pytest.approx(e["gap"])
    # Milestones, one per row: 编号, 名称, 状态, 牵头单位.
    ms = {row[0]: row[1:] for row in _rows(_table(slide, "milestones"))}
    for gid in g[g["kind"] == "milestone"].index:
        assert ms[gid] == [g.loc[gid, "name"], g.loc[gid, "status_label"], g.loc[gid, "lead"]]


def test_goal_status_cells_are_coloured(deck, fs):
    table = _table(deck.slides[1], "goals")
    status = [c.text for c in table.rows[0].cells].index(t("goals.col_status"))
    for row in list(table.rows)[1:]:
        cell = row.cells[status]
        key = {v: k for k, v in {"met": "已达成", "not_met": "未达成", "no_data": "无数据"}.items()}[cell.text]
        assert str(cell.fill.fore_color.rgb) == render_deck.STATUS_COLORS[key][0]


def test_every_slide_says_sample_internal_as_of_and_source(deck, fs):
    for i, slide in enumerate(deck.slides, start=1):
        names = {s.name: s for s in slide.shapes}
        assert names["marking-sample"].text_frame.text == "样例数据", i
        assert names["marking-internal"].text_frame.text == "内部资料", i
        foot = names["footer"].text_frame.text
        assert "数据截至 2026-10-31" in foot and "数据来源：" in foot and "示意边界（非官方）" in foot, i
        assert names["page-number"].text_frame.text == f"{i} / {len(deck.slides)}"


def test_no_internal_marking_when_not_asked_for(fs):
    d = render_deck._Deck(fs, internal=False)
    d.total = 1
    d.title_slide()
    prs = Presentation(io.BytesIO(d.save()))
    names = {s.name for s in prs.slides[0].shapes}
    assert "marking-internal" not in names and "marking-sample" in names


def test_every_run_names_the_east_asian_font(deck):
    runs = 0
    for slide in deck.slides:
        for rpr in slide._element.iter(f"{A_NS}rPr"):
            runs += 1
            ea = rpr.find(f"{A_NS}ea")
            assert ea is not None and ea.get("typeface") == render_deck.PPTX_FONT
            assert rpr.find(f"{A_NS}latin").get("typeface") == render_deck.PPTX_FONT
    assert runs > 500


def test_map_slides_carry_the_map_pictures(deck):
    from PIL import Image

    for i in (2, 3, 4, 20):
        pic = next(s for s in deck.slides[i].shapes if s.name == "map")
        im = Image.open(io.BytesIO(pic.image.blob))
        assert im.format == "PNG" and min(im.size) >= 700
        assert pic.height >= Emu(914400 * 5)  # at least 5 inches high on a 7.5-inch slide


def test_city_map_slide_gives_the_city_total_and_extremes(deck, fs):
    panel = next(s for s in deck.slides[2].shapes if s.name == "panel").text_frame.text
    assert f"{int(fs.city['patents']):,} 件" in panel
    top = fs.units.sort_values("patents", ascending=False).iloc[0]
    assert top["name"] in panel


def test_township_slide_figures_and_gaps_equal_the_core(deck, fs):
    gaps = network.gap_list(fs)
    codes = list(fs.units["code"])
    units = fs.units.set_index("code")
    for code in ("321283100", "321283200", "321283115"):  # 黄桥镇, 根思乡 (5 gaps), 宣堡镇 (none)
        slide = deck.slides[4 + codes.index(code)]
        cells = [c for row in _rows(_table(slide, "figures"))[1:] for c in row]
        for metric, unit in (("patents", "件"), ("trademarks", "件"), ("workstations", "个")):
            assert maps.format_value(units.loc[code, metric], unit) in cells
        mine = gaps[gaps[t("network.col_code")] == code]
        names = {s.name for s in slide.shapes}
        if mine.empty:
            gap_box = next(s for s in slide.shapes if s.name == "gaps")
            assert t("report.unit_no_gaps") in gap_box.text_frame.text
            continue
        assert "gaps" in names
        rows = _rows(_table(slide, "gaps"))[1:]
        assert [r[0] for r in rows] == list(mine[t("network.col_gap")])
        assert [r[2] for r in rows] == list(mine[t("network.col_lead")])


def test_closing_slide_lists_actions_by_every_lead_unit(deck, fs):
    text = next(s for slide in deck.slides for s in slide.shapes if s.name == "actions").text_frame.text
    for lead in network.gap_list(fs)[t("network.col_lead")].unique():
        assert lead in text
    # The unmet goals by name (a list of IDs means nothing to a room), each a short form of the plan's wording.
    unmet = evaluate(fs).query("status in ['not_met', 'not_done']")
    shorts = [report.goal_short_name(i, n) for i, n in zip(unmet["id"], unmet["name"])]
    assert t("report.actions_goals", n=len(unmet), names="、".join(shorts)) in text
    assert not re.search(r"\b[GM]\d\d\b", text)
    g = evaluate(fs)
    for i, name in zip(g["id"], g["name"]):
        short = report.goal_short_name(i, name)
        assert 2 <= len(short) <= 10 and set(short) - set("、与") <= set(name), (i, short)
    assert len({report.goal_short_name(i, n) for i, n in zip(g["id"], g["name"])}) == len(g)


def test_action_totals_count_each_zero_patent_enterprise_once(fs):
    """Parks lie inside townships: an enterprise in a park is in its township's count and its park's, and the action's
    total (共 N 家) counts it once (the sample: 30 规上 and 5 高企, not 35 and 6)."""
    e = fs.records["enterprises"]
    located = e["unit_code"].notna() | e["park_code"].notna()
    text = "\n".join(item for _, items in report.actions_by_lead(fs, max_chars=400) for item, _ in items)
    for key, flag in (("zero_above", "above_scale"), ("zero_high", "high_tech")):
        city = int((located & (e["patents_held"] == 0) & (e[flag] == 1)).sum())
        assert city and f"{t(f'report.action_{key}')}（共 {city} 家）" in text
    assert "（共 35 家）" not in text


def test_only_gaps_keeps_the_townships_with_gaps(fs):
    seq = report.steps(fs, only_gaps=True, title_step=True, deck_order=True)
    with_gaps = report.units_with_gaps(fs)
    assert [s.code for s in seq if s.kind == "unit"] == with_gaps
    assert "321283115" not in with_gaps  # 宣堡镇 has no gap in the sample


# -- XLSX -----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(fs):
    return openpyxl.load_workbook(io.BytesIO(exports.build_xlsx(fs)))


def _header_row(ws) -> int:
    return int(re.sub(r"\D", "", ws.freeze_panes)) - 1


def _frame(ws) -> pd.DataFrame:
    h = _header_row(ws)
    rows = list(ws.iter_rows(min_row=h, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_workbook_sheets_titles_and_frozen_headers(workbook):
    assert workbook.sheetnames == [
        t("report.sheet_units"),
        t("report.sheet_parks"),
        t("report.sheet_goals"),
        t("network.sheet_gaps"),
        t("network.sheet_scorecard"),
        t("report.sheet_unassigned"),
        t("industry_tables.sheet_city"),
        t("industry_tables.sheet_units"),
        t("industry_tables.sheet_parks"),
        t("industry_tables.sheet_notes"),
    ]
    for ws in workbook.worksheets:
        h = _header_row(ws)
        assert ws.freeze_panes == f"A{h + 1}"
        top = [ws.cell(row=r, column=1).value for r in range(1, h)]
        assert top[0].startswith(t("report.xlsx_title")) and ws.title in top[0]
        assert t("app.sample_badge") in top and "内部资料" in top and "数据截至 2026-10-31" in top
        assert ws.cell(row=h, column=1).font.bold
        assert ws.column_dimensions["B"].width >= 8


def test_workbook_values_equal_the_core(workbook, fs):
    units = _frame(workbook[t("report.sheet_units")])
    assert list(units[t("network.col_code")]) == list(fs.units["code"])
    assert list(units["专利总量（件）"]) == [int(v) for v in fs.units["patents"]]
    goals = _frame(workbook[t("report.sheet_goals")])
    g = evaluate(fs)
    assert list(goals[t("goals.col_id")]) == list(g["id"])
    for mine, core in zip(goals[t("goals.col_current")], g["current"]):
        assert (pd.isna(mine) and pd.isna(core)) or mine == pytest.approx(core)
    assert list(goals[t("goals.col_rule")]) == list(g["rule"])  # each figure's counting rule beside it
    gaps = _frame(workbook[t("network.sheet_gaps")])
    core = network.gap_list(fs)
    assert len(gaps) == len(core)
    assert list(gaps[t("network.col_lead")]) == list(core[t("network.col_lead")])
    unassigned = _frame(workbook[t("report.sheet_unassigned")])
    assert len(unassigned) == sum(fs.unassigned.values())


def test_record_text_never_becomes_a_formula(fs):
    evil = '=HYPERLINK("http://example.invalid/x","点我")'
    p = fs.records["patents"]
    row = p.iloc[[0]].copy()
    row["assign_method"], row["unit_code"], row["address"], row["area_name"] = "unassigned", None, evil, None
    row["park_name"] = None
    nt = fs.no_township_records
    f2 = dataclasses.replace(
        fs,
        records={**fs.records, "patents": pd.concat([p, row], ignore_index=True)},
        no_township_records={**nt, "patents": pd.concat([nt["patents"], row], ignore_index=True)},
    )
    data = exports.build_xlsx(f2)
    ws = openpyxl.load_workbook(io.BytesIO(data))[t("report.sheet_unassigned")]
    cells = [c for r in ws.iter_rows() for c in r if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    assert b"<f>" not in _sheet_xml(data, ws.title)


def _sheet_xml(data: bytes, title: str) -> bytes:
    import zipfile

    z = zipfile.ZipFile(io.BytesIO(data))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    idx = wb.sheetnames.index(title) + 1
    return z.read(f"xl/worksheets/sheet{idx}.xml")


# -- the command ------------------------------------------------------------------------------------------------------------


def test_report_command_writes_the_workbook(demo_db, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["--db", str(demo_db), "report", "--format", "xlsx", "--out", str(out), "--public"]) == 0
    wb = openpyxl.load_workbook(out)
    assert "内部资料" not in [wb.worksheets[0].cell(row=r, column=1).value for r in range(1, 9)]
    assert "样例数据" in capsys.readouterr().out


def test_report_command_rejects_an_unknown_indicator(demo_db, tmp_path):
    assert (
        main(
            ["--db", str(demo_db), "report", "--format", "png", "--indicator", "nope", "--out", str(tmp_path / "x.png")]
        )
        == 2
    )
