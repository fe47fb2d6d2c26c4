"""The industries' independent recount (issue #18), shared by tests/test_industries.py and
tests/test_industry_outputs.py: plain csv/pandas over the raw file (the records' township and park from
tests/recount.py, which imports nothing of txip_geo), data/ipc_industries.csv applied by prefix -- written from the
documented rule (docs/data-model.md), not from the app's code -- and a CNIPA-style export to run it on.

Rule: a patent's codes are its 主分类号, or with all classes that and every code of 分类号 (';' or ',' separated,
full-width accepted, a version suffix such as '(2006.01)' dropped); an empty 主分类号 takes the first 分类号. A code
counts in every industry one of whose prefixes (class, subclass, main group) it starts with. A patent in none of
the six -- a design (Locarno, not IPC), no code, codes not in IPC notation or outside the table -- is 'other'."""

from __future__ import annotations

import csv
import re
import unicodedata

import pandas as pd
import recount as R
import recount_fixtures as F

OTHER = "other"
MEASURES = ["patents", "invention_patents_valid", "invention_patents_long"]


def mapping() -> pd.DataFrame:
    m = pd.read_csv(R.DATA / "ipc_industries.csv", dtype=str, encoding="utf-8-sig")
    m["key"] = m["prefix"].str.replace(" ", "", regex=False)  # "C07C 51" -> "C07C51"
    return m


def codes_of(cell: str) -> list[str]:
    """A cell's codes, compacted: full-width to half-width, no spaces, upper case, version suffix dropped."""
    s = unicodedata.normalize("NFKC", cell or "").upper()
    return [re.sub(r"\(\d{4}\.\d{2}\)$", "", c.replace(" ", "").strip()) for c in re.split(r"[;,]", s) if c.strip()]


def recount_industries(p: pd.DataFrame, all_classes: bool) -> pd.DataFrame:
    """One row per (patent, industry): a patent's main class (or every class) matched to the table's prefixes;
    a patent matched to none (a design included) has one row, industry 'other'."""
    m = mapping()
    by_key = m.groupby("key")["industry"].apply(set).to_dict()

    def industries(ptype, ipc, ipc_all) -> list[str]:
        inds = set()
        if ptype != "design":
            main, alls = codes_of(ipc), codes_of(ipc_all)
            for c in (main + alls) if all_classes else (main[:1] or alls[:1]):
                if not re.fullmatch(r"[A-H]\d\d[A-Z]\d{1,4}/\d{1,6}", c):
                    continue
                group = c[:4] + str(int(c[4:].split("/")[0]))
                for k in (c[:3], c[:4], group):
                    inds |= by_key.get(k, set())
        return sorted(inds) or [OTHER]

    cells = zip(p["ptype"], p["ipc"].fillna(""), p["ipc_all"].fillna(""))
    out = p.assign(industry=[industries(*c) for c in cells]).explode("industry")
    return out.reset_index(drop=True)


def tally(rows: pd.DataFrame, key: str | None) -> dict:
    """{(code, industry): [patents, invention_patents_valid, invention_patents_long]} (key None: the city)."""
    rows = rows[rows["method"] != "outside"]
    if key:
        rows = rows[rows[key].map(lambda v: isinstance(v, str))]
    inv_valid = (rows["ptype"] == "invention") & (rows["st"] == "valid")
    counts = pd.DataFrame(
        {
            "code": rows[key] if key else "city",
            "industry": rows["industry"],
            "patents": 1,
            "valid": inv_valid.astype(int),
            "long": (inv_valid & rows["long"].astype(bool)).astype(int),
        }
    )
    g = counts.groupby(["code", "industry"])[["patents", "valid", "long"]].sum()
    return {k: [int(x) for x in v] for k, v in zip(g.index, g.to_numpy())}


def recount_tally(p: pd.DataFrame, all_classes: bool) -> dict:
    """{(unit_code | park_code | city, code, industry): the three measures}, nonzero entries only."""
    rows = recount_industries(p, all_classes)
    out = {}
    for key in ("unit_code", "park_code", None):
        for (code, ind), v in tally(rows, key).items():
            out[(key or "city", code, ind)] = v
    return out


