"""Word (.docx) plumbing for the reports (python-docx): an A4 document set up as Chinese government documents are
(GB/T 9704: 仿宋 body, 黑体 and 楷体 headings, 宋体 tables; margins 37/35/28/26 mm), Chinese fonts named on every
style AND every run (w:eastAsia, with the 'eastAsia' hint), tables of fixed width whose header row repeats on every
page and whose rows do not split, page numbers and a table-of-contents field.

Fonts are named, never shipped (a .docx does not need to embed them): Word and WPS on a Chinese system have 仿宋, 黑体,
楷体 and 宋体; the font table gives their English names (FangSong, SimHei, KaiTi, SimSun) for a system that knows them
so, and the language (zh-CN) tells LibreOffice to substitute a font WITH Chinese glyphs where they are missing (on
Debian: WenQuanYi Micro Hei, the app's bundled font; scripts/render_report.py adds it for the conversion).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

from txip_geo.paths import DATA_DIR

LATIN = "Times New Roman"
# The fonts Chinese government documents use, their names as Word writes them (data/docx_fonts.toml).
_FONTS = tomllib.loads((DATA_DIR / "docx_fonts.toml").read_text(encoding="utf-8"))
BODY, HEADING, HEADING2, TABLE, TITLE = (_FONTS["roles"][k] for k in ("body", "heading", "heading2", "table", "title"))
# The Chinese fonts the document names: font-table name -> (English name, PANOSE, family) as Word writes them.
FONT_TABLE = {f["name"]: (f["english"], f["panose"], f["family"]) for f in _FONTS["fonts"]}
LANG = "zh-CN"

# A4 portrait, GB/T 9704 margins (mm): the text area is 156 × 225 mm.
PAGE_W, PAGE_H = 210.0, 297.0
MARGINS = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
TEXT_W = PAGE_W - MARGINS["left"] - MARGINS["right"]

BODY_PT, TABLE_PT = 16, 10.5  # 三号, 五号
CELL_MARGIN_MM = 1.2
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _tags(names: str) -> tuple[str, ...]:
    """'cols docGrid' -> ('w:cols', 'w:docGrid'): element names in schema order."""
    return tuple(f"w:{n}" for n in names.split())


def dxa(mm: float) -> int:
    """Millimetres in twentieths of a point (Word's table unit)."""
    return round(mm / 25.4 * 1440)


def _fonts(rpr, east_asian: str, latin: str = LATIN, hint: bool = False) -> None:
    """Name the fonts of an rPr for every script; theme fonts (which win over names) removed."""
    rf = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rf.attrib.pop(qn(attr), None)
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian), ("w:cs", latin)):
        rf.set(qn(attr), name)
    if hint:
        rf.set(qn("w:hint"), "eastAsia")


def _lang(rpr) -> None:
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = rpr.makeelement(qn("w:lang"), {})
        rpr.insert_element_before(el, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    el.set(qn("w:val"), "en-US")
    el.set(qn("w:eastAsia"), LANG)


def _indent_chars(ppr, chars: int, pt: float) -> None:
    """First-line indent of `chars` characters (w:firstLineChars, with the twips for readers that ignore it)."""
    ind = ppr.get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(round(chars * pt * 20)))


@dataclass
class Style:
    name: str
    east_asian: str
    size: float
    bold: bool = False
    indent: int = 0  # first-line indent, characters
    align: str = "justify"
    line_exact: float | None = None  # exact line spacing (pt); None: single
    before: float = 0
    after: float = 0
    keep_next: bool = False
    outline: int | None = None
    color: str | None = None


ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def _apply(style, s: Style) -> None:
    """Set a style from scratch: the template's borders, numbering, theme colours and spacing dropped."""
    for tag in ("w:pPr", "w:rPr"):
        el = style.element.find(qn(tag))
        if el is not None:
            style.element.remove(el)
    style.font.size = Pt(s.size)
    style.font.bold = s.bold
    style.font.italic = False
    style.font.color.rgb = RGBColor.from_string(s.color or "000000")
    rpr = style.element.get_or_add_rPr()
    _fonts(rpr, s.east_asian)
    _lang(rpr)
    pf = style.paragraph_format
    pf.alignment = ALIGN[s.align]
    pf.space_before, pf.space_after = Pt(s.before), Pt(s.after)
    if s.line_exact:
        pf.line_spacing = Pt(s.line_exact)
    else:
        pf.line_spacing = 1.0
    pf.keep_with_next = s.keep_next
    _indent_chars(style.element.get_or_add_pPr(), s.indent, s.size)  # 0 too: Normal's indent is not inherited
    if s.outline is not None:
        style.element.get_or_add_pPr().get_or_add_outlineLvl().set(qn("w:val"), str(s.outline))


