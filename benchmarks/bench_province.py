"""Province scale: the same code with about 1,300 township-level polygons and millions of patent records.

* Layer: ~1,300 power-diagram cells over a province-sized area (107,000 km², about Jiangsu), borders detailed to about
  300 vertices per unit (benchmarks/generate.province_coverage), given to the importer as its township layer.
* Records: `province_records` patent rows with coordinates, in `province_files` files (an office splits an export that
  big; the upload limit is 2,000,000 rows per file), each imported with importer.prepare + Store.add_records -- what
  import_file does -- with the province layer and outline. Assignment is by coordinates (the address gazetteer is
  Taixing's).
* Summary: every patent metric per unit (total, by type, valid, valid inventions, long-maintained) for every unit,
  through the app's own path: the store's per-import aggregates (Store.patent_counts, txip_geo/store/aggregates.py) and
  figures.area_table, for the province's unit codes (figures.compute iterates over Taixing's 17). Fair baseline
  (`FAIR_SUMMARY`): one plain SQL GROUP BY unit over the records of the snapshot with the same de-duplication (one
  row per key, the last one imported), on an index of the key built beforehand (its build time in the note); checked
  to give the very same table. Before (history, only with TXIP_BENCH_RECORD_PATH=1): the record path the app had
  before the aggregates (Store.records loads every record into pandas, then figures.area_table counts them), timed
  on 1,000,000 records and scaled. The import reports what keeping the aggregates costs (Store._refresh_aggregates
  timed inside each import).
* Map: the layer simplified for its zoom (simplify.for_display), drawn by maps.build_map (TopoJSON) and localised,
  on a page served by Streamlit (benchmarks/province_app.py), timed in the browser like the township map. Payload
  against one shapely.coverage_simplify call at the same tolerance with the same properties, as folium.GeoJson
  embeds it (bench_payload.fair_layers).
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


def province_map(units, outline, summary):
    """The province page's map (as benchmarks/province_app.py shows it): (folium map, spec)."""
    import geopandas as gpd

    from txip_geo.areas import simplify
    from txip_geo.present import mapspec
    from txip_geo.render import folium_map as maps

    values = summary.reset_index()[["code", "patents"]].rename(columns={"patents": "value"})
    areas = units[["code", "name", "geometry"]].merge(values, on="code", how="left")
    areas = gpd.GeoDataFrame(areas, geometry="geometry", crs=units.crs)
    fit = outline.total_bounds
    areas = simplify.for_display(areas, bounds=fit)
    spec = mapspec.MapSpec(
        areas=areas,
        label="专利总量",
        unit="件",
        breaks=mapspec.class_breaks(areas["value"]),
        outline=simplify.for_display(outline, bounds=fit),
        labels=False,
        schematic=False,
        sample=False,
        extra_lines=["基准测试：生成的示意单元，非真实区划"],
    )
    return maps.build_map(spec), spec


# The fair competitor of the summary: what a competent SQL engineer writes for the same table -- one GROUP BY over the
# snapshot's records, de-duplicated as Store.records does (one row per key, the last imported: the largest rowid,
# rows being inserted in import and row order; rows without a key all count), with an index on the key.
FAIR_INDEX = 'CREATE INDEX IF NOT EXISTS ix_fair_pkey ON "rec_patents" (pkey, import_id)'
FAIR_SUMMARY = """
WITH snap AS (SELECT id FROM imports WHERE kind = 'patents'
              AND as_of = (SELECT MAX(as_of) FROM imports WHERE kind = 'patents')),
last AS (SELECT MAX(rowid) AS rid FROM "rec_patents" WHERE import_id IN (SELECT id FROM snap) AND pkey IS NOT NULL
         GROUP BY pkey)
SELECT unit_code AS code, COUNT(*) AS patents,
       SUM(patent_type = 'invention') AS invention_patents,
       SUM(patent_type = 'utility') AS utility_patents,
       SUM(patent_type = 'design') AS design_patents,
       SUM(status_code = 'valid') AS patents_valid,
       SUM(patent_type = 'invention' AND status_code = 'valid') AS invention_patents_valid,
       SUM(patent_type = 'invention' AND status_code = 'valid' AND
           CASE WHEN COALESCE(app_date, '') <> '' THEN app_date ELSE CAST(app_year AS INTEGER) || '-01-01' END < ?)
           AS invention_patents_long
FROM "rec_patents"
WHERE import_id IN (SELECT id FROM snap) AND COALESCE(assign_method, '') <> 'outside'
  AND (pkey IS NULL OR rowid IN (SELECT rid FROM last))
GROUP BY unit_code
"""
METRICS = (
    "patents",
    "invention_patents",
    "utility_patents",
    "design_patents",
    "patents_valid",
    "invention_patents_valid",
    "invention_patents_long",
)

