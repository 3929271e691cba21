"""The claim file as one read: claims → web / CLI / packet. Everything a page or a packet needs for one claim,
read by primary keys and small indexed lists (no scans), so it stays fast beside a million photos."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from central.claims import NotFound, diff_docs, get, version
from central.claims_approval import current_approval, decisions
from central.claims_response import _reconcile, responses


def versions(conn: sqlite3.Connection, claim_id) -> list[dict]:
    """All versions, each with its decisions; a refused version lists the version(s) that correct it."""
    rows = [dict(r) for r in conn.execute(
        "SELECT version, created_at, created_by, reason, corrects FROM claim_versions WHERE claim_id = ? "
        "ORDER BY version", (claim_id,))]
    for r in rows:
        r["corrected_by"] = [o["version"] for o in rows if o["corrects"] == r["version"]]
    return rows


def _photos(conn: sqlite3.Connection, photo_ids: list[str]) -> dict[str, dict]:
    out = {}
    for i in range(0, len(photo_ids), 500):
        chunk = photo_ids[i:i + 500]
        for r in conn.execute(
                "SELECT p.photo_id, p.kiosk, p.sha256, p.captured_at, p.return_ref, l.sku, l.batch, l.po "
                "FROM photos p JOIN photo_links pl ON pl.photo_id = p.photo_id "
                "LEFT JOIN return_lines l ON l.id = pl.line_id "
                f"WHERE p.photo_id IN ({','.join('?' * len(chunk))})", chunk):
            out[r["photo_id"]] = dict(r)
    return out


def show(conn: sqlite3.Connection, claim_id, today: date | None = None, with_photos: bool = True) -> dict:
    claim = get(conn, claim_id)
    cur = version(conn, claim_id, claim["current_version"])
    doc = cur["content"]
    decs = decisions(conn, claim_id, today)
    valid = [d for d in decs if d["valid"] and d["version"] == claim["current_version"]]
    resps = responses(conn, claim_id)
    defects = doc["defects"]
    if with_photos:
        photos = _photos(conn, [p for d in defects.values() for p in d["photos"]])
        defects = {code: {**d, "photos": [photos.get(p, {"photo_id": p}) for p in d["photos"]]}
                   for code, d in defects.items()}
    state = claim["state"]
    if state == "approved" and not valid:
        state = "approval_ended"
    return {
        **{k: claim[k] for k in ("id", "supplier", "po", "batch", "opened_at", "opened_by", "closed_at", "closed_by")},
        "state": state, "version": claim["current_version"], "document": {**doc, "defects": defects},
        "versions": versions(conn, claim_id), "decisions": decs,
        "approval": valid[-1] if valid else None, "responses": resps,
        "reconciliation": _reconcile(claim, doc, resps),
        "closeout": json.loads(claim["closeout"]) if claim["closeout"] else None,
    }


def packet_input(conn: sqlite3.Connection, claim_id, photo_dir, today: date | None = None) -> dict:
    """What the supplier packet needs for the claim's current approved version.

    The keys are the packet's claim fields; `photos` are its photo fields (`source` is the raw file in the
    hub's store, `customer` the identifiers redaction must remove). Raises NotFound when no approval holds.
    """
    from central.store import PhotoStore

    claim = get(conn, claim_id)
    approval = current_approval(conn, claim_id, today)
    if approval is None:
        raise NotFound(f"claim {claim_id} has no approval holding for its current version {claim['current_version']}")
    n = claim["current_version"]
    doc = version(conn, claim_id, n)["content"]
    prev = version(conn, claim_id, n - 1)["content"] if n > 1 else None
    changes = [f"{k}: {v['before']} → {v['after']}" for k, v in diff_docs(prev, doc)["changes"].items()
               if k.split(".")[0] in ("party", "product", "quantity", "value", "label", "shipment")] if prev else []
    store = PhotoStore(photo_dir)
    ids = [p for d in doc["defects"].values() for p in d["photos"]]
    rows = _photos(conn, ids)
    cat_of = {p: code for code, d in doc["defects"].items() for p in d["photos"]}
    customers = {}
    photos = []
    for pid in ids:
        r = rows[pid]
        ref = r["return_ref"]
        if ref not in customers:
            c = conn.execute("SELECT customer_name, customer_address, customer_email, customer_phone, order_id "
                             "FROM returns WHERE ref = ?", (ref,)).fetchone()
            customers[ref] = {"name": c[0] or "", "address": c[1] or "", "email": c[2] or "", "phone": c[3] or "",
                              "order_id": c[4] or ""} if c else {}
        photos.append({"photo_sha": r["sha256"], "source": str(store.path(r["sha256"])), "category": cat_of[pid],
                       "sku": r["sku"] or "", "batch": r["batch"] or "", "po": r["po"] or claim["po"],
                       "return_ref": ref, "customer": customers[ref]})
    return {
        "claim_id": str(claim["id"]), "version": n, "status": "approved", "approved_at": approval["at"],
        "approved_by": approval["by"], "po": claim["po"], "supplier": doc["party"]["supplier"],
        "summary": doc["summary"], "supplier_question": doc["supplier_question"], "timing": doc["timing"],
        "approval_boundary": approval["boundary"], "changes": changes, "photos": photos,
    }
