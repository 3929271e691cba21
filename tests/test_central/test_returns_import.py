"""Import of return records: good rows load, bad rows are named by line with the reason, re-import updates."""

import json
import time

import pytest

from central.returns import RowError, import_csv
from tests import helpers
from tests.test_central.claimkit import hub, row, write_csv


def test_good_rows_load_returns_lines_and_pos(tmp_path):
    conn = hub(tmp_path)
    rows = [row("RMA-1", "SKU-1", qty=2, value="12.50"), row("RMA-1", "SKU-2"), row("RMA-2", supplier="Zeta", po="PO-9")]
    r = import_csv(conn, write_csv(tmp_path / "r.csv", rows))
    assert (r.rows, r.loaded, r.returns_created, r.returns_updated, r.bad) == (3, 3, 2, 0, [])
    ret = conn.execute("SELECT * FROM returns WHERE ref = 'RMA-1'").fetchone()
    assert (ret["customer_name"], ret["order_date"], ret["status"]) == ("Ana Costa", "2026-10-01", "received")
    lines = conn.execute("SELECT sku, quantity, unit_value, batch, supplier, po FROM return_lines "
                         "WHERE return_ref = 'RMA-1' ORDER BY sku").fetchall()
    assert [tuple(x) for x in lines] == [("SKU-1", 2, 12.5, "B1", "Acme", "PO-1"), ("SKU-2", 1, 20.0, "B1", "Acme", "PO-1")]
    assert dict(conn.execute("SELECT po, supplier FROM purchase_orders")) == {"PO-1": "Acme", "PO-9": "Zeta"}


def test_bad_rows_are_reported_by_line_and_good_rows_still_load(tmp_path):
    conn = hub(tmp_path)
    rows = [row("RMA-1"), row("RMA-2", qty="two"), row("RMA-3", order_date="31/12/2026"),
            row("RMA-4", customer_email="not-an-address"), row("", "SKU-9"), row("RMA-6", supplier="Other"),
            row("RMA-7", value="-3"), row("RMA-8", status="lost"), row("RMA-9")]
    r = import_csv(conn, write_csv(tmp_path / "r.csv", rows))
    assert r.loaded == 2
    got = {b["line"]: b["reason"] for b in r.bad}
    assert got == {
        3: "quantity 'two' is not a whole number",
        4: "order_date '31/12/2026' is not a date (YYYY-MM-DD)",
        5: "customer_email 'not-an-address' is not an e-mail address",
        6: "rma_ref is empty",
        7: "PO PO-1 belongs to supplier 'Acme', not 'Other'",
        8: "unit_value must be zero or more",
        9: "status 'lost' is not one of requested, received, inspected, refunded, closed",
    }
    assert sorted(x[0] for x in conn.execute("SELECT ref FROM returns")) == ["RMA-1", "RMA-9"]
    refused = conn.execute("SELECT after FROM audit WHERE action = 'returns.import_refused_rows'").fetchone()[0]
    assert json.loads(refused)["bad_rows"] == 7


def test_reimport_updates_without_duplicating(tmp_path):
    conn = hub(tmp_path)
    import_csv(conn, write_csv(tmp_path / "a.csv", [row("RMA-1"), row("RMA-2")]))
    r = import_csv(conn, write_csv(tmp_path / "b.csv", [row("RMA-1", qty=3, status="inspected"), row("RMA-3")]))
    assert (r.returns_created, r.returns_updated) == (1, 1)
    assert conn.execute("SELECT count(*) FROM returns").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM return_lines").fetchone()[0] == 3
    assert conn.execute("SELECT quantity FROM return_lines WHERE return_ref = 'RMA-1'").fetchone()[0] == 3
    assert conn.execute("SELECT status FROM returns WHERE ref = 'RMA-1'").fetchone()[0] == "inspected"
    imports = conn.execute("SELECT entity_id, after FROM audit WHERE action = 'returns.import' ORDER BY id").fetchall()
    assert [i[0] for i in imports] == ["a.csv", "b.csv"]
    assert json.loads(imports[1][1])["returns_updated"] == 1


def test_header_problems_are_one_clear_error(tmp_path):
    conn = hub(tmp_path)
    p = tmp_path / "r.csv"
    p.write_text("rma_ref,sku,quantity\nRMA-1,S,1\n")
    with pytest.raises(RowError, match="lacks column.*supplier, po"):
        import_csv(conn, p)
    p.write_text("rma_ref,sku,quantity,supplier,po,colour\nRMA-1,S,1,A,P,red\n")
    with pytest.raises(RowError, match="unknown column.*colour"):
        import_csv(conn, p)
    p.write_bytes(b"rma_ref,sku,quantity,supplier,po\nRMA-1,S,1,A,P\nRMA-2,S\xff\xfe,1,A,P\n")
    with pytest.raises(RowError, match="not UTF-8 text"):
        import_csv(conn, p)
    p.write_text("rma_ref,sku,quantity,supplier,po\nRMA-1,S,1,A,P,extra\nRMA-2,S,1,A,P\n")
    r = import_csv(conn, p)
    assert (r.loaded, r.bad[0]["line"], r.bad[0]["reason"]) == (1, 2, "1 field(s) more than the header has")
    assert conn.execute("SELECT count(*) FROM returns").fetchone()[0] == 1


def test_large_file_through_the_cli_with_progress_bar(tmp_path):
    n = 30_000
    rows = [row(f"RMA-{i:06d}", supplier=f"S{i % 40 % 7}", po=f"PO-{i % 40}") for i in range(n)]
    rows[100]["quantity"] = "0"
    csv_path = write_csv(tmp_path / "big.csv", rows)
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    t = time.perf_counter()
    r = helpers.hub_cli(cfg, "import-returns", str(csv_path), "--json", check=False)
    elapsed = time.perf_counter() - t
    assert r.returncode == 1  # one bad row
    out = json.loads(r.stdout)
    assert (out["loaded"], out["bad_rows"], out["returns_created"]) == (n - 1, 1, n - 1)
    assert "big.csv:102: quantity must be at least 1" in r.stderr
    assert "importing: 100%" in r.stderr
    assert elapsed < 30
    r = helpers.hub_cli(cfg, "import-returns", str(csv_path), "--json", "--quiet", check=False)
    out = json.loads(r.stdout)
    assert (out["returns_created"], out["returns_updated"]) == (0, n - 1)
    conn = helpers.hub_db(cfg)
    assert conn.execute("SELECT count(*) FROM return_lines").fetchone()[0] == n - 1
