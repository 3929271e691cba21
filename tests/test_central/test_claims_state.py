"""A claim's state as it stands today: an "approved" claim whose approval has lapsed (due date passed with
evidence outstanding) shows as approval_ended in the list, its filter and the stats, with no job rewriting it."""

import json
from datetime import date

import pytest

from central import claims, claims_approval, claims_view
from central.claims_approval import approve, receive_evidence, refuse
from central.claims_response import respond
from tests import helpers
from tests.test_central.claimkit import add_photo, hub, row

OPENED = date(2025, 1, 10)  # in the past, so by the real date the CLI runs on, PO-3's approval has lapsed
DAYS = [date(2025, 1, 15), date(2025, 1, 20), date(2025, 1, 21), date(2026, 6, 1)]


def _hub_with_claims(tmp_path):
    """Six claims, one per way an approval can stand: none, holding, lapsing, met in time, refused, answered."""
    pos = [f"PO-{i}" for i in range(1, 7)]
    conn = hub(tmp_path, [row(f"RMA-{i}", po=po) for i, po in enumerate(pos, 1)])
    ids = {}
    for i, po in enumerate(pos, 1):
        add_photo(conn, f"RMA-{i}", "dent")
        ids[po] = claims.open_claim(conn, "Acme", po, None, "buyer")["id"]

    def ok(po, evidence=("carton photo",), due="2025-01-20"):
        return approve(conn, ids[po], "lead", step="send_claim", po=po, version_n=1, remaining_evidence=list(evidence),
                       due_date=due if evidence else None, today=OPENED)

    ok("PO-2", evidence=())                        # holds: nothing outstanding
    ok("PO-3")                                     # lapses after 2025-01-20
    ok("PO-4")
    receive_evidence(conn, ids["PO-4"], "ana", "carton photo")  # evidence in: the date no longer ends it
    ok("PO-5")
    refuse(conn, ids["PO-5"], "lead", version_n=1, reason="lot map contradicts")
    ok("PO-6")
    respond(conn, ids["PO-6"], "lead", kind="credit", amount=5)
    return conn, ids


def test_list_filter_and_stats_agree_with_the_claim_file_on_every_day(tmp_path):
    conn, ids = _hub_with_claims(tmp_path)
    for day in DAYS:
        listed = {c["po"]: c["state"] for c in claims.list_claims(conn, today=day)}
        shown = {po: claims_view.show(conn, cid, today=day)["state"] for po, cid in ids.items()}
        assert listed == shown, day
        counts = claims.by_state(conn, today=day)["claims_by_state"]
        assert counts == {s: list(listed.values()).count(s) for s in claims.SHOWN_STATES}, day
        for state in claims.SHOWN_STATES:
            assert [c["po"] for c in claims.list_claims(conn, state, today=day)] == \
                [po for po, s in listed.items() if s == state], (day, state)
    before = {c["po"]: c["state"] for c in claims.list_claims(conn, today=date(2025, 1, 20))}
    after = {c["po"]: c["state"] for c in claims.list_claims(conn, today=date(2025, 1, 21))}
    assert before == {"PO-1": "open", "PO-2": "approved", "PO-3": "approved", "PO-4": "approved",
                      "PO-5": "refused", "PO-6": "responded"}
    assert after == before | {"PO-3": "approval_ended"}
    (lapsed,) = claims.list_claims(conn, "approval_ended", today=date(2025, 1, 21))
    assert (lapsed["id"], lapsed["stored_state"]) == (ids["PO-3"], "approved")  # nothing was rewritten
    assert claims_approval.current_approval(conn, ids["PO-3"], date(2025, 1, 21)) is None


def test_a_new_version_after_the_lapse_is_open_again(tmp_path):
    conn, ids = _hub_with_claims(tmp_path)
    claims.revise(conn, ids["PO-3"], "buyer", "evidence chased", {"label.note": "chased"})
    assert claims.list_claims(conn, supplier="Acme", today=date(2026, 1, 1))[2]["state"] == "open"


def test_unknown_state_filter_is_refused(tmp_path):
    conn, _ = _hub_with_claims(tmp_path)
    with pytest.raises(claims.ClaimError, match="state 'lapsed' is not one of: open, approved, approval_ended"):
        claims.list_claims(conn, "lapsed")


def test_cli_list_and_stats_show_the_lapsed_approval(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    conn, ids = _hub_with_claims(data)
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f'data_dir = "{data}"\n')
    listed = json.loads(helpers.hub_cli(cfg, "claim", "list", "--state", "approval_ended", "--json").stdout)["claims"]
    assert [c["po"] for c in listed] == ["PO-3"]
    listed = json.loads(helpers.hub_cli(cfg, "claim", "list", "--state", "approved", "--json").stdout)["claims"]
    assert [c["po"] for c in listed] == ["PO-2", "PO-4"]
    human = helpers.hub_cli(cfg, "claim", "list").stdout
    assert f"{ids['PO-3']:5} approval_ended" in human
    stats = json.loads(helpers.hub_cli(cfg, "stats", "--json").stdout)["claims_by_state"]
    assert stats == {"open": 1, "approved": 2, "approval_ended": 1, "refused": 1, "responded": 1, "closed": 0}
    r = helpers.hub_cli(cfg, "claim", "list", "--state", "lapsed", check=False)
    assert (r.returncode, r.stderr.strip()) == (1, "error: state 'lapsed' is not one of: open, approved, "
                                                   "approval_ended, refused, responded, closed")
    r = helpers.hub_cli(cfg, "claim", "show", str(ids["PO-3"]), "--json")
    assert json.loads(r.stdout)["state"] == "approval_ended"
