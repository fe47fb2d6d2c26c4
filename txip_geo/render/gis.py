"""GIS layers of the per-township and per-park figures at the baseline and now (issue #17, item 6): a GeoPackage and a
zipped shapefile that the 自然资源和规划局 or the province open as they are (QGIS, ArcGIS, GDAL).

Both hold two polygon layers, `townships` (the 17 units) and `parks`, one feature per area, with the same attributes:
LAYER, CODE, NAME, BASE_DT, CUR_DT, NOTE and, for every metric, its baseline (`_B`), current (`_C`) and change (`_D`)
value -- `INV_B`, `INV_C`, `INV_D` for 有效发明专利. The short ASCII codes come from `data/gis_fields.toml` (a DBF
allows 10 bytes a field name; codes are fixed there, never truncated from the key). The field list (`field_list.csv`
in the zip, the table `field_list` in the GeoPackage) explains every field: its Chinese meaning with the metric's label,
基期/当前/变化, date, unit and how the baseline was obtained; `README.txt` (the table `readme`) gives the source, dates,
CRS and the 样例数据 / 示意边界 notices where they apply. File names in the zip are ASCII (a zip's non-ASCII names are
garbled by tools that read them as GBK).

CRS: CGCS2000 geographic (EPSG:4490), the province's standard. The store keeps boundaries in WGS-84; CGCS2000 and
WGS-84 differ by centimetres (docs/data-model.md), so coordinates are written unchanged and labelled EPSG:4490. The
`.prj` is the ESRI flavour of the WKT (what ArcGIS reads), the `.cpg` says UTF-8.

Missing values stay null, never 0: a blank DBF number reads back as null in GDAL, QGIS and ArcGIS. Counts are written
as whole-number fields (a value that is not whole turns the metric's fields to real numbers: nothing is rounded).

Input: the comparison's long table (`figures.baseline.compare(...).areas`: one row per layer 'units' | 'parks', code,
metric, with name, label, unit, baseline, current, change, rank_then, rank_now, baseline_method).
"""

from __future__ import annotations

import io
import re
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj

from txip_geo.figures.baseline import METHOD_ORDER
from txip_geo.figures.compute import METRICS
from txip_geo.paths import DATA_DIR
from txip_geo.strings import t

CRS = "EPSG:4490"
LAYERS = ("townships", "parks")
# The comparison's name for each output layer.
SOURCE_LAYER = {"townships": "units", "parks": "parks"}
# A metric's fields: suffix -> the long table's column.
PERIODS = {"B": "baseline", "C": "current", "D": "change"}
RANK_PERIODS = {"RB": "rank_then", "RC": "rank_now"}
FIXED = ("LAYER", "CODE", "NAME", "BASE_DT", "CUR_DT", "NOTE")
FORMATS = {"gpkg": "application/geopackage+sqlite3", "shp": "application/zip"}
FIELD_LIST = "field_list"
README = "readme"
ZIP_FIELD_LIST = "field_list.csv"
ZIP_README = "README.txt"
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# Whole-number fields are 32-bit (a DBF N(9,0)/N(10,0), read as Long by ArcGIS); a count beyond this (none is near it)
# makes the metric's fields real numbers.
INT_LIMIT = 10**8
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")


@dataclass(frozen=True)
class MetricField:
    code: str
    integer: bool


@lru_cache(maxsize=1)
def metric_fields() -> dict[str, MetricField]:
    """data/gis_fields.toml: metric key -> its short code and type, checked (2-6 capitals/digits, unique)."""
    with open(DATA_DIR / "gis_fields.toml", "rb") as f:
        table = tomllib.load(f)["metrics"]
    out: dict[str, MetricField] = {}
    taken = set(FIXED)
    for metric, entry in table.items():
        code, kind = entry.get("code", ""), entry.get("type")
        if not _CODE_RE.match(code) or code in taken or kind not in ("integer", "real"):
            raise ValueError(t("gis.bad_code", metric=metric, code=code))
        taken.add(code)
        out[metric] = MetricField(code, kind == "integer")
    return out


def field_name(metric: str, period: str) -> str:
    """The attribute of a metric for a period (B, C, D, RB, RC): `INV_B`."""
    fields = metric_fields()
    if metric not in fields:
        raise ValueError(t("gis.unknown_metric", metric=metric))
    return f"{fields[metric].code}_{period}"


def _periods(ranks: bool) -> list[str]:
    return [*PERIODS, *(RANK_PERIODS if ranks else ())]


