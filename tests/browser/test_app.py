"""The real app in a real browser with the internet blocked: every page renders, the map draws, a click opens a panel."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import MAP_HOST, wait_for_inline_map

from txip_geo.cli import main as cli
from txip_geo.present.mapspec import SELECTED_COLOR
from txip_geo.strings import t

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test-output"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'  # the 边界 page's drawing map (streamlit-folium's frame)
HQ_POINT = (32.23504, 120.2657)  # a point inside 黄桥镇 in the schematic layer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser-demo") / "demo.sqlite"
    assert cli(["--db", str(path), "demo"]) == 0
    return path


@pytest.fixture
def app(streamlit_server, demo_store):
    return streamlit_server(REPO / "app.py", env={"TXIP_DB": str(demo_store)})


def wait_for_frame_map(page, timeout=60_000):
    """A map in streamlit-folium's iframe once its polygons are drawn. A changed map is a new component: its old
    iframe may go away while we look at it, so look again until a live one has drawn."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        frame_el = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout)
        frame = frame_el.content_frame()
        try:
            if frame is not None:
                frame.wait_for_selector("path.leaflet-interactive", timeout=5_000)
                return frame_el, frame
        except Exception:  # noqa: BLE001 - detached or not drawn yet
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError("the map was not drawn")
        page.wait_for_timeout(200)


def cjk_renders(page) -> bool:
    """Two different CJK characters drawn on a canvas differ (tofu boxes would be identical)."""
    return page.evaluate("""() => {
        const draw = ch => { const c = document.createElement('canvas'); c.width = 40; c.height = 40;
            const x = c.getContext('2d'); x.font = '32px sans-serif'; x.fillText(ch, 2, 32);
            return Array.from(x.getImageData(0, 0, 40, 40).data).join(','); };
        return draw('泰') !== draw('兴') && draw('泰') !== draw('\\u0378');
    }""")


def visible_labels(frame) -> list[tuple[str, tuple]]:
    """(text, screen box) of every township label shown inside the map's visible area."""
    return [
        (t, tuple(b))
        for t, b in frame.evaluate("""(map, doc) => {
        const m = map.getContainer().getBoundingClientRect();
        return Array.from(doc.querySelectorAll('.txip-label'))
            .filter(e => getComputedStyle(e).visibility !== 'hidden')
            .map(e => [e.innerText.split('\\n')[0], e.getBoundingClientRect()])
            .filter(([t, r]) => r.width > 0 && r.right > m.left && r.left < m.right && r.bottom > m.top && r.top < m.bottom)
            .map(([t, r]) => [t, [r.left, r.top, r.right, r.bottom]]);
    }""")
    ]


def overlapping(labels) -> list[tuple[str, str]]:
    return [
        (a, b)
        for i, (a, p) in enumerate(labels)
        for b, q in labels[i + 1 :]
        if p[0] < q[2] and p[2] > q[0] and p[1] < q[3] and p[3] > q[1]
    ]


