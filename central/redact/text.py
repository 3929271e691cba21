"""Redaction → text: OCR (tesseract in-process through tesserocr, with Debian's English data) for this
customer's own strings (name, address, e-mail, phone, order id; normalised and fuzzy) and for label-like
address blocks."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from PIL import Image, ImageOps

from central.redact.engine import Shared
from central.redact.regions import Customer, Region, grey_view, normalize

NAME = "text"
OCR_SIDE = 1600
# One tesseract thread per process: the packet already uses every core with one process each.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_PHONE = re.compile(r"(?:\+|\b)\d[\d ()/.-]{7,}\d\b")
_ADDRESS_CUES = re.compile(
    r"\b(ship\s*to|deliver\s*to|to:|an:|from:|street|str\.?|strasse|straße|road|rd\.?|ave(nue)?|lane|"
    r"blvd|drive|dr\.?|st\.?|pkwy|suite|apt|po box)\b|\b\d{5}(-\d{4})?\b|\b[A-Z]{1,2}\d{1,2} ?\d[A-Z]{2}\b",
    re.IGNORECASE)


@dataclass
class Word:
    text: str
    conf: float
    box: tuple[int, int, int, int]

    @property
    def norm(self) -> str:
        return normalize(self.text)


def text_zones(grey: Image.Image, max_zones: int = 12) -> list[tuple[int, int, int, int]] | None:
    """Where printed text can be: strokes with strong edges packed into word-shaped blobs (OpenCV
    morphology, a few ms). Returns padded zones, or None when text is everywhere (OCR the whole image)."""
    import cv2
    import numpy as np

    a = np.asarray(grey)
    grad = cv2.morphologyEx(a, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    _, bw = cv2.threshold(grad, 60, 255, cv2.THRESH_BINARY)
    closed = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(closed)
    words = [tuple(int(v) for v in stats[i][:4]) for i in range(1, n)
             if 7 <= stats[i][3] <= 120 and stats[i][2] >= 1.2 * stats[i][3]
             and stats[i][4] > 0.4 * stats[i][2] * stats[i][3]]
    if not words:
        return []
    # Grow each word by a few line heights so a block's words (and a lone short word) fall in one zone.
    zones = [_grow(b, 2 * b[3], grey.size) for b in words]
    zones = _merge(zones)
    if len(zones) > max_zones or sum(z[2] * z[3] for z in zones) > 0.5 * grey.width * grey.height:
        return None
    return zones


def _grow(b, pad, size):
    x0, y0 = max(0, b[0] - pad), max(0, b[1] - pad)
    x1, y1 = min(size[0], b[0] + b[2] + pad), min(size[1], b[1] + b[3] + pad)
    return x0, y0, x1 - x0, y1 - y0


def _merge(boxes):
    boxes = list(boxes)
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] <= b[0] + b[2] and b[0] <= a[0] + a[2] and a[1] <= b[1] + b[3] and b[1] <= a[1] + a[3]:
                    boxes[i] = _union([a, b])
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes


def tessdata() -> str:
    """Where the English model lies: $TESSDATA_PREFIX, else Debian's tesseract-ocr-eng (the wheel's own
    library has no data of its own)."""
    found = [os.environ.get("TESSDATA_PREFIX", "")] + sorted(
        glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True) + ["/usr/share/tessdata",
                                                                            "/usr/local/share/tessdata"]
    for d in found:
        if d and os.path.exists(os.path.join(d, "eng.traineddata")):
            return d
    raise RuntimeError("no tesseract data (eng.traineddata): install Debian's tesseract-ocr-eng "
                       "(make system-deps) or set TESSDATA_PREFIX")


def _load_tesseract():
    """One engine per process, loaded once (a tesseract process per call cost ~0.1 s of start-up)."""
    import tesserocr

    return tesserocr.PyTessBaseAPI(path=tessdata(), lang="eng", psm=tesserocr.PSM.SPARSE_TEXT,
                                   variables={"tessedit_do_invert": "0"})


ENGINE = Shared(_load_tesseract)


def _tesseract(grey: Image.Image) -> list[Word]:
    from tesserocr import RIL, iterate_level

    words = []
    with ENGINE.use() as api:
        api.SetImage(grey)
        api.Recognize()
        page = api.GetIterator()
        for it in iterate_level(page, RIL.WORD) if page is not None else ():
            try:
                t = it.GetUTF8Text(RIL.WORD).strip()
            except RuntimeError:  # tesserocr's word for "this element holds no text"
                continue
            conf = float(it.Confidence(RIL.WORD))
            box = it.BoundingBox(RIL.WORD)
            if t and conf >= 0 and box:
                words.append(Word(t, conf, (box[0], box[1], box[2] - box[0], box[3] - box[1])))
        api.Clear()
    return words


def ocr_words(img: Image.Image, side: int = OCR_SIDE) -> tuple[list[Word], float]:
    """Words tesseract reads (sparse-text mode, so labels in a photo are found), boxes in img pixels.

    Only the zones that look like print are read: they are stacked into one small mosaic and OCR'd in a
    single tesseract call, which keeps a photo without text nearly free."""
    view, scale = grey_view(img, side)
    grey = ImageOps.autocontrast(view)
    zones = text_zones(grey)
    if zones is None:
        found = _tesseract(grey)
    elif not zones:
        found = []
    else:
        found = _mosaic_ocr(grey, zones)
    return [Word(w.text, w.conf, tuple(round(v / scale) for v in w.box)) for w in found], scale


def _mosaic_ocr(grey: Image.Image, zones) -> list[Word]:
    gap = 24
    width = max(z[2] for z in zones) + 2 * gap
    height = sum(z[3] + gap for z in zones) + gap
    canvas = Image.new("L", (width, height), 255)
    slots, y = [], gap
    for z in zones:
        canvas.paste(grey.crop((z[0], z[1], z[0] + z[2], z[1] + z[3])), (gap, y))
        slots.append((y, z))
        y += z[3] + gap
    out = []
    for w in _tesseract(canvas):
        cy = w.box[1] + w.box[3] / 2
        for top, z in slots:
            if top <= cy < top + z[3]:
                out.append(Word(w.text, w.conf, (w.box[0] - gap + z[0], w.box[1] - top + z[1], w.box[2], w.box[3])))
                break
    return out


def _lines(words: list[Word]) -> list[list[Word]]:
    """Words side by side at the same height, left to right (sparse mode gives no reliable lines)."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.box[1], w.box[0])):
        x, y, ww, h = w.box
        for line in lines:
            last = line[-1]
            lx, ly, lw, lh = last.box
            overlap = min(y + h, ly + lh) - max(y, ly)
            if overlap > 0.5 * min(h, lh) and -lh < x - (lx + lw) < 3 * max(h, lh):
                line.append(w)
                break
        else:
            lines.append([w])
    return lines


