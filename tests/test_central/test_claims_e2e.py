"""Done when: from demo data and kiosk photos, a buyer opens a claim for a supplier PO, sees its defects by
category with linked photos, approves a scoped version, records a supplier credit and closes it with the
six-line note — through the CLI — and every step is in the audit log."""

import json
from datetime import date, timedelta

from tests import helpers


def claim(cfg, *args):
    r = helpers.hub_cli(cfg, "claim", *args, "--json", "--actor", "buyer-ana", check=False)
    out = json.loads(r.stdout)
    assert r.returncode == 0, out
    return out


def test_claim_file_from_demo_data(hub_config, kiosk_config, ingest, sample_photos, tmp_path):
    csv_path = tmp_path / "demo.csv"
    helpers.hub_cli(hub_config, "demo-data", "--out", str(csv_path))
    helpers.hub_cli(hub_config, "import-returns", str(csv_path), "--quiet")
    ingest()
    for kiosk, refs, cat in (("kiosk-a", "RMA-KIOSK-1-00001,RMA-KIOSK-1-00002", "crack"),
                             ("kiosk-b", "RMA-KIOSK-2-00001", "packaging_damage")):
        r = helpers.kiosk_cli(kiosk_config(kiosk), kiosk, "simulate", "--photos", str(sample_photos), "--returns",
                              refs, "--per-return", "2", "--category", cat, "--wait", "30")
        assert json.loads(r.stdout)["pending"] == 0

    opened = claim(hub_config, "create", "--supplier", "Brightway Electronics", "--po", "PO-4501")
    cid = opened["id"]
    defects = opened["document"]["defects"]
    assert {k: len(v["photos"]) for k, v in defects.items()} == {"crack_break": 4, "packaging_damage": 2}
    assert defects["crack_break"]["returns"] == ["RMA-KIOSK-1-00001", "RMA-KIOSK-1-00002"]
    photo = defects["packaging_damage"]["photos"][0]
    assert (photo["return_ref"], photo["sku"], photo["batch"], photo["kiosk"]) == \
        ("RMA-KIOSK-2-00001", "BW-KTL-17", "B4501-B", "kiosk-b")
    assert (hub_config.parent / "data" / "photos" / photo["sha256"][:2] / f"{photo['sha256']}.jpg").exists()
    assert "Please send the serial or lot map" in opened["document"]["supplier_question"]

    bad = helpers.hub_cli(hub_config, "claim", "approve", str(cid), "--step", "send_claim", "--po", "PO-9999",
                          "--version", "1", "--json", check=False)
    assert bad.returncode == 1 and "an approval covers one PO" in json.loads(bad.stdout)["error"]
    due = (date.today() + timedelta(days=10)).isoformat()
    ok = claim(hub_config, "approve", str(cid), "--step", "send_claim", "--po", "PO-4501", "--version", "1",
               "--evidence", "carton photo for batch B4501-B", "--due", due)
    assert ok["boundary"].endswith(f"remaining evidence (carton photo for batch B4501-B) due by {due}.")

    gaps = claim(hub_config, "handoff", str(cid))["questions"]["finance"]["missing"]
    assert f"remaining evidence not received: carton photo for batch B4501-B (due {due})" in gaps
    claim(hub_config, "evidence", str(cid), "--received", "carton photo for batch B4501-B")
    claimed = claim(hub_config, "show", str(cid))["document"]["value"]["claimed"]
    claim(hub_config, "respond", str(cid), "--kind", "credit", "--amount", str(claimed))
    shown = claim(hub_config, "show", str(cid))
    assert (shown["state"], shown["reconciliation"]["status"], shown["approval"]["version"]) == \
        ("responded", "recovered", 1)

    refused = helpers.hub_cli(hub_config, "claim", "close", str(cid), "--issue", "cracked kettles", "--json",
                              check=False)
    assert "missing: affected_field" in json.loads(refused.stdout)["error"]
    note = claim(hub_config, "close", str(cid), "--issue", "kettles cracked at the spout",
                 "--affected-field", "quantity", "--supplier-explanation", "mould wear on batch B4501",
                 "--evidence-reviewed", "6 redacted photos, lot map", "--buyer-decision", "accept full credit")
    assert note["document"] == f"PO-4501_Brightway-Electronics_closeout_{date.today().isoformat()}"
    assert claim(hub_config, "handoff", str(cid))["ready"] is True

    conn = helpers.hub_db(hub_config)
    steps = [(r["action"], r["actor"]) for r in conn.execute(
        "SELECT action, actor FROM audit WHERE entity = 'claim' AND entity_id = ? ORDER BY id", (str(cid),))]
    assert steps == [("claim.open", "buyer-ana"), ("claim.approve", "buyer-ana"), ("claim.evidence", "buyer-ana"),
                     ("claim.respond", "buyer-ana"), ("claim.close", "buyer-ana")]
    closing = conn.execute("SELECT before, after FROM audit WHERE action = 'claim.close'").fetchone()
    assert json.loads(closing["before"]) == {"state": "responded"}
    assert json.loads(closing["after"])["closeout"]["buyer_decision"] == "accept full credit"
    assert conn.execute("SELECT count(*) FROM audit WHERE action = 'returns.import'").fetchone()[0] == 1
