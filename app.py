"""txip-geo: the Streamlit entry point. Pages live in pages/; all figures come from the txip_geo package."""

from datetime import date

import streamlit as st

from txip_geo.figures.baseline import BASELINE
from txip_geo.figures.compute import POPULATION_BASES, Settings
from txip_geo.render.basemaps import default_key as default_basemap
from txip_geo.strings import t
from ui import auth as ui_auth
from ui import routes as ui_routes

st.set_page_config(page_title=t("app.title"), layout="wide", initial_sidebar_state="expanded")

PAGES = [
    st.Page("pages/map.py", title=t("nav.map"), url_path="map", default=True),
    st.Page("pages/goals.py", title=t("nav.goals"), url_path="goals"),
    st.Page("pages/tasks.py", title=t("tasks.nav"), url_path="tasks"),
    st.Page("pages/network.py", title=t("nav.network"), url_path="network"),
    st.Page("pages/enterprises.py", title=t("enterprise.nav"), url_path="enterprises"),
    st.Page("pages/present.py", title=t("nav.present"), url_path="present"),
    st.Page("pages/data.py", title=t("nav.data"), url_path="data"),
    st.Page("pages/boundaries.py", title=t("nav.boundaries"), url_path="boundaries"),
]

# Sign-in first: with users configured, nothing but the sign-in form shows until someone signs in.
user = ui_auth.current_user()
if user is not None and user.can("manage_users"):
    PAGES.append(st.Page("pages/admin.py", title=t("nav.admin"), url_path="admin"))
unknown_path = ui_routes.claim_path({p.url_path for p in PAGES if p.url_path})  # /map, or a path that is no page
page = st.navigation(PAGES, position="sidebar" if user is not None else "hidden")
if user is None:
    ui_auth.require_user()
ui_auth.sidebar(user)
DEFAULTS = Settings()  # the settings' defaults are figures.Settings'
st.session_state.setdefault("long_years", DEFAULTS.long_years)
st.session_state.setdefault("population_base", DEFAULTS.population_base)
st.session_state.setdefault("training_audience", DEFAULTS.training_audience)
st.session_state.setdefault("transferred_handled", DEFAULTS.transferred_handled)
st.session_state.setdefault("basemap", default_basemap())
st.session_state.setdefault("baseline_date", date.fromisoformat(BASELINE))
# The settings' widgets are drawn only while their expander is open (below); a widget's value would be dropped at the
# end of a run that does not draw it, so each is kept as the session's own value on every run.
for _key in ("long_years", "population_base", "training_audience", "transferred_handled", "baseline_date"):
    st.session_state[_key] = st.session_state[_key]
with st.sidebar:
    st.markdown(f"**{t('app.title')}**  \n{t('app.subtitle')}")
    # Closed, the expander holds nothing: a fresh browser then need not fetch and draw the number and date inputs
    # (their modules, ≈15 requests, delayed every page's first render: docs/performance.md). Opening it reruns the
    # page with them in it.
    settings = st.expander(t("settings.title"), expanded=False, key="settings_open", on_change="rerun")
    if settings.open:
        with settings:
            st.number_input(t("settings.long_years"), min_value=1, max_value=20, step=1, key="long_years")
            st.radio(t("settings.population_base"), list(POPULATION_BASES), key="population_base", horizontal=True)
            st.radio(
                t("settings.training_audience"),
                ["plan", "all"],
                key="training_audience",
                format_func=lambda v: t(f"settings.training_audience_{v}"),
            )
            st.checkbox(t("settings.transferred_handled"), key="transferred_handled")
            st.date_input(
                t("settings.baseline"),
                key="baseline_date",
                min_value=date(2015, 1, 1),
                max_value=date(2030, 12, 31),
                help=t("settings.baseline_help"),
            )
if unknown_path and user is not None:
    st.warning(t("nav.not_found", path=unknown_path))
page.run()
