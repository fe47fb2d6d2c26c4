"""Baseline → now on the 地图 and 网络覆盖 pages (Streamlit's AppTest): the map switched to 变化（基期→当前）, the
township panel's 基期 / 当前 / 变化 and ranks, and a recount: on files with two snapshots (tests/recount_fixtures.py
"mixed": 2024-12-31 and 2026-10-31, 基期 2024-12-31) the change shown equals the two snapshots recounted apart
(tests/recount.py, which imports nothing of txip_geo), and the network page's "新设管理机构" list equals a plain
comparison of the two network files."""

from __future__ import annotations

import datetime
import html
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import recount as R
import recount_fixtures as F
from streamlit.testing.v1 import AppTest
from support import inline_maps, map_data, page_text

from txip_geo.figures.baseline import compare
from txip_geo.figures.compute import Settings
from txip_geo.store.database import Store

ROOT = Path(__file__).resolve().parent.parent
HQ = "321283100"  # 黄桥镇


@contextmanager
def store_env(db):
    old = os.environ.get("TXIP_DB")
    os.environ["TXIP_DB"] = str(db)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TXIP_DB", None)
        else:
            os.environ["TXIP_DB"] = old


EARLY = "2022-12-31"  # before the sample's baseline snapshot (see demo_comp)


def app(page: str, db, baseline: str | None = None) -> AppTest:
    import streamlit as st

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=180)
    if baseline:
        at.session_state["baseline_date"] = datetime.date.fromisoformat(baseline)
    return at


