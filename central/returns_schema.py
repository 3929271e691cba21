"""Schema for return records: returns, their lines (SKU, batch, supplier, PO), purchase orders."""

from sqlite_utils.migrations import Migrations

migrations = Migrations("returnsdesk-hub-returns")


@migrations()
def m001_returns(db):
    db.execute(
        """CREATE TABLE returns (
            ref TEXT PRIMARY KEY,
            order_id TEXT, order_date TEXT,
            customer_name TEXT, customer_address TEXT, customer_email TEXT, customer_phone TEXT,
            reason TEXT, status TEXT NOT NULL, note TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE purchase_orders (po TEXT PRIMARY KEY, supplier TEXT NOT NULL, created_at TEXT NOT NULL)")
    db.execute("CREATE INDEX purchase_orders_supplier ON purchase_orders(supplier)")
    db.execute(
        """CREATE TABLE return_lines (
            id INTEGER PRIMARY KEY,
            return_ref TEXT NOT NULL REFERENCES returns(ref),
            sku TEXT NOT NULL, product TEXT, quantity INTEGER NOT NULL, unit_value REAL NOT NULL,
            batch TEXT, supplier TEXT NOT NULL, po TEXT NOT NULL,
            UNIQUE (return_ref, sku)
        )"""
    )
    db.execute("CREATE INDEX return_lines_po ON return_lines(supplier, po, batch)")
