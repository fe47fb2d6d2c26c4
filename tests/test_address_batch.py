"""Many addresses at once (locate.address_batch, issue #19) give, address by address, the Location the single-address
rule gives (unit, park, method and the note's wording): on every address of the bundled sample data, on a generated
export's distinct addresses, and on hand-written edge cases; and the rule is decided once per hit signature, not once
per address."""

from __future__ import annotations

import csv
import random

from benchmarks import generate
from txip_geo.areas import place_words as words
from txip_geo.locate import address_batch as B
from txip_geo.locate.address import _VILLAGE, AddressMatcher, _Term
from txip_geo.locate.location import Location
from txip_geo.locate.text import normalise_text
from txip_geo.paths import DATA_DIR

HUANGQIAO = "321283100"


def _same(matcher: AddressMatcher, texts: list[str]) -> list[Location]:
    """The batch's Locations, asserted equal to the rule's own (uncached) for every text."""
    got = B.match_many(matcher, texts)
    want = [matcher._match(t) for t in texts]
    assert len(got) == len(texts)
    assert [(t, g) for t, g, w in zip(texts, got, want) if g != w] == []
    return got


def _sample_texts() -> list[str]:
    """Every address, park and township cell of the bundled sample files (data/sample, baseline included)."""
    out: list[str] = []
    for path in sorted((DATA_DIR / "sample").rglob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                out += [row[c] for c in ("地址", "所属园区", "所属镇街") if row.get(c)]
    return list(dict.fromkeys(normalise_text(t) for t in out))


def test_every_sample_address_is_located_as_one_by_one(matcher):
    texts = _sample_texts()
    assert len(texts) > 300
    got = _same(matcher, texts)
    assert {"address", "park", "unassigned"} <= {x.method for x in got}
    assert len({x.unit_code for x in got}) > 10  # the sample spreads over the townships


def test_a_generated_exports_addresses_are_located_as_one_by_one(matcher):
    texts = [normalise_text(a) for a in generate.patent_frame(4000, seed=11)["地址"].unique()]
    got = _same(matcher, texts)
    assert {"address", "park", "outside", "unassigned"} <= {x.method for x in got}


def _edge_cases(gaz) -> list[str]:
    units = [u.name for u in gaz.units]
    olds = [o.name for o in gaz.old_names]
    forms = list(gaz.park_forms) + [n for p in gaz.parks for n in p.names]
    villages = [v.name + s for v in gaz.villages[:40] for s in ("村", "社区", "居委会")]
    texts = [
        "",
        "()",
        "（）",
        "【】12",
        "泰兴（经济）开发区",
        "黄桥[镇]",
        "1(2)3黄桥镇",
        "黄(1)桥镇",
        "泰兴市黄桥镇",
        "黄桥",
        "黄桥镇",
        "黄桥路",
        "黄桥12路",
        "黄桥东路",
        "黄桥东街道",
        "黄桥街道",
        "黄桥东",
        "黄桥1",
        "黄桥社区",
        "延令",
        "泰兴",
        "泰兴市",
        "泰兴市如皋路",
        "泰兴市如皋东路8号",
        "如皋市",
        "如皋市泰兴市黄桥镇",
        "泰兴市黄桥镇如皋市",
        "上海市闵行区虹桥镇",
        "上海市12闵行区",
        "上海市(闵行区)",
        "江苏省南京市玄武区",
        "泰兴市黄桥镇古溪镇",
        "泰兴市黄桥古溪",
        "泰兴市黄桥镇溪桥",
        "泰兴经济开发区",
        "泰兴经济开发区路",
        "泰兴经济开发区大道1号",
        "泰兴经济开发区黄桥经济开发区",
        "泰兴高新区燕头村",
        "泰兴市国庆新村12幢",
        "A栋黄桥镇3楼",
        "泰兴市\x00黄桥镇",  # holds the separator: located on its own
        "\ud800黄桥镇",  # a lone surrogate
        "黄桥镇" * 70 + "古溪镇",  # more hits than the signature matrix keeps
        "某某有限公司",
        "12345",
    ]
    for name in units + olds + forms + villages:
        texts += [name, f"泰兴市{name}12号", f"{name}路", f"{name}东路3号", f"{name}街道", f"1{name}", f"{name}{name}"]
    for a, b in zip(units, units[1:] + units[:1]):
        texts += [f"泰兴市{a}{b}", f"{a}1号{b}"]
    for a, b in zip(olds, forms):
        texts += [f"{a}{b}", f"{b}（{a}）"]
    return texts


def _overlapping(matcher) -> list[str]:
    """Two terms where the end of one is the start of the other (泰兴 + 兴化市: 泰兴化市), alone and in an address."""
    terms = list(matcher._terms)
    out = []
    for a in terms:
        for b in terms:
            out += [a + b[k:] for k in range(1, min(len(a), len(b))) if a[-k:] == b[:k]]
    return out + [f"江苏省{t}12号" for t in out]


def test_edge_cases_are_located_as_one_by_one(matcher, gaz):
    got = _same(matcher, _edge_cases(gaz))
    assert {"address", "park", "outside", "unassigned"} <= {x.method for x in got}


def test_overlapping_terms_are_settled_longest_first(matcher):
    texts = _overlapping(matcher)
    assert "泰兴化市" in texts
    got = _same(matcher, texts)
    # 泰兴化市 is 兴化市 (outside), not 泰兴 (Taixing): the longer term wins the characters they share.
    assert got[texts.index("泰兴化市")].method == "outside"


def _compositions(matcher, n: int, seed: int) -> list[str]:
    """Texts made of terms, place words, digits and brackets: overlapping terms, suffixes, roads named after
    places, terms touching and apart, at the start and at the end."""
    rnd = random.Random(seed)
    terms = list(matcher._terms)
    extra = ["路", "镇", "村", "大道", "东路", "号", "区", "工业园", "开发区", "（", "）", "[", "]", "1", "23", "A"]
    extra += list(words.ROAD_SUFFIXES) + list(words.PLACE_SUFFIXES) + list(words.DIRECTIONS)
    return [
        "".join(rnd.choice(terms) if rnd.random() < 0.55 else rnd.choice(extra) for _ in range(rnd.randint(1, 8)))
        for _ in range(n)
    ]


def test_compositions_of_terms_are_located_as_one_by_one(matcher):
    texts = _compositions(matcher, 6000, seed=4)
    got = _same(matcher, texts)
    assert {"address", "park", "outside", "unassigned"} <= {x.method for x in got}
    # The compositions hold overlapping terms (settled longest-first) and terms rejected for the word after them.
    hits = [matcher._hits(normalise_text(t)) for t in texts[:500]]
    assert any(len(list(matcher._automaton.iter(t))) > len(h) > 1 for t, h in zip(texts, hits))


def test_the_rule_runs_once_per_signature(matcher, monkeypatch):
    texts = [normalise_text(a) for a in generate.patent_frame(4000, seed=12)["地址"].unique()]
    scanned, decided = [], []
    scan, decide = B._scan, AddressMatcher._decide
    monkeypatch.setattr(B, "_scan", lambda lex, t: scanned.append(len(t)) or scan(lex, t))
    monkeypatch.setattr(AddressMatcher, "_decide", lambda self, hits: decided.append(1) or decide(self, hits))
    codes, locations = B.locate_addresses(matcher, texts)
    assert len(codes) == len(texts) > 1000
    assert scanned and scanned[0] * 3 < len(texts)  # house numbers apart, addresses repeat
    assert len(decided) <= len(locations) <= len(decided) + 1  # one more: the empty address
    assert len(decided) * 10 < len(texts)


def test_nothing_in_nothing_out(matcher):
    codes, locations = B.locate_addresses(matcher, [])
    assert len(codes) == 0 and locations == [] and B.match_many(matcher, []) == []
    assert B.match_many(matcher, [""]) == [matcher._match("")]


def test_an_empty_lexicon_finds_nothing():
    empty = AddressMatcher.__new__(AddressMatcher)
    empty._terms = {}
    got = B.match_many(empty, ["泰兴市黄桥镇", "", "()"])
    assert [x.note for x in got] == [empty._match(t).note for t in ["泰兴市黄桥镇", "", "()"]]
    assert got[0].note != got[1].note  # nothing found is not an empty address


class _DigitLexicon(AddressMatcher):
    """A lexicon with a digit in a term: 12号桥 holds 2号桥, so digit runs may not be reduced."""

    def _build(self) -> None:
        super()._build()
        self._add("2号桥", _Term(_VILLAGE, HUANGQIAO, "", "2号桥"))


def test_a_term_with_a_digit_turns_the_reduction_off(gaz):
    m = _DigitLexicon(gaz)
    texts = ["泰兴市2号桥", "泰兴市12号桥", "泰兴市3号桥", "泰兴市黄桥镇12号"]
    got = _same(m, texts)
    assert [x.unit_code for x in got[:3]] == [HUANGQIAO, HUANGQIAO, ""]
    assert B._lexicon(m).reduce_digits is False and B._lexicon(AddressMatcher(gaz)).reduce_digits is True


def test_cached_single_matches_agree_after_remembering(gaz):
    m = AddressMatcher(gaz)
    texts = ["泰兴市黄桥镇1号", "泰兴经济开发区", "如皋市"]
    m.remember(texts, B.match_many(m, texts))
    assert [m.match(t) for t in texts] == [AddressMatcher(gaz).match(t) for t in texts]
