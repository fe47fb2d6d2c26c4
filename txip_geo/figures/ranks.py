"""Ranks of areas on a metric (1 = best) and the metrics where more is worse."""

from __future__ import annotations

import pandas as pd

# For these, more is worse: a zero is good news, not a gap (maps say so, ranks go lowest first).
MORE_IS_WORSE = {"zero_patent_above_scale", "zero_patent_high_tech", "cases"}


def ranks(values: pd.Series, metric: str) -> pd.Series:
    """1 = best (for 'more is worse' metrics 1 = fewest), ties share the better rank, missing values stay missing."""
    return values.rank(ascending=metric in MORE_IS_WORSE, method="min")
