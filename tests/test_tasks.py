"""The task register (任务台账): 未填报 until a task is reported, every change kept as a row, sheets imported whole or
not at all with messages naming file, row and column; the command line; old stores migrated; backups carry the
register and the evidence files."""

from __future__ import annotations

import io
import json
import sqlite3

import evidence_files as ef
import pandas as pd
import pytest

from txip_geo.cli import main
from txip_geo.errors import ImportRejected
from txip_geo.ingest.task_sheet import parse_status, parse_task_id, read_task_sheet
from txip_geo.paths import ROOT
from txip_geo.plan import task_table
from txip_geo.present import task_view
from txip_geo.store import backup, evidence, tasks
from txip_geo.store.database import SCHEMA_VERSION, Store


def write_xlsx(path, rows: list[list]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "任务进展"
    for r in rows:
        ws.append(r)
    wb.save(path)


# -- the register -----------------------------------------------------------------------------------------------------


def test_a_fresh_store_reports_every_task_as_not_reported(store):
    cur = tasks.current(store)
    assert list(cur["task_id"]) == list(range(1, 14))
    assert set(cur["status"]) == {"not_reported"} and set(cur["status_label"]) == {"未填报"}
    reg = task_view.task_register(store)
    assert list(reg["name"]) == list(task_table()["name"])
    assert reg.set_index("task_id").loc[2, "lead"] == "市场监管局（知识产权局）、财政局"
    assert reg.set_index("task_id").loc[10, "cooperating"] == "司法局、公安局、检察院、法院"
    assert reg["evidence_count"].sum() == 0
    assert task_view.summary(reg) == "已完成 0 项 · 推进中 0 项 · 未启动 0 项 · 未填报 13 项（共 13 项）"


def test_every_change_is_a_row_and_the_latest_row_is_the_state(store):
    assert tasks.set_status(store, 5, "not_started", user="ed")
    assert tasks.set_status(store, 5, "in_progress", "摸底 120 家规上企业", user="ed")
    assert not tasks.set_status(store, 5, "in_progress", "摸底 120 家规上企业", user="boss")  # no change: no row
    assert tasks.set_status(store, 5, "done", "消零 35 家", "名单；证书", user="boss")
    hist = tasks.history(store, 5)
    assert list(hist["status"]) == ["not_started", "in_progress", "done"]
    assert list(hist["updated_by"]) == ["ed", "ed", "boss"] and set(hist["source"]) == {"app"}
    cur = tasks.current(store).set_index("task_id")
    assert (cur.loc[5, "status"], cur.loc[5, "progress"], cur.loc[5, "evidence_note"]) == (
        "done",
        "消零 35 家",
        "名单；证书",
    )
    assert cur.loc[4, "status"] == "not_reported"
    log = store.audit_log()
    assert list(log["action"][:3]) == ["task_status"] * 3
    assert log.iloc[0]["detail"] == "任务5：推进中 → 已完成；进展：消零 35 家" and log.iloc[0]["user"] == "boss"
    assert log.iloc[2]["detail"].startswith("任务5：未填报 → 未启动")


def test_the_history_cannot_be_rewritten(store):
    tasks.set_status(store, 1, "in_progress", user="ed")
    with store.transaction() as con:
        with pytest.raises(sqlite3.IntegrityError, match="keeps its history"):
            con.execute("UPDATE task_updates SET status = 'done'")
        with pytest.raises(sqlite3.IntegrityError, match="keeps its history"):
            con.execute("DELETE FROM task_updates")


@pytest.mark.parametrize(
    ("task", "status", "message"), [(14, "done", "没有任务“14”"), (1, "finished", "无法识别的状态“finished”")]
)
def test_unknown_task_or_status_writes_nothing(store, task, status, message):
    with pytest.raises(ValueError, match=message):
        tasks.set_status(store, task, status, user="ed")
    assert tasks.history(store).empty and store.audit_log().empty


# -- reading a sheet --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "task"),
    [
        (3, 3),
        (3.0, 3),
        ("3", 3),
        ("３", 3),
        ("3.", 3),
        ("3、", 3),
        ("（3）", 3),
        ("任务3", 3),
        ("任务三", 3),
        ("第三项", 3),
        ("十三", 13),
        ("任务十一", 11),
        ("3.加强知识产权示范高地建设", 3),
        ("加强知识产权人才培育", 13),
        ("实施零专利企业知识产权“消零”", 5),  # the plan's own heading
        ("创新知识产权运营模式和金融服务", 9),
        (0, None),
        ("14", None),
        ("二十", None),
        ("3.加强知识产权人才培育", None),  # the number of one task, the name of another
        ("知识产权", None),  # in every name: no one task
    ],
)
def test_task_number_forms(value, task):
    assert parse_task_id(value) == task


