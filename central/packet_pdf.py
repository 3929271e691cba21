"""Packet → PDF: the supplier's claim document (fpdf2), built only from redacted photos and claim fields."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import datetime, timezone

from fpdf import FPDF


def _latin(text) -> str:
    # The PDF core fonts are Latin-1; anything else becomes '?' rather than a crash mid-export.
    return str(text if text is not None else "").encode("latin-1", "replace").decode("latin-1")


def claim_pdf(claim, photos: list[dict], jpegs: dict[str, bytes]) -> bytes:
    """`photos`: manifest rows (file, category, sku, batch, po, return); `jpegs`: file → redacted bytes."""
    pdf = FPDF(format="A4")
    pdf.set_producer("Returns Desk")
    pdf.set_creation_date(_approval_dt(claim.approved_at))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin(f"Supplier claim {claim.claim_id}, version {claim.version}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    rows = [("Supplier", claim.supplier), ("PO", claim.po), ("Approved", f"{claim.approved_at} ({claim.approved_by})"),
            ("Photos", str(len(photos))), ("Returns", str(len({p['return'] for p in photos})))]
    for k, v in rows:
        pdf.cell(35, 6, _latin(k + ":"))
        pdf.multi_cell(0, 6, _latin(v), new_x="LMARGIN", new_y="NEXT")
    for title, body in (("Claim summary", claim.summary), ("Question to the supplier", claim.supplier_question),
                        ("Timing", claim.timing), ("Approval boundary", claim.approval_boundary)):
        _section(pdf, title, body)
    _section(pdf, f"Version {claim.version}: changes",
             "\n".join(f"- {c}" for c in claim.changes) or "First version.")
    groups: dict[str, list[dict]] = defaultdict(list)
    for p in photos:
        groups[p["category"] or "uncategorised"].append(p)
    for category, items in sorted(groups.items()):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 8, _latin(f"Defect: {category} ({len(items)} photo(s))"), new_x="LMARGIN", new_y="NEXT")
        for p in items:
            _photo(pdf, p, jpegs[p["file"]])
    return bytes(pdf.output())


def _section(pdf: FPDF, title: str, body: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, _latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, _latin(body or "-"), new_x="LMARGIN", new_y="NEXT")


def _photo(pdf: FPDF, p: dict, jpeg: bytes) -> None:
    width = 85
    from PIL import Image

    w, h = Image.open(io.BytesIO(jpeg)).size
    height = width * h / w
    if pdf.get_y() + height + 12 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 5, _latin(f"{p['file']}  SKU {p['sku']}  batch {p['batch']}  return {p['return']}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(jpeg), w=width, h=height)
    pdf.ln(3)


def _approval_dt(approved_at: str) -> datetime:
    try:
        dt = datetime.fromisoformat(str(approved_at).replace("Z", "+00:00"))
    except ValueError:
        dt = datetime.now(timezone.utc)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
