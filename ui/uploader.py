"""st.file_uploader speaking Chinese.

Streamlit 1.67 writes the uploader's own texts in English (the button "Upload", "100MB per file • CSV, XLSX", "Drag and
drop a file here" while a file is dragged over it, "… files are not allowed." on a refused file) and has no parameter
for them. A stylesheet on the uploader's stable data-testid elements hides each English text (it stays in the page,
at font size 0) and shows the Chinese one in its place; the size limit and the accepted types go in per widget, scoped
by the class Streamlit gives a keyed widget's container (st-key-<key>)."""

from __future__ import annotations

import json
import re

import streamlit as st

from txip_geo.strings import t

DROPZONE = '[data-testid="stFileUploaderDropzone"]'
# (selector inside one uploader, strings key of the Chinese text)
TEXTS = [
    (f'{DROPZONE} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p', "upload.browse"),
    (f"{DROPZONE} > div:not([data-testid]) > span", "upload.drop_here"),  # shown while a file is dragged over it
    ('[data-testid="stFileChip"] [role="alert"]', "upload.refused"),  # a refused file (type, size): its alert
]
# The refused file's tooltip is drawn outside the uploader (in a layer of its own): this rule is not scoped to one
# uploader but is on a page only while an uploader is (no other widget of these pages shows an error tooltip).
TOOLTIP = '[role="tooltip"] [data-testid="stTooltipErrorContent"]'


def _css_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid CSS string for such text


def stylesheet(key: str, types: list[str] | None, max_mb: int) -> str:
    """The <style> that replaces the English texts of the uploader whose key is `key`."""
    scope = f".st-key-{re.sub(r'[^A-Za-z0-9_-]', '-', key)}"
    limit = t("upload.limit", mb=max_mb) + (
        t("upload.limit_types", types="、".join(x.upper() for x in types)) if types else ""
    )
    rules = []
    for sel, k in TEXTS + [(f'{DROPZONE} [data-testid="stFileUploaderDropzoneInstructions"] span', None)]:
        text = t(k) if k else limit
        rules.append(
            f"{scope} {sel}{{font-size:0 !important}}"
            f"{scope} {sel}::after{{content:{_css_string(text)};font-size:0.875rem}}"
        )
    rules.append(
        f"{TOOLTIP}{{font-size:0 !important}}"
        f"{TOOLTIP}::after{{content:{_css_string(t('upload.refused'))};font-size:0.875rem}}"
    )
    return "<style>" + "".join(rules) + "</style>"


def file_uploader(label: str, *, key: str, type: list[str] | None = None, max_upload_size: int | None = None, **kw):
    """st.file_uploader (same arguments; `key` required) with its own texts in Chinese."""
    max_mb = max_upload_size or int(st.get_option("server.maxUploadSize"))
    st.html(stylesheet(key, type, max_mb))  # style only: Streamlit adds it without taking room on the page
    return st.file_uploader(label, type=type, key=key, max_upload_size=max_upload_size, **kw)
