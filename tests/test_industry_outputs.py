"""The six featured industries in the outputs (issue #18): the 目标 page's G01/G02 by industry (city, township, park;
baseline → now), the deck's industry slides and the workbook's industry sheets -- every figure equal to the
independent recount of tests/recount_industries.py (plain csv/pandas over the raw file, data/ipc_industries.csv
applied by prefix), on a CNIPA-style export whose baseline is wound back from a later snapshot and on the sample
(whose baseline is a snapshot of its own); sample outputs marked 样例; malformed codes reported."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import recount as R
from pptx import Presentation
from recount_industries import MEASURES, ROWS, at_baseline, recount_tally, write_export
from streamlit.testing.v1 import AppTest

from txip_geo.figures import industries as I
from txip_geo.figures.baseline import compare
from txip_geo.figures.compute import Settings
from txip_geo.present import industry_tables as IT
from txip_geo.store.database import Store

AS_OF = "2026-06-30"
ROOT = Path(__file__).resolve().parent.parent
CATS = list(I.CATEGORIES)
G = {"G01": 1, "G02": 2}  # the goal -> its measure's index in the recount's triple
# After the baseline: filed in 2024 (not yet filed then); a valid invention granted in 2024 (pending then).
EXTRA = [
    (1, 2024, "有效", "A61K 9/20", "", "黄桥镇", "黄桥经济开发区"),
    (1, 2015, "有效", "C07C 51/00", "", "济川街道", ""),
]
GRANTS = {len(ROWS) + 1: "2024-05-01", 0: "2014-01-01"}


def cli(*argv) -> str:
    from txip_geo.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main([str(a) for a in argv])
    assert rc == 0, buf.getvalue()
    return buf.getvalue()


def cell(tally: dict, layer: str, code: str, cat: str, i: int) -> int:
    return tally.get((layer, code, cat), [0, 0, 0])[i]


def scopes(fs):
    yield "city", None, "city", "city"
    for layer, key in (("units", "unit_code"), ("parks", "park_code")):
        for code in getattr(fs, layer)["code"]:
            yield layer, code, key, code


def want_breakdown(comp, now: dict, then: dict, key: str, code: str, short: bool = False) -> pd.DataFrame:
    """goal_breakdown's frame from the recount: per goal 基期, 当前, 变化 (`short`: the page's headers)."""
    out = pd.DataFrame({"产业": [IT.label(c) for c in CATS]})
    for goal, i in G.items():
        b = [cell(then, key, code, c, i) for c in CATS]
        n = [cell(now, key, code, c, i) for c in CATS]
        head = goal if short else IT.goal_header(goal)
        out[f"{head} 基期" if short else f"{head} 基期（{comp.baseline}）"] = b
        out[f"{head} 当前"] = n
        out[f"{head} 变化"] = [x - y for x, y in zip(n, b)]
    return out


# -- a CNIPA-style export, its baseline wound back from the one snapshot ------------------------------------------------


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    root = tmp_path_factory.mktemp("industry_outputs")
    db = root / "cnipa.sqlite"
    path = write_export(root / "cnipa_export.csv", rows=ROWS + EXTRA, grants=GRANTS)
    cli("--db", db, "import", "patents", path, "--as-of", AS_OF)
    _, _, recs, _ = R.prepared([("patents", path, AS_OF)], None, db)
    return db, recs["patents"]


@pytest.fixture(scope="module")
def export_comp(export):
    db, _ = export
    return {a: compare(Store(db), Settings(industry_all_classes=a), series=False) for a in (False, True)}


@pytest.mark.parametrize("all_classes", [False, True])
def test_goal_breakdown_equals_the_recount_baseline_to_now(export, export_comp, all_classes):
    _, raw = export
    comp = export_comp[all_classes]
    assert comp.plan["patents"].method == "derived" and IT.has_baseline(comp)
    now = recount_tally(raw, all_classes)
    then = recount_tally(at_baseline(raw, comp.baseline), all_classes)
    for layer, code, key, rcode in scopes(comp.now):
        got = IT.goal_breakdown(comp, layer, code)
        pd.testing.assert_frame_equal(got, want_breakdown(comp, now, then, key, rcode), check_dtype=False)
    # not trivial: the baseline counts something, and differs from now (a 2024 filing, a 2024 grant, the long cut)
    city = IT.goal_breakdown(comp)
    assert city.iloc[:, 1].sum() > 0 and (city.filter(like="变化").to_numpy() != 0).any()
    # the other setting asked of the same comparison gives the other rule's figures
    other = IT.goal_breakdown(export_comp[not all_classes], all_classes=all_classes)
    pd.testing.assert_frame_equal(other, city)


@pytest.mark.parametrize("which", ["now", "then", "change"])
def test_area_breakdown_equals_the_recount(export, export_comp, which):
    _, raw = export
    comp = export_comp[False]
    now = recount_tally(raw, False)
    then = recount_tally(at_baseline(raw, comp.baseline), False)
    for layer, key in (("units", "unit_code"), ("parks", "park_code")):
        for goal, i in G.items():
            got = IT.area_breakdown(comp, layer, goal, which).set_index("代码")
            assert list(got.columns[1:]) == [IT.label(c) for c in CATS]
            for code, row in got.iterrows():
                n = [cell(now, key, code, c, i) for c in CATS]
                b = [cell(then, key, code, c, i) for c in CATS]
                want = {"now": n, "then": b, "change": [x - y for x, y in zip(n, b)]}[which]
                assert list(row.iloc[1:]) == want, (layer, code, goal)


def test_no_patent_baseline_gives_now_only(tmp_path):
    db = tmp_path / "nobase.sqlite"
    cli("--db", db, "status")  # an empty store: no patent snapshot to wind back
    comp = compare(Store(db), series=False)
    assert not IT.has_baseline(comp)
    got = IT.goal_breakdown(comp)
    assert list(got.columns) == ["产业", "G01 有效发明专利 当前", "G02 高维持发明专利 当前"]
    assert got.iloc[:, 1:].to_numpy().sum() == 0 and len(got) == 7
    with pytest.raises(ValueError, match="基期没有专利数据"):
        IT.area_breakdown(comp, "units", "G01", "then")
    assert len(IT.area_breakdown(comp, "parks", "G02")) == len(comp.now.parks)


def test_workbook_industry_sheets_equal_the_recount(export, export_comp):
    from txip_geo.render.exports import build_xlsx

    _, raw = export
    comp = export_comp[False]
    now, then = recount_tally(raw, False), recount_tally(at_baseline(raw, comp.baseline), False)
    wb = openpyxl.load_workbook(io.BytesIO(build_xlsx(comp.now, comparison=comp)))
    for name in ("产业-全市", "产业-镇街", "产业-园区", "产业-说明"):
        assert name in wb.sheetnames
    city = sheet(wb["产业-全市"])
    assert list(city["产业"]) == [IT.label(c) for c in CATS]
    for j, m in enumerate(MEASURES):
        assert list(city[IT.measure_header(m)]) == [cell(now, "city", "city", c, j) for c in CATS]
    for goal, i in G.items():
        assert list(city[f"{IT.goal_header(goal)} 基期（{comp.baseline}）"]) == [
            cell(then, "city", "city", c, i) for c in CATS
        ]
    for name, key, fs_layer in (("产业-镇街", "unit_code", comp.now.units), ("产业-园区", "park_code", comp.now.parks)):
        df = sheet(wb[name])
        assert len(df) == len(fs_layer) * len(CATS)
        labels = {IT.label(c): c for c in CATS}
        for _, r in df.iterrows():
            for j, m in enumerate(MEASURES):
                assert r[IT.measure_header(m)] == cell(now, key, str(r["代码"]), labels[r["产业"]], j), (name, r)
    notes = " ".join(str(v) for v in sheet(wb["产业-说明"])["说明"])
    assert "XYZ 1/00" in notes and "C07C" in notes  # the malformed codes, named
    assert "外观设计" in notes and "主分类号" in notes and "基期 2023-12-31（推算" in notes
    assert "样例数据" not in str(wb["产业-全市"]["A2"].value)  # a real export is not marked as the sample


def sheet(ws) -> pd.DataFrame:
    """A sheet's table: the rows under its header row (the first row whose second cell is filled)."""
    rows = list(ws.iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if r[0] in ("产业", "代码", "说明"))
    return pd.DataFrame(rows[h + 1 :], columns=rows[h])


