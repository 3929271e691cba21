"""Hub ingest worker: Mosquitto → worker → ingest. A persistent MQTT v5 session with manual PUBACKs.

The broker keeps messages for this session while the worker is down (clean_start=False, session
expiry > 0); a message is PUBACKed only after `Ingestor.commit` has committed it, so a worker killed at
any point gets the message again. Several workers split photos and events on a shared subscription.

Inside one worker, photos are checked and their files written on a small thread pool (JPEG decoding,
hashing and fsync release the GIL). One committer thread takes, in arrival order, every message whose
check is done (group commit: what arrived together shares one folder sync and one transaction), commits,
and only then PUBACKs each in arrival order and sends its ack.
"""

from __future__ import annotations

import collections
import logging
import ssl
import threading
import time
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from central import disk, sdnotify
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
        self.loop_at = time.monotonic()  # last time the MQTT loop came round; the watchdog reads it
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(cfg.ingest.threads, thread_name_prefix=f"ingest-{worker}")
        self._pending: collections.deque = collections.deque()
        self._cv = threading.Condition()
        self._waiting_since: float | None = None  # when the oldest message the committer holds arrived
        self._generation = 0  # bumps on every connect: mids of an older connection are never acked
        self._committer = threading.Thread(target=self._commit_loop, name=f"committer-{worker}", daemon=True)
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
        fut = self._pool.submit(lambda: self.ingestor().prepare(msg.topic, msg.payload))
        with self._cv:
            self._pending.append((self._generation, msg, fut, time.monotonic()))
            self._cv.notify()

    def _handle_inline(self, client, msg) -> None:
        try:
            self.ingestor().handle(msg.topic, msg.payload)
        except Exception:
            log.exception("could not record %s", msg.topic)
            return
        if msg.qos > 0:
            client.ack(msg.mid, msg.qos)

    def _next_batch(self) -> list | None:
        """Wait for the oldest message's check, then add every later one already checked (up to batch_max)."""
        with self._cv:
            while not self._pending and not self._stop.is_set():
                self._cv.wait(0.5)
            if not self._pending:
                return None
            batch = [self._pending.popleft()]
            self._waiting_since = batch[0][3]
        futures.wait([batch[0][2]])
        with self._cv:
            while (self._pending and len(batch) < self.cfg.ingest.batch_max and self._pending[0][2].done()
                   and self._pending[0][0] == batch[0][0]):
                batch.append(self._pending.popleft())
        return batch

    def _commit_loop(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                self._commit(batch)
            except Exception:
                # What was not committed was not PUBACKed: drop the connection, the broker delivers it again.
                log.exception("ingest failed in a batch of %d; reconnecting for redelivery", len(batch))
                self._client.disconnect()
            finally:
                self._waiting_since = None

    def _commit(self, batch: list) -> None:
        """Commit the checked messages in one transaction; PUBACK and ack each only after the commit.

        A message whose check failed for a reason not its own (a disk error) ends the batch: the ones
        before it are committed and acked, it and the rest wait for redelivery.
        """
        ready = []
        for generation, msg, fut, _ in batch:
            if fut.cancelled() or fut.exception() is not None:
                if not fut.cancelled():
                    log.error("could not check a message on %s: %r", msg.topic, fut.exception())
                break
            ready.append((generation, msg, fut.result()))
        outcomes = self.ingestor().commit([p for _, _, p in ready]) if ready else []
        for (generation, msg, _), outcome in zip(ready, outcomes):
            if generation != self._generation:
                continue  # committed, but its connection is gone: the redelivery is absorbed and acked
            if msg.qos > 0:
                self._client.ack(msg.mid, msg.qos)
            self.processed += 1
            if outcome is not None and outcome.msg_id:
                _, kiosk = self.topics.parse(msg.topic)
                self._client.publish(self.topics.acks(kiosk), wire.encode_ack(
                    outcome.msg_id, outcome.kind, outcome.status, outcome.reason), qos=1)
        if len(ready) < len(batch):
            raise RuntimeError("a message could not be checked")

    def run(self) -> None:
        """Blocking: connect (retrying), serve until stop(); reconnect with backoff on any drop."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.cfg.ingest.session_expiry_s
        self._committer.start()
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
            now = time.monotonic()
            # the MQTT loop, and the batch the committer holds (a commit stuck on a locked database)
            stalled = max(now - self.loop_at, now - (self._waiting_since or now))
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
        with self._cv:
            self._cv.notify_all()
        self._pool.shutdown(wait=True, cancel_futures=True)
