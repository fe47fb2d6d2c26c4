"""Importing official township or park boundaries: read, convert datum, match features to units, check, store."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from . import boundaries
from .gazetteer import load_gazetteer
from .importer import ImportRejected, ImportReport

CODE_FIELDS = ("xzqdm", "code", "区划代码", "代码", "adcode", "gb", "xzqhdm")
NAME_FIELDS = ("xzqmc", "name", "名称", "镇街", "乡镇", "xzqhmc", "园区", "园区名称")
MAX_OUTSIDE_KM = 5.0  # a feature whose centroid lies farther than this from the county outline is rejected


def _reject(report: ImportReport, msg: str) -> ImportRejected:
    report.status, report.message = "rejected", msg
    return ImportRejected(report)


def read_boundary_file(path: Path, datum: str | None, report: ImportReport) -> gpd.GeoDataFrame:
    p = Path(path)
    src = str(p)
    if p.suffix.lower() == ".zip":
        with zipfile.ZipFile(p) as z:
            names = [n for n in z.namelist() if n.lower().endswith((".shp", ".gpkg", ".geojson", ".json", ".kml"))]
        if not names:
            raise _reject(report, f"压缩包 {p.name} 中没有 .shp/.gpkg/.geojson/.kml 文件")
        src = f"zip://{p}!{names[0]}"
    try:
        import pyogrio

        info = pyogrio.read_info(src)
    except Exception as e:  # noqa: BLE001
        raise _reject(report, f"无法读取边界文件 {p.name}：{e}") from None
    if not info.get("crs") and not datum:
        raise _reject(report, f"边界文件 {p.name} 没有坐标系信息。请指明它的坐标系（WGS84、CGCS2000 或 GCJ02），"
                              f"例如：import boundaries {p.name} --datum CGCS2000")
    try:
        return boundaries.read_layer(src, datum=datum)
    except ValueError as e:
        raise _reject(report, f"边界文件 {p.name}：{e}") from None


def _find_col(gdf: gpd.GeoDataFrame, candidates) -> str | None:
    low = {c.lower(): c for c in gdf.columns if c != "geometry"}
    for c in candidates:
        if c in low:
            return low[c]
    return None


def match_features(gdf: gpd.GeoDataFrame, layer: str, report: ImportReport) -> gpd.GeoDataFrame:
    """Attach `code` and `name` of our units (or parks) to each feature; dissolve multiple parts of one unit."""
    gaz = load_gazetteer()
    code_col, name_col = _find_col(gdf, CODE_FIELDS), _find_col(gdf, NAME_FIELDS)
    if code_col is None and name_col is None:
        raise _reject(report, f"边界文件中找不到代码或名称字段（如 XZQDM、XZQMC）；文件的字段：{'、'.join(c for c in gdf.columns if c != 'geometry')}")
    codes, problems = [], []
    for i, row in enumerate(gdf.itertuples(index=False), start=1):
        found = ""
        if code_col is not None:
            raw = re.sub(r"\D", "", str(getattr(row, code_col) or ""))
            for cand in (raw[:9], raw):
                kind, code = gaz.resolve_area(cand) if cand else ("", "")
                if kind == ("unit" if layer == "townships" else "park"):
                    found = code
                    break
        if not found and name_col is not None:
            kind, code = gaz.resolve_area(str(getattr(row, name_col) or ""))
            if kind == ("unit" if layer == "townships" else "park"):
                found = code
        if not found:
            label = " / ".join(str(getattr(row, c)) for c in (code_col, name_col) if c)
            problems.append(f"第 {i} 个要素（{label}）不是泰兴市的{'镇街' if layer == 'townships' else '园区'}")
        codes.append(found)
    gdf = gdf.assign(code=codes)
    if problems:
        raise _reject(report, "边界文件中有无法对应的要素：\n" + "\n".join(problems[:20]))
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    gdf = gdf.dissolve(by="code", as_index=False)[["code", "geometry"]]
    gdf["name"] = gdf["code"].map(gaz.name_of)
    expected = set(gaz.codes) if layer == "townships" else set()
    missing = sorted(expected - set(gdf["code"]))
    if missing:
        raise _reject(report, "边界文件缺少以下镇街：" + "、".join(gaz.name_of(c) for c in missing))
    outline = boundaries.county_outline()
    limit = outline.to_crs(4549).buffer(MAX_OUTSIDE_KM * 1000).to_crs(4326).union_all()
    far = ~gdf.geometry.representative_point().within(limit)
    if far.any():
        raise _reject(report, "以下要素远离泰兴市界（坐标系可能不对）：" + "、".join(gdf.loc[far, "name"]))
    # Overlaps between units (more than 0.1 % of the smaller one) are reported, not fatal.
    proj = gdf.to_crs(4549)
    for i in range(len(proj)):
        for j in range(i + 1, len(proj)):
            a, b = proj.geometry.iloc[i], proj.geometry.iloc[j]
            if a.intersects(b):
                inter = a.intersection(b).area
                if inter > 0.001 * min(a.area, b.area):
                    report.warnings.append(f"{gdf['name'].iloc[i]} 与 {gdf['name'].iloc[j]} 重叠 {inter / 1e6:.3f} 平方公里")
    return gdf[["code", "name", "geometry"]]


def import_boundaries(store, layer: str, path: str | Path, *, datum: str | None = None, as_of: str | None = None,
                      user: str = "cli") -> ImportReport:
    from .locate import locate_frame

    path = Path(path)
    report = ImportReport(file_name=path.name, kind="boundaries" if layer == "townships" else "parks",
                          as_of=as_of or date.today().isoformat())
    gdf = read_boundary_file(path, datum, report)
    gdf = match_features(gdf, layer, report)
    report.rows_read = report.rows_imported = len(gdf)

    def relocate(con):
        towns = gdf if layer == "townships" else store.layer("townships")
        parks = gdf if layer == "parks" else store.layer("parks")
        outline = boundaries.county_outline()
        store.relocate_all(con, lambda df: locate_frame(df, load_gazetteer(), townships=towns, parks=parks,
                                                         outline=outline))

    report.import_id = store.replace_layer(layer, gdf, file_path=path, as_of=report.as_of, user=user,
                                           report=report.to_dict(), relocate=relocate)
    report.status = "imported"
    report.message = f"已导入{'镇街' if layer == 'townships' else '园区'}正式边界 {path.name}：{len(gdf)} 个要素；已按新边界重新归属带坐标的记录"
    return report
