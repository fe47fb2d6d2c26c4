"""Assigning records to a township-level unit and a park: by code field, coordinates, park name or address."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from txip_geo.areas.gazetteer import CITY_CODE, CITY_NAME, Gazetteer

__all__ = ["Location", "AddressMatcher", "Locator", "locate_frame", "locate_one", "OUTPUT_COLUMNS", "METHODS"]

#: Columns returned by :func:`locate_frame`.
OUTPUT_COLUMNS = ("unit_code", "park_code", "assign_method", "assign_note")
#: Assignment methods, see ``schema.ASSIGN_METHODS`` for their Chinese labels.
METHODS = ("code", "point", "address", "park", "unassigned", "outside")

# --------------------------------------------------------------------------- notes (user-facing, Chinese)

NOTE_EMPTY = "地址为空"
NOTE_NOTHING = "地址中未找到镇街、园区或村居名称"
NOTE_OUTSIDE_POINT = "坐标落在泰兴市界外"


@dataclass(frozen=True)
class Location:
    unit_code: str  # 9-digit unit code, '' when not assigned
    park_code: str  # P01…, '' when none
    method: str  # one of METHODS
    note: str  # short Chinese explanation shown to users


# --------------------------------------------------------------------------- text normalisation

_FOLD = {chr(0xFF01 + i): chr(0x21 + i) for i in range(94)}  # full-width ASCII -> half-width
_FOLD.update({"\u2014": "-", "\u2013": "-", "\u2010": "-", "\u2012": "-", "\u2212": "-", "\u2015": "-"})
_FOLD_TABLE = str.maketrans(_FOLD)
_SPACES = str.maketrans("", "", " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff")
_BRACKETS = str.maketrans("", "", "()[]{}<>【】〔〕《》「」『』")


def normalise_text(text) -> str:
    """Full-width -> half-width, dashes unified, all spaces removed; None/NaN/'nan' -> ''."""
    if text is None:
        return ""
    if isinstance(text, float) and math.isnan(text):
        return ""
    if text is pd.NA or text is pd.NaT:
        return ""
    t = str(text).translate(_FOLD_TABLE).translate(_SPACES)
    return "" if t.lower() in ("nan", "none", "null", "<na>", "nat") else t


def _clean_code(value) -> str:
    """A code/name cell: numbers from Excel (321283002.0) become '321283002'."""
    if isinstance(value, (float, np.floating)) and not math.isnan(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    t = normalise_text(value)
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]
    return t


# Words that, right after a place name, make it a street, building or estate name (泰兴市如皋路, 黄桥路, 滨江花园).
_PLACE_SUFFIXES = ("路", "街", "大道", "道", "巷", "弄", "桥", "村", "社区", "小区", "广场", "大厦", "花园", "公寓",
                   "苑", "新村", "市场", "场", "大街", "中路")
_DIRECTIONS = "东西南北中"
_ROAD_AFTER_DIRECTION = ("路", "街", "大道", "道", "巷", "弄")


def _followed_by_place_suffix(text: str, end: int) -> bool:
    rest = text[end:end + 3]
    if not rest:
        return False
    if rest.startswith("街道"):
        return False
    if rest[0] in _DIRECTIONS and rest[1:].startswith(_ROAD_AFTER_DIRECTION) and not rest[1:].startswith("街道"):
        return True
    return rest.startswith(_PLACE_SUFFIXES)


def _followed_by_road(text: str, end: int) -> bool:
    rest = text[end:end + 3]
    if rest.startswith("街道"):
        return False
    if rest[:1] in _DIRECTIONS:
        rest = rest[1:]
    return rest.startswith(_ROAD_AFTER_DIRECTION) and not rest.startswith("街道")


# --------------------------------------------------------------------------- the address matcher

# Term kinds, in the order they claim a string when two kinds would spell it the same way.
_TAIXING, _UNIT, _OLD, _OLD_NOSRC, _PARK, _VILLAGE, _SHORT, _OUTSIDE = (
    "taixing", "unit", "old", "old_nosource", "park", "village", "short", "outside")
# Specificity rank of candidate kinds (higher wins).
_RANK = {_UNIT: 4, _OLD: 4, _PARK: 3, _VILLAGE: 2, _SHORT: 1}
# Kinds that, found before any outside admin token, place an address in Taixing.
_TAIXING_EVIDENCE = {_TAIXING, _UNIT, _OLD, _OLD_NOSRC, _PARK}
# Kinds that are not evidence when followed by a street/place suffix.
_SUFFIX_CHECKED = {_TAIXING, _SHORT, _OUTSIDE}


@dataclass(frozen=True)
class _Term:
    kind: str
    code: str  # unit code ('' when unknown)
    park: str  # park code for parks
    label: str  # the form shown in notes (the matched text, or the full name it stands for)


class _Hit(NamedTuple):  # a tuple: made for every term found in every distinct address (a dataclass is slower)
    start: int
    end: int
    text: str
    term: _Term


class AddressMatcher:
    """Address text -> :class:`Location`, using the gazetteer's names only (see module rules)."""

    def __init__(self, gazetteer: Gazetteer):
        self.gaz = gazetteer
        self._terms: dict[str, _Term] = {}
        self._build()
        self._lengths = sorted({len(k) for k in self._terms}, reverse=True)
        # Term lengths by first character (longest first): most positions start no term and are skipped at once.
        by_first: dict[str, set[int]] = {}
        for k in self._terms:
            by_first.setdefault(k[0], set()).add(len(k))
        self._lengths_at = {c: sorted(v, reverse=True) for c, v in by_first.items()}
        self._cache: dict[str, Location] = {}

    # -- lexicon ----------------------------------------------------------------------------------------------
    def _add(self, text: str, term: _Term) -> None:
        if text and text not in self._terms:
            self._terms[text] = term

    def _build(self) -> None:
        g = self.gaz
        for t in (CITY_NAME, "泰兴县", "泰兴"):
            self._add(t, _Term(_TAIXING, "", "", t))
        for u in g.units:
            self._add(u.name, _Term(_UNIT, u.code, "", u.name))
        for o in g.old_names:
            self._add(o.name, _Term(_OLD if o.successor_code else _OLD_NOSRC, o.successor_code, "", o.name))
        # Every spelling of every park (data/park_name_forms.toml): 泰兴市经济开发区 is one term, longer than 泰兴市.
        for p in g.parks:
            for n in p.names:
                self._add(normalise_text(n), _Term(_PARK, p.host_code, p.code, n))
        for form, code in g.park_forms.items():
            p = g.park_by_code[code]
            self._add(form, _Term(_PARK, p.host_code, p.code, form))
        counts = Counter(v.name for v in g.villages)
        for v in g.villages:
            if counts[v.name] != 1:
                continue  # a name used twice is no evidence
            suffixes = ("村", "村委会", "村民委员会") if v.kind == "村" else ("社区", "居委会", "居民委员会", "社区居委会", "居")
            for s in suffixes:
                self._add(v.name + s, _Term(_VILLAGE, v.unit_code, "", v.name + s))
            if v.name.endswith("村") and len(v.name) >= 3:  # 国庆新村, 国庆二村: the name carries its suffix
                self._add(v.name, _Term(_VILLAGE, v.unit_code, "", v.name))
        for u in g.units:
            if len(u.short_name) >= 2:
                self._add(u.short_name, _Term(_SHORT, u.code, "", u.short_name))
        for o in g.old_names:
            if o.successor_code and o.name[-1:] in ("镇", "乡") and len(o.name) >= 3:
                self._add(o.name[:-1], _Term(_SHORT, o.successor_code, "", o.name))
        for r in g.outside_places:
            self._add(r["name"], _Term(_OUTSIDE, "", "", r["name"]))

    # -- scanning ---------------------------------------------------------------------------------------------
    def _hits(self, text: str) -> list[_Hit]:
        """Every lexicon term in the text, overlaps resolved longest-first, in reading order."""
        found: list[_Hit] = []
        n = len(text)
        terms = self._terms
        lengths_at = self._lengths_at
        for i, ch in enumerate(text):
            lengths = lengths_at.get(ch)
            if lengths is None:
                continue
            for length in lengths:
                end = i + length
                if end > n:
                    continue
                sub = text[i:end]
                term = terms.get(sub)
                if term is None:
                    continue
                if term.kind in _SUFFIX_CHECKED and _followed_by_place_suffix(text, end):
                    continue  # a street or place named after it (泰兴市如皋路, 黄桥路): no evidence
                if term.kind == _PARK and _followed_by_road(text, end):
                    continue  # 开发区路, 园区大道: a road named after a park, anywhere in the city
                found.append(_Hit(i, end, sub, term))
                break  # the longest acceptable term at this position
        if len(found) < 2:
            return found
        found.sort(key=lambda h: (-(h.end - h.start), h.start))
        taken: list[_Hit] = []
        for h in found:
            if all(h.end <= t.start or h.start >= t.end for t in taken):
                taken.append(h)
        taken.sort(key=lambda h: h.start)
        return taken

    # -- public -----------------------------------------------------------------------------------------------
    def match(self, address) -> Location:
        # The cache's keys are normalised texts, and normalising one gives it back: an address that is a key needs no
        # normalising (the importer passes normalised addresses, most of them seen before).
        loc = self._cache.get(address) if type(address) is str else None
        if loc is not None:
            return loc
        text = normalise_text(address)
        loc = self._cache.get(text)
        if loc is None:
            loc = self._match(text)
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[text] = loc
        return loc

    def _name(self, code: str) -> str:
        return self.gaz.name_of(code)

    def _old_note(self, old_name: str) -> str:
        for o in self.gaz.old_names:
            if o.name == old_name:
                succ = self._name(o.successor_code)
                when = f"{o.year}年" if o.year else ""
                detail = o.note if succ in o.note else f"{o.note}，今{succ}"
                return f"旧地名“{o.name}”（{when}{detail}）"
        return f"旧地名“{old_name}”"

    def _conflict(self, codes: list[str]) -> str:
        return "地址同时指向" + "、".join(self._name(c) for c in codes) + "，无法判断"

    def _match(self, text: str) -> Location:
        if not text:
            return Location("", "", "unassigned", NOTE_EMPTY)
        hits = self._hits(text.translate(_BRACKETS))  # 泰兴（经济）开发区, 黄桥[镇]: brackets separate nothing

        # 1. Outside Taixing? The first admin token decides (泰州市/江苏省 are neutral and not tokens).
        for i, h in enumerate(hits):
            if h.term.kind in _TAIXING_EVIDENCE:
                break
            if h.term.kind == _OUTSIDE:
                chain, end = [h.text], h.end
                for nxt in hits[i + 1:]:
                    if nxt.term.kind != _OUTSIDE or nxt.start != end:
                        break
                    chain.append(nxt.text)
                    end = nxt.end
                return Location("", "", "outside", f"地址含外地行政区“{''.join(chain)}”")

        # 2. Candidates inside Taixing, by kind.
        def codes_of(kind_hits):
            out: list[str] = []
            for h in kind_hits:
                if h.term.code not in out:
                    out.append(h.term.code)
            return out

        explicit = [h for h in hits if h.term.kind in (_UNIT, _OLD)]
        no_source = [h for h in hits if h.term.kind == _OLD_NOSRC]
        parks = [h for h in hits if h.term.kind == _PARK]
        villages = [h for h in hits if h.term.kind == _VILLAGE]
        shorts = [h for h in hits if h.term.kind == _SHORT]

        park_codes: list[str] = []
        for h in parks:
            if h.term.park not in park_codes:
                park_codes.append(h.term.park)
        park = park_codes[0] if len(park_codes) == 1 else ""
        park_note = ""
        if park:
            host = self.gaz.park_by_code[park].host_code
            park_note = f"地址含园区“{parks[0].text}”" + (f"，属{self._name(host)}" if host else "")
        elif len(park_codes) > 1:
            park_note = "地址同时含园区" + "、".join(self._name(p) for p in park_codes) + "，园区未定"

        def with_park(note: str) -> str:
            if park:
                return f"{note}；地址含园区“{parks[0].text}”"
            return f"{note}；{park_note}" if park_note else note

        # (a) explicit unit names and sourced old names
        if explicit:
            codes = codes_of(explicit)
            if len(codes) == 1:
                current = [h for h in explicit if h.term.kind == _UNIT]
                note = f"地址含“{current[0].text}”" if current else self._old_note(explicit[0].text)
                return Location(codes[0], park, "address", with_park(note))
            return Location("", park, "park" if park else "unassigned", with_park(self._conflict(codes)))

        # old names whose successor no source gives: ambiguous, say so
        if no_source:
            names = "、".join(dict.fromkeys(f"“{h.text}”" for h in no_source))
            note = f"旧地名{names}归属无来源，无法判断"
            return Location("", park, "park" if park else "unassigned", with_park(note))

        # (b) parks
        if len(park_codes) > 1:
            return Location("", "", "unassigned", "地址同时指向" + "、".join(self._name(p) for p in park_codes)
                            + "，无法判断")
        if park:
            host = self.gaz.park_by_code[park].host_code
            if host:
                return Location(host, park, "park", park_note)
            # host unknown: a unique village may still tell the unit
            vcodes = codes_of(villages)
            if len(vcodes) == 1:
                v = villages[0]
                return Location(vcodes[0], park, "address",
                                f"地址含村居“{v.text}”，属{self._name(vcodes[0])}；地址含园区“{parks[0].text}”"
                                "（园区所在镇街未能确认）")
            return Location("", park, "park", f"地址含园区“{parks[0].text}”，园区所在镇街未能确认，未归属镇街")

        # (c) unique village / community names with their suffix
        if villages:
            codes = codes_of(villages)
            if len(codes) == 1:
                return Location(codes[0], "", "address",
                                f"地址含村居“{villages[0].text}”，属{self._name(codes[0])}")
            return Location("", "", "unassigned", self._conflict(codes))

        # (d) bare short names (黄桥, 延令, 横垛 …)
        if shorts:
            codes = codes_of(shorts)
            if len(codes) == 1:
                h = shorts[0]
                if h.term.label != h.text and h.term.label not in (u.name for u in self.gaz.units):
                    note = f"地址含“{h.text}”，即{self._old_note(h.term.label)}"
                else:
                    note = f"地址含“{h.text}”（{self._name(codes[0])}简称）"
                return Location(codes[0], "", "address", note)
            return Location("", "", "unassigned", self._conflict(codes))

        return Location("", "", "unassigned", NOTE_NOTHING)


