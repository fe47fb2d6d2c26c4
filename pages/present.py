"""联席会议: the projector view — one view at a time, full-width map, large type, no sidebar.

Views (txip_geo.present.meeting.steps): the city map of the chosen indicator, the goals, the network gaps, one view per
township and per park (or only those with gaps), the actions by lead unit, the 三年变化 section (goals baseline → now, the change
map, the tasks by lead unit: present.baseline_view), the appendix of counting rules. 上一页/下一页 buttons, the keyboard (← / →, and PageUp /
PageDown / space for a presenter's clicker) and `?step=N` in the URL. Every view carries the as-of date and the source
line. The exports (PPTX, PDF, PNG, Excel) are built on demand from the same figures.
"""

from ui.boot import ensure_app

ensure_app()  # first: a deep link on a fresh server must go through app.py

import html

import pandas as pd
import streamlit as st

from txip_geo.figures import network
from txip_geo.figures.compute import METRICS
from txip_geo.present import baseline_view as change
from txip_geo.present import map_view as views
from txip_geo.present import meeting as report
from txip_geo.present import task_view
from txip_geo.render import exports
from txip_geo.render import folium_map as maps
from txip_geo.strings import t
from ui import folium_view, state
from ui.tables import html_table

store = state.store()
fs = state.figures()

# -- projector styling: no sidebar, no header, large type ----------------------------------------------------------------
st.markdown(
    """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] {display:none !important}
.block-container {padding-top:0.8rem !important; padding-bottom:0.5rem !important; max-width:100% !important;
 padding-left:2rem !important; padding-right:2rem !important}
.stApp p, .stApp li, .stApp label, .stApp button p {font-size:1.25rem}
.stApp .txp-title {font-size:2.5rem; font-weight:700; color:#08306b; line-height:1.2; margin:0}
.stApp .txp-badges {display:flex; gap:10px; justify-content:flex-end; align-items:center; flex-wrap:wrap}
.stApp .txp-badge {font-size:1.1rem; font-weight:700; padding:2px 12px; border-radius:6px; border:2px solid}
.stApp .txp-internal {color:#b10026; border-color:#b10026}
.stApp .txp-sample {color:#a63603; border-color:#fd8d3c; background:#fff5eb}
.stApp .txp-schematic {color:#a63603; border-color:#d94801; font-weight:400}
.stApp .txp-foot {font-size:1.05rem; color:#525252; border-top:1px solid #bdbdbd; margin-top:0.4rem; padding-top:0.3rem}
.stApp .txp-table {border-collapse:collapse; width:100%; font-size:1.2rem}
.stApp .txp-table th {background:#08306b; color:#fff; text-align:left; padding:4px 10px}
.stApp .txp-table td {padding:3px 10px; border-bottom:1px solid #e0e0e0}
.stApp .txp-table tr:nth-child(even) td {background:#f2f6fb}
.stApp .txp-goals th, .stApp .txp-goals td:not(:nth-child(2)) {white-space:nowrap}
.stApp .txp-met {background:#c7e9c0 !important; color:#00441b; font-weight:700}
.stApp .txp-notmet {background:#fcbba1 !important; color:#67000d; font-weight:700}
.stApp .txp-nodata {background:#e0e0e0 !important; color:#424242; font-weight:700}
.stApp .txp-big {font-size:1.6rem; line-height:1.7}
.stApp .txp-lead {font-size:1.7rem; font-weight:700; color:#08306b; margin:0.8rem 0 0.2rem 0}
.stApp .txp-item {font-size:1.45rem; line-height:1.6}
.stApp .txp-basis {font-size:1.05rem; color:#737373}
.stApp .txp-gap {font-size:1.4rem; color:#99000d; margin:0.35rem 0 0 0}
.stApp .txp-gapnote {font-size:1.05rem; color:#737373}
.stApp .txp-ok {font-size:1.5rem; color:#1a7f37}
.stApp .txp-kpis {display:flex; gap:3rem; flex-wrap:wrap; margin:0.2rem 0 0.5rem 0}
.stApp .txp-kpi-label {font-size:1.4rem; color:#252525}
.stApp .txp-kpi {font-size:2rem; font-weight:700; color:#08306b}
.stApp .txp-base-none {background:#eeeeee !important; color:#525252}
.stApp .txp-task-done {background:#c7e9c0 !important; color:#00441b; font-weight:700}
.stApp .txp-task-doing {background:#deebf7 !important; color:#08306b; font-weight:700}
.stApp .txp-task-todo {background:#fdd0a2 !important; color:#7f2704; font-weight:700}
.stApp .txp-task-none {background:#e0e0e0 !important; color:#424242; font-weight:700}
.stApp .txp-change th, .stApp .txp-change td:not(:nth-child(2)) {white-space:nowrap}
.stApp .txp-change .txp-table {font-size:1.1rem}
.stApp .txp-ms .txp-table {font-size:1.1rem; margin-top:0.6rem; width:auto}
.stApp .txp-tasks .txp-table {table-layout:fixed}
.stApp .txp-tasks th:nth-child(1) {width:6%} .stApp .txp-tasks th:nth-child(2) {width:44%}
.stApp .txp-tasks th:nth-child(3) {width:10%} .stApp .txp-tasks th:nth-child(4) {width:40%}
.stApp .txp-note {font-size:0.95rem; color:#525252; margin-top:0.4rem}
.stApp .txp-panel-head {font-size:2rem; font-weight:700; color:#08306b; margin:0}
.stApp .txp-panel-sub {font-size:1.3rem; color:#525252; margin:0.8rem 0 0.1rem 0}
.stApp .txp-panel-item {font-size:1.5rem; margin:0}
</style>
""",
    unsafe_allow_html=True,
)

