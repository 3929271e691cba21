"""Claims and their versions (linking → claims): open a claim per supplier PO (+ batch), revise, compare versions.

Every change writes a new version and an audit entry in the same transaction; no version is ever
overwritten, so rejected and corrected versions stay side by side in the file.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from central import audit
from central import db as hubdb
from central.claims import evidence, question
from central.claims.errors import ClaimError, Conflict, NotFound
from central.taxonomy import Taxonomy
from edge import wire

STATES = ("open", "approved", "refused", "responded", "closed")


def get(conn: sqlite3.Connection, claim_id: int) -> dict:
    row = conn.execute("SELECT * FROM claims WHERE id = ?", (claim_id,)).fetchone()
    if row is None:
        raise NotFound(f"no claim {claim_id}")
    return dict(row)


def version(conn: sqlite3.Connection, claim_id: int, number: int | None = None) -> dict:
    if number is None:
        number = get(conn, claim_id)["current_version"]
    row = conn.execute("SELECT * FROM claim_versions WHERE claim_id = ? AND version = ?",
                       (claim_id, number)).fetchone()
    if row is None:
        raise NotFound(f"claim {claim_id} has no version {number}")
    out = dict(row)
    out["data"] = json.loads(out["data"])
    return out


def versions(conn: sqlite3.Connection, claim_id: int) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT version, status, corrects, note, created_at, created_by FROM claim_versions "
        "WHERE claim_id = ? ORDER BY version", (claim_id,))]


def _insert_version(conn, claim_id, number, data, actor, note=None, corrects=None) -> None:
    conn.execute("UPDATE claim_versions SET status = 'superseded' WHERE claim_id = ? AND status = 'current'",
                 (claim_id,))
    conn.execute("INSERT INTO claim_versions (claim_id, version, status, corrects, note, data, created_at, "
                 "created_by) VALUES (?, ?, 'current', ?, ?, ?, ?, ?)",
                 (claim_id, number, corrects, note, json.dumps(data, sort_keys=True), wire.utcnow(), actor))


def create(conn: sqlite3.Connection, supplier: str, po: str, *, actor: str, batch: str | None = None,
           evidence_kind: str = "carton_photo", question_text: str | None = None, balance_release: str = "hold",
           claim_recovery: str = "credit_note", credit_due: str | None = None, taxonomy: Taxonomy | None = None,
           due_days: int = 30) -> dict:
    """Open a claim for one supplier PO (and optionally one shipment batch) from its linked defects."""
    owner = conn.execute("SELECT supplier FROM purchase_orders WHERE po = ?", (po,)).fetchone()
    if owner is None:
        raise NotFound(f"no PO {po!r} in the return records")
    if owner[0] != supplier:
        raise ClaimError(f"PO {po} belongs to supplier {owner[0]!r}, not {supplier!r}")
    with hubdb.write(conn):
        if conn.execute("SELECT 1 FROM claims WHERE supplier = ? AND po = ? AND coalesce(batch, '') = ? "
                        "AND state != 'closed'", (supplier, po, batch or "")).fetchone():
            raise Conflict(f"an open claim already covers PO {po}" + (f" batch {batch}" if batch else ""))
        data = evidence.gather(conn, supplier, po, batch, taxonomy)
        data["question"] = question.make_question(evidence_kind, po, data["shipment"], question_text)
        data["timing"] = question.make_timing(po, data["value"], balance_release=balance_release,
                                              claim_recovery=claim_recovery, credit_due=credit_due,
                                              due_days=due_days)
        cur = conn.execute("INSERT INTO claims (supplier, po, batch, state, current_version, created_at, created_by) "
                           "VALUES (?, ?, ?, 'open', 1, ?, ?)", (supplier, po, batch, wire.utcnow(), actor))
        claim_id = cur.lastrowid
        _insert_version(conn, claim_id, 1, data, actor, note="opened")
        audit.record(conn, actor, "create", "claim", claim_id,
                     after={"supplier": supplier, "po": po, "batch": batch, "version": 1,
                            "quantity": data["quantity"], "value": data["value"]})
    return get(conn, claim_id)


# What a revision may set: the six tracked fields as the supplier's documents now show them, and the note's parts.
REVISABLE = ("party", "product", "quantity", "value", "label", "shipment", "summary")


def revise(conn: sqlite3.Connection, claim_id: int, *, actor: str, note: str, changes: dict | None = None,
           refresh: bool = False, evidence_kind: str | None = None, question_text: str | None = None,
           timing: dict | None = None, taxonomy: Taxonomy | None = None) -> dict:
    """A new version: re-gathered evidence and/or changed fields. A rejected version is corrected by this."""
    changes = dict(changes or {})
    unknown = sorted(set(changes) - set(REVISABLE))
    if unknown:
        raise ClaimError(f"cannot revise {', '.join(unknown)}; revisable: {', '.join(REVISABLE)}")
    if not note or not note.strip():
        raise ClaimError("a revision needs a note saying what changed and which document shows it")
    with hubdb.write(conn):
        claim = get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is closed")
        prior = version(conn, claim_id)
        data = dict(prior["data"])
        if refresh:
            data.update(evidence.gather(conn, claim["supplier"], claim["po"], claim["batch"], taxonomy))
        if "quantity" in changes:
            changes["quantity"] = _number(changes["quantity"], "quantity", int)
        if "value" in changes:
            changes["value"] = round(_number(changes["value"], "value", float), 2)
        data.update(changes)
        if evidence_kind or question_text:
            data["question"] = question.make_question(evidence_kind or data["question"]["evidence"], claim["po"],
                                                      data["shipment"], question_text)
        if timing or "value" in changes:
            t = {**{k: data["timing"][k] for k in ("balance_release", "claim_recovery", "credit_due")},
                 **(timing or {})}
            data["timing"] = question.make_timing(claim["po"], data["value"], **t)
        if data == prior["data"]:
            raise ClaimError("nothing changed: a new version needs a changed field or refreshed evidence")
        number = claim["current_version"] + 1
        corrects = prior["version"] if prior["status"] == "rejected" else None
        _insert_version(conn, claim_id, number, data, actor, note=note.strip(), corrects=corrects)
        conn.execute("UPDATE claims SET current_version = ?, state = 'open' WHERE id = ?", (number, claim_id))
        changed = diff_data(prior["data"], data)["changed"]
        audit.record(conn, actor, "revise", "claim", claim_id,
                     before={"version": prior["version"], **{k: prior["data"].get(k) for k in changed}},
                     after={"version": number, "note": note.strip(), "corrects": corrects,
                            **{k: data.get(k) for k in changed}})
    return get(conn, claim_id)


def _number(v, name, kind):
    try:
        n = kind(v)
    except (TypeError, ValueError):
        raise ClaimError(f"{name} must be a number") from None
    if n < 0:
        raise ClaimError(f"{name} must not be negative")
    return n


def diff_data(a: dict, b: dict) -> dict:
    fields = {}
    for k in sorted(set(a) | set(b)):
        fields[k] = {"from": a.get(k), "to": b.get(k), "changed": a.get(k) != b.get(k),
                     "tracked": k in evidence.TRACKED}
    changed = [k for k, f in fields.items() if f["changed"]]
    return {"changed": changed, "marked": [k for k in changed if k in evidence.TRACKED], "fields": fields}


def diff(conn: sqlite3.Connection, claim_id: int, v_from: int, v_to: int) -> dict:
    """Any two versions side by side; `marked` lists the changed party/product/quantity/value/label/shipment."""
    a, b = version(conn, claim_id, v_from), version(conn, claim_id, v_to)
    out = diff_data(a["data"], b["data"])
    return {"claim_id": claim_id, "from": {"version": v_from, "status": a["status"]},
            "to": {"version": v_to, "status": b["status"]}, **out}


def list_claims(conn: sqlite3.Connection, *, supplier: str | None = None, state: str | None = None) -> list[dict]:
    q = ("SELECT c.*, json_extract(v.data, '$.value') AS value, json_extract(v.data, '$.quantity') AS quantity "
         "FROM claims c JOIN claim_versions v ON v.claim_id = c.id AND v.version = c.current_version WHERE 1=1")
    args = []
    if supplier:
        q += " AND c.supplier = ?"
        args.append(supplier)
    if state:
        if state not in STATES:
            raise ClaimError(f"state must be one of {', '.join(STATES)}")
        q += " AND c.state = ?"
        args.append(state)
    return [dict(r) for r in conn.execute(q + " ORDER BY c.id", args)]


def today_iso(today: date | None = None) -> str:
    return (today or date.today()).isoformat()
