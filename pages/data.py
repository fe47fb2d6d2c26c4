"""数据: what is loaded — the imports, the boundary status, how records were assigned to townships — and the records
that count for no township (unassigned) or for nothing (outside Taixing), with an Excel download. An upload is
previewed here and, once confirmed, queued as a background job (txip_geo.store.jobs): a worker process imports it
while this page shows the queue, a progress bar that refreshes itself while a job runs, and each import's report."""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py

import hashlib
from datetime import date

import streamlit as st

from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.errors import ImportRejected
from txip_geo.ingest.importer import prepare
from txip_geo.ingest.pipeline import (
    audit_refusal,
    import_warning_counts,
    store_layers,
    stored_report,
)
from txip_geo.ingest.report import ImportReport, report_frames, report_sheets
from txip_geo.present import job_view, records
from txip_geo.present import records as progress
from txip_geo.render import xlsx as export
from txip_geo.schema import ASSIGN_METHODS, KINDS
from txip_geo.store import job_runner, jobs
from txip_geo.strings import t
from ui import auth as ui_auth
from ui import header, state, uploader

gaz = load_gazetteer()
fs = state.figures()
store = state.store()
version = state.store_version(store)

st.title(t("data.title"))
header.show(fs)


@st.cache_data(show_spinner=False, max_entries=4)
def _tables(path: str, version: tuple, as_of: str | None, personal: bool):
    """Assignment counts and the unassigned/outside list, read from the store (FigureSet drops outside records)."""
    return progress.store_assignment_counts(store, as_of), records.unassigned_table(fs, store, personal=personal)


# -- upload: preview, then confirm ---------------------------------------------------------------------------------------
def _report_xlsx(rep) -> bytes:
    sheets = report_sheets(rep)
    return export.write_xlsx(sheets, {k: [t("page_data.report_title", file=rep.file_name)] for k in sheets})


def _problem_table(df):
    """A report's problems without the sheet column when the file has one sheet."""
    sheet = t("ingest_report.col_sheet")
    return df.drop(columns=[sheet]) if sheet in df and not df[sheet].astype(bool).any() else df


def _show_report(rep, title: str) -> None:
    frames = report_frames(rep)
    c = st.columns(5)
    c[0].metric(t("upload.rows_read"), rep.rows_read)
    c[1].metric(t("upload.rows_ok"), rep.rows_imported)
    c[2].metric(t("upload.rows_bad"), len({(p.sheet, p.row) for p in rep.errors}))
    c[3].metric(t("upload.warnings"), len(rep.warnings))
    c[4].metric(t("upload.duplicates"), rep.duplicates)
    if len(frames["errors"]):
        st.caption(t("upload.errors"))
        st.dataframe(frames["errors"], hide_index=True, height=min(38 + 35 * len(frames["errors"]), 300))
    for line in rep.readings:
        st.caption(t("page_data.reading", label=t("upload.readings"), line=line))
    if len(frames["warnings"]):
        with st.expander(t("page_data.with_count", label=t("upload.warnings"), n=len(frames["warnings"]))):
            st.dataframe(_problem_table(frames["warnings"]), hide_index=True)
    st.download_button(
        t("upload.download_report"),
        data=_report_xlsx(rep),
        file_name=t("page_data.report_file", file=rep.file_name),
        mime=export.XLSX_MIME,
        key=f"rep_{title}",
    )


def _preview(kind: str, up, data: bytes, as_of: str, skip: bool, user: str):
    """(records of the first rows, report of the whole file, None) or (None, None, ImportRejected) for this upload.
    A refusal is an import attempt: it goes to the audit log (once per upload and settings).

    Kept for the session per upload, settings and store state: the confirm click (and any other widget on the page)
    reruns the page, and preparing a 100 MB file again would cost about 25 s before the import itself starts."""
    key = (up.file_id, kind, as_of, skip, version)
    memo = st.session_state.get("up_preview")
    if memo is None or memo[0] != key:
        try:
            # The preview keeps only the rows it shows (the report covers the whole file): memory stays bounded.
            records, rep = prepare(
                kind, data, up.name, as_of=as_of, layers=store_layers(store), skip_invalid=skip, head=20
            )
            memo = (key, records, rep, None)
        except ImportRejected as e:
            audit_refusal(store, e.report, user=user, sha=hashlib.sha256(data).hexdigest(), preview=True)
            memo = (key, None, None, e)
        st.session_state.up_preview = memo
    return memo[1:]


