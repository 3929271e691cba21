"""The claim file as one read: claims → web / CLI / packet. Everything a page or a packet needs for one claim;
the version document already holds what it showed of each photo, so a read is a few primary-key lookups."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from central.claims import diff_docs, get, version
from central.claims_approval import current_approval, decisions
from central.claims_response import _reconcile, responses
from central.returns import customer_of


def versions(conn: sqlite3.Connection, claim_id) -> list[dict]:
    """All versions, each with its decisions; a refused version lists the version(s) that correct it."""
    rows = [dict(r) for r in conn.execute(
        "SELECT version, created_at, created_by, reason, corrects FROM claim_versions WHERE claim_id = ? "
        "ORDER BY version", (claim_id,))]
    for r in rows:
        r["corrected_by"] = [o["version"] for o in rows if o["corrects"] == r["version"]]
    return rows


def show(conn: sqlite3.Connection, claim_id, today: date | None = None) -> dict:
    claim = get(conn, claim_id)
    cur = version(conn, claim_id, claim["current_version"])
    doc = cur["content"]
    decs = decisions(conn, claim_id, today)
    valid = [d for d in decs if d["valid"] and d["version"] == claim["current_version"]]
    resps = responses(conn, claim_id)
    state = claim["state"]
    if state == "approved" and not valid:
        state = "approval_ended"
    return {
        **{k: claim[k] for k in ("id", "supplier", "po", "batch", "opened_at", "opened_by", "closed_at", "closed_by")},
        "state": state, "version": claim["current_version"], "document": doc,
        "versions": versions(conn, claim_id), "decisions": decs,
        "approval": valid[-1] if valid else None, "responses": resps,
        "reconciliation": _reconcile(claim, doc, resps),
        "closeout": json.loads(claim["closeout"]) if claim["closeout"] else None,
    }


def packet_input(conn: sqlite3.Connection, claim_id, photo_dir, today: date | None = None) -> dict:
    """What the supplier packet needs for the claim's current approved version.

    The keys are the packet's claim fields; `photos` are its photo fields (`source` is the raw file in the
    hub's store, `customer` the identifiers redaction must remove). Without an approval
    holding for the current version, `status` says so and the packet export refuses it.
    """
    from central.store import PhotoStore

    claim = get(conn, claim_id)
    approval = current_approval(conn, claim_id, today) or {}
    n = claim["current_version"]
    doc = version(conn, claim_id, n)["content"]
    prev = version(conn, claim_id, n - 1)["content"] if n > 1 else None
    changes = [f"{k}: {v['before']} → {v['after']}" for k, v in diff_docs(prev, doc)["changes"].items()
               if k.split(".")[0] in ("party", "product", "quantity", "value", "label", "shipment")] if prev else []
    store = PhotoStore(photo_dir)
    customers: dict[str, dict] = {}
    photos = []
    for group in doc["defects"].values():
        for p in group["photos"]:
            ref = p["return_ref"]
            if ref not in customers:
                customers[ref] = customer_of(conn, ref)
            photos.append({"photo_sha": p["sha256"], "source": str(store.path(p["sha256"])), "category": group["label"],
                           "sku": p["sku"] or "", "batch": p["batch"] or "", "po": p["po"], "return_ref": ref,
                           "customer": customers[ref]})
    return {
        "claim_id": str(claim["id"]), "version": n,
        "status": "approved" if approval else "not approved (no approval holds for this version)",
        "approved_at": approval.get("at", ""), "approved_by": approval.get("by", ""), "po": claim["po"],
        "supplier": doc["party"]["supplier"],
        "summary": doc["summary"], "supplier_question": doc["supplier_question"], "timing": doc["timing"],
        "approval_boundary": approval.get("boundary", ""), "changes": changes, "photos": photos,
    }
