"""The enterprise tier (issue #18): matching records to enterprises on the variants offices see, search, profiles
against a plain recount of the sample files, 消零 worklists against the map's figures, the Excel export and the CLI."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests import recount as rc
from txip_geo.cli import main
from txip_geo.figures import enterprises as en
from txip_geo.present import enterprise_view as view
from txip_geo.present.redact import MASK
from txip_geo.render import xlsx
from txip_geo.strings import t

# The name-matching rule is measured on tests/fixtures in tests/test_enterprise_names.py (docs/enterprises.md).


def test_records_match_by_credit_code_else_by_normalised_name():
    ent = pd.DataFrame({"credit_code": ["91X1", "91X2"], "name": ["甲示例有限公司", "乙示例（泰兴）有限公司"]})
    recs = pd.DataFrame(
        {
            "applicant": [
                "甲示例有限责任公司",
                "另一名称",
                "乙示例(泰兴)有限公司",
                "乙示例(泰兴)有限公司",
                "甲示例有限公司分公司",
            ],
            "enterprise_code": ["", "91x1", "", "91X9", ""],  # a lower-case code is the same code
            "status_code": ["valid", "valid", "valid", "valid", "valid"],
        }
    )
    # 甲: its name variant (no code) and the record with its code; 乙: its name variant, not the record carrying
    # another enterprise's code; the 分公司 belongs to neither.
    assert en.matched_counts(ent, recs, "applicant").tolist() == [2, 1]
    assert en.record_mask(recs, "applicant", "91X1", "甲示例有限公司").tolist() == [True, True, False, False, False]


def test_search_by_partial_name_and_credit_code(demo_fs):
    ent = demo_fs.records["enterprises"]
    row = ent.iloc[0]
    part = row["name"][3:7]
    hits = en.search_enterprises(demo_fs, part, limit=None)
    assert row["credit_code"] in set(hits["credit_code"])
    assert hits["name"].map(en.name_key).str.contains(en.name_key(part)).all()
    assert len(hits) == ent["name"].str.contains(part, regex=False).sum()
    by_code = en.search_enterprises(demo_fs, row["credit_code"][-8:].lower())
    assert row["credit_code"] in set(by_code["credit_code"])
    assert en.search_enterprises(demo_fs, "没有这家企业").empty
    assert en.search_enterprises(demo_fs, "  ").empty


def _plain_key(name: str) -> str:
    """Written apart from name_key, from the rule in docs/enterprises.md."""
    s = name.replace("（", "(").replace("）", ")").replace(" ", "").replace("　", "")
    s = s.removesuffix("(样例)").replace("(", "").replace(")", "")
    return s.replace("有限责任公司", "有限公司")


def test_profile_counts_equal_a_plain_recount_of_the_files(demo_fs):
    pats = rc.read_file("patents", rc.SAMPLE / "patents.csv")
    pats = pats.drop_duplicates("pkey", keep="last")
    pats["st"] = pats["status"].map(lambda w: rc.status_code(w, rc.PATENT_STATUS))
    tms = rc.read_file("trademarks", rc.SAMPLE / "trademarks.csv")
    tms["st"] = tms["status"].map(lambda w: rc.status_code(w, rc.TM_STATUS))
    ent = demo_fs.records["enterprises"]
    checked = 0
    for _, e in ent.sample(40, random_state=7).iterrows():
        p = en.profile(demo_fs, e["credit_code"])
        for kind, recs, who in (("patents", pats, "applicant"), ("trademarks", tms, "registrant")):
            v = recs[recs["st"] == "valid"]
            mine = (v["enterprise_code"] == e["credit_code"]) | (
                (v["enterprise_code"] == "") & (v[who].map(_plain_key) == _plain_key(e["name"]))
            )
            assert p[kind]["matched_valid"] == int(mine.sum()), (e["name"], kind)
            assert p[kind]["zero"] == (e[kind.rstrip("s") + "s_held"] == 0)
            checked += p[kind]["matched_valid"]
    assert checked > 0


def test_sample_roster_counts_agree_with_the_records(demo_fs):
    """The sample's roster fills 有效专利数/有效商标数 for every row; matching by the key finds the same numbers, so
    the key leaves the sample's zero-patent figures as they are."""
    ent = demo_fs.records["enterprises"]
    assert (en.matched_counts(ent, demo_fs.records["patents"], "applicant") == ent["patents_held"]).all()
    assert (en.matched_counts(ent, demo_fs.records["trademarks"], "registrant") == ent["trademarks_held"]).all()


@pytest.mark.parametrize(("gap", "group"), list(en.MAP_METRIC))
def test_worklists_count_what_the_map_shows(demo_fs, gap, group):
    metric = en.MAP_METRIC[(gap, group)]
    for frame, by in ((demo_fs.units, "unit_code"), (demo_fs.parks, "park_code")):
        for code, n in zip(frame["code"], frame[metric]):
            assert len(en.worklist(demo_fs, by, code, gap, group)) == n, (code, metric)
    assert len(en.worklist(demo_fs, "unit_code", None, gap, group)) == demo_fs.city[metric]
    assert demo_fs.city[metric] > 0  # the sample has 消零 targets of every kind


