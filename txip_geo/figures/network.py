"""The three-tier network (任务1, 保障措施一/三): per township-level unit and park, what the plan asks for and what is missing.

The plan asks every 乡镇（街道） and 园区 for a 知识产权管理机构 and 专（兼）职管理人员 (保障措施一), a 知识产权专项资金 in
its budget (保障措施三) and 知识产权工作站 (任务9); its enterprises are the targets of 专利"消零" (任务5), high-value
patents (任务4) and trademarks (任务7).

"No" and "not reported" are kept apart everywhere: a 0 / 否 is a gap ("无…"); a missing value (NaN: the area did not
report, or that kind of record was never imported) is a gap to be filled as well, but labelled "未填报" / "无数据".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from txip_geo.figures.compute import FigureSet
from txip_geo.paths import DATA_DIR
from txip_geo.strings import t

YES, NO, UNKNOWN, NO_DATA = "yes", "no", "unknown", "no_data"


@dataclass(frozen=True)
class GapKind:
    key: str  # strings key network.gap_<key>
    basis: str  # strings key of the plan clause (network.basis_*) or a task number for network.basis_task
    task: str  # the task in data/tasks.csv whose lead and cooperating units act on this gap
    counted: bool = False  # the gap has a count (N enterprises)


# In order of severity within an area: the office and its people first, then money, workstations, patents, trademarks,
# zero-patent enterprises; within each requirement a confirmed "no" before "not reported".
GAP_KINDS: list[GapKind] = [
    GapKind("office_none", "measure1", "1"),
    GapKind("office_unknown", "measure1", "1"),
    GapKind("staff_none", "measure1", "1"),
    GapKind("staff_unknown", "measure1", "1"),
    GapKind("fund_none", "measure3", "2"),  # 保障措施（三）: the fund is task 2's (市场监管局、财政局)
    GapKind("fund_unknown", "measure3", "2"),
    GapKind("ws_none", "9", "9"),
    GapKind("ws_unknown", "9", "9"),
    GapKind("patents_none", "4", "4"),
    GapKind("patents_unknown", "4", "4"),
    GapKind("tm_none", "7", "7"),
    GapKind("tm_unknown", "7", "7"),
    GapKind("zero_above", "5", "5", counted=True),
    GapKind("zero_high", "5", "5", counted=True),
    GapKind("ent_unknown", "5", "5"),
]
SEVERITY = {g.key: i for i, g in enumerate(GAP_KINDS)}
_KIND = {g.key: g for g in GAP_KINDS}


@lru_cache(maxsize=1)
def tasks() -> dict[str, dict]:
    """data/tasks.csv by task number: name, lead, cooperating, source."""
    with open(DATA_DIR / "tasks.csv", encoding="utf-8") as f:
        return {r["task"]: r for r in csv.DictReader(f)}


def basis_label(g: GapKind) -> str:
    if g.basis.startswith("measure"):
        return t(f"network.basis_{g.basis}")
    return t("network.basis_task", n=g.basis)


def state_of(value) -> str:
    """yes (> 0 / 是), no (0 / 否) or unknown (missing)."""
    v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(v):
        return UNKNOWN
    return YES if v > 0 else NO


def state_label(state: str) -> str:
    return t({YES: "network.yes", NO: "network.no", UNKNOWN: "network.unknown", NO_DATA: "network.no_data"}[state])


def _areas(fs: FigureSet) -> pd.DataFrame:
    """Townships (gazetteer order) then parks, with their kind label and every metric the network page uses."""
    cols = [
        "code",
        "name",
        "has_office",
        "staff",
        "fund_wan",
        "workstations",
        "patents_valid",
        "trademarks",
        "zero_patent_above_scale",
        "zero_patent_high_tech",
    ]
    u = fs.units[cols + ["type"]].rename(columns={"type": "kind"})
    p = fs.parks[cols].assign(kind=t("network.kind_park"))
    out = pd.concat([u, p], ignore_index=True)
    for c in cols[2:]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    out["zero_enterprises"] = _zero_enterprises(fs, out["code"].tolist())
    return out


def _zero_mask(e: pd.DataFrame, flags: tuple[str, ...] = ("above_scale", "high_tech")) -> pd.Series:
    """Enterprises without a valid patent that are any of `flags` (规上 above_scale, 高企 high_tech)."""
    return (e["patents_held"] == 0) & e[list(flags)].eq(1).any(axis=1)


def _zero_enterprises(fs: FigureSet, codes: list[str]) -> list[float]:
    """Distinct zero-patent enterprises that are 规上 or 高企 (or both) per area; NaN when no enterprises were imported."""
    e = fs.records.get("enterprises")
    if e is None or e.empty:  # never imported: unknown; imported with none counted (all outside Taixing): 0
        return [0.0 if fs.snapshots.get("enterprises") else np.nan] * len(codes)
    z = e[_zero_mask(e)]
    by_unit = z.groupby("unit_code").size() if len(z) else pd.Series(dtype=float)
    by_park = z.groupby("park_code").size() if len(z) else pd.Series(dtype=float)
    return [float(by_park.get(c, 0) if c.startswith("P") else by_unit.get(c, 0)) for c in codes]


# The counted gaps: the enterprise flag each one counts.
COUNTED_FLAGS = {"zero_above": "above_scale", "zero_high": "high_tech"}


def counted_total(fs: FigureSet, gap_key: str, codes) -> float:
    """How many distinct enterprises a counted gap (zero_above / zero_high) concerns across the given townships and
    parks. Parks lie inside townships, so an enterprise in a park is in both its township's row and its park's: it
    is counted once here. A total over areas is never the sum of township rows plus park rows."""
    e = fs.records.get("enterprises")
    if e is None or e.empty or gap_key not in COUNTED_FLAGS:
        return np.nan
    codes = set(codes)
    inside = e["unit_code"].isin(codes) | e["park_code"].isin(codes)
    return float((inside & _zero_mask(e, (COUNTED_FLAGS[gap_key],))).sum())


def _gaps_of(row) -> list[tuple[str, float | None]]:
    """(gap key, count or None) for one area, in severity order."""
    out: list[tuple[str, float | None]] = []
    for metric, prefix in (
        ("has_office", "office"),
        ("staff", "staff"),
        ("fund_wan", "fund"),
        ("workstations", "ws"),
        ("patents_valid", "patents"),
        ("trademarks", "tm"),
    ):
        s = state_of(row[metric])
        if s == NO:
            out.append((f"{prefix}_none", None))
        elif s == UNKNOWN:
            out.append((f"{prefix}_unknown", None))
    above, high = row["zero_patent_above_scale"], row["zero_patent_high_tech"]
    if pd.isna(above) and pd.isna(high):
        out.append(("ent_unknown", None))
    else:
        if not pd.isna(above) and above > 0:
            out.append(("zero_above", float(above)))
        if not pd.isna(high) and high > 0:
            out.append(("zero_high", float(high)))
    return sorted(out, key=lambda g: SEVERITY[g[0]])


GAP_COLUMNS = ["code", "area", "kind", "gap", "count", "basis", "lead", "cooperating", "gap_key", "task"]


def gap_list(fs: FigureSet) -> pd.DataFrame:
    """One row per gap, sorted by area (townships in gazetteer order, then parks) and severity.

    Columns (Chinese headers from [network]): 代码, 镇街/园区, 类别, 缺口, 数量 (zero-patent gaps only), 依据, 牵头单位,
    配合单位 — plus the machine keys gap_key and task (dropped for display and export by `gap_display`).
    """
    rows = []
    tk = tasks()
    for _, r in _areas(fs).iterrows():
        for key, n in _gaps_of(r):
            g = _KIND[key]
            task = tk.get(g.task, {})
            rows.append(
                {
                    "code": r["code"],
                    "area": r["name"],
                    "kind": r["kind"],
                    "gap": t(f"network.gap_{key}", n=int(n)) if g.counted else t(f"network.gap_{key}"),
                    "count": n if g.counted else np.nan,
                    "basis": basis_label(g),
                    "lead": task.get("lead", ""),
                    "cooperating": task.get("cooperating", ""),
                    "gap_key": key,
                    "task": g.task,
                }
            )
    df = pd.DataFrame(rows, columns=GAP_COLUMNS)
    df["count"] = df["count"].astype(float)
    return df.rename(columns=_gap_headers())


def scorecard(fs: FigureSet) -> pd.DataFrame:
    """One row per township (17, gazetteer order) and park (4).

    Columns: 代码, 镇街/园区, 类别 (街道/镇/乡/园区), 管理机构 (有/无/未填报), 专（兼）职人员, 专项资金（万元）, 工作站
    (numbers; NaN = not reported / not imported), 有专利, 有商标 (有/无/无数据: valid ones > 0), 零专利规上/高企 (distinct
    enterprises; NaN = enterprises not imported), 缺口数 (rows of `gap_list` for the area).
    """
    a = _areas(fs)
    gaps = gap_list(fs)
    counts = gaps.groupby(t("network.col_code")).size()

    def no_data(state: str) -> str:  # record-derived facts: not imported, rather than not reported
        return NO_DATA if state == UNKNOWN else state

    out = pd.DataFrame(
        {
            t("network.col_code"): a["code"],
            t("network.col_area"): a["name"],
            t("network.col_kind"): a["kind"],
            t("network.col_office"): [state_label(state_of(v)) for v in a["has_office"]],
            t("network.col_staff"): a["staff"],
            t("network.col_fund"): a["fund_wan"],
            t("network.col_ws"): a["workstations"],
            t("network.col_patents"): [state_label(no_data(state_of(v))) for v in a["patents_valid"]],
            t("network.col_tm"): [state_label(no_data(state_of(v))) for v in a["trademarks"]],
            t("network.col_zero"): a["zero_enterprises"],
            t("network.col_gaps"): [int(counts.get(c, 0)) for c in a["code"]],
        }
    )
    return out.reset_index(drop=True)


def coverage(card: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    """Per requirement: (areas that have it, areas reported as not having it, areas not reported), from the scorecard."""
    yes, no = t("network.yes"), t("network.no")
    out = {}
    office = card[t("network.col_office")]
    out["office"] = (int((office == yes).sum()), int((office == no).sum()), int((~office.isin([yes, no])).sum()))
    for key, col in (("staff", "network.col_staff"), ("fund", "network.col_fund"), ("ws", "network.col_ws")):
        v = card[t(col)]
        out[key] = (int((v > 0).sum()), int((v == 0).sum()), int(v.isna().sum()))
    return out


def _gap_headers() -> dict[str, str]:
    return {
        "code": t("network.col_code"),
        "area": t("network.col_area"),
        "kind": t("network.col_kind"),
        "gap": t("network.col_gap"),
        "count": t("network.col_count"),
        "basis": t("network.col_basis"),
        "lead": t("network.col_lead"),
        "cooperating": t("network.col_coop"),
    }
