"""目标: the plan's goals G01–G16 and milestones M01–M04 (baseline, current, change, target, progress, status, where
the number comes from, lead and cooperating units), grouped as in the plan; the timeline; the dated goals year by
year; the milestones then and now with their evidence; per goal, its baseline's rule, its years and the townships
contributing most and least. `?goal=G01` opens a goal's detail."""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py

import html

import pandas as pd
import streamlit as st

from txip_geo.figures.goals import evaluate
from txip_geo.present import baseline_view as change
from txip_geo.present import goal_tables as progress
from txip_geo.present import industry_tables as industry
from txip_geo.present import task_view
from txip_geo.render import acceptance, gis
from txip_geo.strings import t
from ui import header, state

fs = state.figures()
ev = evaluate(fs)
comp = state.comparison(series=True)  # baseline → now (基期: the sidebar's setting), with the dated goals' years
# The milestones' evidence files (columns goal_tables.EVIDENCE_COLUMNS), kept on the 任务 page.
EVIDENCE = task_view.goal_evidence(state.store())
ids = ev["id"].tolist()
names = dict(zip(ev["id"], ev["name"]))

# -- URL → selected goal (once per session, so a shared link opens that goal) -------------------------------------------
if "goal_pick" not in st.session_state:
    q = (state.query("goal") or "").upper()
    st.session_state.goal_pick = q if q in ids else ids[0]

st.title(t("goals.title"))
header.show(fs)

summ = progress.summary(ev)
st.markdown(
    f'<div data-testid="goals-summary" style="font-size:1.1rem;font-weight:600;margin:0.2rem 0 0.8rem 0">'
    f"{html.escape(summ.text())}</div>",
    unsafe_allow_html=True,
)

# -- 总结验收: the self-assessment report and the GIS layers, built when clicked -------------------------------------------
with st.expander(t("acceptance.downloads"), expanded=False):
    st.caption(t("acceptance.downloads_help", baseline=comp.baseline, current=comp.current))
    later = state.comparison_later(series=True)  # the download runs outside the script: no session state there
    store = state.store()
    cols = st.columns(3)
    for col, (fmt, label, build, name, mime) in zip(
        cols,
        (
            (
                "docx",
                "acceptance.dl_docx",
                lambda: acceptance.self_review_docx(later(), store),
                acceptance.file_name(comp),
                acceptance.FORMATS["docx"],
            ),
            (
                "gpkg",
                "acceptance.dl_gpkg",
                lambda: gis.gis_export(later(), store, "gpkg"),
                gis.file_name("gpkg", comp),
                gis.FORMATS["gpkg"],
            ),
            (
                "shp",
                "acceptance.dl_shp",
                lambda: gis.gis_export(later(), store, "shp"),
                gis.file_name("shp", comp),
                gis.FORMATS["shp"],
            ),
        ),
    ):
        col.download_button(
            t(label),
            data=build,
            file_name=name,
            mime=mime,
            key=f"acceptance_dl_{fmt}",
            on_click="ignore",
            width="stretch",
        )

# -- timeline -----------------------------------------------------------------------------------------------------------
st.subheader(t("goals.timeline"))
tl = progress.timeline()
st.markdown(progress.timeline_html(tl), unsafe_allow_html=True)
st.caption(progress.timeline_caption(tl))

