"""Figures per township, per park and for the city, from the current snapshot of every record kind.

Length: one job -- the figure set of a view: its settings, the metric table, the population bases and the counting
per area -- whose parts are read together (a metric's column, its base and its count); the goals are in
figures.goals and the network's scorecard in figures.network.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from txip_geo import rules, schema
from txip_geo.areas.boundaries import area_km2
from txip_geo.areas.gazetteer import CITY_CODE, load_gazetteer
from txip_geo.ingest import words
from txip_geo.paths import DATA_DIR
from txip_geo.store import aggregates
from txip_geo.strings import t

# The population bases a view may divide by (the `base` column of data/population.csv; the settings' choice).
POPULATION_BASES = words.POPULATION_BASES
# The measures of the statistics table (schema's statistics `measure`): population by base, population of an
# unstated base, and the market entities G05 divides by.
UNKNOWN_POPULATION = words.UNKNOWN_POPULATION
MARKET_ENTITIES = words.MARKET_ENTITIES
# The pilot levels of a park that count for G06 (a regular expression), and the advantage level that counts for G09
# (words of the records, data/ingest_words.toml).
PILOT_LEVELS_COUNTED = words.alternatives(words.PILOT_LEVELS_COUNTED)
NATIONAL = words.ADVANTAGE_NATIONAL


def population_measure(base: str) -> str:
    """The statistics measure of a population base: 常住 -> 常住人口."""
    return base + words.POPULATION


@dataclass(frozen=True)
class Settings:
    """A view's settings. The defaults here are the app's: every other place reads them from Settings()."""

    long_years: int = 10  # "high-maintenance" invention patents: valid and filed more than this many years ago
    population_base: str = POPULATION_BASES[0]  # city-level base for 万人发明专利拥有量: 常住 | 户籍
    plan_start: str = "2024-01-01"  # cumulative goals and case rates count from here
    as_of: str | None = None  # use the latest snapshot on or before this date (None: latest)
    year_from: int | None = None  # patent application-year filter (maps and tables)
    year_to: int | None = None
    patent_types: tuple[str, ...] = ()  # empty = all
    patent_status: tuple[str, ...] = ()  # empty = all; valid | pending | invalid
    training_audience: str = (
        "plan"  # G16: plan = 企业知识产权高管、知识产权工程师 only | all = every attendee (rules.py)
    )
    industry_all_classes: bool = False  # industries: every 分类号 of a patent counts, not only its 主分类号
    transferred_handled: bool = False  # G13: does a case 移送 (to police/judiciary) count as handled? (rules.py)

    def with_(self, **kw) -> Settings:
        return replace(self, **kw)


# Columns of the per-area tables, with Chinese labels and units (the map's indicators come from here).
METRICS: dict[str, tuple[str, str]] = {
    key: (t(f"metric_labels.{key}"), t(f"metric_units.{key}"))
    for key in (
        "patents",
        "invention_patents",
        "utility_patents",
        "design_patents",
        "patents_valid",
        "invention_patents_valid",
        "invention_patents_long",
        "invention_per_10k",
        "trademarks",
        "workstations",
        "cases",
        "enforcement_cases",
        "enforcement_closed",
        "enforcement_rate",
        "disputes",
        "disputes_mediated",
        "mediation_rate",
        "enterprises",
        "above_scale",
        "high_tech",
        "high_tech_gb_filed",
        "zero_patent_above_scale",
        "zero_patent_high_tech",
        "zero_trademark_above_scale",
        "gb_filed_rate",
        "gb_passed",
        "advantage_national",
        "ip_intensive",
        "patent_standard",
        "market_entities",
        "trademarks_per_10k_entities",
        "pledge_amount_wan",
        "training_attendees",
        "service_orgs",
        "has_office",
        "staff",
        "fund_wan",
        "area_km2",
        "population",
    )
}


# The columns of a patent count frame (Store.patent_counts, patent_counts): one row per combination, n records.
PATENT_KEYS = [*aggregates.COUNT_KEYS, "long"]


class LazyRecords(Mapping):
    """Record frames by kind, each loaded on first access (the patent records are millions at province scale and
    only the pages that list records read them). Safe to share between threads."""

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame] | None = None,
        loaders: Mapping[str, Callable[[], pd.DataFrame]] | None = None,
        order=None,
    ):
        self._frames = dict(frames or {})
        self._loaders = {k: v for k, v in (loaders or {}).items() if k not in self._frames}
        known = [*self._frames, *self._loaders]
        self._order = [k for k in (order or known) if k in known] + [k for k in known if k not in (order or known)]
        self._lock = threading.Lock()

    def __getitem__(self, kind: str) -> pd.DataFrame:
        if kind not in self._frames:
            loader = self._loaders[kind]  # KeyError for an unknown kind, as a dict
            with self._lock:
                if kind not in self._frames:
                    self._frames[kind] = loader()
        return self._frames[kind]

    def __iter__(self):
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def is_loaded(self, kind: str) -> bool:
        return kind in self._frames

    @classmethod
    def mapped(
        cls, records: Mapping[str, pd.DataFrame], fn: Callable[[pd.DataFrame, str], pd.DataFrame]
    ) -> LazyRecords:
        """fn(frame, kind) applied to every kind of `records` when that kind is first read."""
        return cls(loaders={k: (lambda k=k: fn(records[k], k)) for k in records}, order=list(records))


@dataclass
class FigureSet:
    """Everything the pages, exports and CLI show, computed once from one store state."""

    settings: Settings
    records: Mapping[str, pd.DataFrame]  # counted records (outside Taixing dropped, patents filtered); patents lazy
    units: pd.DataFrame
    parks: pd.DataFrame
    city: dict
    unassigned: dict
    outside: dict
    snapshots: dict[str, str]
    boundaries: str  # schematic | official (the township layer)
    is_sample: bool
    population: pd.DataFrame = field(repr=False, default=None)
    park_boundaries: str = "schematic"
    # The counted, filtered patents as counts (PATENT_KEYS, n; Store.patent_counts) and per import (patent_sources).
    patents: pd.DataFrame = field(repr=False, default=None)
    patent_sources: pd.DataFrame = field(repr=False, default=None)
    # The counted records of each located kind that count for no township (the unassigned lists); patents lazy and
    # loaded on their own (Store.records no_township), not filtered out of every patent record.
    no_township_records: Mapping[str, pd.DataFrame] = field(repr=False, default=None)
    # The counted, filtered patents per count keys and IPC cells (Store.patent_code_counts), read when called
    # (figures.industries); None: a store without it, whose records are read instead.
    patent_codes: Callable[[], pd.DataFrame] | None = field(repr=False, default=None)

    def record_count(self, kind: str) -> int:
        """How many counted records of a kind (patents: after the filters) -- without loading patent records."""
        if schema.KINDS[kind].aggregated and self.patents is not None:
            return int(self.patents["n"].sum())
        df = self.records.get(kind)
        return 0 if df is None else len(df)

    @property
    def has_records(self) -> bool:
        return any(self.record_count(k) for k in self.records)

    def record_files(self, kind: str) -> list[str]:
        """The files the counted records of a kind come from, sorted."""
        if schema.KINDS[kind].aggregated and self.patent_sources is not None:
            src = self.patent_sources
            return sorted(set(src.loc[src["n"] > 0, "file_name"].astype(str)))
        df = self.records.get(kind)
        return [] if df is None or df.empty else sorted(set(df["file_name"].astype(str)))

    def no_unit_count(self, kind: str) -> int:
        """Counted records of a kind with no township (they count for the city only)."""
        if schema.KINDS[kind].aggregated and self.patents is not None:
            return int(self.patents.loc[self.patents["unit_code"].isna(), "n"].sum())
        df = self.records.get(kind)
        return 0 if df is None or df.empty else int(df["unit_code"].isna().sum())

    def patent_years(self) -> tuple[int, int] | None:
        """The first and last application year among the counted patents (None when there are none)."""
        p = self.patents
        years = p.loc[p["n"] > 0, "app_year"].dropna() if p is not None else pd.Series(dtype=float)
        return (int(years.min()), int(years.max())) if len(years) else None

    @property
    def schematic_notice(self) -> str:
        """The 示意边界 notice every map and export carries while any layer drawn is schematic ('' when none)."""
        if self.boundaries == "schematic":
            return t("app.schematic_notice")
        return t("app.schematic_parks_notice") if self.park_boundaries == "schematic" else ""

    @property
    def as_of(self) -> str | None:
        dates = [d for d in self.snapshots.values() if d]
        return max(dates) if dates else None


def load_population_table(store=None) -> pd.DataFrame:
    """data/population.csv plus any imported statistics rows; columns code, year, measure, value, source."""
    rows = []
    with open(DATA_DIR / "population.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            measure = population_measure(r["base"]) if r["base"] in POPULATION_BASES else UNKNOWN_POPULATION
            rows.append(
                {
                    "code": r["code"],
                    "year": int(r["year"]),
                    "measure": measure,
                    "value": float(r["population"]),
                    "source": r["source"],
                    "origin": "data/population.csv",
                }
            )
    df = pd.DataFrame(rows)
    if store is not None:
        # A statistics row describes its own year: every statistics snapshot counts (importing 2025's figures does not
        # drop 2024's), a later snapshot's row replacing an earlier one for the same code/year/measure.
        snaps = [store.records("statistics", d) for d in store.snapshot_dates("statistics")]
        st = pd.concat([x for x in snaps if len(x)], ignore_index=True) if any(len(x) for x in snaps) else []
        if len(st):
            extra = st[["code", "year", "measure", "value", "source"]].copy()
            extra["origin"] = st["file_name"]
            df = pd.concat([df, extra], ignore_index=True)
    df["year"] = df["year"].astype(int)
    # An imported row for the same code/year/measure replaces the bundled one.
    return df.drop_duplicates(["code", "year", "measure"], keep="last").reset_index(drop=True)


def base_date(s: Settings, data_as_of: str | None = None) -> str:
    """The date a view's bases (population, market entities) must describe: the view's as_of, else the date its
    records describe (FigureSet.as_of: the latest snapshot), else today. Never today when there are records: a
    view's figures must not change with the calendar."""
    return s.as_of or data_as_of or date.today().isoformat()


