"""The fair import baseline (issue #19): what a competent pandas/geopandas/SQL engineer would write to get the same
townships out of a patent export, with none of the app's checks.

`pyarrow.csv.read_csv` (all columns as text), vectorised number normalisation in Arrow compute kernels (prefix, spaces,
the key before the check digit, the year and the type from the digits, the application date), the coordinates'
GCJ-02 rows converted with the app's own vectorised `areas.datum.to_display`, `geopandas.sjoin` of the points against
the county outline and the township layer, the app's own address rule (`locate.address.AddressMatcher`, scanning its
lexicon in plain Python: the rule as an engineer would write it) once per distinct normalised address, and
`DataFrame.to_sql` into SQLite in one transaction. It does not check the cells, report rows, compute check digits,
de-duplicate, keep aggregates or look at the code/name/park fields (the generated files leave them empty).

Its per-township counts are compared with the app's import of the same file (`township_counts`): they must be equal.
"""

from __future__ import annotations

# Run in a child process (benchmarks.common.run_child): `{...}` are filled in by `code()`.
CHILD = """
import json, os, sqlite3, time
cpus = {cpus!r}
if cpus:
    os.sched_setaffinity(0, set(cpus))

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from txip_geo.areas import boundaries
from txip_geo.areas.datum import to_display
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.locate.address import AddressMatcher
from txip_geo.locate.text import normalise_text
from txip_geo.store.database import Store

store = Store({db!r})
towns = store.layer('townships')[['code', 'geometry']].to_crs(4326)
outline = gpd.GeoDataFrame(geometry=[boundaries.county_outline().union_all()], crs=4326)
matcher = AddressMatcher(load_gazetteer())
plain = getattr(matcher, 'plain_hits', None)
if plain is not None:  # the rule as written in plain Python (the app scans with an Aho-Corasick automaton)
    matcher._hits = plain

def cpu_now():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system

load0 = os.getloadavg()[0]
t0, c0 = time.perf_counter(), cpu_now()

# 1. read: every column as text
with open({path!r}, encoding='utf-8-sig') as f:
    names = f.readline().rstrip('\\r\\n').split(',')
tbl = pacsv.read_csv(
    {path!r},
    read_options=pacsv.ReadOptions(block_size=1 << 22),
    convert_options=pacsv.ConvertOptions(column_types={{n: pa.string() for n in names}}, strings_can_be_null=False),
)

# 2. numbers: 'ZL 2021 2 0100001.9', 'CN202110100001', '2021201000019' -> number, key, year, type
raw = pc.utf8_upper(pc.utf8_trim_whitespace(tbl['申请号']))
raw = pc.replace_substring_regex(raw, r'^(ZL|CN)', '')
raw = pc.replace_substring_regex(raw, r'\\s+', '')
parts = pc.extract_regex(raw, r'^(?P<key>\\d{{12}}|\\d{{8}})\\.?(?P<check>[\\dX]?)$')
key = pc.struct_field(parts, 'key')
check = pc.struct_field(parts, 'check')
number = pc.if_else(pc.equal(check, ''), key, pc.binary_join_element_wise(key, check, '.'))
long = pc.equal(pc.utf8_length(key), 12)
year = pc.if_else(long, pc.cast(pc.utf8_slice_codeunits(key, 0, 4), pa.int32()),
                  pc.add(pc.cast(pc.utf8_slice_codeunits(key, 0, 2), pa.int32()), 1900))
digit = pc.if_else(long, pc.utf8_slice_codeunits(key, 4, 5), pc.utf8_slice_codeunits(key, 2, 3))
ptype = pc.replace_substring_regex(pc.replace_substring_regex(pc.replace_substring_regex(
    pc.replace_substring_regex(digit, '^[18]$', 'invention'), '^[29]$', 'utility'), '^3$', 'design'),
    '^[0-9]$', '')
app_date = pc.strftime(pc.strptime(tbl['申请日'], format='%Y-%m-%d', unit='s', error_is_null=True), format='%Y-%m-%d')

df = tbl.to_pandas()
df['number'], df['pkey'], df['app_year'], df['patent_type'] = number, key, year, ptype
df['app_date'] = app_date.to_pandas()

# 3. points: numbers, GCJ-02 -> WGS-84 (the display datum), outline and townships by sjoin
lon = pd.to_numeric(df['经度'], errors='coerce').to_numpy()
lat = pd.to_numeric(df['纬度'], errors='coerce').to_numpy()
has = ~np.isnan(lon) & ~np.isnan(lat)
x, y = lon.copy(), lat.copy()
for datum in df.loc[has, '坐标系'].unique():
    sel = has & (df['坐标系'].to_numpy() == datum)
    x[sel], y[sel] = to_display(lon[sel], lat[sel], datum or 'WGS84')
pts = gpd.GeoDataFrame({{'row': np.flatnonzero(has)}}, geometry=gpd.points_from_xy(x[has], y[has]), crs=4326)
inside = gpd.sjoin(pts, outline, predicate='intersects', how='inner')['row'].unique()
hit = gpd.sjoin(pts[pts['row'].isin(inside)], towns, predicate='intersects', how='inner')
hit = hit.sort_values(['row', 'index_right']).drop_duplicates('row')
point_unit = pd.Series(hit['code'].to_numpy(), index=hit['row'].to_numpy())

# 4. addresses: the app's rule, once per distinct normalised address
codes, distinct = pd.factorize(df['地址'])
norm = [normalise_text(a) for a in distinct]
found = [matcher.match(a) for a in norm]
addr_unit = np.array([f.unit_code for f in found] + [''], dtype=object)[codes]
method = np.array([f.method for f in found] + ['unassigned'], dtype=object)[codes]
unit = addr_unit.copy()
unit[point_unit.index.to_numpy()] = point_unit.to_numpy()
method[point_unit.index.to_numpy()] = 'point'
outside = np.setdiff1d(np.flatnonzero(has), inside)
unit[outside], method[outside] = '', 'outside'
df['unit_code'] = pd.Series(unit).replace('', None)
df['assign_method'] = method

# 5. SQLite, one transaction
out = df.rename(columns={{'申请号': 'app_no', '名称': 'title', '申请人': 'applicant', '授权公告日': 'grant_date',
                         '专利类型': 'type_label', '法律状态': 'status', '主分类号': 'ipc', '分类号': 'ipc_all',
                         '统一社会信用代码': 'enterprise_code', '地址': 'address', '经度': 'lon', '纬度': 'lat',
                         '坐标系': 'datum'}})
out['row_no'] = np.arange(len(out)) + 2
out['lon'], out['lat'] = lon, lat
keep = ['row_no', 'app_no', 'title', 'applicant', 'app_date', 'grant_date', 'type_label', 'status', 'ipc', 'ipc_all',
        'enterprise_code', 'address', 'lon', 'lat', 'datum', 'number', 'pkey', 'patent_type', 'app_year', 'unit_code',
        'assign_method']
con = sqlite3.connect({out_db!r})
con.execute('PRAGMA journal_mode=WAL')
con.execute('PRAGMA synchronous=NORMAL')
with con:
    out[keep].to_sql('rec_patents', con, index=False, if_exists='replace', chunksize=20_000)
    con.execute('CREATE INDEX ix_unit ON rec_patents (unit_code)')
wall, cpu = time.perf_counter() - t0, cpu_now() - c0
counts = dict(con.execute("SELECT COALESCE(unit_code, ''), COUNT(*) FROM rec_patents GROUP BY 1").fetchall())
con.close()
print(json.dumps({{'wall': wall, 'cpu': cpu, 'rows': len(out), 'peak_kb': _peak_kb(), 'counts': counts,
                  'load': [load0, os.getloadavg()[0]]}}))
"""


def code(*, db: str, path: str, out_db: str, cpus: tuple[int, ...] | None = None) -> str:
    """The child's code: the fair pipeline on `path` (layers from the store `db`), written to `out_db`."""
    return CHILD.format(db=db, path=path, out_db=out_db, cpus=tuple(cpus) if cpus else None)


def township_counts(db, file_name: str) -> dict[str, int]:
    """The app's per-township counts for its import of `file_name` ('' for the rows without a township)."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT COALESCE(r.unit_code, ''), COUNT(*) FROM rec_patents r JOIN imports i ON i.id = r.import_id "
            "WHERE i.file_name = ? GROUP BY 1",
            (file_name,),
        ).fetchall()
    finally:
        con.close()
    return dict(rows)
