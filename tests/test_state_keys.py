"""The app's cache keys (ui/state.py; issue #21): a comparison's baseline figures are keyed on what they read
(figures.asof.imports_read: per kind the plan and the imports of the snapshot read; the boundaries), not on the store
version, so an import of today's data leaves them cached -- and the comparison made with the cached baseline is the
one computed afresh -- while an import into the snapshot they read, a kind they now read, or a boundary change
makes them count again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmarks import generate
from txip_geo.figures import baseline as B
from txip_geo.figures.compute import Settings
from txip_geo.ingest.pipeline import import_file
from txip_geo.store.database import Store

DAY, EARLY, NOW = "2023-12-31", "2023-12-31", "2026-11-30"


def _patents(root: Path, name: str, n: int, seed: int, upto: str) -> Path:
    df = generate.patent_frame(n, seed=seed)
    df = df[(df["申请日"] <= upto) & (df["授权公告日"] <= upto)]
    return generate.write_csv(df, root / name)


@pytest.fixture
def state(monkeypatch, tmp_path):
    monkeypatch.delenv("TXIP_NO_CACHE", raising=False)
    from ui import state

    for cached in (state._baseline, state._comparison_full, state._figures):
        cached.clear()
    yield state
    for cached in (state._baseline, state._comparison_full, state._figures):
        cached.clear()


@pytest.fixture
def small(tmp_path):
    """Patents as of the baseline date and as of later: the baseline reads the first snapshot."""
    store = Store(tmp_path / "keys.sqlite")
    import_file(store, "patents", _patents(tmp_path, "early.csv", 300, 3, EARLY), as_of=EARLY)
    import_file(store, "patents", _patents(tmp_path, "mid.csv", 300, 4, "2025-06-30"), as_of="2025-06-30")
    return store


def test_an_import_of_later_data_keeps_the_baseline_key(state, small, tmp_path):
    key, version = state.baseline_version(small, DAY), state.store_version(small)
    import_file(small, "patents", _patents(tmp_path, "now.csv", 400, 5, NOW), as_of=NOW)
    assert state.store_version(small) != version  # the figures now count again
    assert state.baseline_version(small, DAY) == key  # those of the baseline need not
    assert state.baseline_version(small, "2026-01-31") != state.baseline_version(small, NOW)  # a later day reads it


def test_a_change_to_what_the_baseline_reads_changes_its_key(state, small, tmp_path):
    key = state.baseline_version(small, DAY)
    # another file of the snapshot the baseline reads (the same as-of date)
    import_file(small, "patents", _patents(tmp_path, "more.csv", 50, 9, EARLY), as_of=EARLY)
    after_same_snapshot = state.baseline_version(small, DAY)
    assert after_same_snapshot != key
    # a kind the baseline did not read: its first snapshot is later, the baseline winds it back (plan derived)
    tm = pd.read_csv(generate.SAMPLE / "trademarks.csv", dtype=str, keep_default_na=False).head(30)
    tm_path = tmp_path / "trademarks.csv"
    tm.to_csv(tm_path, index=False)
    import_file(small, "trademarks", tm_path, as_of=NOW)
    reads = dict((k, (m, s)) for k, m, s, _ in state.baseline_version(small, DAY)[0])
    assert reads["trademarks"] == ("derived", NOW)
    assert state.baseline_version(small, DAY) != after_same_snapshot


def test_later_statistics_change_the_baseline_key(state, small, tmp_path):
    """Every statistics snapshot is read (a later one may carry the baseline year's population)."""
    key = state.baseline_version(small, DAY)
    import_file(small, "statistics", generate.SAMPLE / "statistics.csv", as_of=NOW)
    assert state.baseline_version(small, DAY) != key


def test_a_boundary_change_changes_the_baseline_key(state, small, tmp_path):
    key = state.baseline_version(small, DAY)
    towns = small.layer("townships")
    geo = tmp_path / "towns.geojson"
    towns.to_file(geo, driver="GeoJSON")
    small.replace_layer(
        "townships", towns, file_path=geo, as_of=NOW, user="t", report={}, relocate=lambda con: None, codes=None
    )
    assert state.baseline_version(small, DAY) != key


def test_the_cached_baseline_is_reused_and_gives_the_fresh_comparison(state, small, tmp_path, monkeypatch):
    path, s = str(small.path), Settings()
    monkeypatch.setattr(state, "_store", lambda p: small if p == path else Store(p))
    counted = []
    real = B.baseline_figures

    def counting(*args, **kwargs):
        counted.append(args[2] if len(args) > 2 else kwargs.get("baseline"))
        return real(*args, **kwargs)

    monkeypatch.setattr(B, "baseline_figures", counting)
    first = state._comparison_full(path, state.store_version(small), s, DAY)
    import_file(small, "patents", _patents(tmp_path, "now.csv", 400, 5, NOW), as_of=NOW)
    second = state._comparison_full(path, state.store_version(small), s, DAY)
    assert counted == [DAY]  # counted once: the second comparison took the cached baseline
    assert second.now.as_of == NOW and first.now.as_of != NOW
    fresh = B.compare(small, s, DAY, series=False, then=real(small, s, DAY))  # counted afresh (not in `counted`)
    assert second.then.city == fresh.then.city and second.then_year.city == fresh.then_year.city
    pd.testing.assert_frame_equal(second.goals, fresh.goals)
    pd.testing.assert_frame_equal(second.areas, fresh.areas)
    import_file(small, "patents", _patents(tmp_path, "more.csv", 50, 9, EARLY), as_of=EARLY)
    third = state._comparison_full(path, state.store_version(small), s, DAY)
    assert counted == [DAY, DAY]  # the baseline's snapshot changed: counted again
    assert third.then.city["patents"] > second.then.city["patents"]
