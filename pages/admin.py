"""用户与日志: users and roles (admins only), sign-in locks (lifted here), restoring a signed backup, and the audit log of
sign-ins, imports and changes."""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from txip_geo.errors import BackupError
from txip_geo.ingest import pipeline
from txip_geo.present import records as progress
from txip_geo.render import xlsx as export
from txip_geo.store import auth, backup, backup_sign, throttle
from txip_geo.strings import t
from ui import auth as ui_auth
from ui import state, uploader

ui_auth.require("manage_users")
store = state.store()
me = ui_auth.user()
st.title(t("admin.title"))

st.subheader(t("admin.users"))
users = auth.list_users(store)
if users.empty:
    st.info(t("admin.no_users"))
else:
    shown = users.assign(
        role=users["role"].map(auth.ROLE_LABELS),
        disabled=users["disabled"].map({0: "", 1: t("admin.disabled")}),
        created_at=users["created_at"].map(progress.local_time),
    )
    st.dataframe(
        shown.rename(
            columns={
                "username": t("admin.col_username"),
                "display_name": t("admin.col_name"),
                "role": t("admin.col_role"),
                "sso_subject": t("admin.col_sso"),
                "disabled": t("admin.col_status"),
                "created_at": t("admin.col_created"),
            }
        ),
        hide_index=True,
    )

with st.expander(t("admin.add"), expanded=users.empty), st.form("add_user", clear_on_submit=True):
    c1, c2, c3 = st.columns(3)
    name = c1.text_input(t("admin.col_username"))
    display = c2.text_input(t("admin.col_name"))
    role = c3.selectbox(t("admin.col_role"), auth.ROLES, format_func=auth.ROLE_LABELS.get)
    c4, c5 = st.columns(2)
    pw = c4.text_input(t("admin.password"), type="password", help=t("admin.password_help"))
    sso = c5.text_input(t("admin.col_sso"), help=t("admin.sso_help"))
    if st.form_submit_button(t("admin.add_submit"), type="primary"):
        try:
            auth.add_user(
                store,
                name.strip(),
                role,
                password=pw or None,
                display_name=display.strip(),
                sso_subject=sso.strip(),
                by=me.username,
            )
            st.success(t("admin.added", name=name))
            st.rerun()
        except auth.AuthError as e:
            st.error(str(e))

if not users.empty:
    with st.expander(t("admin.change")):
        who = st.selectbox(t("admin.col_username"), list(users["username"]), key="adm_who")
        c1, c2, c3 = st.columns(3)
        new_role = c1.selectbox(
            t("admin.col_role"),
            ("",) + auth.ROLES,
            format_func=lambda r: auth.ROLE_LABELS.get(r, t("page_admin.unchanged")),
            key="adm_role",
        )
        new_pw = c2.text_input(t("admin.password"), type="password", key="adm_pw", help=t("admin.password_help"))
        status = c3.selectbox(
            t("admin.col_status"),
            ["", "enable", "disable"],
            key="adm_status",
            format_func={
                "": t("page_admin.unchanged"),
                "enable": t("users.change_enabled"),
                "disable": t("admin.disabled"),
            }.get,
        )
        if st.button(t("admin.apply"), key="adm_apply"):
            try:
                auth.update_user(
                    store,
                    who,
                    role=new_role or None,
                    password=new_pw or None,
                    disabled=None if not status else status == "disable",
                    by=me.username,
                )
                st.success(t("admin.updated", name=who))
                st.rerun()
            except auth.AuthError as e:
                st.error(str(e))

st.subheader(t("auth_throttle.locks_title"))
limits = throttle.settings()
st.caption(
    t(
        "auth_throttle.locks_help",
        window=f"{limits.window_min:g}",
        account=limits.account_failures,
        client=limits.client_failures,
        lock=f"{limits.lock_min:g}",
        max=f"{limits.lock_max_min:g}",
    )
)
locks = throttle.locks(store)
if locks.empty:
    st.info(t("auth_throttle.no_locks"))
