"""Baseline → now (issue #17): every baseline, current and change figure equals an independent recount from the files.

Stores: the recount's "mixed" scenario (snapshots at 2024-12-31 and 2026-10-31: a baseline of 2024-12-31 reads the
early snapshot), and a "dated" scenario written here whose only snapshot is 2026-10-31 with grant, registration,
set-up, closing and event dates: a baseline of 2023-12-31 must be wound back from it (推算), recounted in plain
pandas by `wound_back` below from the rules in figures/baseline.py's docstring. Degenerate stores: one kind only,
empty.
"""

from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest
import recount as R
import recount_fixtures as F

from txip_geo.figures.asof import derive
from txip_geo.figures.baseline import AREA_METRICS, city_change, compare
from txip_geo.figures.compute import Settings
from txip_geo.store.database import Store

BASE = "2023-12-31"
COMPARED = [
    "patents",
    "invention_patents",
    "patents_valid",
    "invention_patents_valid",
    "invention_patents_long",
    "trademarks",
    "workstations",
    "cases",
]


def cli(*argv) -> str:
    from txip_geo.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main([str(a) for a in argv])
    assert rc == 0, buf.getvalue()
    return buf.getvalue()


def build(root, name, imports_of) -> tuple:
    db = root / f"{name}.sqlite"
    cli("--db", db, "status")
    imports = imports_of(root / name, db)
    for kind, path, as_of in imports:
        cli("--db", db, "import", kind, path, "--as-of", as_of)
    return db, imports


def dated_scenario(out, db):
    """One snapshot (2026-10-31) whose records carry every date the wind-back reads."""
    out.mkdir(parents=True, exist_ok=True)
    g = F.Gen(1701, db, years=(2012, 2026))
    imports = []

    def add(kind, rows):
        imports.append((kind, F.write(out / f"{kind}.csv", kind, rows), F.LATE))

    pats = F.patents(g, 160, F.LATE, dup=False)
    for r in pats:  # a grant date for granted ones: 1–4 years after filing, some after the baseline
        if r["法律状态"] in ("有效", "专利权维持", "授权", "失效", "未缴年费终止", "期限届满"):
            years = int(g.rng.integers(1, 5))
            r["授权公告日"] = min(f"{int(r['申请日'][:4]) + years}{r['申请日'][4:]}", "2026-10-30").replace(
                "-02-29", "-02-28"
            )
    add("patents", pats)
    tms = F.trademarks(g, 90, F.LATE)
    for r in tms:
        if r.get("注册日期") and g.rng.random() < 0.3:  # expired before the as-of date (never before registration)
            r["专用权期限截止"] = g.day(lo=max("2023-06-01", r["注册日期"]), hi="2026-10-31")
    add("trademarks", tms)
    ws = F.simple(g, "workstations", 14, F.LATE)
    for r in ws:
        r["设立日期"] = g.day(lo="2019-01-01", hi="2026-10-31")
    add("workstations", ws)
    cs = F.cases(g, 60, F.LATE)
    for r in cs:
        if r["办理状态"] == "已结案":
            r["结案日期"] = g.day(lo=r["立案日期"], hi="2026-10-31")
    add("cases", cs)
    for kind, n in (("pledges", 20), ("trainings", 16)):
        add(kind, F.simple(g, kind, n, F.LATE))
    return imports


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("baseline")
    return {
        "mixed": build(root, "mixed", lambda out, db: F.scenario("mixed", out, db)),
        "dated": build(root, "dated", dated_scenario),
    }


# -- the plain recount of a wind-back ----------------------------------------------------------------------------


