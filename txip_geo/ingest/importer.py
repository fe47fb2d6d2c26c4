"""Importers: read a file, find its header, map column aliases, parse and validate every cell, locate, report once."""

from __future__ import annotations

import codecs
import hashlib
import io
import itertools
import re
import threading
import tomllib
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from txip_geo import schema
from txip_geo.areas.datum import CHINA_LAT, CHINA_LON
from txip_geo.areas.gazetteer import CITY_CODE, load_gazetteer
from txip_geo.ingest import limits, parse
from txip_geo.ingest import patent_numbers as patents
from txip_geo.locate import frame as _locate
from txip_geo.paths import DATA_DIR

MAX_HEADER_SCAN = 15
CHUNK_ROWS = 100_000  # data rows read, checked, located and stored at a time: an import's memory is bounded by it
READ_BLOCK = 8 * 1024 * 1024  # bytes read from the file at a time (decoding, checksum)


class ImportRejected(Exception):
    """The whole file was refused; `report` says why (Chinese)."""

    def __init__(self, report: ImportReport):
        super().__init__(report.message)
        self.report = report


@dataclass
class Problem:
    row: int  # row number as seen in the original file (1-based; Excel/CSV line)
    column: str  # column header as written in the file
    value: str
    reason: str
    severity: str = "error"  # error | warning
    sheet: str = ""  # "工作表名!" when the file has several sheets

    def text(self, file_name: str) -> str:
        col = f"「{self.column}」列" if self.column else ""
        val = f"值“{self.value}”：" if self.value not in ("", None) else ""
        where = f"工作表“{self.sheet.rstrip('!')}”" if self.sheet else ""
        return f"文件 {file_name} {where}第 {self.row} 行{col}：{val}{self.reason}"


@dataclass
class ImportReport:
    file_name: str
    kind: str
    as_of: str = ""
    status: str = "rejected"  # imported | unchanged | rejected
    message: str = ""
    sheet: str = ""
    header_row: int = 0
    columns: dict = field(default_factory=dict)  # file header -> field
    unused_columns: list = field(default_factory=list)
    readings: list = field(default_factory=list)  # how columns whose header has several meanings were read (Chinese)
    derived_ids: list = field(default_factory=list)  # [(row, ID)] for rows whose ID was derived (no ID column)
    rows_read: int = 0
    rows_imported: int = 0
    skipped: list = field(default_factory=list)  # [(row, reason)]
    errors: list = field(default_factory=list)  # [Problem]
    warnings: list = field(default_factory=list)  # [Problem]
    duplicates: int = 0
    methods: dict = field(default_factory=dict)  # assign_method -> count
    unassigned: list = field(default_factory=list)  # [(row, note)]
    outside: list = field(default_factory=list)  # [(row, note)]
    import_id: int | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        return d

    def error_lines(self, limit: int = 20) -> list[str]:
        return [p.text(self.file_name) for p in self.errors[:limit]]

    def warning_lines(self, limit: int | None = 20) -> list[str]:
        """One line per warning (file, sheet, row, column, value, reason); `limit` None: all of them."""
        items = self.warnings if limit is None else self.warnings[:limit]
        return [p.text(self.file_name) if isinstance(p, Problem) else str(p) for p in items]

    @classmethod
    def from_dict(cls, d: dict | None) -> ImportReport:
        """A report as stored with its import (to_dict as JSON); keys a newer or older version has are tolerated."""
        d = dict(d or {})
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw.setdefault("file_name", "")
        kw.setdefault("kind", "")
        pf = {f.name for f in fields(Problem)}
        for k in ("errors", "warnings"):
            kw[k] = [Problem(**{a: b for a, b in p.items() if a in pf}) if isinstance(p, dict) else p
                     for p in kw.get(k) or []]
        return cls(**kw)


