"""Signing backups: an HMAC-SHA256 over the manifest (which holds the SHA-256 of every member) with a key kept outside
the store, so that a restore can tell a backup this server wrote from one anybody could assemble.

Without a signature, a self-consistent archive -- any database with matching checksums and counts, e.g. one that
adds an admin with a known password -- passes every check of the restore. With it, only an archive whose manifest was
signed with this server's key restores without an admin's explicit, audited acceptance (store.backup).

The key: 32 random bytes, hex, in the file named by ``TXIP_BACKUP_KEY_FILE`` (default ``~/.config/txip-geo/backup.key``,
``$XDG_CONFIG_HOME`` respected), created with mode 0600 (its folder 0700) by the first backup. It is never inside an
archive, and a key file inside the store's folder or the folder the backups go to is refused (whoever can read those
could then sign an archive). A key readable by other users is refused too. HMAC rather than a public-key signature:
the server that writes the backups is the one that checks them, and the standard library has it (``cryptography`` is
not a dependency).

``signature.json`` -- the archive's last member, after ``manifest.json``: the algorithm, the key's id (a hash of the
key, to tell "another key" from "altered"), and the MAC over the manifest's exact bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from txip_geo.errors import BackupError
from txip_geo.strings import t

ENV = "TXIP_BACKUP_KEY_FILE"
SIGNATURE = "signature.json"
SIGNATURE_FORMAT = "txip-geo-backup-signature"
ALGORITHM = "HMAC-SHA256"
_DOMAIN = b"txip-geo backup manifest v1\n"  # what the MAC is over: this, then the manifest's bytes

VALID, UNSIGNED, FOREIGN, ALTERED, NO_KEY, BROKEN = "valid", "unsigned", "foreign", "altered", "no_key", "broken"


def key_path() -> Path:
    """Where the backup key is: ``TXIP_BACKUP_KEY_FILE``, or ``txip-geo/backup.key`` in the user's config folder."""
    env = os.environ.get(ENV, "").strip()
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(base) / "txip-geo" / "backup.key"


def _check_place(path: Path, beside: list[Path], under: list[Path]) -> None:
    """The key is not directly in a folder of `beside` (the database's, the archive's) nor anywhere below one of
    `under` (the original files', the backups')."""
    real = path.expanduser().resolve()
    for folder in beside:
        if real.parent == folder.resolve():
            raise BackupError(t("backup_sign.key_in_store", path=path, folder=folder))
    for folder in under:
        if real.is_relative_to(folder.resolve()):
            raise BackupError(t("backup_sign.key_in_store", path=path, folder=folder))


def load_key(*, create: bool = False, beside: list[Path] | tuple = (), under: list[Path] | tuple = ()) -> bytes | None:
    """The backup key; None when there is none and `create` is false. Created (0600) when `create`. Refused when it
    lies with the store or the backups (`beside`, `under`: see _check_place), or other users may read it."""
    path = key_path()
    _check_place(path, list(beside), list(under))
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it just now: use that one
            return load_key(beside=beside, under=under)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise BackupError(t("backup_sign.key_readable", path=path, mode=oct(path.stat().st_mode & 0o777)))
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        raise BackupError(t("backup_sign.key_broken", path=path)) from None
    if len(key) < 16:
        raise BackupError(t("backup_sign.key_broken", path=path))
    return key


def key_id(key: bytes) -> str:
    """A short public id of a key (it tells keys apart, and nothing about the key)."""
    return hashlib.sha256(b"txip-geo backup key id\n" + key).hexdigest()[:16]


def _mac(key: bytes, manifest: bytes) -> str:
    return hmac.new(key, _DOMAIN + manifest, hashlib.sha256).hexdigest()


def sign(manifest: bytes, key: bytes) -> bytes:
    """The ``signature.json`` of a manifest's exact bytes."""
    sig = {"format": SIGNATURE_FORMAT, "algorithm": ALGORITHM, "key_id": key_id(key), "mac": _mac(key, manifest)}
    return json.dumps(sig, indent=1).encode("utf-8")


def check(manifest: bytes, signature: bytes | None, key: bytes | None) -> str:
    """VALID, or why not: UNSIGNED, NO_KEY (none here to check with), BROKEN, FOREIGN (another key), ALTERED."""
    if signature is None:
        return UNSIGNED
    if key is None:
        return NO_KEY
    try:
        sig = json.loads(signature.decode("utf-8"))
        ok = sig["format"] == SIGNATURE_FORMAT and sig["algorithm"] == ALGORITHM
        their_id, mac = str(sig["key_id"]), str(sig["mac"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return BROKEN
    if not ok:
        return BROKEN
    if not hmac.compare_digest(their_id, key_id(key)):
        return FOREIGN
    return VALID if hmac.compare_digest(mac, _mac(key, manifest)) else ALTERED


def reason(status: str) -> str:
    """Why an archive's signature is not accepted, in Chinese."""
    return t(f"backup_sign.status_{status}", path=key_path())
