"""Production broker: TLS, no anonymous access, per-kiosk users from `returns-hub kiosk add`, the %u ACL."""

from __future__ import annotations

import tarfile
import time

import pytest

from central.broker import free_port
from edge import wire
from tests import helpers
from tests.deploy import tlsbroker

T = wire.Topics()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    if not helpers.mosquitto_available():
        pytest.fail("mosquitto is not installed (Debian package `mosquitto`)")
    root = tmp_path_factory.mktemp("fleet")
    certs = tlsbroker.make_certs(root / "certs")
    port, cert_port = free_port(), free_port()
    hub = tlsbroker.write_hub(root / "hub", certs, port, cert_port, root / "pi-etc" / "kiosk-c")
    out = helpers.hub_cli(hub, "kiosk", "add", "kiosk-a", "kiosk-b", "kiosk-c")
    assert "credentials bundle" in out.stdout, out.stdout
    broker = tlsbroker.start(hub, port)
    passwords = {k: (hub.parent / "data" / "kiosks" / k / "mqtt-password").read_text()
                 for k in ("kiosk-a", "kiosk-b", "kiosk-c")}
    yield dict(root=root, certs=certs, port=port, cert_port=cert_port, hub=hub, broker=broker,
               passwords=passwords)
    broker.stop()


def connect(fleet, user, password=None, **kw):
    if user == "hub":
        password = helpers.HUB_PASSWORD
    elif user and password is None:
        password = fleet["passwords"][user]
    return tlsbroker.client(user, password, fleet["port"], fleet["certs"]["ca.crt"], **kw)


def test_broker_config_is_rendered_from_the_template(fleet):
    conf = fleet["broker"].conf.read_text()
    assert "allow_anonymous false" in conf and "persistence true" in conf
    assert "use_identity_as_username true" in conf and "${" not in conf
    assert f"max_packet_size {12_000_000 + 1024 * 1024}" in conf  # ingest.max_photo_bytes + header room
    passwd = (fleet["hub"].parent / "broker" / "passwd").read_text()
    assert {ln.split(":")[0] for ln in passwd.splitlines()} == {"hub", "kiosk-a", "kiosk-b", "kiosk-c"}
    assert all(ln.split(":", 1)[1].startswith("$7$101$") for ln in passwd.splitlines())
    assert "pattern write returnsdesk/v1/kiosks/%u/photos" in (fleet["hub"].parent / "broker" / "acl").read_text()


def test_anonymous_wrong_password_and_plaintext_are_refused(fleet):
    for user, pw in ((None, None), ("kiosk-a", "wrong"), ("nobody", "x")):
        c, rc = connect(fleet, user, pw)
        assert rc.is_failure, (user, rc)
    c, rc = connect(fleet, "kiosk-a", tls=False)
    assert isinstance(rc, OSError) or rc.is_failure


def test_client_certificate_cn_is_the_username(fleet):
    certs = fleet["certs"]
    c, rc = tlsbroker.client(None, None, fleet["cert_port"], certs["ca.crt"],
                             cert=(certs["client.crt"], certs["client.key"]))
    assert not rc.is_failure, rc
    hub, _ = connect(fleet, "hub")
    hub.subscribe(T.telemetry("+"), qos=1)
    time.sleep(0.3)
    c.publish(T.telemetry("kiosk-a"), b'{"via":"cert"}', qos=1).wait_for_publish(5)
    c.publish(T.telemetry("kiosk-b"), b'{"via":"forged"}', qos=1).wait_for_publish(5)
    helpers.wait_for(lambda: hub.received, 5, what="telemetry at the hub")
    time.sleep(0.5)
    assert hub.received == [(T.telemetry("kiosk-a"), b'{"via":"cert"}')]
    for cl in (c, hub):
        cl.disconnect()
        cl.loop_stop()


