"""Demo return records (RMS → hub): a realistic, reproducible set for `make demo` and the tests.

RMA refs follow `returns-kiosk simulate --ref-prefix` (RMA-SIM-00001, …), so simulated kiosk photos
link to these records.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from central.returns import COLUMNS

SUPPLIERS = {
    "Northwind Housewares": [("NW-KTL-01", "Electric kettle 1.7 l", 34.90), ("NW-TST-02", "Two-slot toaster", 29.50),
                             ("NW-MUG-06", "Stoneware mug set (6)", 18.00)],
    "Baltic Lighting": [("BL-LMP-10", "Desk lamp, brass", 49.00), ("BL-BLB-04", "LED bulb E27 (4)", 12.40)],
    "Shenzhen Sunrise Electronics": [("SS-EAR-20", "Wireless earbuds", 39.99), ("SS-PWR-10", "Power bank 10 Ah", 24.90),
                                     ("SS-CBL-03", "USB-C cable 2 m", 7.90)],
    "Porto Textiles": [("PT-TWL-05", "Bath towel set", 26.00), ("PT-BLN-01", "Wool blanket", 59.00)],
}
REASONS = ["arrived damaged", "does not work", "missing part", "wrong item sent", "scratched on arrival",
           "stained", "packaging crushed", "changed mind"]
FIRST = ["Anna", "Ben", "Chloe", "David", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca",
         "Maya", "Noah", "Olga", "Pavel", "Rosa", "Sami", "Tara", "Viktor"]
LAST = ["Schmidt", "Nowak", "Rossi", "Jensen", "Costa", "Dubois", "Kovacs", "Murphy", "Silva", "Berg"]
STREETS = ["Harbour Road", "Mill Lane", "Station Street", "Park Avenue", "Church Walk", "King Street"]
CITIES = [("Hamburg", "20095"), ("Rotterdam", "3011"), ("Lyon", "69001"), ("Leeds", "LS1 4DY"), ("Gdansk", "80-001")]


def purchase_orders(rng: random.Random, per_supplier: int = 2) -> list[tuple[str, str, list[str]]]:
    """(PO, supplier, batches): a few POs per supplier, one or two shipment batches each."""
    out, n = [], 4500
    for supplier in SUPPLIERS:
        for _ in range(per_supplier):
            n += rng.randint(1, 40)
            po = f"PO-{n}"
            out.append((po, supplier, [f"LOT-{n}-{chr(65 + b)}" for b in range(rng.randint(1, 2))]))
    return out


def rows(count: int = 300, ref_prefix: str = "RMA-SIM-", seed: int = 7, start: int = 1,
         pos_per_supplier: int = 2) -> list[dict]:
    rng = random.Random(seed)
    pos = purchase_orders(rng, pos_per_supplier)
    base = date(2026, 9, 1)
    out = []
    for i in range(start, start + count):
        po, supplier, batches = rng.choice(pos)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, postcode = rng.choice(CITIES)
        ret = {
            "rma_ref": f"{ref_prefix}{i:05d}",
            "customer_name": f"{first} {last}",
            "customer_address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {postcode} {city}",
            "customer_email": f"{first}.{last}{rng.randint(1, 99)}@example.com".lower(),
            "customer_phone": f"+49 {rng.randint(150, 179)} {rng.randint(1000000, 9999999)}",
            "order_id": f"ORD-{rng.randint(10_000_000, 99_999_999)}",
            "order_date": (base + timedelta(days=rng.randint(0, 60))).isoformat(),
            "reason": rng.choice(REASONS),
            "status": "received",
        }
        products = rng.sample(SUPPLIERS[supplier], k=1 if rng.random() < 0.8 else 2)
        for sku, product, value in products:
            out.append({**ret, "sku": sku, "product": product, "quantity": 1 if rng.random() < 0.85 else 2,
                        "unit_value": f"{value:.2f}", "batch": rng.choice(batches), "supplier": supplier,
                        "supplier_po": po})
    return out


def write_csv(path: Path, count: int = 300, ref_prefix: str = "RMA-SIM-", seed: int = 7,
              pos_per_supplier: int = 2) -> int:
    data = rows(count, ref_prefix, seed, pos_per_supplier=pos_per_supplier)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(data)
    return len(data)
