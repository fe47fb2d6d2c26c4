"""The decision between sources for one row: code and name fields, then coordinates, then the park name, then the
address. Each step either decides (a :class:`Location`) or leaves remarks that follow the decisive note."""

from __future__ import annotations

from dataclasses import dataclass, field

from txip_geo.areas.gazetteer import CITY_CODE, Gazetteer
from txip_geo.locate.address import matcher_for
from txip_geo.locate.location import NOTE_SEP, Location
from txip_geo.locate.points import PT_BAD, PT_BAD_DATUM, PT_NO_LAYER, PT_NO_UNIT, PT_OUTSIDE, PT_UNIT, Point
from txip_geo.strings import t

__all__ = ["Decider", "NOTE_OUTSIDE_POINT"]

NOTE_OUTSIDE_POINT = t("locate.point_outside")
# What the coordinates say when they decide nothing (the note key for each point state).
_POINT_REMARKS = {
    PT_NO_UNIT: "locate.point_no_unit",
    PT_BAD: "locate.point_bad",
    PT_BAD_DATUM: "locate.point_bad_datum",
    PT_NO_LAYER: "locate.point_no_layer",
}


@dataclass
class _Row:
    """What one row's steps have found so far: the park, and remarks appended after the decisive note."""

    notes: list[str] = field(default_factory=list)
    park: str = ""

    def done(self, unit: str, park: str, method: str, note: str) -> Location:
        return Location(unit, park, method, NOTE_SEP.join([n for n in [note, *self.notes] if n]))


def _schematic(flag: bool) -> str:
    return t("locate.schematic") if flag else ""