def test_status_forms():
    assert [parse_status(v) for v in ("未启动", " 推进中 ", "已完成", "done", "IN_PROGRESS", "进行中", "暂停")] == [
        "not_started",
        "in_progress",
        "done",
        "done",
        "in_progress",
        "in_progress",
        None,
    ]


def test_the_template_imports_as_nothing_reported_and_filled_in_it_imports(store):
    template = ROOT / "data" / "templates" / "tasks.csv"
    raw = pd.read_csv(template, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(raw.columns) == ["任务编号", "任务名称", "状态", "进展情况", "佐证材料"]
    assert list(raw["任务名称"]) == list(task_table()["name"])
    with pytest.raises(ImportRejected, match="没有任何一行填写了状态、进展情况或佐证材料"):
        tasks.import_sheet(store, template, user="ed")
    raw.loc[0, ["状态", "进展情况"]] = ["推进中", "三级网络覆盖 17 个镇街"]
    raw.loc[12, ["状态", "佐证材料"]] = ["已完成", "培训签到表"]
    buf = io.BytesIO()
    raw.to_csv(buf, index=False, encoding="utf-8-sig")
    result = tasks.import_sheet(store, buf.getvalue(), "任务进展.csv", user="ed")
    assert result.changed == [1, 13]
    cur = tasks.current(store).set_index("task_id")
    assert cur.loc[1, "status"] == "in_progress" and cur.loc[13, "evidence_note"] == "培训签到表"
    assert cur.loc[2, "status"] == "not_reported"  # a row with only its number and name: still not reported
    assert set(tasks.history(store)["source"]) == {"import:任务进展.csv"}


def test_xlsx_with_a_title_row_and_the_plans_forms(store, tmp_path):
    path = tmp_path / "进展.xlsx"
    write_xlsx(
        path,
        [
            ["泰兴市知识产权强县建设重点任务推进情况"],
            ["序号", "任务名称", "任务状态", "工作进展", "佐证"],
            ["任务一", "加强知识产权发展顶层设计", "已完成", "三级网络建成", "文件"],
            [2, None, "推进中", "政策已出台", None],
            ["第十二项", "优化知识产权服务供给", "未启动", None, None],
        ],
    )
    result = tasks.import_sheet(store, path, user="ed")
    assert (result.rows, result.changed) == (3, [1, 2, 12])
    assert result.message == "已从 进展.xlsx 导入任务进展：填报 3 项，其中 3 项有更新，0 项与现状相同"
    again = tasks.import_sheet(store, path, user="ed")
    assert again.changed == [] and len(tasks.history(store)) == 3


BAD_ROWS = {
    "unknown status": (
        [["任务编号", "状态", "进展情况"], [1, "推进中", "好"], [2, "进行吧", "x"]],
        "文件 坏.xlsx 第 3 行「状态」列：值“进行吧”：无法识别的状态（应为 未启动/推进中/已完成）",
    ),
    "unknown task": (
        [["任务编号", "状态"], ["任务十四", "已完成"]],
        "文件 坏.xlsx 第 2 行「任务编号」列：值“任务十四”：无法识别的任务",
    ),
    "empty task": ([["任务编号", "状态"], [None, "已完成"]], "文件 坏.xlsx 第 2 行「任务编号」列：任务编号为空"),
    "status missing": (
        [["任务编号", "状态", "进展情况"], [4, None, "已培育 12 件高价值专利"]],
        "文件 坏.xlsx 第 2 行「状态」列：填写了进展或佐证材料，但状态为空",
    ),
    "twice": (
        [["编号", "状态"], [7, "推进中"], ["七", "已完成"]],
        "文件 坏.xlsx 第 3 行「编号」列：值“七”：任务7在第 2 行已填报",
    ),
    "name of another task": (
        [["任务编号", "任务名称", "状态"], [3, "加强知识产权人才培育", "已完成"]],
        "第 2 行「任务名称」列：值“加强知识产权人才培育”：任务名称与编号不符：任务3是“加强知识产权示范高地建设”",
    ),
    "no header": ([["任务", "情况"], [1, "好"]], "文件 坏.xlsx 未导入：前 15 行中找不到表头"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_refuses_the_whole_file(store, tmp_path, case):
    rows, message = BAD_ROWS[case]
    tasks.set_status(store, 1, "not_started", user="ed")
    path = tmp_path / "坏.xlsx"
    write_xlsx(path, rows)
    with pytest.raises(ImportRejected) as e:
        tasks.import_sheet(store, path, user="ed")
    assert message in e.value.report.message
    assert list(tasks.history(store)["status"]) == ["not_started"]  # the good row 1 of "unknown status" is not written


def test_csv_in_gbk_and_wrong_file_types(store):
    data = "任务编号,状态,进展情况\n10,推进中,两法衔接机制建立\n".encode("gbk")
    assert tasks.import_sheet(store, data, "保护.csv", user="ed").changed == [10]
    with pytest.raises(ImportRejected, match="任务进展表应为 .csv、.txt、.xlsx、.xls 文件"):
        read_task_sheet(ef.pdf(), "进展.pdf")
    with pytest.raises(ImportRejected, match="无法读取"):
        read_task_sheet(b"PK\x03\x04broken", "进展.xlsx")


# -- the command line ---------------------------------------------------------------------------------------------


def test_cli_tasks_json_lists_status_and_evidence(store, capsys):
    tasks.set_status(store, 9, "in_progress", "质押融资 12 亿元", user="ed")
    data = ef.pdf("质押")
    evidence.add(store, data, "质押登记.pdf", task_id=9, user="ed")
    evidence.add(store, ef.pdf("联盟"), "联盟.pdf", goal_id="M01", user="ed")  # a goal's: not a task's evidence
    gone = evidence.add(store, ef.docx(), "作废.docx", task_id=9, user="ed")
    evidence.delete(store, gone, user="ed")
    assert main(["--db", str(store.path), "tasks", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)["tasks"]
    assert [t_["id"] for t_ in out] == list(range(1, 14))
    nine = out[8]
    assert {
        k: nine[k] for k in ("name", "lead", "cooperating", "status", "status_label", "progress", "updated_by")
    } == {
        "name": "运营模式和金融服务（工作站、联盟、质押）",
        "lead": "市场监管局（知识产权局）",
        "cooperating": "科技局、人行",
        "status": "in_progress",
        "status_label": "推进中",
        "progress": "质押融资 12 亿元",
        "updated_by": "ed",
    }
    import hashlib

    assert nine["evidence"] == [
        {
            "file_name": "质押登记.pdf",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "uploaded_at": nine["evidence"][0]["uploaded_at"],
        }
    ]
    assert out[0]["status"] == "not_reported" and out[0]["status_label"] == "未填报" and out[0]["evidence"] == []
    assert out[0]["updated_at"] is None


def test_cli_tasks_csv_and_table(store, capsys):
    tasks.set_status(store, 2, "done", "政策出台", user="ed")
    assert main(["--db", str(store.path), "tasks", "--format", "csv"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert len(df) == 13 and df.loc[1, "status_label"] == "已完成" and df.loc[0, "status_label"] == "未填报"
    assert main(["--db", str(store.path), "tasks"]) == 0
    assert "未填报" in capsys.readouterr().out


def test_cli_import_tasks_good_and_bad(store, tmp_path, capsys):
    good = tmp_path / "好.csv"
    good.write_text("任务编号,状态,进展情况,佐证材料\n任务四,推进中,高价值专利 30 件,清单\n", encoding="utf-8")
    assert main(["--db", str(store.path), "import", "tasks", str(good), "--user", "王"]) == 0
    assert "已从 好.csv 导入任务进展" in capsys.readouterr().out
    hist = tasks.history(store)
    assert (hist["task_id"].tolist(), hist["updated_by"].tolist(), hist["source"].tolist()) == (
        [4],
        ["王"],
        ["import:好.csv"],
    )
    bad = tmp_path / "坏.csv"
    bad.write_text("任务编号,状态\n5,已完成\n99,推进中\n", encoding="utf-8")
    assert main(["--db", str(store.path), "import", "tasks", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "文件 坏.csv 未导入" in err and "第 3 行「任务编号」列：值“99”" in err
    assert len(tasks.history(store)) == 1  # row 2 of the bad file was not written either


# -- schema and backups -------------------------------------------------------------------------------------------


def _downgrade_to_2(db) -> None:
    with Store(db).transaction() as con:
        for table in ("task_updates", "evidence"):
            con.execute(f"DROP TABLE {table}")
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def test_a_store_of_version_2_gets_the_register(tmp_path):
    Store(tmp_path / "old.sqlite")
    _downgrade_to_2(tmp_path / "old.sqlite")
    s = Store(tmp_path / "old.sqlite")
    assert s.get_meta("schema_version") == str(SCHEMA_VERSION) and SCHEMA_VERSION >= 3
    assert tasks.set_status(s, 1, "done", user="ed")


def test_an_old_backup_restored_under_a_running_handle(tmp_path):
    old = Store(tmp_path / "old.sqlite")
    _downgrade_to_2(old.path)
    archive = backup.backup(old.path, tmp_path / "old.zip").path
    live = Store(tmp_path / "live.sqlite")  # the app's cached handle, opened before the restore
    backup.restore(archive, live.path)
    assert set(tasks.current(live)["status"]) == {"not_reported"}
    evidence.add(live, ef.pdf(), "a.pdf", task_id=1, user="ed")
    assert live.get_meta("schema_version") == str(SCHEMA_VERSION)


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_backup_carries_the_register_and_the_evidence_files(tmp_path, fmt):
    src = Store(tmp_path / "src.sqlite")
    tasks.set_status(src, 3, "in_progress", "示范高地", user="ed")
    tasks.set_status(src, 3, "done", "已建成", user="ed")
    files = {"纪要.pdf": ef.pdf(), "总结.docx": ef.docx(), "照片.jpg": ef.image("JPEG")}
    ids = {name: evidence.add(src, data, name, task_id=3, user="ed") for name, data in files.items()}
    evidence.add(src, ef.xlsx(), "名单.xlsx", goal_id="M04", user="ed")
    evidence.delete(src, ids["照片.jpg"], user="ed")
    info = backup.backup(src.path, tmp_path / f"b.{fmt}")
    assert (info.counts["task_updates"], info.counts["evidence"]) == (2, 4)
    assert "任务填报记录 2 条，佐证材料 4 份" in info.summary()
    assert info.manifest["missing_files"] == []
    target = tmp_path / "restored" / "other.sqlite"  # another name: another files folder
    backup.restore(info.path, target)
    dst = Store(target)
    for name, data in files.items():
        row, back = evidence.read(dst, ids[name], include_deleted=True)
        assert back == data and row["file_name"] == name
    assert (tmp_path / "restored" / "other-files").is_dir()
    pd.testing.assert_frame_equal(tasks.history(dst), tasks.history(src))
    pd.testing.assert_frame_equal(task_view.task_register(dst), task_view.task_register(src))
    pd.testing.assert_frame_equal(task_view.evidence_table(dst), task_view.evidence_table(src))


def test_backup_names_a_missing_evidence_file(tmp_path):
    src = Store(tmp_path / "src.sqlite")
    evidence.add(src, ef.pdf(), "纪要.pdf", task_id=1, user="ed")
    sha = evidence.listing(src)["sha256"].iloc[0]
    (src.files_dir / f"evidence-{sha}").unlink()
    info = backup.backup(src.path, tmp_path / "b.zip")
    assert info.manifest["missing_files"] == [f"src-files/evidence-{sha}"]


def test_restore_refuses_an_archive_whose_evidence_count_was_changed(tmp_path):
    import zipfile

    src = Store(tmp_path / "src.sqlite")
    evidence.add(src, ef.pdf(), "纪要.pdf", task_id=1, user="ed")
    info = backup.backup(src.path, tmp_path / "b.zip")
    manifest = dict(info.manifest)
    manifest["counts"] = {**manifest["counts"], "evidence": 0}
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(info.path) as a, zipfile.ZipFile(forged, "w") as b:
        for n in a.namelist():
            b.writestr(n, json.dumps(manifest) if n == "manifest.json" else a.read(n))
    from txip_geo.errors import BackupError

    with pytest.raises(BackupError, match="数据库内容与清单不符（evidence）"):
        backup.restore(forged, tmp_path / "x.sqlite")
