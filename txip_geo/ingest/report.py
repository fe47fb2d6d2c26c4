"""What an import tells: its report (counts, the columns read, every problem with its row) and the report as tables for
the 数据 page and its Excel download."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import pandas as pd

from txip_geo.errors import ImportRejected
from txip_geo.schema import ASSIGN_METHODS, KINDS
from txip_geo.strings import t


@dataclass
class Problem:
    row: int  # row number as seen in the original file (1-based; Excel/CSV line)
    column: str  # column header as written in the file
    value: str
    reason: str
    severity: str = "error"  # error | warning
    sheet: str = ""  # "工作表名!" when the file has several sheets

    def text(self, file_name: str) -> str:
        col = t("ingest_report.problem_column", column=self.column) if self.column else ""
        val = t("ingest_report.problem_value", value=self.value) if self.value not in ("", None) else ""
        where = t("ingest.sheet", sheet=self.sheet.rstrip("!")) if self.sheet else ""
        return t(
            "ingest_report.problem",
            file=file_name,
            sheet=where,
            row=self.row,
            column=col,
            value=val,
            reason=self.reason,
        )


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
            kw[k] = [
                Problem(**{a: b for a, b in p.items() if a in pf}) if isinstance(p, dict) else p
                for p in kw.get(k) or []
            ]
        return cls(**kw)


def rejected(report: ImportReport, message: str) -> ImportRejected:
    """`report` marked refused with `message` (Chinese), as the exception to raise."""
    report.status = "rejected"
    report.message = message
    return ImportRejected(report)


# -- the report as tables -----------------------------------------------------------------------------------------

#: The tables of report_frames, in order; each one's Chinese name (a sheet of the download) is sheet_label(key).
REPORT_TABLES = ("summary", "errors", "warnings", "skipped", "derived_ids", "unassigned", "outside")


def sheet_label(key: str) -> str:
    """The Chinese name of one of the report's tables (REPORT_TABLES)."""
    return t(f"ingest_report.sheet_{key}")


def _summary(report: ImportReport) -> pd.DataFrame:
    kind = KINDS.get(report.kind)
    status = {s: t(f"ingest_report.status_{s}") for s in ("imported", "unchanged", "rejected")}

    def label(key: str) -> str:
        return t(f"ingest_report.{key}")

    return pd.DataFrame(
        [
            (label("file"), report.file_name),
            (label("kind"), kind.label if kind else report.kind),
            (label("as_of"), report.as_of),
            (label("status"), status.get(report.status, report.status)),
            (label("message"), report.message),
            (label("sheets"), report.sheet),
            (label("header_row"), report.header_row or ""),
            (label("rows_read"), report.rows_read),
            (label("rows_imported"), report.rows_imported),
            (label("duplicates"), report.duplicates),
            (label("rows_rejected"), len({(p.sheet, p.row) for p in report.errors})),
            (label("warnings"), len(report.warnings)),
            *((t("ingest_report.method", method=ASSIGN_METHODS.get(k, k)), v) for k, v in report.methods.items()),
            (label("unused_columns"), "、".join(report.unused_columns)),
            *((label("readings"), r) for r in report.readings),
        ],
        columns=[label("item"), label("content")],
    )


def _problems(items: list) -> pd.DataFrame:
    cols = [t(f"ingest_report.col_{c}") for c in ("sheet", "row", "column", "value", "reason")]
    rows = [(p.sheet.rstrip("!"), p.row, p.column, p.value, p.reason) for p in items if isinstance(p, Problem)]
    rows += [("", "", "", "", str(p)) for p in items if not isinstance(p, Problem)]
    return pd.DataFrame(rows, columns=cols)


def report_frames(report: ImportReport) -> dict[str, pd.DataFrame]:
    """The import report as tables (for the data page and its Excel download), keyed as REPORT_TABLES; their Chinese
    names are sheet_label(key)."""
    row, reason = t("ingest_report.col_row"), t("ingest_report.col_reason")
    return {
        "summary": _summary(report),
        "errors": _problems(report.errors),
        "warnings": _problems(report.warnings),
        "skipped": pd.DataFrame([(r or "", why) for r, why in report.skipped], columns=[row, reason]),
        "derived_ids": pd.DataFrame(report.derived_ids, columns=[row, t("ingest_report.col_id")]),
        "unassigned": pd.DataFrame(report.unassigned, columns=[row, t("ingest_report.col_note")]),
        "outside": pd.DataFrame(report.outside, columns=[row, t("ingest_report.col_note")]),
    }


def report_sheets(report: ImportReport) -> dict[str, pd.DataFrame]:
    """report_frames keyed by their Chinese names: the sheets of the report's Excel download."""
    return {sheet_label(k): df for k, df in report_frames(report).items()}
