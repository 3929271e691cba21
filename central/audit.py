"""Audit log: every change anywhere in the hub (claims, redaction, users, kiosks) — who, when, what, before/after.

Call `record` inside the same transaction as the change it describes, so neither exists without the other.
"""

from __future__ import annotations

import json
import sqlite3

from sqlite_utils.migrations import Migrations

from edge import wire

migrations = Migrations("returnsdesk-hub-audit")


@migrations()
def m001_audit(db):
    db.execute(
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT,
            before TEXT,
            after TEXT
        )"""
    )
    db.execute("CREATE INDEX audit_entity ON audit(entity, entity_id)")


def record(conn: sqlite3.Connection, actor: str, action: str, entity: str, entity_id=None,
           before=None, after=None) -> int:
    cur = conn.execute(
        "INSERT INTO audit (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (wire.utcnow(), actor, action, entity, None if entity_id is None else str(entity_id),
         None if before is None else json.dumps(before, default=str, sort_keys=True),
         None if after is None else json.dumps(after, default=str, sort_keys=True)),
    )
    return cur.lastrowid


def record_many(conn: sqlite3.Connection, actor: str, action: str, entity: str,
                items: list[tuple[object, object, object]]) -> int:
    """One entry per (entity_id, before, after), in one executemany: for changes counted in thousands."""
    at = wire.utcnow()
    dump = lambda v: None if v is None else json.dumps(v, default=str, sort_keys=True)  # noqa: E731
    conn.executemany(
        "INSERT INTO audit (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(at, actor, action, entity, None if i is None else str(i), dump(b), dump(a)) for i, b, a in items])
    return len(items)


def entries(conn: sqlite3.Connection, entity: str | None = None, entity_id=None, limit: int = 200) -> list[dict]:
    q, args = "SELECT * FROM audit", []
    if entity:
        q += " WHERE entity = ?"
        args.append(entity)
        if entity_id is not None:
            q += " AND entity_id = ?"
            args.append(str(entity_id))
    q += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    rows = conn.execute(q, args)
    cols = [d[0] for d in rows.description]
    return [dict(zip(cols, r)) for r in rows]
