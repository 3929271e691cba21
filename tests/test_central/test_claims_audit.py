"""Every claim change is in the audit log — who, when, what, before/after — written in the change's own
transaction, so a refused change leaves neither a change nor an entry."""

import json

import pytest

from central import audit, claims
from central.claims_approval import approve, refuse
from central.claims_close import close
from central.claims_response import respond
from central.config import ClaimsConfig
from tests.test_central.claimkit import claim_with_photos

NOTE = dict(issue="i", affected_field="value", supplier_explanation="s", evidence_reviewed="e", buyer_decision="d")


def test_each_change_has_who_when_what_before_after(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    refuse(conn, cid, "lead", version_n=1, reason="value wrong")
    claims.revise(conn, cid, "ana", "value per invoice", {"value.claimed": 50}, corrects=1)
    approve(conn, cid, "lead", step="send_claim", po="PO-1", version_n=2)
    respond(conn, cid, "ana", kind="credit", amount=50)
    close(conn, cid, "ana", NOTE)
    entries = list(reversed(audit.entries(conn, "claim", cid)))
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("claim.open", "buyer"), ("claim.refuse", "lead"), ("claim.revise", "ana"), ("claim.approve", "lead"),
        ("claim.respond", "ana"), ("claim.close", "ana")]
    assert all(e["at"].startswith("20") for e in entries)
    revise = entries[2]
    assert json.loads(revise["before"]) == {"version": 1, "value.claimed": 60.0}
    after = json.loads(revise["after"])
    assert (after["version"], after["corrects"], after["value.claimed"], after["marked"]) == (2, 1, 50.0, ["value"])
    assert json.loads(entries[3]["before"]) == {"state": "open"}
    assert json.loads(entries[3]["after"])["version"] == 2


def test_a_refused_change_leaves_no_entry(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    n = len(audit.entries(conn))
    with pytest.raises(claims.ClaimError):
        approve(conn, cid, "lead", step="send_claim", po="PO-1", version_n=1, exception="small_value",
                settings=ClaimsConfig(small_value_limit=10))
    with pytest.raises(claims.ClaimError):
        close(conn, cid, "ana", {**NOTE, "issue": ""})
    assert len(audit.entries(conn)) == n
    assert conn.execute("SELECT count(*) FROM claim_decisions").fetchone()[0] == 0
