"""Importing official township or park boundaries: read, convert datum, match features to units, check, store.

The natural-resources bureau (自然资源和规划局) delivers township boundaries as a zipped shapefile, a GeoPackage, a
GeoJSON or a KML. This module turns any of them into the ``townships`` (or ``parks``) layer of the store:

1. **read** (:func:`read_boundary_file`): a ``.zip`` is unpacked into a temporary folder (Chinese member names written
   by Windows zip tools are decoded as GBK); the polygon layer is chosen (by name when a file holds several); the DBF
   encoding of a shapefile comes from its ``.cpg`` or, when there is none, from its content (UTF-8, else GBK/GB18030,
   else the DBF language-driver byte);
2. **CRS**: the file's own CRS is used; a file without one is refused with a question (never a guess), and so is a file
   whose coordinates contradict its CRS (projected metres under a geographic ``.prj``, a Gauss-Krüger zone prefix
   40xxxxxx under EPSG:4549 or none under EPSG:4528 …). The user may declare the datum (``WGS84``, ``CGCS2000``,
   ``GCJ02`` for 高德/腾讯 lon/lat, or any EPSG code such as ``EPSG:4549``); everything ends in the display datum;
3. **match** (:func:`match_features`): each feature is matched to one of the 17 units by code (XZQDM-style: 9 or 12
   digits, with or without the 156 country prefix) or by name (XZQMC-style: 泰兴市黄桥镇, 黄桥镇, 黄桥; old names of
   merged towns are accepted with a note). Features of *other* counties (a whole 泰州市 file) are **filtered out and
   counted** in the report, not rejected: the code names their county, their name starts with another county's
   name, or, with neither, they lie farther than 5 km outside Taixing. A feature that is inside Taixing and matches
   no unit rejects the file (its area would otherwise silently belong to nobody), as does a missing unit;
4. **check** (:func:`check_geometry`): invalid rings are repaired with ``shapely.make_valid`` and counted; a matched
   feature whose representative point is more than 5 km outside the county outline rejects the file (a wrong-CRS
   hint); overlaps between units and gaps (slivers between neighbours, area of the county not covered) are warnings
   with km² measured in EPSG:4549;
5. **store** (:func:`import_boundaries`): one transaction writes the layer and re-assigns every record (the report
   counts the records with coordinates whose township or park changed). Any rejection leaves the store untouched.

Parks are imported the same way (a park file may hold some of P01–P04: the others keep their boundary), or drawn on
the map and saved with :func:`save_drawn_park`.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from txip_geo.areas import boundaries
from txip_geo.areas import datum as _datum
from txip_geo.areas.gazetteer import CITY_CODE, load_gazetteer
from txip_geo.ingest import limits
from txip_geo.ingest.importer import ImportRejected, ImportReport

__all__ = [
    "BoundaryReport",
    "check_boundaries",
    "check_geometry",
    "import_boundaries",
    "layer_status",
    "match_features",
    "read_boundary_file",
    "report_lines",
    "save_drawn_park",
    "stage_files",
]

LAYERS = ("townships", "parks")
LAYER_LABEL = {"townships": "镇街", "parks": "园区"}
DATA_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz")
SIDECAR_SUFFIXES = (".shx", ".dbf", ".prj", ".cpg", ".qpj")
ACCEPTED_SUFFIXES = (".zip",) + DATA_SUFFIXES

MAX_OUTSIDE_KM = 5.0  # a matched feature whose representative point lies farther than this outside the outline rejects
OVERLAP_MIN_KM2 = 0.001  # overlaps between two units smaller than this (1000 m²) are digitising noise, not reported
SLIVER_MIN_KM2 = 0.001  # holes in the union of the units smaller than this are not reported
GAP_WARN_KM2 = 5.0  # uncovered county area (or area outside the outline) above this is a warning
DRAW_TOLERANCE_KM = 1.0  # a drawn park may extend this far beyond the (generalised) county outline
MIN_PARK_KM2 = 0.01  # a drawn park smaller than this is a slip of the mouse

# Field names, lower case, in order of preference (content decides when none of them is present).
CODE_FIELDS = ("xzqdm", "xzqhdm", "xzqh_dm", "xzq_dm", "xzdm", "code", "adcode", "gb", "区划代码", "行政区代码",
               "行政区划代码", "代码", "dm", "yqdm", "园区代码")
NAME_FIELDS = ("xzqmc", "xzqhmc", "xzqh_mc", "xzq_mc", "xzmc", "name", "名称", "行政区名称", "乡镇名称", "镇街名称",
               "镇街", "乡镇", "mc", "yqmc", "园区名称", "园区")
LAYER_NAME_HINTS = {"townships": ("xzq", "乡镇", "镇街", "镇级", "township", "town"),
                    "parks": ("园区", "开发区", "park", "yq")}

_REASONS = {"Self-intersection": "自相交", "Ring Self-intersection": "环自相交", "Too few points": "点数过少",
            "Hole lies outside shell": "内环在外环之外", "Nested holes": "内环嵌套", "Nested shells": "外环嵌套",
            "Interior is disconnected": "内部不连通", "Duplicate Rings": "重复环", "Invalid Coordinate": "坐标无效",
            "Ring is not closed": "环未闭合"}


@dataclass
class BoundaryReport(ImportReport):
    """What a boundary import found; every list holds plain dicts so ``to_dict()`` is JSON-ready for the UI and CLI."""

    layer: str = "townships"
    dry_run: bool = False
    needs_datum: bool = False  # rejected only because the file has no CRS: ask the user which one
    source_layer: str = ""  # layer (or file in a zip) that was read
    source_crs: str = ""  # CRS the file declares ('' = none)
    crs_used: str = ""  # CRS or datum the coordinates were read in
    crs_note: str = ""  # why, when the user chose it
    encoding: str = ""  # DBF text encoding and how it was found
    features_read: int = 0
    code_field: str = ""
    name_field: str = ""
    matched: list = field(default_factory=list)  # [{code, name, features, by, area_km2, published_km2}]
    unmatched: list = field(default_factory=list)  # [{feature, code, name, reason}]
    missing: list = field(default_factory=list)  # [{code, name}]
    others_ignored: int = 0  # features of other areas (other counties) filtered out
    others: list = field(default_factory=list)  # their labels (up to 20)
    non_polygon: int = 0  # points, lines and empty geometries ignored
    repaired: list = field(default_factory=list)  # [{feature, name, reason}]
    far: list = field(default_factory=list)  # [{feature, name, distance_km}]
    overlaps: list = field(default_factory=list)  # [{a, b, a_name, b_name, km2}]
    gaps: dict = field(default_factory=dict)  # {outline_km2, union_km2, uncovered_km2, outside_km2, slivers, slivers_km2}
    kept: list = field(default_factory=list)  # parks not in the file: [{code, name, official}]
    reassigned: dict = field(default_factory=dict)  # {records (with coordinates), changed}


def _new_report(layer: str, file_name: str, as_of: str | None) -> BoundaryReport:
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS}, not {layer!r}")
    return BoundaryReport(file_name=file_name, kind="boundaries" if layer == "townships" else "parks", layer=layer,
                          as_of=as_of or date.today().isoformat())


def _reject(report: BoundaryReport, msg: str) -> ImportRejected:
    report.status, report.message = "rejected", msg
    return ImportRejected(report)


def _problems_message(report: BoundaryReport, problems: list[str]) -> str:
    return "\n".join([f"边界文件 {report.file_name} 未导入（数据库未改动）："] + [f"- {p}" for p in problems])


# ----------------------------------------------------------------------------------------------------------- reading

def _zip_name(info: zipfile.ZipInfo) -> str:
    """Member name; names written without the UTF-8 flag (Windows zip tools) are GBK, not cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _unzip(path: Path, target: Path, report: BoundaryReport) -> list[Path]:
    """Extract the GIS files of a zip with :func:`txip_geo.ingest.limits.safe_extract` (member count, sizes, no path outside
    `target`, no links; GBK member names decoded); the datasets found."""
    def keep(parts: list[str]) -> bool:
        return not (parts[0] == "__MACOSX" or parts[-1].startswith("._")) \
            and parts[-1].lower().endswith(DATA_SUFFIXES + SIDECAR_SUFFIXES)

    try:
        limits.safe_extract(path, target, name_of=_zip_name, keep=keep)
    except limits.UploadRejected as e:
        raise _reject(report, str(e)) from None
    found = sorted(p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
    if not found:
        raise _reject(report, f"压缩包 {path.name} 中没有边界文件（.shp/.gpkg/.geojson/.kml）")
    return found


def _sidecar(shp: Path, suffix: str) -> Path | None:
    for cand in shp.parent.glob(shp.stem + ".*"):
        if cand.stem == shp.stem and cand.suffix.lower() == suffix:
            return cand
    return None


_CPG = {"GBK": "GB18030", "936": "GB18030", "CP936": "GB18030", "GB2312": "GB18030", "GB18030": "GB18030",
        "ANSI936": "GB18030", "UTF8": "UTF-8", "65001": "UTF-8"}
_LDID = {0x4D: "GB18030", 0x7A: "GB18030", 0x57: "CP1252", 0x03: "CP1252", 0x01: "CP437"}  # 0x4D/0x7A: code page 936


def dbf_encoding(shp: Path) -> tuple[str | None, str]:
    """(encoding to read the DBF with, how it was found). None: no text to decode or no .dbf."""
    dbf = _sidecar(shp, ".dbf")
    if dbf is None:
        return None, ""
    raw = dbf.read_bytes()
    header_len = int.from_bytes(raw[8:10], "little") if len(raw) >= 32 else len(raw)
    text = raw[32:header_len] + raw[header_len:]  # field names and records
    cpg = _sidecar(shp, ".cpg")
    if cpg is not None:
        declared = cpg.read_text(encoding="ascii", errors="replace").strip()
        key = re.sub(r"[\s_\-]", "", declared).upper()
        enc = _CPG.get(key)
        if enc is None:
            try:
                import codecs

                enc = codecs.lookup(declared).name
            except LookupError:
                enc = None
        if enc is not None:
            try:
                text.decode(enc)
                return enc, f"{declared}（.cpg）"
            except UnicodeDecodeError:
                pass  # the .cpg is wrong: detect below and say so
    if all(b < 0x80 for b in text):
        return None, "ASCII（无中文）"
    note = f"（.cpg 声明 {cpg.read_text(errors='replace').strip()} 与内容不符，按内容识别）" if cpg else "（无 .cpg，按内容识别）"
    for enc, label in (("UTF-8", "UTF-8"), ("GB18030", "GBK")):
        try:
            text.decode(enc)
            return enc, label + note
        except UnicodeDecodeError:
            continue
    ldid = raw[29] if len(raw) > 29 else 0
    if ldid in _LDID:
        return _LDID[ldid], f"{_LDID[ldid]}（按 DBF 语言驱动标记 0x{ldid:02X}）"
    return "latin-1", "未能识别（按 Latin-1 读取，中文可能乱码）"


def _layers_of(path: Path) -> list[tuple[Path, str, str]]:
    """(file, layer name, geometry type) of each layer of a dataset."""
    import pyogrio

    try:
        return [(path, str(n), str(g or "")) for n, g in pyogrio.list_layers(path)]
    except Exception:  # noqa: BLE001 - unreadable: reported when it is read
        return [(path, path.stem, "")]


def _choose_layers(datasets: list[Path], layer: str, source_layer: str | None,
                   report: BoundaryReport) -> list[tuple[Path, str]]:
    cands = [c for d in datasets for c in _layers_of(d)]
    polys = [c for c in cands if not re.search(r"point|line", c[2], re.I)] or cands
    labels = [f"{c[0].name}:{c[1]}" if c[1] != c[0].stem else c[0].name for c in polys]
    if source_layer:
        picked = [c for c, lbl in zip(polys, labels) if source_layer in (c[1], c[0].name, c[0].stem, lbl)]
        if not picked:
            raise _reject(report, f"文件中没有名为 {source_layer} 的图层；可选：{'、'.join(labels)}")
        return [(c[0], c[1]) for c in picked[:1]]
    if len(polys) == 1:
        return [(polys[0][0], polys[0][1])]
    if len({c[0] for c in polys}) == 1 and polys[0][0].suffix.lower() in (".kml", ".kmz"):
        return [(c[0], c[1]) for c in polys]  # KML folders are layers: read them all
    hints = LAYER_NAME_HINTS[layer]
    hinted = [c for c, lbl in zip(polys, labels) if any(h in lbl.lower() for h in hints)]
    if len(hinted) == 1:
        report.warnings.append(f"文件中有 {len(polys)} 个面图层（{'、'.join(labels)}），按名称选用了 "
                               f"{labels[polys.index(hinted[0])]}")
        return [(hinted[0][0], hinted[0][1])]
    raise _reject(report, f"文件中有 {len(polys)} 个面图层：{'、'.join(labels)}。请指定要导入的图层"
                          f"（命令行：--layer-name {polys[0][1]}）")


def _read_one(path: Path, layer_name: str, report: BoundaryReport) -> gpd.GeoDataFrame:
    kwargs: dict = {}
    if path.suffix.lower() == ".shp":
        missing = [s for s in (".shx", ".dbf") if _sidecar(path, s) is None]
        if missing:
            raise _reject(report, f"Shapefile {path.name} 不完整：缺少 {'、'.join(missing)} 文件"
                                  "（请把同名的 .shp、.shx、.dbf、.prj 一起打包成 zip）")
        enc, how = dbf_encoding(path)
        report.encoding = how
        if enc:
            kwargs["encoding"] = enc
    if layer_name:
        kwargs["layer"] = layer_name
    try:
        return gpd.read_file(path, **kwargs)
    except Exception as e:  # noqa: BLE001 - any GDAL failure is a bad file for the user
        raise _reject(report, f"无法读取边界文件 {report.file_name}（{type(e).__name__}：{e}）") from None


# -- coordinates --------------------------------------------------------------------------------------------------------

def _looks(bounds) -> str:
    """'lonlat', 'gk' (Gauss-Krüger metres, no zone prefix), 'gk_zone' (with prefix) or 'other'."""
    minx, miny, maxx, maxy = bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return "lonlat"
    if 1.0e6 <= miny <= maxy <= 6.5e6:
        if 1.0e5 <= minx <= maxx <= 1.0e6:
            return "gk"
        if 1.3e7 <= minx <= maxx < 4.6e7 and int(minx // 1e6) == int(maxx // 1e6):
            return "gk_zone"
    return "other"


def _guess(bounds) -> str | None:
    """The EPSG code the coordinates suggest (a hint in messages, never applied)."""
    minx, _, maxx, _ = bounds
    kind = _looks(bounds)
    if kind == "gk_zone":
        zone = int(minx // 1e6)
        if 25 <= zone <= 45:
            return f"EPSG:{4488 + zone}"  # CGCS2000 3-degree GK zone 25..45 = EPSG:4513..4533
        if 13 <= zone <= 23:
            return f"EPSG:{4478 + zone}"  # CGCS2000 6-degree GK zone 13..23 = EPSG:4491..4501
    if kind == "gk":
        if minx >= 3.5e5 and maxx <= 6.5e5:
            return "EPSG:4549"  # 3-degree, CM 120E: Taixing's own zone
        if minx >= 7.0e5 and maxx <= 9.0e5:
            return "EPSG:4509"  # 6-degree, CM 117E
    if kind == "lonlat":
        return "CGCS2000"
    return None


def _crs_label(crs: CRS | None) -> str:
    if crs is None:
        return ""
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}（{crs.name}）" if epsg else crs.name


def _false_easting(crs: CRS) -> float:
    op = crs.coordinate_operation
    for param in (op.params if op is not None else []):
        if param.name.lower() == "false easting":
            return float(param.value)
    return 0.0


def _bounds_text(bounds) -> str:
    minx, miny, maxx, maxy = bounds
    if _looks(bounds) == "lonlat":
        return f"经度 {minx:.3f}…{maxx:.3f}，纬度 {miny:.3f}…{maxy:.3f}"
    return f"X {minx:.0f}…{maxx:.0f}，Y {miny:.0f}…{maxy:.0f}"


def _contradiction(crs: CRS, bounds, who: str) -> str | None:
    """Why coordinates cannot be in `crs` (None when they can)."""
    kind = _looks(bounds)
    guess = _guess(bounds)
    hint = f"坐标数值看起来是 {guess}。" if guess and guess.startswith("EPSG") else ""
    coords = f"（{_bounds_text(bounds)}）"
    if crs.is_geographic and kind in ("gk", "gk_zone"):
        return (f"坐标数值是投影坐标（单位米，{_bounds_text(bounds)}），但{who}是经纬度坐标系 {_crs_label(crs)}。{hint}"
                "请向数据提供单位确认坐标系，并在导入时指定（命令行 --datum，例如 --datum EPSG:4549）。")
    if crs.is_projected and kind == "lonlat":
        return (f"坐标数值是经纬度{coords}，但{who}是投影坐标系 {_crs_label(crs)}。"
                "请确认坐标系后在导入时指定（命令行 --datum，例如 --datum CGCS2000）。")
    if crs.is_projected and kind in ("gk", "gk_zone"):
        prefixed_crs = _false_easting(crs) >= 1e6
        if prefixed_crs != (kind == "gk_zone"):
            have = f"带有带号 {int(bounds[0] // 1e6)}" if kind == "gk_zone" else "不带带号"
            want = "有带号" if prefixed_crs else "无带号"
            return (f"坐标{have}{coords}，但{who} {_crs_label(crs)}是{want}的高斯-克吕格投影。{hint}"
                    "请在导入时指定正确的坐标系（命令行 --datum）。")
    return None


def _to_display(gdf: gpd.GeoDataFrame, declared: CRS | None, datum: str | None,
                report: BoundaryReport) -> gpd.GeoDataFrame:
    """Coordinates of `gdf` (raw, as read) -> EPSG:4326 in the display datum; every refusal is a clear message."""
    name = report.file_name
    bounds = gdf.total_bounds
    who = "文件声明的坐标系" if declared is not None else ""
    cmd = "boundaries" if report.layer == "townships" else "parks"
    if not datum:
        if declared is None:
            guess = _guess(bounds)
            seen = f"坐标数值为 {_bounds_text(bounds)}" + (f"，可能是 {guess}，但不能代为确定。" if guess else "。")
            report.needs_datum = True
            raise _reject(report, (
                f"边界文件 {name} 没有坐标系信息（缺少 .prj 或未声明坐标系），请问它用的是哪种坐标系？"
                "可选：CGCS2000（2000国家大地坐标系经纬度）、WGS84（GPS 经纬度）、GCJ02（高德/腾讯经纬度），"
                "或投影坐标系的 EPSG 代码：EPSG:4549（CGCS2000 3度带、中央经线120°、无带号）、"
                f"EPSG:4528（3度带第40带、有带号）。{seen}"
                f"命令行示例：import {cmd} {name} --datum {guess or 'CGCS2000'}"))
        bad = _contradiction(declared, bounds, who)
        if bad:
            raise _reject(report, f"边界文件 {name}：{bad}")
        report.crs_used = _crs_label(declared)
        if declared.is_projected:
            return gdf.to_crs(boundaries.DISPLAY_CRS)
        if declared.equals(CRS.from_epsg(4490), ignore_axis_order=True) or "2000" in declared.name:
            return _lonlat(gdf, "CGCS2000")
        if declared.equals(CRS.from_epsg(4326), ignore_axis_order=True):
            return _lonlat(gdf, "WGS84")
        return gdf.to_crs(boundaries.DISPLAY_CRS)

    # The user says what the coordinates are ("4549", "EPSG 4549" and "epsg：4549" mean EPSG:4549).
    bare = re.fullmatch(r"(?:EPSG)?[\s:：]*(\d{4,6})", str(datum).strip().upper())
    if bare and bare.group(1) not in ("4326", "4490"):
        datum = f"EPSG:{bare.group(1)}"
    try:
        dname = _datum.normalise_datum(datum)
        user_crs = None
    except ValueError as err:
        try:
            user_crs = CRS.from_user_input(datum)
        except Exception:  # noqa: BLE001 - neither a datum name nor a CRS
            raise _reject(report, f"无法识别的坐标系 {datum!r}：请填写 WGS84、CGCS2000、GCJ02 或 EPSG 代码"
                                  f"（如 EPSG:4549、EPSG:4528）。{err}") from None
        dname = None
    if dname is not None:
        if declared is not None and declared.is_projected:
            if dname == "GCJ02":
                raise _reject(report, f"边界文件 {name}：文件是投影坐标（{_crs_label(declared)}），不可能是 GCJ-02 经纬度。")
            bad = _contradiction(declared, bounds, who)
            if bad:
                raise _reject(report, f"边界文件 {name}：{bad}")
            report.crs_used = _crs_label(declared)
            report.crs_note = f"文件为投影坐标，按文件的坐标系读取（所选 {dname} 为其基准）"
            return gdf.to_crs(boundaries.DISPLAY_CRS)
        if _looks(bounds) != "lonlat":
            raise _reject(report, f"边界文件 {name}：坐标数值不是经纬度（{_bounds_text(bounds)}），不可能是 {dname}。"
                                  + (f"坐标数值看起来是 {_guess(bounds)}。" if _guess(bounds) else ""))
        report.crs_used = {"GCJ02": "GCJ-02（高德/腾讯），已转换", "WGS84": "WGS84", "CGCS2000": "CGCS2000"}[dname]
        if declared is not None and dname == "GCJ02":
            report.crs_note = f"按用户指定的 GCJ-02 读取（文件声明 {_crs_label(declared)}）"
        elif declared is None:
            report.crs_note = "文件没有坐标系信息，按用户指定读取"
        return _lonlat(gdf, dname)
    bad = _contradiction(user_crs, bounds, "所指定的坐标系")
    if bad:
        raise _reject(report, f"边界文件 {name}：{bad}")
    report.crs_used = _crs_label(user_crs)
    if declared is None:
        report.crs_note = "文件没有坐标系信息，按用户指定读取"
    elif not declared.equals(user_crs, ignore_axis_order=True):
        report.crs_note = f"按用户指定的坐标系读取（文件声明 {_crs_label(declared)}）"
    return gdf.set_crs(user_crs, allow_override=True).to_crs(boundaries.DISPLAY_CRS)


def _lonlat(gdf: gpd.GeoDataFrame, dname: str) -> gpd.GeoDataFrame:
    out = _datum.transform_geometry(gdf.set_crs(None, allow_override=True), dname, _datum.DISPLAY_DATUM)
    return out.set_crs(boundaries.DISPLAY_CRS, allow_override=True)


def read_boundary_file(path: str | Path, datum: str | None, report: BoundaryReport, *,
                       source_layer: str | None = None) -> gpd.GeoDataFrame:
    """Every polygon feature of the file, in the display datum (EPSG:4326), attributes as read (Chinese decoded).

    Points, lines and empty geometries are dropped and counted (``report.non_polygon``); Z is dropped. Raises
    :class:`ImportRejected` with a Chinese message for an unreadable file, a missing or contradictory CRS.
    """
    p = Path(path)
    if p.suffix.lower() not in ACCEPTED_SUFFIXES:
        raise _reject(report, f"不支持的文件类型 {p.suffix or '（无扩展名）'}：请提供压缩的 Shapefile（.zip，"
                              "含 .shp、.shx、.dbf、.prj）、GeoPackage（.gpkg）、GeoJSON（.geojson）或 KML（.kml/.kmz）")
    if not p.exists():
        raise _reject(report, f"找不到文件 {p}")
    try:
        limits.check_file(p)  # the upload size limit, before anything is read
    except limits.UploadRejected as e:
        raise _reject(report, str(e)) from None
    with tempfile.TemporaryDirectory(prefix="txip-bnd-") as tmp:
        datasets = _unzip(p, Path(tmp), report) if p.suffix.lower() == ".zip" else [p]
        chosen = _choose_layers(datasets, report.layer, source_layer, report)
        frames = [_read_one(ds, lyr, report) for ds, lyr in chosen]
        labels = [ds.name + (f":{lyr}" if lyr != ds.stem else "") for ds, lyr in chosen]
        report.source_layer = "、".join(labels) if labels != [p.name] else ""
    crs = next((f.crs for f in frames if f.crs is not None), None)
    gdf = pd.concat([f.to_crs(crs) if (f.crs is not None and crs is not None and f.crs != crs) else f for f in frames],
                    ignore_index=True) if len(frames) > 1 else frames[0]
    gdf = gpd.GeoDataFrame(gdf, geometry=gdf.geometry.name, crs=crs)
    report.features_read = len(gdf)
    report.source_crs = _crs_label(crs)
    geoms = gdf.geometry.to_numpy()
    polygonal = np.array([g is not None and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon",
                                                                            "GeometryCollection") for g in geoms],
                         dtype=bool)
    # a GeometryCollection counts when it holds polygons
    for i in np.flatnonzero(polygonal):
        if geoms[i].geom_type == "GeometryCollection":
            polys = [g for g in geoms[i].geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            polygonal[i] = bool(polys)
            if polys:
                geoms[i] = shapely.union_all(polys) if len(polys) > 1 else polys[0]
    gdf = gdf.set_geometry(gpd.GeoSeries(shapely.force_2d(geoms), index=gdf.index, crs=crs))
    report.non_polygon = int((~polygonal).sum())
    gdf = gdf[polygonal]
    gdf["feature"] = np.flatnonzero(polygonal) + 1  # 1-based position in the file, for messages
    if gdf.empty:
        raise _reject(report, f"边界文件 {report.file_name} 中没有面要素（共 {report.features_read} 个要素，都不是多边形）")
    gdf = _to_display(gdf, crs, datum, report)
    return gdf.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------- matching

def _norm_value(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return re.sub(r"\.0+$", "", str(v).strip())


def _code_digits(v) -> str:
    """XZQDM-style code -> digits without the 156 country prefix ('' when there are none)."""
    s = re.sub(r"\D", "", _norm_value(v))
    if s.startswith("156") and len(s) in (9, 12, 15):
        s = s[3:]
    return s


class _Matcher:
    def __init__(self, layer: str):
        self.layer = layer
        self.gaz = load_gazetteer()
        self.kind = "unit" if layer == "townships" else "park"
        self.other_places = sorted({r["name"] for r in self.gaz.outside_places if r.get("level") != "province"}
                                   | {r["name"] for r in self.gaz.outside_places}, key=len, reverse=True)

    def by_code(self, value) -> tuple[str, str]:
        """('ok', code) | ('other', county) | ('taixing', digits) (a Taixing code of no unit) | ('', '')."""
        raw = _norm_value(value)
        if not raw:
            return "", ""
        if self.layer == "parks":  # park codes are this project's own P01–P04
            return ("ok", raw.upper()) if raw.upper() in self.gaz.park_by_code else ("", "")
        s = _code_digits(raw)
        if len(s) >= 9 and s[:9] in self.gaz.by_code:
            return "ok", s[:9]
        if len(s) >= 6 and s[:6] != CITY_CODE and s[:2] in _PROVINCES:
            return "other", s[:6]
        if len(s) >= 6 and s[:6] == CITY_CODE:
            return "taixing", s
        return "", ""

    def by_name(self, value) -> tuple[str, str, str]:
        """('ok', code, note) | ('old', '', note) | ('other', place, '') | ('', '', '')."""
        raw = _norm_value(value).replace(" ", "").replace("\u3000", "")
        if not raw:
            return "", "", ""
        kind, code = self.gaz.resolve_area(raw)
        if kind == self.kind and code:
            bare = raw
            for prefix in ("江苏省", "泰州市", "泰兴市"):
                if bare.startswith(prefix) and len(bare) > len(prefix):
                    bare = bare[len(prefix):]
            note = ""
            if self.kind == "unit":
                unit = self.gaz.by_code[code]
                if bare not in (unit.name, unit.short_name, code):
                    note = f"旧地名“{bare}”并入{unit.name}"
            return "ok", code, note
        if kind == "old":
            return "old", "", f"旧地名“{raw}”今属何镇街未查到来源"
        stripped = raw[3:] if raw.startswith("江苏省") else raw
        stripped = stripped[3:] if stripped.startswith("泰州市") and len(stripped) > 3 else stripped
        for place in self.other_places:
            if stripped.startswith(place) and place not in ("泰兴市", "泰州市", "江苏省"):
                return "other", place, ""
        return "", "", ""


_PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
              "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}


def _pick_column(gdf: gpd.GeoDataFrame, known: tuple[str, ...], score) -> str | None:
    cols = [c for c in gdf.columns if c not in (gdf.geometry.name, "feature")]
    low = {str(c).lower(): c for c in cols}
    named = next((low[k] for k in known if k in low), None)
    scores = {c: sum(1 for v in gdf[c] if score(v)) for c in cols}
    best = max(cols, key=lambda c: (scores[c], c == named), default=None)
    if best is not None and scores[best] > (scores.get(named, 0) if named is not None else 0):
        return best
    return named


def _label(row, code_col, name_col) -> str:
    parts = []
    if code_col is not None and _norm_value(row[code_col]):
        parts.append(f"代码 {_norm_value(row[code_col])}")
    if name_col is not None and _norm_value(row[name_col]):
        parts.append(f"名称 {_norm_value(row[name_col])}")
    return "，".join(parts) or "无代码、无名称"


def _distance_outside_km(points: np.ndarray) -> np.ndarray:
    """Distance (km, EPSG:4549) of each lon/lat point from the county outline (0 inside)."""
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    pts = gpd.GeoSeries(points, crs=boundaries.DISPLAY_CRS).to_crs(boundaries.AREA_CRS).to_numpy()
    return np.asarray(shapely.distance(pts, outline), dtype=float) / 1000.0


def match_features(gdf: gpd.GeoDataFrame, layer: str, report: BoundaryReport) -> gpd.GeoDataFrame:
    """Attach the unit (or park) code to each feature; filter out other areas; reject unmatched features and units
    missing from a township file. Returns the features with ``code``, ``name``, ``feature``, ``geometry``."""
    m = _Matcher(layer)
    gaz = m.gaz
    what = LAYER_LABEL[layer]
    code_col = _pick_column(gdf, CODE_FIELDS, lambda v: m.by_code(v)[0] == "ok")
    name_col = _pick_column(gdf, NAME_FIELDS, lambda v: m.by_name(v)[0] == "ok")
    if name_col == code_col:
        name_col = None
    fields = [str(c) for c in gdf.columns if c not in (gdf.geometry.name, "feature")]
    if code_col is None and name_col is None:
        raise _reject(report, f"边界文件 {report.file_name} 中找不到{what}代码或名称字段（如 XZQDM、XZQMC）；"
                              f"文件的字段：{'、'.join(fields) or '（无）'}")
    report.code_field, report.name_field = str(code_col or ""), str(name_col or "")
    dist = _distance_outside_km(gdf.geometry.representative_point().to_numpy())
    codes, bys, problems = [], [], []
    for i, (_, row) in enumerate(gdf.iterrows()):
        feat = int(row["feature"])
        ck, cval = m.by_code(row[code_col]) if code_col is not None else ("", "")
        nk, nval, note = m.by_name(row[name_col]) if name_col is not None else ("", "", "")
        label = _label(row, code_col, name_col)
        code, by = "", ""
        if ck == "ok":
            code, by = cval, "代码"
            if nk == "ok" and nval != cval:
                report.warnings.append(f"第 {feat} 个要素的代码与名称不一致（{label}），按代码归入{gaz.name_of(cval)}")
            elif nk == "ok":
                by = "代码、名称"
        elif nk == "ok":
            code, by = nval, "名称"
            if note:
                report.warnings.append(f"第 {feat} 个要素：{note}")
        if code:
            codes.append(code)
            bys.append(by)
            continue
        codes.append("")
        bys.append("")
        if ck == "other" or nk == "other" or (ck != "taixing" and dist[i] > MAX_OUTSIDE_KM):
            report.others_ignored += 1
            if len(report.others) < 20:
                report.others.append(f"第 {feat} 个要素（{label}）")
            continue
        reason = (nk == "old" and note) or (ck == "taixing" and f"代码 {cval} 不是泰兴市 17 个镇街之一") \
            or f"不是泰兴市的{what}"
        report.unmatched.append({"feature": feat, "code": _norm_value(row[code_col]) if code_col is not None else "",
                                 "name": _norm_value(row[name_col]) if name_col is not None else "", "reason": reason})
    gdf = gdf.assign(code=codes, by=bys)
    matched = gdf[gdf["code"] != ""]
    expected = gaz.codes if layer == "townships" else [p.code for p in gaz.parks]
    found = set(matched["code"])
    if layer == "townships":
        report.missing = [{"code": c, "name": gaz.name_of(c)} for c in expected if c not in found]
    problems = []
    if report.unmatched:
        lines = [f"第 {u['feature']} 个要素（{_label_dict(u)}）：{u['reason']}" for u in report.unmatched[:20]]
        more = f"……共 {len(report.unmatched)} 个" if len(report.unmatched) > 20 else ""
        problems.append(f"有 {len(report.unmatched)} 个要素在泰兴市范围内，但无法对应泰兴市的{what}："
                        + "；".join(lines) + more)
    if not found:
        problems.append(f"文件中没有可以对应泰兴市{what}的要素（代码字段 {report.code_field or '无'}，"
                        f"名称字段 {report.name_field or '无'}）")
    elif report.missing:
        problems.append(f"文件中找到 {len(found)} 个镇街，缺少 {len(report.missing)} 个："
                        + "、".join(f"{x['name']}（{x['code']}）" for x in report.missing))
    if problems:
        raise _reject(report, _problems_message(report, problems))
    for code in expected:
        part = matched[matched["code"] == code]
        if len(part):
            by = sorted(set(part["by"]), key=["代码、名称", "代码", "名称"].index)[0]
            report.matched.append({"code": code, "name": gaz.name_of(code), "features": int(len(part)), "by": by})
    out = matched[["code", "feature", "geometry"]].copy()
    out["name"] = out["code"].map(gaz.name_of)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=gdf.crs).reset_index(drop=True)


def _label_dict(u: dict) -> str:
    parts = ([f"代码 {u['code']}"] if u.get("code") else []) + ([f"名称 {u['name']}"] if u.get("name") else [])
    return "，".join(parts) or "无代码、无名称"


# ---------------------------------------------------------------------------------------------------------- geometry

def _polygonal(geom):
    """The polygonal part of a geometry (make_valid may add lines or points); None when there is none."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def _reason_zh(reason: str) -> str:
    head = reason.split("[", 1)[0].strip()
    return _REASONS.get(head, head)


def _repair(gdf: gpd.GeoDataFrame, report: BoundaryReport) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.to_numpy().copy()
    valid = shapely.is_valid(geoms)
    for i in np.flatnonzero(~valid):
        reason = _reason_zh(shapely.is_valid_reason(geoms[i]))
        fixed = _polygonal(shapely.make_valid(geoms[i]))
        report.repaired.append({"feature": int(gdf["feature"].iloc[i]), "name": str(gdf["name"].iloc[i]),
                                "reason": reason})
        geoms[i] = fixed
    out = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    keep = out.geometry.notna() & ~out.geometry.is_empty
    return out[keep]


def _far_features(gdf: gpd.GeoDataFrame, report: BoundaryReport) -> list[str]:
    dist = _distance_outside_km(gdf.geometry.representative_point().to_numpy())
    far = np.flatnonzero(dist > MAX_OUTSIDE_KM)
    report.far = [{"feature": int(gdf["feature"].iloc[i]), "name": str(gdf["name"].iloc[i]),
                   "distance_km": round(float(dist[i]), 1)} for i in far]
    if not report.far:
        return []
    items = "；".join(f"第 {f['feature']} 个要素（{f['name']}）离市界 {f['distance_km']:.1f} 公里" for f in report.far[:20])
    return [f"{len(report.far)} 个要素远离泰兴市界（超过 {MAX_OUTSIDE_KM:g} 公里，坐标系可能不对）：{items}"]


def _dissolve(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    for code, part in gdf.groupby("code", sort=False):
        geoms = part.geometry.to_numpy()
        geom = geoms[0] if len(geoms) == 1 else _polygonal(shapely.union_all(geoms))
        rows.append({"code": code, "name": part["name"].iloc[0], "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=gdf.crs)


def _overlaps(units: gpd.GeoDataFrame, report: BoundaryReport) -> None:
    proj = units.to_crs(boundaries.AREA_CRS)
    geoms = proj.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right):
        if i >= j:
            continue
        km2 = shapely.intersection(geoms[i], geoms[j]).area / 1e6
        if km2 >= OVERLAP_MIN_KM2:
            a, b = units.iloc[i], units.iloc[j]
            report.overlaps.append({"a": a["code"], "b": b["code"], "a_name": a["name"], "b_name": b["name"],
                                    "km2": round(km2, 3)})
            report.warnings.append(f"{a['name']} 与 {b['name']} 重叠 {km2:.3f} 平方公里")


def _gaps(units: gpd.GeoDataFrame, report: BoundaryReport) -> None:
    proj = units.to_crs(boundaries.AREA_CRS)
    geoms = proj.geometry.to_numpy()
    union = shapely.union_all(geoms)
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    holes = [shapely.Polygon(r) for poly in getattr(union, "geoms", [union]) for r in poly.interiors]
    slivers = []
    for h in holes:
        if h.area / 1e6 < SLIVER_MIN_KM2:
            continue
        near = [str(units["name"].iloc[k]) for k in np.flatnonzero(shapely.distance(geoms, h) < 1.0)]
        slivers.append({"km2": round(h.area / 1e6, 3), "units": near})
    slivers.sort(key=lambda s: -s["km2"])
    uncovered = outline.difference(union).area / 1e6
    outside = union.difference(outline).area / 1e6
    report.gaps = {"outline_km2": round(outline.area / 1e6, 2), "union_km2": round(union.area / 1e6, 2),
                   "uncovered_km2": round(uncovered, 3), "outside_km2": round(outside, 3), "slivers": slivers,
                   "slivers_km2": round(sum(s["km2"] for s in slivers), 3)}
    for s in slivers[:10]:
        report.warnings.append(f"{'、'.join(s['units'])} 之间有空隙 {s['km2']:.3f} 平方公里")
    if len(slivers) > 10:
        report.warnings.append(f"……共 {len(slivers)} 处空隙，合计 {report.gaps['slivers_km2']:.3f} 平方公里")
    edge = uncovered - sum(s["km2"] for s in slivers)
    if edge > GAP_WARN_KM2:
        report.warnings.append(f"泰兴市界内有 {edge:.2f} 平方公里不属于任何镇街（市界为天地图概化边界，误差可达数百米；"
                               "差异较大时请核对文件是否完整）")
    if outside > GAP_WARN_KM2:
        report.warnings.append(f"镇街边界超出泰兴市界 {outside:.2f} 平方公里（市界为概化边界，误差可达数百米）")


def _gcj_hint(units: gpd.GeoDataFrame, report: BoundaryReport) -> None:
    """A lon/lat file that fits the outline much better once read as GCJ-02 probably is GCJ-02 (高德/腾讯)."""
    if "GCJ" in report.crs_used or not report.gaps:
        return
    before = report.gaps["uncovered_km2"] + report.gaps["outside_km2"]
    if before < 3.0:
        return
    moved = _datum.transform_geometry(units, "GCJ02", "WGS84").set_crs(boundaries.DISPLAY_CRS, allow_override=True)
    union = shapely.union_all(moved.to_crs(boundaries.AREA_CRS).geometry.to_numpy())
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    after = (outline.symmetric_difference(union)).area / 1e6
    if after < 0.5 * before:
        report.warnings.append(f"边界与泰兴市界错开约数百米：按 GCJ-02（高德/腾讯）坐标解读时吻合得多（差异 {before:.1f} → "
                               f"{after:.1f} 平方公里）。如果文件来自高德/腾讯地图，请选择坐标系 GCJ02 重新导入。")


def _host_warnings(parks: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, report: BoundaryReport) -> None:
    """A park lying mostly outside its (sourced) host township is probably drawn or coded in the wrong place."""
    gaz = load_gazetteer()
    t = towns.to_crs(boundaries.AREA_CRS).set_index("code").geometry
    for code, geom in zip(parks["code"], parks.to_crs(boundaries.AREA_CRS).geometry):
        host = gaz.park_by_code[code].host_code if code in gaz.park_by_code else ""
        if not host or host not in t.index or geom.area <= 0:
            continue
        share = geom.intersection(t[host]).area / geom.area
        if share < 0.5:
            report.warnings.append(f"{gaz.name_of(code)}的范围只有 {share:.0%} 在其所在镇街{gaz.name_of(host)}内，请核对位置")


def check_geometry(gdf: gpd.GeoDataFrame, layer: str, report: BoundaryReport) -> gpd.GeoDataFrame:
    """Repair invalid rings (counted), reject features far outside the county, dissolve features of one unit, report
    overlaps and (townships) gaps. Returns one row per unit: ``code``, ``name``, ``geometry``."""
    gdf = _repair(gdf, report)
    problems = _far_features(gdf, report)
    if problems:
        raise _reject(report, _problems_message(report, problems))
    units = _dissolve(gdf)
    _overlaps(units, report)
    if layer == "townships":
        _gaps(units, report)
        _gcj_hint(units, report)
    gaz = load_gazetteer()
    areas = boundaries.area_km2(units)
    for m in report.matched:
        m["area_km2"] = round(float(areas[units["code"] == m["code"]].iloc[0]), 2)
        pub = gaz.areas.get(m["code"])
        m["published_km2"] = pub["area_km2"] if pub else None
    return units[["code", "name", "geometry"]]


# ------------------------------------------------------------------------------------------------------------ import

def _prepare(layer: str, path: Path, datum: str | None, source_layer: str | None, report: BoundaryReport,
             store=None) -> gpd.GeoDataFrame:
    gdf = read_boundary_file(path, datum, report, source_layer=source_layer)
    gdf = match_features(gdf, layer, report)
    units = check_geometry(gdf, layer, report)
    if layer == "parks" and store is not None:
        _host_warnings(units, store.layer("townships"), report)
        current = store.layer("parks")
        report.kept = [{"code": r.code, "name": r.name, "official": bool(r.official)}
                       for r in current.itertuples() if r.code not in set(units["code"])]
    report.rows_read = report.features_read
    report.rows_imported = len(units)
    return units


def _merged_parks(store, new: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The stored park layer with the features of `new` swapped in (or added)."""
    cur = store.layer("parks")[["code", "name", "geometry"]]
    cur = cur[~cur["code"].isin(set(new["code"]))]
    out = pd.concat([cur, new[["code", "name", "geometry"]]], ignore_index=True).sort_values("code")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=boundaries.DISPLAY_CRS).reset_index(drop=True)


def _assignments(con) -> dict:
    from txip_geo import schema

    out = {}
    for kind in schema.KINDS.values():
        if not kind.located:
            continue
        for rid, unit, park in con.execute(
                f'SELECT rowid, unit_code, park_code FROM "rec_{kind.name}" WHERE lon IS NOT NULL AND lat IS NOT NULL'):
            out[(kind.name, rid)] = (unit, park)
    return out


def _write(store, layer: str, full: gpd.GeoDataFrame, *, file_path: Path, report: BoundaryReport, user: str,
           codes=None) -> int:
    """Store the layer and re-assign every record, in one transaction; fills report.reassigned."""
    from txip_geo.locate.frame import locate_frame

    towns = full if layer == "townships" else store.layer("townships")
    parks = full if layer == "parks" else store.layer("parks")
    if layer == "townships":
        towns = towns.assign(official=1)
    else:
        official = set(codes) if codes is not None else set(full["code"])
        stored = dict(zip(parks["code"], parks["official"])) if "official" in parks.columns else {}
        parks = parks.assign(official=[1 if c in official else int(stored.get(c, 0) or 0) for c in parks["code"]])

    def relocate(con):
        before = _assignments(con)
        outline = boundaries.county_outline()
        store.relocate_all(con, lambda df: locate_frame(df, load_gazetteer(), townships=towns, parks=parks,
                                                         outline=outline))
        after = _assignments(con)
        report.reassigned = {"records": len(after), "changed": sum(1 for k, v in after.items() if before.get(k) != v)}
        report.status = "imported"
        report.message = _success_message(report)
        # the import row was written before the re-assignment: store the final report
        con.execute("UPDATE imports SET report = ? WHERE id = (SELECT MAX(id) FROM imports)",
                    (json.dumps(report.to_dict(), ensure_ascii=False, default=str),))

    try:
        return store.replace_layer(layer, full[["code", "name", "geometry"]], file_path=file_path, as_of=report.as_of,
                                   user=user, report=report.to_dict(), relocate=relocate, codes=codes)
    except sqlite3.IntegrityError:
        report.reassigned = {}
        raise _reject(report, f"文件 {report.file_name} 已在截至日期 {report.as_of} 导入过，之后边界又被替换。"
                              "如需恢复该文件的边界，请指定另一个截至日期（命令行 --as-of）。") from None


def _unchanged(store, layer: str, path: Path, report: BoundaryReport) -> bool:
    import hashlib

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    import_id = store.find_import(f"boundaries:{layer}", sha, report.as_of)
    if import_id is None:
        return False
    current = store.layer(layer)
    if len(current) and (current["import_id"] == import_id).any():
        report.import_id = int(import_id)
        report.status = "unchanged"
        report.message = f"文件 {report.file_name} 已于截至 {report.as_of} 导入（导入编号 {import_id}），{LAYER_LABEL[layer]}边界未变。"
        return True
    return False


def check_boundaries(layer: str, path: str | Path, *, datum: str | None = None, source_layer: str | None = None,
                     store=None, as_of: str | None = None) -> BoundaryReport:
    """Everything :func:`import_boundaries` checks, without writing (the page's preview). Raises ImportRejected."""
    path = Path(path)
    report = _new_report(layer, path.name, as_of)
    report.dry_run = True
    _prepare(layer, path, datum, source_layer, report, store)
    report.status = "checked"
    report.message = _headline(report, checked=True)
    return report


def import_boundaries(store, layer: str, path: str | Path, *, datum: str | None = None, as_of: str | None = None,
                      user: str = "cli", source_layer: str | None = None) -> BoundaryReport:
    """Import an official township (``layer='townships'``) or park (``'parks'``) boundary file into the store.

    Raises :class:`ImportRejected` (store unchanged) with a Chinese message; returns the report otherwise.
    A park file replaces the parks it holds; the others keep their boundary and status.
    """
    path = Path(path)
    report = _new_report(layer, path.name, as_of)
    units = _prepare(layer, path, datum, source_layer, report, store)
    if _unchanged(store, layer, path, report):
        return report
    if layer == "townships":
        full, codes = units, None
    else:
        full, codes = _merged_parks(store, units), set(units["code"])
    report.import_id = _write(store, layer, full, file_path=path, report=report, user=user, codes=codes)
    return report


# ------------------------------------------------------------------------------------------------------ drawn parks

def _drawn_geometry(geojson) -> shapely.Geometry:
    """A GeoJSON geometry, Feature, FeatureCollection or list of Features (st_folium's all_drawings) -> one geometry."""
    if isinstance(geojson, str):
        geojson = json.loads(geojson)
    if isinstance(geojson, (list, tuple)):
        feats = list(geojson)
    elif isinstance(geojson, dict) and geojson.get("type") == "FeatureCollection":
        feats = geojson.get("features") or []
    else:
        feats = [geojson]
    geoms = []
    for f in feats:
        g = f.get("geometry") if isinstance(f, dict) and f.get("type") == "Feature" else f
        if not g:
            continue
        geoms.append(shapely.geometry.shape(g))
    if not geoms:
        return shapely.GeometryCollection()
    return geoms[0] if len(geoms) == 1 else shapely.GeometryCollection(geoms)


def save_drawn_park(store, park_code: str, geojson_geometry, user: str, *, as_of: str | None = None) -> BoundaryReport:
    """Save a polygon drawn on the map as the official boundary of one park (P01–P04).

    The polygon (lon/lat in the display datum, as Leaflet gives it; several polygons form one park) must be a valid
    area of at least 0.01 km² lying inside the county outline (with 1 km tolerance: the outline is generalised);
    a self-intersecting ring is repaired and counted. The other parks keep their boundary and status; records are
    re-assigned. Raises ImportRejected (store unchanged).
    """
    gaz = load_gazetteer()
    stamp = datetime.now()
    report = _new_report("parks", f"手绘园区边界_{park_code}_{stamp:%Y%m%d%H%M%S}.geojson", as_of)
    if park_code not in gaz.park_by_code:
        raise _reject(report, f"没有编号为 {park_code!r} 的园区（可选：{'、'.join(p.code + ' ' + p.name for p in gaz.parks)}）")
    name = gaz.name_of(park_code)
    try:
        geom = _drawn_geometry(geojson_geometry)
    except Exception as e:  # noqa: BLE001 - malformed GeoJSON from the browser
        raise _reject(report, f"无法识别所绘图形（{type(e).__name__}）") from None
    geom = shapely.force_2d(geom)
    poly = _polygonal(geom) if geom.geom_type == "GeometryCollection" else geom
    if poly is None or poly.is_empty or poly.geom_type not in ("Polygon", "MultiPolygon"):
        raise _reject(report, f"请用多边形或矩形工具绘制{name}的范围（收到的是 {geom.geom_type if not geom.is_empty else '空图形'}）")
    report.features_read = len(getattr(poly, "geoms", [poly]))
    if not poly.is_valid:
        report.repaired.append({"feature": 1, "name": name, "reason": _reason_zh(shapely.is_valid_reason(poly))})
        poly = _polygonal(shapely.make_valid(poly))
        if poly is None:
            raise _reject(report, f"所绘{name}范围不是有效的多边形")
    if len(getattr(geom, "geoms", [])) > 1 and poly.geom_type == "MultiPolygon":
        poly = _polygonal(shapely.union_all(list(poly.geoms))) or poly
    gdf = gpd.GeoDataFrame({"code": [park_code], "name": [name]}, geometry=[poly], crs=boundaries.DISPLAY_CRS)
    proj = gdf.to_crs(boundaries.AREA_CRS).geometry.iloc[0]
    km2 = proj.area / 1e6
    if km2 < MIN_PARK_KM2:
        raise _reject(report, f"所绘{name}范围只有 {km2:.4f} 平方公里，太小（至少 {MIN_PARK_KM2:g} 平方公里）")
    outline = boundaries.county_outline().to_crs(boundaries.AREA_CRS).union_all()
    outside = proj.difference(outline.buffer(DRAW_TOLERANCE_KM * 1000)).area / 1e6
    if outside > 1e-6:
        raise _reject(report, f"所绘{name}范围有 {outside:.2f} 平方公里在泰兴市界之外（超出 {DRAW_TOLERANCE_KM:g} 公里以上），未保存")
    _host_warnings(gdf, store.layer("townships"), report)
    report.matched = [{"code": park_code, "name": name, "features": report.features_read, "by": "手绘",
                       "area_km2": round(km2, 2), "published_km2": None}]
    full = _merged_parks(store, gdf)
    scratch = _new_report("parks", report.file_name, as_of)
    _overlaps(full, scratch)
    for o, w in zip(scratch.overlaps, scratch.warnings):
        if park_code in (o["a"], o["b"]):
            report.overlaps.append(o)
            report.warnings.append(w)
    report.kept = [{"code": r.code, "name": r.name, "official": bool(r.official)}
                   for r in store.layer("parks").itertuples() if r.code != park_code]
    report.rows_read = report.rows_imported = 1
    report.crs_used = "WGS84（地图绘制）"
    with tempfile.TemporaryDirectory(prefix="txip-draw-") as tmp:
        path = Path(tmp) / report.file_name
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "geometry": shapely.geometry.mapping(poly),
            "properties": {"code": park_code, "name": name, "drawn_by": user,
                           "drawn_at": stamp.isoformat(timespec="seconds")}}]}, ensure_ascii=False), encoding="utf-8")
        report.import_id = _write(store, "parks", full, file_path=path, report=report, user=user, codes={park_code})
    return report


