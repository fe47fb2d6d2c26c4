"""Parse, validate and normalise Chinese patent application numbers (申请号)."""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from txip_geo.ingest import words
from txip_geo.strings import t

__all__ = [
    "PATENT_TYPE_LABELS",
    "PatentNumber",
    "check_digit",
    "dedupe_key",
    "normalise_numbers",
    "parse_application_number",
    "type_from_label",
]

PATENT_TYPE_LABELS = words.PATENT_TYPE_LABELS  # code -> Chinese name

# Type digit (5th digit of the 12-digit form, 3rd digit of the 8-digit form).
# 8 and 9 are PCT international applications entering the Chinese national phase.
_TYPE_BY_DIGIT = {
    "1": "invention",
    "2": "utility",
    "3": "design",
    "8": "invention",
    "9": "utility",
}
_PCT_DIGITS = frozenset("89")

# The 12-digit form was introduced on 2003-10-01; the upper bound only rejects
# obviously wrong years and does not depend on today's date (pure function).
NEW_FORMAT_FIRST_YEAR = 2003
NEW_FORMAT_LAST_YEAR = 2099
# Two-digit years of the 8-digit form: 85-99 -> 19xx, 00-03 -> 20xx.
OLD_FORMAT_FIRST_YY = 85
OLD_FORMAT_LAST_YY = 3

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)
_CHECK_CHARS = "0123456789X"

ERROR_EMPTY = t("ingest_patent.empty")
ERROR_UNRECOGNISED = t("ingest_patent.unrecognised")
ERROR_PUBLICATION = t("ingest_patent.publication")


def _error_bad_check(expected: str) -> str:
    return t("ingest_patent.bad_check", expected=expected)


def _error_bad_year(year_text: str) -> str:
    return t("ingest_patent.bad_year", year=year_text)


def _error_bad_type(digit: str) -> str:
    return t("ingest_patent.bad_type", digit=digit)


def _build_translation() -> dict[int, int | None]:
    """Full-width -> half-width, a-z -> A-Z, separators/invisible characters deleted."""
    table: dict[int, int | None] = {}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII block
        table[code] = code - 0xFEE0
    for code in range(ord("a"), ord("z") + 1):
        table[code] = code - 32
    for code in range(0xFF41, 0xFF5B):  # full-width a-z straight to A-Z
        table[code] = code - 0xFEE0 - 32
    deleted = (
        " \t\n\r\v\f"  # ASCII whitespace
        ".-"  # dots and hyphens
        "\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"  # nbsp, ideographic/thin/zero-width spaces, BOM
        "\uff0e\u3002\ufe52\u00b7"  # full-width dot, ideographic full stop, small dot, middle dot
        "\uff0d\u2010\u2011\u2012\u2013\u2014\u2212"  # full-width hyphen, dashes, minus
    )
    for ch in deleted:
        table[ord(ch)] = None
    return table


_TRANSLATION = _build_translation()
# What _TRANSLATION does to pure-ASCII text, as a regex (used by the vectorised path).
_ASCII_SEPARATORS = r"[\t\n\v\f\r .\-]"

# Patterns are applied to the compacted text (translated, separators removed, uppercase).
# Only [0-9] is used (never \d) so that Python's re and pyarrow's RE2 agree exactly.
_PUBLICATION_PATTERN = r"CN[0-9]{7,9}[ABCDSUY][0-9]?"
# Optional CN/ZL prefix, 12 or 8 digits, optional check character.
_APPLICATION_PATTERN = r"(?:CN|ZL)?([0-9]{12}|[0-9]{8})([0-9X]?)"
_PUBLICATION_RE = re.compile(_PUBLICATION_PATTERN)
_APPLICATION_RE = re.compile(_APPLICATION_PATTERN)


@dataclass(frozen=True)
class PatentNumber:
    """Result of parsing one application number."""

    raw: str  # the input as text ('' for None/NaN)
    number: str  # canonical 'YYYYTNNNNNNN.C' or 'YYTNNNNN.C', check digit uppercase; '' when unparseable
    patent_type: str  # 'invention' | 'utility' | 'design' | ''
    pct: bool  # PCT application entering the national phase (type digit 8 or 9)
    check_ok: bool | None  # None when no check digit was given
    year: int | None  # application year
    error: str  # '' or a Chinese reason


