"""Every metric the worker exports, defined once on an injected registry.

Names follow the Prometheus conventions: one ``cdpw_`` prefix, base units (seconds), ``_total``
counters, low-cardinality labels only (never an order, guest or record id).
Label values that are known up front are initialised to zero so that dashboards and alerts see a
series from the first scrape.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from worker import __version__

APIS = ("stream", "rest", "batch")
STATUS_CLASSES = ("2xx", "4xx", "5xx", "error")
OUTCOMES = ("done", "dead_letter")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


@dataclass(frozen=True)
class Metrics:
    """The worker's metrics. Construct with :func:`create_metrics`."""

    registry: CollectorRegistry
    records_consumed: Counter
    records_finished: Counter
    dead_letters: Counter
    records_in_flight: Gauge
    keys_blocked: Gauge
    consumer_lag_records: Gauge
    consumer_lag_seconds: Gauge
    commits: Counter
    rebalances: Counter
    partitions_assigned: Gauge
    partitions_paused: Gauge
    processing_duration: Histogram
    end_to_end_latency: Histogram
    cdp_requests: Counter
    cdp_request_duration: Histogram
    retries: Counter
    circuit_state: Gauge
    batch_uploads: Counter
    batch_records: Counter
    build_info: Info


def create_metrics(registry: CollectorRegistry) -> Metrics:
    """Register every worker metric on ``registry`` and initialise the known label values."""
    r = registry
    m = Metrics(
        registry=r,
        records_consumed=Counter("cdpw_records_consumed", "Records taken from Kafka.", ["topic"], registry=r),
        records_finished=Counter(
            "cdpw_records_finished",
            "Records finished, by outcome (done or dead_letter).",
            ["topic", "outcome"],
            registry=r,
        ),
        dead_letters=Counter(
            "cdpw_dead_letters",
            "Records written to the dead-letter topic, by stage and reason.",
            ["stage", "reason"],
            registry=r,
        ),
        records_in_flight=Gauge("cdpw_records_in_flight", "Records taken but not finished yet.", registry=r),
        keys_blocked=Gauge(
            "cdpw_keys_blocked", "Ordering keys with records waiting behind an unfinished one.", registry=r
        ),
        consumer_lag_records=Gauge(
            "cdpw_consumer_lag_records",
            "Records between the committed offset and the high watermark.",
            ["topic", "partition"],
            registry=r,
        ),
        consumer_lag_seconds=Gauge(
            "cdpw_consumer_lag_seconds",
            "Age of the oldest unfinished record (0 when caught up).",
            ["topic", "partition"],
            registry=r,
        ),
        commits=Counter("cdpw_commits", "Offset commits, by result (ok or failed).", ["result"], registry=r),
        rebalances=Counter(
            "cdpw_rebalances",
            "Partition rebalance callbacks, by kind (assigned, revoked, lost).",
            ["kind"],
            registry=r,
        ),
        partitions_assigned=Gauge("cdpw_partitions_assigned", "Partitions owned by this worker.", registry=r),
        partitions_paused=Gauge(
            "cdpw_partitions_paused", "Partitions paused because the in-flight bound was reached.", registry=r
        ),
        processing_duration=Histogram(
            "cdpw_processing_duration_seconds",
            "Time from taking a record to finishing it.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        ),
        end_to_end_latency=Histogram(
            "cdpw_end_to_end_latency_seconds",
            "Time from the record's Kafka timestamp to its acceptance by CDP.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        ),
        cdp_requests=Counter(
            "cdpw_cdp_requests",
            "Requests sent to CDP, by API, step and status class.",
            ["api", "step", "status_class"],
            registry=r,
        ),
        cdp_request_duration=Histogram(
            "cdpw_cdp_request_duration_seconds",
            "CDP request latency, by API.",
            ["api"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        ),
        retries=Counter(
            "cdpw_retries", "Retried CDP requests, by API and reason.", ["api", "reason"], registry=r
        ),
        circuit_state=Gauge(
            "cdpw_circuit_state",
            "Circuit breaker per API: 0 closed, 1 half-open, 2 open.",
            ["api"],
            registry=r,
        ),
        batch_uploads=Counter(
            "cdpw_batch_uploads", "Batch API uploads by terminal status.", ["status"], registry=r
        ),
        batch_records=Counter(
            "cdpw_batch_records", "Records sent through the Batch API by result.", ["status"], registry=r
        ),
        build_info=Info("cdpw_build", "Version of the running worker.", registry=r),
    )
    _initialise(m)
    return m


def _initialise(m: Metrics) -> None:
    m.build_info.info({"version": __version__, "python": platform.python_version()})
    for api in APIS:
        m.circuit_state.labels(api=api).set(0)
        m.cdp_request_duration.labels(api=api)
        for status_class in STATUS_CLASSES:
            m.cdp_requests.labels(api=api, step="none", status_class=status_class)
        for reason in ("timeout", "connection", "throttled", "server_error"):
            m.retries.labels(api=api, reason=reason)
    for kind in ("assigned", "revoked", "lost"):
        m.rebalances.labels(kind=kind)
    for result in ("ok", "failed"):
        m.commits.labels(result=result)
    for status in ("success", "error", "corrupted"):
        m.batch_uploads.labels(status=status)
    for status in ("accepted", "rejected"):
        m.batch_records.labels(status=status)


def metric_sum(exposition: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` in a ``/metrics`` text whose labels include ``labels``."""
    total = 0.0
    for line in exposition.splitlines():
        if line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        metric, _, label_text = head.partition("{")
        if metric == name and all(f'{k}="{v}"' in label_text for k, v in labels.items()):
            total += float(value)
    return total
