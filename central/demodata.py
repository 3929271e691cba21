"""Demo return records: RMS → returns. A realistic, reproducible set (several suppliers, POs, batches, a few
hundred returns) whose references include the ones the simulated kiosks scan, so `make demo` photos link."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from central.returns import COLUMNS

# supplier → POs → (batches, [(sku, product, unit value)])
CATALOGUE = {
    "Brightway Electronics": {
        "PO-4501": (["B4501-A", "B4501-B"], [("BW-KTL-17", "Electric kettle 1.7 l", 34.90),
                                             ("BW-TST-2S", "Two-slice toaster", 27.50)]),
        "PO-4577": (["B4577-A"], [("BW-HDR-22", "Hair dryer 2200 W", 41.00)]),
    },
    "Anatolia Textiles": {
        "PO-7310": (["AT-2611", "AT-2612"], [("AT-TWL-BATH", "Bath towel, cotton, grey", 12.40),
                                            ("AT-BED-DBL", "Double duvet cover set", 38.00)]),
        "PO-7388": (["AT-2702"], [("AT-CUR-140", "Linen curtain 140x250", 29.90)]),
    },
    "Porto Ceramics": {
        "PO-1209": (["PC-881"], [("PC-MUG-35", "Stoneware mug 350 ml", 6.80), ("PC-PLT-27", "Dinner plate 27 cm", 9.20)]),
    },
    "Baltic Home Goods": {
        "PO-5520": (["BH-0415", "BH-0416", "BH-0417"], [("BH-LMP-DSK", "Desk lamp, oak", 45.00),
                                                       ("BH-SHF-60", "Wall shelf 60 cm", 19.90)]),
    },
}
# The simulated kiosks' references (tests/demo.py, `returns-kiosk simulate` defaults) and where they belong.
SIMULATED = [("RMA-KIOSK-1-", "Brightway Electronics", "PO-4501", "B4501-A"),
             ("RMA-KIOSK-2-", "Brightway Electronics", "PO-4501", "B4501-B"),
             ("RMA-SIM-", "Anatolia Textiles", "PO-7310", "AT-2611")]
FIRST = ["Ana", "Ben", "Chloé", "Dawit", "Emma", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena",
         "Mateo", "Nora", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara"]
LAST = ["Almeida", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Horvat", "Ivanova", "Jansen",
        "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt"]
STREETS = ["Rua das Flores", "Hauptstraße", "Calle Mayor", "Kungsgatan", "Via Roma", "Rue de la Paix", "Nowy Świat"]
CITIES = ["4050-262 Porto", "10115 Berlin", "28013 Madrid", "111 52 Stockholm", "00184 Roma", "75002 Paris",
          "00-372 Warszawa"]
REASONS = ["arrived damaged", "does not work", "wrong item sent", "missing parts", "not as described",
           "packaging crushed", "stained on arrival"]


def _customer(rng: random.Random, i: int) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {"customer_name": f"{first} {last}",
            "customer_address": f"{rng.choice(STREETS)} {rng.randint(1, 220)}, {rng.choice(CITIES)}",
            "customer_email": f"{first.lower()}.{last.lower()}{i}@example.org".replace("é", "e").replace("í", "i"),
            "customer_phone": f"+{rng.choice([351, 49, 34, 46, 39, 33, 48])} {rng.randint(100, 999)} "
                              f"{rng.randint(100, 999)} {rng.randint(100, 999)}"}


def _return(rng: random.Random, ref: str, i: int, today: date) -> dict:
    order = today - timedelta(days=rng.randint(8, 120))
    return {"rma_ref": ref, "order_id": f"ORD-{100000 + i * 7 % 900000}", "order_date": order.isoformat(),
            **_customer(rng, i), "reason": rng.choice(REASONS), "status": "received", "note": ""}


def _line(rng: random.Random, supplier: str, po: str, batch: str, item: tuple) -> dict:
    sku, product, value = item
    return {"sku": sku, "product": product, "quantity": rng.choice([1, 1, 1, 2]), "unit_value": f"{value:.2f}",
            "batch": batch, "supplier": supplier, "po": po}


def generate(returns: int = 300, simulated: int = 20, seed: int = 7, today: date | None = None) -> list[dict]:
    """Rows for `import-returns`: `simulated` references per kiosk prefix, then the rest (some with two lines)."""
    rng = random.Random(seed)
    today = today or date.today()
    rows, i = [], 0
    for prefix, supplier, po, batch in SIMULATED:
        item = CATALOGUE[supplier][po][1][0]
        for n in range(1, simulated + 1):
            i += 1
            rows.append(_return(rng, f"{prefix}{n:05d}", i, today) | _line(rng, supplier, po, batch, item))
    pos = [(s, po) for s, p in CATALOGUE.items() for po in p]
    for n in range(1, max(0, returns - len(SIMULATED) * simulated) + 1):
        i += 1
        supplier, po = rng.choice(pos)
        batches, items = CATALOGUE[supplier][po]
        ret = _return(rng, f"RMA-{today.year}-{n:05d}", i, today)
        for item in rng.sample(items, 2 if len(items) > 1 and rng.random() < 0.2 else 1):
            rows.append(ret | _line(rng, supplier, po, rng.choice(batches), item))
    return rows


def write_csv(path: Path, rows: list[dict]) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return len(rows)
