"""Importing official boundary files as the natural-resources bureau delivers them, built here from the bundled
schematic layer with one border moved (so the official layer differs): zipped shapefile in EPSG:4549 with a GBK DBF
and no .cpg, GeoPackage in EPSG:4528, GeoJSON, KML; files without CRS, with a contradictory CRS, with a missing unit,
an invalid ring, a far feature, overlaps, gaps, other counties. Exact counts and messages; the store unchanged on
every rejection; after an import the records with coordinates are re-assigned and areas come from the new layer."""

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely import affinity

from txip_geo.areas import boundaries, datum
from txip_geo.cli import main
from txip_geo.errors import ImportRejected
from txip_geo.figures.compute import compute
from txip_geo.ingest.boundaries import (
    BoundaryReport,
    check_boundaries,
    dbf_encoding,
    import_boundaries,
    layer_status,
    report_lines,
    save_drawn_park,
)
from txip_geo.ingest.pipeline import import_file

HQ, HS, ZQ = "321283100", "321283112", "321283109"  # 黄桥镇, 河失镇 (interior), 张桥镇 (interior)
GK = "EPSG:4549"
UNITS = 17


# --------------------------------------------------------------------------------------------------- test layers


@pytest.fixture(scope="module")
def official():
    return official_layer()


def official_layer():
    """The schematic townships with the 黄桥–河失 border moved 800 m into 河失 (EPSG:4549), and a point in the strip."""
    t = boundaries.bundled_townships().to_crs(GK).set_index("code")
    a, b = t.geometry[HS], t.geometry[HQ]
    strip = a.intersection(b.buffer(800))
    t.loc[HS, "geometry"] = a.difference(b.buffer(800))
    t.loc[HQ, "geometry"] = b.union(strip)
    inner = strip.difference(b.buffer(300))
    pt = gpd.GeoSeries([inner.representative_point()], crs=GK).to_crs(4326).iloc[0]
    layer = t.reset_index()[["code", "name", "geometry"]]
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=GK), (round(pt.x, 6), round(pt.y, 6))


def xzq_frame(layer, code=lambda c: c + "000", name=lambda n: "泰兴市" + n):
    """XZQDM (12 digits) / XZQMC (泰兴市…) fields, as the land-survey files have them."""
    return gpd.GeoDataFrame(
        {"XZQDM": [code(c) for c in layer["code"]], "XZQMC": [name(n) for n in layer["name"]]},
        geometry=layer.geometry.values,
        crs=layer.crs,
    )


def write_shp(folder: Path, stem: str, gdf, *, prj=True, cpg=False, ldid=0) -> Path:
    """A shapefile with a GBK DBF; by default no .cpg and language-driver byte 0 (as many bureau files come)."""
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / f"{stem}.shp"
    gdf.to_file(shp, encoding="gbk")
    if not cpg:
        (folder / f"{stem}.cpg").unlink()
    if not prj:
        (folder / f"{stem}.prj").unlink()
    dbf = folder / f"{stem}.dbf"
    raw = bytearray(dbf.read_bytes())
    raw[29] = ldid
    dbf.write_bytes(bytes(raw))
    return shp


def zip_shp(shp: Path, target: Path, member_stem: str | None = None) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(shp.parent.glob(shp.stem + ".*")):
            z.write(f, f"{member_stem or shp.stem}{f.suffix}")
    return target


@pytest.fixture
def shp_zip(tmp_path, official):
    layer, _ = official
    return zip_shp(write_shp(tmp_path / "src", "XZQ", xzq_frame(layer)), tmp_path / "泰兴市乡镇界.zip")


def snapshot(store):
    """Everything an import may change: the boundaries, the imports, every record assignment."""
    with store.reading() as con:
        return (
            con.execute(
                "SELECT layer, code, name, geometry, official, import_id, source FROM boundaries ORDER BY layer, code"
            ).fetchall(),
            con.execute("SELECT id, kind, file_name FROM imports ORDER BY id").fetchall(),
            con.execute(
                "SELECT rowid, unit_code, park_code, assign_method, assign_note FROM rec_workstations ORDER BY rowid"
            ).fetchall(),
        )


def add_workstations(store, tmp_path, pt):
    p = tmp_path / "工作站.csv"
    p.write_text(
        "编号,名称,类型,经度,纬度\nWS1,边界附近工作站,知识产权工作站,{},{}\nWS2,黄桥工作站,知识产权工作站,120.2657,32.23504\n".format(
            *pt
        ),
        encoding="utf-8",
    )
    import_file(store, "workstations", p, as_of="2026-10-31")


