"""Canary: plant a customer's name, street, e-mail, phone and order id everywhere a return can carry
them, export the supplier packet through the CLI, and hunt for every one of them in what came out."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from central.redact import codes, faces, metadata, text
from central.redact.pipeline import VERIFY_FACE_THRESHOLD
from central.redact.regions import FILL
from central.redact.regions import Customer, normalize
from tests import labelmaker as L
from tests.helpers import BIN, SHARED_DATA

CANARY = L.CANARY
VALUES = list(CANARY.values()) + ["Evergreen Terrace", "Quartermaine", "8675309", "7731-55902"]


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} absent (shared test photos are not part of a clone)")
    return path


def _hub(tmp_path) -> Path:
    (tmp_path / "hub").mkdir()
    cfg = tmp_path / "hub" / "hub.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "hub" / "data"}"\n')
    return cfg


def _photos(data_dir: Path) -> list[dict]:
    """Real photos with the canary label stuck on, generated labels with each code type, a face."""
    astro = Image.open(need(SHARED_DATA / "faces" / "astronaut.png")).resize((1024, 1024))
    nut = Image.open(need(SHARED_DATA / "defects" / "hazelnut-cc-by" / "crack.jpg")).resize((1200, 1200))
    ups = Image.open(need(SHARED_DATA / "labels" / "ups-synthetic" / "images" / "IMG_8747.JPG"))
    raw = [
        ("seam_split", L.on_photo(astro, L.label(fmt="Code128"), (0.45, 0.55), 0.5), None),
        ("seam_split", L.on_photo(nut, L.label(fmt="QRCode"), (0.05, 0.05), 0.45), CANARY["name"]),
        ("stain", L.on_photo(nut, L.label(fmt="DataMatrix"), (0.5, 0.45), 0.45), None),
        ("stain", L.on_photo(ups.resize((1512, 2016)), L.label(fmt="Code128"), (0.35, 0.6), 0.55), None),
    ]
    out = []
    for i, (cat, img, exif) in enumerate(raw):
        sha = L.store_photo(data_dir, L.jpeg(img, exif_text=exif))
        out.append({"photo_sha": sha, "category": cat, "sku": f"SKU-{100 + i}", "batch": "B-17",
                    "po": "PO-4471", "return_ref": f"RMA-{CANARY['order_id']}", "customer": CANARY})
    return out


def _export(cfg: Path, claim: dict, out: Path) -> subprocess.CompletedProcess:
    cj = cfg.parent / "claim.json"
    cj.write_text(json.dumps(claim))
    return subprocess.run([str(BIN / "returns-hub"), "packet", "export", "--claim-json", str(cj), "--out",
                           str(out), "--config", str(cfg), "--actor", "buyer.anna", "--json"],
                          capture_output=True, text=True, timeout=240)


def test_no_planted_identifier_survives_the_packet(tmp_path):
    cfg = _hub(tmp_path)
    photos = _photos(tmp_path / "hub" / "data")
    out = tmp_path / "packet"
    r = _export(cfg, L.claim_json(photos), out)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["PO-4471_Acme-Textiles_claim_2026-11-20.pdf",
                            "PO-4471_Acme-Textiles_photos_2026-11-20.zip",
                            "PO-4471_Acme-Textiles_manifest_2026-11-20.json",
                            "PO-4471_Acme-Textiles_manifest_2026-11-20.csv"])
    needles = [normalize(v) for v in VALUES]

    # Text anywhere: file names, PDF text and metadata, ZIP names, manifests (raw bytes too).
    pdf = PdfReader(next(out.glob("*.pdf")))
    texts = ["\n".join(names), "\n".join(pg.extract_text() for pg in pdf.pages), json.dumps(
        {k: str(v) for k, v in (pdf.metadata or {}).items()})]
    zpath = next(out.glob("*.zip"))
    with zipfile.ZipFile(zpath) as z:
        texts.append("\n".join(z.namelist()))
        images = {n: z.read(n) for n in z.namelist()}
    for f in out.iterdir():
        texts.append(f.read_bytes().decode("latin-1"))
    for body in texts:
        flat = normalize(body)
        for n in needles:
            assert n not in flat
    assert "Seams split" in texts[1] and "B-17" in texts[1]  # the claim itself is there

    # Every image, in the ZIP and inside the PDF: no code decodes, no face, no metadata, no OCR hit.
    for pg in pdf.pages:
        for im in pg.images:
            images[f"pdf/{im.name}"] = im.data
    assert len(images) >= 2 * len(photos)
    customer = Customer.from_dict(CANARY)
    for name, data in images.items():
        img = Image.open(io.BytesIO(data)).convert("RGB")
        assert codes.read(img) == [], name
        # The export gate's standard (the re-scan looks for faces as keenly as the first pass).
        assert faces.detect(img, threshold=VERIFY_FACE_THRESHOLD) == [], name
        if name.endswith(".jpg"):
            assert metadata.leftovers(data) == [], name
            words, _ = text.ocr_words(img)
            ocr = normalize(" ".join(w.text for w in words))
            assert not [n for n in needles if n in ocr], name
            assert text.customer_matches(words, customer) == [], name
    # The astronaut's face (photo 1, resized to 1024 px, so ~(220, 120) in 512 px → 0.43, 0.23) is burned.
    first = Image.open(io.BytesIO(images[sorted(n for n in images if n.endswith(".jpg"))[0]])).convert("RGB")
    px = first.getpixel((int(0.43 * first.width), int(0.24 * first.height)))
    assert all(abs(a - b) < 12 for a, b in zip(px, FILL)), px

    # The manifest speaks of a pseudonym, hashes match the ZIP's files, and the export is on record.
    manifest = json.loads(next(out.glob("*manifest*.json")).read_text())
    assert {p["return"] for p in manifest["photos"]} == {"R1"}
    import hashlib
    assert all(hashlib.sha256(images[p["file"]]).hexdigest() == p["sha256"] for p in manifest["photos"])
    from tests.helpers import hub_db
    conn = hub_db(cfg)
    row = conn.execute("SELECT * FROM packet_exports").fetchone()
    assert row["actor"] == "buyer.anna" and row["version"] == 2
    assert json.loads(row["files"]) == result["files"]
    assert conn.execute("SELECT count(*) FROM redaction_regions WHERE source='auto'").fetchone()[0] >= 8
    assert conn.execute("SELECT count(*) FROM audit WHERE action='claim.export'").fetchone()[0] == 1


def test_unapproved_version_or_customer_text_in_the_claim_refuses_the_export(tmp_path):
    cfg = _hub(tmp_path)
    nut = Image.open(need(SHARED_DATA / "defects" / "hazelnut-cc-by" / "crack.jpg"))
    sha = L.store_photo(tmp_path / "hub" / "data", L.jpeg(nut))
    photo = [{"photo_sha": sha, "category": "crack", "return_ref": "RMA-1", "customer": CANARY}]
    out = tmp_path / "packet"
    r = _export(cfg, L.claim_json(photo, status="rejected"), out)
    assert r.returncode == 1 and "only an approved version" in r.stdout
    r = _export(cfg, L.claim_json(photo, summary=f"Customer {CANARY['name']} called twice."), out)
    assert r.returncode == 1
    assert "contains the customer's name" in r.stdout
    assert not out.exists() or not any(out.iterdir())  # nothing half-written
