"""The bundled sample in data/sample/: reproducible, on the schema, visibly fictional, with the gaps the app must show."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from collections import Counter

import pytest
from shapely.geometry import Point, shape

from txip_geo import schema
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.ingest.sample import SAMPLE_BASELINE_AS_OF, SAMPLE_BASELINE_DIR, SAMPLE_BASELINE_KINDS
from txip_geo.ingest.words import INACTIVE, PATENT_STATUS, TRADEMARK_STATUS
from txip_geo.paths import GEO_DIR, ROOT, SAMPLE_DIR

SCRIPT = ROOT / "scripts" / "make_sample_data.py"
AS_OF = "2026-10-31"
MARK = "（样例）"
NO_WORKSTATION = {"分界镇": "321283101", "根思乡": "321283200", "河失镇": "321283112"}


def _load_script():
    spec = importlib.util.spec_from_file_location("make_sample_data", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    meta = _load_script().write_all(out)
    return out, meta


def rows(kind: str, folder=SAMPLE_DIR) -> list[dict]:
    """The committed sample file (`folder`: SAMPLE_BASELINE_DIR for the baseline's) as dicts keyed by the schema's
    internal field names."""
    names = [f.name for f in schema.input_fields(schema.KINDS[kind])]
    with open(folder / f"{kind}.csv", encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return [dict(zip(names, r)) for r in reader]


def check_char(digits: str) -> str:
    """Written here again on purpose (not imported): weights 2..9 repeating, sum mod 11, 10 -> X."""
    return "0123456789X"[sum(int(d) * (2 + i % 8) for i, d in enumerate(digits)) % 11]


def split_number(text: str) -> tuple[str, str]:
    """(base digits, given check character or '') of an application number in any of the sample's forms."""
    t = text.upper().replace(" ", "").replace(".", "")
    if t[:2] in ("ZL", "CN"):
        t = t[2:]
    m = re.fullmatch(r"(\d{12}|\d{8})([\dX]?)", t)
    assert m, text
    return m.group(1), m.group(2)


def status_code(text: str, table) -> str:
    for code, words in table:
        if any(w in text for w in words):
            return code
    return ""


@pytest.fixture(scope="module")
def townships():
    import json

    with open(GEO_DIR / "schematic_townships.geojson", encoding="utf-8") as f:
        gj = json.load(f)
    return {feat["properties"]["code"]: shape(feat["geometry"]) for feat in gj["features"]}


def unit_at(townships, lon: float, lat: float, datum: str) -> str:
    if datum == "GCJ02":
        from txip_geo.areas.datum import gcj02_to_wgs84

        lon, lat = gcj02_to_wgs84(lon, lat)
    p = Point(lon, lat)
    return next((c for c, g in townships.items() if g.contains(p)), "")


# --------------------------------------------------------------------------- reproducible, on the schema


def test_regenerating_gives_byte_identical_files(regenerated):
    out, _ = regenerated
    committed = sorted(str(p.relative_to(SAMPLE_DIR)) for p in SAMPLE_DIR.rglob("*") if p.is_file())
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == committed
    base = SAMPLE_BASELINE_DIR.name
    assert set(committed) == {f"{k}.csv" for k in schema.RECORD_KINDS} | {"README.md", "tasks.csv"} | {
        f"{base}/{k}.csv" for k in SAMPLE_BASELINE_KINDS
    }
    for name in committed:
        assert (out / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), (
            f"{name}: rerun scripts/make_sample_data.py"
        )


def test_every_csv_header_equals_the_schema_headers():
    files = [(k, SAMPLE_DIR) for k in schema.RECORD_KINDS] + [(k, SAMPLE_BASELINE_DIR) for k in SAMPLE_BASELINE_KINDS]
    for kind, folder in files:
        with open(folder / f"{kind}.csv", encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f))
        assert header == schema.all_headers(schema.KINDS[kind]), (folder, kind)
        assert rows(kind, folder), (folder, kind)


def test_readme_says_the_records_are_generated_and_how_to_regenerate():
    text = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    assert "虚构" in text and "not real" in text
    assert "python scripts/make_sample_data.py" in text and "--out" in text


