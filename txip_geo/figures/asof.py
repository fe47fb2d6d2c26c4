"""Figures as of a date: for each record kind the snapshot that describes the date, wound back when a later one
is all there is (the rules: figures.baseline's docstring). `figures_at(store, settings, day)` is compute() on the
store as it stood on `day`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from txip_geo import schema
from txip_geo.figures.compute import FigureSet, Settings, compute, patent_counts, valid_holders
from txip_geo.ingest import parse, words

# A snapshot more than this before a date does not describe it when a later one can be wound back to it (a quarter:
# offices export monthly or quarterly; a snapshot of the previous year end must not stand for this year's end).
FRESH_DAYS = 92

# Kinds whose records carry the date they describe, and how a later snapshot is wound back to a date.
DATED = ("patents", "trademarks", "workstations", "cases", "pledges", "trainings", "manual")
# Kinds read as they are at any date (a yearly series, or no record of their own).
SERIES = ("statistics",)


@dataclass(frozen=True)
class KindPlan:
    method: str  # snapshot | derived | none
    source: str | None  # the snapshot's as-of date read (derived: the later snapshot wound back)


def plan_kinds(store, day: str) -> dict[str, KindPlan]:
    """For each record kind: which snapshot describes `day` and how (module docstring)."""
    return plan_dates({kind: store.snapshot_dates(kind) for kind in schema.KINDS}, day)


def plan_dates(dates: dict[str, list[str]], day: str) -> dict[str, KindPlan]:
    """plan_kinds from each kind's snapshot dates (sorted)."""
    out = {}
    limit = (date.fromisoformat(day) - timedelta(days=FRESH_DAYS)).isoformat()
    for kind in schema.KINDS:
        dates_of = dates.get(kind, [])
        before = [d for d in dates_of if d <= day]
        after = [d for d in dates_of if d > day]
        if kind in SERIES:
            out[kind] = KindPlan("snapshot", max(before) if before else None)
        elif before and before[-1] >= limit:
            out[kind] = KindPlan("snapshot", before[-1])
        elif after and kind in DATED:
            out[kind] = KindPlan("derived", after[0])
        elif before:
            out[kind] = KindPlan("snapshot", before[-1])
        else:
            out[kind] = KindPlan("none", None)
    return out


def imports_read(imports: pd.DataFrame, day: str) -> tuple:
    """What the figures as of `day` read of the store's imports (columns id, kind, as_of): per record kind its plan
    and the ids of the imports of the snapshot it reads (SERIES kinds: of every snapshot -- the population table
    takes each statistics row of a year from the latest snapshot that has it, compute.load_population_table) -- and
    the ids of the imports that are no record kind's (boundaries: they relocate every record). Equal before and
    after an import the view does not read (a later snapshot of a kind that is read from an earlier one): a cache
    key for those figures (ui/state.py)."""
    kinds = imports["kind"].astype(str)
    records = imports[kinds.isin(list(schema.KINDS))]
    dates = {k: sorted(set(g["as_of"].astype(str))) for k, g in records.groupby("kind")}
    out = []
    for kind, p in plan_dates(dates, day).items():
        of = records[(records["kind"] == kind) & ((records["as_of"] == p.source) | (kind in SERIES))]
        out.append((kind, p.method, p.source, tuple(sorted(int(i) for i in of["id"]))))
    other = imports[~kinds.isin(list(schema.KINDS))]
    return tuple(out), tuple(sorted(int(i) for i in other["id"]))


# -- winding a later snapshot back to a date -------------------------------------------------------------------


def _on_or_before(col: pd.Series, day: str) -> pd.Series:
    s = col.fillna("").astype(str)
    return (s != "") & (s <= day)


def _patents_at(p: pd.DataFrame, day: str) -> tuple[pd.DataFrame, int]:
    """Patents filed by `day` with their status then: granted by then and valid today → valid; not granted by then
    → pending; invalid today → invalid (whether it was still valid on `day` a later export cannot tell: the second
    value counts those that had been granted by then)."""
    app = p["app_date"].fillna("").astype(str)
    year = pd.to_numeric(p["app_year"], errors="coerce")
    filed = _on_or_before(app, day) | ((app == "") & (year < int(day[:4])))
    p = p[filed].copy()
    granted = _on_or_before(p["grant_date"], day)
    no_grant_date = p["grant_date"].fillna("").astype(str) == ""
    valid_now = p["status_code"] == "valid"
    status = np.where(valid_now & (granted | no_grant_date), "valid", np.where(valid_now, "pending", p["status_code"]))
    unknown = int(((p["status_code"] == "invalid") & granted).sum())
    p["status_code"] = status
    return p, unknown