# -- reading ------------------------------------------------------------------------------------------------------

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


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (with or without BOM), else GB18030 (a superset of GBK), else a guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
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
        raise ValueError("无法识别文件编码（不是 UTF-8 或 GBK 文本）")
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
        b[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _text_stream(source: Source):
    """A function opening the file as UTF-8 bytes (what decode_bytes reads, re-encoded), or None for an empty or
    blank file. The encoding is found as decode_bytes finds it, reading the file in blocks."""
    with source.open() as f:
        bom = f.read(3) == b"\xef\xbb\xbf"
    for encoding in (("utf-8",) if bom else ("utf-8", "gb18030")):
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
    import csv

    with opener() as f:
        head = codecs.getincrementaldecoder("utf-8")().decode(f.read(4 * 4096))
    try:
        sep = csv.Sniffer().sniff(head[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        sep = ","
    options = dict(header=None, dtype=str, keep_default_na=False, sep=sep, skip_blank_lines=False,
                   chunksize=chunk_rows)
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
        with io.TextIOWrapper(opener(), encoding="utf-8", newline="\n") as f, \
                pd.read_csv(f, engine="python", **options) as reader:
            yield from rest(reader)
    except Exception as e:  # noqa: BLE001 - any parser failure is a bad file for the user
        raise ValueError(f"无法解析 CSV（{e}）") from None


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
        convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                      quoted_strings_can_be_null=False)
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
    engine = "calamine" if Path(file_name).suffix.lower() == ".xls" else "openpyxl"  # calamine reads legacy .xls
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object, engine=engine)
    except Exception as e:  # noqa: BLE001 - any parser failure is a bad file for the user
        raise ValueError(f"无法读取 Excel 文件（{type(e).__name__}：文件可能已损坏或不完整）") from None
    return list(sheets.items())


@dataclass
class _Sheet:
    """One sheet's raw rows (strings, no header applied; row i = file row i+1): the first rows (at least
    MAX_HEADER_SCAN, where the header is looked for) and an iterator of the rest (None: the sheet was read whole)."""

    name: str
    head: pd.DataFrame
    rest: object = None


def _read_sheets(source: Source, chunk_rows: int) -> list[_Sheet]:
    """The sheets of the file: an Excel workbook read whole, a text file as its first rows and an iterator of the
    others, `chunk_rows` at a time."""
    if source.is_excel:
        return [_Sheet(name, df) for name, df in _read_excel(source.read(), source.name)]
    chunks = _csv_chunks(source, chunk_rows)
    first = [next(chunks)]
    while len(first[-1]) and sum(len(c) for c in first) < MAX_HEADER_SCAN:
        nxt = next(chunks, None)
        if nxt is None:
            break
        first.append(nxt)
    return [_Sheet("", first[0] if len(first) == 1 else pd.concat(first), chunks)]


def _norm_header(h) -> str:
    s = parse.to_halfwidth(str(h if h is not None else "")).strip().lower()
    return re.sub(r"\s+", "", s)


@lru_cache(maxsize=1)
def _alias_files() -> dict:
    tables: dict = {}
    for name in ("column_aliases.toml", "column_aliases.local.toml"):
        p = DATA_DIR / name
        if p.exists():
            with open(p, "rb") as f:
                for section, fields in tomllib.load(f).items():
                    if section == "values":  # [values.KIND]: the vocabulary of fields' values
                        for kname, vocab in fields.items():
                            for fname, words in vocab.items():
                                tables.setdefault("values", {}).setdefault(kname, {}).setdefault(fname, []).extend(words)
                        continue
                    for fname, aliases in fields.items():
                        tables.setdefault("aliases", {}).setdefault(section, {}).setdefault(fname, []).extend(aliases)
    return tables


def alias_table() -> dict[str, dict[str, list[str]]]:
    return _alias_files().get("aliases", {})


def value_vocabulary(kind: schema.Kind) -> dict[str, list[str]]:
    """Field -> the words its values contain (column_aliases.toml [values.KIND]); fields without one are absent."""
    return _alias_files().get("values", {}).get(kind.name, {})


def _field_aliases(kind: schema.Kind) -> list[tuple[str, list[str]]]:
    tab = alias_table()
    out = []
    for f in schema.input_fields(kind):
        section = "location" if f in schema.LOCATION_FIELDS and f not in kind.fields else kind.name
        aliases = [f.header] + tab.get(section, {}).get(f.name, []) + [f.name]
        out.append((f.name, [_norm_header(a) for a in aliases]))
    if kind.located:  # longitude and latitude in one cell ("120.05, 32.17"): split by _split_coordinates
        aliases = [COORDS_HEADER] + tab.get("location", {}).get(COORDS, [])
        out.append((COORDS, [_norm_header(a) for a in aliases]))
    return out


#: A pseudo-field: one column holding both coordinates (offices' workstation lists write 经纬度 "120.05,32.17").
COORDS, COORDS_HEADER = "lonlat", "经纬度"
_COORD_SPLIT = re.compile(r"\s*[,，;；/、\s]\s*")


def _split_coordinates(frame: pd.DataFrame, txt: pd.Series, flag) -> None:
    """Fill lon/lat from a combined coordinates column where the row has no 经度/纬度 of its own. The order is read
    from the values (longitude 73–136, latitude 3–54 in China: the two ranges do not overlap), so both "经度,纬度"
    and "纬度,经度" are read; a cell that is not two numbers is an error naming the column."""
    own = frame["lon"].map(_cell).ne("") | frame["lat"].map(_cell).ne("")
    todo = txt.ne("") & ~own
    if not todo.any():
        return
    parts = txt[todo].str.strip("()（）[]【】 ").str.split(_COORD_SPLIT, regex=True)
    nums = parts.map(lambda p: [float(x) for x in p] if len(p) == 2 and all(_is_number(x) for x in p) else None)
    flag(nums.isna().reindex(frame.index, fill_value=False), COORDS, txt,
         "应为“经度,纬度”两个数字（如 120.05,32.17）")
    ok = nums.dropna()
    first = ok.map(lambda v: v[0])
    lon_first = first.between(*CHINA_LON)
    frame.loc[ok.index, "lon"] = [str(v[0] if f else v[1]) for v, f in zip(ok, lon_first)]
    frame.loc[ok.index, "lat"] = [str(v[1] if f else v[0]) for v, f in zip(ok, lon_first)]


def _is_number(x: str) -> bool:
    try:
        float(x)
        return True
    except ValueError:
        return False


#: A column fits a field's vocabulary when at least this share of its distinct values contain one of its words.
VALUE_FIT = 0.6


def _fit(values: list[str], words: list[str]) -> float:
    distinct = {parse.to_halfwidth(v).replace(" ", "") for v in values if v and v.lower() not in ("nan", "none")}
    if not distinct or not words:
        return 0.0
    return sum(1 for v in distinct if any(w in v for w in words)) / len(distinct)


def map_columns(kind: schema.Kind, headers: list, values_of=None, readings: list | None = None) -> dict[int, str]:
    """Column position -> field name. Each column is used once. First every header that is an alias of one field
    only: each field takes the first of its aliases present. Then a header that is an alias of several fields goes
    to the free field whose value vocabulary (column_aliases.toml [values.KIND]) its values fit best -- given
    `values_of(i)`, the column's first values -- or else to the first of them; `readings` gets a Chinese line per
    header decided by its values."""
    normed = {i: _norm_header(h) for i, h in enumerate(headers)}
    aliases = _field_aliases(kind)
    claimed: dict[str, list[str]] = {}  # normalised header -> the fields listing it, in field order
    for fname, names in aliases:
        for a in dict.fromkeys(names):
            claimed.setdefault(a, []).append(fname)
    used: dict[int, str] = {}
    taken: set[str] = set()
    for ambiguous in (False, True):
        for fname, names in aliases:
            if fname in taken:
                continue
            for a in names:
                if (len(claimed[a]) > 1) != ambiguous:
                    continue
                hit = next((i for i, h in normed.items() if h == a and i not in used), None)
                if hit is None:
                    continue
                if not ambiguous:
                    used[hit], taken = fname, taken | {fname}
                    break
                field = _by_values(kind, [f for f in claimed[a] if f not in taken], headers[hit], values_of, hit,
                                   readings)
                used[hit], taken = field, taken | {field}
                if field == fname:
                    break
    return used


def _by_values(kind: schema.Kind, candidates: list[str], header: str, values_of, i: int,
               readings: list | None) -> str:
    """Which of the candidate fields an ambiguous column is: the best fit of its values to the fields' vocabularies
    (at least VALUE_FIT), else the first candidate."""
    vocab = value_vocabulary(kind)
    if len(candidates) == 1 or values_of is None or not any(f in vocab for f in candidates):
        return candidates[0]
    values = [v for v in values_of(i) if v]
    fits = [(_fit(values, vocab.get(f, [])), -n, f) for n, f in enumerate(candidates)]
    best = max(fits)
    field = best[2] if best[0] >= VALUE_FIT else candidates[0]
    if readings is not None and values:
        sample = "、".join(list(dict.fromkeys(values))[:4])
        label, others = kind_header(kind, field), "、".join(kind_header(kind, f) for f in candidates if f != field)
        how = (f"其取值（{sample}）符合「{label}」" if best[0] >= VALUE_FIT
               else f"其取值（{sample}）不符合任何一种读法，按默认")
        readings.append(f"「{header}」列可读作{label}或{others}：{how}，按「{label}」读取")
    return field


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip()


def header_candidates(raw: pd.DataFrame, r: int) -> list[str]:
    """Row r as a header; an empty cell takes the text above it (a header cell merged over two rows), and a cell
    under a merged parent keeps its own text (two-level headers: 申请人信息 → 申请人 / 地址)."""
    row = [_cell(v) for v in raw.iloc[r].to_numpy()]
    if r > 0:
        above = [_cell(v) for v in raw.iloc[r - 1].to_numpy()]
        row = [c or a for c, a in zip(row, above)]
    return row


def _cell_texts(col: pd.Series) -> pd.Series:
    """A raw column as stripped text ('' for empty cells)."""
    if isinstance(col.dtype, pd.StringDtype):
        return col.fillna("").str.strip()
    return col.astype("object").where(col.notna(), "").astype(str).str.strip()


def find_header(kind: schema.Kind, raw: pd.DataFrame,
                readings: list | None = None) -> tuple[int, dict[int, str], list[str]]:
    """The row (0-based) that best looks like the header: most mapped fields, required ones weighing double.
    `readings` gets how the chosen header's ambiguous columns were read (see map_columns)."""
    best = (-1, 0, {}, [], [])
    for r in range(min(MAX_HEADER_SCAN, len(raw))):
        def values_of(i, r=r):
            return _cell_texts(raw.iloc[r + 1:r + 1 + VALUE_SAMPLE, i]).tolist()

        for headers in ([_cell(v) for v in raw.iloc[r].to_numpy()], header_candidates(raw, r)):
            read: list[str] = []
            mapping = map_columns(kind, headers, values_of, read)
            score = len(mapping) + sum(1 for f in mapping.values() if f in kind.required)
            if score > best[1]:
                best = (r, score, mapping, headers, read)
    if readings is not None:
        readings.extend(best[4])
    return best[0], best[2], best[3]


#: Rows under a header whose values decide an ambiguous header.
VALUE_SAMPLE = 200


# -- preparing ----------------------------------------------------------------------------------------------------

def _reject(report: ImportReport, message: str) -> ImportRejected:
    report.status = "rejected"
    report.message = message
    return ImportRejected(report)


def prepare(kind_name: str, data: bytes, file_name: str, *, as_of: str, layers: dict | None = None,
            skip_invalid: bool = False, head: int | None = None,
            chunk_rows: int | None = None) -> tuple[pd.DataFrame, ImportReport]:
    """Parse, validate and locate a file's rows without touching the store. Raises ImportRejected.

    `head`: keep only the first records (a preview; the report still covers the whole file)."""
    report = ImportReport(file_name=file_name, kind=kind_name, as_of=as_of)
    frames, kept = [], 0
    for records in prepared_chunks(kind_name, Source(file_name, data=data), report, as_of=as_of, layers=layers,
                                   skip_invalid=skip_invalid, chunk_rows=chunk_rows):
        if head is None or kept < head:
            frames.append(records if head is None else records.head(head - kept))
            kept += len(frames[-1])
    return (frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)), report


