"""The redaction pipeline around the detectors: one scan when nothing needs burning (and it is the scan of
the shipped bytes), the re-scan after burning, customer strings a buyer left open blocking, shared views."""

from __future__ import annotations

import io

from PIL import Image, ImageChops
from skimage import data as skdata

from central.redact import codes, pipeline
from central.redact.regions import Customer, grey_view, shared_views
from tests import labelmaker as L


def _plain() -> Image.Image:
    return Image.fromarray(skdata.coffee()).resize((2000, 1333))


def test_nothing_to_burn_ships_the_bytes_that_were_scanned_and_they_verify():
    customer = Customer.from_dict(L.CANARY)
    red = pipeline.redact(_plain(), customer)
    assert red.found == [] and red.applied == [] and red.left == []
    shipped = Image.open(io.BytesIO(red.jpeg)).convert("RGB")
    assert ImageChops.difference(shipped, red.image).getbbox() is None  # `image` is `jpeg` decoded
    # The full verification, run again on the shipped bytes, agrees with the single scan.
    assert pipeline.verify(shipped, customer) == []
    res = pipeline.process(pipeline.PhotoJob("k", red.jpeg, L.CANARY, max_side=None))
    assert res.problems == [] and res.found == []


def test_label_is_burned_then_the_shipped_bytes_are_scanned_again():
    photo = L.on_photo(_plain(), L.label(fmt="QRCode"), (0.3, 0.3), 0.45)
    customer = Customer.from_dict(L.CANARY)
    red = pipeline.redact(photo, customer)
    whys = " ".join(r.why for r in red.applied)
    assert "QR Code code" in whys and "customer's name" in whys and red.left == []
    assert codes.read(red.image) == [] and pipeline.customer_left(red.image, customer) == []


def test_customer_text_a_buyer_left_open_blocks_but_codes_are_burned_anyway():
    photo = L.on_photo(_plain(), L.label(fmt="Code128"), (0.3, 0.3), 0.45)
    jpeg = L.jpeg(photo)
    first = pipeline.process(pipeline.PhotoJob("k", jpeg, L.CANARY, max_side=None))
    assert first.problems == [] and any(d["detector"] == "code" for d in first.found)
    # The buyer switched every region off: the code is still covered, the customer's strings block.
    again = pipeline.process(pipeline.PhotoJob("k", jpeg, L.CANARY, stored=[], cleared=first.found,
                                               max_side=None))
    assert any("customer's name is still readable" in p for p in again.problems), again.problems
    assert any(d["detector"] == "code" for d in again.applied)
    assert codes.read(Image.open(io.BytesIO(again.jpeg)).convert("RGB")) == []


def test_grey_views_are_shared_only_inside_a_scan():
    img = _plain()
    outside = grey_view(img, 1600)[0]
    assert grey_view(img, 1600)[0] is not outside
    with shared_views(img):
        inside, scale = grey_view(img, 1600)
        assert grey_view(img, 1600)[0] is inside and scale == 1600 / 2000
        assert grey_view(img)[0].size == img.size and grey_view(img)[0].mode == "L"
    assert ImageChops.difference(inside, outside).getbbox() is None
    assert grey_view(img, 1600)[0] is not inside
