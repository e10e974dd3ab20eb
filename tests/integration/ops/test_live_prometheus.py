"""A real Prometheus scrapes a real worker under traffic; every dashboard and alert query finds its data.

One module-scoped stack (embedded broker, ``python -m worker run`` with the log sink, sample and poison
events produced continuously, Prometheus on loopback with the chart's rendered alert rules) serves
all tests here. This proves that no panel is empty and no alert is blind because of a wrong metric
name or label, and that the worker's exposition passes ``promtool check metrics``.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import yaml

from tests.integration.ops.prometheus import PrometheusServer
from tests.ops.dashboard import targets
from tests.ops.promql import selectors, substitute
from tests.ops.tools import RELEASE, alert_rules, rendered_rules, run
from tests.support.kafka import EXAMPLES, create_topics, producer
from tests.support.worker_process import WorkerProcess

JOB = f"{RELEASE}-cdp-worker"  # the job the chart's rules select (the Service name)
POISON = b"{not json"


@dataclass(frozen=True)
class Stack:
    worker: WorkerProcess
    prometheus: PrometheusServer


def _events() -> list[tuple[str, bytes]]:
    """Every sample event with a fresh event id, keyed by customer (or event), plus one poison record."""
    events = []
    for path in sorted(EXAMPLES.glob("*.json")):
        event = copy.deepcopy(json.loads(path.read_text(encoding="utf-8")))
        event["event_id"] = str(uuid.uuid4())
        key = event["guest"].get("customer_id") or event["event_id"]  # anonymous guests have no id
        events.append((key, json.dumps(event).encode()))
    return [*events, ("poison", POISON)]


def _traffic(bootstrap: str, topic: str, stop: threading.Event) -> None:
    """Produce the sample events and a poison record every 0.5 s until ``stop`` (at most 120 rounds)."""
    prod = producer(bootstrap)
    for _ in range(120):
        for key, value in _events():
            prod.produce(topic, key=key.encode(), value=value)
        prod.flush(10)
        if stop.wait(0.5):
            return


@pytest.fixture(scope="module")
def stack(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("live-prometheus")
    suffix = uuid.uuid4().hex[:8]
    source, dlq = f"live-{suffix}", f"live-dlq-{suffix}"
    create_topics(bootstrap, (source, 3), (dlq, 1))
    env = {"CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": source, "CDPW_DLQ_TOPIC": dlq,
           "CDPW_KAFKA_GROUP_ID": f"live-{suffix}", "CDPW_SINK": "log"}  # fmt: skip
    worker = WorkerProcess(env=env, log_path=directory / "worker.log").start()
    stop = threading.Event()
    traffic = threading.Thread(target=_traffic, args=(bootstrap, source, stop), daemon=True)
    rules = directory / "cdp-worker-rules.yaml"
    rules.write_text(yaml.safe_dump(rendered_rules()), encoding="utf-8")
    prometheus = PrometheusServer(directory, JOB, [f"127.0.0.1:{worker.port}"], [rules])
    try:
        worker.wait_ready()
        traffic.start()
        prometheus.start()
        assert prometheus.wait_for(f'cdpw_dead_letters_total{{job="{JOB}"}}'), prometheus.log_tail()
        yield Stack(worker, prometheus)
    finally:
        stop.set()
        prometheus.stop()
        worker.terminate()
        traffic.join(15)


def test_the_worker_exposition_passes_promtool_lint(stack: Stack) -> None:
    text = httpx.get(f"{stack.worker.url}/metrics", timeout=5).text
    result = run(["promtool", "check", "metrics"], stdin=text)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cdpw_records_finished_total" in text


def test_every_dashboard_query_returns_series(stack: Stack) -> None:
    empty = []
    for target in targets():
        expr = substitute(target.expr, {"$__rate_interval": "30s"})
        if not stack.prometheus.wait_for(expr, timeout=10):
            empty.append(f"{target.panel} [{target.ref}]: {expr}")
    assert not empty, "empty panels:\n" + "\n".join(empty)


def test_every_selector_of_every_alert_matches_scraped_series(stack: Stack) -> None:
    blind = []
    for rule in alert_rules(rendered_rules()):
        stack.prometheus.query(rule["expr"])  # evaluates without error
        blind += [
            f"{rule['alert']}: {s}" for s in selectors(rule["expr"]) if not stack.prometheus.wait_for(s, 5)
        ]
    assert not blind, "alert selectors without data:\n" + "\n".join(blind)


def test_prometheus_evaluates_every_rule_without_error(stack: Stack) -> None:
    groups = stack.prometheus.api("rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert {rule["name"] for rule in rules} == {rule["alert"] for rule in alert_rules(rendered_rules())}
    for rule in rules:
        assert rule["health"] in {"ok", "unknown"}, f"{rule['name']}: {rule.get('lastError')}"
    assert any(rule["health"] == "ok" for rule in rules)


def test_poison_records_fire_the_dead_letter_alert_and_nothing_pages(stack: Stack) -> None:
    firing = stack.prometheus.wait_for('ALERTS{alertname="CdpWorkerDeadLetters", alertstate="firing"}')
    assert firing, stack.prometheus.api("alerts")
    assert {series["metric"]["stage"] for series in firing} == {"decode"}
    paging = stack.prometheus.query('ALERTS{severity="critical", alertstate="firing"}')
    assert paging == [], paging


def test_throughput_outcomes_and_lag_reflect_the_traffic(stack: Stack) -> None:
    prometheus = stack.prometheus
    consumed = prometheus.wait_for(f'sum(rate(cdpw_records_consumed_total{{job="{JOB}"}}[30s])) > 0')
    assert consumed, "no consumption rate"
    outcomes = prometheus.wait_for(f'sum by (outcome) (cdpw_records_finished_total{{job="{JOB}"}}) > 0')
    assert {series["metric"]["outcome"] for series in outcomes} == {"done", "dead_letter"}
    partitions = prometheus.wait_for(f'cdpw_consumer_lag_records{{job="{JOB}"}}')
    assert len({series["metric"]["partition"] for series in partitions}) == 3
