"""The one supplier question asks for a document; broad questions are refused."""

import pytest

from central import claims, claims_view
from central.claims_rules import QuestionError, check_question
from tests.test_central.claimkit import claim_with_photos


@pytest.mark.parametrize("text", ["Is this acceptable?", "Please advise.", "Are these OK for you?",
                                  "Any comments on the returns?", "Is it fine if we send the lot map?"])
def test_vague_questions_are_refused(text):
    with pytest.raises(QuestionError, match="broad question|asks for no document"):
        check_question(text)


def test_a_question_without_a_document_is_refused():
    with pytest.raises(QuestionError, match="asks for no document"):
        check_question("Why did this happen with the kettles?")


def test_specific_questions_name_their_evidence():
    assert check_question("Please send the corrected invoice line for SKU X.") == ["invoice_line"]
    assert check_question("Send the carton photo and your written responsibility statement.") == \
        ["carton_photo", "responsibility_statement"]
    assert check_question("We need the serial or lot map for batch B1.") == ["lot_map"]


def test_default_question_follows_the_main_defect(tmp_path):
    conn, cid = claim_with_photos(tmp_path, 2, ("wrong item",))
    d = claims_view.show(conn, cid)["document"]
    assert d["supplier_question"].startswith("Please send the corrected invoice line for SKU SKU-1 on PO PO-1")
    assert d["evidence_requested"] == ["invoice_line", "lot_map"]


def test_a_vague_edit_is_refused_and_no_version_is_made(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    with pytest.raises(claims.ClaimError, match="broad question"):
        claims.revise(conn, cid, "buyer", "ask", {"supplier_question": "Is this acceptable?"})
    assert claims.get(conn, cid)["current_version"] == 1
    claims.revise(conn, cid, "buyer", "ask for cartons", {"supplier_question": "Please send the carton photo for B1."})
    assert claims_view.show(conn, cid)["document"]["evidence_requested"] == ["carton_photo"]


def test_timing_line_holds_the_balance_until_the_evidence(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    d = claims_view.show(conn, cid)["document"]
    assert d["timing"] == (f"Balance release on PO PO-1: hold until the supplier's evidence arrives (due "
                           f"{d['evidence_due']}). Claim recovery: EUR 60.00 by credit or replacement. "
                           f"Credit due by {d['credit_due']}.")
