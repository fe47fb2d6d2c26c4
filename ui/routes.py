"""URL paths. The map is the default page, served at / (Streamlit serves its default page at the root only); /map
opens it as well, and a path that is no page opens it with a Chinese notice instead of Streamlit's English "Page not
found" dialog."""

from __future__ import annotations

# Other paths that mean the default page (its own url_path: a link or a bookmark written as /map).
DEFAULT_ALIASES = {"map"}


def claim_path(known: set[str]) -> str | None:
    """Call before st.navigation with the url paths of the pages it gets. A first request for /map (or another
    alias of the default page), or for a path that is no page, is turned into a request for the default page, so
    Streamlit runs it without its "Page not found" dialog. Returns the unknown path requested (for a notice), else None.

    Uses Streamlit's page manager (the intent set from the browser's URL); should that change, Streamlit's own
    behaviour (its dialog, then the default page) is what remains."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        pages = get_script_run_ctx().pages_manager
        name = (pages.intended_page_name or "").strip("/")
        if pages.intended_page_script_hash or not name or name in known:
            return None
        pages.set_script_intent("", "")
    except Exception:  # noqa: BLE001 - no script run context (bare mode) or Streamlit changed: leave it to Streamlit
        return None
    return None if name in DEFAULT_ALIASES else name
