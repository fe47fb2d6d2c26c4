"""What locating a record gives: a :class:`Location` (unit, park, method, note) and the note's joining rules."""

from __future__ import annotations

from dataclasses import dataclass

from txip_geo.schema import ASSIGN_METHODS, ASSIGNMENT_COLUMNS
from txip_geo.strings import t

__all__ = ["Location", "OUTPUT_COLUMNS", "METHODS", "NOTE_SEP", "LIST_SEP", "quoted"]

#: Columns returned by :func:`txip_geo.locate.frame.locate_frame` (the store's assignment columns).
OUTPUT_COLUMNS = ASSIGNMENT_COLUMNS
#: Assignment methods (code, point, address, park, unassigned, outside); ``schema.ASSIGN_METHODS`` labels them.
METHODS = tuple(ASSIGN_METHODS)

#: Between a decisive note and the remarks after it; between the names a note lists.
NOTE_SEP = t("locate.note_sep")
LIST_SEP = t("locate.list_sep")


def quoted(text: str) -> str:
    return t("locate.quoted", text=text)


@dataclass(frozen=True)
class Location:
    unit_code: str  # 9-digit unit code, '' when not assigned
    park_code: str  # P01…, '' when none
    method: str  # one of METHODS
    note: str  # short Chinese explanation shown to users (data/strings_zh.toml [locate])
