"""Enterprise names as they are matched (issue #18): the name key, a holder cell's co-holders, branches, the rename
table (data/enterprise_renames.csv) and 拼音 initials for search. The rule, measured on tests/fixtures/
enterprise_names.csv, and its known misses are explained in docs/enterprises.md.

* `name_key`: NFKC (full-width brackets, letters and digits become half-width), no spaces, no bracket characters
  (their content kept), the suffixes and company forms of data/enterprise_names.toml applied (the sample's （样例）
  dropped, 有限责任公司 written 有限公司).
* `holder_keys`: a 申请人/注册人 cell may name several co-holders separated by ';' (CNIPA exports): each is matched.
* a 分公司 keeps its own key: its records never count for its parent (`branch_parent` names the parent, so a profile
  can say how many records its branches hold).
* `Renames`: old name → new name (and the enterprise's credit code) from the rename table, followed through chains
  (A → B → C); a row that cannot be used is reported with its file, row and column, never guessed.
* `initials`: each character's 拼音 initials, every reading of a heteronym kept (重庆 is found by cq and zq, 银行 by
  yh and yx), so a user's reading of a name is found whichever reading pypinyin would pick.
"""

from __future__ import annotations

import csv
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from txip_geo.paths import DATA_DIR
from txip_geo.strings import t

with open(DATA_DIR / "enterprise_names.toml", "rb") as _f:
    _NAMES = tomllib.load(_f)  # the suffixes dropped, the company forms taken as the same, the branch word
DROP_SUFFIXES = tuple(_NAMES["drop_suffixes"])
SAME_FORMS = dict(_NAMES["same_forms"])
BRANCH_WORD = _NAMES["branch_word"]
COMPANY_WORD = _NAMES["company_word"]
BRACKETS = re.compile(r"[()\[\]【】〔〕]")
SPACES = re.compile(r"\s+")
HOLDER_SEP = re.compile(r"[;；]")
# 统一社会信用代码 (GB 32100-2015): 18 characters of digits and capital letters without I, O, S, V, Z.
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
RENAMES_FILE = DATA_DIR / "enterprise_renames.csv"
RENAME_COLUMNS = ("old_name", "new_name", "credit_code", "date", "source")


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v)) or str(v).strip() == ""


def name_key(name) -> str:
    """A company name as matched (module docstring). '' for an empty cell."""
    if _blank(name):
        return ""
    s = SPACES.sub("", unicodedata.normalize("NFKC", str(name)))
    for suffix in DROP_SUFFIXES:
        s = s.removesuffix(suffix)
    s = BRACKETS.sub("", s)
    for form, same in SAME_FORMS.items():
        s = s.replace(form, same)
    return s


def holder_keys(cell) -> tuple[str, ...]:
    """The name keys of the co-holders a 申请人/注册人 cell names (';' or '；' between them)."""
    return () if _blank(cell) else _holder_keys(str(cell))


@lru_cache(maxsize=200_000)  # a roster's few thousand holders recur on many records
def _holder_keys(cell: str) -> tuple[str, ...]:
    return tuple(k for k in (name_key(part) for part in HOLDER_SEP.split(cell)) if k)


def branch_parent(key: str) -> str | None:
    """The parent's key of a 分公司's key (…有限公司黄桥分公司 → …有限公司), None when the key is no branch."""
    if not key.endswith(BRANCH_WORD):
        return None
    cut = key.rfind(COMPANY_WORD, 0, len(key) - len(BRANCH_WORD))
    return key[: cut + len(COMPANY_WORD)] if cut > 0 else None


def credit_code(v) -> str:
    """A credit code as compared: stripped, upper case ('' for an empty cell)."""
    return "" if _blank(v) else unicodedata.normalize("NFKC", str(v)).strip().upper()


# -- the rename table ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Renames:
    """Old names' keys → the latest name's key, and → the enterprise's credit code where the row gives one."""

    to_new: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    old_names: dict[str, list[str]] = field(default_factory=dict)  # latest key → the old names as written
    problems: tuple[str, ...] = ()

    def current(self, key: str) -> str:
        """The key of the name a company bears now (the key itself when it was never renamed)."""
        return self.to_new.get(key, key)


NO_RENAMES = Renames()


