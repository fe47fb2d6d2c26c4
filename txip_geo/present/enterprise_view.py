"""The enterprise page's tables and the CLI's profiles (issue #18): figures.enterprises' frames with Chinese headers,
personal fields masked for viewers."""

from __future__ import annotations

import pandas as pd

from txip_geo.areas.datum import to_display
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.figures import enterprises as en
from txip_geo.ingest.patent_numbers import PATENT_TYPE_LABELS
from txip_geo.present import map_view
from txip_geo.present.mapspec import MapSpec, PointLayer
from txip_geo.present.redact import MASK, personal_columns, redact_frame
from txip_geo.strings import t

# The profile's map: townships coloured by the 消零 indicator, the enterprise's township outlined, its point.
PROFILE_INDICATOR = "zero_patent_above_scale"
POINT_COLOR = "#08519c"  # no other point layer's colour (mapspec.POINT_STYLES): the legend names it 本企业
POINT_RADIUS = 10


def contact_columns(ent: pd.DataFrame) -> list[str]:
    """The contact columns (the schema's personal fields of enterprises: 联系人, 联系电话) the roster fills."""
    return [
        c
        for c in personal_columns("enterprises")
        if c in ent.columns and (ent[c].notna() & (ent[c].astype(str).str.strip() != "")).any()
    ]


def mask_contacts(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        filled = out[c].notna() & (out[c].astype(str).str.strip() != "")
        out[c] = out[c].astype(object).where(~filled, MASK)
    return out


def _yes(v) -> str:
    return t("enterprise.yes") if v == 1 else t("enterprise.no")


def _held(v):
    return None if pd.isna(v) else int(v)


def worklist_table(fs, by: str, code: str | None, gap: str, group: str, personal: bool) -> pd.DataFrame:
    """The 消零 worklist of an area with Chinese headers; contact columns (联系人, 联系电话) listed, masked unless
    `personal`. Every cell is text or a number: names starting with '=' stay text (render.xlsx)."""
    gaz = load_gazetteer()
    w = en.worklist(fs, by, code, gap, group)
    contacts = contact_columns(w)
    if not personal:
        w = mask_contacts(w, contacts)
    parks = {p.code: p.name for p in gaz.parks}
    cols = {
        "col_name": w.get("name", pd.Series(dtype=object)),
        "col_credit_code": w.get("credit_code", pd.Series(dtype=object)),
        "col_industry": w.get("industry", pd.Series(dtype=object)),
        "col_township": w.get("unit_code", pd.Series(dtype=object)).map(lambda c: gaz.name_of(c) or ""),
        "col_park": w.get("park_code", pd.Series(dtype=object)).map(lambda c: parks.get(c, "")),
        "col_above_scale": w.get("above_scale", pd.Series(dtype=object)).map(_yes),
        "col_high_tech": w.get("high_tech", pd.Series(dtype=object)).map(_yes),
        "col_patents_held": w.get("patents_held", pd.Series(dtype=object)).map(_held),
        "col_trademarks_held": w.get("trademarks_held", pd.Series(dtype=object)).map(_held),
        "col_address": w.get("address", pd.Series(dtype=object)),
    }
    out = pd.DataFrame({t(f"enterprise.{k}"): v.to_numpy() for k, v in cols.items()})
    for c in contacts:
        out[t(f"kind_enterprises.{c}")] = w[c].to_numpy()
    return out


def records_table(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """A profile's first patents or trademarks with the import's Chinese headers ([kind_<kind>]); the patent type
    in words."""
    if df is None or df.empty:
        return pd.DataFrame()
    out = df.copy()
    if "patent_type" in out.columns:
        out["patent_type"] = out["patent_type"].map(lambda c: PATENT_TYPE_LABELS.get(c, c))
    heads = {"patent_type": f"kind_{kind}.type_label"}
    return out.rename(columns={c: t(heads.get(c, f"kind_{kind}.{c}")) for c in out.columns})


def cases_table(cases: pd.DataFrame, personal: bool) -> pd.DataFrame:
    """The cases an enterprise is party to; the party and address masked unless `personal`."""
    if cases.empty:
        return cases
    c = cases if personal else redact_frame(cases, "cases")
    cols = ["case_no", "case_kind", "ip_type", "cause", "accepted_date", "status", "party"]
    return c[[x for x in cols if x in c.columns]].reset_index(drop=True)


def profile_payload(p: dict, personal: bool) -> dict:
    """A profile (figures.enterprises.profile) as JSON-ready data: township and park names, counts, 消零 status, the
    first records, the cases (masked unless `personal`)."""
    gaz = load_gazetteer()
    parks = {x.code: x.name for x in gaz.parks}
    keys = ("credit_code", "name", "industry", "unit_code", "park_code", "address", "lon", "lat", "old_names")
    out = {k: p[k] for k in keys}
    out["township"] = gaz.name_of(p["unit_code"]) if p["unit_code"] else None
    out["park"] = parks.get(p["park_code"]) if p["park_code"] else None
    out["flags"] = {**p["flags"], "advantage": p["advantage"]}
    for kind in ("patents", "trademarks"):
        k = p[kind]
        out[kind] = {
            "held": k["held"],
            "held_derived": k["held_derived"],
            "matched_valid": k["matched_valid"],
            "matched_all": k["matched_all"],
            "zero": k["zero"],
            "branches": k["branches"],
            "first": _records(k["first"]),
        }
    out["cases"] = _records(cases_table(p["cases"], personal))
    return out


def _records(df: pd.DataFrame) -> list[dict]:
    if df is None or df.empty:
        return []
    return [{k: _plain(v) for k, v in r.items()} for r in df.to_dict("records")]


def _plain(v):
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def display_point(p: dict) -> tuple[float, float] | None:
    """The enterprise's lon, lat in the display datum (from its roster datum), None without coordinates."""
    if p.get("lon") is None or p.get("lat") is None:
        return None
    lon, lat = to_display([p["lon"]], [p["lat"]], p.get("datum") or "WGS84")
    return float(lon[0]), float(lat[0])


def profile_map_spec(fs, p: dict, layer, *, outline=None, neighbours=None, parks_layer=None, basemap=None) -> MapSpec:
    """The profile's map: the townships by 零专利规上企业 (the worklists' figure), its township selected, its point."""
    points = []
    xy = display_point(p)
    if xy is not None:
        pts = pd.DataFrame(
            {"lon": [xy[0]], "lat": [xy[1]], "color": [POINT_COLOR], "tooltip": [p["name"]], "radius": [POINT_RADIUS]}
        )
        points.append(PointLayer(t("enterprise_match.map_point"), pts))
    return map_view.map_spec(
        fs,
        fs,
        layer,
        view="units",
        indicator=PROFILE_INDICATOR,
        outline=outline,
        neighbours=neighbours,
        parks_layer=parks_layer,
        points=points,
        selected=p.get("unit_code"),
        basemap=basemap,
    )
