"""The 任务 page in Streamlit's AppTest: an editor sets a task's status, uploads evidence (a hostile file is refused
with its message and stored nowhere), deletes it and imports a sheet; a viewer sees the register and the evidence list
but no form, no uploader and no download."""

from __future__ import annotations

from pathlib import Path

import evidence_files as ef
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from txip_geo.present.goal_tables import md_escape
from txip_geo.store import auth, evidence, tasks
from txip_geo.store.database import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def users_store(tmp_path, monkeypatch):
    s = Store(tmp_path / "tasks.sqlite")
    auth.add_user(s, "boss", "admin", password="long enough")
    auth.add_user(s, "ed", "editor", password="long enough")
    auth.add_user(s, "guest", "viewer", password="long enough")
    monkeypatch.setenv("TXIP_DB", str(s.path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield s
    st.cache_resource.clear()
    st.cache_data.clear()


def page(store, username: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "tasks.py"), default_timeout=120)
    at.session_state["auth_user"] = auth.get_user(store, username)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def register(at: AppTest):
    return next(d.value for d in at.dataframe if "进展情况" in d.value.columns and "牵头单位" in d.value.columns)


def test_editor_sets_a_tasks_status_and_the_register_shows_it(users_store):
    at = page(users_store, "ed", task="7")
    assert at.selectbox(key="task_pick").value == 7
    reg = register(at)
    assert len(reg) == 13 and set(reg["状态"]) == {"未填报"}
    assert "未填报 13 项（共 13 项）" in at.markdown[0].value
    at.selectbox(key="task_status_7").set_value("in_progress")
    at.text_area(key="task_progress_7").input("培育地理标志 2 件")
    at.button(key="task_save_7").click()
    at.run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已保存任务7的状态与进展"]
    reg = register(at)
    assert (
        reg.loc[6, "状态"] == "推进中"
        and reg.loc[6, "进展情况"] == "培育地理标志 2 件"
        and reg.loc[6, "填报人"] == "ed"
    )
    cur = tasks.current(users_store).set_index("task_id")
    assert (cur.loc[7, "status"], cur.loc[7, "updated_by"], cur.loc[7, "source"]) == ("in_progress", "ed", "app")
    assert users_store.audit_log().iloc[0]["action"] == "task_status"
    assert any("状态：推进中" in m.value for m in at.markdown)


def test_editor_uploads_downloads_and_deletes_evidence_through_the_page(users_store):
    at = page(users_store, "ed", task="2")
    data = ef.docx("政策文件汇编")
    at.file_uploader(key="ev_up_task_file").set_value(("政策汇编.docx", data, "application/octet-stream"))
    at.button(key="ev_up_task_submit").click()
    at.run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已上传“政策汇编.docx”"]
    rows = evidence.listing(users_store)
    assert list(rows["file_name"]) == ["政策汇编.docx"] and rows["task_id"].iloc[0] == 2
    assert evidence.read(users_store, int(rows["id"].iloc[0]))[1] == data  # what the download button serves
    assert [b.key for b in at.get("download_button")] == [f"ev_dl_{rows['id'].iloc[0]}"]
    assert register(at).loc[1, "佐证文件"] == 1
    at.button(key=f"ev_del_{rows['id'].iloc[0]}").click()
    at.run()
    assert "已删除（隐藏）佐证文件“政策汇编.docx”" in at.success[0].value
    assert evidence.listing(users_store).empty and len(evidence.listing(users_store, include_deleted=True)) == 1


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("通知.pdf", ef.exe, "文件“通知.pdf”的内容不是 PDF 文件（实际是 Windows 可执行程序）"),
        ("总结.docx", ef.docx_bomb, "疑似压缩炸弹"),
        ("<script>alert(1)</script>.pdf", ef.pdf, "含有 < 或 >（可能是网页或脚本代码）"),
    ],
)
def test_a_hostile_upload_through_the_page_is_refused_and_stored_nowhere(users_store, name, make, message):
    at = page(users_store, "ed")
    at.file_uploader(key="ev_up_goal_file").set_value((name, make(), "application/octet-stream"))
    at.button(key="ev_up_goal_submit").click()
    at.run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert evidence.listing(users_store, include_deleted=True).empty
    assert not list(users_store.files_dir.glob("evidence-*")) if users_store.files_dir.exists() else True
    assert users_store.audit_log().iloc[0]["action"] == "evidence_refused"
    assert "<script" not in "".join(m.value for m in at.markdown)  # the name is never put into the page as HTML


