"""The broker pins identity: no anonymous access; a kiosk writes and reads only its own topics."""

import json

import pytest

from edge import wire
from tests import helpers

TOPICS = wire.Topics()


def test_anonymous_and_wrong_password_are_refused(broker):
    anon = helpers.MqttPeer(broker, None, None, "anon")
    assert not anon.accepted
    anon.close()
    wrong = helpers.MqttPeer(broker, "kiosk-a", "not-the-password", "wrong")
    assert not wrong.accepted
    wrong.close()


def test_kiosk_cannot_publish_under_another_kiosks_topic(broker, hub_config, ingest):
    ingest()
    a = helpers.MqttPeer(broker, "kiosk-a", helpers.kiosk_password("kiosk-a"), "a")
    a.publish(TOPICS.events("kiosk-b"), json.dumps({
        "schema": 1, "event_id": wire.new_id(), "type": "session_opened", "kiosk": "kiosk-b",
        "at": wire.utcnow(), "return_ref": "FORGED"}).encode())
    a.publish(TOPICS.events("kiosk-a"), json.dumps({
        "schema": 1, "event_id": wire.new_id(), "type": "session_opened", "kiosk": "kiosk-a",
        "at": wire.utcnow(), "return_ref": "REAL"}).encode())
    conn = helpers.hub_db(hub_config)
    helpers.wait_for(lambda: conn.execute("SELECT count(*) FROM events").fetchone()[0] >= 1, 15)
    refs = [r[0] for r in conn.execute("SELECT return_ref FROM events")]
    assert refs == ["REAL"]
    a.close()


def test_kiosk_cannot_read_another_kiosks_acks(broker):
    a = helpers.MqttPeer(broker, "kiosk-a", helpers.kiosk_password("kiosk-a"), "a")
    a.subscribe(TOPICS.acks("kiosk-b"))
    a.subscribe(TOPICS.acks("+"))
    hub = helpers.MqttPeer(broker, "hub", helpers.HUB_PASSWORD, "hub-test")
    hub.publish(TOPICS.acks("kiosk-b"), wire.encode_ack("x" * 32, "photo", "stored"))
    hub.publish(TOPICS.acks("kiosk-a"), wire.encode_ack("y" * 32, "photo", "stored"))
    topic, body = a.next(10)
    assert topic == TOPICS.acks("kiosk-a")  # its own ack arrives, B's never does
    with pytest.raises(Exception):
        a.next(1)
    a.close()
    hub.close()