def check_digit(digits: str) -> str:
    """Check character for the digits before the dot: weights 2..9 repeating, sum mod 11, 10 -> 'X'."""
    if not isinstance(digits, str) or not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"check_digit expects a non-empty string of ASCII digits, got {digits!r}")
    total = sum(int(ch) * _WEIGHTS[i % len(_WEIGHTS)] for i, ch in enumerate(digits))
    return _CHECK_CHARS[total % 11]


def _to_text(value: object) -> str:
    """Turn a cell value into text; integral floats (Excel) lose their '.0'; None/NaN -> ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        f = float(value)
        if math.isnan(f):
            return ""
        if math.isfinite(f) and f.is_integer() and abs(f) < 2**63:
            return str(int(f))
        return repr(f)
    try:
        if pd.isna(value) is True:
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _failed(raw: str, error: str) -> PatentNumber:
    return PatentNumber(raw=raw, number="", patent_type="", pct=False, check_ok=None, year=None, error=error)


def parse_application_number(raw: object) -> PatentNumber:
    """Parse one application number (str, number or None); never raises."""
    try:
        text = _to_text(raw)
    except Exception:  # an exotic object whose __str__ fails
        return _failed("", ERROR_UNRECOGNISED)
    compact = text.translate(_TRANSLATION)
    if not compact:
        return _failed(text, ERROR_EMPTY)
    if _PUBLICATION_RE.fullmatch(compact):
        return _failed(text, ERROR_PUBLICATION)
    match = _APPLICATION_RE.fullmatch(compact)
    if not match:
        return _failed(text, ERROR_UNRECOGNISED)

    base, given = match.groups()
    if len(base) == 12:
        year_text, type_digit = base[:4], base[4]
        year = int(year_text)
        year_ok = NEW_FORMAT_FIRST_YEAR <= year <= NEW_FORMAT_LAST_YEAR
    else:
        year_text, type_digit = base[:2], base[2]
        yy = int(year_text)
        year = 1900 + yy if yy >= OLD_FORMAT_FIRST_YY else 2000 + yy
        year_ok = yy >= OLD_FORMAT_FIRST_YY or yy <= OLD_FORMAT_LAST_YY
    if not year_ok:
        return _failed(text, _error_bad_year(year_text))
    if type_digit not in _TYPE_BY_DIGIT:
        return _failed(text, _error_bad_type(type_digit))

    expected = check_digit(base)
    check_ok = (given == expected) if given else None
    return PatentNumber(
        raw=text,
        number=f"{base}.{given or expected}",
        patent_type=_TYPE_BY_DIGIT[type_digit],
        pct=type_digit in _PCT_DIGITS,
        check_ok=check_ok,
        year=year,
        error=_error_bad_check(expected) if check_ok is False else "",
    )


def dedupe_key(number: object) -> str:
    """Canonical number without its check digit ('' when unparseable), e.g. '202310123456'."""
    parsed = number if isinstance(number, PatentNumber) else parse_application_number(number)
    return parsed.number.split(".", 1)[0]


# A type label's noise words (dropped) and the wordings of each type (data/ingest_words.toml [patent_types]).
_LABEL_NOISE_WORDS = words.PATENT_LABEL_NOISE_EN
_LABEL_NOISE_ZH = words.PATENT_LABEL_NOISE_ZH
_LABELS_TO_TYPE = words.PATENT_TYPE_BY_LABEL


def type_from_label(text: object) -> str:
    """Map a type label (发明专利, 实用新型, 外观, 'utility model', ...) to a code; '' when unknown."""
    if not isinstance(text, str):
        return ""
    cleaned = text.translate({k: v for k, v in _TRANSLATION.items() if v is not None}).strip().lower()
    cleaned = re.sub(r"[()\[\]（）【】:：_\-]", " ", cleaned)
    for noise in _LABEL_NOISE_ZH:
        cleaned = cleaned.replace(noise.lower(), " ")
    parts = [w for w in re.findall(r"[a-z]+|[^\sa-z]+", cleaned) if w not in _LABEL_NOISE_WORDS]
    if not parts:
        return ""
    if all(w.isascii() for w in parts):
        key = " ".join(parts)
    else:
        key = "".join(parts)
    return _LABELS_TO_TYPE.get(key, "")


# ---------------------------------------------------------------------------
# Vectorised version
# ---------------------------------------------------------------------------

_WEIGHTS_12 = np.array([_WEIGHTS[i % 8] for i in range(12)], dtype=np.int32)


def _series_to_text(series: pd.Series) -> pd.Series:
    """Text of each cell exactly as _to_text would give it, as a pandas string Series."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return series.fillna("").astype("str")
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return series.astype("str")
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = series.to_numpy(dtype=np.float64)
        out = np.full(len(values), "", dtype=object)
        with np.errstate(invalid="ignore"):
            integral = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2.0**63)
        out[integral] = values[integral].astype(np.int64).astype(str).astype(object)
        other = ~integral & ~np.isnan(values)
        if other.any():
            out[other] = [repr(float(v)) for v in values[other]]
        return pd.Series(out, index=series.index, dtype="str")
    as_object = series.astype(object)
    if pd.api.types.infer_dtype(as_object, skipna=True) in ("string", "empty"):
        return as_object.where(as_object.notna(), "").astype("str")
    # Mixed object column (e.g. read from Excel): only the type conversion is per element.
    return as_object.map(_to_text).astype("str")


