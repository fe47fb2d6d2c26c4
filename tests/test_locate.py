"""Assigning records to units and parks: address rules, precedence, datums, and frame == row-by-row."""

from __future__ import annotations

import csv
import random
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from support import square_layers

from txip_geo.areas.datum import wgs84_to_gcj02
from txip_geo.locate import address as A
from txip_geo.locate import location as L
from txip_geo.locate.address import AddressMatcher
from txip_geo.locate.frame import locate_frame, locate_one
from txip_geo.locate.location import Location
from txip_geo.paths import DATA_DIR

JICHUAN, YANLING, YAOWANG = "321283001", "321283002", "321283003"
HUANGQIAO, GUXI, BINJIANG, HONGQIAO, GUANGLING = "321283100", "321283102", "321283123", "321283124", "321283106"


# --------------------------------------------------------------------------- small layers, computable by hand
# 延令 | 黄桥 side by side (edge at 120.10), 滨江 below both; the outline is larger (a gap ring with no township);
# park P02 is a square inside 黄桥.


@pytest.fixture(scope="module")
def layers():
    return square_layers()


def frame(layers, gaz, rows):
    return locate_frame(pd.DataFrame(rows), gaz, **layers)


def as_tuple(loc):
    return (loc.unit_code, loc.park_code, loc.method)


# --------------------------------------------------------------------------- addresses

TRICKY = [
    # explicit unit name beats a bare town name used as a road name
    ("泰兴市延令街道黄桥路5号", (YANLING, "", "address")),
    ("泰兴市黄桥镇延令路8号", (HUANGQIAO, "", "address")),
    ("江苏省泰州市泰兴市济川街道根思东路2号", (JICHUAN, "", "address")),
    # a bare short name is weak evidence, but evidence
    ("泰兴市黄桥工业园某公司", (HUANGQIAO, "", "address")),
    ("泰兴市根思东路88号", ("", "", "unassigned")),  # 根思 here is a road
    ("泰兴市滨江花园3栋", ("", "", "unassigned")),  # 滨江 here is an estate
    # old names
    ("泰兴市横垛镇横垛村", (GUXI, "", "address")),
    ("泰兴市横垛", (GUXI, "", "address")),
    ("泰兴市姚王镇新镇居委会", (YAOWANG, "", "address")),
    ("泰兴市燕头镇", ("", "", "unassigned")),
    ("泰兴市过船镇过船村", ("", "", "unassigned")),
    ("泰兴市延令街道（原泰兴镇）", (YANLING, "", "address")),  # an explicit unit beats an unsourced old name
    # outside Taixing
    ("泰兴市如皋路12号", ("", "", "unassigned")),  # a road named after 如皋: still Taixing
    ("泰兴市黄桥镇如皋路12号", (HUANGQIAO, "", "address")),
    ("如皋市城北街道", ("", "", "outside")),
    ("江苏省泰州市高港区口岸街道", ("", "", "outside")),
    ("泰州市海陵区", ("", "", "outside")),
    ("靖江市新桥镇", ("", "", "outside")),
    ("江苏省靖江市经济开发区", ("", "", "outside")),
    ("上海市闵行区虹桥镇", ("", "", "outside")),
    ("上海市泰兴路1号", ("", "", "outside")),
    ("扬州市广陵区文昌路", ("", "", "outside")),  # 广陵 is also a Taixing town
    ("南京市鼓楼区", ("", "", "outside")),
    ("泰兴市延令街道鼓楼社区", (YANLING, "", "address")),
    ("泰兴市广陵镇", (GUANGLING, "", "address")),
    ("泰兴市延令街道上海市场", (YANLING, "", "address")),  # 上海市场 is a market, not 上海市
    # two towns
    ("泰兴市黄桥镇古溪镇", ("", "", "unassigned")),
    ("泰兴市黄桥古溪", ("", "", "unassigned")),
    ("泰兴市黄桥镇溪桥", (HUANGQIAO, "", "address")),  # both point to 黄桥镇
    # parks
    ("泰兴市黄桥经济开发区科创路1号", (HUANGQIAO, "P02", "park")),
    ("江阴－黄桥合作共建园区", (HUANGQIAO, "P02", "park")),
    ("泰兴经济开发区", (BINJIANG, "P01", "park")),
    ("泰兴经济开发区延令街道某路", (YANLING, "P01", "address")),  # explicit unit + park
    ("泰兴市虹桥工业园区", (HONGQIAO, "P03", "park")),
    ("泰兴高新技术产业开发区", ("", "P04", "park")),
    ("泰兴高新区燕头村", (JICHUAN, "P04", "address")),  # host unknown, a unique village tells the unit
    ("泰兴经济开发区黄桥经济开发区", ("", "", "unassigned")),
    # villages and communities (only with their suffix, only when unique)
    ("泰兴市过船村8组", (BINJIANG, "", "address")),
    ("滨江镇过船村", (BINJIANG, "", "address")),
    ("泰兴市华泰居委会", (YANLING, "", "address")),
    ("泰兴市兴燕社区", (JICHUAN, "", "address")),
    ("泰兴市燕头村", (JICHUAN, "", "address")),
    ("泰兴市燕头", ("", "", "unassigned")),  # bare village name: no evidence
    ("泰兴市国庆新村12幢", (YANLING, "", "address")),  # a community name that carries its own suffix
    # normalisation
    ("泰兴市　延令街道　１２号", (YANLING, "", "address")),
    ("  ", ("", "", "unassigned")),
    ("某某有限公司", ("", "", "unassigned")),
]


