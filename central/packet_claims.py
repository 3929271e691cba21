"""Packet ← claims: the claim's approved version as a PacketClaim (photos, SKU, batch, PO, and the customer
data redaction must look for — which stays in the hub and never enters the packet)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from central import claims_view
from central.packet import PacketClaim


def packet_claim(conn: sqlite3.Connection, claim_id: int, photo_dir: Path, today: date | None = None) -> PacketClaim:
    """Without an approval holding for the current version, `status` says so and the export refuses it."""
    from central.packet_cli import claim_from_json

    data = claims_view.packet_input(conn, claim_id, photo_dir, today)
    # the packet finds each photo in the store by its hash; it never takes a path from the claim
    data["photos"] = [{k: v for k, v in p.items() if k != "source"} for p in data["photos"]]
    return claim_from_json(data, photo_dir)
