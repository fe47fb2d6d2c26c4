"""The six featured industries from IPC (issue #18): the app's figures per township, park and the city equal an
independent recount that applies data/ipc_industries.csv to the raw file by prefix (plain pandas; the records'
township and park from tests/recount.py, which imports nothing of txip_geo), on a CNIPA-style export (real IPC
notation: 'C07C 51/00', 'A61K31/00', full-width, ';'-separated 分类号, an empty 主分类号) and on the sample; codes
that are no IPC notation are reported; degenerate files: no IPC column at all, only design patents."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import unicodedata

import pandas as pd
import pytest
import recount as R
import recount_fixtures as F

from txip_geo.figures import industries as I
from txip_geo.figures.compute import Settings, compute
from txip_geo.store.database import Store

AS_OF = "2026-06-30"
MEASURES = ["patents", "invention_patents_valid", "invention_patents_long"]


def cli(*argv) -> str:
    from txip_geo.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main([str(a) for a in argv])
    assert rc == 0, buf.getvalue()
    return buf.getvalue()


# -- the independent recount -------------------------------------------------------------------------------------------


def mapping() -> pd.DataFrame:
    m = pd.read_csv(R.DATA / "ipc_industries.csv", dtype=str, encoding="utf-8-sig")
    m["key"] = m["prefix"].str.replace(" ", "", regex=False)  # "C07C 51" -> "C07C51"
    return m


def codes_of(cell: str) -> list[str]:
    """A cell's codes, compacted: full-width to half-width, no spaces, upper case, version suffix dropped."""
    s = unicodedata.normalize("NFKC", cell or "").upper()
    return [re.sub(r"\(\d{4}\.\d{2}\)$", "", c.replace(" ", "").strip()) for c in re.split(r"[;,]", s) if c.strip()]


def recount_industries(p: pd.DataFrame, all_classes: bool) -> pd.DataFrame:
    """One row per (patent, industry): a patent's main class (or every class) matched to the table's prefixes."""
    m = mapping()
    out = []
    for _, r in p.iterrows():
        if r["ptype"] == "design":
            continue
        main, alls = codes_of(r["ipc"]), codes_of(r["ipc_all"])
        codes = (main + alls) if all_classes else (main[:1] or alls[:1])
        inds = set()
        for c in codes:
            if not re.fullmatch(r"[A-H]\d\d[A-Z]\d{1,4}/\d{1,6}", c):
                continue
            group = c[:4] + str(int(c[4:].split("/")[0]))
            inds |= set(m.loc[m["key"].isin([c[:3], c[:4], group]), "industry"])
        out += [{**r.to_dict(), "industry": i} for i in inds]
    cols = [*p.columns, "industry"]
    return pd.DataFrame(out, columns=cols)


def tally(rows: pd.DataFrame, key: str | None) -> dict:
    """{(code, industry): [patents, invention_patents_valid, invention_patents_long]} (key None: the city)."""
    out = {}
    for _, r in rows.iterrows():
        if r["method"] == "outside":
            continue
        k = (r[key] if key else "city", r["industry"])
        if key and not isinstance(r[key], str):
            continue
        inv_valid = r["ptype"] == "invention" and r["st"] == "valid"
        v = out.setdefault(k, [0, 0, 0])
        v[0] += 1
        v[1] += int(inv_valid)
        v[2] += int(inv_valid and bool(r["long"]))
    return out


def app_tally(fig: I.IndustryFigures) -> dict:
    out = {}
    for key, df in (("unit_code", fig.units), ("park_code", fig.parks)):
        for (code, ind), r in df.iterrows():
            if r.sum():
                out[(key, code, ind)] = [int(r[m]) for m in MEASURES]
    for ind, r in fig.city.iterrows():
        if r.sum():
            out[("city", "city", ind)] = [int(r[m]) for m in MEASURES]
    return out


def recount_tally(p: pd.DataFrame, all_classes: bool) -> dict:
    rows = recount_industries(p, all_classes)
    out = {}
    for key in ("unit_code", "park_code", None):
        for (code, ind), v in tally(rows, key).items():
            out[(key or "city", code, ind)] = v
    return out


# -- a CNIPA-style export ----------------------------------------------------------------------------------------------


