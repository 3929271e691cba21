"""Linking: photos join their return by reference and their line by SKU; the rest wait with a reason."""

import json

import pytest

from central import audit, linking
from central import db as hubdb
from central.returns import import_csv
from central.taxonomy import Taxonomy
from tests.test_central.claimkit import add_photo, hub, link_of, row, write_csv


def test_photo_links_to_return_and_its_only_line(tmp_path):
    conn = hub(tmp_path, [row("RMA-1")])
    link = link_of(conn, add_photo(conn, "RMA-1", "scratch"))
    line = conn.execute("SELECT id FROM return_lines WHERE return_ref = 'RMA-1'").fetchone()[0]
    assert (link["status"], link["return_ref"], link["line_id"], link["category"], link["how"]) == \
        ("linked", "RMA-1", line, "scratch", "ingest")


def test_label_sku_picks_the_line_and_a_wrong_label_waits(tmp_path):
    conn = hub(tmp_path, [row("RMA-1", "SKU-1"), row("RMA-1", "SKU-2")])
    sku2 = conn.execute("SELECT id FROM return_lines WHERE sku = 'SKU-2'").fetchone()[0]
    assert link_of(conn, add_photo(conn, "RMA-1", label_check={"sku": "SKU-2"}))["line_id"] == sku2
    no_sku = link_of(conn, add_photo(conn, "RMA-1"))
    assert (no_sku["status"], no_sku["line_id"], no_sku["reason_code"]) == ("linked", None, "line_unknown")
    wrong = link_of(conn, add_photo(conn, "RMA-1", label_check={"sku": "SKU-9"}))
    assert (wrong["status"], wrong["reason"]) == ("unlinked", "label SKU SKU-9 is not on return RMA-1")
    other = link_of(conn, add_photo(conn, "RMA-1", label_check={"codes": ["RMA-7"], "match": False}))
    assert (other["status"], other["reason"]) == ("unlinked", "a return label in the photo (RMA-7) is not RMA-1")
    read = link_of(conn, add_photo(conn, "RMA-1", label_check={"codes": ["RMA-1", "sku-2"], "match": True}))
    assert (read["status"], read["line_id"]) == ("linked", sku2)
    odd = link_of(conn, add_photo(conn, "RMA-1", label_check={"codes": 7, "match": "maybe"}))
    assert (odd["status"], odd["reason_code"]) == ("linked", "line_unknown")
    unread = link_of(conn, add_photo(conn, "RMA-1", label_check={"codes": [], "match": None}))
    assert (unread["status"], unread["reason_code"]) == ("linked", "line_unknown")


def test_unlinkable_photos_queue_with_their_reason(tmp_path):
    conn = hub(tmp_path, [row("RMA-1")])
    unknown, blank = add_photo(conn, "RMA-404"), add_photo(conn, " ")
    queue = {q["photo_id"]: q for q in linking.unlinked(conn)}
    assert set(queue) == {unknown, blank}
    assert queue[unknown]["reason"] == "no return record RMA-404 (yet)"
    assert queue[blank]["reason_code"] == "no_reference"
    assert linking.link_stats(conn)["photos_unlinked"] == 2


def test_late_record_links_waiting_photos_on_import(tmp_path):
    conn = hub(tmp_path, [row("RMA-1")])
    early = [add_photo(conn, "RMA-2", "dent"), add_photo(conn, "RMA-2", "dent")]
    assert all(link_of(conn, p)["status"] == "unlinked" for p in early)
    r = import_csv(conn, write_csv(tmp_path / "late.csv", [row("RMA-2")]))
    assert r.linked_photos == 2
    for p in early:
        link = link_of(conn, p)
        assert (link["status"], link["how"], link["category"]) == ("linked", "late", "dent")
    assert linking.unlinked(conn) == []


def test_category_mapping_uses_stable_codes_and_the_desk_event(tmp_path):
    tax = Taxonomy()
    assert [tax.code_for(x) for x in ("Crack / break", "broken", "crack_break", "Missing part", "blue", None, 3)] == \
        ["crack_break", "crack_break", "crack_break", "missing_part", None, None, None]
    kiosk_defaults = ["scratch", "dent", "crack", "stain", "missing_part", "wrong_item", "not_working", "other"]
    assert [tax.code_for(x) for x in kiosk_defaults] == \
        ["scratch", "dent", "crack_break", "stain", "missing_part", "wrong_item", "does_not_work", "other"]
    custom = Taxonomy([{"code": "rust", "label": "Rust", "aliases": ["corroded"]}])
    assert (custom.code_for("corroded"), custom.code_for("scratch")) == ("rust", None)
    conn = hub(tmp_path, [row("RMA-1")])
    pid = add_photo(conn, "RMA-1", category=None)
    assert link_of(conn, pid)["category"] is None
    ev = {"event_id": "e1", "type": "item_finished", "kiosk": "kiosk-a", "at": "2026-11-01T00:00:00Z",
          "return_ref": "RMA-1", "category": "does not work", "photo_ids": [pid]}
    with hubdb.write(conn):
        conn.execute("INSERT INTO events (event_id, kiosk, type, return_ref, at, received_at, body) "
                     "VALUES ('e1', 'kiosk-a', 'item_finished', 'RMA-1', '', '', ?)", (json.dumps(ev),))
        linking.link_event(conn, tax, ev)
    assert link_of(conn, pid)["category"] == "does_not_work"
    assert conn.execute("SELECT status FROM event_links WHERE event_id = 'e1'").fetchone()[0] == "linked"


def test_categories_come_from_hub_config(tmp_path):
    from central.config import load_config

    p = tmp_path / "hub.toml"
    p.write_text('data_dir = "d"\n[claims]\ncategories = [{code = "rust", label = "Rust"}]\n')
    assert Taxonomy(load_config(p).claims.categories).for_kiosk() == [{"code": "rust", "label": "Rust"}]
    p.write_text('data_dir = "d"\n[claims]\ncategories = [{code = "Bad Code", label = "x"}]\n')
    with pytest.raises(Exception, match="code"):
        load_config(p)


def test_manual_link_is_audited_and_checked(tmp_path):
    conn = hub(tmp_path, [row("RMA-1", "SKU-1"), row("RMA-1", "SKU-2")])
    pid = add_photo(conn, "RMA-X")
    with pytest.raises(linking.LinkError, match="SKU-9 is not on return RMA-1"):
        linking.link_manually(conn, pid, "RMA-1", "SKU-9", "wh")
    with pytest.raises(linking.LinkError, match="no return record RMA-2"):
        linking.link_manually(conn, pid, "RMA-2", None, "wh")
    after = linking.link_manually(conn, pid, "RMA-1", "SKU-2", "wh", category="stain")
    assert (after["status"], after["how"], after["category"]) == ("linked", "manual", "stain")
    (entry,) = audit.entries(conn, "photo", pid)
    assert (entry["actor"], entry["action"]) == ("wh", "photo.link")
    assert json.loads(entry["before"])["status"] == "unlinked"
    assert json.loads(entry["after"])["return_ref"] == "RMA-1"
