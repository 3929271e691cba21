"""JSON API bodies: every POST route under /api answers a wrongly typed, over-long, non-finite or unknown field
with 422 and JSON naming the field — and changes nothing."""

import json

import pytest

from central.config import HubConfig
from central.web import create_app
from tests.test_central.claimkit import add_photo, hub

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Actor": "ana"}

# A body each POST route accepts; the walk spoils one field at a time. A new route must add its body here.
GOOD = {
    "/api/returns": {"rma_ref": "RMA-9", "customer_name": "Bo Lind", "order_date": "2026-10-02",
                     "lines": [{"sku": "SKU-9", "quantity": 1, "unit_value": 5.5, "supplier": "Acme", "po": "PO-1"}]},
    "/api/photos/<photo_id>/link": {"return_ref": "RMA-1", "sku": "SKU-1", "category": "dent"},
    "/api/claims": {"supplier": "Acme", "po": "PO-1", "batch": "B1"},
    "/api/claims/<int:claim_id>/versions": {"reason": "per invoice", "corrects": 1, "regather": False,
                                            "changes": {"summary": "s", "value.claimed": 10.5, "quantity.total": 2}},
    "/api/claims/<int:claim_id>/approve": {"step": "send_claim", "po": "PO-1", "version": 1, "due_date": "2099-01-01",
                                           "remaining_evidence": ["carton photo"], "exception": "small_value",
                                           "note": "urgent"},
    "/api/claims/<int:claim_id>/evidence": {"item": "carton photo", "note": "by mail"},
    "/api/claims/<int:claim_id>/refuse": {"version": 1, "reason": "wrong batch"},
    "/api/claims/<int:claim_id>/responses": {"kind": "credit", "amount": 10.0, "quantity": 1, "reason": "r",
                                             "note": "n"},
    "/api/claims/<int:claim_id>/close": {"issue": "i", "affected_field": "quantity", "supplier_explanation": "s",
                                         "evidence_reviewed": "e", "buyer_decision": "b", "next_control": "n"},
    "/api/photos/<sha>/regions": {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "why": "label"},
}


def wrong_values(good):
    """Values of the wrong type for a field whose right value is `good`."""
    if isinstance(good, bool):
        return ["maybe", 2, [True], {"k": 1}]
    if isinstance(good, int):
        return ["two", 2.5, True, [1], {"k": 1}, 10**30, "inf"]
    if isinstance(good, float):
        return ["lots", "inf", "nan", float("inf"), float("-inf"), float("nan"), 1e300, True, [1.0], {"k": 1}]
    if isinstance(good, str):
        return [5, 1.5, True, ["x"], {"k": "v"}, "x" * 5000]
    if isinstance(good, list):
        return ["x", 5, {"k": "v"}, [["nested"]], [{"k": 1}]]
    return ["x", ["a"], 5]


def spoilt(body: dict, path=()):
    """(field path, body with that one field wrong) for every field, nested ones too, and an unknown field."""
    for key, good in body.items():
        for bad in wrong_values(good):
            yield path + (key,), {**body, key: bad}
        if isinstance(good, dict):
            for p, inner in spoilt(good, path + (key,)):
                yield p, {**body, key: inner}
        if isinstance(good, list) and good and isinstance(good[0], dict):
            for p, inner in spoilt(good[0], path + (key, 0)):
                yield p, {**body, key: [inner]}
    yield path + ("colour",), {**body, "colour": "red"}


def field_name(route: str, path: tuple) -> str:
    out = "returns[0]" if route == "/api/returns" else ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@pytest.fixture
def api(tmp_path, monkeypatch):
    monkeypatch.setenv("RETURNS_HUB_API_TOKEN", TOKEN)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    app = create_app({"TESTING": True}, hub_config=HubConfig(data_dir=tmp_path))
    client = app.test_client()
    client.app_ = app
    client.conn = hub(tmp_path)
    r = client.post("/api/returns", json={**GOOD["/api/returns"], "rma_ref": "RMA-1", "lines": [
        {"sku": "SKU-1", "quantity": 2, "unit_value": 30, "batch": "B1", "supplier": "Acme", "po": "PO-1"}]},
        headers=AUTH)
    assert r.status_code == 201, r.get_json()
    client.photo = add_photo(client.conn, "RMA-1", "dent")
    client.sha = client.conn.execute("SELECT sha256 FROM photos").fetchone()[0]
    r = client.post("/api/claims", json={"supplier": "Acme", "po": "PO-1"}, headers=AUTH)
    client.claim = r.get_json()["id"]
    return client


