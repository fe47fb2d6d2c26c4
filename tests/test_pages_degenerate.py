"""Every page survives degenerate data (issue #16): one application year, one record, one township, no records of a
kind, an empty store, all zeros. Each store is built from one-row files (or a whole sample file of one kind) and every
page runs in Streamlit's AppTest, with the map panel's tabs, the 园区 view and every 联席会议 view opened."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from txip_geo.ingest.pipeline import import_file
from txip_geo.store.database import Store
from txip_geo.strings import t

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2026-11-30"
HQ = "321283100"  # 黄桥镇
HQ_ADDRESS = "江苏省泰兴市黄桥镇振兴路1号"
PAGES = [
    "map.py",
    "goals.py",
    "tasks.py",
    "network.py",
    "enterprises.py",
    "present.py",
    "data.py",
    "boundaries.py",
    "admin.py",
]


def write(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def one_row_in_hq(kind: str, tmp: Path) -> Path:
    """The sample file's first row, placed in 黄桥镇 (by name and address, no coordinates, no park)."""
    df = pd.read_csv(SAMPLE / f"{kind}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig").head(1)
    if "所属镇街" in df.columns:
        df["所属镇街"], df["所属镇街代码"], df["所属园区"], df["地址"] = "黄桥镇", "", "", HQ_ADDRESS
        df["经度"] = df["纬度"] = df["坐标系"] = ""
    if kind == "network":
        df["镇街或园区"] = "黄桥镇"
    path = tmp / f"{kind}.csv"
    df.to_csv(path, index=False)
    return path


def build(name: str, tmp: Path) -> Path:
    db = tmp / f"{name}.sqlite"
    s = Store(db)
    if name == "one_patent_2026":  # an office's "this year" list of one patent
        p = write(
            tmp / "patents.csv",
            ["申请号", "名称", "申请人", "申请日", "专利类型", "法律状态", "地址"],
            [["202610000001.X", "一种测试装置", "泰兴示例公司（样例）", "2026-03-01", "发明", "有效", HQ_ADDRESS]],
        )
        import_file(s, "patents", p, as_of=AS_OF)
    elif name == "only_trainings":
        import_file(s, "trainings", SAMPLE / "trainings.csv", as_of=AS_OF)
    elif name == "one_of_each_in_hq":
        from txip_geo.ingest.sample import SAMPLE_ORDER

        for kind in SAMPLE_ORDER:
            import_file(s, kind, one_row_in_hq(kind, tmp), as_of=AS_OF)
    elif name == "no_zero_enterprises":  # every enterprise holds a patent: the zero counts are 0 everywhere
        df = pd.read_csv(SAMPLE / "enterprises.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        df["有效专利数"] = "3"
        df.to_csv(tmp / "enterprises.csv", index=False)
        import_file(s, "enterprises", tmp / "enterprises.csv", as_of=AS_OF)
        import_file(s, "patents", SAMPLE / "patents.csv", as_of=AS_OF)
    else:
        assert name == "empty"
    return db


STORES = ["one_patent_2026", "only_trainings", "one_of_each_in_hq", "no_zero_enterprises", "empty"]


@pytest.fixture(scope="module", params=STORES)
def degenerate(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    return request.param, build(request.param, tmp)


@pytest.fixture
def env(degenerate, monkeypatch):
    name, db = degenerate
    monkeypatch.setenv("TXIP_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield name, db
    st.cache_resource.clear()
    st.cache_data.clear()


def run(page: str, session: dict | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=180)
    for k, v in query.items():
        at.query_params[k] = v
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, (page, [e.message for e in at.exception])
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(env, page):
    run(page)


def test_map_page_year_filter_and_panel(env):
    name, _ = env
    at = run("map.py", unit=HQ)
    sliders = [s for s in at.slider if s.key == "years"]
    captions = " ".join(c.value for c in at.sidebar.caption)
    if name == "one_patent_2026":
        assert not sliders and "2026" in captions  # one year: stated, no slider
    for tab in (
        t("panel.figures"),
        t("panel.trend"),
        t("panel.workstations"),
        t("panel.zero_enterprises"),
        t("panel.cases"),
        t("panel.goal_share"),
    ):
        run("map.py", {"panel_tab": tab}, unit=HQ)
    for ind in ("invention_per_10k", "workstations", "cases", "zero_patent_above_scale"):
        run("map.py", {"indicator": ind}, unit=HQ)
    run("map.py", view="parks")


def test_present_page_every_view(env):
    at = run("present.py")
    total = len(at.selectbox(key="present_jump").options) if any(s.key == "present_jump" for s in at.selectbox) else 0
    for n in range(1, total + 1):
        run("present.py", step=str(n))
