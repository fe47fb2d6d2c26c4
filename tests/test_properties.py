"""Property-based tests (hypothesis): no input crashes the address matcher, the application-number normaliser, the
date parser or the importers; every refusal is a clean error (a Location saying why, an error column, a ValueError
with a Chinese reason, or ImportRejected with a message). Example counts are kept modest so the file runs in < 30 s.
"""

from __future__ import annotations

import csv
import io
import math
import os
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from txip_geo import schema
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.errors import ImportRejected
from txip_geo.ingest import parse
from txip_geo.ingest import patent_numbers as patents
from txip_geo.ingest.importer import prepare
from txip_geo.locate.address import AddressMatcher
from txip_geo.locate.location import METHODS, Location

# TXIP_PROPERTY_SCALE=20 runs twenty times as many examples (a deeper search before a release).
SCALE = max(1, int(os.environ.get("TXIP_PROPERTY_SCALE", "1") or 1))
FAST = settings(
    max_examples=150 * SCALE,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(
    max_examples=25 * SCALE,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

GAZ = load_gazetteer()
# Real fragments make the random text hit the interesting paths (names, old names, parks, villages, outside places).
FRAGMENTS = sorted(
    {u.name for u in GAZ.units}
    | {u.short_name for u in GAZ.units}
    | {o.name for o in GAZ.old_names}
    | {n for p in GAZ.parks for n in p.names}
    | {v.name + "村" for v in GAZ.villages[:60]}
    | {r["name"] for r in GAZ.outside_places[:40]}
    | {"泰兴市", "泰兴", "江苏省", "泰州市", "路", "街道", "号", "东路", "社区", "新村", "花园", "大道"}
)
NASTY = [
    "",
    " ",
    "\u3000",
    "nan",
    "None",
    "NaT",
    "null",
    "<NA>",
    "-",
    "—",
    "\x00",
    "\ufeff",
    "\u200b",
    "=1+1",
    "@SUM(A1)",
    "<img src=x onerror=alert(1)>",
    "合计",
    "１２３",
    "ＣＮ",
    "\r\n",
    "\t",
    "'",
    '"',
    ",",
    ";",
    "𠀀",
    "🙂",
]

text_pieces = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(NASTY),
    st.text(max_size=6),
    st.text(alphabet="0123456789-./年月日号弄栋室", max_size=6),
)
addresses = st.lists(text_pieces, max_size=8).map("".join)
cell_scalars = st.one_of(
    st.none(),
    st.text(max_size=30),
    addresses,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(),
    st.sampled_from(NASTY),
)


# -- the address matcher ----------------------------------------------------------------------------------------------

MATCHER = AddressMatcher(GAZ)


@FAST
@given(st.one_of(addresses, st.text(), cell_scalars))
def test_address_matcher_always_answers_with_a_reason(value):
    loc = MATCHER.match(value)
    assert isinstance(loc, Location)
    assert loc.method in METHODS
    assert isinstance(loc.note, str) and loc.note  # every answer says why, in words
    assert loc.unit_code == "" or loc.unit_code in GAZ.by_code
    assert loc.park_code == "" or loc.park_code in GAZ.park_by_code
    if loc.method in ("unassigned", "outside"):
        assert loc.unit_code == ""
    assert MATCHER.match(value) == loc  # deterministic (and the cache returns the same answer)


# -- application numbers ----------------------------------------------------------------------------------------------

number_like = st.builds(
    lambda pre, year, typ, serial, sep, check: f"{pre}{year}{sep}{typ}{serial}{'.' if check else ''}{check}",
    st.sampled_from(["", "CN", "ZL", "cn", "ＣＮ", "zl "]),
    st.one_of(st.integers(1985, 2099).map(str), st.integers(0, 99).map(lambda y: f"{y:02d}")),
    st.sampled_from("0123456789"),
    st.one_of(
        st.text(alphabet="0123456789", min_size=5, max_size=7), st.text(alphabet="0123456789０１２ .-", max_size=9)
    ),
    st.sampled_from(["", " ", ".", "-", "\u3000"]),
    st.sampled_from(["", "0", "5", "X", "x", "Ｘ", "10"]),
)
app_numbers = st.one_of(number_like, st.text(max_size=20), cell_scalars)


def _scalar_row(p: patents.PatentNumber) -> dict:
    return {
        "number": p.number,
        "patent_type": p.patent_type,
        "pct": p.pct,
        "check_ok": p.check_ok,
        "year": p.year,
        "error": p.error,
    }


def _frame_row(df: pd.DataFrame, i: int) -> dict:
    r = df.iloc[i]
    na = lambda v: None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v  # noqa: E731
    return {
        "number": r["number"],
        "patent_type": r["patent_type"],
        "pct": bool(r["pct"]),
        "check_ok": None if na(r["check_ok"]) is None else bool(r["check_ok"]),
        "year": None if na(r["year"]) is None else int(r["year"]),
        "error": r["error"],
    }


@FAST
@given(app_numbers)
def test_application_number_never_raises(value):
    p = patents.parse_application_number(value)
    assert isinstance(p, patents.PatentNumber)
    assert (p.number == "") == bool(p.error) or p.check_ok is False  # a number, or a reason (or a check warning)
    if p.number:
        assert p.patent_type in patents.PATENT_TYPE_LABELS and p.year is not None
        assert patents.parse_application_number(p.number).number == p.number  # canonical form is a fixed point


@FAST
@given(st.lists(app_numbers, max_size=12))
def test_vectorised_numbers_agree_with_the_scalar_parser(values):
    for series in (pd.Series(values, dtype=object), pd.Series([v for v in values if isinstance(v, str)], dtype="str")):
        df = patents.normalise_numbers(series)
        assert list(df.index) == list(series.index)
        for i, v in enumerate(series.tolist()):
            assert _frame_row(df, i) == _scalar_row(patents.parse_application_number(v)), v


# -- dates --------------------------------------------------------------------------------------------------------------

date_like = st.one_of(
    st.builds(
        lambda y, m, d, s1, s2, tail: f"{y}{s1}{m}{s2}{d}{tail}",
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
        st.sampled_from(["-", "/", ".", "年", ""]),
        st.sampled_from(["-", "/", ".", "月", ""]),
        st.sampled_from(["", "日", " 10:30", "T08:00:00", " 1:2", "号"]),
    ),
    st.integers(-5, 3_000_000),
    st.floats(-1e7, 1e7),
    st.text(alphabet="0123456789-./年月日 ", max_size=12),
)
date_values = st.one_of(date_like, cell_scalars)


def _scalar_date(v) -> tuple[str, str]:
    try:
        d = parse.parse_date_value(v)
    except ValueError as e:
        assert str(e), "a refusal must say why"
        return "", str(e)
    assert d is None or isinstance(d, date)
    return (d.isoformat() if d else ""), ""


@FAST
@given(date_values)
def test_date_parser_returns_a_date_or_a_reason(value):
    _scalar_date(value)  # anything but ValueError would propagate and fail the test


@FAST
@given(st.lists(date_values, max_size=10))
def test_vectorised_dates_agree_with_the_scalar_parser(values):
    series = pd.Series(values, dtype=object)
    out, err = parse.parse_dates(series)
    for i, v in enumerate(values):
        got = (out.iloc[i], err.iloc[i])
        want = _scalar_date(v)
        if got == want:
            continue
        if got[1] and want[1]:
            continue  # both refused; the vectorised cache keys equal numbers together (0 and -0.0 name the same value)
        # the vectorised parser skips cells whose text is empty or 'nan'/'none' …: those are blanks
        assert got == ("", "") and parse.clean_text(pd.Series([v], dtype=object)).iloc[0] == "", (v, got, want)


@FAST
@given(
    st.lists(st.one_of(cell_scalars, st.text(alphabet="0123456789,，. -万", max_size=10)), max_size=10), st.booleans()
)
def test_numbers_and_flags_never_raise(values, integer):
    series = pd.Series(values, dtype=object)
    val, err = parse.parse_numbers(series, integer=integer)
    assert ((err != "") | val.isna() | (val >= 0)).all()
    bval, berr = parse.parse_bools(series)
    assert bval.dropna().isin([0.0, 1.0]).all() and len(berr) == len(values)


# -- importers ---------------------------------------------------------------------------------------------------------

KIND_NAMES = sorted(schema.KINDS)
SUFFIXES = [".csv", ".txt", ".xlsx", ".xls", ".xlsm", ".CSV", ""]


def _prepare_cleanly(kind: str, data: bytes, name: str):
    try:
        records, report = prepare(kind, data, name, as_of="2026-10-31")
    except ImportRejected as e:
        assert e.report.status == "rejected" and isinstance(e.report.message, str) and e.report.message
        assert name in e.report.message or "文件" in e.report.message
        return None
    assert report.rows_imported == len(records)
    return records


@SLOW
@given(st.sampled_from(KIND_NAMES), st.binary(max_size=3000), st.sampled_from(SUFFIXES))
def test_prepare_on_random_bytes_is_clean(kind, data, suffix):
    _prepare_cleanly(kind, data, "随机" + suffix)


@SLOW
@given(
    st.sampled_from(KIND_NAMES),
    st.sampled_from([".xlsx", ".xls", ".csv"]),
    st.binary(min_size=1, max_size=400),
    st.integers(0, 10_000),
)
def test_prepare_on_damaged_real_files_is_clean(kind, suffix, junk, at):
    """A real header + rows, then bytes overwritten somewhere (a truncated or damaged download)."""
    data = _file_bytes(kind, [[f"{i}" for i in range(len(_headers(kind)))]] * 3, suffix)
    at = at % max(len(data), 1)
    _prepare_cleanly(kind, data[:at] + junk + data[at + len(junk) :], "损坏" + suffix)


def _headers(kind: str) -> list[str]:
    return [f.header for f in schema.input_fields(schema.KINDS[kind])]


def _cell_text(v) -> str:
    return "" if v is None else str(v)


def _file_bytes(kind: str, rows: list[list], suffix: str, encoding: str = "utf-8") -> bytes:
    headers = _headers(kind)
    if suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(headers)
        for r in rows:
            ws.append([_xlsx_cell(v) for v in r])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    if suffix == ".xls":
        import xlwt

        wb = xlwt.Workbook()
        ws = wb.add_sheet("数据")
        for j, h in enumerate(headers):
            ws.write(0, j, h)
        for i, r in enumerate(rows[:200], start=1):
            for j, v in enumerate(r):
                ws.write(i, j, _cell_text(v)[:200])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    w.writerows([[_cell_text(v) for v in r] for r in rows])
    return buf.getvalue().encode(encoding, errors="replace")


_ILLEGAL_XML = str.maketrans({c: None for c in map(chr, [*range(0, 9), 11, 12, *range(14, 32)])})


def _xlsx_cell(v):
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
        return str(v)
    if isinstance(v, (date, datetime)) and v.year < 1900:
        return v.isoformat()
    if isinstance(v, str):
        return v.translate(_ILLEGAL_XML)
    return v


def _column_cells(f: schema.Field):
    by_type = {
        "date": date_values,
        "int": st.one_of(st.integers(-5, 10**6), st.text(alphabet="0123456789,. -", max_size=8), cell_scalars),
        "float": st.one_of(st.floats(allow_nan=True), st.text(alphabet="0123456789,.E -", max_size=8), cell_scalars),
        "bool": st.one_of(st.sampled_from(["是", "否", "1", "0", "Y", "N", "√", "×", "有", ""]), cell_scalars),
    }
    special = {
        "app_no": app_numbers,
        "address": addresses,
        "area_name": addresses,
        "park_name": addresses,
        "area_code": st.one_of(st.sampled_from(GAZ.codes + ["321283", "32128300", "abc"]), cell_scalars),
        "lon": st.one_of(st.floats(73, 136), st.floats(-400, 400), cell_scalars),
        "lat": st.one_of(st.floats(3, 54), st.floats(-400, 400), cell_scalars),
        "datum": st.one_of(
            st.sampled_from(["WGS84", "GCJ02", "CGCS2000", "高德", "EPSG:4326", "火星", ""]), cell_scalars
        ),
        "status": st.one_of(
            st.sampled_from(["有效", "审中", "失效", "已注册", "已结案", "受理", "撤销", "运行"]), cell_scalars
        ),
        "case_kind": st.one_of(st.sampled_from(["查处", "调解", "纠纷"]), cell_scalars),
        "goal_id": st.one_of(st.sampled_from(["G01", "g16", "M04", "X99"]), cell_scalars),
        "area": st.one_of(st.sampled_from([u.name for u in GAZ.units] + ["滨江园区", "别处"]), cell_scalars),
    }
    if f.name in special:
        return special[f.name]
    return by_type.get(f.type, cell_scalars)


@st.composite
def random_files(draw):
    kind = draw(st.sampled_from(KIND_NAMES))
    fields = schema.input_fields(schema.KINDS[kind])
    n = draw(st.integers(0, 6))
    rows = [[draw(_column_cells(f)) for f in fields] for _ in range(n)]
    suffix = draw(st.sampled_from([".csv", ".csv", ".xlsx"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return kind, rows, suffix, encoding


@SLOW
@given(random_files(), st.booleans())
def test_prepare_on_random_cells_is_clean(spec, skip_invalid):
    kind, rows, suffix, encoding = spec
    data = _file_bytes(kind, rows, suffix, encoding)
    try:
        records, report = prepare(kind, data, "随机单元格" + suffix, as_of="2026-10-31", skip_invalid=skip_invalid)
    except ImportRejected as e:
        assert e.report.message and e.report.status == "rejected"
        return
    k = schema.KINDS[kind]
    assert 0 < len(records) <= len(rows) and report.rows_imported == len(records)
    for f in k.required:  # an accepted row has every required field
        assert records[f].notna().all()
    if k.located:
        assert records["assign_method"].isin(METHODS).all()
        assert records["assign_note"].map(lambda s: isinstance(s, str) and s != "").all()
    for f in schema.input_fields(k):
        if f.type == "date":
            assert records[f.name].fillna("").str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all()


def _outcome(kind: str, data: bytes, name: str, skip_invalid: bool, chunk_rows: int | None):
    """The report and the records as they would be stored (Python values, column by column), or the rejection."""
    try:
        records, report = prepare(
            kind, data, name, as_of="2026-10-31", skip_invalid=skip_invalid, chunk_rows=chunk_rows
        )
    except ImportRejected as e:
        return "rejected", e.report.to_dict()
    stored = {c: records[c].astype(object).where(records[c].notna(), None).tolist() for c in records.columns}
    return report.to_dict(), stored


@SLOW
@given(random_files(), st.booleans())
def test_chunked_prepare_equals_one_pass_over_the_file(spec, skip_invalid):
    """Read, checked and located two rows at a time, any file gives the records and the report of one pass."""
    kind, rows, suffix, encoding = spec
    data = _file_bytes(kind, rows, suffix, encoding)
    name = "随机单元格" + suffix
    assert _outcome(kind, data, name, skip_invalid, 2) == _outcome(kind, data, name, skip_invalid, None)


@pytest.mark.parametrize("value", ["", "   ", "\x00\x00", "合计", "\ufeff"])
def test_prepare_on_degenerate_files(value):
    assert _prepare_cleanly("patents", value.encode("utf-8"), "空.csv") is None
