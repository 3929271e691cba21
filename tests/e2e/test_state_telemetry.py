"""The hub sees each kiosk's retained state and heartbeat; a dead kiosk turns offline by its Last Will."""

import json

from tests import helpers


def _kiosk(hub_config, name="kiosk-a"):
    return helpers.hub_db(hub_config).execute("SELECT * FROM kiosks WHERE id = ?", (name,)).fetchone()


def test_online_heartbeat_then_offline_on_clean_stop(hub_config, kiosk_config, ingest):
    ingest()
    kcfg = kiosk_config("kiosk-a")
    run = helpers.kiosk_run(kcfg, "kiosk-a")
    helpers.wait_for(lambda: (_kiosk(hub_config)["state"] == "online"
                              and _kiosk(hub_config)["telemetry"] is not None), 20, what="online + heartbeat")
    beat = json.loads(_kiosk(hub_config)["telemetry"])
    assert beat["kiosk"] == "kiosk-a"
    assert beat["outbox_depth"] == 0
    assert beat["disk_free_mb"] > 0
    assert run.stop() == 0
    helpers.wait_for(lambda: _kiosk(hub_config)["state"] == "offline", 10, what="offline")
    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert stats["kiosks_online"] == 0


def test_killed_kiosk_goes_offline_by_last_will(hub_config, kiosk_config, ingest):
    ingest()
    kcfg = kiosk_config("kiosk-a", extra="")
    text = kcfg.read_text().replace("[broker]\n", "[broker]\nkeepalive_s = 5\n")
    kcfg.write_text(text)
    run = helpers.kiosk_run(kcfg, "kiosk-a")
    helpers.wait_for(lambda: _kiosk(hub_config)["state"] == "online", 20, what="online")
    run.kill()
    helpers.wait_for(lambda: _kiosk(hub_config)["state"] == "offline", 20, what="Last Will")
