"""The 自评报告 draft in Word: the document a county files for the acceptance review (验收) of its National IP Strong
County pilot -- cover, contents, 一、基本情况 … 七、存在问题和下一步 -- from a baseline comparison
(figures.baseline.compare), the task register, the maps (PNG), the list of imports and the boundary notice.

The text of every table and sentence comes from present.self_review (and data/strings_zh.toml); the Word plumbing
(fonts on styles and runs, fixed-width tables with repeated headers and unsplit rows, fields) from render.docx_kit.
A4 portrait; the goal table, whose counting rules need the width, sits in a landscape section of its own.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd

from txip_geo.figures.goals import current_phase
from txip_geo.paths import DATA_DIR
from txip_geo.plan import phases
from txip_geo.present import self_review as sr
from txip_geo.render import docx_kit as kit
from txip_geo.strings import t

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PLAN_SOURCE = "PLAN2024"

# Status colours of the goal and task tables (fill, text): green done, red not done, grey unknown.
STATUS_FILL = {
    "met": ("E2F0D9", "375623"),
    "done": ("E2F0D9", "375623"),
    "not_met": ("FBE4D5", "9C0006"),
    "not_done": ("FBE4D5", "9C0006"),
    "no_data": ("EDEDED", "404040"),
}
RED = "C00000"

# Column widths (mm). The goal table is laid out on a landscape page (225 mm of text); the others fit 156 mm.
GOAL_WIDTHS = [44, 19, 25, 19, 18, 24, 76]
SERIES_NAME_W = 56
MILESTONE_WIDTHS = [51, 29, 20, 56]
AREA_WIDTHS = [36, 30, 28, 26, 36]
TASK_WIDTHS = [11, 52, 34, 17, 25, 17]
FILE_WIDTHS = [36, 54, 24, 18, 24]
BASIS_WIDTHS = [46, 110]
MAP_MAX_H = 190.0
AREA_PT = 10  # two township tables (17 rows) to a page


def build_report(
    comparison,
    tasks: pd.DataFrame,
    maps: dict[str, bytes],
    provenance: pd.DataFrame,
    boundary_notice: str | None,
    meta: dict,
) -> bytes:
    """The 自评报告 as .docx bytes.

    comparison: figures.baseline.Comparison (baseline, current, now.is_sample, goals, areas, series);
    tasks: one row per task (task_id, name, lead, cooperating, status, status_label, progress, updated_at, evidence);
    maps: figure caption -> PNG bytes (may be empty);
    provenance: one row per import (kind_label, file_name, as_of, rows, is_sample);
    boundary_notice: the 示意边界 notice while boundaries are schematic, else None;
    meta: city, office, date (ISO; default today)."""
    return _Report(comparison, tasks, maps, provenance, boundary_notice, meta).build()


class _Report:
    def __init__(self, comparison, tasks, maps, provenance, boundary_notice, meta):
        self.c = comparison
        self.goals = comparison.goals
        self.areas = comparison.areas if comparison.areas is not None else pd.DataFrame()
        self.series = comparison.series
        self.tasks = tasks if tasks is not None else pd.DataFrame()
        self.maps = maps or {}
        self.provenance = provenance
        self.boundary_notice = boundary_notice or None
        self.sample = bool(comparison.now.is_sample)
        self.city = meta.get("city") or t("report_docx.city")
        self.office = meta.get("office") or t("report_docx.office")
        self.date = meta.get("date") or date.today().isoformat()
        self.title = t("report_docx.title_1", city=self.city) + t("report_docx.title_2")
        self.doc = kit.new_document(title=self.title, author=self.office)
        self.n_table = self.n_figure = self.n_h2 = 0

    def build(self) -> bytes:
        self.cover()
        self.contents()
        self.body_section()
        self.basics()
        self.goal_section()
        self.area_section()
        self.task_section()
        self.map_section()
        self.data_section()
        self.problem_section()
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    # -- helpers --------------------------------------------------------------------------------------------------
    def p(self, text: str = "", key: str = "body", **kw):
        return kit.para(self.doc, text, key, **kw)

    def h1(self, key: str):
        self.n_h2 = 0
        return self.p(t(f"report_docx.{key}"), "h1")

    def h2(self, key: str):
        """A level-2 heading numbered （一）（二）… within its section (a part left out leaves no gap)."""
        self.n_h2 += 1
        n = t("report_docx.numerals")[self.n_h2 - 1]
        return self.p(t("report_docx.h2", n=n, title=t(f"report_docx.{key}")), "h2")

    def table_title(self, title: str) -> None:
        self.n_table += 1
        self.p(t("report_docx.table_title", n=self.n_table, title=title), "table_title")

    def items(self, texts: list[str], key: str = "body") -> None:
        for i, text in enumerate(texts, 1):
            self.p(t("report_docx.item", n=i, text=text), key)

    # -- cover, contents, sections ---------------------------------------------------------------------------------
    def cover(self) -> None:
        if self.sample:
            banner = self.p(t("report_docx.sample_banner"), "subtitle", bold=True, color=RED)
            _border(banner, RED)
        top = self.p("", "title")
        top.paragraph_format.space_before = kit.Pt(120 if not self.sample else 80)
        kit.run(top, t("report_docx.title_1", city=self.city), "title")
        top.add_run().add_break()
        kit.run(top, t("report_docx.title_2"), "title")
        self.p(
            t("report_docx.cover_baseline", date=sr.fmt_date(self.c.baseline)), "subtitle"
        ).paragraph_format.space_before = kit.Pt(24)
        self.p(t("report_docx.cover_current", date=sr.fmt_date(self.c.current)), "subtitle")
        office = self.p(t("report_docx.cover_office", office=self.office), "subtitle")
        office.paragraph_format.space_before = kit.Pt(200)
        self.p(t("report_docx.cover_date", date=sr.fmt_date(self.date)), "subtitle")
        kit.page_break(self.doc)

    def contents(self) -> None:
        self.p(t("report_docx.toc_title"), "title").paragraph_format.space_after = kit.Pt(18)
        entries = [(0, t(f"report_docx.s{i}")) for i in range(1, 8)]
        kit.toc(self.doc, entries)

    def body_section(self) -> None:
        from docx.enum.section import WD_SECTION

        sec = self.doc.add_section(WD_SECTION.NEW_PAGE)
        kit.page_setup(sec)
        sec.footer.is_linked_to_previous = False
        sec.header.is_linked_to_previous = False
        kit.page_number_footer(sec, t("report_docx.page_before"), t("report_docx.page_after"))
        kit.restart_numbering(sec)
        hp = sec.header.paragraphs[0]
        kit.set_style(hp, "header")
        kit.run(hp, self.title, "header")
        if self.sample:
            kit.run(hp, "　" + t("report_docx.sample_header"), "header", bold=True, color=RED)

    def turn(self, landscape: bool) -> None:
        """A new section on a new page, landscape or portrait (headers and page numbers carry on)."""
        from docx.enum.section import WD_SECTION

        sec = self.doc.add_section(WD_SECTION.NEW_PAGE)
        kit.page_setup(sec, landscape=landscape)
        pg = sec._sectPr.find(kit.qn("w:pgNumType"))  # copied from the section before: numbering goes on
        if pg is not None:
            sec._sectPr.remove(pg)

    # -- 一、基本情况 -------------------------------------------------------------------------------------------------
    def basics(self) -> None:
        from txip_geo.areas.gazetteer import load_gazetteer

        self.h1("s1")
        ph = phases()
        plan = load_gazetteer().sources[PLAN_SOURCE]["title"]
        try:
            phase = current_phase(date.fromisoformat(str(self.date)[:10]))
        except ValueError:
            phase = t("report_docx.phase_unknown")
        names = t("report_docx.phase_sep").join(
            t("report_docx.phase_item", name=r.phase, start=sr.fmt_date(r.start), end=sr.fmt_date(r.end))
            for r in ph.itertuples()
        )
        self.p(
            t(
                "report_docx.plan_intro",
                plan=plan,
                city=self.city,
                start=sr.fmt_date(ph["start"].min()),
                end=sr.fmt_date(ph["end"].max()),
                phases=names,
                phase=phase,
            )
        )
        g = self.goals
        self.p(
            t(
                "report_docx.scope",
                baseline=sr.fmt_date(self.c.baseline),
                current=sr.fmt_date(self.c.current),
                goals=int((g["kind"] == "goal").sum()),
                milestones=int((g["kind"] == "milestone").sum()),
                tasks=len(_plan_tasks()),
            )
        )
        for s in sr.summary_sentences(sr.summary(g, self.tasks)):
            self.p(s)
        self.p(t("report_docx.data_as_of", current=sr.fmt_date(self.c.current)))
        if self.sample:
            self.p(t("report_docx.sample_paragraph"), bold=True, color=RED)

    # -- 二、目标完成情况 ---------------------------------------------------------------------------------------------
    def goal_section(self) -> None:
        self.turn(landscape=True)
        self.h1("s2")
        self.h2("s2_table")
        self.p(t("report_docx.goal_intro", baseline=sr.fmt_date(self.c.baseline), current=sr.fmt_date(self.c.current)))
        self.table_title(t("report_docx.goals_table_title"))
        year = str(self.c.baseline)[:4]
        header = [
            t("report_docx.col_goal"),
            t("report_docx.col_target"),
            [t("report_docx.col_baseline_1"), t("report_docx.col_baseline_2", year=year)],
            t("report_docx.col_current"),
            t("report_docx.col_change"),
            t("report_docx.col_status"),
            t("report_docx.col_rule"),
        ]
        rows = []
        for r in sr.goal_rows(self.goals):
            if r.kind != "goal":
                continue
            fill, color = STATUS_FILL.get(r.status, (None, None))
            rows.append(
                [
                    r.name,
                    kit.Cell([r.target], align="center"),
                    kit.Cell([r.baseline], align="center", small=[r.baseline_tag] if r.baseline_tag else []),
                    kit.Cell([r.current], align="center"),
                    kit.Cell([r.change], align="center"),
                    kit.Cell(r.status_lines, align="center", fill=fill, color=color),
                    kit.Cell([r.rule], small=[t("report_docx.source_line", source=r.source)]),
                ]
            )
        kit.table(self.doc, header, rows, GOAL_WIDTHS, size=9)
        self.turn(landscape=False)
        self.milestone_table()
        self.series_table()

    def milestone_table(self) -> None:
        """The milestones M01–M04: done at the baseline and now, with the evidence entered."""
        ms = [r for r in sr.goal_rows(self.goals) if r.kind == "milestone"]
        if not ms:
            return
        self.h2("s2_milestones")
        self.table_title(t("report_docx.milestones_title"))
        header = [
            t("report_docx.col_milestone"),
            [t("report_docx.col_baseline_1"), t("report_docx.col_baseline_2", year=str(self.c.baseline)[:4])],
            t("report_docx.col_current"),
            t("report_docx.col_evidence"),
        ]
        rows = []
        for r in ms:
            fill, color = STATUS_FILL.get(r.status, (None, None))
            rows.append(
                [
                    r.name,
                    kit.Cell([r.baseline], align="center"),
                    kit.Cell([r.current], align="center", fill=fill, color=color),
                    kit.Cell([r.basis], small=[t("report_docx.source_line", source=r.source)]),
                ]
            )
        kit.table(self.doc, header, rows, MILESTONE_WIDTHS, keep_together=True)

    def series_table(self) -> None:
        years, rows, derived = sr.series_table(self.series, self.goals)
        if not rows:
            return
        self.h2("s2_series")
        self.p(t("report_docx.series_intro"))
        self.table_title(t("report_docx.series_title"))
        width = (kit.TEXT_W - SERIES_NAME_W) / len(years)
        header = [t("report_docx.col_goal")] + [t("report_docx.col_year", year=y) for y in years]
        body = [[name] + [kit.Cell([c], align="center") for c in cells] for name, cells in rows]
        kit.table(self.doc, header, body, [SERIES_NAME_W] + [width] * len(years), keep_together=True)
        if derived:
            self.p(t("report_docx.derived_note"), "note")

    # -- 三、镇街和园区 -----------------------------------------------------------------------------------------------
    def area_section(self) -> None:
        self.h1("s3")
        units, parks = sr.area_tables(self.areas, "units"), sr.area_tables(self.areas, "parks")
        if not units and not parks:
            self.p(t("report_docx.no_areas"))
            return
        for layer, tables, h in (("units", units, "s3_units"), ("parks", parks, "s3_parks")):
            self.h2(h)
            what = t(f"report_docx.what_{layer}")
            if not tables:
                self.p(t("report_docx.no_parks" if layer == "parks" else "report_docx.no_areas"))
                continue
            self.p(t("report_docx.area_intro", what=what))
            name_col = t("report_docx.col_unit_name" if layer == "units" else "report_docx.col_park_name")
            for tb in tables:
                if tb.unit:
                    title = t(f"report_docx.area_title_{layer}", label=tb.label, unit=tb.unit)
                else:
                    title = t("report_docx.area_title_no_unit", what=what, label=tb.label)
                self.table_title(title)
                header = [
                    name_col,
                    [t("report_docx.col_baseline_1"), t("report_docx.col_baseline_2", year=str(self.c.baseline)[:4])],
                    t("report_docx.col_current"),
                    t("report_docx.col_change"),
                    [t("report_docx.col_rank_1"), t("report_docx.col_rank_2")],
                ]
                kit.table(
                    self.doc,
                    header,
                    [list(r) for r in tb.rows],
                    AREA_WIDTHS,
                    aligns=_AREA_ALIGNS,
                    keep_together=True,
                    size=AREA_PT,
                )
                if any("*" in r[1] for r in tb.rows):
                    self.p(t("report_docx.derived_note"), "note")

    # -- 四、重点任务推进情况 -----------------------------------------------------------------------------------------
    def task_section(self) -> None:
        self.h1("s4")
        plan_tasks = _plan_tasks()
        if self.tasks.empty:
            self.p(t("report_docx.no_tasks", n=len(plan_tasks)))
            self.items([t("report_docx.plan_task_item", **r) for r in plan_tasks])
            return
        self.h2("s4_overview")
        self.p(t("report_docx.tasks_intro", n=len(plan_tasks)))
        self.table_title(t("report_docx.tasks_title"))
        header = [
            t("report_docx.col_task_no"),
            t("report_docx.col_task"),
            t("report_docx.col_lead"),
            t("report_docx.col_task_status"),
            t("report_docx.col_updated"),
            t("report_docx.col_evidence_n"),
        ]
        rows = []
        records = self.tasks.to_dict("records")
        for r in records:
            fill, color = STATUS_FILL["done" if r["status"] == "done" else "no_data"]
            rows.append(
                [
                    kit.Cell([str(r["task_id"])], align="center"),
                    str(r["name"]),
                    sr.text(r["lead"]),
                    kit.Cell([str(r["status_label"])], align="center", fill=fill, color=color),
                    kit.Cell([_day(r.get("updated_at"))], align="center"),
                    kit.Cell([t("report_docx.evidence_count", n=len(sr.evidence_list(r["evidence"])))], align="center"),
                ]
            )
        kit.table(self.doc, header, rows, TASK_WIDTHS, size=10)
        self.h2("s4_detail")
        for r in records:
            self.task_detail(r)

    def task_detail(self, r: dict) -> None:
        """A task's block, kept on one page: title, units, status, progress, evidence files."""
        updated = _day(r.get("updated_at"))
        progress = r.get("progress")
        has_progress = isinstance(progress, str) and progress.strip()
        lines = [
            t("report_docx.task_units", lead=sr.text(r["lead"]), cooperating=sr.text(r.get("cooperating"))),
            t(
                "report_docx.task_status",
                status=r["status_label"],
                updated=t("report_docx.task_updated", date=updated) if updated else "",
            ),
            t("report_docx.task_progress", progress=progress.strip())
            if has_progress
            else t("report_docx.task_no_progress"),
        ]
        files = sr.evidence_list(r["evidence"])
        if files:
            lines.append(t("report_docx.task_evidence"))
            lines += [t("report_docx.task_evidence_item", n=i, name=name) for i, name in enumerate(files, 1)]
        else:
            lines.append(t("report_docx.task_no_evidence"))
        self.p(sr.task_title(r), "body", bold=True, keep_next=True)
        for i, line in enumerate(lines):
            self.p(line, keep_next=i < len(lines) - 1)

    # -- 五、地图 -----------------------------------------------------------------------------------------------------
    def map_section(self) -> None:
        self.h1("s5")
        if not self.maps:
            self.p(t("report_docx.no_maps"))
            return
        self.p(t("report_docx.maps_intro"), keep_next=True)
        for caption, png in self.maps.items():
            kit.picture(self.doc, png, kit.TEXT_W, MAP_MAX_H)
            self.n_figure += 1
            self.p(t("report_docx.figure_title", n=self.n_figure, title=caption), "caption")

    # -- 六、数据来源与说明 -------------------------------------------------------------------------------------------
    def data_section(self) -> None:
        self.h1("s6")
        self.h2("s6_files")
        rows = sr.provenance_rows(self.provenance)
        if rows:
            self.p(t("report_docx.files_intro"))
            self.table_title(t("report_docx.files_title"))
            header = [t(f"report_docx.col_{c}") for c in ("kind", "file", "as_of", "rows", "nature")]
            body = [
                [k, f, kit.Cell([d], align="center"), kit.Cell([n], align="right"), kit.Cell([s], align="center")]
                for k, f, d, n, s in rows
            ]
            kit.table(self.doc, header, body, FILE_WIDTHS)
        else:
            self.p(t("report_docx.no_files"))
        self.h2("s6_baseline")
        start = sr.fmt_date(phases()["start"].min())
        for note in sr.baseline_notes(self.goals, sr.fmt_date(self.c.baseline), start):
            self.p(note)
        self.h2("s6_basis")
        self.table_title(t("report_docx.basis_title"))
        rows = [
            [sr.goal_name(g), g.get("basis") or t("report_docx.basis_empty")] for g in self.goals.to_dict("records")
        ]
        kit.table(self.doc, [t("report_docx.col_goal"), t("report_docx.col_basis")], rows, BASIS_WIDTHS)
        self.h2("s6_notices")
        self.p(t("report_docx.notice_sample" if self.sample else "report_docx.notice_real"))
        if self.boundary_notice:
            self.p(t("report_docx.notice_boundary", notice=self.boundary_notice.rstrip("。")))
        else:
            self.p(t("report_docx.notice_boundary_official"))

    # -- 七、存在问题和下一步 -----------------------------------------------------------------------------------------
    def problem_section(self) -> None:
        self.h1("s7")
        self.h2("s7_problems")
        problems = sr.problems(self.goals, self.tasks, self.areas, self.boundary_notice, self.sample)
        if problems:
            self.p(t("report_docx.problems_intro"), keep_next=True)
            self.items(problems)
        else:
            self.p(t("report_docx.no_problems"))
        self.h2("s7_next")
        steps = sr.next_steps(self.goals, self.tasks)
        if steps:
            self.p(t("report_docx.next_intro"), keep_next=True)
            self.items(steps)
        else:
            self.p(t("report_docx.no_next"))


_AREA_ALIGNS = ["left", "right", "right", "right", "center"]


def _day(v) -> str:
    """'2026-10-20' from a date, timestamp or ISO text; '' for a blank (None, NaN, NaT)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "":
        return ""
    return str(v)[:10]


def _border(paragraph, color: str) -> None:
    """A box round a paragraph (the 样例数据 banner)."""
    ppr = paragraph._p.get_or_add_pPr()
    sides = "".join(
        f'<w:{s} w:val="single" w:sz="12" w:space="4" w:color="{color}"/>' for s in ("top", "left", "bottom", "right")
    )
    ppr.insert_element_before(kit.parse_xml(f"<w:pBdr {kit.nsdecls('w')}>{sides}</w:pBdr>"), *kit.PPR_AFTER_PBDR)


def _plan_tasks() -> list[dict]:
    """The plan's 13 tasks (data/tasks.csv): id, name, lead."""
    with open(DATA_DIR / "tasks.csv", encoding="utf-8") as f:
        return [{"id": r["task"], "name": r["name"], "lead": r["lead"]} for r in csv.DictReader(f)]
