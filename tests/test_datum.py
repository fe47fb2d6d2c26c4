"""Datum conversions: GCJ-02 against prcoords, exact inverse, names, display and geometries."""

import warnings

import geopandas as gpd
import numpy as np
import prcoords
import pytest
import shapely
from pyproj import Geod

from txip_geo.areas import boundaries, datum

GEOD = Geod(ellps="WGS84")
# The city reference point (encyclopedia infobox, WGS-84).
REF_LON, REF_LAT = 120.029, 32.159


def _taixing_grid(n=41):
    lon, lat = np.meshgrid(np.linspace(119.9, 120.37, n), np.linspace(31.96, 32.39, n))
    return lon.ravel(), lat.ravel()


def _metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_forward_agrees_with_prcoords_around_taixing():
    lon, lat = _taixing_grid()
    glon, glat = datum.wgs84_to_gcj02(lon, lat)
    ref = np.array([prcoords.wgs_gcj((b, a)) for a, b in zip(lon, lat)])  # (lat, lon)
    assert np.max(np.abs(glon - ref[:, 1])) < 1e-6
    assert np.max(np.abs(glat - ref[:, 0])) < 1e-6


def test_inverse_agrees_with_prcoords_iterative_inverse():
    lon, lat = _taixing_grid()
    wlon, wlat = datum.gcj02_to_wgs84(lon, lat)
    ref = np.array([prcoords.gcj_wgs_bored((b, a)) for a, b in zip(lon, lat)])
    assert np.max(np.abs(wlon - ref[:, 1])) < 1e-6
    assert np.max(np.abs(wlat - ref[:, 0])) < 1e-6


