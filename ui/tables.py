"""Small tables as plain HTML (escaped): light to send and draw, unlike st.dataframe's grid, and they print well.

For short, fixed tables (a township's main figures, the ranking of 17 units, the meeting slides); lists a user sorts
or scrolls (workstations, cases) stay st.dataframe.
"""

from __future__ import annotations

import html

import pandas as pd

# The map panel's compact table (the meeting page has its own, larger style: pages/present.py).
PANEL_CSS = """<style>
.stApp .txp-panel-table {border-collapse:collapse; width:100%; font-size:0.9rem}
.stApp .txp-panel-table th {text-align:left; padding:4px 8px; border-bottom:2px solid #bdbdbd; color:#424242}
.stApp .txp-panel-table td {padding:3px 8px; border-bottom:1px solid #eeeeee}
.stApp .txp-panel-table td.num {text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap}
.stApp .txp-panel-wrap {max-height:340px; overflow-y:auto}
</style>"""


def html_table(
    df: pd.DataFrame, classes: dict[int, list[str | None]] | None = None, css_class: str = "txp-table"
) -> str:
    """`df` as an HTML table; `classes` gives, per column index, a CSS class for each row's cell (or None)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for i, row in enumerate(df.itertuples(index=False)):
        cells = []
        for j, v in enumerate(row):
            cls = (classes or {}).get(j, [None] * len(df))[i]
            text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            cells.append((f'<td class="{cls}">' if cls else "<td>") + html.escape(text) + "</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def panel_table(df: pd.DataFrame, numeric: tuple[str, ...] = ()) -> str:
    """A compact table for the map panel, right-aligning the `numeric` columns (with its CSS)."""
    classes = {j: ["num"] * len(df) for j, c in enumerate(df.columns) if c in numeric}
    return PANEL_CSS + '<div class="txp-panel-wrap">' + html_table(df, classes, "txp-panel-table") + "</div>"
