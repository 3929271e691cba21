"""Claim evidence (linking → claims): the linked defects of one supplier PO (and batch), grouped by category.

Only what the supplier may see goes into a claim version: SKU, product, quantity, value, order date,
batch and photo ids — never the customer's name, address, e-mail, phone or order id.
"""

from __future__ import annotations

import sqlite3

from central.claims.errors import ClaimError
from central.taxonomy import Taxonomy

TRACKED = ("party", "product", "quantity", "value", "label", "shipment")


def gather(conn: sqlite3.Connection, supplier: str, po: str, batch: str | None,
           taxonomy: Taxonomy | None = None) -> dict:
    taxonomy = taxonomy or Taxonomy()
    where, args = "pl.supplier = ? AND pl.po = ?", [supplier, po]
    if batch:
        where += " AND pl.batch = ?"
        args.append(batch)
    photos = conn.execute(
        f"SELECT pl.photo_id, pl.line_id, pl.category, pl.label_match FROM photo_links pl WHERE {where} "
        "ORDER BY pl.line_id, pl.photo_id", args).fetchall()
    if not photos:
        scope = f"PO {po} of {supplier}" + (f", batch {batch}" if batch else "")
        raise ClaimError(f"no linked defect photos for {scope}: nothing to claim yet")
    line_ids = sorted({p[1] for p in photos})
    lines = {r["id"]: dict(r) for r in conn.execute(
        "SELECT l.id, l.return_ref, l.sku, l.product, l.quantity, l.unit_value, l.batch, r.order_date "
        "FROM return_lines l JOIN returns r ON r.ref = l.return_ref "
        "WHERE l.id IN (SELECT value FROM json_each(?))", (str(line_ids),))}
    defects: dict[str, dict] = {}
    per_line: dict[int, set] = {}
    checked = mismatched = 0
    for photo_id, line_id, code, match in photos:
        code = code or "uncategorised"
        d = defects.setdefault(code, {"label": taxonomy.label(code), "photo_ids": [], "returns": set()})
        d["photo_ids"].append(photo_id)
        d["returns"].add(lines[line_id]["return_ref"])
        per_line.setdefault(line_id, set()).add(code)
        if match is not None:
            checked += 1
            mismatched += not match
    out_lines = []
    for lid in line_ids:
        ln = lines[lid]
        out_lines.append({**{k: ln[k] for k in ("return_ref", "sku", "product", "quantity", "unit_value",
                                                 "batch", "order_date")},
                          "photos": sum(1 for p in photos if p[1] == lid), "categories": sorted(per_line[lid])})
    batches = sorted({ln["batch"] for ln in out_lines if ln["batch"]})
    quantity = sum(ln["quantity"] for ln in out_lines)
    value = round(sum(ln["quantity"] * ln["unit_value"] for ln in out_lines), 2)
    by_cat = {code: {"label": d["label"], "photos": len(d["photo_ids"]), "returns": len(d["returns"]),
                     "photo_ids": d["photo_ids"]} for code, d in sorted(defects.items())}
    summary = (f"{len(photos)} defect photo(s) on {len({ln['return_ref'] for ln in out_lines})} customer return(s), "
               f"{quantity} unit(s) worth {value:.2f}, PO {po}"
               + (f", batch {', '.join(batches)}" if batches else "") + ": "
               + "; ".join(f"{d['label']} {d['photos']}" for d in by_cat.values()) + ".")
    return {
        "party": supplier,
        "po": po,
        "product": sorted({f"{ln['sku']} {ln['product'] or ''}".strip() for ln in out_lines}),
        "quantity": quantity,
        "value": value,
        "label": {"checked": checked, "mismatched": mismatched},
        "shipment": batches,
        "lines": out_lines,
        "defects": by_cat,
        "summary": summary,
    }
