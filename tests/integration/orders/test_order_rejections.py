"""A Stream 400 sends the record to the dead-letter topic with the HTTP status and response; others flow."""

from __future__ import annotations

import copy
import json

from confluent_kafka import Message

from sandbox.testing import RunningSandbox
from tests.integration.orders.conftest import Topics, WorkerFactory
from tests.integration.orders.test_orders import wait_until_finished
from tests.integration.orders.traffic import (
    Event,
    order_problems,
    placed_orders,
    sandbox_orders,
    shop_traffic,
)
from tests.support.kafka import produce_json, producer, read_all
from tests.support.stack import committed_total

#: Guests whose storefront reports a channel CDP does not have: every Stream call of theirs is a 400.
BAD_GUESTS = ("C-000003", "C-000011", "C-000017")


def header_map(message: Message) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for item in message.headers() or []:
        value = item[1]
        found[str(item[0])] = value.encode() if isinstance(value, str) else bytes(value or b"")
    return found


def with_bad_channel(key: str, event: Event) -> Event:
    if key not in BAD_GUESTS:
        return event
    changed = copy.deepcopy(event)
    changed["context"]["channel"] = "TELEPATHY"
    return changed


def test_stream_400s_are_dead_lettered_with_status_and_response_while_other_guests_flow(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = [
        (key, with_bad_channel(key, event)) for key, event in shop_traffic(guests=20, orders_per_guest=3)
    ]
    bad = [event for key, event in traffic if key in BAD_GUESTS]
    good = [(key, event) for key, event in traffic if key not in BAD_GUESTS]
    assert bad
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker()
    wait_until_finished(worker, len(traffic), timeout=120)

    assert order_problems(placed_orders(good), sandbox_orders(sandbox.url)) == [], worker.tail()
    letters = read_all(bootstrap, topics.dlq, len(bad), timeout=30)
    assert sorted(json.loads(m.value() or b"{}")["event_id"] for m in letters) == sorted(
        e["event_id"] for e in bad
    )
    for letter in letters:
        headers = header_map(letter)
        assert headers["cdpw.http.status"] == b"400"
        assert b"channel" in headers["cdpw.http.response"].lower()
        assert headers["cdpw.stage"] == b"stream"
        assert (letter.key() or b"").decode() in BAD_GUESTS
    assert worker.metric("cdpw_dead_letters_total", stage="stream") == len(bad)


def test_a_wrong_client_key_stops_the_worker_without_dead_letters_or_commits(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = shop_traffic(guests=3, orders_per_guest=1)
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker(CDPW_CDP_CLIENT_KEY="not-our-tenant")
    assert worker.process is not None
    assert worker.process.wait(60) == 1, worker.tail()
    assert "CDPW_CDP_CLIENT_KEY" in worker.tail(200)
    assert committed_total(bootstrap, topics) == 0
    assert read_all(bootstrap, topics.dlq, 1, timeout=3) == []
    assert sandbox_orders(sandbox.url) == []
