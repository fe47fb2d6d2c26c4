"""The map of a change (基期 → 当前): diverging classes and colours, the legend's words, the web and static maps, the
panel's figures then and now (present.mapspec ChangeScale, present.change_view), on made-up values and the sample."""

import re

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from txip_geo.figures.baseline import compare
from txip_geo.figures.compute import Settings
from txip_geo.present import change_view, map_view, mapspec
from txip_geo.render import folium_map as maps
from txip_geo.render.offline import localise_map
from txip_geo.store.database import Store

BLUES, REDS = set(mapspec.BETTER_PALETTE), set(mapspec.WORSE_PALETTE)
HQ = "321283100"  # 黄桥镇


def scale(values, less=False, decimals=0, missing="无基期数据"):
    return mapspec.change_scale(values, decimals=decimals, less_is_better=less, missing_label=missing)


def change_spec(changes, less=False, baselines=None):
    n = len(changes)
    baselines = baselines if baselines is not None else [None if c is None else 10.0 for c in changes]
    areas = gpd.GeoDataFrame(
        {
            "code": [f"U{i}" for i in range(n)],
            "name": [f"单元{i}" for i in range(n)],
            "value": changes,
            "baseline": baselines,
            "current": [None if c is None or b is None else b + c for c, b in zip(changes, baselines)],
        },
        geometry=[box(120 + i * 0.1, 32, 120.09 + i * 0.1, 32.09) for i in range(n)],
        crs=4326,
    )
    return mapspec.MapSpec(
        areas=areas,
        label="专利总量变化",
        unit="件",
        breaks=scale(changes, less),
        as_of="2026-10-31",
        baseline="2023-12-31",
        zero_good=True,
    )


# -- classes and colours --------------------------------------------------------------------------------------------


def test_a_change_of_zero_is_neutral_grey_and_apart_from_no_baseline_and_every_class():
    sc = scale([-5, 0, 3, 40, None])
    assert mapspec.change_class(0, sc) == "zero" and mapspec.change_color("zero", sc) == mapspec.NO_CHANGE_COLOR
    assert mapspec.change_class(None, sc) == "missing" and mapspec.change_class(np.nan, sc) == "missing"
    zero, none = mapspec.area_style(0, sc), mapspec.area_style(None, sc)
    assert zero["fillColor"] == mapspec.NO_CHANGE_COLOR and "dashArray" not in zero
    assert none["fillColor"] == mapspec.MISSING_COLOR != mapspec.NO_CHANGE_COLOR and "dashArray" in none
    class_colours = {c for c, _ in mapspec.change_legend_entries(sc)[:-1]} - {mapspec.NO_CHANGE_COLOR}
    assert mapspec.NO_CHANGE_COLOR not in class_colours and mapspec.MISSING_COLOR not in class_colours
    assert zero["color"] != "#bd0026"  # no alarm border: a change of 0 is not a gap


def test_classes_are_symmetric_around_zero():
    sc = scale([-300, -2, 1, 7, 25, 150, 900])
    n = len(sc.bounds)
    for b in sc.bounds:
        assert mapspec.change_class(b, sc) == -mapspec.change_class(-b, sc) > 0
    entries = mapspec.change_legend_entries(sc)
    ups = [lbl for _, lbl in entries if lbl.startswith("增加")]
    downs = [lbl for _, lbl in entries if lbl.startswith("减少")]
    assert len(ups) == len(downs) == n
    assert [u.replace("增加", "") for u in reversed(ups)] == [
        d.replace("减少", "").replace("变差", "向好") for d in downs
    ]
    # The same size of change, up or down, is the same depth of its hue.
    for i in range(1, n + 1):
        assert mapspec.BETTER_PALETTE.index(mapspec.change_color(i, sc)) == mapspec.WORSE_PALETTE.index(
            mapspec.change_color(-i, sc)
        )


