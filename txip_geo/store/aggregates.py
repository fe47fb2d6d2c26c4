"""Per-import patent aggregates, kept by the store in the transaction that changes the records.

The figures need counts, not records: at province scale (5,000,000 patent records) loading every record takes a
minute and 13 GB. So every patent import gets its counts written with it:

* ``rec_patents.superseded`` marks the rows that ``Store.records`` drops when it de-duplicates a snapshot (imports
  with the same as-of date; one row per ``pkey``, the later import winning, within an import the later row). It is
  resolved when a record is imported: the new import's keys supersede the same keys in the earlier imports of its
  snapshot, whose counts are then recomputed. Rows without a ``pkey`` are never superseded.
* ``agg_patents``: per import, the number of live rows per (unit_code, park_code, assign_method, patent_type,
  status_code, app_year, long_key). ``long_key`` is the date the "more than N years" test of
  ``figures.area_table`` compares (the application date, else 1 January of the application year), kept for valid
  inventions only -- the only rows that test can count -- so the cut can be applied at day precision for any as-of
  date and number of years.
* ``agg_patent_holders``: per import, valid live rows per (enterprise_code, applicant), for the enterprises'
  derived ``patents_held``.
* ``agg_patent_totals``: ``agg_patents`` summed over the application year and ``long_key``: one row per (unit,
  park, method, type, status) and import. ``agg_patent_long``: for each (unit, park, method) of an import with valid
  inventions, and each year from the first to the year after the last of their ``long_key`` years, the number of
  them whose ``long_key`` year is before it (a running count, every year present: the cut's year is read by
  equality); ``agg_patent_years``: that range per import (no row: an import whose ``long_key`` years are not all four
  digits, counted per date instead). Counts without ``app_year`` (the summaries) read these: the totals, one running
  count per unit for the "more than N years" cut's year, and from ``agg_patents`` only the valid inventions dated in
  that year before the cut day (partial covering index ``ix_agg_patents_dated``). For 5,000,000 generated records in
  1,299 units and 5 imports: 57,523 + 6,433 + 31,270 rows read instead of the 184,277 per-year totals + 2 × 31,270
  dated rows of the year-split totals (docs/performance.md, "Summary at province scale").
* ``agg_patent_codes`` (from schema version CODES_VERSION): ``agg_patents``' keys and ``long_key`` per IPC cells
  (``ipc``, ``ipc_all``) -- what ``figures.industries`` classifies (the G01/G02 industry breakdown), read by
  ``code_counts`` instead of a group by over the records. The raw cells, not their industries: the mapping table
  (data/ipc_industries.csv) and the rule (main class or every class) stay the figures' to apply, so a changed table
  needs no rebuild. The sample + 300,000 generated patents: 28,391 rows for that import's 300,000 records (670
  distinct cells).

Every place records change calls in here: ``Store.add_records`` (``refresh_import``), ``Store.relocate_all``
(``rebuild``), ``Store.clear_records`` (``clear``), and opening a store written before the aggregates existed
(``migrate``; a restored old backup is such a store) or before ``agg_patent_codes`` (``count_codes``).
"""

from __future__ import annotations

import re
import sqlite3

import numpy as np
import pandas as pd

from txip_geo.store import backend_pg

VERSION = 2  # meta.schema_version from which the aggregates exist
CODES_VERSION = 4  # meta.schema_version from which agg_patent_codes exists (store.database.MIGRATIONS)

COUNT_KEYS = ("unit_code", "park_code", "assign_method", "patent_type", "status_code", "app_year")
HOLDER_KEYS = ("enterprise_code", "applicant")

