"""An official township layer that does not cover the county as it must (ingest.boundaries.coverage) is refused with
its report and its problem areas -- or accepted only by an admin's explicit, audited override. The issue's file is
rebuilt here: self-intersecting rings that shapely "repairs" into overlaps between townships and county area in none
of them (the issue's: 153 km² of overlaps, 404 km² uncovered, accepted with warnings and 274 records moved)."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from tests.support import inline_maps, map_data
from tests.test_boundary_import import (
    GK,
    HQ,
    HS,
    add_workstations,
    official_layer,
    snapshot,
    write_shp,
    xzq_frame,
    zip_shp,
)
from txip_geo.areas import boundaries
from txip_geo.cli import main
from txip_geo.errors import ImportRejected
from txip_geo.ingest.boundaries import check_boundaries, import_boundaries
from txip_geo.ingest.boundaries.coverage import OVERLAP_LIMIT_KM2, UNCOVERED_LIMIT_SHARE
from txip_geo.ingest.boundaries.geometry import polygonal
from txip_geo.store import auth


@pytest.fixture(scope="module")
def official():
    """test_boundary_import's layer: the schematic townships with one border moved, and a point in the strip."""
    return official_layer()


def _outer(g):
    return g if g.geom_type == "Polygon" else max(g.geoms, key=lambda p: p.area)


def crossed(g, k: int):
    """A ring that crosses itself: every other unit a reversed stretch of its boundary (a twisted ring: area lost),
    the others a crossed lobe reaching 3 km beyond their border (area claimed from a neighbour)."""
    ring = _outer(g)
    c = np.array(ring.exterior.coords)[:-1]
    n = len(c)
    if k % 2:  # c0 → c[n-2] … c1 → c[n-1]: the two chords cross
        c = np.concatenate([c[:1], c[1 : n - 1][::-1], c[n - 1 :]])
    else:
        i = n // 3
        mid = (c[i] + c[(i + 1) % n]) / 2
        d = mid - np.array(ring.centroid.coords[0])
        d /= np.linalg.norm(d)
        tip, side = mid + d * 3000, np.array([-d[1], d[0]]) * 1500
        c = np.concatenate([c[: i + 1], [tip + side, tip - side], c[i + 1 :]])
    return shapely.Polygon(np.vstack([c, c[:1]]))


@pytest.fixture
def broken(tmp_path, official):
    """The issue's kind of file: a zipped shapefile (EPSG:4549) of 17 self-intersecting township polygons."""
    layer, _ = official
    bad = layer.copy()
    bad["geometry"] = [crossed(g, k) for k, g in enumerate(layer.geometry)]
    assert (~bad.geometry.is_valid).sum() >= 15  # a crossing that happens to miss leaves a valid (but wrong) ring
    return zip_shp(write_shp(tmp_path / "src", "XZQ", xzq_frame(bad)), tmp_path / "镇街界_损坏.zip"), bad


def expected(bad):
    """Overlaps and uncovered area of the file as repaired, computed here on their own."""
    fixed = [polygonal(shapely.make_valid(g)) for g in bad.geometry]
    overlaps = {}
    for i in range(len(fixed)):
        for j in range(i + 1, len(fixed)):
            km2 = fixed[i].intersection(fixed[j]).area / 1e6
            if km2 >= 0.001:
                overlaps[frozenset((bad["name"].iloc[i], bad["name"].iloc[j]))] = km2
    outline = boundaries.county_outline().to_crs(GK).union_all()
    return overlaps, outline.difference(shapely.union_all(fixed)).area / 1e6, outline.area / 1e6


