"""The hub's former face detector, scikit-image's LBP frontal-face cascade (the XML ships in its wheel),
as it ran in central/redact/faces.py: the baseline the redaction benchmark's face figures are set against."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

WORK_SIDE = 512
FIRST_PASS_NEIGHBORS = 4   # what the hub burned (its export gate asked for 6)


@lru_cache(maxsize=1)
def _cascade():
    from skimage import data
    from skimage.feature import Cascade

    return Cascade(data.lbp_frontal_face_cascade_filename())


def _not_skin(rgb: np.ndarray) -> bool:
    """A colourful box with almost no skin tone (YCrCb range) is a pattern, not a face; grey photos pass."""
    px = rgb.reshape(-1, 3).astype(np.int16)
    r, g, b = px[:, 0], px[:, 1], px[:, 2]
    if np.mean(np.max(px, axis=1) - np.min(px, axis=1)) < 18:
        return False
    cr = 128 + 0.5 * r - 0.4187 * g - 0.0813 * b
    cb = 128 - 0.1687 * r - 0.3313 * g + 0.5 * b
    skin = (cr > 133) & (cr < 180) & (cb > 72) & (cb < 130)
    return skin.mean() < 0.15


def lbp_faces(img: Image.Image, min_neighbors: int = FIRST_PASS_NEIGHBORS) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h in img pixels, unpadded)."""
    scale = min(1.0, WORK_SIDE / max(img.size))
    size = (round(img.width * scale), round(img.height * scale))
    small = img.convert("L").resize(size, Image.Resampling.BILINEAR)
    side = min(small.size)
    found = _cascade().detect_multi_scale(
        img=np.asarray(small, dtype=np.float32) / 255.0, scale_factor=1.2, step_ratio=1, min_size=(24, 24),
        max_size=(side, side), min_neighbor_number=min_neighbors, intersection_score_threshold=0.5)
    rgb = np.asarray(img.convert("RGB").resize(size, Image.Resampling.BILINEAR))
    return [tuple(round(v / scale) for v in (d["c"], d["r"], d["width"], d["height"])) for d in found
            if not _not_skin(rgb[d["r"]:d["r"] + d["height"], d["c"]:d["c"] + d["width"]])]