# --------------------------------------------------------------------------- layers


@dataclass
class _Layer:
    codes: np.ndarray  # object array of codes, one per polygon
    geoms: np.ndarray  # shapely geometries in WGS84 lon/lat
    schematic: np.ndarray  # bool per polygon: not an official boundary
    tree: object = None

    def __post_init__(self):
        import shapely

        self.tree = shapely.STRtree(self.geoms)


def _prepare_layer(layer) -> _Layer | None:
    """A GeoDataFrame/GeoSeries with a `code` column -> polygons in EPSG:4326 (None for None or empty)."""
    if layer is None:
        return None
    import geopandas as gpd

    if isinstance(layer, gpd.GeoSeries):
        layer = gpd.GeoDataFrame({"code": [str(i) for i in layer.index]}, geometry=layer.values, crs=layer.crs)
    if len(layer) == 0:
        return None
    if layer.crs is not None and layer.crs.to_epsg() not in (4326, 4490):
        layer = layer.to_crs(4326)
    layer = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
    codes = layer["code"].astype(str).to_numpy(dtype=object) if "code" in layer.columns \
        else np.array([""] * len(layer), dtype=object)
    if "official" in layer.columns:
        schematic = ~layer["official"].fillna(0).astype(bool).to_numpy()
    elif "schematic" in layer.columns:
        schematic = layer["schematic"].fillna(False).astype(bool).to_numpy()
    else:
        schematic = np.zeros(len(layer), dtype=bool)
    return _Layer(codes, np.asarray(layer.geometry.values, dtype=object), schematic)