class _Problems:
    """A file's errors and warnings in the order one pass over the whole file lists them -- by check (the order of
    the `flag` calls), then by row -- although its rows are checked a chunk at a time."""

    def __init__(self):
        self.items: dict[str, list[tuple[tuple[int, int], Problem]]] = {"error": [], "warning": []}
        self.bad_rows: set[tuple[str, int]] = set()  # (sheet, row) of every row with an error

    def add(self, key: tuple[int, int], problem: Problem) -> None:
        self.items[problem.severity].append((key, problem))
        if problem.severity == "error":
            self.bad_rows.add((problem.sheet, problem.row))

    def listed(self, severity: str) -> list[Problem]:
        return [p for _, p in sorted(self.items[severity], key=lambda kp: kp[0])]  # stable: rows stay in order


def prepared_chunks(kind_name: str, source: Source, report: ImportReport, *, as_of: str, layers: dict | None = None,
                    skip_invalid: bool = False, chunk_rows: int | None = None):
    """The file's records, parsed, validated, de-duplicated and located, as frames of at most `chunk_rows` rows
    (default CHUNK_ROWS; a small file is one frame). `report` is filled as the chunks go and complete once the last
    one is given; any rejection (ImportRejected) is raised before the last chunk is given, so a consumer that
    stores the chunks in one transaction stores all of a file or none of it. A file of one chunk is wholly checked
    before its chunk is given.

    Across chunks only what the file-level checks need is kept: the keys already seen (duplicates within the file),
    the problems and the counts."""
    kind = schema.KINDS[kind_name]
    file_name, chunk_rows = source.name, chunk_rows or CHUNK_ROWS

    def read_failed(message: str) -> ImportRejected:  # a file that cannot be read reports nothing else
        return _reject(ImportReport(file_name=file_name, kind=kind_name, as_of=as_of), message)

    def reading(step):
        try:
            return step()
        except limits.UploadRejected as e:
            raise read_failed(str(e)) from None
        except ValueError as e:
            raise read_failed(f"文件 {file_name}：{e}") from None

    reading(lambda: limits.check_upload(source.content, file_name))  # size, rows, members: refused before parsing
    sheets = reading(lambda: _read_sheets(source, chunk_rows))
    raw_rows = sum(len(s.head) for s in sheets)
    if all(s.rest is None for s in sheets):
        reading(lambda: limits.check_rows(raw_rows, file_name))

    def rest_of(sheet: _Sheet):
        """The sheet's raw rows after its first ones (read errors turned into rejections)."""
        nonlocal raw_rows
        while sheet.rest is not None:
            raw = reading(lambda: next(sheet.rest, None))
            if raw is None:
                return
            raw_rows += len(raw)
            yield raw

    def all_read():
        """Every row read: the file as a whole may still be refused (too many rows)."""
        if any(s.rest is not None for s in sheets):
            reading(lambda: limits.check_rows(raw_rows, file_name))

    # Every sheet whose header has all required columns is read; the others are reported as skipped.
    parts, best_missing = [], None
    for sheet in sheets:
        raw = sheet.head
        if raw.empty or raw.dropna(how="all").empty:
            if sheet.rest is None or all(r.dropna(how="all").empty for r in rest_of(sheet)):
                continue
        read: list[str] = []
        hr, mapping, headers = find_header(kind, raw, read)
        derive = _derives_id(kind, mapping)
        missing = [kind.get(f).header for f in kind.required if f not in mapping.values() and not (derive and f == derive)]
        label = f"工作表“{sheet.name}”" if sheet.name != "" else ""
        if derive and not missing:
            from_ = "、".join(kind.get(f).header for f in kind.id_from)
            read.append(f"没有「{kind.get(derive).header}」列：{kind.get(derive).header}由{from_}生成（同一名单再次导入得到相同"
                        f"{kind.get(derive).header}，与行的顺序无关），见“生成的编号”")
        if missing:
            found = "、".join(h for h in headers if h) if hr >= 0 else ""
            if best_missing is None or len(missing) < len(best_missing[0]):
                best_missing = (missing, found or "（无）", label)
            if len(sheets) > 1:
                report.skipped.append((0, f"{label}缺少必需的列（{'、'.join(missing)}），未读取"))
            continue
        parts.append((sheet, hr, mapping, headers))
        report.readings += [f"{label}{line}" for line in read if f"{label}{line}" not in report.readings]
    if not parts:
        for sheet in sheets:
            for _ in rest_of(sheet):
                pass
        all_read()
        if best_missing is None:
            raise _reject(report, f"文件 {file_name} 是空的，没有表头和数据行")
        missing, found, label = best_missing
        raise _reject(report, f"文件 {file_name} {label}缺少必需的列：{'、'.join(missing)}。文件中的列：{found}")

    report.sheet = "、".join(str(p[0].name) for p in parts)
    for _sheet, header_row, mapping, headers in parts:
        report.header_row = header_row + 1
        for i, f in mapping.items():
            report.columns[headers[i]] = f
        report.unused_columns += [h for i, h in enumerate(headers) if i not in mapping and h]
    header_of = {f: h for h, f in report.columns.items()}
    key = ["pkey"] if kind.name == "patents" else (["area_code"] if kind.name == "network" else list(kind.key))
    problems = _Problems()
    seen_keys: set = set()  # de-duplication within the file, across chunks: the keys kept so far (a value, or a tuple)
    derived_rows: dict = {}  # derived ID -> (row, the row's content) of its first row
    datum_rank: dict[str, int] = {}  # datum texts in the order the file first has them
    methods: dict[str, int] = {}
    unassigned, outside = [], []
    rows_read = rows_valid = duplicates = 0
    if kind.located:
        layers = layers or {}
        locator = _locate.Locator(load_gazetteer(), townships=layers.get("townships"), parks=layers.get("parks"),
                                  outline=layers.get("outline"))

    def body_chunks():
        """(prefix, body rows as fields) per chunk of every part; skipped rows reported."""
        for sheet, header_row, mapping, _headers in parts:
            prefix = f"{sheet.name}!" if len(parts) > 1 else ""
            blank_rows = 0
            for i, raw in enumerate(itertools.chain([sheet.head.iloc[header_row + 1:]], rest_of(sheet))):
                for start in range(0, len(raw), chunk_rows):
                    body = raw.iloc[start:start + chunk_rows]
                    frame, blanks = _fields(kind, body, mapping, prefix, report)
                    frame["_derive_id"] = bool(_derives_id(kind, mapping))
                    blank_rows += blanks
                    if len(frame):
                        yield frame
            if blank_rows:
                report.skipped.append((0, f"{prefix}空行 {blank_rows} 行"))

    def finish() -> None:
        """The file-level checks, once every row is checked (a rejection raises), and the rest of the report."""
        all_read()
        report.rows_read = rows_read
        if not rows_read:
            raise _reject(report, f"文件 {file_name} 没有数据行（表头在第 {report.header_row} 行）")
        report.errors, report.warnings = problems.listed("error"), problems.listed("warning")
        bad_rows = problems.bad_rows
        if bad_rows and not skip_invalid:
            lines = "\n".join(report.error_lines(10))
            more = f"\n……共 {len(report.errors)} 处错误，涉及 {len(bad_rows)} 行" if len(report.errors) > 10 else ""
            raise _reject(report, f"文件 {file_name} 未导入：有 {len(bad_rows)} 行数据有误。\n{lines}{more}")
        if not rows_valid:
            raise _reject(report, f"文件 {file_name} 未导入：所有数据行都有错误")
        report.duplicates = duplicates
        if kind.located:
            # As value_counts orders them over the whole file: most frequent first, ties in order of first appearance.
            report.methods = pd.Series(methods, dtype="int64").sort_values(ascending=False).to_dict()
            report.unassigned.extend(unassigned)
            report.outside.extend(outside)
        report.rows_imported = rows_valid - duplicates

    # The next chunk's fields are read before a chunk is given (they are compact; its prepared records are not): when
    # the last chunk is given, the file-level checks have been made -- before anything is stored, for a small file.
    frames = body_chunks()
    ahead, finished = next(frames, None), False
    while ahead is not None:
        frame, ahead = ahead, next(frames, None)
        rows_read += len(frame)
        out = _check(kind, frame, header_of, problems, datum_rank, as_of)
        if problems.bad_rows and not skip_invalid:
            continue  # the file will be refused: its remaining rows are only checked
        if problems.bad_rows:
            bad = pd.MultiIndex.from_arrays([out["_sheet"], out["row_no"]]).isin(list(problems.bad_rows))
            out = out[~bad]
        rows_valid += len(out)
        # De-duplicate within the file on the kind's key (the first row of a key wins, in whichever chunk it is).
        keyed = (out[key].notna().all(axis=1) & out[key].astype(str).ne("").all(axis=1)).to_numpy()
        values = out[key[0]].tolist() if len(key) == 1 else list(zip(*(out[c].tolist() for c in key)))
        dup = np.zeros(len(out), dtype=bool)
        derived = out["_derived"].to_numpy(dtype=bool) if "_derived" in out else np.zeros(len(out), dtype=bool)
        clash = np.zeros(len(out), dtype=bool)
        if derived.any():
            content = list(zip(*(out[f].astype(str).tolist() for f in kind.field_names + (
                [f.name for f in schema.LOCATION_FIELDS] if kind.located else []))))
        for j in np.flatnonzero(keyed):
            if values[j] in seen_keys:
                first_row = derived_rows.get(values[j]) if derived[j] else None
                if first_row is not None and first_row[1] != content[j]:
                    clash[j] = True  # same derived ID, different rows: not merged, reported
                    r = out.iat[j, out.columns.get_loc("row_no")]
                    sheet = out.iat[j, out.columns.get_loc("_sheet")]
                    from_ = "、".join(kind.get(f).header for f in kind.id_from)
                    problems.add((1 << 30, 0), Problem(
                        int(r), kind.get(key[0]).header + "（生成）", str(values[j]),
                        f"与第 {first_row[0]} 行的{from_}相同而其他内容不同，生成的编号无法区分两者；"
                        f"请加编号列，或改正/合并这两行", "error", sheet))
                else:
                    dup[j] = True
            else:
                seen_keys.add(values[j])
                if derived[j]:
                    sheet, r = out["_sheet"].iat[j], int(out["row_no"].iat[j])
                    derived_rows[values[j]] = (f"{sheet}{r}" if sheet else r, content[j])
                    report.derived_ids.append((f"{sheet}{r}" if sheet else r, values[j]))
        duplicates += int(dup.sum())
        if clash.any():
            rows_valid -= int(clash.sum())
        out = out[~dup & ~clash].drop(columns=["_derived"], errors="ignore")
        if kind.located:
            loc = locator.frame(out)
            for c in schema.ASSIGNMENT_COLUMNS:
                out[c] = loc[c].replace("", None)
            for m, n in out["assign_method"].value_counts(sort=False).items():
                methods[m] = methods.get(m, 0) + int(n)
            for m, target in (("unassigned", unassigned), ("outside", outside)):
                sel = out[out["assign_method"] == m]
                target.extend((int(r), n) for r, n in zip(sel["row_no"], sel["assign_note"]))
        if ahead is None:
            finish()
            finished = True
        if len(out):
            yield out.reset_index(drop=True)
    if not finished:  # no data rows, or the file is refused: nothing was given
        finish()


