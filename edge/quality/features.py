"""Gate measures (camera → gate): cheap OpenCV/numpy measures of one frame that the gate model judges.

Everything runs on a small grey "analysis" copy (longest side ≤ 640, made with INTER_AREA) and a sparse
sample of the colour frame, so a 12 MP still and a 640×480 preview cost about the same. The model in
models/gate.onnx is trained on exactly these vectors (models/build_gate_model.py imports this module),
so any change here, or in glare.py, means a rebuild of the model.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.quality.glare import GLARE_NAMES, glare_measures

ANALYSIS_SIDE = 640
PRESENCE_SIZE = (160, 120)  # (w, h) of the copy compared with the empty-desk reference
QUALITY_NAMES = (
    # sharpness: Laplacian energy at four scales and the slopes between them (a blurred frame loses the
    # fine scales first; a soft but focused one falls off evenly), relative to contrast, and edge width
    "sharpness", "sharpness_half", "sharpness_quarter", "sharpness_eighth",
    "slope_fine", "slope_mid", "slope_coarse", "sharpness_norm", "contrast", "noise",
    "edge_laplacian", "edge_gradient", "edge_sharpness", "anisotropy", "anisotropy_coarse",
    # exposure, in grey and in the brightest colour channel (a saturated colour clips before the grey does)
    "brightness", "dark_p2", "median", "bright_p98", "dark_fraction", "bright_fraction",
    "channel_clipped", "channel_median",
    # glare: clipped pixels, then the clipped blobs, their shape and what surrounds them (glare.py)
    "clipped_fraction", "near_clipped_fraction",
) + GLARE_NAMES
Q_SHARPNESS, Q_BRIGHTNESS, Q_CLIPPED = (QUALITY_NAMES.index(n) for n in ("sharpness", "brightness", "clipped_fraction"))
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


def _half(x: np.ndarray) -> np.ndarray:
    return cv2.resize(x, (max(1, x.shape[1] // 2), max(1, x.shape[0] // 2)), interpolation=cv2.INTER_AREA)


def _log_var(lap: np.ndarray) -> float:
    # from the sum of squares: ten times quicker than cv2.meanStdDev on int16
    var = cv2.norm(lap, cv2.NORM_L2SQR) / lap.size - cv2.mean(lap)[0] ** 2
    return float(np.log1p(max(var, 0.0)))


def _quantiles(values_u8: np.ndarray, qs) -> list[float]:
    """Quantiles of a uint8 map from its histogram."""
    cdf = np.cumsum(cv2.calcHist([np.ascontiguousarray(values_u8)], [0], None, [256], [0, 256]).ravel())
    return [float(np.searchsorted(cdf, q * values_u8.size)) for q in qs]


def anisotropy(gx: np.ndarray, gy: np.ndarray) -> float:
    """How much weaker the gradients are across one direction than along the other (log of the
    structure tensor's eigenvalue ratio, 0 = the same every way). Hand shake smears along one line, so
    fine detail survives only across it; a text page is anisotropic at every scale, shake only at fine ones."""
    sxx, syy = cv2.norm(gx, cv2.NORM_L2SQR), cv2.norm(gy, cv2.NORM_L2SQR)
    sxy = (cv2.norm(cv2.add(gx, gy), cv2.NORM_L2SQR) - cv2.norm(cv2.subtract(gx, gy), cv2.NORM_L2SQR)) / 4
    mid, dev = (sxx + syy) / 2, np.hypot((sxx - syy) / 2, sxy)
    return float(np.log((mid - dev + 1.0) / (mid + dev + 1.0)))


def edge_measures(g: np.ndarray, lap16: np.ndarray) -> tuple[float, float, float, float, float]:
    """Strength of the sharpest edges: second derivative against first at the top 0.5 %; the noise; anisotropy.

    A plain item with one crisp edge is sharp; a blurred frame has no crisp edge anywhere. For a step
    edge the Laplacian peak falls with the blur width faster than the gradient peak does, so their
    ratio measures edge width whatever the amount of texture. The median |Laplacian| is set by the
    flat parts of the frame, which is sensor noise (and JPEG), so the other measures can be read
    against it.
    """
    # the statistics come from a sample of every `step`-th row and column: a histogram of a map that is
    # mostly one value is slow to count, and 20,000 pixels give the same quantiles
    step = max(1, round(np.sqrt(g.size / 20_000)))
    lap_s = lap16[::step, ::step]
    lap = _quantiles(cv2.convertScaleAbs(lap_s, alpha=0.5), (0.995,))[0]
    noise = _quantiles(cv2.convertScaleAbs(lap_s, alpha=4), (0.5,))[0] / 4
    gx, gy = cv2.spatialGradient(g)
    grad = _quantiles(cv2.max(cv2.convertScaleAbs(gx[::step, ::step], alpha=0.125),
                              cv2.convertScaleAbs(gy[::step, ::step], alpha=0.125)), (0.995,))[0]
    return (float(np.log1p(lap)), float(np.log1p(grad)), float(np.log1p(lap) - np.log1p(grad)),
            float(np.log1p(noise)), anisotropy(gx[::step, ::step], gy[::step, ::step]))


def channel_measures(image: np.ndarray) -> tuple[float, float]:
    """Share of pixels with some colour channel clipped, and the median of the brightest channel.

    A magenta cloth or a yellow board over-exposes in one or two channels while its grey stays middling.
    Read from every k-th pixel (about 160 across), so a 12 MP array costs the same as a preview.
    """
    k = max(1, max(image.shape[:2]) // 160)
    s = image[::k, ::k]
    top = s if s.ndim == 2 else cv2.max(cv2.max(s[..., 0], s[..., 1]), s[..., 2])
    cdf = np.cumsum(cv2.calcHist([np.ascontiguousarray(top)], [0], None, [256], [0, 256]).ravel()) / top.size
    return float(1 - cdf[249]), float(np.searchsorted(cdf, 0.5)) / 255


def quality_features(g: np.ndarray, image: np.ndarray | None = None) -> np.ndarray:
    """Sharpness at four scales, edge width and direction, exposure (grey and per channel), clipped blobs.

    `g` is the grey analysis copy of `image` (the frame as captured, any size, BGR or grey).
    """
    lap16 = cv2.Laplacian(g, cv2.CV_16S)
    half = _half(g)
    quarter = _half(half)
    eighth = _half(quarter)
    lap_half = cv2.Laplacian(half, cv2.CV_16S)
    lv = [_log_var(lap16), _log_var(lap_half), _log_var(cv2.Laplacian(quarter, cv2.CV_16S)),
          _log_var(cv2.Laplacian(eighth, cv2.CV_16S))]
    mean, sd = cv2.meanStdDev(half)
    contrast = float(np.log1p(sd[0, 0]))
    hist = cv2.calcHist([half], [0], None, [256], [0, 256]).ravel()
    cdf = np.cumsum(hist) / max(1.0, hist.sum())
    p2, p50, p98 = (float(np.searchsorted(cdf, q)) / 255 for q in (0.02, 0.5, 0.98))
    dark = float(cdf[24])
    bright = float(1 - cdf[235])
    clipped = float(1 - cdf[249])
    near_clipped = float(cdf[249] - cdf[234])
    e_lap, e_grad, e_sharp, noise, aniso = edge_measures(g, lap16)
    aniso_coarse = anisotropy(*cv2.spatialGradient(quarter))
    glare = glare_measures(half, lap_half) if clipped > 0 else [0.0] * len(GLARE_NAMES)
    return np.array([
        *lv, lv[0] - lv[1], lv[1] - lv[2], lv[2] - lv[3], lv[0] - 2 * contrast, contrast, noise,
        e_lap, e_grad, e_sharp, aniso, aniso_coarse,
        float(mean[0, 0]) / 255, p2, p50, p98, dark, bright, *channel_measures(g if image is None else image),
        clipped, near_clipped, *glare,
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


def presence_diff(small: np.ndarray, reference: np.ndarray, floor: tuple[int, int] = (0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """How far each pixel of the small copy is from the empty desk, in tone (brightness matched) and texture,
    less the desk's own frame-to-frame noise (`floor`, grey levels, fitted at calibration)."""
    tone, tex = small[..., 0], small[..., 1]
    ref_tone, ref_tex = reference[..., 0], reference[..., 1]
    # match overall brightness first, so a dimmer ring light is not mistaken for an item
    m_s, m_r = float(tone.mean()) + 1, float(ref_tone.mean()) + 1
    d = cv2.absdiff(cv2.convertScaleAbs(tone, alpha=m_r / m_s), ref_tone)
    d_tex = cv2.absdiff(tex, ref_tex)
    if floor[0] or floor[1]:
        d, d_tex = cv2.subtract(d, floor[0]), cv2.subtract(d_tex, floor[1])
    return d, d_tex


def presence_features(small: np.ndarray, reference: np.ndarray, floor: tuple[int, int] = (0, 0)) -> np.ndarray:
    """How much of the zone differs from the empty desk, in the centre and along the edges.

    The model was trained on desks that were steady between frames; on a desk whose light or stand moves
    more, calibration measures by how much (`floor`) and that much is taken off every difference first,
    so its empty frames look to the model as a steady desk's do.
    """
    d, d_tex = presence_diff(small, reference, floor)
    changed = d > 28
    h, w = d.shape
    b = max(2, round(0.05 * min(h, w)))
    band, side = _edges(changed)
    t_changed = d_tex > 24
    t_band, t_side = _edges(t_changed)
    return np.array([
        changed.mean(), (d > 60).mean(), changed[b:-b, b:-b].mean(), band, side,
        float(d.mean()) / 255, t_changed.mean(), t_band, t_side,
    ], np.float32)
