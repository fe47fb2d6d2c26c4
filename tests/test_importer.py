"""Importing: bad input is refused with a Chinese message naming file, row and column; the store is unchanged."""

import pytest

from txip_geo.cli import main
from txip_geo.errors import ImportRejected
from txip_geo.ingest.pipeline import import_file


def counts(store):
    with store.reading() as con:
        return {
            k: con.execute(f"SELECT COUNT(*) FROM rec_{k}").fetchone()[0] for k in ("patents", "cases")
        }, con.execute("SELECT COUNT(*) FROM imports").fetchone()[0]


def test_missing_required_column_names_what_is_missing_and_found(store, csv_file):
    f = csv_file("p.csv", ["申请号", "名称"], [["201510771082.4", "x"]])
    with pytest.raises(ImportRejected) as e:
        import_file(store, "patents", f)
    assert "缺少必需的列：法律状态" in e.value.report.message
    assert "文件中的列：申请号、名称" in e.value.report.message


def test_bad_cell_names_file_row_and_column_and_nothing_is_stored(store, csv_file):
    good = csv_file("ok.csv", ["申请号", "法律状态"], [["201510771082.4", "有效"]])
    import_file(store, "patents", good)
    before = counts(store)
    bad = csv_file(
        "bad.csv",
        ["申请号", "法律状态", "申请日"],
        [
            ["202310123456.6", "有效", "2023-01-01"],
            ["abc", "有效", "2023-01-01"],
            ["202210123456.1", "有效", "2023年13月1日"],
        ],
    )
    with pytest.raises(ImportRejected) as e:
        import_file(store, "patents", bad)
    msg = e.value.report.message
    assert "文件 bad.csv 第 3 行「申请号」列：值“abc”：申请号格式无法识别" in msg
    assert "第 4 行「申请日」列" in msg
    assert counts(store) == before


def test_skip_invalid_imports_the_good_rows_and_lists_the_rest(store, csv_file):
    bad = csv_file("bad.csv", ["申请号", "法律状态"], [["202310123456.6", "有效"], ["abc", "有效"]])
    rep = import_file(store, "patents", bad, skip_invalid=True)
    assert rep.rows_imported == 1 and [p.row for p in rep.errors] == [3]


def test_same_file_twice_changes_nothing(store, csv_file):
    f = csv_file("p.csv", ["申请号", "法律状态"], [["201510771082.4", "有效"]])
    assert import_file(store, "patents", f, as_of="2026-01-01").status == "imported"
    before = counts(store)
    assert import_file(store, "patents", f, as_of="2026-01-01").status == "unchanged"
    assert counts(store) == before


def test_gbk_csv_is_read_without_mojibake(store, csv_file):
    f = csv_file(
        "gbk.csv", ["申请号", "法律状态", "地址"], [["201510771082.4", "有效", "泰兴市黄桥镇府前路1号"]], encoding="gbk"
    )
    import_file(store, "patents", f)
    df = store.records("patents")
    assert df.loc[0, "address"] == "泰兴市黄桥镇府前路1号" and df.loc[0, "unit_code"] == "321283100"


def test_wrong_check_digit_is_a_warning_not_a_rejection(store, csv_file):
    f = csv_file("p.csv", ["申请号", "法律状态"], [["202310123456.7", "有效"]])
    rep = import_file(store, "patents", f)
    assert rep.rows_imported == 1 and "校验位错误（应为 6）" in rep.warnings[0].reason


def test_total_row_and_title_row_are_skipped(store, tmp_path):
    p = tmp_path / "cases.csv"
    p.write_text(
        "2025年泰兴市知识产权案件统计表,,,\n案件编号,案件类别,立案日期,办理状态\nA1,查处,2025-01-01,已结案\n合计,1,,\n",
        encoding="utf-8",
    )
    rep = import_file(store, "cases", p)
    assert rep.rows_imported == 1 and rep.header_row == 2 and rep.skipped[0][0] == 4


def test_cli_import_rejection_exits_nonzero_with_message(tmp_path, csv_file, capsys):
    f = csv_file("bad.csv", ["申请号", "法律状态"], [["abc", "有效"]])
    assert main(["--db", str(tmp_path / "x.sqlite"), "import", "patents", str(f)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv 第 2 行「申请号」列" in err


def test_empty_file_is_rejected(store, tmp_path):
    p = tmp_path / "e.csv"
    p.write_bytes(b"")
    with pytest.raises(ImportRejected) as e:
        import_file(store, "patents", p)
    assert "空" in e.value.report.message