@dataclass
class GisPackage:
    """What both files hold: the two layers, the field list, and what the readme says."""

    layers: dict[str, gpd.GeoDataFrame]
    fields: pd.DataFrame
    baseline: str
    current: str
    is_sample: bool
    boundaries: dict[str, str]  # layer -> 'official' | 'schematic'
    sources: dict[str, list[str]] = field(default_factory=dict)  # layer -> where its boundaries come from
    internal: bool = True


# -- the long table → wide layers -----------------------------------------------------------------------------------


def _select_metrics(areas_long: pd.DataFrame, metrics: list[str] | None) -> list[str]:
    """The metrics to write: those asked for, else those in the table (in METRICS order); each needs a code."""
    if metrics is None:
        present = set(areas_long["metric"]) if len(areas_long) else set()
        metrics = [m for m in METRICS if m in present] + sorted(present - set(METRICS))
    for m in metrics:
        field_name(m, "B")  # raises for a metric without a code
    return list(metrics)


def _check_unique(areas_long: pd.DataFrame) -> None:
    dup = areas_long.duplicated(["layer", "code", "metric"], keep=False)
    if dup.any():
        r = areas_long[dup].iloc[0]
        raise ValueError(t("gis.duplicate_rows", layer=r["layer"], code=r["code"], metric=r["metric"]))


def _long(areas_long: pd.DataFrame) -> pd.DataFrame:
    df = areas_long.copy()
    for col in ("layer", "code", "metric", "name"):
        if col not in df:
            df[col] = pd.Series(dtype=object)
    df["code"] = df["code"].astype(str)
    for col in (*PERIODS.values(), *RANK_PERIODS.values()):
        df[col] = pd.to_numeric(df[col], errors="raise") if col in df else np.nan
        df[col] = df[col].astype(float)
    _check_unique(df)
    return df


def _integer_metrics(df: pd.DataFrame, metrics: list[str]) -> set[str]:
    """Count metrics whose values (all periods, both layers) are whole numbers: written as whole-number fields."""
    fields = metric_fields()
    out = set()
    for m in metrics:
        vals = df.loc[df["metric"] == m, list(PERIODS.values())].to_numpy(dtype=float).ravel()
        vals = vals[~np.isnan(vals)]
        if fields[m].integer and np.all(vals == np.round(vals)) and np.all(np.abs(vals) < INT_LIMIT):
            out.add(m)
    return out


def _shapes(gdf: gpd.GeoDataFrame | None) -> gpd.GeoSeries:
    """The layer's polygons by code, labelled CGCS2000 (EPSG:4490) with WGS-84 coordinates unchanged."""
    if gdf is None or gdf.empty:
        return gpd.GeoSeries([], index=pd.Index([], dtype=object), crs=CRS)
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, 4490):
        gdf = gdf.to_crs(4326)
    return gpd.GeoSeries(gdf.geometry.to_numpy(), index=gdf["code"].astype(str).to_numpy(), crs=CRS)


def _status(gdf: gpd.GeoDataFrame | None, given: str | None) -> str:
    """'official' only when every feature is (the store's `official` column); unknown = schematic (notice shown)."""
    if given:
        return given
    if gdf is not None and len(gdf) and "official" in gdf and bool((gdf["official"] == 1).all()):
        return "official"
    return "schematic"


def _names(rows: pd.DataFrame, gdf: gpd.GeoDataFrame | None) -> dict[str, str]:
    names = {}
    if gdf is not None and len(gdf) and "name" in gdf:
        names.update(zip(gdf["code"].astype(str), gdf["name"].astype(str)))
    named = rows.dropna(subset=["name"])
    names.update(zip(named["code"], named["name"].astype(str)))
    return names


def _notes(status: str, is_sample: bool) -> list[str]:
    notes = [t("gis.note_sample")] if is_sample else []
    return notes + ([t("gis.note_schematic")] if status == "schematic" else [])


