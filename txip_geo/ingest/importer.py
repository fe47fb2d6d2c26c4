"""Preparing a file's records: read it (ingest.read), find each sheet's header (ingest.header), check its cells and
derive each kind's columns (ingest.check, ingest.derive), de-duplicate and locate the rows, and report once
(ingest.report) -- chunk by chunk, so memory does not grow with the file. Nothing here touches the store
(ingest.pipeline stores the chunks; ingest.worker runs this in a second process for a large text file)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from txip_geo import schema
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.errors import ImportRejected, UploadRejected
from txip_geo.ingest import limits
from txip_geo.ingest.check import Problems, Twin, check, derives_id, fields
from txip_geo.ingest.header import find_header, kind_header, twin_columns
from txip_geo.ingest.read import Sheet, Source, looks_big5, may_hold_control_characters, read_sheets
from txip_geo.ingest.report import ImportReport, Problem, rejected
from txip_geo.locate import frame as _locate
from txip_geo.strings import t

CHUNK_ROWS = 100_000  # data rows read, checked, located and stored at a time: an import's memory is bounded by it


def prepare(
    kind_name: str,
    data: bytes,
    file_name: str,
    *,
    as_of: str,
    layers: dict | None = None,
    skip_invalid: bool = False,
    head: int | None = None,
    chunk_rows: int | None = None,
) -> tuple[pd.DataFrame, ImportReport]:
    """Parse, validate and locate a file's rows without touching the store. Raises ImportRejected.

    `head`: keep only the first records (a preview; the report still covers the whole file)."""
    report = ImportReport(file_name=file_name, kind=kind_name, as_of=as_of)
    frames, kept = [], 0
    for records in prepared_chunks(
        kind_name,
        Source(file_name, data=data),
        report,
        as_of=as_of,
        layers=layers,
        skip_invalid=skip_invalid,
        chunk_rows=chunk_rows,
    ):
        if head is None or kept < head:
            frames.append(records if head is None else records.head(head - kept))
            kept += len(frames[-1])
    return (frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)), report


def prepared_chunks(
    kind_name: str,
    source: Source,
    report: ImportReport,
    *,
    as_of: str,
    layers: dict | None = None,
    skip_invalid: bool = False,
    chunk_rows: int | None = None,
):
    """The file's records, parsed, validated, de-duplicated and located, as frames of at most `chunk_rows` rows
    (default CHUNK_ROWS; a small file is one frame). `report` is filled as the chunks go and complete once the last
    one is given; any rejection (ImportRejected) is raised before the last chunk is given, so a consumer that
    stores the chunks in one transaction stores all of a file or none of it. A file of one chunk is wholly checked
    before its chunk is given.

    Across chunks only what the file-level checks need is kept: the keys already seen (duplicates within the file),
    the problems and the counts."""
    run = _Preparation(
        schema.KINDS[kind_name],
        source,
        report,
        as_of=as_of,
        skip_invalid=skip_invalid,
        chunk_rows=chunk_rows or CHUNK_ROWS,
    )
    yield from run.chunks(layers)


def identity_fields(kind: schema.Kind) -> list[str]:
    """The fields a record is known by as written: its key's fields, or (a key derived from a field: patents' pkey,
    the network's area_code) its first required field."""
    keys = [k for k in kind.key if k in kind.field_names]
    return keys or kind.required[:1]


class _Part:
    """A sheet whose header has every required column: its header row (0-based), column -> field, and headers; and
    its twin columns (header.twin_columns): position -> (field, whether its values are checked against the field's:
    a column of the record's identity, or a header written twice)."""

    def __init__(self, sheet: Sheet, header_row: int, mapping: dict[int, str], headers: list[str], kind: schema.Kind):
        self.sheet, self.header_row, self.mapping, self.headers = sheet, header_row, mapping, headers
        identity = identity_fields(kind)
        self.twins = {i: (f, alike or f in identity) for i, f, alike in twin_columns(kind, headers, mapping)}

    @property
    def checked_twins(self) -> dict[int, Twin]:
        """Position -> the twin whose values are checked (its frame column named after its position)."""
        return {i: Twin(f"_twin{i}", f, self.headers[i]) for i, (f, checked) in self.twins.items() if checked}


