"""The badges every page shows: sample data, schematic boundaries, as-of date, plan phase."""

from __future__ import annotations

import html

import streamlit as st

from txip_geo.figures.goals import current_phase
from txip_geo.plan import phases
from txip_geo.strings import t

CSS = """
<style>
.txip-hdr{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:-0.5rem 0 0.6rem 0}
.txip-pill{padding:2px 10px;border-radius:12px;font-size:0.9rem;border:1px solid #bdbdbd;background:#fafafa}
.txip-pill.sample{background:#fff5eb;border-color:#fd8d3c;color:#a63603;font-weight:600}
.txip-pill.schematic{background:#fff;border-color:#d94801;color:#a63603}
</style>
"""


def show(fs) -> None:
    pills = []
    if fs.is_sample:
        pills.append(
            f'<span class="txip-pill sample" data-testid="sample-badge">{html.escape(t("app.sample_badge"))}</span>'
        )
    if fs.schematic_notice:
        pills.append(f'<span class="txip-pill schematic">{html.escape(fs.schematic_notice)}</span>')
    if fs.as_of:
        pills.append(f'<span class="txip-pill">{html.escape(t("app.as_of", date=fs.as_of))}</span>')
    ph = current_phase()
    row = phases().set_index("phase").loc[ph] if ph in set(phases()["phase"]) else None
    if row is not None:
        pills.append(
            f'<span class="txip-pill">{html.escape(t("app.phase_now", phase=ph, start=row["start"], end=row["end"]))}</span>'
        )
    st.html(CSS + '<div class="txip-hdr">' + "".join(pills) + "</div>")
    if not fs.has_records:
        st.info(t("app.no_data_loaded"))