class Decider:
    """The precedence of evidence for one row; shared by locate_frame (per distinct input) and locate_one."""

    def __init__(self, gazetteer: Gazetteer):
        self.gaz = gazetteer
        self.matcher = matcher_for(gazetteer)
        self._area_cache: dict[str, tuple[str, str, str, str]] = {}

    def _name(self, code: str) -> str:
        return self.gaz.name_of(code)

    def _host(self, park: str) -> str:
        return self.gaz.park_by_code[park].host_code

    # -- the fields -------------------------------------------------------------------------------------------
    def area(self, text: str, field: str) -> tuple[str, str, str, str]:
        """Area code/name field -> (kind 'unit'|'park'|'', code, decisive note, fall-through note)."""
        key = field + "\x00" + text
        if key in self._area_cache:
            return self._area_cache[key]
        label = t("locate.field_code") if field == "area_code" else t("locate.field_name")
        kind, code = self.gaz.resolve_area(text)
        res: tuple[str, str, str, str]
        if kind == "unit" and code:
            res = ("unit", code, self._unit_note(label, text, code), "")
        elif kind == "park":
            res = ("park", code, t("locate.field_is_park", field=label, text=text), "")
        elif kind == "old":
            res = ("", "", "", t("locate.field_old_no_source", field=label, text=text))
        elif text == CITY_CODE:
            res = ("", "", "", t("locate.field_city_code", field=label, text=text))
        elif len(text) == 12 and text.isdigit() and text[:9] in self.gaz.by_code:
            c = text[:9]
            res = ("unit", c, t("locate.field_village_code", field=label, text=text, unit=self._name(c)), "")
        else:
            res = ("", "", "", t("locate.field_unknown", field=label, text=text))
        self._area_cache[key] = res
        return res

    def _unit_note(self, label: str, text: str, code: str) -> str:
        """The note for a field naming unit `code`: as written, with the unit's name, or the old name described."""
        if text != self._name(code) and text != code:
            old = self.matcher.match(text)
            if old.unit_code == code and self.matcher.rests_on_old_name(text):
                return t("locate.field_is_old", field=label, old=old.note)
            return t("locate.field_is_unit", field=label, text=text, unit=self._name(code))
        if text == code:
            return t("locate.field_is_unit", field=label, text=text, unit=self._name(code))
        return t("locate.field_is", field=label, text=text)

    def park_field(self, text: str) -> tuple[str, str]:
        """Park name field -> (park code or '', note): a park spelled any known way, or a text that names exactly
        one park and no township other than its host (泰兴经济开发区化工园区, 泰兴市滨江镇泰兴经开区)."""
        code = self.gaz.park_of(text)
        if code:
            return code, ""
        loc = self.matcher.match(text)
        host = self._host(loc.park_code) if loc.park_code else ""
        if loc.park_code and loc.method != "outside" and loc.unit_code in ("", host):
            return loc.park_code, ""
        return "", t("locate.park_field_unknown", text=text)

    def point_note(self, pt: Point) -> str:
        conv = t("locate.point_converted_gcj") if pt.datum == "GCJ02" else ""
        return t("locate.point_in_unit", converted=conv, unit=self._name(pt.unit), schematic=_schematic(pt.schematic))

    # -- the decision, step by step ---------------------------------------------------------------------------
    def decide(self, area_code: str, area_name: str, park_name: str, address: str, pt: Point) -> Location:
        row = _Row()
        return (
            self._by_fields(row, area_code, area_name, park_name, address, pt)
            or self._by_point(row, park_name, address, pt)
            or self._by_park_name(row, park_name)
            or self._by_address(row, address)
        )

    def _park_fallback(self, pt: Point, park_name: str, address: str) -> str:
        """Park evidence in precedence order, for rows whose unit comes from elsewhere."""
        if pt.park:
            return pt.park
        if park_name:
            code, _ = self.park_field(park_name)
            if code:
                return code
        return self.matcher.match(address).park_code if address else ""

    def _by_fields(
        self, row: _Row, area_code: str, area_name: str, park_name: str, address: str, pt: Point
    ) -> Location | None:
        """(1) explicit code / name fields."""
        unit = unit_note = park_note = ""
        for fld, text in (("area_code", area_code), ("area_name", area_name)):
            if not text:
                continue
            kind, code, note, fall = self.area(text, fld)
            if kind == "unit" and not unit:
                unit, unit_note = code, note
            elif kind == "unit" and code != unit:
                row.notes.append(t("locate.field_name_code_differ", text=text))
            elif kind == "park" and not row.park:
                row.park, park_note = code, note
            elif fall:
                row.notes.append(fall)
        if unit:
            return row.done(unit, row.park or self._park_fallback(pt, park_name, address), "code", unit_note)
        host = self._host(row.park) if row.park else ""
        if row.park and host:
            return row.done(host, row.park, "park", t("locate.of_unit", note=park_note, unit=self._name(host)))
        if row.park:
            row.notes.append(t("locate.host_unconfirmed", note=park_note))
        return None

    def _by_point(self, row: _Row, park_name: str, address: str, pt: Point) -> Location | None:
        """(2) coordinates: a township decides; outside the city decides when no park was named."""
        if pt.state == PT_OUTSIDE:
            if not row.park:
                return row.done("", "", "outside", NOTE_OUTSIDE_POINT)
            row.notes.append(t("locate.point_outside_unused"))
        elif pt.state == PT_UNIT:
            p = row.park or self._park_fallback(pt, park_name, address)
            note = self.point_note(pt)
            if pt.park and p == pt.park:
                note = t(
                    "locate.point_also_in_park", note=note, park=self._name(p), schematic=_schematic(pt.park_schematic)
                )
            return row.done(pt.unit, p, "point", note)
        elif pt.state in _POINT_REMARKS:
            row.notes.append(t(_POINT_REMARKS[pt.state], datum=pt.datum))
        if not row.park and pt.park:
            row.park = pt.park
            park_note = t("locate.point_in_park", park=self._name(row.park), schematic=_schematic(pt.park_schematic))
            host = self._host(row.park) if row.park in self.gaz.park_by_code else ""
            if host:
                return row.done(host, row.park, "park", t("locate.of_unit", note=park_note, unit=self._name(host)))
            row.notes.append(t("locate.host_unconfirmed", note=park_note))
        return None

    def _by_park_name(self, row: _Row, park_name: str) -> Location | None:
        """(3) the park name field."""
        if not park_name or row.park:
            return None
        code, fall = self.park_field(park_name)
        if not code:
            row.notes.append(fall)
            return None
        row.park = code
        host = self._host(code)
        if host:
            return row.done(
                host,
                code,
                "park",
                t("locate.of_unit", note=t("locate.park_field_is", text=park_name), unit=self._name(host)),
            )
        row.notes.append(t("locate.host_unconfirmed", note=t("locate.park_field_is", text=park_name)))
        return None

    def _by_address(self, row: _Row, address: str) -> Location:
        """(4) the address."""
        loc = self.matcher.match(address)
        if loc.method == "outside":
            if row.park:
                row.notes.append(t("locate.address_not_park", note=loc.note))
                return row.done("", row.park, "park", "")
            return row.done("", "", "outside", loc.note)
        if loc.unit_code:
            return row.done(loc.unit_code, row.park or loc.park_code, loc.method, loc.note)
        if row.park:
            row.notes.append(loc.note)
            return row.done("", row.park, "park", "")
        return row.done("", loc.park_code, loc.method, loc.note)
