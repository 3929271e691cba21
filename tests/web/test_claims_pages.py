"""Buyer claim screens: list with filters and paging, claim file, versions diff, approval, response, closeout."""

from __future__ import annotations

import re

import pytest

from central import claims, linking
from central import db as hubdb
from central.taxonomy import Taxonomy
from tests.web.conftest import XSS_NOTE, add_claim, add_photo, sample_jpeg


@pytest.fixture
def claim(hub):
    cfg, conn = hub
    return add_claim(cfg, conn)


def test_claims_list_filters(client, claim):
    wc = client("buyer")
    body = wc.get("/claims").get_data(as_text=True)
    assert f'href="/claims/{claim}"' in body and "PO-4711" in body
    assert "PO-4711" not in wc.get("/claims?po=PO-0000").get_data(as_text=True).split("<tbody>")[1]
    assert "PO-4711" in wc.get("/claims?supplier=Acme+Tools&state=open").get_data(as_text=True).split("<tbody>")[1]
    assert client("fleet").get("/claims").status_code == 403


def test_claim_page_shows_the_file_and_handoff(client, claim):
    body = client("buyer").get(f"/claims/{claim}").get_data(as_text=True)
    for text in ("Dent", "Scratch", "RMA-7001", "SKU-0", "B-1", "Supplier question", "Handoff check",
                 "no approval holds for the current version", 'data-full="/photos/CP0/redacted"'):
        assert text in body, text
    assert "/raw" not in body and "Show all" not in body
    assert client("buyer").get("/claims/999").status_code == 404


