"""Generated desk scenes for training the gate (models → gate): good photos the model learns "good" from.

Photos from skimage alone teach the gate that "good" looks like a portrait or a coffee cup; a return desk
shows soft round things (fruit, nuts, plush) whose outline is soft although the photo is in focus, white
paper and shipping labels the camera clips, cardboard, fabric, black and white products. Each scene is
drawn in focus (fine grain of paper, fibre or weave stays at pixel scale) and is GOOD; the faults are
added later by edge/quality/degrade.py. Only OpenCV and numpy, every draw from the caller's generator.
"""

from __future__ import annotations

import cv2
import numpy as np

FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
         cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL)
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     .,-"))


def _size(rng) -> tuple[int, int]:
    """(w, h): landscape, portrait or square, longest side 400-640 (the gate's analysis size or under)."""
    side = int(rng.integers(400, 641))
    aspect = (4 / 3, 3 / 4, 1.0, 16 / 9)[int(rng.integers(4))]
    return (side, round(side / aspect)) if aspect >= 1 else (round(side * aspect), side)


def grain(h: int, w: int, rng, amp: float, sigma: float) -> np.ndarray:
    """Zero-mean noise texture of standard deviation `amp` and correlation length `sigma` px."""
    n = rng.standard_normal((h, w)).astype(np.float32)
    if sigma > 0.3:
        n = cv2.GaussianBlur(n, (0, 0), sigma)
    return n * (amp / (float(n.std()) + 1e-6))


def surface(h: int, w: int, rng, colour, fine: float = 4.0) -> np.ndarray:
    """A matte surface: colour, slow mottling and in-focus grain at pixel scale."""
    img = np.empty((h, w, 3), np.float32)
    img[:] = colour
    tone = grain(h, w, rng, rng.uniform(2, 9), rng.uniform(15, 60)) + grain(h, w, rng, fine, rng.uniform(0.5, 1.2))
    return img + tone[..., None]