def rejected(db, tmp_path, official, fn, **kw) -> BoundaryReport:
    """Run a rejected import over a store with records; assert the store is unchanged; return the report."""
    add_workstations(db, tmp_path, official[1])
    before = snapshot(db)
    with pytest.raises(ImportRejected) as e:
        fn(**kw)
    assert snapshot(db) == before
    assert e.value.report.status == "rejected"
    return e.value.report


# ------------------------------------------------------------------------------------------- the realistic shapefile


def test_gbk_shapefile_in_epsg4549_without_cpg_is_imported_and_replaces_the_schematic_layer(
    store, tmp_path, official, shp_zip
):
    layer, pt = official
    add_workstations(store, tmp_path, pt)
    ws = store.records("workstations").set_index("station_id")
    assert ws.loc["WS1", "unit_code"] == HS and store.boundaries_status() == "schematic"
    assert compute(store).boundaries == "schematic"

    rep = import_boundaries(store, "townships", shp_zip, as_of="2026-11-01", user="测试")

    assert rep.status == "imported" and rep.features_read == UNITS and rep.rows_imported == UNITS
    assert rep.source_crs == "EPSG:4549（CGCS2000 / 3-degree Gauss-Kruger CM 120E）"
    assert rep.encoding == "GBK（无 .cpg，按内容识别）"
    assert (rep.code_field, rep.name_field) == ("XZQDM", "XZQMC")
    assert [m["code"] for m in rep.matched] == sorted(layer["code"]) and {m["by"] for m in rep.matched} == {
        "代码、名称"
    }
    assert rep.unmatched == [] and rep.missing == [] and rep.others_ignored == 0 and rep.repaired == []
    assert rep.overlaps == [] and rep.gaps["slivers"] == [] and rep.warnings == []
    assert rep.reassigned == {"records": 2, "changed": 1}
    assert rep.message.splitlines()[:2] == [
        "已导入镇街正式边界 泰兴市乡镇界.zip：17 个镇街（文件中 17 个要素）",
        "  带坐标的记录 2 条已按新边界重新归属，其中 1 条的所属镇街或园区改变",
    ]
    # the official layer is now the layer everywhere
    assert store.boundaries_status() == "official"
    towns = store.layer("townships")
    assert towns["official"].tolist() == [1] * UNITS and set(towns["source"]) == {"正式边界：泰兴市乡镇界.zip"}
    expected = layer.to_crs(4326).set_index("code").geometry
    for r in towns.itertuples():
        assert r.geometry.hausdorff_distance(expected[r.code]) < 1e-7
    ws = store.records("workstations").set_index("station_id")
    assert ws.loc["WS1", "unit_code"] == HQ and ws.loc["WS2", "unit_code"] == HQ
    fs = compute(store)
    assert fs.boundaries == "official"
    areas = fs.units.set_index("code")["area_km2"]
    official_km2 = layer.set_index("code").area / 1e6
    for code in (HQ, HS, ZQ):
        assert areas[code] == round(official_km2[code], 2)
    assert areas[HQ] > round(boundaries.area_km2(boundaries.bundled_townships()).iloc[3], 2)
    # the stored report carries the final counts
    stored = json.loads(store.imports("boundaries:townships")["report"].iloc[0])
    assert stored["reassigned"] == {"records": 2, "changed": 1} and stored["status"] == "imported"


def test_importing_the_same_file_again_changes_nothing(store, shp_zip):
    first = import_boundaries(store, "townships", shp_zip, as_of="2026-11-01")
    again = import_boundaries(store, "townships", shp_zip, as_of="2026-11-01")
    assert again.status == "unchanged" and again.import_id == first.import_id
    assert (
        again.message == f"文件 泰兴市乡镇界.zip 已于截至 2026-11-01 导入（导入编号 {first.import_id}），镇街边界未变。"
    )
    assert len(store.imports("boundaries:townships")) == 1


def test_cli_imports_and_prints_the_report(tmp_path, shp_zip, capsys):
    db = str(tmp_path / "cli.sqlite")
    assert main(["--db", db, "import", "boundaries", str(shp_zip), "--as-of", "2026-11-01"]) == 0
    out = capsys.readouterr().out
    assert "已导入镇街正式边界 泰兴市乡镇界.zip：17 个镇街（文件中 17 个要素）" in out
    assert "属性表编码：GBK（无 .cpg，按内容识别）" in out and "修复无效几何 0 处" in out and "重叠 0 处" in out
    assert main(["--db", db, "status"]) == 0
    assert "边界：正式" in capsys.readouterr().out


