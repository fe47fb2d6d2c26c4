"""Every figure the app shows equals an independent recount (issue #16, "An independent recount").

The recount (tests/recount.py) is plain pandas/geopandas over the raw input files, written from the documented rules
(docs/data-model.md, data/goals.csv, the plan, issue #16) and importing nothing of txip_geo. The app's side is read
only through its public outputs: `figures.compute` (FigureSet.units/.parks/.city/.unassigned/.outside — the map's
indicators and the township panel read these), `goals.evaluate`, `network.scorecard` / `gap_list`,
`report.unit_figures` (the panel), `report.actions_by_lead` (the deck's 下一步工作 slide), the workbook read back with
openpyxl, and the CLI's `summary --format json` / `goals --format json`; and per record the store's
unit_code/park_code/assign_method (plain sqlite3).

Stores: the sample (`demo`; also viewed as of its baseline date 2023-12-31, and as of 2024-12-31, when the baseline is
the latest snapshot of six kinds and the dated ledgers have none) and generated files
(tests/recount_fixtures.py, fixed seeds): "mixed" (two snapshots, statistics of several years, mixed 对象, a manual
figure, two files of one snapshot; also viewed as of 2024-12-31), "one_unit_one_year", "kinds_missing" (no trademarks,
enterprises, cases … at all), "all_zero", "one_record" (one record of each kind) and "park_spellings" (parks written
as offices write them).

Area assignment is recounted for every record (no record takes the app's assignment).
Where issue #16 says the app is wrong, the recount holds the right rule (G16 counts 高管/工程师 only; bases are the
latest year whose 31 December is on or before the view's date; the deck's city totals of zero-patent enterprises are
the city's, not townships + parks): those tests fail until the fixes are merged, by design.
"""

from __future__ import annotations

import contextlib
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
import recount as R
import recount_fixtures as F

SAMPLE_KINDS = [
    "network",
    "statistics",
    "manual",
    "enterprises",
    "patents",
    "trademarks",
    "workstations",
    "cases",
    "pledges",
    "trainings",
    "service_orgs",
]
STORES = [
    "sample",
    "sample@2023-12-31",
    "sample@2024-12-31",
    "mixed",
    "mixed@2024-12-31",
    "one_unit_one_year",
    "kinds_missing",
    "all_zero",
    "park_spellings",
    "one_record",
]


def cli(*argv) -> str:
    """The command line in-process (the same `main` as `python -m txip_geo`), its stdout."""
    from txip_geo.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main([str(a) for a in argv])
    assert rc == 0, buf.getvalue()
    return buf.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """name -> (store path, imports, view); each store built once per module."""
    root = tmp_path_factory.mktemp("recount")
    out = {}
    db = root / "sample.sqlite"
    cli("--db", db, "demo")
    con = R.connect(db)
    imports = [
        (k, R.ROOT / "data" / "sample" / f, a)
        for k, f, a in con.execute("SELECT kind, file_name, as_of FROM imports ORDER BY id")
    ]
    con.close()
    out["sample"] = (db, imports, None)
    for name in ("mixed", "one_unit_one_year", "kinds_missing", "all_zero", "park_spellings", "one_record"):
        db = root / f"{name}.sqlite"
        cli("--db", db, "status")  # creates the store with its bundled (schematic) layers
        imports = F.scenario(name, root / name, db)
        for kind, path, as_of in imports:
            cli("--db", db, "import", kind, path, "--as-of", as_of)
        out[name] = (db, imports, None)
    out["mixed@2024-12-31"] = (out["mixed"][0], out["mixed"][1], F.EARLY)
    out["sample@2023-12-31"] = (out["sample"][0], out["sample"][1], R.SAMPLE_BASELINE_AS_OF)  # the baseline
    out["sample@2024-12-31"] = (out["sample"][0], out["sample"][1], F.EARLY)  # the baseline, a year on
    return out


_CACHE: dict = {}


@pytest.fixture(params=STORES)
def case(request, built):
    """(name, recount, app FigureSet, store path, view) for one store."""
    return _case(request.param, built)


