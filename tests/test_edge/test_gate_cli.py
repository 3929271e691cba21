"""`returns-kiosk check` and `returns-kiosk calibrate`, driven as an operator would."""

import json
import struct
import subprocess
import zlib

import cv2
import numpy as np

from edge.samples import desk_photo, encode_jpeg
from edge.quality.model import DEFAULT_MODEL
from tests.helpers import BIN

MANIFEST_VERSION = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text())["version"]


def kiosk(*args, cwd=None):
    return subprocess.run([str(BIN / "returns-kiosk"), *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_check_json_one_object_per_image(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(encode_jpeg(desk_photo(7201, 1280, 960)))
    blurry = tmp_path / "blurry.jpg"
    blurry.write_bytes(encode_jpeg(cv2.GaussianBlur(desk_photo(7201, 1280, 960), (0, 0), 8)))
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(encode_jpeg(desk_photo(7201, 1280, 960, item=False)))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(good.read_bytes()[:3000])
    r = kiosk("check", "--json", "--reference", str(empty), str(good), str(blurry), str(empty), str(broken))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["path"] for row in rows] == [str(good), str(blurry), str(empty), str(broken)]
    assert [row["ok"] for row in rows] == [True, False, False, False]
    assert rows[1]["reasons"] == ["blurry"]
    assert rows[2]["reasons"] == ["no_item"]
    assert rows[3]["reasons"] == ["unreadable"]
    for row in rows:
        assert {"path", "ok", "reasons", "scores", "ms"} <= set(row)
        assert row["presence_checked"] is True
    assert rows[0]["scores"]["blurry"] < 0.5 and rows[1]["scores"]["blurry"] > 0.5


def test_check_plain_text_without_reference(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(encode_jpeg(desk_photo(7202, 1280, 960)))
    dark = tmp_path / "dark.jpg"
    dark.write_bytes(encode_jpeg((desk_photo(7202, 1280, 960) * 0.12).astype(np.uint8)))
    r = kiosk("check", str(good), str(dark))
    assert r.returncode == 1
    assert "item presence is not checked" in r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{good}: ok")
    assert "too dark — switch on the ring light" in lines[1] and "[too_dark]" in lines[1]
    assert kiosk("check", str(good)).returncode == 0
    bad_ref = kiosk("check", "--reference", str(tmp_path / "nope.jpg"), str(good))
    assert bad_ref.returncode == 2 and "reference" in bad_ref.stderr


def _png_bomb(path, side=30_000):
    """A 110 KB PNG of a 1-bit 30000x30000 picture: decoded to BGR it would take 2.7 GB."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    z = zlib.compressobj(9)
    body = b"".join(z.compress(bytes(1 + side // 8)) for _ in range(side)) + z.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def test_check_refuses_a_bomb_reference_before_decoding_it(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(encode_jpeg(desk_photo(7202, 1280, 960)))
    _png_bomb(tmp_path / "bomb.png")
    r = kiosk("check", "--json", "--reference", str(tmp_path / "bomb.png"), str(good))
    assert (r.returncode, r.stdout) == (2, "")
    assert "Traceback" not in r.stderr and "cv2.error" not in r.stderr
    [line] = r.stderr.splitlines()
    assert line.startswith(f"error: {tmp_path / 'bomb.png'}: the empty-desk reference is not a readable image")
    assert "over the limit (100,000,000 pixels" in line
    # the same file as a photo is unreadable, and a half-cut JPEG reference is refused like a photo
    r = kiosk("check", "--json", str(tmp_path / "bomb.png"))
    assert r.returncode == 1 and json.loads(r.stdout)["reasons"] == ["unreadable"]
    (tmp_path / "half.jpg").write_bytes(good.read_bytes()[: good.stat().st_size // 2] + b"\xff\xd9")
    r = kiosk("check", "--reference", str(tmp_path / "half.jpg"), str(good))
    assert r.returncode == 2 and "corrupt picture" in r.stderr and "Traceback" not in r.stderr
    r = kiosk("check", "--json", str(tmp_path / "half.jpg"))
    assert json.loads(r.stdout)["reasons"] == ["unreadable"] and "corrupt" in json.loads(r.stdout)["messages"]["unreadable"]


def _station(tmp_path, frames):
    shots = tmp_path / "camera"
    shots.mkdir()
    for i, img in enumerate(frames):
        cv2.imwrite(str(shots / f"{i:02d}.png"), img)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'kiosk_id = "k1"\ndata_dir = "data"\n[camera]\nkind = "folder"\nfolder = "{shots}"\n')
    return cfg


def test_calibrate_writes_reference_then_the_gate_checks_presence(tmp_path):
    empty = desk_photo(7203, 1280, 960, item=False)
    rng = np.random.default_rng(1)
    frames = [np.clip(empty + rng.normal(0, 2, empty.shape), 0, 255).astype(np.uint8) for _ in range(3)]
    cfg = _station(tmp_path, frames)
    r = kiosk("calibrate", "--config", str(cfg), "--frames", "3", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["ok"] and result["lighting"]["ok"]
    assert result["size"] == [1280, 960]
    ref = cv2.imread(str(tmp_path / "data" / "gate" / "reference.png"))
    assert ref.shape == (960, 1280, 3)
    station = json.loads((tmp_path / "data" / "gate" / "station.json").read_text())
    # a steady desk needs no floor, and no threshold is copied from the model or kiosk.toml
    assert station["presence_floor"] == {"tone": 0, "texture": 0} and "thresholds" not in station
    assert station["model_version"] == MANIFEST_VERSION

    from edge.config import load_config
    from edge.quality import Gate

    gate = Gate.from_config(load_config(cfg))
    assert gate.check(desk_photo(7203, 1280, 960)).presence_checked
    assert gate.check(desk_photo(7203, 1280, 960)).ok
    assert gate.check(empty).reasons == ["no_item"]


def _wandering_light(img, rng, shade=0.15, shift=3.0):
    """The desk as a window's light moves across it and the stand shakes: a soft gradient in a random
    direction (up to ±{shade}·√2 at the corners), a shift of up to `shift` pixels, and sensor noise."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    field = 1 + 2 * shade * (np.cos(a) * (xx / w - 0.5) + np.sin(a) * (yy / h - 0.5))
    moved = cv2.warpAffine(img.astype(np.float32) * field[..., None],
                           np.float32([[1, 0, rng.uniform(-shift, shift)], [0, 1, rng.uniform(-shift, shift)]]),
                           (w, h), borderMode=cv2.BORDER_REFLECT)
    return np.clip(moved + rng.normal(0, 3, moved.shape), 0, 255).astype(np.uint8)


def test_calibrate_fits_the_presence_floor_to_the_desks_noise(tmp_path):
    from edge.config import load_config
    from edge.quality import Gate

    rng = np.random.default_rng(5)
    empty, with_item = desk_photo(7205, 1280, 960, item=False), desk_photo(7205, 1280, 960)
    cfg = _station(tmp_path, [_wandering_light(empty, rng) for _ in range(5)])
    r = kiosk("calibrate", "--config", str(cfg), "--frames", "5")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "desk noise floor" in r.stdout
    station = json.loads((tmp_path / "data" / "gate" / "station.json").read_text())
    floor = station["presence_floor"]
    assert 0 < floor["tone"] <= 60 and station["desk_noise"]["tone"] > floor["tone"]

    fitted = Gate.from_config(load_config(cfg))
    assert fitted.presence_floor == (floor["tone"], floor["texture"]) and fitted.notice == ""
    plain = Gate(reference=tmp_path / "data" / "gate" / "reference.png")  # the same reference, no floor
    later_empty = [_wandering_light(empty, rng) for _ in range(8)]
    later_item = [_wandering_light(with_item, rng) for _ in range(8)]
    seen_empty = [fitted.check(f).reasons == ["no_item"] for f in later_empty]
    assert all(seen_empty)
    assert all(fitted.check(f).ok for f in later_item)
    # without the floor the same desk's noise is taken for an item (cut off at the edge, mostly)
    assert sum(plain.check(f).reasons == ["no_item"] for f in later_empty) <= 4


def test_a_desk_that_will_not_hold_still_is_not_calibrated(tmp_path):
    rng = np.random.default_rng(6)
    empty = desk_photo(7206, 1280, 960, item=False)
    cfg = _station(tmp_path, [_wandering_light(empty, rng, shade=0.5, shift=12) for _ in range(4)])
    r = kiosk("calibrate", "--config", str(cfg), "--frames", "4")
    assert r.returncode == 1 and "nothing written" in r.stdout
    assert "changes by" in r.stdout and "grey levels between frames" in r.stdout
    assert not (tmp_path / "data" / "gate" / "station.json").exists()


def test_kiosk_toml_thresholds_apply_at_load_and_are_not_frozen_by_calibration(tmp_path):
    from edge.config import load_config
    from edge.quality import Gate

    cfg = _station(tmp_path, [desk_photo(7207, 1280, 960, item=False)] * 3)
    plain = cfg.read_text()
    cfg.write_text(plain + "[gate.thresholds]\nblurry = 0.0001\nno_item = 0.99\n")
    tight = Gate.from_config(load_config(cfg))
    assert (tight.prob["blurry"], tight.prob["no_item"]) == (0.0001, 0.99)
    assert kiosk("calibrate", "--config", str(cfg), "--frames", "3").returncode == 0
    assert "thresholds" not in json.loads((tmp_path / "data" / "gate" / "station.json").read_text())
    photo = desk_photo(7207, 1280, 960)
    assert "blurry" in Gate.from_config(load_config(cfg)).check(photo).reasons  # kiosk.toml's 0.0001 applies

    cfg.write_text(plain)  # the thresholds taken out of kiosk.toml: the model's apply again
    gate = Gate.from_config(load_config(cfg))
    assert gate.prob == gate.model.thresholds
    assert gate.check(photo).ok
    cfg.write_text(plain + "[gate.thresholds]\nglare = 0.2\n")  # and a new one applies without recalibrating
    assert Gate.from_config(load_config(cfg)).prob == {**gate.model.thresholds, "glare": 0.2}


def test_a_calibration_for_another_model_is_not_applied(tmp_path):
    from edge.config import load_config
    from edge.quality import Gate

    rng = np.random.default_rng(8)
    cfg = _station(tmp_path, [_wandering_light(desk_photo(7208, 1280, 960, item=False), rng) for _ in range(5)])
    assert kiosk("calibrate", "--config", str(cfg), "--frames", "5").returncode == 0
    station_file = tmp_path / "data" / "gate" / "station.json"
    station = json.loads(station_file.read_text())
    assert station["presence_floor"]["tone"] > 0
    station_file.write_text(json.dumps({**station, "model_version": "gate-0.9"}))
    gate = Gate.from_config(load_config(cfg))
    assert gate.presence_floor == (0, 0) and "calibrated for another gate model" in gate.notice
    assert gate.reference is not None


def test_calibrate_in_the_dark_writes_nothing(tmp_path):
    dark = (desk_photo(7204, 1280, 960, item=False) * 0.1).astype(np.uint8)
    cfg = _station(tmp_path, [dark, dark])
    r = kiosk("calibrate", "--config", str(cfg), "--frames", "2")
    assert r.returncode == 1
    assert "too dark" in r.stdout and "nothing written" in r.stdout
    assert not (tmp_path / "data" / "gate" / "reference.png").exists()


def test_calibrate_without_a_camera_is_a_clear_error(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('kiosk_id = "k1"\ndata_dir = "data"\n[camera]\nkind = "v4l2"\ndevice = "/dev/video-absent"\n')
    r = kiosk("calibrate", "--config", str(cfg))
    assert r.returncode == 2 and "cannot open" in r.stderr and "Traceback" not in r.stderr