def test_round_trip_wgs_gcj_wgs_is_exact_to_1e7_degrees():
    lon, lat = _taixing_grid()
    back_lon, back_lat = datum.gcj02_to_wgs84(*datum.wgs84_to_gcj02(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-7
    assert np.max(np.abs(back_lat - lat)) < 1e-7


def test_inverse_is_iterative_not_the_single_step_approximation():
    glon, glat = datum.wgs84_to_gcj02(REF_LON, REF_LAT)
    # the single-step approximation is off by about a metre
    one_step = prcoords.gcj_wgs((glat, glon))
    assert _metres(one_step.lon, one_step.lat, REF_LON, REF_LAT) > 0.1
    lon, lat = datum.gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, REF_LON, REF_LAT) < 0.01


def test_offset_at_taixing_is_about_500_m():
    glon, glat = datum.wgs84_to_gcj02(REF_LON, REF_LAT)
    assert 400 < _metres(REF_LON, REF_LAT, glon, glat) < 600
    lon, lat = _taixing_grid(9)
    d = _metres(lon, lat, *datum.wgs84_to_gcj02(lon, lat))
    assert np.all((d > 400) & (d < 600))


def test_points_outside_china_are_unchanged_and_nan_passes_through():
    lon = np.array([2.3522, 139.6917, -74.006, np.nan])  # Paris, Tokyo, New York, missing
    lat = np.array([48.8566, 35.6895, 40.7128, 32.0])
    for fn in (datum.wgs84_to_gcj02, datum.gcj02_to_wgs84):
        out_lon, out_lat = fn(lon, lat)
        np.testing.assert_array_equal(out_lon[:3], lon[:3])
        np.testing.assert_array_equal(out_lat[:3], lat[:3])
        assert np.isnan(out_lon[3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert prcoords.wgs_gcj((48.8566, 2.3522)) == (48.8566, 2.3522)


def test_scalars_give_floats_and_arrays_keep_their_shape():
    lon, lat = datum.wgs84_to_gcj02(REF_LON, REF_LAT)
    assert isinstance(lon, float) and isinstance(lat, float)
    grid_lon, grid_lat = np.meshgrid(np.linspace(120, 120.2, 3), np.linspace(32, 32.2, 4))
    out_lon, out_lat = datum.gcj02_to_wgs84(grid_lon, grid_lat)
    assert out_lon.shape == out_lat.shape == (4, 3)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("wgs84", "WGS84"),
        ("WGS-84", "WGS84"),
        ("EPSG:4326", "WGS84"),
        (" WGS 84 ", "WGS84"),
        ("CGCS2000", "CGCS2000"),
        ("EPSG:4490", "CGCS2000"),
        ("2000国家大地坐标系", "CGCS2000"),
        ("gcj02", "GCJ02"),
        ("GCJ-02", "GCJ02"),
        ("火星坐标", "GCJ02"),
        ("国测局", "GCJ02"),
        ("高德", "GCJ02"),
        ("amap", "GCJ02"),
        ("tencent", "GCJ02"),
        ("腾讯", "GCJ02"),
        ("tencent/腾讯", "GCJ02"),
        ("ＧＣＪ－０２", "GCJ02"),
        ("GCJ-02（高德）", "GCJ02"),
    ],
)
def test_normalise_datum_accepts_common_spellings(text, expected):
    assert datum.normalise_datum(text) == expected


@pytest.mark.parametrize("text", ["百度", "BD-09", "bd09ll", "Baidu", "百度地图"])
def test_baidu_is_rejected_with_a_clear_chinese_message(text):
    with pytest.raises(ValueError, match="百度") as err:
        datum.normalise_datum(text)
    assert "BD-09" in str(err.value)


@pytest.mark.parametrize("text", ["foo", "EPSG:4549", "WGS84/GCJ02", "", None, 4326])
def test_unknown_datum_raises_in_chinese(text):
    with pytest.raises(ValueError, match="坐标系"):
        datum.normalise_datum(text)


def test_display_datum_is_wgs84_and_cgcs2000_is_not_shifted():
    assert datum.DISPLAY_DATUM == "WGS84"
    lon, lat = datum.to_display([REF_LON], [REF_LAT], "CGCS2000")
    assert isinstance(lon, np.ndarray)
    assert lon[0] == REF_LON and lat[0] == REF_LAT


def test_to_display_converts_gcj02_both_ways():
    glon, glat = datum.wgs84_to_gcj02(REF_LON, REF_LAT)
    lon, lat = datum.to_display(np.array([glon]), np.array([glat]), "高德")
    assert abs(lon[0] - REF_LON) < 1e-9 and abs(lat[0] - REF_LAT) < 1e-9
    lon, lat = datum.to_display([REF_LON], [REF_LAT], "WGS84", display="GCJ-02")
    assert abs(lon[0] - glon) < 1e-12 and abs(lat[0] - glat) < 1e-12


def test_transform_geometry_on_a_geometry_and_a_geoseries():
    poly = shapely.box(120.0, 32.1, 120.1, 32.2)
    moved = datum.transform_geometry(poly, "WGS84", "GCJ02")
    assert moved.geom_type == "Polygon"
    assert abs(moved.bounds[0] - datum.wgs84_to_gcj02(120.0, 32.1)[0]) < 1e-12
    back = datum.transform_geometry(moved, "GCJ02", "WGS84")
    assert shapely.hausdorff_distance(back, poly) < 1e-9

    series = gpd.GeoSeries([poly, shapely.Point(120.05, 32.15, 7.0)], index=["a", "b"], crs=4326)
    gcj = datum.transform_geometry(series, "WGS84", "火星坐标")
    assert list(gcj.index) == ["a", "b"] and gcj.crs is None
    assert gcj.iloc[1].has_z and gcj.iloc[1].z == 7.0
    wgs = datum.transform_geometry(gcj, "GCJ02", "WGS84")
    assert wgs.crs.to_epsg() == 4326
    assert shapely.hausdorff_distance(wgs.iloc[0], poly) < 1e-9
    same = datum.transform_geometry(series, "WGS84", "CGCS2000")
    assert same.crs.to_epsg() == 4490 and same.iloc[0].equals(poly)


def test_known_point_in_wgs84_and_gcj02_lands_in_the_same_place_and_township():
    # the same point as a GPS would give it and as AMap's picker would (6 decimals)
    ref = prcoords.wgs_gcj((REF_LAT, REF_LON))
    g_lon, g_lat = round(ref.lon, 6), round(ref.lat, 6)
    lon_w, lat_w = datum.to_display([REF_LON], [REF_LAT], "WGS84")
    lon_g, lat_g = datum.to_display([g_lon], [g_lat], "GCJ02")
    assert _metres(lon_w[0], lat_w[0], lon_g[0], lat_g[0]) < 0.5

    townships = boundaries.bundled_townships()
    code_w = boundaries.locate_points(lon_w, lat_w, townships)[0]
    code_g = boundaries.locate_points(lon_g, lat_g, townships)[0]
    assert code_w is not None and code_w == code_g
    # without conversion the GCJ-02 point would sit ~500 m away
    assert _metres(REF_LON, REF_LAT, g_lon, g_lat) > 400
    # locate_points can do the conversion itself
    assert boundaries.locate_points(g_lon, g_lat, townships, datum="GCJ-02") == code_w