def _case(name, built):
    """(name, recount, app FigureSet, store path, view) of a store of `built`, computed once per module."""
    if name not in _CACHE:
        from txip_geo.figures.compute import Settings, compute
        from txip_geo.store.database import Store

        db, imports, view = built[name]
        rc = R.recount(imports, view, db)
        fs = compute(Store(db), Settings(as_of=view))
        _CACHE[name] = (name, rc, fs, db, view)
    return _CACHE[name]


def _none(v) -> bool:
    return v is None or (isinstance(v, str) and v == "") or (not isinstance(v, str) and pd.isna(v))


def same(a, b) -> bool:
    if _none(a) or _none(b):
        return _none(a) and _none(b)
    try:
        return round(float(a), 6) == round(float(b), 6)
    except (TypeError, ValueError):
        return str(a) == str(b)


def diffs(mine: dict, app: dict, where: str) -> list[str]:
    return [f"{where} {k}: recount {mine[k]!r}, app {app.get(k)!r}" for k in mine if not same(mine[k], app.get(k))]


def listing(bad: list[str]) -> str:
    return f"{len(bad)} differences:\n" + "\n".join(bad[:60])


AREA_METRICS = [
    *R.COUNT_METRICS,
    "enforcement_rate",
    "mediation_rate",
    "has_office",
    "staff",
    "fund_wan",
    "area_km2",
    "gb_filed_rate",
    "market_entities",
    "trademarks_per_10k_entities",
]


def area_diffs(mine: pd.DataFrame, app: pd.DataFrame, extra: list[str]) -> list[str]:
    """Every metric of every area; a metric of a kind not imported is missing (None) on both sides."""
    assert mine["code"].tolist() == app["code"].tolist()
    bad = []
    a = app.set_index("code")
    for r in mine.to_dict("records"):
        want = {m: r.get(m, np.nan) for m in AREA_METRICS + extra}
        if not want.get("enforcement_cases") and "enforcement_cases" in r:
            want["enforcement_rate"] = np.nan
        if not want.get("disputes") and "disputes" in r:
            want["mediation_rate"] = np.nan
        bad += diffs(want, a.loc[r["code"]].to_dict(), f"{r['code']} {r['name']}")
    return bad


# -- per record ------------------------------------------------------------------------------------------------------


def test_assignment_per_record(case):
    """Every record's township, park and method equal the recount's (records matched by their key)."""
    _name, rc, fs, db, _view = case
    con = R.connect(db)
    bad = []
    for kind in R.LOCATED:
        mine = rc.records[kind]
        if mine is None:
            continue
        snap = fs.snapshots.get(kind)
        ids = [i for (i,) in con.execute("SELECT id FROM imports WHERE kind = ? AND as_of = ?", (kind, snap))]
        app = pd.read_sql(f"SELECT * FROM rec_{kind} WHERE import_id IN ({','.join(map(str, ids))})", con)
        if "superseded" in app:
            app = app[app["superseded"].fillna(0) == 0]
        key = R.KEYS[kind][0]
        if kind == "patents":
            app["pkey"] = app["app_no"].map(lambda v: R.patent_number(v)[0])
        app = app.drop_duplicates(key, keep="last")
        assert len(app) == len(mine), f"{kind}: app keeps {len(app)} records, recount {len(mine)}"
        m = mine.merge(
            app[[key, "unit_code", "park_code", "assign_method", "assign_note"]],
            on=key,
            how="left",
            suffixes=("", "_app"),
        )

        def norm(s):
            return s.fillna("").astype(str)

        differ = (
            (norm(m["unit_code"]) != norm(m["unit_code_app"]))
            | (norm(m["park_code"]) != norm(m["park_code_app"]))
            | (m["method"] != m["assign_method"])
        )
        for r in m[differ].to_dict("records"):
            bad.append(
                f"{kind} {r[key]} {r['address']!r} {r['area_name']!r} {r['park_name']!r}: recount "
                f"{(r['unit_code'], r['park_code'], r['method'])}, app "
                f"{(r['unit_code_app'], r['park_code_app'], r['assign_method'])} ({r['assign_note']})"
            )
    con.close()
    assert not bad, listing(bad)