def _fields(kind: schema.Kind, body: pd.DataFrame, mapping: dict[int, str], prefix: str,
            report: ImportReport) -> tuple[pd.DataFrame, int]:
    """Raw body rows -> one column per input field (plus row_no, _sheet), without blank and total rows (total rows
    are reported in `report.skipped`); and the number of blank rows."""
    # Text columns (CSV) are passed as they are; converting them to numpy and back costs seconds per million rows.
    frame = pd.DataFrame({f: (body.iloc[:, i].array if isinstance(body.dtypes.iloc[i], pd.StringDtype)
                              else body.iloc[:, i].to_numpy()) for i, f in mapping.items()}, index=body.index)
    frame["row_no"] = frame.index + 1  # file row number (1-based, as Excel shows it)
    frame["_sheet"] = prefix
    # Skip blank rows and total rows (合计/总计/小计 in the first non-empty cell). The first non-empty cell of each
    # row, column by column: a column is only looked at for the rows whose cells before it are all empty (for most
    # files the first column settles nearly every row).
    n = len(body)
    first = np.full(n, "", dtype=object)
    pending = np.arange(n)  # positions of the rows with no non-empty cell so far
    for i in range(body.shape[1]):
        if not len(pending):
            break
        col = body.iloc[:, i]
        texts = _cell_texts(col if len(pending) == n else col.iloc[pending])
        texts = texts.mask(texts.isin(["nan", "None", "NaT"]), "")
        filled = texts.ne("").to_numpy()
        first[pending[filled]] = texts.to_numpy(dtype=object)[filled]
        pending = pending[~filled]
    blank = np.zeros(n, dtype=bool)
    blank[pending] = True
    # A total row's first cell holds 计 or 数 (合计 总计 小计 总数): only those cells are looked at closer.
    totals = np.zeros(n, dtype=bool)
    maybe = np.flatnonzero([("计" in v or "数" in v) for v in first.tolist()])
    if len(maybe):
        cells = pd.Series(first[maybe], dtype=object)
        totals[maybe] = cells.str.replace(r"\s", "", regex=True).str.match(r"^(合计|总计|小计|总数)").to_numpy(dtype=bool)
    for j in np.flatnonzero(totals & ~blank):
        report.skipped.append((int(body.index[j]) + 1, f"{prefix}合计行“{first[j]}”"))
    keep = ~(blank | totals)
    frame = frame if keep.all() else frame[keep]  # no copy of a million rows when nothing is skipped
    for f in schema.input_fields(kind):
        if f.name not in frame.columns:
            frame[f.name] = None
    return frame.reset_index(drop=True), int(blank.sum())