def test_map_page_draws_offline_and_a_click_opens_the_township_panel(app, page, browser_log):
    OUT.mkdir(exist_ok=True)
    t0 = time.monotonic()
    page.goto(app.url)  # the map is the default page: its URL is the root
    frame = wait_for_inline_map(page)
    first_render = time.monotonic() - t0
    assert frame.locator("path.leaflet-interactive").count() >= 17
    assert "示意边界" in frame.locator(".txip-notices").inner_text()
    assert "专利总量" in frame.locator(".txip-legend").inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUT / "app_map.png"), full_page=True)
    # Township labels: no two shown ones overlap; some give way at the fit zoom and come back closer in.
    shown = visible_labels(frame)
    assert not overlapping(shown) and 5 <= len(shown) <= 17
    # A label moved out of another's way stays on its area's point (the point inside the label's box).
    off = frame.evaluate("""(map, doc) => Array.from(doc.querySelectorAll('.txip-label'))
        .filter(e => getComputedStyle(e).visibility !== 'hidden').map(e => {
            const p = e.parentElement.getBoundingClientRect(), r = e.getBoundingClientRect();
            return [e.innerText.split('\\n')[0], p.left >= r.left - 1 && p.left <= r.right + 1
                    && p.top >= r.top - 1 && p.top <= r.bottom + 1];
        }).filter(([t, inside]) => !inside).map(([t]) => t)""")
    assert off == [], off
    # Zoom in two levels on a label that gave way: it shows, and still nothing overlaps.
    view = frame.evaluate("(map) => [map.getCenter(), map.getZoom()]")
    hidden = frame.evaluate("""(map, doc) => {
        const m = map, c = m.getContainer().getBoundingClientRect();
        const el = Array.from(doc.querySelectorAll('.txip-label'))
            .find(e => getComputedStyle(e).visibility === 'hidden');
        if (!el) return null;
        const r = el.getBoundingClientRect();
        m.setView(m.containerPointToLatLng([r.left + r.width / 2 - c.left, r.top + r.height / 2 - c.top]),
                  m.getZoom() + 2, {animate: false});
        return el.innerText.split('\\n')[0];
    }""")
    page.wait_for_timeout(800)
    closer = visible_labels(frame)
    assert not overlapping(closer)
    if hidden is not None:
        assert hidden in {n for n, _ in closer}, (hidden, closer)
    frame.evaluate("(map, doc, [c, z]) => map.setView(c, z, {animate: false})", view)
    page.wait_for_timeout(300)

    # Click the map where 黄桥镇 is (converted to screen coordinates by Leaflet itself).
    x, y = frame.evaluate(
        "(map, doc, [lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }",
        list(HQ_POINT),
    )
    box = frame.bounding_box()
    frame.evaluate("(map) => { map.__txipBeforeClick = true; }")
    t1 = time.monotonic()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector('h3:has-text("黄桥镇")', timeout=30_000)
    click_to_panel = time.monotonic() - t1
    # Outlined on the live map (by ui/map_overlay.py): the map was not drawn again, one outline only.
    outline = f'path[stroke="{SELECTED_COLOR}"]'
    frame.wait_for_selector(outline, timeout=10_000)
    assert frame.evaluate("(map) => map.__txipBeforeClick === true")
    assert frame.locator(outline).count() == 1
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "app_map_clicked.png"), full_page=True)
    assert "unit=321283100" in page.url

    assert browser_log.external_requests == [], browser_log.external_requests
    assert not [r for r in browser_log.failed_responses if "/_stcore/" not in r[1]], browser_log.failed_responses
    assert cjk_renders(page), "Chinese text renders as boxes: install fonts-wqy-microhei"
    (OUT / "app_timings.txt").write_text(f"first_render_s={first_render:.2f}\nclick_to_panel_s={click_to_panel:.2f}\n")


@pytest.mark.parametrize(
    "path,expect",
    [
        ("goals", "方案目标完成情况"),
        ("network", "三级网络覆盖"),
        ("data", "数据状态"),
        ("present", "各镇街专利总量"),
        ("boundaries", "边界"),
        ("admin", "用户与日志"),
    ],
)
def test_every_page_renders_offline(app, page, browser_log, path, expect):
    OUT.mkdir(exist_ok=True)
    page.goto(app.url + path)
    page.wait_for_selector(f'text="{expect}"', timeout=60_000)
    if page.locator(MAP_HOST).count():
        wait_for_inline_map(page)
    if page.locator(MAP_IFRAME).count():
        wait_for_frame_map(page)
    page.wait_for_timeout(1000)
    assert not page.locator('[data-testid="stException"]').count()
    # A deep link as the first request of a fresh server still goes through app.py's navigation.
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert all(title in nav for title in ("地图", "目标", "网络覆盖", "数据")), nav
    page.screenshot(path=str(OUT / f"app_{path}.png"), full_page=True)
    assert browser_log.external_requests == [], browser_log.external_requests


def test_map_path_and_an_unknown_path_open_the_map_in_chinese(app, page, browser_log):
    """/map is the map (the default page, served at /), without Streamlit's English "Page not found"; a path that is
    no page opens the map too, with a Chinese notice."""
    for path, notice in (("map", False), ("no-such-page", True)):
        page.goto(app.url + path)
        page.wait_for_selector('text="泰兴市知识产权三级网络地图"', timeout=60_000)
        wait_for_inline_map(page)
        page.wait_for_timeout(500)
        assert page.get_by_text("Page not found").count() == 0
        assert page.get_by_text("没有页面 /no-such-page").count() == (1 if notice else 0)
    assert browser_log.external_requests == [], browser_log.external_requests


def preview_upload(page, url: str, kind_label: str, path) -> None:
    """On the 数据 page: pick the data kind, upload the file, wait for its preview (nothing stored yet)."""
    page.goto(url + "data")
    page.wait_for_selector('text="导入文件"', timeout=60_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="数据类型").click()
    page.get_by_role("option", name=kind_label).click()
    page.locator('input[type="file"]').set_input_files(str(path))
    page.wait_for_selector('text="预览（尚未写入）"', timeout=60_000)