def _layer(
    layer: str,
    rows: pd.DataFrame,
    gdf: gpd.GeoDataFrame | None,
    metrics: list[str],
    integer: set[str],
    *,
    dates: tuple[str, str],
    notes: list[str],
    ranks: bool,
) -> gpd.GeoDataFrame:
    shapes = _shapes(gdf)
    codes = sorted(set(shapes.index) | set(rows["code"]))
    names = _names(rows, gdf)
    geometry = shapes.reindex(codes)
    out = pd.DataFrame(
        {
            "LAYER": t(f"gis.layer_{layer}"),
            "CODE": codes,
            "NAME": [names.get(c, "") for c in codes],
            "BASE_DT": dates[0],
            "CUR_DT": dates[1],
            "NOTE": [
                t("gis.note_sep").join(notes + ([t("gis.note_no_geometry")] if g is None else []))
                for g in geometry.to_numpy()
            ],
        },
        index=codes,
    )
    columns = {}
    for m in metrics:
        sub = rows[rows["metric"] == m].set_index("code")
        for p in _periods(ranks):
            col = {**PERIODS, **RANK_PERIODS}[p]
            values = sub[col].reindex(codes)
            whole = m in integer or p in RANK_PERIODS
            columns[field_name(m, p)] = values.round().astype("Int32") if whole else values.astype(float)
    out = pd.concat([out, pd.DataFrame(columns, index=codes)], axis=1)
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry=geometry.to_numpy(), crs=CRS)


def area_layers(
    areas_long: pd.DataFrame,
    townships: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame,
    baseline: str,
    current: str,
    metrics: list[str] | None = None,
    *,
    is_sample: bool = False,
    boundaries: dict[str, str] | None = None,
    ranks: bool = False,
) -> dict[str, gpd.GeoDataFrame]:
    """The wide layers 'townships' and 'parks' in CGCS2000: one feature per area (every feature of the boundary layer,
    and every area of the table; one without a boundary has an empty geometry and says so in NOTE), LAYER, CODE,
    NAME, BASE_DT, CUR_DT, NOTE and each metric's `_B`, `_C`, `_D` (with `ranks`, `_RB`, `_RC`). Missing = null."""
    df = _long(areas_long)
    metrics = _select_metrics(df, metrics)
    integer = _integer_metrics(df, metrics)
    dates = (baseline or t("gis.no_date"), current or t("gis.no_date"))
    boundaries = boundaries or {}
    out = {}
    for layer, gdf in (("townships", townships), ("parks", parks)):
        rows = df[df["layer"] == SOURCE_LAYER[layer]]
        notes = _notes(_status(gdf, boundaries.get(layer)), is_sample)
        out[layer] = _layer(layer, rows, gdf, metrics, integer, dates=dates, notes=notes, ranks=ranks)
    return out


# -- the field list ---------------------------------------------------------------------------------------------------


def _label_unit(df: pd.DataFrame, metric: str) -> tuple[str, str]:
    label, unit = METRICS.get(metric, (metric, ""))
    rows = df[df["metric"] == metric]
    for col in ("label", "unit"):
        if col in rows and rows[col].notna().any():
            value = str(rows[col].dropna().iloc[0])
            label, unit = (value, unit) if col == "label" else (label, value)
    return label, unit


def _method_text(df: pd.DataFrame, metric: str) -> str:
    """How the metric's baseline was obtained, over every area (several ways are listed, in a fixed order)."""
    if "baseline_method" not in df:
        return ""
    found = set(df.loc[df["metric"] == metric, "baseline_method"].dropna().astype(str))
    ordered = [m for m in METHOD_ORDER if m in found] + sorted(found - set(METHOD_ORDER))
    return t("gis.method_sep").join(t(f"gis.method_{m}") if m in METHOD_ORDER else m for m in ordered)


def _metric_rows(df: pd.DataFrame, metric: str, baseline: str, current: str, ranks: bool) -> list[dict]:
    label, unit = _label_unit(df, metric)
    method = _method_text(df, metric)
    dates = {"B": baseline, "C": current, "D": t("gis.change_dates", baseline=baseline, current=current)}
    dates |= {"RB": baseline, "RC": current}
    rows = []
    for p in _periods(ranks):
        note = t("gis.change_note") if p == "D" else t("gis.rank_note") if p in RANK_PERIODS else ""
        if metric == "has_office" and p in PERIODS:
            note = t("gis.has_office_note")
        p_unit = t("gis.unit_rank") if p in RANK_PERIODS else unit
        if p == "D" and unit == "%":
            p_unit = t("gis.unit_points")
        rows.append(
            {
                "field": field_name(metric, p),
                "meaning": t("gis.meaning", label=label, period=t(f"gis.period_{p}")),
                "metric": label,
                "period": t(f"gis.period_{p}"),
                "date": dates[p],
                "unit": p_unit,
                "method": method if p in ("B", "D", "RB") else "",
                "note": note,
                "key": metric,
            }
        )
    return rows


