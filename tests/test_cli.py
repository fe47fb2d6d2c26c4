"""The command line: the sample demo, summary and goals in JSON, locate."""

import json

import pytest

from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.cli import main


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
    for key in (
        "code",
        "name",
        "type",
        "area_km2",
        "patents",
        "invention_patents_valid",
        "trademarks",
        "workstations",
        "cases",
    ):
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


def _warning_file(tmp_path, n):
    """A patent file of n rows, each with a wrong check digit (a warning, not an error)."""
    bad = ["200810018568.5", "201210199091.0", "201320342150.6", "201510219799.6", "201510360788.8"]
    rows = ["申请号,名称,法律状态,地址"] + [f"{b},品{i},有效,泰兴市黄桥镇" for i, b in enumerate(bad[:n])]
    p = tmp_path / "patents.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_import_lists_each_warning_with_row_column_value_and_reason(tmp_path, capsys, monkeypatch):
    import txip_geo.cli as cli

    p = _warning_file(tmp_path, 5)
    monkeypatch.setattr(cli, "WARNINGS_SHOWN", 2)
    assert main(["--db", str(tmp_path / "w.sqlite"), "import", "patents", str(p), "--as-of", "2025-12-31"]) == 0
    out = capsys.readouterr().out
    assert "警告 5 处" in out
    assert "警告：文件 patents.csv 第 2 行「申请号」列：值“200810018568.5”：校验位错误（应为 0）" in out
    assert out.count("  警告：") == 2 and "另有 3 处警告未列出（共 5 处；加 --all-warnings 列出全部）" in out
    assert (
        main(
            [
                "--db",
                str(tmp_path / "w2.sqlite"),
                "import",
                "patents",
                str(p),
                "--as-of",
                "2025-12-31",
                "--all-warnings",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.count("  警告：") == 5 and "第 6 行「申请号」列：值“201510360788.8”" in out and "另有" not in out


def test_demo_lists_the_sample_warnings(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "d.sqlite"), "demo"]) == 0
    out = capsys.readouterr().out
    assert "警告 6 处" in out
    listed = [line for line in out.splitlines() if line.startswith("  警告：文件 patents.csv 第 ")]
    assert len(listed) == 6 and all("「申请号」列：值“" in line and "校验位错误" in line for line in listed)


def test_import_report_names_how_an_ambiguous_column_was_read(tmp_path, capsys):
    p = tmp_path / "台账.csv"
    p.write_text("案件编号,案件类型,立案日期,处理方式,办理状态\nA1,专利,2025-01-02,立案查处,已结案\n", encoding="utf-8")
    assert main(["--db", str(tmp_path / "c.sqlite"), "import", "cases", str(p), "--as-of", "2025-12-31"]) == 0
    out = capsys.readouterr().out
    assert "列的读法：「案件类型」列" in out and "按「知识产权类型」读取" in out