# -- the goals, by group ------------------------------------------------------------------------------------------------
C = {
    k: t(f"goals.{k}")
    for k in (
        "col_id",
        "col_name",
        "col_target",
        "col_current",
        "col_gap",
        "col_unit",
        "col_status",
        "col_progress",
        "col_rule",
        "col_source",
        "col_lead",
        "col_coop",
        "basis",
    )
}
COLUMNS = {
    C["col_id"]: st.column_config.TextColumn(width=60),
    C["col_name"]: st.column_config.TextColumn(width=250),
    C["col_target"]: st.column_config.TextColumn(width=80),
    C["col_current"]: st.column_config.TextColumn(width=80),
    C["col_gap"]: st.column_config.TextColumn(width=70),
    C["col_unit"]: st.column_config.TextColumn(width=120),
    C["col_status"]: st.column_config.TextColumn(width=70),
    C["col_progress"]: st.column_config.ProgressColumn(
        format="percent", min_value=0.0, max_value=1.0, width=110, color="blue"
    ),
    C["col_rule"]: st.column_config.TextColumn(width=360),
    C["col_source"]: st.column_config.TextColumn(width=90),
    C["col_lead"]: st.column_config.TextColumn(width=170),
    C["col_coop"]: st.column_config.TextColumn(width=260),
    C["basis"]: st.column_config.TextColumn(width=480),
    change.baseline_header(comp): st.column_config.TextColumn(width=140),
    t("baseline_view.col_change"): st.column_config.TextColumn(width=80),
    t("baseline_view.col_method"): st.column_config.TextColumn(width=90),
    t("baseline_view.col_note"): st.column_config.TextColumn(width=480),
}


def pick_from_table(key: str, group_ids: list[str]):
    """A callback: a click on a table row opens that goal below."""

    def pick() -> None:
        rows = st.session_state[key].selection.rows
        if rows:
            st.session_state.goal_pick = group_ids[rows[0]]

    return pick


disp = progress.goal_display(ev, comp)
st.caption(t("goals_baseline.baseline_caption", date=comp.baseline))
st.markdown(  # what the marks of the baseline cells mean
    '<div data-testid="baseline-notes" style="font-size:0.85rem;color:#525252">'
    + "".join(f"<div>{html.escape(n)}</div>" for n in change.method_notes(comp))
    + "</div>",
    unsafe_allow_html=True,
)
for g in progress.groups(ev):
    rows = disp[disp["group"] == g].reset_index(drop=True)
    part = rows.drop(columns=["group", "status", "method"])
    st.subheader(g)
    styled = progress.styled(part, rows["status"], rows["method"], change.baseline_header(comp))
    key = f"goals_tbl_{g.split(' ')[0]}"
    st.dataframe(
        styled,
        hide_index=True,
        column_config=COLUMNS,
        key=key,
        on_select=pick_from_table(key, part[C["col_id"]].tolist()),
        selection_mode="single-row",
    )

# -- the dated goals year by year; the milestones then and now ---------------------------------------------------------
series = progress.series_overview(comp, ev)
if len(series):
    st.subheader(t("goals_baseline.series"))
    st.dataframe(series, hide_index=True, key="goals_series")
    st.caption(t("goals_baseline.series_caption"))
st.subheader(t("goals_baseline.milestones"))
ms = progress.milestone_display(comp, EVIDENCE)
ms_part = ms.drop(columns=["status_then", "status"])
st.dataframe(
    ms_part.style.apply(
        lambda _: [progress.status_css(k) for k in ms["status_then"]], subset=[change.baseline_header(comp)]
    ).apply(lambda _: [progress.status_css(k) for k in ms["status"]], subset=[change.current_header(comp)]),
    hide_index=True,
    key="goals_milestones",
)

