"""Return records import: good rows load, bad rows are reported by line, a re-import updates in place."""

from __future__ import annotations

import csv
import json

from central import demodata, returns
from central.returns import COLUMNS
from tests import helpers


def _write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def test_good_rows_load_with_suppliers_pos_and_batches(conn, tmp_path):
    rows = demodata.rows(50)
    result = returns.import_csv(conn, _write(tmp_path / "r.csv", rows), progress=False)
    assert result.errors == []
    assert result.loaded == len(rows) and result.returns == 50
    assert conn.execute("SELECT count(*) FROM returns").fetchone()[0] == 50
    assert conn.execute("SELECT count(*) FROM return_lines").fetchone()[0] == len(rows)
    first = returns.get_return(conn, "RMA-SIM-00001")
    assert first["customer_email"] == rows[0]["customer_email"]
    assert first["lines"][0]["sku"] == rows[0]["sku"] and first["lines"][0]["po"] == rows[0]["supplier_po"]
    assert conn.execute("SELECT count(*) FROM suppliers").fetchone()[0] == len({r["supplier"] for r in rows})
    assert conn.execute("SELECT count(*) FROM batches").fetchone()[0] == len({(r["supplier_po"], r["batch"]) for r in rows})


def test_bad_rows_are_reported_by_line_and_good_rows_still_load(conn, tmp_path):
    rows = demodata.rows(5)
    rows[1] = {**rows[1], "quantity": "two"}
    rows[2] = {**rows[2], "order_date": "31/12/2026"}
    rows[3] = {**rows[3], "sku": ""}
    bad_po = {**rows[4], "rma_ref": "RMA-X-1", "supplier": "Someone Else"}  # PO already belongs to another supplier
    path = _write(tmp_path / "r.csv", rows + [bad_po])
    result = returns.import_csv(conn, path, progress=False)
    by_line = {e["line"]: e["reason"] for e in result.errors}
    # header is line 1, so row i (0-based) is line i + 2
    assert set(by_line) == {3, 4, 5, 7}
    assert "quantity 'two' is not a whole number" in by_line[3]
    assert "order_date" in by_line[4]
    assert "missing sku" in by_line[5]
    assert "belongs to supplier" in by_line[7]
    assert result.loaded == len(rows) - 3
    assert conn.execute("SELECT count(*) FROM return_lines").fetchone()[0] == len(rows) - 3


def test_reimport_updates_without_duplicating(conn, tmp_path):
    rows = demodata.rows(30)
    returns.import_csv(conn, _write(tmp_path / "a.csv", rows), progress=False)
    changed = [dict(r) for r in rows]
    changed[0]["status"] = "inspected"
    changed[0]["quantity"] = "3"
    returns.import_csv(conn, _write(tmp_path / "b.csv", changed), progress=False)
    assert conn.execute("SELECT count(*) FROM returns").fetchone()[0] == 30
    assert conn.execute("SELECT count(*) FROM return_lines").fetchone()[0] == len(rows)
    r = returns.get_return(conn, rows[0]["rma_ref"])
    assert r["status"] == "inspected"
    assert [ln["quantity"] for ln in r["lines"] if ln["sku"] == rows[0]["sku"]] == [3]


def test_unknown_column_is_a_clear_error(conn, tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("rma_ref,sku,quantity,unit_value,supplier,supplier_po,colour\n")
    try:
        list(returns.read_csv(p))
    except returns.RowError as e:
        assert "unknown column(s) colour" in str(e)
    else:
        raise AssertionError("no error for an unknown column")


def test_cli_imports_a_large_file_with_a_progress_bar(tmp_path):
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    out = tmp_path / "demo.csv"
    helpers.hub_cli(cfg, "demo-data", "--out", str(out), "--count", "20000")
    r = helpers.hub_cli(cfg, "import-returns", str(out), "--json")
    result = json.loads(r.stdout)
    assert result["returns"] == 20000 and result["bad_rows"] == 0
    assert "import: 100%" in r.stderr
    stats = json.loads(helpers.hub_cli(cfg, "stats", "--json").stdout)
    assert stats["returns"] == 20000


def test_cli_prints_bad_rows_with_file_and_line(tmp_path):
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    rows = demodata.rows(3)
    rows[2]["unit_value"] = "-4"
    path = _write(tmp_path / "r.csv", rows)
    r = helpers.hub_cli(cfg, "import-returns", str(path), "--no-progress")
    assert r.returncode == 0
    assert f"{path}:{len(rows) + 1}: unit_value must be zero or more" in r.stderr
