"""A PostgreSQL store's files folder (issue #21): each store has its own, named after its server, port, database and
schema, never the folder of ``txip.sqlite`` beside it nor another PostgreSQL store's."""

import re
import uuid

import pytest

from txip_geo.ingest.pipeline import import_file
from txip_geo.store import jobs
from txip_geo.store.database import Store, store_path

SOCKET = "postgresql://postgres@/txip?host=/tmp/pg-a&port=5432"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    for var in ("TXIP_FILES_DIR", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TXIP_DATA_DIR", str(tmp_path))
    return tmp_path


def _files(url: str):
    path = store_path(url)
    return path.parent / (path.stem + "-files")


def test_every_server_port_database_and_schema_has_a_folder_of_its_own(data_dir):
    urls = [
        SOCKET,  # the default schema (txip): the one that shared var/txip-files with var/txip.sqlite
        SOCKET + "&schema=county2",
        "postgresql://postgres@/txip?host=/tmp/pg-a&port=5433",
        "postgresql://postgres@/other?host=/tmp/pg-a&port=5432",
        "postgresql://postgres@/txip?host=/tmp/pg_a&port=5432",  # reduces to the same name as /tmp/pg-a
        "postgresql://ip@db.example:5432/txip",
        "postgresql:///txip",
    ]
    folders = [_files(u) for u in urls]
    assert len(set(folders)) == len(urls)
    for f in folders:
        assert f.parent == data_dir and f.name != "txip-files"
        assert re.fullmatch(r"pg-[A-Za-z0-9_.-]+-files", f.name), f.name  # a plain file name: no slash, no '..'
    assert "5433" in folders[2].name and "county2" in folders[1].name and "db.example" in folders[5].name
    # the same store named another way (another user, the schema spelt out, the port implied) keeps its folder
    assert _files("postgresql://other@/txip?host=/tmp/pg-a&schema=txip") == folders[0]
    assert _files("postgresql://ip@db.example/txip") == folders[5]


def test_txip_files_dir_moves_the_folders_and_pg_environment_fills_what_the_url_leaves_out(data_dir, monkeypatch):
    monkeypatch.setenv("TXIP_FILES_DIR", str(data_dir / "nas"))
    assert store_path(SOCKET).parent == data_dir / "nas"
    bare = _files("postgresql:///txip").name
    monkeypatch.setenv("PGHOST", "db.example")
    monkeypatch.setenv("PGPORT", "6543")
    assert _files("postgresql:///txip").name.startswith("pg-db.example-6543-txip-txip-") and bare.startswith(
        "pg-local-"
    )


def test_unreadable_names_still_give_a_safe_folder(data_dir):
    name = _files("postgresql://h/%E6%B3%B0%E5%85%B4?schema=a").name  # database 泰兴
    assert re.fullmatch(r"pg-h-5432-_-a-[0-9a-f]{8}-files", name)
    assert name != _files("postgresql://h/%E5%A6%82%E7%9A%8B?schema=a").name  # 如皋: another folder


def test_a_postgresql_store_and_the_sqlite_store_beside_it_keep_their_files_apart(data_dir, pg_server, monkeypatch):
    monkeypatch.setenv("TXIP_FILES_DIR", str(data_dir))
    schema = f"f_{uuid.uuid4().hex[:12]}"  # this run's own (a cluster given as TXIP_PG_URL may outlive runs)
    lite = Store(data_dir / f"{schema}.sqlite", local=True)  # the name the PostgreSQL store's folder once shared
    pg = Store(f"{pg_server}&schema={schema}")
    assert pg.backend == "postgresql" and lite.backend == "sqlite"
    assert pg.files_dir != lite.files_dir and pg.files_dir.parent == data_dir
    assert jobs.queue_path(pg) != jobs.queue_path(lite)  # nor their job queues
    rows = "申请号,名称,申请人,法律状态,地址\n{n},一种{w},泰兴{w}公司,有效,江苏省泰兴市黄桥镇府前路1号\n"
    for store, word, number in ((lite, "釜", "201510771082.4"), (pg, "盒", "201730610076.0")):
        src = data_dir / f"{word}.csv"
        src.write_text(rows.format(n=number, w=word), encoding="utf-8")
        assert import_file(store, "patents", src).rows_imported == 1
    for store, word in ((lite, "釜"), (pg, "盒")):
        (stored,) = store.imports()["stored_path"].dropna()
        kept = store.path.parent / stored
        assert kept.parent == store.files_dir and word in kept.read_text(encoding="utf-8")
        assert [p.name for p in store.files_dir.iterdir()] == [kept.name]  # the other store's file is not here
