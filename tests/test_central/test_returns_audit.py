"""Return records in the audit log: a re-import that changes a return records the fields it changed, before
and after; the API loads a body in one transaction, the CSV import in batches."""

import json

import pytest

from central import audit
from central.config import HubConfig
from central.returns import import_csv, load_rows
from central.web import create_app
from tests.test_central.claimkit import hub, row, write_csv


def _changes(conn) -> dict:
    return {e["entity_id"]: (json.loads(e["before"]), json.loads(e["after"]), e["actor"])
            for e in audit.entries(conn, "return") if e["action"] == "return.update"}


def test_reimport_records_before_and_after_of_each_changed_field(tmp_path):
    conn = hub(tmp_path)
    import_csv(conn, write_csv(tmp_path / "a.csv", [row("RMA-1"), row("RMA-2"), row("RMA-3")]), actor="ana")
    assert _changes(conn) == {}  # new records: the table holds them; the batch entry counts them
    moved = "Avenida da Liberdade 1, 1250-096 Lisboa"
    r = import_csv(conn, write_csv(tmp_path / "b.csv", [
        row("RMA-1", customer_address=moved, qty=3), row("RMA-1", "SKU-2", value="4.50", customer_address=moved),
        row("RMA-2"),                                      # unchanged
        row("RMA-3", status="refunded", batch="B2"),
        row("RMA-4"),                                      # new
    ]), actor="bo")
    assert (r.returns_created, r.returns_updated, r.returns_changed) == (1, 3, 2)
    assert _changes(conn) == {
        "RMA-1": ({"customer_address": "Rua das Flores 12, 4050-262 Porto",
                   "lines": {"SKU-1": {"quantity": 1}, "SKU-2": None}},
                  {"customer_address": moved,
                   "lines": {"SKU-1": {"quantity": 3},
                             "SKU-2": {"product": "Product SKU-2", "quantity": 1, "unit_value": 4.5, "batch": "B1",
                                       "supplier": "Acme", "po": "PO-1"}}}, "bo"),
        "RMA-3": ({"status": "received", "lines": {"SKU-1": {"batch": "B1"}}},
                  {"status": "refunded", "lines": {"SKU-1": {"batch": "B2"}}}, "bo"),
    }
    batch = json.loads(next(e for e in audit.entries(conn, "returns", "b.csv"))["after"])
    assert (batch["returns_created"], batch["returns_updated"], batch["returns_changed"]) == (1, 3, 2)
    r = import_csv(conn, write_csv(tmp_path / "c.csv", [row("RMA-2")]))
    assert r.returns_changed == 0 and len(_changes(conn)) == 2


def test_a_return_changed_twice_keeps_both_befores(tmp_path):
    conn = hub(tmp_path, [row("RMA-1")])
    for i, name in enumerate(("Ana C. Costa", "Ana Costa Silva")):
        import_csv(conn, write_csv(tmp_path / f"{i}.csv", [row("RMA-1", customer_name=name)]))
    entries = reversed(audit.entries(conn, "return", "RMA-1"))
    history = [(json.loads(e["before"]), json.loads(e["after"])) for e in entries]
    assert history == [({"customer_name": "Ana Costa"}, {"customer_name": "Ana C. Costa"}),
                       ({"customer_name": "Ana C. Costa"}, {"customer_name": "Ana Costa Silva"})]


def test_csv_import_commits_in_batches(tmp_path):
    conn = hub(tmp_path)
    r = import_csv(conn, write_csv(tmp_path / "a.csv", [row(f"RMA-{i}") for i in range(5)]), batch=2)
    assert r.loaded == 5
    assert [json.loads(e["after"])["lines"] for e in reversed(audit.entries(conn, "returns", "a.csv"))] == [2, 2, 1]


@pytest.fixture
def api(tmp_path, monkeypatch):
    monkeypatch.setenv("RETURNS_HUB_API_TOKEN", "tok")
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    client = create_app({"TESTING": True}, hub_config=HubConfig(data_dir=tmp_path)).test_client()
    client.conn = hub(tmp_path)
    return client


def _lines(n: int, last_sku: str = "SKU-1") -> list[dict]:
    return [{"rma_ref": f"RMA-{i:05d}", "sku": last_sku if i == n - 1 else "SKU-1", "quantity": 1, "unit_value": 2.5,
             "supplier": "Acme", "po": "PO-1"} for i in range(n)]


def test_api_body_loads_in_one_transaction(api):
    n = 6001  # more than the CSV import's batch of 5000
    r = api.post("/api/returns", json=_lines(n), headers={"Authorization": "Bearer tok"})
    assert (r.status_code, r.get_json()["loaded"]) == (201, n)
    (entry,) = audit.entries(api.conn, "returns", "api")
    assert json.loads(entry["after"])["lines"] == n
    # The database refusing the very last line (a trigger stands in for a full disk) leaves nothing loaded.
    api.conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON return_lines WHEN NEW.sku = 'SKU-LAST' "
                     "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    body = [{**ln, "rma_ref": "NEW-" + ln["rma_ref"]} for ln in _lines(n, "SKU-LAST")]
    r = api.post("/api/returns", json=body, headers={"Authorization": "Bearer tok"})
    assert (r.status_code, r.get_json()["status"]) == (500, 500)
    assert api.conn.execute("SELECT count(*) FROM returns WHERE ref LIKE 'NEW-%'").fetchone()[0] == 0
    assert len(audit.entries(api.conn, "returns", "api")) == 1


def test_api_reimport_records_the_change(api):
    auth = {"Authorization": "Bearer tok", "X-Actor": "rms"}
    api.post("/api/returns", json=_lines(2), headers=auth)
    r = api.post("/api/returns", json={**_lines(2)[1], "customer_phone": "+351 900 000 001"}, headers=auth)
    assert r.get_json()["returns_changed"] == 1
    (entry,) = audit.entries(api.conn, "return", "RMA-00001")
    assert (entry["actor"], json.loads(entry["before"]), json.loads(entry["after"])) == \
        ("api:rms", {"customer_phone": None}, {"customer_phone": "+351 900 000 001"})


def test_load_rows_batch_none_is_one_transaction(tmp_path):
    conn = hub(tmp_path)
    r = load_rows(conn, list(enumerate((row(f"RMA-{i}") for i in range(7)), 2)), actor="t", source="s", batch=None)
    assert r.loaded == 7 and len(audit.entries(conn, "returns", "s")) == 1
