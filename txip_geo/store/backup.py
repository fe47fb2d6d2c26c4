"""Backup and restore of the whole store: the SQLite file and the folder of original files, as one archive.

A backup is a ``.zip`` or a ``.tar.gz`` holding

* ``db/store.sqlite`` -- a consistent copy of the database made with SQLite's online backup API (safe while the app
  runs and while an import is being written: the copy is one read transaction, so it holds the store as it was
  between two imports, never half of one), switched to a self-contained rollback journal;
* ``files/<name>`` -- every original file of ``<db stem>-files/`` (imports keep their source file there, and the
  evidence files of the tasks and goals are kept there as ``evidence-<sha256>``: store.evidence);
* ``manifest.json`` -- format, version, time, the SHA-256 and size of every member, and the counts (imports,
  boundaries, records per kind, task register rows, evidence rows, files) read from the copied database;
* ``signature.json`` -- an HMAC-SHA256 of the manifest's bytes with this server's backup key, kept outside the store
  and never in an archive (store.backup_sign).

:func:`restore` checks everything before it changes anything: the archive must be a zip or tar.gz holding exactly
the members the manifest lists (nothing else, no path outside the archive's folders, no links), every checksum must
match, the database must pass ``PRAGMA integrity_check`` and hold the counts of the manifest, and, last, the manifest
must carry a valid signature of this server's key -- without it, anyone could assemble a self-consistent archive
(say, with an admin of known password); an admin may accept an unsigned or foreign one explicitly, and that is
audited (``restore_unsigned``). A foreign, truncated or tampered archive is refused with a Chinese message and the
store is left as it was. Then:

1. the original files are moved into ``<db stem>-files/`` one by one (each is written under a temporary name and
   renamed; a file that is already there with the same checksum is kept). The folder only ever grows, so whatever
   happens next, every import of the old or the new database still finds its file;
2. the database is replaced in **one SQLite transaction** with the backup API (the verified copy is written into the
   live file): any reader sees the old store or the restored one, a process killed half-way leaves the old store
   (SQLite rolls the unfinished transaction back), and an app that is running simply sees the new state. Renaming a
   file over a live WAL database would be unsafe (its ``-wal`` and ``-shm`` files belong to the old one); the file is
   renamed into place only when there is no database yet, or when the existing file is not a readable database (it is
   then kept beside it as ``<name>.broken-<time>``).

A store on PostgreSQL (store.backend_pg) is backed up in the same format: its rows are copied into a fresh SQLite
store in one repeatable-read snapshot (store.migrate.copy_store), so an archive restores onto either backend. Its
restore replaces every row of the PostgreSQL schema in one transaction (TRUNCATE, then COPY; a backup of an older
version is migrated in the staging copy first); readers see the old store or the restored one.

The staging folder is created next to the store (same file system, so the renames are atomic) and always removed.

Length: the backup and the restore share one archive format, and most of the module is the restore's verification
(members, checksums, counts, the staged database) before anything changes; each step is a short function.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from txip_geo.errors import BackupError
from txip_geo.store import backup_sign
from txip_geo.strings import t

__all__ = ["BackupInfo", "backup", "restore", "verify", "store_counts", "FORMAT", "VERSION"]

FORMAT = "txip-geo-backup"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = backup_sign.SIGNATURE
DB_MEMBER = "db/store.sqlite"
FILES_PREFIX = "files/"
CHUNK = 1 << 20
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
# A file name inside files/: one path part, no separators, not hidden, not a leftover of an unfinished write.
_SAFE_NAME = re.compile(r"^[^/\\\x00]+$")


@dataclass
class BackupInfo:
    path: Path
    manifest: dict = field(default_factory=dict)
    signature: str = backup_sign.VALID  # or why it was not valid and an admin accepted it anyway (backup_sign.check)

    @property
    def counts(self) -> dict:
        return self.manifest.get("counts", {})

    def summary(self) -> str:
        c = self.counts
        recs = sum((c.get("records") or {}).values())
        return t(
            "backup.summary",
            imports=c.get("imports", 0),
            records=recs,
            boundaries=c.get("boundaries", 0),
            files=c.get("files", 0),
        ) + (
            t("tasks.backup_summary", tasks=c.get("task_updates", 0), evidence=c.get("evidence", 0))
            if c.get("task_updates") or c.get("evidence")
            else ""
        )


def files_dir_of(db_path: Path) -> Path:
    return db_path.parent / (db_path.stem + "-files")


def _sha256_file(path: Path) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def store_counts(con: sqlite3.Connection) -> dict:
    """What a store holds, as numbers: imports, boundaries, records per kind, schema version."""
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    if "imports" not in tables or "meta" not in tables:
        raise BackupError(t("backup.not_our_db"))
    records = {n[4:]: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in tables if n.startswith("rec_")}
    row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()

    def count(table: str) -> int:
        return con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] if table in tables else 0

    return {
        "schema_version": row[0] if row else None,
        "imports": count("imports"),
        "boundaries": count("boundaries"),
        "records": records,
        "task_updates": count("task_updates"),  # the task register's history (store.tasks)
        "evidence": count("evidence"),  # evidence rows, hidden ones included (store.evidence)
    }


def _referenced_files(con: sqlite3.Connection, folder: str) -> list[str]:
    """The files the database refers to, as paths relative to the store's folder: each import's original file and
    each evidence file (store.evidence: ``<folder>/evidence-<sha256>``)."""
    out = [r[0] for r in con.execute("SELECT DISTINCT stored_path FROM imports WHERE stored_path IS NOT NULL")]
    if con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='evidence'").fetchone():
        out += [f"{folder}/evidence-{r[0]}" for r in con.execute("SELECT DISTINCT sha256 FROM evidence")]
    return out


# -- backup --------------------------------------------------------------------------------------------------------


def _archive_kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith((".tar.gz", ".tgz")):
        return "tar.gz"
    raise BackupError(t("backup.bad_suffix", name=path.name))


def default_backup_path(db_path: Path, fmt: str = "zip") -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return db_path.parent / "backups" / f"{db_path.stem}-{stamp}.{fmt}"


def backup(db_path: str | Path, out: str | Path | None = None, *, fmt: str | None = None) -> BackupInfo:
    """Write a backup of the store at ``db_path`` to ``out`` (a .zip/.tar.gz path or a folder; default
    ``<store folder>/backups/<stem>-<time>.zip``). Safe while the app runs; the archive appears complete or not at
    all (written under a temporary name, then renamed)."""
    pg, db = _where(db_path)
    if not pg and not db.exists():
        raise BackupError(t("backup.no_db", path=db))
    if out is None:
        target = default_backup_path(db, fmt or "zip")
    else:
        target = Path(out)
        if target.is_dir() or (not target.suffix and not target.exists()):
            target = target / default_backup_path(db, fmt or "zip").name
    kind = _archive_kind(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    key = backup_sign.load_key(create=True, **_key_places(db, target.parent))
    staging = Path(tempfile.mkdtemp(prefix=".txip-backup-", dir=target.parent))
    part = target.with_name(target.name + ".part")
    try:
        copy = staging / "store.sqlite"
        try:
            if pg:  # the archive holds the same portable SQLite store: copied from PostgreSQL in one snapshot
                _export(pg, copy)
            else:
                _copy_sqlite(db, copy)
            dst = sqlite3.connect(copy)
            try:
                dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
                ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
                counts = store_counts(dst)
                referenced = _referenced_files(dst, files_dir_of(db).name)
            finally:
                dst.close()
        except sqlite3.DatabaseError as e:
            raise BackupError(t("backup.unreadable_db", name=db.name, error=e)) from None
        if ok != "ok":
            raise BackupError(t("backup.db_not_intact", name=db.name, result=ok))

        fdir = files_dir_of(db)
        names = (
            sorted(
                p.name
                for p in fdir.iterdir()
                if p.is_file() and not p.name.endswith(".part") and _SAFE_NAME.match(p.name)
            )
            if fdir.is_dir()
            else []
        )
        have = {f"{fdir.name}/{n}" for n in names}
        missing = sorted(r for r in referenced if r.replace("\\", "/") not in have)

        db_sha, db_size = _sha256_file(copy)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now().isoformat(timespec="seconds"),
            "source": str(db.resolve()),
            "db": {"member": DB_MEMBER, "sha256": db_sha, "size": db_size},
            "files": {},
            "counts": {**counts, "files": len(names)},
            "missing_files": missing,
        }
        members: list[tuple[str, Path]] = [(DB_MEMBER, copy)] + [(FILES_PREFIX + n, fdir / n) for n in names]
        _write_archive(part, kind, members, manifest, key)
        part.replace(target)
        return BackupInfo(target, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if part.exists():
            part.unlink()


def _copy_sqlite(db: Path, copy: Path) -> None:
    src, dst = sqlite3.connect(db, timeout=60), sqlite3.connect(copy)
    try:
        src.backup(dst)  # one step: one read transaction on the source, a consistent snapshot
    finally:
        dst.close()
        src.close()


def _key_places(db: Path, archive_folder: Path) -> dict:
    """Where the backup key must not be (backup_sign.load_key): beside the database or the archive, or anywhere in the
    folder of original files or the default backups folder."""
    return {
        "beside": [db.parent, archive_folder],
        "under": [files_dir_of(db), default_backup_path(db).parent],
    }


def _write_archive(path: Path, kind: str, members: list[tuple[str, Path]], manifest: dict, key: bytes) -> None:
    """Members are hashed while written; the manifest, with those hashes, comes after them, then its signature."""
    files = manifest["files"]

    def closing() -> list[tuple[str, bytes]]:
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        return [(MANIFEST, data), (SIGNATURE, backup_sign.sign(data, key))]

    def copy_hashing(src: Path, dst) -> tuple[str, int]:
        h, n = hashlib.sha256(), 0
        with open(src, "rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
                n += len(chunk)
                dst.write(chunk)
        return h.hexdigest(), n

    if kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for name, src in members:
                info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
                info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                with z.open(info, "w", force_zip64=True) as d:
                    sha, size = copy_hashing(src, d)
                if name != DB_MEMBER:
                    files[name[len(FILES_PREFIX) :]] = {"sha256": sha, "size": size}
            for name, data in closing():
                z.writestr(name, data)
    else:
        with tarfile.open(path, "w:gz", compresslevel=6) as tar:
            for name, src in members:
                sha, size = _sha256_file(src)
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = size, 0o644, int(datetime.now().timestamp())
                with open(src, "rb") as f:
                    tar.addfile(info, f)
                if name != DB_MEMBER:
                    files[name[len(FILES_PREFIX) :]] = {"sha256": sha, "size": size}
            for name, data in closing():
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), 0o644, int(datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(data))


# -- reading an archive -------------------------------------------------------------------------------------------


def _refuse(archive: Path, why: str) -> BackupError:
    return BackupError(t("backup.refused", name=archive.name, why=why))


def _allowed_member(name: str) -> bool:
    if name in (MANIFEST, SIGNATURE, DB_MEMBER):
        return True
    if name.startswith(FILES_PREFIX):
        rest = name[len(FILES_PREFIX) :]
        return bool(_SAFE_NAME.match(rest)) and rest not in (".", "..") and not rest.endswith(".part")
    return False


def _iter_members(archive: Path):
    """(name, readable file object) for every regular member; refuses links, odd names and duplicates."""
    with open(archive, "rb") as f:
        magic = f.read(4)
    seen: set[str] = set()

    def check(name: str) -> None:
        if not _allowed_member(name):
            raise _refuse(archive, t("backup.foreign_member", name=name))
        if name in seen:
            raise _refuse(archive, t("backup.duplicate_member", name=name))
        seen.add(name)

    if magic.startswith(b"PK\x03\x04") or magic.startswith(b"PK\x05\x06"):
        try:
            z = zipfile.ZipFile(archive)
        except (zipfile.BadZipFile, OSError) as e:
            raise _refuse(archive, t("backup.broken_archive", error=type(e).__name__)) from None
        with z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                check(info.filename)
                if info.create_system == 3 and (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise _refuse(archive, t("backup.link_member", name=info.filename))
                with z.open(info) as fh:
                    yield info.filename, fh
    elif magic.startswith(b"\x1f\x8b"):
        with _open_tar(archive) as tar:
            for info in tar:
                if info.isdir():
                    continue
                check(info.name)
                if not info.isfile():
                    raise _refuse(archive, t("backup.not_regular", name=info.name))
                fh = tar.extractfile(info)
                if fh is None:
                    raise _refuse(archive, t("backup.unreadable_member", name=info.name))
                yield info.name, fh
    else:
        raise _refuse(archive, t("backup.not_an_archive"))


def _open_tar(archive: Path) -> tarfile.TarFile:
    """The tar.gz archive, open for reading (the caller closes it); a broken one is refused."""
    try:
        return tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise _refuse(archive, t("backup.broken_archive", error=type(e).__name__)) from None


def _stage(archive: Path, staging: Path, key_places: dict, accept_unsigned: bool = False) -> tuple[dict, str]:
    """Extract every member into `staging` (by our own names only), check them against the manifest, then the
    manifest's signature (refused unless VALID or `accept_unsigned`); the manifest and the signature's status."""
    got, special = _extract(archive, staging)
    manifest, expected, counts = _read_manifest(archive, special.get(MANIFEST))
    _check_members(archive, expected, got)
    _check_staged_db(archive, staging / "store.sqlite", counts)
    key = backup_sign.load_key(**key_places)
    status = backup_sign.check(special[MANIFEST], special.get(SIGNATURE), key)
    if status != backup_sign.VALID and not accept_unsigned:
        raise _refuse(archive, backup_sign.reason(status) + t("backup_sign.how_to_accept"))
    return manifest, status


def _extract(archive: Path, staging: Path) -> tuple[dict[str, tuple[str, int]], dict[str, bytes]]:
    """Write every member into `staging`, hashing it; the (sha256, size) of each member, and the bytes of the
    manifest and the signature."""
    got: dict[str, tuple[str, int]] = {}
    special: dict[str, bytes] = {}
    (staging / "files").mkdir(parents=True, exist_ok=True)
    try:
        for name, fh in _iter_members(archive):
            if name in (MANIFEST, SIGNATURE):
                special[name] = fh.read(16 * CHUNK)
                continue
            dest = staging / "store.sqlite" if name == DB_MEMBER else staging / "files" / name[len(FILES_PREFIX) :]
            if not dest.resolve().is_relative_to(staging.resolve()):  # cannot happen with _allowed_member
                raise _refuse(archive, t("backup.outside", name=name))
            h, n = hashlib.sha256(), 0
            with open(dest, "wb") as out:
                while chunk := fh.read(CHUNK):
                    h.update(chunk)
                    n += len(chunk)
                    out.write(chunk)
            got[name] = (h.hexdigest(), n)
    except BackupError:
        raise
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise _refuse(archive, t("backup.incomplete_archive", error=type(e).__name__)) from None
    return got, special


def _read_manifest(archive: Path, manifest_bytes: bytes | None) -> tuple[dict, dict[str, tuple[str, int]], dict]:
    """The manifest, the (sha256, size) it expects of each member, and its counts; refused when unusable."""
    if manifest_bytes is None:
        raise _refuse(archive, t("backup.no_manifest"))
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse(archive, t("backup.broken_manifest")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(archive, t("backup.wrong_format"))
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise _refuse(archive, t("backup.newer_version", version=manifest.get("version"), supported=VERSION))
    try:
        expected = {DB_MEMBER: (manifest["db"]["sha256"], manifest["db"]["size"])}
        expected.update({FILES_PREFIX + n: (v["sha256"], v["size"]) for n, v in manifest["files"].items()})
        counts = manifest["counts"]
        assert isinstance(counts, dict)
    except (KeyError, TypeError, AttributeError, AssertionError):
        raise _refuse(archive, t("backup.no_checksums")) from None
    return manifest, expected, counts


def _check_members(archive: Path, expected: dict, got: dict) -> None:
    """Exactly the members the manifest lists, each with its checksum and size."""
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    if missing:
        raise _refuse(archive, t("backup.missing_member", name=missing[0]))
    if extra:
        raise _refuse(archive, t("backup.extra_member", name=extra[0]))
    for name, (sha, size) in expected.items():
        if got[name] != (sha, size):
            raise _refuse(archive, t("backup.checksum_mismatch", name=name))


def _check_staged_db(archive: Path, db: Path, counts: dict) -> None:
    """The staged database passes its integrity check and holds the manifest's counts."""
    try:
        con = sqlite3.connect(db)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            actual = store_counts(con) if ok == "ok" else None
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise _refuse(archive, t("backup.db_unopenable", error=e)) from None
    except BackupError as e:
        raise _refuse(archive, str(e)) from None
    if ok != "ok":
        raise _refuse(archive, t("backup.staged_not_intact", result=ok))
    # A backup written before the task register (no such counts in its manifest) is checked on what it states.
    for key in (
        "imports",
        "boundaries",
        "records",
        "schema_version",
        *(k for k in ("task_updates", "evidence") if k in counts),
    ):
        if actual.get(key) != counts.get(key):
            raise _refuse(archive, t("backup.counts_mismatch", field=key))


