"""The six featured industries from the patents' IPC codes: per township, park and the city.

The table ``data/ipc_industries.csv`` maps an IPC prefix -- a class (``C07``), a subclass (``A61K``) or a main group
(``C07C 51``) -- to one of the six industries (ids; their Chinese names in ``[industries]`` of the strings table),
each row with its basis (参照表: written from the structure of CNIPA's published concordances, named in
``data/sources.csv``; 本地判断: a local judgement) and reasoning. The rule (docs/data-model.md):

* a patent's codes are its 主分类号 (``ipc``), or -- with ``Settings.industry_all_classes`` -- that and every code
  of its 分类号 cell (``ipc_all``, ';'-separated); an empty 主分类号 takes the first code of 分类号;
* a code counts in every industry one of whose prefixes it starts with, so a patent may count in several
  industries (once in each) or in none;
* design patents carry Locarno classes (``09-01``), not IPC: never mapped, counted apart; a code that is not IPC
  notation (after normalising full-width characters and spacing) is reported, never guessed.

Counted only when asked (``compute`` stays as fast as before): ``industry_figures(fs)`` reads the live patent rows
counted per count keys and IPC cells (``Store.patent_code_counts``: the per-import counts of the cells,
store.aggregates' ``agg_patent_codes``, never the records), or the records of a store view without it; each distinct
cell is classified once.
"""

from __future__ import annotations

import csv
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from txip_geo.ingest.ipc import normalise, split_codes
from txip_geo.paths import DATA_DIR
from txip_geo.strings import t

INDUSTRIES = ("fine_chem", "equipment", "biomed", "agri_processing", "food", "green_energy")
# 其他/未归类: a patent counted in none of the six (codes outside the table, no code, no IPC notation, a design).
OTHER = "other"
CATEGORIES = (*INDUSTRIES, OTHER)
# The map's indicator per industry: that industry's patents per area (a column `attach` adds to units and parks).
INDICATORS = tuple(f"industry_{i}" for i in INDUSTRIES)
# data/ipc_industries.csv `basis` words: 参照表 (from a CNIPA concordance), 本地判断 (a local judgement)
BASES = (t("industries.basis_table"), t("industries.basis_local"))
MEASURES = ("patents", "invention_patents_valid", "invention_patents_long")


def label(industry: str) -> str:
    return t(f"industries.{industry}")


def indicator_label(indicator: str) -> tuple[str, str]:
    """(label, unit) of an industry indicator, as figures.METRICS gives them for the other indicators."""
    return t("industries.indicator", name=label(indicator.removeprefix("industry_"))), t("metric_units.patents")


@dataclass(frozen=True)
class Row:
    prefix: str  # normalised: "C07", "A61K" or "C07C 51"
    industry: str
    basis: str
    source: str
    note: str


@lru_cache(maxsize=4)
def load_table(path: str | None = None) -> tuple[Row, ...]:
    """The mapping table's rows; a row with an unknown industry or basis, or a prefix that is no IPC class,
    subclass or main group, is an error naming the file and row."""
    p = path or str(DATA_DIR / "ipc_industries.csv")
    rows = []
    with open(p, encoding="utf-8-sig", newline="") as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            prefix = _norm_prefix(r.get("prefix") or "")
            ok = prefix and r.get("industry") in INDUSTRIES and r.get("basis") in BASES
            if not ok:
                raise ValueError(t("industries.bad_table_row", file=p, row=i))
            rows.append(Row(prefix, r["industry"], r["basis"], r.get("source") or "", r.get("note") or ""))
    return tuple(rows)


def _norm_prefix(s: str) -> str | None:
    s = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s).strip().upper())
    if re.fullmatch(r"[A-H]\d{2}([A-Z])?", s):
        return s
    m = re.fullmatch(r"([A-H]\d{2}[A-Z]) ?(\d{1,4})", s)
    return f"{m[1]} {int(m[2])}" if m else None


