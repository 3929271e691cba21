"""Return records (RMS → hub): the CSV import and the JSON API load returns, their lines, suppliers, POs and batches.

One CSV row is one return line; the return's own fields repeat on each of its lines. A bad row is
reported with its line number and reason while the good rows load; a re-import updates in place
(keyed on RMA ref, and on RMA ref + SKU for lines). Rows go in batched transactions with executemany.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

from central import audit, linking
from central import db as hubdb
from edge import wire

# The documented CSV columns (README "Return records"); the first row of the file names them.
COLUMNS = [
    "rma_ref", "customer_name", "customer_address", "customer_email", "customer_phone", "order_id",
    "order_date", "reason", "status", "sku", "product", "quantity", "unit_value", "batch", "supplier",
    "supplier_po",
]
REQUIRED = ["rma_ref", "sku", "quantity", "unit_value", "supplier", "supplier_po"]
STATUSES = ("received", "inspected", "claimed", "closed")
BATCH_ROWS = 5000


class RowError(ValueError):
    """A row that cannot load; the message is the reason a person reads."""


@dataclass
class ImportResult:
    rows: int = 0
    loaded: int = 0
    returns: int = 0
    linked: int = 0
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rows": self.rows, "loaded": self.loaded, "returns": self.returns, "linked": self.linked,
                "bad_rows": len(self.errors), "errors": self.errors}


def _text(row: dict, key: str, limit: int = 200) -> str | None:
    v = row.get(key)
    if v is None:
        return None
    v = str(v).strip()
    if len(v) > limit:
        raise RowError(f"{key} is longer than {limit} characters")
    return v or None


def parse_row(row: dict) -> tuple[tuple, tuple]:
    """Check one row; returns (return fields, line fields) or raises RowError naming the field."""
    missing = [k for k in REQUIRED if not str(row.get(k) or "").strip()]
    if missing:
        raise RowError(f"missing {', '.join(missing)}")
    ref = _text(row, "rma_ref", 64)
    try:
        qty = int(str(row["quantity"]).strip())
    except ValueError:
        raise RowError(f"quantity {row['quantity']!r} is not a whole number") from None
    if qty < 1:
        raise RowError("quantity must be at least 1")
    try:
        value = float(str(row["unit_value"]).strip())
    except ValueError:
        raise RowError(f"unit_value {row['unit_value']!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise RowError("unit_value must be zero or more")
    order_date = _text(row, "order_date", 10)
    if order_date:
        try:
            date.fromisoformat(order_date)
        except ValueError:
            raise RowError(f"order_date {order_date!r} is not a date (YYYY-MM-DD)") from None
    email = _text(row, "customer_email")
    if email and "@" not in email:
        raise RowError(f"customer_email {email!r} is not an e-mail address")
    status = (_text(row, "status", 20) or "received").lower()
    if status not in STATUSES:
        raise RowError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    ret = (ref, _text(row, "customer_name"), _text(row, "customer_address", 500), email,
           _text(row, "customer_phone", 40), _text(row, "order_id", 64), order_date,
           _text(row, "reason", 500), status)
    line = (ref, _text(row, "sku", 64), _text(row, "product"), qty, round(value, 2), _text(row, "batch", 64),
            _text(row, "supplier", 120), _text(row, "supplier_po", 64))
    return ret, line


def _write_batch(conn: sqlite3.Connection, rets: dict, lines: list, now: str, taxonomy=None) -> int:
    conn.executemany(
        """INSERT INTO returns (ref, customer_name, customer_address, customer_email, customer_phone, order_id,
               order_date, reason, status, imported_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)
           ON CONFLICT(ref) DO UPDATE SET customer_name=excluded.customer_name,
               customer_address=excluded.customer_address, customer_email=excluded.customer_email,
               customer_phone=excluded.customer_phone, order_id=excluded.order_id,
               order_date=excluded.order_date, reason=excluded.reason, status=excluded.status,
               updated_at=excluded.updated_at""",
        [(*r, now, now) for r in rets.values()])
    conn.executemany("INSERT OR IGNORE INTO suppliers (name) VALUES (?)", {(ln[6],) for ln in lines})
    conn.executemany("INSERT OR IGNORE INTO purchase_orders (po, supplier) VALUES (?, ?)",
                     {(ln[7], ln[6]) for ln in lines})
    conn.executemany("INSERT OR IGNORE INTO batches (po, batch) VALUES (?, ?)",
                     {(ln[7], ln[5]) for ln in lines if ln[5]})
    conn.executemany(
        """INSERT INTO return_lines (return_ref, sku, product, quantity, unit_value, batch, supplier, po)
           VALUES (?,?,?,?,?,?,?,?)
           ON CONFLICT(return_ref, sku) DO UPDATE SET product=excluded.product, quantity=excluded.quantity,
               unit_value=excluded.unit_value, batch=excluded.batch, supplier=excluded.supplier, po=excluded.po""",
        lines)
    # Photos that arrived before their record link now, in the same transaction.
    return linking.link_pending(conn, list(rets), taxonomy)


def import_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, dict]], *, actor: str = "import",
                source: str = "", progress=None, taxonomy=None) -> ImportResult:
    """Load (line number, row) pairs; bad rows are listed in the result, good ones committed in batches."""
    result = ImportResult()
    po_owner = dict(conn.execute("SELECT po, supplier FROM purchase_orders"))
    rets: dict = {}
    lines: list = []
    now = wire.utcnow()
    seen_refs: set = set()

    def flush():
        if not lines:
            return
        with hubdb.write(conn):
            result.linked += _write_batch(conn, rets, lines, now, taxonomy)
        result.loaded += len(lines)
        rets.clear()
        lines.clear()

    for lineno, row in rows:
        result.rows += 1
        try:
            ret, line = parse_row(row)
            owner = po_owner.setdefault(line[7], line[6])
            if owner != line[6]:
                raise RowError(f"PO {line[7]} belongs to supplier {owner!r}, not {line[6]!r}")
        except RowError as e:
            result.errors.append({"line": lineno, "rma_ref": (row.get("rma_ref") or "").strip() or None,
                                  "reason": str(e)})
        else:
            rets[ret[0]] = ret
            seen_refs.add(ret[0])
            lines.append(line)
            if len(lines) >= BATCH_ROWS:
                flush()
        if progress is not None:
            progress.update(1)
    flush()
    result.returns = len(seen_refs)
    with hubdb.write(conn):
        audit.record(conn, actor, "import", "returns", source or None,
                     after={k: v for k, v in result.to_dict().items() if k != "errors"}
                     | {"bad_rows": len(result.errors)})
    return result


def read_csv(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, row) pairs; the header is line 1. Unknown or missing columns are a clear error."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise RowError(f"{path}: the header lacks column(s) {', '.join(missing)}")
        unknown = [c for c in header if c not in COLUMNS]
        if unknown:
            raise RowError(f"{path}: unknown column(s) {', '.join(unknown)}; expected {', '.join(COLUMNS)}")
        for row in reader:
            yield reader.line_num, row


def import_csv(conn: sqlite3.Connection, path: Path, *, actor: str = "import", progress: bool = True,
               taxonomy=None) -> ImportResult:
    from tqdm import tqdm

    path = Path(path)
    with open(path, "rb") as f:
        total = max(0, sum(1 for _ in f) - 1)
    with tqdm(total=total, unit="row", file=sys.stderr, disable=not progress, desc="import") as bar:
        return import_rows(conn, read_csv(path), actor=actor, source=path.name, progress=bar, taxonomy=taxonomy)


def records_to_rows(records: list) -> Iterator[tuple[int, dict]]:
    """The JSON API's shape — a return with its `lines` — as flat CSV-like rows numbered by record."""
    for i, rec in enumerate(records, 1):
        if not isinstance(rec, dict):
            yield i, {"rma_ref": None}
            continue
        lines = rec.get("lines")
        if not isinstance(lines, list) or not lines:
            yield i, {**{k: v for k, v in rec.items() if k != "lines"}, "sku": None}
            continue
        for line in lines:
            yield i, {**{k: v for k, v in rec.items() if k != "lines"}, **(line if isinstance(line, dict) else {})}


def get_return(conn: sqlite3.Connection, ref: str) -> dict | None:
    row = conn.execute("SELECT * FROM returns WHERE ref = ?", (ref,)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out["lines"] = [dict(r) for r in conn.execute("SELECT * FROM return_lines WHERE return_ref = ? ORDER BY id", (ref,))]
    return out
