"""The IPC cells counted at import time (store.aggregates' agg_patent_codes, schema version 4; issue #21): the G01/G02
industry breakdown read from them equals a plain-pandas recount from the stored patent rows (the snapshot and its
de-duplication redone in pandas, the industries by tests/recount_industries.py's rule, not the app's), on the sample
and on generated files where later imports of the same snapshot supersede records; the counts are kept when a later
import supersedes rows, rebuilt for a store written before them, emptied with the records. Runs on PostgreSQL too
(`pytest --db-backend=postgresql tests/test_industry_aggregates.py`)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import recount as R
from recount_industries import recount_tally
from test_industries import app_tally

from benchmarks import generate
from txip_geo.figures import industries as I
from txip_geo.figures.compute import Settings, compute
from txip_geo.ingest.pipeline import import_file
from txip_geo.store import aggregates
from txip_geo.store.database import SCHEMA_VERSION, Store

AS_OF, EARLIER = "2026-11-30", "2025-12-31"
SETTINGS = [
    Settings(),
    Settings(industry_all_classes=True),
    Settings(year_from=2012, year_to=2020, patent_types=("invention",)),
    Settings(patent_status=("valid",), industry_all_classes=True),
    Settings(as_of=EARLIER),
]

# figures.industries' group by before the aggregates: over the records themselves (the reference for the rows)
_KEYS = ", ".join(aggregates.COUNT_KEYS)
RECORDS_QUERY = (
    f"SELECT {_KEYS}, ipc, ipc_all, CASE WHEN {aggregates.LONG_KEY} < ? THEN 1 ELSE 0 END AS long, COUNT(*) AS n "
    'FROM "rec_patents" WHERE import_id IN ({marks}) AND superseded IS NULL GROUP BY {cols}, long'
)


# -- the recount: plain pandas over the stored rows ------------------------------------------------------------------


def stored_rows(store: Store) -> pd.DataFrame:
    """Every stored patent row, with its import's as_of (no mark, no aggregate read)."""
    with store.reading() as con:
        rows = pd.read_sql_query('SELECT rowid AS rid, * FROM "rec_patents"', con)
        imports = pd.read_sql_query("SELECT id AS import_id, as_of FROM imports WHERE kind = 'patents'", con)
    return rows.drop(columns=["superseded"]).merge(imports, on="import_id")


def live(rows: pd.DataFrame, as_of: str | None = None) -> pd.DataFrame:
    """The snapshot's rows (latest as-of date ≤ as_of), one per key: the later import, within it the later row."""
    rows = rows[rows["as_of"] <= as_of] if as_of else rows
    rows = rows[rows["as_of"] == rows["as_of"].max()].sort_values(["import_id", "row_no", "rid"])
    keyed = rows["pkey"].notna()
    return pd.concat([rows[~keyed], rows[keyed].drop_duplicates("pkey", keep="last")]).sort_values("rid")


def recounted(rows: pd.DataFrame, s: Settings, long_cut: str) -> dict:
    """recount_tally of the live rows under the settings' filters and rule."""
    p = live(rows, s.as_of)
    if s.year_from is not None:
        p = p[p["app_year"] >= s.year_from]
    if s.year_to is not None:
        p = p[p["app_year"] <= s.year_to]
    if s.patent_types:
        p = p[p["patent_type"].isin(s.patent_types)]
    if s.patent_status:
        p = p[p["status_code"].isin(s.patent_status)]
    if p.empty:
        return {}
    day = p["app_date"].where(p["app_date"].fillna("") != "", p["app_year"].astype("Int64").astype(str) + "-01-01")
    valid_inv = (p["patent_type"] == "invention") & (p["status_code"] == "valid")
    frame = p.assign(ptype=p["patent_type"], st=p["status_code"], method=p["assign_method"])
    frame["long"] = (valid_inv & (day < long_cut)).fillna(False)
    return recount_tally(frame.reset_index(drop=True), bool(s.industry_all_classes))


def agg_codes(store: Store) -> pd.DataFrame:
    cols = [*aggregates.COUNT_KEYS, "long_key", "ipc", "ipc_all"]
    with store.reading() as con:
        df = pd.read_sql_query(f"SELECT import_id, {', '.join(cols)}, n FROM agg_patent_codes", con)
    return _canonical(df, ["import_id", *cols])