def app_no(year: int, ptype: int, serial: int) -> str:
    body = f"{year}{ptype}{serial:07d}"
    return f"{body}.{F.check_digit(body)}"


# (type 1 invention / 2 utility / 3 design, year, status, 主分类号, 分类号, township, park)
ROWS = [
    (1, 2012, "有效", "C07C 51/00", "C07C 51/00;A61K 31/19", "济川街道", ""),  # long; all classes: + biomed
    (1, 2020, "有效", "A61K31/00", "A61K31/00;A61P35/00;C07D401/04", "黄桥镇", "黄桥经济开发区"),
    (1, 2011, "有效", "Ｃ０７Ｋ　１４／４７", "", "滨江镇", "泰兴经济开发区"),  # full-width; C07 and C07K: two
    (2, 2021, "有效", "C07C  51/00", "", "滨江镇", "泰兴经济开发区"),
    (1, 2019, "失效", "F16H 1/32", "F16H 1/32；B25J 9/08", "黄桥镇", ""),
    (1, 2013, "有效", "B01D 53/18(2006.01)", "", "济川街道", ""),  # version suffix; group row B01D 53
    (1, 2014, "有效", "B01D 46/00", "B01D 46/00;B01D 53/04", "济川街道", ""),  # main: none; all: green
    (2, 2022, "有效", "", "A23L 2/38;C12G 3/04", "延令街道", ""),  # empty 主分类号: first 分类号 is main
    (1, 2023, "审中", "G06F 16/00", "G06F 16/00", "黄桥镇", ""),  # in no industry
    (1, 2016, "有效", "XYZ 1/00", "", "济川街道", ""),  # malformed
    (1, 2017, "有效", "C07C", "", "滨江镇", ""),  # malformed (subclass only)
    (3, 2020, "有效", "09-01", "09-01", "黄桥镇", ""),  # design: Locarno
    (1, 2010, "有效", "H01M 10/0525", "H01M 10/0525;H01L 31/18", "延令街道", ""),
    (1, 2015, "有效", "A23N 12/08", "A23N 12/08; A23L 19/00", "济川街道", ""),
]


def write_export(path, rows=ROWS, with_ipc=True):
    head = ["申请号", "名称", "申请人", "申请日", "专利类型", "法律状态"]
    head += ["主分类号", "分类号"] if with_ipc else []
    head += ["所属镇街", "所属园区"]
    types = {1: "发明", 2: "实用新型", 3: "外观设计"}
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(head)
        for i, (t_, y, st, main, alls, town, park) in enumerate(rows, start=1):
            cells = [app_no(y, t_, 100 + i), f"专利{i}（样例）", "泰兴示例化工有限公司（样例）", f"{y}-03-01"]
            cells += [types[t_], st] + ([main, alls] if with_ipc else []) + [town, park]
            w.writerow(cells)
    return path


@pytest.fixture(scope="module")
def export_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("industries")
    db = root / "cnipa.sqlite"
    path = write_export(root / "cnipa_export.csv")
    cli("--db", db, "import", "patents", path, "--as-of", AS_OF)
    imports = [("patents", path, AS_OF)]
    _, _, recs, _ = R.prepared(imports, None, db)
    return db, recs["patents"]


@pytest.mark.parametrize("all_classes", [False, True])
def test_export_figures_equal_the_recount(export_store, all_classes):
    db, raw = export_store
    fs = compute(Store(db), Settings(industry_all_classes=all_classes))
    fig = I.industry_figures(fs)
    want = recount_tally(raw, all_classes)
    assert app_tally(fig) == want
    # the fixture is not trivial: every industry and several townships and parks count something
    assert {k[2] for k in want} == set(I.INDUSTRIES) if all_classes else len({k[2] for k in want}) >= 5
    assert any(k[0] == "park_code" for k in want)