# Larger labels and legend inside the map (the map is an iframe: its own stylesheet).
MAP_CSS = """<style>.txip-label{font-size:17px !important}.txip-label b{font-size:15px !important}
.txip-legend{font-size:17px !important;max-width:300px !important}.txip-badge{font-size:16px !important}
.txip-lg-note{font-size:15px !important}</style>"""

if not fs.has_records:
    st.info(t("present.no_records"))
    st.stop()

# The task register's state for the 三年变化 section (columns of baseline_view.TASK_COLUMNS, and `status`), kept on the
# 任务 page (a task never reported reads 未填报).
TASKS = task_view.task_register(state.store())

# -- settings and the sequence of views ------------------------------------------------------------------------------------
st.session_state.setdefault(
    "present_indicator", state.query("ind") if state.query("ind") in views.INDICATORS else "patents"
)
st.session_state.setdefault("present_only_gaps", state.query("gaps") == "1")
st.session_state.setdefault("present_internal", True)
indicator = st.session_state.present_indicator
seq = report.steps(fs, indicator, only_gaps=st.session_state.present_only_gaps, change=True, parks=True)


def _clamp(n) -> int:
    try:
        n = int(n)
    except (TypeError, ValueError):
        n = 1
    return min(max(n, 1), len(seq))


if "present_step" not in st.session_state:
    st.session_state.present_step = _clamp(state.query("step", "1"))
st.session_state.present_step = _clamp(st.session_state.present_step)


def _go(delta: int) -> None:
    st.session_state.present_step = _clamp(st.session_state.present_step + delta)


def _jump() -> None:
    st.session_state.present_step = _clamp(st.session_state.present_jump)


n = st.session_state.present_step
step = seq[n - 1]
state.set_query(
    step=n, ind=indicator if indicator != "patents" else None, gaps="1" if st.session_state.present_only_gaps else None
)

# -- top bar: title, markings, navigation ---------------------------------------------------------------------------------
left, mid, right = st.columns([5, 2.6, 4.4], vertical_alignment="center")  # room for the buttons' labels
left.markdown(f'<p class="txp-title" data-testid="present-title">{html.escape(step.title)}</p>', unsafe_allow_html=True)
badges = []
if st.session_state.present_internal:
    badges.append(f'<span class="txp-badge txp-internal">{html.escape(t("report.internal"))}</span>')
if fs.is_sample:
    badges.append(
        f'<span class="txp-badge txp-sample" data-testid="sample-badge">{html.escape(t("app.sample_short"))}</span>'
    )
if fs.schematic_notice:
    badges.append(f'<span class="txp-badge txp-schematic">{html.escape(t("app.schematic_short"))}</span>')