def _prepare_outline(outline):
    """Outline layer (GeoDataFrame/GeoSeries/geometry) -> one prepared shapely geometry, or None."""
    if outline is None:
        return None
    import shapely

    if isinstance(outline, shapely.Geometry):
        geom = outline
    else:
        if len(outline) == 0:
            return None
        if outline.crs is not None and outline.crs.to_epsg() not in (4326, 4490):
            outline = outline.to_crs(4326)
        geom = shapely.union_all(np.asarray(outline.geometry.values if hasattr(outline, "geometry") else outline.values))
    shapely.prepare(geom)
    return geom


# --------------------------------------------------------------------------- points

# Point states (what the coordinates say).
_PT_NONE, _PT_BAD, _PT_BAD_DATUM, _PT_OUTSIDE, _PT_UNIT, _PT_NO_UNIT, _PT_NO_LAYER = range(7)
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (3.0, 54.0)


@dataclass(frozen=True)
class _Point:
    state: int = _PT_NONE
    unit: str = ""  # township code from the layer
    park: str = ""  # park code from the park layer
    schematic: bool = False  # the township layer is not an official boundary
    datum: str = ""  # normalised datum, or the raw text when unknown
    park_schematic: bool = False


def _datum_of(text: str) -> tuple[str, bool]:
    """('WGS84'|'CGCS2000'|'GCJ02', True) or (raw text, False) when unknown."""
    if not text:
        return "WGS84", True
    from txip_geo.areas.datum import normalise_datum

    try:
        return normalise_datum(text), True
    except ValueError:
        return text, False