@pytest.mark.parametrize("address,expected", TRICKY, ids=[a for a, _ in TRICKY])
def test_tricky_addresses(matcher, address, expected):
    assert as_tuple(matcher.match(address)) == expected


def test_explicit_unit_name_beats_bare_town_name_in_road(matcher):
    loc = matcher.match("泰兴市延令街道黄桥路5号")
    assert loc == Location(YANLING, "", "address", "地址含“延令街道”")


def _historical(with_successor: bool):
    with open(DATA_DIR / "historical_names.csv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if bool(r["successor_code"]) == with_successor]


@pytest.mark.parametrize("row", _historical(True), ids=lambda r: r["old_name"])
def test_old_town_name_maps_to_successor(matcher, gaz, row):
    for address in (row["old_name"], f"泰兴市{row['old_name']}人民路1号"):
        loc = matcher.match(address)
        assert (loc.unit_code, loc.method) == (row["successor_code"], "address")
        assert loc.note.startswith(f"旧地名“{row['old_name']}”（{row['year']}年")
        assert gaz.name_of(row["successor_code"]) in loc.note


def test_old_name_note_reads_as_documented(matcher):
    assert matcher.match("横垛镇").note == "旧地名“横垛镇”（2010年并入古溪镇）"


@pytest.mark.parametrize("row", _historical(False), ids=lambda r: r["old_name"])
def test_old_name_without_sourced_successor_is_unassigned(matcher, row):
    loc = matcher.match(f"泰兴市{row['old_name']}某组")
    assert as_tuple(loc) == ("", "", "unassigned")
    assert loc.note == f"旧地名“{row['old_name']}”归属无来源，无法判断"


def test_outside_note_names_the_other_place(matcher):
    assert matcher.match("靖江市新桥镇").note == "地址含外地行政区“靖江市”"
    assert matcher.match("江苏省泰州市高港区").note == "地址含外地行政区“高港区”"
    assert matcher.match("扬州市广陵区").note == "地址含外地行政区“扬州市广陵区”"


def test_two_towns_note_names_both(matcher):
    assert matcher.match("泰兴市黄桥镇古溪镇").note == "地址同时指向黄桥镇、古溪镇，无法判断"


def test_park_without_known_host_says_so(matcher):
    loc = matcher.match("泰兴高新技术产业开发区")
    assert as_tuple(loc) == ("", "P04", "park")
    assert "未能确认" in loc.note


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, "", "   ", "\u3000", "nan"])
def test_empty_address_is_unassigned(matcher, value):
    assert matcher.match(value) == Location("", "", "unassigned", "地址为空")


def test_nothing_found_says_so(matcher):
    assert matcher.match("某某有限公司").note == "地址中未找到镇街、园区或村居名称"


def test_full_width_digits_and_spaces_are_folded(matcher):
    assert matcher.match("泰兴市　黄桥镇　１２３号") == matcher.match("泰兴市黄桥镇123号")