FIELD_LIST_COLUMNS = ("field", "meaning", "metric", "period", "date", "unit", "method", "note", "key")


def field_list(
    areas_long: pd.DataFrame, baseline: str, current: str, metrics: list[str] | None = None, *, ranks: bool = False
) -> pd.DataFrame:
    """One row per attribute of the layers, in their order, with Chinese column headers: 字段, 含义, 指标, 期别, 日期,
    单位, 基期取得方式, 备注, 指标代码."""
    df = _long(areas_long)
    baseline, current = baseline or t("gis.no_date"), current or t("gis.no_date")
    blank = dict.fromkeys(FIELD_LIST_COLUMNS, "")
    rows = [blank | {"field": f, "meaning": t(f"gis.field_{f}")} for f in FIXED]
    for m in _select_metrics(df, metrics):
        rows += _metric_rows(df, m, baseline, current, ranks)
    out = pd.DataFrame(rows, columns=list(FIELD_LIST_COLUMNS))
    return out.rename(columns={c: t(f"gis.col_{c}") for c in FIELD_LIST_COLUMNS})


# -- the package and its readme ---------------------------------------------------------------------------------------


def _sources(gdf: gpd.GeoDataFrame | None) -> list[str]:
    if gdf is None or gdf.empty or "source" not in gdf:
        return []
    return list(dict.fromkeys(s for s in gdf["source"].dropna().astype(str) if s.strip()))


def build_package(
    areas_long: pd.DataFrame,
    townships: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame,
    baseline: str,
    current: str,
    *,
    is_sample: bool = False,
    boundaries: dict[str, str] | None = None,
    metrics: list[str] | None = None,
    ranks: bool = False,
    internal: bool = True,
) -> GisPackage:
    """Layers, field list and readme facts for `write_gpkg` / `write_shp_zip`. `boundaries`: layer -> 'official' |
    'schematic' (Store.boundaries_status); by default read from the layers' `official` column."""
    given = {"townships": townships, "parks": parks}
    status = {layer: _status(given[layer], (boundaries or {}).get(layer)) for layer in LAYERS}
    layers = area_layers(
        areas_long, townships, parks, baseline, current, metrics, is_sample=is_sample, boundaries=status, ranks=ranks
    )
    return GisPackage(
        layers=layers,
        fields=field_list(areas_long, baseline, current, metrics, ranks=ranks),
        baseline=baseline or t("gis.no_date"),
        current=current or t("gis.no_date"),
        is_sample=is_sample,
        boundaries=status,
        sources={layer: _sources(given[layer]) for layer in LAYERS},
        internal=internal,
    )


def _boundary_line(pkg: GisPackage, layer: str) -> str:
    status = t(f"gis.boundary_{pkg.boundaries[layer]}")
    # An official layer names its files; a schematic one says it is schematic (its source says the same again).
    sources = (pkg.sources.get(layer) or []) if pkg.boundaries[layer] == "official" else []
    name = t(f"gis.layer_{layer}")
    if not sources:
        return t("gis.readme_boundary", layer=name, status=status)
    return t("gis.readme_boundary_source", layer=name, status=status, sources=t("gis.sources_sep").join(sources))


def readme_lines(pkg: GisPackage, fmt: str) -> list[str]:
    """What README.txt (the GeoPackage's table `readme`) says: title, notices, dates, files, CRS, nulls, source."""
    lines = [t("gis.title")]
    if pkg.internal:
        lines.append(t("gis.readme_internal"))
    if pkg.is_sample:
        lines.append(t("gis.readme_sample"))
    schematic = [layer for layer in LAYERS if pkg.boundaries[layer] == "schematic"]
    if schematic:
        what = "readme_schematic_parks" if schematic == ["parks"] else "readme_schematic_both"
        lines.append(t("gis.readme_schematic", what=t(f"gis.{what}")))
    lines.append(t("gis.readme_dates", baseline=pkg.baseline, current=pkg.current))
    counts = {f"n_{layer}": len(pkg.layers[layer]) for layer in LAYERS}
    lines.append(t(f"gis.readme_files_{fmt}", **counts))
    lines.append(t(f"gis.readme_fields_{fmt}"))
    lines.append(t("gis.readme_crs"))
    lines.append(t("gis.readme_nulls"))
    if fmt == "shp":
        lines.append(t("gis.readme_nulls_shp"))
    missing = [n for g in pkg.layers.values() for n, geom in zip(g["NAME"], g.geometry) if geom is None]
    if missing:
        lines.append(t("gis.readme_no_geometry", names=t("gis.names_sep").join(missing)))
    lines += [_boundary_line(pkg, layer) for layer in LAYERS]
    lines.append(t("gis.readme_source_sample" if pkg.is_sample else "gis.readme_source"))
    return lines


