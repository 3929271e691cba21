"""Revoking a kiosk (`returns-hub kiosk remove`): provisioning → hub database, broker users, live sessions.

Three cuts, because each alone leaves a gap. The hub database marks the kiosk revoked, so ingest
refuses whatever still reaches it (photos the broker queued for the hub before the removal): ack
`rejected`, reason `kiosk_revoked`. Its broker user goes and Mosquitto reloads; Mosquitto 2.0 then
closes the connections that logged in with that password and refuses new ones. Last, the hub
connects once with the kiosk's client id and a clean start: that discards the kiosk's persistent
session at the broker (a week of queued acks and config) and closes a connection the reload left
open. Not covered: a kiosk logged in with a client certificate keeps being let in until the
certificate is revoked (a CRL in Mosquitto's `crlfile`); the hub refuses its payloads meanwhile.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from central import db as hubdb
from edge import wire

log = logging.getLogger(__name__)


def mark_revoked(conn: sqlite3.Connection, kiosk: str) -> None:
    now = wire.utcnow()
    with hubdb.write(conn):
        conn.execute("INSERT INTO kiosk_credentials (kiosk, created_at, revoked_at) VALUES (?, ?, ?) "
                     "ON CONFLICT(kiosk) DO UPDATE SET revoked_at=excluded.revoked_at", (kiosk, now, now))


def is_revoked(conn: sqlite3.Connection, kiosk: str) -> bool:
    row = conn.execute("SELECT revoked_at FROM kiosk_credentials WHERE kiosk = ?", (kiosk,)).fetchone()
    return bool(row and row[0])


def take_over_session(cfg, kiosk: str, timeout: float = 10) -> str:
    """Connect as the hub with the kiosk's client id (clean start): the broker closes the kiosk's
    connection. Returns what happened, for the operator."""
    password = cfg.mqtt_password()
    if not password:
        return (f"its live connection was left open (no hub broker password in ${cfg.broker.password_env} "
                "or the credentials directory); the hub refuses its payloads")
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=wire.kiosk_client_id(kiosk), protocol=mqtt.MQTTv5)
    c.username_pw_set(cfg.broker.username, password)
    if cfg.broker.tls:
        c.tls_set(ca_certs=str(cfg.broker.ca_file) if cfg.broker.ca_file else None)
    done, result = threading.Event(), {}
    c.on_connect = lambda cl, ud, flags, rc, props: (result.setdefault("rc", rc), done.set())
    try:
        c.connect(cfg.broker.host, cfg.broker.port, keepalive=cfg.broker.keepalive_s, clean_start=True)
    except OSError as e:
        return f"its live connection was left open (broker unreachable: {e}); the hub refuses its payloads"
    c.loop_start()
    try:
        if not done.wait(timeout) or result["rc"].is_failure:
            return f"its live connection was left open (broker said {result.get('rc', 'nothing')})"
        return "its live connection was closed"
    finally:
        c.disconnect()
        c.loop_stop()
