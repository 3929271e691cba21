"""Desk session store (desk → outbox): the open return's state, kept durably so a power cut loses nothing.

One row in `desk.db` under the kiosk's data dir (SQLite WAL, synchronous=FULL), rewritten at every step
of the workflow. The desk writes its intent here before it writes to the outbox, and reconciles with the
outbox's ledger on start.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from edge.outbox import connect


class SessionStore:
    def __init__(self, data_dir: Path, outbox_db: Path):
        self.path = Path(data_dir) / "desk.db"
        self.outbox_db = Path(outbox_db)
        self._local = threading.local()
        conn = self._conn()
        conn.execute("CREATE TABLE IF NOT EXISTS session (id INTEGER PRIMARY KEY CHECK (id = 1), "
                     "data TEXT NOT NULL, updated_at REAL NOT NULL)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
        return conn

    def load(self) -> dict | None:
        row = self._conn().execute("SELECT data FROM session WHERE id = 1").fetchone()
        return json.loads(row[0]) if row else None

    def save(self, data: dict | None) -> None:
        conn = self._conn()
        if data is None:
            conn.execute("DELETE FROM session WHERE id = 1")
        else:
            conn.execute("INSERT OR REPLACE INTO session (id, data, updated_at) VALUES (1, ?, ?)",
                         (json.dumps(data), time.time()))

    def queued(self, ids: list[str]) -> set[str]:
        """Which of these ids the outbox has ever taken (its ledger keeps them after the ack)."""
        if not ids:
            return set()
        conn = sqlite3.connect(self.outbox_db, timeout=10)
        try:
            q = f"SELECT id FROM ledger WHERE id IN ({','.join('?' * len(ids))})"
            return {r[0] for r in conn.execute(q, ids)}
        finally:
            conn.close()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
