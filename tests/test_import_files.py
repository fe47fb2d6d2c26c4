"""Importing files as offices really have them: encodings, title rows, merged headers, totals, several sheets,
export column names, mixed number formats, truncated files. Exact counts and messages; the store unchanged on
rejection."""

from datetime import date

import openpyxl
import pytest

from txip_geo.errors import ImportRejected
from txip_geo.ingest.pipeline import import_file


def store_counts(store):
    with store.reading() as con:
        return (
            con.execute("SELECT COUNT(*) FROM imports").fetchone()[0],
            con.execute("SELECT COUNT(*) FROM rec_patents").fetchone()[0],
            con.execute("SELECT COUNT(*) FROM rec_cases").fetchone()[0],
        )


def test_gbk_csv_with_chinese_headers_and_no_bom(store, tmp_path):
    p = tmp_path / "专利.csv"
    p.write_bytes(
        "申请号,发明名称,申请(专利权)人,法律状态,地址\n"
        "201510771082.4,一种反应釜,泰兴甲化工有限公司,有效,江苏省泰兴市黄桥镇府前路1号\n"
        "ZL201730610076.0,包装盒,泰兴乙公司,失效,泰兴市延令街道黄桥路5号\n".encode("gbk")
    )
    rep = import_file(store, "patents", p)
    assert (rep.rows_read, rep.rows_imported) == (2, 2)
    df = store.records("patents").set_index("number")
    assert df.loc["201510771082.4", "applicant"] == "泰兴甲化工有限公司"
    assert df.loc["201510771082.4", "unit_code"] == "321283100"
    assert df.loc["201730610076.0", "unit_code"] == "321283002"  # 延令街道, not the 黄桥 of the road name


def xlsx_cases(path, extra_sheet=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025年"
    ws["A1"] = "2025年泰兴市知识产权案件统计表"
    ws.merge_cells("A1:G1")
    ws["A2"], ws["B2"], ws["E2"] = "案件编号", "案件信息", "办理情况"
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:D2")
    ws.merge_cells("E2:G2")
    for col, h in zip("BCDEFG", ["案件类别", "立案日期", "所属镇街", "办理状态", "结案日期", "处理结果"]):
        ws[f"{col}3"] = h
    rows = [
        ["TX-2025-001", "查处", date(2025, 3, 5), "黄桥镇", "已结案", "2025/4/1", "行政处罚"],
        ["TX-2025-002", "查处", "2025年3月6日", "横垛镇", "办理中", None, None],
        [None, None, None, None, None, None, None],  # a blank row
        ["TX-2025-003", "调解", 45730, "延令街道", "已结案", "2025-06-01", "调解成功"],  # Excel serial date
        ["合计", "3件", None, None, None, None, None],
    ]
    for r in rows:
        ws.append(r)
    if extra_sheet:
        ws2 = wb.create_sheet("2024年")
        ws2.append(["案件编号", "案件类别", "立案日期", "所属镇街", "办理状态"])
        ws2.append(["TX-2024-001", "查处", "2024-05-01", "古溪镇", "已结案"])
        ws3 = wb.create_sheet("填表说明")
        ws3.append(["本表由市场监管局填报"])
    wb.save(path)
    return path


def test_xlsx_with_title_row_merged_header_blank_and_total_rows(store, tmp_path):
    rep = import_file(store, "cases", xlsx_cases(tmp_path / "案件.xlsx"))
    assert rep.header_row == 3 and rep.rows_read == 3 and rep.rows_imported == 3
    assert (8, "合计行“合计”") in rep.skipped and (0, "空行 1 行") in rep.skipped
    df = store.records("cases").set_index("case_no")
    assert df.loc["TX-2025-001", "accepted_date"] == "2025-03-05"
    assert df.loc["TX-2025-001", "closed_date"] == "2025-04-01"
    assert df.loc["TX-2025-002", "accepted_date"] == "2025-03-06"
    assert df.loc["TX-2025-003", "accepted_date"] == "2025-03-14"  # serial 45730
    assert df.loc["TX-2025-002", "unit_code"] == "321283102"  # 横垛镇 → 古溪镇
    assert df.loc["TX-2025-003", "mediated"] == 1


def test_every_sheet_with_the_required_columns_is_read(store, tmp_path):
    rep = import_file(store, "cases", xlsx_cases(tmp_path / "案件.xlsx", extra_sheet=True))
    assert rep.rows_imported == 4
    assert any("填表说明" in why for _, why in rep.skipped)
    assert set(store.records("cases")["case_no"]) == {"TX-2025-001", "TX-2025-002", "TX-2025-003", "TX-2024-001"}


def test_patent_export_with_mixed_numbers_and_duplicates(store, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "序号",
            "申请号",
            "申请日",
            "公开(公告)号",
            "授权公告日",
            "发明名称",
            "申请(专利权)人",
            "地址",
            "主分类号",
            "当前法律状态",
            "专利类型",
        ]
    )
    data = [
        [
            "1",
            "CN201510771082.4",
            "2015-11-10",
            "CN105365000A",
            "2018-01-02",
            "甲",
            "泰兴甲公司",
            "泰兴市黄桥镇",
            "B01J",
            "专利权维持",
            "发明",
        ],
        [
            "2",
            "ZL 2015 1 0771082.4",
            "2015-11-10",
            "CN105365000B",
            "",
            "甲",
            "泰兴甲公司",
            "泰兴市黄桥镇",
            "B01J",
            "有效",
            "发明",
        ],
        ["3", "2015107710824", "2015.11.10", "", "", "甲", "泰兴甲公司", "泰兴市黄桥镇", "B01J", "有效", "发明专利"],
        [
            "4",
            "201720123456.X",
            "2017-02-01",
            "",
            "",
            "乙",
            "泰兴乙公司",
            "泰兴市七圩镇工业园",
            "F16K",
            "未缴年费专利权终止",
            "实用新型",
        ],
        [
            "5",
            "０２１０００００.Ｘ",
            "2002-01-05",
            "",
            "",
            "丙",
            "泰兴丙公司",
            "泰兴市刘陈镇",
            "A01B",
            "期限届满",
            "发明",
        ],
    ]
    for r in data:
        ws.append(r)
    ws.append(["合计", "5"])
    p = tmp_path / "专利检索导出.xlsx"
    wb.save(p)
    rep = import_file(store, "patents", p)
    assert rep.rows_read == 5 and rep.duplicates == 2 and rep.rows_imported == 3
    assert rep.columns["当前法律状态"] == "status" and rep.columns["申请(专利权)人"] == "applicant"
    assert "公开(公告)号" in rep.unused_columns
    df = store.records("patents").set_index("number")
    assert sorted(df.index) == ["02100000.X", "201510771082.4", "201720123456.X"]
    assert df.loc["201720123456.X", "unit_code"] == "321283124"  # 七圩镇 → 虹桥镇
    assert df.loc["02100000.X", "status_code"] == "invalid" and df.loc["02100000.X", "unit_code"] == "321283100"


