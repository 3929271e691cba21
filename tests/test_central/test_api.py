"""JSON API: token authentication, JSON errors with clear messages, returns and the claim workflow."""

import pytest

from central import audit
from central.config import HubConfig
from central.web import create_app
from tests.test_central.claimkit import add_photo, hub

TOKEN = "s3cret-token"


@pytest.fixture
def api(tmp_path, monkeypatch):
    monkeypatch.delenv("RETURNS_HUB_API_TOKEN", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    cfg = HubConfig(data_dir=tmp_path)
    app = create_app({"TESTING": True}, hub_config=cfg)
    client = app.test_client()
    client.conn = hub(tmp_path)
    monkeypatch.setenv("RETURNS_HUB_API_TOKEN", TOKEN)
    return client


def auth(actor="ana"):
    return {"Authorization": f"Bearer {TOKEN}", "X-Actor": actor}


RETURN = {"rma_ref": "RMA-1", "order_id": "O-1", "order_date": "2026-10-02", "customer_name": "Ana Costa",
          "customer_email": "ana@example.org", "reason": "cracked",
          "lines": [{"sku": "SKU-1", "product": "Kettle", "quantity": 2, "unit_value": 30, "batch": "B1",
                     "supplier": "Acme", "po": "PO-1"}]}


def test_missing_or_wrong_token_is_401(api):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN}):
        r = api.get("/api/claims", headers=headers)
        assert r.status_code == 401
        assert r.get_json() == {"error": "missing or wrong API token (Authorization: Bearer …)", "status": 401}


def test_no_token_configured_is_503(api, monkeypatch):
    monkeypatch.delenv("RETURNS_HUB_API_TOKEN")
    r = api.get("/api/claims", headers=auth())
    assert r.status_code == 503 and "the API is off" in r.get_json()["error"]


def test_token_from_credentials_directory(api, monkeypatch, tmp_path):
    monkeypatch.delenv("RETURNS_HUB_API_TOKEN")
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "api-token").write_text(TOKEN + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert api.get("/api/claims", headers=auth()).status_code == 200


def test_post_returns_loads_and_updates(api):
    r = api.post("/api/returns", json=RETURN, headers=auth())
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["returns_created"], r.get_json()["lines"]) == (1, 1)
    r = api.post("/api/returns", json={"returns": [{**RETURN, "reason": "leaks"}]}, headers=auth())
    assert r.get_json()["returns_updated"] == 1
    got = api.get("/api/returns/RMA-1", headers=auth()).get_json()
    assert (got["reason"], got["lines"][0]["quantity"]) == ("leaks", 2)
    assert audit.entries(api.conn, "returns", "api")[0]["actor"] == "api:ana"


def test_post_returns_validation_errors_load_nothing(api):
    bad = [RETURN, {**RETURN, "rma_ref": "RMA-2", "lines": [{**RETURN["lines"][0], "quantity": 0}]},
           {**RETURN, "rma_ref": "RMA-3", "lines": [{**RETURN["lines"][0], "supplier": "Other"}]}]
    r = api.post("/api/returns", json=bad, headers=auth())
    assert r.status_code == 422
    body = r.get_json()
    assert body["error"] == "2 line(s) are invalid; nothing was loaded"
    assert body["details"] == [{"index": 1, "ref": "RMA-2", "reason": "quantity must be at least 1"},
                               {"index": 2, "ref": "RMA-3", "reason": "PO PO-1 belongs to supplier 'Acme', not 'Other'"}]
    assert api.conn.execute("SELECT count(*) FROM returns").fetchone()[0] == 0
    r = api.post("/api/returns", data="not json", headers=auth(), content_type="text/plain")
    assert (r.status_code, r.get_json()["error"]) == (400, "the body must be JSON (Content-Type: application/json)")
    r = api.post("/api/returns", json={**RETURN, "lines": []}, headers=auth())
    assert (r.status_code, r.get_json()["error"]) == (422, "returns[0].lines must be a non-empty list of objects")
    assert api.get("/api/returns/RMA-9", headers=auth()).status_code == 404
    r = api.post("/api/returns", data=b"[" + b" " * (17 * 1024 * 1024) + b"]", headers=auth(),
                 content_type="application/json")
    assert (r.status_code, r.get_json()["error"]) == (413, "the body is over 16 MB; send returns in smaller batches")


