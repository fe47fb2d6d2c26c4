"""Move a store to another backend: every table's rows and the original files, in one transaction on the target.

``python -m txip_geo --db store.sqlite migrate --to postgresql://…`` copies a SQLite store to PostgreSQL (and the
same works between any two stores, e.g. PostgreSQL → SQLite or one PostgreSQL schema to another). The target must be
empty of imports (a fresh store: its seeded boundaries and meta are replaced by the source's). The rows keep their
ids and their order (the records by rowid, which the de-duplication of a snapshot follows), so the figures are the
same before and after: the test compares ``summary``/``goals`` JSON byte for byte.
"""

from __future__ import annotations

import shutil

from txip_geo.store import backend_pg, throttle
from txip_geo.store.database import Store
from txip_geo.strings import t

BATCH = 50_000


class MigrateError(ValueError):
    pass


def _tables(con) -> list[str]:
    rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return [r[0] for r in rows if not r[0].startswith("sqlite_")]


def _columns(con, table: str) -> list[str]:
    return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[1] != "rowid"]


def _ordered(src: Store, table: str) -> str:
    """Rows in the order they were written: by rowid (SQLite; PostgreSQL's record tables have one)."""
    return " ORDER BY rowid" if src.backend == "sqlite" or table.startswith("rec_") else ""


def copy_store(src: Store, dst: Store, *, replace: bool = False, files: bool = True) -> dict[str, int]:
    """Copy every row of `src` into `dst` (and, with `files`, its original files); returns rows per table.
    `replace`: `dst` may hold data, all of which is replaced (a restore); else it must have no imports."""
    if not replace and dst.last_import_id():
        raise MigrateError(t("migrate.target_not_empty", target=_name(dst)))
    copied: dict[str, int] = {}
    with src.reading() as scon, dst.transaction() as dcon:
        if isinstance(scon, backend_pg.Connection):  # one snapshot of every table, as SQLite's one read
            scon.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        throttle.create(dcon)  # made on first use: the source may have it
        have = _tables(dcon)
        tables = _tables(scon)
        missing = [x for x in tables if x not in have]
        if missing:
            raise MigrateError(t("migrate.unknown_tables", tables=", ".join(missing)))
        _empty(dcon, have)
        for table in tables:
            copied[table] = _copy_table(src, scon, dst, dcon, table)
        if files:
            _relink(src, dst, dcon)
        if isinstance(scon, backend_pg.Connection):
            scon.execute("COMMIT")
    if files and src.files_dir.exists() and src.files_dir.resolve() != dst.files_dir.resolve():
        shutil.copytree(src.files_dir, dst.files_dir, dirs_exist_ok=True)
    return copied


def _empty(dcon, tables: list[str]) -> None:
    """Every row of the target goes (its seeded boundaries and meta; all of it in a restore)."""
    if isinstance(dcon, backend_pg.Connection):  # TRUNCATE fires no append-only row trigger
        dcon.raw.execute("TRUNCATE " + ", ".join(f'"{x}"' for x in tables))
        return
    for table in tables:
        dcon.execute(f'DELETE FROM "{table}"')


def _copy_table(src: Store, scon, dst: Store, dcon, table: str) -> int:
    cols = [c for c in _columns(scon, table) if c in set(_columns(dcon, table))]
    names = ", ".join(f'"{c}"' for c in cols)
    cur = scon.execute(f'SELECT {names} FROM "{table}"{_ordered(src, table)}')
    n = 0
    while rows := cur.fetchmany(BATCH):
        if isinstance(dcon, backend_pg.Connection):
            dcon.copy_rows(table, cols, rows)
        else:
            marks = ", ".join("?" for _ in cols)
            dcon.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        n += len(rows)
    if isinstance(dcon, backend_pg.Connection) and (ident := dcon.identity(table)):
        dcon.raw.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{ident}'), "
            f'GREATEST(COALESCE((SELECT MAX("{ident}") FROM "{table}"), 0), 1), '
            f'(SELECT MAX("{ident}") FROM "{table}") IS NOT NULL)'
        )
    return n


def _relink(src: Store, dst: Store, dcon) -> None:
    """The imports' stored_path names the files folder beside the store: the target's."""
    old, new = src.files_dir.name, dst.files_dir.name
    if old == new:
        return
    rows = dcon.execute("SELECT id, stored_path FROM imports WHERE stored_path IS NOT NULL").fetchall()
    changed = [(new + p[len(old) :], i) for i, p in rows if p.startswith(old)]
    if changed:
        dcon.executemany("UPDATE imports SET stored_path=? WHERE id=?", changed)


def _name(store: Store) -> str:
    return f"PostgreSQL schema {store.pg.schema}" if store.pg else str(store.path)
