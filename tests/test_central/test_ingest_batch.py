"""Ingest without MQTT: the JPEG check refuses corrupt entropy data, and a batch of messages shares one commit."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from central import config as hubconfig
from central import db as hubdb
from central.ingest import Ingestor, Rejected, check_jpeg, register_kiosk
from edge import wire
from edge.samples import desk_photo, encode_jpeg
from tests.helpers import SHARED_DATA

GOOD = encode_jpeg(desk_photo(3, 320, 240))
LIMIT = 50_000_000


def _entropy_span(jpeg: bytes) -> tuple[int, int]:
    """Start and end of the first scan's entropy-coded data."""
    sos = jpeg.index(b"\xff\xda")
    start = sos + 2 + int.from_bytes(jpeg[sos + 2:sos + 4], "big")
    return start, jpeg.index(b"\xff\xd9", start)


def _garble(jpeg: bytes, n: int | None = None, seed: int = 1) -> bytes:
    """n bytes in the middle of the entropy data (all of it if n is None) replaced by noise without 0xFF."""
    start, end = _entropy_span(jpeg)
    if n is not None:
        start = (start + end) // 2
        end = start + n
    noise = np.random.default_rng(seed).integers(0, 255, end - start, dtype=np.uint8).tobytes()
    return jpeg[:start] + noise + jpeg[end:]


def _pil(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, **kw)
    return buf.getvalue()


