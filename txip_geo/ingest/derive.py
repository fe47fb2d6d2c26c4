"""Each kind's derived columns and its own checks, computed on import once a chunk's cells are parsed.

A kind names its function here (schema.Kind.derive, e.g. "patent_numbers"); `derive` dispatches through that name, so
no code asks which kind it holds. Each function is given the chunk's parsed columns (`out`, changed in place), the
chunk's `flag` (txip_geo.ingest.check.Flags: mask, column, values, reasons) and the import's as-of date. The order
of its `flag` calls is the order its problems are listed in. A kind's derived columns are the ones schema.Kind.derived
lists; its de-duplication key is schema.Kind.key (which may be one of them: patents' pkey, the network's area_code).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from txip_geo import schema
from txip_geo.areas.gazetteer import CITY_CODE, load_gazetteer
from txip_geo.ingest import ipc, parse, words
from txip_geo.ingest import patent_numbers as patents
from txip_geo.strings import t

Derive = Callable[[pd.DataFrame, Callable, str], None]

#: Function name -> the function (the names schema.Kind.derive gives).
DERIVES: dict[str, Derive] = {}


def _derives(fn: Derive) -> Derive:
    DERIVES[fn.__name__] = fn
    return fn


def derive(kind: schema.Kind, out: pd.DataFrame, flag, as_of: str) -> None:
    """The kind's derived columns and checks (none for a kind without a derive function)."""
    if kind.derive:
        DERIVES[kind.derive](out, flag, as_of)


@_derives
def patent_numbers(out: pd.DataFrame, flag, as_of: str) -> None:
    """The canonical number, its de-duplication key (pkey), type, PCT and check digit; the year; the status code."""
    num = patents.normalise_numbers(out["app_no"])
    num.index = out.index
    flag(num["error"].ne("") & num["number"].eq("") & out["app_no"].ne(""), "app_no", out["app_no"], num["error"])
    flag(
        num["check_ok"].eq(False),
        "app_no",
        out["app_no"],
        num["error"].where(num["error"].ne(""), t("ingest_derive.check_digit")),
        severity="warning",
    )
    out["number"] = num["number"].replace("", None)
    pkey = num["number"].str.partition(".")[0]  # = patents.dedupe_key of the canonical number
    out["pkey"] = pkey.where(pkey.ne(""), None)
    out["patent_type"] = num["patent_type"].replace("", None)
    out["pct"] = num["pct"].astype(int)
    out["check_ok"] = num["check_ok"].astype("Float64")  # 1.0 / 0.0 / missing
    year = pd.to_numeric(num["year"], errors="coerce")
    year = year.fillna(pd.to_numeric(out["app_date"].str[:4], errors="coerce"))
    out["app_year"] = year
    label = out["type_label"].map(
        {t_: (patents.type_from_label(t_) if t_ else "") for t_ in out["type_label"].unique()}
    )
    clash = label.ne("") & out["patent_type"].notna() & label.ne(out["patent_type"].fillna(""))
    flag(clash, "type_label", out["type_label"], t("ingest_derive.type_clash"), severity="warning")
    out["patent_type"] = out["patent_type"].fillna(label.replace("", None))
    st = parse.map_status(out["status"], words.PATENT_STATUS, txt=out["status"])  # cleaned already
    flag(st.eq("") & out["status"].ne(""), "status", out["status"], t("ingest_derive.patent_status"))
    out["status_code"] = st.replace("", None)
    _check_ipc(out, flag)


def _check_ipc(out: pd.DataFrame, flag) -> None:
    """A warning for each 主分类号 / 分类号 cell with a code that is not IPC notation (design patents carry Locarno
    classes: not checked); such a code counts in no industry (figures.industries)."""
    for col in ("ipc", "ipc_all"):
        if col not in out.columns:
            continue
        cells = out[col].fillna("").astype(str)
        bad = cells.map({c: "; ".join(ipc.malformed(c)) for c in cells.unique()})
        mask = bad.ne("") & out["patent_type"].ne("design")
        # The reason worded once per distinct malformed text (not once per row).
        reasons = bad.map({b: t("ingest_derive.ipc_malformed", codes=b) if b else "" for b in bad.unique()})
        flag(mask, col, out[col], reasons, severity="warning")


@_derives
def trademark_status(out: pd.DataFrame, flag, as_of: str) -> None:
    """The status code (a registration past its expiry date is invalid); the Nice class checked."""
    st = parse.map_status(out["status"], words.TRADEMARK_STATUS)
    flag(st.eq("") & out["status"].ne(""), "status", out["status"], t("ingest_derive.trademark_status"))
    expired = st.eq("valid") & out["expiry_date"].ne("") & (out["expiry_date"] < as_of)
    st[expired] = "invalid"
    out["status_code"] = st.replace("", None)
    bad_class = out["nice_class"].notna() & ~out["nice_class"].between(1, 45)
    flag(bad_class, "nice_class", out["nice_class"].astype(str), t("ingest_derive.nice_class"))


