"""Claims: linking → claims → redaction → packet. A claim per supplier + PO (+ batch) and its versions.

Every change makes a new version holding the whole claim document (gathered evidence plus the
buyer's edits), so any two versions compare field by field, and a superseded version's approval ends.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import defaultdict
from datetime import date

from central import audit
from central import claims_rules as rules
from central import db as hubdb
from central.taxonomy import UNCATEGORISED, Taxonomy
from edge import wire

# The six fields the seed asks to mark when a version changes, and where they live in the document.
MARKED_FIELDS = ("party", "product", "quantity", "value", "label", "shipment")
# What a buyer may change by hand (the rest is gathered from linked returns and photos).
EDITABLE = {"party.supplier", "shipment.batch", "quantity.total", "value.claimed", "label.note", "summary",
            "supplier_question", "timing"}
STATES = ("open", "approved", "refused", "responded", "closed")
# What list, filters and stats show: an "approved" claim whose approval no longer holds is `approval_ended`.
SHOWN_STATES = ("open", "approved", "approval_ended", "refused", "responded", "closed")


class ClaimError(ValueError):
    status = 400


class NotFound(ClaimError):
    status = 404


class Conflict(ClaimError):
    status = 409


def _settings(settings):
    if settings is None:
        from central.config import ClaimsConfig
        return ClaimsConfig()
    return settings


def gather(conn: sqlite3.Connection, supplier: str, po: str, batch: str | None, settings) -> dict:
    """The evidence from linked returns: defects by category, SKUs, quantity, value, label checks."""
    tax = Taxonomy(settings.categories)
    q = ("SELECT l.id, l.return_ref, l.sku, l.product, l.quantity, l.unit_value, l.batch, pl.photo_id, "
         "pl.category, p.label_check, p.kiosk, p.sha256, p.captured_at FROM return_lines l JOIN photo_links pl ON pl.line_id = l.id "
         # `+` keeps SQLite off the status index: most photos are linked, the PO's lines are few.
         "AND +pl.status = 'linked' JOIN photos p ON p.photo_id = pl.photo_id WHERE l.supplier = ? AND l.po = ?")
    args = [supplier, po]
    if batch:
        q += " AND l.batch = ?"
        args.append(batch)
    defects: dict = {}
    lines, skus, batches, label_checked, mismatches = {}, {}, set(), 0, []
    for r in conn.execute(q + " ORDER BY l.return_ref, pl.photo_id", args):
        code = r["category"] or UNCATEGORISED
        d = defects.setdefault(code, {"label": tax.label(r["category"]), "photos": [], "returns": [], "skus": []})
        # The version keeps what it showed of each photo, so reading it back needs no photo lookups.
        d["photos"].append({k: r[k] for k in ("photo_id", "return_ref", "sku", "batch", "kiosk", "sha256",
                                              "captured_at")} | {"po": po})
        for key, val in (("returns", r["return_ref"]), ("skus", r["sku"])):
            if val not in d[key]:
                d[key].append(val)
        lines[r["id"]] = r
        skus[r["sku"]] = r["product"] or ""
        if r["batch"]:
            batches.add(r["batch"])
        if r["label_check"]:
            label_checked += 1
            lc = json.loads(r["label_check"])
            if lc.get("match") is False or lc.get("ok") is False:
                mismatches.append(r["photo_id"])
    by_sku: dict = defaultdict(int)
    for ln in lines.values():
        by_sku[ln["sku"]] += ln["quantity"]
    return {
        "party": {"supplier": supplier},
        "shipment": {"po": po, "batch": batch, "batches": sorted(batches)},
        "product": {"skus": dict(sorted(skus.items()))},
        "quantity": {"total": sum(by_sku.values()), "by_sku": dict(sorted(by_sku.items()))},
        "value": {"claimed": round(sum(ln["quantity"] * ln["unit_value"] for ln in lines.values()), 2),
                  "currency": settings.currency},
        "label": {"checked": label_checked, "mismatches": mismatches, "note": ""},
        "defects": dict(sorted(defects.items())),
        "returns": sorted({ln["return_ref"] for ln in lines.values()}),
        "photos": sum(len(d["photos"]) for d in defects.values()),
    }


def _apply(doc: dict, edits: dict, opened: date, settings) -> dict:
    """The version's document: gathered evidence, the buyer's edits, then the wording built from both."""
    doc = json.loads(json.dumps(doc))
    for key, value in edits.items():
        if "." in key:
            a, b = key.split(".")
            doc[a][b] = value
    evidence_due, credit_due = rules.due_dates(opened, settings.evidence_due_days, settings.credit_due_days)
    doc["decision"] = rules.decision(doc)
    doc["summary"] = edits.get("summary") or rules.summary(doc)
    doc["supplier_question"] = edits.get("supplier_question") or rules.default_question(doc)
    doc["evidence_requested"] = rules.check_question(doc["supplier_question"])
    doc["timing"] = edits.get("timing") or rules.timing(doc, evidence_due, credit_due)
    doc["evidence_due"], doc["credit_due"] = evidence_due, credit_due
    return doc


def finite_number(v, what: str) -> float:
    """Money or a quantity from a form, a CLI option or JSON: a real number, never inf or nan."""
    try:
        n = float(v.strip() if isinstance(v, str) else v)
    except (TypeError, ValueError):
        raise ClaimError(f"{what} {v!r} is not a number") from None
    if isinstance(v, bool) or not math.isfinite(n):
        raise ClaimError(f"{what} {v!r} is not a finite number")
    if abs(n) > 1e12:  # beyond any real claim; SQLite's INTEGER ends at 2**63
        raise ClaimError(f"{what} {v!r} is out of range (at most 1,000,000,000,000)")
    return n


def whole_number(v, what: str) -> int:
    n = finite_number(v, what)
    if n != int(n):
        raise ClaimError(f"{what} {v!r} is not a whole number")
    return int(n)


def _clean_edits(changes: dict) -> dict:
    bad = sorted(set(changes) - EDITABLE)
    if bad:
        raise ClaimError(f"cannot change {', '.join(bad)}; changeable: {', '.join(sorted(EDITABLE))}")
    out = {}
    for k, v in changes.items():
        if k == "quantity.total":
            v = whole_number(v, k)
            if v < 0:
                raise ClaimError(f"{k} must be zero or more")
        elif k == "value.claimed":
            v = round(finite_number(v, k), 2)
            if v < 0:
                raise ClaimError(f"{k} must be zero or more")
        elif not isinstance(v, str) or not v.strip():
            raise ClaimError(f"{k} must be non-empty text")
        if k == "supplier_question":
            try:
                rules.check_question(v)
            except rules.QuestionError as e:
                raise ClaimError(f"supplier_question: {e}") from None
        out[k] = v.strip() if isinstance(v, str) else v
    return out


def get(conn: sqlite3.Connection, claim_id) -> dict:
    row = conn.execute("SELECT * FROM claims WHERE id = ?", (claim_id,)).fetchone()
    if row is None:
        raise NotFound(f"no claim {claim_id}")
    return dict(row)


def version(conn: sqlite3.Connection, claim_id, n: int) -> dict:
    row = conn.execute("SELECT * FROM claim_versions WHERE claim_id = ? AND version = ?", (claim_id, n)).fetchone()
    if row is None:
        raise NotFound(f"claim {claim_id} has no version {n}")
    out = dict(row)
    out["content"], out["edits"] = json.loads(out["content"]), json.loads(out["edits"])
    return out


def _add_version(conn, claim: dict, actor: str, reason: str, doc: dict, edits: dict, corrects=None) -> int:
    n = claim["current_version"] + 1
    now = wire.utcnow()
    conn.execute(
        "INSERT INTO claim_versions (claim_id, version, created_at, created_by, reason, corrects, content, edits) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (claim["id"], n, now, actor, reason, corrects, json.dumps(doc, sort_keys=True), json.dumps(edits)))
    # An approval names its document version: a newer version ends it.
    conn.execute("UPDATE claim_decisions SET ended_at = ?, ended_why = ? WHERE claim_id = ? AND kind = 'approval' "
                 "AND ended_at IS NULL", (now, f"superseded by version {n}", claim["id"]))
    state = claim["state"] if claim["state"] in ("responded",) else "open"
    conn.execute("UPDATE claims SET current_version = ?, state = ? WHERE id = ?", (n, state, claim["id"]))
    return n


def open_claim(conn: sqlite3.Connection, supplier: str, po: str, batch: str | None, actor: str,
               settings=None) -> dict:
    settings = _settings(settings)
    supplier, po, batch = (supplier or "").strip(), (po or "").strip(), (batch or "").strip() or None
    if not supplier or not po:
        raise ClaimError("a claim needs a supplier and a PO")
    with hubdb.write(conn):
        known = conn.execute("SELECT supplier FROM purchase_orders WHERE po = ?", (po,)).fetchone()
        if known is None:
            raise NotFound(f"no PO {po} in the return records")
        if known[0] != supplier:
            raise ClaimError(f"PO {po} belongs to supplier {known[0]!r}, not {supplier!r}")
        if batch and conn.execute("SELECT 1 FROM return_lines WHERE po = ? AND batch = ? LIMIT 1",
                                  (po, batch)).fetchone() is None:
            raise NotFound(f"no batch {batch} on PO {po}")
        dup = conn.execute("SELECT id FROM claims WHERE supplier = ? AND po = ? AND coalesce(batch, '') = ? "
                           "AND state != 'closed'", (supplier, po, batch or "")).fetchone()
        if dup:
            raise Conflict(f"claim {dup[0]} is already open for {supplier} PO {po}" + (f" batch {batch}" if batch else ""))
        gathered = gather(conn, supplier, po, batch, settings)
        if not gathered["photos"]:
            raise ClaimError(f"no linked defect photos for {supplier} PO {po}" + (f" batch {batch}" if batch else ""))
        now = wire.utcnow()
        cur = conn.execute("INSERT INTO claims (supplier, po, batch, state, current_version, opened_at, opened_by) "
                           "VALUES (?, ?, ?, 'open', 0, ?, ?)", (supplier, po, batch, now, actor))
        claim = get(conn, cur.lastrowid)
        doc = _apply(gathered, {}, date.fromisoformat(now[:10]), settings)
        _add_version(conn, claim, actor, "opened", doc, {})
        audit.record(conn, actor, "claim.open", "claim", claim["id"], None,
                     {"supplier": supplier, "po": po, "batch": batch, "version": 1, "photos": doc["photos"],
                      "claimed": doc["value"]["claimed"]})
    return get(conn, claim["id"])


def revise(conn: sqlite3.Connection, claim_id, actor: str, reason: str, changes: dict | None = None, *,
           corrects: int | None = None, regather: bool = False, settings=None) -> int:
    """A new version: the buyer's changes, a correction of a refused version, or evidence gathered again."""
    settings = _settings(settings)
    if not (reason or "").strip():
        raise ClaimError("say why this version is made (reason)")
    edits_new = _clean_edits(changes or {})
    with hubdb.write(conn):
        claim = get(conn, claim_id)
        if claim["state"] == "closed":
            raise Conflict(f"claim {claim_id} is closed")
        prev = version(conn, claim_id, claim["current_version"])
        if corrects is not None:
            refused = conn.execute("SELECT 1 FROM claim_decisions WHERE claim_id = ? AND version = ? AND kind = 'refusal'",
                                   (claim_id, corrects)).fetchone()
            if refused is None:
                raise ClaimError(f"version {corrects} of claim {claim_id} was not refused; only a refused version is corrected")
        edits = {**prev["edits"], **edits_new}
        base = gather(conn, claim["supplier"], claim["po"], claim["batch"], settings) if regather else prev["content"]
        doc = _apply(base, edits, date.fromisoformat(claim["opened_at"][:10]), settings)
        if doc == prev["content"]:
            raise ClaimError("nothing changed; no new version made")
        n = _add_version(conn, claim, actor, reason.strip(), doc, edits, corrects)
        audit.record(conn, actor, "claim.revise", "claim", claim_id,
                     {"version": prev["version"], **{k: _at(prev["content"], k) for k in edits_new}},
                     {"version": n, "reason": reason, "corrects": corrects, **edits_new,
                      "marked": diff_docs(prev["content"], doc)["marked"]})
    return n


