"""Benchmark: return-record import and the claim file at scale, on this machine, in one run.

(a) `returns-hub import-returns` of a 100,000-row CSV (target ≤ 30 s), next to a plain csv parse of the
    same file (the baseline: reading only); then the same file again (nothing changes) and a file in which
    every customer address changed (every return gets its before/after audit entry);
(b) with 1,000,000 photos and 100,000 returns in the database (seeded with executemany), `claim show`
    and `claim diff` as the library runs them for the web and the CLI: p50 / p95 (target ≤ 50 ms) next
    to a primary-key photo lookup (the baseline) in the same database.

Run: .venv/bin/python tests/bench/bench_claims.py [--rows 100000] [--photos 1000000] [--repeat 200] [--import-only]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from central import claims, claims_view  # noqa: E402
from central import db as hubdb  # noqa: E402
from central.returns import COLUMNS  # noqa: E402
from tests import helpers  # noqa: E402


def write_rows(path: Path, n: int, returns_per_po: int = 50, street: str = "Street") -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for i in range(n):
            po = i // returns_per_po
            w.writerow([f"RMA-B-{i:07d}", f"ORD-{i}", "2026-10-01", f"Customer {i}", f"{street} {i}, City",
                        f"c{i}@example.org", f"+351 900 {i:06d}", "damaged", "received", "", f"SKU-{po % 97}",
                        f"Product {po % 97}", 1 + i % 3, "19.90", f"BATCH-{po}-{i % 2}", f"Supplier {po % 41}",
                        f"PO-{po:05d}"])


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run_import(csv_path: Path, cfg: Path) -> tuple[float, dict]:
    t = time.perf_counter()
    r = subprocess.run([str(helpers.BIN / "returns-hub"), "import-returns", str(csv_path), "--config", str(cfg),
                        "--json", "--quiet"], capture_output=True, text=True)
    return time.perf_counter() - t, json.loads(r.stdout)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def seed_photos(conn, n_photos: int) -> None:
    """Photos spread over every return, each linked to its return's line, as ingest would leave them."""
    lines = conn.execute("SELECT id, return_ref FROM return_lines ORDER BY id").fetchall()
    cats = ["scratch", "dent", "crack_break", "stain", "packaging_damage", None]
    rng = random.Random(1)
    batch, done = 50_000, 0
    while done < n_photos:
        rows, links = [], []
        for k in range(done, min(done + batch, n_photos)):
            line_id, ref = lines[k % len(lines)]
            pid = f"{k:032x}"
            cat = cats[rng.randrange(len(cats))]
            rows.append((pid, f"kiosk-{k % 20}", ref, f"{k:064x}", "2026-11-01T10:00:00.000+00:00", cat))
            links.append((pid, ref, line_id, cat))
        with hubdb.write(conn):
            conn.executemany(
                "INSERT INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width, height, captured_at, "
                "received_at, category, header) VALUES (?, ?, ?, 1, ?, 900000, 1600, 1200, ?, ?, ?, '{}')",
                [(p, k, r, s, t, t, c) for p, k, r, s, t, c in rows])
            conn.executemany("INSERT INTO photo_links (photo_id, return_ref, line_id, category, status, how, at) "
                             "VALUES (?, ?, ?, ?, 'linked', 'ingest', '2026-11-01')", links)
        done += len(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--photos", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--import-only", action="store_true", help="only (a): no photo seeding, no claim timings")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-claims-") as tmp:
        tmp = Path(tmp)
        cfg = tmp / "hub.toml"
        cfg.write_text(f'data_dir = "{tmp / "data"}"\n')
        csv_path = tmp / "returns.csv"
        write_rows(csv_path, args.rows)

        t = time.perf_counter()
        with open(csv_path, newline="") as f:
            parsed = sum(1 for _ in csv.DictReader(f))
        parse_s = time.perf_counter() - t
        import_s, result = run_import(csv_path, cfg)
        assert result["loaded"] == parsed == args.rows, result
        same_s, result = run_import(csv_path, cfg)
        assert result["returns_updated"] == args.rows and result.get("returns_changed", 0) == 0, result
        moved = tmp / "moved.csv"
        write_rows(moved, args.rows, street="Avenue")
        changed_s, result = run_import(moved, cfg)
        assert result.get("returns_changed", args.rows) == args.rows, result
        print(f"machine: {platform.machine()}, {platform.python_version()}")
        print(f"(a) import {args.rows} rows: {import_s:.1f} s ({args.rows / import_s:,.0f} rows/s; target ≤ 30 s); "
              f"baseline csv parse only: {parse_s:.2f} s; ratio {import_s / parse_s:.0f}x")
        print(f"    re-import, nothing changed: {same_s:.1f} s (ratio {same_s / parse_s:.0f}x); every address changed "
              f"(one audit entry per return): {changed_s:.1f} s (ratio {changed_s / parse_s:.0f}x)")
        if args.import_only:
            ok = max(import_s, same_s, changed_s) <= 30
            print("targets met" if ok else "TARGET MISSED")
            return 0 if ok else 1

        conn = hubdb.connect(tmp / "data" / "hub.db")
        t = time.perf_counter()
        seed_photos(conn, args.photos)
        seed_s = time.perf_counter() - t
        po = f"PO-{args.rows // 50 // 2:05d}"
        supplier = conn.execute("SELECT supplier FROM purchase_orders WHERE po = ?", (po,)).fetchone()[0]
        t = time.perf_counter()
        c = claims.open_claim(conn, supplier, po, None, "bench")
        open_ms = (time.perf_counter() - t) * 1000
        claims.revise(conn, c["id"], "bench", "per invoice", {"quantity.total": 999, "value.claimed": 1234.5})
        claims.revise(conn, c["id"], "bench", "parent company", {"party.supplier": supplier + " Holdings"})
        photos_in_claim = claims_view.show(conn, c["id"])["document"]["photos"]

        ids = [f"{k:032x}" for k in random.Random(2).sample(range(args.photos), min(args.repeat, args.photos))]
        it = iter(ids * 2)
        base = timed(lambda: conn.execute("SELECT * FROM photos WHERE photo_id = ?", (next(it),)).fetchone(), args.repeat)
        show = timed(lambda: claims_view.show(conn, c["id"]), args.repeat)
        diff = timed(lambda: claims.diff(conn, c["id"], 1, 3), args.repeat)

    print(f"    seeded {args.photos:,} photos + links in {seed_s:.1f} s; claim open ({photos_in_claim} photos): "
          f"{open_ms:.1f} ms")
    for name, xs in (("baseline photo PK lookup", base), ("claim show", show), ("claim diff v1..v3", diff)):
        print(f"(b) {name:26} p50 {statistics.median(xs):7.3f} ms   p95 {pct(xs, 95):7.3f} ms")
    ok = max(import_s, same_s, changed_s) <= 30 and pct(show, 95) <= 50 and pct(diff, 95) <= 50
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