def reference_date(year: int) -> str:
    """The day a year's statistic describes: 31 December of that year."""
    return f"{int(year)}-12-31"


@dataclass(frozen=True)
class Base:
    """A denominator picked for a view: value, year, label ('常住人口 2020 年（来源）'), and, when there is none on or
    before the view's date, why (`missing`, Chinese)."""

    value: float | None
    year: int | None
    label: str
    missing: str = ""


def pick_base(pop: pd.DataFrame, code: str, measures: tuple[str, ...], as_of: str | None = None) -> Base:
    """The latest row of `measures` for `code` whose reference date (31 December of its year) is on or before `as_of`
    (None: no date limit). A later figure is never used in its place: `missing` says it exists and why it is not."""
    sel = pop[(pop["code"] == code) & pop["measure"].isin(measures)]

    what = "/".join(measures)
    if as_of is not None:
        ref = sel["year"].astype(int).astype(str).astype(object) + "-12-31"  # reference_date of each row
        later, sel = sel[ref > as_of], sel[ref <= as_of]
    else:
        later = sel.iloc[0:0]
    if sel.empty:
        if len(later):
            first = int(later["year"].min())
            return Base(None, None, "", t("goals.base_only_later", as_of=as_of, what=what, year=first))
        return Base(None, None, "", t("goals.base_none", what=what))
    row = sel.sort_values(["year"], kind="stable").iloc[-1]
    if not float(row["value"]) > 0:  # a denominator of 0 (or less) is no base: never a division by it
        return Base(
            None,
            None,
            "",
            t("goals.base_not_positive", what=row["measure"], year=int(row["year"]), value=f"{float(row['value']):g}"),
        )
    return Base(
        float(row["value"]),
        int(row["year"]),
        t("figures.base_label", measure=row["measure"], year=int(row["year"]), source=row["source"]),
    )


