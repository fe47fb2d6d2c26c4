"""Users, roles and permissions; hashed passwords; redacting personal data for viewers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import pandas as pd

from txip_geo.errors import AuthError
from txip_geo.store import throttle
from txip_geo.strings import t

ROLES = ("viewer", "editor", "admin")
ROLE_LABELS = {role: t(f"users.role_{role}") for role in ROLES}

# What each role may do. Viewers see figures, maps and exports of aggregates; editors also import, enter figures, keep
# the task register and its evidence files, and draw parks; admins also manage users, settings and restores.
PERMISSIONS = {
    "view": {"viewer", "editor", "admin"},
    "see_personal": {"editor", "admin"},
    "import": {"editor", "admin"},
    "edit_boundaries": {"editor", "admin"},
    "edit_tasks": {"editor", "admin"},
    "manage_users": {"admin"},
    "restore": {"admin"},
}

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    sso_subject: str = ""
    disabled: bool = False

    def can(self, permission: str) -> bool:
        return not self.disabled and self.role in PERMISSIONS[permission]


# Used when no user is configured at all (a fresh install, the demo): full access, with a banner asking to add users.
OPEN_USER = User("local", t("users.open_user"), "admin")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AuthError(t("users.password_too_short"))
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, maxmem=64 * 1024 * 1024, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


@cache
def _dummy_hash() -> str:
    """A real scrypt hash of a random password, checked for names that have no password (unknown users, SSO-only
    users): the same work as a real check, so the response time does not tell a wrong name from a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, stored: str | None) -> bool:
    real = bool(stored) and stored.startswith("scrypt$")
    _, salt_b64, digest_b64 = (stored if real else _dummy_hash()).split("$")
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=base64.b64decode(salt_b64), maxmem=64 * 1024 * 1024, **_SCRYPT
    )
    return hmac.compare_digest(digest, base64.b64decode(digest_b64)) and real


# -- users in the store ---------------------------------------------------------------------------------------------


def _row_to_user(r) -> User:
    return User(r[0], r[1], r[2], r[3] or "", bool(r[4]))


def list_users(store) -> pd.DataFrame:
    with store.reading() as con:
        return pd.read_sql_query(
            "SELECT username, display_name, role, sso_subject, disabled, created_at FROM users ORDER BY username", con
        )


def has_users(store) -> bool:
    with store.reading() as con:
        return con.execute("SELECT COUNT(*) FROM users WHERE disabled = 0").fetchone()[0] > 0


def get_user(store, username: str) -> User | None:
    with store.reading() as con:
        r = con.execute(
            "SELECT username, display_name, role, sso_subject, disabled FROM users WHERE username = ?", (username,)
        ).fetchone()
    return _row_to_user(r) if r else None


def add_user(
    store,
    username: str,
    role: str,
    *,
    password: str | None = None,
    display_name: str = "",
    sso_subject: str = "",
    by: str = "cli",
) -> User:
    if not USERNAME_RE.match(username or ""):
        raise AuthError(t("users.bad_username"))
    if role not in ROLES:
        raise AuthError(t("users.bad_role", roles="/".join(ROLES)))
    if not password and not sso_subject:
        raise AuthError(t("users.no_credentials"))
    pw = hash_password(password) if password else None
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise AuthError(t("users.exists", name=username))
        con.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, 0, ?)",
            (
                username,
                display_name or username,
                role,
                pw,
                sso_subject or None,
                datetime.now().isoformat(timespec="seconds"),
            ),
        )
        store.write_audit(con, by, "user", t("users.audit_added", name=username, role=ROLE_LABELS[role]))
    return User(username, display_name or username, role, sso_subject)


def update_user(
    store,
    username: str,
    *,
    role: str | None = None,
    password: str | None = None,
    disabled: bool | None = None,
    by: str = "cli",
) -> None:
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise AuthError(t("users.no_such_user", name=username))
        changes = []
        if role is not None:
            if role not in ROLES:
                raise AuthError(t("users.bad_role", roles="/".join(ROLES)))
            con.execute("UPDATE users SET role = ? WHERE username = ?", (role, username))
            changes.append(t("users.change_role", role=ROLE_LABELS[role]))
        if password is not None:
            con.execute("UPDATE users SET password_hash = ? WHERE username = ?", (hash_password(password), username))
            changes.append(t("users.change_password"))
        if disabled is not None:
            con.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username))
            changes.append(t("users.change_disabled") if disabled else t("users.change_enabled"))
        admins = con.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0").fetchone()[0]
        if admins == 0:
            raise AuthError(t("users.last_admin"))
        store.write_audit(
            con, by, "user", t("users.audit_changed", name=username, changes=t("users.change_sep").join(changes))
        )


