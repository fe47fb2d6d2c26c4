"""Sign-in throttling (store.throttle through store.auth.sign_in): the attacker's habits tried and failed -- guessing an
account's password, guessing many names from one client, telling unknown names from wrong passwords by the answer or
by the time it takes -- and what an admin does about a lock (the CLI, the 用户与日志 page). Every failure, lockout and
unlock is in the audit log."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from txip_geo.cli import main
from txip_geo.store import auth, throttle

RIGHT = "correct horse"
T0 = 1_900_000_000.0  # a fixed "now" (2030-03-17): lock times need no waiting


def until_text(ts: float) -> str:
    return throttle.Lock("account", "", ts, 1).until_text


@pytest.fixture
def users(store):
    auth.add_user(store, "boss", "admin", password=RIGHT, by="t")
    auth.add_user(store, "zhang", "editor", password=RIGHT, by="t")
    return store


def fail(store, name, n, *, client="", start=T0, password="wrong guess"):
    """n wrong sign-ins, one second apart; the messages."""
    out = []
    for i in range(n):
        with pytest.raises(auth.AuthError) as e:
            auth.sign_in(store, name, password, client=client, now=start + i)
        out.append(str(e.value))
    return out


def actions(store, action):
    log = store.audit_log(10_000)
    return log[log["action"] == action]


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(users):
    msgs = fail(users, "zhang", 5)
    until = until_text(T0 + 4 + 15 * 60)
    assert msgs[:4] == ["用户名或密码错误"] * 4
    assert msgs[4] == f"账号 zhang 因多次登录失败已被锁定，{until} 后才能再登录；如需提前解锁，请联系管理员。"
    # While locked: the right password gets exactly the answer a wrong one gets -- nothing about the password.
    right = fail(users, "zhang", 1, start=T0 + 60, password=RIGHT)
    wrong = fail(users, "zhang", 1, start=T0 + 61)
    assert right == wrong == [msgs[4]]
    # The other account is not affected, and the lock ends by itself after 15 minutes.
    assert auth.sign_in(users, "boss", RIGHT, now=T0 + 62).username == "boss"
    with pytest.raises(auth.AuthError, match="已被锁定"):
        auth.sign_in(users, "zhang", RIGHT, now=T0 + 4 + 15 * 60 - 1)
    assert auth.sign_in(users, "zhang", RIGHT, now=T0 + 4 + 15 * 60 + 1).username == "zhang"
    # Audited: every failure (the three refused while locked too), the lockout with its time.
    failed = actions(users, "sign_in_failed")
    assert len(failed) == 8 and set(failed["user"]) == {"zhang"}
    assert (failed["detail"].str.contains("未核对密码")).sum() == 3
    locked = actions(users, "sign_in_locked")
    assert list(locked["detail"]) == [f"账号 zhang 登录失败达 5 次，锁定至 {until}"]


def test_the_issues_attack_twelve_wrong_then_right_is_refused(users):
    """The issue: 12 wrong passwords through the form and 30 through the API, then the right one accepted at once."""
    msgs = fail(users, "boss", 12, client="10.0.0.9") + fail(users, "boss", 30, start=T0 + 100)
    assert sum(m == "用户名或密码错误" for m in msgs) == 4 and all("已被锁定" in m for m in msgs[4:])
    with pytest.raises(auth.AuthError, match="已被锁定"):
        auth.sign_in(users, "boss", RIGHT, client="10.0.0.9", now=T0 + 200)
    assert len(actions(users, "sign_in_failed")) == 43
    assert len(actions(users, "sign_in")) == 0


def test_repeated_lockouts_last_longer_and_a_success_clears_the_count(users, monkeypatch):
    fail(users, "zhang", 5)
    first_end = T0 + 4 + 15 * 60
    fail(users, "zhang", 4, start=first_end + 10)  # the lock is over; four failures do not lock again
    fail(users, "zhang", 1, start=first_end + 20)  # the fifth does: twice as long
    second = throttle.active_lock(users, "zhang", "", first_end + 21)
    assert second.lockouts == 2 and second.until == pytest.approx(first_end + 20 + 30 * 60)
    # A third lockout within the day: an hour.
    fail(users, "zhang", 5, start=second.until + 1)
    third = throttle.active_lock(users, "zhang", "", second.until + 10)
    assert third.lockouts == 3 and third.until == pytest.approx(second.until + 5 + 60 * 60)
    # After a success, the count starts again (four failures, a success, four failures: no lock) ...
    later = third.until + 1
    fail(users, "zhang", 4, start=later)
    auth.sign_in(users, "zhang", RIGHT, now=later + 10)
    fail(users, "zhang", 4, start=later + 20)
    assert throttle.active_lock(users, "zhang", "", later + 30) is None
    # ... and the next lockout is a first one again. The limits are settings.
    monkeypatch.setenv("TXIP_SIGNIN_LOCK_MIN", "2")
    fail(users, "zhang", 1, start=later + 40)
    lock = throttle.active_lock(users, "zhang", "", later + 41)
    assert lock.lockouts == 1 and lock.until == pytest.approx(later + 40 + 120)


def test_failures_outside_the_window_do_not_count(users):
    for i in range(8):  # one failure every 4 minutes: never 5 within 15 minutes
        fail(users, "zhang", 1, start=T0 + i * 240)
    assert throttle.active_lock(users, "zhang", "", T0 + 8 * 240) is None
    assert auth.sign_in(users, "zhang", RIGHT, now=T0 + 8 * 240).username == "zhang"


def test_unknown_names_are_locked_exactly_as_real_ones(users):
    real = fail(users, "zhang", 6)
    ghost = fail(users, "nobody", 6)
    assert [m.replace("nobody", "zhang") for m in ghost] == real


def test_one_client_guessing_many_names_is_locked_and_others_are_not(users):
    names = [f"user{i}" for i in range(20)]  # 20 names, one guess each: no account reaches its limit
    msgs = [fail(users, n, 1, client="192.168.1.50", start=T0 + i)[0] for i, n in enumerate(names)]
    until = until_text(T0 + 19 + 15 * 60)
    assert msgs[:19] == ["用户名或密码错误"] * 19
    assert msgs[19] == f"本机登录失败次数过多，已暂停登录至 {until}；如需提前解锁，请联系管理员。"
    # That client cannot sign in even to a real account with its right password; another client can.
    with pytest.raises(auth.AuthError, match="本机登录失败次数过多"):
        auth.sign_in(users, "zhang", RIGHT, client="192.168.1.50", now=T0 + 30)
    assert auth.sign_in(users, "zhang", RIGHT, client="192.168.1.51", now=T0 + 31).username == "zhang"
    # The client's own success (to its own account) does not clear the client's count.
    assert list(actions(users, "sign_in_locked")["detail"]) == [f"客户端 192.168.1.50 登录失败达 20 次，锁定至 {until}"]
    assert actions(users, "sign_in_failed")["detail"].str.contains("客户端 192.168.1.50").all()


def test_an_admin_lifts_a_lock_from_the_command_line(users, capsys):
    now = time.time()
    fail(users, "zhang", 5, start=now)
    for i in range(20):
        fail(users, f"x{i}", 1, client="10.1.1.1", start=now + 10 + i)
    now += 40
    db = str(users.path)
    assert main(["--db", db, "user", "locks"]) == 0
    listing = capsys.readouterr().out
    assert "账号\tzhang\t锁定至" in listing and "客户端\t10.1.1.1\t锁定至" in listing
    assert main(["--db", db, "user", "unlock", "zhang"]) == 0
    assert capsys.readouterr().out.strip() == "已解除 zhang 的登录锁定"
    assert auth.sign_in(users, "zhang", RIGHT, now=now).username == "zhang"
    assert main(["--db", db, "user", "unlock", "zhang"]) == 2  # nothing to lift
    assert "账号 zhang 目前没有被锁定" in capsys.readouterr().err
    assert main(["--db", db, "user", "unlock", "10.1.1.1", "--client"]) == 0
    assert auth.sign_in(users, "boss", RIGHT, client="10.1.1.1", now=now).username == "boss"
    assert main(["--db", db, "user", "locks"]) == 0
    assert "没有被锁定的账号或客户端" in capsys.readouterr().out
    unlocks = actions(users, "sign_in_unlock")
    assert set(unlocks["detail"]) == {"解除账号 zhang 的登录锁定", "解除客户端 10.1.1.1 的登录锁定"}
    assert set(unlocks["user"]) == {"cli"}


def test_the_limits_come_from_the_environment(monkeypatch):
    assert throttle.settings() == throttle.Settings(5, 20, 15.0, 15.0, 1440.0)
    monkeypatch.setenv("TXIP_SIGNIN_ACCOUNT_FAILURES", "3")
    monkeypatch.setenv("TXIP_SIGNIN_CLIENT_FAILURES", "50")
    monkeypatch.setenv("TXIP_SIGNIN_WINDOW_MIN", "60")
    monkeypatch.setenv("TXIP_SIGNIN_LOCK_MAX_MIN", "abc")  # not a number: the default
    assert throttle.settings() == throttle.Settings(3, 50, 60.0, 15.0, 1440.0)


def test_an_unknown_name_takes_as_long_as_a_wrong_password(users, monkeypatch):
    monkeypatch.setenv("TXIP_SIGNIN_ACCOUNT_FAILURES", "1000")
    monkeypatch.setenv("TXIP_SIGNIN_CLIENT_FAILURES", "1000")
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(-1, 9):  # the first round warms both paths up and is not counted
        for kind, name in (("known", "zhang"), ("unknown", f"ghost{i}")):
            # CPU time, not wall time: the work done is what tells an unknown name apart (the scrypt check), and it
            # does not move with the machine's load (a shared CI runner); wall time does.
            start = time.process_time()
            with pytest.raises(auth.AuthError, match="用户名或密码错误"):
                auth.sign_in(users, name, "wrong guess")
            if i >= 0:
                times[kind].append(time.process_time() - start)
    known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
    assert known > 0.005  # a real scrypt check happened
    assert abs(known - unknown) / min(known, unknown) < 0.30, (known, unknown)


# -- the sign-in form and the admin page ---------------------------------------------------------------------------


def app_test(name: str):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(Path(__file__).resolve().parent.parent / name), default_timeout=90)


@pytest.fixture
def app_store(users, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("TXIP_DB", str(users.path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield users
    st.cache_resource.clear()
    st.cache_data.clear()


def _sign_in_form():
    from ui import auth as ui_auth

    ui_auth.require_user()


def test_the_sign_in_form_locks_after_five_failures(app_store):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_sign_in_form, default_timeout=90)  # app.py's sign-in: the form of ui.auth
    at.run()
    for _ in range(5):
        at.text_input[0].input("boss")
        at.text_input[1].input("wrong guess")
        at.button[0].click().run()
    assert [e.value for e in at.error][-1].startswith("账号 boss 因多次登录失败已被锁定")
    at.text_input[1].input(RIGHT)
    at.button[0].click().run()
    assert "已被锁定" in at.error[-1].value and "auth_user" not in at.session_state
    failed = actions(app_store, "sign_in_failed")
    assert len(failed) == 6 and failed["detail"].str.contains("客户端 session-").all()  # AppTest has no address


def test_the_admin_page_lists_locks_and_lifts_one(app_store):
    fail(app_store, "zhang", 5, start=time.time())
    at = app_test("pages/admin.py")
    at.session_state["auth_user"] = auth.get_user(app_store, "boss")
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "锁定至" in d.value.columns)
    assert list(table["账号或客户端"]) == ["zhang"] and list(table["类型"]) == ["账号"]
    next(b for b in at.button if b.label == "解除锁定").click().run()
    assert not at.exception
    assert throttle.active_lock(app_store, "zhang", "") is None
    assert "目前没有被锁定的账号或客户端。" in [i.value for i in at.info]
    assert list(actions(app_store, "sign_in_unlock")["user"]) == ["boss"]
