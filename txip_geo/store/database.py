"""The embedded store: one SQLite file with imports, snapshots, records, boundaries and the original files.

Why SQLite: it ships with Python (nothing to install on an intranet server), gives real transactions (an import is
all-or-nothing; a killed process leaves the previous state), allows many readers while one writer works (WAL), and
the whole store is one file plus the folder of original files, which makes backup and restore a copy.

Length: one class, the store's only door to its SQLite file -- its schema and migrations, the boundaries, the
imports (written in one transaction with their aggregates) and the reads of records. Each part is short and they
share the connection discipline (one writer, `transaction`/`reading`); the counting lives in store.aggregates and
the backup in store.backup.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from txip_geo import schema
from txip_geo.paths import ENV_DB, data_dir, default_db_path
from txip_geo.store import aggregates, backend_pg, bulk, evidence, tasks
from txip_geo.strings import t

# The patent rows that count for no township (or lie outside Taixing): the few the 数据 page lists out of a
# province's millions. A partial index holds only those rows, so they are found without reading the others (8.9 s
# for 5,000,000 records without it); an older store gets it when it is opened.
_NO_TOWNSHIP = "(assign_method = 'outside' OR unit_code IS NULL OR TRIM(unit_code) = '')"
NO_TOWNSHIP_INDEX = (
    f'CREATE INDEX IF NOT EXISTS "ix_patents_no_township" ON "rec_patents" (import_id, row_no) WHERE {_NO_TOWNSHIP}'
)


def no_township_query(n_imports: int) -> str:
    """The live patent rows of `n_imports` imports (their ids the parameters) that count for no township."""
    marks = ", ".join("?" for _ in range(n_imports))
    return (
        'SELECT r.*, i.as_of, i.file_name, i.is_sample FROM "rec_patents" r JOIN imports i ON i.id = r.import_id '
        f"WHERE r.import_id IN ({marks}) AND r.superseded IS NULL AND {_NO_TOWNSHIP} "
        "ORDER BY r.import_id, r.row_no"
    )


# 2: patent aggregates (txip_geo/store/aggregates.py); 3: the task register and evidence files (store.tasks,
# store.evidence); 4: the patents' IPC cells counted per import (aggregates.CODES_VERSION, agg_patent_codes).
SCHEMA_VERSION = 4
INSERT_BATCH = 20_000  # rows converted to Python values at a time when inserting (memory: one such slice)


def _missing_columns(con, kind: schema.Kind) -> list[tuple[str, str]]:
    have = {r[1] for r in con.execute(f'PRAGMA table_info("rec_{kind.name}")')}
    return [(n, typ) for n, typ in _record_columns(kind) if have and n not in have]


def _add_fields(con) -> None:
    """Optional fields a newer schema added (patents' ipc_all): added empty to a store written before them."""
    for kind in schema.KINDS.values():
        for n, typ in _missing_columns(con, kind):
            con.execute(f'ALTER TABLE "rec_{kind.name}" ADD COLUMN "{n}" {typ}')


def _missing_fields(store) -> bool:
    with store.reading() as con:
        return any(_missing_columns(con, k) for k in schema.KINDS.values())


def _record_columns(kind: schema.Kind) -> list[tuple[str, str]]:
    cols: list[tuple[str, str]] = [("import_id", "INTEGER NOT NULL"), ("row_no", "INTEGER NOT NULL")]
    sql_type = {"text": "TEXT", "date": "TEXT", "int": "REAL", "float": "REAL", "bool": "INTEGER"}
    for f in schema.input_fields(kind):
        cols.append((f.name, sql_type[f.type]))
    cols.extend(kind.derived)
    if kind.located:
        cols.extend((c, "TEXT") for c in schema.ASSIGNMENT_COLUMNS)
    return cols


def record_columns(kind: str) -> list[str]:
    """The columns of a kind's record table (Store.records adds as_of, file_name, is_sample)."""
    return [n for n, _ in _record_columns(schema.KINDS[kind])]


DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    as_of TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    is_sample INTEGER NOT NULL DEFAULT 0,
    rows_read INTEGER, rows_imported INTEGER, rows_rejected INTEGER, duplicates INTEGER,
    report TEXT,
    stored_path TEXT,
    UNIQUE (kind, sha256, as_of)
);
CREATE TABLE IF NOT EXISTS boundaries (
    layer TEXT NOT NULL,            -- townships | parks
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    geometry BLOB NOT NULL,         -- WKB, display datum (WGS84)
    official INTEGER NOT NULL,      -- 0 = schematic, 1 = official import
    import_id INTEGER,
    source TEXT,
    PRIMARY KEY (layer, code)
);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,             -- viewer | editor | admin
    password_hash TEXT,             -- scrypt, NULL for single-sign-on users
    sso_subject TEXT,               -- e-mail/subject from the organisation's OIDC provider
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,           -- sign_in | sign_in_failed | import | boundaries | user | restore | delete …
    detail TEXT
);
"""


@dataclass
class ImportRow:
    id: int
    kind: str
    file_name: str
    sha256: str
    as_of: str
    imported_at: str
    is_sample: bool
    rows_imported: int


def _sha256(data: bytes | Path) -> str:
    if isinstance(data, (bytes, bytearray)):
        return hashlib.sha256(data).hexdigest()
    h = hashlib.sha256()
    with open(data, "rb") as f:
        while block := f.read(8 * 1024 * 1024):
            h.update(block)
    return h.hexdigest()


# A missing value is bound as a float NaN, which SQLite stores as NULL (sqlite3_bind_double turns a NaN into NULL):
# the same stored value as None, but Python's sqlite3 binds a float directly, while for None it first looks for an
# adapter (raising and clearing two AttributeErrors per value) -- ~1 µs per missing cell, seconds per million rows.
_NULL = float("nan")


def _sql_values(col: pd.Series) -> list:
    """A column as the Python values bound for it: what `astype(object)` gives, missing values as _NULL."""
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        return col.to_numpy().tolist()  # Python floats (NaN for missing), ints, bools
    values = col.astype(object).to_numpy()
    missing = col.isna().to_numpy()
    if missing.any():
        values = values.copy()  # an object column's astype(object) is the frame's own array
        values[missing] = _NULL
    return values.tolist()


class _Worker:
    """Runs one job at a time on a thread of its own; `wait` returns once it is done (raising what it raised)."""

    def __init__(self):
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def run(self, fn, *args) -> None:
        self.wait()

        def target():
            try:
                fn(*args)
            except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
                self._error = e

        self._thread = threading.Thread(target=target, name="txip-store-worker", daemon=True)
        self._thread.start()

    def wait(self, quiet: bool = False) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None and not quiet:
            raise error


def _to_2(con) -> None:
    """Version 2: the patent aggregates (store.aggregates), built for every import."""
    aggregates.create(con)
    aggregates.migrate(con)
    con.execute(NO_TOWNSHIP_INDEX)


def _to_3(con) -> None:
    """Version 3: the task register and the evidence files (new tables, nothing to convert)."""
    tasks.create(con)
    evidence.create(con)


def _to_4(con) -> None:
    """Version 4: the IPC cells per import (aggregates' agg_patent_codes), counted for every import."""
    aggregates.create(con)  # the new table (a store restored under a running handle has not run Store._init)
    aggregates.count_codes(con)


# The ordered upgrade steps: (the schema version a step brings a store to, the step). A new version appends one.
MIGRATIONS = ((aggregates.VERSION, _to_2), (3, _to_3), (aggregates.CODES_VERSION, _to_4))


def store_path(given: str | Path) -> Path:
    """Where a store keeps its files: the SQLite file's path; for a ``postgresql://`` URL, ``<name>.postgresql`` (a
    name only, no file is made) under TXIP_FILES_DIR or the data folder, its original files in ``<name>-files/`` and
    its job queue in ``<name>-jobs.sqlite`` beside it, `name` derived from the server, port, database and schema
    (backend_pg.files_name): never those of ``txip.sqlite`` or of another PostgreSQL store."""
    if backend_pg.is_url(given):
        name = backend_pg.files_name(backend_pg.target_of(given))
        return Path(os.environ.get("TXIP_FILES_DIR") or data_dir()) / f"{name}.postgresql"
    return Path(given)


class Store:
    """A handle on one store file. Cheap to create; every write is one transaction."""

    def __init__(self, path: str | Path | None = None, *, local: bool = False):
        """`path`: the SQLite file, or a ``postgresql://…`` URL (store.backend_pg); default TXIP_DB. `local`: the SQLite
        file at `path` whatever TXIP_PG_URL says (a backup's copy of a store)."""
        given = path or os.environ.get(ENV_DB) or default_db_path()
        self._pg = None if local else backend_pg.target_of(given)
        self.path = store_path(given)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.files_dir = self.path.parent / (self.path.stem + "-files")
        self._init()

    # -- connection -------------------------------------------------------------------------------------------
    @property
    def pg(self) -> backend_pg.Target | None:
        """The PostgreSQL store this handle opens (store.backend_pg), or None: the SQLite file at `path`."""
        if "_pg" not in self.__dict__:  # a handle made without __init__ (tests)
            self._pg = backend_pg.target_of(self.path)
        return self._pg

    @property
    def backend(self) -> str:
        return "postgresql" if self.pg else "sqlite"

    def connect(self, *, any_thread: bool = False) -> sqlite3.Connection:
        """`any_thread`: the connection may be used by another thread too (one at a time: see _Worker)."""
        if self.pg:
            return self.pg.connect(any_thread=any_thread)
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=not any_thread)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        return con

    @contextmanager
    def transaction(self, *, any_thread: bool = False):
        """BEGIN IMMEDIATE … COMMIT; anything raised inside rolls everything back."""
        con = self.connect(any_thread=any_thread)
        try:
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    @contextmanager
    def reading(self):
        con = self.connect()
        try:
            yield con
        finally:
            con.close()

    def _init(self) -> None:
        with self.transaction() as con:
            for stmt in DDL.split(";"):
                if stmt.strip():
                    con.execute(stmt)
            for kind in schema.KINDS.values():
                cols = ", ".join(f'"{n}" {typ}' for n, typ in _record_columns(kind))
                con.execute(f'CREATE TABLE IF NOT EXISTS "rec_{kind.name}" ({cols})')
                con.execute(f'CREATE INDEX IF NOT EXISTS "ix_{kind.name}_import" ON "rec_{kind.name}" (import_id)')
            con.execute(NO_TOWNSHIP_INDEX)
            _add_fields(con)
            aggregates.create(con)
            tasks.create(con)
            evidence.create(con)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._migrate(con)
            has = con.execute("SELECT COUNT(*) FROM boundaries").fetchone()[0]
        if not has:
            self._seed_boundaries()

    @staticmethod
    def _migrate(con) -> bool:
        """Bring a store written by an older version (e.g. a restored backup) up to SCHEMA_VERSION, inside the
        caller's transaction: the steps of MIGRATIONS above its meta.schema_version, in order (the same on SQLite and
        PostgreSQL); True when the patent aggregates were rebuilt (those of an import being written too)."""
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version >= SCHEMA_VERSION:
            return False
        _add_fields(con)  # the steps count the newest columns (patents' ipc_all)
        for to, step in MIGRATIONS:
            if version < to:
                step(con)
                con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(to),))
        return version < aggregates.VERSION

    def _current(self) -> None:
        """Migrate when the file was replaced under this handle (a restore) by a store of an older version."""
        with self.reading() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if not row or int(row[0]) < SCHEMA_VERSION:
            with self.transaction() as con:
                self._migrate(con)
        if _missing_fields(self):
            with self.transaction() as con:
                _add_fields(con)

    def _seed_boundaries(self) -> None:
        from txip_geo.areas import boundaries

        towns = boundaries.bundled_townships()
        parks = boundaries.bundled_parks()
        with self.transaction() as con:
            self._write_layer(
                con, "townships", towns, official=False, import_id=None, source=t("store.schematic_source")
            )
            self._write_layer(con, "parks", parks, official=False, import_id=None, source=t("store.schematic_source"))

    @staticmethod
    def _write_layer(
        con, layer: str, gdf: gpd.GeoDataFrame, official: bool, import_id, source: str, keep: dict | None = None
    ) -> None:
        """`keep`: code -> (official, import_id, source) for features whose stored provenance stays."""
        keep = keep or {}
        con.execute("DELETE FROM boundaries WHERE layer = ?", (layer,))
        con.executemany(
            "INSERT INTO boundaries VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    layer,
                    str(r.code),
                    str(r.name),
                    shapely.to_wkb(r.geometry),
                    *keep.get(str(r.code), (int(official), import_id, source)),
                )
                for r in gdf.itertuples()
            ],
        )

    # -- boundaries -------------------------------------------------------------------------------------------
    def layer(self, layer: str) -> gpd.GeoDataFrame:
        with self.reading() as con:
            df = pd.read_sql_query(
                "SELECT code, name, geometry, official, import_id, source FROM boundaries WHERE layer = ? ORDER BY code",
                con,
                params=(layer,),
            )
        geoms = shapely.from_wkb(df.pop("geometry").to_numpy()) if len(df) else []
        return gpd.GeoDataFrame(df, geometry=list(geoms), crs="EPSG:4326")

    def boundaries_status(self, layer: str = "townships") -> str:
        """'official' when every feature of the layer comes from an official import or drawing, else 'schematic'."""
        with self.reading() as con:
            row = con.execute("SELECT MIN(official) FROM boundaries WHERE layer=?", (layer,)).fetchone()
        return "official" if row and row[0] == 1 else "schematic"

    def replace_layer(
        self,
        layer: str,
        gdf: gpd.GeoDataFrame,
        *,
        file_path: Path,
        as_of: str,
        user: str,
        report: dict,
        relocate,
        codes=None,
    ) -> int:
        """Store an official layer and re-assign located records, in one transaction.

        `codes`: when given, only these features come from this import (official); the other features of `gdf`
        keep the provenance (official, import_id, source) they have in the store.
        """
        data = Path(file_path).read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        with self.transaction() as con:
            import_id = self._insert_import(
                con,
                kind=f"boundaries:{layer}",
                file_name=Path(file_path).name,
                data=data,
                sha=sha,
                as_of=as_of,
                user=user,
                is_sample=False,
                report=report,
                rows=(len(gdf), len(gdf), 0, 0),
            )
            keep = None
            if codes is not None:
                keep = {
                    str(c): (o, i, s)
                    for c, o, i, s in con.execute(
                        "SELECT code, official, import_id, source FROM boundaries WHERE layer = ?", (layer,)
                    )
                    if str(c) not in {str(x) for x in codes}
                }
            self._write_layer(
                con,
                layer,
                gdf,
                official=True,
                import_id=import_id,
                source=t("store.official_source", file=Path(file_path).name),
                keep=keep,
            )
            relocate(con)
            self.write_audit(
                con, user, "boundaries", t("store.audit_boundaries", layer=layer, file=Path(file_path).name, n=len(gdf))
            )
        return import_id

    def point_finder(self):
        """What places records' points in the layers: PostGIS when this store is on PostgreSQL with it and
        TXIP_POSTGIS_LOCATE=1 (store.postgis), else None: the Python path (locate.points.find_in_layers)."""
        from txip_geo.store import postgis

        return postgis.finder_for(self)

    # -- imports ----------------------------------------------------------------------------------------------
    def find_import(self, kind: str, sha: str, as_of: str) -> int | None:
        with self.reading() as con:
            row = con.execute(
                "SELECT id FROM imports WHERE kind=? AND sha256=? AND as_of=?", (kind, sha, as_of)
            ).fetchone()
        return row[0] if row else None

    def _insert_import(
        self, con, *, kind, file_name, data: bytes | Path, sha, as_of, user, is_sample, report, rows
    ) -> int:
        """The import row, and the original file (`data`: its bytes or its path) kept next to the store. `report`
        None: written later by _complete_import (with `rows`)."""
        size = len(data) if isinstance(data, (bytes, bytearray)) else Path(data).stat().st_size
        cur = con.execute(
            "INSERT INTO imports (kind, file_name, sha256, size, as_of, imported_at, imported_by, is_sample, rows_read, "
            "rows_imported, rows_rejected, duplicates, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                kind,
                file_name,
                sha,
                size,
                as_of,
                datetime.now().isoformat(timespec="seconds"),
                user,
                int(is_sample),
                *rows,
                None if report is None else json.dumps(report, ensure_ascii=False, default=str),
            ),
        )
        import_id = cur.lastrowid
        # Keep the original file next to the store, named by checksum (written before COMMIT; a leftover file
        # from a rolled-back import is harmless and is reused by the next identical import).
        self.files_dir.mkdir(parents=True, exist_ok=True)
        target = self._original_path(sha, file_name)
        if not target.exists():
            tmp = target.with_suffix(target.suffix + ".part")
            if isinstance(data, (bytes, bytearray)):
                tmp.write_bytes(data)
            else:
                shutil.copyfile(data, tmp)
            tmp.replace(target)
        con.execute(
            "UPDATE imports SET stored_path=? WHERE id=?", (str(target.relative_to(self.path.parent)), import_id)
        )
        return import_id

    def _original_path(self, sha: str, file_name: str) -> Path:
        return self.files_dir / f"{sha[:16]}-{Path(file_name).name}"

    @staticmethod
    def _complete_import(con, import_id: int, report: dict, rows: tuple[int, int, int, int]) -> None:
        con.execute(
            "UPDATE imports SET rows_read=?, rows_imported=?, rows_rejected=?, duplicates=?, report=? WHERE id=?",
            (*rows, json.dumps(report, ensure_ascii=False, default=str), import_id),
        )

    @staticmethod
    def _insert_frame(con, kind: schema.Kind, import_id: int, records: pd.DataFrame) -> int:
        """Insert records of one import; returns how many."""
        _add_fields(con)  # a store restored under this handle may predate an optional field
        cols = [n for n, _ in _record_columns(kind)]
        frame = records.copy(deep=False)  # columns are added, none changed: no need to copy the data
        frame["import_id"] = import_id
        for c in cols:
            if c not in frame.columns:
                frame[c] = None
        if isinstance(con, backend_pg.Connection):  # COPY, a slice at a time
            for start in range(0, len(frame), INSERT_BATCH):
                part = frame.iloc[start : start + INSERT_BATCH]
                con.copy_rows(f"rec_{kind.name}", cols, zip(*(_sql_values(part[c]) for c in cols)))
            return len(frame)
        placeholders = ", ".join("?" for _ in cols)
        names = ", ".join(f'"{c}"' for c in cols)
        sql = f'INSERT INTO "rec_{kind.name}" ({names}) VALUES ({placeholders})'
        # In slices: memory stays bounded. Each slice goes as Arrow columns through a scratch copy (store.bulk: no
        # value bound in Python); one that cannot (a column of mixed types) is bound value by value, the same rows.
        for start in range(0, len(frame), bulk.ROWS):
            part = frame.iloc[start : start + bulk.ROWS]
            if bulk.insert(con, f"rec_{kind.name}", part, cols):
                continue
            for at in range(0, len(part), INSERT_BATCH):  # column by column: no object copy of the whole slice
                piece = part.iloc[at : at + INSERT_BATCH]
                con.executemany(sql, zip(*(_sql_values(piece[c]) for c in cols)))
        return len(frame)

    @staticmethod
    def write_audit(con, user: str, action: str, detail: str = "") -> None:
        con.execute(
            "INSERT INTO audit (at, user, action, detail) VALUES (?, ?, ?, ?)",
            (datetime.now().isoformat(timespec="seconds"), user or "", action, detail),
        )

    def audit(self, user: str, action: str, detail: str = "") -> None:
        """Record who did what (its own transaction; imports write theirs inside the import's transaction)."""
        with self.transaction() as con:
            self.write_audit(con, user, action, detail)

    def audit_log(self, limit: int = 500) -> pd.DataFrame:
        with self.reading() as con:
            return pd.read_sql_query(
                "SELECT at, user, action, detail FROM audit ORDER BY id DESC LIMIT ?", con, params=(limit,)
            )

    def add_records(
        self,
        kind: schema.Kind,
        records: pd.DataFrame | Iterable[pd.DataFrame],
        *,
        file_name: str,
        data: bytes | Path,
        as_of: str,
        user: str,
        is_sample: bool,
        report: dict | Callable[[], dict],
        rows: tuple[int, int, int, int] | Callable[[], tuple[int, int, int, int]],
    ) -> int:
        """Insert one import and its records atomically; returns the import id.

        `records`: a frame, or an iterable of frames (an import streamed in chunks: each one is inserted as it comes,
        all inside this one transaction; anything the iterable raises rolls the whole import back). `report` and
        `rows` may be functions: they are called once every record is in (a streamed import knows its counts only
        then). `data`: the original file, its bytes or its path."""
        sha = _sha256(data)
        # Patent counts are made a chunk at a time by a worker thread (aggregates.count_chunk: SQL, which runs without
        # the GIL) while the next chunk is prepared; the connection is used by one thread at a time.
        counted = kind.aggregated
        worker = _Worker()
        with self.transaction(any_thread=counted) as con:
            original = self._original_path(sha, file_name)
            fresh = not original.exists()
            try:
                import_id = self._insert_import(
                    con,
                    kind=kind.name,
                    file_name=file_name,
                    data=data,
                    sha=sha,
                    as_of=as_of,
                    user=user,
                    is_sample=is_sample,
                    report=None,
                    rows=(None, None, None, None),
                )
                if counted:
                    aggregates.start_chunks(con)
                n = 0
                for frame in [records] if isinstance(records, pd.DataFrame) else records:
                    worker.wait()
                    last = self._last_rowid(con, kind) if counted else 0
                    n += self._insert_frame(con, kind, import_id, frame)
                    if counted and len(frame):
                        worker.run(aggregates.count_chunk, con, import_id, last + 1, self._last_rowid(con, kind))
                worker.wait()
                counts = rows() if callable(rows) else rows
                self._complete_import(con, import_id, report() if callable(report) else report, counts)
                self._refresh_aggregates(con, kind.name, import_id, as_of, counted)
                detail = t(
                    "import_audit.imported",
                    kind=kind.label,
                    file=file_name,
                    as_of=as_of,
                    n=n,
                    skipped=counts[2] or 0,
                    sha=sha,
                )
                self.write_audit(con, user, "import", detail)
            except BaseException:
                worker.wait(quiet=True)  # the connection is this thread's again before the rollback
                if fresh:  # still under the write lock: no other import can have found this file yet
                    original.unlink(missing_ok=True)
                raise
        return import_id

    @staticmethod
    def _last_rowid(con, kind: schema.Kind) -> int:
        return con.execute(f'SELECT COALESCE(MAX(rowid), 0) FROM "rec_{kind.name}"').fetchone()[0]

    def _refresh_aggregates(self, con, kind: str, import_id: int, as_of: str, counted: bool = False) -> None:
        """Keep the patent aggregates in step with an import, in its transaction. `counted`: every chunk of the import
        went through aggregates.count_chunk."""
        if schema.KINDS[kind].aggregated and not self._migrate(
            con
        ):  # an old store is migrated whole (this import included)
            if counted:
                aggregates.refresh_streamed(con, import_id, as_of)
            else:
                aggregates.refresh_import(con, import_id, as_of)

    def imports(self, kind: str | None = None) -> pd.DataFrame:
        q = "SELECT * FROM imports" + (" WHERE kind = ?" if kind else "") + " ORDER BY id"
        with self.reading() as con:
            return pd.read_sql_query(q, con, params=(kind,) if kind else ())

    def snapshot_dates(self, kind: str) -> list[str]:
        with self.reading() as con:
            rows = con.execute("SELECT DISTINCT as_of FROM imports WHERE kind=? ORDER BY as_of", (kind,)).fetchall()
        return [r[0] for r in rows]

    def records(
        self, kind: str, as_of: str | None = None, upto: int | None = None, *, no_township: bool = False
    ) -> pd.DataFrame:
        """The current snapshot of a kind: rows from every import at the latest as-of date (≤ as_of when given),
        de-duplicated on the kind's key, the later import winning. Adds the column `as_of`. `upto`: only imports
        with an id up to this one (the store as it was when that import was the last).

        `no_township`: only the rows of that snapshot that count for no township or lie outside Taixing
        (`store.rules.no_township_mask` or assign_method 'outside'), the lists the 数据 page shows. For patents the
        filter runs in SQL on the rows the aggregates mark live (`rec_patents.superseded`, the same de-duplication),
        so a million-record snapshot is not loaded to find its few hundred unassigned rows."""
        k = schema.KINDS[kind]
        if no_township and schema.KINDS[kind].aggregated:
            return self._live_patents_without_township(as_of, upto)
        if no_township:
            from txip_geo.store.rules import no_township_mask

            df = self.records(kind, as_of, upto)
            return df[no_township_mask(df) | (df["assign_method"] == "outside")].reset_index(drop=True)
        with self.reading() as con:
            where = "kind = ?" + (" AND as_of <= ?" if as_of else "") + (" AND id <= ?" if upto is not None else "")
            params = [kind] + ([as_of] if as_of else []) + ([upto] if upto is not None else [])
            snap = con.execute(f"SELECT MAX(as_of) FROM imports WHERE {where}", params).fetchone()[0]
            cols = [n for n, _ in _record_columns(k)]
            if snap is None:
                return pd.DataFrame(columns=cols + ["as_of", "file_name", "is_sample"])
            df = pd.read_sql_query(
                f'SELECT r.*, i.as_of, i.file_name, i.is_sample FROM "rec_{kind}" r JOIN imports i ON i.id = r.import_id '
                "WHERE i.kind = ? AND i.as_of = ?"
                + (" AND i.id <= ?" if upto is not None else "")
                + " ORDER BY r.import_id, r.row_no",
                con,
                params=(kind, snap) + ((upto,) if upto is not None else ()),
            )
            df = df.drop(
                columns=["superseded", "rowid"], errors="ignore"
            )  # the aggregates' mark (txip_geo/store/aggregates.py)
        key = list(k.key)  # schema.Kind.key: what the importer de-duplicates on too
        if len(df) and all(c in df.columns for c in key):
            has_key = df[key].notna().all(axis=1)
            df = pd.concat([df[has_key].drop_duplicates(key, keep="last"), df[~has_key]]).sort_index()
        return df.reset_index(drop=True)

    def _live_patents_without_township(self, as_of: str | None, upto: int | None) -> pd.DataFrame:
        self._current()
        cols = [n for n, _ in _record_columns(schema.KINDS["patents"])]
        with self.reading() as con:
            ids = aggregates.snapshot(con, as_of, upto)
            if not ids:
                return pd.DataFrame(columns=cols + ["as_of", "file_name", "is_sample"])
            df = pd.read_sql_query(no_township_query(len(ids)), con, params=ids)
        return df.drop(columns=["superseded", "rowid"], errors="ignore").reset_index(drop=True)

    def relocate_all(self, con, locate) -> None:
        """Re-run area assignment on every located record (after the boundaries changed)."""
        for kind in schema.KINDS.values():
            if not kind.located:
                continue
            df = pd.read_sql_query(f'SELECT rowid AS _rid, * FROM "rec_{kind.name}"', con)
            if df.empty:
                continue
            loc = locate(df)
            con.executemany(
                f'UPDATE "rec_{kind.name}" SET unit_code=?, park_code=?, assign_method=?, assign_note=? WHERE rowid=?',
                [
                    (a or None, b or None, c, d, int(r))
                    for a, b, c, d, r in zip(
                        loc["unit_code"], loc["park_code"], loc["assign_method"], loc["assign_note"], df["_rid"]
                    )
                ],
            )
        aggregates.rebuild(con)

    def clear_records(self) -> None:
        """Remove every import and record (boundaries stay). Used by `demo`."""
        with self.transaction() as con:
            for kind in schema.KINDS:
                con.execute(f'DELETE FROM "rec_{kind}"')
            con.execute("DELETE FROM imports WHERE kind NOT LIKE 'boundaries:%'")
            aggregates.clear(con)

    # -- patent aggregates (what the figures count; txip_geo/store/aggregates.py) ---------------------------------------
    def last_import_id(self) -> int:
        with self.reading() as con:
            return con.execute("SELECT COALESCE(MAX(id), 0) FROM imports").fetchone()[0]

    def patent_counts(
        self, as_of: str | None = None, *, long_cut: str, upto: int | None = None, keys=aggregates.COUNT_KEYS
    ) -> pd.DataFrame:
        """The current patent snapshot (the rows `records('patents', as_of)` gives) counted per unit, park,
        assignment method, type, status, application year (or only the `keys` given of these) and `long` (a valid
        invention whose application date, else 1 January of its year, is before `long_cut`): columns keys, long, n."""
        self._current()
        with self.reading() as con:
            return aggregates.counts(con, aggregates.snapshot(con, as_of, upto), long_cut, tuple(keys))

    def patent_code_counts(self, as_of: str | None = None, *, long_cut: str, upto: int | None = None) -> pd.DataFrame:
        """The same rows counted per patent_counts' keys and their IPC cells (figures.industries)."""
        self._current()
        with self.reading() as con:
            return aggregates.code_counts(con, aggregates.snapshot(con, as_of, upto), long_cut)

    def patent_sources(self, as_of: str | None = None, upto: int | None = None) -> pd.DataFrame:
        """The same rows counted per import (file_name, is_sample, as_of) and outside / type / status / year."""
        self._current()
        with self.reading() as con:
            return aggregates.sources(con, aggregates.snapshot(con, as_of, upto))

    def patent_holders(self, as_of: str | None = None, upto: int | None = None) -> pd.DataFrame:
        """Valid patents of the same rows per (enterprise_code, applicant): columns enterprise_code, applicant, n."""
        self._current()
        with self.reading() as con:
            return aggregates.holders(con, aggregates.snapshot(con, as_of, upto))

    def has_sample(self) -> bool:
        with self.reading() as con:
            return bool(con.execute("SELECT COUNT(*) FROM imports WHERE is_sample=1").fetchone()[0])

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.reading() as con:
            row = con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