def _bad(path, row: int, column: str, reason: str) -> str:
    return t("enterprise_match.bad_rename", file=Path(path).name, row=row, column=column, reason=t(reason))


def _row_problem(path, i: int, r: dict) -> str | None:
    """Why a rename row cannot be used (None when it can); `i` is its line in the file."""
    for col in ("old_name", "new_name", "source"):
        if _blank(r.get(col)):
            return _bad(path, i, col, "enterprise_match.reason_empty")
    if name_key(r["old_name"]) == name_key(r["new_name"]):
        return _bad(path, i, "new_name", "enterprise_match.reason_same")
    code = credit_code(r.get("credit_code"))
    if code and not CREDIT_CODE.match(code):
        return _bad(path, i, "credit_code", "enterprise_match.reason_code")
    if not _blank(r.get("date")):
        try:
            date.fromisoformat(str(r["date"]).strip())
        except ValueError:
            return _bad(path, i, "date", "enterprise_match.reason_date")
    return None


def _resolve(direct: dict[str, str], path) -> tuple[dict[str, str], list[str]]:
    """Each old key followed to the last name of its chain; a circle is reported and dropped."""
    out, problems = {}, []
    for old in direct:
        seen, key = [old], direct[old]
        while key in direct and key not in seen:
            seen.append(key)
            key = direct[key]
        if key in seen:
            problems.append(t("enterprise_match.rename_circle", file=Path(path).name, name=old))
            continue
        out[old] = key
    return out, problems


def read_renames(path: str | Path | None = None) -> Renames:
    """The rename table (data/enterprise_renames.csv by default; columns RENAME_COLUMNS, a `note` column free).
    Rows that cannot be used are left out and reported in `problems`; a missing file is no renames."""
    p = Path(path) if path is not None else RENAMES_FILE
    if not p.exists():
        return NO_RENAMES
    with open(p, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in RENAME_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return Renames(problems=(t("enterprise_match.rename_columns", file=p.name, columns="、".join(missing)),))
        rows = list(reader)
    direct, codes, written, problems = {}, {}, {}, []
    for i, r in enumerate(rows, start=2):  # line 1 is the header
        why = _row_problem(p, i, r)
        old = name_key(r.get("old_name"))
        if why is None and old in direct and direct[old] != name_key(r["new_name"]):
            why = _bad(p, i, "old_name", "enterprise_match.reason_twice")
        if why:
            problems.append(why)
            continue
        direct[old] = name_key(r["new_name"])
        written[old] = str(r["old_name"]).strip()
        if credit_code(r.get("credit_code")):
            codes[old] = credit_code(r["credit_code"])
    to_new, circles = _resolve(direct, p)
    old_names: dict[str, list[str]] = {}
    for old, new in to_new.items():
        old_names.setdefault(new, []).append(written[old])
    return Renames(to_new, {k: v for k, v in codes.items() if k in to_new}, old_names, (*problems, *circles))


@cache
def default_renames() -> Renames:
    """data/enterprise_renames.csv, read once per process."""
    return read_renames()


# -- 拼音 initials --------------------------------------------------------------------------------------------------


@cache
def _char_initials(ch: str) -> str:
    """The initials of every reading of a character ('' for a bracket or sign; a letter or digit: itself)."""
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    from pypinyin import Style, pinyin  # imported when first needed (≈0.3 s)

    readings = pinyin(ch, style=Style.FIRST_LETTER, heteronym=True, errors=lambda _: [""])[0]
    letters = {r[0].lower() for r in readings if r and r[0].isascii() and r[0].isalpha()}
    return "".join(sorted(letters))


def initials(name) -> str:
    """A name's initials as one string, each character's readings between '|': 重庆 → '|cz|q|'."""
    key = name_key(name)
    return "|" + "|".join(i for i in (_char_initials(c) for c in key) if i) + "|" if key else ""


INITIALS_QUERY = re.compile(r"^[A-Za-z]{2,}$")


def initials_pattern(query: str) -> str | None:
    """The regular expression finding `query` (letters only, at least two) as consecutive initials in `initials`."""
    q = query.strip().lower()
    if not INITIALS_QUERY.match(q):
        return None
    return r"\|" + r"\|".join(f"[a-z0-9]*{c}[a-z0-9]*" for c in q) + r"\|"
