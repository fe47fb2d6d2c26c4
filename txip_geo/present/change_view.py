"""Baseline → now (基期 → 当前) as the map page and its panel show it, from a figures.baseline.Comparison: the change
map's spec (diverging classes: mapspec.ChangeScale), each figure of a township or park then, now, its change and its
rank then and now, and the areas ranked on a change."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from txip_geo.figures.baseline import AREA_METRICS, METRIC_KINDS, Comparison, method_label
from txip_geo.figures.baseline import city_change as city_figures
from txip_geo.figures.compute import METRICS
from txip_geo.figures.ranks import MORE_IS_WORSE
from txip_geo.present import map_view
from txip_geo.present import mapspec as maps
from txip_geo.present.mapspec import MapSpec
from txip_geo.strings import t

# The panel's figures that have a baseline (area and population are not compared).
PANEL_METRICS = [m for m in map_view.PANEL_METRICS if m in AREA_METRICS]


def change_frame(comp: Comparison, view: str, indicator: str) -> pd.DataFrame:
    """code, name, value (the change), baseline, current, method, rank_then, rank_now of each township ('units') or
    park ('parks') on one indicator (Comparison.areas)."""
    a = comp.areas
    a = a[(a["layer"] == view) & (a["metric"] == indicator)]
    return pd.DataFrame(
        {
            "code": a["code"].to_numpy(),
            "name": a["name"].to_numpy(),
            "value": _floats(a["change"]),
            "baseline": _floats(a["baseline"]),
            "current": _floats(a["current"]),
            "method": a["baseline_method"].to_numpy(),
            "rank_then": a["rank_then"].to_numpy(),
            "rank_now": a["rank_now"].to_numpy(),
        }
    )


def _floats(s: pd.Series) -> list:
    return [None if v is None or pd.isna(v) else float(v) for v in s]


def metric_method(comp: Comparison, indicator: str) -> str:
    """How the indicator's baseline was read (the same for every area): snapshot | derived | none | plan_start |
    baseline_year."""
    m = comp.areas.loc[comp.areas["metric"] == indicator, "baseline_method"]
    return str(m.iloc[0]) if len(m) else "none"


def change_notes(comp: Comparison, indicator: str) -> list[str]:
    """The legend's notes on a change map: how the baseline was read (a snapshot's date, 推算 and what it leaves out,
    无基期数据) and, for a "less is better" indicator, that a decrease is good."""
    method, kind = metric_method(comp, indicator), METRIC_KINDS.get(indicator)
    plan = comp.plan.get(kind) if kind else None
    notes = []
    if method == "none":
        notes.append(t("change.note_none", date=comp.baseline))
    elif method == "derived" and plan is not None:
        notes.append(t("change.note_derived", source=plan.source, date=comp.baseline))
        if comp.unknown.get(kind):
            notes.append(t(f"baseline.note_unknown_{kind}", n=comp.unknown[kind], date=comp.baseline))
    elif method == "snapshot" and plan is not None and plan.source:
        notes.append(t("change.note_snapshot", source=plan.source))
    elif method == "plan_start":
        notes.append(t("change.note_plan_start", start=comp.now.settings.plan_start))
    elif method == "baseline_year":
        notes.append(t("baseline.note_baseline_year", year=comp.baseline[:4]))
    if indicator in MORE_IS_WORSE:
        notes.append(t("change.note_less_is_better"))
    return notes


def change_scale(comp: Comparison, indicator: str) -> maps.ChangeScale:
    """The indicator's diverging classes, from the changes of the townships and the parks (as the current-value map's
    classes), so a colour means the same in both views."""
    changes = comp.areas.loc[comp.areas["metric"] == indicator, "change"]
    missing = t("change.no_baseline") if metric_method(comp, indicator) == "none" else t("map.legend_missing")
    return maps.change_scale(
        _floats(changes), map_view.decimals_for(indicator), indicator in MORE_IS_WORSE, missing, k=maps.CHANGE_CLASSES
    )


def change_map_spec(comp: Comparison, spec: MapSpec, *, view: str, indicator: str) -> MapSpec:
    """The current-value map `spec` (map_view.map_spec of the same view and indicator: its layers, points and
    notices) coloured by each area's change since the baseline: the change as each area's value (with its baseline
    and current value), diverging classes, the legend's title (基期 → 当前) and notes (how the baseline was read)."""
    areas = spec.areas[["code", "geometry"]].merge(change_frame(comp, view, indicator), on="code", how="left")
    label, _ = METRICS[indicator]
    extra = []
    n_unassigned = map_view.unassigned_for(comp.now, indicator) if view == "units" else 0
    if n_unassigned:
        extra.append(t("map.unassigned_records", n=n_unassigned))
    extra += change_notes(comp, indicator) + map_view.tile_datum(spec.basemap)[1]
    return replace(
        spec,
        areas=areas,
        label=t("change.label", label=label),
        breaks=change_scale(comp, indicator),
        extra_lines=extra,
        zero_label=None,
        zero_good=True,  # a change of 0 is no gap: no alarm border
        less_is_better=indicator in MORE_IS_WORSE,
        baseline=comp.baseline,
        as_of=comp.current,
    )


