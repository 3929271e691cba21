"""A photo accepted at a kiosk reaches the hub once, is acked, and leaves the kiosk's outbox."""

import json

from tests import helpers


def test_round_trip(hub_config, kiosk_config, ingest, sample_photos):
    ingest()
    kcfg = kiosk_config("kiosk-a")
    r = helpers.kiosk_cli(kcfg, "kiosk-a", "simulate", "--photos", str(sample_photos),
                          "--returns", "RMA-1,RMA-2", "--per-return", "3", "--wait", "30")
    summary = json.loads(r.stdout)
    assert summary["photos_taken"] == 6
    assert summary["pending"] == 0
    assert summary["acked_stored"] == 6 + 2 * 3  # photos and the three events per return

    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert stats["photos"] == 6
    assert stats["events"] == 6
    assert stats["rejected_payloads"] == 0

    conn = helpers.hub_db(hub_config)
    rows = conn.execute("SELECT return_ref, count(*) FROM photos GROUP BY 1 ORDER BY 1").fetchall()
    assert [tuple(r) for r in rows] == [("RMA-1", 3), ("RMA-2", 3)]
    # bytes on disk at the hub are the bytes the kiosk sent
    for row in conn.execute("SELECT sha256, size FROM photos"):
        f = hub_config.parent / "data" / "photos" / row["sha256"][:2] / f"{row['sha256']}.jpg"
        assert f.stat().st_size == row["size"]

    status = json.loads(helpers.kiosk_cli(kcfg, "kiosk-a", "status", "--json").stdout)
    assert status["outbox_depth"] == 0
    assert status["last_ack_at"] is not None
    c = helpers.compare([kcfg], hub_config)
    assert (c["lost"], c["doubled"], c["hub_integrity"]) == ([], 0, "ok")
