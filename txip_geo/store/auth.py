"""Users, roles and permissions; hashed passwords; redacting personal data for viewers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from txip_geo.errors import AuthError
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


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        # Spend the same time as a real check, so a wrong user name is not told apart from a wrong password.
        hashlib.scrypt(b"x", salt=b"0" * 16, maxmem=64 * 1024 * 1024, **_SCRYPT)
        return False
    _, salt_b64, digest_b64 = stored.split("$")
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=base64.b64decode(salt_b64), maxmem=64 * 1024 * 1024, **_SCRYPT
    )
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


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


def sign_in(store, username: str, password: str) -> User:
    """The user, or AuthError('用户名或密码错误'); both outcomes are audited."""
    with store.reading() as con:
        r = con.execute(
            "SELECT username, display_name, role, sso_subject, disabled, password_hash FROM users WHERE username = ?",
            ((username or "").strip(),),
        ).fetchone()
    ok = verify_password(password or "", r[5] if r else None)
    if not r or not ok or r[4]:
        store.audit((username or "")[:64], "sign_in_failed", "")
        raise AuthError(t("users.wrong_password") if not (r and ok) else t("users.user_disabled"))
    user = _row_to_user(r)
    store.audit(user.username, "sign_in", ROLE_LABELS[user.role])
    return user


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
