"""The worker's Grafana dashboard, generated from one table of panels.

``python -m ops.dashboard > helm/cdp-worker/files/dashboard.json`` writes the file the chart ships;
tests/ops/test_dashboard.py fails when the file and this table disagree. Every expression reads
metrics from worker/metrics.py and is scoped by the ``$job``/``$instance`` template variables.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

UID = "cdp-worker"
S = 'job=~"$job", instance=~"$instance"'
RATE = "$__rate_interval"
HEIGHT = 8


@dataclass(frozen=True)
class Query:
    """One PromQL target of a panel; ``legend`` is Grafana's legendFormat."""

    expr: str
    legend: str = ""
    instant: bool = False


@dataclass(frozen=True)
class Panel:
    """What a panel shows; layout and ids are assigned by :func:`build`."""

    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 12
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)


def _quantiles(metric: str, by: str) -> tuple[Query, ...]:
    group = f"{by}, le" if by else "le"
    prefix = f"{{{{{by}}}}} " if by else ""
    return tuple(
        Query(
            f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{{{S}}}[{RATE}])))",
            f"{prefix}p{p}",
        )
        for q, p in ((0.5, 50), (0.95, 95), (0.99, 99))
    )


CIRCUIT_MAPPINGS = [
    {
        "type": "value",
        "options": {
            "0": {"text": "closed", "color": "green"},
            "1": {"text": "half-open", "color": "yellow"},
            "2": {"text": "open", "color": "red"},
        },
    }
]


def _sum(metric: str, by: str = "", fn: str = "rate", match: str = "") -> str:
    """``sum by (by) (fn(metric{scope, match}[rate interval]))``; ``fn=""`` sums the gauge itself."""
    selector = f"{metric}{{{S}{match}}}"
    inner = f"{fn}({selector}[{RATE}])" if fn else selector
    return f"sum by ({by}) ({inner})" if by else f"sum({inner})"


def _error_ratio(classes: str, legend: str) -> Query:
    failed = _sum("cdpw_cdp_requests_total", "api", match=f', status_class=~"{classes}"')
    return Query(f"{failed} / {_sum('cdpw_cdp_requests_total', 'api')}", legend)


LAG = "{{topic}}/{{partition}}"
ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    ("Overview", (
        Panel("Records finished /s", (Query(_sum("cdpw_records_finished_total")),), "ops", "stat", 5),
        Panel("Oldest unfinished record", (Query(f"max(cdpw_consumer_lag_seconds{{{S}}})"),), "s", "stat", 5,
              "Time lag: age of the oldest record taken but not finished, over all partitions."),
        Panel("Dead letters in range", (Query(f"sum(increase(cdpw_dead_letters_total{{{S}}}[$__range]))"),),
              "short", "stat", 5),
        Panel("Workers up", (Query(_sum("up", fn="")),), "short", "stat", 4),
        Panel("Version", (Query(f"cdpw_build_info{{{S}}}", "{{instance}} {{version}}", instant=True),),
              "short", "table", 5),
    )),
    ("Throughput and outcomes", (
        Panel("Records consumed /s by topic",
              (Query(_sum("cdpw_records_consumed_total", "topic"), "{{topic}}"),), "ops"),
        Panel("Records finished /s by outcome",
              (Query(_sum("cdpw_records_finished_total", "outcome"), "{{outcome}}"),), "ops"),
        Panel("Processing duration", _quantiles("cdpw_processing_duration_seconds", ""), "s"),
        Panel("End-to-end latency (Kafka timestamp to CDP)",
              _quantiles("cdpw_end_to_end_latency_seconds", ""), "s",
              description="From the record's Kafka timestamp to CDP accepting the last step of its plan."),
    )),
    ("CDP APIs", (
        Panel("CDP requests /s by API and status",
              (Query(_sum("cdpw_cdp_requests_total", "api, status_class"), "{{api}} {{status_class}}"),),
              "reqps"),
        Panel("CDP latency per API", _quantiles("cdpw_cdp_request_duration_seconds", "api"), "s"),
        Panel("CDP error ratio per API",
              (_error_ratio("5xx|error", "{{api}} 5xx+errors"), _error_ratio("4xx", "{{api}} 4xx")),
              "percentunit", description="5xx and transport errors are retried; other 4xx dead-letter."),
        Panel("Retries /s by API and reason",
              (Query(_sum("cdpw_retries_total", "api, reason"), "{{api}} {{reason}}"),), "ops"),
        Panel("429 (throttled) retries /s",
              (Query(_sum("cdpw_retries_total", "api", match=', reason="throttled"'), "{{api}}"),), "ops"),
        Panel("Circuit breaker state", (Query(f"max by (api) (cdpw_circuit_state{{{S}}})", "{{api}}"),),
              "short", "state-timeline", description="Open: intake is paused until the API recovers.",
              options={"mappings": CIRCUIT_MAPPINGS}),
        Panel("Batch uploads by status", (
            Query(_sum("cdpw_batch_uploads_total", "status", "increase"), "uploads {{status}}"),
            Query(_sum("cdpw_batch_records_total", "status"), "records/s {{status}}"),
        ), "short", width=24),
    )),
    ("Kafka", (
        Panel("Lag in records per partition",
              (Query(f"max by (topic, partition) (cdpw_consumer_lag_records{{{S}}})", LAG),)),
        Panel("Lag in seconds per partition",
              (Query(f"max by (topic, partition) (cdpw_consumer_lag_seconds{{{S}}})", LAG),), "s"),
        Panel("In-flight records and blocked keys",
              description="Blocked keys wait behind an unfinished record of the same key; "
              "in-flight reaching CDPW_MAX_IN_FLIGHT pauses partitions.", queries=(
            Query(_sum("cdpw_records_in_flight", fn=""), "in flight"),
            Query(_sum("cdpw_keys_blocked", fn=""), "blocked keys"),
        )),
        Panel("Partitions assigned and paused", (
            Query(_sum("cdpw_partitions_assigned", "instance", ""), "{{instance}} assigned"),
            Query(_sum("cdpw_partitions_paused", "instance", ""), "{{instance}} paused"),
        )),
        Panel("Rebalances", (Query(_sum("cdpw_rebalances_total", "kind", "increase"), "{{kind}}"),)),
        Panel("Commits /s by result", (Query(_sum("cdpw_commits_total", "result"), "{{result}}"),), "ops"),
        Panel("Dead letters by stage and reason",
              (Query(_sum("cdpw_dead_letters_total", "stage, reason", "increase"), "{{stage}}: {{reason}}"),),
              width=24),
    )),
)  # fmt: skip


