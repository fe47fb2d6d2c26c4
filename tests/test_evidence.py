"""Evidence files (佐证材料): what is accepted comes back byte for byte; every hostile file is refused with its Chinese
message and leaves no row and no file, only an audit entry; a file changed on disk is reported, not served."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import evidence_files as ef
import pytest

from txip_geo.errors import EvidenceError, UploadRejected
from txip_geo.ingest import evidence_check
from txip_geo.ingest.evidence_check import EvidenceLimits, check_evidence, check_name
from txip_geo.store import evidence
from txip_geo.strings import t


def stored_files(store) -> list[str]:
    """Every file the evidence store left in the store's folder (leftovers of an unfinished write included)."""
    return sorted(p.name for p in store.files_dir.glob("evidence-*")) if store.files_dir.exists() else []


def nothing_stored(store) -> None:
    assert evidence.listing(store, include_deleted=True).empty
    assert stored_files(store) == []


# -- accepted files: a byte-for-byte round trip ------------------------------------------------------------------


ACCEPTED = {
    "会议纪要.pdf": (ef.pdf, "pdf", "application/pdf"),
    "现场照片.png": (lambda: ef.image("PNG"), "png", "image/png"),
    "现场照片.JPG": (lambda: ef.image("JPEG"), "jpeg", "image/jpeg"),
    "证书扫描.jpeg": (lambda: ef.image("JPEG"), "jpeg", "image/jpeg"),
    "工作总结.docx": (ef.docx, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "培训台账.xlsx": (ef.xlsx, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "汇报.pptx": (ef.pptx, "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "旧版通知.doc": (ef.doc, "doc", "application/msword"),
    "旧版台账.xls": (ef.xls, "xls", "application/vnd.ms-excel"),
}


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_accepted_file_round_trips_byte_for_byte(store, name):
    make, kind, mime = ACCEPTED[name]
    data = make()
    eid = evidence.add(store, data, name, task_id=4, user="ed", note="样例")
    row, back = evidence.read(store, eid)
    assert back == data
    assert (row["file_name"], row["file_type"], row["mime"], row["size"], row["task_id"], row["goal_id"]) == (
        name,
        kind,
        mime,
        len(data),
        4,
        None,
    )
    import hashlib

    assert row["sha256"] == hashlib.sha256(data).hexdigest()
    assert stored_files(store) == [f"evidence-{row['sha256']}"]
    assert (store.files_dir / f"evidence-{row['sha256']}").read_bytes() == data
    log = store.audit_log()
    assert (
        log.iloc[0]["action"] == "evidence_upload"
        and name in log.iloc[0]["detail"]
        and "任务4" in log.iloc[0]["detail"]
    )


def test_goal_evidence_and_one_copy_of_the_same_bytes(store):
    data = ef.pdf("联盟成立")
    a = evidence.add(store, data, "联盟章程.pdf", goal_id="m01", user="ed")
    b = evidence.add(store, data, "联盟章程（副本）.pdf", task_id=9, user="ed")
    rows = evidence.listing(store)
    assert list(rows["goal_id"]) == ["M01", None] and rows["task_id"].iloc[1] == 9
    assert len(stored_files(store)) == 1  # kept once, by its checksum
    assert evidence.read(store, a)[1] == evidence.read(store, b)[1] == data


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({}, t("evidence.no_target")),
        ({"task_id": 3, "goal_id": "M01"}, t("evidence.no_target")),
        ({"task_id": 14}, t("evidence.unknown_task", task=14)),
        ({"goal_id": "G17"}, t("evidence.unknown_goal", goal="G17")),
    ],
)
def test_evidence_belongs_to_one_known_task_or_goal(store, target, message):
    with pytest.raises(ValueError, match=message):
        evidence.add(store, ef.pdf(), "a.pdf", user="ed", **target)
    nothing_stored(store)


# -- hostile files -------------------------------------------------------------------------------------------------


HOSTILE = {
    "exe renamed pdf": (
        "通知.pdf",
        ef.exe,
        "文件“通知.pdf”的内容不是 PDF 文件（实际是 Windows 可执行程序），未保存：扩展名与文件实际类型不符",
    ),
    "exe as is": (
        "setup.exe",
        ef.exe,
        "文件“setup.exe”的类型（.exe）不在允许之列，未保存；佐证材料只接受 PDF、PNG、JPG/JPEG、DOCX、XLSX、PPTX、DOC、XLS",
    ),
    "html renamed png": ("照片.png", lambda: b"<html><script>alert(1)</script></html>", "实际是网页或脚本代码"),
    "pdf renamed docx": ("总结.docx", ef.pdf, "不是 Word 文档（.docx）（实际是 PDF 文件）"),
    "xlsx renamed docx": ("总结.docx", ef.xlsx, "不是 Word 文档（.docx）（Excel 工作簿（.xlsx））"),
    "zip renamed docx": ("总结.docx", lambda: _plain_zip(), "缺少 Office 文档的必需部件"),
    "docx renamed doc": ("总结.doc", ef.docx, "不是 Word 97-2003 文档（.doc）（实际是 zip 压缩包）"),
    "xls renamed doc": ("总结.doc", ef.xls, "不是 Word 97-2003 文档（.doc）（Excel 97-2003 工作簿（.xls））"),
    "zip bomb docx": ("总结.docx", ef.docx_bomb, "压缩比异常（"),
    "macro docx": ("总结.docx", ef.docx_with_macro, "文件“总结.docx”含有宏（vbaproject.bin），出于安全原因不接受"),
    "macro-enabled content type": ("总结.docx", ef.docx_macro_enabled, "含有宏（macroEnabled）"),
    "docm": ("总结.docm", ef.docx_with_macro, "是启用宏的 Office 文件（.docm）"),
    "macro doc": ("通知.doc", lambda: ef.doc(macro=True), "含有宏（macros）"),
    "macro xls": ("台账.xls", lambda: ef.xls(macro=True), "含有宏（_vba_project_cur）"),
    "encrypted docx": ("总结.docx", lambda: ef.ole([("EncryptionInfo", 2), ("EncryptedPackage", 2)]), "已加密"),
    "empty": ("空.pdf", lambda: b"", "文件“空.pdf”是空的（0 字节），未保存"),
    "script name": ("<script>alert(1)</script>.pdf", ef.pdf, "含有 < 或 >（可能是网页或脚本代码）"),
    "html in name": ("报告<img src=x onerror=alert(1)>.pdf", ef.pdf, "含有 < 或 >"),
    "path traversal": ("../../etc/passwd.pdf", ef.pdf, "文件名“../../etc/passwd.pdf”含有路径分隔符（/ 或 \\），未保存"),
    "windows traversal": ("..\\..\\boot.ini.pdf", ef.pdf, "含有路径分隔符"),
    "absolute path": ("/var/txip/txip.sqlite.pdf", ef.pdf, "含有路径分隔符"),
    "hidden": (".htaccess.pdf", ef.pdf, "以“.”开头（隐藏文件）"),
    "double extension": ("报告.pdf.exe", ef.exe, "带有双重扩展名（.pdf.exe），可能是伪装的文件"),
    "double extension, allowed last": ("报告.exe.pdf", ef.pdf, "带有双重扩展名（.exe.pdf）"),
    "control character": ("报告\x00.pdf", ef.pdf, "含有控制字符"),
    "right-to-left override": ("报告\u202efdp.exe", ef.exe, "含有控制字符或不可见的方向控制字符"),
    "no extension": ("报告", ef.pdf, "没有扩展名"),
    "reserved name": ("CON.pdf", ef.pdf, "是系统保留名"),
    "forbidden character": ("报告?.pdf", ef.pdf, "含有系统不允许的字符"),
    "too long": ("长" * 130 + ".pdf", ef.pdf, "过长（134 个字符，上限 120 个）"),
    "svg": ("图.svg", lambda: b"<svg onload=alert(1)></svg>", "类型（.svg）不在允许之列"),
    "html": ("页面.html", lambda: b"<html></html>", "类型（.html）不在允许之列"),
}


def _plain_zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "不是 Office 文档")
    return buf.getvalue()


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_refused_with_its_message_and_nothing_stored(store, case):
    name, make, message = HOSTILE[case]
    with pytest.raises(UploadRejected) as e:
        evidence.add(store, make(), name, task_id=1, user="ed")
    assert message in str(e.value)
    nothing_stored(store)
    log = store.audit_log()
    assert list(log["action"]) == ["evidence_refused"]
    assert log.iloc[0]["detail"].startswith("任务1：拒绝上传：") and message in log.iloc[0]["detail"]
    assert "\x00" not in log.iloc[0]["detail"] and "\u202e" not in log.iloc[0]["detail"]


