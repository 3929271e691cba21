"""Every bad payload is refused with a reason and an ack, counted, and leaves no half record."""

import json
import queue
import struct

import pytest

from edge import wire
from edge.samples import desk_photo, encode_jpeg
from tests import helpers

TOPICS = wire.Topics()


def _payload(jpeg: bytes, kiosk: str = "kiosk-a", **kw) -> tuple[str, bytes]:
    h = wire.PhotoHeader(photo_id=wire.new_id(), kiosk=kiosk, return_ref="RMA-X",
                         sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow(), **kw)
    return h.photo_id, wire.encode_photo(h, jpeg)


def _huge_header_jpeg() -> bytes:
    """A small real JPEG whose frame header claims 20000x20000 pixels."""
    data = bytearray(encode_jpeg(desk_photo(1, 64, 48)))
    i = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, i + 5, 20000, 20000)
    return bytes(data)


def _unknown_schema(jpeg: bytes) -> tuple[str, bytes]:
    pid, p = _payload(jpeg)
    return pid, p[:2] + bytes([7]) + p[3:]


GOOD = encode_jpeg(desk_photo(3, 320, 240))

CASES = {
    "truncated_jpeg": lambda: _payload(GOOD[: len(GOOD) // 2]),
    "corrupt_jpeg": lambda: _payload(GOOD[: len(GOOD) // 2] + b"\xff\xd9"),  # cut, end marker put back
    "not_an_image": lambda: _payload(bytes(range(256)) * 40),
    "sha256_mismatch": lambda: (lambda pid, p: (pid, p[:-10] + b"\x00" * 10))(*_payload(GOOD)),
    "oversize": lambda: _payload(b"\xff\xd8" + b"\x00" * 13_000_000 + b"\xff\xd9"),
    "too_many_pixels": lambda: _payload(_huge_header_jpeg()),
    "unknown_schema": lambda: _unknown_schema(GOOD),
    "kiosk_mismatch": lambda: _payload(GOOD, kiosk="kiosk-b"),
    "bad_magic": lambda: (None, b"just some random bytes, not a payload at all"),
}


@pytest.fixture
def peer(broker, hub_config, ingest):
    ingest()
    p = helpers.MqttPeer(broker, "kiosk-a", helpers.kiosk_password("kiosk-a"), "peer-a")
    p.subscribe(TOPICS.acks("kiosk-a"))
    yield p
    p.close()


def test_each_bad_payload_is_rejected_with_its_reason(peer, hub_config):
    for reason, make in CASES.items():
        pid, payload = make()
        peer.publish(TOPICS.photos("kiosk-a"), payload)
        if pid is not None:  # a payload with a readable photo_id gets an ack naming it
            _, body = peer.next(15)
            ack = json.loads(body)
            assert (ack["photo_id"], ack["status"], ack["reason"]) == (pid, "rejected", reason)

    # the worker is still alive and a good photo still goes through
    pid, payload = _payload(GOOD)
    peer.publish(TOPICS.photos("kiosk-a"), payload)
    _, body = peer.next(15)
    assert json.loads(body) == {"id": pid, "kind": "photo", "photo_id": pid, "status": "stored", "reason": ""}

    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert stats["photos"] == 1
    assert stats["rejected_payloads"] == len(CASES)
    assert stats["rejects_by_reason"] == {r: 1 for r in CASES}
    # no half records: the only stored file is the good photo
    files = list((hub_config.parent / "data" / "photos").rglob("*"))
    assert [f.name for f in files if f.is_file()] == [f"{wire.sha256_hex(GOOD)}.jpg"]


def test_unknown_kiosk_is_rejected(broker, hub_config, ingest):
    ingest()
    p = helpers.MqttPeer(broker, "kiosk-c", helpers.kiosk_password("kiosk-c"), "peer-c")
    p.subscribe(TOPICS.acks("kiosk-c"))
    pid, payload = _payload(GOOD, kiosk="kiosk-c")
    p.publish(TOPICS.photos("kiosk-c"), payload)
    ack = json.loads(p.next(15)[1])
    assert (ack["photo_id"], ack["status"], ack["reason"]) == (pid, "rejected", "unknown_kiosk")
    p.close()


def test_duplicate_photo_is_absorbed_and_acked_again(peer, hub_config):
    pid, payload = _payload(GOOD)
    for _ in range(3):
        peer.publish(TOPICS.photos("kiosk-a"), payload)
        assert json.loads(peer.next(15)[1])["status"] == "stored"
    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert (stats["photos"], stats["duplicates_absorbed"]) == (1, 2)


def test_same_photo_id_with_other_bytes_is_a_conflict(peer):
    pid, payload = _payload(GOOD)
    peer.publish(TOPICS.photos("kiosk-a"), payload)
    peer.next(15)
    other = encode_jpeg(desk_photo(4, 320, 240))
    h = wire.PhotoHeader(photo_id=pid, kiosk="kiosk-a", return_ref="RMA-X", sha256=wire.sha256_hex(other),
                         size=len(other), captured_at=wire.utcnow())
    peer.publish(TOPICS.photos("kiosk-a"), wire.encode_photo(h, other))
    ack = json.loads(peer.next(15)[1])
    assert (ack["status"], ack["reason"]) == ("rejected", "photo_id_conflict")


def _header_payload(jpeg: bytes, **fields) -> tuple[str, bytes]:
    """A payload whose header carries fields of the wrong type, framed as a kiosk would frame it."""
    pid = wire.new_id()
    head = {"photo_id": pid, "kiosk": "kiosk-a", "return_ref": "RMA-X", "sha256": wire.sha256_hex(jpeg),
            "size": len(jpeg), "captured_at": wire.utcnow(), **fields}
    raw = json.dumps(head).encode()
    return pid, struct.pack(">2sBI", wire.MAGIC, wire.SCHEMA_VERSION, len(raw)) + raw + jpeg


def test_headers_and_events_of_the_wrong_shape_are_refused_and_stall_nothing(peer, hub_config):
    """A field of the wrong type used to pass the checks and fail the hub's transaction, which sent the
    whole batch back for redelivery again and again. Now each is refused with its reason, at once."""
    bad_photos = [_header_payload(GOOD, return_ref=["RMA-X"]), _header_payload(GOOD, category={"a": 1}),
                  _header_payload(GOOD, captured_at=1234), _header_payload(GOOD, verdict="maybe"),
                  _header_payload(GOOD, scores={"blurry": "high"}), _header_payload(GOOD, item=True),
                  _header_payload(GOOD, return_ref="R" * 5000)]
    for pid, payload in bad_photos:
        peer.publish(TOPICS.photos("kiosk-a"), payload)
        ack = json.loads(peer.next(15)[1])
        assert (ack["photo_id"], ack["status"], ack["reason"]) == (pid, "rejected", "bad_header")
    ev = {"event_id": wire.new_id(), "type": "item_finished", "kiosk": "kiosk-a", "at": wire.utcnow(),
          "return_ref": ["RMA-X"], "photo_ids": [1, 2]}
    peer.publish(TOPICS.events("kiosk-a"), wire.encode_event(ev))
    ack = json.loads(peer.next(15)[1])
    assert (ack["event_id"], ack["status"], ack["reason"]) == (ev["event_id"], "rejected", "bad_event")
    pid, payload = _payload(GOOD)
    peer.publish(TOPICS.photos("kiosk-a"), payload)
    assert json.loads(peer.next(15)[1])["status"] == "stored"
    with pytest.raises(queue.Empty):  # acked once, not again and again by redelivery
        peer.next(3)
    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert (stats["photos"], stats["duplicates_absorbed"]) == (1, 0)
    assert stats["rejects_by_reason"] == {"bad_header": len(bad_photos), "bad_event": 1}
