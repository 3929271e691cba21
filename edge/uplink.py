"""Kiosk uplink: outbox → MQTT broker → hub, and the hub's acks back into the outbox.

A broker PUBACK is not an ack: a row leaves the outbox only when the hub's ack for its id arrives on
`hub/acks/{kiosk}`. Unacked rows are re-sent after a timeout with backoff, and all at once after a
reconnect; the hub absorbs the repeats.

The network thread only queues the hub's acks; the sender thread applies all that have arrived in one
outbox transaction, and only then PUBACKs them (manual acks), so an ack the broker has forgotten is
always one the outbox has applied.
"""

from __future__ import annotations

import collections
import logging
import ssl
import threading
import time
from typing import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge import wire
from edge.outbox import Outbox

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600  # acks sent while the kiosk is off wait at the broker for a week


class Uplink:
    def __init__(
        self,
        cfg,
        outbox: Outbox,
        *,
        on_config: Callable[[bytes], None] | None = None,
        on_ack: Callable[[dict], None] | None = None,
    ):
        self.cfg = cfg
        self.outbox = outbox
        self.topics = wire.Topics(cfg.broker.topic_prefix)
        self.kiosk = cfg.kiosk_id
        self.on_config = on_config
        self.on_ack = on_ack
        self.connected = False
        self.last_error: str | None = None
        self.acks_received = 0
        self._inflight: dict[str, float] = {}  # id -> ack deadline
        self._acks: collections.deque = collections.deque()  # (connection, message, ack) not yet applied
        self._generation = 0  # bumps on every connect: a message of an older connection is not PUBACKed
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tick = time.monotonic()  # the sender's last pass
        self._callback_since: float | None = None  # paho's thread inside one of our callbacks since
        self._client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=wire.kiosk_client_id(self.kiosk), protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        c.username_pw_set(self.cfg.mqtt_username, self.cfg.mqtt_password())
        if self.cfg.broker.tls:
            c.tls_set(ca_certs=str(self.cfg.broker.ca_file) if self.cfg.broker.ca_file else None,
                      tls_version=ssl.PROTOCOL_TLS_CLIENT)
        c.will_set(self.topics.state(self.kiosk), wire.OFFLINE, qos=1, retain=True)
        c.reconnect_delay_set(min_delay=max(1, int(self.cfg.outbox.retry_initial_s)),
                              max_delay=int(self.cfg.outbox.retry_max_s))
        c.max_inflight_messages_set(self.cfg.outbox.max_inflight)
        c.max_queued_messages_set(0)
        c.on_connect = self._timed(self._on_connect)
        c.on_disconnect = self._on_disconnect
        c.on_message = self._timed(self._on_message)
        return c

    def _timed(self, callback):
        def run(*args):
            self._callback_since = time.monotonic()
            try:
                return callback(*args)
            finally:
                self._callback_since = None
        return run

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(
            self.cfg.broker.host, self.cfg.broker.port, keepalive=self.cfg.broker.keepalive_s,
            clean_start=False, properties=props,
        )
        self._client.loop_start()
        self._thread = threading.Thread(target=self._send_loop, name="uplink-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Clean shutdown: say `offline` (retained) so the fleet page shows it at once."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self._apply_acks()
        if self.connected:
            info = self._client.publish(self.topics.state(self.kiosk), wire.OFFLINE, qos=1, retain=True)
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                pass
            self._client.disconnect()
        self._client.loop_stop()
        self.outbox.close()

    def alive(self) -> bool:
        """The sender thread and paho's network thread both still run."""
        net = getattr(self._client, "_thread", None)
        return bool(self._thread and self._thread.is_alive() and net is not None and net.is_alive())

    def stalled_for(self) -> float:
        """How long the uplink has made no progress: the sender's gap since its last pass, or paho's
        network thread stuck in a callback (an ack waiting on a locked outbox, say)."""
        now = time.monotonic()
        since = self._callback_since
        return max(now - self._tick, now - since if since is not None else 0.0)

    def wake(self) -> None:
        self._wake.set()

    # --- the tiny interface other parts use ----------------------------------------------------

    def publish(self, topic: str, payload: bytes | str, qos: int = 0, retain: bool = False) -> bool:
        if not self.connected:
            return False
        return self._client.publish(topic, payload, qos=qos, retain=retain).rc == mqtt.MQTT_ERR_SUCCESS

    def publish_telemetry(self, data: dict) -> bool:
        return self.publish(self.topics.telemetry(self.kiosk), wire.encode_json(data), qos=0, retain=True)

    # --- MQTT callbacks (paho's network thread) ------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.last_error = f"broker refused the connection: {reason_code}"
            log.error("%s (user %s)", self.last_error, self.cfg.mqtt_username)
            return
        self.connected = True
        self.last_error = None
        self._generation += 1
        wire.no_delay(client)
        client.subscribe(self.topics.acks(self.kiosk), qos=1)
        client.subscribe(self.topics.config(self.kiosk), qos=1)
        client.publish(self.topics.state(self.kiosk), wire.ONLINE, qos=1, retain=True)
        with self._lock:
            self._inflight.clear()
        self.outbox.reschedule_all()
        log.info("connected to %s:%s", self.cfg.broker.host, self.cfg.broker.port)
        self._wake.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        if self.connected:
            log.warning("disconnected from broker: %s", reason_code)
        self.connected = False
        with self._lock:
            self._inflight.clear()

    def _on_message(self, client, userdata, msg) -> None:
        if msg.topic == self.topics.config(self.kiosk):
            if self.on_config:
                self.on_config(msg.payload)
            client.ack(msg.mid, msg.qos)
            return
        try:
            ack = wire.decode_ack(msg.payload)
        except wire.WireError as e:
            log.warning("ignoring malformed ack: %s", e)
            client.ack(msg.mid, msg.qos)
            return
        self._acks.append((self._generation, msg, ack))
        self._wake.set()

    def _apply_acks(self) -> None:
        """Every ack queued so far: one outbox transaction, then their PUBACKs, then the callbacks."""
        batch = []
        while self._acks:
            batch.append(self._acks.popleft())
        if not batch:
            return
        self.outbox.ack_many([(a["id"], a["status"], a.get("reason", "")) for _, _, a in batch])
        for generation, msg, ack in batch:
            if generation == self._generation:
                self._client.ack(msg.mid, msg.qos)
            self.acks_received += 1
            with self._lock:
                self._inflight.pop(ack["id"], None)
            if self.on_ack:
                self.on_ack(ack)

    # --- sender --------------------------------------------------------------------------------

    def _retry_delay(self, attempts: int) -> float:
        o = self.cfg.outbox
        return min(o.ack_timeout_s * (2 ** min(attempts, 8)), max(o.retry_max_s, o.ack_timeout_s))

    def _send_loop(self) -> None:
        while not self._stop.is_set():
            self._tick = time.monotonic()
            self._wake.wait(timeout=0.5)
            self._wake.clear()
            if not self.connected:
                continue
            try:
                self._apply_acks()
                self._send_due()
            except Exception:  # a broken file or a locked database must not kill the sender
                log.exception("uplink send pass failed")
                time.sleep(1)

    def _send_due(self) -> None:
        now = time.time()
        with self._lock:
            for msg_id, deadline in list(self._inflight.items()):
                if deadline <= now:
                    del self._inflight[msg_id]
            room = self.cfg.outbox.max_inflight - len(self._inflight)
            busy = set(self._inflight)
        if room <= 0:
            return
        sent = []
        for entry in self.outbox.due(now, room, exclude=busy):
            try:
                payload = self.outbox.payload(entry)
            except FileNotFoundError:
                continue  # a row that lost its file (the outbox sweep logged it); nothing to send
            topic = self.topics.photos(self.kiosk) if entry.kind == "photo" else self.topics.events(self.kiosk)
            deadline = now + self._retry_delay(entry.attempts)
            with self._lock:
                self._inflight[entry.id] = deadline
            info = self._client.publish(topic, payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                with self._lock:
                    self._inflight.pop(entry.id, None)
                break
            sent.append((entry.id, deadline))
        self.outbox.mark_sent_many(sent)
