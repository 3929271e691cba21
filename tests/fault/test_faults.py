"""Kill anything at any point: every fault ends with 0 lost, 0 doubled and both databases intact.

Each test drives real processes (Mosquitto, `returns-hub ingest`, `returns-kiosk simulate|run`) and
compares the kiosk's ledger of photo_ids with the hub's rows at the end.
"""

import json
import signal

import pytest

from tests import helpers

pytestmark = pytest.mark.slow


def assert_nothing_lost(kiosk_configs, hub_config, expected: int):
    c = helpers.compare(kiosk_configs, hub_config)
    assert c["sent"] == expected, c
    assert c["lost"] == [], c
    assert c["doubled"] == 0 and c["unexpected"] == [], c
    assert c["hub_integrity"] == "ok" and set(c["kiosk_integrity"]) == {"ok"}, c
    for k in kiosk_configs:
        assert helpers.outbox_rows(k) == [], "outbox must be empty once everything is acked"


def drain(kcfg, kiosk="kiosk-a", timeout=60):
    """Start the station, let it empty its outbox, stop it cleanly."""
    run = helpers.kiosk_run(kcfg, kiosk)
    helpers.wait_for(lambda: not helpers.outbox_rows(kcfg), timeout, 0.2, "outbox to drain")
    assert run.stop() == 0, run.output()


def queued(kcfg, n):
    return lambda: len(helpers.kiosk_ledger(kcfg)) >= n


def test_hub_down_outbox_grows_then_drains(hub_config, kiosk_config, ingest, sample_photos):
    w = ingest()
    w.stop()  # the hub has a persistent session at the broker, and is now down
    kcfg = kiosk_config("kiosk-a")
    r = helpers.kiosk_cli(kcfg, "kiosk-a", "simulate", "--photos", str(sample_photos), "--count", "4",
                          "--per-return", "2", "--wait", "3")
    assert json.loads(r.stdout)["pending"] == 8 + 12  # photos and events wait in the outbox
    status = json.loads(helpers.kiosk_cli(kcfg, "kiosk-a", "status", "--json").stdout)
    assert status["outbox_depth"] == 20 and status["oldest_unacked_age_s"] > 0
    ingest()
    drain(kcfg)
    assert_nothing_lost([kcfg], hub_config, 8)


def test_kiosk_killed_between_outbox_commit_and_publish(broker, hub_config, kiosk_config, ingest,
                                                        sample_photos):
    broker.stop()  # nothing can be published
    kcfg = kiosk_config("kiosk-a")
    sim = helpers.kiosk_simulate(kcfg, "kiosk-a", sample_photos, "--count", "3", "--wait", "60")
    helpers.wait_for(queued(kcfg, 6 + 9), 30, what="photos committed to the outbox")
    sim.kill()
    broker.start()
    ingest()
    drain(kcfg)
    assert_nothing_lost([kcfg], hub_config, 6)


def test_kiosk_killed_between_publish_and_ack(hub_config, kiosk_config, ingest, sample_photos):
    ingest().stop()  # broker up, hub down: publishes get a PUBACK from the broker, never an ack
    kcfg = kiosk_config("kiosk-a")
    sim = helpers.kiosk_simulate(kcfg, "kiosk-a", sample_photos, "--count", "3", "--wait", "60")
    helpers.wait_for(lambda: len(helpers.outbox_rows(kcfg)) == 15
                     and all(r["attempts"] > 0 for r in helpers.outbox_rows(kcfg)), 30,
                     what="every row published")
    sim.kill()
    ingest()
    drain(kcfg)
    assert_nothing_lost([kcfg], hub_config, 6)


@pytest.mark.parametrize("point", ["after_file_write", "after_commit"])
def test_ingest_killed_mid_photo(hub_config, kiosk_config, ingest, sample_photos, point):
    ingest().stop()
    kcfg = kiosk_config("kiosk-a")
    helpers.kiosk_cli(kcfg, "kiosk-a", "simulate", "--photos", str(sample_photos), "--count", "2",
                      "--wait", "0")
    doomed = helpers.hub_ingest(hub_config, 1, RETURNS_HUB_FAILPOINT=point)
    helpers.wait_for(lambda: doomed.p.poll() is not None, 30, what="the worker to hit its failpoint")
    assert doomed.p.returncode == -signal.SIGKILL
    conn = helpers.hub_db(hub_config)
    stored_before = conn.execute("SELECT count(*) FROM photos").fetchone()[0]
    # after_commit: the first batch (the messages that arrived together, one or more photos) is committed
    # and none of it PUBACKed or acked; after_file_write: files written, nothing committed
    assert (stored_before >= 1) if point == "after_commit" else (stored_before == 0)
    ingest()
    drain(kcfg)
    assert_nothing_lost([kcfg], hub_config, 4)
    if point == "after_commit":  # every redelivered photo of that batch was a no-op, counted
        stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
        assert stats["duplicates_absorbed"] >= stored_before


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_broker_restart_mid_stream(broker, hub_config, kiosk_config, ingest, sample_photos, how):
    ingest()
    kcfg = kiosk_config("kiosk-a")
    sim = helpers.kiosk_simulate(kcfg, "kiosk-a", sample_photos, "--count", "10", "--per-return", "2",
                                 "--interval", "0.05", "--wait", "90")
    helpers.wait_for(queued(kcfg, 12), 30, what="photos under way")
    broker.stop(kill=how == signal.SIGKILL)
    broker.start()
    assert sim.wait(120) == 0, sim.output()
    summary = json.loads(sim.output().strip().splitlines()[-1])
    assert summary["pending"] == 0
    assert_nothing_lost([kcfg], hub_config, 20)


def test_two_workers_share_the_load(hub_config, kiosk_config, ingest, sample_photos):
    w1, w2 = ingest(1, verbose=True), ingest(2, verbose=True)
    ka, kb = kiosk_config("kiosk-a"), kiosk_config("kiosk-b")
    sims = [helpers.kiosk_simulate(k, name, sample_photos, "--count", "10", "--per-return", "2", "--wait", "60")
            for k, name in ((ka, "kiosk-a"), (kb, "kiosk-b"))]
    for s in sims:
        assert s.wait(120) == 0, s.output()
    assert_nothing_lost([ka, kb], hub_config, 40)
    handled = [w.output().count("stored photo") for w in (w1, w2)]
    assert sum(handled) == 40 and min(handled) > 0, handled
