"""Evidence files (佐证材料) of the plan's tasks and goals, kept in the store.

A file is checked first (ingest.evidence_check: name, size, type by its bytes, Office zips and macros); a refused file
leaves no row and no file, only an audit entry ``evidence_refused``. An accepted file is written next to the store,
in the folder of original files (``<db stem>-files/evidence-<sha256>``, so the backup carries it and a file uploaded
twice is kept once), and described by a row of ``evidence``: id, task_id or goal_id (exactly one), file_name, sha256,
size, mime, file_type, uploaded_by, uploaded_at, note, deleted (+ deleted_by, deleted_at). The row and the audit entry
``evidence_upload`` are one transaction.

Deleting hides the row (deleted = 1, audit ``evidence_delete``); the bytes stay, and so does the row (a trigger
refuses DELETE and any change to what describes the file). Reading a file checks its bytes against the recorded
SHA-256: a missing or altered file raises EvidenceError (Chinese), it is never served silently.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from pathlib import Path

import pandas as pd

from txip_geo.errors import EvidenceError, UploadRejected
from txip_geo.ingest.evidence_check import EvidenceLimits, check_evidence, shown_name
from txip_geo.plan import goal_table, task_table
from txip_geo.strings import t

__all__ = ["add", "create", "delete", "file_path", "integrity", "listing", "read", "target_label"]

PREFIX = "evidence-"

DDL = [
    """CREATE TABLE IF NOT EXISTS evidence (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER,                -- 1–13 (data/tasks.csv), or NULL
        goal_id TEXT,                   -- G01–G16, M01–M04 (data/goals.csv), or NULL
        file_name TEXT NOT NULL,        -- as uploaded (checked: ingest.evidence_check.check_name)
        sha256 TEXT NOT NULL,           -- the bytes, kept as <db stem>-files/evidence-<sha256>
        size INTEGER NOT NULL,
        mime TEXT NOT NULL,
        file_type TEXT NOT NULL,        -- pdf | png | jpeg | docx | xlsx | pptx | doc | xls
        uploaded_by TEXT NOT NULL,
        uploaded_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        deleted INTEGER NOT NULL DEFAULT 0,
        deleted_by TEXT,
        deleted_at TEXT,
        CHECK ((task_id IS NULL) <> (goal_id IS NULL))
    )""",
    "CREATE INDEX IF NOT EXISTS ix_evidence_task ON evidence (task_id)",
    "CREATE INDEX IF NOT EXISTS ix_evidence_goal ON evidence (goal_id)",
    """CREATE TRIGGER IF NOT EXISTS evidence_no_delete BEFORE DELETE ON evidence
       BEGIN SELECT RAISE(ABORT, 'evidence is hidden (deleted = 1), never deleted'); END""",
    """CREATE TRIGGER IF NOT EXISTS evidence_fixed BEFORE UPDATE OF task_id, goal_id, file_name, sha256, size, mime,
       file_type, uploaded_by, uploaded_at ON evidence
       BEGIN SELECT RAISE(ABORT, 'an evidence row describes its file for good'); END""",
]

_COLUMNS = (
    "id, task_id, goal_id, file_name, sha256, size, mime, file_type, uploaded_by, uploaded_at, note, deleted, "
    "deleted_by, deleted_at"
)


def create(con) -> None:
    """The evidence table (in the caller's transaction; a no-op when it exists)."""
    for stmt in DDL:
        con.execute(stmt)


def file_path(store, sha256: str) -> Path:
    """Where the bytes of an evidence file with this checksum are kept."""
    return Path(store.files_dir) / f"{PREFIX}{sha256}"


def target_label(task_id=None, goal_id=None) -> str:
    """任务3 / 目标 M01, for messages and the audit log."""
    if goal_id:
        return t("evidence.target_goal", goal=goal_id)
    return t("evidence.target_task", task=task_id)


def _check_target(task_id, goal_id) -> tuple[int | None, str | None]:
    if (task_id is None) == (goal_id is None or goal_id == ""):
        raise ValueError(t("evidence.no_target"))
    if goal_id:
        gid = str(goal_id).strip().upper()
        if gid not in set(goal_table()["id"]):
            raise ValueError(t("evidence.unknown_goal", goal=goal_id))
        return None, gid
    try:
        tid = int(task_id)
    except (TypeError, ValueError):
        tid = None
    if tid not in set(int(x) for x in task_table()["task"]):
        raise ValueError(t("evidence.unknown_task", task=task_id))
    return tid, None


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def add(
    store,
    data: bytes,
    file_name: str,
    *,
    task_id: int | None = None,
    goal_id: str | None = None,
    user: str,
    note: str = "",
    limits: EvidenceLimits | None = None,
) -> int:
    """Check and store one evidence file for a task or a goal; returns its id. A refused file raises UploadRejected
    (Chinese) after an ``evidence_refused`` audit entry: no row, no file. An unknown task or goal raises ValueError."""
    tid, gid = _check_target(task_id, goal_id)
    target = target_label(tid, gid)
    try:
        checked = check_evidence(data, file_name, limits)
    except UploadRejected as e:
        store.audit(
            user,
            "evidence_refused",
            t("evidence.audit_refused", target=target, name=shown_name(str(file_name)), reason=e),
        )
        raise
    store._current()  # a store restored under this handle may predate the evidence table
    path = file_path(store, checked.sha256)
    fresh = False
    with store.transaction() as con:
        try:
            cur = con.execute(
                "INSERT INTO evidence (task_id, goal_id, file_name, sha256, size, mime, file_type, uploaded_by, "
                "uploaded_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tid,
                    gid,
                    checked.file_name,
                    checked.sha256,
                    checked.size,
                    checked.mime,
                    checked.file_type,
                    user or "",
                    datetime.now().isoformat(timespec="seconds"),
                    (note or "").strip(),
                ),
            )
            fresh = _write(path, bytes(data), checked.sha256)
            store.write_audit(
                con,
                user,
                "evidence_upload",
                t(
                    "evidence.audit_upload",
                    target=target,
                    name=checked.file_name,
                    size=_size(checked.size),
                    sha=checked.sha256[:16],
                ),
            )
        except BaseException:
            if fresh:  # under the write lock: no other upload can have found this file yet
                path.unlink(missing_ok=True)
            raise
    return int(cur.lastrowid)


