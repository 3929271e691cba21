"""The kiosk's watchdog sees a hang, not just a dead thread: a wedged camera or a stuck MQTT callback
stops the pings of a real `returns-kiosk run` (fake NOTIFY_SOCKET), while a merely offline broker does not."""

from __future__ import annotations

import sqlite3

from edge import wire
from tests import helpers
from tests.deploy.notify import FakeNotifySocket


def run_kiosk(tmp_path, cfg, sock):
    env = helpers.kiosk_env("kiosk-a", **sock.env(watchdog_s=1))
    return helpers.Proc([str(helpers.BIN / "returns-kiosk"), "run", "--config", str(cfg)], env,
                        cfg.parent / "kiosk-run.log").start()


def test_hung_camera_stops_the_pings(tmp_path, broker, kiosk_config, sample_photos):
    cfg = kiosk_config("kiosk-a", extra=f"""[camera]
kind = "folder"
folder = "{sample_photos}"
preview_width = 320
preview_height = 240
hang_after_frames = 30
[panel]
pin_factory = "mock"
[screen]
port = 0
preview_fps = 10
[watchdog]
stall_s = 2
""")
    sock = FakeNotifySocket(tmp_path / "notify.sock")
    proc = run_kiosk(tmp_path, cfg, sock)
    try:
        sock.wait_for("READY=1", 30)
        assert "desk could not start" not in proc.output()
        assert sock.pings(sock.drain(1.5)) >= 2  # the preview is still getting frames
        helpers.wait_for(lambda: "camera call hanging" in proc.output() or not proc.alive(), 30,
                         what="the station noticing the camera hang")
        assert "withholding the watchdog ping: camera call hanging" in proc.output()
        sock.drain(0.6)  # a ping sent just before the check may still be in flight
        stalled = sock.drain(3)
        assert sock.pings(stalled) == 0, stalled
        assert proc.alive()  # systemd, not the station, ends it: WatchdogSec= runs out and it restarts
    finally:
        proc.stop()
        sock.close()


def test_stuck_mqtt_callback_stops_the_pings_until_it_returns(tmp_path, broker, kiosk_config):
    cfg = kiosk_config("kiosk-a", extra="[camera]\nkind = \"folder\"\n[watchdog]\nstall_s = 2\n")
    sock = FakeNotifySocket(tmp_path / "notify.sock")
    proc = run_kiosk(tmp_path, cfg, sock)
    hub = None
    try:
        sock.wait_for("STATUS=online, outbox 0", 30)  # no camera folder: no desk, the uplink runs on
        assert sock.pings(sock.drain(1.5)) >= 2
        # Another writer holds the outbox: the hub's ack, applied in paho's thread, waits on the lock.
        outbox = sqlite3.connect(cfg.parent / "data" / "outbox.db", timeout=1, isolation_level=None)
        outbox.execute("BEGIN IMMEDIATE")
        try:
            hub = helpers.MqttPeer(broker, "hub", helpers.HUB_PASSWORD, "hub-test")
            hub.publish(wire.Topics().acks("kiosk-a"), wire.encode_ack("a" * 32, "photo", "stored"))
            helpers.wait_for(lambda: "uplink stalled" in proc.output(), 15, what="the stall to be noticed")
            sock.drain(0.6)
            stalled = sock.drain(3)
            assert sock.pings(stalled) == 0, stalled
        finally:
            outbox.execute("ROLLBACK")
            outbox.close()
        assert sock.pings(sock.drain(3)) >= 2  # the callback returned: pings again, no restart needed
        assert proc.alive()
    finally:
        if hub:
            hub.close()
        proc.stop()
        sock.close()