def tables(at) -> list[list[list[str]]]:
    """Every HTML table the page shows (st.html), as rows of cell texts (the header row first). A cell's small
    note (how a baseline was read, under a figure's name) is kept apart: "name｜note"."""
    out = []
    for t in re.findall(r"<table.*?</table>", page_text(at), re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", t, re.S)
        cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
        out.append([[_text(c) for c in r] for r in cells])
    return out


def _text(cell: str) -> str:
    """A cell's text: its small note after ｜, tags (the spans a long value may break between) dropped."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<small[^>]*>(.*?)</small>", r"｜\1", cell)))


def table_with(at, header: str) -> list[dict]:
    """The first table whose header row has `header`, as dicts."""
    for t in tables(at):
        if header in t[0]:
            return [dict(zip(t[0], r)) for r in t[1:]]
    raise AssertionError(f"no table with {header!r}: {[t[0] for t in tables(at)]}")


def panel_figures(at) -> dict[str, dict]:
    """The panel's figures then and now: 指标 → its cells, with 说明 (how its baseline was read; '' for a snapshot)."""
    out = {}
    for r in table_with(at, "排名"):
        if "指标" not in r:
            continue
        name, _, note = r["指标"].partition("｜")
        out[name] = {**r, "说明": note}
    return out


def headline(at) -> dict[str, str]:
    """The panel's line under the indicator's value: 基期 / 当前 / 变化 / 排名 → their text."""
    block = re.search(r'<div class="txip-change-line">(.*?)</div></div>', page_text(at), re.S).group(0)
    pairs = re.findall(r"<small>(.*?)</small><span[^>]*>(.*?)</span>", block)
    return {html.unescape(k): html.unescape(v) for k, v in pairs}


def number(text: str) -> float:
    return float(re.search(r"[-+]?[\d,]+(?:\.\d+)?", text).group(0).replace(",", ""))


def has(s: str, text: str) -> bool:
    """Text in a map's script, raw or as folium writes it inside JSON (\\uXXXX escapes)."""
    return text in s or json.dumps(text)[1:-1] in s


# -- the sample -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_comp(demo_db):
    # A baseline before the sample's own baseline snapshot (2023-12-31): the stock kinds are wound back from it
    # (推算) and the kinds without dates (enterprises, network, service organisations) have none (无基期数据).
    return compare(Store(demo_db), Settings(), EARLY, series=False)


def test_switching_the_map_to_change_shows_the_diverging_legend_and_back(demo_db, demo_comp):
    with store_env(demo_db):
        at = app("map.py", demo_db, EARLY)
        at.run()
        before = inline_maps(at)[0].json
        at.radio(key="map_mode").set_value("change").run()
        assert not at.exception
        s = map_data(inline_maps(at)[0])["script"]
        assert has(s, f"专利总量变化（件）：基期 {demo_comp.baseline} → {demo_comp.current}")
        # Every direction some township or park took is in the legend, and no other: patents only grew on the sample.
        changes = demo_comp.areas.loc[demo_comp.areas["metric"] == "patents", "change"].dropna()
        assert has(s, "（向好）") == bool((changes > 0).any())
        assert has(s, "（变差）") == bool((changes < 0).any())
        assert has(s, "无变化")
        assert has(s, "基期值为推算")  # the sample's patents are wound back from the later snapshot
        assert at.query_params["mode"] in (["change"], "change")
        # No area picked: the city then and now, the townships ranked on the change.
        ranking = table_with(at, "变化")
        assert len(ranking) == 17 and ranking[0]["名称"] == "黄桥镇"
        at.radio(key="map_mode").set_value("current").run()
        assert not at.exception and inline_maps(at)[0].json == before  # the current-value map as it was
        assert "mode" not in at.query_params


def test_the_township_panel_shows_baseline_current_change_and_ranks(demo_db, demo_comp):
    with store_env(demo_db):
        at = app("map.py", demo_db, EARLY)
        at.query_params["mode"] = "change"
        at.query_params["unit"] = HQ
        at.run()
        assert not at.exception and at.subheader[0].value == "黄桥镇"
        rows = panel_figures(at)
        a = demo_comp.areas.set_index(["code", "metric"])
        for metric, label in (
            ("patents", "专利总量（件）"),
            ("trademarks", "有效注册商标（件）"),
            ("workstations", "知识产权工作站（个）"),
        ):
            r, want = rows[label], a.loc[(HQ, metric)]
            assert number(r["基期"]) == want["baseline"] and number(r["当前"]) == want["current"]
            assert number(r["变化"]) == want["current"] - want["baseline"] == want["change"]
            assert r["排名"] == f"第{int(want['rank_then'])} → 第{int(want['rank_now'])}"
            assert r["说明"] == "推算"
        ent = rows["规上工业企业（家）"]
        assert ent["基期"] == "—" and ent["变化"] == "—" and ent["说明"] == "无基期数据"
        line, want = headline(at), a.loc[(HQ, "patents")]  # the indicator's line under its current value
        assert (
            line["基期（推算）"] == f"{int(want['baseline']):,} 件" and line["当前"] == f"{int(want['current']):,} 件"
        )
        assert line["变化"] == f"{int(want['change']):+,} 件"
        assert line["排名"] == f"第{int(want['rank_then'])} → 第{int(want['rank_now'])}"


def test_a_park_in_change_mode(demo_db, demo_comp):
    with store_env(demo_db):
        at = app("map.py", demo_db, EARLY)
        at.query_params.update(mode="change", view="parks", unit="P01")
        at.run()
        assert not at.exception
        rows = panel_figures(at)
        want = demo_comp.areas.set_index(["code", "metric"]).loc[("P01", "patents")]
        assert number(rows["专利总量（件）"]["变化"]) == want["change"]


# -- two real snapshots: the recount -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The "mixed" files imported into a store: (store path, imports)."""
    from txip_geo.cli import main

    root = tmp_path_factory.mktemp("change-mixed")
    db = root / "mixed.sqlite"
    assert main(["--db", str(db), "status"]) == 0
    imports = F.scenario("mixed", root / "files", db)
    for kind, path, as_of in imports:
        assert main(["--db", str(db), "import", kind, str(path), "--as-of", as_of]) == 0
    return db, imports


def test_the_change_shown_for_each_township_equals_the_two_snapshots_recounted(mixed):
    db, imports = mixed
    then, now = R.recount(imports, F.EARLY, db).units.set_index("code"), R.recount(imports, None, db).units
    now = now.set_index("code")
    with store_env(db):
        at = app("map.py", db, baseline=F.EARLY)
        at.query_params["mode"] = "change"
        at.run()
        assert not at.exception
        s = map_data(inline_maps(at)[0])["script"]
        assert has(s, f"基期 {F.EARLY} → {F.LATE}") and has(s, f"基期值取自 {F.EARLY} 的快照")
        shown = {r["名称"]: r for r in table_with(at, "名称")}  # the city panel's ranking on the change
        for code in now.index:
            r = shown[now.at[code, "name"]]
            assert number(r["变化"]) == now.at[code, "patents"] - then.at[code, "patents"], code
        for code in (HQ, "321283001"):
            at.selectbox(key="unit_pick").set_value(code).run()
            rows = panel_figures(at)
            for metric, label in (("patents", "专利总量（件）"), ("trademarks", "有效注册商标（件）")):
                assert number(rows[label]["基期"]) == then.at[code, metric]
                assert number(rows[label]["变化"]) == now.at[code, metric] - then.at[code, metric]
                col = then[metric].astype(float)
                rank_then = int((col > then.at[code, metric]).sum()) + 1
                assert rows[label]["排名"].startswith(f"第{rank_then} →")
                assert rows[label]["说明"] == ""  # a snapshot at the baseline


def _office(df, code):
    v = df.at[code, "has_office"]
    return None if v != v else v  # NaN: not reported


def test_network_page_gained_and_lost_offices_equal_the_two_network_files_compared(mixed):
    db, imports = mixed
    rc_then, rc_now = R.recount(imports, F.EARLY, db), R.recount(imports, None, db)
    then = pd.concat([rc_then.units, rc_then.parks]).set_index("code")
    now = pd.concat([rc_now.units, rc_now.parks]).set_index("code")
    gained = {now.at[c, "name"] for c in now.index if _office(then, c) == 0 and _office(now, c) == 1}
    lost = {now.at[c, "name"] for c in now.index if _office(then, c) == 1 and _office(now, c) == 0}
    assert gained or lost  # the fixture has changes to find
    with store_env(db):
        at = app("network.py", db, baseline=F.EARLY)
        at.run()
        assert not at.exception
        assert any(s.value == f"基期以来的变化（{F.EARLY} → {F.LATE}）" for s in at.subheader)
        assert not at.info  # the network has a baseline: no 无基期数据 notice
        changes = table_with(at, "专（兼）职人员")
        assert {r["镇街/园区"] for r in changes if "新设管理机构" in r["变化"]} == gained
        assert {r["镇街/园区"] for r in changes if "撤销管理机构" in r["变化"]} == lost
        cov = {r["要求"]: r for r in table_with(at, "要求")}
        office = cov["已设管理机构"]
        assert number(office["基期"]) == int((then["has_office"] == 1).sum())
        assert number(office["当前"]) == int((now["has_office"] == 1).sum())


def test_network_page_without_network_baseline_says_so_and_counts_no_false_zero(demo_db):
    """The sample has no network table at 2023-12-31: 无基期数据, no office counted as gained."""
    with store_env(demo_db):
        at = app("network.py", demo_db, EARLY)
        at.run()
        assert not at.exception
        assert any("无基期数据" in i.value for i in at.info)
        cov = {r["要求"]: r for r in table_with(at, "要求")}
        for req in ("已设管理机构", "有专（兼）职人员", "有专项资金"):
            assert cov[req]["基期"] == "无基期数据" and cov[req]["变化"] == "—"
        assert re.match(r"\d+ / 21$", cov["有工作站"]["基期"])  # workstations: derived from their dates
        changes = table_with(at, "工作站")  # which areas changed: workstations only (office, staff, funds unknown)
        assert changes and set(changes[0]) == {"镇街/园区", "类别", "工作站", "变化"}
        assert not any("管理机构" in r["变化"] or "人员" in r["变化"] or "资金" in r["变化"] for r in changes)
        assert all("工作站" in r["变化"] for r in changes)


# -- degenerate stores --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty", "one_patent_2026", "only_trainings"])
def test_change_view_on_degenerate_stores(name, tmp_path):
    """No records, one patent filed in 2026, trainings only: the map in 变化, a township's and a park's panel and the
    network page run; what has no baseline says so, the one patent is a change of +1 from 0."""
    from test_pages_degenerate import build

    db = build(name, tmp_path)
    with store_env(db):
        at = app("map.py", db)
        at.query_params.update(mode="change", unit=HQ)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        patents = panel_figures(at)["专利总量（件）"]
        if name == "one_patent_2026":
            assert patents["当前"] == "1" and patents["说明"] == "推算"
        else:  # never imported: no figure then or now, never a 0
            assert patents["基期"] == "—" and patents["变化"] == "—" and patents["说明"] == "无基期数据"
        at = app("map.py", db)
        at.query_params.update(mode="change", view="parks", unit="P01")
        at.run()
        assert not at.exception
        at = app("network.py", db)
        at.run()
        assert not at.exception
        assert any("无基期数据" in i.value for i in at.info)
        cov = {r["要求"]: r for r in table_with(at, "要求")}
        assert cov["已设管理机构"]["基期"] == "无基期数据"
        assert cov["有工作站"]["基期"] == "无基期数据" and cov["有工作站"]["变化"] == "—"


def test_a_patent_filed_after_the_baseline_is_a_change_of_one_from_zero(tmp_path):
    from test_pages_degenerate import build

    db = build("one_patent_2026", tmp_path)
    with store_env(db):
        at = app("map.py", db)
        at.query_params.update(mode="change", unit=HQ)
        at.run()
        patents = panel_figures(at)["专利总量（件）"]
        assert (patents["基期"], patents["当前"], patents["变化"]) == ("0", "1", "+1")
