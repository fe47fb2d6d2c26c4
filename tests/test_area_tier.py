"""The enterprise tier per township and park (issue #18 item 5): G05 (万企有效注册商标数), G07 (高企贯标备案率) and the
enterprises of G08–G11 counted per area, the map page's panel of a park as complete as a township's.

The store is built from generated files (fixed seed) whose enterprises and trademarks are placed by their coordinates
only, so a park's figures are the points inside its boundary; the recount here is plain csv + geopandas over those
files and the layers kept in the store (tests/recount.layers: sqlite3 + WKB), not the app's functions. The fixture
has enterprises outside Taixing (never counted) and with no township (the city's only), a park with no enterprise
(P04), an all-zero indicator (no 专利标准融合创新企业 anywhere) and 市场主体户数 for some townships and one park.
"""

from __future__ import annotations

import contextlib
import io
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import recount as R
import recount_fixtures as F
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-10-31"
FLAGS = {  # metric -> the template column and what counts (the plan's goals table: G08–G11)
    "gb_passed": ("贯标绩效评价合格", {"是"}),
    "advantage_national": ("国家知识产权优势示范", set(R.NATIONAL_ADVANTAGE)),
    "ip_intensive": ("知识产权密集型企业", {"是"}),
    "patent_standard": ("专利标准融合创新企业", {"是"}),
}
# 市场主体户数 of the statistics file: two townships and one park (the others have none: G05 missing there).
MARKET = {"321283100": 21000, "321283001": 12500, "P01": 3000}


def cli(*argv) -> str:
    from txip_geo.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main([str(a) for a in argv])
    assert rc == 0, buf.getvalue()
    return buf.getvalue()


def _inside(rng, poly, avoid=None) -> tuple[float, float]:
    """A point well inside `poly` (and outside `avoid`), 6 decimals as an office writes it."""
    minx, miny, maxx, maxy = poly.bounds
    inner = poly.buffer(-0.002)
    while True:
        x, y = round(rng.uniform(minx, maxx), 6), round(rng.uniform(miny, maxy), 6)
        p = Point(x, y)
        if inner.contains(p) and (avoid is None or not avoid.buffer(0.002).contains(p)):
            return x, y


