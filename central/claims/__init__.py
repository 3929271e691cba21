"""Supplier claims (linking → claims → redaction/packet/web): the library the CLI, API and web screens call."""

from central.claims.approval import EXCEPTIONS, approvals, approve, refuse, standing_instruction
from central.claims.closeout import NEXT_CONTROL, NOTE_LINES, close, closeout_note, handoff
from central.claims.core import REVISABLE, create, diff, get, list_claims, revise, version, versions
from central.claims.errors import ClaimError, Conflict, NotFound
from central.claims.evidence import TRACKED
from central.claims.names import doc_name
from central.claims.question import EVIDENCE
from central.claims.response import KINDS, reconcile, reconcile_supplier, respond, responses
from central.claims.view import show

__all__ = [
    "EXCEPTIONS", "approvals", "approve", "refuse", "standing_instruction", "NEXT_CONTROL", "NOTE_LINES", "close",
    "closeout_note", "handoff", "REVISABLE", "create", "diff", "get", "list_claims", "revise", "version", "versions",
    "ClaimError", "Conflict", "NotFound", "TRACKED", "doc_name", "EVIDENCE", "KINDS", "reconcile",
    "reconcile_supplier", "respond", "responses", "show",
]
