"""Figures and goals on a small hand-made fixture, every expected number worked out by hand below."""

import pytest

from txip_geo.figures.compute import Settings, compute
from txip_geo.figures.goals import evaluate
from txip_geo.ingest.pipeline import import_file

AS_OF = "2026-10-31"
HQ, YL, GX = "321283100", "321283002", "321283102"  # 黄桥镇, 延令街道, 古溪镇


@pytest.fixture
def loaded(store, csv_file):
    from txip_geo.areas import boundaries

    towns = boundaries.bundled_townships()
    yl_pt = towns.loc[towns["code"] == YL].geometry.iloc[0].representative_point()
    files = {
        "patents": (
            ["申请号", "申请人", "申请日", "法律状态", "所属镇街", "地址"],
            [
                ["201510771082.4", "甲公司", "2015-11-10", "有效", "黄桥镇", ""],  # valid invention, > 10 years
                ["202310123456.6", "甲公司", "2023-03-01", "有效", "黄桥镇", ""],  # valid invention, recent
                ["ZL 2022 2 0828888.8", "丙公司", "2022-05-05", "有效", "延令街道", ""],  # valid utility model
                ["201730610076.0", "丙公司", "2017-06-01", "失效", "延令街道", ""],  # lapsed design
                [
                    "200510025251.6",
                    "丁公司",
                    "2005-01-20",
                    "未缴年费终止",
                    "",
                    "泰兴市横垛镇横垛路1号",
                ],  # old name → 古溪镇
                ["CN201510771082.4", "甲公司", "2015-11-10", "有效", "黄桥镇", ""],  # duplicate of row 1
                ["2015103059923", "戊公司", "2015-04-01", "有效", "", "靖江市新桥镇1号"],  # outside Taixing
                ["99114725.1", "己公司", "1999-08-01", "专利权维持", "", "泰兴市人民路12号"],  # unassigned, valid, long
            ],
        ),
        "trademarks": (
            ["注册号", "商标状态", "专用权期限截止", "所属镇街"],
            [
                ["10001", "已注册", "2030-01-01", "黄桥镇"],
                ["10002", "注销", "", "黄桥镇"],
                ["10003", "申请中", "", "延令街道"],
                ["10004", "已注册", "2025-01-01", "古溪镇"],  # expired before the snapshot → not valid
            ],
        ),
        "cases": (
            ["案件编号", "案件类别", "立案日期", "办理状态", "结案日期", "处理结果", "所属镇街"],
            [
                ["C1", "查处", "2024-03-01", "已结案", "2024-06-01", "行政处罚", "黄桥镇"],
                ["C2", "查处", "2025-03-01", "已结案", "2025-04-01", "责令整改", "黄桥镇"],
                ["C3", "查处", "2026-09-01", "办理中", "", "", "黄桥镇"],
                ["C4", "查处", "2023-05-01", "已结案", "2023-06-01", "行政处罚", "黄桥镇"],  # before the plan
                ["D1", "调解", "2025-01-01", "已结案", "2025-02-01", "调解成功", "延令街道"],
                ["D2", "调解", "2025-02-01", "已结案", "2025-03-01", "调解不成", "延令街道"],
            ],
        ),
        "enterprises": (
            ["统一社会信用代码", "企业名称", "规上工业企业", "高新技术企业", "贯标备案", "有效专利数", "所属镇街"],
            [
                ["91321283A00000001X", "乙公司", "是", "否", "否", "0", "黄桥镇"],  # zero-patent 规上
                ["91321283A00000002X", "甲公司", "是", "是", "是", "5", "黄桥镇"],
                ["91321283A00000003X", "丙公司", "否", "是", "否", "", "延令街道"],  # derived from patents: 1 valid
            ],
        ),
        "workstations": (
            ["编号", "名称", "类型", "运行状态", "所属镇街", "经度", "纬度", "坐标系"],
            [
                ["W1", "黄桥站", "知识产权工作站", "运行", "黄桥镇", "", "", ""],
                ["W2", "延令站", "商标品牌指导站", "", "", f"{yl_pt.x:.6f}", f"{yl_pt.y:.6f}", "WGS84"],
                ["W3", "古溪站", "知识产权工作站", "撤销", "古溪镇", "", "", ""],
            ],
        ),
        "pledges": (
            ["登记号", "金额（万元）", "登记日期", "所属镇街"],
            [
                ["P1", "5000", "2024-05-01", "黄桥镇"],
                ["P2", "3000", "2023-06-01", "黄桥镇"],
            ],
        ),
        "trainings": (
            ["编号", "培训日期", "对象", "人次"],
            [["T1", "2024-04-01", "高管", "120"], ["T2", "2025-04-01", "工程师", "100"]],
        ),
        "network": (
            ["镇街或园区", "知识产权管理机构", "专（兼）职管理人员数", "专项资金（万元）", "试点示范级别", "佐证材料"],
            [
                ["黄桥镇", "是", "2", "50", "", "文件"],
                ["黄桥经济开发区", "是", "1", "", "省", "文件"],
                ["泰兴经济开发区", "否", "", "", "", ""],
            ],
        ),
        "manual": (
            ["指标编号", "数值", "是否完成", "佐证材料", "填报人"],
            [
                ["M02", "", "是", "泰兴分中心揭牌文件", "张三"],
                ["G15", "31", "", "服务机构名录", "李四"],
            ],
        ),
        "statistics": (
            ["区划代码", "年份", "指标", "数值", "来源"],
            [["321283", "2025", "市场主体户数", "100000", "测试"]],
        ),
    }
    for kind, (header, rows) in files.items():
        import_file(store, kind, csv_file(f"{kind}.csv", header, rows), as_of=AS_OF)
    return store


