"""Claim charts for the charts page: defect photos by supplier, claimed vs recovered per supplier by month."""

from __future__ import annotations

from central import claims_response
from central.web import charts
from central.web.charts_page import EXTRA_CHARTS, TOP


def defects_by_supplier(conn, since: str):
    rows = conn.execute(
        "SELECT l.supplier, count(*) FROM photos p JOIN photo_links pl ON pl.photo_id = p.photo_id "
        "JOIN return_lines l ON l.id = pl.line_id WHERE p.received_at >= ? AND pl.status = 'linked' "
        "GROUP BY l.supplier ORDER BY 2 DESC LIMIT ?", (since, TOP)).fetchall()
    return "Defect photos by supplier", charts.bar_chart([r[0] for r in rows], {"photos": [r[1] for r in rows]},
                                                         "Defect photos by supplier")


def claimed_vs_recovered(conn, since: str):
    """Per supplier and month the claim was opened, using the claims library's own reconciliation."""
    totals: dict[tuple[str, str], list[float]] = {}
    for cid, supplier, opened in conn.execute(
            "SELECT id, supplier, opened_at FROM claims WHERE opened_at >= ? ORDER BY opened_at", (since,)):
        rec = claims_response.reconcile(conn, cid)
        t = totals.setdefault((supplier, opened[:7]), [0.0, 0.0])
        t[0] += rec["claimed"]
        t[1] += rec["recovered"]
    groups = [f"{s} {m}" for s, m in totals]
    return "Claimed vs recovered per supplier and month", charts.bar_chart(
        groups, {"claimed": [v[0] for v in totals.values()], "recovered": [v[1] for v in totals.values()]},
        "Claimed vs recovered per supplier and month")


EXTRA_CHARTS.extend([defects_by_supplier, claimed_vs_recovered])