def _at(doc: dict, key: str):
    a, _, b = key.partition(".")
    return doc.get(a, {}).get(b) if b else doc.get(a)


def _flatten(doc: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in doc.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def diff_docs(a: dict, b: dict) -> dict:
    fa, fb = _flatten(a), _flatten(b)
    changes = {k: {"before": fa.get(k), "after": fb.get(k)} for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)}
    marked = [f for f in MARKED_FIELDS if any(k.startswith(f + ".") for k in changes)]
    return {"marked": marked, "unchanged": [f for f in MARKED_FIELDS if f not in marked], "changes": changes}


def diff(conn: sqlite3.Connection, claim_id, a: int, b: int) -> dict:
    va, vb = version(conn, claim_id, a), version(conn, claim_id, b)
    return {"claim": int(claim_id), "a": a, "b": b, **diff_docs(va["content"], vb["content"])}


def state_sql(today: date | None = None, alias: str = "claims") -> str:
    """SQL for a claim's state as it stands today (`approval_ended` for an approval that no longer holds).

    The stored state is never rewritten when a due date passes, so no job has to run: list, filters and
    stats derive it the way `claims_approval._valid` does. An approval holds for the current version when
    it has not ended and its due date has not passed, or nothing it awaits is still outstanding.
    """
    day = (today or date.today()).isoformat()  # a date's own text: safe to inline
    c = alias
    return (f"CASE WHEN {c}.state = 'approved' AND NOT EXISTS (SELECT 1 FROM claim_decisions d "
            f"WHERE d.claim_id = {c}.id AND d.kind = 'approval' AND d.version = {c}.current_version "
            f"AND d.ended_at IS NULL AND (d.due_date IS NULL OR d.due_date >= '{day}' OR NOT EXISTS ("
            "SELECT 1 FROM json_each(d.remaining_evidence) j WHERE j.value NOT IN "
            "(SELECT e.item FROM claim_evidence e WHERE e.decision_id = d.id)))) "
            f"THEN 'approval_ended' ELSE {c}.state END")