def unit(fs, code):
    return fs.units.set_index("code").loc[code]


def test_patent_counts_per_unit_and_city(loaded):
    fs = compute(loaded)
    hq, yl, gx = unit(fs, HQ), unit(fs, YL), unit(fs, GX)
    assert (hq.patents, hq.invention_patents, hq.invention_patents_valid, hq.invention_patents_long) == (2, 2, 2, 1)
    assert (yl.patents, yl.utility_patents, yl.design_patents, yl.patents_valid, yl.invention_patents_valid) == (
        2,
        1,
        1,
        1,
        0,
    )
    assert (gx.patents, gx.invention_patents, gx.invention_patents_valid) == (1, 1, 0)
    # City: rows 1-5 and 8 (row 6 is a duplicate, row 7 outside Taixing).
    assert fs.city["patents"] == 6
    assert fs.city["invention_patents_valid"] == 3
    assert fs.city["invention_patents_long"] == 2
    assert fs.outside["patents"] == 1 and fs.unassigned["patents"] == 1


def test_units_with_no_records_show_zero_not_missing(loaded):
    fs = compute(loaded)
    other = unit(fs, "321283200")  # 根思乡: nothing in the fixture
    assert other.patents == 0 and other.workstations == 0
    # Rates with no cases are missing (no denominator), not 0 %.
    assert other.enforcement_rate != other.enforcement_rate  # NaN


def test_trademarks_count_only_valid_unexpired(loaded):
    fs = compute(loaded)
    assert unit(fs, HQ).trademarks == 1 and unit(fs, GX).trademarks == 0 and fs.city["trademarks"] == 1


def test_case_rates_count_cases_accepted_since_plan_start(loaded):
    fs = compute(loaded)
    hq, yl = unit(fs, HQ), unit(fs, YL)
    assert (hq.cases, hq.enforcement_cases, hq.enforcement_closed, hq.enforcement_rate) == (4, 3, 2, 66.7)
    assert (yl.disputes, yl.disputes_mediated, yl.mediation_rate) == (2, 1, 50.0)


def test_workstations_by_field_and_by_point_and_closed_ones_not_counted(loaded):
    fs = compute(loaded)
    assert (unit(fs, HQ).workstations, unit(fs, YL).workstations, unit(fs, GX).workstations) == (1, 1, 0)
    w = fs.records["workstations"].set_index("station_id")
    assert w.loc["W2", "assign_method"] == "point" and w.loc["W1", "assign_method"] == "code"


