"""Synthetic inputs for the benchmarks: patent rows in the sample's formats, point records, detailed and
province-sized coverages.  Deterministic for a given seed; nothing is downloaded.

* :func:`patent_frame` - n patent rows with the columns of ``data/sample/patents.csv``: application numbers in
  the forms real exports use (dots, ``ZL``/``CN`` prefixes, spaces, no check digit, 8-digit pre-2003 numbers), all
  distinct, check digits right; the addresses of the sample with the house number of an applicant drawn from a
  pool of ``n/10`` applicants (so about as many distinct addresses as a real export of that size has), and a share
  of rows with coordinates (WGS-84 or GCJ-02) inside the county.
* :func:`point_files` - workstation, case and enterprise CSVs (the importer's templates) with coordinates.
* :func:`detailed_coverage` - an "official-like" version of a coverage: every shared border gets fractal detail
  (same topology: borders stay shared), as a surveyed boundary file has.
* :func:`province_coverage` - about 1,300 power-diagram cells over a province-sized area, detailed the same way.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

_WEIGHTS = np.array([2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5], dtype=np.int64)
_CHECK = np.array(list("0123456789X"), dtype=object)
_TYPE_DIGIT = {"发明": "1", "实用新型": "2", "外观设计": "3"}


def _check_chars(bases: np.ndarray, width: int) -> np.ndarray:
    digits = np.frombuffer("".join(bases).encode("ascii"), dtype=np.uint8).reshape(-1, width).astype(np.int64) - 48
    return _CHECK[(digits @ _WEIGHTS[:width]) % 11]


def _type_digit(label: pd.Series) -> np.ndarray:
    out = np.full(len(label), "2", dtype=object)
    for word, d in _TYPE_DIGIT.items():
        out[label.str.contains(word[:2], regex=False).to_numpy()] = d
    return out


def patent_frame(n: int, seed: int = 1, coords_share: float = 0.05) -> pd.DataFrame:
    """n patent rows as an office export has them (see the module docstring)."""
    rng = np.random.default_rng(seed)
    sample = pd.read_csv(SAMPLE / "patents.csv", dtype=str, keep_default_na=False)
    rows = sample.iloc[rng.integers(0, len(sample), n)].reset_index(drop=True)

    # Application numbers: year from the row's application date, type from its label, a serial unique per
    # (year, type); the 8-digit form before 2003 (at most 99,999 per year and type, later ones move to 2003+).
    year = pd.to_numeric(rows["申请日"].str[:4], errors="coerce").fillna(2015).astype(int).to_numpy()
    digit = _type_digit(rows["专利类型"])
    old = year < 2003
    key = pd.Series(year * 10 + digit.astype(int))
    serial = key.groupby(key).cumcount().to_numpy() + 1
    over = old & (serial > 99_999)
    year = np.where(over, 2003 + (serial % 20), year)
    old &= ~over
    key = pd.Series(year * 10 + digit.astype(int))
    serial = key.groupby(key).cumcount().to_numpy() + 1
    base = np.empty(n, dtype=object)
    new = ~old
    base[new] = (
        pd.Series(year[new]).astype(str)
        + pd.Series(digit[new])
        + pd.Series(serial[new] + 100_000).astype(str).str.zfill(7)
    ).to_numpy()
    base[old] = (
        pd.Series(year[old] % 100).astype(str).str.zfill(2)
        + pd.Series(digit[old])
        + pd.Series(serial[old]).astype(str).str.zfill(5)
    ).to_numpy()
    check = np.empty(n, dtype=object)
    if new.any():
        check[new] = _check_chars(base[new], 12)
    if old.any():
        check[old] = _check_chars(base[old], 8)
    b, c = pd.Series(base), pd.Series(check)
    granted = rows["授权公告日"].ne("").to_numpy()
    style = rng.choice(["dot", "dot", "dot", "cn", "zl", "zl", "nodot", "space", "nocheck"], n)
    style = np.where((style == "zl") & ~granted, "dot", style)
    spaced = np.where(new, b.str[:4] + " " + b.str[4] + " " + b.str[5:], b.str[:2] + " " + b.str[2] + " " + b.str[3:])
    prefix = rng.choice(["ZL ", "CN ", ""], n)
    forms = {
        "dot": b + "." + c,
        "cn": "CN" + b + "." + c,
        "zl": "ZL" + b + "." + c,
        "nodot": b + c,
        "space": pd.Series(prefix) + pd.Series(spaced) + "." + c,
        "nocheck": pd.Series(np.where(rng.random(n) < 0.5, "CN", "")) + b,
    }
    number = pd.Series("", index=rows.index, dtype=object)
    for s, values in forms.items():
        sel = style == s
        number[sel] = values[sel].to_numpy()
    rows["申请号"] = number.to_numpy()

    # Addresses: the sample's stems ("…路", "…村") with the house number of an applicant from a pool of n/10.
    addr = rows["地址"]
    m = addr.str.extract(r"^(.*?)(\d+)号$")
    pool = max(n // 10, 1)
    applicant = np.minimum(rng.zipf(1.3, n), pool) - 1 + rng.integers(0, pool, n) * (rng.random(n) < 0.7)
    applicant %= pool
    house = (applicant * 7919) % 400 + 1
    has_no = m[0].notna().to_numpy()
    addr = addr.to_numpy(dtype=object).copy()
    addr[has_no] = (m[0][has_no] + pd.Series(house[has_no], index=m.index[has_no]).astype(str) + "号").to_numpy()
    rows["地址"] = addr

    # A share of rows with coordinates inside the county (WGS-84, some GCJ-02 as picked on an AMap map).
    k = int(round(n * coords_share))
    if k:
        idx = rng.choice(n, k, replace=False)
        lon, lat = random_points_in(_townships_union(), k, rng)
        datum = np.where(rng.random(k) < 0.2, "GCJ02", "WGS84")
        gcj = datum == "GCJ02"
        if gcj.any():
            from txip_geo.areas.datum import wgs84_to_gcj02

            lon[gcj], lat[gcj] = wgs84_to_gcj02(lon[gcj], lat[gcj])
        rows["经度"] = ""
        rows["纬度"] = ""
        rows["坐标系"] = ""
        rows.loc[idx, "经度"] = np.char.mod("%.6f", lon)
        rows.loc[idx, "纬度"] = np.char.mod("%.6f", lat)
        rows.loc[idx, "坐标系"] = datum
    return rows


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM, as Excel writes "CSV UTF-8" (and as the sample files are)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return path


def _townships_union():
    from txip_geo.areas import boundaries

    return shapely.union_all(boundaries.bundled_townships().geometry.to_numpy())


def random_points_in(geom, k: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """k uniform random points inside a (multi)polygon, by rejection from its bounding box."""
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    xs, ys = [], []
    got = 0
    while got < k:
        m = max(2 * (k - got), 64)
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        inside = shapely.contains_xy(geom, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        got += int(inside.sum())
    return np.concatenate(xs)[:k], np.concatenate(ys)[:k]


# --------------------------------------------------------------------------- point records (the map's layers)


def point_files(n_points: int, out_dir: Path, seed: int = 7) -> dict[str, Path]:
    """Workstations, cases and enterprises CSVs with n_points rows in all (about 10 % / 30 % / 60 %)."""
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    from txip_geo.areas import boundaries

    towns = boundaries.bundled_townships()
    union = shapely.union_all(towns.geometry.to_numpy())
    n_ws = max(n_points // 10, 1)
    n_cases = max(n_points * 3 // 10, 1)
    n_ent = max(n_points - n_ws - n_cases, 1)
    files = {}

    lon, lat = random_points_in(union, n_ws, rng)
    types = rng.choice(["知识产权工作站", "商标品牌指导站", "维权援助工作站", "专利导航服务站"], n_ws)
    files["workstations"] = write_csv(
        pd.DataFrame(
            {
                "编号": [f"BW-{i:05d}" for i in range(n_ws)],
                "名称": [f"基准测试工作站{i}（样例）" for i in range(n_ws)],
                "类型": types,
                "依托单位": [f"基准测试企业{i}（样例）" for i in range(n_ws)],
                "设立日期": "2024-05-01",
                "运行状态": "运行",
                "联系人": "某（样例）",
                "所属镇街代码": "",
                "所属镇街": "",
                "所属园区": "",
                "地址": "",
                "经度": np.char.mod("%.6f", lon),
                "纬度": np.char.mod("%.6f", lat),
                "坐标系": "WGS84",
            }
        ),
        out_dir / "workstations.csv",
    )

    lon, lat = random_points_in(union, n_cases, rng)
    kind = rng.choice(["查处", "调解"], n_cases)
    files["cases"] = write_csv(
        pd.DataFrame(
            {
                "案件编号": [f"泰兴知基〔2025〕{i:05d}号" for i in range(n_cases)],
                "案件类别": kind,
                "知识产权类型": rng.choice(["专利", "商标"], n_cases),
                "案由": "基准测试（样例）",
                "立案日期": "2025-03-01",
                "办理状态": "已结案",
                "结案日期": "2025-06-01",
                "处理结果": "行政处罚",
                "当事人": "某（样例）",
                "所属镇街代码": "",
                "所属镇街": "",
                "所属园区": "",
                "地址": "",
                "经度": np.char.mod("%.6f", lon),
                "纬度": np.char.mod("%.6f", lat),
                "坐标系": "WGS84",
            }
        ),
        out_dir / "cases.csv",
    )

    lon, lat = random_points_in(union, n_ent, rng)
    files["enterprises"] = write_csv(
        pd.DataFrame(
            {
                "统一社会信用代码": [f"91321283BM{i:07d}X" for i in range(n_ent)],
                "企业名称": [f"基准测试企业{i}有限公司（样例）" for i in range(n_ent)],
                "行业": "专用设备制造业",
                "规上工业企业": rng.choice(["是", "否"], n_ent),
                "高新技术企业": rng.choice(["是", "是", "否"], n_ent),
                "贯标备案": "否",
                "贯标绩效评价合格": "否",
                "国家知识产权优势示范": "",
                "知识产权密集型企业": "否",
                "专利标准融合创新企业": "否",
                "有效专利数": rng.choice(["0", "1", "3", "12"], n_ent),
                "有效商标数": "1",
                "所属镇街代码": "",
                "所属镇街": "",
                "所属园区": "",
                "地址": "",
                "经度": np.char.mod("%.6f", lon),
                "纬度": np.char.mod("%.6f", lat),
                "坐标系": "WGS84",
            }
        ),
        out_dir / "enterprises.csv",
    )
    return files


# --------------------------------------------------------------------------- coverages

_M_PER_DEG_LAT = 110_574.0


class _Local:
    """Equirectangular metres around a reference latitude (enough for synthetic geometry)."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0
        self.kx = 111_320.0 * math.cos(math.radians(lat0))

    def to_m(self, geoms):
        return shapely.transform(
            geoms, lambda c: np.column_stack(((c[:, 0] - self.lon0) * self.kx, (c[:, 1] - self.lat0) * _M_PER_DEG_LAT))
        )

    def to_ll(self, geoms):
        return shapely.transform(
            geoms, lambda c: np.column_stack((c[:, 0] / self.kx + self.lon0, c[:, 1] / _M_PER_DEG_LAT + self.lat0))
        )


