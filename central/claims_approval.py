"""Approval boundary: claims → packet. An approval names the step, the PO, the document version and the
remaining evidence with its due date; an exception says it is one; a refusal is kept too.

An approval ends when its version is superseded (see claims._add_version) or its due date passes
(`current_approval` checks the date every time, so an expired approval never counts).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from central import audit
from central import db as hubdb
from central.claims import ClaimError, Conflict, _settings, get, version
from edge import wire

STEPS = {
    "send_claim": "send the claim packet to the supplier",
    "release_balance": "release the PO balance payment",
    "accept_replacement": "accept replacement goods into receiving",
    "accept_credit": "accept the supplier's credit note",
}
EXCEPTIONS = {
    "small_value": "accepted as an exception because the value is small",
    "one_shipment": "accepted for this one shipment only; the next reorder needs a cleaner record",
}


def _today(today: date | None) -> date:
    return today or date.today()


def _check_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ClaimError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


def boundary_text(d: dict) -> str:
    """The approval boundary in one sentence, as it goes into the note and the packet."""
    ev = json.loads(d["remaining_evidence"] or "[]")
    text = f"Approved: {STEPS.get(d['step'], d['step'])}, for PO {d['po']}, based on document version {d['version']}"
    text += f"; remaining evidence ({', '.join(ev)}) due by {d['due_date']}." if ev else "; no evidence outstanding."
    if d["exception"]:
        text += f" EXCEPTION, not a standing instruction: {d['exception_note']}."
    return text


def approve(conn: sqlite3.Connection, claim_id, actor: str, *, step: str, po: str, version_n: int,
            remaining_evidence: list[str] | None = None, due_date: str | None = None,
            exception: str | None = None, note: str = "", settings=None, today: date | None = None) -> dict:
    settings = _settings(settings)
    evidence = [e.strip() for e in remaining_evidence or [] if e and e.strip()]
    if step not in STEPS:
        raise ClaimError(f"step {step!r} is not one of: {', '.join(STEPS)}")
    if exception is not None and exception not in EXCEPTIONS:
        raise ClaimError(f"exception {exception!r} is not one of: {', '.join(EXCEPTIONS)}")
    if evidence and not due_date:
        raise ClaimError("remaining evidence needs a due date")
    if due_date and _check_date(due_date, "due date") < _today(today):
        raise ClaimError(f"due date {due_date} has already passed")
    with hubdb.write(conn):
        claim = get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is closed")
        if po != claim["po"]:
            raise ClaimError(f"this claim is for PO {claim['po']}, not {po}: an approval covers one PO")
        if version_n != claim["current_version"]:
            raise Conflict(f"version {version_n} is not the current version ({claim['current_version']}) of claim {claim_id}")
        doc = version(conn, claim_id, version_n)["content"]
        if exception == "small_value" and doc["value"]["claimed"] > settings.small_value_limit:
            raise ClaimError(f"claimed {doc['value']['currency']} {doc['value']['claimed']:.2f} is above the "
                             f"small-value limit of {settings.small_value_limit:.2f}")
        if exception == "one_shipment" and len(doc["shipment"]["batches"]) != 1:
            raise ClaimError(f"the claim covers {len(doc['shipment']['batches'])} shipment batches, not one")
        ex_note = f"{EXCEPTIONS[exception]}{'; ' + note.strip() if note.strip() else ''}" if exception else None
        now = wire.utcnow()
        cur = conn.execute(
            "INSERT INTO claim_decisions (claim_id, version, kind, step, po, remaining_evidence, due_date, exception, "
            "exception_note, reason, by, at) VALUES (?, ?, 'approval', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (claim["id"], version_n, step, po, json.dumps(evidence), due_date, exception, ex_note,
             note.strip() or None, actor, now))
        state = "responded" if claim["state"] == "responded" else "approved"
        conn.execute("UPDATE claims SET state = ? WHERE id = ?", (state, claim["id"]))
        d = dict(conn.execute("SELECT * FROM claim_decisions WHERE id = ?", (cur.lastrowid,)).fetchone())
        audit.record(conn, actor, "claim.approve", "claim", claim["id"], {"state": claim["state"]},
                     {"state": state, "decision": d["id"], "step": step, "po": po, "version": version_n,
                      "remaining_evidence": evidence, "due_date": due_date, "exception": exception})
    return d | {"boundary": boundary_text(d)}


def refuse(conn: sqlite3.Connection, claim_id, actor: str, *, version_n: int, reason: str) -> dict:
    """The buyer says no to this version; the refusal stays in the file beside the version that corrects it."""
    if not (reason or "").strip():
        raise ClaimError("a refusal needs its reason")
    with hubdb.write(conn):
        claim = get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is closed")
        version(conn, claim_id, version_n)
        now = wire.utcnow()
        cur = conn.execute("INSERT INTO claim_decisions (claim_id, version, kind, reason, by, at) "
                           "VALUES (?, ?, 'refusal', ?, ?, ?)", (claim["id"], version_n, reason.strip(), actor, now))
        conn.execute("UPDATE claim_decisions SET ended_at = ?, ended_why = ? WHERE claim_id = ? AND version = ? "
                     "AND kind = 'approval' AND ended_at IS NULL", (now, "refused", claim["id"], version_n))
        if version_n == claim["current_version"]:
            conn.execute("UPDATE claims SET state = 'refused' WHERE id = ?", (claim["id"],))
        audit.record(conn, actor, "claim.refuse", "claim", claim["id"], {"state": claim["state"]},
                     {"state": "refused", "decision": cur.lastrowid, "version": version_n, "reason": reason.strip()})
    return dict(conn.execute("SELECT * FROM claim_decisions WHERE id = ?", (cur.lastrowid,)).fetchone())


def decisions(conn: sqlite3.Connection, claim_id, today: date | None = None) -> list[dict]:
    out = []
    for r in conn.execute("SELECT * FROM claim_decisions WHERE claim_id = ? ORDER BY id", (claim_id,)):
        d = dict(r)
        d["remaining_evidence"] = json.loads(d["remaining_evidence"] or "[]")
        d["valid"], d["ended_why"] = _valid(d, today)
        if d["kind"] == "approval":
            d["boundary"] = boundary_text(dict(r))
        out.append(d)
    return out


def _valid(d: dict, today: date | None) -> tuple[bool, str | None]:
    if d["kind"] != "approval":
        return False, d["ended_why"]
    if d["ended_at"]:
        return False, d["ended_why"]
    if d["due_date"] and date.fromisoformat(d["due_date"]) < _today(today):
        return False, f"evidence due date {d['due_date']} passed"
    return True, None


def current_approval(conn: sqlite3.Connection, claim_id, today: date | None = None) -> dict | None:
    """The approval that still holds for the current version, or None (superseded, expired, refused)."""
    claim = get(conn, claim_id)
    valid = [d for d in decisions(conn, claim_id, today)
             if d["valid"] and d["version"] == claim["current_version"]]
    return valid[-1] if valid else None


def supplier_practice(conn: sqlite3.Connection, supplier: str) -> dict:
    """What a supplier may treat as the buyer's instruction, kept apart from one-off exceptions."""
    rows = [dict(r) for r in conn.execute(
        "SELECT d.*, c.po AS claim_po FROM claim_decisions d JOIN claims c ON c.id = d.claim_id "
        "WHERE c.supplier = ? AND d.kind = 'approval' ORDER BY d.id", (supplier,))]
    return {"supplier": supplier,
            "instructions": [boundary_text(r) for r in rows if not r["exception"]],
            "exceptions": [boundary_text(r) for r in rows if r["exception"]]}
