"""Evidence files for the tests, made as the real programs make them (python-docx, openpyxl, python-pptx, Pillow) and
hostile ones made by hand: an executable renamed .pdf, a zip bomb and a macro inside a .docx, legacy .doc/.xls
compound files with and without a VBA project."""

from __future__ import annotations

import io
import math
import struct
import zipfile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def pdf(text: str = "会议纪要") -> bytes:
    """A small, well-formed PDF (one empty page; `text` in its metadata so two PDFs can differ)."""
    body = (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"4 0 obj<</Title(" + text.encode("utf-16-be").hex().encode() + b")>>endobj\n"
    )
    return body + b"trailer<</Root 1 0 R/Info 4 0 R>>\n%%EOF\n"


def docx(text: str = "知识产权联席会议纪要") -> bytes:
    import docx as python_docx

    d = python_docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["任务", "进展"])
    wb.active.append([1, "已完成"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def pptx() -> bytes:
    from pptx import Presentation

    p = Presentation()
    p.slides.add_slide(p.slide_layouts[0]).shapes.title.text = "工作汇报"
    buf = io.BytesIO()
    p.save(buf)
    return buf.getvalue()


def image(fmt: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def exe() -> bytes:
    """The start of a Windows program (MZ header, PE signature)."""
    head = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    head[0x3C:0x40] = struct.pack("<I", 0x80)
    return bytes(head.ljust(0x80, b"\x00")) + b"PE\x00\x00" + b"\x00" * 400


def rezip(data: bytes, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    """An Office file's zip with members added or replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = (replace or {}).get(info.filename, src.read(info))
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def docx_bomb(mib: int = 64) -> bytes:
    """A real .docx carrying a member of `mib` MiB of zeros (a few tens of KB packed): a zip bomb."""
    return rezip(docx(), add={"word/media/image1.bin": b"\x00" * (mib * 1024 * 1024)})


def docx_with_macro() -> bytes:
    """A .docx holding a VBA project (as Word's .docm does), its content type left as a plain document's."""
    return rezip(docx(), add={"word/vbaProject.bin": OLE_MAGIC + b"\x00" * 600})


def docx_macro_enabled() -> bytes:
    """A .docm renamed .docx: its main part's content type is the macro-enabled one (no vbaProject.bin)."""
    data = docx()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        types = z.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return rezip(data, replace={"[Content_Types].xml": types.encode()})


def ole(streams: list[tuple[str, int]]) -> bytes:
    """A minimal OLE2 compound file (512-byte sectors) whose directory holds `streams` ((name, type): 1 storage,
    2 stream) under its root; the streams are empty. Enough for a reader of the directory, as Word's .doc and
    Excel's .xls are read for their stream names."""
    entries = [("Root Entry", 5), *streams]
    n_dir = math.ceil(len(entries) / 4)
    header = bytearray(512)
    header[0:8] = OLE_MAGIC
    struct.pack_into("<HHH", header, 0x18, 0x3E, 3, 0xFFFE)
    struct.pack_into("<HH", header, 0x1E, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector: sector 0
    struct.pack_into("<I", header, 0x30, 1)  # the directory starts at sector 1
    struct.pack_into("<III", header, 0x38, 4096, 0xFFFFFFFE, 0)  # mini stream cutoff, no mini FAT
    struct.pack_into("<II", header, 0x44, 0xFFFFFFFE, 0)  # no DIFAT sectors
    struct.pack_into("<109I", header, 0x4C, 0, *([0xFFFFFFFF] * 108))
    fat = [0xFFFFFFFD] + [i + 2 for i in range(n_dir - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    directory = bytearray()
    for name, kind in entries:
        e = bytearray(128)
        raw = (name + "\x00").encode("utf-16-le")
        e[0 : len(raw)] = raw
        struct.pack_into("<HBB", e, 0x40, len(raw), kind, 1)
        struct.pack_into("<III", e, 0x44, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        struct.pack_into("<I", e, 0x74, 0xFFFFFFFE)
        directory += e
    directory = directory.ljust(n_dir * 512, b"\x00")
    return bytes(header) + struct.pack("<128I", *fat) + bytes(directory)


def doc(macro: bool = False) -> bytes:
    """A Word 97-2003 file's directory (WordDocument, 1Table), with a Macros storage when `macro`."""
    return ole(
        [("WordDocument", 2), ("1Table", 2), ("\x05SummaryInformation", 2)]
        + ([("Macros", 1), ("VBA", 1)] if macro else [])
    )


def xls(macro: bool = False) -> bytes:
    """An Excel 97-2003 file's directory (Workbook), with a _VBA_PROJECT_CUR storage when `macro`."""
    return ole([("Workbook", 2)] + ([("_VBA_PROJECT_CUR", 1), ("VBA", 1)] if macro else []))