def _derives_id(kind: schema.Kind, mapping: dict[int, str]) -> str:
    """The key field a part of a file lacks and whose value is derived (schema Kind.id_from), or ''."""
    if kind.id_from and len(kind.key) == 1 and kind.key[0] not in mapping.values():
        return kind.key[0]
    return ""


def _id_text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return re.sub(r"[\s()（）\[\]【】\-—－·・]", "", parse.to_halfwidth(str(v))).lower()


def _derived_ids(kind: schema.Kind, out: pd.DataFrame) -> pd.Series:
    """A stable ID per row from its id_from fields (parsed, then widths, spaces, brackets, dashes and case ignored):
    'AUTO-' and 10 hex digits of their SHA-1."""
    parts = zip(*(out[f].map(_id_text) for f in kind.id_from))
    ids = ["AUTO-" + hashlib.sha1("\x1f".join(p).encode("utf-8")).hexdigest()[:10].upper() for p in parts]
    return pd.Series(ids, index=out.index, dtype=object)


def _check(kind: schema.Kind, frame: pd.DataFrame, header_of: dict, problems: _Problems, datum_rank: dict,
           as_of: str) -> pd.DataFrame:
    """Parse and validate one chunk's fields; the problems go to `problems`. Returns the parsed columns."""
    checks = 0

    def flag(mask: pd.Series, column: str, values: pd.Series, reasons, severity="error", rank=None):
        # Problems are listed by check, then row. Every call is a check of its own, except the calls with a `rank`:
        # those are parts of one check after all the others, ordered by `rank` (the same in every chunk).
        nonlocal checks
        if rank is None:
            checks += 1
        if not mask.any():
            return
        key = (checks, 0) if rank is None else (checks + 1, rank)
        reasons = reasons if isinstance(reasons, pd.Series) else pd.Series(reasons, index=mask.index)
        for idx in mask[mask].index:
            problems.add(key, Problem(int(frame.at[idx, "row_no"]), header_of.get(column, kind_header(kind, column)),
                                      str(values.get(idx, "")), str(reasons[idx]), severity, frame.at[idx, "_sheet"]))

    out = pd.DataFrame(index=frame.index)
    out["row_no"] = frame["row_no"]
    out["_sheet"] = frame["_sheet"]
    derived_key = kind.key[0] if kind.id_from and "_derive_id" in frame and frame["_derive_id"].any() else ""
    if COORDS in frame:
        frame = frame.copy()
        frame["lon"], frame["lat"] = frame["lon"].astype(object), frame["lat"].astype(object)
        _split_coordinates(frame, parse.clean_text(frame[COORDS]), flag)
    for f in schema.input_fields(kind):
        col = frame[f.name]
        txt = parse.clean_text(col)  # once per field: the parsers are given it
        if f.type == "text":
            val, err = txt, None
        elif f.type == "date":
            val, err = parse.parse_dates(col, txt)
        elif f.type == "bool":
            val, err = parse.parse_bools(col)
        else:
            val, err = parse.parse_numbers(col, integer=(f.type == "int"), txt=txt)
        if err is not None:
            flag(err.ne(""), f.name, txt, err)
        if f.required and not (derived_key and f.name == derived_key):
            flag(txt.eq(""), f.name, txt, "必填项为空")
        out[f.name] = val

    if derived_key:
        out[derived_key] = _derived_ids(kind, out)
        out["_derived"] = True
    _derive(kind, out, flag, as_of)
    if kind.located:
        _check_coordinates(out, flag, datum_rank)
    return out