def test_the_issues_broken_file_is_refused_with_its_problem_areas(store, tmp_path, official, broken):
    path, bad = broken
    add_workstations(store, tmp_path, official[1])
    before = snapshot(store)
    with pytest.raises(ImportRejected) as e:
        import_boundaries(store, "townships", path, user="编辑甲")
    assert snapshot(store) == before  # nothing stored, no record moved
    # The refused attempt is in the audit log: who, the file and its SHA-256.
    last = store.audit_log(1).iloc[0]  # newest first
    assert (last["user"], last["action"]) == ("编辑甲", "import_refused")
    assert path.name in last["detail"] and hashlib.sha256(path.read_bytes()).hexdigest() in last["detail"]
    rep = e.value.report
    overlaps, uncovered, outline = expected(bad)
    c = rep.coverage
    assert len(rep.repaired) == (~bad.geometry.is_valid).sum()
    assert c["refused"] and not c["accepted"]
    assert c["overlaps_km2"] == pytest.approx(sum(overlaps.values()), abs=0.01) and c["overlaps_km2"] > 10
    assert c["uncovered_km2"] == pytest.approx(uncovered, abs=0.01) and uncovered > 0.03 * outline
    assert c["uncovered_limit_km2"] == pytest.approx(outline * UNCOVERED_LIMIT_SHARE, abs=0.01)
    # Every overlap is listed with its two townships and km², the largest first; so is every uncovered piece.
    listed = [p for p in c["problems"] if p["kind"] == "overlap"]
    assert {frozenset(p["units"]): p["km2"] for p in listed} == pytest.approx(overlaps, rel=0.002, abs=0.001)
    unc = [p for p in c["problems"] if p["kind"] == "uncovered"]
    assert unc and all(p["units"] for p in unc) and sum(p["km2"] for p in unc) == pytest.approx(uncovered, rel=0.01)
    # The message: the file, both problems with their totals and the largest areas by name, the cause, the way out.
    lines = rep.message.splitlines()
    assert lines[0] == "边界文件 镇街界_损坏.zip 未导入（数据库未改动）："
    top = max(listed, key=lambda p: p["km2"])
    assert lines[1].startswith(
        f"- 镇街之间重叠 {len(overlaps)} 处，合计 {c['overlaps_km2']:.2f} 平方公里，超过容许的 1 平方公里"
        f"（正式边界应互不重叠）：{top['units'][0]}与{top['units'][1]} {top['km2']:.2f} 平方公里"
    )
    share = c["uncovered_km2"] / c["outline_km2"]
    assert lines[2].startswith(
        f"- 泰兴市界内有 {c['uncovered_km2']:.2f} 平方公里（全市的 {share:.1%}）不属于任何镇街，"
        f"超过容许的 1%（{c['uncovered_limit_km2']:.2f} 平方公里）："
    )
    assert (
        lines[3]
        == f"- 文件中有 {len(rep.repaired)} 个要素的多边形自相交或无效，自动修复后出现了上述重叠和空缺，文件很可能已损坏，请向提供单位核实"
    )
    assert "--accept-coverage-problems" in lines[4]
    # The problem areas as a map: GeoJSON in lon/lat, inside Taixing's box, with kind, townships and km².
    feats = rep.problem_map["features"]
    assert {f["properties"]["kind"] for f in feats} == {"overlap", "uncovered"}
    assert len(feats) == len(c["problems"])
    box = shapely.box(*boundaries.county_outline().total_bounds).buffer(0.05)
    assert all(box.contains(shapely.geometry.shape(f["geometry"])) for f in feats)
    # The preview (the 边界 page's check) refuses it the same way.
    with pytest.raises(ImportRejected) as e2:
        check_boundaries("townships", path)
    assert e2.value.report.message == rep.message


def test_the_command_line_refuses_it_and_accepts_it_only_when_told(store, tmp_path, official, broken, capsys):
    path, _ = broken
    db = str(store.path)
    assert main(["--db", db, "import", "boundaries", str(path)]) == 2
    err = capsys.readouterr().err
    assert "镇街之间重叠" in err and "不属于任何镇街" in err and "--accept-coverage-problems" in err
    assert store.boundaries_status() == "schematic"
    assert (
        main(["--db", db, "import", "boundaries", str(path), "--accept-coverage-problems", "--user", "管理员甲"]) == 0
    )
    assert store.boundaries_status() == "official"
    log = store.audit_log()
    row = log[log["action"] == "boundaries_override"].iloc[0]
    assert row["user"] == "管理员甲"
    assert row["detail"].startswith("镇街正式边界 镇街界_损坏.zip 覆盖检查未通过：重叠 ")
    assert "（容许 1）" in row["detail"] and row["detail"].endswith("已确认接受")
    stored = store.imports("boundaries:townships").iloc[-1]
    assert '"accepted": true' in stored["report"]


