"""Reading a boundary file: a ``.zip`` is unpacked into a temporary folder (Chinese member names written by Windows
zip tools are decoded as GBK); the polygon layer is chosen (by name when a file holds several); the DBF encoding of a
shapefile comes from its ``.cpg`` or, when there is none, from its content (UTF-8, else GBK/GB18030, else the DBF
language-driver byte). :func:`read_boundary_file` returns the polygon features in the display datum."""

from __future__ import annotations

import codecs
import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from txip_geo.errors import UploadRejected
from txip_geo.ingest import limits
from txip_geo.ingest.boundaries.crs import crs_label, to_display
from txip_geo.ingest.boundaries.messages import listing, msg
from txip_geo.ingest.boundaries.report import BoundaryReport, reject
from txip_geo.ingest.boundaries.vocabulary import (
    ACCEPTED_SUFFIXES,
    CODE_PAGES,
    DATA_SUFFIXES,
    LANGUAGE_DRIVERS,
    LAYER_NAME_HINTS,
    SIDECAR_SUFFIXES,
)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Member name; names written without the UTF-8 flag (Windows zip tools) are GBK, not cp437."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        return name.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def _unzip(path: Path, target: Path, report: BoundaryReport) -> list[Path]:
    """Extract the GIS files of a zip with :func:`txip_geo.ingest.limits.safe_extract` (member count, sizes, no path
    outside `target`, no links; GBK member names decoded); the datasets found."""

    def keep(parts: list[str]) -> bool:
        return not (parts[0] == "__MACOSX" or parts[-1].startswith("._")) and parts[-1].lower().endswith(
            DATA_SUFFIXES + SIDECAR_SUFFIXES
        )

    try:
        limits.safe_extract(path, target, name_of=_zip_name, keep=keep)
    except UploadRejected as e:
        raise reject(report, str(e)) from None
    found = sorted(p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES)
    if not found:
        raise reject(report, msg("zip_empty", zip=path.name))
    return found


def _sidecar(shp: Path, suffix: str) -> Path | None:
    for cand in shp.parent.glob(shp.stem + ".*"):
        if cand.stem == shp.stem and cand.suffix.lower() == suffix:
            return cand
    return None


def _declared_encoding(cpg: Path, text: bytes) -> tuple[str | None, str]:
    """The encoding a .cpg declares when it decodes `text` ((None, '') when unknown or wrong)."""
    declared = cpg.read_text(encoding="ascii", errors="replace").strip()
    key = re.sub(r"[\s_\-]", "", declared).upper()
    enc = CODE_PAGES.get(key)
    if enc is None:
        try:
            enc = codecs.lookup(declared).name
        except LookupError:
            return None, ""
    try:
        text.decode(enc)
        return enc, msg("enc_cpg", declared=declared)
    except UnicodeDecodeError:
        return None, ""  # the .cpg is wrong: detected from the content, and said so


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
        enc, how = _declared_encoding(cpg, text)
        if enc is not None:
            return enc, how
    if all(b < 0x80 for b in text):
        return None, msg("enc_ascii")
    note = msg("enc_cpg_wrong", declared=cpg.read_text(errors="replace").strip()) if cpg else msg("enc_no_cpg")
    for enc, label in (("UTF-8", "UTF-8"), ("GB18030", "GBK")):
        try:
            text.decode(enc)
            return enc, label + note
        except UnicodeDecodeError:
            continue
    ldid = raw[29] if len(raw) > 29 else 0
    if ldid in LANGUAGE_DRIVERS:
        return LANGUAGE_DRIVERS[ldid], msg("enc_ldid", encoding=LANGUAGE_DRIVERS[ldid], ldid=ldid)
    return "latin-1", msg("enc_unknown")


def _layers_of(path: Path) -> list[tuple[Path, str, str]]:
    """(file, layer name, geometry type) of each layer of a dataset."""
    import pyogrio

    try:
        return [(path, str(n), str(g or "")) for n, g in pyogrio.list_layers(path)]
    except Exception:  # noqa: BLE001 - unreadable: reported when it is read
        return [(path, path.stem, "")]