def kind_header(kind: schema.Kind, name: str) -> str:
    if name == COORDS:
        return COORDS_HEADER
    for f in schema.input_fields(kind):
        if f.name == name:
            return f.header
    return name


def _check_coordinates(out: pd.DataFrame, flag, datum_rank: dict) -> None:
    """`datum_rank`: datum text -> rank, in the order the file (all chunks so far) first has them."""
    lon, lat = out["lon"], out["lat"]
    one = lon.isna() ^ lat.isna()
    flag(one, "lon", lon.astype(str), "经度和纬度须同时填写")
    swapped = lon.between(18, 54) & lat.between(*CHINA_LON)
    flag(swapped, "lon", lon.astype(str), "经纬度似乎填反了（经度应在 73–136 之间）")
    bad = (lon.notna() & ~lon.between(*CHINA_LON) & ~swapped) | (lat.notna() & ~lat.between(*CHINA_LAT) & ~swapped)
    flag(bad, "lon", lon.astype(str), "坐标不在中国范围内")
    if out["datum"].ne("").any():
        from txip_geo.areas.datum import normalise_datum

        for d in out.loc[out["datum"].ne(""), "datum"].unique():
            rank = datum_rank.setdefault(d, len(datum_rank))
            try:
                norm = normalise_datum(d)
                out.loc[out["datum"] == d, "datum"] = norm
            except ValueError as e:
                flag(out["datum"] == d, "datum", out["datum"], str(e), rank=rank)


