"""The gazetteer: Taixing's 17 township-level units, parks, old names, villages and neighbours, loaded once from data/."""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from txip_geo.areas import place_words
from txip_geo.paths import DATA_DIR

CITY_CODE = "321283"
CITY_NAME = place_words.CITY_NAMES[0]  # 泰兴市


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
    stem: str = ""  # the place the park is named after (泰兴, 黄桥); see data/park_name_forms.toml
    park_type: str = ""  # a section of park_name_forms.toml's [types]

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
    park_vocabulary: dict = field(default_factory=dict)  # data/park_name_forms.toml
    park_forms: dict[str, str] = field(init=False)  # every spelling of every park (park_key'd) -> park code

    def __post_init__(self) -> None:
        self.by_code = {u.code: u for u in self.units}
        self.park_by_code = {p.code: p for p in self.parks}
        self.park_forms = self._park_forms()

    def _park_forms(self) -> dict[str, str]:
        """The park's name and aliases, and its stem (or the stem's full place name: 泰兴市, 黄桥镇) followed by each
        form of its type. A form two parks share is dropped (it is no evidence for either)."""
        types = self.park_vocabulary.get("types", {})
        forms: dict[str, set[str]] = {}
        for p in self.parks:
            spellings = set(p.names)
            if p.stem:
                stems = (
                    {p.stem}
                    | ({CITY_NAME} if p.stem == place_words.CITY_STEM else set())
                    | {u.name for u in self.units if p.stem in (u.short_name, u.name)}
                )
                spellings |= {s + t for s in stems for t in types.get(p.park_type, ())}
            for s in spellings:
                forms.setdefault(park_key(s), set()).add(p.code)
        return {k: next(iter(v)) for k, v in forms.items() if k and len(v) == 1}

    def park_of(self, text: str) -> str:
        """The park a park name stands for, spelled any way park_forms knows (province/prefecture prefixes and
        泰兴市 before a park's full name allowed); '' when it is not exactly a park name."""
        t = park_key(text)
        for _ in range(3):
            if t in self.park_forms:
                return self.park_forms[t]
            for prefix in (*self.park_vocabulary.get("prefixes", ()), CITY_NAME):
                if t.startswith(prefix) and len(t) > len(prefix):
                    t = t[len(prefix) :]
                    break
            else:
                return ""
        return self.park_forms.get(t, "")

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
        for prefix in place_words.AREA_PREFIXES:
            if t.startswith(prefix) and len(t) > len(prefix):
                t = t[len(prefix) :]
        if not t:
            return "", ""
        if t in self.by_code:
            return "unit", t
        if t in self.park_by_code:
            return "park", t
        for u in self.units:
            if t in (u.name, u.short_name):
                return "unit", u.code
        park = self.park_of(text)
        if park:
            return "park", park
        for o in self.old_names:
            if t in (o.name, o.name[:-1]):
                return ("unit", o.successor_code) if o.successor_code else ("old", "")
        return "", ""


_FOLD = {chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {"\u3000": " "}
_KEY_DROP = re.compile(r"[\s()\[\]{}<>【】〔〕《》「」『』\-\u2010-\u2015\u2212·・]+")


def park_key(text) -> str:
    """A park name as compared: half-width, without spaces, brackets, dashes or dots (江阴－黄桥 = 江阴黄桥)."""
    return _KEY_DROP.sub("", str(text or "").translate(str.maketrans(_FOLD)))


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=4)
def load_gazetteer(data_dir: Path = DATA_DIR) -> Gazetteer:
    d = Path(data_dir)
    units = [
        Unit(r["code"], r["name"], r["short_name"], r["type"], r["seat"], r["source"]) for r in _read(d / "units.csv")
    ]
    parks = [
        Park(
            r["code"],
            r["name"],
            tuple(a for a in r["aliases"].split(";") if a),
            r["level"],
            r["host_code"],
            r["host_note"],
            r["source"],
            r.get("stem", ""),
            r.get("park_type", ""),
        )
        for r in _read(d / "parks.csv")
    ]
    old = [
        OldName(r["old_name"], r["successor_code"], r["year"], r["source"], r["note"])
        for r in _read(d / "historical_names.csv")
    ]
    villages = [Village(r["name"], r["kind"], r["unit_code"], r["source"]) for r in _read(d / "villages.csv")]
    outside = _read(d / "outside_places.csv")
    areas = {
        r["code"]: {"area_km2": float(r["area_km2"]), "year": r["year"], "source": r["source"]}
        for r in _read(d / "unit_areas.csv")
    }
    sources = {r["key"]: r for r in _read(d / "sources.csv")}
    forms_path = d / "park_name_forms.toml"
    vocabulary = tomllib.loads(forms_path.read_text(encoding="utf-8")) if forms_path.exists() else {}
    return Gazetteer(units, parks, old, villages, outside, areas, sources, park_vocabulary=vocabulary)
