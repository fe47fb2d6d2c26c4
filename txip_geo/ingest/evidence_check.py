"""Checks for an evidence file (佐证材料) before it is stored: its name, its size and what it really is.

An evidence file is kept as it came and handed back to whoever downloads it, so it is checked more strictly than a data
file that is only parsed:

* **name**: one plain file name -- no path separators, no control or bidirectional-override characters, not hidden (no
  leading dot), no ``<``/``>`` (HTML or ``<script``), none of Windows' forbidden characters or reserved names, at most
  NAME_MAX characters, and no double extension (``报告.pdf.exe``, ``说明.exe.pdf``);
* **type**: the extension must be one of ALLOWED and the bytes must be that type (magic bytes: ``%PDF-``, PNG's and
  JPEG's signatures, a zip holding an Office Open XML package of the right kind, an OLE2 compound file holding a Word
  or Excel stream) -- an ``.exe`` renamed ``.pdf`` is refused;
* **Office Open XML** files are zips: the member count, the total unpacked size and each member's compression ratio
  are checked from the zip's directory (a "zip bomb" is refused without being unpacked), encrypted members are refused,
  and so are macros (``vbaProject.bin``, a macro-enabled content type; ``.docm``/``.xlsm``/``.pptm`` are not
  accepted at all). Legacy ``.doc``/``.xls`` are refused when their directory holds a VBA project (``Macros``,
  ``_VBA_PROJECT_CUR``, ``VBA``) or when they are encrypted Office files;
* **size**: at most ``TXIP_MAX_EVIDENCE_MB`` (default 20 MB); an empty file is refused.

A refusal raises :class:`UploadRejected` with a Chinese message naming the file; :func:`check_evidence` reads only the
bytes it is given and writes nothing. The limits are settings (environment variables, read at every call):

| setting | default | environment variable |
|---|---|---|
| largest evidence file | 20 MiB | ``TXIP_MAX_EVIDENCE_MB`` |
| most members in an Office file | 1,000 | ``TXIP_MAX_EVIDENCE_MEMBERS`` |
| largest unpacked size of an Office file | 200 MiB | ``TXIP_MAX_EVIDENCE_UNPACKED_MB`` |
| largest compression ratio of one member (over 1 MiB unpacked) | 100 | ``TXIP_MAX_EVIDENCE_RATIO`` |
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from txip_geo.errors import UploadRejected
from txip_geo.strings import t

__all__ = ["ALLOWED", "CheckedFile", "EvidenceLimits", "check_evidence", "check_name", "current_limits", "shown_name"]

MIB = 1024 * 1024
NAME_MAX = 120  # characters of a file name

# extension -> (type, MIME type); .jpg and .jpeg are one type.
ALLOWED: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "application/pdf"),
    ".png": ("png", "image/png"),
    ".jpg": ("jpeg", "image/jpeg"),
    ".jpeg": ("jpeg", "image/jpeg"),
    ".docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".doc": ("doc", "application/msword"),
    ".xls": ("xls", "application/vnd.ms-excel"),
}
#: The extensions the uploader offers (without the dot).
UPLOAD_TYPES = [s[1:] for s in ALLOWED]
_MACRO_SUFFIXES = {".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppsm", ".ppam"}
# An inner extension that makes a double extension suspect: a document type, or a program, script or web page.
# fmt: off
_PROGRAM_SUFFIXES = {
    ".exe", ".com", ".bat", ".cmd", ".scr", ".pif", ".msi", ".msp", ".dll", ".cpl", ".sys", ".lnk", ".js", ".jse",
    ".vbs", ".vbe", ".wsf", ".wsh", ".ps1", ".psm1", ".sh", ".bash", ".hta", ".htm", ".html", ".xhtml", ".svg", ".php",
    ".asp", ".aspx", ".jsp", ".py", ".pl", ".rb", ".jar", ".apk", ".app", ".reg", ".inf", ".url", ".iso", ".img",
    ".zip", ".rar", ".7z", ".gz", ".tar", ".txt", ".rtf", ".odt", ".ods", ".odp", ".wps", ".et", ".dps", ".ppt",
    ".dotx", ".xltx", ".potx", ".ppsx",
}
# fmt: on
_SUSPECT_INNER = set(ALLOWED) | _MACRO_SUFFIXES | _PROGRAM_SUFFIXES
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_WINDOWS_FORBIDDEN = re.compile(r'[:*?"|]')
_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}

# The main part's content type of each Office Open XML kind ([Content_Types].xml), lower case.
_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_CONTENT_TYPES = "[content_types].xml"
_CONTENT_TYPES_MAX = MIB  # bytes of [Content_Types].xml read (a real one is a few KB)
# Members of an Office Open XML package that carry macros.
_OOXML_MACRO_PARTS = ("vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin")
RATIO_FLOOR_BYTES = MIB  # a member smaller than this unpacked is never refused for its ratio

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_END = 0xFFFFFFFA  # sector numbers from here on are markers (end of chain, free, FAT, DIFAT)
_OLE_MACRO_ENTRIES = {"macros", "_vba_project_cur", "vba", "_vba_project"}
_OLE_STREAMS = {"doc": {"worddocument"}, "xls": {"workbook", "book"}}

_ENV = {
    "max_bytes": ("TXIP_MAX_EVIDENCE_MB", MIB),
    "max_members": ("TXIP_MAX_EVIDENCE_MEMBERS", 1),
    "max_unpacked_bytes": ("TXIP_MAX_EVIDENCE_UNPACKED_MB", MIB),
    "max_ratio": ("TXIP_MAX_EVIDENCE_RATIO", 1),
}


@dataclass(frozen=True)
class EvidenceLimits:
    max_bytes: int = 20 * MIB
    max_members: int = 1_000
    max_unpacked_bytes: int = 200 * MIB
    max_ratio: int = 100


def current_limits() -> EvidenceLimits:
    """The limits in force: the defaults, overridden by the environment variables set to a positive number."""
    values = {}
    for name, (var, scale) in _ENV.items():
        try:
            v = float(os.environ.get(var, "").strip() or "nan")
        except ValueError:
            continue
        if v > 0:
            values[name] = int(v * scale)
    return EvidenceLimits(**values)


@dataclass(frozen=True)
class CheckedFile:
    """An evidence file that passed every check: its cleaned name, type, MIME type, size and SHA-256."""

    file_name: str
    file_type: str
    mime: str
    size: int
    sha256: str


def _size_text(n: int) -> str:
    if n < MIB:
        return f"{max(n / 1024, 0.1):.1f} KB"
    v = n / MIB
    return f"{v:.0f} MB" if v >= 10 or float(v).is_integer() else f"{v:.1f} MB"


def allowed_text() -> str:
    return t("evidence.allowed_types")


def _refuse(key: str, **kw) -> UploadRejected:
    return UploadRejected(t(f"evidence.{key}", **kw))


# -- the name ------------------------------------------------------------------------------------------------------


def shown_name(name: str) -> str:
    """A name as it may be shown in a message: control and direction characters replaced by '?'."""
    return _CONTROL.sub("?", name)[: NAME_MAX + 20]


def check_name(file_name: str) -> str:
    """The file name as it will be stored (NFC, outer spaces removed), or UploadRejected saying what is wrong."""
    name = unicodedata.normalize("NFC", str(file_name or "")).strip()
    if not name:
        raise _refuse("name_empty")
    shown = shown_name(name)
    if _CONTROL.search(name):
        raise _refuse("name_control", name=shown)
    if "<" in name or ">" in name:
        raise _refuse("name_html", name=shown)
    if "/" in name or "\\" in name:
        raise _refuse("name_path", name=shown)
    if name.startswith("."):
        raise _refuse("name_dot", name=shown)
    if _WINDOWS_FORBIDDEN.search(name):
        raise _refuse("name_chars", name=shown)
    if name.endswith("."):
        raise _refuse("name_trailing_dot", name=shown)
    if len(name) > NAME_MAX:
        raise _refuse("name_too_long", name=shown[:40] + "…", n=len(name), limit=NAME_MAX)
    path = PurePosixPath(name)
    if path.stem.split(".")[0].strip().lower() in _RESERVED:
        raise _refuse("name_reserved", name=shown)
    suffix = path.suffix.lower()
    inner = PurePosixPath(path.stem).suffix.lower()
    if inner in _SUSPECT_INNER:
        raise _refuse("name_double_extension", name=shown, inner=inner, ext=suffix)
    if not suffix:
        raise _refuse("no_extension", name=shown, types=allowed_text())
    if suffix in _MACRO_SUFFIXES:
        raise _refuse("macro_extension", name=shown, ext=suffix)
    if suffix not in ALLOWED:
        raise _refuse("type_not_allowed", name=shown, ext=suffix, types=allowed_text())
    return name


# -- the content ---------------------------------------------------------------------------------------------------


def _what_it_is(data: bytes) -> str:
    """What the first bytes say the file is, as a key of evidence.found_* (for the message of a mismatch)."""
    head = data[:1024]
    prefixes = (
        (b"MZ", "exe"),
        (b"\x7fELF", "elf"),
        (b"\xcf\xfa\xed\xfe", "macho"),
        (b"\xfe\xed\xfa", "macho"),
        (b"#!", "script"),
        (b"%PDF-", "pdf"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\xff\xd8\xff", "jpeg"),
        (b"GIF8", "gif"),
        (b"PK\x03\x04", "zip"),
        (b"PK\x05\x06", "zip"),
        (_OLE_MAGIC, "ole"),
        (b"Rar!", "archive"),
        (b"7z\xbc\xaf", "archive"),
        (b"\x1f\x8b", "archive"),
        (b"{\\rtf", "rtf"),
    )
    for prefix, kind in prefixes:
        if head.startswith(prefix):
            return kind
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml")) or b"<script" in text:
        return "html"
    if b"%PDF-" in head:
        return "pdf"
    return "unknown"


def _mismatch(name: str, expected: str, data: bytes) -> UploadRejected:
    return _refuse(
        "wrong_content",
        name=name,
        expected=t(f"evidence.type_{expected}"),
        found=t(f"evidence.found_{_what_it_is(data)}"),
    )


def _check_ooxml(data: bytes, name: str, kind: str, lim: EvidenceLimits) -> None:
    """A zip holding an Office Open XML package of `kind`, within the limits, without macros."""
    expected = t(f"evidence.type_{kind}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as e:
        raise _refuse("broken", name=name, expected=expected, error=type(e).__name__) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > lim.max_members:
            raise _refuse("zip_members", name=name, n=len(infos), limit=lim.max_members)
        total = sum(i.file_size for i in infos)
        if total > lim.max_unpacked_bytes:
            raise _refuse("zip_unpacked", name=name, size=_size_text(total), limit=_size_text(lim.max_unpacked_bytes))
        for i in infos:
            if i.file_size > RATIO_FLOOR_BYTES and i.file_size > lim.max_ratio * max(i.compress_size, 1):
                raise _refuse(
                    "zip_ratio",
                    name=name,
                    member=PurePosixPath(i.filename).name,
                    packed=_size_text(i.compress_size),
                    size=_size_text(i.file_size),
                )
            if i.flag_bits & 0x1:
                raise _refuse("encrypted", name=name)
        members = {i.filename.replace("\\", "/").lower(): i for i in infos}
        macro = next((m for m in members if PurePosixPath(m).name in _OOXML_MACRO_PARTS), None)
        if macro:
            raise _refuse("macro", name=name, what=PurePosixPath(macro).name)
        if _CONTENT_TYPES not in members:
            raise _refuse("not_office", name=name, expected=expected)
        try:
            with zf.open(members[_CONTENT_TYPES]) as f:
                types = f.read(_CONTENT_TYPES_MAX + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as e:
            raise _refuse("broken", name=name, expected=expected, error=type(e).__name__) from None
    if len(types) > _CONTENT_TYPES_MAX:
        raise _refuse("not_office", name=name, expected=expected)
    text = types.decode("utf-8", "replace").lower()
    if "macroenabled" in text or "vbaproject" in text:
        raise _refuse("macro", name=name, what="macroEnabled")
    if _OOXML_MAIN[kind] not in text:
        other = next((k for k, main in _OOXML_MAIN.items() if main in text), None)
        found = t(f"evidence.type_{other}") if other else t("evidence.found_other_zip")
        raise _refuse("wrong_content", name=name, expected=expected, found=found)


def _u32s(data: bytes, offset: int, count: int) -> tuple[int, ...]:
    if offset < 0 or offset + 4 * count > len(data):
        raise ValueError("sector outside the file")
    return struct.unpack_from(f"<{count}I", data, offset)


def ole_entry_names(data: bytes) -> set[str]:
    """The names of the storages and streams in an OLE2 compound file's directory (lower case). Raises ValueError for
    a file whose header or sector chains do not hold together."""
    if len(data) < 512 or not data.startswith(_OLE_MAGIC):
        raise ValueError("no compound-file header")
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("sector size")
    size = 1 << shift
    per = size // 4
    n_fat, first_dir = struct.unpack_from("<2I", data, 0x2C)
    first_difat, n_difat = struct.unpack_from("<2I", data, 0x44)
    difat = list(_u32s(data, 0x4C, 109))
    sector, hops = first_difat, 0
    while sector < _OLE_END and hops < n_difat:
        values = _u32s(data, (sector + 1) * size, per)
        difat.extend(values[:-1])
        sector, hops = values[-1], hops + 1
    fat: list[int] = []
    for s in [s for s in difat[:n_fat] if s < _OLE_END]:
        fat.extend(_u32s(data, (s + 1) * size, per))
    names: set[str] = set()
    sector, hops = first_dir, 0
    while sector < _OLE_END:
        hops += 1
        if hops > len(fat) or sector >= len(fat):
            raise ValueError("directory chain")
        offset = (sector + 1) * size
        if offset + size > len(data):
            raise ValueError("directory outside the file")
        for e in range(offset, offset + size, 128):
            n_len, kind = struct.unpack_from("<HB", data, e + 0x40)
            if kind in (1, 2, 5) and 2 <= n_len <= 64:
                names.add(data[e : e + n_len - 2].decode("utf-16-le", "replace").lower())
        sector = fat[sector]
    return names


def _check_ole(data: bytes, name: str, kind: str) -> None:
    """A compound file holding a Word (.doc) or Excel (.xls) stream, without a VBA project, not encrypted."""
    try:
        names = ole_entry_names(data)
    except (ValueError, struct.error):
        raise _refuse("not_office", name=name, expected=t(f"evidence.type_{kind}")) from None
    if "encryptedpackage" in names or "encryptioninfo" in names:
        raise _refuse("encrypted", name=name)
    macro = sorted(names & _OLE_MACRO_ENTRIES)
    if macro:
        raise _refuse("macro", name=name, what=macro[0])
    if not names & _OLE_STREAMS[kind]:
        other = next((k for k, streams in _OLE_STREAMS.items() if names & streams), None)
        found = t(f"evidence.type_{other}") if other else t("evidence.found_other_ole")
        raise _refuse("wrong_content", name=name, expected=t(f"evidence.type_{kind}"), found=found)


def _check_content(data: bytes, name: str, kind: str, lim: EvidenceLimits) -> None:
    if kind == "pdf":
        if _what_it_is(data) != "pdf":
            raise _mismatch(name, kind, data)
    elif kind in ("png", "jpeg"):
        if _what_it_is(data) != kind:
            raise _mismatch(name, kind, data)
    elif kind in _OOXML_MAIN:
        if _what_it_is(data) != "zip":
            if _what_it_is(data) == "ole":  # an Office file with an open password is a compound file
                names = _safe_ole_names(data)
                if "encryptedpackage" in names:
                    raise _refuse("encrypted", name=name)
            raise _mismatch(name, kind, data)
        _check_ooxml(data, name, kind, lim)
    else:  # doc, xls
        if _what_it_is(data) != "ole":
            raise _mismatch(name, kind, data)
        _check_ole(data, name, kind)


def _safe_ole_names(data: bytes) -> set[str]:
    try:
        return ole_entry_names(data)
    except (ValueError, struct.error):
        return set()


def check_evidence(data: bytes, file_name: str, limits: EvidenceLimits | None = None) -> CheckedFile:
    """Check an evidence file (its bytes and its name as uploaded). Returns what is to be stored, or raises
    UploadRejected with a Chinese message; nothing is written either way."""
    lim = limits or current_limits()
    name = check_name(file_name)
    shown = shown_name(name)
    size = len(data)
    if size == 0:
        raise _refuse("empty_file", name=shown)
    if size > lim.max_bytes:
        raise _refuse("too_large", name=shown, size=_size_text(size), limit=_size_text(lim.max_bytes))
    kind, mime = ALLOWED[PurePosixPath(name).suffix.lower()]
    _check_content(bytes(data), shown, kind, lim)
    return CheckedFile(name, kind, mime, size, hashlib.sha256(data).hexdigest())