def at_baseline(p: pd.DataFrame, day: str, long_years: int = R.LONG_YEARS) -> pd.DataFrame:
    """A later export's patents as they stood on `day` (the documented wind-back, docs/data-model.md): filed by
    then; valid today and granted by then (or no grant date) → valid, valid today and granted later → pending;
    invalid today (state then unknown) → not valid; `long` against `day`'s cut."""
    p = p[(p["app_date"] != "") & (p["app_date"] <= day)].copy()
    grant = p["grant_date"].fillna("") if "grant_date" in p.columns else pd.Series("", index=p.index)
    later = (grant != "") & (grant > day)
    p["st"] = p["st"].where(~((p["st"] == "valid") & later), "pending")
    cut = R._years_before(day, long_years)
    p["long"] = (p["ptype"] == "invention") & (p["st"] == "valid") & (p["app_date"] < cut)
    return p


# -- a CNIPA-style export ----------------------------------------------------------------------------------------------


def app_no(year: int, ptype: int, serial: int) -> str:
    body = f"{year}{ptype}{serial:07d}"
    return f"{body}.{F.check_digit(body)}"


# (type 1 invention / 2 utility / 3 design, year, status, 主分类号, 分类号, township, park)
ROWS = [
    (1, 2012, "有效", "C07C 51/00", "C07C 51/00;A61K 31/19", "济川街道", ""),  # long; all classes: + biomed
    (1, 2020, "有效", "A61K31/00", "A61K31/00;A61P35/00;C07D401/04", "黄桥镇", "黄桥经济开发区"),
    (1, 2011, "有效", "Ｃ０７Ｋ　１４／４７", "", "滨江镇", "泰兴经济开发区"),  # full-width; C07 and C07K: two
    (2, 2021, "有效", "C07C  51/00", "", "滨江镇", "泰兴经济开发区"),
    (1, 2019, "失效", "F16H 1/32", "F16H 1/32；B25J 9/08", "黄桥镇", ""),
    (1, 2013, "有效", "B01D 53/18(2006.01)", "", "济川街道", ""),  # version suffix; group row B01D 53
    (1, 2014, "有效", "B01D 46/00", "B01D 46/00;B01D 53/04", "济川街道", ""),  # main: none; all: green
    (2, 2022, "有效", "", "A23L 2/38;C12G 3/04", "延令街道", ""),  # empty 主分类号: first 分类号 is main
    (1, 2023, "审中", "G06F 16/00", "G06F 16/00", "黄桥镇", ""),  # in no industry
    (1, 2016, "有效", "XYZ 1/00", "", "济川街道", ""),  # malformed
    (1, 2017, "有效", "C07C", "", "滨江镇", ""),  # malformed (subclass only)
    (3, 2020, "有效", "09-01", "09-01", "黄桥镇", ""),  # design: Locarno
    (1, 2010, "有效", "H01M 10/0525", "H01M 10/0525;H01L 31/18", "延令街道", ""),
    (1, 2015, "有效", "A23N 12/08", "A23N 12/08; A23L 19/00", "济川街道", ""),
]


def write_export(path, rows=ROWS, with_ipc=True, grants: dict[int, str] | None = None):
    """The rows as a CNIPA-style CSV (申请号 with check digit, 主分类号 and 分类号 as exported); `grants`: row index
    (0-based) -> 授权公告日, the column written only when given."""
    head = ["申请号", "名称", "申请人", "申请日", "专利类型", "法律状态"]
    head += ["主分类号", "分类号"] if with_ipc else []
    head += ["授权公告日"] if grants else []
    head += ["所属镇街", "所属园区"]
    types = {1: "发明", 2: "实用新型", 3: "外观设计"}
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(head)
        for i, (t_, y, st, main, alls, town, park) in enumerate(rows, start=1):
            cells = [app_no(y, t_, 100 + i), f"专利{i}（样例）", "泰兴示例化工有限公司（样例）", f"{y}-03-01"]
            cells += [types[t_], st] + ([main, alls] if with_ipc else [])
            cells += [grants.get(i - 1, "")] if grants else []
            w.writerow(cells + [town, park])
    return path
