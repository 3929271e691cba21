"""The quality gate judges real photos: every reason code, good photos pass, bad input is `unreadable`."""

import json
import struct
import zlib

import cv2
import numpy as np
import pytest

from edge.quality import MESSAGES, REASONS, Gate, Verdict
from edge.quality import degrade
from edge.quality.model import DEFAULT_MODEL
from edge.samples import desk_photo, encode_jpeg
from tests.helpers import SHARED_DATA

# seeds the model never saw (it trains on desk seeds 1000-1047 and 2000-2079)
SEEDS = (7001, 7002, 7003)
MANIFEST = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text())


@pytest.fixture(scope="module")
def gate():
    return Gate()


def _presence_gate(seed):
    return Gate(reference=desk_photo(seed, 1280, 960, item=False))


@pytest.mark.parametrize("seed", SEEDS)
def test_good_desk_photo_passes_with_and_without_reference(gate, seed):
    photo = desk_photo(seed, 1280, 960)
    v = gate.check(photo)
    assert v.ok and v.reasons == [] and not v.presence_checked
    assert v.model_version == MANIFEST["version"] and v.ms > 0
    v = _presence_gate(seed).check(photo)
    assert v.ok, v
    assert v.presence_checked


@pytest.mark.parametrize("kind", ["blurry", "too_dark", "too_bright", "glare"])
@pytest.mark.parametrize("seed", SEEDS)
def test_quality_faults_are_refused_with_their_reason(gate, kind, seed):
    rng = np.random.default_rng(seed)
    bad, labels = degrade.quality_sample(desk_photo(seed, 640, 480), kind, rng)
    # the fault generator crops and downscales a little: judge it as a frame, whatever its size
    v = gate.check_preview(bad)
    assert not v.ok
    assert kind in v.reasons, v
    assert v.messages[kind] == MESSAGES[kind]


@pytest.mark.parametrize("seed", SEEDS)
def test_empty_desk_is_no_item(seed):
    rng = np.random.default_rng(seed)
    empty = desk_photo(seed, 1280, 960, item=False)
    frame, _ = degrade.presence_sample(empty, empty, "none", rng)
    v = _presence_gate(seed).check(frame)
    assert v.reasons == ["no_item"], v
    assert v.messages["no_item"] == "item not in the frame"


@pytest.mark.parametrize("seed", SEEDS)
def test_item_across_the_edge_is_cut_off(seed):
    import skimage.data

    rng = np.random.default_rng(seed)
    empty = desk_photo(seed, 640, 480, item=False)
    item = degrade.to_bgr(skimage.data.clock())  # not one of the model's training items
    frame, _ = degrade.presence_sample(empty, item, "cut", rng)
    v = Gate(reference=empty).check_preview(frame)
    assert "item_cut_off" in v.reasons and not v.ok, v
    inside, _ = degrade.presence_sample(empty, item, "inside", rng)
    assert Gate(reference=empty).check_preview(inside).ok


def test_small_picture_is_low_resolution_but_preview_is_not(gate):
    small = desk_photo(SEEDS[0], 320, 240)
    v = gate.check(small)
    assert v.reasons == ["low_resolution"]
    assert gate.check_preview(small).ok
    assert gate.check_bytes(encode_jpeg(small)).reasons == ["low_resolution"]


