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

import pytest
import recount as R
from recount_industries import ROWS, recount_tally, write_export

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


# -- the independent recount (tests/recount_industries.py) ------------------------------------------------------------


def app_tally(fig: I.IndustryFigures) -> dict:
    """The app's figures as recount_tally gives them: nonzero entries, 'other' (in none of the six) included."""
    out = {}
    for key, df in (("unit_code", fig.units), ("park_code", fig.parks)):
        for (code, ind), r in df.iterrows():
            if r.sum():
                out[(key, code, ind)] = [int(r[m]) for m in MEASURES]
        for code, r in fig.other[key.removesuffix("_code") + "s"].iterrows():
            if r.sum():
                out[(key, code, I.OTHER)] = [int(r[m]) for m in MEASURES]
    for ind, r in fig.breakdown("city").iterrows():
        if r.sum():
            out[("city", "city", ind)] = [int(r[m]) for m in MEASURES]
    return out


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
    six = {k[2] for k in want} - {I.OTHER}
    assert six == set(I.INDUSTRIES) if all_classes else len(six) >= 5
    assert any(k[0] == "park_code" for k in want)
    # 其他/未归类: the design, G06F, the two malformed and (main class only) B01D 46 -- per township too
    assert want[("city", "city", I.OTHER)][0] == (4 if all_classes else 5)
    assert any(k[0] == "unit_code" and k[2] == I.OTHER for k in want)


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
    assert {k[2] for k in want} == {*I.INDUSTRIES, I.OTHER}  # the sample's IPC codes reach all six industries
    assert (raw["ipc_all"].str.contains(";")).sum() > 1000  # and a third carry a 分类号 cell of two codes


# -- degenerate files --------------------------------------------------------------------------------------------------


def test_no_ipc_column_counts_nothing_and_says_so(tmp_path):
    db = tmp_path / "noipc.sqlite"
    path = write_export(tmp_path / "noipc.csv", with_ipc=False)
    cli("--db", db, "import", "patents", path, "--as-of", AS_OF)
    fig = I.industry_figures(compute(Store(db)))
    assert int(fig.units.to_numpy().sum()) == int(fig.parks.to_numpy().sum()) == int(fig.city.to_numpy().sum()) == 0
    assert fig.report.no_code == len(ROWS) - 1 and fig.report.design == 1
    assert fig.breakdown("city").loc[I.OTHER, "patents"] == len(ROWS)  # every patent is 其他/未归类
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
    assert list(fig.breakdown("units", "321283001")["patents"]) == [0] * 6 + [3]  # 济川街道: three in 其他


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