def test_cli_help_names_the_accepted_datums():
    from txip_geo.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["import"]
    helptext = next(a.help for a in sub._actions if a.dest == "datum")
    for word in ("WGS84", "CGCS2000", "GCJ02", "EPSG:4549", "EPSG:4528"):
        assert word in helptext


def test_zip_with_gbk_member_names_written_by_windows(store, tmp_path, official):
    """Windows zip tools store 乡镇界.shp in GBK without the UTF-8 flag."""
    shp = write_shp(tmp_path / "src", "XZQ", xzq_frame(official[0]))
    z = zip_shp(shp, tmp_path / "a.zip", member_stem="abcdef")
    data = z.read_bytes()
    assert len("乡镇界".encode("gbk")) == len("abcdef")
    z.write_bytes(data.replace(b"abcdef", "乡镇界".encode("gbk")))
    rep = check_boundaries("townships", z)
    assert rep.source_layer == "乡镇界.shp" and len(rep.matched) == UNITS


def test_dbf_encoding_is_taken_from_cpg_content_or_language_driver(tmp_path, official):
    frame = xzq_frame(official[0])
    assert dbf_encoding(write_shp(tmp_path / "a", "x", frame, cpg=True)) == ("GB18030", "GBK（.cpg）")
    assert dbf_encoding(write_shp(tmp_path / "b", "x", frame)) == ("GB18030", "GBK（无 .cpg，按内容识别）")
    utf = tmp_path / "c"
    utf.mkdir()
    frame.to_file(utf / "x.shp", encoding="utf-8")
    (utf / "x.cpg").unlink()
    assert dbf_encoding(utf / "x.shp") == ("UTF-8", "UTF-8（无 .cpg，按内容识别）")
    ascii_only = write_shp(tmp_path / "d", "x", frame.assign(XZQMC="x"))
    assert dbf_encoding(ascii_only) == (None, "ASCII（无中文）")


# ---------------------------------------------------------------------------------------- the other formats and CRSs


def test_geopackage_in_epsg4528_with_zone_prefix_156_codes_and_short_names(store, tmp_path, official):
    layer, _ = official
    g = xzq_frame(layer, code=lambda c: "156" + c, name=lambda n: n[:-1] if n.endswith("镇") else n).to_crs("EPSG:4528")
    assert g.total_bounds[0] > 40_000_000
    path = tmp_path / "xzq.gpkg"
    g.to_file(path, layer="XZQ", driver="GPKG")
    rep = import_boundaries(store, "townships", path, as_of="2026-11-01")
    assert rep.source_crs == "EPSG:4528（CGCS2000 / 3-degree Gauss-Kruger zone 40）" and rep.encoding == ""
    assert len(rep.matched) == UNITS and rep.warnings == []
    got = store.layer("townships").set_index("code").geometry
    want = layer.to_crs(4326).set_index("code").geometry
    assert max(got[c].hausdorff_distance(want[c]) for c in want.index) < 1e-6


def test_geojson_with_names_only_and_several_features_for_one_unit(store, tmp_path, official):
    layer, _ = official
    g = layer.to_crs(4326)
    hq = g[g["code"] == HQ].geometry.iloc[0]
    west, east = (shapely.clip_by_rect(hq, -180, -90, 120.2, 90), shapely.clip_by_rect(hq, 120.2, -90, 180, 90))
    rows = [{"name": n, "geometry": geom} for n, geom in zip(g["name"], g.geometry) if n != "黄桥镇"]
    rows += [{"name": "泰兴市黄桥镇", "geometry": west}, {"name": "黄桥镇", "geometry": east}]
    path = tmp_path / "乡镇.geojson"
    gpd.GeoDataFrame(rows, crs=4326).to_file(path, driver="GeoJSON")
    rep = import_boundaries(store, "townships", path)
    assert rep.features_read == 18 and len(rep.matched) == UNITS
    assert next(m for m in rep.matched if m["code"] == HQ)["features"] == 2
    assert {m["by"] for m in rep.matched} == {"名称"} and rep.code_field == ""
    assert "匹配 17 个镇街（按名称 17 个）；多个要素合并：黄桥镇 2 个" in report_lines(rep)
    assert store.layer("townships").set_index("code").geometry[HQ].area == pytest.approx(hq.area, rel=1e-6)


