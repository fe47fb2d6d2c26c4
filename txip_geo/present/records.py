"""The records as the 数据 page and the exports list them: imports and their snapshots, assignment counts, the records
counted for no township (or outside Taixing), and the heading lines above an exported table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from txip_geo import schema
from txip_geo.store.rules import no_township_mask
from txip_geo.strings import t


# -- the data page's list of records not counted for any township ------------------------------------------------------
def _location_text(row: dict) -> str:
    """The location text the locator worked from: the area fields and address as written, or the coordinates."""
    parts = []
    for f in schema.LOCATION_FIELDS:
        if f.name in ("lon", "lat", "datum"):
            continue
        v = row.get(f.name)
        if v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip():
            parts.append(f"{f.header}：{str(v).strip()}")
    lon, lat = row.get("lon"), row.get("lat")
    if lon is not None and lat is not None and not pd.isna(lon) and not pd.isna(lat):
        datum = row.get("datum") or "WGS84"
        parts.append(f"{t('data.coords')}：{float(lon):.6f}, {float(lat):.6f}（{datum}）")
    if parts:
        return "；".join(parts)
    # No location at all: the record's name (never a personal-data field) helps find it in the source file.
    for name in _NAME_FIELDS:
        v = row.get(name)
        if v is not None and not pd.isna(v) and str(v).strip():
            return t("data.no_location_named", name=str(v).strip())
    return t("data.no_location")


# Fields that name a record (first present wins), for records without any location text; none is personal data.
_NAME_FIELDS = ("applicant", "registrant", "name", "pledgor", "title")


def heading_lines(fs, title: str) -> list[str]:
    """Title lines above an exported table: the title, the sample note, the as-of date, the 示意边界 notice."""
    lines = [title]
    if fs.is_sample:
        lines.append(t("app.sample_badge"))
    if fs.as_of:
        lines.append(t("app.as_of", date=fs.as_of))
    if fs.schematic_notice:
        lines.append(fs.schematic_notice)
    return lines


def unassigned_table(fs, store=None, personal: bool = True) -> pd.DataFrame:
    """Records of every located kind that count for no township — assign_method 'unassigned', or a park whose host
    township is not known (the rule of FigureSet.unassigned) — followed by those outside Taixing (assign_method
    'outside', never counted). Chinese columns: 数据类型, 原文件行号, 文件, 记录编号, 地址/名称, 归属方式, 说明.

    A FigureSet keeps the no-township records but drops the outside-Taixing ones, so pass the store to list those
    too; the snapshot used is the FigureSet's (settings.as_of). personal=False masks personal data (viewers)."""
    if store is not None:  # only the rows listed here: a million patents are not loaded for their few unassigned
        records = located_records(store, fs.settings.as_of, no_township=True)
    else:  # the counted records without a township (a FigureSet has no outside records)
        records = fs.no_township_records if fs.no_township_records is not None else fs.records
    if not personal:
        from txip_geo.present.redact import redact_frame

        records = {k: redact_frame(v, k) for k, v in records.items()}
    cols = [
        t("data.col_kind"),
        t("data.col_row"),
        t("data.col_file"),
        t("data.col_record"),
        t("data.col_text"),
        t("data.col_method"),
        t("data.col_note"),
    ]
    rows = []
    for ki, (k, kind) in enumerate(schema.KINDS.items()):
        df = records.get(k)
        if not kind.located or df is None or df.empty:
            continue
        group = pd.Series(-1, index=df.index)
        group[no_township_mask(df)] = 0
        group[df["assign_method"] == "outside"] = 1
        id_field = kind.fields[0].name
        for g, r in zip(group[group >= 0], df[group >= 0].to_dict("records")):
            rows.append(
                {
                    "_g": int(g),
                    "_k": ki,
                    cols[0]: kind.label,
                    cols[1]: int(r["row_no"]),
                    cols[2]: r.get("file_name") or "",
                    cols[3]: "" if pd.isna(r.get(id_field)) else str(r.get(id_field)),
                    cols[4]: _location_text(r),
                    cols[5]: schema.ASSIGN_METHODS.get(r["assign_method"], r["assign_method"]),
                    cols[6]: r.get("assign_note") or "",
                }
            )
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows).sort_values(["_g", "_k", cols[1]], kind="stable")
    return out[cols].reset_index(drop=True)


# -- data page --------------------------------------------------------------------------------------------------------
def kind_label(kind: str) -> str:
    """Chinese label of a record kind, or of a boundary import ('boundaries:townships')."""
    if kind in schema.KINDS:
        return schema.KINDS[kind].label
    if kind.startswith("boundaries:"):
        layer = kind.split(":", 1)[1]
        return t("data.kind_boundaries", layer=t(f"data.layer_{layer}") if layer in ("townships", "parks") else layer)
    return kind