@pytest.mark.parametrize(
    ("what", "buffer_m", "refused"),
    [("overlap", 50, False), ("overlap", 500, True), ("uncovered", 1000, False), ("uncovered", 1500, True)],
)
def test_the_tolerances(store, tmp_path, official, what, buffer_m, refused):
    """Either side of each tolerance: 黄桥 reaching 50 m / 500 m into 河失 (0.5 / 5.6 km² of overlap, limit 1 km²);
    黄桥 cut back 1 km / 1.5 km from the county edge (8.6 / 12.9 km² uncovered, limit 1 % = 11.7 km²)."""
    layer, _ = official
    t = layer.set_index("code")
    if what == "overlap":
        t.loc[HQ, "geometry"] = t.geometry[HQ].union(t.geometry[HS].intersection(t.geometry[HQ].buffer(buffer_m)))
    else:
        edge = boundaries.county_outline().to_crs(GK).union_all().boundary.buffer(buffer_m)
        t.loc[HQ, "geometry"] = t.geometry[HQ].difference(edge)
    path = zip_shp(write_shp(tmp_path / "src", "XZQ", xzq_frame(t.reset_index())), tmp_path / f"{what}.zip")
    try:
        rep = import_boundaries(store, "townships", path)
    except ImportRejected as e:
        rep = e.report
    c = rep.coverage
    value, limit = (
        (c["overlaps_km2"], OVERLAP_LIMIT_KM2) if what == "overlap" else (c["uncovered_km2"], c["uncovered_limit_km2"])
    )
    assert (value > limit) == refused == c["refused"] == (rep.status == "rejected")
    assert store.boundaries_status() == ("schematic" if refused else "official")
    if refused and what == "overlap":
        assert f"黄桥镇与河失镇 {value:.2f} 平方公里" in rep.message
    if refused and what == "uncovered":
        assert "黄桥镇" in rep.message and rep.problem_map["features"][0]["properties"]["kind"] == "uncovered"


def test_a_layer_that_covers_the_county_has_no_problem_areas(store, tmp_path, official):
    layer, _ = official
    path = zip_shp(write_shp(tmp_path / "src", "XZQ", xzq_frame(layer)), tmp_path / "good.zip")
    rep = import_boundaries(store, "townships", path)
    assert rep.status == "imported" and rep.problem_map == {}
    assert rep.coverage["overlaps_km2"] == 0 and rep.coverage["uncovered_km2"] < 0.01 and not rep.coverage["problems"]


# -- the 边界 page -------------------------------------------------------------------------------------------------


@pytest.fixture
def page_for(tmp_path, monkeypatch):
    import streamlit as st

    from tests.test_page_boundaries import ROOT
    from txip_geo.store.database import Store

    def make(role: str | None):
        store = Store(tmp_path / "page.sqlite")
        monkeypatch.setenv("TXIP_DB", str(store.path))
        st.cache_resource.clear()
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "pages" / "boundaries.py"), default_timeout=120)
        if role:
            auth.add_user(store, "admin0", "admin", password="long enough")
            auth.add_user(store, "u1", role, password="long enough") if role != "admin" else None
            at.session_state["auth_user"] = auth.get_user(store, "u1" if role != "admin" else "admin0")
        at.run()
        assert not at.exception
        return at, store

    yield make
    st.cache_resource.clear()
    st.cache_data.clear()


def coverage_problems(path) -> list[dict]:
    """The problem areas the check of `path` finds."""
    with pytest.raises(ImportRejected) as e:
        check_boundaries("townships", path)
    return e.value.report.coverage["problems"]


def upload(at, path):
    at.file_uploader[0].set_value([(path.name, path.read_bytes(), "application/zip")]).run()
    assert not at.exception


def test_the_page_shows_the_problems_and_an_admin_accepts_them(page_for, broken):
    path, _ = broken
    at, store = page_for("admin")
    upload(at, path)
    assert "镇街之间重叠" in at.error[0].value and "不属于任何镇街" in at.error[0].value
    assert not [b for b in at.button if b.key == "bnd_import"]  # nothing to import until accepted
    script = map_data(next(m for m in inline_maps(at) if m.key == "bnd_problems"))["script"]
    drawn = [json.loads(p) for p in re.findall(r'"properties": (\{[^{}]*"kind"[^{}]*\})', script)]
    assert {p["label"] for p in drawn} == {"重叠", "未覆盖"}
    assert sorted(p["km2"] for p in drawn) == sorted(p["km2"] for p in coverage_problems(path))
    at.checkbox(key="bnd_accept_coverage").check().run()
    at.button(key="bnd_import").click().run()
    assert not at.exception
    assert store.boundaries_status() == "official"
    assert list(store.audit_log()[["user", "action"]].iloc[0]) == ["admin0", "boundaries"]
    assert "admin0" in set(store.audit_log().query("action == 'boundaries_override'")["user"])
    assert any("已由管理员确认接受" in w.value for w in at.warning)


def test_an_editor_sees_the_problems_but_cannot_accept_them(page_for, broken):
    path, _ = broken
    at, store = page_for("editor")
    upload(at, path)
    assert "镇街之间重叠" in at.error[0].value
    assert "只有管理员可以接受未通过覆盖检查的边界文件。" in [i.value for i in at.info]
    assert not [c for c in at.checkbox if c.key == "bnd_accept_coverage"]
    assert not [b for b in at.button if b.key == "bnd_import"]
    assert store.boundaries_status() == "schematic"