def _locate_points(lon: np.ndarray, lat: np.ndarray, datum_codes: np.ndarray, datum_texts: list[str],
                   towns: _Layer | None, parks: _Layer | None, outline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised: per row (state, township polygon index or -1, park polygon index or -1)."""
    import shapely

    n = len(lon)
    state = np.full(n, _PT_NONE, dtype=np.int8)
    t_idx = np.full(n, -1, dtype=np.int64)
    p_idx = np.full(n, -1, dtype=np.int64)
    has = np.isfinite(lon) & np.isfinite(lat)
    if not has.any():
        return state, t_idx, p_idx
    in_box = has & (lon >= _CHINA_LON[0]) & (lon <= _CHINA_LON[1]) & (lat >= _CHINA_LAT[0]) & (lat <= _CHINA_LAT[1])
    state[has & ~in_box] = _PT_BAD
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    from txip_geo.areas.datum import to_display

    for k, text in enumerate(datum_texts):
        sel = in_box & (datum_codes == k)
        if not sel.any():
            continue
        datum, ok = _datum_of(text)
        if not ok:
            state[sel] = _PT_BAD_DATUM
            continue
        x[sel], y[sel] = to_display(lon[sel], lat[sel], datum)
    ok = in_box & (state == _PT_NONE)
    if not ok.any():
        return state, t_idx, p_idx
    rows = np.flatnonzero(ok)
    if outline is not None:
        inside = shapely.intersects_xy(outline, x[rows], y[rows])
        state[rows[~inside]] = _PT_OUTSIDE
        rows = rows[inside]
    if not len(rows):
        return state, t_idx, p_idx
    pts = shapely.points(x[rows], y[rows])

    def first_hit(layer: _Layer) -> np.ndarray:
        out = np.full(len(rows), -1, dtype=np.int64)
        pairs = layer.tree.query(pts, predicate="intersects")  # one spatial join; boundary points count
        if pairs.shape[1]:
            order = np.lexsort((pairs[1], pairs[0]))  # lowest polygon index first when on a shared edge
            src, poly = pairs[0][order], pairs[1][order]
            first = np.r_[True, src[1:] != src[:-1]]
            out[src[first]] = poly[first]
        return out

    if towns is not None:
        hit = first_hit(towns)
        t_idx[rows] = hit
        state[rows] = np.where(hit >= 0, _PT_UNIT, _PT_NO_UNIT)
    else:
        state[rows] = _PT_NO_LAYER
    if parks is not None:
        p_idx[rows] = first_hit(parks)
    return state, t_idx, p_idx


# --------------------------------------------------------------------------- one row's decision


class _Decider:
    """The precedence of evidence for one row; shared by locate_frame (per distinct input) and locate_one."""

    def __init__(self, gazetteer: Gazetteer):
        self.gaz = gazetteer
        self.matcher = _matcher_for(gazetteer)
        self._area_cache: dict[str, tuple[str, str, str, str]] = {}

    def _name(self, code: str) -> str:
        return self.gaz.name_of(code)

    def area(self, text: str, field: str) -> tuple[str, str, str, str]:
        """Area code/name field -> (kind 'unit'|'park'|'', code, decisive note, fall-through note)."""
        key = field + "\x00" + text
        if key in self._area_cache:
            return self._area_cache[key]
        label = "所属镇街代码" if field == "area_code" else "所属镇街"
        kind, code = self.gaz.resolve_area(text)
        res: tuple[str, str, str, str]
        if kind == "unit" and code:
            note = f"{label}为“{text}”"
            if text != self._name(code) and text != code:
                old = self.matcher.match(text)
                if old.unit_code == code and old.note.startswith("旧地名"):
                    note = f"{label}为{old.note}"
                else:
                    note += f"（{self._name(code)}）"
            elif text == code:
                note += f"（{self._name(code)}）"
            res = ("unit", code, note, "")
        elif kind == "park":
            res = ("park", code, f"{label}为园区“{text}”", "")
        elif kind == "old":
            res = ("", "", "", f"{label}为旧地名“{text}”，归属无来源")
        elif text == CITY_CODE:
            res = ("", "", "", f"{label}“{text}”为泰兴市代码，不是镇街")
        elif len(text) == 12 and text.isdigit() and text[:9] in self.gaz.by_code:
            c = text[:9]
            res = ("unit", c, f"{label}为村级代码“{text}”（属{self._name(c)}）", "")
        else:
            res = ("", "", "", f"{label}“{text}”无法识别")
        self._area_cache[key] = res
        return res

    def park_field(self, text: str) -> tuple[str, str]:
        """Park name field -> (park code or '', note): a park spelled any known way, or a text that names exactly
        one park and no township other than its host (泰兴经济开发区化工园区, 泰兴市滨江镇泰兴经开区)."""
        code = self.gaz.park_of(text)
        if code:
            return code, ""
        loc = self.matcher.match(text)
        host = self.gaz.park_by_code[loc.park_code].host_code if loc.park_code else ""
        if loc.park_code and loc.method != "outside" and loc.unit_code in ("", host):
            return loc.park_code, ""
        return "", f"所属园区“{text}”无法识别"

    def point_note(self, pt: _Point) -> str:
        conv = "（由GCJ-02换算）" if pt.datum == "GCJ02" else ""
        sch = "（示意边界）" if pt.schematic else ""
        return f"坐标{conv}落在{self._name(pt.unit)}{sch}"

    def decide(self, area_code: str, area_name: str, park_name: str, address: str, pt: _Point) -> Location:
        notes: list[str] = []  # fall-through remarks, appended after the decisive note

        def done(unit: str, park: str, method: str, note: str) -> Location:
            return Location(unit, park, method, "；".join([n for n in [note, *notes] if n]))

        # Park evidence in precedence order, for rows whose unit comes from elsewhere.
        def park_fallback() -> str:
            if pt.park:
                return pt.park
            if park_name:
                code, _ = self.park_field(park_name)
                if code:
                    return code
            return self.matcher.match(address).park_code if address else ""

        # (1) explicit code / name fields
        unit = park = ""
        unit_note = park_note = ""
        for field, text in (("area_code", area_code), ("area_name", area_name)):
            if not text:
                continue
            kind, code, note, fall = self.area(text, field)
            if kind == "unit" and not unit:
                unit, unit_note = code, note
            elif kind == "unit" and code != unit:
                notes.append(f"所属镇街“{text}”与代码不一致，以代码为准")
            elif kind == "park" and not park:
                park, park_note = code, note
            elif fall:
                notes.append(fall)
        if unit:
            return done(unit, park or park_fallback(), "code", unit_note)
        host = self.gaz.park_by_code[park].host_code if park else ""
        if park and host:
            return done(host, park, "park", f"{park_note}，属{self._name(host)}")
        if park:
            notes.append(f"{park_note}，园区所在镇街未能确认")

        # (2) coordinates
        if pt.state == _PT_OUTSIDE:
            if not park:
                return done("", "", "outside", NOTE_OUTSIDE_POINT)
            notes.append(NOTE_OUTSIDE_POINT + "，未采用")
        elif pt.state == _PT_UNIT:
            p = park or park_fallback()
            note = self.point_note(pt)
            if pt.park and p == pt.park:
                note += f"，在{self._name(p)}范围内" + ("（示意边界）" if pt.park_schematic else "")
            return done(pt.unit, p, "point", note)
        elif pt.state == _PT_NO_UNIT:
            notes.append("坐标未落入任何镇街范围")
        elif pt.state == _PT_BAD:
            notes.append("坐标超出有效范围，未使用")
        elif pt.state == _PT_BAD_DATUM:
            notes.append(f"坐标系“{pt.datum}”无法识别，未使用坐标")
        elif pt.state == _PT_NO_LAYER:
            notes.append("未提供镇街边界，坐标未用于归属")
        if not park and pt.park:
            park = pt.park
            park_note = f"坐标在{self._name(park)}范围内" + ("（示意边界）" if pt.park_schematic else "")
            host = self.gaz.park_by_code[park].host_code if park in self.gaz.park_by_code else ""
            if host:
                return done(host, park, "park", f"{park_note}，属{self._name(host)}")
            notes.append(f"{park_note}，园区所在镇街未能确认")

        # (3) park name field
        if park_name and not park:
            code, fall = self.park_field(park_name)
            if code:
                park = code
                host = self.gaz.park_by_code[code].host_code
                if host:
                    return done(host, park, "park", f"所属园区为“{park_name}”，属{self._name(host)}")
                park_note = f"所属园区为“{park_name}”"
                notes.append(f"{park_note}，园区所在镇街未能确认")
            else:
                notes.append(fall)

        # (4) the address
        loc = self.matcher.match(address)
        if loc.method == "outside":
            if park:
                notes.append(loc.note + "，与园区信息不符")
                return done("", park, "park", "")
            return done("", "", "outside", loc.note)
        if loc.unit_code:
            return done(loc.unit_code, park or loc.park_code, loc.method, loc.note)
        if park:
            notes.append(loc.note)
            return done("", park, "park", "")
        return done("", loc.park_code, loc.method, loc.note)


_MATCHERS: dict[int, tuple[Gazetteer, AddressMatcher]] = {}


def _matcher_for(gazetteer: Gazetteer) -> AddressMatcher:
    """One matcher (and its cache) per gazetteer object."""
    hit = _MATCHERS.get(id(gazetteer))
    if hit is not None and hit[0] is gazetteer:
        return hit[1]
    m = AddressMatcher(gazetteer)
    if len(_MATCHERS) > 8:
        _MATCHERS.clear()
    _MATCHERS[id(gazetteer)] = (gazetteer, m)
    return m


# --------------------------------------------------------------------------- frames


def _factorize(df: pd.DataFrame, col: str, clean) -> tuple[np.ndarray, list[str]]:
    """Codes per row and the cleaned distinct values ('' for missing); equal cleaned values share a code."""
    n = len(df)
    if col not in df.columns:
        return np.zeros(n, dtype=np.int64), [""]
    codes, uniques = pd.factorize(df[col], use_na_sentinel=True)
    cleaned = [clean(v) for v in uniques] + [""]
    codes = np.where(codes < 0, len(cleaned) - 1, codes)
    final, distinct = pd.factorize(pd.Series(cleaned, dtype=object))
    return final[codes].astype(np.int64), [str(v) for v in distinct]


def _combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Joint codes of two code arrays, compacted to 0..k-1."""
    key = a.astype(np.int64) * (int(b.max()) + 1 if len(b) else 1) + b.astype(np.int64)
    _, inv = np.unique(key, return_inverse=True)
    return inv.reshape(-1).astype(np.int64)


def _numbers(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), np.nan)
    s = df[col]
    if not pd.api.types.is_numeric_dtype(s):
        s = s.map(lambda v: normalise_text(v).replace(",", "") if isinstance(v, str) else v)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def locate_frame(df: pd.DataFrame, gazetteer: Gazetteer, townships=None, parks=None, outline=None) -> pd.DataFrame:
    """Assign every row to a unit and park; returns unit_code, park_code, assign_method, assign_note (df's index).

    Input columns, any of which may be missing: area_code, area_name, park_name, address, lon, lat, datum.
    Precedence per row: code/name field > coordinates (outline, then township and park layers) > park name >
    address. Layers are GeoDataFrames with a ``code`` column; a layer left as None is not used.
    """
    return Locator(gazetteer, townships=townships, parks=parks, outline=outline).frame(df)