def test_kml_with_placemark_names(store, tmp_path, official):
    layer, _ = official
    path = tmp_path / "乡镇.kml"
    gpd.GeoDataFrame({"Name": layer["name"]}, geometry=layer.to_crs(4326).geometry.values, crs=4326).to_file(
        path, driver="KML"
    )
    rep = import_boundaries(store, "townships", path)
    assert len(rep.matched) == UNITS and rep.name_field == "Name" and store.boundaries_status() == "official"


def test_gcj02_geojson_declared_by_the_user_is_converted_back(store, tmp_path, official):
    layer, _ = official
    wgs = layer.to_crs(4326)
    gcj = datum.transform_geometry(wgs, "WGS84", "GCJ02").set_crs(4326, allow_override=True)
    path = tmp_path / "高德.geojson"
    gpd.GeoDataFrame({"name": wgs["name"]}, geometry=gcj.geometry.values, crs=4326).to_file(path, driver="GeoJSON")
    # read as it claims (WGS84): 30 km² of the county uncovered, refused (ingest.boundaries.coverage) with a hint
    # that it looks like GCJ-02
    with pytest.raises(ImportRejected) as e:
        check_boundaries("townships", path)
    plain = e.value.report
    assert plain.coverage["refused"] and plain.coverage["uncovered_km2"] > plain.coverage["uncovered_limit_km2"]
    hint = "边界与泰兴市界错开约数百米：按 GCJ-02（高德/腾讯）坐标解读时吻合得多"
    assert any(w.startswith(hint) for w in plain.warnings) and f"\n- {hint}" in plain.message
    rep = import_boundaries(store, "townships", path, datum="GCJ02")
    assert rep.crs_used == "GCJ-02（高德/腾讯），已转换"
    assert rep.crs_note == "按用户指定的 GCJ-02 读取（文件声明 EPSG:4326（WGS 84））"
    assert not any("GCJ" in w for w in rep.warnings) and rep.gaps["uncovered_km2"] < 0.01
    got = store.layer("townships").set_index("code").geometry
    assert max(got[c].hausdorff_distance(g) for c, g in zip(wgs["code"], wgs.geometry)) < 1e-7


def test_file_without_crs_gets_a_question_not_a_guess(store, tmp_path, official):
    shp = write_shp(tmp_path / "src", "乡镇界", xzq_frame(official[0]), prj=False)
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=shp)
    assert rep.message == (
        "边界文件 乡镇界.shp 没有坐标系信息（缺少 .prj 或未声明坐标系），请问它用的是哪种坐标系？"
        "可选：CGCS2000（2000国家大地坐标系经纬度）、WGS84（GPS 经纬度）、GCJ02（高德/腾讯经纬度），"
        "或投影坐标系的 EPSG 代码：EPSG:4549（CGCS2000 3度带、中央经线120°、无带号）、EPSG:4528（3度带第40带、有带号）。"
        "坐标数值为 X 490579…534745，Y 3538447…3584034，可能是 EPSG:4549，但不能代为确定。"
        "命令行示例：import boundaries 乡镇界.shp --datum EPSG:4549"
    )
    # the answer: an EPSG code
    rep = import_boundaries(store, "townships", shp, datum="EPSG:4549")
    assert rep.status == "imported" and rep.crs_note == "文件没有坐标系信息，按用户指定读取"


def test_prjless_shapefile_with_the_wrong_answer_is_refused(store, tmp_path, official):
    shp = write_shp(tmp_path / "src", "乡镇界", xzq_frame(official[0]), prj=False)
    rep = rejected(
        store, tmp_path, official, import_boundaries, store=store, layer="townships", path=shp, datum="EPSG:4528"
    )
    assert rep.message == (
        "边界文件 乡镇界.shp：坐标不带带号（X 490579…534745，Y 3538447…3584034），但所指定的坐标系 "
        "EPSG:4528（CGCS2000 / 3-degree Gauss-Kruger zone 40）是有带号的高斯-克吕格投影。坐标数值看起来是 EPSG:4549。"
        "请在导入时指定正确的坐标系（命令行 --datum）。"
    )
    with pytest.raises(ImportRejected) as e:
        import_boundaries(store, "townships", shp, datum="CGCS2000")
    assert e.value.report.message == (
        "边界文件 乡镇界.shp：坐标数值不是经纬度（X 490579…534745，Y 3538447…3584034），"
        "不可能是 CGCS2000。坐标数值看起来是 EPSG:4549。"
    )


def test_cli_question_exits_2(tmp_path, official, capsys):
    shp = write_shp(tmp_path / "src", "乡镇界", xzq_frame(official[0]), prj=False)
    assert main(["--db", str(tmp_path / "c.sqlite"), "import", "boundaries", str(shp)]) == 2
    assert "请问它用的是哪种坐标系？" in capsys.readouterr().err
    assert main(["--db", str(tmp_path / "c.sqlite"), "import", "boundaries", str(shp), "--datum", "EPSG:4549"]) == 0


