"""Tests for txip_geo.ingest.patent_numbers (Chinese patent application numbers)."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from txip_geo.ingest.patent_numbers import (
    PATENT_TYPE_LABELS,
    PatentNumber,
    check_digit,
    dedupe_key,
    normalise_numbers,
    parse_application_number,
    type_from_label,
)

# Real application/patent numbers as published (patent certificates, CV listings, office actions);
# each check digit agrees with the weights-2..9 mod-11 rule.
REAL_NUMBERS = [
    ("201510771082.4", "201510771082.4", "invention", 2015),  # invention, listed with 申请日 2015-11-12
    ("201710173548.X", "201710173548.X", "invention", 2017),  # remainder 10 -> X
    ("ZL 2022 2 0828888.8", "202220828888.8", "utility", 2022),  # utility model, CN 216979871 U
    ("ZL 201730610076.0", "201730610076.0", "design", 2017),  # design patent
    ("2015103059923", "201510305992.3", "invention", 2015),  # office action, written without a dot
    ("ZL 99 1 14725.1", "99114725.1", "invention", 1999),  # old 8-digit format
    ("97101765.4", "97101765.4", "invention", 1997),  # textbook example of the old format
]


# --- check digit ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw, canonical, _type, _year", REAL_NUMBERS)
def test_check_digit_matches_real_published_numbers(raw, canonical, _type, _year):
    digits, expected = canonical.split(".")
    assert check_digit(digits) == expected


def test_check_digit_hand_computed_examples():
    # 2*2+0*3+2*4+3*5+1*6+0*7+1*8+2*9+3*2+4*3+5*4+6*5 = 127; 127 % 11 = 6
    assert check_digit("202310123456") == "6"
    # 9*2+9*3+1*4+2*5+3*6+4*7+5*8+6*9 = 199; 199 % 11 = 1
    assert check_digit("99123456") == "1"
    # 2*2+0*3+1*4+8*5+8*6+0*7+0*8+1*9+2*2+3*3+4*4+5*5 = 159; 159 % 11 = 5
    assert check_digit("201880012345") == "5"
    # 0*2+2*3+1*4 = 10 -> X
    assert check_digit("02100000") == "X"


@pytest.mark.parametrize("bad", ["", "12a4", "２０２３", "2023.1", None])
def test_check_digit_rejects_non_digit_input(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, canonical, patent_type, year", REAL_NUMBERS)
def test_real_numbers_parse_with_correct_check_digit(raw, canonical, patent_type, year):
    assert parse_application_number(raw) == PatentNumber(
        raw=raw, number=canonical, patent_type=patent_type, pct=False, check_ok=True, year=year, error=""
    )


@pytest.mark.parametrize(
    "raw",
    [
        "ZL 2015 1 0771082.4",
        "ZL201510771082.4",
        "zl 201510771082.4",
        "CN201510771082.4",
        "cn 2015 1 0771082.4",
        "2015-1-0771082-4",
        "2015107710824",
        " 201510771082.4\n",
    ],
)
def test_zl_prefix_and_dots_are_removed(raw):
    result = parse_application_number(raw)
    assert result.number == "201510771082.4"
    assert result.check_ok is True
    assert result.error == ""
    assert result.raw == raw


def test_full_width_characters_are_converted():
    result = parse_application_number("ＺＬ２０１７１０１７３５４８．Ｘ")
    assert result.number == "201710173548.X"
    assert result.check_ok is True


def test_lowercase_x_check_digit_is_accepted_and_uppercased():
    assert parse_application_number("201710173548.x").number == "201710173548.X"
    assert parse_application_number("02100000.x").number == "02100000.X"


def test_wrong_check_digit_is_reported_with_expected_digit():
    result = parse_application_number("202310123456.7")
    assert result == PatentNumber(
        raw="202310123456.7",
        number="202310123456.7",
        patent_type="invention",
        pct=False,
        check_ok=False,
        year=2023,
        error="校验位错误（应为 6）",
    )
    assert parse_application_number("99123456.X").error == "校验位错误（应为 1）"
    assert parse_application_number("201710173548.1").error == "校验位错误（应为 X）"


def test_missing_check_digit_is_filled_in_and_not_judged():
    result = parse_application_number("ZL201510771082")
    assert result.number == "201510771082.4"
    assert result.check_ok is None
    assert result.error == ""
    assert parse_application_number("99114725").number == "99114725.1"


def test_pct_entry_is_invention_with_pct_flag():
    result = parse_application_number("201880012345.5")
    assert (result.patent_type, result.pct, result.check_ok, result.year) == ("invention", True, True, 2018)


def test_pct_utility_model_entry():
    result = parse_application_number("ZL 2019 9 0012345.5")
    assert (result.number, result.patent_type, result.pct) == ("201990012345.5", "utility", True)


@pytest.mark.parametrize(
    "raw, patent_type",
    [("202310000001", "invention"), ("202320000001", "utility"), ("202330000001", "design")],
)
def test_fifth_digit_gives_patent_type(raw, patent_type):
    result = parse_application_number(raw)
    assert result.patent_type == patent_type
    assert result.pct is False


def test_old_eight_digit_format():
    assert parse_application_number("ZL01105715.7") == PatentNumber(
        raw="ZL01105715.7",
        number="01105715.7",
        patent_type="invention",
        pct=False,
        check_ok=True,
        year=2001,
        error="",
    )
    assert parse_application_number("00125301.8").year == 2000
    assert parse_application_number("85100001").year == 1985
    old_design = parse_application_number("98300001")
    assert (old_design.patent_type, old_design.year) == ("design", 1998)


def test_old_format_x_check_digit():
    result = parse_application_number("02100000.X")
    assert (result.number, result.check_ok, result.year) == ("02100000.X", True, 2002)


def test_publication_number_is_recognised():
    for raw in ["CN112345678A", "CN212345678U", "CN 120551632 B", "cn301234567s", "CN1292706A"]:
        assert parse_application_number(raw) == PatentNumber(
            raw=raw, number="", patent_type="", pct=False, check_ok=None, year=None, error="这是公开号而非申请号"
        )


@pytest.mark.parametrize(
    "raw, error",
    [
        ("hello", "申请号格式无法识别"),
        ("2023101234", "申请号格式无法识别"),  # 10 digits
        ("20231012345678", "申请号格式无法识别"),  # 14 digits
        ("202310123456.7.8", "申请号格式无法识别"),
        ("申请号202310123456", "申请号格式无法识别"),
        ("202350123456", "申请类型代码无效（5）"),
        ("99423456", "申请类型代码无效（4）"),
        ("199910123456", "申请年份无效（1999）"),  # 12-digit numbers start in 2003
        ("50123456", "申请年份无效（50）"),  # 8-digit years are 85-99 and 00-03
        ("04123456.1", "申请年份无效（04）"),
        ("", "申请号为空"),
        ("  . - ", "申请号为空"),
        (None, "申请号为空"),
        (float("nan"), "申请号为空"),
    ],
)
def test_unparseable_inputs_give_chinese_reason_and_empty_number(raw, error):
    result = parse_application_number(raw)
    assert result.error == error
    assert result.number == ""
    assert result.patent_type == ""
    assert result.check_ok is None
    assert result.year is None


def test_excel_float_is_read_as_integer_digits():
    result = parse_application_number(2015107710824.0)
    assert (result.raw, result.number, result.check_ok) == ("2015107710824", "201510771082.4", True)
    # a float that kept its decimal check digit
    assert parse_application_number(201510305992.3).number == "201510305992.3"
    # check digit 0 lost by Excel: the number is still recovered, check digit recomputed
    assert parse_application_number(201730610076.0).number == "201730610076.0"
    assert parse_application_number(201730610076.0).check_ok is None
    assert parse_application_number(2015107710824).number == "201510771082.4"
    assert parse_application_number(np.int64(2015107710824)).number == "201510771082.4"


@pytest.mark.parametrize(
    "raw", [object(), [], {"a": 1}, b"201510771082.4", Decimal("NaN"), True, float("inf"), -1.5, 1e300, pd.NA]
)
def test_parse_never_raises(raw):
    result = parse_application_number(raw)
    assert isinstance(result, PatentNumber)
    assert isinstance(result.error, str)


# --- labels and dedupe ---------------------------------------------------------------------


def test_patent_type_labels():
    assert PATENT_TYPE_LABELS == {"invention": "发明", "utility": "实用新型", "design": "外观设计"}


@pytest.mark.parametrize(
    "label, code",
    [
        ("发明专利", "invention"),
        ("发明", "invention"),
        ("发明授权", "invention"),
        ("实用新型", "utility"),
        ("实用新型专利", "utility"),
        ("外观设计", "design"),
        ("外观", "design"),
        ("invention", "invention"),
        ("Utility Model", "utility"),
        ("design patent", "design"),
        ("ＩＮＶＥＮＴＩＯＮ", "invention"),
        ("商标", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_type_from_label(label, code):
    assert type_from_label(label) == code


def test_dedupe_key_ignores_check_digit_and_spelling():
    keys = {
        dedupe_key(x)
        for x in ["201510771082.4", "ZL 2015 1 0771082.4", "201510771082", "CN2015107710824", 2015107710824.0]
    }
    assert keys == {"201510771082"}
    assert dedupe_key("99114725.1") == "99114725"
    assert dedupe_key(parse_application_number("99114725")) == "99114725"
    assert dedupe_key("garbage") == ""
    assert dedupe_key("CN112345678A") == ""


# --- vectorised version --------------------------------------------------------------------

VARIED_INPUTS = [
    # valid, various spellings
    "201510771082.4",
    "ZL 2015 1 0771082.4",
    "zl201710173548.x",
    "CN 2022 2 0828888.8",
    "ZL 201730610076.0",
    "2015103059923",
    "97101765.4",
    "ZL 99 1 14725.1",
    "02100000.X",
    "201880012345.5",
    "201990012345.5",
    "2015-1-0771082-4",
    "\ufeff201510771082.4",
    # full-width
    "ＺＬ２０１７１０１７３５４８．Ｘ",
    "２０１５１０７７１０８２．４",
    "２０１５　１　０７７１０８２。４",
    # wrong check digit
    "202310123456.7",
    "99123456.X",
    "201710173548.1",
    # missing check digit
    "201510771082",
    "99114725",
    "CN201880012345",
    # publication numbers
    "CN112345678A",
    "CN 212345678 U",
    "CN1292706A",
    # bad type / year
    "202350123456",
    "199910123456.1",
    "50123456",
    "ZL04123456",
    # garbage / empty
    "hello",
    "申请号：201510771082.4",
    "2023101234",
    "",
    "   ",
    "X",
    # non-strings
    None,
    np.nan,
    2015107710824.0,
    201510305992.3,
    201730610076.0,
    2015107710824,
    99114725,
    -1.5,
]


def _scalar_records(values) -> list[tuple]:
    rows = [parse_application_number(v) for v in values]
    return [(r.number, r.patent_type, r.pct, r.check_ok, r.year, r.error) for r in rows]


def _as_records(frame: pd.DataFrame) -> list[tuple]:
    plain = frame.astype(object)
    return [tuple(None if v is None or v is pd.NA else v for v in row) for row in plain.itertuples(index=False)]


def test_scalar_and_vectorised_agree_on_varied_inputs():
    vectorised = normalise_numbers(pd.Series(VARIED_INPUTS, dtype=object))
    assert list(vectorised.columns) == ["number", "patent_type", "pct", "check_ok", "year", "error"]
    assert _as_records(vectorised) == _scalar_records(VARIED_INPUTS)


def test_scalar_and_vectorised_agree_on_string_and_float_columns():
    strings = [v for v in VARIED_INPUTS if isinstance(v, str)]
    assert _as_records(normalise_numbers(pd.Series(strings))) == _scalar_records(strings)
    floats = [2015107710824.0, 201510305992.3, 201730610076.0, np.nan, 99114725.0, -1.5, np.inf]
    assert _as_records(normalise_numbers(pd.Series(floats))) == _scalar_records(floats)
    ints = [2015107710824, 99114725, 7]
    assert _as_records(normalise_numbers(pd.Series(ints))) == _scalar_records(ints)


def test_vectorised_output_dtypes_and_index():
    series = pd.Series(["201510771082.4", None, "99114725"], index=["a", "b", "c"])
    result = normalise_numbers(series)
    assert list(result.index) == ["a", "b", "c"]
    assert result.loc["a", "number"] == "201510771082.4"
    assert result["pct"].dtype == bool
    assert str(result["check_ok"].dtype) == "boolean"
    assert str(result["year"].dtype) == "Int64"
    assert result.loc["b", "error"] == "申请号为空"
    assert pd.isna(result.loc["c", "check_ok"])
    assert result.loc["c", "year"] == 1999


def test_vectorised_keeps_duplicate_index_rows_in_place():
    series = pd.Series(["２０１５１０７７１０８２．４", "garbage", "ＺＬ９９１１４７２５．１"], index=[1, 1, 0])
    result = normalise_numbers(series)
    assert list(result.index) == [1, 1, 0]
    assert result["number"].tolist() == ["201510771082.4", "", "99114725.1"]


def test_vectorised_accepts_empty_series_and_plain_lists():
    empty = normalise_numbers(pd.Series([], dtype=object))
    assert len(empty) == 0
    assert list(empty.columns) == ["number", "patent_type", "pct", "check_ok", "year", "error"]
    assert normalise_numbers(["ZL99114725.1"])["number"].tolist() == ["99114725.1"]


def test_vectorised_large_series_matches_scalar_results():
    rng = np.random.default_rng(0)
    values = pd.Series(rng.choice(np.array(VARIED_INPUTS[:35], dtype=object), size=50_000))
    result = normalise_numbers(values)
    expected = {v: parse_application_number(v) for v in set(values)}
    assert result["number"].tolist() == [expected[v].number for v in values]
    assert result["error"].tolist() == [expected[v].error for v in values]
