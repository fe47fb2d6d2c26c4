"""The task register (任务台账): the status and progress of the plan's 13 tasks, kept as a history.

Every change is a new row of ``task_updates`` (task_id, status, progress, evidence_note, updated_by, updated_at,
source ``app`` or ``import:<file name>``); rows are never changed or deleted (triggers refuse it). A task's current
state is its latest row (highest id). A task without any row has not been reported: it reads 未填报
(``not_reported``), never 未启动. Saving a state equal to the current one writes nothing. Each change is written with
its audit entry (``task_status``) in one transaction; an imported sheet is one transaction for all its rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from txip_geo.errors import ImportRejected
from txip_geo.ingest.task_sheet import STATUSES, TaskUpdate, read_task_sheet
from txip_geo.plan import task_table
from txip_geo.strings import t

__all__ = [
    "NOT_REPORTED",
    "STATUSES",
    "STATUS_LABELS",
    "ImportResult",
    "TaskUpdate",
    "create",
    "current",
    "history",
    "import_sheet",
    "record",
    "set_status",
]

NOT_REPORTED = "not_reported"
STATUS_LABELS = {s: t(f"tasks.status_{s}") for s in (NOT_REPORTED, *STATUSES)}
SOURCE_APP = "app"
IMPORT_PREFIX = "import:"

DDL = [
    """CREATE TABLE IF NOT EXISTS task_updates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done')),
        progress TEXT NOT NULL DEFAULT '',
        evidence_note TEXT NOT NULL DEFAULT '',  -- the evidence list as text (the files: table evidence)
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        source TEXT NOT NULL                      -- app | import:<file name>
    )""",
    "CREATE INDEX IF NOT EXISTS ix_task_updates_task ON task_updates (task_id, id)",
    """CREATE TRIGGER IF NOT EXISTS task_updates_no_update BEFORE UPDATE ON task_updates
       BEGIN SELECT RAISE(ABORT, 'task_updates keeps its history: add a row instead'); END""",
    """CREATE TRIGGER IF NOT EXISTS task_updates_no_delete BEFORE DELETE ON task_updates
       BEGIN SELECT RAISE(ABORT, 'task_updates keeps its history: add a row instead'); END""",
]


def create(con) -> None:
    """The register's table (in the caller's transaction; a no-op when it exists)."""
    for stmt in DDL:
        con.execute(stmt)


def task_ids() -> list[int]:
    return [int(x) for x in task_table()["task"]]


def _latest(con) -> dict[int, tuple[str, str, str]]:
    rows = con.execute(
        "SELECT task_id, status, progress, evidence_note FROM task_updates "
        "WHERE id IN (SELECT MAX(id) FROM task_updates GROUP BY task_id)"
    ).fetchall()
    return {int(r[0]): (r[1], r[2], r[3]) for r in rows}


def _check(update: TaskUpdate) -> None:
    if update.task_id not in task_ids():
        raise ValueError(t("tasks.unknown_task", task=update.task_id))
    if update.status not in STATUSES:
        raise ValueError(t("tasks.bad_status", status=update.status))


def _audit_detail(update: TaskUpdate, before: str, source: str) -> str:
    progress = update.progress if len(update.progress) <= 60 else update.progress[:60] + "…"
    where = (
        t("tasks.audit_from_file", file=source[len(IMPORT_PREFIX) :], row=update.row)
        if source.startswith(IMPORT_PREFIX)
        else ""
    )
    return t(
        "tasks.audit_status",
        task=update.task_id,
        before=STATUS_LABELS[before],
        after=STATUS_LABELS[update.status],
        progress=progress or "—",
        where=where,
    )


def record(store, updates: list[TaskUpdate], *, user: str, source: str = SOURCE_APP) -> list[int]:
    """Write the updates that change their task (status, progress or evidence text differs from its latest row), in
    one transaction with one audit entry each; returns the tasks changed. Raises ValueError (Chinese) for an unknown
    task or status, writing nothing."""
    for u in updates:
        _check(u)
    store._current()  # a store restored under this handle may predate the register
    now = datetime.now().isoformat(timespec="seconds")
    changed: list[int] = []
    with store.transaction() as con:
        latest = _latest(con)
        for u in updates:
            before = latest.get(u.task_id)
            if before == (u.status, u.progress, u.evidence_note):
                continue
            con.execute(
                "INSERT INTO task_updates (task_id, status, progress, evidence_note, updated_by, updated_at, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (u.task_id, u.status, u.progress, u.evidence_note, user or "", now, source),
            )
            store.write_audit(con, user, "task_status", _audit_detail(u, before[0] if before else NOT_REPORTED, source))
            latest[u.task_id] = (u.status, u.progress, u.evidence_note)
            changed.append(u.task_id)
    return changed


def set_status(store, task_id: int, status: str, progress: str = "", evidence_note: str = "", *, user: str) -> bool:
    """One task's new state from the app; True when it changed something."""
    update = TaskUpdate(int(task_id), status, (progress or "").strip(), (evidence_note or "").strip())
    return bool(record(store, [update], user=user))


