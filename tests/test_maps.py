"""The folium map as HTML: areas, zero vs missing styles, legend, notices, labels, no internet links."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from txip_geo.present import mapspec
from txip_geo.render import folium_map as maps
from txip_geo.render.offline import external_urls, localise_map


def areas(values):
    geoms = [box(120 + i * 0.1, 32, 120.09 + i * 0.1, 32.09) for i in range(len(values))]
    return gpd.GeoDataFrame(
        {
            "code": [f"U{i}" for i in range(len(values))],
            "name": [f"单元{i}" for i in range(len(values))],
            "value": values,
        },
        geometry=geoms,
        crs=4326,
    )


def spec(values, **kw):
    a = areas(values)
    return mapspec.MapSpec(areas=a, label="专利总量", unit="件", breaks=mapspec.class_breaks(values), **kw)


def html_of(s):
    return maps.render_html(localise_map(maps.build_map(s)))


def has(h: str, text: str) -> bool:
    """Text appears in the page, raw or as folium writes it inside JSON (\\uXXXX escapes)."""
    return text in h or json.dumps(text)[1:-1] in h


def test_class_breaks_are_nice_increasing_and_ignore_zero_and_missing():
    b = mapspec.class_breaks([0, np.nan, 3, 40, 120, 480, 1900, 3700])
    assert b == sorted(set(b)) and b[-1] >= 3700
    assert all(mapspec.nice_number(x) == x for x in b)


def test_zero_and_missing_are_classified_apart_from_small_values():
    b = [10, 100]
    assert mapspec.classify(0, b) == "zero"
    assert mapspec.classify(None, b) == "missing" and mapspec.classify(np.nan, b) == "missing"
    assert mapspec.classify(0.5, b) == 0 and mapspec.classify(1000, b) == 1


def test_zero_and_missing_get_different_fill_and_border():
    b = [10, 100]
    z, m, small = mapspec.area_style(0, b), mapspec.area_style(np.nan, b), mapspec.area_style(1, b)
    assert z["fillColor"] == mapspec.ZERO_COLOR and m["fillColor"] == mapspec.MISSING_COLOR
    assert z["fillColor"] != small["fillColor"] and "dashArray" in m and "dashArray" not in z


def test_map_html_contains_every_area_label_and_the_legend():
    h = html_of(spec([0, np.nan, 5, 50]))
    for i in range(4):
        assert has(h, f"单元{i}")
    assert has(h, "0（空白）") and has(h, "无数据") and has(h, "专利总量（件）")
    assert mapspec.ZERO_COLOR in h and mapspec.MISSING_COLOR in h


def test_schematic_notice_sample_badge_and_as_of_are_on_the_map():
    h = html_of(spec([1, 2], schematic=True, sample=True, as_of="2026-10-31"))
    assert "示意边界" in h and "样例数据" in h and "数据截至 2026-10-31" in h
    h = html_of(spec([1, 2], schematic=False, sample=False))
    assert "示意边界" not in h and "样例数据" not in h


def test_localised_map_references_no_internet_url():
    pts = pd.DataFrame({"lon": [120.05] * 300, "lat": [32.05] * 300, "color": "#000", "tooltip": "x"})
    s = spec([1, 2], points=[mapspec.PointLayer("案件", pts, cluster=True)])
    assert external_urls(html_of(s)) == []


def test_names_in_labels_and_tooltips_are_escaped():
    a = areas([1, 2])
    a.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    pts = pd.DataFrame({"lon": [120.05], "lat": [32.05], "color": "#000", "tooltip": ["<script>bad()</script>"]})
    s = mapspec.MapSpec(areas=a, label="x", unit="件", breaks=[1, 2], points=[mapspec.PointLayer("站", pts)])
    h = maps.render_html(maps.build_map(s))
    assert "<img src=x onerror" not in h and "<script>bad()" not in h


def test_legend_numbers_format_units():
    assert mapspec.format_value(np.nan, "件") == "无数据"
    assert mapspec.format_value(1234.0, "件") == "1,234 件"
    assert mapspec.format_value(66.66, "%") == "66.7%"


# -- the indicator's direction, count classes, the point legend, the controls' column, the scale bar ----------------


def test_a_zero_is_calm_and_classes_warm_when_less_is_better():
    b = [1, 2, 5]
    good, bad = mapspec.area_style(0, b, less_is_better=True), mapspec.area_style(0, b)
    assert good["fillColor"] == mapspec.ZERO_GOOD_COLOR and good["color"] != "#bd0026" and good["weight"] == 1
    assert bad["fillColor"] == mapspec.ZERO_COLOR and bad["color"] == "#bd0026"  # a blank where more is better
    warm = [mapspec.area_style(v, b, less_is_better=True)["fillColor"] for v in (1, 2, 5)]
    assert all(c in mapspec.WARM_PALETTE for c in warm) and len(set(warm)) == 3
    assert warm == [c for c in mapspec.WARM_PALETTE if c in warm]  # warmer as the value grows
    rows = mapspec.legend_entries(b, "家", less_is_better=True)
    assert rows[0][0] == mapspec.ZERO_GOOD_COLOR and "空白" not in rows[0][1]


def _ints(label: str) -> range:
    lo, _, hi = label.replace(",", "").partition("–")
    return range(int(lo), int(hi or lo) + 1)


@pytest.mark.parametrize(
    "values", [[1, 1, 2, 2, 3], [1, 2, 3, 5, 8, 12, 40, 41], [0, 7], [3, 40, 120, 480, 1900, 3700], [0, 0, 0], [1]]
)
def test_count_classes_are_whole_number_ranges_that_neither_overlap_nor_leave_gaps(values):
    b = mapspec.class_breaks(values)
    labels = mapspec.class_labels(b)
    assert not any("＞" in x or "." in x for x in labels), labels
    covered = [n for x in labels for n in _ints(x)]
    assert covered == list(range(1, int(b[-1]) + 1)), labels  # 1, 2, … the last bound, each once
    for v in values:  # every positive count falls in the class whose label says it
        if v > 0:
            assert v in _ints(labels[mapspec.classify(v, b)])


def test_small_counts_read_as_single_numbers():
    assert mapspec.class_labels(mapspec.class_breaks([1, 1, 2, 2, 3, 3])) == ["1", "2", "3"]
    assert mapspec.class_labels([1.0, 2.0, 5.0, 12.0]) == ["1", "2", "3–5", "6–12"]


def test_rate_classes_keep_their_decimals():
    b = mapspec.class_breaks([0.4, 1.3, 2.2, 7.9, 18.98, 27.29])
    labels = mapspec.class_labels(b, decimals=2)
    assert labels[0].startswith("＞0–") and all("." in x for x in labels)


def stations():
    kinds = ["知识产权工作站", "商标品牌指导站", "维权援助工作站", "专利导航服务站"]
    return pd.DataFrame(
        {"lon": [120.05] * 4, "lat": [32.05] * 4, "tooltip": kinds, "color": [mapspec.station_color(k) for k in kinds]}
    )


def test_the_live_legend_names_every_kind_of_point_drawn():
    s = spec([1, 2], points=[mapspec.PointLayer("知识产权工作站", stations())])
    legend = maps._legend_html(s)  # the legend control's HTML
    assert json.dumps(legend, ensure_ascii=False).replace("</", "<\\/") in html_of(s)  # drawn on the map
    for kind in ["知识产权工作站", "商标品牌指导站", "维权援助工作站", "专利导航服务站"]:
        assert has(legend, kind) and mapspec.station_color(kind) in legend
    assert not has(html_of(spec([1, 2])), maps.t("map.legend_points"))  # no points, no point legend


def test_the_scale_bar_is_metric_only():
    h = html_of(spec([1, 2]))
    assert "imperial: false" in h and "L.control.scale()" not in h


def test_controls_share_one_right_column_that_the_county_is_fitted_beside():
    import re

    h = html_of(
        spec(
            [1, 2],
            schematic=True,
            sample=True,
            as_of="2026-10-31",
            points=[mapspec.PointLayer("知识产权工作站", stations())],
        )
    )
    positions = re.findall(r'position:\s*"(\w+)"', h)
    assert positions and all(p in ("topright", "bottomright") for p in positions), positions
    assert '"position": "topright"' in h or "topright" in h  # the layer switcher
    fit = re.search(
        r'fitBounds\([^;]*?"paddingBottomRight":\s*\[(\d+),\s*(\d+)\][^;]*?"paddingTopLeft":\s*\[(\d+),'
        r"\s*(\d+)\]",
        h,
        re.DOTALL,
    ) or re.search(
        r'fitBounds\([^;]*?"paddingTopLeft":\s*\[(\d+),\s*(\d+)\][^;]*?"paddingBottomRight":\s*\[(\d+),\s*(\d+)\]',
        h,
        re.DOTALL,
    )
    assert fit, "fitBounds with paddings"
    pads = dict(zip(re.findall(r'"(padding\w+)"', fit.group(0)), [fit.group(1, 2), fit.group(3, 4)]))
    right = int(pads["paddingBottomRight"][0])
    # The column (legend, notices, layer switcher, scale bar: all at most COLUMN_PX wide) plus Leaflet's margin.
    assert right >= maps.COLUMN_PX + maps.CONTROL_MARGIN_PX
    assert f"width:{maps.COLUMN_PX}px" in h and f"max-width:{maps.COLUMN_PX}px" in h
    assert int(pads["paddingTopLeft"][0]) >= maps.ZOOM_CONTROL_PX  # clear of the zoom buttons


def test_the_sample_maps_draw_less_is_better_indicators_with_a_calm_zero(demo_fs, demo_layers):
    from txip_geo.present import map_view as views
    from txip_geo.present import meeting as report
    from txip_geo.strings import t

    for ind in sorted(views.MORE_IS_WORSE):
        s = report.indicator_spec(demo_fs, demo_layers, ind)
        zero = s.areas[s.areas["value"] == 0]
        if len(zero):
            st = mapspec.area_style(0, s.breaks, zero_good=s.zero_good, less_is_better=s.less_is_better)
            assert st["fillColor"] == mapspec.ZERO_GOOD_COLOR and st["color"] != "#bd0026", ind
        first = mapspec.spec_legend_entries(s)[0]
        assert first[0] == mapspec.ZERO_GOOD_COLOR and first[1] != t("map.legend_zero"), ind
        assert t("map.legend_less_is_better") in s.extra_lines and t("map.legend_less_is_better").endswith("。")
    assert mapspec.spec_legend_entries(report.indicator_spec(demo_fs, demo_layers, "zero_patent_high_tech"))[0][1] == t(
        "map.legend_zero_no_gap"
    )
    patents = report.indicator_spec(demo_fs, demo_layers, "patents")  # more is better: 0 stays the blank
    assert mapspec.spec_legend_entries(patents)[0] == (mapspec.ZERO_COLOR, t("map.legend_zero"))
    gaps = report.gap_spec(demo_fs, demo_layers)  # fewer gaps is better: warm classes, as the indicators
    assert {c for c, _ in mapspec.spec_legend_entries(gaps)[2:]} <= set(mapspec.WARM_PALETTE)


def test_all_zero_less_is_better_map_has_a_calm_zero_and_one_count_class():
    s = spec([0, 0, 0], less_is_better=True, zero_label="0（无缺口）")
    rows = mapspec.spec_legend_entries(s)
    assert rows == [
        (mapspec.ZERO_GOOD_COLOR, "0（无缺口）"),
        (mapspec.MISSING_COLOR, maps.t("map.legend_missing")),
        (mapspec.WARM_PALETTE[0], "1"),
    ]
    h = html_of(s)
    assert has(h, "0（无缺口）") and "#bd0026" not in h  # no alarm border
    assert f'"fillColor": "{mapspec.ZERO_GOOD_COLOR}"' in h and f'"fillColor": "{mapspec.ZERO_COLOR}"' not in h


def test_a_view_without_the_class_legend_keeps_its_point_legend():
    s = spec([1, 2], points=[mapspec.PointLayer("知识产权工作站", stations())])
    only = json.loads(maps.points_legend_control(s).html_json.replace("<\\/", "</"))
    assert "维权援助工作站" in only and mapspec.station_color("维权援助工作站") in only
    assert "专利总量" not in only and "0（空白）" not in only  # no classes
    assert maps.points_legend_control(spec([1, 2])) is None