CORRUPT = {
    "noise in the entropy data": lambda: _garble(GOOD, 64),
    "all entropy data replaced": lambda: _garble(GOOD),
    "cut in half, end marker put back": lambda: GOOD[: len(GOOD) // 2] + b"\xff\xd9",
    "a kilobyte cut from the middle": lambda: GOOD[: len(GOOD) // 2] + GOOD[len(GOOD) // 2 + 1024:],
    "a stray marker in the data": lambda: GOOD[: len(GOOD) // 2] + b"\xff\x77" + GOOD[len(GOOD) // 2 + 2:],
}


@pytest.mark.parametrize("how", CORRUPT)
def test_corrupt_entropy_data_is_refused(how):
    with pytest.raises(Rejected) as e:
        check_jpeg(CORRUPT[how](), LIMIT)
    assert e.value.reason == "corrupt_jpeg"


def test_truncated_and_foreign_files_keep_their_reasons():
    for data, reason in ((GOOD[: len(GOOD) // 2], "truncated_jpeg"), (bytes(range(256)) * 40, "not_an_image"),
                         (_png(), "not_jpeg")):
        with pytest.raises(Rejected) as e:
            check_jpeg(data, LIMIT)
        assert e.value.reason == reason


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    return buf.getvalue()


def test_good_jpegs_of_every_kind_pass():
    img = Image.fromarray(desk_photo(5, 640, 480)[:, :, ::-1])
    kinds = {"baseline": GOOD, "progressive": _pil(img, progressive=True), "grey": _pil(img.convert("L")),
             "cmyk": _pil(img.convert("CMYK")), "4:4:4": _pil(img, subsampling=0)}
    assert {k: check_jpeg(v, LIMIT) for k, v in kinds.items()} == {
        "baseline": (320, 240), "progressive": (640, 480), "grey": (640, 480), "cmyk": (640, 480),
        "4:4:4": (640, 480)}
    real = sorted(SHARED_DATA.glob("**/*.jpg"))
    for p in real:  # camera files from the shared set, where present
        w, h = check_jpeg(p.read_bytes(), LIMIT)
        assert w * h > 0


@pytest.fixture
def ingestor(tmp_path):
    (tmp_path / "hub.toml").write_text(f'data_dir = "{tmp_path / "data"}"\n')
    cfg = hubconfig.load_config(tmp_path / "hub.toml")
    conn = hubdb.connect(cfg.db_path)
    register_kiosk(conn, "kiosk-a")
    return Ingestor(cfg, conn)


def _photo(jpeg: bytes, photo_id: str | None = None) -> tuple[str, bytes]:
    h = wire.PhotoHeader(photo_id=photo_id or wire.new_id(), kiosk="kiosk-a", return_ref="RMA-B",
                         sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow())
    return h.photo_id, wire.encode_photo(h, jpeg)


def test_a_batch_commits_together_and_acks_each_message_in_order(ingestor):
    t = wire.Topics()
    other = encode_jpeg(desk_photo(4, 320, 240))
    a, pa = _photo(GOOD)
    b, pb = _photo(other)
    _, conflict = _photo(other, photo_id=a)  # same id as a, other bytes, in the same batch
    ev = {"event_id": wire.new_id(), "type": "session_opened", "kiosk": "kiosk-a", "at": wire.utcnow(),
          "return_ref": "RMA-B"}
    msgs = [(t.photos("kiosk-a"), pa), (t.photos("kiosk-a"), pb), (t.events("kiosk-a"), wire.encode_event(ev)),
            (t.photos("kiosk-a"), pa), (t.photos("kiosk-a"), conflict), (t.photos("kiosk-a"), _garble(pb, 8))]
    batch = [ingestor.prepare(topic, payload) for topic, payload in msgs]
    conn = ingestor.conn
    assert conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 0  # nothing before the commit
    outcomes = ingestor.commit(batch)
    assert [(o.kind, o.msg_id, o.status, o.reason, o.duplicate) for o in outcomes] == [
        ("photo", a, "stored", "", False),
        ("photo", b, "stored", "", False),
        ("event", ev["event_id"], "stored", "", False),
        ("photo", a, "stored", "", True),
        ("photo", a, "rejected", "photo_id_conflict", False),
        ("photo", b, "rejected", "sha256_mismatch", False),
    ]
    assert {r[0]: r[1] for r in conn.execute("SELECT photo_id, sha256 FROM photos")} == {
        a: wire.sha256_hex(GOOD), b: wire.sha256_hex(other)}
    assert ingestor.store.get(wire.sha256_hex(GOOD)) == GOOD
    rejects = [tuple(r) for r in conn.execute("SELECT msg_id, reason FROM ingest_rejects ORDER BY id")]
    assert rejects == [(a, "photo_id_conflict"), (b, "sha256_mismatch")]
    assert conn.execute("SELECT value FROM counters WHERE name = 'duplicates_absorbed'").fetchone()[0] == 1
    # the same batch again: every photo is a repeat, absorbed and acked stored; nothing new is written
    again = ingestor.commit([ingestor.prepare(t.photos("kiosk-a"), p) for p in (pa, pb)])
    assert [(o.status, o.duplicate) for o in again] == [("stored", True), ("stored", True)]
    assert conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 2
    assert json.loads(conn.execute("SELECT header FROM photos WHERE photo_id = ?", (b,)).fetchone()[0])["size"] == len(other)


def test_a_message_that_cannot_be_stored_is_refused_alone_and_the_rest_commit(ingestor):
    """Should a payload ever pass the checks yet fail its insert, the batch is written one by one: that
    one is rejected (`unstorable`), the others are stored, and nothing is left for endless redelivery."""
    t = wire.Topics()
    a, pa = _photo(GOOD)
    b, pb = _photo(encode_jpeg(desk_photo(5, 320, 240)))
    _, pc = _photo(encode_jpeg(desk_photo(6, 320, 240)))
    batch = [ingestor.prepare(t.photos("kiosk-a"), p) for p in (pa, pc, pb)]
    batch[1].header.return_ref = ["not", "text"]  # a shape SQLite cannot bind
    outcomes = ingestor.commit(batch)
    assert [(o.msg_id, o.status, o.reason) for o in outcomes] == [
        (a, "stored", ""), (batch[1].msg_id, "rejected", "unstorable"), (b, "stored", "")]
    conn = ingestor.conn
    assert {r[0] for r in conn.execute("SELECT photo_id FROM photos")} == {a, b}
    assert [tuple(r) for r in conn.execute("SELECT msg_id, reason FROM ingest_rejects")] == [
        (batch[1].msg_id, "unstorable")]
