"""The issue's story end to end: demo data → kiosk photos through the broker → claim opened, approved, credited, closed.

Driven through the real CLI (and the JSON API for the web screens' half), with every step in the audit log.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

from central import audit
from central import config as hubconfig
from central.web import apiauth, create_app
from tests import helpers

NOTE = {
    "issue": "Customer returns show cracked kettle lids",
    "affected_field": "product and quantity on PO",
    "supplier_explanation": "Moulding fault in one lot, admitted in writing",
    "evidence_reviewed": "Linked photos by category, carton photo, lot map",
    "buyer_decision": "Credit accepted for the claimed value",
    "next_control": "redacted claim packet before supplier escalation",
}


def _claim(config, *args):
    r = helpers.hub_cli(config, "claim", *args, "--json", "--actor", "buyer-ana", check=False)
    assert r.returncode == 0, r.stderr + r.stdout
    return json.loads(r.stdout.splitlines()[0])


def test_buyer_story(hub_config, kiosk_config, ingest, sample_photos, tmp_path, monkeypatch):
    demo = tmp_path / "demo.csv"
    helpers.hub_cli(hub_config, "demo-data", "--out", str(demo), "--count", "40")
    helpers.hub_cli(hub_config, "import-returns", str(demo), "--no-progress")
    rows = list(csv.DictReader(open(demo)))
    supplier, po = rows[0]["supplier"], rows[0]["supplier_po"]
    refs = sorted({r["rma_ref"] for r in rows if r["supplier_po"] == po and r["sku"]})[:4]

    ingest()
    kcfg = kiosk_config("kiosk-a")
    out = helpers.kiosk_cli(kcfg, "kiosk-a", "simulate", "--photos", str(sample_photos), "--returns",
                            ",".join(refs), "--per-return", "2", "--category", "crack", "--wait", "30")
    assert json.loads(out.stdout)["pending"] == 0

    # open the claim for the supplier PO and see its defects by category with the linked photos
    created = _claim(hub_config, "create", "--supplier", supplier, "--po", po, "--evidence", "lot_map")
    cid = created["id"]
    shown = _claim(hub_config, "show", str(cid))
    db = helpers.hub_db(hub_config)
    photo_ids = {r[0] for r in db.execute("SELECT photo_id FROM photos")}
    assert shown["defects"]["crack_break"]["photos"] == len(refs) * 2
    assert set(shown["defects"]["crack_break"]["photo_ids"]) == photo_ids
    assert "serial or lot map" in shown["question"]["text"]

    # approve a scoped version through the API the web screens use
    monkeypatch.setenv(apiauth.TOKEN_ENV, "t0ken")
    app = create_app({"TESTING": True}, hub_config=hubconfig.load_config(hub_config))
    api = app.test_client()
    auth = {"Authorization": "Bearer t0ken", "X-Actor": "buyer-ben"}
    due = (date.today() + timedelta(days=14)).isoformat()
    r = api.post(f"/api/claims/{cid}/approve", headers=auth,
                 json={"step": "send claim packet", "po": po, "version": 1,
                       "remaining_evidence": ["carton photo"], "due_date": due})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["status"], r.get_json()["version"], r.get_json()["po"]) == ("active", 1, po)

    # the supplier's credit, then close with the six-line note
    rec = _claim(hub_config, "respond", str(cid), "credit", "--amount", str(shown["value"]))
    assert rec["status"] == "recovered" and rec["outstanding"] == 0
    r = api.post(f"/api/claims/{cid}/close", headers=auth, json={**NOTE, "next_control": ""})
    assert r.status_code == 400 and "next_control" in r.get_json()["error"]
    args = [x for k, v in NOTE.items() for x in (f"--{k.replace('_', '-')}", v)]
    _claim(hub_config, "close", str(cid), *args)

    final = api.get(f"/api/claims/{cid}", headers=auth).get_json()
    assert final["state"] == "closed" and final["handoff"]["ok"], final["handoff"]
    assert final["closeout"]["buyer_decision"] == NOTE["buyer_decision"]
    log = list(reversed(audit.entries(db, "claim", cid)))
    assert [(e["action"], e["actor"]) for e in log] == [
        ("create", "buyer-ana"), ("approve", "api:buyer-ben"), ("respond", "buyer-ana"), ("close", "buyer-ana")]
    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert stats["claims_by_state"] == {"closed": 1} and stats["linked"] == len(refs) * 2