def _locked_error(lock: throttle.Lock, name: str) -> AuthError:
    if lock.scope == throttle.ACCOUNT:
        return AuthError(t("auth_throttle.account_locked", name=name, until=lock.until_text))
    return AuthError(t("auth_throttle.client_locked", until=lock.until_text))


def sign_in(store, username: str, password: str, *, client: str = "", now: float | None = None) -> User:
    """The user, or AuthError; every outcome is audited.

    Throttled (store.throttle): an account name or a client (`client`: the address the web server saw, or a session
    key; "" counts the account only) that failed too often within the window is locked, and while it is, sign-in is
    refused with the time it ends, before the password is looked at -- the right password too. An unknown name costs
    the same scrypt check as a wrong password and is counted and locked the same way."""
    name = (username or "").strip()[:64]
    now = time.time() if now is None else now
    where = t("auth_throttle.audit_client", client=client) if client else ""

    def detail(*parts: str) -> str:
        return t("auth_throttle.detail_sep").join(p for p in (*parts, where) if p)

    lock = throttle.active_lock(store, name, client, now)
    if lock is not None:
        store.audit(name, "sign_in_failed", detail(t("auth_throttle.audit_while_locked", until=lock.until_text)))
        raise _locked_error(lock, name)
    with store.reading() as con:
        r = con.execute(
            "SELECT username, display_name, role, sso_subject, disabled, password_hash FROM users WHERE username = ?",
            (name,),
        ).fetchone()
    ok = verify_password(password or "", r[5] if r else None)
    if r and ok and not r[4]:
        user = _row_to_user(r)
        with store.transaction() as con:
            throttle.record_success(con, name, now)
            store.write_audit(con, user.username, "sign_in", detail(ROLE_LABELS[user.role]))
        return user
    if r and ok:  # the right password of a disabled user: not a guess
        store.audit(name, "sign_in_failed", detail(t("users.user_disabled")))
        raise AuthError(t("users.user_disabled"))
    settings = throttle.settings()
    with store.transaction() as con:
        new = throttle.record_failure(con, name, client, now, settings)
        store.write_audit(con, name, "sign_in_failed", detail())
        for lk in new:
            store.write_audit(con, name, "sign_in_locked", _lock_detail(lk, settings))
    if new:
        raise _locked_error(max(new, key=lambda lk: lk.until), name)
    raise AuthError(t("users.wrong_password"))


def _lock_detail(lock: throttle.Lock, s: throttle.Settings) -> str:
    if lock.scope == throttle.ACCOUNT:
        return t("auth_throttle.audit_account_locked", who=lock.key, n=s.account_failures, until=lock.until_text)
    return t("auth_throttle.audit_client_locked", who=lock.key, n=s.client_failures, until=lock.until_text)


def unlock(store, key: str, *, client: bool = False, by: str = "cli", now: float | None = None) -> None:
    """Lift the lock on an account name (or, `client`, on a client address); audited. AuthError when none is in
    force."""
    scope = throttle.CLIENT if client else throttle.ACCOUNT
    with store.transaction() as con:
        if not throttle.unlock(con, scope, key, time.time() if now is None else now):
            raise AuthError(t(f"auth_throttle.not_locked_{scope}", who=key))
        store.write_audit(con, by, "sign_in_unlock", t(f"auth_throttle.audit_unlocked_{scope}", who=key))


def sso_user(store, subject: str) -> User | None:
    """The enabled user mapped to an identity from the organisation's OIDC provider (e-mail or subject)."""
    with store.reading() as con:
        r = con.execute(
            "SELECT username, display_name, role, sso_subject, disabled FROM users "
            "WHERE sso_subject = ? AND disabled = 0",
            (subject,),
        ).fetchone()
    return _row_to_user(r) if r else None


def new_password() -> str:
    return secrets.token_urlsafe(12)


# -- personal data ----------------------------------------------------------------------------------------------
