"""Imports as background jobs: the queue, kept in the store's storage so every app process and every worker sees it.

A job is one file to import: its kind, the stored copy of the uploaded file, the options (as-of date, skip invalid
rows), who asked, its state (queued → running → done | failed), its progress (rows stored, rows expected), the
import's report when done or the reason it failed, timestamps, and the worker that runs it (host:pid, heartbeat).
A worker (`store.job_runner`, `python -m txip_geo worker`) claims the oldest queued job atomically (two workers
never run the same job), reports progress and a heartbeat into the job's row while it imports, and marks the job
done with the import's report or failed with its reason. A job whose worker vanished (SIGKILL, a crashed host) is
marked failed by the next worker that starts or by anyone reading the list (:meth:`JobQueue.reap`): at once when
the worker ran on the same host (its process is gone), else once its heartbeat is older than STALE_SECONDS.

Where the rows live. On SQLite the queue is a companion file next to the store (``<store>-jobs.sqlite``, see
:func:`for_store`): SQLite has one write lock per file, and an import holds it for its whole transaction (all or
nothing), so a jobs table inside the store file could take no progress, no heartbeat and no new upload while an
import runs -- the page would wait on the import. A server database locks rows, not the file: a backend such as
PostgreSQL keeps the same table in its own database (`Store.jobs_connect`, when the store offers one). The SQL here
is plain and portable (no SQLite-only functions; ``INSERT … RETURNING``; timestamps as ISO-8601 UTC text compared
as text); the one backend-specific word, the id column's type, is in ID_COLUMN. Queue rows are operational state:
they are not part of a backup.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

STATES = ("queued", "running", "done", "failed")
ACTIVE = ("queued", "running")
STALE_SECONDS = 120.0  # a running job of another host whose heartbeat is older than this has no worker any more
SCHEMA_VERSION = 1  # of the jobs table (kept in jobs_meta; the store's own schema is untouched)

ID_COLUMN = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgresql": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
}


def ddl(dialect: str = "sqlite") -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS jobs_meta (key TEXT PRIMARY KEY, value TEXT)",
        f"""CREATE TABLE IF NOT EXISTS jobs (
            id {ID_COLUMN[dialect]},
            kind TEXT NOT NULL,             -- a record kind (schema.KINDS)
            file_name TEXT NOT NULL,        -- as uploaded
            file_path TEXT NOT NULL,        -- the stored copy, relative to the store's folder
            sha256 TEXT NOT NULL,
            size BIGINT NOT NULL,
            options TEXT NOT NULL,          -- JSON: as_of, skip_invalid
            who TEXT NOT NULL,
            state TEXT NOT NULL,            -- queued | running | done | failed
            rows_done BIGINT NOT NULL DEFAULT 0,
            rows_total BIGINT,              -- expected rows (a text file's lines); NULL when unknown (Excel)
            message TEXT,                   -- done: the import's one-line result
            report TEXT,                    -- JSON of the import's report (done, or a refusal)
            error TEXT,                     -- failed: the reason
            import_id BIGINT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            heartbeat_at TEXT,
            worker TEXT,                    -- host:pid of the worker running it
            claim TEXT                      -- the claiming worker's token
        )""",
        "CREATE INDEX IF NOT EXISTS ix_jobs_state ON jobs (state, id)",
    ]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def worker_name(pid: int | None = None) -> str:
    return f"{socket.gethostname()}:{pid or os.getpid()}"


@dataclass
class Job:
    id: int
    kind: str
    file_name: str
    file_path: str
    sha256: str
    size: int
    options: dict
    who: str
    state: str
    rows_done: int = 0
    rows_total: int | None = None
    message: str | None = None
    report: dict | None = None
    error: str | None = None
    import_id: int | None = None
    created_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    heartbeat_at: str | None = None
    worker: str | None = None
    claim: str | None = field(default=None, repr=False)

    @property
    def fraction(self) -> float | None:
        """Done share for a progress bar (below 1 until the job is done); None when the total is unknown."""
        if self.state == "done":
            return 1.0
        if not self.rows_total:
            return None
        return min(0.99, self.rows_done / self.rows_total)


_COLUMNS = [f for f in Job.__dataclass_fields__]


def _job(row) -> Job:
    values = dict(zip(_COLUMNS, row))
    values["options"] = json.loads(values["options"] or "{}")
    values["report"] = json.loads(values["report"]) if values["report"] else None
    return Job(**values)


class JobQueue:
    """The jobs of one store. `connect()` opens a DB-API connection in autocommit mode; `root` is the folder the
    stored files are relative to; `paramstyle` 'qmark' (sqlite3) or 'format' (psycopg)."""

    def __init__(
        self,
        connect: Callable,
        root: Path,
        *,
        dialect: str = "sqlite",
        paramstyle: str = "qmark",
        serial: bool | None = None,
    ):
        self._connect = connect
        # One job at a time (default on SQLite: one writer per store file, so a second import at the same time
        # would only wait for the first's lock, and fail after 60 s); a server database runs them side by side.
        self.serial = dialect == "sqlite" if serial is None else serial
        self.root = Path(root)
        self.dialect = dialect
        self._mark = "?" if paramstyle == "qmark" else "%s"
        with self._tx() as con:
            for stmt in ddl(dialect):
                con.execute(stmt)
            con.execute(self._q("DELETE FROM jobs_meta WHERE key = ?"), ("schema_version",))
            con.execute(self._q("INSERT INTO jobs_meta VALUES (?, ?)"), ("schema_version", str(SCHEMA_VERSION)))

    # -- plumbing -----------------------------------------------------------------------------------------------
    def _q(self, sql: str) -> str:
        return sql if self._mark == "?" else sql.replace("?", self._mark)

    @contextmanager
    def _tx(self):
        """One short transaction (BEGIN IMMEDIATE on SQLite: the write lock first, so a claim cannot race)."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def _select(self, where: str = "", params: tuple = (), tail: str = "") -> list[Job]:
        con = self._connect()
        try:
            rows = con.execute(self._q(f"SELECT {', '.join(_COLUMNS)} FROM jobs {where} {tail}"), params).fetchall()
        finally:
            con.close()
        return [_job(r) for r in rows]

    def path_of(self, job: Job) -> Path:
        return self.root / job.file_path

    # -- the app's side ---------------------------------------------------------------------------------------------
    def enqueue(self, kind: str, data: bytes | Path, file_name: str, *, options: dict, who: str) -> int:
        """Store a copy of the file and queue its import; returns the job's id. Quick: nothing is read or checked
        here (the worker does, with the import's own checks)."""
        import hashlib

        folder = self.root / "queued"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{uuid.uuid4().hex[:16]}-{Path(file_name).name}"
        tmp = target.with_name(target.name + ".part")
        if isinstance(data, (bytes, bytearray)):
            tmp.write_bytes(data)
        else:
            shutil.copyfile(data, tmp)
        tmp.replace(target)
        h = hashlib.sha256()
        with open(target, "rb") as f:
            while block := f.read(8 * 1024 * 1024):
                h.update(block)
        with self._tx() as con:
            row = con.execute(
                self._q(
                    "INSERT INTO jobs (kind, file_name, file_path, sha256, size, options, who, state, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?) RETURNING id"
                ),
                (
                    kind,
                    file_name,
                    str(target.relative_to(self.root)),
                    h.hexdigest(),
                    target.stat().st_size,
                    json.dumps(options, ensure_ascii=False),
                    who or "",
                    now(),
                ),
            ).fetchone()
        return int(row[0])

    def get(self, job_id: int) -> Job | None:
        found = self._select("WHERE id = ?", (int(job_id),))
        return found[0] if found else None

    def recent(self, limit: int = 50, states: tuple[str, ...] | None = None) -> list[Job]:
        """The newest jobs first (`states`: only those)."""
        where, params = "", ()
        if states:
            where = f"WHERE state IN ({', '.join('?' for _ in states)})"
            params = tuple(states)
        return self._select(where, params + (int(limit),), "ORDER BY id DESC LIMIT ?")

    def active(self) -> bool:
        """Whether a job is queued or running."""
        return bool(self.recent(1, ACTIVE))

    # -- the worker's side ------------------------------------------------------------------------------------------
    def claim(self, worker: str | None = None) -> Job | None:
        """Take the oldest queued job for this worker (atomically: one worker gets it), or None (none queued, or
        with `serial` one running)."""
        token = uuid.uuid4().hex
        stamp = now()
        one_at_a_time = " AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running')" if self.serial else ""
        with self._tx() as con:
            cur = con.execute(
                self._q(
                    "UPDATE jobs SET state = 'running', claim = ?, worker = ?, started_at = ?, heartbeat_at = ? "
                    "WHERE state = 'queued' AND id = (SELECT MIN(id) FROM jobs WHERE state = 'queued')" + one_at_a_time
                ),
                (token, worker or worker_name(), stamp, stamp),
            )
            if cur.rowcount != 1:
                return None
        found = self._select("WHERE claim = ?", (token,))
        return found[0] if found else None

    def beat(self, job_id: int, rows_done: int | None = None, rows_total: int | None = None) -> None:
        """The worker is alive (and, when given, how far it is)."""
        sets, params = ["heartbeat_at = ?"], [now()]
        if rows_done is not None:
            sets.append("rows_done = ?")
            params.append(int(rows_done))
        if rows_total is not None:
            sets.append("rows_total = ?")
            params.append(int(rows_total))
        with self._tx() as con:
            con.execute(
                self._q(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ? AND state = 'running'"),
                (*params, int(job_id)),
            )

    def finish(self, job_id: int, *, message: str, report: dict | None, import_id: int | None, rows: int) -> None:
        self._end(job_id, "done", message=message, report=report, import_id=import_id, rows_done=rows)

    def fail(self, job_id: int, reason: str, *, report: dict | None = None, only_running: bool = True) -> bool:
        """Mark a job failed with its reason; False when it was no longer running (another worker reaped it)."""
        return self._end(job_id, "failed", error=reason, report=report, only_running=only_running)

    def _end(self, job_id: int, state: str, *, only_running: bool = True, **values) -> bool:
        if "report" in values:
            values["report"] = (
                json.dumps(values["report"], ensure_ascii=False, default=str) if values["report"] else None
            )
        values |= {"state": state, "finished_at": now()}
        sets = ", ".join(f"{k} = ?" for k in values)
        with self._tx() as con:
            cur = con.execute(
                self._q(f"UPDATE jobs SET {sets} WHERE id = ?" + (" AND state = 'running'" if only_running else "")),
                (*values.values(), int(job_id)),
            )
            ended = cur.rowcount == 1
        job = self.get(job_id)
        if ended and job is not None:
            self.path_of(job).unlink(missing_ok=True)  # the import keeps its own copy of the original
        return ended

    def reap(self, reason: Callable[[Job], str], *, stale_seconds: float = STALE_SECONDS, alive=None) -> list[int]:
        """Mark failed every running job whose worker is gone: on this host, its process is no longer there
        (`alive(pid)`, default: a signal-0 probe); on another host, its heartbeat is older than `stale_seconds`.
        A worker alive on this host is never reaped, however late its heartbeat (a worker at low priority on a
        busy machine may beat late, and its import would still commit). `reason(job)`: the failure's text.
        Returns the ids marked."""
        alive = alive or _pid_alive
        host = socket.gethostname()
        cutoff = ago(stale_seconds)
        gone = []
        for job in self.recent(1000, ("running",)):
            w_host, _, w_pid = (job.worker or "").rpartition(":")
            if w_host == host and w_pid.isdigit():
                dead = not alive(int(w_pid))
            else:
                dead = (job.heartbeat_at or "") < cutoff
            if dead and self.fail(job.id, reason(job)):
                gone.append(job.id)
        return gone


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():  # a zombie is gone
        try:
            text = stat.read_text()
            return text[text.rindex(")") + 2 :].split()[0] not in ("Z", "X")
        except (OSError, ValueError, IndexError):
            return True
    return True


def queue_path(store) -> Path:
    """The SQLite companion file of a store file: ``<store>-jobs.sqlite`` next to it."""
    return store.path.with_name(store.path.stem + "-jobs.sqlite")


def _sqlite_connect(path: Path) -> Callable:
    def connect():
        con = sqlite3.connect(path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    return connect


def for_store(store) -> JobQueue:
    """The job queue of `store`: in the store's own database when its backend offers `jobs_connect` (a server
    database), else in the SQLite companion file (see the module's docstring)."""
    root = Path(getattr(store, "files_dir", Path(store.path).parent))
    connect = getattr(store, "jobs_connect", None)
    if connect is not None:
        return JobQueue(
            connect,
            root,
            dialect=getattr(store, "dialect", "postgresql"),
            paramstyle=getattr(store, "paramstyle", "format"),
        )
    path = queue_path(store)
    key = (str(path), str(root))
    queue = _QUEUES.get(key)
    if queue is None or not path.exists():  # the table is created once per process (a page run opens it often)
        queue = _QUEUES[key] = JobQueue(_sqlite_connect(path), root)
    return queue


_QUEUES: dict[tuple[str, str], JobQueue] = {}
