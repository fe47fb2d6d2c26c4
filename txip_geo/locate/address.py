"""The address matcher: an address text -> :class:`Location`, from the gazetteer's names and the place words only.

The rules, in order: an outside admin name found before any Taixing name places the address outside; then explicit
unit names and sourced old names; old names with no sourced successor (ambiguous, said so); parks; unique village
and community names with their suffix; bare short names (黄桥, 延令). Two candidates of the deciding kind that point
to different units decide nothing. A place name followed by a street or place word (如皋路, 黄桥路) is no evidence."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick

from txip_geo.areas import place_words as words
from txip_geo.areas.gazetteer import Gazetteer
from txip_geo.locate.location import LIST_SEP, NOTE_SEP, Location, quoted
from txip_geo.locate.text import normalise_text, without_brackets
from txip_geo.strings import t

__all__ = ["AddressMatcher", "matcher_for", "NOTE_EMPTY", "NOTE_NOTHING"]

NOTE_EMPTY = t("locate.address_empty")
NOTE_NOTHING = t("locate.address_nothing")


# The words bound once to module constants: these checks run for every term found in every distinct address.
_TOWNSHIP_WORD, _DIRECTIONS = words.TOWNSHIP_WORD, words.DIRECTIONS
_ROAD_SUFFIXES, _PLACE_SUFFIXES = words.ROAD_SUFFIXES, words.PLACE_SUFFIXES


def _followed_by_place_suffix(text: str, end: int) -> bool:
    rest = text[end : end + 3]
    if not rest:
        return False
    if rest.startswith(_TOWNSHIP_WORD):
        return False
    if rest[0] in _DIRECTIONS and rest[1:].startswith(_ROAD_SUFFIXES) and not rest[1:].startswith(_TOWNSHIP_WORD):
        return True
    return rest.startswith(_PLACE_SUFFIXES)


def _followed_by_road(text: str, end: int) -> bool:
    rest = text[end : end + 3]
    if rest.startswith(_TOWNSHIP_WORD):
        return False
    if rest[:1] in _DIRECTIONS:
        rest = rest[1:]
    return rest.startswith(_ROAD_SUFFIXES) and not rest.startswith(_TOWNSHIP_WORD)


# Term kinds, in the order they claim a string when two kinds would spell it the same way.
_TAIXING, _UNIT, _OLD, _OLD_NOSRC, _PARK, _VILLAGE, _SHORT, _OUTSIDE = (
    "taixing",
    "unit",
    "old",
    "old_nosource",
    "park",
    "village",
    "short",
    "outside",
)
# Kinds that, found before any outside admin token, place an address in Taixing.
_TAIXING_EVIDENCE = {_TAIXING, _UNIT, _OLD, _OLD_NOSRC, _PARK}
# Kinds that are not evidence when followed by a street/place suffix.
_SUFFIX_CHECKED = {_TAIXING, _SHORT, _OUTSIDE}


@dataclass(frozen=True)
class _Term:
    kind: str
    code: str  # unit code ('' when unknown)
    park: str  # park code for parks
    label: str  # the form shown in notes (the matched text, or the full name it stands for)


class _Hit(NamedTuple):  # a tuple: made for every term found in every distinct address (a dataclass is slower)
    start: int
    end: int
    text: str
    term: _Term


def _codes_of(hits: list[_Hit]) -> list[str]:
    """The hits' unit codes, each once, in reading order."""
    out: list[str] = []
    for h in hits:
        if h.term.code not in out:
            out.append(h.term.code)
    return out


def _by_start_longest(hit: tuple) -> tuple:
    return hit[0], hit[1]


def _longest_first(found: list[_Hit]) -> list[_Hit]:
    """Overlapping hits resolved: the longer wins (the earlier of two as long), the rest in reading order."""
    if len(found) < 2:
        return found
    if all(a.end <= b.start for a, b in zip(found, found[1:])):
        return found  # in reading order and apart (the usual case): nothing to resolve
    found.sort(key=lambda h: (-(h.end - h.start), h.start))
    taken: list[_Hit] = []
    for h in found:
        if all(h.end <= k.start or h.start >= k.end for k in taken):
            taken.append(h)
    taken.sort(key=lambda h: h.start)
    return taken


@dataclass
class _Evidence:
    """An address's hits inside Taixing by kind, and what its park names say."""

    explicit: list[_Hit]  # unit names and sourced old names
    no_source: list[_Hit]  # old names whose successor no source gives
    parks: list[_Hit]
    villages: list[_Hit]
    shorts: list[_Hit]
    park_codes: list[str]  # the parks named, each once
    park: str = ""  # the one park named ('' when none or several)
    park_note: str = ""

    def with_park(self, note: str) -> str:
        if self.park:
            return note + NOTE_SEP + t("locate.address_park", text=self.parks[0].text)
        return note + NOTE_SEP + self.park_note if self.park_note else note


