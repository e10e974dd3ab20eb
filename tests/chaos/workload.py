"""The campaign's traffic: shop carts and orders, orders with corrections, and poison records; its model.

Good traffic is two generators interleaved at random, each keeping its keys' order: the shop
(carts that end in Stream orders, some from browsers CDP never issued, which CDP answers 404 and
the worker must recover from) and the corrections workload (Stream, REST and Batch orders with
updates, cancellations, refunds and deletions). The model is the corrections workload's:
CDP reference id → the order CDP must hold at the end.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tests.chaos.avro import Encode, avro_poison_records
from tests.chaos.poison import PoisonRecord, poison_records
from tests.chaos.profiles import Profile
from tests.integration.corrections.workload import expected_state, workload
from tests.integration.orders.test_orders import with_unknown_browsers
from tests.integration.orders.traffic import shop_traffic

Event = dict[str, Any]
Pair = tuple[str, Event]


@dataclass(frozen=True)
class Record:
    """One record to produce: its key, value and what it is (an event type or ``poison:<kind>``)."""

    key: str
    value: bytes | None
    label: str


@dataclass(frozen=True)
class Workload:
    """Everything the campaign produces, in production order, and the model of the good part."""

    records: tuple[Record, ...]
    good: tuple[Pair, ...]
    poison: tuple[PoisonRecord, ...]

    def expected_orders(self) -> dict[str, dict[str, Any]]:
        """The model: the orders CDP must hold at the end, by reference id."""
        return expected_state([(key, event) for key, event in self.good if "order" in event
                               or event["event_type"] == "OrderDeleted"])  # fmt: skip

    def without(self, lost: Collection[int]) -> Workload:
        """The workload less the records at indexes ``lost`` (records the broker acknowledged and lost)."""
        good = iter(self.good)
        records: list[Record] = []
        pairs: list[Pair] = []
        gone: set[str] = set()
        for index, record in enumerate(self.records):
            pair = None if record.label.startswith("poison:") else next(good)
            if index in lost:
                if pair is None:
                    gone.add(record.key)
                continue
            records.append(record)
            if pair is not None:
                pairs.append(pair)
        poison = tuple(item for item in self.poison if item.key not in gone)
        return Workload(tuple(records), tuple(pairs), poison)


def _json(event: Event) -> bytes:
    return json.dumps(event).encode()


def merge(first: list[Pair], second: list[Pair], rng: random.Random) -> list[Pair]:
    """Both sequences interleaved at random; each keeps its own order (so every key keeps its order)."""
    left, right, out = list(reversed(first)), list(reversed(second)), []
    while left or right:
        take_left = bool(left) and (not right or rng.random() < len(left) / (len(left) + len(right)))
        out.append((left if take_left else right).pop())
    return out


def bases(shop: list[Pair], corrections: list[Pair]) -> dict[str, Event]:
    """A good Stream order and a good Batch import to spoil into poison records."""
    placed = next(event for _, event in shop if event["event_type"] == "OrderPlaced")
    tracked = next(event for _, event in corrections if event["event_type"] == "OrderPlaced"
                   and not (event["guest"]["anonymous"] or event["guest"]["tracking_refused"]))  # fmt: skip
    imported = {**copy.deepcopy(tracked), "event_type": "OrderImported", "source": "HISTORICAL"}
    return {"placed": placed, "imported": imported}


def build(profile: Profile, seed: int, encode: Encode | None = None) -> Workload:
    """The workload of a run (reproducible from ``seed``): JSON values, or ``encode``'s (Avro) values."""
    rng = random.Random(seed)
    shop = with_unknown_browsers(
        shop_traffic(profile.shop_guests, profile.shop_orders_per_guest, seed=seed + 1), every=5
    )
    corrections = workload(orders=profile.correction_orders, seed=seed + 2)
    good = merge(shop, corrections, rng)
    found = bases(shop, corrections)
    if encode is None:
        encode = _json
        poison = poison_records(found, profile.poison_per_kind)
    else:
        poison = avro_poison_records(found, profile.poison_per_kind, encode)
    records = [Record(key, encode(event), event["event_type"]) for key, event in good]
    for item in poison:
        records.insert(rng.randrange(len(records) + 1), Record(item.key, item.value, f"poison:{item.kind}"))
    return Workload(tuple(records), tuple(good), tuple(poison))
