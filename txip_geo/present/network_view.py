"""The network's gaps and scorecard as they are shown: display tables with Chinese headers, cell styles, the gap map's
spec (figures.network computes them)."""

from __future__ import annotations

import pandas as pd

from txip_geo.figures.compute import FigureSet
from txip_geo.figures.network import GAP_KINDS, GapKind, basis_label, scorecard
from txip_geo.present import mapspec as maps
from txip_geo.present.mapspec import MapSpec
from txip_geo.strings import t


def basis_options(gaps: pd.DataFrame) -> list[str]:
    """The 依据 values present in a gap list, in plan order: 保障措施 first, then tasks by number (the task filter)."""
    order = sorted(
        {(g.basis.startswith("measure"), g.basis) for g in GAP_KINDS},
        key=lambda x: (not x[0], x[1] if x[0] else int(x[1])),
    )
    labels = [basis_label(GapKind("", b, "")) for _, b in order]
    present = set(gaps[t("network.col_basis")])
    return [b for b in labels if b in present]


def gap_display(gaps: pd.DataFrame, screen: bool = False) -> pd.DataFrame:
    """The gap list without its machine keys (what the table and the Excel file show). `screen`: the count as text,
    blank where a gap has no count (a table widget would print "None")."""
    out = gaps.drop(columns=["gap_key", "task"], errors="ignore")
    if screen:
        col = t("network.col_count")
        out = out.assign(**{col: ["" if pd.isna(v) else f"{v:g}" for v in out[col]]})
    return out


def gap_count_frame(fs: FigureSet, view: str) -> pd.DataFrame:
    """code, name, value (缺口数) for 'units' (17 townships) or 'parks' (4): the values of the gap map."""
    card = scorecard(fs)
    is_park = card[t("network.col_kind")] == t("network.kind_park")
    card = card[is_park] if view == "parks" else card[~is_park]
    return pd.DataFrame(
        {
            "code": card[t("network.col_code")].to_numpy(),
            "name": card[t("network.col_area")].to_numpy(),
            "value": card[t("network.col_gaps")].astype(float).to_numpy(),
        }
    )


def gap_map_spec(
    fs: FigureSet, layer, *, view: str, outline=None, neighbours=None, parks_layer=None, basemap=None
) -> MapSpec:
    """A MapSpec colouring townships (or parks) by their number of gaps; 0 (no gap) in a calm colour, said in the legend.

    With a basemap in GCJ-02 (高德) every layer is shifted to GCJ-02 so it sits right on the tiles (as views.map_spec)."""
    import geopandas as gpd

    from txip_geo.present.map_view import tile_datum, to_datum

    vals = gap_count_frame(fs, view)
    both = pd.concat([gap_count_frame(fs, "units")["value"], gap_count_frame(fs, "parks")["value"]])
    breaks = maps.class_breaks(both.to_numpy(), k=5)
    g = layer[["code", "geometry"]].merge(vals, on="code", how="left")
    areas = gpd.GeoDataFrame(g, geometry="geometry", crs=layer.crs)
    extra = [t("network.gap_map_note")]  # not 样例数据: the notice beside the map says it
    d, credit = tile_datum(basemap)
    extra += credit
    return MapSpec(
        areas=to_datum(areas, d),
        label=t("network.col_gaps"),
        unit=t("network.gap_unit"),
        breaks=breaks,
        outline=to_datum(outline, d),
        neighbours=to_datum(neighbours, d),
        parks=to_datum(parks_layer, d) if view == "units" else None,
        schematic=bool(fs.schematic_notice),
        schematic_text=fs.schematic_notice,
        sample=fs.is_sample,
        as_of=fs.as_of,
        extra_lines=extra,
        zero_label=t("network.gap_map_zero"),
        zero_good=True,
        less_is_better=True,
        basemap=basemap,
    )


def scorecard_export(fs: FigureSet) -> pd.DataFrame:
    """The scorecard with missing numbers written out as 未填报 / 无数据 (a blank cell would read as "nothing")."""
    card = scorecard(fs).astype(object)
    for col, label in NUMERIC_NA.items():
        card[t(col)] = card[t(col)].where(card[t(col)].notna(), t(label))
    return card


