"""Approval boundary: step, PO, version, remaining evidence with a due date; exceptions stay exceptions;
refusals are kept; an approval ends when its version is superseded or its due date passes."""

from datetime import date

import pytest

from central import claims, claims_approval
from central.claims_approval import approve, current_approval, refuse, supplier_practice
from tests.test_central.claimkit import audit_actions, claim_with_photos

TODAY = date(2026, 11, 20)


def _approve(conn, cid, **kw):
    args = dict(step="send_claim", po="PO-1", version_n=1, remaining_evidence=["carton photo"],
                due_date="2026-12-01", today=TODAY) | kw
    return approve(conn, cid, "lead", **args)


def test_approval_names_step_po_version_and_evidence_due(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    a = _approve(conn, cid)
    assert a["boundary"] == ("Approved: send the claim packet to the supplier, for PO PO-1, based on document "
                             "version 1; remaining evidence (carton photo) due by 2026-12-01.")
    assert current_approval(conn, cid, TODAY)["id"] == a["id"]
    assert claims.get(conn, cid)["state"] == "approved"


@pytest.mark.parametrize("kw, message", [
    ({"po": "PO-2"}, "not PO-2: an approval covers one PO"),
    ({"version_n": 2}, "version 2 is not the current version"),
    ({"step": "ship_everything"}, "step 'ship_everything' is not one of"),
    ({"due_date": None}, "remaining evidence needs a due date"),
    ({"due_date": "2026-11-01"}, "due date 2026-11-01 has already passed"),
    ({"due_date": "next week"}, "is not a date"),
    ({"exception": "friendship"}, "exception 'friendship' is not one of"),
])
def test_approval_outside_its_scope_is_refused(tmp_path, kw, message):
    conn, cid = claim_with_photos(tmp_path)
    with pytest.raises(claims.ClaimError, match=message):
        _approve(conn, cid, **kw)
    assert current_approval(conn, cid, TODAY) is None


def test_approval_expires_when_its_version_is_superseded(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    _approve(conn, cid)
    claims.revise(conn, cid, "buyer", "quantity per invoice", {"quantity.total": 5})
    assert current_approval(conn, cid, TODAY) is None
    (d,) = claims_approval.decisions(conn, cid, TODAY)
    assert (d["valid"], d["ended_why"]) == (False, "superseded by version 2")
    assert claims.get(conn, cid)["state"] == "open"


def test_approval_expires_when_its_due_date_passes(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    _approve(conn, cid)
    assert current_approval(conn, cid, date(2026, 12, 1)) is not None
    assert current_approval(conn, cid, date(2026, 12, 2)) is None
    (d,) = claims_approval.decisions(conn, cid, date(2026, 12, 2))
    assert d["ended_why"] == "evidence due date 2026-12-01 passed without carton photo"


def test_evidence_received_in_time_keeps_the_approval(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    _approve(conn, cid, remaining_evidence=["carton photo", "lot map"])
    with pytest.raises(claims.ClaimError, match="'invoice' is not remaining evidence"):
        claims_approval.receive_evidence(conn, cid, "ana", "invoice")
    claims_approval.receive_evidence(conn, cid, "ana", "carton photo")
    with pytest.raises(claims.Conflict, match="already recorded"):
        claims_approval.receive_evidence(conn, cid, "ana", "carton photo")
    (d,) = claims_approval.decisions(conn, cid, date(2026, 12, 2))
    assert (d["outstanding"], d["ended_why"]) == (["lot map"], "evidence due date 2026-12-01 passed without lot map")
    claims_approval.receive_evidence(conn, cid, "ana", "lot map", note="arrived by mail")
    assert current_approval(conn, cid, date(2026, 12, 2)) is not None  # nothing outstanding: the date no longer ends it
    assert audit_actions(conn, cid)[-2:] == ["claim.evidence", "claim.evidence"]


def test_small_value_exception_is_marked_and_limited(tmp_path):
    conn, cid = claim_with_photos(tmp_path)  # 60.00 claimed
    a = _approve(conn, cid, exception="small_value")
    assert "EXCEPTION, not a standing instruction: accepted as an exception because the value is small" in a["boundary"]
    conn2, cid2 = claim_with_photos(tmp_path / "big", value="200.00")
    with pytest.raises(claims.ClaimError, match="above the small-value limit of 150.00"):
        _approve(conn2, cid2, exception="small_value")


def test_one_shipment_exception_needs_one_batch(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    a = _approve(conn, cid, exception="one_shipment", note="urgent pickup")
    assert a["exception_note"] == ("accepted for this one shipment only; the next reorder needs a cleaner record; "
                                   "urgent pickup")


def test_exception_never_becomes_the_standing_instruction(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    _approve(conn, cid, exception="small_value")
    practice = supplier_practice(conn, "Acme")
    assert practice["instructions"] == []
    assert len(practice["exceptions"]) == 1 and "EXCEPTION" in practice["exceptions"][0]
    claims.revise(conn, cid, "buyer", "more", {"quantity.total": 4})
    _approve(conn, cid, version_n=2, exception=None)
    practice = supplier_practice(conn, "Acme")
    assert len(practice["instructions"]) == 1 and "version 2" in practice["instructions"][0]
    assert len(practice["exceptions"]) == 1


def test_refusal_is_saved_and_ends_the_approval(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    _approve(conn, cid)
    with pytest.raises(claims.ClaimError, match="needs its reason"):
        refuse(conn, cid, "lead", version_n=1, reason=" ")
    refuse(conn, cid, "lead", version_n=1, reason="carton photo contradicts the claim")
    kinds = [(d["kind"], d["valid"]) for d in claims_approval.decisions(conn, cid, TODAY)]
    assert kinds == [("approval", False), ("refusal", False)]
    assert claims.get(conn, cid)["state"] == "refused"
    with pytest.raises(claims.Conflict, match="version 1 was refused; make a corrected version"):
        _approve(conn, cid)
    assert audit_actions(conn, cid) == ["claim.open", "claim.approve", "claim.refuse"]