def test_every_unit_full_name_is_found(matcher, gaz):
    for u in gaz.units:
        assert matcher.match(f"泰兴市{u.name}幸福路1号").unit_code == u.code


def test_same_address_is_matched_once(gaz, monkeypatch):
    m = AddressMatcher(gaz)
    calls = []
    real = m._match
    monkeypatch.setattr(m, "_match", lambda text: calls.append(text) or real(text))
    a = m.match("泰兴市黄桥镇1号")
    b = m.match("泰兴市 黄桥镇1号")
    assert a is b and calls == ["泰兴市黄桥镇1号"]


# --------------------------------------------------------------------------- precedence and coordinates


def test_coordinates_beat_address_text(layers, gaz):
    out = frame(layers, gaz, [{"address": "泰兴市黄桥镇1号", "lon": 120.05, "lat": 32.15}])
    assert tuple(out.iloc[0][["unit_code", "park_code", "assign_method"]]) == (YANLING, "", "point")
    assert out.iloc[0]["assign_note"] == "坐标落在延令街道"


def test_gcj02_coordinate_is_converted_before_point_in_polygon(layers, gaz):
    wgs = (120.098, 32.15)  # in 延令, 200 m west of the 黄桥 edge
    glon, glat = wgs84_to_gcj02(*wgs)
    assert glon > 120.10  # unconverted, the GCJ-02 point would fall in 黄桥
    out = frame(
        layers,
        gaz,
        [
            {"lon": glon, "lat": glat, "datum": "GCJ-02"},
            {"lon": glon, "lat": glat, "datum": "高德"},
            {"lon": glon, "lat": glat, "datum": ""},  # empty = WGS84
            {"lon": wgs[0], "lat": wgs[1], "datum": "CGCS2000"},
        ],
    )
    assert list(out["unit_code"]) == [YANLING, YANLING, HUANGQIAO, YANLING]
    assert "GCJ-02" in out.iloc[0]["assign_note"]


def test_point_outside_outline_is_outside(layers, gaz):
    out = frame(layers, gaz, [{"lon": 120.40, "lat": 32.15, "address": "泰兴市黄桥镇"}])
    assert tuple(out.iloc[0]) == ("", "", "outside", "坐标落在泰兴市界外")


def test_point_in_park_layer_sets_park(layers, gaz):
    out = frame(layers, gaz, [{"lon": 120.16, "lat": 32.16}, {"lon": 120.12, "lat": 32.12}])
    assert list(out["park_code"]) == ["P02", ""]
    assert list(out["unit_code"]) == [HUANGQIAO, HUANGQIAO]


def test_point_in_gap_falls_through_to_address(layers, gaz):
    out = frame(layers, gaz, [{"lon": 120.22, "lat": 32.22, "address": "泰兴市古溪镇"}])
    assert tuple(out.iloc[0][["unit_code", "assign_method"]]) == (GUXI, "address")
    assert "坐标未落入任何镇街范围" in out.iloc[0]["assign_note"]


def test_explicit_area_code_field_wins_over_everything(layers, gaz):
    row = {
        "area_code": 321283102.0,
        "area_name": "黄桥镇",
        "park_name": "泰兴经济开发区",
        "address": "靖江市新桥镇",
        "lon": 120.40,
        "lat": 32.15,
    }
    out = frame(layers, gaz, [row])
    assert tuple(out.iloc[0][["unit_code", "park_code", "assign_method"]]) == (GUXI, "P01", "code")


def test_area_name_field_accepts_old_names(layers, gaz):
    out = frame(layers, gaz, [{"area_name": "横垛镇"}, {"area_name": "泰兴市延令街道"}, {"area_name": "P02"}])
    assert list(zip(out["unit_code"], out["park_code"], out["assign_method"])) == [
        (GUXI, "", "code"),
        (YANLING, "", "code"),
        (HUANGQIAO, "P02", "park"),
    ]
    assert "横垛镇" in out.iloc[0]["assign_note"]


def test_bad_area_code_falls_through_with_a_note(layers, gaz):
    out = frame(layers, gaz, [{"area_code": "999999999", "address": "泰兴市黄桥镇"}])
    assert tuple(out.iloc[0][["unit_code", "assign_method"]]) == (HUANGQIAO, "address")
    assert "“999999999”无法识别" in out.iloc[0]["assign_note"]


