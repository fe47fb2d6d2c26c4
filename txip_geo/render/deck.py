"""The 联席会议 deck as a 16:9 PPTX (python-pptx): the views of present.meeting as slides, maps as PNGs drawn by
render.staticmap. Text is set in one named CJK font (East Asian and Latin typefaces both), as PowerPoint, WPS and
LibreOffice need it.

Length: one class drawing the ten kinds of slide and the few python-pptx XML helpers they share (fonts, cells,
theme); the views' content comes from present.meeting and, for the 三年变化 section, present.baseline_view (its
change map: present.change_view's spec, drawn as the other maps)."""

from __future__ import annotations

import io
import os

import pandas as pd

from txip_geo.figures import network
from txip_geo.figures.compute import METRICS, FigureSet
from txip_geo.present import baseline_view as change
from txip_geo.present import change_view
from txip_geo.present import industry_tables as industry
from txip_geo.present import map_view as views
from txip_geo.present import mapspec as maps
from txip_geo.present.meeting import (
    CHANGE_METRIC,
    Layers,
    Step,
    actions_by_lead,
    area_spec,
    footer_line,
    gap_spec,
    goal_rows,
    goal_summary,
    indicator_spec,
    rule_rows,
    steps,
    unit_figures,
    unit_gaps,
    unit_points,
)
from txip_geo.strings import t

NAVY, GREY, RED, ORANGE = "08306B", "525252", "B10026", "A63603"


# The font the PPTX names (a PPTX cannot embed one): 微软雅黑 is on every Chinese Windows, where the deck is shown; it
# is named, never shipped. LibreOffice and WPS substitute a CJK font of their own where it is missing (the East Asian
# charset below tells them the text is Chinese). Override with TXIP_PPTX_FONT.
PPTX_FONT = os.environ.get("TXIP_PPTX_FONT", "Microsoft YaHei")


PPTX_FONT_PANOSE = "020B0503020204020204"


PPTX_FONT_CHARSET = "-122"  # GB2312 (134) as a signed byte, as PowerPoint writes it


# Colours of the goal status cells (fill, text).
STATUS_COLORS = {
    "met": ("C7E9C0", "00441B"),
    "done": ("C7E9C0", "00441B"),
    "not_met": ("FCBBA1", "67000D"),
    "not_done": ("FCBBA1", "67000D"),
    "no_data": ("E0E0E0", "424242"),
}

# Colours of the task status cells (the task register's status keys).
TASK_COLORS = {
    "done": ("C7E9C0", "00441B"),
    "in_progress": ("DEEBF7", "08306B"),
    "not_started": ("FDD0A2", "7F2704"),
    "not_reported": ("E0E0E0", "424242"),
}


def build_pptx(
    fs: FigureSet,
    layers: Layers,
    *,
    indicator: str = "patents",
    internal: bool = True,
    only_gaps: bool = False,
    ref: FigureSet | None = None,
    dpi: int = 150,
    comparison=None,
    tasks: pd.DataFrame | None = None,
) -> bytes:
    """The 16:9 deck: title, goal table, city map by indicator, gap map, one slide per township, then per park
    (only those with gaps when `only_gaps`), actions by lead unit; with a `comparison` (figures.baseline.compare) the 三年变化 section
    (goals baseline → now, the change map, the plan's tasks by lead unit with the register's `tasks`:
    baseline_view.task_rows); the industry section (the city, every township, every park by industry:
    present.industry_tables); the appendix of counting rules last. Text is set in `PPTX_FONT` (East Asian and Latin);
    maps are PNGs."""
    from txip_geo.render import staticmap

    deck = _Deck(fs, internal)
    gaps = network.gap_list(fs)
    points = unit_points(fs)
    seq = with_industries(
        steps(
            fs,
            indicator,
            only_gaps=only_gaps,
            title_step=True,
            deck_order=True,
            change=comparison is not None,
            parks=True,
        )
    )
    deck.total = len(seq)
    for step in seq:
        if step.kind == "title":
            deck.title_slide()
        elif step.kind == "goals":
            deck.goals_slide(step.title)
        elif step.kind == "overview":
            spec = indicator_spec(fs, layers, indicator, ref)
            # The slide carries the 内部资料 marking; the picture keeps the notices (示意边界, 样例数据).
            img = staticmap.render(spec, layout="slide", internal=False, dpi=dpi)
            deck.map_slide(step.title, img, _overview_panel(fs, indicator))
        elif step.kind == "gaps":
            img = staticmap.render(gap_spec(fs, layers), layout="slide", internal=False, dpi=dpi)
            deck.map_slide(step.title, img, _gap_panel(fs))
        elif step.kind in ("unit", "park"):  # a park's slide as a township's (its figures ranked among the parks)
            spec = area_spec(step.kind, fs, layers, step.code, indicator, ref, points=points)
            img = staticmap.render(
                spec,
                layout="inset",
                focus=step.code,
                neutral=True,
                internal=False,
                dpi=round(dpi * 1.2),
                figsize=(4.0, 5.0),
            )  # shown at ~5.7 in high
            deck.unit_slide(step.title, img, unit_figures(fs, step.code), unit_gaps(fs, step.code, gaps))
        elif step.kind == "actions":
            deck.actions_slide(step.title, actions_by_lead(fs, gaps))
        elif step.kind == "rules":
            deck.rules_slide(step.title, rule_rows(fs))
        elif step.kind in INDUSTRY_STEPS:
            _industry_slide(deck, step, comparison)
        else:
            _change_slide(deck, step, comparison, layers, tasks, dpi)
    return deck.save()


