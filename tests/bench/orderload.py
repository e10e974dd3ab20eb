"""Order traffic of the orders benchmark: the events, publishing them, and their Stream requests.

The requests are built with the worker's own code (``plan_for`` with the default mapping options,
``event_message``/``url_encoded``, the URL shape of :class:`worker.cdp.stream.StreamClient`), so the
reference clients send byte-for-byte the requests the worker sends for the same orders.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from confluent_kafka import Producer

from worker.cdp.message import event_message, url_encoded
from worker.cdp.stream import BROWSER_PATH, EVENT_PATH
from worker.codec import Decoder, build_decoder
from worker.config import DEFAULT_SCHEMA_DIR
from worker.events import Event as TypedEvent
from worker.mapping import MappingOptions, plan_for
from worker.plans import Plan
from worker.tools.traffic import orders_only

Pair = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class OrderTraffic:
    """A cell's orders: a small paced set for latency, then the backlog for throughput (distinct orders)."""

    paced: list[Pair]
    backlog: list[Pair]


def order_traffic(paced: int, backlog: int, keys: int, seed: int = 11) -> OrderTraffic:
    """``paced + backlog`` OrderPlaced events (1-5 lines) over ``keys`` customers, every order id unique."""
    pairs = orders_only(paced + backlog, keys, seed=seed, max_lines=5)
    return OrderTraffic(pairs[:paced], pairs[paced:])


def reference_of(event: dict[str, Any]) -> str:
    """The order's CDP reference id (what CHECKOUT sends and the sandbox lists)."""
    return str(event["order"]["order_id"]).upper()


def _producer(bootstrap: str) -> Producer:
    return Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "queue.buffering.max.messages": 200000})


def _produce(producer: Producer, topic: str, key: str, event: dict[str, Any]) -> int:
    """Produce one event stamped with the current wall clock (ms); returns the stamp."""
    stamp = int(time.time() * 1000)
    producer.produce(topic, value=json.dumps(event).encode(), key=key.encode(), timestamp=stamp)
    producer.poll(0)
    return stamp


def publish_backlog(bootstrap: str, topic: str, pairs: Iterable[Pair]) -> None:
    """Produce every pair as fast as the producer takes them, and wait for the broker."""
    producer = _producer(bootstrap)
    for key, event in pairs:
        _produce(producer, topic, key, event)
    if producer.flush(60) != 0:
        raise RuntimeError("backlog not fully delivered to the broker")


def publish_paced(bootstrap: str, topic: str, pairs: list[Pair], per_second: float) -> dict[str, float]:
    """Produce ``pairs`` at ``per_second`` (open loop); returns each order's Kafka timestamp (epoch s)."""
    producer = _producer(bootstrap)
    stamps: dict[str, float] = {}
    started = time.monotonic()
    for n, (key, event) in enumerate(pairs):
        pause = started + n / per_second - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        stamps[reference_of(event)] = _produce(producer, topic, key, event) / 1000
    if producer.flush(30) != 0:
        raise RuntimeError("paced orders not fully delivered to the broker")
    return stamps


# the same Stream requests as the worker ------------------------------------------------------------
@functools.cache
def json_decoder() -> Decoder:
    """The worker's JSON decoder (schemas parsed once per process, on first use)."""
    return build_decoder("json", DEFAULT_SCHEMA_DIR)


def typed(event: dict[str, Any]) -> TypedEvent:
    """The worker's typed event for a traffic event (through the JSON codec, as the worker decodes it)."""
    return json_decoder().decode(json.dumps(event).encode(), None)


def order_plan(event: TypedEvent) -> Plan:
    """The plan the worker runs for an order on a browser whose session holds nothing yet."""
    return plan_for(event, MappingOptions())


def browser_url(base: str, client_key: str) -> str:
    return f"{base}{BROWSER_PATH}?client_key={quote(client_key, safe='')}&message={url_encoded({})}"


def step_urls(base: str, client_key: str, plan: Plan, browser: str) -> list[str]:
    """One absolute ``event/create`` URL per step of ``plan`` on ``browser``, in order."""
    prefix = f"{base}{EVENT_PATH}?client_key={quote(client_key, safe='')}&message="
    return [prefix + url_encoded(event_message(step, plan.context, browser)) for step in plan.steps]
