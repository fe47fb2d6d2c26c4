"""Sign-in throttling: failed sign-ins counted per account and per client, and lockouts that an admin can lift.

Every failed password check is kept (``sign_in_failures``: when, the account name tried, the client) and counted in
a sliding window. When an account name reaches ``account_failures`` failures within ``window_min`` minutes, or a
client (the address the web server saw, or a session key) reaches ``client_failures``, it is **locked**
(``sign_in_locks``) for ``lock_min`` minutes; each further lockout within a day doubles that time, up to
``lock_max_min``. While locked, sign-in is refused before any password is checked -- also the right one -- with a
message saying until when, which tells nothing about the password. Names that belong to no user are counted and
locked exactly as real ones, so a lockout does not tell whether an account exists.

A success clears the account's count (never the client's: signing in to one's own account between guesses must not
reset the guessing client). An admin lifts a lock (:func:`unlock`: the 用户与日志 page, ``user unlock NAME``); each
failure, lockout, refusal while locked and unlock is written to the audit log by the caller (``store.auth``).

The limits are settings (:func:`settings`): defaults below, each overridable by an environment variable read at every
call (``docs/operations.md``). Times are epoch seconds; ``now`` is a parameter so that tests need not wait.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

ACCOUNT, CLIENT = "account", "client"
DAY = 24 * 3600.0


@dataclass(frozen=True)
class Settings:
    account_failures: int = 5  # failures of one account name within the window that lock it
    client_failures: int = 20  # failures from one client (any names) within the window that lock it
    window_min: float = 15.0  # the sliding window the failures are counted in
    lock_min: float = 15.0  # the first lockout; each further one within a day lasts twice as long as the last
    lock_max_min: float = 24 * 60.0  # the longest lockout


_ENV = {
    "account_failures": "TXIP_SIGNIN_ACCOUNT_FAILURES",
    "client_failures": "TXIP_SIGNIN_CLIENT_FAILURES",
    "window_min": "TXIP_SIGNIN_WINDOW_MIN",
    "lock_min": "TXIP_SIGNIN_LOCK_MIN",
    "lock_max_min": "TXIP_SIGNIN_LOCK_MAX_MIN",
}


def settings() -> Settings:
    """The limits in force: the defaults, overridden by the environment variables that are set to a positive number."""
    values: dict = {}
    for name, var in _ENV.items():
        try:
            v = float(os.environ.get(var, "").strip() or "nan")
        except ValueError:
            continue
        if v > 0:
            values[name] = int(v) if name.endswith("failures") else v
    return Settings(**values)


DDL = (
    "CREATE TABLE IF NOT EXISTS sign_in_failures (at REAL NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_sign_in_failures ON sign_in_failures (scope, key, at)",
    # counted_from: failures before it do not count (the last lockout, success or unlock); lockouts: how many in a row
    "CREATE TABLE IF NOT EXISTS sign_in_locks (scope TEXT NOT NULL, key TEXT NOT NULL, locked_until REAL NOT NULL, "
    "lockouts INTEGER NOT NULL, counted_from REAL NOT NULL, locked_at REAL, PRIMARY KEY (scope, key))",
)


def create(con) -> None:
    """The tables, when the store has none yet (a store of an older version, a restored backup): made on first use."""
    for stmt in DDL:
        con.execute(stmt)


def _exists(con) -> bool:
    return (
        con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sign_in_locks'").fetchone()
        is not None
    )


@dataclass(frozen=True)
class Lock:
    scope: str  # ACCOUNT | CLIENT
    key: str
    until: float
    lockouts: int

    @property
    def until_text(self) -> str:
        return datetime.fromtimestamp(self.until).strftime("%Y-%m-%d %H:%M")


def _keys(name: str, client: str) -> list[tuple[str, str]]:
    return [(ACCOUNT, name)] + ([(CLIENT, client)] if client else [])


def active_lock(store, name: str, client: str, now: float | None = None) -> Lock | None:
    """The lock in force on this account name or this client (the one lasting longer), or None."""
    now = time.time() if now is None else now
    found = []
    with store.reading() as con:  # a read: never waits for an import holding the write lock
        if not _exists(con):
            return None
        for scope, key in _keys(name, client):
            r = con.execute(
                "SELECT locked_until, lockouts FROM sign_in_locks WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
            if r and r[0] > now:
                found.append(Lock(scope, key, r[0], r[1]))
    return max(found, key=lambda lk: lk.until) if found else None


def _lock_minutes(s: Settings, lockouts_before: int) -> float:
    return min(s.lock_min * 2 ** min(lockouts_before, 30), s.lock_max_min)


def record_failure(con, name: str, client: str, now: float, s: Settings) -> list[Lock]:
    """Keep one failure (inside the caller's transaction); the locks it sets (none, the account's, the client's)."""
    create(con)
    new = []
    for scope, key in _keys(name, client):
        con.execute("INSERT INTO sign_in_failures (at, scope, key) VALUES (?, ?, ?)", (now, scope, key))
        r = con.execute(
            "SELECT counted_from, lockouts, locked_at FROM sign_in_locks WHERE scope = ? AND key = ?", (scope, key)
        ).fetchone()
        since = max(now - s.window_min * 60, r[0] if r else 0.0)
        n = con.execute(
            "SELECT COUNT(*) FROM sign_in_failures WHERE scope = ? AND key = ? AND at > ?", (scope, key, since)
        ).fetchone()[0]
        if n < (s.account_failures if scope == ACCOUNT else s.client_failures):
            continue
        before = r[1] if r and r[2] is not None and now - r[2] < DAY else 0  # a lockout a day ago is forgotten
        until = now + _lock_minutes(s, before) * 60
        con.execute(
            "INSERT OR REPLACE INTO sign_in_locks VALUES (?, ?, ?, ?, ?, ?)", (scope, key, until, before + 1, now, now)
        )
        new.append(Lock(scope, key, until, before + 1))
    # Failures older than any window are of no use: keep the table small.
    con.execute("DELETE FROM sign_in_failures WHERE at < ?", (now - max(s.window_min * 60, DAY),))
    return new


def record_success(con, name: str, now: float) -> None:
    """A successful sign-in: the account's failures so far no longer count, its lockouts are forgotten."""
    create(con)
    con.execute(
        "UPDATE sign_in_locks SET counted_from = ?, lockouts = 0 WHERE scope = ? AND key = ?", (now, ACCOUNT, name)
    )


def unlock(con, scope: str, key: str, now: float) -> bool:
    """Lift a lock (inside the caller's transaction): the failures so far no longer count. False when none was in
    force."""
    create(con)
    r = con.execute("SELECT locked_until FROM sign_in_locks WHERE scope = ? AND key = ?", (scope, key)).fetchone()
    con.execute(
        "UPDATE sign_in_locks SET locked_until = 0, lockouts = 0, counted_from = ? WHERE scope = ? AND key = ?",
        (now, scope, key),
    )
    return bool(r and r[0] > now)


def locks(store, now: float | None = None) -> pd.DataFrame:
    """The locks in force: scope, key, until (local time text), lockouts; the longest-lasting first."""
    now = time.time() if now is None else now
    with store.reading() as con:
        rows = (
            []
            if not _exists(con)
            else con.execute(
                "SELECT scope, key, locked_until, lockouts FROM sign_in_locks WHERE locked_until > ? "
                "ORDER BY locked_until DESC, scope, key",
                (now,),
            ).fetchall()
        )
    return pd.DataFrame(
        [(s, k, Lock(s, k, u, n).until_text, n) for s, k, u, n in rows],
        columns=["scope", "key", "until", "lockouts"],
    )
