"""Render a Word report page by page, to look at it as a reviewer would: .docx → PDF (LibreOffice, headless) → one
PNG per page (pdftoppm), and say which fonts the PDF embeds.

    python scripts/render_report.py 自评报告.docx --out /tmp/report_pages --dpi 60

Needs LibreOffice (Debian: libreoffice-writer-nogui, or libreoffice-writer) and poppler-utils. Each run uses its own
LibreOffice profile (-env:UserInstallation), so parallel runs do not clash, and adds the app's bundled CJK font
(static/fonts) to fontconfig for the conversion, so Chinese text has glyphs on a machine without a CJK font.
Exit status 1 when a font of the PDF is not embedded.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = ROOT / "static" / "fonts"
TIMEOUT = 240


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _fontconfig(work: Path) -> dict[str, str]:
    """An environment whose fontconfig also reads the bundled font folder (the system's configuration kept)."""
    conf = work / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{FONT_DIR}</dir>\n  <cachedir>{work / 'fc-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def to_pdf(docx: Path, out_dir: Path) -> Path:
    """Convert with LibreOffice in a profile of its own; returns the PDF's path."""
    exe = soffice()
    if not exe:
        raise RuntimeError("soffice not found: apt-get install libreoffice-writer-nogui")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"lo-{os.getpid()}-") as work:
        work = Path(work)
        cmd = [
            exe,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx),
        ]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=_fontconfig(work))
    pdf = out_dir / (docx.stem + ".pdf")
    if run.returncode != 0 or not pdf.exists():
        raise RuntimeError(f"LibreOffice failed ({run.returncode}): {run.stdout}{run.stderr}")
    return pdf


def to_png(pdf: Path, out_dir: Path, dpi: int = 60) -> list[Path]:
    prefix = out_dir / "page"
    for old in out_dir.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True, timeout=TIMEOUT)
    return sorted(out_dir.glob("page-*.png"))


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_fonts(pdf: Path) -> list[dict]:
    """pdffonts as rows: name, type, embedded (bool)."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for line in out[2:]:
        parts = line.split()
        if len(parts) < 7:
            continue
        # name type [type …] encoding emb sub uni object ID: emb is the 5th field from the end.
        rows.append({"name": parts[0], "type": " ".join(parts[1:-6]), "embedded": parts[-5] == "yes"})
    return rows


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("docx", type=Path)
    ap.add_argument("--out", type=Path, default=None, help="folder for the PDF and the PNGs (default: beside the file)")
    ap.add_argument("--dpi", type=int, default=60)
    ap.add_argument("--no-png", action="store_true")
    args = ap.parse_args(argv)
    out = args.out or args.docx.with_suffix("")
    pdf = to_pdf(args.docx.resolve(), out)
    print(f"{pdf}: {page_count(pdf)} pages")
    fonts = pdf_fonts(pdf)
    for f in fonts:
        print(f"  font {f['name']} ({f['type']}){'' if f['embedded'] else '  NOT EMBEDDED'}")
    if not args.no_png:
        pngs = to_png(pdf, out, args.dpi)
        print(f"  {len(pngs)} PNG pages in {out}")
    return 0 if all(f["embedded"] for f in fonts) else 1


if __name__ == "__main__":
    sys.exit(main())
