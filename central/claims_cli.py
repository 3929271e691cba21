"""`returns-hub claim …`: create, list, show, diff, revise, approve, refuse, respond, close, handoff (thin CLI)."""

from __future__ import annotations

import getpass
import json
import os
import sys

from central import claims
from central import config as hubconfig
from central import db as hubdb
from central.taxonomy import from_config


def _actor(args) -> str:
    return args.actor or os.environ.get("RETURNS_HUB_ACTOR") or getpass.getuser()


def _run(args, cfg, conn):
    a = args.action
    if a == "create":
        return claims.create(conn, args.supplier, args.po, actor=_actor(args), batch=args.batch,
                             evidence_kind=args.evidence, question_text=args.question,
                             balance_release=args.balance_release, claim_recovery=args.recovery,
                             credit_due=args.credit_due, taxonomy=from_config(cfg),
                             due_days=cfg.claims.credit_due_days)
    if a == "list":
        return claims.list_claims(conn, supplier=args.supplier, state=args.state)
    if a == "show":
        return claims.show(conn, args.id)
    if a == "diff":
        return claims.diff(conn, args.id, args.v_from, args.v_to)
    if a == "revise":
        changes = {}
        for pair in args.set or []:
            key, _, value = pair.partition("=")
            changes[key] = json.loads(value) if value[:1] in "[{" else value
        return claims.revise(conn, args.id, actor=_actor(args), note=args.note, changes=changes,
                             refresh=args.refresh, evidence_kind=args.evidence, question_text=args.question,
                             taxonomy=from_config(cfg))
    if a == "approve":
        return claims.approve(conn, args.id, actor=_actor(args), step=args.step, remaining_evidence=args.evidence,
                              due_date=args.due, version=args.version, po=args.po, exception=args.exception,
                              exception_note=args.exception_note, small_value_limit=cfg.claims.small_value_limit)
    if a == "refuse":
        return claims.refuse(conn, args.id, actor=_actor(args), reason=args.reason, version=args.version)
    if a == "respond":
        return claims.respond(conn, args.id, actor=_actor(args), kind=args.kind, amount=args.amount,
                              quantity=args.quantity, reason=args.reason)
    if a == "close":
        note = {k: getattr(args, k) for k in claims.NOTE_LINES}
        return claims.close(conn, args.id, actor=_actor(args), note=note)
    if a == "handoff":
        return claims.handoff(conn, args.id)
    if a == "reconcile":
        return claims.reconcile_supplier(conn, args.supplier)
    raise AssertionError(a)


def _print(out, as_json: bool) -> None:
    items = out if isinstance(out, list) else [out]
    for item in items:
        if as_json:
            print(json.dumps(item, sort_keys=True, default=str))
        elif isinstance(item, dict) and "id" in item and "po" in item and "versions" not in item:
            print(f"{item['id']:5} {item['state']:10} {item['supplier']:30} {item['po']:10} {item.get('batch') or '-':12} "
                  f"v{item['current_version']} {item.get('value') or ''}")
        else:
            print(json.dumps(item, indent=2, sort_keys=True, default=str))


def cmd_claim(args) -> int:
    cfg = hubconfig.load_config(args.config)
    conn = hubdb.connect(cfg.db_path)
    try:
        out = _run(args, cfg, conn)
    except claims.ClaimError as e:
        if args.json:
            print(json.dumps({"error": str(e), "status": e.status}))
        print(f"error: {e}", file=sys.stderr)
        return 1
    _print(out, args.json)
    return 0


def register(sub) -> None:
    claim = sub.add_parser("claim", help="supplier claims: create, list, show, diff, approve, respond, close")
    acts = claim.add_subparsers(dest="action", required=True)

    def add(name, help_):
        s = acts.add_parser(name, help=help_)
        s.add_argument("--config", required=True)
        s.add_argument("--json", action="store_true", help="one JSON object per line")
        s.add_argument("--actor", help="who the audit log names (default: $RETURNS_HUB_ACTOR or login)")
        s.set_defaults(func=cmd_claim)
        return s

    s = add("create", "open a claim for a supplier PO (and batch) from its linked defects")
    s.add_argument("--supplier", required=True)
    s.add_argument("--po", required=True)
    s.add_argument("--batch")
    s.add_argument("--evidence", default="carton_photo", choices=sorted(claims.EVIDENCE),
                   help="the one document the supplier question asks for")
    s.add_argument("--question", help="the question's wording (must ask for that document)")
    s.add_argument("--balance-release", default="hold", choices=["hold", "release", "partial"])
    s.add_argument("--recovery", default="credit_note",
                   choices=["credit_note", "offset_against_balance", "replacement", "refund"])
    s.add_argument("--credit-due", help="YYYY-MM-DD (default: today + claims.credit_due_days)")
    s = add("list", "claims, optionally of one supplier or state")
    s.add_argument("--supplier")
    s.add_argument("--state")
    for name, help_ in (("show", "the claim file: version, defects by category, approvals, responses, note"),
                        ("handoff", "the four handoff questions answered from the claim, gaps named")):
        add(name, help_).add_argument("id", type=int)
    s = add("diff", "compare two versions; changed party/product/quantity/value/label/shipment are marked")
    s.add_argument("id", type=int)
    s.add_argument("v_from", type=int)
    s.add_argument("v_to", type=int)
    s = add("revise", "a new version: refreshed evidence and/or changed fields")
    s.add_argument("id", type=int)
    s.add_argument("--note", required=True, help="what changed and which document shows it")
    s.add_argument("--set", action="append", metavar="FIELD=VALUE", help=f"one of {', '.join(claims.REVISABLE)}")
    s.add_argument("--refresh", action="store_true", help="re-gather the linked defects")
    s.add_argument("--evidence", choices=sorted(claims.EVIDENCE))
    s.add_argument("--question")
    s = add("approve", "a scoped approval: step, PO, version, remaining evidence and its due date")
    s.add_argument("id", type=int)
    s.add_argument("--step", required=True)
    s.add_argument("--evidence", action="append", default=[], help="remaining evidence (repeat)")
    s.add_argument("--due", help="YYYY-MM-DD the remaining evidence is due")
    s.add_argument("--version", type=int, help="default: the current version")
    s.add_argument("--po", help="must match the claim's PO")
    s.add_argument("--exception", choices=sorted(claims.EXCEPTIONS))
    s.add_argument("--exception-note")
    s = add("refuse", "save a refusal; the version is kept as rejected")
    s.add_argument("id", type=int)
    s.add_argument("--reason", required=True)
    s.add_argument("--version", type=int)
    s = add("respond", "record the supplier's response")
    s.add_argument("id", type=int)
    s.add_argument("kind", choices=claims.KINDS)
    s.add_argument("--amount", type=float, default=0)
    s.add_argument("--quantity", type=int, default=0)
    s.add_argument("--reason")
    s = add("close", "close with the six-line note")
    s.add_argument("id", type=int)
    for line in claims.NOTE_LINES:
        s.add_argument(f"--{line.replace('_', '-')}", dest=line, required=False, default="")
    s = add("reconcile", "claimed vs recovered for one supplier")
    s.add_argument("--supplier", required=True)
    from central.packet_cli import register_claim_export
    register_claim_export(add)
