"""Benchmark: `returns-hub` backup (online SQLite backup + hashed photo copy) and verified restore,
against a plain `shutil.copytree` of the same data folder measured in the same run.

    .venv/bin/python tests/bench/bench_backup.py [--photos 400] [--kb 600] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from central import db as hubdb  # noqa: E402
from central.backup import backup, restore  # noqa: E402
from central.store import PhotoStore  # noqa: E402
from edge import wire  # noqa: E402


def make_hub(data: Path, photos: int, kb: int) -> None:
    conn = hubdb.connect(data / "hub.db")
    store = PhotoStore(data / "photos")
    with hubdb.write(conn):
        for i in range(photos):
            blob = os.urandom(kb * 1024)
            sha = wire.sha256_hex(blob)
            store.put(sha, blob)
            conn.execute(
                "INSERT INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width, height,"
                " captured_at, received_at, header) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (wire.new_id(), "kiosk-a", f"RMA-{i:05d}", 1, sha, len(blob), 1, 1, wire.utcnow(),
                 wire.utcnow(), "{}"))
    conn.close()


def copy_fsync(src: Path, dst: Path) -> None:
    """The durable floor: copy every file and fsync it, no hashing, no manifest."""
    for p in src.rglob("*"):
        if p.is_file():
            q = dst / p.relative_to(src)
            q.parent.mkdir(parents=True, exist_ok=True)
            with p.open("rb") as f, q.open("wb") as g:
                shutil.copyfileobj(f, g, 1 << 20)
                g.flush()
                os.fsync(g.fileno())


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=400)
    ap.add_argument("--kb", type=int, default=600)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_hub(root / "data", a.photos, a.kb)
        mb = sum(p.stat().st_size for p in (root / "data").rglob("*") if p.is_file()) / 1e6
        base, durable, back, rest = [], [], [], []
        for i in range(a.runs):
            base.append(timed(lambda: shutil.copytree(root / "data", root / f"copy{i}")))
            durable.append(timed(lambda: copy_fsync(root / "data", root / f"fsynced{i}")))
            back.append(timed(lambda: backup(root / "data", root / f"backup{i}")))
            rest.append(timed(lambda: restore(root / f"backup{i}", root / f"restored{i}")))
        b, d, k, r = (statistics.median(x) for x in (base, durable, back, rest))
        print(f"data folder: {a.photos} photos, {mb:.0f} MB; median of {a.runs} runs")
        print(f"baseline copytree      {b:6.2f} s  {mb / b:7.1f} MB/s")
        print(f"baseline copy+fsync    {d:6.2f} s  {mb / d:7.1f} MB/s")
        print(f"returns-hub backup     {k:6.2f} s  {mb / k:7.1f} MB/s  ({k / d:.2f}x copy+fsync)")
        print(f"returns-hub restore    {r:6.2f} s  {mb / r:7.1f} MB/s  ({r / d:.2f}x copy+fsync, verifies first)")


if __name__ == "__main__":
    main()
