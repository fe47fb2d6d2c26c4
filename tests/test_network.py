"""The network scorecard and gap list on a small hand-made fixture (every expected row worked out by hand below)."""

import csv

import numpy as np
import pandas as pd
import pytest

from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.figures import network
from txip_geo.figures.compute import compute
from txip_geo.ingest.pipeline import import_file
from txip_geo.paths import DATA_DIR
from txip_geo.present import mapspec, network_view
from txip_geo.render import folium_map as maps
from txip_geo.render import xlsx

AS_OF = "2026-10-31"
HQ, YL, GX, GS = "321283100", "321283002", "321283102", "321283200"  # 黄桥镇, 延令街道, 古溪镇, 根思乡
LEAD1 = LEAD9 = LEAD4 = LEAD5 = LEAD7 = "市场监管局（知识产权局）"
COOP1 = "领导小组成员单位、各乡镇（街道）、园区"
LEAD2, COOP2 = "市场监管局（知识产权局）、财政局", "工信局、各乡镇（街道）、园区"
COOP5 = "科技局、工信局"

# 黄桥镇: office, 2 staff, 50 万元, one workstation, patents and trademarks; 3 zero-patent enterprises:
#   乙 (规上), 戊 (规上 + 高企) and 庚 (规上, in 黄桥经济开发区 → also the park) → 3 zero 规上, 1 zero 高企.
# 延令街道: reported 否 / 0 / 0: no office, no staff, no fund; no workstation; a valid patent; no valid trademark.
# 古溪镇: not in the network file at all (did not report); nothing else either.
# 根思乡: reported an office but left staff and fund empty.
NETWORK = (
    ["镇街或园区", "知识产权管理机构", "专（兼）职管理人员数", "专项资金（万元）", "试点示范级别", "佐证材料"],
    [
        ["黄桥镇", "是", "2", "50", "", "文件"],
        ["延令街道", "否", "0", "0", "", ""],
        ["根思乡", "是", "", "", "", ""],
        ["黄桥经济开发区", "是", "1", "", "省", "文件"],
    ],
)
FILES = {
    "patents": (
        ["申请号", "申请人", "申请日", "法律状态", "所属镇街"],
        [
            ["201510771082.4", "甲公司", "2015-11-10", "有效", "黄桥镇"],
            ["ZL 2022 2 0828888.8", "丙公司", "2022-05-05", "有效", "延令街道"],
            ["200510025251.6", "丁公司", "2005-01-20", "未缴年费终止", "古溪镇"],  # lapsed: 古溪镇 has no valid patent
        ],
    ),
    "trademarks": (
        ["注册号", "商标状态", "专用权期限截止", "所属镇街"],
        [
            ["10001", "已注册", "2030-01-01", "黄桥镇"],
            ["10003", "申请中", "", "延令街道"],  # pending: not valid
        ],
    ),
    "enterprises": (
        ["统一社会信用代码", "企业名称", "规上工业企业", "高新技术企业", "有效专利数", "所属镇街", "所属园区"],
        [
            ["91321283A00000001X", "乙公司", "是", "否", "0", "黄桥镇", ""],
            ["91321283A00000002X", "甲公司", "是", "是", "5", "黄桥镇", ""],
            ["91321283A00000004X", "戊公司", "是", "是", "0", "黄桥镇", ""],
            ["91321283A00000005X", "庚公司", "是", "否", "0", "", "黄桥经济开发区"],
            ["91321283A00000003X", "丙公司", "否", "是", "", "延令街道", ""],  # one valid patent in the records
            ["91321283A00000006X", "辛公司", "否", "否", "0", "延令街道", ""],  # neither 规上 nor 高企: not a target
        ],
    ),
    "workstations": (
        ["编号", "名称", "类型", "运行状态", "所属镇街"],
        [
            ["W1", "黄桥站", "知识产权工作站", "运行", "黄桥镇"],
            ["W3", "古溪站", "知识产权工作站", "撤销", "古溪镇"],  # closed: not counted
        ],
    ),
    "network": NETWORK,
}


def _load(store, csv_file, files):
    for kind, (header, rows) in files.items():
        import_file(store, kind, csv_file(f"{kind}.csv", header, rows), as_of=AS_OF)
    return compute(store)


@pytest.fixture
def fs(store, csv_file):
    return _load(store, csv_file, FILES)


def rows_of(gaps, code):
    g = gaps[gaps["代码"] == code]
    return [
        (r["缺口"], None if pd.isna(r["数量"]) else r["数量"], r["依据"], r["牵头单位"], r["配合单位"])
        for _, r in g.iterrows()
    ]


def test_unit_with_no_office_reported_as_no(fs):
    assert rows_of(network.gap_list(fs), YL) == [
        ("未设立知识产权管理机构", None, "保障措施（一）", LEAD1, COOP1),
        ("无专（兼）职管理人员", None, "保障措施（一）", LEAD1, COOP1),
        ("无知识产权专项资金", None, "保障措施（三）", LEAD2, COOP2),
        ("无知识产权工作站", None, "任务9", LEAD9, "科技局、人行"),
        ("无有效注册商标", None, "任务7", LEAD7, "科技局、工信局、农业农村局"),
    ]


