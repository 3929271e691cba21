"""Supplier response: claims → closeout. Credit, replacement, rejection or partial; claimed vs recovered per
claim and per supplier, so finance can reconcile a credit without asking the buyer."""

from __future__ import annotations

import sqlite3

from central import audit
from central import db as hubdb
from central.claims import ClaimError, Conflict, finite_number, get, version, whole_number
from edge import wire

KINDS = ("credit", "replacement", "rejection", "partial")


def _number(v, what: str, cast):
    if v is None or v == "":
        return None
    n = cast(v, what)
    if not n > 0:
        raise ClaimError(f"{what} must be more than zero")
    return n


def respond(conn: sqlite3.Connection, claim_id, actor: str, *, kind: str, amount=None, quantity=None,
            reason: str = "", note: str = "") -> dict:
    if kind not in KINDS:
        raise ClaimError(f"response kind {kind!r} is not one of: {', '.join(KINDS)}")
    amount = _number(amount, "amount", lambda v, what: round(finite_number(v, what), 2))
    quantity = _number(quantity, "quantity", whole_number)
    reason = (reason or "").strip()
    if kind == "credit" and amount is None:
        raise ClaimError("a credit needs its amount")
    if kind == "replacement" and quantity is None:
        raise ClaimError("a replacement needs its quantity")
    if kind == "rejection" and not reason:
        raise ClaimError("a rejection needs the supplier's reason")
    if kind == "partial" and (not reason or (amount is None and quantity is None)):
        raise ClaimError("a partial response needs an amount or a quantity, and the reason for the rest")
    with hubdb.write(conn):
        claim = get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is closed")
        sent = conn.execute("SELECT 1 FROM claim_decisions WHERE claim_id = ? AND kind = 'approval' LIMIT 1",
                            (claim["id"],)).fetchone()
        if sent is None:
            raise Conflict(f"claim {claim_id} was never approved to go to the supplier; nothing to respond to")
        cur = conn.execute(
            "INSERT INTO claim_responses (claim_id, version, kind, amount, quantity, reason, note, by, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (claim["id"], claim["current_version"], kind, amount, quantity, reason or None, note.strip() or None,
             actor, wire.utcnow()))
        conn.execute("UPDATE claims SET state = 'responded' WHERE id = ?", (claim["id"],))
        audit.record(conn, actor, "claim.respond", "claim", claim["id"], {"state": claim["state"]},
                     {"state": "responded", "response": cur.lastrowid, "kind": kind, "amount": amount,
                      "quantity": quantity, "reason": reason or None})
    return dict(conn.execute("SELECT * FROM claim_responses WHERE id = ?", (cur.lastrowid,)).fetchone())


def responses(conn: sqlite3.Connection, claim_id) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT * FROM claim_responses WHERE claim_id = ? ORDER BY id", (claim_id,))]


def reconcile(conn: sqlite3.Connection, claim_id) -> dict:
    """Claimed (current version) against recovered (credits, plus replacements at the claim's unit value)."""
    claim = get(conn, claim_id)
    doc = version(conn, claim_id, claim["current_version"])["content"]
    return _reconcile(claim, doc, responses(conn, claim_id))


def _reconcile(claim: dict, doc: dict, resps: list[dict]) -> dict:
    claimed, qty = doc["value"]["claimed"], doc["quantity"]["total"]
    unit = claimed / qty if qty else 0.0
    credited = round(sum(r["amount"] or 0 for r in resps), 2)
    replaced = sum(r["quantity"] or 0 for r in resps)
    recovered = round(credited + replaced * unit, 2)
    rejected = any(r["kind"] == "rejection" for r in resps)
    status = ("no response" if not resps else "recovered" if recovered >= claimed
              else "rejected" if rejected and not recovered else "partly recovered")
    return {"claim": claim["id"], "supplier": claim["supplier"], "po": claim["po"], "currency": doc["value"]["currency"],
            "claimed": claimed, "credited": credited, "replaced_quantity": replaced,
            "replaced_value": round(replaced * unit, 2), "recovered": recovered,
            "outstanding": round(max(claimed - recovered, 0), 2), "status": status}


def reconcile_supplier(conn: sqlite3.Connection, supplier: str) -> dict:
    per_claim = [reconcile(conn, c["id"]) for c in conn.execute("SELECT id FROM claims WHERE supplier = ? ORDER BY id",
                                                                 (supplier,))]
    total = {k: round(sum(r[k] for r in per_claim), 2) for k in ("claimed", "credited", "replaced_value",
                                                                  "recovered", "outstanding")}
    return {"supplier": supplier, "claims": per_claim, **total}
