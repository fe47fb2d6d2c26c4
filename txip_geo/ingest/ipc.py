"""IPC notation: a code normalised to 'C07C 51/00' (full-width characters, any spacing, a version suffix such as
'(2006.01)' accepted), a cell's codes split on ';' or ','. Read on import (derive: a warning for a code that is not
IPC notation) and by figures.industries; a code that does not parse is reported, never guessed."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

# section, class, subclass, main group, subgroup
_IPC = re.compile(r"^([A-H])(\d{2})([A-Z])\s*(\d{1,4})\s*/\s*(\d{1,6})$")
_VERSION = re.compile(r"\(\d{4}\.\d{2}\)$")
_SPLIT = re.compile(r"[;,]")


def normalise(code: str) -> str | None:
    """One IPC code in the form 'C07C 51/00'; None when it is not IPC notation."""
    s = unicodedata.normalize("NFKC", str(code)).strip().upper()
    s = _VERSION.sub("", s).strip()
    m = _IPC.match(s)
    if not m:
        return None
    return f"{m[1]}{m[2]}{m[3]} {int(m[4])}/{m[5]}"


def split_codes(cell) -> list[str]:
    """The codes of one cell ('A61K31/00;A61P 35/00', full-width ；，too); empty parts dropped."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    s = unicodedata.normalize("NFKC", str(cell))
    return [c.strip() for c in _SPLIT.split(s) if c.strip()]


def malformed(cell) -> list[str]:
    """The codes of a cell that are not IPC notation."""
    return [c for c in split_codes(cell) if normalise(c) is None]
