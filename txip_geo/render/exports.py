"""One entry point for the 联席会议 exports -- PPTX, PDF, PNG, XLSX, as bytes -- and the A4 print maps; the same for
the presentation page's download buttons and `python -m txip_geo report`."""

from __future__ import annotations

import pandas as pd

from txip_geo.figures.baseline import BASELINE
from txip_geo.figures.compute import FigureSet
from txip_geo.present import baseline_view, industry_tables
from txip_geo.present.meeting import Layers, gap_spec, indicator_spec, source_line, title_lines, workbook_sheets
from txip_geo.present.task_view import task_register
from txip_geo.render.deck import build_pptx
from txip_geo.render.xlsx import XLSX_MIME
from txip_geo.strings import t

FORMATS = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
    "png": "image/png",
    "xlsx": XLSX_MIME,
}


def map_png(
    fs: FigureSet,
    layers: Layers,
    *,
    which: str = "indicator",
    indicator: str = "patents",
    internal: bool = True,
    dpi: int = 300,
    ref: FigureSet | None = None,
) -> bytes:
    """An A4 landscape map at print resolution: the indicator map or the gap map (`which='gaps'`)."""
    from txip_geo.render import staticmap

    spec, title = _print_map(fs, layers, which, indicator, ref)
    return staticmap.render(spec, title=title, source=source_line(fs), internal=internal, fmt="png", dpi=dpi)


def map_pdf(
    fs: FigureSet, layers: Layers, *, indicator: str = "patents", internal: bool = True, ref: FigureSet | None = None
) -> bytes:
    """A4 landscape vector PDF, the CJK font embedded: page 1 the indicator map, page 2 the gap map."""
    from txip_geo.render import staticmap

    figs = []
    for which in ("indicator", "gaps"):
        spec, title = _print_map(fs, layers, which, indicator, ref)
        figs.append(staticmap.figure(spec, title=title, source=source_line(fs), internal=internal))
    return staticmap.save_pdf(figs)


def _print_map(fs, layers, which, indicator, ref):
    if which == "gaps":
        return gap_spec(fs, layers), t("report.print_title", title=t("report.gap_map_title"))
    if which != "indicator":
        raise ValueError(f"which must be 'indicator' or 'gaps', not {which!r}")
    spec = indicator_spec(fs, layers, indicator, ref)
    return spec, t("report.print_title", title=t("report.map_title", label=spec.label))


def comparison_for(fs: FigureSet, comparison=None, store=None, baseline: str = BASELINE):
    """The comparison an export shows: the one given, else baseline → now computed from `store` for the figures'
    settings (figures.baseline.compare), else None (a FigureSet alone cannot say what it was at the baseline: the
    export then has no baseline part)."""
    if comparison is not None or store is None:
        return comparison
    from txip_geo.figures.baseline import compare

    return compare(store, fs.settings, baseline, series=False)


def build_xlsx(fs: FigureSet, *, internal: bool = True, comparison=None, store=None, baseline: str = BASELINE) -> bytes:
    """The workbook: workbook_sheets(fs), then with a comparison (given, or computed from `store`) the baseline /
    current / change sheets of goals, townships and parks (baseline_view.workbook_sheets), then the industry section
    (industry_tables.workbook_sheets)."""
    from txip_geo.render.xlsx import write_xlsx

    sheets = workbook_sheets(fs)
    comparison = comparison_for(fs, comparison, store, baseline)
    if comparison is not None:
        sheets |= baseline_view.workbook_sheets(comparison)
    sheets |= industry_tables.workbook_sheets(fs, comparison)  # the industries (G01/G02 baseline → now with it)
    return write_xlsx(sheets, title_lines={name: title_lines(fs, name, internal) for name in sheets})


def build(
    fmt: str,
    fs: FigureSet,
    layers: Layers,
    *,
    indicator: str = "patents",
    internal: bool = True,
    only_gaps: bool = False,
    which: str = "indicator",
    dpi: int = 300,
    ref: FigureSet | None = None,
    comparison=None,
    store=None,
    baseline: str = BASELINE,
    tasks: pd.DataFrame | None = None,
) -> bytes:
    """The export in `fmt` (pptx | pdf | png | xlsx) as bytes. The deck's 三年变化 section and the workbook's baseline
    sheets show `comparison` (figures.baseline.Comparison), computed from `store` as of `baseline` when not given;
    `tasks`: the task register's state for the deck (baseline_view.task_rows; None: the store's register, else the
    plan's tasks, 未填报)."""
    if fmt == "pptx":
        return build_pptx(
            fs,
            layers,
            indicator=indicator,
            internal=internal,
            only_gaps=only_gaps,
            ref=ref,
            comparison=comparison_for(fs, comparison, store, baseline),
            tasks=tasks if tasks is not None or store is None else task_register(store),
        )
    if fmt == "pdf":
        return map_pdf(fs, layers, indicator=indicator, internal=internal, ref=ref)
    if fmt == "png":
        return map_png(fs, layers, which=which, indicator=indicator, internal=internal, dpi=dpi, ref=ref)
    if fmt == "xlsx":
        return build_xlsx(fs, internal=internal, comparison=comparison, store=store, baseline=baseline)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
