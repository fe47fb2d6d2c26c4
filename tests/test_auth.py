"""Users, roles, passwords, audit, and what a viewer may see."""

from datetime import UTC

import pytest

from txip_geo.cli import main
from txip_geo.figures.compute import compute
from txip_geo.present import redact
from txip_geo.store import auth
from txip_geo.store.database import Store


def test_passwords_are_stored_hashed_and_verified(store):
    auth.add_user(store, "zhang", "editor", password="correct horse", by="t")
    with store.reading() as con:
        stored = con.execute("SELECT password_hash FROM users WHERE username='zhang'").fetchone()[0]
    assert "correct horse" not in stored and stored.startswith("scrypt$")
    assert auth.sign_in(store, "zhang", "correct horse").role == "editor"
    with pytest.raises(auth.AuthError, match="用户名或密码错误"):
        auth.sign_in(store, "zhang", "wrong password")
    with pytest.raises(auth.AuthError, match="用户名或密码错误"):
        auth.sign_in(store, "nobody", "whatever1")


def test_short_password_and_bad_role_are_refused(store):
    with pytest.raises(auth.AuthError, match="至少 8 位"):
        auth.add_user(store, "li", "viewer", password="short")
    with pytest.raises(auth.AuthError, match="角色"):
        auth.add_user(store, "li", "boss", password="long enough")


def test_roles_and_permissions():
    viewer, editor, admin = (auth.User("a", "a", r) for r in auth.ROLES)
    assert viewer.can("view") and not viewer.can("see_personal") and not viewer.can("import")
    assert editor.can("import") and editor.can("see_personal") and not editor.can("manage_users")
    assert admin.can("manage_users") and admin.can("restore")
    assert not auth.User("d", "d", "admin", disabled=True).can("view")


def test_the_last_admin_cannot_be_disabled_or_demoted(store):
    auth.add_user(store, "boss", "admin", password="long enough")
    with pytest.raises(auth.AuthError, match="至少要保留一个"):
        auth.update_user(store, "boss", role="viewer")
    with pytest.raises(auth.AuthError, match="至少要保留一个"):
        auth.update_user(store, "boss", disabled=True)
    assert auth.get_user(store, "boss").role == "admin"


def test_sign_ins_imports_and_user_changes_are_audited(store, csv_file):
    from txip_geo.ingest.pipeline import import_file

    auth.add_user(store, "wang", "editor", password="long enough", by="admin1")
    auth.sign_in(store, "wang", "long enough")
    with pytest.raises(auth.AuthError):
        auth.sign_in(store, "wang", "nope nope")
    import_file(
        store,
        "cases",
        csv_file("c.csv", ["案件编号", "案件类别", "立案日期", "办理状态"], [["A1", "查处", "2025-01-01", "办理中"]]),
        user="wang",
    )
    log = store.audit_log()
    actions = list(zip(log["user"], log["action"]))
    assert ("admin1", "user") in actions and ("wang", "sign_in") in actions
    assert ("wang", "sign_in_failed") in actions and ("wang", "import") in actions
    assert "c.csv" in log.loc[log["action"] == "import", "detail"].iloc[0]


def test_viewers_get_no_personal_data_in_records(demo_db):
    fs = compute(Store(demo_db))
    cases = fs.records["cases"]
    parties = set(cases["party"].dropna()) - {""}
    assert parties  # the sample has parties
    red = redact.redact(fs)
    assert set(red.records["cases"]["party"].dropna()) <= {redact.MASK, ""}
    assert set(red.records["cases"]["address"].dropna()) <= {redact.MASK, ""}
    assert set(red.records["workstations"]["contact"].dropna()) <= {redact.MASK, ""}
    # Figures are unchanged.
    assert red.units.equals(fs.units)


def test_cli_user_add_list_and_set(tmp_path, capsys):
    db = str(tmp_path / "u.sqlite")
    assert main(["--db", db, "user", "add", "admin1", "--role", "admin", "--password", "long enough"]) == 0
    assert main(["--db", db, "user", "add", "v1", "--role", "viewer"]) == 0
    out = capsys.readouterr().out
    assert "初始密码：" in out
    assert main(["--db", db, "user", "set", "v1", "--disable"]) == 0
    assert main(["--db", db, "user", "list"]) == 0
    listing = capsys.readouterr().out
    assert "admin1" in listing and "v1" in listing and "停用" in listing
    assert main(["--db", db, "user", "add", "admin1", "--role", "admin", "--password", "long enough"]) == 2


# -- pages as a viewer -------------------------------------------------------------------------------------------


