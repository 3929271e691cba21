"""Closeout: claims → (next buyer). The six-line note a claim needs before it closes, and the handoff check:
can finance, logistics, the warehouse and the broker or customer act from the claim's own data?"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date

from central import audit
from central import db as hubdb
from central.claims import ClaimError, Conflict, get, version
from edge import wire

NOTE_LINES = ("issue", "affected_field", "supplier_explanation", "evidence_reviewed", "buyer_decision",
              "next_control")
DEFAULT_NEXT_CONTROL = "redacted claim packet before supplier escalation"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", str(text)).strip("-") or "none"


def document_name(po: str, supplier: str, doctype: str, when: str | date) -> str:
    """`{PO}_{supplier}_{doctype}_{date}`: a file the next workflow finds by what it is about."""
    return "_".join((_slug(po), _slug(supplier), _slug(doctype), _slug(str(when)[:10])))


def close(conn: sqlite3.Connection, claim_id, actor: str, note: dict) -> dict:
    """Close with the six-line note; every line must say something (next control has the seed's default)."""
    unknown = sorted(str(k) for k in note if k not in NOTE_LINES)
    if unknown:
        raise ClaimError(f"unknown note line(s): {', '.join(unknown)}; the six lines are: {', '.join(NOTE_LINES)}")
    note = {k: (str(note.get(k) or "")).strip() for k in NOTE_LINES}
    note["next_control"] = note["next_control"] or DEFAULT_NEXT_CONTROL
    missing = [k for k in NOTE_LINES if not note[k]]
    if missing:
        raise ClaimError("the closeout note needs all six lines; missing: " + ", ".join(missing))
    with hubdb.write(conn):
        claim = get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is already closed")
        now = wire.utcnow()
        note["document"] = document_name(claim["po"], claim["supplier"], "closeout", now)
        conn.execute("UPDATE claims SET state = 'closed', closed_at = ?, closed_by = ?, closeout = ? WHERE id = ?",
                     (now, actor, json.dumps(note), claim["id"]))
        audit.record(conn, actor, "claim.close", "claim", claim["id"], {"state": claim["state"]},
                     {"state": "closed", "closeout": note})
    return note


def handoff(conn: sqlite3.Connection, claim_id, today: date | None = None) -> dict:
    """The four handoff questions, answered from the claim's own data, with what is missing named."""
    from central.claims_approval import current_approval
    from central.claims_response import reconcile, responses

    claim = get(conn, claim_id)
    doc = version(conn, claim_id, claim["current_version"])["content"]
    rec, resps = reconcile(conn, claim_id), responses(conn, claim_id)
    approval = current_approval(conn, claim_id, today)
    out = {}

    missing = []
    if not approval:
        missing.append("no approval holds for the current version")
    elif approval["outstanding"]:
        missing.append(f"remaining evidence not received: {', '.join(approval['outstanding'])} "
                       f"(due {approval['due_date']})")
    if not resps:
        missing.append("no supplier response (credit, replacement or rejection) recorded")
    if "balance" not in doc["timing"].lower():
        missing.append("the timing line does not say when the PO balance is released")
    out["finance"] = {"question": "Can finance explain the payment?", "missing": missing,
                      "answer": f"{doc['timing']} Claimed {rec['currency']} {rec['claimed']:.2f}, recovered "
                                f"{rec['recovered']:.2f} ({rec['status']}), outstanding {rec['outstanding']:.2f}."}

    missing, unbatched = [], conn.execute(
        "SELECT count(*) FROM return_lines WHERE supplier = ? AND po = ? AND (batch IS NULL OR batch = '') "
        "AND return_ref IN (SELECT value FROM json_each(?))", (claim["supplier"], claim["po"], json.dumps(doc["returns"]))
    ).fetchone()[0]
    if not doc["shipment"]["batches"]:
        missing.append("no shipment batch on any claimed line")
    if unbatched:
        missing.append(f"{unbatched} claimed return line(s) have no shipment batch")
    out["logistics"] = {"question": "Can logistics identify the right shipment record?", "missing": missing,
                        "answer": f"PO {claim['po']}, batch(es) {', '.join(doc['shipment']['batches']) or 'none'}."}

    missing = []
    no_line = conn.execute(
        "SELECT count(*) FROM photo_links WHERE +status = 'linked' AND line_id IS NULL "
        "AND return_ref IN (SELECT value FROM json_each(?))", (json.dumps(doc["returns"]),)).fetchone()[0]
    if no_line:
        missing.append(f"{no_line} photo(s) of these returns are not linked to a SKU line")
    if doc["label"]["mismatches"]:
        missing.append(f"{len(doc['label']['mismatches'])} photo(s) failed the label cross-check")
    replaced = sum(r["quantity"] or 0 for r in resps if r["kind"] in ("replacement", "partial"))
    if any(r["kind"] == "replacement" for r in resps) and not replaced:
        missing.append("replacement quantity not recorded")
    out["warehouse"] = {"question": "Can the warehouse receive without guessing?", "missing": missing,
                        "answer": f"{doc['quantity']['total']} unit(s) claimed over SKU(s) "
                                  f"{', '.join(doc['product']['skus'])}; {replaced} replacement unit(s) to receive."}

    missing = []
    if not claim["closeout"] and claim["state"] != "closed":
        missing.append("no closeout note yet")
    refused_now = conn.execute("SELECT 1 FROM claim_decisions WHERE claim_id = ? AND version = ? AND kind = 'refusal'",
                               (claim["id"], claim["current_version"])).fetchone()
    if refused_now:
        missing.append(f"the current version {claim['current_version']} was refused and not corrected")
    if not approval:
        missing.append("the story has no approved document version to point to")
    out["broker_customer"] = {"question": "Can the broker or customer read one consistent story?", "missing": missing,
                              "answer": doc["summary"]}
    return {"claim": claim["id"], "ready": not any(q["missing"] for q in out.values()), "questions": out}