def _derive(kind: schema.Kind, out: pd.DataFrame, flag, as_of: str) -> None:
    """Kind-specific derived columns and checks."""
    gaz = load_gazetteer()
    if kind.name == "patents":
        num = patents.normalise_numbers(out["app_no"])
        num.index = out.index
        flag(num["error"].ne("") & num["number"].eq("") & out["app_no"].ne(""), "app_no", out["app_no"], num["error"])
        flag(num["check_ok"].eq(False), "app_no", out["app_no"], num["error"].where(num["error"].ne(""), "校验位错误"),
             severity="warning")
        out["number"] = num["number"].replace("", None)
        pkey = num["number"].str.partition(".")[0]  # = patents.dedupe_key of the canonical number
        out["pkey"] = pkey.where(pkey.ne(""), None)
        out["patent_type"] = num["patent_type"].replace("", None)
        out["pct"] = num["pct"].astype(int)
        out["check_ok"] = num["check_ok"].astype("Float64")  # 1.0 / 0.0 / missing
        year = pd.to_numeric(num["year"], errors="coerce")
        year = year.fillna(pd.to_numeric(out["app_date"].str[:4], errors="coerce"))
        out["app_year"] = year
        label = out["type_label"].map({t: (patents.type_from_label(t) if t else "") for t in out["type_label"].unique()})
        clash = label.ne("") & out["patent_type"].notna() & label.ne(out["patent_type"].fillna(""))
        flag(clash, "type_label", out["type_label"], "专利类型与申请号不一致，以申请号为准", severity="warning")
        out["patent_type"] = out["patent_type"].fillna(label.replace("", None))
        st = parse.map_status(out["status"], parse.PATENT_STATUS, txt=out["status"])  # cleaned already
        flag(st.eq("") & out["status"].ne(""), "status", out["status"], "无法识别的法律状态（应为 有效/审中/失效 等）")
        out["status_code"] = st.replace("", None)
    elif kind.name == "trademarks":
        st = parse.map_status(out["status"], parse.TRADEMARK_STATUS)
        flag(st.eq("") & out["status"].ne(""), "status", out["status"], "无法识别的商标状态（应为 已注册/申请中/无效 等）")
        expired = st.eq("valid") & out["expiry_date"].ne("") & (out["expiry_date"] < as_of)
        st[expired] = "invalid"
        out["status_code"] = st.replace("", None)
        bad_class = out["nice_class"].notna() & ~out["nice_class"].between(1, 45)
        flag(bad_class, "nice_class", out["nice_class"].astype(str), "国际分类应为 1–45")
    elif kind.name == "cases":
        kc = parse.map_status(out["case_kind"], parse.CASE_KIND)
        flag(kc.eq("") & out["case_kind"].ne(""), "case_kind", out["case_kind"], "案件类别应为 查处 或 调解")
        st = parse.map_status(out["status"], parse.CASE_STATUS)
        flag(st.eq("") & out["status"].ne(""), "status", out["status"], "无法识别的办理状态（应为 受理/办理中/已结案/移送/撤回）")
        # Without a status, the closing date tells (ledgers keep 结案日期 only); a case handled by 移送 is transferred.
        st = st.mask(out["status"].eq("") & out["closed_date"].ne(""), "closed")
        st = st.mask(out["status"].eq("") & out["closed_date"].eq(""), "open")
        st = st.mask(out["case_kind"].str.contains("|".join(parse.CASE_TRANSFERRED), regex=True), "transferred")
        closed_no_date = st.eq("closed") & out["closed_date"].eq("")
        flag(closed_no_date, "closed_date", out["closed_date"], "已结案但没有结案日期", severity="warning")
        before = out["closed_date"].ne("") & out["accepted_date"].ne("") & (out["closed_date"] < out["accepted_date"])
        flag(before, "closed_date", out["closed_date"], "结案日期早于立案日期")
        out["kind_code"] = kc.replace("", None)
        out["status_code"] = st.replace("", None)
        mediated = kc.eq("dispute") & (out["outcome"].str.contains("调解成功|达成|和解", regex=True)
                                       | out["status"].str.contains("调解成功", regex=False))
        out["mediated"] = mediated.astype(int)
    elif kind.name == "trainings":
        from txip_geo import rules
        from txip_geo.strings import t

        cls = rules.audience_classes(out["audience"])
        for c in rules.UNCLEAR:
            flag(cls.eq(c), "audience", out["audience"], t(f"data.audience_{c}"), severity="warning")
    elif kind.name in ("workstations", "service_orgs"):
        out["active"] = (~out["status"].str.contains("撤销|注销|停|关闭|吊销", regex=True)).astype(int)
    elif kind.name == "network":
        codes = out["area"].map(lambda t: gaz.resolve_area(t))
        flag(codes.map(lambda kc: kc[0] not in ("unit", "park")), "area", out["area"], "不是泰兴市的镇街或园区名称")
        out["area_code"] = codes.map(lambda kc: kc[1] or None)
        lvl_bad = out["pilot_level"].ne("") & ~out["pilot_level"].str.contains("国家|省|市", regex=True)
        flag(lvl_bad, "pilot_level", out["pilot_level"], "试点示范级别应为 国家/省/市 或留空")
    elif kind.name == "manual":
        from txip_geo.plan import goal_table

        ids = set(goal_table()["id"])
        flag(~out["goal_id"].str.upper().isin(ids) & out["goal_id"].ne(""), "goal_id", out["goal_id"],
             "指标编号应为 G01–G16 或 M01–M04")
        out["goal_id"] = out["goal_id"].str.upper()
    elif kind.name == "statistics":
        valid_codes = {CITY_CODE} | set(gaz.codes)
        flag(~out["code"].isin(valid_codes) & out["code"].ne(""), "code", out["code"], "区划代码应为 321283 或 17 个镇街的 9 位代码")
        measures = {"常住人口", "户籍人口", "人口(未注明)", "市场主体户数"}
        flag(~out["measure"].isin(measures) & out["measure"].ne(""), "measure", out["measure"],
             "指标应为 常住人口/户籍人口/人口(未注明)/市场主体户数")