def test_milestone_evidence_on_the_page(users_store):
    evidence.add(users_store, ef.pdf(), "联盟章程.pdf", goal_id="M01", user="ed")
    at = page(users_store, "ed")
    ms = next(d.value for d in at.dataframe if "完成情况" in d.value.columns)
    assert list(ms["编号"]) == ["M01", "M02", "M03", "M04"] and list(ms["佐证文件"]) == [1, 0, 0, 0]
    assert at.selectbox(key="goal_ev_pick").value == "M01"
    assert any(md_escape("联盟章程.pdf") in m.value for m in at.markdown)
    at.selectbox(key="goal_ev_pick").set_value("G12")
    at.run()
    assert not any(md_escape("联盟章程.pdf") in m.value for m in at.markdown)


def test_import_a_sheet_through_the_page(users_store):
    at = page(users_store, "ed")
    good = "任务编号,状态,进展情况\n任务二,推进中,已出台政策\n十三,已完成,培训 300 人次\n".encode()
    at.file_uploader(key="tasks_sheet_0").set_value(("进展.csv", good, "text/csv"))
    at.run()
    at.button(key="tasks_import").click()
    at.run()
    assert [s.value for s in at.success] == ["已从 进展.csv 导入任务进展：填报 2 项，其中 2 项有更新，0 项与现状相同"]
    assert "已完成 1 项 · 推进中 1 项" in at.markdown[0].value
    bad = "任务编号,状态\n1,已完成\n2,好了\n".encode()
    at.file_uploader(key="tasks_sheet_1").set_value(("坏.csv", bad, "text/csv"))
    at.run()
    at.button(key="tasks_import").click()
    at.run()
    assert [e.value for e in at.error] == ["任务进展表未通过检查，未导入"]
    assert "文件 坏.csv 第 3 行「状态」列：值“好了”" in at.code[0].value
    assert tasks.current(users_store).set_index("task_id").loc[1, "status"] == "not_reported"


def test_viewer_sees_the_register_but_cannot_edit_upload_or_download(users_store):
    tasks.set_status(users_store, 1, "done", "三级网络建成", user="ed")
    evidence.add(users_store, ef.pdf(), "网络名单.pdf", task_id=1, user="ed")
    at = page(users_store, "guest", task="1")
    assert "您的账号为查看权限：可以查看任务与佐证材料清单，不能修改。" in [i.value for i in at.info]
    assert register(at).loc[0, "状态"] == "已完成"
    assert any(md_escape("网络名单.pdf") in m.value for m in at.markdown)
    assert not at.file_uploader and not at.text_area
    assert [s.key for s in at.selectbox] == ["task_pick", "goal_ev_pick"]
    assert not [b for b in at.button if b.key and b.key.startswith(("task_save", "ev_del", "ev_up", "tasks_import"))]
    assert not at.get("download_button")
    assert any("仅编辑和管理员可以下载" in c.value for c in at.caption)


def test_an_altered_file_shows_as_such_instead_of_a_download(users_store):
    eid = evidence.add(users_store, ef.pdf(), "纪要.pdf", task_id=1, user="ed")
    sha = evidence.listing(users_store)["sha256"].iloc[0]
    (users_store.files_dir / f"evidence-{sha}").write_bytes(b"%PDF-1.4 changed")
    at = page(users_store, "boss", task="1")
    assert "文件已被改动" in [e.value for e in at.error]
    assert f"ev_dl_{eid}" not in [b.key for b in at.get("download_button")]
