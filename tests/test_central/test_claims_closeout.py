"""Closeout needs the six-line note; the handoff check names what is missing for each reader."""

import pytest

from central import claims
from central.claims_approval import approve
from central.claims_close import close, document_name, handoff
from central.claims_response import respond
from tests.test_central.claimkit import add_photo, claim_with_photos

NOTE = {"issue": "kettles cracked at the spout", "affected_field": "quantity", "supplier_explanation":
        "mould wear in batch B1", "evidence_reviewed": "6 photos, lot map", "buyer_decision": "accept credit"}


def test_close_requires_all_six_lines(tmp_path):
    conn, cid = claim_with_photos(tmp_path)
    with pytest.raises(claims.ClaimError, match="missing: supplier_explanation, buyer_decision"):
        close(conn, cid, "buyer", {**NOTE, "supplier_explanation": "", "buyer_decision": "  "})
    assert claims.get(conn, cid)["state"] == "open"
    note = close(conn, cid, "buyer", NOTE)
    assert note["next_control"] == "redacted claim packet before supplier escalation"
    assert note["document"].startswith("PO-1_Acme_closeout_20")
    assert claims.get(conn, cid)["state"] == "closed"
    with pytest.raises(claims.Conflict, match="already closed"):
        close(conn, cid, "buyer", NOTE)
    with pytest.raises(claims.Conflict, match="is closed"):
        claims.revise(conn, cid, "buyer", "late edit", {"quantity.total": 9})


def test_document_names():
    assert document_name("PO-4501", "Brightway Electronics", "claim", "2026-11-22T10:00:00Z") == \
        "PO-4501_Brightway-Electronics_claim_2026-11-22"
    assert document_name("PO/7", "A&B Ltd.", "closeout", "2026-01-02") == "PO-7_A-B-Ltd._closeout_2026-01-02"


def test_handoff_names_the_gaps_then_passes(tmp_path):
    conn, cid = claim_with_photos(tmp_path, batch="")
    h = handoff(conn, cid)
    assert not h["ready"]
    q = h["questions"]
    assert q["finance"]["missing"] == ["no approval holds for the current version",
                                      "no supplier response (credit, replacement or rejection) recorded"]
    assert q["logistics"]["missing"] == ["no shipment batch on any claimed line",
                                        "3 claimed return line(s) have no shipment batch"]
    assert "no closeout note yet" in q["broker_customer"]["missing"]

    conn, cid = claim_with_photos(tmp_path / "b")
    approve(conn, cid, "lead", step="send_claim", po="PO-1", version_n=1)
    respond(conn, cid, "buyer", kind="replacement", quantity=3)
    h = handoff(conn, cid)
    assert h["questions"]["warehouse"]["missing"] == []
    assert "3 replacement unit(s) to receive" in h["questions"]["warehouse"]["answer"]
    close(conn, cid, "buyer", NOTE)
    assert handoff(conn, cid)["ready"] is True


def test_handoff_names_photos_without_a_sku_line(tmp_path):
    from central.returns import import_csv
    from tests.test_central.claimkit import row, write_csv

    conn, cid = claim_with_photos(tmp_path)
    import_csv(conn, write_csv(tmp_path / "more.csv", [row("RMA-1", "SKU-2")]))
    add_photo(conn, "RMA-1")  # the return now has two lines and this photo names no SKU
    assert handoff(conn, cid)["questions"]["warehouse"]["missing"] == \
        ["1 photo(s) of these returns are not linked to a SKU line"]


def test_close_refuses_unknown_note_lines_by_name(tmp_path):
    from tests import helpers

    conn, cid = claim_with_photos(tmp_path)
    with pytest.raises(claims.ClaimError) as e:
        close(conn, cid, "buyer", {**NOTE, "root_cause": "mould wear", "owner": "QA"})
    assert str(e.value) == ("unknown note line(s): owner, root_cause; the six lines are: issue, affected_field, "
                            "supplier_explanation, evidence_reviewed, buyer_decision, next_control")
    assert claims.get(conn, cid)["state"] == "open"
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{tmp_path}"\n')
    r = helpers.hub_cli(cfg, "claim", "close", str(cid), "--issue", "x", "--root-cause", "mould", check=False)
    assert r.returncode == 2 and "unrecognized arguments: --root-cause mould" in r.stderr
    assert claims.get(conn, cid)["state"] == "open"