# -- importing into the store ---------------------------------------------------------------------------------


def report_frames(report: ImportReport) -> dict[str, pd.DataFrame]:
    """The import report as tables (for the data page and its Excel download)."""
    from txip_geo.schema import ASSIGN_METHODS, KINDS

    kind = KINDS.get(report.kind)
    summary = pd.DataFrame([
        ("文件", report.file_name), ("数据类型", kind.label if kind else report.kind), ("截至", report.as_of),
        ("结果", {"imported": "已导入", "unchanged": "未改动（此前已导入）", "rejected": "未导入"}.get(report.status, report.status)),
        ("说明", report.message), ("工作表", report.sheet), ("表头所在行", report.header_row or ""),
        ("读取行数", report.rows_read), ("导入条数", report.rows_imported), ("合并重复", report.duplicates),
        ("拒绝行数", len({(p.sheet, p.row) for p in report.errors})), ("警告", len(report.warnings)),
        *((f"归属：{ASSIGN_METHODS.get(k, k)}", v) for k, v in report.methods.items()),
        ("未使用的列", "、".join(report.unused_columns)),
        *(("列的读法", r) for r in report.readings),
    ], columns=["项目", "内容"])
    cols = ["工作表", "行号", "列", "值", "原因"]

    def problems(items):
        rows = [(p.sheet.rstrip("!"), p.row, p.column, p.value, p.reason) for p in items if isinstance(p, Problem)]
        rows += [("", "", "", "", str(p)) for p in items if not isinstance(p, Problem)]
        return pd.DataFrame(rows, columns=cols)

    return {
        "概要": summary,
        "拒绝的行": problems(report.errors),
        "警告": problems(report.warnings),
        "跳过的行": pd.DataFrame([(r or "", why) for r, why in report.skipped], columns=["行号", "原因"]),
        "生成的编号": pd.DataFrame(report.derived_ids, columns=["行号", "编号"]),
        "未归属镇街": pd.DataFrame(report.unassigned, columns=["行号", "说明"]),
        "泰兴市外": pd.DataFrame(report.outside, columns=["行号", "说明"]),
    }