def _fractal_offsets(t: np.ndarray, rng, octaves: int = 9) -> np.ndarray:
    """A smooth-to-rough random profile over t in [0, 1] (sum of sines, amplitude ~ 1/f^0.8), zero at both ends."""
    out = np.zeros_like(t)
    for k in range(octaves):
        f = 2.0**k
        out += rng.normal() * f**-0.8 * np.sin(math.pi * f * t + rng.uniform(0, 2 * math.pi))
    return out * np.sin(math.pi * t)


def _wiggle(line, rng, spacing: float, amplitude: float, max_amp: float):
    """The line with fractal detail: each straight piece resampled every `spacing` metres and offset sideways by a
    profile that is zero at the piece's ends (so corners and nodes stay put and a piece never crosses itself)."""
    coords = np.asarray(line.coords)
    out = [coords[:1]]
    for a, b in zip(coords[:-1], coords[1:]):
        v = b - a
        length = float(np.hypot(*v))
        n = int(length / spacing)
        if n < 4:
            out.append(b[None, :])
            continue
        t = np.linspace(0.0, 1.0, n + 1)[1:]
        normal = np.array([-v[1], v[0]]) / length
        off = _fractal_offsets(t, rng) * min(amplitude * length, max_amp) / 2.5
        out.append(a + t[:, None] * v + off[:, None] * normal)
    return shapely.LineString(np.concatenate(out))


