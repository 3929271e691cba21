"""A buyer's hand on redaction: list, add and remove regions through the JSON API; the export follows
the buyer's last word, and every change is in the audit log."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from central import audit
from central import config as hubconfig
from central import db as hubdb
from central.ingest import Ingestor, register_kiosk
from central.packet import PacketClaim, PacketPhoto, export_packet
from central.redact.regions import FILL
from central.store import PhotoStore
from central.web import create_app
from edge import wire
from tests import labelmaker as L
from tests.helpers import SHARED_DATA

TOKEN = "t0ken-for-tests"


@pytest.fixture
def hub(tmp_path, monkeypatch):
    face = SHARED_DATA / "faces" / "astronaut.png"
    if not face.exists():
        pytest.skip(f"{face} absent (shared test photos are not part of a clone)")
    (tmp_path / "hub.toml").write_text(f'data_dir = "{tmp_path / "data"}"\n')
    cfg = hubconfig.load_config(tmp_path / "hub.toml")
    conn = hubdb.connect(cfg.db_path)
    register_kiosk(conn, "kiosk-a")
    jpeg = L.jpeg(Image.open(face))
    sha = wire.sha256_hex(jpeg)
    header = wire.PhotoHeader(photo_id="p0000001", kiosk="kiosk-a", return_ref="RMA-1", sha256=sha,
                              size=len(jpeg), captured_at=wire.utcnow(), category="stain")
    out = Ingestor(cfg, conn).handle(wire.Topics().photos("kiosk-a"), wire.encode_photo(header, jpeg))
    assert out.status == wire.STATUS_STORED
    monkeypatch.setenv("RETURNS_HUB_API_TOKEN", TOKEN)
    app = create_app(hub_config=cfg)
    return cfg, conn, sha, app.test_client()


def _export(cfg, conn, sha, out):
    claim = PacketClaim("CL-9", 1, "approved", "2026-11-21", "buyer.bo", "PO-1", "Acme",
                        photos=[PacketPhoto(sha, str(PhotoStore(cfg.photo_dir).path(sha)), "stain")])
    export_packet(conn, claim, out, "buyer.bo", workers=1)
    z = next(out.glob("*.zip"))
    import zipfile
    with zipfile.ZipFile(z) as zf:
        return Image.open(io.BytesIO(zf.read(zf.namelist()[0]))).convert("RGB")


def _is_filled(img, fx, fy):
    px = img.getpixel((int(fx * img.width), int(fy * img.height)))
    return all(abs(a - b) < 12 for a, b in zip(px, FILL))


def test_token_required(hub):
    cfg, conn, sha, client = hub
    assert client.get(f"/api/photos/{sha}/regions").status_code == 401
    assert client.get(f"/api/photos/{sha}/regions", headers={"Authorization": "Bearer nope"}).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get(f"/api/photos/{'0' * 64}/regions", headers=auth).status_code == 404
    r = client.post(f"/api/photos/{sha}/regions", headers=auth, json={"x": 0.9, "y": 0.1, "w": 0.5, "h": 0.1})
    assert r.status_code == 400 and "inside the photo" in r.get_json()["error"]
    assert client.patch("/api/regions/999", headers=auth, json={"active": False}).status_code == 404


def test_buyer_removes_a_region_and_adds_one_and_the_export_follows(hub, tmp_path):
    cfg, conn, sha, client = hub
    auth = {"Authorization": f"Bearer {TOKEN}", "X-Actor": "buyer.bo"}
    first = _export(cfg, conn, sha, tmp_path / "p1")
    listed = client.get(f"/api/photos/{sha}/regions", headers=auth).get_json()
    assert listed["scanned"] is True
    face = next(r for r in listed["regions"] if r["detector"] == "face" and r["y"] < 0.3)
    cx, cy = face["x"] + face["w"] / 2, face["y"] + face["h"] / 2
    assert _is_filled(first, cx, cy)
    assert not _is_filled(first, 0.05, 0.95)

    r = client.patch(f"/api/regions/{face['id']}", headers=auth,
                     json={"active": False, "why": "test: face region off"})
    assert r.status_code == 200 and r.get_json()["active"] == 0
    r = client.post(f"/api/photos/{sha}/regions", headers=auth,
                    json={"x": 0.0, "y": 0.9, "w": 0.1, "h": 0.1, "why": "sticker"})
    assert r.status_code == 201 and r.get_json()["source"] == "manual"

    second = _export(cfg, conn, sha, tmp_path / "p2")
    assert not _is_filled(second, cx, cy)  # the buyer's word: the face region is off
    assert _is_filled(second, 0.05, 0.95)  # and the drawn box is burned in
    actions = [e["action"] for e in audit.entries(conn, "redaction_region")]
    assert sorted(actions) == ["redaction.add", "redaction.remove"]
    removed = next(e for e in audit.entries(conn, "redaction_region") if e["action"] == "redaction.remove")
    assert removed["actor"] == "api:buyer.bo" and json.loads(removed["after"])["reason"] == "test: face region off"
    assert len(conn.execute("SELECT * FROM packet_exports").fetchall()) == 2
