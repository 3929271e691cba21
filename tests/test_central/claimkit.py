"""Test helpers for returns, linking and claims: a hub database with return records and linked photos."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from central import db as hubdb
from central import linking
from central.returns import COLUMNS, import_csv
from central.taxonomy import Taxonomy
from edge import wire

BASE = {"order_id": "ORD-1", "order_date": "2026-10-01", "customer_name": "Ana Costa",
        "customer_address": "Rua das Flores 12, 4050-262 Porto", "customer_email": "ana@example.org",
        "customer_phone": "+351 912 345 678", "reason": "arrived damaged", "status": "received", "note": ""}


def row(ref: str, sku: str = "SKU-1", *, qty=1, value="20.00", batch="B1", supplier="Acme", po="PO-1", **kw) -> dict:
    return {**BASE, "rma_ref": ref, "sku": sku, "product": f"Product {sku}", "quantity": qty, "unit_value": value,
            "batch": batch, "supplier": supplier, "po": po, **kw}


def write_csv(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def hub(tmp_path: Path, rows: list[dict] | None = None):
    conn = hubdb.connect(tmp_path / "hub.db")
    if rows:
        import_csv(conn, write_csv(tmp_path / "returns.csv", rows), actor="test")
    return conn


def add_photo(conn, ref: str, category: str | None = "scratch", label_check: dict | None = None,
              kiosk: str = "kiosk-a") -> str:
    """A stored photo row and its link decision in one transaction, the way ingest does it."""
    pid = wire.new_id()
    now = wire.utcnow()
    with hubdb.write(conn):
        conn.execute(
            "INSERT INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width, height, captured_at, "
            "received_at, category, label_check, header) VALUES (?, ?, ?, 1, ?, 10, 64, 48, ?, ?, ?, ?, '{}')",
            (pid, kiosk, ref, wire.sha256_hex(pid.encode()), now, now, category,
             json.dumps(label_check) if label_check else None))
        linking.link_photo(conn, Taxonomy(), pid, ref, category, label_check)
    return pid


def link_of(conn, photo_id: str) -> dict:
    return dict(conn.execute("SELECT * FROM photo_links WHERE photo_id = ?", (photo_id,)).fetchone())


def claim_with_photos(tmp_path: Path, n_returns: int = 3, categories=("scratch", "dent"), **row_kw):
    """A database with `n_returns` single-line returns of Acme PO-1, photos of each category, and a claim."""
    from central import claims

    conn = hub(tmp_path, [row(f"RMA-{i}", **row_kw) for i in range(1, n_returns + 1)])
    for i in range(1, n_returns + 1):
        for cat in categories:
            add_photo(conn, f"RMA-{i}", cat)
    c = claims.open_claim(conn, row_kw.get("supplier", "Acme"), row_kw.get("po", "PO-1"), None, "buyer")
    return conn, c["id"]


def audit_actions(conn, claim_id) -> list[str]:
    return [r[0] for r in conn.execute("SELECT action FROM audit WHERE entity = 'claim' AND entity_id = ? ORDER BY id",
                                       (str(claim_id),))]