def verify(archive: str | Path, db_path: str | Path | None = None, *, accept_unsigned: bool = False) -> BackupInfo:
    """Check an archive completely (as a restore into `db_path` would, its signature too) without touching any
    store."""
    a = Path(archive)
    if not a.is_file():
        raise BackupError(t("backup.no_archive", path=a))
    staging = Path(tempfile.mkdtemp(prefix=".txip-verify-"))
    places = _key_places(_path_of(db_path), a.parent) if db_path else {"beside": [a.parent]}
    try:
        return BackupInfo(a, *_stage(a, staging, places, accept_unsigned))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- restore -------------------------------------------------------------------------------------------------------


def restore(archive: str | Path, db_path: str | Path, *, user: str = "", accept_unsigned: bool = False) -> BackupInfo:
    """Replace the store at ``db_path`` (and add the original files) with the backup in ``archive``.

    Everything is verified first; a refused archive raises :class:`BackupError` and changes nothing. An archive not
    signed with this server's key (unsigned, another key, altered after signing: store.backup_sign) is refused unless
    an admin accepts it (`accept_unsigned`); the acceptance is audited as ``restore_unsigned``. When the restored
    store has an ``audit`` table, the restore is recorded there (by ``user``)."""
    (pg, db), a = _where(db_path), Path(archive)
    if not a.is_file():
        raise BackupError(t("backup.no_archive", path=a))
    db.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".txip-restore-", dir=db.parent))
    try:
        manifest, status = _stage(a, staging, _key_places(db, a.parent), accept_unsigned)
        _relink_files(staging / "store.sqlite", files_dir_of(db).name)
        _commit_files(staging / "files", files_dir_of(db), manifest)
        if pg:
            _import(staging / "store.sqlite", pg)
        else:
            _commit_db(staging / "store.sqlite", db)
        detail = t("backup.audit_detail", name=a.name, created_at=manifest.get("created_at"))
        if status != backup_sign.VALID:
            detail += t("backup_sign.audit_accepted", why=backup_sign.reason(status))
        action = "restore" if status == backup_sign.VALID else "restore_unsigned"
        if pg:
            pg.audit(user, action, detail)
        else:
            _audit(db, user, action, detail)
        return BackupInfo(a, manifest, status)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- a store on PostgreSQL (store.backend_pg): the archive's database is the same SQLite store, copied out and in ----


