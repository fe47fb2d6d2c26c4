"""The plan's goals G01–G16 and milestones M01–M04: target, current value, gap, status and where the figure comes from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from txip_geo.areas.gazetteer import CITY_CODE
from txip_geo.figures.compute import POPULATION_BASES, FigureSet, Settings, base_date, pick_base
from txip_geo.plan import goal_table, phases
from txip_geo.strings import t

STATUS_LABELS = {
    "met": "已达成",
    "not_met": "未达成",
    "no_data": "无数据",
    "done": "已完成",
    "not_done": "未完成",
}

# Goals that can be broken down by township: goal id -> (per-area metric, how areas combine: 'sum' | 'rate').
PER_AREA = {
    "G01": "invention_patents_valid",
    "G02": "invention_patents_long",
    "G03": "invention_per_10k",
    "G04": "trademarks",
    "G07": "high_tech_gb_filed",
    "G12": "pledge_amount_wan",
    "G13": "enforcement_rate",
    "G14": "mediation_rate",
    "G15": "service_orgs",
    "G16": "training_attendees",
}


def current_phase(today: date | None = None) -> str:
    t = (today or date.today()).isoformat()
    for r in phases().itertuples():
        if r.start <= t <= r.end:
            return r.phase
    return "方案期后" if t > phases()["end"].max() else "方案期前"


@dataclass
class Value:
    current: float | None
    basis: str  # Chinese: where the figure comes from


def _records_basis(fs: FigureSet, kind: str, what: str) -> str:
    n = fs.record_count(kind)  # from the counts for patents: their records are not loaded
    if not n:
        if not fs.snapshots.get(kind):
            return f"尚未导入{what}数据"
        outside = fs.outside.get(kind, 0)
        return (f"已导入{what}数据（截至 {fs.snapshots.get(kind)}），但没有计入泰兴市的记录"
                + (f"（{outside} 条在泰兴市外，不计入）" if outside else ""))
    files = "、".join(fs.record_files(kind))
    sample = "（样例数据）" if fs.is_sample else ""
    return f"由 {n} 条{what}记录计算{sample}；来源文件：{files}；截至 {fs.snapshots.get(kind)}"


def _computed(fs: FigureSet, goal_id: str) -> Value:
    c, s = fs.city, fs.settings
    if goal_id == "G01":
        return Value(c.get("invention_patents_valid"), _records_basis(fs, "patents", "专利"))
    if goal_id == "G02":
        return Value(c.get("invention_patents_long"),
                     _records_basis(fs, "patents", "专利") + f"；维持年限阈值 {s.long_years} 年（自申请日起）")
    if goal_id == "G03":
        inv = c.get("invention_patents_valid")
        base = pick_base(fs.population, CITY_CODE, (s.population_base + "人口",), base_date(s, fs.as_of))
        if inv is None:
            return Value(None, _records_basis(fs, "patents", "专利"))
        if base.value is None:
            return Value(None, f"全市{base.missing}，请在“统计基数”中填入（口径可在设置中切换）")
        return Value(round(inv / (base.value / 1e4), 2),
                     f"有效发明专利 {inv:.0f} 件 ÷ {base.label} {base.value / 1e4:.2f} 万人")
    if goal_id == "G04":
        return Value(c.get("trademarks"), _records_basis(fs, "trademarks", "商标"))
    if goal_id == "G05":
        tm = c.get("trademarks")
        base = pick_base(fs.population, CITY_CODE, ("市场主体户数",), base_date(s, fs.as_of))
        if tm is None:
            return Value(None, _records_basis(fs, "trademarks", "商标"))
        if base.value is None:
            return Value(None, f"全市{base.missing}，请在“统计基数”中填入")
        return Value(round(tm / (base.value / 1e4), 1),
                     f"有效注册商标 {tm:.0f} 件 ÷ 市场主体 {base.value / 1e4:.2f} 万户（{base.label}）")
    if goal_id == "G06":
        net = fs.records.get("network")
        if net is None or net.empty:
            return Value(None, "尚未导入三级网络（园区试点示范级别）数据")
        parks = net[net["area_code"].astype(str).str.startswith("P")]
        n = int(parks["pilot_level"].fillna("").str.contains("国家|省", regex=True).sum())
        return Value(float(n), _records_basis(fs, "network", "三级网络") + "；园区“试点示范级别”为国家或省")
    if goal_id == "G07":
        ht, filed = c.get("high_tech"), c.get("high_tech_gb_filed")
        if not ht:
            return Value(None, _records_basis(fs, "enterprises", "企业") if ht is None else "企业表中没有高新技术企业")
        return Value(round(filed / ht * 100, 1), f"贯标备案高企 {filed:.0f} 家 ÷ 高企 {ht:.0f} 家；" + _records_basis(fs, "enterprises", "企业"))
    if goal_id in ("G08", "G09", "G10", "G11"):
        e = fs.records.get("enterprises")
        if e is None or e.empty:  # imported with none counted (all outside Taixing): 0, not 无数据
            return Value(0.0 if fs.snapshots.get("enterprises") else None, _records_basis(fs, "enterprises", "企业"))
        if goal_id == "G08":
            n = (e["gb_passed"] == 1).sum()
        elif goal_id == "G09":
            n = e["advantage"].fillna("").str.contains("国家", regex=False).sum()
        elif goal_id == "G10":
            n = (e["ip_intensive"] == 1).sum()
        else:
            n = (e["patent_standard"] == 1).sum()
        return Value(float(n), _records_basis(fs, "enterprises", "企业"))
    if goal_id == "G12":
        v = c.get("pledge_amount_wan")
        return Value(None if v is None else round(v / 1e4, 2),
                     _records_basis(fs, "pledges", "质押") + f"；{s.plan_start} 起累计，万元折合亿元")
    if goal_id == "G13":
        handled = "已办结或移送" if s.transferred_handled else "已办结"
        moved = t("goals.g13_transferred", n=f"{c.get('enforcement_transferred') or 0:.0f}",
                  how=t("goals.g13_transferred_handled" if s.transferred_handled else "goals.g13_transferred_open"))
        return Value(c.get("enforcement_rate"),
                     f"{handled} {c.get('enforcement_closed') or 0:.0f} 件 ÷ 受理查处案件 "
                     f"{c.get('enforcement_cases') or 0:.0f} 件（{s.plan_start} 起受理；{moved}）；"
                     + _records_basis(fs, "cases", "案件"))
    if goal_id == "G14":
        return Value(c.get("mediation_rate"),
                     f"调解成功 {c.get('disputes_mediated') or 0:.0f} 件 ÷ 受理纠纷 {c.get('disputes') or 0:.0f} 件"
                     f"（{s.plan_start} 起受理）；" + _records_basis(fs, "cases", "案件"))
    if goal_id == "G15":
        return Value(c.get("service_orgs"), _records_basis(fs, "service_orgs", "服务机构"))
    if goal_id == "G16":
        v = c.get("training_attendees")
        n = {k: f"{c.get(k) or 0:.0f}" for k in ("training_attendees", "training_attendees_all",
                                                  "training_attendees_unclear")}
        if s.training_audience == "all":
            who = t("goals.g16_basis_all", counted=n["training_attendees"], unclear=n["training_attendees_unclear"])
        else:
            other = (c.get("training_attendees_all") or 0) - (v or 0) - (c.get("training_attendees_unclear") or 0)
            who = t("goals.g16_basis", counted=n["training_attendees"], other=f"{other:.0f}",
                    unclear=n["training_attendees_unclear"])
        records = _records_basis(fs, "trainings", "培训")
        return Value(v, (f"{who}；{s.plan_start} 起累计；" if v is not None else "") + records)
    return Value(None, "")


def goal_rule(goal_id: str, s: Settings, definition: str | None = None, data_as_of: str | None = None) -> str:
    """A goal's counting rule in short (Chinese): its definition (data/goals.csv) and what the settings make of it
    (population base and its year, the long-maintenance threshold, plan start, the training audience, whether a
    case 移送 counts as handled). `data_as_of`: the date the records describe (FigureSet.as_of; G02's cut)."""
    if definition is None:
        definition = goal_table().set_index("id").loc[goal_id, "definition"]
    day = base_date(s, data_as_of)
    parts = [definition]
    if goal_id == "G02":
        parts.append(t("goals.rule_long_years", years=s.long_years, date=data_as_of or day))
    elif goal_id == "G03":
        other = "、".join(b for b in POPULATION_BASES if b != s.population_base)
        parts.append(t("goals.rule_population", base=s.population_base, other=other, date=day))
    elif goal_id == "G05":
        parts.append(t("goals.rule_market", date=day))
    if goal_id in ("G12", "G13", "G14", "G16"):
        parts.append(t("goals.rule_plan_start", start=s.plan_start))
    if goal_id == "G13":
        parts.append(t("goals.rule_transfer_yes" if s.transferred_handled else "goals.rule_transfer_no"))
    if goal_id == "G16":
        parts.append(t("goals.rule_audience_all" if s.training_audience == "all" else "goals.rule_audience_plan"))
    return "；".join(p for p in parts if p)


def city_value(fs: FigureSet, metric: str) -> float | None:
    """The city's figure for a per-area metric (万人发明专利拥有量 on the settings' population base, as goal G03)."""
    if metric == "invention_per_10k":
        return _computed(fs, "G03").current
    v = fs.city.get(metric)
    return None if v is None or pd.isna(v) else float(v)


def _nan_to_none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def evaluate(fs: FigureSet) -> pd.DataFrame:
    """One row per goal and milestone: id, name, target, comparator, unit, current, gap, progress, status,
    status_label, source (computed | manual | none), basis, rule (the counting rule under these settings, goal_rule),
    definition, plan_text (the plan's own words), task, lead, cooperating."""
    table = goal_table()
    manual = fs.records.get("manual")
    manual = manual.drop_duplicates("goal_id", keep="last").set_index("goal_id") if manual is not None and len(manual) else None
    rows = []
    for g in table.to_dict("records"):
        gid = g["id"]
        entry = manual.loc[gid] if manual is not None and gid in manual.index else None
        if g["kind"] == "milestone":
            if entry is not None and not pd.isna(entry["done"]):
                done = bool(entry["done"])
                status, source = ("done" if done else "not_done"), "manual"
                basis = f"手工填报：{entry['evidence']}（{entry.get('entered_by') or '未署名'}，{entry.get('entered_on') or '日期未填'}）"
            else:
                status, source, basis = "no_data", "none", "尚未填报完成情况及佐证材料"
            rows.append({**g, "current": 1.0 if status == "done" else (0.0 if status == "not_done" else None),
                         "gap": None, "progress": 1.0 if status == "done" else 0.0, "status": status,
                         "source": source, "basis": basis})
            continue
        if entry is not None and not pd.isna(entry["value"]):
            val = Value(float(entry["value"]),
                        f"手工填报：{entry['evidence']}（{entry.get('entered_by') or '未署名'}，{entry.get('entered_on') or '日期未填'}）")
            source = "manual"
        else:
            val = _computed(fs, gid)
            source = "computed" if val.current is not None else "none"
        cur = _nan_to_none(val.current)
        target = g["target"]
        if cur is None:
            status, gap, progress = "no_data", None, None
        else:
            met = cur > target if g["comparator"] == ">" else cur >= target
            status = "met" if met else "not_met"
            gap = 0.0 if met else round(target - cur, 2)
            progress = min(cur / target, 1.0) if target else None
        rows.append({**g, "current": cur, "gap": gap, "progress": progress, "status": status, "source": source,
                     "basis": val.basis})
    df = pd.DataFrame(rows)
    df["status_label"] = df["status"].map(STATUS_LABELS)
    df["rule"] = [goal_rule(r["id"], fs.settings, r["definition"], fs.as_of) for r in rows]
    cols = ["id", "kind", "group", "name", "target", "comparator", "unit", "current", "gap", "progress", "status",
            "status_label", "source", "basis", "rule", "definition", "plan_text", "task", "task_name", "lead",
            "cooperating"]
    return df[cols]


def contributions(fs: FigureSet, goal_id: str) -> pd.DataFrame | None:
    """Per-township values of a goal's metric, sorted high to low (None when the goal has no per-area figure)."""
    metric = PER_AREA.get(goal_id)
    if metric is None:
        return None
    u = fs.units[["code", "name", metric]].rename(columns={metric: "value"})
    return u.sort_values("value", ascending=False, na_position="last").reset_index(drop=True)
