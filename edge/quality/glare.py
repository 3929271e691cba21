"""Glare measures (camera → gate): the clipped highlights of a frame, their shape and their surroundings.

Part of the gate's measures (features.py); computed on the half-size grey copy, only when something clips.
"""

from __future__ import annotations

import cv2
import numpy as np

GLARE_NAMES = (
    "glare_blob", "glare_blobs", "glare_blob_holes", "glare_blob_solidity", "glare_spot", "glare_spot_holes",
    "glare_spot_solidity", "glare_spot_elongation", "glare_spot_halo", "glare_spot_halo_far", "glare_spot_texture",
    "glare_edge_bright", "glare_edge_bright_far", "glare_edge_hardness", "glare_edge_texture_far",
)
SPOT_MIN = 0.0015  # share of the frame: a third of the smallest glare spot in the training faults


def _blob_shape(mask: np.ndarray, area: float) -> tuple[float, float]:
    """(holes, solidity) of one blob: print inside white paper leaves holes; a label or paper edge
    is rarely as round as a highlight."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    big = max(contours, key=cv2.contourArea)
    rim = 0.5 * cv2.arcLength(big, True) + 1  # contours run through pixel centres: add half the rim
    filled = cv2.contourArea(big) + rim
    hull = cv2.contourArea(cv2.convexHull(big)) + rim
    return float(np.clip(1 - area / filled, 0, 1)), float(np.clip(filled / hull, 0, 1))


def _elongation(mask: np.ndarray) -> float:
    """Log of the ratio of a blob's long to short axis (from its second moments): a highlight is round or
    oval, a lit wall, a window or the edge of a sheet is long."""
    m = cv2.moments(mask, binaryImage=True)
    if m["m00"] < 2:
        return 0.0
    a, b, c = m["mu20"] / m["m00"], m["mu11"] / m["m00"], m["mu02"] / m["m00"]
    dev = np.hypot((a - c) / 2, b)
    return float(0.5 * np.log(((a + c) / 2 + dev + 0.1) / ((a + c) / 2 - dev + 0.1)))


def _blob_profile(half, alap, labels, stats, i, texture0) -> list[float]:
    """Shape of blob `i` and the light around it: just outside, and 3 to 8 pixels out."""
    x, y, w, h, area = (int(v) for v in stats[i])
    y0, y1, x0, x1 = max(0, y - 9), min(half.shape[0], y + h + 9), max(0, x - 9), min(half.shape[1], x + w + 9)
    m = (labels[y0:y1, x0:x1] == i).astype(np.uint8)
    near = cv2.dilate(m, np.ones((5, 5), np.uint8))
    far = cv2.dilate(near, np.ones((11, 11), np.uint8))
    ring, outer = near - m, far - near
    img, tex = half[y0:y1, x0:x1], alap[y0:y1, x0:x1]
    halo = float(cv2.mean(img, ring)[0]) / 255 if ring.any() else 1.0
    halo_far = float(cv2.mean(img, outer)[0]) / 255 if outer.any() else 1.0
    texture = float(np.log1p(cv2.mean(tex, outer)[0]) - texture0) if outer.any() else 0.0
    holes, solidity = _blob_shape(m, area)
    return [area / half.size, holes, solidity, _elongation(m), halo, halo_far, texture]


def glare_measures(half: np.ndarray, lap_half: np.ndarray) -> list[float]:
    """The clipped blobs of a frame: the largest one, and the one that looks most like a highlight.

    Glare is a few solid, round, clipped spots that fade out in a bright, featureless halo a few pixels
    wide; over-exposure clips everywhere; white paper clips in large shapes with print holes in them and
    keeps its print up to the clipped edge; a label or a white box stops at a hard, darker edge; a matte
    white surface fades out slowly, still bright far from the clipped part.
    """
    mask = (half >= 250).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return [0.0] * len(GLARE_NAMES)
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    big = 1 + int(np.argmax(areas))
    blobs = float(np.log1p((areas > 0.001 * half.size).sum()))
    alap = cv2.convertScaleAbs(lap_half)
    texture0 = float(np.log1p(cv2.mean(alap)[0]))
    # spots big enough to hide a defect (a speck of shine on a screw head is not glare)
    candidates = [1 + int(j) for j in np.argsort(-areas)[:4] if areas[j] >= SPOT_MIN * half.size]
    profiles = {i: _blob_profile(half, alap, labels, stats, i, texture0) for i in candidates}
    largest = profiles.get(big) or _blob_profile(half, alap, labels, stats, big, texture0)
    # the most highlight-like: solid, no print inside, bright right outside
    spot = (profiles[max(candidates, key=lambda i: profiles[i][2] * (1 - profiles[i][1]) * profiles[i][4])]
            if candidates else [0.0] * 7)
    # all clipped edges together: how much of what lies right outside them is bright (a halo, paper) and
    # how hard the edge is there (a label's edge, print), and 4 to 7 pixels out: still bright (a matte
    # white surface, paper) or back to the item, with print or grain (not a featureless halo)
    d1 = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    d4 = cv2.dilate(d1, np.ones((7, 7), np.uint8))
    d7 = cv2.dilate(d4, np.ones((7, 7), np.uint8))
    ring_in, ring_out = d1 - mask, d7 - d4
    bright = (half >= 200).view(np.uint8)
    ring = [float(cv2.mean(bright, ring_in)[0]), float(cv2.mean(bright, ring_out)[0]),
            float(np.log1p(cv2.mean(alap, ring_in)[0])) - texture0,
            float(np.log1p(cv2.mean(alap, ring_out)[0])) - texture0]
    return [largest[0], blobs, largest[1], largest[2], *spot, *ring]
