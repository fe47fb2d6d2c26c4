"""The task register and the evidence as views show them: one row per task (the plan's units, the latest status, its
evidence files), one row per evidence file, the Chinese display tables of the 任务 page and the command line's rows.

For the deck and the Word report: :func:`task_register` (one row per task, with evidence counts and names) and
:func:`evidence_table` (one row per evidence file of a task or a goal) are plain DataFrames with machine column names.
"""

from __future__ import annotations

import pandas as pd

from txip_geo.plan import goal_table, task_table
from txip_geo.present.records import local_time
from txip_geo.store import evidence as evidence_store
from txip_geo.store import tasks as task_store
from txip_geo.strings import t

__all__ = [
    "STATUS_COLORS",
    "evidence_display",
    "evidence_table",
    "register_display",
    "status_css",
    "summary",
    "task_register",
    "tasks_payload",
]

# status -> (text colour, background): done green, in progress blue, not started orange, not reported grey.
STATUS_COLORS: dict[str, tuple[str, str]] = {
    "done": ("#006d2c", "#e5f5e0"),
    "in_progress": ("#08519c", "#deebf7"),
    "not_started": ("#a63603", "#fee6ce"),
    "not_reported": ("#525252", "#f0f0f0"),
}
STATUS_ORDER = ("done", "in_progress", "not_started", "not_reported")

EVIDENCE_COLUMNS = [
    "id",
    "target",
    "task_id",
    "goal_id",
    "target_label",
    "target_name",
    "file_name",
    "sha256",
    "size",
    "file_type",
    "mime",
    "uploaded_at",
    "uploaded_by",
    "note",
    "deleted",
]


def _goal_names() -> dict[str, str]:
    g = goal_table()
    return dict(zip(g["id"], g["name"]))


def _task_names() -> dict[int, str]:
    return dict(zip(task_table()["task"], task_table()["name"]))


def evidence_table(store, *, include_deleted: bool = False) -> pd.DataFrame:
    """One row per evidence file (hidden ones only with include_deleted), oldest first: id, target ('task' or 'goal'),
    task_id (1–13 or <NA>), goal_id (G01–M04 or None), target_label (任务3 / 目标 M01), target_name (the task's or
    goal's name), file_name, sha256, size, file_type, mime, uploaded_at, uploaded_by, note, deleted."""
    ev = evidence_store.listing(store, include_deleted=include_deleted)
    if ev.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EVIDENCE_COLUMNS})
    tasks, goals = _task_names(), _goal_names()
    is_goal = ev["goal_id"].notna()
    ev["target"] = is_goal.map({True: "goal", False: "task"})
    ev["target_label"] = [
        evidence_store.target_label(None if g else tid, g) for tid, g in zip(ev["task_id"], ev["goal_id"].fillna(""))
    ]
    ev["target_name"] = [
        goals.get(g, "") if g else tasks.get(int(tid), "") for tid, g in zip(ev["task_id"], ev["goal_id"].fillna(""))
    ]
    return ev[EVIDENCE_COLUMNS].reset_index(drop=True)


def goal_evidence(store) -> pd.DataFrame:
    """The evidence files kept for goals and milestones: goal_id, file_name, uploaded_at (the 目标 page's list)."""
    ev = evidence_table(store)
    return ev.loc[ev["target"] == "goal", ["goal_id", "file_name", "uploaded_at"]].reset_index(drop=True)


