"""Supplier response: credit, replacement, rejection, partial; claimed vs recovered per claim and supplier."""

import pytest

from central import claims
from central.claims_approval import approve
from central.claims_response import reconcile, reconcile_supplier, respond
from tests.test_central.claimkit import claim_with_photos


def _sent(tmp_path, **kw):
    conn, cid = claim_with_photos(tmp_path, **kw)
    approve(conn, cid, "lead", step="send_claim", po=kw.get("po", "PO-1"), version_n=1)
    return conn, cid


def test_response_needs_the_claim_to_have_been_sent(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    with pytest.raises(claims.Conflict, match="never approved"):
        respond(conn, cid, "buyer", kind="credit", amount=10)


@pytest.mark.parametrize("kw, message", [
    ({"kind": "credit"}, "a credit needs its amount"),
    ({"kind": "credit", "amount": "-5"}, "amount must be more than zero"),
    ({"kind": "credit", "amount": "lots"}, "amount 'lots' is not a number"),
    ({"kind": "replacement"}, "a replacement needs its quantity"),
    ({"kind": "rejection"}, "a rejection needs the supplier's reason"),
    ({"kind": "partial", "amount": 5}, "a partial response needs"),
    ({"kind": "refund"}, "response kind 'refund' is not one of"),
])
def test_response_validation(tmp_path, kw, message):
    conn, cid = _sent(tmp_path)
    with pytest.raises(claims.ClaimError, match=message):
        respond(conn, cid, "buyer", **kw)


def test_credit_and_replacement_reconcile_against_the_claim(tmp_path):
    conn, cid = _sent(tmp_path)  # 3 units, 60.00
    assert reconcile(conn, cid)["status"] == "no response"
    respond(conn, cid, "buyer", kind="credit", amount="20")
    r = reconcile(conn, cid)
    assert (r["recovered"], r["outstanding"], r["status"]) == (20.0, 40.0, "partly recovered")
    respond(conn, cid, "buyer", kind="replacement", quantity=2)
    r = reconcile(conn, cid)
    assert (r["replaced_quantity"], r["replaced_value"], r["recovered"], r["outstanding"], r["status"]) == \
        (2, 40.0, 60.0, 0.0, "recovered")
    assert claims.get(conn, cid)["state"] == "responded"


def test_rejection_and_partial(tmp_path):
    conn, cid = _sent(tmp_path)
    respond(conn, cid, "buyer", kind="rejection", reason="damage happened in transit")
    assert reconcile(conn, cid)["status"] == "rejected"
    respond(conn, cid, "buyer", kind="partial", amount=15, reason="credit for the two cracked units only")
    r = reconcile(conn, cid)
    assert (r["credited"], r["status"]) == (15.0, "partly recovered")


def test_reconcile_per_supplier(tmp_path):
    conn, a = _sent(tmp_path)
    respond(conn, a, "buyer", kind="credit", amount=60)
    from tests.test_central.claimkit import add_photo, row, write_csv
    from central.returns import import_csv

    import_csv(conn, write_csv(tmp_path / "b.csv", [row("RMA-9", po="PO-2", value="50.00")]))
    add_photo(conn, "RMA-9")
    b = claims.open_claim(conn, "Acme", "PO-2", None, "buyer")["id"]
    s = reconcile_supplier(conn, "Acme")
    assert [c["claim"] for c in s["claims"]] == [a, b]
    assert (s["claimed"], s["recovered"], s["outstanding"]) == (110.0, 60.0, 50.0)