def slide_table(slide) -> pd.DataFrame:
    table = next(s for s in slide.shapes if s.name == "industries").table
    cells = [[c.text for c in row.cells] for row in table.rows]
    return pd.DataFrame(cells[1:], columns=cells[0])


def test_deck_industry_slides_equal_the_recount(export, export_comp):
    from txip_geo.render import deck as D

    _, raw = export
    comp = export_comp[False]
    now, then = recount_tally(raw, False), recount_tally(at_baseline(raw, comp.baseline), False)
    d = D._Deck(comp.now, internal=True)
    section = D.with_industries([])
    d.total = len(section)
    for step in section:
        D._industry_slide(d, step, comp)
    prs = Presentation(io.BytesIO(d.save()))
    slides = list(prs.slides)
    assert [s.shapes.title.text_frame.text for s in slides] == [
        "重点产业专利：全市",
        "重点产业专利：各镇街",
        "重点产业专利：各园区",
    ]
    city = slide_table(slides[0])
    for j, m in enumerate(MEASURES):
        assert list(city[IT.measure_header(m)]) == [str(cell(now, "city", "city", c, j)) for c in CATS]
    for goal, i in G.items():
        b = [cell(then, "city", "city", c, i) for c in CATS]
        n = [cell(now, "city", "city", c, i) for c in CATS]
        assert list(city[f"{goal} 基期"]) == [str(v) for v in b]
        assert list(city[f"{goal} 变化"]) == [str(x - y) for x, y in zip(n, b)]
    for slide, layer, key in ((slides[1], "units", "unit_code"), (slides[2], "parks", "park_code")):
        df = slide_table(slide)
        fs_layer = getattr(comp.now, layer)
        assert list(df.iloc[:, 0]) == list(fs_layer["name"])
        for code, (_, r) in zip(fs_layer["code"], df.iterrows()):
            for c in CATS:
                assert r[IT.label(c)] == " / ".join(str(cell(now, key, code, c, j)) for j in range(3)), (code, c)
    note = " ".join(s.text_frame.text for s in slides[0].shapes if s.name == "note")
    assert "XYZ 1/00" in note and "其他/未归类" in note
    assert not any(s.name == "marking-sample" for s in slides[0].shapes)  # a real export: no 样例 marking


