"""Province scale: the same code with about 1,300 township-level polygons and millions of patent records.

* Layer: ~1,300 power-diagram cells over a province-sized area (107,000 km², about Jiangsu), borders detailed to about
  300 vertices per unit (benchmarks/generate.province_coverage), given to the importer as its township layer.
* Records: `province_records` patent rows with coordinates, in `province_files` files (an office splits an export that
  big; the upload limit is 2,000,000 rows per file), each imported with importer.prepare + Store.add_records -- what
  import_file does -- with the province layer and outline. Assignment is by coordinates (the address gazetteer is
  Taixing's).
* Summary: every patent metric per unit (total, by type, valid, valid inventions, long-maintained) for every unit,
  through the app's own path: the store's per-import aggregates (Store.patent_counts, txip_geo/store/aggregates.py) and
  figures.area_table, for the province's unit codes (figures.compute iterates over Taixing's 17). Baseline: the
  record path the app had before the aggregates (Store.records loads every record into pandas, then
  figures.area_table counts them), timed on 1,000,000 records and scaled. The import reports what keeping the
  aggregates costs (Store._refresh_aggregates timed inside each import).
* Map: the layer simplified for its zoom (simplify.for_display), drawn by maps.build_map and localised, on a page
  served by Streamlit (benchmarks/province_app.py), timed in the browser like the township map.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import generate
from .common import ROOT, Row, Server, env_for_children, gain_lower_is_better, median, peak_kb, run_child

AS_OF = "2026-10-31"

IMPORT = """
import json, time
import geopandas as gpd
from txip_geo.ingest import importer
from txip_geo import schema
from txip_geo.store.database import Store
store = Store({db!r})
layers = {{"townships": gpd.read_file({units!r}), "parks": None, "outline": gpd.read_file({outline!r})}}
agg, refresh = [], Store._refresh_aggregates  # time what keeping the aggregates costs, inside each import
def timed(self, *a):
    t = time.perf_counter()
    refresh(self, *a)
    agg.append(time.perf_counter() - t)
Store._refresh_aggregates = timed
t0, c0 = time.perf_counter(), time.process_time()
methods, n, per_file = {{}}, 0, []
for path in {files!r}:
    t1 = time.perf_counter()
    data = open(path, 'rb').read()
    name = path.rsplit('/', 1)[-1]
    recs, rep = importer.prepare('patents', data, name, as_of={as_of!r}, layers=layers)
    store.add_records(schema.KINDS['patents'], recs, file_name=name, data=data, as_of={as_of!r}, user='benchmark',
                      is_sample=False, report=rep.to_dict(),
                      rows=(rep.rows_read, rep.rows_imported, len(rep.errors), rep.duplicates))
    n += rep.rows_imported
    per_file.append(time.perf_counter() - t1)
    for k, v in rep.methods.items():
        methods[k] = methods.get(k, 0) + v
print(json.dumps({{'wall': time.perf_counter() - t0, 'cpu': time.process_time() - c0, 'rows': n,
                  'methods': methods, 'per_file': per_file, 'agg': agg, 'peak_kb': _peak_kb()}}))
"""


def summary_table(store, codes: list[str], as_of: str = AS_OF):
    """The app's summary path for these unit codes: the store's patent counts (its per-import aggregates) and
    figures.area_table, as figures.compute does for Taixing's 17 units (with no filter set, the counts need no park
    or year: those dimensions are summed in SQL)."""
    from txip_geo import schema
    from txip_geo.figures import compute as figures

    s = figures.Settings()
    recs = {k: store.records(k) for k in schema.KINDS if k != "patents"}
    recs["patents"] = store.patent_counts(
        long_cut=figures._years_before(as_of, s.long_years),
        keys=("unit_code", "assign_method", "patent_type", "status_code"),
    )
    recs = {k: v[v["assign_method"] != "outside"] if len(v) and schema.KINDS[k].located else v for k, v in recs.items()}
    return figures.area_table(recs, "unit_code", codes, s, as_of)


SUMMARY_CHILD = """
import json, time
import geopandas as gpd
from benchmarks.bench_province import summary_table
from txip_geo.store.database import Store
codes = list(gpd.read_file({units!r})['code'])
walls = []
for _ in range(3):
    t0 = time.perf_counter()
    table = summary_table(Store({db!r}), codes, {as_of!r})
    walls.append(time.perf_counter() - t0)