@pytest.mark.parametrize("values", [[1, 2, 3, -4, 9, 15, 37, -120], [-1, 1], [2, 2, 2], [-7, 0, 5, 5, 11, 480]])
def test_count_classes_are_whole_number_ranges_with_no_gap_or_overlap(values):
    sc = scale(values)
    assert all(float(b).is_integer() for b in sc.bounds)
    ranges = mapspec.class_labels(list(sc.bounds), 0)
    for v in range(1, int(max(abs(x) for x in values)) + 1):
        for sign in (1, -1):
            cls = mapspec.change_class(sign * v, sc)
            lo, _, hi = ranges[abs(cls) - 1].replace(",", "").partition("–")
            assert int(lo) <= v <= int(hi or lo), (v, ranges)


def test_more_is_better_increase_blue_decrease_red_and_less_is_better_flips():
    more, less = scale([-3, 5], less=False), scale([-3, 5], less=True)
    assert mapspec.change_color(mapspec.change_class(5, more), more) in BLUES
    assert mapspec.change_color(mapspec.change_class(-3, more), more) in REDS
    assert mapspec.change_color(mapspec.change_class(5, less), less) in REDS  # more cases: worse
    assert mapspec.change_color(mapspec.change_class(-3, less), less) in BLUES  # fewer: better
    words = dict((lbl.split(" ")[0], lbl) for _, lbl in mapspec.change_legend_entries(less) if " " in lbl)
    assert words["减少"].endswith("（向好）") and words["增加"].endswith("（变差）")
    words = dict((lbl.split(" ")[0], lbl) for _, lbl in mapspec.change_legend_entries(more) if " " in lbl)
    assert words["增加"].endswith("（向好）") and words["减少"].endswith("（变差）")


def test_legend_reads_increase_no_change_decrease_and_no_baseline_in_words():
    entries = mapspec.change_legend_entries(scale([-12, -1, 0, 2, 6, 30]))
    labels = [lbl for _, lbl in entries]
    zero = labels.index("无变化")
    assert all(lbl.startswith("增加") and lbl.endswith("（向好）") for lbl in labels[:zero])
    assert all(lbl.startswith("减少") and lbl.endswith("（变差）") for lbl in labels[zero + 1 : -1])
    assert labels[-1] == "无基期数据" and entries[-1][0] == mapspec.MISSING_COLOR
    assert entries[zero][0] == mapspec.NO_CHANGE_COLOR
    # largest increase first, largest decrease last
    assert labels[0] == "增加 " + mapspec.class_labels(list(scale([-12, -1, 0, 2, 6, 30]).bounds))[-1] + "（向好）"


def test_legend_lists_only_the_directions_that_occur():
    ups_only = scale([0, 2, 6, 30, None])
    labels = [lbl for _, lbl in mapspec.change_legend_entries(ups_only)]
    assert not any(lbl.startswith("减少") for lbl in labels)
    assert sum(lbl.startswith("增加") for lbl in labels) == len(ups_only.bounds)
    downs_only = scale([-4, -1], less=True)
    labels = [lbl for _, lbl in mapspec.change_legend_entries(downs_only)]
    assert not any(lbl.startswith("增加") for lbl in labels)
    assert labels[-2:] == ["减少 " + mapspec.class_labels(list(downs_only.bounds))[-1] + "（向好）", "无基期数据"]


def test_rate_changes_keep_decimals_and_read_in_points():
    sc = scale([-0.4, 1.25, 6.3], decimals=2)
    labels = [lbl for _, lbl in mapspec.change_legend_entries(sc)]
    assert labels[0].startswith("增加 ") and re.search(r"\d\.\d\d（向好）$", labels[0])
    assert mapspec.change_class(-0.4, sc) == -1 and mapspec.change_class(6.3, sc) == len(sc.bounds)
    assert mapspec.format_change(13.9, "%") == "+13.9 个百分点"
    assert mapspec.format_change(-14.6, "%") == "-14.6 个百分点"
    assert mapspec.format_change(1.5, "件/万人", 2) == "+1.50 件/万人"
    assert mapspec.format_change(1020, "件") == "+1,020 件" and mapspec.format_change(-3, "件") == "-3 件"
    assert mapspec.format_change(0, "件") == "0 件"
    assert mapspec.format_change(None, "件", missing="无基期数据") == "无基期数据"


