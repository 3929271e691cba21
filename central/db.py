"""Hub database: SQLite (WAL, busy_timeout, one connection per thread) and its sqlite-utils migrations.

Each feature keeps its own migration set in its own module; `MIGRATION_SETS` lists them in order.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

from central import audit, fleet, schema_ingest, users
from central import claims_schema, linking_schema, returns_schema
from central.redact import schema as schema_redaction

MIGRATION_SETS = [
    schema_ingest.migrations,
    audit.migrations,
    schema_redaction.migrations,
    users.migrations,
    fleet.migrations,
]
MIGRATION_SETS += [returns_schema.migrations, linking_schema.migrations, claims_schema.migrations]


def connect(path: Path | str, *, migrate: bool = True) -> sqlite3.Connection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=ON")
    if migrate:
        db = sqlite_utils.Database(conn)
        for m in MIGRATION_SETS:
            m.apply(db)
    return conn


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT: read-then-write without a second writer slipping in between."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