def test_claim_workflow_over_the_api(api):
    api.post("/api/returns", json=RETURN, headers=auth())
    add_photo(api.conn, "RMA-1", "crack")
    r = api.post("/api/claims", json={"supplier": "Acme", "po": "PO-1"}, headers=auth())
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    assert list(r.get_json()["document"]["defects"]) == ["crack_break"]
    assert api.post("/api/claims", json={"supplier": "Acme", "po": "PO-1"}, headers=auth()).status_code == 409
    r = api.post(f"/api/claims/{cid}/versions", json={"reason": "per invoice", "changes": {"value.claimed": 50}},
                 headers=auth())
    assert r.get_json()["version"] == 2
    assert api.get(f"/api/claims/{cid}/diff?a=1&b=2", headers=auth()).get_json()["marked"] == ["value"]
    r = api.post(f"/api/claims/{cid}/approve", json={"step": "send_claim", "po": "PO-1", "version": 1}, headers=auth())
    assert (r.status_code, r.get_json()["error"]) == (409, f"version 1 is not the current version (2) of claim {cid}")
    r = api.post(f"/api/claims/{cid}/approve", json={"step": "send_claim", "po": "PO-1", "version": "two"}, headers=auth())
    assert (r.status_code, r.get_json()["error"]) == (422, "version must be a whole number")
    r = api.post(f"/api/claims/{cid}/approve", json={"step": "send_claim", "po": "PO-1", "version": 2}, headers=auth())
    assert r.status_code == 201
    r = api.post(f"/api/claims/{cid}/evidence", json={"item": "lot map"}, headers=auth())
    assert (r.status_code, r.get_json()["error"]) == (422, "'lot map' is not remaining evidence of this approval; "
                                                            "awaited: none")
    packet = api.get(f"/api/claims/{cid}/packet-input", headers=auth()).get_json()
    assert (packet["version"], packet["status"], len(packet["photos"])) == (2, "approved", 1)
    assert packet["photos"][0]["customer"]["name"] == "Ana Costa"
    assert packet["changes"] == ["value.claimed: 60.0 → 50.0"]
    r = api.post(f"/api/claims/{cid}/responses", json={"kind": "credit"}, headers=auth())
    assert (r.status_code, r.get_json()["error"]) == (422, "a credit needs its amount")
    assert api.post(f"/api/claims/{cid}/responses", json={"kind": "credit", "amount": 50}, headers=auth()).status_code == 201
    r = api.post(f"/api/claims/{cid}/close", json={"issue": "cracked"}, headers=auth())
    assert r.status_code == 422 and "missing: affected_field" in r.get_json()["error"]
    assert api.get("/api/claims/999", headers=auth()).get_json() == {"error": "no claim 999", "status": 404}
    sup = api.get("/api/suppliers/Acme", headers=auth()).get_json()
    assert (sup["claimed"], sup["recovered"]) == (50.0, 50.0)
    assert api.get(f"/api/claims/{cid}/handoff", headers=auth()).get_json()["questions"]["finance"]["missing"] == []


def test_categories_for_kiosks(api):
    cats = api.get("/api/categories", headers=auth()).get_json()["categories"]
    assert [c["code"] for c in cats][:3] == ["scratch", "dent", "crack_break"]


def test_unlinked_queue_and_manual_link(api):
    api.post("/api/returns", json=RETURN, headers=auth())
    pid = add_photo(api.conn, "RMA-77")
    q = api.get("/api/photos/unlinked", headers=auth()).get_json()["photos"]
    assert [(p["photo_id"], p["reason_code"]) for p in q] == [(pid, "unknown_return")]
    r = api.post(f"/api/photos/{pid}/link", json={"return_ref": "RMA-1", "sku": "SKU-7"}, headers=auth())
    assert (r.status_code, r.get_json()["error"]) == (422, "SKU SKU-7 is not on return RMA-1")
    r = api.post(f"/api/photos/{pid}/link", json={"return_ref": "RMA-1", "sku": "SKU-1"}, headers=auth())
    assert r.get_json()["status"] == "linked"
    assert api.get("/api/photos/unlinked", headers=auth()).get_json()["photos"] == []
