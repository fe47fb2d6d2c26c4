"""The six featured industries as the map shows them: an indicator per industry, the panel's industry mix."""

from __future__ import annotations

import pandas as pd

from txip_geo.figures import industries
from txip_geo.figures.compute import METRICS, FigureSet
from txip_geo.strings import t

INDICATORS = industries.INDICATORS


def indicator_label(key: str) -> tuple[str, str]:
    """(label, unit) of a map indicator: figures.METRICS', or an industry's ("精细化工及新材料专利", "件")."""
    if key in INDICATORS:
        return industries.indicator_label(key)
    return METRICS[key]


def ready(fs: FigureSet, indicator: str) -> FigureSet:
    """The figure set with the indicator's column: an industry's is counted from the records when first asked."""
    if indicator in INDICATORS:
        industries.attach(fs)
    return fs


# The panel's industry mix: identifier -> strings key of the column shown.
MIX_COLUMNS = {
    "industry": "industries.industry",
    "patents": "metric_labels.patents",
    "invention_patents_valid": "metric_labels.invention_patents_valid",
    "invention_patents_long": "metric_labels.invention_patents_long",
}


def industry_mix(fs: FigureSet, view: str, code: str) -> pd.DataFrame:
    """A township's or park's patents by industry (the panel's small table): one row per industry, columns of
    MIX_COLUMNS; a patent may count in several industries or none (figures.industries)."""
    mix = industries.industry_figures(fs).mix(view, code)
    out = pd.DataFrame({t(MIX_COLUMNS["industry"]): mix["label"].to_list()})
    for m in industries.MEASURES:
        out[t(MIX_COLUMNS[m])] = mix[m].astype(int).to_list()
    return out
