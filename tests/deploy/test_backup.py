"""Hub backup while ingest runs, restore into an empty folder: same counts, same photo bytes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

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


def synced_folders(cmd: list[str], trace) -> set[Path]:
    """Run `cmd` under strace; the folders it fsynced (strace -y names each descriptor's path)."""
    strace = shutil.which("strace")
    assert strace, "strace missing (Debian package `strace`; `make system-deps` installs it)"
    r = subprocess.run([strace, "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync", "-o", str(trace), *cmd],
                       env=helpers.hub_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    paths = {Path(p) for p in re.findall(r"fsync\(\d+<([^>]+)>\)\s+= 0", trace.read_text())}
    return {p for p in paths if p.is_dir()}


def test_backup_and_restore_fsync_every_folder_they_fill(tmp_path, broker, hub_config, kiosk_config, ingest,
                                                         sample_photos):
    ingest()
    helpers.kiosk_cli(kiosk_config("kiosk-a"), "kiosk-a", "simulate", "--photos", str(sample_photos), "--count", "3")
    out = tmp_path / "backup"
    hub = str(helpers.BIN / "returns-hub")
    synced = synced_folders([hub, "backup", "--config", str(hub_config), "--out", str(out)], tmp_path / "b.trace")
    filled = {p.parent for p in out.rglob("*") if p.is_file()}
    assert len([f for f in filled if f.parent.name == "photos"]) >= 2  # the photos/xx/ fan-out folders
    assert filled <= synced, sorted(map(str, filled - synced))
    assert {out / "photos", out.parent} <= synced  # new folders are entries in their parents

    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / "hub.toml").write_text(f'data_dir = "{restored / "data"}"\n')
    synced = synced_folders([hub, "restore", "--config", str(restored / "hub.toml"), "--from", str(out)],
                            tmp_path / "r.trace")
    filled = {p.parent for p in (restored / "data").rglob("*") if p.is_file()}
    assert filled <= synced, sorted(map(str, filled - synced))
