"""Stand-ins for the inputs of render.report_docx.build_report, built to the contracts of figures.baseline.compare
(Comparison) and of the task register, so the Word report can be built and tested before those exist: a small
hand-made comparison, and one made from two real FigureSets (goals.evaluate at each date)."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import numpy as np
import pandas as pd

from txip_geo.paths import DATA_DIR

GOAL_COLUMNS = [
    "id",
    "kind",
    "group",
    "name",
    "unit",
    "target",
    "comparator",
    "baseline",
    "current",
    "change",
    "progress",
    "status",
    "status_label",
    "baseline_method",
    "baseline_note",
    "rule",
    "basis",
    "source",
    "lead",
    "cooperating",
]
AREA_COLUMNS = [
    "layer",
    "code",
    "name",
    "metric",
    "label",
    "unit",
    "baseline",
    "current",
    "change",
    "rank_then",
    "rank_now",
    "baseline_method",
]
TASK_COLUMNS = [
    "task_id",
    "name",
    "lead",
    "cooperating",
    "status",
    "status_label",
    "progress",
    "updated_at",
    "evidence",
]
STATUS_LABELS = {"not_started": "未启动", "in_progress": "推进中", "done": "已完成"}

# The per-area metrics of the stand-in (the lead's compare() picks its own).
KEY_METRICS = ["invention_patents_valid", "trademarks", "workstations", "zero_patent_above_scale", "invention_per_10k"]


def plan_tasks() -> list[dict]:
    with open(DATA_DIR / "tasks.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def figureset(is_sample: bool = True):
    return SimpleNamespace(is_sample=is_sample)


def comparison(goals: pd.DataFrame, areas=None, series=None, *, is_sample=True, baseline="2023-12-31"):
    return SimpleNamespace(
        baseline=baseline,
        current="2026-10-31",
        then=figureset(is_sample),
        now=figureset(is_sample),
        goals=goals,
        areas=pd.DataFrame(columns=AREA_COLUMNS) if areas is None else areas,
        series=pd.DataFrame(columns=["goal_id", "year", "value", "method"]) if series is None else series,
    )


def small_goals() -> pd.DataFrame:
    """Four goals and a milestone covering every case: met from a snapshot, not met from a derived baseline, no
    data, a plan-start cumulative goal, a milestone done."""
    rows = [
        ["G01", "goal", "1 产出质量", "有效发明专利量", "件", 3500.0, ">=", 2875.0, 3612.0, 737.0, 1.0, "met"],
        [
            "G03",
            "goal",
            "1 产出质量",
            "万人发明专利拥有量",
            "件/万人",
            29.0,
            ">=",
            24.123,
            27.456,
            3.333,
            0.9468,
            "not_met",
        ],
        [
            "G05",
            "goal",
            "1 产出质量",
            "万企有效注册商标数",
            "件/万户市场主体",
            660.0,
            ">=",
            None,
            None,
            None,
            None,
            "no_data",
        ],
        ["G13", "goal", "3 保护", "知识产权案件行政查处率", "%", 90.0, ">", 0.0, 85.26, 85.26, 0.9473, "not_met"],
        ["M01", "milestone", "3 保护", "探索建立企业知识产权联盟", None, None, "done", 0.0, 1.0, None, 1.0, "done"],
    ]
    labels = {"met": "已达成", "not_met": "未达成", "no_data": "无数据", "done": "已完成"}
    methods = {"G01": "snapshot", "G03": "derived", "G05": "none", "G13": "plan_start", "M01": "snapshot"}
    out = []
    for r in rows:
        gid = r[0]
        out.append(
            dict(
                zip(GOAL_COLUMNS[:10], r[:7] + [r[7], r[8], r[9]], strict=True),
                progress=r[10],
                status=r[11],
                status_label=labels[r[11]],
                baseline_method=methods[gid],
                baseline_note="由发明专利的申请日和授权日推算 2023 年底的有效量（不含其后失效的专利）"
                if gid == "G03"
                else "",
                rule=f"{gid} 的计算规则：按记录计算",
                basis=f"由 100 条记录计算；来源文件：{gid.lower()}.csv；截至 2026-10-31",
                source="computed" if gid != "M01" else "manual",
                lead="市场监管局（知识产权局）",
                cooperating="科技局",
            )
        )
    return pd.DataFrame(out, columns=GOAL_COLUMNS)


def small_areas() -> pd.DataFrame:
    rows = [
        [
            "units",
            "321283001",
            "济川街道",
            "invention_patents_valid",
            "有效发明专利",
            "件",
            300,
            420,
            120,
            2,
            1,
            "snapshot",
        ],
        [
            "units",
            "321283100",
            "黄桥镇",
            "invention_patents_valid",
            "有效发明专利",
            "件",
            350,
            330,
            -20,
            1,
            2,
            "snapshot",
        ],
        [
            "units",
            "321283101",
            "分界镇",
            "invention_patents_valid",
            "有效发明专利",
            "件",
            None,
            12,
            None,
            None,
            3,
            "none",
        ],
        [
            "parks",
            "P01",
            "泰兴经济开发区",
            "invention_patents_valid",
            "有效发明专利",
            "件",
            100,
            150,
            50,
            1,
            1,
            "snapshot",
        ],
    ]
    return pd.DataFrame(rows, columns=AREA_COLUMNS)


def small_series() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ["G01", 2023, 2875.0, "derived"],
            ["G01", 2024, 3100.0, "snapshot"],
            ["G01", 2025, 3400.0, "snapshot"],
            ["G01", 2026, 3612.0, "snapshot"],
        ],
        columns=["goal_id", "year", "value", "method"],
    )


def tasks(n: int | None = None, *, evidence: bool = True) -> pd.DataFrame:
    """The plan's tasks (the first `n`) in a register: statuses cycling 已完成 / 推进中 / 未启动."""
    statuses = ["done", "in_progress", "not_started"]
    rows = []
    for i, r in enumerate(plan_tasks()[:n]):
        st = statuses[i % 3]
        rows.append(
            {
                "task_id": int(r["task"]),
                "name": r["name"],
                "lead": r["lead"],
                "cooperating": r["cooperating"],
                "status": st,
                "status_label": STATUS_LABELS[st],
                "progress": "" if st == "not_started" else f"（样例）已召开专题推进会 {i + 1} 次，印发工作方案。",
                "updated_at": "2026-10-20T09:30:00" if st != "not_started" else None,
                "evidence": [f"任务{r['task']}佐证（样例）.pdf", "会议纪要（样例）.docx"]
                if evidence and st == "done"
                else [],
            }
        )
    return pd.DataFrame(rows, columns=TASK_COLUMNS)


