"""Hub ingest: MQTT broker → ingest → store. Checks every payload, stores, commits, then PUBACKs and acks.

Order (DESIGN.md): photo file (durable) → row inserted keyed on photo_id in one transaction → commit →
PUBACK to the broker → ack to the kiosk. A repeat photo_id is a no-op that is acked again; a bad
payload is recorded as a reject with its reason and acked `rejected`; nothing here raises into paho.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from dataclasses import dataclass

from PIL import Image

from central import db as hubdb
from central import fleet, linking
from central.failpoint import failpoint
from central.revoke import is_revoked
from central.store import PhotoStore
from central.taxonomy import Taxonomy
from edge import wire

log = logging.getLogger(__name__)

# We check the pixel count ourselves before decoding; Pillow's own guard would only warn first.
Image.MAX_IMAGE_PIXELS = None


class Rejected(Exception):
    def __init__(self, reason: str, detail: str = "", msg_id: str | None = None):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.msg_id = reason, detail, msg_id


@dataclass
class Outcome:
    kind: str  # photo | event
    msg_id: str | None
    status: str  # stored | rejected
    reason: str = ""
    duplicate: bool = False


def check_jpeg(jpeg: bytes, max_pixels: int) -> tuple[int, int]:
    """Dimensions from the header, refused above max_pixels before any decoding; then a full decode."""
    try:
        im = Image.open(io.BytesIO(jpeg))
    except Exception as e:
        raise Rejected("not_an_image", str(e)) from None
    if im.format != "JPEG":
        raise Rejected("not_jpeg", f"format is {im.format}")
    w, h = im.size
    if w * h > max_pixels:
        raise Rejected("too_many_pixels", f"{w}x{h} is over {max_pixels} pixels")
    if not jpeg.rstrip(b"\0").endswith(b"\xff\xd9"):
        raise Rejected("truncated_jpeg", "no end-of-image marker")
    try:
        # Scaled decode: every entropy-coded segment is still read, so truncation and corruption show,
        # at a fraction of the cost of a full-resolution decode.
        im.draft("RGB", (max(1, w // 8), max(1, h // 8)))
        im.load()
    except Exception as e:
        raise Rejected("corrupt_jpeg", str(e)) from None
    return w, h


class Ingestor:
    """The checks and writes, without MQTT: one per worker thread (it holds a connection)."""

    def __init__(self, cfg, conn: sqlite3.Connection | None = None):
        self.cfg = cfg
        self.topics = wire.Topics(cfg.broker.topic_prefix)
        self.conn = conn or hubdb.connect(cfg.db_path)
        self.store = PhotoStore(cfg.photo_dir)
        self.taxonomy = Taxonomy(cfg.claims.categories)

    def known_kiosk(self, kiosk: str) -> bool:
        return self.conn.execute("SELECT 1 FROM kiosks WHERE id = ?", (kiosk,)).fetchone() is not None

    def handle(self, topic: str, payload: bytes) -> Outcome | None:
        """Process one message; returns what to ack (None for state/telemetry, which get no ack)."""
        try:
            kind, kiosk = self.topics.parse(topic)
        except wire.WireError as e:
            self._reject(topic, None, None, e.reason, e.detail, payload)
            return None
        if kind in ("state", "telemetry"):
            self._kiosk_status(kind, kiosk, payload)
            return None
        ack_kind = "photo" if kind == "photos" else "event"
        msg_id = wire.peek_photo_id(payload) if kind == "photos" else _peek_event_id(payload)
        try:
            if not self.known_kiosk(kiosk):
                raise Rejected("unknown_kiosk", f"kiosk {kiosk!r} is not registered")
            if is_revoked(self.conn, kiosk):
                raise Rejected("kiosk_revoked", f"kiosk {kiosk!r} was removed (`returns-hub kiosk remove`)")
            if kind == "photos":
                return self._photo(kiosk, payload)
            return self._event(kiosk, payload)
        except Rejected as r:
            self._reject(topic, kiosk, r.msg_id or msg_id, r.reason, r.detail, payload)
            return Outcome(ack_kind, r.msg_id or msg_id, wire.STATUS_REJECTED, r.reason)
        except wire.WireError as e:
            self._reject(topic, kiosk, msg_id, e.reason, e.detail, payload)
            return Outcome(ack_kind, msg_id, wire.STATUS_REJECTED, e.reason)

    def _photo(self, kiosk: str, payload: bytes) -> Outcome:
        limit = self.cfg.ingest.max_photo_bytes
        if len(payload) > limit + wire.MAX_HEADER_BYTES:
            raise Rejected("oversize", f"{len(payload)} bytes, limit {limit}")
        header, jpeg = wire.decode_photo(payload)
        if header.kiosk != kiosk:
            raise Rejected("kiosk_mismatch", f"header says {header.kiosk!r}, topic says {kiosk!r}",
                           header.photo_id)
        if len(jpeg) > limit:
            raise Rejected("oversize", f"{len(jpeg)} bytes, limit {limit}", header.photo_id)
        prior = self.conn.execute("SELECT sha256 FROM photos WHERE photo_id = ?", (header.photo_id,)).fetchone()
        if prior is not None:
            return self._duplicate_photo(header, prior[0])
        w, h = check_jpeg(jpeg, self.cfg.ingest.max_pixels)
        self.store.put(header.sha256, jpeg)
        failpoint("after_file_write")
        now = wire.utcnow()
        with hubdb.write(self.conn):
            cur = self.conn.execute(
                """INSERT OR IGNORE INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width,
                   height, captured_at, received_at, category, verdict, override, reasons, scores,
                   model_version, label_check, header)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (header.photo_id, kiosk, header.return_ref, header.item, header.sha256, header.size, w, h,
                 header.captured_at, now, header.category, header.verdict,
                 int(header.verdict == "override"), json.dumps(header.reasons), json.dumps(header.scores),
                 header.model_version, json.dumps(header.label_check) if header.label_check else None,
                 json.dumps(header.to_dict())),
            )
            duplicate = cur.rowcount == 0  # another worker stored it between our check and insert
            if duplicate:
                self._count("duplicates_absorbed")
            self._after_store(header, duplicate)
        failpoint("after_commit")
        log.debug("stored photo %s from %s (%d bytes)", header.photo_id, kiosk, header.size)
        return Outcome("photo", header.photo_id, wire.STATUS_STORED, duplicate=duplicate)

    def _after_store(self, header: wire.PhotoHeader, duplicate: bool) -> None:
        """Hook inside the photo's transaction: the link decision commits with the photo."""
        if not duplicate:
            linking.link_photo(self.conn, self.taxonomy, header.photo_id, header.return_ref, header.category,
                               header.label_check)

    def _duplicate_photo(self, header: wire.PhotoHeader, sha: str) -> Outcome:
        if sha != header.sha256:
            raise Rejected("photo_id_conflict", "this photo_id is stored with different bytes", header.photo_id)
        with hubdb.write(self.conn):
            self._count("duplicates_absorbed")
        return Outcome("photo", header.photo_id, wire.STATUS_STORED, duplicate=True)

    def _event(self, kiosk: str, payload: bytes) -> Outcome:
        ev = wire.decode_event(payload)
        if ev["kiosk"] != kiosk:
            raise Rejected("kiosk_mismatch", f"event says {ev['kiosk']!r}, topic says {kiosk!r}", ev["event_id"])
        with hubdb.write(self.conn):
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO events (event_id, kiosk, type, return_ref, at, received_at, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ev["event_id"], kiosk, ev["type"], ev.get("return_ref"), ev["at"], wire.utcnow(),
                 json.dumps(ev)),
            )
            if cur.rowcount == 0:
                self._count("duplicates_absorbed")
            else:
                linking.link_event(self.conn, self.taxonomy, ev)
        return Outcome("event", ev["event_id"], wire.STATUS_STORED, duplicate=cur.rowcount == 0)

    def _kiosk_status(self, kind: str, kiosk: str, payload: bytes) -> None:
        if not self.known_kiosk(kiosk):
            return
        now = wire.utcnow()
        with hubdb.write(self.conn):
            if kind == "state":
                state = payload.decode(errors="replace")[:20]
                self.conn.execute("UPDATE kiosks SET state = ?, state_at = ? WHERE id = ?", (state, now, kiosk))
            else:
                try:
                    data = json.loads(payload)
                except ValueError:
                    return
                self.conn.execute("UPDATE kiosks SET telemetry = ?, telemetry_at = ? WHERE id = ?",
                                  (json.dumps(data), now, kiosk))
                self._on_telemetry(kiosk, data, now)

    def _on_telemetry(self, kiosk: str, data: dict, at: str) -> None:
        """Hook inside the telemetry transaction, for the fleet history."""
        fleet.record_telemetry(self.conn, kiosk, data, at)

    def _count(self, name: str, n: int = 1) -> None:
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value", (name, n))

    def _reject(self, topic, kiosk, msg_id, reason, detail, payload) -> None:
        log.warning("rejected payload on %s (%s): %s %s", topic, msg_id, reason, detail)
        with hubdb.write(self.conn):
            self.conn.execute(
                "INSERT INTO ingest_rejects (received_at, topic, kiosk, msg_id, reason, detail, size, "
                "payload_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (wire.utcnow(), topic, kiosk, msg_id, reason, detail[:500], len(payload),
                 wire.sha256_hex(payload)),
            )


def _peek_event_id(payload: bytes) -> str | None:
    try:
        eid = json.loads(payload).get("event_id")
        return eid if isinstance(eid, str) and eid.isalnum() and len(eid) <= 64 else None
    except Exception:
        return None


def register_kiosk(conn: sqlite3.Connection, kiosk: str) -> bool:
    with hubdb.write(conn):
        cur = conn.execute("INSERT OR IGNORE INTO kiosks (id, added_at) VALUES (?, ?)", (kiosk, wire.utcnow()))
    return cur.rowcount == 1

