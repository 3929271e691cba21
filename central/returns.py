"""Return records: RMS / CSV → returns → linking. Returns, their lines (SKU, batch, supplier, PO), and the import.

A CSV row is one return line; the return's own fields repeat on each of its lines. A bad row is
reported with its line number and reason while the good rows load; a re-import updates in place
(returns keyed on the RMA reference, lines on reference + SKU), so nothing is doubled, and the audit log
keeps the before and after of every field it changes. The CSV import commits in batches (a big file
shows progress and a failure keeps what was committed); the API loads its body in one transaction.
"""

from __future__ import annotations

import csv
import math
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from central import audit
from central import db as hubdb
from central.taxonomy import Taxonomy
from edge import wire

# CSV columns, in the order `demo-data` writes them; the README documents each one.
COLUMNS = ["rma_ref", "order_id", "order_date", "customer_name", "customer_address", "customer_email",
           "customer_phone", "reason", "status", "note", "sku", "product", "quantity", "unit_value",
           "batch", "supplier", "po"]
REQUIRED = ("rma_ref", "sku", "quantity", "supplier", "po")
STATUSES = ("requested", "received", "inspected", "refunded", "closed")
RETURN_FIELDS = ("order_id", "order_date", "customer_name", "customer_address", "customer_email",
                 "customer_phone", "reason", "status", "note")
LINE_FIELDS = ("sku", "product", "quantity", "unit_value", "batch", "supplier", "po")
MAX_QUANTITY, MAX_VALUE = 10**9, 1e12  # beyond any real return; SQLite's INTEGER ends at 2**63
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RowError(ValueError):
    """One row that cannot load; the message is the reason shown to the user."""


def parse_row(raw: dict) -> dict:
    """A CSV row or API object → clean values; RowError names the first bad field."""
    if None in raw:
        raise RowError(f"{len(raw[None])} field(s) more than the header has")
    d = {k: ("" if v is None else str(v)).strip() for k, v in raw.items()}
    unknown = set(d) - set(COLUMNS)
    if unknown:
        raise RowError(f"unknown field(s): {', '.join(sorted(unknown))}")
    for k in REQUIRED:
        if not d.get(k):
            raise RowError(f"{k} is empty")
    if not _REF.match(d["rma_ref"]):
        raise RowError(f"rma_ref {d['rma_ref'][:40]!r} is not a return reference (letters, digits, . _ / -)")
    out = {k: d.get(k) or None for k in COLUMNS}
    try:
        out["quantity"] = int(d["quantity"])
    except ValueError:
        raise RowError(f"quantity {d['quantity']!r} is not a whole number") from None
    if out["quantity"] <= 0:
        raise RowError("quantity must be at least 1")
    if out["quantity"] > MAX_QUANTITY:
        raise RowError(f"quantity must be at most {MAX_QUANTITY:,}")
    try:
        out["unit_value"] = round(float(d.get("unit_value") or 0), 2)
    except ValueError:
        raise RowError(f"unit_value {d['unit_value']!r} is not a number") from None
    if not math.isfinite(out["unit_value"]):
        raise RowError(f"unit_value {d['unit_value']!r} is not a finite number")
    if out["unit_value"] < 0:
        raise RowError("unit_value must be zero or more")
    if out["unit_value"] > MAX_VALUE:
        raise RowError(f"unit_value must be at most {MAX_VALUE:,.0f}")
    if out["order_date"]:
        try:
            out["order_date"] = date.fromisoformat(out["order_date"]).isoformat()
        except ValueError:
            raise RowError(f"order_date {d['order_date']!r} is not a date (YYYY-MM-DD)") from None
    if out["customer_email"] and not _EMAIL.match(out["customer_email"]):
        raise RowError(f"customer_email {d['customer_email'][:60]!r} is not an e-mail address")
    out["status"] = (out["status"] or "received").lower()
    if out["status"] not in STATUSES:
        raise RowError(f"status {d['status']!r} is not one of {', '.join(STATUSES)}")
    return out


@dataclass
class ImportResult:
    rows: int = 0
    loaded: int = 0
    returns_created: int = 0
    returns_updated: int = 0
    lines: int = 0
    returns_changed: int = 0
    linked_photos: int = 0
    bad: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**self.__dict__, "bad_rows": len(self.bad)}