class Locator:
    """:func:`locate_frame` for the chunks of one file: the layers are prepared once, and each distinct input is
    cleaned and decided once for all chunks (caches bounded like the address matcher's). Same result per row."""

    CACHE_LIMIT = 500_000

    def __init__(self, gazetteer: Gazetteer, townships=None, parks=None, outline=None):
        self.towns, self.parks, self.outline = _prepare_layer(townships), _prepare_layer(parks), _prepare_outline(outline)
        self.decider = _Decider(gazetteer)
        # Keys and values are plain strings and tuples of them, which the garbage collector does not walk.
        self._cleaned: dict = {}  # cleaning function -> {raw value: cleaned text}
        self._decided: dict = {}  # decide()'s arguments (the point as its fields) -> the Location as a tuple

    def _clean(self, clean):
        cache = self._cleaned.setdefault(clean, {})

        def cached(v):
            hit = cache.get(v)
            if hit is None:
                if len(cache) > self.CACHE_LIMIT:
                    cache.clear()
                hit = cache[v] = clean(v)
            return hit
        return cached

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        n = len(df)
        if n == 0:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in OUTPUT_COLUMNS}, index=df.index)
        towns, park_layer, outline_geom, decider = self.towns, self.parks, self.outline, self.decider

        ac, ac_vals = _factorize(df, "area_code", self._clean(_clean_code))
        an, an_vals = _factorize(df, "area_name", self._clean(_clean_code))
        pn, pn_vals = _factorize(df, "park_name", self._clean(normalise_text))
        ad, ad_vals = _factorize(df, "address", self._clean(normalise_text))
        dc, dc_vals = _factorize(df, "datum", self._clean(normalise_text))

        lon, lat = _numbers(df, "lon"), _numbers(df, "lat")
        state, t_idx, p_idx = _locate_points(lon, lat, dc, dc_vals, towns, park_layer, outline_geom)
        datums = [_datum_of(t) for t in dc_vals]
        # The datum only shows in the note: GCJ-02 or not for a located point, the raw text when unknown.
        is_gcj = np.array([d == ("GCJ02", True) for d in datums] + [False])
        dkey = np.where(state == _PT_UNIT, 1 + is_gcj[dc], np.where(state == _PT_BAD_DATUM, 3 + dc, 0))

        # A row whose point falls in a township takes its unit from the point; its address can only add a park.
        # Such rows share one representative address per park code, which keeps the distinct inputs few.
        in_unit = state == _PT_UNIT
        if in_unit.any():
            remap = np.arange(len(ad_vals))
            rep: dict[str, int] = {}
            for c in np.unique(ad[in_unit]):
                remap[c] = rep.setdefault(decider.matcher.match(ad_vals[c]).park_code, c)
            ad = np.where(in_unit, remap[ad], ad)

        key = ac
        for other in (an, pn, ad, state.astype(np.int64), t_idx + 1, p_idx + 1, dkey):
            key = _combine(key, other)
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)

        # decide()'s arguments for each distinct input, column by column: the four texts and the point's fields.
        st = state[first]
        t_first, p_first = t_idx[first], p_idx[first]

        def layer_fields(layer: _Layer | None, idx: np.ndarray) -> tuple[list, list]:
            if layer is None:
                return [""] * len(idx), [False] * len(idx)
            hit = idx >= 0
            pos = np.where(hit, idx, 0)
            return (np.where(hit, layer.codes[pos] if len(layer.codes) else "", "").tolist(),
                    (hit & layer.schematic[pos]).tolist() if len(layer.codes) else [False] * len(idx))

        units, unit_sch = layer_fields(towns, t_first)
        park_codes, park_sch = layer_fields(park_layer, p_first)
        datum_names = np.array([d[0] for d in datums] + [""], dtype=object)
        datum_col = np.where((st == _PT_UNIT) | (st == _PT_BAD_DATUM), datum_names[dc[first]], "").tolist()

        def texts(vals: list[str], codes: np.ndarray) -> list[str]:
            return np.array(vals, dtype=object)[codes[first]].tolist()

        decided, limit = self._decided, self.CACHE_LIMIT
        results = []
        for args in zip(texts(ac_vals, ac), texts(an_vals, an), texts(pn_vals, pn), texts(ad_vals, ad), st.tolist(),
                        units, park_codes, unit_sch, datum_col, park_sch):
            loc = decided.get(args)
            if loc is None:
                if len(decided) > limit:
                    decided.clear()
                x = decider.decide(*args[:4], _Point(*args[4:]))
                loc = decided[args] = (x.unit_code, x.park_code, x.method, x.note)
            results.append(loc)
        inv = inv.reshape(-1)
        values = dict(zip(OUTPUT_COLUMNS, zip(*results)))
        cols = {c: pd.Series(np.array(v, dtype=object)[inv], index=df.index, dtype=object) for c, v in values.items()}
        return pd.DataFrame(cols, index=df.index)


