"""Supplier responses (claims): credit, replacement, rejection or partial; claimed vs recovered reconciled.

Recovered value counts credit amounts plus replaced units at the claim's average unit value, so a
finance clerk can compare one number with what the claim asked for — per claim and per supplier.
"""

from __future__ import annotations

import sqlite3

from central import audit
from central import db as hubdb
from central.claims import core
from central.claims.errors import ClaimError, Conflict
from edge import wire

KINDS = ("credit", "replacement", "rejection", "partial")


def respond(conn: sqlite3.Connection, claim_id: int, *, actor: str, kind: str, amount: float = 0,
            quantity: int = 0, reason: str | None = None) -> dict:
    if kind not in KINDS:
        raise ClaimError(f"response must be one of {', '.join(KINDS)}")
    try:
        amount, quantity = round(float(amount or 0), 2), int(quantity or 0)
    except (TypeError, ValueError):
        raise ClaimError("amount and quantity must be numbers") from None
    if amount < 0 or quantity < 0:
        raise ClaimError("amount and quantity must not be negative")
    reason = (reason or "").strip() or None
    if kind == "credit" and amount <= 0:
        raise ClaimError("a credit needs its amount")
    if kind == "replacement" and quantity <= 0:
        raise ClaimError("a replacement needs its quantity")
    if kind == "rejection" and not reason:
        raise ClaimError("a rejection needs the supplier's reason")
    if kind == "partial" and (amount <= 0 and quantity <= 0 or not reason):
        raise ClaimError("a partial response needs an amount or a quantity, and the reason for the rest")
    with hubdb.write(conn):
        claim = core.get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is closed")
        if not conn.execute("SELECT 1 FROM approvals WHERE claim_id = ? AND decision = 'approved'",
                            (claim_id,)).fetchone():
            raise Conflict(f"claim {claim_id} was never approved to go to the supplier; approve a version first")
        cur = conn.execute("INSERT INTO responses (claim_id, kind, amount, quantity, reason, actor, at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (claim_id, kind, amount, quantity, reason, actor, wire.utcnow()))
        conn.execute("UPDATE claims SET state = 'responded' WHERE id = ?", (claim_id,))
        audit.record(conn, actor, "respond", "claim", claim_id, before={"state": claim["state"]},
                     after={"response": cur.lastrowid, "kind": kind, "amount": amount, "quantity": quantity,
                            "reason": reason})
    return reconcile(conn, claim_id)


def responses(conn: sqlite3.Connection, claim_id: int) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT * FROM responses WHERE claim_id = ? ORDER BY id", (claim_id,))]


def _recon(claimed_value: float, claimed_qty: int, rows: list) -> dict:
    unit = claimed_value / claimed_qty if claimed_qty else 0.0
    credit = round(sum(r["amount"] for r in rows), 2)
    replaced = sum(r["quantity"] for r in rows)
    recovered = round(credit + replaced * unit, 2)
    rejected = any(r["kind"] == "rejection" for r in rows)
    if not rows:
        status = "awaiting response"
    elif recovered >= claimed_value - 0.005:
        status = "recovered"
    elif recovered > 0:
        status = "partly recovered"
    else:
        status = "rejected" if rejected else "awaiting response"
    return {"claimed_value": round(claimed_value, 2), "claimed_quantity": claimed_qty, "credited": credit,
            "replaced_quantity": replaced, "replacement_value": round(replaced * unit, 2), "recovered": recovered,
            "outstanding": round(max(claimed_value - recovered, 0), 2), "status": status}


def reconcile(conn: sqlite3.Connection, claim_id: int) -> dict:
    v = core.version(conn, claim_id)["data"]
    return {"claim_id": claim_id, **_recon(v["value"], v["quantity"], responses(conn, claim_id))}


def reconcile_supplier(conn: sqlite3.Connection, supplier: str) -> dict:
    per = [reconcile(conn, c["id"]) for c in core.list_claims(conn, supplier=supplier)]
    total = lambda k: round(sum(p[k] for p in per), 2)  # noqa: E731
    return {"supplier": supplier, "claims": len(per), "claimed_value": total("claimed_value"),
            "recovered": total("recovered"), "outstanding": total("outstanding"), "per_claim": per}
