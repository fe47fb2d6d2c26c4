"""Numbers and comparators as every view shows them (goal tables, the 联席会议 deck and workbook, township panels)."""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING = "—"

# A goal's comparator as a sign: '≥ 3,500', '＞ 90'.
COMPARATOR_SIGNS = {">=": "≥", ">": "＞"}


def is_missing(v) -> bool:
    """None, NaN or pd.NA: a figure there is none of."""
    return v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)) or v is pd.NA


def fmt_number(v, decimals: int = 2) -> str:
    """3500 → '3,500'; 29.466 → '29.47'; 94.0 → '94'; 66.70 → '66.7'; missing → '—'.

    Thousands separators, at most `decimals` decimals and no trailing zeros."""
    if is_missing(v):
        return MISSING
    v = float(v)
    if v.is_integer():
        return f"{int(v):,}"
    return f"{v:,.{decimals}f}".rstrip("0").rstrip(".")


def fmt_change(v, decimals: int = 2) -> str:
    """A change with its sign: 1413 → '+1,413'; -5.2 → '−5.2' (a minus sign, not a hyphen); 0 → '0'; missing → '—'."""
    if is_missing(v):
        return MISSING
    v = round(float(v), decimals)
    if v == 0:
        return "0"
    return ("+" if v > 0 else "−") + fmt_number(abs(v), decimals)
