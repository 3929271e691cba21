"""Remote config and model updates reach a running `returns-kiosk run` and come back in telemetry."""

from __future__ import annotations

import base64
import json
import urllib.request

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from central.broker import free_port
from edge import wire
from edge.quality.model import DEFAULT_MODEL
from tests import helpers


def telemetry(hub_config, kiosk="kiosk-a") -> dict:
    row = helpers.hub_db(hub_config).execute("SELECT telemetry FROM kiosks WHERE id=?", (kiosk,)).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def wait_telemetry(hub_config, pred, what):
    return helpers.wait_for(lambda: (t := telemetry(hub_config)) and pred(t) and t, 30, what=what)


def push(hub_config, *args, check=True):
    r = helpers.hub_cli(hub_config, "kiosk", "push-config", "kiosk-a", *args, check=False)
    assert (r.returncode == 0) == check, r.stdout + r.stderr
    return json.loads(r.stdout) if check else r


def publish_raw(broker, payload: bytes) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-hub-raw", protocol=mqtt.MQTTv5)
    c.username_pw_set("hub", helpers.HUB_PASSWORD)
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    c.publish(wire.Topics().config("kiosk-a"), payload, qos=1, retain=True).wait_for_publish(10)
    c.disconnect()
    c.loop_stop()


def test_config_and_model_update_reach_running_kiosk(tmp_path, broker, hub_config, kiosk_config, ingest):
    ingest()
    cfg = kiosk_config("kiosk-a")
    kiosk = helpers.kiosk_run(cfg, "kiosk-a")
    try:
        wait_telemetry(hub_config, lambda t: "config_version" in t, "first heartbeat")
        model = tmp_path / "gate-v2.onnx"  # the project's model, renamed, with the manifest beside it
        model.write_bytes(DEFAULT_MODEL.read_bytes())
        model.with_suffix(".json").write_text(json.dumps(
            json.loads(DEFAULT_MODEL.with_suffix(".json").read_text()) | {"version": "gate-v2"}))
        sent = push(hub_config, "--set", "telemetry.interval_s=0.5", "--set", "outbox.min_free_mb=2",
                    "--model", str(model), "--model-version", "gate-v2")
        t = wait_telemetry(hub_config, lambda t: t.get("config_version") == sent["version"], "config applied")
        assert t["model_version"] == "gate-v2" and t["model_sha256"] == wire.sha256_hex(model.read_bytes())
        assert t["config_error"] is None
        stored = cfg.parent / "data" / "models" / f"{sent['model_sha256']}.onnx"
        assert stored.read_bytes() == model.read_bytes()

        # A model whose bytes do not match its hash is refused; the old config and model keep running.
        bad = {"version": "cfg-bad-model", "settings": {},
               "model": {"version": "gate-v3", "sha256": "0" * 64, "data_b64": base64.b64encode(b"x").decode()}}
        publish_raw(broker, wire.encode_json(bad))
        t = wait_telemetry(hub_config, lambda t: t.get("config_error"), "hash mismatch reported")
        assert "sha256 mismatch" in t["config_error"]
        assert t["config_version"] == sent["version"] and t["model_version"] == "gate-v2"
        # An invalid setting is refused the same way.
        push(hub_config, "--set", "telemetry.interval_s=-1", "--version", "cfg-bad-setting")
        t = wait_telemetry(hub_config, lambda t: "interval_s" in (t.get("config_error") or ""), "bad setting")
        assert t["config_version"] == sent["version"]
        # Settings outside outbox/telemetry are refused by the hub's CLI before they are sent.
        r = push(hub_config, "--set", "broker.host=evil", check=False)
        assert "expected section.key=value" in r.stdout

        # Disk alarm: a reserve bigger than the disk pauses photos, and says so in telemetry and status.
        low = push(hub_config, "--set", "outbox.min_free_mb=100000000")
        t = wait_telemetry(hub_config, lambda t: t.get("config_version") == low["version"], "disk config")
        assert t["disk_low"] is True and "disk is nearly full" in t["disk_message"]
        fleet = helpers.hub_cli(hub_config, "kiosk", "list").stdout
        assert f"config {low['version']} model gate-v2" in fleet and "DISK LOW" in fleet
    finally:
        assert kiosk.stop() == 0
    # After a restart the kiosk runs the saved version before anything arrives.
    status = json.loads(helpers.kiosk_cli(cfg, "kiosk-a", "status", "--json").stdout)
    assert status["config_version"] == low["version"] and status["model_version"] == "gate-v2"
    assert status["disk_low"] is True
    assert "remote config refused" in kiosk.output() and "sha256 mismatch" in kiosk.output()


def desk_api(port: int, path: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/{path}", method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"X-Desk": "1", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def test_thresholds_and_the_hubs_categories_reach_a_running_desk(tmp_path, broker, hub_config, kiosk_config,
                                                                 ingest, sample_photos):
    ingest()
    port = free_port()
    cfg = kiosk_config("kiosk-a", extra=f"""[camera]
kind = "folder"
folder = "{sample_photos}"
[panel]
pin_factory = "mock"
[screen]
port = {port}
[desk]
label_check = false
""")
    kiosk = helpers.kiosk_run(cfg, "kiosk-a")
    try:
        wait_telemetry(hub_config, lambda t: "config_version" in t, "first heartbeat")
        helpers.wait_for(lambda: "desk screen:" in kiosk.output(), 30, what="the desk screen")
        assert "crack" in desk_api(port, "state")["categories"]  # the kiosk's own default list
        desk_api(port, "scan", {"code": "RMA-LIVE-1"})
        shot = desk_api(port, "capture", {})["photos"][-1]
        assert "blurry" not in shot["reasons"], shot

        # Hub side: settings outside gate.thresholds / desk.categories are refused before sending.
        r = push(hub_config, "--set", "gate.model_path=/tmp/x.onnx", check=False)
        assert "only gate.thresholds may be pushed" in r.stdout
        sent = push(hub_config, "--set", "gate.thresholds.blurry=0.000001")
        t = wait_telemetry(hub_config, lambda t: t.get("config_version") == sent["version"], "config applied")
        assert t["config_error"] is None

        hub_codes = [json.loads(line)["code"] for line in
                     helpers.hub_cli(hub_config, "categories", "--json").stdout.splitlines()]
        view = desk_api(port, "state")
        assert view["categories"] == hub_codes  # `kiosk push-config` sends the hub's taxonomy by default
        assert "crack_break" in view["categories"] and "crack" not in view["categories"]
        shot = desk_api(port, "capture", {})["photos"][-1]
        assert shot["verdict"] == "refused" and "blurry" in shot["reasons"], shot  # the new threshold, live
        assert desk_api(port, "scan", {"code": "CAT-crack_break"})["category"] == "crack_break"  # cards too

        # Kiosk side: a raw config touching more of [gate] than its thresholds is refused as a whole.
        publish_raw(broker, wire.encode_json({"version": "cfg-model-path", "settings": {
            "gate": {"thresholds": {"blurry": 0.5}, "model_path": "/tmp/x.onnx"}}}))
        t = wait_telemetry(hub_config, lambda t: t.get("config_error"), "refusal reported")
        assert "gate: only thresholds may be set remotely" in t["config_error"]
        assert t["config_version"] == sent["version"]
    finally:
        assert kiosk.stop() == 0
    saved = json.loads((cfg.parent / "data" / "remote-config.json").read_text())
    assert saved["settings"]["gate"] == {"thresholds": {"blurry": 0.000001}}
    assert "crack_break" in saved["settings"]["desk"]["categories"]
