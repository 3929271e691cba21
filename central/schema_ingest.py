"""Schema for ingest → store: kiosks, photos, desk events, rejected payloads, counters."""

from sqlite_utils.migrations import Migrations

migrations = Migrations("returnsdesk-hub-ingest")


@migrations()
def m001_ingest(db):
    db.execute(
        """CREATE TABLE kiosks (
            id TEXT PRIMARY KEY,
            added_at TEXT NOT NULL,
            state TEXT,
            state_at TEXT,
            telemetry TEXT,
            telemetry_at TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE photos (
            photo_id TEXT PRIMARY KEY,
            kiosk TEXT NOT NULL,
            return_ref TEXT NOT NULL,
            item INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            captured_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            category TEXT,
            verdict TEXT,
            override INTEGER NOT NULL DEFAULT 0,
            reasons TEXT,
            scores TEXT,
            model_version TEXT,
            label_check TEXT,
            header TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX photos_return_ref ON photos(return_ref)")
    db.execute("CREATE INDEX photos_sha256 ON photos(sha256)")
    db.execute("CREATE INDEX photos_kiosk_received ON photos(kiosk, received_at)")
    db.execute(
        """CREATE TABLE events (
            event_id TEXT PRIMARY KEY,
            kiosk TEXT NOT NULL,
            type TEXT NOT NULL,
            return_ref TEXT,
            at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            body TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX events_return_ref ON events(return_ref)")
    db.execute(
        """CREATE TABLE ingest_rejects (
            id INTEGER PRIMARY KEY,
            received_at TEXT NOT NULL,
            topic TEXT NOT NULL,
            kiosk TEXT,
            msg_id TEXT,
            reason TEXT NOT NULL,
            detail TEXT,
            size INTEGER NOT NULL,
            payload_sha256 TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
