"""Upload limits (size, rows, archive members, unpacked size) and safe unzipping: every refusal is a clean Chinese
message, nothing is written outside the target folder, and the store does not change."""

from __future__ import annotations

import io
import stat
import tomllib
import zipfile
from pathlib import Path

import pytest

from txip_geo.cli import main as cli
from txip_geo.errors import ImportRejected, UploadRejected
from txip_geo.ingest import limits
from txip_geo.ingest.importer import prepare
from txip_geo.ingest.limits import MIB, Limits, check_upload, safe_extract
from txip_geo.ingest.pipeline import import_file

ROOT = Path(__file__).resolve().parent.parent
CASES_HEADER = "案件编号,案件类别,立案日期,办理状态,所属镇街\n"


def cases_csv(n: int) -> bytes:
    return (CASES_HEADER + "".join(f"A{i},查处,2025-03-01,已结案,黄桥镇\n" for i in range(n))).encode("utf-8")


def test_web_server_cap_equals_the_upload_limit():
    with open(ROOT / ".streamlit" / "config.toml", "rb") as f:
        server = tomllib.load(f)["server"]
    assert server["maxUploadSize"] == limits.DEFAULT_MAX_UPLOAD_MB
    assert Limits().max_upload_bytes == limits.DEFAULT_MAX_UPLOAD_MB * MIB  # Streamlit's MB are MiB too
    assert Limits().max_rows == 2_000_000


def test_defaults_and_environment_overrides(monkeypatch):
    for var in ("TXIP_MAX_UPLOAD_MB", "TXIP_MAX_ROWS", "TXIP_MAX_ARCHIVE_MEMBERS", "TXIP_MAX_ARCHIVE_MB"):
        monkeypatch.delenv(var, raising=False)
    assert limits.current() == Limits()
    monkeypatch.setenv("TXIP_MAX_UPLOAD_MB", "0.5")
    monkeypatch.setenv("TXIP_MAX_ROWS", "1000")
    monkeypatch.setenv("TXIP_MAX_ARCHIVE_MEMBERS", "not a number")  # ignored, default kept
    lim = limits.current()
    assert lim.max_upload_bytes == MIB // 2 and lim.max_rows == 1000
    assert lim.max_archive_members == limits.DEFAULT_MAX_ARCHIVE_MEMBERS


def test_an_oversized_file_is_refused_before_reading_and_the_store_is_unchanged(store, monkeypatch, tmp_path):
    monkeypatch.setenv("TXIP_MAX_UPLOAD_MB", "0.01")  # 10 KiB
    data = cases_csv(400)
    assert len(data) > 10 * 1024
    with pytest.raises(ImportRejected) as e:
        import_file(store, "cases", tmp_path / "大文件.csv", data=data, as_of="2026-10-31")
    assert e.value.report.message.startswith("文件 大文件.csv 过大（")
    assert "上限为 0.0 MB" not in e.value.report.message
    assert store.imports().empty and not store.files_dir.exists()
    # Under the limit, the same kind of file goes in.
    rep = import_file(store, "cases", tmp_path / "小文件.csv", data=cases_csv(3), as_of="2026-10-31")
    assert rep.status == "imported" and rep.rows_imported == 3


def test_the_cli_exits_2_with_the_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TXIP_MAX_UPLOAD_MB", "0.001")
    f = tmp_path / "案件.csv"
    f.write_bytes(cases_csv(100))
    assert cli(["--db", str(tmp_path / "s.sqlite"), "import", "cases", str(f), "--as-of", "2026-10-31"]) == 2
    assert "过大" in capsys.readouterr().err


def test_too_many_rows_in_a_text_file(monkeypatch):
    monkeypatch.setenv("TXIP_MAX_ROWS", "50")
    prepare("cases", cases_csv(120), "可以.csv", as_of="2026-10-31")  # 50 + slack of header/blank lines
    with pytest.raises(ImportRejected) as e:
        prepare("cases", cases_csv(400), "太多.csv", as_of="2026-10-31")
    assert "行数过多" in e.value.report.message and "上限为 50 行" in e.value.report.message


