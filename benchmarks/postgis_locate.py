"""Point-in-polygon: the Python path (locate.points.find_in_layers) against PostGIS (store.postgis) on the same points
and layers, on a PostgreSQL server with the postgis extension (issue #21; docs/performance.md, *Point-in-polygon on
PostGIS*). Prints CPU time of this process and of the server's backend, wall time and the load average; fails if the
two paths answer differently.

    URL=$(bash scripts/pg_throwaway.sh start /tmp/pg-bench)
    .venv/bin/python benchmarks/postgis_locate.py "$URL" [--sizes 200000,1000000] [--dense 0.0003]
    bash scripts/pg_throwaway.sh stop /tmp/pg-bench

The layers: the bundled schematic ones, and the same with a vertex every `--dense` degrees (~30 m: tens of thousands
of vertices, as an official boundary has). Points: uniform over the county's box and a margin around it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _server_cpu(target) -> float:
    """CPU seconds of the backend serving the finder's (pooled) connection; the server must be on this machine."""
    con = target.connect()
    pid = con.raw.execute("SELECT pg_backend_pid()").fetchone()[0]
    con.close()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> int:
    import shapely

    from txip_geo.areas import boundaries
    from txip_geo.locate.points import Layer, find_in_layers, prepare_layer, prepare_outline
    from txip_geo.store.backend_pg import target_of
    from txip_geo.store.postgis import PostgisFinder

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", help="postgresql://… of a server with postgis (a schema 'bench_locate' is used)")
    ap.add_argument("--sizes", default="200000,1000000")
    ap.add_argument("--dense", type=float, default=0.0003)
    args = ap.parse_args(argv)
    target = target_of(f"{args.url}{'&' if '?' in args.url else '?'}schema=bench_locate")
    finder = PostgisFinder(target)

    def dense(layer: Layer) -> Layer:
        return Layer(
            layer.codes, np.asarray(shapely.segmentize(layer.geoms, args.dense), dtype=object), layer.schematic
        )

    towns, parks = prepare_layer(boundaries.bundled_townships()), prepare_layer(boundaries.bundled_parks())
    outline = prepare_outline(boundaries.county_outline())
    sets = {
        "bundled": (towns, parks, outline),
        f"dense {args.dense}°": (dense(towns), dense(parks), prepare_outline(shapely.segmentize(outline, args.dense))),
    }
    same = True
    for name, (t, p, o) in sets.items():
        vertices = int(shapely.get_num_coordinates(np.r_[t.geoms, p.geoms, [o]]).sum())
        minx, miny, maxx, maxy = o.bounds
        rng = np.random.default_rng(1)
        finder(np.array([120.0]), np.array([32.0]), t, p, o)  # the layers loaded once, as for an import's chunks
        for n in (int(s) for s in args.sizes.split(",")):
            x, y = rng.uniform(minx - 0.05, maxx + 0.05, n), rng.uniform(miny - 0.05, maxy + 0.05, n)
            w0, c0 = time.perf_counter(), time.process_time()
            py = find_in_layers(x, y, t, p, o)
            w1, c1, s1 = time.perf_counter(), time.process_time(), _server_cpu(target)
            pg = finder(x, y, t, p, o)
            w2, c2, s2 = time.perf_counter(), time.process_time(), _server_cpu(target)
            ok = all(np.array_equal(a, b) for a, b in zip(py, pg))
            same &= ok
            print(
                f"{name} ({vertices} vertices), {n:,} points: python CPU {c1 - c0:.2f} s wall {w1 - w0:.2f} s | "
                f"postgis CPU app {c2 - c1:.2f} s + server {s2 - s1:.2f} s, wall {w2 - w1:.2f} s | "
                f"same answers: {ok} | load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
