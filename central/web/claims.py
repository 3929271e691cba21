"""Buyer screens for claims: claims → web. List, claim file, versions and their diff, approval boundary,
supplier response, six-line closeout, handoff check, packet export; the claims library does the work."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from central import claims, claims_approval, claims_close, claims_response, claims_view
from central.config import ClaimsConfig
from central.web import claims_charts  # noqa: F401  (adds the claim charts to the charts page)
from central.web import get_db
from central.web.security import actor, roles

bp = Blueprint("claims", __name__)
PAGE = 50
PHOTOS_SHOWN = 24  # per category; the rest one click away (a big claim carries hundreds); app config CLAIM_PHOTOS_SHOWN


def _settings() -> ClaimsConfig:
    cfg = current_app.config.get("HUB_CONFIG")
    return cfg.claims if cfg is not None else ClaimsConfig()


@bp.get("/claims")
@roles("buyer")
def claims_list():
    f = {k: request.args.get(k, "").strip() for k in ("supplier", "po", "state", "due_before", "due_after")}
    page = max(1, int(request.args.get("page", 1) or 1)) if request.args.get("page", "1").isdigit() else 1
    where, args = [], []
    state = claims.state_sql(alias="c")  # as it stands today: an approval past its due date shows as ended
    for k, col in (("supplier", "c.supplier"), ("po", "c.po"), ("state", state)):
        if f[k]:
            where.append(f"{col} = ?")
            args.append(f[k])
    for k, op in (("due_before", "<="), ("due_after", ">=")):
        if f[k]:
            where.append(f"EXISTS (SELECT 1 FROM claim_decisions d WHERE d.claim_id = c.id AND d.kind = 'approval' "
                         f"AND d.ended_at IS NULL AND d.due_date {op} ?)")
            args.append(f[k])
    q = (f"SELECT c.*, {state} AS state_now, (SELECT min(d.due_date) FROM claim_decisions d "
         "WHERE d.claim_id = c.id AND d.kind = 'approval' AND d.ended_at IS NULL) AS due_date FROM claims c")
    if where:
        q += " WHERE " + " AND ".join(where)
    rows = [dict(r) | {"state": r["state_now"]} for r in get_db().execute(
        q + " ORDER BY c.id DESC LIMIT ? OFFSET ?", (*args, PAGE + 1, (page - 1) * PAGE))]
    suppliers = [r[0] for r in get_db().execute("SELECT DISTINCT supplier FROM claims ORDER BY 1")]
    return render_template("claims.html", rows=rows[:PAGE], more=len(rows) > PAGE, page=page, f=f,
                           states=claims.SHOWN_STATES, suppliers=suppliers)


@bp.get("/claims/new")
@roles("buyer")
def new_claim():
    """Open a claim for a supplier PO (optionally one batch); the PO names its supplier."""
    pos = get_db().execute(
        "SELECT p.po, p.supplier, (SELECT max(c.id) FROM claims c WHERE c.po = p.po AND c.state != 'closed') "
        "AS open_claim FROM purchase_orders p ORDER BY p.supplier, p.po").fetchall()
    return render_template("claim_new.html", pos=pos, po=request.args.get("po", ""),
                           batch=request.args.get("batch", ""))


@bp.post("/claims/new")
@roles("buyer")
def open_new_claim():
    po, batch = request.form.get("po", "").strip(), request.form.get("batch", "").strip() or None
    row = get_db().execute("SELECT supplier FROM purchase_orders WHERE po = ?", (po,)).fetchone()
    try:
        if row is None:
            raise claims.NotFound(f"no PO {po!r} in the return records" if po else "pick a PO")
        c = claims.open_claim(get_db(), row["supplier"], po, batch, actor(), settings=_settings())
    except claims.ClaimError as e:
        flash(str(e), "error")
        return redirect(url_for("claims.new_claim", po=po, batch=batch or ""))
    flash(f"Claim {c['id']} opened for {c['supplier']} PO {po}: its linked defect photos are gathered as version 1.",
          "ok")
    return redirect(url_for("claims.claim_page", claim_id=c["id"]))


def _show(claim_id: int) -> dict:
    try:
        return claims_view.show(get_db(), claim_id)
    except claims.NotFound:
        abort(404)


@bp.get("/claims/<int:claim_id>")
@roles("buyer")
def claim_page(claim_id: int):
    c = _show(claim_id)
    conn = get_db()
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    if a is None or b is None:
        a, b = max(1, c["version"] - 1), c["version"]
    try:
        diff = claims.diff(conn, claim_id, a, b) if a != b else None
    except claims.ClaimError:
        diff = None
    limit = 10**9 if request.args.get("all") else current_app.config.get("CLAIM_PHOTOS_SHOWN", PHOTOS_SHOWN)
    from central.web.redaction import start_scans

    scanning = start_scans(conn, [p for d in c["document"]["defects"].values() for p in d["photos"][:limit]])
    return render_template("claim.html", c=c, diff=diff, a=a, b=b, handoff=claims_close.handoff(conn, claim_id),
                           steps=claims_approval.STEPS, exceptions=claims_approval.EXCEPTIONS,
                           kinds=claims_response.KINDS, note_lines=claims_close.NOTE_LINES,
                           default_next=claims_close.DEFAULT_NEXT_CONTROL, exports=_exports(claim_id),
                           photo_limit=limit, scanning=scanning)


def _act(claim_id: int, done: str, fn):
    """Run one claims-library change; its refusal is shown on the claim page, not a crash."""
    try:
        fn()
        flash(done, "ok")
    except claims.ClaimError as e:
        flash(str(e), "error")
    return redirect(url_for("claims.claim_page", claim_id=claim_id))


@bp.post("/claims/<int:claim_id>/revise")
@roles("buyer")
def revise(claim_id: int):
    changes = {k: request.form[k] for k in ("summary", "supplier_question", "value.claimed", "quantity.total",
                                             "label.note") if request.form.get(k, "").strip()}
    return _act(claim_id, "New version saved.", lambda: claims.revise(
        get_db(), claim_id, actor(), request.form.get("reason", "").strip() or "edited by the buyer", changes,
        settings=_settings()))


@bp.post("/claims/<int:claim_id>/approve")
@roles("buyer")
def approve(claim_id: int):
    form = request.form
    return _act(claim_id, "Approval saved with its boundary.", lambda: claims_approval.approve(
        get_db(), claim_id, actor(), step=form.get("step", ""), po=form.get("po", "").strip(),
        version_n=form.get("version", type=int) or 0,
        remaining_evidence=form.get("remaining_evidence", "").splitlines(),
        due_date=form.get("due_date") or None, exception=form.get("exception") or None,
        note=form.get("note", ""), settings=_settings()))


@bp.post("/claims/<int:claim_id>/refuse")
@roles("buyer")
def refuse(claim_id: int):
    return _act(claim_id, "Refusal saved.", lambda: claims_approval.refuse(
        get_db(), claim_id, actor(), version_n=request.form.get("version", type=int) or 0,
        reason=request.form.get("reason", "")))


@bp.post("/claims/<int:claim_id>/respond")
@roles("buyer")
def respond(claim_id: int):
    form = request.form
    return _act(claim_id, "Supplier response recorded.", lambda: claims_response.respond(
        get_db(), claim_id, actor(), kind=form.get("kind", ""), amount=form.get("amount"),
        quantity=form.get("quantity"), reason=form.get("reason", ""), note=form.get("note", "")))


@bp.post("/claims/<int:claim_id>/close")
@roles("buyer")
def close(claim_id: int):
    note = {k: request.form.get(k, "") for k in claims_close.NOTE_LINES}
    return _act(claim_id, "Claim closed with its six-line note.", lambda: claims_close.close(
        get_db(), claim_id, actor(), note))


def _packet_dir(claim_id: int) -> Path:
    return current_app.config["HUB_CONFIG"].data_dir / "packets" / str(claim_id)


def _exports(claim_id: int) -> list[dict]:
    import json

    rows = get_db().execute("SELECT version, actor, at, files, photos FROM packet_exports WHERE claim_id = ? "
                            "ORDER BY id DESC", (str(claim_id),)).fetchall()
    return [dict(r) | {"files": json.loads(r["files"])} for r in rows]


@bp.post("/claims/<int:claim_id>/export")
@roles("buyer")
def export(claim_id: int):
    from central.web import export_jobs

    cfg = current_app.config["HUB_CONFIG"]
    if not _exists(claim_id):
        abort(404)
    job = export_jobs.start(current_app.config["DATABASE"], cfg.photo_dir, _packet_dir(claim_id), claim_id, actor())
    return redirect(url_for("claims.export_progress", claim_id=claim_id, job_id=job.id))


@bp.get("/claims/<int:claim_id>/export/<job_id>")
@roles("buyer")
def export_progress(claim_id: int, job_id: str):
    """Redacting n of N, refreshed each second without a script; at the end, back to the claim's packet."""
    from central.web import export_jobs

    job = export_jobs.get(job_id)
    if job is None or job.claim_id != claim_id:
        abort(404)
    if job.state in ("done", "refused", "failed"):
        flash(job.message, "ok" if job.state == "done" else "error")
        return redirect(url_for("claims.claim_page", claim_id=claim_id) + "#packet")
    return render_template("export_progress.html", job=job, claim_id=claim_id)


def _exists(claim_id: int) -> bool:
    try:
        claims.get(get_db(), claim_id)
        return True
    except claims.NotFound:
        return False


@bp.get("/claims/<int:claim_id>/packet/<int:version>/<name>")
@roles("buyer")
def packet_file(claim_id: int, version: int, name: str):
    """A file of a recorded export, by the name the export recorded: nothing else in that folder is served."""
    from flask import send_file

    for e in _exports(claim_id):
        if e["version"] == version and name in e["files"]:
            path = _packet_dir(claim_id) / f"v{version}" / name
            if path.is_file():
                return send_file(path, as_attachment=True, download_name=name)
    abort(404)