def light(img: np.ndarray, rng, strength: float = 0.3) -> np.ndarray:
    """Uneven light from a lamp or ring light: a smooth multiplicative field."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    r = np.hypot((xx - cx) / w, (yy - cy) / h)
    field = 1 + rng.uniform(0, strength) * (0.5 - r) + rng.uniform(-0.1, 0.1) * (xx / w - 0.5)
    return img * field[..., None]


def finish(img: np.ndarray) -> np.ndarray:
    return np.clip(img, 0, 255).astype(np.uint8)


def _colour(rng, lo=20, hi=235) -> np.ndarray:
    return rng.uniform(lo, hi, 3).astype(np.float32)


def _words(rng, n) -> str:
    return "".join(LETTERS[rng.integers(len(LETTERS), size=n)]).strip() or "x"


def text_block(img, rng, x0, y0, x1, y1, ink=None) -> None:
    """Lines of print between (x0, y0) and (x1, y1): random font, size and line spacing."""
    font = FONTS[int(rng.integers(len(FONTS)))]
    px = rng.uniform(7, 22)  # letter height in pixels
    scale = px / cv2.getTextSize("Hg", font, 1.0, 1)[0][1]
    thick = 1 if px < 14 or rng.random() < 0.5 else 2
    ink = _colour(rng, 0, 70) if ink is None else ink
    y = y0 + px * 1.2
    while y < y1:
        line = _words(rng, int(rng.integers(8, 60)))
        cv2.putText(img, line, (int(x0), int(y)), font, scale, ink.tolist(), thick, cv2.LINE_AA)
        y += px * rng.uniform(1.4, 2.4)
    return None


def barcode(img, rng, x, y, w, h) -> None:
    bx = x
    while bx < x + w:
        bw = int(rng.integers(1, 5))
        if rng.random() < 0.5:
            cv2.rectangle(img, (bx, y), (min(bx + bw, x + w) - 1, y + h), (20, 20, 20), -1)
        bx += bw


def matrix_code(img, rng, x, y, size) -> None:
    n = int(rng.integers(15, 30))
    cells = (rng.random((n, n)) < 0.5).astype(np.uint8) * 235 + 15
    block = cv2.resize(cells, (size, size), interpolation=cv2.INTER_NEAREST)
    img[y:y + size, x:x + size] = block[..., None]


def shine(img: np.ndarray, rng, cx: float, cy: float) -> np.ndarray:
    """A small specular highlight on a glossy or wet surface: clipped, a fraction of a percent of the
    frame. It hides nothing of the item; glare is the big spot (degrade.glare, 0.4-4 % of the frame each)."""
    h, w = img.shape[:2]
    area = rng.uniform(0.0002, 0.0025) * h * w
    ax = np.sqrt(area / np.pi) * np.array([rng.uniform(1, 2.5), 1.0])
    ax = ax / np.sqrt(ax.prod()) * np.sqrt(area / np.pi)
    spot = np.zeros((h, w), np.float32)
    axes = (max(1, int(ax[0])), max(1, int(ax[1])))
    cv2.ellipse(spot, (int(cx), int(cy)), axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
    mix = np.clip(np.maximum(spot, cv2.GaussianBlur(spot, (0, 0), rng.uniform(1, 4)) * 1.2), 0, 1)[..., None]
    return img * (1 - mix) + 300 * mix


def soft_objects(rng) -> np.ndarray:
    """Round matte things (a nut, a fruit, a plush toy) on paper or cloth, lit from one side, soft shadow.

    The outline of a round object is soft because its surface turns away from the light, not because
    the lens missed it: the background grain and the object's speckle stay sharp.
    """
    w, h = _size(rng)
    bg = surface(h, w, rng, _colour(rng, 40, 240), fine=rng.uniform(1.5, 6))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    lx, ly = rng.uniform(-0.7, 0.7, 2)
    for _ in range(int(rng.integers(1, 4))):
        a, b = rng.uniform(0.12, 0.35) * min(w, h), rng.uniform(0.1, 0.3) * min(w, h)
        cx, cy = rng.uniform(0.25, 0.75) * w, rng.uniform(0.25, 0.75) * h
        t = np.deg2rad(rng.uniform(0, 180))
        u = ((xx - cx) * np.cos(t) + (yy - cy) * np.sin(t)) / a
        v = (-(xx - cx) * np.sin(t) + (yy - cy) * np.cos(t)) / b
        r2 = u * u + v * v
        z = np.sqrt(np.clip(1 - r2, 0, 1))
        shade = 0.45 + 0.55 * np.clip(z * 0.8 - u * lx - v * ly, 0, 1.2)
        mask = cv2.GaussianBlur((r2 <= 1).astype(np.float32), (0, 0), rng.uniform(0.6, 2.5))
        shadow = cv2.GaussianBlur(np.roll(mask, (int(b * 0.15), int(a * 0.15)), (0, 1)), (0, 0), rng.uniform(6, 20))
        bg *= (1 - rng.uniform(0.1, 0.35) * shadow)[..., None]
        skin = surface(h, w, rng, _colour(rng, 60, 230), fine=rng.uniform(1, 5))
        skin += grain(h, w, rng, rng.uniform(4, 18), rng.uniform(3, 12))[..., None]  # streaks, pores, fibres
        bg = bg * (1 - mask[..., None]) + skin * shade[..., None] * mask[..., None]
        if rng.random() < 0.3:  # a wet or waxy skin catches the lamp
            bg = shine(bg, rng, cx - a * lx * 0.5, cy - b * ly * 0.5)
    return finish(light(bg, rng, 0.25))


def document(rng) -> np.ndarray:
    """White paper with print, often filling the frame and lit so brightly that the paper clips: not glare."""
    w, h = _size(rng)
    paper = surface(h, w, rng, np.full(3, rng.uniform(215, 250), np.float32), fine=rng.uniform(1, 3))
    if rng.random() < 0.4:  # a sheet on a desk, the desk showing round it
        img = surface(h, w, rng, _colour(rng, 40, 200))
        m = np.zeros((h, w), np.uint8)
        box = cv2.boxPoints(((w * rng.uniform(0.4, 0.6), h * rng.uniform(0.4, 0.6)),
                             (w * rng.uniform(0.6, 0.95), h * rng.uniform(0.6, 0.95)), rng.uniform(-12, 12)))
        cv2.fillConvexPoly(m, box.astype(np.int32), 1, cv2.LINE_AA)
        img = np.where(m[..., None] > 0, paper, img)
    else:
        img = paper
    img = finish(img)
    mx, my = int(w * rng.uniform(0.03, 0.15)), int(h * rng.uniform(0.03, 0.15))
    y = my
    while y < h - my:
        bh = int(h * rng.uniform(0.1, 0.4))
        text_block(img, rng, mx, y, w - mx, min(h - my, y + bh))
        y += bh + int(rng.uniform(0.02, 0.1) * h)
    if rng.random() < 0.3:
        barcode(img, rng, int(w * 0.5), int(h * 0.75), int(w * 0.4), int(h * 0.12))
    gain = rng.uniform(0.9, 1.12)  # bright lamps clip the paper; the print is still there to read
    return finish(light(img.astype(np.float32), rng, 0.3) * gain)


def parcel(rng) -> np.ndarray:
    """A cardboard box with tape and a shipping label, on a shelf or the floor."""
    w, h = _size(rng)
    back = surface(h, w, rng, np.full(3, rng.uniform(120, 245), np.float32) + rng.uniform(-10, 10, 3))
    for _ in range(int(rng.integers(0, 3))):  # shelf posts and edges
        x = int(rng.uniform(0, w))
        cv2.rectangle(back, (x, 0), (x + int(rng.uniform(8, 40)), h), (rng.uniform(150, 250),) * 3, -1)
    brown = np.array([rng.uniform(80, 140), rng.uniform(130, 175), rng.uniform(170, 215)], np.float32)
    fibre = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), sigmaX=rng.uniform(2, 6),
                             sigmaY=0.7) * rng.uniform(8, 25)
    box = surface(h, w, rng, brown, fine=rng.uniform(2, 5)) + fibre[..., None]
    m = np.zeros((h, w), np.uint8)
    corners = np.array([[0.1, 0.12], [0.9, 0.1], [0.92, 0.95], [0.08, 0.97]]) + rng.uniform(-0.08, 0.08, (4, 2))
    cv2.fillConvexPoly(m, (corners * [w, h]).astype(np.int32), 1, cv2.LINE_AA)
    img = finish(np.where(m[..., None] > 0, box, back))
    if rng.random() < 0.7:  # packing tape, a little shinier than the board
        ty = int(h * rng.uniform(0.1, 0.8))
        band = img[ty:ty + int(h * rng.uniform(0.05, 0.12))]
        band[:] = np.clip(band * rng.uniform(0.95, 1.15) + rng.uniform(5, 25), 0, 255)
    lw, lh = int(w * rng.uniform(0.45, 0.75)), int(h * rng.uniform(0.3, 0.5))
    lx, ly = int(w * rng.uniform(0.12, 0.88) - lw / 2), int(h * rng.uniform(0.15, 0.5))
    lx, ly = max(2, min(lx, w - lw - 2)), max(2, min(ly, h - lh - 2))
    label = img[ly:ly + lh, lx:lx + lw]
    label[:] = rng.uniform(225, 255)
    q = int(min(lw, lh) * rng.uniform(0.2, 0.3))
    matrix_code(label, rng, 6, 6, q)
    text_block(label, rng, q + 12, 4, lw - 6, q)
    stripe = int(lh * 0.12)
    if rng.random() < 0.6:
        cv2.rectangle(label, (4, q + 10), (lw - 4, q + 10 + stripe), (_colour(rng, 20, 120)).tolist(), -1)
        text_block(label, rng, 10, q + 10, lw * 0.7, q + 10 + stripe, ink=np.full(3, 240, np.float32))
    barcode(label, rng, 8, q + stripe + 20, lw - 16, int(lh * 0.2))
    text_block(label, rng, 8, q + stripe + 24 + int(lh * 0.2), lw - 8, lh - 4)
    return finish(light(img.astype(np.float32), rng, 0.35) * rng.uniform(0.85, 1.1))


def _backdrop(rng, h, w) -> np.ndarray:
    kind = int(rng.integers(3))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 0:  # wood: rings along one direction
        t = np.deg2rad(rng.uniform(0, 180))
        d = xx * np.cos(t) + yy * np.sin(t) + grain(h, w, rng, 8, 20)
        base = surface(h, w, rng, _colour(rng, 60, 200))
        return base * (1 + 0.12 * np.sin(d / rng.uniform(3, 12)))[..., None]
    if kind == 1:  # cloth: a weave at a few pixels' period
        p = rng.uniform(2.5, 7)
        weave = np.sin(xx * np.pi / p) * np.sin(yy * np.pi / p)
        return surface(h, w, rng, _colour(rng, 30, 235)) + (weave * rng.uniform(4, 15))[..., None]
    return surface(h, w, rng, _colour(rng, 30, 235))


def product(rng) -> np.ndarray:
    """A product on a desk, wooden top or cloth or laminate: black, white or coloured, with print."""
    w, h = _size(rng)
    img = _backdrop(rng, h, w)
    key = rng.random()
    colour = (np.full(3, rng.uniform(10, 45)) if key < 0.25 else np.full(3, rng.uniform(215, 250)) if key < 0.5
              else _colour(rng)).astype(np.float32)
    item = finish(surface(h, w, rng, colour, fine=rng.uniform(1, 5)))
    m = np.zeros((h, w), np.uint8)
    cx, cy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.35, 0.65)
    iw, ih = w * rng.uniform(0.3, 0.7), h * rng.uniform(0.3, 0.7)
    if rng.random() < 0.5:
        cv2.fillConvexPoly(m, cv2.boxPoints(((cx, cy), (iw, ih), rng.uniform(-30, 30))).astype(np.int32), 1,
                           cv2.LINE_AA)
    else:
        cv2.ellipse(m, (int(cx), int(cy)), (int(iw / 2), int(ih / 2)), rng.uniform(0, 180), 0, 360, 1, -1, cv2.LINE_AA)
    ink = np.full(3, 230 if colour.mean() < 80 else 25, np.float32)
    text_block(item, rng, cx - iw / 3, cy - ih / 3, cx + iw / 3, cy + ih / 4, ink=ink)
    for _ in range(int(rng.integers(0, 3))):  # logo marks
        cv2.circle(item, (int(cx + rng.uniform(-iw, iw) / 4), int(cy + ih / 3.2)), int(rng.uniform(4, 14)),
                   ink.tolist(), int(rng.integers(1, 3)), cv2.LINE_AA)
    shadow = cv2.GaussianBlur(np.roll(m.astype(np.float32), (6, 6), (0, 1)), (0, 0), rng.uniform(4, 14))
    img *= (1 - 0.3 * shadow)[..., None]
    mf = cv2.GaussianBlur(m.astype(np.float32), (0, 0), 0.7)[..., None]
    lit = item.astype(np.float32)
    if key >= 0.25 and key < 0.5 and rng.random() < 0.5:  # a white box under the ring light: its top face clips
        lit *= rng.uniform(1.1, 1.4)
    img = img * (1 - mf) + lit * mf
    for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.4 else 0):  # glossy packaging, a screw head
        img = shine(img, rng, cx + rng.uniform(-0.4, 0.4) * iw, cy + rng.uniform(-0.4, 0.4) * ih)
    return finish(light(img, rng, 0.3) * rng.uniform(0.9, 1.15))


def textile(rng) -> np.ndarray:
    """Cloth filling the frame (a returned garment): weave, folds, sometimes a printed motif."""
    w, h = _size(rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    p = rng.uniform(2.2, 6)
    weave = (np.sin(xx * np.pi / p) + np.sin(yy * np.pi / p * rng.uniform(0.8, 1.2))) * rng.uniform(3, 12)
    folds = 1 + grain(h, w, rng, rng.uniform(0.05, 0.2), rng.uniform(20, 60))
    img = (surface(h, w, rng, _colour(rng, 15, 245)) + weave[..., None]) * folds[..., None]
    img = finish(img)
    if rng.random() < 0.4:
        text_block(img, rng, w * 0.2, h * 0.3, w * 0.8, h * 0.6, ink=_colour(rng))
    return finish(light(img.astype(np.float32), rng, 0.2))


SCENES = {"soft": soft_objects, "document": document, "parcel": parcel, "product": product, "textile": textile}
