"""Fixtures for the claim file: a migrated hub database with demo returns and linked photos."""

from __future__ import annotations

import json

import pytest

from central import db as hubdb
from central import demodata, linking, returns
from edge import wire


def add_photo(conn, return_ref: str, *, item: int = 1, category: str | None = "scratch", label_check=None,
              kiosk: str = "kiosk-a", photo_id: str | None = None) -> str:
    """A photo row as ingest stores it, then linked in the same transaction as ingest does."""
    pid = photo_id or wire.new_id()
    with hubdb.write(conn):
        conn.execute(
            "INSERT INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width, height, captured_at, "
            "received_at, category, label_check, header) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (pid, kiosk, return_ref, item, "0" * 64, 1000, 640, 480, wire.utcnow(), wire.utcnow(), category,
             json.dumps(label_check) if label_check else None, "{}"))
        linking.link_photo(conn, pid, return_ref, item, category, label_check)
    return pid


@pytest.fixture
def conn(tmp_path):
    c = hubdb.connect(tmp_path / "hub.db")
    yield c
    c.close()


@pytest.fixture
def demo(conn):
    """Demo returns imported and two photos on each of the first 60 returns; returns the first PO's keys."""
    rows = demodata.rows(120)
    returns.import_rows(conn, enumerate(rows, 2), actor="test")
    cats = ["scratch", "dent", "crack", "not_working"]
    for i, r in enumerate(rows[:80]):
        add_photo(conn, r["rma_ref"], category=cats[i % 4])
    first = rows[0]
    return {"supplier": first["supplier"], "po": first["supplier_po"], "rows": rows}
