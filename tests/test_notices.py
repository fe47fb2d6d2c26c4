"""The 示意边界 notice follows the layers actually drawn: both schematic, only parks, none."""

from txip_geo.figures.compute import compute


def set_official(store, layer):
    with store.transaction() as con:
        con.execute("UPDATE boundaries SET official = 1 WHERE layer = ?", (layer,))


def test_notice_names_what_is_still_schematic(store):
    assert compute(store).schematic_notice == "示意边界：镇街、园区边界为示意，非官方边界"
    set_official(store, "townships")
    fs = compute(store)
    assert fs.boundaries == "official" and "园区边界为示意" in fs.schematic_notice
    set_official(store, "parks")
    assert compute(store).schematic_notice == ""