def test_projected_coordinates_under_a_geographic_prj_are_refused(store, tmp_path, official):
    g = xzq_frame(official[0]).set_crs("EPSG:4490", allow_override=True)  # metres, but the .prj says CGCS2000 lon/lat
    shp = write_shp(tmp_path / "src", "乡镇界", g)
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=shp)
    assert rep.message == (
        "边界文件 乡镇界.shp：坐标数值是投影坐标（单位米，X 490579…534745，Y 3538447…3584034），但文件声明的坐标系是经纬度坐标系 "
        "EPSG:4490（China Geodetic Coordinate System 2000）。坐标数值看起来是 EPSG:4549。"
        "请向数据提供单位确认坐标系，并在导入时指定（命令行 --datum，例如 --datum EPSG:4549）。"
    )


def test_zone_prefixed_coordinates_under_a_prj_without_prefix_are_refused(store, tmp_path, official):
    g = xzq_frame(official[0]).to_crs("EPSG:4528").set_crs(GK, allow_override=True)
    path = tmp_path / "xzq.gpkg"
    g.to_file(path, driver="GPKG")
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=path)
    assert rep.message.startswith(
        "边界文件 xzq.gpkg：坐标带有带号 40（X 40490579…40534745，Y 3538447…3584034），"
        "但文件声明的坐标系 EPSG:4549（CGCS2000 / 3-degree Gauss-Kruger CM 120E）是无带号的高斯-克吕格投影。"
        "坐标数值看起来是 EPSG:4528。"
    )


# ------------------------------------------------------------------------------------------- matching and geometry


def test_missing_unit_rejects_the_file_naming_it(store, tmp_path, official):
    layer, _ = official
    g = xzq_frame(layer[layer["code"] != "321283101"])  # no 分界镇
    path = zip_shp(write_shp(tmp_path / "src", "XZQ", g), tmp_path / "缺分界.zip")
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=path)
    assert (
        rep.message
        == "边界文件 缺分界.zip 未导入（数据库未改动）：\n- 文件中找到 16 个镇街，缺少 1 个：分界镇（321283101）"
    )
    assert rep.missing == [{"code": "321283101", "name": "分界镇"}]


def test_unmatched_feature_inside_taixing_rejects_the_file(store, tmp_path, official):
    layer, _ = official
    g = xzq_frame(layer)
    g.loc[g["XZQDM"] == ZQ + "000", ["XZQDM", "XZQMC"]] = ["321283402000", "城东高新技术产业园"]
    path = tmp_path / "x.gpkg"
    g.to_file(path, driver="GPKG")
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=path)
    assert rep.message == (
        "边界文件 x.gpkg 未导入（数据库未改动）：\n"
        "- 有 1 个要素在泰兴市范围内，但无法对应泰兴市的镇街：第 11 个要素（代码 321283402000，名称 城东高新技术产业园）："
        "代码 321283402000 不是泰兴市 17 个镇街之一\n"
        "- 文件中找到 16 个镇街，缺少 1 个：张桥镇（321283109）"
    )


def test_a_whole_taizhou_file_is_filtered_to_taixing_with_a_count(store, tmp_path, official):
    layer, _ = official
    g = xzq_frame(layer)
    nb = boundaries.neighbours().set_index("name").to_crs(GK)
    others = gpd.GeoDataFrame(
        {
            "XZQDM": ["321282100000", "321204001000", "321203100000"],
            "XZQMC": ["靖江市靖城街道", "姜堰区三水街道", "高港区口岸街道"],
        },
        geometry=[nb.geometry["靖江市"], nb.geometry["姜堰区"], nb.geometry["高港区"]],
        crs=GK,
    )
    g = gpd.GeoDataFrame(pd.concat([others, g], ignore_index=True), crs=GK)
    path = zip_shp(write_shp(tmp_path / "src", "泰州乡镇", g), tmp_path / "泰州市乡镇界.zip")
    rep = import_boundaries(store, "townships", path)
    assert rep.features_read == 20 and len(rep.matched) == UNITS and rep.others_ignored == 3
    assert rep.others[0] == "第 1 个要素（代码 321282100000，名称 靖江市靖城街道）"
    assert "忽略其他地区的要素 3 个（不属于泰兴市）" in report_lines(rep)


