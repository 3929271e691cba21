"""Web page server time at scale: fleet page with 500 kiosks; claims pages with 1 M photos / 100 k returns.

    .venv/bin/python tests/bench/bench_web.py [--photos 1000000] [--returns 100000] [--kiosks 500] [--runs 40]

Seeds a hub database directly (SQL, one transaction), then times requests through the Flask app
in-process (server time, no network), printing p50/p95 next to /health measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from central import db as hubdb  # noqa: E402
from central import users  # noqa: E402
from central.config import HubConfig, WebConfig  # noqa: E402
from central.web import create_app  # noqa: E402

REASONS = ("blurry", "too_dark", "glare", "no_item")
CATEGORIES = ("scratch", "dent", "stain", "broken", "missing_part", "wrong_item")


def seed_fleet(conn, kiosks: int, photos: int, returns: int) -> None:
    now = datetime.now(timezone.utc)
    rnd = random.Random(7)
    conn.execute("BEGIN")
    for i in range(kiosks):
        k = f"kiosk-{i:03d}"
        t = {"outbox_depth": rnd.randint(0, 20), "outbox_oldest_age_s": rnd.randint(0, 900),
             "captures": rnd.randint(100, 900), "rejects_by_reason": {r: rnd.randint(0, 30) for r in REASONS},
             "camera_ok": True, "scanner_ok": rnd.random() > 0.02, "model_version": "gate-1.0",
             "disk_free_mb": rnd.randint(500, 20000), "cpu_temp_c": 45 + rnd.random() * 20}
        conn.execute("INSERT INTO kiosks (id, added_at, state, state_at, telemetry, telemetry_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (k, now.isoformat(), "online" if rnd.random() > 0.05 else "offline",
                                                   now.isoformat(), json.dumps(t), now.isoformat()))
        conn.executemany(  # two days of history, a heartbeat row every two minutes
            "INSERT INTO kiosk_history (kiosk, minute, outbox_depth, captures, rejects) VALUES (?, ?, ?, ?, ?)",
            [(k, (now - timedelta(minutes=m)).isoformat()[:16], rnd.randint(0, 20), 3000 - m // 2, 300 - m // 20)
             for m in range(0, 2 * 24 * 60, 2)])
    start = now - timedelta(days=365)
    rows = []
    for n in range(photos):
        at = (start + timedelta(seconds=n * 365 * 86400 / photos)).isoformat(timespec="milliseconds")
        rows.append((f"P{n:08d}", f"kiosk-{n % kiosks:03d}", f"RMA-{n % returns:06d}", 1, f"{n:064x}", 50_000,
                     1600, 1200, at, at, CATEGORIES[n % len(CATEGORIES)], "accepted", int(n % 50 == 0), "{}"))
        if len(rows) == 50_000:
            _photos(conn, rows)
    _photos(conn, rows)
    conn.execute("COMMIT")


def _photos(conn, rows) -> None:
    conn.executemany("INSERT INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width, height, "
                     "captured_at, received_at, category, verdict, override, header) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    rows.clear()


def time_get(client, url: str, runs: int) -> list[float]:
    client.get(url)  # warm caches and templates
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


def login(app, role: str):
    import re

    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c.post("/login", data={"username": role, "password": "bench password", "csrf_token": token})
    assert r.status_code == 302
    return c


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=1_000_000)
    ap.add_argument("--returns", type=int, default=100_000)
    ap.add_argument("--kiosks", type=int, default=500)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--only", default="", help="time only pages whose URL contains this (plus /health)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = HubConfig(data_dir=Path(tmp), web=WebConfig(secure_cookies=False))
        conn = hubdb.connect(cfg.db_path)
        t0 = time.perf_counter()
        seed_fleet(conn, args.kiosks, args.photos, args.returns)
        for role in ("fleet", "buyer"):
            users.add_user(conn, role, role, "bench password")
        extra = [seed(conn, args) for seed in EXTRA_SEEDS]
        conn.execute("ANALYZE")
        print(f"seeded {args.kiosks} kiosks, {args.photos} photos, {args.returns} returns "
              f"in {time.perf_counter() - t0:.1f} s")
        app = create_app({"SECRET_KEY": "bench" * 8}, hub_config=cfg)
        pages = [("fleet", "/health"), ("fleet", "/fleet"), ("fleet", "/fleet/kiosk-007"),
                 ("buyer", "/photos"), ("buyer", "/photos?return_ref=RMA-000042"),
                 ("buyer", "/returns/RMA-000042"), ("buyer", "/charts?days=30")]
        for e in extra:
            pages += e
        pages = [p for p in pages if p[1] == "/health" or args.only in p[1]]
        clients = {}
        print(f"{'page':44} {'p50 ms':>8} {'p95 ms':>8} {'p95 / health p95':>17}")
        base = None
        for role, url in pages:
            c = clients.setdefault(role, login(app, role))
            xs = time_get(c, url, args.runs)
            base = base or p95(xs)
            print(f"{url:44} {statistics.median(xs):8.1f} {p95(xs):8.1f} {p95(xs) / base:16.1f}x")
    return 0


def seed_claims(conn, args) -> list[tuple[str, str]]:
    """Return records for every return_ref the photos carry (one line each, 20 suppliers, 2000 POs), every
    photo linked to its line, then claims opened through the claims library for 200 POs."""
    from central import claims

    now = datetime.now(timezone.utc).isoformat()
    pos = 2000
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO returns (ref, order_id, order_date, customer_name, reason, status, note, "
                     "created_at, updated_at) VALUES (?, ?, '2026-01-02', 'A Customer', 'damaged', 'received', "
                     "'', ?, ?)", ((f"RMA-{n:06d}", f"ORD-{n}", now, now) for n in range(args.returns)))
    conn.executemany("INSERT INTO purchase_orders (po, supplier, created_at) VALUES (?, ?, ?)",
                     ((f"PO-{p:05d}", f"Supplier {p % 20:02d}", now) for p in range(pos)))
    conn.executemany("INSERT INTO return_lines (id, return_ref, sku, product, quantity, unit_value, batch, "
                     "supplier, po) VALUES (?, ?, ?, 'Widget', 1, 25.0, ?, ?, ?)",
                     ((n + 1, f"RMA-{n:06d}", f"SKU-{n % 300}", f"B-{n % 7}", f"Supplier {n % pos % 20:02d}",
                       f"PO-{n % pos:05d}") for n in range(args.returns)))
    conn.executemany("INSERT INTO photo_links (photo_id, return_ref, line_id, category, status, how, at) "
                     "VALUES (?, ?, ?, ?, 'linked', 'ingest', ?)",
                     ((f"P{n:08d}", f"RMA-{n % args.returns:06d}", n % args.returns + 1,
                       CATEGORIES[n % len(CATEGORIES)], now) for n in range(args.photos)))
    conn.execute("COMMIT")
    ids = [claims.open_claim(conn, f"Supplier {p % 20:02d}", f"PO-{p:05d}", None, "bench")["id"]
           for p in range(0, pos, pos // 200)]
    return [("buyer", "/claims"), ("buyer", "/claims?supplier=Supplier+07&state=open"),
            ("buyer", "/claims?page=3"), ("buyer", f"/claims/{ids[len(ids) // 2]}"),
            ("buyer", f"/claims/{ids[-1]}?a=1&b=1")]


# Seeders for pages that need more than photos and kiosks: each returns [(role, url), ...] to time.
EXTRA_SEEDS: list = [seed_claims]

if __name__ == "__main__":
    sys.exit(main())
