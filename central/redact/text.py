"""Redaction → text: OCR (Debian's tesseract-ocr via pytesseract) for this customer's own strings
(name, address, e-mail, phone, order id; normalised and fuzzy) and for label-like address blocks."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from PIL import Image, ImageOps

from central.redact.regions import Customer, Region, normalize

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


def ocr_words(img: Image.Image, side: int = OCR_SIDE) -> tuple[list[Word], float]:
    """Words tesseract reads (sparse-text mode, so labels in a photo are found), boxes in img pixels."""
    import pytesseract

    scale = min(1.0, side / max(img.size))
    grey = ImageOps.autocontrast(img.convert("L"))
    if scale < 1.0:
        grey = grey.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BILINEAR)
    data = pytesseract.image_to_data(grey, config="--psm 11", output_type=pytesseract.Output.DICT)
    words = []
    for i, t in enumerate(data["text"]):
        t = (t or "").strip()
        conf = float(data["conf"][i])
        if not t or conf < 0:
            continue
        box = tuple(round(data[k][i] / scale) for k in ("left", "top", "width", "height"))
        words.append(Word(t, conf, box))
    return words, scale


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