def test_acl_pins_each_kiosk_to_its_own_topics(fleet):
    hub, rc = connect(fleet, "hub")
    assert not rc.is_failure
    a, _ = connect(fleet, "kiosk-a")
    b, _ = connect(fleet, "kiosk-b")
    hub.subscribe(T.events("+"), qos=1)
    a.subscribe([(T.acks("kiosk-a"), 1), (T.acks("kiosk-b"), 1), (T.config("kiosk-b"), 1),
                 (T.events("kiosk-b"), 1)])
    b.subscribe([(T.acks("kiosk-b"), 1), (T.config("kiosk-b"), 1)])
    time.sleep(0.5)
    # A writes under its own id and forges B's; only its own arrives at the hub.
    a.publish(T.events("kiosk-a"), b"own", qos=1).wait_for_publish(5)
    a.publish(T.events("kiosk-b"), b"forged", qos=1).wait_for_publish(5)
    a.publish(T.acks("kiosk-b"), b"forged-ack", qos=1).wait_for_publish(5)
    a.publish(T.config("kiosk-b"), b"forged-config", qos=1).wait_for_publish(5)
    # The hub writes acks and config for both; each kiosk reads only its own.
    for k in ("kiosk-a", "kiosk-b"):
        hub.publish(T.acks(k), f"ack-{k}".encode(), qos=1).wait_for_publish(5)
    hub.publish(T.config("kiosk-b"), b"config-b", qos=1).wait_for_publish(5)
    helpers.wait_for(lambda: len(b.received) >= 2 and a.received and hub.received, 10, what="deliveries")
    time.sleep(0.7)
    assert hub.received == [(T.events("kiosk-a"), b"own")]
    assert a.received == [(T.acks("kiosk-a"), b"ack-kiosk-a")]
    assert sorted(b.received) == [(T.acks("kiosk-b"), b"ack-kiosk-b"), (T.config("kiosk-b"), b"config-b")]
    for c in (hub, a, b):
        c.disconnect()
        c.loop_stop()


def test_provisioned_kiosk_round_trip_then_revoked(fleet, sample_photos):
    hub = fleet["hub"]
    bundle = hub.parent / "data" / "kiosks" / "kiosk-c.tar.gz"
    with tarfile.open(bundle) as tar:
        assert sorted(m.name for m in tar.getmembers() if m.isfile()) == [
            "kiosk-c/ca.crt", "kiosk-c/kiosk.toml", "kiosk-c/mqtt-password"]
        tar.extractall(fleet["root"] / "pi-etc", filter="data")
    etc = fleet["root"] / "pi-etc" / "kiosk-c"
    ingest = helpers.hub_ingest(hub, 1)
    try:
        helpers.wait_ready(ingest, "connected")
        env = {k: v for k, v in helpers.kiosk_env("kiosk-c").items() if k != "RETURNS_KIOSK_MQTT_PASSWORD"}
        env["CREDENTIALS_DIRECTORY"] = str(etc)  # as systemd's LoadCredential= provides it
        r = helpers.kiosk_cli(etc / "kiosk.toml", "kiosk-c", "simulate", "--photos", str(sample_photos),
                              "--count", "2", "--per-return", "2", "--wait", "60", env=env, check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        conn = helpers.hub_db(hub)
        assert conn.execute("SELECT count(*) FROM photos WHERE kiosk='kiosk-c'").fetchone()[0] == 4
    finally:
        ingest.stop()
    c, rc = connect(fleet, "kiosk-c")
    assert not rc.is_failure
    c.disconnect()
    c.loop_stop()
    out = helpers.hub_cli(hub, "kiosk", "remove", "kiosk-c")
    assert "kiosk-c: revoked" in out.stdout
    time.sleep(0.5)  # Mosquitto reloads on SIGHUP
    c, rc = connect(fleet, "kiosk-c")
    assert rc.is_failure, "a revoked kiosk must be refused"
    listing = helpers.hub_cli(hub, "kiosk", "list").stdout
    assert "kiosk-c" in listing and "revoked" in listing and "issued" in listing
    assert not (hub.parent / "data" / "kiosks" / "kiosk-c.tar.gz").exists()