def history(store, task_id: int | None = None) -> pd.DataFrame:
    """Every row of the register (or of one task), oldest first: id, task_id, status, progress, evidence_note,
    updated_by, updated_at, source."""
    store._current()
    q = "SELECT * FROM task_updates" + (" WHERE task_id = ?" if task_id is not None else "") + " ORDER BY id"
    with store.reading() as con:
        return pd.read_sql_query(q, con, params=(int(task_id),) if task_id is not None else ())


def current(store) -> pd.DataFrame:
    """Each of the plan's tasks with its latest row: task_id, status (NOT_REPORTED without a row), status_label,
    progress, evidence_note, updated_by, updated_at, source (the last four empty when not reported)."""
    store._current()
    with store.reading() as con:
        latest = pd.read_sql_query(
            "SELECT task_id, status, progress, evidence_note, updated_by, updated_at, source FROM task_updates "
            "WHERE id IN (SELECT MAX(id) FROM task_updates GROUP BY task_id)",
            con,
        )
    out = pd.DataFrame({"task_id": task_ids()}).merge(latest, on="task_id", how="left")
    out["status"] = out["status"].fillna(NOT_REPORTED)
    for c in ("progress", "evidence_note", "updated_by", "updated_at", "source"):
        out[c] = out[c].fillna("")
    out.insert(2, "status_label", out["status"].map(STATUS_LABELS))
    return out


@dataclass(frozen=True)
class ImportResult:
    file_name: str
    rows: int  # tasks the file reported
    changed: list[int]

    @property
    def message(self) -> str:
        return t(
            "tasks.imported",
            file=self.file_name,
            rows=self.rows,
            changed=len(self.changed),
            unchanged=self.rows - len(self.changed),
        )


def _refusal_detail(data: bytes | Path, name: str, message: str) -> str:
    """The audit entry of a refused sheet: the file, its SHA-256 and the reason (its first line)."""
    try:
        sha = hashlib.sha256(data if isinstance(data, (bytes, bytearray)) else Path(data).read_bytes()).hexdigest()
    except OSError:
        sha = t("import_audit.no_sha")
    reason = " ".join(message.split())
    reason = reason if len(reason) <= 300 else reason[:299] + "…"
    return t("import_audit.tasks_refused", kind=t("import_audit.tasks_kind"), file=name, sha=sha, reason=reason)


def import_sheet(store, data: bytes | Path, file_name: str | None = None, *, user: str) -> ImportResult:
    """Read a task-progress sheet (ingest.task_sheet) and record it (source ``import:<file name>``). A bad file raises
    ImportRejected and writes nothing."""
    name = Path(str(file_name or Path(data).name)).name
    try:
        updates = read_task_sheet(data, name)
    except ImportRejected as e:  # an import attempt: logged (own short transaction), nothing else written
        store.audit(user, "import_refused", _refusal_detail(data, name, e.report.message))
        raise
    changed = record(store, updates, user=user, source=IMPORT_PREFIX + name)
    return ImportResult(name, len(updates), changed)
