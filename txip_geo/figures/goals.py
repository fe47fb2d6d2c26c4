"""The plan's goals G01–G16 and milestones M01–M04: target, current value, gap, status and where the figure comes from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from txip_geo.areas.gazetteer import CITY_CODE
from txip_geo.figures.compute import (
    MARKET_ENTITIES,
    NATIONAL,
    PILOT_LEVELS_COUNTED,
    POPULATION_BASES,
    FigureSet,
    Settings,
    base_date,
    pick_base,
    population_measure,
)
from txip_geo.plan import goal_table, phases
from txip_geo.strings import t

STATUS_LABELS = {status: t(f"goal_status.{status}") for status in ("met", "not_met", "no_data", "done", "not_done")}

# Goals that can be broken down by township and park: goal id -> its per-area metric (figures.compute.area_table).
PER_AREA = {
    "G01": "invention_patents_valid",
    "G02": "invention_patents_long",
    "G03": "invention_per_10k",
    "G04": "trademarks",
    "G05": "trademarks_per_10k_entities",
    "G07": "gb_filed_rate",
    "G08": "gb_passed",
    "G09": "advantage_national",
    "G10": "ip_intensive",
    "G11": "patent_standard",
    "G12": "pledge_amount_wan",
    "G13": "enforcement_rate",
    "G14": "mediation_rate",
    "G15": "service_orgs",
    "G16": "training_attendees",
}


def current_phase(today: date | None = None) -> str:
    day = (today or date.today()).isoformat()
    for r in phases().itertuples():
        if r.start <= day <= r.end:
            return r.phase
    return t("goal_basis.phase_after") if day > phases()["end"].max() else t("goal_basis.phase_before")


@dataclass
class Value:
    current: float | None
    basis: str  # Chinese: where the figure comes from


def _records_basis(fs: FigureSet, kind: str) -> str:
    """Where a figure computed from `kind`'s records comes from (or why there is none)."""
    what = t(f"goal_basis.what_{kind}")
    n = fs.record_count(kind)  # from the counts for patents: their records are not loaded
    if not n:
        if not fs.snapshots.get(kind):
            return t("goal_basis.not_imported", what=what)
        outside = fs.outside.get(kind, 0)
        return t("goal_basis.none_counted", what=what, date=fs.snapshots.get(kind)) + (
            t("goal_basis.none_counted_outside", n=outside) if outside else ""
        )
    files = t("goal_basis.file_sep").join(fs.record_files(kind))
    sample = t("goal_basis.sample") if fs.is_sample else ""
    return t("goal_basis.records", n=n, what=what, sample=sample, files=files, date=fs.snapshots.get(kind))


def _count(v) -> str:
    """A count in a basis: a whole number, 0 when missing."""
    return f"{v or 0:.0f}"


def _g01(fs: FigureSet, c: dict, s: Settings) -> Value:
    return Value(c.get("invention_patents_valid"), _records_basis(fs, "patents"))


def _g02(fs: FigureSet, c: dict, s: Settings) -> Value:
    return Value(
        c.get("invention_patents_long"), _records_basis(fs, "patents") + t("goal_basis.long_years", years=s.long_years)
    )


def _g03(fs: FigureSet, c: dict, s: Settings) -> Value:
    inv = c.get("invention_patents_valid")
    base = pick_base(fs.population, CITY_CODE, (population_measure(s.population_base),), base_date(s, fs.as_of))
    if inv is None:
        return Value(None, _records_basis(fs, "patents"))
    if base.value is None:
        return Value(None, t("goal_basis.g03_no_base", missing=base.missing))
    return Value(
        round(inv / (base.value / 1e4), 2),
        t("goal_basis.g03", inv=f"{inv:.0f}", base=base.label, wan=f"{base.value / 1e4:.2f}"),
    )


def _g04(fs: FigureSet, c: dict, s: Settings) -> Value:
    return Value(c.get("trademarks"), _records_basis(fs, "trademarks"))