FAIR_SUMMARY_CHILD = """
import json, sqlite3, time
import geopandas as gpd
import pandas as pd
from benchmarks.bench_province import FAIR_INDEX, FAIR_SUMMARY, METRICS, summary_table
from txip_geo.figures import compute as figures
from txip_geo.store.database import Store
codes = list(gpd.read_file({units!r})['code'])
con = sqlite3.connect({db!r})
t0 = time.perf_counter()
con.execute(FAIR_INDEX)
con.commit()
index_s = time.perf_counter() - t0
cut = figures._years_before({as_of!r}, figures.Settings().long_years)
walls, cpus = [], []
for _ in range(3):
    t0, c0 = time.perf_counter(), time.process_time()
    fair = pd.read_sql_query(FAIR_SUMMARY, con, params=[cut]).set_index('code').reindex(codes).fillna(0)
    walls.append(time.perf_counter() - t0)
    cpus.append(time.process_time() - c0)
con.execute('DROP INDEX ix_fair_pkey')
con.commit()
app = summary_table(Store({db!r}), codes, {as_of!r})
same = bool((fair[list(METRICS)].astype('int64').values == app[list(METRICS)].astype('int64').values).all())
mid = sorted(range(3), key=walls.__getitem__)[1]
print(json.dumps({{'wall': walls[mid], 'cpu': cpus[mid], 'walls': walls, 'index_s': index_s, 'same': same,
                  'total': float(fair['patents'].sum()), 'peak_kb': _peak_kb()}}))
"""

SUMMARY_CHILD = """
import json, time
import geopandas as gpd
from benchmarks.bench_province import summary_table
from txip_geo.store.database import Store
codes = list(gpd.read_file({units!r})['code'])
walls, cpus = [], []
for _ in range(3):
    t0, c0 = time.perf_counter(), time.process_time()
    table = summary_table(Store({db!r}), codes, {as_of!r})
    walls.append(time.perf_counter() - t0)
    cpus.append(time.process_time() - c0)
mid = sorted(range(3), key=walls.__getitem__)[1]
print(json.dumps({{'wall': walls[mid], 'cpu': cpus[mid], 'walls': walls, 'units': int((table['patents'] > 0).sum()),
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
    import os

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
    info = summaries(size, work, db, units_path, outline_path, files, imp, env, log, os.environ)
    payload = province_payload(units, db, outline_path, log)
    page = browser_page(work, db, units_path, outline_path, len(units), log, shots) if size.province_browser else {}
    add_rows(results, imp, agg_s, info, payload, page, len(units), len(files))
    results.info["province"] = {
        "import": imp,
        **info,
        "page": page,
        "payload": payload,
        "base_bytes": payload["before"],
        "units": len(units),
    }
    return results.info["province"]


def summaries(size, work, db, units_path, outline_path, files, imp, env, log, environ) -> dict:
    """The app's summary, the fair GROUP BY, the assignment overview; the record path (history) on request."""
    summ = run_child(SUMMARY_CHILD.format(db=str(db), units=str(units_path), as_of=AS_OF), env=env)
    log(
        f"  app summary (aggregates + area_table): {summ['wall']:.2f} s (CPU {summ['cpu']:.2f} s; of {summ['walls']}) for "
        f"{summ['units']:,} units, {summ['total']:,.0f} patents, peak {summ['peak_kb'] / 1024:.0f} MB"
    )
    fair = run_child(FAIR_SUMMARY_CHILD.format(db=str(db), units=str(units_path), as_of=AS_OF), env=env)
    log(
        f"  fair summary (plain indexed GROUP BY): {fair['wall']:.2f} s (CPU {fair['cpu']:.2f} s; of {fair['walls']}), index "
        f"{fair['index_s']:.1f} s, same table: {fair['same']}; ratio {fair['wall'] / summ['wall']:.1f}x"
    )
    assign = run_child(ASSIGNMENT_CHILD.format(db=str(db), path="store"), env=env)
    log(f"  assignment overview: {assign['wall']:.2f} s ({assign['listed']:,} listed)")
    out = {"summary": summ, "fair": fair, "assignment": assign, "app": None, "assignment_records": None}
    if environ.get("TXIP_BENCH_RECORD_PATH") != "1":
        return out
    # The record path loads every record into memory: at full size it is run on the first file's records only (a
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
    out["app"] = {**app, "scaled": app["wall"] * imp["rows"] / max(app["rows"], 1)}
    base = run_child(ASSIGNMENT_CHILD.format(db=str(app_db), path="records"), env=env)
    out["assignment_records"] = {**base, "scaled": base["wall"] * imp["rows"] / max(base["total"], 1)}
    log(f"  record path (history): summary {out['app']['scaled']:.0f} s, assignment {base['wall']:.1f} s (scaled)")
    return out