def _files(folder: Path, db: Path) -> dict[str, Path]:
    rng = np.random.default_rng(1805)
    lay = R.layers(db)
    towns, parks = lay["townships"].set_index("code").geometry, lay["parks"].set_index("code").geometry
    all_parks = parks.union_all() if hasattr(parks, "union_all") else parks.unary_union
    where = [("P01", 14), ("P02", 9), ("P03", 5)] + [(c, 3) for c in towns.index]  # P04: none
    ents, tms, n = [], [], 0
    for code, k in where:
        for _ in range(k):
            n += 1
            x, y = _inside(rng, parks[code]) if code.startswith("P") else _inside(rng, towns[code], all_parks)
            ht = rng.random() < 0.5
            ents.append(
                {
                    "统一社会信用代码": f"91321283YT{n:07d}X",
                    "企业名称": f"泰兴示例层级企业{n}有限公司（样例）",
                    "规上工业企业": "是" if rng.random() < 0.6 else "否",
                    "高新技术企业": "是" if ht else "否",
                    "贯标备案": "是" if rng.random() < 0.7 else "否",
                    "贯标绩效评价合格": "是" if rng.random() < 0.3 else "否",
                    "国家知识产权优势示范": str(
                        rng.choice(["", "", "国家知识产权优势企业", "国家知识产权示范企业", "省知识产权示范企业"])
                    ),
                    "知识产权密集型企业": "是" if rng.random() < 0.3 else "否",
                    "专利标准融合创新企业": "否",  # the all-zero indicator
                    "有效专利数": str(int(rng.integers(0, 4))),
                    "有效商标数": "1",
                    "经度": f"{x:.6f}",
                    "纬度": f"{y:.6f}",
                    "坐标系": "WGS84",
                }
            )
            if rng.random() < 0.6:
                tms.append(
                    {
                        "注册号": f"{60000000 + n}",
                        "商标名称": f"层级{n}",
                        "注册人": ents[-1]["企业名称"],
                        "注册日期": "2020-05-01",
                        "专用权期限截止": "2030-04-30",
                        "商标状态": "注册",
                        "经度": f"{x:.6f}",
                        "纬度": f"{y:.6f}",
                        "坐标系": "WGS84",
                    }
                )
    flagged = dict.fromkeys(("贯标绩效评价合格", "知识产权密集型企业"), "是") | {"国家知识产权优势示范": "国家示范"}
    ents.append(dict(ents[0], 统一社会信用代码="91321283YT9999991X", 企业名称="靖江示例企业（样例）", **flagged))
    ents[-1].update(经度="120.700000", 纬度="32.100000", 地址="江苏省如皋市人民路1号")  # outside Taixing: not counted
    for i in (1, 2):  # no township: the city's only
        ents.append(
            dict(ents[0], 统一社会信用代码=f"91321283YT999999{i + 1}X", 企业名称=f"无址企业{i}（样例）", **flagged)
        )
        ents[-1].update(经度="", 纬度="", 坐标系="", 地址="泰兴市某路12号")
    stats = F.statistics([(c, 2025, "市场主体户数", v) for c, v in MARKET.items()])
    return {
        "enterprises": F.write(folder / "enterprises.csv", "enterprises", ents),
        "trademarks": F.write(folder / "trademarks.csv", "trademarks", tms),
        "statistics": F.write(folder / "statistics.csv", "statistics", stats),
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("area_tier")
    db = root / "tier.sqlite"
    cli("--db", db, "status")  # the store with its bundled (schematic) layers
    files = _files(root, db)
    for kind in ("statistics", "enterprises", "trademarks"):
        cli("--db", db, "import", kind, files[kind], "--as-of", AS_OF)
    return db, files


@pytest.fixture(scope="module")
def fs(built):
    from txip_geo.figures.compute import compute
    from txip_geo.store.database import Store

    return compute(Store(built[0]))


# -- the recount: csv + geopandas ------------------------------------------------------------------------------------


def _placed(path: Path, db: Path) -> pd.DataFrame:
    """The file's rows with township and park by plain point-in-polygon; 'outside' for a point outside the county
    outline; no township for a row without coordinates."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    lay = R.layers(db)
    pts = [Point(float(x), float(y)) if x else None for x, y in zip(df["经度"], df["纬度"])]
    g = gpd.GeoDataFrame({"i": range(len(df))}, geometry=pts, crs="EPSG:4326")
    has = g[g.geometry.notna()]
    town = gpd.sjoin(has, lay["townships"], predicate="within").set_index("i")["code"]
    park = gpd.sjoin(has, lay["parks"], predicate="within").set_index("i")["code"]
    df["unit"] = [town.get(i) for i in range(len(df))]
    df["park"] = [park.get(i) for i in range(len(df))]
    df["outside"] = [p is not None and not lay["outline"].contains(p) for p in pts]
    return df[~df["outside"]]


def _counts(ent: pd.DataFrame, tm: pd.DataFrame, sel) -> dict:
    e, t_ = ent[sel(ent)], tm[sel(tm)]
    ht = e["高新技术企业"] == "是"
    out = {m: float(e[col].isin(ok).sum()) for m, (col, ok) in FLAGS.items()}
    out["high_tech"] = float(ht.sum())
    out["gb_filed_rate"] = round(100.0 * (ht & (e["贯标备案"] == "是")).sum() / ht.sum(), 1) if ht.sum() else np.nan
    out["trademarks"] = float((t_["商标状态"] == "注册").sum())
    return out


def _g05(trademarks: float, code: str) -> tuple[float, float]:
    me = MARKET.get(code)
    return (float(me), round(trademarks / me * 1e4, 1)) if me else (np.nan, np.nan)


def _same(a, b) -> bool:
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return round(float(a), 6) == round(float(b), 6)


def _diffs(want: dict, got: pd.Series | dict, where: str) -> list[str]:
    return [f"{where} {k}: recount {v!r}, app {got[k]!r}" for k, v in want.items() if not _same(v, got[k])]


# -- figures -----------------------------------------------------------------------------------------------------------


def test_each_park_counts_the_points_inside_its_boundary(built, fs):
    db, files = built
    ent, tm = _placed(files["enterprises"], db), _placed(files["trademarks"], db)
    app = fs.parks.set_index("code")
    bad = []
    for code in app.index:
        want = _counts(ent, tm, lambda d, c=code: d["park"] == c)
        want["market_entities"], want["trademarks_per_10k_entities"] = _g05(want["trademarks"], code)
        bad += _diffs(want, app.loc[code], code)
    assert not bad, "\n".join(bad)
    # P04 has no enterprise: its counts are 0 (imported, none there), its rate has no denominator
    p04 = app.loc["P04"]
    assert [p04[m] for m in FLAGS] == [0.0] * len(FLAGS) and pd.isna(p04["gb_filed_rate"])
    assert app.loc["P01", "gb_passed"] > 0  # the fixture is not trivially zero


def test_each_township_and_the_city_equal_the_recount(built, fs):
    db, files = built
    ent, tm = _placed(files["enterprises"], db), _placed(files["trademarks"], db)
    app = fs.units.set_index("code")
    bad = []
    for code in app.index:
        want = _counts(ent, tm, lambda d, c=code: d["unit"] == c)
        want["market_entities"], want["trademarks_per_10k_entities"] = _g05(want["trademarks"], code)
        bad += _diffs(want, app.loc[code], code)
    city = _counts(ent, tm, lambda d: pd.Series(True, index=d.index))
    bad += _diffs(city, fs.city, "city")
    assert not bad, "\n".join(bad)


def test_townships_add_up_to_the_city_but_for_the_enterprises_with_no_township(built, fs):
    """Counts add up: the city = the 17 townships + the enterprises placed in none (here 2, each flagged, so the sum
    over townships falls short of the city by exactly them); those outside Taixing count nowhere. Parks lie inside
    townships: never added to them. Rates and G05 do not add up (a ratio per area)."""
    db, files = built
    ent = _placed(files["enterprises"], db)
    nowhere = ent[ent["unit"].isna()]
    assert len(nowhere) == 2
    for metric, (col, ok) in FLAGS.items():
        units, city = fs.units[metric].sum(), fs.city[metric]
        assert units + nowhere[col].isin(ok).sum() == city, metric
        assert fs.parks[metric].sum() <= units
    assert fs.units["gb_passed"].sum() < fs.city["gb_passed"]
    assert fs.unassigned["enterprises"] == 2 and fs.outside["enterprises"] == 1


def test_an_all_zero_indicator_maps_ranks_and_reads_as_zero(built, fs):
    from txip_geo.present import map_view as views
    from txip_geo.present import meeting
    from txip_geo.store.database import Store

    assert (fs.units["patent_standard"] == 0).all() and (fs.parks["patent_standard"] == 0).all()
    assert fs.city["patent_standard"] == 0
    store = Store(built[0])
    for view, layer in (("units", "townships"), ("parks", "parks")):
        spec = views.map_spec(fs, fs, store.layer(layer), view=view, indicator="patent_standard")
        assert spec.areas["value"].eq(0).all() and spec.label == "专利标准融合创新企业"
        ranking = views.ranking(fs, view, "patent_standard")
        assert ranking.iloc[:, 0].eq(1).all() and ranking.iloc[:, 2].eq("0 家").all()
    figs = dict((label, value) for label, value, _ in meeting.enterprise_figures(fs, "P04"))
    assert figs["专利标准融合创新企业"] == "0 家" and figs["高企贯标备案率"] == "无数据"


def test_the_goal_shares_of_a_park_say_why_nothing_is_shared_out(fs):
    from txip_geo.present.map_view import goal_shares

    sh = goal_shares(fs, "P01").set_index("编号")
    assert "本园区" in sh.columns and "本镇街" not in sh.columns
    assert sh.loc["G05", "本园区"] == f"{fs.parks.set_index('code').loc['P01', 'trademarks_per_10k_entities']:g}"
    assert sh.loc["G08", "状态"] == "计入全市" and "园区" in sh.loc["G01", "说明"]
    assert "市场主体" in goal_shares(fs, "P02").set_index("编号").loc["G05", "说明"]  # P02 has no 市场主体户数


# -- the map page: a park's panel has a township's tabs --------------------------------------------------------------


def _open(built, monkeypatch, **params):
    """The map page on the fixture's store, opened with these query parameters."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TXIP_DB", str(built[0]))
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    return at


FLAGGED_TAB = "重点企业"


def test_a_parks_panel_has_the_townships_tabs_and_its_flagged_enterprises(built, fs, monkeypatch):
    db, files = built
    township_tabs = [tab.label for tab in _open(built, monkeypatch, unit="321283100").tabs]
    page = _open(built, monkeypatch, view="parks", unit="P01")
    assert page.subheader[0].value == "泰兴经济开发区"
    assert [tab.label for tab in page.tabs] == township_tabs and FLAGGED_TAB in township_tabs
    text = " ".join(h.value for h in page.get("html"))
    p01 = fs.parks.set_index("code").loc["P01"]
    assert f">{int(p01['gb_passed'])} 家</td>" in text and "/4</td>" in text  # ranked among the 4 parks
    page.session_state["panel_tab"] = FLAGGED_TAB
    page.run()
    assert not page.exception
    ent = _placed(files["enterprises"], db)
    mine = ent[ent["park"] == "P01"]
    flagged = (
        (mine["贯标备案"] == "是")
        | (mine["贯标绩效评价合格"] == "是")
        | mine["国家知识产权优势示范"].isin(R.NATIONAL_ADVANTAGE)
        | (mine["知识产权密集型企业"] == "是")
        | (mine["专利标准融合创新企业"] == "是")
    )
    (table,) = page.dataframe
    # names as stored: the import writes full-width brackets half-width (NFKC)
    want = sorted(unicodedata.normalize("NFKC", n) for n in mine.loc[flagged, "企业名称"])
    assert sorted(table.value["企业名称"]) == want and flagged.any()


def test_a_park_with_no_enterprise_says_so(built, monkeypatch):
    page = _open(built, monkeypatch, view="parks", unit="P04", ind="gb_passed")
    assert page.metric[0].value == "0 家"
    page.session_state["panel_tab"] = FLAGGED_TAB
    page.run()
    assert not page.exception and not page.dataframe
    assert any("没有贯标" in m.value for m in page.markdown)
