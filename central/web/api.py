"""The claim file over HTTP (claims → API → web screens). Every route answers JSON; errors are {error, status}.

GET  /api/claims?supplier=&state=           list
POST /api/claims                            {supplier, po, batch?, evidence?, question?, balance_release?,
                                             claim_recovery?, credit_due?}
GET  /api/claims/<id>                       the claim file (show)
GET  /api/claims/<id>/diff?from=1&to=2      two versions compared, tracked fields marked
POST /api/claims/<id>/revise                {note, changes?, refresh?, evidence?, question?, timing?}
POST /api/claims/<id>/approve               {step, remaining_evidence[], due_date, version?, po?, exception?,
                                             exception_note?}
POST /api/claims/<id>/refuse                {reason, version?}
POST /api/claims/<id>/responses             {kind: credit|replacement|rejection|partial, amount?, quantity?, reason?}
POST /api/claims/<id>/close                 {issue, affected_field, supplier_explanation, evidence_reviewed,
                                             buyer_decision, next_control}
GET  /api/claims/<id>/handoff               the four handoff questions, gaps named
GET  /api/suppliers/<name>/reconcile        claimed vs recovered for one supplier
GET  /api/categories                        the defect taxonomy
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from central import claims
from central.taxonomy import from_config
from central.web import apiauth, get_db

bp = apiauth.protect(Blueprint("api_claims", __name__, url_prefix="/api"))


@bp.errorhandler(claims.ClaimError)
def _claim_error(e: claims.ClaimError):
    return apiauth.json_error(str(e), e.status)


def _cfg():
    return current_app.config.get("HUB_CONFIG")


def _claims_cfg(name, default):
    cfg = _cfg()
    return getattr(cfg.claims, name) if cfg is not None else default


def _taxonomy():
    return from_config(_cfg()) if _cfg() else None


def _pick(data: dict, allowed: dict) -> dict:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise claims.ClaimError(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return {allowed[k]: v for k, v in data.items()}


@bp.get("/claims")
def list_claims():
    return jsonify(claims=claims.list_claims(get_db(), supplier=request.args.get("supplier"),
                                             state=request.args.get("state")))


@bp.post("/claims")
def create():
    data = apiauth.body()
    for k in ("supplier", "po"):
        if not isinstance(data.get(k), str) or not data[k].strip():
            raise claims.ClaimError(f"'{k}' is required")
    kw = _pick(data, {"supplier": "supplier", "po": "po", "batch": "batch", "evidence": "evidence_kind",
                      "question": "question_text", "balance_release": "balance_release",
                      "claim_recovery": "claim_recovery", "credit_due": "credit_due"})
    c = claims.create(get_db(), actor=g.api_actor, taxonomy=_taxonomy(),
                      due_days=_claims_cfg("credit_due_days", 30), **kw)
    return jsonify(claims.show(get_db(), c["id"])), 201


@bp.get("/claims/<int:claim_id>")
def show(claim_id):
    return jsonify(claims.show(get_db(), claim_id))


@bp.get("/claims/<int:claim_id>/diff")
def diff(claim_id):
    try:
        v_from, v_to = int(request.args["from"]), int(request.args["to"])
    except (KeyError, ValueError):
        raise claims.ClaimError("give two version numbers: ?from=N&to=M") from None
    return jsonify(claims.diff(get_db(), claim_id, v_from, v_to))


@bp.post("/claims/<int:claim_id>/revise")
def revise(claim_id):
    kw = _pick(apiauth.body(), {"note": "note", "changes": "changes", "refresh": "refresh",
                                "evidence": "evidence_kind", "question": "question_text", "timing": "timing"})
    claims.revise(get_db(), claim_id, actor=g.api_actor, taxonomy=_taxonomy(), **{"note": "", **kw})
    return jsonify(claims.show(get_db(), claim_id))


@bp.post("/claims/<int:claim_id>/approve")
def approve(claim_id):
    kw = _pick(apiauth.body(), {"step": "step", "remaining_evidence": "remaining_evidence", "due_date": "due_date",
                                "version": "version", "po": "po", "exception": "exception",
                                "exception_note": "exception_note"})
    kw = {"step": "", "remaining_evidence": [], "due_date": None, **kw}
    if not isinstance(kw["remaining_evidence"], list):
        raise claims.ClaimError("'remaining_evidence' must be a list of documents")
    a = claims.approve(get_db(), claim_id, actor=g.api_actor,
                       small_value_limit=_claims_cfg("small_value_limit", 250.0), **kw)
    return jsonify(a), 201


@bp.post("/claims/<int:claim_id>/refuse")
def refuse(claim_id):
    kw = _pick(apiauth.body(), {"reason": "reason", "version": "version"})
    return jsonify(claims.refuse(get_db(), claim_id, actor=g.api_actor, **{"reason": "", **kw})), 201


@bp.post("/claims/<int:claim_id>/responses")
def respond(claim_id):
    kw = _pick(apiauth.body(), {"kind": "kind", "amount": "amount", "quantity": "quantity", "reason": "reason"})
    return jsonify(claims.respond(get_db(), claim_id, actor=g.api_actor, **{"kind": "", **kw})), 201


@bp.post("/claims/<int:claim_id>/close")
def close(claim_id):
    data = apiauth.body()
    return jsonify(claims.close(get_db(), claim_id, actor=g.api_actor, note=data))


@bp.get("/claims/<int:claim_id>/handoff")
def handoff(claim_id):
    return jsonify(claims.handoff(get_db(), claim_id))


@bp.get("/suppliers/<name>/reconcile")
def reconcile(name):
    return jsonify(claims.reconcile_supplier(get_db(), name))


@bp.get("/categories")
def categories():
    t = _taxonomy() or claims.evidence.Taxonomy()
    return jsonify(categories=t.categories)
