"""`returns-hub claim export`: a real claim (imported returns, photos through ingest and linking, created
and approved on the CLI) becomes a supplier packet only once approved, with no customer data in it."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader

from central import config as hubconfig
from central import db as hubdb
from central import demodata
from central.returns import import_csv
from central.ingest import Ingestor, register_kiosk
from central.redact import codes, pipeline
from central.redact.regions import Customer, normalize
from edge import wire
from tests import labelmaker as L
from tests.helpers import BIN, SHARED_DATA


def _cli(cfg, *args):
    return subprocess.run([str(BIN / "returns-hub"), "claim", *args, "--config", str(cfg), "--json",
                           "--actor", "buyer.anna"], capture_output=True, text=True, timeout=240)


@pytest.fixture
def hub(tmp_path):
    nut = SHARED_DATA / "defects" / "hazelnut-cc-by" / "crack.jpg"
    if not nut.exists():
        pytest.skip(f"{nut} absent (shared test photos are not part of a clone)")
    (tmp_path / "hub.toml").write_text(f'data_dir = "{tmp_path / "data"}"\n')
    cfg = hubconfig.load_config(tmp_path / "hub.toml")
    conn = hubdb.connect(cfg.db_path)
    rows = demodata.generate(returns=12, simulated=1)
    planted = rows[0] | {"customer_name": L.CANARY["name"], "customer_address": L.CANARY["address"],
                         "customer_email": L.CANARY["email"], "customer_phone": L.CANARY["phone"],
                         "order_id": L.CANARY["order_id"]}
    demodata.write_csv(tmp_path / "returns.csv", [planted, *rows[1:]])
    import_csv(conn, tmp_path / "returns.csv", actor="test")
    register_kiosk(conn, "kiosk-a")
    ingest = Ingestor(cfg, conn)
    photo = L.on_photo(Image.open(nut).resize((1200, 1200)), L.label(fmt="QRCode"), (0.05, 0.05), 0.45)
    for i, img in enumerate([photo, Image.open(nut)], 1):
        jpeg = L.jpeg(img, exif_text=L.CANARY["name"])
        h = wire.PhotoHeader(photo_id=f"ph{i:08d}", kiosk="kiosk-a", return_ref=planted["rma_ref"], item=1,
                             sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow(),
                             category="scratch")
        assert ingest.handle(wire.Topics().photos("kiosk-a"), wire.encode_photo(h, jpeg)).status == "stored"
    return tmp_path / "hub.toml", planted


def test_claim_export_only_when_approved_and_nothing_identifies_the_customer(hub, tmp_path):
    cfg, row = hub
    r = _cli(cfg, "create", "--supplier", row["supplier"], "--po", row["po"])
    assert r.returncode == 0, r.stderr
    claim_id = str(json.loads(r.stdout)["id"])
    out = tmp_path / "packet"
    r = _cli(cfg, "export", claim_id, "--out", str(out), "--no-progress")
    assert r.returncode == 1 and "only an approved version" in r.stdout
    assert not out.exists()
    r = _cli(cfg, "approve", claim_id, "--step", "send_claim", "--po", row["po"], "--version", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    r = _cli(cfg, "export", claim_id, "--out", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "redacting" in r.stderr  # the progress bar
    result = json.loads(r.stdout)
    assert result["ok"] and result["version"] == 1 and result["photos"] == 2
    day = wire.utcnow()[:10]
    stem = f"{row['po']}_{row['supplier'].replace(' ', '-')}"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{stem}_{t}_{day}.{x}" for t, x in (("claim", "pdf"), ("photos", "zip"), ("manifest", "json"),
                                              ("manifest", "csv")))
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(next(out.glob("*.pdf"))).pages)
    assert f"for PO {row['po']}, based on document version 1" in " ".join(pdf_text.split()) and row["sku"] in pdf_text
    blob = normalize(pdf_text + "".join(f.read_bytes().decode("latin-1") for f in out.iterdir()))
    for value in (*L.CANARY.values(), row["rma_ref"]):
        assert normalize(value) not in blob, value
    customer = Customer.from_dict(L.CANARY)
    with zipfile.ZipFile(next(out.glob("*.zip"))) as z:
        for name in z.namelist():
            img = Image.open(io.BytesIO(z.read(name))).convert("RGB")
            assert codes.read(img) == [], name
            assert pipeline.customer_left(img, customer) == [], name
    manifest = json.loads(next(out.glob("*.json")).read_text())
    assert [p["return"] for p in manifest["photos"]] == ["R1", "R1"]
    assert {p["sku"] for p in manifest["photos"]} == {row["sku"]}
