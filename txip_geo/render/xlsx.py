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

from txip_geo import schema
from txip_geo.present.goal_tables import located_records, no_township_mask
from txip_geo.strings import t

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


# -- the data page's list of records not counted for any township ------------------------------------------------------
def _location_text(row: dict) -> str:
    """The location text the locator worked from: the area fields and address as written, or the coordinates."""
    parts = []
    for f in schema.LOCATION_FIELDS:
        if f.name in ("lon", "lat", "datum"):
            continue
        v = row.get(f.name)
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip():
            parts.append(f"{f.header}：{str(v).strip()}")
    lon, lat = row.get("lon"), row.get("lat")
    if lon is not None and lat is not None and not pd.isna(lon) and not pd.isna(lat):
        datum = row.get("datum") or "WGS84"
        parts.append(f"{t('data.coords')}：{float(lon):.6f}, {float(lat):.6f}（{datum}）")
    if parts:
        return "；".join(parts)
    # No location at all: the record's name (never a personal-data field) helps find it in the source file.
    for name in _NAME_FIELDS:
        v = row.get(name)
        if v is not None and not pd.isna(v) and str(v).strip():
            return t("data.no_location_named", name=str(v).strip())
    return t("data.no_location")


# Fields that name a record (first present wins), for records without any location text; none is personal data.
_NAME_FIELDS = ("applicant", "registrant", "name", "pledgor", "title")


def heading_lines(fs, title: str) -> list[str]:
    """Title lines above an exported table: the title, the sample note, the as-of date, the 示意边界 notice."""
    lines = [title]
    if fs.is_sample:
        lines.append(t("app.sample_badge"))
    if fs.as_of:
        lines.append(t("app.as_of", date=fs.as_of))
    if fs.schematic_notice:
        lines.append(fs.schematic_notice)
    return lines


def unassigned_table(fs, store=None, personal: bool = True) -> pd.DataFrame:
    """Records of every located kind that count for no township — assign_method 'unassigned', or a park whose host
    township is not known (the rule of FigureSet.unassigned) — followed by those outside Taixing (assign_method
    'outside', never counted). Chinese columns: 数据类型, 原文件行号, 文件, 记录编号, 地址/名称, 归属方式, 说明.

    A FigureSet keeps the no-township records but drops the outside-Taixing ones, so pass the store to list those
    too; the snapshot used is the FigureSet's (settings.as_of). personal=False masks personal data (viewers)."""
    if store is not None:  # only the rows listed here: a million patents are not loaded for their few unassigned
        records = located_records(store, fs.settings.as_of, no_township=True)
    else:  # the counted records without a township (a FigureSet has no outside records)
        records = fs.no_township_records if fs.no_township_records is not None else fs.records
    if not personal:
        from txip_geo.store.auth import redact_frame

        records = {k: redact_frame(v, k) for k, v in records.items()}
    cols = [t("data.col_kind"), t("data.col_row"), t("data.col_file"), t("data.col_record"), t("data.col_text"),
            t("data.col_method"), t("data.col_note")]
    rows = []
    for ki, (k, kind) in enumerate(schema.KINDS.items()):
        df = records.get(k)
        if not kind.located or df is None or df.empty:
            continue
        group = pd.Series(-1, index=df.index)
        group[no_township_mask(df)] = 0
        group[df["assign_method"] == "outside"] = 1
        id_field = kind.fields[0].name
        for g, r in zip(group[group >= 0], df[group >= 0].to_dict("records")):
            rows.append({
                "_g": int(g), "_k": ki,
                cols[0]: kind.label,
                cols[1]: int(r["row_no"]),
                cols[2]: r.get("file_name") or "",
                cols[3]: "" if pd.isna(r.get(id_field)) else str(r.get(id_field)),
                cols[4]: _location_text(r),
                cols[5]: schema.ASSIGN_METHODS.get(r["assign_method"], r["assign_method"]),
                cols[6]: r.get("assign_note") or "",
            })
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows).sort_values(["_g", "_k", cols[1]], kind="stable")
    return out[cols].reset_index(drop=True)
