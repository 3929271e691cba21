"""Remote config: hub → retained `kiosks/{kiosk}/config` → kiosk. Settings plus the current gate model.

The payload carries the model's version, sha256 and bytes (base64), so a kiosk needs nothing but
its broker connection to update; it checks the hash before it switches. Retained, so a kiosk that
was off picks the latest config up the moment it connects.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from central import db as hubdb
from edge import wire

# What a kiosk accepts from the hub (edge/remote_config.py checks the same): any outbox.* and
# telemetry.* key, gate.thresholds.<reason> and desk.categories; the rest is set on the Pi.
REMOTE_SECTIONS = ("outbox", "telemetry", "gate", "desk")
REMOTE_ONLY = {"gate": "thresholds", "desk": "categories"}


class RemoteConfigError(ValueError):
    pass


def parse_settings(pairs: list[str]) -> dict:
    """`section.key=value` (value as JSON, else a string) → {"section": {"key": value}}."""
    out: dict = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        section, dot, name = key.partition(".")
        if not sep or not dot or section not in REMOTE_SECTIONS:
            raise RemoteConfigError(f"{pair!r}: expected section.key=value with section one of {REMOTE_SECTIONS}")
        name, _, sub = name.partition(".")  # gate.thresholds.blurry=0.6
        if section in REMOTE_ONLY and name != REMOTE_ONLY[section]:
            raise RemoteConfigError(f"{pair!r}: in {section} only {section}.{REMOTE_ONLY[section]} may be pushed")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if sub:
            out.setdefault(section, {}).setdefault(name, {})[sub] = value
        else:
            out.setdefault(section, {})[name] = value
    return out


def with_categories(settings: dict, taxonomy) -> dict:
    """The hub's category codes as the kiosk's desk list, unless the push names its own."""
    if "categories" in settings.get("desk", {}):
        return settings
    return {**settings, "desk": {**settings.get("desk", {}), "categories": list(taxonomy.labels)}}


def build_payload(settings: dict, version: str | None = None, model: Path | None = None,
                  model_version: str | None = None) -> dict:
    doc: dict = {"settings": settings, "issued_at": wire.utcnow()}
    if model is not None:
        data = Path(model).read_bytes()
        doc["model"] = {"version": model_version or Path(model).stem, "sha256": wire.sha256_hex(data),
                        "size": len(data), "data_b64": base64.b64encode(data).decode()}
        manifest = Path(model).with_suffix(".json")  # the gate checks the model against it before use
        if manifest.exists():
            doc["model"]["manifest_b64"] = base64.b64encode(manifest.read_bytes()).decode()
    body = json.dumps({"settings": settings, "model": {k: v for k, v in doc.get("model", {}).items()
                                                        if k != "data_b64"}}, sort_keys=True)
    doc["version"] = version or "cfg-" + hashlib.sha256(body.encode()).hexdigest()[:12]
    return doc


def publish(cfg, kiosk: str, payload: bytes, timeout: float = 15) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"hub-config-{wire.new_id()[:8]}",
                    protocol=mqtt.MQTTv5)
    c.username_pw_set(cfg.broker.username, cfg.mqtt_password())
    if cfg.broker.tls:
        c.tls_set(ca_certs=str(cfg.broker.ca_file) if cfg.broker.ca_file else None)
    c.connect(cfg.broker.host, cfg.broker.port, keepalive=cfg.broker.keepalive_s)
    c.loop_start()
    try:
        info = c.publish(wire.Topics(cfg.broker.topic_prefix).config(kiosk), payload, qos=1, retain=True)
        info.wait_for_publish(timeout)
        if not info.is_published():
            raise RemoteConfigError(f"the broker did not take the config for {kiosk} within {timeout}s")
    finally:
        c.disconnect()
        c.loop_stop()


def push_config(cfg, conn: sqlite3.Connection, kiosk: str, doc: dict) -> dict:
    payload = wire.encode_json(doc)
    publish(cfg, kiosk, payload)
    model = doc.get("model") or {}
    with hubdb.write(conn):
        conn.execute("INSERT INTO kiosk_configs (kiosk, version, model_version, model_sha256, payload_sha256,"
                     " pushed_at) VALUES (?, ?, ?, ?, ?, ?)",
                     (kiosk, doc["version"], model.get("version"), model.get("sha256"),
                      wire.sha256_hex(payload), wire.utcnow()))
    return {"kiosk": kiosk, "version": doc["version"], "model_version": model.get("version"),
            "model_sha256": model.get("sha256"), "bytes": len(payload)}
