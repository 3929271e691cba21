"""A fleet user watches a running kiosk in Chromium, stops it, and sees it go offline with an alert."""

from __future__ import annotations

from edge.samples import write_samples
from tests import helpers
from tests.browser.conftest import login, screenshot


def test_fleet_user_sees_kiosk_go_offline(web, page, hub_config, kiosk_config, ingest, tmp_path):
    ingest()
    write_samples(tmp_path / "camera", count=2)
    kcfg = kiosk_config("kiosk-a", extra=f'[camera]\nkind = "folder"\nfolder = "{tmp_path / "camera"}"\n'
                        '[panel]\npin_factory = "mock"\n[screen]\nport = 0\n')
    kiosk = helpers.kiosk_run(kcfg, "kiosk-a")
    try:
        db = helpers.hub_db(hub_config)
        seen = lambda: tuple(db.execute(  # noqa: E731
            "SELECT state, telemetry IS NOT NULL FROM kiosks WHERE id = 'kiosk-a'").fetchone())
        helpers.wait_for(lambda: seen() == ("online", 1), 30, what="kiosk-a online with a heartbeat")
        login(page, web, "fleet")
        page.goto(web + "/fleet")
        row = page.locator("#kiosk-kiosk-a")
        assert row.get_attribute("data-state") == "online"
        assert "online" in row.inner_text()
        assert row.locator(".alerts").inner_text().strip() == ""  # a healthy station: devices ok, no alert
        assert "\tok\tok\tgate-" in row.inner_text()  # camera ok, scanner ok, the model it runs
        screenshot(page, "fleet-online")
        page.click("a[href='/fleet/kiosk-a']")
        assert page.locator("h1").inner_text().startswith("kiosk-a")
        screenshot(page, "kiosk-page")
    finally:
        kiosk.stop()
    helpers.wait_for(lambda: db.execute("SELECT state FROM kiosks WHERE id='kiosk-a'").fetchone()[0] == "offline",
                     30, what="kiosk-a offline at the hub")
    page.goto(web + "/fleet")
    row = page.locator("#kiosk-kiosk-a")
    assert row.get_attribute("data-state") == "offline"
    assert "offline" in row.locator(".alerts").inner_text()
    page.goto(web + "/fleet?show=alerts")
    assert page.locator("#kiosk-kiosk-a").count() == 1
    screenshot(page, "fleet-offline")
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    page.goto(web + "/fleet/kiosk-a")
    assert "offline" in page.locator(".alerts").inner_text()
    screenshot(page, "kiosk-offline-tablet")