def snapshot(conn) -> dict:
    return {t: conn.execute(f"SELECT count(*), max(rowid) FROM {t}").fetchone()[:]
            for t in ("audit", "returns", "return_lines", "claims", "claim_versions", "claim_decisions",
                      "claim_responses", "claim_evidence", "photo_links", "redaction_regions")}


def test_every_post_route_answers_wrong_types_with_422_naming_the_field(api):
    rules = [r for r in api.app_.url_map.iter_rules() if r.rule.startswith("/api/") and "POST" in r.methods]
    assert sorted(r.rule for r in rules) == sorted(GOOD), "a POST route without a body in GOOD"
    values = {"claim_id": api.claim, "photo_id": api.photo, "sha": api.sha}
    adapter = api.app_.url_map.bind("localhost")
    before, checked = snapshot(api.conn), 0
    for rule in rules:
        url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        for path, body in spoilt(GOOD[rule.rule]):
            r = api.post(url, data=json.dumps(body), content_type="application/json", headers=AUTH)
            got = r.get_json(silent=True)
            where = f"{rule.rule} {field_name(rule.rule, path)}={json.dumps(body)[:200]}"
            assert r.status_code == 422 and got is not None, f"{where}: {r.status_code} {r.get_data()[:200]!r}"
            assert set(got) == {"error", "status", "details"} and got["status"] == 422, where
            name = field_name(rule.rule, path)
            fields = [d["field"] for d in got["details"]]
            named = [f for f in fields if f == name or f.startswith((name + "[", name + "."))]
            assert named and name in got["error"], f"{where}: {got}"
            checked += 1
    assert checked > 300
    assert snapshot(api.conn) == before  # nothing loaded, changed or audited


@pytest.mark.parametrize("route, body, error", [
    ("/api/claims", {"supplier": 5, "po": "PO-1"}, "supplier must be text"),
    ("/api/claims/{claim}/approve", {"step": ["x"], "po": "PO-1", "version": 1}, "step must be text"),
    ("/api/claims/{claim}/refuse", {"version": 1, "reason": ["r"]}, "reason must be text"),
    ("/api/claims/{claim}/responses", {"kind": "credit", "amount": "inf"}, "amount must be a finite number"),
    ("/api/claims/{claim}/versions", {"reason": "r", "changes": {"value.claimed": "nan"}},
     "changes.value.claimed must be a finite number"),
    ("/api/claims/{claim}/approve", {"step": "send_claim", "po": "PO-1", "version": True},
     "version must be a number, not true/false"),
    ("/api/claims/{claim}/versions", {"reason": "r", "changes": {"colour": "red"}},
     "unknown field(s): changes.colour (fields: label.note, party.supplier, quantity.total, shipment.batch, summary, "
     "supplier_question, timing, value.claimed)"),
    ("/api/claims/{claim}/close", {"issue": "cracked", "colour": "red", "mood": "fine"},
     "unknown field(s): colour, mood (fields: issue, affected_field, supplier_explanation, evidence_reviewed, "
     "buyer_decision, next_control)"),
])
def test_the_reported_crashes_are_clear_422s(api, route, body, error):
    r = api.post(route.format(claim=api.claim), json=body, headers=AUTH)
    assert (r.status_code, r.get_json()["error"], r.get_json()["status"]) == (422, error, 422)


def test_infinity_literals_and_inf_text_never_load(api):
    for value in ("inf", "NaN", float("inf"), "1e999"):
        body = {**GOOD["/api/returns"], "lines": [{**GOOD["/api/returns"]["lines"][0], "unit_value": value}]}
        r = api.post("/api/returns", data=json.dumps(body), content_type="application/json", headers=AUTH)
        assert r.status_code == 422, (value, r.get_json())
        assert r.get_json()["details"] == [{"field": "returns[0].lines[0].unit_value",
                                            "reason": "must be a finite number"}]
    assert api.conn.execute("SELECT count(*) FROM returns WHERE ref = 'RMA-9'").fetchone()[0] == 0


def test_a_crash_inside_a_route_is_json(api):
    # A trigger stands in for a failing disk: the database refuses the write mid-way.
    api.conn.execute("CREATE TRIGGER boom BEFORE INSERT ON claim_responses BEGIN SELECT RAISE(ABORT, 'disk'); END")
    api.post(f"/api/claims/{api.claim}/approve", json={"step": "send_claim", "po": "PO-1", "version": 1}, headers=AUTH)
    r = api.post(f"/api/claims/{api.claim}/responses", json={"kind": "credit", "amount": 5}, headers=AUTH)
    assert (r.status_code, r.get_json()) == (500, {"error": "internal error (IntegrityError); see the hub's log",
                                                   "status": 500})
    assert api.conn.execute("SELECT state FROM claims").fetchone()[0] == "approved"