def test_degenerate_changes_all_zero_or_none_known():
    zeros = scale([0, 0, 0])
    assert zeros.bounds == (1.0,) and all(mapspec.change_class(0, zeros) == "zero" for _ in range(3))
    labels = [lbl for _, lbl in mapspec.change_legend_entries(zeros)]
    assert labels == ["无变化", "无基期数据"]  # no area changed: no class of change to read
    nothing = scale([None, None])
    assert all(mapspec.change_class(v, nothing) == "missing" for v in (None, np.nan))


# -- the maps ---------------------------------------------------------------------------------------------------


def test_web_map_colours_title_tooltips_and_hatches_no_baseline():
    spec = change_spec([-4, 0, 7, None])
    h = maps.render_html(localise_map(maps.build_map(spec)))
    fills = re.findall(r'"fillColor": "([^"]+)"', h)
    assert mapspec.NO_CHANGE_COLOR in fills
    assert any(f.startswith(f"url(#{maps.HATCH_ID})") for f in fills)  # no baseline: hatched
    assert sum(f == mapspec.NO_CHANGE_COLOR for f in fills) == 1  # only the 0, never the missing one
    assert "基期 2023-12-31 → 2026-10-31" in h or "\\u57fa\\u671f 2023-12-31" in h
    assert "+7 件（基期 10 件 → 当前 17 件）" in h or "+7 \\u4ef6" in h
    for word in ("增加", "减少", "无变化", "无基期数据", "向好", "变差"):
        assert word in h, word


def test_current_value_legend_and_tooltips_are_unchanged_by_the_change_view():
    """A spec with plain breaks reads as before (no hatch, the plain title)."""
    a = change_spec([1, 2]).areas
    plain = mapspec.MapSpec(areas=a, label="专利总量", unit="件", breaks=mapspec.class_breaks([1, 2]))
    h = maps.render_html(maps.build_map(plain))
    assert maps.HATCH_ID not in h and "基期" not in h
    assert mapspec.spec_legend_title(plain) == "专利总量（件）"
    assert mapspec.area_texts(plain) == (["1 件", "2 件"], ["1 件", "2 件"])


def test_static_map_reads_the_change_classes_from_the_spec():
    from txip_geo.render import staticmap, staticmap_layout

    spec = change_spec([-4, 0, 7, None])
    handles = staticmap_layout.legend_handles(spec)
    labels = [lbl for _, lbl in handles]
    assert labels[: len(mapspec.spec_legend_entries(spec))] == [lbl for _, lbl in mapspec.spec_legend_entries(spec)]
    hatched = [lbl for h, lbl in handles if getattr(h, "get_hatch", lambda: None)()]
    assert hatched == ["无基期数据"]
    png = staticmap.render(spec, title="变化", source="来源", fmt="png", dpi=40)
    assert png[:4] == b"\x89PNG"


# -- the sample: the change view's numbers are the comparison's -------------------------------------------------------


@pytest.fixture(scope="module")
def comp(demo_db):
    # Before the sample's own baseline snapshot (2023-12-31): the stock kinds are wound back from it (推算), the kinds
    # without dates (enterprises, network, service organisations) have no baseline (无基期数据).
    return compare(Store(demo_db), Settings(), "2022-12-31", series=False)