# The industry section (present.industry_tables): the city, every township, every park by industry.
INDUSTRY_STEPS = {"industry_city": "deck_city", "industry_units": "deck_units", "industry_parks": "deck_parks"}


def with_industries(seq: list[Step]) -> list[Step]:
    """The deck's steps with the industry section before the appendix of counting rules (the end when none)."""
    at = next((i for i, s in enumerate(seq) if s.kind == "rules"), len(seq))
    section = [Step(kind, t(f"industry_tables.{key}")) for kind, key in INDUSTRY_STEPS.items()]
    return seq[:at] + section + seq[at:]


def _industry_slide(deck: _Deck, step, comparison) -> None:
    fs = deck.fs
    notes = industry.notes(fs)
    if step.kind == "industry_city":
        base = industry.baseline_line(comparison)
        table = industry.city_table(fs, comparison, short=True)
        deck.industry_slide(step.title, table, ([base] if base else []) + notes, first=2.6)
    else:
        layer = step.kind.removeprefix("industry_")
        notes = [t("industry_tables.deck_cells"), *notes[:2]]
        deck.industry_slide(step.title, industry.areas_compact(fs, layer), notes, first=1.9, size=11)


def change_map_png(comparison, layers: Layers, metric: str = CHANGE_METRIC, *, dpi: int = 150) -> bytes:
    """The 三年变化 change map as a slide picture: the townships coloured by the change of `metric` since the
    baseline (change_view.change_map_spec: diverging classes, signed values, both dates in the legend's title), drawn
    as the deck's other maps (the slide layout; the slide carries the 内部资料 marking, the picture the notices)."""
    from txip_geo.render import staticmap

    spec = change_view.change_map_spec(
        comparison, indicator_spec(comparison.now, layers, metric), view="units", indicator=metric
    )
    return staticmap.render(spec, layout="slide", internal=False, dpi=dpi)


def _change_slide(deck: _Deck, step, comparison, layers: Layers, tasks, dpi: int) -> None:
    """A slide of the 三年变化 section."""
    if step.kind == "change_goals":
        deck.change_goals_slide(step.title, comparison)
    elif step.kind == "change_map":
        img = change_map_png(comparison, layers, CHANGE_METRIC, dpi=dpi)
        deck.map_slide(step.title, img, _change_panel(comparison, CHANGE_METRIC))
    elif step.kind == "tasks":
        deck.tasks_slide(step.title, change.task_rows(tasks), reported=tasks is not None)


def _change_panel(comparison, metric: str) -> list:
    style = {
        "head": (24, NAVY, True),
        "sub": (18, GREY, False),
        "item": (20, "252525", False),
        "note": (12, GREY, False),
    }
    lines = []
    for kind, text in change.change_panel(comparison, metric):
        if kind in ("sub", "note") and lines:
            lines.append(("", 6, GREY))
        lines.append((text, *style[kind]))
    return lines