def latest_measure(
    pop: pd.DataFrame, code: str, measures: tuple[str, ...], as_of: str | None = None
) -> tuple[float | None, int | None, str]:
    """(value, year, label) of pick_base: the latest figure describing a day on or before `as_of`."""
    b = pick_base(pop, code, measures, as_of)
    return b.value, b.year, b.label


def _filter_patents(p: pd.DataFrame, s: Settings) -> pd.DataFrame:
    if p.empty:
        return p
    m = pd.Series(True, index=p.index)
    if s.year_from is not None:
        m &= p["app_year"] >= s.year_from
    if s.year_to is not None:
        m &= p["app_year"] <= s.year_to
    if s.patent_types:
        m &= p["patent_type"].isin(s.patent_types)
    if s.patent_status:
        m &= p["status_code"].isin(s.patent_status)
    return p[m]


def valid_holders(recs: pd.DataFrame, who: str) -> pd.DataFrame:
    """Valid records per (enterprise_code, holder name): the shape of Store.patent_holders (columns enterprise_code,
    `who`, n); `recs` are records or already such counts."""
    if "n" in recs.columns:
        return recs
    v = recs[recs["status_code"] == "valid"]
    return v.groupby(["enterprise_code", who], dropna=False).size().rename("n").reset_index()


def _enterprise_patents(ent: pd.DataFrame, pat: pd.DataFrame, tm: pd.DataFrame) -> pd.DataFrame:
    """Fill unknown patents_held / trademarks_held from the valid patents and trademarks (credit code, else name).
    `pat`, `tm`: records, or their valid_holders counts (Store.patent_holders)."""
    ent = ent.copy()
    for col, recs, who in (("patents_held", pat, "applicant"), ("trademarks_held", tm, "registrant")):
        if recs.empty:
            counts_code, counts_name = pd.Series(dtype=float), pd.Series(dtype=float)
        else:
            v = valid_holders(recs, who)
            has_code = v["enterprise_code"].fillna("") != ""
            counts_code = v[has_code].groupby("enterprise_code")["n"].sum()
            counts_name = v.groupby(who)["n"].sum()
        derived = ent["credit_code"].map(counts_code)
        derived = derived.fillna(ent["name"].map(counts_name)).fillna(0)
        ent[col + "_derived"] = ent[col].isna()
        ent[col] = ent[col].fillna(derived)
    return ent


