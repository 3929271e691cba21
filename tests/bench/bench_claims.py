"""Benchmark: `returns-hub import-returns` of 100,000 rows, and claim show/diff with 1 M photos and 100 k returns.

Run: .venv/bin/python tests/bench/bench_claims.py [--rows 100000] [--photos 1000000]
Prints each figure next to a baseline measured in the same run (parsing the CSV alone; a primary-key
lookup and a bare count(*) on the same database).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from central import claims  # noqa: E402
from central import db as hubdb  # noqa: E402
from central.demodata import write_csv  # noqa: E402
from edge import wire  # noqa: E402

BIN = Path(sys.executable).parent
CATS = ["scratch", "dent", "crack_break", "stain", "missing_part", "wrong_item", "packaging_damage", "does_not_work"]


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return {"p50_ms": round(statistics.median(out), 3), "p95_ms": round(out[int(len(out) * 0.95) - 1], 3)}


def seed_photos(conn, total: int) -> float:
    """Photo rows as ingest stores them, and their links, for every return line in turn (executemany)."""
    t = time.perf_counter()
    lines = conn.execute("SELECT id, return_ref, sku, supplier, po, batch FROM return_lines ORDER BY id").fetchall()
    now = wire.utcnow()
    conn.execute("PRAGMA synchronous=OFF")  # seeding only; the hub itself always runs FULL
    conn.execute("BEGIN")
    batch_p, batch_l = [], []
    for i in range(total):
        ln = lines[i % len(lines)]
        pid = f"{i:032x}"
        cat = CATS[i % len(CATS)]
        batch_p.append((pid, "kiosk-a", ln[1], 1, "0" * 64, 100_000, 4000, 3000, now, now, cat, "{}"))
        batch_l.append((pid, ln[1], ln[0], ln[2], ln[3], ln[4], ln[5], cat, None, "only_line", now))
        if len(batch_p) >= 50_000:
            _flush(conn, batch_p, batch_l)
    _flush(conn, batch_p, batch_l)
    conn.execute("COMMIT")
    conn.execute("PRAGMA synchronous=FULL")
    return time.perf_counter() - t


def _flush(conn, p, links):
    conn.executemany("INSERT INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width, height, "
                     "captured_at, received_at, category, header) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", p)
    conn.executemany("INSERT INTO photo_links (photo_id, return_ref, line_id, sku, supplier, po, batch, category, "
                     "label_match, how, linked_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", links)
    p.clear()
    links.clear()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000, help="returns in the import file")
    ap.add_argument("--photos", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-claims-"))
    cfg = work / "hub.toml"
    cfg.write_text(f'data_dir = "{work / "data"}"\n')
    src = work / "returns.csv"
    n_rows = write_csv(src, count=args.rows, pos_per_supplier=250)

    t = time.perf_counter()
    with open(src, newline="") as f:
        parsed = sum(1 for _ in csv.DictReader(f))
    parse_s = time.perf_counter() - t
    t = time.perf_counter()
    r = subprocess.run([str(BIN / "returns-hub"), "import-returns", str(src), "--config", str(cfg), "--json"],
                       capture_output=True, text=True, check=True)
    import_s = time.perf_counter() - t
    result = json.loads(r.stdout)
    assert result["bad_rows"] == 0 and result["loaded"] == n_rows == parsed

    conn = hubdb.connect(cfg.parent / "data" / "hub.db")
    seed_s = seed_photos(conn, args.photos)
    supplier, po = conn.execute("SELECT supplier, po FROM return_lines WHERE id = 1").fetchone()
    t = time.perf_counter()
    c = claims.create(conn, supplier, po, actor="bench")
    create_ms = (time.perf_counter() - t) * 1000
    claims.revise(conn, c["id"], actor="bench", note="corrected invoice line", changes={"value": 1.0})
    shown = claims.show(conn, c["id"])
    some_id = shown["lines"][0]["return_ref"]

    out = {
        "import": {"rows": n_rows, "returns": result["returns"], "seconds": round(import_s, 2),
                   "rows_per_s": round(n_rows / import_s), "baseline_csv_parse_s": round(parse_s, 2),
                   "target_s": 30},
        "db": {"photos": conn.execute("SELECT count(*) FROM photos").fetchone()[0],
               "returns": conn.execute("SELECT count(*) FROM returns").fetchone()[0],
               "seed_s": round(seed_s, 1),
               "claim_photos": sum(d["photos"] for d in shown["defects"].values()),
               "claim_lines": len(shown["lines"])},
        "claim_create_ms": round(create_ms, 1),
        "claim_show": timed(lambda: claims.show(conn, c["id"]), args.runs),
        "claim_diff": timed(lambda: claims.diff(conn, c["id"], 1, 2), args.runs),
        "baseline_pk_lookup": timed(lambda: conn.execute("SELECT * FROM returns WHERE ref = ?", (some_id,)).fetchone(),
                                    args.runs),
        "baseline_count_photos": timed(lambda: conn.execute("SELECT count(*) FROM photos").fetchone(), 5),
        "target_ms": 50,
    }
    print(json.dumps(out, indent=2))
    ok = import_s <= 30 and out["claim_show"]["p95_ms"] <= 50 and out["claim_diff"]["p95_ms"] <= 50
    print("PASS" if ok else "OVER TARGET", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
