"""`returns-hub claim …` on the command line: JSON out, refused changes exit 1 with a clear error."""

from __future__ import annotations

import json

import pytest

from central import db as hubdb
from central import demodata, returns
from tests import helpers
from tests.test_central.conftest import add_photo


@pytest.fixture
def hub(tmp_path):
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    conn = hubdb.connect(tmp_path / "data" / "hub.db")
    rows = demodata.rows(20)
    returns.import_rows(conn, enumerate(rows, 2))
    for r in rows:
        add_photo(conn, r["rma_ref"], category="dent")
    conn.close()
    return cfg, rows[0]["supplier"], rows[0]["supplier_po"]


def run(cfg, *args, ok=True):
    r = helpers.hub_cli(cfg, "claim", *args, "--json", check=False)
    assert (r.returncode == 0) == ok, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()], r.stderr


def test_create_revise_diff_refuse_and_list(hub):
    cfg, supplier, po = hub
    [c], _ = run(cfg, "create", "--supplier", supplier, "--po", po)
    [_], _ = run(cfg, "revise", str(c["id"]), "--note", "corrected invoice line", "--set", "value=10.5",
                 "--set", 'shipment=["LOT-Z"]')
    [d], _ = run(cfg, "diff", str(c["id"]), "1", "2")
    assert d["marked"] == ["shipment", "value"] and d["fields"]["value"]["to"] == 10.5
    [r], _ = run(cfg, "refuse", str(c["id"]), "--reason", "lot map missing")
    assert r["decision"] == "refused"
    listed, _ = run(cfg, "list", "--supplier", supplier)
    assert [(x["id"], x["state"], x["value"]) for x in listed] == [(c["id"], "refused", 10.5)]


def test_refused_changes_exit_1_with_the_reason(hub):
    cfg, supplier, po = hub
    [c], _ = run(cfg, "create", "--supplier", supplier, "--po", po)
    [err], stderr = run(cfg, "approve", str(c["id"]), "--step", "send packet", "--evidence", "lot map", ok=False)
    assert err == {"error": "remaining evidence needs a due date", "status": 400}
    assert "error: remaining evidence needs a due date" in stderr
    [err], _ = run(cfg, "show", "999", ok=False)
    assert err["status"] == 404
    [err], _ = run(cfg, "create", "--supplier", supplier, "--po", po, "--question", "Is this acceptable?", ok=False)
    assert "too broad" in err["error"]
