"""The claim file as one object (claims → CLI/API/web): version, evidence by category, approvals, responses, note."""

from __future__ import annotations

import sqlite3
from datetime import date

from central import audit
from central.claims import approval, closeout, core, response
from central.claims.names import doc_name


def show(conn: sqlite3.Connection, claim_id: int, today: date | None = None, audit_limit: int = 50) -> dict:
    claim = core.get(conn, claim_id)
    current = core.version(conn, claim_id)
    appr = approval.approvals(conn, claim_id, today)
    act = next((a for a in reversed(appr) if a["status"] == "active"), None)
    day = (act["at"] if act else claim["created_at"])[:10]
    return {
        **claim,
        "version": {k: current[k] for k in ("version", "status", "corrects", "note", "created_at", "created_by")},
        **current["data"],
        "versions": core.versions(conn, claim_id),
        "approvals": appr,
        "active_approval": act,
        "exceptions": [a for a in appr if a["exception"]],
        "standing_instruction": approval.standing_instruction(conn, claim["supplier"]),
        "responses": response.responses(conn, claim_id),
        "reconcile": response.reconcile(conn, claim_id),
        "closeout": closeout.closeout_note(conn, claim_id),
        "handoff": closeout.handoff(conn, claim_id, today),
        "document_name": doc_name(claim["po"], claim["supplier"], "claim", day),
        "audit": audit.entries(conn, "claim", claim_id, limit=audit_limit),
    }
