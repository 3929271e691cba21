"""The approval boundary: scoped approvals, expiry, exceptions that never become instructions, refusals kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from central import claims

TODAY = date.today()
SOON = (TODAY + timedelta(days=5)).isoformat()


@pytest.fixture
def claim(conn, demo):
    return claims.create(conn, demo["supplier"], demo["po"], actor="buyer")


def _approve(conn, claim_id, **kw):
    args = {"actor": "buyer", "step": "send claim packet", "remaining_evidence": ["carton photo"], "due_date": SOON}
    return claims.approve(conn, claim_id, **{**args, **kw})


def test_approval_names_step_po_version_and_remaining_evidence(conn, claim):
    a = _approve(conn, claim["id"])
    assert (a["step"], a["po"], a["version"], a["remaining_evidence"], a["due_date"]) == (
        "send claim packet", claim["po"], 1, ["carton photo"], SOON)
    assert a["status"] == "active" and a["decision"] == "approved"
    assert claims.get(conn, claim["id"])["state"] == "approved"


def test_approval_scope_is_checked(conn, claim):
    with pytest.raises(claims.ClaimError, match="names the step"):
        _approve(conn, claim["id"], step=" ")
    with pytest.raises(claims.ClaimError, match="needs a due date"):
        _approve(conn, claim["id"], due_date=None)
    with pytest.raises(claims.ClaimError, match="already past"):
        _approve(conn, claim["id"], due_date=(TODAY - timedelta(days=1)).isoformat())
    with pytest.raises(claims.ClaimError, match="covers one PO"):
        _approve(conn, claim["id"], po="PO-OTHER")
    assert claims.approvals(conn, claim["id"]) == []


def test_approval_expires_when_its_version_is_superseded(conn, claim):
    a = _approve(conn, claim["id"])
    claims.revise(conn, claim["id"], actor="buyer", note="corrected invoice line", changes={"value": 1})
    assert claims.approvals(conn, claim["id"])[0]["status"] == "expired: version superseded"
    with pytest.raises(claims.Conflict, match="superseded"):
        _approve(conn, claim["id"], version=a["version"])
    assert claims.show(conn, claim["id"])["active_approval"] is None


def test_approval_expires_when_its_due_date_passes(conn, claim):
    _approve(conn, claim["id"])
    later = TODAY + timedelta(days=6)
    assert claims.approvals(conn, claim["id"], today=TODAY)[0]["status"] == "active"
    assert claims.approvals(conn, claim["id"], today=later)[0]["status"] == "expired: due date passed"
    gaps = claims.handoff(conn, claim["id"], today=later)["answers"][3]["missing"]
    assert any("active approval" in g for g in gaps)


def test_exception_is_marked_and_never_the_standing_instruction(conn, demo, claim):
    value = claims.show(conn, claim["id"])["value"]
    with pytest.raises(claims.ClaimError, match="over the small-value limit"):
        _approve(conn, claim["id"], exception="small_value", small_value_limit=value - 1)
    a = _approve(conn, claim["id"], exception="small_value", small_value_limit=value + 1)
    assert a["exception"] == "small_value" and "not a standing instruction" in a["exception_note"]
    assert a["standing_instruction"] is False
    assert claims.standing_instruction(conn, demo["supplier"]) is None
    s = claims.show(conn, claim["id"])
    assert [e["id"] for e in s["exceptions"]] == [a["id"]] and s["standing_instruction"] is None
    plain = _approve(conn, claim["id"], step="release balance less claim")
    assert claims.standing_instruction(conn, demo["supplier"])["step"] == plain["step"]


def test_one_shipment_exception_needs_one_batch(conn, claim):
    shipments = claims.show(conn, claim["id"])["shipment"]
    if len(shipments) == 1:
        a = _approve(conn, claim["id"], exception="one_shipment")
        assert "next reorder needs a cleaner record" in a["exception_note"]
    else:
        with pytest.raises(claims.ClaimError, match="exactly one batch"):
            _approve(conn, claim["id"], exception="one_shipment")
    claims.revise(conn, claim["id"], actor="buyer", note="two lots per lot map", changes={"shipment": ["L1", "L2"]})
    with pytest.raises(claims.ClaimError, match="exactly one batch"):
        _approve(conn, claim["id"], exception="one_shipment")


def test_refusal_is_saved(conn, claim):
    r = claims.refuse(conn, claim["id"], actor="buyer", reason="supplier asks to ship before the lot map arrives")
    assert r["decision"] == "refused" and r["status"] == "refused"
    kept = claims.approvals(conn, claim["id"])
    assert [(a["decision"], a["reason"]) for a in kept] == [("refused", "supplier asks to ship before the lot map arrives")]
    assert claims.get(conn, claim["id"])["state"] == "refused"
    with pytest.raises(claims.Conflict, match="rejected"):
        _approve(conn, claim["id"])
    with pytest.raises(claims.ClaimError, match="needs its reason"):
        claims.refuse(conn, claim["id"], actor="buyer", reason="")