def _union(boxes) -> tuple[int, int, int, int]:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def _similar(a: str, b: str) -> float:
    if b in a and len(b) >= 5:
        return 1.0
    if abs(len(a) - len(b)) > max(2, len(b) // 4):
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def customer_matches(words: list[Word], customer: Customer | None, threshold: float = 0.84):
    """(field, score, words) for each run of up to five words in a line that reads as a customer value."""
    needles = customer.needles() if customer else []
    if not needles:
        return []
    hits = []
    for line in _lines(words):
        for i in range(len(line)):
            for j in range(i + 1, min(len(line), i + 5) + 1):
                run = line[i:j]
                joined = "".join(w.norm for w in run)
                if len(joined) < 4:
                    continue
                for field, needle in needles:
                    score = _similar(joined, needle)
                    if score >= threshold:
                        hits.append((field, score, run))
    return hits


def _blocks(lines: list[list[Word]]) -> list[list[list[Word]]]:
    """Lines stacked close under each other with overlapping x: one printed block (a label, an address)."""
    blocks: list[list[list[Word]]] = []
    for line in sorted(lines, key=lambda ln: _union([w.box for w in ln])[1]):
        bx, by, bw, bh = _union([w.box for w in line])
        for block in blocks:
            px, py, pw, ph = _union([w.box for w in block[-1]])
            if 0 <= by - (py + ph) < 1.5 * max(bh, ph) and min(bx + bw, px + pw) > max(bx, px):
                block.append(line)
                break
        else:
            blocks.append([line])
    return blocks


def label_blocks(words: list[Word], min_conf: float = 55) -> list[tuple[str, list[Word]]]:
    """Address-like blocks (3+ lines with an address cue) and lone e-mail addresses / phone numbers."""
    sure = [w for w in words if w.conf >= min_conf and len(w.norm) >= 1]
    out = []
    lines = _lines(sure)
    for block in _blocks(lines):
        text = "\n".join(" ".join(w.text for w in line) for line in block)
        if len(block) >= 3 and _ADDRESS_CUES.search(text) and sum(len(w.norm) for ln in block for w in ln) >= 15:
            out.append(("address-like block of %d lines" % len(block), [w for ln in block for w in ln]))
    for line in lines:
        text = " ".join(w.text for w in line)
        if _EMAIL.search(text):
            out.append(("e-mail address", [w for w in line if "@" in w.text] or line))
        elif _PHONE.search(text) and sum(c.isdigit() for c in text) >= 8:
            out.append(("phone-number-like digits", line))
    return out


def detect(img: Image.Image, customer: Customer | None = None, words: list[Word] | None = None) -> list[Region]:
    if words is None:
        words, _ = ocr_words(img)
    out = []
    for field, score, run in customer_matches(words, customer):
        out.append(Region(NAME, _union([w.box for w in run]), round(score, 3),
                          f"reads as the customer's {field} (OCR, fuzzy {score:.2f})"))
    for why, block in label_blocks(words):
        conf = sum(w.conf for w in block) / len(block) / 100
        out.append(Region(NAME, _union([w.box for w in block]), round(conf, 3), f"label text: {why}"))
    return [r.padded(0.15, img.size, min_px=6) for r in out]
