"""The words Taixing's addresses and area fields are read with, loaded once from data/place_words.toml.

The address matcher (txip_geo.locate.address) and the gazetteer's exact lookup use these named tuples; the place
names themselves are the gazetteer's."""

from __future__ import annotations

import tomllib

from txip_geo.paths import DATA_DIR


def _load() -> dict:
    with open(DATA_DIR / "place_words.toml", "rb") as f:
        return tomllib.load(f)


_WORDS = _load()

#: The city's own names (泰兴市, 泰兴县, 泰兴), first claims first.
CITY_NAMES: tuple[str, ...] = tuple(_WORDS["city"]["names"])
#: The city as parks are named after it (泰兴).
CITY_STEM: str = _WORDS["city"]["stem"]
#: Prefixes dropped, in order, from an area field before lookup (江苏省, 泰州市, 泰兴市).
AREA_PREFIXES: tuple[str, ...] = tuple(_WORDS["city"]["area_prefixes"])
#: Words that make a place name before them a street, building or estate name (路, 桥, 花园 …).
PLACE_SUFFIXES: tuple[str, ...] = tuple(_WORDS["suffixes"]["place"])
#: Road words (路, 街, 大道 …).
ROAD_SUFFIXES: tuple[str, ...] = tuple(_WORDS["suffixes"]["road"])
#: Directions that may stand between a name and a road word (东西南北中), as one string.
DIRECTIONS: str = "".join(_WORDS["suffixes"]["directions"])
#: The township type 街道, which starts like a road word and is none.
TOWNSHIP_WORD: str = _WORDS["suffixes"]["township"]
#: villages.csv kind of a village (村); any other kind is a community.
VILLAGE_KIND: str = _WORDS["villages"]["kind"]
#: Suffixes after a unique village's name (村, 村委会 …) and a community's (社区, 居委会 …).
VILLAGE_SUFFIXES: tuple[str, ...] = tuple(_WORDS["villages"]["village"])
COMMUNITY_SUFFIXES: tuple[str, ...] = tuple(_WORDS["villages"]["community"])
#: A village name ending so carries its suffix (国庆新村).
VILLAGE_NAME_ENDING: str = _WORDS["villages"]["names_ending"]
#: Last words of old town names (镇, 乡): the name without one is still found.
OLD_NAME_ENDINGS: tuple[str, ...] = tuple(_WORDS["old_names"]["endings"])
