"""Checking cells: a chunk's raw rows as the kind's fields (blank and total rows left out), each cell parsed and
validated, coordinates split and checked, derived IDs made; every problem listed with its row, column and value, in
the order one pass over the whole file would list them."""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

import numpy as np
import pandas as pd

from txip_geo import schema
from txip_geo.areas.datum import CHINA_LAT, CHINA_LON
from txip_geo.ingest import parse, plausible
from txip_geo.ingest import patent_numbers as patents
from txip_geo.ingest.derive import derive
from txip_geo.ingest.header import COORDS, cell, cell_texts, kind_header
from txip_geo.ingest.report import Problem
from txip_geo.ingest.words import TOTAL_ROW_WORDS
from txip_geo.strings import t

# A total row's first cell, spaces removed, starts with one of the total words (合计 总计 小计 总数); only the cells
# holding one of the words' last characters (计 数) are looked at closer.
_TOTAL_ROW = "^(" + "|".join(TOTAL_ROW_WORDS) + ")"
_TOTAL_HINTS = tuple(dict.fromkeys(w[-1] for w in TOTAL_ROW_WORDS))
_COORD_SPLIT = re.compile(r"\s*[,，;；/、\s]\s*")


class Problems:
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


class Flags:
    """One chunk's checks: `flag(mask, column, values, reasons)` lists a problem for each row of `mask`. Problems are
    listed by check, then row. Every call is a check of its own, except the calls with a `rank`: those are parts of
    one check after all the others, ordered by `rank` (the same in every chunk)."""

    def __init__(self, kind: schema.Kind, frame: pd.DataFrame, header_of: dict, problems: Problems):
        self.kind, self.frame, self.header_of, self.problems = kind, frame, header_of, problems
        self.checks = 0  # the checks made so far in this chunk

    def __call__(
        self, mask: pd.Series, column: str, values: pd.Series, reasons, severity="error", rank=None, header=None
    ) -> None:
        """`header`: the column's header in the file, when it is not the one `column` (a field) was read from."""
        if rank is None:
            self.checks += 1
        if not mask.any():
            return
        key = (self.checks, 0) if rank is None else (self.checks + 1, rank)
        reasons = reasons if isinstance(reasons, pd.Series) else pd.Series(reasons, index=mask.index)
        frame = self.frame
        header = header or self.header_of.get(column, kind_header(self.kind, column))
        for idx in mask[mask].index:
            self.problems.add(
                key,
                Problem(
                    int(frame.at[idx, "row_no"]),
                    header,
                    str(values.get(idx, "")),
                    str(reasons[idx]),
                    severity,
                    frame.at[idx, "_sheet"],
                ),
            )


# -- a chunk's rows as fields -----------------------------------------------------------------------------------------


