"""Claim wording rules: linking → claims. The claim summary, the one specific supplier question, the timing line.

The seed's rule: turn the risk into one specific question that asks for a document — never a broad
"is this acceptable", which lets the supplier answer with confidence instead of evidence.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

EVIDENCE = {
    "invoice_line": ("corrected invoice line", r"invoice line"),
    "carton_photo": ("carton photo", r"carton photo"),
    "lot_map": ("serial or lot map", r"(serial|lot)( or lot)? map"),
    "responsibility_statement": ("written responsibility statement", r"responsibility statement"),
    "party_note": ("party relationship note", r"party relationship note"),
    "broker_acceptance": ("broker acceptance", r"broker acceptance"),
}
_VAGUE = [r"\b(is|are) (this|it|that|these) (ok|okay|acceptable|fine|alright)\b", r"\bacceptable\s*\?",
          r"\bany (comments|thoughts|feedback)\b", r"\bwhat do you think\b", r"\bplease advise\b",
          r"\bcan you (check|look into) (this|it)\b"]


class QuestionError(ValueError):
    pass


def check_question(text: str) -> list[str]:
    """The evidence codes a question asks for; QuestionError for a vague question or one asking for none."""
    t = " ".join((text or "").lower().split())
    if not t:
        raise QuestionError("the supplier question is empty")
    for pattern in _VAGUE:
        if re.search(pattern, t):
            raise QuestionError("a broad question lets the supplier answer with confidence instead of evidence; "
                                "ask for a document: " + ", ".join(v[0] for v in EVIDENCE.values()))
    asked = [code for code, (_, pattern) in EVIDENCE.items() if re.search(pattern, t)]
    if not asked:
        raise QuestionError("the question asks for no document; ask for one of: "
                            + ", ".join(v[0] for v in EVIDENCE.values()))
    if len(t) > 1000:
        raise QuestionError("the question is longer than 1000 characters; keep it to one specific ask")
    return asked


def _skus(c: dict) -> str:
    skus = sorted(c["product"]["skus"])
    return ", ".join(skus[:5]) + (f" and {len(skus) - 5} more" if len(skus) > 5 else "")


def _where(c: dict) -> str:
    s = c["shipment"]
    return f"batch {s['batch']} of PO {s['po']}" if s.get("batch") else f"PO {s['po']}"


def default_question(c: dict) -> str:
    """One question that names the document that would prove or disprove the main defect."""
    top = max(c["defects"].items(), key=lambda kv: len(kv[1]["photos"]), default=(None, None))[0]
    n = c["quantity"]["total"]
    if top == "wrong_item":
        return (f"Please send the corrected invoice line for SKU {_skus(c)} on {_where(c)}, and the lot map "
                f"showing which cartons held which SKU.")
    if top == "packaging_damage":
        return (f"Please send the carton photo taken at packing for {_where(c)}, and your written "
                f"responsibility statement for the {n} damaged unit(s).")
    what = c["defects"][top]["label"].lower() if top else "defects"
    return (f"Please send the serial or lot map for {_where(c)} covering SKU {_skus(c)}, and your written "
            f"responsibility statement for the {n} unit(s) returned with {what}.")


def summary(c: dict) -> str:
    cats = "; ".join(f"{d['label']}: {len(d['photos'])} photo(s), {len(d['returns'])} return(s)"
                     for d in c["defects"].values()) or "no linked defect photos yet"
    return (f"{c['quantity']['total']} unit(s) of {len(c['product']['skus'])} SKU(s) from {c['party']['supplier']}, "
            f"{_where(c)}, came back from customers with defects ({cats}). "
            f"Claimed: {c['value']['currency']} {c['value']['claimed']:.2f}.")


def due_dates(opened: date, evidence_days: int, credit_days: int) -> tuple[str, str]:
    return (opened + timedelta(days=evidence_days)).isoformat(), (opened + timedelta(days=credit_days)).isoformat()


def timing(c: dict, evidence_due: str, credit_due: str) -> str:
    """Money does not move faster than the evidence: the balance is held until the answer is in."""
    return (f"Balance release on PO {c['shipment']['po']}: hold until the supplier's evidence arrives "
            f"(due {evidence_due}). Claim recovery: {c['value']['currency']} {c['value']['claimed']:.2f} "
            f"by credit or replacement. Credit due by {credit_due}.")