def test_no_event_date_after_the_as_of_date():
    files = [(k, SAMPLE_DIR, AS_OF) for k in schema.RECORD_KINDS]
    files += [(k, SAMPLE_BASELINE_DIR, SAMPLE_BASELINE_AS_OF) for k in SAMPLE_BASELINE_KINDS]
    for kind, folder, as_of in files:
        date_fields = [
            f.name for f in schema.input_fields(schema.KINDS[kind]) if f.type == "date" and f.name != "expiry_date"
        ]
        for r in rows(kind, folder):
            for name in date_fields:
                if r[name]:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[name]) and r[name] <= as_of, (kind, name, r[name])


# --------------------------------------------------------------------------- patent numbers


def test_every_patent_number_that_carries_a_check_digit_is_valid_except_the_deliberate_few(regenerated):
    _, meta = regenerated
    wrong = []
    for r in rows("patents"):
        base, given = split_number(r["app_no"])
        if given and given != check_char(base):
            wrong.append(r["app_no"])
    assert 3 <= len(wrong) <= 10
    assert sorted(wrong) == sorted(meta["bad_check"])
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    assert all(f"`{w}`" in readme for w in wrong)


def test_patent_numbers_come_in_the_mixed_real_forms():
    nos = [r["app_no"] for r in rows("patents")]
    n = len(nos)
    forms = Counter()
    for no in nos:
        base, given = split_number(no)
        forms["old 8+1" if len(base) == 8 else "new 12+1"] += 1
        forms["ZL"] += no.startswith("ZL")
        forms["CN"] += no.startswith("CN")
        forms["space"] += " " in no
        forms["no dot"] += bool(given) and "." not in no
        forms["no check"] += not given
        forms["pct"] += len(base) == 12 and base[4] in "89"
    assert forms["old 8+1"] >= 20 and forms["pct"] >= 5
    for form in ("ZL", "CN", "space", "no dot", "no check"):
        assert forms[form] >= n * 0.02, form


def test_about_one_percent_are_later_rows_repeating_an_earlier_patent_in_another_form():
    seen: dict[str, str] = {}
    repeats = 0
    for r in rows("patents"):
        base, _ = split_number(r["app_no"])
        if base in seen:
            repeats += 1
            assert r["app_no"] != seen[base]
        else:
            seen[base] = r["app_no"]
    assert 0.005 <= repeats / len(seen) <= 0.02


def test_patent_status_agrees_with_dates():
    for r in rows("patents"):
        code = status_code(r["status"], PATENT_STATUS)
        assert code, r["status"]
        base, _ = split_number(r["app_no"])
        if code == "pending":
            assert not r["grant_date"] and r["app_date"] >= "2020-01-01"
        if code == "valid":
            assert r["grant_date"] and r["grant_date"] >= r["app_date"]
            if base[4 if len(base) == 12 else 2] in "29":  # utility model: 10-year term
                assert r["app_date"] > "2016-10-31"
        if r["app_date"] < "2003-10-01":
            assert len(base) == 8 and code == "invalid"


def test_patent_addresses_come_in_the_forms_real_exports_use():
    addresses = [r["address"] for r in rows("patents")]
    n = len(addresses)

    def count(pattern):
        return sum(bool(re.search(pattern, a)) for a in addresses)

    assert count(r"^江苏省泰兴市黄桥镇.+路\d+号$") >= 50
    assert count(r"^泰兴市延令街道黄桥路\d+号$") >= 20  # another unit's short name in the road
    for old in ("横垛镇", "七圩镇", "姚王镇"):
        assert count(f"泰兴市{old}") >= 3, old
    assert count(r"泰兴市滨江镇过船村") >= 3
    for park in (r"^江苏省泰兴经济开发区", r"^泰兴市黄桥经济开发区", r"^泰兴高新技术产业开发区"):
        assert count(park) >= 10, park
    outside = count(r"^(江苏省)?(靖江市|泰州市高港区|如皋市)|^江苏省泰州市高港区")
    assert 0.005 * n <= outside <= 0.02 * n
    no_unit = sum(a == "" for a in addresses) + count(r"^泰兴市(人民路|文昌路|友谊路)\d+号$")
    assert 0.005 * n <= no_unit <= 0.02 * n


def test_cases_are_located_half_by_point_the_rest_by_address_or_area():
    cases = rows("cases")
    by_point = sum(bool(r["lon"]) for r in cases)
    assert 0.4 <= by_point / len(cases) <= 0.6
    assert all(r["lon"] or r["address"] or r["area_name"] or r["area_code"] for r in cases)
    olds = ("横垛镇", "溪桥镇", "刘陈镇", "马甸镇", "蒋华镇", "七圩镇", "姚王镇")
    assert 2 <= sum(any(o in r["address"] + r["area_name"] for o in olds) for r in cases) <= 30