# Numeric scorecard columns and how a missing value reads: network facts are reported by the area (未填报); the
# workstation and enterprise counts come from imported records (无数据: that kind was never imported).
NUMERIC_NA = {
    "network.col_staff": "network.unknown",
    "network.col_fund": "network.unknown",
    "network.col_ws": "network.no_data",
    "network.col_zero": "network.no_data",
}


# Cell styles of the scorecard: a confirmed "no" in red, "not reported / no data" in amber italics, "yes" in green.
CSS_NO = "background-color:#fde0dd;color:#a50f15;font-weight:600"


CSS_UNKNOWN = "background-color:#fff3cd;color:#7a5a00;font-style:italic"


CSS_YES = "color:#1a7f37"


def state_css(label) -> str:
    """CSS of a 有/无/未填报/无数据 cell."""
    if label == t("network.no"):
        return CSS_NO
    if label in (t("network.unknown"), t("network.no_data")):
        return CSS_UNKNOWN
    if label == t("network.yes"):
        return CSS_YES
    return ""


def count_css(text: str, zero_is_gap: bool = True) -> str:
    """CSS of a count cell of `scorecard_display`: 未填报/无数据 → amber italics; "0" → red when zero is a gap
    (staff, fund, workstations), green when it is good news (zero-patent enterprises); other numbers plain or red."""
    if text in (t("network.unknown"), t("network.no_data")):
        return CSS_UNKNOWN
    if text == "0":
        return CSS_NO if zero_is_gap else CSS_YES
    return "" if zero_is_gap else "color:#a50f15;font-weight:600"