def _where(db_path) -> tuple[object | None, Path]:
    """The PostgreSQL Store `db_path` names (a Store, a ``postgresql://`` URL, or a path while TXIP_PG_URL is set) or
    None (an SQLite file), and the store's path (its files folder is beside it)."""
    from txip_geo.store import backend_pg
    from txip_geo.store.database import Store

    if isinstance(db_path, Store):
        return (db_path if db_path.pg else None), db_path.path
    given = str(db_path) if backend_pg.is_url(str(db_path)) else Path(db_path)
    if backend_pg.target_of(given):
        store = Store(given)
        return store, store.path
    return None, given


def _path_of(db_path) -> Path:
    """The store's path (`_where`) without opening it."""
    from txip_geo.store.database import Store, store_path

    return db_path.path if isinstance(db_path, Store) else store_path(str(db_path))


def _export(pg, copy: Path) -> None:
    """The PostgreSQL store's rows into a fresh SQLite store at `copy` (one repeatable-read snapshot)."""
    from txip_geo.store.database import Store
    from txip_geo.store.migrate import copy_store

    copy_store(pg, Store(copy, local=True), files=False)


def _import(staged: Path, pg) -> None:
    """The verified SQLite store replaces every row of the PostgreSQL store, in one transaction. Opened as a store
    first, so a backup of an older version is migrated (in the staging copy) before it is copied in."""
    from txip_geo.store.database import Store
    from txip_geo.store.migrate import copy_store

    copy_store(Store(staged, local=True), pg, replace=True, files=False)