def patent_counts(p: pd.DataFrame, long_cut: str, by: str | None = None) -> pd.DataFrame:
    """Patent records counted per PATENT_KEYS (and `by`): the frame Store.patent_counts gives for the records it
    holds. `long`: a valid invention filed before long_cut (its app_date, else 1 January of its app_year). A frame
    that is already counts (has n) is returned as it is."""
    if "n" in p.columns:
        return p
    date_or_year = p["app_date"].where(
        p["app_date"].fillna("") != "", p["app_year"].astype("Int64").astype(str) + "-01-01"
    )
    long = (p["patent_type"] == "invention") & (p["status_code"] == "valid") & (date_or_year < long_cut)
    keys = [*aggregates.COUNT_KEYS] + ([by] if by and by not in PATENT_KEYS else [])
    frame = p.reindex(columns=keys).assign(long=long.fillna(False).astype(bool))
    return frame.groupby([*keys, "long"], dropna=False, sort=False).size().rename("n").reset_index()


def _grouped(masks: dict, keys: pd.Series, weight: pd.Series | None = None) -> pd.DataFrame:
    """Per key, for each named mask (None: every row), the rows where it holds -- or the sum of their `weight` --
    in one grouping of the key and those columns alone (a missing mask value counts as false). Selecting the masked
    rows of every column first cost most of a figure set's time. An area with none counts 0 here; area_table fills
    every count to 0 anyway."""
    cols = {}
    for col, mask in masks.items():
        held = None if mask is None else pd.Series(mask, index=keys.index).fillna(False).astype(bool)
        if weight is None:
            cols[col] = np.ones(len(keys), dtype="int64") if held is None else held.astype("int64")
        else:
            cols[col] = weight if held is None else weight.where(held, 0)
    return pd.DataFrame(cols, index=keys.index).groupby(keys).sum()


