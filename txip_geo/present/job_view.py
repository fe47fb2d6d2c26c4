"""The background import jobs as the 数据 page shows them: one row per job, newest first, with its state, rows
stored, times (local, to the minute) and its result or the reason it failed."""

from __future__ import annotations

import pandas as pd

from txip_geo import schema
from txip_geo.store.jobs import Job
from txip_geo.strings import t

COLUMNS = ["id", "kind", "file", "who", "state", "rows", "created", "finished", "result"]


def when(stamp: str | None) -> str:
    """A stored UTC stamp in local time, to the minute ("" when there is none)."""
    if not stamp:
        return ""
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")


def progress_text(job: Job) -> str:
    if job.rows_total:
        return t("jobs.progress", file=job.file_name, done=f"{job.rows_done:,}", total=f"{job.rows_total:,}")
    return t("jobs.progress_unknown", file=job.file_name, done=f"{job.rows_done:,}")


def jobs_table(jobs: list[Job]) -> pd.DataFrame:
    rows = [
        [
            job.id,
            schema.KINDS[job.kind].label if job.kind in schema.KINDS else job.kind,
            job.file_name,
            job.who,
            t(f"jobs.state_{job.state}"),
            job.rows_done,
            when(job.created_at),
            when(job.finished_at),
            " ".join(str((job.error if job.state == "failed" else job.message) or "").split()),
        ]
        for job in jobs
    ]
    return pd.DataFrame(rows, columns=[t(f"jobs.col_{c}") for c in COLUMNS]).astype(
        {t("jobs.col_rows"): "int64", t("jobs.col_id"): "int64"}
    )
