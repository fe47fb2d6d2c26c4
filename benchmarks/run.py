#!/usr/bin/env python
"""Run the benchmarks and write their results table into the docs.

    python benchmarks/run.py                       # full size, table into docs/performance.md (about 17 minutes)
    python benchmarks/run.py --size ci --out /tmp/perf.md     # the reduced size CI runs (about 3 minutes)

Options: --only import,payload,browser,province (a subset); --work DIR (keep generated files there and reuse them
on the next run; default: a temporary folder, removed at the end); --json PATH (the results as JSON as well);
--shots DIR (browser screenshots). Each figure is reported with the baseline measured in the same run and the
gain over it (how many times faster or smaller). Timings depend on what else the machine is doing: the load average
at the start and the end is written with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, Python puts benchmarks/ on sys.path, not the repo root: the root is added for `benchmarks` (a folder
# of the checkout, not part of the installed txip_geo package).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_browser, bench_import, bench_payload, bench_province  # noqa: E402
from benchmarks.common import SIZES, Results, fmt, run_child  # noqa: E402

START = "<!-- benchmark-results:start -->"
END = "<!-- benchmark-results:end -->"
PARTS = ("import", "payload", "browser", "province")


def machine() -> dict:
    import pandas
    import shapely
    import streamlit

    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {
        "cpus": os.cpu_count(),
        "ram_gb": round(mem_gb),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "streamlit": streamlit.__version__,
        "pandas": pandas.__version__,
        "shapely": shapely.__version__,
    }


def table(results: Results) -> str:
    lines = ["| | What | This app | Baseline | Gain | Target | Met | Notes |", "|---|---|---|---|---|---|---|---|"]
    group = None
    for row in results.rows:
        g = f"**{row.group}**" if row.group != group else ""
        group = row.group
        gain = f"{row.gain:,.1f}×" if row.gain is not None else "–"
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        lines.append(
            f"| {g} | {row.measure} | {fmt(row.value, row.unit)} | {fmt(row.baseline, row.unit)} | {gain} | "
            f"{row.target} | {met} | {row.note} |"
        )
    return "\n".join(lines)


def section(results: Results) -> str:
    m = results.info["machine"]
    la0, la1 = results.info["load_start"], results.info["load_end"]
    skipped = results.info.get("browser", {}).get("skipped")
    head = (
        f"Size **{results.size}**, run {results.started} in {results.info['seconds']:.0f} s on {m['cpus']} cores, "
        f"{m['ram_gb']} GB RAM ({m['system']}; Python {m['python']}, streamlit {m['streamlit']}, pandas "
        f"{m['pandas']}, shapely {m['shapely']}). Load average (1 min) at the start {la0:.1f}, at the end "
        f"{la1:.1f}: on a shared machine wall-clock timings are slower than on an idle one; the baselines ran "
        "under the same conditions."
    )
    if skipped:
        head += f" Browser benchmark skipped: {skipped}."
    return f"{START}\n{head}\n\n{table(results)}\n{END}"


TEMPLATE = """# Performance

Results of `python benchmarks/run.py` (see the end of this page for how to reproduce them).

{section}
"""


def write(out: Path, results: Results) -> None:
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    block = section(results)
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = TEMPLATE.format(section=block)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


def demo_store(work: Path) -> Path:
    db = work / "demo.sqlite"
    if not db.exists():
        run_child(
            f"from txip_geo.cli import main\nimport json\nassert main(['--db', {str(db)!r}, 'demo']) == 0\n"
            "print(json.dumps({}))"
        )
    return db


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="full")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--only", default=",".join(PARTS))
    ap.add_argument("--shots", type=Path, default=None)
    args = ap.parse_args(argv)
    size = SIZES[args.size]
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(only) - set(PARTS)
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    work = args.work or Path(tempfile.mkdtemp(prefix="txip-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)

    results = Results(args.size, datetime.now().strftime("%Y-%m-%d %H:%M"))
    results.info["machine"] = machine()
    results.info["load_start"] = os.getloadavg()[0]
    t0 = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t0:6.0f} s] {msg}" if not msg.startswith(" ") else msg, flush=True)

    try:
        big_store = None
        if "import" in only:
            log("import")
            out = bench_import.run(size, work / "import", results, log)
            big_store = out["store"] if size.memory_patents else None
        if "payload" in only:
            log("payload")
            bench_payload.run(size, work / "payload", results, demo_store(work), log)
        if "browser" in only:
            log("browser")
            bench_browser.run(size, work / "browser", results, log, big_store=big_store, shots=args.shots)
        if "province" in only:
            log("province")
            bench_province.run(size, work / "province", results, log, shots=args.shots)
    finally:
        results.info["seconds"] = time.perf_counter() - t0
        results.info["load_end"] = os.getloadavg()[0]
        if results.rows:
            write(args.out, results)
            log(f"table written to {args.out}")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(
                json.dumps(
                    {
                        "size": results.size,
                        "started": results.started,
                        "rows": [r.as_dict() for r in results.rows],
                        "info": results.info,
                    },
                    ensure_ascii=False,
                    indent=1,
                    default=str,
                ),
                encoding="utf-8",
            )
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
