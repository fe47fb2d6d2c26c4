"""The folium map as HTML: areas, zero vs missing styles, legend, notices, labels, no internet links."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from txip_geo import maps
from txip_geo.offline import external_urls, localise_map


def areas(values):
    geoms = [box(120 + i * 0.1, 32, 120.09 + i * 0.1, 32.09) for i in range(len(values))]
    return gpd.GeoDataFrame({"code": [f"U{i}" for i in range(len(values))], "name": [f"单元{i}" for i in range(len(values))],
                             "value": values}, geometry=geoms, crs=4326)


def spec(values, **kw):
    a = areas(values)
    return maps.MapSpec(areas=a, label="专利总量", unit="件", breaks=maps.class_breaks(values), **kw)


def html_of(s):
    return maps.render_html(localise_map(maps.build_map(s)))


def has(h: str, text: str) -> bool:
    """Text appears in the page, raw or as folium writes it inside JSON (\\uXXXX escapes)."""
    return text in h or json.dumps(text)[1:-1] in h


def test_class_breaks_are_nice_increasing_and_ignore_zero_and_missing():
    b = maps.class_breaks([0, np.nan, 3, 40, 120, 480, 1900, 3700])
    assert b == sorted(set(b)) and b[-1] >= 3700
    assert all(maps.nice_number(x) == x for x in b)


def test_zero_and_missing_are_classified_apart_from_small_values():
    b = [10, 100]
    assert maps.classify(0, b) == "zero"
    assert maps.classify(None, b) == "missing" and maps.classify(np.nan, b) == "missing"
    assert maps.classify(0.5, b) == 0 and maps.classify(1000, b) == 1


def test_zero_and_missing_get_different_fill_and_border():
    b = [10, 100]
    z, m, small = maps.area_style(0, b), maps.area_style(np.nan, b), maps.area_style(1, b)
    assert z["fillColor"] == maps.ZERO_COLOR and m["fillColor"] == maps.MISSING_COLOR
    assert z["fillColor"] != small["fillColor"] and "dashArray" in m and "dashArray" not in z


def test_map_html_contains_every_area_label_and_the_legend():
    h = html_of(spec([0, np.nan, 5, 50]))
    for i in range(4):
        assert has(h, f"单元{i}")
    assert has(h, "0（空白）") and has(h, "无数据") and has(h, "专利总量（件）")
    assert maps.ZERO_COLOR in h and maps.MISSING_COLOR in h


def test_schematic_notice_sample_badge_and_as_of_are_on_the_map():
    h = html_of(spec([1, 2], schematic=True, sample=True, as_of="2026-10-31"))
    assert "示意边界" in h and "样例数据" in h and "数据截至 2026-10-31" in h
    h = html_of(spec([1, 2], schematic=False, sample=False))
    assert "示意边界" not in h and "样例数据" not in h


def test_localised_map_references_no_internet_url():
    pts = pd.DataFrame({"lon": [120.05] * 300, "lat": [32.05] * 300, "color": "#000", "tooltip": "x"})
    s = spec([1, 2], points=[maps.PointLayer("案件", pts, cluster=True)])
    assert external_urls(html_of(s)) == []


def test_names_in_labels_and_tooltips_are_escaped():
    a = areas([1, 2])
    a.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    pts = pd.DataFrame({"lon": [120.05], "lat": [32.05], "color": "#000", "tooltip": ["<script>bad()</script>"]})
    s = maps.MapSpec(areas=a, label="x", unit="件", breaks=[1, 2], points=[maps.PointLayer("站", pts)])
    h = maps.render_html(maps.build_map(s))
    assert "<img src=x onerror" not in h and "<script>bad()" not in h


def test_legend_numbers_format_units():
    assert maps.format_value(np.nan, "件") == "无数据"
    assert maps.format_value(1234.0, "件") == "1,234 件"
    assert maps.format_value(66.66, "%") == "66.7%"
