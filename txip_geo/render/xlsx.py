"""Excel exports (openpyxl): readable headers and column widths, and no formula ever comes from record text.

Formula injection: a cell whose text starts with = + - @ (or a tab / carriage return) would be taken by Excel or
LibreOffice as a formula when the file is opened or a cell is edited. Such text is written as a string cell with
Excel's "quote prefix" (the stored form of typing an apostrophe first): the cell shows exactly the original text and
is never evaluated.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from txip_geo.figures.compute import FigureSet
from txip_geo.figures.network import gap_list
from txip_geo.present.network_view import gap_display, scorecard_export, title_lines
from txip_geo.strings import t

# The MIME type of a workbook (download buttons, the exports' formats).
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
HEADER_BORDER = Border(bottom=Side(style="thin", color="FF9E9E9E"))
TITLE_FONT = Font(bold=True, color="FFA63603")
MIN_WIDTH, MAX_WIDTH = 6, 60
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def display_width(text: str) -> int:
    """Width in Excel character units: East Asian wide/full-width characters count 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _clean(value):
    """A cell value openpyxl can store: NaN/None → None, numpy scalars → Python, illegal XML characters removed."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and np.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (str, int, float, bool, date, datetime)):
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _set(cell, value) -> None:
    value = _clean(value)
    cell.value = value
    if isinstance(value, str):
        # Never a formula: openpyxl would otherwise store any text starting with '=' as one.
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True


def _sheet_title(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'") or "Sheet"
    base = base[:31]
    title, i = base, 2
    while title.lower() in used:
        suffix = f"({i})"
        title, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(title.lower())
    return title


def _cell_text(value) -> str:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def write_xlsx(sheets: dict[str, pd.DataFrame], title_lines: dict[str, list[str]] | None = None) -> bytes:
    """One workbook, one sheet per frame: optional title lines, then a bold filled header row (frozen, with an
    autofilter) and the rows. Column widths fit the longest text (CJK counted as 2). Returns the .xlsx bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    title_lines = title_lines or {}
    for name, df in sheets.items():
        ws = wb.create_sheet(_sheet_title(name, used))
        lines = list(title_lines.get(name) or [])
        for i, line in enumerate(lines, start=1):
            c = ws.cell(row=i, column=1)
            _set(c, line)
            c.font = TITLE_FONT
        header_row = len(lines) + 1
        cols = [str(c) for c in df.columns]
        widths = [display_width(c) for c in cols]
        for j, col in enumerate(cols, start=1):
            c = ws.cell(row=header_row, column=j)
            _set(c, col)
            c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
            c.alignment = Alignment(vertical="center")
        for i, row in enumerate(df.itertuples(index=False, name=None), start=header_row + 1):
            for j, value in enumerate(row, start=1):
                _set(ws.cell(row=i, column=j), value)
                w = max((display_width(part) for part in _cell_text(value).splitlines()), default=0)
                if w > widths[j - 1]:
                    widths[j - 1] = w
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, MIN_WIDTH), MAX_WIDTH)
        if cols:
            ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
            last = get_column_letter(len(cols))
            ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(df), 1)}"
    if not wb.worksheets:
        wb.create_sheet("Sheet")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def gap_workbook(fs: FigureSet, gaps: pd.DataFrame | None = None) -> bytes:
    """The gap list (filtered or whole) and the scorecard as one .xlsx, via export.write_xlsx."""

    gaps = gap_list(fs) if gaps is None else gaps
    if "gap_key" in gaps.columns:
        gaps = gap_display(gaps)
    lines = title_lines(fs)
    sheets = {t("network.sheet_gaps"): gaps, t("network.sheet_scorecard"): scorecard_export(fs)}
    return write_xlsx(sheets, title_lines={name: lines for name in sheets})
