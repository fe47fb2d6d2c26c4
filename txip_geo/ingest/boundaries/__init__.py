"""Importing official township or park boundaries: read, convert datum, match features to units, check, store.

The natural-resources bureau (自然资源和规划局) delivers township boundaries as a zipped shapefile, a GeoPackage, a
GeoJSON or a KML. This package turns any of them into the ``townships`` (or ``parks``) layer of the store, one module
per step:

1. ``read`` (:func:`read_boundary_file`): unzip (GBK member names), choose the polygon layer, find the DBF encoding;
2. ``crs``: the file's own CRS, or the datum the user declares, to the display datum; a file without a CRS is refused
   with a question (never a guess), as is one whose coordinates contradict its CRS;
3. ``match`` (:func:`match_features`): each feature to one of the 17 units (or parks) by code or name; other
   counties' features are filtered out and counted; an unmatched feature inside Taixing or a missing unit rejects;
4. ``geometry`` (:func:`check_geometry`): invalid rings repaired and counted, far features rejected, overlaps and gaps
   reported;
5. ``importing`` (:func:`import_boundaries`, :func:`check_boundaries`): one transaction writes the layer and
   re-assigns every record. Any rejection leaves the store untouched.

Parks are imported the same way (a park file may hold some of P01–P04: the others keep their boundary), or drawn on
the map and saved with :func:`save_drawn_park` (``drawn``). ``report`` holds :class:`BoundaryReport` and its Chinese
lines, ``upload`` stages uploaded files, ``status`` describes the layers in use. The words files are read with are in
``vocabulary``; the Chinese texts in the strings table's ``[boundaries_import]`` section (``messages``).
"""

from __future__ import annotations

from txip_geo.ingest.boundaries.drawn import save_drawn_park
from txip_geo.ingest.boundaries.geometry import check_geometry
from txip_geo.ingest.boundaries.importing import check_boundaries, import_boundaries
from txip_geo.ingest.boundaries.match import match_features
from txip_geo.ingest.boundaries.messages import LAYER_LABEL
from txip_geo.ingest.boundaries.read import dbf_encoding, read_boundary_file
from txip_geo.ingest.boundaries.report import BoundaryReport, report_lines
from txip_geo.ingest.boundaries.status import layer_status
from txip_geo.ingest.boundaries.upload import stage_files
from txip_geo.ingest.boundaries.vocabulary import ACCEPTED_SUFFIXES, LAYERS

__all__ = [
    "ACCEPTED_SUFFIXES",
    "LAYERS",
    "LAYER_LABEL",
    "BoundaryReport",
    "check_boundaries",
    "check_geometry",
    "dbf_encoding",
    "import_boundaries",
    "layer_status",
    "match_features",
    "read_boundary_file",
    "report_lines",
    "save_drawn_park",
    "stage_files",
]
