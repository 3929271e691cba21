"""Document names for the claim file and its packet: `{PO}_{supplier}_{doctype}_{date}`."""

from __future__ import annotations

import re
from datetime import date, datetime


def _part(text: str) -> str:
    # Only letters, digits and dashes: the name must survive every file system and mail gateway.
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9-]+", "-", str(text).strip())).strip("-") or "unknown"


def doc_name(po: str, supplier: str, doctype: str, when: date | datetime | str) -> str:
    """e.g. doc_name("PO-1001", "Acme Ltd.", "claim-summary", date(2026, 3, 4)) → PO-1001_Acme-Ltd_claim-summary_2026-03-04"""
    if isinstance(when, datetime):
        when = when.date()
    day = when.isoformat() if isinstance(when, date) else str(when)[:10]
    return "_".join([_part(po), _part(supplier), _part(doctype), day])
