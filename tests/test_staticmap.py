"""Static maps (matplotlib): the CJK font, PNG at print resolution, vector PDF with the font embedded, no tofu."""

import io
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from txip_geo.present import mapspec as maps
from txip_geo.present import meeting as report
from txip_geo.render import exports, fonts, staticmap, staticmap_draw, staticmap_layout
from txip_geo.strings import t


@pytest.fixture(scope="module")
def fs(demo_fs):
    return demo_fs


@pytest.fixture(scope="module")
def layers(demo_layers):
    return demo_layers


@pytest.fixture(scope="module")
def spec(fs, layers):
    return report.indicator_spec(fs, layers, "patents")


def _ink(a: np.ndarray) -> float:
    """Share of pixels that are clearly not white."""
    return float((a[..., :3].min(axis=-1) < 200).mean())


# -- the font -----------------------------------------------------------------------------------------------------------


def test_the_cjk_font_is_free_and_has_the_glyphs():
    f = fonts.find_cjk_font()
    assert f.path.is_file()
    assert not any(bad in f.path.name.lower() for bad in fonts.FORBIDDEN)
    assert fonts.covers(f.path, fonts.PROBE + "样例数据内部资料示意边界" + t("report.source_sample"))
    assert fonts.missing_glyphs(f.path, "泰兴市黄桥镇根思乡") == []


def test_a_font_without_cjk_glyphs_is_refused(monkeypatch):
    from matplotlib import font_manager

    dejavu = font_manager.findfont("DejaVu Sans")
    assert not fonts.covers(dejavu)
    monkeypatch.setenv(fonts.ENV_FONT, dejavu)
    fonts.find_cjk_font.cache_clear()
    try:
        assert fonts.find_cjk_font().path != dejavu  # skipped, the next candidate wins
    finally:
        fonts.find_cjk_font.cache_clear()


def test_every_text_of_the_map_is_set_in_the_cjk_font(spec, fs):
    from matplotlib import font_manager
    from matplotlib.text import Text

    fig = staticmap.figure(spec, title="泰兴市各镇街专利总量", source=report.source_line(fs))
    cjk = [x for x in fig.findobj(Text) if re.search(r"[\u4e00-\u9fff]", x.get_text())]
    assert len(cjk) > 20  # title, labels, legend, notices, source
    for x in cjk:
        path = font_manager.findfont(x.get_fontproperties(), fallback_to_default=False)
        # The family registered by staticmap (a system copy of the same family may be the one picked).
        assert font_manager.FontProperties(fname=str(path)).get_name() == staticmap.font_used().family
        assert fonts.covers(str(path), re.sub(r"\s", "", x.get_text()), getattr(path, "face_index", 0)), x.get_text()