def test_export_specific_rules(export_store):
    db, _ = export_store
    main = I.industry_figures(compute(Store(db)))
    alls = I.industry_figures(compute(Store(db), Settings(industry_all_classes=True)))
    # C07K 14/47 (full-width) counts in both fine chemicals (C07) and biomed (C07K) for the park P01
    assert main.parks.loc[("P01", "biomed"), "patents"] == 1
    assert main.parks.loc[("P01", "fine_chem"), "patents"] == 2
    # B01D 46/00 is in no industry as a main class; its 分类号 B01D 53/04 is (all classes)
    assert alls.city.loc["green_energy", "patents"] == main.city.loc["green_energy", "patents"] + 1
    # an empty 主分类号 takes the first 分类号 (A23L: food); A23N as main: agri processing only
    assert main.city.loc["food", "patents"] == 1
    assert alls.city.loc["food", "patents"] == 2
    # long: valid inventions filed more than 10 years before the snapshot (2026-06-30)
    assert main.city.loc["fine_chem", "invention_patents_long"] == 2  # 2012 C07C, 2011 C07K


def test_malformed_codes_and_designs_are_reported(export_store):
    db, _ = export_store
    fs = compute(Store(db))
    r = I.industry_figures(fs).report
    assert r.malformed == {"XYZ 1/00": 1, "C07C": 1}
    assert r.design == 1
    assert r.unmapped == 2 + 2  # G06F, B01D 46 as main class; and the two malformed
    text = "\n".join(r.messages())
    assert "XYZ 1/00" in text and "C07C" in text and "外观设计" in text


def test_cli_summary_json_carries_industries(export_store):
    db, _ = export_store
    out = json.loads(cli("--db", db, "summary", "--format", "json"))
    fig = I.industry_figures(compute(Store(db)))
    for layer in ("units", "parks"):
        for row in out[layer]:
            assert set(row["industries"]) == set(I.INDUSTRIES)
            for ind, v in row["industries"].items():
                assert v == {m: int(getattr(fig, layer).loc[(row["code"], ind), m]) for m in MEASURES}
    assert out["industry_labels"]["biomed"] == "生物医药及新型医疗器械"
    assert out["industry_report"]["malformed"] == {"XYZ 1/00": 1, "C07C": 1}
    assert out["city"]["industries"]["fine_chem"]["patents"] == int(fig.city.loc["fine_chem", "patents"])
    alls = json.loads(cli("--db", db, "summary", "--format", "json", "--industry-all-classes"))
    assert alls["industry_report"]["all_classes"] is True
    assert alls["city"]["industries"]["green_energy"]["patents"] > out["city"]["industries"]["green_energy"]["patents"]


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("industries_sample") / "sample.sqlite"
    cli("--db", db, "demo")
    _, _, recs, _ = R.prepared(R.sample_imports(), None, db)
    return db, recs["patents"]


@pytest.mark.parametrize("all_classes", [False, True])
def test_sample_figures_equal_the_recount(sample_store, all_classes):
    db, raw = sample_store
    fig = I.industry_figures(compute(Store(db), Settings(industry_all_classes=all_classes)))
    want = recount_tally(raw, all_classes)
    assert app_tally(fig) == want
    assert {k[2] for k in want} == set(I.INDUSTRIES)  # the sample's IPC codes reach all six industries
    assert (raw["ipc_all"].str.contains(";")).sum() > 1000  # and a third carry a 分类号 cell of two codes


# -- degenerate files --------------------------------------------------------------------------------------------------


def test_no_ipc_column_counts_nothing_and_says_so(tmp_path):
    db = tmp_path / "noipc.sqlite"
    path = write_export(tmp_path / "noipc.csv", with_ipc=False)
    cli("--db", db, "import", "patents", path, "--as-of", AS_OF)
    fig = I.industry_figures(compute(Store(db)))
    assert int(fig.units.to_numpy().sum()) == int(fig.parks.to_numpy().sum()) == int(fig.city.to_numpy().sum()) == 0
    assert fig.report.no_code == len(ROWS) - 1 and fig.report.design == 1
    assert any("无分类号" in m for m in fig.report.messages())


def test_only_design_patents(tmp_path):
    db = tmp_path / "design.sqlite"
    rows = [(3, 2015 + i, "有效", "09-0" + str(i + 1), "", "济川街道", "") for i in range(3)]
    path = write_export(tmp_path / "design.csv", rows=rows)
    cli("--db", db, "import", "patents", path, "--as-of", AS_OF)
    fs = compute(Store(db))
    fig = I.industry_figures(fs)
    assert int(fig.city.to_numpy().sum()) == 0 and fig.report.design == 3 and not fig.report.malformed
    assert list(fig.mix("units", fs.units["code"].iloc[0])["patents"]) == [0] * 6