def test_city_code_and_conflicting_area_fields_are_noted(layers, gaz):
    out = frame(
        layers,
        gaz,
        [{"area_code": "321283", "address": "泰兴市黄桥镇"}, {"area_code": "321283100", "area_name": "古溪镇"}],
    )
    assert list(out["unit_code"]) == [HUANGQIAO, HUANGQIAO]
    assert list(out["assign_method"]) == ["address", "code"]
    assert "为泰兴市代码，不是镇街" in out.iloc[0]["assign_note"]
    assert "与代码不一致" in out.iloc[1]["assign_note"]


def test_park_name_field_beats_address(layers, gaz):
    out = frame(
        layers,
        gaz,
        [
            {"park_name": "虹桥工业园", "address": "泰兴市延令街道"},
            {"park_name": "泰兴高新区", "address": "泰兴市延令街道"},
        ],
    )
    assert list(zip(out["unit_code"], out["park_code"], out["assign_method"])) == [
        (HONGQIAO, "P03", "park"),
        (YANLING, "P04", "address"),
    ]


def test_unknown_datum_falls_back_to_address(layers, gaz):
    out = frame(layers, gaz, [{"lon": 120.05, "lat": 32.15, "datum": "百度", "address": "泰兴市黄桥镇"}])
    assert tuple(out.iloc[0][["unit_code", "assign_method"]]) == (HUANGQIAO, "address")
    assert "坐标系" in out.iloc[0]["assign_note"]


def test_frame_keeps_index_and_handles_missing_columns(gaz):
    df = pd.DataFrame({"address": ["泰兴市黄桥镇", None, "靖江市"]}, index=[10, 20, 30])
    out = locate_frame(df, gaz)
    assert list(out.index) == [10, 20, 30]
    assert list(out.columns) == ["unit_code", "park_code", "assign_method", "assign_note"]
    assert list(out["assign_method"]) == ["address", "unassigned", "outside"]
    assert locate_frame(df.iloc[:0], gaz).empty


def test_coordinates_without_layers_are_noted_not_used(gaz):
    out = locate_frame(pd.DataFrame({"lon": [120.05], "lat": [32.15], "address": ["泰兴市黄桥镇"]}), gaz)
    assert out.iloc[0]["unit_code"] == HUANGQIAO
    assert "未提供镇街边界" in out.iloc[0]["assign_note"]


def _varied_rows(gaz, n=200, seed=7):
    rnd = random.Random(seed)
    addresses = [a for a, _ in TRICKY] + [
        None,
        float("nan"),
        "泰兴市黄桥镇",
        "泰兴市 黄桥镇",
        "泰兴市燕头镇",
        "泰兴市延令街道黄桥路5号",
        "上海市泰兴路1号",
    ]
    codes = [None, "", "321283100", 321283002, 321283123.0, "999", "P03", "321283100201"]
    names = [None, "", "延令街道", "黄桥", "横垛镇", "燕头镇", "泰兴高新区", "不知道"]
    parks = [None, "", "黄桥开发区", "泰兴高新区", "某园区"]
    points = [
        (None, None),
        (np.nan, np.nan),
        (120.05, 32.15),
        (120.16, 32.16),
        (120.12, 32.05),
        (120.22, 32.22),
        (120.40, 32.15),
        (32.15, 120.05),
        (120.098, 32.15),
        (120.10, 32.15),
    ]
    datums = [None, "", "WGS84", "GCJ-02", "CGCS2000", "百度"]
    rows = []
    for _ in range(n):
        lon, lat = rnd.choice(points)
        rows.append(
            {
                "area_code": rnd.choice(codes) if rnd.random() < 0.25 else None,
                "area_name": rnd.choice(names) if rnd.random() < 0.25 else None,
                "park_name": rnd.choice(parks) if rnd.random() < 0.25 else None,
                "address": rnd.choice(addresses),
                "lon": lon if rnd.random() < 0.6 else None,
                "lat": lat,
                "datum": rnd.choice(datums),
            }
        )
    return rows


