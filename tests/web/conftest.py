"""Web fixtures: an app on a temporary hub, accounts for every role, a client that signs in with CSRF."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw

from central import db as hubdb
from central import users
from central.config import HubConfig, WebConfig
from central.web import create_app

PASSWORD = "correct horse battery"
ROLE_USERS = {role: f"{role}1" for role in users.ROLES}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    """The Flask test client plus the CSRF token of the last page, so forms post like a browser's."""

    def __init__(self, app):
        self.app, self.c = app, app.test_client()
        self.token = None

    def get(self, url, **kw):
        r = self.c.get(url, **kw)
        m = _CSRF.search(r.get_data(as_text=True)) if r.mimetype == "text/html" else None
        if m:
            self.token = m.group(1)
        return r

    def post(self, url, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            data.setdefault("csrf_token", self.token)
        return self.c.post(url, data=data, **kw)

    def login(self, username, password=PASSWORD):
        self.get("/login")
        r = self.post("/login", {"username": username, "password": password})
        self.get("/login")  # signing in starts a new session, and with it a new CSRF token
        return r


@pytest.fixture
def hub(tmp_path):
    # Plain-HTTP test client: Secure cookies are checked on their own in test_login.
    cfg = HubConfig(data_dir=tmp_path / "hub", web=WebConfig(secure_cookies=False))
    conn = hubdb.connect(cfg.db_path)
    for role, name in ROLE_USERS.items():
        users.add_user(conn, name, role, PASSWORD)
    yield cfg, conn
    conn.close()


@pytest.fixture
def app(hub):
    cfg, _ = hub
    return create_app({"SECRET_KEY": "test-secret-" + "x" * 20,
                       "METRICS_TOKEN": "metrics-token-123", "MAX_CONTENT_LENGTH": 64 * 1024}, hub_config=cfg)


@pytest.fixture
def client(app):
    def make(role: str | None = None) -> WebClient:
        wc = WebClient(app)
        if role:
            r = wc.login(ROLE_USERS[role])
            assert r.status_code == 302, r.get_data(as_text=True)
        return wc
    return make


def sample_jpeg(size=(640, 480)) -> bytes:
    """A plain photo-like JPEG: grey desk, a lighter item; nothing a detector would hide."""
    im = Image.new("RGB", size, (120, 120, 118))
    ImageDraw.Draw(im).rectangle((160, 120, 480, 360), fill=(210, 190, 160))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def add_photo(cfg, conn, photo_id: str, return_ref: str = "RMA-1", category: str = "dent",
              kiosk: str = "kiosk-a", jpeg: bytes | None = None) -> str:
    """A stored photo as ingest leaves it: file in the store, row in `photos`; returns its sha256."""
    from central import db as hubdb
    from central.ingest import register_kiosk
    from central.store import PhotoStore
    from edge import wire

    register_kiosk(conn, kiosk)
    jpeg = jpeg or sample_jpeg()
    sha = wire.sha256_hex(jpeg)
    PhotoStore(cfg.photo_dir).put(sha, jpeg)
    with hubdb.write(conn):
        conn.execute(
            "INSERT INTO photos (photo_id, kiosk, return_ref, item, sha256, size, width, height, captured_at, "
            "received_at, category, header) VALUES (?, ?, ?, 1, ?, ?, 640, 480, ?, ?, ?, '{}')",
            (photo_id, kiosk, return_ref, sha, len(jpeg), wire.utcnow(), wire.utcnow(), category))
    return sha


XSS_NOTE = "<script>alert('note')</script>"


def add_claim(cfg, conn, supplier: str = "Acme Tools", po: str = "PO-4711", open_claim: bool = True) -> int | None:
    """Two returns on one PO with defect photos, loaded as return records (linking runs) and a claim opened."""
    from central import claims, returns

    refs = ("RMA-7001", "RMA-7002")
    for i, (ref, cat) in enumerate(zip(refs, ("dent", "scratch"))):
        add_photo(cfg, conn, f"CP{i}", ref, cat, jpeg=sample_jpeg((620 + i, 460)))
    rows = [{"rma_ref": ref, "order_id": f"ORD-{i}", "customer_name": "Jane Okafor", "sku": f"SKU-{i}",
             "product": "Torque wrench", "quantity": "1", "unit_value": "80.00", "batch": "B-1",
             "supplier": supplier, "po": po, "note": XSS_NOTE} for i, ref in enumerate(refs)]
    res = returns.load_rows(conn, list(enumerate(rows, 2)), actor="test", source="test")
    assert not res.as_dict().get("errors"), res.as_dict()
    return claims.open_claim(conn, supplier, po, None, "buyer1")["id"] if open_claim else None