def test_invalid_bow_tie_ring_is_repaired_and_counted(store, tmp_path, official):
    layer, _ = official
    g = xzq_frame(layer)
    c = layer.set_index("code").geometry[HQ].representative_point()
    bow = shapely.Polygon([(c.x, c.y), (c.x + 300, c.y + 300), (c.x + 300, c.y), (c.x, c.y + 300)])
    assert not bow.is_valid
    extra = gpd.GeoDataFrame({"XZQDM": [HQ + "000"], "XZQMC": ["泰兴市黄桥镇"]}, geometry=[bow], crs=GK)
    g = gpd.GeoDataFrame(pd.concat([g, extra], ignore_index=True), crs=GK)
    path = zip_shp(write_shp(tmp_path / "src", "XZQ", g), tmp_path / "bow.zip")
    rep = import_boundaries(store, "townships", path)
    assert rep.status == "imported" and rep.features_read == 18
    assert rep.repaired == [{"feature": 18, "name": "黄桥镇", "reason": "自相交"}]
    assert "修复无效几何 1 处：黄桥镇（第 18 个要素，自相交）" in report_lines(rep)
    assert all(store.layer("townships").geometry.is_valid)


def test_feature_50_km_away_rejects_the_file(store, tmp_path, official):
    layer, _ = official
    g = xzq_frame(layer)
    moved = affinity.translate(g.geometry.iloc[3], xoff=50_000)
    g.loc[3, "geometry"] = moved
    path = zip_shp(write_shp(tmp_path / "src", "XZQ", g), tmp_path / "far.zip")
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=path)
    outline = boundaries.county_outline().to_crs(GK).union_all()
    km = round(moved.representative_point().distance(outline) / 1000, 1)
    assert km > 30
    assert rep.message == (
        "边界文件 far.zip 未导入（数据库未改动）：\n"
        f"- 1 个要素远离泰兴市界（超过 5 公里，坐标系可能不对）：第 4 个要素（黄桥镇）离市界 {km:.1f} 公里"
    )


def test_overlapping_units_are_a_warning_with_km2(store, tmp_path, official):
    layer, _ = official
    t = layer.set_index("code")
    grab = t.geometry[HS].intersection(t.geometry[HQ].buffer(50))  # 黄桥 reaches 50 m into 河失, 河失 unchanged
    t.loc[HQ, "geometry"] = t.geometry[HQ].union(grab)
    g = xzq_frame(t.reset_index())
    path = zip_shp(write_shp(tmp_path / "src", "XZQ", g), tmp_path / "overlap.zip")
    rep = import_boundaries(store, "townships", path)
    km2 = round(grab.area / 1e6, 3)
    assert 0.1 < km2 < 1  # below the tolerance (1 km², ingest.boundaries.coverage): a warning
    assert rep.overlaps == [{"a": HQ, "b": HS, "a_name": "黄桥镇", "b_name": "河失镇", "km2": km2}]
    assert rep.warnings == [f"黄桥镇 与 河失镇 重叠 {km2:.3f} 平方公里"]
    assert f"重叠 1 处，合计 {km2:.3f} 平方公里" in report_lines(rep)


def test_gap_between_neighbours_is_a_warning_with_km2(store, tmp_path, official):
    layer, _ = official
    t = layer.set_index("code")
    t.loc[HS, "geometry"] = t.geometry[HS].difference(t.geometry[ZQ].buffer(150))  # a 150 m strip belongs to nobody
    gap = layer.set_index("code").geometry[HS].area / 1e6 - t.geometry[HS].area / 1e6
    path = zip_shp(write_shp(tmp_path / "src", "XZQ", xzq_frame(t.reset_index())), tmp_path / "gap.zip")
    rep = import_boundaries(store, "townships", path)
    assert len(rep.gaps["slivers"]) == 1
    s = rep.gaps["slivers"][0]
    assert s["km2"] == pytest.approx(gap, abs=0.002) and {"河失镇", "张桥镇"} <= set(s["units"])
    assert rep.warnings == [f"{'、'.join(s['units'])} 之间有空隙 {s['km2']:.3f} 平方公里"]
    assert rep.gaps["uncovered_km2"] == pytest.approx(gap, abs=0.002)


