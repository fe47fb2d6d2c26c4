"""The goals' counting rules that a setting or a vocabulary decides, in one place.

- Training audiences (G16 and the per-area `training_attendees`): which 对象 the plan counts. The vocabulary is data
  (data/training_audiences.toml); `audience_class` reads one 对象 cell, `counted_audience` applies the setting.
- Enforcement cases (G13 and the per-area `enforcement_rate`): whether a case 移送 (transferred to the police or the
  judiciary) counts as handled.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import lru_cache

import pandas as pd

from txip_geo.paths import DATA_DIR

# Settings.training_audience: "plan" counts 企业知识产权高管 and 知识产权工程师 only; "all" counts every attendee.
AUDIENCE_RULES = ("plan", "all")

# What a 对象 cell reads as (audience_class): counted by the plan / another audience / not decidable.
COUNTED, OTHER, MIXED, EMPTY, UNKNOWN = "counted", "other", "mixed", "empty", "unknown"
UNCLEAR = (MIXED, EMPTY, UNKNOWN)  # left out under the plan's rule, with an import warning


@lru_cache(maxsize=1)
def _audience_file() -> dict:
    with open(DATA_DIR / "training_audiences.toml", "rb") as f:
        return tomllib.load(f)


@lru_cache(maxsize=1)
def audience_vocabulary() -> dict:
    voc = _audience_file()
    term_class = {}
    for cls, terms in voc["terms"].items():
        for term in terms:
            term_class[_norm(term)] = cls
    plan = {c for c, v in voc["classes"].items() if v.get("plan")}
    return {
        "separators": voc["separators"],
        "term_class": term_class,
        "plan_classes": plan,
        "labels": {c: v["label"] for c, v in voc["classes"].items()},
    }


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    return "".join(text.split()).removesuffix(_audience_file()["trailing"])


def audience_terms(text) -> list[str]:
    """A 对象 cell's terms, normalised ('企业高管、 知识产权工程师等' -> ['企业高管', '知识产权工程师'])."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    text = unicodedata.normalize("NFKC", str(text))
    for sep in audience_vocabulary()["separators"]:
        text = text.replace(unicodedata.normalize("NFKC", sep), "、")
    return [t for t in (_norm(p) for p in text.split("、")) if t]


def audience_class(text) -> str:
    """COUNTED, OTHER, MIXED, EMPTY or UNKNOWN for one 对象 cell (see data/training_audiences.toml)."""
    voc = audience_vocabulary()
    terms = audience_terms(text)
    if not terms:
        return EMPTY
    classes = [voc["term_class"].get(t) for t in terms]
    if any(c is None for c in classes):
        return UNKNOWN
    counted = [c in voc["plan_classes"] for c in classes]
    return COUNTED if all(counted) else (OTHER if not any(counted) else MIXED)


def audience_classes(audience: pd.Series) -> pd.Series:
    """audience_class of every cell (each distinct text read once)."""
    texts = audience.fillna("").astype(str)
    return texts.map({t: audience_class(t) for t in texts.unique()})


def counted_audience(classes: pd.Series, rule: str) -> pd.Series:
    """Which rows (their audience_classes) count for G16 under Settings.training_audience."""
    if rule not in AUDIENCE_RULES:
        raise ValueError(f"training_audience must be one of {AUDIENCE_RULES}, not {rule!r}")
    return pd.Series(True, index=classes.index) if rule == "all" else classes.eq(COUNTED)


def enforcement_handled(status_code: pd.Series, transferred_handled: bool) -> pd.Series:
    """Enforcement cases counted as handled (查处完成) for G13: closed (已结案), and, when the setting
    Settings.transferred_handled is on, transferred (移送公安/司法机关). Open and withdrawn cases are never handled;
    every enforcement case accepted in the plan period is in the denominator whatever the setting."""
    handled = status_code.eq("closed")
    if transferred_handled:
        handled |= status_code.eq("transferred")
    return handled.fillna(False)
