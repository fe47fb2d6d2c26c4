"""The benchmarks at CI size: `python benchmarks/run.py --size ci` runs end to end and writes its results table.

Only what cannot flake is asserted: the table is there with every benchmark's rows, every gain is a positive finite
number, byte counts (deterministic) shrink, and the two import paths agree. Timings are recorded, never compared
with a threshold (the full-size figures are in docs/performance.md).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.benchmark


@pytest.fixture(scope="module")
def ci_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    md, js = out / "performance.md", out / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run.py"),
            "--size",
            "ci",
            "--out",
            str(md),
            "--json",
            str(js),
            "--work",
            str(out / "work"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return md.read_text(encoding="utf-8"), json.loads(js.read_text(encoding="utf-8"))


def rows(results, group):
    return [r for r in results["rows"] if r["group"] == group]


def test_the_table_is_written_with_every_benchmark(ci_run):
    md, results = ci_run
    assert "<!-- benchmark-results:start -->" in md and "<!-- benchmark-results:end -->" in md
    assert "| | What | This app | Baseline | Gain | Target | Met | Notes |" in md
    groups = {r["group"] for r in results["rows"]}
    assert {"Import 1M patents", "Map payload", "Province scale"} <= groups
    if not results["info"].get("browser", {}).get("skipped"):
        assert {"Map page in a browser", "Memory"} <= groups
    for r in results["rows"]:
        assert r["measure"] in md


def test_every_gain_is_a_sane_ratio(ci_run):
    _, results = ci_run
    for r in results["rows"]:
        assert r["value"] is None or (math.isfinite(r["value"]) and r["value"] >= 0), r
        if r["gain"] is not None:
            assert math.isfinite(r["gain"]) and 0.01 < r["gain"] < 10_000, r


def test_payload_shrinks_and_the_coverage_stays_valid(ci_run):
    _, results = ci_run
    payload = results["info"]["payload"]
    detailed = next(v for k, v in payload.items() if k.startswith("official-like"))
    assert detailed["coverage_ok"] and detailed["app_layer"] < 300 * 1024
    assert detailed["base_layer"] / detailed["app_layer"] > 3  # bytes: deterministic
    assert detailed["fair_layer"] >= 2 * detailed["app_layer"]  # TopoJSON against one coverage_simplify call
    assert detailed["apart_px"] < 0.5  # the same polygons on screen
    assert detailed["v1"] < detailed["v0"] / 3
    schematic = next(v for k, v in payload.items() if k.startswith("bundled"))
    assert schematic["coverage_ok"] and schematic["v1"] == schematic["v0"]  # light: sent exactly
    assert schematic["fair_layer"] >= 2 * schematic["app_layer"]  # few vertices: the packing of the properties
    province = results["info"]["province"]
    assert province["page"] == {} or province["page"]["layer_bytes"] < province["base_bytes"]
    assert province["payload"]["fair"] >= 2 * province["payload"]["app"]


def test_both_import_paths_assign_the_same_townships(ci_run):
    _, results = ci_run
    imp = results["info"]["import"]
    assert imp["agree"] == 1.0
    assert imp["same_counts"]  # the fair baseline's per-township counts are the app's (benchmarks/bench_import_fair.py)
    assert imp["fast"]["rows"] == imp["fast"]["read"] > 0
    prov = results["info"]["province"]
    methods, n = prov["import"]["methods"], prov["import"]["rows"]
    outside = methods.get("outside", 0)  # a point on the province's edge, at most a handful
    assert methods.get("point", 0) + outside == n and outside <= n // 1000
    assert prov["summary"]["total"] == n - outside  # every record inside counted once in the summary
    assert prov["fair"]["same"] and prov["fair"]["total"] == prov["summary"]["total"]  # the plain GROUP BY agrees
    if prov["app"] and prov["app"]["rows"] == n:  # the record path (history) ran on the same store: the same figures
        assert (prov["app"]["total"], prov["app"]["long"]) == (prov["summary"]["total"], prov["summary"]["long"])


def test_the_browser_benchmark_sent_nothing_to_the_internet(ci_run):
    _, results = ci_run
    info = results["info"].get("browser", {})
    if info.get("skipped"):
        pytest.skip(info["skipped"])
    assert info["external_requests"] == []
    measures = [r["measure"] for r in rows(results, "Map page in a browser")]
    assert any("returning browser" in m for m in measures) and any("floor: a click" in m for m in measures)


def test_the_waterfall_times_every_stage_of_a_fresh_session_in_order(tmp_path):
    """`benchmarks/waterfall.py` opens the map page in fresh sessions and lists when each stage was on the page."""
    from benchmarks.bench_browser import available

    why = available()  # Debian chromium and playwright, as the browser benchmark needs them
    if why:
        pytest.skip(why)
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "waterfall.py"),
            "--points",
            "200",
            "--runs",
            "1",
            "--work",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    stages = {}
    for line in proc.stdout.splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2 and parts[0].isdigit():
            stages[parts[1]] = int(parts[0])
    for stage in (
        "DOMContentLoaded",
        "rerun request sent",
        "last message of the run",
        "title (h1)",
        "map element",
        "townships drawn",
        "every workstation drawn",
    ):
        assert stage in stages, (stage, proc.stdout)
    assert (
        stages["DOMContentLoaded"]
        < stages["rerun request sent"]
        < stages["map element"]
        <= stages["townships drawn"]
        <= stages["every workstation drawn"]
    )
    assert "leaflet.js" in proc.stdout  # the vendored Leaflet, fetched from this server
