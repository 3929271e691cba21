"""Closeout needs the six-line note; the handoff check answers four questions from the claim and names gaps."""

from __future__ import annotations

import pytest

from central import claims

NOTE = {
    "issue": "Kettles returned with cracked lids",
    "affected_field": "product (NW-KTL-01), quantity",
    "supplier_explanation": "Lid moulding fault in one lot",
    "evidence_reviewed": "Redacted photos v2, lot map, carton photo",
    "buyer_decision": "Accept credit of the claimed value",
    "next_control": claims.NEXT_CONTROL,
}


@pytest.fixture
def claim(conn, demo):
    return claims.create(conn, demo["supplier"], demo["po"], actor="buyer")


@pytest.mark.parametrize("line", list(NOTE))
def test_every_line_of_the_note_is_required(conn, claim, line):
    with pytest.raises(claims.ClaimError, match=f"missing: {line}"):
        claims.close(conn, claim["id"], actor="buyer", note={**NOTE, line: "  "})
    assert claims.get(conn, claim["id"])["state"] != "closed"
    assert claims.closeout_note(conn, claim["id"]) is None


def test_close_with_the_six_lines(conn, claim):
    note = claims.close(conn, claim["id"], actor="buyer", note=NOTE)
    assert {k: note[k] for k in NOTE} == NOTE
    assert claims.get(conn, claim["id"])["state"] == "closed"
    with pytest.raises(claims.Conflict, match="already closed"):
        claims.close(conn, claim["id"], actor="buyer", note=NOTE)
    with pytest.raises(claims.Conflict, match="closed"):
        claims.revise(conn, claim["id"], actor="buyer", note="late", changes={"value": 1})


def test_handoff_names_what_is_missing(conn, claim):
    h = claims.handoff(conn, claim["id"])
    by_role = {a["role"]: a for a in h["answers"]}
    assert list(by_role) == ["finance", "logistics", "warehouse", "broker_customer"]
    assert not h["ok"]
    assert by_role["finance"]["missing"] == ["supplier response (credit, replacement or rejection)"]
    assert by_role["logistics"]["ok"] and claim["po"] in by_role["logistics"]["answer"]
    assert by_role["warehouse"]["ok"]
    assert set(by_role["broker_customer"]["missing"]) == {"an active approval of the current version 1",
                                                          "the six-line closeout note"}


def test_handoff_flags_label_mismatch_and_missing_batch(conn, claim):
    claims.revise(conn, claim["id"], actor="buyer", note="label check found two wrong labels",
                  changes={"label": {"checked": 5, "mismatched": 2}})
    conn.execute("UPDATE claim_versions SET data = json_set(data, '$.lines[0].batch', NULL) "
                 "WHERE claim_id = ? AND version = 2", (claim["id"],))
    by_role = {a["role"]: a for a in claims.handoff(conn, claim["id"])["answers"]}
    assert by_role["warehouse"]["missing"] == ["2 photo(s) whose label does not match the return"]
    assert by_role["logistics"]["missing"][0].startswith("shipment batch for return(s)")


def test_handoff_passes_when_the_file_is_complete(conn, claim):
    claims.approve(conn, claim["id"], actor="buyer", step="send claim packet", remaining_evidence=[], due_date=None)
    claims.respond(conn, claim["id"], actor="buyer", kind="credit", amount=5)
    claims.close(conn, claim["id"], actor="buyer", note=NOTE)
    h = claims.handoff(conn, claim["id"])
    assert h["ok"], h
    assert NOTE["buyer_decision"] in h["answers"][3]["answer"]
