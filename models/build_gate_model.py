"""Build the quality-gate model (models → gate): generate labelled faults from real photos, train, export ONNX.

    python models/build_gate_model.py [--out DIR] [--quick]

Writes gate.onnx and gate.json (version, sha256, input shapes, thresholds, training data, accuracy).
Everything is seeded and single-threaded, so two runs write byte-identical files. `--quick` trains a
smaller model on less data, for the reproducibility test.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one summation order, so the same bytes every run
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from edge.quality import degrade, features  # noqa: E402
from edge.quality.model import PRESENCE_OUTPUTS, QUALITY_OUTPUTS  # noqa: E402
from edge.samples import desk_photo  # noqa: E402

VERSION = "gate-1.0"
SEED = 20261122
# skimage.data photos the model learns from; the benchmark evaluates on the others (gravel, cell, clock, ...)
TRAIN_PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "immunohistochemistry", "brick",
                "grass", "moon")
TRAIN_DESKS = ("brick", "grass")
TRAIN_ITEMS = ("astronaut", "coffee", "chelsea", "rocket", "coins", "camera", "immunohistochemistry")
DESK_SEEDS = range(1000, 1024)
PER_PHOTO = {"good": 20, "blurry": 12, "too_dark": 6, "too_bright": 6, "glare": 10}
PRESENCE_SCENES = 140


def skimage_photo(name: str) -> np.ndarray:
    import skimage.data

    return degrade.to_bgr(getattr(skimage.data, name)())


def quality_set(rng, photos, per_photo) -> tuple[np.ndarray, np.ndarray, list]:
    X, Y, summary = [], [], {}
    for img in photos:
        for kind, n in per_photo.items():
            for _ in range(n):
                out, labels = degrade.quality_sample(img, kind, rng)
                X.append(features.quality_features(features.analysis_gray(out)))
                Y.append([r in labels for r in QUALITY_OUTPUTS])
                summary[kind] = summary.get(kind, 0) + 1
    return np.array(X, np.float64), np.array(Y, np.float64), summary


def presence_set(rng, textures, items, scenes) -> tuple[np.ndarray, np.ndarray, dict]:
    X, Y, summary = [], [], {}
    for i in range(scenes):
        if i % 3 == 0:
            desk = desk_photo(int(rng.integers(1 << 30)), 640, 480, item=False)
        else:
            desk = degrade.desk_background(textures[i % len(textures)], rng)
        ref = features.presence_image(features.analysis_gray(desk))
        for kind in ("none", "inside", "cut"):
            frame, labels = degrade.presence_sample(desk, items[int(rng.integers(len(items)))], kind, rng)
            X.append(features.presence_features(features.presence_image(features.analysis_gray(frame)), ref))
            Y.append([r in labels for r in PRESENCE_OUTPUTS])
            summary[kind] = summary.get(kind, 0) + 1
    return np.array(X, np.float64), np.array(Y, np.float64), summary


def train_mlp(X, Y, hidden, rng, steps, l2=1e-4, lr=0.03):
    """A one-hidden-layer tanh MLP with sigmoid outputs, full-batch Adam on binary cross-entropy."""
    mu, sd = X.mean(0), X.std(0) + 1e-6
    Xn = (X - mu) / sd
    params = [rng.normal(0, 1 / np.sqrt(X.shape[1]), (X.shape[1], hidden)), np.zeros(hidden),
              rng.normal(0, 1 / np.sqrt(hidden), (hidden, Y.shape[1])), np.zeros(Y.shape[1])]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    pos = Y.mean(0).clip(0.02, 0.98)
    weight = np.where(Y > 0, 0.5 / pos, 0.5 / (1 - pos))  # every reason counts, however rare
    for t in range(1, steps + 1):
        W1, b1, W2, b2 = params
        H = np.tanh(Xn @ W1 + b1)
        P = 1 / (1 + np.exp(-(H @ W2 + b2)))
        G = weight * (P - Y) / len(X)
        gW2 = H.T @ G + l2 * W2
        gH = (G @ W2.T) * (1 - H ** 2)
        grads = [Xn.T @ gH + l2 * W1, gH.sum(0), gW2, G.sum(0)]
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] = params[i] - lr * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    W1, b1, W2, b2 = params
    # fold the input standardisation into the first layer, so the graph is just two Gemms
    return [(W1 / sd[:, None]).astype(np.float32), (b1 - (mu / sd) @ W1).astype(np.float32),
            W2.astype(np.float32), b2.astype(np.float32)]


def predict(params, X):
    W1, b1, W2, b2 = (p.astype(np.float64) for p in params)
    return 1 / (1 + np.exp(-(np.tanh(X @ W1 + b1) @ W2 + b2)))


def head(prefix, inp, out, params):
    from onnx import helper, numpy_helper

    W1, b1, W2, b2 = params
    inits = [numpy_helper.from_array(a, f"{prefix}_{n}") for a, n in zip(params, ("W1", "b1", "W2", "b2"))]
    nodes = [
        helper.make_node("Gemm", [inp, f"{prefix}_W1", f"{prefix}_b1"], [f"{prefix}_h0"]),
        helper.make_node("Tanh", [f"{prefix}_h0"], [f"{prefix}_h"]),
        helper.make_node("Gemm", [f"{prefix}_h", f"{prefix}_W2", f"{prefix}_b2"], [f"{prefix}_z"]),
        helper.make_node("Sigmoid", [f"{prefix}_z"], [out]),
    ]
    return nodes, inits


def export(qparams, pparams) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    qn, qi = head("q", "quality", "quality_prob", qparams)
    pn, pi = head("p", "presence", "presence_prob", pparams)
    graph = helper.make_graph(
        qn + pn, "returns_desk_gate",
        [helper.make_tensor_value_info("quality", TensorProto.FLOAT, ["N", len(features.QUALITY_NAMES)]),
         helper.make_tensor_value_info("presence", TensorProto.FLOAT, ["N", len(features.PRESENCE_NAMES)])],
        [helper.make_tensor_value_info("quality_prob", TensorProto.FLOAT, ["N", len(QUALITY_OUTPUTS)]),
         helper.make_tensor_value_info("presence_prob", TensorProto.FLOAT, ["N", len(PRESENCE_OUTPUTS)])],
        qi + pi,
    )
    model = helper.make_model(graph, producer_name="returns-desk", producer_version=VERSION,
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def pick_thresholds(P, Y, names):
    """Per reason, the threshold on held-out validation data with the best F1, staying nearest 0.5 among
    those within 0.01 of the best (the validation set is small; an extreme threshold would fit its noise)."""
    out = {}
    grid = np.round(np.arange(0.2, 0.81, 0.05), 2)
    for j, name in enumerate(names):
        f1s = []
        for t in grid:
            pred = P[:, j] >= t
            tp = float((pred & (Y[:, j] > 0)).sum())
            f1s.append(2 * tp / max(1.0, pred.sum() + Y[:, j].sum()))
        near = [t for t, f in zip(grid, f1s) if f >= max(f1s) - 0.01]
        out[name] = float(min(near, key=lambda t: abs(t - 0.5)))
    return out


def accuracy(P, Y, names, thresholds):
    out = {}
    for j, name in enumerate(names):
        pred, truth = P[:, j] >= thresholds[name], Y[:, j] > 0
        tp = float((pred & truth).sum())
        out[name] = {"precision": round(tp / max(1, pred.sum()), 4), "recall": round(tp / max(1, truth.sum()), 4),
                     "support": int(truth.sum())}
    return out


def build(out_dir: Path, quick: bool = False) -> dict:
    cv2.setNumThreads(1)
    rng = np.random.default_rng(SEED)
    scale = 4 if quick else 1
    photos = [skimage_photo(n) for n in TRAIN_PHOTOS]
    desks = [desk_photo(s, 640, 480) for s in DESK_SEEDS[: len(DESK_SEEDS) // scale]]
    # returned items often carry a shipping label: flat white paper the camera clips, which is not glare
    photos += desks[::2] + [degrade.white_label(d, rng) for d in desks[1::2]]
    per_photo = {k: max(1, v // scale) for k, v in PER_PHOTO.items()}
    textures = [skimage_photo(n) for n in TRAIN_DESKS]
    items = [skimage_photo(n) for n in TRAIN_ITEMS]

    Xq, Yq, q_summary = quality_set(rng, photos, per_photo)
    Xp, Yp, p_summary = presence_set(rng, textures, items, PRESENCE_SCENES // scale)
    # validation: a fresh draw from the same photos, to choose thresholds and report accuracy
    Vq, VYq, _ = quality_set(rng, photos, {k: max(1, v // 4) for k, v in per_photo.items()})
    Vp, VYp, _ = presence_set(rng, textures, items, max(10, PRESENCE_SCENES // (4 * scale)))

    steps = 600 if quick else 2500
    qparams = train_mlp(Xq, Yq, 12, rng, steps)
    pparams = train_mlp(Xp, Yp, 8, rng, steps)
    thresholds = pick_thresholds(predict(qparams, Vq), VYq, QUALITY_OUTPUTS)
    thresholds.update(pick_thresholds(predict(pparams, Vp), VYp, PRESENCE_OUTPUTS))

    data = export(qparams, pparams)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "gate.onnx").write_bytes(data)
    manifest = {
        "version": VERSION + ("-quick" if quick else ""),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "kind": "two one-hidden-layer MLP heads over gate measures (edge/quality/features.py)",
        "inputs": {"quality": [None, len(features.QUALITY_NAMES)], "presence": [None, len(features.PRESENCE_NAMES)]},
        "input_names": {"quality": list(features.QUALITY_NAMES), "presence": list(features.PRESENCE_NAMES)},
        "outputs": {"quality_prob": list(QUALITY_OUTPUTS), "presence_prob": list(PRESENCE_OUTPUTS)},
        "thresholds": thresholds,
        "analysis_side": features.ANALYSIS_SIDE,
        "training_data": {
            "seed": SEED,
            "quality_photos": {"skimage.data": list(TRAIN_PHOTOS), "edge.samples.desk_photo seeds":
                               [DESK_SEEDS[0], DESK_SEEDS[0] + len(DESK_SEEDS) // scale - 1]},
            "quality_samples": q_summary,
            "presence_desks": {"skimage.data": list(TRAIN_DESKS), "edge.samples.desk_photo": "item=False"},
            "presence_items": {"skimage.data": list(TRAIN_ITEMS)},
            "presence_samples": p_summary,
        },
        "validation_accuracy": {**accuracy(predict(qparams, Vq), VYq, QUALITY_OUTPUTS, thresholds),
                                **accuracy(predict(pparams, Vp), VYp, PRESENCE_OUTPUTS, thresholds)},
        "tools": {"numpy": np.__version__, "opencv": cv2.__version__},
    }
    (out_dir / "gate.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    ap.add_argument("--quick", action="store_true", help="a smaller deterministic build (for tests)")
    args = ap.parse_args(argv)
    m = build(args.out, args.quick)
    print(json.dumps({"version": m["version"], "sha256": m["sha256"], "bytes": m["bytes"],
                      "thresholds": m["thresholds"], "validation_accuracy": m["validation_accuracy"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
