"""The import's fast paths give what the plain rules give (issue #19): the address lexicon scanned by an Aho-Corasick
automaton against the position-by-position scan, normalising that skips the translation tables when nothing would
change, and an address-only row decided by the matcher directly against the full decision."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from benchmarks import generate
from txip_geo.areas import place_words as words
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.locate.address import AddressMatcher
from txip_geo.locate.decide import Decider
from txip_geo.locate.frame import Locator
from txip_geo.locate.points import Point
from txip_geo.locate.text import _FOLD_TABLE, _SPACES, BRACKETS, normalise_many, normalise_text, without_brackets


@pytest.fixture(scope="module")
def matcher():
    return AddressMatcher(load_gazetteer())


@pytest.fixture(scope="module")
def addresses():
    """The generated export's addresses (the sample's, with house numbers) and the sample's own."""
    return list(generate.patent_frame(3000, seed=7)["地址"].unique())


def _compositions(matcher, n: int, seed: int) -> list[str]:
    """Texts made of lexicon terms, place words and brackets: overlapping terms, suffixes, roads named after places."""
    rnd = random.Random(seed)
    terms = list(matcher._terms)
    extra = [
        "路",
        "镇",
        "街",
        "村",
        "大道",
        "东路",
        "西路",
        "巷",
        "号",
        "区",
        "园",
        "桥",
        "工业园",
        "开发区",
        "（",
        "）",
    ]
    extra += list(words.ROAD_SUFFIXES[:5]) + list(words.PLACE_SUFFIXES[:5])
    return [
        "".join(rnd.choice(terms) if rnd.random() < 0.6 else rnd.choice(extra) for _ in range(rnd.randint(1, 7)))
        for _ in range(n)
    ]


def test_the_automaton_finds_what_the_plain_scan_finds(matcher, addresses):
    texts = [without_brackets(normalise_text(a)) for a in addresses] + _compositions(matcher, 20_000, seed=3)
    differ = [t for t in texts if matcher._hits(t) != matcher.plain_hits(t)]
    assert differ == []
    # The compositions hold texts where terms overlap (the case the longest-first rule settles).
    assert any(len(list(matcher._automaton.iter(t))) > len(matcher._hits(t)) > 1 for t in texts)


def test_an_empty_lexicon_finds_nothing(matcher):
    empty = AddressMatcher.__new__(AddressMatcher)
    empty._terms = {}
    empty._lengths_at = {}
    assert empty._hits("泰兴市黄桥镇") == [] == empty.plain_hits("泰兴市黄桥镇")


@pytest.mark.parametrize(
    "text",
    [
        "泰兴市黄桥镇光明路1号",
        "泰兴市　黄桥镇 光明路１号",
        "ＡＢＣ－１２３",
        "泰兴（经济）开发区",
        "a\tb\r\nc\u00a0d\u200be\ufeff",
        "—–‐‒−―",
        "NaN",
        " none ",
        "",
        "普通文字",
    ],
)
def test_normalising_is_the_translation_whether_or_not_it_is_skipped(text):
    plain = text.translate(_FOLD_TABLE).translate(_SPACES)
    assert normalise_text(text) == ("" if plain.lower() in ("nan", "none", "null", "<na>", "nat") else plain)
    assert without_brackets(text) == text.translate(BRACKETS)


def test_an_address_only_row_is_decided_as_the_full_decision_decides_it(addresses, matcher):
    gaz = load_gazetteer()
    texts = addresses + _compositions(matcher, 2000, seed=5) + ["", "江苏省南京市玄武区", "泰兴经济开发区"]
    frame = pd.DataFrame({"address": texts})
    got = Locator(gaz).frame(frame)
    decider = Decider(gaz)
    want = [decider.decide("", "", "", normalise_text(a), Point()) for a in texts]
    assert got["unit_code"].tolist() == [w.unit_code for w in want]
    assert got["park_code"].tolist() == [w.park_code for w in want]
    assert got["assign_method"].tolist() == [w.method for w in want]
    assert got["assign_note"].tolist() == [w.note for w in want]
    methods = set(got["assign_method"])
    assert {"address", "unassigned", "outside"} <= methods  # the fast path met every kind of answer
    assert np.all(got.index == frame.index)


