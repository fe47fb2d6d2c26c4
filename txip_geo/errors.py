"""The app's own errors, in one place: each carries a Chinese message for the user (str(e)) and leaves what is stored
unchanged. Foundation level: imports nothing of txip_geo, so any wing may raise or catch them.

- ImportRejected: a data or boundary file refused as a whole; its `report` says why (ingest).
- UploadRejected: a file refused before it is read -- too large, too many rows or members, an unsafe archive
  (ingest.limits); importers turn it into an ImportRejected.
- AuthError: a user or password refused (store.auth).
- BackupError: a backup not written, or an archive refused for restoring (store.backup).
- EvidenceError: an evidence file that is unknown, missing from the store's folder or no longer matches its checksum
  (store.evidence); it is reported, never served.
- FontNotFound: no usable CJK font for the exports, with what to install (render.fonts).
"""

from __future__ import annotations

from typing import Any

__all__ = ["AuthError", "BackupError", "EvidenceError", "FontNotFound", "ImportRejected", "UploadRejected"]


class ImportRejected(Exception):
    """The whole file was refused; `report` (an ingest.report.ImportReport, or a boundary report) says why."""

    def __init__(self, report: Any):
        super().__init__(report.message)
        self.report = report


class UploadRejected(ValueError):
    """A file refused before it is read: too large, too many rows or members, or an unsafe archive (Chinese)."""


class AuthError(ValueError):
    """A Chinese message for the user."""


class BackupError(Exception):
    """A backup could not be written, or an archive was refused (Chinese message; the store is unchanged)."""


class EvidenceError(Exception):
    """An evidence file that cannot be served as stored: unknown, missing, or altered on disk (Chinese message)."""


class FontNotFound(RuntimeError):
    pass
