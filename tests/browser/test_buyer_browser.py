"""The buyer's story in Chromium: compare photos, draw a redaction box; then a claim from opening to closeout."""

from __future__ import annotations

import io

from PIL import Image

from central import config as hubconfig
from central import db as hubdb
from tests.browser.conftest import images_loaded, login, screenshot
from tests.web.conftest import add_claim, add_photo, sample_jpeg


def test_buyer_draws_a_redaction_box(web, page, hub_config):
    cfg = hubconfig.load_config(hub_config)
    conn = hubdb.connect(cfg.db_path)
    sha = add_photo(cfg, conn, "PB1", "RMA-100", "scratch")
    add_photo(cfg, conn, "PB2", "RMA-100", "dent", jpeg=sample_jpeg((800, 600)))
    login(page, web, "buyer")
    # The return's photos, grouped; two clicked photos open side by side for comparing.
    page.goto(web + "/returns/RMA-100")
    page.click("img[alt='photo PB1']")
    assert page.locator(".lightbox.open img").count() == 1
    page.click(".lightbox .close")
    page.click("img[alt='photo PB2']")
    shown = page.locator(".lightbox.open img")
    assert shown.count() == 2 and "/PB1/" in shown.nth(0).get_attribute("src")
    images_loaded(page)
    screenshot(page, "return-compare")
    page.click(".lightbox .close")
    page.goto(web + "/photos/PB1/review")
    page.wait_for_selector("#redact-img")
    images_loaded(page)
    screenshot(page, "redaction-review-before")
    box = page.locator("#redact-img").bounding_box()
    assert page.locator("#redact-overlay").bounding_box() == box  # the drawn box lands where it is burned
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.25, steps=5)
    page.mouse.up()
    assert abs(float(page.input_value("#box-x")) - 0.1) < 0.02
    assert abs(float(page.input_value("#box-w")) - 0.2) < 0.02
    page.fill("input[name=why]", "customer name written on the box")
    page.click("#add-box button[type=submit]")
    page.wait_for_selector("#regions tr[data-active='1']")
    rows = conn.execute("SELECT x, y, w, h, created_by FROM redaction_regions WHERE photo_sha = ?", (sha,)).fetchall()
    assert len(rows) == 1 and rows[0]["created_by"] == "buyer1"
    assert abs(rows[0]["h"] - 0.15) < 0.02
    # The picture the browser shows has the box burned in: dark where the box is.
    img = Image.open(io.BytesIO(page.request.get(web + "/photos/PB1/redacted").body())).convert("L")
    assert img.getpixel((int(img.width * 0.2), int(img.height * 0.17))) < 60
    page.click("#reverify")
    assert "Verified" in page.locator(".flash").inner_text()
    screenshot(page, "redaction-review-after")
    # Raw photos are not for buyers, even by typing the URL.
    assert page.request.get(web + "/photos/PB1/raw").status == 403


def test_buyer_story_claim_to_closeout(web, page, hub_config):
    cfg = hubconfig.load_config(hub_config)
    conn = hubdb.connect(cfg.db_path)
    add_claim(cfg, conn, open_claim=False)  # return records and their defect photos, no claim yet
    login(page, web, "buyer")
    page.goto(web + "/claims")
    page.click("#new-claim")  # the buyer opens the claim for the PO
    page.select_option("#open-claim select[name=po]", "PO-4711")
    page.click("#open-claim button[type=submit]")
    assert "Acme Tools" in page.locator("h1").inner_text()
    claim_id = int(page.url.rsplit("/", 1)[1])
    assert "opened for Acme Tools PO PO-4711" in page.locator(".flash").inner_text()
    page.goto(web + "/claims")
    screenshot(page, "claims-list")
    page.click(f"#claims a[href='/claims/{claim_id}']")
    assert "Acme Tools" in page.locator("h1").inner_text()
    # A new version, then the two compared side by side.
    page.click("details summary")
    page.fill("#revise input[name='value.claimed']", "95.50")
    page.fill("#revise input[name=reason]", "freight added to the claim")
    page.click("#revise button[type=submit]")
    page.select_option("#compare select[name=a]", "1")
    page.select_option("#compare select[name=b]", "2")
    page.click("#compare button[type=submit]")
    assert "value.claimed" in page.locator("#diff").inner_text()
    screenshot(page, "claim-versions-diff")
    # Approve with a boundary and a due date.
    page.select_option("#approve select[name=step]", "send_claim")
    page.fill("#approve input[name=version]", "2")
    page.fill("#approve textarea[name=remaining_evidence]", "carton photo")
    page.fill("#approve input[name=due_date]", "2099-01-31")
    page.click("#approve button[type=submit]")
    assert "2099-01-31" in page.locator("#boundary").inner_text()
    # Export the packet: a progress page while every photo is redacted and verified, then the files.
    page.click("#export button[type=submit]")
    assert page.locator("#export-progress progress").count() == 1 or page.locator("#exports a").count() == 4
    page.wait_for_url("**/claims/*#packet", timeout=180000)
    assert page.locator("#exports a").count() == 4, page.locator(".flash").all_inner_texts()
    pdf = page.locator("#exports a").first.get_attribute("href")
    assert page.request.get(web + pdf).status == 200
    # The supplier's credit, then the six-line closeout.
    page.select_option("#respond select[name=kind]", "credit")
    page.fill("#respond input[name=amount]", "95.50")
    page.click("#respond button[type=submit]")
    assert "recovered 95.50" in page.locator("#reconciliation").inner_text()
    for name, text in (("issue", "dented wrenches"), ("affected_field", "quantity"),
                       ("supplier_explanation", "cartons crushed in transit"), ("evidence_reviewed", "photos, carton"),
                       ("buyer_decision", "credit accepted"), ("next_control", "carton check at receiving")):
        page.fill(f"#close input[name={name}]", text)
    page.click("#close button[type=submit]")
    assert page.locator("#claim-state").inner_text() == "closed"
    assert "cartons crushed in transit" in page.locator("#closeout").inner_text()
    screenshot(page, "claim-closed")
    page.goto(web + "/charts")
    screenshot(page, "charts")
