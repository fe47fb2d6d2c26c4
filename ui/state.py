"""Cached access to the store and its figures, the global settings and the URL query parameters."""

from __future__ import annotations

import os

import streamlit as st

from txip_geo.figures.compute import FigureSet, Settings, compute
from txip_geo.paths import ENV_DB, default_db_path
from txip_geo.store.database import Store
from txip_geo.strings import t

# TXIP_NO_CACHE=1 turns every cache below off (the baseline of benchmarks/run.py; never set it in production).
NO_CACHE = os.environ.get("TXIP_NO_CACHE", "") == "1"


def cache_resource(**kwargs):
    """st.cache_resource, or no caching at all when TXIP_NO_CACHE=1."""
    return (lambda f: f) if NO_CACHE else st.cache_resource(**kwargs)


def db_path() -> str:
    """The store: TXIP_DB as given (a ``postgresql://`` URL is no path: Path() would fold its //), else the default."""
    return os.environ.get(ENV_DB) or str(default_db_path())


@cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return Store(path)


def store() -> Store:
    return _store(db_path())


def store_version(s: Store) -> tuple:
    """Changes whenever an import or a boundary change lands (cheap: one query)."""
    with s.reading() as con:
        return tuple(
            con.execute(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM imports), (SELECT COUNT(*) FROM imports), "
                "(SELECT COALESCE(SUM(official), 0) FROM boundaries)"
            ).fetchone()
        )


@cache_resource(show_spinner=t("page_ui.computing"), max_entries=32)
def _figures(path: str, version: tuple, settings: Settings) -> FigureSet:
    return compute(_store(path), settings)


def settings(**overrides) -> Settings:
    """The global settings (sidebar of app.py) plus page filters."""
    default = Settings()
    base = Settings(
        long_years=int(st.session_state.get("long_years", default.long_years)),
        population_base=st.session_state.get("population_base", default.population_base),
        training_audience=st.session_state.get("training_audience", default.training_audience),
        transferred_handled=bool(st.session_state.get("transferred_handled", default.transferred_handled)),
    )
    return base.with_(**overrides) if overrides else base


@cache_resource(show_spinner=False, max_entries=32)
def _redacted(path: str, version: tuple, settings: Settings) -> FigureSet:
    from txip_geo.present.redact import redact

    return redact(_figures(path, version, settings))


def figures(**overrides) -> FigureSet:
    """The figures for the current settings; for users who may not see personal data, with it masked."""
    from . import auth as ui_auth

    s = store()
    fn = _figures if ui_auth.can("see_personal") else _redacted
    return fn(db_path(), store_version(s), settings(**overrides))


def figures_unmasked(**overrides) -> FigureSet:
    """The figures with personal data, for matching on it (an enterprise's cases by party name); what the page shows
    of it is masked for viewers by the caller (present.enterprise_view)."""
    s = store()
    return _figures(db_path(), store_version(s), settings(**overrides))


@cache_resource(show_spinner=False, max_entries=256)
def _unit_detail(path: str, version: tuple, settings: Settings, personal: bool, code: str):
    from txip_geo.present.map_view import unit_detail as detail

    fs = (_figures if personal else _redacted)(path, version, settings)
    return detail(fs, code, personal=personal)


def unit_detail(code: str, **overrides):
    """A township's or park's panel (views.unit_detail) for the current settings, computed once per store state and
    user kind."""
    from . import auth as ui_auth

    s = store()
    return _unit_detail(db_path(), store_version(s), settings(**overrides), ui_auth.can("see_personal"), code)


def baseline() -> str:
    """The 基期 setting (sidebar of app.py) as an ISO date; default figures.baseline.BASELINE."""
    from txip_geo.figures.baseline import BASELINE

    v = st.session_state.get("baseline_date")
    return v.isoformat() if v else BASELINE


