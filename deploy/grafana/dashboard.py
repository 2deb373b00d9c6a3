#!/usr/bin/env python3
"""Writes deploy/grafana/dashboard.json, the Stable Futures Grafana dashboard.

The metric names the service exports live in METRICS below and nowhere else: if a name changes
in the service, change it here and run `python3 deploy/grafana/dashboard.py`.
scripts/check-deploy.sh fails when dashboard.json differs from what this script writes, or when
an expression uses a metric that is not in METRICS.

Standard library only.
"""

import json
import pathlib

# Prometheus names of the service's OpenTelemetry instruments (scraped from SF_METRICS_LISTEN).
METRICS = {
    # histogram; labels http_request_method, http_route, http_response_status_code
    "http_duration": "http_server_request_duration_seconds",
    # gauge
    "http_active": "http_server_active_requests",
    # histogram; labels graphql_operation_name ("(unnamed)" for anonymous operations),
    # graphql_operation_type
    "graphql_duration": "sf_graphql_operation_duration_seconds",
    # counter; label error_code (BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, UNAUTHENTICATED, INTERNAL, ...)
    "graphql_errors": "sf_graphql_errors_total",
    # gauge; label db_client_connection_state = idle | used
    "pool_connections": "db_client_connection_count",
    # gauge
    "pool_max": "db_client_connection_max",
    # gauge
    "pool_pending": "db_client_connection_pending_requests",
    # histogram
    "statements": "sf_db_statements_per_request",
}

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
JOB = 'job=~"$job"'
RATE = "$__rate_interval"


def m(key: str) -> str:
    return METRICS[key]


def target(expr: str, legend: str, ref: str) -> dict:
    return {
        "datasource": DATASOURCE,
        "editorMode": "code",
        "expr": expr,
        "legendFormat": legend,
        "range": True,
        "refId": ref,
    }


def quantile(q: float, metric_key: str, by: str = "") -> str:
    labels = f"le, {by}" if by else "le"
    return (
        f"histogram_quantile({q}, sum by ({labels}) "
        f"(rate({m(metric_key)}_bucket{{{JOB}}}[{RATE}])))"
    )


