"""企业: search an enterprise (name, old name, credit code, partial; 拼音 initials) → its profile (flags, old names,
patents and trademarks, 消零 status, cases; a map of its township with its point, a button to the 地图 page) and the
消零 worklists per township and park, exportable to Excel. All figures come from txip_geo.figures.enterprises; the
matching rule: docs/enterprises.md."""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py

import streamlit as st

from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.figures import enterprises as en
from txip_geo.figures import names
from txip_geo.figures.compute import METRICS
from txip_geo.present import enterprise_view as view
from txip_geo.render import xlsx
from txip_geo.strings import t
from ui import auth as ui_auth
from ui import enterprise_map, header, state

gaz = load_gazetteer()
fs = state.figures()
personal = ui_auth.can("see_personal")
parks = {p.code: p.name for p in gaz.parks}

st.title(t("enterprise.title"))
header.show(fs)
st.caption(t("enterprise.intro"))

ent = fs.records.get("enterprises")
if ent is None or ent.empty:
    st.info(t("enterprise.no_roster"))
    st.stop()
problems = names.default_renames().problems
if problems:
    with st.expander(t("enterprise_match.renames_problems", n=len(problems)), icon=":material/warning:"):
        for line in problems:
            st.markdown(f"- {line}")


def show_profile(code: str) -> None:
    p = en.profile(state.figures_unmasked(), code)
    if p is None:
        return
    st.subheader(f"{t('enterprise.profile')}：{p['name']}")
    c1, c2, c3 = st.columns(3)
    c1.markdown(f"**{t('enterprise.township')}**：{gaz.name_of(p['unit_code']) or t('enterprise.none')}")
    c2.markdown(f"**{t('enterprise.park')}**：{parks.get(p['park_code'], t('enterprise.none'))}")
    c3.markdown(f"**{t('enterprise.col_credit_code')}**：{p['credit_code']}")
    flags = [t(f"enterprise.flag_{f}") for f, on in p["flags"].items() if on]
    if p["advantage"]:
        flags.append(t("enterprise.flag_advantage", value=p["advantage"]))
    st.markdown(f"**{t('enterprise.flags')}**：{'、'.join(flags) or t('enterprise.no_flags')}")
    if p["old_names"]:
        st.markdown(f"**{t('enterprise_match.old_names')}**：{'、'.join(p['old_names'])}")
    if p["lon"] is not None and p["lat"] is not None:
        st.caption(t("enterprise_match.map_caption"))
        enterprise_map.show(p["credit_code"])
    else:
        st.caption(t("enterprise_match.no_point"))
    if p["unit_code"]:
        if st.button(t("enterprise.show_on_map"), key="ent_to_map"):
            st.session_state.pop("map_init", None)  # the map reads ?unit= again
            st.switch_page("pages/map.py", query_params={"unit": p["unit_code"]})
    else:
        st.caption(t("enterprise.no_location"))
    cols = st.columns(2)
    for col, kind in zip(cols, ("patents", "trademarks")):
        k = p[kind]
        held = t("enterprise.held", n=k["held"]) if k["held"] is not None else t("enterprise.held_unknown")
        source = t("enterprise.held_source_derived" if k["held_derived"] else "enterprise.held_source_roster")
        col.metric(t(f"enterprise.{kind}"), held, help=source)
        col.markdown(t("enterprise.zero") if k["zero"] else t("enterprise.not_zero"))
        col.caption(t("enterprise.matched", valid=k["matched_valid"], all=k["matched_all"]))
        if k["branches"]:
            col.caption(t("enterprise_match.branches", kind=t(f"enterprise.{kind}"), n=k["branches"]))
        if len(k["first"]):
            col.caption(t("enterprise.first", n=len(k["first"])))
            col.dataframe(view.records_table(k["first"], kind), hide_index=True, key=f"ent_first_{kind}")
    st.markdown(f"**{t('enterprise.cases')}**")
    cases = view.cases_table(p["cases"], personal)
    if cases.empty:
        st.caption(t("enterprise.no_cases"))
    else:
        st.dataframe(cases, hide_index=True, key="ent_cases")
        if not personal:
            st.caption(t("enterprise.masked_note"))


# -- search → results → profile ---------------------------------------------------------------------------------------
query = st.text_input(t("enterprise.search"), key="ent_query", help=t("enterprise_match.search_help"))
if query.strip():
    hits = en.search_enterprises(fs, query)
    if hits.empty:
        st.info(t("enterprise.no_match", query=query.strip()))
    else:
        st.caption(t("enterprise.results", n=len(hits)))
        names = dict(zip(hits["credit_code"], hits["name"]))
        code = st.selectbox(
            t("enterprise.pick"), list(names), key="ent_pick", format_func=lambda c: f"{names[c]}（{c}）"
        )
        if code:
            show_profile(code)

# -- 消零 worklists ----------------------------------------------------------------------------------------------------
st.divider()
st.subheader(t("enterprise.worklists"))
st.caption(t("enterprise.worklist_intro"))
areas = {None: t("enterprise.city")} | {u.code: u.name for u in gaz.units} | parks
c1, c2, c3 = st.columns(3)
area = c1.selectbox(t("enterprise.area"), list(areas), key="ent_area", format_func=areas.get)
gap = c2.radio(t("enterprise.gap"), list(en.GAPS), key="ent_gap", format_func=lambda g: t(f"enterprise.gap_{g}"))
group = c3.radio(
    t("enterprise.group"),
    [*en.GROUPS, "any"],
    key="ent_group",
    format_func=lambda g: t(f"enterprise.group_{g}"),
)
by = "park_code" if area in parks else "unit_code"
table = view.worklist_table(fs, by, area, gap, group, personal)
st.markdown(t("enterprise.list_count", n=len(table)))
metric = en.MAP_METRIC.get((gap, group))
if metric:
    frame = fs.parks if area in parks else fs.units
    n = fs.city.get(metric) if area is None else frame.set_index("code").loc[area, metric]
    if n is not None and n == n:  # NaN: no roster in the view
        st.caption(t("enterprise.map_count", n=int(n), label=METRICS[metric][0]))
if table.empty:
    st.caption(t("enterprise.no_worklist"))
else:
    st.dataframe(table, hide_index=True, width="stretch", key="ent_worklist")
    if not personal and view.contact_columns(ent):
        st.caption(t("enterprise.masked_note"))
    title = t(
        "enterprise.title_line",
        area=areas[area],
        group=t(f"enterprise.group_{group}"),
        gap=t(f"enterprise.gap_{gap}"),
        as_of=fs.as_of or "",
    )
    sheet = t("enterprise.sheet")
    st.download_button(
        t("enterprise.download"),
        data=xlsx.write_xlsx({sheet: table}, {sheet: [title]}),
        file_name=f"{sheet}_{areas[area]}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="ent_download",
    )