def baseline_version(s: Store, day: str) -> tuple:
    """What the figures as of `day` read (figures.asof.imports_read: per kind its plan and the ids of the imports
    of the snapshot it reads; the boundaries' imports and state): unchanged by an import they do not read, such as
    today's data for a baseline years back (cheap: two queries)."""
    import pandas as pd

    from txip_geo.figures.asof import imports_read

    with s.reading() as con:
        imports = pd.read_sql_query("SELECT id, kind, as_of FROM imports", con)
        official = con.execute("SELECT COALESCE(SUM(official), 0) FROM boundaries").fetchone()[0]
    return (*imports_read(imports, day), official)


@cache_resource(show_spinner=t("baseline.computing"), max_entries=16)
def _baseline(path: str, reads: tuple, settings: Settings, baseline: str):
    """A comparison's baseline figures (figures.baseline.baseline_figures), keyed on what they read: kept when an
    import of later data lands (the comparison itself, which holds the figures now, is keyed on the store state)."""
    from txip_geo.figures.baseline import baseline_figures

    return baseline_figures(_store(path), settings, baseline)


@cache_resource(show_spinner=t("baseline.computing"), max_entries=16)
def _comparison_full(path: str, version: tuple, settings: Settings, baseline: str):
    from txip_geo.figures.baseline import compare

    # The figures now are the app's cached ones (the map and every page share them): counted once per store state;
    # those of the baseline are counted once per state of what they read.
    then = _baseline(path, baseline_version(_store(path), baseline), settings, baseline)
    return compare(_store(path), settings, baseline, series=False, now=_figures(path, version, settings), then=then)


@cache_resource(show_spinner=False, max_entries=16)
def _comparison(path: str, version: tuple, settings: Settings, baseline: str, personal: bool):
    from dataclasses import replace

    from txip_geo.present.redact import redact

    comp = _comparison_full(path, version, settings, baseline)
    if not personal:
        comp = replace(comp, then=redact(comp.then), then_year=redact(comp.then_year), now=redact(comp.now))
    return comp


@cache_resource(show_spinner=t("baseline.computing"), max_entries=16)
def _series(path: str, version: tuple, settings: Settings, baseline: str):
    from txip_geo.figures.baseline import comparison_series

    # Figures only (no personal data): one cache for every user kind.
    return comparison_series(_store(path), _comparison_full(path, version, settings, baseline), settings)


def _with_series(path: str, version: tuple, settings: Settings, baseline: str, personal: bool, series: bool):
    from dataclasses import replace

    comp = _comparison(path, version, settings, baseline, personal)
    return replace(comp, series=_series(path, version, settings, baseline)) if series else comp


def _comparison_args(overrides: dict) -> tuple:
    """What a comparison is keyed on, read from the session: store, its state, settings, 基期, user kind."""
    from . import auth as ui_auth

    return (db_path(), store_version(store()), settings(**overrides), baseline(), ui_auth.can("see_personal"))


def comparison(series: bool = False, **overrides):
    """Baseline → now (figures.baseline.compare) for the current settings and 基期, computed once per store state;
    `series`: with the dated goals' yearly series (slower: one count per year; cached on its own)."""
    return _with_series(*_comparison_args(overrides), series)


def comparison_later(series: bool = False, **overrides):
    """comparison() as a callable for later: the session's settings and 基期 read now, the comparison computed (or
    taken from the cache) when it is called -- by a deferred download, which runs outside the script, where no
    session state can be read."""
    args = _comparison_args(overrides)
    return lambda: _with_series(*args, series)


def query(name: str, default: str | None = None) -> str | None:
    return st.query_params.get(name, default)


def set_query(**kw) -> None:
    """Put the view in the URL so a link opens the same view (None removes a key)."""
    for k, v in kw.items():
        if v in (None, ""):
            if k in st.query_params:
                del st.query_params[k]
        elif st.query_params.get(k) != str(v):
            st.query_params[k] = str(v)
