"""Parsing cell values as offices write them: dates, numbers, yes/no flags and status wordings (vectorised)."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from txip_geo.ingest.words import FALSE_WORDS, TRUE_WORDS
from txip_geo.strings import t

_FULLWIDTH = str.maketrans({chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {"\u3000": " "})

EXCEL_EPOCH = date(1899, 12, 30)


def to_halfwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


# Characters str.strip()/to_halfwidth act on beyond ASCII whitespace: non-ASCII spaces and full-width ASCII.
_NEEDS_PYTHON = "[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\uff01-\uff5e]"
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


# What clean_text turns into '' (any case): every spelling, so no lower-cased copy of a column is needed.
_NULL_WORDS = ("nan", "none", "nat", "null")
_NULL_SPELLINGS = sorted({"".join(p) for w in _NULL_WORDS for p in itertools.product(*((c, c.upper()) for c in w))})


def _clean_one(v) -> str:
    return to_halfwidth(str(v)).strip() if v is not None else ""


def clean_text(series: pd.Series) -> pd.Series:
    """Strings stripped, full-width ASCII folded, NaN/None/'nan' → ''."""
    if len(series) and isinstance(series.dtype, pd.StringDtype):
        # Text column (CSV), vectorised: only cells with a full-width character or non-ASCII space go through Python;
        # for the rest, str.strip() is stripping the ASCII whitespace (the same characters str.isspace() knows).
        s = series.fillna("")
        special = s.str.contains(_NEEDS_PYTHON, regex=True).to_numpy(dtype=bool)
        s = s.str.strip(_ASCII_SPACE)
        if special.any():
            codes, uniques = pd.factorize(series[special])  # each distinct value once
            s = s.copy()
            s[special] = np.array([_clean_one(v) for v in uniques], dtype=object)[codes]
    elif len(series) and series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "string":
        # Text only (a CSV column): clean each distinct value once (exports repeat values a lot).
        codes, uniques = pd.factorize(series)  # missing -> -1 -> ''
        cleaned = pd.array([_clean_one(v) for v in uniques] + [""], dtype="str")
        s = pd.Series(cleaned.take(np.where(codes < 0, len(uniques), codes)), index=series.index)
    else:
        s = series.astype("object").where(series.notna(), "")
        s = s.map(_clean_one)
    return s.mask(s.isin(_NULL_SPELLINGS), "")


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.年](0?[1-9]|1[0-2])月?$")


def parse_date_value(value) -> date | None:
    """One cell → date. Raises ValueError with a Chinese reason for text that is not a date; None for empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _excel_serial(float(value))
    text = to_halfwidth(str(value)).strip()
    if not text or text.lower() in ("nan", "nat", "none"):
        return None
    for pat in _DATE_PATTERNS:
        m = pat.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return date(y, mo, d)
            except ValueError:
                raise ValueError(t("ingest_parse.date_missing", text=text)) from None
    m = _YEAR_MONTH.match(text)
    if m:
        raise ValueError(t("ingest_parse.date_no_day", text=text))
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _excel_serial(float(text))
    raise ValueError(t("ingest_parse.date_unknown", text=text))


def _excel_serial(x: float) -> date:
    if not 1 <= x <= 2958465:
        raise ValueError(t("ingest_parse.date_unknown", text=f"{x:g}"))
    return EXCEL_EPOCH + timedelta(days=int(x))