# The document's paragraph styles: key -> built-in style (Word shows its own localized name) or a new one.
STYLES = {
    "body": ("Normal", Style("Normal", BODY, BODY_PT, indent=2, line_exact=28)),
    # Bold as well: where 黑体 and 楷体 are missing (LibreOffice on Linux) the substitute is the body's font.
    "h1": (
        "Heading 1",
        Style("h1", HEADING, BODY_PT, bold=True, indent=2, line_exact=28, before=6, keep_next=True, outline=0),
    ),
    "h2": ("Heading 2", Style("h2", HEADING2, BODY_PT, bold=True, indent=2, line_exact=28, keep_next=True, outline=1)),
    "title": ("Title", Style("title", TITLE, 22, bold=True, align="center", line_exact=36, after=12)),
    "subtitle": ("Subtitle", Style("subtitle", BODY, BODY_PT, align="center", line_exact=28)),
    "caption": ("Caption", Style("caption", TABLE, TABLE_PT, align="center", before=3, after=9)),
    "table": ("Body Text", Style("table", TABLE, TABLE_PT, align="left")),
    "note": ("Body Text 2", Style("note", TABLE, TABLE_PT, align="justify", before=3, after=6)),
    "table_title": (
        "Body Text 3",
        Style("table_title", HEADING, 12, align="center", before=6, after=3, keep_next=True),
    ),
    "header": ("Header", Style("header", TABLE, 9, align="right")),
    "footer": ("Footer", Style("footer", TABLE, 14, align="center")),
}


def new_document(*, title: str, author: str) -> Document:
    """An empty A4 document with the styles, fonts, language and properties set; its first section is the cover's."""
    doc = Document()
    _defaults(doc)
    for builtin, s in STYLES.values():
        _apply(doc.styles[builtin], s)
    _font_table(doc)
    _properties(doc, title, author)
    page_setup(doc.sections[0])
    return doc