def _edges(polys: np.ndarray, grid: float) -> list:
    """The shared and outer borders of a coverage as lines between nodes (each border once)."""
    lines = shapely.union_all(shapely.boundary(polys), grid_size=grid)
    merged = shapely.line_merge(lines)
    return list(shapely.get_parts(merged))


def _relabel(new_polys: np.ndarray, old_polys: np.ndarray) -> np.ndarray:
    """For each old polygon, the index of the new polygon that overlaps it most."""
    tree = shapely.STRtree(new_polys)
    out = np.full(len(old_polys), -1)
    for i, g in enumerate(old_polys):
        cand = tree.query(g, predicate="intersects")
        if len(cand):
            areas = shapely.area(shapely.intersection(new_polys[cand], g))
            out[i] = cand[int(np.argmax(areas))]
    return out


def detail_metric_coverage(
    polys_m: np.ndarray, *, spacing: float, amplitude: float, max_amp: float, seed: int, grid: float = 0.01
) -> np.ndarray:
    """Fractal detail on every border of a coverage in metres; returns polygons in the same order (valid coverage).

    Retries with half the amplitude when the wiggled borders cross (rare, near sharp corners)."""
    edges = _edges(polys_m, grid)
    for attempt in range(6):
        rng = np.random.default_rng(seed + attempt)
        wiggled = [_wiggle(e, rng, spacing, amplitude, max_amp) for e in edges]
        noded = shapely.union_all(np.array(wiggled, dtype=object), grid_size=grid)
        faces = np.array(list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(noded))))), dtype=object)
        if len(faces) == len(polys_m):
            order = _relabel(faces, polys_m)
            if (order >= 0).all() and len(set(order.tolist())) == len(polys_m):
                out = faces[order]
                if shapely.is_valid(out).all():
                    return out
        amplitude /= 2
        max_amp /= 2
    raise RuntimeError("could not detail the coverage without crossings")


