"""Schema for linking: which return and line each photo and desk event belongs to, or why not yet."""

from sqlite_utils.migrations import Migrations

migrations = Migrations("returnsdesk-hub-linking")


@migrations()
def m001_links(db):
    db.execute(
        """CREATE TABLE photo_links (
            photo_id TEXT PRIMARY KEY REFERENCES photos(photo_id),
            return_ref TEXT,
            line_id INTEGER,
            category TEXT,
            status TEXT NOT NULL,          -- linked | unlinked
            reason_code TEXT,
            reason TEXT,
            how TEXT NOT NULL,             -- ingest | late | manual
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX photo_links_status ON photo_links(status)")
    db.execute("CREATE INDEX photo_links_line ON photo_links(line_id)")
    db.execute("CREATE INDEX photo_links_ref ON photo_links(return_ref)")
    db.execute(
        """CREATE TABLE event_links (
            event_id TEXT PRIMARY KEY REFERENCES events(event_id),
            return_ref TEXT, status TEXT NOT NULL, reason TEXT, at TEXT NOT NULL
        )"""
    )
