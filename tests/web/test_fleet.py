"""Fleet: telemetry history from the ingest hook, alerts (offline, stalled queue, reject jump, station faults),
pages, /metrics."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from central import db as hubdb
from central import fleet
from central.config import WebConfig
from central.ingest import Ingestor, register_kiosk
from edge import wire


def _beat(ing, kiosk, **t):
    ing.handle(f"{ing.topics.prefix}/kiosks/{kiosk}/telemetry", json.dumps({"kiosk": kiosk, **t}).encode())


def test_telemetry_lands_in_history_one_row_per_minute(hub):
    cfg, conn = hub
    register_kiosk(conn, "kiosk-a")
    ing = Ingestor(cfg, conn)
    for depth in (3, 4, 5):
        _beat(ing, "kiosk-a", outbox_depth=depth, captures=10 * depth, rejects_by_reason={"blurry": depth})
    rows = conn.execute("SELECT * FROM kiosk_history WHERE kiosk = 'kiosk-a'").fetchall()
    assert len(rows) in (1, 2)  # the three beats fall in one minute, or straddle two
    last = conn.execute("SELECT outbox_depth, captures, rejects FROM kiosk_history ORDER BY minute DESC").fetchone()
    assert tuple(last) == (5, 50, 5)
    _beat(ing, "kiosk-unknown", outbox_depth=1)
    assert conn.execute("SELECT count(*) FROM kiosk_history WHERE kiosk = 'kiosk-unknown'").fetchone()[0] == 0


def _set(conn, kiosk, state, telemetry, at):
    with hubdb.write(conn):
        conn.execute("UPDATE kiosks SET state = ?, telemetry = ?, telemetry_at = ? WHERE id = ?",
                     (state, json.dumps(telemetry), at, kiosk))


def test_alerts_offline_stale_stalled_and_reject_jump(hub):
    _, conn = hub
    now = datetime.now(timezone.utc)
    for k in ("k-ok", "k-off", "k-stale", "k-stall", "k-jump"):
        register_kiosk(conn, k)
    fresh = now.isoformat()
    _set(conn, "k-ok", "online", {"outbox_depth": 0, "captures": 100, "rejects": 5}, fresh)
    _set(conn, "k-off", "offline", {}, fresh)
    _set(conn, "k-stale", "online", {}, (now - timedelta(minutes=10)).isoformat())
    _set(conn, "k-stall", "online", {"outbox_depth": 12, "outbox_oldest_age_s": 3600}, fresh)
    _set(conn, "k-jump", "online", {"captures": 200, "rejects_by_reason": {"blurry": 60, "glare": 30}}, fresh)
    with hubdb.write(conn):  # yesterday k-jump refused 5 in 100
        for i, (cap, rej) in enumerate([(0, 0), (100, 5)]):
            minute = (now - timedelta(hours=5 - i)).isoformat()[:16]
            conn.execute("INSERT INTO kiosk_history (kiosk, minute, captures, rejects) VALUES ('k-jump', ?, ?, ?)",
                         (minute, cap, rej))
    st = {k.id: k for k in fleet.fleet_status(conn, WebConfig(), now)}
    assert st["k-ok"].alerts == [] and st["k-ok"].online
    assert st["k-off"].alerts == ["offline"]
    assert st["k-stale"].alerts == ["no heartbeat for 600 s"]
    assert st["k-stall"].alerts == ["queue stalled: oldest unacked photo 60 min old"]
    assert st["k-jump"].reject_rate == 0.45
    assert st["k-jump"].rejects_by_reason == {"blurry": 60, "glare": 30}
    assert st["k-jump"].alerts == ["reject rate jumped to 45% (was 5%)"]


def test_reject_rate_counts_a_photo_refused_for_two_reasons_once(hub):
    _, conn = hub
    register_kiosk(conn, "k-two")
    # 10 captures, 4 refused: each for being both blurry and too dark (8 reasons given)
    _set(conn, "k-two", "online", {"captures": 10, "rejects": 4, "rejects_by_reason": {"blurry": 4, "too_dark": 4}},
         datetime.now(timezone.utc).isoformat())
    st = fleet.fleet_status(conn, WebConfig())[0]
    assert st.reject_rate == 0.4 and st.rejects_by_reason == {"blurry": 4, "too_dark": 4}


def test_alerts_name_what_the_station_says_is_broken(hub):
    _, conn = hub
    now = datetime.now(timezone.utc).isoformat()
    for k in ("k-desk", "k-dev", "k-cfg", "k-disk", "k-fine"):
        register_kiosk(conn, k)
    _set(conn, "k-desk", "online", {"desk_error": 'the desk could not start: [camera] kind = "folder" needs folder'}, now)
    _set(conn, "k-dev", "online", {"camera_ok": False, "scanner_ok": False, "scanner_error": "scanner lost: No such device"}, now)
    _set(conn, "k-cfg", "online", {"config_error": "model gate-9 sha256 mismatch", "disk_low": False}, now)
    _set(conn, "k-disk", "offline", {"disk_low": True, "disk_message": "disk nearly full: 80 MB free, photos paused"}, now)
    _set(conn, "k-fine", "online", {"camera_ok": True, "scanner_ok": True, "desk_error": None, "config_error": None,
                                    "disk_low": False}, now)
    st = {k.id: k.alerts for k in fleet.fleet_status(conn, WebConfig())}
    assert st["k-desk"] == ['the desk could not start: [camera] kind = "folder" needs folder']
    assert st["k-dev"] == ["camera fault", "scanner fault: scanner lost: No such device"]
    assert st["k-cfg"] == ["config refused: model gate-9 sha256 mismatch"]
    assert st["k-disk"] == ["offline", "disk nearly full: 80 MB free, photos paused"]
    assert st["k-fine"] == []


def test_fleet_and_kiosk_pages_show_state_and_chart(hub, client):
    cfg, conn = hub
    register_kiosk(conn, "kiosk-a")
    ing = Ingestor(cfg, conn)
    ing.handle(f"{ing.topics.prefix}/kiosks/kiosk-a/state", b"online")
    _beat(ing, "kiosk-a", outbox_depth=7, outbox_oldest_age_s=30, captures=40, rejects_by_reason={"blurry": 4},
          camera_ok=True, scanner_ok=False, model_version="gate-1.2", disk_free_mb=2048, cpu_temp_c=51.5)
    wc = client("fleet")
    page = wc.get("/fleet").get_data(as_text=True)
    assert 'id="kiosk-kiosk-a" data-state="online"' in page
    for text in ("gate-1.2", "2048 MB", "51.5 °C", "blurry 4", "10 %", ">fault<", ">scanner fault</span>"):
        assert text in page, text
    page = wc.get("/fleet/kiosk-a").get_data(as_text=True)
    assert "<svg" in page and "Outbox depth" in page
    assert wc.get("/fleet/no-such-kiosk").status_code == 404
    for hours in ("abc", "-5", "99999", ""):  # odd query strings fall back to a sane window, never a 500
        assert wc.get(f"/fleet/kiosk-a?hours={hours}").status_code == 200


def test_metrics_need_the_token_and_expose_kiosk_gauges(hub, client, app):
    cfg, conn = hub
    register_kiosk(conn, "kiosk-a")
    _set(conn, "kiosk-a", "online", {"outbox_depth": 3, "cpu_temp_c": 48.0, "camera_ok": True, "scanner_ok": False},
         wire.utcnow())
    c = app.test_client()
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client("admin").get("/metrics").status_code == 401  # a session is not the token
    r = c.get("/metrics", headers={"Authorization": "Bearer metrics-token-123"})
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert 'returnsdesk_kiosk_online{kiosk="kiosk-a"} 1.0' in text
    assert 'returnsdesk_kiosk_outbox_depth{kiosk="kiosk-a"} 3.0' in text
    assert 'returnsdesk_kiosk_cpu_temperature_celsius{kiosk="kiosk-a"} 48.0' in text
    assert 'returnsdesk_kiosk_camera_ok{kiosk="kiosk-a"} 1.0' in text
    assert 'returnsdesk_kiosk_scanner_ok{kiosk="kiosk-a"} 0.0' in text
    assert 'returnsdesk_kiosk_alerts{kiosk="kiosk-a"} 1.0' in text  # the scanner fault
    assert "returnsdesk_hub_photos_total 0.0" in text