def wound_back(imports, day: str, db, plan_start: str = R.PLAN_START):
    """The records as they stood on `day`, from the latest files (plain pandas): patents filed by then, valid then
    if valid today and granted by then (no grant date: valid), not yet granted → pending; trademarks registered by
    then, valid if valid today and not expired before `day`; workstations set up by then; cases accepted by then,
    open if closed later; pledges and trainings dated by then. Then the recount's counts."""
    gaz, lay, recs, as_ofs = R.prepared(imports, None, db)
    p = recs["patents"]
    p = p[p["app_date"].fillna("").ne("") & (p["app_date"] <= day)].copy()
    grant = p["grant_date"].fillna("")
    valid_then = (p["st"] == "valid") & ((grant == "") | (grant <= day))
    p.loc[(p["st"] == "valid") & ~valid_then, "st"] = "pending"
    cut = R._years_before(day, R.LONG_YEARS)
    p["long"] = (p["ptype"] == "invention") & (p["st"] == "valid") & (p["app_date"] < cut)
    recs["patents"] = p
    t = recs["trademarks"]
    t = t[t["reg_date"].fillna("").ne("") & (t["reg_date"] <= day)].copy()
    expired = t["expiry_date"].fillna("").ne("") & (t["expiry_date"] < day)
    t.loc[expired, "st"] = "invalid"
    recs["trademarks"] = t
    w = recs["workstations"]
    recs["workstations"] = w[w["established"].fillna("").ne("") & (w["established"] <= day)]
    c = recs["cases"]
    c = c[c["accepted_date"] <= day].copy()
    later = c["closed_date"].fillna("").ne("") & (c["closed_date"] > day)
    c.loc[later, "status"] = "办理中"
    c.loc[later, "outcome"] = ""
    recs["cases"] = c
    for kind in ("pledges", "trainings"):
        recs[kind] = recs[kind][recs[kind]["date"] <= day]
    for kind in ("enterprises", "service_orgs", "network"):
        recs[kind] = None
    old = R.PLAN_START
    R.PLAN_START = plan_start
    try:
        units = {c_: R.area_figures(recs, lambda df, c_=c_: df["unit_code"] == c_) for c_ in gaz.codes}
        city = R.area_figures(recs, lambda df: pd.Series(True, index=df.index))
    finally:
        R.PLAN_START = old
    for d in (*units.values(), city):
        if "enforcement_cases" in d:
            d["enforcement_rate"] = R._rate(d["enforcement_closed"], d["enforcement_cases"])
            d["mediation_rate"] = R._rate(d["disputes_mediated"], d["disputes"])
    return units, city


_COMPARISONS: dict = {}


def comparison(db, baseline: str, series: bool = False):
    """compare() once per store, baseline and series (the tests read the same comparison)."""
    key = (str(db), baseline, series)
    if key not in _COMPARISONS:
        _COMPARISONS[key] = compare(Store(db), Settings(), baseline, series=series)
    return _COMPARISONS[key]


def _area(comp, layer="units") -> pd.DataFrame:
    return comp.areas[comp.areas["layer"] == layer].set_index(["code", "metric"])


def test_a_baseline_with_its_own_snapshot_reads_it(stores):
    db, imports = stores["mixed"]
    comp = comparison(db, F.EARLY)
    read = {k: p.method for k, p in comp.plan.items() if k not in ("statistics", "manual")}
    assert read == dict.fromkeys(read, "snapshot")
    assert comp.plan["manual"].method == "derived"  # entered once, in 2026: wound back by 填报日期
    then, now = R.recount(imports, F.EARLY, db), R.recount(imports, None, db)
    a = _area(comp)
    bad = []
    for rc_then, rc_now in [(then.units.set_index("code"), now.units.set_index("code"))]:
        for code in rc_now.index:
            for m in COMPARED:
                b, c = rc_then.loc[code, m], rc_now.loc[code, m]
                row = a.loc[(code, m)]
                if (row["baseline"], row["current"], row["change"]) != (b, c, round(c - b, 2)):
                    bad.append(f"{code} {m}: app {row['baseline']}→{row['current']} ({row['change']}), recount {b}→{c}")
    assert not bad, "\n".join(bad[:30])
    g = comp.goals.set_index("id")
    assert g.loc["G01", "baseline"] == then.city["invention_patents_valid"]
    assert g.loc["G01", "current"] == now.city["invention_patents_valid"]
    assert g.loc["G04", "change"] == now.city["trademarks"] - then.city["trademarks"]
    assert g.loc["G01", "baseline_method"] == "snapshot"
    assert F.EARLY in g.loc["G01", "baseline_note"]