def test_frame_equals_row_by_row(layers, gaz):
    rows = _varied_rows(gaz)
    df = pd.DataFrame(rows)
    out = locate_frame(df, gaz, **layers)
    methods = set()
    for i, row in enumerate(rows):
        one = locate_one(gaz, **layers, **row)
        got = out.iloc[i]
        assert (one.unit_code, one.park_code, one.method, one.note) == tuple(got), row
        methods.add(one.method)
    assert methods == set(L.METHODS)  # the sample exercises every method


def test_schematic_seats_locate_to_their_own_unit_with_a_schematic_note(gaz):
    geo = DATA_DIR.parent / "geo"
    if not (geo / "schematic_townships.geojson").exists() or not (geo / "taixing_outline.geojson").exists():
        pytest.skip("bundled layers not present")
    towns = gpd.read_file(geo / "schematic_townships.geojson")
    outline = gpd.read_file(geo / "taixing_outline.geojson")
    df = pd.DataFrame({"lon": towns["seat_lon"], "lat": towns["seat_lat"]})
    out = locate_frame(df, gaz, townships=towns, outline=outline)
    assert list(out["unit_code"]) == list(towns["code"].astype(str))
    assert (out["assign_method"] == "point").all()
    assert out["assign_note"].str.contains("示意边界").all()
    city = locate_frame(
        pd.DataFrame({"lon": [120.029, 121.47], "lat": [32.159, 31.23]}), gaz, townships=towns, outline=outline
    )
    assert list(city["assign_method"]) == ["point", "outside"]  # the city reference point; Shanghai


def test_locate_one_uses_bundled_layers_by_default(gaz):
    pytest.importorskip("txip_geo.areas.boundaries")
    loc = locate_one(gaz, address="泰兴市黄桥镇")
    assert as_tuple(loc) == (HUANGQIAO, "", "address")
    out = locate_one(gaz, lon=121.5, lat=31.2, address="泰兴市黄桥镇")  # Shanghai
    assert out.method == "outside"