def test_uncovered_county_area_above_the_tolerance_is_a_warning(store, tmp_path, official):
    layer, _ = official
    t = layer.set_index("code")
    outline = boundaries.county_outline().to_crs(GK).union_all()
    t.loc[HQ, "geometry"] = t.geometry[HQ].difference(outline.boundary.buffer(1000))  # 1 km off the county edge
    path = zip_shp(write_shp(tmp_path / "src", "XZQ", xzq_frame(t.reset_index())), tmp_path / "edge.zip")
    rep = import_boundaries(store, "townships", path)
    edge = rep.gaps["uncovered_km2"]
    assert 5 < edge < rep.coverage["uncovered_limit_km2"] and rep.gaps["slivers"] == []  # a warning, not refused
    assert rep.warnings == [
        f"泰兴市界内有 {edge:.2f} 平方公里不属于任何镇街（市界为天地图概化边界，误差可达数百米；差异较大时请核对文件是否完整）"
    ]


def test_no_code_or_name_field_is_refused_listing_the_fields(store, tmp_path, official):
    layer, _ = official
    g = gpd.GeoDataFrame({"OBJECTID": range(UNITS), "AREA": layer.area.values}, geometry=layer.geometry.values, crs=GK)
    path = tmp_path / "bare.gpkg"
    g.to_file(path, driver="GPKG")
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=path)
    assert rep.message == "边界文件 bare.gpkg 中找不到镇街代码或名称字段（如 XZQDM、XZQMC）；文件的字段：OBJECTID、AREA"


def test_geopackage_with_several_polygon_layers_needs_a_choice(store, tmp_path, official):
    layer, _ = official
    path = tmp_path / "two.gpkg"
    xzq_frame(layer).to_file(path, layer="行政区A", driver="GPKG")
    xzq_frame(layer).to_file(path, layer="行政区B", driver="GPKG")
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=path)
    assert (
        rep.message
        == "文件中有 2 个面图层：two.gpkg:行政区A、two.gpkg:行政区B。请指定要导入的图层（命令行：--layer-name 行政区A）"
    )
    ok = import_boundaries(store, "townships", path, source_layer="行政区B")
    assert ok.status == "imported" and ok.source_layer == "two.gpkg:行政区B"


def test_unsupported_file_type(store, tmp_path, official):
    p = tmp_path / "乡镇.dwg"
    p.write_bytes(b"AC1032")
    rep = rejected(store, tmp_path, official, import_boundaries, store=store, layer="townships", path=p)
    assert rep.message == (
        "不支持的文件类型 .dwg：请提供压缩的 Shapefile（.zip，含 .shp、.shx、.dbf、.prj）、"
        "GeoPackage（.gpkg）、GeoJSON（.geojson）或 KML（.kml/.kmz）"
    )


def test_failure_inside_the_transaction_leaves_the_store_unchanged(store, tmp_path, official, shp_zip, monkeypatch):
    from txip_geo.store import database as store_mod

    add_workstations(store, tmp_path, official[1])
    before = snapshot(store)

    def boom(self, con, locate):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_mod.Store, "relocate_all", boom)
    with pytest.raises(RuntimeError):
        import_boundaries(store, "townships", shp_zip)
    assert snapshot(store) == before and store.boundaries_status() == "schematic"


# ---------------------------------------------------------------------------------------------------------- parks


def parks_geojson(tmp_path, codes_names):
    t = boundaries.bundled_townships().set_index("code")
    rows = []
    for _code, name, host in codes_names:
        c = t.geometry[host].representative_point()
        rows.append({"YQMC": name, "geometry": shapely.box(c.x - 0.01, c.y - 0.01, c.x + 0.01, c.y + 0.01)})
    path = tmp_path / "园区.geojson"
    gpd.GeoDataFrame(rows, crs=4326).to_file(path, driver="GeoJSON")
    return path


def test_park_file_replaces_the_parks_it_holds_and_keeps_the_others(store, tmp_path):
    path = parks_geojson(tmp_path, [("P01", "泰兴经济开发区", "321283123"), ("P02", "黄桥开发区", HQ)])
    rep = import_boundaries(store, "parks", path)
    assert [m["code"] for m in rep.matched] == ["P01", "P02"] and rep.name_field == "YQMC"
    assert rep.kept == [
        {"code": "P03", "name": "虹桥工业园区", "official": False},
        {"code": "P04", "name": "泰兴高新技术产业开发区", "official": False},
    ]
    assert "未包含的园区保留原边界：虹桥工业园区（示意）、泰兴高新技术产业开发区（示意）" in report_lines(rep)
    parks = store.layer("parks").set_index("code")
    assert parks["official"].to_dict() == {"P01": 1, "P02": 1, "P03": 0, "P04": 0}
    assert parks.loc["P03", "source"].startswith("示意边界") and parks.loc["P01", "source"] == "正式边界：园区.geojson"
    assert store.boundaries_status() == "schematic"  # the township layer decides
    status = {s["layer"]: s for s in layer_status(store)}
    assert (status["parks"]["status"], status["parks"]["official"]) == ("partial", 2)
    assert status["townships"]["status"] == "schematic" and status["parks"]["files"][0]["file_name"] == "园区.geojson"