def _g05(fs: FigureSet, c: dict, s: Settings) -> Value:
    tm = c.get("trademarks")
    base = pick_base(fs.population, CITY_CODE, (MARKET_ENTITIES,), base_date(s, fs.as_of))
    if tm is None:
        return Value(None, _records_basis(fs, "trademarks"))
    if base.value is None:
        return Value(None, t("goal_basis.g05_no_base", missing=base.missing))
    return Value(
        round(tm / (base.value / 1e4), 1),
        t("goal_basis.g05", tm=f"{tm:.0f}", wan=f"{base.value / 1e4:.2f}", base=base.label),
    )


def _g06(fs: FigureSet, c: dict, s: Settings) -> Value:
    net = fs.records.get("network")
    if net is None or net.empty:
        return Value(None, t("goal_basis.g06_not_imported"))
    parks = net[net["area_code"].astype(str).str.startswith("P")]
    n = int(parks["pilot_level"].fillna("").str.contains(PILOT_LEVELS_COUNTED, regex=True).sum())
    return Value(float(n), _records_basis(fs, "network") + t("goal_basis.g06_rule"))


def _g07(fs: FigureSet, c: dict, s: Settings) -> Value:
    ht, filed = c.get("high_tech"), c.get("high_tech_gb_filed")
    if not ht:
        return Value(None, _records_basis(fs, "enterprises") if ht is None else t("goal_basis.g07_no_high_tech"))
    return Value(
        round(filed / ht * 100, 1),
        t("goal_basis.g07", filed=f"{filed:.0f}", ht=f"{ht:.0f}") + _records_basis(fs, "enterprises"),
    )


# G08–G11: the enterprises that count, as a mask of the enterprise records.
_ENTERPRISE_COUNTS = {
    "G08": lambda e: e["gb_passed"] == 1,
    "G09": lambda e: e["advantage"].fillna("").str.contains(NATIONAL, regex=False),
    "G10": lambda e: e["ip_intensive"] == 1,
    "G11": lambda e: e["patent_standard"] == 1,
}


def _enterprise_goal(goal_id: str):
    def value(fs: FigureSet, c: dict, s: Settings) -> Value:
        e = fs.records.get("enterprises")
        if e is None or e.empty:  # imported with none counted (all outside Taixing): 0, not 无数据
            return Value(0.0 if fs.snapshots.get("enterprises") else None, _records_basis(fs, "enterprises"))
        return Value(float(_ENTERPRISE_COUNTS[goal_id](e).sum()), _records_basis(fs, "enterprises"))

    return value


def _g12(fs: FigureSet, c: dict, s: Settings) -> Value:
    v = c.get("pledge_amount_wan")
    return Value(
        None if v is None else round(v / 1e4, 2),
        _records_basis(fs, "pledges") + t("goal_basis.g12", start=s.plan_start),
    )


def _g13(fs: FigureSet, c: dict, s: Settings) -> Value:
    handled = t("goal_basis.g13_handled_or_transferred" if s.transferred_handled else "goal_basis.g13_handled")
    moved = t(
        "goals.g13_transferred",
        n=_count(c.get("enforcement_transferred")),
        how=t("goals.g13_transferred_handled" if s.transferred_handled else "goals.g13_transferred_open"),
    )
    return Value(
        c.get("enforcement_rate"),
        t(
            "goal_basis.g13",
            handled=handled,
            closed=_count(c.get("enforcement_closed")),
            cases=_count(c.get("enforcement_cases")),
            start=s.plan_start,
            moved=moved,
        )
        + _records_basis(fs, "cases"),
    )


def _g14(fs: FigureSet, c: dict, s: Settings) -> Value:
    return Value(
        c.get("mediation_rate"),
        t(
            "goal_basis.g14",
            mediated=_count(c.get("disputes_mediated")),
            disputes=_count(c.get("disputes")),
            start=s.plan_start,
        )
        + _records_basis(fs, "cases"),
    )


