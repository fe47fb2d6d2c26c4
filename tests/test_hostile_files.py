"""The hostile corpus (tests/hostile_files.py) imported into a store holding the sample, through the importer and the
command line: no traceback -- each file is refused with a Chinese message naming the file (and its row and column
when the problem has one) or read with the warnings it deserves --, a refused file changes no figure
(`summary --format json` before and after) and no record, and every attempt is in the audit log with its SHA-256."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json

import hostile_files
import pytest
from support import copy_store

from txip_geo.cli import main as cli
from txip_geo.errors import ImportRejected
from txip_geo.ingest.pipeline import import_file
from txip_geo.store.database import Store

CORPUS = hostile_files.corpus()
AS_OF = hostile_files.AS_OF
FIGURES = ("units", "parks", "city", "unassigned", "outside")


def summary(db) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli(["--db", str(db), "summary", "--format", "json"]) == 0
    return json.loads(out.getvalue())


def store_state(store: Store) -> tuple:
    """Every import and the number of records of each kind: what a refused file must leave as it was."""
    with store.reading() as con:
        imports = con.execute("SELECT id, kind, sha256, rows_imported FROM imports ORDER BY id").fetchall()
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'rec_%' AND type='table'")]
        counts = {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in sorted(tables)}
    return imports, counts


@pytest.fixture(scope="module")
def sample_summary(demo_db):
    return summary(demo_db)


@pytest.fixture
def sample_store(demo_db, tmp_path) -> Store:
    """A copy of the sample store (the session's demo store stays untouched)."""
    return copy_store(demo_db, tmp_path / "copy.sqlite")


def audit_entries(store: Store, since: int):
    log = store.audit_log(100_000)
    return log.iloc[: len(log) - since]  # newest first


def test_the_corpus_covers_the_cases_of_the_issue():
    names = {h.name for h in CORPUS}
    for case in ("inf", "1e12", "1e308", "2099", "授权早于申请", "1800", "3000", "NUL", "两列申请号不同", "分号"):
        assert any(case in n for n in names), case
    for case in ("Big5", "UTF16LE", "UTF16BE", "混合换行", "超长单元格", "1048576", "大量空行", "空文件", "只有表头"):
        assert any(case in n for n in names), case


@pytest.mark.parametrize("h", CORPUS, ids=[h.name for h in CORPUS])
def test_a_hostile_file_is_refused_cleanly_or_read_correctly(h, sample_store, sample_summary, tmp_path):
    store = sample_store
    before, logged = store_state(store), len(store.audit_log(100_000))
    path = tmp_path / h.name
    path.write_bytes(h.data)
    sha = hashlib.sha256(h.data).hexdigest()
    try:
        rep = import_file(store, h.kind, path, as_of=AS_OF, user="审计员")
    except ImportRejected as e:
        assert h.outcome == "refused", e.report.message
        message = e.report.message
        assert h.name in message and all(s in message for s in h.says), message
        if h.row is not None:
            assert any((p.row, p.column) == (h.row, h.column) for p in e.report.errors), e.report.errors
            assert f"第 {h.row} 行「{h.column}」列" in message
        assert store_state(store) == before
        assert summary(store.path) == sample_summary  # no figure changed
        (entry,) = audit_entries(store, logged).itertuples()
        assert (entry.user, entry.action) == ("审计员", "import_refused")
        assert h.name in entry.detail and sha in entry.detail and "拒绝" in entry.detail
        if h.row is not None:
            assert f"第 {h.row} 行" in entry.detail  # the first reason, with its row
        return
    assert h.outcome == "imported", f"{h.name} was imported: {rep.message}"
    assert rep.status == "imported" and (h.rows is None or rep.rows_imported == h.rows), rep.message
    lines = rep.warning_lines(None)
    assert all(any(w in line for line in lines) for w in h.warns), lines
    stored = store.records(h.kind, as_of=AS_OF)
    assert len(stored[stored["import_id"] == rep.import_id]) == rep.rows_imported
    # The file holds the sample's own first rows: read right, they change no figure.
    after = summary(store.path)
    assert {k: after[k] for k in FIGURES} == {k: sample_summary[k] for k in FIGURES}
    (entry,) = audit_entries(store, logged).itertuples()
    assert (entry.user, entry.action) == ("审计员", "import") and sha in entry.detail and h.name in entry.detail


def test_a_separated_file_is_read_column_by_column():
    """Semicolons, pipes, tabs and UTF-16 give the same cells as the sample's comma-separated rows."""
    from txip_geo.ingest.importer import prepare

    for name in ("商标_分号分隔.csv", "商标_制表符.txt", "商标_UTF16制表符.txt"):
        h = next(x for x in CORPUS if x.name == name)
        records, _ = prepare(h.kind, h.data, h.name, as_of=AS_OF)
        want, _ = prepare(
            "trademarks", hostile_files.csv_bytes(*hostile_files.sample_table("trademarks")), "x.csv", as_of=AS_OF
        )
        cols = ["reg_no", "name", "nice_class", "registrant", "reg_date", "expiry_date", "address", "unit_code"]
        assert records[cols].equals(want[cols]), name


@pytest.mark.parametrize(
    "name", ["市场主体_inf.csv", "专利_申请日2099.csv", "专利_两列申请号不同.csv", "专利_Big5.csv", "专利_空文件.csv"]
)
def test_the_command_line_refuses_with_status_2_and_logs_the_attempt(name, sample_store, tmp_path, capsys):
    h = next(x for x in CORPUS if x.name == name)
    path = tmp_path / h.name
    path.write_bytes(h.data)
    before, logged = store_state(sample_store), len(sample_store.audit_log(100_000))
    code = cli(["--db", str(sample_store.path), "import", h.kind, str(path), "--as-of", AS_OF, "--user", "王五"])
    err = capsys.readouterr().err
    assert code == 2 and h.name in err and "Traceback" not in err
    assert store_state(sample_store) == before
    (entry,) = audit_entries(sample_store, logged).itertuples()
    assert (entry.user, entry.action) == ("王五", "import_refused") and hashlib.sha256(
        h.data
    ).hexdigest() in entry.detail


def test_skip_invalid_skips_implausible_rows_and_the_log_counts_them(sample_store, tmp_path):
    header, rows = hostile_files.with_cell("trainings", "人次", "1e12", row=1, n=5)
    rows[3][header.index("培训日期")] = "2099-05-01"
    path = tmp_path / "培训_跳过.csv"
    path.write_bytes(hostile_files.csv_bytes(header, rows))
    rep = import_file(sample_store, "trainings", path, as_of=AS_OF, user="ed", skip_invalid=True)
    assert rep.rows_imported == 3 and {(p.row, p.column) for p in rep.errors} == {(3, "人次"), (5, "培训日期")}
    kept = sample_store.records("trainings", as_of=AS_OF)
    kept = kept[kept["import_id"] == rep.import_id]
    assert kept["attendees"].max() <= 100_000 and (kept["date"] <= AS_OF).all()
    detail = sample_store.audit_log(1).iloc[0]["detail"]
    assert "导入 3 条，跳过 2 行" in detail and hashlib.sha256(path.read_bytes()).hexdigest() in detail


def test_an_unchanged_file_and_an_unreadable_one_are_logged(sample_store, tmp_path):
    path = tmp_path / "商标.csv"
    path.write_bytes(hostile_files.csv_bytes(*hostile_files.sample_table("trademarks")))
    first = import_file(sample_store, "trademarks", path, as_of=AS_OF, user="ed")
    again = import_file(sample_store, "trademarks", path, as_of=AS_OF, user="ed")
    assert again.status == "unchanged"
    entry = sample_store.audit_log(1).iloc[0]
    assert entry["action"] == "import_unchanged" and f"第 {first.import_id} 次导入" in entry["detail"]
    with pytest.raises(ImportRejected):
        import_file(sample_store, "trademarks", tmp_path / "不存在.csv", as_of=AS_OF, user="ed")
    entry = sample_store.audit_log(1).iloc[0]
    assert entry["action"] == "import_refused" and "不存在.csv" in entry["detail"]


def test_a_failed_import_is_logged_and_rolled_back(sample_store, tmp_path, monkeypatch):
    from txip_geo.ingest import pipeline

    def broken(*a, **k):
        raise RuntimeError("磁盘已满")

    path = tmp_path / "商标.csv"
    path.write_bytes(hostile_files.csv_bytes(*hostile_files.sample_table("trademarks")))
    before = store_state(sample_store)
    monkeypatch.setattr(pipeline, "store_layers", broken)
    with pytest.raises(RuntimeError):
        import_file(sample_store, "trademarks", path, as_of="2026-11-01", user="ed")
    assert store_state(sample_store) == before
    entry = sample_store.audit_log(1).iloc[0]
    assert entry["action"] == "import_failed" and "磁盘已满" in entry["detail"]


def test_the_data_page_logs_a_refused_upload_once_and_an_import(tmp_path, monkeypatch):
    """The 数据 page: a file refused at its preview is an import attempt (logged once, however often the page
    reruns); a file imported after the preview is logged with its SHA-256."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from txip_geo.store import auth
    from txip_geo.strings import t

    store = Store(tmp_path / "page.sqlite")
    auth.add_user(store, "ed", "editor", password="long enough")
    monkeypatch.setenv("TXIP_DB", str(store.path))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(hostile_files.REPO / "pages" / "data.py"), default_timeout=180)
        at.session_state["auth_user"] = auth.get_user(store, "ed")
        at.run()
        bad = next(x for x in CORPUS if x.name == "市场主体_inf.csv")
        at.selectbox(key="up_kind").set_value("statistics")
        at.file_uploader(key="up_file_0").set_value((bad.name, bad.data, "text/csv"))
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        assert t("upload.rejected") in [e.value for e in at.error]
        assert "第 2 行「数值」列" in at.code[0].value and "不是有限的数值" in at.code[0].value
        at.run()  # a rerun (any widget) does not log the refusal again
        log = store.audit_log()
        log = log[log["action"] != "user"]  # (the user added above)
        assert list(log["action"]) == ["import_refused"] and log.iloc[0]["user"] == "ed"
        assert t("import_audit.preview") in log.iloc[0]["detail"]
        assert hashlib.sha256(bad.data).hexdigest() in log.iloc[0]["detail"]
        assert store.imports().empty

        good = hostile_files.csv_bytes(*hostile_files.sample_table("trademarks"))
        at.selectbox(key="up_kind").set_value("trademarks")
        at.file_uploader(key="up_file_0").set_value(("商标.csv", good, "text/csv"))
        at.run()
        at.button(key="up_confirm").click()
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        from txip_geo.store import job_runner  # the confirmed upload is queued: a worker imports it

        job_runner.run_worker(store, once=True, nice=0, log=lambda _: None)
        entry = store.audit_log(1).iloc[0]
        assert (entry["action"], entry["user"]) == ("import", "ed")
        assert "商标.csv" in entry["detail"] and hashlib.sha256(good).hexdigest() in entry["detail"]
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
