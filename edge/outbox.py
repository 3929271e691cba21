"""Kiosk outbox: desk → outbox → uplink. Every photo and event is on disk before the worker is told "saved".

Order of writes (DESIGN.md): payload file (temp, fsync, rename, fsync folder), then the row in SQLite
(WAL, synchronous=FULL) in one transaction with its ledger entry. A row leaves only when the hub's ack
for its id arrives; the ledger keeps every id ever queued, so a test or an operator can compare what
was sent with what arrived.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import sqlite_utils
from sqlite_utils.migrations import Migrations

from edge import wire

log = logging.getLogger(__name__)

migrations = Migrations("returnsdesk-kiosk-outbox")


@migrations()
def m001_outbox(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,          -- photo | event
            file TEXT NOT NULL,          -- payload file name under outbox/
            size INTEGER NOT NULL,
            created_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX outbox_due ON outbox(next_attempt_at, created_at)")
    db.execute(
        """CREATE TABLE ledger (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            return_ref TEXT,
            created_at REAL NOT NULL,
            acked_at REAL,
            status TEXT,                 -- NULL until acked: stored | rejected
            reason TEXT
        )"""
    )


class OutboxError(Exception):
    """A photo the station cannot take; the message is for the worker at the desk."""


class DiskFull(OutboxError):
    pass


class PhotoTooLarge(OutboxError):
    pass


@dataclass
class Entry:
    id: str
    kind: str
    file: str
    size: int
    created_at: float
    attempts: int
    next_attempt_at: float


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


SWEEP_MIN_AGE_S = 60


class Outbox:
    def __init__(self, data_dir: Path, *, max_photo_bytes: int = 8_000_000, min_free_mb: int = 200):
        self.data_dir = Path(data_dir)
        self.files = self.data_dir / "outbox"
        self.rejected = self.data_dir / "rejected"
        self.db_path = self.data_dir / "outbox.db"
        self.max_photo_bytes = max_photo_bytes
        self.min_free_bytes = min_free_mb * 1024 * 1024
        self._local = threading.local()
        self.files.mkdir(parents=True, exist_ok=True)
        self.rejected.mkdir(parents=True, exist_ok=True)
        migrations.apply(sqlite_utils.Database(self._conn()))
        self.sweep()

    @classmethod
    def from_config(cls, cfg) -> "Outbox":
        return cls(cfg.data_dir, max_photo_bytes=cfg.outbox.max_photo_bytes, min_free_mb=cfg.outbox.min_free_mb)

    def _conn(self) -> sqlite3.Connection:
        # One connection per thread: the desk adds from its thread, acks arrive on the MQTT thread.
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.db_path)
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- writing -------------------------------------------------------------------------------

    def add_photo(self, header: wire.PhotoHeader, jpeg: bytes) -> str:
        if len(jpeg) > self.max_photo_bytes:
            raise PhotoTooLarge(
                f"photo is {len(jpeg) / 1e6:.1f} MB, the limit is {self.max_photo_bytes / 1e6:.1f} MB "
                "— lower the camera resolution or JPEG quality"
            )
        return self._add(header.photo_id, "photo", wire.encode_photo(header, jpeg), header.return_ref)

    def add_event(self, event: dict) -> str:
        return self._add(event["event_id"], "event", wire.encode_event(event), event.get("return_ref"))

    def check_space(self, incoming: int = 0) -> int:
        free = shutil.disk_usage(self.files).free
        if free - incoming < self.min_free_bytes:
            raise DiskFull(
                f"the station's disk is nearly full ({free // (1024 * 1024)} MB free, "
                f"{self.min_free_bytes // (1024 * 1024)} MB kept in reserve): photos are paused until "
                "the queue drains — check the network"
            )
        return free

    def _add(self, msg_id: str, kind: str, payload: bytes, return_ref: str | None) -> str:
        if kind == "photo":  # the reserve is kept for events, so a worker can still finish a return
            self.check_space(len(payload))
        name = f"{msg_id}.{kind}"
        try:
            wire.durable_write(self.files / name, payload)
        except OSError as e:
            raise DiskFull(f"could not save to the station's disk: {e.strerror}") from e
        now = time.time()
        conn = self._conn()
        try:
            with _transaction(conn):
                conn.execute(
                    "INSERT INTO outbox (id, kind, file, size, created_at) VALUES (?, ?, ?, ?, ?)",
                    (msg_id, kind, name, len(payload), now),
                )
                conn.execute(
                    "INSERT INTO ledger (id, kind, return_ref, created_at) VALUES (?, ?, ?, ?)",
                    (msg_id, kind, return_ref, now),
                )
        except BaseException:
            (self.files / name).unlink(missing_ok=True)
            raise
        return msg_id

    # --- sending -------------------------------------------------------------------------------

    def due(self, now: float, limit: int, exclude: set[str] = frozenset()) -> list[Entry]:
        rows = self._conn().execute(
            "SELECT id, kind, file, size, created_at, attempts, next_attempt_at FROM outbox "
            "WHERE next_attempt_at <= ? ORDER BY created_at LIMIT ?",
            (now, limit + len(exclude)),
        ).fetchall()
        return [e for e in (Entry(*r) for r in rows) if e.id not in exclude][:limit]

    def payload(self, entry: Entry) -> bytes:
        return (self.files / entry.file).read_bytes()

    def mark_sent(self, msg_id: str, next_attempt_at: float) -> None:
        self.mark_sent_many([(msg_id, next_attempt_at)])

    def mark_sent_many(self, sent: list[tuple[str, float]]) -> None:
        """Count a send and set the next try, for many rows in one transaction that is NOT fsynced.

        These are scheduling hints, not the queue: a power cut that loses them only makes a re-send come
        sooner (and a reconnect makes every row due at once anyway); the hub absorbs the repeat. The next
        synchronous commit on this database (an add, an ack) makes them durable with it.
        """
        if not sent:
            return
        conn = self._conn()
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            with _transaction(conn):
                conn.executemany("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?",
                                 [(at, msg_id) for msg_id, at in sent])
        finally:
            conn.execute("PRAGMA synchronous=FULL")

    def reschedule_all(self) -> None:
        """After a reconnect everything unacked is due again at once."""
        self._conn().execute("UPDATE outbox SET next_attempt_at = 0")

    def ack(self, msg_id: str, status: str, reason: str = "") -> bool:
        """Apply the hub's ack. Returns False for an id that is not (or no longer) queued."""
        return self.ack_many([(msg_id, status, reason)])[0]

    def ack_many(self, acks: list[tuple[str, str, str]]) -> list[bool]:
        """Apply many acks (id, status, reason) in ONE synchronous transaction, then remove their files.

        The rows go only once the commit is durable; a file is removed (or, for a reject, kept aside)
        after it. A power cut in between leaves files without rows, which `sweep` removes at start.
        """
        conn = self._conn()
        applied, files, now = [], [], time.time()
        with _transaction(conn):
            for msg_id, status, reason in acks:
                row = conn.execute("SELECT file FROM outbox WHERE id = ?", (msg_id,)).fetchone()
                applied.append(row is not None)
                if row is None:
                    continue
                conn.execute("DELETE FROM outbox WHERE id = ?", (msg_id,))
                conn.execute("UPDATE ledger SET acked_at = ?, status = ?, reason = ? WHERE id = ?",
                             (now, status, reason, msg_id))
                files.append((row[0], msg_id, status, reason))
        kept = False
        for name, msg_id, status, reason in files:
            path = self.files / name
            if status == wire.STATUS_REJECTED:
                # The hub refused it; keep the bytes for the operator rather than lose the photo.
                os.replace(path, self.rejected / name)
                kept = True
                log.warning("hub rejected %s: %s (kept in %s)", msg_id, reason, self.rejected)
            else:
                path.unlink(missing_ok=True)
        if kept:  # the move is durable in both folders before a restart's sweep could look
            wire.fsync_dir(self.rejected)
            wire.fsync_dir(self.files)
        return applied

    # --- housekeeping --------------------------------------------------------------------------

    def sweep(self, min_age_s: float = SWEEP_MIN_AGE_S) -> int:
        """At start: drop temp files and payload files whose row never committed. Only files older than
        `min_age_s`: another process (the station, while `returns-kiosk status` looks) may be between a
        file and its row, and a photo the desk has called saved must never lose its file."""
        known = {r[0] for r in self._conn().execute("SELECT file FROM outbox")}
        removed, cutoff = 0, time.time() - min_age_s
        for p in self.files.iterdir():
            try:
                stale = p.name not in known and p.stat().st_mtime <= cutoff
            except FileNotFoundError:  # a temp file renamed meanwhile
                continue
            if stale:
                p.unlink(missing_ok=True)
                removed += 1
        missing = [f for f in known if not (self.files / f).exists()]
        for f in missing:
            log.error("outbox row %s has no payload file", f)
        if removed:
            wire.fsync_dir(self.files)
        return removed

    def stats(self, now: float | None = None) -> dict:
        now = now or time.time()
        conn = self._conn()
        depth, oldest, queued_bytes = conn.execute(
            "SELECT count(*), min(created_at), coalesce(sum(size), 0) FROM outbox"
        ).fetchone()
        last_ack = conn.execute("SELECT max(acked_at) FROM ledger").fetchone()[0]
        counts = dict(conn.execute("SELECT coalesce(status, 'pending'), count(*) FROM ledger GROUP BY 1"))
        return {
            "outbox_depth": depth,
            "outbox_bytes": queued_bytes,
            "oldest_unacked_age_s": round(now - oldest, 3) if oldest else None,
            "last_ack_at": last_ack,
            "last_ack_age_s": round(now - last_ack, 3) if last_ack else None,
            "stored": counts.get("stored", 0),
            "rejected": counts.get("rejected", 0),
            "disk_free_mb": shutil.disk_usage(self.files).free // (1024 * 1024),
        }

    def ledger(self, kind: str | None = None) -> list[dict]:
        q = "SELECT id, kind, return_ref, created_at, acked_at, status, reason FROM ledger"
        rows = self._conn().execute(q + (" WHERE kind = ?" if kind else ""), (kind,) if kind else ())
        cols = ["id", "kind", "return_ref", "created_at", "acked_at", "status", "reason"]
        return [dict(zip(cols, r)) for r in rows]
