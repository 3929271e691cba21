"""Labelled photo faults for building and evaluating the gate (models/ and tests/bench/, not the station).

From a good photo, make what a desk really produces: defocus and hand shake, an unlit or washed-out
frame, a glare spot off shiny packaging; and from an empty desk, frames with the item in the zone, cut
off at the zone's edge, or missing. Each function returns the image and the reason codes it carries.
Only OpenCV and numpy, and every draw comes from the caller's seeded generator, so the data is the
same on every run.
"""

from __future__ import annotations

import cv2
import numpy as np

QUALITY_KINDS = ("good", "blurry", "too_dark", "too_bright", "glare")


def to_bgr(img: np.ndarray) -> np.ndarray:
    """uint8 BGR from what skimage.data or cv2 gives (grey, RGB, RGBA, bool)."""
    img = np.asarray(img)
    if img.dtype == bool:
        img = img.astype(np.uint8) * 255
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        img = img[..., :3]
    return np.ascontiguousarray(img[..., ::-1])


def _jitter(img: np.ndarray, rng: np.random.Generator, noise: float = 2.5) -> np.ndarray:
    """What any capture adds: a little gain/gamma change, sensor noise, JPEG."""
    x = np.arange(256, dtype=np.float64) / 255
    lut = np.clip(np.power(x, rng.uniform(0.85, 1.15)) * rng.uniform(0.85, 1.15) * 255, 0, 255)
    return _jpeg(add_noise(cv2.LUT(img, lut.astype(np.uint8)), rng, rng.uniform(0, noise)), rng)


def add_noise(img: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian sensor noise from OpenCV's generator, seeded from `rng` (numpy's is ten times slower)."""
    if sigma <= 0:
        return img
    n = np.empty(img.shape, np.int16)
    cv2.setRNGSeed(int(rng.integers(1 << 31)))
    cv2.randn(n, 0, sigma)
    return np.clip(img.astype(np.int16) + n, 0, 255).astype(np.uint8)


def _jpeg(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(75, 96))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def rescale(img: np.ndarray, rng: np.random.Generator, lo: float = 0.7) -> np.ndarray:
    """Random crop (half the time) and downscale (never up), so sharp photos stay sharp."""
    h, w = img.shape[:2]
    if rng.random() < 0.5 and min(h, w) > 200:
        ch, cw = int(h * rng.uniform(0.6, 1.0)), int(w * rng.uniform(0.6, 1.0))
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        img = img[y:y + ch, x:x + cw]
    s = rng.uniform(lo, 1.0)
    h, w = img.shape[:2]
    return cv2.resize(img, (max(8, round(w * s)), max(8, round(h * s))), interpolation=cv2.INTER_AREA)


def blur(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Defocus (Gaussian or disc) or hand shake (a line kernel), strong enough to lose print and edges."""
    kind = rng.integers(3)
    if kind == 0:
        return cv2.GaussianBlur(img, (0, 0), rng.uniform(1.6, 5.0))
    if kind == 1:
        r = int(rng.integers(3, 8))
        k = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
        cv2.circle(k, (r, r), r, 1.0, -1)
        return cv2.filter2D(img, -1, k / k.sum())
    n = int(rng.integers(9, 28))
    k = np.zeros((n, n), np.float32)
    k[n // 2, :] = 1
    rot = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), rng.uniform(0, 180), 1.0)
    k = cv2.warpAffine(k, rot, (n, n))
    return cv2.filter2D(img, -1, k / max(k.sum(), 1e-6))


def exposure(img: np.ndarray, rng: np.random.Generator, dark: bool) -> np.ndarray:
    if dark:  # ring light off: little signal, noise stays
        return add_noise(cv2.convertScaleAbs(img, alpha=rng.uniform(0.06, 0.28)), rng, rng.uniform(0.5, 3))
    # auto-exposure fooled or a lamp on the stand: most of the frame clipped
    return cv2.convertScaleAbs(img, alpha=rng.uniform(1.8, 4.0), beta=rng.uniform(30, 100))


