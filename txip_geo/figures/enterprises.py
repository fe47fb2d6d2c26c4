"""The enterprise tier (issue #18): an enterprise's patents and trademarks matched from the records, search, a profile
and the 消零 worklists per township and park.

Matching rule (docs/enterprises.md, measured on tests/fixtures/enterprise_names.csv): a record belongs to an
enterprise when its 统一社会信用代码 equals the enterprise's; a record with no credit code belongs to the enterprise
whose name, as matched (`names.name_key`, old names followed through data/enterprise_renames.csv), equals one of its
holders' (a cell may name several co-holders); an old name whose rename row gives a credit code belongs to that
enterprise. The 消零 status and the worklists use the roster's 有效专利数 / 有效商标数 as the map does
(figures.compute fills an empty one from the records); the matched counts are shown beside them.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from txip_geo.figures import names
from txip_geo.figures.names import Renames, name_key

FLAGS = ("above_scale", "high_tech", "gb_filed", "gb_passed", "ip_intensive", "patent_standard")
GAPS = {"patent": "patents_held", "trademark": "trademarks_held"}
GROUPS = ("above_scale", "high_tech")
# The map's figure for each (gap, group) the worklists list (figures.compute.area_table).
MAP_METRIC = {
    ("patent", "above_scale"): "zero_patent_above_scale",
    ("patent", "high_tech"): "zero_patent_high_tech",
    ("trademark", "above_scale"): "zero_trademark_above_scale",
}
_code = names.credit_code
_CACHE: dict[tuple[int, str, int], tuple[weakref.ref, object]] = {}


def _cached(frame: pd.DataFrame, tag: str, renames: Renames, build):
    """build(frame) once per frame (held while the frame lives): the search index, the records' owner tokens."""
    key = (id(frame), tag, id(renames))
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is frame:
        return hit[1]
    value = build(frame)
    for k in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[k]
    _CACHE[key] = (weakref.ref(frame), value)
    return value


def _renames(renames: Renames | None) -> Renames:
    return names.default_renames() if renames is None else renames


def enterprise_tokens(code, name, renames: Renames) -> set[str]:
    """What identifies an enterprise: its credit code and its current name's key."""
    out = {"k:" + renames.current(name_key(name))}
    return out | ({"c:" + _code(code)} if _code(code) else set())


def record_tokens(code, cell, renames: Renames) -> set[str]:
    """Whom a record names: its credit code; by name (no code, or several co-holders) each holder's current key, or
    the credit code its rename row gives."""
    out = {"c:" + _code(code)} if _code(code) else set()
    keys = names.holder_keys(cell)
    if out and len(keys) < 2:
        return out  # one holder with a code: the code decides, the name is not read
    for k in keys:
        out.add("c:" + renames.codes[k] if k in renames.codes else "k:" + renames.current(k))
    return out


def _tokens_of(recs: pd.DataFrame, who: str, renames: Renames) -> pd.Series:
    return _cached(
        recs,
        "tokens:" + who,
        renames,
        lambda r: pd.Series(
            [record_tokens(c, h, renames) for c, h in zip(_codes(r).tolist(), r[who].tolist())],
            index=r.index,
            dtype=object,
        ),
    )


def _codes(recs: pd.DataFrame) -> pd.Series:
    """The records' credit codes as compared (names.credit_code, vectorised; '' for none)."""
    return recs["enterprise_code"].fillna("").astype(str).str.normalize("NFKC").str.strip().str.upper()