# -- the sample: baseline a snapshot; outputs marked 样例 ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(demo_db):
    comp = compare(Store(demo_db), series=False)
    _, _, now, _ = R.prepared(R.sample_imports(), None, demo_db)
    _, _, then, _ = R.prepared(R.sample_imports(), R.SAMPLE_BASELINE_AS_OF, demo_db)
    return comp, recount_tally(now["patents"], False), recount_tally(then["patents"], False)


def test_sample_goal_breakdown_equals_the_recount(sample):
    comp, now, then = sample
    assert comp.plan["patents"].method == "snapshot"
    for layer, code, key, rcode in scopes(comp.now):
        got = IT.goal_breakdown(comp, layer, code)
        pd.testing.assert_frame_equal(got, want_breakdown(comp, now, then, key, rcode), check_dtype=False)
    # every category counts valid inventions in the city, now and then
    assert (IT.goal_breakdown(comp).iloc[:, 1:3] > 0).all().all()


def test_sample_workbook_and_deck_are_marked_sample(sample, demo_db):
    from txip_geo.present.meeting import Layers, steps
    from txip_geo.render import deck as D
    from txip_geo.render.exports import build_xlsx

    comp, now, _ = sample
    wb = openpyxl.load_workbook(io.BytesIO(build_xlsx(comp.now, comparison=comp)))
    for name in ("产业-全市", "产业-镇街", "产业-园区", "产业-说明"):
        head = [wb[name].cell(row=i, column=1).value for i in range(1, 4)]
        assert any("样例数据" in str(v) for v in head), name
    parks = sheet(wb["产业-园区"])
    p01 = parks[(parks["代码"] == "P01") & (parks["产业"] == IT.label("fine_chem"))].iloc[0]
    assert p01[IT.measure_header("patents")] == cell(now, "park_code", "P01", "fine_chem", 0) > 0

    # the whole deck: the section sits before the appendix, numbered with the rest, each slide marked 样例
    seq = D.with_industries(steps(comp.now, only_gaps=True, title_step=True, deck_order=True, change=True, parks=True))
    kinds = [s.kind for s in seq]
    assert kinds[-4:] == ["industry_city", "industry_units", "industry_parks", "rules"]
    prs = Presentation(
        io.BytesIO(D.build_pptx(comp.now, Layers.from_store(Store(demo_db)), only_gaps=True, dpi=30, comparison=comp))
    )
    slides = list(prs.slides)
    assert len(slides) == len(seq)
    titles = [s.shapes.title.text_frame.text for s in slides]
    k = titles.index("重点产业专利：全市")
    assert titles[k : k + 3] == ["重点产业专利：全市", "重点产业专利：各镇街", "重点产业专利：各园区"]
    for s in slides[k : k + 3]:
        assert any(x.name == "marking-sample" for x in s.shapes)
        page = next(x for x in s.shapes if x.name == "page-number").text_frame.text
        assert page == f"{slides.index(s) + 1} / {len(slides)}"
    units = slide_table(slides[k + 1])
    assert len(units) == len(comp.now.units)


