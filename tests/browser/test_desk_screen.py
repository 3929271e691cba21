"""The local screen in headless Chromium: scan, capture, a refused photo's reason, retake, category, done — at the hub."""

import os
import re
from pathlib import Path

import cv2

from playwright.sync_api import expect

from edge.samples import desk_photo
from tests import desk_station, helpers

ARTIFACTS = helpers.ROOT / "test-artifacts"


def station_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    cam = tmp_path / "camera"
    cam.mkdir()
    sharp = desk_photo(5)
    cv2.imwrite(str(cam / "000-blurry.jpg"), cv2.GaussianBlur(sharp, (0, 0), 6))
    cv2.imwrite(str(cam / "001-sharp.jpg"), sharp)
    fifo = tmp_path / "scanner.fifo"
    os.mkfifo(fifo)
    return cam, fifo, tmp_path


def test_walk_a_return_through_the_screen(browser, hub_config, kiosk_config, ingest, tmp_path):
    ingest()
    cam, fifo, _ = station_files(tmp_path)
    kcfg = kiosk_config("kiosk-a", extra=desk_station.station_toml(cam, fifo, 0))
    ref = kcfg.parent / "data" / "gate" / "reference.png"
    ref.parent.mkdir(parents=True)
    cv2.imwrite(str(ref), desk_photo(5, item=False))
    kiosk = helpers.kiosk_run(kcfg, "kiosk-a")
    try:
        helpers.wait_ready(kiosk, "desk screen: http", 30)
        url = re.search(r"desk screen: (http://\S+)", kiosk.output()).group(1)
        scanner = open(fifo, "w", buffering=1)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_selector("#online.online", timeout=15000)
        ARTIFACTS.mkdir(exist_ok=True)

        scanner.write("RMA-BROWSER-1\n")  # the worker scans the return label
        expect(page.locator("#return-ref")).to_have_text("RMA-BROWSER-1")
        assert page.locator("#item").inner_text() == "1"

        # The folder camera alternates a blurry and a sharp still; capture until the gate refuses one.
        thumbs = page.locator(".thumb")
        for n in range(12):
            page.click("#btn-capture")
            expect(thumbs).to_have_count(n + 1)
            if page.locator(".thumb.refused").count():
                break
        assert page.locator(".thumb.refused").count() == 1
        expect(page.locator("#notice")).to_contain_text("too blurry")
        assert "too blurry" in page.locator(".thumb.refused .tag").inner_text()
        page.screenshot(path=str(ARTIFACTS / "desk-refused.png"))

        for _ in range(12):  # retake until the gate accepts
            refused = page.locator(".thumb.refused")
            if not refused.count():
                break
            old = refused.get_attribute("data-photo")
            page.click("#btn-retake")
            page.wait_for_selector(f".thumb[data-photo='{old}']", state="detached")
            page.wait_for_selector("#btn-capture:enabled")
        assert page.locator(".thumb.refused").count() == 0
        saved = page.locator(".thumb.accepted").count()
        assert saved >= 1

        page.click("#categories button[data-category='dent']")
        page.wait_for_selector("#categories button.chosen[data-category='dent']")
        page.click("#btn-done")
        expect(page.locator("#item")).to_have_text("2")
        page.screenshot(path=str(ARTIFACTS / "desk-item-done.png"))
        page.click("#btn-done")
        expect(page.locator("#return-ref")).to_have_text("—")
        assert "finished" in page.locator("#notice").inner_text()
        expect(page.locator("#queue")).to_have_text("0 queued", timeout=20000)
        page.screenshot(path=str(ARTIFACTS / "desk-return-done.png"))
        assert page.locator("#preview").evaluate("img => img.naturalWidth") > 0  # the live preview shows

        conn = helpers.hub_db(hub_config)
        photos = conn.execute("SELECT return_ref, category FROM photos").fetchall()
        assert len(photos) == saved
        assert {p["return_ref"] for p in photos} == {"RMA-BROWSER-1"}
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 3
        scanner.close()
    finally:
        kiosk.stop()
    assert "Traceback" not in kiosk.output()
