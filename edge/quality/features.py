"""Gate measures (camera → gate): cheap OpenCV/numpy measures of one frame that the gate model judges.

Everything runs on a small grey "analysis" copy (longest side ≤ 640, made with INTER_AREA), so a
12 MP still and a 640×480 preview cost about the same. The model in models/gate.onnx is trained on
exactly these vectors (models/build_gate_model.py imports this module), so any change here means a
rebuild of the model.
"""

from __future__ import annotations

import cv2
import numpy as np

ANALYSIS_SIDE = 640
PRESENCE_SIZE = (160, 120)  # (w, h) of the copy compared with the empty-desk reference
QUALITY_NAMES = (
    "sharpness", "sharpness_half", "fine_detail", "sharpness_norm", "contrast",
    "brightness", "dark_p2", "median", "bright_p98", "dark_fraction", "bright_fraction",
    "clipped_fraction", "glare_blob", "glare_blobs",
)
PRESENCE_NAMES = (
    "changed", "changed_strong", "changed_centre", "changed_border", "changed_border_max", "diff_mean",
)


def analysis_gray(image: np.ndarray, side: int = ANALYSIS_SIDE) -> np.ndarray:
    """Grey copy whose longest side is at most `side`: downscaled with INTER_AREA, never upscaled."""
    g = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = g.shape[:2]
    scale = side / max(h, w)
    if scale < 1:
        g = cv2.resize(g, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return g


def _log_lap_var(g: np.ndarray) -> float:
    _, sd = cv2.meanStdDev(cv2.Laplacian(g, cv2.CV_16S))
    return float(np.log1p(sd[0, 0] ** 2))


def quality_features(g: np.ndarray) -> np.ndarray:
    """Sharpness at two scales, exposure percentiles and clipped-highlight blobs of a grey analysis image."""
    lv = _log_lap_var(g)
    half = cv2.resize(g, (max(1, g.shape[1] // 2), max(1, g.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    lv2 = _log_lap_var(half)
    mean, sd = cv2.meanStdDev(half)
    contrast = float(np.log1p(sd[0, 0]))
    hist = cv2.calcHist([half], [0], None, [256], [0, 256]).ravel()
    cdf = np.cumsum(hist) / max(1.0, hist.sum())
    p2, p50, p98 = (float(np.searchsorted(cdf, q)) / 255 for q in (0.02, 0.5, 0.98))
    dark = float(cdf[24])
    bright = float(1 - cdf[235])
    clipped = float(1 - cdf[249])
    # glare is a few bright clipped blobs in an otherwise normal frame; over-exposure clips everywhere
    blob, blobs = 0.0, 0.0
    if clipped > 0:
        mask = (half >= 250).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if n > 1:
            areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64) / half.size
            blob = float(areas.max())
            blobs = float(np.log1p((areas > 0.001).sum()))
    return np.array([
        lv, lv2, lv - lv2, lv - 2 * contrast, contrast,
        float(mean[0, 0]) / 255, p2, p50, p98, dark, bright,
        clipped, blob, blobs,
    ], np.float32)


def presence_image(g: np.ndarray) -> np.ndarray:
    """The small, slightly blurred grey copy used for the empty-desk comparison (robust to jitter and noise)."""
    small = cv2.resize(g, PRESENCE_SIZE, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (5, 5), 0)


def presence_features(small: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """How much of the zone differs from the empty desk, in the centre and along the edges."""
    # match overall brightness first, so a dimmer ring light is not mistaken for an item
    m_s, m_r = float(small.mean()) + 1, float(reference.mean()) + 1
    d = cv2.absdiff(cv2.convertScaleAbs(small, alpha=m_r / m_s), reference)
    changed = d > 28
    h, w = d.shape
    b = max(2, round(0.05 * min(h, w)))
    border = np.zeros_like(changed)
    border[:b, :] = border[-b:, :] = True
    border[:, :b] = border[:, -b:] = True
    sides = [changed[:b, :].mean(), changed[-b:, :].mean(), changed[:, :b].mean(), changed[:, -b:].mean()]
    return np.array([
        changed.mean(), (d > 60).mean(), changed[~border].mean(), changed[border].mean(), max(sides),
        float(d.mean()) / 255,
    ], np.float32)