def test_trademark_terms_are_ten_years_and_valid_ones_unexpired():
    for r in rows("trademarks"):
        code = status_code(r["status"], TRADEMARK_STATUS)
        if code == "pending":
            assert not r["reg_date"] and not r["expiry_date"]
            continue
        years = int(r["expiry_date"][:4]) - int(r["reg_date"][:4])
        assert years in (10, 20, 30) and r["expiry_date"][4:] == r["reg_date"][4:] or r["reg_date"][5:] == "02-29"
        if code == "valid":
            assert r["expiry_date"] > AS_OF


# --------------------------------------------------------------------------- fictional


NAME_FIELDS = {
    "patents": ["applicant"],
    "trademarks": ["registrant", "name"],
    "workstations": ["name", "host", "contact"],
    "cases": ["party"],
    "enterprises": ["name"],
    "pledges": ["pledgor", "pledgee"],
    "trainings": ["title", "organiser"],
    "service_orgs": ["name"],
    "network": ["office_name"],
    "manual": ["entered_by"],
}


def test_every_name_and_party_value_carries_the_sample_marker():
    files = [(k, SAMPLE_DIR) for k in NAME_FIELDS] + [(k, SAMPLE_BASELINE_DIR) for k in SAMPLE_BASELINE_KINDS]
    for kind, folder in files:
        fields = NAME_FIELDS[kind]
        for r in rows(kind, folder):
            for name in fields:
                value = r[name]
                if kind == "network" and not value:
                    continue  # a unit with no office
                parts = value.split("与") if kind == "cases" else [value]
                assert all(p.endswith(MARK) for p in parts), (kind, name, value)


def test_evidence_and_sources_say_sample():
    assert all("样例" in r["evidence"] for r in rows("network"))
    assert all("样例" in r["evidence"] for r in rows("network", SAMPLE_BASELINE_DIR))
    assert all("样例" in r["evidence"] for r in rows("manual"))
    # Several years of the market-entity count (dated views pick the year on or before their date).
    assert [(r["code"], r["year"], r["measure"]) for r in rows("statistics")] == [
        ("321283", y, "市场主体户数") for y in ("2023", "2024", "2025")
    ]
    assert all("样例" in r["source"] for r in rows("statistics"))
    values = [float(r["value"]) for r in rows("statistics")]
    assert all(150000 <= v <= 250000 for v in values) and values == sorted(values)


def test_credit_codes_are_synthetic_but_well_formed():
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    codes = [r["credit_code"] for r in rows("enterprises")] + [r["org_id"] for r in rows("service_orgs")]
    assert len(set(codes)) == len(codes)
    for c in codes:
        assert len(c) == 18 and set(c) <= set(alphabet) and c[8:10] == "YB", c
        total = sum(alphabet.index(ch) * w for ch, w in zip(c[:17], weights))
        assert alphabet[(31 - total % 31) % 31] == c[17], c


# --------------------------------------------------------------------------- gaps the app must show


def test_no_workstation_in_fenjie_gensi_or_heshi(townships):
    stations = rows("workstations")
    assert 25 <= len(stations) <= 35
    datums = Counter(r["datum"] for r in stations)
    assert set(datums) == {"GCJ02", "WGS84"} and len(stations) / 4 <= datums["GCJ02"] <= len(stations) / 2.5
    for r in stations:
        text = "".join(r[k] for k in ("name", "host", "area_code", "area_name", "address"))
        assert not any(n in text or c in text for n, c in NO_WORKSTATION.items()), r["name"]
        assert unit_at(townships, float(r["lon"]), float(r["lat"]), r["datum"]) not in NO_WORKSTATION.values()


def test_gensi_has_patents_but_no_invention():
    gensi = [r for r in rows("patents") if "根思乡" in r["address"]]
    assert len(gensi) >= 20
    for r in gensi:
        base, _ = split_number(r["app_no"])
        assert base[4 if len(base) == 12 else 2] not in "18", r["app_no"]
        assert "发明" not in r["type_label"]


def test_yuanzhu_has_firms_and_patents_but_no_trademark():
    assert any("元竹镇" in r["address"] for r in rows("patents"))
    assert any("元竹镇" in r["address"] for r in rows("enterprises"))
    for r in rows("trademarks"):
        assert "元竹" not in r["address"] + r["area_name"] + r["area_code"] and r["area_code"] != "321283104"


