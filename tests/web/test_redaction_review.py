"""Redaction review: buyers see only burned-in photos, add and remove boxes, re-verify; all audited."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from tests.web.conftest import add_photo


@pytest.fixture
def photo(hub):
    cfg, conn = hub
    return conn, add_photo(cfg, conn, "P7", "RMA-7")


def _pixel(jpeg: bytes, x: float, y: float):
    im = Image.open(io.BytesIO(jpeg)).convert("RGB")
    return im.getpixel((int(x * im.width), int(y * im.height)))


def test_buyer_adds_a_box_that_is_burned_in_then_removes_it(client, photo):
    conn, sha = photo
    wc = client("buyer")
    page = wc.get("/photos/P7/review")
    assert page.status_code == 200 and "found nothing to hide" in page.get_data(as_text=True)
    before = wc.get("/photos/P7/redacted").data
    r = wc.post("/photos/P7/regions", {"x": "0.3", "y": "0.3", "w": "0.2", "h": "0.2", "why": "a name"})
    assert r.status_code == 302
    row = conn.execute("SELECT id, source, active, created_by FROM redaction_regions WHERE photo_sha = ?",
                       (sha,)).fetchone()
    assert (row["source"], row["active"], row["created_by"]) == ("manual", 1, "buyer1")
    after = wc.get("/photos/P7/redacted").data
    assert _pixel(after, 0.4, 0.4) != _pixel(before, 0.4, 0.4)  # burned into the pixels
    assert _pixel(after, 0.9, 0.9) == pytest.approx(_pixel(before, 0.9, 0.9), abs=6)
    assert b"Exif" not in after[:2000]
    r = wc.post(f"/photos/P7/regions/{row['id']}", {"active": "0", "why": "covers the dent"})
    assert r.status_code == 302
    assert conn.execute("SELECT active FROM redaction_regions WHERE id = ?", (row["id"],)).fetchone()[0] == 0
    again = wc.get("/photos/P7/redacted").data
    assert _pixel(again, 0.4, 0.4) == pytest.approx(_pixel(before, 0.4, 0.4), abs=6)
    actions = {a for (a,) in conn.execute("SELECT action FROM audit")}
    assert {"redaction.scan", "redaction.add", "redaction.remove"} <= actions


def test_bad_boxes_are_refused_with_the_reason(client, photo):
    conn, sha = photo
    wc = client("buyer")
    wc.get("/photos/P7/review")
    r = wc.post("/photos/P7/regions", {"x": "0.9", "y": "0.1", "w": "0.5", "h": "0.1"}, follow_redirects=True)
    assert "box must lie inside the photo" in r.get_data(as_text=True)
    r = wc.post("/photos/P7/regions", {"x": "<script>", "y": "", "w": "1", "h": "1"}, follow_redirects=True)
    assert "box needs numbers" in r.get_data(as_text=True)
    assert conn.execute("SELECT count(*) FROM redaction_regions").fetchone()[0] == 0
    # A region of another photo cannot be switched through this photo's URL.
    assert wc.post("/photos/P7/regions/999", {"active": "0"}).status_code == 404


def test_reverify_reports_and_records_the_verdict(client, photo):
    conn, _ = photo
    wc = client("warehouse")
    r = wc.post("/photos/P7/verify", follow_redirects=True)
    assert "Verified: no code, face or customer text" in r.get_data(as_text=True)
    assert conn.execute("SELECT count(*) FROM audit WHERE action = 'redaction.verify'").fetchone()[0] == 1


def test_fleet_role_sees_no_photo_at_all(client, photo):
    wc = client("fleet")
    for url in ("/photos/P7/redacted", "/photos/P7/review", "/photos/P7/raw"):
        assert wc.get(url).status_code == 403


def test_review_knows_the_returns_customer_and_finds_their_name(client, hub):
    """A note on the parcel with just the customer's name is only found by knowing the customer: the review
    looks them up from the return record, as the packet export does."""
    from PIL import ImageDraw, ImageFont

    from central import returns
    from tests.labelmaker import CANARY

    cfg, conn = hub
    res = returns.load_rows(conn, [(2, {"rma_ref": "RMA-8", "customer_name": CANARY["name"], "order_id": "ORD-8",
                                        "sku": "SKU-8", "quantity": "1", "supplier": "Acme Tools", "po": "PO-8"})],
                            actor="test", source="test")
    assert not res.as_dict().get("errors")
    im = Image.new("RGB", (1200, 900), (118, 120, 116))
    d = ImageDraw.Draw(im)
    d.rectangle((150, 300, 1050, 420), fill="white")
    d.text((180, 330), CANARY["name"], fill="black", font=ImageFont.load_default(size=56))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92)
    sha = add_photo(cfg, conn, "P8", "RMA-8", jpeg=buf.getvalue())
    wc = client("buyer")
    assert wc.get("/photos/P8/review").status_code == 200
    found = conn.execute("SELECT detector, why, x, y, w, h, active FROM redaction_regions WHERE photo_sha = ?",
                         (sha,)).fetchall()
    names = [r for r in found if "customer's name" in r["why"]]
    assert names and names[0]["detector"] == "text" and names[0]["active"] == 1, [dict(r) for r in found]
    box = names[0]
    assert box["x"] < 0.2 < 0.5 < box["x"] + box["w"] and box["y"] < 0.4 < box["y"] + box["h"]  # over the name
    assert "Verified" in wc.post("/photos/P8/verify", follow_redirects=True).get_data(as_text=True)
    # The buyer switches the box off: re-verify reads the name again and says so.
    region = conn.execute("SELECT id FROM redaction_regions WHERE photo_sha = ? AND why LIKE ?", (sha, "%name%")).fetchone()
    wc.post(f"/photos/P8/regions/{region[0]}", {"active": "0", "why": "testing"})
    body = wc.post("/photos/P8/verify", follow_redirects=True).get_data(as_text=True)
    assert "Still identifiable" in body and "name" in body


def test_a_claim_page_starts_the_scans_and_no_photo_is_shown_unscanned(app, client, hub):
    """Showing a claim starts its photos' scans in the background; a thumbnail asked for before its
    scan ends gets a stand-in (202), never the unredacted photo; then the burned-in copy."""
    from central.redact import pipeline
    from central.web import prescan
    from tests.helpers import wait_for
    from tests.web.conftest import add_claim, sample_jpeg

    cfg, conn = hub
    claim = add_claim(cfg, conn)
    app.config["REDACTION_WAIT_S"] = 0  # thumbnails do not wait at all
    # Keep every scanning process busy reading a pipe until the thumbnail has been asked for: the claim's
    # scans queue behind, however fast they are (a scan of these small photos takes well under a second).
    pipes = [cfg.data_dir / f"busy-{i}.jpg" for i in range(cfg.web.redaction_workers)]
    busy = []
    for p in pipes:
        os.mkfifo(p)
        busy.append(prescan.submit(pipeline.PhotoJob(p.name, str(p)), lambda res: None))
    try:
        wc = client("buyer")
        page = wc.get(f"/claims/{claim}").get_data(as_text=True)
        assert "2 photos of this claim are being checked" in page
        first = wc.get("/photos/CP0/redacted")
        assert first.status_code == 202 and first.mimetype == "image/svg+xml" and b"redacting" in first.data
    finally:
        for p in pipes:
            p.write_bytes(sample_jpeg())  # the busy scans end (and a failure above leaves no worker stuck)
    assert all(f.result(timeout=120).problems == [] for f in busy)
    scans = lambda: conn.execute("SELECT count(*) FROM redaction_scans").fetchone()[0]  # noqa: E731
    wait_for(lambda: scans() == 2, 120, what="both scans recorded in the background")
    r = wc.get("/photos/CP1/redacted")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert "being checked" not in wc.get(f"/claims/{claim}").get_data(as_text=True)
