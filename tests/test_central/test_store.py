"""The hub's photo store: content-addressed, durable, and swept of what no committed photo row names."""

from __future__ import annotations

import os
import time

import pytest

from central import db as hubdb
from central.ingest import register_kiosk
from central.store import PhotoStore
from edge import wire


def _row(conn, sha: str) -> None:
    register_kiosk(conn, "kiosk-a")
    with hubdb.write(conn):
        conn.execute("INSERT INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width, height, "
                     "captured_at, received_at, header) VALUES (?, 'kiosk-a', 'RMA-1', 1, ?, 3, 1, 1, ?, ?, '{}')",
                     (wire.new_id(), sha, wire.utcnow(), wire.utcnow()))


def test_sweep_removes_old_orphans_and_keeps_stored_and_fresh_files(tmp_path):
    conn = hubdb.connect(tmp_path / "hub.db")
    store = PhotoStore(tmp_path / "photos")
    kept = store.put(wire.sha256_hex(b"kept"), b"kept")
    _row(conn, wire.sha256_hex(b"kept"))
    orphan = store.put(wire.sha256_hex(b"orphan"), b"orphan")  # a worker died before its commit
    temp = orphan.parent / f"{orphan.name}.1234.tmp"
    temp.write_bytes(b"half")
    fresh = store.put(wire.sha256_hex(b"fresh"), b"fresh")  # another worker, between file and commit
    old = time.time() - 3600
    for f in (kept, orphan, temp):
        os.utime(f, (old, old))
    assert store.sweep(conn) == 2
    assert kept.read_bytes() == b"kept" and fresh.read_bytes() == b"fresh"
    assert not orphan.exists() and not temp.exists()
    conn.close()


def test_paths_come_only_from_well_formed_hashes(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    for bad in ("../../etc/passwd", "a" * 63, "A" * 64, ""):
        with pytest.raises(ValueError):
            store.path(bad)
    sha = wire.sha256_hex(b"x")
    assert store.put(sha, b"x") == tmp_path / "photos" / sha[:2] / f"{sha}.jpg"
