"""The gazetteer and the plan's goals are pinned to their sources."""

import re
from pathlib import Path

import pytest

from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.plan import goal_table

NBS_CODES = {
    "321283001": "济川街道",
    "321283002": "延令街道",
    "321283003": "姚王街道",
    "321283100": "黄桥镇",
    "321283101": "分界镇",
    "321283102": "古溪镇",
    "321283104": "元竹镇",
    "321283105": "珊瑚镇",
    "321283106": "广陵镇",
    "321283108": "曲霞镇",
    "321283109": "张桥镇",
    "321283112": "河失镇",
    "321283113": "新街镇",
    "321283115": "宣堡镇",
    "321283123": "滨江镇",
    "321283124": "虹桥镇",
    "321283200": "根思乡",
}

# The plan's numeric goals (泰政办发〔2024〕18号 一(三)): id -> (target, comparator, unit).
PLAN_TARGETS = {
    "G01": (3500, ">=", "件"),
    "G02": (650, ">=", "件"),
    "G03": (29, ">=", "件/万人"),
    "G04": (14600, ">=", "件"),
    "G05": (660, ">=", "件/万户市场主体"),
    "G06": (2, ">=", "个"),
    "G07": (90, ">", "%"),
    "G08": (30, ">=", "家"),
    "G09": (9, ">=", "家"),
    "G10": (20, ">=", "家"),
    "G11": (60, ">=", "家"),
    "G12": (20, ">=", "亿元"),
    "G13": (90, ">", "%"),
    "G14": (90, ">=", "%"),
    "G15": (30, ">=", "家"),
    "G16": (300, ">=", "人次"),
}


def test_the_17_units_with_their_nbs_codes():
    g = load_gazetteer()
    assert {u.code: u.name for u in g.units} == NBS_CODES
    assert [u.type for u in g.units].count("街道") == 3
    assert [u.type for u in g.units].count("镇") == 13
    assert [u.type for u in g.units].count("乡") == 1


def test_every_unit_fact_names_a_known_source():
    g = load_gazetteer()
    for u in g.units:
        assert all(k in g.sources for k in u.source.split(";")), u
    for a in g.areas.values():
        assert a["source"] in g.sources


@pytest.mark.parametrize(
    "old,new",
    [
        ("横垛镇", "古溪镇"),
        ("溪桥镇", "黄桥镇"),
        ("刘陈镇", "黄桥镇"),
        ("马甸镇", "滨江镇"),
        ("蒋华镇", "虹桥镇"),
        ("七圩镇", "虹桥镇"),
        ("姚王镇", "姚王街道"),
    ],
)
def test_old_town_name_maps_to_successor(old, new):
    g = load_gazetteer()
    kind, code = g.resolve_area(old)
    assert kind == "unit" and g.name_of(code) == new


def test_old_name_without_sourced_successor_is_not_guessed():
    assert load_gazetteer().resolve_area("燕头镇") == ("old", "")


def test_parks_and_hosts():
    g = load_gazetteer()
    hosts = {p.name: g.name_of(p.host_code) for p in g.parks}
    assert hosts == {
        "泰兴经济开发区": "滨江镇",
        "黄桥经济开发区": "黄桥镇",
        "虹桥工业园区": "虹桥镇",
        "泰兴高新技术产业开发区": "",
    }


def test_goal_targets_equal_the_plan():
    t = goal_table().set_index("id")
    for gid, (target, comp, unit) in PLAN_TARGETS.items():
        assert (t.loc[gid, "target"], t.loc[gid, "comparator"], t.loc[gid, "unit"]) == (target, comp, unit), gid
    assert sorted(t.index[t["kind"] == "milestone"]) == ["M01", "M02", "M03", "M04"]


def test_goal_targets_equal_the_shared_goals_table_when_present():
    md = Path(__file__).resolve().parents[2] / "shared" / "plan" / "goals.md"
    if not md.exists():
        pytest.skip("shared/plan/goals.md is not beside the repo")
    rows = re.findall(r"^\| (G\d\d) \| [^|]+ \| ([\d.]+) \| ([^|]+) \|", md.read_text(encoding="utf-8"), re.M)
    assert len(rows) == 16
    t = goal_table().set_index("id")
    for gid, target, comp in rows:
        assert t.loc[gid, "target"] == float(target)
        assert t.loc[gid, "comparator"] == (">" if comp.strip().startswith(">") else ">=")


def test_every_goal_has_a_lead_unit_from_the_task_list():
    t = goal_table()
    assert (t["lead"] != "").all()
