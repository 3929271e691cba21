"""Fleet pages and Prometheus metrics: kiosks table + telemetry history → web (fleet role) and /metrics (token)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, render_template, request
from markupsafe import Markup
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, CounterMetricFamily

from central import fleet
from central.config import WebConfig
from central.stats import stats
from central.web import charts, get_db
from central.web.security import roles, token_auth

bp = Blueprint("fleet", __name__)


def _web() -> WebConfig:
    hub = current_app.config.get("HUB_CONFIG")
    return hub.web if hub is not None else WebConfig()


@bp.app_template_filter("age")
def age(s) -> str:
    """Seconds as a person reads an age: 40 s, 12 min, 5 h, 3 d (filters cost less than macros: 500 rows)."""
    if not isinstance(s, (int, float)):
        return "—"
    return (f"{int(s)} s" if s < 90 else f"{int(s // 60)} min" if s < 5400 else
            f"{int(s // 3600)} h" if s < 172800 else f"{int(s // 86400)} d")


@bp.app_template_filter("pct")
def pct(v) -> str:
    return "—" if v is None else f"{v * 100:.0f} %"


@bp.app_template_filter("health")
def health(v) -> Markup:
    if v is None:
        return Markup('<span class="mute">—</span>')
    return Markup('<span class="ok">ok</span>' if v else '<span class="bad">fault</span>')


@bp.get("/fleet")
@roles("fleet")
def fleet_page():
    kiosks = fleet.fleet_status(get_db(), _web())
    only = request.args.get("show")
    if only == "alerts":
        kiosks = [k for k in kiosks if k.alerts]
    return render_template("fleet.html", kiosks=kiosks, show=only,
                           online=sum(k.online for k in kiosks), alerting=sum(bool(k.alerts) for k in kiosks))


@bp.get("/fleet/<kiosk_id>")
@roles("fleet")
def kiosk_page(kiosk_id: str):
    found = fleet.fleet_status(get_db(), _web(), only=kiosk_id)
    if not found:
        abort(404)
    status = found[0]
    hours = min(max(request.args.get("hours", 24, type=int) or 24, 1), fleet.HISTORY_DAYS * 24)
    hist = fleet.kiosk_history(get_db(), kiosk_id, hours=hours)
    labels = [h["minute"][11:16] for h in hist]
    queue = charts.line_chart(labels, {"outbox depth": [h["outbox_depth"] for h in hist]}, "Outbox depth")
    rejects = charts.line_chart(labels, {"reject rate": [h["reject_rate"] for h in hist]}, "Reject rate",
                                percent=True)
    return render_template("kiosk.html", k=status, history=hist, queue_chart=queue, reject_chart=rejects)


class _FleetCollector:
    """Reads the database at scrape time: nothing to keep in step between requests."""

    def __init__(self, conn, web):
        self.conn, self.web = conn, web

    def collect(self):
        kiosks = fleet.fleet_status(self.conn, self.web)
        g = {name: GaugeMetricFamily(f"returnsdesk_kiosk_{name}", text, labels=["kiosk"]) for name, text in (
            ("online", "1 when the kiosk's retained state is online"),
            ("heartbeat_age_seconds", "seconds since the last heartbeat"),
            ("outbox_depth", "photos and events waiting in the kiosk outbox"),
            ("outbox_oldest_age_seconds", "age of the oldest unacked outbox entry"),
            ("photos_today", "photos stored at the hub today"),
            ("reject_rate", "share of captures the quality gate refused"),
            ("disk_free_megabytes", "free disk on the kiosk"),
            ("cpu_temperature_celsius", "kiosk CPU temperature"),
            ("alerts", "number of open alerts"),
            ("camera_ok", "1 when the kiosk's camera delivers frames, 0 on a fault"),
            ("scanner_ok", "1 when the kiosk's scanner is connected, 0 on a fault"),
        )}
        for k in kiosks:
            t = k.telemetry
            values = {"online": int(k.online), "heartbeat_age_seconds": k.heartbeat_age_s,
                      "outbox_depth": t.get("outbox_depth"), "outbox_oldest_age_seconds": t.get("outbox_oldest_age_s"),
                      "photos_today": k.photos_today, "reject_rate": k.reject_rate,
                      "disk_free_megabytes": t.get("disk_free_mb"), "cpu_temperature_celsius": t.get("cpu_temp_c"),
                      "alerts": len(k.alerts),
                      **{name: int(t[name]) for name in ("camera_ok", "scanner_ok") if isinstance(t.get(name), bool)}}
            for name, v in values.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    g[name].add_metric([k.id], v)
        yield from g.values()
        s = stats(self.conn)
        for key in ("photos", "photo_bytes", "overrides", "events", "rejected_payloads", "duplicates_absorbed"):
            c = CounterMetricFamily(f"returnsdesk_hub_{key}", f"hub total: {key.replace('_', ' ')}")
            c.add_metric([], s[key])
            yield c
        by = CounterMetricFamily("returnsdesk_hub_rejected_payloads_by_reason", "refused payloads by reason",
                                 labels=["reason"])
        for reason, n in s["rejects_by_reason"].items():
            by.add_metric([reason], n)
        yield by
        online = GaugeMetricFamily("returnsdesk_hub_kiosks_online", "kiosks whose state is online")
        online.add_metric([], s["kiosks_online"])
        yield online


@bp.get("/metrics")
@token_auth
def metrics():
    expected = current_app.config.get("METRICS_TOKEN") or _web().metrics_token()
    given = request.headers.get("Authorization", "")
    if not expected or not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        return Response("metrics need the bearer token\n", 401, {"WWW-Authenticate": "Bearer"},
                        mimetype="text/plain")
    reg = CollectorRegistry(auto_describe=False)
    reg.register(_FleetCollector(get_db(), _web()))
    return Response(generate_latest(reg), mimetype="text/plain; version=0.0.4")
