"""The 边界 page in Streamlit's AppTest: status of the layers, uploading a file (a question when it has no CRS, the
check before and the report after importing), drawing a park and saving it."""

import json
from pathlib import Path

import geopandas as gpd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from txip_geo.areas import boundaries
from txip_geo.ingest.boundaries import stage_files
from txip_geo.store.database import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "page.sqlite"
    Store(path)
    monkeypatch.setenv("TXIP_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def page(db):
    at = AppTest.from_file(str(ROOT / "pages" / "boundaries.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def texts(at) -> str:
    parts = [
        e.value for kind in ("success", "warning", "info", "error", "caption", "markdown") for e in getattr(at, kind)
    ]
    return "\n".join([str(p) for p in parts] + [h.value for h in at.get("html")])  # st.html: the header


def shapefile_parts(tmp_path) -> list[tuple[str, bytes, str]]:
    """乡镇界.shp/.shx/.dbf in EPSG:4549 coordinates with a GBK DBF, no .prj and no .cpg."""
    t = boundaries.bundled_townships().to_crs("EPSG:4549")
    g = gpd.GeoDataFrame(
        {"XZQDM": t["code"] + "000", "XZQMC": "泰兴市" + t["name"]}, geometry=t.geometry.values, crs="EPSG:4549"
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    g.to_file(folder / "乡镇界.shp", encoding="gbk")
    return [
        (f"乡镇界{ext}", (folder / f"乡镇界{ext}").read_bytes(), "application/octet-stream")
        for ext in (".shp", ".shx", ".dbf")
    ]


def test_status_of_both_layers_is_shown(page):
    assert page.title[0].value == "边界"
    body = texts(page)
    assert "镇街边界：示意" in body and "园区边界：示意" in body
    assert "示意边界" in body  # the header's notice
    table = page.dataframe[0].value
    assert len(table) == 21 and set(table["状态"]) == {"示意"}


def test_upload_without_crs_asks_then_imports(page, db, tmp_path):
    page.file_uploader[0].set_value(shapefile_parts(tmp_path)).run()
    assert not page.exception
    body = texts(page)
    assert "该文件没有坐标系信息" in body and "请问它用的是哪种坐标系？" in body
    assert not [b for b in page.button if b.key == "bnd_import"]
    page.selectbox(key="bnd_datum").set_value("EPSG:4549").run()
    assert not page.exception
    body = texts(page)
    assert "检查通过，可以导入镇街正式边界 乡镇界.zip：17 个镇街（文件中 17 个要素）" in body
    assert "属性表编码：GBK（无 .cpg，按内容识别）" in body
    assert Store(db).boundaries_status() == "schematic"  # the check writes nothing
    page.button(key="bnd_import").click().run()
    assert not page.exception
    assert Store(db).boundaries_status() == "official"
    body = texts(page)
    assert "已导入镇街正式边界 乡镇界.zip：17 个镇街（文件中 17 个要素）" in body
    assert "镇街边界：正式" in body and "来源文件：乡镇界.zip（导入于" in body
    assert "示意边界：镇街、园区边界为示意" not in body  # the header's notice is gone


def test_upload_of_unrelated_files_is_refused(page, tmp_path):
    page.file_uploader[0].set_value(
        [("a.shp", b"x", "application/octet-stream"), ("b.dbf", b"y", "application/octet-stream")]
    ).run()
    assert not page.exception
    assert "它们必须是同一个 Shapefile 的组成部分" in page.error[0].value


def drawing(ring):
    return {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_drawing_a_park_and_saving_it(page, db):
    page.selectbox(key="draw_park").set_value("P02").run()
    comp = [e for e in page.main if type(e).__name__ == "UnknownElement"]
    args = json.loads(comp[-1].json_args)
    assert "L.Control.Draw" in args["script"] or "Draw(" in args["script"]
    assert all(link.startswith("/app/static/") for link in args["js_links"] + args["css_links"])
    assert any("leaflet.draw" in link for link in args["js_links"])
    ring = [[120.255, 32.225], [120.28, 32.225], [120.28, 32.245], [120.255, 32.245], [120.255, 32.225]]
    feat = drawing(ring)
    page.session_state[args["key"]] = {"all_drawings": [feat], "last_active_drawing": feat}
    page.run()
    assert not page.exception
    assert any(i.value.startswith("已绘制 1 个多边形，合计约 ") for i in page.info)
    page.button(key="draw_save").click().run()
    assert not page.exception
    parks = Store(db).layer("parks").set_index("code")
    assert parks["official"].to_dict() == {"P01": 0, "P02": 1, "P03": 0, "P04": 0}
    body = texts(page)
    assert "已保存黄桥经济开发区的边界（手绘，" in body and "园区边界：部分正式（1/4）" in body


def test_a_drawing_outside_the_county_is_refused(page, db):
    page.run()
    args = json.loads([e for e in page.main if type(e).__name__ == "UnknownElement"][-1].json_args)
    feat = drawing([[121.0, 32.0], [121.1, 32.0], [121.1, 32.1], [121.0, 32.0]])
    page.session_state[args["key"]] = {"all_drawings": [feat], "last_active_drawing": feat}
    page.run()
    page.button(key="draw_save").click().run()
    assert not page.exception
    assert "在泰兴市界之外" in texts(page)
    assert set(Store(db).layer("parks")["official"]) == {0}


def test_stage_files_packs_shapefile_parts_into_one_zip(tmp_path):
    parts = [("x.shp", b"1"), ("x.dbf", b"2"), ("x.shx", b"3")]
    path = stage_files(parts, tmp_path)
    assert path.name == "x.zip"
    import zipfile

    assert sorted(zipfile.ZipFile(path).namelist()) == ["x.dbf", "x.shp", "x.shx"]
    assert stage_files([("a.geojson", b"{}")], tmp_path / "b").name == "a.geojson"
    with pytest.raises(ValueError):
        stage_files([("a.shp", b"1"), ("b.dbf", b"2")], tmp_path / "c")


def test_a_viewer_sees_the_status_but_cannot_import_or_draw(db):
    from txip_geo.store import auth

    store = Store(db)
    auth.add_user(store, "viewer1", "viewer", password="secret-pass-1", display_name="查看员")
    at = AppTest.from_file(str(ROOT / "pages" / "boundaries.py"), default_timeout=120)
    at.session_state["auth_user"] = auth.get_user(store, "viewer1")
    at.run()
    assert not at.exception
    body = texts(at)
    assert "镇街边界：示意" in body and "导入边界文件和绘制园区范围需要编辑权限" in body
    assert not at.file_uploader and not [e for e in at.main if type(e).__name__ == "UnknownElement"]


def test_the_importer_is_the_signed_in_user(db, tmp_path):
    from txip_geo.store import auth

    store = Store(db)
    auth.add_user(store, "editor1", "editor", password="secret-pass-1", display_name="编辑员")
    at = AppTest.from_file(str(ROOT / "pages" / "boundaries.py"), default_timeout=120)
    at.session_state["auth_user"] = auth.get_user(store, "editor1")
    at.run()
    at.file_uploader[0].set_value(shapefile_parts(tmp_path)).run()
    at.selectbox(key="bnd_datum").set_value("EPSG:4549").run()
    at.button(key="bnd_import").click().run()
    assert not at.exception
    assert store.imports("boundaries:townships")["imported_by"].tolist() == ["editor1"]
