"""Plausibility: what a value of each field may be beyond being of its type (data/plausibility.toml) -- numbers and
dates within bounds no real record crosses, a date not before the one it follows, no control character and no
overlong text in any cell. The import's cell checks (ingest.check) apply them to a chunk at a time, vectorised; each
refusal is a problem of its row and column (ingest.check.Flags), so --skip-invalid skips such rows like any other
invalid cell.

The rules are data: this module reads them and knows no field by name."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from txip_geo import schema
from txip_geo.paths import DATA_DIR
from txip_geo.strings import t

RULES_FILE = DATA_DIR / "plausibility.toml"

# Control characters no office types (tab, line feed and carriage return are allowed: notes span lines); also as an
# Excel workbook stores them (_x001B_ for an escape), which the workbook reader leaves as they are.
CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|_x00(?:0[0-8BbCcEeFf]|1[0-9A-Fa-f]|7[Ff])_"
_CONTROL = re.compile(CONTROL)
_AS_OF = re.compile(r"^as_of(?:\+(\d+)y)?$")


@dataclass(frozen=True)
class Rule:
    """One field's bounds (as written in the file: numbers, ISO dates, "as_of", "as_of+Ny", "as_of_year")."""

    kind: str
    field: str
    min: object = None
    max: object = None
    after: str = ""
    warn_before: str = ""
    why: str = ""
    source: str = ""
    when: tuple = ()  # ((other field, its value, Rule with the tighter bounds), …)


def _rule(kind: str, name: str, spec: dict) -> Rule:
    when = tuple(
        (other, value, _rule(kind, name, sub))
        for other, values in spec.get("when", {}).items()
        for value, sub in values.items()
    )
    keys = ("min", "max", "after", "warn_before", "why", "source")
    return Rule(kind, name, **{k: spec[k] for k in keys if k in spec}, when=when)


@lru_cache(maxsize=1)
def _load() -> dict:
    with open(RULES_FILE, "rb") as f:
        return tomllib.load(f)


def max_chars() -> int:
    """The longest cell an import reads, in characters."""
    return int(_load()["cells"]["max_chars"])


@cache
def rules(kind_name: str) -> tuple[Rule, ...]:
    """The kind's rules, in the file's order. A rule for a field the kind lacks is an error of the data file."""
    kind = schema.KINDS[kind_name]
    out = []
    for name, spec in _load().get(kind_name, {}).items():
        kind.get(name)  # KeyError for a field the kind does not have
        out.append(_rule(kind_name, name, spec))
    return tuple(out)


def all_rules() -> list[Rule]:
    return [r for k in schema.KINDS for r in rules(k)]


# -- bounds -------------------------------------------------------------------------------------------------------


def date_bound(spec, as_of: str) -> str:
    """An ISO date: `spec` itself, or the as-of date (plus N years for "as_of+Ny"; 29 February → 28 February)."""
    m = _AS_OF.match(str(spec))
    if not m:
        return str(spec)
    if not m.group(1):
        return as_of
    d = date.fromisoformat(as_of)
    years = d.year + int(m.group(1))
    return d.replace(year=years, day=min(d.day, 28) if d.month == 2 else d.day).isoformat()


def number_bound(spec, as_of: str) -> float:
    return float(date.fromisoformat(as_of).year) if spec == "as_of_year" else float(spec)


def _number(x: float) -> str:
    """A bound as a message shows it: 1,000,000; 2026 (a year: no separator below 10,000); 0.5."""
    if not float(x).is_integer():
        return f"{x:,}"
    return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))


# -- cells -------------------------------------------------------------------------------------------------------------


def shown_control(text: str) -> str:
    """A cell with its control characters made visible (\\x00), shortened for a message."""
    shown = _CONTROL.sub(lambda m: m.group() if len(m.group()) > 1 else f"\\x{ord(m.group()):02x}", text[:60])
    return shown + ("…" if len(text) > 60 else "")


