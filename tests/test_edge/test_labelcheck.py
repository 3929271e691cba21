"""Label cross-check on real photos: read rate per folder against the expected texts, and ref mismatch flagged."""

import json

import cv2
import pytest

from edge.labelcheck import check_label, cross_check, read_codes
from tests.helpers import SHARED_DATA

ZXING = SHARED_DATA / "barcodes-zxing"
UPS = SHARED_DATA / "labels" / "ups-synthetic"
# Lower bounds on the read rate per folder, measured with zxing-cpp 2.x (see README "Return desk").
MIN_RATE = {"code128-1": 1.0, "datamatrix-1": 0.85, "ean13-1": 0.9, "qrcode-1": 0.7}


def need(folder):
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (shared photo data not on this machine)")


@pytest.mark.parametrize("name", sorted(MIN_RATE))
def test_read_rate_per_folder(name):
    need(ZXING / name)
    images = sorted(p for p in (ZXING / name).glob("*.png") if p.with_suffix(".txt").exists())
    assert images, f"no expected texts in {name}"
    read = sum(p.with_suffix(".txt").read_text(errors="replace").strip() in read_codes(cv2.imread(str(p)))
               for p in images)
    rate = read / len(images)
    print(f"read rate {name}: {read}/{len(images)} = {rate:.0%}")
    assert rate >= MIN_RATE[name]


def test_no_codes_invented_on_false_positive_images():
    need(ZXING / "falsepositives-2")
    images = sorted((ZXING / "falsepositives-2").glob("*.png"))
    found = {p.name: read_codes(cv2.imread(str(p))) for p in images}
    assert [n for n, c in found.items() if c] == []


def ups_labels():
    need(UPS)
    ann = json.loads((UPS / "annotation" / "annotations_min.json").read_text())
    refs = {i["file_name"]: [b["value"] for b in i["barcodes"] if b.get("role") == "reference"] for i in ann["images"]}
    return [(p, refs[p.stem][0]) for p in sorted((UPS / "images").glob("*.JPG")) if refs.get(p.stem)]


REF_PATTERN = r"CA \d{3} \d-\d{2}"  # the reference format printed on these labels


def test_label_on_a_12mp_photo_matches_its_return():
    labels = ups_labels()
    assert labels
    for path, ref in labels:
        result = check_label(cv2.imread(str(path)), ref, REF_PATTERN)
        assert ref in result["codes"], (path.name, result)
        assert result["match"] is True


def test_label_of_another_return_is_a_mismatch():
    path, ref = ups_labels()[0]
    other = ref[:-1] + ("9" if ref[-1] != "9" else "8")
    result = check_label(cv2.imread(str(path)), other, REF_PATTERN)
    assert result["match"] is False and ref in result["codes"]


def test_cross_check_rules():
    assert cross_check([], "RMA-1") is None
    assert cross_check(["4006381333931"], "RMA-1", r"RMA-\d+") is None  # a product barcode says nothing
    assert cross_check(["rma 000123"], "RMA-000123") is True  # spacing and case do not matter
    assert cross_check(["RMA-2"], "RMA-1", r"RMA-\d+") is False
