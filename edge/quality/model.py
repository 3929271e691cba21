"""Gate model runner (camera → gate): the ONNX model from models/ through onnxruntime, tuned for a small board.

onnxruntime is imported here only. One intra-op and one inter-op thread and no spinning: the model is
a few hundred multiply-adds, so extra threads only add wake-up latency and burn a Pi's cores that the
camera and the desk need; spinning would keep a core busy between frames.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "gate.onnx"
QUALITY_OUTPUTS = ("blurry", "too_dark", "too_bright", "glare")
PRESENCE_OUTPUTS = ("no_item", "item_cut_off")


class ModelError(Exception):
    """The gate model is missing, altered, or does not match its manifest."""


class GateModel:
    def __init__(self, path: Path | str | None = None):
        import onnxruntime as ort

        self.path = Path(path or DEFAULT_MODEL)
        manifest_path = self.path.with_suffix(".json")
        try:
            data = self.path.read_bytes()
            self.manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError) as e:
            raise ModelError(f"cannot load the gate model {self.path}: {e}") from None
        if hashlib.sha256(data).hexdigest() != self.manifest.get("sha256"):
            raise ModelError(f"{self.path}: sha256 does not match {manifest_path.name}")
        self.version = str(self.manifest["version"])
        self.thresholds = {k: float(v) for k, v in self.manifest["thresholds"].items()}
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.add_session_config_entry("session.inter_op.allow_spinning", "0")
        so.log_severity_level = 3
        self.session = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])

    def run(self, quality: np.ndarray, presence: np.ndarray) -> dict[str, float]:
        """Probability per reason for one frame's measures."""
        q, p = self.session.run(None, {"quality": quality.reshape(1, -1).astype(np.float32),
                                       "presence": presence.reshape(1, -1).astype(np.float32)})
        out = dict(zip(QUALITY_OUTPUTS, map(float, q[0])))
        out.update(zip(PRESENCE_OUTPUTS, map(float, p[0])))
        return out

    def run_batch(self, quality: np.ndarray, presence: np.ndarray) -> np.ndarray:
        q, p = self.session.run(None, {"quality": quality.astype(np.float32), "presence": presence.astype(np.float32)})
        return np.concatenate([q, p], axis=1)
