"""`returns-hub redact`: one image in, the redacted JPEG out, the regions and why printed."""

from __future__ import annotations

import json
import subprocess

from PIL import Image

from central.redact import codes, metadata
from tests import labelmaker as L
from tests.helpers import BIN


def _redact(*args):
    return subprocess.run([str(BIN / "returns-hub"), "redact", *args], capture_output=True, text=True, timeout=120)


def test_redact_prints_regions_and_writes_a_clean_jpeg(tmp_path):
    src = tmp_path / "in.jpg"
    photo = L.on_photo(Image.new("RGB", (1400, 1000), (120, 100, 80)), L.label(fmt="DataMatrix"), (0.3, 0.2), 0.5)
    src.write_bytes(L.jpeg(photo, exif_text=L.CANARY["name"]))
    (tmp_path / "c.json").write_text(json.dumps(L.CANARY))
    out = tmp_path / "out.jpg"
    r = _redact(str(src), "--out", str(out), "--customer-json", str(tmp_path / "c.json"), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    detectors = {x["detector"] for x in report["regions"]}
    assert {"code", "text"} <= detectors
    assert any("customer's name" in x["why"] for x in report["regions"])
    assert report["problems"] == []
    assert metadata.file_leftovers(out) == []
    assert codes.read(Image.open(out).convert("RGB")) == []


def test_redact_bad_input_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    r = _redact(str(bad), "--out", str(tmp_path / "o.jpg"))
    assert r.returncode == 2 and "cannot read this image" in r.stderr
    assert not (tmp_path / "o.jpg").exists()
    (tmp_path / "c.json").write_text('{"nmae": "x"}')
    r = _redact(str(bad), "--out", str(tmp_path / "o.jpg"), "--customer-json", str(tmp_path / "c.json"))
    assert r.returncode == 2 and "unknown customer field" in r.stderr
