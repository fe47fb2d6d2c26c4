"""The gazetteer: Taixing's 17 township-level units, parks, old names, villages and neighbours, loaded once from data/."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .paths import DATA_DIR

CITY_CODE = "321283"
CITY_NAME = "泰兴市"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    short_name: str
    type: str  # 街道 | 镇 | 乡
    seat: str
    source: str


@dataclass(frozen=True)
class Park:
    code: str
    name: str
    aliases: tuple[str, ...]
    level: str
    host_code: str  # '' when the host township is not known
    host_note: str
    source: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,) + self.aliases


@dataclass(frozen=True)
class OldName:
    name: str
    successor_code: str  # '' when no source gives the successor
    year: str
    source: str
    note: str


@dataclass(frozen=True)
class Village:
    name: str
    kind: str  # 村 | 居
    unit_code: str
    source: str


@dataclass
class Gazetteer:
    units: list[Unit]
    parks: list[Park]
    old_names: list[OldName]
    villages: list[Village]
    outside_places: list[dict]
    areas: dict[str, dict]  # code -> {area_km2, year, source}
    sources: dict[str, dict]
    by_code: dict[str, Unit] = field(init=False)
    park_by_code: dict[str, Park] = field(init=False)

    def __post_init__(self) -> None:
        self.by_code = {u.code: u for u in self.units}
        self.park_by_code = {p.code: p for p in self.parks}

    @property
    def codes(self) -> list[str]:
        return [u.code for u in self.units]

    def name_of(self, code: str | None) -> str:
        if not code:
            return ""
        if code in self.by_code:
            return self.by_code[code].name
        if code in self.park_by_code:
            return self.park_by_code[code].name
        if code == CITY_CODE:
            return CITY_NAME
        return code

    def resolve_area(self, text: str) -> tuple[str, str]:
        """Exact lookup of a unit or park given by code or name (full, short, old, 泰兴市-prefixed).

        Returns (kind, code) with kind 'unit' | 'park' | 'old' (old name with no sourced successor: code '')
        or ('', '') when unknown.
        """
        t = (text or "").strip().replace(" ", "").replace("\u3000", "")
        for prefix in ("江苏省", "泰州市", "泰兴市"):
            if t.startswith(prefix) and len(t) > len(prefix):
                t = t[len(prefix):]
        if not t:
            return "", ""
        if t in self.by_code:
            return "unit", t
        if t in self.park_by_code:
            return "park", t
        for u in self.units:
            if t in (u.name, u.short_name):
                return "unit", u.code
        for p in self.parks:
            if t in p.names:
                return "park", p.code
        for o in self.old_names:
            if t in (o.name, o.name[:-1]):
                return ("unit", o.successor_code) if o.successor_code else ("old", "")
        return "", ""


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=4)
def load_gazetteer(data_dir: Path = DATA_DIR) -> Gazetteer:
    d = Path(data_dir)
    units = [Unit(r["code"], r["name"], r["short_name"], r["type"], r["seat"], r["source"]) for r in _read(d / "units.csv")]
    parks = [
        Park(r["code"], r["name"], tuple(a for a in r["aliases"].split(";") if a), r["level"], r["host_code"],
             r["host_note"], r["source"])
        for r in _read(d / "parks.csv")
    ]
    old = [OldName(r["old_name"], r["successor_code"], r["year"], r["source"], r["note"]) for r in _read(d / "historical_names.csv")]
    villages = [Village(r["name"], r["kind"], r["unit_code"], r["source"]) for r in _read(d / "villages.csv")]
    outside = _read(d / "outside_places.csv")
    areas = {r["code"]: {"area_km2": float(r["area_km2"]), "year": r["year"], "source": r["source"]} for r in _read(d / "unit_areas.csv")}
    sources = {r["key"]: r for r in _read(d / "sources.csv")}
    return Gazetteer(units, parks, old, villages, outside, areas, sources)