def _write(path: Path, data: bytes, sha: str) -> bool:
    """Write the bytes unless the file is there with these bytes already; True when it was written now."""
    if path.is_file() and _sha_of(path) == sha:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    part.replace(path)
    return True


def _sha_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def listing(store, *, include_deleted: bool = False) -> pd.DataFrame:
    """The evidence rows (hidden ones only with include_deleted), oldest first; columns as the table's."""
    store._current()
    q = f"SELECT {_COLUMNS} FROM evidence" + ("" if include_deleted else " WHERE deleted = 0") + " ORDER BY id"
    with store.reading() as con:
        df = pd.read_sql_query(q, con)
    df["task_id"] = df["task_id"].astype("Int64")
    for c in ("goal_id", "deleted_by", "deleted_at"):  # None, not NaN, where empty
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def _row(store, evidence_id: int, include_deleted: bool = False) -> dict:
    store._current()
    with store.reading() as con:
        con.row_factory = _dict_row
        row = con.execute(f"SELECT {_COLUMNS} FROM evidence WHERE id = ?", (int(evidence_id),)).fetchone()
    if row is None or (row["deleted"] and not include_deleted):
        raise EvidenceError(t("evidence.unknown_id", id=evidence_id))
    return row


def _dict_row(cursor, values) -> dict:
    return {d[0]: v for d, v in zip(cursor.description, values)}


# Checksums of files already verified: (path, mtime_ns, size, sha256) -> matches. A listing page shows each file's
# state without hashing every file on every run; a file changed on disk has another mtime or size and is hashed again.
_VERIFIED: dict[tuple, bool] = {}
_VERIFIED_LOCK = threading.Lock()


def integrity(store, sha256: str) -> str:
    """'ok' when the file with this checksum is there with its bytes, 'missing', or 'altered'."""
    path = file_path(store, sha256)
    try:
        st = path.stat()
    except OSError:
        return "missing"
    key = (str(path), st.st_mtime_ns, st.st_size, sha256)
    with _VERIFIED_LOCK:
        known = _VERIFIED.get(key)
    if known is None:
        known = _sha_of(path) == sha256
        with _VERIFIED_LOCK:
            if len(_VERIFIED) > 10_000:
                _VERIFIED.clear()
            _VERIFIED[key] = known
    return "ok" if known else "altered"


def read(store, evidence_id: int, *, include_deleted: bool = False) -> tuple[dict, bytes]:
    """(the evidence row, its bytes), the bytes checked against the recorded SHA-256. Raises EvidenceError (Chinese)
    for an unknown (or hidden) id, a missing file or a file whose bytes changed."""
    row = _row(store, evidence_id, include_deleted)
    path = file_path(store, row["sha256"])
    try:
        data = path.read_bytes()
    except OSError:
        raise EvidenceError(t("evidence.missing", name=row["file_name"], id=row["id"], path=path.name)) from None
    if hashlib.sha256(data).hexdigest() != row["sha256"] or len(data) != row["size"]:
        raise EvidenceError(t("evidence.altered", name=row["file_name"], id=row["id"]))
    return row, data


def delete(store, evidence_id: int, *, user: str) -> None:
    """Hide an evidence file (its row stays with deleted = 1, its bytes stay); audited as ``evidence_delete``."""
    row = _row(store, evidence_id)
    with store.transaction() as con:
        con.execute(
            "UPDATE evidence SET deleted = 1, deleted_by = ?, deleted_at = ? WHERE id = ?",
            (user or "", datetime.now().isoformat(timespec="seconds"), int(evidence_id)),
        )
        store.write_audit(
            con,
            user,
            "evidence_delete",
            t(
                "evidence.audit_delete",
                target=target_label(row["task_id"], row["goal_id"]),
                name=row["file_name"],
                id=row["id"],
            ),
        )
