"""Reading a file: its bytes or its path (Source), the text's encoding, and its rows as frames of raw cells -- a text
file parsed a chunk at a time (pyarrow, else pandas' C parser, else Python's), an Excel workbook read whole, sheet by
sheet. No header is applied here (txip_geo.ingest.header finds it)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from txip_geo.ingest.lifetime import die_with_parent
from txip_geo.strings import t

MAX_HEADER_SCAN = 15  # rows at the top of a sheet where the header is looked for: read before anything else
READ_BLOCK = 8 * 1024 * 1024  # bytes read from the file at a time (decoding, checksum)


@dataclass(frozen=True)
class Source:
    """The file being imported: its bytes (an upload) or its path on disk. A text file is read in blocks, so a file
    on disk is never held in memory whole; an Excel workbook is read whole."""

    name: str
    data: bytes | None = None
    path: Path | None = None

    @property
    def content(self) -> bytes | Path:
        """What the store and the upload checks take: the bytes, or the path."""
        return self.data if self.data is not None else Path(self.path)

    @property
    def is_excel(self) -> bool:
        return Path(self.name).suffix.lower() in (".xlsx", ".xlsm", ".xls")

    def open(self) -> io.BufferedIOBase:
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")  # noqa: SIM115

    def read(self) -> bytes:
        return self.data if self.data is not None else Path(self.path).read_bytes()

    def blocks(self):
        with self.open() as f:
            while block := f.read(READ_BLOCK):
                yield block

    def sha256(self) -> str:
        h = hashlib.sha256()
        for block in self.blocks():
            h.update(block)
        return h.hexdigest()


#: Byte-order marks of UTF-16 (Excel's "Unicode text" is UTF-16 LE with its mark, tab-separated).
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _utf16(head: bytes) -> str:
    """'utf-16' for a file starting with a UTF-16 byte-order mark; 'utf-16-le'/'-be' for one without whose first
    bytes are mostly ASCII with a NUL beside every character (digits, dates and commas are most of a CSV); else ''.
    """
    if head[:2] in UTF16_BOMS and head[:4] != b"\xff\xfe\x00\x00":  # (not UTF-32)
        return "utf-16"
    n = len(head) // 2 * 2
    if n < 16:
        return ""
    even, odd = head[0:n:2], head[1:n:2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return ""


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (with or without BOM), UTF-16 (see _utf16), else GB18030 (a superset of
    GBK), else a guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    wide = _utf16(data[:4096])
    if wide:
        try:
            return data.decode(wide).lstrip("\ufeff"), wide
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ValueError(t("ingest_read.undecodable"))
    return str(best), best.encoding


def _decodes(source: Source, encoding: str, skip: int) -> tuple[bool, bool]:
    """(whether the file, less its first `skip` bytes, decodes as `encoding`; whether it holds any non-blank text),
    decoding block by block."""
    dec = codecs.getincrementaldecoder(encoding)()
    has_text = False
    try:
        for i, block in enumerate(source.blocks()):
            text = dec.decode(block[skip:] if i == 0 else block)
            has_text = has_text or bool(text.strip())
        has_text = bool(dec.decode(b"", final=True).strip()) or has_text
    except UnicodeDecodeError:
        return False, False
    return True, has_text


class _Utf8Stream(io.RawIOBase):
    """A text file in another encoding as a binary stream of UTF-8, re-encoded a block at a time."""

    def __init__(self, raw: io.BufferedIOBase, encoding: str):
        self._raw, self._dec = raw, codecs.getincrementaldecoder(encoding)()
        self._buf, self._pos, self._eof = b"", 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while self._pos >= len(self._buf) and not self._eof:
            block = self._raw.read(READ_BLOCK)
            self._eof = not block
            self._buf, self._pos = self._dec.decode(block, final=self._eof).encode("utf-8"), 0
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _text_stream(source: Source):
    """A function opening the file as UTF-8 bytes (what decode_bytes reads, re-encoded), or None for an empty or
    blank file. The encoding is found as decode_bytes finds it, reading the file in blocks."""
    with source.open() as f:
        head = f.read(4096)
    bom = head[:3] == b"\xef\xbb\xbf"
    wide = "" if bom else _utf16(head)
    if wide:
        ok, has_text = _decodes(source, wide, 0)
        if ok and not has_text:
            return None
        if ok:
            return lambda: io.BufferedReader(_Utf8Stream(source.open(), wide), READ_BLOCK)
    for encoding in ("utf-8",) if bom else ("utf-8", "gb18030"):
        ok, has_text = _decodes(source, encoding, 3 if bom else 0)
        if not ok:
            continue
        if not has_text:
            return None
        if encoding == "utf-8":

            def open_utf8():
                f = source.open()
                f.seek(3 if bom else 0)
                return f

            return open_utf8
        return lambda: io.BufferedReader(_Utf8Stream(source.open(), encoding), READ_BLOCK)
    text, _enc = decode_bytes(source.read())  # a guessed encoding (rare): read whole; or decode_bytes' own error
    if not text.strip():
        return None
    data = text.encode("utf-8")
    return lambda: io.BytesIO(data)


_END = object()


def _read_ahead(iterator):
    """The items of `iterator` in order, each one read by a thread of its own while the one before is used: the C
    parser tokenizes without holding the GIL, so the next chunk is parsed while this one is checked and stored. What
    `iterator` raises is raised in its place; the iterator is never used by two threads at once."""
    box: dict = {}

    def fetch():
        try:
            box["item"] = next(iterator, _END)
        except BaseException as e:  # noqa: BLE001 - raised again by the consumer
            box["error"] = e

    thread = threading.Thread(target=fetch, name="txip-csv-read", daemon=True)
    thread.start()
    try:
        while True:
            thread.join()
            if "error" in box:
                raise box.pop("error")
            item = box.pop("item")
            if item is _END:
                return
            thread = threading.Thread(target=fetch, name="txip-csv-read", daemon=True)
            thread.start()
            yield item
    finally:
        thread.join()  # a consumer that stops early: the read under way ends before the file is closed


def _csv_chunks(source: Source, chunk_rows: int):
    """A text file's rows as frames of strings with no header applied (row i = file row i+1), `chunk_rows` at a
    time; one empty frame for an empty file. Raises ValueError (Chinese) for a file that is not CSV text."""
    opener = _text_stream(source)
    if opener is None:
        yield pd.DataFrame()
        return
    with opener() as f:
        first = f.read(SNIFF_BYTES + 1)
    head = codecs.getincrementaldecoder("utf-8")().decode(first[:SNIFF_BYTES])
    sep = sniff_separator(head, whole=len(first) <= SNIFF_BYTES)
    options = dict(header=None, dtype=str, keep_default_na=False, sep=sep, skip_blank_lines=False, chunksize=chunk_rows)
    given = 0

    def rest(chunks):
        """The chunks of a parser that read the file from its start, less the rows an earlier parser already gave."""
        nonlocal given
        for chunk in chunks:
            if given >= chunk.index[-1] + 1:
                continue
            chunk = chunk[chunk.index >= given] if given > chunk.index[0] else chunk
            given += len(chunk)
            yield chunk

    try:
        # Three parsers, fastest first; each one that refuses the file hands on to the next, which gives only the rows
        # not given yet. pyarrow's (≈3x faster than pandas' C parser, and off the interpreter's lock) takes a file
        # whose rows all have the first row's number of cells; pandas' C parser also takes shorter rows (a line of
        # spaces, a row with cells missing); Python's is the last resort for what the C parser refuses. All three give the same frames (strings,
        # '' for an empty cell; tests/test_import_csv_parsers.py).
        # They are given bytes: from a text stream pandas re-encodes in small pieces (minutes of system time per GB).
        try:
            yield from rest(_read_ahead(_arrow_chunks(opener, sep, chunk_rows)))
            return
        except _ArrowRefused:
            pass
        try:
            with opener() as f, pd.read_csv(f, encoding="utf-8", engine="c", **options) as reader:
                yield from rest(_read_ahead(reader))
            return
        except pd.errors.ParserError:
            pass
        with (
            io.TextIOWrapper(opener(), encoding="utf-8", newline="\n") as f,
            pd.read_csv(f, engine="python", **options) as reader,
        ):
            yield from rest(reader)
    except Exception as e:  # noqa: BLE001 - any parser failure is a bad file for the user
        raise ValueError(t("ingest_read.bad_csv", error=e)) from None


SNIFF_BYTES = 64 * 1024  # the first bytes of a text file its column separator is read from
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SNIFF_LINES = 200


def sniff_separator(text: str, whole: bool = True) -> str:
    """The column separator of a text file's first lines (`whole`: `text` is the whole file, else its last line
    may be cut): of comma, semicolon, tab and pipe, the one that splits most rows into the same number (at least
    two) of cells -- the most cells wins, then the most rows. Quoted cells are respected (a quoted address with a
    comma does not count). No such separator: a comma (the file has one column; its header will say what is
    missing). Two separators equally good: ValueError (Chinese), as a file that cannot be read for sure."""
    lines = text.splitlines()
    if not whole and len(lines) > 1:
        lines = lines[:-1]
    lines = lines[:SNIFF_LINES]
    scores = {}
    for sep in SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep) if any(c.strip() for c in row)]
        if not counts:
            continue
        cells, rows = Counter(counts).most_common(1)[0]
        if cells >= 2 and rows / len(counts) >= 0.5:
            scores[sep] = (cells, rows)
    if not scores:
        return ","
    ranked = sorted(scores, key=lambda s: scores[s], reverse=True)
    if len(ranked) > 1 and scores[ranked[0]] == scores[ranked[1]]:
        names = t("plausible.separator_sep").join(
            t(f"plausible.separator_{SEPARATORS[s]}") for s in ranked if scores[s] == scores[ranked[0]]
        )
        raise ValueError(t("plausible.ambiguous_separator", separators=names))
    return ranked[0]


# The bytes a UTF-8 or GB18030 text holds outside its control characters (their multi-byte sequences never use bytes
# below 0x80 but printable ASCII): what is left after deleting them is a control character (plausible.CONTROL).
_NOT_CONTROL = bytes(b for b in range(256) if b in (0x09, 0x0A, 0x0D) or 0x20 <= b < 0x7F or b >= 0x80)


def may_hold_control_characters(source: Source) -> bool:
    """Whether a cell of the file may hold a control character: a workbook or a UTF-16 text may (their cells are
    checked one by one); a UTF-8 or GBK text only when such a byte is in it -- found by one pass over its bytes,
    far cheaper than a search of every cell."""
    if source.is_excel:
        return True
    with source.open() as f:
        if _utf16(f.read(4096)):
            return True
    return any(block.translate(None, _NOT_CONTROL) for block in source.blocks())


def _decodes_as(data: bytes, encoding: str) -> bool:
    """Whether `data` (a file's first block) decodes as `encoding`, but for a character cut at its end."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as e:
        return e.start >= len(data) - 3
    return True


def looks_big5(source: Source) -> bool:
    """Whether a text file that is not UTF-8 reads as Big5 (traditional Chinese) rather than GBK: it decodes as
    Big5, and read as GBK its letters are a jumble of kana, Greek and Cyrillic (Big5's byte pairs fall there)."""
    with source.open() as f:
        head = f.read(SNIFF_BYTES)
    if _decodes_as(head, "utf-8") or not _decodes_as(head, "big5"):
        return False
    gbk = head.decode("gb18030", errors="replace")
    wide = [c for c in gbk if ord(c) > 0x7F]
    odd = sum(1 for c in wide if "\u0370" <= c <= "\u04ff" or "\u3040" <= c <= "\u30ff")
    return bool(wide) and odd > 0.05 * len(wide)


class _ArrowRefused(Exception):
    """pyarrow's CSV reader cannot take this file (a row with another number of cells, say): use pandas'."""


ARROW_BLOCK = 4 * 1024 * 1024  # bytes pyarrow parses at a time; a row longer than this is left to pandas' parser


def _arrow_chunks(opener, sep: str, chunk_rows: int):
    """The file's rows as pandas' C parser gives them (header=None, every cell a string, '' when empty, index
    counting the rows from 0), `chunk_rows` at a time, parsed by pyarrow. Raises _ArrowRefused when pyarrow cannot
    take the file, at whatever row that shows."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    parse = pcsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False)
    read = pcsv.ReadOptions(autogenerate_column_names=True, block_size=ARROW_BLOCK, use_threads=False)
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # what read_csv(dtype=str) gives
    try:
        with opener() as f:  # the first block, to learn how many columns there are
            names = pcsv.open_csv(f, read_options=read, parse_options=parse).schema.names
        convert = pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
        )
        with opener() as f:
            reader = pcsv.open_csv(f, read_options=read, parse_options=parse, convert_options=convert)
            held, n_held, start = [], 0, 0

            def frame(table):
                df = table.combine_chunks().to_pandas(types_mapper=lambda t: dtype if t == pa.string() else None)
                df.columns = pd.RangeIndex(len(names))
                df.index = pd.RangeIndex(start, start + len(df))
                return df

            for batch in reader:
                held.append(batch)
                n_held += batch.num_rows
                while n_held >= chunk_rows:
                    table = pa.Table.from_batches(held)
                    yield frame(table.slice(0, chunk_rows))
                    start += chunk_rows
                    rest = table.slice(chunk_rows)
                    held, n_held = rest.to_batches(), rest.num_rows
            if n_held or start == 0:
                yield frame(pa.Table.from_batches(held, schema=reader.schema))
    except (pa.ArrowException, UnicodeDecodeError) as e:
        raise _ArrowRefused(str(e)) from None


def _read_excel(data: bytes, file_name: str) -> list[tuple[str, pd.DataFrame]]:
    if Path(file_name).suffix.lower() == ".xls":  # calamine reads legacy .xls
        return _read_legacy_isolated(data)
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object, engine="openpyxl")
    except Exception as e:  # noqa: BLE001 - any parser failure is a bad file for the user
        raise ValueError(t("ingest_read.bad_excel", error=type(e).__name__)) from None
    return list(sheets.items())


# A legacy workbook is read by calamine (Rust). On some damaged files it aborts the whole process (SIGABRT, found by
# tests/test_properties.py's damaged downloads), which no except clause catches: in the app that would take the server
# down with every user's session. So it reads in a forked child (cheap: the parent's modules are already loaded) that
# dies with its parent; a child that crashes, or takes longer than this, is a file refused as damaged.
LEGACY_TIMEOUT_S = 120


def _legacy_child(data: bytes, conn, parent: int) -> None:
    import faulthandler

    die_with_parent(parent)
    faulthandler.disable()  # a crash here is the parent's refused file, not a fatal error dumped in the server's log
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object, engine="calamine")
        conn.send(("ok", list(sheets.items())))
    except Exception as e:  # noqa: BLE001 - any parser failure is a bad file for the user
        conn.send(("error", type(e).__name__))
    finally:
        conn.close()


def _read_legacy_isolated(data: bytes) -> list[tuple[str, pd.DataFrame]]:
    import multiprocessing as mp
    import os

    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_legacy_child, args=(data, send, os.getpid()), daemon=True)
    child.start()
    send.close()
    try:
        outcome, value = receive.recv() if receive.poll(LEGACY_TIMEOUT_S) else ("error", "TimeoutError")
    except (EOFError, OSError):  # the child died without answering (aborted, killed)
        outcome, value = "error", "ReaderCrashed"
    finally:
        receive.close()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    if outcome != "ok":
        raise ValueError(t("ingest_read.bad_excel", error=value))
    return value


@dataclass
class Sheet:
    """One sheet's raw rows (strings, no header applied; row i = file row i+1): the first rows (at least
    MAX_HEADER_SCAN, where the header is looked for) and an iterator of the rest (None: the sheet was read whole)."""

    name: str
    head: pd.DataFrame
    rest: object = None


def read_sheets(source: Source, chunk_rows: int) -> list[Sheet]:
    """The sheets of the file: an Excel workbook read whole, a text file as its first rows and an iterator of the
    others, `chunk_rows` at a time."""
    if source.is_excel:
        return [Sheet(name, df) for name, df in _read_excel(source.read(), source.name)]
    chunks = _csv_chunks(source, chunk_rows)
    first = [next(chunks)]
    while len(first[-1]) and sum(len(c) for c in first) < MAX_HEADER_SCAN:
        nxt = next(chunks, None)
        if nxt is None:
            break
        first.append(nxt)
    return [Sheet("", first[0] if len(first) == 1 else pd.concat(first), chunks)]