def _trademarks_at(tm: pd.DataFrame, day: str) -> tuple[pd.DataFrame, int]:
    """Trademarks registered by `day`: valid then if their status word says registered and 专用权期限 had not
    ended by then (one expired since is invalid today, valid then); cancelled or invalidated today → invalid (its
    state on `day` unknown, counted in the second value)."""
    tm = tm[_on_or_before(tm["reg_date"], day)].copy()
    word = parse.map_status(tm["status"].fillna("").astype(str), words.TRADEMARK_STATUS)
    expiry = tm["expiry_date"].fillna("").astype(str)
    expired = (expiry != "") & (expiry < day)
    valid = word.eq("valid") & ~expired
    unknown = int((~word.eq("valid") & ~word.eq("pending") & tm["status_code"].eq("invalid")).sum())
    tm["status_code"] = np.where(valid, "valid", np.where(word.eq("pending"), "pending", "invalid"))
    return tm, unknown


def _workstations_at(w: pd.DataFrame, day: str) -> tuple[pd.DataFrame, int]:
    """Workstations set up by `day` (active then if active today); without a 设立日期 they are left out (counted)."""
    est = w["established"].fillna("").astype(str)
    return w[_on_or_before(est, day)].copy(), int((est == "").sum())


def _cases_at(c: pd.DataFrame, day: str) -> tuple[pd.DataFrame, int]:
    """Cases accepted by `day`; a case closed after `day` was still open then (and not yet mediated); one ended
    without a 结案日期 keeps its state (counted in the second value)."""
    c = c[_on_or_before(c["accepted_date"], day)].copy()
    closed = c["closed_date"].fillna("").astype(str)
    ended = c["status_code"] != "open"
    later = ended & (closed != "") & (closed > day)
    c.loc[later, "status_code"] = "open"
    c.loc[later, "mediated"] = 0
    # Ended without a 结案日期: when is not known; kept as it is today and counted as unknown.
    return c, int((ended & (closed == "")).sum())


def _dated_rows(field: str):
    def at(df: pd.DataFrame, day: str) -> tuple[pd.DataFrame, int]:
        return df[_on_or_before(df[field], day)].copy(), 0

    return at


WIND_BACK = {
    "patents": _patents_at,
    "trademarks": _trademarks_at,
    "workstations": _workstations_at,
    "cases": _cases_at,
    "pledges": _dated_rows("date"),
    "trainings": _dated_rows("date"),
    "manual": _dated_rows("entered_on"),
}


def derive(kind: str, records: pd.DataFrame, day: str) -> tuple[pd.DataFrame, int]:
    """A later snapshot's records of `kind` as they stood on `day` (rows, as_of = day) and how many rows' state on
    `day` cannot be known (left out of the counts)."""
    if records.empty:
        return records.assign(as_of=day), 0
    df, unknown = WIND_BACK[kind](records, day)
    return df.assign(as_of=day).reset_index(drop=True), unknown


