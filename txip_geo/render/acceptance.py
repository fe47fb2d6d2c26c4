"""The 总结验收 (acceptance review) outputs of one baseline comparison: the Word 自评报告 with its maps, the task
register and its evidence, and where every figure comes from; the GIS layers (render.gis). The same for the 目标
page's download buttons and `python -m txip_geo report --format docx|gpkg|shp`."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from txip_geo.present.meeting import Layers
from txip_geo.present.records import kind_label
from txip_geo.present.task_view import evidence_table, task_register
from txip_geo.render import exports
from txip_geo.render.report_docx import DOCX_MIME, build_report
from txip_geo.strings import t

# The maps of the report: (caption key, which, indicator).
REPORT_MAPS = (
    ("acceptance.map_inventions", "indicator", "invention_patents_valid"),
    ("acceptance.map_gaps", "gaps", "patents"),
)
MAP_DPI = 150  # figures in a Word page: sharp at print size, a few hundred KB each


def provenance(store) -> pd.DataFrame:
    """One row per import in the store: kind_label, file_name, as_of, rows, is_sample (oldest first)."""
    imp = store.imports()
    if imp.empty:
        return pd.DataFrame(columns=["kind_label", "file_name", "as_of", "rows", "is_sample"])
    return pd.DataFrame(
        {
            "kind_label": imp["kind"].map(kind_label),
            "file_name": imp["file_name"],
            "as_of": imp["as_of"],
            "rows": imp["rows_imported"],
            "is_sample": imp["is_sample"].astype(bool),
        }
    )


def tasks_for_report(store) -> pd.DataFrame:
    """The task register with its evidence file names in `evidence` (what render.report_docx reads)."""
    reg = task_register(store)
    return reg.assign(evidence=reg["evidence_files"])


def with_goal_evidence(comparison, store):
    """The comparison whose goals' basis names the evidence files kept for them (milestones M01–M04 above all)."""
    ev = evidence_table(store)
    if ev.empty:
        return comparison
    files = ev[ev["target"] == "goal"].groupby("goal_id")["file_name"].agg(list)
    goals = comparison.goals.copy()
    goals["basis"] = [
        b + (t("acceptance.evidence_files", files=t("acceptance.files_sep").join(files[g])) if g in files else "")
        for g, b in zip(goals["id"], goals["basis"].fillna(""))
    ]
    return replace(comparison, goals=goals)


def report_maps(comparison, layers: Layers, *, internal: bool = True, dpi: int = MAP_DPI) -> dict[str, bytes]:
    """Caption -> PNG: the maps the report carries (as of the current date)."""
    fs = comparison.now
    if not fs.has_records:
        return {}
    return {
        t(key, date=comparison.current): exports.map_png(
            fs, layers, which=which, indicator=indicator, internal=internal, dpi=dpi
        )
        for key, which, indicator in REPORT_MAPS
    }


def self_review_docx(comparison, store, *, internal: bool = True, maps: bool = True, meta: dict | None = None) -> bytes:
    """The 自评报告 draft (.docx) of a comparison: goals, townships and parks, tasks with evidence, maps, provenance."""
    layers = Layers.from_store(store)
    return build_report(
        with_goal_evidence(comparison, store),
        tasks_for_report(store),
        report_maps(comparison, layers, internal=internal) if maps else {},
        provenance(store),
        comparison.now.schematic_notice or None,
        meta or {},
    )


FORMATS = {"docx": DOCX_MIME}


def file_name(comparison) -> str:
    """泰兴市知识产权强县建设试点自评报告_{baseline}_{current}.docx."""
    return t("acceptance.file_docx", baseline=comparison.baseline, current=comparison.current)