def _first_cells(body: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first non-empty cell ('' for none) and which rows are blank. A column is only looked at for the rows
    whose cells before it are all empty (for most files the first column settles nearly every row)."""
    n = len(body)
    first = np.full(n, "", dtype=object)
    pending = np.arange(n)  # positions of the rows with no non-empty cell so far
    for i in range(body.shape[1]):
        if not len(pending):
            break
        col = body.iloc[:, i]
        texts = cell_texts(col if len(pending) == n else col.iloc[pending])
        texts = texts.mask(texts.isin(["nan", "None", "NaT"]), "")
        filled = texts.ne("").to_numpy()
        first[pending[filled]] = texts.to_numpy(dtype=object)[filled]
        pending = pending[~filled]
    blank = np.zeros(n, dtype=bool)
    blank[pending] = True
    return first, blank


def _total_rows(first: np.ndarray) -> np.ndarray:
    """Which rows are total rows (TOTAL_ROW_WORDS), from their first non-empty cells."""
    totals = np.zeros(len(first), dtype=bool)
    maybe = np.flatnonzero([any(h in v for h in _TOTAL_HINTS) for v in first.tolist()])
    if len(maybe):
        cells = pd.Series(first[maybe], dtype=object)
        totals[maybe] = cells.str.replace(r"\s", "", regex=True).str.match(_TOTAL_ROW).to_numpy(dtype=bool)
    return totals


def fields(
    kind: schema.Kind,
    body: pd.DataFrame,
    mapping: dict[int, str],
    prefix: str,
    skipped: list,
    extra: dict[int, str] | None = None,
) -> tuple[pd.DataFrame, int]:
    """Raw body rows -> one column per input field (plus row_no, _sheet; and the `extra` columns, position -> name:
    the twins of a field, see Twin), without blank and total rows (total rows are reported in `skipped`, the
    report's list); and the number of blank rows."""
    # Text columns (CSV) are passed as they are; converting them to numpy and back costs seconds per million rows.
    frame = pd.DataFrame(
        {
            f: (
                body.iloc[:, i].array if isinstance(body.dtypes.iloc[i], pd.StringDtype) else body.iloc[:, i].to_numpy()
            )
            for i, f in (mapping | (extra or {})).items()
        },
        index=body.index,
    )
    frame["row_no"] = frame.index + 1  # file row number (1-based, as Excel shows it)
    frame["_sheet"] = prefix
    first, blank = _first_cells(body)
    totals = _total_rows(first)
    for j in np.flatnonzero(totals & ~blank):
        skipped.append((int(body.index[j]) + 1, t("ingest_check.total_row", prefix=prefix, text=first[j])))
    keep = ~(blank | totals)
    frame = frame if keep.all() else frame[keep]  # no copy of a million rows when nothing is skipped
    for f in schema.input_fields(kind):
        if f.name not in frame.columns:
            frame[f.name] = None
    return frame.reset_index(drop=True), int(blank.sum())


# -- derived IDs --------------------------------------------------------------------------------------------------------


def derives_id(kind: schema.Kind, mapping: dict[int, str]) -> str:
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


# -- checking a chunk ---------------------------------------------------------------------------------------------------


def _parsed(f: schema.Field, col: pd.Series, txt: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """A field's values parsed by its type, and the error of each cell (None: text, never wrong)."""
    if f.type == "text":
        return txt, None
    if f.type == "date":
        return parse.parse_dates(col, txt)
    if f.type == "bool":
        return parse.parse_bools(col)
    return parse.parse_numbers(col, integer=(f.type == "int"), txt=txt)


def check(
    kind: schema.Kind,
    frame: pd.DataFrame,
    header_of: dict,
    problems: Problems,
    datum_rank: dict,
    as_of: str,
    twins: tuple = (),
    control: bool = True,
) -> pd.DataFrame:
    """Parse and validate one chunk's fields; the problems go to `problems`. Returns the parsed columns. `twins`:
    the part's Twin columns whose values are checked against their field's; `control`: whether the cells may hold
    control characters (False: the file has none, read.may_hold_control_characters)."""
    out = pd.DataFrame(index=frame.index)
    out["row_no"] = frame["row_no"]
    out["_sheet"] = frame["_sheet"]
    derived_key = kind.key[0] if kind.id_from and "_derive_id" in frame and frame["_derive_id"].any() else ""
    if COORDS in frame:
        frame = frame.copy()
        frame["lon"], frame["lat"] = frame["lon"].astype(object), frame["lat"].astype(object)
    flag = Flags(kind, frame, header_of, problems)
    if COORDS in frame:
        _split_coordinates(frame, parse.clean_text(frame[COORDS]), flag)
    if twins:
        frame = _check_twins(kind, frame, twins, flag)
    texts = {}
    for f in schema.input_fields(kind):
        col = frame[f.name]
        txt = parse.clean_text(col)  # once per field: the parsers are given it
        refused = plausible.check_cells(flag, f.name, txt, control)  # control characters, overlong cells
        read = txt
        if refused.any():  # read as empty: one problem per cell
            col, read = col.mask(refused), txt.mask(refused, "")
        val, err = _parsed(f, col, read)
        if err is not None:
            flag(err.ne(""), f.name, read, err)
        if f.required and not (derived_key and f.name == derived_key):
            flag(txt.eq(""), f.name, txt, t("ingest_check.required_empty"))
        out[f.name] = val
        texts[f.name] = read

    if derived_key:
        out[derived_key] = _derived_ids(kind, out)
        out["_derived"] = True
    plausible.check_values(kind, out, texts, flag, as_of, header_of)
    derive(kind, out, flag, as_of)
    if kind.located:
        _check_coordinates(out, flag, datum_rank)
    return out


# -- two columns read as one field ------------------------------------------------------------------------------------


class Twin(NamedTuple):
    """A column whose header is another alias of a field a column before it was read as (申请号 and 专利号, or
    申请号 twice). Its values are checked against the field's, row by row (ingest.importer decides which twins are:
    the columns of the record's identity, and any header written twice)."""

    column: str  # its name in the chunk's frame
    field: str
    header: str  # as written in the file


def _canonical(kind: schema.Kind, field: str, txt: pd.Series) -> pd.Series:
    """What two spellings of one value have in common: widths, case, spaces, brackets and dashes aside; an
    application number's canonical form (a ZL prefix, dots, a missing check digit aside)."""
    plain = txt.str.replace(r"[\s()（）\[\]【】\-—－·・]", "", regex=True).str.lower()
    if kind.derive == "patent_numbers" and field == "app_no":
        number = patents.normalise_numbers(txt)["number"].str.partition(".")[0]
        number.index = txt.index
        return number.where(number.ne(""), plain)
    return plain


def _check_twins(kind: schema.Kind, frame: pd.DataFrame, twins: tuple, flag: Flags) -> pd.DataFrame:
    """Each twin's cells against its field's: a row where both are given and differ is an error naming both
    columns; where only the twin is given, its value is read. Returns the frame with those values filled in."""
    frame = frame.copy()
    for column, field, header in twins:
        first, other = parse.clean_text(frame[field]), parse.clean_text(frame[column])
        both = first.ne("") & other.ne("")
        differ = both & _canonical(kind, field, first).ne(_canonical(kind, field, other))
        first_header = flag.header_of.get(field, kind_header(kind, field))
        reasons = pd.Series("", index=frame.index, dtype=object)
        if differ.any():
            reasons[differ] = [
                t("plausible.twin_differs", first=first_header, first_value=v, label=kind_header(kind, field))
                for v in first[differ]
            ]
        flag(differ, field, other, reasons, header=header)
        fill = first.eq("") & other.ne("")
        if fill.any():
            frame[field] = frame[field].astype(object).where(~fill, frame[column].astype(object))
    return frame


# -- coordinates --------------------------------------------------------------------------------------------------------


def _check_coordinates(out: pd.DataFrame, flag: Flags, datum_rank: dict) -> None:
    """`datum_rank`: datum text -> rank, in the order the file (all chunks so far) first has them."""
    lon, lat = out["lon"], out["lat"]
    one = lon.isna() ^ lat.isna()
    flag(one, "lon", lon.astype(str), t("ingest_check.coords_one"))
    swapped = lon.between(18, 54) & lat.between(*CHINA_LON)
    flag(swapped, "lon", lon.astype(str), t("ingest_check.coords_swapped"))
    bad = (lon.notna() & ~lon.between(*CHINA_LON) & ~swapped) | (lat.notna() & ~lat.between(*CHINA_LAT) & ~swapped)
    flag(bad, "lon", lon.astype(str), t("ingest_check.coords_outside"))
    if out["datum"].ne("").any():
        from txip_geo.areas.datum import normalise_datum

        for d in out.loc[out["datum"].ne(""), "datum"].unique():
            rank = datum_rank.setdefault(d, len(datum_rank))
            try:
                norm = normalise_datum(d)
                out.loc[out["datum"] == d, "datum"] = norm
            except ValueError as e:
                flag(out["datum"] == d, "datum", out["datum"], str(e), rank=rank)


def _split_coordinates(frame: pd.DataFrame, txt: pd.Series, flag: Flags) -> None:
    """Fill lon/lat from a combined coordinates column where the row has no 经度/纬度 of its own. The order is read
    from the values (longitude 73–136, latitude 3–54 in China: the two ranges do not overlap), so both "经度,纬度"
    and "纬度,经度" are read; a cell that is not two numbers is an error naming the column."""
    own = frame["lon"].map(cell).ne("") | frame["lat"].map(cell).ne("")
    todo = txt.ne("") & ~own
    if not todo.any():
        return
    parts = txt[todo].str.strip("()（）[]【】 ").str.split(_COORD_SPLIT, regex=True)
    nums = parts.map(lambda p: [float(x) for x in p] if len(p) == 2 and all(_is_number(x) for x in p) else None)
    flag(nums.isna().reindex(frame.index, fill_value=False), COORDS, txt, t("ingest_check.coords_pair"))
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