DDL = f"""
CREATE TABLE IF NOT EXISTS agg_patents (
    import_id INTEGER NOT NULL, {", ".join(f"{k} {'INTEGER' if k == 'app_year' else 'TEXT'}" for k in COUNT_KEYS)},
    long_key TEXT, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_agg_patents_import ON agg_patents (import_id);
CREATE TABLE IF NOT EXISTS agg_patent_holders (
    import_id INTEGER NOT NULL, enterprise_code TEXT, applicant TEXT, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_agg_patent_holders_import ON agg_patent_holders (import_id);
CREATE TABLE IF NOT EXISTS agg_patent_totals (
    import_id INTEGER NOT NULL, {", ".join(f"{k} TEXT" for k in COUNT_KEYS if k != "app_year")}, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_agg_patent_totals_import ON agg_patent_totals (import_id);
CREATE TABLE IF NOT EXISTS agg_patent_long (
    import_id INTEGER NOT NULL, unit_code TEXT, park_code TEXT, assign_method TEXT, year INTEGER NOT NULL,
    n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_agg_patent_long_year ON agg_patent_long (import_id, year);
CREATE TABLE IF NOT EXISTS agg_patent_years (import_id INTEGER NOT NULL, first_year INTEGER, last_year INTEGER);
CREATE INDEX IF NOT EXISTS ix_agg_patent_years_import ON agg_patent_years (import_id);
CREATE TABLE IF NOT EXISTS agg_patent_codes (
    import_id INTEGER NOT NULL, {", ".join(f"{k} {'INTEGER' if k == 'app_year' else 'TEXT'}" for k in COUNT_KEYS)},
    long_key TEXT, ipc TEXT, ipc_all TEXT, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_agg_patent_codes_import ON agg_patent_codes (import_id);
CREATE INDEX IF NOT EXISTS ix_agg_patents_dated ON agg_patents (import_id, long_key, unit_code, park_code, assign_method, n)
    WHERE long_key IS NOT NULL
"""

# figures.area_table's "date or year" (app_date when not empty, else 1 January of app_year), for valid inventions.
LONG_KEY = (
    "CASE WHEN patent_type = 'invention' AND status_code = 'valid' THEN "
    "CASE WHEN COALESCE(app_date, '') <> '' THEN app_date ELSE CAST(app_year AS INTEGER) || '-01-01' END END"
)
_KEYS = ", ".join(COUNT_KEYS)
CELLS = ("ipc", "ipc_all")  # the IPC cells agg_patent_codes counts per
_CODE_KEYS = f"{_KEYS}, long_key, {', '.join(CELLS)}"
TOTAL_KEYS = tuple(k for k in COUNT_KEYS if k != "app_year")
_TOTAL_KEYS = ", ".join(TOTAL_KEYS)
LONG_GROUP = ("unit_code", "park_code", "assign_method")  # agg_patent_long's keys (type and status: valid inventions)
_LONG_GROUP = ", ".join(LONG_GROUP)


def create(con: sqlite3.Connection) -> None:
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "agg_patent_years" not in tables:  # totals from before the running counts (split by year), or none: rebuilt
        con.execute("DROP TABLE IF EXISTS agg_patent_totals")
        con.execute("DROP INDEX IF EXISTS ix_agg_patents_long")
    for stmt in DDL.split(";"):
        con.execute(stmt)
    cols = {r[1] for r in con.execute('PRAGMA table_info("rec_patents")')}
    if "superseded" not in cols:
        con.execute('ALTER TABLE "rec_patents" ADD COLUMN superseded INTEGER')
    if "agg_patent_years" not in tables:  # made from the per-import counts
        _totals(con, None)


def _totals(con: sqlite3.Connection, import_id: int | None) -> None:
    """agg_patent_totals, agg_patent_long and agg_patent_years of one import (None: of every import) from its
    agg_patents rows."""
    where, args = ("WHERE import_id = ?", (import_id,)) if import_id is not None else ("", ())
    for table in ("agg_patent_totals", "agg_patent_long", "agg_patent_years"):
        con.execute(f"DELETE FROM {table} {where}", args)
    con.execute(
        f"INSERT INTO agg_patent_totals SELECT import_id, {_TOTAL_KEYS}, SUM(n) FROM agg_patents {where} "
        f"GROUP BY import_id, {_TOTAL_KEYS}",
        args,
    )
    ids = (
        [import_id]
        if import_id is not None
        else [r[0] for r in con.execute("SELECT id FROM imports WHERE kind = 'patents'")]
    )
    for i in ids:
        _running_counts(con, i)


