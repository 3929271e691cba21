"""systemd units: `systemd-analyze verify` on every unit, and the watchdog pings of real processes."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from central import db as hubdb
from central.broker import free_port
from edge import wire
from tests import helpers
from tests.deploy.notify import FakeNotifySocket

UNITS = helpers.ROOT / "systemd"
UNIT_FILES = sorted(p.name for p in UNITS.iterdir() if p.suffix in (".service", ".target"))


def render_units(dest):
    """The units as installed, with /opt/returns-desk pointing at this checkout (verify checks ExecStart)."""
    dest.mkdir()
    for name in UNIT_FILES:
        text = (UNITS / name).read_text().replace("/opt/returns-desk/.venv/bin", str(helpers.BIN))
        (dest / name).write_text(text.replace("/opt/returns-desk", str(helpers.ROOT)))
    return dest


def verify(folder, unit) -> list[str]:
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze missing (Debian package `systemd`; `make system-deps` installs it)"
    r = subprocess.run([tool, "verify", unit], cwd=folder, capture_output=True, text=True, timeout=60)
    # verify also reports on the host's own units it pulls in; only lines about ours count.
    return [line for line in (r.stdout + r.stderr).splitlines()
            if line.startswith("returns-") or str(folder) in line]


@pytest.mark.parametrize("name", UNIT_FILES)
def test_unit_verifies(tmp_path, name):
    folder = render_units(tmp_path / "units")
    complaints = verify(folder, name.replace("@.service", "@1.service"))
    assert not complaints, "\n".join(complaints)


def test_verify_catches_a_broken_unit(tmp_path):
    folder = render_units(tmp_path / "units")
    unit = folder / "returns-hub.service"
    unit.write_text(unit.read_text().replace("WatchdogSec=60", "WatchdogSec=soon\nRestartt=always"))
    complaints = "\n".join(verify(folder, "returns-hub.service"))
    assert "Restartt" in complaints and "soon" in complaints


def test_units_are_supervised_and_hardened():
    for name in UNIT_FILES:
        text = (UNITS / name).read_text()
        if name.endswith(".service"):
            for key in ("Restart=", "NoNewPrivileges=yes", "ProtectSystem=strict", "User="):
                assert key in text, f"{name} lacks {key}"
    for name in ("returns-kiosk.service", "returns-hub.service", "returns-hub-ingest@.service"):
        text = (UNITS / name).read_text()
        assert "Type=notify" in text and "WatchdogSec=" in text and "LoadCredential=mqtt-password:" in text
    kiosk = (UNITS / "returns-kiosk.service").read_text()
    assert "SupplementaryGroups=video gpio input" in kiosk and "ReadWritePaths=/var/lib/returns-desk" in kiosk
    assert "--worker %i" in (UNITS / "returns-hub-ingest@.service").read_text()


def _publish_photo(broker, kiosk="kiosk-a") -> str:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-{kiosk}", protocol=mqtt.MQTTv5)
    c.username_pw_set(kiosk, helpers.kiosk_password(kiosk))
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    jpeg = b"\xff\xd8\xff\xe0" + b"x" * 2000 + b"\xff\xd9"
    header = wire.PhotoHeader(photo_id=wire.new_id(), kiosk=kiosk, return_ref="RMA-WD-1", item=1,
                              sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow(),
                              category="scratch")
    c.publish(wire.Topics().photos(kiosk), wire.encode_photo(header, jpeg), qos=1).wait_for_publish(10)
    c.loop_stop()
    c.disconnect()
    return header.photo_id


def test_ingest_watchdog_pings_only_while_mqtt_loop_runs(tmp_path, broker, hub_config):
    sock = FakeNotifySocket(tmp_path / "notify.sock")
    proc = helpers.hub_ingest(hub_config, 1, **sock.env(watchdog_s=2))
    try:
        sock.wait_for("READY=1", 20)
        helpers.wait_ready(proc, "connected")
        assert sock.pings(sock.drain(3)) >= 2
        # A writer holding the database makes the ingest handler block inside the MQTT loop.
        conn = hubdb.connect(hub_config.parent / "data" / "hub.db")
        conn.execute("BEGIN IMMEDIATE")
        try:
            _publish_photo(broker)
            sock.drain(2.5)  # the loop is now stuck in on_message; pings from before it may trail in
            stalled = sock.drain(4)
            assert sock.pings(stalled) == 0, stalled
            assert "withholding the watchdog ping" in proc.output()
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        assert sock.pings(sock.drain(3)) >= 1  # the loop came round again
        assert proc.alive()
    finally:
        proc.stop()
        sock.close()


def test_kiosk_run_reports_ready_and_pings(tmp_path, broker, kiosk_config):
    cfg = kiosk_config("kiosk-a")
    sock = FakeNotifySocket(tmp_path / "notify.sock")
    env = helpers.kiosk_env("kiosk-a", **sock.env(watchdog_s=1))
    proc = helpers.Proc([str(helpers.BIN / "returns-kiosk"), "run", "--config", str(cfg)], env,
                        cfg.parent / "kiosk-run.log").start()
    try:
        ready = sock.wait_for("READY=1", 20)
        assert any(line.startswith("STATUS=") for line in ready.splitlines())
        sock.wait_for("STATUS=online, outbox 0", 15)
        assert sock.pings(sock.drain(2)) >= 2
        broker.stop()  # the broker going away is not a hang: the station keeps pinging
        after = sock.drain(3)
        assert sock.pings(after) >= 2
        assert any("offline" in m for _, m in after)
        assert proc.stop() == 0
        assert any("STOPPING=1" in m for _, m in sock.drain(0.5))
    finally:
        proc.stop()
        sock.close()


def test_install_script_parses_and_uses_apt_for_the_camera_stack():
    script = UNITS / "install-kiosk.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    assert "python3-picamera2" in text and "python3-evdev" in text and "--system-site-packages" in text
    assert "--no-deps" in text and "numpy==" in text  # pip must never replace apt's numpy


def test_web_reports_ready_once_it_answers_and_pings(tmp_path, hub_config):
    sock = FakeNotifySocket(tmp_path / "notify.sock")
    port = free_port()
    env = helpers.hub_env(RETURNS_HUB_SECRET_KEY="test-secret-" + "x" * 20, **sock.env(watchdog_s=1))
    proc = helpers.Proc([str(helpers.BIN / "returns-hub"), "serve", "--config", str(hub_config),
                         "--port", str(port)], env, hub_config.parent / "serve.log").start()
    try:
        ready = sock.wait_for("READY=1", 30)
        assert f"STATUS=serving on 127.0.0.1:{port}" in ready.splitlines()
        # READY=1 came only once /health answered, so the port answers now
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).status == 200
        assert sock.pings(sock.drain(2)) >= 2
    finally:
        proc.stop()
        sock.close()