def test_a_baseline_without_a_snapshot_is_wound_back_from_the_records(stores):
    db, imports = stores["dated"]
    comp = comparison(db, BASE)
    assert comp.plan["patents"].method == "derived" and comp.plan["patents"].source == F.LATE
    units, city = wound_back(imports, BASE, db)
    a = _area(comp)
    bad = [
        f"{code} {m}: app {a.loc[(code, m), 'baseline']}, recount {units[code][m]}"
        for code in units
        for m in COMPARED
        if a.loc[(code, m), "baseline"] != units[code][m]
    ]
    assert not bad, "\n".join(bad[:30])
    g = comp.goals.set_index("id")
    assert g.loc["G01", "baseline"] == city["invention_patents_valid"]
    assert g.loc["G02", "baseline"] == city["invention_patents_long"]
    assert g.loc["G04", "baseline"] == city["trademarks"]
    assert (g.loc["G01", "baseline_method"], g.loc["G01", "baseline_method_label"]) == ("derived", "推算")
    assert "推算" in g.loc["G01", "baseline_note"] or "推算至" in g.loc["G01", "baseline_note"]


def test_the_rates_baseline_is_the_baseline_years_and_cumulative_goals_start_at_zero(stores):
    db, imports = stores["dated"]
    comp = comparison(db, BASE)
    _, year = wound_back(imports, BASE, db, plan_start="2023-01-01")
    g = comp.goals.set_index("id")
    assert g.loc["G13", "baseline"] == year["enforcement_rate"]
    assert g.loc["G14", "baseline"] == year["mediation_rate"]
    assert g.loc["G13", "baseline_method"] == "baseline_year"
    for gid in ("G12", "G16"):
        assert (g.loc[gid, "baseline"], g.loc[gid, "baseline_method"]) == (0.0, "plan_start")
        assert g.loc[gid, "change"] == g.loc[gid, "current"]
    # The note gives the baseline year's own amount (G12 in 亿元).
    assert f"{year['pledge_amount_wan'] / 1e4:g}"[:4] in g.loc["G12", "baseline_note"]


def test_kinds_without_dates_have_no_baseline_never_zero(stores):
    db, _ = stores["mixed"]
    comp = comparison(db, BASE)  # before the early snapshot (2024-12-31)
    g = comp.goals.set_index("id")
    for gid in ("G06", "G07", "G08", "G09", "G10", "G11", "G15"):
        assert g.loc[gid, "baseline"] is None or pd.isna(g.loc[gid, "baseline"]), gid
        assert g.loc[gid, "baseline_method_label"] == "无基期数据", gid
        assert pd.isna(g.loc[gid, "change"]), gid
    a = _area(comp)
    assert a.loc[("321283100", "above_scale"), "baseline"] is None
    assert a.loc[("321283100", "above_scale"), "rank_then"] is None
    net = comp.network.set_index("code")
    assert net.loc["321283100", "has_office_then"] is None
    assert net.loc["321283100", "gained_office"] is None  # unknown, not "gained"


def test_the_network_then_and_now(stores):
    db, imports = stores["mixed"]
    comp = comparison(db, F.EARLY)
    then, now = R.recount(imports, F.EARLY, db), R.recount(imports, None, db)
    t_, n_ = then.units.set_index("code"), now.units.set_index("code")
    gained = sorted(c for c in n_.index if n_.loc[c, "has_office"] == 1 and t_.loc[c, "has_office"] == 0)
    net = comp.network
    assert sorted(net.loc[(net["layer"] == "units") & (net["gained_office"] == True), "code"]) == gained  # noqa: E712


def test_the_yearly_series_equals_the_figures_as_of_each_year_end(stores):
    db, imports = stores["dated"]
    comp = comparison(db, BASE, series=True)
    s = comp.series.set_index(["goal_id", "year"])
    assert sorted(set(comp.series["year"])) == [2023, 2024, 2025, 2026]
    for year in (2024, 2025):
        _, city = wound_back(imports, f"{year}-12-31", db)
        assert s.loc[("G01", year), "value"] == city["invention_patents_valid"], year
        assert s.loc[("G04", year), "value"] == city["trademarks"], year
        assert s.loc[("G16", year), "value"] == city["training_attendees"], year
        _, own = wound_back(imports, f"{year}-12-31", db, plan_start=f"{year}-01-01")
        assert s.loc[("G13", year), "annual"] == own["enforcement_rate"] or (
            pd.isna(s.loc[("G13", year), "annual"]) and pd.isna(own["enforcement_rate"])
        )
    # The last year is the current date, and equals the current figures.
    g = comp.goals.set_index("id")
    assert s.loc[("G01", 2026), "date"] == F.LATE
    assert s.loc[("G01", 2026), "value"] == g.loc["G01", "current"]


