"""Label cross-check (camera → desk): read the barcodes visible in a photo and compare them with the scanned return.

A label in the photo that carries a different return ref means the wrong item is on the desk; the
result travels with the photo as the header's `label_check`: {"codes": [...], "match": true|false|null}
(null: no code was readable, which is normal for a close-up of a defect).
"""

from __future__ import annotations

import re
import time

import cv2
import numpy as np


def read_codes(image_bgr: np.ndarray, max_side: int = 2000) -> list[str]:
    """Texts of all barcodes zxing-cpp finds, in reading order, without repeats.

    A 12 MP still is scaled down first: labels sit large in a desk photo and the full frame costs
    several times more for no gain in read rate.
    """
    import zxingcpp  # only when a photo is checked: the desk module must load without it

    img = image_bgr
    h, w = img.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1:
        img = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    codes: list[str] = []
    for result in zxingcpp.read_barcodes(gray):
        if result.valid and result.text and result.text not in codes:
            codes.append(result.text)
    return codes


def _norm(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def cross_check(codes: list[str], return_ref: str, return_pattern: str | None = None) -> bool | None:
    """True: a code carries the return ref. False: a return label is visible and it is another return.
    None: nothing in the photo says either way (no codes, or only codes that are not return labels)."""
    if not codes:
        return None
    want = _norm(return_ref)
    if any(want and want in _norm(c) for c in codes):
        return True
    if return_pattern is None:
        return False
    pattern = re.compile(return_pattern)
    return False if any(pattern.search(c) for c in codes) else None


def check_label(image_bgr: np.ndarray, return_ref: str, return_pattern: str | None = None) -> dict:
    t0 = time.perf_counter()
    codes = read_codes(image_bgr)
    return {"codes": codes, "match": cross_check(codes, return_ref, return_pattern),
            "ms": round((time.perf_counter() - t0) * 1000, 1)}
