"""Supplier responses: credit, replacement, rejection, partial; claimed vs recovered per claim and supplier."""

from __future__ import annotations

import pytest

from central import claims


@pytest.fixture
def claim(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="buyer")
    claims.approve(conn, c["id"], actor="buyer", step="send claim packet", remaining_evidence=[], due_date=None)
    return claims.show(conn, c["id"])


def test_response_needs_an_approved_claim(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="buyer")
    with pytest.raises(claims.Conflict, match="never approved"):
        claims.respond(conn, c["id"], actor="buyer", kind="credit", amount=5)


@pytest.mark.parametrize("kind,kw,msg", [
    ("credit", {}, "needs its amount"),
    ("replacement", {"quantity": 0}, "needs its quantity"),
    ("rejection", {}, "supplier's reason"),
    ("partial", {"amount": 5}, "reason for the rest"),
    ("refund", {"amount": 5}, "must be one of"),
])
def test_each_response_kind_needs_its_figure(conn, claim, kind, kw, msg):
    with pytest.raises(claims.ClaimError, match=msg):
        claims.respond(conn, claim["id"], actor="buyer", kind=kind, **kw)
    assert claims.responses(conn, claim["id"]) == []


def test_full_credit_reconciles(conn, claim):
    rec = claims.respond(conn, claim["id"], actor="buyer", kind="credit", amount=claim["value"])
    assert (rec["claimed_value"], rec["recovered"], rec["outstanding"], rec["status"]) == (
        claim["value"], claim["value"], 0, "recovered")
    assert claims.get(conn, claim["id"])["state"] == "responded"


def test_partial_and_replacement_reconcile(conn, claim):
    unit = claim["value"] / claim["quantity"]
    claims.respond(conn, claim["id"], actor="buyer", kind="partial", amount=10, reason="two units out of warranty")
    rec = claims.respond(conn, claim["id"], actor="buyer", kind="replacement", quantity=1)
    assert rec["credited"] == 10 and rec["replaced_quantity"] == 1
    assert rec["recovered"] == round(10 + unit, 2)
    assert rec["outstanding"] == round(claim["value"] - 10 - unit, 2)
    assert rec["status"] == "partly recovered"


def test_rejection_recovers_nothing(conn, claim):
    rec = claims.respond(conn, claim["id"], actor="buyer", kind="rejection", reason="damage happened in transit")
    assert (rec["recovered"], rec["status"]) == (0, "rejected")


def test_reconcile_per_supplier_adds_its_claims(conn, demo):
    pos = [r[0] for r in conn.execute("SELECT DISTINCT po FROM photo_links WHERE supplier = ? ORDER BY po",
                                      (demo["supplier"],))]
    assert len(pos) >= 2
    ids = []
    for po in pos[:2]:
        c = claims.create(conn, demo["supplier"], po, actor="buyer")
        claims.approve(conn, c["id"], actor="buyer", step="send claim packet", remaining_evidence=[], due_date=None)
        ids.append(c["id"])
    claims.respond(conn, ids[0], actor="buyer", kind="credit", amount=20)
    total = claims.reconcile_supplier(conn, demo["supplier"])
    claimed = sum(claims.reconcile(conn, i)["claimed_value"] for i in ids)
    assert total["claims"] == 2 and total["recovered"] == 20
    assert total["claimed_value"] == round(claimed, 2)
    assert total["outstanding"] == round(claimed - 20, 2)
