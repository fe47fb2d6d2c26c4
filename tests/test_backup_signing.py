"""Signed backups (store.backup_sign through store.backup): the issue's attack -- a self-consistent archive that adds an
admin with a known password -- and its variants (unsigned, signed with the attacker's own key, the real signature
kept over an altered manifest, a tampered file) are refused with the store untouched; such an archive restores only
when an admin explicitly accepts it (the CLI's --accept-unsigned, the 用户与日志 page's checkbox), and that is in the
audit log. The key lives outside the store and outside every archive."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from txip_geo.cli import main
from txip_geo.errors import BackupError
from txip_geo.store import auth, backup_sign
from txip_geo.store import backup as bk
from txip_geo.store.database import Store

ATTACKER = "mallory"
KNOWN = "attacker's password"


@pytest.fixture
def live(tmp_path):
    """A store with an admin and one import, its signed backup, and the bytes of the live database."""
    store = Store(tmp_path / "live" / "txip.sqlite")
    auth.add_user(store, "boss", "admin", password="long enough", by="t")
    src = tmp_path / "c.csv"
    src.write_text("案件编号,案件类别,立案日期,办理状态\nA1,查处,2025-01-01,办理中\n", encoding="utf-8")
    from txip_geo.ingest.pipeline import import_file

    import_file(store, "cases", src, as_of="2026-10-31")
    good = bk.backup(store.path, tmp_path / "good.zip").path
    return store, good


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_zip(path: Path, m: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in m.items():
            z.writestr(n, d)
    return path


def with_attacker(good: Path, tmp_path: Path) -> tuple[dict[str, bytes], bytes]:
    """The archive's members with an admin of known password added to its database and the manifest made to match
    (checksum, size, counts all consistent); the forged manifest's bytes. The signature member is left as it was."""
    m = members(good)
    db = tmp_path / "forged.sqlite"
    db.write_bytes(m["db/store.sqlite"])
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO users VALUES (?, ?, 'admin', ?, NULL, 0, ?)",
        (ATTACKER, ATTACKER, auth.hash_password(KNOWN), datetime.now().isoformat(timespec="seconds")),
    )
    con.commit()
    con.close()
    data = db.read_bytes()
    manifest = json.loads(m["manifest.json"])
    manifest["db"] = {"member": "db/store.sqlite", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    forged = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    return {**m, "db/store.sqlite": data, "manifest.json": forged}, forged


def state(store: Store) -> tuple:
    with store.reading() as con:
        return (
            con.execute("SELECT username, role, password_hash FROM users ORDER BY username").fetchall(),
            con.execute("SELECT COUNT(*) FROM imports").fetchone()[0],
            con.execute("SELECT COUNT(*) FROM audit").fetchone()[0],
        )


def refused(store, archive, reason):
    before = state(store)
    with pytest.raises(BackupError) as e:
        bk.restore(archive, store.path, user="boss")
    msg = str(e.value)
    assert reason in msg and "--accept-unsigned" in msg and msg.endswith("数据库未改动。"), msg
    assert state(store) == before
    assert auth.get_user(store, ATTACKER) is None
    return msg


def test_a_signed_backup_restores_and_its_key_stays_outside(live, tmp_path):
    store, good = live
    key_file = backup_sign.key_path()
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not key_file.resolve().is_relative_to(store.path.parent.resolve())
    m = members(good)
    assert list(m)[-2:] == ["manifest.json", "signature.json"]
    sig = json.loads(m["signature.json"])
    assert sig["algorithm"] == "HMAC-SHA256" and set(sig) == {"format", "algorithm", "key_id", "mac"}
    key_text = key_file.read_text().strip()
    assert not any(key_text.encode() in d or bytes.fromhex(key_text) in d for d in m.values())  # never in a backup
    info = bk.restore(good, tmp_path / "other" / "txip.sqlite", user="boss")
    assert info.signature == "valid"
    log = Store(tmp_path / "other" / "txip.sqlite").audit_log()
    assert log["action"].iloc[0] == "restore"


def test_the_issues_attack_unsigned_is_refused(live, tmp_path):
    store, good = live
    m, _ = with_attacker(good, tmp_path)
    del m["signature.json"]
    archive = write_zip(tmp_path / "attack.zip", m)
    refused(store, archive, "备份没有签名")
    assert main(["--db", str(store.path), "restore", str(archive)]) == 2
    assert main(["--db", str(store.path), "restore", str(archive), "--check"]) == 2
    assert auth.sign_in(store, "boss", "long enough").username == "boss"
    with pytest.raises(auth.AuthError):
        auth.sign_in(store, ATTACKER, KNOWN)


def test_the_attack_signed_with_another_key_is_refused(live, tmp_path):
    store, good = live
    m, forged = with_attacker(good, tmp_path)
    m["signature.json"] = backup_sign.sign(forged, os.urandom(32))  # the attacker's own key
    refused(store, write_zip(tmp_path / "attack.zip", m), "备份由另一把密钥签名")


def test_the_attack_keeping_the_real_signature_is_refused(live, tmp_path):
    store, good = live
    m, _ = with_attacker(good, tmp_path)  # signature.json of the genuine manifest, over the forged one
    refused(store, write_zip(tmp_path / "attack.zip", m), "备份的清单与签名不符")


def test_a_tampered_file_is_refused(live, tmp_path):
    store, good = live
    m = members(good)
    name = next(n for n in m if n.startswith("files/"))
    # The file changed and its checksum in the manifest updated: the signature no longer matches.
    data = m[name].replace(b"A1", b"B2")
    manifest = json.loads(m["manifest.json"])
    manifest["files"][name[len("files/") :]] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    forged = {**m, name: data, "manifest.json": json.dumps(manifest, ensure_ascii=False).encode()}
    refused(store, write_zip(tmp_path / "t1.zip", forged), "备份的清单与签名不符")
    # The file changed and nothing else: its checksum gives it away (before the signature is even looked at).
    before = state(store)
    with pytest.raises(BackupError, match="校验和不符"):
        bk.restore(write_zip(tmp_path / "t2.zip", {**m, name: data}), store.path)
    assert state(store) == before


def test_a_broken_signature_and_a_missing_key_are_refused(live, tmp_path, monkeypatch):
    store, good = live
    m = members(good)
    refused(
        store, write_zip(tmp_path / "b.zip", {**m, "signature.json": b"{not json"}), "签名文件 signature.json 已损坏"
    )
    monkeypatch.setenv(backup_sign.ENV, str(tmp_path / "elsewhere" / "no.key"))  # another server, no key copied
    msg = refused(store, good, "本机没有备份密钥")
    assert str(tmp_path / "elsewhere" / "no.key") in msg


def test_accepted_only_with_the_override_and_audited(live, tmp_path, capsys):
    store, good = live
    m, _ = with_attacker(good, tmp_path)
    del m["signature.json"]
    archive = write_zip(tmp_path / "attack.zip", m)
    assert main(["--db", str(store.path), "restore", str(archive), "--check", "--accept-unsigned"]) == 0
    assert "备份没有签名" in capsys.readouterr().err
    assert auth.get_user(store, ATTACKER) is None  # checking changes nothing
    assert main(["--db", str(store.path), "restore", str(archive), "--accept-unsigned", "--user", "boss"]) == 0
    out = capsys.readouterr()
    assert "已从 attack.zip" in out.out and "已按 --accept-unsigned 接受" in out.err
    assert auth.get_user(store, ATTACKER).role == "admin"  # what the admin accepted
    log = store.audit_log()
    row = log.iloc[0]
    assert (row["user"], row["action"]) == ("boss", "restore_unsigned")
    assert row["detail"].startswith("attack.zip（备份时间 ") and "管理员确认接受：备份没有签名" in row["detail"]


def test_the_key_is_made_once_with_0600_and_never_with_the_store(tmp_path, monkeypatch):
    store = Store(tmp_path / "s" / "txip.sqlite")
    key = tmp_path / "cfg" / "txip-geo" / "backup.key"
    monkeypatch.setenv(backup_sign.ENV, str(key))
    a = bk.backup(store.path, tmp_path / "out" / "a.zip").path
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    first = key.read_bytes()
    bk.backup(store.path, tmp_path / "out" / "b.zip")
    assert key.read_bytes() == first  # made by the first backup only
    assert bk.verify(a, store.path).signature == "valid"
    # A key beside the database, in the files folder or the backups folder is refused (whoever reads those could
    # sign), and so is a key others may read.
    for place in (store.path.parent / "k.key", store.files_dir / "k.key", store.path.parent / "backups" / "k.key"):
        monkeypatch.setenv(backup_sign.ENV, str(place))
        with pytest.raises(BackupError, match="密钥须与数据库和备份分开保管"):
            bk.backup(store.path, tmp_path / "out" / "c.zip")
    monkeypatch.setenv(backup_sign.ENV, str(key))
    key.chmod(0o644)
    with pytest.raises(BackupError, match="chmod 600"):
        bk.backup(store.path, tmp_path / "out" / "d.zip")
    assert not (tmp_path / "out" / "c.zip").exists() and not (tmp_path / "out" / "d.zip").exists()


def test_a_tar_gz_backup_is_signed_too(live, tmp_path):
    store, _ = live
    info = bk.backup(store.path, tmp_path / "b.tar.gz")
    import tarfile

    with tarfile.open(info.path) as tar:
        names = tar.getnames()
    assert names[-2:] == ["manifest.json", "signature.json"]
    assert bk.verify(info.path, store.path).signature == "valid"


# -- the 用户与日志 page ---------------------------------------------------------------------------------------------


@pytest.fixture
def admin_page(live, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    store, good = live
    monkeypatch.setenv("TXIP_DB", str(store.path))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "pages" / "admin.py"), default_timeout=90)
    at.session_state["auth_user"] = auth.get_user(store, "boss")
    at.run()
    assert not at.exception
    yield at, store, good
    st.cache_resource.clear()
    st.cache_data.clear()