def _g15(fs: FigureSet, c: dict, s: Settings) -> Value:
    return Value(c.get("service_orgs"), _records_basis(fs, "service_orgs"))


def _g16(fs: FigureSet, c: dict, s: Settings) -> Value:
    v = c.get("training_attendees")
    n = {k: _count(c.get(k)) for k in ("training_attendees", "training_attendees_all", "training_attendees_unclear")}
    if s.training_audience == "all":
        who = t("goals.g16_basis_all", counted=n["training_attendees"], unclear=n["training_attendees_unclear"])
    else:
        other = (c.get("training_attendees_all") or 0) - (v or 0) - (c.get("training_attendees_unclear") or 0)
        who = t(
            "goals.g16_basis",
            counted=n["training_attendees"],
            other=f"{other:.0f}",
            unclear=n["training_attendees_unclear"],
        )
    records = _records_basis(fs, "trainings")
    return Value(v, (t("goal_basis.g16", who=who, start=s.plan_start) if v is not None else "") + records)


# Each computed goal's figure and basis, from the figure set, its city figures and its settings.
_COMPUTED = {
    "G01": _g01,
    "G02": _g02,
    "G03": _g03,
    "G04": _g04,
    "G05": _g05,
    "G06": _g06,
    "G07": _g07,
    **{gid: _enterprise_goal(gid) for gid in _ENTERPRISE_COUNTS},
    "G12": _g12,
    "G13": _g13,
    "G14": _g14,
    "G15": _g15,
    "G16": _g16,
}


def _computed(fs: FigureSet, goal_id: str) -> Value:
    compute = _COMPUTED.get(goal_id)
    return compute(fs, fs.city, fs.settings) if compute else Value(None, "")


def goal_rule(goal_id: str, s: Settings, definition: str | None = None, data_as_of: str | None = None) -> str:
    """A goal's counting rule in short (Chinese): its definition (data/goals.csv) and what the settings make of it
    (population base and its year, the long-maintenance threshold, plan start, the training audience, whether a
    case 移送 counts as handled). `data_as_of`: the date the records describe (FigureSet.as_of; G02's cut)."""
    if definition is None:
        definition = goal_table().set_index("id").loc[goal_id, "definition"]
    day = base_date(s, data_as_of)
    parts = [definition]
    if goal_id == "G02":
        parts.append(t("goals.rule_long_years", years=s.long_years, date=data_as_of or day))
    elif goal_id == "G03":
        other = t("goal_basis.other_bases_sep").join(b for b in POPULATION_BASES if b != s.population_base)
        parts.append(t("goals.rule_population", base=s.population_base, other=other, date=day))
    elif goal_id == "G05":
        parts.append(t("goals.rule_market", date=day))
    if goal_id in ("G12", "G13", "G14", "G16"):
        parts.append(t("goals.rule_plan_start", start=s.plan_start))
    if goal_id == "G13":
        parts.append(t("goals.rule_transfer_yes" if s.transferred_handled else "goals.rule_transfer_no"))
    if goal_id == "G16":
        parts.append(t("goals.rule_audience_all" if s.training_audience == "all" else "goals.rule_audience_plan"))
    return t("goal_basis.rule_sep").join(p for p in parts if p)


def city_value(fs: FigureSet, metric: str) -> float | None:
    """The city's figure for a per-area metric (万人发明专利拥有量 on the settings' population base, as goal G03)."""
    if metric == "invention_per_10k":
        return _computed(fs, "G03").current
    v = fs.city.get(metric)
    return None if v is None or pd.isna(v) else float(v)


def _manual_basis(entry) -> str:
    """Where a figure entered by hand comes from: its evidence, who entered it and when."""
    return t(
        "goal_basis.manual",
        evidence=entry["evidence"],
        by=entry.get("entered_by") or t("goal_basis.manual_unsigned"),
        on=entry.get("entered_on") or t("goal_basis.manual_undated"),
    )


