"""The address rule over many addresses at once (issue #19): the same :class:`Location` per address as
:meth:`AddressMatcher.match_normalised`, with no Python work per distinct address.

Three steps, each a few passes of C code over all the texts joined by a separator no term contains:

1. *Reduce*: brackets dropped (as the matcher does) and every run of ASCII digits written as one ``0``. No term and no
   place word holds a digit, so a term found, the words after it and which terms touch are the same in the reduced
   text: 泰兴市黄桥镇光明路12号 and …234号 are one text to the rule. A generated or real export's tens of thousands of
   addresses reduce to a few thousand texts.
2. *Scan*: one Aho–Corasick pass over the reduced texts finds every term; the context tests (a place or road word
   after the term) run once per distinct context (the three characters after the term), the longest acceptable term
   per start is kept (by position in numpy: no sort), and overlaps are settled longest-first (in Python only for the
   texts that have any).
3. *Decide* once per distinct *signature*, what the rules read of the hits (:meth:`AddressMatcher._decide`): the terms
   in order and whether each starts where the one before it ends. Tens of thousands of addresses have a few hundred.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from itertools import chain

import ahocorasick
import numpy as np
import pandas as pd

from txip_geo.areas import place_words as words
from txip_geo.locate.address import (
    _PARK,
    _SUFFIX_CHECKED,
    NOTE_EMPTY,
    AddressMatcher,
    _followed_by_place_suffix,
    _followed_by_road,
    _Hit,
)
from txip_geo.locate.location import Location
from txip_geo.locate.text import _HAS_BRACKET

__all__ = ["locate_addresses", "match_many"]

_SEP = "\x00"  # between the joined texts: no term or place word holds it (checked), a text holding it is matched alone
_HAS_DIGIT = re.compile("[0-9]")
_MAX_SIGNATURE = 64  # hits per text kept in the signature matrix; a text with more is decided on its own


class _Lexicon:
    """A matcher's terms as arrays, and an automaton giving each term's index."""

    def __init__(self, matcher: AddressMatcher):
        self.keys = list(matcher._terms)
        self.terms = [matcher._terms[k] for k in self.keys]
        self.length = np.array([len(k) for k in self.keys], dtype=np.int64)
        self.suffix_checked = np.array([t.kind in _SUFFIX_CHECKED for t in self.terms], dtype=bool)
        self.park = np.array([t.kind == _PARK for t in self.terms], dtype=bool)
        self.automaton = ahocorasick.Automaton()
        for i, k in enumerate(self.keys):
            self.automaton.add_word(k, i)
        if self.keys:
            self.automaton.make_automaton()
        place_words = [words.TOWNSHIP_WORD, words.DIRECTIONS, *words.ROAD_SUFFIXES, *words.PLACE_SUFFIXES]
        # Joining is exact when the separator is in no term or word; reducing digits when no digit is in any.
        self.joinable = not any(_SEP in k for k in self.keys + place_words)
        self.reduce_digits = not any(_HAS_DIGIT.search(k) for k in self.keys + place_words)


# One lexicon per matcher, for as long as the matcher lives (the lexicon holds no reference to it).
_LEXICONS: weakref.WeakKeyDictionary[AddressMatcher, _Lexicon] = weakref.WeakKeyDictionary()


def _lexicon(matcher: AddressMatcher) -> _Lexicon:
    lex = _LEXICONS.get(matcher)
    if lex is None:
        lex = _LEXICONS[matcher] = _Lexicon(matcher)
    return lex


def _factorize(texts: list[str]) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(np.array(texts, dtype=object))
    return codes.astype(np.int64), list(uniques)


def _reduce(joined: str, digits: bool) -> tuple[np.ndarray, list[str]]:
    """The joined texts split, each digit run written as one 0 (when `digits`): (per text the index of its reduced
    text, the distinct reduced texts). In UTF-8 bytes, where a digit is one byte and no other character's bytes
    look like one, and split and hashed as bytes (cheaper than as text); only the distinct ones are decoded."""
    data = joined.encode("utf-8", "surrogatepass")
    if digits:
        a = np.frombuffer(data, dtype=np.uint8)
        digit = (a >= 48) & (a <= 57)
        later = np.zeros(len(a), dtype=bool)
        later[1:] = digit[1:] & digit[:-1]  # a digit after a digit: dropped
        a = a[~later]
        a[(a >= 48) & (a <= 57)] = 48
        data = a.tobytes()
    parts = data.split(_SEP.encode())
    index = dict.fromkeys(parts)
    for i, k in enumerate(index):
        index[k] = i
    codes = np.fromiter(map(index.__getitem__, parts), dtype=np.int64, count=len(parts))
    return codes, [k.decode("utf-8", "surrogatepass") for k in index]


def _rest(key: int) -> str:
    """The up-to-three characters after a term from their packed code points (0: the text ended)."""
    out = []
    for shift in (42, 21, 0):
        c = (key >> shift) & 0x1FFFFF
        if c == 0:
            break
        out.append(chr(c))
    return "".join(out)


def _rejected(lex: _Lexicon, joined: str, idx: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Hits that are no evidence: a place word after a checked kind, a road word after a park (the matcher's tests,
    once per distinct three characters after the term)."""
    reject = np.zeros(len(idx), dtype=bool)
    sc, pk = lex.suffix_checked[idx], lex.park[idx]
    check = sc | pk
    if not check.any():
        return reject
    cp = np.frombuffer((joined + _SEP * 3).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    e = end[check]
    c1, c2, c3 = (cp[e + k].astype(np.int64) for k in range(3))
    c2 = np.where(c1 == 0, 0, c2)  # the rest stops where the text does
    c3 = np.where(c2 == 0, 0, c3)
    inv, keys = pd.factorize((c1 << 42) | (c2 << 21) | c3)
    rests = [_rest(k) for k in keys.tolist()]
    place = np.array([_followed_by_place_suffix(r, 0) for r in rests], dtype=bool)
    road = np.array([_followed_by_road(r, 0) for r in rests], dtype=bool)
    reject[check] = np.where(sc[check], place[inv], road[inv])
    return reject


def _longest_first(start: np.ndarray, end: np.ndarray, idx: np.ndarray) -> list[tuple[int, int, int]]:
    """address._longest_first on one text's hits (given in reading order), by index."""
    hits = sorted(zip(start.tolist(), end.tolist(), idx.tolist()), key=lambda h: (-(h[1] - h[0]), h[0]))
    taken: list[tuple[int, int, int]] = []
    for h in hits:
        if all(h[1] <= k[0] or h[0] >= k[1] for k in taken):
            taken.append(h)
    taken.sort(key=lambda h: h[0])
    return taken


def _settle_overlaps(start, end, idx, tix):
    """Texts whose kept hits overlap: resolved longest-first (Python, for those texts only)."""
    same = tix[1:] == tix[:-1]
    over = same & (end[:-1] > start[1:])
    if not over.any():
        return start, end, idx, tix
    bad_texts = np.unique(tix[1:][over])
    bad = np.isin(tix, bad_texts)
    parts = [(start[~bad], end[~bad], idx[~bad], tix[~bad])]
    for t in bad_texts.tolist():
        sel = tix == t
        kept = _longest_first(start[sel], end[sel], idx[sel])
        s, e, i = (np.array(c, dtype=np.int64) for c in zip(*kept))
        parts.append((s, e, i, np.full(len(s), t, dtype=np.int64)))
    start, end, idx, tix = (np.concatenate(c) for c in zip(*parts))
    order = np.argsort(start, kind="stable")
    return start[order], end[order], idx[order], tix[order]


def _scan(lex: _Lexicon, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every text's hits as the matcher's _hits finds them: (start, end, term index, text index), in reading order
    (positions in the joined texts)."""
    empty = np.zeros(0, dtype=np.int64)
    if not lex.keys or not texts:
        return empty, empty, empty, empty
    joined = _SEP.join(texts)
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lens + 1) - (lens + 1)
    found = np.fromiter(chain.from_iterable(lex.automaton.iter(joined)), dtype=np.int64).reshape(-1, 2)
    if not len(found):
        return empty, empty, empty, empty
    idx = found[:, 1]
    end = found[:, 0] + 1
    length = lex.length[idx]
    start = end - length
    keep = ~_rejected(lex, joined, idx, end)
    start, length, idx = start[keep], length[keep], idx[keep]
    # The longest acceptable term at each start (one term per start and length: the same text), by position:
    # no sort, the positions of the joined text are the order.
    best = np.zeros(len(joined) + 1, dtype=np.int32)
    np.maximum.at(best, start, length.astype(np.int32))
    win = length == best[start]
    term_at = np.zeros(len(joined) + 1, dtype=np.int32)
    term_at[start[win]] = idx[win]
    start = np.flatnonzero(best)
    end, idx = start + best[start], term_at[start].astype(np.int64)
    tix = np.searchsorted(starts, start, side="right") - 1
    return _settle_overlaps(start, end, idx, tix)


def _signatures(start, end, idx, tix, n: int) -> tuple[np.ndarray, list[list[tuple[int, bool]]]]:
    """Per text the index of its signature, and the signatures: (term index, starts where the one before ends)."""
    touch = np.zeros(len(start), dtype=bool)
    touch[1:] = (tix[1:] == tix[:-1]) & (start[1:] == end[:-1])
    code = idx * 2 + touch
    counts = np.bincount(tix, minlength=n)
    width = int(counts.max()) if n and len(start) else 0
    if width > _MAX_SIGNATURE:  # a pathological text: signatures as Python tuples (still once per reduced text)
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        flat = code.tolist()
        keys = [tuple(flat[a:b]) for a, b in zip(bounds, bounds[1:])]
        sig_of, uniq = _factorize_tuples(keys)
    else:
        matrix = np.full((n, max(width, 1)), -1, dtype=np.int64)
        pos = np.arange(len(start)) - (np.cumsum(counts) - counts)[tix]
        matrix[tix, pos] = code
        sig_of = np.zeros(n, dtype=np.int64)
        for col in matrix.T:  # the rows told apart column by column (hashing, no sort)
            sig_of, _ = pd.factorize(sig_of * (int(col.max()) + 2) + (col + 1))
        first = np.flatnonzero(np.r_[True, sig_of[1:] > np.maximum.accumulate(sig_of)[:-1]])
        uniq = [tuple(r[r >= 0].tolist()) for r in matrix[first]]
    return sig_of, [[(c >> 1, bool(c & 1)) for c in key] for key in uniq]


def _factorize_tuples(keys: list[tuple]) -> tuple[np.ndarray, list[tuple]]:
    index: dict[tuple, int] = {}
    codes = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)
    return codes, list(index)


def _decide(matcher: AddressMatcher, lex: _Lexicon, signature: list[tuple[int, bool]]) -> Location:
    """The rules on one signature's hits (positions made up, keeping which hits touch)."""
    hits, pos = [], 0
    for i, touches in signature:
        start = pos if touches else pos + 1
        pos = start + int(lex.length[i])
        hits.append(_Hit(start, pos, lex.keys[i], lex.terms[i]))
    return matcher._decide(hits)


def locate_addresses(matcher: AddressMatcher, texts: Sequence[str]) -> tuple[np.ndarray, list[Location]]:
    """Normalised address texts -> (per text an index into the Locations, the Locations): ``locations[codes[i]]``
    equals ``matcher.match_normalised(texts[i])``. Nothing is read from or added to the matcher's cache."""
    texts = list(texts)
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    lex = _lexicon(matcher)
    joined = _SEP.join(texts)
    if not lex.joinable or joined.count(_SEP) != n - 1:  # a separator in a text: each matched on its own
        codes, uniques = _factorize(texts)
        return codes, [matcher._match(t) for t in uniques]
    if _HAS_BRACKET.search(joined) is not None:
        joined = _HAS_BRACKET.sub("", joined)  # without_brackets, on all at once
    reduced, distinct = _reduce(joined, lex.reduce_digits)
    sig_of, signatures = _signatures(*_scan(lex, distinct), len(distinct))
    locations = [_decide(matcher, lex, s) for s in signatures]
    codes = sig_of[reduced]
    empty = np.fromiter(map(len, texts), dtype=np.int64, count=n) == 0
    if empty.any():  # an empty text (not one that is empty without its brackets) says so
        codes = np.where(empty, len(locations), codes)
        locations.append(Location("", "", "unassigned", NOTE_EMPTY))
    return codes, locations


def match_many(matcher: AddressMatcher, texts: Sequence[str]) -> list[Location]:
    """``[matcher.match_normalised(t) for t in texts]``, computed by :func:`locate_addresses`."""
    codes, locations = locate_addresses(matcher, texts)
    table = np.empty(len(locations), dtype=object)
    table[:] = locations
    return table[codes].tolist()