def _png_header(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def test_bad_inputs_are_unreadable_never_an_exception(gate, tmp_path):
    jpeg = encode_jpeg(desk_photo(SEEDS[0], 1280, 960))
    png_ok, png = cv2.imencode(".png", desk_photo(SEEDS[0], 640, 480))
    cases = {
        "zero.jpg": b"",
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "truncated.png": png.tobytes()[:5000],
        "corrupt.jpg": jpeg[:600] + bytes(range(256)) * 40 + b"\xff\xd9",
        "text.jpg": b"this is a delivery note, not a photo\n" * 20,
        "huge.png": _png_header(100_000, 100_000),
        "wide.png": _png_header(60_000, 10),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        for v in (gate.check_bytes(data), gate.check_file(tmp_path / name)):
            assert isinstance(v, Verdict)
            assert (v.ok, v.reasons) == (False, ["unreadable"]), (name, v)
            assert v.messages["unreadable"].startswith(MESSAGES["unreadable"])
    assert gate.check_file(tmp_path / "missing.jpg").reasons == ["unreadable"]
    assert gate.check_file(tmp_path).reasons == ["unreadable"]  # a folder
    assert gate.check(np.zeros((0, 0, 3), np.uint8)).reasons == ["unreadable"]
    assert gate.check(None).reasons == ["unreadable"]
    # the good file itself decodes and passes, also with the zero padding phones write after a JPEG
    assert gate.check_bytes(jpeg).ok
    assert gate.check_bytes(jpeg + bytes(300_000)).ok


def _cut_in_half(jpeg: bytes) -> bytes:
    """The first half of a JPEG with its end marker put back: libjpeg warns and OpenCV fills the rest grey."""
    return jpeg[: len(jpeg) // 2] + b"\xff\xd9"


REAL_JPEGS = [SHARED_DATA / "labels" / "ups-synthetic" / "images" / "IMG_8747.JPG",  # 12 MP phone photo
              SHARED_DATA / "defects" / "hazelnut-cc-by" / "good.jpg"]


@pytest.mark.parametrize("path", REAL_JPEGS, ids=lambda p: p.name)
def test_real_photo_cut_in_half_is_unreadable_as_the_hub_finds(gate, path):
    from central.ingest import Rejected, check_jpeg
    from edge.quality.decode import image_size

    if not path.exists():
        pytest.skip(f"{path} absent: ../shared/data is not next to this checkout")
    whole = path.read_bytes()
    assert "unreadable" not in gate.check_bytes(whole).reasons
    half = _cut_in_half(whole)
    v = gate.check_bytes(half)
    assert (v.ok, v.reasons) == (False, ["unreadable"]), v
    assert "corrupt" in v.messages["unreadable"]
    with pytest.raises(Rejected) as hub:
        check_jpeg(half, 100_000_000)
    # the phone's file is an MPO, which the hub takes only as the desk sends it: re-encoded as plain JPEG
    assert hub.value.reason == ("corrupt_jpeg" if image_size(whole)[0] == "JPEG" else "not_jpeg")


def test_generated_photo_cut_in_half_is_unreadable(gate, tmp_path):
    whole = encode_jpeg(desk_photo(SEEDS[0], 4056, 3040))
    half = _cut_in_half(whole)
    assert gate.check_bytes(whole).ok
    assert cv2.imdecode(np.frombuffer(half, np.uint8), cv2.IMREAD_REDUCED_COLOR_4) is not None  # OpenCV takes it
    (tmp_path / "half.jpg").write_bytes(half)
    for v in (gate.check_bytes(half), gate.check_file(tmp_path / "half.jpg")):
        assert (v.ok, v.reasons) == (False, ["unreadable"]), v
        assert "premature end of data segment" in v.messages["unreadable"]


@pytest.mark.parametrize("tag", range(1, 9))
def test_jpeg_is_turned_upright_from_exif_as_opencv_does(tag):
    import io

    from PIL import Image

    from edge.quality.decode import decode, image_size

    exif = Image.Exif()
    exif[0x0112] = tag
    buf = io.BytesIO()
    Image.fromarray(desk_photo(SEEDS[1], 1300, 901)[..., ::-1]).save(buf, "JPEG", quality=90, exif=exif)
    data = buf.getvalue()
    img, size = decode(data, *image_size(data), factor=2)
    expected = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_COLOR_2)
    assert img.shape == expected.shape and np.array_equal(img, expected)
    assert size == ((901, 1300) if tag >= 5 else (1300, 901))


def test_huge_dimensions_refused_before_decoding(gate):
    # a bomb header with a real-looking body: decoding it would need 30 GB; the refusal is immediate
    v = gate.check_bytes(_png_header(100_000, 100_000))
    assert v.reasons == ["unreadable"] and "over the limit" in v.messages["unreadable"]
    assert v.ms < 50


def test_every_reason_code_has_an_operator_message():
    assert set(MESSAGES) == set(REASONS)
    assert all(len(m) < 60 for m in MESSAGES.values())


def test_from_config_reads_thresholds_and_reference(tmp_path):
    from edge.config import load_config

    ref = tmp_path / "empty.png"
    cv2.imwrite(str(ref), desk_photo(SEEDS[1], 640, 480, item=False))
    p = tmp_path / "kiosk.toml"
    p.write_text('kiosk_id = "k1"\ndata_dir = "data"\n[gate]\nreference = "empty.png"\nmin_width = 2000\n'
                 '[gate.thresholds]\nblurry = 0.9\n')
    gate = Gate.from_config(load_config(p))
    assert gate.prob["blurry"] == 0.9 and gate.reference is not None
    v = gate.check(desk_photo(SEEDS[1], 1280, 960))
    assert v.presence_checked and v.reasons == ["low_resolution"]
    assert Gate(thresholds={"blurry": 0.99}).prob["blurry"] == 0.99
    p.write_text('kiosk_id = "k1"\ndata_dir = "data"\n[gate]\npresence = false\n[gate.thresholds]\nfuzzy = 0.5\n')
    from edge.config import ConfigError

    with pytest.raises(ConfigError, match="fuzzy"):
        load_config(p)
