"""The one specific supplier question and the payment/shipment timing line (claims).

The seed's rule: ask for a document, never for reassurance. A question must name the evidence it wants
and must not be a broad "is this acceptable?"; the timing line keeps money from moving faster than
the evidence (balance release, claim recovery, credit due).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from central.claims.errors import ClaimError

EVIDENCE = {
    "corrected_invoice_line": "the corrected invoice line",
    "party_relationship_note": "the party relationship note",
    "carton_photo": "a photo of the outer carton with its shipping label",
    "lot_map": "the serial or lot map for the shipment batch",
    "broker_acceptance": "the broker's acceptance",
    "responsibility_statement": "a written responsibility statement",
}
_BROAD = re.compile(r"\b(acceptable|is (this|that|it) (ok|okay|fine|alright)|do you agree|any (comments|thoughts)|"
                    r"can you confirm (this|that) is fine|let us know what you think)\b", re.I)


def make_question(evidence: str, po: str, batches: list[str], text: str | None = None) -> dict:
    if evidence not in EVIDENCE:
        raise ClaimError(f"evidence must be one of {', '.join(EVIDENCE)}; got {evidence!r}")
    if text is None:
        shipment = f" (batch {', '.join(batches)})" if batches else ""
        text = f"Please send {EVIDENCE[evidence]} for PO {po}{shipment} covering the defects listed in this claim."
    text = " ".join(text.split())
    if _BROAD.search(text):
        raise ClaimError("the supplier question is too broad: ask for a document "
                         f"({', '.join(EVIDENCE.values())}), not whether it is acceptable")
    if len(text) < 15:
        raise ClaimError("the supplier question must name the document wanted")
    return {"evidence": evidence, "text": text}


def make_timing(po: str, value: float, *, balance_release: str = "hold", claim_recovery: str = "credit_note",
                credit_due: str | None = None, today: date | None = None, due_days: int = 30) -> dict:
    if balance_release not in ("hold", "release", "partial"):
        raise ClaimError("balance_release must be hold, release or partial")
    if claim_recovery not in ("credit_note", "offset_against_balance", "replacement", "refund"):
        raise ClaimError("claim_recovery must be credit_note, offset_against_balance, replacement or refund")
    due = credit_due or ((today or date.today()) + timedelta(days=due_days)).isoformat()
    try:
        date.fromisoformat(due)
    except ValueError:
        raise ClaimError(f"credit_due {due!r} is not a date (YYYY-MM-DD)") from None
    release = {"hold": "hold the balance", "release": "release the balance",
               "partial": "release the balance less the claim value"}[balance_release]
    text = (f"Payment: {release} on PO {po} until the claim of {value:.2f} is settled; recovery by "
            f"{claim_recovery.replace('_', ' ')}; credit due {due}.")
    return {"balance_release": balance_release, "claim_recovery": claim_recovery, "credit_due": due, "text": text}