FORMULA_LIKE = ('=HYPERLINK("http://x")示例公司', "+1示例公司", "-2示例公司", "@SUM(A1)示例公司")


def _with_contacts_and_formulas(fs):
    """The sample's figures with a roster filling 联系人 and 联系电话 and names that look like formulas."""
    from dataclasses import replace

    ent = fs.records["enterprises"].copy()
    w = en.worklist(fs, "unit_code", None, "patent", "above_scale")
    ent["contact"], ent["phone"] = "张三", "13800000000"
    ent.loc[w.index[0], "phone"] = None  # an empty cell stays empty, for viewers too
    for i, name in zip(w.index[1:], FORMULA_LIKE):
        ent.loc[i, "name"] = name
    return replace(fs, records={**{k: fs.records[k] for k in ("patents", "trademarks", "cases")}, "enterprises": ent})


def _cells(table: pd.DataFrame) -> list:
    wb = load_workbook(io.BytesIO(xlsx.write_xlsx({"s": table}, {"s": ["标题"]})))
    return [c for row in wb.active.iter_rows() for c in row]


@pytest.mark.parametrize("personal", [True, False], ids=["editor", "viewer"])
def test_worklist_export_has_no_formulas_and_masks_contacts_for_viewers(demo_fs, personal):
    fs = _with_contacts_and_formulas(demo_fs)
    table = view.worklist_table(fs, "unit_code", None, "patent", "above_scale", personal)
    assert len(table) == demo_fs.city["zero_patent_above_scale"]
    cells = _cells(table)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {str(c.value) for c in cells}
    assert set(FORMULA_LIKE) <= values  # written as the text they are
    contact, phone = t("kind_enterprises.contact"), t("kind_enterprises.phone")
    assert set(table[contact]) == ({"张三"} if personal else {MASK})
    assert set(table[phone].dropna()) == ({"13800000000"} if personal else {MASK})
    assert table[phone].isna().sum() == 1
    assert ("13800000000" in values) == personal and ("张三" in values) == personal


def test_worklist_lists_no_contact_columns_when_the_roster_fills_none(demo_fs):
    from dataclasses import replace

    ent = demo_fs.records["enterprises"].copy()
    ent["contact"], ent["phone"] = None, None  # a roster without the two columns (the sample fills some)
    fs = replace(demo_fs, records={**demo_fs.records, "enterprises": ent})
    table = view.worklist_table(fs, "unit_code", None, "patent", "above_scale", False)
    assert t("kind_enterprises.contact") not in table.columns and len(table) == demo_fs.city["zero_patent_above_scale"]


def test_the_samples_worklist_masks_its_contacts_for_viewers(demo_fs):
    """The sample's roster gives a fictional contact to two in three 规上/高企 enterprises: editors see them, viewers
    see the mask in the same cells."""
    editor = view.worklist_table(demo_fs, "unit_code", None, "patent", "above_scale", True)
    viewer = view.worklist_table(demo_fs, "unit_code", None, "patent", "above_scale", False)
    col = t("kind_enterprises.contact")
    filled = editor[col].notna() & (editor[col] != "")
    assert filled.any() and editor.loc[filled, col].str.contains("样例").all()
    assert set(viewer.loc[filled, col]) == {MASK}


def test_viewers_figures_carry_no_contacts(demo_fs):
    """A viewer's figure set (present.redact) masks the roster's contacts before any page reads them."""
    from txip_geo.present.redact import redact

    ent = redact(_with_contacts_and_formulas(demo_fs)).records["enterprises"]
    assert set(ent["contact"]) == {MASK} and set(ent["phone"].dropna()) == {MASK}


def test_cases_are_masked_for_viewers(demo_fs):
    cases = demo_fs.records["cases"].head(3)
    assert set(view.cases_table(cases, personal=False)["party"]) == {MASK}
    assert list(view.cases_table(cases, personal=True)["party"]) == list(cases["party"])


def test_party_cases_find_the_enterprise_under_a_variant_name(demo_fs):
    from dataclasses import replace

    e = demo_fs.records["enterprises"].iloc[0]
    cases = demo_fs.records["cases"].copy()
    cases.loc[cases.index[0], "party"] = e["name"].replace("有限公司", "有限责任公司").replace("(", "（")
    fs = replace(demo_fs, records={**dict(demo_fs.records.items()), "cases": cases})
    p = en.profile(fs, e["credit_code"])
    assert list(p["cases"]["case_no"]) == [cases.iloc[0]["case_no"]]


def test_cli_enterprise_json(demo_db, capsys):
    assert main(["--db", str(demo_db), "enterprise", "锦程", "--format", "json", "--limit", "50"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [p["name"] for p in out["enterprises"]]
    assert names and all("锦程" in n for n in names)
    p = out["enterprises"][0]
    assert set(p) >= {"credit_code", "township", "park", "flags", "patents", "trademarks", "cases"}
    assert p["patents"]["zero"] == (p["patents"]["held"] == 0)
    assert main(["--db", str(demo_db), "enterprise", "没有这家企业", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["enterprises"] == []
