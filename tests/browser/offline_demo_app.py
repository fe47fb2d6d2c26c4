"""Tiny Streamlit page with a localised folium map, for the offline browser test."""

from __future__ import annotations

import os
import random

import branca.colormap
import folium
import streamlit as st
from folium.plugins import Draw, Fullscreen, MarkerCluster
from streamlit_folium import st_folium

# The browser test may run this file from a staging folder (Streamlit serves static/ next to the main script):
# txip_geo comes from the repo root on PYTHONPATH (tests/browser/conftest.py) or the installed package.
from txip_geo.render.offline import localise_map

# Optional override, used only to compare link forms in the component iframe.
URL_BASE = os.environ.get("TXIP_GEO_ASSET_URL_BASE")

CENTER = (32.16, 120.01)  # Taixing

st.set_page_config(page_title="offline map", layout="wide")
st.title("Offline map demo")

m = folium.Map(location=CENTER, zoom_start=11, tiles=None)
# With tiles=None folium hands max_zoom/min_zoom to no layer at all, and MarkerCluster
# then fails ("Map has no maxZoom specified"): set them on the map's own options.
m.options.update(max_zoom=18, min_zoom=5)

polygon = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "demo-unit", "value": 0.7},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [119.93, 32.10],
                        [120.09, 32.10],
                        [120.09, 32.22],
                        [119.93, 32.22],
                        [119.93, 32.10],
                    ]
                ],
            },
        }
    ],
}
colormap = branca.colormap.LinearColormap(["#ffffcc", "#fd8d3c", "#800026"], vmin=0, vmax=1, caption="demo value")
folium.GeoJson(
    polygon,
    name="units",
    style_function=lambda f: {
        "fillColor": colormap(f["properties"]["value"]),
        "color": "#333",
        "weight": 2,
        "fillOpacity": 0.5,
    },
    tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["unit"]),
).add_to(m)

rng = random.Random(42)
cluster = MarkerCluster(name="points").add_to(m)
# 45 points close together (they cluster) and 5 far apart (they show as single default markers)
for i in range(45):
    folium.Marker([CENTER[0] + rng.uniform(-0.02, 0.02), CENTER[1] + rng.uniform(-0.02, 0.02)], tooltip=f"p{i}").add_to(
        cluster
    )
for i, (dlat, dlng) in enumerate([(0.09, -0.15), (-0.09, 0.15), (0.09, 0.15), (-0.09, -0.15), (0.0, 0.2)]):
    folium.Marker([CENTER[0] + dlat, CENTER[1] + dlng], tooltip=f"single{i}").add_to(cluster)

# awesome-markers icons: Font Awesome (woff2 font) and Glyphicon prefixes
folium.Marker(
    [CENTER[0] - 0.05, CENTER[1] - 0.06], icon=folium.Icon(color="red", icon="house", prefix="fa"), tooltip="fa"
).add_to(m)
folium.Marker(
    [CENTER[0] - 0.05, CENTER[1] + 0.06], icon=folium.Icon(color="green", icon="info-sign"), tooltip="glyphicon"
).add_to(m)

colormap.add_to(m)
Draw(export=False).add_to(m)
Fullscreen().add_to(m)

if URL_BASE:
    localise_map(m, url_base=URL_BASE)
else:
    localise_map(m)

st_folium(m, height=520, use_container_width=True, key="demo_map", returned_objects=[])
st.caption("map rendered above")