def _running_counts(con: sqlite3.Connection, import_id: int) -> None:
    """agg_patent_long and agg_patent_years of one import: per (unit, park, method), for every year from the first to
    the year after the last `long_key` year of its valid inventions, how many of them are of an earlier year."""
    per_year = pd.read_sql_query(
        f"SELECT {_LONG_GROUP}, substr(long_key, 1, 4) AS y, SUM(n) AS n FROM agg_patents "
        f"WHERE import_id = ? AND long_key IS NOT NULL GROUP BY {_LONG_GROUP}, y",
        con,
        params=(import_id,),
    )
    if not per_year["y"].str.fullmatch(r"\d{4}").all():
        return  # no row in agg_patent_years: counted per date (counts)
    if per_year.empty:
        con.execute("INSERT INTO agg_patent_years VALUES (?, NULL, NULL)", (import_id,))
        return
    years = per_year["y"].astype(int).to_numpy()
    first, last = int(years.min()), int(years.max())
    grouped = per_year.groupby(list(LONG_GROUP), dropna=False, sort=False)
    group = grouped.ngroup().to_numpy()
    per = np.zeros((grouped.ngroups, last - first + 2), dtype="int64")
    np.add.at(per, (group, years - first + 1), per_year["n"].to_numpy(dtype="int64"))
    before = per.cumsum(axis=1)  # column k: the year first + k, counted are those of the years before it
    first_seen = ~per_year.duplicated(list(LONG_GROUP)).to_numpy()
    keys = per_year.loc[first_seen, list(LONG_GROUP)].astype(object)
    keys = keys.where(keys.notna(), None).itertuples(index=False, name=None)
    rows = [
        (import_id, *k, first + y, int(before[g, y]))
        for g, k in zip(group[first_seen].tolist(), keys)
        for y in range(before.shape[1])
    ]
    con.executemany("INSERT INTO agg_patent_long VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute("INSERT INTO agg_patent_years VALUES (?, ?, ?)", (import_id, first, last))


def migrate(con: sqlite3.Connection) -> None:
    """Build the supersession marks and the aggregates of every import (a store from before VERSION)."""
    con.execute('UPDATE "rec_patents" SET superseded = NULL WHERE superseded IS NOT NULL')
    for import_id, as_of in con.execute("SELECT id, as_of FROM imports WHERE kind = 'patents' ORDER BY id").fetchall():
        _supersede(con, import_id, as_of)
    rebuild(con)


def refresh_import(con: sqlite3.Connection, import_id: int, as_of: str) -> None:
    """After a patent import was inserted: resolve its duplicates, write its counts, fix the earlier ones'."""
    for i in sorted({import_id} | _supersede(con, import_id, as_of)):
        _count_import(con, i)


# -- a streamed import: its counts per chunk, while the next chunk is prepared --------------------------------------
#
# Store.add_records inserts an import a chunk at a time. After each chunk, `count_chunk` counts that chunk's rows (the
# same expressions as _count_import) into temporary tables and collects its keys; it is one SQL statement after
# another, run by a worker thread while the importer prepares the next chunk (SQLite does not hold Python's GIL).
# At the end `refresh_streamed` sums the chunks' counts -- the counts _count_import would give, as long as no row of
# the import supersedes another (its keys are unique: what the importer's de-duplication makes them). When they are
# not, it does what refresh_import does.

_CHUNK_DDL = f"""
CREATE TEMP TABLE IF NOT EXISTS _agg_chunks (
    import_id INTEGER, {", ".join(f"{k} {'INTEGER' if k == 'app_year' else 'TEXT'}" for k in COUNT_KEYS)},
    long_key TEXT, n INTEGER);
CREATE TEMP TABLE IF NOT EXISTS _agg_chunk_holders (import_id INTEGER, enterprise_code TEXT, applicant TEXT, n INTEGER);
CREATE TEMP TABLE IF NOT EXISTS _agg_chunk_codes (
    import_id INTEGER, {", ".join(f"{k} {'INTEGER' if k == 'app_year' else 'TEXT'}" for k in COUNT_KEYS)},
    long_key TEXT, ipc TEXT, ipc_all TEXT, n INTEGER);
CREATE TEMP TABLE IF NOT EXISTS _agg_keys (pkey TEXT PRIMARY KEY, rid INTEGER NOT NULL) WITHOUT ROWID
"""


def start_chunks(con: sqlite3.Connection) -> None:
    """Before the first chunk of a streamed import: empty temporary tables."""
    for stmt in _CHUNK_DDL.split(";"):
        con.execute(stmt)
    _drop_chunks(con)


def count_chunk(con: sqlite3.Connection, import_id: int, first_rowid: int, last_rowid: int) -> None:
    """Count the rows of one inserted chunk (rowids first_rowid..last_rowid), and collect their keys."""
    where = "import_id = ? AND rowid BETWEEN ? AND ?"
    args = (import_id, first_rowid, last_rowid)
    con.execute(
        f"INSERT INTO temp._agg_chunks SELECT import_id, {_KEYS}, {LONG_KEY} AS long_key, COUNT(*) "
        f'FROM "rec_patents" WHERE {where} GROUP BY import_id, {_KEYS}, long_key',
        args,
    )
    con.execute(
        "INSERT INTO temp._agg_chunk_holders SELECT import_id, enterprise_code, applicant, COUNT(*) "
        f"FROM \"rec_patents\" WHERE {where} AND status_code = 'valid' GROUP BY import_id, enterprise_code, applicant",
        args,
    )
    con.execute(
        f"INSERT INTO temp._agg_chunk_codes SELECT import_id, {_KEYS}, {LONG_KEY} AS long_key, {', '.join(CELLS)}, "
        f'COUNT(*) FROM "rec_patents" WHERE {where} GROUP BY import_id, {_KEYS}, long_key, {", ".join(CELLS)}',
        args,
    )
    con.execute(
        f'INSERT OR IGNORE INTO temp._agg_keys SELECT pkey, rowid FROM "rec_patents" WHERE {where} '
        "AND pkey IS NOT NULL",
        args,
    )


def refresh_streamed(con: sqlite3.Connection, import_id: int, as_of: str) -> None:
    """refresh_import for an import whose every chunk went through count_chunk."""
    keyed = con.execute(
        'SELECT COUNT(*) FROM "rec_patents" WHERE import_id = ? AND pkey IS NOT NULL', (import_id,)
    ).fetchone()[0]
    if keyed != con.execute("SELECT COUNT(*) FROM temp._agg_keys").fetchone()[0]:
        _drop_chunks(con)  # rows of the import supersede others: counted the long way
        refresh_import(con, import_id, as_of)
        return
    # Keys unique: none of the import's rows is superseded; its keys supersede the earlier imports' (as _supersede).
    changed = _supersede_earlier(con, import_id, as_of) if keyed else set()
    for i in sorted(changed | {import_id}):  # in refresh_import's order
        if i != import_id:
            _count_import(con, i)
            continue
        con.execute("DELETE FROM agg_patents WHERE import_id = ?", (import_id,))
        con.execute("DELETE FROM agg_patent_holders WHERE import_id = ?", (import_id,))
        con.execute(
            f"INSERT INTO agg_patents SELECT import_id, {_KEYS}, long_key, SUM(n) FROM temp._agg_chunks "
            f"GROUP BY import_id, {_KEYS}, long_key"
        )
        con.execute(
            "INSERT INTO agg_patent_holders SELECT import_id, enterprise_code, applicant, SUM(n) "
            "FROM temp._agg_chunk_holders GROUP BY import_id, enterprise_code, applicant"
        )
        con.execute("DELETE FROM agg_patent_codes WHERE import_id = ?", (import_id,))
        con.execute(
            f"INSERT INTO agg_patent_codes SELECT import_id, {_CODE_KEYS}, SUM(n) FROM temp._agg_chunk_codes "
            f"GROUP BY import_id, {_CODE_KEYS}"
        )
        _totals(con, import_id)
    _drop_chunks(con)


def _drop_chunks(con: sqlite3.Connection) -> None:
    for table in ("_agg_chunks", "_agg_chunk_holders", "_agg_chunk_codes", "_agg_keys"):
        con.execute(f"DELETE FROM temp.{table}")


def rebuild(con: sqlite3.Connection) -> None:
    """Recompute the counts of every import (after the assignment of records changed)."""
    clear(con)
    for (import_id,) in con.execute("SELECT id FROM imports WHERE kind = 'patents' ORDER BY id").fetchall():
        _count_import(con, import_id)


def clear(con: sqlite3.Connection) -> None:
    """Drop every count (the records go too: their marks with them)."""
    con.execute("DELETE FROM agg_patents")
    con.execute("DELETE FROM agg_patent_holders")
    for table in ("agg_patent_totals", "agg_patent_long", "agg_patent_years", "agg_patent_codes"):
        con.execute(f"DELETE FROM {table}")


def _supersede(con: sqlite3.Connection, import_id: int, as_of: str) -> set[int]:
    """Mark the rows this import makes obsolete; returns the earlier imports whose rows changed."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _agg_keys (pkey TEXT PRIMARY KEY, rid INTEGER NOT NULL) WITHOUT ROWID")
    con.execute("DELETE FROM _agg_keys")
    # One row per key: the last by (row_no, rowid), as Store.records keeps the last in its ORDER BY.
    con.execute(
        'INSERT INTO _agg_keys SELECT DISTINCT ON (pkey) pkey, rowid FROM "rec_patents" '
        "WHERE import_id = ? AND pkey IS NOT NULL ORDER BY pkey, row_no DESC, rowid DESC"
        if isinstance(con, backend_pg.Connection)  # PostgreSQL replaces no row twice in one statement
        else 'INSERT OR REPLACE INTO _agg_keys SELECT pkey, rowid FROM "rec_patents" '
        "WHERE import_id = ? AND pkey IS NOT NULL ORDER BY row_no, rowid",
        (import_id,),
    )
    keyed = con.execute(
        'SELECT COUNT(*) FROM "rec_patents" WHERE import_id = ? AND pkey IS NOT NULL', (import_id,)
    ).fetchone()[0]
    if keyed != con.execute("SELECT COUNT(*) FROM _agg_keys").fetchone()[0]:
        con.execute(
            'UPDATE "rec_patents" SET superseded = 1 WHERE import_id = ? AND pkey IS NOT NULL '
            "AND rowid NOT IN (SELECT rid FROM _agg_keys)",
            (import_id,),
        )
    changed = _supersede_earlier(con, import_id, as_of) if keyed else set()
    con.execute("DELETE FROM _agg_keys")
    return changed


def _supersede_earlier(con: sqlite3.Connection, import_id: int, as_of: str) -> set[int]:
    """Mark the live rows of the snapshot's earlier imports whose keys are in temp._agg_keys (this import's);
    returns those imports."""
    earlier = [
        r[0]
        for r in con.execute(
            "SELECT id FROM imports WHERE kind = 'patents' AND as_of = ? AND id < ?", (as_of, import_id)
        )
    ]
    if not earlier:
        return set()
    marks = ", ".join("?" for _ in earlier)
    return {
        r[0]
        for r in con.execute(
            f'UPDATE "rec_patents" SET superseded = 1 WHERE import_id IN ({marks}) AND superseded IS NULL '
            "AND pkey IN (SELECT pkey FROM temp._agg_keys) RETURNING import_id",
            earlier,
        )
    }


def _count_import(con: sqlite3.Connection, import_id: int) -> None:
    con.execute("DELETE FROM agg_patents WHERE import_id = ?", (import_id,))
    con.execute("DELETE FROM agg_patent_holders WHERE import_id = ?", (import_id,))
    con.execute(
        f"INSERT INTO agg_patents SELECT import_id, {_KEYS}, {LONG_KEY} AS long_key, COUNT(*) "
        f'FROM "rec_patents" WHERE import_id = ? AND superseded IS NULL GROUP BY import_id, {_KEYS}, long_key',
        (import_id,),
    )
    con.execute(
        "INSERT INTO agg_patent_holders SELECT import_id, enterprise_code, applicant, COUNT(*) "
        "FROM \"rec_patents\" WHERE import_id = ? AND superseded IS NULL AND status_code = 'valid' "
        "GROUP BY import_id, enterprise_code, applicant",
        (import_id,),
    )
    _count_codes(con, import_id)
    _totals(con, import_id)


def _count_codes(con: sqlite3.Connection, import_id: int) -> None:
    """agg_patent_codes of one import from its live records."""
    con.execute("DELETE FROM agg_patent_codes WHERE import_id = ?", (import_id,))
    con.execute(
        f"INSERT INTO agg_patent_codes SELECT import_id, {_KEYS}, {LONG_KEY} AS long_key, {', '.join(CELLS)}, "
        f'COUNT(*) FROM "rec_patents" WHERE import_id = ? AND superseded IS NULL '
        f"GROUP BY import_id, {_KEYS}, long_key, {', '.join(CELLS)}",
        (import_id,),
    )


def count_codes(con: sqlite3.Connection) -> None:
    """agg_patent_codes of every patent import (a store from before CODES_VERSION; its supersession marks are
    those of VERSION)."""
    con.execute("DELETE FROM agg_patent_codes")
    for (import_id,) in con.execute("SELECT id FROM imports WHERE kind = 'patents' ORDER BY id").fetchall():
        _count_codes(con, import_id)


# -- reading ---------------------------------------------------------------------------------------------------------


def snapshot(con: sqlite3.Connection, as_of: str | None = None, upto: int | None = None) -> list[int]:
    """The ids of the patent imports of the current snapshot (latest as-of date, ≤ as_of; imports ≤ upto)."""
    where, params = "kind = 'patents'", []
    if as_of:
        where, params = where + " AND as_of <= ?", [as_of]
    if upto is not None:
        where, params = where + " AND id <= ?", params + [upto]
    return [
        r[0]
        for r in con.execute(
            f"SELECT id FROM imports WHERE {where} AND as_of = (SELECT MAX(as_of) FROM imports WHERE {where}) ORDER BY id",
            params * 2,
        )
    ]


def counts(con: sqlite3.Connection, ids: list[int], long_cut: str, keys=COUNT_KEYS) -> pd.DataFrame:
    """Live patent rows of these imports per `keys` (some of COUNT_KEYS) and `long` (a valid invention whose
    date_or_year is before long_cut): columns keys, long, n."""
    assert set(keys) <= set(COUNT_KEYS), keys
    marks, cols = ", ".join("?" for _ in ids) or "NULL", ", ".join(keys)
    if "app_year" not in keys:
        return _total_counts(con, ids, long_cut, keys)
    return pd.read_sql_query(
        f"SELECT {cols}, CASE WHEN long_key < ? THEN 1 ELSE 0 END AS long, SUM(n) AS n FROM agg_patents "
        f"WHERE import_id IN ({marks}) GROUP BY {cols}, long",
        con,
        params=[long_cut, *ids],
        dtype={"long": bool},
    )


def _total_counts(con: sqlite3.Connection, ids: list[int], long_cut: str, keys) -> pd.DataFrame:
    """counts() without app_year: every live row from agg_patent_totals as not long, then the valid inventions older
    than the cut moved from not long to long -- per (unit, park, method) the running count of agg_patent_long for
    the cut's year (the nearest year of an import's range when the cut is outside it), plus those dated in the cut's
    year before the cut day (agg_patents, by its covering index). The same rows, the same numbers as the per-date
    counts give (_dated_counts, the way for imports with odd long_key years or a cut that is not a date)."""
    marks, cols = ", ".join("?" for _ in ids) or "NULL", ", ".join(keys)
    totals = (
        f"SELECT {cols}, 0 AS long, SUM(n) AS n FROM agg_patent_totals WHERE import_id IN ({marks}) GROUP BY {cols}"
    )
    if not long_cut:  # nothing is before the empty text: no row is long
        return _read_counts(con, cols, [totals], list(ids))
    spans = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            f"SELECT import_id, first_year, last_year FROM agg_patent_years WHERE import_id IN ({marks})", ids
        )
    }
    if not re.fullmatch(r"[0-9]{4}", long_cut[:4]) or len(spans) < len(set(ids)):
        return _dated_counts(con, ids, long_cut, keys)
    year, pairs, dated = int(long_cut[:4]), [], []
    for i, (first, last) in sorted(spans.items()):
        if (
            first is not None
        ):  # the running count of the cut's year, of the first year (0) or the year after the last (all)
            pairs.append((i, min(max(year, first), last + 1)))
            if first <= year <= last:
                dated.append(i)
    valid = {"patent_type": "'invention' AS patent_type", "status_code": "'valid' AS status_code"}
    long_cols = ", ".join(valid.get(k, k) for k in keys)
    moved, params = [], [*ids]
    if pairs:
        moved.append(
            f"SELECT {long_cols}, n FROM agg_patent_long WHERE "
            + " OR ".join("(import_id = ? AND year = ?)" for _ in pairs)
        )
        params += [v for pair in pairs for v in pair]
    if dated:
        moved.append(
            f"SELECT {long_cols}, n FROM agg_patents WHERE import_id IN ({', '.join('?' for _ in dated)}) "
            "AND long_key >= ? AND long_key < ?"
        )
        params += [*dated, long_cut[:4], long_cut]
    parts = [totals]
    if moved:  # each moved count once as long (+n) and once out of not long (-n)
        parts.append(
            f"SELECT {cols}, flip.long, moved.n * flip.s FROM (SELECT {cols}, SUM(n) AS n FROM "
            f"({' UNION ALL '.join(moved)}) AS long_rows GROUP BY {cols}) AS moved "
            "CROSS JOIN (SELECT 1 AS long, 1 AS s UNION ALL SELECT 0 AS long, -1 AS s) AS flip"
        )
    return _read_counts(con, cols, parts, params)


def _read_counts(con: sqlite3.Connection, cols: str, parts: list[str], params: list) -> pd.DataFrame:
    return pd.read_sql_query(
        f"SELECT {cols}, long, SUM(n) AS n FROM ({' UNION ALL '.join(parts)}) AS parts "
        f"GROUP BY {cols}, long HAVING SUM(n) <> 0",
        con,
        params=params,
        dtype={"long": bool},
    )


def _dated_counts(con: sqlite3.Connection, ids: list[int], long_cut: str, keys) -> pd.DataFrame:
    """counts() without app_year from the per-date counts."""
    marks, cols = ", ".join("?" for _ in ids) or "NULL", ", ".join(keys)
    return pd.read_sql_query(
        f"SELECT {cols}, CASE WHEN long_key < ? THEN 1 ELSE 0 END AS long, SUM(n) AS n FROM agg_patents "
        f"WHERE import_id IN ({marks}) GROUP BY {cols}, long HAVING SUM(n) <> 0",
        con,
        params=[long_cut, *ids],
        dtype={"long": bool},
    )


def code_counts(con: sqlite3.Connection, ids: list[int], long_cut: str) -> pd.DataFrame:
    """Live patent rows of these imports per COUNT_KEYS, their IPC cells (ipc, ipc_all) and `long`: what
    figures.industries counts, from agg_patent_codes (the rows, their order and types those of the same group by
    over the records: ``long_key`` is LONG_KEY of each record)."""
    marks, cols = ", ".join("?" for _ in ids) or "NULL", f"{_KEYS}, {', '.join(CELLS)}"
    return pd.read_sql_query(
        f"SELECT {cols}, CASE WHEN long_key < ? THEN 1 ELSE 0 END AS long, SUM(n) AS n FROM agg_patent_codes "
        f"WHERE import_id IN ({marks}) GROUP BY {cols}, long",
        con,
        params=[long_cut, *ids],
        dtype={"long": bool},
    )


def sources(con: sqlite3.Connection, ids: list[int]) -> pd.DataFrame:
    """Live patent rows per import and (outside, patent_type, status_code, app_year), with the import's file_name,
    is_sample and as_of."""
    marks = ", ".join("?" for _ in ids) or "NULL"
    return pd.read_sql_query(
        "SELECT a.import_id, i.file_name, i.is_sample, i.as_of, CASE WHEN a.assign_method = 'outside' THEN 1 ELSE 0 END AS outside, "
        "a.patent_type, a.status_code, a.app_year, SUM(a.n) AS n FROM agg_patents a JOIN imports i ON i.id = a.import_id "
        f"WHERE a.import_id IN ({marks}) GROUP BY a.import_id, i.id, outside, a.patent_type, a.status_code, a.app_year",
        con,
        params=ids,
    )


def holders(con: sqlite3.Connection, ids: list[int]) -> pd.DataFrame:
    """Valid live patent rows of these imports per (enterprise_code, applicant): columns HOLDER_KEYS, n."""
    marks = ", ".join("?" for _ in ids) or "NULL"
    return pd.read_sql_query(
        f"SELECT enterprise_code, applicant, SUM(n) AS n FROM agg_patent_holders WHERE import_id IN ({marks}) "
        "GROUP BY enterprise_code, applicant",
        con,
        params=ids,
    )
