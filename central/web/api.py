"""JSON API: Returns Management System and scripts → returns / linking / claims. Bearer-token authenticated.

The token comes from RETURNS_HUB_API_TOKEN or $CREDENTIALS_DIRECTORY/api-token and is compared in constant
time. Every error is JSON: {"error": message, "status": code} (and "details" naming each bad field or line).
Bodies are checked against the models in api_bodies before the library sees them.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from central import claims, claims_approval, claims_close, claims_response, claims_view, linking
from central.config import read_secret
from central.returns import Loader, RowError, load_rows, parse_row
from central.taxonomy import Taxonomy
from central.web import api_bodies as bodies

bp = Blueprint("api", __name__, url_prefix="/api")
TOKEN_ENV, TOKEN_CREDENTIAL = "RETURNS_HUB_API_TOKEN", "api-token"


class ApiError(Exception):
    def __init__(self, status: int, message: str, details=None):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


def _error(status: int, message: str, details=None):
    body = {"error": message, "status": status}
    if details is not None:
        body["details"] = details
    return jsonify(body), status


@bp.errorhandler(ApiError)
def _api_error(e: ApiError):
    return _error(e.status, e.message, e.details)


@bp.errorhandler(claims.ClaimError)
def _claim_error(e: claims.ClaimError):
    return _error(e.status if e.status != 400 else 422, str(e))


@bp.errorhandler(linking.LinkError)
def _link_error(e):
    return _error(422, str(e))


@bp.errorhandler(HTTPException)
def _http_error(e: HTTPException):
    return _error(e.code or 500, e.description or e.name)


@bp.errorhandler(Exception)
def _crash(e: Exception):
    # A fault still answers JSON; a change in progress was rolled back by hubdb.write, the log has the trace.
    current_app.logger.exception("API %s %s failed", request.method, request.path)
    return _error(500, f"internal error ({type(e).__name__}); see the hub's log")


@bp.before_request
def _authenticate():
    expected = current_app.config.get("API_TOKEN") or read_secret(TOKEN_ENV, TOKEN_CREDENTIAL)
    if not expected:
        return _error(503, f"the API is off: no token in {TOKEN_ENV} or $CREDENTIALS_DIRECTORY/{TOKEN_CREDENTIAL}")
    auth = request.headers.get("Authorization", "")
    given = auth[7:] if auth.startswith("Bearer ") else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _error(401, "missing or wrong API token (Authorization: Bearer …)")
    return None


def _db():
    from central.web import get_db

    return get_db()


def _actor() -> str:
    return "api:" + (request.headers.get("X-Actor") or "token")[:64]


def _settings():
    cfg = current_app.config.get("HUB_CONFIG")
    return cfg.claims if cfg is not None else None


def _taxonomy() -> Taxonomy:
    s = _settings()
    return Taxonomy(s.categories if s is not None else None)


def _body(kind=dict):
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "the body must be JSON (Content-Type: application/json)")
    if not isinstance(data, kind):
        raise ApiError(400, f"the body must be a JSON {'object' if kind is dict else 'array or object'}")
    return data


def _parse(model: type[bodies.Body]):
    """The JSON object body as `model`, or a 422 naming every field that does not fit."""
    data = _body()
    details = bodies.problems(model, data)
    if details:
        raise ApiError(422, bodies.message(details), details)
    return model.model_validate(data)


def _int(name: str, value) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ApiError(422, f"{name} must be a whole number") from None
    if not 0 <= n <= 1_000_000_000:
        raise ApiError(422, f"{name} must be between 0 and 1000000000")
    return n


# --- returns ---

def _rows(data) -> list[dict]:
    """One return or a list; a return carries its `lines`, or is itself one line."""
    items = data.get("returns", data) if isinstance(data, dict) else data
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list) or not items:
        raise ApiError(400, "send a return object, a list of them, or {\"returns\": [...]}")
    rows, details = [], []
    for i, ret in enumerate(items):
        if not isinstance(ret, dict):
            raise ApiError(422, f"returns[{i}] must be an object",
                           [{"field": f"returns[{i}]", "reason": "must be an object"}])
        lines = ret.get("lines", [{}])
        if not isinstance(lines, list) or not lines or not all(isinstance(ln, dict) for ln in lines):
            raise ApiError(422, f"returns[{i}].lines must be a non-empty list of objects",
                           [{"field": f"returns[{i}].lines", "reason": "must be a non-empty list of objects"}])
        bad = bodies.problems(bodies.ReturnBody, ret, f"returns[{i}]")
        if bad:
            details += bad
            continue
        head = {k: v for k, v in ret.items() if k != "lines"}
        rows += [(i, {**head, **ln}) for ln in lines]
    if details:
        raise ApiError(422, bodies.message(details) + "; nothing was loaded", details)
    return rows


MAX_BODY = 16 * 1024 * 1024  # a bigger batch of returns goes through import-returns


@bp.post("/returns")
def post_returns():
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, f"the body is over {MAX_BODY // 1024 // 1024} MB; send returns in smaller batches")
    rows = _rows(_body((dict, list)))
    problems, checker = [], Loader(_db(), _actor(), "api")
    for i, row in rows:
        try:
            checker.check_po(parse_row(row))
        except RowError as e:
            problems.append({"index": i, "ref": str(row.get("rma_ref", ""))[:64], "reason": str(e)})
    if problems:
        # A system sending records gets all of them or none, with every problem named.
        raise ApiError(422, f"{len(problems)} line(s) are invalid; nothing was loaded", problems)
    # One transaction for the whole body: a failure part-way leaves nothing loaded.
    result = load_rows(_db(), rows, actor=_actor(), source="api", batch=None, taxonomy=_taxonomy())
    return jsonify(result.as_dict()), 201


@bp.get("/returns/<ref>")
def get_return(ref: str):
    from central.returns import get_return as fetch

    r = fetch(_db(), ref)
    if r is None:
        raise ApiError(404, f"no return record {ref}")
    return jsonify(r)


@bp.get("/categories")
def categories():
    return jsonify(categories=_taxonomy().for_kiosk())


@bp.get("/photos/unlinked")
def unlinked():
    return jsonify(photos=linking.unlinked(_db(), max(1, min(_int("limit", request.args.get("limit", 200)), 1000))))


@bp.post("/photos/<photo_id>/link")
def link(photo_id: str):
    d = _parse(bodies.LinkBody)
    if not d.return_ref.strip():
        raise ApiError(422, "return_ref is required")
    return jsonify(linking.link_manually(_db(), photo_id, d.return_ref.strip(), d.sku, _actor(), d.category,
                                         _taxonomy()))


# --- claims ---

@bp.get("/claims")
def list_claims():
    return jsonify(claims=claims.list_claims(_db(), request.args.get("state"), request.args.get("supplier")))


@bp.post("/claims")
def create_claim():
    d = _parse(bodies.ClaimBody)
    c = claims.open_claim(_db(), d.supplier, d.po, d.batch, _actor(), _settings())
    return jsonify(claims_view.show(_db(), c["id"])), 201


@bp.get("/claims/<int:claim_id>")
def show(claim_id: int):
    return jsonify(claims_view.show(_db(), claim_id))


@bp.get("/claims/<int:claim_id>/diff")
def diff(claim_id: int):
    return jsonify(claims.diff(_db(), claim_id, _int("a", request.args.get("a")), _int("b", request.args.get("b"))))


@bp.post("/claims/<int:claim_id>/versions")
def revise(claim_id: int):
    d = _parse(bodies.ReviseBody)
    changes = d.changes.model_dump(by_alias=True, exclude_unset=True) if d.changes else {}
    n = claims.revise(_db(), claim_id, _actor(), d.reason, changes, corrects=d.corrects,
                      regather=d.regather, settings=_settings())
    return jsonify(claim=claim_id, version=n), 201


@bp.post("/claims/<int:claim_id>/approve")
def approve(claim_id: int):
    d = _parse(bodies.ApproveBody)
    return jsonify(claims_approval.approve(
        _db(), claim_id, _actor(), step=d.step, po=d.po, version_n=d.version, remaining_evidence=d.remaining_evidence,
        due_date=d.due_date, exception=d.exception, note=d.note, settings=_settings())), 201


@bp.post("/claims/<int:claim_id>/evidence")
def evidence(claim_id: int):
    d = _parse(bodies.EvidenceBody)
    return jsonify(claims_approval.receive_evidence(_db(), claim_id, _actor(), d.item, d.note)), 201


@bp.post("/claims/<int:claim_id>/refuse")
def refuse(claim_id: int):
    d = _parse(bodies.RefuseBody)
    return jsonify(claims_approval.refuse(_db(), claim_id, _actor(), version_n=d.version, reason=d.reason)), 201


@bp.post("/claims/<int:claim_id>/responses")
def respond(claim_id: int):
    d = _parse(bodies.ResponseBody)
    return jsonify(claims_response.respond(_db(), claim_id, _actor(), kind=d.kind, amount=d.amount,
                                           quantity=d.quantity, reason=d.reason, note=d.note)), 201


@bp.post("/claims/<int:claim_id>/close")
def close(claim_id: int):
    return jsonify(claims_close.close(_db(), claim_id, _actor(), _parse(bodies.CloseBody).model_dump()))


@bp.get("/claims/<int:claim_id>/handoff")
def handoff(claim_id: int):
    return jsonify(claims_close.handoff(_db(), claim_id))


@bp.get("/claims/<int:claim_id>/packet-input")
def packet_input(claim_id: int):
    cfg = current_app.config.get("HUB_CONFIG")
    photo_dir = cfg.photo_dir if cfg is not None else current_app.config.get("PHOTO_DIR", "photos")
    return jsonify(claims_view.packet_input(_db(), claim_id, photo_dir))


@bp.get("/suppliers/<supplier>")
def supplier(supplier: str):
    return jsonify(**claims_response.reconcile_supplier(_db(), supplier),
                   practice=claims_approval.supplier_practice(_db(), supplier))
