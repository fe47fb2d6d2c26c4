"""Rules the store's SQL and the pandas code share: which records count for no township."""

from __future__ import annotations

import pandas as pd


def no_township_mask(df: pd.DataFrame) -> pd.Series:
    """Records counted for the city but for no township: not outside Taixing and without a unit_code (method
    'unassigned', or a park whose host township is not known). The same rule as FigureSet.unassigned."""
    unit = df["unit_code"] if "unit_code" in df.columns else pd.Series(None, index=df.index)
    return (df["assign_method"] != "outside") & (unit.isna() | (unit.astype(str).str.strip() == ""))
