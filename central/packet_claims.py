"""Packet ← claims: the approved version of a claim file as a PacketClaim (photos, SKU, batch, PO, and the
customer data the redaction must look for — which stays in the hub and never enters the packet)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from central import claims
from central.packet import PacketClaim, PacketPhoto
from central.store import PhotoStore


def _customer(row) -> dict:
    return {"name": row["customer_name"] or "", "address": row["customer_address"] or "",
            "email": row["customer_email"] or "", "phone": row["customer_phone"] or "",
            "order_id": row["order_id"] or ""}


def _boundary(a: dict, number: int) -> str:
    text = (f"Approved by {a['actor']} on {a['at'][:10]}: step '{a['step']}', PO {a['po']}, "
            f"document version {number} only.")
    if a.get("remaining_evidence"):
        text += f" Remaining evidence: {', '.join(a['remaining_evidence'])}"
        text += f", due {a['due_date']}." if a.get("due_date") else "."
    if a.get("exception"):
        text += f" Exception ({a['exception']}): {a.get('exception_note') or ''} - an exception, not an instruction."
    return text


def packet_claim(conn: sqlite3.Connection, claim_id: int, photo_dir: Path, today: date | None = None) -> PacketClaim:
    """The claim's actively approved version; without one, a PacketClaim the export refuses (status says why)."""
    claim = claims.get(conn, claim_id)
    act = next((a for a in reversed(claims.approvals(conn, claim_id, today)) if a["status"] == "active"), None)
    number = act["version"] if act else claim["current_version"]
    v = claims.version(conn, claim_id, number)
    data = v["data"]
    store = PhotoStore(photo_dir)
    photos = []
    for code, d in sorted(data.get("defects", {}).items()):
        for pid in d["photo_ids"]:
            row = conn.execute(
                "SELECT p.sha256, l.sku, l.batch, l.po, l.return_ref, r.customer_name, r.customer_address, "
                "r.customer_email, r.customer_phone, r.order_id FROM photos p "
                "JOIN photo_links pl ON pl.photo_id = p.photo_id "
                "LEFT JOIN return_lines l ON l.id = pl.line_id LEFT JOIN returns r ON r.ref = pl.return_ref "
                "WHERE p.photo_id = ?", (pid,)).fetchone()
            if row is None:
                raise claims.ClaimError(f"photo {pid} of claim {claim_id} is no longer in the hub")
            photos.append(PacketPhoto(row["sha256"], str(store.path(row["sha256"])), d.get("label") or code,
                                      row["sku"] or "", row["batch"] or "", row["po"] or claim["po"],
                                      row["return_ref"] or pid, _customer(row)))
    versions = [x for x in claims.versions(conn, claim_id) if x["version"] <= number]
    changes = [f"v{x['version']} ({x['status']}): {x['note'] or '-'}" for x in versions]
    if number > 1:
        changed = claims.diff(conn, claim_id, number - 1, number)["changed"]
        changes.append(f"changed since v{number - 1}: {', '.join(changed) or 'nothing'}")
    return PacketClaim(
        claim_id=str(claim_id), version=number,
        status="approved" if act else f"{v['status']}, not approved",
        approved_at=act["at"] if act else "", approved_by=act["actor"] if act else "",
        po=claim["po"], supplier=claim["supplier"], summary=data.get("summary", ""),
        supplier_question=(data.get("question") or {}).get("text", ""),
        timing=(data.get("timing") or {}).get("text", ""),
        approval_boundary=_boundary(act, number) if act else "",
        changes=changes,
        photos=photos)
