"""Linking through the real ingest worker: photos that arrive before their return record wait, then link."""

import json

from tests import helpers


def test_photos_before_records_link_when_the_records_arrive(hub_config, kiosk_config, ingest, sample_photos, tmp_path):
    ingest()
    kcfg = kiosk_config("kiosk-a")
    r = helpers.kiosk_cli(kcfg, "kiosk-a", "simulate", "--photos", str(sample_photos), "--returns",
                          "RMA-SIM-00001,RMA-SIM-00002,RMA-NOWHERE-1", "--per-return", "2", "--category", "crack",
                          "--wait", "30")
    assert json.loads(r.stdout)["pending"] == 0
    conn = helpers.hub_db(hub_config)
    rows = conn.execute("SELECT l.status, l.reason_code, l.category, p.return_ref FROM photo_links l "
                        "JOIN photos p USING (photo_id)").fetchall()
    assert len(rows) == 6
    assert {(x["status"], x["reason_code"], x["category"]) for x in rows} == {("unlinked", "unknown_return", "crack_break")}
    assert conn.execute("SELECT count(*) FROM event_links WHERE status = 'unlinked'").fetchone()[0] == 9

    csv_path = tmp_path / "demo.csv"
    helpers.hub_cli(hub_config, "demo-data", "--out", str(csv_path))
    out = json.loads(helpers.hub_cli(hub_config, "import-returns", str(csv_path), "--json", "--quiet").stdout)
    assert out["linked_photos"] == 4
    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert (stats["photos_linked"], stats["photos_unlinked"], stats["returns"]) == (4, 2, 300)
    left = [json.loads(x) for x in helpers.hub_cli(hub_config, "unlinked", "--json").stdout.splitlines()]
    assert {x["return_ref"] for x in left} == {"RMA-NOWHERE-1"}
    assert left[0]["reason"] == "no return record RMA-NOWHERE-1 (yet)"
    linked = conn.execute("SELECT l.how, rl.sku, rl.po FROM photo_links l JOIN return_lines rl ON rl.id = l.line_id "
                          "WHERE l.status = 'linked'").fetchall()
    assert {tuple(x) for x in linked} == {("late", "AT-TWL-BATH", "PO-7310")}
    assert conn.execute("SELECT count(*) FROM event_links WHERE status = 'unlinked'").fetchone()[0] == 3
