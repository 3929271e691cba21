"""Redaction → audit: every region found or drawn (photo, detector, box, confidence, source, active),
and the buyer's changes to them, each logged with central.audit.record in the same transaction."""

from __future__ import annotations

import sqlite3

from sqlite_utils.migrations import Migrations

from central import audit
from central import db as hubdb
from edge import wire

migrations = Migrations("returnsdesk-hub-redaction")


@migrations()
def m001_redaction(db):
    db.execute(
        """CREATE TABLE redaction_regions (
            id INTEGER PRIMARY KEY,
            photo_sha TEXT NOT NULL,
            detector TEXT NOT NULL,
            x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
            confidence REAL NOT NULL,
            why TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('auto', 'manual')),
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            changed_at TEXT,
            changed_by TEXT
        )"""
    )
    db.execute("CREATE INDEX redaction_regions_photo ON redaction_regions(photo_sha)")
    db.execute(
        """CREATE TABLE redaction_scans (
            photo_sha TEXT PRIMARY KEY,
            scanned_at TEXT NOT NULL,
            detectors TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE packet_exports (
            id INTEGER PRIMARY KEY,
            claim_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            out_dir TEXT NOT NULL,
            files TEXT NOT NULL,
            photos INTEGER NOT NULL
        )"""
    )


_BOX = ("x", "y", "w", "h")


def check_box(box: dict) -> dict:
    """A box as fractions of the photo (0..1); anything else is a clear error, not a silent clip."""
    try:
        b = {k: float(box[k]) for k in _BOX}
    except (KeyError, TypeError, ValueError):
        raise ValueError("box needs numbers x, y, w, h (fractions of the photo, 0..1)") from None
    if not (0 <= b["x"] < 1 and 0 <= b["y"] < 1 and 0 < b["w"] <= 1 and 0 < b["h"] <= 1
            and b["x"] + b["w"] <= 1.0001 and b["y"] + b["h"] <= 1.0001):
        raise ValueError("box must lie inside the photo: 0 <= x, y < 1; 0 < w, h; x+w <= 1; y+h <= 1")
    return b


def scanned(conn: sqlite3.Connection, photo_sha: str) -> bool:
    return conn.execute("SELECT 1 FROM redaction_scans WHERE photo_sha = ?", (photo_sha,)).fetchone() is not None


def regions(conn: sqlite3.Connection, photo_sha: str, active: bool | None = None) -> list[dict]:
    q = "SELECT * FROM redaction_regions WHERE photo_sha = ?"
    if active is not None:
        q += f" AND active = {int(active)}"
    return [dict(r) for r in conn.execute(q + " ORDER BY id", (photo_sha,))]


def _insert(conn, photo_sha, d, source, actor) -> int:
    b = check_box(d)
    return conn.execute(
        "INSERT INTO redaction_regions (photo_sha, detector, x, y, w, h, confidence, why, source, active,"
        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        (photo_sha, d.get("detector", "manual"), b["x"], b["y"], b["w"], b["h"],
         float(d.get("confidence", 1.0)), d.get("why", ""), source, wire.utcnow(), actor)).lastrowid


def record_scan(conn: sqlite3.Connection, photo_sha: str, found: list[dict], detectors: str,
                actor: str = "redaction") -> int:
    """Store what the detectors found, once per photo: a re-run never revives a region a buyer removed."""
    with hubdb.write(conn):
        if scanned(conn, photo_sha):
            return 0
        conn.execute("INSERT INTO redaction_scans VALUES (?, ?, ?)", (photo_sha, wire.utcnow(), detectors))
        for d in found:
            _insert(conn, photo_sha, _clip(d), "auto", actor)
        audit.record(conn, actor, "redaction.scan", "photo", photo_sha, after={"regions": len(found)})
    return len(found)


def record_found(conn: sqlite3.Connection, photo_sha: str, found: list[dict], actor: str = "redaction") -> None:
    """Regions found after a scan (a code that still read after burning): added, never replacing."""
    with hubdb.write(conn):
        for d in found:
            _insert(conn, photo_sha, _clip(d), "auto", actor)
        audit.record(conn, actor, "redaction.rescan", "photo", photo_sha, after={"regions": len(found)})


def _clip(d: dict) -> dict:
    x, y = min(max(d["x"], 0.0), 0.999), min(max(d["y"], 0.0), 0.999)
    return d | {"x": x, "y": y, "w": max(1e-4, min(d["w"], 1 - x)), "h": max(1e-4, min(d["h"], 1 - y))}


def add_region(conn: sqlite3.Connection, photo_sha: str, box: dict, actor: str, why: str = "") -> dict:
    """A buyer covers something the detectors missed."""
    with hubdb.write(conn):
        rid = _insert(conn, photo_sha, dict(box, detector="manual", why=why or "drawn by a buyer"),
                      "manual", actor)
        row = dict(conn.execute("SELECT * FROM redaction_regions WHERE id = ?", (rid,)).fetchone())
        audit.record(conn, actor, "redaction.add", "redaction_region", rid, after=row)
    return row


def set_active(conn: sqlite3.Connection, region_id: int, active: bool, actor: str, why: str = "") -> dict:
    """A buyer switches a region off (a false alarm over the defect) or back on; the last word is theirs."""
    with hubdb.write(conn):
        row = conn.execute("SELECT * FROM redaction_regions WHERE id = ?", (region_id,)).fetchone()
        if row is None:
            raise KeyError(f"no redaction region {region_id}")
        before = dict(row)
        conn.execute("UPDATE redaction_regions SET active = ?, changed_at = ?, changed_by = ? WHERE id = ?",
                     (int(active), wire.utcnow(), actor, region_id))
        after = dict(conn.execute("SELECT * FROM redaction_regions WHERE id = ?", (region_id,)).fetchone())
        audit.record(conn, actor, "redaction.enable" if active else "redaction.remove", "redaction_region",
                     region_id, before=before, after=after | {"reason": why})
    return after
