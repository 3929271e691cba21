"""The approval boundary (claims): this step, this PO, this document version, remaining evidence due by a date.

An exception (small value, one shipment) is saved as an exception and never becomes the supplier's
standing instruction; a refusal is saved too. An approval expires when its version is superseded or
its due date passes — its status is worked out when read, so nothing has to run on a timer.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from central import audit
from central import db as hubdb
from central.claims import core
from central.claims.errors import ClaimError, Conflict
from edge import wire

EXCEPTIONS = {
    "small_value": "exception because the value is small; not a standing instruction",
    "one_shipment": "exception for this one shipment; the next reorder needs a cleaner record",
}


def approve(conn: sqlite3.Connection, claim_id: int, *, actor: str, step: str, remaining_evidence: list[str],
            due_date: str | None, version: int | None = None, po: str | None = None, exception: str | None = None,
            exception_note: str | None = None, small_value_limit: float = 250.0, today: date | None = None) -> dict:
    if not step or not step.strip():
        raise ClaimError("an approval names the step it allows (e.g. 'send claim packet')")
    evidence = [e.strip() for e in remaining_evidence or [] if e and e.strip()]
    if evidence and not due_date:
        raise ClaimError("remaining evidence needs a due date")
    if due_date:
        try:
            due = date.fromisoformat(due_date)
        except ValueError:
            raise ClaimError(f"due date {due_date!r} is not a date (YYYY-MM-DD)") from None
        if due < (today or date.today()):
            raise ClaimError(f"due date {due_date} is already past")
    with hubdb.write(conn):
        claim = core.get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is closed")
        if po is not None and po != claim["po"]:
            raise ClaimError(f"claim {claim_id} is for PO {claim['po']}, not {po}: an approval covers one PO")
        number = claim["current_version"] if version is None else version
        v = core.version(conn, claim_id, number)
        if v["status"] != "current":
            raise Conflict(f"version {number} is {v['status']}; approve the current version "
                           f"{claim['current_version']}")
        if exception is not None:
            if exception not in EXCEPTIONS:
                raise ClaimError(f"exception must be one of {', '.join(EXCEPTIONS)}")
            if exception == "small_value" and v["data"]["value"] > small_value_limit:
                raise ClaimError(f"value {v['data']['value']:.2f} is over the small-value limit "
                                 f"{small_value_limit:.2f}")
            if exception == "one_shipment" and len(v["data"]["shipment"]) != 1:
                raise ClaimError("a one-shipment exception needs a claim covering exactly one batch")
            exception_note = (exception_note or "").strip() or EXCEPTIONS[exception]
        cur = conn.execute(
            "INSERT INTO approvals (claim_id, version, decision, step, po, remaining_evidence, due_date, exception, "
            "exception_note, actor, at) VALUES (?, ?, 'approved', ?, ?, ?, ?, ?, ?, ?, ?)",
            (claim_id, number, step.strip(), claim["po"], json.dumps(evidence), due_date, exception,
             exception_note, actor, wire.utcnow()))
        conn.execute("UPDATE claims SET state = 'approved' WHERE id = ?", (claim_id,))
        after = {"approval": cur.lastrowid, "version": number, "step": step.strip(), "po": claim["po"],
                 "remaining_evidence": evidence, "due_date": due_date, "exception": exception}
        audit.record(conn, actor, "approve", "claim", claim_id, before={"state": claim["state"]}, after=after)
    return approval(conn, cur.lastrowid, today=today)


def refuse(conn: sqlite3.Connection, claim_id: int, *, actor: str, reason: str, version: int | None = None) -> dict:
    """Save the refusal; the refused version is marked rejected and stays in the file beside its correction."""
    if not reason or not reason.strip():
        raise ClaimError("a refusal needs its reason")
    with hubdb.write(conn):
        claim = core.get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is closed")
        number = claim["current_version"] if version is None else version
        v = core.version(conn, claim_id, number)
        if v["status"] != "current":
            raise Conflict(f"version {number} is {v['status']}; only the current version can be refused")
        cur = conn.execute("INSERT INTO approvals (claim_id, version, decision, po, reason, actor, at) "
                           "VALUES (?, ?, 'refused', ?, ?, ?, ?)",
                           (claim_id, number, claim["po"], reason.strip(), actor, wire.utcnow()))
        conn.execute("UPDATE claim_versions SET status = 'rejected' WHERE claim_id = ? AND version = ?",
                     (claim_id, number))
        conn.execute("UPDATE claims SET state = 'refused' WHERE id = ?", (claim_id,))
        audit.record(conn, actor, "refuse", "claim", claim_id, before={"state": claim["state"]},
                     after={"approval": cur.lastrowid, "version": number, "reason": reason.strip()})
    return approval(conn, cur.lastrowid)


def _status(row: dict, current_version: int, today: date) -> str:
    if row["decision"] == "refused":
        return "refused"
    if row["version"] != current_version:
        return "expired: version superseded"
    if row["due_date"] and date.fromisoformat(row["due_date"]) < today:
        return "expired: due date passed"
    return "active"


def _row(r, current_version: int, today: date) -> dict:
    d = dict(r)
    d["remaining_evidence"] = json.loads(d["remaining_evidence"] or "[]")
    d["status"] = _status(d, current_version, today)
    d["standing_instruction"] = d["decision"] == "approved" and not d["exception"]
    return d


def approval(conn: sqlite3.Connection, approval_id: int, today: date | None = None) -> dict:
    r = conn.execute("SELECT a.*, c.current_version FROM approvals a JOIN claims c ON c.id = a.claim_id "
                     "WHERE a.id = ?", (approval_id,)).fetchone()
    return _row(r, r["current_version"], today or date.today())


def approvals(conn: sqlite3.Connection, claim_id: int, today: date | None = None) -> list[dict]:
    current = core.get(conn, claim_id)["current_version"]
    return [_row(r, current, today or date.today()) for r in conn.execute(
        "SELECT * FROM approvals WHERE claim_id = ? ORDER BY id", (claim_id,))]


def active(conn: sqlite3.Connection, claim_id: int, today: date | None = None) -> dict | None:
    return next((a for a in reversed(approvals(conn, claim_id, today)) if a["status"] == "active"), None)


def standing_instruction(conn: sqlite3.Connection, supplier: str) -> dict | None:
    """The supplier's last approved process that was not an exception — what they may repeat."""
    r = conn.execute("SELECT a.* FROM approvals a JOIN claims c ON c.id = a.claim_id WHERE c.supplier = ? "
                     "AND a.decision = 'approved' AND a.exception IS NULL ORDER BY a.id DESC LIMIT 1",
                     (supplier,)).fetchone()
    if r is None:
        return None
    return {"claim_id": r["claim_id"], "version": r["version"], "step": r["step"], "po": r["po"], "at": r["at"]}
