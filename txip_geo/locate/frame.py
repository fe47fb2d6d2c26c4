"""The frame and one-record API: :func:`locate_frame` and :class:`Locator` (a file's chunks), :func:`locate_one`.

A frame is located by its distinct inputs: each column is cleaned once per distinct value (the text columns all at
once), the points are located vectorised (txip_geo.locate.points), every distinct address at once
(txip_geo.locate.address_batch), and the decision (txip_geo.locate.decide) runs once per distinct combination of the
code, name and park texts, the address's Location and what the point says (a row with only an address takes the
address's Location); the result is spread back over the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from txip_geo.areas.gazetteer import Gazetteer
from txip_geo.locate.address_batch import locate_addresses
from txip_geo.locate.decide import Decider
from txip_geo.locate.location import OUTPUT_COLUMNS, Location
from txip_geo.locate.points import (
    PT_BAD_DATUM,
    PT_NONE,
    PT_UNIT,
    Layer,
    Point,
    datum_of,
    locate_points,
    point_one,
    prepare_layer,
    prepare_outline,
)
from txip_geo.locate.text import clean_code, normalise_many, normalise_text

__all__ = ["Locator", "locate_frame", "locate_one"]


def _distinct(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Codes of the values and the distinct values, in order of first appearance (pd.factorize's order)."""
    index = dict.fromkeys(values)
    for i, k in enumerate(index):
        index[k] = i
    return np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values)), list(index)


def _factorize(df: pd.DataFrame, col: str, clean=None, clean_many=None) -> tuple[np.ndarray, list[str]]:
    """Codes per row and the cleaned distinct values ('' for missing); equal cleaned values share a code. The
    distinct raw values are cleaned one by one (`clean`) or all at once (`clean_many`)."""
    n = len(df)
    if col not in df.columns:
        return np.zeros(n, dtype=np.int64), [""]
    codes, uniques = pd.factorize(df[col], use_na_sentinel=True)
    raw = uniques.tolist()
    cleaned = clean_many(raw) if clean_many is not None else [clean(v) for v in raw]
    if cleaned == raw:  # nothing cleaned away (the usual case): the cleaned texts are still distinct
        missing = cleaned.index("") if "" in cleaned else len(cleaned)
        return np.where(codes < 0, missing, codes).astype(np.int64), cleaned + [""] * (missing == len(cleaned))
    cleaned.append("")
    codes = np.where(codes < 0, len(cleaned) - 1, codes)
    final, distinct = _distinct(cleaned)
    return final[codes], distinct


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


def locate_frame(
    df: pd.DataFrame, gazetteer: Gazetteer, townships=None, parks=None, outline=None, finder=None
) -> pd.DataFrame:
    """Assign every row to a unit and park; returns unit_code, park_code, assign_method, assign_note (df's index).

    Input columns, any of which may be missing: area_code, area_name, park_name, address, lon, lat, datum.
    Precedence per row: code/name field > coordinates (outline, then township and park layers) > park name >
    address. Layers are GeoDataFrames with a ``code`` column; a layer left as None is not used. `finder`: what
    places the points in the layers (txip_geo.locate.points.find_in_layers, or a store's PostGIS finder).
    """
    return Locator(gazetteer, townships=townships, parks=parks, outline=outline, finder=finder).frame(df)