@pytest.mark.parametrize("day", ["2024-12-31", F.LATE])
def test_the_series_city_only_count_is_the_full_counts_city(stores, day):
    """goal_series counts each year end for the city alone from its goals' kinds (no row per township or park, no
    other kind read): those figures and the series goals' rows equal the full figure set's, under both plan starts."""
    from txip_geo.figures.asof import figures_at
    from txip_geo.figures.baseline import GOAL_KINDS, SERIES_GOALS
    from txip_geo.figures.compute import KIND_METRICS
    from txip_geo.figures.goals import evaluate

    db, _ = stores["dated"]
    store = Store(db)
    kinds = {k for gid in SERIES_GOALS for k in GOAL_KINDS[gid]} | {"manual"}
    for s in (Settings(), Settings(plan_start=f"{day[:4]}-01-01")):
        full, _ = figures_at(store, s, day)
        city, _ = figures_at(store, s, day, kinds=kinds)
        assert city.units.empty and city.parks.empty
        assert len(full.units) == 17
        metrics = [m for k in kinds for m in KIND_METRICS.get(k, ())]
        assert len(metrics) > 10
        assert {m: city.city[m] for m in metrics} == pytest.approx({m: full.city[m] for m in metrics}, nan_ok=True)
        assert city.city["enterprises"] is None  # a kind not read counts as never imported
        cols = ["id", "current", "status", "source", "basis"]
        want = evaluate(full).set_index("id").loc[list(SERIES_GOALS)].reset_index()[cols]
        pd.testing.assert_frame_equal(evaluate(city, SERIES_GOALS).reset_index(drop=True)[cols], want)


def _or_none(v):
    return None if v is None or pd.isna(v) else float(v)


@pytest.mark.parametrize(("store", "day"), [("mixed", F.EARLY), ("mixed", BASE), ("dated", BASE)])
def test_the_citys_change_follows_the_areas_rule(stores, store, day):
    """city_change: the city's figure then by the areas' method (none → None, plan_start → 0, baseline_year → the
    baseline year's, else as of the baseline), now, and the difference; the mixed store's early snapshot against the
    recount."""
    db, imports = stores[store]
    comp = comparison(db, day)
    g = comp.goals.set_index("id")
    methods = set()
    for m in AREA_METRICS:
        method = comp.areas.loc[comp.areas["metric"] == m, "baseline_method"].iloc[0]
        methods.add(method)
        if m == "invention_per_10k":  # the city's figure per 10,000 people is goal G03's
            then, now = _or_none(g.loc["G03", "baseline"]), _or_none(g.loc["G03", "current"])
        else:
            fs = comp.then_year if method == "baseline_year" else comp.then
            then = {"none": None, "plan_start": 0.0}.get(method, _or_none(fs.city.get(m)))
            now = _or_none(comp.now.city.get(m))
        change = None if then is None or now is None else round(now - then, 2)
        assert city_change(comp, m) == (then, now, change), (m, method)
    # Every method occurs: a snapshot's (or, before the first one, 推算 and, for the enterprises, none), cumulative
    # metrics from the plan's start, the rates' baseline year.
    first = {"snapshot"} if day == F.EARLY else {"derived", "none"}
    assert first | {"plan_start", "baseline_year"} <= methods
    if (store, day) == ("mixed", F.EARLY):
        then, now = R.recount(imports, F.EARLY, db), R.recount(imports, None, db)
        for m in COMPARED:
            b, c = then.city[m], now.city[m]
            assert city_change(comp, m) == (b, c, round(c - b, 2)), m


def _recounted_status(value, target, comparator, milestone: bool) -> str:
    if value is None or pd.isna(value):
        return "no_data"
    if milestone:
        return "done" if value else "not_done"
    return "met" if (value > target if comparator == ">" else value >= target) else "not_met"


