"""Return records over HTTP (RMS → hub): POST /api/returns, GET /api/returns/<ref>, GET /api/unlinked."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from central import linking, returns
from central.taxonomy import from_config
from central.web import apiauth, get_db

bp = apiauth.protect(Blueprint("api_returns", __name__, url_prefix="/api"))
MAX_RECORDS = 5000


@bp.post("/returns")
def post_returns():
    """Body: {"returns": [{rma_ref, customer_*, order_id, order_date, reason, status, supplier, supplier_po,
    batch, lines: [{sku, product, quantity, unit_value, batch?}]}]} or one such return object."""
    data = apiauth.body()
    records = data["returns"] if "returns" in data else [data]
    if not isinstance(records, list) or not records:
        return apiauth.json_error("'returns' must be a non-empty list of return objects", 400)
    if len(records) > MAX_RECORDS:
        return apiauth.json_error(f"at most {MAX_RECORDS} returns per request", 413)
    cfg = current_app.config.get("HUB_CONFIG")
    result = returns.import_rows(get_db(), returns.records_to_rows(records), actor=g.api_actor, source="api",
                                 taxonomy=from_config(cfg) if cfg else None)
    out = result.to_dict()
    for e in out["errors"]:
        e["record"] = e.pop("line")
    status = 200 if not result.errors else (207 if result.loaded else 422)
    if status == 422:
        out["error"] = "no return could be loaded: " + "; ".join(e["reason"] for e in out["errors"][:5])
    return jsonify(out), status


@bp.get("/returns/<ref>")
def get_return(ref):
    ret = returns.get_return(get_db(), ref)
    if ret is None:
        return apiauth.json_error(f"no return {ref}", 404)
    ret["photos"] = [dict(r) for r in get_db().execute(
        "SELECT photo_id, line_id, sku, category, how FROM photo_links WHERE return_ref = ?", (ref,))]
    return jsonify(ret)


@bp.get("/unlinked")
def unlinked():
    return jsonify(unlinked=linking.unlinked_queue(get_db()))
