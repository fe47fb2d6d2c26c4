"""The 企业 page's profile map: townships by 零专利规上企业, the enterprise's township outlined and its point, zoomed to
its township (present.enterprise_view.profile_map_spec), rendered once per enterprise and store state."""

from __future__ import annotations

from txip_geo.areas import boundaries
from txip_geo.figures import enterprises as en
from txip_geo.present import enterprise_view as view
from txip_geo.render import folium_map as maps
from ui import basemap as basemaps
from ui import folium_view, state

HEIGHT = 480
PAD = 0.01  # degrees around a point with no township (about 1 km)


@state.cache_resource(show_spinner=False, max_entries=32)
def _rendered(version, settings, credit_code: str, _basemap, basemap_id):
    fs = state.figures()
    p = en.profile(fs, credit_code, first=0)
    store = state.store()
    layer = store.layer("townships")
    spec = view.profile_map_spec(
        fs,
        p,
        layer,
        outline=boundaries.county_outline(),
        neighbours=boundaries.neighbours(),
        parks_layer=store.layer("parks"),
        basemap=_basemap,
    )
    m = maps.build_map(spec)
    own = spec.areas[spec.areas["code"] == p["unit_code"]] if p["unit_code"] else spec.areas.iloc[0:0]
    if len(own):  # zoomed to its township
        minx, miny, maxx, maxy = own.total_bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(20, 20))
    elif spec.points:
        x, y = spec.points[0].points[["lon", "lat"]].iloc[0]
        m.fit_bounds([[y - PAD, x - PAD], [y + PAD, x + PAD]])
    return folium_view.render(m)


def show(credit_code: str) -> None:
    """The profile's map (a caption says what it shows)."""
    b = basemaps.current()
    s = state.store()
    folium_view.show(
        _rendered(state.store_version(s), state.figures().settings, credit_code, b, basemaps.cache_id(b)),
        key=f"ent_map_{credit_code}",
        height=HEIGHT,
    )