def _canonical(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = df.astype({"n": "int64"}).astype({k: object for k in keys})
    out = out.where(out.notna(), None)
    return out.sort_values(keys, key=lambda c: c.map(repr)).reset_index(drop=True)


def expected_codes(store: Store) -> pd.DataFrame:
    """agg_patent_codes recounted in pandas: each import's rows that no later row of its snapshot replaces."""
    rows = stored_rows(store)
    keep = []
    for _, snap in rows.groupby("as_of"):
        keep.append(live(snap.assign(as_of="")))
    p = pd.concat(keep) if keep else rows
    date_or_year = p["app_date"].where(
        p["app_date"].fillna("") != "", p["app_year"].astype("Int64").astype(str) + "-01-01"
    )
    valid_inv = (p["patent_type"] == "invention") & (p["status_code"] == "valid")
    p = p.assign(long_key=date_or_year.where(valid_inv, None))
    cols = ["import_id", *aggregates.COUNT_KEYS, "long_key", "ipc", "ipc_all"]
    g = p[cols].astype(object).groupby(cols, dropna=False).size().rename("n").reset_index()
    g["app_year"] = [None if pd.isna(v) else int(v) for v in g["app_year"]]
    return _canonical(g, cols)


def assert_breakdowns_equal_the_recount(store: Store) -> None:
    rows = stored_rows(store)
    for s in SETTINGS:
        fs = compute(store, s)
        cut = I.long_cut(fs)
        assert cut == R._years_before(fs.as_of or date.today().isoformat(), R.LONG_YEARS)
        fig = I.industry_figures(fs)
        want = recounted(rows, s, cut)
        assert app_tally(fig) == want, s
        # and the same as counted from the records (a store view without the counts), the report included
        from_records = I.industry_figures(dataclasses.replace(compute(store, s), patent_codes=None))
        assert app_tally(from_records) == want and from_records.report == fig.report, s
    assert agg_codes(store).equals(expected_codes(store))


def assert_rows_as_from_the_records(store: Store, as_of: str | None = None, long_cut: str = "2016-06-30") -> None:
    """code_counts from the aggregates: the rows the same group by over the records gives (their order too on
    SQLite, whose GROUP BY sorts: figures.industries' report lists malformed codes in that order)."""
    with store.reading() as con:
        ids = aggregates.snapshot(con, as_of)
        got = aggregates.code_counts(con, ids, long_cut)
        marks, cols = ", ".join("?" for _ in ids) or "NULL", f"{_KEYS}, ipc, ipc_all"
        want = pd.read_sql_query(
            RECORDS_QUERY.format(marks=marks, cols=cols), con, params=[long_cut, *ids], dtype={"long": bool}
        )
    if store.backend == "postgresql":  # no order without ORDER BY
        keys = [*aggregates.COUNT_KEYS, "ipc", "ipc_all", "long"]
        got, want = _canonical(got, keys), _canonical(want, keys)
    pd.testing.assert_frame_equal(got, want)


# -- the sample ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from txip_geo.cli import main

    db = tmp_path_factory.mktemp("agg_sample") / "sample.sqlite"
    assert main(["--db", str(db), "demo"]) == 0
    return Store(db)


def test_sample_breakdown_from_the_counts_equals_the_recount(sample):
    assert_breakdowns_equal_the_recount(sample)
    assert_rows_as_from_the_records(sample)
    assert_rows_as_from_the_records(sample, "2023-12-31", "2013-12-31")
    with sample.reading() as con:  # a small aggregate: fewer rows than records
        n_agg = con.execute("SELECT COUNT(*) FROM agg_patent_codes").fetchone()[0]
        n_rec = con.execute('SELECT COUNT(*) FROM "rec_patents"').fetchone()[0]
    assert 0 < n_agg < n_rec


def test_the_goal_breakdown_reads_no_patent_record(sample, monkeypatch):
    """The 目标 page's G01/G02 breakdown (now and at the snapshot baseline) reads the counts only (the comparison's
    yearly series winds records back: made before)."""
    from txip_geo.figures.baseline import compare
    from txip_geo.present import industry_tables

    comp = compare(sample, Settings(), "2023-12-31")
    expected = industry_tables.goal_breakdown(
        dataclasses.replace(
            comp,
            now=dataclasses.replace(comp.now, patent_codes=None),
            then=dataclasses.replace(comp.then, patent_codes=None),
        )
    )
    records = Store.records

    def guarded(self, kind, *args, **kwargs):
        assert kind != "patents", "the patent records were read"
        return records(self, kind, *args, **kwargs)

    monkeypatch.setattr(Store, "records", guarded)
    got = industry_tables.goal_breakdown(comp)
    pd.testing.assert_frame_equal(got, expected)
    assert industry_tables.has_baseline(comp) and got.iloc[:, 1:].to_numpy().sum() > 0


# -- generated files: supersession within and across imports of a snapshot --------------------------------------------


def _write(df: pd.DataFrame, path: Path) -> Path:
    return generate.write_csv(df, path)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("agg_generated")
    store = Store(root / "gen.sqlite")
    base = generate.patent_frame(3000, seed=21)
    steps = []
    # an earlier snapshot (the baseline's), then the current one in three imports
    early = base.iloc[:1200]
    early = early[(early["申请日"] <= EARLIER) & (early["授权公告日"] <= EARLIER)]
    import_file(store, "patents", _write(early, root / "early.csv"), as_of=EARLIER)
    steps.append(agg_codes(store))
    import_file(store, "patents", _write(base.iloc[:2400], root / "a.csv"), as_of=AS_OF)
    steps.append(agg_codes(store))
    # b: 600 of a's patents re-stated (other classes, other status, some moved), 300 new ones, in chunks of 250
    b = base.iloc[1800:2700].copy()
    b["主分类号"] = b["主分类号"].to_numpy()[::-1]
    b["分类号"] = ""
    b.loc[b.index[:200], "法律状态"] = "有效"
    b.loc[b.index[::7], "地址"] = "泰兴市黄桥镇示例路1号"
    import_file(store, "patents", _write(b, root / "b.csv"), as_of=AS_OF, chunk_rows=250)
    steps.append(agg_codes(store))
    # c: some of b's again, with a row repeated inside the file (the later row wins)
    c = pd.concat([base.iloc[2000:2100], base.iloc[[2050]].assign(主分类号="C07C 51/00")])
    import_file(store, "patents", _write(c, root / "c.csv"), as_of=AS_OF)
    return store, steps, len(early)


def test_generated_breakdown_with_supersession_equals_the_recount(generated):
    store, _, _ = generated
    rows = stored_rows(store)
    current = rows[rows["as_of"] == AS_OF]
    assert current["pkey"].duplicated().sum() >= 600  # rows of a and b superseded by later ones
    assert_breakdowns_equal_the_recount(store)
    assert_rows_as_from_the_records(store)
    assert_rows_as_from_the_records(store, EARLIER, "2015-12-31")
    fig = I.industry_figures(compute(store))
    assert fig.report.malformed  # the generated rows carry Locarno classes on non-design patents: reported


def test_each_import_recounts_the_imports_it_supersedes(generated):
    """After each import the counts are those of the rows then live: a's counts shrink when b supersedes them."""
    store, steps, n_early = generated
    early_id, a_id, b_id, c_id = store.imports("patents")["id"].tolist()
    n = [{i: int(df.loc[df["import_id"] == i, "n"].sum()) for i in (early_id, a_id, b_id)} for df in steps]
    assert n[0] == {early_id: n_early, a_id: 0, b_id: 0} and n_early > 900
    assert n[1] == {early_id: n_early, a_id: 2400, b_id: 0}
    assert n[2] == {early_id: n_early, a_id: 2400 - 600, b_id: 900}  # b re-states a's patents 1800..2399
    now = agg_codes(store)  # c re-states 100 of b's
    assert {i: int(now.loc[now["import_id"] == i, "n"].sum()) for i in (a_id, b_id, c_id)} == {
        a_id: 1800,
        b_id: 800,
        c_id: 100,
    }


# -- a store written before the counts, a restored backup, no records -------------------------------------------------


def _downgrade_to_3(store: Store) -> None:
    with store.transaction() as con:
        con.execute("DROP TABLE agg_patent_codes")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def test_a_store_of_version_3_gets_its_counts(generated, tmp_path):
    from txip_geo.store import backup

    store, _, _ = generated
    before = agg_codes(store)
    copy = Store(tmp_path / "copy.sqlite")
    from txip_geo.store.migrate import copy_store

    copy_store(store, copy, files=False)
    _downgrade_to_3(copy)
    archive = backup.backup(copy.path, tmp_path / "old.zip").path
    reopened = Store(copy.path)  # opening it migrates
    assert reopened.get_meta("schema_version") == str(SCHEMA_VERSION) == str(aggregates.CODES_VERSION)
    assert agg_codes(reopened).equals(before)
    live_handle = Store(tmp_path / "live.sqlite")  # opened before the restore (the app's cached handle)
    backup.restore(archive, live_handle.path)
    assert app_tally(I.industry_figures(compute(live_handle))) == app_tally(I.industry_figures(compute(store)))
    assert agg_codes(live_handle).equals(before)


def test_cleared_and_empty_stores(tmp_path):
    store = Store(tmp_path / "e.sqlite")
    fig = I.industry_figures(compute(store))
    assert int(fig.city.to_numpy().sum()) == 0 and fig.report == I.Report()
    import_file(store, "patents", _write(generate.patent_frame(40, seed=5), tmp_path / "p.csv"), as_of=AS_OF)
    assert int(agg_codes(store)["n"].sum()) == 40
    assert_breakdowns_equal_the_recount(store)
    store.clear_records()
    assert agg_codes(store).empty
    assert int(I.industry_figures(compute(store)).city.to_numpy().sum()) == 0
