"""Find a free CJK font for the exports, so Chinese text never turns into empty boxes (tofu) on a fresh machine.

Search order:

1. ``TXIP_CJK_FONT`` — a font file path set by the operator (TTF, OTF or TTC; face 0 of a collection);
2. the font bundled with the app: ``static/fonts/wqy-microhei.ttc`` — byte-for-byte the file of Debian's
   ``fonts-wqy-microhei`` 0.2.0-beta (WenQuanYi Micro Hei, Apache-2.0 or GPL-3 with font exception; see
   static/fonts/README.md), so a fresh checkout renders Chinese without root or any install;
3. free CJK fonts installed on the system (Debian/Ubuntu/Fedora paths, the user's font folders).

Only free fonts are ever looked for (WenQuanYi, Noto/Source Han, Droid Sans Fallback): commercial fonts such as
SimHei or Microsoft YaHei are never picked, since the PDF and PNG exports embed (a subset of) the font.

Every candidate is checked with fontTools: it must contain the glyphs of `PROBE` (a font without them would draw boxes).
No matplotlib here (``staticmap`` registers the font with matplotlib).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from txip_geo.errors import FontNotFound
from txip_geo.paths import ROOT
from txip_geo.strings import t

ENV_FONT = "TXIP_CJK_FONT"

# Text every export shows: a font must cover all of it (and typical record text) to be used.
PROBE = t("fonts.probe")

# Free CJK families, best first. The PPTX names its own font (see report.PPTX_FONT): it cannot embed one.
FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)

# Where Linux distributions put those fonts (file name → family); user folders are searched too.
SYSTEM_FILES = {
    "wqy-microhei.ttc": "WenQuanYi Micro Hei",
    "NotoSansCJK-Regular.ttc": "Noto Sans CJK SC",
    "NotoSansCJKsc-Regular.otf": "Noto Sans CJK SC",
    "NotoSansSC-Regular.otf": "Noto Sans SC",
    "NotoSansSC-Regular.ttf": "Noto Sans SC",
    "SourceHanSansSC-Regular.otf": "Source Han Sans SC",
    "SourceHanSansCN-Regular.otf": "Source Han Sans CN",
    "wqy-zenhei.ttc": "WenQuanYi Zen Hei",
    "DroidSansFallbackFull.ttf": "Droid Sans Fallback",
    "DroidSansFallback.ttf": "Droid Sans Fallback",
}
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")

# The font bundled with the app (static/fonts/README.md says where it comes from).
BUNDLED_FONT = (ROOT / "static" / "fonts" / "wqy-microhei.ttc", "WenQuanYi Micro Hei")

# Never used, even when installed (commercial; embedding them in exports is not ours to allow).
FORBIDDEN = ("simhei", "simsun", "msyh", "yahei", "simkai", "simfang", "stheiti", "pingfang", "dengxian")


@dataclass(frozen=True)
class CJKFont:
    path: Path
    family: str
    source: str  # env | bundled | system
    index: int = 0  # face within a .ttc collection


@functools.lru_cache(maxsize=32)
def _cmap(path: str, index: int) -> frozenset[int]:
    """The code points a font file maps (cached: a CJK font's cmap has ~30,000 entries)."""
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset((font.getBestCmap() or {}).keys())
    finally:
        font.close()


def covers(path: str | Path, text: str = PROBE, index: int = 0) -> bool:
    """True when the font file has a glyph for every non-space character of `text` (fontTools cmap)."""
    try:
        cmap = _cmap(str(path), index)
    except Exception:  # not a font, unreadable, wrong index
        return False
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


def missing_glyphs(path: str | Path, text: str, index: int = 0) -> list[str]:
    """The characters of `text` the font cannot draw (for a warning next to an export)."""
    cmap = _cmap(str(path), index)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


def _family_of(path: Path, index: int = 0) -> str:
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(str(path), fontNumber=index, lazy=True)
        name = font["name"].getBestFamilyName() or path.stem
        font.close()
        return name
    except Exception:
        return path.stem


def _forbidden(path: Path) -> bool:
    low = path.name.lower()
    return any(f in low for f in FORBIDDEN)


def _candidates():
    env = os.environ.get(ENV_FONT)
    if env:
        p = Path(env).expanduser()
        yield p, None, "env"
    yield BUNDLED_FONT[0], BUNDLED_FONT[1], "bundled"
    found: dict[str, list[Path]] = {}
    for d in FONT_DIRS:
        root = Path(d).expanduser()
        if not root.is_dir():
            continue
        for name in SYSTEM_FILES:
            for p in root.rglob(name):
                found.setdefault(SYSTEM_FILES[name], []).append(p)
    for family in FAMILIES:
        for p in sorted(found.get(family, [])):
            yield p, family, "system"


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> CJKFont:
    """The first usable free CJK font (cached). Raises FontNotFound with what to install."""
    tried = []
    for path, family, source in _candidates():
        if not path.is_file():
            tried.append(t("fonts.missing", path=path))
            continue
        if _forbidden(path):
            tried.append(t("fonts.commercial", path=path))
            continue
        if not covers(path):
            tried.append(t("fonts.no_glyphs", path=path))
            continue
        return CJKFont(path=path, family=family or _family_of(path), source=source)
    raise FontNotFound(
        t("fonts.not_found") + (t("fonts.tried", paths=t("fonts.tried_sep").join(tried)) if tried else "")
    )
