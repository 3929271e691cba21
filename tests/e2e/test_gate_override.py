"""Refused photos stay at the desk; an operator's "accept anyway" travels to the hub and is counted there."""

import json

import cv2

from edge.samples import desk_photo, encode_jpeg
from tests import helpers


def test_refused_photos_are_counted_and_overrides_reach_the_hub(tmp_path, hub_config, kiosk_config, ingest):
    photos = tmp_path / "desk"
    photos.mkdir()
    (photos / "a-good.jpg").write_bytes(encode_jpeg(desk_photo(7301)))
    (photos / "b-blurry.jpg").write_bytes(encode_jpeg(cv2.GaussianBlur(desk_photo(7302), (0, 0), 6)))
    (photos / "c-good.jpg").write_bytes(encode_jpeg(desk_photo(7303)))
    ingest()
    kcfg = kiosk_config("kiosk-a")

    r = helpers.kiosk_cli(kcfg, "kiosk-a", "simulate", "--photos", str(photos), "--returns", "RMA-G1",
                          "--per-return", "3", "--wait", "30")
    s = json.loads(r.stdout)
    assert (s["photos_taken"], s["refused"], s["refused_by_reason"], s["overrides"]) == (2, 1, {"blurry": 1}, 0)
    assert s["presence_checked"] is False and s["pending"] == 0

    r = helpers.kiosk_cli(kcfg, "kiosk-a", "simulate", "--photos", str(photos), "--returns", "RMA-G2",
                          "--per-return", "3", "--wait", "30", "--accept-anyway")
    s = json.loads(r.stdout)
    assert (s["photos_taken"], s["refused"], s["overrides"]) == (3, 0, 1)

    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert stats["photos"] == 5
    assert stats["overrides"] == 1
    conn = helpers.hub_db(hub_config)
    row = conn.execute("SELECT return_ref, verdict, reasons, scores FROM photos WHERE override = 1").fetchone()
    assert (row["return_ref"], row["verdict"], json.loads(row["reasons"])) == ("RMA-G2", "override", ["blurry"])
    assert json.loads(row["scores"])["blurry"] > 0.5
    accepted = conn.execute("SELECT verdict, reasons FROM photos WHERE override = 0").fetchall()
    assert {(a["verdict"], a["reasons"]) for a in accepted} == {("accepted", "[]")}