def test_unit_that_did_not_report(fs):
    assert rows_of(network.gap_list(fs), GX) == [
        ("管理机构未填报", None, "保障措施（一）", LEAD1, COOP1),
        ("专（兼）职管理人员未填报", None, "保障措施（一）", LEAD1, COOP1),
        ("知识产权专项资金未填报", None, "保障措施（三）", LEAD2, COOP2),
        ("无知识产权工作站", None, "任务9", LEAD9, "科技局、人行"),  # its only station is closed
        ("无有效专利", None, "任务4", LEAD4, "科技局、工信局"),  # its only patent lapsed
        ("无有效注册商标", None, "任务7", LEAD7, "科技局、工信局、农业农村局"),
    ]
    # Reported an office, left staff and fund empty: those two are "未填报", the office is not a gap.
    assert [r[0] for r in rows_of(network.gap_list(fs), GS)][:2] == [
        "专（兼）职管理人员未填报",
        "知识产权专项资金未填报",
    ]


def test_unit_with_zero_patent_enterprises(fs):
    assert rows_of(network.gap_list(fs), HQ) == [
        ("有3家零专利规上企业", 3.0, "任务5", LEAD5, COOP5),
        ("有1家零专利高企", 1.0, "任务5", LEAD5, COOP5),
    ]


def test_park_gaps_from_its_network_record_and_park_records(fs):
    assert rows_of(network.gap_list(fs), "P02") == [
        ("知识产权专项资金未填报", None, "保障措施（三）", LEAD2, COOP2),
        ("无知识产权工作站", None, "任务9", LEAD9, "科技局、人行"),
        ("无有效专利", None, "任务4", LEAD4, "科技局、工信局"),
        ("无有效注册商标", None, "任务7", LEAD7, "科技局、工信局、农业农村局"),
        ("有1家零专利规上企业", 1.0, "任务5", LEAD5, COOP5),
    ]
    # A park nobody reported for.
    assert [r[0] for r in rows_of(network.gap_list(fs), "P04")][:3] == [
        "管理机构未填报",
        "专（兼）职管理人员未填报",
        "知识产权专项资金未填报",
    ]


def test_gap_list_sorted_by_area_then_severity(fs):
    gaps = network.gap_list(fs)
    order = load_gazetteer().codes + ["P01", "P02", "P03", "P04"]
    pos = gaps["代码"].map(order.index)
    assert pos.is_monotonic_increasing
    for _, g in gaps.groupby("代码"):
        sev = g["gap_key"].map(network.SEVERITY)
        assert sev.is_monotonic_increasing and sev.is_unique


def test_leads_equal_tasks_csv(fs):
    with open(DATA_DIR / "tasks.csv", encoding="utf-8") as f:
        tasks = {r["task"]: r for r in csv.DictReader(f)}
    gaps = network.gap_list(fs)
    assert len(gaps) > 0
    for _, r in gaps.iterrows():
        assert r["牵头单位"] == tasks[r["task"]]["lead"] and r["配合单位"] == tasks[r["task"]]["cooperating"]
    basis_task = dict(zip(gaps["依据"], gaps["task"]))
    assert basis_task["保障措施（一）"] == "1" and basis_task["保障措施（三）"] == "2"
    assert "财政局" in gaps.loc[gaps["依据"] == "保障措施（三）", "牵头单位"].iloc[0]
    for n in ("4", "5", "7", "9"):
        assert basis_task[f"任务{n}"] == n


def test_scorecard_rows_and_no_versus_not_reported(fs):
    card = network.scorecard(fs)
    gaz = load_gazetteer()
    assert len(card) == 21
    assert list(card["代码"]) == gaz.codes + ["P01", "P02", "P03", "P04"]
    assert list(card["类别"][:3]) == ["街道", "街道", "街道"] and list(card["类别"][-4:]) == ["园区"] * 4
    c = card.set_index("代码")
    assert c.loc[
        HQ,
        ["管理机构", "专（兼）职人员", "专项资金（万元）", "工作站", "有专利", "有商标", "零专利规上/高企", "缺口数"],
    ].tolist() == ["有", 2.0, 50.0, 1.0, "有", "有", 3.0, 2]  # 3 distinct enterprises (戊 is both 规上 and 高企)
    assert c.loc[YL, "管理机构"] == "无" and c.loc[YL, "专（兼）职人员"] == 0 and c.loc[YL, "专项资金（万元）"] == 0
    assert (
        c.loc[GX, "管理机构"] == "未填报"
        and np.isnan(c.loc[GX, "专（兼）职人员"])
        and np.isnan(c.loc[GX, "专项资金（万元）"])
    )
    assert c.loc[YL, "有专利"] == "有" and c.loc[YL, "有商标"] == "无" and c.loc[YL, "零专利规上/高企"] == 0
    assert (c.loc[YL, "缺口数"], c.loc[GX, "缺口数"]) == (5, 6)
    gaps = network.gap_list(fs)
    assert c["缺口数"].sum() == len(gaps)
    assert network.coverage(card)["office"] == (3, 1, 17)  # 黄桥镇, 根思乡, 黄桥经开区 | 延令街道 | the rest