def _count(df: pd.DataFrame, by: str, mask=None, value: str | None = None) -> pd.Series:
    """The records (or the sum of `value`) per `by` where `mask` holds (_grouped)."""
    if df.empty:
        return pd.Series(dtype=float)
    return _grouped({"n": mask}, df[by], df[value] if value else None)["n"]


# The enterprises of G08–G11 counted per area (area_table): metric -> the records' mask (the goals' own rule:
# figures.goals counts the city's with the same masks).
FLAG_METRICS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "gb_passed": lambda e: e["gb_passed"] == 1,  # G08 贯标绩效评价合格
    "advantage_national": lambda e: e["advantage"].fillna("").str.contains(NATIONAL, regex=False),  # G09
    "ip_intensive": lambda e: e["ip_intensive"] == 1,  # G10 知识产权密集型企业
    "patent_standard": lambda e: e["patent_standard"] == 1,  # G11 专利标准融合创新企业
}


# The count metrics each record kind gives (area_table): 0 where a kind was imported and none of its records count
# for an area (all outside Taixing, or filtered out), missing (NaN) only where the kind was never imported.
KIND_METRICS: dict[str, tuple[str, ...]] = {
    "patents": (
        "patents",
        "invention_patents",
        "utility_patents",
        "design_patents",
        "patents_valid",
        "invention_patents_valid",
        "invention_patents_long",
    ),
    "trademarks": ("trademarks",),
    "workstations": ("workstations",),
    "cases": ("cases", "enforcement_cases", "enforcement_closed", "disputes", "disputes_mediated"),
    "enterprises": (
        "enterprises",
        "above_scale",
        "high_tech",
        "high_tech_gb_filed",
        "zero_patent_above_scale",
        "zero_patent_high_tech",
        "zero_trademark_above_scale",
        *(FLAG_METRICS),
    ),
    "pledges": ("pledge_amount_wan",),
    "trainings": ("training_attendees",),
    "service_orgs": ("service_orgs",),
}


def area_table(
    recs: dict[str, pd.DataFrame], by: str, codes: list[str], s: Settings, as_of: str, imported=()
) -> pd.DataFrame:
    """One row per code (unit or park) with every metric; `by` is 'unit_code' or 'park_code'. `imported`: the kinds
    with a snapshot in the view -- their counts are 0, not missing, when no record of theirs is counted."""
    out = pd.DataFrame(index=pd.Index(codes, name="code"))
    p = recs["patents"]  # records, or their counts (Store.patent_counts with this as_of's long cut)
    if not p.empty:
        p = patent_counts(p, _years_before(as_of, s.long_years), by)
        inv, valid = p["patent_type"] == "invention", p["status_code"] == "valid"
        masks = {
            "patents": None,
            "invention_patents": inv,
            "utility_patents": p["patent_type"] == "utility",
            "design_patents": p["patent_type"] == "design",
            "patents_valid": valid,
            "invention_patents_valid": inv & valid,
            "invention_patents_long": inv & valid & p["long"],
        }
        out = out.join(_grouped(masks, p[by], p["n"]))  # the seven in one grouping
    tm = recs["trademarks"]
    if not tm.empty:
        out["trademarks"] = _count(tm, by, tm["status_code"] == "valid")
    w = recs["workstations"]
    if not w.empty:
        out["workstations"] = _count(w, by, w["active"] == 1)
    c = recs["cases"]
    if not c.empty:
        in_plan = c["accepted_date"].fillna("") >= s.plan_start
        enf, dis = c["kind_code"] == "enforcement", c["kind_code"] == "dispute"
        out["cases"] = _count(c, by)
        out["enforcement_cases"] = _count(c, by, enf & in_plan)
        out["enforcement_closed"] = _count(
            c, by, enf & in_plan & rules.enforcement_handled(c["status_code"], s.transferred_handled)
        )
        out["enforcement_transferred"] = _count(c, by, enf & in_plan & (c["status_code"] == "transferred"))
        out["disputes"] = _count(c, by, dis & in_plan)
        out["disputes_mediated"] = _count(c, by, dis & in_plan & (c["mediated"] == 1))
    if not recs["enterprises"].empty:
        _enterprise_counts(out, recs["enterprises"], by)
    pl = recs["pledges"]
    if not pl.empty:
        out["pledge_amount_wan"] = _count(pl, by, pl["date"].fillna("") >= s.plan_start, value="amount_wan")
    tr = recs["trainings"]
    if not tr.empty:
        # G16's audience rule (rules.py): the counted 人次, all 人次, and those left out as empty/unrecognised/mixed.
        in_plan = tr["date"].fillna("") >= s.plan_start
        cls = rules.audience_classes(tr["audience"])
        counted = rules.counted_audience(cls, s.training_audience)
        out["training_attendees"] = _count(tr, by, in_plan & counted, value="attendees")
        out["training_attendees_all"] = _count(tr, by, in_plan, value="attendees")
        out["training_attendees_unclear"] = _count(tr, by, in_plan & cls.isin(rules.UNCLEAR), value="attendees")
    so = recs["service_orgs"]
    if not so.empty:
        out["service_orgs"] = _count(so, by, so["active"] == 1)

    # Counts: a kind with records loaded gives 0 where an area has none; a kind never loaded stays missing (NaN).
    for kind in imported:
        for col in KIND_METRICS.get(kind, ()):
            if col not in out.columns:
                out[col] = 0.0
    out = out.astype("float64").fillna(0.0)  # the whole frame at once: a column at a time costs ~1 ms each
    out["enforcement_rate"] = _rate(out, "enforcement_closed", "enforcement_cases")
    out["mediation_rate"] = _rate(out, "disputes_mediated", "disputes")
    out["gb_filed_rate"] = _rate(out, "high_tech_gb_filed", "high_tech")  # G07: none without a 高企
    return out.reindex(columns=[*out.columns, *(col for col in METRICS if col not in out.columns)])  # missing: NaN


