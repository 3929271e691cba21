"""Claims: opened per supplier PO (+ batch) with defects by category; every change a version; any two compared."""

from __future__ import annotations

import pytest

from central import claims
from central.claims.names import doc_name


def test_claim_gathers_linked_defects_grouped_by_category(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="buyer")
    s = claims.show(conn, c["id"])
    expected = conn.execute("SELECT category, count(*) FROM photo_links WHERE supplier = ? AND po = ? GROUP BY 1",
                            (demo["supplier"], demo["po"])).fetchall()
    assert {k: v["photos"] for k, v in s["defects"].items()} == dict(expected)
    assert set(s["defects"]) <= {"scratch", "dent", "crack_break", "does_not_work"}
    ids = [p for d in s["defects"].values() for p in d["photo_ids"]]
    assert len(ids) == sum(n for _, n in expected) == len(set(ids))
    assert s["party"] == demo["supplier"] and s["po"] == demo["po"] and s["version"]["version"] == 1
    assert s["value"] == round(sum(ln["quantity"] * ln["unit_value"] for ln in s["lines"]), 2)
    # the claim file carries no customer identifiers
    text = repr(s)
    for r in demo["rows"][:80]:
        assert r["customer_name"] not in text and r["order_id"] not in text and r["customer_email"] not in text


def test_claim_per_batch_only_takes_that_shipment(conn, demo):
    batches = conn.execute("SELECT DISTINCT batch FROM photo_links WHERE po = ?", (demo["po"],)).fetchall()
    c = claims.create(conn, demo["supplier"], demo["po"], batch=batches[0][0], actor="buyer")
    assert claims.show(conn, c["id"])["shipment"] == [batches[0][0]]


def test_no_evidence_no_claim_and_one_open_claim_per_scope(conn, demo):
    with pytest.raises(claims.NotFound):
        claims.create(conn, demo["supplier"], "PO-NONE", actor="buyer")
    conn.execute("INSERT INTO purchase_orders (po, supplier) VALUES ('PO-EMPTY', ?)", (demo["supplier"],))
    with pytest.raises(claims.ClaimError, match="no linked defect photos"):
        claims.create(conn, demo["supplier"], "PO-EMPTY", actor="buyer")
    with pytest.raises(claims.ClaimError, match="belongs to supplier"):
        claims.create(conn, "Someone Else", demo["po"], actor="buyer")
    claims.create(conn, demo["supplier"], demo["po"], actor="buyer")
    with pytest.raises(claims.Conflict):
        claims.create(conn, demo["supplier"], demo["po"], actor="buyer")


def test_each_change_makes_a_new_version_and_diff_marks_tracked_fields(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="buyer")
    claims.revise(conn, c["id"], actor="buyer", note="corrected invoice line INV-77 line 3",
                  changes={"value": 99.5, "quantity": 4})
    claims.revise(conn, c["id"], actor="buyer", note="supplier's lot map moves it to batch LOT-X",
                  changes={"shipment": ["LOT-X"], "party": "Northwind Housewares GmbH"})
    assert [v["version"] for v in claims.versions(conn, c["id"])] == [1, 2, 3]
    assert [v["status"] for v in claims.versions(conn, c["id"])] == ["superseded", "superseded", "current"]
    d12 = claims.diff(conn, c["id"], 1, 2)
    assert d12["marked"] == ["quantity", "value"]
    assert d12["fields"]["value"]["to"] == 99.5 and d12["fields"]["value"]["tracked"]
    assert "timing" in d12["changed"]  # the timing line follows the value
    d13 = claims.diff(conn, c["id"], 1, 3)
    assert d13["marked"] == ["party", "quantity", "shipment", "value"]
    assert not claims.diff(conn, c["id"], 3, 3)["changed"]
    with pytest.raises(claims.ClaimError, match="nothing changed"):
        claims.revise(conn, c["id"], actor="buyer", note="same", changes={"value": 99.5})
    with pytest.raises(claims.ClaimError, match="cannot revise"):
        claims.revise(conn, c["id"], actor="buyer", note="x", changes={"customer_name": "x"})


def test_rejected_and_corrected_versions_are_kept_together(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="buyer")
    claims.refuse(conn, c["id"], actor="buyer", reason="value does not match the invoice")
    claims.revise(conn, c["id"], actor="buyer", note="value from the corrected invoice line", changes={"value": 12})
    vs = claims.versions(conn, c["id"])
    assert [(v["version"], v["status"], v["corrects"]) for v in vs] == [(1, "rejected", None), (2, "current", 1)]
    assert claims.version(conn, c["id"], 1)["data"]["value"] != 12  # the rejected version is untouched
    assert claims.diff(conn, c["id"], 1, 2)["from"]["status"] == "rejected"


def test_document_names():
    assert doc_name("PO-4501", "Shenzhen Sunrise Electronics", "claim-summary", "2026-11-22") == \
        "PO-4501_Shenzhen-Sunrise-Electronics_claim-summary_2026-11-22"
    assert doc_name("PO/77", "A&B Ltd.", "packet", "2026-01-02T10:00:00+00:00") == "PO-77_A-B-Ltd_packet_2026-01-02"