mid.markdown('<div class="txp-badges">' + "".join(badges) + "</div>", unsafe_allow_html=True)
with right:
    b1, b2, b3 = st.columns([1, 1, 1], vertical_alignment="center")
    b1.button(
        t("present.prev"),
        key="present_prev",
        on_click=_go,
        args=(-1,),
        disabled=n == 1,
        shortcut="Left",
        width="stretch",
    )
    b2.button(
        t("present.next"),
        key="present_next",
        on_click=_go,
        args=(1,),
        disabled=n == len(seq),
        shortcut="Right",
        type="primary",
        width="stretch",
    )
    with b3.popover(t("present.settings"), width="stretch"):
        st.selectbox(
            t("present.indicator"), views.INDICATORS, key="present_indicator", format_func=lambda k: METRICS[k][0]
        )
        st.toggle(t("present.only_gaps"), key="present_only_gaps")
        st.selectbox(
            t("present.step_of", n="…", total=len(seq)),
            list(range(1, len(seq) + 1)),
            index=n - 1,
            key="present_jump",
            on_change=_jump,
            format_func=lambda i: f"{i}. {seq[i - 1].title}",
        )
        st.toggle(t("present.internal"), key="present_internal")
        st.markdown(f"**{t('present.downloads')}**")
        layers = report.Layers.from_store(store)
        opts = dict(
            indicator=indicator,
            internal=st.session_state.present_internal,
            only_gaps=st.session_state.present_only_gaps,
        )
        comparison = state.comparison_later()  # the download runs outside the script: no session state there
        for fmt, label in (
            ("pptx", "present.dl_pptx"),
            ("pdf", "present.dl_pdf"),
            ("png", "present.dl_png"),
            ("xlsx", "present.dl_xlsx"),
        ):
            # Built when clicked (deferred), from the figures on screen.
            st.download_button(
                t(label),
                data=lambda fmt=fmt: exports.build(fmt, fs, layers, comparison=comparison(), tasks=TASKS, **opts),
                file_name=report.file_name(fmt, fs),
                mime=exports.FORMATS[fmt],
                key=f"present_dl_{fmt}",
                on_click="ignore",
                width="stretch",
            )
        st.markdown(f'<a href="./map" target="_self">{html.escape(t("present.exit"))}</a>', unsafe_allow_html=True)

# A presenter's clicker sends PageDown / PageUp (or space): click the buttons (inline script, nothing external).
st.html(
    """<script>
(function(){ if (window.__txipPresentKeys) { return; } window.__txipPresentKeys = true;
document.addEventListener('keydown', function (e) {
  if (!document.querySelector('[data-testid="present-title"]')) { return; }  // only on this page
  const tag = (e.target && e.target.tagName) || '';
  if (/INPUT|TEXTAREA|SELECT/.test(tag)) { return; }
  let label = null;
  if (e.key === 'PageDown' || (e.key === ' ' && !e.shiftKey)) { label = '"""
    + t("present.next")
    + """'; }
  if (e.key === 'PageUp' || (e.key === ' ' && e.shiftKey)) { label = '"""
    + t("present.prev")
    + """'; }
  if (!label) { return; }
  const b = [...document.querySelectorAll('button')].find(x => x.innerText.trim().startsWith(label));
  if (b && !b.disabled) { e.preventDefault(); b.click(); }
});})();
</script>""",
    unsafe_allow_javascript=True,
)


# -- the views -------------------------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=16)
def city_map(version, settings, kind: str, indicator: str, code: str | None):
    """The folium map of a view (the map page's pipeline: maps.build_map, rendered by ui/folium_view), cached."""
    f = state.figures()
    layers = report.Layers.from_store(store)
    if kind == "gaps":
        spec = report.gap_spec(f, layers)
    elif kind in ("unit", "park"):
        spec = report.area_spec(kind, f, layers, code, indicator)
    else:
        spec = report.indicator_spec(f, layers, indicator)
    import folium
    from branca.element import Element

    m = maps.build_map(spec)
    m.get_root().header.add_child(Element(MAP_CSS))
    if code is not None:
        # A township or park: framed on it, no class legend (the view is about its figures, gaps and points).
        for key, child in list(m._children.items()):
            if isinstance(child, folium.map.FitBounds) or (
                isinstance(child, maps.MapControl) and "txip-legend" in child.html_json
            ):
                del m._children[key]
        points = maps.points_legend_control(spec)  # its points keep their legend
        if points is not None:
            points.add_to(m)
        area = layers.of(kind)
        sel = area[area["code"] == code]
        minx, miny, maxx, maxy = sel.total_bounds
        dx, dy = (maxx - minx) * 0.1, (maxy - miny) * 0.1
        m.fit_bounds(
            [[miny - dy, minx - dx], [maxy + dy, maxx + dx]],
            padding_top_left=maps.FIT_PADDING_TOP_LEFT,
            padding_bottom_right=maps.FIT_PADDING_BOTTOM_RIGHT,
        )  # beside the right-hand column
    return folium_view.render(m)


