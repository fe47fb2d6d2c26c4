"""The boundary layers in use: official, partial or schematic, and the files they came from (:func:`layer_status`)."""

from __future__ import annotations

import pandas as pd

from txip_geo.areas import boundaries
from txip_geo.ingest.boundaries.vocabulary import LAYERS


def layer_status(store) -> list[dict]:
    """Per layer: status ('schematic' | 'official' | 'partial'), counts and the source files with their import dates."""
    imports = store.imports()
    by_id = {int(r.id): r for r in imports.itertuples()} if len(imports) else {}
    out = []
    for layer in LAYERS:
        lyr = store.layer(layer)
        n_off = int(lyr["official"].fillna(0).astype(int).sum()) if len(lyr) else 0
        status = "official" if len(lyr) and n_off == len(lyr) else ("partial" if n_off else "schematic")
        features = []
        areas = boundaries.area_km2(lyr) if len(lyr) else []
        for r, km2 in zip(lyr.itertuples(), areas):
            imp = by_id.get(int(r.import_id)) if r.import_id is not None and not pd.isna(r.import_id) else None
            features.append(
                {
                    "code": r.code,
                    "name": r.name,
                    "official": bool(r.official),
                    "source": r.source,
                    "file_name": imp.file_name if imp is not None else "",
                    "imported_at": imp.imported_at if imp is not None else "",
                    "imported_by": imp.imported_by if imp is not None else "",
                    "as_of": imp.as_of if imp is not None else "",
                    "area_km2": round(float(km2), 2),
                }
            )
        files = sorted(
            {(f["file_name"], f["imported_at"], f["imported_by"]) for f in features if f["file_name"]},
            key=lambda x: x[1],
        )
        out.append(
            {
                "layer": layer,
                "status": status,
                "count": len(lyr),
                "official": n_off,
                "files": [{"file_name": a, "imported_at": b, "imported_by": c} for a, b, c in files],
                "features": features,
            }
        )
    return out