def test_the_admin_page_refuses_an_unsigned_archive_unless_the_box_is_ticked(admin_page, tmp_path):
    at, store, good = admin_page
    m, _ = with_attacker(good, tmp_path)
    del m["signature.json"]
    data = write_zip(tmp_path / "attack.zip", m).read_bytes()
    at.file_uploader(key="restore_file").set_value([("attack.zip", data, "application/zip")]).run()
    at.button(key="restore_go").click().run()
    assert not at.exception
    assert "备份没有签名" in at.error[0].value and auth.get_user(store, ATTACKER) is None
    at.checkbox(key="restore_accept").check().run()
    at.button(key="restore_go").click().run()
    assert not at.exception
    assert [s.value for s in at.success][0].startswith("已从 attack.zip")
    assert "签名未通过核验的备份：备份没有签名" in at.warning[0].value
    assert auth.get_user(store, ATTACKER) is not None
    assert list(store.audit_log()[["user", "action"]].iloc[0]) == ["boss", "restore_unsigned"]
    assert "恢复未签名备份" in next(d.value for d in at.dataframe if "操作" in "".join(d.value.columns)).to_csv()


def test_the_admin_page_restores_a_signed_archive(admin_page):
    at, store, good = admin_page
    auth.add_user(store, "later", "viewer", password="long enough")  # after the backup: gone after the restore
    at.file_uploader(key="restore_file").set_value([("good.zip", good.read_bytes(), "application/zip")]).run()
    at.button(key="restore_go").click().run()
    assert not at.exception
    assert [s.value for s in at.success][0].startswith("已从 good.zip") and not at.warning
    assert auth.get_user(store, "later") is None
    assert store.audit_log()["action"].iloc[0] == "restore"
