"""`returns-hub claim …`: open, show, compare, approve, refuse, answer and close claims from the shell.

Each action is its own sub-command with its own options. Later stages add actions (the packet export)
by appending a function to EXTRA_CLAIM_ACTIONS: it receives `add(name, help)`, which returns a parser
that already has --config, --json and --actor.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from central.returns_cli import actor_default

NOTE_OPTIONS = ("issue", "affected_field", "supplier_explanation", "evidence_reviewed", "buyer_decision",
                "next_control")


def _run(args):
    from central import claims, claims_approval, claims_close, claims_response, claims_view
    from central import config as hubconfig
    from central import db as hubdb

    cfg = hubconfig.load_config(args.config)
    conn, s, a = hubdb.connect(cfg.db_path), cfg.claims, args.action
    if a == "create":
        return claims_view.show(conn, claims.open_claim(conn, args.supplier, args.po, args.batch, args.actor, s)["id"])
    if a == "list":
        return {"claims": claims.list_claims(conn, args.state, args.supplier)}
    if a == "show":
        return claims_view.show(conn, args.id)
    if a == "diff":
        return claims.diff(conn, args.id, args.a, args.b)
    if a == "revise":
        changes = dict(kv.split("=", 1) for kv in args.set if "=" in kv)
        if len(changes) != len(args.set):
            raise claims.ClaimError("--set takes field=value")
        n = claims.revise(conn, args.id, args.actor, args.reason, changes, corrects=args.corrects,
                          regather=args.regather, settings=s)
        return {"claim": args.id, "version": n}
    if a == "approve":
        return claims_approval.approve(conn, args.id, args.actor, step=args.step, po=args.po, version_n=args.version,
                                       remaining_evidence=args.evidence, due_date=args.due,
                                       exception=args.exception, note=args.note, settings=s)
    if a == "refuse":
        return claims_approval.refuse(conn, args.id, args.actor, version_n=args.version, reason=args.reason)
    if a == "respond":
        return claims_response.respond(conn, args.id, args.actor, kind=args.kind, amount=args.amount,
                                       quantity=args.quantity, reason=args.reason, note=args.note)
    if a == "close":
        return claims_close.close(conn, args.id, args.actor, {k: getattr(args, k) for k in NOTE_OPTIONS})
    if a == "handoff":
        return claims_close.handoff(conn, args.id)
    if a == "evidence":
        return claims_approval.receive_evidence(conn, args.id, args.actor, args.received, args.note)
    if a == "packet-json":
        out = claims_view.packet_input(conn, args.id, cfg.photo_dir)
        for p in out["photos"]:
            p.pop("source")  # `packet export --claim-json` finds each photo in the store by its hash
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))
            return {"claim": args.id, "version": out["version"], "status": out["status"], "out": args.out}
        return out
    return {**claims_response.reconcile_supplier(conn, args.supplier),
            "practice": claims_approval.supplier_practice(conn, args.supplier)}


def _print_human(action: str, out: dict) -> None:
    if action in ("show", "create"):
        d = out["document"]
        print(f"claim {out['id']}  {out['supplier']}  PO {out['po']}  batch {out['batch'] or '-'}  "
              f"state {out['state']}  version {out['version']}")
        print(f"decision: {d['decision']}")
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
    elif action == "diff":
        print(f"claim {out['claim']} v{out['a']} → v{out['b']}: changed {', '.join(out['marked']) or 'none of'} "
              f"({', '.join(out['unchanged'])} unchanged)")
        for k, v in out["changes"].items():
            print(f"  {k}: {str(v['before'])[:70]} → {str(v['after'])[:70]}")
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
    s = sub.add_parser("claim", help="supplier claims: open, show, diff, approve, refuse, respond, close, handoff")
    actions = s.add_subparsers(dest="action", required=True, metavar="ACTION")

    def add(name: str, help: str):
        p = actions.add_parser(name, help=help, description=help)
        p.add_argument("--config", required=True, help="hub.toml")
        p.add_argument("--json", action="store_true", help="one JSON object")
        p.add_argument("--actor", default=actor_default(), help="who acts (for the audit log)")
        p.set_defaults(func=cmd_claim)
        return p

    def add_id(name: str, help: str):
        p = add(name, help)
        p.add_argument("id", type=int, help="claim ID")
        return p

    p = add("create", "open a claim for a supplier PO (and batch) from its linked defect photos")
    p.add_argument("--supplier", required=True)
    p.add_argument("--po", required=True)
    p.add_argument("--batch")
    p = add("list", "claims, optionally by state or supplier")
    p.add_argument("--state")
    p.add_argument("--supplier")
    add_id("show", "the claim file: document, versions, decisions, responses, reconciliation")
    p = add_id("diff", "compare two versions; changed party/product/quantity/value/label/shipment fields are marked")
    p.add_argument("a", type=int)
    p.add_argument("b", type=int)
    p = add_id("revise", "make a new version: the buyer's changes, a correction, or evidence gathered again")
    p.add_argument("--reason", required=True, help="why this version is made")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="a changed field (repeatable)")
    p.add_argument("--corrects", type=int, help="the refused version this one corrects")
    p.add_argument("--regather", action="store_true", help="gather the linked evidence again")
    p = add_id("approve", "approve one step, for this PO, on this document version")
    p.add_argument("--step", required=True, help="send_claim | release_balance | accept_replacement | accept_credit")
    p.add_argument("--po", required=True)
    p.add_argument("--version", type=int, required=True, help="the document version approved")
    p.add_argument("--evidence", action="append", help="remaining evidence item (repeatable; needs --due)")
    p.add_argument("--due", help="remaining evidence due date, YYYY-MM-DD")
    p.add_argument("--exception", choices=("small_value", "one_shipment"))
    p.add_argument("--note", default="")
    p = add_id("evidence", "record an item of the approval's remaining evidence as received")
    p.add_argument("--received", required=True, help="the item, as named in the approval")
    p.add_argument("--note", default="")
    p = add_id("refuse", "refuse a version; the refusal is kept")
    p.add_argument("--version", type=int, required=True)
    p.add_argument("--reason", required=True)
    p = add_id("respond", "record the supplier's response")
    p.add_argument("--kind", required=True, choices=("credit", "replacement", "rejection", "partial"))
    p.add_argument("--amount")
    p.add_argument("--quantity")
    p.add_argument("--reason", default="")
    p.add_argument("--note", default="")
    p = add_id("close", "close with the six-line note")
    for line in NOTE_OPTIONS:
        p.add_argument("--" + line.replace("_", "-"), dest=line, default="", help="closeout note line")
    add_id("handoff", "finance, logistics, warehouse and broker/customer questions, with what is missing")
    p = add_id("packet-json", "the approved version as JSON for `returns-hub packet export --claim-json`")
    p.add_argument("--out", help="write to this file instead of stdout")
    p = add("supplier", "a supplier's claims: claimed vs recovered, instructions vs exceptions")
    p.add_argument("--supplier", required=True)
    for extra in EXTRA_CLAIM_ACTIONS:
        extra(add)


# Later stages add claim actions here (e.g. `claim export`): a function taking `add(name, help)`.
EXTRA_CLAIM_ACTIONS: list = []
