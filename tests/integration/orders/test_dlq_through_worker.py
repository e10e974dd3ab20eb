"""``cdp-worker dlq replay --through-worker`` end to end: broker, sandbox, worker process, CLI process.

Orders dead-lettered by an input limit are replayed through the worker's pipeline once the limit is
raised: they reach CDP, nothing is written to the source topic, a second replay creates no order
twice, and a record that fails again is dead-lettered again at its source position with the count.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid

from sandbox.testing import RunningSandbox
from tests.integration.orders.conftest import Topics, WorkerFactory
from tests.integration.orders.test_orders import wait_until_finished
from tests.integration.orders.traffic import (
    Event,
    order_problems,
    placed_orders,
    rejections,
    sandbox_orders,
    shop_traffic,
)
from tests.support.kafka import headers_of, produce_json, producer, read_all
from tests.support.stack import cdp_env, kafka_env

MAX_LINES = 2


def _run(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    settings = {**kafka_env(bootstrap, topics), **cdp_env(sandbox), "CDPW_RETRY_MAX_S": "2", **env}
    return subprocess.run(
        [sys.executable, "-m", "worker", "dlq", "replay", "--through-worker", *args],
        env={**os.environ, **settings},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _replay(bootstrap: str, topics: Topics, sandbox: RunningSandbox, *args: str) -> list[str]:
    done = _run(bootstrap, topics, sandbox, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def _outcomes(lines: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in lines[:-1]:
        item = json.loads(line)
        found.setdefault(item["outcome"], []).append(item["reason"])
    return {outcome: sorted(reasons) for outcome, reasons in found.items()}


def _dead_letter(bootstrap: str, topics: Topics, event: Event, reason: bytes, offset: bytes) -> Event:
    """A dead letter as the worker writes it, for a record of the source topic's partition 4."""
    context: list[tuple[str, str | bytes | None]] = [
        ("__connect.errors.topic", topics.source.encode()),
        ("__connect.errors.partition", b"4"),
        ("__connect.errors.offset", offset),
        ("cdpw.reason", reason),
    ]
    prod = producer(bootstrap)
    prod.produce(topics.dlq, value=json.dumps(event).encode(), key=event["guest"]["customer_id"].encode(),
                 headers=context)  # fmt: skip
    assert prod.flush(10) == 0
    return event


def _cancellation(placed: Event) -> Event:
    """The OrderCancelled of a placed order (a REST correction)."""
    order = {**copy.deepcopy(placed["order"]), "status": "CANCELLED"}
    changes = {"event_id": str(uuid.uuid4()), "event_type": "OrderCancelled", "order": order,
               "cancelled_at": placed["occurred_at"], "reason": "replayed cancellation"}  # fmt: skip
    return {**copy.deepcopy(placed), **changes}


def test_dead_letters_replayed_through_the_worker_reach_cdp_once_and_never_the_source_topic(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = shop_traffic(guests=8, orders_per_guest=2, seed=5)
    orders = placed_orders(traffic)
    too_long = [e for e in orders.values() if len(e["order"]["lines"]) > MAX_LINES]
    assert too_long and len(too_long) < len(orders)
    sent = produce_json(producer(bootstrap), topics.source, traffic)
    prod = producer(bootstrap)
    prod.produce(topics.source, value=b"{broken", key=b"C-000001", partition=1)
    assert prod.flush(10) == 0
    worker = start_worker(CDPW_MAX_ORDER_LINES=str(MAX_LINES))
    wait_until_finished(worker, sent + 1, timeout=120)
    assert worker.terminate() == 0
    # Cart events whose remaining lines exceed the limit are dead-lettered too.
    dead = len(read_all(bootstrap, topics.dlq, 1000, timeout=5))
    limited = dead - 1
    assert limited >= len(too_long), dead

    dry = _replay(bootstrap, topics, sandbox, "--dry-run")
    decodes = sorted(json.loads(line)["decodes"] for line in dry[:-1])
    assert decodes == [False] + [True] * limited
    assert dry[-1] == f"would replay {dead} through the worker; skipped 0 over --max-replays"

    assert len(order_problems(orders, sandbox_orders(sandbox.url))) == len(too_long)
    first = _replay(bootstrap, topics, sandbox, "--reason", "limit", "--rate", "50")
    assert _outcomes(first) == {"done": ["limit"] * limited}, first
    assert order_problems(orders, sandbox_orders(sandbox.url)) == []

    cancelled = _cancellation(too_long[0])
    _dead_letter(bootstrap, topics, cancelled, reason=b"order_missing", offset=b"100000")
    again = _replay(bootstrap, topics, sandbox)
    done = sorted(["limit"] * limited + ["order_missing"])
    assert _outcomes(again) == {"done": done, "dead_letter": ["decode"]}, again
    assert len(sandbox_orders(sandbox.url)) == len(orders)
    status = {o["referenceId"]: o["status"] for o in sandbox_orders(sandbox.url)}
    assert status[cancelled["order"]["order_id"].upper()] == "CANCELLED"
    assert rejections(sandbox.url) == []
    assert len(read_all(bootstrap, topics.source, sent + 2, timeout=5)) == sent + 1

    letters = read_all(bootstrap, topics.dlq, dead + 2, timeout=30)
    redone = headers_of(letters[-1])
    assert letters[-1].value() == b"{broken"
    assert (redone["cdpw.replay.count"], redone["cdpw.reason"]) == (b"1", b"decode")
    assert (redone["__connect.errors.partition"], redone["__connect.errors.offset"]) == (b"1", b"0")

    last = _replay(bootstrap, topics, sandbox, "--reason", "decode", "--max-replays", "1")
    assert last == ["replayed 0 through the worker: 0 done, 0 dead-lettered again, 0 unfinished; "
                    "skipped 1 over --max-replays"]  # fmt: skip


def test_a_replay_stopped_by_a_fatal_answer_leaves_its_dead_letters_to_replay_later(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox
) -> None:
    order = next(iter(placed_orders(shop_traffic(guests=1, orders_per_guest=1)).values()))
    _dead_letter(bootstrap, topics, order, reason=b"limit", offset=b"17")

    refused = _run(bootstrap, topics, sandbox, CDPW_CDP_CLIENT_KEY="wrong-tenant")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert json.loads(refused.stdout.splitlines()[0])["outcome"] == "unfinished"
    assert "0 done, 0 dead-lettered again, 1 unfinished (stopped by StreamAuthError" in refused.stdout
    assert sandbox_orders(sandbox.url) == []
    assert len(read_all(bootstrap, topics.dlq, 2, timeout=3)) == 1

    tokenless = _run(bootstrap, topics, sandbox, CDPW_CDP_API_TOKEN="")
    assert tokenless.returncode == 2
    assert "needs CDPW_CDP_API_TOKEN" in tokenless.stderr

    assert _replay(bootstrap, topics, sandbox)[-1].startswith("replayed 1 through the worker: 1 done")
    assert [o["referenceId"] for o in sandbox_orders(sandbox.url)] == [order["order"]["order_id"].upper()]