def test_buyer_story_version_diff_approve_respond_close(client, hub, claim):
    conn = hub[1]
    wc = client("buyer")
    wc.get(f"/claims/{claim}")
    r = wc.post(f"/claims/{claim}/revise", {"value.claimed": "95.50", "reason": "freight added"})
    assert r.status_code == 302
    body = wc.get(f"/claims/{claim}?a=1&b=2").get_data(as_text=True)
    assert re.search(r"<td>value.claimed</td><td class=\"changed\">160.0</td><td class=\"changed\">95.5</td>", body)
    assert '<span class="pill warn">value</span>' in body
    r = wc.post(f"/claims/{claim}/approve", {"step": "send_claim", "po": "PO-4711", "version": "2",
                                            "remaining_evidence": "carton photo\nlot map", "due_date": "2099-01-31"},
                follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "Approval saved" in body and "due by 2099-01-31" in body
    r = wc.post(f"/claims/{claim}/approve", {"step": "send_claim", "po": "PO-9", "version": "2"},
                follow_redirects=True)
    assert 'class="flash error"' in r.get_data(as_text=True)
    wc.post(f"/claims/{claim}/respond", {"kind": "credit", "amount": "95.50"})
    r = wc.post(f"/claims/{claim}/close", {"issue": "dented wrenches", "affected_field": "quantity"},
                follow_redirects=True)
    assert "needs all six lines" in r.get_data(as_text=True)
    note = {"issue": "dented wrenches", "affected_field": "quantity", "supplier_explanation": "crushed cartons",
            "evidence_reviewed": "photos, carton photo", "buyer_decision": "credit accepted", "next_control": ""}
    body = wc.post(f"/claims/{claim}/close", note, follow_redirects=True).get_data(as_text=True)
    assert "Claim closed" in body and "crushed cartons" in body
    assert claims.get(conn, claim)["state"] == "closed"
    actions = {a for (a,) in conn.execute("SELECT action FROM audit WHERE entity = 'claim'")}
    assert "claim.close" in actions


def test_return_note_script_is_escaped_on_claim_pages(client, claim):
    wc = client("buyer")
    for url in ("/claims", f"/claims/{claim}", "/returns/RMA-7001"):
        assert XSS_NOTE not in wc.get(url).get_data(as_text=True), url


def test_return_record_page_shows_lines_and_hides_the_customer_from_buyers(client, claim):
    body = client("buyer").get("/returns/RMA-7001").get_data(as_text=True)
    assert "Torque wrench" in body and "PO-4711" in body and "&lt;script&gt;alert(" in body
    assert "Jane Okafor" not in body and "ORD-0" not in body
    assert "Jane Okafor" in client("warehouse").get("/returns/RMA-7001").get_data(as_text=True)


def test_unlinked_queue_and_manual_linking(client, hub, claim):
    cfg, conn = hub
    add_photo(cfg, conn, "UL1", "RMA-TYPO", "dent", jpeg=sample_jpeg((700, 500)))
    with hubdb.write(conn):  # as ingest does when the scanned reference matches no return record
        linking.link_photo(conn, Taxonomy(), "UL1", "RMA-TYPO", "dent", None)
    wc = client("warehouse")
    body = wc.get("/unlinked").get_data(as_text=True)
    assert 'id="unlinked-UL1"' in body and "RMA-TYPO" in body
    r = wc.post("/unlinked/UL1/link", {"ref": "RMA-NOPE"}, follow_redirects=True)
    assert "no return record RMA-NOPE" in r.get_data(as_text=True)
    r = wc.post("/unlinked/UL1/link", {"ref": "RMA-7001", "sku": "SKU-0", "category": "dent"}, follow_redirects=True)
    assert "linked to RMA-7001" in r.get_data(as_text=True) and 'id="unlinked-UL1"' not in r.get_data(as_text=True)
    assert conn.execute("SELECT status, how FROM photo_links WHERE photo_id = 'UL1'").fetchone()[:] == ("linked", "manual")
    assert client("fleet").get("/unlinked").status_code == 403


def test_charts_by_supplier_and_claimed_vs_recovered(client, claim):
    wc = client("buyer")
    wc.get(f"/claims/{claim}")
    wc.post(f"/claims/{claim}/approve", {"step": "send_claim", "po": "PO-4711", "version": "1"})
    wc.post(f"/claims/{claim}/respond", {"kind": "credit", "amount": "60"})
    body = wc.get("/charts").get_data(as_text=True)
    assert body.count("<svg") == 4
    assert "Acme Tools · photos: 2" in body
    assert re.search(r"Acme Tools \d{4}-\d{2} · claimed: 160", body) and re.search(r"· recovered: 60", body)


def test_big_claims_show_the_first_photos_per_category_and_the_rest_on_request(app, client, claim):
    app.config["CLAIM_PHOTOS_SHOWN"] = 0
    wc = client("buyer")
    body = wc.get(f"/claims/{claim}").get_data(as_text=True)
    assert "data-full=" not in body and f'href="/claims/{claim}?all=1">Show all 1 photos' in body
    assert wc.get(f"/claims/{claim}?all=1").get_data(as_text=True).count("data-full=") == 2


def test_packet_export_runs_in_the_background_with_a_progress_page(client, claim):
    import time

    wc = client("buyer")
    wc.get(f"/claims/{claim}")
    r = wc.post(f"/claims/{claim}/export", {})
    assert r.status_code == 302
    progress = r.headers["Location"]
    assert re.fullmatch(rf"/claims/{claim}/export/[0-9a-f]{{32}}", progress)
    assert client("warehouse").get(progress).status_code == 403
    assert wc.get(f"/claims/{claim}/export/{'0' * 32}").status_code == 404
    deadline = time.time() + 120
    while (r := wc.get(progress)).status_code == 200:  # still working: the page refreshes itself
        assert '<meta http-equiv="refresh"' in r.get_data(as_text=True) and "<progress" in r.get_data(as_text=True)
        assert time.time() < deadline
        time.sleep(0.2)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/claims/{claim}#packet")
    # no approval holds for this claim's current version, so the export was refused and nothing written
    body = wc.get(f"/claims/{claim}").get_data(as_text=True)
    assert "Export refused" in body and "only an approved version" in body


def test_buyer_opens_a_claim_from_the_web(client, hub):
    cfg, conn = hub
    claim = add_claim(cfg, conn)
    with hubdb.write(conn):  # close it, so the PO can be claimed again from the page
        conn.execute("UPDATE claims SET state = 'closed' WHERE id = ?", (claim,))
    wc = client("buyer")
    page = wc.get("/claims/new?po=PO-4711").get_data(as_text=True)
    assert '<option value="PO-4711" selected>Acme Tools · PO-4711</option>' in page
    r = wc.post("/claims/new", {"po": "PO-4711", "batch": ""})
    new = conn.execute("SELECT id, supplier, po, opened_by, current_version FROM claims WHERE id != ?",
                       (claim,)).fetchone()
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/claims/{new['id']}")
    assert tuple(new)[1:] == ("Acme Tools", "PO-4711", "buyer1", 1)
    assert [tuple(r) for r in conn.execute("SELECT actor FROM audit WHERE action = 'claim.open' AND entity_id = ?",
                                           (str(new["id"]),))] == [("buyer1",)]
    body = wc.get(f"/claims/{new['id']}").get_data(as_text=True)
    assert f"Claim {new['id']} opened for Acme Tools PO PO-4711" in body and "Dent" in body
    # A second claim for the same PO, an unknown PO and a batch not on the PO are refused with the reason.
    for form, says in (({"po": "PO-4711"}, f"claim {new['id']} is already open"),
                       ({"po": "PO-0000"}, "no PO &#39;PO-0000&#39; in the return records"),
                       ({"po": "PO-4711", "batch": "B-9"}, "no batch B-9 on PO PO-4711")):
        r = wc.post("/claims/new", form)
        assert r.status_code == 302 and "/claims/new?po=" in r.headers["Location"]
        assert says in wc.get(r.headers["Location"]).get_data(as_text=True), says
    assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] == 2
    assert client("warehouse").post("/claims/new", {"po": "PO-4711"}).status_code == 403
    assert client("buyer").post("/claims/new", {"po": "PO-4711"}, csrf=False).status_code == 400
