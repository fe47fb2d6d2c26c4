"""The enterprise tier (issue #18): an enterprise's patents and trademarks matched from the records, search, a profile
and the 消零 worklists per township and park.

Matching rule (docs/data-model.md, "Matching enterprises to records"): a record belongs to an enterprise when its
统一社会信用代码 equals the enterprise's; a record with no credit code belongs to the enterprise whose normalised name
(`name_key`) equals the holder's. The 消零 status and the worklists use the roster's 有效专利数 / 有效商标数 as the map
does (figures.compute fills an empty one from the records); the matched counts are shown beside them.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata

import pandas as pd

from txip_geo.paths import DATA_DIR

with open(DATA_DIR / "enterprise_names.toml", "rb") as _f:
    _NAMES = tomllib.load(_f)  # the suffixes dropped and the company forms taken as the same (name_key)
DROP_SUFFIXES = tuple(_NAMES["drop_suffixes"])
SAME_FORMS = dict(_NAMES["same_forms"])
BRACKETS = re.compile(r"[()\[\]【】〔〕]")
SPACES = re.compile(r"\s+")
FLAGS = ("above_scale", "high_tech", "gb_filed", "gb_passed", "ip_intensive", "patent_standard")
GAPS = {"patent": "patents_held", "trademark": "trademarks_held"}
GROUPS = ("above_scale", "high_tech")
# The map's figure for each (gap, group) the worklists list (figures.compute.area_table).
MAP_METRIC = {
    ("patent", "above_scale"): "zero_patent_above_scale",
    ("patent", "high_tech"): "zero_patent_high_tech",
    ("trademark", "above_scale"): "zero_trademark_above_scale",
}


def name_key(name) -> str:
    """A company name as matched: NFKC (full-width brackets and letters to half-width), no spaces, no brackets (their
    content kept), the suffixes and company forms of data/enterprise_names.toml applied (the sample's marker
    dropped, 有限责任公司 written 有限公司). A 分公司 keeps its suffix, so it never matches its parent."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    s = SPACES.sub("", unicodedata.normalize("NFKC", str(name)))
    for suffix in DROP_SUFFIXES:
        s = s.removesuffix(suffix)
    s = BRACKETS.sub("", s)
    for form, same in SAME_FORMS.items():
        s = s.replace(form, same)
    return s


def _code(v) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip().upper()


def record_mask(recs: pd.DataFrame, who: str, credit_code: str, name: str) -> pd.Series:
    """The records of one enterprise: its credit code, else (records with no code) its normalised name."""
    if recs.empty:
        return pd.Series(False, index=recs.index)
    codes = recs["enterprise_code"].map(_code)
    by_code = (codes == _code(credit_code)) & (codes != "")
    by_name = (codes == "") & (recs[who].map(name_key) == name_key(name))
    return by_code | by_name


def matched_counts(ent: pd.DataFrame, recs: pd.DataFrame, who: str) -> pd.Series:
    """Valid records per enterprise (index of `ent`) by the matching rule."""
    if recs.empty or ent.empty:
        return pd.Series(0, index=ent.index, dtype=int)
    v = recs[recs["status_code"] == "valid"]
    codes = v["enterprise_code"].map(_code)
    by_code = codes[codes != ""].value_counts()
    by_name = v.loc[codes == "", who].map(name_key).value_counts()
    n_code = ent["credit_code"].map(_code).map(by_code).fillna(0)
    n_name = ent["name"].map(name_key).map(by_name).fillna(0)
    return (n_code + n_name).astype(int)


