"""Excel export: layout (bold filled header, frozen header row, autofilter, widths) and formula-injection safety,
checked by reloading the workbook with openpyxl."""

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from txip_geo.figures.compute import compute
from txip_geo.ingest.pipeline import import_file
from txip_geo.present.records import unassigned_table
from txip_geo.render.xlsx import display_width, write_xlsx

DANGEROUS = ["=1+1", "+1+2", "-3+4", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x","y")']


def load(data: bytes):
    return load_workbook(io.BytesIO(data))


def all_cells(ws):
    for row in ws.iter_rows():
        yield from row


def test_header_bold_filled_frozen_with_autofilter():
    df = pd.DataFrame({"数据类型": ["专利", "商标"], "记录数": [17279, 14000], "note": ["a", None]})
    ws = load(write_xlsx({"导入": df})).active
    assert ws.title == "导入"
    assert [c.value for c in ws[1]] == ["数据类型", "记录数", "note"]
    assert all(c.font.b for c in ws[1])
    assert ws["A1"].fill.fill_type == "solid" and ws["A1"].fill.fgColor.rgb == "FFDDEBF7"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C3"
    assert ws["B2"].value == 17279 and ws["B2"].data_type == "n"  # numbers stay numbers
    assert ws["C3"].value is None  # missing stays empty


def test_title_lines_above_the_header():
    df = pd.DataFrame({"a": [1, 2]})
    data = write_xlsx({"s": df}, {"s": ["样例数据，非真实统计", "数据截至 2026-10-31"]})
    ws = load(data)["s"]
    assert ws["A1"].value == "样例数据，非真实统计" and ws["A2"].value == "数据截至 2026-10-31"
    assert ws["A3"].value == "a" and ws["A3"].font.b
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:A5"


def test_column_widths_count_cjk_as_two():
    assert display_width("泰兴市abc") == 9
    assert display_width("（ＡＢ）") == 8  # full-width forms are wide too
    df = pd.DataFrame({"x": ["泰兴市黄桥镇人民路1号"], "short": ["a"], "long": ["y" * 200]})
    ws = load(write_xlsx({"s": df})).active
    assert ws.column_dimensions["A"].width == display_width("泰兴市黄桥镇人民路1号") + 2 == 23
    assert ws.column_dimensions["B"].width == 7  # header 'short' (5) + 2
    assert ws.column_dimensions["C"].width == 60  # capped


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_looks_like_a_formula_stays_literal_text(text):
    df = pd.DataFrame({"地址": [text], "n": [1]})
    ws = load(write_xlsx({"s": df}, {"s": [text]})).active
    for c in all_cells(ws):
        assert c.data_type != "f", (c.coordinate, c.value)
    # Depending on the XML writer/parser, a bare CR may come back as LF; it is the same text cell either way.
    same = {text, text.replace("\r", "\n")}
    assert ws["A3"].value in same and ws["A3"].data_type == "s"
    assert ws["A3"].quotePrefix  # Excel shows it as typed text, never evaluates it
    assert ws["A1"].value in same and ws["A1"].data_type == "s"  # title lines too


def test_formula_like_header_and_sheet_names_are_safe():
    df = pd.DataFrame({"=cmd": ["x"]})
    wb = load(write_xlsx({"a/b:c": df, "x" * 40: df, "a_b_c": df}))
    assert [ws.title for ws in wb.worksheets] == ["a_b_c", "x" * 31, "a_b_c(2)"]
    assert wb.worksheets[0]["A1"].value == "=cmd" and wb.worksheets[0]["A1"].data_type == "s"


def test_illegal_control_characters_are_dropped():
    ws = load(write_xlsx({"s": pd.DataFrame({"a": ["x\x01y\x0bz"]})})).active
    assert ws["A2"].value == "xyz"


def test_unassigned_table_lists_unassigned_and_outside_records_and_exports_safely(store, csv_file):
    rows = [
        ["201510771082.4", "甲公司", "有效", "黄桥镇", ""],  # assigned by the 所属镇街 column: not listed
        ["202310123456.6", "乙公司", "有效", "", "=1+1"],  # address gives no township: unassigned
        ["2015103059923", "戊公司", "有效", "", "靖江市新桥镇1号"],  # outside Taixing
        ["200510025251.6", "丁公司", "有效", "", ""],  # nothing at all: unassigned, named by the applicant
        ["201610000001.8", "己公司", "有效", "", "泰兴高新技术产业开发区高新路49号"],  # park, township unknown
    ]
    import_file(
        store,
        "patents",
        csv_file("pat.csv", ["申请号", "申请人", "法律状态", "所属镇街", "地址"], rows),
        as_of="2026-10-31",
    )
    fs = compute(store)
    tab = unassigned_table(fs, store)
    assert list(tab.columns) == ["数据类型", "原文件行号", "文件", "记录编号", "地址/名称", "归属方式", "说明"]
    # No township first (unassigned, or a park whose township is not known), then outside; by row within each.
    assert tab["原文件行号"].tolist() == [3, 5, 6, 4]
    assert tab["归属方式"].tolist() == ["未能归属", "未能归属", "按园区名称", "泰兴市外"]
    assert len(tab) - 1 == fs.unassigned["patents"] and fs.outside["patents"] == 1
    assert tab["数据类型"].unique().tolist() == ["专利"] and set(tab["文件"]) == {"pat.csv"}
    assert tab.loc[0, "地址/名称"] == "地址：=1+1" and tab.loc[0, "记录编号"] == "202310123456.6"
    assert "丁公司" in tab.loc[1, "地址/名称"]
    assert "镇街" in tab.loc[2, "说明"] and "泰兴高新技术产业开发区" in tab.loc[2, "地址/名称"]
    assert "靖江市" in tab.loc[3, "说明"]
    # Without the store only what the FigureSet keeps is listed: outside-Taixing records are dropped there.
    assert unassigned_table(fs)["归属方式"].tolist() == ["未能归属", "未能归属", "按园区名称"]

    ws = load(write_xlsx({"未能归属": tab})).active
    assert all(c.data_type != "f" for c in all_cells(ws))
    assert ws["E2"].value == "地址：=1+1"
    # A cell holding only the record text: even a bare "=1+1" from a record stays the literal text.
    ws = load(write_xlsx({"s": tab.assign(**{"地址/名称": ["=1+1", "x", "y", "z"]})})).active
    assert ws["E2"].value == "=1+1" and ws["E2"].data_type == "s"


def test_empty_unassigned_table_has_the_columns(store):
    tab = unassigned_table(compute(store), store)
    assert tab.empty and "原文件行号" in tab.columns
    ws = load(write_xlsx({"s": tab})).active
    assert [c.value for c in ws[1]][:2] == ["数据类型", "原文件行号"] and ws.freeze_panes == "A2"
