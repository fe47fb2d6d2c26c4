"""Matching a boundary file's features to the 17 units (or the parks P01–P04): :func:`match_features`.

Each feature is matched by code (XZQDM-style: 9 or 12 digits, with or without the 156 country prefix) or by name
(XZQMC-style: 泰兴市黄桥镇, 黄桥镇, 黄桥; old names of merged towns are accepted with a note). Features of *other*
counties (a whole 泰州市 file) are **filtered out and counted** in the report, not rejected: the code names their
county, their name starts with another county's name, or, with neither, they lie farther than 5 km outside Taixing.
A feature that is inside Taixing and matches no unit rejects the file (its area would otherwise silently belong to
nobody), as does a unit missing from a township file. The column names tried first are in ``vocabulary``."""

from __future__ import annotations

import math
import re

import geopandas as gpd

from txip_geo.areas.gazetteer import CITY_CODE, load_gazetteer
from txip_geo.ingest.boundaries.geometry import MAX_OUTSIDE_KM, distance_outside_km
from txip_geo.ingest.boundaries.messages import (
    BY_BOTH,
    BY_CODE,
    BY_NAME,
    BY_ORDER,
    LAYER_LABEL,
    clauses,
    listing,
    msg,
    series,
)
from txip_geo.ingest.boundaries.report import BoundaryReport, problems_message, reject
from txip_geo.ingest.boundaries.vocabulary import (
    CITY,
    CODE_FIELDS,
    NAME_FIELDS,
    PLACE_PREFIXES,
    PROVINCE,
    PROVINCE_CODES,
)