@pytest.fixture
def viewer_env(demo_db, tmp_path, monkeypatch):
    """A copy of the demo store with users, and a signed-in viewer."""
    import streamlit as st

    from txip_geo.store.migrate import copy_store

    copy = tmp_path / "viewer.sqlite"
    s = Store(copy)
    copy_store(Store(demo_db), s)  # on either backend
    auth.add_user(s, "boss", "admin", password="long enough")
    auth.add_user(s, "guest", "viewer", password="long enough")
    monkeypatch.setenv("TXIP_DB", str(copy))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield s, auth.get_user(s, "guest")
    st.cache_resource.clear()
    st.cache_data.clear()


def page_test(name, user):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "pages" / name), default_timeout=90)
    at.session_state["auth_user"] = user
    return at


def all_text(at) -> str:
    parts = [str(e.value) for e in at.main if hasattr(e, "value") and isinstance(getattr(e, "value", None), str)]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(parts)


def sample_parties(store):
    c = store.records("cases")
    return [p for p in c["party"].dropna() if p], [a for a in c["address"].dropna() if a]


def test_viewer_map_panel_shows_cases_without_parties(viewer_env):
    store, guest = viewer_env
    parties, addresses = sample_parties(store)
    code = store.records("cases")["unit_code"].value_counts().index[0]
    at = page_test("map.py", guest)
    at.query_params["unit"] = code
    at.session_state["panel_tab"] = "执法案件与纠纷"  # the panel computes only its open tab
    at.run()
    assert not at.exception
    text = all_text(at)
    assert "案件编号" in text and "当事人" not in text
    assert not any(p in text for p in parties) and not any(a in text for a in addresses)


def test_viewer_data_page_lists_records_without_personal_data_and_cannot_import(viewer_env):
    store, guest = viewer_env
    parties, addresses = sample_parties(store)
    at = page_test("data.py", guest)
    at.run()
    assert not at.exception
    text = all_text(at)
    assert not any(p in text for p in parties) and not any(a in text for a in addresses)
    assert not [e for e in at.main if getattr(e, "label", "") == "导入文件"]
    assert "选择文件" not in text


def test_viewer_cannot_open_the_admin_page(viewer_env):
    _, guest = viewer_env
    at = page_test("admin.py", guest)
    at.run()
    assert [w.value for w in at.warning] == ["您的账号没有此项操作的权限"]
    assert not at.dataframe


def test_editor_sees_parties_in_the_panel(viewer_env):
    store, _ = viewer_env
    auth.add_user(store, "ed", "editor", password="long enough")
    parties, _ = sample_parties(store)
    code = store.records("cases")["unit_code"].value_counts().index[0]
    at = page_test("map.py", auth.get_user(store, "ed"))
    at.query_params["unit"] = code
    at.session_state["panel_tab"] = "执法案件与纠纷"
    at.run()
    text = all_text(at)
    assert "当事人" in text and any(p in text for p in parties)


def test_exports_for_a_viewer_carry_no_personal_data(demo_db):
    """The deck and the workbook built from a viewer's figures contain no party, contact or case address."""
    import io
    import zipfile

    from txip_geo.present import meeting as report
    from txip_geo.render import exports

    store = Store(demo_db)
    fs = compute(store)
    cases, ws = store.records("cases"), store.records("workstations")
    secrets_ = {
        v
        for v in list(cases["party"]) + list(cases["address"]) + list(ws["contact"])
        if isinstance(v, str) and len(v) > 3
    }
    assert secrets_
    red = redact.redact(fs)
    layers = report.Layers.from_store(store)
    for fmt in ("xlsx", "pptx"):
        data = exports.build(fmt, red, layers)
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # both are zipped XML: search every part's text
            text = "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))
        leaked = [s for s in secrets_ if s in text]
        assert not leaked, (fmt, leaked[:3])


def test_admin_page_shows_audit_and_user_times_as_local_readable_times(viewer_env):
    """The audit log and the users' creation times read 2026-12-07 08:15:02 (as the 数据 page's import times), not
    raw ISO 2026-12-07T08:15:02; a time stored with a UTC offset shows in the server's local time."""
    import re
    from datetime import datetime

    store, _ = viewer_env
    aware = datetime(2026, 12, 7, 0, 15, 2, tzinfo=UTC)
    with store.transaction() as con:
        con.execute(
            "INSERT INTO audit (at, user, action, detail) VALUES (?, 'boss', 'user', 'UTC 时间')", (aware.isoformat(),)
        )
    at = page_test("admin.py", auth.get_user(store, "boss"))
    at.run()
    assert not at.exception
    log = next(d.value for d in at.dataframe if "时间" in d.value.columns[0])
    times = list(log.iloc[:, 0])
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v) for v in times), times
    assert aware.astimezone().strftime("%Y-%m-%d %H:%M:%S") in times
    users = next(d.value for d in at.dataframe if "用户名" in d.value.columns[0])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v) for v in users.iloc[:, -1]), users
