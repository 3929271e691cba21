"""Hub ingest worker: Mosquitto → worker → ingest. A persistent MQTT v5 session with manual PUBACKs.

The broker keeps messages for this session while the worker is down (clean_start=False, session
expiry > 0); a message is PUBACKed only after `Ingestor.handle` has committed, so a worker killed at
any point gets the message again. Several workers split photos and events on a shared subscription.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central import disk, sdnotify
from central.ingest import Ingestor
from edge import wire

log = logging.getLogger(__name__)


class IngestWorker:
    def __init__(self, cfg, worker: int = 1, ingestor: Ingestor | None = None):
        self.cfg = cfg
        self.worker = worker
        self.topics = wire.Topics(cfg.broker.topic_prefix)
        self.ingestor = ingestor or Ingestor(cfg)
        self.ready = threading.Event()
        self.processed = 0
        self.loop_at = time.monotonic()  # last time the MQTT loop came round; the watchdog reads it
        self._stop = threading.Event()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"hub-ingest-{worker}", protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self._client.username_pw_set(cfg.broker.username, cfg.mqtt_password())
        if cfg.broker.tls:
            self._client.tls_set(ca_certs=str(cfg.broker.ca_file) if cfg.broker.ca_file else None,
                                 tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the hub (user %s): %s", self.cfg.broker.username, reason_code)
            return
        group = self.cfg.ingest.share_group
        # Retained state/telemetry are not delivered on shared subscriptions, so every worker reads them.
        client.subscribe([
            (self.topics.shared("photos", group), 1),
            (self.topics.shared("events", group), 1),
            (self.topics.state("+"), 1),
            (self.topics.telemetry("+"), 0),
        ])
        log.info("ingest worker %s connected (session present: %s)", self.worker, flags.session_present)
        self.ready.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.ready.clear()
        if not self._stop.is_set():
            log.warning("ingest worker %s disconnected: %s", self.worker, reason_code)

    def _on_message(self, client, userdata, msg) -> None:
        try:
            outcome = self.ingestor.handle(msg.topic, msg.payload)
        except Exception:
            # Not committed, so no PUBACK: drop the connection and the broker delivers it again.
            log.exception("ingest failed for a message on %s; reconnecting for redelivery", msg.topic)
            client.disconnect()
            return
        if msg.qos > 0:
            client.ack(msg.mid, msg.qos)
        self.processed += 1
        if outcome is not None and outcome.msg_id:
            _, kiosk = self.topics.parse(msg.topic)
            client.publish(self.topics.acks(kiosk),
                           wire.encode_ack(outcome.msg_id, outcome.kind, outcome.status, outcome.reason), qos=1)

    def run(self) -> None:
        """Blocking: connect (retrying), serve until stop(); reconnect with backoff on any drop."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.cfg.ingest.session_expiry_s
        delay = 1.0
        while not self._stop.is_set():
            try:
                self._client.connect(self.cfg.broker.host, self.cfg.broker.port,
                                     keepalive=self.cfg.broker.keepalive_s, clean_start=False,
                                     properties=props)
            except OSError as e:
                log.warning("broker %s:%s unreachable (%s); retrying in %.0fs",
                            self.cfg.broker.host, self.cfg.broker.port, e, delay)
                self._pause(delay)
                delay = min(delay * 2, 30)
                continue
            delay = 1.0
            self._serve()
            if not self._stop.is_set():
                self._pause(delay)

    def _pause(self, seconds: float) -> None:
        """Back off before reconnecting; waiting for the broker is not a hang."""
        end = time.monotonic() + seconds
        while not self._stop.is_set() and time.monotonic() < end:
            self.loop_at = time.monotonic()
            self._stop.wait(min(1.0, end - time.monotonic()))

    def _serve(self) -> None:
        """paho's loop, one pass at a time, so the watchdog can see it come round."""
        while not self._stop.is_set():
            self.loop_at = time.monotonic()
            if self._client.loop(timeout=1.0) != mqtt.MQTT_ERR_SUCCESS:
                return  # connection lost: run() reconnects (same persistent session)
        self._client.loop(timeout=0.2)  # flush the DISCONNECT

    def watch(self) -> threading.Thread:
        """Tell systemd READY=1, then WATCHDOG=1 only while the MQTT loop keeps coming round.

        A message handler stuck on a locked database or a hung socket call stops the pings, and
        systemd (WatchdogSec=) restarts the worker; the broker redelivers what was not PUBACKed.
        """
        interval = sdnotify.watchdog_interval_s(default=5.0)
        disk_state = {"warning": disk.check(self.cfg), "at": time.monotonic()}

        def healthy() -> bool:
            stalled = time.monotonic() - self.loop_at
            if stalled >= interval:
                log.warning("ingest loop stalled for %.0fs; withholding the watchdog ping", stalled)
            return stalled < interval

        def status() -> str:
            if time.monotonic() - disk_state["at"] > 60:
                disk_state.update(warning=disk.check(self.cfg), at=time.monotonic())
            state = "connected" if self.ready.is_set() else "connecting"
            warning = f"; {disk_state['warning']}" if disk_state["warning"] else ""
            return f"{state}, {self.processed} messages{warning}"

        return sdnotify.supervise(healthy, status, self._stop, interval)

    def stop(self) -> None:
        self._stop.set()
        self._client.disconnect()
