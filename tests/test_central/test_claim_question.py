"""The one specific supplier question asks for a document; the timing line keeps money behind evidence."""

from __future__ import annotations

import pytest

from central import claims
from central.claims.question import make_question, make_timing


def test_default_question_asks_for_the_named_document(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="buyer", evidence_kind="lot_map")
    q = claims.show(conn, c["id"])["question"]
    assert q["evidence"] == "lot_map"
    assert "serial or lot map" in q["text"] and demo["po"] in q["text"]


@pytest.mark.parametrize("broad", ["Is this acceptable?", "Please confirm the change is acceptable.",
                                   "Is this OK for you?", "Do you agree with the claim?"])
def test_broad_questions_are_refused(broad):
    with pytest.raises(claims.ClaimError, match="too broad"):
        make_question("carton_photo", "PO-1", [], broad)


def test_question_must_name_known_evidence():
    with pytest.raises(claims.ClaimError, match="evidence must be one of"):
        make_question("a nice chat", "PO-1", [])
    q = make_question("corrected_invoice_line", "PO-1", ["L1"],
                      "Send the corrected invoice line for SKU NW-KTL-01 on PO-1.")
    assert q["text"].startswith("Send the corrected invoice line")


def test_timing_line_names_balance_recovery_and_credit_due():
    t = make_timing("PO-9", 120.0, balance_release="hold", claim_recovery="offset_against_balance",
                    credit_due="2027-01-15")
    assert t["text"] == ("Payment: hold the balance on PO PO-9 until the claim of 120.00 is settled; "
                         "recovery by offset against balance; credit due 2027-01-15.")
    with pytest.raises(claims.ClaimError, match="credit_due"):
        make_timing("PO-9", 1.0, credit_due="soon")
