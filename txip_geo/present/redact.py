"""Viewers see no personal data (case parties, contacts): the record columns masked for them; figures unchanged."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from txip_geo import schema
from txip_geo.figures.compute import LazyRecords
from txip_geo.strings import t

MASK = t("auth.mask")


# Personal fields per kind (schema.Field.personal), plus the address of a case: it is the party's address.
def personal_columns(kind: str) -> list[str]:
    cols = [f.name for f in schema.input_fields(schema.KINDS[kind]) if f.personal]
    if kind == "cases":
        cols.append("address")
    return cols


def redact_frame(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """A copy with every personal column masked (non-empty values become （已隐去）)."""
    cols = [c for c in personal_columns(kind) if c in df.columns]
    if not cols or df.empty:
        return df
    out = df.copy()
    for c in cols:
        filled = out[c].notna() & (out[c].astype(str).str.strip() != "")
        out[c] = out[c].astype(object).where(~filled, MASK)
    return out


def redact(fs):
    """A FigureSet whose records carry no personal data (for viewers); figures are unchanged."""

    return replace(
        fs,
        records=LazyRecords.mapped(fs.records, redact_frame),  # each kind redacted when first read
        no_township_records=LazyRecords.mapped(fs.no_township_records, redact_frame)
        if fs.no_township_records is not None
        else None,
    )