def _owners(recs: pd.DataFrame, who: str, renames: Renames) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Row positions by token (record_tokens), and by the current key of the parent of a branch holding the record
    (records with no credit code): built once per frame, so a profile reads two dictionaries."""

    def build(r):
        by_token: dict[str, list[int]] = {}
        by_parent: dict[str, list[int]] = {}
        rows = zip(_codes(r).tolist(), _tokens_of(r, who, renames).tolist(), r[who].tolist())
        for pos, (code, toks, cell) in enumerate(rows):
            for tok in toks:
                by_token.setdefault(tok, []).append(pos)
            if not code:
                for k in names.holder_keys(cell):
                    parent = names.branch_parent(k)
                    if parent:
                        by_parent.setdefault(renames.current(parent), []).append(pos)
        return by_token, by_parent

    return _cached(recs, "owners:" + who, renames, build)


def record_mask(recs: pd.DataFrame, who: str, credit_code: str, name: str, renames: Renames | None = None) -> pd.Series:
    """The records of one enterprise (the module's matching rule)."""
    if recs.empty:
        return pd.Series(False, index=recs.index)
    r = _renames(renames)
    by_token, _ = _owners(recs, who, r)
    hit = np.zeros(len(recs), dtype=bool)
    for tok in enterprise_tokens(credit_code, name, r):
        hit[by_token.get(tok, [])] = True
    return pd.Series(hit, index=recs.index)


def matched_counts(ent: pd.DataFrame, recs: pd.DataFrame, who: str, renames: Renames | None = None) -> pd.Series:
    """Valid records per enterprise (index of `ent`) by the matching rule; a record counts once per enterprise."""
    if recs.empty or ent.empty:
        return pd.Series(0, index=ent.index, dtype=int)
    r = _renames(renames)
    v = recs[recs["status_code"] == "valid"]
    owners: dict[str, list] = {}
    for idx, code, name in zip(ent.index, ent["credit_code"], ent["name"]):
        for tok in enterprise_tokens(code, name, r):
            owners.setdefault(tok, []).append(idx)
    pairs = {(rec, e) for rec, toks in _tokens_of(v, who, r).items() for tok in toks for e in owners.get(tok, ())}
    counts = pd.Series([e for _, e in pairs], dtype=object).value_counts()
    return pd.Series(ent.index.map(lambda i: counts.get(i, 0)), index=ent.index, dtype=int)


def branch_counts(recs: pd.DataFrame, who: str, name: str, renames: Renames | None = None) -> int:
    """Valid records with no credit code held by a 分公司 of the enterprise (not counted for it: docs/enterprises.md)."""
    if recs.empty:
        return 0
    r = _renames(renames)
    _, by_parent = _owners(recs, who, r)
    pos = by_parent.get(r.current(name_key(name)), [])
    return int((recs["status_code"].to_numpy()[pos] == "valid").sum()) if pos else 0


def _search_index(ent: pd.DataFrame, renames: Renames) -> pd.DataFrame:
    """Per roster row: its name key, its old names' keys (|-joined), its credit code, its 拼音 initials."""
    keys = ent["name"].map(name_key)
    old = keys.map(lambda k: "|".join(name_key(o) for o in renames.old_names.get(renames.current(k), ())))
    return pd.DataFrame(
        {"key": keys, "old": old, "code": ent["credit_code"].map(_code), "initials": ent["name"].map(names.initials)},
        index=ent.index,
    )


def search_enterprises(fs, query: str, limit: int | None = 50, renames: Renames | None = None) -> pd.DataFrame:
    """Enterprises whose normalised name (or an old name in the rename table) contains the normalised query, whose
    credit code contains it, or -- a query of letters only -- whose 拼音 initials contain it (partial match). Names
    that start with the query first, then other name matches, old names, codes, initials; by name within each."""
    ent = fs.records.get("enterprises")
    q = (query or "").strip()
    if ent is None or ent.empty or not q:
        return pd.DataFrame(columns=[] if ent is None else ent.columns)
    r = _renames(renames)
    idx = _cached(ent, "search", r, lambda e: _search_index(e, r))
    qk, qc, pattern = name_key(q), _code(q), names.initials_pattern(q)
    never = pd.Series(False, index=ent.index)
    rank = np.select(
        [
            idx["key"].str.startswith(qk) if qk else never,
            idx["key"].str.contains(qk, regex=False) if qk else never,
            idx["old"].str.contains(qk, regex=False) if qk else never,
            idx["code"].str.contains(qc, regex=False) if qc else never,
            idx["initials"].str.contains(pattern, regex=True) if pattern else never,
        ],
        [0, 1, 2, 3, 4],
        default=-1,
    )
    hit = ent[rank >= 0].assign(_rank=rank[rank >= 0])
    hit = hit.sort_values(["_rank", "name"]).drop(columns="_rank")
    return hit.head(limit) if limit else hit


def _one(fs, credit_code: str) -> pd.Series | None:
    ent = fs.records.get("enterprises")
    if ent is None or ent.empty:
        return None
    row = ent[ent["credit_code"].map(_code) == _code(credit_code)]
    return None if row.empty else row.iloc[0]


def _held(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def profile(fs, credit_code: str, first: int = 20, renames: Renames | None = None) -> dict | None:
    """One enterprise: where it is, its flags, its old names (rename table), its valid patents and trademarks (the
    roster's count, the records matched, the first `first` of them, the records of its branches, not counted), its
    消零 status for both, and the cases it is party to."""
    e = _one(fs, credit_code)
    if e is None:
        return None
    r = _renames(renames)
    out = {
        "credit_code": e["credit_code"],
        "name": e["name"],
        "industry": e.get("industry") or "",
        "unit_code": None if pd.isna(e.get("unit_code")) else e["unit_code"],
        "park_code": None if pd.isna(e.get("park_code")) else e["park_code"],
        "address": e.get("address") or "",
        "lon": None if pd.isna(e.get("lon")) else float(e["lon"]),
        "lat": None if pd.isna(e.get("lat")) else float(e["lat"]),
        "datum": e.get("datum") if isinstance(e.get("datum"), str) and e.get("datum") else "WGS84",
        "flags": {f: bool(e.get(f) == 1) for f in FLAGS},
        "advantage": e.get("advantage") or "",
        "old_names": list(r.old_names.get(r.current(name_key(e["name"])), [])),
    }
    for kind, who, col, cols in (
        ("patents", "applicant", "patents_held", ["app_no", "title", "patent_type", "app_date", "status"]),
        ("trademarks", "registrant", "trademarks_held", ["reg_no", "name", "nice_class", "reg_date", "status"]),
    ):
        recs = fs.records.get(kind)
        recs = pd.DataFrame() if recs is None else recs
        mine = recs[record_mask(recs, who, e["credit_code"], e["name"], r)] if len(recs) else recs
        valid = mine[mine["status_code"] == "valid"] if len(mine) else mine
        held = _held(e.get(col))
        out[kind] = {
            "held": held,
            "held_derived": bool(e.get(col + "_derived", False)),
            "matched_valid": len(valid),
            "matched_all": len(mine),
            "zero": held == 0,
            "branches": branch_counts(recs, who, e["name"], r),
            "first": valid[[c for c in cols if c in valid.columns]].head(first) if len(valid) else pd.DataFrame(),
        }
    out["cases"] = party_cases(fs, e["name"])
    return out


def party_cases(fs, name: str) -> pd.DataFrame:
    """Cases whose 当事人 names the enterprise (its normalised name within the party's)."""
    c = fs.records.get("cases")
    key = name_key(name)
    if c is None or c.empty or not key:
        return pd.DataFrame()
    return c[c["party"].map(name_key).str.contains(key, regex=False)]


def worklist(fs, by: str, code: str | None, gap: str = "patent", group: str = "above_scale") -> pd.DataFrame:
    """The 消零 worklist of an area: enterprises of `group` (above_scale, high_tech, or both: 'any') holding no valid
    patent (gap 'patent') or trademark ('trademark'). `by`: unit_code or park_code; code None: the whole city. Its
    length for (patent, above_scale), (patent, high_tech), (trademark, above_scale) is the map's figure
    (MAP_METRIC)."""
    ent = fs.records.get("enterprises")
    if ent is None or ent.empty:
        return pd.DataFrame(columns=[] if ent is None else ent.columns)
    in_group = (ent["above_scale"] == 1) | (ent["high_tech"] == 1) if group == "any" else ent[group] == 1
    m = in_group & (ent[GAPS[gap]] == 0)
    if code is not None:
        m &= ent[by] == code
    return ent[m].sort_values("name")
