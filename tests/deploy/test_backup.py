"""Hub backup while ingest runs, restore into an empty folder: same counts, same photo bytes."""

from __future__ import annotations

import json

from central.backup import file_sha256
from tests import helpers


def test_backup_and_restore_round_trip(tmp_path, broker, hub_config, kiosk_config, ingest, sample_photos):
    ingest()
    cfg = kiosk_config("kiosk-a")
    helpers.kiosk_cli(cfg, "kiosk-a", "simulate", "--photos", str(sample_photos), "--count", "3")
    out = tmp_path / "backup-1"
    r = helpers.hub_cli(hub_config, "backup", "--out", str(out))
    summary = json.loads(r.stdout)
    assert summary["counts"]["photos"] == 6 and summary["files"] >= 1

    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / "hub.toml").write_text(f'data_dir = "{restored / "data"}"\n')
    r = helpers.hub_cli(restored / "hub.toml", "restore", "--from", str(out))
    assert json.loads(r.stdout)["counts"]["photos"] == 6

    src, dst = helpers.hub_db(hub_config), helpers.hub_db(restored / "hub.toml")
    for table in ("photos", "events", "kiosks"):
        assert dst.execute(f"SELECT count(*) FROM {table}").fetchone() == src.execute(
            f"SELECT count(*) FROM {table}").fetchone()
    original = hub_config.parent / "data" / "photos"
    photos = sorted(p.relative_to(original) for p in original.rglob("*") if p.is_file())
    assert len(photos) == 6  # content-addressed: one file per distinct photo
    for rel in photos:
        assert file_sha256(restored / "data" / "photos" / rel) == file_sha256(original / rel)
    shas = {r[0] for r in dst.execute("SELECT sha256 FROM photos")}
    assert shas == {file_sha256(restored / "data" / "photos" / rel) for rel in photos}

    # Not into a folder that already holds a hub, and not from a damaged backup.
    again = helpers.hub_cli(restored / "hub.toml", "restore", "--from", str(out), check=False)
    assert again.returncode == 1 and "not empty" in again.stdout
    victim = next(p for p in (out / "photos").rglob("*") if p.is_file())
    victim.write_bytes(b"bit rot")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "hub.toml").write_text(f'data_dir = "{tmp_path / "empty" / "data"}"\n')
    bad = helpers.hub_cli(tmp_path / "empty" / "hub.toml", "restore", "--from", str(out), check=False)
    assert bad.returncode == 1 and "does not match its sha256" in bad.stdout
    assert not (tmp_path / "empty" / "data").exists()


def test_hub_warns_when_its_disk_is_low(tmp_path, broker, hub_config):
    with hub_config.open("a") as f:
        f.write("[provision]\ndisk_min_free_mb = 100000000\n")
    r = helpers.hub_cli(hub_config, "stats", "--json")
    assert json.loads(r.stdout)["hub_disk_free_mb"] > 0
    assert "hub disk low" in r.stderr
    proc = helpers.hub_ingest(hub_config, 1)
    try:
        helpers.wait_ready(proc, "hub disk low")
    finally:
        proc.stop()
