"""Point-in-polygon on PostGIS (store.postgis, issue #21) gives exactly the Python path's answers
(locate.points.find_in_layers): a point on a border is in (the lowest polygon index on a shared edge), a point
outside the county is outside, a park inside a township gives both; per record unit_code, park_code and
assign_method (and the note) are the same, on a fixture of border, gap, outside and odd points."""

import uuid

import numpy as np
import pandas as pd
import pytest
import shapely
from support import square_layers

from txip_geo.areas import boundaries
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.ingest.pipeline import import_file
from txip_geo.locate.frame import locate_frame
from txip_geo.locate.points import find_in_layers, prepare_layer, prepare_outline
from txip_geo.store import backend_pg, postgis
from txip_geo.store.database import Store

YANLING, HUANGQIAO, BINJIANG = "321283002", "321283100", "321283123"


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


@pytest.fixture(scope="module")
def target(pg_server):
    return backend_pg.target_of(f"{pg_server}&schema=postgis_locate")


@pytest.fixture(scope="module")
def bundled():
    return {
        "townships": boundaries.bundled_townships(),
        "parks": boundaries.bundled_parks(),
        "outline": boundaries.county_outline(),
    }


@pytest.fixture(scope="module")
def small():
    """延令 | 黄桥 side by side (shared edge at 120.10), 滨江 below both, a ring of no township inside the outline,
    park P02 inside 黄桥 and touching nothing else."""
    return square_layers()


def border_points(layers: dict, seed: int, n_random: int) -> np.ndarray:
    """Every vertex and the middle and a 3:7 point of every edge of every polygon (on its border, shared or not),
    points a hair inside and outside the county's outline, and random points over and around the county."""
    geoms = [*layers["townships"].geometry, *layers["parks"].geometry, *layers["outline"].geometry]
    out = []
    for g in geoms:
        c = shapely.get_coordinates(shapely.boundary(g))
        out += [c, (c[1:] + c[:-1]) / 2, c[:-1] * 0.3 + c[1:] * 0.7]
    ring = shapely.get_coordinates(shapely.boundary(shapely.union_all(list(layers["outline"].geometry))))
    centre = ring.mean(axis=0)
    out += [centre + (ring - centre) * 1.000001, centre + (ring - centre) * 0.999999]
    minx, miny, maxx, maxy = shapely.union_all(geoms).bounds
    rng = np.random.default_rng(seed)
    out.append(np.c_[rng.uniform(minx - 0.1, maxx + 0.1, n_random), rng.uniform(miny - 0.1, maxy + 0.1, n_random)])
    return np.vstack(out)


