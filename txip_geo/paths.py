"""Where things live: the repo's data/ and geo/ folders and the store's data directory (overridable)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
GEO_DIR = ROOT / "geo"
SAMPLE_DIR = DATA_DIR / "sample"
TEMPLATE_DIR = DATA_DIR / "templates"

# The store: TXIP_DB names the SQLite file; TXIP_DATA_DIR the folder that holds it and the original files.
ENV_DB = "TXIP_DB"
ENV_DATA_DIR = "TXIP_DATA_DIR"


def data_dir() -> Path:
    return Path(os.environ.get(ENV_DATA_DIR) or (ROOT / "var"))


def default_db_path() -> Path:
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    return data_dir() / "txip.sqlite"
