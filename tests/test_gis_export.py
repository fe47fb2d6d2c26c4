"""GIS layers of baseline, current and change (render/gis.py): a GeoPackage and a zipped shapefile, read back with
pyogrio/geopandas and with plain tools (zipfile, the DBF header with struct, sqlite3), against a fixture comparison.

The fixture is a long table in the contract of figures.baseline.Comparison.areas (one row per layer, code, metric);
every expected value is recomputed from it, not written down."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import struct
import subprocess
import zipfile
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest

from txip_geo.figures.compute import METRICS
from txip_geo.render import gis

BASELINE, CURRENT = "2023-12-31", "2025-06-30"
RATES = {m for m, (_, unit) in METRICS.items() if unit == "%"}
NO_BASELINE = "invention_per_10k"  # a metric with no value at the baseline anywhere


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A fresh store: the bundled schematic township and park layers, no records."""
    from txip_geo.store.database import Store

    return Store(tmp_path_factory.mktemp("gis") / "t.sqlite")


@pytest.fixture(scope="module")
def boundary_layers(store):
    return store.layer("townships"), store.layer("parks")


def value(i: int, j: int, period: str, metric: str) -> float:
    """A fixture value: whole for counts, fractional for rates; 0 occurs (and must stay 0)."""
    base = float((i * 7 + j * 3) % 11)
    now = base + (i % 4)
    if metric in RATES:
        base, now = base * 8.25 + 0.125, now * 8.25 + 0.5
    return base if period == "baseline" else now