def test_zero_patent_above_scale_firms_are_spread_over_several_townships(townships):
    ents = rows("enterprises")
    zero = [r for r in ents if r["above_scale"] == "是" and r["patents_held"] == "0"]
    assert 25 <= len(zero) <= 35
    assert 1 <= sum(r["high_tech"] == "是" and r["patents_held"] == "0" for r in ents) <= 8
    units = {unit_at(townships, float(r["lon"]), float(r["lat"]), r["datum"]) for r in zero}
    assert len(units - {""}) >= 6
    applicants = {r["applicant"] for r in rows("patents")}
    assert not {r["name"] for r in zero} & applicants


def test_enterprise_points_lie_in_their_township(townships):
    gaz = load_gazetteer()
    for r in rows("enterprises"):
        code = unit_at(townships, float(r["lon"]), float(r["lat"]), r["datum"])
        assert code, r["name"]
        if r["area_name"]:
            assert gaz.resolve_area(r["area_name"]) == ("unit", code)
        assert gaz.name_of(code) in r["address"] or r["park_name"] in r["address"]


def test_distribution_follows_size():
    count = Counter()
    for r in rows("patents"):
        for name in ("黄桥镇", "延令街道", "济川街道", "根思乡", "宣堡镇"):
            count[name] += name in r["address"]
    assert min(count["黄桥镇"], count["延令街道"], count["济川街道"]) > 3 * max(count["根思乡"], count["宣堡镇"])


# --------------------------------------------------------------------------- goal shapes (close, mostly not met)


def test_goal_shapes():
    unique: dict[str, dict] = {}
    for r in rows("patents"):
        unique.setdefault(split_number(r["app_no"])[0], r)
    valid_inv = [
        r
        for b, r in unique.items()
        if b[4 if len(b) == 12 else 2] in "18" and status_code(r["status"], PATENT_STATUS) == "valid"
    ]
    assert 3000 <= len(valid_inv) < 3500  # G01
    assert 300 <= sum(r["app_date"] < "2016-10-31" for r in valid_inv) < 650  # G02
    tms = rows("trademarks")
    valid_tm = sum(status_code(r["status"], TRADEMARK_STATUS) == "valid" for r in tms)
    assert 12500 <= valid_tm <= 13500  # G04
    assert {int(r["nice_class"]) for r in tms} == set(range(1, 46))
    ht = [r for r in rows("enterprises") if r["high_tech"] == "是"]
    assert 0.8 <= sum(r["gb_filed"] == "是" for r in ht) / len(ht) <= 0.9  # G07
    parks = [r for r in rows("network") if r["pilot_level"]]
    assert [r["pilot_level"] for r in parks] == ["省"]  # G06: 1 of 2
    assert len(rows("network")) == 21
    pledged = sum(float(r["amount_wan"]) for r in rows("pledges") if r["date"] >= "2024-01-01")
    assert 160000 <= pledged <= 190000  # G12, 万元
    trained = sum(int(r["attendees"]) for r in rows("trainings") if r["date"] >= "2024-01-01")
    assert 260 <= trained < 300  # G16
    assert sum(r["status"] != "注销" for r in rows("service_orgs")) < 30  # G15
    cases = rows("cases")
    enf = [r for r in cases if r["case_kind"] == "查处"]
    med = [r for r in cases if r["case_kind"] == "调解"]
    assert 0.85 <= sum(r["status"] == "已结案" for r in enf) / len(enf) <= 0.9
    assert 0.88 <= sum(r["outcome"] == "调解成功" for r in med) / len(med) <= 0.92
    manual = {r["goal_id"]: r["done"] for r in rows("manual")}
    assert manual == {"M01": "是", "M02": "否"}


# --------------------------------------------------------------------------- the baseline snapshot (基期)

BASELINE = SAMPLE_BASELINE_AS_OF


def baseline(kind: str) -> list[dict]:
    return rows(kind, SAMPLE_BASELINE_DIR)