# -- figures: townships, parks, city ----------------------------------------------------------------------------------


def test_township_figures(case):
    _name, rc, fs, _db, _view = case
    bad = area_diffs(rc.units, fs.units, ["invention_per_10k", "population", "population_year"])
    assert not bad, listing(bad)


def test_park_figures(case):
    _name, rc, fs, _db, _view = case
    bad = area_diffs(rc.parks, fs.parks, ["pilot_level"])
    assert not bad, listing(bad)


def test_city_figures(case):
    """The city's own totals (never townships + parks), unassigned and outside counts."""
    _name, rc, fs, _db, _view = case
    want = {k: v for k, v in rc.city.items() if k != "zero_enterprises"}
    if not want.get("enforcement_cases") and "enforcement_cases" in want:
        want["enforcement_rate"] = np.nan
    if not want.get("disputes") and "disputes" in want:
        want["mediation_rate"] = np.nan
    bad = diffs(want, fs.city, "city")
    bad += diffs(rc.unassigned, fs.unassigned, "unassigned")
    bad += diffs(rc.outside, fs.outside, "outside")
    assert not bad, listing(bad)


def test_city_is_townships_plus_unassigned(case):
    """docs/data-model.md: the city total is always the sum of the townships plus unassigned (recount side)."""
    _name, rc, _fs, _db, _view = case
    for kind, metric in (("patents", "patents"), ("cases", "cases"), ("enterprises", "enterprises")):
        if rc.records[kind] is None:
            continue
        assert rc.units[metric].sum() + rc.unassigned[kind] == rc.city[metric]


# -- goals -------------------------------------------------------------------------------------------------------------


def goal_diffs(rc, rows: list[dict], where: str, ids=None) -> list[str]:
    app = {r["id"]: r for r in rows}
    bad = []
    for g in rc.goals.to_dict("records"):
        if ids and g["id"] not in ids:
            continue
        a = app[g["id"]]
        for col in ("current", "gap", "status"):
            if col == "gap" and g["status"] in ("done", "not_done", "no_data"):
                continue
            if not same(g[col], a.get(col)):
                bad.append(f"{where} {g['id']} {col}: recount {g[col]!r}, app {a.get(col)!r}")
    return bad


def test_goals(case):
    from txip_geo.figures.goals import evaluate

    _name, rc, fs, _db, _view = case
    bad = goal_diffs(rc, evaluate(fs).to_dict("records"), "goals.evaluate")
    assert not bad, listing(bad)


def test_cli_json(case):
    """`summary --format json` (units, parks, city, unassigned, outside) and `goals --format json`."""
    _name, rc, _fs, db, view = case
    at = ["--as-of", view] if view else []
    s = json.loads(cli("--db", db, "summary", "--format", "json", *at))
    bad = []
    for rows, mine in ((s["units"], rc.units), (s["parks"], rc.parks)):
        app = {r["code"]: r for r in rows}
        for r in mine.to_dict("records"):
            want = {k: r.get(k, np.nan) for k in app[r["code"]] if k in AREA_METRICS + ["invention_per_10k"]}
            if not r.get("enforcement_cases"):
                want["enforcement_rate"] = np.nan
            if not r.get("disputes"):
                want["mediation_rate"] = np.nan
            bad += diffs(want, app[r["code"]], f"summary {r['code']}")
    bad += diffs({k: v for k, v in rc.city.items() if k in s["city"] and "rate" not in k}, s["city"], "summary city")
    bad += diffs(rc.unassigned, s["unassigned"], "summary unassigned")
    bad += diffs(rc.outside, s["outside"], "summary outside")
    g = json.loads(cli("--db", db, "goals", "--format", "json", *at))
    bad += goal_diffs(rc, g["goals"], "goals json")
    assert not bad, listing(bad)


