"""Hub ingest worker: Mosquitto → worker → ingest. A persistent MQTT v5 session with manual PUBACKs.

The broker keeps messages for this session while the worker is down (clean_start=False, session
expiry > 0); a message is PUBACKed only after `Ingestor.handle` has committed, so a worker killed at
any point gets the message again. Several workers split photos and events on a shared subscription.

Inside one worker, photos are checked and stored on a small thread pool (JPEG decoding, hashing and
fsync release the GIL), while one acker thread PUBACKs strictly in arrival order, as MQTT requires.
"""

from __future__ import annotations

import collections
import logging
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central.ingest import Ingestor
from edge import wire

log = logging.getLogger(__name__)


class IngestWorker:
    def __init__(self, cfg, worker: int = 1, ingestor_factory=Ingestor):
        self.cfg = cfg
        self.worker = worker
        self.topics = wire.Topics(cfg.broker.topic_prefix)
        self._factory = ingestor_factory
        self._local = threading.local()
        self.ready = threading.Event()
        self.processed = 0
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(cfg.ingest.threads, thread_name_prefix=f"ingest-{worker}")
        self._pending: collections.deque = collections.deque()
        self._cv = threading.Condition()
        self._generation = 0  # bumps on every connect: mids of an older connection are never acked
        self._acker = threading.Thread(target=self._ack_loop, name=f"acker-{worker}", daemon=True)
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
        wire.no_delay(client)
        with self._cv:
            self._generation += 1
            self._pending.clear()  # committed but not PUBACKed: the broker sends them again
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

    def ingestor(self) -> Ingestor:
        """The calling thread's own Ingestor (and so its own database connection)."""
        ing = getattr(self._local, "ingestor", None)
        if ing is None:
            ing = self._local.ingestor = self._factory(self.cfg)
        return ing

    def _on_message(self, client, userdata, msg) -> None:
        kind = msg.topic.rsplit("/", 1)[-1]
        if kind in ("state", "telemetry"):
            # cheap, and must stay in arrival order (online then offline), so handled right here
            self._handle_inline(client, msg)
            return
        fut = self._pool.submit(lambda: self.ingestor().handle(msg.topic, msg.payload))
        with self._cv:
            self._pending.append((self._generation, msg, fut))
            self._cv.notify()

    def _handle_inline(self, client, msg) -> None:
        try:
            self.ingestor().handle(msg.topic, msg.payload)
        except Exception:
            log.exception("could not record %s", msg.topic)
            return
        if msg.qos > 0:
            client.ack(msg.mid, msg.qos)

    def _ack_loop(self) -> None:
        while True:
            with self._cv:
                while not self._pending and not self._stop.is_set():
                    self._cv.wait(0.5)
                if not self._pending:
                    return
                generation, msg, fut = self._pending.popleft()
            try:
                outcome = fut.result()
            except Exception:
                # Not committed, so no PUBACK: drop the connection and the broker delivers it again.
                log.exception("ingest failed for a message on %s; reconnecting for redelivery", msg.topic)
                self._client.disconnect()
                continue
            if generation != self._generation:
                continue
            if msg.qos > 0:
                self._client.ack(msg.mid, msg.qos)
            self.processed += 1
            if outcome is not None and outcome.msg_id:
                _, kiosk = self.topics.parse(msg.topic)
                self._client.publish(self.topics.acks(kiosk), wire.encode_ack(
                    outcome.msg_id, outcome.kind, outcome.status, outcome.reason), qos=1)

    def run(self) -> None:
        """Blocking: connect (retrying), serve until stop(); reconnect with backoff on any drop."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.cfg.ingest.session_expiry_s
        self._acker.start()
        delay = 1.0
        while not self._stop.is_set():
            try:
                self._client.connect(self.cfg.broker.host, self.cfg.broker.port,
                                     keepalive=self.cfg.broker.keepalive_s, clean_start=False,
                                     properties=props)
            except OSError as e:
                log.warning("broker %s:%s unreachable (%s); retrying in %.0fs",
                            self.cfg.broker.host, self.cfg.broker.port, e, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, 30)
                continue
            delay = 1.0
            self._client.loop_forever(retry_first_connection=False)
            if not self._stop.is_set():
                self._stop.wait(delay)

    def stop(self) -> None:
        self._stop.set()
        self._client.disconnect()
        with self._cv:
            self._cv.notify_all()
        self._pool.shutdown(wait=True, cancel_futures=True)
