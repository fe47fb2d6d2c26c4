"""The first line of every page: make sure the page runs inside app.py (its sign-in and navigation)."""

from __future__ import annotations

import streamlit as st


def ensure_app() -> None:
    """On a freshly started server, a deep link (/goals …) that arrives before anyone opened the app runs the page
    file directly, in Streamlit's old pages/-folder mode: without app.py, so without sign-in, navigation and settings.
    Switch that mode off and rerun at once, before anything renders: the rerun goes through app.py."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
