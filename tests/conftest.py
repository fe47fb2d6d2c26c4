import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# Backups are signed with a key outside the store (store.backup_sign): the tests' own, never the user's, made by the
# first backup in a folder of its own (the processes the tests start inherit it).
_KEY_DIR = tempfile.mkdtemp(prefix="txip-test-key-")
atexit.register(shutil.rmtree, _KEY_DIR, True)
os.environ["TXIP_BACKUP_KEY_FILE"] = str(Path(_KEY_DIR) / "backup.key")

# -- the store backend: `pytest --db-backend=postgresql` (or TXIP_TEST_DB=postgresql) runs the suite on PostgreSQL ----
# A throw-away cluster (scripts/pg_throwaway.sh) is started once by the controlling process and stopped at its end;
# TXIP_PG_URL, inherited by the xdist workers and the processes the tests start, makes every store path the tests
# give a schema of its own on it (txip_geo.store.backend_pg). A cluster already running may be given as TXIP_PG_URL.
_PG_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg_throwaway.sh"
_PG_DIR: str | None = None


def pytest_addoption(parser):
    parser.addoption(
        "--db-backend",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("TXIP_TEST_DB", "sqlite"),
        help="the store backend the tests run on (default sqlite; postgresql starts a throw-away cluster)",
    )


def pytest_configure(config):
    global _PG_DIR
    config.addinivalue_line("markers", "sqlite_only(reason): a test of the SQLite file itself, skipped on PostgreSQL")
    if config.getoption("--db-backend") != "postgresql":
        os.environ.pop("TXIP_PG_URL", None)
        return
    if os.environ.get("TXIP_PG_URL"):  # given, or started by the controlling process (xdist workers)
        return
    import subprocess

    _PG_DIR = tempfile.mkdtemp(prefix="txip-pg-")
    url = subprocess.run(["bash", str(_PG_SCRIPT), "start", _PG_DIR], check=True, capture_output=True, text=True)
    os.environ["TXIP_PG_URL"] = url.stdout.strip()


# -- which test files open a store: `TXIP_TEST_STORE_TRACE=FILE` (scripts/test.sh, the SQLite phase) appends the file
# of each test that opens a Store in this process, once per file and process. scripts/test_pg.sh then runs exactly those
# files on PostgreSQL: every test file that touches the store runs on both backends, and the ones that never open one
# (pure functions, parsers, the map's HTML) run once. A file counts whole: a module fixture opens its store during the
# setup of the file's first test only.
_TRACED: set[str] = set()


def _trace(trace: str, test_file: str) -> None:
    """Append `test_file` to the trace, once per process."""
    if test_file and test_file not in _TRACED:
        _TRACED.add(test_file)
        with open(trace, "a", encoding="utf-8") as f:
            f.write(test_file + "\n")


def _trace_stores(trace: str) -> None:
    from txip_geo.store import database

    init = database.Store.__init__

    def traced(self, *args, **kwargs):
        _trace(trace, os.environ.get("PYTEST_CURRENT_TEST", "").split("::", 1)[0])
        init(self, *args, **kwargs)

    database.Store.__init__ = traced


if os.environ.get("TXIP_TEST_STORE_TRACE"):
    _trace_stores(os.environ["TXIP_TEST_STORE_TRACE"])

# The session fixtures below open their store once per worker, during the setup of whichever test asks first: a file
# whose tests only use what they built would be traced in one run and not in another. Using one counts as opening.
_STORE_FIXTURES = {"store", "demo_db", "demo_fs", "demo_layers"}


def pytest_runtest_setup(item):
    trace = os.environ.get("TXIP_TEST_STORE_TRACE")
    if trace and _STORE_FIXTURES & set(item.fixturenames):
        _trace(trace, item.nodeid.split("::", 1)[0])


def pytest_unconfigure(config):
    if _PG_DIR:
        import subprocess

        subprocess.run(["bash", str(_PG_SCRIPT), "stop", _PG_DIR], check=False)
        os.environ.pop("TXIP_PG_URL", None)


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server URL: the suite's (--db-backend=postgresql), else a throw-away cluster of this session's
    own; skipped where PostgreSQL is not installed."""
    import glob
    import subprocess

    if os.environ.get("TXIP_PG_URL"):
        yield os.environ["TXIP_PG_URL"]
        return
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql postgis)")
    folder = tempfile.mkdtemp(prefix="txip-pg-")
    url = subprocess.run(["bash", str(_PG_SCRIPT), "start", folder], check=True, capture_output=True, text=True)
    try:
        yield url.stdout.strip()
    finally:
        subprocess.run(["bash", str(_PG_SCRIPT), "stop", folder], check=False)


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.sqlite_only("reason")`: a test of the SQLite file itself (its bytes, journal, copy), skipped on
    PostgreSQL with that reason."""
    if config.getoption("--db-backend") != "postgresql":
        return
    for item in items:
        mark = item.get_closest_marker("sqlite_only")
        if mark:
            reason = mark.args[0] if mark.args else "tests the SQLite file itself"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="module")
def gaz():
    """The bundled gazetteer (townships, old names, villages, parks)."""
    from txip_geo.areas.gazetteer import load_gazetteer

    return load_gazetteer()


@pytest.fixture(scope="module")
def matcher(gaz):
    """An address matcher of its own per test module (its cache starts empty)."""
    from txip_geo.locate.address import AddressMatcher

    return AddressMatcher(gaz)


@pytest.fixture
def store(tmp_path):
    from txip_geo.store.database import Store

    return Store(tmp_path / "t.sqlite")


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    import csv

    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def csv_file(tmp_path):
    def make(name, header, rows, encoding="utf-8"):
        return write_csv(tmp_path / name, header, rows, encoding)

    return make


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A store loaded with the bundled sample (built once per test session)."""
    from txip_geo.cli import main

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    assert main(["--db", str(path), "demo"]) == 0
    return path


@pytest.fixture(scope="session")
def demo_fs(demo_db):
    """The figures of the bundled sample (computed once per session; do not mutate)."""
    from txip_geo.figures.compute import compute
    from txip_geo.store.database import Store

    return compute(Store(demo_db))


@pytest.fixture(scope="session")
def demo_layers(demo_db):
    """The map layers of the sample store, as the exports draw them."""
    from txip_geo.present import meeting as report
    from txip_geo.store.database import Store

    return report.Layers.from_store(Store(demo_db))
