"""Daily reconciliation: Stream-created orders re-upserted in full through Batch (extensions included)."""

from __future__ import annotations

import os
import subprocess
import sys

from sandbox.testing import RunningSandbox
from tests.integration.corrections.conftest import Topics, WorkerFactory
from tests.integration.corrections.test_model import sandbox_orders, wait_until_finished
from tests.integration.corrections.workload import actual_state, expected_state, state_problems, workload
from tests.support.kafka import produce_json, producer


def test_reconciliation_gives_stream_created_orders_their_full_state(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = workload(orders=60, seed=21)
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker()
    wait_until_finished(worker, len(traffic), timeout=90)
    before = state_problems(
        expected_state(traffic, reconciled=True), actual_state(sandbox_orders(sandbox.url))
    )
    assert any("extensions" in problem for problem in before), "Stream orders lack extensions before"
    env = {
        **os.environ, "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": topics.source,
        "CDPW_CDP_BASE_URL": sandbox.url, "CDPW_CDP_CLIENT_KEY": sandbox.client_key,
        "CDPW_CDP_API_TOKEN": sandbox.api_token, "CDPW_BATCH_MAX_AGE_S": "0.2",
        "CDPW_BATCH_POLL_BASE_S": "0.05", "CDPW_BATCH_POLL_MAX_S": "0.5",
    }  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "worker", "backfill", "--reconcile-hours", "24"],
                          env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert " 0 rejected" in done.stdout
    after = state_problems(
        expected_state(traffic, reconciled=True), actual_state(sandbox_orders(sandbox.url))
    )
    assert after == [], after[:20]