def scorecard_display(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as text for the screen: counts without decimals, missing ones written as 未填报 / 无数据."""
    out = card.copy()
    for col, label in NUMERIC_NA.items():
        out[t(col)] = [t(label) if pd.isna(v) else f"{v:g}" for v in card[t(col)]]
    return out


def scorecard_styler(card: pd.DataFrame):
    """A pandas Styler of `scorecard_display(card)` with the colours above (no, not reported and yes look different)."""
    labels = [t("network.col_office"), t("network.col_patents"), t("network.col_tm")]
    zero_is_gap = [t("network.col_staff"), t("network.col_fund"), t("network.col_ws")]
    st = scorecard_display(card).style.map(state_css, subset=labels).map(count_css, subset=zero_is_gap)
    st = st.map(lambda v: count_css(v, zero_is_gap=False), subset=[t("network.col_zero")])
    return st.map(lambda v: "font-weight:700;color:#a50f15" if v > 0 else CSS_YES, subset=[t("network.col_gaps")])


def title_lines(fs: FigureSet) -> list[str]:
    """Heading lines of the Excel export: title, sample note, as-of date, schematic-boundary note."""
    from txip_geo.present.records import heading_lines

    return heading_lines(fs, t("network.export_title"))


# -- baseline → now (figures.baseline.Comparison.network) -----------------------------------------------------------

# The network's requirements compared at the baseline and now: key, the Comparison.network column, its label.
CHANGE_ASPECTS = (
    ("office", "has_office", "network.summary_office"),
    ("staff", "staff", "network.summary_staff"),
    ("fund", "fund_wan", "network.summary_fund"),
    ("ws", "workstations", "network.summary_ws"),
)


def _known(v) -> bool:
    return v is not None and not (isinstance(v, float) and pd.isna(v))


def coverage_change(net: pd.DataFrame) -> pd.DataFrame:
    """Per requirement (an office, staff, funds, a workstation): how many townships and parks had it at the baseline
    and have it now. key, label, then (None: no area's state at the baseline is known -- 无基期数据, never 0),
    now, unknown_then / unknown_now (areas not reported or not known), total."""
    rows = []
    for key, col, label in CHANGE_ASPECTS:
        then, now = net[f"{col}_then"], net[f"{col}_now"]
        known_then = [v for v in then if _known(v)]
        rows.append(
            {
                "key": key,
                "label": t(label),
                "then": sum(v > 0 for v in known_then) if known_then else None,
                "now": sum(v > 0 for v in now if _known(v)),
                "unknown_then": len(net) - len(known_then),
                "unknown_now": int(sum(not _known(v) for v in now)),
                "total": len(net),
            }
        )
    return pd.DataFrame(rows, dtype=object)


def coverage_change_display(cov: pd.DataFrame) -> pd.DataFrame:
    """coverage_change as text: 要求, 基期, 当前, 变化 (change.net_col_*); a baseline not known reads 无基期数据."""
    none = t("change.no_baseline")

    def share(n, total, unknown):
        text = t("change.net_share", n=n, total=total)
        return text + (t("change.net_unknown", n=unknown) if unknown else "")

    return pd.DataFrame(
        {
            t("change.net_col_aspect"): cov["label"],
            t("change.net_col_then"): [
                none if r.then is None else share(r.then, r.total, r.unknown_then) for r in cov.itertuples()
            ],
            t("change.net_col_now"): [share(r.now, r.total, r.unknown_now) for r in cov.itertuples()],
            t("change.net_col_change"): [_signed(r.now, r.then) for r in cov.itertuples()],
        }
    )


def _signed(now, then) -> str:
    if then is None:
        return "—"
    return f"{now - then:+d}" if now != then else "0"


def _count_event(key: str, then, now) -> str | None:
    """A count's change (change.event_*): gained (from 0), more, less, lost (to 0); None when unchanged or unknown."""
    if not (_known(then) and _known(now)) or now == then:
        return None
    if now > then:
        return f"{key}_gained" if then == 0 else f"{key}_more"
    return f"{key}_lost" if now == 0 else f"{key}_less"


def _events(r) -> list[str]:
    """What changed in one area since the baseline (change.event_*), from its values then and now."""
    out = []
    if r["gained_office"]:
        out.append("office_gained")
    elif r["has_office_then"] == 1 and r["has_office_now"] == 0:
        out.append("office_lost")
    for col, key in (("staff", "staff"), ("fund_wan", "fund"), ("workstations", "ws")):
        event = _count_event(key, r[f"{col}_then"], r[f"{col}_now"])
        if event:
            out.append(event)
    return out


def _then_now(then, now, yes_no: bool = False) -> str:
    def one(v):
        if not _known(v):
            return "—"
        if yes_no:
            return t("network.yes") if v == 1 else t("network.no")
        return f"{v:g}"

    return t("change.then_now", then=one(then), now=one(now))


def network_changes(net: pd.DataFrame, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """The townships and parks whose network changed since the baseline (gained or lost an office, staff, funds, a
    workstation), one row each: code, 镇街/园区, 类别, 管理机构, 专（兼）职人员, 专项资金（万元）, 工作站 (each
    "then → now", — where not known) and 变化 (what changed, in words); `events` the machine keys (change.event_*).
    `kinds`: code → 类别 (镇, 街道, 乡; parks are 园区)."""
    rows = []
    for _, r in net.iterrows():
        events = _events(r)
        if not events:
            continue
        rows.append(
            {
                "code": r["code"],
                t("network.col_area"): r["name"],
                t("network.col_kind"): t("network.kind_park")
                if r["layer"] == "parks"
                else (kinds or {}).get(r["code"], ""),
                t("network.col_office"): _then_now(r["has_office_then"], r["has_office_now"], yes_no=True),
                t("network.col_staff"): _then_now(r["staff_then"], r["staff_now"]),
                t("network.col_fund"): _then_now(r["fund_wan_then"], r["fund_wan_now"]),
                t("network.col_ws"): _then_now(r["workstations_then"], r["workstations_now"]),
                t("change.net_col_events"): t("change.event_sep").join(t(f"change.event_{e}") for e in events),
                "events": events,
            }
        )
    return pd.DataFrame(rows)


def baseline_notes(comp) -> list[str]:
    """How the network's baseline was read (figures.baseline.Comparison.plan): the network table's and the
    workstations' snapshot, derivation, or none."""
    out = []
    for kind in ("network", "workstations"):
        p = comp.plan.get(kind)
        what = t(f"goal_basis.what_{kind}")
        if p is None or p.method == "none":
            out.append(t("baseline.note_none", what=what, date=comp.baseline))
        elif p.method == "snapshot":
            out.append(t("baseline.note_snapshot", what=what, date=p.source))
        else:
            out.append(t(f"baseline.note_derived_{kind}", what=what, source=p.source, date=comp.baseline))
    return out


def has_baseline(comp, kind: str = "network") -> bool:
    p = comp.plan.get(kind)
    return p is not None and p.method != "none"
