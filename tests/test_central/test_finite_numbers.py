"""Money and quantities are finite wherever they enter: the CSV import, the claims library (and so the web forms
and the CLI), and hub.toml. `float("inf")` parses; none of these may store it."""

import json

import pytest

from central import claims
from central.claims_approval import approve
from central.claims_response import reconcile, respond
from central.config import ConfigError, load_config
from central.returns import import_csv
from tests import helpers
from tests.test_central.claimkit import add_photo, claim_with_photos, hub, row, write_csv

NOT_FINITE = ["inf", "-inf", "Infinity", "nan", "NaN", "1e999"]


def test_csv_rows_with_infinite_or_nan_values_are_bad_rows(tmp_path):
    conn = hub(tmp_path)
    rows = [row(f"RMA-{i}", value=v) for i, v in enumerate(NOT_FINITE)] + [row("RMA-9", value="19.90")]
    r = import_csv(conn, write_csv(tmp_path / "r.csv", rows))
    assert {b["line"]: b["reason"] for b in r.bad} == {
        i + 2: f"unit_value {v!r} is not a finite number" for i, v in enumerate(NOT_FINITE)}
    assert [tuple(x) for x in conn.execute("SELECT return_ref, unit_value FROM return_lines")] == [("RMA-9", 19.9)]
    r = import_csv(conn, write_csv(tmp_path / "q.csv", [row("RMA-8", qty="inf"), row("RMA-7", qty="1e3")]))
    assert [b["reason"] for b in r.bad] == ["quantity 'inf' is not a whole number",
                                            "quantity '1e3' is not a whole number"]
    r = import_csv(conn, write_csv(tmp_path / "big.csv", [row("RMA-6", qty=10**20), row("RMA-5", value="2e12")]))
    assert [b["reason"] for b in r.bad] == ["quantity must be at most 1,000,000,000",
                                            "unit_value must be at most 1,000,000,000,000"]


@pytest.mark.parametrize("value", [*NOT_FINITE, float("inf"), float("nan")])
def test_credit_amount_and_replacement_quantity_must_be_finite(tmp_path, value):
    conn, cid = claim_with_photos(tmp_path)
    approve(conn, cid, "lead", step="send_claim", po="PO-1", version_n=1)
    with pytest.raises(claims.ClaimError, match=r"amount .* is not a (finite )?number"):
        respond(conn, cid, "buyer", kind="credit", amount=value)
    with pytest.raises(claims.ClaimError, match=r"quantity .* is not a (finite |whole )?number"):
        respond(conn, cid, "buyer", kind="replacement", quantity=value)
    assert reconcile(conn, cid)["status"] == "no response"
    assert conn.execute("SELECT count(*) FROM claim_responses").fetchone()[0] == 0


@pytest.mark.parametrize("field, value, message", [
    ("value.claimed", "inf", "value.claimed 'inf' is not a finite number"),
    ("value.claimed", float("nan"), "value.claimed nan is not a finite number"),
    ("quantity.total", "1e999", "quantity.total '1e999' is not a finite number"),
    ("quantity.total", float("inf"), "quantity.total inf is not a finite number"),
    ("quantity.total", "2.5", "quantity.total '2.5' is not a whole number"),
    ("value.claimed", True, "value.claimed True is not a finite number"),
    ("quantity.total", "1e30", "quantity.total '1e30' is out of range"),
])
def test_claim_edits_must_be_finite(tmp_path, field, value, message):
    conn, cid = claim_with_photos(tmp_path)
    with pytest.raises(claims.ClaimError, match=message.replace(".", r"\.")):
        claims.revise(conn, cid, "buyer", "edit", {field: value})
    assert claims.get(conn, cid)["current_version"] == 1


def test_cli_refuses_infinite_money(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    conn = hub(data, [row("RMA-1")])
    add_photo(conn, "RMA-1", "dent")
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{data}"\n')
    helpers.hub_cli(cfg, "claim", "create", "--supplier", "Acme", "--po", "PO-1")
    r = helpers.hub_cli(cfg, "claim", "revise", "1", "--reason", "x", "--set", "value.claimed=inf", check=False)
    assert (r.returncode, r.stderr.strip()) == (1, "error: value.claimed 'inf' is not a finite number")
    helpers.hub_cli(cfg, "claim", "approve", "1", "--step", "send_claim", "--po", "PO-1", "--version", "1")
    r = helpers.hub_cli(cfg, "claim", "respond", "1", "--kind", "credit", "--amount", "nan", "--json", check=False)
    assert (r.returncode, json.loads(r.stdout)["error"]) == (1, "amount 'nan' is not a finite number")
    assert helpers.hub_db(cfg).execute("SELECT count(*) FROM claim_responses").fetchone()[0] == 0


def test_small_value_limit_in_hub_toml_must_be_finite(tmp_path):
    p = tmp_path / "hub.toml"
    p.write_text('data_dir = "d"\n[claims]\nsmall_value_limit = inf\n')
    with pytest.raises(ConfigError, match="small_value_limit"):
        load_config(p)
