"""The wired station: scanner codes and panel buttons (gpiozero mock pins) drive the desk; lights follow it."""

import cv2
import pytest

from edge.config import KioskConfig
from edge.devices.camera import FolderCamera
from edge.devices.panel import Panel, mock_factory
from edge.devices.scanner import ScriptedScanner
from edge.samples import desk_photo
from edge.screen import create_app
from edge.station import Station
from tests.helpers import wait_for


@pytest.fixture
def wired(tmp_path):
    cam = tmp_path / "cam"
    cam.mkdir()
    sharp = desk_photo(5)
    cv2.imwrite(str(cam / "0.jpg"), cv2.GaussianBlur(sharp, (0, 0), 6))
    cv2.imwrite(str(cam / "1.jpg"), sharp)
    cfg = KioskConfig(kiosk_id="kiosk-a", data_dir=tmp_path / "data", outbox={"min_free_mb": 0})
    station = Station(cfg)  # not started: the station is offline, which the desk must not mind
    factory = mock_factory()
    panel = Panel(pin_factory=factory, bounce_s=0)
    desk = station.open_desk(camera=FolderCamera(cam), scanner=ScriptedScanner(), panel=panel, screen=False)
    yield station, desk, factory
    station.stop()
    factory.close()


def press(factory, pin):
    factory.pin(pin).drive_low()
    factory.pin(pin).drive_high()


def test_scan_and_buttons_walk_a_return_offline(wired):
    station, desk, f = wired
    assert f.pin(18).state == 0  # ring light off while idle
    station.scanner.push("RMA-77")
    wait_for(lambda: desk.state == "return_open", 3, what="return opened by the scan")
    assert f.pin(18).state == pytest.approx(0.6)  # on for the session
    assert station.panel.status == "offline"  # no broker: the LED says so, the desk keeps working
    buzz = f.pin(23)
    buzz.clear_states()
    press(f, 17)  # capture: the first still is blurry
    wait_for(lambda: desk.state == "refused", 5, what="refused capture")
    wait_for(lambda: sum(1 for s in buzz.states if s.state) == 2, 3, what="two refuse beeps")
    press(f, 17)  # capture again = retake: the sharp one
    wait_for(lambda: desk.state == "capturing", 5, what="accepted capture")
    station.scanner.push("CAT-crack")
    wait_for(lambda: desk.state == "categorised", 3, what="category card")
    press(f, 27)  # done: item finished
    wait_for(lambda: desk.session and desk.session.item == 2, 3, what="item done")
    press(f, 27)  # done: return finished
    wait_for(lambda: desk.state == "idle", 3, what="return done")
    assert f.pin(18).state == 0
    ledger = station.outbox.ledger()
    assert [r["kind"] for r in ledger] == ["event", "photo", "event", "event"]
    assert station.status()["outbox_depth"] == 4  # all queued for when the link comes back
    beat = station.heartbeat.snapshot()
    assert (beat["captures"], beat["rejects"], beat["rejects_by_reason"], beat["overrides"]) == (2, 1, {"blurry": 1}, 0)
    assert beat["camera_ok"] and beat["scanner_ok"] and beat["model_version"] and beat["desk_state"] == "idle"


def test_screen_api_guards_and_headers(wired):
    station, desk, f = wired
    client = create_app(desk).test_client()
    r = client.get("/")
    assert r.status_code == 200 and b"Capture" in r.data
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post("/api/capture").status_code == 403  # no X-Desk header: not our page
    h = {"X-Desk": "1"}
    assert client.post("/api/reboot", headers=h).status_code == 404
    assert client.post("/api/category", json={}, headers=h).status_code == 400
    assert client.post("/api/scan", json={"code": ""}, headers=h).status_code == 400
    v = client.post("/api/scan", json={"code": "RMA-5"}, headers=h).get_json()
    assert v["return_ref"] == "RMA-5" and v["online"] is False and v["queue"] == 1
    v = client.post("/api/capture", headers=h).get_json()
    shot = v["photos"][0]
    assert shot["verdict"] == "refused" and shot["messages"]["blurry"]
    assert client.get(f"/thumb/{shot['id']}.jpg").headers["Content-Type"] == "image/jpeg"
    assert client.get("/thumb/nothing.jpg").status_code == 404
    v = client.post("/api/accept", headers=h).get_json()
    assert v["photos"][0]["verdict"] == "override" and v["photos"][0]["saved"]
    later = client.get(f"/api/state?since={v['version']}&wait=0.1").get_json()
    assert later["version"] == v["version"]  # nothing changed: the wait times out with the same state


def test_ring_light_boosts_when_the_preview_is_dark(tmp_path):
    cam = tmp_path / "dark"
    cam.mkdir()
    cv2.imwrite(str(cam / "0.jpg"), (desk_photo(5, 640, 480) * 0.1).astype("uint8"))
    cfg = KioskConfig(kiosk_id="kiosk-a", data_dir=tmp_path / "data", outbox={"min_free_mb": 0},
                      screen={"port": 0, "hints_every": 1})
    station = Station(cfg)
    factory = mock_factory()
    desk = station.open_desk(camera=FolderCamera(cam), scanner=ScriptedScanner(["RMA-1"]),
                             panel=Panel(pin_factory=factory), screen=True)
    try:
        wait_for(lambda: desk.state == "return_open", 3, what="return opened")
        wait_for(lambda: station.preview.hints["reasons"] == ["too_dark"], 5, what="dark preview hint")
        wait_for(lambda: factory.pin(18).state == pytest.approx(1.0), 3, what="ring light boosted")
        import urllib.request
        page = urllib.request.urlopen(station.screen_url + "api/hints", timeout=5).read()
        assert b"too_dark" in page
    finally:
        station.stop()
        factory.close()