def detailed_coverage(
    gdf, vertices_per_unit: int = 2000, seed: int = 11, amplitude: float = 0.04, max_amp: float = 600.0
):
    """A copy of a lon/lat coverage (GeoDataFrame) whose borders carry fractal detail, about `vertices_per_unit`
    vertices per polygon; shared borders stay exactly shared.  Extra attribute columns are added, as official files
    carry them (a folium default GeoJSON sends them all)."""
    import geopandas as gpd

    geoms = gdf.geometry.to_numpy()
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    local = _Local((minx + maxx) / 2, (miny + maxy) / 2)
    polys_m = local.to_m(geoms)
    perimeter = float(shapely.length(polys_m).sum())
    spacing = perimeter / (vertices_per_unit * len(geoms))
    out_m = detail_metric_coverage(polys_m, spacing=spacing, amplitude=amplitude, max_amp=max_amp, seed=seed)
    out = gdf.copy()
    out["geometry"] = local.to_ll(out_m)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=gdf.crs)
    out["XZQDM"] = out["code"].astype(str) + "000"
    out["XZQMC"] = out.get("name", out["code"])
    out["BSM"] = [f"{i:012d}" for i in range(len(out))]
    out["JSMJ"] = shapely.area(out_m) / 1e6
    out["BZ"] = "基准测试：按示意边界加细的仿正式边界（非真实）"
    return out