def test_kinds_never_imported_are_no_data_and_still_gaps(store, csv_file):
    fs = _load(store, csv_file, {"network": NETWORK})
    card = network.scorecard(fs).set_index("代码")
    assert card.loc[HQ, "有专利"] == "无数据" and card.loc[HQ, "有商标"] == "无数据"
    assert np.isnan(card.loc[HQ, "工作站"]) and np.isnan(card.loc[HQ, "零专利规上/高企"])
    assert [r[0] for r in rows_of(network.gap_list(fs), HQ)] == [
        "知识产权工作站无数据（未导入）",
        "有效专利无数据（未导入）",
        "有效注册商标无数据（未导入）",
        "零专利企业无数据（企业未导入）",
    ]


def test_gap_count_frame_and_map_spec(fs):
    from txip_geo.areas import boundaries

    units = network_view.gap_count_frame(fs, "units")
    parks = network_view.gap_count_frame(fs, "parks")
    assert len(units) == 17 and len(parks) == 4
    card = network.scorecard(fs).set_index("代码")
    assert units.set_index("code").loc[YL, "value"] == card.loc[YL, "缺口数"]
    assert list(parks["code"]) == ["P01", "P02", "P03", "P04"]

    spec = network_view.gap_map_spec(fs, boundaries.bundled_townships(), view="units")
    assert spec.label == "缺口数" and spec.unit == "项" and spec.zero_good
    assert spec.areas["value"].notna().all() and len(spec.areas) == 17
    legend = mapspec.legend_entries(spec.breaks, spec.unit, zero_label=spec.zero_label, zero_good=spec.zero_good)
    assert legend[0] == (mapspec.ZERO_GOOD_COLOR, "0（无缺口）")
    html = maps.render_html(maps.build_map(spec))
    assert "0（无缺口）" in html and "缺口数（项）" in html and "0（空白）" not in html
    # A unit with no gap is drawn calm, not with the alarm style.
    assert mapspec.area_style(0, spec.breaks, zero_good=True)["fillColor"] == mapspec.ZERO_GOOD_COLOR
    assert mapspec.area_style(0, spec.breaks)["fillColor"] == mapspec.ZERO_COLOR  # default unchanged


def test_title_lines(fs):
    lines = network_view.title_lines(fs)
    assert lines[0] == "泰兴市知识产权三级网络缺口清单"
    assert any("2026-10-31" in x for x in lines) and any("示意边界" in x for x in lines)
    assert not any("样例" in x for x in lines)  # the fixture is not the sample


def test_display_tells_no_from_not_reported(fs):
    card = network.scorecard(fs)
    d = network_view.scorecard_display(card).set_index("代码")
    assert (d.loc[YL, "专（兼）职人员"], d.loc[GX, "专（兼）职人员"]) == ("0", "未填报")
    assert d.loc[HQ, "专项资金（万元）"] == "50"
    assert (
        network_view.state_css("无") == network_view.CSS_NO
        and network_view.state_css("未填报") == network_view.CSS_UNKNOWN
    )
    assert (
        network_view.state_css("无数据") == network_view.CSS_UNKNOWN and network_view.CSS_NO != network_view.CSS_UNKNOWN
    )
    assert (
        network_view.count_css("0") == network_view.CSS_NO
        and network_view.count_css("未填报") == network_view.CSS_UNKNOWN
    )
    assert (
        network_view.count_css("0", zero_is_gap=False) == network_view.CSS_YES
    )  # no zero-patent enterprises: good news
    html = network_view.scorecard_styler(card).to_html()
    assert "None" not in html and "nan" not in html


def test_gap_workbook(fs):
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx.gap_workbook(fs)))
    assert wb.sheetnames == ["缺口清单", "记分卡"]
    ws = wb["缺口清单"]
    lines = network_view.title_lines(fs)
    assert [ws.cell(row=i + 1, column=1).value for i in range(len(lines))] == lines
    header = [c.value for c in ws[len(lines) + 1]]
    assert header == ["代码", "镇街/园区", "类别", "缺口", "数量", "依据", "牵头单位", "配合单位"]
    assert ws.max_row == len(lines) + 1 + len(network.gap_list(fs))
    sc = wb["记分卡"]
    rows = {r[0]: r for r in sc.iter_rows(min_row=len(lines) + 2, values_only=True)}
    assert len(rows) == 21 and rows[GX][4] == "未填报" and rows[YL][4] == 0


def test_every_gap_kind_has_its_strings():
    for g in network.GAP_KINDS:
        assert network.t(f"network.gap_{g.key}", n=1)
        assert g.task in network.tasks()
        assert network.basis_label(g)
