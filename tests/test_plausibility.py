"""The plausibility rules (data/plausibility.toml, ingest.plausible): every date and number field of every kind has
one, with its sources; for random values of each such field the importer either refuses the row with a message naming
it or keeps a value within the field's range (read here from the rules file itself); the reading of separators,
encodings and two columns read as one field."""

from __future__ import annotations

import csv
import io
import math
import os
import tomllib
from datetime import date

import hostile_files
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from txip_geo import schema
from txip_geo.errors import ImportRejected
from txip_geo.ingest import plausible
from txip_geo.ingest.importer import prepare
from txip_geo.ingest.read import Source, looks_big5, sniff_separator
from txip_geo.paths import DATA_DIR

AS_OF = hostile_files.AS_OF
with open(DATA_DIR / "plausibility.toml", "rb") as _f:
    RULES = tomllib.load(_f)
# Checked elsewhere, with their own messages: 国际分类 in ingest/derive.py (1–45).
CHECKED_ELSEWHERE = {("trademarks", "nice_class"): (1, 45)}
CHECKED_FIELDS = [
    (k.name, f.name) for k in schema.KINDS.values() for f in k.fields if f.type in ("int", "float", "date")
]


def test_every_number_and_date_field_of_every_kind_has_a_rule():
    missing = [kf for kf in CHECKED_FIELDS if kf[1] not in RULES.get(kf[0], {}) and kf not in CHECKED_ELSEWHERE]
    assert not missing, f"add a rule to data/plausibility.toml for {missing}"
    assert {(r.kind, r.field) for r in plausible.all_rules()} == {
        (k, f) for k, fields in RULES.items() if k != "cells" for f in fields
    }


def test_every_rule_says_why_and_its_sources_exist():
    with open(DATA_DIR / "sources.csv", encoding="utf-8") as f:
        keys = {row["key"] for row in csv.DictReader(f)}
    for rule in plausible.all_rules():
        assert rule.why, rule
        assert set(filter(None, rule.source.split(";"))) <= keys, rule
        kind = schema.KINDS[rule.kind]
        assert not rule.after or kind.get(rule.after).type == "date"


def test_the_docs_list_the_rules_as_the_file_has_them():
    from scripts.make_templates import render_doc

    doc = (hostile_files.REPO / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert render_doc(doc) == doc, "run: python scripts/make_templates.py"
    assert "| `patents` | 申请日 (`app_date`) | 1985-04-01 – the as-of date |" in doc


# -- the bounds, as the rules file states them (the importer's reading of it is not used here) -------------------------


def _as_of_bound(spec) -> str:
    text = str(spec)
    if text == "as_of":
        return AS_OF
    if text.startswith("as_of+"):
        return f"{int(AS_OF[:4]) + int(text[6:-1])}{AS_OF[4:]}"
    return text


def bounds(kind: str, field: str, row: dict) -> tuple:
    """The lowest and highest plausible value of the field for this row (numbers, or ISO dates)."""
    if (kind, field) in CHECKED_ELSEWHERE:
        return CHECKED_ELSEWHERE[kind, field]
    spec = RULES[kind][field]
    lo, hi = spec.get("min"), spec.get("max")
    if schema.KINDS[kind].get(field).type == "date":
        return _as_of_bound(lo) if lo else "", _as_of_bound(hi) if hi else "9999-12-31"
    lo, hi = (0 if lo is None else lo), (math.inf if hi is None else hi)
    hi = int(AS_OF[:4]) if hi == "as_of_year" else hi
    for other, values in spec.get("when", {}).items():
        for value, sub in values.items():
            if str(row.get(other, "")) == value:
                lo, hi = max(lo, sub.get("min", lo)), min(hi, sub.get("max", hi))
    return lo, hi


# -- random values of each field --------------------------------------------------------------------------------------

SCALE = max(1, int(os.environ.get("TXIP_PROPERTY_SCALE", "1") or 1))
SETTINGS = settings(max_examples=10 * SCALE, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**15), 10**15).map(str),
    st.integers(0, 3_000_000).map(str),
    st.sampled_from(["inf", "-inf", "Infinity", "nan", "NaN", "1e308", "1e309", "-0", "0", "1,000", "2.5", "1e6", ""]),
)
dates = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.dates(min_value=date(1980, 1, 1), max_value=date(2040, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日"])
    ),
    st.integers(-5, 3_000_000).map(str),  # Excel serial numbers
    st.sampled_from(["2099-01-01", "1800-01-01", "3000-01-01", "1985-03-31", "1985-04-01", AS_OF, "2026-11-01", ""]),
)
ROWS = 6  # rows of the sample per example, each given a random value of the field