def check_state(state: str | None) -> str | None:
    if state and state not in SHOWN_STATES:
        raise ClaimError(f"state {state!r} is not one of: {', '.join(SHOWN_STATES)}")
    return state or None


def list_claims(conn: sqlite3.Connection, state: str | None = None, supplier: str | None = None,
                today: date | None = None) -> list[dict]:
    """Claims with `state` as it stands today (and `stored_state`, what the last change wrote)."""
    now = state_sql(today)
    q, args, where = f"SELECT claims.*, {now} AS state_now FROM claims", [], []
    if check_state(state):
        where.append(f"{now} = ?")
        args.append(state)
    if supplier:
        where.append("supplier = ?")
        args.append(supplier)
    if where:
        q += " WHERE " + " AND ".join(where)
    out = []
    for r in conn.execute(q + " ORDER BY id", args):
        d = dict(r)
        d["stored_state"], d["state"] = d["state"], d.pop("state_now")
        out.append(d)
    return out


def by_state(conn: sqlite3.Connection, today: date | None = None) -> dict:
    counts = dict(conn.execute(f"SELECT {state_sql(today)} AS s, count(*) FROM claims GROUP BY s").fetchall())
    return {"claims_by_state": {s: counts.get(s, 0) for s in SHOWN_STATES}}
