"""`returns-hub claim`: readable output for people, one JSON object for scripts, clear errors for both."""

import json
import os

from tests import helpers
from tests.test_central.claimkit import add_photo, hub, row


def test_cli_reads_and_refuses_clearly(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    conn = hub(data, [row("RMA-1"), row("RMA-2")])
    add_photo(conn, "RMA-1", "dent")
    add_photo(conn, "RMA-2", "dent")
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{data}"\n')
    r = helpers.hub_cli(cfg, "claim", "create", "--supplier", "Acme", "--po", "PO-1")
    assert "claim 1  Acme  PO PO-1" in r.stdout and "Dent (dent): 2 photo(s), returns RMA-1, RMA-2" in r.stdout
    assert "decision: Is the customer-return evidence for PO PO-1 strong enough" in r.stdout
    helpers.hub_cli(cfg, "claim", "revise", "1", "--reason", "invoice", "--set", "quantity.total=5")
    r = helpers.hub_cli(cfg, "claim", "diff", "1", "1", "2")
    assert r.stdout.startswith("claim 1 v1 → v2: changed quantity")
    listed = json.loads(helpers.hub_cli(cfg, "claim", "list", "--json").stdout)["claims"]
    assert [(c["id"], c["state"], c["current_version"]) for c in listed] == [(1, "open", 2)]

    for args, message in ((("show",), "the following arguments are required: id"),
                          (("approve", "1", "--step", "send_claim", "--po", "PO-1"), "required: --version")):
        r = helpers.hub_cli(cfg, "claim", *args, check=False)
        assert r.returncode == 2 and message in r.stderr, r.stderr
    for args, message in ((("revise", "1", "--reason", "x", "--set", "colour=red"), "cannot change colour"),
                          (("show", "7"), "no claim 7")):
        r = helpers.hub_cli(cfg, "claim", *args, "--json", check=False)
        out = json.loads(r.stdout)
        assert (r.returncode, out["ok"]) == (1, False) and message in out["error"], out
    r = helpers.hub_cli(cfg, "claim", "show", "7", check=False)
    assert r.stderr.strip() == "error: no claim 7"
    pj = json.loads(helpers.hub_cli(cfg, "claim", "packet-json", "1", "--json").stdout)
    assert (pj["version"], pj["status"]) == (2, "not approved (no approval holds for this version)")
    helpers.hub_cli(cfg, "claim", "approve", "1", "--step", "send_claim", "--po", "PO-1", "--version", "2")
    out = tmp_path / "claim.json"
    helpers.hub_cli(cfg, "claim", "packet-json", "1", "--out", str(out))
    pj = json.loads(out.read_text())
    assert (pj["status"], pj["approved_by"], len(pj["photos"])) == ("approved", os.environ.get("USER") or "cli", 2)
    assert set(pj["photos"][0]) == {"photo_sha", "category", "sku", "batch", "po", "return_ref", "customer"}
    assert pj["photos"][0]["category"] == "Dent"
    cats = [json.loads(x) for x in helpers.hub_cli(cfg, "categories", "--json").stdout.splitlines()]
    assert cats[2] == {"code": "crack_break", "label": "Crack / break"} and len(cats) == 9
    stats = json.loads(helpers.hub_cli(cfg, "stats", "--json").stdout)
    assert stats["claims_by_state"]["approved"] == 1 and stats["photos_linked"] == 2