@pytest.mark.parametrize("kind_field", CHECKED_FIELDS, ids=[f"{k}.{f}" for k, f in CHECKED_FIELDS])
@SETTINGS
@given(data=st.data())
def test_a_random_value_is_refused_with_its_row_and_column_or_kept_within_its_range(kind_field, data):
    """Each row of the sample given a random value of the field, imported with --skip-invalid: every row is either
    refused with a problem naming its row and the field's column (or, for a rule between two dates, the column in
    its reason), or kept (as a record, or merged into an earlier row of the same key) with a value in the range the
    rules file states."""
    kind_name, field = kind_field
    f = schema.KINDS[kind_name].get(field)
    header, rows = hostile_files.sample_table(kind_name, ROWS)
    values = data.draw(st.lists(dates if f.type == "date" else numbers, min_size=len(rows), max_size=len(rows)))
    for r, v in zip(rows, values):
        r[header.index(f.header)] = v
        if kind_name == "statistics":  # the measure a tighter bound depends on
            r[header.index("指标")] = data.draw(st.sampled_from(["市场主体户数", "常住人口"]))
    raw = hostile_files.csv_bytes(header, rows)
    try:
        records, report = prepare(kind_name, raw, "随机.csv", as_of=AS_OF, skip_invalid=True)
        errors = report.errors
    except ImportRejected as e:  # every row refused
        records, errors = None, e.report.errors
        assert errors, e.report.message  # refused for its rows, never as a file
    assert all(p.reason for p in errors)
    kept = {} if records is None else {int(r): i for i, r in enumerate(records["row_no"])}
    for n, row in enumerate(rows, start=2):
        named = [p for p in errors if p.row == n and (p.column == f.header or f.header in p.reason)]
        if named:
            assert n not in kept
            continue
        if n not in kept:  # merged into an earlier row with the same key (a random year of a statistic)
            assert not [p for p in errors if p.row == n], errors
            continue
        stored = records[field].iloc[kept[n]]
        lo, hi = bounds(kind_name, field, {"measure": row[header.index("指标")] if kind_name == "statistics" else ""})
        if f.type == "date":
            assert stored in (None, "") or lo <= stored <= hi, (row, stored)
            after = RULES[kind_name].get(field, {}).get("after")
            if after and stored and records[after].iloc[kept[n]]:
                assert stored >= records[after].iloc[kept[n]]
        else:
            assert stored is None or math.isnan(stored) or (math.isfinite(stored) and lo <= stored <= hi), (row, stored)


# -- single rules ------------------------------------------------------------------------------------------------------


def _row(kind: str) -> tuple[list[str], dict]:
    header, rows = hostile_files.sample_table(kind, 1)
    return header, dict(zip(header, rows[0]))


def _prepare(kind: str, changes: dict, as_of: str = AS_OF):
    header, row = _row(kind)
    row.update(changes)
    return prepare(kind, hostile_files.csv_bytes(header, [[row[h] for h in header]]), "单行.csv", as_of=as_of)


def _refusal(kind: str, changes: dict, as_of: str = AS_OF) -> list[str]:
    with pytest.raises(ImportRejected) as e:
        _prepare(kind, changes, as_of)
    return [p.text("单行.csv") for p in e.value.report.errors]


