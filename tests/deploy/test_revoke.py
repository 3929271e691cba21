"""`returns-hub kiosk remove` cuts a connected kiosk off: its connection is closed, it cannot come back,
and what it sent before but the hub had not yet taken (queued at the broker) is refused by the hub."""

from __future__ import annotations

import queue
import time

import cv2
import numpy as np
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from central.broker import free_port
from edge import wire
from tests import helpers
from tests.deploy import tlsbroker

T = wire.Topics()


class Kiosk:
    """A paho client logged in as the kiosk, recording every CONNACK and disconnect (it reconnects itself)."""

    def __init__(self, port, ca, password, client_id):
        self.events: "queue.Queue" = queue.Queue()
        self.acks: "queue.Queue" = queue.Queue()
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.c.username_pw_set("kiosk-r", password)
        self.c.tls_set(ca_certs=str(ca))
        self.c.reconnect_delay_set(1, 1)
        self.c.on_connect = lambda cl, ud, flags, rc, props: self.events.put(("connect", rc))
        self.c.on_disconnect = lambda cl, ud, flags, rc, props: self.events.put(("disconnect", rc))
        self.c.on_message = lambda cl, ud, msg: self.acks.put(wire.decode_ack(msg.payload))
        self.c.connect("localhost", port, keepalive=10)
        self.c.loop_start()
        kind, rc = self.events.get(timeout=10)
        assert kind == "connect" and not rc.is_failure, rc
        self.c.subscribe(T.acks("kiosk-r"), qos=1)
        time.sleep(0.3)

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def photo_payload() -> bytes:
    ok, jpeg = cv2.imencode(".jpg", np.full((480, 640, 3), 128, np.uint8))
    jpeg = jpeg.tobytes()
    header = wire.PhotoHeader(photo_id=wire.new_id(), kiosk="kiosk-r", return_ref="RMA-REVOKED-1", item=1,
                              sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow(),
                              category="scratch")
    return wire.encode_photo(header, jpeg)


@pytest.fixture
def fleet(tmp_path):
    if not helpers.mosquitto_available():
        pytest.fail("mosquitto is not installed (Debian package `mosquitto`)")
    certs = tlsbroker.make_certs(tmp_path / "certs")
    port = free_port()
    hub = tlsbroker.write_hub(tmp_path / "hub", certs, port, free_port(), tmp_path / "pi-etc" / "kiosk-r")
    helpers.hub_cli(hub, "kiosk", "add", "kiosk-r")
    broker = tlsbroker.start(hub, port)
    workers = []

    def ingest():
        workers.append(helpers.hub_ingest(hub, 1))
        helpers.wait_ready(workers[-1], "connected")
        return workers[-1]
    yield hub, port, certs["ca.crt"], ingest
    for w in workers:
        w.stop()
    broker.stop()


def password(hub) -> str:
    return (hub.parent / "data" / "kiosks" / "kiosk-r" / "mqtt-password").read_text()


def test_removed_kiosk_is_disconnected_refused_and_its_queued_payloads_rejected(fleet):
    hub, port, ca, ingest = fleet
    worker = ingest()
    kiosk = Kiosk(port, ca, password(hub), wire.kiosk_client_id("kiosk-r"))  # as edge/uplink.py connects
    try:
        kiosk.c.publish(T.photos("kiosk-r"), photo_payload(), qos=1).wait_for_publish(5)
        assert kiosk.acks.get(timeout=15)["status"] == wire.STATUS_STORED
        worker.stop()  # the hub's session keeps what arrives meanwhile
        kiosk.c.publish(T.photos("kiosk-r"), photo_payload(), qos=1).wait_for_publish(5)

        out = helpers.hub_cli(hub, "kiosk", "remove", "kiosk-r").stdout
        assert "kiosk-r: revoked; broker user removed" in out, out
        kind, _ = kiosk.events.get(timeout=10)
        assert kind == "disconnect"  # the broker closed the kiosk's connection...
        kind, rc = kiosk.events.get(timeout=10)
        assert kind == "connect" and rc.is_failure, rc  # ...and refuses it when it comes back
    finally:
        kiosk.close()

    ingest()  # the photo queued before the removal reaches the hub now, and is refused
    conn = helpers.hub_db(hub)
    helpers.wait_for(lambda: conn.execute("SELECT count(*) FROM ingest_rejects WHERE reason='kiosk_revoked'")
                     .fetchone()[0] == 1, 15, what="the queued photo refused")
    assert conn.execute("SELECT count(*) FROM photos WHERE kiosk='kiosk-r'").fetchone()[0] == 1

    # Added again (a replacement Pi): a new password, and the hub takes its photos again.
    helpers.hub_cli(hub, "kiosk", "add", "kiosk-r")
    fresh = Kiosk(port, ca, password(hub), wire.kiosk_client_id("kiosk-r"))
    try:
        fresh.c.publish(T.photos("kiosk-r"), photo_payload(), qos=1).wait_for_publish(5)
        assert fresh.acks.get(timeout=15)["status"] == wire.STATUS_STORED
    finally:
        fresh.close()