def detailed_polygons(gdf, vertices_per_unit: int = 500, seed: int = 13, amplitude: float = 0.03):
    """Independent polygons (parks) each with fractal detail on its ring."""
    import geopandas as gpd

    geoms = gdf.geometry.to_numpy()
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    local = _Local((minx + maxx) / 2, (miny + maxy) / 2)
    rng = np.random.default_rng(seed)
    out = []
    for g in local.to_m(geoms):
        ring = shapely.LineString(g.exterior.coords)
        spacing = ring.length / vertices_per_unit
        for _ in range(6):
            w = _wiggle(ring, rng, spacing, amplitude, 300.0)
            p = shapely.Polygon(w.coords)
            if p.is_valid:
                break
            amplitude /= 2
        out.append(p)
    res = gdf.copy()
    res["geometry"] = local.to_ll(np.array(out, dtype=object))
    return gpd.GeoDataFrame(res, geometry="geometry", crs=gdf.crs)


# --------------------------------------------------------------------------- province

PROVINCE_CENTRE = (119.4, 33.0)  # roughly Jiangsu
PROVINCE_AREA_KM2 = 107_000.0


def _clip_halfplane(verts: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """Clip a convex polygon (vertices in order) by a.x <= b (Sutherland-Hodgman, one plane)."""
    f = verts @ a - b
    nxt = np.roll(np.arange(len(verts)), -1)
    out = []
    for k in range(len(verts)):
        p, fp, q, fq = verts[k], f[k], verts[nxt[k]], f[nxt[k]]
        if fp <= 0:
            out.append(p)
        if (fp <= 0) != (fq <= 0):
            out.append(p + (q - p) * (fp / (fp - fq)))
    return np.array(out) if out else np.empty((0, 2))


def power_cells(sites: np.ndarray, weights: np.ndarray, box, k: int = 40) -> list[np.ndarray]:
    """Convex power-diagram cells of the sites within the box, each clipped by its k nearest sites' bisectors."""
    x0, y0, x1, y1 = box
    square = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)
    sq = np.einsum("ij,ij->i", sites, sites)
    cells = []
    for i in range(len(sites)):
        d2 = np.einsum("ij,ij->i", sites - sites[i], sites - sites[i])
        near = np.argpartition(d2, k + 1)[: k + 1]
        verts = square
        for j in near[np.argsort(d2[near])]:
            if j == i or len(verts) == 0:
                continue
            a = 2.0 * (sites[j] - sites[i])
            b = sq[j] - sq[i] - weights[j] + weights[i]
            verts = _clip_halfplane(verts, a, b)
        cells.append(verts)
    return cells


def province_outline_m(rng, area_km2: float = PROVINCE_AREA_KM2) -> shapely.Polygon:
    """An irregular blob of the given area (metres, centred on 0, 0): a radius with a few random harmonics."""
    th = np.linspace(0, 2 * math.pi, 721)[:-1]
    r = np.ones_like(th)
    for h in range(2, 7):
        r += rng.uniform(0.03, 0.12) / h**0.5 * np.cos(h * th + rng.uniform(0, 2 * math.pi))
    r = np.clip(r, 0.5, None)
    shape = shapely.Polygon(np.column_stack((1.25 * r * np.cos(th), 0.85 * r * np.sin(th))))
    scale = math.sqrt(area_km2 * 1e6 / shape.area)
    return shapely.Polygon(np.asarray(shape.exterior.coords) * scale)