def glare(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One to three clipped highlight spots with a soft halo, as light reflected off foil or film."""
    h, w = img.shape[:2]
    f = img.astype(np.float32)
    spots = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        area = rng.uniform(0.004, 0.04) * h * w
        ax = np.sqrt(area / np.pi) * np.array([rng.uniform(0.5, 2.0), 1.0])
        ax = (ax / np.sqrt(ax.prod()) * np.sqrt(area / np.pi)).astype(int) + 1
        c = (int(rng.uniform(0.15, 0.85) * w), int(rng.uniform(0.15, 0.85) * h))
        cv2.ellipse(spots, c, (int(ax[0]), int(ax[1])), rng.uniform(0, 180), 0, 360, 1.0, -1)
    halo = cv2.GaussianBlur(spots, (0, 0), max(2.0, 0.01 * w))
    mix = np.clip(np.maximum(spots, halo * 1.2), 0, 1)[..., None]
    return np.clip(f * (1 - mix) + 255 * mix + spots[..., None] * 80, 0, 255).astype(np.uint8)


def glare_visible(before: np.ndarray, after: np.ndarray, share: float = 0.004) -> bool:
    """Whether added glare shows: at least `share` of the frame (the smallest spot `glare` draws)
    brightened by 40 grey levels or more. A spot that lands on paper the camera already clipped white
    changes nothing a viewer could see but a few letters, so that sample is labelled by what it shows:
    good."""
    gain = cv2.subtract(cv2.cvtColor(after, cv2.COLOR_BGR2GRAY), cv2.cvtColor(before, cv2.COLOR_BGR2GRAY))
    return cv2.countNonZero(cv2.threshold(gain, 39, 255, cv2.THRESH_BINARY)[1]) >= share * gain.size


def white_label(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A shipping label on the item: flat white paper (clipped in the photo) with dark print. Not glare."""
    h, w = img.shape[:2]
    lw, lh = int(w * rng.uniform(0.12, 0.3)), int(h * rng.uniform(0.08, 0.2))
    x, y = int(rng.integers(0, w - lw)), int(rng.integers(0, h - lh))
    out = img.copy()
    cv2.rectangle(out, (x, y), (x + lw, y + lh), (255, 255, 255), -1)
    for i in range(1, 5):
        yy = y + i * lh // 5
        cv2.line(out, (x + lw // 10, yy), (x + int(lw * rng.uniform(0.4, 0.9)), yy), (30, 30, 30), max(1, lh // 20))
    return out


def _analysis_size(img: np.ndarray) -> np.ndarray:
    # faults are sized at the gate's analysis scale, so "blurry" means blurry where the gate looks
    side = max(img.shape[:2])
    if side > 640:
        img = cv2.resize(img, (round(img.shape[1] * 640 / side), round(img.shape[0] * 640 / side)),
                         interpolation=cv2.INTER_AREA)
    return img


def dim_sample(good: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """A good photo under a weaker light: darker all over (half the light or more), the detail all there.

    For training: `quality_sample` makes few good photos this dim, and a dim desk must not read as
    `too_dark`, which is a tenth to a quarter of the light."""
    img = cv2.convertScaleAbs(rescale(_analysis_size(good), rng), alpha=rng.uniform(0.5, 0.8))
    return _jitter(img, rng), []


def quality_sample(good: np.ndarray, kind: str, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    img = rescale(_analysis_size(good), rng)
    if kind == "good":
        if rng.random() < 0.5:
            img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 0.6))
        key = rng.random()
        if key < 0.25:  # a white item on a light desk: bright, but nothing clipped
            a = rng.uniform(0.55, 0.8)
            img = cv2.convertScaleAbs(img, alpha=a, beta=255 * (1 - a))
        elif key < 0.4:  # a black item: dark, but the detail is there
            img = cv2.convertScaleAbs(img, alpha=rng.uniform(0.55, 0.8))
        if rng.random() < 0.25:
            img = white_label(img, rng)
        return _jitter(img, rng), []
    if kind == "blurry":
        return _jitter(blur(img, rng), rng), ["blurry"]
    if kind == "too_dark":
        return _jpeg(exposure(_jitter(img, rng), rng, True), rng), ["too_dark"]
    if kind == "too_bright":  # the exposure fault comes last, so what it clipped stays clipped
        return _jpeg(exposure(_jitter(img, rng), rng, False), rng), ["too_bright"]
    if kind == "glare":
        before = _jitter(img, rng)
        after = glare(before, rng)
        return after, (["glare"] if glare_visible(before, after) else [])
    raise ValueError(kind)


def desk_background(texture: np.ndarray, rng: np.random.Generator, size=(640, 480)) -> np.ndarray:
    """An empty desk: a real surface texture, toned down and lit unevenly by a ring light."""
    w, h = size
    th, tw = texture.shape[:2]
    s = max(w / tw, h / th) * rng.uniform(1.0, 1.3)
    t = cv2.resize(texture, (round(tw * s) + 1, round(th * s) + 1), interpolation=cv2.INTER_LINEAR)
    y, x = int(rng.integers(0, t.shape[0] - h + 1)), int(rng.integers(0, t.shape[1] - w + 1))
    t = t[y:y + h, x:x + w].astype(np.float32)
    t = t * rng.uniform(0.3, 0.6) + rng.uniform(70, 120)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((xx - w / 2) / w, (yy - h / 2) / h)
    return np.clip(t * (1.05 - 0.3 * r)[..., None], 0, 255).astype(np.uint8)


def place_item(desk: np.ndarray, item: np.ndarray, rng: np.random.Generator, where: str) -> np.ndarray:
    """Lay `item` on the desk: 'inside' the zone with a margin, or 'cut' across one edge of the frame."""
    h, w = desk.shape[:2]
    iw = int(w * rng.uniform(0.25, 0.5))
    ih = int(min(h * 0.6, iw * item.shape[0] / item.shape[1] * rng.uniform(0.8, 1.2)))
    it = cv2.resize(item, (iw, ih), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.35:  # an item the same grey as the desk: only its print and edges give it away
        it = np.clip(it.astype(np.float32) - it.mean() + desk.mean(), 0, 255).astype(np.uint8)
    m = int(0.08 * min(h, w))
    if where == "inside":
        x, y = int(rng.integers(m, w - iw - m + 1)), int(rng.integers(m, h - ih - m + 1))
    else:
        side = int(rng.integers(4))
        over = rng.uniform(0.2, 0.5)
        x, y = int(rng.integers(m, w - iw - m + 1)), int(rng.integers(m, h - ih - m + 1))
        if side == 0:
            x = -int(iw * over)
        elif side == 1:
            x = w - iw + int(iw * over)
        elif side == 2:
            y = -int(ih * over)
        else:
            y = h - ih + int(ih * over)
    out = desk.copy()
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + iw, w), min(y + ih, h)
    out[y0:y1, x0:x1] = it[y0 - y:y1 - y, x0 - x:x1 - x]
    # a soft shadow line under the item's edge, as on a real desk
    cv2.rectangle(out, (x0, y0), (x1 - 1, y1 - 1), (40, 40, 40), 2, cv2.LINE_AA)
    return out


def presence_sample(desk: np.ndarray, item: np.ndarray, kind: str, rng: np.random.Generator):
    """A capture of the desk (shifted a pixel or two, light drifted) with the item 'inside', 'cut' or 'none'."""
    frame = desk if kind == "none" else place_item(desk, item, rng, kind)
    shift = np.float32([[1, 0, rng.uniform(-2, 2)], [0, 1, rng.uniform(-2, 2)]])
    frame = cv2.warpAffine(frame, shift, (frame.shape[1], frame.shape[0]), borderMode=cv2.BORDER_REFLECT)
    labels = {"none": ["no_item"], "cut": ["item_cut_off"], "inside": []}[kind]
    return _jitter(frame, rng), labels
