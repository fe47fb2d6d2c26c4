"""The province-scale map page for the benchmark: ~1,300 units coloured by patents, through the app's own map code.

Started by benchmarks/bench_province.py (`streamlit run`), with TXIP_PROVINCE_DB (the store the benchmark imported
into), TXIP_PROVINCE_UNITS / TXIP_PROVINCE_OUTLINE (GeoJSON) and TXIP_PROVINCE_STATS (where to write timings and
sizes). The summary (the app's path: Store.patent_counts + figures.area_table), the simplification
(simplify.for_display), the map (maps.build_map, rendered by ui/folium_view) are cached once per server, as pages/map.py caches its map; labels are off (1,300 names do not fit at zoom 7).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import geopandas as gpd
import streamlit as st

# The repo root (benchmarks, ui, txip_geo) is on PYTHONPATH: bench_province starts this page with
# common.env_for_children().
from benchmarks.bench_payload import app_layer_bytes
from benchmarks.bench_province import province_map, summary_table
from txip_geo.areas import simplify
from txip_geo.render.offline import localise_map
from txip_geo.store.database import Store
from ui import folium_view

st.set_page_config(page_title="province benchmark", layout="wide")


@st.cache_resource(show_spinner="正在计算……")
def province_page():
    units = gpd.read_file(os.environ["TXIP_PROVINCE_UNITS"])
    outline = gpd.read_file(os.environ["TXIP_PROVINCE_OUTLINE"])
    t0 = time.perf_counter()
    summary = summary_table(Store(os.environ["TXIP_PROVINCE_DB"]), list(units["code"]))
    t1 = time.perf_counter()
    m, spec = province_map(units, outline, summary)
    rendered = folium_view.render(m)  # as the app's pages: localised, rendered once for the component
    t2 = time.perf_counter()
    html = localise_map(m).get_root().render()
    areas = spec.areas
    stats = {
        "summary_s": t1 - t0,
        "build_s": t2 - t1,
        "html_bytes": len(html.encode("utf-8")),
        "layer_bytes": app_layer_bytes(m, {spec.label}),
        "zoom": areas.attrs.get("display_zoom"),
        "vertices": simplify.vertex_count(areas.geometry),
    }
    Path(os.environ["TXIP_PROVINCE_STATS"]).write_text(json.dumps(stats))
    return rendered, len(areas), float(areas["value"].sum())


rendered, n_units, total = province_page()
st.title("全省尺度（基准测试）")
st.caption(f"{n_units:,} 个乡镇级单元，{total:,.0f} 件专利")
folium_view.show(rendered, key="map", height=640, returned_objects=["last_object_clicked"])