def _overview_panel(fs: FigureSet, indicator: str) -> list[tuple[str, int, str]]:
    """(text, size pt, colour) lines beside the city map: the city total, the top and bottom townships."""
    label, unit = METRICS[indicator]
    s = fs.units.set_index("name")[indicator].dropna()
    asc = indicator in views.MORE_IS_WORSE
    lines = []
    city = fs.city.get(indicator)
    if city is not None and indicator != "invention_per_10k":
        lines.append((t("deck_panel.city_total", value=maps.format_value(city, unit)), 22, NAVY))
    lines.append(("", 8, GREY))
    if len(s):
        best = s.sort_values(ascending=asc, kind="stable")
        lines.append((t("deck_panel.top_good" if asc else "deck_panel.top_most"), 18, GREY))
        lines += [
            (t("deck_panel.area_value", name=n, value=maps.format_value(v, unit)), 20, "252525")
            for n, v in best.head(3).items()
        ]
        lines.append(("", 8, GREY))
        lines.append((t("deck_panel.bottom_worst" if asc else "deck_panel.bottom_least"), 18, GREY))
        lines += [
            (t("deck_panel.area_value", name=n, value=maps.format_value(v, unit)), 20, "252525")
            for n, v in best.tail(3)[::-1].items()
        ]
    missing = fs.units["name"][fs.units[indicator].isna()]
    if len(missing):
        lines.append(("", 8, GREY))
        lines.append((t("deck_panel.no_data", names=t("deck_panel.names_sep").join(missing)), 16, GREY))
    n_un = views.unassigned_for(fs, indicator)
    if n_un:
        lines.append(("", 8, GREY))
        lines.append((t("deck_panel.unassigned", n=n_un), 14, GREY))
    return lines


def _gap_panel(fs: FigureSet) -> list:
    """Lines beside the gap map: the number of gaps, coverage of the four requirements, the areas with most gaps."""
    card = network.scorecard(fs)
    cov = network.coverage(card)
    total = int(card[t("network.col_gaps")].sum())
    lines = [
        (t("deck_panel.gaps_total", n=total), 24, NAVY, True),
        (t("deck_panel.areas", n=len(card)), 16, GREY),
        ("", 6, GREY),
    ]
    for key in ("office", "staff", "fund", "ws"):
        have, no, unknown = cov[key]
        runs = [
            (t("deck_panel.requirement", label=t(f"network.summary_{key}")), 17, "252525"),
            (f"{have}/{len(card)}", 17, NAVY, True),
        ]
        if unknown:
            runs.append((t("deck_panel.not_reported", n=unknown), 13, GREY))
        lines.append(runs)
    lines.append(("", 6, GREY))
    lines.append((t("report.gap_summary_title"), 18, GREY))
    top = card.sort_values(t("network.col_gaps"), ascending=False, kind="stable").head(4)
    for name, n in zip(top[t("network.col_area")], top[t("network.col_gaps")]):
        if n:
            lines.append(
                [(t("deck_panel.area_name", name=name), 20, "252525"), (t("deck_panel.gaps", n=n), 20, RED, True)]
            )
    return lines


