"""Closeout and the handoff check (claims): the six-line note before a claim closes, and the four questions.

The handoff answers come from the claim's own records only — if an answer needs memory, what is
missing is named.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from central import audit
from central import db as hubdb
from central.claims import approval, core, response
from central.claims.errors import ClaimError, Conflict
from edge import wire

NOTE_LINES = ("issue", "affected_field", "supplier_explanation", "evidence_reviewed", "buyer_decision",
              "next_control")
NEXT_CONTROL = "redacted claim packet before supplier escalation"


def close(conn: sqlite3.Connection, claim_id: int, *, actor: str, note: dict) -> dict:
    lines = {k: str(note.get(k) or "").strip() for k in NOTE_LINES}
    missing = [k for k, v in lines.items() if not v]
    if missing:
        raise ClaimError(f"the closeout note needs all six lines; missing: {', '.join(missing)}")
    extra = sorted(set(note) - set(NOTE_LINES))
    if extra:
        raise ClaimError(f"the closeout note has six lines ({', '.join(NOTE_LINES)}); unknown: {', '.join(extra)}")
    with hubdb.write(conn):
        claim = core.get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is already closed")
        now = wire.utcnow()
        conn.execute(f"INSERT INTO closeouts (claim_id, {', '.join(NOTE_LINES)}, actor, at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (claim_id, *lines.values(), actor, now))
        conn.execute("UPDATE claims SET state = 'closed', closed_at = ? WHERE id = ?", (now, claim_id))
        audit.record(conn, actor, "close", "claim", claim_id, before={"state": claim["state"]},
                     after={"state": "closed", **lines})
    return closeout_note(conn, claim_id)


def closeout_note(conn: sqlite3.Connection, claim_id: int) -> dict | None:
    r = conn.execute("SELECT * FROM closeouts WHERE claim_id = ?", (claim_id,)).fetchone()
    return dict(r) if r else None


def _answer(role, question, answer, missing):
    return {"role": role, "question": question, "answer": answer, "ok": not missing, "missing": missing}


def handoff(conn: sqlite3.Connection, claim_id: int, today: date | None = None) -> dict:
    claim = core.get(conn, claim_id)
    data = core.version(conn, claim_id)["data"]
    rec = response.reconcile(conn, claim_id)
    resps = response.responses(conn, claim_id)
    act = approval.active(conn, claim_id, today)
    note = closeout_note(conn, claim_id)
    timing = data.get("timing") or {}

    missing = []
    if not timing.get("credit_due"):
        missing.append("credit due date")
    if not resps:
        missing.append("supplier response (credit, replacement or rejection)")
    finance = _answer("finance", "Can finance explain the payment?",
                      f"{timing.get('text', '')} Claimed {rec['claimed_value']:.2f}, recovered {rec['recovered']:.2f}, "
                      f"outstanding {rec['outstanding']:.2f} ({rec['status']}).", missing)

    missing = []
    no_batch = sorted({ln["return_ref"] for ln in data["lines"] if not ln.get("batch")})
    if no_batch:
        missing.append(f"shipment batch for return(s) {', '.join(no_batch[:10])}")
    logistics = _answer("logistics", "Can logistics identify the right shipment record?",
                        f"PO {claim['po']}, batch {', '.join(data['shipment']) or 'none recorded'}.", missing)

    missing = []
    if data["label"].get("mismatched"):
        missing.append(f"{data['label']['mismatched']} photo(s) whose label does not match the return")
    replaced = rec["replaced_quantity"]
    if replaced > data["quantity"]:
        missing.append(f"replacement quantity {replaced} is more than the {data['quantity']} unit(s) claimed")
    no_sku = [ln["return_ref"] for ln in data["lines"] if not ln.get("sku") or not ln.get("quantity")]
    if no_sku:
        missing.append(f"SKU or quantity for return(s) {', '.join(no_sku[:10])}")
    warehouse = _answer("warehouse", "Can the warehouse receive without guessing?",
                        f"{data['quantity']} unit(s) of {', '.join(data['product'])}; "
                        f"{replaced} replacement unit(s) expected.", missing)

    missing = []
    if act is None and claim["state"] != "closed":
        missing.append(f"an active approval of the current version {claim['current_version']}")
    if note is None:
        missing.append("the six-line closeout note")
    story = _answer("broker_customer", "Can the broker or customer read one consistent story?",
                    data["summary"] + (f" Decision: {note['buyer_decision']}" if note else ""), missing)

    answers = [finance, logistics, warehouse, story]
    return {"claim_id": claim_id, "ok": all(a["ok"] for a in answers), "answers": answers}
