"""A correction whose order CDP never shows ends as its fallback setting says: batch upsert or dead letter."""

from __future__ import annotations

import httpx
import pytest

from sandbox.testing import RunningSandbox
from tests.integration.corrections.conftest import Topics, WorkerFactory
from tests.integration.corrections.test_failures import first_of
from tests.integration.corrections.test_model import wait_until_finished
from tests.integration.corrections.workload import workload
from tests.support.kafka import headers_of, produce_json, producer, read_all


@pytest.mark.parametrize(("fallback", "created_by"), [("batch", "batch"), ("dead_letter", None)])
def test_an_orphan_correction_ends_as_the_fallback_setting_says(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory,
    fallback: str, created_by: str | None,
) -> None:  # fmt: skip
    traffic = workload(orders=5, seed=21, import_ratio=0.0)
    _, orphan = first_of(traffic, "OrderUpdated")
    order = orphan["order"]
    assert isinstance(order, dict)
    order["order_id"] = "NEVER-PLACED-2"
    orphan["event_id"] = "44444444-4444-4444-8444-444444444444"
    produce_json(producer(bootstrap), topics.source, [*traffic, ("K-ORPHAN", orphan)])
    worker = start_worker(CDPW_CORRECTION_WAIT_S="1", CDPW_CORRECTION_FALLBACK=fallback)
    wait_until_finished(worker, len(traffic) + 1, timeout=90)

    found = httpx.get(f"{sandbox.url}/_sandbox/orders", params={"referenceId": "NEVER-PLACED-2"}, timeout=10)
    creators = [o["createdBy"] for o in found.json()["items"]]
    if created_by is None:
        assert creators == []
        letters = read_all(bootstrap, topics.dlq, expected=1, timeout=20)
        assert [headers_of(m)["cdpw.reason"] for m in letters] == [b"order_missing"]
    else:
        assert creators == [created_by], worker.tail()
        assert worker.metric("cdpw_dead_letters_total") == 0