SHOWN_TEXT_JS = """(sel) => [...document.querySelectorAll(sel)].map(e => {
    const after = getComputedStyle(e, '::after').content;
    const own = parseFloat(getComputedStyle(e).fontSize) > 0 ? e.innerText : '';
    return own + (after && after !== 'none' ? JSON.parse(after) : '');
})"""


def test_the_file_uploader_speaks_chinese(streamlit_server, page, browser_log, tmp_path):
    """The uploader's own texts (button, size and types, the text while a file is dragged over it, a refused file's
    message) read in Chinese on the 数据 and 边界 pages; the English ones are not shown."""
    server = streamlit_server(REPO / "app.py", env={"TXIP_DB": str(tmp_path / "empty.sqlite")})
    zone = '[data-testid="stFileUploaderDropzone"]'
    for path, types in (("data", "CSV、TXT、XLSX、XLSM、XLS"), ("boundaries", "ZIP、GPKG")):
        page.goto(server.url + path)
        page.wait_for_selector(zone, timeout=60_000)
        page.wait_for_timeout(500)
        button = page.evaluate(SHOWN_TEXT_JS, f'{zone} [data-testid="stBaseButton-secondary"] p')
        limit = page.evaluate(SHOWN_TEXT_JS, '[data-testid="stFileUploaderDropzoneInstructions"] span')
        assert button == ["浏览文件"] and len(limit) == 1, (button, limit)
        assert limit[0].startswith("单个文件不超过 100 MB；格式：") and types in limit[0], limit
        # A file dragged over the drop zone.
        page.evaluate(
            """(zone) => { const dt = new DataTransfer(); dt.items.add(new File(['x'], 'a.csv'));
            document.querySelector(zone).dispatchEvent(new DragEvent('dragenter', {bubbles: true, dataTransfer: dt})); }""",
            zone,
        )
        page.wait_for_selector(f"{zone} > div:not([data-testid]) > span", timeout=5_000)
        assert page.evaluate(SHOWN_TEXT_JS, f"{zone} > div:not([data-testid]) > span") == ["松开鼠标即可上传"]
        page.evaluate(
            "(zone) => document.querySelector(zone).dispatchEvent(new DragEvent('dragleave', {bubbles: true}))", zone
        )
    # A refused file (a CSV where boundary files are asked for): its message, shown on hover, is Chinese too.
    bad = tmp_path / "表.csv"
    bad.write_text("a\n1\n", encoding="utf-8")
    page.locator(f"{zone} input[type=file]").set_input_files(str(bad))
    page.locator('[data-testid="stFileChip"]').first.hover()
    page.wait_for_selector('[data-testid="stTooltipErrorContent"]', timeout=10_000)
    assert page.evaluate(SHOWN_TEXT_JS, '[data-testid="stTooltipErrorContent"]') == [t("upload.refused")]
    page.screenshot(path=str(OUT / "app_uploader_refused.png"), full_page=True)
    assert browser_log.external_requests == []


def start_worker(db: Path, env: dict | None = None):
    """The background-import worker beside the app, as scripts/run.sh starts it: a confirmed upload is a queued job
    that it imports. It dies with this test process (--parent)."""
    import os
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "txip_geo", "worker", "--db", str(db), "--parent", str(os.getpid()), "--poll", "0.2"]
    return subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **(env or {})})


def wait_for_the_job(page, file_name: str, timeout: int) -> None:
    """The upload queued, then its job done: the page reruns when the job ends and offers its 检查报告."""
    page.wait_for_selector(f"text=/已加入后台导入队列（任务 \\d+）：{file_name}/", timeout=30_000)
    page.wait_for_selector(f"text=/{t('jobs.report')} · {t('jobs.col_id')} \\d+ · {file_name}/", timeout=timeout)