else:
    st.dataframe(
        pd.DataFrame(
            {
                t("auth_throttle.col_scope"): locks["scope"].map(lambda s: t(f"auth_throttle.scope_{s}")),
                t("auth_throttle.col_key"): locks["key"],
                t("auth_throttle.col_until"): locks["until"],
                t("auth_throttle.col_lockouts"): locks["lockouts"],
            }
        ),
        hide_index=True,
        key="locks_table",
    )
    picks = list(zip(locks["scope"], locks["key"]))
    pick = st.selectbox(
        t("auth_throttle.unlock_pick"),
        range(len(picks)),
        format_func=lambda i: f"{t(f'auth_throttle.scope_{picks[i][0]}')} {picks[i][1]}",
        key="adm_unlock_pick",
    )
    if st.button(t("auth_throttle.unlock_button"), key="adm_unlock"):
        scope, key = picks[pick]
        try:
            auth.unlock(store, key, client=scope == throttle.CLIENT, by=me.username)
            st.success(t("auth_throttle.unlocked", who=key))
            st.rerun()
        except auth.AuthError as e:
            st.error(str(e))

st.subheader(t("backup_sign.restore_title"))
st.caption(t("backup_sign.restore_help"))
archive = uploader.file_uploader(t("backup_sign.restore_uploader"), key="restore_file", type=["zip", "gz", "tgz"])
accept = st.checkbox(t("backup_sign.accept_unsigned"), key="restore_accept")
if archive is not None and st.button(t("backup_sign.restore_button"), key="restore_go", type="primary"):
    folder = Path(tempfile.mkdtemp(prefix="txip-restore-upload-"))
    try:
        staged = folder / Path(archive.name).name
        staged.write_bytes(archive.getvalue())
        info = backup.restore(staged, store, user=me.username, accept_unsigned=accept)
        st.session_state.restore_result = [
            t(
                "backup_sign.restored",
                name=archive.name,
                created_at=info.manifest.get("created_at"),
                summary=info.summary(),
            )
        ] + (
            []
            if info.signature == backup_sign.VALID
            else [t("backup_sign.restored_unsigned", why=backup_sign.reason(info.signature))]
        )
        st.cache_data.clear()  # the figures of the store that was replaced
        st.rerun()
    except BackupError as e:
        st.error(str(e))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
for i, line in enumerate(st.session_state.get("restore_result") or []):
    (st.success if i == 0 else st.warning)(line)

st.subheader(t("admin.audit"))
log = store.audit_log(1000)
# The audit log's actions (store.audit's second argument) with a name; any other is shown as written.
ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "import",
    "boundaries",
    "user",
    "restore",
    "backup",
    "delete",
    "manual",
    "task_status",
    "evidence_upload",
    "evidence_delete",
    "evidence_refused",
)
labels = {a: t(f"page_admin.action_{a}") for a in ACTIONS}
labels.update({a: t(f"auth_throttle.action_{a}") for a in ("sign_in_locked", "sign_in_unlock")})
labels["restore_unsigned"] = t("backup_sign.action_restore_unsigned")
labels["boundaries_override"] = t("boundary_coverage.action_boundaries_override")
labels |= {a: t(f"import_audit.action_{a}") for a in pipeline.AUDIT_ACTIONS}  # imports that stored nothing
log = log.assign(at=log["at"].map(progress.local_time), action=log["action"].map(lambda a: labels.get(a, a)))
log.columns = [t("admin.col_at"), t("admin.col_user"), t("admin.col_action"), t("admin.col_detail")]
st.dataframe(log, hide_index=True, height=400)
st.download_button(
    t("admin.download_audit"),
    data=export.write_xlsx({t("admin.audit"): log}),
    file_name=t("page_admin.audit_file"),
    mime=export.XLSX_MIME,
)