# -- the 目标 page ------------------------------------------------------------------------------------------------------


@pytest.fixture
def page(demo_db, monkeypatch):
    monkeypatch.setenv("TXIP_DB", str(demo_db))
    import streamlit as st

    st.cache_resource.clear()
    return AppTest.from_file(str(ROOT / "pages" / "goals.py"), default_timeout=180)


def frame(page, *columns: str) -> pd.DataFrame:
    """The one table shown whose columns include `columns` (AppTest does not expose a table's key)."""
    (df,) = [d.value for d in page.dataframe if set(columns) <= set(d.value.columns)]
    return df


GOAL_TABLE = ("产业", "G01 当前")
AREA_TABLE = ("镇街", "其他/未归类")


def test_goals_page_breaks_g01_g02_down_by_industry(page, sample):
    comp, now, then = sample
    page.run()
    assert not page.exception
    subheads = [s.value for s in page.subheader]
    assert "G01、G02 按产业分解" in subheads
    table = frame(page, *GOAL_TABLE)
    pd.testing.assert_frame_equal(
        table.reset_index(drop=True), want_breakdown(comp, now, then, "city", "city", short=True), check_dtype=False
    )
    captions = " ".join(c.value for c in page.caption)
    assert "G01 有效发明专利、G02 高维持发明专利：基期 2023-12-31（基期快照）" in captions
    assert any(
        "合计" in c.value and f"{int(comp.now.city['invention_patents_valid']):,}" in c.value for c in page.caption
    )

    # one park; and every township's G02 change by industry (the expander)
    page.selectbox(key="goals_ind_scope").set_value(("parks", "P01"))
    page.radio(key="goals_ind_goal").set_value("G02")
    page.radio(key="goals_ind_value").set_value("change").run()
    assert not page.exception
    pd.testing.assert_frame_equal(
        frame(page, *GOAL_TABLE).reset_index(drop=True),
        want_breakdown(comp, now, then, "park_code", "P01", short=True),
        check_dtype=False,
    )
    areas = frame(page, *AREA_TABLE)
    assert list(areas["镇街"]) == list(comp.now.units["name"])
    for code, (_, row) in zip(comp.now.units["code"], areas.iterrows()):
        want = [cell(now, "unit_code", code, c, 2) - cell(then, "unit_code", code, c, 2) for c in CATS]
        assert list(row.iloc[1:]) == want, code

    # all classes: the figures of that rule
    page.toggle(key="goals_ind_all").set_value(True).run()
    assert not page.exception
    alls = IT.goal_breakdown(comp, "parks", "P01", all_classes=True, short=True)
    pd.testing.assert_frame_equal(frame(page, *GOAL_TABLE).reset_index(drop=True), alls, check_dtype=False)
    assert any("全部分类号" in c.value for c in page.caption)