def parse_dates(series: pd.Series, txt: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Vectorised: returns (ISO date strings or '' , error message or '') for each cell. `txt`: clean_text(series),
    when the caller has it already."""
    err = pd.Series("", index=series.index, dtype="object")
    # Fast path: the common ISO form.
    txt = clean_text(series) if txt is None else txt
    iso = txt.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
    values = np.full(len(series), "", dtype=object)
    if iso.any():
        texts = txt[iso]
        parsed = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce")
        good = parsed.notna().to_numpy()
        # A valid date of a four-digit year written YYYY-MM-DD is its own ISO text; others are formatted.
        own = good & (parsed.dt.year >= 1000).to_numpy(dtype=bool, na_value=False)
        iso_values = np.where(own, texts.to_numpy(dtype=object), "")
        if (good & ~own).any():
            iso_values[good & ~own] = parsed[good & ~own].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        values[iso] = iso_values
        iso = iso & (values != "")
    out = pd.Series(values, index=series.index, dtype="object")
    rest = ~iso & txt.ne("").to_numpy(dtype=bool)
    cache: dict = {}
    for idx in series.index[rest]:
        raw = series.at[idx]
        key = raw if isinstance(raw, (str, int, float)) else str(raw)
        if key not in cache:
            try:
                d = parse_date_value(raw)
                cache[key] = (d.isoformat() if d else "", "")
            except ValueError as e:
                cache[key] = ("", str(e))
        out.at[idx], err.at[idx] = cache[key]
    return out, err


def _around(key: str) -> tuple[str, str]:
    """The text of message `key` before and after its {value}, to build a column of messages at once."""
    before, after = t(key, value="\x00").split("\x00")
    return before, after


def parse_bools(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised yes/no: returns (1/0/NaN as float, error or '')."""
    txt = clean_text(series).str.lower()
    val = pd.Series(np.nan, index=series.index, dtype="float64")
    val[txt.isin(TRUE_WORDS)] = 1.0
    val[txt.isin(FALSE_WORDS)] = 0.0
    # Excel numbers come as "1.0"/"0.0"
    val[txt.isin(["1.0"])] = 1.0
    val[txt.isin(["0.0"])] = 0.0
    bad = val.isna() & txt.ne("")
    err = pd.Series("", index=series.index, dtype="object")
    before, after = _around("ingest_parse.not_a_flag")
    err[bad] = before + txt[bad] + after
    return val, err


def parse_numbers(
    series: pd.Series, integer: bool = False, txt: pd.Series | None = None
) -> tuple[pd.Series, pd.Series]:
    """Vectorised numbers with thousands separators and 万/亿 left to the caller's unit; returns (float, error): an
    infinite number, negative number, or a fraction where an integer is asked is an error (the value NaN).
    `txt`: clean_text(series), when the caller has it already."""
    txt = (
        (clean_text(series) if txt is None else txt)
        .str.replace(",", "", regex=False)
        .str.replace("，", "", regex=False)
    )
    txt = txt.str.replace(r"\s+", "", regex=True)
    val = pd.to_numeric(txt.mask(txt.eq("")), errors="coerce")
    err = pd.Series("", index=series.index, dtype="object")
    bad = val.isna() & txt.ne("")
    before, after = _around("ingest_parse.not_a_number")
    err[bad] = before + txt[bad] + after
    infinite = np.isinf(val)  # "inf", "-Infinity", "1e309": never a value an office means
    if infinite.any():
        before, after = _around("plausible.not_finite")
        err[infinite] = before + txt[infinite] + after
        val[infinite] = np.nan
    if integer:
        frac = val.notna() & (val != np.floor(val.fillna(0)))
        before, after = _around("ingest_parse.not_an_integer")
        err[frac] = before + txt[frac] + after
        val[frac] = np.nan
    neg = val < 0
    before, after = _around("ingest_parse.negative")
    err[neg] = before + txt[neg] + after
    val[neg] = np.nan
    return val.astype("float64"), err


def map_status(series: pd.Series, table: list[tuple[str, list[str]]], txt: pd.Series | None = None) -> pd.Series:
    """Vectorised wording → code ('' when nothing matches): each distinct text once. `table`: a status table of
    txip_geo.ingest.words; `txt`: clean_text(series), when the caller has it already."""
    txt = clean_text(series) if txt is None else txt
    codes, uniques = pd.factorize(txt)  # clean_text leaves no missing value
    mapped = np.array(
        [next((code for code, words in table if any(w in u for w in words)), "") for u in uniques] + [""], dtype=object
    )
    return pd.Series(mapped[codes], index=series.index, dtype="object")
