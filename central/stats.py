"""Hub counts for `returns-hub stats`: what ingest stored, absorbed and refused, and the fleet's state."""

from __future__ import annotations

import sqlite3


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def stats(conn: sqlite3.Connection) -> dict:
    one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
    out = {
        "photos": one("SELECT count(*) FROM photos"),
        "photo_bytes": one("SELECT coalesce(sum(size), 0) FROM photos"),
        "overrides": one("SELECT count(*) FROM photos WHERE override = 1"),
        "events": one("SELECT count(*) FROM events"),
        "rejected_payloads": one("SELECT count(*) FROM ingest_rejects"),
        "rejects_by_reason": dict(conn.execute("SELECT reason, count(*) FROM ingest_rejects GROUP BY reason")),
        "duplicates_absorbed": one("SELECT coalesce(max(value), 0) FROM counters WHERE name='duplicates_absorbed'"),
        "kiosks": one("SELECT count(*) FROM kiosks"),
        "kiosks_online": one("SELECT count(*) FROM kiosks WHERE state = 'online'"),
    }
    for extra in EXTRA_STATS:
        out.update(extra(conn))
    return out


# Later stages (linking, claims) add their counts here.
EXTRA_STATS: list = []

from central import claims, linking  # noqa: E402

EXTRA_STATS += [linking.link_stats, claims.by_state]
