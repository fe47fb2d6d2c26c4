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