def show_map(kind: str, code: str | None = None, height: int = 760):
    folium_view.show(
        city_map(state.store_version(store), fs.settings, kind, indicator, code),
        key=f"present_map_{kind}_{code or ''}",
        height=height,
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def change_map_png(version, settings, baseline: str, personal: bool) -> bytes:
    """The change map as the deck draws it (render.deck.change_map_png), cached per store state, settings and 基期."""
    from txip_geo.render import deck

    return deck.change_map_png(state.comparison(), report.Layers.from_store(store), dpi=110)


def show_change(kind: str) -> None:
    """A view of the 三年变化 section: the goals baseline → now, the change map, the tasks by lead unit."""
    comp = state.comparison()
    if kind == "change_goals":
        rows = change.goal_change_rows(comp)
        st.markdown(
            f'<p class="txp-basis" style="font-size:1.3rem">{html.escape(change.goal_summary(comp))}</p>',
            unsafe_allow_html=True,
        )
        shown = rows.drop(columns=["status", "method"])
        cols = list(shown.columns)
        classes = {
            cols.index(t("baseline_view.col_attainment")): [STATUS_CLASS.get(k) for k in rows["status"]],
            cols.index(change.baseline_header(comp)): [
                "txp-base-none" if m == "none" else None for m in rows["method"]
            ],
        }
        ms = change.milestone_change_rows(comp)
        ms_shown = ms.drop(columns=["status_then", "status"])
        ms_cols = list(ms_shown.columns)
        ms_classes = {
            ms_cols.index(change.baseline_header(comp)): [STATUS_CLASS.get(k) for k in ms["status_then"]],
            ms_cols.index(change.current_header(comp)): [STATUS_CLASS.get(k) for k in ms["status"]],
        }
        notes = "".join(f"<div>{html.escape(n)}</div>" for n in change.method_notes(comp))
        st.markdown(
            f'<div class="txp-change">{html_table(shown, classes)}</div>'
            f'<div class="txp-ms">{html_table(ms_shown, ms_classes)}</div>'
            f'<div class="txp-note" data-testid="change-notes">{notes}</div>',
            unsafe_allow_html=True,
        )
    elif kind == "change_map":
        from ui import auth as ui_auth

        left, right = st.columns([3, 2], gap="large")
        left.image(
            change_map_png(state.store_version(store), fs.settings, state.baseline(), ui_auth.can("see_personal"))
        )
        css = {"head": "txp-panel-head", "sub": "txp-panel-sub", "item": "txp-panel-item", "note": "txp-note"}
        right.markdown(
            "".join(f'<p class="{css[k]}">{html.escape(text)}</p>' for k, text in change.change_panel(comp)),
            unsafe_allow_html=True,
        )
    else:
        tasks = change.task_rows(TASKS)
        if TASKS is None:
            st.markdown(
                f'<p class="txp-basis" style="font-size:1.3rem">{html.escape(t("baseline_view.tasks_none"))}</p>',
                unsafe_allow_html=True,
            )
        parts = []
        for lead, grp in tasks.groupby("lead", sort=False):
            parts.append(f'<p class="txp-lead">{html.escape(lead)}</p>')
            df = pd.DataFrame(
                {
                    t("goals.col_id"): grp["task_id"].astype(str),
                    t("baseline_view.col_task"): grp["name"],
                    t("goals.col_status"): grp["status_label"],
                    t("baseline_view.col_progress"): [p or "—" for p in grp["progress"]],
                }
            )
            parts.append(html_table(df, {2: [TASK_CLASS.get(k) for k in grp["status"]]}))
        st.markdown('<div class="txp-tasks">' + "".join(parts) + "</div>", unsafe_allow_html=True)


TASK_CLASS = {
    "done": "txp-task-done",
    "in_progress": "txp-task-doing",
    "not_started": "txp-task-todo",
    "not_reported": "txp-task-none",
}

STATUS_CLASS = {
    "met": "txp-met",
    "done": "txp-met",
    "not_met": "txp-notmet",
    "not_done": "txp-notmet",
    "no_data": "txp-nodata",
}

if step.kind == "overview":
    show_map("overview")
elif step.kind == "goals":
    rows = report.goal_rows(fs)
    st.markdown(
        f'<p class="txp-basis" style="font-size:1.3rem">{html.escape(report.goal_summary(fs))}</p>',
        unsafe_allow_html=True,
    )
    shown = rows.drop(columns=["kind", "status"])
    status_col = list(shown.columns).index(t("goals.col_status"))
    st.markdown(
        '<div class="txp-goals">'
        + html_table(shown, {status_col: [STATUS_CLASS.get(s) for s in rows["status"]]})
        + "</div>",
        unsafe_allow_html=True,
    )
elif step.kind == "gaps":
    card = network.scorecard(fs)
    cov = network.coverage(card)
    kpis = []
    for key in ("office", "staff", "fund", "ws"):
        have, no, unknown = cov[key]
        note = t("deck_panel.not_reported", n=unknown) if unknown else ""
        kpis.append(
            f'<div><span class="txp-kpi-label">{html.escape(t(f"network.summary_{key}"))}</span> '
            f'<span class="txp-kpi">{have} / {len(card)}</span> <span class="txp-basis">{note}</span></div>'
        )
    st.markdown('<div class="txp-kpis">' + "".join(kpis) + "</div>", unsafe_allow_html=True)
    show_map("gaps", height=650)
elif step.kind in ("unit", "park"):
    code = step.code
    mcol, fcol, gcol = st.columns([5, 4, 4], gap="medium")
    with mcol:
        show_map(step.kind, code, height=700)
    with fcol:
        heads = [t("report.col_metric"), t("report.col_value"), t("report.col_rank")]
        figs = report.unit_figures(fs, code)
        st.markdown(html_table(pd.DataFrame(figs, columns=heads)), unsafe_allow_html=True)
        # The enterprise tier (G05, G07–G11), smaller: the township's or park's part of the plan's enterprise goals.
        ent = pd.DataFrame(report.enterprise_figures(fs, code), columns=heads)
        st.markdown(
            f'<p class="txp-panel-sub">{html.escape(t("area_panel.enterprise_heading"))}</p>'
            f'<div class="txp-ms" data-testid="present-enterprise-figures">{html_table(ent)}</div>',
            unsafe_allow_html=True,
        )
    with gcol:
        gaps = report.unit_gaps(fs, code)
        st.markdown(f'<p class="txp-lead">{html.escape(t("report.unit_gaps"))}</p>', unsafe_allow_html=True)
        if gaps.empty:
            st.markdown(f'<p class="txp-ok">{html.escape(t("report.unit_no_gaps"))}</p>', unsafe_allow_html=True)
        for r in gaps.to_dict("records"):
            st.markdown(
                f'<p class="txp-gap">● {html.escape(r[t("network.col_gap")])}</p>'
                f'<p class="txp-gapnote">{html.escape(r[t("network.col_basis")])}{t("page_present.gap_lead")}'
                f"{html.escape(r[t('network.col_lead')])}</p>",
                unsafe_allow_html=True,
            )
elif step.kind == "actions":
    parts = []
    for lead, items in report.actions_by_lead(fs, max_chars=70):
        parts.append(f'<p class="txp-lead">{html.escape(lead)}</p>')
        for text, basis in items:
            parts.append(
                f'<div class="txp-item">● {html.escape(text)} <span class="txp-basis">{html.escape(basis)}</span></div>'
            )
    st.markdown("".join(parts) or t("report.actions_none"), unsafe_allow_html=True)
elif step.kind in ("change_goals", "change_map", "tasks"):
    show_change(step.kind)
elif step.kind == "rules":
    st.markdown('<div class="txp-goals">' + html_table(report.rule_rows(fs)) + "</div>", unsafe_allow_html=True)
    st.markdown(f'<p class="txp-basis">{html.escape(t("report.rules_milestones"))}</p>', unsafe_allow_html=True)

# -- footer: as-of date and source on every view ---------------------------------------------------------------------------
st.markdown(
    f'<div class="txp-foot" data-testid="present-footer">{html.escape(report.footer_line(fs))}'
    f'<span style="float:right">{html.escape(t("present.step_of", n=n, total=len(seq)))}　'
    f"{html.escape(t('present.keys_hint'))}</span></div>",
    unsafe_allow_html=True,
)