def _compact(text: pd.Series) -> pd.Series:
    """Vectorised text.translate(_TRANSLATION): regex for ASCII rows, translate for the rest."""
    compact = text.str.replace(_ASCII_SEPARATORS, "", regex=True).str.upper()
    non_ascii = text.str.contains(r"[^\x00-\x7f]", regex=True)
    if non_ascii.any():
        compact = compact.copy()
        translated = [t.translate(_TRANSLATION) for t in text[non_ascii].tolist()]
        compact[non_ascii.to_numpy(dtype=bool)] = np.array(translated, dtype=object)
    return compact


def normalise_numbers(series: pd.Series) -> pd.DataFrame:
    """Vectorised parse_application_number: columns number, patent_type, pct, check_ok, year, error."""
    if not isinstance(series, pd.Series):
        series = pd.Series(list(series), dtype=object)
    n = len(series)
    number = np.full(n, "", dtype=object)
    patent_type = np.full(n, "", dtype=object)
    error = np.full(n, "", dtype=object)
    pct = np.zeros(n, dtype=bool)
    check_ok = np.zeros(n, dtype=bool)
    check_given = np.zeros(n, dtype=bool)
    year = np.zeros(n, dtype=np.int64)
    year_known = np.zeros(n, dtype=bool)

    if n:
        compact = _compact(_series_to_text(series.reset_index(drop=True)))  # positional from here on
        lengths = compact.str.len().to_numpy(dtype=np.int64)
        empty = lengths == 0
        publication = compact.str.fullmatch(_PUBLICATION_PATTERN).to_numpy(dtype=bool, na_value=False)
        matched = compact.str.fullmatch(_APPLICATION_PATTERN).to_numpy(dtype=bool, na_value=False)
        publication = publication & ~empty
        matched = matched & ~empty & ~publication
        error[empty] = ERROR_EMPTY
        error[publication] = ERROR_PUBLICATION
        error[~empty & ~publication & ~matched] = ERROR_UNRECOGNISED

        idx = np.flatnonzero(matched)
        if idx.size:
            _fill_matched(
                compact.iloc[idx].tolist(),
                lengths[idx],
                idx,
                number,
                patent_type,
                error,
                pct,
                check_ok,
                check_given,
                year,
                year_known,
            )

    index = series.index
    return pd.DataFrame(
        {
            "number": pd.Series(number, dtype="str", index=index),
            "patent_type": pd.Series(patent_type, dtype="str", index=index),
            "pct": pd.Series(pct, dtype=bool, index=index),
            "check_ok": pd.Series(pd.arrays.BooleanArray(check_ok, ~check_given), index=index),
            "year": pd.Series(pd.arrays.IntegerArray(year, ~year_known), index=index),
            "error": pd.Series(error, dtype="str", index=index),
        },
        index=index,
    )