# Per table (by identity): prefix -> its industries. industries_of runs once per distinct code of a figure set (tens of
# thousands after a large import); a scan of the whole table for each was most of classify's time.
_PREFIX_INDEX: dict[int, tuple[tuple, dict[str, frozenset[str]]]] = {}


def _prefix_index(table: tuple[Row, ...]) -> dict[str, frozenset[str]]:
    hit = _PREFIX_INDEX.get(id(table))
    if hit is None or hit[0] is not table:
        index: dict[str, set[str]] = {}
        for r in table:
            index.setdefault(r.prefix, set()).add(r.industry)
        hit = (table, {k: frozenset(v) for k, v in index.items()})
        _PREFIX_INDEX[id(table)] = hit
    return hit[1]


def industries_of(code: str, table: tuple[Row, ...] | None = None) -> set[str]:
    """The industries of one normalised code: those of every prefix (class, subclass, main group) it starts with."""
    index = _prefix_index(table if table is not None else load_table())
    out: set[str] = set()
    for prefix in {code[:3], code[:4], code.split("/")[0]}:
        out |= index.get(prefix, frozenset())
    return out


@dataclass
class Report:
    """What the classification could not use: design patents (Locarno, not IPC), patents with no code, codes that
    are no IPC notation (value -> how many patents), and patents with codes in none of the six industries."""

    design: int = 0
    no_code: int = 0
    unmapped: int = 0
    malformed: dict[str, int] = field(default_factory=dict)

    def messages(self) -> list[str]:
        out = []
        if self.design:
            out.append(t("industries.report_design", n=self.design))
        if self.no_code:
            out.append(t("industries.report_no_code", n=self.no_code))
        if self.malformed:
            shown = "; ".join(list(self.malformed)[:10])
            out.append(t("industries.report_malformed", n=sum(self.malformed.values()), codes=shown))
        return out


def patent_codes(p: pd.DataFrame, all_classes: bool = False) -> pd.Series:
    """Each patent's raw codes (a list per row): the main class, or with all_classes the main and every 分类号."""
    main = p["ipc"] if "ipc" in p.columns else pd.Series(None, index=p.index, dtype=object)
    alls = p["ipc_all"] if "ipc_all" in p.columns else pd.Series(None, index=p.index, dtype=object)
    out = [_codes(m, a, all_classes) for m, a in zip(main.tolist(), alls.tolist())]
    return pd.Series(out, index=p.index, dtype=object)


def _codes(main, alls, all_classes: bool) -> list[str]:
    """One patent's raw codes from its 主分类号 and 分类号 cells (patent_codes)."""
    mains, others = split_codes(main), split_codes(alls)
    first = mains[:1] or others[:1]
    return list(dict.fromkeys(first + mains[1:] + others)) if all_classes else first