# -- G01 and G02 by industry (figures.industries): the city or one township / park, baseline → now ----------------------
st.subheader(t("industry_tables.section"))
st.caption(t("industry_tables.section_help"))
all_classes = st.toggle(
    t("industry_tables.all_classes"), value=bool(fs.settings.industry_all_classes), key="goals_ind_all"
)
scopes = [("city", None)] + [(layer, c) for layer in industry.LAYERS for c in getattr(fs, layer)["code"]]
area_names = {c: n for layer in industry.LAYERS for c, n in zip(getattr(fs, layer)["code"], getattr(fs, layer)["name"])}
layer, code = st.selectbox(
    t("industry_tables.scope"),
    scopes,
    format_func=lambda s: t("industry_tables.scope_city") if s[1] is None else area_names[s[1]],
    key="goals_ind_scope",
)
st.dataframe(
    industry.goal_breakdown(comp, layer, code, all_classes=all_classes, short=True),
    hide_index=True,
    key="goals_ind_table",
)
scope_name = t("industry_tables.scope_city") if code is None else area_names[code]
totals = comp.now.city if code is None else getattr(comp.now, layer).set_index("code").loc[code]
st.caption(
    t("goal_basis.rule_sep").join(
        t("industry_tables.total", scope=scope_name, goal=industry.goal_header(g), n=progress.fmt_number(totals[m]))
        for g, m in industry.GOALS.items()
    )
)
base_note = (
    comp.goals.set_index("id").loc["G01", "baseline_note"]
    if industry.has_baseline(comp)
    else t("industry_tables.no_baseline_caption", date=comp.baseline)
)
st.caption(t("goal_basis.rule_sep").join([industry.goals_line(comp), base_note]))
st.caption(t("goal_basis.rule_sep").join(industry.notes(comp.now, all_classes)))
with st.expander(t("industry_tables.areas"), expanded=False):
    c1, c2, c3 = st.columns(3)
    ind_layer = c1.radio(
        t("industry_tables.scope"),
        industry.LAYERS,
        format_func=lambda v: t(f"industry_tables.col_{v}"),
        horizontal=True,
        key="goals_ind_layer",
    )
    ind_goal = c2.radio(
        t("industry_tables.pick_goal"), list(industry.GOALS), format_func=industry.goal_header, key="goals_ind_goal"
    )
    values = ["now", "then", "change"] if industry.has_baseline(comp) else ["now"]
    ind_value = c3.radio(
        t("industry_tables.pick_value"),
        values,
        format_func=lambda v: t(f"industry_tables.value_{v}"),
        horizontal=True,
        key="goals_ind_value",
    )
    st.dataframe(  # the names only: the codes would push the last industries out of sight
        industry.area_breakdown(comp, ind_layer, ind_goal, ind_value, all_classes=all_classes).iloc[:, 1:],
        hide_index=True,
        key="goals_ind_areas",
    )

# -- one goal in detail -------------------------------------------------------------------------------------------------
st.divider()
st.subheader(t("goals.detail"))
gid = st.selectbox(t("goals.pick"), ids, key="goal_pick", format_func=lambda i: f"{i} {names[i]}")
state.set_query(goal=gid)
row = ev.set_index("id").loc[gid]
drow = disp.set_index(C["col_id"]).loc[gid]

