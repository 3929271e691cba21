"""Claims are opened per supplier + PO (+ batch), keep every version, and compare any two with fields marked."""

import pytest

from central import claims, claims_approval, claims_view
from tests.test_central.claimkit import add_photo, audit_actions, claim_with_photos, hub, row


def test_open_gathers_linked_defects_by_category(tmp_path):
    conn, cid = claim_with_photos(tmp_path, 3, ("scratch", "broken"))
    add_photo(conn, "RMA-404", "dent")  # unlinked: not in the claim
    s = claims_view.show(conn, cid)
    d = s["document"]
    assert (s["state"], s["version"], d["photos"]) == ("open", 1, 6)
    assert set(d["defects"]) == {"scratch", "crack_break"}
    g = d["defects"]["crack_break"]
    assert (g["label"], len(g["photos"]), g["returns"]) == ("Crack / break", 3, ["RMA-1", "RMA-2", "RMA-3"])
    assert {p["return_ref"] for p in g["photos"]} == {"RMA-1", "RMA-2", "RMA-3"}
    assert all(len(p["sha256"]) == 64 and p["sku"] == "SKU-1" for p in g["photos"])
    assert (d["quantity"]["total"], d["value"]["claimed"], d["shipment"]["batches"]) == (3, 60.0, ["B1"])
    assert "Crack / break: 3 photo(s)" in d["summary"]


def test_claim_scope_supplier_po_batch(tmp_path):
    conn = hub(tmp_path, [row("RMA-1", batch="B1"), row("RMA-2", batch="B2"), row("RMA-3", supplier="Zeta", po="PO-9")])
    for ref in ("RMA-1", "RMA-2", "RMA-3"):
        add_photo(conn, ref)
    c = claims.open_claim(conn, "Acme", "PO-1", "B2", "buyer")
    assert claims_view.show(conn, c["id"])["document"]["returns"] == ["RMA-2"]
    with pytest.raises(claims.Conflict, match="already open"):
        claims.open_claim(conn, "Acme", "PO-1", "B2", "buyer")
    with pytest.raises(claims.ClaimError, match="belongs to supplier 'Zeta'"):
        claims.open_claim(conn, "Acme", "PO-9", None, "buyer")
    with pytest.raises(claims.NotFound, match="no batch B7"):
        claims.open_claim(conn, "Acme", "PO-1", "B7", "buyer")
    with pytest.raises(claims.NotFound, match="no PO PO-5"):
        claims.open_claim(conn, "Acme", "PO-5", None, "buyer")


def test_each_change_makes_a_version_and_diff_marks_fields(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    v2 = claims.revise(conn, cid, "buyer", "invoice shows 4 units", {"quantity.total": 4, "value.claimed": 80})
    v3 = claims.revise(conn, cid, "buyer", "supplier trades under its parent", {"party.supplier": "Acme Holdings"})
    assert (v2, v3) == (2, 3)
    d = claims.diff(conn, cid, 1, 2)
    assert d["marked"] == ["quantity", "value"]
    assert d["changes"]["quantity.total"] == {"before": 3, "after": 4}
    assert d["changes"]["value.claimed"] == {"before": 60.0, "after": 80.0}
    assert set(d["unchanged"]) == {"party", "product", "label", "shipment"}
    assert claims.diff(conn, cid, 1, 3)["marked"] == ["party", "quantity", "value"]
    assert claims.diff(conn, cid, 3, 1)["changes"]["party.supplier"] == {"before": "Acme Holdings", "after": "Acme"}
    with pytest.raises(claims.ClaimError, match="nothing changed"):
        claims.revise(conn, cid, "buyer", "again", {"party.supplier": "Acme Holdings"})
    with pytest.raises(claims.ClaimError, match="cannot change defects"):
        claims.revise(conn, cid, "buyer", "x", {"defects": {}})
    with pytest.raises(claims.NotFound):
        claims.diff(conn, cid, 1, 9)
    assert audit_actions(conn, cid) == ["claim.open", "claim.revise", "claim.revise"]


def test_new_evidence_is_gathered_into_a_new_version(tmp_path):
    conn, cid = claim_with_photos(tmp_path, 2, ("scratch",))
    add_photo(conn, "RMA-1", "stain")
    v = claims.revise(conn, cid, "buyer", "more photos arrived", regather=True)
    d = claims.diff(conn, cid, 1, v)
    assert "defects.stain.photos" in d["changes"]
    assert d["marked"] == []


def test_refused_and_corrected_versions_are_kept_together(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    claims_approval.refuse(conn, cid, "lead", version_n=1, reason="value does not match the invoice")
    with pytest.raises(claims.ClaimError, match="only a refused version"):
        claims.revise(conn, cid, "buyer", "x", {"value.claimed": 1}, corrects=5)
    v2 = claims.revise(conn, cid, "buyer", "value per invoice line", {"value.claimed": 55}, corrects=1)
    s = claims_view.show(conn, cid)
    vs = {v["version"]: v for v in s["versions"]}
    assert (vs[1]["corrected_by"], vs[2]["corrects"]) == ([2], 1)
    refusal = [d for d in s["decisions"] if d["kind"] == "refusal"]
    assert (refusal[0]["version"], refusal[0]["reason"]) == (1, "value does not match the invoice")
    assert claims.version(conn, cid, 1)["content"]["value"]["claimed"] == 60.0  # the refused text is kept as it was
    assert s["state"] == "open" and s["version"] == v2