def test_a_trademark_term_ends_at_most_eleven_years_after_the_as_of_date():
    records, _ = _prepare("trademarks", {"注册日期": "2016-11-01", "专用权期限截止": "2037-10-31"})
    assert records["expiry_date"].iloc[0] == "2037-10-31"  # renewed in its last year: ten more years from 2027
    assert _refusal("trademarks", {"专用权期限截止": "2037-11-01"}) == [
        "文件 单行.csv 第 2 行「专用权期限截止」列：值“2037-11-01”：晚于合理上限 2037-10-31"
    ]


def test_a_registration_before_the_trademark_law_is_kept_with_a_warning():
    records, report = _prepare("trademarks", {"注册日期": "1980-05-01"})
    assert records["reg_date"].iloc[0] == "1980-05-01"
    assert [p.text("单行.csv") for p in report.warnings] == [
        "文件 单行.csv 第 2 行「注册日期」列：值“1980-05-01”：早于 1983-03-01，极少见，请核对"
    ]


def test_the_bound_of_a_statistic_depends_on_its_measure():
    records, _ = _prepare("statistics", {"指标": "常住人口", "数值": "1500000"})
    assert records["value"].iloc[0] == 1_500_000
    assert _refusal("statistics", {"指标": "市场主体户数", "数值": "1500000"}) == [
        "文件 单行.csv 第 2 行「数值」列：值“1500000”：超出合理上限 1,000,000"
    ]
    assert _prepare("statistics", {"数值": "0"})[0]["value"].iloc[0] == 0  # degenerate, but kept
    assert "晚于" not in " ".join(_refusal("statistics", {"年份": "2027"}))
    assert "超出合理上限 2026" in _refusal("statistics", {"年份": "2027"})[0]


def test_a_date_equal_to_the_as_of_date_is_kept_and_the_next_day_is_not():
    records, _ = _prepare("cases", {"立案日期": AS_OF, "结案日期": ""})
    assert records["accepted_date"].iloc[0] == AS_OF
    assert _refusal("cases", {"立案日期": "2026-11-01", "结案日期": ""}) == [
        "文件 单行.csv 第 2 行「立案日期」列：值“2026-11-01”：晚于本次导入的截至日期 2026-10-31"
    ]
    # An older as-of date makes the same row implausible: a snapshot holds nothing dated after it.
    assert "晚于本次导入的截至日期 2023-01-01" in _refusal("cases", {}, as_of="2023-01-01")[0]


def test_a_long_cell_is_named_with_its_length_and_the_limit_and_not_shown_whole():
    (line,) = _refusal("patents", {"名称": "长" * 4001})
    assert "单元格过长（4,001 个字符），上限为 4,000 个字符" in line and len(line) < 200
    records, _ = _prepare("patents", {"名称": "长" * 4000})
    assert len(records["title"].iloc[0]) == 4000


def test_tabs_and_line_breaks_in_a_cell_are_allowed_other_control_characters_are_not():
    records, _ = _prepare("patents", {"地址": "泰兴市黄桥镇\n府前路\t1号"})
    assert records["address"].iloc[0] == "泰兴市黄桥镇\n府前路\t1号"
    for c in ("\x00", "\x07", "\x1b", "\x7f", "\x0c"):
        (line,) = _refusal("patents", {"申请人": f"泰兴{c}公司"})
        assert "「申请人」列" in line and "控制字符" in line and f"\\x{ord(c):02x}" in line


# -- two columns read as one field -------------------------------------------------------------------------------------


def _two_columns(kind: str, first: str, second: str, values: list[tuple[str, str]]):
    header, rows = hostile_files.sample_table(kind, len(values))
    i = header.index(first)
    header = header[: i + 1] + [second] + header[i + 1 :]
    rows = [r[:i] + [a, b] + r[i + 1 :] for r, (a, b) in zip(rows, values)]
    return hostile_files.csv_bytes(header, rows)