def test_drawn_park_is_saved_with_per_feature_provenance(store, tmp_path, official):
    add_workstations(store, tmp_path, official[1])  # WS2 lies in 黄桥镇
    ring = [[120.255, 32.225], [120.28, 32.225], [120.28, 32.245], [120.255, 32.245], [120.255, 32.225]]
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    assert store.records("workstations").set_index("station_id").loc["WS2", "park_code"] is None
    rep = save_drawn_park(store, "P02", feature, "张三")
    assert rep.status == "imported" and rep.message.startswith("已保存黄桥经济开发区的边界（手绘，")
    parks = store.layer("parks").set_index("code")
    assert parks["official"].to_dict() == {"P01": 0, "P02": 1, "P03": 0, "P04": 0}
    assert parks.loc["P02", "geometry"].hausdorff_distance(shapely.Polygon(ring)) < 1e-9
    assert parks.loc["P02", "source"].startswith("正式边界：手绘园区边界_P02_")
    ws = store.records("workstations").set_index("station_id")
    assert ws.loc["WS2", "park_code"] == "P02" and ws.loc["WS2", "unit_code"] == HQ
    assert rep.reassigned["changed"] == 1
    imp = store.imports("boundaries:parks")
    assert imp["imported_by"].tolist() == ["张三"] and (store.path.parent / imp["stored_path"].iloc[0]).exists()


def test_drawn_park_validation(store, tmp_path, official):
    add_workstations(store, tmp_path, official[1])
    before = snapshot(store)
    far = {"type": "Polygon", "coordinates": [[[121.0, 32.0], [121.1, 32.0], [121.1, 32.1], [121.0, 32.0]]]}
    tiny = {
        "type": "Polygon",
        "coordinates": [[[120.26, 32.23], [120.2601, 32.23], [120.2601, 32.2301], [120.26, 32.23]]],
    }
    line = {"type": "LineString", "coordinates": [[120.26, 32.23], [120.27, 32.24]]}
    msgs = []
    for geom, code in ((far, "P02"), (tiny, "P02"), (line, "P02"), (far, "P09")):
        with pytest.raises(ImportRejected) as e:
            save_drawn_park(store, code, geom, "u")
        msgs.append(e.value.report.message)
    assert snapshot(store) == before
    assert msgs[0].startswith("所绘黄桥经济开发区范围有 ") and msgs[0].endswith(
        " 平方公里在泰兴市界之外（超出 1 公里以上），未保存"
    )
    assert msgs[1] == "所绘黄桥经济开发区范围只有 0.0001 平方公里，太小（至少 0.01 平方公里）"
    assert msgs[2] == "请用多边形或矩形工具绘制黄桥经济开发区的范围（收到的是 LineString）"
    assert msgs[3].startswith("没有编号为 'P09' 的园区（可选：P01 泰兴经济开发区、")
    # a self-intersecting drawing is repaired and counted
    bow = {
        "type": "Polygon",
        "coordinates": [[[120.25, 32.22], [120.28, 32.25], [120.28, 32.22], [120.25, 32.25], [120.25, 32.22]]],
    }
    rep = save_drawn_park(store, "P02", bow, "u")
    assert rep.repaired == [{"feature": 1, "name": "黄桥经济开发区", "reason": "自相交"}]
    assert store.layer("parks").set_index("code").geometry["P02"].is_valid


def test_a_park_outside_its_host_township_is_a_warning(store, tmp_path):
    path = parks_geojson(tmp_path, [("P01", "泰兴经济开发区", HQ)])  # P01's host is 滨江镇, drawn in 黄桥镇
    rep = check_boundaries("parks", path, store=store)
    assert rep.warnings == ["泰兴经济开发区的范围只有 0% 在其所在镇街滨江镇内，请核对位置"]


@pytest.mark.parametrize("answer", ["4549", "epsg 4549", "EPSG：4549"])
def test_the_epsg_answer_may_be_written_loosely(tmp_path, official, answer):
    shp = write_shp(tmp_path / "src", "乡镇界", xzq_frame(official[0]), prj=False)
    rep = check_boundaries("townships", shp, datum=answer)
    assert rep.crs_used == "EPSG:4549（CGCS2000 / 3-degree Gauss-Kruger CM 120E）"