def _defaults(doc) -> None:
    """docDefaults and settings: Chinese fonts and language, no theme fonts, no spacing after paragraphs."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, BODY)
    _lang(rpr)
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), LANG)


def _font_table(doc) -> None:
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    fonts = [
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/><w:charset w:val="86"/>'
        f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
        for name, (alt, panose, family) in FONT_TABLE.items()
    ]
    latin = (
        f'<w:font w:name="{LATIN}"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>'
        '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
    )
    xml = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f"<w:fonts {nsdecls('w')}>{latin}{''.join(fonts)}</w:fonts>"
    )
    part._blob = xml.encode("utf-8")


def _properties(doc, title: str, author: str) -> None:
    from datetime import UTC, datetime

    cp = doc.core_properties
    now = datetime.now(UTC).replace(microsecond=0)
    cp.title, cp.author, cp.last_modified_by = title, author, author
    cp.comments, cp.keywords, cp.subject, cp.category = "", "", "", ""
    cp.language = LANG
    cp.created = cp.modified = now
    cp.revision = 1
    pkg = doc.part.package
    for rid, rel in list(pkg.rels.items()):  # the template's thumbnail shows another document
        if rel.reltype.endswith("/thumbnail"):
            pkg.rels.pop(rid)


def page_setup(section, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    w, h = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
    section.page_width, section.page_height = Mm(w), Mm(h)
    m = MARGINS
    if landscape:  # the binding edge stays at the top
        section.top_margin, section.bottom_margin = Mm(m["left"]), Mm(m["right"])
        section.left_margin, section.right_margin = Mm(m["top"]), Mm(m["bottom"])
    else:
        section.top_margin, section.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
        section.left_margin, section.right_margin = Mm(m["left"]), Mm(m["right"])
    section.header_distance, section.footer_distance = Mm(15), Mm(18)


def restart_numbering(section) -> None:
    """Page numbers of `section` start at 1 (w:pgNumType, in its schema place)."""
    sectPr = section._sectPr
    pg = sectPr.find(qn("w:pgNumType"))
    if pg is None:
        pg = sectPr.makeelement(qn("w:pgNumType"), {})
        sectPr.insert_element_before(pg, *_SECTPR_AFTER_PGNUMTYPE)
    pg.set(qn("w:start"), "1")


_SECTPR_AFTER_PGNUMTYPE = _tags(
    "cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings sectPrChange"
)


def text_width_mm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / Mm(1)


# -- runs and paragraphs ----------------------------------------------------------------------------------------------
# A list like "G01、G02、G03" or "任务 2、3、5" is one unbreakable word to LibreOffice's line breaking (it then
# spreads the line before it, or breaks inside "G0|1"): a zero-width space after the separator lets it break there.
_LIST_BREAK = re.compile(r"([、，；])(?=[A-Za-z0-9])")
ZWSP = "\u200b"


def breakable(text: str) -> str:
    return _LIST_BREAK.sub("\\1" + ZWSP, text)


def set_style(paragraph, key: str) -> None:
    """Give a paragraph one of STYLES by its style id (python-docx's lookup by name scans every style: slow)."""
    builtin = STYLES[key][0]
    paragraph._p.style = None if builtin == "Normal" else builtin.replace(" ", "")


def run(paragraph, text: str, style_key: str = "body", *, bold=None, color: str | None = None, size=None):
    """A run whose fonts are named for every script (the East Asian font of style `style_key`)."""
    r = paragraph.add_run(breakable(text))
    key = style_key
    rpr = r._r.get_or_add_rPr()
    _fonts(rpr, STYLES[key][1].east_asian, hint=bool(CJK.search(text)))
    if bold is not None:
        r.bold = bold
    if color:
        r.font.color.rgb = RGBColor.from_string(color)
    if size:
        r.font.size = Pt(size)
    return r


def para(container, text: str = "", key: str = "body", *, align: str | None = None, keep_next=None, **run_kw):
    """A paragraph of style `key` in a document, cell, header or footer, its text in one named-font run."""
    p = container.add_paragraph()
    set_style(p, key)
    if align:
        p.alignment = ALIGN[align]
    if keep_next is not None:
        p.paragraph_format.keep_with_next = keep_next
    if text:
        run(p, text, key, **run_kw)
    return p


def page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = None
    p.add_run().add_break(WD_BREAK.PAGE)


# -- fields -----------------------------------------------------------------------------------------------------------
def _fld(paragraph, kind: str, key: str) -> None:
    r = paragraph.add_run()
    _fonts(r._r.get_or_add_rPr(), STYLES[key][1].east_asian)
    r._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="{kind}"/>'))


def _instr(paragraph, code: str, key: str) -> None:
    r = paragraph.add_run()
    _fonts(r._r.get_or_add_rPr(), STYLES[key][1].east_asian)
    r._r.append(parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve"> {code} </w:instrText>'))


def page_number_footer(section, before: str, after: str) -> None:
    """'— 3 —' centred in the footer: the PAGE field between two texts."""
    section.footer.is_linked_to_previous = False
    p = section.footer.paragraphs[0]
    set_style(p, "footer")
    run(p, before, "footer")
    _fld(p, "begin", "footer")
    _instr(p, "PAGE", "footer")
    _fld(p, "separate", "footer")
    run(p, "1", "footer")
    _fld(p, "end", "footer")
    run(p, after, "footer")


def toc(doc, entries: list[tuple[int, str]]) -> None:
    """A table-of-contents field (headings level 1-2) whose shown result is `entries` (level, text): Word updates
    it with page numbers (F9 or on printing); LibreOffice and WPS show the entries as they are."""
    for i, (level, text) in enumerate(entries):
        p = doc.add_paragraph()
        _indent_chars(p._p.get_or_add_pPr(), 0, BODY_PT)
        p.paragraph_format.left_indent = Pt(BODY_PT * 2 * (level + 1))
        if i == 0:
            _fld(p, "begin", "body")
            _instr(p, 'TOC \\o "1-2" \\h \\z \\u', "body")
            _fld(p, "separate", "body")
        run(p, text, "h1" if level == 0 else "body")
        if i == len(entries) - 1:
            _fld(p, "end", "body")


# -- tables -----------------------------------------------------------------------------------------------------------
@dataclass
class Cell:
    """A table cell: its lines (one paragraph each), alignment, fill, bold and text colour."""

    lines: list[str]
    align: str = "left"
    fill: str | None = None
    bold: bool = False
    color: str | None = None
    small: list[str] = field(default_factory=list)  # lines in a smaller type under the main ones (tags)


def cell(value, align: str = "left", **kw) -> Cell:
    if isinstance(value, Cell):
        return value
    lines = value if isinstance(value, list) else [str(value)]
    return Cell(lines=lines, align=align, **kw)


def table(
    doc,
    header: list,
    rows: list[list],
    widths_mm: list[float],
    *,
    size: float = TABLE_PT,
    aligns=None,
    keep_together: bool = False,
):
    """A fixed-width table: columns `widths_mm` (their sum is the table's width, at most the text width of the
    current section: ValueError otherwise), a bold shaded header row that repeats on every page, rows that never
    split across pages. Header cells and `rows` hold str, list[str] (lines) or Cell; `aligns` is the default
    alignment per column. `keep_together`: the whole table on one page when it fits (each row kept with the next)."""
    width = text_width_mm(doc.sections[-1])
    if not widths_fit(widths_mm, width):
        raise ValueError(f"table of {sum(widths_mm):.1f} mm is wider than the text ({width:.1f} mm)")
    aligns = aligns or ["left"] * len(header)
    tbl = doc.add_table(rows=1 + len(rows), cols=len(header))
    tbl.style = doc.styles["Table Grid"]
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl.autofit = False
    _table_props(tbl, widths_mm)
    all_rows = [[Cell(h if isinstance(h, list) else [h], align="center", fill="E7E6E6", bold=True) for h in header]]
    all_rows += [[cell(v, aligns[i]) for i, v in enumerate(r)] for r in rows]
    last = len(all_rows) - 1
    for i, (row, values) in enumerate(zip(tbl.rows, all_rows, strict=True)):
        _row_props(row, header=i == 0)
        for c, v, w in zip(row.cells, values, widths_mm, strict=True):
            _fill_cell(c, v, w, size, header=i == 0, keep_next=i == 0 or (keep_together and i < last))
    return tbl


def _table_props(tbl, widths_mm: list[float]) -> None:
    tblPr = tbl._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout", "w:tblCellMar"):
        el = tblPr.find(qn(tag))
        if el is not None:
            tblPr.remove(el)
    tblPr.append(parse_xml(f'<w:tblW {nsdecls("w")} w:w="{sum(dxa(w) for w in widths_mm)}" w:type="dxa"/>'))
    tblPr.append(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
    m = dxa(CELL_MARGIN_MM)
    tblPr.append(
        parse_xml(
            f'<w:tblCellMar {nsdecls("w")}><w:top w:w="28" w:type="dxa"/><w:left w:w="{m}" w:type="dxa"/>'
            f'<w:bottom w:w="28" w:type="dxa"/><w:right w:w="{m}" w:type="dxa"/></w:tblCellMar>'
        )
    )
    _reorder_tblpr(tblPr)
    grid = tbl._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        gc.set(qn("w:w"), str(dxa(w)))


# Schema order of w:tblPr's children (Word refuses a file whose elements are out of order).
_TBLPR_ORDER = _tags(
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing tblInd "
    "tblBorders shd tblLayout tblCellMar tblLook"
)


def _reorder_tblpr(tblPr) -> None:
    children = list(tblPr)
    order = {qn(n): i for i, n in enumerate(_TBLPR_ORDER)}
    for c in children:
        tblPr.remove(c)
    for c in sorted(children, key=lambda e: order.get(e.tag, len(order))):
        tblPr.append(c)


def _row_props(row, header: bool) -> None:
    trPr = row._tr.get_or_add_trPr()
    trPr.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
    if header:
        trPr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))


def _fill_cell(c, v: Cell, width_mm: float, size: float, header: bool, keep_next: bool) -> None:
    c.width = Mm(width_mm)
    c.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    if v.fill:
        shd = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{v.fill}"/>')
        c._tc.get_or_add_tcPr().insert_element_before(shd, *_TCPR_AFTER_SHD)
    first = c.paragraphs[0]
    lines = v.lines or [""]
    for j, line in enumerate(lines):
        p = first if j == 0 else c.add_paragraph()
        _cell_paragraph(p, v.align, keep_next, size)
        if line:
            run(p, line, "h1" if header else "table", bold=v.bold or None, color=v.color, size=size)
    for line in v.small:
        p = c.add_paragraph()
        _cell_paragraph(p, v.align, keep_next, size - 1.5)
        run(p, line, "table", color="595959", size=size - 1.5)


# The children of w:tcPr that come after w:shd (schema order).
_TCPR_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def _cell_paragraph(p, align: str, keep_next: bool, size: float) -> None:
    """A cell's paragraph: exact line spacing of 1.2 × the type size (a CJK font's own line gap is larger)."""
    set_style(p, "table")
    p.alignment = ALIGN[align]
    p.paragraph_format.line_spacing = Pt(round(size * 1.2, 1))
    if keep_next:
        p.paragraph_format.keep_with_next = True


def widths_fit(widths_mm: list[float], text_width_mm: float) -> bool:
    return sum(widths_mm) <= text_width_mm + 0.01


def picture(doc, png: bytes, max_w_mm: float, max_h_mm: float) -> None:
    """A centred picture as large as fits `max_w_mm` × `max_h_mm`, kept on the page of its caption."""
    import io
    import struct

    w, h = struct.unpack(">II", png[16:24]) if png[:8] == b"\x89PNG\r\n\x1a\n" else (4, 3)
    width = min(max_w_mm, max_h_mm * w / h)
    p = doc.add_paragraph()
    set_style(p, "caption")
    p.paragraph_format.keep_with_next = True
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width))


# The children of w:pPr that come after w:pBdr (schema order).
PPR_AFTER_PBDR = _tags(
    "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
    "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
)