class Loader:
    """Loads clean rows in batches: one BEGIN IMMEDIATE … COMMIT and a few executemany per batch.

    `taxonomy` is the hub's configured defect categories, for the photos the batch links late.
    """

    def __init__(self, conn: sqlite3.Connection, actor: str, source: str, taxonomy: Taxonomy | None = None):
        self.conn, self.actor, self.source = conn, actor, source
        self.taxonomy = taxonomy or Taxonomy()
        self.po_supplier = dict(conn.execute("SELECT po, supplier FROM purchase_orders"))
        self.result = ImportResult()

    def check_po(self, row: dict) -> None:
        known = self.po_supplier.setdefault(row["po"], row["supplier"])
        if known != row["supplier"]:
            raise RowError(f"PO {row['po']} belongs to supplier {known!r}, not {row['supplier']!r}")

    def load(self, rows: list[dict]) -> None:
        from central import linking

        if not rows:
            return
        now = wire.utcnow()
        refs = list(dict.fromkeys(r["rma_ref"] for r in rows))
        with hubdb.write(self.conn):
            changes, existing = self._changes(rows, refs)
            self.conn.executemany(
                f"INSERT INTO returns (ref, {', '.join(RETURN_FIELDS)}, created_at, updated_at) "
                f"VALUES (?, {', '.join('?' * len(RETURN_FIELDS))}, ?, ?) ON CONFLICT(ref) DO UPDATE SET "
                + ", ".join(f"{k} = excluded.{k}" for k in (*RETURN_FIELDS, "updated_at")),
                [(r["rma_ref"], *(r[k] for k in RETURN_FIELDS), now, now) for r in rows])
            self.conn.executemany(
                "INSERT INTO purchase_orders (po, supplier, created_at) VALUES (?, ?, ?) ON CONFLICT(po) DO NOTHING",
                list({(r["po"], r["supplier"], now) for r in rows}))
            self.conn.executemany(
                f"INSERT INTO return_lines (return_ref, {', '.join(LINE_FIELDS)}) "
                f"VALUES (?, {', '.join('?' * len(LINE_FIELDS))}) ON CONFLICT(return_ref, sku) DO UPDATE SET "
                + ", ".join(f"{k} = excluded.{k}" for k in LINE_FIELDS if k != "sku"),
                [(r["rma_ref"], *(r[k] for k in LINE_FIELDS)) for r in rows])
            created = len(refs) - existing
            linked = linking.link_refs(self.conn, refs, actor=self.actor, taxonomy=self.taxonomy)
            # In the batch's transaction, so the change and its record go together: one entry per return
            # whose fields changed (before/after of those fields only), one for the batch.
            audit.record_many(self.conn, self.actor, "return.update", "return", changes)
            audit.record(self.conn, self.actor, "returns.import", "returns", self.source, None,
                         {"lines": len(rows), "returns_created": created, "returns_updated": existing,
                          "returns_changed": len(changes), "linked_photos": linked,
                          "first_ref": refs[0], "last_ref": refs[-1]})
        self.result.loaded += len(rows)
        self.result.returns_created += created
        self.result.returns_updated += existing
        self.result.returns_changed += len(changes)
        self.result.lines += len(rows)
        self.result.linked_photos += linked

    def _changes(self, rows: list[dict], refs: list[str]) -> tuple[list[tuple], int]:
        """(ref, before, after) for each stored return these rows change, with only the changed fields (a
        changed line under `lines`, keyed by SKU; a new line is None before); and how many refs exist.

        Reads the stored rows by key, 500 refs a query, so a first import (nothing stored) costs little.
        """
        new_ret = {r["rma_ref"]: r for r in rows}  # the last row of a return wins, as in the upsert
        new_lines: dict[str, dict[str, dict]] = {}
        for r in rows:
            new_lines.setdefault(r["rma_ref"], {})[r["sku"]] = r
        old_ret, old_lines = {}, {}
        cur = self.conn.cursor()
        cur.row_factory = None  # plain tuples: compared whole first, field by field only when they differ
        for i in range(0, len(refs), 500):
            chunk = refs[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for r in cur.execute(f"SELECT ref, {', '.join(RETURN_FIELDS)} FROM returns WHERE ref IN ({marks})", chunk):
                old_ret[r[0]] = r[1:]
            for r in cur.execute(f"SELECT return_ref, {', '.join(LINE_FIELDS)} FROM return_lines "
                                 f"WHERE return_ref IN ({marks})", chunk):
                old_lines[(r[0], r[1])] = r[1:]
        out = []
        for ref, old in old_ret.items():
            new = new_ret[ref]
            before, after = {}, {}
            if old != tuple(new[k] for k in RETURN_FIELDS):
                before = {k: o for k, o in zip(RETURN_FIELDS, old) if o != new[k]}
                after = {k: new[k] for k in before}
            lb, la = {}, {}
            for sku, line in new_lines[ref].items():
                was = old_lines.get((ref, sku))
                if was is None:
                    lb[sku], la[sku] = None, {k: line[k] for k in LINE_FIELDS if k != "sku"}
                elif was != tuple(line[k] for k in LINE_FIELDS):
                    lb[sku] = {k: w for k, w in zip(LINE_FIELDS, was) if w != line[k]}
                    la[sku] = {k: line[k] for k in lb[sku]}
            if lb:
                before["lines"], after["lines"] = lb, la
            if before:
                out.append((ref, before, after))
        return out, len(old_ret)

    def finish(self) -> ImportResult:
        if self.result.bad:
            with hubdb.write(self.conn):
                audit.record(self.conn, self.actor, "returns.import_refused_rows", "returns", self.source, None,
                             {"bad_rows": len(self.result.bad), "first": self.result.bad[:50]})
        return self.result


def load_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, dict]], *, actor: str, source: str,
              batch: int | None = 5000, progress: Callable[[int], None] | None = None,
              taxonomy: Taxonomy | None = None) -> ImportResult:
    """Rows as (line number, raw dict); the good ones load, the bad ones are listed with their reason.

    A transaction commits every `batch` good rows; `batch=None` loads them all in one transaction.
    """
    loader = Loader(conn, actor, source, taxonomy)
    pending: list[dict] = []
    for lineno, raw in rows:
        loader.result.rows += 1
        try:
            row = parse_row(raw)
            loader.check_po(row)
        except RowError as e:
            loader.result.bad.append({"line": lineno, "ref": (raw.get("rma_ref") or "")[:64], "reason": str(e)})
        else:
            pending.append(row)
        if batch and len(pending) >= batch:
            loader.load(pending)
            pending = []
        if progress:
            progress(1)
    loader.load(pending)
    return loader.finish()


