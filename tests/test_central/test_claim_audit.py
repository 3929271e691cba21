"""Every change to returns and claims is in the audit log with who, what, before and after."""

from __future__ import annotations

import json

import pytest

from central import audit, claims
from central import db as hubdb


def test_every_claim_change_is_audited(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="ana")
    claims.revise(conn, c["id"], actor="ana", note="corrected invoice line", changes={"value": 50})
    claims.refuse(conn, c["id"], actor="ben", reason="invoice line not attached")
    claims.revise(conn, c["id"], actor="ana", note="invoice line attached", changes={"value": 48})
    claims.approve(conn, c["id"], actor="ben", step="send claim packet", remaining_evidence=["lot map"],
                   due_date="2099-01-01")
    claims.respond(conn, c["id"], actor="ana", kind="credit", amount=48)
    claims.close(conn, c["id"], actor="ana", note={k: "x" for k in claims.NOTE_LINES})
    log = list(reversed(audit.entries(conn, "claim", c["id"])))
    assert [(e["action"], e["actor"]) for e in log] == [
        ("create", "ana"), ("revise", "ana"), ("refuse", "ben"), ("revise", "ana"), ("approve", "ben"),
        ("respond", "ana"), ("close", "ana")]
    revise = log[1]
    assert json.loads(revise["before"])["value"] != 50 and json.loads(revise["after"])["value"] == 50
    assert json.loads(log[3]["after"])["corrects"] == 2
    assert json.loads(log[4]["after"])["remaining_evidence"] == ["lot map"]
    assert json.loads(log[6]["before"]) == {"state": "responded"}
    assert all(e["at"] for e in log)


def test_a_failed_change_leaves_no_audit_entry(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="ana")
    before = len(audit.entries(conn, "claim", c["id"]))
    with pytest.raises(claims.Conflict):
        claims.respond(conn, c["id"], actor="ana", kind="credit", amount=1)
    with pytest.raises(claims.Conflict):
        claims.create(conn, demo["supplier"], demo["po"], actor="ana")
    assert len(audit.entries(conn, "claim", c["id"])) == before
    assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] == 1


def test_audit_rolls_back_with_the_change(conn, demo):
    c = claims.create(conn, demo["supplier"], demo["po"], actor="ana")
    n = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(RuntimeError):
        with hubdb.write(conn):
            audit.record(conn, "ana", "revise", "claim", c["id"], after={"x": 1})
            raise RuntimeError("crash between the change and its commit")
    assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == n


def test_imports_are_audited(conn, demo):
    e = audit.entries(conn, "returns")[0]
    assert e["action"] == "import" and e["actor"] == "test"
    assert json.loads(e["after"])["loaded"] == len(demo["rows"])