class StoreAt:
    """The store as it stood on a date: `compute(StoreAt(store, day), Settings(as_of=day))` counts each kind from
    the snapshot `plan_kinds` chose, wound back where derived. Read-only; only what compute reads."""

    def __init__(self, store, day: str, plan: dict[str, KindPlan] | None = None, sources: dict | None = None):
        self.store, self.day = store, day
        self.plan = plan if plan is not None else plan_kinds(store, day)
        self.unknown: dict[str, int] = {}
        self._derived: dict = {}  # kind -> its wound-back records; ("patent_sources", upto) -> those counts
        # The later snapshots read, shared by the views of one comparison (each year of a series winds the same
        # current snapshot back): (kind, as_of, upto) -> records.
        self._sources = sources if sources is not None else {}

    def __getattr__(self, name):  # layer, boundaries_status, last_import_id, snapshot_dates …
        return getattr(self.store, name)

    def _wound(self, kind: str, upto: int | None) -> pd.DataFrame:
        if kind not in self._derived:
            key = (kind, self.plan[kind].source, upto)
            if key not in self._sources:
                self._sources[key] = self.store.records(kind, self.plan[kind].source, upto=upto)
            src = self._sources[key]
            self._derived[kind], self.unknown[kind] = derive(kind, src, self.day)
        return self._derived[kind]

    def _read(self, kind: str, as_of: str | None, upto: int | None, no_township: bool) -> pd.DataFrame:
        """A snapshot's records as the store gives them, read once for the views that share `sources` (the years of
        a series counting the same snapshot, a day counted under two settings). Read-only, as the wound records."""
        key = ("read", kind, as_of, upto, no_township)
        if key not in self._sources:
            self._sources[key] = self.store.records(kind, as_of, upto=upto, no_township=no_township)
        return self._sources[key]

    def declared_snapshots(self) -> dict[str, str]:
        """The kinds wound back to the day (compute: read, 0 where nothing of theirs existed yet)."""
        return {k: self.day for k, p in self.plan.items() if p.method == "derived"}

    def records(self, kind: str, as_of: str | None = None, upto: int | None = None, *, no_township: bool = False):
        p = self.plan[kind]
        if kind in SERIES:
            return self._read(kind, as_of, upto, no_township)
        if p.method == "snapshot":
            return self._read(kind, p.source, upto, no_township)
        if p.method == "none":
            return self.store.records(kind, "0000-00-00", upto=upto)  # the kind's empty frame
        df = self._wound(kind, upto)
        if no_township:
            from txip_geo.store.rules import no_township_mask

            return df[no_township_mask(df) | (df["assign_method"] == "outside")].reset_index(drop=True)
        return df

    def _patents(self, upto):
        p = self.plan["patents"]
        return None if p.method != "derived" else self._wound("patents", upto)

    def patent_counts(self, as_of=None, long_cut: str = "", upto=None, keys=None):
        p = self._patents(upto)
        if p is None:
            src = self.plan["patents"].source or "0000-00-00"
            return self.store.patent_counts(src, long_cut=long_cut, upto=upto)
        return patent_counts(p, long_cut)

    def patent_code_counts(self, as_of=None, *, long_cut: str, upto=None):
        """Store.patent_code_counts as of the day (figures.industries): the chosen snapshot's, or the records wound
        back (figures.industries counts them; without this the store's own snapshot on or before the day was read,
        nothing when the baseline was derived from a later one)."""
        p = self._patents(upto)
        if p is None:
            src = self.plan["patents"].source or "0000-00-00"
            return self.store.patent_code_counts(src, long_cut=long_cut, upto=upto)
        return p

    def patent_sources(self, as_of=None, upto=None):
        key = ("patent_sources", upto)  # the same for every count of this view (settings do not change it)
        if key not in self._derived:
            self._derived[key] = self._patent_sources(upto)
        return self._derived[key]

    def _patent_sources(self, upto):
        p = self._patents(upto)
        if p is None:
            return self.store.patent_sources(self.plan["patents"].source or "0000-00-00", upto=upto)
        cols = ["import_id", "file_name", "is_sample", "as_of", "patent_type", "status_code", "app_year"]
        frame = p.reindex(columns=cols).assign(outside=(p["assign_method"] == "outside").astype(int))
        if frame.empty:
            return pd.DataFrame(columns=[*cols, "outside", "n"]).astype({"n": "int64"})
        return frame.groupby([*cols, "outside"], dropna=False).size().rename("n").reset_index()

    def patent_holders(self, as_of=None, upto=None):
        p = self._patents(upto)
        if p is None:
            return self.store.patent_holders(self.plan["patents"].source or "0000-00-00", upto=upto)
        return valid_holders(p, "applicant")


def figures_at(
    store,
    settings: Settings,
    day: str,
    view: StoreAt | None = None,
    sources: dict | None = None,
    *,
    kinds=None,
) -> tuple[FigureSet, StoreAt]:
    """The figure set as of `day` (each kind's snapshot chosen and wound back by StoreAt) and the view used (pass
    it back to count the same day under other settings without winding the records back again). `kinds`: the
    city's figures of those record kinds alone (compute's `city_only` and `kinds`)."""
    view = view or StoreAt(store, day, sources=sources)
    only = {"city_only": True, "kinds": kinds} if kinds is not None else {}
    return compute(view, settings.with_(as_of=day), **only), view
