"""Record rows written to a SQLite store without binding them one value at a time in Python (issue #19).

Python's sqlite3 binds every value of an ``executemany`` through the interpreter: for 100,000 patent rows of 30
columns that is ~1.2 s of CPU, plus ~0.3 s making the Python values (store.database._sql_values), against ~0.35 s
for SQLite's own insert into the indexed record table. Here a slice of records goes as one Arrow table through the
ADBC SQLite driver (adbc-driver-sqlite: C code binds the Arrow columns) into a scratch database file; the store's
own connection loads that file's bytes as an in-memory schema (``deserialize``) and one ``INSERT … SELECT`` copies
the rows into the record table, inside the import's transaction: a failed import rolls back as before, and the
scratch file is deleted as soon as it is read. Measured on the same 100,000-row chunk: 0.60-0.84 s CPU instead of
1.22-1.79 s (docs/performance.md, "Import, fourth round"); what is left is SQLite's own insert into the indexed
record table and the driver's write of the scratch copy.

Why `deserialize` and not ATTACH of the scratch file: a transaction keeps its read lock on an attached file until
COMMIT (so the next chunk could not rewrite it), a database cannot be detached inside a transaction, and a connection
may attach at most 10 -- a 5,000,000-row import has 50 chunks. `deserialize` swaps the scratch schema's content.

What is stored is what the executemany path stores, value and storage class (typeof) alike: numbers are bound as
the same 64-bit integers and doubles, text as the same UTF-8, missing values as NULL, and the record table's column
affinities apply to both in the same way. A column Arrow would type otherwise (an object column mixing numbers and
text, or holding dates, decimals, bytes …) makes `insert` return False and the caller binds that slice as before;
so do a scratch file that cannot be written (a read-only or full temporary folder), a missing driver and a sqlite3
without `deserialize`.
"""

from __future__ import annotations

import mmap
import os
import sqlite3
import tempfile
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

ROWS = 25_000  # records staged at a time: ~6 MB of scratch for patents (100,000 at a time: the same CPU, +70 MB peak)
SCHEMA = "txip_bulk"  # the store connection's in-memory scratch schema
ROWS_TABLE = "txip_bulk_rows"  # its table (a name no store table has, should a query name a table unqualified)

try:
    import adbc_driver_sqlite.dbapi as _adbc
except ImportError:  # pragma: no cover - the driver is in requirements.txt; without it every slice is bound as before
    _adbc = None


def available(con) -> bool:
    """Whether `con` (a store connection) can take records this way."""
    return _adbc is not None and isinstance(con, sqlite3.Connection) and hasattr(con, "deserialize")


def _stored_as_bound(arr: pa.Array | pa.ChunkedArray, from_object: bool) -> pa.Array | pa.ChunkedArray | None:
    """`arr` typed as executemany binds its column's Python values, or None when no Arrow type does that."""
    typ = arr.type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_null(typ):
        return arr
    if pa.types.is_boolean(typ):  # Python bools are bound as the integers 0 and 1
        return arr.cast(pa.int64())
    if pa.types.is_integer(typ):
        return arr.cast(pa.int64())  # a uint64 beyond int64 raises here, as binding it would
    if pa.types.is_floating(typ) and not from_object:  # in an object column ints mixed with floats become floats
        return arr.cast(pa.float64())
    return None


def arrow_column(col: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """A column as the Arrow array that binds the values `_sql_values` gives for it (missing values null), or None."""
    dtype = col.dtype
    from_object = isinstance(dtype, np.dtype) and dtype.kind == "O"
    if isinstance(dtype, np.dtype) and dtype.kind not in "fiubO":
        return None  # datetimes, timedeltas …: bound through sqlite3's adapters
    try:
        arr = pa.Array.from_pandas(col)  # pandas' missing values (None, NaN, NA, NaT) become nulls
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None  # an object column of mixed types
    try:
        return _stored_as_bound(arr, from_object)
    except (pa.ArrowException, OverflowError):
        return None


def arrow_table(frame: pd.DataFrame, cols: list[str]) -> pa.Table | None:
    arrays = []
    for c in cols:
        arr = arrow_column(frame[c])
        if arr is None:
            return None
        arrays.append(arr)
    return pa.table(arrays, names=cols)


def _load_scratch(con: sqlite3.Connection, table: pa.Table) -> bool:
    """`table` as table ROWS_TABLE of the scratch schema of `con`: written to a file by the ADBC driver, read into
    `con`. False when the scratch file cannot be written (a read-only or full temporary folder): nothing was done."""
    try:
        fd, path = tempfile.mkstemp(prefix="txip-bulk-", suffix=".sqlite")
    except OSError:
        return False
    os.close(fd)  # an empty file is an empty SQLite database
    try:
        try:
            with _adbc.connect(path, autocommit=True) as adbc_con, adbc_con.cursor() as cur:
                cur.execute("PRAGMA journal_mode=OFF")  # a scratch copy: no journal, no fsync
                cur.execute("PRAGMA synchronous=OFF")
                cur.adbc_ingest(ROWS_TABLE, table, mode="create")
        except (OSError, _adbc.Error):
            return False
        if not any(row[1] == SCHEMA for row in con.execute("PRAGMA database_list")):
            con.execute(f"ATTACH ':memory:' AS {SCHEMA}")
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            try:  # SQLite copies the file (no Python copy in between)
                con.deserialize(data, name=SCHEMA)
            except sqlite3.OperationalError:  # a SQLite that refuses it inside a transaction (3.40 does not)
                return False
        return True
    finally:
        os.remove(path)


@lru_cache(maxsize=1)
def _empty() -> bytes:
    """A one-table database of two pages: what the scratch schema holds between slices (its memory given back)."""
    mem = sqlite3.connect(":memory:")
    mem.execute(f"CREATE TABLE {ROWS_TABLE} (x)")
    data = mem.serialize()
    mem.close()
    return data


def insert(con: sqlite3.Connection, table: str, frame: pd.DataFrame, cols: list[str]) -> bool:
    """Insert `frame`'s `cols` into `table` (of the main schema) through a scratch copy, in `con`'s open
    transaction; False (nothing inserted) when the values cannot go this way (see the module's docstring)."""
    if not available(con):
        return False
    arrow = arrow_table(frame, cols)
    if arrow is None:
        return False
    if len(arrow) == 0:
        return True
    if not _load_scratch(con, arrow):
        return False
    del arrow
    names = ", ".join(f'"{c}"' for c in cols)
    con.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM {SCHEMA}.{ROWS_TABLE} ORDER BY rowid')
    con.deserialize(_empty(), name=SCHEMA)
    return True
