"""REST and Batch outages (503s, 429s with Retry-After, dropped connections) during corrections: no
duplicate, nothing lost."""

from __future__ import annotations

import httpx

from sandbox.testing import RunningSandbox
from tests.integration.corrections.conftest import Topics, WorkerFactory
from tests.integration.corrections.test_model import sandbox_orders, wait_until_finished
from tests.integration.corrections.workload import actual_state, expected_state, state_problems, workload
from tests.support.kafka import produce_json, producer


def test_corrections_converge_through_rest_and_batch_faults(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    rules = [
        {"api": "rest", "p503": 0.02, "p500": 0.01, "pdrop": 0.01, "p429": 0.02, "retry_after": 1},
        {"api": "batch", "p503": 0.05, "pdrop": 0.03, "p429": 0.03, "retry_after": 1},
    ]
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"rules": rules}, timeout=10).raise_for_status()
    traffic = workload(orders=60, seed=17)
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker(CDPW_ROUTE_DELETIONS="batch", CDPW_CORRECTION_BATCH_THRESHOLD_PER_S="3")
    wait_until_finished(worker, len(traffic), timeout=150)
    assert worker.metric("cdpw_records_finished_total", outcome="dead_letter") == 0, worker.tail()
    problems = state_problems(expected_state(traffic), actual_state(sandbox_orders(sandbox.url)))
    assert problems == [], problems[:20]
    assert worker.metric("cdpw_retries_total", api="rest") > 0
    assert worker.metric("cdpw_retries_total", api="batch") > 0
    injected = httpx.get(f"{sandbox.url}/_sandbox/faults", timeout=10).json()["rules"]
    faults = {
        rule["api"]: sum(n for kind, n in rule["counts"].items() if kind != "requests") for rule in injected
    }
    assert min(faults.values()) > 0, faults
