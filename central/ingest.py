"""Hub ingest: MQTT broker → ingest → store. Checks every payload, stores, commits, then PUBACKs and acks.

Order (DESIGN.md): photo file (temp, fsync, rename) → its folder fsynced → row inserted keyed on photo_id
→ commit → PUBACK to the broker → ack to the kiosk. Messages that arrive together go through in two
steps so they share one commit: `prepare` checks one payload and makes its file durable (many at once,
on a thread pool), `commit` syncs their folders once and writes all their rows in ONE transaction.
A repeat photo_id is a no-op that is acked again; a bad payload is recorded as a reject with its reason
and acked `rejected`; nothing here raises into paho.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import simplejpeg
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


@dataclass
class Pending:
    """One checked message waiting for its batch's commit; a photo's file is already durable (bar its folder)."""
    topic: str
    payload: bytes = field(repr=False)
    kiosk: str | None = None
    ack_kind: str | None = None  # photo | event; None: nothing to ack (a bad topic)
    msg_id: str | None = None
    header: wire.PhotoHeader | None = None
    dims: tuple[int, int] = (0, 0)
    file: Path | None = None
    seen: bool = False  # the photo's row was already there when it was checked
    event: dict | None = None
    reject: tuple[str, str] | None = None  # reason, detail


def check_jpeg(jpeg: bytes, max_pixels: int) -> tuple[int, int]:
    """Dimensions from the header, refused above max_pixels before any decoding; then the whole stream decoded.

    The decode is libjpeg-turbo's (simplejpeg) in strict mode: every entropy-coded segment of every scan is
    Huffman-decoded, and what libjpeg only warns about (corrupt data, bad Huffman codes, a segment cut short,
    stray bytes before a marker, a premature end) is a reject. Output is scaled to 1/8 and grey, which shrinks
    the inverse DCT to the DC term and skips colour conversion; it skips no part of the stream.
    """
    try:
        im = Image.open(io.BytesIO(jpeg))  # reads the markers only: names the format, gives the size
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
        simplejpeg.decode_jpeg(jpeg, colorspace="GRAY", min_width=max(1, w // 8), min_height=max(1, h // 8),
                               strict=True)
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
        kind = topic.rsplit("/", 1)[-1]
        if kind in ("state", "telemetry"):
            try:
                _, kiosk = self.topics.parse(topic)
            except wire.WireError:
                pass
            else:
                self._kiosk_status(kind, kiosk, payload)
                return None
        return self.commit([self.prepare(topic, payload)])[0]

    # --- step 1: check one payload and make its file durable (any thread; reads only) -------------

    def prepare(self, topic: str, payload: bytes) -> Pending:
        """Check a photo or event; raises only for what is not the payload's fault (a disk error)."""
        try:
            kind, kiosk = self.topics.parse(topic)
            if kind not in ("photos", "events"):
                raise wire.WireError("bad_topic", topic)
        except wire.WireError as e:
            return Pending(topic, payload, reject=(e.reason, e.detail))
        p = Pending(topic, payload, kiosk, "photo" if kind == "photos" else "event",
                    wire.peek_photo_id(payload) if kind == "photos" else _peek_event_id(payload))
        try:
            if not self.known_kiosk(kiosk):
                raise Rejected("unknown_kiosk", f"kiosk {kiosk!r} is not registered")
            if is_revoked(self.conn, kiosk):
                raise Rejected("kiosk_revoked", f"kiosk {kiosk!r} was removed (`returns-hub kiosk remove`)")
            if kind == "photos":
                self._photo(p, payload)
            else:
                self._event(p, payload)
            return p
        except (Rejected, wire.WireError) as e:
            p.reject = (e.reason, e.detail)
            return p

    def _photo(self, p: Pending, payload: bytes) -> None:
        limit = self.cfg.ingest.max_photo_bytes
        if len(payload) > limit + wire.MAX_HEADER_BYTES:
            raise Rejected("oversize", f"{len(payload)} bytes, limit {limit}")
        header, jpeg = wire.decode_photo(payload)
        p.header, p.msg_id = header, header.photo_id
        if header.kiosk != p.kiosk:
            raise Rejected("kiosk_mismatch", f"header says {header.kiosk!r}, topic says {p.kiosk!r}")
        if len(jpeg) > limit:
            raise Rejected("oversize", f"{len(jpeg)} bytes, limit {limit}")
        prior = self.conn.execute("SELECT sha256 FROM photos WHERE photo_id = ?", (header.photo_id,)).fetchone()
        if prior is not None:
            if prior[0] != header.sha256:
                raise Rejected("photo_id_conflict", "this photo_id is stored with different bytes")
            p.seen = True
            return
        p.dims = check_jpeg(jpeg, self.cfg.ingest.max_pixels)
        p.file = self.store.write(header.sha256, jpeg)

    def _event(self, p: Pending, payload: bytes) -> None:
        ev = wire.decode_event(payload)
        p.msg_id = ev["event_id"]
        if ev["kiosk"] != p.kiosk:
            raise Rejected("kiosk_mismatch", f"event says {ev['kiosk']!r}, topic says {p.kiosk!r}")
        p.event = ev

    # --- step 2: one transaction for the lot (the committing thread) -----------------------------

    def commit(self, batch: list[Pending]) -> list[Outcome | None]:
        """Sync the batch's photo folders once, write every row in one transaction, commit.

        Returns, in order, what to ack for each message. Nothing is acked before this returns.
        """
        files = [p.file for p in batch if p.file is not None]
        self.store.sync_folders(files)
        if files:  # the fault tests stop a worker between a photo's writes
            failpoint("after_file_write")
        outcomes = self._write(batch)
        if files:
            failpoint("after_commit")
        for p, o in zip(batch, outcomes):
            if p.reject is not None:
                log.warning("rejected payload on %s (%s): %s %s", p.topic, p.msg_id, *p.reject)
            elif p.header is not None and not o.duplicate:
                log.debug("stored photo %s from %s (%d bytes)", p.msg_id, p.kiosk, p.header.size)
        return outcomes

    def _write(self, batch: list[Pending]) -> list[Outcome | None]:
        """One transaction for the batch. If a message in it cannot be stored (a shape the checks let
        through), each is written on its own and that one is rejected: one bad payload must not send the
        others back for redelivery again and again. A database that cannot write (locked, full, I/O) is
        not a payload's fault: that is raised, and the broker redelivers."""
        try:
            with hubdb.write(self.conn):
                return [self._apply(p) for p in batch]
        except sqlite3.OperationalError:
            raise
        except Exception as e:
            if len(batch) > 1:
                return [o for p in batch for o in self._write([p])]
            p = batch[0]
            log.exception("could not store %s from %s", p.msg_id, p.kiosk)
            p.reject = ("unstorable", f"could not be stored: {type(e).__name__}: {e}"[:300])
            with hubdb.write(self.conn):
                return [self._apply(p)]

    def _apply(self, p: Pending) -> Outcome | None:
        if p.reject is not None:
            self._record_reject(p)
            return Outcome(p.ack_kind, p.msg_id, wire.STATUS_REJECTED, p.reject[0]) if p.ack_kind else None
        if p.event is not None:
            return self._store_event(p.kiosk, p.event)
        h = p.header
        duplicate = p.seen
        if not duplicate:
            w, ht = p.dims
            cur = self.conn.execute(
                """INSERT OR IGNORE INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width,
                   height, captured_at, received_at, category, verdict, override, reasons, scores,
                   model_version, label_check, header)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (h.photo_id, p.kiosk, h.return_ref, h.item, h.sha256, h.size, w, ht,
                 h.captured_at, wire.utcnow(), h.category, h.verdict,
                 int(h.verdict == "override"), json.dumps(h.reasons), json.dumps(h.scores),
                 h.model_version, json.dumps(h.label_check) if h.label_check else None,
                 json.dumps(h.to_dict())),
            )
            duplicate = cur.rowcount == 0  # another worker, or this batch, stored it since the check
            if duplicate:
                stored = self.conn.execute("SELECT sha256 FROM photos WHERE photo_id = ?", (h.photo_id,)).fetchone()
                if stored[0] != h.sha256:
                    p.reject = ("photo_id_conflict", "this photo_id is stored with different bytes")
                    return self._apply(p)
            else:
                self._after_store(h, False)
        if duplicate:
            self._count("duplicates_absorbed")
        return Outcome("photo", h.photo_id, wire.STATUS_STORED, duplicate=duplicate)

    def _after_store(self, header: wire.PhotoHeader, duplicate: bool) -> None:
        """Hook inside the photo's transaction: the link decision commits with the photo."""
        if not duplicate:
            linking.link_photo(self.conn, self.taxonomy, header.photo_id, header.return_ref, header.category,
                               header.label_check)

    def _store_event(self, kiosk: str, ev: dict) -> Outcome:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO events (event_id, kiosk, type, return_ref, at, received_at, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ev["event_id"], kiosk, ev["type"], ev.get("return_ref"), ev["at"], wire.utcnow(), json.dumps(ev)),
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

    def _record_reject(self, p: Pending) -> None:
        reason, detail = p.reject
        self.conn.execute(
            "INSERT INTO ingest_rejects (received_at, topic, kiosk, msg_id, reason, detail, size, "
            "payload_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (wire.utcnow(), p.topic, p.kiosk, p.msg_id, reason, detail[:500], len(p.payload),
             wire.sha256_hex(p.payload)),
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

