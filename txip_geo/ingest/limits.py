"""Upload limits: how large a file, how many rows, how many archive members may come in, and safe unzipping.

Every file that reaches an importer passes :func:`check_upload` first (size; for Excel workbooks, which are zip
archives, the member count, the uncompressed size and the rows each sheet declares; for text files, the line count).
Zipped boundary files are unpacked only with :func:`safe_extract`, which never writes outside its target folder (no
absolute paths, no ``..``, no links) and stops at the same member and size limits (a "zip bomb" is refused before
anything is written). A refusal raises :class:`UploadRejected` (a ``ValueError``) with a Chinese message; the importers
turn it into their own clean rejection, so nothing stored changes.

The limits are settings: defaults below, each overridable by an environment variable (read at every call, so a
test or an operator can change them without a restart of anything but the process that reads them).

| setting | default | environment variable |
|---|---|---|
| largest upload | 100 MiB | ``TXIP_MAX_UPLOAD_MB`` |
| most data rows in a file (all sheets) | 2,000,000 | ``TXIP_MAX_ROWS`` |
| most members in a zip (or workbook) | 2,000 | ``TXIP_MAX_ARCHIVE_MEMBERS`` |
| largest uncompressed size of a zip | 2,048 MiB | ``TXIP_MAX_ARCHIVE_MB`` |
| largest compression ratio of one member | 200 | ``TXIP_MAX_COMPRESSION_RATIO`` |

The web server's own cap, ``server.maxUploadSize`` in ``.streamlit/config.toml`` (MiB), is kept equal to the upload
default (a test checks it), so a browser upload over the limit is stopped before it is even received.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from txip_geo.errors import UploadRejected
from txip_geo.strings import t

__all__ = [
    "Limits",
    "current",
    "check_upload",
    "check_rows",
    "check_file",
    "check_archive",
    "safe_extract",
    "member_parts",
]

MIB = 1024 * 1024

DEFAULT_MAX_UPLOAD_MB = 100
DEFAULT_MAX_ROWS = 2_000_000
DEFAULT_MAX_ARCHIVE_MEMBERS = 2_000
DEFAULT_MAX_ARCHIVE_MB = 2_048
DEFAULT_MAX_COMPRESSION_RATIO = 200
# A member smaller than this is never refused for its compression ratio (tiny, very regular files compress a lot).
RATIO_FLOOR_BYTES = 16 * MIB
# Header rows and blank lines a text file may carry on top of its data rows before the line count says "too many".
_LINE_SLACK = 100

_ENV = {
    "max_upload_bytes": ("TXIP_MAX_UPLOAD_MB", MIB),
    "max_rows": ("TXIP_MAX_ROWS", 1),
    "max_archive_members": ("TXIP_MAX_ARCHIVE_MEMBERS", 1),
    "max_archive_bytes": ("TXIP_MAX_ARCHIVE_MB", MIB),
    "max_compression_ratio": ("TXIP_MAX_COMPRESSION_RATIO", 1),
}


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * MIB
    max_rows: int = DEFAULT_MAX_ROWS
    max_archive_members: int = DEFAULT_MAX_ARCHIVE_MEMBERS
    max_archive_bytes: int = DEFAULT_MAX_ARCHIVE_MB * MIB
    max_compression_ratio: int = DEFAULT_MAX_COMPRESSION_RATIO


def current() -> Limits:
    """The limits in force: the defaults, overridden by the environment variables that are set to a positive number."""
    values = {}
    for name, (var, scale) in _ENV.items():
        raw = os.environ.get(var, "").strip()
        if not raw:
            continue
        try:
            v = float(raw)
        except ValueError:
            continue
        if v > 0:
            values[name] = int(v * scale)
    return Limits(**values)


def _mb(n: int) -> str:
    if n < MIB:
        return f"{max(n / 1024, 0.1):.1f} KB" if n < 10 * 1024 else f"{n / 1024:.0f} KB"
    v = n / MIB
    return f"{v:.0f} MB" if v >= 10 or float(v).is_integer() else f"{v:.1f} MB"


# -- uploads -------------------------------------------------------------------------------------------------------


def check_upload(data: bytes | Path, file_name: str, limits: Limits | None = None) -> None:
    """Refuse, before parsing, a file that is too large, has too many rows, or is a workbook that would unpack too
    large. `data`: the file's bytes, or its path (read in blocks, never whole). Raises :class:`UploadRejected`;
    returns None when the file may be read."""
    lim = limits or current()
    name = Path(str(file_name)).name
    in_memory = isinstance(data, (bytes, bytearray))
    size = len(data) if in_memory else Path(data).stat().st_size
    if size > lim.max_upload_bytes:
        raise UploadRejected(t("ingest_limits.too_large", name=name, size=_mb(size), limit=_mb(lim.max_upload_bytes)))
    suffix = Path(name).suffix.lower()
    if in_memory:
        head = data[:4]
    else:
        with open(data, "rb") as f:
            head = f.read(4)
    if head == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        try:
            zf = zipfile.ZipFile(io.BytesIO(data) if in_memory else data)
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
            return  # not a readable zip: the reader refuses it with its own message
        with zf:
            check_archive(zf, name, lim)
            check_rows(_declared_sheet_rows(zf), name, lim)
    elif suffix not in (".xls",):
        # A text file: a row is at least one line (quoted line breaks only make the count larger than the rows).
        lines = _line_count(data)
        if lines > lim.max_rows + _LINE_SLACK:
            raise UploadRejected(t("ingest_limits.too_many_lines", name=name, lines=lines, limit=lim.max_rows))


def _line_count(data: bytes | Path) -> int:
    """Line breaks in a text file (LF, or CR for old Mac files): in the bytes, or in the file read in blocks."""
    if isinstance(data, (bytes, bytearray)):
        return max(data.count(b"\n"), data.count(b"\r"))
    lf = cr = 0
    with open(data, "rb") as f:
        while block := f.read(8 * MIB):
            lf, cr = lf + block.count(b"\n"), cr + block.count(b"\r")
    return max(lf, cr)


def check_rows(rows: int, file_name: str, limits: Limits | None = None) -> None:
    """Refuse a file whose sheets hold more rows in all than the limit."""
    lim = limits or current()
    if rows > lim.max_rows + _LINE_SLACK:
        raise UploadRejected(
            t("ingest_limits.too_many_rows", name=Path(str(file_name)).name, rows=rows, limit=lim.max_rows)
        )


def check_file(path: str | Path, limits: Limits | None = None) -> None:
    """Refuse a file on disk that is larger than the upload limit (without reading it)."""
    lim = limits or current()
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        return  # a missing file is reported by the reader
    if size > lim.max_upload_bytes:
        raise UploadRejected(
            t("ingest_limits.file_too_large", name=p.name, size=_mb(size), limit=_mb(lim.max_upload_bytes))
        )


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")


def _declared_sheet_rows(zf: zipfile.ZipFile) -> int:
    """Rows the worksheets of an .xlsx declare in their <dimension> element (read from the first bytes only)."""
    total = 0
    for info in zf.infolist():
        n = info.filename
        if not (n.startswith("xl/worksheets/") and n.endswith(".xml")):
            continue
        try:
            with zf.open(info) as f:
                head = f.read(4096)
        except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, ValueError, EOFError, NotImplementedError):
            continue  # a damaged workbook: the reader refuses it with its own message
        m = _DIMENSION.search(head)
        if m:
            total += int(m.group(1))
    return total


# -- archives ------------------------------------------------------------------------------------------------------


def check_archive(zf: zipfile.ZipFile, file_name: str, limits: Limits | None = None) -> None:
    """Member count, total uncompressed size and per-member compression ratio, from the zip's directory."""
    lim = limits or current()
    name = Path(str(file_name)).name
    infos = zf.infolist()
    if len(infos) > lim.max_archive_members:
        raise UploadRejected(
            t("ingest_limits.too_many_members", name=name, members=len(infos), limit=lim.max_archive_members)
        )
    total = sum(i.file_size for i in infos)
    if total > lim.max_archive_bytes:
        raise UploadRejected(
            t("ingest_limits.unpacks_too_large", name=name, size=_mb(total), limit=_mb(lim.max_archive_bytes))
        )
    for i in infos:
        if i.file_size > RATIO_FLOOR_BYTES and i.file_size > lim.max_compression_ratio * max(i.compress_size, 1):
            raise UploadRejected(
                t(
                    "ingest_limits.zip_bomb",
                    name=name,
                    member=PurePosixPath(i.filename).name,
                    packed=i.compress_size,
                    size=_mb(i.file_size),
                )
            )


