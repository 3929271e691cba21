"""Schema for linking → claims: return records and their lines, photo links, the unlinked queue, and the claim file."""

from sqlite_utils.migrations import Migrations

migrations = Migrations("returnsdesk-hub-claims")


@migrations()
def m001_returns(db):
    db.executescript(
        """
        CREATE TABLE suppliers (name TEXT PRIMARY KEY);
        CREATE TABLE purchase_orders (po TEXT PRIMARY KEY, supplier TEXT NOT NULL REFERENCES suppliers(name));
        CREATE TABLE batches (po TEXT NOT NULL, batch TEXT NOT NULL, PRIMARY KEY (po, batch));
        CREATE TABLE returns (
            ref TEXT PRIMARY KEY,
            customer_name TEXT, customer_address TEXT, customer_email TEXT, customer_phone TEXT,
            order_id TEXT, order_date TEXT, reason TEXT, status TEXT NOT NULL DEFAULT 'received',
            imported_at TEXT NOT NULL, updated_at TEXT NOT NULL
        );
        CREATE TABLE return_lines (
            id INTEGER PRIMARY KEY,
            return_ref TEXT NOT NULL REFERENCES returns(ref),
            sku TEXT NOT NULL, product TEXT, quantity INTEGER NOT NULL, unit_value REAL NOT NULL,
            batch TEXT, supplier TEXT NOT NULL, po TEXT NOT NULL,
            UNIQUE (return_ref, sku)
        );
        CREATE INDEX return_lines_po ON return_lines(supplier, po, batch);
        CREATE TABLE photo_links (
            photo_id TEXT PRIMARY KEY,
            return_ref TEXT NOT NULL, line_id INTEGER, sku TEXT, supplier TEXT, po TEXT, batch TEXT,
            category TEXT, label_match INTEGER, how TEXT NOT NULL, linked_at TEXT NOT NULL
        );
        CREATE INDEX photo_links_po ON photo_links(supplier, po, batch, category);
        CREATE INDEX photo_links_ref ON photo_links(return_ref);
        CREATE TABLE unlinked (
            photo_id TEXT PRIMARY KEY, return_ref TEXT, reason TEXT NOT NULL, detail TEXT, at TEXT NOT NULL
        );
        CREATE INDEX unlinked_ref ON unlinked(return_ref);
        CREATE TABLE event_links (
            event_id TEXT PRIMARY KEY, return_ref TEXT, item INTEGER, category TEXT, photo_ids TEXT,
            linked INTEGER NOT NULL, at TEXT NOT NULL
        );
        """
    )


@migrations()
def m002_claims(db):
    db.executescript(
        """
        CREATE TABLE claims (
            id INTEGER PRIMARY KEY,
            supplier TEXT NOT NULL, po TEXT NOT NULL, batch TEXT,
            state TEXT NOT NULL DEFAULT 'open',
            current_version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL, created_by TEXT NOT NULL, closed_at TEXT
        );
        CREATE INDEX claims_supplier ON claims(supplier, po);
        CREATE TABLE claim_versions (
            claim_id INTEGER NOT NULL REFERENCES claims(id), version INTEGER NOT NULL,
            status TEXT NOT NULL,            -- current | superseded | rejected
            corrects INTEGER,                -- the rejected version this one corrects
            note TEXT, data TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
            PRIMARY KEY (claim_id, version)
        );
        CREATE TABLE approvals (
            id INTEGER PRIMARY KEY,
            claim_id INTEGER NOT NULL REFERENCES claims(id), version INTEGER NOT NULL,
            decision TEXT NOT NULL,          -- approved | refused
            step TEXT, po TEXT, remaining_evidence TEXT, due_date TEXT,
            exception TEXT, exception_note TEXT, reason TEXT,
            actor TEXT NOT NULL, at TEXT NOT NULL
        );
        CREATE INDEX approvals_claim ON approvals(claim_id);
        CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            claim_id INTEGER NOT NULL REFERENCES claims(id),
            kind TEXT NOT NULL,              -- credit | replacement | rejection | partial
            amount REAL NOT NULL DEFAULT 0, quantity INTEGER NOT NULL DEFAULT 0, reason TEXT,
            actor TEXT NOT NULL, at TEXT NOT NULL
        );
        CREATE INDEX responses_claim ON responses(claim_id);
        CREATE TABLE closeouts (
            claim_id INTEGER PRIMARY KEY REFERENCES claims(id),
            issue TEXT NOT NULL, affected_field TEXT NOT NULL, supplier_explanation TEXT NOT NULL,
            evidence_reviewed TEXT NOT NULL, buyer_decision TEXT NOT NULL, next_control TEXT NOT NULL,
            actor TEXT NOT NULL, at TEXT NOT NULL
        );
        """
    )