def test_a_header_written_twice_with_different_values_is_an_error_naming_both_columns():
    data = _two_columns(
        "cases", "地址", "地址", [("泰兴市黄桥镇1号", "泰兴市黄桥镇1号"), ("泰兴市虹桥镇2号", "泰兴市根思乡3号")]
    )
    with pytest.raises(ImportRejected) as e:
        prepare("cases", data, "两列地址.csv", as_of=AS_OF)
    (err,) = e.value.report.errors
    assert (err.row, err.column, err.value) == (3, "地址", "泰兴市根思乡3号")
    assert "与“地址”列的值（泰兴市虹桥镇2号）不同" in err.reason


def test_an_identity_twin_fills_an_empty_cell_and_another_alias_is_only_flagged():
    data = _two_columns("patents", "申请号", "专利号", [("99222692.9", ""), ("", "ZL99279029.8")])
    records, report = prepare("patents", data, "补号.csv", as_of=AS_OF)
    assert list(records["number"]) == ["99222692.9", "99279029.8"]
    (warning,) = report.warnings
    assert (warning.row, warning.column) == (1, "专利号") and "逐行核对" in warning.reason
    assert "专利号" not in report.unused_columns
    # 申请人 and 专利权人 may hold different facts (the first applicant, the owner now): not refused, not read.
    data = _two_columns("patents", "申请人", "专利权人", [("甲公司", "乙公司")])
    records, report = prepare("patents", data, "权利人.csv", as_of=AS_OF)
    assert records["applicant"].iloc[0] == "甲公司"
    assert [w.reason for w in report.warnings] == ["“专利权人”列也可读作申请人，未读取（读取的是“申请人”列）"]


# -- separators and encodings ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("登记号;出质人;金额\nY1;甲公司,乙公司;1,020\nY2;丙;1,170\n", ";"),
        ("2025年台账\n编号|日期|人次\nA|2025-01-01|3\nB|2025-02-01|4\n", "|"),  # a title row above the header
        ('申请号,名称,地址\n1,"一种装置;改进",泰兴市\n2,盒,"泰兴市;黄桥镇"\n', ","),  # quoted semicolons
        ("编号\tA,B\n1\t2\n", "\t"),
        ("只有一列\n甲\n乙\n", ","),
        ("", ","),
    ],
)
def test_the_separator_is_read_from_the_rows(text, sep):
    assert sniff_separator(text) == sep


def test_two_equally_good_separators_are_refused_by_name():
    with pytest.raises(ValueError, match="无法确定列分隔符（逗号、分号 都可能）"):
        sniff_separator("a,b;c\n1,2;3\n")
    with pytest.raises(ImportRejected, match="文件 两可.csv：无法确定列分隔符"):
        prepare("patents", "申请号,名称;法律状态\n1,2;3\n".encode(), "两可.csv", as_of=AS_OF)


def test_utf16_without_its_mark_is_read_and_gbk_is_not_taken_for_big5():
    header, rows = hostile_files.sample_table("pledges")
    records, _ = prepare("pledges", hostile_files.csv_bytes(header, rows, encoding="utf-16-le"), "x.csv", as_of=AS_OF)
    assert list(records["pledge_id"]) == [r[0] for r in rows]
    gbk = (hostile_files.SAMPLE / "patents.csv").read_text(encoding="utf-8-sig")[:20_000].encode("gbk")
    assert not looks_big5(Source("专利.csv", data=gbk))
    assert looks_big5(Source("專利.csv", data=next(h.data for h in hostile_files.corpus() if "Big5" in h.name)))


def test_the_sample_passes_every_rule():
    """The bundled sample (data/sample/) is read without a plausibility error or warning."""
    for kind in schema.KINDS:
        data = (hostile_files.SAMPLE / f"{kind}.csv").read_bytes()
        records, report = prepare(kind, data, f"{kind}.csv", as_of=AS_OF)
        assert not report.errors
        assert not [w for w in report.warnings if "合理" in w.reason or "早于" in w.reason or "控制" in w.reason]
        assert len(records) == len(pd.read_csv(io.BytesIO(data), dtype=str)) - report.duplicates