print(json.dumps({{'wall': sorted(walls)[1], 'walls': walls, 'units': int((table['patents'] > 0).sum()),
                  'total': float(table['patents'].sum()), 'long': float(table['invention_patents_long'].sum()),
                  'peak_kb': _peak_kb()}}))
"""

# The record path before the aggregates: every record of the snapshot into pandas, then area_table counts them.
SUMMARY_APP_CHILD = """
import json, time
import geopandas as gpd
from txip_geo.figures import compute as figures
from txip_geo.store.database import Store
codes = list(gpd.read_file({units!r})['code'])
store = Store({db!r})
t0 = time.perf_counter()
recs = {{k: store.records(k) for k in ('patents', 'trademarks', 'workstations', 'cases', 'enterprises', 'pledges',
                                     'trainings', 'service_orgs')}}
t1 = time.perf_counter()
s = figures.Settings()
table = figures.area_table({{k: v[v['assign_method'] != 'outside'] if len(v) else v for k, v in recs.items()}},
                           'unit_code', codes, s, {as_of!r})
wall = time.perf_counter() - t0
print(json.dumps({{'wall': wall, 'load': t1 - t0, 'rows': len(recs['patents']), 'total': float(table['patents'].sum()),
                  'long': float(table['invention_patents_long'].sum()), 'peak_kb': _peak_kb()}}))
"""


# The 数据 page's assignment overview: records per assignment method and the list of records without a unit.
# `path` "store": as the page does it now (aggregates + only the rows without a unit); "records": the record path
# the page had before (every record of every located kind loaded, counted and filtered in pandas).
ASSIGNMENT_CHILD = """
import json, time, types
from txip_geo.present import records as progress
from txip_geo.present.records import unassigned_table
from txip_geo.figures.compute import Settings
from txip_geo.store.database import Store
store = Store({db!r})
t0 = time.perf_counter()
if {path!r} == 'store':
    counts = progress.store_assignment_counts(store)
    listing = unassigned_table(types.SimpleNamespace(settings=Settings()), store)
else:
    recs = progress.located_records(store)
    counts = progress.assignment_counts(recs)
    listing = unassigned_table(types.SimpleNamespace(settings=Settings(), no_township_records=None, records=recs))
