"""数据: what is loaded — the imports, the boundary status, how records were assigned to townships — and the records
that count for no township (unassigned) or for nothing (outside Taixing), with an Excel download."""

from datetime import date

import streamlit as st

from txip_geo import export, progress
from txip_geo.schema import ASSIGN_METHODS
from txip_geo.strings import t
from ui import header, state

fs = state.figures()
store = state.store()
version = state.store_version(store)

st.title(t("data.title"))
header.show(fs)


@st.cache_data(show_spinner=False, max_entries=4)
def _tables(path: str, version: tuple, as_of: str | None):
    """Assignment counts and the unassigned/outside list, read from the store (FigureSet drops outside records)."""
    recs = progress.located_records(store, as_of)
    return progress.assignment_counts(recs), export.unassigned_table(fs, store)


# -- boundaries ---------------------------------------------------------------------------------------------------------
status = store.boundaries_status()
(st.success if status == "official" else st.warning)(progress.boundary_text(status))

# -- imports ------------------------------------------------------------------------------------------------------------
st.subheader(t("data.imports"))
imports = store.imports()
if imports.empty:
    st.info(t("data.no_imports"))
else:
    st.caption(t("data.imports_help"))
    st.dataframe(progress.imports_table(imports, fs.settings.as_of), hide_index=True, key="imports_table",
                 height=min(38 + 35 * len(imports), 600))

# -- assignment methods -------------------------------------------------------------------------------------------------
counts, listing = _tables(str(store.path), version, fs.settings.as_of)
st.subheader(t("data.methods"))
st.caption(t("data.methods_help"))
st.dataframe(counts, hide_index=True, key="methods_table")

# -- unassigned and outside records -------------------------------------------------------------------------------------
method_col = t("data.col_method")
un_label, out_label = t("data.sheet_unassigned"), t("data.sheet_outside")
is_out = listing[method_col] == ASSIGN_METHODS["outside"]
un = listing[~is_out].reset_index(drop=True)  # no township: unassigned, or a park whose township is not known
out = listing[is_out].reset_index(drop=True)
st.markdown(f"**{t('data.counts', unassigned=len(un), outside=len(out))}**")

LIST_COLUMNS = {
    t("data.col_kind"): st.column_config.TextColumn(width=100),
    t("data.col_row"): st.column_config.NumberColumn(width=85, format="%d"),
    t("data.col_file"): st.column_config.TextColumn(width=120),
    t("data.col_record"): st.column_config.TextColumn(width=150),
    t("data.col_text"): st.column_config.TextColumn(width=280),
    t("data.col_method"): st.column_config.TextColumn(width=90),
    t("data.col_note"): st.column_config.TextColumn(width=260),
}


def workbook() -> bytes:
    lines = [t("data.xlsx_title")]
    if fs.is_sample:
        lines.append(t("data.xlsx_sample"))
    if fs.as_of:
        lines.append(t("data.xlsx_as_of", date=fs.as_of))
    return export.write_xlsx({un_label: un, out_label: out}, {un_label: lines, out_label: lines})


if len(listing):
    st.download_button(t("data.download_unassigned"), data=workbook, on_click="ignore", key="download_unassigned",
                       file_name=t("data.download_file", date=fs.as_of or date.today().isoformat()),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")

tab_un, tab_out = st.tabs([f"{t('data.unassigned')}（{len(un)}）", f"{t('data.outside')}（{len(out)}）"])
with tab_un:
    if un.empty:
        st.success(t("data.none_unassigned"))
    else:
        st.dataframe(un, hide_index=True, column_config=LIST_COLUMNS, key="unassigned_table", height=360)
with tab_out:
    if out.empty:
        st.success(t("data.none_outside"))
    else:
        st.dataframe(out, hide_index=True, column_config=LIST_COLUMNS, key="outside_table", height=360)