class Layout:
    """Places panels left to right on Grafana's 24-column grid, rows top to bottom."""

    def __init__(self) -> None:
        self.panels: list[dict] = []
        self.next_id = 1
        self.x = 0
        self.y = 0
        self.row_height = 0

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append(
            {
                "type": "row",
                "id": self._id(),
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
                "panels": [],
            }
        )
        self.y += 1

    def panel(self, title: str, description: str, unit: str, targets: list[dict], *,
              width: int = 12, height: int = 8, kind: str = "timeseries", stack: bool = False,
              decimals: int | None = None) -> None:
        if self.x + width > 24:
            self._newline()
        defaults: dict = {"unit": unit, "min": 0}
        if decimals is not None:
            defaults["decimals"] = decimals
        if kind == "timeseries":
            defaults["custom"] = {
                "drawStyle": "line",
                "lineWidth": 1,
                "fillOpacity": 10,
                "showPoints": "never",
                "stacking": {"mode": "normal" if stack else "none", "group": "A"},
            }
        panel = {
            "type": kind,
            "id": self._id(),
            "title": title,
            "description": description,
            "datasource": DATASOURCE,
            "gridPos": {"h": height, "w": width, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {
                "legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                           "calcs": ["mean", "max"]},
                "tooltip": {"mode": "multi", "sort": "desc"},
            }
            if kind == "timeseries"
            else {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                  "colorMode": "value", "graphMode": "area", "textMode": "auto"},
            "targets": targets,
        }
        self.panels.append(panel)
        self.x += width
        self.row_height = max(self.row_height, height)

    def _newline(self) -> None:
        if self.x:
            self.y += self.row_height
        self.x = 0
        self.row_height = 0

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def build() -> dict:
    g = Layout()

    g.row("Requests (rate, errors, duration)")
    g.panel(
        "HTTP requests per second",
        "Every HTTP request by route and status code.",
        "reqps",
        [target(f"sum by (http_route, http_response_status_code) "
                f"(rate({m('http_duration')}_count{{{JOB}}}[{RATE}]))",
                "{{http_route}} {{http_response_status_code}}", "A")],
        width=8,
    )
    g.panel(
        "HTTP 5xx ratio",
        "Share of HTTP responses with a 5xx status.",
        "percentunit",
        [target(f"sum(rate({m('http_duration')}_count{{{JOB}, http_response_status_code=~\"5..\"}}[{RATE}])) "
                f"/ sum(rate({m('http_duration')}_count{{{JOB}}}[{RATE}]))",
                "5xx", "A")],
        width=8,
    )
    g.panel(
        "Requests in flight",
        "HTTP requests being served right now, all replicas.",
        "short",
        [target(f"sum({m('http_active')}{{{JOB}}})", "in flight", "A")],
        width=8,
    )
    g.panel(
        "HTTP duration",
        "50th, 95th and 99th percentile of HTTP request duration, all routes.",
        "s",
        [target(quantile(q, "http_duration"), f"p{int(q * 100)}", ref)
         for q, ref in ((0.5, "A"), (0.95, "B"), (0.99, "C"))],
        width=24,
    )

    g.row("GraphQL operations")
    g.panel(
        "Operations per second",
        "GraphQL operations by name and type; anonymous operations are grouped as (unnamed).",
        "ops",
        [target(f"sum by (graphql_operation_name, graphql_operation_type) "
                f"(rate({m('graphql_duration')}_count{{{JOB}}}[{RATE}]))",
                "{{graphql_operation_type}} {{graphql_operation_name}}", "A")],
    )
    g.panel(
        "GraphQL errors per second by code",
        "Errors carried in GraphQL responses, by extensions.code. INTERNAL should stay at zero.",
        "short",
        [target(f"sum by (error_code) (rate({m('graphql_errors')}{{{JOB}}}[{RATE}]))",
                "{{error_code}}", "A")],
        stack=True,
    )
    for q in (0.5, 0.95, 0.99):
        g.panel(
            f"p{int(q * 100)} duration by operation",
            f"{int(q * 100)}th percentile duration of each GraphQL operation.",
            "s",
            [target(quantile(q, "graphql_duration", "graphql_operation_name"),
                    "{{graphql_operation_name}}", "A")],
            width=8,
        )

    g.row("Database")
    g.panel(
        "Connection pool",
        "Pool connections in use and idle, against the configured maximum (SF_DB_POOL_SIZE per replica).",
        "short",
        [target(f"sum by (db_client_connection_state) ({m('pool_connections')}{{{JOB}}})",
                "{{db_client_connection_state}}", "A"),
         target(f"sum({m('pool_max')}{{{JOB}}})", "max", "B")],
        width=8,
    )
    g.panel(
        "Requests waiting for a connection",
        "Requests queued for a pool connection. Lasting values mean the pool or the database is too small.",
        "short",
        [target(f"sum({m('pool_pending')}{{{JOB}}})", "waiting", "A")],
        width=8,
    )
    g.panel(
        "SQL statements per request",
        "Statements one request runs: constant per request shape (batched loaders). Growth means an N+1 query.",
        "short",
        [target(quantile(0.5, "statements"), "p50", "A"),
         target(quantile(0.95, "statements"), "p95", "B"),
         target(f"sum(rate({m('statements')}_sum{{{JOB}}}[{RATE}])) "
                f"/ sum(rate({m('statements')}_count{{{JOB}}}[{RATE}]))", "mean", "C")],
        width=8,
    )

    return {
        "title": "Stable Futures API",
        "uid": "stable-futures-api",
        "description": "Rate, errors and duration of the Stable Futures GraphQL API, and its database pool.",
        "tags": ["stable-futures"],
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "graphTooltip": 1,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "timezone": "browser",
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                    "refresh": 1,
                    "regex": "",
                    "options": [],
                },
                {
                    "name": "job",
                    "label": "Job",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "definition": f"label_values({m('http_active')}, job)",
                    "query": {"query": f"label_values({m('http_active')}, job)", "refId": "job"},
                    "current": {},
                    "includeAll": True,
                    "allValue": ".+",
                    "multi": True,
                    "hide": 0,
                    "refresh": 2,
                    "regex": "",
                    "sort": 1,
                    "options": [],
                },
            ]
        },
        "panels": g.panels,
    }


def render() -> str:
    return json.dumps(build(), indent=2) + "\n"


if __name__ == "__main__":
    path = pathlib.Path(__file__).with_name("dashboard.json")
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}")