wall = time.perf_counter() - t0
print(json.dumps({{'wall': wall, 'total': int(counts['合计'].sum()), 'listed': len(listing), 'peak_kb': _peak_kb()}}))
"""


def make_inputs(size, work: Path, log=print):
    import geopandas as gpd
    import shapely

    units_path, outline_path = work / "province_units.geojson", work / "province_outline.geojson"
    t = time.perf_counter()
    if not units_path.exists():
        units, outline = generate.province_coverage(size.province_units)
        units.to_file(units_path, driver="GeoJSON")
        outline.to_file(outline_path, driver="GeoJSON")
    units = gpd.read_file(units_path)
    union = shapely.union_all(units.geometry.to_numpy())
    files = []
    per = size.province_records // size.province_files
    for i in range(size.province_files):
        path = work / f"province_patents_{per}_{i + 1}.csv"
        if not path.exists():
            generate.write_csv(
                generate.province_patent_frame(per, union, seed=100 + i, serial_offset=i * 1_000_000), path
            )
        files.append(path)
    log(
        f"  province inputs: {len(units):,} units, {per * len(files):,} records in {len(files)} files "
        f"({sum(f.stat().st_size for f in files) / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s"
    )
    return units, units_path, outline_path, files


def run(size, work: Path, results, log=print, shots: Path | None = None) -> dict:
    from txip_geo.areas import simplify

    work.mkdir(parents=True, exist_ok=True)
    units, units_path, outline_path, files = make_inputs(size, work, log)
    db = work / "province.sqlite"
    for p in work.glob("province.sqlite*"):
        p.unlink()
    env = env_for_children(TXIP_MAX_UPLOAD_MB=4096)
    imp = run_child(
        IMPORT.format(
            db=str(db), units=str(units_path), outline=str(outline_path), files=[str(f) for f in files], as_of=AS_OF
        ),
        env=env,
    )
    log(
        f"  province import: {imp['rows']:,} rows in {imp['wall']:.0f} s, per file "
        f"{', '.join(f'{x:.0f}' for x in imp['per_file'])} s, peak {imp['peak_kb'] / 1024:.0f} MB, {imp['methods']}"
    )

    agg_s = sum(imp["agg"])
    log(f"  of which keeping the aggregates: {agg_s:.1f} s (per file {', '.join(f'{x:.1f}' for x in imp['agg'])} s)")
    summ = run_child(SUMMARY_CHILD.format(db=str(db), units=str(units_path), as_of=AS_OF), env=env)
    log(
        f"  app summary (aggregates + area_table): {summ['wall']:.2f} s (median of {summ['walls']}) for "
        f"{summ['units']:,} units, {summ['total']:,.0f} patents, peak {summ['peak_kb'] / 1024:.0f} MB"
    )
    # The app's path loads every record into memory: at full size it is run on the first file's records only (a
    # store of its own), and its time per record is scaled up; at 5,000,000 records it would need ~15 GB.
    app_db = db
    if size.province_records > 1_000_000:
        app_db = work / "province_app_path.sqlite"
        for p in work.glob("province_app_path.sqlite*"):
            p.unlink()
        run_child(
            IMPORT.format(
                db=str(app_db), units=str(units_path), outline=str(outline_path), files=[str(files[0])], as_of=AS_OF
            ),
            env=env,
        )
    app = run_child(SUMMARY_APP_CHILD.format(db=str(app_db), units=str(units_path), as_of=AS_OF), env=env)
    app_scaled = app["wall"] * imp["rows"] / max(app["rows"], 1)
    log(
        f"  app summary path: {app['wall']:.1f} s for {app['rows']:,} records (load {app['load']:.1f} s), "
        f"peak {app['peak_kb'] / 1024:.0f} MB; scaled to {imp['rows']:,}: {app_scaled:.0f} s"
    )

    assign = run_child(ASSIGNMENT_CHILD.format(db=str(db), path="store"), env=env)
    assign_base = run_child(ASSIGNMENT_CHILD.format(db=str(app_db), path="records"), env=env)
    assign_scaled = assign_base["wall"] * imp["rows"] / max(assign_base["total"], 1)
    log(
        f"  assignment overview: {assign['wall']:.2f} s ({assign['listed']:,} listed), record path "
        f"{assign_base['wall']:.1f} s for {assign_base['total']:,} records, scaled {assign_scaled:.0f} s"
    )

    # The map: payload of the simplified layer vs folium's default GeoJSON of it, and the page in a browser.
    from .bench_payload import default_geojson_bytes

    base_bytes = default_geojson_bytes(units)
    t = time.perf_counter()
    shown = simplify.for_display(units, keep=["code", "name"])
    simplify_s = time.perf_counter() - t
    page = browser_page(work, db, units_path, outline_path, len(units), log, shots) if size.province_browser else {}
    n, nu = imp["rows"], len(units)
    rate = n / imp["wall"]
    layer_bytes = page.get("layer_bytes") or simplify.geojson_bytes(shown)
    payload_note = (
        f"vertices {simplify.vertex_count(units.geometry):,} → {simplify.vertex_count(shown.geometry):,} "
        f"(zoom {shown.attrs.get('display_zoom')}); simplified in {simplify_s:.1f} s"
    )
    if page:
        payload_note += f"; whole page HTML {page['html_bytes'] / 1024 / 1024:.2f} MB"
    results.add(
        Row(
            "Province scale",
            f"import + assign {n:,} records into {nu:,} units ({len(files)} files)",
            imp["wall"],
            "s",
            (imp["wall"] - agg_s) if n else None,
            gain_lower_is_better(imp["wall"], imp["wall"] - agg_s),
            note=f"baseline: the same without keeping the patent aggregates ({agg_s:.0f} s of it); "
            f"{rate:,.0f} rows/s; per file {median(imp['per_file']):.0f} s (median); peak "
            f"{imp['peak_kb'] / 1024:,.0f} MB; assigned by coordinates: {imp['methods'].get('point', 0):,}",
        ),
        Row(
            "Province scale",
            f"summary: patent metrics per unit for {nu:,} units ({n:,} records)",
            summ["wall"],
            "s",
            app_scaled,
            gain_lower_is_better(summ["wall"], app_scaled),
            target="< 5 s",
            met=summ["wall"] < 5.0,
            note=f"the app's path: Store.patent_counts (per-import aggregates, exact de-duplication) + "
            f"figures.area_table, median of 3, peak {summ['peak_kb'] / 1024:,.0f} MB. Baseline: the record path "
            f"before (Store.records + figures.area_table), {app['wall']:.1f} s for {app['rows']:,} records, peak "
            f"{app['peak_kb'] / 1024:,.0f} MB"
            + (f", scaled to {n:,} records" if app["rows"] != n else "")
            + f". Keeping the aggregates costs {agg_s:.0f} s of the import ({agg_s / imp['wall']:.0%})",
        ),
        Row(
            "Province scale",
            "assignment overview (数据 page): records per method + those without a unit",
            assign["wall"],
            "s",
            assign_scaled,
            gain_lower_is_better(assign["wall"], assign_scaled),
            note=f"{assign['total']:,} records counted, {assign['listed']:,} listed; counts from the aggregates, only "
            f"the rows without a unit read (Store.records no_township); peak {assign['peak_kb'] / 1024:,.0f} MB. "
            f"Baseline: the record path before, {assign_base['wall']:.1f} s for {assign_base['total']:,} "
            f"records, peak {assign_base['peak_kb'] / 1024:,.0f} MB"
            + (f", scaled to {n:,} records" if assign_base["total"] != n else ""),
        ),
        Row(
            "Province scale",
            f"map payload: {nu:,} units simplified for the zoom level",
            layer_bytes / 1024 / 1024,
            "MB",
            base_bytes / 1024 / 1024,
            gain_lower_is_better(layer_bytes, base_bytes),
            target="< 1.5 MB",
            met=layer_bytes < 1.5 * 1024 * 1024,
            note="baseline: folium.GeoJson(layer) defaults; " + payload_note,
        ),
    )
    if page.get("first_render") is not None:
        results.add(
            Row(
                "Province scale",
                "map page: first render in a browser (warm server)",
                page["first_render"],
                "s",
                target="< 4 s",
                met=page["first_render"] < 4.0,
                note=f"cold server (summary, simplification, map built): {page['cold']:.1f} s; "
                f"server peak {page['peak_kb'] / 1024:,.0f} MB",
            )
        )
    results.info["province"] = {
        "import": imp,
        "summary": summ,
        "app": app,
        "app_scaled": app_scaled,
        "page": page,
        "assignment": assign,
        "assignment_records": assign_base,
        "base_bytes": base_bytes,
        "units": nu,
    }
    return results.info["province"]


def browser_page(work: Path, db: Path, units_path: Path, outline_path: Path, n_units: int, log, shots) -> dict:
    from .bench_browser import CHROMIUM, CHROMIUM_ARGS, MAP_DOC, MAP_HOST, available, new_context

    why = available()
    env = env_for_children(
        TXIP_PROVINCE_DB=db,
        TXIP_PROVINCE_UNITS=units_path,
        TXIP_PROVINCE_OUTLINE=outline_path,
        TXIP_PROVINCE_STATS=work / "province_page.json",
    )
    if why:
        return {}
    from playwright.sync_api import sync_playwright

    out = {"runs": []}
    with (
        Server(ROOT / "benchmarks" / "province_app.py", env, work / "server_province.log") as server,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for i in range(3):
                ctx = new_context(browser)
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(server.url)
                page.wait_for_selector(MAP_HOST, state="attached", timeout=300_000)
                page.wait_for_function(
                    f"() => {{ const d = {MAP_DOC}; return !!d && "
                    f"d.querySelectorAll('path.leaflet-interactive').length >= {n_units}; }}",
                    timeout=300_000,
                )
                out["runs"].append(time.perf_counter() - t0)
                if shots and i == 2:
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(shots / "province_map.png"))
                ctx.close()
        finally:
            browser.close()
        out["peak_kb"] = peak_kb(server.pid)
    import json

    stats = json.loads((work / "province_page.json").read_text())
    out.update(stats)
    out["cold"] = out["runs"][0]
    out["first_render"] = median(out["runs"][1:])
    log(
        f"  province map page: cold {out['cold']:.1f} s, warm {out['first_render']:.2f} s, layer "
        f"{out['layer_bytes'] / 1e6:.2f} MB, page {out['html_bytes'] / 1e6:.2f} MB"
    )
    return out