def province_coverage(n_units: int = 1300, seed: int = 5, vertices_per_unit: int = 300):
    """About n_units power-diagram cells (GeoDataFrame: code, name, geometry in lon/lat) tiling a province-sized
    area, with detailed borders (about `vertices_per_unit` vertices each), and the outline."""
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    outline = province_outline_m(rng)
    minx, miny, maxx, maxy = outline.bounds
    # Seats: denser around a few "cities", like real township seats.
    centres = rng.uniform((minx, miny), (maxx, maxy), (12, 2))
    pts = []
    n_sites = int(round(n_units * 1.03))  # a few cells fall outside the outline's bays
    while len(pts) < n_sites:
        if rng.random() < 0.45:
            c = centres[rng.integers(len(centres))]
            p = c + rng.normal(0, 18_000, 2)
        else:
            p = rng.uniform((minx, miny), (maxx, maxy))
        if outline.contains(shapely.Point(p)):
            pts.append(p)
    sites = np.array(pts)
    mean_area = outline.area / n_sites
    weights = rng.uniform(0, 0.25 * mean_area, n_sites)  # power weights (m²): unequal cell sizes
    cells = power_cells(sites, weights, (minx - 1000, miny - 1000, maxx + 1000, maxy + 1000))
    polys = []
    for v in cells:
        if len(v) >= 3:
            c = shapely.intersection(shapely.Polygon(v), outline)
            if not c.is_empty:
                # keep the largest part (a cell cut by the outline's bays)
                parts = list(shapely.get_parts(c))
                polys.append(max(parts, key=lambda g: g.area) if parts else c)
    # Node every border once on a 1 cm grid and polygonize: an exact coverage.
    lines = shapely.union_all(shapely.boundary(np.array(polys, dtype=object)), grid_size=0.01)
    faces = np.array(list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(lines))))), dtype=object)
    perimeter = float(shapely.length(faces).sum())
    spacing = perimeter / (vertices_per_unit * len(faces))
    detailed = detail_metric_coverage(faces, spacing=spacing, amplitude=0.035, max_amp=1500.0, seed=seed)
    local = _Local(*PROVINCE_CENTRE)
    ll = local.to_ll(detailed)
    order = np.lexsort((shapely.get_x(shapely.centroid(ll)), -shapely.get_y(shapely.centroid(ll))))
    ll = ll[order]
    codes = [f"32{9000000 + i:07d}" for i in range(len(ll))]
    gdf = gpd.GeoDataFrame(
        {"code": codes, "name": [f"单元{i + 1:04d}" for i in range(len(ll))]}, geometry=list(ll), crs="EPSG:4326"
    )
    outline_ll = gpd.GeoDataFrame({"code": ["320000"]}, geometry=[shapely.union_all(ll)], crs="EPSG:4326")
    return gdf, outline_ll


def province_patent_frame(n: int, union, *, seed: int = 3, serial_offset: int = 0) -> pd.DataFrame:
    """n patent rows for the province benchmark: distinct 12-digit application numbers (serials from
    `serial_offset`, so files made with different offsets do not overlap), applicant, date, type, status and
    WGS-84 coordinates uniformly inside `union` (the province's units). No address: the gazetteer is Taixing's, so a
    province's records are assigned by their coordinates."""
    rng = np.random.default_rng(seed)
    year = rng.integers(2003, 2026, n)
    digit = rng.choice(np.array(["1", "2", "3"], dtype=object), n, p=[0.35, 0.5, 0.15])
    key = pd.Series(year * 10 + digit.astype(int))
    serial = key.groupby(key).cumcount().to_numpy() + 100_000 + serial_offset
    base = (pd.Series(year).astype(str) + pd.Series(digit) + pd.Series(serial).astype(str).str.zfill(7)).to_numpy()
    check = _check_chars(base, 12)
    number = pd.Series(base) + "." + pd.Series(check)
    lon, lat = random_points_in(union, n, rng)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    date = (
        pd.Series(year).astype(str)
        + "-"
        + pd.Series(month).astype(str).str.zfill(2)
        + "-"
        + pd.Series(day).astype(str).str.zfill(2)
    )
    return pd.DataFrame(
        {
            "申请号": number,
            "申请人": pd.Series(rng.integers(0, max(n // 8, 1), n)).map("基准测试企业{}有限公司".format),
            "申请日": date,
            "专利类型": pd.Series(digit).map({"1": "发明", "2": "实用新型", "3": "外观设计"}),
            "法律状态": rng.choice(["有效", "有效", "失效", "审中"], n),
            "经度": np.char.mod("%.6f", lon),
            "纬度": np.char.mod("%.6f", lat),
            "坐标系": "WGS84",
        }
    )
