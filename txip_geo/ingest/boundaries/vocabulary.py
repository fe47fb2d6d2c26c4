"""The words a boundary file is read with, as data: which files and sidecars make a dataset, which attribute columns
name a unit (or park) and its code, which layer names hint at townships or parks, the code pages a DBF declares, the
province codes and place-name prefixes that tell another county's feature, and GEOS's reasons for an invalid ring.

The Chinese texts the import shows are in the strings table (``[boundaries_import]``, see ``messages``); the reasons
below map to its keys. The attribute columns' and layers' words are in data/boundary_words.toml, the place-name
prefixes in data/place_words.toml."""

from __future__ import annotations

import tomllib

from txip_geo.areas.place_words import AREA_PREFIXES
from txip_geo.paths import DATA_DIR

LAYERS = ("townships", "parks")

# -- files ------------------------------------------------------------------------------------------------------------
DATA_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz")
SIDECAR_SUFFIXES = (".shx", ".dbf", ".prj", ".cpg", ".qpj")
ACCEPTED_SUFFIXES = (".zip",) + DATA_SUFFIXES

# -- attribute columns ------------------------------------------------------------------------------------------------
with open(DATA_DIR / "boundary_words.toml", "rb") as _f:
    _WORDS = tomllib.load(_f)
# Field names, lower case, in order of preference (content decides when none of them is present).
CODE_FIELDS: tuple[str, ...] = tuple(_WORDS["fields"]["code"])
NAME_FIELDS: tuple[str, ...] = tuple(_WORDS["fields"]["name"])
# A file with several polygon layers: the one whose name holds one of these is the layer's.
LAYER_NAME_HINTS: dict[str, tuple[str, ...]] = {layer: tuple(w) for layer, w in _WORDS["layer_hints"].items()}

# -- DBF text encodings ------------------------------------------------------------------------------------------------
# A .cpg's declaration (upper case, without spaces, '_' and '-') -> the codec to read with.
CODE_PAGES = {
    "GBK": "GB18030",
    "936": "GB18030",
    "CP936": "GB18030",
    "GB2312": "GB18030",
    "GB18030": "GB18030",
    "ANSI936": "GB18030",
    "UTF8": "UTF-8",
    "65001": "UTF-8",
}
# The DBF header's language-driver byte -> codec (0x4D/0x7A: code page 936).
LANGUAGE_DRIVERS = {0x4D: "GB18030", 0x7A: "GB18030", 0x57: "CP1252", 0x03: "CP1252", 0x01: "CP437"}

# -- places ------------------------------------------------------------------------------------------------------------
# The two leading digits of a Chinese division code (a code starting otherwise is no code of a county).
PROVINCE_CODES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}
# Taixing's province, prefecture and own name, as a full name (江苏省泰州市泰兴市黄桥镇) starts with them.
PROVINCE, CITY, COUNTY = AREA_PREFIXES
PLACE_PREFIXES = (PROVINCE, CITY, COUNTY)

# -- geometry ----------------------------------------------------------------------------------------------------------
# shapely.is_valid_reason's text (before '[') -> the key of its Chinese name ('reason_<key>' in the strings table).
GEOS_REASONS = {
    "Self-intersection": "self_intersection",
    "Ring Self-intersection": "ring_self_intersection",
    "Too few points": "too_few_points",
    "Hole lies outside shell": "hole_outside_shell",
    "Nested holes": "nested_holes",
    "Nested shells": "nested_shells",
    "Interior is disconnected": "interior_disconnected",
    "Duplicate Rings": "duplicate_rings",
    "Invalid Coordinate": "invalid_coordinate",
    "Ring is not closed": "ring_not_closed",
}
