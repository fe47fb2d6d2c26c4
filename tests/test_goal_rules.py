"""The goals' counting rules: G16's audience, dated bases (G03, G05, per-unit population), G13's 移送 setting, the
rule text beside every goal, and the 目标分解 table's explanations (issue #16)."""

import csv
import json

import pytest

from txip_geo import rules
from txip_geo.figures.compute import METRICS, Settings, compute
from txip_geo.figures.goals import evaluate
from txip_geo.ingest.pipeline import import_file
from txip_geo.paths import DATA_DIR
from txip_geo.present.map_view import goal_shares

AS_OF = "2026-10-31"
HQ, YL = "321283100", "321283002"  # 黄桥镇 (has a population figure), 延令街道


def goals(fs):
    return evaluate(fs).set_index("id")


# -- G16: who is counted ------------------------------------------------------------------------------------------------


def test_g16_on_the_sample_counts_executives_and_engineers_only(demo_fs):
    with open(DATA_DIR / "sample" / "trainings.csv", encoding="utf-8-sig") as f:
        raw = list(csv.DictReader(f))
    since = [r for r in raw if r["培训日期"] >= "2024-01-01"]
    plan = sum(int(r["人次"]) for r in since if r["对象"] in ("高管", "工程师"))
    other = sum(int(r["人次"]) for r in since if r["对象"] == "其他")
    g = goals(demo_fs).loc["G16"]
    assert g["current"] == plan == 262 and g["gap"] == 38
    assert f"其他对象 {other} 人次" in g["basis"] and other == 22
    # The per-area metric follows the same rule: townships + parks-without-township + no-unit records = city.
    assert demo_fs.units["training_attendees"].sum() <= 262
    assert "高管" in METRICS["training_attendees"][0] and "工程师" in METRICS["training_attendees"][0]


MIXED = [  # id, date, 对象, 人次, 镇街
    ["T01", "2024-03-01", "高管", "10", "黄桥镇"],
    ["T02", "2024-04-01", "企业高管", "11", "黄桥镇"],
    ["T03", "2024-05-01", "知识产权总监", "12", "延令街道"],
    ["T04", "2024-06-01", "专利工程师", "13", "延令街道"],
    ["T05", "2024-07-01", "高管、工程师", "14", "黄桥镇"],
    ["T06", "2024-08-01", "其他", "15", "黄桥镇"],
    ["T07", "2024-09-01", "企业职工", "16", "延令街道"],
    ["T08", "2024-10-01", "", "17", "黄桥镇"],  # empty: left out, named
    ["T09", "2024-11-01", "厨师", "18", "黄桥镇"],  # unrecognised: left out, named
    ["T10", "2024-12-01", "高管、企业职工", "19", "延令街道"],  # mixed: 人次 cannot be split, left out, named
    ["T11", "2023-12-01", "高管", "100", "黄桥镇"],  # before the plan
    ["T12", "2025-01-01", " 知识产权 工程师 ", "20", "延令街道"],
]


@pytest.fixture
def mixed(store, csv_file):
    path = csv_file("trainings.csv", ["编号", "培训日期", "对象", "人次", "所属镇街"], MIXED)
    rep = import_file(store, "trainings", path, as_of=AS_OF)
    return store, rep


def test_mixed_audiences_are_normalised_and_the_unclear_ones_named(mixed):
    store, rep = mixed
    assert rep.rows_imported == len(MIXED)
    warned = {(w.row, w.column) for w in rep.warnings}
    assert warned == {(9, "对象"), (10, "对象"), (11, "对象")}  # T08, T09, T10 (header is line 1)
    texts = [w.text("trainings.csv") for w in rep.warnings]
    assert any("第 9 行" in x and "为空" in x for x in texts)
    assert any("厨师" in x and "无法识别" in x for x in texts)

    fs = compute(store)
    g = goals(fs).loc["G16"]
    assert g["current"] == 10 + 11 + 12 + 13 + 14 + 20
    assert "其他对象 31 人次" in g["basis"] and "混合 54 人次" in g["basis"]  # 15+16; 17+18+19
    u = fs.units.set_index("code")["training_attendees"]
    assert u[HQ] == 10 + 11 + 14 and u[YL] == 12 + 13 + 20

    all_ = goals(compute(store, Settings(training_audience="all"))).loc["G16"]
    assert all_["current"] == sum(int(r[3]) for r in MIXED if r[1] >= "2024-01-01")
    assert "全部对象" in all_["rule"] and "混合 54 人次" in all_["basis"]  # still said which 对象 were unclear