def test_each_goals_status_at_the_baseline_is_its_recounted_value_against_the_target(stores):
    """status_then on the mixed store: at the early snapshot (2024-12-31) each goal's recounted value then against
    its target by its comparator (G12/G16 count from the plan's start: 0; G07's 90.0 is not > 90), and with the
    baseline at the latest snapshot the recount's status now (G08 met by its 手工填报 figure, M01 done)."""
    db, imports = stores["mixed"]
    targets = R._csv("goals.csv").set_index("id")
    for day, view in ((F.EARLY, F.EARLY), (F.LATE, None)):
        comp = comparison(db, day)
        rc = R.recount(imports, view, db).goals.set_index("id")
        g = comp.goals.set_index("id")
        for gid, r in g.iterrows():
            if r["baseline_method"] == "plan_start":
                value = 0.0
            elif r["baseline_method"] == "baseline_year" and day != F.EARLY:
                continue  # the baseline year's own rate (from 2026-01-01): the recount counts from the plan's start
            else:
                value = rc.loc[gid, "current"]
            comparator, target = targets.loc[gid, "comparator"], float(targets.loc[gid, "target"] or "nan")
            want = _recounted_status(value, target, comparator, r["kind"] == "milestone")
            assert r["status_then"] == want, (day, gid, r["baseline"], value)
        if day == F.LATE:
            assert g.loc["G08", "status_then"] == "met" and g.loc["M01", "status_then"] == "done"
        else:
            assert (
                g.loc["G07", "baseline"] == float(targets.loc["G07", "target"])
                and g.loc["G07", "status_then"] == "not_met"
            )
            assert set(g.loc[g["kind"] == "milestone", "status_then"]) == {"no_data"}


def test_derive_rules_on_a_tiny_frame():
    p = pd.DataFrame(
        {
            "app_date": ["2020-05-01", "2023-06-01", "2024-03-01", "2019-01-01", ""],
            "app_year": [2020, 2023, 2024, 2019, 2021],
            "grant_date": ["2022-01-01", "2024-02-01", "", "2021-01-01", ""],
            "status_code": ["valid", "valid", "pending", "invalid", "valid"],
        }
    )
    out, unknown = derive("patents", p, BASE)
    assert list(out["status_code"]) == ["valid", "pending", "invalid", "valid"]  # 2024 filing dropped
    assert unknown == 1  # invalid today, granted before the baseline: its state then is not known
    assert set(out["as_of"]) == {BASE}


def test_degenerate_stores(tmp_path):
    empty = Store(tmp_path / "empty.sqlite")
    comp = compare(empty, Settings(), BASE)
    assert comp.goals["baseline"].isna().all() or all(v is None for v in comp.goals["baseline"])
    assert set(comp.plan[k].method for k in comp.plan if k != "statistics") == {"none"}
    db = tmp_path / "one.sqlite"
    cli("--db", db, "status")
    path = F.write(
        tmp_path / "p.csv",
        "patents",
        [{"申请号": "CN202610000001.5", "申请日": "2026-01-05", "法律状态": "审中", "所属镇街": "黄桥镇"}],
    )
    cli("--db", db, "import", "patents", path, "--as-of", "2026-10-31")
    comp = compare(Store(db), Settings(), BASE, series=False)
    g = comp.goals.set_index("id")
    assert g.loc["G01", "baseline"] == 0.0 and g.loc["G01", "current"] == 0.0  # imported: 0, not 无数据
    assert g.loc["G04", "baseline_method"] == "none" and pd.isna(g.loc["G04", "current"])
    a = _area(comp)
    assert a.loc[("321283100", "patents"), "baseline"] == 0 and a.loc[("321283100", "patents"), "current"] == 1


