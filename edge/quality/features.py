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
    "clipped_fraction", "glare_blob", "glare_blobs", "glare_halo",
    "edge_laplacian", "edge_gradient", "edge_sharpness",
)
PRESENCE_NAMES = (
    "changed", "changed_strong", "changed_centre", "changed_border", "changed_border_max", "diff_mean",
    "texture_changed", "texture_border", "texture_border_max",
)


def analysis_gray(image: np.ndarray, side: int = ANALYSIS_SIDE) -> np.ndarray:
    """Grey copy whose longest side is at most `side`: downscaled with INTER_AREA, never upscaled."""
    g = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = g.shape[:2]
    scale = side / max(h, w)
    if scale < 1:
        g = cv2.resize(g, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return g


def _log_lap_var(g: np.ndarray, lap: np.ndarray | None = None) -> float:
    _, sd = cv2.meanStdDev(cv2.Laplacian(g, cv2.CV_16S) if lap is None else lap)
    return float(np.log1p(sd[0, 0] ** 2))


def _top(values_u8: np.ndarray, q: float = 0.995) -> float:
    """The q-quantile of a uint8 map, from the histogram of every other row and column (a third of the cost)."""
    sample = np.ascontiguousarray(values_u8[::2, ::2])
    hist = cv2.calcHist([sample], [0], None, [256], [0, 256]).ravel()
    return float(np.searchsorted(np.cumsum(hist), q * sample.size))


def edge_measures(g: np.ndarray, lap16: np.ndarray) -> tuple[float, float, float]:
    """Strength of the sharpest edges: second derivative against first at the top 0.5 %.

    A plain item with one crisp edge is sharp; a blurred frame has no crisp edge anywhere. For a step
    edge the Laplacian peak falls with the blur width faster than the gradient peak does, so their
    ratio measures edge width whatever the amount of texture.
    """
    lap = _top(cv2.convertScaleAbs(lap16, alpha=0.5))
    gx, gy = cv2.spatialGradient(g)
    grad = _top(cv2.max(cv2.convertScaleAbs(gx, alpha=0.125), cv2.convertScaleAbs(gy, alpha=0.125)))
    return float(np.log1p(lap)), float(np.log1p(grad)), float(np.log1p(lap) - np.log1p(grad))


def quality_features(g: np.ndarray) -> np.ndarray:
    """Sharpness at two scales, exposure percentiles and clipped-highlight blobs of a grey analysis image."""
    lap16 = cv2.Laplacian(g, cv2.CV_16S)
    lv = _log_lap_var(g, lap16)
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
    blob, blobs, halo = 0.0, 0.0, 0.0
    if clipped > 0:
        mask = (half >= 250).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if n > 1:
            areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64) / half.size
            blob = float(areas.max())
            blobs = float(np.log1p((areas > 0.001).sum()))
            # glare fades out in a bright halo; a clipped white label stops at a hard, darker edge
            ring = cv2.dilate(mask, np.ones((7, 7), np.uint8)) - mask
            if ring.any():
                halo = float(cv2.mean(half, ring)[0]) / 255
    return np.array([
        lv, lv2, lv - lv2, lv - 2 * contrast, contrast,
        float(mean[0, 0]) / 255, p2, p50, p98, dark, bright,
        clipped, blob, blobs, halo, *edge_measures(g, lap16),
    ], np.float32)


def presence_image(g: np.ndarray) -> np.ndarray:
    """Small copy for the empty-desk comparison: blurred grey (tone) and local edge strength (texture).

    Tone finds an item darker or lighter than the desk, texture one of the same grey but with print
    or edges; both are blurred so a pixel of camera shake or sensor noise does not count.
    """
    small = cv2.resize(g, PRESENCE_SIZE, interpolation=cv2.INTER_AREA)
    texture = cv2.GaussianBlur(cv2.convertScaleAbs(cv2.Laplacian(small, cv2.CV_16S), alpha=2), (5, 5), 0)
    return np.dstack([cv2.GaussianBlur(small, (5, 5), 0), texture])


def _edges(changed: np.ndarray) -> tuple[float, float]:
    """Changed share of the border band, overall and of its busiest side (an item cut off at one edge)."""
    h, w = changed.shape
    b = max(2, round(0.05 * min(h, w)))
    sides = [changed[:b, :], changed[-b:, :], changed[:, :b], changed[:, -b:]]
    band = sum(float(s.sum()) for s in sides) / sum(s.size for s in sides)
    return band, max(float(s.mean()) for s in sides)


def presence_features(small: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """How much of the zone differs from the empty desk, in the centre and along the edges."""
    tone, tex = small[..., 0], small[..., 1]
    ref_tone, ref_tex = reference[..., 0], reference[..., 1]
    # match overall brightness first, so a dimmer ring light is not mistaken for an item
    m_s, m_r = float(tone.mean()) + 1, float(ref_tone.mean()) + 1
    d = cv2.absdiff(cv2.convertScaleAbs(tone, alpha=m_r / m_s), ref_tone)
    changed = d > 28
    h, w = d.shape
    b = max(2, round(0.05 * min(h, w)))
    band, side = _edges(changed)
    t_changed = cv2.absdiff(tex, ref_tex) > 24
    t_band, t_side = _edges(t_changed)
    return np.array([
        changed.mean(), (d > 60).mean(), changed[b:-b, b:-b].mean(), band, side,
        float(d.mean()) / 255, t_changed.mean(), t_band, t_side,
    ], np.float32)