def classify(p: pd.DataFrame, all_classes: bool = False, table=None) -> tuple[pd.DataFrame, Report]:
    """One row per (patent, industry) it counts in -- the patent's columns and `industry` -- and the report; a patent
    in none of the six (a design, no code, codes not IPC notation or outside the table) has one row, industry OTHER.
    Each distinct (design, ipc, ipc_all) is classified once (_outcome): counts hold tens of thousands of rows of a
    few hundred distinct cells."""
    report = Report()
    if p.empty:
        return p.assign(industry=pd.Series(dtype=object)), report
    design = (p["patent_type"] == "design").tolist() if "patent_type" in p.columns else [False] * len(p)
    weight = p["n"].astype(int).tolist() if "n" in p.columns else [1] * len(p)  # counts (Store.patent_code_counts)
    none = [None] * len(p)
    main = [_cell(v) for v in p["ipc"].tolist()] if "ipc" in p.columns else none
    alls = [_cell(v) for v in p["ipc_all"].tolist()] if "ipc_all" in p.columns else none
    outcomes: dict[tuple, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    rows, inds = [], []
    for i, cell in enumerate(zip(design, main, alls)):
        w = weight[i]
        out = outcomes.get(cell)
        if out is None:
            out = outcomes[cell] = _outcome(*cell, all_classes, table)
        what, found, bad = out
        if what == "design":
            report.design += w
        elif what == "no_code":
            report.no_code += w
        for c in bad:
            report.malformed[c] = report.malformed.get(c, 0) + w
        if what == "unmapped":
            report.unmapped += w
        rows.extend([i] * len(found))
        inds.extend(found)
    out = p.iloc[rows].reset_index(drop=True).assign(industry=inds)
    return out, report


def _cell(v):
    """An IPC cell as a key: a missing value (None, NaN) is None (split_codes gives no code for either)."""
    return None if v is None or (isinstance(v, float) and v != v) else v


def _outcome(is_design: bool, main, alls, all_classes: bool, table) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """What classify makes of one patent's cells: (design | no_code | unmapped | mapped, the categories it counts in
    -- its industries in INDUSTRIES' order, or OTHER alone --, its codes that are no IPC notation, in their order)."""
    codes = _codes(main, alls, all_classes)
    if is_design or not codes:
        return ("design" if is_design else "no_code"), (OTHER,), ()
    found: set[str] = set()
    bad = []
    for c in codes:
        n = normalise(c)
        if n is None:
            bad.append(c)
        else:
            found |= industries_of(n, table)
    return ("mapped" if found else "unmapped"), tuple(sorted(found, key=INDUSTRIES.index) or [OTHER]), tuple(bad)


def _counted(rows: pd.DataFrame, long_cut: str) -> pd.DataFrame:
    """The (patent, industry) rows counted per COUNT_KEYS and industry, with MEASURES (compute.patent_counts' rule
    for `long`)."""
    from txip_geo.figures.compute import patent_counts

    c = patent_counts(rows, long_cut, by="industry")  # counts (with n and long) as they are
    inv_valid = (c["patent_type"] == "invention") & (c["status_code"] == "valid")
    return c.assign(
        patents=c["n"],
        invention_patents_valid=c["n"].where(inv_valid, 0),
        invention_patents_long=c["n"].where(inv_valid & c["long"], 0),
    )


def industry_counts(
    counted: pd.DataFrame, by: str | None, codes: list[str], categories: tuple[str, ...] = INDUSTRIES
) -> pd.DataFrame:
    """MEASURES indexed by (code, industry) for `codes` (by=None: the city, index industry), zeros included; rows of
    `categories` only (the six industries, or CATEGORIES with OTHER)."""
    if by is None:
        g = counted.groupby("industry")[list(MEASURES)].sum() if len(counted) else None
        idx = pd.Index(categories, name="industry")
    else:
        g = counted.groupby([by, "industry"])[list(MEASURES)].sum() if len(counted) else None
        idx = pd.MultiIndex.from_product([codes, categories], names=["code", "industry"])
    if g is None:
        return pd.DataFrame(0, index=idx, columns=list(MEASURES))
    g.index = g.index.set_names(idx.names)
    return g.reindex(idx, fill_value=0).astype(int)


@dataclass
class IndustryFigures:
    units: pd.DataFrame  # index (code, industry), columns MEASURES; the six industries
    parks: pd.DataFrame
    city: pd.DataFrame  # index industry
    report: Report
    all_classes: bool
    # The patents in none of the six (OTHER) per unit, park and the city: index code (the city: CITY), MEASURES.
    other: dict[str, pd.DataFrame] = field(default_factory=dict)

    def breakdown(self, layer: str, code: str | None = None) -> pd.DataFrame:
        """One area's (layer units | parks) or the city's (layer city) MEASURES by CATEGORIES: the six industries
        and OTHER, zeros included. A patent in several industries counts in each: the rows may sum to more than
        the area's patents."""
        if layer == "city":
            six, rest = self.city, self.other.get("city")
            code = "city"
        else:
            df = self.units if layer == "units" else self.parks
            six = df.xs(code, level="code") if code in df.index.get_level_values("code") else None
            rest = self.other.get(layer)
        if six is None:
            six = pd.DataFrame(0, index=pd.Index(INDUSTRIES, name="industry"), columns=list(MEASURES))
        o = rest.loc[code] if rest is not None and code in rest.index else pd.Series(0, index=list(MEASURES))
        out = pd.concat([six, pd.DataFrame([o.to_numpy()], index=[OTHER], columns=list(MEASURES))])
        out.index.name = "industry"
        return out.astype(int)

    def mix(self, layer: str, code: str) -> pd.DataFrame:
        """One area's industry mix: rows the six industries (label), columns MEASURES."""
        df = self.units if layer == "units" else self.parks
        out = df.xs(code, level="code") if code in df.index.get_level_values("code") else None
        if out is None:
            out = pd.DataFrame(0, index=pd.Index(INDUSTRIES, name="industry"), columns=list(MEASURES))
        return out.assign(label=[label(i) for i in out.index])

    def indicator(self, layer: str, industry: str, measure: str = "patents") -> pd.Series:
        """One industry's measure per area code (the map's indicator)."""
        df = self.units if layer == "units" else self.parks
        return df.xs(industry, level="industry")[measure]

    def as_dict(self, layer: str, code: str) -> dict:
        df = self.units if layer == "units" else self.parks
        return {ind: {m: int(df.loc[(code, ind), m]) for m in MEASURES} for ind in INDUSTRIES}


def long_cut(fs) -> str:
    from datetime import date

    from txip_geo.figures.compute import _years_before

    return _years_before(fs.as_of or date.today().isoformat(), fs.settings.long_years)


def industry_figures(fs) -> IndustryFigures:
    """The industry figures of a FigureSet, from its (filtered, counted) patent records; cached on the set."""
    cached = getattr(fs, "_industries", None)
    if cached is not None:
        return cached
    all_classes = bool(getattr(fs.settings, "industry_all_classes", False))
    codes = fs.patent_codes() if getattr(fs, "patent_codes", None) else fs.records["patents"]
    rows, report = classify(codes, all_classes)
    counted = _counted(rows, long_cut(fs)) if len(rows) else rows
    units, parks = list(fs.units["code"]), list(fs.parks["code"])
    rest = counted[counted["industry"] == OTHER] if len(counted) else counted
    rest_of = {  # OTHER per area: the one category's rows, index code
        layer: industry_counts(rest, by, codes, (OTHER,)).xs(OTHER, level="industry")
        for layer, by, codes in (("units", "unit_code", units), ("parks", "park_code", parks))
    }
    rest_of["city"] = industry_counts(rest, None, [], (OTHER,)).rename(index={OTHER: "city"})
    out = IndustryFigures(
        units=industry_counts(counted, "unit_code", units),
        parks=industry_counts(counted, "park_code", parks),
        city=industry_counts(counted, None, []),
        report=report,
        all_classes=all_classes,
        other=rest_of,
    )
    object.__setattr__(fs, "_industries", out)
    return out


_ATTACH = threading.Lock()


def attach(fs) -> None:
    """Add the industry indicators (each industry's patents) as columns of fs.units and fs.parks and keys of
    fs.city, once: the map colours, ranks and labels them as any other per-area column."""
    with _ATTACH:
        if getattr(fs, "_industry_columns", False):
            return
        fig = industry_figures(fs)
        for key, ind in zip(INDICATORS, INDUSTRIES):
            for layer in ("units", "parks"):
                table = getattr(fs, layer)
                table[key] = fig.indicator(layer, ind).reindex(table["code"]).to_numpy(dtype=float)
            fs.city[key] = float(fig.city.loc[ind, "patents"])
        object.__setattr__(fs, "_industry_columns", True)