def count_rows(path: Path) -> int:
    with open(path, "rb") as f:
        return max(0, sum(1 for _ in f) - 1)


def import_csv(conn: sqlite3.Connection, path: Path, *, actor: str = "import", batch: int = 5000,
               progress: Callable[[int], None] | None = None, taxonomy: Taxonomy | None = None) -> ImportResult:
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise RowError(f"{path.name}: the header lacks column(s) {', '.join(missing)}")
            unknown = [c for c in reader.fieldnames if c not in COLUMNS]
            if unknown:
                raise RowError(f"{path.name}: unknown column(s) {', '.join(unknown)}")
            # DictReader.line_num counts physical lines, so a quoted field with a newline keeps numbers true.
            rows = ((reader.line_num, r) for r in reader)
            return load_rows(conn, rows, actor=actor, source=str(path.name), batch=batch, progress=progress,
                             taxonomy=taxonomy)
    except UnicodeDecodeError:
        raise RowError(f"{path.name}: not UTF-8 text; save it as UTF-8 and import again "
                       "(a re-import updates, nothing is doubled)") from None
    except csv.Error as e:
        raise RowError(f"{path.name}: {e}; fix the file and import again (nothing is doubled)") from None


def get_return(conn: sqlite3.Connection, ref: str) -> dict | None:
    row = conn.execute("SELECT * FROM returns WHERE ref = ?", (ref,)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out["lines"] = [dict(r) for r in conn.execute("SELECT * FROM return_lines WHERE return_ref = ? ORDER BY id", (ref,))]
    return out


def customer_of(conn: sqlite3.Connection, ref: str | None) -> dict:
    """The customer identifiers of a return, as redaction looks for them (empty for an unknown return)."""
    row = conn.execute("SELECT customer_name, customer_address, customer_email, customer_phone, order_id "
                       "FROM returns WHERE ref = ?", (ref,)).fetchone() if ref else None
    return dict(zip(("name", "address", "email", "phone", "order_id"), (x or "" for x in row))) if row else {}
