"""Sample desk photos for the demo and tests: a textured desk with a returned item in the marked zone.

Generated, not shipped: deterministic for a seed, sized like a real still when asked.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def desk_photo(seed: int, width: int = 1280, height: int = 960, *, item: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.array([150, 160, 170], np.float32) + rng.uniform(-15, 15, 3)
    img = np.empty((height, width, 3), np.float32)
    img[:] = base
    grain = cv2.GaussianBlur(rng.normal(0, 10, (height, width)).astype(np.float32), (0, 0), 3)
    img += grain[..., None]
    # light falloff from a ring light above the centre
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r = np.hypot((xx - width / 2) / width, (yy - height / 2) / height)
    img *= (1.05 - 0.35 * r)[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    if item:
        cx, cy = width * rng.uniform(0.42, 0.58), height * rng.uniform(0.42, 0.58)
        w, h = width * rng.uniform(0.25, 0.4), height * rng.uniform(0.25, 0.4)
        angle = rng.uniform(-25, 25)
        box = cv2.boxPoints(((cx, cy), (w, h), angle)).astype(np.int32)
        color = rng.uniform(30, 220, 3).round()
        cv2.fillConvexPoly(img, box, color.tolist(), lineType=cv2.LINE_AA)
        # print and texture on the item so it has detail to be sharp about
        for _ in range(12):
            p = (int(cx + rng.uniform(-w / 3, w / 3)), int(cy + rng.uniform(-h / 3, h / 3)))
            cv2.putText(img, "SKU" + str(rng.integers(1000, 9999)), p, cv2.FONT_HERSHEY_SIMPLEX,
                        width / 1800, (color * 0.3).tolist(), max(1, width // 700), cv2.LINE_AA)
        # the defect: a scratch
        p1 = (int(cx - w * 0.3), int(cy - h * 0.2))
        p2 = (int(cx + w * 0.25), int(cy + h * 0.15))
        cv2.line(img, p1, p2, (240, 240, 240), max(2, width // 400), cv2.LINE_AA)
    return img


def encode_jpeg(img: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def write_samples(folder: Path, count: int = 8, width: int = 1280, height: int = 960, seed: int = 0) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = folder / f"desk-{i:03d}.jpg"
        if not p.exists():
            p.write_bytes(encode_jpeg(desk_photo(seed + i, width, height)))
        paths.append(p)
    return paths