def test_upload_preview_and_confirm_on_the_data_page(streamlit_server, page, browser_log, tmp_path):
    db = tmp_path / "upload.sqlite"
    server = streamlit_server(REPO / "app.py", env={"TXIP_DB": str(db)})
    worker = start_worker(db)
    good = tmp_path / "案件台账.csv"
    good.write_bytes(
        "案件编号,案件类别,立案日期,办理状态,所属镇街\nA1,查处,2025-03-01,已结案,黄桥镇\n"
        "A2,调解,2025/4/2,调解成功,横垛镇\n".encode("gbk")
    )
    preview_upload(page, server.url, "执法案件与纠纷", good)
    assert "横垛" in page.content() or page.get_by_text("321283102").count() >= 0
    page.get_by_role("button", name="确认导入").click()
    try:
        wait_for_the_job(page, "案件台账.csv", 60_000)
    finally:
        worker.kill()
    # The message stays and the uploader is empty again: the same file cannot go in twice by a second click.
    expect(page.locator('[data-testid="stFileUploaderFile"]')).to_have_count(0)
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    page.screenshot(path=str(OUT / "app_data_upload.png"), full_page=True)
    from txip_geo.store.database import Store

    cases = Store(db).records("cases").set_index("case_no")
    assert cases.loc["A2", "unit_code"] == "321283102" and cases.loc["A2", "accepted_date"] == "2025-04-02"
    assert browser_log.external_requests == []


def test_a_patent_upload_imported_through_the_worker_process(streamlit_server, page, browser_log, tmp_path):
    """The 数据 page's import of a text file run by the import worker (import_worker: a second process prepares the
    chunks; TXIP_IMPORT_WORKER=1 makes it take this small file) from inside the app server."""
    from tests.test_import_stream import patent_rows, write
    from txip_geo.store.database import Store

    db = tmp_path / "worker.sqlite"
    server = streamlit_server(REPO / "app.py", env={"TXIP_DB": str(db), "TXIP_IMPORT_WORKER": "1"})
    worker = start_worker(db, {"TXIP_IMPORT_WORKER": "1"})  # the job's import prepares its chunks in a 2nd process
    f = write(tmp_path / "专利清单.csv", patent_rows(60))
    preview_upload(page, server.url, "专利", f)
    page.get_by_role("button", name="确认导入").click()
    try:
        wait_for_the_job(page, "专利清单.csv", 90_000)
    finally:
        worker.kill()
    patents = Store(db).records("patents")
    assert len(patents) == 60 and patents["unit_code"].notna().sum() >= 40
    assert browser_log.external_requests == []


def test_sign_in_is_required_once_users_exist(streamlit_server, page, browser_log, tmp_path):

    from txip_geo.store import auth
    from txip_geo.store.database import Store

    db = tmp_path / "auth.sqlite"
    s = Store(db)
    auth.add_user(s, "guest", "viewer", password="long enough")
    auth.add_user(s, "boss", "admin", password="long enough")
    server = streamlit_server(REPO / "app.py", env={"TXIP_DB": str(db)})
    page.goto(server.url + "goals")
    page.wait_for_selector('text="登录"', timeout=60_000)
    assert page.locator(MAP_HOST).count() == 0 and "方案目标完成情况" not in page.content()
    page.get_by_label("用户名").fill("guest")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('text="用户名或密码错误"', timeout=30_000)
    page.get_by_label("密码").fill("long enough")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('text="方案目标完成情况"', timeout=60_000)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "用户与日志" not in nav  # viewers get no admin page
    assert "查看" in page.locator('[data-testid="stSidebar"]').inner_text()
    page.screenshot(path=str(OUT / "app_signed_in_viewer.png"), full_page=True)
    log = Store(db).audit_log()
    assert list(log["action"][:2]) == ["sign_in", "sign_in_failed"]
    assert browser_log.external_requests == []


def test_clusters_and_drawing_tools_load_offline(app, page, browser_log):
    """The case layer (clustered, 300 sample cases) and the park-drawing toolbar use only the app's own assets."""
    page.goto(app.url)
    wait_for_inline_map(page)
    page.get_by_text("执法案件与纠纷", exact=True).first.click()  # the sidebar checkbox
    page.wait_for_selector(f"{MAP_HOST} .marker-cluster", timeout=30_000)  # the map redrawn with the case layer
    frame = wait_for_inline_map(page)
    assert frame.locator(".marker-cluster").count() > 0
    page.goto(app.url + "boundaries")
    page.wait_for_selector('text="在地图上绘制园区范围"', timeout=60_000)
    frame_el, frame = wait_for_frame_map(page)
    frame.wait_for_selector(".leaflet-draw-draw-polygon", timeout=30_000)
    page.screenshot(path=str(OUT / "app_boundaries_draw.png"), full_page=True)
    assert browser_log.external_requests == [], browser_log.external_requests
    assert not [r for r in browser_log.failed_responses if "/_stcore/" not in r[1]], browser_log.failed_responses