class AddressMatcher:
    """Address text -> :class:`Location`, using the gazetteer's names only (see module rules)."""

    def __init__(self, gazetteer: Gazetteer):
        self.gaz = gazetteer
        self._terms: dict[str, _Term] = {}
        self._build()
        # Term lengths by first character (longest first): most positions start no term and are skipped at once.
        by_first: dict[str, set[int]] = {}
        for k in self._terms:
            by_first.setdefault(k[0], set()).add(len(k))
        self._lengths_at = {c: sorted(v, reverse=True) for c, v in by_first.items()}
        # The same lexicon as an Aho-Corasick automaton (C code): one pass over the text finds every term in it.
        self._automaton = ahocorasick.Automaton()
        for k, term in self._terms.items():
            self._automaton.add_word(k, (len(k), k, term))
        if self._terms:
            self._automaton.make_automaton()
        self._cache: dict[str, Location] = {}

    # -- lexicon (the first kind to add a text keeps it) --------------------------------------------------------
    def _add(self, text: str, term: _Term) -> None:
        if text and text not in self._terms:
            self._terms[text] = term

    def _build(self) -> None:
        self._add_city_and_units()
        self._add_parks()
        self._add_villages()
        self._add_short_names()
        for r in self.gaz.outside_places:
            self._add(r["name"], _Term(_OUTSIDE, "", "", r["name"]))

    def _add_city_and_units(self) -> None:
        for name in words.CITY_NAMES:
            self._add(name, _Term(_TAIXING, "", "", name))
        for u in self.gaz.units:
            self._add(u.name, _Term(_UNIT, u.code, "", u.name))
        for o in self.gaz.old_names:
            self._add(o.name, _Term(_OLD if o.successor_code else _OLD_NOSRC, o.successor_code, "", o.name))

    def _add_parks(self) -> None:
        # Every spelling of every park (data/park_name_forms.toml): 泰兴市经济开发区 is one term, longer than 泰兴市.
        g = self.gaz
        for p in g.parks:
            for n in p.names:
                self._add(normalise_text(n), _Term(_PARK, p.host_code, p.code, n))
        for form, code in g.park_forms.items():
            p = g.park_by_code[code]
            self._add(form, _Term(_PARK, p.host_code, p.code, form))

    def _add_villages(self) -> None:
        villages = self.gaz.villages
        counts = Counter(v.name for v in villages)
        ending = words.VILLAGE_NAME_ENDING
        for v in villages:
            if counts[v.name] != 1:
                continue  # a name used twice is no evidence
            suffixes = words.VILLAGE_SUFFIXES if v.kind == words.VILLAGE_KIND else words.COMMUNITY_SUFFIXES
            for s in suffixes:
                self._add(v.name + s, _Term(_VILLAGE, v.unit_code, "", v.name + s))
            if v.name.endswith(ending) and len(v.name) >= 3:  # 国庆新村, 国庆二村: the name carries its suffix
                self._add(v.name, _Term(_VILLAGE, v.unit_code, "", v.name))

    def _add_short_names(self) -> None:
        for u in self.gaz.units:
            if len(u.short_name) >= 2:
                self._add(u.short_name, _Term(_SHORT, u.code, "", u.short_name))
        for o in self.gaz.old_names:
            if o.successor_code and o.name[-1:] in words.OLD_NAME_ENDINGS and len(o.name) >= 3:
                self._add(o.name[:-1], _Term(_SHORT, o.successor_code, "", o.name))

    # -- scanning ---------------------------------------------------------------------------------------------
    def _hits(self, text: str) -> list[_Hit]:
        """Every lexicon term in the text, overlaps resolved longest-first, in reading order.

        The automaton gives every occurrence of every term; at each start the longest acceptable one is kept, as
        :meth:`plain_hits` (the same rule, scanning position by position) does."""
        if not self._terms:
            return []
        found_at = [(end - length + 1, -length, sub, term) for end, (length, sub, term) in self._automaton.iter(text)]
        if not found_at:
            return []
        if len(found_at) > 1:
            found_at.sort(key=_by_start_longest)
        found: list[_Hit] = []
        done = -1
        for start, neg, sub, term in found_at:
            if start == done:
                continue
            end = start - neg
            if term.kind in _SUFFIX_CHECKED and _followed_by_place_suffix(text, end):
                continue
            if term.kind == _PARK and _followed_by_road(text, end):
                continue
            found.append(_Hit(start, end, sub, term))
            done = start
        return _longest_first(found)

    def plain_hits(self, text: str) -> list[_Hit]:
        """:meth:`_hits` in plain Python, position by position: the reference the automaton is tested against (and
        the rule as the fair benchmark baseline scans it)."""
        found: list[_Hit] = []
        n = len(text)
        terms = self._terms
        lengths_at = self._lengths_at
        for i, ch in enumerate(text):
            lengths = lengths_at.get(ch)
            if lengths is None:
                continue
            for length in lengths:
                end = i + length
                if end > n:
                    continue
                sub = text[i:end]
                term = terms.get(sub)
                if term is None:
                    continue
                if term.kind in _SUFFIX_CHECKED and _followed_by_place_suffix(text, end):
                    continue  # a street or place named after it (泰兴市如皋路, 黄桥路): no evidence
                if term.kind == _PARK and _followed_by_road(text, end):
                    continue  # 开发区路, 园区大道: a road named after a park, anywhere in the city
                found.append(_Hit(i, end, sub, term))
                break  # the longest acceptable term at this position
        return _longest_first(found)

    # -- public -----------------------------------------------------------------------------------------------
    def match(self, address) -> Location:
        # The cache's keys are normalised texts, and normalising one gives it back: an address that is a key needs no
        # normalising (the importer passes normalised addresses, most of them seen before).
        loc = self._cache.get(address) if type(address) is str else None
        if loc is not None:
            return loc
        text = normalise_text(address)
        loc = self._cache.get(text)
        if loc is None:
            loc = self._match(text)
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[text] = loc
        return loc

    def match_normalised(self, text: str) -> Location:
        """:meth:`match` of a text that is normalised already (normalise_text gives it back)."""
        loc = self._cache.get(text)
        if loc is None:
            loc = self._match(text)
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[text] = loc
        return loc

    def remember(self, texts, locations) -> None:
        """Keep the Locations of normalised texts found elsewhere (locate.address_batch) for later :meth:`match`."""
        if len(self._cache) + len(texts) > 500_000:
            self._cache.clear()
        self._cache.update(zip(texts, locations))

    def rests_on_old_name(self, address) -> bool:
        """Whether the address is placed by sourced old names alone (its note then describes the old name)."""
        text = normalise_text(address)
        if not text:
            return False
        hits = self._hits(without_brackets(text))
        if self._outside(hits) is not None:
            return False
        explicit = [h for h in hits if h.term.kind in (_UNIT, _OLD)]
        return len(_codes_of(explicit)) == 1 and not any(h.term.kind == _UNIT for h in explicit)

    # -- notes ------------------------------------------------------------------------------------------------
    def _name(self, code: str) -> str:
        return self.gaz.name_of(code)

    def _old_note(self, old_name: str) -> str:
        for o in self.gaz.old_names:
            if o.name == old_name:
                succ = self._name(o.successor_code)
                when = t("locate.old_name_year", year=o.year) if o.year else ""
                detail = o.note if succ in o.note else t("locate.old_name_now", note=o.note, unit=succ)
                return t("locate.old_name_detail", name=o.name, when=when, detail=detail)
        return t("locate.old_name", name=old_name)

    def _conflict(self, codes: list[str]) -> str:
        return t("locate.address_conflict", names=LIST_SEP.join(self._name(c) for c in codes))

    # -- the rules, one step each -----------------------------------------------------------------------------
    def _match(self, text: str) -> Location:
        if not text:
            return Location("", "", "unassigned", NOTE_EMPTY)
        return self._decide(
            self._hits(without_brackets(text))
        )  # 泰兴（经济）开发区, 黄桥[镇]: brackets separate nothing

    def _decide(self, hits: list[_Hit]) -> Location:
        """The rules on a non-empty address's hits. What it reads of them: each hit's term and matched text, in
        order, and whether it starts where the one before it ends (an outside chain); nothing else of the text."""
        outside = self._outside(hits)
        if outside is not None:
            return outside
        ev = self._evidence(hits)
        return (
            self._by_explicit(ev)
            or self._by_old_no_source(ev)
            or self._by_park(ev)
            or self._by_village(ev)
            or self._by_short(ev)
            or Location("", "", "unassigned", NOTE_NOTHING)
        )

    @staticmethod
    def _outside(hits: list[_Hit]) -> Location | None:
        """Outside Taixing? The first admin token decides (泰州市/江苏省 are neutral and not tokens)."""
        for i, h in enumerate(hits):
            if h.term.kind in _TAIXING_EVIDENCE:
                return None
            if h.term.kind == _OUTSIDE:
                chain, end = [h.text], h.end
                for nxt in hits[i + 1 :]:
                    if nxt.term.kind != _OUTSIDE or nxt.start != end:
                        break
                    chain.append(nxt.text)
                    end = nxt.end
                return Location("", "", "outside", t("locate.address_outside", text="".join(chain)))
        return None

    def _evidence(self, hits: list[_Hit]) -> _Evidence:
        """Candidates inside Taixing, by kind; the park when exactly one is named."""
        # One pass over the hits (this runs once per distinct address: a million-row import's hot path).
        explicit, no_source, parks, villages, shorts = [], [], [], [], []
        by_kind = {
            _UNIT: explicit,
            _OLD: explicit,
            _OLD_NOSRC: no_source,
            _PARK: parks,
            _VILLAGE: villages,
            _SHORT: shorts,
        }
        for h in hits:
            bucket = by_kind.get(h.term.kind)
            if bucket is not None:
                bucket.append(h)
        park_codes: list[str] = []
        for h in parks:
            if h.term.park not in park_codes:
                park_codes.append(h.term.park)
        ev = _Evidence(explicit, no_source, parks, villages, shorts, park_codes)
        if len(park_codes) == 1:
            ev.park = park_codes[0]
            host = self.gaz.park_by_code[ev.park].host_code
            ev.park_note = t("locate.address_park", text=parks[0].text)
            if host:
                ev.park_note = t("locate.of_unit", note=ev.park_note, unit=self._name(host))
        elif len(park_codes) > 1:
            ev.park_note = t("locate.address_parks_undecided", parks=LIST_SEP.join(self._name(p) for p in park_codes))
        return ev

    def _by_explicit(self, ev: _Evidence) -> Location | None:
        """(a) explicit unit names and sourced old names."""
        if not ev.explicit:
            return None
        codes = _codes_of(ev.explicit)
        if len(codes) == 1:
            current = [h for h in ev.explicit if h.term.kind == _UNIT]
            note = t("locate.address_name", text=current[0].text) if current else self._old_note(ev.explicit[0].text)
            return Location(codes[0], ev.park, "address", ev.with_park(note))
        return Location("", ev.park, "park" if ev.park else "unassigned", ev.with_park(self._conflict(codes)))

    def _by_old_no_source(self, ev: _Evidence) -> Location | None:
        """Old names whose successor no source gives: ambiguous, say so."""
        if not ev.no_source:
            return None
        names = LIST_SEP.join(dict.fromkeys(quoted(h.text) for h in ev.no_source))
        note = t("locate.address_old_no_source", names=names)
        return Location("", ev.park, "park" if ev.park else "unassigned", ev.with_park(note))

    def _by_park(self, ev: _Evidence) -> Location | None:
        """(b) parks: the park's host, or (host unknown) a unique village's unit."""
        if len(ev.park_codes) > 1:
            return Location("", "", "unassigned", self._conflict(ev.park_codes))
        if not ev.park:
            return None
        host = self.gaz.park_by_code[ev.park].host_code
        if host:
            return Location(host, ev.park, "park", ev.park_note)
        park_text = ev.parks[0].text
        vcodes = _codes_of(ev.villages)
        if len(vcodes) == 1:
            note = t(
                "locate.address_village_park", text=ev.villages[0].text, unit=self._name(vcodes[0]), park=park_text
            )
            return Location(vcodes[0], ev.park, "address", note)
        return Location("", ev.park, "park", t("locate.address_park_no_host", text=park_text))

    def _by_village(self, ev: _Evidence) -> Location | None:
        """(c) unique village / community names with their suffix."""
        if not ev.villages:
            return None
        codes = _codes_of(ev.villages)
        if len(codes) == 1:
            note = t("locate.address_village", text=ev.villages[0].text, unit=self._name(codes[0]))
            return Location(codes[0], "", "address", note)
        return Location("", "", "unassigned", self._conflict(codes))

    def _by_short(self, ev: _Evidence) -> Location | None:
        """(d) bare short names (黄桥, 延令, 横垛 …)."""
        if not ev.shorts:
            return None
        codes = _codes_of(ev.shorts)
        if len(codes) != 1:
            return Location("", "", "unassigned", self._conflict(codes))
        h = ev.shorts[0]
        if h.term.label != h.text and h.term.label not in (u.name for u in self.gaz.units):
            note = t("locate.address_old_short", text=h.text, old=self._old_note(h.term.label))
        else:
            note = t("locate.address_short", text=h.text, unit=self._name(codes[0]))
        return Location(codes[0], "", "address", note)


_MATCHERS: dict[int, tuple[Gazetteer, AddressMatcher]] = {}


def matcher_for(gazetteer: Gazetteer) -> AddressMatcher:
    """One matcher (and its cache) per gazetteer object."""
    hit = _MATCHERS.get(id(gazetteer))
    if hit is not None and hit[0] is gazetteer:
        return hit[1]
    m = AddressMatcher(gazetteer)
    if len(_MATCHERS) > 8:
        _MATCHERS.clear()
    _MATCHERS[id(gazetteer)] = (gazetteer, m)
    return m
