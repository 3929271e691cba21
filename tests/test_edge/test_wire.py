"""The wire contract: framing, checks on every field that matters, and the README's topic table."""

import re

import pytest

from edge import wire
from tests.helpers import ROOT


def _photo(jpeg=b"\xff\xd8fake\xff\xd9", **kw):
    h = wire.PhotoHeader(photo_id=wire.new_id(), kiosk="kiosk-a", return_ref="RMA-1",
                         sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow(), **kw)
    return h, jpeg


def test_photo_round_trip_keeps_every_field():
    h, jpeg = _photo(category="dent", reasons=["blurry"], verdict="override", scores={"sharpness": 0.2})
    h2, jpeg2 = wire.decode_photo(wire.encode_photo(h, jpeg))
    assert jpeg2 == jpeg
    assert h2 == h


@pytest.mark.parametrize("mutate, reason", [
    (lambda p: p[:5], "truncated"),
    (lambda p: b"XX" + p[2:], "bad_magic"),
    (lambda p: p[:2] + bytes([9]) + p[3:], "unknown_schema"),
    (lambda p: p[:-1], "size_mismatch"),
    (lambda p: p[:-1] + b"\x00", "sha256_mismatch"),
])
def test_broken_payloads_name_their_reason(mutate, reason):
    h, jpeg = _photo()
    with pytest.raises(wire.WireError) as e:
        wire.decode_photo(mutate(wire.encode_photo(h, jpeg)))
    assert e.value.reason == reason


def test_header_must_match_bytes_when_encoding():
    h, jpeg = _photo()
    with pytest.raises(ValueError):
        wire.encode_photo(h, jpeg + b"x")


def test_photo_id_must_be_plain():
    h, jpeg = _photo()
    h.photo_id = "../../etc"
    with pytest.raises(wire.WireError):
        wire.decode_photo(wire.encode_photo(h, jpeg))


def test_topics_parse_only_kiosk_topics():
    t = wire.Topics("returnsdesk/v1")
    assert t.parse(t.photos("k1")) == ("photos", "k1")
    assert t.shared("photos") == "$share/hub/returnsdesk/v1/kiosks/+/photos"
    for bad in ("returnsdesk/v1/kiosks/k1/photos/x", "other/kiosks/k1/photos", "returnsdesk/v1/kiosks//photos"):
        with pytest.raises(wire.WireError):
            t.parse(bad)


def test_events_and_acks():
    ev = {"event_id": wire.new_id(), "type": "session_opened", "kiosk": "k", "at": wire.utcnow(), "return_ref": "R"}
    assert wire.decode_event(wire.encode_event(ev))["return_ref"] == "R"
    with pytest.raises(wire.WireError):
        wire.decode_event(b'{"schema": 1, "type": "nope"}')
    ack = wire.decode_ack(wire.encode_ack("abc123", "photo", "stored"))
    assert ack["photo_id"] == "abc123" and ack["status"] == "stored"


def test_readme_topic_table_matches_the_contract():
    text = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \| (.+?) \| (\d) \| (yes|no) \|", text, re.M)
    documented = {(t, d.strip(), int(q), r == "yes") for t, d, q, r in rows}
    contract = {(pattern, direction, qos, retained) for _, pattern, direction, qos, retained, _ in wire.TOPICS}
    assert documented == contract


def test_durable_write_leaves_no_temp_files(tmp_path):
    p = tmp_path / "f.bin"
    wire.durable_write(p, b"abc")
    wire.durable_write(p, b"def")
    assert p.read_bytes() == b"def"
    assert [x.name for x in tmp_path.iterdir()] == ["f.bin"]