# ----------------------------------------------------------------------------------------------------------- reports

def _headline(report: BoundaryReport, checked: bool = False) -> str:
    what = LAYER_LABEL[report.layer]
    n = len(report.matched)
    if report.matched and report.matched[0].get("by") == "手绘":
        return f"已保存{report.matched[0]['name']}的边界（手绘，{report.matched[0]['area_km2']:.2f} 平方公里）"
    verb = "检查通过，可以导入" if checked else "已导入"
    return f"{verb}{what}正式边界 {report.file_name}：{n} 个{what}（文件中 {report.features_read} 个要素）"


def _success_message(report: BoundaryReport) -> str:
    lines = [_headline(report)]
    r = report.reassigned
    if r:
        lines.append(f"带坐标的记录 {r['records']} 条已按新边界重新归属，其中 {r['changed']} 条的所属镇街或园区改变")
    return "\n".join([lines[0]] + [f"  {x}" for x in lines[1:] + report_lines(report)])


def report_lines(report: BoundaryReport | dict) -> list[str]:
    """The report as short Chinese lines (CLI output, the page's summary); warnings are separate."""
    r = report if isinstance(report, dict) else report.to_dict()
    what = LAYER_LABEL.get(r.get("layer", "townships"), "镇街")
    lines = []
    if r.get("source_layer"):
        lines.append(f"读取图层：{r['source_layer']}")
    drawn = any(m.get("by") == "手绘" for m in r.get("matched") or [])
    crs = r.get("crs_used") or "—"
    lines.append(f"坐标系：{crs}" + (f"（{r['crs_note']}）" if r.get("crs_note") else "")
                 + ("" if r.get("source_crs") or r.get("crs_note") or drawn else "；文件未声明坐标系"))
    if r.get("encoding"):
        lines.append(f"属性表编码：{r['encoding']}")
    if r.get("code_field") or r.get("name_field"):
        lines.append(f"匹配字段：代码 {r.get('code_field') or '无'}，名称 {r.get('name_field') or '无'}")
    matched = r.get("matched") or []
    if matched and not drawn:
        by: dict[str, int] = {}
        for m in matched:
            by[m["by"]] = by.get(m["by"], 0) + 1
        merged = [f"{m['name']} {m['features']} 个" for m in matched if m["features"] > 1]
        lines.append(f"匹配 {len(matched)} 个{what}（" + "，".join(f"按{k} {v} 个" for k, v in by.items()) + "）"
                     + (f"；多个要素合并：{'、'.join(merged)}" if merged else ""))
    if r.get("others_ignored"):
        lines.append(f"忽略其他地区的要素 {r['others_ignored']} 个（不属于泰兴市）")
    if r.get("non_polygon"):
        lines.append(f"忽略非面要素 {r['non_polygon']} 个（点、线或空几何）")
    rep = r.get("repaired") or []
    lines.append(f"修复无效几何 {len(rep)} 处" + ("：" + "；".join(f"{x['name']}（第 {x['feature']} 个要素，{x['reason']}）"
                                                           for x in rep[:10]) if rep else ""))
    ov = r.get("overlaps") or []
    lines.append(f"重叠 {len(ov)} 处" + (f"，合计 {sum(o['km2'] for o in ov):.3f} 平方公里" if ov else ""))
    g = r.get("gaps") or {}
    if g:
        lines.append(f"镇街合计 {g['union_km2']:.2f} 平方公里，泰兴市界 {g['outline_km2']:.2f} 平方公里；"
                     f"市界内未覆盖 {g['uncovered_km2']:.2f}，超出市界 {g['outside_km2']:.2f}；"
                     f"镇街之间空隙 {len(g['slivers'])} 处" + (f"（{g['slivers_km2']:.3f} 平方公里）" if g["slivers"] else ""))
    kept = r.get("kept") or []
    if kept:
        lines.append("未包含的园区保留原边界：" + "、".join(f"{k['name']}（{'正式' if k['official'] else '示意'}）" for k in kept))
    return lines