_ZERO, _DOT = ord("0"), ord(".")
_CHECK_BYTES = np.frombuffer(_CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_TYPE_CODES = np.array([_TYPE_BY_DIGIT.get(str(d), "") for d in range(10)], dtype=object)
_TYPE_MESSAGES = np.array([_error_bad_type(str(d)) for d in range(10)], dtype=object)
_CHECK_MESSAGES = np.array([_error_bad_check(c) for c in _CHECK_CHARS], dtype=object)


def _fill_matched(texts, lengths, idx, number, patent_type, error, pct, check_ok, check_given, year, year_known):
    """Numpy part of normalise_numbers for rows matching _APPLICATION_PATTERN (pure ASCII, <= 15 chars)."""
    raw = np.array(texts, dtype="S15").view(np.uint8).reshape(-1, 15)  # zero-padded on the right
    prefixed = raw[:, 0] > ord("9")  # starts with CN or ZL
    body = raw[:, 0:13].copy()  # (m, 13) uint8, prefix removed
    body[prefixed] = raw[prefixed, 2:15]
    body_len = lengths - 2 * prefixed
    new = body_len >= 12
    base_len = np.where(new, 12, 8)
    rows = np.arange(len(body))

    digits = body[:, :12].astype(np.int32) - _ZERO  # padding bytes give -48, zeroed next
    digits[~new, 8:] = 0  # old form: only 8 digits, weights 2..9
    given = np.where(body_len > base_len, body[rows, base_len], 0).astype(np.int64)  # byte or 0
    has_given = given != 0

    year_new = digits[:, :4] @ np.array([1000, 100, 10, 1], dtype=np.int32)
    yy = digits[:, 0] * 10 + digits[:, 1]
    year_old = np.where(yy >= OLD_FORMAT_FIRST_YY, 1900 + yy, 2000 + yy)
    year_m = np.where(new, year_new, year_old)
    year_ok = np.where(
        new,
        (year_new >= NEW_FORMAT_FIRST_YEAR) & (year_new <= NEW_FORMAT_LAST_YEAR),
        (yy >= OLD_FORMAT_FIRST_YY) | (yy <= OLD_FORMAT_LAST_YY),
    )
    type_digit = np.where(new, digits[:, 4], digits[:, 2])
    type_m = _TYPE_CODES[type_digit]
    type_ok = type_m != ""

    remainder = (digits @ _WEIGHTS_12) % 11
    expected = _CHECK_BYTES[remainder].astype(np.int64)
    ok_m = given == expected

    bad_year = ~year_ok
    bad_type = year_ok & ~type_ok
    good = year_ok & type_ok
    bad_check = good & has_given & ~ok_m

    if bad_year.any():
        year_digits = np.where(new, year_new, yy)[bad_year].astype(str)
        year_text = np.strings.zfill(year_digits, np.where(new, 4, 2)[bad_year])
        prefix, suffix = _error_bad_year("{}").split("{}")
        error[idx[bad_year]] = np.strings.add(np.strings.add(prefix, year_text), suffix).astype(object)
    error[idx[bad_type]] = _TYPE_MESSAGES[type_digit[bad_type]]
    error[idx[bad_check]] = _CHECK_MESSAGES[remainder[bad_check]]

    # Canonical text 'base.C' assembled as bytes: 14 wide for the new form, 10 (+ zero padding) for the old.
    out = np.zeros((len(body), 14), dtype=np.uint8)
    check_byte = np.where(has_given, given, expected).astype(np.uint8)
    rows_new, rows_old = np.flatnonzero(new), np.flatnonzero(~new)
    out[rows_new, :12] = body[rows_new, :12]
    out[rows_new, 12] = _DOT
    out[rows_new, 13] = check_byte[rows_new]
    out[rows_old, :8] = body[rows_old, :8]
    out[rows_old, 8] = _DOT
    out[rows_old, 9] = check_byte[rows_old]
    canonical = out.view("S14").ravel().astype("U14").astype(object)

    g = idx[good]
    number[g] = canonical[good]
    patent_type[g] = type_m[good]
    pct[g] = (type_digit[good] == 8) | (type_digit[good] == 9)
    year[g] = year_m[good]
    year_known[g] = True
    check_given[g] = has_given[good]
    check_ok[g] = ok_m[good]