def upload_section() -> None:
    """Upload, preview (nothing written), confirm. After an import the uploader is emptied (a new key), so the file
    cannot go in twice by accident, and the import's message stays on the page."""
    with st.expander(t("upload.title"), expanded=store.imports().empty or "up_done" in st.session_state):
        st.caption(t("upload.help") + " " + t("upload.templates"))
        done = st.session_state.pop("up_done", None)
        if done:
            (st.success if done[0] == "imported" else st.info)(done[1])
            if len(done) > 2 and done[2] is not None:  # the import's own report: its warnings, row by row
                st.markdown(f"**{t('upload.done_report')}**")
                _show_report(done[2], "done")
        kinds = [k for k in KINDS]
        c1, c2, c3 = st.columns([2, 1, 1])
        kind = c1.selectbox(t("upload.kind"), kinds, format_func=lambda k: KINDS[k].label, key="up_kind")
        as_of = c2.date_input(t("upload.as_of"), value=date.today(), key="up_as_of").isoformat()
        me = ui_auth.user()
        user = c3.text_input(t("upload.user"), value="", key="up_user") if me.username == "local" else me.username
        if me.username != "local":
            c3.text_input(t("upload.user"), value=me.display_name, disabled=True, key="up_user_shown")
        up = uploader.file_uploader(
            t("upload.file"),
            type=["csv", "txt", "xlsx", "xlsm", "xls"],
            key=f"up_file_{st.session_state.get('up_round', 0)}",
        )
        skip = st.checkbox(t("upload.skip_invalid"), key="up_skip")
        if up is None:
            return
        data = up.getvalue()
        user = user or t("goal_basis.manual_unsigned")
        records, rep, rejected = _preview(kind, up, data, as_of, skip, user)
        if rejected is not None:
            st.error(t("upload.rejected"))
            st.code(rejected.report.message, language=None)
            _show_report(rejected.report, "rejected")
            return
        st.markdown(f"**{t('upload.preview')}**")
        _show_report(rep, "preview")
        shown = [f.name for f in KINDS[kind].fields][:8] + (
            ["unit_code", "assign_method", "assign_note"] if KINDS[kind].located else []
        )
        st.caption(t("upload.first_rows"))
        preview = records[[c for c in shown if c in records.columns]].head(20).copy()
        if "unit_code" in preview:
            preview["unit_code"] = preview["unit_code"].map(lambda c: gaz.name_of(c) if c else "")
            preview["assign_method"] = preview["assign_method"].map(ASSIGN_METHODS)
        labels = {f.name: f.header for f in KINDS[kind].fields} | {
            "unit_code": t("upload.col_unit"),
            "assign_method": t("data.col_method"),
            "assign_note": t("data.col_note"),
        }
        st.dataframe(preview.rename(columns=labels), hide_index=True)
        if st.button(t("upload.confirm"), type="primary", key="up_confirm"):
            # Queued, not imported here: the page never waits on an import (a worker process runs it).
            job_id = jobs.for_store(store).enqueue(
                kind, data, up.name, options={"as_of": as_of, "skip_invalid": skip}, who=user
            )
            st.session_state.up_done = ("queued", t("jobs.queued", id=job_id, file=up.name), None)
            st.session_state.up_round = st.session_state.get("up_round", 0) + 1
            st.session_state.pop("up_preview", None)
            st.rerun()


# -- background import jobs -----------------------------------------------------------------------------------------------
JOBS_SHOWN = 20  # the newest jobs listed
REPORTS_SHOWN = 3  # the newest finished jobs whose report is offered
REFRESH_SECONDS = 2.0  # while a job is queued or running, the jobs part reruns itself this often
NO_WORKER_SECONDS = 30  # a job queued this long with none running: no worker is there


def _jobs_part() -> None:
    """The queue: a progress bar per running job, the list, the report of the newest finished ones. When the last
    active job ends, the whole page reruns once (its imports and figures include the new import)."""
    queue = jobs.for_store(store)
    queue.reap(job_runner.gone_reason)
    recent = queue.recent(JOBS_SHOWN)
    active = any(j.state in jobs.ACTIVE for j in recent)
    was_active = st.session_state.get("jobs_active", False)
    st.session_state.jobs_active = active
    if was_active and not active:
        st.rerun()
    st.subheader(t("jobs.title"))
    st.caption(t("jobs.help"))
    if not recent:
        st.info(t("jobs.none"))
        return
    running = [j for j in recent if j.state == "running"]
    for j in running:
        st.progress(j.fraction or 0.0, text=job_view.progress_text(j))
    waiting = [j for j in recent if j.state == "queued"]
    if waiting and not running and min(j.created_at for j in waiting) < jobs.ago(NO_WORKER_SECONDS):
        st.warning(t("jobs.no_worker"))
    st.dataframe(job_view.jobs_table(recent), hide_index=True, key="jobs_table")
    for j in [j for j in recent if j.state in ("done", "failed") and j.report][:REPORTS_SHOWN]:
        rep = ImportReport.from_dict(j.report)
        with st.expander(f"{t('jobs.report')} · {t('jobs.col_id')} {j.id} · {j.file_name}"):
            if j.state == "failed":
                st.error(t("jobs.failed_reason") + (j.error or ""))
            _show_report(rep, f"job{j.id}")


def jobs_section() -> None:
    active = jobs.for_store(store).active()
    st.fragment(run_every=REFRESH_SECONDS if active else None)(_jobs_part)()


