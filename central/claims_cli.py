"""`returns-hub claim …`: open, show, compare, approve, refuse, answer and close claims from the shell."""

from __future__ import annotations

import json
import sys

from central.returns_cli import actor_default

ACTIONS = ("create", "list", "show", "diff", "revise", "approve", "refuse", "respond", "close", "handoff", "supplier")


def _run(args):
    from central import claims, claims_approval, claims_close, claims_response, claims_view
    from central import config as hubconfig
    from central import db as hubdb

    cfg = hubconfig.load_config(args.config)
    conn, s = hubdb.connect(cfg.db_path), cfg.claims
    a = args.action
    if a == "create":
        return claims_view.show(conn, claims.open_claim(conn, args.supplier, args.po, args.batch, args.actor, s)["id"])
    if a == "list":
        return {"claims": claims.list_claims(conn, args.state, args.supplier)}
    if a == "show":
        return claims_view.show(conn, args.claim_id)
    if a == "diff":
        return claims.diff(conn, args.claim_id, args.a, args.b)
    if a == "revise":
        changes = dict(kv.split("=", 1) for kv in args.set or [] if "=" in kv)
        if len(changes) != len(args.set or []):
            raise claims.ClaimError("--set takes field=value")
        n = claims.revise(conn, args.claim_id, args.actor, args.reason, changes, corrects=args.corrects,
                          regather=args.regather, settings=s)
        return {"claim": args.claim_id, "version": n}
    if a == "approve":
        return claims_approval.approve(conn, args.claim_id, args.actor, step=args.step, po=args.po,
                                       version_n=args.version, remaining_evidence=args.evidence, due_date=args.due,
                                       exception=args.exception, note=args.note or "", settings=s)
    if a == "refuse":
        return claims_approval.refuse(conn, args.claim_id, args.actor, version_n=args.version, reason=args.reason)
    if a == "respond":
        return claims_response.respond(conn, args.claim_id, args.actor, kind=args.kind, amount=args.amount,
                                       quantity=args.quantity, reason=args.reason or "", note=args.note or "")
    if a == "close":
        note = {k: getattr(args, k) for k in claims_close.NOTE_LINES}
        return claims_close.close(conn, args.claim_id, args.actor, note)
    if a == "handoff":
        return claims_close.handoff(conn, args.claim_id)
    return {**claims_response.reconcile_supplier(conn, args.supplier),
            "practice": claims_approval.supplier_practice(conn, args.supplier)}


def _print_human(action: str, out: dict) -> None:
    if action == "show":
        d = out["document"]
        print(f"claim {out['id']}  {out['supplier']}  PO {out['po']}  batch {out['batch'] or '-'}  "
              f"state {out['state']}  version {out['version']}")
        print(f"summary:  {d['summary']}\nquestion: {d['supplier_question']}\ntiming:   {d['timing']}")
        for code, g in d["defects"].items():
            print(f"  {g['label']} ({code}): {len(g['photos'])} photo(s), returns {', '.join(g['returns'])}")
        if out["approval"]:
            print(f"approval: {out['approval']['boundary']}")
        r = out["reconciliation"]
        print(f"recovery: claimed {r['claimed']:.2f}, recovered {r['recovered']:.2f} ({r['status']})")
    elif action == "list":
        for c in out["claims"]:
            print(f"{c['id']:5} {c['state']:10} v{c['current_version']:<3} {c['supplier']:28} {c['po']} {c['batch'] or ''}")
    elif action == "handoff":
        for name, q in out["questions"].items():
            print(f"{name:16} {'ok' if not q['missing'] else 'MISSING: ' + '; '.join(q['missing'])}")
    else:
        print(json.dumps(out, indent=2, default=str))


def cmd_claim(args) -> int:
    from central.claims import ClaimError

    try:
        out = _run(args)
    except ClaimError as e:
        if args.json:
            print(json.dumps({"ok": False, "error": str(e), "status": e.status}))
        else:
            print(f"error: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(out, default=str))
    else:
        _print_human(args.action, out)
    return 0


def register(sub) -> None:
    s = sub.add_parser("claim", help="supplier claims: " + ", ".join(ACTIONS))
    s.add_argument("action", choices=ACTIONS)
    s.add_argument("claim_id", nargs="?", type=int)
    s.add_argument("a", nargs="?", type=int, help="diff: first version")
    s.add_argument("b", nargs="?", type=int, help="diff: second version")
    s.add_argument("--config", required=True)
    s.add_argument("--json", action="store_true", help="one JSON object")
    s.add_argument("--actor", default=actor_default(), help="who acts (for the audit log)")
    s.add_argument("--supplier")
    s.add_argument("--po")
    s.add_argument("--batch")
    s.add_argument("--state")
    s.add_argument("--reason")
    s.add_argument("--set", action="append", metavar="FIELD=VALUE", help="revise: a changed field (repeatable)")
    s.add_argument("--corrects", type=int, help="revise: the refused version this corrects")
    s.add_argument("--regather", action="store_true", help="revise: gather linked evidence again")
    s.add_argument("--step", help="approve: " + "|".join(("send_claim", "release_balance", "accept_replacement",
                                                          "accept_credit")))
    s.add_argument("--version", type=int, help="approve/refuse: the document version")
    s.add_argument("--evidence", action="append", help="approve: remaining evidence item (repeatable)")
    s.add_argument("--due", help="approve: remaining evidence due date YYYY-MM-DD")
    s.add_argument("--exception", choices=("small_value", "one_shipment"))
    s.add_argument("--note")
    s.add_argument("--kind", choices=("credit", "replacement", "rejection", "partial"))
    s.add_argument("--amount")
    s.add_argument("--quantity")
    for line in ("issue", "affected_field", "supplier_explanation", "evidence_reviewed", "buyer_decision",
                 "next_control"):
        s.add_argument("--" + line.replace("_", "-"), dest=line, default="", help="close: closeout note line")
    s.set_defaults(func=cmd_claim)