def test_cli_subprocess_is_the_same(built):
    """`python -m txip_geo … summary/goals --format json` in a process of its own says what the in-process CLI says."""
    import subprocess
    import sys

    db = built["sample"][0]
    for cmd in ("summary", "goals"):
        out = subprocess.run(
            [sys.executable, "-m", "txip_geo", "--db", str(db), cmd, "--format", "json"],
            cwd=R.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert json.loads(out) == json.loads(cli("--db", db, cmd, "--format", "json"))


# -- network, panel, deck, workbook -----------------------------------------------------------------------------------

GAP_TEXT = {
    "office_none",
    "office_unknown",
    "staff_none",
    "staff_unknown",
    "fund_none",
    "fund_unknown",
    "ws_none",
    "ws_unknown",
    "patents_none",
    "patents_unknown",
    "tm_none",
    "tm_unknown",
    "zero_above",
    "zero_high",
    "ent_unknown",
}


def test_gap_list(case):
    from txip_geo.figures import network

    _name, rc, fs, _db, _view = case
    g = network.gap_list(fs)
    app = sorted((c, k, None if _none(n) else float(n)) for c, k, n in zip(g.iloc[:, 0], g["gap_key"], g.iloc[:, 4]))
    mine = sorted((c, k, None if _none(n) else float(n)) for c, k, n in rc.gaps.itertuples(index=False))
    assert app == mine, listing(
        [f"only app: {x}" for x in app if x not in mine] + [f"only recount: {x}" for x in mine if x not in app]
    )


def test_scorecard(case):
    """The network scorecard: office, staff, fund, workstations, has patents/trademarks, zero-patent 规上/高企
    (distinct enterprises), number of gaps."""
    from txip_geo.figures import network

    _name, rc, fs, _db, _view = case
    bad = scorecard_diffs(rc, network.scorecard(fs), "scorecard")
    assert not bad, listing(bad)


def scorecard_diffs(rc, card: pd.DataFrame, where: str) -> list[str]:
    areas = pd.concat([rc.units, rc.parks], ignore_index=True)
    ngaps = rc.gaps.groupby("code").size()

    def yn(v, missing):
        return missing if _none(v) else ("有" if v > 0 else "无")

    bad = []
    for r, a in zip(areas.to_dict("records"), card.itertuples(index=False)):
        want = [
            r["code"],
            yn(r["has_office"], "未填报"),
            r["staff"],
            r["fund_wan"],
            r.get("workstations", np.nan),
            yn(r.get("patents_valid"), "无数据"),
            yn(r.get("trademarks"), "无数据"),
            r.get("zero_enterprises", np.nan),
            ngaps.get(r["code"], 0),
        ]
        got = [a[0], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]]
        # the sheet writes a missing number as 未填报 (not reported) / 无数据 (not imported)
        got = [None if i in (2, 3, 4, 7) and x in ("未填报", "无数据") else x for i, x in enumerate(got)]
        bad += [
            f"{where} {r['code']} {r['name']} {card.columns[[0, 3, 4, 5, 6, 7, 8, 9, 10][i]]}: recount {w!r}, app {x!r}"
            for i, (w, x) in enumerate(zip(want, got))
            if not same(w, x)
        ]
    return bad


def test_panel_figures(case):
    """The township panel (report.unit_figures): each figure's value and its rank among the 17 (1 = largest, or the
    fewest for the less-is-better counts; ties share the better rank)."""
    from txip_geo.present import meeting as report

    _name, rc, fs, _db, _view = case
    bad = []
    units = rc.units.set_index("code")
    for code in units.index:
        for label, text, rank in report.unit_figures(fs, code):
            metric = next((m for m in report.UNIT_METRICS if _label(m) == label), None)
            if metric is None or metric in ("has_office",):
                continue
            v = units.at[code, metric] if metric in units.columns else np.nan
            nums = re.findall(r"-?[\d,]+(?:\.\d+)?", text)
            if _none(v):
                if nums:
                    bad.append(f"{code} {label}: recount no value, app {text!r}")
                continue
            if not nums or not same(float(nums[0].replace(",", "")), v):
                bad.append(f"{code} {label}: recount {v!r}, app {text!r}")
            if rank:
                col = units[metric].astype(float)
                want = int(((col < v) if metric in LESS_IS_BETTER else (col > v)).sum()) + 1
                got = int(re.findall(r"\d+", rank)[0])
                if want != got:
                    bad.append(f"{code} {label} rank: recount {want}, app {got} ({rank})")
    assert not bad, listing(bad)


