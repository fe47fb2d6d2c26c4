"""The fair competitor of the map page for the browser benchmark: what a competent Streamlit + folium engineer would
write to show the same map -- the 17 townships coloured by patents with their tooltips, and the workstations as
points -- with `streamlit_folium.st_folium`.

Well written: the layer and the figures are computed once per server (`st.cache_resource`); the layer is simplified
with one `shapely.coverage_simplify` call at the app's tolerance, coordinates rounded to 5 decimals, only the
properties the tooltip needs; the workstations are one GeoJSON layer of circle markers (not a folium element per
point); the map's assets are the local copies (as the app: no internet); `st_folium` returns only the clicked
object. The folium map itself is built from the cached data on every run (two GeoJson layers: milliseconds):
`st_folium` alters the map it renders, so a cached map object draws in the first session and stays blank in every
later one. Started by benchmarks/bench_browser.py with TXIP_DB (the benchmark's store).
"""

from __future__ import annotations

import os

import folium
import numpy as np
import shapely
import streamlit as st
from streamlit_folium import st_folium

# The repo root is on PYTHONPATH (bench_browser starts this page with common.env_for_children()).
from txip_geo.areas import boundaries, simplify
from txip_geo.render.offline import localise_map
from txip_geo.store.database import Store

st.set_page_config(page_title="st_folium", layout="wide")
COLORS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]


@st.cache_resource
def map_data() -> dict:
    """Everything the map shows, computed once per server: the simplified townships with their counts and colour
    breaks, the workstations as GeoJSON, the bounds."""
    store = Store(os.environ["TXIP_DB"])
    towns = boundaries.bundled_townships()[["code", "name", "geometry"]]
    patents = store.records("patents")
    counts = patents[patents["assign_method"] != "outside"].groupby("unit_code").size()
    towns["patents"] = towns["code"].map(counts).fillna(0).astype(int)
    fit = boundaries.county_outline().total_bounds
    zoom = simplify.fit_zoom(fit) + 2
    merc = simplify._mercator(towns.geometry.to_numpy())
    shown = simplify._geographic(shapely.coverage_simplify(merc, 0.5 * simplify.degrees_per_pixel(zoom)))
    towns = towns.set_geometry(list(shapely.transform(shown, lambda c: np.round(c, 5))), crs=towns.crs)
    ws = store.records("workstations").dropna(subset=["lon", "lat"])
    points = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(x, 5), round(y, 5)]},
                "properties": {"name": str(n)},
            }
            for x, y, n in zip(ws["lon"], ws["lat"], ws["name"])
        ],
    }
    return {
        "towns": towns.__geo_interface__,
        "breaks": np.quantile(towns["patents"], [0.2, 0.4, 0.6, 0.8]),
        "points": points,
        "fit": fit,
    }


def township_map(data: dict) -> folium.Map:
    breaks = data["breaks"]

    def style(feature):
        k = int(np.searchsorted(breaks, feature["properties"]["patents"]))
        return {"fillColor": COLORS[k], "color": "#636363", "weight": 1, "fillOpacity": 0.85}

    minx, miny, maxx, maxy = data["fit"]
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.GeoJson(
        data["towns"],
        name="专利总量",
        style_function=style,
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["name", "patents"], aliases=["", "专利总量"]),
    ).add_to(m)
    folium.GeoJson(
        data["points"],
        name="知识产权工作站",
        marker=folium.CircleMarker(radius=6, color="#ffffff", weight=1, fill=True, fill_color="#1b9e77"),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    ).add_to(m)
    return localise_map(m)


st.title("泰兴市知识产权三级网络地图")
st_folium(
    township_map(map_data()),
    key="map",
    height=620,
    use_container_width=True,
    returned_objects=["last_object_clicked"],
)