def test_file_missing_required_columns_is_rejected_naming_what_is_missing_and_found(store, tmp_path):
    before = store_counts(store)
    p = tmp_path / "商标.csv"
    p.write_text("商标名称,注册人,地址\n某某,某公司,泰兴市\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        import_file(store, "trademarks", p)
    assert e.value.report.message == "文件 商标.csv 缺少必需的列：注册号、商标状态。文件中的列：商标名称、注册人、地址"
    assert store_counts(store) == before


def test_truncated_xlsx_is_rejected_cleanly(store, tmp_path):
    full = xlsx_cases(tmp_path / "full.xlsx").read_bytes()
    p = tmp_path / "截断.xlsx"
    p.write_bytes(full[: len(full) // 2])
    before = store_counts(store)
    with pytest.raises(ImportRejected) as e:
        import_file(store, "cases", p)
    assert e.value.report.message.startswith("文件 截断.xlsx：无法读取 Excel 文件")
    assert store_counts(store) == before


def test_truncated_csv_names_the_cut_row(store, tmp_path):
    p = tmp_path / "cut.csv"
    p.write_text("案件编号,案件类别,立案日期,办理状态\nA1,查处,2025-01-01,已结案\nA2,查处,2025-0", encoding="utf-8")
    before = store_counts(store)
    with pytest.raises(ImportRejected) as e:
        import_file(store, "cases", p)
    msg = e.value.report.message
    assert "第 3 行「立案日期」列：值“2025-0”：无法识别的日期“2025-0”" in msg
    assert "有 1 行数据有误" in msg  # an empty 办理状态 is no error now: it is derived from the 结案日期
    assert store_counts(store) == before


def test_legacy_xls_is_read(store, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Sheet1")
    for j, h in enumerate(["注册号", "商标名称", "商标状态", "所属镇街"]):
        ws.write(0, j, h)
    for i, row in enumerate(
        [["12345678", "泰兴牌", "已注册", "黄桥镇"], ["12345679", "兴泰", "注销", "分界镇"]], start=1
    ):
        for j, v in enumerate(row):
            ws.write(i, j, v)
    p = tmp_path / "商标.xls"
    wb.save(str(p))
    rep = import_file(store, "trademarks", p)
    assert rep.rows_imported == 2
    assert store.records("trademarks").set_index("reg_no").loc["12345678", "status_code"] == "valid"


@pytest.mark.parametrize("crash", ["abort", "hang"])
def test_a_legacy_xls_that_crashes_its_reader_is_refused_and_the_app_lives_on(store, tmp_path, monkeypatch, crash):
    """calamine aborts the process on some damaged .xls (a Rust abort no except clause catches): the reader runs in a
    child process, so the file is refused with the usual message and the importing process goes on."""
    import os
    import time

    from txip_geo.ingest import read

    p = tmp_path / "商标.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # an OLE header, then nothing
    if crash == "abort":
        monkeypatch.setattr(read.pd, "read_excel", lambda *a, **k: os.abort())  # as calamine does
    else:
        monkeypatch.setattr(read, "LEGACY_TIMEOUT_S", 1)
        monkeypatch.setattr(read.pd, "read_excel", lambda *a, **k: time.sleep(60))
    before = store_counts(store)
    with pytest.raises(ImportRejected) as e:
        import_file(store, "trademarks", p)
    want = "ReaderCrashed" if crash == "abort" else "TimeoutError"
    assert e.value.report.status == "rejected" and "无法读取 Excel 文件" in e.value.report.message
    assert want in e.value.report.message and "商标.xls" in e.value.report.message
    assert store_counts(store) == before
    assert not [c for c in __import__("multiprocessing").active_children()]  # no reader left behind


def test_newer_snapshot_never_overwrites_an_older_one(store, tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("案件编号,案件类别,立案日期,办理状态\nA1,查处,2025-01-01,办理中\n", encoding="utf-8")
    import_file(store, "cases", p, as_of="2025-06-30")
    p.write_text(
        "案件编号,案件类别,立案日期,办理状态,结案日期\nA1,查处,2025-01-01,已结案,2025-07-15\n", encoding="utf-8"
    )
    import_file(store, "cases", p, as_of="2025-12-31")
    assert store.records("cases", as_of="2025-06-30").loc[0, "status_code"] == "open"
    assert store.records("cases").loc[0, "status_code"] == "closed"
    assert store.snapshot_dates("cases") == ["2025-06-30", "2025-12-31"]


# -- an office's 执法案件台账: 案件类型 is the IP type, 处理方式/办理方式 how the case was handled ----------------------

LEDGER = """\
序号,案件编号,案件类型,案由,立案日期,处理方式,办理状态,结案日期,当事人,地址
1,泰市监知案〔2024〕1号,商标,销售侵犯注册商标专用权的商品,2024-02-03,立案查处,已结案,2024-05-10,甲商行,泰兴市黄桥镇府前路1号
2,泰市监知案〔2024〕2号,专利,假冒专利,2024-03-15,行政处罚,办理中,,乙公司,泰兴市黄桥镇东进路8号
3,泰市监知调〔2024〕3号,专利,专利侵权纠纷,2024-04-01,调解,调解成功,2024-04-20,丙公司,泰兴市延令街道文昌路2号
4,泰市监知调〔2024〕4号,商标,商标侵权纠纷,2024-05-06,行政调解,调解不成,2024-06-01,丁公司,泰兴市延令街道文昌路9号
5,泰市监知案〔2024〕5号,地理标志,擅自使用地理标志,2024-06-09,移送,已结案,2024-06-20,戊公司,泰兴市经济开发区通江路3号
"""


def test_case_ledger_reads_case_type_as_ip_type_and_handling_as_case_kind(store, tmp_path):
    from txip_geo.figures.compute import compute

    p = tmp_path / "执法案件台账.csv"
    p.write_text(LEDGER, encoding="utf-8")
    rep = import_file(store, "cases", p, as_of="2024-12-31")
    assert (rep.rows_read, rep.rows_imported, rep.errors) == (5, 5, [])
    assert rep.columns["案件类型"] == "ip_type" and rep.columns["处理方式"] == "case_kind"
    # The report says which reading was taken, naming the column.
    assert any("「案件类型」" in r and "知识产权类型" in r for r in rep.readings), rep.readings
    assert any("「处理方式」" in r and "案件类别" in r for r in rep.readings), rep.readings
    df = store.records("cases").set_index("case_no")
    assert df["ip_type"].tolist() == ["商标", "专利", "专利", "商标", "地理标志"]
    assert df["kind_code"].tolist() == ["enforcement", "enforcement", "dispute", "dispute", "enforcement"]
    assert df["status_code"].tolist() == ["closed", "open", "closed", "closed", "transferred"]
    assert df["unit_code"].tolist() == ["321283100", "321283100", "321283002", "321283002", "321283123"]
    fs = compute(store)
    u = fs.units.set_index("code")
    assert (u.loc["321283100", "enforcement_cases"], u.loc["321283100", "enforcement_closed"]) == (2, 1)
    assert (u.loc["321283002", "disputes"], u.loc["321283002", "disputes_mediated"]) == (2, 1)
    assert (fs.city["enforcement_cases"], fs.city["disputes"], fs.city["disputes_mediated"]) == (3, 2, 1)


def test_case_ledger_with_handling_method_and_closing_date_only(store, tmp_path):
    p = tmp_path / "台账.csv"
    p.write_text(
        "案件编号,案件类型,案由,立案日期,办理方式,结案日期,所属镇街\n"
        "A1,专利,假冒专利,2025-01-02,立案查处,2025-02-01,古溪镇\n"
        "A2,商标,商标纠纷,2025-01-05,调解,,古溪镇\n",
        encoding="utf-8",
    )
    rep = import_file(store, "cases", p, as_of="2025-12-31")
    assert rep.rows_imported == 2 and rep.errors == []
    df = store.records("cases").set_index("case_no")
    assert df.loc["A1", ["ip_type", "kind_code", "status_code"]].tolist() == ["专利", "enforcement", "closed"]
    assert df.loc["A2", ["ip_type", "kind_code", "status_code"]].tolist() == ["商标", "dispute", "open"]


def test_case_type_column_holding_case_kinds_is_still_the_case_kind(store, tmp_path):
    p = tmp_path / "cases.csv"
    p.write_text(
        "案件编号,案件类型,立案日期,办理状态\nB1,查处,2025-01-02,已结案\nB2,调解,2025-01-03,受理\n", encoding="utf-8"
    )
    rep = import_file(store, "cases", p, as_of="2025-12-31")
    assert rep.columns["案件类型"] == "case_kind" and rep.rows_imported == 2
    assert any("「案件类型」" in r and "按「案件类别」读取" in r for r in rep.readings), rep.readings
    assert store.records("cases").set_index("case_no")["kind_code"].tolist() == ["enforcement", "dispute"]


def test_ambiguous_header_whose_values_fit_nothing_is_refused_naming_the_column(store, tmp_path):
    p = tmp_path / "cases.csv"
    p.write_text("案件编号,案件类型,立案日期,办理状态\nC1,甲类,2025-01-02,已结案\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        import_file(store, "cases", p, as_of="2025-12-31")
    assert "「案件类型」列" in e.value.report.message and "甲类" in e.value.report.message


# -- lists without an ID column: the ID is derived from the row -----------------------------------------------------

WS_LIST = """\
名称,类型,地址
黄桥镇知识产权工作站,知识产权工作站,泰兴市黄桥镇府前路1号
泰兴经开区商标品牌指导站,商标品牌指导站,泰兴市经济开发区文江路8号
古溪镇维权援助工作站,维权援助工作站,泰兴市古溪镇古溪西路20号
"""


def test_workstation_list_without_id_gets_stable_ids_shown_in_the_report(store, tmp_path):
    p = tmp_path / "工作站.csv"
    p.write_text(WS_LIST, encoding="utf-8")
    rep = import_file(store, "workstations", p, as_of="2025-06-30")
    assert (rep.rows_read, rep.rows_imported, rep.errors) == (3, 3, [])
    assert [r for r, _ in rep.derived_ids] == [2, 3, 4]
    assert any("「编号」" in r for r in rep.readings), rep.readings
    ids = dict(zip(store.records("workstations")["name"], store.records("workstations")["station_id"]))
    assert set(ids.values()) == {i for _, i in rep.derived_ids} and len(set(ids.values())) == 3
    assert store.records("workstations").set_index("name")["unit_code"].to_dict() == {
        "黄桥镇知识产权工作站": "321283100",
        "泰兴经开区商标品牌指导站": "321283123",
        "古溪镇维权援助工作站": "321283102",
    }
    # The same list re-ordered, with other spaces and bracket widths: the same IDs, the same three stations.
    lines = WS_LIST.splitlines()
    q = tmp_path / "工作站2.csv"
    q.write_text(
        "\n".join([lines[0], lines[3], lines[1].replace("黄桥镇", "黄桥镇 "), lines[2]]) + "\n", encoding="utf-8"
    )
    rep2 = import_file(store, "workstations", q, as_of="2025-12-31")
    assert {i for _, i in rep2.derived_ids} == set(ids.values())
    assert len(store.records("workstations")) == 3


def test_workstation_list_with_one_coordinates_column(store, tmp_path):
    """名称/类型/地址/经纬度, as offices keep them: 经纬度 holds both numbers in either order, any separator; the points
    decide the township (the address is empty or names no township). A cell that is not two numbers is refused,
    naming the row and the 经纬度 column; nothing is stored."""
    p = tmp_path / "工作站.csv"
    p.write_text(
        "名称,类型,地址,经纬度\n"
        '黄桥镇知识产权工作站,知识产权工作站,,"120.248875,32.268113"\n'
        '滨江镇商标品牌指导站,商标品牌指导站,,"32.086761, 119.973461"\n'
        "济川街道工作站,知识产权工作站,,120.108252，32.207201\n",
        encoding="utf-8",
    )
    rep = import_file(store, "workstations", p, as_of="2025-06-30")
    assert (rep.rows_imported, rep.errors) == (3, [])
    w = store.records("workstations").set_index("name")
    assert w["unit_code"].to_dict() == {
        "黄桥镇知识产权工作站": "321283100",
        "滨江镇商标品牌指导站": "321283123",
        "济川街道工作站": "321283001",
    }
    assert set(w["assign_method"]) == {"point"}
    assert w.loc["滨江镇商标品牌指导站", ["lon", "lat"]].tolist() == [119.973461, 32.086761]
    bad = tmp_path / "坏.csv"
    bad.write_text("名称,类型,经纬度\n甲站,知识产权工作站,120.1\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        import_file(store, "workstations", bad, as_of="2025-07-30")
    assert "第 2 行「经纬度」列" in e.value.report.message and "120.1" in e.value.report.message
    assert len(store.records("workstations")) == 3


def test_derived_id_duplicates_are_merged_only_when_the_rows_are_the_same(store, tmp_path):
    p = tmp_path / "ws.csv"
    p.write_text(WS_LIST + "黄桥镇知识产权工作站,知识产权工作站,泰兴市黄桥镇府前路1号\n", encoding="utf-8")
    rep = import_file(store, "workstations", p, as_of="2025-06-30")
    assert (rep.rows_imported, rep.duplicates) == (3, 1)
    q = tmp_path / "ws2.csv"
    q.write_text(WS_LIST + "黄桥镇知识产权工作站,知识产权工作站,泰兴市黄桥镇城黄路160号\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as e:
        import_file(store, "workstations", q, as_of="2025-07-30")
    msg = e.value.report.message
    assert "第 5 行" in msg and "与第 2 行的名称、类型相同而其他内容不同" in msg


def test_training_list_without_id_and_service_orgs_without_credit_code(store, tmp_path):
    p = tmp_path / "培训.csv"
    p.write_text(
        "培训日期,培训名称,对象,人次\n2025/3/1,专利导航培训,高管,40\n2025-03-01,专利导航培训,工程师,35\n",
        encoding="utf-8",
    )
    rep = import_file(store, "trainings", p, as_of="2025-12-31")
    assert rep.rows_imported == 2 and len({i for _, i in rep.derived_ids}) == 2
    assert store.records("trainings")["attendees"].sum() == 75
    q = tmp_path / "机构.csv"
    q.write_text("机构名称,机构类型,地址\n泰兴某专利代理事务所,代理,泰兴市延令街道国庆路1号\n", encoding="utf-8")
    rep = import_file(store, "service_orgs", q, as_of="2025-12-31")
    assert rep.rows_imported == 1 and rep.derived_ids[0][1].startswith("AUTO-")


def test_a_list_with_its_id_column_keeps_its_ids(store, tmp_path):
    p = tmp_path / "ws.csv"
    p.write_text("编号,名称,类型\nGZZ-01,甲工作站,知识产权工作站\n", encoding="utf-8")
    rep = import_file(store, "workstations", p, as_of="2025-06-30")
    assert rep.derived_ids == [] and store.records("workstations")["station_id"].tolist() == ["GZZ-01"]
