"""The outbox: a photo is on disk before "saved", leaves only on the hub's ack, and survives restarts."""

import os
import subprocess
import sys
import time

import pytest

from edge import wire
from edge.outbox import DiskFull, Outbox, PhotoTooLarge
from tests import helpers


def _header(jpeg, ref="RMA-1"):
    return wire.PhotoHeader(photo_id=wire.new_id(), kiosk="k1", return_ref=ref, sha256=wire.sha256_hex(jpeg),
                            size=len(jpeg), captured_at=wire.utcnow())


def test_add_writes_file_and_row_then_ack_removes_both(tmp_path):
    ob = Outbox(tmp_path, min_free_mb=0)
    jpeg = b"\xff\xd8" + b"x" * 1000 + b"\xff\xd9"
    h = _header(jpeg)
    ob.add_photo(h, jpeg)
    (entry,) = ob.due(now=1e12, limit=10)
    assert wire.decode_photo(ob.payload(entry)) == (h, jpeg)
    assert ob.stats()["outbox_depth"] == 1
    assert ob.ack(h.photo_id, wire.STATUS_STORED) is True
    assert ob.ack(h.photo_id, wire.STATUS_STORED) is False  # a repeated ack is harmless
    assert list((tmp_path / "outbox").iterdir()) == []
    assert ob.ledger()[0]["status"] == "stored"


def test_rejected_payload_is_kept_for_the_operator(tmp_path):
    ob = Outbox(tmp_path, min_free_mb=0)
    jpeg = b"\xff\xd8abc\xff\xd9"
    h = _header(jpeg)
    ob.add_photo(h, jpeg)
    ob.ack(h.photo_id, wire.STATUS_REJECTED, "corrupt_jpeg")
    assert (tmp_path / "rejected" / f"{h.photo_id}.photo").exists()
    assert ob.stats()["rejected"] == 1


def test_queue_survives_restart_and_orphans_are_swept(tmp_path):
    ob = Outbox(tmp_path, min_free_mb=0)
    jpeg = b"\xff\xd8abc\xff\xd9"
    ob.add_photo(_header(jpeg), jpeg)
    ob.close()
    # a file whose row never committed (power cut between the two writes) and a stray temp file
    for name in ("deadbeef.photo", "x.photo.1234.tmp"):
        (tmp_path / "outbox" / name).write_bytes(b"half")
        os.utime(tmp_path / "outbox" / name, (time.time() - 120,) * 2)  # left by the last run
    # a file another process has just written and is about to commit the row of: not an orphan
    (tmp_path / "outbox" / "cafe0123.photo").write_bytes(b"whole")
    ob2 = Outbox(tmp_path, min_free_mb=0)
    assert ob2.stats()["outbox_depth"] == 1
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir() if not p.name.startswith("cafe")) == [
        ob2.ledger()[0]["id"] + ".photo"]
    assert (tmp_path / "outbox" / "cafe0123.photo").read_bytes() == b"whole"


def test_status_while_the_station_saves_never_takes_a_photos_file(tmp_path):
    """`returns-kiosk status` opens the outbox while the station writes to it: a file whose row is a
    moment away must survive it, or the desk's "saved" photo would never be sent."""
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'kiosk_id = "k1"\ndata_dir = "{tmp_path / "data"}"\n[outbox]\nmin_free_mb = 0\n')
    ob = Outbox(tmp_path / "data", min_free_mb=0)
    pending = tmp_path / "data" / "outbox" / "0a1b2c3d4e5f.photo"  # written, its row not yet committed
    pending.write_bytes(b"payload")
    r = subprocess.run([sys.executable, "-m", "edge.cli", "status", "--config", str(cfg), "--json"],
                       capture_output=True, text=True, timeout=60, cwd=helpers.ROOT)
    assert r.returncode == 0, r.stderr
    assert pending.read_bytes() == b"payload"
    ob.close()


def test_oversize_photo_is_a_clear_error_and_nothing_is_queued(tmp_path):
    ob = Outbox(tmp_path, max_photo_bytes=100, min_free_mb=0)
    jpeg = b"\xff\xd8" + b"x" * 200
    with pytest.raises(PhotoTooLarge, match="limit"):
        ob.add_photo(_header(jpeg), jpeg)
    assert ob.stats()["outbox_depth"] == 0
    assert list((tmp_path / "outbox").iterdir()) == []


def test_full_disk_is_a_clear_error_and_nothing_is_queued(tmp_path):
    ob = Outbox(tmp_path, min_free_mb=10**9)  # more reserve than any disk has
    jpeg = b"\xff\xd8abc\xff\xd9"
    with pytest.raises(DiskFull, match="disk is nearly full"):
        ob.add_photo(_header(jpeg), jpeg)
    assert ob.stats()["outbox_depth"] == 0
    assert ob.ledger() == []


def test_due_respects_schedule_and_exclusions(tmp_path):
    ob = Outbox(tmp_path, min_free_mb=0)
    ids = []
    for i in range(3):
        jpeg = b"\xff\xd8" + bytes([i]) + b"\xff\xd9"
        h = _header(jpeg)
        ob.add_photo(h, jpeg)
        ids.append(h.photo_id)
    ob.mark_sent(ids[0], next_attempt_at=2e12)
    assert [e.id for e in ob.due(1e12, 10)] == ids[1:]
    assert [e.id for e in ob.due(1e12, 10, exclude={ids[1]})] == ids[2:]
    ob.reschedule_all()
    assert len(ob.due(1e12, 10)) == 3


def test_many_acks_apply_in_one_go_and_sends_are_counted(tmp_path):
    ob = Outbox(tmp_path, min_free_mb=0)
    ids = []
    for i in range(4):
        jpeg = b"\xff\xd8" + bytes([i]) * 10 + b"\xff\xd9"
        h = _header(jpeg)
        ob.add_photo(h, jpeg)
        ids.append(h.photo_id)
    ob.mark_sent_many([(ids[0], 5.0), (ids[1], 6.0)])
    ob.mark_sent_many([(ids[0], 7.0)])
    assert [(e.id, e.attempts, e.next_attempt_at) for e in ob.due(10, 2)] == [(ids[0], 2, 7.0), (ids[1], 1, 6.0)]
    applied = ob.ack_many([(ids[0], wire.STATUS_STORED, ""), (ids[1], wire.STATUS_REJECTED, "corrupt_jpeg"),
                           ("nosuchid1", wire.STATUS_STORED, ""), (ids[0], wire.STATUS_STORED, "")])
    assert applied == [True, True, False, False]
    assert [e.id for e in ob.due(1e12, 10)] == ids[2:]
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == sorted(f"{i}.photo" for i in ids[2:])
    assert [p.name for p in (tmp_path / "rejected").iterdir()] == [f"{ids[1]}.photo"]
    ledger = {r["id"]: (r["status"], r["reason"]) for r in ob.ledger()}
    assert ledger == {ids[0]: ("stored", ""), ids[1]: ("rejected", "corrupt_jpeg"), ids[2]: (None, None),
                      ids[3]: (None, None)}
    ob.close()
    assert Outbox(tmp_path, min_free_mb=0).stats()["outbox_depth"] == 2  # the acks survive a restart