class _Deck:
    """python-pptx plumbing: 13.333 × 7.5 in slides, a title bar, footer and markings on every slide."""

    W, H = 13.333, 7.5

    def __init__(self, fs: FigureSet, internal: bool):
        from pptx import Presentation
        from pptx.util import Emu

        self.fs, self.internal = fs, internal
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Emu(12192000), Emu(6858000)  # 16:9, 13.333 × 7.5 in
        _set_theme_fonts(self.prs)
        self.n, self.total = 0, 0

    # -- primitives --------------------------------------------------------------------------------------------------
    def _slide(self, layout: int = 5):
        self.n += 1
        return self.prs.slides.add_slide(self.prs.slide_layouts[layout])

    def _text(self, slide, x, y, w, h, lines, *, anchor="top", align="left", name=None):
        """A text box. `lines`: paragraphs, each (text, size, colour[, bold]) or a list of such runs."""
        from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        if name:
            box.name = name
        tf = box.text_frame
        tf.word_wrap = True
        tf.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}[anchor]
        for m in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
            setattr(tf, m, Inches(0.04))
        for i, line in enumerate(lines):
            runs = line if isinstance(line, list) else [line]
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.alignment = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}[align]
            for run in runs:
                _run(p, run[0], run[1], run[2], run[3] if len(run) > 3 else False)
            p.space_after = Pt(3)
        return box

    def _title(self, slide, text, aside: str | None = None, title_w: float = 4.2):
        """The slide's title; `aside`: a short summary right of it (the title then `title_w` inches wide)."""
        from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
        from pptx.util import Inches

        ph = slide.shapes.title
        ph.left, ph.top, ph.width, ph.height = Inches(0.4), Inches(0.25), Inches(self.W - 3.4), Inches(0.85)
        tf = ph.text_frame
        tf.word_wrap = True
        tf.vertical_anchor = MSO_ANCHOR.MIDDLE
        p = tf.paragraphs[0]
        p.alignment = PP_ALIGN.LEFT
        _run(p, text, 30 if len(text) <= 24 else 26, NAVY, True)
        if aside:  # a short summary right of the title, left of the markings
            ph.width = Inches(title_w)
            self._text(
                slide,
                title_w + 0.2,
                0.45,
                self.W - 3.3 - title_w - 0.2,
                0.6,
                [(aside, 15, GREY)],
                anchor="middle",
                align="right",
                name="aside",
            )
        self._chrome(slide)

    def _chrome(self, slide, rule: bool = True):
        """Markings (内部资料, 样例数据) top right, a rule under the title, footer (as-of, source) and page number."""
        from pptx.dml.color import RGBColor
        from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
        from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
        from pptx.util import Inches, Pt

        x = self.W - 0.3
        marks = []
        if self.internal:
            marks.append((t("report.internal"), RED, "FFFFFF", "marking-internal"))
        if self.fs.is_sample:
            marks.append((t("app.sample_short"), ORANGE, "FFF5EB", "marking-sample"))
        for text, color, face, name in marks:
            w = 0.24 * len(text) + 0.35
            x -= w
            shp = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(x), Inches(0.4), Inches(w), Inches(0.48))
            shp.name = name
            shp.fill.solid()
            shp.fill.fore_color.rgb = RGBColor.from_string(face)
            shp.line.color.rgb = RGBColor.from_string(color)
            shp.line.width = Pt(1.5)
            shp.shadow.inherit = False
            tf = shp.text_frame
            tf.vertical_anchor = MSO_ANCHOR.MIDDLE
            for m in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
                setattr(tf, m, Inches(0.02))
            p = tf.paragraphs[0]
            p.alignment = PP_ALIGN.CENTER
            _run(p, text, 16, color, True)
            x -= 0.12
        if rule:
            line = slide.shapes.add_connector(
                MSO_CONNECTOR.STRAIGHT, Inches(0.4), Inches(1.12), Inches(self.W - 0.4), Inches(1.12)
            )
            line.line.color.rgb = RGBColor.from_string("BDBDBD")
            line.line.width = Pt(1)
        self._text(
            slide,
            0.4,
            self.H - 0.45,
            self.W - 1.9,
            0.35,
            [(footer_line(self.fs), 12, GREY)],
            anchor="middle",
            name="footer",
        )
        self._text(
            slide,
            self.W - 1.5,
            self.H - 0.45,
            1.1,
            0.35,
            [(t("report.page", n=self.n, total=self.total), 12, GREY)],
            anchor="middle",
            align="right",
            name="page-number",
        )

    def _picture(self, slide, png: bytes, x, y, w=None, h=None, name=None):
        from pptx.util import Inches

        pic = slide.shapes.add_picture(
            io.BytesIO(png), Inches(x), Inches(y), Inches(w) if w else None, Inches(h) if h else None
        )
        if name:
            pic.name = name
        return pic

    def _table(
        self,
        slide,
        x,
        y,
        df: pd.DataFrame,
        widths: list[float],
        *,
        size=14,
        row_h=0.3,
        header=True,
        styles: list | None = None,
        name=None,
    ):
        """A table, navy header row. `styles`: per row, a dict column index → (fill, text colour, bold)."""
        from pptx.enum.text import MSO_ANCHOR
        from pptx.util import Inches

        rows, cols = len(df) + (1 if header else 0), len(df.columns)
        shape = slide.shapes.add_table(rows, cols, Inches(x), Inches(y), Inches(sum(widths)), Inches(row_h * rows))
        if name:
            shape.name = name
        table = shape.table
        table.first_row = header
        for j, wj in enumerate(widths):
            table.columns[j].width = Inches(wj)
        for i in range(rows):
            table.rows[i].height = Inches(row_h)
        if header:
            for j, col in enumerate(df.columns):
                _cell(table.cell(0, j), str(col), size, "FFFFFF", True, fill=NAVY)
        off = 1 if header else 0
        for i, row in enumerate(df.itertuples(index=False)):
            stripe = "F2F6FB" if i % 2 else "FFFFFF"
            special = (styles[i] if styles else None) or {}
            for j, v in enumerate(row):
                fill, color, bold = special.get(j, (stripe, "252525", False))
                cell = table.cell(i + off, j)
                _cell(cell, "" if v is None else str(v), size, color, bold, fill=fill)
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
        return shape

    # -- slides ------------------------------------------------------------------------------------------------------
    def title_slide(self):
        s = self._slide(0)
        fs = self.fs
        from pptx.util import Inches

        title, sub = s.shapes.title, s.placeholders[1]
        title.left, title.top, title.width, title.height = Inches(0.8), Inches(1.6), Inches(self.W - 1.6), Inches(1.2)
        title.text_frame.text = ""
        _run(title.text_frame.paragraphs[0], t("report.deck_title"), 44, NAVY, True)
        sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(2.9), Inches(self.W - 1.6), Inches(0.8)
        sub.text_frame.text = ""
        _run(sub.text_frame.paragraphs[0], t("report.deck_subtitle"), 24, "252525")
        lines = [(t("report.deck_date", date=fs.as_of or "—"), 22, GREY)]
        if fs.schematic_notice:
            lines.append((fs.schematic_notice, 18, ORANGE))
        self._text(s, 0.8, 3.9, self.W - 1.6, 1.0, lines, align="center")
        if fs.is_sample:
            self._text(
                s,
                2.2,
                5.0,
                self.W - 4.4,
                0.7,
                [(t("app.sample_badge"), 22, ORANGE, True)],
                align="center",
                anchor="middle",
            )
        self._chrome(s, rule=False)

    def goals_slide(self, title):
        """The 16 numeric goals in one table (status cells coloured), the 4 milestones in a compact table below, each
        with its 牵头单位."""
        s = self._slide()
        self._title(s, title, aside=goal_summary(self.fs))
        rows = goal_rows(self.fs)
        status, lead = t("goals.col_status"), t("goals.col_lead")

        def styles(df, col):
            return [{col: (*STATUS_COLORS[k], True)} if k in STATUS_COLORS else None for k in df["status"]]

        num = rows[rows["kind"] != "milestone"]
        ms = rows[rows["kind"] == "milestone"]
        shown = [c for c in rows.columns if c not in ("kind", "status")]
        self._table(
            s,
            0.3,
            1.22,
            num[shown],
            [0.62, 4.25, 1.75, 1.0, 0.95, 0.85, 0.88, 2.43],
            size=13,
            row_h=0.262,
            styles=styles(num, shown.index(status)),
            name="goals",
        )
        # Milestones, one per row and no header: 编号, 里程碑, 状态, 牵头单位.
        if len(ms):
            cols = [t("goals.col_id"), t("goals.col_name"), status, lead]
            self._table(
                s,
                0.3,
                5.85,
                ms[cols],
                [0.62, 7.65, 0.88, 2.58],
                size=12,
                row_h=0.27,
                header=False,
                styles=styles(ms, 2),
                name="milestones",
            )

    def map_slide(self, title, png: bytes, panel):
        s = self._slide()
        self._title(s, title)
        self._picture(s, png, 0.35, 1.22, h=5.75, name="map")
        self._text(s, 8.8, 1.4, self.W - 8.8 - 0.35, 5.5, panel, name="panel")

    def unit_slide(self, title, png: bytes, figures: list[tuple[str, str, str]], gaps: pd.DataFrame):
        """Locator map left; right: the key figures (two per row, rank in grey) and the gaps with their lead units."""
        s = self._slide()
        self._title(s, title)
        pic = self._picture(s, png, 0.35, 1.25, h=5.72, name="map")  # 4.0 × 5.0 in picture
        x = 0.35 + pic.width / 914400 + 0.25
        w = self.W - x - 0.35
        half = (len(figures) + 1) // 2
        rows = []
        for i in range(half):
            row = []
            for f in (figures[i], figures[i + half] if i + half < len(figures) else None):
                row += list(f) if f else ["", "", ""]
            rows.append(row)
        M, V, R = t("report.col_metric"), t("report.col_value"), t("report.col_rank")
        df = pd.DataFrame(rows, columns=[M, V, R, M + " ", V + " ", R + " "])
        lw, rw = 1.8, 0.6
        vw = w / 2 - lw - rw
        grey = [
            {
                2: ("FFFFFF" if i % 2 == 0 else "F2F6FB", GREY, False),
                5: ("FFFFFF" if i % 2 == 0 else "F2F6FB", GREY, False),
            }
            for i in range(len(df))
        ]
        self._table(s, x, 1.3, df, [lw, vw, rw, lw, vw, rw], size=13, row_h=0.4, styles=grey, name="figures")
        y = 1.3 + 0.4 * (len(df) + 1) + 0.2
        head = [(t("report.unit_gaps"), 18, NAVY, True)]
        if gaps.empty:
            self._text(s, x, y, w, 0.9, head + [(t("report.unit_no_gaps"), 18, "1A7F37")], name="gaps")
            return
        self._text(s, x, y, w, 0.45, head)
        G = {k: t(f"network.col_{k}") for k in ("gap", "basis", "lead")}
        df = gaps[[G["gap"], G["basis"], G["lead"]]]
        n = len(df)
        room = self.H - 0.55 - (y + 0.45)
        row_h = min(0.38, room / (n + 1))
        size = 14 if row_h >= 0.33 else 12 if row_h >= 0.26 else 10
        self._table(
            s,
            x,
            y + 0.45,
            df,
            [w * 0.38, w * 0.2, w * 0.42],
            size=size,
            row_h=row_h,
            styles=[{0: ("FFFFFF" if i % 2 == 0 else "FDF1EE", "99000D", False)} for i in range(n)],
            name="gaps",
        )

    def rules_slide(self, title, rules: pd.DataFrame):
        """The appendix: each numeric goal's counting rule (one table; the milestones' rule in one line below)."""
        s = self._slide()
        self._title(s, title)
        # Row heights follow the rule's length: about 64 characters a line in the rule column at 10.5 pt.
        lines = [max(1, -(-len(str(r)) // 64)) for r in rules.iloc[:, 2]]
        row_h = min(0.3, 5.2 / (sum(lines) + 1))
        self._table(s, 0.3, 1.2, rules, [0.62, 3.1, 9.0], size=10.5, row_h=row_h, name="rules")
        for i, n in enumerate(lines, start=1):
            from pptx.util import Inches

            s.shapes[-1].table.rows[i].height = Inches(row_h * n)
        self._text(s, 0.3, self.H - 0.95, self.W - 0.6, 0.35, [(t("report.rules_milestones"), 11, GREY)], name="note")

    def actions_slide(self, title, actions: list[tuple[str, list[str]]]):
        s = self._slide()
        self._title(s, title)

        def n_lines(size):  # lines as set: a long item wraps (a CJK character is about one em wide)
            per_line = (self.W - 1.0) * 72 / size
            return sum(
                1 + sum(-(-len("● " + text + "　" + basis) // int(per_line)) for text, basis in items)
                for _, items in actions
            )

        size = next((z for z in (18, 16) if n_lines(z) <= {18: 15, 16: 17}[z]), 14)  # a 5.6 in box
        lines = []
        for i, (lead, items) in enumerate(actions):
            if i:
                lines.append(("", 6, GREY))
            lines.append((lead, size + 2, NAVY, True))
            for text, basis in items:
                lines.append([("● " + text, size, "252525")] + ([("　" + basis, size - 4, GREY)] if basis else []))
        if not actions:
            lines.append((t("report.actions_none"), 20, "1A7F37"))
        self._text(s, 0.5, 1.3, self.W - 1.0, 5.6, lines, name="actions")

    def change_goals_slide(self, title, comp):
        """三年变化: the 16 numeric goals baseline → now (each baseline's method marked), the milestones then and now
        in a compact table below, the marks' footnote at the bottom."""
        from pptx.util import Inches

        s = self._slide()
        self._title(s, title, aside=change.goal_summary(comp), title_w=5.0)
        rows = change.goal_change_rows(comp).rename(  # the dates after a space: a header wraps there
            columns={
                change.baseline_header(comp): t("baseline_view.deck_col_baseline", date=comp.baseline),
                change.current_header(comp): t("baseline_view.deck_col_current", date=comp.current),
            }
        )
        shown = [c for c in rows.columns if c not in ("status", "method")]
        col = shown.index(t("baseline_view.col_attainment"))
        styles = [{col: (*STATUS_COLORS[k], True)} if k in STATUS_COLORS else None for k in rows["status"]]
        base = shown.index(t("baseline_view.deck_col_baseline", date=comp.baseline))
        for i, m in enumerate(rows["method"]):  # a goal with no baseline: its cell in grey, never a bare blank
            if m == "none":
                styles[i] = {**(styles[i] or {}), base: ("EEEEEE", GREY, False)}
        table = self._table(
            s,
            0.3,
            1.2,
            rows[shown],
            [0.6, 3.75, 1.5, 1.6, 1.6, 1.05, 1.0, 1.6],
            size=12,
            row_h=0.26,
            styles=styles,
            name="goals-change",
        )
        table.table.rows[0].height = Inches(0.32)
        for j in (base, base + 1):  # the dated headers a size smaller: one line each
            _cell(table.table.cell(0, j), shown[j], 11, "FFFFFF", True, fill=NAVY)
        ms = change.milestone_change_rows(comp)
        if len(ms):
            self._milestones_then_now(s, comp, ms, y=1.2 + 0.32 + 0.26 * len(rows) + 0.08)
        notes = change.method_notes(comp)
        if notes:
            self._text(
                s, 0.3, self.H - 1.0, self.W - 0.6, 0.55, [("；".join(notes), 9.5, GREY)], anchor="bottom", name="note"
            )

    def _milestones_then_now(self, s, comp, ms: pd.DataFrame, y: float):
        """The milestones transposed: one column each (编号 and short name), a row for the baseline and one for now."""
        head = [t("baseline_view.col_milestone")] + [f"{i} {n}" for i, n in zip(ms.iloc[:, 0], ms.iloc[:, 1])]
        then_col, now_col = change.baseline_header(comp), change.current_header(comp)
        df = pd.DataFrame(
            [
                [then_col, *ms[then_col]],
                [change.current_header(comp), *ms[now_col]],
            ],
            columns=head,
        )
        styles = [
            {j + 1: (*STATUS_COLORS[k], True) for j, k in enumerate(ms[key]) if k in STATUS_COLORS}
            for key in ("status_then", "status")
        ]
        w = (self.W - 0.6 - 1.9) / len(ms)
        self._table(
            s, 0.3, y, df, [1.9] + [w] * len(ms), size=11.5, row_h=0.26, styles=styles, name="milestones-change"
        )

    def tasks_slide(self, title, tasks: pd.DataFrame, reported: bool):
        """The plan's tasks grouped by lead unit (one merged cell per lead), each with its status and progress."""
        s = self._slide()
        if reported:
            n = lambda k: int((tasks["status"] == k).sum())  # noqa: E731
            aside = t("baseline_view.tasks_count", n=len(tasks), done=n("done"), doing=n("in_progress"))
        else:
            aside = t("baseline_view.tasks_none")
        self._title(s, title, aside=aside, title_w=5.8)
        cols = [
            t("goals.col_lead"),
            t("goals.col_id"),
            t("baseline_view.col_task"),
            t("goals.col_status"),
            t("baseline_view.col_progress"),
        ]
        progress = [_clip(p, 58) if p else "—" for p in tasks["progress"]]
        df = pd.DataFrame(
            {
                cols[0]: tasks["lead"],
                cols[1]: tasks["task_id"].astype(str),
                cols[2]: tasks["name"],
                cols[3]: tasks["status_label"],
                cols[4]: progress,
            }
        )
        two_lines = any(len(p) > 29 for p in progress)
        row_h = min(0.4, 5.3 / (len(df) + 1))
        styles = [{3: (*TASK_COLORS[k], True)} if k in TASK_COLORS else None for k in tasks["status"]]
        shape = self._table(
            s,
            0.3,
            1.3,
            df,
            [2.3, 0.6, 4.0, 1.1, 4.7],
            size=11 if two_lines else 13,
            row_h=row_h,
            styles=styles,
            name="tasks",
        )
        table = shape.table
        start = 0
        leads = list(df[cols[0]])
        for i in range(1, len(leads) + 1):  # one merged lead cell per group
            if i == len(leads) or leads[i] != leads[start]:
                if i - start > 1:
                    for k in range(start + 2, i + 1):  # merge() would gather every cell's text into the first
                        table.cell(k, 0).text = ""
                    table.cell(start + 1, 0).merge(table.cell(i, 0))
                start = i

    def industry_slide(self, title, df: pd.DataFrame, notes: list[str], *, first: float, size: float = 13):
        """A table by industry (present.industry_tables: the city, or one row per township / park), its first
        column `first` inches wide and the rest sharing the slide; the notes (rule, multiple counting, what could
        not be classified) below it."""
        s = self._slide()
        self._title(s, title)
        rest = (self.W - 0.6 - first) / max(len(df.columns) - 1, 1)
        row_h = min(0.42, 4.9 / (len(df) + 2))
        shape = self._table(s, 0.3, 1.25, df, [first] + [rest] * (len(df.columns) - 1), size=size, row_h=row_h)
        shape.name = "industries"
        from pptx.util import Inches

        shape.table.rows[0].height = Inches(row_h * 2)  # the headers wrap (a goal's name and the baseline date)
        y = 1.25 + row_h * (len(df) + 2) + 0.1
        lines = [(n, 10.5, GREY) for n in notes]
        self._text(s, 0.3, y, self.W - 0.6, self.H - 0.55 - y, lines, name="note")

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.prs.save(buf)
        return buf.getvalue()


def _clip(text: str, n: int) -> str:
    """Text cut to `n` characters with an ellipsis (a slide's cell, not the record: the workbook keeps it whole)."""
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _run(paragraph, text: str, size: float, color: str, bold: bool = False):
    """A run in PPTX_FONT: the Latin and the East Asian (a:ea) typeface both set, so PowerPoint, WPS and LibreOffice
    pick a CJK font for the Chinese text instead of a Latin one."""
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    run = paragraph.add_run()
    run.text = text
    f = run.font
    f.size = Pt(size)
    f.bold = bold
    f.color.rgb = RGBColor.from_string(color)
    f.name = PPTX_FONT
    _east_asian(run._r.get_or_add_rPr())
    return run


def _east_asian(rPr) -> None:
    from pptx.oxml.ns import qn

    for tag in ("a:ea", "a:cs"):
        el = rPr.find(qn(tag))
        if el is None:
            el = rPr.makeelement(qn(tag), {})
            # Schema order: … a:latin, a:ea, a:cs, a:sym, a:hlinkClick …
            latin = rPr.find(qn("a:latin"))
            if latin is not None:
                latin.addnext(el) if tag == "a:ea" else rPr.find(qn("a:ea")).addnext(el)
            else:
                rPr.append(el)
        el.set("typeface", PPTX_FONT)
        if tag == "a:ea":
            el.set("panose", PPTX_FONT_PANOSE)
            el.set("charset", PPTX_FONT_CHARSET)


def _cell(cell, text: str, size: float, color: str, bold: bool, fill: str | None = None):
    from pptx.dml.color import RGBColor
    from pptx.util import Inches

    cell.text = ""
    tf = cell.text_frame
    tf.word_wrap = True
    p = tf.paragraphs[0]
    _run(p, text, size, color, bold)
    cell.margin_left = cell.margin_right = Inches(0.06)
    cell.margin_top = cell.margin_bottom = Inches(0.02)
    if fill:
        cell.fill.solid()
        cell.fill.fore_color.rgb = RGBColor.from_string(fill)


def _set_theme_fonts(prs) -> None:
    """The theme's major and minor East Asian fonts → PPTX_FONT (text typed later in PowerPoint gets it too)."""
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    for tag in ("a:latin", "a:ea"):
        for el in root.findall(f".//a:fontScheme/*/{tag}", ns):
            el.set("typeface", PPTX_FONT)
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
