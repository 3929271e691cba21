"""Build the quality-gate model (models → gate): generate labelled faults from photos and scenes, train, export ONNX.

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
sys.path[:0] = [str(ROOT), str(ROOT / "models")]

import gate_scenes  # noqa: E402
import gate_train as T  # noqa: E402

from edge.quality import degrade, features  # noqa: E402
from edge.quality.model import PRESENCE_OUTPUTS, QUALITY_OUTPUTS  # noqa: E402
from edge.samples import desk_photo  # noqa: E402

VERSION = "gate-2.0"
SEED = 20261122
# skimage.data photos the model learns from; the benchmark evaluates on others (gravel, page, text, clock, cell)
TRAIN_PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "immunohistochemistry", "brick",
                "grass", "moon", "retina", "microaneurysms", "horse", "logo", "stereo_motorcycle")
TRAIN_DESKS = ("brick", "grass")
TRAIN_ITEMS = ("astronaut", "coffee", "chelsea", "rocket", "coins", "camera", "immunohistochemistry")
DESK_SEEDS = range(1000, 1048)
SCENES_PER_KIND = 14  # models/gate_scenes.py: soft objects, documents, parcels, products, textiles
COMPOSITES = 80  # a training photo or scene laid on an empty desk
COMPOSITE_DESK_SEEDS = range(2000, 2000 + COMPOSITES)
# per photo; "frame" (items on desks only): the frame as captured, no further fault or augmentation
PER_PHOTO = {"good": 20, "good_dim": 3, "frame": 8, "blurry": 12, "too_dark": 6, "too_bright": 6, "glare": 10}
PRESENCE_SCENES = 140
FOLDS = 4


def skimage_photo(name: str) -> np.ndarray:
    import skimage.data

    img = getattr(skimage.data, name)()
    return degrade.to_bgr(img[0] if name == "stereo_motorcycle" else img)


def training_photos(rng, scale: int) -> tuple[list[tuple[str, np.ndarray, tuple | None]], dict]:
    """(kind, good photo, (desk, item) or None): skimage photos, the project's desk photos (half with a
    white label), generated scenes, and items laid on empty desks."""
    photos = [("skimage", skimage_photo(n), None) for n in TRAIN_PHOTOS]
    desks = [desk_photo(s, 640, 480) for s in DESK_SEEDS[: len(DESK_SEEDS) // scale]]
    # returned items often carry a shipping label: flat white paper the camera clips, which is not glare
    photos += [("desk", d, None) for d in desks[::2]]
    photos += [("desk", degrade.white_label(d, rng), None) for d in desks[1::2]]
    n = max(2, SCENES_PER_KIND // scale)
    for kind, draw in gate_scenes.SCENES.items():
        photos += [(kind, draw(rng), None) for _ in range(n)]
    # what the station mostly sees: one item in the zone, the rest of the frame a plain desk, captured as
    # the presence frames are (a sub-pixel shift of the camera, capture jitter)
    items = [img for _, img, _ in photos]
    textures = [skimage_photo(name) for name in TRAIN_DESKS]
    for i in range(COMPOSITES // scale):
        desk = (desk_photo(COMPOSITE_DESK_SEEDS[i], 640, 480, item=False) if i % 2 == 0
                else degrade.desk_background(textures[i % len(textures)], rng))
        item = items[int(rng.integers(len(items)))]
        photos.append(("item_on_desk", degrade.presence_sample(desk, item, "inside", rng)[0], (desk, item)))
    counts = {}
    for kind, _, _ in photos:
        counts[kind] = counts.get(kind, 0) + 1
    return photos, counts


def _sample(img, scene, kind, rng):
    if kind == "good_dim":
        return degrade.dim_sample(img, rng)
    if kind == "frame":  # the item on its desk judged as captured, as the station's frames are
        return degrade.presence_sample(*scene, "inside" if rng.random() < 0.7 else "cut", rng)[0], []
    return degrade.quality_sample(img, kind, rng)


def quality_set(rng, photos, per_photo):
    """Measures, labels and photo index of every generated sample."""
    X, Y, G, summary = [], [], [], {}
    for i, (_, img, scene) in enumerate(photos):
        for kind, n in per_photo.items():
            for _ in range(n if kind != "frame" or scene is not None else 0):
                out, labels = _sample(img, scene, kind, rng)
                X.append(features.quality_features(features.analysis_gray(out), out))
                Y.append([r in labels for r in QUALITY_OUTPUTS])
                G.append(i)
                summary[kind] = summary.get(kind, 0) + 1
                if kind in QUALITY_OUTPUTS and not labels:  # degrade: a fault too small to see is good
                    summary["not visible, labelled good"] = summary.get("not visible, labelled good", 0) + 1
    return np.array(X, np.float64), np.array(Y, np.float64), np.array(G), summary


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


def build(out_dir: Path, quick: bool = False, *, hidden: int = 16, members: int = 3, l2: float = 1e-3,
          fr_budget: float = 0.015) -> dict:
    cv2.setNumThreads(1)
    rng = np.random.default_rng(SEED)
    scale = 4 if quick else 1
    steps = 600 if quick else 2500
    photos, photo_counts = training_photos(rng, scale)
    per_photo = {k: max(1, v // scale) for k, v in PER_PHOTO.items()}
    textures = [skimage_photo(n) for n in TRAIN_DESKS]
    items = [skimage_photo(n) for n in TRAIN_ITEMS]

    Xq, Yq, Gq, q_summary = quality_set(rng, photos, per_photo)
    Xp, Yp, p_summary = presence_set(rng, textures, items, PRESENCE_SCENES // scale)
    Vp, VYp, _ = presence_set(rng, textures, items, max(10, PRESENCE_SCENES // (4 * scale)))

    # quality thresholds come from photos the model did not see: every sample is predicted by a model
    # trained without its photo (grouped k-fold), which is what the kiosk meets, a photo never seen
    def train_quality(X, Y):
        return T.train_bag(X, Y, hidden, SEED + 1, members, steps, l2)

    Pq = T.out_of_fold(Xq, Yq, Gq, FOLDS, train_quality)
    thresholds = T.pick_thresholds(Pq, Yq, QUALITY_OUTPUTS, fr_budget)
    qbag = train_quality(Xq, Yq)
    pparams = T.train_mlp(Xp, Yp, 8, rng, steps)
    thresholds.update(T.pick_thresholds_f1(T.predict(pparams, Vp), VYp, PRESENCE_OUTPUTS))
    cut = np.array([thresholds[r] for r in QUALITY_OUTPUTS])
    fr, fa = T.verdict_rates(Pq, Yq, cut)
    # validation as the model will be used: a fresh draw of faults from the training photos, the full model
    Vq, VYq, _, _ = quality_set(rng, photos, {k: max(1, v // 4) for k, v in per_photo.items()})
    PVq = T.predict_bag(qbag, Vq)
    vfr, vfa = T.verdict_rates(PVq, VYq, cut)

    data = T.export(qbag, pparams, VERSION, len(features.QUALITY_NAMES), len(features.PRESENCE_NAMES))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "gate.onnx").write_bytes(data)
    manifest = {
        "version": VERSION + ("-quick" if quick else ""),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "kind": f"quality: mean of {members} one-hidden-layer MLPs; presence: one MLP; over gate measures "
                "(edge/quality/features.py)",
        "inputs": {"quality": [None, len(features.QUALITY_NAMES)], "presence": [None, len(features.PRESENCE_NAMES)]},
        "input_names": {"quality": list(features.QUALITY_NAMES), "presence": list(features.PRESENCE_NAMES)},
        "outputs": {"quality_prob": list(QUALITY_OUTPUTS), "presence_prob": list(PRESENCE_OUTPUTS)},
        "hidden": {"quality": [hidden] * members, "presence": 8},
        "thresholds": thresholds,
        "threshold_rule": {"quality": f"fewest false accepts with at most {fr_budget:.0%} false rejects, on "
                                      f"{FOLDS}-fold held-out photos",
                           "presence": "max F1 on a held-out draw"},
        "analysis_side": features.ANALYSIS_SIDE,
        "training_data": {
            "seed": SEED,
            "quality_photos": {"skimage.data": list(TRAIN_PHOTOS), "edge.samples.desk_photo seeds":
                               [DESK_SEEDS[0], DESK_SEEDS[0] + len(DESK_SEEDS) // scale - 1],
                               "models/gate_scenes.py": {k: v for k, v in photo_counts.items()
                                                         if k in gate_scenes.SCENES},
                               "items laid on empty desks": photo_counts.get("item_on_desk", 0),
                               "photos": len(photos)},
            "quality_samples": q_summary,
            "presence_desks": {"skimage.data": list(TRAIN_DESKS), "edge.samples.desk_photo": "item=False"},
            "presence_items": {"skimage.data": list(TRAIN_ITEMS)},
            "presence_samples": p_summary,
        },
        # a fresh draw of faults and desks (the training photos, the final model)
        "validation_accuracy": {**T.accuracy(PVq, VYq, QUALITY_OUTPUTS, thresholds),
                                **T.accuracy(T.predict(pparams, Vp), VYp, PRESENCE_OUTPUTS, thresholds)},
        "validation_verdict": {"false_reject": round(vfr, 4), "false_accept": round(vfa, 4),
                               "good": int((VYq.sum(1) == 0).sum()), "bad": int((VYq.sum(1) > 0).sum())},
        # photos the model never saw: each predicted by the fold's models trained without it
        "held_out_accuracy": T.accuracy(Pq, Yq, QUALITY_OUTPUTS, thresholds),
        "held_out_verdict": {"false_reject": round(fr, 4), "false_accept": round(fa, 4),
                             "good": int((Yq.sum(1) == 0).sum()), "bad": int((Yq.sum(1) > 0).sum())},
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
    print(json.dumps({k: m[k] for k in ("version", "sha256", "bytes", "thresholds", "validation_verdict",
                                        "held_out_accuracy", "held_out_verdict")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