# -- the panel ----------------------------------------------------------------------------------------------------


def rank_text(then, now) -> str:
    """A rank then → now, "第4 → 第3"; a rank not known reads —."""

    def one(r):
        return "—" if r is None or pd.isna(r) else t("change.rank_one", rank=int(r))

    return t("change.rank", then=one(then), now=one(now))


def _rank_then(r: pd.Series):
    """A rank at the baseline; none for a figure counted from the plan's start (0 everywhere: no order then)."""
    return None if r["baseline_method"] == "plan_start" else r["rank_then"]


def _row(comp: Comparison, code: str, metric: str) -> pd.Series | None:
    a = comp.areas
    hit = a[(a["code"] == code) & (a["metric"] == metric)]
    return None if hit.empty else hit.iloc[0]


def indicator_change(comp: Comparison, code: str, indicator: str, compact: bool = False) -> dict | None:
    """One area's change on one indicator, as display text: label, baseline, current, change, rank, method (its
    label where the baseline is not a snapshot, else ''), and the raw change (value). `compact` (the panel's
    table): numbers without their unit (the label carries it) and — where no baseline is known (the method says
    无基期数据)."""
    r = _row(comp, code, indicator)
    if r is None:
        return None
    label, unit = METRICS[indicator]
    dec = map_view.decimals_for(indicator)
    method = r["baseline_method"]
    none = "—" if compact else method_label("none")
    shown = "" if compact and unit != "%" else unit
    return {
        "label": t("change.metric_unit", label=label, unit=unit) if compact else label,
        "baseline": _number(r["baseline"], shown) if method != "none" else none,
        "current": _number(r["current"], shown),
        "change": maps.format_change(r["change"], shown, dec, none if method == "none" else "—").strip(),
        "rank": rank_text(_rank_then(r), r["rank_now"]),
        "method": "" if method == "snapshot" else method_label(method),
        "value": None if r["change"] is None or pd.isna(r["change"]) else float(r["change"]),
    }


def _number(v, unit: str) -> str:
    """A value with its unit ('' for none: the number alone); — when missing."""
    if v is None or pd.isna(v):
        return "—"
    return maps.format_value(v, unit).strip()


def area_changes(comp: Comparison, code: str, metrics=None) -> pd.DataFrame:
    """A township's or park's figures then and now: 指标 (with its unit), 基期, 当前, 变化, 排名 (then → now),
    基期说明 (推算 / 无基期数据 / 累计起点 / 基期年度; blank for a snapshot). Column names: change.col_*."""
    rows = []
    for m in metrics or PANEL_METRICS:
        d = indicator_change(comp, code, m, compact=True)
        if d is None:
            continue
        rows.append(
            {
                t("change.col_metric"): d["label"],
                t("change.col_baseline"): d["baseline"],
                t("change.col_current"): d["current"],
                t("change.col_change"): d["change"],
                t("change.col_rank"): d["rank"],
                t("change.col_method"): d["method"],
            }
        )
    return pd.DataFrame(rows)


def city_change(comp: Comparison, indicator: str) -> dict:
    """The city's figure on an indicator then and now (figures.baseline.city_change, as display text: baseline,
    current, change, method)."""
    label, unit = METRICS[indicator]
    method = metric_method(comp, indicator)
    then, now, change = city_figures(comp, indicator)
    none = method_label("none")
    return {
        "label": label,
        "baseline": maps.format_value(then, unit) if method != "none" else none,
        "current": maps.format_value(now, unit),
        "change": maps.format_change(change, unit, map_view.decimals_for(indicator), none if method == "none" else ""),
        "method": "" if method == "snapshot" else method_label(method),
        "value": change,
    }


def change_ranking(comp: Comparison, view: str, indicator: str) -> pd.DataFrame:
    """The areas on an indicator, the best change first (the largest increase; for "less is better" indicators the
    largest decrease), areas with no change known last: 名称, 基期, 当前, 变化, 排名 (then → now); a value not known
    reads — (the notes say why: change_notes)."""
    _, unit = METRICS[indicator]
    f = change_frame(comp, view, indicator)
    sign = -1 if indicator in MORE_IS_WORSE else 1
    order = pd.Series([None if v is None else -sign * v for v in f["value"]], dtype=float)
    f = f.assign(_o=order.to_numpy()).sort_values(["_o", "name"], na_position="last", kind="stable")
    dec = map_view.decimals_for(indicator)
    return pd.DataFrame(
        {
            t("change.col_name"): f["name"].to_numpy(),
            t("change.col_baseline"): [_number(v, unit) for v in f["baseline"]],
            t("change.col_current"): [_number(v, unit) for v in f["current"]],
            t("change.col_change"): [maps.format_change(v, unit, dec, "—") for v in f["value"]],
            t("change.col_rank"): [
                rank_text(None if m == "plan_start" else a, b)
                for a, b, m in zip(f["rank_then"], f["rank_now"], f["method"])
            ],
        }
    )