def long_table(townships, parks, metrics=None) -> pd.DataFrame:
    """The comparison's long table for the given layers; NO_BASELINE has no baseline (method 'none'); the last
    park has no current value of 'patents'."""
    rows = []
    metrics = list(METRICS) if metrics is None else metrics
    for layer, gdf in (("units", townships), ("parks", parks)):
        for i, (code, name) in enumerate(zip(gdf["code"], gdf["name"])):
            for j, m in enumerate(metrics):
                label, unit = METRICS[m]
                b = None if m == NO_BASELINE else value(i, j, "baseline", m)
                c = value(i, j, "current", m)
                if layer == "parks" and i == len(gdf) - 1 and m == "patents":
                    c = None
                change = None if b is None or c is None else c - b
                method = "none" if b is None else "derived" if m == "invention_patents_valid" else "snapshot"
                rows.append(
                    {
                        "layer": layer,
                        "code": code,
                        "name": name,
                        "metric": m,
                        "label": label,
                        "unit": unit,
                        "baseline": b,
                        "current": c,
                        "change": change,
                        "rank_then": None if b is None else i + 1,
                        "rank_now": len(gdf) - i,
                        "baseline_method": method,
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def areas(boundary_layers):
    return long_table(*boundary_layers)


@pytest.fixture(scope="module")
def package(areas, boundary_layers):
    return gis.build_package(areas, *boundary_layers, BASELINE, CURRENT, is_sample=True)


@pytest.fixture(scope="module")
def shp_zip(package):
    return gis.write_shp_zip(package)


@pytest.fixture(scope="module")
def gpkg_path(package, tmp_path_factory):
    path = tmp_path_factory.mktemp("gpkg") / "layers.gpkg"
    path.write_bytes(gis.write_gpkg(package))
    return path


@pytest.fixture(scope="module")
def shp_dir(shp_zip, tmp_path_factory):
    out = tmp_path_factory.mktemp("shp")
    zipfile.ZipFile(io.BytesIO(shp_zip)).extractall(out)
    return out


def expected(areas: pd.DataFrame, layer: str):
    """(code, field) -> value for every metric field of a layer of the fixture."""
    out = {}
    for r in areas[areas["layer"] == layer].to_dict("records"):
        for p, col in gis.PERIODS.items():
            out[(r["code"], gis.field_name(r["metric"], p))] = r[col]
    return out


def assert_values(frame: pd.DataFrame, areas: pd.DataFrame, layer: str) -> None:
    got = frame.set_index(frame["CODE"].astype(str))
    checked = nulls = 0
    for (code, name), want in expected(areas, layer).items():
        have = got.at[code, name]
        if want is None or (isinstance(want, float) and np.isnan(want)):
            assert pd.isna(have), f"{layer} {code} {name}: null became {have!r}"
            nulls += 1
        else:
            assert not pd.isna(have), f"{layer} {code} {name}: {want} became null"
            assert float(have) == pytest.approx(want, abs=1e-9), f"{layer} {code} {name}"
        checked += 1
    assert checked and nulls


# -- field names ----------------------------------------------------------------------------------------------------


def test_every_metric_has_a_short_unique_ascii_field_name():
    codes = gis.metric_fields()
    assert set(METRICS) <= set(codes), f"no code in data/gis_fields.toml for {set(METRICS) - set(codes)}"
    names = list(gis.FIXED)
    for m in METRICS:
        assert re.fullmatch(r"[A-Z][A-Z0-9]{1,5}", codes[m].code)
        names += [gis.field_name(m, p) for p in (*gis.PERIODS, *gis.RANK_PERIODS)]
    assert len(names) == len(set(names))
    assert all(n.isascii() and len(n.encode()) <= 10 for n in names)
    assert gis.field_name("invention_patents_valid", "B") == "INV_B"


def test_a_metric_without_a_code_and_duplicate_rows_are_refused(areas, boundary_layers):
    bad = pd.concat([areas, areas.iloc[[0]]])
    with pytest.raises(ValueError, match="重复.*" + areas.iloc[0]["metric"]):
        gis.area_layers(bad, *boundary_layers, BASELINE, CURRENT)
    with pytest.raises(ValueError, match="new_metric.*gis_fields.toml"):
        gis.area_layers(areas, *boundary_layers, BASELINE, CURRENT, metrics=["patents", "new_metric"])
    with pytest.raises(ValueError, match="gpkg 或 shp"):
        gis.gis_export(SimpleNamespace(), None, "kml")


# -- the wide layers ------------------------------------------------------------------------------------------------


def test_area_layers_are_wide_in_cgcs2000_with_nulls_kept(areas, boundary_layers, package):
    townships, parks = boundary_layers
    layers = package.layers
    assert set(layers) == {"townships", "parks"}
    assert list(layers["townships"]["CODE"]) == sorted(townships["code"]) and len(layers["townships"]) == 17
    assert list(layers["parks"]["CODE"]) == sorted(parks["code"])
    for name, gdf in layers.items():
        assert gdf.crs.to_epsg() == 4490
        assert len(gdf.columns) - 1 == len(gis.FIXED) + 3 * len(METRICS) < 255
        assert_values(gdf, areas, gis.SOURCE_LAYER[name])
        assert set(gdf["BASE_DT"]) == {BASELINE} and set(gdf["CUR_DT"]) == {CURRENT}
    # the metric missing at the baseline is null everywhere (base and change), never 0; a true 0 stays 0
    t = layers["townships"]
    assert t["INV10K_B"].isna().all() and t["INV10K_D"].isna().all() and t["INV10K_C"].notna().all()
    assert (t["PAT_B"] == 0).any()
    # names as in the boundary layer; coordinates unchanged (CGCS2000 = WGS-84 to the centimetre)
    src = townships.set_index("code")
    assert list(t["NAME"]) == [src.at[c, "name"] for c in t["CODE"]]
    assert all(src.at[c, "geometry"].equals(g) for c, g in zip(t["CODE"], t.geometry))
    assert set(t["LAYER"]) == {"镇街"} and set(layers["parks"]["LAYER"]) == {"园区"}


def test_counts_are_whole_number_fields_and_a_fraction_is_never_rounded(areas, boundary_layers):
    layers = gis.area_layers(areas, *boundary_layers, BASELINE, CURRENT)
    assert str(layers["townships"]["PAT_B"].dtype) == "Int32"
    assert layers["townships"]["ENFR_C"].dtype == float
    odd = areas.copy()
    hit = (odd["metric"] == "trademarks") & (odd["layer"] == "units")
    odd.loc[hit.idxmax(), "current"] = 2.5
    layers = gis.area_layers(odd, *boundary_layers, BASELINE, CURRENT)
    assert layers["townships"]["TM_C"].dtype == float and 2.5 in set(layers["townships"]["TM_C"])


def test_ranks_are_optional_fields(areas, boundary_layers):
    layers = gis.area_layers(areas, *boundary_layers, BASELINE, CURRENT, metrics=["patents", NO_BASELINE], ranks=True)
    t = layers["townships"]
    assert [c for c in t.columns if c.startswith("PAT_")] == ["PAT_B", "PAT_C", "PAT_D", "PAT_RB", "PAT_RC"]
    rows = areas[(areas["layer"] == "units") & (areas["metric"] == "patents")].set_index("code")
    assert list(t["PAT_RC"]) == [rows.at[c, "rank_now"] for c in t["CODE"]]
    assert t["INV10K_RB"].isna().all()
    fields = gis.field_list(areas, BASELINE, CURRENT, ["patents"], ranks=True)
    assert list(fields["字段"])[-2:] == ["PAT_RB", "PAT_RC"]


# -- the zipped shapefile, with plain tools ---------------------------------------------------------------------------


def dbf_header(data: bytes) -> tuple[int, list[tuple[str, str, int, int]]]:
    """(record count, [(name, type, length, decimals)]) of a dBASE III file, read with struct."""
    count, header_len, _ = struct.unpack("<IHH", data[4:12])
    fields = []
    for off in range(32, header_len - 1, 32):
        raw = data[off : off + 32]
        name = raw[:11].split(b"\0")[0]
        fields.append((name.decode("ascii"), chr(raw[11]), raw[16], raw[17]))
    return count, fields


def dbf_cell(data: bytes, row: int, field: str) -> bytes:
    _, header_len, record_len = struct.unpack("<IHH", data[4:12])
    _, fields = dbf_header(data)
    off = header_len + row * record_len + 1  # the deletion flag
    for name, _, length, _ in fields:
        if name == field:
            return data[off : off + length]
        off += length
    raise KeyError(field)


def test_shapefile_zip_members_cpg_prj_and_dbf_header(shp_zip, package):
    z = zipfile.ZipFile(io.BytesIO(shp_zip))
    names = z.namelist()
    assert sorted(names) == sorted(
        [f"{layer}{ext}" for layer in ("townships", "parks") for ext in gis.SHAPEFILE_PARTS]
        + ["field_list.csv", "README.txt"]
    )
    assert all(n.isascii() for n in names)
    for layer, n in (("townships", 17), ("parks", len(package.layers["parks"]))):
        assert z.read(f"{layer}.cpg").decode("ascii").strip() == "UTF-8"
        prj = z.read(f"{layer}.prj").decode("ascii")
        assert prj.startswith("GEOGCS[") and "China_Geodetic_Coordinate_System_2000" in prj and "CGCS2000" in prj
        assert pyproj.CRS.from_wkt(prj).to_epsg(min_confidence=70) == 4490
        dbf = z.read(f"{layer}.dbf")
        count, fields = dbf_header(dbf)
        assert count == n
        assert all(len(name.encode()) <= 10 for name, *_ in fields)
        assert [f[0] for f in fields] == [c for c in package.layers[layer].columns if c != "geometry"]
        kinds = {name: (kind, dec) for name, kind, _, dec in fields}
        assert kinds["PAT_B"] == ("N", 0) and kinds["ENFR_D"][0] == "N" and kinds["ENFR_D"][1] > 0
        assert kinds["NAME"][0] == "C"
        # a null is no number (GDAL writes it as '*'s, read back as null), never 0
        assert not re.search(rb"[0-9]", dbf_cell(dbf, 0, "INV10K_B"))
    last = len(package.layers["parks"]) - 1
    assert not re.search(rb"[0-9]", dbf_cell(z.read("parks.dbf"), last, "PAT_C"))
    assert (
        dbf_cell(z.read("parks.dbf"), last, "PAT_B").strip()
        == str(int(package.layers["parks"]["PAT_B"].iloc[-1])).encode()
    )
    tw = z.read("townships.dbf")
    assert "济川街道".encode() in tw  # UTF-8, as the .cpg says


def test_shapefile_reads_back_with_pyogrio(shp_dir, areas, package):
    for layer in ("townships", "parks"):
        info = pyogrio.read_info(shp_dir / f"{layer}.shp")
        assert info["crs"] == "EPSG:4490" and info["encoding"] == "UTF-8"
        back = pyogrio.read_dataframe(shp_dir / f"{layer}.shp")
        assert list(back["NAME"]) == list(package.layers[layer]["NAME"])  # Chinese names round-trip
        assert_values(back, areas, gis.SOURCE_LAYER[layer])
    parks = pyogrio.read_dataframe(shp_dir / "parks.shp").set_index("CODE")
    last = package.layers["parks"]["CODE"].iloc[-1]
    assert pd.isna(parks.at[last, "PAT_C"]) and pd.isna(parks.at[last, "PAT_D"])


def test_field_list_csv_explains_every_field(shp_zip, package):
    z = zipfile.ZipFile(io.BytesIO(shp_zip))
    raw = z.read("field_list.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    fields = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(fields.columns[:6]) == ["字段", "含义", "指标", "期别", "日期", "单位"]
    _, dbf_fields = dbf_header(z.read("townships.dbf"))
    assert list(fields["字段"]) == [f[0] for f in dbf_fields]
    row = fields.set_index("字段")
    label, unit = METRICS["invention_patents_valid"]
    assert row.at["INV_B", "含义"] == f"{label}（基期）" and row.at["INV_B", "日期"] == BASELINE
    assert row.at["INV_C", "日期"] == CURRENT and row.at["INV_C", "单位"] == unit
    assert BASELINE in row.at["INV_D", "日期"] and CURRENT in row.at["INV_D", "日期"]
    assert "推算" in row.at["INV_B", "基期取得方式"] and "快照" in row.at["PAT_B", "基期取得方式"]
    assert row.at["INV10K_B", "基期取得方式"] == "无基期数据"
    assert row.at["ENFR_D", "单位"] == "个百分点" and row.at["ENFR_C", "单位"] == "%"
    assert all(row.loc[f, "含义"] for f in gis.FIXED)


def test_readme_says_source_dates_crs_and_notices(shp_zip):
    text = zipfile.ZipFile(io.BytesIO(shp_zip)).read("README.txt").decode("utf-8-sig")
    for words in ("样例数据", "示意边界", BASELINE, CURRENT, "CGCS2000", "EPSG:4490", "field_list.csv", "不是 0"):
        assert words in text
    assert "镇街，17 个要素" in text and "内部资料" in text


# -- the GeoPackage ------------------------------------------------------------------------------------------------


def test_gpkg_tables_with_sqlite(gpkg_path):
    con = sqlite3.connect(gpkg_path)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        contents = {r[0]: (r[1], r[2]) for r in con.execute("SELECT table_name, data_type, srs_id FROM gpkg_contents")}
        assert contents["townships"] == ("features", 4490) and contents["parks"] == ("features", 4490)
        assert contents["field_list"][0] == "attributes" and contents["readme"][0] == "attributes"
        srs = con.execute("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id=4490")
        assert srs.fetchone() == ("EPSG", 4490)
    finally:
        con.close()


def test_gpkg_reads_back_like_the_shapefile(gpkg_path, shp_dir, areas, package):
    assert {name for name, _ in pyogrio.list_layers(gpkg_path)} == {"townships", "parks", "field_list", "readme"}
    for layer in ("townships", "parks"):
        back = pyogrio.read_dataframe(gpkg_path, layer=layer)
        shp = pyogrio.read_dataframe(shp_dir / f"{layer}.shp")
        assert list(back.columns) == list(shp.columns)  # the same short names in both files
        assert back.crs.to_epsg() == 4490
        assert list(back["NAME"]) == list(package.layers[layer]["NAME"])
        assert_values(back, areas, gis.SOURCE_LAYER[layer])
        assert back.geometry.notna().all()
    fields = pyogrio.read_dataframe(gpkg_path, layer="field_list", read_geometry=False)
    assert list(fields["字段"]) == list(package.fields["字段"])
    readme = pyogrio.read_dataframe(gpkg_path, layer="readme", read_geometry=False)
    text = "\n".join(readme["说明"])
    assert "样例数据" in text and "EPSG:4490" in text and "field_list" in text


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_gpkg_opens_with_ogrinfo(gpkg_path):
    out = subprocess.run(["ogrinfo", "-ro", "-so", str(gpkg_path), "townships"], capture_output=True, text=True)
    assert out.returncode == 0 and "Feature Count: 17" in out.stdout and "4490" in out.stdout


# -- degenerate cases -----------------------------------------------------------------------------------------------


def test_an_empty_comparison_still_gives_17_townships(boundary_layers):
    empty = pd.DataFrame(columns=["layer", "code", "name", "metric", "baseline", "current", "change"])
    pkg = gis.build_package(empty, *boundary_layers, BASELINE, None)
    t = pkg.layers["townships"]
    assert len(t) == 17 and list(t.columns) == [*gis.FIXED, "geometry"]
    assert set(t["CUR_DT"]) == {"无数据"}
    z = zipfile.ZipFile(io.BytesIO(gis.write_shp_zip(pkg)))
    assert dbf_header(z.read("townships.dbf"))[0] == 17
    assert len(gis.write_gpkg(pkg)) > 0


def test_a_park_without_a_boundary_keeps_its_figures(areas, boundary_layers, tmp_path):
    townships, parks = boundary_layers
    pkg = gis.build_package(areas, townships, parks.iloc[:-1], BASELINE, CURRENT)
    p = pkg.layers["parks"].set_index("CODE")
    last = parks["code"].iloc[-1]
    assert p.at[last, "geometry"] is None and "无边界" in p.at[last, "NOTE"]
    assert p.at[last, "NAME"] == parks["name"].iloc[-1]
    z = zipfile.ZipFile(io.BytesIO(gis.write_shp_zip(pkg)))
    assert parks["name"].iloc[-1] in z.read("README.txt").decode("utf-8-sig")
    z.extractall(tmp_path)
    back = pyogrio.read_dataframe(tmp_path / "parks.shp").set_index("CODE")
    assert back.at[last, "geometry"] is None
    assert_values(back.reset_index(), areas, "parks")


def official(gdf):
    out = gdf.copy()
    out["official"] = 1
    out["source"] = "泰兴市自然资源和规划局 行政区划界线"
    return out


def test_notices_follow_sample_and_boundary_status(areas, boundary_layers):
    townships, parks = boundary_layers
    pkg = gis.build_package(areas, official(townships), official(parks), BASELINE, CURRENT, internal=False)
    text = "\n".join(gis.readme_lines(pkg, "shp"))
    assert "样例" not in text and "示意" not in text and "内部资料" not in text
    assert "正式边界" in text and "自然资源和规划局" in text
    assert set(pkg.layers["townships"]["NOTE"]) == {""}
    pkg = gis.build_package(areas, official(townships), parks, BASELINE, CURRENT, is_sample=True)
    text = "\n".join(gis.readme_lines(pkg, "shp"))
    assert "【示意边界】园区（镇街为正式边界）" in text and "样例数据" in text
    assert set(pkg.layers["townships"]["NOTE"]) == {"样例数据"}
    assert set(pkg.layers["parks"]["NOTE"]) == {"样例数据；示意边界"}


# -- the one entry point ----------------------------------------------------------------------------------------------


def comparison(areas, sample=True):
    return SimpleNamespace(areas=areas, baseline=BASELINE, current=CURRENT, now=SimpleNamespace(is_sample=sample))


def test_gis_export_from_a_comparison_and_the_store(areas, store, tmp_path):
    comp = comparison(areas)
    z = zipfile.ZipFile(io.BytesIO(gis.gis_export(comp, store, "shp")))
    text = z.read("README.txt").decode("utf-8-sig")
    assert store.boundaries_status("townships") == "schematic"
    assert "【示意边界】镇街、园区" in text and "样例数据" in text
    path = tmp_path / "x.gpkg"
    path.write_bytes(gis.gis_export(comp, store, "gpkg"))
    back = pyogrio.read_dataframe(path, layer="townships")
    assert len(back) == 17
    assert_values(back, areas, "units")
    assert gis.file_name("shp", comp) == f"泰兴市知识产权图层_{BASELINE}_{CURRENT}_shp.zip"
    assert gis.file_name("gpkg", comp).endswith(".gpkg")