# ------------------------------------------------------------------------------------------------------------ upload

def stage_files(files: list[tuple[str, bytes]], folder: str | Path) -> Path:
    """Write uploaded files into `folder` and return the one path to import.

    One file is written as it is. Several files must be the parts of one shapefile (same name: .shp, .shx, .dbf,
    .prj, .cpg): they are packed into ``<name>.zip`` so the original delivery is kept as one file. ValueError else.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    clean = [(Path(n).name, data) for n, data in files]
    if len(clean) == 1:
        path = folder / clean[0][0]
        path.write_bytes(clean[0][1])
        return path
    stems = {Path(n).stem for n, _ in clean}
    suffixes = [Path(n).suffix.lower() for n, _ in clean]
    if len(stems) != 1 or ".shp" not in suffixes or any(s not in (".shp",) + SIDECAR_SUFFIXES for s in suffixes):
        raise ValueError("several files must be the parts of one shapefile")
    path = folder / f"{stems.pop()}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in sorted(clean):
            z.writestr(n, data)
    return path


# ------------------------------------------------------------------------------------------------------------ status

def layer_status(store) -> list[dict]:
    """Per layer: status ('schematic' | 'official' | 'partial'), counts and the source files with their import dates."""
    imports = store.imports()
    by_id = {int(r.id): r for r in imports.itertuples()} if len(imports) else {}
    out = []
    for layer in LAYERS:
        lyr = store.layer(layer)
        n_off = int(lyr["official"].fillna(0).astype(int).sum()) if len(lyr) else 0
        status = "official" if len(lyr) and n_off == len(lyr) else ("partial" if n_off else "schematic")
        features = []
        areas = boundaries.area_km2(lyr) if len(lyr) else []
        for r, km2 in zip(lyr.itertuples(), areas):
            imp = by_id.get(int(r.import_id)) if r.import_id is not None and not pd.isna(r.import_id) else None
            features.append({"code": r.code, "name": r.name, "official": bool(r.official), "source": r.source,
                             "file_name": imp.file_name if imp is not None else "",
                             "imported_at": imp.imported_at if imp is not None else "",
                             "imported_by": imp.imported_by if imp is not None else "",
                             "as_of": imp.as_of if imp is not None else "", "area_km2": round(float(km2), 2)})
        files = sorted({(f["file_name"], f["imported_at"], f["imported_by"]) for f in features if f["file_name"]},
                       key=lambda x: x[1])
        out.append({"layer": layer, "status": status, "count": len(lyr), "official": n_off,
                    "files": [{"file_name": a, "imported_at": b, "imported_by": c} for a, b, c in files],
                    "features": features})
    return out