def member_parts(member_name: str) -> list[str]:
    """The path parts of a member name, or raise UploadRejected when it would leave the target folder: an
    absolute path, a drive letter, a ``..`` part (with either slash)."""
    text = member_name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or "\x00" in text:
        raise UploadRejected(t("ingest_limits.outside_target", member=member_name))
    parts = [p for p in PurePosixPath(text).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UploadRejected(t("ingest_limits.outside_target", member=member_name))
    return parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    """A Unix symbolic link (extracting it as a file would be harmless, but such an archive is not a delivery)."""
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def safe_extract(
    zip_path: str | Path,
    dest: str | Path,
    *,
    limits: Limits | None = None,
    name_of: Callable[[zipfile.ZipInfo], str] | None = None,
    keep: Callable[[list[str]], bool] | None = None,
) -> list[Path]:
    """Extract a zip into ``dest`` and return the files written.

    Refuses (``UploadRejected``, nothing written) a zip that is not one, has too many members, unpacks too large, has
    a member with an absurd compression ratio, a member path leaving ``dest`` (absolute, drive letter, ``..``) or a
    symbolic link. ``name_of`` decodes a member's name (e.g. GBK names written by Windows tools); ``keep`` gets a
    member's path parts and says whether to extract it (the others are skipped). Sizes are counted while writing too,
    so a member that inflates past its declared size is stopped.
    """
    lim = limits or current()
    zp, root = Path(zip_path), Path(dest).resolve()
    root.mkdir(parents=True, exist_ok=True)
    try:
        zf = zipfile.ZipFile(zp)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise UploadRejected(t("ingest_limits.cannot_open", name=zp.name, error=type(e).__name__)) from None
    written: list[Path] = []
    with zf:
        check_archive(zf, zp.name, lim)
        plan = []
        for info in zf.infolist():
            raw = name_of(info) if name_of else info.filename
            parts = member_parts(raw)
            if info.is_dir() or not parts:
                continue
            if _is_link(info):
                raise UploadRejected(t("ingest_limits.link", name=zp.name, member=raw))
            if keep is not None and not keep(parts):
                continue
            target = root.joinpath(*parts).resolve()
            if not target.is_relative_to(root):  # belt and braces (e.g. a symlinked folder inside dest)
                raise UploadRejected(t("ingest_limits.outside_target", member=raw))
            plan.append((info, target))
        budget = lim.max_archive_bytes
        try:
            for info, target in plan:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    written.append(target)
                    while chunk := src.read(MIB):
                        budget -= len(chunk)
                        if budget < 0:
                            raise UploadRejected(
                                t("ingest_limits.inflates_too_large", name=zp.name, limit=_mb(lim.max_archive_bytes))
                            )
                        out.write(chunk)
        except UploadRejected:
            _remove(written)
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as e:
            _remove(written)
            raise UploadRejected(t("ingest_limits.cannot_unpack", name=zp.name, error=type(e).__name__)) from None
    return written


def _remove(paths: list[Path]) -> None:
    for p in paths:
        with contextlib.suppress(OSError):
            p.unlink()
