"""The words the importers read in cells and headers (data/ingest_words.toml), as named data: status wordings, yes/no
flags, total rows, patent type labels, and the record words the figures count by (population bases, pilot levels).
The one reader of that file; the parsers and the figures take the words from here."""

from __future__ import annotations

import tomllib

from txip_geo.paths import DATA_DIR

with open(DATA_DIR / "ingest_words.toml", "rb") as _f:
    _WORDS = tomllib.load(_f)


def _status(name: str) -> list[tuple[str, list[str]]]:
    """A status table: (code, words) in the file's order (the first code with a word in the text wins)."""
    return [(code, list(words)) for code, words in _WORDS["status"][name].items()]


# Status wordings -> codes (parse.map_status).
PATENT_STATUS = _status("patents")
TRADEMARK_STATUS = _status("trademarks")
CASE_STATUS = _status("cases")
CASE_KIND = _status("case_kinds")
# A case whose handling (处理方式) says it was passed on: an enforcement case with status 'transferred'.
CASE_TRANSFERRED: list[str] = list(_WORDS["cases"]["transferred"])
CASE_MEDIATED_OUTCOME: list[str] = list(_WORDS["cases"]["mediated_outcome"])
CASE_MEDIATED_STATUS: list[str] = list(_WORDS["cases"]["mediated_status"])

INACTIVE: list[str] = list(_WORDS["active"]["inactive"])
PILOT_LEVELS: list[str] = list(_WORDS["network"]["pilot_levels"])
PILOT_LEVELS_COUNTED: list[str] = list(_WORDS["network"]["pilot_levels_counted"])
ADVANTAGE_NATIONAL: str = _WORDS["enterprises"]["national"]
STATISTICS_MEASURES: set[str] = set(_WORDS["statistics"]["measures"])
POPULATION_BASES: tuple[str, ...] = tuple(_WORDS["statistics"]["population_bases"])
POPULATION: str = _WORDS["statistics"]["population"]
UNKNOWN_POPULATION: str = _WORDS["statistics"]["unknown_population"]
MARKET_ENTITIES: str = _WORDS["statistics"]["market_entities"]

TRUE_WORDS: set[str] = set(_WORDS["flags"]["true"])
FALSE_WORDS: set[str] = set(_WORDS["flags"]["false"])

TOTAL_ROW_WORDS: list[str] = list(_WORDS["rows"]["totals"])

COORDS_HEADER: str = _WORDS["header"]["coordinates"]

PATENT_TYPE_LABELS: dict[str, str] = dict(_WORDS["patent_types"]["labels"])
PATENT_LABEL_NOISE_ZH: tuple[str, ...] = tuple(_WORDS["patent_types"]["noise_zh"])
PATENT_LABEL_NOISE_EN: frozenset[str] = frozenset(_WORDS["patent_types"]["noise_en"])
PATENT_TYPE_BY_LABEL: dict[str, str] = dict(_WORDS["patent_types"]["by_label"])


def alternatives(words: list[str]) -> str:
    """A regular expression matching any of `words` (they hold no special characters)."""
    return "|".join(words)
