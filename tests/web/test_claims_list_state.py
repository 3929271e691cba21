"""Claims list page: a lapsed approval shows as approval_ended (and filters so); the empty list names the real
command that opens a claim."""

from __future__ import annotations

import re
from datetime import date

from central import claims, claims_approval, returns
from tests import helpers
from tests.web.conftest import add_claim, add_photo, sample_jpeg


def _states(body: str) -> dict[str, str]:
    """claim id → the state pill of its row."""
    return dict(re.findall(r'<a href="/claims/(\d+)">\d+</a>.*?<span class="pill \w+">([a-z_]+)</span>', body, re.S))


def test_lapsed_approval_shows_and_filters_as_approval_ended(client, hub):
    cfg, conn = hub
    lapsed = add_claim(cfg, conn)
    add_photo(cfg, conn, "CP9", "RMA-7009", "dent", jpeg=sample_jpeg((600, 450)))
    returns.load_rows(conn, [(2, {"rma_ref": "RMA-7009", "sku": "SKU-9", "quantity": "1", "supplier": "Acme Tools",
                                  "po": "PO-4712"})], actor="test", source="test")
    holding = claims.open_claim(conn, "Acme Tools", "PO-4712", None, "buyer1")["id"]
    claims_approval.approve(conn, lapsed, "buyer1", step="send_claim", po="PO-4711", version_n=1,
                            remaining_evidence=["lot map"], due_date="2025-01-20", today=date(2025, 1, 10))
    claims_approval.approve(conn, holding, "buyer1", step="send_claim", po="PO-4712", version_n=1)
    wc = client("buyer")
    assert _states(wc.get("/claims").get_data(as_text=True)) == {str(lapsed): "approval_ended",
                                                                 str(holding): "approved"}
    assert _states(wc.get("/claims?state=approval_ended").get_data(as_text=True)) == {str(lapsed): "approval_ended"}
    assert _states(wc.get("/claims?state=approved").get_data(as_text=True)) == {str(holding): "approved"}
    assert '<option >approval_ended</option>' in wc.get("/claims").get_data(as_text=True)
    page = wc.get(f"/claims/{lapsed}").get_data(as_text=True)
    assert '<span class="pill warn" id="claim-state">approval_ended</span>' in page


def test_empty_list_names_the_command_that_exists(client):
    body = client("buyer").get("/claims").get_data(as_text=True)
    assert "<code>returns-hub claim create --supplier S --po P</code>" in body and "claim open" not in body
    r = helpers.hub_cli(helpers.Path("/nonexistent.toml"), "claim", "create", "--help")
    assert "open a claim for a supplier PO" in r.stdout