def _audit(db: Path, user: str, action: str, detail: str) -> None:
    con = sqlite3.connect(db, timeout=60)
    try:
        if con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='audit'").fetchone():
            with con:
                con.execute(
                    "INSERT INTO audit (at, user, action, detail) VALUES (?, ?, ?, ?)",
                    (datetime.now().isoformat(timespec="seconds"), user or "", action, detail),
                )
    except sqlite3.DatabaseError:
        pass  # the audit trail is not worth failing a completed restore for
    finally:
        con.close()


def _relink_files(staged: Path, folder: str) -> None:
    """Point the imports' stored_path at this store's files folder (a store restored under another name has
    another ``<stem>-files`` folder)."""
    con = sqlite3.connect(staged, isolation_level=None)
    try:
        rows = con.execute("SELECT id, stored_path FROM imports WHERE stored_path IS NOT NULL").fetchall()
        new = [(f"{folder}/{p.replace(chr(92), '/').rsplit('/', 1)[-1]}", i) for i, p in rows]
        changed = [(n, i) for (n, i), (_, p) in zip(new, rows) if n != p]
        if changed:
            con.execute("BEGIN")
            con.executemany("UPDATE imports SET stored_path=? WHERE id=?", changed)
            con.execute("COMMIT")
    finally:
        con.close()