def test_zero_patent_enterprises_use_the_column_or_the_patent_records(loaded):
    fs = compute(loaded)
    assert unit(fs, HQ).zero_patent_above_scale == 1
    assert unit(fs, YL).zero_patent_high_tech == 0  # 丙公司: empty column, one valid patent in the records


def test_goal_values_status_and_gap(loaded):
    g = evaluate(compute(loaded)).set_index("id")
    assert g.loc["G01", "current"] == 3 and g.loc["G01", "gap"] == 3497 and g.loc["G01", "status"] == "not_met"
    assert g.loc["G02", "current"] == 2
    assert g.loc["G03", "current"] == round(3 / (994445 / 1e4), 2)
    assert g.loc["G04", "current"] == 1
    assert g.loc["G05", "current"] == 0.1  # 1 trademark / 10 万户
    assert g.loc["G06", "current"] == 1  # one park at provincial level
    assert g.loc["G07", "current"] == 50.0  # 1 of 2 high-tech enterprises filed
    assert g.loc["G12", "current"] == 0.5  # 5000 万元 since 2024-01-01
    assert g.loc["G13", "current"] == 66.7 and g.loc["G14", "current"] == 50.0
    assert g.loc["G16", "current"] == 220
    assert g.loc["G15", "current"] == 31 and g.loc["G15", "source"] == "manual" and g.loc["G15", "status"] == "met"
    assert "服务机构名录" in g.loc["G15", "basis"]
    assert g.loc["M02", "status"] == "done" and g.loc["M01", "status"] == "no_data"
    assert g.loc["G01", "lead"].startswith("市场监管局")


def test_registered_population_base_without_figure_is_no_data(loaded):
    g = evaluate(compute(loaded, Settings(population_base="户籍"))).set_index("id")
    assert g.loc["G03", "status"] == "no_data" and "户籍" in g.loc["G03", "basis"]


def test_long_maintained_threshold_is_a_setting(loaded):
    fs = compute(loaded, Settings(long_years=5))
    # Filed before 2021-10-31: rows 1 and 8.
    assert fs.city["invention_patents_long"] == 2
    fs = compute(loaded, Settings(long_years=20))
    assert fs.city["invention_patents_long"] == 1  # only the 1999 patent


def test_newer_snapshot_is_used_and_older_kept(loaded, csv_file):
    import_file(
        loaded,
        "trademarks",
        csv_file(
            "tm2.csv",
            ["注册号", "商标状态", "所属镇街"],
            [["20001", "已注册", "延令街道"], ["20002", "已注册", "延令街道"]],
        ),
        as_of="2026-11-20",
    )
    assert compute(loaded).city["trademarks"] == 2
    assert compute(loaded, Settings(as_of="2026-10-31")).city["trademarks"] == 1


def test_ranking_puts_the_most_first_ties_shared_and_more_is_worse_reversed(loaded):
    from txip_geo.present.map_view import ranking

    fs = compute(loaded)
    r = ranking(fs, "units", "patents")
    assert len(r) == 17 and list(r.columns) == ["排名", "名称", "数值"]
    # 黄桥镇 and 延令街道 have 2 patents each (shared first place), 古溪镇 1, the 14 others 0 (shared fourth).
    assert set(r.loc[:1, "名称"]) == {"黄桥镇", "延令街道"} and list(r.loc[:1, "排名"]) == [1, 1]
    assert (r.loc[2, "名称"], r.loc[2, "排名"], r.loc[2, "数值"]) == ("古溪镇", 3, "1 件")
    assert set(r.loc[3:, "排名"]) == {4} and set(r.loc[3:, "数值"]) == {"0 件"}
    z = ranking(fs, "units", "zero_patent_above_scale")  # more is worse: the fewest come first
    assert z.iloc[-1]["名称"] == "黄桥镇" and z.iloc[-1]["数值"] == "1 家"


def test_city_value_of_an_indicator(loaded):
    from txip_geo.figures.goals import city_value

    fs = compute(loaded)
    assert city_value(fs, "patents") == 6 and city_value(fs, "invention_patents_valid") == 3
    per_10k = evaluate(fs).set_index("id").loc["G03", "current"]
    assert city_value(fs, "invention_per_10k") == per_10k