def test_cli_goals_and_summary_with_a_baseline(stores):
    db, imports = stores["dated"]
    out = json.loads(cli("--db", db, "goals", "--baseline", BASE, "--format", "json"))
    g = {r["id"]: r for r in out["goals"]}
    _, city = wound_back(imports, BASE, db)
    assert out["baseline"] == BASE
    assert g["G01"]["baseline"] == city["invention_patents_valid"]
    assert g["G01"]["baseline_method"] == "derived"
    assert g["G01"]["change"] == g["G01"]["current"] - g["G01"]["baseline"]
    assert [p["year"] for p in out["series"]["G01"]] == [2023, 2024, 2025, 2026]
    s = json.loads(cli("--db", db, "summary", "--baseline", BASE, "--format", "json"))
    units, _ = wound_back(imports, BASE, db)
    row = {u["code"]: u for u in s["baseline"]["change"]["units"]}["321283100"]
    assert row["invention_patents_valid"]["baseline"] == units["321283100"]["invention_patents_valid"]
    assert s["baseline"]["methods"]["patents"] == {"method": "derived", "snapshot": F.LATE}


def test_report_gis_layers_carry_the_recounted_baseline(stores, tmp_path):
    import zipfile

    import geopandas as gpd

    db, imports = stores["dated"]
    units, _ = wound_back(imports, BASE, db)
    now = R.recount(imports, None, db).units.set_index("code")
    cli("--db", db, "report", "--format", "gpkg", "--out", tmp_path / "t.gpkg", "--baseline", BASE)
    g = gpd.read_file(tmp_path / "t.gpkg", layer="townships").set_index("CODE")
    assert str(g.crs).endswith("4490") and len(g) == 17
    for code in units:
        assert g.loc[code, "INV_B"] == units[code]["invention_patents_valid"], code
        assert g.loc[code, "INV_C"] == now.loc[code, "invention_patents_valid"], code
        assert g.loc[code, "INV_D"] == g.loc[code, "INV_C"] - g.loc[code, "INV_B"], code
    cli("--db", db, "report", "--format", "shp", "--out", tmp_path / "t.zip", "--baseline", BASE)
    names = zipfile.ZipFile(tmp_path / "t.zip").namelist()
    assert {"townships.shp", "townships.dbf", "townships.prj", "townships.cpg", "parks.shp"} <= set(names)
    s = gpd.read_file(f"zip://{tmp_path / 't.zip'}!townships.shp").set_index("CODE")
    assert s.loc["321283100", "INV_B"] == units["321283100"]["invention_patents_valid"]


def test_the_word_report_carries_the_recounted_baseline_current_and_change(stores):
    """The 自评报告 on a store with two real snapshots: the goal table and a township table equal the recount."""
    import io
    import re

    from docx import Document

    from txip_geo.render import acceptance, docx_kit

    db, imports = stores["mixed"]
    then, now = R.recount(imports, F.EARLY, db), R.recount(imports, None, db)
    data = acceptance.self_review_docx(comparison(db, F.EARLY), Store(db), maps=False)
    doc = Document(io.BytesIO(data))

    def table_after(title):
        head, seen = re.compile(r"表\d+　" + re.escape(title) + "$"), False
        for block in doc.iter_inner_content():
            text = getattr(block, "text", None)
            if text is not None and head.match(text.replace(docx_kit.ZWSP, "")):
                seen = True
            elif seen and hasattr(block, "rows"):
                return [[c.text.replace(docx_kit.ZWSP, "") for c in r.cells] for r in block.rows]
        raise AssertionError(title)

    goals = {r[0].split(" ")[0]: r for r in table_after("方案数值目标完成情况")[1:]}
    b, c = then.city["invention_patents_valid"], now.city["invention_patents_valid"]
    assert goals["G01"][2:5] == [f"{b:,.0f}", f"{c:,.0f}", f"{c - b:+,.0f}"]
    b, c = then.city["trademarks"], now.city["trademarks"]
    assert goals["G04"][2:5] == [f"{b:,.0f}", f"{c:,.0f}", f"{c - b:+,.0f}"]
    towns = {r[0]: r for r in table_after("各镇街有效发明专利（件）")[1:]}
    t_, n_ = then.units.set_index("name"), now.units.set_index("name")
    for name, r in towns.items():
        b, c = t_.loc[name, "invention_patents_valid"], n_.loc[name, "invention_patents_valid"]
        assert r[1:4] == [f"{b:,.0f}", f"{c:,.0f}", f"{c - b:+,.0f}" if c != b else "0"], name
