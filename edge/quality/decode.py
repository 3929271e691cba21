"""Image bytes from outside → pixels (files → gate, folder camera): sized from the header, refused when cut or corrupt.

JPEGs are decoded by libjpeg-turbo through simplejpeg in strict mode, the decoder and the mode the hub's
ingest uses: what libjpeg only warns about (a segment cut short, bad Huffman codes, stray bytes) is an
error here too, where OpenCV would fill the rest of the picture grey and hand it over. So a still the
kiosk accepts is one the hub accepts.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import simplejpeg
from PIL import Image, UnidentifiedImageError

def _strict_mode() -> dict:
    """simplejpeg has had `strict` since 1.7; an older one (a distribution's, under picamera2) decodes
    leniently, and the station says so once in its log rather than failing every check."""
    import inspect
    import logging

    try:
        if "strict" in inspect.signature(simplejpeg.decode_jpeg).parameters:
            return {"strict": True}
    except (TypeError, ValueError):  # a compiled function without a signature: try it
        try:
            simplejpeg.decode_jpeg(b"", strict=True)
        except TypeError:
            pass
        except Exception:
            return {"strict": True}
    logging.getLogger(__name__).warning(
        "simplejpeg %s has no strict decoding: a JPEG cut short may be judged on its grey fill; "
        "simplejpeg 1.7 or later catches it", getattr(simplejpeg, "__version__", "?"))
    return {}


STRICT = _strict_mode()
JPEG_FORMATS = ("JPEG", "MPO")  # MPO: a phone's JPEG with a second picture after the first
EXIF_ORIENTATION = 0x0112


class DecodeError(ValueError):
    """The bytes are not a complete, intact image; the message says why."""


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) read from the header only; None when it is not an image we know."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.format or "", int(im.size[0]), int(im.size[1])
    except Image.DecompressionBombError:  # Pillow's own header check, far over our limit too
        return "", 0, 0
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def orientation(data: bytes) -> int:
    """The EXIF orientation tag (1 = upright); phones store the picture sideways and say so there."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return int(im.getexif().get(EXIF_ORIENTATION, 1))
    except Exception:  # a broken EXIF block is not a broken picture
        return 1


def looks_complete(fmt: str, data: bytes) -> bool:
    """A JPEG ends with EOI and a PNG with IEND; a cut-off upload does not (OpenCV would pad it grey)."""
    if fmt in JPEG_FORMATS:
        end = data.rfind(b"\xff\xd9")  # phones pad after it with zeros, sometimes for hundreds of KB
        return end > 0 and not data[end + 2:].strip(b"\0\r\n")
    if fmt == "PNG":
        return b"IEND" in data[-32:]
    return True


def reduction(width: int, height: int, side: int) -> int:
    """The largest JPEG DCT downscale (8, 4, 2 or 1) that still leaves a longest side of at least `side`."""
    for factor in (8, 4, 2):
        if max(width, height) // factor >= side:
            return factor
    return 1


def upright(img: np.ndarray, tag: int) -> np.ndarray:
    """Apply an EXIF orientation, as OpenCV's imread and Pillow's exif_transpose do."""
    if tag == 2:
        return cv2.flip(img, 1)
    if tag == 3:
        return cv2.rotate(img, cv2.ROTATE_180)
    if tag == 4:
        return cv2.flip(img, 0)
    if tag == 5:
        return cv2.transpose(img)
    if tag == 6:
        return cv2.rotate(img, cv2.ROTATE_90_CLOCKWISE)
    if tag == 7:
        return cv2.rotate(cv2.transpose(img), cv2.ROTATE_180)
    if tag == 8:
        return cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return img


def decode(data: bytes, fmt: str, width: int, height: int, factor: int = 1) -> tuple[np.ndarray, tuple[int, int]]:
    """BGR pixels turned upright, and the full (width, height) upright; a JPEG is scaled by 1/`factor` in the
    inverse DCT (every scan is still Huffman-decoded, so corruption anywhere is found).

    Call after image_size and looks_complete; raises DecodeError for a picture that does not decode intact.
    """
    if fmt in JPEG_FORMATS:
        try:
            # the smallest libjpeg scale at least this big is exactly 1/factor (scaled sizes round up)
            img = simplejpeg.decode_jpeg(data, colorspace="BGR", min_width=-(-width // factor),
                                         min_height=-(-height // factor), **STRICT)
        except ValueError as e:
            raise DecodeError(str(e)) from None
        tag = orientation(data)
        return upright(img, tag), ((height, width) if tag >= 5 else (width, height))
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise DecodeError("cannot decode")
    return img, (img.shape[1], img.shape[0])


def read_file(path: Path | str, max_bytes: int) -> bytes:
    """A file's bytes, refusing one too large to be a photo before reading it."""
    try:
        p = Path(path)
        if p.stat().st_size > max_bytes:
            raise DecodeError("file too large")
        return p.read_bytes()
    except OSError as e:
        raise DecodeError(e.strerror or "cannot read") from None


def read_image(data: bytes, *, max_pixels: int, max_side: int, side: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Checked from the header (size limits, completeness) before any pixel is decoded, then decoded so that
    the longest side is still at least `side`; returns the pixels and the full (width, height) upright."""
    if not data:
        raise DecodeError("empty file")
    info = image_size(data)
    if info is None:
        raise DecodeError("not an image")
    fmt, w, h = info
    if w <= 0 or h <= 0 or w > max_side or h > max_side or w * h > max_pixels:
        size = f"{w}x{h} pixels is" if w * h else "its size is"  # Pillow refuses a bomb before naming its size
        raise DecodeError(f"{size} over the limit ({max_pixels:,} pixels, {max_side:,} a side)")
    if not looks_complete(fmt, data):
        raise DecodeError("truncated file")
    try:
        return decode(data, fmt, w, h, reduction(w, h, side))
    except DecodeError as e:  # a JPEG cut and its end marker put back, bad Huffman codes: the hub refuses it too
        raise DecodeError(f"corrupt picture: {e}") from None
