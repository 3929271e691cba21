"""The JSON API: token authentication and clear JSON errors for bad requests."""

from __future__ import annotations

import pytest

from central import demodata
from central.web import apiauth, create_app

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv(apiauth.TOKEN_ENV, TOKEN)
    app = create_app({"DATABASE": str(tmp_path / "hub.db"), "TESTING": True})
    return app.test_client()


def _record(ref="RMA-API-1", **over):
    base = demodata.rows(1)[0]
    rec = {k: base[k] for k in ("customer_name", "customer_address", "customer_email", "customer_phone",
                                "order_id", "order_date", "reason", "supplier", "supplier_po", "batch")}
    rec.update(rma_ref=ref, lines=[{"sku": "SKU-1", "product": "Kettle", "quantity": 1, "unit_value": 30}])
    rec.update(over)
    return rec


def test_no_token_is_401_and_wrong_token_is_401(client):
    r = client.post("/api/returns", json={"returns": [_record()]})
    assert r.status_code == 401 and "Bearer" in r.get_json()["error"]
    assert r.headers["WWW-Authenticate"] == "Bearer"
    r = client.get("/api/claims", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.get_json()["error"] == "the API token is not valid"


def test_unconfigured_token_is_503(tmp_path, monkeypatch):
    monkeypatch.delenv(apiauth.TOKEN_ENV, raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    client = create_app({"DATABASE": str(tmp_path / "hub.db")}).test_client()
    r = client.get("/api/claims", headers=AUTH)
    assert r.status_code == 503 and apiauth.TOKEN_ENV in r.get_json()["error"]


def test_token_from_the_credentials_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(apiauth.TOKEN_ENV, raising=False)
    (tmp_path / "creds").mkdir()
    (tmp_path / "creds" / "api-token").write_text(TOKEN + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "creds"))
    client = create_app({"DATABASE": str(tmp_path / "hub.db")}).test_client()
    assert client.get("/api/claims", headers=AUTH).status_code == 200


def test_post_returns_loads_and_reports_bad_records(client):
    r = client.post("/api/returns", headers={**AUTH, "X-Actor": "rms"},
                    json={"returns": [_record(), _record("RMA-API-2", order_date="yesterday")]})
    assert r.status_code == 207
    body = r.get_json()
    assert body["loaded"] == 1 and body["errors"] == [
        {"record": 2, "rma_ref": "RMA-API-2", "reason": "order_date 'yesterday' is not a date (YYYY-MM-DD)"}]
    got = client.get("/api/returns/RMA-API-1", headers=AUTH).get_json()
    assert got["lines"][0]["sku"] == "SKU-1"
    r = client.post("/api/returns", headers=AUTH, json=_record("RMA-API-1", status="inspected"))
    assert r.status_code == 200
    assert client.get("/api/returns/RMA-API-1", headers=AUTH).get_json()["status"] == "inspected"


@pytest.mark.parametrize("payload,status,needle", [
    (None, 400, "must be a JSON object"),
    ({"returns": []}, 400, "non-empty list"),
    ({"returns": [{"rma_ref": "R1"}]}, 422, "missing sku"),
])
def test_post_returns_validation(client, payload, status, needle):
    r = client.post("/api/returns", headers=AUTH, data="not json" if payload is None else None,
                    json=payload, content_type="application/json")
    assert r.status_code == status
    assert needle in r.get_json()["error"]


def test_claim_errors_are_json(client):
    r = client.get("/api/claims/999", headers=AUTH)
    assert (r.status_code, r.get_json()) == (404, {"error": "no claim 999", "status": 404})
    r = client.post("/api/claims", headers=AUTH, json={"supplier": "X"})
    assert r.status_code == 400 and r.get_json()["error"] == "'po' is required"
    r = client.post("/api/claims", headers=AUTH, json={"supplier": "X", "po": "P", "colour": "red"})
    assert r.status_code == 400 and "unknown field(s) colour" in r.get_json()["error"]
    r = client.get("/api/claims/1/diff?from=a", headers=AUTH)
    assert r.status_code == 400 and "from=N&to=M" in r.get_json()["error"]
    r = client.get("/api/nothing-here", headers=AUTH)
    assert r.status_code == 404 and r.is_json
    r = client.delete("/api/claims", headers=AUTH)
    assert r.status_code == 405 and r.is_json


def test_categories(client):
    cats = client.get("/api/categories", headers=AUTH).get_json()["categories"]
    assert [c["code"] for c in cats][:3] == ["scratch", "dent", "crack_break"]
