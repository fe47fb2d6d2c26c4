"""Sign-in for the app: who is using it, with which role; the login form; the organisation's SSO when configured."""

from __future__ import annotations

import secrets

import streamlit as st

from txip_geo.store import auth
from txip_geo.strings import t

from . import state

SESSION_KEY = "auth_user"
CLIENT_KEY = "auth_client"


def client_key() -> str:
    """Who is signing in, for the sign-in throttle (store.throttle): the address the web server saw; behind the
    reverse proxy on this host (the connection comes from the loopback interface, so Streamlit gives no address),
    the last X-Forwarded-For entry -- the one the proxy appended (docs/deploy.md); otherwise a key of this browser
    session (a local user)."""
    try:
        ip = st.context.ip_address
        forwarded = "" if ip else st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - no request context (a bare script run)
        ip, forwarded = None, ""
    if isinstance(ip, str) and ip:
        return ip[:64]
    last = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
    if last:
        return last[:64]
    return st.session_state.setdefault(CLIENT_KEY, "session-" + secrets.token_hex(6))


def _sso_configured() -> bool:
    """Streamlit's own OIDC login (st.login) is configured in .streamlit/secrets.toml [auth]."""
    try:
        return "auth" in st.secrets and bool(st.secrets["auth"].get("client_id") or st.secrets["auth"].get("providers"))
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def current_user() -> auth.User | None:
    store = state.store()
    if not auth.has_users(store):
        return auth.OPEN_USER
    user = st.session_state.get(SESSION_KEY)
    if user is not None:
        fresh = auth.get_user(store, user.username)  # role changes and disabling take effect at once
        if fresh is None or fresh.disabled:
            st.session_state.pop(SESSION_KEY, None)
            return None
        return fresh
    if _sso_configured() and getattr(st.user, "is_logged_in", False):
        subject = st.user.get("email") or st.user.get("sub") or ""
        mapped = auth.sso_user(store, subject)
        if mapped:
            st.session_state[SESSION_KEY] = mapped
            store.audit(mapped.username, "sign_in", t("page_ui.sso_sign_in"))
            return mapped
        st.error(t("auth.sso_unknown", subject=subject))
    return None


def require_user() -> auth.User:
    """The signed-in user; otherwise the sign-in form and nothing else."""
    user = current_user()
    if user is not None:
        return user
    st.title(t("app.title"))
    st.subheader(t("auth.title"))
    with st.form("sign_in"):
        name = st.text_input(t("auth.username"))
        pw = st.text_input(t("auth.password"), type="password")
        if st.form_submit_button(t("auth.submit"), type="primary"):
            try:
                st.session_state[SESSION_KEY] = auth.sign_in(state.store(), name, pw, client=client_key())
                st.rerun()
            except auth.AuthError as e:
                st.error(str(e))
    if _sso_configured():
        st.button(t("auth.sso"), on_click=st.login)
    st.stop()


def sidebar(user: auth.User) -> None:
    with st.sidebar:
        if user is auth.OPEN_USER:
            st.warning(t("auth.open_mode"))
            return
        st.caption(t("auth.signed_in", name=user.display_name, role=auth.ROLE_LABELS[user.role]))
        if st.button(t("auth.sign_out"), key="sign_out"):
            state.store().audit(user.username, "sign_out", "")
            st.session_state.pop(SESSION_KEY, None)
            if _sso_configured() and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()


def user() -> auth.User:
    """For pages: the user app.py signed in (pages run after app.py)."""
    return st.session_state.get(SESSION_KEY) or (
        auth.OPEN_USER if not auth.has_users(state.store()) else require_user()
    )


def can(permission: str) -> bool:
    return user().can(permission)


def require(permission: str) -> None:
    if not can(permission):
        st.warning(t("auth.forbidden"))
        st.stop()