def test_audience_vocabulary_reads_office_spellings():
    for text in (
        "高管",
        "企业高管",
        "知识产权高管",
        "知识产权总监",
        "工程师",
        "知识产权工程师",
        "专利工程师",
        "高管、工程师",
        "高管，工程师",
        "高管/工程师",
        "企业高管等",
    ):
        assert rules.audience_class(text) == rules.COUNTED, text
    assert rules.audience_class("其他") == rules.audience_class("企业职工") == rules.OTHER
    assert rules.audience_class("") == rules.audience_class(None) == rules.EMPTY
    assert rules.audience_class("厨师") == rules.UNKNOWN
    assert rules.audience_class("工程师、企业职工") == rules.MIXED


def test_trainings_without_any_audience_count_nothing_and_say_why(store, csv_file):
    path = csv_file("t.csv", ["编号", "培训日期", "人次"], [["A", "2024-05-01", "40"]])
    rep = import_file(store, "trainings", path, as_of=AS_OF)
    assert len(rep.warnings) == 1
    g = goals(compute(store)).loc["G16"]
    assert g["current"] == 0 and "混合 40 人次" in g["basis"]


# -- dated bases ----------------------------------------------------------------------------------------------------------


def _stats(store, csv_file, rows, as_of="2026-03-01", name="stats.csv"):
    import_file(store, "statistics", csv_file(name, ["区划代码", "年份", "指标", "数值", "来源"], rows), as_of=as_of)


def _trademarks(store, csv_file, n, as_of):
    # Valid through every view of these tests; within the ten-year term (+ renewal) a registration can have on
    # `as_of` (data/plausibility.toml).
    expiry = f"{int(as_of[:4]) + 10}-01-01"
    rows = [[f"{as_of[:4]}{i:04d}", "已注册", expiry, "黄桥镇"] for i in range(n)]
    import_file(
        store,
        "trademarks",
        csv_file(f"tm{as_of}.csv", ["注册号", "商标状态", "专用权期限截止", "所属镇街"], rows),
        as_of=as_of,
    )


@pytest.fixture
def yearly(store, csv_file):
    _stats(
        store,
        csv_file,
        [
            ["321283", "2023", "市场主体户数", "100000", "测"],
            ["321283", "2024", "市场主体户数", "200000", "测"],
            ["321283", "2025", "市场主体户数", "400000", "测"],
            ["321283", "2024", "常住人口", "1000000", "测"],
            [HQ, "2025", "常住人口", "250000", "测"],
        ],
    )
    _trademarks(store, csv_file, 20, "2023-06-01")
    _trademarks(store, csv_file, 40, "2024-12-31")
    _trademarks(store, csv_file, 80, "2026-10-31")
    return store


def test_g05_uses_the_market_entity_count_of_the_views_year(yearly):
    g = goals(compute(yearly, Settings(as_of="2024-12-31"))).loc["G05"]
    assert g["current"] == 2.0 and "2024 年" in g["basis"]  # 40 / 20 万户, not 40 / 40 万户 (2025)
    g = goals(compute(yearly)).loc["G05"]
    assert g["current"] == 2.0 and "2025 年" in g["basis"]  # 80 / 40 万户


def test_no_base_on_or_before_the_date_is_said_not_replaced(yearly):
    g = goals(compute(yearly, Settings(as_of="2023-06-30"))).loc["G05"]
    assert g["current"] != g["current"] and g["status"] == "no_data"  # NaN: no figure
    assert "全市没有 2023-06-30 当日或之前的市场主体户数数字" in g["basis"] and "2023 年" in g["basis"]


def test_an_earlier_year_is_used_when_it_is_the_latest_on_or_before(store, csv_file):
    _stats(
        store,
        csv_file,
        [["321283", "2022", "市场主体户数", "100000", "测"], ["321283", "2023", "市场主体户数", "400000", "测"]],
    )
    _trademarks(store, csv_file, 30, "2023-06-01")
    g = goals(compute(store, Settings(as_of="2023-06-30"))).loc["G05"]
    assert g["current"] == 3.0 and "2022 年" in g["basis"]


def test_population_bases_follow_the_date_for_city_and_units(yearly, csv_file):
    import_file(
        yearly,
        "patents",
        csv_file(
            "p.csv", ["申请号", "申请日", "法律状态", "所属镇街"], [["202310123456.6", "2023-03-01", "有效", "黄桥镇"]]
        ),
        as_of="2024-01-31",
    )
    later = compute(yearly)  # today: city 常住 2024 (statistics), 黄桥镇 2025 (statistics)
    earlier = compute(yearly, Settings(as_of="2024-06-30"))  # city: 2020 census; 黄桥镇: data/population.csv 2010
    gl, ge = goals(later).loc["G03"], goals(earlier).loc["G03"]
    assert gl["current"] == 0.01 and "常住人口 2024 年" in gl["basis"]  # 1 ÷ 100 万人
    assert ge["current"] == round(1 / (994445 / 1e4), 2) and "常住人口 2020 年" in ge["basis"]
    hq_l, hq_e = later.units.set_index("code").loc[HQ], earlier.units.set_index("code").loc[HQ]
    assert hq_l["population"] == 250000 and hq_l["population_year"] == 2025
    assert hq_e["population"] == 191200 and hq_e["population_year"] == 2010
    assert hq_l["invention_per_10k"] == 0.04 and hq_e["invention_per_10k"] == round(1 / 19.12, 2)


