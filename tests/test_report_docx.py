"""The 自评报告 in Word (render.report_docx): read back with python-docx -- the cover, the goal table against the
comparison's values, repeated header rows and unsplit rows, table widths within the text, an East Asian font on every
Chinese run, no English words, the 样例数据 marking iff sample, degenerate inputs -- and rendered through LibreOffice
to PDF (fonts embedded and with the glyphs of the text, the goal names in the text)."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from tests import docx_standin as si
from txip_geo.render import docx_kit as kit
from txip_geo.render.report_docx import build_report
from txip_geo.strings import t

META = {"city": "泰兴市", "office": "泰兴市市场监督管理局（知识产权局）", "date": "2026-11-20"}
SCHEMATIC = "示意边界：镇街、园区边界为示意，非官方边界"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def build(
    goals=None, tasks=None, maps=None, provenance=None, boundary=SCHEMATIC, *, sample=True, areas=None, series=None
):
    cmp = si.comparison(
        si.small_goals() if goals is None else goals,
        si.small_areas() if areas is None else areas,
        si.small_series() if series is None else series,
        is_sample=sample,
    )
    data = build_report(
        cmp,
        si.tasks() if tasks is None else tasks,
        {} if maps is None else maps,
        si.provenance(sample) if provenance is None else provenance,
        boundary,
        META,
    )
    return Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def doc():
    return build()


def clean(text: str) -> str:
    return text.replace(kit.ZWSP, "")


def body_text(d) -> str:
    """All text of the document: paragraphs, table cells, headers and footers, in order."""
    parts = [p.text for p in d.paragraphs]
    for tb in d.tables:
        parts += [c.text for row in tb.rows for c in row.cells]
    for s in d.sections:
        parts += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
    return clean("\n".join(parts))


def table_after(d, title: str):
    """The table right after its title paragraph ('表3　{title}')."""
    head = re.compile(r"表\d+　" + re.escape(title) + "$")
    seen = False
    for block in d.iter_inner_content():
        if hasattr(block, "text") and head.match(clean(block.text)):
            seen = True
        elif seen and hasattr(block, "rows"):
            return block
    raise AssertionError(f"no table after {title!r}")


def rows(tb) -> list[list[str]]:
    return [[clean(c.text) for c in r.cells] for r in tb.rows]


# -- cover and markings -----------------------------------------------------------------------------------------------
def test_cover_has_title_dates_office_and_sample_banner(doc):
    head = clean("\n".join(p.text for p in doc.paragraphs[:8]))
    assert "泰兴市国家知识产权强县建设试点\n工作自评报告（草稿）" in head
    assert "2023年12月31日" in head and "2026年10月31日" in head
    assert "泰兴市市场监督管理局（知识产权局）" in head and "2026年11月20日" in head
    assert t("report_docx.sample_banner") in head
    assert doc.core_properties.title == "泰兴市国家知识产权强县建设试点工作自评报告（草稿）"
    assert doc.core_properties.author == META["office"]
    assert "python-docx" not in (doc.core_properties.comments + doc.core_properties.author)


def test_sample_marking_iff_sample(doc):
    real = build(sample=False)
    for d, sample in ((doc, True), (real, False)):
        text = body_text(d)
        assert (t("report_docx.sample_banner") in text) is sample
        assert (t("report_docx.sample_header") in text) is sample  # the page header of every body page
        assert ("样例数据" in text) is sample


def test_sections_in_order_as_headings(doc):
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == [t(f"report_docx.s{i}") for i in range(1, 8)]
    assert doc.styles["Heading 1"].element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == "0"


def test_page_numbers_in_the_footer_from_the_body_on(doc):
    body = doc.sections[1]
    instr = "".join(x.text or "" for x in body.footer._element.iter(qn("w:instrText"), qn("w:t")))
    assert "PAGE" in instr and "—" in instr
    assert body._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    assert not "".join(p.text for p in doc.sections[0].footer.paragraphs).strip()  # the cover has none


# -- the goal table ---------------------------------------------------------------------------------------------------
def test_goal_table_rows_equal_the_comparison_formatted(doc):
    tb = table_after(doc, t("report_docx.goals_table_title"))
    got = rows(tb)
    assert got[0] == ["指标", "目标值", "基期\n（2023年底）", "当前", "变化", "完成情况", "计算规则／来源"]
    body = {r[0].split(" ")[0]: r for r in got[1:]}
    assert list(body) == ["G01", "G03", "G05", "G13"]
    assert body["G01"][:6] == ["G01 有效发明专利量（件）", "≥ 3,500", "2,875", "3,612", "+737", "已达成"]
    # 2 decimals for G03 (docs/data-model.md), the derived baseline tagged, progress on its own line
    assert body["G03"][:6] == [
        "G03 万人发明专利拥有量（件/万人）",
        "≥ 29",
        "24.12\n推算",
        "27.46",
        "+3.33",
        "未达成\n进度 94.7%",
    ]
    assert body["G05"][1:6] == ["≥ 660", "无基期数据", "无数据", "—", "无数据"]
    assert body["G13"][1:6] == ["＞ 90", "0\n方案起算", "85.3", "+85.3", "未达成\n进度 94.7%"]
    assert body["G01"][6] == "G01 的计算规则：按记录计算\n来源：按记录计算"


def test_milestone_table_baseline_now_and_evidence(doc):
    got = rows(table_after(doc, t("report_docx.milestones_title")))
    assert got[0] == ["里程碑", "基期\n（2023年底）", "当前", "佐证材料与来源"]
    assert got[1:] == [
        [
            "M01 探索建立企业知识产权联盟",
            "未完成",
            "已完成",
            "由 100 条记录计算；来源文件：m01.csv；截至 2026-10-31\n来源：手工填报",
        ]
    ]


def test_status_cells_are_coloured_by_status(doc):
    def fills(title, col):
        tb = table_after(doc, t(title))
        return {
            r.cells[0].text.split(" ")[0]: r.cells[col]._tc.tcPr.find(qn("w:shd")).get(qn("w:fill"))
            for r in tb.rows[1:]
        }

    f = fills("report_docx.goals_table_title", 5) | fills("report_docx.milestones_title", 2)
    assert f["G01"] == f["M01"] != f["G03"] == f["G13"] != f["G05"]


def test_every_table_repeats_its_header_and_no_row_splits(doc):
    assert len(doc.tables) >= 6
    for tb in doc.tables:
        trs = tb._tbl.findall(qn("w:tr"))
        assert trs[0].trPr.find(qn("w:tblHeader")) is not None
        assert all(tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in trs)
        assert all(tr.trPr.find(qn("w:tblHeader")) is None for tr in trs[1:])


def _section_widths(d) -> list[tuple[object, float]]:
    """(table, text width in twips of the section it is in), for every table of the body."""
    out, pending = [], []
    for el in d.element.body.iterchildren():
        if el.tag == qn("w:tbl"):
            pending.append(el)
            continue
        sect = el if el.tag == qn("w:sectPr") else el.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        if sect is None:
            continue
        width = int(sect.find(qn("w:pgSz")).get(qn("w:w")))
        mar = sect.find(qn("w:pgMar"))
        text = width - int(mar.get(qn("w:left"))) - int(mar.get(qn("w:right")))
        out += [(tbl, text) for tbl in pending]
        pending = []
    assert not pending
    return out


def test_no_table_is_wider_than_the_text(doc):
    pairs = _section_widths(doc)
    assert len(pairs) == len(doc.tables)
    for tbl, text in pairs:
        grid = sum(int(g.get(qn("w:w"))) for g in tbl.tblGrid.findall(qn("w:gridCol")))
        assert grid <= text, f"table of {grid} twips in a text of {text}"
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    landscape = [s for s in doc.sections if s.page_width > s.page_height]  # the goal table's section, and only that one
    assert len(landscape) == 1


def test_a_table_too_wide_is_refused():
    d = kit.new_document(title="x", author="y")
    with pytest.raises(ValueError, match="wider than the text"):
        kit.table(d, ["a", "b"], [["1", "2"]], [100, 60])


# -- fonts and words --------------------------------------------------------------------------------------------------
def _runs(d):
    parts = [d.element.body]
    for s in d.sections:
        parts += [s.header._element, s.footer._element]
    for part in parts:
        yield from part.iter(qn("w:r"))


def test_every_chinese_run_names_an_east_asian_font(doc):
    n = 0
    for r in _runs(doc):
        text = "".join(x.text or "" for x in r.iter(qn("w:t")))
        if not CJK.search(text):
            continue
        n += 1
        fonts = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert fonts is not None and fonts.get(qn("w:eastAsia")) in kit.FONT_TABLE, text
        assert fonts.get(qn("w:hint")) == "eastAsia", text
    assert n > 100


def test_styles_name_chinese_fonts_and_language_without_theme_fonts(doc):
    styles = doc.styles.element
    for rfonts in styles.iter(qn("w:rFonts")):
        assert rfonts.get(qn("w:eastAsiaTheme")) is None or rfonts.getparent().getparent().get(qn("w:styleId")) not in {
            "Normal",
            "Heading1",
            "Heading2",
            "Title",
            "BodyText",
        }
    for sid, font in (("Normal", "仿宋"), ("Heading1", "黑体"), ("Heading2", "楷体"), ("BodyText", "宋体")):
        st = next(s for s in doc.styles if s.style_id == sid)
        rf = st.element.rPr.find(qn("w:rFonts"))
        assert rf.get(qn("w:eastAsia")) == font and rf.get(qn("w:eastAsiaTheme")) is None
    default = styles.find(qn("w:docDefaults")).find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert default.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert default.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    table = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml").blob.decode()
    for name, (alt, _, _) in kit.FONT_TABLE.items():
        assert f'w:name="{name}"' in table and f'w:val="{alt}"' in table


ALLOWED_WORDS = {"PCT", "N", "km"}
FILE_NAME = re.compile(r"[\w\-（）()]+\.(?:csv|xlsx?|pdf|docx?|zip|png|jpe?g)", re.I)
CODE = re.compile(r"\b[GM]\d{2}\b")


def english_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]+", CODE.sub("", FILE_NAME.sub("", text)))) - ALLOWED_WORDS


def test_no_english_words_in_the_document(doc):
    assert english_words(body_text(doc)) == set()
    assert english_words("a Sample 表") == {"a", "Sample"}  # the check itself finds words


# -- the other sections -----------------------------------------------------------------------------------------------
def test_area_tables_baseline_current_change_and_rank(doc):
    tb = table_after(doc, "各镇街有效发明专利（件）")
    got = rows(tb)
    assert got[0] == ["镇街", "基期\n（2023年底）", "当前", "变化", "排名\n（基期→当前）"]
    assert got[1:] == [
        ["济川街道", "300", "420", "+120", "2→1"],
        ["黄桥镇", "350", "330", "-20", "1→2"],
        ["分界镇", "无基期数据", "12", "—", "—→3"],
    ]
    assert rows(table_after(doc, "各园区有效发明专利（件）"))[1] == ["泰兴经济开发区", "100", "150", "+50", "1→1"]


def test_series_marks_derived_values(doc):
    got = rows(table_after(doc, t("report_docx.series_title")))
    assert got[0] == ["指标", "2023年", "2024年", "2025年", "2026年"]
    assert got[1] == ["G01 有效发明专利量（件）", "2,875*", "3,100", "3,400", "3,612"]
    assert t("report_docx.derived_note") in body_text(doc)


def test_tasks_overview_and_evidence(doc):
    got = rows(table_after(doc, t("report_docx.tasks_title")))
    assert len(got) == 14
    assert got[1] == [
        "1",
        "加强知识产权发展顶层设计（三级网络）",
        "市场监管局（知识产权局）",
        "已完成",
        "2026-10-20",
        "2 件",
    ]
    assert got[3][3:] == ["未启动", "", "0 件"]
    text = body_text(doc)
    assert "1．任务1佐证（样例）.pdf" in text and "2．会议纪要（样例）.docx" in text
    assert "推进情况：（样例）已召开专题推进会 2 次，印发工作方案。" in text


def test_provenance_table_and_notes(doc):
    got = rows(table_after(doc, t("report_docx.files_title")))
    assert got[1] == ["专利", "patents_2023.csv", "2023-12-31", "12,000", "样例数据"]
    assert got[2] == ["专利", "patents.csv", "2026-10-31", "17,279", "样例数据"]
    text = body_text(doc)
    assert "G03 万人发明专利拥有量：基期为推算值。由发明专利的申请日和授权日推算" in text
    assert "无基期数据" in text and "G05 万企有效注册商标数" in text
    assert f"{SCHEMATIC}。地图中的镇街" in text
    basis = rows(table_after(doc, t("report_docx.basis_title")))
    assert basis[1] == ["G01 有效发明专利量（件）", "由 100 条记录计算；来源文件：g01.csv；截至 2026-10-31"]


def test_problems_are_the_unmet_goals_and_open_tasks(doc):
    text = body_text(doc)
    assert "G03 万人发明专利拥有量：当前 27.46件/万人，目标 ≥ 29件/万人，尚差 1.54件/万人。" in text
    assert "G13 知识产权案件行政查处率：当前 85.3%，目标 ＞ 90%，尚差 4.7 个百分点。" in text
    assert "G05 万企有效注册商标数：当前无数据（" in text
    assert "G01 有效发明专利量：当前" not in text  # met
    assert "8 项重点任务尚未完成：任务2（推进中）、任务3（未启动）" in text
    assert "市场监管局（知识产权局）：推动 G03、G13 达到目标；报送 G05 的数据；完成任务 " in text


# -- degenerate inputs ------------------------------------------------------------------------------------------------
def test_no_tasks_lists_the_plans_tasks():
    d = build(tasks=pd.DataFrame(columns=si.TASK_COLUMNS))
    text = body_text(d)
    assert t("report_docx.no_tasks", n=13) in text
    assert "13．任务13　加强知识产权人才培育（牵头单位：市场监管局（知识产权局））" in text
    assert t("report_docx.issue_no_task_register") in text
    with pytest.raises(AssertionError):
        table_after(d, t("report_docx.tasks_title"))


def test_task_register_with_blank_cells():
    tasks = si.tasks(2)
    tasks["lead"] = [None, float("nan")]
    tasks["updated_at"] = [pd.NaT, None]
    tasks["progress"] = [float("nan"), None]
    tasks["evidence"] = [None, float("nan")]
    d = build(tasks=tasks)
    got = rows(table_after(d, t("report_docx.tasks_title")))
    assert [r[2] for r in got[1:]] == ["", ""] and [r[4] for r in got[1:]] == ["", ""]
    assert [r[5] for r in got[1:]] == ["0 件", "0 件"]
    text = body_text(d)
    assert "nan" not in text.lower() and "NaT" not in text and "None" not in text
    assert text.count(t("report_docx.task_no_progress")) == 2


def test_no_maps_says_so_and_maps_become_figures():
    text = body_text(build(maps={}))
    assert t("report_docx.no_maps") in text
    png = _png()
    d = build(maps={"各镇街有效发明专利": png, "三级网络缺口分布": png})
    assert len(d.inline_shapes) == 2
    assert "图1　各镇街有效发明专利" in body_text(d) and "图2　三级网络缺口分布" in body_text(d)
    for shape in d.inline_shapes:
        assert shape.width <= kit.Mm(kit.TEXT_W) + 1


def test_all_baselines_missing_read_no_baseline_data():
    g = si.small_goals()
    g["baseline"], g["change"], g["baseline_method"] = None, None, "none"
    d = build(goals=g)
    got = rows(table_after(d, t("report_docx.goals_table_title")))
    assert [r[2] for r in got[1:]] == ["无基期数据"] * 4
    assert [r[4] for r in got[1:]] == ["—"] * 4
    assert rows(table_after(d, t("report_docx.milestones_title")))[1][1] == "无基期数据"
    text = body_text(d)
    assert "以下指标无基期数据（2023年12月31日 当日或之前没有可用的数据" in text
    assert "G01 有效发明专利量、G03 万人发明专利拥有量、G05 万企有效注册商标数" in text
    assert "0" not in "".join(r[2] for r in got[1:])  # never a silent zero


def test_empty_areas_series_and_imports():
    d = build(
        areas=pd.DataFrame(columns=si.AREA_COLUMNS),
        series=pd.DataFrame(columns=["goal_id", "year", "value", "method"]),
        provenance=pd.DataFrame(columns=["kind_label", "file_name", "as_of", "rows", "is_sample"]),
        boundary=None,
        sample=False,
    )
    text = body_text(d)
    assert t("report_docx.no_areas") in text and t("report_docx.no_files") in text
    assert t("report_docx.notice_boundary_official") in text
    assert t("report_docx.s2_series") not in text
    assert english_words(text) == set()


def test_only_parks_missing():
    areas = si.small_areas()
    d = build(areas=areas[areas["layer"] == "units"])
    assert t("report_docx.no_parks") in body_text(d)


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 220, 240)).save(buf, format="PNG")
    return buf.getvalue()


# -- rendered through LibreOffice -------------------------------------------------------------------------------------
def _renderer():
    path = Path(__file__).resolve().parents[1] / "scripts" / "render_report.py"
    spec = importlib.util.spec_from_file_location("render_report", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _font_file(pdf_font_name: str) -> str | None:
    """The file fontconfig gives for a font of the PDF ('BAAAAA+WenQuanYiMicroHei': fontconfig ignores blanks)."""
    family = pdf_font_name.split("+", 1)[-1].split(",")[0]
    for style in ("-Bold", "-Regular", "Bold", "Regular"):
        family = family.removesuffix(style)
    out = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True)
    return out.stdout.strip() or None


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")
def test_renders_through_libreoffice_with_embedded_cjk_fonts(tmp_path, demo_fs):
    """The sample's report (then = now: every change 0) through LibreOffice: a plausible number of pages, every font
    embedded, the Chinese text set in a font that has all its glyphs, the goal names in the PDF's text."""
    from txip_geo.render.fonts import missing_glyphs

    render = _renderer()
    cmp = si.comparison_from(demo_fs, demo_fs, "2023-12-31", demo_fs.as_of or "2026-10-31")
    docx_path = tmp_path / "自评报告.docx"
    docx_path.write_bytes(
        build_report(cmp, si.tasks(), {"示意图": _png()}, si.provenance(), demo_fs.schematic_notice, META)
    )
    pdf = render.to_pdf(docx_path, tmp_path)
    pages = render.page_count(pdf)
    assert 15 <= pages <= 45, pages

    fonts = render.pdf_fonts(pdf)
    assert fonts and all(f["embedded"] for f in fonts), fonts
    text = render.pdf_text(pdf)
    chinese = "".join(sorted(set(CJK.findall(text))))
    assert len(chinese) > 300
    cjk_fonts = [f for f in fonts if re.search(r"WenQuanYi|Noto.*CJK|SourceHan|Droid|NotoSansSC", f["name"], re.I)]
    assert cjk_fonts, fonts
    for f in cjk_fonts:  # the font LibreOffice set the Chinese in has every glyph of it: no boxes
        path = _font_file(f["name"])
        assert path and not missing_glyphs(path, chinese), (f["name"], path)

    flat = re.sub(r"\s+", "", text)
    for name in cmp.goals["name"]:
        assert re.sub(r"\s+", "", name) in flat, name
    assert "样例数据" in flat and "—1—" in flat  # the marking and a page number

    pngs = render.to_png(pdf, tmp_path, dpi=20)
    assert len(pngs) == pages