def current_snapshots(imports: pd.DataFrame, as_of: str | None = None) -> dict[str, str]:
    """Per kind, the as-of date of the snapshot the figures use (latest, or latest on or before as_of)."""
    df = imports if as_of is None else imports[imports["as_of"] <= as_of]
    return df.groupby("kind")["as_of"].max().to_dict() if len(df) else {}


def local_time(value) -> str:
    """A stored time as people read it, in the server's local time: 2026-12-07 08:15:02. Times are stored as local
    ISO text (2026-12-07T08:15:02); one stored with an offset (…+00:00, …Z) is converted to local time. Text that is no
    time is returned as it is; a missing one as ""."""
    from datetime import datetime

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return text
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.strftime("%Y-%m-%d %H:%M:%S")


def imports_table(imports: pd.DataFrame, as_of: str | None = None) -> pd.DataFrame:
    """The imports, newest first, with Chinese columns: 数据类型, 文件, 截至, 导入时间, 导入人, 记录数, 样例, 当前使用."""
    cols = [
        t("data.col_kind"),
        t("data.col_file"),
        t("data.col_as_of"),
        t("data.col_imported_at"),
        t("data.col_by"),
        t("data.col_rows"),
        t("data.col_sample"),
        t("data.col_in_use"),
    ]
    if imports is None or imports.empty:
        return pd.DataFrame(columns=cols)
    snaps = current_snapshots(imports, as_of)
    yes, no = t("data.yes"), t("data.no")
    df = imports.sort_values("id", ascending=False)
    out = pd.DataFrame(
        {
            cols[0]: df["kind"].map(kind_label),
            cols[1]: df["file_name"],
            cols[2]: df["as_of"],
            cols[3]: df["imported_at"].map(local_time),
            cols[4]: df["imported_by"],
            cols[5]: df["rows_imported"].astype("Int64"),
            cols[6]: df["is_sample"].map(lambda v: yes if v else no),
            cols[7]: [yes if snaps.get(k) == a else no for k, a in zip(df["kind"], df["as_of"])],
        }
    )
    return out.reset_index(drop=True)


def located_records(store, as_of: str | None = None, *, no_township: bool = False) -> dict[str, pd.DataFrame]:
    """The current snapshot of every located kind, outside-Taixing records included (FigureSet drops those);
    `no_township`: only the records that count for no township or lie outside (Store.records)."""
    return {k: store.records(k, as_of, no_township=no_township) for k, kind in schema.KINDS.items() if kind.located}


def _count_row(kind, counts: pd.Series, no_unit: int) -> dict:
    row = {t("data.col_kind"): kind.label}
    for m, label in schema.ASSIGN_METHODS.items():
        row[label] = int(counts.get(m, 0))
    row[t("data.col_total")] = int(counts.sum())
    row[t("data.col_no_unit")] = int(no_unit)
    return row


def _frame_row(kind, df: pd.DataFrame | None) -> dict:
    """A kind's row of assignment_counts from its records."""
    if df is None or not len(df):
        return _count_row(kind, pd.Series(dtype=int), 0)
    return _count_row(kind, df["assign_method"].value_counts(), no_township_mask(df).sum())


def assignment_counts(records: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per located kind (rows, Chinese label), how many records were assigned by each method (columns, Chinese
    labels of schema.ASSIGN_METHODS), 合计, and how many have no township (counted for the city only; this includes
    park records whose host township is not known). Kinds with no records show zeros."""
    return pd.DataFrame([_frame_row(kind, records.get(k)) for k, kind in schema.KINDS.items() if kind.located])


def store_assignment_counts(store, as_of: str | None = None) -> pd.DataFrame:
    """`assignment_counts` of the store's current snapshot without loading the patent records: their counts per
    method come from the per-import aggregates, their no-township count from the few rows without a township."""
    rows = []
    for k, kind in schema.KINDS.items():
        if not kind.located:
            continue
        if not kind.aggregated:
            rows.append(_frame_row(kind, store.records(k, as_of)))
            continue
        c = store.patent_counts(as_of, long_cut="", keys=("assign_method",))
        counts = c.groupby("assign_method")["n"].sum() if len(c) else pd.Series(dtype=int)
        rows.append(_count_row(kind, counts, no_township_mask(store.records(k, as_of, no_township=True)).sum()))
    return pd.DataFrame(rows)


def boundary_text(status: str) -> str:
    return t("data.boundaries_official" if status == "official" else "data.boundaries_schematic")
