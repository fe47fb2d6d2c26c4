"""Importing a file into the store as one transaction: its rows prepared chunk by chunk (ingest.importer, or the
worker process for a large text file: ingest.worker), each chunk stored as it comes, the report kept with the import;
and reading that report back (the 数据 page's warnings)."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

from txip_geo import schema
from txip_geo.errors import ImportRejected
from txip_geo.ingest import worker as import_worker
from txip_geo.ingest.importer import prepared_chunks
from txip_geo.ingest.read import Source
from txip_geo.ingest.report import ImportReport, rejected
from txip_geo.strings import t


def store_layers(store) -> dict:
    from txip_geo.areas import boundaries

    return {
        "townships": store.layer("townships"),
        "parks": store.layer("parks"),
        "outline": boundaries.county_outline(),
        # what places points in the layers: None (the Python path) unless the store offers PostGIS (store.postgis)
        "finder": store.point_finder() if hasattr(store, "point_finder") else None,
    }


def import_file(
    store,
    kind_name: str,
    path: str | Path,
    *,
    as_of: str | None = None,
    user: str = "cli",
    is_sample: bool = False,
    skip_invalid: bool = False,
    data: bytes | None = None,
    file_name: str | None = None,
    chunk_rows: int | None = None,
    on_chunk=None,
) -> ImportReport:
    """Import one file as one transaction. Raises ImportRejected (store unchanged) when it is refused.

    A text file is streamed: read, checked, located and inserted `chunk_rows` rows at a time (default CHUNK_ROWS),
    all inside the import's one transaction, so memory does not grow with the file; `data` (an upload's bytes) is
    used instead of reading `path`. `on_chunk(rows)`: called after each chunk of `rows` records was stored (a
    background job's progress, store.job_runner)."""
    if kind_name not in schema.KINDS:
        raise ValueError(t("ingest.unknown_kind", kind=kind_name))
    path = Path(path)
    file_name = file_name or path.name
    source = Source(file_name, data=data, path=None if data is not None else path)
    as_of = as_of or date.today().isoformat()
    try:
        sha = source.sha256()
    except OSError as e:
        rep = ImportReport(file_name=file_name, kind=kind_name, as_of=as_of)
        refusal = rejected(rep, t("ingest.unreadable", file=file_name, error=e.strerror))
        audit_refusal(store, rep, user=user, sha="")
        raise refusal from None
    existing = store.find_import(kind_name, sha, as_of)
    if existing is not None:
        rep = ImportReport(
            file_name=file_name,
            kind=kind_name,
            as_of=as_of,
            status="unchanged",
            import_id=existing,
            message=t("ingest.unchanged", file=file_name, as_of=as_of),
        )
        _audit(store, user, "import_unchanged", rep, sha, import_id=existing)
        return rep
    try:
        return _import(store, kind_name, source, sha, as_of, user, is_sample, skip_invalid, chunk_rows, on_chunk)
    except ImportRejected as e:  # nothing was stored (the import's transaction rolled back): the attempt is logged
        audit_refusal(store, e.report, user=user, sha=sha)
        raise
    except Exception as e:
        rep = ImportReport(file_name=file_name, kind=kind_name, as_of=as_of)
        _audit(store, user, "import_failed", rep, sha, error=f"{type(e).__name__}: {e}"[:300])
        raise


def _import(
    store,
    kind_name: str,
    source: Source,
    sha: str,
    as_of: str,
    user: str,
    is_sample,
    skip_invalid,
    chunk_rows,
    on_chunk,
) -> ImportReport:
    """import_file's work once the file is known to be new: prepare its chunks and store them in one transaction."""
    file_name = source.name
    report = ImportReport(file_name=file_name, kind=kind_name, as_of=as_of)
    # A large text file is prepared by a second process while this one inserts (import_worker: two cores at work).
    prepare = import_worker.prepared_chunks if import_worker.wanted(source) else prepared_chunks
    chunks = prepare(
        kind_name,
        source,
        report,
        as_of=as_of,
        layers=store_layers(store),
        skip_invalid=skip_invalid,
        chunk_rows=chunk_rows,
    )
    first = next(chunks)  # a file of one chunk is wholly read and checked here, before the store is touched
    if on_chunk is not None:
        chunks = _counted(itertools.chain([first], chunks), on_chunk)
        first = next(chunks)

    def rejected_rows() -> int:
        return len({(p.sheet, p.row) for p in report.errors})

    # The report and the counts are complete once the last chunk is in: add_records asks for them then.
    report.import_id = store.add_records(
        schema.KINDS[kind_name],
        itertools.chain([first], chunks),
        file_name=file_name,
        data=source.content,
        as_of=as_of,
        user=user,
        is_sample=is_sample,
        report=report.to_dict,
        rows=lambda: (report.rows_read, report.rows_imported, rejected_rows(), report.duplicates),
    )
    report.status = "imported"
    report.message = t(
        "ingest.imported",
        file=file_name,
        imported=report.rows_imported,
        read=report.rows_read,
        duplicates=report.duplicates,
        rejected=rejected_rows(),
        warnings=len(report.warnings),
    )
    return report


def _counted(chunks, on_chunk):
    """The chunks, calling `on_chunk(rows)` once the consumer asks for the next one (the previous one is stored)."""
    for chunk in chunks:
        yield chunk
        on_chunk(len(chunk))


# -- the audit log: every attempt, whatever its outcome ------------------------------------------------------------

#: The audit log's actions for an import that stored nothing (an import that did is ``import``, written with it).
AUDIT_ACTIONS = ("import_refused", "import_unchanged", "import_failed")
REASON_CHARS = 300  # the first reason of a refusal, as kept in the log


def first_reason(report: ImportReport) -> str:
    """Why a file was refused, in one line: its first error (file, row, column, value, reason) and how many more,
    or the refusal's message."""
    if report.errors:
        reason = report.errors[0].text(report.file_name)
        if len(report.errors) > 1:
            reason += t("import_audit.more", n=len(report.errors) - 1)
    else:
        reason = " ".join(report.message.split())
    return reason if len(reason) <= REASON_CHARS else reason[: REASON_CHARS - 1] + "…"


def _audit(store, user: str, action: str, report: ImportReport, sha: str, **words) -> None:
    kind = schema.KINDS.get(report.kind)
    key = {"import_refused": "refused", "import_unchanged": "unchanged", "import_failed": "failed"}[action]
    detail = t(
        f"import_audit.{key}",
        kind=kind.label if kind else report.kind,
        file=report.file_name,
        as_of=report.as_of,
        sha=sha or t("import_audit.no_sha"),
        **words,
    )
    store.audit(user, action, detail)


def audit_refusal(store, report: ImportReport, *, user: str, sha: str, preview: bool = False) -> None:
    """A refused import in the audit log: who, the file, its SHA-256, the kind, the first reason. Its own short
    transaction, after the import's was rolled back: no record changes. `preview`: refused when previewed (the
    数据 page checks a file before offering to import it)."""
    reason = first_reason(report) + (t("import_audit.preview") if preview else "")
    _audit(store, user, "import_refused", report, sha, reason=reason)


def stored_report(store, import_id: int) -> ImportReport | None:
    """The report kept with a past import (its warnings with row, column, value and reason), or None when the
    import has none (an import still under way)."""
    import json

    with store.reading() as con:
        row = con.execute("SELECT report, file_name, kind, as_of FROM imports WHERE id=?", (int(import_id),)).fetchone()
    if row is None or not row[0]:
        return None
    rep = ImportReport.from_dict(json.loads(row[0]))
    rep.file_name, rep.kind, rep.as_of = rep.file_name or row[1], rep.kind or row[2], rep.as_of or row[3]
    rep.import_id = int(import_id)
    return rep


def import_warning_counts(store) -> dict[int, int]:
    """Import id -> the number of warnings its stored report lists (imports without a report are absent)."""
    with store.reading() as con:
        rows = con.execute(
            "SELECT id, json_array_length(report, '$.warnings') FROM imports "
            "WHERE report IS NOT NULL AND json_valid(report)"
        ).fetchall()
    return {int(i): int(n or 0) for i, n in rows}
