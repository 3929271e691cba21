"""Linking: photos join their return by ref and their line by SKU; the rest wait in the unlinked queue."""

from __future__ import annotations

import csv
import json

from central import demodata, linking, returns
from central.taxonomy import Taxonomy
from tests import helpers
from tests.test_central.conftest import add_photo


def _import(conn, rows):
    return returns.import_rows(conn, enumerate(rows, 2), actor="test")


def _two_line_return():
    base = demodata.rows(1)[0]
    return [{**base, "rma_ref": "RMA-2L", "sku": "SKU-A", "product": "A"},
            {**base, "rma_ref": "RMA-2L", "sku": "SKU-B", "product": "B"}]


def test_photo_links_to_return_and_its_only_line(conn):
    rows = demodata.rows(3)
    _import(conn, rows)
    pid = add_photo(conn, rows[0]["rma_ref"], category="dent")
    link = dict(conn.execute("SELECT * FROM photo_links WHERE photo_id = ?", (pid,)).fetchone())
    assert (link["return_ref"], link["sku"], link["po"], link["category"]) == (
        rows[0]["rma_ref"], rows[0]["sku"], rows[0]["supplier_po"], "dent")
    assert conn.execute("SELECT count(*) FROM unlinked").fetchone()[0] == 0


def test_label_sku_picks_the_line_and_item_order_is_the_fallback(conn):
    _import(conn, _two_line_return())
    by_label = add_photo(conn, "RMA-2L", item=1, label_check={"codes": ["SKU-B"], "match": True})
    by_item = add_photo(conn, "RMA-2L", item=2)
    links = {r["photo_id"]: r for r in conn.execute("SELECT * FROM photo_links")}
    assert (links[by_label]["sku"], links[by_label]["how"], links[by_label]["label_match"]) == ("SKU-B", "label_sku", 1)
    assert (links[by_item]["sku"], links[by_item]["how"]) == ("SKU-B", "item_order")


def test_unlinkable_photos_go_to_the_queue_with_the_reason(conn):
    _import(conn, _two_line_return())
    no_record = add_photo(conn, "RMA-NOPE")
    mismatch = add_photo(conn, "RMA-2L", label_check={"codes": ["RMA-OTHER"], "match": False})
    no_line = add_photo(conn, "RMA-2L", item=3)
    queue = {r["photo_id"]: r for r in linking.unlinked_queue(conn)}
    assert queue[no_record]["reason"] == linking.NO_RETURN
    assert queue[mismatch]["reason"] == linking.LABEL_MISMATCH and "RMA-OTHER" in queue[mismatch]["detail"]
    assert queue[no_line]["reason"] == linking.NO_LINE_FOR_ITEM
    assert conn.execute("SELECT count(*) FROM photo_links").fetchone()[0] == 0


def test_a_record_imported_after_its_photos_links_them(conn):
    rows = demodata.rows(4)
    early = [add_photo(conn, rows[0]["rma_ref"]), add_photo(conn, rows[1]["rma_ref"])]
    assert linking.counts(conn)["unlinked"] == 2
    result = _import(conn, rows)
    assert result.linked == 2
    assert linking.counts(conn)["unlinked"] == 0
    linked = {r[0] for r in conn.execute("SELECT photo_id FROM photo_links")}
    assert linked == set(early)


def test_category_words_map_to_stable_codes():
    t = Taxonomy()
    assert t.codes()[:8] == ["scratch", "dent", "crack_break", "stain", "missing_part", "wrong_item",
                             "packaging_damage", "does_not_work"]
    assert t.code_for("crack") == "crack_break"          # the kiosk's word
    assert t.code_for("Crack/Break") == "crack_break"    # the label
    assert t.code_for("not_working") == "does_not_work"
    assert t.code_for("packaging damage") == "packaging_damage"
    assert t.code_for("sparkles") is None
    custom = Taxonomy([{"code": "bent", "label": "bent", "aliases": ["warped"]}])
    assert custom.code_for("warped") == "bent" and custom.code_for("scratch") is None


def test_configured_taxonomy_is_used_by_linking(conn):
    rows = demodata.rows(1)
    _import(conn, rows)
    t = Taxonomy([{"code": "surface", "label": "surface damage", "aliases": ["scratch"]}])
    with conn:
        out = linking.link_photo(conn, "p" * 16, rows[0]["rma_ref"], 1, "scratch", None, t)
    assert out["category"] == "surface"


def test_desk_event_sets_the_category_of_its_photos(conn):
    rows = demodata.rows(1)
    _import(conn, rows)
    pid = add_photo(conn, rows[0]["rma_ref"], category=None)
    with conn:
        linking.link_event(conn, {"event_id": "e1", "type": "item_finished", "return_ref": rows[0]["rma_ref"],
                                  "item": 1, "category": "stain", "photo_ids": [pid]})
    assert conn.execute("SELECT category FROM photo_links WHERE photo_id = ?", (pid,)).fetchone()[0] == "stain"


def test_through_the_real_ingest_worker(hub_config, kiosk_config, ingest, sample_photos, tmp_path):
    """Kiosk → broker → ingest: photos for a known return link at once; an unknown ref waits, then links on import."""
    rows = demodata.rows(2)
    known = [r for r in rows if r["rma_ref"] == "RMA-SIM-00001"]
    late = [r for r in rows if r["rma_ref"] == "RMA-SIM-00002"]
    path = tmp_path / "known.csv"

    for name, part in (("known.csv", known), ("late.csv", late)):
        with open(tmp_path / name, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=returns.COLUMNS)
            w.writeheader()
            w.writerows(part)
    helpers.hub_cli(hub_config, "import-returns", str(path), "--no-progress")
    ingest()
    kcfg = kiosk_config("kiosk-a")
    r = helpers.kiosk_cli(kcfg, "kiosk-a", "simulate", "--photos", str(sample_photos),
                          "--returns", "RMA-SIM-00001,RMA-SIM-00002", "--per-return", "2", "--category", "crack",
                          "--wait", "30")
    assert json.loads(r.stdout)["pending"] == 0
    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert (stats["photos"], stats["linked"], stats["unlinked"]) == (4, 2, 2)
    assert stats["unlinked_by_reason"] == {linking.NO_RETURN: 2}
    helpers.hub_cli(hub_config, "import-returns", str(tmp_path / "late.csv"), "--no-progress")
    stats = json.loads(helpers.hub_cli(hub_config, "stats", "--json").stdout)
    assert (stats["linked"], stats["unlinked"]) == (4, 0)
    db = helpers.hub_db(hub_config)
    assert {r[0] for r in db.execute("SELECT DISTINCT category FROM photo_links")} == {"crack_break"}
    assert db.execute("SELECT count(*) FROM event_links WHERE category = 'crack_break'").fetchone()[0] == 2
