"""Uploaded files written to disk as the one path to import (:func:`stage_files`)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from txip_geo.ingest.boundaries.vocabulary import SIDECAR_SUFFIXES


def stage_files(files: list[tuple[str, bytes]], folder: str | Path) -> Path:
    """Write uploaded files into `folder` and return the one path to import.

    One file is written as it is. Several files must be the parts of one shapefile (same name: .shp, .shx, .dbf,
    .prj, .cpg): they are packed into ``<name>.zip`` so the original delivery is kept as one file. ValueError else.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    clean = [(Path(n).name, data) for n, data in files]
    if len(clean) == 1:
        path = folder / clean[0][0]
        path.write_bytes(clean[0][1])
        return path
    stems = {Path(n).stem for n, _ in clean}
    suffixes = [Path(n).suffix.lower() for n, _ in clean]
    if len(stems) != 1 or ".shp" not in suffixes or any(s not in (".shp",) + SIDECAR_SUFFIXES for s in suffixes):
        raise ValueError("several files must be the parts of one shapefile")
    path = folder / f"{stems.pop()}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in sorted(clean):
            z.writestr(n, data)
    return path