def task_register(store, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per task of the plan (1–13, in order): task_id, name, lead, cooperating, plan_source, status
    (not_reported / not_started / in_progress / done), status_label, progress, evidence_note (the 佐证材料 list as
    text), updated_at, updated_by, update_source (app / import:<file>), evidence_count and evidence_files (the names
    of its evidence files, a list), evidence_names (the same joined with "；")."""
    plan = task_table().rename(columns={"task": "task_id", "source": "plan_source"})
    cur = task_store.current(store).rename(columns={"source": "update_source"})
    reg = plan.merge(cur, on="task_id", how="left")
    ev = evidence_table(store) if evidence is None else evidence
    files = ev[ev["target"] == "task"].groupby(ev["task_id"].astype("float"))["file_name"].agg(list)
    reg["evidence_files"] = [files.get(float(tid), []) for tid in reg["task_id"]]
    reg["evidence_count"] = reg["evidence_files"].map(len)
    reg["evidence_names"] = reg["evidence_files"].map("；".join)
    return reg[
        [
            "task_id",
            "name",
            "lead",
            "cooperating",
            "plan_source",
            "status",
            "status_label",
            "progress",
            "evidence_note",
            "updated_at",
            "updated_by",
            "update_source",
            "evidence_count",
            "evidence_files",
            "evidence_names",
        ]
    ]


def tasks_payload(store) -> list[dict]:
    """What `python -m txip_geo tasks --format json` prints: per task id, name, lead, cooperating, status,
    status_label, progress, evidence_note, updated_at, updated_by, source, evidence [{file_name, sha256, size,
    uploaded_at}]."""
    ev = evidence_table(store)
    reg = task_register(store, ev)
    out = []
    for r in reg.itertuples():
        files = ev[(ev["target"] == "task") & (ev["task_id"].astype("float") == float(r.task_id))]
        out.append(
            {
                "id": int(r.task_id),
                "name": r.name,
                "lead": r.lead,
                "cooperating": r.cooperating,
                "status": r.status,
                "status_label": r.status_label,
                "progress": r.progress,
                "evidence_note": r.evidence_note,
                "updated_at": r.updated_at or None,
                "updated_by": r.updated_by or None,
                "source": r.update_source or None,
                "evidence": [
                    {"file_name": f.file_name, "sha256": f.sha256, "size": int(f.size), "uploaded_at": f.uploaded_at}
                    for f in files.itertuples()
                ],
            }
        )
    return out


def summary(reg: pd.DataFrame) -> str:
    """已完成 3 项 · 推进中 5 项 · 未启动 1 项 · 未填报 4 项（共 13 项）."""
    counts = reg["status"].value_counts()
    return t("tasks.summary", total=len(reg), **{s: int(counts.get(s, 0)) for s in STATUS_ORDER})


def status_css(status: str) -> str:
    """CSS for a status cell or badge; '' for anything else."""
    if status not in STATUS_COLORS:
        return ""
    fg, bg = STATUS_COLORS[status]
    return f"color: {fg}; background-color: {bg}; font-weight: 600"


def plan_source_label(source: str) -> str:
    """data/tasks.csv's source (PLAN2024 二(一)1) as people read it: 泰政办发〔2024〕18号 二(一)1."""
    return str(source).replace("PLAN2024", t("tasks.plan_doc"))


def source_label(source: str) -> str:
    """页面填报 / 导入 文件.xlsx / '' (never reported)."""
    if not source:
        return ""
    if source.startswith(task_store.IMPORT_PREFIX):
        return t("tasks.source_import", file=source[len(task_store.IMPORT_PREFIX) :])
    return t("tasks.source_app")


def register_display(reg: pd.DataFrame) -> pd.DataFrame:
    """The register with Chinese column names, for the page's table (keeps `status` for styling)."""
    return pd.DataFrame(
        {
            "status": reg["status"],
            t("tasks.col_id"): reg["task_id"].astype(int),
            t("tasks.col_name"): reg["name"],
            t("tasks.col_status"): reg["status_label"],
            t("tasks.col_progress"): reg["progress"],
            t("tasks.col_evidence_note"): reg["evidence_note"],
            t("tasks.col_files"): reg["evidence_count"].astype(int),
            t("tasks.col_lead"): reg["lead"],
            t("tasks.col_coop"): reg["cooperating"],
            t("tasks.col_updated_at"): reg["updated_at"].map(local_time),
            t("tasks.col_updated_by"): reg["updated_by"],
        }
    )


def styled(display: pd.DataFrame):
    """register_display without its `status` column, the 状态 cells coloured by status."""
    css = [status_css(s) for s in display["status"]]
    return display.drop(columns=["status"]).style.apply(lambda _: css, subset=[t("tasks.col_status")])


def size_text(n) -> str:
    n = int(n)
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def evidence_display(ev: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows with Chinese column names: 所属, 文件名, 大小, 上传时间, 上传人, 说明."""
    return pd.DataFrame(
        {
            t("tasks.col_target"): ev["target_label"],
            t("tasks.col_file_name"): ev["file_name"],
            t("tasks.col_size"): ev["size"].map(size_text),
            t("tasks.col_uploaded_at"): ev["uploaded_at"].map(local_time),
            t("tasks.col_uploaded_by"): ev["uploaded_by"],
            t("tasks.col_note"): ev["note"],
        }
    )


def history_display(hist: pd.DataFrame) -> pd.DataFrame:
    """A task's rows of the register, newest first, with Chinese column names."""
    hist = hist.iloc[::-1]
    return pd.DataFrame(
        {
            t("tasks.col_updated_at"): hist["updated_at"].map(local_time),
            t("tasks.col_status"): hist["status"].map(task_store.STATUS_LABELS),
            t("tasks.col_progress"): hist["progress"],
            t("tasks.col_evidence_note"): hist["evidence_note"],
            t("tasks.col_updated_by"): hist["updated_by"],
            t("tasks.col_source"): hist["source"].map(source_label),
        }
    ).reset_index(drop=True)


def cli_table(reg: pd.DataFrame, *, readable: bool = False) -> pd.DataFrame:
    """The command line's CSV (and, `readable`: its table, times as people read them): machine column names, the
    evidence file names joined."""
    out = reg.drop(columns=["evidence_files"]).rename(columns={"task_id": "id", "update_source": "source"})
    return out.assign(updated_at=out["updated_at"].map(local_time)) if readable else out
