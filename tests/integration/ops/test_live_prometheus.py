"""A real Prometheus scrapes a real worker under traffic; every dashboard and alert query finds its data.

One module-scoped stack (embedded broker; the CDP sandbox injecting some 429s and 5xx; ``python -m
worker run`` with the cdp sink; sample and poison events produced continuously; Prometheus on loopback
with the chart's rendered alert rules) serves all tests here. This proves that no panel is empty and
no alert is blind because of a wrong metric name or label, and that the worker's exposition passes
``promtool check metrics``.
"""

from __future__ import annotations

import copy
import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import yaml

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.integration.ops.prometheus import PrometheusServer
from tests.ops.dashboard import targets
from tests.ops.promql import selectors, substitute
from tests.ops.tools import RELEASE, alert_rules, rendered_rules, run
from tests.support.kafka import EXAMPLES, create_topics, producer
from tests.support.worker_process import WorkerProcess

JOB = f"{RELEASE}-cdp-worker"  # the job the chart's rules select (the Service name)
POISON = b"{not json"
# Some throttling and server errors, so retry, 429 and error-ratio panels show real values.
FAULTS = [{"api": "*", "p429": 0.05, "retry_after": 1, "p503": 0.05}]


@dataclass(frozen=True)
class Stack:
    worker: WorkerProcess
    prometheus: PrometheusServer


def _worker_env(bootstrap: str, sandbox: RunningSandbox, suffix: str) -> dict[str, str]:
    return {
        "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": f"live-{suffix}",
        "CDPW_DLQ_TOPIC": f"live-dlq-{suffix}", "CDPW_STATE_TOPIC": f"live-state-{suffix}",
        "CDPW_KAFKA_GROUP_ID": f"live-{suffix}", "CDPW_SINK": "cdp", "CDPW_CDP_BASE_URL": sandbox.url,
        "CDPW_CDP_CLIENT_KEY": sandbox.client_key, "CDPW_CDP_API_TOKEN": sandbox.api_token,
        "CDPW_CDP_TIMEOUT_S": "5", "CDPW_RETRY_BASE_S": "0.05", "CDPW_RETRY_MAX_S": "1",
        # Corrections of orders that never arrive wait this long; a short stop keeps the teardown short.
        "CDPW_CORRECTION_WAIT_S": "2", "CDPW_DRAIN_TIMEOUT_S": "1",
    }  # fmt: skip


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


def _stop(worker: WorkerProcess) -> None:
    """SIGTERM; this stack checks metrics, not shutdown, so a slow stop ends with SIGKILL."""
    try:
        worker.terminate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


@pytest.fixture(scope="module")
def stack(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("live-prometheus")
    suffix = uuid.uuid4().hex[:8]
    create_topics(bootstrap, (f"live-{suffix}", 3), (f"live-dlq-{suffix}", 1))
    sandbox = start_sandbox_process(directory, fault=FAULTS, fault_seed=7)
    worker = WorkerProcess(_worker_env(bootstrap, sandbox, suffix), directory / "worker.log").start()
    stop = threading.Event()
    traffic = threading.Thread(target=_traffic, args=(bootstrap, f"live-{suffix}", stop), daemon=True)
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
        _stop(worker)
        sandbox.stop()
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
    assert "decode" in {series["metric"]["stage"] for series in firing}
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


def test_cdp_panels_see_requests_latencies_and_throttling(stack: Stack) -> None:
    prometheus = stack.prometheus
    apis = prometheus.wait_for(f'sum by (api) (cdpw_cdp_requests_total{{job="{JOB}"}}) > 0')
    assert "stream" in {series["metric"]["api"] for series in apis}
    latency = prometheus.wait_for(f'sum(cdpw_cdp_request_duration_seconds_count{{job="{JOB}"}}) > 0')
    assert latency, "no CDP request latency observed"
    assert prometheus.wait_for(f'sum(cdpw_retries_total{{job="{JOB}", reason="throttled"}}) > 0'), (
        "no 429 retry"
    )
