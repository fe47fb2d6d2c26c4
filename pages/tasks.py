"""任务: the plan's 13 tasks (status with colour, progress, lead and cooperating units, evidence files), one task in
detail with its history; editors and admins set status and progress, upload and delete (hide) evidence files and import
a task-progress sheet. The milestones M01–M04 (and any goal) with their evidence. `?task=3` opens a task."""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py

import html

import streamlit as st

from txip_geo.errors import ImportRejected, UploadRejected
from txip_geo.figures.goals import evaluate
from txip_geo.ingest.evidence_check import UPLOAD_TYPES, current_limits
from txip_geo.present import task_view
from txip_geo.present.goal_tables import md_escape
from txip_geo.present.records import local_time
from txip_geo.store import evidence as evidence_store
from txip_geo.store import tasks as task_store
from txip_geo.strings import t
from ui import auth as ui_auth
from ui import header, state, uploader

store = state.store()
fs = state.figures()
me = ui_auth.user()
editable = me.can("edit_tasks")
may_download = me.can("see_personal")
MAX_MB = max(1, current_limits().max_bytes // (1024 * 1024))

st.title(t("tasks.title"))
header.show(fs)
st.caption(t("tasks.intro"))
if not editable:
    st.info(t("tasks.viewer_note"))


def flash(where: str) -> None:
    """The message an action left for the rerun that follows it."""
    msg = st.session_state.pop(f"tasks_flash_{where}", None)
    if msg:
        getattr(st, msg[0])(msg[1])


def done(where: str, kind: str, text: str) -> None:
    st.session_state[f"tasks_flash_{where}"] = (kind, text)
    st.rerun()


# -- the register ---------------------------------------------------------------------------------------------------
ev = task_view.evidence_table(store)
reg = task_view.task_register(store, ev)
ids = [int(i) for i in reg["task_id"]]
names = dict(zip(ids, reg["name"]))
if "task_pick" not in st.session_state:
    q = state.query("task") or ""
    st.session_state.task_pick = int(q) if q.isdigit() and int(q) in ids else ids[0]

flash("register")
st.markdown(
    f'<div data-testid="tasks-summary" style="font-size:1.1rem;font-weight:600;margin:0.2rem 0 0.6rem 0">'
    f"{html.escape(task_view.summary(reg))}</div>",
    unsafe_allow_html=True,
)
C = {k: t(f"tasks.{k}") for k in ("col_id", "col_name", "col_status", "col_progress", "col_evidence_note", "col_files")}
COLUMNS = {
    C["col_id"]: st.column_config.NumberColumn(width=55, format="%d"),
    C["col_name"]: st.column_config.TextColumn(width=260),
    C["col_status"]: st.column_config.TextColumn(width=75),
    C["col_progress"]: st.column_config.TextColumn(width=320),
    C["col_evidence_note"]: st.column_config.TextColumn(width=200),
    C["col_files"]: st.column_config.NumberColumn(width=75, format="%d"),
}


def pick_row() -> None:
    rows = st.session_state["tasks_table"].selection.rows
    if rows:
        st.session_state.task_pick = ids[rows[0]]


st.dataframe(
    task_view.styled(task_view.register_display(reg)),
    hide_index=True,
    column_config=COLUMNS,
    key="tasks_table",
    on_select=pick_row,
    selection_mode="single-row",
)


# -- evidence files: list, download, delete, upload -----------------------------------------------------------------
def evidence_list(rows, where: str) -> None:
    """The evidence files of one task or goal: name, size, time; a download (checked against its hash) and, for
    editors, a delete (hide) button."""
    st.markdown(f"**{t('tasks.files')}**")
    if rows.empty:
        st.caption(t("tasks.no_files"))
        return
    if not may_download:
        st.caption(t("tasks.download_needs_role"))
    for r in rows.itertuples():
        c1, c2, c3 = st.columns([6, 1, 1], vertical_alignment="center")
        meta = f"{task_view.size_text(r.size)} · {r.uploaded_by} · {local_time(r.uploaded_at)}"
        note = f" · {r.note}" if r.note else ""
        c1.markdown(f"📎 {md_escape(r.file_name)}  \n<small>{html.escape(meta + note)}</small>", unsafe_allow_html=True)
        state_ = evidence_store.integrity(store, r.sha256)
        if state_ != "ok":
            c2.error(t("tasks.file_missing" if state_ == "missing" else "tasks.file_altered"))
        elif may_download:
            c2.download_button(
                t("tasks.download"),
                data=lambda i=int(r.id): evidence_store.read(store, i)[1],
                file_name=r.file_name,
                mime=r.mime,
                key=f"ev_dl_{r.id}",
                on_click="ignore",
                icon=":material/download:",
            )
        if editable and c3.button(t("tasks.delete"), key=f"ev_del_{r.id}"):
            evidence_store.delete(store, int(r.id), user=me.username)
            done(where, "success", t("tasks.deleted", name=r.file_name))


def upload_form(where: str, *, task_id=None, goal_id=None) -> None:
    """Upload one evidence file for a task or a goal (editors); a refused file is shown with its reason, and stored
    nowhere."""
    key = f"ev_up_{where}"
    with st.form(key, clear_on_submit=True):
        st.markdown(f"**{t('tasks.upload')}**")
        st.caption(t("tasks.upload_help", types=t("evidence.allowed_types"), mb=MAX_MB))
        up = uploader.file_uploader(
            t("tasks.upload_file"), key=f"{key}_file", type=UPLOAD_TYPES, max_upload_size=MAX_MB
        )
        note = st.text_input(t("tasks.upload_note"), key=f"{key}_note")
        if st.form_submit_button(t("tasks.upload_submit"), key=f"{key}_submit") and up is not None:
            try:
                evidence_store.add(
                    store, up.getvalue(), up.name, task_id=task_id, goal_id=goal_id, user=me.username, note=note
                )
            except (UploadRejected, ValueError) as e:
                st.error(str(e))
                return
            done(where, "success", t("tasks.uploaded", name=up.name))


# -- one task --------------------------------------------------------------------------------------------------------
st.divider()
st.subheader(t("tasks.detail"))
tid = st.selectbox(t("tasks.pick"), ids, key="task_pick", format_func=lambda i: f"{i} {names[i]}")
state.set_query(task=tid)
row = reg.set_index("task_id").loc[tid]
flash("task")
st.markdown(
    f'<span data-testid="task-status" style="padding:2px 10px;border-radius:10px;'
    f'{task_view.status_css(row["status"])}">{html.escape(t("tasks.status_now", status=row["status_label"]))}</span>',
    unsafe_allow_html=True,
)
st.markdown(
    f"**{t('tasks.lead')}**：{md_escape(row['lead'])}  \n"
    f"**{t('tasks.cooperating')}**：{md_escape(row['cooperating'])}  \n"
    f"**{t('tasks.plan_source')}**：{md_escape(task_view.plan_source_label(row['plan_source']))}"
)
if row["status"] == task_store.NOT_REPORTED:
    st.caption(t("tasks.not_reported_note"))
else:
    st.markdown(f"**{C['col_progress']}**：{md_escape(row['progress']) or '—'}")
    if row["evidence_note"]:
        st.markdown(f"**{C['col_evidence_note']}**：{md_escape(row['evidence_note'])}")
    st.caption(
        t(
            "tasks.last_update",
            at=local_time(row["updated_at"]),
            by=row["updated_by"],
            source=task_view.source_label(row["update_source"]),
        )
    )
    hist = task_store.history(store, tid)
    with st.expander(t("tasks.history", n=len(hist))):
        st.dataframe(task_view.history_display(hist), hide_index=True, key="task_history")

evidence_list(ev[(ev["target"] == "task") & (ev["task_id"].astype("float") == float(tid))], "task")

if editable:
    with st.form(f"task_edit_{tid}"):
        st.markdown(f"**{t('tasks.edit')}**")
        now = row["status"] if row["status"] in task_store.STATUSES else task_store.STATUSES[0]
        status = st.selectbox(
            t("tasks.edit_status"),
            task_store.STATUSES,
            index=task_store.STATUSES.index(now),
            format_func=task_store.STATUS_LABELS.get,
            key=f"task_status_{tid}",
        )
        progress = st.text_area(t("tasks.edit_progress"), value=row["progress"], key=f"task_progress_{tid}")
        note = st.text_input(t("tasks.edit_evidence_note"), value=row["evidence_note"], key=f"task_note_{tid}")
        if st.form_submit_button(t("tasks.save"), type="primary", key=f"task_save_{tid}"):
            changed = task_store.set_status(store, tid, status, progress, note, user=me.username)
            done(
                "task",
                "success" if changed else "info",
                t("tasks.saved", task=tid) if changed else t("tasks.unchanged"),
            )
    upload_form("task", task_id=tid)

# -- milestones and goals ------------------------------------------------------------------------------------------
st.divider()
st.subheader(t("tasks.milestones"))
st.caption(t("tasks.milestones_intro"))
goals = evaluate(fs)
goal_ids = goals.sort_values("kind", key=lambda k: k != "milestone", kind="stable")["id"].tolist()
goal_names = dict(zip(goals["id"], goals["name"]))
counts = ev[ev["target"] == "goal"]["goal_id"].value_counts()
ms = goals[goals["kind"] == "milestone"]
st.dataframe(
    {
        C["col_id"]: ms["id"].tolist(),
        C["col_name"]: ms["name"].tolist(),
        t("tasks.milestone_status"): ms["status_label"].tolist(),
        C["col_files"]: [int(counts.get(g, 0)) for g in ms["id"]],
    },
    hide_index=True,
    key="milestones_table",
)
gid = st.selectbox(
    t("tasks.goal_pick"), goal_ids, key="goal_ev_pick", format_func=lambda g: f"{g} {goal_names.get(g, '')}"
)
flash("goal")
evidence_list(ev[(ev["target"] == "goal") & (ev["goal_id"] == gid)], "goal")
if editable:
    upload_form("goal", goal_id=gid)

# -- import a task-progress sheet -------------------------------------------------------------------------------------
if editable:
    st.divider()
    with st.expander(t("tasks.import_title"), expanded="tasks_flash_import" in st.session_state):
        flash("import")
        st.caption(t("tasks.import_help"))
        sheet = uploader.file_uploader(
            t("tasks.import_file"),
            key=f"tasks_sheet_{st.session_state.get('tasks_sheet_round', 0)}",
            type=["csv", "xlsx", "xls"],
        )
        if sheet is not None and st.button(t("tasks.import_submit"), type="primary", key="tasks_import"):
            try:
                result = task_store.import_sheet(store, sheet.getvalue(), sheet.name, user=me.username)
            except ImportRejected as e:
                st.error(t("tasks.import_rejected"))
                st.code(e.report.message, language=None)
            else:
                st.session_state.tasks_sheet_round = st.session_state.get("tasks_sheet_round", 0) + 1
                done("import", "success", result.message)