def _norm_value(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return re.sub(r"\.0+$", "", str(v).strip())


def _code_digits(v) -> str:
    """XZQDM-style code -> digits without the 156 country prefix ('' when there are none)."""
    s = re.sub(r"\D", "", _norm_value(v))
    if s.startswith("156") and len(s) in (9, 12, 15):
        s = s[3:]
    return s


class _Matcher:
    def __init__(self, layer: str):
        self.layer = layer
        self.gaz = load_gazetteer()
        self.kind = "unit" if layer == "townships" else "park"
        self.other_places = sorted(
            {r["name"] for r in self.gaz.outside_places if r.get("level") != "province"}
            | {r["name"] for r in self.gaz.outside_places},
            key=len,
            reverse=True,
        )

    def by_code(self, value) -> tuple[str, str]:
        """('ok', code) | ('other', county) | ('taixing', digits) (a Taixing code of no unit) | ('', '')."""
        raw = _norm_value(value)
        if not raw:
            return "", ""
        if self.layer == "parks":  # park codes are this project's own P01–P04
            return ("ok", raw.upper()) if raw.upper() in self.gaz.park_by_code else ("", "")
        s = _code_digits(raw)
        if len(s) >= 9 and s[:9] in self.gaz.by_code:
            return "ok", s[:9]
        if len(s) >= 6 and s[:6] != CITY_CODE and s[:2] in PROVINCE_CODES:
            return "other", s[:6]
        if len(s) >= 6 and s[:6] == CITY_CODE:
            return "taixing", s
        return "", ""

    def by_name(self, value) -> tuple[str, str, str]:
        """('ok', code, note) | ('old', '', note) | ('other', place, '') | ('', '', '')."""
        raw = _norm_value(value).replace(" ", "").replace("\u3000", "")
        if not raw:
            return "", "", ""
        kind, code = self.gaz.resolve_area(raw)
        if kind == self.kind and code:
            return "ok", code, self._old_name_note(raw, code)
        if kind == "old":
            return "old", "", msg("old_name_unknown", old=raw)
        stripped = raw[len(PROVINCE) :] if raw.startswith(PROVINCE) else raw
        stripped = stripped[len(CITY) :] if stripped.startswith(CITY) and len(stripped) > len(CITY) else stripped
        for place in self.other_places:
            if stripped.startswith(place) and place not in PLACE_PREFIXES:
                return "other", place, ""
        return "", "", ""

    def _old_name_note(self, raw: str, code: str) -> str:
        """A note when a unit's name in the file is an old (merged) town's name."""
        bare = raw
        for prefix in PLACE_PREFIXES:
            if bare.startswith(prefix) and len(bare) > len(prefix):
                bare = bare[len(prefix) :]
        if self.kind != "unit":
            return ""
        unit = self.gaz.by_code[code]
        return "" if bare in (unit.name, unit.short_name, code) else msg("old_name_merged", old=bare, unit=unit.name)


def _pick_column(gdf: gpd.GeoDataFrame, known: tuple[str, ...], score) -> str | None:
    cols = [c for c in gdf.columns if c not in (gdf.geometry.name, "feature")]
    low = {str(c).lower(): c for c in cols}
    named = next((low[k] for k in known if k in low), None)
    scores = {c: sum(1 for v in gdf[c] if score(v)) for c in cols}
    best = max(cols, key=lambda c: (scores[c], c == named), default=None)
    if best is not None and scores[best] > (scores.get(named, 0) if named is not None else 0):
        return best
    return named


def _label_of(code: str, name: str) -> str:
    parts = ([msg("label_code", code=code)] if code else []) + ([msg("label_name", name=name)] if name else [])
    return clauses(parts) or msg("label_none")


def _columns(gdf: gpd.GeoDataFrame, m: _Matcher, report: BoundaryReport) -> tuple:
    """The code and name columns (by name, else by content); the file is refused when it has neither."""
    code_col = _pick_column(gdf, CODE_FIELDS, lambda v: m.by_code(v)[0] == "ok")
    name_col = _pick_column(gdf, NAME_FIELDS, lambda v: m.by_name(v)[0] == "ok")
    if name_col == code_col:
        name_col = None
    fields = [str(c) for c in gdf.columns if c not in (gdf.geometry.name, "feature")]
    if code_col is None and name_col is None:
        raise reject(
            report,
            msg(
                "no_fields",
                file=report.file_name,
                what=LAYER_LABEL[m.layer],
                fields=listing(fields) or msg("none_paren"),
            ),
        )
    report.code_field, report.name_field = str(code_col or ""), str(name_col or "")
    return code_col, name_col


def _matched_code(
    m: _Matcher, feat: int, by_code: tuple, by_name: tuple, label: str, report: BoundaryReport
) -> tuple[str, str]:
    """(code, how) when the code or the name matches a unit (the code wins; a disagreement is a warning)."""
    (ck, cval), (nk, nval, note) = by_code, by_name
    if ck == "ok":
        if nk == "ok" and nval != cval:
            report.warnings.append(msg("code_name_differ", feature=feat, label=label, unit=m.gaz.name_of(cval)))
            return cval, BY_CODE
        return cval, (BY_BOTH if nk == "ok" else BY_CODE)
    if nk == "ok":
        if note:
            report.warnings.append(msg("feature_note", feature=feat, note=note))
        return nval, BY_NAME
    return "", ""


def _match_row(m: _Matcher, row, code_col, name_col, dist_km: float, report: BoundaryReport) -> tuple[str, str]:
    """(code, how) of one feature; ('', '') for another area's feature (counted) or an unmatched one (listed)."""
    feat = int(row["feature"])
    code_value = _norm_value(row[code_col]) if code_col is not None else ""
    name_value = _norm_value(row[name_col]) if name_col is not None else ""
    ck, cval = m.by_code(row[code_col]) if code_col is not None else ("", "")
    nk, nval, note = m.by_name(row[name_col]) if name_col is not None else ("", "", "")
    label = _label_of(code_value, name_value)
    code, by = _matched_code(m, feat, (ck, cval), (nk, nval, note), label, report)
    if code:
        return code, by
    if ck == "other" or nk == "other" or (ck != "taixing" and dist_km > MAX_OUTSIDE_KM):
        report.others_ignored += 1
        if len(report.others) < 20:
            report.others.append(msg("feature_label", feature=feat, label=label))
        return "", ""
    reason = (
        (nk == "old" and note)
        or (ck == "taixing" and msg("reason_taixing_code", code=cval))
        or msg("reason_not_taixing", what=LAYER_LABEL[m.layer])
    )
    report.unmatched.append({"feature": feat, "code": code_value, "name": name_value, "reason": reason})
    return "", ""


def _refuse_incomplete(gaz, found: set, layer: str, expected: list, report: BoundaryReport) -> None:
    """Reject a file with unmatched features inside Taixing, no match at all, or (townships) missing units."""
    what = LAYER_LABEL[layer]
    if layer == "townships":
        report.missing = [{"code": c, "name": gaz.name_of(c)} for c in expected if c not in found]
    problems = []
    if report.unmatched:
        lines = [
            msg(
                "unmatched_item",
                feature=u["feature"],
                label=_label_of(u.get("code") or "", u.get("name") or ""),
                reason=u["reason"],
            )
            for u in report.unmatched[:20]
        ]
        more = msg("unmatched_more", n=len(report.unmatched)) if len(report.unmatched) > 20 else ""
        problems.append(msg("unmatched", n=len(report.unmatched), what=what, items=series(lines), more=more))
    if not found:
        problems.append(
            msg(
                "nothing_matched",
                what=what,
                code_field=report.code_field or msg("none"),
                name_field=report.name_field or msg("none"),
            )
        )
    elif report.missing:
        problems.append(
            msg(
                "missing_units",
                found=len(found),
                n=len(report.missing),
                units=listing(msg("name_code", name=x["name"], code=x["code"]) for x in report.missing),
            )
        )
    if problems:
        raise reject(report, problems_message(report, problems))


def match_features(gdf: gpd.GeoDataFrame, layer: str, report: BoundaryReport) -> gpd.GeoDataFrame:
    """Attach the unit (or park) code to each feature; filter out other areas; reject unmatched features and units
    missing from a township file. Returns the features with ``code``, ``name``, ``feature``, ``geometry``."""
    m = _Matcher(layer)
    gaz = m.gaz
    code_col, name_col = _columns(gdf, m, report)
    dist = distance_outside_km(gdf.geometry.representative_point().to_numpy())
    rows = [_match_row(m, row, code_col, name_col, dist[i], report) for i, (_, row) in enumerate(gdf.iterrows())]
    gdf = gdf.assign(code=[code for code, _ in rows], by=[by for _, by in rows])
    matched = gdf[gdf["code"] != ""]
    expected = gaz.codes if layer == "townships" else [p.code for p in gaz.parks]
    _refuse_incomplete(gaz, set(matched["code"]), layer, expected, report)
    for code in expected:
        part = matched[matched["code"] == code]
        if len(part):
            by = sorted(set(part["by"]), key=BY_ORDER.index)[0]
            report.matched.append({"code": code, "name": gaz.name_of(code), "features": int(len(part)), "by": by})
    out = matched[["code", "feature", "geometry"]].copy()
    out["name"] = out["code"].map(gaz.name_of)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=gdf.crs).reset_index(drop=True)