def test_too_large_follows_the_setting(store, monkeypatch):
    data = ef.pdf() + b"%" + b"0" * (1024 * 1024 + 10)
    monkeypatch.setenv("TXIP_MAX_EVIDENCE_MB", "1")
    with pytest.raises(UploadRejected, match=r"文件“大.pdf”过大（1.0 MB），佐证材料单个文件上限为 1 MB"):
        evidence.add(store, data, "大.pdf", task_id=2, user="ed")
    nothing_stored(store)
    monkeypatch.setenv("TXIP_MAX_EVIDENCE_MB", "2")
    eid = evidence.add(store, data, "大.pdf", task_id=2, user="ed")
    assert evidence.read(store, eid)[1] == data


def test_default_size_limit_is_20_mb():
    assert evidence_check.current_limits().max_bytes == 20 * 1024 * 1024
    data = ef.pdf() + b"0" * (20 * 1024 * 1024)
    with pytest.raises(UploadRejected, match="上限为 20 MB"):
        check_evidence(data, "大.pdf")


def test_zip_bomb_by_member_count_and_by_unpacked_size():
    many = ef.rezip(ef.docx(), add={f"word/extra/item{i}.xml": b"<a/>" for i in range(30)})
    with pytest.raises(UploadRejected, match=r"内部的部件过多（\d+ 个，上限 20 个），疑似压缩炸弹"):
        check_evidence(many, "a.docx", EvidenceLimits(max_members=20))
    big = ef.rezip(ef.docx(), add={"word/media/a.bin": bytes(range(256)) * 8192})  # 2 MiB, packs ~1:100
    with pytest.raises(UploadRejected, match=r"解压后过大（2.\d MB，上限 1 MB），疑似压缩炸弹"):
        check_evidence(big, "a.docx", EvidenceLimits(max_unpacked_bytes=1024 * 1024, max_ratio=10_000))
    assert check_evidence(big, "a.docx", EvidenceLimits(max_ratio=10_000)).file_type == "docx"