def _point_one(lon, lat, datum_text: str, towns: _Layer | None, parks: _Layer | None, outline) -> _Point:
    """The coordinates of one record, without the vectorised machinery (used by locate_one)."""
    import shapely

    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return _Point()
    if not (math.isfinite(x) and math.isfinite(y)):
        return _Point()
    if not (_CHINA_LON[0] <= x <= _CHINA_LON[1] and _CHINA_LAT[0] <= y <= _CHINA_LAT[1]):
        return _Point(_PT_BAD)
    datum, ok = _datum_of(datum_text)
    if not ok:
        return _Point(_PT_BAD_DATUM, datum=datum)
    from txip_geo.areas.datum import to_display

    gx, gy = to_display(np.array([x]), np.array([y]), datum)
    p = shapely.Point(float(gx[0]), float(gy[0]))
    if outline is not None and not shapely.intersects(outline, p):
        return _Point(_PT_OUTSIDE)

    def first(layer: _Layer | None) -> int:
        if layer is None:
            return -1
        for i, g in enumerate(layer.geoms):
            if shapely.intersects(g, p):
                return i
        return -1

    pk = first(parks)
    park = parks.codes[pk] if pk >= 0 else ""
    psch = bool(parks.schematic[pk]) if pk >= 0 else False
    if towns is None:
        return _Point(_PT_NO_LAYER, park=park, park_schematic=psch)
    t = first(towns)
    if t < 0:
        return _Point(_PT_NO_UNIT, park=park, park_schematic=psch)
    return _Point(_PT_UNIT, towns.codes[t], park, bool(towns.schematic[t]), datum, psch)


def _or_bundled(layer, name: str):
    """The given layer, or the bundled one (txip_geo.areas.boundaries) when none or an empty one is given."""
    import shapely

    if isinstance(layer, shapely.Geometry) or (layer is not None and len(layer) > 0):
        return layer
    from txip_geo.areas import boundaries

    return getattr(boundaries, name)()


def locate_one(gazetteer: Gazetteer, *, townships=None, parks=None, outline=None, area_code=None, area_name=None,
               park_name=None, address=None, lon=None, lat=None, datum=None) -> Location:
    """One record's location (same precedence as locate_frame); missing layers default to the bundled ones."""
    towns = _prepare_layer(_or_bundled(townships, "bundled_townships"))
    park_layer = _prepare_layer(_or_bundled(parks, "bundled_parks"))
    outline_geom = _prepare_outline(_or_bundled(outline, "county_outline"))
    pt = _point_one(lon, lat, normalise_text(datum), towns, park_layer, outline_geom)
    return _Decider(gazetteer).decide(_clean_code(area_code), _clean_code(area_name), normalise_text(park_name),
                                      normalise_text(address), pt)