def _title_crop(fig, text_artist) -> np.ndarray:
    fig.canvas.draw()
    bb = text_artist.get_window_extent(fig.canvas.get_renderer())
    img = np.asarray(fig.canvas.buffer_rgba())
    h = img.shape[0]
    return img[int(h - bb.y1) - 2 : int(h - bb.y0) + 2, int(bb.x0) - 2 : int(bb.x1) + 2, :3].astype(int)


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # the tofu reference, on purpose
def test_the_title_is_drawn_as_glyphs_not_boxes(spec):
    """The title region of the real figure, against the same region drawn with a font that has no CJK glyphs
    (every character a box), and against another Chinese title: both must look different."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

    fig = staticmap.figure(spec, title="泰兴市各镇街专利总量")
    title = next(x for x in fig.findobj(Text) if x.get_text() == "泰兴市各镇街专利总量")
    ours = _title_crop(fig, title)
    assert _ink(ours) > 0.05

    title.set_fontproperties(FontProperties(family="DejaVu Sans", size=title.get_fontsize()))
    tofu = _title_crop(fig, title)
    title.set_fontproperties(FontProperties(fname=str(fonts.find_cjk_font().path), size=title.get_fontsize()))
    title.set_text("样例数据内部资料示意边界")
    other = _title_crop(fig, title)

    def differ(a, b):
        w, h = min(a.shape[1], b.shape[1]), min(a.shape[0], b.shape[0])
        return float((np.abs(a[:h, :w] - b[:h, :w]).sum(axis=-1) > 120).mean())

    assert differ(ours, tofu) > 0.05
    assert differ(ours, other) > 0.05


# -- PNG ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def png(fs, layers):
    return exports.map_png(fs, layers, indicator="patents", dpi=300)


def test_png_is_a4_landscape_at_300_dpi_and_not_blank(png):
    im = Image.open(io.BytesIO(png))
    w, h = im.size
    assert abs(w - 3508) <= 3 and abs(h - 2481) <= 3
    assert round(im.info["dpi"][0]) == 300
    a = np.asarray(im.convert("RGB"))
    assert _ink(a) > 0.1  # the map, not an empty page
    colours = {tuple(c) for c in a[::25, ::25].reshape(-1, 3)}
    assert len(colours) > 30
    # The title, top left, in navy: glyph pixels present.
    band = a[: int(h * 0.09), : int(w * 0.35)]
    navy = (band[..., 2] > 80) & (band[..., 0] < 60) & (band[..., 1] < 90)
    assert navy.mean() > 0.02


def test_png_uses_the_web_maps_class_colours(png, spec):
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    px = a[::3, ::3].reshape(-1, 3).astype(np.int64)
    present = {f"#{v:06x}" for v in np.unique((px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2])}
    # The legend swatches are drawn in the exact class colours (opaque) of maps.legend_entries.
    for colour, _ in maps.legend_entries(spec.breaks, spec.unit, spec.decimals):
        assert colour.lower() in present, colour


# -- PDF ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf(fs, layers):
    return exports.map_pdf(fs, layers, indicator="patents")


def test_pdf_is_vector_with_the_font_embedded_as_truetype(pdf):
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf  # TrueType (fonttype 42), embedded
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYi", pdf) or b"/FontFile2" in pdf
    assert b"/Subtype /Image" not in pdf  # vector: no raster map inside


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (Debian poppler-utils) not installed")
def test_pdf_renders_two_a4_pages_with_text(pdf, tmp_path):
    src = tmp_path / "m.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(src), str(tmp_path / "p")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 2  # the indicator map and the gap map
    for p in pages:
        a = np.asarray(Image.open(p).convert("RGB"))
        h, w = a.shape[:2]
        assert abs(w / h - 297 / 210) < 0.02
        assert _ink(a) > 0.1
        band = a[: int(h * 0.09), : int(w * 0.35)]
        assert _ink(band) > 0.02  # the title
    if shutil.which("pdffonts"):
        out = subprocess.run(["pdffonts", str(src)], capture_output=True, text=True, timeout=30).stdout
        assert "WenQuanYi" in out or fonts.find_cjk_font().family.replace(" ", "") in out
        for line in out.splitlines()[2:]:
            assert " yes " in line  # embedded


# -- what every static map says -------------------------------------------------------------------------------------------


def test_markings_scale_bar_and_notices_are_on_the_map(spec, fs):
    from matplotlib.text import Text

    fig = staticmap.figure(spec, title="泰兴市各镇街专利总量", source=report.source_line(fs))
    texts = " ".join(x.get_text() for x in fig.findobj(Text))
    for s in (
        "内部资料",
        "样例数据",
        "示意边界",
        "数据来源：",
        "边界：示意边界（非官方）",
        "数据截至 2026-10-31",
        "公里",
        "北",
        "黄桥镇",
        "根思乡",
        "专利总量（件）",
        t("map.legend_zero"),
        t("map.legend_missing"),
    ):
        assert s in texts, s
    public = staticmap.figure(spec, title="x", internal=False)
    assert "内部资料" not in " ".join(x.get_text() for x in public.findobj(Text))


def test_a_basemap_brings_its_attribution_and_approval_number(spec):
    from matplotlib.text import Text

    fig = staticmap.figure(spec, layout="slide", attribution="天地图", approval_no="GS(2024)0650号")
    texts = " ".join(x.get_text() for x in fig.findobj(Text))
    assert "审图号：GS(2024)0650号" in texts and "天地图" in texts


def test_scale_bar_length_is_round():
    assert staticmap.nice_scale_length(50_000) == 10_000
    assert staticmap.nice_scale_length(12_000) == 2_000
    assert staticmap.nice_scale_length(30_000) == 5_000


# -- where things sit: nothing covers the county, its townships or their names -------------------------------------------


def _display_box(artist, fig):
    from shapely.geometry import box

    r = fig.canvas.get_renderer()
    patch = artist.get_bbox_patch() if hasattr(artist, "get_bbox_patch") and artist.get_bbox_patch() else None
    bb = (patch or artist).get_window_extent(r)
    return box(bb.x0, bb.y0, bb.x1, bb.y1)


def _display_geoms(ax, geoms):
    """Projected (EPSG:4549) geometries in display (pixel) coordinates."""
    import shapely

    return [shapely.transform(g, ax.transData.transform) for g in geoms]


def _by_gid(fig, prefix):
    from matplotlib.offsetbox import AnchoredOffsetbox
    from matplotlib.text import Text

    found = [
        a
        for a in fig.findobj(lambda a: isinstance(a, (Text, AnchoredOffsetbox)))
        if (a.get_gid() or "").startswith(prefix) and a.get_visible() and a.figure is not None
    ]
    return list({id(a): a for a in found}.values())


def _county(spec):
    return staticmap_draw.project(spec.outline).union_all()


@pytest.fixture(scope="module", params=["print", "slide"])
def city_fig(request, fs, layers):
    spec = report.indicator_spec(fs, layers, "invention_patents_valid")
    fig = staticmap.figure(spec, title="x", source=report.source_line(fs), layout=request.param)
    fig.canvas.draw()
    return spec, fig


def test_north_arrow_and_scale_bar_sit_in_the_frame_off_the_county(city_fig):
    spec, fig = city_fig
    ax = fig.axes[0]
    county = _display_geoms(ax, [_county(spec)])[0]
    frame = _display_box(ax, fig).buffer(1)
    for gid in ("northarrow", "scalebar"):
        (a,) = _by_gid(fig, gid)
        b = _display_box(a, fig)
        assert frame.contains(b), gid
        assert not b.intersects(county), gid


def test_every_township_is_named_once_and_no_two_names_overlap(city_fig, fs):
    _, fig = city_fig
    labels = _by_gid(fig, "label:")
    assert sorted(a.get_gid()[6:] for a in labels) == sorted(fs.units["code"])
    boxes = [_display_box(a, fig) for a in labels]
    furniture = [_display_box(a, fig) for g in ("northarrow", "scalebar") for a in _by_gid(fig, g)]
    for i, b in enumerate(boxes):
        for other in boxes[i + 1 :] + furniture:
            assert b.intersection(other).area < 1, labels[i].get_text()


def test_neighbour_names_sit_inside_the_frame_and_off_the_county(city_fig):
    spec, fig = city_fig
    ax = fig.axes[0]
    county = _display_geoms(ax, [_county(spec)])[0]
    frame = _display_box(ax, fig)
    names = _by_gid(fig, "neighbour:")
    assert names  # the sample's frame shows some neighbours
    for a in names:
        b = _display_box(a, fig)
        assert frame.contains(b) and not b.intersects(county), a.get_text()


def test_legend_and_notices_cover_no_township_and_no_name(city_fig):
    spec, fig = city_fig
    ax = fig.axes[0]
    towns = _display_geoms(ax, staticmap_draw.project(spec.areas).geometry)
    names = [_display_box(a, fig) for a in _by_gid(fig, "label:")]
    boxes = [_display_box(lg, fig) for lg in fig.legends]
    boxes += [_display_box(x, fig) for x in fig.texts if x.get_bbox_patch() is not None]  # the notices' badges
    assert len(boxes) >= 3
    for b in boxes:
        assert not any(b.intersects(g) for g in towns) and not any(b.intersects(n) for n in names)


def test_a_locator_map_keeps_its_township_clear_and_cuts_no_name(fs, layers):
    code = fs.units.set_index("name").loc["延令街道", "code"]
    spec = report.unit_spec(fs, layers, code, "patents")
    fig = staticmap.figure(spec, layout="inset", focus=code, neutral=True, internal=False, figsize=(4.0, 5.0))
    fig.canvas.draw()
    ax = fig.axes[0]
    town = _display_geoms(ax, staticmap_draw.project(spec.areas).loc[lambda d: d["code"] == code].geometry)[0]
    frame = _display_box(ax, fig).buffer(1)
    furniture = [_display_box(a, fig) for g in ("northarrow", "scalebar") for a in _by_gid(fig, g)]
    assert len(furniture) == 2 and not any(b.intersects(town) for b in furniture)
    names = _by_gid(fig, "label:") + _by_gid(fig, "neighbour:")
    assert any(a.get_gid() == f"label:{code}" for a in names)
    for a in names:
        b = _display_box(a, fig)
        assert frame.contains(b), a.get_text()
        assert not any(b.intersection(f).area >= 1 for f in furniture), a.get_text()


def test_the_static_legend_names_every_kind_of_point(fs, layers):
    from matplotlib.text import Text

    code = fs.units.set_index("name").loc["济川街道", "code"]
    spec = report.unit_spec(fs, layers, code, "patents")
    fig = staticmap.figure(spec, layout="inset", focus=code, neutral=True, internal=False)
    texts = {x.get_text() for x in fig.findobj(Text)}
    for _colour, label in maps.point_legend(spec.points):
        assert label in texts
    assert len(maps.point_legend(spec.points)) >= 3


def test_a_locator_map_names_its_area_a_township_or_a_park(fs, layers):
    """The deck's and the meeting's locator maps: the outlined area is 本镇街 on a township's slide, 本园区 on a park's."""
    unit, park = fs.units["code"].iloc[0], fs.parks["code"].iloc[0]
    for spec, code, want in (
        (report.unit_spec(fs, layers, unit, "patents"), unit, "本镇街"),
        (report.park_spec(fs, layers, park, "patents"), park, "本园区"),
    ):
        labels = [label for _handle, label in staticmap_layout.legend_handles(spec)]
        assert want in labels and ({"本镇街", "本园区"} - {want}).isdisjoint(labels), (code, labels)


def test_a_less_is_better_map_has_no_alarm_zero_in_its_legend(fs, layers):
    spec = report.indicator_spec(fs, layers, "zero_patent_above_scale")
    zero_handle, zero_label = staticmap_layout.legend_handles(spec)[0]
    assert zero_label == t("map.legend_zero_no_gap")
    assert matplotlib_colors_equal(zero_handle.get_facecolor(), maps.ZERO_GOOD_COLOR)
    assert not matplotlib_colors_equal(zero_handle.get_edgecolor(), "#bd0026")


def matplotlib_colors_equal(a, b) -> bool:
    from matplotlib.colors import to_rgb

    return np.allclose(to_rgb(a), to_rgb(b), atol=0.01)


@pytest.mark.parametrize("n", [1, 3])
def test_a_map_of_one_or_a_few_areas_places_its_furniture_off_them(n):
    import geopandas as gpd
    from shapely.geometry import box

    geoms = [box(120 + i * 0.1, 32, 120.09 + i * 0.1, 32.09) for i in range(n)]
    areas = gpd.GeoDataFrame(
        {"code": [f"U{i}" for i in range(n)], "name": [f"单元{i}" for i in range(n)], "value": [0.0] * n},
        geometry=geoms,
        crs=4326,
    )
    spec = maps.MapSpec(
        areas=areas, label="零专利规上企业", unit="家", breaks=maps.class_breaks([0] * n), less_is_better=True
    )
    fig = staticmap.figure(spec, layout="slide")
    fig.canvas.draw()
    ax = fig.axes[0]
    shapes = _display_geoms(ax, staticmap_draw.project(areas).geometry)
    for gid in ("northarrow", "scalebar"):
        (a,) = _by_gid(fig, gid)
        assert not any(_display_box(a, fig).intersects(g) for g in shapes), gid
    assert len(_by_gid(fig, "label:")) == n