# -- writing ----------------------------------------------------------------------------------------------------------


def _write_layer(gdf: gpd.GeoDataFrame, path: Path, **kw) -> None:
    pyogrio.write_dataframe(gdf, path, geometry_type="MultiPolygon", promote_to_multi=True, **kw)


def write_gpkg(pkg: GisPackage) -> bytes:
    """One GeoPackage: layers `townships` and `parks` (CGCS2000), the tables `field_list` and `readme`."""
    notes = "\n".join(readme_lines(pkg, "gpkg"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layers.gpkg"
        for layer in LAYERS:
            identifier = t("gis.identifier", layer=t(f"gis.layer_{layer}"), baseline=pkg.baseline, current=pkg.current)
            options = {"IDENTIFIER": identifier, "DESCRIPTION": notes}
            _write_layer(pkg.layers[layer], path, layer=layer, driver="GPKG", layer_options=options)
        pyogrio.write_dataframe(
            pkg.fields, path, layer=FIELD_LIST, driver="GPKG", layer_options={"IDENTIFIER": t("gis.field_list_title")}
        )
        readme = pd.DataFrame({t("gis.readme_col"): readme_lines(pkg, "gpkg")})
        pyogrio.write_dataframe(
            readme, path, layer=README, driver="GPKG", layer_options={"IDENTIFIER": t("gis.readme_col")}
        )
        return path.read_bytes()


def esri_prj() -> str:
    """CGCS2000 geographic as ESRI WKT (GCS_China_Geodetic_Coordinate_System_2000): what ArcGIS reads in a .prj."""
    return pyproj.CRS.from_epsg(4490).to_wkt("WKT1_ESRI")


def _text_bytes(lines: list[str]) -> bytes:
    """UTF-8 with BOM and CRLF: Notepad and Excel on a Chinese Windows read it right."""
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def write_shp_zip(pkg: GisPackage) -> bytes:
    """A zip of townships.shp/.shx/.dbf/.prj/.cpg, parks.*, field_list.csv (UTF-8 with BOM) and README.txt."""
    members: list[tuple[str, bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for layer in LAYERS:
            _write_layer(pkg.layers[layer], Path(tmp) / f"{layer}.shp", driver="ESRI Shapefile", encoding="UTF-8")
            (Path(tmp) / f"{layer}.prj").write_text(esri_prj(), encoding="ascii")
            (Path(tmp) / f"{layer}.cpg").write_text("UTF-8", encoding="ascii")
            members += [(f"{layer}{ext}", (Path(tmp) / f"{layer}{ext}").read_bytes()) for ext in SHAPEFILE_PARTS]
    csv = pkg.fields.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    members += [(ZIP_FIELD_LIST, csv), (ZIP_README, _text_bytes(readme_lines(pkg, "shp")))]
    buf = io.BytesIO()
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# -- one entry point --------------------------------------------------------------------------------------------------


def gis_export(comparison, store, fmt: str, *, internal: bool = True) -> bytes:
    """The GIS layers of a baseline comparison (figures.baseline.Comparison: .areas, .baseline, .current,
    .now.is_sample) with the store's boundaries, as a GeoPackage (`fmt='gpkg'`) or a zipped shapefile ('shp')."""
    if fmt not in FORMATS:
        raise ValueError(t("gis.bad_format", fmt=fmt))
    pkg = build_package(
        comparison.areas,
        store.layer("townships"),
        store.layer("parks"),
        comparison.baseline,
        comparison.current,
        is_sample=bool(comparison.now.is_sample),
        boundaries={layer: store.boundaries_status(layer) for layer in LAYERS},
        internal=internal,
    )
    return write_gpkg(pkg) if fmt == "gpkg" else write_shp_zip(pkg)


def file_name(fmt: str, comparison) -> str:
    """泰兴市知识产权图层_{baseline}_{current}.gpkg / …_shp.zip."""
    if fmt not in FORMATS:
        raise ValueError(t("gis.bad_format", fmt=fmt))
    return t(f"gis.file_{fmt}", baseline=comparison.baseline or "", current=comparison.current or "")
