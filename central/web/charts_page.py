"""Charts where people would rather look than read: defects by category, and week by week."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import time

from flask import Blueprint, current_app, render_template, request

from central.web import charts, get_db
from central.web.security import roles

bp = Blueprint("charts", __name__)

TOP = 8


CACHE_S = 60


@bp.get("/charts")
@roles("buyer")
def charts_page():
    days = request.args.get("days", "90")
    days = min(max(int(days) if days.isdigit() else 90, 7), 730)
    # The counts scan weeks of photos: the charts (never the page, which carries the user and their
    # CSRF token) are drawn at most once a minute per period, whoever asks.
    cache = current_app.extensions.setdefault("charts_cache", {})
    hit = cache.get(days)
    if not hit or hit[0] <= time.monotonic():
        hit = cache[days] = (time.monotonic() + CACHE_S, _draw(days))
    return render_template("charts.html", days=days, **hit[1])


def _draw(days: int) -> dict:
    since = (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%d")
    rows = _weekly(since)
    totals: dict[str, int] = {}
    weeks = sorted({r[1] for r in rows})
    for cat, _, n in rows:
        totals[cat] = totals.get(cat, 0) + n
    cats = sorted(totals, key=lambda c: -totals[c])[:TOP]
    by_cat = charts.bar_chart(cats, {"photos": [totals[c] for c in cats]}, f"Defect photos by category, {days} days")
    per_week = {c: [0] * len(weeks) for c in cats}
    for cat, week, n in rows:
        if cat in per_week:
            per_week[cat][weeks.index(week)] = n
    trend = charts.line_chart(weeks, per_week, "Defect photos per week by category")
    return {"by_category": by_cat, "per_week": trend, "totals": totals, "cats": cats,
            "extra": [chart(get_db(), since) for chart in EXTRA_CHARTS]}


def _weekly(since: str) -> list[tuple[str, str, int]]:
    """(category, ISO week, photos): grouped by day in SQL (a plain prefix, cheap), then by week here."""
    by_week: dict[tuple[str, str], int] = {}
    for cat, day, n in get_db().execute(
            "SELECT coalesce(pl.category, p.category, 'uncategorised'), substr(p.received_at, 1, 10) AS day, count(*) "
            "FROM photos p LEFT JOIN photo_links pl ON pl.photo_id = p.photo_id WHERE p.received_at >= ? GROUP BY 1, 2",
            (since,)):
        y, w, _ = date.fromisoformat(day).isocalendar()
        key = (cat, f"{y}-W{w:02d}")
        by_week[key] = by_week.get(key, 0) + n
    return [(c, w, n) for (c, w), n in by_week.items()]


# More charts from later stages (by supplier, claimed vs recovered): functions (conn, since) -> (title, svg).
EXTRA_CHARTS: list = []
