"""Cells as the locator compares them: full-width folded, dashes unified, spaces dropped, Excel's numbers as codes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["normalise_text", "clean_code", "BRACKETS"]

_FOLD = {chr(0xFF01 + i): chr(0x21 + i) for i in range(94)}  # full-width ASCII -> half-width
_FOLD.update({"\u2014": "-", "\u2013": "-", "\u2010": "-", "\u2012": "-", "\u2212": "-", "\u2015": "-"})
_FOLD_TABLE = str.maketrans(_FOLD)
_SPACES = str.maketrans("", "", " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff")
#: A translation table dropping brackets (泰兴（经济）开发区, 黄桥[镇]: brackets separate nothing in an address).
BRACKETS = str.maketrans("", "", "()[]{}<>【】〔〕《》「」『』")


def normalise_text(text) -> str:
    """Full-width -> half-width, dashes unified, all spaces removed; None/NaN/'nan' -> ''."""
    if text is None:
        return ""
    if isinstance(text, float) and math.isnan(text):
        return ""
    if text is pd.NA or text is pd.NaT:
        return ""
    t = str(text).translate(_FOLD_TABLE).translate(_SPACES)
    return "" if t.lower() in ("nan", "none", "null", "<na>", "nat") else t


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