def _nan_to_none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def goal_status(value, target, comparator: str) -> str:
    """A numeric goal's status for a value: met (above the target for '>', else at or above it), not_met, or
    no_data when there is no value."""
    if value is None or pd.isna(value):
        return "no_data"
    return "met" if (value > target if comparator == ">" else value >= target) else "not_met"


def milestone_status(value) -> str:
    """A milestone's status for its value (1 done, 0 not done, none: not reported)."""
    if value is None or pd.isna(value):
        return "no_data"
    return "done" if value else "not_done"


def evaluate(fs: FigureSet, only: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per goal and milestone: id, name, target, comparator, unit, current, gap, progress, status,
    status_label, source (computed | manual | none), basis, rule (the counting rule under these settings, goal_rule),
    definition, plan_text (the plan's own words), task, lead, cooperating. `only`: those goals' rows alone (the
    yearly series: goals counted from the city's figures, on a city-only figure set)."""
    table = goal_table()
    if only is not None:
        table = table[table["id"].isin(only)]
    manual = fs.records.get("manual")
    manual = (
        manual.drop_duplicates("goal_id", keep="last").set_index("goal_id")
        if manual is not None and len(manual)
        else None
    )
    rows = []
    for g in table.to_dict("records"):
        gid = g["id"]
        entry = manual.loc[gid] if manual is not None and gid in manual.index else None
        if g["kind"] == "milestone":
            if entry is not None and not pd.isna(entry["done"]):
                done = bool(entry["done"])
                status, source = ("done" if done else "not_done"), "manual"
                basis = _manual_basis(entry)
            else:
                status, source, basis = "no_data", "none", t("goal_basis.milestone_not_reported")
            rows.append(
                {
                    **g,
                    "current": 1.0 if status == "done" else (0.0 if status == "not_done" else None),
                    "gap": None,
                    "progress": 1.0 if status == "done" else 0.0,
                    "status": status,
                    "source": source,
                    "basis": basis,
                }
            )
            continue
        if entry is not None and not pd.isna(entry["value"]):
            val = Value(float(entry["value"]), _manual_basis(entry))
            source = "manual"
        else:
            val = _computed(fs, gid)
            source = "computed" if val.current is not None else "none"
        cur = _nan_to_none(val.current)
        target = g["target"]
        status = goal_status(cur, target, g["comparator"])
        if cur is None:
            gap, progress = None, None
        else:
            gap = 0.0 if status == "met" else round(target - cur, 2)
            progress = min(cur / target, 1.0) if target else None
        rows.append(
            {
                **g,
                "current": cur,
                "gap": gap,
                "progress": progress,
                "status": status,
                "source": source,
                "basis": val.basis,
            }
        )
    df = pd.DataFrame(rows)
    df["status_label"] = df["status"].map(STATUS_LABELS)
    df["rule"] = [goal_rule(r["id"], fs.settings, r["definition"], fs.as_of) for r in rows]
    cols = [
        "id",
        "kind",
        "group",
        "name",
        "target",
        "comparator",
        "unit",
        "current",
        "gap",
        "progress",
        "status",
        "status_label",
        "source",
        "basis",
        "rule",
        "definition",
        "plan_text",
        "task",
        "task_name",
        "lead",
        "cooperating",
    ]
    return df[cols]


def contributions(fs: FigureSet, goal_id: str, view: str = "units") -> pd.DataFrame | None:
    """Per-township (view 'parks': per-park) values of a goal's metric, sorted high to low (None when the goal has no
    per-area figure)."""
    metric = PER_AREA.get(goal_id)
    if metric is None:
        return None
    u = (fs.parks if view == "parks" else fs.units)[["code", "name", metric]].rename(columns={metric: "value"})
    return u.sort_values("value", ascending=False, na_position="last").reset_index(drop=True)