@_derives
def case_status(out: pd.DataFrame, flag, as_of: str) -> None:
    """The kind code (enforcement/dispute), the status code and whether a dispute was mediated. (A closing date before
    the acceptance is refused by the plausibility rules, data/plausibility.toml.)"""
    kc = parse.map_status(out["case_kind"], words.CASE_KIND)
    flag(kc.eq("") & out["case_kind"].ne(""), "case_kind", out["case_kind"], t("ingest_derive.case_kind"))
    st = parse.map_status(out["status"], words.CASE_STATUS)
    flag(st.eq("") & out["status"].ne(""), "status", out["status"], t("ingest_derive.case_status"))
    # Without a status, the closing date tells (ledgers keep 结案日期 only); a case handled by 移送 is transferred.
    st = st.mask(out["status"].eq("") & out["closed_date"].ne(""), "closed")
    st = st.mask(out["status"].eq("") & out["closed_date"].eq(""), "open")
    st = st.mask(out["case_kind"].str.contains(words.alternatives(words.CASE_TRANSFERRED), regex=True), "transferred")
    closed_no_date = st.eq("closed") & out["closed_date"].eq("")
    flag(closed_no_date, "closed_date", out["closed_date"], t("ingest_derive.closed_no_date"), severity="warning")
    out["kind_code"] = kc.replace("", None)
    out["status_code"] = st.replace("", None)
    mediated = kc.eq("dispute") & (
        out["outcome"].str.contains(words.alternatives(words.CASE_MEDIATED_OUTCOME), regex=True)
        | out["status"].str.contains(words.alternatives(words.CASE_MEDIATED_STATUS), regex=True)
    )
    out["mediated"] = mediated.astype(int)


@_derives
def training_audience(out: pd.DataFrame, flag, as_of: str) -> None:
    """Audiences G16 cannot count (empty, unrecognised, mixed) warned about."""
    from txip_geo import rules

    cls = rules.audience_classes(out["audience"])
    for c in rules.UNCLEAR:
        flag(cls.eq(c), "audience", out["audience"], t(f"data.audience_{c}"), severity="warning")


@_derives
def active_status(out: pd.DataFrame, flag, as_of: str) -> None:
    """Whether the workstation or organisation is still active (its status has none of words.INACTIVE)."""
    out["active"] = (~out["status"].str.contains(words.alternatives(words.INACTIVE), regex=True)).astype(int)


@_derives
def network_area(out: pd.DataFrame, flag, as_of: str) -> None:
    """The township or park the row is about (area_code, its de-duplication key); the pilot level checked."""
    gaz = load_gazetteer()
    codes = out["area"].map(lambda t_: gaz.resolve_area(t_))
    flag(codes.map(lambda kc: kc[0] not in ("unit", "park")), "area", out["area"], t("ingest_derive.not_an_area"))
    out["area_code"] = codes.map(lambda kc: kc[1] or None)
    lvl_bad = out["pilot_level"].ne("") & ~out["pilot_level"].str.contains(
        words.alternatives(words.PILOT_LEVELS), regex=True
    )
    flag(lvl_bad, "pilot_level", out["pilot_level"], t("ingest_derive.pilot_level"))


@_derives
def manual_goal(out: pd.DataFrame, flag, as_of: str) -> None:
    """The goal's ID checked against the plan's goals and upper-cased."""
    from txip_geo.plan import goal_table

    ids = set(goal_table()["id"])
    flag(
        ~out["goal_id"].str.upper().isin(ids) & out["goal_id"].ne(""),
        "goal_id",
        out["goal_id"],
        t("ingest_derive.goal_id"),
    )
    out["goal_id"] = out["goal_id"].str.upper()


@_derives
def statistics_row(out: pd.DataFrame, flag, as_of: str) -> None:
    """The area code (the city, a township or a park: a park's 市场主体户数 gives its G05) and the measure checked."""
    gaz = load_gazetteer()
    valid_codes = {CITY_CODE} | set(gaz.codes) | set(gaz.park_by_code)
    flag(~out["code"].isin(valid_codes) & out["code"].ne(""), "code", out["code"], t("ingest_derive.area_code"))
    flag(
        ~out["measure"].isin(words.STATISTICS_MEASURES) & out["measure"].ne(""),
        "measure",
        out["measure"],
        t("ingest_derive.measure"),
    )


_unknown = {k.derive for k in schema.KINDS.values() if k.derive} - set(DERIVES)
if _unknown:
    raise LookupError(f"schema.Kind.derive names no function of txip_geo.ingest.derive: {sorted(_unknown)}")