def test_names_that_are_fine_are_kept():
    for name in ("2024年度工作总结.v1.2.docx", "会议纪要（2025.03.18）.pdf", " 报告 final.pdf ", "a-b_c.JPEG"):
        assert check_name(name) == name.strip()


# -- what is stored stays as it was ----------------------------------------------------------------------------------


def test_altered_or_missing_file_is_reported_not_served(store):
    data = ef.pdf()
    eid = evidence.add(store, data, "纪要.pdf", task_id=1, user="ed")
    sha = evidence.listing(store)["sha256"].iloc[0]
    assert evidence.integrity(store, sha) == "ok"
    path = store.files_dir / f"evidence-{sha}"
    path.write_bytes(data.replace(b"Catalog", b"Cat4log"))
    assert evidence.integrity(store, sha) == "altered"
    with pytest.raises(
        EvidenceError, match=r"佐证材料“纪要.pdf”（编号 1）的文件已被改动（校验和与上传时不符），不予下载"
    ):
        evidence.read(store, eid)
    path.unlink()
    assert evidence.integrity(store, sha) == "missing"
    with pytest.raises(EvidenceError, match="的文件不在数据目录中"):
        evidence.read(store, eid)
    # Uploading the same bytes again repairs the file for every row that names it.
    evidence.add(store, data, "纪要.pdf", task_id=1, user="ed")
    assert evidence.read(store, eid)[1] == data


def test_delete_hides_the_row_and_keeps_the_bytes(store):
    data = ef.docx()
    eid = evidence.add(store, data, "总结.docx", task_id=6, user="ed")
    evidence.delete(store, eid, user="boss")
    assert evidence.listing(store).empty
    hidden = evidence.listing(store, include_deleted=True)
    assert (hidden["deleted"].iloc[0], hidden["deleted_by"].iloc[0]) == (1, "boss")
    with pytest.raises(EvidenceError, match="没有编号为 1 的佐证材料"):
        evidence.read(store, eid)
    assert evidence.read(store, eid, include_deleted=True)[1] == data
    assert stored_files(store) == [f"evidence-{hidden['sha256'].iloc[0]}"]
    log = store.audit_log()
    assert (
        log.iloc[0]["action"] == "evidence_delete"
        and log.iloc[0]["user"] == "boss"
        and "总结.docx" in log.iloc[0]["detail"]
    )


def test_evidence_rows_cannot_be_deleted_or_rewritten(store):
    evidence.add(store, ef.pdf(), "纪要.pdf", task_id=1, user="ed")
    with store.transaction() as con:
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            con.execute("DELETE FROM evidence")
        with pytest.raises(sqlite3.IntegrityError, match="for good"):
            con.execute("UPDATE evidence SET sha256 = 'x'")


def test_a_failed_write_leaves_no_row_and_no_file(store, monkeypatch):
    def broken(con, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(store, "write_audit", broken)
    with pytest.raises(OSError):
        evidence.add(store, ef.pdf(), "纪要.pdf", task_id=1, user="ed")
    monkeypatch.undo()
    nothing_stored(store)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_a_real_word_97_file_is_read_as_one(store, tmp_path):
    """The compound-file reader on a .doc LibreOffice writes (the hand-made ones above follow the same spec)."""
    src = tmp_path / "通知.docx"
    src.write_bytes(ef.docx("关于开展知识产权宣传周活动的通知"))
    profile = (tmp_path / "lo-profile").as_uri()  # a profile of its own: other LibreOffice runs may be going on
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    data = (tmp_path / "通知.doc").read_bytes()
    assert {"worddocument", "1table"} <= evidence_check.ole_entry_names(data)
    eid = evidence.add(store, data, "通知.doc", task_id=13, user="ed")
    assert evidence.read(store, eid)[1] == data
    with pytest.raises(UploadRejected, match="不是 Excel 97-2003 工作簿（.xls）（Word 97-2003 文档（.doc））"):
        check_evidence(data, "通知.xls")
