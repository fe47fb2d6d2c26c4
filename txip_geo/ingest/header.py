"""Finding a sheet's header: the row that best names the kind's fields, each column mapped to a field by the header's
aliases (data/column_aliases.toml) and, for a header that means several fields, by the words its values contain."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache

import numpy as np
import pandas as pd

from txip_geo import schema
from txip_geo.ingest import parse
from txip_geo.ingest.read import MAX_HEADER_SCAN
from txip_geo.ingest.words import COORDS_HEADER
from txip_geo.paths import DATA_DIR
from txip_geo.strings import t

#: A pseudo-field: one column holding both coordinates (offices' workstation lists write 经纬度 "120.05,32.17"); its
#: header is COORDS_HEADER.
COORDS = "lonlat"


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
                                tables.setdefault("values", {}).setdefault(kname, {}).setdefault(fname, []).extend(
                                    words
                                )
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


def kind_header(kind: schema.Kind, name: str) -> str:
    if name == COORDS:
        return COORDS_HEADER
    for f in schema.input_fields(kind):
        if f.name == name:
            return f.header
    return name


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
                field = _by_values(
                    kind, [f for f in claimed[a] if f not in taken], headers[hit], values_of, hit, readings
                )
                used[hit], taken = field, taken | {field}
                if field == fname:
                    break
    return used


def twin_columns(kind: schema.Kind, headers: list, mapping: dict[int, str]) -> list[tuple[int, str, bool]]:
    """The columns left unread whose header is an alias of a field another column was read as (申请号 and 专利号, or
    申请号 twice): (position, field, whether the two headers are written alike), in column order. A header that
    is an alias of several fields read is a twin only of the one whose column has the same header."""
    normed = [_norm_header(h) for h in headers]
    claimed: dict[str, list[str]] = {}
    for fname, names in _field_aliases(kind):
        if fname != COORDS:
            for a in dict.fromkeys(names):
                claimed.setdefault(a, []).append(fname)
    column_of = {f: i for i, f in mapping.items()}
    twins = []
    for i, h in enumerate(normed):
        if i in mapping or not h:
            continue
        read = [f for f in claimed.get(h, []) if f in column_of]
        alike = [f for f in read if normed[column_of[f]] == h]
        field = read[0] if len(read) == 1 else (alike[0] if len(alike) == 1 else None)
        if field is not None:
            twins.append((i, field, normed[column_of[field]] == h))
    return twins


def _by_values(kind: schema.Kind, candidates: list[str], header: str, values_of, i: int, readings: list | None) -> str:
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
        how = t(
            "ingest_header.values_fit" if best[0] >= VALUE_FIT else "ingest_header.values_fit_none",
            sample=sample,
            label=label,
        )
        readings.append(t("ingest_header.reading", header=header, label=label, others=others, how=how))
    return field


def cell(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip()


def header_candidates(raw: pd.DataFrame, r: int) -> list[str]:
    """Row r as a header; an empty cell takes the text above it (a header cell merged over two rows), and a cell
    under a merged parent keeps its own text (two-level headers: 申请人信息 → 申请人 / 地址)."""
    row = [cell(v) for v in raw.iloc[r].to_numpy()]
    if r > 0:
        above = [cell(v) for v in raw.iloc[r - 1].to_numpy()]
        row = [c or a for c, a in zip(row, above)]
    return row


def cell_texts(col: pd.Series) -> pd.Series:
    """A raw column as stripped text ('' for empty cells)."""
    if isinstance(col.dtype, pd.StringDtype):
        return col.fillna("").str.strip()
    return col.astype("object").where(col.notna(), "").astype(str).str.strip()


def find_header(
    kind: schema.Kind, raw: pd.DataFrame, readings: list | None = None
) -> tuple[int, dict[int, str], list[str]]:
    """The row (0-based) that best looks like the header: most mapped fields, required ones weighing double.
    `readings` gets how the chosen header's ambiguous columns were read (see map_columns)."""
    best = (-1, 0, {}, [], [])
    for r in range(min(MAX_HEADER_SCAN, len(raw))):

        def values_of(i, r=r):
            return cell_texts(raw.iloc[r + 1 : r + 1 + VALUE_SAMPLE, i]).tolist()

        for headers in ([cell(v) for v in raw.iloc[r].to_numpy()], header_candidates(raw, r)):
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
