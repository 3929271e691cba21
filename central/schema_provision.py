"""Schema for provisioning → fleet: issued/revoked kiosk credentials and the configs pushed to kiosks."""

from sqlite_utils.migrations import Migrations

migrations = Migrations("returnsdesk-hub-provision")


@migrations()
def m001_credentials(db):
    db.execute(
        """CREATE TABLE kiosk_credentials (
            kiosk TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            bundle TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE kiosk_configs (
            id INTEGER PRIMARY KEY,
            kiosk TEXT NOT NULL,
            version TEXT NOT NULL,
            model_version TEXT,
            model_sha256 TEXT,
            payload_sha256 TEXT NOT NULL,
            pushed_at TEXT NOT NULL
        )"""
    )