def _commit_files(src_dir: Path, fdir: Path, manifest: dict) -> None:
    """Move the verified files in, each atomically; a file already there with the same checksum stays."""
    fdir.mkdir(parents=True, exist_ok=True)
    for name, meta in manifest["files"].items():
        target = fdir / name
        if target.is_file() and _sha256_file(target) == (meta["sha256"], meta["size"]):
            continue
        tmp = fdir / (name + ".part")
        shutil.move(str(src_dir / name), tmp)
        os.replace(tmp, target)


def _commit_db(staged: Path, db: Path) -> None:
    """Write the verified copy into the live database in one transaction (or rename it in when there is none)."""
    if db.exists() and _readable(db):
        src, live = sqlite3.connect(staged), sqlite3.connect(db, timeout=60)
        try:
            src.backup(live)  # one step: one write transaction on the live store (waits for a running import)
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            live.close()
            src.close()
        return
    if db.exists():  # not a database any more: keep it for inspection, never overwrite it
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            p = db.with_name(db.name + suffix)
            if p.exists():
                os.replace(p, db.with_name(f"{db.name}.broken-{stamp}{suffix}"))
    for suffix in ("-wal", "-shm", "-journal"):  # leftovers of a database that is gone would corrupt the new one
        p = db.with_name(db.name + suffix)
        if p.exists():
            p.unlink()
    tmp = db.with_name(db.name + ".restore-part")
    shutil.copyfile(staged, tmp)
    os.replace(tmp, db)


def _readable(db: Path) -> bool:
    """The file opens as an SQLite database (a locked one counts as readable: the backup step waits for it)."""
    try:
        con = sqlite3.connect(db, timeout=60)
        try:
            con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
        return True
    except sqlite3.OperationalError as e:
        return "locked" in str(e) or "busy" in str(e)
    except sqlite3.DatabaseError:
        return False