def test_change_map_values_are_current_minus_baseline(comp, demo_db):
    s = Store(demo_db)
    spec = map_view.map_spec(comp.now, comp.now, s.layer("townships"), view="units", indicator="patents")
    ch = change_view.change_map_spec(comp, spec, view="units", indicator="patents")
    a = comp.areas[(comp.areas["layer"] == "units") & (comp.areas["metric"] == "patents")].set_index("code")
    got = ch.areas.set_index("code")
    assert len(got) == 17
    for code, r in a.iterrows():
        assert got.at[code, "value"] == pytest.approx(r["current"] - r["baseline"])
    assert isinstance(ch.breaks, mapspec.ChangeScale) and ch.baseline == comp.baseline and ch.as_of == comp.current
    assert any("推算" in x for x in ch.extra_lines)  # the sample's patents are wound back from a later snapshot
    assert mapspec.spec_legend_title(ch) == f"专利总量变化（件）：基期 {comp.baseline} → {comp.current}"


def test_an_indicator_without_baseline_is_all_no_baseline_never_zero(comp, demo_db):
    """The sample's enterprises have no snapshot at the baseline and no dates: 零专利规上企业 has no change."""
    s = Store(demo_db)
    ind = "zero_patent_above_scale"
    assert change_view.metric_method(comp, ind) == "none"
    spec = map_view.map_spec(comp.now, comp.now, s.layer("townships"), view="units", indicator=ind)
    ch = change_view.change_map_spec(comp, spec, view="units", indicator=ind)
    assert all(mapspec.classify(v, ch.breaks) == "missing" for v in ch.areas["value"])
    assert {mapspec.area_style(v, ch.breaks)["fillColor"] for v in ch.areas["value"]} == {mapspec.MISSING_COLOR}
    assert mapspec.spec_legend_entries(ch)[-1][1] == "无基期数据"
    assert any("无基期数据" in x for x in ch.extra_lines) and any("越少越好" in x for x in ch.extra_lines)
    tips, labels = mapspec.area_texts(ch)
    assert set(labels) == {"无基期数据"} and set(tips) == {"无基期数据"}
    ranking = change_view.change_ranking(comp, "units", ind)  # the city panel's list: no change, not 0
    assert set(ranking["基期"]) == {"—"} and set(ranking["变化"]) == {"—"} and "0 家" not in set(ranking["变化"])


def test_panel_figures_then_now_change_and_ranks(comp):
    df = change_view.area_changes(comp, HQ).set_index("指标")
    assert list(df.columns) == ["基期", "当前", "变化", "排名", "基期说明"]
    row = df.loc["专利总量（件）"]  # the unit in the label, the numbers alone
    a = comp.areas.set_index(["code", "metric"]).loc[(HQ, "patents")]
    assert row["基期"] == f"{int(a['baseline']):,}" and row["当前"] == f"{int(a['current']):,}"
    assert row["变化"] == f"{int(a['current'] - a['baseline']):+,}"
    assert row["排名"] == f"第{int(a['rank_then'])} → 第{int(a['rank_now'])}"
    assert row["基期说明"] == "推算"
    ent = df.loc["规上工业企业（家）"]  # no baseline: said, never 0
    assert (
        ent["基期"] == "—"
        and ent["变化"] == "—"
        and ent["基期说明"] == "无基期数据"
        and ent["排名"].startswith("— → 第")
    )
    cum = df.loc["行政查处案件（件）"]
    assert cum["基期说明"] == "累计起点" and cum["排名"].startswith("— →")  # 0 everywhere then: no order
    rate = df.loc["行政查处率（%）"]
    assert rate["基期说明"] == "基期年度"
    # The baseline year's rate: no case of that year in the township → no rate then, no change (never 0).
    assert rate["变化"].endswith("个百分点") if rate["基期"] != "—" else rate["变化"] == "—"


def test_ranking_by_change_best_first(comp):
    r = change_view.change_ranking(comp, "units", "patents")
    changes = [int(v.replace(",", "").replace(" 件", "")) for v in r["变化"]]
    assert changes == sorted(changes, reverse=True) and len(r) == 17
    less = change_view.change_ranking(comp, "units", "cases")  # fewer cases is better: the largest fall first
    vals = [int(v.replace(",", "").replace(" 件", "")) for v in less["变化"]]
    assert vals == sorted(vals)