class _Preparation:
    """One file's preparation and the state it keeps across chunks: the rows read so far (the row limit), the keys
    already seen (de-duplication within the file), the problems and the counts the report ends with."""

    def __init__(
        self,
        kind: schema.Kind,
        source: Source,
        report: ImportReport,
        *,
        as_of: str,
        skip_invalid: bool,
        chunk_rows: int,
    ):
        self.kind, self.source, self.report = kind, source, report
        self.file_name, self.as_of, self.skip_invalid, self.chunk_rows = source.name, as_of, skip_invalid, chunk_rows
        self.sheets: list[Sheet] = []
        self.raw_rows = 0  # rows read from the file so far, header and blank rows included
        self.problems = Problems()
        self.seen_keys: set = (
            set()
        )  # de-duplication within the file, across chunks: the keys kept (a value, or a tuple)
        self.derived_rows: dict = {}  # derived ID -> (row, the row's content) of its first row
        self.datum_rank: dict[str, int] = {}  # datum texts in the order the file first has them
        self.methods: dict[str, int] = {}
        self.unassigned: list = []
        self.outside: list = []
        self.rows_read = self.rows_valid = self.duplicates = 0
        self.locator = None
        self.control = True  # whether the cells may hold control characters (searched for them)

    # -- reading ------------------------------------------------------------------------------------------------------

    def _reading(self, step):
        """step(), with what the file's reading raises turned into a rejection (a file that cannot be read reports
        nothing else)."""
        try:
            return step()
        except UploadRejected as e:
            raise self._read_failed(str(e)) from None
        except ValueError as e:
            raise self._read_failed(t("ingest.read_failed", file=self.file_name, error=e)) from None

    def _read_failed(self, message: str) -> ImportRejected:
        return rejected(ImportReport(file_name=self.file_name, kind=self.kind.name, as_of=self.as_of), message)

    def _open(self) -> None:
        """The upload checked (size, rows, members: refused before parsing) and the sheets' first rows read."""
        source = self.source
        self._reading(lambda: limits.check_upload(source.content, self.file_name))
        self.control = self._reading(lambda: may_hold_control_characters(source))  # cells searched for them
        self.sheets = self._reading(lambda: read_sheets(source, self.chunk_rows))
        self.raw_rows = sum(len(s.head) for s in self.sheets)
        if all(s.rest is None for s in self.sheets):
            self._reading(lambda: limits.check_rows(self.raw_rows, self.file_name))

    def _rest_of(self, sheet: Sheet):
        """The sheet's raw rows after its first ones (read errors turned into rejections)."""
        while sheet.rest is not None:
            raw = self._reading(lambda: next(sheet.rest, None))
            if raw is None:
                return
            self.raw_rows += len(raw)
            yield raw

    def _all_read(self) -> None:
        """Every row read: the file as a whole may still be refused (too many rows)."""
        if any(s.rest is not None for s in self.sheets):
            self._reading(lambda: limits.check_rows(self.raw_rows, self.file_name))

    # -- the header of every sheet ------------------------------------------------------------------------------------

    def _parts(self) -> list[_Part]:
        """Every sheet whose header has all required columns; the others are reported as skipped. Raises the
        rejection of a file with no such sheet."""
        parts, best_missing = [], None
        for sheet in self.sheets:
            if self._empty(sheet):
                continue
            part, missing = self._part(sheet)
            if part is not None:
                parts.append(part)
            elif best_missing is None or len(missing[0]) < len(best_missing[0]):
                best_missing = missing
        if not parts:
            self._refuse_without_parts(best_missing)
        return parts

    def _empty(self, sheet: Sheet) -> bool:
        raw = sheet.head
        return (raw.empty or raw.dropna(how="all").empty) and (
            sheet.rest is None or all(r.dropna(how="all").empty for r in self._rest_of(sheet))
        )

    def _part(self, sheet: Sheet) -> tuple[_Part | None, tuple | None]:
        """(the sheet as a part, None), or (None, (missing headers, the headers found, the sheet's label))."""
        kind, report = self.kind, self.report
        read: list[str] = []
        hr, mapping, headers = find_header(kind, sheet.head, read)
        derive = derives_id(kind, mapping)
        missing = [
            kind.get(f).header for f in kind.required if f not in mapping.values() and not (derive and f == derive)
        ]
        label = t("ingest.sheet", sheet=sheet.name) if sheet.name != "" else ""
        if derive and not missing:
            header = kind.get(derive).header
            read.append(
                t("ingest.derived_reading", header=header, fields="、".join(kind.get(f).header for f in kind.id_from))
            )
        if missing:
            found = "、".join(h for h in headers if h) if hr >= 0 else ""
            if len(self.sheets) > 1:
                report.skipped.append((0, t("ingest.sheet_missing", sheet=label, missing="、".join(missing))))
            return None, (missing, found or t("ingest.none_found"), label)
        report.readings += [f"{label}{line}" for line in read if f"{label}{line}" not in report.readings]
        return _Part(sheet, hr, mapping, headers, kind), None

    def _refuse_without_parts(self, best_missing: tuple | None) -> None:
        for sheet in self.sheets:
            for _ in self._rest_of(sheet):
                pass
        self._all_read()
        if best_missing is None:
            raise rejected(self.report, t("ingest.empty_file", file=self.file_name))
        if not self.source.is_excel and looks_big5(self.source):  # a header in traditional characters cannot match
            raise rejected(self.report, t("plausible.big5", file=self.file_name))
        missing, found, label = best_missing
        raise rejected(
            self.report,
            t("ingest.missing_columns", file=self.file_name, sheet=label, missing="、".join(missing), found=found),
        )

    def _describe(self, parts: list[_Part]) -> dict[str, str]:
        """The report's sheets, header row and columns; field -> the header it was read from."""
        report = self.report
        report.sheet = "、".join(str(p.sheet.name) for p in parts)
        for p in parts:
            report.header_row = p.header_row + 1
            for i, f in p.mapping.items():
                report.columns[p.headers[i]] = f
            report.unused_columns += [
                h for i, h in enumerate(p.headers) if i not in p.mapping and i not in p.twins and h
            ]
            self._twin_warnings(p, f"{p.sheet.name}!" if len(parts) > 1 else "")
        return {f: h for h, f in report.columns.items()}

    def _twin_warnings(self, part: _Part, prefix: str) -> None:
        """One warning per twin column, on the header row: which column was read, and whether the twin is checked."""
        first = {f: part.headers[i] for i, f in part.mapping.items()}
        for i, (f, checked) in part.twins.items():
            words = dict(twin=part.headers[i], first=first[f], label=kind_header(self.kind, f))
            reason = t("plausible.twin_checked" if checked else "plausible.twin_unread", **words)
            n = len(self.problems.items["warning"])
            self.problems.add((-1, n), Problem(part.header_row + 1, part.headers[i], "", reason, "warning", prefix))

    # -- the rows -----------------------------------------------------------------------------------------------------

    def _body_chunks(self, parts: list[_Part]):
        """The body rows as fields, chunk by chunk, of every part, with the part's checked twins; skipped rows
        reported."""
        for part in parts:
            prefix = f"{part.sheet.name}!" if len(parts) > 1 else ""
            blank_rows = 0
            derive_id = bool(derives_id(self.kind, part.mapping))
            checked = part.checked_twins
            twins, extra = tuple(checked.values()), {i: tw.column for i, tw in checked.items()}
            for raw in itertools.chain([part.sheet.head.iloc[part.header_row + 1 :]], self._rest_of(part.sheet)):
                for start in range(0, len(raw), self.chunk_rows):
                    frame, blanks = fields(
                        self.kind,
                        raw.iloc[start : start + self.chunk_rows],
                        part.mapping,
                        prefix,
                        self.report.skipped,
                        extra,
                    )
                    frame["_derive_id"] = derive_id
                    blank_rows += blanks
                    if len(frame):
                        yield frame, twins
            if blank_rows:
                self.report.skipped.append((0, t("ingest.blank_rows", prefix=prefix, n=blank_rows)))

    def chunks(self, layers: dict | None):
        self._open()
        parts = self._parts()
        header_of = self._describe(parts)
        if self.kind.located:
            layers = layers or {}
            self.locator = _locate.Locator(
                load_gazetteer(),
                townships=layers.get("townships"),
                parks=layers.get("parks"),
                outline=layers.get("outline"),
                finder=layers.get("finder"),
            )
        # The next chunk's fields are read before a chunk is given (they are compact; its prepared records are not):
        # when the last chunk is given, the file-level checks have been made -- before anything is stored, for a
        # small file.
        frames = self._body_chunks(parts)
        ahead, finished = next(frames, None), False
        while ahead is not None:
            (frame, twins), ahead = ahead, next(frames, None)
            out = self._records(frame, header_of, twins)
            if out is None:
                continue  # the file will be refused: its remaining rows are only checked
            if ahead is None:
                self._finish()
                finished = True
            if len(out):
                yield out.reset_index(drop=True)
        if not finished:  # no data rows, or the file is refused: nothing was given
            self._finish()

    def _records(self, frame: pd.DataFrame, header_of: dict, twins: tuple = ()) -> pd.DataFrame | None:
        """One chunk's records: checked, without the rows with errors (skip_invalid), de-duplicated and located; None
        once the file is sure to be refused."""
        self.rows_read += len(frame)
        out = check(
            self.kind, frame, header_of, self.problems, self.datum_rank, self.as_of, twins, control=self.control
        )
        bad_rows = self.problems.bad_rows
        if bad_rows and not self.skip_invalid:
            return None
        if bad_rows:
            bad = pd.MultiIndex.from_arrays([out["_sheet"], out["row_no"]]).isin(list(bad_rows))
            out = out[~bad]
        self.rows_valid += len(out)
        out = self._deduplicated(out)
        if self.kind.located:
            self._locate(out)
        return out

    def _deduplicated(self, out: pd.DataFrame) -> pd.DataFrame:
        """De-duplicate within the file on the kind's key (the first row of a key wins, in whichever chunk it is); a
        derived ID shared by rows that differ is an error, not a duplicate."""
        key = list(self.kind.key)
        keyed = (out[key].notna().all(axis=1) & out[key].astype(str).ne("").all(axis=1)).to_numpy()
        values = out[key[0]].tolist() if len(key) == 1 else list(zip(*(out[c].tolist() for c in key)))
        dup = np.zeros(len(out), dtype=bool)
        derived = out["_derived"].to_numpy(dtype=bool) if "_derived" in out else np.zeros(len(out), dtype=bool)
        clash = np.zeros(len(out), dtype=bool)
        content = self._contents(out) if derived.any() else []
        for j in np.flatnonzero(keyed):
            if values[j] not in self.seen_keys:
                self.seen_keys.add(values[j])
                if derived[j]:
                    self._derived_first(out, j, values[j], content[j])
                continue
            first_row = self.derived_rows.get(values[j]) if derived[j] else None
            if first_row is not None and first_row[1] != content[j]:
                clash[j] = True  # same derived ID, different rows: not merged, reported
                self._derived_clash(out, j, values[j], first_row[0])
            else:
                dup[j] = True
        self.duplicates += int(dup.sum())
        if clash.any():
            self.rows_valid -= int(clash.sum())
        return out[~dup & ~clash].drop(columns=["_derived"], errors="ignore")

    def _contents(self, out: pd.DataFrame) -> list[tuple]:
        """Each row's fields as text: what tells two rows with the same derived ID apart."""
        names = self.kind.field_names + ([f.name for f in schema.LOCATION_FIELDS] if self.kind.located else [])
        return list(zip(*(out[f].astype(str).tolist() for f in names)))

    def _derived_first(self, out: pd.DataFrame, j: int, value, content: tuple) -> None:
        sheet, r = out["_sheet"].iat[j], int(out["row_no"].iat[j])
        self.derived_rows[value] = (f"{sheet}{r}" if sheet else r, content)
        self.report.derived_ids.append((f"{sheet}{r}" if sheet else r, value))

    def _derived_clash(self, out: pd.DataFrame, j: int, value, first_row) -> None:
        kind = self.kind
        r = out.iat[j, out.columns.get_loc("row_no")]
        sheet = out.iat[j, out.columns.get_loc("_sheet")]
        self.problems.add(
            (1 << 30, 0),
            Problem(
                int(r),
                t("ingest_check.derived_column", header=kind.get(kind.key[0]).header),
                str(value),
                t(
                    "ingest_check.derived_clash",
                    row=first_row,
                    fields="、".join(kind.get(f).header for f in kind.id_from),
                ),
                "error",
                sheet,
            ),
        )

    def _locate(self, out: pd.DataFrame) -> None:
        """The chunk's records assigned to an area (in place); the counts of each way of assigning kept."""
        loc = self.locator.frame(out)
        for c in schema.ASSIGNMENT_COLUMNS:
            out[c] = loc[c].replace("", None)
        for m, n in out["assign_method"].value_counts(sort=False).items():
            self.methods[m] = self.methods.get(m, 0) + int(n)
        for m, target in (("unassigned", self.unassigned), ("outside", self.outside)):
            sel = out[out["assign_method"] == m]
            target.extend((int(r), n) for r, n in zip(sel["row_no"], sel["assign_note"]))

    # -- the file as a whole ------------------------------------------------------------------------------------------

    def _finish(self) -> None:
        """The file-level checks, once every row is checked (a rejection raises), and the rest of the report."""
        report, file_name = self.report, self.file_name
        self._all_read()
        report.rows_read = self.rows_read
        if not self.rows_read:
            raise rejected(report, t("ingest.no_data_rows", file=file_name, row=report.header_row))
        report.errors, report.warnings = self.problems.listed("error"), self.problems.listed("warning")
        bad_rows = self.problems.bad_rows
        if bad_rows and not self.skip_invalid:
            lines = "\n".join(report.error_lines(10))
            more = (
                t("ingest.more_errors", errors=len(report.errors), rows=len(bad_rows))
                if len(report.errors) > 10
                else ""
            )
            raise rejected(report, t("ingest.bad_rows", file=file_name, rows=len(bad_rows), lines=lines, more=more))
        if not self.rows_valid:
            raise rejected(report, t("ingest.all_bad", file=file_name))
        report.duplicates = self.duplicates
        if self.kind.located:
            # As value_counts orders them over the whole file: most frequent first, ties in order of first appearance.
            report.methods = pd.Series(self.methods, dtype="int64").sort_values(ascending=False).to_dict()
            report.unassigned.extend(self.unassigned)
            report.outside.extend(self.outside)
        report.rows_imported = self.rows_valid - self.duplicates
