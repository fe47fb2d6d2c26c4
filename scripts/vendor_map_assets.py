#!/usr/bin/env python3
"""Vendor the exact JS/CSS assets that folium 0.20 and streamlit-folium load into ``static/vendor/``.

Why: streamlit-folium's component loads every ``default_js``/``default_css`` URL of
the folium elements on a map (plus two d3 URLs it hard-codes whenever a branca
colour legend is present) from public CDNs; one failed URL leaves the map blank.
On an intranet with no internet the app serves these files itself
(``server.enableStaticServing``) and ``txip_geo.render.offline.localise_map`` rewrites the
links.

Where the files come from (registry packages only, each pinned by hash):

* npm packages of exactly the versions the CDN URLs name, fetched with
  ``npm pack`` and checked against the sha512 integrity pinned below. These are
  the upstream bytes the CDNs serve.
* the ``folium-offline`` wheel on PyPI (MIT) for the three files that are on no
  npm package: folium's own ``leaflet.awesome.rotate.min.css`` and
  ``leaflet_heat.min.js``, and BootstrapCDN's 3.0.0 ``bootstrap-glyphicons.css``
  (folium-offline embeds the CDN text of every URL folium references; its copies
  of Leaflet and of the image-bearing CSS files are modified -- images inlined --
  which is why the npm packages are preferred wherever they exist).

CSS files keep their package-relative layout, so ``url(...)`` references to
fonts and images resolve to the copied files. Font fallbacks that no browser
Streamlit supports would ever fetch (a ``.ttf``/``.eot``/``.svg`` listed after a
woff2/woff source of the same ``@font-face``) are not copied, to keep the commit
small; the manifest lists them under ``skipped_refs``.

Usage::

    python scripts/vendor_map_assets.py          # (re)build static/vendor/ + manifest.json
    python scripts/vendor_map_assets.py --check  # verify the files against the manifest, offline

Needs ``npm`` and ``pip`` (both only talk to their registries) for a rebuild;
``--check`` needs neither. The output is deterministic: running it again gives
byte-identical files and manifest.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENDOR_DIR = REPO / "static" / "vendor"
MANIFEST = VENDOR_DIR / "manifest.json"
LOCAL_PREFIX = "app/static/vendor/"

# --------------------------------------------------------------------------------------
# Pinned sources
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Npm:
    name: str
    version: str
    integrity: str  # sha512 integrity as the npm registry publishes it
    license: str  # SPDX expression (checked against package.json by hand)

    @property
    def key(self) -> str:
        return f"npm:{self.name}@{self.version}"

    @property
    def dir(self) -> str:
        # "@fortawesome/fontawesome-free" -> "fontawesome-free@6.2.0"
        return f"{self.name.rsplit('/', 1)[-1]}@{self.version}"


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    sha256: str
    license: str

    @property
    def key(self) -> str:
        return f"pypi:{self.name}=={self.version}"


LEAFLET = Npm(
    "leaflet",
    "1.9.3",
    "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
    "BSD-2-Clause",
)
JQUERY = Npm(
    "jquery",
    "3.7.1",
    "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
    "MIT",
)
BOOTSTRAP = Npm(
    "bootstrap",
    "5.2.2",
    "sha512-dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ==",
    "MIT",
)
FONTAWESOME = Npm(
    "@fortawesome/fontawesome-free",
    "6.2.0",
    "sha512-CNR7qRIfCwWHNN7FnKUniva94edPdyQzil/zCwk3v6k4R6rR2Fr8i4s3PM7n/lyfPA6Zfko9z5WDzFxG9SW1uQ==",
    "CC-BY-4.0 AND OFL-1.1 AND MIT",
)
# cdnjs "Leaflet.awesome-markers/2.0.2" is lvoogdt's 2.0.2 release; on npm it is
# published (byte-identical JS) as drmonty-leaflet-awesome-markers.
AWESOME = Npm(
    "drmonty-leaflet-awesome-markers",
    "2.0.2",
    "sha512-g508pdnnHQr9l4kU6McvJzcSd0w1FvHFlZZCYc4oT+zjwYJi1qtj0fFBFEWMKoNfHK4UcBya1eccyjKfu4chjQ==",
    "MIT",
)
CLUSTER = Npm(
    "leaflet.markercluster",
    "1.1.0",
    "sha512-eI+XkCiLiHwCC3uZ4/n4+Vq3rXcqEHN2lhHRVG1WVziy/3Q0TTipWkzEa1zO0dKZI2AnI5ppFDWrOjnQ7MJLKQ==",
    "MIT",
)
DRAW = Npm(
    "leaflet-draw",
    "1.0.2",
    "sha512-iCcbXE9okhwznoTXjxVjoGFoKeiWGsgmWPKrPAeHUvtWZWK4t6YF6815D13wZoMxX2UM6tOmD7/VofCxx3S0+w==",
    "MIT",
)
FULLSCREEN = Npm(
    "leaflet.fullscreen",
    "3.0.0",
    "sha512-81wWSUXz1ZtdneR0v5eJDWXUSx+Zo5J50WXWeydG/UcILfIEAgz/iOjZSi3p00Z9MJ/FC/P5i3CgdYuEAos0yQ==",
    "MIT",
)
MINIMAP = Npm(
    "leaflet-minimap",
    "3.6.1",
    "sha512-6px8f6cfv1rKB6ACpL6bbUFGxipZOq4KsntJgBj9nOcW1RYa5+xFp8emOZwks9X+VtVVsQEwWwfgT1kTTL/LzA==",
    "BSD-2-Clause",
)
MEASURE = Npm(
    "leaflet-measure",
    "2.1.7",
    "sha512-IvoHIoVTIQSXUgaNnAMF17qXFB+dF5ICdwmY8BHyq/Hh33/xeGqQUUYlz0pRMzFN9NUcjsT6JBhCr1ia0CG5ug==",
    "MIT",
)
D3_V3 = Npm(
    "d3",
    "3.5.5",
    "sha512-JPx0wEFxcYVcCZXgUbsy8NzVzD3zKat1KLtdCeOHPsmrpFlc09nr2/5Ls9ey7mo8SV6cWew0piLrmPVybj9I8w==",
    "BSD-3-Clause",
)
# https://d3js.org/d3.v4.min.js serves the last v4 release, 4.13.0 (its banner says so).
D3_V4 = Npm(
    "d3",
    "4.13.0",
    "sha512-l8c4+0SldjVKLaE2WG++EQlqD7mh/dmQjvi2L2lKPadAVC+TbJC4ci7Uk9bRi+To0+ansgsS0iWfPjD7DBy+FQ==",
    "BSD-3-Clause",
)
# Not a folium asset: txip_geo/render/folium_map.py sends the area layers as TopoJSON, which this decodes in the page.
TOPOJSON_CLIENT = Npm(
    "topojson-client",
    "3.1.0",
    "sha512-605uxS6bcYxGXw9qi62XyrV6Q3xwbndjachmNxu8HWTtVPxZfEJN9fd/SZS1Q54Sn2y0TMyMxFj/cJINqGHrKw==",
    "ISC",
)

FOLIUM_OFFLINE = Wheel(
    "folium-offline", "0.20.0.2", "d065ff51895a314d9852cba4f27b3323a3b79080685c3aede3a6e3f320001473", "MIT"
)


@dataclass(frozen=True)
class Asset:
    url: str
    source: Npm | Wheel
    src: str  # npm: path inside package/ ; wheel: "res:<url>" (embedded text) or a wheel member path
    dest: str  # path under static/vendor/
    license: str = ""  # defaults to the source's licence
    note: str = ""


def npm_asset(url: str, pkg: Npm, path: str, note: str = "") -> Asset:
    return Asset(url, pkg, path, f"{pkg.dir}/{path}", note=note)


FOLIUM_GH = "https://cdn.jsdelivr.net/gh/python-visualization/folium"

ASSETS: list[Asset] = [
    # ---- folium.Map defaults ------------------------------------------------------
    npm_asset("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js", LEAFLET, "dist/leaflet.js"),
    npm_asset("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css", LEAFLET, "dist/leaflet.css"),
    npm_asset("https://code.jquery.com/jquery-3.7.1.min.js", JQUERY, "dist/jquery.min.js"),
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js",
        JQUERY,
        "dist/jquery.min.js",
        note="same file as code.jquery.com/jquery-3.7.1.min.js (TimestampedGeoJson)",
    ),
    npm_asset(
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
        BOOTSTRAP,
        "dist/js/bootstrap.bundle.min.js",
    ),
    npm_asset(
        "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",
        BOOTSTRAP,
        "dist/css/bootstrap.min.css",
    ),
    npm_asset(
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
        FONTAWESOME,
        "css/all.min.css",
    ),
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",
        AWESOME,
        "js/leaflet.awesome-markers.js",
    ),
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",
        AWESOME,
        "css/leaflet.awesome-markers.css",
    ),
    Asset(
        "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        FOLIUM_OFFLINE,
        "res:https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
        "bootstrap-glyphicons@3.0.0/css/bootstrap-glyphicons.css",
        license="Apache-2.0",
        note="BootstrapCDN 3.0.0 file (fonts embedded as data URIs); text as carried by folium-offline",
    ),
    Asset(
        f"{FOLIUM_GH}/folium/templates/leaflet.awesome.rotate.min.css",
        FOLIUM_OFFLINE,
        f"res:{FOLIUM_GH}/folium/templates/leaflet.awesome.rotate.min.css",
        "folium@0.20.0/templates/leaflet.awesome.rotate.min.css",
        note="folium@0.20.0 templates/leaflet.awesome.rotate.css as minified by jsDelivr; text as carried by folium-offline",
    ),
    # ---- MarkerCluster / FastMarkerCluster ------------------------------------------
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js",
        CLUSTER,
        "dist/leaflet.markercluster.js",
    ),
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css",
        CLUSTER,
        "dist/MarkerCluster.css",
    ),
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css",
        CLUSTER,
        "dist/MarkerCluster.Default.css",
    ),
    # ---- Draw -----------------------------------------------------------------------
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js", DRAW, "dist/leaflet.draw.js"
    ),
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css", DRAW, "dist/leaflet.draw.css"
    ),
    # ---- Fullscreen (jsDelivr minifies on the fly; the package ships the plain file) ---
    npm_asset(
        "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js",
        FULLSCREEN,
        "Control.FullScreen.js",
        note="unminified Control.FullScreen.js of the same release (the .min.js is jsDelivr's on-the-fly minification)",
    ),
    npm_asset(
        "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css",
        FULLSCREEN,
        "Control.FullScreen.css",
    ),
    # ---- MiniMap ----------------------------------------------------------------------
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.js",
        MINIMAP,
        "src/Control.MiniMap.js",
    ),
    npm_asset(
        "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.css",
        MINIMAP,
        "src/Control.MiniMap.css",
    ),
    # ---- MeasureControl -------------------------------------------------------------------
    npm_asset(
        "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js",
        MEASURE,
        "dist/leaflet-measure.min.js",
    ),
    npm_asset(
        "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css",
        MEASURE,
        "dist/leaflet-measure.css",
        note="unminified leaflet-measure.css of the same release (the .min.css is jsDelivr's on-the-fly minification)",
    ),
    # ---- HeatMap --------------------------------------------------------------------------
    Asset(
        f"{FOLIUM_GH}@main/folium/templates/leaflet_heat.min.js",
        FOLIUM_OFFLINE,
        "offlinefolium/templates/leaflet_heat.min.js",
        "folium@0.20.0/templates/leaflet_heat.min.js",
        license="BSD-2-Clause",
        note="Leaflet.heat + simpleheat as shipped in folium 0.20.0's templates/",
    ),
    # ---- d3: branca ColorMap legend; streamlit-folium hard-codes both for any ColorMap ------
    npm_asset("https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js", D3_V3, "d3.min.js"),
    npm_asset("https://d3js.org/d3.v4.min.js", D3_V4, "build/d3.min.js"),
    # ---- txip-geo's own (folium_map.Topology) ---------------------------------------
    npm_asset(
        "https://cdn.jsdelivr.net/npm/topojson-client@3.1.0/dist/topojson-client.min.js",
        TOPOJSON_CLIENT,
        "dist/topojson-client.min.js",
    ),
]

# Files referenced from JavaScript rather than CSS (Leaflet builds default-marker icon URLs
# from L.Icon.Default.imagePath).
EXTRA_FILES: list[tuple[Npm, str]] = [
    (LEAFLET, "dist/images/marker-icon.png"),
    (LEAFLET, "dist/images/marker-icon-2x.png"),
    (LEAFLET, "dist/images/marker-shadow.png"),
]

LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "license", "license.txt", "LICENCE")
WHEEL_LICENSE_MEMBER = "folium_offline-0.20.0.2.dist-info/licenses/LICENSE.txt"
WHEEL_LICENSE_DEST = "folium@0.20.0/LICENSE.txt"

MODERN_FONT_FORMATS = {"woff2", "woff"}
LEGACY_FONT_FORMATS = {"truetype", "opentype", "embedded-opentype", "svg"}
_EXT_FORMAT = {
    ".woff2": "woff2",
    ".woff": "woff",
    ".ttf": "truetype",
    ".otf": "opentype",
    ".eot": "embedded-opentype",
    ".svg": "svg",
}

# --------------------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return proc.stdout


class Sources:
    """Downloads (once) and reads the pinned packages."""

    def __init__(self, work: Path):
        self.work = work
        self._npm: dict[str, tarfile.TarFile] = {}
        self._wheel: zipfile.ZipFile | None = None
        self._res: dict[str, str] | None = None
        self.declared_licenses: dict[str, str] = {}

    # npm ------------------------------------------------------------------------------
    def npm(self, pkg: Npm) -> tarfile.TarFile:
        if pkg.key not in self._npm:
            dest = self.work / "npm" / pkg.dir
            dest.mkdir(parents=True, exist_ok=True)
            out = _run(
                ["npm", "pack", f"{pkg.name}@{pkg.version}", "--json", "--pack-destination", str(dest)], cwd=dest
            )
            info = json.loads(out)[0]
            tgz = dest / info["filename"]
            digest = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
            if digest != pkg.integrity:
                raise SystemExit(f"{pkg.key}: integrity mismatch\n  pinned {pkg.integrity}\n  got    {digest}")
            tf = tarfile.open(tgz)  # noqa: SIM115 - kept open in self._npm: each file of the package is read from it later
            self._npm[pkg.key] = tf
            meta = json.loads(self._npm_read(tf, "package.json"))
            declared = meta.get("license") or "; ".join(x.get("type", "") for x in meta.get("licenses", []))
            self.declared_licenses[pkg.key] = declared
        return self._npm[pkg.key]

    @staticmethod
    def _npm_read(tf: tarfile.TarFile, path: str) -> bytes:
        member = tf.getmember(f"package/{path}")
        fh = tf.extractfile(member)
        assert fh is not None
        return fh.read()

    def npm_file(self, pkg: Npm, path: str) -> bytes:
        return self._npm_read(self.npm(pkg), path)

    def npm_has(self, pkg: Npm, path: str) -> bool:
        try:
            self.npm(pkg).getmember(f"package/{path}")
            return True
        except KeyError:
            return False

    # wheel ----------------------------------------------------------------------------
    def wheel(self) -> zipfile.ZipFile:
        if self._wheel is None:
            dest = self.work / "pypi"
            dest.mkdir(parents=True, exist_ok=True)
            w = FOLIUM_OFFLINE
            _run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    f"{w.name}=={w.version}",
                    "-d",
                    str(dest),
                ],
                cwd=dest,
            )
            (whl,) = dest.glob("*.whl")
            digest = hashlib.sha256(whl.read_bytes()).hexdigest()
            if digest != w.sha256:
                raise SystemExit(f"{w.key}: sha256 mismatch\n  pinned {w.sha256}\n  got    {digest}")
            self._wheel = zipfile.ZipFile(whl)
            self.declared_licenses[w.key] = w.license
        return self._wheel

    def wheel_file(self, member: str) -> bytes:
        return self.wheel().read(member)

    def embedded(self, url: str) -> bytes:
        """Text that folium-offline embeds for ``url`` (it keeps a ``_res[url] = '''...'''`` table)."""
        if self._res is None:
            self._res = {}
            for member in ("offlinefolium/elements.py", "offlinefolium/features.py"):
                tree = ast.parse(self.wheel_file(member).decode("utf-8"))
                for node in ast.walk(tree):
                    if (
                        isinstance(node, ast.Assign)
                        and isinstance(node.targets[0], ast.Subscript)
                        and getattr(node.targets[0].value, "id", None) == "_res"
                    ):
                        key = ast.literal_eval(node.targets[0].slice)
                        self._res[key] = ast.literal_eval(node.value)
        text = self._res[url]
        if text.startswith("\n"):  # the generator opens every '''...''' block with a newline
            text = text[1:]
        return text.encode("utf-8")

    def read(self, source: Npm | Wheel, src: str) -> bytes:
        if isinstance(source, Npm):
            return self.npm_file(source, src)
        if src.startswith("res:"):
            return self.embedded(src[4:])
        return self.wheel_file(src)


# --------------------------------------------------------------------------------------
# CSS references
# --------------------------------------------------------------------------------------

_URL_RE = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.S)
_SRC_RE = re.compile(r"src\s*:\s*([^;}]*)", re.S)
_FMT_RE = re.compile(r"""format\(\s*['"]?([\w-]+)['"]?\s*\)""")


def _is_relative(ref: str) -> bool:
    return not re.match(r"^(data:|https?:|//|#|about:|/)", ref, re.I) and ref != ""


def _ref_path(ref: str) -> str:
    return re.split(r"[?#]", ref, maxsplit=1)[0]


def css_refs(css: str) -> tuple[list[str], list[dict]]:
    """Relative ``url()`` references of a stylesheet: (needed, skipped legacy font fallbacks)."""
    skipped: dict[str, dict] = {}
    # Hide url(...) bodies (data URIs contain ';' and ',') before splitting declarations.
    urls: list[str] = []

    def _hide(m: re.Match) -> str:
        urls.append(m.group(2).strip())
        return f"url(\x00{len(urls) - 1}\x00)"

    masked = _URL_RE.sub(_hide, css)
    for decl in _SRC_RE.finditer(masked):
        entries = []
        for part in decl.group(1).split(","):
            m = re.search(r"url\(\x00(\d+)\x00\)", part)
            if not m:
                continue
            ref = urls[int(m.group(1))]
            fm = _FMT_RE.search(part)
            fmt = fm.group(1).lower() if fm else _EXT_FORMAT.get(posixpath.splitext(_ref_path(ref))[1].lower(), "")
            entries.append((ref, fmt))
        if any(fmt in MODERN_FONT_FORMATS for _, fmt in entries):
            for ref, fmt in entries:
                if _is_relative(ref) and fmt in LEGACY_FONT_FORMATS:
                    skipped[ref] = {
                        "ref": ref,
                        "format": fmt,
                        "reason": "legacy font fallback listed after a woff2/woff source; "
                        "never fetched by a browser that Streamlit supports",
                    }
    needed = []
    for m in _URL_RE.finditer(css):
        ref = m.group(2).strip()
        if _is_relative(ref) and ref not in skipped and ref not in needed:
            needed.append(ref)
    return needed, sorted(skipped.values(), key=lambda d: d["ref"])


# --------------------------------------------------------------------------------------
# Which URLs does the installed stack reference? (for the manifest's coverage report)
# --------------------------------------------------------------------------------------


def discover_urls() -> dict[str, list[str]]:
    """URL -> element classes, scanned from installed folium/branca/streamlit-folium."""
    found: dict[str, set[str]] = {}
    try:
        import importlib
        import inspect
        import pkgutil

        import folium

        mods = [folium] + [importlib.import_module(n) for _, n, _ in pkgutil.walk_packages(folium.__path__, "folium.")]
        for mod in mods:
            for obj in vars(mod).values():
                if inspect.isclass(obj):
                    for attr in ("default_js", "default_css"):
                        for _, url in getattr(obj, attr, None) or []:
                            found.setdefault(url, set()).add(f"folium:{obj.__name__}")
    except Exception as exc:  # pragma: no cover - informative only
        print(f"warning: could not scan folium ({exc}); coverage report skipped", file=sys.stderr)
        return {}
    try:
        import branca.colormap

        text = Path(branca.colormap.__file__).read_text(encoding="utf-8")
        for url in re.findall(r"https?://[^\"'\s]+\.js", text):
            found.setdefault(url, set()).add("branca:ColorMap")
    except Exception as exc:  # pragma: no cover
        print(f"warning: could not scan branca ({exc})", file=sys.stderr)
    try:
        import importlib.util

        spec = importlib.util.find_spec("streamlit_folium")
        if spec and spec.origin:
            text = Path(spec.origin).read_text(encoding="utf-8")
            for url in re.findall(r"https?://[^\"'\s]*d3[^\"'\s]*\.js", text):
                found.setdefault(url, set()).add("streamlit_folium:st_folium (hard-coded for branca ColorMap)")
    except Exception as exc:  # pragma: no cover
        print(f"warning: could not scan streamlit_folium ({exc})", file=sys.stderr)
    return {u: sorted(v) for u, v in sorted(found.items())}


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Out:
    files: dict[str, dict] = field(default_factory=dict)  # dest -> info
    blobs: dict[str, bytes] = field(default_factory=dict)

    def add(self, dest: str, data: bytes, source: str, license: str) -> dict:
        if dest in self.blobs and self.blobs[dest] != data:
            raise SystemExit(f"two different files want {dest}")
        self.blobs[dest] = data
        info = {"sha256": sha256(data), "bytes": len(data), "source": source, "license": license}
        self.files[dest] = info
        return info


def build(work: Path) -> dict:
    src = Sources(work)
    out = Out()
    assets: dict[str, dict] = {}
    used = discover_urls()

    for a in ASSETS:
        data = src.read(a.source, a.src)
        lic = a.license or a.source.license
        where = f"{a.source.key} {a.src if isinstance(a.source, Npm) else a.src.replace('res:', 'embedded text of ')}"
        info = out.add(a.dest, data, where, lic)
        entry = {"path": a.dest, "sha256": info["sha256"], "bytes": info["bytes"], "license": lic, "source": where}
        if a.note:
            entry["note"] = a.note
        if a.url in used:
            entry["used_by"] = used[a.url]
        if a.dest.endswith(".css"):
            needed, skipped = css_refs(data.decode("utf-8"))
            deps = []
            for ref in needed:
                rel = posixpath.normpath(posixpath.join(posixpath.dirname(a.src), _ref_path(ref)))
                dest = posixpath.normpath(posixpath.join(posixpath.dirname(a.dest), _ref_path(ref)))
                if not isinstance(a.source, Npm) or not src.npm_has(a.source, rel):
                    raise SystemExit(f"{a.url}: referenced file {ref!r} is not in {a.source.key}")
                out.add(dest, src.npm_file(a.source, rel), f"{a.source.key} {rel}", lic)
                deps.append(dest)
            if deps:
                entry["dependencies"] = sorted(set(deps))
            if skipped:
                entry["skipped_refs"] = skipped
        assets[a.url] = entry

    for pkg, path in EXTRA_FILES:
        out.add(f"{pkg.dir}/{path}", src.npm_file(pkg, path), f"{pkg.key} {path}", pkg.license)

    # licence texts of every package used
    sources_meta: dict[str, dict] = {}
    for pkg in sorted({a.source for a in ASSETS if isinstance(a.source, Npm)}, key=lambda p: p.key):
        src.npm(pkg)
        lic_file = next((n for n in LICENSE_NAMES if src.npm_has(pkg, n)), None)
        meta = {"integrity": pkg.integrity, "license": pkg.license, "declared_license": src.declared_licenses[pkg.key]}
        if lic_file:
            dest = f"{pkg.dir}/{lic_file}"
            out.add(dest, src.npm_file(pkg, lic_file), f"{pkg.key} {lic_file}", pkg.license)
            meta["license_file"] = dest
        else:
            meta["license_file"] = None
            meta["license_note"] = "package ships no licence file; licence taken from package.json and file headers"
        sources_meta[pkg.key] = meta
    w = FOLIUM_OFFLINE
    out.add(WHEEL_LICENSE_DEST, src.wheel_file(WHEEL_LICENSE_MEMBER), f"{w.key} {WHEEL_LICENSE_MEMBER}", w.license)
    sources_meta[w.key] = {"sha256": w.sha256, "license": w.license, "license_file": WHEEL_LICENSE_DEST}

    # write
    if VENDOR_DIR.exists():
        shutil.rmtree(VENDOR_DIR)
    for dest, data in sorted(out.blobs.items()):
        p = VENDOR_DIR / dest
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)

    covered = set(assets)
    manifest = {
        "comment": "Generated by scripts/vendor_map_assets.py -- do not edit. Maps each CDN URL that "
        "folium/branca/streamlit-folium reference to its copy under static/vendor/ "
        "(served by Streamlit at /app/static/vendor/).",
        "local_prefix": LOCAL_PREFIX,
        "sources": sources_meta,
        "assets": dict(sorted(assets.items())),
        "files": dict(sorted(out.files.items())),
        "total_bytes": sum(i["bytes"] for i in out.files.values()),
        "not_covered": {u: v for u, v in used.items() if u not in covered},
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def check() -> int:
    """Verify static/vendor/ against manifest.json without any network."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    bad = []
    for dest, info in manifest["files"].items():
        p = VENDOR_DIR / dest
        if not p.is_file():
            bad.append(f"missing  {dest}")
        elif sha256(p.read_bytes()) != info["sha256"]:
            bad.append(f"modified {dest}")
    for url, entry in manifest["assets"].items():
        if entry["path"] not in manifest["files"]:
            bad.append(f"manifest: {url} -> {entry['path']} not listed in files")
    extra = sorted(
        str(p.relative_to(VENDOR_DIR))
        for p in VENDOR_DIR.rglob("*")
        if p.is_file() and p != MANIFEST and str(p.relative_to(VENDOR_DIR)) not in manifest["files"]
    )
    bad += [f"unlisted {e}" for e in extra]
    for line in bad:
        print(line)
    print(
        f"{len(manifest['assets'])} URLs, {len(manifest['files'])} files, "
        f"{manifest['total_bytes']} bytes: {'OK' if not bad else f'{len(bad)} problem(s)'}"
    )
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="verify static/vendor against manifest.json (offline)")
    ap.add_argument("--keep-downloads", metavar="DIR", help="download into DIR and keep it (default: a temp dir)")
    args = ap.parse_args(argv)
    if args.check:
        return check()
    if args.keep_downloads:
        work = Path(args.keep_downloads).resolve()
        work.mkdir(parents=True, exist_ok=True)
        manifest = build(work)
    else:
        with tempfile.TemporaryDirectory(prefix="vendor-map-assets-") as tmp:
            manifest = build(Path(tmp))
    print(
        f"wrote {len(manifest['files'])} files ({manifest['total_bytes']} bytes) for "
        f"{len(manifest['assets'])} URLs into {VENDOR_DIR.relative_to(REPO)}/"
    )
    if manifest["not_covered"]:
        print(f"{len(manifest['not_covered'])} folium URLs are not vendored (see manifest 'not_covered')")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