def _market_entities(table: pd.DataFrame, pop: pd.DataFrame, codes: list[str], day: str) -> None:
    """G05 per area, in place: `market_entities` (市场主体户数 of the statistics, the latest describing a day on or
    before `day`, as the city's base: pick_base) and `trademarks_per_10k_entities` (valid trademarks per 10,000 market
    entities, rounded as G05); missing where an area has no such figure (the bundled tables have the city's only)."""
    pop = pop[pop["measure"] == MARKET_ENTITIES]  # once, not per area (pick_base filters again on the few rows left)
    have = set(pop["code"])
    me = [pick_base(pop, c, (MARKET_ENTITIES,), day).value if c in have else None for c in codes]
    table["market_entities"] = pd.Series(me, index=table.index, dtype="float64")
    per = table["trademarks"] / (table["market_entities"] / 1e4)
    table["trademarks_per_10k_entities"] = [np.nan if pd.isna(v) else round(float(v), 1) for v in per]


def _enterprise_counts(out: pd.DataFrame, e: pd.DataFrame, by: str) -> None:
    """The enterprise tier's counts per area, in place: 规上, 高企, 贯标备案高企, the 消零 targets, G08–G11's flags."""
    a, h = e["above_scale"] == 1, e["high_tech"] == 1
    masks = {
        "enterprises": None,
        "above_scale": a,
        "high_tech": h,
        "high_tech_gb_filed": h & (e["gb_filed"] == 1),
        "zero_patent_above_scale": a & (e["patents_held"] == 0),
        "zero_patent_high_tech": h & (e["patents_held"] == 0),
        "zero_trademark_above_scale": a & (e["trademarks_held"] == 0),
        **{col: mask(e) for col, mask in FLAG_METRICS.items()},
    }
    sums = _grouped(masks, e[by])  # all of them in one grouping
    for col in masks:
        out[col] = sums[col]


def _rate(out: pd.DataFrame, num: str, den: str) -> pd.Series:
    if den not in out.columns:
        return pd.Series(np.nan, index=out.index)
    d = out[den].replace(0, np.nan)
    return (out[num] / d * 100).round(1)


def _years_before(as_of: str, years: int) -> str:
    d = date.fromisoformat(as_of)
    try:
        return d.replace(year=d.year - years).isoformat()
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28).isoformat()