# Fewer is better (issue #16: zero means "no gap"): rank 1 is the fewest.
LESS_IS_BETTER = {"zero_patent_above_scale", "zero_patent_high_tech", "zero_trademark_above_scale", "cases"}


def _label(metric):
    from txip_geo.figures.compute import METRICS

    return METRICS[metric][0]


def test_deck_actions(case):
    """下一步工作 (report.actions_by_lead): each counted action's 共 N 家 is the city's count (parks lie inside
    townships); 等 N 处 / the names are the areas with that gap; the unmet goals are the recount's."""
    from txip_geo.present import meeting as report
    from txip_geo.strings import t

    _name, rc, fs, _db, _view = case
    bad = []
    by_key = rc.gaps.groupby("gap_key")
    city_total = {
        "zero_above": rc.city.get("zero_patent_above_scale"),
        "zero_high": rc.city.get("zero_patent_high_tech"),
    }
    texts = [text for _, items in report.actions_by_lead(fs) for text, _ in items]
    for key, grp in by_key:
        head = t(f"report.action_{key}")
        hit = [x for x in texts if x.startswith(head)]
        if len(hit) != 1:
            bad.append(f"{key}: {len(hit)} actions start with {head!r}")
            continue
        x = hit[0]
        if key in city_total:
            m = re.search(r"共 (\d+) 家", x)
            if not m or int(m.group(1)) != city_total[key]:
                bad.append(f"{key}: recount 共 {city_total[key]} 家 (the city's), app {x!r}")
        more = re.search(r"等 (\d+) 处", x)
        if more and int(more.group(1)) != len(grp):
            bad.append(f"{key}: recount {len(grp)} areas, app {x!r}")
        if not more:
            names = set(x.split("：", 1)[1].replace(" ", "").split("、"))
            names = {re.sub(r"[\d.]+$", "", n) for n in names}
            areas = pd.concat([rc.units, rc.parks]).set_index("code")["name"]
            want = {areas[c] for c in grp["code"]}
            if names != want:
                bad.append(f"{key}: recount areas {sorted(want)}, app {x!r}")
    # The unmet goals are named (short names: report.goal_short_name), in the plan's order, with their number.
    unmet = rc.goals[rc.goals["status"].isin(["not_met", "not_done"])]
    prefix = t("report.actions_goals", n=len(unmet), names="")
    goal_text = [x for x in texts if x.startswith(prefix.split("（")[0])]
    if len(unmet):
        names = "、".join(report.goal_short_name(i, n) for i, n in zip(unmet["id"], unmet["name"]))
        want = t("report.actions_goals", n=len(unmet), names=names)
        if goal_text != [want]:
            bad.append(f"unmet goals: recount {want!r}, app {goal_text}")
    elif goal_text:
        bad.append(f"unmet goals: recount none, app {goal_text}")
    assert not bad, listing(bad)


@pytest.mark.parametrize("store", ["sample", "mixed"])
@pytest.mark.parametrize("long_years,base", [(5, "户籍"), (15, "常住")])
def test_settings(built, store, long_years, base):
    """The settings: 高维持 threshold (G02, per-area invention_patents_long) and the population base of G03 — through
    figures.compute and the CLI's --long-years / --population-base."""
    from txip_geo.figures.compute import Settings, compute
    from txip_geo.figures.goals import evaluate
    from txip_geo.store.database import Store

    db, imports, view = built[store]
    rc = R.recount(imports, view, db, long_years=long_years, pop_base=base)
    fs = compute(Store(db), Settings(long_years=long_years, population_base=base))
    a = fs.units.set_index("code")
    bad = []
    for r in rc.units.to_dict("records"):
        bad += diffs(
            {m: r[m] for m in ("invention_patents_long", "invention_per_10k")}, a.loc[r["code"]].to_dict(), r["code"]
        )
    bad += diffs({"invention_patents_long": rc.city["invention_patents_long"]}, fs.city, "city")
    bad += goal_diffs(rc, evaluate(fs).to_dict("records"), "goals.evaluate", ("G02", "G03"))
    g = json.loads(cli("--db", db, "goals", "--format", "json", "--long-years", long_years, "--population-base", base))
    bad += goal_diffs(rc, g["goals"], "goals json", ("G02", "G03"))
    assert not bad, listing(bad)


