"""The UI's Chinese strings, read once from data/strings_zh.toml: `t("map.indicator")`."""

from __future__ import annotations

import tomllib
from functools import lru_cache

from txip_geo.paths import DATA_DIR


@lru_cache(maxsize=1)
def _table() -> dict:
    with open(DATA_DIR / "strings_zh.toml", "rb") as f:
        return tomllib.load(f)


def t(key: str, **kw) -> str:
    """The string at 'section.name', formatted with kw. A missing key raises KeyError (tests catch typos)."""
    section, _, name = key.partition(".")
    text = _table()[section][name]
    return text.format(**kw) if kw else text
