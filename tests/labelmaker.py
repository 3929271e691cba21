"""Test data for redaction: shipping labels with a planted customer, pasted onto real photos."""

from __future__ import annotations

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

CANARY = {
    "name": "Wilhelmina Quartermaine",
    "address": "742 Evergreen Terrace, Springfield 49007",
    "email": "wilhelmina.q@example.org",
    "phone": "+1 555 867 5309",
    "order_id": "ORD-7731-55902",
}


def code_image(text: str, fmt: str = "Code128", scale: int = 4) -> Image.Image:
    bc = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt))
    arr = np.asarray(zxingcpp.write_barcode_to_image(bc, scale=scale, add_quiet_zones=True))
    return Image.fromarray(arr).convert("RGB")


def label(customer: dict = CANARY, width: int = 900, fmt: str = "Code128") -> Image.Image:
    """A white shipping label: address block, e-mail, phone, a code carrying the order id."""
    font = ImageFont.load_default(size=34)
    lines = ["SHIP TO:", customer["name"], *customer["address"].split(", "), customer["email"],
             customer["phone"], f"Order {customer['order_id']}"]
    code = code_image(customer["order_id"], fmt, scale=3 if fmt == "Code128" else 8)
    h = 40 + 46 * len(lines) + code.height + 40
    img = Image.new("RGB", (width, h), "white")
    d = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        d.text((30, 30 + 46 * i), line, fill="black", font=font)
    img.paste(code, (30, 40 + 46 * len(lines)))
    return img


def on_photo(photo: Image.Image, stuck: Image.Image, at=(0.1, 0.1), width_frac: float = 0.45) -> Image.Image:
    """Paste a label onto a photo, sized as a fraction of the photo's width."""
    photo = photo.convert("RGB").copy()
    w = round(photo.width * width_frac)
    stuck = stuck.resize((w, round(stuck.height * w / stuck.width)), Image.Resampling.LANCZOS)
    photo.paste(stuck, (round(photo.width * at[0]), round(photo.height * at[1])))
    return photo


def jpeg(img: Image.Image, exif_text: str | None = None, quality: int = 90) -> bytes:
    """JPEG bytes; with `exif_text` the customer's name also hides in EXIF and a comment."""
    import io

    buf = io.BytesIO()
    kw = {}
    if exif_text:
        exif = Image.Exif()
        exif[0x010E] = exif_text  # ImageDescription
        exif[0x013B] = exif_text  # Artist
        kw = {"exif": exif, "comment": exif_text.encode()}
    img.convert("RGB").save(buf, "JPEG", quality=quality, **kw)
    return buf.getvalue()


def store_photo(data_dir, data: bytes) -> str:
    """Put raw bytes into the hub's photo store the way ingest does; returns the sha256."""
    import hashlib

    from central.store import PhotoStore

    sha = hashlib.sha256(data).hexdigest()
    PhotoStore(data_dir / "photos").put(sha, data)
    return sha


def claim_json(photos: list[dict], **over) -> dict:
    """An approved claim version in the shape `returns-hub packet export --claim-json` reads."""
    claim = {
        "claim_id": "CL-1", "version": 2, "status": "approved", "approved_at": "2026-11-20T10:00:00Z",
        "approved_by": "buyer.anna", "po": "PO-4471", "supplier": "Acme Textiles",
        "summary": "Seams split on the left sleeve across one shipment batch.",
        "supplier_question": "Please confirm whether batch B-17 used the new thread supplier.",
        "timing": "Supplier answer due 2026-12-04; remaining evidence by 2026-12-01.",
        "approval_boundary": "Approved: send this packet for PO-4471, version 2 only; no credit agreed.",
        "changes": ["quantity: 3 -> 5", "label: corrected defect category"],
        "photos": photos,
    }
    claim.update(over)
    return claim
