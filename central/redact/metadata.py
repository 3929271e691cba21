"""Redaction → metadata: orientation applied, EXIF/XMP/IPTC/ICC/comments dropped, pixels re-encoded."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

Image.MAX_IMAGE_PIXELS = 60_000_000  # a decompression bomb is refused before decoding

NAME = "metadata"


def clean(img: Image.Image, max_side: int | None = None) -> Image.Image:
    """Upright RGB pixels with nothing attached (a fresh image, so no info dict travels along).
    `img` is a just-opened file and is used up: draft, orientation and size are applied to it in place."""
    if max_side and img.format == "JPEG" and max(img.size) > max_side:
        # DCT scaling: decode a 12 MP JPEG straight at 1/2 or 1/4 size when that still covers max_side.
        s = max_side / max(img.size)
        img.draft("RGB", (int(img.width * s), int(img.height * s)))
    ImageOps.exif_transpose(img, in_place=True)  # in place: no copy of the pixels when already upright
    if max_side and max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    fresh = Image.new("RGB", img.size)
    fresh.paste(img if img.mode == "RGB" else img.convert("RGB"))
    return fresh


def encode(img: Image.Image, quality: int = 88) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=False)
    return buf.getvalue()


# JPEG markers that carry only pixels and their coding; anything else (APP1 EXIF/XMP, APP13 IPTC,
# APP2 ICC, COM comments, ...) is metadata. APP0 is the bare JFIF header Pillow writes.
_PIXEL_MARKERS = {0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xDA, 0xE0}


def leftovers(data: bytes) -> list[str]:
    """Metadata still in a file: [] for a clean JPEG/PNG; names of the segments found otherwise."""
    if data[:2] == b"\xff\xd8":
        return _jpeg_leftovers(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _png_leftovers(data)
    return ["not a JPEG or PNG"]


def _jpeg_leftovers(data: bytes) -> list[str]:
    found, i = [], 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return found + ["corrupt marker stream"]
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker not in _PIXEL_MARKERS:
            found.append(f"JPEG segment 0x{marker:02X}")
        elif marker == 0xE0 and not data[i + 4:i + 9] == b"JFIF\x00":
            found.append("APP0 that is not JFIF")
        if marker == 0xDA:  # start of scan: pixels follow, no more header segments
            break
        i += 2 + length
    return found


def _png_leftovers(data: bytes) -> list[str]:
    found, i = [], 8
    allowed = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"}
    while i + 8 <= len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8]
        if kind not in allowed:
            found.append(f"PNG chunk {kind.decode('latin-1')}")
        i += 12 + length
    return found


def file_leftovers(path: Path) -> list[str]:
    return leftovers(Path(path).read_bytes())
