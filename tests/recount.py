"""An independent recount of every figure txip-geo shows (issue #16): deliberately plain pandas/geopandas over the raw
input files, written from the documented rules (docs/data-model.md, data/goals.csv `definition`, the plan's goals in
/work/shared/plan/goals.md and issue #16), NOT from the app's code.

It imports nothing from txip_geo. It reads the gazetteer tables in data/ (units, old names, villages, parks, outside
places, population, goals, tasks) and, for coordinates, the township and park layers kept in the store (plain sqlite3,
WKB) plus the bundled county outline (geo/taixing_outline.geojson).

Where issue #16 says the app is wrong, this implements the RIGHT rule:
- G16 / training_attendees count only 对象 高管 and 工程师 (the plan: 企业知识产权高管、知识产权工程师);
- bases (population, market entities) are the latest year whose 31 December is on or before the view's date;
- a city total of enterprises is the city's own count (parks lie inside townships; never townships + parks).

Entry point: `recount(imports, view=None, store_path=...)` with `imports` = [(kind, csv path, as_of), ...] in import
order; returns a `Recount` (units, parks, city, unassigned, outside, goals, gaps, assigned records). The bundled
sample's two snapshots as its README describes them: `sample_imports()`; its baseline: `baseline_recount(store)`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
GEO = ROOT / "geo"
CITY = "321283"
PLAN_START = "2024-01-01"
LONG_YEARS = 10
POP_BASE = "常住"

# -- the input files: template headers (docs/data-model.md field tables) -> field names --------------------------------

LOC = {
    "所属镇街代码": "area_code",
    "所属镇街": "area_name",
    "所属园区": "park_name",
    "地址": "address",
    "经度": "lon",
    "纬度": "lat",
    "坐标系": "datum",
}
HEADERS = {
    "patents": {
        "申请号": "app_no",
        "申请人": "applicant",
        "申请日": "app_date",
        "授权公告日": "grant_date",
        "专利类型": "type_label",
        "法律状态": "status",
        "统一社会信用代码": "enterprise_code",
        "主分类号": "ipc",  # the industries' recount (tests/test_industries.py)
        "分类号": "ipc_all",
        **LOC,
    },
    "trademarks": {
        "注册号": "reg_no",
        "注册人": "registrant",
        "注册日期": "reg_date",
        "专用权期限截止": "expiry_date",
        "商标状态": "status",
        "统一社会信用代码": "enterprise_code",
        **LOC,
    },
    "workstations": {
        "编号": "station_id",
        "名称": "name",
        "类型": "station_type",
        "设立日期": "established",
        "运行状态": "status",
        **LOC,
    },
    "cases": {
        "案件编号": "case_no",
        "案件类别": "case_kind",
        "立案日期": "accepted_date",
        "办理状态": "status",
        "结案日期": "closed_date",
        "处理结果": "outcome",
        **LOC,
    },
    "enterprises": {
        "统一社会信用代码": "credit_code",
        "企业名称": "name",
        "规上工业企业": "above_scale",
        "高新技术企业": "high_tech",
        "贯标备案": "gb_filed",
        "贯标绩效评价合格": "gb_passed",
        "国家知识产权优势示范": "advantage",
        "知识产权密集型企业": "ip_intensive",
        "专利标准融合创新企业": "patent_standard",
        "有效专利数": "patents_held",
        "有效商标数": "trademarks_held",
        **LOC,
    },
    "pledges": {"登记号": "pledge_id", "金额（万元）": "amount_wan", "登记日期": "date", **LOC},
    "trainings": {"编号": "training_id", "培训日期": "date", "对象": "audience", "人次": "attendees", **LOC},
    "service_orgs": {"统一社会信用代码": "org_id", "机构名称": "name", "状态": "status", **LOC},
    "network": {
        "镇街或园区": "area",
        "知识产权管理机构": "has_office",
        "专（兼）职管理人员数": "staff",
        "专项资金（万元）": "fund_wan",
        "试点示范级别": "pilot_level",
    },
    "manual": {"指标编号": "goal_id", "数值": "value", "是否完成": "done"},
    "statistics": {"区划代码": "code", "年份": "year", "指标": "measure", "数值": "value"},
}
KEYS = {
    "patents": ["pkey"],
    "trademarks": ["reg_no"],
    "workstations": ["station_id"],
    "cases": ["case_no"],
    "enterprises": ["credit_code"],
    "pledges": ["pledge_id"],
    "trainings": ["training_id"],
    "service_orgs": ["org_id"],
    "network": ["area"],
    "manual": ["goal_id"],
    "statistics": ["code", "year", "measure"],
}
LOCATED = ["patents", "trademarks", "workstations", "cases", "enterprises", "pledges", "trainings", "service_orgs"]


def _s(v) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()


def read_file(kind: str, path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    df = df.rename(columns={k: v for k, v in HEADERS[kind].items() if k in df.columns})
    for c in set(HEADERS[kind].values()) - set(df.columns):
        df[c] = ""
    df = df[list(dict.fromkeys(HEADERS[kind].values()))].apply(lambda s: s.map(_s))
    df["row_no"] = range(2, len(df) + 2)  # the file's line (line 1 is the header)
    if kind == "patents":
        df["pkey"] = df["app_no"].map(lambda v: patent_number(v)[0])
    return df


# -- plain rules from docs/data-model.md -------------------------------------------------------------------------------


def patent_number(raw: str) -> tuple[str, str]:
    """(number without check digit, type) from an application number in any common form (CN/ZL, dots, spaces)."""
    s = re.sub(r"[\s.．]", "", raw.upper())
    s = re.sub(r"^(ZL|CN)", "", s)
    if len(s) in (13, 9):
        s = s[:-1]  # the check digit (may be X)
    if len(s) == 12:
        d = s[4]
    elif len(s) == 8:
        d = s[2]
    else:
        return s, ""
    return s, {"1": "invention", "8": "invention", "2": "utility", "9": "utility", "3": "design"}.get(d, "")


PATENT_STATUS = {
    "valid": ["有效", "专利权维持", "授权"],
    "pending": ["审中", "公开", "实质审查", "等待实审"],
    "invalid": [
        "失效",
        "未缴年费终止",
        "未缴年费专利权终止",
        "驳回",
        "期限届满",
        "视为撤回",
        "放弃",
        "避免重复授权放弃",
    ],
}
TM_STATUS = {
    "valid": ["已注册", "有效", "注册"],
    "pending": ["申请中", "等待实质审查"],
    "invalid": ["无效", "注销", "撤销"],
}


def status_code(word: str, table: dict) -> str:
    for code, words in table.items():
        if word in words:
            return code
    raise ValueError(f"unknown status word {word!r}")


def yes(v) -> bool:
    return _s(v) in ("是", "有", "Y", "y", "1", "true", "True")


def flag(s: pd.Series) -> pd.Series:
    return pd.Series([yes(v) for v in s], index=s.index, dtype=bool)


def num(v):
    v = _s(v)
    return float(v) if v else np.nan


# -- gazetteer (data/) -------------------------------------------------------------------------------------------------


def _csv(name):
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@dataclass
class Gaz:
    units: pd.DataFrame = field(default_factory=lambda: _csv("units.csv"))
    old: pd.DataFrame = field(default_factory=lambda: _csv("historical_names.csv"))
    villages: pd.DataFrame = field(default_factory=lambda: _csv("villages.csv"))
    parks: pd.DataFrame = field(default_factory=lambda: _csv("parks.csv"))
    outside: pd.DataFrame = field(default_factory=lambda: _csv("outside_places.csv"))

    @property
    def codes(self):
        return self.units["code"].tolist()

    def name_of(self, code):
        return dict(zip(self.units["code"], self.units["name"]))[code]

    def unit_by_name(self, name: str) -> str | None:
        """A 所属镇街 cell: code, full name, short name or a sourced old name."""
        name = name.strip()
        for c, n, sn in zip(self.units["code"], self.units["name"], self.units["short_name"]):
            if name in (c, n, sn):
                return c
        hit = self.old[self.old["old_name"] == name]
        if len(hit) and hit["successor_code"].iloc[0]:
            return hit["successor_code"].iloc[0]
        return None

    @cached_property
    def counties(self) -> list[str]:
        return [c for c in self.outside[self.outside["level"] == "county"]["name"] if c != "泰兴市"]

    @cached_property
    def unique_villages(self) -> list[tuple[str, str]]:
        """(name with its suffix, unit) of village names that occur in one unit only."""
        vc = self.villages.groupby("name")["unit_code"].nunique()
        uniq = self.villages[self.villages["name"].isin(vc[vc == 1].index)]
        return [(n + k, u) for n, k, u in zip(uniq["name"], uniq["kind"], uniq["unit_code"])]

    @cached_property
    def park_names(self) -> list[tuple[str, str]]:
        out = []
        for _, p in self.parks.iterrows():
            for n in [p["name"], *[a for a in p["aliases"].split(";") if a]]:
                out.append((n, p["code"]))
        return out

    def park_by_name(self, name: str) -> str | None:
        name = normalise(name)
        for n, c in self.park_names:
            if name in (n, c):
                return c
        return None

    def host(self, park):
        return dict(zip(self.parks["code"], self.parks["host_code"])).get(park) or None


STREET_AFTER = "路街桥道巷弄大"
_ADDRESS_CACHE: dict = {}


def address_unit(addr: str, gaz: Gaz) -> tuple[str | None, str | None, str]:
    key = (id(gaz), addr)
    if key not in _ADDRESS_CACHE:
        _ADDRESS_CACHE[key] = _address_unit(addr, gaz)
    return _ADDRESS_CACHE[key]


def normalise(addr: str) -> str:
    """Spaces out, full-width brackets as ASCII, 江苏省 out, 泰兴市经济开发区 / 泰兴市高新区 / 泰兴市开发区 as 泰兴…
    (issue #16: parks are written with or without 江苏省/泰兴市, in short forms, with spaces)."""
    a = re.sub(r"\s+", "", addr).replace("（", "(").replace("）", ")").replace("江苏省", "")
    return re.sub(r"泰兴市(?=经济|经开|开发区|高新)", "泰兴", a)


def _address_unit(addr: str, gaz: Gaz) -> tuple[str | None, str | None, str]:
    """(unit, park, method) from an address: outside county > full/old names > park names > unique villages > short
    names not followed by a street word; two different units on the top tier -> unassigned."""
    addr = normalise(addr)
    if not addr:
        return None, None, "unassigned"
    if any(c in addr for c in gaz.counties):
        return None, None, "outside"
    park = None
    hits = [(n, c) for n, c in gaz.park_names if n in addr]
    if hits:
        park = max(hits, key=lambda h: len(h[0]))[1]
    full = {u for n, u in zip(gaz.units["name"], gaz.units["code"]) if n in addr}
    full |= {u for n, u in zip(gaz.old["old_name"], gaz.old["successor_code"]) if n in addr and u}
    unsourced_old = any(n in addr for n, u in zip(gaz.old["old_name"], gaz.old["successor_code"]) if not u)
    if len(full) == 1:
        return full.pop(), park, "address"
    if len(full) > 1:
        return None, park, "unassigned"
    if park:
        return gaz.host(park), park, "park"
    if unsourced_old:
        return None, None, "unassigned"
    vil = {u for n, u in gaz.unique_villages if n in addr}
    if len(vil) == 1:
        return vil.pop(), None, "address"
    if len(vil) > 1:
        return None, None, "unassigned"
    short = set()
    for n, u in zip(gaz.units["short_name"], gaz.units["code"]):
        for m in re.finditer(re.escape(n), addr):
            nxt = addr[m.end() : m.end() + 1]
            if nxt and nxt in STREET_AFTER:
                continue
            short.add(u)
    if len(short) == 1:
        return short.pop(), None, "address"
    return None, None, "unassigned"


def connect(store_path):
    """The store's database: the SQLite file (plain sqlite3), or its PostgreSQL schema when the suite runs with
    --db-backend=postgresql (a DB-API connection as well)."""
    from txip_geo.store import backend_pg

    target = backend_pg.target_of(store_path)
    return target.connect() if target else sqlite3.connect(store_path)


# -- layers (from the store) and points --------------------------------------------------------------------------------


def layers(store_path):
    import geopandas as gpd
    from shapely import wkb

    con = connect(store_path)
    rows = con.execute("SELECT layer, code, geometry FROM boundaries").fetchall()
    con.close()
    frames = {}
    for layer in ("townships", "parks"):
        sel = [(c, wkb.loads(bytes(g))) for ly, c, g in rows if ly == layer]
        frames[layer] = gpd.GeoDataFrame({"code": [c for c, _ in sel]}, geometry=[g for _, g in sel], crs="EPSG:4326")
    outline = gpd.read_file(GEO / "taixing_outline.geojson").set_crs("EPSG:4326", allow_override=True)
    frames["outline"] = outline.union_all() if hasattr(outline, "union_all") else outline.unary_union
    return frames


def to_wgs84(lon, lat, datum):
    if datum.upper() in ("GCJ02", "GCJ-02"):
        import prcoords

        la, lo = prcoords.gcj_wgs_bored((lat, lon))
        return lo, la
    return lon, lat


def assign(df: pd.DataFrame, gaz: Gaz, lay) -> pd.DataFrame:
    """unit_code, park_code, method per record (docs/data-model.md, 'Area assignment')."""
    import geopandas as gpd
    from shapely.geometry import Point

    df = df.copy()
    pts = []
    for lon, lat, datum in zip(df["lon"], df["lat"], df["datum"]):
        if lon and lat:
            pts.append(Point(*to_wgs84(float(lon), float(lat), datum)))
        else:
            pts.append(None)
    g = gpd.GeoDataFrame({"i": range(len(df))}, geometry=pts, crs="EPSG:4326")
    has = g[g.geometry.notna()]
    town = gpd.sjoin(has, lay["townships"], predicate="within", how="left").drop_duplicates("i").set_index("i")["code"]
    park = gpd.sjoin(has, lay["parks"], predicate="within", how="left").drop_duplicates("i").set_index("i")["code"]
    units, parks, methods = [], [], []
    town, park = town.to_dict(), park.to_dict()
    for i, r in enumerate(df.itertuples()):
        pcol = gaz.park_by_name(r.park_name) if r.park_name else None
        ppt = park.get(i) if isinstance(park.get(i), str) else None
        if r.area_code or r.area_name:
            u = gaz.unit_by_name(r.area_code or r.area_name)
            if u:
                units.append(u), parks.append(pcol or ppt), methods.append("code")
                continue
        if pts[i] is not None:
            t = town.get(i)
            if isinstance(t, str):
                units.append(t), parks.append(pcol or ppt), methods.append("point")
                continue
            if not lay["outline"].contains(pts[i]):
                units.append(None), parks.append(None), methods.append("outside")
                continue
        if pcol:
            units.append(gaz.host(pcol)), parks.append(pcol), methods.append("park")
            continue
        u, p, m = address_unit(r.address, gaz)
        units.append(u), parks.append(p), methods.append(m)
    df["unit_code"], df["park_code"], df["method"] = units, parks, methods
    return df


# -- the bundled sample (data/sample/README.md) ------------------------------------------------------------------------

SAMPLE = DATA / "sample"
SAMPLE_BASELINE = SAMPLE / "baseline"
SAMPLE_AS_OF, SAMPLE_BASELINE_AS_OF = "2026-10-31", "2023-12-31"  # the README's 数据截止日 and 基期快照


def sample_imports() -> list[tuple[str, Path, str]]:
    """The sample as its README describes it, read from the folders (not from a store): every file of baseline/ as of
    the baseline date, then every file of data/sample/ as of the current date."""
    out = []
    for folder, as_of in ((SAMPLE_BASELINE, SAMPLE_BASELINE_AS_OF), (SAMPLE, SAMPLE_AS_OF)):
        out += [(k, folder / f"{k}.csv", as_of) for k in HEADERS if (folder / f"{k}.csv").exists()]
    return out


# What the baseline recount checks per township and for the city: valid invention patents, valid trademarks, the
# enterprises' flags, workstations, service organisations and the network's office, staff and fund.
BASELINE_METRICS = [
    "invention_patents_valid",
    "trademarks",
    "enterprises",
    "above_scale",
    "high_tech",
    "high_tech_gb_filed",
    "zero_patent_above_scale",
    "zero_patent_high_tech",
    "workstations",
    "service_orgs",
    "has_office",
    "staff",
    "fund_wan",
]


def baseline_recount(store_path) -> Recount:
    """The sample at its baseline date, from the files of baseline/ (and the yearly statistics of data/sample/; the
    dated ledgers have no snapshot on or before it)."""
    return recount(sample_imports(), SAMPLE_BASELINE_AS_OF, store_path)


# -- snapshots ---------------------------------------------------------------------------------------------------------


def snapshot(imports, kind, view):
    """The rows of a kind's latest snapshot on or before `view` (all files of that as-of; later files win)."""
    mine = [(p, a) for k, p, a in imports if k == kind and (view is None or a <= view)]
    if not mine:
        return None, None
    as_of = max(a for _, a in mine)
    # Within a file the first row of a key stands for its duplicates (merged); between files the later file wins.
    frames = [read_file(kind, p).drop_duplicates(KEYS[kind], keep="first") for p, a in mine if a == as_of]
    df = pd.concat(frames, ignore_index=True)
    df = df.drop_duplicates(KEYS[kind], keep="last").reset_index(drop=True)
    return df, as_of


def base_year_limit(view: str) -> int:
    """The latest year whose 31 December is on or before the view's date."""
    d = date.fromisoformat(view)
    return d.year if (d.month, d.day) == (12, 31) else d.year - 1


def bases(stats: pd.DataFrame | None) -> pd.DataFrame:
    """code, year, measure, value: data/population.csv overridden by imported statistics rows."""
    pop = _csv("population.csv")
    base = pd.DataFrame(
        {
            "code": pop["code"],
            "year": pop["year"].astype(int),
            "measure": pop["base"].map(lambda b: "人口(未注明)" if b == "未注明" else b + "人口"),
            "value": pop["population"].astype(float),
        }
    )
    if stats is not None and len(stats):
        st = pd.DataFrame(
            {
                "code": stats["code"],
                "year": stats["year"].astype(int),
                "measure": stats["measure"],
                "value": stats["value"].astype(float),
            }
        )
        base = pd.concat([base, st]).drop_duplicates(["code", "year", "measure"], keep="last")
    return base


def latest(b: pd.DataFrame, code: str, measures, limit: int):
    sel = b[(b["code"] == code) & b["measure"].isin(measures) & (b["year"] <= limit)]
    if sel.empty:
        return None, None
    sel = sel.sort_values("year")
    if not sel["value"].iloc[-1] > 0:  # a base of 0 (or less) is no base: nothing is divided by it
        return None, None
    return float(sel["value"].iloc[-1]), int(sel["year"].iloc[-1])


# -- the recount -------------------------------------------------------------------------------------------------------

COUNT_METRICS = [
    "patents",
    "invention_patents",
    "utility_patents",
    "design_patents",
    "patents_valid",
    "invention_patents_valid",
    "invention_patents_long",
    "trademarks",
    "workstations",
    "cases",
    "enforcement_cases",
    "enforcement_closed",
    "disputes",
    "disputes_mediated",
    "enterprises",
    "above_scale",
    "high_tech",
    "high_tech_gb_filed",
    "zero_patent_above_scale",
    "zero_patent_high_tech",
    "zero_trademark_above_scale",
    "gb_passed",
    "advantage_national",
    "ip_intensive",
    "patent_standard",
    "pledge_amount_wan",
    "training_attendees",
    "service_orgs",
]
# The advantage levels G09 counts (国家知识产权优势(示范)企业), as offices write them.
NATIONAL_ADVANTAGE = ["国家知识产权优势企业", "国家知识产权示范企业", "国家优势", "国家示范"]


@dataclass
class Recount:
    units: pd.DataFrame
    parks: pd.DataFrame
    city: dict
    unassigned: dict
    outside: dict
    goals: pd.DataFrame
    gaps: pd.DataFrame
    records: dict
    as_of: str | None


def _years_before(d: str, n: int) -> str:
    y, m, dd = map(int, d.split("-"))
    try:
        return date(y - n, m, dd).isoformat()
    except ValueError:  # 29 February
        return date(y - n, m, 28).isoformat()


def prepared(imports, view, store_path, gaz=None, long_years=LONG_YEARS):
    gaz = gaz or Gaz()
    lay = layers(store_path)
    recs, as_ofs = {}, {}
    for kind in KEYS:
        df, a = snapshot(imports, kind, view)
        recs[kind], as_ofs[kind] = df, a
    recs["statistics"] = statistics_series(imports)
    for kind in LOCATED:
        if recs[kind] is not None:
            recs[kind] = assign(recs[kind], gaz, lay)
    p = recs["patents"]
    if p is not None:
        p["ptype"] = p["app_no"].map(lambda v: patent_number(v)[1])
        p["st"] = p["status"].map(lambda w: status_code(w, PATENT_STATUS))
        cut = _years_before(as_ofs["patents"], long_years)
        p["long"] = (p["ptype"] == "invention") & (p["st"] == "valid") & (p["app_date"] != "") & (p["app_date"] < cut)
    t = recs["trademarks"]
    if t is not None:
        t["st"] = t["status"].map(lambda w: status_code(w, TM_STATUS))
    return gaz, lay, recs, as_ofs


def area_figures(recs, sel) -> dict:
    """The count metrics over the records selected by sel(df) -> bool mask (counted records only)."""
    out = {}

    def rows(kind):
        df = recs.get(kind)
        if df is None:
            return None
        return df[sel(df) & (df["method"] != "outside")]

    p = rows("patents")
    if p is not None:
        out["patents"] = len(p)
        out["invention_patents"] = int((p["ptype"] == "invention").sum())
        out["utility_patents"] = int((p["ptype"] == "utility").sum())
        out["design_patents"] = int((p["ptype"] == "design").sum())
        out["patents_valid"] = int((p["st"] == "valid").sum())
        out["invention_patents_valid"] = int(((p["ptype"] == "invention") & (p["st"] == "valid")).sum())
        out["invention_patents_long"] = int(p["long"].sum())
    t = rows("trademarks")
    if t is not None:
        out["trademarks"] = int((t["st"] == "valid").sum())
    w = rows("workstations")
    if w is not None:
        out["workstations"] = int(w["status"].isin(["", "运行"]).sum())
    c = rows("cases")
    if c is not None:
        out["cases"] = len(c)
        since = c["accepted_date"] >= PLAN_START
        enf = c[since & (c["case_kind"] == "查处")]
        dis = c[since & (c["case_kind"] == "调解")]
        out["enforcement_cases"] = len(enf)
        out["enforcement_closed"] = int((enf["status"] == "已结案").sum())
        out["disputes"] = len(dis)
        out["disputes_mediated"] = int((dis["outcome"] == "调解成功").sum())
    e = rows("enterprises")
    if e is not None:
        ab, ht = flag(e["above_scale"]), flag(e["high_tech"])
        out["enterprises"] = len(e)
        out["above_scale"] = int(ab.sum())
        out["high_tech"] = int(ht.sum())
        out["high_tech_gb_filed"] = int((ht & flag(e["gb_filed"])).sum())
        out["zero_patent_above_scale"] = int((ab & (e["pheld"] == 0)).sum())
        out["zero_patent_high_tech"] = int((ht & (e["pheld"] == 0)).sum())
        out["zero_trademark_above_scale"] = int((ab & (e["theld"] == 0)).sum())
        out["zero_enterprises"] = int(((ab | ht) & (e["pheld"] == 0)).sum())
        # G08–G11 per area (issue #18): the enterprises flagged 贯标绩效评价合格, 国家优势/示范, 密集型, 标准融合
        out["gb_passed"] = int(flag(e["gb_passed"]).sum())
        out["advantage_national"] = int(e["advantage"].isin(NATIONAL_ADVANTAGE).sum())
        out["ip_intensive"] = int(flag(e["ip_intensive"]).sum())
        out["patent_standard"] = int(flag(e["patent_standard"]).sum())
    pl = rows("pledges")
    if pl is not None:
        out["pledge_amount_wan"] = float(pl.loc[pl["date"] >= PLAN_START, "amount_wan"].astype(float).sum())
    tr = rows("trainings")
    if tr is not None:
        ok = (tr["date"] >= PLAN_START) & tr["audience"].isin(["高管", "工程师"])
        out["training_attendees"] = float(tr.loc[ok, "attendees"].astype(float).sum())
    so = rows("service_orgs")
    if so is not None:
        out["service_orgs"] = int(so["status"].isin(["", "在营"]).sum())
    return out


def _rate(num_, den):
    return round(100.0 * num_ / den, 1) if den else np.nan


def held(ent: pd.DataFrame, pats, tms) -> pd.DataFrame:
    """有效专利数 / 有效商标数: the column, else derived from the records (valid ones) by credit code, else by name."""

    def derive(recs, who, code_col):
        if recs is None:
            return lambda r: np.nan
        v = recs[recs["st"] == "valid"]
        by_code = v[v["enterprise_code"] != ""].groupby("enterprise_code").size()
        by_name = v.groupby(who).size()
        return lambda r: float(by_code.get(r[code_col], 0) or by_name.get(r["name"], 0))

    ent = ent.copy()
    dp, dt = derive(pats, "applicant", "credit_code"), derive(tms, "registrant", "credit_code")
    ent["pheld"] = [num(r["patents_held"]) if r["patents_held"] else dp(r) for _, r in ent.iterrows()]
    ent["theld"] = [num(r["trademarks_held"]) if r["trademarks_held"] else dt(r) for _, r in ent.iterrows()]
    return ent


def statistics_series(imports):
    """Statistics are a yearly series, not a snapshot: each row describes its own year, so every statistics file
    counts whatever its as-of date (a later file does not void the years it leaves out); for the same code, year and
    measure the file imported last wins. Which year a view uses is decided later (base_year_limit)."""
    files = [p for k, p, _a in imports if k == "statistics"]
    if not files:
        return None
    df = pd.concat(
        [read_file("statistics", p).drop_duplicates(KEYS["statistics"], keep="first") for p in files], ignore_index=True
    )
    return df.drop_duplicates(KEYS["statistics"], keep="last").reset_index(drop=True)


def recount(
    imports, view: str | None = None, store_path=None, long_years: int = LONG_YEARS, pop_base: str = POP_BASE
) -> Recount:
    """The figures of the latest snapshots on or before `view`; long_years (G02) and pop_base (G03: 常住/户籍) are
    the app's settings."""
    gaz, lay, recs, as_ofs = prepared(imports, view, store_path, long_years=long_years)
    if recs["enterprises"] is not None:
        recs["enterprises"] = held(recs["enterprises"], recs["patents"], recs["trademarks"])
    snaps = [a for a in as_ofs.values() if a]
    as_of = view or (max(snaps) if snaps else None)
    limit = base_year_limit(as_of) if as_of else 9999
    b = bases(recs["statistics"])
    net = recs["network"]
    netrows = {}
    if net is not None:
        for _, r in net.iterrows():
            code = gaz.unit_by_name(r["area"]) or gaz.park_by_name(r["area"])
            netrows[code] = r

    def network_cols(code):
        r = netrows.get(code)
        if r is None:
            return {"has_office": np.nan, "staff": np.nan, "fund_wan": np.nan, "pilot_level": ""}
        return {
            "has_office": (1.0 if yes(r["has_office"]) else 0.0) if r["has_office"] else np.nan,
            "staff": num(r["staff"]),
            "fund_wan": num(r["fund_wan"]),
            "pilot_level": r["pilot_level"],
        }

    def finish(d, code=None):
        if "enforcement_cases" in d:
            d["enforcement_rate"] = _rate(d["enforcement_closed"], d["enforcement_cases"])
            d["mediation_rate"] = _rate(d["disputes_mediated"], d["disputes"])
        # G07 and G05 per area (issue #18): 高企贯标备案率 (none without a 高企); valid trademarks per 10,000 market
        # entities of the area's own 市场主体户数 (statistics; none where the area has no such figure)
        d["gb_filed_rate"] = _rate(d["high_tech_gb_filed"], d["high_tech"]) if "high_tech" in d else np.nan
        me, _ = latest(b, code or CITY, ["市场主体户数"], limit)
        d["market_entities"] = me if me is not None else np.nan
        tm = d.get("trademarks")
        d["trademarks_per_10k_entities"] = round(tm / me * 1e4, 1) if me and tm is not None else np.nan
        return d

    area_km2 = measured_areas(lay)
    urows = []
    for code in gaz.codes:
        d = finish(area_figures(recs, lambda df, c=code: df["unit_code"] == c), code)
        d.update(code=code, name=gaz.name_of(code), **network_cols(code))
        pop, year = latest(b, code, ["常住人口", "户籍人口", "人口(未注明)"], limit)
        d["population"], d["population_year"] = pop, year
        d["invention_per_10k"] = (
            round(d["invention_patents_valid"] / pop * 1e4, 2) if pop and "invention_patents_valid" in d else np.nan
        )
        d["area_km2"] = round(area_km2[code], 2)
        urows.append(d)
    prows = []
    for code in gaz.parks["code"]:
        d = finish(area_figures(recs, lambda df, c=code: df["park_code"] == c), code)
        d.update(code=code, name=dict(zip(gaz.parks["code"], gaz.parks["name"]))[code], **network_cols(code))
        d["area_km2"] = round(area_km2[code], 2)
        prows.append(d)
    city = finish(area_figures(recs, lambda df: pd.Series(True, index=df.index)))
    city["area_km2"] = round(sum(area_km2[c] for c in gaz.codes), 2)
    unassigned, outside = {}, {}
    for kind in LOCATED:
        df = recs[kind]
        # a kind never imported has no count (None), not 0
        unassigned[kind] = None if df is None else int(((df["method"] != "outside") & df["unit_code"].isna()).sum())
        outside[kind] = None if df is None else int((df["method"] == "outside").sum())
    units, parks = pd.DataFrame(urows), pd.DataFrame(prows)
    goals = goal_values(city, recs, b, limit, parks, pop_base)
    gaps = gap_rows(units, parks, recs)
    return Recount(units, parks, city, unassigned, outside, goals, gaps, recs, as_of)


def measured_areas(lay) -> dict:
    out = {}
    for layer in ("townships", "parks"):
        g = lay[layer].to_crs("EPSG:4549")
        out.update({c: a / 1e6 for c, a in zip(g["code"], g.geometry.area)})
    return out


# -- goals (data/goals.csv) --------------------------------------------------------------------------------------------


def goal_values(city, recs, b, limit, parks, pop_base=POP_BASE) -> pd.DataFrame:
    goals = _csv("goals.csv")
    e = recs["enterprises"]
    cur: dict[str, float | None] = {}
    cur["G01"] = city.get("invention_patents_valid")
    cur["G02"] = city.get("invention_patents_long")
    pop, _ = latest(b, CITY, [pop_base + "人口"], limit)
    cur["G03"] = round(cur["G01"] / pop * 1e4, 2) if pop and cur["G01"] is not None else None
    cur["G04"] = city.get("trademarks")
    me, _ = latest(b, CITY, ["市场主体户数"], limit)
    cur["G05"] = round(cur["G04"] / me * 1e4, 1) if me and cur["G04"] is not None else None
    cur["G06"] = (
        float(sum(1 for lv in parks["pilot_level"] if str(lv) in ("国家", "省")))
        if recs["network"] is not None
        else None
    )
    if e is not None:
        ec = e[e["method"] != "outside"]
        ht = flag(ec["high_tech"])
        cur["G07"] = _rate((ht & flag(ec["gb_filed"])).sum(), ht.sum()) if ht.sum() else None
        cur["G08"] = float(flag(ec["gb_passed"]).sum())
        cur["G09"] = float(ec["advantage"].isin(NATIONAL_ADVANTAGE).sum())
        cur["G10"] = float(flag(ec["ip_intensive"]).sum())
        cur["G11"] = float(flag(ec["patent_standard"]).sum())
    cur["G12"] = round(city["pledge_amount_wan"] / 1e4, 2) if "pledge_amount_wan" in city else None
    cur["G13"] = city.get("enforcement_rate") if city.get("enforcement_cases") else None
    cur["G14"] = city.get("mediation_rate") if city.get("disputes") else None
    cur["G15"] = city.get("service_orgs")
    cur["G16"] = city.get("training_attendees")
    man = recs["manual"]
    manual = {} if man is None else {r["goal_id"]: r for _, r in man.iterrows()}
    rows = []
    for _, g in goals.iterrows():
        gid = g["id"]
        if g["kind"] == "milestone":
            m = manual.get(gid)
            if m is None or not m["done"]:
                rows.append({"id": gid, "current": None, "gap": None, "status": "no_data"})
            else:
                d = yes(m["done"])
                rows.append(
                    {"id": gid, "current": 1.0 if d else 0.0, "gap": None, "status": "done" if d else "not_done"}
                )
            continue
        c = cur.get(gid)
        if gid in manual and manual[gid]["value"]:
            c = float(manual[gid]["value"])
        if c is None or (isinstance(c, float) and np.isnan(c)):
            rows.append({"id": gid, "current": None, "gap": None, "status": "no_data"})
            continue
        target = float(g["target"])
        met = c > target if g["comparator"] == ">" else c >= target
        rows.append(
            {
                "id": gid,
                "current": float(c),
                "gap": round(max(target - c, 0.0), 2),
                "status": "met" if met else "not_met",
            }
        )
    out = pd.DataFrame(rows)
    return out.assign(name=out["id"].map(dict(zip(goals["id"], goals["name"]))))


# -- the network's gaps (plan: 保障措施一/三, 任务4/5/7/9) ------------------------------------------------------------------


def gap_rows(units, parks, recs) -> pd.DataFrame:
    """One row per (area, gap key, count) in the network's terms: office/staff/fund none or not reported (network rows),
    workstations/valid patents/valid trademarks none or not imported, zero-patent 规上/高企 counts."""
    rows = []
    areas = pd.concat([units, parks], ignore_index=True)
    kinds_present = {k: recs[k] is not None for k in ("workstations", "patents", "trademarks", "enterprises")}
    for _, a in areas.iterrows():

        def st(v):
            return "unknown" if v is None or pd.isna(v) else ("none" if v <= 0 else "ok")

        for metric, prefix, present in (
            ("has_office", "office", True),
            ("staff", "staff", True),
            ("fund_wan", "fund", True),
            ("workstations", "ws", kinds_present["workstations"]),
            ("patents_valid", "patents", kinds_present["patents"]),
            ("trademarks", "tm", kinds_present["trademarks"]),
        ):
            s = st(a.get(metric) if present else None)
            if s != "ok":
                rows.append((a["code"], f"{prefix}_{s}", None))
        if not kinds_present["enterprises"]:
            rows.append((a["code"], "ent_unknown", None))
        else:
            if a["zero_patent_above_scale"] > 0:
                rows.append((a["code"], "zero_above", float(a["zero_patent_above_scale"])))
            if a["zero_patent_high_tech"] > 0:
                rows.append((a["code"], "zero_high", float(a["zero_patent_high_tech"])))
    return pd.DataFrame(rows, columns=["code", "gap_key", "count"])
