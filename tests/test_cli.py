"""The command line: the sample demo, summary and goals in JSON, locate."""

import json

import pytest

from txip_geo.cli import main
from txip_geo.gazetteer import load_gazetteer


@pytest.fixture(scope="module")
def summary(demo_db):
    import io
    import sys

    buf, old = io.StringIO(), sys.stdout
    sys.stdout = buf
    try:
        assert main(["--db", str(demo_db), "summary", "--format", "json"]) == 0
    finally:
        sys.stdout = old
    return json.loads(buf.getvalue())


def run_json(capsys, *args):
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_summary_json_has_the_documented_shape(summary):
    assert summary["boundaries"] == "schematic" and summary["sample"] is True and summary["as_of"] == "2026-10-31"
    assert [u["code"] for u in summary["units"]] == load_gazetteer().codes
    for key in ("code", "name", "type", "area_km2", "patents", "invention_patents_valid", "trademarks", "workstations",
                "cases"):
        assert key in summary["units"][0]
    assert {p["code"] for p in summary["parks"]} == {"P01", "P02", "P03", "P04"}
    assert set(summary["unassigned"]) >= {"patents", "trademarks", "cases"}
    assert summary["outside"]["patents"] > 0


def test_summary_areas_are_measured_on_the_boundaries_in_use(summary):
    area = {u["name"]: u["area_km2"] for u in summary["units"]}
    assert area["黄桥镇"] == pytest.approx(175.95, rel=0.02)


def test_city_patents_equal_assigned_plus_unassigned(summary):
    units = sum(u["patents"] for u in summary["units"])
    assert summary["city"]["patents"] == units + summary["unassigned"]["patents"]


def test_sample_has_the_gaps_the_views_need(summary):
    by = {u["name"]: u for u in summary["units"]}
    assert by["分界镇"]["workstations"] == 0 and by["根思乡"]["workstations"] == 0 and by["河失镇"]["workstations"] == 0
    assert by["根思乡"]["invention_patents_valid"] == 0
    assert by["元竹镇"]["trademarks"] == 0
    assert sum(u["zero_patent_above_scale"] for u in summary["units"]) > 10


def test_goals_json_lists_every_goal_with_plan_targets(demo_db, capsys):
    g = run_json(capsys, "--db", str(demo_db), "goals", "--format", "json")
    by = {r["id"]: r for r in g["goals"]}
    assert len(by) == 20 and by["G01"]["target"] == 3500 and by["G04"]["target"] == 14600
    assert by["G01"]["status"] in ("met", "not_met") and by["G01"]["current"] > 0
    assert all(r["status"] in ("met", "not_met", "no_data", "done", "not_done") for r in g["goals"])


def test_locate_explains_its_answer(capsys, tmp_path):
    out = run_json(capsys, "--db", str(tmp_path / "l.sqlite"), "locate", "泰兴市延令街道黄桥路5号", "--format", "json")
    assert out["unit_name"] == "延令街道" and out["method"] == "address" and "延令街道" in out["note"]
    out = run_json(capsys, "--db", str(tmp_path / "l.sqlite"), "locate", "靖江市新桥镇", "--format", "json")
    assert out["method"] == "outside" and out["unit_code"] == ""


def test_new_store_has_boundaries_but_no_records(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "n.sqlite"), "summary", "--format", "json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["boundaries"] == "schematic" and s["units"][0]["area_km2"] > 0
    assert s["units"][0]["patents"] is None  # no patent records loaded: missing, not zero
