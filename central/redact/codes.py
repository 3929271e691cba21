"""Redaction → codes: every barcode and 2-D code zxing-cpp reads is covered, whatever it encodes.

Two passes (downscaled and working resolution) so both big and small codes are found; the caller
re-scans after burning, so a code read only partly the first time is caught on the next pass.
"""

from __future__ import annotations

import hashlib

import zxingcpp
from PIL import Image

from central.redact.regions import Region, box_of_points, grey_view

NAME = "code"
PASS_SIDES = (1280, None)  # None: the image as given

_LINEAR = {"code128", "code39", "code93", "codabar", "ean13", "ean8", "itf", "upca", "upce",
           "databar", "databarexpanded", "databarlimited", "dxfilmedge"}


def read(img: Image.Image, sides=PASS_SIDES) -> list[tuple[str, str, tuple[int, int, int, int]]]:
    """(format, text, box in img pixels) for every code found in any pass; duplicates kept apart by box."""
    found = []
    for side in sides:
        view, scale = grey_view(img, side)
        if side is not None and scale == 1.0:
            continue
        for bc in zxingcpp.read_barcodes(view):
            p = bc.position
            pts = [(q.x / scale, q.y / scale) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
            found.append((str(bc.format).split(".")[-1], bc.text, box_of_points(pts)))
    return found


def detect(img: Image.Image, customer=None) -> list[Region]:
    out = []
    seen: list[tuple[str, tuple]] = []
    for fmt, text, box in read(img):
        if any(t == text and _near(b, box) for t, b in seen):
            continue  # the same code found again by the second pass
        seen.append((text, box))
        x, y, w, h = box
        if fmt.lower().replace(" ", "").replace("-", "") in _LINEAR or h < 0.2 * w or w < 0.2 * h:
            # A 1-D code is reported as its scan line: grow it across the bars' full height.
            long_side = max(w, h)
            if w >= h:
                y, h = y + h // 2 - long_side // 5, max(h, 2 * (long_side // 5))
            else:
                x, w = x + w // 2 - long_side // 5, max(w, 2 * (long_side // 5))
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        r = Region(NAME, (x, y, w, h), 1.0, f"{fmt} code (content sha256 {digest}…, not shown)")
        out.append(r.padded(0.12, img.size, min_px=8))
    for box in bullseyes(img):
        out.append(Region(NAME, box, 0.9, "MaxiCode bullseye (shipping-label code with name and address)")
                   .padded(0.0, img.size))
    return out


def _near(a, b) -> bool:
    return abs(a[0] - b[0]) + abs(a[1] - b[1]) < 0.2 * max(a[2], a[3], 1)


def bullseyes(img: Image.Image, side: int = 1600) -> list[tuple[int, int, int, int]]:
    """MaxiCode symbols by their bullseye (nested concentric rings): zxing-cpp reads MaxiCode only when
    the symbol fills the image, but a shipping label's MaxiCode carries the name and address."""
    import cv2
    import numpy as np

    grey, scale = grey_view(img, side)
    bw = cv2.adaptiveThreshold(np.asarray(grey), 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 31, 5)
    contours, hier = cv2.findContours(bw, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hier is None:
        return []
    hier = hier[0]

    def ring(i):
        c = contours[i]
        area, perim = cv2.contourArea(c), cv2.arcLength(c, True)
        if area < 12 or perim == 0 or 4 * np.pi * area / perim ** 2 < 0.82:
            return None
        (x, y), r = cv2.minEnclosingCircle(c)
        return x, y, r

    out = []
    # Only a contour with a child can start a chain of five rings: most (specks of texture) have none.
    for i in np.flatnonzero(hier[:, 2] >= 0):
        outer = ring(i)
        if outer is None or hier[i][3] >= 0 and ring(hier[i][3]) is not None:
            continue  # count chains from their outermost ring only
        depth, j, cur = 1, hier[i][2], outer
        while j >= 0:
            inner = ring(j)
            if inner is None or np.hypot(inner[0] - outer[0], inner[1] - outer[1]) > 0.15 * outer[2] \
                    or inner[2] >= cur[2]:
                break
            depth, cur, j = depth + 1, inner, hier[j][2]
        if depth >= 5:
            x, y, r = outer
            half = 3.4 * r  # the symbol is about three bullseyes wide
            out.append(tuple(round(v / scale) for v in (x - half, y - half, 2 * half, 2 * half)))
    return out