def _target(query: Query, ref: int) -> dict[str, Any]:
    target = {
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "expr": query.expr,
        "legendFormat": query.legend or "__auto",
        "refId": chr(ord("A") + ref),
        "range": not query.instant,
        "instant": query.instant,
    }
    if query.instant:
        target["format"] = "table"
    return target


def _timeseries(panel: Panel) -> dict[str, Any]:
    return {
        "fieldConfig": {"defaults": {"unit": panel.unit, "custom": {"fillOpacity": 10}}, "overrides": []},
        "options": {
            "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }


def _stat(panel: Panel) -> dict[str, Any]:
    return {
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "value",
            "graphMode": "area",
        },
    }


def _table(panel: Panel) -> dict[str, Any]:
    return {
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"showHeader": True},
        "transformations": [{"id": "labelsToFields", "options": {}}],
    }


def _state_timeline(panel: Panel) -> dict[str, Any]:
    return {
        "fieldConfig": {
            "defaults": {"unit": panel.unit, "mappings": panel.options.get("mappings", [])},
            "overrides": [],
        },
        "options": {"showValue": "auto", "mergeValues": True},
    }


KINDS: dict[str, Callable[[Panel], dict[str, Any]]] = {
    "timeseries": _timeseries,
    "stat": _stat,
    "table": _table,
    "state-timeline": _state_timeline,
}


def _layout(
    rows: tuple[tuple[str, tuple[Panel, ...]], ...],
) -> Iterator[tuple[str, Panel | None, dict[str, int]]]:
    """Row headers and panels with their grid positions, left to right, top to bottom."""
    y = 0
    for title, panels in rows:
        yield title, None, {"h": 1, "w": 24, "x": 0, "y": y}
        y, x = y + 1, 0
        for panel in panels:
            if x + panel.width > 24:
                y, x = y + HEIGHT, 0
            yield panel.title, panel, {"h": HEIGHT, "w": panel.width, "x": x, "y": y}
            x += panel.width
        y += HEIGHT


def _panel_json(panel_id: int, title: str, panel: Panel | None, grid: dict[str, int]) -> dict[str, Any]:
    if panel is None:
        return {
            "id": panel_id,
            "type": "row",
            "title": title,
            "gridPos": grid,
            "collapsed": False,
            "panels": [],
        }
    body = {
        "id": panel_id,
        "type": panel.kind,
        "title": title,
        "gridPos": grid,
        "description": panel.description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "targets": [_target(query, ref) for ref, query in enumerate(panel.queries)],
    }
    return {**body, **KINDS[panel.kind](panel)}


def _variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "query": {"query": query, "refId": name},
        "definition": query,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "refresh": 2,
        "sort": 1,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
    }


def _templating() -> dict[str, Any]:
    datasource = {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
    }
    return {
        "list": [
            datasource,
            _variable("job", "Job", "label_values(cdpw_build_info, job)"),
            _variable("instance", "Instance", 'label_values(cdpw_build_info{job=~"$job"}, instance)'),
        ]
    }


def build() -> dict[str, Any]:
    """The dashboard as Grafana JSON (schemaVersion 39)."""
    panels = [_panel_json(i, *item) for i, item in enumerate(_layout(ROWS), start=1)]
    return {
        "uid": UID,
        "title": "CDP worker",
        "description": "Kafka to Sitecore CDP order worker",
        "tags": ["cdp-worker", "kafka", "sitecore-cdp"],
        "timezone": "browser",
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "graphTooltip": 1,
        "templating": _templating(),
        "annotations": {"list": []},
        "links": [],
        "panels": panels,
    }


def render() -> str:
    """The dashboard file's exact text."""
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