def test_large_frame_matches_each_distinct_address_once(layers, gaz, monkeypatch):
    n, k = 200_000, 2_000
    rnd = np.random.default_rng(1)
    pool = np.array(
        [f"泰兴市{u.name}幸福路{i}号" for i in range(k // len(gaz.units) + 1) for u in gaz.units][:k], dtype=object
    )
    df = pd.DataFrame(
        {
            "address": pool[rnd.integers(0, k, n)],
            "lon": rnd.uniform(119.9, 120.3, n),
            "lat": rnd.uniform(31.9, 32.3, n),
        }
    )
    df.loc[df.index % 3 == 0, ["lon", "lat"]] = np.nan
    calls = []
    real = AddressMatcher._match
    monkeypatch.setattr(AddressMatcher, "_match", lambda self, t: calls.append(t) or real(self, t))
    A._MATCHERS.clear()
    t0 = time.perf_counter()
    out = locate_frame(df, gaz, **layers)
    elapsed = time.perf_counter() - t0
    assert len(calls) == len(set(calls)) <= k
    assert out["assign_method"].isin(["point", "address", "outside", "unassigned", "park"]).all()
    assert elapsed < 20
    A._MATCHERS.clear()


# --------------------------------------------------------------------------- parks spelled as offices write them
# Every park, many spellings (prefixes, short forms, the stem's full place name, widths, spaces, brackets, dashes),
# each in an address and in the park-name field; the expected park and its host township (P04's is not known).

PARK_SPELLINGS = {
    ("P01", BINJIANG): [
        "泰兴经济开发区",
        "泰兴市经济开发区",
        "江苏省泰兴经济开发区",
        "江苏省泰兴市经济开发区",
        "泰州市泰兴经济开发区",
        "江苏泰兴经济开发区",
        "泰兴经开区",
        "泰兴市经开区",
        "泰兴开发区",
        "泰兴市开发区",
        "泰兴经济技术开发区",
        "泰兴市经济技术开发区",
        "泰兴 经济开发区",
        "泰兴市 经开区",
        "泰兴（经济开发区）",
        "泰兴市(经济开发区)",
        "泰兴市　经济开发区",
        "江苏省泰州市泰兴市经济开发区",
    ],
    ("P02", HUANGQIAO): [
        "黄桥经济开发区",
        "黄桥经开区",
        "黄桥开发区",
        "黄桥镇经济开发区",
        "泰兴市黄桥经济开发区",
        "泰兴市黄桥镇经开区",
        "江苏省黄桥经济开发区",
        "黄桥 经济开发区",
        "黄桥（经济开发区）",
        "江阴-黄桥合作共建园区",
        "江阴－黄桥合作共建园区",
        "江阴—黄桥合作共建园区",
        "江阴黄桥合作共建园区",
        "黄桥经济技术开发区",
    ],
    ("P03", HONGQIAO): [
        "虹桥工业园区",
        "虹桥工业园",
        "虹桥园区",
        "虹桥镇工业园区",
        "泰兴市虹桥工业园区",
        "泰兴市虹桥镇工业园",
        "江苏省泰兴市虹桥工业园区",
        "虹桥 工业园区",
        "虹桥（工业园区）",
    ],
    ("P04", ""): [
        "泰兴高新技术产业开发区",
        "泰兴高新区",
        "泰兴市高新区",
        "泰兴市高新技术产业开发区",
        "泰兴高新技术开发区",
        "泰州市泰兴高新区",
        "泰兴市高新技术产业园区",
        "泰兴 高新区",
        "城东高新技术产业园",
    ],
}
PARK_CASES = [(s, park, host) for (park, host), spellings in PARK_SPELLINGS.items() for s in spellings]


@pytest.mark.parametrize("spelling,park,host", PARK_CASES)
def test_park_spellings_in_an_address(matcher, spelling, park, host):
    loc = matcher.match(spelling + "科创路18号")
    assert (loc.park_code, loc.unit_code) == (park, host), loc.note
    assert loc.method == "park"


@pytest.mark.parametrize("spelling,park,host", PARK_CASES)
def test_park_spellings_in_the_park_field(gaz, spelling, park, host):
    loc = locate_one(gaz, park_name=spelling)
    assert (loc.park_code, loc.unit_code, loc.method) == (park, host, "park"), loc.note


@pytest.mark.parametrize("spelling,park,host", [c for c in PARK_CASES if c[2]])
def test_park_spellings_in_the_township_field(gaz, spelling, park, host):
    loc = locate_one(gaz, area_name=spelling)
    assert (loc.park_code, loc.unit_code) == (park, host), loc.note


PARK_NEGATIVES = [
    # another park's name must not be read as 泰兴经济开发区, nor its stem's township without the park
    ("泰兴市黄桥经济开发区", (HUANGQIAO, "P02", "park")),
    ("泰兴市黄桥镇经济开发区", (HUANGQIAO, "P02", "park")),
    ("泰兴市虹桥镇工业园区", (HONGQIAO, "P03", "park")),
    ("泰兴市黄桥工业园某公司", (HUANGQIAO, "", "address")),  # not a park the gazetteer knows: the town only
    # other cities' parks
    ("江苏省靖江市经济开发区", ("", "", "outside")),
    ("靖江经济开发区", ("", "", "unassigned")),
    ("江苏省泰州市海陵区泰州经济开发区", ("", "", "outside")),
    # a road named after a park is no park
    ("泰兴市开发区路1号", ("", "", "unassigned")),
    ("泰兴市延令街道园区大道8号", (YANLING, "", "address")),
    # a bare type word names no park
    ("经济开发区", ("", "", "unassigned")),
    ("泰兴市高新技术企业", ("", "", "unassigned")),
    # an explicit township in the address still decides the township; the park is kept
    ("泰兴市滨江镇泰兴经开区", (BINJIANG, "P01", "address")),
    ("泰兴市经济开发区（延令街道）", (YANLING, "P01", "address")),
    # two parks: undecided
    ("泰兴经开区黄桥经开区", ("", "", "unassigned")),
]


@pytest.mark.parametrize("address,expected", PARK_NEGATIVES)
def test_park_spellings_without_false_hits(matcher, address, expected):
    assert as_tuple(matcher.match(address)) == expected, matcher.match(address).note


@pytest.mark.parametrize("text", ["黄桥镇", "经济开发区", "靖江经济开发区", "开发区", "泰兴市"])
def test_park_field_that_names_no_park(gaz, text):
    loc = locate_one(gaz, park_name=text)
    assert loc.park_code == "", loc.note