def _sheet(ws) -> pd.DataFrame | None:
    """A sheet this test reads (its header row starts with 代码, 编号 or 数据类型), or None (the industry sheets: their
    figures are recounted in tests/test_industry_outputs.py)."""
    rows = list(ws.iter_rows(values_only=True))
    h = next((i for i, r in enumerate(rows) if r and r[0] in ("代码", "编号", "数据类型")), None)
    if h is None:
        return None
    return pd.DataFrame([r for r in rows[h + 1 :] if any(v is not None for v in r)], columns=rows[h])


def test_workbook(case):
    """The workbook (exports.build_xlsx read back with openpyxl): township and park sheets, goals, gaps, scorecard."""
    import openpyxl

    from txip_geo.figures.compute import METRICS
    from txip_geo.render import exports

    _name, rc, fs, _db, _view = case
    wb = openpyxl.load_workbook(io.BytesIO(exports.build_xlsx(fs)), read_only=True)
    sheets = {ws.title: _sheet(ws) for ws in wb.worksheets if any(True for _ in ws.iter_rows(max_row=1))}
    sheets = {title: sh for title, sh in sheets.items() if sh is not None}
    bad = []
    for mine, first_label in ((rc.units, "镇街"), (rc.parks, "园区")):
        sh = next(s for s in sheets.values() if first_label in s.columns)
        sh = sh.set_index("代码")
        for r in mine.to_dict("records"):
            for m in AREA_METRICS + ["invention_per_10k", "population"]:
                col = f"{METRICS[m][0]}（{METRICS[m][1]}）"
                if col not in sh.columns:
                    continue
                w = r.get(m, np.nan)
                if m == "enforcement_rate" and not r.get("enforcement_cases"):
                    w = np.nan
                if m == "mediation_rate" and not r.get("disputes"):
                    w = np.nan
                if not same(w, sh.at[r["code"], col]):
                    bad.append(f"{first_label} {r['code']} {col}: recount {w!r}, app {sh.at[r['code'], col]!r}")
    goals = next(s for s in sheets.values() if "编号" in s.columns)
    cur_col = next(c for c in goals.columns if c and "当前" in c)
    app_goals = dict(zip(goals["编号"], goals[cur_col]))
    for g in rc.goals.to_dict("records"):
        if g["status"] in ("met", "not_met", "no_data") and not same(g["current"], app_goals.get(g["id"])):
            bad.append(f"goals sheet {g['id']}: recount {g['current']!r}, app {app_goals.get(g['id'])!r}")
    unassigned = next(s for s in sheets.values() if "数据类型" in s.columns)
    if len(unassigned) != sum(v or 0 for v in rc.unassigned.values()):
        bad.append(f"unassigned sheet: recount {rc.unassigned}, app {unassigned['数据类型'].value_counts().to_dict()}")
    card = next(s for s in sheets.values() if "缺口数" in s.columns)
    bad += scorecard_diffs(rc, card, "scorecard sheet")
    gaps = [s for s in sheets.values() if "代码" in s.columns and "牵头单位" in s.columns]
    if gaps:
        n = gaps[0].groupby("代码").size()
        want = rc.gaps.groupby("code").size()
        if n.to_dict() != want.to_dict():
            bad.append(f"gap sheet rows per area: recount {want.to_dict()}, app {n.to_dict()}")
    assert not bad, listing(bad)


# -- the sample's baseline (基期) ---------------------------------------------------------------------------------------


