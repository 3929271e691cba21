"""Late linking and hand linking map categories with hub.toml's list, not the built-in one: through the import
(CLI and API), `returns-hub link` and `POST /api/photos/<id>/link`."""

import json

from central import claims
from central.claims_view import show
from central.config import load_config
from central.web import create_app
from tests import helpers
from tests.test_central.claimkit import add_photo, hub, link_of, row, write_csv

CATEGORIES = '[claims]\ncategories = [{code = "rust", label = "Rust", aliases = ["corroded"]}, ' \
             '{code = "dent", label = "Dent"}]\n'


def _setup(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{data}"\n{CATEGORIES}')
    conn = hub(data)
    return cfg, conn


def test_import_links_waiting_photos_with_the_configured_categories(tmp_path):
    cfg, conn = _setup(tmp_path)
    waiting = add_photo(conn, "RMA-1", category="corroded")  # arrived before its return record
    assert (link_of(conn, waiting)["status"], link_of(conn, waiting)["category"]) == ("unlinked", None)
    helpers.hub_cli(cfg, "import-returns", str(write_csv(tmp_path / "r.csv", [row("RMA-1")])), "--quiet")
    assert (link_of(conn, waiting)["status"], link_of(conn, waiting)["category"]) == ("linked", "rust")
    doc = claims.open_claim(conn, "Acme", "PO-1", None, "buyer", load_config(cfg).claims)
    assert {code: g["label"] for code, g in show(conn, doc["id"])["document"]["defects"].items()} == {"rust": "Rust"}


def test_cli_link_takes_a_configured_category(tmp_path):
    cfg, conn = _setup(tmp_path)
    helpers.hub_cli(cfg, "import-returns", str(write_csv(tmp_path / "r.csv", [row("RMA-1")])), "--quiet")
    pid = add_photo(conn, "RMA-404")
    r = helpers.hub_cli(cfg, "link", pid, "RMA-1", "--category", "corroded", "--json")
    assert (json.loads(r.stdout)["status"], json.loads(r.stdout)["category"]) == ("linked", "rust")
    r = helpers.hub_cli(cfg, "link", pid, "RMA-1", "--category", "scratch", check=False)  # a default, not configured
    assert (r.returncode, r.stderr.strip()) == (1, "error: 'scratch' is not a defect category")


def test_api_import_and_link_use_the_configured_categories(tmp_path, monkeypatch):
    cfg, conn = _setup(tmp_path)
    monkeypatch.setenv("RETURNS_HUB_API_TOKEN", "tok")
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    client = create_app({"TESTING": True}, hub_config=load_config(cfg)).test_client()
    auth = {"Authorization": "Bearer tok"}
    waiting, loose = add_photo(conn, "RMA-1", category="corroded"), add_photo(conn, "RMA-404")
    r = client.post("/api/returns", json={"rma_ref": "RMA-1", "sku": "SKU-1", "quantity": 1, "supplier": "Acme",
                                          "po": "PO-1"}, headers=auth)
    assert (r.status_code, r.get_json()["linked_photos"]) == (201, 1)
    assert link_of(conn, waiting)["category"] == "rust"
    r = client.post(f"/api/photos/{loose}/link", json={"return_ref": "RMA-1", "category": "corroded"}, headers=auth)
    assert (r.status_code, r.get_json()["category"]) == (200, "rust")