def _choose_layers(
    datasets: list[Path], layer: str, source_layer: str | None, report: BoundaryReport
) -> list[tuple[Path, str]]:
    cands = [c for d in datasets for c in _layers_of(d)]
    polys = [c for c in cands if not re.search(r"point|line", c[2], re.I)] or cands
    labels = [f"{c[0].name}:{c[1]}" if c[1] != c[0].stem else c[0].name for c in polys]
    if source_layer:
        picked = [c for c, lbl in zip(polys, labels) if source_layer in (c[1], c[0].name, c[0].stem, lbl)]
        if not picked:
            raise reject(report, msg("no_such_layer", layer=source_layer, layers=listing(labels)))
        return [(c[0], c[1]) for c in picked[:1]]
    if len(polys) == 1:
        return [(polys[0][0], polys[0][1])]
    if len({c[0] for c in polys}) == 1 and polys[0][0].suffix.lower() in (".kml", ".kmz"):
        return [(c[0], c[1]) for c in polys]  # KML folders are layers: read them all
    hints = LAYER_NAME_HINTS[layer]
    hinted = [c for c, lbl in zip(polys, labels) if any(h in lbl.lower() for h in hints)]
    if len(hinted) == 1:
        report.warnings.append(
            msg("layer_by_name", n=len(polys), layers=listing(labels), chosen=labels[polys.index(hinted[0])])
        )
        return [(hinted[0][0], hinted[0][1])]
    raise reject(report, msg("several_layers", n=len(polys), layers=listing(labels), first=polys[0][1]))


def _read_one(path: Path, layer_name: str, report: BoundaryReport) -> gpd.GeoDataFrame:
    kwargs: dict = {}
    if path.suffix.lower() == ".shp":
        missing = [s for s in (".shx", ".dbf") if _sidecar(path, s) is None]
        if missing:
            raise reject(report, msg("shp_incomplete", file=path.name, missing=listing(missing)))
        enc, how = dbf_encoding(path)
        report.encoding = how
        if enc:
            kwargs["encoding"] = enc
    if layer_name:
        kwargs["layer"] = layer_name
    try:
        return gpd.read_file(path, **kwargs)
    except Exception as e:  # noqa: BLE001 - any GDAL failure is a bad file for the user
        raise reject(report, msg("unreadable", file=report.file_name, error=type(e).__name__, detail=e)) from None


def _check_path(p: Path, report: BoundaryReport) -> None:
    """A supported suffix, an existing file, within the upload size limit (before anything is read)."""
    if p.suffix.lower() not in ACCEPTED_SUFFIXES:
        raise reject(report, msg("unsupported", suffix=p.suffix or msg("no_suffix")))
    if not p.exists():
        raise reject(report, msg("not_found", path=p))
    try:
        limits.check_file(p)
    except UploadRejected as e:
        raise reject(report, str(e)) from None


def _polygons_only(gdf: gpd.GeoDataFrame, crs, report: BoundaryReport) -> gpd.GeoDataFrame:
    """The polygon features (a GeometryCollection counts when it holds polygons), 2D, numbered 1… in the file's order
    (``feature``, for messages); the others are counted in ``report.non_polygon``."""
    geoms = gdf.geometry.to_numpy()
    polygonal = np.array(
        [
            g is not None and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection")
            for g in geoms
        ],
        dtype=bool,
    )
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
    return gdf


def read_boundary_file(
    path: str | Path, datum: str | None, report: BoundaryReport, *, source_layer: str | None = None
) -> gpd.GeoDataFrame:
    """Every polygon feature of the file, in the display datum (EPSG:4326), attributes as read (Chinese decoded).

    Points, lines and empty geometries are dropped and counted (``report.non_polygon``); Z is dropped. Raises
    :class:`ImportRejected` with a Chinese message for an unreadable file, a missing or contradictory CRS.
    """
    p = Path(path)
    _check_path(p, report)
    with tempfile.TemporaryDirectory(prefix="txip-bnd-") as tmp:
        datasets = _unzip(p, Path(tmp), report) if p.suffix.lower() == ".zip" else [p]
        chosen = _choose_layers(datasets, report.layer, source_layer, report)
        frames = [_read_one(ds, lyr, report) for ds, lyr in chosen]
        labels = [ds.name + (f":{lyr}" if lyr != ds.stem else "") for ds, lyr in chosen]
        report.source_layer = listing(labels) if labels != [p.name] else ""
    crs = next((f.crs for f in frames if f.crs is not None), None)
    gdf = (
        pd.concat(
            [f.to_crs(crs) if (f.crs is not None and crs is not None and f.crs != crs) else f for f in frames],
            ignore_index=True,
        )
        if len(frames) > 1
        else frames[0]
    )
    gdf = gpd.GeoDataFrame(gdf, geometry=gdf.geometry.name, crs=crs)
    report.features_read = len(gdf)
    report.source_crs = crs_label(crs)
    gdf = _polygons_only(gdf, crs, report)
    if gdf.empty:
        raise reject(report, msg("no_polygons", file=report.file_name, n=report.features_read))
    gdf = to_display(gdf, crs, datum, report)
    return gdf.reset_index(drop=True)
