"""The frame and one-record API: :func:`locate_frame` and :class:`Locator` (a file's chunks), :func:`locate_one`.

A frame is located by its distinct inputs: each column is cleaned once per distinct value, the points are located
vectorised (txip_geo.locate.points), and the decision (txip_geo.locate.decide) runs once per distinct combination of
the texts and what the point says; the result is spread back over the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from txip_geo.areas.gazetteer import Gazetteer
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
from txip_geo.locate.text import clean_code, normalise_text

__all__ = ["Locator", "locate_frame", "locate_one"]


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
    """:func:`locate_frame` for the chunks of one file: the layers are prepared once, and each distinct input is
    cleaned and decided once for all chunks (caches bounded like the address matcher's). Same result per row."""

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
        towns, park_layer, outline_geom, decider = self.towns, self.parks, self.outline, self.decider

        ac, ac_vals = _factorize(df, "area_code", self._clean(clean_code))
        an, an_vals = _factorize(df, "area_name", self._clean(clean_code))
        pn, pn_vals = _factorize(df, "park_name", self._clean(normalise_text))
        ad, ad_vals = _factorize(df, "address", self._clean(normalise_text))
        dc, dc_vals = _factorize(df, "datum", self._clean(normalise_text))

        lon, lat = _numbers(df, "lon"), _numbers(df, "lat")
        state, t_idx, p_idx = locate_points(lon, lat, dc, dc_vals, towns, park_layer, outline_geom, self.finder)
        datums = [datum_of(t) for t in dc_vals]
        # The datum only shows in the note: GCJ-02 or not for a located point, the raw text when unknown.
        is_gcj = np.array([d == ("GCJ02", True) for d in datums] + [False])
        dkey = np.where(state == PT_UNIT, 1 + is_gcj[dc], np.where(state == PT_BAD_DATUM, 3 + dc, 0))

        # A row whose point falls in a township takes its unit from the point; its address can only add a park.
        # Such rows share one representative address per park code, which keeps the distinct inputs few.
        in_unit = state == PT_UNIT
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

        def layer_fields(layer: Layer | None, idx: np.ndarray) -> tuple[list, list]:
            if layer is None:
                return [""] * len(idx), [False] * len(idx)
            hit = idx >= 0
            pos = np.where(hit, idx, 0)
            return (
                np.where(hit, layer.codes[pos] if len(layer.codes) else "", "").tolist(),
                (hit & layer.schematic[pos]).tolist() if len(layer.codes) else [False] * len(idx),
            )

        units, unit_sch = layer_fields(towns, t_first)
        park_codes, park_sch = layer_fields(park_layer, p_first)
        datum_names = np.array([d[0] for d in datums] + [""], dtype=object)
        datum_col = np.where((st == PT_UNIT) | (st == PT_BAD_DATUM), datum_names[dc[first]], "").tolist()

        def texts(vals: list[str], codes: np.ndarray) -> list[str]:
            return np.array(vals, dtype=object)[codes[first]].tolist()

        decided, limit, match = self._decided, self.CACHE_LIMIT, decider.matcher.match_normalised
        results = []
        for args in zip(
            texts(ac_vals, ac),
            texts(an_vals, an),
            texts(pn_vals, pn),
            texts(ad_vals, ad),
            st.tolist(),
            units,
            park_codes,
            unit_sch,
            datum_col,
            park_sch,
        ):
            if args[4] == PT_NONE and not (args[0] or args[1] or args[2] or args[6]):
                # Only an address (no code, name or park field, no coordinates): the decision is the address
                # matcher's own (Decider._by_address with nothing found before it), which caches it.
                x = match(args[3])
                results.append((x.unit_code, x.park_code, x.method, x.note))
                continue
            loc = decided.get(args)
            if loc is None:
                if len(decided) > limit:
                    decided.clear()
                x = decider.decide(*args[:4], Point(*args[4:]))
                loc = decided[args] = (x.unit_code, x.park_code, x.method, x.note)
            results.append(loc)
        inv = inv.reshape(-1)
        values = dict(zip(OUTPUT_COLUMNS, zip(*results)))
        cols = {c: pd.Series(np.array(v, dtype=object)[inv], index=df.index, dtype=object) for c, v in values.items()}
        return pd.DataFrame(cols, index=df.index)


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
