"""Redaction → faces: scikit-image's bundled LBP frontal-face cascade, run on a downscaled grey image.

No weights are downloaded: the cascade XML ships inside the scikit-image wheel.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

from central.redact.regions import Region

NAME = "face"
WORK_SIDE = 512  # the cascade is a sliding window (slow in pure scikit-image): cost grows with pixels


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


def detect(img: Image.Image, customer=None, *, min_neighbors: int = 4) -> list[Region]:
    scale = min(1.0, WORK_SIDE / max(img.size))
    small = img.convert("L")
    if scale < 1.0:
        small = small.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BILINEAR)
    grey = np.asarray(small, dtype=np.float32) / 255.0
    side = min(grey.shape)
    found = _cascade().detect_multi_scale(
        img=grey, scale_factor=1.2, step_ratio=1, min_size=(24, 24), max_size=(side, side),
        min_neighbor_number=min_neighbors, intersection_score_threshold=0.5)
    out = []
    rgb = np.asarray(img.convert("RGB").resize(small.size, Image.Resampling.BILINEAR))
    for d in found:
        if _not_skin(rgb[d["r"]:d["r"] + d["height"], d["c"]:d["c"] + d["width"]]):
            continue
        r = Region(NAME, (d["c"], d["r"], d["width"], d["height"]), 0.8,
                   f"frontal face ({d['width']}x{d['height']} px at {small.width} px wide)")
        # Pad: the cascade box is the inner face; hair, ears and chin identify too.
        out.append(r.scaled(1 / scale, img.size).padded(0.3, img.size))
    return out
