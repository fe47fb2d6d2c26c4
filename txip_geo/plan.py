"""The plan's tables (泰政办发〔2024〕18号, data/goals.csv, tasks.csv, phases.csv): goals G01–G16 and milestones
M01–M04 with their lead and cooperating units, and the plan's phases. Facts, read once; every wing may use them."""

from __future__ import annotations

import csv
from functools import lru_cache

import pandas as pd

from txip_geo.paths import DATA_DIR


@lru_cache(maxsize=1)
def goal_table() -> pd.DataFrame:
    """data/goals.csv joined with the lead and cooperating units of the task each goal belongs to."""
    with open(DATA_DIR / "goals.csv", encoding="utf-8") as f:
        goals = list(csv.DictReader(f))
    with open(DATA_DIR / "tasks.csv", encoding="utf-8") as f:
        tasks = {r["task"]: r for r in csv.DictReader(f)}
    for g in goals:
        t = tasks.get(g["task"], {})
        g["task_name"] = t.get("name", "")
        g["lead"] = t.get("lead", "")
        g["cooperating"] = t.get("cooperating", "")
        g["target"] = float(g["target"]) if g["target"] else None
    return pd.DataFrame(goals)


@lru_cache(maxsize=1)
def phases() -> pd.DataFrame:
    with open(DATA_DIR / "phases.csv", encoding="utf-8") as f:
        return pd.DataFrame(list(csv.DictReader(f)))


@lru_cache(maxsize=1)
def task_table() -> pd.DataFrame:
    """data/tasks.csv: the plan's 13 tasks (二、重点任务 1–13) -- task (int), name, lead, cooperating, source."""
    with open(DATA_DIR / "tasks.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["task"] = int(r["task"])
    return pd.DataFrame(rows)