def provenance(is_sample: bool = True) -> pd.DataFrame:
    return pd.DataFrame(
        [
            ["专利", "patents.csv", "2026-10-31", 17279, is_sample],
            ["专利", "patents_2023.csv", "2023-12-31", 12000, is_sample],
            ["商标", "trademarks.csv", "2026-10-31", 14000, is_sample],
        ],
        columns=["kind_label", "file_name", "as_of", "rows", "is_sample"],
    )


# -- from real figure sets --------------------------------------------------------------------------------------------
def _rank(values: pd.Series, less_is_better: bool) -> pd.Series:
    return values.rank(method="min", ascending=less_is_better)


def comparison_from(then, now, baseline: str, current: str, metrics=KEY_METRICS) -> SimpleNamespace:
    """A Comparison stand-in from two FigureSets: goals.evaluate at each date; G12 and G16 count from the plan's
    start (baseline 0); G13 and G14 have no baseline; G02's baseline is labelled derived."""
    from txip_geo.figures.compute import METRICS
    from txip_geo.figures.goals import evaluate
    from txip_geo.present.map_view import MORE_IS_WORSE

    ev_now, ev_then = evaluate(now), evaluate(then).set_index("id")
    g = ev_now.copy()
    g["baseline"] = [ev_then.loc[i, "current"] for i in g["id"]]
    g["baseline_method"] = np.where(g["baseline"].notna(), "snapshot", "none")
    g["baseline_note"] = ""
    for gid in ("G12", "G16"):
        g.loc[g["id"] == gid, ["baseline", "baseline_method"]] = [0.0, "plan_start"]
    for gid in ("G13", "G14"):
        g.loc[g["id"] == gid, ["baseline", "baseline_method"]] = [None, "none"]
    derived = g["id"] == "G02"
    g.loc[derived, "baseline_method"] = "derived"
    g.loc[derived, "baseline_note"] = (
        "按申请日推算：2023年底有效、且申请日在 2013-12-31 之前的发明专利（其后失效的已无记录，可能偏少）。"
    )
    g["baseline"] = pd.to_numeric(g["baseline"], errors="coerce")
    g["current"] = pd.to_numeric(g["current"], errors="coerce")
    g["change"] = np.where(g["kind"] == "goal", g["current"] - g["baseline"], np.nan)
    goals = g[GOAL_COLUMNS].reset_index(drop=True)

    rows = []
    for layer in ("units", "parks"):
        a, b = getattr(then, layer).set_index("code"), getattr(now, layer).set_index("code")
        for m in metrics:
            label, unit = METRICS[m]
            rank_then = _rank(a[m], m in MORE_IS_WORSE)
            rank_now = _rank(b[m], m in MORE_IS_WORSE)
            for code in b.index:
                base = a[m].get(code)
                cur = b.loc[code, m]
                rows.append(
                    [layer, code, b.loc[code, "name"], m, label, unit, base, cur]
                    + [None if pd.isna(base) or pd.isna(cur) else cur - base, rank_then.get(code), rank_now.get(code)]
                    + ["snapshot" if not pd.isna(base) else "none"]
                )
    areas = pd.DataFrame(rows, columns=AREA_COLUMNS)

    series = []
    for gid in ("G01", "G04", "G12", "G16"):
        b0 = goals.set_index("id").loc[gid, "baseline"]
        c0 = goals.set_index("id").loc[gid, "current"]
        if pd.isna(b0) or pd.isna(c0):
            continue
        for k, year in enumerate(range(int(baseline[:4]), int(current[:4]) + 1)):
            method = "snapshot" if year in (int(baseline[:4]), int(current[:4])) else "derived"
            series.append([gid, year, b0 + (c0 - b0) * k / (int(current[:4]) - int(baseline[:4])), method])
    return SimpleNamespace(
        baseline=baseline,
        current=current,
        then=then,
        now=now,
        goals=goals,
        areas=areas,
        series=pd.DataFrame(series, columns=["goal_id", "year", "value", "method"]),
    )


def provenance_from(store) -> pd.DataFrame:
    from txip_geo import schema

    imp = store.imports()
    return pd.DataFrame(
        {
            "kind_label": [schema.KINDS[k].label for k in imp["kind"]],
            "file_name": imp["file_name"],
            "as_of": imp["as_of"],
            "rows": imp["rows_imported"],
            "is_sample": imp["is_sample"].astype(bool),
        }
    )