def test_empty_store(tmp_path):
    db = tmp_path / "empty.sqlite"
    cli("--db", db, "status")
    fs = compute(Store(db))
    fig = I.industry_figures(fs)
    assert int(fig.units.to_numpy().sum()) == 0 and len(fig.units) == len(fs.units) * 6


# -- the table and the notation ----------------------------------------------------------------------------------------


def test_notation_is_normalised_never_guessed():
    for raw in ("C07C 51/00", "C07C51/00", "C07C  51/00", "Ｃ０７Ｃ５１／００", "c07c 51/00 (2006.01)"):
        assert I.normalise(raw) == "C07C 51/00", raw
    for raw in ("09-01", "C07C", "C7C 51/00", "Z07C 51/00", "C07C 51", ""):
        assert I.normalise(raw) is None, raw
    assert I.split_codes("A61K31/00；A61P 35/00,C07D 401/04") == ["A61K31/00", "A61P 35/00", "C07D 401/04"]


def test_table_rows_name_their_basis_and_source():
    rows = I.load_table()
    with open(R.DATA / "sources.csv", encoding="utf-8-sig") as f:
        sources = {r["key"] for r in csv.DictReader(f)}
    assert {r.industry for r in rows} == set(I.INDUSTRIES)
    for r in rows:
        assert r.basis in ("参照表", "本地判断") and r.note
        assert set(r.source.split(";")) <= sources, r
        if r.basis == "参照表":
            assert {"CNIPA-SEI2021", "CNIPA-PII2019"} & set(r.source.split(";")), r


def test_a_bad_table_row_is_named(tmp_path):
    bad = tmp_path / "ipc.csv"
    bad.write_text("prefix,industry,basis,source,note\nC07,fine_chem,参照表,X,ok\n07X,food,本地判断,X,bad\n", "utf-8")
    with pytest.raises(ValueError, match="第 3 行"):
        I.load_table(str(bad))


def test_import_lists_codes_that_are_no_ipc_as_warnings(tmp_path):
    from txip_geo.ingest.pipeline import import_file

    path = write_export(tmp_path / "cnipa_export.csv")
    rep = import_file(Store(tmp_path / "w.sqlite"), "patents", path, as_of=AS_OF)
    ipc = [w for w in rep.warnings if w.column in ("主分类号", "分类号")]
    assert rep.rows_imported == len(ROWS)  # a warning, never a refusal
    assert {(w.row, w.value) for w in ipc} == {(11, "XYZ 1/00"), (12, "C07C")}  # the design's 09-01 is not IPC
    assert all("C07C 51/00" in w.reason for w in ipc)


def test_counted_from_the_ipc_cells_never_the_records_and_both_agree(export_store, monkeypatch):
    """Industry figures read Store.patent_code_counts (a group by), not the patent records; read from the records
    (a store view without it, e.g. figures.asof's) they are the same."""
    import dataclasses

    db, _ = export_store
    fs = compute(Store(db), Settings(industry_all_classes=True))
    from_records = I.industry_figures(dataclasses.replace(fs, patent_codes=None))
    records = Store.records

    def guarded(self, kind, *args, **kwargs):
        assert kind != "patents", "the patent records were loaded"
        return records(self, kind, *args, **kwargs)

    monkeypatch.setattr(Store, "records", guarded)
    fs = compute(Store(db), Settings(industry_all_classes=True))
    from_counts = I.industry_figures(fs)
    assert app_tally(from_counts) == app_tally(from_records) and app_tally(from_counts)
    assert from_counts.report == from_records.report


@pytest.mark.parametrize("view", ["units", "parks"])
def test_an_industry_ranking_on_an_empty_store(tmp_path, view):
    from txip_geo.present import map_view

    db = tmp_path / "empty.sqlite"
    cli("--db", db, "status")
    fs = compute(Store(db))
    ranked = map_view.ranking(fs, view, "industry_food")
    assert len(ranked) == len(fs.units if view == "units" else fs.parks)
    assert set(ranked.iloc[:, 2]) == {"0 件"}