def check_cells(flag, field: str, txt: pd.Series, search: bool = True) -> pd.Series:
    """Flag the cells with a control character or longer than max_chars(); returns which cells were flagged (the
    caller reads them as empty, so no second problem is listed for them). Two checks, always made (the order of
    the problems is the same in every chunk). `search`: False when the file is known to hold no control character
    (the cells are not searched). Masks are built only when a cell is flagged (most columns of most files: none)."""
    limit = max_chars()
    none = pd.Series(False, index=txt.index)
    lengths = txt.str.len()
    long = (lengths > limit).fillna(False).astype(bool) if lengths.max() > limit else none
    control = none
    if search:
        found = txt.str.contains(CONTROL, regex=True)
        if found.any():
            control = found.fillna(False).astype(bool) & ~long
    if control.any():
        flag(control, field, txt[control].map(shown_control), t("plausible.control"))
    else:
        flag(none, field, txt, "")
    if long.any():
        shown = txt[long].str.slice(0, 20) + "…"
        reasons = lengths[long].map(lambda n: t("plausible.too_long", n=int(n), limit=limit))
        flag(long, field, shown, reasons.reindex(txt.index, fill_value=""))
    else:
        flag(none, field, txt, "")
    return control | long if (control is not none or long is not none) else none


# -- values ------------------------------------------------------------------------------------------------------------


def check_values(kind: schema.Kind, out: pd.DataFrame, texts: dict, flag, as_of: str, header_of: dict) -> None:
    """Flag the parsed values outside their field's bounds. `texts`: field -> the cells as written (shown in the
    messages); `header_of`: field -> the file's header (named in a message about two columns)."""
    for rule in rules(kind.name):
        f = kind.get(rule.field)
        if f.type == "date":
            _check_dates(rule, kind, out, texts, flag, as_of, header_of)
        else:
            _check_numbers(rule, out, texts, flag, as_of)


def _bounds(rule: Rule, out: pd.DataFrame, as_of: str) -> tuple[pd.Series, pd.Series]:
    """Per row: the lowest and highest plausible number (a `when` rule's bounds on its rows)."""
    lo = pd.Series(-np.inf if rule.min is None else number_bound(rule.min, as_of), index=out.index, dtype="float64")
    hi = pd.Series(np.inf if rule.max is None else number_bound(rule.max, as_of), index=out.index, dtype="float64")
    for other, value, sub in rule.when:
        rows = out[other].astype(str).eq(value)
        if sub.min is not None:
            lo[rows] = np.maximum(lo[rows], number_bound(sub.min, as_of))
        if sub.max is not None:
            hi[rows] = np.minimum(hi[rows], number_bound(sub.max, as_of))
    return lo, hi


def _check_numbers(rule: Rule, out: pd.DataFrame, texts: dict, flag, as_of: str) -> None:
    val = out[rule.field]
    lo, hi = _bounds(rule, out, as_of)
    shown = texts[rule.field]
    low, high = (val < lo).fillna(False), (val > hi).fillna(False)
    flag(low, rule.field, shown, _reasons(low, lo, "plausible.below", "min"))
    flag(high, rule.field, shown, _reasons(high, hi, "plausible.above", "max"))


def _reasons(mask: pd.Series, bound: pd.Series, key: str, name: str) -> pd.Series:
    reasons = pd.Series("", index=mask.index, dtype=object)
    if mask.any():
        reasons[mask] = bound[mask].map(lambda b: t(key, **{name: _number(b)}))
    return reasons


def _check_dates(rule: Rule, kind, out: pd.DataFrame, texts: dict, flag, as_of: str, header_of: dict) -> None:
    """Dates are ISO text ('' when empty): compared as strings."""
    val = out[rule.field]
    given = val.ne("")
    name = rule.field
    lo = date_bound(rule.min, as_of) if rule.min is not None else ""
    flag(given & (val < lo), name, val, t("plausible.date_before", min=lo))
    if rule.max is not None:
        hi = date_bound(rule.max, as_of)
        late = given & (val > hi)
        reason = t("plausible.date_after_as_of", as_of=as_of) if hi == as_of else t("plausible.date_after", max=hi)
        flag(late, name, val, reason)
    else:
        flag(given & False, name, val, "")
    if rule.after:
        other = out[rule.after]
        before = given & other.ne("") & (val < other)
        header = header_of.get(name, kind.get(name).header)
        other_header = header_of.get(rule.after, kind.get(rule.after).header)
        reasons = pd.Series("", index=val.index, dtype=object)
        if before.any():
            reasons[before] = [
                t("plausible.before_other", field=header, other=other_header, other_value=o) for o in other[before]
            ]
        flag(before, name, val, reasons)
    if rule.warn_before:
        flag(
            given & (val >= lo) & (val < rule.warn_before),
            name,
            val,
            t("plausible.date_early", date=rule.warn_before),
            severity="warning",
        )