st.markdown(f"#### {html.escape(gid)} {html.escape(row['name'])}")
st.markdown(
    f'<span data-testid="goal-status" style="padding:2px 10px;border-radius:10px;'
    f'{progress.status_css(row["status"])}">{html.escape(t("goals.status_now", status=row["status_label"]))}'
    "</span>",
    unsafe_allow_html=True,
)
unit = f" {row['unit']}" if row["unit"] else ""
crow = comp.goals.set_index("id").loc[gid]
base_text, change_text = drow[change.baseline_header(comp)], drow[t("baseline_view.col_change")]
numeric = row["kind"] == "goal"
c0, c1, c2 = st.columns(3)  # then → now → change; under it the target, the gap and the progress
c3, c4, c5 = st.columns(3)
base_value = (
    progress.fmt_number(crow["baseline"]) + unit
    if numeric and crow["baseline_method"] != "none"
    else base_text  # 无基期数据, or a milestone's status then
)
c0.metric(
    t("goals_baseline.metric_baseline", header=change.baseline_header(comp), method=crow["baseline_method_label"]),
    base_value,
    help=crow["baseline_note"],
)
c1.metric(C["col_current"], drow[C["col_current"]] + (unit if numeric and drow[C["col_current"]] != "—" else ""))
c2.metric(t("baseline_view.col_change"), change_text + (unit if change_text != "—" else ""))
c3.metric(C["col_target"], drow[C["col_target"]] + unit)
c4.metric(C["col_gap"], drow[C["col_gap"]] + (unit if drow[C["col_gap"]] != "—" else ""))
prog = drow[C["col_progress"]]
c5.metric(C["col_progress"], "—" if prog is None or prog != prog else f"{prog * 100:.0f}%")
# The counting rule right under the figure (settings included), how the baseline was obtained, the plan's words.
st.markdown(
    f'<div data-testid="goal-rule" style="border-left:3px solid #1f77b4;padding:4px 10px;margin:4px 0 8px 0">'
    f"<b>{html.escape(t('goals.rule'))}</b>：{html.escape(row['rule'])}<br>"
    f'<span data-testid="goal-baseline-note"><b>{html.escape(t("goals_baseline.baseline_rule"))}</b>：'
    f'<span style="padding:1px 8px;border-radius:8px;{progress.method_css(crow["baseline_method"])}">'
    f"{html.escape(crow['baseline_method_label'])}</span> {html.escape(crow['baseline_note'])}</span><br>"
    f"<b>{html.escape(t('goals.plan_text'))}</b>：“{html.escape(row['plan_text'])}”</div>",
    unsafe_allow_html=True,
)
if numeric:
    chart = progress.series_chart(comp, gid, row["target"], row["unit"] or "")
    if chart is not None:
        st.markdown(f"##### {t('goals_baseline.series_detail')}")
        left, right = st.columns([3, 2])
        left.altair_chart(chart, width="stretch")
        left.caption(progress.series_caption(gid))
        years = progress.series_of(comp, gid)
        right.dataframe(
            pd.DataFrame(
                {
                    t("goals_baseline.col_year"): years["label"],
                    t(f"goals_baseline.kind_{progress.series_kind(gid)}"): [
                        progress.fmt_number(v) for v in years["value"]
                    ],
                    t("goals_baseline.col_method"): years["method"],
                }
            ),
            hide_index=True,
            key="goal_series",
        )
else:
    st.markdown(f"##### {t('goals_baseline.evidence')}")
    files = progress.milestone_evidence(gid, EVIDENCE)
    if files.empty:
        st.caption(t("goals_baseline.evidence_none"))
    else:
        st.dataframe(files, hide_index=True, key="goal_evidence")
st.markdown(
    f"**{C['col_source']}**：{progress.md_escape(drow[C['col_source']])}  \n"
    f"**{C['basis']}**：{progress.md_escape(row['basis'])}  \n"
    f"**{progress.md_escape(t('goals.task', task=row['task'], name=row['task_name']))}**  \n"
    f"**{C['col_lead']}**：{progress.md_escape(row['lead'])}  \n"
    f"**{t('goals.cooperating')}**：{progress.md_escape(row['cooperating'])}"
)

st.markdown(f"##### {t('goals.contrib')}")
contrib = progress.contributors(fs, gid)
if contrib is None:
    st.caption(t("goals.contrib_not_per_area"))
else:
    st.caption(t("goals.contrib_metric", label=contrib.label, unit=contrib.unit))
    if row["source"] == "manual":
        st.info(t("goals.contrib_manual"))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('goals.contrib_top')}**")
        st.dataframe(progress.contributor_display(contrib.top, contrib.unit), hide_index=True, key="contrib_top")
    with right:
        st.markdown(f"**{t('goals.contrib_bottom')}**")
        st.dataframe(progress.contributor_display(contrib.bottom, contrib.unit), hide_index=True, key="contrib_bottom")
    if contrib.unassigned:
        st.caption(t("goals.contrib_unassigned", value=progress.fmt_number(contrib.unassigned), unit=contrib.unit))
    if contrib.no_value:
        st.caption(t("goals.contrib_no_value", n=len(contrib.no_value), names="、".join(contrib.no_value)))