@pytest.mark.parametrize(
    "values",
    [
        [
            "泰兴市黄桥镇1号",
            "泰兴市　黄桥镇 １号",
            "ＡＢＣ－１２３",
            "",
            "nan",
            "NaN",
            " none ",
            "ｎａｎ",
            "<NA>",
            "NaT",
            "null",
        ],
        ["nan1", "abc", "abcd", "a b", "普通文字", "—–‐‒−―", "a\tb\r\nc\u00a0d\u200be\ufeff"],
        [None, float("nan"), 321283002, 3.5, "泰兴 市", pd.NA],  # not all texts: one by one
        ["a\x00b", "c"],  # the separator in a text
        [np.str_("ｎａｎ"), np.str_("泰兴市")],
        [],
    ],
)
def test_normalising_many_is_normalising_each(values):
    assert normalise_many(values) == [normalise_text(v) for v in values]


def _chunks_rows(n: int, seed: int) -> pd.DataFrame:
    """Rows mixing every source: generated addresses (many per Location), codes, names, park names, points in and
    out of the square townships, unknown datums."""
    rnd = random.Random(seed)
    addresses = list(generate.patent_frame(1500, seed=seed)["地址"]) + [
        "",
        "泰兴经济开发区",
        "如皋市城北街道",
        None,
        "泰兴市 黄桥镇1号",
        "泰兴市黄桥镇1号",
        "nan",
    ]
    pick = rnd.choice
    rows = []
    for _ in range(n):
        lon, lat = pick(
            [(None, None), (120.05, 32.15), (120.16, 32.16), (120.12, 32.05), (120.22, 32.22), (121.5, 31.2)]
        )
        rows.append(
            {
                "area_code": pick([None] * 8 + ["321283100", "P03", "999"]),
                "area_name": pick([None] * 8 + ["延令街道", "横垛镇", "泰兴高新区"]),
                "park_name": pick([None] * 8 + ["黄桥开发区", "某园区"]),
                "address": pick(addresses),
                "lon": lon if rnd.random() < 0.5 else None,
                "lat": lat,
                "datum": pick([None, "WGS84", "GCJ-02", "百度"]),
            }
        )
    return pd.DataFrame(rows)


def test_a_files_chunks_are_decided_as_each_row_alone():
    from support import square_layers

    from txip_geo.locate.points import point_one, prepare_layer, prepare_outline
    from txip_geo.locate.text import clean_code

    gaz, layers = load_gazetteer(), square_layers()
    df = _chunks_rows(3000, seed=21)
    locator = Locator(gaz, **layers)
    got = pd.concat([locator.frame(df.iloc[a : a + 1000]) for a in range(0, len(df), 1000)])
    towns, parks = prepare_layer(layers["townships"]), prepare_layer(layers["parks"])
    outline = prepare_outline(layers["outline"])
    decider = Decider(gaz)
    want = []
    for r in df.itertuples(index=False):
        pt = point_one(r.lon, r.lat, normalise_text(r.datum), towns, parks, outline)
        want.append(
            decider.decide(
                clean_code(r.area_code),
                clean_code(r.area_name),
                normalise_text(r.park_name),
                normalise_text(r.address),
                pt,
            )
        )
    assert got["unit_code"].tolist() == [w.unit_code for w in want]
    assert got["park_code"].tolist() == [w.park_code for w in want]
    assert got["assign_method"].tolist() == [w.method for w in want]
    assert got["assign_note"].tolist() == [w.note for w in want]
    assert set(got["assign_method"]) == {"code", "point", "address", "park", "unassigned", "outside"}