def records(xy: np.ndarray) -> pd.DataFrame:
    """Records with those coordinates, a few with a datum, a park name or an address beside them, and rows whose
    point says nothing (no coordinates, outside China, an unknown datum)."""
    n = len(xy)
    df = pd.DataFrame(
        {"lon": xy[:, 0], "lat": xy[:, 1], "datum": ["WGS84", "", "CGCS2000", "GCJ02"] * (n // 4) + [""] * (n % 4)}
    )
    df.loc[::7, "park_name"] = "泰兴经济开发区"
    df.loc[::11, "address"] = "泰兴市黄桥镇府前路1号"
    odd = pd.DataFrame(
        {
            "lon": [np.nan, 10.0, 120.1, 120.1, 121.9],
            "lat": [np.nan, 60.0, 32.1, 32.1, 31.0],
            "datum": ["", "", "火星坐标", "", ""],
            "address": ["泰兴市延令街道黄桥路5号", "", "", "", "上海市浦东新区世纪大道1号"],
        }
    )
    return pd.concat([df, odd], ignore_index=True)


@pytest.mark.parametrize("which", ["small", "bundled"])
def test_postgis_and_python_place_every_point_the_same(which, request, target):
    layers = request.getfixturevalue(which)
    towns, parks = prepare_layer(layers["townships"]), prepare_layer(layers["parks"])
    outline = prepare_outline(layers["outline"])
    xy = border_points(layers, seed=21, n_random=5000)
    finder = postgis.PostgisFinder(target)
    for t, p, o in ((towns, parks, outline), (towns, parks, None), (None, parks, outline), (towns, None, outline)):
        py = find_in_layers(xy[:, 0], xy[:, 1], t, p, o)
        pg = finder(xy[:, 0], xy[:, 1], t, p, o)
        for a, b, what in zip(py, pg, ("inside", "township", "park")):
            assert a.dtype.kind == b.dtype.kind and np.array_equal(a, b), (what, np.flatnonzero(a != b)[:5])
    # the fixture holds what the rules are about: points on a shared township edge (which polygon wins),
    # on the outline, outside the county, in a park inside a township, in no township inside the county
    inside, t_hit, p_hit = py = find_in_layers(xy[:, 0], xy[:, 1], towns, parks, outline)
    pts = shapely.points(xy)
    shared = (np.sum([shapely.intersects(g, pts) for g in towns.geoms], axis=0) >= 2) & inside
    assert shared.sum() >= 5 and (~inside).sum() >= 100
    assert shapely.touches(outline, pts).sum() >= 10 and (p_hit >= 0).sum() >= 10
    assert (t_hit[p_hit >= 0] >= 0).all()  # parks lie inside townships
    if which == "small":
        assert ((t_hit < 0) & inside).sum() >= 10  # the ring with no township
        # on 延令|黄桥's edge: 延令, the lower index; on their edge with 滨江: either of them, never 滨江
        assert set(t_hit[shared]) == {0, 1} and (t_hit[shared & (xy[:, 0] == 120.10) & (xy[:, 1] > 32.10)] == 0).all()
    # an empty chunk
    assert all(len(a) == 0 for a in finder(np.zeros(0), np.zeros(0), towns, parks, outline))


@pytest.mark.parametrize("which", ["small", "bundled"])
def test_records_get_the_same_unit_park_and_method_on_both_paths(which, request, target, gaz):
    layers = request.getfixturevalue(which)
    df = records(border_points(layers, seed=7, n_random=2000))
    py = locate_frame(df, gaz, **layers)
    pg = locate_frame(df, gaz, **layers, finder=postgis.PostgisFinder(target))
    pd.testing.assert_frame_equal(pg, py)
    methods = set(py["assign_method"])
    assert {"point", "outside"} <= methods and (which == "bundled" or "park" in methods), methods
    assert (py["park_code"] != "").sum() > 0 and (py["unit_code"] != "").sum() > len(df) / 10


def test_the_store_uses_postgis_only_when_asked_and_imports_give_the_same_records(
    pg_server, tmp_path, monkeypatch, bundled
):
    monkeypatch.setenv("TXIP_FILES_DIR", str(tmp_path))
    xy = border_points(bundled, seed=3, n_random=300)
    lines = ["申请号,名称,申请人,法律状态,地址,经度,纬度,坐标系"]
    lines += [
        f"20151{i:07d}.{i % 10},一种釜{i},泰兴{i}公司,有效,,{float(x)!r},{float(y)!r},WGS84"
        for i, (x, y) in enumerate(xy)
    ]
    src = tmp_path / "专利.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    name = uuid.uuid4().hex[:12]  # a schema of this run's own (a cluster given as TXIP_PG_URL may outlive runs)
    got = {}
    for setting in ("0", "1"):
        monkeypatch.setenv(postgis.ENV, setting)
        monkeypatch.setenv("TXIP_IMPORT_WORKER", setting)  # with PostGIS: the finder travels to the worker process
        store = Store(f"{pg_server}&schema=l{setting}_{name}x")
        finder = store.point_finder()
        assert (finder is None) == (setting == "0")
        rep = import_file(store, "patents", src, as_of="2026-10-31")
        assert rep.rows_imported == len(xy)
        got[setting] = store.records("patents")[["number", "unit_code", "park_code", "assign_method"]].sort_values(
            "number", ignore_index=True
        )
    pd.testing.assert_frame_equal(got["1"], got["0"])
    assert {"point", "outside"} <= set(got["1"]["assign_method"])
    # an SQLite store never offers it
    assert Store(tmp_path / "lite.sqlite", local=True).point_finder() is None
