"""A gate model pushed by the hub is stored with its manifest and put to use; a bad one leaves the old model."""

import base64
import json
from pathlib import Path

import pytest

from central.remote_config import build_payload
from edge import wire
from edge.config import KioskConfig
from edge.quality import Gate
from edge.quality.model import DEFAULT_MODEL, ModelError
from edge.remote_config import ConfigRefused, RemoteConfig
from edge.samples import desk_photo


def _pushed_model(tmp_path: Path, version: str) -> Path:
    """The project's model under a new version name, with a manifest that says so."""
    model = tmp_path / "push" / "gate-next.onnx"
    model.parent.mkdir()
    model.write_bytes(DEFAULT_MODEL.read_bytes())
    manifest = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text()) | {"version": version}
    model.with_suffix(".json").write_text(json.dumps(manifest))
    return model


def test_pushed_model_with_manifest_is_stored_and_used(tmp_path):
    cfg = KioskConfig(kiosk_id="k1", data_dir=tmp_path / "data")
    remote = RemoteConfig(cfg)
    model = _pushed_model(tmp_path, "gate-next")
    remote.apply(wire.encode_json(build_payload({}, "cfg-1", model, "gate-next")))
    assert remote.model_path.read_bytes() == model.read_bytes()
    assert json.loads(remote.model_path.with_suffix(".json").read_text())["version"] == "gate-next"
    gate = Gate()
    before = gate.model_version
    gate.use_model(remote.model_path)
    assert (before, gate.model_version) == (json.loads(DEFAULT_MODEL.with_suffix(".json").read_text())["version"],
                                            "gate-next")
    assert gate.check_preview(desk_photo(1, 640, 480)).model_version == "gate-next"


def test_model_without_manifest_is_not_used(tmp_path):
    bare = tmp_path / "bare.onnx"
    bare.write_bytes(b"not a model")
    gate = Gate()
    before = gate.model_version
    with pytest.raises(ModelError):
        gate.use_model(bare)
    assert gate.model_version == before


def test_manifest_for_another_model_is_refused(tmp_path):
    cfg = KioskConfig(kiosk_id="k1", data_dir=tmp_path / "data")
    model = _pushed_model(tmp_path, "gate-next")
    doc = build_payload({}, "cfg-2", model, "gate-next")
    other = json.loads(model.with_suffix(".json").read_text()) | {"sha256": "0" * 64}
    doc["model"]["manifest_b64"] = base64.b64encode(json.dumps(other).encode()).decode()
    with pytest.raises(ConfigRefused, match="manifest"):
        RemoteConfig(cfg).apply(wire.encode_json(doc))
