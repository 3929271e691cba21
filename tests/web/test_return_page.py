"""The return page (photos by item and category, the desk's notes) and the photo list with paging."""

from __future__ import annotations

import json
import re

from central import db as hubdb
from edge import wire
from tests.web.conftest import add_photo, sample_jpeg


def test_return_page_groups_photos_and_shows_desk_notes(hub, client):
    cfg, conn = hub
    for i, cat in enumerate(("dent", "dent", "scratch")):
        add_photo(cfg, conn, f"R{i}", "RMA-9", cat, jpeg=sample_jpeg((640 + i, 480)))
    with hubdb.write(conn):
        conn.execute("INSERT INTO events (event_id, kiosk, type, return_ref, at, received_at, body) VALUES "
                     "('E9', 'kiosk-a', 'item_finished', 'RMA-9', ?, ?, ?)",
                     (wire.utcnow(), wire.utcnow(), json.dumps({"note": "corner crushed in transit",
                                                                "category": "dent", "photo_ids": ["R0", "R1"]})))
    body = client("buyer").get("/returns/RMA-9").get_data(as_text=True)
    assert "3 photos" in body and "corner crushed in transit" in body
    assert re.search(r"<h3>dent <span class=\"mute\">\(2\)", body) and "scratch" in body
    assert body.count('data-full="/photos/R') == 3 and "/raw" not in body  # buyers get redacted copies only
    assert "/photos/R0/raw" in client("warehouse").get("/returns/RMA-9").get_data(as_text=True)
    assert client("buyer").get("/returns/NO-SUCH").status_code == 404


def test_photo_list_filters_and_pages(hub, client):
    cfg, conn = hub
    for i in range(55):
        add_photo(cfg, conn, f"Q{i:02d}", f"RMA-{i % 3}", "stain", jpeg=sample_jpeg((600 + i, 400)))
    wc = client("warehouse")
    first = wc.get("/photos").get_data(as_text=True)
    assert first.count("<tr><td>") == 50 and "Older →" in first
    nxt = re.search(r'href="(/photos\?[^"]*before=[^"]+)"', first).group(1).replace("&amp;", "&")
    assert wc.get(nxt).get_data(as_text=True).count("<tr><td>") == 5
    only = wc.get("/photos?return_ref=RMA-1").get_data(as_text=True)
    assert only.count("<tr><td>") == 18 and "Older" not in only


def test_charts_count_defects_by_category(hub, client):
    cfg, conn = hub
    for i, cat in enumerate(["dent"] * 3 + ["scratch"] * 2 + [XSS_CATEGORY]):
        add_photo(cfg, conn, f"C{i}", "RMA-5", cat, jpeg=sample_jpeg((500 + i, 400)))
    r = client("buyer").get("/charts")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and body.count("<svg") == 4  # with the two claim charts
    assert re.search(r"<td>dent</td><td class=\"num\">3</td>", body)
    assert "dent · photos: 3" in body and "scratch · photos: 2" in body
    assert XSS_CATEGORY not in body  # labels are escaped inside the SVG too
    assert client("fleet").get("/charts").status_code == 403
    # The charts are cached for a minute, the page around them is not: it names who is signed in.
    other = client("admin").get("/charts").get_data(as_text=True)
    assert "admin1 (admin)" in other and "buyer1" not in other and "dent · photos: 3" in other


XSS_CATEGORY = "<script>x</script>"


def test_category_picked_when_the_item_was_finished_shows_everywhere(hub, client):
    """The desk sends photos first and the category with the item_finished event: linking settles it in
    photo_links, and the return page, the photo list and the charts all show that one."""
    from central import linking
    from central.ingest import Ingestor
    from central.taxonomy import Taxonomy

    cfg, conn = hub
    for i in range(2):
        add_photo(cfg, conn, f"U{i}", "RMA-U", None, jpeg=sample_jpeg((700 + i, 480)))
    with hubdb.write(conn):
        for i in range(2):
            linking.link_photo(conn, Taxonomy(), f"U{i}", "RMA-U", None, None)
    ing = Ingestor(cfg, conn)  # the desk's event arrives as ingest receives it
    ing.handle(f"{ing.topics.prefix}/kiosks/kiosk-a/events", wire.encode_event(
        {"event_id": "EU", "type": "item_finished", "kiosk": "kiosk-a", "at": wire.utcnow(), "return_ref": "RMA-U",
         "category": "crack", "photo_ids": ["U0", "U1"]}))
    wc = client("buyer")
    page = wc.get("/returns/RMA-U").get_data(as_text=True)
    assert re.search(r"<h3>crack_break <span class=\"mute\">\(2\)", page) and "uncategorised" not in page
    listed = wc.get("/photos?category=crack_break").get_data(as_text=True)
    assert listed.count("<tr><td>") == 2 and "<td>crack_break</td>" in listed
    assert "crack_break · photos: 2" in wc.get("/charts").get_data(as_text=True)
