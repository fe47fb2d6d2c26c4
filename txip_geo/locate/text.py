"""Cells as the locator compares them: full-width folded, dashes unified, spaces dropped, Excel's numbers as codes."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

__all__ = ["normalise_text", "normalise_many", "clean_code", "BRACKETS", "without_brackets"]

_FOLD = {chr(0xFF01 + i): chr(0x21 + i) for i in range(94)}  # full-width ASCII -> half-width
_FOLD.update({"\u2014": "-", "\u2013": "-", "\u2010": "-", "\u2012": "-", "\u2212": "-", "\u2015": "-"})
_FOLD_TABLE = str.maketrans(_FOLD)
_SPACE_CHARS = " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff"
_SPACES = str.maketrans("", "", _SPACE_CHARS)
# Any character either table changes: a regex search (C code) is far cheaper than translating a CJK text, and most
# cells have nothing to fold or drop.
_NEEDS_WORK = re.compile("[" + re.escape("".join(sorted(set(_FOLD) | set(_SPACE_CHARS)))) + "]")
_BRACKET_CHARS = "()[]{}<>【】〔〕《》「」『』"
#: A translation table dropping brackets (泰兴（经济）开发区, 黄桥[镇]: brackets separate nothing in an address).
BRACKETS = str.maketrans("", "", _BRACKET_CHARS)
_HAS_BRACKET = re.compile("[" + re.escape(_BRACKET_CHARS) + "]")


def without_brackets(text: str) -> str:
    """`text.translate(BRACKETS)`, skipped when the text has no bracket."""
    return text.translate(BRACKETS) if _HAS_BRACKET.search(text) is not None else text


def normalise_text(text) -> str:
    """Full-width -> half-width, dashes unified, all spaces removed; None/NaN/'nan' -> ''."""
    if text is None:
        return ""
    if isinstance(text, float) and math.isnan(text):
        return ""
    if text is pd.NA or text is pd.NaT:
        return ""
    t = str(text)
    if _NEEDS_WORK.search(t) is not None:
        t = t.translate(_FOLD_TABLE).translate(_SPACES)
    return "" if t.lower() in _MISSING else t


_MISSING = ("nan", "none", "null", "<na>", "nat")
_SEP = "\x00"


def normalise_many(values) -> list[str]:
    """``[normalise_text(v) for v in values]``, with Python work only for the texts that need some: the texts are
    joined and searched at once for a character to fold or drop, and only texts of a missing word's length are
    compared with the missing words."""
    values = list(values)
    try:
        joined = _SEP.join(values)
    except TypeError:  # not all texts (None, NaN, numbers): one by one
        return [normalise_text(v) for v in values]
    if joined.count(_SEP) != len(values) - 1:
        return [normalise_text(v) for v in values]
    out = values if set(map(type, values)) == {str} else [str(v) for v in values]
    lens = np.fromiter(map(len, out), dtype=np.int64, count=len(out))
    todo = np.zeros(len(out), dtype=bool)
    if _NEEDS_WORK.search(joined) is not None:
        starts = np.cumsum(lens + 1) - (lens + 1)
        at = np.fromiter((m.start() for m in _NEEDS_WORK.finditer(joined)), dtype=np.int64)
        todo[np.searchsorted(starts, at, side="right") - 1] = True
    todo |= (lens >= 3) & (lens <= 4)  # the length of a missing word ('nan' … '<na>')
    for i in np.flatnonzero(todo).tolist():
        out[i] = normalise_text(out[i])
    return out


def clean_code(value) -> str:
    """A code/name cell: numbers from Excel (321283002.0) become '321283002'."""
    if isinstance(value, (float, np.floating)) and not math.isnan(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    t = normalise_text(value)
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]
    return t