def _xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(CASES_HEADER.strip().split(","))
    for i in range(rows):
        ws.append([f"A{i}", "查处", "2025-03-01", "已结案", "黄桥镇"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_too_many_rows_in_a_workbook_are_seen_from_its_declared_dimension(monkeypatch):
    data = _xlsx(300)
    lim = Limits(max_rows=100)
    with pytest.raises(UploadRejected, match="行数过多（301 行），上限为 100 行"):
        check_upload(data, "台账.xlsx", lim)
    check_upload(data, "台账.xlsx", Limits(max_rows=1000))
    monkeypatch.setenv("TXIP_MAX_ROWS", "100")
    with pytest.raises(ImportRejected, match="行数过多"):
        prepare("cases", data, "台账.xlsx", as_of="2026-10-31")


def _zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_workbook_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = _zip_bytes({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * (40 * MIB)})
    assert len(bomb) < 100_000
    with pytest.raises(UploadRejected, match="压缩比异常.*疑似压缩炸弹"):
        check_upload(bomb, "炸弹.xlsx")
    with pytest.raises(ImportRejected, match="疑似压缩炸弹"):
        prepare("cases", bomb, "炸弹.xlsx", as_of="2026-10-31")
    with pytest.raises(UploadRejected, match="解压后过大"):
        check_upload(_zip_bytes({"a.xml": b"a" * (2 * MIB)}), "大.xlsx", Limits(max_archive_bytes=MIB))
    with pytest.raises(UploadRejected, match=r"文件过多（11 个），上限为 10 个"):
        check_upload(_zip_bytes({f"m{i}.xml": b"x" for i in range(11)}), "多.xlsx", Limits(max_archive_members=10))


def test_a_corrupt_workbook_still_gets_the_readers_message():
    with pytest.raises(ImportRejected, match="无法读取 Excel 文件"):
        prepare("cases", b"PK\x03\x04 not really a zip", "坏.xlsx", as_of="2026-10-31")


# -- safe_extract ----------------------------------------------------------------------------------------------------


def _zip_file(path: Path, members: dict[str, bytes]) -> Path:
    path.write_bytes(_zip_bytes(members))
    return path


@pytest.mark.parametrize(
    "evil",
    [
        "../evil.txt",
        "a/../../evil.txt",
        "/tmp/evil.txt",
        "..\\evil.txt",
        "C:/evil.txt",
        "c:\\evil.txt",
        "ok/..\\..\\evil.txt",
    ],
)
def test_zip_slip_is_refused_and_nothing_is_written(tmp_path, evil):
    z = _zip_file(tmp_path / "slip.zip", {"good.shp": b"1", evil: b"pwned"})
    dest = tmp_path / "deep" / "dest"
    with pytest.raises(UploadRejected, match="指向解压目录之外，已拒绝整个压缩包"):
        safe_extract(z, dest)
    assert not any(p.name == "evil.txt" for p in tmp_path.rglob("*"))
    assert not (dest / "good.shp").exists()  # refused as a whole, before anything is written
    assert not Path("/tmp/evil.txt").exists()


def test_symlink_members_are_refused(tmp_path):
    info = zipfile.ZipInfo("link.shp")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as z:
        z.writestr(info, "/etc/passwd")
    with pytest.raises(UploadRejected, match="链接文件"):
        safe_extract(tmp_path / "link.zip", tmp_path / "out")


def test_safe_extract_writes_nested_members_and_filters(tmp_path):
    z = _zip_file(
        tmp_path / "ok.zip",
        {"边界/乡镇.shp": b"shp", "边界/乡镇.dbf": b"dbf", "readme.txt": b"x", "./边界/./乡镇.prj": b"prj"},
    )
    out = safe_extract(z, tmp_path / "d", keep=lambda parts: parts[-1].endswith((".shp", ".dbf", ".prj")))
    assert sorted(p.relative_to(tmp_path / "d").as_posix() for p in out) == [
        "边界/乡镇.dbf",
        "边界/乡镇.prj",
        "边界/乡镇.shp",
    ]
    assert (tmp_path / "d" / "边界" / "乡镇.shp").read_bytes() == b"shp"
    assert not (tmp_path / "d" / "readme.txt").exists()


def test_safe_extract_uses_the_name_decoder(tmp_path):
    z = _zip_file(tmp_path / "n.zip", {"abc.shp": b"1"})
    out = safe_extract(z, tmp_path / "d", name_of=lambda info: "乡镇界.shp")
    assert [p.name for p in out] == ["乡镇界.shp"]


def test_safe_extract_limits(tmp_path):
    many = _zip_file(tmp_path / "many.zip", {f"f{i}.shp": b"x" for i in range(6)})
    with pytest.raises(UploadRejected, match="文件过多（6 个），上限为 5 个"):
        safe_extract(many, tmp_path / "d", limits=Limits(max_archive_members=5))
    big = _zip_file(tmp_path / "big.zip", {"a.shp": b"a" * (3 * MIB)})
    with pytest.raises(UploadRejected, match="解压后过大"):
        safe_extract(big, tmp_path / "d2", limits=Limits(max_archive_bytes=2 * MIB))
    assert not (tmp_path / "d2" / "a.shp").exists()
    (tmp_path / "not.zip").write_bytes(b"plain text")
    with pytest.raises(UploadRejected, match="无法打开压缩包 not.zip"):
        safe_extract(tmp_path / "not.zip", tmp_path / "d3")


def test_a_member_that_inflates_past_its_declared_size_is_stopped(tmp_path):
    """The directory says 10 bytes; the data inflates to 4 MiB: zipfile stops at the declared size or the CRC."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.shp", b"b" * (4 * MIB))
    raw = bytearray(path.read_bytes())
    # patch the uncompressed size in the central directory and the local header
    for sig, off in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        i = raw.find(sig)
        raw[i + off : i + off + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(UploadRejected, match="无法解压 liar.zip"):
        safe_extract(path, tmp_path / "d")
    assert not (tmp_path / "d" / "a.shp").exists()


def test_boundary_zip_with_a_path_outside_is_refused(store, tmp_path):
    from txip_geo.ingest.boundaries import import_boundaries

    z = _zip_file(tmp_path / "边界.zip", {"乡镇.shp": b"x", "../../乡镇.dbf": b"y"})
    with pytest.raises(ImportRejected) as e:
        import_boundaries(store, "townships", z, datum="CGCS2000")
    assert "指向解压目录之外" in e.value.report.message
    assert store.boundaries_status() == "schematic" and store.imports().empty
    assert not (tmp_path.parent / "乡镇.dbf").exists()


def test_boundary_zip_with_too_many_members_is_refused(store, tmp_path, monkeypatch):
    from txip_geo.ingest.boundaries import import_boundaries

    monkeypatch.setenv("TXIP_MAX_ARCHIVE_MEMBERS", "20")
    z = _zip_file(tmp_path / "多.zip", {f"图层{i}.shp": b"x" for i in range(25)})
    with pytest.raises(ImportRejected, match="文件过多（25 个），上限为 20 个"):
        import_boundaries(store, "townships", z, datum="CGCS2000")
    assert store.imports().empty
