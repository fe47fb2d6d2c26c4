"""Basemaps: none (offline default), online providers and intranet/local tiles, each with its datum (data/basemaps.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from txip_geo.paths import DATA_DIR
from txip_geo.strings import t


@dataclass(frozen=True)
class Basemap:
    key: str
    label: str
    url: str = ""  # Leaflet tile template ('' = no tiles)
    datum: str = "WGS84"  # the datum every layer is converted to for display
    attribution: str = ""
    approval: str = ""  # 审图号
    subdomains: str = ""
    needs_key: bool = False
    max_zoom: int = 18
    overlay: str = ""  # optional annotation tiles

    @property
    def online(self) -> bool:
        return self.url.startswith(("http://", "https://"))

    def credit(self) -> str:
        """Attribution and map approval number, as shown on maps and exports."""
        parts = [self.attribution] if self.attribution else []
        if self.url:
            parts.append(t("basemaps.approval", no=self.approval) if self.approval else t("basemaps.approval_missing"))
        return t("basemaps.credit_sep").join(parts)


@lru_cache(maxsize=1)
def load_basemaps() -> dict[str, Basemap]:
    with open(DATA_DIR / "basemaps.toml", "rb") as f:
        raw = tomllib.load(f)
    return {k: Basemap(key=k, **v) for k, v in raw.items() if isinstance(v, dict)}


@lru_cache(maxsize=1)
def default_key() -> str:
    """The basemap a new session starts with: `default = "<key>"` at the top of data/basemaps.toml (an intranet
    deployment sets its own tile service there), else "none". An unknown key falls back to "none"."""
    with open(DATA_DIR / "basemaps.toml", "rb") as f:
        key = tomllib.load(f).get("default", "none")
    return key if isinstance(key, str) and key in load_basemaps() else "none"


def resolve(key: str | None, user_key: str = "") -> Basemap:
    """The basemap to draw; one that needs a key and has none falls back to no basemap."""
    b = load_basemaps().get(key or "none") or load_basemaps()["none"]
    if b.needs_key and not user_key.strip():
        return load_basemaps()["none"]
    if "{key}" in b.url or "{key}" in b.overlay:
        k = user_key.strip()
        return Basemap(**{**b.__dict__, "url": b.url.replace("{key}", k), "overlay": b.overlay.replace("{key}", k)})
    return b
