"""`returns-kiosk check` and `returns-kiosk calibrate`, driven as an operator would."""

import json
import struct
import subprocess
import zlib

import cv2
import numpy as np

from edge.samples import desk_photo, encode_jpeg
from tests.helpers import BIN


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
    assert set(station["thresholds"]) == {"blurry", "too_dark", "too_bright", "glare", "no_item", "item_cut_off"}

    from edge.config import load_config
    from edge.quality import Gate

    gate = Gate.from_config(load_config(cfg))
    assert gate.check(desk_photo(7203, 1280, 960)).presence_checked
    assert gate.check(desk_photo(7203, 1280, 960)).ok
    assert gate.check(empty).reasons == ["no_item"]


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
