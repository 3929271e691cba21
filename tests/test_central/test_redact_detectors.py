"""Redaction detectors, one by one: faces, codes, customer text, metadata — on real and generated photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from central.redact import codes, faces, metadata, text
from central.redact.regions import Customer
from tests import labelmaker
from tests.helpers import SHARED_DATA

FACE = SHARED_DATA / "faces" / "astronaut.png"
DEFECTS = SHARED_DATA / "defects" / "hazelnut-cc-by"
UPS = SHARED_DATA / "labels" / "ups-synthetic" / "images"


def need(path):
    if not path.exists():
        pytest.skip(f"{path} absent (shared test photos are not part of a clone)")
    return path


def inside(point, box):
    return box[0] <= point[0] <= box[0] + box[2] and box[1] <= point[1] <= box[1] + box[3]


def test_face_found_on_portrait_and_none_on_defect_photos():
    found = faces.detect(Image.open(need(FACE)).convert("RGB"))
    assert any(inside((220, 120), r.box) for r in found), found  # the astronaut's face
    for name in ("good.jpg", "crack.jpg", "colour.jpg"):
        assert faces.detect(Image.open(need(DEFECTS / name)).convert("RGB")) == []


@pytest.mark.parametrize("fmt", ["Code128", "QRCode", "DataMatrix"])
def test_generated_codes_found_small_and_large(fmt):
    code = labelmaker.code_image("ORD-7731-55902", fmt, scale=2)
    photo = Image.new("RGB", (3000, 2000), (150, 120, 90))
    photo.paste(code, (2100, 1500))
    regions = codes.detect(photo)
    centre = (2100 + code.width / 2, 1500 + code.height / 2)
    assert any(inside(centre, r.box) for r in regions), regions


def test_real_shipping_label_codes_and_maxicode_covered():
    img = metadata.clean(Image.open(need(UPS / "IMG_8747.JPG")), 2560)
    regions = codes.detect(img)
    assert sum("MaxiCode" in r.why for r in regions) == 1
    burned = img.copy()
    from central.redact.regions import burn
    assert codes.read(burn(burned, regions)) == []


def test_customer_text_and_label_block_found_by_ocr():
    lab = labelmaker.label(labelmaker.CANARY)
    photo = labelmaker.on_photo(Image.new("RGB", (1400, 1000), (90, 110, 130)), lab, (0.2, 0.2), 0.55)
    regions = text.detect(photo, Customer.from_dict(labelmaker.CANARY))
    whys = " ".join(r.why for r in regions)
    for field in ("name", "address", "email", "phone", "order_id"):
        assert f"customer's {field}" in whys, whys
    assert "address-like block" in whys


def test_text_on_plain_photo_finds_nothing():
    assert text.detect(Image.open(need(DEFECTS / "crack.jpg")).convert("RGB"),
                       Customer.from_dict(labelmaker.CANARY)) == []


def test_metadata_stripped_after_orientation():
    img = Image.new("RGB", (40, 20), "red")
    img.paste((0, 0, 255), (0, 0, 10, 20))  # blue on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif[0x010E] = "Wilhelmina Quartermaine"  # ImageDescription
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, comment=b"order ORD-7731")
    assert metadata.leftovers(buf.getvalue())  # the source carries EXIF and a comment
    clean = metadata.clean(Image.open(io.BytesIO(buf.getvalue())))
    assert clean.size == (20, 40)  # upright
    assert clean.getpixel((10, 2))[2] > 200  # blue now on top
    out = metadata.encode(clean)
    assert metadata.leftovers(out) == []
    assert b"Wilhelmina" not in out and b"ORD-7731" not in out


def test_customer_needles_normalised():
    c = Customer.from_dict({"name": "José Müller", "phone": "+49 (30) 1234-5678", "order_id": "A-1234"})
    needles = dict((n, f) for f, n in c.needles())
    assert "josemuller" in needles and "30" not in needles
    assert "3012345678"[-8:] in needles
    with pytest.raises(ValueError, match="unknown customer field"):
        Customer.from_dict({"nmae": "x"})