class Locator:
    """:func:`locate_frame` for the chunks of one file: the layers are prepared once, and each distinct code or name
    is cleaned and each distinct input decided once for all chunks (caches bounded like the address matcher's); the
    text columns and the addresses are done per chunk, all at once. Same result per row."""

    CACHE_LIMIT = 500_000

    def __init__(self, gazetteer: Gazetteer, townships=None, parks=None, outline=None, finder=None):
        self.towns, self.parks, self.outline = prepare_layer(townships), prepare_layer(parks), prepare_outline(outline)
        self.finder = finder
        self.decider = Decider(gazetteer)
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
        towns, park_layer, outline_geom = self.towns, self.parks, self.outline

        ac, ac_vals = _factorize(df, "area_code", self._clean(clean_code))
        an, an_vals = _factorize(df, "area_name", self._clean(clean_code))
        pn, pn_vals = _factorize(df, "park_name", clean_many=normalise_many)
        ad, ad_vals = _factorize(df, "address", clean_many=normalise_many)
        dc, dc_vals = _factorize(df, "datum", clean_many=normalise_many)
        # Every distinct address located at once: its Location is a_locs[a_codes[c]] (txip_geo.locate.address_batch).
        a_codes, a_locs = locate_addresses(self.decider.matcher, ad_vals)

        lon, lat = _numbers(df, "lon"), _numbers(df, "lat")
        state, t_idx, p_idx = locate_points(lon, lat, dc, dc_vals, towns, park_layer, outline_geom, self.finder)
        datums = [datum_of(t) for t in dc_vals]
        # The datum only shows in the note: GCJ-02 or not for a located point, the raw text when unknown.
        is_gcj = np.array([d == ("GCJ02", True) for d in datums] + [False])
        dkey = np.where(state == PT_UNIT, 1 + is_gcj[dc], np.where(state == PT_BAD_DATUM, 3 + dc, 0))

        # decide() reads an address only through its Location: rows are keyed by that (aloc), not by the text. A row
        # whose point falls in a township takes its unit from the point; its address can only add a park: such rows
        # share one Location per park code, which keeps the distinct inputs few.
        aloc = a_codes[ad]
        in_unit = state == PT_UNIT
        if in_unit.any():
            _, rep, which = np.unique(_column(a_locs, "park_code"), return_index=True, return_inverse=True)
            aloc = np.where(in_unit, rep[which.reshape(-1)][aloc], aloc)

        key = ac
        for other in (an, pn, aloc, state.astype(np.int64), t_idx + 1, p_idx + 1, dkey):
            if other.min() != other.max():  # a column with one value (an empty field, no points) splits nothing
                key = _combine(key, other)
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)

        # decide()'s arguments for each distinct input, column by column: the four texts and the point's fields.
        st = state[first]
        units, unit_sch = _layer_fields(towns, t_idx[first])
        park_codes, park_sch = _layer_fields(park_layer, p_idx[first])
        datum_names = np.array([d[0] for d in datums] + [""], dtype=object)
        datum_col = np.where((st == PT_UNIT) | (st == PT_BAD_DATUM), datum_names[dc[first]], "")

        # Only an address (no code, name or park field, no coordinates): the decision is the address matcher's own
        # (Decider._by_address with nothing found before it), taken from the batch.
        only_address = (st == PT_NONE) & (ac[first] == _index_of(ac_vals, "")) & (an[first] == _index_of(an_vals, ""))
        only_address &= (pn[first] == _index_of(pn_vals, "")) & (park_codes == "")
        outcome = np.empty(len(first), dtype=np.int64)
        outcome[only_address] = aloc[first][only_address]
        rest = np.flatnonzero(~only_address)
        outcomes = [(x.unit_code, x.park_code, x.method, x.note) for x in a_locs]
        if len(rest):
            args = [np.array(v, dtype=object)[c[first][rest]] for v, c in ((ac_vals, ac), (an_vals, an), (pn_vals, pn))]
            texts = np.array(ad_vals, dtype=object)[ad[first][rest]]  # an address with the row's Location
            self.decider.matcher.remember(texts, _table(a_locs)[a_codes[ad[first][rest]]])
            args += [texts, st[rest], units[rest], park_codes[rest]]
            args += [unit_sch[rest], datum_col[rest], park_sch[rest]]
            outcome[rest] = len(outcomes) + np.arange(len(rest))
            outcomes += self._decide_each(zip(*(a.tolist() for a in args)))
        rows = outcome[inv.reshape(-1)]
        cols = {
            c: pd.Series(np.array(v, dtype=object)[rows], index=df.index, dtype=object)
            for c, v in zip(OUTPUT_COLUMNS, zip(*outcomes))
        }
        return pd.DataFrame(cols, index=df.index)

    def _decide_each(self, inputs) -> list[tuple[str, str, str, str]]:
        """decide() on each distinct input (the point as its fields), cached for the file's later chunks."""
        decided, limit, decider = self._decided, self.CACHE_LIMIT, self.decider
        out = []
        for args in inputs:
            loc = decided.get(args)
            if loc is None:
                if len(decided) > limit:
                    decided.clear()
                x = decider.decide(*args[:4], Point(*args[4:]))
                loc = decided[args] = (x.unit_code, x.park_code, x.method, x.note)
            out.append(loc)
        return out


def _table(locations: list[Location]) -> np.ndarray:
    out = np.empty(len(locations), dtype=object)
    out[:] = locations
    return out


def _column(locations: list[Location], field: str) -> np.ndarray:
    return np.array([getattr(x, field) for x in locations], dtype=object)


def _index_of(values: list[str], value: str) -> int:
    """The code of `value` among the distinct values (-1 when absent)."""
    return values.index(value) if value in values else -1


def _layer_fields(layer: Layer | None, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The polygon's code ('' for none) and whether it is schematic, per point index (-1: none)."""
    if layer is None or not len(layer.codes):
        return np.full(len(idx), "", dtype=object), np.zeros(len(idx), dtype=bool)
    hit = idx >= 0
    pos = np.where(hit, idx, 0)
    return np.where(hit, layer.codes[pos], "").astype(object), hit & layer.schematic[pos]


def _or_bundled(layer, name: str):
    """The given layer, or the bundled one (txip_geo.areas.boundaries) when none or an empty one is given."""
    import shapely

    if isinstance(layer, shapely.Geometry) or (layer is not None and len(layer) > 0):
        return layer
    from txip_geo.areas import boundaries

    return getattr(boundaries, name)()


def locate_one(
    gazetteer: Gazetteer,
    *,
    townships=None,
    parks=None,
    outline=None,
    area_code=None,
    area_name=None,
    park_name=None,
    address=None,
    lon=None,
    lat=None,
    datum=None,
) -> Location:
    """One record's location (same precedence as locate_frame); missing layers default to the bundled ones."""
    towns = prepare_layer(_or_bundled(townships, "bundled_townships"))
    park_layer = prepare_layer(_or_bundled(parks, "bundled_parks"))
    outline_geom = prepare_outline(_or_bundled(outline, "county_outline"))
    pt = point_one(lon, lat, normalise_text(datum), towns, park_layer, outline_geom)
    return Decider(gazetteer).decide(
        clean_code(area_code), clean_code(area_name), normalise_text(park_name), normalise_text(address), pt
    )
