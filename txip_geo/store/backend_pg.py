"""The PostgreSQL backend: a connection that speaks to the store's code as its SQLite connection does.

The store (store.database and the modules beside it) writes its SQL once, in SQLite's dialect, and talks DB-API:
``con.execute(sql, params)`` → a cursor with ``fetchone``/``fetchall``/``lastrowid``, ``executemany``,
``pd.read_sql_query(sql, con)``. `Connection` offers the same on psycopg 3: each statement is rewritten by
store.dialect, parameters are bound as SQLite binds them (a bool as 0/1, a float NaN as NULL), ``numeric`` results
(SUM of integers) come back as int/float, and errors are raised as the sqlite3 exceptions the callers catch
(IntegrityError for a constraint or an append-only trigger, OperationalError otherwise). Record rows are loaded with
COPY (`copy_rows`).

Where: ``postgresql://…`` (TXIP_DB or ``--db``) is one store in the schema named by the URL's ``schema=`` parameter
(default ``txip``); its original files are kept under TXIP_DATA_DIR (or TXIP_FILES_DIR) in a folder named after the
server, port, database and schema (`files_name`), never the folder of an SQLite store or of another server's schema. With
TXIP_PG_URL set (``pytest --db-backend=postgresql`` sets it), a store *path* is served by that server instead, in a
schema named after the path, its files still in the folder beside the path: the whole test suite, and the processes
it starts, run on PostgreSQL unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sqlite3
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np

from txip_geo.store import dialect

ENV_URL = "TXIP_PG_URL"
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "END", "SAVEPOINT", "RELEASE")
DEFAULT_SCHEMA = "txip"

# pandas reads through any DB-API connection (its sqlite path: cursor.execute, description, fetchall) but warns that
# only SQLAlchemy and sqlite3 are tested; the store's reads are plain SELECTs, run the same way on both backends.
warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy", category=UserWarning)


def is_url(target) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


@dataclass(frozen=True)
class Target:
    url: str  # the server (psycopg conninfo URL, without our schema= parameter)
    schema: str

    def connect(self, *, any_thread: bool = False) -> Connection:  # noqa: ARG002 - psycopg connections are shareable
        return Connection(_pool.take(self), self)


def target_of(path) -> Target | None:
    """The PostgreSQL store `path` names (a URL, or any path while TXIP_PG_URL is set), else None (SQLite)."""
    if is_url(str(path) if path is not None else None):
        parts = urlsplit(str(path))
        query = parse_qsl(parts.query)
        schema = dict(query).get("schema", DEFAULT_SCHEMA)
        rest = urlencode([(k, v) for k, v in query if k != "schema"])
        # Not urlunsplit: it drops the empty host of postgresql:///db (the local socket) and libpq refuses the rest.
        base = str(path).split("?", 1)[0].split("#", 1)[0]
        return Target(base + (f"?{rest}" if rest else ""), _check_schema(schema))
    server = os.environ.get(ENV_URL)
    if server and path is not None:
        digest = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:20]
        return Target(server, f"s_{digest}")
    return None


def files_name(target: Target) -> str:
    """A file name of its own for the store `target` names: ``pg-<host>-<port>-<database>-<schema>-<digest>``, each
    part reduced to letters, digits, ``_`` and ``.`` (a socket folder's slashes become ``_``) and the digest taken of
    the exact values (two names that reduce alike stay apart). What the URL leaves out is what libpq would use:
    PGHOST/PGPORT/PGDATABASE, else the local socket, 5432 and the user's name."""
    from psycopg.conninfo import conninfo_to_dict

    info = {k: str(v) for k, v in conninfo_to_dict(target.url).items() if v is not None and v != ""}
    host = info.get("host") or os.environ.get("PGHOST") or "local"
    port = info.get("port") or os.environ.get("PGPORT") or "5432"
    db = info.get("dbname") or os.environ.get("PGDATABASE") or info.get("user") or os.environ.get("PGUSER") or ""
    exact = (host, port, db, target.schema)
    digest = hashlib.sha1("\x00".join(exact).encode()).hexdigest()[:8]
    parts = [re.sub(r"[^A-Za-z0-9_.]+", "_", p).strip("._")[:40] or "_" for p in exact]
    return "-".join(["pg", *parts, digest])


def _check_schema(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise ValueError(f"schema name: {name!r}")
    return name.lower()


# -- connections -------------------------------------------------------------------------------------------------


class _Pool:
    """Idle connections per server, per process (a connection costs a server process: ~5 ms to start). A connection
    serves any store (schema) of its server: taken for another store, its search_path is set again (one round trip).
    Kept per server rather than per store so that the idle connections of a process stay bounded however many stores
    it opens (the test suite opens a store per test: per store, they filled the server's max_connections)."""

    MAX_IDLE = 4

    def __init__(self):
        self._idle: dict[str, list] = {}  # server URL -> [(raw connection, its schema)], most recently given last
        self._ready: set[Target] = set()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def take(self, target: Target):
        raw = schema = None
        with self._lock:
            if self._pid != os.getpid():  # a forked child never uses its parent's connections
                self._idle, self._ready, self._pid = {}, set(), os.getpid()
            idle = self._idle.get(target.url)
            if idle:
                i = next((k for k in range(len(idle) - 1, -1, -1) if idle[k][1] == target.schema), len(idle) - 1)
                raw, schema = idle.pop(i)
        if raw is None or raw.closed:
            return self._open(target)
        if schema != target.schema:
            self._enter(raw, target)
        return raw

    def give(self, target: Target, raw) -> None:
        import psycopg

        if raw.closed or raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raw.close()
            return
        with self._lock:
            idle = self._idle.setdefault(target.url, [])
            if self._pid == os.getpid():
                idle.append((raw, target.schema))
                if len(idle) <= self.MAX_IDLE:
                    return
                raw = idle.pop(0)[0]  # the least recently given one goes
        raw.close()

    def _open(self, target: Target):
        import psycopg

        try:
            raw = psycopg.connect(target.url, autocommit=True, prepare_threshold=None)
        except psycopg.Error as e:
            raise sqlite3.OperationalError(f"PostgreSQL: {e}") from e
        raw.adapters.register_loader("numeric", _numeric_loader())
        raw.execute("SET lock_timeout = '60s'")  # SQLite's busy timeout: a writer waits a minute for another
        self._enter(raw, target)
        return raw

    def _enter(self, raw, target: Target) -> None:
        """Point `raw` at the store `target` (its schema made first, once per process)."""
        if target not in self._ready:
            _create_schema(raw, target.schema)
            self._ready.add(target)
        raw.execute(f'SET search_path TO "{target.schema}", public')


# SQLite's JSON functions the store's SQL uses, with SQLite's answers: json_valid (is the text JSON) and
# json_array_length(text, '$.key…') (the length of the array there; 0 for another value, NULL where nothing is;
# STABLE, not folded at plan time before a WHERE json_valid(…) has left the malformed text out, as in SQLite).
_SQLITE_FUNCTIONS = (
    'CREATE OR REPLACE FUNCTION "{schema}".json_valid(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$ '
    "BEGIN PERFORM t::json; RETURN t IS NOT NULL; EXCEPTION WHEN others THEN RETURN false; END $f$",
    'CREATE OR REPLACE FUNCTION "{schema}".json_array_length(t text, path text) RETURNS bigint LANGUAGE sql '
    "STABLE AS $f$ SELECT CASE WHEN v IS NULL THEN NULL WHEN jsonb_typeof(v) = 'array' THEN jsonb_array_length(v) "
    "ELSE 0 END FROM (SELECT t::jsonb #> string_to_array(substr(path, 3), '.') AS v) x $f$",
)


def _create_schema(raw, schema: str) -> None:
    """The store's schema, its `sqlite_master` view (the tables, as SQLite lists them) and SQLite's JSON functions,
    once per process."""
    import psycopg

    for sql in (
        f'CREATE SCHEMA IF NOT EXISTS "{schema}"',
        f'CREATE OR REPLACE VIEW "{schema}".sqlite_master AS SELECT '
        "CASE WHEN c.relkind = 'v' THEN 'view' WHEN c.relkind = 'i' THEN 'index' ELSE 'table' END AS type, "
        "c.relname::text AS name, c.relname::text AS tbl_name FROM pg_class c JOIN pg_namespace n "
        f"ON n.oid = c.relnamespace WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'v', 'i', 'p') "
        "AND c.relname <> 'sqlite_master'",
        *(f.format(schema=schema) for f in _SQLITE_FUNCTIONS),
    ):
        # another process made it at the same moment (a duplicate, or "tuple concurrently updated")
        with contextlib.suppress(psycopg.errors.UniqueViolation, psycopg.errors.InternalError_):
            raw.execute(sql)


_pool = _Pool()
# What the rewrite asks the catalog (a table's key, its identity column), per store: table definitions never change.
_catalog: dict[tuple, object] = {}


@functools.cache
def _numeric_loader():
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        """SUM of integers is numeric in PostgreSQL, an integer in SQLite: an int when integral-looking."""

        def load(self, data):
            s = bytes(data).decode()
            return float(s) if ("." in s or "e" in s or "E" in s or s.endswith("N")) else int(s)

    return NumericLoader


def _error(e: Exception) -> Exception:
    """A psycopg error as the sqlite3 exception the store's callers catch."""
    import psycopg

    msg = str(e).strip()
    if isinstance(e, psycopg.errors.IntegrityError):
        return sqlite3.IntegrityError(msg)
    if isinstance(e, psycopg.errors.DataError):
        return sqlite3.DataError(msg)
    return sqlite3.OperationalError(msg)


def _value(v):
    """A parameter as SQLite binds it: bool → 0/1, NaN → NULL, numpy scalars as Python's."""
    if v is None:
        return None
    kind = type(v)
    if kind is bool or kind is np.bool_:
        return int(v)
    if kind is float:
        return None if v != v else v
    if isinstance(v, np.generic):
        return _value(v.item())
    return v


def _params(params):
    if params is None:
        return ()
    if isinstance(params, dict):
        return {k: _value(v) for k, v in params.items()}
    return tuple(_value(v) for v in params)


class Cursor:
    """The part of sqlite3.Cursor the store uses."""

    def __init__(self, con: Connection):
        self._con = con
        self._cur = con.raw.cursor()
        self.lastrowid = None

    def execute(self, sql: str, params=()) -> Cursor:
        statements, extra = dialect.translate(sql)
        args = _params(params)
        if extra and extra.startswith("pragma:"):
            args = (extra.split(":", 1)[1],)
        elif extra:
            key, columns = self._con.table_key(extra.split(":", 1)[1])
            statements = (dialect.upsert(statements[0], key, columns),)
        ident = None
        if len(statements) == 1 and (table := dialect.insert_table(sql)):
            ident = self._con.identity(table)
            if ident:
                statements = (f'{statements[0]} RETURNING "{ident}"',)
        self._run(statements, args)
        if ident and self._cur.description:
            row = self._cur.fetchone()
            self.lastrowid = row[0] if row else None
        return self

    def executemany(self, sql: str, seq) -> Cursor:
        (stmt,), extra = dialect.translate(sql)
        if extra:
            key, columns = self._con.table_key(extra.split(":", 1)[1])
            stmt = dialect.upsert(stmt, key, columns)
        self._run((stmt,), [_params(p) for p in seq], many=True)
        return self

    def _run(self, statements, args, many: bool = False) -> None:
        """Run the statements; inside a transaction, a failing statement is undone alone and the transaction goes on
        (SQLite's statement-level rollback: a caller may catch the error and continue)."""
        import psycopg

        raw = self._con.raw
        guarded = raw.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS and not statements[
            0
        ].lstrip().upper().startswith(_CONTROL)
        if guarded:
            raw.execute("SAVEPOINT txip_stmt")
        try:
            for i, stmt in enumerate(statements):
                last = i == len(statements) - 1
                if many:
                    self._cur.executemany(stmt, args)
                else:
                    self._cur.execute(stmt, args if last else ())
        except psycopg.Error as e:
            if guarded:
                raw.execute("ROLLBACK TO SAVEPOINT txip_stmt")
            raise _error(e) from e
        if guarded:
            raw.execute("RELEASE SAVEPOINT txip_stmt")

    @property
    def description(self):
        d = self._cur.description
        return None if d is None else [(c.name, None, None, None, None, None, None) for c in d]

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def _row(self, row):
        f = self._con.row_factory
        return row if f is None or row is None else f(self, row)

    def fetchone(self):
        if self._cur.description is None:
            return None
        return self._row(self._cur.fetchone())

    def fetchall(self) -> list:
        if self._cur.description is None:
            return []
        return [self._row(r) for r in self._cur.fetchall()]

    def fetchmany(self, size: int = 1) -> list:
        if self._cur.description is None:
            return []
        return [self._row(r) for r in self._cur.fetchmany(size)]

    def __iter__(self):
        return iter(self.fetchall())

    def close(self) -> None:
        self._cur.close()


class Connection:
    """The part of sqlite3.Connection the store uses, on one psycopg connection (autocommit; the store's own
    BEGIN … COMMIT make its transactions)."""

    def __init__(self, raw, target: Target):
        self.raw = raw
        self.target = target
        self.row_factory = None

    def cursor(self) -> Cursor:
        return Cursor(self)

    def execute(self, sql: str, params=()) -> Cursor:
        return Cursor(self).execute(sql, params)

    def executemany(self, sql: str, seq) -> Cursor:
        return Cursor(self).executemany(sql, seq)

    def commit(self) -> None:  # autocommit: a statement outside BEGIN … COMMIT is committed already
        pass

    def rollback(self) -> None:
        import psycopg

        if self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        if self.raw is not None:
            _pool.give(self.target, self.raw)
            self.raw = None

    def table_key(self, table: str) -> tuple[list[str], list[str]]:
        """The primary key and the columns of a table (for INSERT OR REPLACE)."""
        key = (self.target, "key", table)
        if key not in _catalog:
            cols = self.raw.execute(dialect.TABLE_INFO, (table,)).fetchall()
            _catalog[key] = ([c[1] for c in cols if c[5]], [c[1] for c in cols])
        return _catalog[key]

    def identity(self, table: str) -> str | None:
        """The identity column of a table (SQLite's INTEGER PRIMARY KEY AUTOINCREMENT), whose value is lastrowid."""
        key = (self.target, "identity", table)
        if key not in _catalog:
            row = self.raw.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attidentity <> '' "
                "AND attname <> 'rowid'",
                (table,),
            ).fetchone()
            _catalog[key] = row[0] if row else None
        return _catalog[key]

    def copy_rows(self, table: str, columns: list[str], rows) -> None:
        """Load rows (tuples of Python values, SQLite's bindings) with COPY. A whole float in an integer column is
        stored as the integer (SQLite's INTEGER affinity does the same)."""
        import psycopg

        types = dict(zip(*[self.table_info(table)[i] for i in (1, 2)]))
        whole = [types.get(c) in ("bigint", "integer") for c in columns]
        names = ", ".join(f'"{c}"' for c in columns)
        try:
            with self.raw.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(tuple(_whole(_value(v)) if w else _value(v) for v, w in zip(row, whole)))
        except psycopg.Error as e:
            raise _error(e) from e

    def table_info(self, table: str) -> list[list]:
        """PRAGMA table_info's columns, transposed: [cids, names, types, …]."""
        key = (self.target, "info", table)
        if key not in _catalog:
            _catalog[key] = [list(c) for c in zip(*self.raw.execute(dialect.TABLE_INFO, (table,)).fetchall())]
        return _catalog[key]


def _whole(v):
    return int(v) if type(v) is float and v.is_integer() else v
