"""Corrections that cannot succeed become dead letters that say why; orphans fall back to a REST create."""

from __future__ import annotations

import copy
import json

import httpx

from sandbox.testing import RunningSandbox
from tests.integration.corrections.conftest import Topics, WorkerFactory
from tests.integration.corrections.test_model import wait_until_finished
from tests.integration.corrections.workload import workload
from tests.support.kafka import headers_of, produce_json, producer, read_all

Event = dict[str, object]


def first_of(traffic: list[tuple[str, dict[str, object]]], kind: str) -> tuple[str, dict[str, object]]:
    return next((key, copy.deepcopy(e)) for key, e in traffic if e["event_type"] == kind)


def test_batch_error_lines_and_extension_limits_are_dead_lettered_and_orphans_are_created(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = workload(orders=20, seed=9, import_ratio=0.0)
    key, refused = first_of(traffic, "OrderPlaced")
    refused.update(
        event_type="OrderImported", source="HISTORICAL", event_id="11111111-1111-4111-8111-111111111111"
    )
    order = refused["order"]
    assert isinstance(order, dict)
    order.update(order_id="IMP-AMEX-1", payment={"type": "Card", "card_type": "Amex"})  # not a CDP card type
    _, badly_named = first_of(traffic, "OrderUpdated")
    named = badly_named["order"]
    assert isinstance(named, dict)
    named["extensions"] = {"loyaltyTier": "gold", "gift_wrap": True}  # not a camelCase alphanumeric name
    badly_named["event_id"] = "22222222-2222-4222-8222-222222222222"
    _, orphan = first_of(traffic, "OrderUpdated")
    lonely = orphan["order"]
    assert isinstance(lonely, dict)
    lonely["order_id"] = "NEVER-PLACED-1"
    orphan["event_id"] = "33333333-3333-4333-8333-333333333333"
    extra = [(key, refused), ("K-NAMES", badly_named), ("K-ORPHAN", orphan)]
    produce_json(producer(bootstrap), topics.source, [*traffic, *extra])
    worker = start_worker(CDPW_CORRECTION_WAIT_S="1", CDPW_CORRECTION_FALLBACK="create")
    wait_until_finished(worker, len(traffic) + len(extra), timeout=90)

    letters = {headers_of(m).get("cdpw.reason", b"").decode(): m for m in read_all(bootstrap, topics.dlq, 2)}
    assert set(letters) == {"batch_record_failed", "extension_limits"}, sorted(letters)
    batch_letter = headers_of(letters["batch_record_failed"])
    log_line = json.loads(batch_letter["cdpw.http.response"])
    assert log_line["code"] == "400"
    assert "cardType" in log_line["message"]
    assert batch_letter["cdpw.stage"] == b"batch"
    assert json.loads(letters["batch_record_failed"].value() or b"{}")["order"]["order_id"] == "IMP-AMEX-1"
    names_letter = headers_of(letters["extension_limits"])
    assert b"'gift_wrap': not a camelCase alphanumeric attribute name" in names_letter["cdpw.error.message"]
    assert names_letter["cdpw.stage"] == b"mapping"

    orders = httpx.get(f"{sandbox.url}/_sandbox/orders", params={"referenceId": "NEVER-PLACED-1"}).json()
    assert [o["createdBy"] for o in orders["items"]] == ["rest"]
    assert worker.metric("cdpw_retries_total", api="order_wait", reason="order_not_visible") > 0
