"""A corpus of hostile files, generated (no binaries in the repository): values no office could mean, bytes no
office should send, encodings and layouts offices do send. Each one says what a correct importer does with it:
refuse it with a Chinese message naming the row and column (when the problem has one), or read it (with warnings).

Used by tests/test_hostile_files.py; `python -m tests.hostile_files DIR` writes them out for a manual try.

The rows are the bundled sample's first rows (data/sample/), so a file that is read correctly changes no figure of
a store holding the sample: its records are the sample's own, and the later import wins with the same values."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
AS_OF = "2026-10-31"  # the sample's as-of date (txip_geo.cli.SAMPLE_AS_OF)


@dataclass(frozen=True)
class Hostile:
    """One hostile file. `outcome`: 'refused' or 'imported'. A refusal names `row` (the file's row, 1-based as the
    user sees it) and `column` (the header as written) when both are given, and its message contains every text of
    `says`. An import reads `rows` records (None: not checked) and lists a warning containing each of `warns`."""

    name: str
    kind: str
    data: bytes
    outcome: str
    row: int | None = None
    column: str | None = None
    says: tuple[str, ...] = ()
    rows: int | None = None
    warns: tuple[str, ...] = field(default=())


def sample_table(kind: str, n: int = 3) -> tuple[list[str], list[list[str]]]:
    """The sample file's header and its first `n` rows."""
    with open(SAMPLE / f"{kind}.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1 : n + 1]


def with_cell(kind: str, column: str, value: str, row: int = 0, n: int = 3) -> tuple[list[str], list[list[str]]]:
    """The sample's first rows with one cell changed (`row`: 0 = the first data row, the file's row 2)."""
    header, rows = sample_table(kind, n)
    rows[row][header.index(column)] = value
    return header, rows


def csv_bytes(
    header: list[str], rows: list[list[str]], *, sep: str = ",", encoding: str = "utf-8", eol="\r\n"
) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator=eol)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, change, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """An .xlsx with one member's XML (default: the first worksheet) passed through `change` (every other member
    copied as it is)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == member:
                body = change(body.decode("utf-8")).encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


def xlsx_declaring_rows(header: list[str], rows: list[list[str]], declared: int, empty_rows: int = 0) -> bytes:
    """A workbook whose sheet declares `declared` rows (<dimension ref="A1:Z{declared}">) and holds the given rows,
    then `empty_rows` rows with a formatted but empty cell each (as a sheet formatted down to its last row has)."""

    def change(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:Z{declared}"', xml)
        if empty_rows:
            start = len(rows) + 2
            blank = "".join(f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(start, start + empty_rows))
            xml = xml.replace("</sheetData>", blank + "</sheetData>")
        return xml

    return _rewrite(xlsx_bytes(header, rows), change)


def _xlsx_control_character() -> bytes:
    """A workbook whose 申请人 cell holds an escape character (stored as Excel writes it: _x001B_)."""
    data = xlsx_bytes(*with_cell("patents", "申请人", "泰兴CTRL公司"))
    return _rewrite(data, lambda xml: xml.replace("CTRL", "_x001B_"))


def _semicolons() -> bytes:
    header, rows = sample_table("trademarks")
    return csv_bytes(header, rows, sep=";")


def _pipes() -> bytes:
    header, rows = sample_table("trainings")
    return csv_bytes(header, rows, sep="|")


def _mixed_line_endings() -> bytes:
    header, rows = sample_table("pledges", 4)
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return (lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r" + lines[3] + "\r\n" + lines[4] + "\n").encode()


def _big5() -> bytes:
    # A Taiwan/Hong Kong office's export: traditional characters in Big5 (no simplified header can be read from it).
    header = ["申請號", "名稱", "申請人", "申請日", "法律狀態", "地址"]
    rows = [["201510771082.4", "一種反應釜", "泰興甲化工有限公司", "2015-05-01", "有效", "江蘇省泰興市黃橋鎮府前路1號"]]
    return csv_bytes(header, rows, encoding="big5")


def _duplicate_columns(same: bool) -> tuple[list[str], list[list[str]]]:
    header, rows = sample_table("patents")
    i = header.index("申请号")
    header = header[: i + 1] + ["专利号"] + header[i + 1 :]
    seconds = [r[i] for r in rows]
    if not same:
        seconds[1] = "201610123456.1"  # another patent in the second row (the file's row 3)
    else:
        seconds = ["ZL" + s.replace(" ", "").removeprefix("ZL") for s in seconds]  # the same numbers, written as 专利号
    rows = [r[: i + 1] + [s] + r[i + 1 :] for r, s in zip(rows, seconds)]
    return header, rows


def corpus() -> list[Hostile]:
    """Every hostile file, with what a correct importer does with it."""
    stats_header = ["区划代码", "年份", "指标", "数值", "来源"]

    def stats(value: str) -> bytes:
        return csv_bytes(stats_header, [["321283", "2025", "市场主体户数", value, "样例数据（非真实统计）"]])

    files = [
        Hostile("市场主体_inf.csv", "statistics", stats("inf"), "refused", 2, "数值", ("有限",)),
        Hostile("市场主体_负inf.csv", "statistics", stats("-Infinity"), "refused", 2, "数值", ("有限",)),
        Hostile("市场主体_1e12.csv", "statistics", stats("1e12"), "refused", 2, "数值", ("超出",)),
        Hostile("市场主体_1e308.csv", "statistics", stats("1e308"), "refused", 2, "数值", ("超出",)),
        Hostile("市场主体_1e309.csv", "statistics", stats("1e309"), "refused", 2, "数值", ("有限",)),
        Hostile(
            "培训_人次1e12.csv",
            "trainings",
            csv_bytes(*with_cell("trainings", "人次", "1000000000000")),
            "refused",
            2,
            "人次",
            ("超出",),
        ),
        Hostile(
            "培训_人次1e308.csv",
            "trainings",
            csv_bytes(*with_cell("trainings", "人次", "1e308")),
            "refused",
            2,
            "人次",
            ("超出",),
        ),
        Hostile(
            "质押_金额1e12.csv",
            "pledges",
            csv_bytes(*with_cell("pledges", "金额（万元）", "1e12", row=1)),
            "refused",
            3,
            "金额（万元）",
            ("超出",),
        ),
        Hostile(
            "企业_专利数1e12.csv",
            "enterprises",
            csv_bytes(*with_cell("enterprises", "有效专利数", "1000000000000")),
            "refused",
            2,
            "有效专利数",
            ("超出",),
        ),
        Hostile(
            "专利_申请日2099.csv",
            "patents",
            csv_bytes(*with_cell("patents", "申请日", "2099-01-01", row=1)),
            "refused",
            3,
            "申请日",
            ("2099-01-01", AS_OF),
        ),
        Hostile(
            "专利_申请日1984.csv",
            "patents",
            csv_bytes(*with_cell("patents", "申请日", "1984-12-31")),
            "refused",
            2,
            "申请日",
            ("1985-04-01",),
        ),
        Hostile(
            "专利_授权早于申请.csv",
            "patents",
            csv_bytes(*with_cell("patents", "授权公告日", "1998-12-01")),  # applied 1999-01-15
            "refused",
            2,
            "授权公告日",
            ("申请日",),
        ),
        Hostile(
            "商标_注册1800.csv",
            "trademarks",
            csv_bytes(*with_cell("trademarks", "注册日期", "1800-01-01")),
            "refused",
            2,
            "注册日期",
            ("1800-01-01",),
        ),
        Hostile(
            "商标_注册3000.csv",
            "trademarks",
            csv_bytes(*with_cell("trademarks", "注册日期", "3000-01-01", row=2)),
            "refused",
            4,
            "注册日期",
            ("3000-01-01",),
        ),
        Hostile(
            "商标_截止早于注册.csv",
            "trademarks",
            csv_bytes(*with_cell("trademarks", "专用权期限截止", "1999-01-01")),
            "refused",
            2,
            "专用权期限截止",
            ("注册日期",),
        ),
        Hostile(
            "案件_结案早于立案.csv",
            "cases",
            csv_bytes(*with_cell("cases", "结案日期", "2022-12-31")),
            "refused",
            2,
            "结案日期",
            ("立案日期",),
        ),
        Hostile(
            "案件_立案在截至日后.csv",
            "cases",
            csv_bytes(*with_cell("cases", "立案日期", "2026-11-01", row=1)),
            "refused",
            3,
            "立案日期",
            (AS_OF,),
        ),
        Hostile(
            "专利_NUL.csv",
            "patents",
            csv_bytes(*with_cell("patents", "名称", "一种\x00反应釜", row=1)),
            "refused",
            3,
            "名称",
            ("控制字符",),
        ),
        Hostile(
            "专利_控制字符.xlsx",
            "patents",
            _xlsx_control_character(),
            "refused",
            2,
            "申请人",
            ("控制字符",),
        ),
        Hostile(
            "专利_超长单元格.csv",
            "patents",
            csv_bytes(*with_cell("patents", "地址", "泰兴市" + "很" * 200_000)),
            "refused",
            2,
            "地址",
            ("200,003", "4,000"),
        ),
        Hostile(
            "专利_两列申请号不同.csv",
            "patents",
            csv_bytes(*_duplicate_columns(same=False)),
            "refused",
            3,
            "专利号",
            ("申请号", "专利号"),
        ),
        Hostile(
            "专利_两列申请号相同.csv",
            "patents",
            csv_bytes(*_duplicate_columns(same=True)),
            "imported",
            rows=3,
            warns=("专利号", "申请号"),
        ),
        Hostile("商标_分号分隔.csv", "trademarks", _semicolons(), "imported", rows=3),
        Hostile("培训_竖线分隔.csv", "trainings", _pipes(), "imported", rows=3),
        Hostile("商标_制表符.txt", "trademarks", csv_bytes(*sample_table("trademarks"), sep="\t"), "imported", rows=3),
        Hostile("专利_Big5.csv", "patents", _big5(), "refused", says=("Big5",)),
        Hostile(
            "专利_UTF16LE.csv",
            "patents",
            b"\xff\xfe" + csv_bytes(*sample_table("patents"), encoding="utf-16-le"),
            "imported",
            rows=3,
        ),
        Hostile(
            "专利_UTF16BE.csv",
            "patents",
            b"\xfe\xff" + csv_bytes(*sample_table("patents"), encoding="utf-16-be"),
            "imported",
            rows=3,
        ),
        Hostile(
            "商标_UTF16制表符.txt",  # Excel's "Unicode text": UTF-16 LE with its mark, tab-separated
            "trademarks",
            b"\xff\xfe" + csv_bytes(*sample_table("trademarks"), sep="\t", encoding="utf-16-le"),
            "imported",
            rows=3,
        ),
        Hostile("质押_混合换行.csv", "pledges", _mixed_line_endings(), "imported", rows=4),
        Hostile(
            "专利_声明1048576行.xlsx",
            "patents",
            xlsx_declaring_rows(*sample_table("patents"), declared=1_048_576),
            "imported",
            rows=3,
        ),
        Hostile(
            "专利_大量空行.xlsx",
            "patents",
            xlsx_declaring_rows(*sample_table("patents"), declared=1_048_576, empty_rows=30_000),
            "imported",
            rows=3,
        ),
        Hostile("专利_空文件.csv", "patents", b"", "refused", says=("专利_空文件.csv",)),
        Hostile("专利_只有BOM.csv", "patents", b"\xef\xbb\xbf", "refused", says=("专利_只有BOM.csv",)),
        Hostile(
            "专利_只有表头.csv",
            "patents",
            csv_bytes(sample_table("patents")[0], []),
            "refused",
            says=("专利_只有表头.csv",),
        ),
        Hostile(
            "专利_只有表头.xlsx",
            "patents",
            xlsx_bytes(sample_table("patents")[0], []),
            "refused",
            says=("专利_只有表头.xlsx",),
        ),
    ]
    return files


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "hostile")
    out.mkdir(parents=True, exist_ok=True)
    for h in corpus():
        (out / h.name).write_bytes(h.data)
        print(f"{h.kind}\t{h.outcome}\t{out / h.name}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