if ui_auth.can("import"):
    upload_section()
    jobs_section()


# -- boundaries ---------------------------------------------------------------------------------------------------------
status = store.boundaries_status()
(st.success if status == "official" else st.warning)(progress.boundary_text(status))

# -- imports ------------------------------------------------------------------------------------------------------------
st.subheader(t("data.imports"))
imports = store.imports()
if imports.empty:
    st.info(t("data.no_imports"))
else:
    st.caption(t("data.imports_help"))
    st.dataframe(
        progress.imports_table(imports, fs.settings.as_of),
        hide_index=True,
        key="imports_table",
        height=min(38 + 35 * len(imports), 600),
    )

    # -- the warnings of a past import (kept with the import's report) ----------------------------------------------
    st.subheader(t("data.warnings_title"))
    st.caption(t("data.warnings_help"))
    n_warn = import_warning_counts(store)
    past = imports.sort_values("id", ascending=False)
    with_warnings = [int(i) for i in past["id"] if n_warn.get(int(i), 0)]
    ids = [int(i) for i in past["id"]]
    labels = {
        int(r.id): t(
            "data.warnings_option",
            file=r.file_name,
            kind=progress.kind_label(r.kind),
            as_of=r.as_of,
            at=str(r.imported_at).replace("T", " ")[:16],
            n=n_warn.get(int(r.id), 0),
        )
        for r in past.itertuples()
    }
    pick = st.selectbox(
        t("data.warnings_pick"),
        ids,
        index=ids.index(with_warnings[0]) if with_warnings else 0,
        format_func=labels.get,
        key="warn_import",
    )
    past_rep = stored_report(store, pick)
    if past_rep is None:
        st.info(t("data.warnings_no_report"))
    else:
        warn_rows = _problem_table(report_frames(past_rep)["warnings"])
        if warn_rows.empty:
            st.success(t("data.warnings_none"))
        else:
            st.dataframe(warn_rows, hide_index=True, key="warnings_table", height=min(38 + 35 * len(warn_rows), 360))
        st.download_button(
            t("data.download_warnings"),
            data=lambda: _report_xlsx(past_rep),
            on_click="ignore",
            file_name=t("page_data.report_file", file=past_rep.file_name),
            key="download_warnings",
            mime=export.XLSX_MIME,
            icon=":material/download:",
        )

# -- assignment methods -------------------------------------------------------------------------------------------------
counts, listing = _tables(str(store.path), version, fs.settings.as_of, ui_auth.can("see_personal"))
st.subheader(t("data.methods"))
st.caption(t("data.methods_help"))
st.dataframe(counts, hide_index=True, key="methods_table")

# -- unassigned and outside records -------------------------------------------------------------------------------------
method_col = t("data.col_method")
un_label, out_label = t("data.sheet_unassigned"), t("data.sheet_outside")
is_out = listing[method_col] == ASSIGN_METHODS["outside"]
un = listing[~is_out].reset_index(drop=True)  # no township: unassigned, or a park whose township is not known
out = listing[is_out].reset_index(drop=True)
st.markdown(f"**{t('data.counts', unassigned=len(un), outside=len(out))}**")

LIST_COLUMNS = {
    t("data.col_kind"): st.column_config.TextColumn(width=100),
    t("data.col_row"): st.column_config.NumberColumn(width=85, format="%d"),
    t("data.col_file"): st.column_config.TextColumn(width=120),
    t("data.col_record"): st.column_config.TextColumn(width=150),
    t("data.col_text"): st.column_config.TextColumn(width=280),
    t("data.col_method"): st.column_config.TextColumn(width=90),
    t("data.col_note"): st.column_config.TextColumn(width=260),
}


def workbook() -> bytes:
    lines = [t("data.xlsx_title")]
    if fs.is_sample:
        lines.append(t("data.xlsx_sample"))
    if fs.as_of:
        lines.append(t("data.xlsx_as_of", date=fs.as_of))
    return export.write_xlsx({un_label: un, out_label: out}, {un_label: lines, out_label: lines})


if len(listing):
    st.download_button(
        t("data.download_unassigned"),
        data=workbook,
        on_click="ignore",
        key="download_unassigned",
        file_name=t("data.download_file", date=fs.as_of or date.today().isoformat()),
        mime=export.XLSX_MIME,
        icon=":material/download:",
    )

tab_un, tab_out = st.tabs(
    [
        t("page_data.with_count", label=t("data.unassigned"), n=len(un)),
        t("page_data.with_count", label=t("data.outside"), n=len(out)),
    ]
)
with tab_un:
    if un.empty:
        st.success(t("data.none_unassigned"))
    else:
        st.dataframe(un, hide_index=True, column_config=LIST_COLUMNS, key="unassigned_table", height=360)
with tab_out:
    if out.empty:
        st.success(t("data.none_outside"))
    else:
        st.dataframe(out, hide_index=True, column_config=LIST_COLUMNS, key="outside_table", height=360)
