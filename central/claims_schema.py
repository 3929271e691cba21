"""Schema for claims: claims, their versions, the buyer's decisions (approvals, refusals), supplier responses."""

from sqlite_utils.migrations import Migrations

migrations = Migrations("returnsdesk-hub-claims")


@migrations()
def m001_claims(db):
    db.execute(
        """CREATE TABLE claims (
            id INTEGER PRIMARY KEY,
            supplier TEXT NOT NULL, po TEXT NOT NULL, batch TEXT,
            state TEXT NOT NULL,              -- open | approved | refused | responded | closed
            current_version INTEGER NOT NULL,
            opened_at TEXT NOT NULL, opened_by TEXT NOT NULL,
            closed_at TEXT, closed_by TEXT, closeout TEXT
        )"""
    )
    db.execute("CREATE INDEX claims_supplier ON claims(supplier, po, batch)")
    db.execute(
        """CREATE TABLE claim_versions (
            claim_id INTEGER NOT NULL REFERENCES claims(id),
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL, created_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            corrects INTEGER,                 -- the refused version this one corrects
            content TEXT NOT NULL,            -- the whole claim document of this version (JSON)
            edits TEXT NOT NULL,              -- the buyer's changes on top of the gathered evidence (JSON)
            PRIMARY KEY (claim_id, version)
        )"""
    )
    db.execute(
        """CREATE TABLE claim_decisions (
            id INTEGER PRIMARY KEY,
            claim_id INTEGER NOT NULL REFERENCES claims(id),
            version INTEGER NOT NULL,
            kind TEXT NOT NULL,               -- approval | refusal
            step TEXT, po TEXT,
            remaining_evidence TEXT, due_date TEXT,
            exception TEXT, exception_note TEXT,
            reason TEXT,
            by TEXT NOT NULL, at TEXT NOT NULL,
            ended_at TEXT, ended_why TEXT
        )"""
    )
    db.execute("CREATE INDEX claim_decisions_claim ON claim_decisions(claim_id, version)")
    db.execute(
        """CREATE TABLE claim_responses (
            id INTEGER PRIMARY KEY,
            claim_id INTEGER NOT NULL REFERENCES claims(id),
            version INTEGER NOT NULL,
            kind TEXT NOT NULL,               -- credit | replacement | rejection | partial
            amount REAL, quantity INTEGER, reason TEXT, note TEXT,
            by TEXT NOT NULL, at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX claim_responses_claim ON claim_responses(claim_id)")