def province_payload(units, db: Path, outline_path: Path, log) -> dict:
    """The province layer as the page sends it (TopoJSON) against one coverage_simplify call (same tolerance, same
    properties, folium.GeoJson) and against folium.GeoJson(layer) defaults (history)."""
    import geopandas as gpd

    from txip_geo.areas import simplify
    from txip_geo.store.database import Store

    from .bench_payload import app_layer_bytes, app_layers, default_geojson_bytes, fair_layers

    before = default_geojson_bytes(units)
    summary = summary_table(Store(db), list(units["code"]))
    t = time.perf_counter()
    m, spec = province_map(units, gpd.read_file(outline_path), summary)
    build_s = time.perf_counter() - t
    app = app_layer_bytes(m, {spec.label})
    zoom = spec.areas.attrs.get("display_zoom")
    empty = {"type": "FeatureCollection", "features": []}
    fair, fair_geoms = fair_layers(units, units.iloc[:0], (app_layers(m, {spec.label})[spec.label], empty), zoom)
    out = {
        "app": app,
        "fair": fair,
        "before": before,
        "zoom": zoom,
        "build_s": build_s,
        "v0": simplify.vertex_count(units.geometry),
        "v1": simplify.vertex_count(spec.areas.geometry),
    }
    log(
        f"  province payload: before {before / 1e6:.1f} MB, fair {fair / 1e6:.2f} MB, app {app / 1e6:.2f} MB "
        f"({fair / app:.1f}x), zoom {zoom}, map built in {build_s:.1f} s"
    )
    return out


def add_rows(results, imp, agg_s, info, payload, page, nu: int, nfiles: int) -> None:
    summ, fair, assign = info["summary"], info["fair"], info["assignment"]
    n = imp["rows"]
    rec = info["app"]
    history = (
        f" Before (the record path: Store.records + figures.area_table): {rec['scaled']:.0f} s, scaled from "
        f"{rec['rows']:,} records."
        if rec
        else ""
    )
    results.add(
        Row(
            "Province scale",
            f"import + assign {n:,} records into {nu:,} units ({nfiles} files)",
            imp["wall"],
            "s",
            (imp["wall"] - agg_s) if n else None,
            gain_lower_is_better(imp["wall"], imp["wall"] - agg_s),
            note=f"baseline: the same without keeping the patent aggregates ({agg_s:.0f} s of it); "
            f"{n / imp['wall']:,.0f} rows/s; per file {median(imp['per_file']):.0f} s (median); peak "
            f"{imp['peak_kb'] / 1024:,.0f} MB; assigned by coordinates: {imp['methods'].get('point', 0):,}",
        ),
        Row(
            "Province scale",
            f"summary: patent metrics per unit for {nu:,} units ({n:,} records)",
            summ["wall"],
            "s",
            fair["wall"],
            gain_lower_is_better(summ["wall"], fair["wall"]),
            target="≥ 20× the plain GROUP BY, < 1 s",
            met=summ["wall"] < 1.0 and fair["wall"] >= 20 * summ["wall"],
            note=f"the app's path: Store.patent_counts (per-import totals, the running count of the cut's year "
            f"and the cut year's dated counts, exact "
            f"de-duplication) + figures.area_table, median of 3 (CPU {summ['cpu']:.2f} s), peak "
            f"{summ['peak_kb'] / 1024:,.0f} MB. Fair baseline: "
            f"one SQL GROUP BY unit over the snapshot's records, de-duplicated on the key (last imported wins), key "
            f"indexed beforehand ({fair['index_s']:.0f} s), median of 3 (CPU {fair['cpu']:.2f} s); same table: "
            f"{'yes' if fair['same'] else 'NO'}. Keeping the aggregates costs {agg_s:.0f} s of the import "
            f"({agg_s / imp['wall']:.0%}).{history}",
        ),
        Row(
            "Province scale",
            "assignment overview (数据 page): records per method + those without a unit",
            assign["wall"],
            "s",
            note=f"{assign['total']:,} records counted, {assign['listed']:,} listed; counts from the aggregates, only "
            f"the rows without a unit read (Store.records no_township); peak {assign['peak_kb'] / 1024:,.0f} MB",
        ),
        Row(
            "Province scale",
            f"map payload: {nu:,} units simplified for the zoom level",
            payload["app"] / 1024 / 1024,
            "MB",
            payload["fair"] / 1024 / 1024,
            gain_lower_is_better(payload["app"], payload["fair"]),
            target="≥ 2× smaller than the fair baseline",
            met=payload["fair"] >= 2 * payload["app"],
            note=f"TopoJSON (shared borders once, 1e-5° grid, delta-encoded); fair baseline: one "
            f"shapely.coverage_simplify call at the same tolerance (½ px at zoom {payload['zoom']}), 5 decimals, "
            f"the same properties, as folium.GeoJson embeds it; before (folium.GeoJson defaults): "
            f"{payload['before'] / 1024 / 1024:.1f} MB; vertices {payload['v0']:,} → {payload['v1']:,}"
            + (f"; whole page HTML {page['html_bytes'] / 1024 / 1024:.2f} MB" if page else ""),
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