def patents_by_number(rs: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rs:
        out.setdefault(split_number(r["app_no"])[0], []).append(r)
    return out


def test_the_baseline_folder_holds_the_snapshot_kinds_only_and_the_readme_explains_it():
    assert sorted(p.name for p in SAMPLE_BASELINE_DIR.iterdir()) == sorted(f"{k}.csv" for k in SAMPLE_BASELINE_KINDS)
    assert not {"cases", "pledges", "trainings", "manual", "statistics"} & set(SAMPLE_BASELINE_KINDS)
    text = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    assert f"## 基期快照（baseline/，截至 {BASELINE}）" in text
    for kind in SAMPLE_BASELINE_KINDS:
        assert f"| `baseline/{kind}.csv` | {schema.KINDS[kind].label}（基期） | {len(baseline(kind))} |" in text


def test_baseline_patents_are_the_applications_filed_by_then_with_their_status_then():
    now, then = patents_by_number(rows("patents")), patents_by_number(baseline("patents"))
    assert set(then) == {b for b, rs in now.items() if rs[0]["app_date"] <= BASELINE}
    for base, rs in then.items():
        cur = now[base][0]
        assert len(rs) == len(now[base])  # a repeated row is repeated then too
        code_then = {status_code(r["status"], PATENT_STATUS) for r in rs}
        code_now = status_code(cur["status"], PATENT_STATUS)
        assert len(code_then) == 1, rs
        (code,) = code_then
        if code == "pending":
            assert all(not r["grant_date"] and not r["app_no"].startswith("ZL") for r in rs)
            assert code_now == "pending" or (cur["grant_date"] or "9999") > BASELINE or code_now == "invalid"
        elif code == "valid":
            assert all(r["grant_date"] == cur["grant_date"] <= BASELINE for r in rs)
            assert code_now in ("valid", "invalid")
        else:
            assert code_now == "invalid", (base, rs, cur)
        if code_now == "pending":
            assert code == "pending"
        if code_now == "valid" and cur["grant_date"] <= BASELINE:
            assert code == "valid"


def valid_inventions(rs: list[dict]) -> int:
    """Valid invention patents, each application once, applicants in Taixing (not 靖江市, 高港区, 如皋市)."""
    n = 0
    for base, group in patents_by_number(rs).items():
        r = group[0]
        outside = re.match(r"^(江苏省)?(靖江市|泰州市高港区|如皋市)", r["address"])
        invention = base[4 if len(base) == 12 else 2] in "18"
        n += invention and not outside and status_code(r["status"], PATENT_STATUS) == "valid"
    return n


def test_valid_inventions_at_the_baseline_are_about_two_thirds_of_todays():
    then, now = valid_inventions(baseline("patents")), valid_inventions(rows("patents"))
    assert 0.55 * now <= then <= 0.75 * now, (then, now)


def test_baseline_trademarks_are_those_registered_by_then_and_a_few_filed_by_then():
    now = {r["reg_no"]: r for r in rows("trademarks")}
    then = baseline("trademarks")
    assert {r["reg_no"] for r in then if r["reg_date"]} == {
        n for n, r in now.items() if r["reg_date"] and r["reg_date"] <= BASELINE
    }
    for r in then:
        code, cur = status_code(r["status"], TRADEMARK_STATUS), now[r["reg_no"]]
        if code == "pending":  # registered since, filed before
            assert not r["reg_date"] and not r["expiry_date"] and cur["reg_date"] > BASELINE
            continue
        assert r["reg_date"] == cur["reg_date"] and r["expiry_date"] <= cur["expiry_date"]
        if code == "valid":  # in a term then
            assert r["expiry_date"] > BASELINE
        else:  # lapsed or revoked then: still so
            assert status_code(cur["status"], TRADEMARK_STATUS) == "invalid"
        if status_code(cur["status"], TRADEMARK_STATUS) == "valid":
            assert code == "valid"
    valid_then = sum(status_code(r["status"], TRADEMARK_STATUS) == "valid" for r in then)
    valid_now = sum(status_code(r["status"], TRADEMARK_STATUS) == "valid" for r in now.values())
    assert 0.5 * valid_now <= valid_then <= 0.8 * valid_now


def held(enterprises: list[dict], patents: list[dict], trademarks: list[dict]) -> list[tuple[str, int, int]]:
    """Each firm's valid patents (applications once) and valid marks, counted by its name in the records."""
    p: dict[str, set] = {}
    for base, group in patents_by_number(patents).items():
        for r in group[:1]:
            if status_code(r["status"], PATENT_STATUS) == "valid":
                p.setdefault(r["applicant"], set()).add(base)
    t = Counter(r["registrant"] for r in trademarks if status_code(r["status"], TRADEMARK_STATUS) == "valid")
    return [(e["name"], len(p.get(e["name"], ())), t[e["name"]]) for e in enterprises]


def test_enterprise_holdings_are_counted_from_each_snapshots_records():
    for folder in (SAMPLE_DIR, SAMPLE_BASELINE_DIR):
        ents = rows("enterprises", folder)
        want = held(ents, rows("patents", folder), rows("trademarks", folder))
        got = [(e["name"], int(e["patents_held"]), int(e["trademarks_held"])) for e in ents]
        assert got == want, folder


FLAGS = ("above_scale", "high_tech", "gb_filed", "gb_passed", "ip_intensive", "patent_standard")


def test_baseline_enterprises_are_todays_with_fewer_flags():
    now = {r["credit_code"]: r for r in rows("enterprises")}
    then = baseline("enterprises")
    assert {r["credit_code"] for r in then} < set(now) and len(then) >= 0.95 * len(now)
    same = ("name", "industry", "address", "lon", "lat", "datum", "area_name", "park_name")
    for r in then:
        cur = now[r["credit_code"]]
        assert all(r[k] == cur[k] for k in same)
        for f in FLAGS:
            assert r[f] == "否" or cur[f] == "是", (r["name"], f)  # no flag lost since
        if r["advantage"].startswith("国家"):
            assert cur["advantage"] == r["advantage"] and r["high_tech"] == "是"
        if r["gb_passed"] == "是":
            assert r["gb_filed"] == "是"
    for f in ("gb_filed", "gb_passed", "ip_intensive", "patent_standard", "high_tech"):
        assert sum(r[f] == "是" for r in then) < sum(r[f] == "是" for r in now.values()), f
    assert sum(r["advantage"].startswith("国家") for r in then) < sum(
        r["advantage"].startswith("国家") for r in now.values()
    )


def test_baseline_workstations_and_service_orgs():
    now = {r["station_id"]: r for r in rows("workstations")}
    then = baseline("workstations")
    assert [r["station_id"] for r in then] == [i for i, r in now.items() if r["established"] <= BASELINE]
    assert 1 <= sum(r["status"] != now[r["station_id"]]["status"] for r in then) <= 3
    orgs_now = {r["org_id"]: r for r in rows("service_orgs")}
    orgs = baseline("service_orgs")
    assert {r["org_id"] for r in orgs} < set(orgs_now)
    active = sum(not any(w in r["status"] for w in INACTIVE) for r in orgs)
    assert active < sum(not any(w in r["status"] for w in INACTIVE) for r in orgs_now.values())


def test_baseline_network_has_fewer_offices_staff_and_funds_and_no_provincial_park():
    now, then = rows("network"), baseline("network")
    assert [r["area"] for r in then] == [r["area"] for r in now]
    gained = [c["area"] for b, c in zip(then, now) if b["has_office"] == "否" and c["has_office"] == "是"]
    lost = [c["area"] for b, c in zip(then, now) if b["has_office"] == "是" and c["has_office"] == "否"]
    assert len(gained) >= 4 and not lost
    for b, c in zip(then, now):
        for f in ("staff", "fund_wan"):
            if b[f] and c[f]:
                assert int(b[f]) <= int(c[f]), (b["area"], f)
        if b["has_office"] == "否":
            assert not b["office_name"]
    assert sum(int(r["staff"] or 0) for r in then) < sum(int(r["staff"] or 0) for r in now)
    assert sum(int(r["fund_wan"] or 0) for r in then) < sum(int(r["fund_wan"] or 0) for r in now)
    assert not [r for r in then if r["pilot_level"] in ("国家", "省")]
    assert [r for r in now if r["pilot_level"] in ("国家", "省")]


def test_the_task_progress_sheet_is_marked_and_read_by_the_register(tmp_path):
    """data/sample/tasks.csv: the 13 tasks, every text marked 样例, read by the task-sheet importer as it stands."""
    from txip_geo.ingest.sample import SAMPLE_TASKS
    from txip_geo.ingest.task_sheet import read_task_sheet

    with open(SAMPLE_TASKS, encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    assert [int(r["任务编号"]) for r in table] == list(range(1, 14))
    assert all("样例" in r["进展情况"] for r in table)
    assert all("样例" in r["佐证材料"] for r in table if r["佐证材料"])
    updates = read_task_sheet(SAMPLE_TASKS, SAMPLE_TASKS.name)
    assert len(updates) == 13 and {u.status for u in updates} <= {"not_started", "in_progress", "done"}