def search_enterprises(fs, query: str, limit: int | None = 50) -> pd.DataFrame:
    """Enterprises whose credit code contains the query, or whose normalised name contains the normalised query
    (partial match); the roster's rows, names first matched at their start."""
    ent = fs.records.get("enterprises")
    q = (query or "").strip()
    if ent is None or ent.empty or not q:
        return pd.DataFrame(columns=[] if ent is None else ent.columns)
    keys = ent["name"].map(name_key)
    qk = name_key(q)
    by_name = keys.str.contains(qk, regex=False) if qk else pd.Series(False, index=ent.index)
    by_code = ent["credit_code"].map(_code).str.contains(_code(q), regex=False)
    hit = ent[by_name | by_code].copy()
    hit["_start"] = ~keys[hit.index].str.startswith(qk)
    hit = hit.sort_values(["_start", "name"]).drop(columns="_start")
    return hit.head(limit) if limit else hit


def _one(fs, credit_code: str) -> pd.Series | None:
    ent = fs.records.get("enterprises")
    if ent is None or ent.empty:
        return None
    row = ent[ent["credit_code"].map(_code) == _code(credit_code)]
    return None if row.empty else row.iloc[0]


def _held(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def profile(fs, credit_code: str, first: int = 20) -> dict | None:
    """One enterprise: where it is, its flags, its valid patents and trademarks (the roster's count, the records
    matched, and the first `first` of them), its 消零 status for both, and the cases it is party to."""
    e = _one(fs, credit_code)
    if e is None:
        return None
    out = {
        "credit_code": e["credit_code"],
        "name": e["name"],
        "industry": e.get("industry") or "",
        "unit_code": None if pd.isna(e.get("unit_code")) else e["unit_code"],
        "park_code": None if pd.isna(e.get("park_code")) else e["park_code"],
        "address": e.get("address") or "",
        "lon": None if pd.isna(e.get("lon")) else float(e["lon"]),
        "lat": None if pd.isna(e.get("lat")) else float(e["lat"]),
        "flags": {f: bool(e.get(f) == 1) for f in FLAGS},
        "advantage": e.get("advantage") or "",
    }
    for kind, who, col, cols in (
        ("patents", "applicant", "patents_held", ["app_no", "title", "patent_type", "app_date", "status"]),
        ("trademarks", "registrant", "trademarks_held", ["reg_no", "name", "nice_class", "reg_date", "status"]),
    ):
        recs = fs.records.get(kind)
        recs = pd.DataFrame() if recs is None else recs
        mine = recs[record_mask(recs, who, e["credit_code"], e["name"])] if len(recs) else recs
        valid = mine[mine["status_code"] == "valid"] if len(mine) else mine
        held = _held(e.get(col))
        out[kind] = {
            "held": held,
            "held_derived": bool(e.get(col + "_derived", False)),
            "matched_valid": len(valid),
            "matched_all": len(mine),
            "zero": held == 0,
            "first": valid[[c for c in cols if c in valid.columns]].head(first) if len(valid) else pd.DataFrame(),
        }
    out["cases"] = party_cases(fs, e["name"])
    return out


def party_cases(fs, name: str) -> pd.DataFrame:
    """Cases whose 当事人 names the enterprise (its normalised name within the party's)."""
    c = fs.records.get("cases")
    key = name_key(name)
    if c is None or c.empty or not key:
        return pd.DataFrame()
    return c[c["party"].map(name_key).str.contains(key, regex=False)]


def worklist(fs, by: str, code: str | None, gap: str = "patent", group: str = "above_scale") -> pd.DataFrame:
    """The 消零 worklist of an area: enterprises of `group` (above_scale, high_tech, or both: 'any') holding no valid
    patent (gap 'patent') or trademark ('trademark'). `by`: unit_code or park_code; code None: the whole city. Its
    length for (patent, above_scale), (patent, high_tech), (trademark, above_scale) is the map's figure
    (MAP_METRIC)."""
    ent = fs.records.get("enterprises")
    if ent is None or ent.empty:
        return pd.DataFrame(columns=[] if ent is None else ent.columns)
    in_group = (ent["above_scale"] == 1) | (ent["high_tech"] == 1) if group == "any" else ent[group] == 1
    m = in_group & (ent[GAPS[gap]] == 0)
    if code is not None:
        m &= ent[by] == code
    return ent[m].sort_values("name")