def test_the_citys_change_is_the_comparisons_in_the_panel_and_beside_the_slide(comp):
    """The city's figure then → now: change_view's panel and the 联席会议 slide's text read figures.baseline's
    city_change (a cumulative figure from 0, a rate's baseline year, no baseline said as such, never 0)."""
    from txip_geo.figures.baseline import city_change
    from txip_geo.present import baseline_view
    from txip_geo.present.formatting import fmt_change, fmt_number

    for ind in ("patents", "invention_per_10k", "cases", "enforcement_rate", "zero_patent_above_scale"):
        then, now, change = city_change(comp, ind)
        d = change_view.city_change(comp, ind)
        assert d["value"] == change, ind
        method = change_view.metric_method(comp, ind)
        if method == "none":
            assert then is None and change is None and d["baseline"] == d["change"] == "无基期数据"
        elif method == "plan_start":
            assert then == 0.0 and change == now
    then, now, change = city_change(comp, "patents")  # wound back: a figure then, the difference
    assert change_view.metric_method(comp, "patents") == "derived" and change == round(now - then, 2)
    assert change_view.city_change(comp, "patents")["change"] == mapspec.format_change(change, "件")
    then, now, change = city_change(comp, "invention_patents_valid")
    panel = baseline_view.change_panel(comp, "invention_patents_valid")
    assert ("head", f"{fmt_number(then)} → {fmt_number(now)}") in panel
    assert ("head", f"变化 {fmt_change(change)}") in panel


def test_the_slide_picture_fits_its_legend_title_and_notes(comp, demo_db):
    """The deck's change map (slide layout): the legend's title with both dates broken at its natural breaks, and
    the legend and every note (how the baseline was read) inside the picture."""
    from txip_geo.present.meeting import Layers, indicator_spec
    from txip_geo.render import staticmap

    ind = "invention_patents_valid"
    layers = Layers.from_store(Store(demo_db))
    spec = change_view.change_map_spec(comp, indicator_spec(comp.now, layers, ind), view="units", indicator=ind)
    fig = staticmap.figure(spec, layout="slide", internal=False)
    r = fig.canvas.get_renderer()
    frame = fig.bbox
    lg = fig.legends[0]
    title = lg.get_title().get_text()
    lines = title.split("\n")  # broken after the colon and at spaces only (where depends on the type's size)
    assert len(lines) >= 2 and lines[0] == "有效发明专利变化（件）："
    assert " ".join(lines[1:]) == f"基期 {comp.baseline} → {comp.current}" and not lines[-1].endswith("→")
    texts = [x for x in fig.texts if x.get_text()]
    for artist in [lg, *texts]:
        box = artist.get_window_extent(r)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 + 1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, artist
    shown = {re.sub(r"\s", "", x.get_text()): x.get_text() for x in texts}  # a line may break at a space
    for note in spec.extra_lines:  # each note whole, wrapped without breaking a date or a number
        lines = shown[re.sub(r"\s", "", note)]
        assert all(any(run in line for line in lines.split("\n")) for run in re.findall(r"[!-~]+", note)), lines
    assert any("推算" in n for n in spec.extra_lines)  # before the sample's baseline snapshot: wound back


def test_notes_wrap_without_breaking_a_date_or_a_number():
    from txip_geo.render.staticmap_layout import _wrap

    note = "基期值为推算：由 2023-12-31 的数据按记录日期推算至 2022-12-31，3668 件未计入"
    for width in (8, 11, 14):
        lines = _wrap(note, width).split("\n")
        assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", note)
        assert all(any(run in line for line in lines) for run in ("2023-12-31", "2022-12-31", "3668")), lines
        assert not any(line[0] in "，。：）" for line in lines)