def test_demo_loads_the_sample_as_its_readme_describes(built):
    """`demo` imports every file of baseline/ as of 2023-12-31, then every file of data/sample/ as of 2026-10-31."""
    imports = [(k, str(p), a) for k, p, a in built["sample"][1]]
    assert sorted(imports) == sorted((k, str(p), a) for k, p, a in R.sample_imports())
    dates = [a for _k, _p, a in imports]
    assert dates == sorted(dates)  # the baseline first
    assert {k for k, _p, a in imports if a == R.SAMPLE_BASELINE_AS_OF} == {
        "patents",
        "trademarks",
        "enterprises",
        "workstations",
        "service_orgs",
        "network",
    }


@pytest.fixture(scope="module")
def at_baseline(built):
    """(the recount of the baseline files, the app's figures as of the baseline date, the store)."""
    from txip_geo.figures.compute import Settings, compute
    from txip_geo.store.database import Store

    db = built["sample"][0]
    return R.baseline_recount(db), compute(Store(db), Settings(as_of=R.SAMPLE_BASELINE_AS_OF)), db


def test_baseline_figures_per_township_park_and_city_equal_the_recount_of_the_baseline_files(at_baseline):
    """Valid inventions, valid marks, the enterprises' flags, workstations, service organisations and the network's
    office, staff and fund at 2023-12-31, per township and park and for the city."""
    rc, fs, _db = at_baseline
    assert {k: fs.snapshots[k] for k in ("patents", "trademarks", "enterprises", "network")} == dict.fromkeys(
        ("patents", "trademarks", "enterprises", "network"), R.SAMPLE_BASELINE_AS_OF
    )
    bad = []
    for mine, app in ((rc.units, fs.units), (rc.parks, fs.parks)):
        a = app.set_index("code")
        for r in mine.to_dict("records"):
            bad += diffs({m: r[m] for m in R.BASELINE_METRICS}, a.loc[r["code"]].to_dict(), f"{r['code']} {r['name']}")
    city = {m: rc.city[m] for m in R.BASELINE_METRICS if m in rc.city}
    bad += diffs(city, fs.city, "city")
    assert not bad, listing(bad)


def test_baseline_goals_equal_the_recount_of_the_baseline_files(at_baseline, built):
    """G01, G04, G06, G08–G11 and G15 as of 2023-12-31 (goals.evaluate and `goals --as-of`); each one below today's."""
    from txip_geo.figures.goals import evaluate

    rc, fs, db = at_baseline
    ids = ("G01", "G04", "G06", "G08", "G09", "G10", "G11", "G15")
    bad = goal_diffs(rc, evaluate(fs).to_dict("records"), "goals.evaluate", ids)
    g = json.loads(cli("--db", db, "goals", "--format", "json", "--as-of", R.SAMPLE_BASELINE_AS_OF))
    bad += goal_diffs(rc, g["goals"], "goals json", ids)
    assert not bad, listing(bad)
    then = rc.goals.set_index("id")["current"]
    now = _case("sample", built)[1].goals.set_index("id")["current"]
    assert all(then[i] is not None and then[i] < now[i] for i in ids), (then[list(ids)], now[list(ids)])


def test_which_units_gained_an_office(at_baseline, built):
    """The units with an office now and none at the baseline: the recount's, in the app's figures as of each date."""
    rc, fs_then, _db = at_baseline
    _name, rc_now, fs_now, _db, _view = _case("sample", built)

    def gained(then: pd.DataFrame, now: pd.DataFrame) -> list[str]:
        t, n = then.set_index("code")["has_office"], now.set_index("code")["has_office"]
        return sorted(c for c in n.index if n[c] == 1 and t[c] != 1)

    areas_then = pd.concat([rc.units, rc.parks], ignore_index=True)
    areas_now = pd.concat([rc_now.units, rc_now.parks], ignore_index=True)
    want = gained(areas_then, areas_now)
    units = [c for c in want if not c.startswith("P")]
    assert len(units) >= 4, want
    app = gained(pd.concat([fs_then.units, fs_then.parks]), pd.concat([fs_now.units, fs_now.parks]))
    assert app == want