def _network(recs: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(
        index=pd.Index(codes, name="code"), columns=["has_office", "staff", "fund_wan", "pilot_level"], dtype=object
    )
    if recs.empty:
        return out
    n = recs.drop_duplicates("area_code", keep="last").set_index("area_code")
    for col in ["has_office", "staff", "fund_wan", "pilot_level"]:
        out[col] = n[col].reindex(codes)
    return out


def _no_records(kind: str) -> pd.DataFrame:
    """A kind's records frame with no rows (Store.records' columns): a kind compute was told not to read."""
    from txip_geo.store.database import record_columns

    return pd.DataFrame(columns=[*record_columns(kind), "as_of", "file_name", "is_sample"])


def _counted(df: pd.DataFrame) -> pd.DataFrame:
    """A located kind's records (or counts) without those outside Taixing: kept for the data page, never counted."""
    return df[df["assign_method"] != "outside"] if len(df) else df


def _located_counts(df: pd.DataFrame) -> tuple[int, int]:
    """(outside Taixing, no township) of a located kind's records or counts: no township is method 'unassigned',
    or a park whose host township is not known."""
    w = df["n"] if "n" in df.columns else pd.Series(1, index=df.index)
    out = df["assign_method"] == "outside"
    return int(w[out].sum()), int(w[~out & df["unit_code"].isna()].sum())


def compute(
    store, settings: Settings | None = None, *, city_only: bool = False, kinds: Collection[str] | None = None
) -> FigureSet:
    """Every figure of the store's view under the settings. `city_only`: the city's figures alone, with no row per
    township or park (empty `units`/`parks` tables); `kinds`: only these record kinds are read, the others count
    as never imported (patents are always read). The goals' yearly series (figures.baseline.goal_series) counts
    only the city's figures of its goals' kinds, a year at a time: those are the figures of the full set."""
    s = settings or Settings()
    # Patents are counted from the store's aggregates (Store.patent_counts); their records load only when read.
    upto = store.last_import_id()  # the lazily loaded records are those of the store as counted here
    recs = {
        k: store.records(k, s.as_of, upto=upto) if kinds is None or k in kinds else _no_records(k)
        for k, kind in schema.KINDS.items()
        if not kind.aggregated
    }
    sources = store.patent_sources(s.as_of, upto=upto)
    snapshots = {k: (str(df["as_of"].iloc[0]) if len(df) else "") for k, df in recs.items()}
    snapshots = {"patents": str(sources["as_of"].iloc[0]) if sources["n"].sum() else "", **snapshots}
    # A view of the store as of a date (figures.asof.StoreAt) declares the kinds it wound back to that date: read,
    # even when nothing of theirs existed yet then (their counts are 0, not missing).
    declared = getattr(store, "declared_snapshots", None)
    snapshots |= {k: d for k, d in (declared() if declared else {}).items() if not snapshots.get(k)}
    as_of = max([d for d in snapshots.values() if d] or [s.as_of or date.today().isoformat()])
    is_sample = any(bool(df["is_sample"].astype(bool).any()) for df in recs.values() if len(df)) or bool(
        ((sources["n"] > 0) & sources["is_sample"].astype(bool)).any()
    )
    cut = _years_before(as_of, s.long_years)
    patents = store.patent_counts(s.as_of, long_cut=cut, upto=upto)

    counted = {}
    outside, unassigned = {}, {}
    for k, df in {"patents": patents, **recs}.items():
        if schema.KINDS[k].located and len(df):
            outside[k], unassigned[k] = _located_counts(df)
            df = _counted(df)
        counted[k] = df
    counted["patents"] = _filter_patents(counted["patents"], s)
    sources = _filter_patents(sources[sources["outside"] == 0], s)
    if len(counted["enterprises"]):
        counted["enterprises"] = _enterprise_patents(
            counted["enterprises"], store.patent_holders(s.as_of, upto=upto), recs["trademarks"]
        )
    records = LazyRecords(
        {k: counted[k] for k in recs},
        {"patents": lambda: _filter_patents(_counted(store.records("patents", s.as_of, upto=upto)), s)},
        order=list(schema.KINDS),
    )
    from txip_geo.store.rules import no_township_mask

    located = [k for k in schema.KINDS if schema.KINDS[k].located]
    no_township = LazyRecords(
        {k: counted[k][no_township_mask(counted[k])] if len(counted[k]) else counted[k] for k in located if k in recs},
        {
            "patents": lambda: _filter_patents(
                _counted(store.records("patents", s.as_of, upto=upto, no_township=True)), s
            )
        },
        order=located,
    )

    pop = load_population_table(store)
    towns = store.layer("townships")
    areas = dict(zip(towns["code"], area_km2(towns))) if len(towns) else {}
    imported = [k for k, d in snapshots.items() if d]  # a snapshot in the view, whether or not a record counts
    if city_only:
        units, parks = pd.DataFrame({"code": [], "name": []}), pd.DataFrame({"code": [], "name": []})
    else:
        units, parks = _area_rows(store, counted, pop, areas, s, as_of, imported)

    # City: every counted record once (records with no township still count for the city).
    city_df = area_table(
        {k: v.assign(_city=CITY_CODE) for k, v in counted.items()}, "_city", [CITY_CODE], s, as_of, imported
    )
    _market_entities(city_df, pop, [CITY_CODE], base_date(s, as_of))
    city = {k: (None if pd.isna(v) else float(v)) for k, v in city_df.iloc[0].items()}
    for col in ("area_km2",):
        city[col] = round(float(sum(areas.values())), 2) if areas else None

    return FigureSet(
        settings=s,
        records=records,
        no_township_records=no_township,
        patent_codes=(
            (lambda: _filter_patents(_counted(store.patent_code_counts(s.as_of, long_cut=cut, upto=upto)), s))
            if hasattr(store, "patent_code_counts")
            else None
        ),
        units=units,
        parks=parks,
        city=city,
        unassigned=unassigned,
        outside=outside,
        snapshots=snapshots,
        boundaries=store.boundaries_status(),
        park_boundaries=store.boundaries_status("parks"),
        is_sample=is_sample,
        population=pop,
        patents=counted["patents"],
        patent_sources=sources,
    )


def _area_rows(store, counted: dict, pop: pd.DataFrame, areas: dict, s: Settings, as_of: str, imported: list):
    """compute's row per township (`units`) and per park (`parks`), each with its network, area and bases."""
    gaz = load_gazetteer()
    unit_codes = gaz.codes
    units = area_table(counted, "unit_code", unit_codes, s, as_of, imported)
    net = _network(counted["network"], unit_codes)
    for col in ("has_office", "staff", "fund_wan"):
        units[col] = net[col]
    units.insert(0, "name", [gaz.by_code[c].name for c in unit_codes])
    units.insert(1, "type", [gaz.by_code[c].type for c in unit_codes])
    units["area_km2"] = [round(areas[c], 2) if c in areas else np.nan for c in unit_codes]
    measures = (*(population_measure(b) for b in POPULATION_BASES), UNKNOWN_POPULATION)
    pops = [latest_measure(pop, c, measures, base_date(s, as_of)) for c in unit_codes]
    units["population"] = [p[0] for p in pops]
    units["population_year"] = [p[1] for p in pops]
    units["population_source"] = [p[2] for p in pops]
    units["invention_per_10k"] = (units["invention_patents_valid"] / (units["population"] / 1e4)).round(2)
    _market_entities(units, pop, unit_codes, base_date(s, as_of))

    park_codes = [p.code for p in gaz.parks]
    parks = area_table(counted, "park_code", park_codes, s, as_of, imported)
    net = _network(counted["network"], park_codes)
    for col in ("has_office", "staff", "fund_wan", "pilot_level"):
        parks[col] = net[col]
    parks.insert(0, "name", [gaz.park_by_code[c].name for c in park_codes])
    parks.insert(1, "host_code", [gaz.park_by_code[c].host_code for c in park_codes])
    park_layer = store.layer("parks")
    pareas = dict(zip(park_layer["code"], area_km2(park_layer))) if len(park_layer) else {}
    parks["area_km2"] = [round(pareas[c], 2) if c in pareas else np.nan for c in park_codes]
    _market_entities(parks, pop, park_codes, base_date(s, as_of))
    return units.reset_index(), parks.reset_index()