def test_statistics_imported_year_by_year_are_all_kept(store, csv_file):
    _stats(store, csv_file, [["321283", "2024", "市场主体户数", "200000", "测"]], as_of="2025-03-01", name="a.csv")
    _stats(store, csv_file, [["321283", "2025", "市场主体户数", "400000", "测"]], as_of="2026-03-01", name="b.csv")
    _trademarks(store, csv_file, 40, "2024-12-31")
    g = goals(compute(store, Settings(as_of="2024-12-31"))).loc["G05"]
    assert g["current"] == 2.0 and "2024 年" in g["basis"]


def test_cli_goals_as_of_uses_the_dated_base(yearly, capsys):
    from txip_geo.cli import main

    assert main(["--db", str(yearly.path), "goals", "--as-of", "2024-12-31", "--format", "json"]) == 0
    g = {r["id"]: r for r in json.loads(capsys.readouterr().out)["goals"]}
    assert g["G05"]["current"] == 2.0 and "2024 年" in g["G05"]["basis"]
    assert "2024-12-31" in g["G05"]["rule"] and g["G16"]["rule"]


# -- G13: is a case 移送 handled? -----------------------------------------------------------------------------------------


def test_g13_transfer_setting_flips_the_rate(store, csv_file):
    rows = [
        ["C1", "查处", "2024-03-01", "已结案", "2024-06-01", "黄桥镇"],
        ["C2", "查处", "2024-04-01", "移送", "", "黄桥镇"],
        ["C3", "查处", "2024-05-01", "办理中", "", "黄桥镇"],
        ["C4", "查处", "2024-06-01", "已结案", "2024-08-01", "延令街道"],
    ]
    import_file(
        store,
        "cases",
        csv_file("c.csv", ["案件编号", "案件类别", "立案日期", "办理状态", "结案日期", "所属镇街"], rows),
        as_of=AS_OF,
    )
    default = goals(compute(store)).loc["G13"]
    assert default["current"] == 50.0 and "不计为查处完成" in default["rule"] and "移送 1 件" in default["basis"]
    moved = compute(store, Settings(transferred_handled=True))
    g = goals(moved).loc["G13"]
    assert g["current"] == 75.0 and "计为查处完成" in g["rule"]
    assert moved.units.set_index("code").loc[HQ, "enforcement_rate"] == round(2 / 3 * 100, 1)


# -- the rule beside every goal -------------------------------------------------------------------------------------------


def test_every_goal_has_a_rule_and_the_plans_words(demo_fs):
    ev = goals(demo_fs)
    assert ev["rule"].str.len().gt(0).all() and ev["plan_text"].str.len().gt(0).all()
    assert "常住人口" in ev.loc["G03", "rule"] and "户籍" in ev.loc["G03", "rule"]
    assert "户籍人口" in goals(compute_with(demo_fs, population_base="户籍")).loc["G03", "rule"]
    assert "10 年" in ev.loc["G02", "rule"] and "2024-01-01" in ev.loc["G12", "rule"]
    assert "移送" in ev.loc["G13", "rule"] and "高管" in ev.loc["G16", "rule"]
    assert ev.loc["G16", "plan_text"] == "累计培训企业知识产权高管、知识产权工程师300人次"


def compute_with(fs, **kw):
    import dataclasses

    return dataclasses.replace(fs, settings=fs.settings.with_(**kw))


# -- 目标分解 (map panel) -------------------------------------------------------------------------------------------------


def test_goal_shares_explain_missing_values_instead_of_none(demo_fs):
    no_pop = demo_fs.units.loc[demo_fs.units["population"].isna(), "code"]
    assert len(no_pop)  # the sample has townships without a population figure
    sh = goal_shares(demo_fs, no_pop.iloc[0]).set_index("编号")
    assert sh.loc["G03", "本镇街"] == "—" and "人口" in sh.loc["G03", "说明"]
    assert sh.loc["G03", "状态"] == "无数据"
    for col in ("本镇街", "份额目标", "差距"):
        assert not sh[col].isna().any() and "None" not in sh[col].tolist() and "nan" not in sh[col].tolist()
    with_pop = goal_shares(demo_fs, HQ).set_index("编号")
    assert with_pop.loc["G03", "本镇街"] != "—"


def test_goal_shares_say_when_the_city_population_is_missing(demo_fs):
    fs = compute_with(demo_fs, population_base="户籍", as_of="2019-12-31")
    sh = goal_shares(fs, HQ).set_index("编号")
    assert sh.loc["G01", "份额目标"] == "—" and "全市" in sh.loc["G01", "说明"]
